//! Notifications about anomalies: always stored (the in-app list and the digest read them), and
//! pushed live to the person's `user:{id}` room when they must act now.

use crate::platform::bindings;
use crate::platform::clock::now_rfc3339;
use crate::platform::crypto::random_token;
use crate::platform::problem::{ApiError, ApiResult};
use crate::realtime::publish;
use forecourt_domain::realtime::RoomEvent;
use wasm_bindgen::JsValue;
use worker::Env;

pub struct Note<'a> {
    pub user_id: &'a str,
    pub title: String,
    pub body: String,
    pub link: String,
    /// Push now (high and critical anomalies, direct assignments); otherwise only stored.
    pub immediate: bool,
}

pub async fn send(env: &Env, note: Note<'_>) -> ApiResult<()> {
    let id = random_token("ntf_").map_err(|e| ApiError::Internal(e.to_string()))?;
    bindings::database(env)?
        .prepare(
            "INSERT INTO notifications (id, user_id, kind, title, body, link, created_at) \
             VALUES (?1, ?2, 'anomaly', ?3, ?4, ?5, ?6)",
        )
        .bind(&[
            JsValue::from_str(&id),
            JsValue::from_str(note.user_id),
            JsValue::from_str(&note.title),
            JsValue::from_str(&note.body),
            JsValue::from_str(&note.link),
            JsValue::from_str(&now_rfc3339()),
        ])?
        .run()
        .await?;
    if note.immediate {
        let event = RoomEvent::Notification {
            notification_id: id,
            user_id: note.user_id.to_owned(),
            title: note.title,
            body: note.body,
            link: Some(note.link),
        };
        publish::event(env, &event).await;
    }
    Ok(())
}
