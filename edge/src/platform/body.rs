//! Reading JSON request bodies strictly: size-capped, UTF-8, typed, with the failing field named.

use super::problem::{ApiError, ApiResult};
use serde::de::DeserializeOwned;
use worker::Request;

/// Larger bodies are refused before parsing; no Forecourt JSON body comes near this.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// The raw body of a JSON request, refused when too large or not declared as JSON.
pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_JSON_BODY) {
        return Err(ApiError::BodyTooLarge { limit: MAX_JSON_BODY });
    }
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::InvalidBody { field: None, detail: "send the body as application/json".into() });
    }
    let bytes = req.bytes().await.map_err(|e| ApiError::InvalidBody { field: None, detail: e.to_string() })?;
    if bytes.len() > MAX_JSON_BODY {
        return Err(ApiError::BodyTooLarge { limit: MAX_JSON_BODY });
    }
    Ok(bytes)
}

/// Parses `bytes` as `T`, naming the field at fault when it does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::InvalidBody { field: None, detail: "the body is not valid UTF-8".into() })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        ApiError::InvalidBody { field: (path != ".").then_some(path), detail: error.into_inner().to_string() }
    })
}

pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    parse_json(&read_body(req).await?)
}
