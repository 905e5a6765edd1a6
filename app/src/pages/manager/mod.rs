//! `/manager/:location`: a location's dashboard for its manager: sales and service KPIs, the
//! weekly sales forecast with its bands and how far to trust it, and the open anomalies.

mod data;

use crate::api::ApiError;
use crate::charts::{forecast, Chart};
use data::Dashboard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ManagerDashboardPage() -> impl IntoView {
    let params = use_params_map();
    let location = Memo::new(move |_| params.with(|p| p.get("location").unwrap_or_default()));
    let board = LocalResource::new(move || {
        let location = location.get();
        async move { data::dashboard(&location).await }
    });
    view! {
        <Title text="Dashboard"/>
        <section class="page manager-dashboard" aria-labelledby="dashboard-heading">
            <h1 id="dashboard-heading">{move || format!("Dashboard: {}", location.get())}</h1>
            {move || match board.get() {
                None => view! { <p class="loading" role="status">"Loading dashboard…"</p> }.into_any(),
                Some(Err(error)) => view! { <DashboardError error=error/> }.into_any(),
                Some(Ok(board)) => view! { <DashboardView board=board/> }.into_any(),
            }}
        </section>
    }
}

/// Whole pounds with thousands separators (a dashboard figure, not an invoice).
fn pounds(cents: i64) -> String {
    let digits = (cents / 100).abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}£{grouped}", if cents < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pounds_are_grouped_by_thousands() {
        assert_eq!(super::pounds(123_456_789), "£1,234,567");
        assert_eq!(super::pounds(99), "£0");
    }
}

#[component]
fn DashboardError(error: ApiError) -> impl IntoView {
    let message = match &error {
        ApiError::Offline => "You are offline: the dashboard needs a connection.".to_owned(),
        ApiError::Problem(p) if p.status == 401 => "Sign in as a manager to see this dashboard.".to_owned(),
        ApiError::Problem(p) if p.status == 403 => "This dashboard belongs to another location.".to_owned(),
        ApiError::Problem(p) if p.status == 404 => "There is no such location.".to_owned(),
        other => other.to_string(),
    };
    view! { <div class="error-panel" role="alert" data-testid="dashboard-error"><p>{message}</p></div> }
}

#[component]
fn DashboardView(board: Dashboard) -> impl IntoView {
    let sales = board.sales.clone();
    let change = sales.units_30d - sales.units_prev_30d;
    let forecast_view = match board.forecast.clone() {
        Some(prediction) => {
            let chart = data::forecast_chart(&board.location_id, &prediction);
            let trust = data::trust(prediction.output.backtest.as_ref());
            view! {
                <Chart svg=forecast::render(&chart) caption=format!("Model {}, computed {}. {trust}", prediction.model_version, prediction.computed_at)/>
            }
            .into_any()
        }
        None => view! { <p class="empty">"No forecast yet: it is computed the first time someone asks for it."</p> }
            .into_any(),
    };
    let anomalies = board.latest_anomalies.clone();
    view! {
        <div class="kpis" role="list">
            <div class="kpi" role="listitem">
                <span class="kpi-label">"Cars sold, last 30 days"</span>
                <strong>{sales.units_30d}</strong>
                <span class="kpi-change">{format!("{change:+} on the 30 days before")}</span>
            </div>
            <div class="kpi" role="listitem">
                <span class="kpi-label">"Sales revenue, last 30 days"</span>
                <strong>{pounds(sales.revenue_cents_30d)}</strong>
            </div>
            <div class="kpi" role="listitem">
                <span class="kpi-label">"Open work orders"</span>
                <strong>{board.service.open_work_orders}</strong>
            </div>
            <div class="kpi" role="listitem">
                <span class="kpi-label">"Bay-hours booked, last 30 days"</span>
                <strong>{format!("{:.0}", board.service.bay_hours_30d)}</strong>
            </div>
        </div>
        <h2>"Sales forecast"</h2>
        {forecast_view}
        <h2>"Open anomalies"</h2>
        {if anomalies.is_empty() {
            view! { <p class="empty">"No open anomalies. Nothing needs you right now."</p> }.into_any()
        } else {
            view! {
                <table class="anomalies">
                    <caption class="visually-hidden">"The most severe open anomalies at this location"</caption>
                    <thead><tr><th scope="col">"Severity"</th><th scope="col">"Metric"</th><th scope="col">"When"</th><th scope="col">"Observed / expected"</th><th scope="col">"Status"</th></tr></thead>
                    <tbody>
                        {anomalies.into_iter().map(|a| view! {
                            <tr>
                                <td><span class=format!("severity severity-{}", a.severity)>{a.severity.clone()}</span></td>
                                <td>{a.metric.replace('_', " ")}</td>
                                <td>{a.at.chars().take(10).collect::<String>()}</td>
                                <td>{format!("{:.1} / {:.1}", a.observed, a.expected)}</td>
                                <td>{a.status.replace('_', " ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
