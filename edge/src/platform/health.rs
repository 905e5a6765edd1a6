//! `GET /api/health`: is this deployment able to serve? Checks each storage it depends on.

use super::bindings;
use serde::Serialize;
use worker::{Env, Request, Response, Result, RouteContext};

#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    status: &'static str,
    version: String,
    d1: Check,
    kv: Check,
    r2: Check,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Check {
    fn from_result<T, E: std::fmt::Display>(result: std::result::Result<T, E>) -> Self {
        match result {
            Ok(_) => Self { ok: true, error: None },
            Err(error) => Self { ok: false, error: Some(error.to_string()) },
        }
    }
}

#[utoipa::path(get, path = "/api/health", tag = "platform",
    responses((status = 200, description = "Every storage answers", body = Health),
        (status = 503, description = "A storage is unreachable", body = Health)))]
pub async fn report(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let env: &Env = &ctx.env;
    let d1 = Check::from_result(check_d1(env).await);
    let kv = Check::from_result(check_kv(env).await);
    let r2 = Check::from_result(check_r2(env).await);
    let healthy = d1.ok && kv.ok && r2.ok;
    let health =
        Health { status: if healthy { "ok" } else { "degraded" }, version: bindings::version(env), d1, kv, r2 };
    Ok(Response::from_json(&health)?.with_status(if healthy { 200 } else { 503 }))
}

async fn check_d1(env: &Env) -> Result<()> {
    bindings::database(env)?.prepare("SELECT 1 AS one").first::<serde_json::Value>(None).await?;
    Ok(())
}

async fn check_kv(env: &Env) -> Result<()> {
    bindings::cache(env)?.get("health:probe").text().await.map_err(|e| worker::Error::RustError(e.to_string()))?;
    Ok(())
}

async fn check_r2(env: &Env) -> Result<()> {
    bindings::media(env)?.head("health/probe").await?;
    Ok(())
}
