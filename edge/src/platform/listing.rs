//! The query parameters every record list shares (`status`, `cursor`, `limit`), parsed once, so
//! each list refuses the same mistakes with the same messages.

use super::problem::{ApiError, ApiResult};
use worker::Url;

pub const DEFAULT_LIMIT: u32 = 25;
pub const MAX_LIMIT: u32 = 100;

pub struct ListParams<S> {
    pub status: Option<S>,
    /// The id after which the page starts (lists run newest first, by id).
    pub cursor: Option<String>,
    pub limit: u32,
}

/// `what` names the record in messages ("work-order", "lead"); `parse_status` knows its states.
pub fn parse<S>(url: &Url, what: &str, parse_status: impl Fn(&str) -> Option<S>) -> ApiResult<ListParams<S>> {
    let mut params = ListParams { status: None, cursor: None, limit: DEFAULT_LIMIT };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "status" => {
                params.status = Some(parse_status(&value).ok_or_else(|| ApiError::InvalidInput {
                    field: "status".into(),
                    detail: format!("'{value}' is not a {what} status"),
                })?)
            }
            "cursor" => params.cursor = Some(value.into_owned()),
            "limit" => {
                params.limit = value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                    ApiError::InvalidInput {
                        field: "limit".into(),
                        detail: format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                    }
                })?
            }
            other => {
                return Err(ApiError::InvalidInput {
                    field: other.into(),
                    detail: format!("unknown query parameter '{other}'"),
                })
            }
        }
    }
    Ok(params)
}

/// The cursor of the next page: a full page may have a successor, a short one has none.
pub fn next_cursor<T>(items: &[T], limit: u32, id: impl Fn(&T) -> &str) -> Option<String> {
    (items.len() == limit as usize).then(|| items.last().map(|item| id(item).to_owned())).flatten()
}
