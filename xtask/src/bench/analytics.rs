//! `cargo xtask bench analytics [FILE.csv]`: how much the analytics can be trusted, as tables.
//!
//! - forecast error against the seasonal-naive baseline (rolling-origin MASE, sMAPE, interval
//!   coverage) on the demo-like synthetic series, and on FILE.csv when given;
//! - detector precision/recall/F1 against the injected labels (and FILE.csv's `label` column
//!   when it has one), each real detector next to the naive mean ± k·sd one;
//! - lead-score AUC, Brier score and calibration on a held-out time split;
//! - the time to score one million points, as ratios to the naive detector.
//!
//! Timings from a debug build mean nothing, so a debug build re-runs itself optimised (release
//! without LTO, in its own target directory so it does not disturb the size-optimised release
//! builds of the app and the Worker). `FORECOURT_BENCH_AS_IS=1` skips that.

use forecourt_domain::analytics::anomaly::changepoint::ChangePoints;
use forecourt_domain::analytics::anomaly::ewma::Ewma;
use forecourt_domain::analytics::anomaly::robust::{NaiveSigma, RobustZ, RollingMedian};
use forecourt_domain::analytics::anomaly::seasonal::SeasonalResidual;
use forecourt_domain::analytics::anomaly::{auto, rules, Detector};
use forecourt_domain::analytics::forecasting;
use forecourt_domain::analytics::lead_scoring::{self, FeatureSet};
use forecourt_domain::analytics::metrics::{score_events, DetectionScore};
use forecourt_domain::analytics::series::{self, TimeSeries};
use forecourt_domain::analytics::synthetic::{self, SeriesSpec, SyntheticSeries};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The classic robust-z cut used for every detector that has no data-driven threshold of its own.
const FIXED_THRESHOLD: f64 = 3.5;
const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;
const MILLION: usize = 1_000_000;

pub fn run(args: &[String]) -> crate::Result<()> {
    if cfg!(debug_assertions) && std::env::var_os("FORECOURT_BENCH_AS_IS").is_none() {
        return rerun_optimised(args);
    }
    let csv = match args {
        [] => None,
        [path] => Some(read_labelled_csv(Path::new(path))?),
        _ => return Err("usage: cargo xtask bench analytics [FILE.csv]".into()),
    };
    println!("# Analytics bench\n");
    forecasts(csv.as_ref())?;
    detectors(csv.as_ref())?;
    leads()?;
    throughput()?;
    Ok(())
}

fn rerun_optimised(args: &[String]) -> crate::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().ok_or("xtask has no parent directory")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("bench: building an optimised xtask (first time takes a few minutes)…");
    let status = Command::new(cargo)
        .current_dir(std::env::current_dir().map_err(|e| e.to_string())?)
        .args(["run", "--quiet", "--release", "--package", "xtask", "--target-dir"])
        .arg(root.join("target").join("bench"))
        .args(["--", "bench", "analytics"])
        .args(args)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("optimised bench failed ({status})"))
    }
}

/// A `timestamp,value` CSV, optionally with a third `label` column (1 = anomaly) for scoring.
struct LabelledCsv {
    name: String,
    series: TimeSeries,
    labels: Option<Vec<bool>>,
}

fn read_labelled_csv(path: &Path) -> crate::Result<LabelledCsv> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let has_labels = first.split(',').count() == 3
        && matches!(
            first.split(',').nth(2).map(|s| s.trim().to_ascii_lowercase()),
            Some(ref s) if s == "label" || s == "is_anomaly" || s == "anomaly"
        );
    let (body, labels) = if has_labels {
        let mut body = String::from("timestamp,value\n");
        let mut labels = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != 3 {
                return Err(format!("{}: line {}: expected 3 fields", path.display(), i + 1));
            }
            body.push_str(&format!("{},{}\n", fields[0], fields[1]));
            labels.push(matches!(fields[2].trim(), "1" | "true" | "True" | "TRUE"));
        }
        (body, Some(labels))
    } else {
        (text, None)
    };
    let series = series::parse_csv(&body).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(LabelledCsv {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        series,
        labels,
    })
}

/// (name, generator by seed, forecast horizon).
type Preset = (&'static str, fn(u64) -> SeriesSpec, usize);

fn presets() -> Vec<Preset> {
    vec![
        ("daily sales", SeriesSpec::daily_sales, 14),
        ("daily bay-hours", SeriesSpec::daily_bay_hours, 14),
        ("weekly sales", SeriesSpec::weekly_sales, 13),
        ("monthly sales", SeriesSpec::monthly_sales, 6),
        ("hourly telemetry", SeriesSpec::hourly_telemetry, 24),
    ]
}

fn forecasts(csv: Option<&LabelledCsv>) -> crate::Result<()> {
    println!("## Forecasts vs seasonal naive (rolling origin, 3 origins × horizon)\n");
    println!("| series | season | horizon | model | MASE | naive MASE | MASE ratio | sMAPE % | naive sMAPE % | 80 % cover | 95 % cover |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, preset, horizon) in presets() {
        let mut sums = [0.0; 6];
        let mut model = String::new();
        let seeds = 1..=5u64;
        let count = seeds.clone().count() as f64;
        let mut season = 0;
        for seed in seeds {
            let series = synthetic::generate(&preset(seed));
            season = series.season;
            let b = forecasting::backtest(&series.values, horizon, season, 3).map_err(|e| format!("{name}: {e}"))?;
            let train = &series.values[..series.values.len() - horizon];
            model = forecasting::forecast(train, horizon, season).map(|f| f.model.to_string()).unwrap_or_default();
            for (s, v) in
                sums.iter_mut().zip([b.mase, b.baseline_mase, b.smape, b.baseline_smape, b.coverage80, b.coverage95])
            {
                *s += v / count;
            }
        }
        print_forecast_row(name, season, horizon, &model, &sums);
    }
    if let Some(csv) = csv {
        let values = csv.series.values();
        let hints = csv.series.cadence().calendar_seasons();
        let season = forecourt_domain::analytics::seasonality::detect(values, &hints).period.unwrap_or(1);
        let mut horizon = if season >= 2 { season.min(60) } else { 7 };
        let result = loop {
            match forecasting::backtest(values, horizon, season, 3) {
                Ok(b) => break Some(b),
                Err(_) if horizon > 1 => horizon /= 2,
                Err(_) => break None,
            }
        };
        match result {
            Some(b) => {
                let model =
                    forecasting::forecast(values, horizon, season).map(|f| f.model.to_string()).unwrap_or_default();
                let row = [b.mase, b.baseline_mase, b.smape, b.baseline_smape, b.coverage80, b.coverage95];
                print_forecast_row(&csv.name, season, horizon, &model, &row);
            }
            None => println!("| {} | — | — | too short to backtest | | | | | | | |", csv.name),
        }
    }
    println!("\nMASE ratio < 1: the model beats the seasonal-naive baseline (averaged over seeds 1–5 for synthetic series).\n");
    Ok(())
}

fn print_forecast_row(name: &str, season: usize, horizon: usize, model: &str, v: &[f64; 6]) {
    println!(
        "| {name} | {season} | {horizon} | {model} | {:.3} | {:.3} | {:.2} | {:.1} | {:.1} | {:.0} % | {:.0} % |",
        v[0],
        v[1],
        v[0] / v[1].max(f64::EPSILON),
        v[2],
        v[3],
        100.0 * v[4],
        100.0 * v[5]
    );
}

/// (name, how it scores a series): every detector judged by the same rule engine.
type Scorer = Box<dyn Fn(&[f64], usize, &[usize]) -> Vec<(usize, usize)>>;

fn scorers() -> Vec<(&'static str, Scorer)> {
    fn fixed<D: Detector + 'static>(detector: D) -> Scorer {
        Box::new(move |values: &[f64], _season: usize, known: &[usize]| {
            let Ok(scores) = detector.score(values) else {
                return Vec::new();
            };
            let rule = rules::Rule {
                metric: "bench".into(),
                threshold: FIXED_THRESHOLD,
                direction: rules::Direction::Both,
                min_duration: 1,
                cooldown: 2,
            };
            rules::apply(&rule, &scores, known).iter().map(|a| (a.start, a.end)).collect()
        })
    }
    vec![
        (
            "auto (season, baseline, threshold from data)",
            Box::new(|values: &[f64], season: usize, known: &[usize]| {
                let hints = [season];
                let options = auto::AutoOptions { calendar_hints: &hints, known_events: known };
                auto::detect("bench", values, options)
                    .map(|d| d.alerts.iter().map(|a| (a.start, a.end)).collect())
                    .unwrap_or_default()
            }),
        ),
        (
            "MSTL residual, 3.5",
            Box::new(|values: &[f64], season: usize, known: &[usize]| {
                fixed(SeasonalResidual::new(season))(values, season, known)
            }),
        ),
        ("rolling median, 3.5", fixed(RollingMedian::default())),
        ("EWMA, 3.5", fixed(Ewma::default())),
        ("robust z (global), 3.5", fixed(RobustZ)),
        ("naive mean ± 3.5 sd (baseline)", fixed(NaiveSigma)),
    ]
}

fn add(total: &mut (usize, usize, usize), s: DetectionScore) {
    total.0 += s.true_positives;
    total.1 += s.false_positives;
    total.2 += s.false_negatives;
}

fn prf(total: (usize, usize, usize)) -> (f64, f64, f64) {
    let (tp, fp, fn_) = total;
    let p = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let r = if tp + fn_ == 0 { 1.0 } else { tp as f64 / (tp + fn_) as f64 };
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

fn ranges(labels: &[bool]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        if !l {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.1 + 1 == i => last.1 = i,
            _ => out.push((i, i)),
        }
    }
    out
}

fn detectors(csv: Option<&LabelledCsv>) -> crate::Result<()> {
    println!("## Detectors vs labels (event level, ±1 step; seeds 1–10 pooled)\n");
    println!("| series | detector | precision | recall | F1 |");
    println!("|---|---|---:|---:|---:|");
    let scorers = scorers();
    for (name, preset, _) in presets() {
        let generated: Vec<SyntheticSeries> = SEEDS.map(|seed| synthetic::generate(&preset(seed))).collect();
        for (detector, scorer) in &scorers {
            let mut total = (0, 0, 0);
            for series in &generated {
                let found = scorer(&series.values, series.season, &series.holidays);
                add(&mut total, score_events(&found, &series.labelled_ranges(), 1));
            }
            let (p, r, f) = prf(total);
            println!("| {name} | {detector} | {p:.2} | {r:.2} | {f:.2} |");
        }
    }
    if let Some(csv) = csv {
        let values = csv.series.values();
        let hints = csv.series.cadence().calendar_seasons();
        let season = forecourt_domain::analytics::seasonality::detect(values, &hints).period.unwrap_or(1);
        for (detector, scorer) in &scorers {
            let found = scorer(values, season.max(2), &[]);
            match &csv.labels {
                Some(labels) => {
                    let s = score_events(&found, &ranges(labels), 1);
                    println!("| {} | {detector} | {:.2} | {:.2} | {:.2} |", csv.name, s.precision, s.recall, s.f1);
                }
                None => println!("| {} | {detector} | {} alerts (no labels) | | |", csv.name, found.len()),
            }
        }
    }
    println!();
    Ok(())
}

fn leads() -> crate::Result<()> {
    let history = synthetic::leads(20_000, 7);
    let (model, e) =
        lead_scoring::train_and_evaluate(&history, FeatureSet::arrival(), 0.25).map_err(|e| e.to_string())?;
    println!("## Lead score (held-out: the latest 25 % of 20,000 synthetic leads)\n");
    println!("| model version | train | test | base rate | AUC | Brier | Brier of base rate | ECE |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| `{}` | {} | {} | {:.3} | {:.3} | {:.4} | {:.4} | {:.4} |\n",
        model.version(),
        e.train,
        e.test,
        e.base_rate,
        e.auc,
        e.brier,
        e.brier_baseline,
        e.expected_calibration_error
    );
    println!("Reliability (predicted vs observed conversion):\n");
    println!("| predicted bin | leads | mean predicted | observed |");
    println!("|---|---:|---:|---:|");
    for bin in &e.reliability {
        println!(
            "| {:.1}–{:.1} | {} | {:.3} | {:.3} |",
            bin.lower, bin.upper, bin.count, bin.mean_predicted, bin.observed_rate
        );
    }
    println!();
    Ok(())
}

fn throughput() -> crate::Result<()> {
    let spec = SeriesSpec::hourly_telemetry(1).with_length(MILLION).with_anomalies(2_000);
    let series = synthetic::generate(&spec);
    let labelled = series.labelled_ranges();
    println!("## Scoring one million points (hourly telemetry, 2,000 injected anomalies)\n");
    println!("| detector | time | points/s | × naive time | F1 |");
    println!("|---|---:|---:|---:|---:|");
    let mut naive_ms = None;
    for (detector, scorer) in scorers().iter().rev() {
        let started = Instant::now();
        let found = scorer(&series.values, series.season, &[]);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let base = *naive_ms.get_or_insert(ms);
        let f1 = score_events(&found, &labelled, 1).f1;
        println!("| {detector} | {ms:.0} ms | {} | {:.1} | {f1:.2} |", rate(MILLION, ms), ms / base);
    }
    // Change points are judged on a series that has them: noise with a level shift of 3–6 sd
    // every 1,000–3,000 points. BOCPD keeps a posterior per run length, so it is timed on a
    // tenth of a million points.
    let (values, shifts) = level_shifts(MILLION / 10, 11);
    let started = Instant::now();
    let found: Vec<(usize, usize)> =
        ChangePoints::default().detect(&values).iter().map(|c| (c.index, c.index)).collect();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let truth: Vec<(usize, usize)> = shifts.iter().map(|&i| (i, i)).collect();
    let s = score_events(&found, &truth, 5);
    println!(
        "| change points (BOCPD), 100,000 points, {} shifts | {ms:.0} ms | {} | {:.1} | {:.2} (P {:.2}, R {:.2}, ±5 steps) |",
        shifts.len(),
        rate(MILLION / 10, ms),
        ms / naive_ms.unwrap_or(ms),
        s.f1,
        s.precision,
        s.recall
    );
    println!();
    Ok(())
}

fn rate(points: usize, ms: f64) -> String {
    let per_second = points as f64 / (ms / 1e3);
    if per_second >= 1e6 {
        format!("{:.1} M", per_second / 1e6)
    } else {
        format!("{:.0} k", per_second / 1e3)
    }
}

/// Unit-noise series with level shifts; returns the values and the first index of each regime.
fn level_shifts(n: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = synthetic::SplitMix64::new(seed);
    let (mut level, mut next_shift) = (0.0, 1_000 + rng.below(2_000));
    let mut shifts = Vec::new();
    let values = (0..n)
        .map(|i| {
            if i == next_shift {
                let size = rng.range(3.0, 6.0);
                level += if rng.chance(0.5) { size } else { -size };
                shifts.push(i);
                next_shift = i + 1_000 + rng.below(2_000);
            }
            level + rng.normal()
        })
        .collect();
    (values, shifts)
}
