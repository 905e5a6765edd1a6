//! `/kiosk`: the showroom touch screen. Full screen, large touch targets, no way out to the rest
//! of the app, stock browse and compare, "call a sales rep", appointment check-in, and an idle
//! reset after 90 s that wipes the visit. Its code is a lazy chunk (see `pages::lazy`).

mod browse;
mod check_in;
mod compare;
mod delivery;
mod header;
mod idle;
pub mod lock;
mod vehicle;
pub mod visit;

use header::KioskHeader;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use visit::{Action, Delivery, IdlePhase, Screen, Visit};

/// The signals of one visit, shared by the kiosk's screens. A new visit gets new signals, so
/// nothing of the previous one (including a message still being resent) survives a reset.
#[derive(Clone, Copy)]
struct Kiosk {
    visit: RwSignal<Visit>,
    /// Why the last tap did nothing ("you can compare up to 3"), read out politely.
    notice: RwSignal<Option<String>>,
    assistance: RwSignal<Delivery>,
    /// Ends this visit now ("Start over"), as the idle timer would.
    start_over: Callback<()>,
}

impl Kiosk {
    fn act(&self, action: Action) {
        let mut outcome = Ok(());
        self.visit.update(|visit| outcome = visit.apply(action));
        self.notice.set(outcome.err().map(|error| error.to_string()));
    }

    fn open(&self, screen: Screen) {
        self.act(Action::Open(screen));
    }
}

fn use_kiosk() -> Kiosk {
    // Every kiosk screen is rendered inside `KioskVisit`, which provides this.
    expect_context::<Kiosk>()
}

#[component]
pub fn KioskPage() -> impl IntoView {
    lock::lock();
    lock::pair_from_address();
    let visit_number = RwSignal::new(0_u32);
    let start_over = Callback::new(move |()| {
        visit_number.update(|n| *n = n.wrapping_add(1));
        scroll_to_top();
    });
    let timeout = visit::idle_timeout(idle::requested_idle().as_deref(), idle::test_hooks_allowed());
    let phase = idle::watch_idle(timeout, move || start_over.run(()));
    view! {
        <Title text="Showroom kiosk"/>
        <div class="kiosk" data-testid="kiosk" data-idle-seconds=timeout.as_secs()>
            // Keyed on the visit number: a reset drops every screen, field and message of the visit.
            {move || {
                let number = visit_number.get();
                view! { <KioskVisit number=number start_over=start_over/> }
            }}
            <IdleWarning phase=phase/>
        </div>
    }
}

#[component]
fn KioskVisit(number: u32, start_over: Callback<()>) -> impl IntoView {
    let kiosk = Kiosk {
        visit: RwSignal::new(Visit::default()),
        notice: RwSignal::new(None),
        assistance: RwSignal::new(Delivery::Ready),
        start_over,
    };
    provide_context(kiosk);
    let shown = Memo::new(move |_| kiosk.visit.with(|v| Shown::of(&v.screen)));
    // A new screen starts at its top, with focus on its heading for screen readers.
    Effect::new(move |previous: Option<Shown>| {
        let current = shown.get();
        if previous.is_some_and(|p| p != current) {
            scroll_to_top();
            focus_heading();
        }
        current
    });
    view! {
        <KioskHeader/>
        <div class="kiosk-body" data-visit=number>
            <p class="kiosk-notice" role="status" aria-live="polite">{move || kiosk.notice.get()}</p>
            {move || match shown.get() {
                Shown::Browse => view! { <browse::KioskBrowse/> }.into_any(),
                Shown::Vehicle(_) => view! { <vehicle::KioskVehicle/> }.into_any(),
                Shown::Compare => view! { <compare::KioskCompare/> }.into_any(),
                Shown::CheckIn => view! { <check_in::KioskCheckIn/> }.into_any(),
            }}
        </div>
        <compare::CompareTray/>
    }
}

/// Which screen is up, cheap to compare: re-rendering waits for a real change of screen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Browse,
    Vehicle(String),
    Compare,
    CheckIn,
}

impl Shown {
    fn of(screen: &Screen) -> Self {
        match screen {
            Screen::Browse => Self::Browse,
            Screen::Vehicle(vehicle) => Self::Vehicle(vehicle.id.clone()),
            Screen::Compare => Self::Compare,
            Screen::CheckIn => Self::CheckIn,
        }
    }
}

/// "Still there?" during the last seconds before an idle reset; any touch dismisses it.
#[component]
fn IdleWarning(phase: ReadSignal<IdlePhase>) -> impl IntoView {
    let seconds = move || match phase.get() {
        IdlePhase::Warning { seconds_left } => Some(seconds_left),
        _ => None,
    };
    view! {
        <Show when=move || seconds().is_some()>
            <div class="kiosk-idle" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-text" data-testid="idle-warning">
                <div class="kiosk-idle-box">
                    <h2 id="idle-title">"Are you still there?"</h2>
                    <p id="idle-text">{move || format!("This screen starts over in {} s to keep your visit private.", seconds().unwrap_or_default())}</p>
                    // The tap itself is the interaction that keeps the visit; the button gives it a target.
                    <button type="button" class="kiosk-button">"I'm still here"</button>
                </div>
            </div>
        </Show>
    }
}

/// `/kiosk/exit`: turns kiosk mode off on this device (for staff, see [`lock`]).
#[component]
pub fn KioskExitPage() -> impl IntoView {
    let navigate = use_navigate();
    let leave = move |_| {
        lock::unlock();
        navigate("/stock", Default::default());
    };
    view! {
        <Title text="Leave kiosk mode"/>
        <section class="kiosk kiosk-exit">
            <h1>"Leave kiosk mode?"</h1>
            <p>"This device will show the normal Forecourt app again."</p>
            <div class="kiosk-actions">
                <button type="button" class="kiosk-button" on:click=leave>"Leave kiosk mode"</button>
                <a class="kiosk-button kiosk-button-quiet" href="/kiosk">"Stay in kiosk mode"</a>
            </div>
        </section>
    }
}

fn scroll_to_top() {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

fn focus_heading() {
    use wasm_bindgen::JsCast;
    if let Some(heading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("kiosk-heading"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = heading.focus();
    }
}
