//! The browser side of the idle reset: every touch, key or wheel restarts the [`IdleClock`], a
//! timer reads it, and an expired visit is ended through `on_expire`.

use super::visit::{IdleClock, IdlePhase};
use leptos::ev;
use leptos::prelude::*;
use std::time::Duration;

/// How often the clock is read: fine enough for a visible countdown of whole seconds.
const TICK: Duration = Duration::from_millis(250);

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Watches for interaction for as long as the calling component lives; returns the idle phase.
pub fn watch_idle(timeout: Duration, on_expire: impl Fn() + 'static) -> ReadSignal<IdlePhase> {
    let clock = StoredValue::new(IdleClock::new(timeout, now_ms()));
    let (phase, set_phase) = signal(IdlePhase::Active);
    let touch = move || {
        clock.update_value(|c| c.touch(now_ms()));
        // Answer a touch during the warning at once, not at the next tick.
        if phase.get_untracked() != IdlePhase::Active {
            set_phase.set(IdlePhase::Active);
        }
    };
    let handles = vec![
        window_event_listener(ev::pointerdown, move |_| touch()),
        window_event_listener(ev::keydown, move |_| touch()),
        window_event_listener(ev::wheel, move |_| touch()),
        window_event_listener(ev::input, move |_| touch()),
    ];
    let interval = set_interval_with_handle(
        move || {
            let now = now_ms();
            let Some(current) = clock.try_with_value(|c| c.phase(now)) else {
                return;
            };
            if current == IdlePhase::Expired {
                clock.update_value(|c| c.touch(now));
                set_phase.set(IdlePhase::Active);
                on_expire();
            } else if phase.get_untracked() != current {
                set_phase.set(current);
            }
        },
        TICK,
    );
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
        if let Ok(interval) = interval {
            interval.clear();
        }
    });
    phase
}

/// `?idle=N` of the current URL (see [`super::visit::idle_timeout`] for when it counts).
pub fn requested_idle() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix("idle=")).map(str::to_owned)
}

/// Test hooks exist only where no real kiosk runs: the loopback addresses of dev and tests.
pub fn test_hooks_allowed() -> bool {
    let host = web_sys::window().and_then(|w| w.location().hostname().ok()).unwrap_or_default();
    matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
}
