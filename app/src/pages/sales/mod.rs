//! `/leads`: the sales lead queue, newest first, with scores, their reasons, first-response
//! timers that tick live, and pipeline moves.

use crate::api::leads::{self, Lead, LeadMove, LeadPage};
use crate::api::{self, ApiError};
use crate::charts::factors::{self, Factor};
use crate::charts::Chart;
use crate::format::duration;
use crate::session::current_profile;
use crate::shell::{EmptyState, ErrorPanel, OfflineBanner, RequireSignIn, Skeleton};
use crate::store;
use forecourt_domain::identity::Role;
use forecourt_domain::showroom::lead::LeadStatus;
use forecourt_domain::Money;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

const SALES: &[Role] = &[Role::Sales, Role::Manager, Role::Admin];

fn list_key() -> String {
    format!("leads:{}", current_profile().map(|p| p.id).unwrap_or_default())
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    view! {
        <RequireSignIn roles=SALES>
            <LeadQueue/>
        </RequireSignIn>
    }
}

#[component]
fn LeadQueue() -> impl IntoView {
    let saved = LocalResource::new(|| async { store::saved_list::<LeadPage>(&list_key()).await });
    let fresh = LocalResource::new(|| async { leads::list().await });
    // The moment the page's data was fetched: timers of unanswered leads run on from there.
    let fetched_at = RwSignal::new(js_sys::Date::now());
    Effect::new(move |_| {
        if let Some(Ok(page)) = fresh.get() {
            fetched_at.set(js_sys::Date::now());
            spawn_local(async move { store::remember_list(&list_key(), &page).await });
        }
    });
    let now = RwSignal::new(js_sys::Date::now());
    let ticker = send_wrapper::SendWrapper::new(gloo_timers::callback::Interval::new(1_000, move || {
        now.try_set(js_sys::Date::now());
    }));
    on_cleanup(move || drop(ticker));
    let elapsed = Memo::new(move |_| ((now.get() - fetched_at.get()).max(0.0) / 1000.0) as u64);

    let shown = Memo::new(move |_| match (fresh.get(), saved.get()) {
        (Some(Ok(page)), _) => Ok((page.items, None)),
        (Some(Err(e)), Some(Some(page))) => Ok((page.items, Some(e))),
        (Some(Err(e)), Some(None)) => Err(Some(e)),
        (None, Some(Some(page))) => Ok((page.items, None)),
        _ => Err(None),
    });

    view! {
        <Title text="Leads"/>
        <section class="page" aria-labelledby="leads-heading">
            <div class="page-head">
                <h1 id="leads-heading">"Lead queue"</h1>
                <p class="lede">"Answer the oldest unanswered lead first: the timer turns red past your showroom's target."</p>
            </div>
            {move || match shown.get() {
                Err(None) => view! { <Skeleton label="Loading leads…"/> }.into_any(),
                Err(Some(error)) => view! { <ErrorPanel what="the lead queue" error=error on_retry=move || fresh.refetch()/> }.into_any(),
                Ok((items, error)) => view! {
                    {error.map(|_| view! { <OfflineBanner message="Offline — showing saved leads"/> })}
                    {if items.is_empty() {
                        view! { <EmptyState title="No leads" hint="New leads appear here the moment they arrive."/> }.into_any()
                    } else {
                        view! {
                            <ul class="order-list" data-testid="lead-list">
                                {items.into_iter().map(|lead| view! { <LeadRow lead=lead elapsed=elapsed/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}

fn status_label(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::New => "New",
        LeadStatus::Contacted => "Contacted",
        LeadStatus::Qualified => "Qualified",
        LeadStatus::TestDrive => "Test drive",
        LeadStatus::Negotiation => "Negotiation",
        LeadStatus::Won => "Won",
        LeadStatus::Lost => "Lost",
    }
}

#[component]
fn LeadRow(lead: Lead, elapsed: Memo<u64>) -> impl IntoView {
    let lead = RwSignal::new(lead);
    let choice = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let feedback = RwSignal::new(None::<String>);
    let id = lead.with_untracked(|l| l.id.clone());
    let ids = StoredValue::new((format!("move-{id}"), format!("reason-{id}")));

    let waited = move || {
        lead.with(|l| {
            if l.response.responded {
                l.response.waited_seconds
            } else {
                l.response.waited_seconds + elapsed.get()
            }
        })
    };
    let overdue =
        move || lead.with(|l| !l.response.responded && waited() > (l.response_target_minutes.max(0) as u64) * 60);
    let options = move || {
        lead.with(|l| {
            LeadStatus::ALL
                .into_iter()
                .filter(|to| l.status.transition(*to, Some("reason")).is_ok())
                .collect::<Vec<_>>()
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(to) = LeadStatus::parse(&choice.get_untracked()) else {
            feedback.set(Some("Choose the next step first.".into()));
            return;
        };
        let lost_reason = (to == LeadStatus::Lost).then(|| reason.get_untracked().trim().to_owned());
        if lost_reason.as_deref() == Some("") {
            feedback.set(Some("Say why the lead was lost.".into()));
            return;
        }
        let current = lead.get_untracked();
        let body = LeadMove { to, note: None, lost_reason, expected_version: current.version };
        busy.set(true);
        feedback.set(None);
        spawn_local(async move {
            let key = api::new_idempotency_key().unwrap_or_default();
            let outcome = leads::transition(&current.id, &body, &key).await;
            match outcome {
                Ok(Ok(updated)) => {
                    lead.try_set(updated);
                    choice.try_set(String::new());
                    feedback.try_set(Some(format!("Moved to {}.", status_label(to))));
                }
                Ok(Err(refusal)) if refusal.problem.status == 409 => {
                    let theirs =
                        refusal.body.get("current").cloned().and_then(|c| serde_json::from_value::<Lead>(c).ok());
                    let now = theirs.as_ref().map(|l| status_label(l.status)).unwrap_or("changed");
                    feedback.try_set(Some(format!(
                        "Someone else moved this lead first (now: {now}). Check and try again."
                    )));
                    // Take their version, refreshed, so the next move builds on it.
                    if let Ok(fresh) = leads::detail(&current.id).await {
                        lead.try_set(fresh);
                    }
                }
                Ok(Err(refusal)) => {
                    feedback.try_set(Some(refusal.problem.detail.unwrap_or(refusal.problem.title)));
                }
                Err(ApiError::Offline) => {
                    feedback.try_set(Some("You are offline: moving a lead needs a connection.".into()));
                }
                Err(error) => {
                    feedback.try_set(Some(error.to_string()));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <li class="order-row lead-row" data-testid="lead-row" data-lead-id=id.clone()>
            <div class="order-main">
                <p class="order-link">{move || lead.with(|l| format!("{} · {} · {}", l.id, l.source.replace('_', " "), l.timeframe.replace('_', " ")))}</p>
                <p class="order-meta">{move || lead.with(budget)}</p>
                {move || lead.with(|l| l.reasons.as_ref().is_some_and(|r| !r.is_empty()).then(|| {
                    let (svg, caption) = score_factors(l);
                    view! {
                        <details class="reasons">
                            <summary>"Why this score"</summary>
                            <Chart svg=svg caption=caption/>
                        </details>
                    }
                }))}
            </div>
            <span class="score" data-testid="lead-score" title="Chance this lead buys">
                {move || lead.with(|l| l.score.map(|s| format!("Score {:.0} %", s * 100.0)).unwrap_or_else(|| "No score".into()))}
            </span>
            <span class=move || if overdue() { "timer timer-overdue" } else { "timer" } data-testid="lead-timer">
                {move || {
                    let answered = lead.with(|l| l.response.responded);
                    let prefix = if answered { "Answered after" } else { "Waiting" };
                    let late = if overdue() { " · overdue" } else { "" };
                    format!("{prefix} {}{late}", duration(waited()))
                }}
            </span>
            <span class="status">{move || lead.with(|l| status_label(l.status))}</span>
            <Show when=move || !lead.with(|l| l.status.is_closed())>
                <form class="lead-move" on:submit=submit>
                    <label for=ids.with_value(|i| i.0.clone())>"Next step"</label>
                    <select id=ids.with_value(|i| i.0.clone()) prop:value=move || choice.get() on:change=move |ev| choice.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {move || options().into_iter().map(|s| view! { <option value=s.as_str()>{status_label(s)}</option> }).collect_view()}
                    </select>
                    <Show when=move || choice.get() == "lost">
                        <label for=ids.with_value(|i| i.1.clone())>"Reason lost"</label>
                        <input id=ids.with_value(|i| i.1.clone()) type="text" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                    </Show>
                    <button type="submit" disabled=move || busy.get()>"Move"</button>
                </form>
            </Show>
            <p class="form-status" role="status">{move || feedback.get()}</p>
        </li>
    }
}

fn budget(lead: &Lead) -> String {
    let money = |cents: i64| Money::from_cents(cents).to_string();
    match (lead.budget_min_cents, lead.budget_max_cents) {
        (Some(min), Some(max)) => {
            format!("Budget {} – {} · prefers {}", money(min), money(max), lead.preferred_contact)
        }
        (None, Some(max)) => format!("Budget up to {} · prefers {}", money(max), lead.preferred_contact),
        _ => format!("Prefers {}", lead.preferred_contact),
    }
}

/// The lead's score reasons as factor bars (what raised and what lowered the chance), with the
/// model that scored it in the caption, so a rep can see why and with what.
fn score_factors(lead: &Lead) -> (String, String) {
    let factors: Vec<Factor> = lead
        .reasons
        .iter()
        .flatten()
        .map(|reason| Factor { name: reason.factor.name().replace('_', " "), contribution: reason.log_odds })
        .collect();
    let svg = factors::render(&format!("factors-{}", lead.id), "Why this score", &factors);
    let model = lead.score_model.as_deref().unwrap_or("unknown model");
    (svg, format!("{} · scored by {model}", factors::describe("Factors", &factors)))
}
