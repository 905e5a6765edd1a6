//! RFC 9457 problem details: the one shape every API error takes.

use serde::{Deserialize, Serialize};

/// An API error as `application/problem+json`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the kind of problem; relative URIs resolve against the API's docs.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instance: Option<String>,
    /// The input field at fault, when there is one (extension member).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
    /// Ties the response to its log line (extension member).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_id: Option<String>,
}

impl Problem {
    pub const CONTENT_TYPE: &'static str = "application/problem+json";

    pub fn new(status: u16, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("/docs/problems#{slug}"),
            title: title.to_owned(),
            status,
            detail: None,
            instance: None,
            field: None,
            request_id: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_the_rfc_member_names() {
        let problem = Problem::new(400, "invalid-field", "Invalid field").with_field("limit");
        let json = serde_json::to_value(&problem).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({"type": "/docs/problems#invalid-field", "title": "Invalid field", "status": 400, "field": "limit"})
        );
    }
}
