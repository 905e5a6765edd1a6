//! A new lead as it arrives (`POST /api/leads`): from the web form, a signed-in customer, a
//! showroom kiosk, or staff entering a walk-in or a call. Validated and normalised here, and
//! turned into the arrival-time facts the lead score may use.

use crate::analytics::lead_scoring::{ContactMethod, LeadAtArrival, LeadSource, Timeframe};
use crate::customers::contact::{parse_name, ContactKeys};
use crate::customers::{Channel, PreferredContact};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Budgets above this are typing mistakes, not customers (10 million in cents).
pub const MAX_BUDGET_CENTS: i64 = 1_000_000_000;
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// When the customer means to buy: the `leads.timeframe` values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeadTimeframe {
    #[serde(rename = "now")]
    Now,
    #[serde(rename = "1_month")]
    OneMonth,
    #[serde(rename = "3_months")]
    ThreeMonths,
    #[serde(rename = "6_months")]
    SixMonths,
    #[serde(rename = "browsing")]
    Browsing,
}

impl LeadTimeframe {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::OneMonth => "1_month",
            Self::ThreeMonths => "3_months",
            Self::SixMonths => "6_months",
            Self::Browsing => "browsing",
        }
    }

    /// The scoring model's coarser timeframe.
    pub fn for_model(self) -> Timeframe {
        match self {
            Self::Now => Timeframe::Immediate,
            Self::OneMonth => Timeframe::ThisMonth,
            Self::ThreeMonths => Timeframe::ThreeMonths,
            Self::SixMonths => Timeframe::Later,
            Self::Browsing => Timeframe::Unknown,
        }
    }
}

pub fn source_name(source: LeadSource) -> &'static str {
    match source {
        LeadSource::Web => "web",
        LeadSource::Phone => "phone",
        LeadSource::WalkIn => "walk_in",
        LeadSource::Referral => "referral",
        LeadSource::Kiosk => "kiosk",
        LeadSource::Marketplace => "marketplace",
    }
}

pub fn contact_for_model(contact: PreferredContact) -> ContactMethod {
    match contact {
        PreferredContact::Email => ContactMethod::Email,
        PreferredContact::Phone => ContactMethod::Phone,
        PreferredContact::Sms => ContactMethod::Sms,
        PreferredContact::Whatsapp => ContactMethod::Chat,
    }
}

/// Who to attach the lead to, as the person gave it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// The body of `POST /api/leads`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub source: Option<LeadSource>,
    /// A stock vehicle of interest.
    #[serde(default)]
    pub vehicle_id: Option<String>,
    /// A model of interest (from `GET /api/makes`), when no particular car.
    #[serde(default)]
    pub model_id: Option<String>,
    #[serde(default)]
    pub budget_min_cents: Option<i64>,
    #[serde(default)]
    pub budget_max_cents: Option<i64>,
    pub timeframe: LeadTimeframe,
    pub preferred_contact: PreferredContact,
    #[serde(default)]
    pub trade_in: bool,
    #[serde(default)]
    pub finance: bool,
    #[serde(default)]
    pub customer: Option<NewContact>,
    /// Staff only: an existing profile.
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Who is submitting the lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitter {
    /// The public web form.
    Anonymous,
    /// A signed-in customer: the lead is theirs.
    Customer { customer_id: String },
    /// A showroom kiosk, at its location.
    Kiosk { location_id: String },
    /// Sales, managers or admins entering a walk-in, a call, a referral…
    Staff,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{reason}")]
pub struct IntakeError {
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl ToString) -> IntakeError {
    IntakeError { field, reason: reason.to_string() }
}

/// The person behind a lead: an existing profile, or contact data to find or create one by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadCustomer {
    Existing(String),
    Contact { name: String, keys: ContactKeys },
}

/// A lead that passed every check, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadIntake {
    pub source: LeadSource,
    pub customer: LeadCustomer,
    /// Given by the caller; kiosks use their own, and a vehicle implies its location.
    pub location_id: Option<String>,
    pub vehicle_id: Option<String>,
    pub model_id: Option<String>,
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    pub timeframe: LeadTimeframe,
    pub preferred_contact: PreferredContact,
    pub trade_in: bool,
    pub finance: bool,
    pub message: Option<String>,
    pub channel: Channel,
}

fn plain_id(field: &'static str, value: &Option<String>) -> Result<Option<String>, IntakeError> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(id.to_owned()))
        }
        Some(_) => Err(refuse(field, "an id is 1 to 64 letters, digits, '-' or '_'")),
    }
}

impl NewLead {
    pub fn validate(&self, submitter: &Submitter) -> Result<LeadIntake, IntakeError> {
        let source = match (submitter, self.source) {
            (Submitter::Anonymous | Submitter::Customer { .. }, None | Some(LeadSource::Web)) => LeadSource::Web,
            (Submitter::Anonymous | Submitter::Customer { .. }, Some(_)) => {
                return Err(refuse("source", "leads from the website have the source 'web'"))
            }
            (Submitter::Kiosk { .. }, None | Some(LeadSource::Kiosk)) => LeadSource::Kiosk,
            (Submitter::Kiosk { .. }, Some(_)) => {
                return Err(refuse("source", "a kiosk's leads have the source 'kiosk'"))
            }
            (Submitter::Staff, None) => LeadSource::WalkIn,
            (Submitter::Staff, Some(LeadSource::Web | LeadSource::Kiosk)) => {
                return Err(refuse("source", "staff enter walk_in, phone, referral or marketplace leads"))
            }
            (Submitter::Staff, Some(source)) => source,
        };
        let customer = match (submitter, &self.customer, &self.customer_id) {
            (Submitter::Customer { customer_id }, None, None) => LeadCustomer::Existing(customer_id.clone()),
            (Submitter::Customer { .. }, Some(_), _) => {
                return Err(refuse(
                    "customer",
                    "signed in, the lead is yours; edit your profile to change contact data",
                ))
            }
            (Submitter::Staff, None, Some(_)) => {
                LeadCustomer::Existing(plain_id("customer_id", &self.customer_id)?.unwrap_or_default())
            }
            (Submitter::Staff, Some(_), Some(_)) => {
                return Err(refuse("customer_id", "give either customer_id or customer, not both"))
            }
            (_, _, Some(_)) => return Err(refuse("customer_id", "only staff attach a lead to a profile by id")),
            (_, Some(contact), None) => {
                let name = parse_name(&contact.name).map_err(|e| refuse("customer.name", e))?;
                let keys = ContactKeys::parse(contact.email.as_deref(), contact.phone.as_deref())
                    .map_err(|(f, e)| refuse(if f == "email" { "customer.email" } else { "customer.phone" }, e))?;
                LeadCustomer::Contact { name, keys }
            }
            (_, None, None) => return Err(refuse("customer", "say who the lead is: name and email or phone")),
        };
        for (field, value) in [("budget_min_cents", self.budget_min_cents), ("budget_max_cents", self.budget_max_cents)]
        {
            if value.is_some_and(|v| !(0..=MAX_BUDGET_CENTS).contains(&v)) {
                return Err(refuse(field, format!("a budget is 0 to {MAX_BUDGET_CENTS} cents")));
            }
        }
        if let (Some(low), Some(high)) = (self.budget_min_cents, self.budget_max_cents) {
            if low > high {
                return Err(refuse("budget_max_cents", "the budget's upper end is below its lower end"));
            }
        }
        let message = match self.message.as_deref().map(str::trim) {
            Some(m) if m.chars().count() > MAX_MESSAGE_CHARS => {
                return Err(refuse("message", format!("at most {MAX_MESSAGE_CHARS} characters")))
            }
            Some(m) if m.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
                return Err(refuse("message", "control characters are not allowed"))
            }
            Some("") | None => None,
            Some(m) => Some(m.to_owned()),
        };
        let location_id = match submitter {
            Submitter::Kiosk { location_id } => {
                if self.location_id.as_ref().is_some_and(|l| l != location_id) {
                    return Err(refuse("location_id", "a kiosk takes leads for its own location only"));
                }
                Some(location_id.clone())
            }
            _ => plain_id("location_id", &self.location_id)?,
        };
        let channel = match (submitter, source) {
            (Submitter::Kiosk { .. }, _) => Channel::Kiosk,
            (Submitter::Anonymous | Submitter::Customer { .. }, _) => Channel::Web,
            (Submitter::Staff, LeadSource::Phone) => Channel::Phone,
            (Submitter::Staff, LeadSource::WalkIn) => Channel::Showroom,
            (Submitter::Staff, _) => Channel::Tablet,
        };
        Ok(LeadIntake {
            source,
            customer,
            location_id,
            vehicle_id: plain_id("vehicle_id", &self.vehicle_id)?,
            model_id: plain_id("model_id", &self.model_id)?,
            budget_min_cents: self.budget_min_cents,
            budget_max_cents: self.budget_max_cents,
            timeframe: self.timeframe,
            preferred_contact: self.preferred_contact,
            trade_in: self.trade_in,
            finance: self.finance,
            message,
            channel,
        })
    }
}

/// What the edge looked up about the customer and the car before scoring, all known at arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalContext {
    /// Milliseconds since the epoch (UTC).
    pub arrived_at_millis: i64,
    pub vehicle_price_cents: Option<i64>,
    /// The customer bought or serviced here before this lead.
    pub returning_customer: bool,
    /// Leads and showroom visits of this customer before this one.
    pub prior_visits: u32,
}

impl LeadIntake {
    /// The lead as the scoring model sees it: only what is known the moment it arrives.
    pub fn at_arrival(&self, context: &ArrivalContext) -> LeadAtArrival {
        LeadAtArrival {
            arrived_at: chrono::DateTime::from_timestamp_millis(context.arrived_at_millis)
                .map(|t| t.naive_utc())
                .unwrap_or_default(),
            source: self.source,
            timeframe: self.timeframe.for_model(),
            contact: contact_for_model(self.preferred_contact),
            vehicle_price_cents: context.vehicle_price_cents,
            budget_max_cents: self.budget_max_cents,
            returning_customer: context.returning_customer,
            prior_visits: context.prior_visits,
            trade_in: self.trade_in,
            finance_requested: self.finance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(json: &str) -> NewLead {
        serde_json::from_str(json).expect("a lead body")
    }

    const FORM: &str = r#"{"timeframe":"1_month","preferred_contact":"email","location_id":"loc-north",
        "customer":{"name":" Jo  Bloggs ","email":"Jo@Example.com"},"budget_min_cents":1500000,"budget_max_cents":2000000}"#;

    #[test]
    fn the_web_form_is_a_web_lead_with_normalised_contact_data() {
        let intake = lead(FORM).validate(&Submitter::Anonymous).expect("valid");
        assert_eq!(intake.source, LeadSource::Web);
        assert_eq!(intake.channel, Channel::Web);
        match intake.customer {
            LeadCustomer::Contact { name, keys } => {
                assert_eq!(name, "Jo Bloggs");
                assert_eq!(keys.email.map(|e| e.as_str().to_owned()), Some("jo@example.com".into()));
            }
            other => panic!("expected contact data, got {other:?}"),
        }
    }

    #[test]
    fn a_budget_range_runs_low_to_high() {
        let body = FORM.replace("1500000", "2500000");
        assert_eq!(lead(&body).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("budget_max_cents"));
        let negative = FORM.replace("1500000", "-1");
        assert_eq!(lead(&negative).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("budget_min_cents"));
    }

    #[test]
    fn unknown_fields_and_unknown_values_do_not_parse() {
        assert!(serde_json::from_str::<NewLead>(&FORM.replace("\"timeframe\"", "\"score\":1,\"timeframe\"")).is_err());
        assert!(serde_json::from_str::<NewLead>(&FORM.replace("1_month", "soon")).is_err());
        assert!(serde_json::from_str::<NewLead>(&FORM.replace("\"email\",", "\"pigeon\",")).is_err());
    }

    #[test]
    fn the_public_cannot_claim_another_source_or_profile() {
        let walk_in = FORM.replace("\"timeframe\"", "\"source\":\"walk_in\",\"timeframe\"");
        assert_eq!(lead(&walk_in).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("source"));
        let by_id = FORM.replace("\"timeframe\"", "\"customer_id\":\"cus-00001\",\"timeframe\"");
        assert_eq!(lead(&by_id).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("customer_id"));
    }

    #[test]
    fn a_signed_in_customers_lead_is_their_own() {
        let body = r#"{"timeframe":"now","preferred_contact":"phone","vehicle_id":"veh-00001"}"#;
        let intake = lead(body).validate(&Submitter::Customer { customer_id: "cus-00001".into() }).expect("valid");
        assert_eq!(intake.customer, LeadCustomer::Existing("cus-00001".into()));
        assert_eq!(
            lead(FORM).validate(&Submitter::Customer { customer_id: "cus-00001".into() }).err().map(|e| e.field),
            Some("customer")
        );
    }

    #[test]
    fn a_kiosk_takes_leads_for_its_own_location_only() {
        let kiosk = Submitter::Kiosk { location_id: "loc-south".into() };
        assert_eq!(lead(FORM).validate(&kiosk).err().map(|e| e.field), Some("location_id"));
        let here = lead(&FORM.replace("loc-north", "loc-south")).validate(&kiosk).expect("valid");
        assert_eq!((here.source, here.channel), (LeadSource::Kiosk, Channel::Kiosk));
    }

    #[test]
    fn staff_enter_walk_ins_by_default_and_never_web_leads() {
        let intake = lead(FORM).validate(&Submitter::Staff).expect("valid");
        assert_eq!((intake.source, intake.channel), (LeadSource::WalkIn, Channel::Showroom));
        let web = FORM.replace("\"timeframe\"", "\"source\":\"web\",\"timeframe\"");
        assert_eq!(lead(&web).validate(&Submitter::Staff).err().map(|e| e.field), Some("source"));
    }

    #[test]
    fn a_lead_needs_a_reachable_person() {
        let nobody = r#"{"timeframe":"now","preferred_contact":"phone","customer":{"name":"Jo"}}"#;
        assert_eq!(lead(nobody).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("customer.email"));
        let bad_phone = r#"{"timeframe":"now","preferred_contact":"phone","customer":{"name":"Jo","phone":"abc"}}"#;
        assert_eq!(lead(bad_phone).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("customer.phone"));
        let anonymous = r#"{"timeframe":"now","preferred_contact":"phone"}"#;
        assert_eq!(lead(anonymous).validate(&Submitter::Anonymous).err().map(|e| e.field), Some("customer"));
    }

    #[test]
    fn the_model_sees_only_arrival_facts_in_its_own_categories() {
        let intake = lead(FORM).validate(&Submitter::Anonymous).expect("valid");
        let context = ArrivalContext {
            arrived_at_millis: 1_795_860_000_000,
            vehicle_price_cents: Some(1_800_000),
            returning_customer: true,
            prior_visits: 2,
        };
        let arrival = intake.at_arrival(&context);
        assert_eq!(arrival.arrived_at.and_utc().timestamp_millis(), 1_795_860_000_000);
        assert_eq!(arrival.timeframe, Timeframe::ThisMonth);
        assert_eq!(arrival.contact, ContactMethod::Email);
        assert_eq!(arrival.budget_max_cents, Some(2_000_000));
        assert_eq!(contact_for_model(PreferredContact::Whatsapp), ContactMethod::Chat);
    }
}
