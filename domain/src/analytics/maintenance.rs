//! When each service will really be due, per vehicle.
//!
//! An interval is by distance, by time, or both; with both, the earlier wins. Two improvements
//! on the naive rule, from the brief: a vehicle never serviced counts from its first registration
//! at 0 km (not "unknown"), and "due soon" starts when 10 % of the interval remains. The date a
//! distance interval will be reached is projected from the vehicle's own mileage rate (odometer
//! readings from visits and telemetry), so a high-mileage car shows its real date.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Share of an interval left when a service becomes "due soon".
pub const DUE_SOON_SHARE: f64 = 0.10;
/// Readings older than this are ignored for the current mileage rate: usage changes.
const RATE_WINDOW_DAYS: i64 = 365;
/// Readings must span at least this long before their own slope is trusted.
const MIN_RATE_SPAN_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInterval {
    pub service: String,
    pub km: Option<u32>,
    pub months: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub date: NaiveDate,
    pub odometer_km: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdometerReading {
    pub date: NaiveDate,
    pub km: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleUsage {
    pub first_registration: NaiveDate,
    /// Workshop visits and telemetry, any order.
    pub readings: Vec<OdometerReading>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    Ok,
    DueSoon,
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueTrigger {
    Distance,
    Time,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuePrediction {
    pub service: String,
    /// Last done, or the first registration at 0 km for a vehicle never serviced.
    pub counted_from: ServiceRecord,
    pub never_serviced: bool,
    pub due_km: Option<u32>,
    pub due_date_by_time: Option<NaiveDate>,
    /// When the distance interval will be reached at the current mileage rate.
    pub due_date_by_distance: Option<NaiveDate>,
    /// The earlier of the two dates.
    pub due_date: Option<NaiveDate>,
    pub trigger: DueTrigger,
    pub km_per_day: Option<f64>,
    pub estimated_km_today: u32,
    /// Negative when overdue.
    pub due_in_km: Option<i64>,
    pub due_in_days: Option<i64>,
    pub status: DueStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MaintenanceError {
    #[error("service `{0}` has neither a distance nor a time interval")]
    NoInterval(String),
    #[error("odometer went backwards: {later_km} km on {later} after {earlier_km} km on {earlier}")]
    OdometerWentBackwards { earlier: NaiveDate, earlier_km: u32, later: NaiveDate, later_km: u32 },
}

/// Kilometres per day from the readings of the last year (least squares), or, with too few
/// recent readings, the lifetime average since registration at 0 km.
pub fn mileage_rate(usage: &VehicleUsage, today: NaiveDate) -> Result<Option<f64>, MaintenanceError> {
    let readings = sorted_readings(usage)?;
    let recent: Vec<&OdometerReading> =
        readings.iter().filter(|r| (today - r.date).num_days() <= RATE_WINDOW_DAYS && r.date <= today).collect();
    if let (Some(first), Some(last)) = (recent.first(), recent.last()) {
        if (last.date - first.date).num_days() >= MIN_RATE_SPAN_DAYS {
            let xs: Vec<f64> = recent.iter().map(|r| (r.date - first.date).num_days() as f64).collect();
            let ys: Vec<f64> = recent.iter().map(|r| f64::from(r.km)).collect();
            let n = xs.len() as f64;
            let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
            let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
            let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
            if sxx > 0.0 {
                return Ok(Some((sxy / sxx).max(0.0)));
            }
        }
    }
    Ok(readings.last().and_then(|last| {
        let days = (last.date - usage.first_registration).num_days();
        (days > 0).then(|| f64::from(last.km) / days as f64)
    }))
}

fn sorted_readings(usage: &VehicleUsage) -> Result<Vec<OdometerReading>, MaintenanceError> {
    let mut readings = usage.readings.clone();
    readings.sort_by_key(|r| (r.date, r.km));
    for w in readings.windows(2) {
        if w[1].km < w[0].km {
            return Err(MaintenanceError::OdometerWentBackwards {
                earlier: w[0].date,
                earlier_km: w[0].km,
                later: w[1].date,
                later_km: w[1].km,
            });
        }
    }
    Ok(readings)
}

pub fn predict(
    interval: &ServiceInterval,
    last_done: Option<ServiceRecord>,
    usage: &VehicleUsage,
    today: NaiveDate,
) -> Result<DuePrediction, MaintenanceError> {
    if interval.km.is_none() && interval.months.is_none() {
        return Err(MaintenanceError::NoInterval(interval.service.clone()));
    }
    let counted_from = last_done.unwrap_or(ServiceRecord { date: usage.first_registration, odometer_km: 0 });
    let readings = sorted_readings(usage)?;
    let rate = mileage_rate(usage, today)?;
    // The latest known odometer, never below the service record itself.
    let anchor = readings
        .iter()
        .rev()
        .find(|r| r.date <= today)
        .copied()
        .filter(|r| r.km >= counted_from.odometer_km)
        .unwrap_or(OdometerReading { date: counted_from.date, km: counted_from.odometer_km });
    let days_since_anchor = (today - anchor.date).num_days().max(0) as f64;
    let estimated_km_today = anchor.km + (rate.unwrap_or(0.0) * days_since_anchor) as u32;

    let due_km = interval.km.map(|km| counted_from.odometer_km.saturating_add(km));
    let due_date_by_time = interval.months.and_then(|m| counted_from.date.checked_add_months(Months::new(m)));
    let due_date_by_distance = match (due_km, rate) {
        (Some(due), Some(r)) if r > 0.0 => {
            let days = (f64::from(due) - f64::from(anchor.km)) / r;
            Some(anchor.date + chrono::Duration::days(days.ceil() as i64))
        }
        _ => None,
    };
    let (due_date, trigger) = match (due_date_by_time, due_date_by_distance) {
        (Some(t), Some(d)) if d < t => (Some(d), DueTrigger::Distance),
        (Some(t), _) => (Some(t), DueTrigger::Time),
        (None, d) => (d, DueTrigger::Distance),
    };
    let due_in_km = due_km.map(|due| i64::from(due) - i64::from(estimated_km_today));
    let due_in_days = due_date.map(|d| (d - today).num_days());

    let overdue_by_km = due_in_km.is_some_and(|k| k <= 0);
    let overdue_by_time = due_date_by_time.is_some_and(|d| today >= d);
    let soon_by_km = match (due_in_km, interval.km) {
        (Some(left), Some(km)) => (left as f64) <= DUE_SOON_SHARE * f64::from(km),
        _ => false,
    };
    let soon_by_time = due_date_by_time.is_some_and(|d| {
        let span = (d - counted_from.date).num_days() as f64;
        ((d - today).num_days() as f64) <= DUE_SOON_SHARE * span
    });
    // A projection that the distance will be reached within 10 % of the time interval counts
    // as due soon too: the car will be over before the next reminder cycle.
    let soon_by_projection = match (due_date_by_distance, due_date_by_time) {
        (Some(d), Some(t)) => {
            let span = (t - counted_from.date).num_days() as f64;
            ((d - today).num_days() as f64) <= DUE_SOON_SHARE * span
        }
        _ => false,
    };
    let status = if overdue_by_km || overdue_by_time {
        DueStatus::Overdue
    } else if soon_by_km || soon_by_time || soon_by_projection {
        DueStatus::DueSoon
    } else {
        DueStatus::Ok
    };
    Ok(DuePrediction {
        service: interval.service.clone(),
        counted_from,
        never_serviced: last_done.is_none(),
        due_km,
        due_date_by_time,
        due_date_by_distance,
        due_date,
        trigger,
        km_per_day: rate,
        estimated_km_today,
        due_in_km,
        due_in_days,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn oil() -> ServiceInterval {
        ServiceInterval { service: "oil".into(), km: Some(15_000), months: Some(12) }
    }

    fn usage(readings: &[(NaiveDate, u32)]) -> VehicleUsage {
        VehicleUsage {
            first_registration: date(2020, 1, 1),
            readings: readings.iter().map(|&(date, km)| OdometerReading { date, km }).collect(),
        }
    }

    #[test]
    fn a_high_mileage_car_is_due_by_distance_before_the_months_run_out() {
        // 100 km a day: 15,000 km after 150 days, long before 12 months.
        let u = usage(&[(date(2024, 1, 1), 30_000), (date(2024, 3, 1), 36_000)]);
        let last = ServiceRecord { date: date(2024, 1, 1), odometer_km: 30_000 };
        let p = predict(&oil(), Some(last), &u, date(2024, 3, 1)).unwrap();
        assert_eq!(p.trigger, DueTrigger::Distance);
        assert_eq!(p.due_date, Some(date(2024, 5, 30)));
        assert!(p.due_date < p.due_date_by_time);
    }

    #[test]
    fn a_low_mileage_car_is_due_by_time() {
        let u = usage(&[(date(2024, 1, 1), 30_000), (date(2024, 6, 1), 31_000)]);
        let last = ServiceRecord { date: date(2024, 1, 1), odometer_km: 30_000 };
        let p = predict(&oil(), Some(last), &u, date(2024, 6, 1)).unwrap();
        assert_eq!((p.trigger, p.due_date), (DueTrigger::Time, Some(date(2025, 1, 1))));
        assert_eq!(p.status, DueStatus::Ok);
    }

    #[test]
    fn a_vehicle_never_serviced_counts_from_registration_at_zero_km() {
        let u = usage(&[(date(2020, 7, 1), 3_000)]);
        let p = predict(&oil(), None, &u, date(2020, 8, 1)).unwrap();
        assert!(p.never_serviced);
        assert_eq!(p.counted_from, ServiceRecord { date: date(2020, 1, 1), odometer_km: 0 });
        assert_eq!(p.due_km, Some(15_000));
        assert_eq!(p.due_date_by_time, Some(date(2021, 1, 1)));
    }

    #[test]
    fn due_soon_starts_at_ten_percent_of_the_interval_left() {
        let last = ServiceRecord { date: date(2024, 1, 1), odometer_km: 0 };
        let km_only = ServiceInterval { service: "tyres".into(), km: Some(10_000), months: None };
        let at = |km: u32| usage(&[(date(2024, 1, 1), 0), (date(2024, 6, 1), km)]);
        let status = |km| predict(&km_only, Some(last), &at(km), date(2024, 6, 1)).unwrap().status;
        assert_eq!(status(8_999), DueStatus::Ok);
        assert_eq!(status(9_000), DueStatus::DueSoon);
        assert_eq!(status(10_000), DueStatus::Overdue);

        let months_only = ServiceInterval { service: "brake fluid".into(), km: None, months: Some(24) };
        // 731 days in the interval; 10 % is 73 days.
        let quiet = usage(&[]);
        let on = |d| predict(&months_only, Some(last), &quiet, d).unwrap().status;
        assert_eq!(on(date(2025, 10, 19)), DueStatus::Ok);
        assert_eq!(on(date(2025, 10, 21)), DueStatus::DueSoon);
        assert_eq!(on(date(2026, 1, 1)), DueStatus::Overdue);
    }

    #[test]
    fn an_odometer_going_backwards_is_refused() {
        let u = usage(&[(date(2024, 1, 1), 5_000), (date(2024, 2, 1), 4_000)]);
        assert!(matches!(
            predict(&oil(), None, &u, date(2024, 3, 1)),
            Err(MaintenanceError::OdometerWentBackwards { .. })
        ));
    }

    #[test]
    fn an_interval_needs_km_or_months() {
        let none = ServiceInterval { service: "x".into(), km: None, months: None };
        assert!(predict(&none, None, &usage(&[]), date(2024, 1, 1)).is_err());
    }
}
