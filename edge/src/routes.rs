//! The API as a table: every route Forecourt's edge answers, in one place.

use crate::customers::{merge, notifications, profiles};
use crate::identity::sessions;
use crate::platform::{audit, health, problem::ApiError};
use crate::realtime::connect;
use crate::showroom::{lead_intake, leads, stock, test_drives};
use crate::workshop::work_orders;
use worker::{Env, Request, Response, Result, Router};

pub async fn dispatch(req: Request, env: Env) -> Result<Response> {
    Router::new()
        .get_async("/api/health", health::report)
        .post_async("/api/auth/login", sessions::login)
        .post_async("/api/auth/refresh", sessions::refresh)
        .post_async("/api/auth/logout", sessions::logout)
        .get_async("/api/auth/me", sessions::me)
        .get_async("/api/vehicles", stock::list)
        .get_async("/api/vehicles/:id", stock::detail)
        .patch_async("/api/vehicles/:id", stock::change_price)
        .get_async("/api/leads", leads::list)
        .get_async("/api/leads/:id", leads::detail)
        .post_async("/api/leads/:id/transitions", leads::transition)
        .post_async("/api/test-drives", test_drives::book)
        .get_async("/api/work-orders", work_orders::list)
        .get_async("/api/work-orders/:id", work_orders::detail)
        .post_async("/api/work-orders/:id/transitions", work_orders::transition)
        .get_async("/api/audit", audit::list)
        .get_async("/api/rooms/:room", connect::join)
        // Showroom & sales, customers, notifications (the showroom slice of issue 4).
        .post_async("/api/leads", lead_intake::create)
        .post_async("/api/leads/:id/assignment", lead_intake::assign)
        .get_async("/api/customers", profiles::list)
        .get_async("/api/customers/me", profiles::me)
        .get_async("/api/customers/:id", profiles::detail)
        .patch_async("/api/customers/:id", profiles::update)
        .get_async("/api/customers/:id/timeline", profiles::timeline)
        .post_async("/api/customers/:id/merge", merge::merge)
        .get_async("/api/notifications", notifications::list)
        .get_async("/api/notifications/preferences", notifications::preferences)
        .put_async("/api/notifications/preferences", notifications::set_preferences)
        .post_async("/api/notifications/:id/read", notifications::mark_read)
        .or_else_any_method_async(
            "/api/*rest",
            |req, _| async move { ApiError::RouteNotFound(req.path()).into_response() },
        )
        .run(req, env)
        .await
}
