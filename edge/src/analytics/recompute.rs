//! Debounced, coalesced recomputation: one `Recompute` Durable Object per key (a location's
//! forecast series, a location's anomaly scan). A request records itself as pending and (re)arms the object's alarm for
//! `domain::analytics::debounce`'s time (forecasts: 800 ms after the burst goes quiet, at most 3 s
//! after its first request; scans: 1 s, at most 5 s); the alarm runs the job once for the whole
//! burst and counts the run. The pending state is
//! in the object's storage, so it survives the object being evicted between request and alarm.

use super::{forecasts, scans};
use crate::platform::problem::{ApiError, ApiResult};
use forecourt_domain::analytics::debounce::{Debounce, Pending, ANOMALY_SCAN, FORECAST};
use forecourt_domain::analytics::serving::ForecastSeries;
use forecourt_domain::identity::Principal;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State};

const ORIGIN: &str = "https://recompute.internal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum JobKind {
    Forecast,
    AnomalyScan,
}

impl JobKind {
    fn debounce(self) -> Debounce {
        match self {
            Self::Forecast => FORECAST,
            Self::AnomalyScan => ANOMALY_SCAN,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    kind: JobKind,
    /// The forecast series (forecast jobs only).
    #[serde(default)]
    series: String,
    location: String,
    /// Whoever asked last: the run is audited as theirs.
    requested_by: Principal,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scheduled {
    pub key: String,
    /// Requests coalesced into the coming run so far.
    pub requests: u32,
    pub runs_at_ms: u64,
    /// Runs this key has completed so far (a burst adds exactly one).
    pub completed_runs: u32,
}

/// Asks the key's object to run the forecast soon; returns what is pending.
pub async fn schedule_forecast(
    env: &Env,
    series: ForecastSeries,
    location: &str,
    principal: &Principal,
) -> ApiResult<Scheduled> {
    let key = format!("forecast:{}", series.subject(location));
    let job = Job {
        kind: JobKind::Forecast,
        series: series.as_str().into(),
        location: location.into(),
        requested_by: principal.clone(),
    };
    schedule(env, key, &job).await
}

/// Asks the location's scan object to scan its daily series soon.
pub async fn schedule_scan(env: &Env, location: &str, principal: &Principal) -> ApiResult<Scheduled> {
    let job = Job {
        kind: JobKind::AnomalyScan,
        series: String::new(),
        location: location.into(),
        requested_by: principal.clone(),
    };
    schedule(env, format!("anomaly_scan:{location}"), &job).await
}

async fn schedule(env: &Env, key: String, job: &Job) -> ApiResult<Scheduled> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(serde_json::to_string(job).map_err(|e| ApiError::Internal(e.to_string()))?.into()));
    let stub = env.durable_object("RECOMPUTE")?.id_from_name(&key)?.get_stub()?;
    let mut response = stub.fetch_with_request(Request::new_with_init(&format!("{ORIGIN}/schedule"), &init)?).await?;
    if response.status_code() != 200 {
        return Err(ApiError::Internal(format!("recompute object answered {}", response.status_code())));
    }
    let mut scheduled: Scheduled = response.json().await?;
    scheduled.key = key;
    Ok(scheduled)
}

#[durable_object]
pub struct Recompute {
    state: State,
    env: Env,
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl Recompute {
    async fn arm(&self, at_ms: u64) -> Result<()> {
        let at = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
        self.state.storage().set_alarm(worker::ScheduledTime::new(at)).await
    }
}

impl DurableObject for Recompute {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.method() != Method::Post {
            return Response::error("method not allowed", 405);
        }
        let job: Job = req.json().await?;
        let debounce = job.kind.debounce();
        let storage = self.state.storage();
        let pending = debounce.request(storage.get::<Pending>("pending").await?, now_ms());
        storage.put("pending", pending).await?;
        storage.put("job", &job).await?;
        let runs_at_ms = debounce.fire_at(pending);
        self.arm(runs_at_ms).await?;
        let completed_runs = storage.get::<u32>("runs").await?.unwrap_or(0);
        Response::from_json(&Scheduled { key: String::new(), requests: pending.requests, runs_at_ms, completed_runs })
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        let Some(pending) = storage.get::<Pending>("pending").await? else {
            return Response::ok("nothing pending");
        };
        let Some(job) = storage.get::<Job>("job").await? else {
            storage.delete("pending").await?;
            return Response::ok("no job");
        };
        let debounce = job.kind.debounce();
        if !debounce.due(pending, now_ms()) {
            self.arm(debounce.fire_at(pending)).await?;
            return Response::ok("not yet");
        }
        // Cleared before running: requests arriving during the run start a new burst.
        storage.delete("pending").await?;
        let runs = storage.get::<u32>("runs").await?.unwrap_or(0) + 1;
        storage.put("runs", runs).await?;
        let outcome = match job.kind {
            JobKind::Forecast => match ForecastSeries::parse(&job.series) {
                Some(series) => forecasts::compute(&self.env, series, &job.location, &job.requested_by)
                    .await
                    .map(|row| format!("computed {} ({} runs)", row.id, row.computations)),
                None => Ok(format!("unknown series {}", job.series)),
            },
            JobKind::AnomalyScan => scans::run(&self.env, &job.location, &job.requested_by)
                .await
                .map(|raised| format!("scanned {}: {raised} new anomalies", job.location)),
        };
        match outcome {
            Ok(message) => Response::ok(message),
            Err(error) => {
                // A failed run is logged, not retried forever: the next request schedules again.
                worker::console_error!("recompute {:?} at {} failed: {error}", job.kind, job.location);
                Response::ok("failed")
            }
        }
    }
}
