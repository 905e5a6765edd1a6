//! Lead scoring: the probability that a lead converts, with the reasons a rep can read.
//!
//! The model is an L2-regularised logistic regression (`smartcore`), trained on standardised
//! features so that each coefficient times its standardised value is that factor's push on the
//! log-odds relative to an average lead: the contributions shown to the rep add up, with the
//! intercept, to exactly the score.
//!
//! No label leakage, by construction and by check: features are computed from `LeadAtArrival`
//! alone, a type that has no field known only later (test drive, first response, status…); the
//! outcome lives in a separate `LeadOutcome` that only provides the label. A feature set naming
//! an outcome-time field is refused with `LeadScoringError::LeakageFeature`.
//!
//! Logistic regression minimises log loss, a proper scoring rule, so its probabilities are
//! calibrated on data like its training data; the held-out evaluation reports Brier score, ECE
//! and a reliability table to show it, next to AUC for ranking.

use super::metrics::{self, CalibrationBin};
use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use thiserror::Error;

/// Bump when the feature definitions change; the coefficients' hash is appended per training.
pub const MODEL_FAMILY: &str = "lead-logit/1";

/// L2 penalty: enough to keep rare categories from getting extreme weights.
const L2_ALPHA: f64 = 1.0;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Web,
    Phone,
    WalkIn,
    Referral,
    Kiosk,
    Marketplace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeframe {
    Immediate,
    ThisMonth,
    ThreeMonths,
    Later,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    Phone,
    Email,
    Sms,
    Chat,
}

/// Everything known at the moment a lead arrives, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadAtArrival {
    pub arrived_at: NaiveDateTime,
    pub source: LeadSource,
    pub timeframe: Timeframe,
    pub contact: ContactMethod,
    /// Price of the vehicle of interest, if the lead named one.
    pub vehicle_price_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    /// Known to the CRM before this lead (earlier purchases or services).
    pub returning_customer: bool,
    /// Earlier visits or leads by the same customer, before this one.
    pub prior_visits: u32,
    pub trade_in: bool,
    pub finance_requested: bool,
}

/// What happened afterwards: the label and the fields a careless model would leak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadOutcome {
    pub converted: bool,
    pub test_drive_taken: bool,
    pub first_response_minutes: Option<u32>,
    pub lost_reason: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoricalLead {
    pub arrival: LeadAtArrival,
    pub outcome: LeadOutcome,
}

/// Fields known only after the outcome (or after the lead was worked, which the score is meant
/// to steer). Naming one as a feature is refused.
pub const POST_OUTCOME_FIELDS: &[&str] = &[
    "converted",
    "status",
    "test_drive_taken",
    "test_drive_booked",
    "first_response_minutes",
    "contact_attempts",
    "negotiation_reached",
    "lost_reason",
    "closed_at",
    "days_to_close",
    "assigned_rep",
];

/// A factor: one readable reason, possibly several model columns (one-hot categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Source,
    Timeframe,
    Contact,
    VehicleInterest,
    BudgetFit,
    ReturningCustomer,
    PriorVisits,
    TradeIn,
    Finance,
    ArrivalTime,
}

impl Factor {
    pub const ALL: [Factor; 10] = [
        Factor::Source,
        Factor::Timeframe,
        Factor::Contact,
        Factor::VehicleInterest,
        Factor::BudgetFit,
        Factor::ReturningCustomer,
        Factor::PriorVisits,
        Factor::TradeIn,
        Factor::Finance,
        Factor::ArrivalTime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Timeframe => "timeframe",
            Self::Contact => "contact",
            Self::VehicleInterest => "vehicle_interest",
            Self::BudgetFit => "budget_fit",
            Self::ReturningCustomer => "returning_customer",
            Self::PriorVisits => "prior_visits",
            Self::TradeIn => "trade_in",
            Self::Finance => "finance",
            Self::ArrivalTime => "arrival_time",
        }
    }

    /// Model columns of this factor, named `factor=value` for categories.
    fn columns(self) -> Vec<String> {
        let cat = |values: &[&str]| -> Vec<String> { values.iter().map(|v| format!("{}={v}", self.name())).collect() };
        match self {
            Self::Source => cat(&["web", "phone", "walk_in", "referral", "kiosk", "marketplace"]),
            Self::Timeframe => cat(&["immediate", "this_month", "three_months", "later", "unknown"]),
            Self::Contact => cat(&["phone", "email", "sms", "chat"]),
            Self::BudgetFit => vec!["budget_fit".into(), "budget_given".into()],
            Self::ArrivalTime => vec!["business_hours".into(), "weekend".into()],
            other => vec![other.name().to_owned()],
        }
    }

    fn values(self, lead: &LeadAtArrival) -> Vec<f64> {
        let one_hot =
            |index: usize, len: usize| -> Vec<f64> { (0..len).map(|i| f64::from(u8::from(i == index))).collect() };
        let flag = |b: bool| f64::from(u8::from(b));
        match self {
            Self::Source => one_hot(lead.source as usize, 6),
            Self::Timeframe => one_hot(lead.timeframe as usize, 5),
            Self::Contact => one_hot(lead.contact as usize, 4),
            Self::VehicleInterest => vec![flag(lead.vehicle_price_cents.is_some())],
            Self::BudgetFit => match (lead.vehicle_price_cents, lead.budget_max_cents) {
                (Some(price), Some(budget)) if price > 0 && budget > 0 => {
                    // Log-ratio, clipped: a budget twice the price is no better than 2.7×.
                    vec![(budget as f64 / price as f64).ln().clamp(-1.0, 1.0), 1.0]
                }
                (_, budget) => vec![0.0, flag(budget.is_some())],
            },
            Self::ReturningCustomer => vec![flag(lead.returning_customer)],
            Self::PriorVisits => vec![f64::from(lead.prior_visits).ln_1p()],
            Self::TradeIn => vec![flag(lead.trade_in)],
            Self::Finance => vec![flag(lead.finance_requested)],
            Self::ArrivalTime => {
                let weekend = matches!(lead.arrived_at.weekday(), Weekday::Sat | Weekday::Sun);
                let hour = lead.arrived_at.hour();
                vec![flag(!weekend && (8..19).contains(&hour)), flag(weekend)]
            }
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum LeadScoringError {
    #[error("`{0}` is only known after the outcome; training on it would leak the label")]
    LeakageFeature(String),
    #[error("`{0}` is not a lead feature")]
    UnknownFeature(String),
    #[error("need leads of both outcomes to train, got {converted} converted of {total}")]
    OneClass { converted: usize, total: usize },
    #[error("training failed: {0}")]
    Training(String),
}

/// The factors a model uses, checked against leakage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSet {
    factors: Vec<Factor>,
}

impl FeatureSet {
    /// Every arrival-time factor.
    pub fn arrival() -> Self {
        Self { factors: Factor::ALL.to_vec() }
    }

    /// A feature set by names, as configured by an admin: refused if any name is an
    /// outcome-time field or unknown.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, LeadScoringError> {
        let mut factors = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref();
            if POST_OUTCOME_FIELDS.contains(&name) {
                return Err(LeadScoringError::LeakageFeature(name.to_owned()));
            }
            let factor = Factor::from_name(name).ok_or_else(|| LeadScoringError::UnknownFeature(name.to_owned()))?;
            if !factors.contains(&factor) {
                factors.push(factor);
            }
        }
        Ok(Self { factors })
    }

    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    pub fn column_names(&self) -> Vec<String> {
        self.factors.iter().flat_map(|f| f.columns()).collect()
    }

    /// The only way a lead becomes model input; it cannot see the outcome.
    fn row(&self, lead: &LeadAtArrival) -> Vec<f64> {
        self.factors.iter().flat_map(|f| f.values(lead)).collect()
    }
}

/// One factor's push on the score, in log-odds relative to an average lead (positive = raises
/// the chance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub factor: Factor,
    pub log_odds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadScore {
    pub probability: f64,
    /// Largest effect first.
    pub contributions: Vec<Contribution>,
    pub model_version: String,
}

/// Serialisable so a model trained offline can be stored (D1 `lead_models`) and scored at the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadModel {
    features: FeatureSet,
    means: Vec<f64>,
    scales: Vec<f64>,
    /// Per column, on standardised inputs.
    weights: Vec<f64>,
    intercept: f64,
    version: String,
}

impl LeadModel {
    pub fn train(leads: &[HistoricalLead], features: FeatureSet) -> Result<Self, LeadScoringError> {
        let converted = leads.iter().filter(|l| l.outcome.converted).count();
        if converted == 0 || converted == leads.len() {
            return Err(LeadScoringError::OneClass { converted, total: leads.len() });
        }
        let raw: Vec<Vec<f64>> = leads.iter().map(|l| features.row(&l.arrival)).collect();
        let columns = features.column_names().len();
        let n = raw.len() as f64;
        let means: Vec<f64> = (0..columns).map(|j| raw.iter().map(|r| r[j]).sum::<f64>() / n).collect();
        let scales: Vec<f64> = (0..columns)
            .map(|j| {
                let var = raw.iter().map(|r| (r[j] - means[j]).powi(2)).sum::<f64>() / n;
                // A constant column carries no information; scale 1 keeps it at 0.
                if var > 1e-12 {
                    var.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        let standardised: Vec<Vec<f64>> = raw.iter().map(|r| standardise(r, &means, &scales)).collect();
        let x = DenseMatrix::from_2d_vec(&standardised).map_err(|e| LeadScoringError::Training(e.to_string()))?;
        let y: Vec<u32> = leads.iter().map(|l| u32::from(l.outcome.converted)).collect();
        let params = LogisticRegressionParameters::default().with_alpha(L2_ALPHA);
        let fitted = LogisticRegression::fit(&x, &y, params).map_err(|e| LeadScoringError::Training(e.to_string()))?;
        let weights: Vec<f64> = (0..columns).map(|j| *fitted.coefficients().get((0, j))).collect();
        let intercept = *fitted.intercept().get((0, 0));
        let version = format!("{MODEL_FAMILY}+{:016x}", fingerprint(&features.column_names(), &weights, intercept));
        Ok(Self { features, means, scales, weights, intercept, version })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn features(&self) -> &FeatureSet {
        &self.features
    }

    /// (column name, weight on the standardised column).
    pub fn coefficients(&self) -> Vec<(String, f64)> {
        self.features.column_names().into_iter().zip(self.weights.iter().copied()).collect()
    }

    pub fn probability(&self, lead: &LeadAtArrival) -> f64 {
        let z = standardise(&self.features.row(lead), &self.means, &self.scales);
        sigmoid(self.intercept + z.iter().zip(&self.weights).map(|(x, w)| x * w).sum::<f64>())
    }

    pub fn score(&self, lead: &LeadAtArrival) -> LeadScore {
        let z = standardise(&self.features.row(lead), &self.means, &self.scales);
        let mut column = 0;
        let mut contributions: Vec<Contribution> = self
            .features
            .factors()
            .iter()
            .map(|&factor| {
                let width = factor.columns().len();
                let log_odds = (column..column + width).map(|j| z[j] * self.weights[j]).sum();
                column += width;
                Contribution { factor, log_odds }
            })
            .collect();
        let logit = self.intercept + contributions.iter().map(|c| c.log_odds).sum::<f64>();
        contributions.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
        LeadScore { probability: sigmoid(logit), contributions, model_version: self.version.clone() }
    }
}

fn standardise(row: &[f64], means: &[f64], scales: &[f64]) -> Vec<f64> {
    row.iter().zip(means.iter().zip(scales)).map(|(x, (m, s))| (x - m) / s).collect()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// FNV-1a over the column names and coefficient bits: a version that changes exactly when the
/// model does.
fn fingerprint(columns: &[String], weights: &[f64], intercept: f64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for c in columns {
        eat(c.as_bytes());
    }
    for w in weights.iter().chain(std::iter::once(&intercept)) {
        eat(&w.to_bits().to_le_bytes());
    }
    hash
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadEvaluation {
    pub model_version: String,
    pub train: usize,
    pub test: usize,
    pub base_rate: f64,
    pub auc: f64,
    pub brier: f64,
    /// Brier score of always predicting the training base rate: the bar to clear.
    pub brier_baseline: f64,
    pub expected_calibration_error: f64,
    pub reliability: Vec<CalibrationBin>,
}

/// Trains on the earliest `1 - test_share` of the leads by arrival and evaluates on the rest: a
/// time split, because the model will always score leads that arrive after its training data.
pub fn train_and_evaluate(
    leads: &[HistoricalLead],
    features: FeatureSet,
    test_share: f64,
) -> Result<(LeadModel, LeadEvaluation), LeadScoringError> {
    let mut ordered: Vec<&HistoricalLead> = leads.iter().collect();
    ordered.sort_by_key(|l| l.arrival.arrived_at);
    let cut = ((ordered.len() as f64) * (1.0 - test_share.clamp(0.05, 0.5))) as usize;
    let train: Vec<HistoricalLead> = ordered[..cut].iter().map(|l| (*l).clone()).collect();
    let test = &ordered[cut..];
    let model = LeadModel::train(&train, features)?;
    let probabilities: Vec<f64> = test.iter().map(|l| model.probability(&l.arrival)).collect();
    let labels: Vec<bool> = test.iter().map(|l| l.outcome.converted).collect();
    let base_rate = train.iter().filter(|l| l.outcome.converted).count() as f64 / train.len() as f64;
    let (reliability, ece) = metrics::calibration(&probabilities, &labels, 10);
    let evaluation = LeadEvaluation {
        model_version: model.version().to_owned(),
        train: train.len(),
        test: test.len(),
        base_rate,
        auc: metrics::auc(&probabilities, &labels).unwrap_or(0.5),
        brier: metrics::brier(&probabilities, &labels).unwrap_or(0.25),
        brier_baseline: metrics::brier(&vec![base_rate; labels.len()], &labels).unwrap_or(0.25),
        expected_calibration_error: ece,
        reliability,
    };
    Ok((model, evaluation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::synthetic;

    #[test]
    fn outcome_time_fields_are_refused_as_features() {
        for field in ["test_drive_taken", "first_response_minutes", "status", "converted"] {
            assert_eq!(
                FeatureSet::from_names(&["source", field]),
                Err(LeadScoringError::LeakageFeature(field.to_owned()))
            );
        }
    }

    #[test]
    fn the_default_feature_set_has_no_outcome_time_column() {
        let columns = FeatureSet::arrival().column_names();
        for column in &columns {
            let factor = column.split('=').next().unwrap_or(column);
            assert!(!POST_OUTCOME_FIELDS.contains(&factor), "{column}");
        }
    }

    #[test]
    fn scores_do_not_change_when_only_outcome_fields_change() {
        // If any outcome-time field reached the model, scrambling them would change it.
        let leads = synthetic::leads(1_500, 4);
        let scrambled: Vec<HistoricalLead> = leads
            .iter()
            .map(|l| HistoricalLead {
                arrival: l.arrival.clone(),
                outcome: LeadOutcome {
                    converted: l.outcome.converted,
                    test_drive_taken: !l.outcome.test_drive_taken,
                    first_response_minutes: Some(999),
                    lost_reason: None,
                    closed_at: None,
                },
            })
            .collect();
        let a = LeadModel::train(&leads, FeatureSet::arrival()).unwrap();
        let b = LeadModel::train(&scrambled, FeatureSet::arrival()).unwrap();
        assert_eq!(a.version(), b.version());
    }

    #[test]
    fn the_held_out_evaluation_ranks_and_is_calibrated() {
        let leads = synthetic::leads(4_000, 7);
        let (_, evaluation) = train_and_evaluate(&leads, FeatureSet::arrival(), 0.25).unwrap();
        assert!(evaluation.auc > 0.75, "{evaluation:?}");
        assert!(evaluation.brier < evaluation.brier_baseline, "{evaluation:?}");
        assert!(evaluation.expected_calibration_error < 0.05, "{evaluation:?}");
    }

    #[test]
    fn contributions_add_up_to_the_score_and_carry_the_version() {
        let leads = synthetic::leads(1_500, 2);
        let model = LeadModel::train(&leads, FeatureSet::arrival()).unwrap();
        let score = model.score(&leads[0].arrival);
        let logit = (score.probability / (1.0 - score.probability)).ln();
        let sum: f64 = score.contributions.iter().map(|c| c.log_odds).sum::<f64>() + model.intercept;
        assert!((logit - sum).abs() < 1e-9);
        assert!(score.model_version.starts_with(MODEL_FAMILY));
        assert_eq!(score.contributions.len(), Factor::ALL.len());
    }

    #[test]
    fn a_referral_wanting_to_buy_now_outscores_a_marketplace_browser() {
        let leads = synthetic::leads(3_000, 3);
        let model = LeadModel::train(&leads, FeatureSet::arrival()).unwrap();
        let mut hot = leads[0].arrival.clone();
        hot.source = LeadSource::Referral;
        hot.timeframe = Timeframe::Immediate;
        let mut cold = hot.clone();
        cold.source = LeadSource::Marketplace;
        cold.timeframe = Timeframe::Later;
        assert!(model.probability(&hot) > model.probability(&cold) + 0.2);
    }

    #[test]
    fn training_needs_both_outcomes() {
        let mut leads = synthetic::leads(50, 1);
        for l in &mut leads {
            l.outcome.converted = false;
        }
        assert!(matches!(LeadModel::train(&leads, FeatureSet::arrival()), Err(LeadScoringError::OneClass { .. })));
    }
}
