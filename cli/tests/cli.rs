//! Runs the real binaries on small CSV files written here, as an ops person would.

use forecourt_domain::analytics::synthetic::SplitMix64;
use std::path::PathBuf;
use std::process::{Command, Output};

const DETECT: &str = env!("CARGO_BIN_EXE_forecourt-detect");
const FORECAST: &str = env!("CARGO_BIN_EXE_forecourt-forecast");

/// A file in a per-test scratch directory, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, content: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("forecourt-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let path = dir.join(format!("{name}.csv"));
        std::fs::write(&path, content).expect("write csv");
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary).args(args).output().expect("binary runs")
}

/// 20 weeks of daily values with a weekly pattern and noise; `spike` adds a jump at that day.
fn daily_csv(rfc3339: bool, spike: Option<(usize, f64)>) -> String {
    let mut rng = SplitMix64::new(42);
    let weekday = [-3.0, -4.0, -2.0, 0.0, 4.0, 11.0, -6.0];
    let mut csv = String::from("timestamp,value\n");
    for day in 0..140 {
        let mut value = 50.0 + 0.05 * day as f64 + weekday[day % 7] + rng.normal();
        if let Some((at, by)) = spike {
            if at == day {
                value += by;
            }
        }
        let date = chrono_free_date(day);
        let stamp = if rfc3339 { format!("{date}T00:00:00Z") } else { format!("{date} 00:00:00") };
        csv.push_str(&format!("{stamp},{value:.2}\n"));
    }
    csv
}

/// 2024-01-01 plus `day` days, without pulling a date crate into the test (140 days fits in
/// Jan–May of a leap year).
fn chrono_free_date(day: usize) -> String {
    let months = [31, 29, 31, 30, 31];
    let (mut month, mut rest) = (0, day);
    while rest >= months[month] {
        rest -= months[month];
        month += 1;
    }
    format!("2024-{:02}-{:02}", month + 1, rest + 1)
}

#[test]
fn detect_prints_the_injected_anomaly_as_csv() {
    let file = Scratch::new("spike", &daily_csv(true, Some((100, 15.0))));
    let output = run(DETECT, &[file.0.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("timestamp,value,score,severity"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 4));
    assert!(rows.iter().all(|r| ["info", "low", "medium", "high", "critical"].contains(&r[3])));
    assert!(rows.iter().any(|r| r[0] == format!("{}T00:00:00Z", chrono_free_date(100))), "{stdout}");
    assert!(rows.len() <= 3, "few false alarms expected: {stdout}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("season 7"), "{stderr}");
}

#[test]
fn detect_accepts_plain_timestamps_and_answers_in_kind() {
    let file = Scratch::new("plain", &daily_csv(false, Some((90, -15.0))));
    let output = run(DETECT, &[file.0.to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains(&format!("{} 00:00:00,", chrono_free_date(90))), "{stdout}");
}

#[test]
fn forecast_prints_horizon_rows_with_nested_intervals() {
    let file = Scratch::new("forecast", &daily_csv(true, None));
    let output = run(FORECAST, &[file.0.to_str().unwrap(), "--horizon", "14"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("timestamp,forecast,lo80,hi80,lo95,hi95"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 14);
    assert!(rows[0].starts_with(&format!("{}T00:00:00Z,", chrono_free_date(140))));
    for row in rows {
        let v: Vec<f64> = row.split(',').skip(1).map(|x| x.parse().unwrap()).collect();
        let (f, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
        assert!(lo95 <= lo80 && lo80 <= f && f <= hi80 && hi80 <= hi95, "{row}");
    }
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("MASE"), "{stderr}");
}

#[test]
fn forecast_uses_a_given_season() {
    let file = Scratch::new("season", &daily_csv(true, None));
    let output = run(FORECAST, &[file.0.to_str().unwrap(), "--horizon", "3", "--season", "7"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("season 7"));
}

#[test]
fn a_malformed_line_is_reported_with_its_number_and_reason() {
    let file = Scratch::new("bad", "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-02 00:00:00,2\n2024-01-03,,3\n");
    let path = file.0.to_str().unwrap();
    for (binary, args) in [(DETECT, vec![path]), (FORECAST, vec![path, "--horizon", "2"])] {
        let output = run(binary, &args);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("line 4: expected 2 fields `timestamp,value`, found 3"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_bad_value_names_the_value() {
    let file = Scratch::new("nan", "2024-01-01T00:00:00Z,12\n2024-01-02T00:00:00Z,twelve\n");
    let output = run(DETECT, &[file.0.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 2: `twelve` is not a finite number"), "{stderr}");
}

#[test]
fn a_missing_horizon_is_a_usage_error() {
    let file = Scratch::new("usage", &daily_csv(true, None));
    let output = run(FORECAST, &[file.0.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: forecourt-forecast"));
}

#[test]
fn a_missing_file_is_reported() {
    let output = run(DETECT, &["/nonexistent/forecourt.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /nonexistent/forecourt.csv"));
}
