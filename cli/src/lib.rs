//! The shared half of `forecourt-detect` and `forecourt-forecast`: reading the CSV, parsing the
//! few flags, and writing CSV. All analytics come from `forecourt_domain::analytics`, so the tools
//! give exactly the answers the product gives.

use forecourt_domain::analytics::anomaly::{auto, AnomalyError, Severity};
use forecourt_domain::analytics::forecasting::{self, ForecastError, ForecastReport};
use forecourt_domain::analytics::series::{self, SeriesError, TimeSeries};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Malformed { path: PathBuf, source: SeriesError },
    #[error("{0}")]
    Forecast(#[from] ForecastError),
    #[error("{0}")]
    Anomaly(#[from] AnomalyError),
}

impl CliError {
    /// 2 for a wrong command line (as most Unix tools), 1 for bad data or a failed computation.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            _ => 1,
        }
    }
}

pub fn read_series(path: &Path) -> Result<TimeSeries, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    series::parse_csv(&text).map_err(|source| CliError::Malformed { path: path.to_owned(), source })
}

/// `forecourt-detect FILE.csv`: no flags, by design.
pub fn detect_args(args: &[String]) -> Result<PathBuf, CliError> {
    match args {
        [path] if !path.starts_with('-') => Ok(PathBuf::from(path)),
        _ => Err(CliError::Usage("usage: forecourt-detect FILE.csv   (CSV lines `timestamp,value`)".into())),
    }
}

/// The anomalies as CSV `timestamp,value,score,severity`, and a one-line summary for stderr
/// saying what was chosen from the data.
pub fn detect(series: &TimeSeries) -> Result<(String, String), CliError> {
    let hints = series.cadence().calendar_seasons();
    let options = auto::AutoOptions { calendar_hints: &hints, known_events: &[] };
    let detection = auto::detect("value", series.values(), options)?;
    let mut out = String::from("timestamp,value,score,severity\n");
    let points = detection.anomalous_points();
    for &i in &points {
        let score = detection.scores[i].score;
        let severity = Severity::from_score(score, detection.threshold).unwrap_or(Severity::Info);
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{},{:.3},{}",
            series.style().format(series.timestamps()[i]),
            series.values()[i],
            score,
            severity
        );
    }
    let baseline = match detection.method {
        auto::Method::SeasonalResidual { period } => {
            format!("season {period}, baseline MSTL (robust) residuals")
        }
        auto::Method::RollingMedian { half_window } => {
            format!("no season, baseline rolling median of {} points", 2 * half_window + 1)
        }
        auto::Method::GlobalMedian => "no season, baseline global median".to_owned(),
    };
    let summary = format!(
        "{baseline}; threshold {:.2} robust SD; {} anomalous points in {} incidents of {} points",
        detection.threshold,
        points.len(),
        detection.alerts.len(),
        series.len()
    );
    Ok((out, summary))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastArgs {
    pub path: PathBuf,
    pub horizon: usize,
    pub season: Option<usize>,
}

const FORECAST_USAGE: &str = "usage: forecourt-forecast FILE.csv --horizon H [--season M]";

pub fn forecast_args(args: &[String]) -> Result<ForecastArgs, CliError> {
    let usage = |why: &str| CliError::Usage(format!("{why}\n{FORECAST_USAGE}"));
    let number = |flag: &str, raw: Option<&String>| -> Result<usize, CliError> {
        let raw = raw.ok_or_else(|| usage(&format!("{flag} needs a value")))?;
        raw.parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| usage(&format!("{flag} must be a whole number ≥ 1, got `{raw}`")))
    };
    let (mut path, mut horizon, mut season) = (None, None, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        match flag {
            "--horizon" => horizon = Some(number(flag, inline.as_ref().or(rest.next()))?),
            "--season" => season = Some(number(flag, inline.as_ref().or(rest.next()))?),
            f if f.starts_with('-') => return Err(usage(&format!("unknown option `{f}`"))),
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => return Err(usage(&format!("unexpected argument `{arg}`"))),
        }
    }
    Ok(ForecastArgs {
        path: path.ok_or_else(|| usage("missing FILE.csv"))?,
        horizon: horizon.ok_or_else(|| usage("missing --horizon H"))?,
        season,
    })
}

/// The forecast as CSV `timestamp,forecast,lo80,hi80,lo95,hi95`, and a summary for stderr with
/// the model and how it did against the seasonal-naive baseline in the backtest.
pub fn forecast(series: &TimeSeries, args: &ForecastArgs) -> Result<(String, String), CliError> {
    let report: ForecastReport = forecasting::forecast_series(series, args.horizon, args.season)?;
    let mut out = String::from("timestamp,forecast,lo80,hi80,lo95,hi95\n");
    for (at, p) in report.timestamps.iter().zip(&report.forecast.points) {
        let _ = writeln!(
            out,
            "{},{:.4},{:.4},{:.4},{:.4},{:.4}",
            series.style().format(*at),
            p.forecast,
            p.lo80,
            p.hi80,
            p.lo95,
            p.hi95
        );
    }
    let season = match (report.forecast.season, report.season_detected) {
        (1, _) => "no season".to_owned(),
        (m, true) => format!("season {m} (detected)"),
        (m, false) => format!("season {m}"),
    };
    let backtest = match &report.backtest {
        Some(b) => format!(
            "backtest over {} origins: MASE {:.3} (seasonal naive {:.3}), sMAPE {:.1} % ({:.1} %)",
            b.origins, b.mase, b.baseline_mase, b.smape, b.baseline_smape
        ),
        None => "history too short for a backtest".to_owned(),
    };
    let summary =
        format!("model {} [{}], {season}; {backtest}", report.forecast.model, report.forecast.model.version());
    Ok((out, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn forecast_flags_parse_in_both_spellings() {
        let parsed = forecast_args(&args(&["a.csv", "--horizon", "7", "--season=12"])).unwrap();
        assert_eq!(parsed, ForecastArgs { path: "a.csv".into(), horizon: 7, season: Some(12) });
    }

    #[test]
    fn a_missing_horizon_is_a_usage_error() {
        let err = forecast_args(&args(&["a.csv"])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--horizon"));
    }

    #[test]
    fn detect_takes_exactly_one_file() {
        assert!(detect_args(&args(&["a.csv"])).is_ok());
        assert!(detect_args(&args(&["a.csv", "b.csv"])).is_err());
        assert!(detect_args(&args(&["--threshold", "3"])).is_err());
    }
}
