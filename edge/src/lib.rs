//! Forecourt's edge: the HTTP API and realtime rooms, on Cloudflare Workers.
//!
//! This crate is a thin shell: it translates HTTP, D1, KV and Durable Objects to and from the
//! types in `forecourt-domain`, where the rules live. Every request enters through [`fetch`],
//! which adds the cross-cutting concerns (request id, problem+json errors, compression, security
//! headers, one log line) around the route table in [`routes`].

mod admin;
mod analytics;
mod customers;
mod identity;
mod platform;
mod realtime;
mod routes;
mod showroom;
mod workshop;

use platform::envelope;
use worker::{event, Context, Env, Request, Response, Result};

pub use analytics::recompute::Recompute;
pub use realtime::room::Room;

/// The cron triggers of `wrangler.toml`: test-drive reminders.
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    match showroom::test_drive_calendar::send_reminders(&env).await {
        Ok(count) => worker::console_log!("{{\"cron\":\"test_drive_reminders\",\"reminded\":{count}}}"),
        Err(error) => worker::console_error!("test-drive reminders failed: {error}"),
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    envelope::serve(req, env, routes::dispatch).await
}
