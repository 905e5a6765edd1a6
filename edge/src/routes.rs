//! The API as a table: every route Forecourt's edge answers, in one place.

use crate::admin::export;
use crate::analytics::{anomalies, dashboards, feedback, forecasts, maintenance, telemetry};
use crate::customers::{merge, notifications, profiles};
use crate::identity::sessions;
use crate::platform::{audit, health, openapi, problem::ApiError};
use crate::realtime::connect;
use crate::showroom::{assistance, lead_intake, leads, reference, stock, test_drive_calendar, test_drives};
use crate::workshop::{appointments, clocks, editor, inspection, kiosk, parts, work_orders};
use worker::{Env, Request, Response, Result, Router};

pub async fn dispatch(req: Request, env: Env) -> Result<Response> {
    Router::new()
        .get_async("/api/health", health::report)
        .get_async("/api/openapi.json", openapi::document)
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
        // Garage & workshop (issue 4): appointments, kiosk check-in, the work-order editor,
        // parts and canned jobs, inspections and approvals, technician clocks, the board.
        .get_async("/api/appointments", appointments::list)
        .post_async("/api/appointments", appointments::book)
        .patch_async("/api/appointments/:id", appointments::reschedule)
        .post_async("/api/appointments/:id/cancel", appointments::cancel)
        .post_async("/api/kiosk/check-in", kiosk::check_in)
        .post_async("/api/work-orders", editor::open)
        .patch_async("/api/work-orders/:id", editor::update)
        .post_async("/api/work-orders/:id/labour", editor::add_labour)
        .patch_async("/api/work-orders/:id/labour/:line", editor::update_labour)
        .delete_async("/api/work-orders/:id/labour/:line", editor::remove_labour)
        .post_async("/api/work-orders/:id/parts", editor::add_part)
        .patch_async("/api/work-orders/:id/parts/:line", editor::update_part)
        .delete_async("/api/work-orders/:id/parts/:line", editor::remove_part)
        .post_async("/api/work-orders/:id/diagnostic-codes", editor::add_code)
        .delete_async("/api/work-orders/:id/diagnostic-codes/:code", editor::remove_code)
        .post_async("/api/work-orders/:id/canned-jobs", parts::apply)
        .get_async("/api/parts", parts::list)
        .get_async("/api/canned-jobs", parts::list_canned)
        .post_async("/api/work-orders/:id/inspection", inspection::add_item)
        .put_async("/api/work-orders/:id/documents", inspection::upload)
        .get_async("/api/work-orders/:id/documents/:doc", inspection::download)
        .post_async("/api/work-orders/:id/approval-link", inspection::create_link)
        .get_async("/api/approvals/:token", inspection::view)
        .post_async("/api/approvals/:token", inspection::decide)
        .get_async("/api/declined-work", inspection::declined)
        .post_async("/api/clocks/shift", clocks::shift)
        .post_async("/api/work-orders/:id/clock", clocks::job)
        .get_async("/api/technicians/me/jobs", clocks::mine)
        .get_async("/api/board/:location", clocks::board)
        .get_async("/api/audit", audit::list)
        .get_async("/api/rooms/:room", connect::join)
        // Analytics (issue 7): anomalies, telemetry, predictions, dashboards.
        .get_async("/api/anomalies", anomalies::list)
        .post_async("/api/anomalies/scan", anomalies::scan)
        .get_async("/api/anomalies/:id", anomalies::detail)
        .post_async("/api/anomalies/:id/transitions", anomalies::transition)
        .post_async("/api/anomalies/:id/comments", anomalies::comment)
        .post_async("/api/telemetry", telemetry::ingest)
        .get_async("/api/analytics/forecasts", forecasts::get)
        .post_async("/api/analytics/forecasts/recompute", forecasts::recompute)
        .get_async("/api/vehicles/:id/maintenance", maintenance::get)
        .post_async("/api/predictions/:id/feedback", feedback::post)
        .get_async("/api/dashboards/:location", dashboards::get)
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
        // Platform: the dealer's data (admin export)
        .get_async("/api/admin/export/:entity", export::export)
        .get_async("/api/test-drives", test_drive_calendar::calendar)
        .post_async("/api/test-drives/reminders", test_drive_calendar::run_reminders)
        .get_async("/api/locations", reference::locations)
        .get_async("/api/makes", reference::makes)
        .post_async("/api/kiosk/assistance", assistance::request)
        .or_else_any_method_async(
            "/api/*rest",
            |req, _| async move { ApiError::RouteNotFound(req.path()).into_response() },
        )
        .run(req, env)
        .await
}
