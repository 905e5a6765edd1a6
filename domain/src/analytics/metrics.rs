//! The yardsticks every model here is judged by, in one place so that tests, the bench and the
//! dashboard measure the same way.

use serde::Serialize;

/// Mean absolute scaled error: forecast error divided by the in-sample error of the seasonal-naive
/// method with season `season` (1 = naive). Below 1 means better than that baseline did in-sample.
/// `None` when the training data is too short or perfectly seasonal (scale 0), where MASE is
/// undefined rather than infinite.
pub fn mase(actual: &[f64], forecast: &[f64], training: &[f64], season: usize) -> Option<f64> {
    let m = season.max(1);
    if training.len() <= m || actual.is_empty() {
        return None;
    }
    let scale = training.iter().skip(m).zip(training).map(|(now, before)| (now - before).abs()).sum::<f64>()
        / (training.len() - m) as f64;
    if scale <= f64::EPSILON {
        return None;
    }
    let mae = mean_abs_error(actual, forecast)?;
    Some(mae / scale)
}

fn mean_abs_error(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len().min(forecast.len());
    (n > 0).then(|| actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()).sum::<f64>() / n as f64)
}

/// Symmetric MAPE in percent (0..200). A pair of zeros counts as a perfect forecast rather than
/// 0/0, because days with no sales are common at a dealership.
pub fn smape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len().min(forecast.len());
    (n > 0).then(|| {
        actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| {
                let denominator = a.abs() + f.abs();
                if denominator <= f64::EPSILON {
                    0.0
                } else {
                    200.0 * (a - f).abs() / denominator
                }
            })
            .sum::<f64>()
            / n as f64
    })
}

/// Area under the ROC curve via the rank-sum (Mann–Whitney) statistic, ties counted as half.
/// `None` when one class is absent.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = pairs.iter().filter(|p| p.1).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        // Tied scores share the mean of their ranks (1-based).
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mean_rank * pairs[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let u = rank_sum - (positives * (positives + 1)) as f64 / 2.0;
    Some(u / (positives * negatives) as f64)
}

/// Mean squared error of probabilities: 0 is perfect, 0.25 is a coin toss.
pub fn brier(probabilities: &[f64], labels: &[bool]) -> Option<f64> {
    let n = probabilities.len().min(labels.len());
    (n > 0).then(|| {
        probabilities.iter().zip(labels).map(|(p, &y)| (p - f64::from(u8::from(y))).powi(2)).sum::<f64>() / n as f64
    })
}

/// One bin of a reliability diagram: predicted vs observed rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Reliability diagram with `bins` equal-width bins (empty bins omitted) and the expected
/// calibration error: the count-weighted mean gap between predicted and observed.
pub fn calibration(probabilities: &[f64], labels: &[bool], bins: usize) -> (Vec<CalibrationBin>, f64) {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0.0f64, 0usize); bins];
    for (&p, &y) in probabilities.iter().zip(labels) {
        let i = ((p * bins as f64) as usize).min(bins - 1);
        sums[i].0 += 1;
        sums[i].1 += p;
        sums[i].2 += usize::from(y);
    }
    let total: usize = sums.iter().map(|s| s.0).sum();
    let mut ece = 0.0;
    let table = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(i, &(count, p_sum, positives))| {
            let mean_predicted = p_sum / count as f64;
            let observed_rate = positives as f64 / count as f64;
            ece += count as f64 / total.max(1) as f64 * (mean_predicted - observed_rate).abs();
            CalibrationBin {
                lower: i as f64 / bins as f64,
                upper: (i + 1) as f64 / bins as f64,
                count,
                mean_predicted,
                observed_rate,
            }
        })
        .collect();
    (table, ece)
}

/// Precision, recall and F1 of detected events against labelled ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetectionScore {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Event-level matching, as an alert is judged by the person who receives it: a detected event
/// (inclusive index range) is a true positive if it overlaps a labelled event widened by
/// `tolerance` steps on each side; each labelled event is found or missed once.
pub fn score_events(detected: &[(usize, usize)], labelled: &[(usize, usize)], tolerance: usize) -> DetectionScore {
    let overlaps =
        |d: &(usize, usize), l: &(usize, usize)| d.0 <= l.1 + tolerance && l.0.saturating_sub(tolerance) <= d.1;
    let true_positives = detected.iter().filter(|d| labelled.iter().any(|l| overlaps(d, l))).count();
    let found = labelled.iter().filter(|l| detected.iter().any(|d| overlaps(d, l))).count();
    let false_positives = detected.len() - true_positives;
    let false_negatives = labelled.len() - found;
    // With nothing to find and nothing raised, a detector is perfect, not undefined.
    let precision = if detected.is_empty() { 1.0 } else { true_positives as f64 / detected.len() as f64 };
    let recall = if labelled.is_empty() { 1.0 } else { found as f64 / labelled.len() as f64 };
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    DetectionScore { true_positives, false_positives, false_negatives, precision, recall, f1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mase_of_the_seasonal_naive_method_in_sample_is_one() {
        let training = [1.0, 2.0, 3.0, 5.0, 6.0, 7.0];
        // Forecast with the same absolute error as seasonal naive's in-sample error (4).
        let m = mase(&[10.0], &[6.0], &training, 3).unwrap();
        assert!((m - 1.0).abs() < 1e-12);
    }

    #[test]
    fn smape_counts_zero_against_zero_as_perfect() {
        assert_eq!(smape(&[0.0, 10.0], &[0.0, 10.0]), Some(0.0));
        assert_eq!(smape(&[0.0], &[5.0]), Some(200.0));
    }

    #[test]
    fn auc_is_one_for_a_perfect_ranking_and_half_for_ties() {
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), Some(1.0));
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(0.5));
    }

    #[test]
    fn events_overlapping_labels_are_true_positives() {
        let score = score_events(&[(10, 10), (50, 52)], &[(11, 11), (80, 80)], 1);
        assert_eq!((score.true_positives, score.false_positives, score.false_negatives), (1, 1, 1));
    }
}
