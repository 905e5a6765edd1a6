//! `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the handlers themselves.
//!
//! Each handler carries a `#[utoipa::path(...)]` attribute next to its code (method, path,
//! parameters, body, success responses and any error specific to it) and is listed once in
//! [`ApiDoc`]'s `paths(...)`. What every route shares is added here, by [`Shared`], so handlers
//! do not repeat it: the problem+json errors (400/401/403/404/413/422/429/500 where they apply),
//! the `Retry-After` header on 429, the `x-request-id` header, and the two security schemes.
//! The `openapi` integration test fails when a route in `routes.rs` is missing from the document.

use crate::platform::problem::respond;
use forecourt_domain::Problem;
use serde::Serialize;
use std::cell::OnceCell;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Response as DocResponse, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi, ToSchema};
use worker::{Request, Response, Result, RouteContext};

/// A page of a cursor-paginated list: pass `next_cursor` back as `cursor` for the next page.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Security requirement names used in `#[utoipa::path(security(...))]`.
pub const BEARER: &str = "bearer";
pub const DEVICE_TOKEN: &str = "device_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Forecourt API",
        description = "The dealership platform's HTTP API. Errors are RFC 9457 problem+json with the \
                       extensions `field` (the input at fault) and `request_id`. See docs/api.md.",
    ),
    paths(
        crate::platform::health::report,
        crate::platform::openapi::document,
        crate::identity::sessions::login,
        crate::identity::sessions::refresh,
        crate::identity::sessions::logout,
        crate::identity::sessions::me,
        crate::showroom::stock::list,
        crate::showroom::stock::detail,
        crate::showroom::stock::change_price,
        crate::showroom::leads::list,
        crate::showroom::leads::detail,
        crate::showroom::leads::transition,
        crate::showroom::test_drives::book,
        crate::workshop::work_orders::list,
        crate::workshop::work_orders::detail,
        crate::workshop::work_orders::transition,
        crate::workshop::appointments::list,
        crate::workshop::appointments::book,
        crate::workshop::appointments::reschedule,
        crate::workshop::appointments::cancel,
        crate::workshop::kiosk::check_in,
        crate::workshop::editor::open,
        crate::workshop::editor::update,
        crate::workshop::editor::add_labour,
        crate::workshop::editor::update_labour,
        crate::workshop::editor::remove_labour,
        crate::workshop::editor::add_part,
        crate::workshop::editor::update_part,
        crate::workshop::editor::remove_part,
        crate::workshop::editor::add_code,
        crate::workshop::editor::remove_code,
        crate::workshop::parts::apply,
        crate::workshop::parts::list,
        crate::workshop::parts::list_canned,
        crate::workshop::inspection::add_item,
        crate::workshop::inspection::upload,
        crate::workshop::inspection::download,
        crate::workshop::inspection::create_link,
        crate::workshop::inspection::view,
        crate::workshop::inspection::decide,
        crate::workshop::inspection::declined,
        crate::workshop::clocks::shift,
        crate::workshop::clocks::job,
        crate::workshop::clocks::mine,
        crate::workshop::clocks::board,
        crate::platform::audit::list,
        crate::realtime::connect::join,
        crate::analytics::anomalies::list,
        crate::analytics::anomalies::scan,
        crate::analytics::anomalies::detail,
        crate::analytics::anomalies::transition,
        crate::analytics::anomalies::comment,
        crate::analytics::telemetry::ingest,
        crate::analytics::forecasts::get,
        crate::analytics::forecasts::recompute,
        crate::analytics::maintenance::get,
        crate::analytics::feedback::post,
        crate::analytics::dashboards::get,
        // Showroom slice: leads intake and assignment, customers, notifications.
        crate::showroom::lead_intake::create,
        crate::showroom::lead_intake::assign,
        crate::customers::profiles::list,
        crate::customers::profiles::me,
        crate::customers::profiles::detail,
        crate::customers::profiles::update,
        crate::customers::profiles::timeline,
        crate::customers::merge::merge,
        crate::customers::notifications::list,
        crate::customers::notifications::mark_read,
        crate::customers::notifications::preferences,
        crate::customers::notifications::set_preferences,
        crate::admin::export::export,
        crate::showroom::test_drive_calendar::calendar,
        crate::showroom::test_drive_calendar::run_reminders,
        crate::showroom::reference::locations,
        crate::showroom::reference::makes,
        crate::showroom::assistance::request,
    ),
    components(schemas(Problem)),
    modifiers(&Shared),
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
#[utoipa::path(get, path = "/api/openapi.json", tag = "platform",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json")))]
pub async fn document(_req: Request, _ctx: RouteContext<()>) -> Result<Response> {
    thread_local! {
        // Built once per isolate: the document only changes with the code.
        static JSON: OnceCell<String> = const { OnceCell::new() };
    }
    let json = JSON.with(|cell| {
        cell.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}")))
            .clone()
    });
    let mut response = Response::ok(json)?;
    response.headers_mut().set("content-type", "application/json")?;
    respond(Ok(response))
}

/// The route template (`/api/vehicles/{id}`) that `path` matches, for the log line; the most
/// literal one when several do. The document lists every route (a test makes sure of it).
pub fn route_pattern(path: &str) -> Option<String> {
    thread_local! {
        static TEMPLATES: OnceCell<Vec<String>> = const { OnceCell::new() };
    }
    let segments: Vec<&str> = path.split('/').collect();
    TEMPLATES.with(|cell| {
        let templates = cell.get_or_init(|| ApiDoc::openapi().paths.paths.keys().cloned().collect());
        templates
            .iter()
            .filter_map(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                let matches = parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| part.starts_with('{') || part == segment);
                matches.then(|| (parts.iter().filter(|part| !part.starts_with('{')).count(), template))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, template)| template.clone())
    })
}

/// Adds what every route shares, so a handler's annotation only says what is particular to it.
struct Shared;

impl Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("fc1 access token")
                    .description(Some("A person's access token from POST /api/auth/login (15 minutes)."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            DEVICE_TOKEN,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("fcd_ device token")
                    .description(Some("A kiosk's or telematics unit's token, scoped to its location and purpose."))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            for (method, operation) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ] {
                if let Some(operation) = operation {
                    add_shared_responses(operation, &method, has_id);
                }
            }
        }
    }
}

fn add_shared_responses(operation: &mut Operation, method: &HttpMethod, has_id: bool) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_input = operation.request_body.is_some() || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mutating = !matches!(method, HttpMethod::Get);
    let mut shared: Vec<(&str, &str)> = Vec::new();
    if has_input {
        shared.push(("400", "Invalid input: `field` names the parameter or body member at fault"));
    }
    if secured {
        shared.push(("401", "No valid token (`WWW-Authenticate: Bearer`), or the access token expired"));
        shared.push(("403", "The caller's role or location may not do this"));
    }
    if has_id {
        shared.push(("404", "No such record, or one the caller may not see"));
    }
    if operation.request_body.is_some() {
        shared.push(("413", "The body is larger than the route accepts"));
    }
    if mutating && secured {
        shared.push(("409", "Edit conflict (`current` holds the record) or the idempotency key is in flight"));
        shared.push(("422", "The `Idempotency-Key` was used for a different request"));
    }
    shared.push(("429", "Rate limited: retry after `Retry-After` seconds"));
    shared.push(("500", "Our fault; `request_id` identifies the log line"));
    for (status, description) in shared {
        if operation.responses.responses.contains_key(status) {
            continue;
        }
        operation.responses.responses.insert(status.to_owned(), RefOr::T(problem_response(status, description)));
    }
    // Every response names its request id; the log line carries the same one.
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            response.headers.insert(
                "x-request-id".into(),
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("Identifies this request in the logs"))
                    .build(),
            );
        }
    }
    if mutating && secured {
        let header = utoipa::openapi::path::ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(utoipa::openapi::path::ParameterIn::Header)
            .required(utoipa::openapi::Required::False)
            .description(Some("1–128 of `A-Z a-z 0-9 - _ . :`; a repeat returns the first answer"))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String).max_length(Some(128))))
            .build();
        operation.parameters.get_or_insert_with(Vec::new).push(header);
    }
}

fn problem_response(status: &str, description: &str) -> DocResponse {
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content(Problem::CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build());
    if status == "429" {
        builder = builder.header(
            "retry-after",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds until a retry may succeed"))
                .build(),
        );
    }
    builder.build()
}
