//! Limiting a query to the rows a caller may see: a SQL condition with at most one bound value,
//! always at position ?10 so each query keeps ?1..?9 for its own parameters.

use super::problem::{ApiError, ApiResult};
use forecourt_domain::identity::Principal;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::D1Database;

pub struct RowScope {
    pub condition: String,
    value: Option<JsValue>,
}

impl RowScope {
    /// No limit (admins).
    pub fn everything() -> Self {
        Self { condition: "1 = 1".into(), value: None }
    }

    /// Rows whose `column` equals `value` (a customer's own, a technician's jobs).
    pub fn equals(column: &str, value: &str) -> Self {
        Self { condition: format!("{column} = ?10"), value: Some(JsValue::from_str(value)) }
    }

    /// Rows at one of the principal's locations. The locations come from the signed token and
    /// are bound as a JSON array, never spliced into SQL.
    pub fn locations(column: &str, principal: &Principal) -> ApiResult<Self> {
        let locations =
            serde_json::to_string(&principal.location_ids).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Self {
            condition: format!("{column} IN (SELECT value FROM json_each(?10))"),
            value: Some(JsValue::from_str(&locations)),
        })
    }

    /// The query's own values followed by the scope's at ?10. D1 wants exactly as many values as
    /// the highest position used, so unused positions up to ?9 are padded with NULL.
    pub fn bind(self, mut values: Vec<JsValue>) -> Vec<JsValue> {
        if let Some(value) = self.value {
            values.resize(9, JsValue::NULL);
            values.push(value);
        }
        values
    }

    /// The one row `id` of `select` (a `SELECT … FROM … WHERE` prefix, ending where the id test
    /// goes, e.g. `"SELECT a, b FROM t WHERE t.id"`) that this scope lets the caller see. Any other
    /// row answers `404` as `what`, the same as a row that does not exist, so ids cannot be probed.
    pub async fn find_one<T: DeserializeOwned>(
        self,
        db: &D1Database,
        select: &str,
        id: &str,
        what: &'static str,
    ) -> ApiResult<T> {
        let sql = format!("{select} = ?1 AND {}", self.condition);
        let row: Option<T> = db.prepare(sql).bind(&self.bind(vec![JsValue::from_str(id)]))?.first(None).await?;
        row.ok_or_else(|| ApiError::NotFound { what, id: id.to_owned() })
    }
}
