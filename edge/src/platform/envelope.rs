//! The envelope around every request: request id, problem+json for the router's own errors,
//! content negotiation for compression, security headers and one structured log line.

use super::problem::ApiError;
use super::request_scope::{self, RequestContext};
use forecourt_domain::{caching, compression, cors};
use std::future::Future;
use std::rc::Rc;
use worker::{Env, Headers, Request, Response, ResponseBody, Result};

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub async fn serve<F, Fut>(req: Request, env: Env, dispatch: F) -> Result<Response>
where
    F: FnOnce(Request, Env) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    let started = js_sys::Date::now();
    let request_id = request_id(&req);
    let context = Rc::new(RequestContext { request_id: request_id.clone(), ..Default::default() });
    let method = req.method().to_string();
    let path = req.path();
    let accept_encoding = client_accept_encoding(&req);
    let opt_out = req.headers().has("x-no-compression").unwrap_or(false);
    let if_none_match = req.headers().get("if-none-match").ok().flatten();
    let origin = req.headers().get("origin").ok().flatten();
    let app_origins = env.var("APP_ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    let cors_origin = origin.as_deref().filter(|origin| cors::allowed(origin, &app_origins)).map(str::to_owned);
    let preflight = method == "OPTIONS" && origin.is_some() && req.headers().has("access-control-request-method")?;

    let limited = if path.starts_with("/api/") && path != "/api/health" {
        super::rate_limit::check(&req, &env).await
    } else {
        None
    };
    let outcome = match (limited, preflight) {
        (Some(error), _) => error.into_response(),
        (None, true) => preflight_response(cors_origin.as_deref()),
        (None, false) => request_scope::scoped(Rc::clone(&context), dispatch(req, env)).await,
    };
    let response = match outcome {
        Ok(response) => response,
        Err(error) => {
            worker::console_error!("{{\"request_id\":\"{request_id}\",\"unhandled\":{:?}}}", error.to_string());
            ApiError::Internal(error.to_string()).into_response()?
        }
    };
    // A WebSocket handshake response must reach the client exactly as the room made it.
    if response.status_code() == 101 {
        log_line(&context, &method, &path, 101, started, None);
        return Ok(response);
    }
    let response = problem_for_router_errors(response, &path)?;
    let mut response = with_request_id_in_problem(response, &request_id).await?;
    let headers = response.headers_mut();
    headers.set("x-request-id", &request_id)?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "strict-origin-when-cross-origin")?;
    headers.set("strict-transport-security", "max-age=63072000; includeSubDomains; preload")?;
    headers.set("content-security-policy", CONTENT_SECURITY_POLICY)?;
    headers.set("x-frame-options", "DENY")?;
    headers.set("cross-origin-opener-policy", "same-origin")?;
    headers.set("vary", "accept-encoding, origin")?;
    // Only the app's origin may read responses from a browser on another origin; any other
    // origin gets no `Access-Control-Allow-Origin`, so the browser withholds the response.
    if let Some(origin) = &cors_origin {
        headers.set("access-control-allow-origin", origin)?;
        headers.set("access-control-expose-headers", cors::EXPOSE_HEADERS)?;
    }
    let cache_status = headers.get("x-cache")?;

    let content_type = headers.get("content-type")?.unwrap_or_default();
    let body_len = match response.body() {
        ResponseBody::Body(bytes) => bytes.len(),
        _ => 0,
    };
    // Conditional GETs: an unchanged resource costs a 304 and no body. `no-cache` makes browsers
    // revalidate every time, so nobody is shown a stale record after a write.
    if method == "GET" && response.status_code() == 200 {
        if let ResponseBody::Body(bytes) = response.body() {
            let etag = caching::etag_for(bytes);
            response.headers_mut().set("etag", &etag)?;
            response.headers_mut().set("cache-control", "private, no-cache")?;
            if if_none_match.as_deref().is_some_and(|header| caching::not_modified(header, &etag)) {
                let headers = response.headers().clone();
                headers.set("content-encoding", "identity")?;
                log_line(&context, &method, &path, 304, started, cache_status.as_deref());
                return Ok(Response::empty()?.with_status(304).with_headers(headers));
            }
        }
    }
    let encoding = compression::negotiate(accept_encoding.as_deref(), &content_type, body_len, opt_out);
    // The runtime compresses the body on the way out according to this header. Without one,
    // Cloudflare's front line would compress every compressible body regardless of size or the
    // client's opt-out; `identity` is how a Worker tells it not to.
    response.headers_mut().set("content-encoding", encoding.header_value().unwrap_or("identity"))?;
    log_line(&context, &method, &path, response.status_code(), started, cache_status.as_deref());
    Ok(response)
}

/// What the client itself accepts. Cloudflare rewrites the `Accept-Encoding` a Worker sees to
/// "br, gzip" and keeps the client's own value in `request.cf.clientAcceptEncoding`; deciding on
/// the rewritten header would send brotli to clients that cannot read it.
fn client_accept_encoding(req: &Request) -> Option<String> {
    let cf = js_sys::Reflect::get(req.inner(), &"cf".into()).ok().filter(|cf| cf.is_object());
    match cf {
        Some(cf) => js_sys::Reflect::get(&cf, &"clientAcceptEncoding".into())
            .ok()
            .and_then(|value| value.as_string())
            .filter(|value| !value.is_empty()),
        None => req.headers().get("accept-encoding").ok().flatten(),
    }
}

/// The answer to a CORS preflight: what the app's origin may send; `403` for any other origin.
fn preflight_response(allowed_origin: Option<&str>) -> Result<Response> {
    if allowed_origin.is_none() {
        return ApiError::OriginNotAllowed.into_response();
    }
    let headers = Headers::new();
    headers.set("access-control-allow-methods", cors::ALLOW_METHODS)?;
    headers.set("access-control-allow-headers", cors::ALLOW_HEADERS)?;
    headers.set("access-control-max-age", &cors::MAX_AGE_SECONDS.to_string())?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// Cloudflare's ray id when present (it ties our log to theirs), otherwise a random one.
fn request_id(req: &Request) -> String {
    req.headers().get("cf-ray").ok().flatten().unwrap_or_else(|| {
        let high = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        let low = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        format!("{high:08x}{low:08x}")
    })
}

/// The worker router answers unmatched paths and methods in plain text; the API speaks problem+json.
fn problem_for_router_errors(response: Response, path: &str) -> Result<Response> {
    let is_plain = response.headers().get("content-type").ok().flatten().is_none_or(|ct| ct.starts_with("text/plain"));
    match response.status_code() {
        404 if is_plain => ApiError::RouteNotFound(path.to_owned()).into_response(),
        405 if is_plain => ApiError::MethodNotAllowed.into_response(),
        _ => Ok(response),
    }
}

/// Adds the request id to problem bodies so a user's bug report points at our log line.
async fn with_request_id_in_problem(mut response: Response, request_id: &str) -> Result<Response> {
    let is_problem =
        response.headers().get("content-type")?.is_some_and(|ct| ct == forecourt_domain::Problem::CONTENT_TYPE);
    if !is_problem {
        return Ok(response);
    }
    let mut body: serde_json::Value = response.json().await?;
    body["request_id"] = serde_json::Value::String(request_id.to_owned());
    let status = response.status_code();
    let headers = response.headers().clone();
    Ok(Response::from_bytes(serde_json::to_vec(&body)?)?.with_status(status).with_headers(headers))
}

/// One JSON line per request: what an operator filters and aggregates on.
fn log_line(context: &RequestContext, method: &str, path: &str, status: u16, started: f64, cache: Option<&str>) {
    let line = serde_json::json!({
        "request_id": context.request_id,
        "method": method,
        // The template, so that lines aggregate per route; unmatched paths log as such.
        "route": super::openapi::route_pattern(path).unwrap_or_else(|| "unmatched".into()),
        "coalesced": *context.coalesced.borrow(),
        "origin_reads": *context.origin_reads.borrow(),
        "status": status,
        "duration_ms": js_sys::Date::now() - started,
        "cache": cache,
    });
    worker::console_log!("{line}");
}
