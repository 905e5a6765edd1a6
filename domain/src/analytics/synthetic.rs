//! Deterministic synthetic data: series with trend, weekly and yearly seasonality, holidays,
//! noise and injected, labelled anomalies; and historical leads with a known ground truth.
//!
//! The same seed gives the same data on every platform and forever, which is why the generator
//! carries its own tiny PRNG (SplitMix64) instead of depending on `rand`'s stream stability.
//! Tests, the bench and the demo history all use it, so "precision 0.95" means the same thing in
//! each of them.

use super::lead_scoring::{ContactMethod, HistoricalLead, LeadAtArrival, LeadOutcome, LeadSource, Timeframe};
use super::series::{TimeSeries, TimestampStyle};
use chrono::{Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// SplitMix64: a well-studied 64-bit generator with a one-word state, enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Standard normal by Box–Muller.
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SyntheticCadence {
    Hourly,
    Daily,
    Weekly,
    Monthly,
}

impl SyntheticCadence {
    /// The season built into series of this cadence.
    pub fn season(self) -> usize {
        match self {
            Self::Hourly => 24,
            Self::Daily => 7,
            Self::Weekly => 52,
            Self::Monthly => 12,
        }
    }

    fn at(self, start: NaiveDateTime, i: usize) -> NaiveDateTime {
        match self {
            Self::Hourly => start + Duration::hours(i as i64),
            Self::Daily => start + Days::new(i as u64),
            Self::Weekly => start + Days::new(7 * i as u64),
            Self::Monthly => start.checked_add_months(Months::new(i as u32)).unwrap_or(start),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectedKind {
    /// One point far above the expected value.
    Spike,
    /// One point far below it.
    Dip,
    /// A few consecutive points shifted, e.g. a broken lead form for an afternoon.
    Burst,
}

/// An injected anomaly: indices `start..=end` are abnormal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelledAnomaly {
    pub start: usize,
    pub end: usize,
    pub kind: InjectedKind,
    /// Size in noise standard deviations (signed).
    pub sigmas: f64,
}

/// What to generate. Amplitudes are in the series' units.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSpec {
    pub start: NaiveDate,
    pub cadence: SyntheticCadence,
    pub length: usize,
    pub level: f64,
    pub trend_per_step: f64,
    /// Amplitude of the short season (weekday profile for daily data, hour of day for hourly).
    pub season_amplitude: f64,
    pub yearly_amplitude: f64,
    /// Fraction of the normal value lost on a holiday (daily data only): 0.7 = 30 % of normal.
    pub holiday_drop: f64,
    pub noise_sd: f64,
    pub anomalies: usize,
    /// Anomaly size range in noise standard deviations.
    pub anomaly_sigmas: (f64, f64),
    pub seed: u64,
}

impl SeriesSpec {
    /// Two years of daily sales at one location: weekend peaks, a summer high, closed on holidays.
    pub fn daily_sales(seed: u64) -> Self {
        Self {
            start: NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default(),
            cadence: SyntheticCadence::Daily,
            length: 730,
            level: 40.0,
            trend_per_step: 0.02,
            season_amplitude: 12.0,
            yearly_amplitude: 6.0,
            holiday_drop: 0.8,
            noise_sd: 2.5,
            anomalies: 12,
            anomaly_sigmas: (6.0, 9.0),
            seed,
        }
    }

    /// Daily workshop demand in bay-hours.
    pub fn daily_bay_hours(seed: u64) -> Self {
        Self {
            level: 90.0,
            trend_per_step: 0.03,
            season_amplitude: 25.0,
            yearly_amplitude: 8.0,
            noise_sd: 5.0,
            ..Self::daily_sales(seed)
        }
    }

    /// Four years of weekly sales with a yearly cycle.
    pub fn weekly_sales(seed: u64) -> Self {
        Self {
            start: NaiveDate::from_ymd_opt(2021, 1, 4).unwrap_or_default(),
            cadence: SyntheticCadence::Weekly,
            length: 208,
            level: 280.0,
            trend_per_step: 0.6,
            season_amplitude: 45.0,
            yearly_amplitude: 0.0,
            holiday_drop: 0.0,
            noise_sd: 10.0,
            anomalies: 4,
            anomaly_sigmas: (6.0, 9.0),
            seed,
        }
    }

    /// Eight years of monthly sales.
    pub fn monthly_sales(seed: u64) -> Self {
        Self {
            start: NaiveDate::from_ymd_opt(2017, 1, 1).unwrap_or_default(),
            cadence: SyntheticCadence::Monthly,
            length: 96,
            level: 1_200.0,
            trend_per_step: 4.0,
            season_amplitude: 220.0,
            yearly_amplitude: 0.0,
            holiday_drop: 0.0,
            noise_sd: 35.0,
            anomalies: 3,
            anomaly_sigmas: (6.0, 9.0),
            seed,
        }
    }

    /// Hourly coolant temperature from a connected car (°C).
    pub fn hourly_telemetry(seed: u64) -> Self {
        Self {
            start: NaiveDate::from_ymd_opt(2024, 6, 3).unwrap_or_default(),
            cadence: SyntheticCadence::Hourly,
            length: 24 * 60,
            level: 88.0,
            trend_per_step: 0.0,
            season_amplitude: 4.0,
            yearly_amplitude: 0.0,
            holiday_drop: 0.0,
            noise_sd: 0.8,
            anomalies: 15,
            anomaly_sigmas: (6.0, 9.0),
            seed,
        }
    }

    pub fn with_length(mut self, length: usize) -> Self {
        self.length = length;
        self
    }

    pub fn with_anomalies(mut self, anomalies: usize) -> Self {
        self.anomalies = anomalies;
        self
    }
}

/// A generated series with its answer key.
#[derive(Debug, Clone)]
pub struct SyntheticSeries {
    pub timestamps: Vec<NaiveDateTime>,
    pub values: Vec<f64>,
    /// The value without noise or anomalies (holidays included): what a perfect model expects.
    pub expected: Vec<f64>,
    pub anomalies: Vec<LabelledAnomaly>,
    /// Indices of holidays: known closures, not anomalies.
    pub holidays: Vec<usize>,
    pub season: usize,
}

impl SyntheticSeries {
    pub fn labelled_ranges(&self) -> Vec<(usize, usize)> {
        self.anomalies.iter().map(|a| (a.start, a.end)).collect()
    }

    pub fn to_time_series(&self) -> TimeSeries {
        // The generator only produces increasing timestamps and finite values, so this holds;
        // should it ever not, an empty-looking error is better than a panic in the demo.
        TimeSeries::new(self.timestamps.clone(), self.values.clone(), TimestampStyle::Rfc3339).unwrap_or_else(|_| {
            TimeSeries::new(vec![NaiveDateTime::default()], vec![0.0], TimestampStyle::Rfc3339)
                .unwrap_or_else(|_| unreachable!("a one-point series is valid"))
        })
    }
}

/// Relative weekday demand at a dealership (Mon..Sun): Saturday peaks, Sunday mostly closed.
const WEEKDAY_PROFILE: [f64; 7] = [-0.2, -0.3, -0.2, 0.0, 0.3, 1.0, -0.6];

fn is_holiday(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (1, 1) | (5, 1) | (12, 25) | (12, 26))
}

pub fn generate(spec: &SeriesSpec) -> SyntheticSeries {
    let mut rng = SplitMix64::new(spec.seed);
    let start = spec.start.and_time(chrono::NaiveTime::MIN);
    let season = spec.cadence.season();
    let mut timestamps = Vec::with_capacity(spec.length);
    let mut expected = Vec::with_capacity(spec.length);
    let mut holidays = Vec::new();
    for i in 0..spec.length {
        let at = spec.cadence.at(start, i);
        let phase = (i % season) as f64 / season as f64;
        let short_season = match spec.cadence {
            SyntheticCadence::Daily => {
                let weekday = at.date().weekday().num_days_from_monday() as usize;
                WEEKDAY_PROFILE[weekday]
            }
            SyntheticCadence::Hourly => {
                // Warmer in the afternoon when the car is driven.
                (std::f64::consts::TAU * (phase - 0.375)).sin()
            }
            // Spring and autumn registration peaks for weekly/monthly sales.
            SyntheticCadence::Weekly | SyntheticCadence::Monthly => {
                0.7 * (std::f64::consts::TAU * phase).sin() + 0.3 * (2.0 * std::f64::consts::TAU * phase).cos()
            }
        };
        let day_of_year = f64::from(at.date().ordinal0()) / 365.25;
        let yearly = spec.yearly_amplitude * (std::f64::consts::TAU * (day_of_year - 0.3)).sin();
        let mut value = spec.level + spec.trend_per_step * i as f64 + spec.season_amplitude * short_season + yearly;
        if spec.cadence == SyntheticCadence::Daily && is_holiday(at.date()) {
            value *= 1.0 - spec.holiday_drop;
            holidays.push(i);
        }
        timestamps.push(at);
        expected.push(value);
    }
    let mut values: Vec<f64> = expected.iter().map(|e| e + spec.noise_sd * rng.normal()).collect();
    let anomalies = inject(spec, &mut rng, &mut values, &holidays, season);
    SyntheticSeries { timestamps, values, expected, anomalies, holidays, season }
}

/// Spreads the anomalies over the series, one per equal segment, away from the first season
/// (where no detector has context yet), from each other and from holidays, so every label is a
/// fair, separate question.
fn inject(
    spec: &SeriesSpec,
    rng: &mut SplitMix64,
    values: &mut [f64],
    holidays: &[usize],
    season: usize,
) -> Vec<LabelledAnomaly> {
    let margin = season.max(4);
    let n = values.len();
    if spec.anomalies == 0 || n <= 2 * margin {
        return Vec::new();
    }
    let usable = n - 2 * margin;
    let segment = usable / spec.anomalies;
    if segment < 8 {
        return Vec::new();
    }
    let mut labels = Vec::with_capacity(spec.anomalies);
    for k in 0..spec.anomalies {
        let kind = match rng.below(3) {
            0 => InjectedKind::Spike,
            1 => InjectedKind::Dip,
            _ => InjectedKind::Burst,
        };
        let duration = match kind {
            InjectedKind::Burst => 3 + rng.below(3),
            _ => 1,
        };
        let segment_start = margin + k * segment;
        let room = segment.saturating_sub(duration + 4).max(1);
        let mut start = segment_start + 2 + rng.below(room);
        // Step past holidays: a closure and an anomaly on the same day cannot be told apart.
        while (start..start + duration + 1).any(|i| holidays.contains(&i)) && start + duration < n {
            start += 2;
        }
        let end = (start + duration - 1).min(n - 1);
        let magnitude = rng.range(spec.anomaly_sigmas.0, spec.anomaly_sigmas.1);
        let sigmas = match kind {
            InjectedKind::Spike => magnitude,
            InjectedKind::Dip => -magnitude,
            // A sustained shift needs less per point to matter.
            InjectedKind::Burst => {
                if rng.chance(0.5) {
                    0.8 * magnitude
                } else {
                    -0.8 * magnitude
                }
            }
        };
        for value in &mut values[start..=end] {
            *value += sigmas * spec.noise_sd;
        }
        labels.push(LabelledAnomaly { start, end, kind, sigmas });
    }
    labels
}

/// Historical leads whose conversion follows a known logistic model of arrival-time facts, with
/// outcome-time fields (test drive, first response) that are strongly tied to the outcome: a
/// model that used them would look brilliant in evaluation and be useless at arrival.
pub fn leads(count: usize, seed: u64) -> Vec<HistoricalLead> {
    let mut rng = SplitMix64::new(seed);
    let start = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default().and_time(chrono::NaiveTime::MIN);
    let sources = [
        (LeadSource::Web, -0.6),
        (LeadSource::Phone, 0.2),
        (LeadSource::WalkIn, 0.9),
        (LeadSource::Referral, 1.1),
        (LeadSource::Kiosk, 0.3),
        (LeadSource::Marketplace, -0.9),
    ];
    let timeframes = [
        (Timeframe::Immediate, 1.0),
        (Timeframe::ThisMonth, 0.4),
        (Timeframe::ThreeMonths, -0.4),
        (Timeframe::Later, -1.1),
        (Timeframe::Unknown, -0.5),
    ];
    let contacts = [ContactMethod::Phone, ContactMethod::Email, ContactMethod::Sms, ContactMethod::Chat];
    (0..count)
        .map(|i| {
            // Leads arrive through the day over two years, in order.
            let arrived_at = start
                + Duration::minutes((i as f64 * 730.0 * 1440.0 / count.max(1) as f64) as i64)
                + Duration::minutes(rng.below(600) as i64);
            let (source, source_effect) = sources[rng.below(sources.len())];
            let (timeframe, timeframe_effect) = timeframes[rng.below(timeframes.len())];
            let contact = contacts[rng.below(contacts.len())];
            let vehicle_price_cents = rng.chance(0.8).then(|| (rng.range(12_000.0, 60_000.0) * 100.0) as i64);
            let budget_max_cents = rng.chance(0.6).then(|| {
                let reference = vehicle_price_cents.unwrap_or(3_000_000) as f64;
                (reference * rng.range(0.6, 1.4)) as i64
            });
            let returning_customer = rng.chance(0.25);
            let prior_visits = if returning_customer { 1 + rng.below(5) as u32 } else { 0 };
            let trade_in = rng.chance(0.3);
            let finance_requested = rng.chance(0.4);
            let budget_fit = match (vehicle_price_cents, budget_max_cents) {
                (Some(price), Some(budget)) => (budget as f64 / price as f64).ln().clamp(-1.0, 1.0),
                _ => 0.0,
            };
            let logit = -1.4
                + source_effect
                + timeframe_effect
                + 1.5 * budget_fit
                + 0.7 * f64::from(u8::from(returning_customer))
                + 0.5 * f64::from(u8::from(trade_in))
                + 0.3 * f64::from(u8::from(vehicle_price_cents.is_some()));
            let converted = rng.uniform() < 1.0 / (1.0 + (-logit).exp());
            // Outcome-time facts: nearly every won lead had a test drive; lost ones rarely did.
            let test_drive_taken = if converted { rng.chance(0.95) } else { rng.chance(0.1) };
            let first_response_minutes =
                Some(if converted { rng.below(30) as u32 } else { 20 + rng.below(200) as u32 });
            HistoricalLead {
                arrival: LeadAtArrival {
                    arrived_at,
                    source,
                    timeframe,
                    contact,
                    vehicle_price_cents,
                    budget_max_cents,
                    returning_customer,
                    prior_visits,
                    trade_in,
                    finance_requested,
                },
                outcome: LeadOutcome {
                    converted,
                    test_drive_taken,
                    first_response_minutes,
                    lost_reason: (!converted).then(|| "price".to_owned()),
                    closed_at: Some(arrived_at + Duration::days(3 + rng.below(40) as i64)),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_series() {
        let a = generate(&SeriesSpec::daily_sales(7));
        let b = generate(&SeriesSpec::daily_sales(7));
        assert_eq!(a.values, b.values);
        assert_eq!(a.anomalies, b.anomalies);
    }

    #[test]
    fn anomalies_are_labelled_apart_from_holidays() {
        let series = generate(&SeriesSpec::daily_sales(1));
        assert_eq!(series.anomalies.len(), 12);
        assert!(!series.holidays.is_empty());
        for anomaly in &series.anomalies {
            assert!((anomaly.start..=anomaly.end).all(|i| !series.holidays.contains(&i)));
        }
    }

    #[test]
    fn the_generator_is_roughly_standard_normal() {
        let mut rng = SplitMix64::new(3);
        let draws: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05);
    }
}
