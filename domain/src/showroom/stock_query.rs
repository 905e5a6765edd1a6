//! Stock search parameters and opaque cursors for keyset pagination.

use super::vehicle::Vehicle;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A page of stock plus the cursor of the next page, if there is one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockPage {
    pub items: Vec<Vehicle>,
    /// Opaque: pass it back as `cursor` for the next page.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub next_cursor: Option<Cursor>,
}

/// Where the next page starts: after the vehicle with this id.
///
/// Keyset pagination stays correct while stock changes underneath (no skipped or repeated rows,
/// unlike OFFSET) and costs one index seek per page. The value is opaque to clients so the
/// ordering can change without breaking their links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor {
    pub after_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockQueryError {
    #[error("the cursor is not one this API issued")]
    BadCursor,
    #[error("limit must be a whole number from 1 to {max}", max = StockQuery::MAX_LIMIT)]
    BadLimit,
    #[error("{field} must be at most {max} characters", max = StockQuery::MAX_FILTER_LEN)]
    FilterTooLong { field: &'static str },
    #[error("unknown query parameter '{0}'")]
    UnknownParameter(String),
}

impl StockQueryError {
    /// The query parameter at fault, for the problem+json `field` member.
    pub fn field(&self) -> String {
        match self {
            Self::BadCursor => "cursor".into(),
            Self::BadLimit => "limit".into(),
            Self::FilterTooLong { field } => (*field).into(),
            Self::UnknownParameter(name) => name.clone(),
        }
    }
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}", self.after_id))
    }

    pub fn decode(raw: &str) -> Result<Self, StockQueryError> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| StockQueryError::BadCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| StockQueryError::BadCursor)?;
        let after_id = text.strip_prefix("v1:").ok_or(StockQueryError::BadCursor)?;
        if after_id.is_empty() || after_id.len() > 64 {
            return Err(StockQueryError::BadCursor);
        }
        Ok(Self { after_id: after_id.to_owned() })
    }
}

impl TryFrom<String> for Cursor {
    type Error = StockQueryError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::decode(&value)
    }
}

impl From<Cursor> for String {
    fn from(cursor: Cursor) -> Self {
        cursor.encode()
    }
}

/// A validated stock search: which vehicles, how many, from where.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StockQuery {
    pub make: Option<String>,
    pub location_id: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl StockQuery {
    pub const DEFAULT_LIMIT: u32 = 24;
    pub const MAX_LIMIT: u32 = 100;
    pub const MAX_FILTER_LEN: usize = 64;

    /// Builds a query from URL query pairs, refusing anything it does not understand so that a
    /// typo in a filter is an error rather than silently unfiltered results.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, StockQueryError> {
        let mut query = Self { limit: Self::DEFAULT_LIMIT, ..Self::default() };
        for (key, value) in pairs {
            match key {
                "make" => query.make = non_empty_filter("make", value)?,
                "location" => query.location_id = non_empty_filter("location", value)?,
                "cursor" => query.cursor = Some(Cursor::decode(value)?),
                "limit" => {
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|limit| (1..=Self::MAX_LIMIT).contains(limit))
                        .ok_or(StockQueryError::BadLimit)?;
                }
                other => return Err(StockQueryError::UnknownParameter(other.to_owned())),
            }
        }
        Ok(query)
    }

    /// A stable textual form: equal queries give equal keys whatever the parameter order.
    pub fn cache_key(&self) -> String {
        format!(
            "make={}&location={}&cursor={}&limit={}",
            self.make.as_deref().unwrap_or(""),
            self.location_id.as_deref().unwrap_or(""),
            self.cursor.as_ref().map(Cursor::encode).unwrap_or_default(),
            self.limit
        )
    }

    /// The query string that reproduces this query (for links and the app's API client).
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(make) = &self.make {
            parts.push(format!("make={}", encode_component(make)));
        }
        if let Some(location) = &self.location_id {
            parts.push(format!("location={}", encode_component(location)));
        }
        if let Some(cursor) = &self.cursor {
            parts.push(format!("cursor={}", cursor.encode()));
        }
        if self.limit != Self::DEFAULT_LIMIT {
            parts.push(format!("limit={}", self.limit));
        }
        parts.join("&")
    }
}

fn non_empty_filter(field: &'static str, value: &str) -> Result<Option<String>, StockQueryError> {
    let trimmed = value.trim();
    if trimmed.chars().count() > StockQuery::MAX_FILTER_LEN {
        return Err(StockQueryError::FilterTooLong { field });
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_first_page_of_everything() {
        let query = StockQuery::from_pairs([]).expect("empty query is valid");
        assert_eq!(query, StockQuery { limit: StockQuery::DEFAULT_LIMIT, ..Default::default() });
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor { after_id: "veh-00042".into() };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn forged_cursors_are_refused() {
        assert_eq!(StockQuery::from_pairs([("cursor", "not-a-cursor!")]), Err(StockQueryError::BadCursor));
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        for limit in ["0", "101", "-3", "ten"] {
            assert_eq!(StockQuery::from_pairs([("limit", limit)]), Err(StockQueryError::BadLimit));
        }
    }

    #[test]
    fn unknown_parameters_are_refused_with_their_name() {
        let err = StockQuery::from_pairs([("colour", "red")]).expect_err("unknown parameter");
        assert_eq!(err.field(), "colour");
    }

    #[test]
    fn blank_filters_mean_no_filter() {
        let query = StockQuery::from_pairs([("make", "  ")]).expect("blank is allowed");
        assert_eq!(query.make, None);
    }

    #[test]
    fn cache_keys_ignore_parameter_order() {
        let a = StockQuery::from_pairs([("make", "Skoda"), ("location", "loc-north")]).expect("valid");
        let b = StockQuery::from_pairs([("location", "loc-north"), ("make", "Skoda")]).expect("valid");
        assert_eq!(a.cache_key(), b.cache_key());
    }

    #[test]
    fn query_strings_encode_filters() {
        let query = StockQuery::from_pairs([("make", "Mercedes-Benz & Co")]).expect("valid");
        assert_eq!(query.to_query_string(), "make=Mercedes-Benz%20%26%20Co");
    }
}
