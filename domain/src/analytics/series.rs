//! Time series as the analytics see them: strictly increasing timestamps with finite values,
//! read from the `timestamp,value` CSV that ops staff export, and regrouped by day/week/month.

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime};
use std::fmt;
use thiserror::Error;

/// How the timestamps were written, so that output can be written the same way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampStyle {
    /// `2024-03-01T00:00:00Z`, any offset accepted on input; output is in UTC.
    Rfc3339,
    /// `2024-03-01 00:00:00`, no zone: taken as UTC.
    Plain,
    /// `2024-03-01`, a convenience for daily exports.
    Date,
}

impl TimestampStyle {
    pub fn format(self, at: NaiveDateTime) -> String {
        match self {
            Self::Rfc3339 => at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            Self::Plain => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            Self::Date => at.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A series whose timestamps strictly increase and whose values are all finite.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    timestamps: Vec<NaiveDateTime>,
    values: Vec<f64>,
    style: TimestampStyle,
}

/// Why one line of a CSV was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    FieldCount(usize),
    Timestamp(String),
    Value(String),
    NotIncreasing { previous: String },
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount(n) => write!(f, "expected 2 fields `timestamp,value`, found {n}"),
            Self::Timestamp(raw) => write!(
                f,
                "`{raw}` is not a timestamp (use RFC 3339 like 2024-03-01T09:00:00Z or \
                 `YYYY-MM-DD HH:MM:SS`)"
            ),
            Self::Value(raw) => write!(f, "`{raw}` is not a finite number"),
            Self::NotIncreasing { previous } => {
                write!(f, "timestamp is not after the previous one ({previous})")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SeriesError {
    #[error("line {line}: {problem}")]
    Malformed { line: usize, problem: LineProblem },
    #[error("no data rows: expected lines of `timestamp,value`")]
    Empty,
    #[error("timestamps and values differ in length ({timestamps} vs {values})")]
    LengthMismatch { timestamps: usize, values: usize },
}

/// Parses `timestamp,value` lines. A first line `timestamp,value` is a header; blank lines are
/// skipped. Anything else that does not parse is an error naming the 1-based line, because an ops
/// person fixing an export needs to find the line, not guess.
pub fn parse_csv(text: &str) -> Result<TimeSeries, SeriesError> {
    let mut timestamps = Vec::new();
    let mut values = Vec::new();
    let mut style = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if timestamps.is_empty() && line.to_ascii_lowercase().replace(' ', "") == "timestamp,value" {
            continue;
        }
        let malformed = |problem| SeriesError::Malformed { line: line_no, problem };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err(malformed(LineProblem::FieldCount(fields.len())));
        }
        let (at, line_style) =
            parse_timestamp(fields[0]).ok_or_else(|| malformed(LineProblem::Timestamp(fields[0].to_owned())))?;
        let value: f64 = fields[1]
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| malformed(LineProblem::Value(fields[1].to_owned())))?;
        if let Some(previous) = timestamps.last() {
            if at <= *previous {
                return Err(malformed(LineProblem::NotIncreasing { previous: line_style.format(*previous) }));
            }
        }
        style.get_or_insert(line_style);
        timestamps.push(at);
        values.push(value);
    }
    match style {
        Some(style) => Ok(TimeSeries { timestamps, values, style }),
        None => Err(SeriesError::Empty),
    }
}

fn parse_timestamp(raw: &str) -> Option<(NaiveDateTime, TimestampStyle)> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some((at.naive_utc(), TimestampStyle::Rfc3339));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S") {
        return Some((at, TimestampStyle::Plain));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| (at, TimestampStyle::Date))
}

/// The spacing of a series, inferred from the median gap so that one missing row does not
/// change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// A fixed step shorter than a day (seconds).
    SubDaily(i64),
    Daily,
    Weekly,
    Monthly,
    /// Any other fixed step (seconds).
    Other(i64),
}

impl Cadence {
    /// The seasons a calendar suggests for this spacing, most likely first. These are only
    /// candidates: the data has to show them (see `seasonality`).
    pub fn calendar_seasons(self) -> Vec<usize> {
        match self {
            Self::SubDaily(step) if step > 0 && 86_400 % step == 0 => {
                let per_day = (86_400 / step) as usize;
                vec![per_day, per_day * 7]
            }
            Self::Daily => vec![7, 365],
            Self::Weekly => vec![52],
            Self::Monthly => vec![12, 3],
            _ => vec![],
        }
    }

    pub fn step_after(self, at: NaiveDateTime) -> NaiveDateTime {
        match self {
            Self::SubDaily(step) | Self::Other(step) => at + Duration::seconds(step),
            Self::Daily => at + Days::new(1),
            Self::Weekly => at + Days::new(7),
            Self::Monthly => at.checked_add_months(Months::new(1)).unwrap_or(at),
        }
    }
}

impl TimeSeries {
    pub fn new(timestamps: Vec<NaiveDateTime>, values: Vec<f64>, style: TimestampStyle) -> Result<Self, SeriesError> {
        if timestamps.len() != values.len() {
            return Err(SeriesError::LengthMismatch { timestamps: timestamps.len(), values: values.len() });
        }
        if timestamps.is_empty() {
            return Err(SeriesError::Empty);
        }
        for (i, pair) in timestamps.windows(2).enumerate() {
            if pair[1] <= pair[0] {
                return Err(SeriesError::Malformed {
                    line: i + 2,
                    problem: LineProblem::NotIncreasing { previous: style.format(pair[0]) },
                });
            }
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(SeriesError::Malformed { line: i + 1, problem: LineProblem::Value(values[i].to_string()) });
        }
        Ok(Self { timestamps, values, style })
    }

    pub fn timestamps(&self) -> &[NaiveDateTime] {
        &self.timestamps
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn style(&self) -> TimestampStyle {
        self.style
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn cadence(&self) -> Cadence {
        let mut gaps: Vec<i64> = self.timestamps.windows(2).map(|w| (w[1] - w[0]).num_seconds()).collect();
        if gaps.is_empty() {
            return Cadence::Daily;
        }
        gaps.sort_unstable();
        let median = gaps[gaps.len() / 2];
        match median {
            86_400 => Cadence::Daily,
            604_800 => Cadence::Weekly,
            // 28..=31 days: calendar months differ in length, so the gap is never constant.
            2_419_200..=2_678_400 => Cadence::Monthly,
            s if s < 86_400 => Cadence::SubDaily(s),
            s => Cadence::Other(s),
        }
    }

    /// The next `horizon` timestamps after the last one, following the series' cadence.
    pub fn future_timestamps(&self, horizon: usize) -> Vec<NaiveDateTime> {
        let cadence = self.cadence();
        let mut at = self.timestamps[self.timestamps.len() - 1];
        (0..horizon)
            .map(|_| {
                at = cadence.step_after(at);
                at
            })
            .collect()
    }

    /// Sums values into calendar buckets (sales per week, bay-hours per day). Buckets with no
    /// rows are kept as zero: a week without sales is a real zero, not a gap.
    pub fn resample(&self, granularity: Granularity) -> TimeSeries {
        let first = granularity.bucket_start(self.timestamps[0].date());
        let last = granularity.bucket_start(self.timestamps[self.timestamps.len() - 1].date());
        let mut starts = vec![first];
        while let Some(&current) = starts.last() {
            if current >= last {
                break;
            }
            starts.push(granularity.next(current));
        }
        let mut sums = vec![0.0; starts.len()];
        for (at, value) in self.timestamps.iter().zip(&self.values) {
            let bucket = granularity.bucket_start(at.date());
            if let Ok(i) = starts.binary_search(&bucket) {
                sums[i] += value;
            }
        }
        TimeSeries {
            timestamps: starts.into_iter().map(|d| d.and_time(chrono::NaiveTime::MIN)).collect(),
            values: sums,
            style: self.style,
        }
    }
}

/// The calendar buckets forecasts are asked for: daily bay-hours, weekly and monthly sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    Month,
}

impl Granularity {
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }

    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => start + Days::new(1),
            Self::Week => start + Days::new(7),
            Self::Month => start.checked_add_months(Months::new(1)).unwrap_or(start),
        }
    }

    /// The season a dealership's calendar implies for this bucket.
    pub fn calendar_season(self) -> usize {
        match self {
            Self::Day => 7,
            Self::Week => 52,
            Self::Month => 12,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_timestamp_styles_and_a_header() {
        let series = parse_csv("timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-02T00:00:00+00:00,2.5\n").unwrap();
        assert_eq!(series.values(), &[1.0, 2.5]);
        assert_eq!(series.style(), TimestampStyle::Rfc3339);
        let plain = parse_csv("2024-01-01 10:00:00,3\n2024-01-01 11:00:00,4\n").unwrap();
        assert_eq!(plain.cadence(), Cadence::SubDaily(3600));
    }

    #[test]
    fn a_malformed_line_is_reported_with_its_number_and_reason() {
        let err = parse_csv("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-02 00:00:00,abc\n").unwrap_err();
        assert_eq!(err.to_string(), "line 3: `abc` is not a finite number");
    }

    #[test]
    fn timestamps_must_increase() {
        let err = parse_csv("2024-01-02 00:00:00,1\n2024-01-01 00:00:00,1\n").unwrap_err();
        assert!(matches!(err, SeriesError::Malformed { line: 2, .. }));
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert_eq!(parse_csv("timestamp,value\n\n"), Err(SeriesError::Empty));
    }

    #[test]
    fn resampling_to_weeks_keeps_empty_weeks_as_zero() {
        let series = parse_csv("2024-01-01,1\n2024-01-03,2\n2024-01-17,5\n").unwrap();
        let weekly = series.resample(Granularity::Week);
        assert_eq!(weekly.values(), &[3.0, 0.0, 5.0]);
    }

    #[test]
    fn monthly_series_step_by_calendar_months() {
        let series = parse_csv("2024-01-31,1\n2024-02-29,1\n2024-03-31,1\n").unwrap();
        assert_eq!(series.cadence(), Cadence::Monthly);
        let next = series.future_timestamps(1);
        assert_eq!(next[0].date(), NaiveDate::from_ymd_opt(2024, 4, 30).unwrap());
    }
}
