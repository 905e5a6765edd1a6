//! The kiosk's rules, free of the browser: what one visit holds, which screen it is on, when it
//! counts as abandoned, and what a message to the showroom has become. The components in this
//! folder only translate taps, timers and HTTP answers into these types.

use crate::api::ApiError;
use forecourt_domain::Vehicle;
use std::time::Duration;
use thiserror::Error;

/// Side by side is readable on a showroom screen for three cars, not more.
pub const MAX_COMPARE: usize = 3;
/// The brief's idle reset: a visit nobody touched for this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// How long before the reset the screen asks "still there?", so a reader is not cut off.
pub const IDLE_WARNING: Duration = Duration::from_secs(15);
/// A shorter idle time asked for in the URL is never below this (tests use a few seconds).
pub const MIN_TEST_IDLE: Duration = Duration::from_secs(2);

/// Where in the kiosk a visitor is. Screens are state, not URLs: a kiosk has no address bar or
/// back button, and keeping them out of the URL means there is no link to follow out of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Browse,
    Vehicle(Box<Vehicle>),
    Compare,
    CheckIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VisitError {
    #[error("You can compare up to {MAX_COMPARE} cars. Remove one to add another.")]
    CompareFull,
    #[error("Choose at least two cars to compare.")]
    NothingToCompare,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Open(Screen),
    /// Adds the vehicle to the comparison, or removes it if it is already there.
    ToggleCompare(Vehicle),
    RemoveFromCompare(String),
}

/// Everything one visitor did at the kiosk; an idle reset replaces it with [`Visit::default`].
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub screen: Screen,
    pub compare: Vec<Vehicle>,
}

impl Default for Visit {
    fn default() -> Self {
        Self { screen: Screen::Browse, compare: Vec::new() }
    }
}

impl Visit {
    /// Applies `action`; on error the visit is unchanged.
    pub fn apply(&mut self, action: Action) -> Result<(), VisitError> {
        match action {
            Action::Open(Screen::Compare) if self.compare.len() < 2 => return Err(VisitError::NothingToCompare),
            Action::Open(screen) => self.screen = screen,
            Action::ToggleCompare(vehicle) => {
                if self.is_compared(&vehicle.id) {
                    self.remove(&vehicle.id);
                } else if self.compare.len() >= MAX_COMPARE {
                    return Err(VisitError::CompareFull);
                } else {
                    self.compare.push(vehicle);
                }
            }
            Action::RemoveFromCompare(id) => self.remove(&id),
        }
        Ok(())
    }

    pub fn is_compared(&self, id: &str) -> bool {
        self.compare.iter().any(|v| v.id == id)
    }

    fn remove(&mut self, id: &str) {
        self.compare.retain(|v| v.id != id);
        // A comparison of one car is just that car; go back to the list rather than show it.
        if self.screen == Screen::Compare && self.compare.len() < 2 {
            self.screen = Screen::Browse;
        }
    }
}

/// How close the visit is to being reset, from the time since the last interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdlePhase {
    Active,
    /// "Still there?" is on screen; the visit resets in `seconds_left`.
    Warning {
        seconds_left: u64,
    },
    Expired,
}

/// The idle clock of a visit, in milliseconds of a monotonic clock (`performance.now()`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleClock {
    timeout: Duration,
    last_interaction_ms: f64,
}

impl IdleClock {
    pub fn new(timeout: Duration, now_ms: f64) -> Self {
        Self { timeout, last_interaction_ms: now_ms }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn touch(&mut self, now_ms: f64) {
        // Timer and event timestamps can arrive out of order; time never runs backwards here.
        self.last_interaction_ms = self.last_interaction_ms.max(now_ms);
    }

    pub fn phase(&self, now_ms: f64) -> IdlePhase {
        let idle_ms = (now_ms - self.last_interaction_ms).max(0.0);
        let timeout_ms = self.timeout.as_secs_f64() * 1000.0;
        if idle_ms >= timeout_ms {
            return IdlePhase::Expired;
        }
        // A short (test) timeout warns during its last third, a real one for IDLE_WARNING.
        let warning_ms = (IDLE_WARNING.as_secs_f64() * 1000.0).min(timeout_ms / 3.0);
        let left_ms = timeout_ms - idle_ms;
        if left_ms <= warning_ms {
            IdlePhase::Warning { seconds_left: (left_ms / 1000.0).ceil() as u64 }
        } else {
            IdlePhase::Active
        }
    }
}

/// The idle timeout of this kiosk. `requested` (the `idle` URL parameter, in seconds) is honoured
/// only when `test_hooks_allowed` (the app runs on a loopback origin: dev and the e2e tests), so
/// a deployed kiosk always waits the full 90 s whatever its URL says.
pub fn idle_timeout(requested: Option<&str>, test_hooks_allowed: bool) -> Duration {
    requested
        .filter(|_| test_hooks_allowed)
        .and_then(|s| s.parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).clamp(MIN_TEST_IDLE, IDLE_TIMEOUT))
        .unwrap_or(IDLE_TIMEOUT)
}

/// What became of a message from the kiosk to the showroom (call a rep, check in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Ready,
    Sending,
    /// The edge accepted it.
    Sent,
    /// No connection: it is kept and sent again until it goes through or the visit ends.
    Queued,
    /// This deployment's edge does not offer the service (404): retrying will not help.
    Unavailable,
    /// The edge refused it; the message is for the visitor.
    Refused(String),
}

impl Delivery {
    pub fn after(result: &Result<(), ApiError>) -> Self {
        match result {
            Ok(()) => Self::Sent,
            Err(error) if error.is_offline() => Self::Queued,
            Err(error) if error.is_not_found() => Self::Unavailable,
            // A server error is a blip like a dropped connection: the message is worth resending.
            Err(ApiError::Problem(problem)) if problem.status >= 500 => Self::Queued,
            Err(error) => Self::Refused(error.to_string()),
        }
    }

    /// Whether the message still has to be (re)sent.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Sending | Self::Queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecourt_domain::{Money, Problem, VehicleStatus, Vin};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn car(id: &str) -> Vehicle {
        Vehicle {
            id: id.to_owned(),
            vin: Vin::parse("1M8GDM9AXKP042788").expect("valid VIN"),
            stock_number: format!("FN-{id}"),
            make: "Skoda".into(),
            model: "Octavia".into(),
            year: 2021,
            trim: "Style".into(),
            body: "estate".into(),
            fuel: "diesel".into(),
            mileage_km: 48_200,
            colour: "Moon White".into(),
            price: Money::from_cents(2_499_000),
            features: Vec::new(),
            location_id: "loc-north".into(),
            location_name: "Forecourt North".into(),
            status: VehicleStatus::Available,
            version: 1,
            updated_at: "2025-11-20T09:30:00Z".into(),
        }
    }

    fn visit_comparing(ids: &[&str]) -> Visit {
        let mut visit = Visit::default();
        for id in ids {
            visit.apply(Action::ToggleCompare(car(id))).expect("room to compare");
        }
        visit
    }

    #[wasm_bindgen_test]
    fn a_visit_starts_on_the_stock_list_with_nothing_compared() {
        assert_eq!(Visit::default().screen, Screen::Browse);
        assert!(Visit::default().compare.is_empty());
    }

    #[wasm_bindgen_test]
    fn toggling_a_car_adds_it_then_removes_it() {
        let mut visit = visit_comparing(&["a"]);
        visit.apply(Action::ToggleCompare(car("a"))).expect("toggle");
        assert!(visit.compare.is_empty());
    }

    #[wasm_bindgen_test]
    fn a_fourth_car_is_refused_and_the_three_stay() {
        let mut visit = visit_comparing(&["a", "b", "c"]);
        assert_eq!(visit.apply(Action::ToggleCompare(car("d"))), Err(VisitError::CompareFull));
        let ids: Vec<&str> = visit.compare.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[wasm_bindgen_test]
    fn comparing_needs_two_cars() {
        let mut visit = visit_comparing(&["a"]);
        assert_eq!(visit.apply(Action::Open(Screen::Compare)), Err(VisitError::NothingToCompare));
        assert_eq!(visit.screen, Screen::Browse);
    }

    #[wasm_bindgen_test]
    fn removing_down_to_one_car_leaves_the_comparison() {
        let mut visit = visit_comparing(&["a", "b"]);
        visit.apply(Action::Open(Screen::Compare)).expect("two cars");
        visit.apply(Action::RemoveFromCompare("a".into())).expect("remove");
        assert_eq!(visit.screen, Screen::Browse);
    }

    #[wasm_bindgen_test]
    fn an_untouched_kiosk_stays_active_until_the_warning() {
        let clock = IdleClock::new(IDLE_TIMEOUT, 1_000.0);
        assert_eq!(clock.phase(1_000.0 + 74_999.0), IdlePhase::Active);
    }

    #[wasm_bindgen_test]
    fn the_last_fifteen_seconds_warn_with_a_countdown() {
        let clock = IdleClock::new(IDLE_TIMEOUT, 0.0);
        assert_eq!(clock.phase(75_000.0), IdlePhase::Warning { seconds_left: 15 });
        assert_eq!(clock.phase(89_100.0), IdlePhase::Warning { seconds_left: 1 });
    }

    #[wasm_bindgen_test]
    fn ninety_seconds_without_a_touch_expire_the_visit() {
        let clock = IdleClock::new(IDLE_TIMEOUT, 0.0);
        assert_eq!(clock.phase(90_000.0), IdlePhase::Expired);
    }

    #[wasm_bindgen_test]
    fn a_touch_restarts_the_idle_time() {
        let mut clock = IdleClock::new(IDLE_TIMEOUT, 0.0);
        clock.touch(80_000.0);
        assert_eq!(clock.phase(150_000.0), IdlePhase::Active);
    }

    #[wasm_bindgen_test]
    fn a_late_event_timestamp_never_moves_the_clock_back() {
        let mut clock = IdleClock::new(IDLE_TIMEOUT, 50_000.0);
        clock.touch(10_000.0);
        assert_eq!(clock.phase(139_000.0), IdlePhase::Warning { seconds_left: 1 });
    }

    #[wasm_bindgen_test]
    fn a_short_test_timeout_warns_in_its_last_third() {
        let clock = IdleClock::new(Duration::from_secs(9), 0.0);
        assert_eq!(clock.phase(5_900.0), IdlePhase::Active);
        assert_eq!(clock.phase(6_000.0), IdlePhase::Warning { seconds_left: 3 });
    }

    #[wasm_bindgen_test]
    fn a_deployed_kiosk_ignores_a_shorter_idle_in_its_url() {
        assert_eq!(idle_timeout(Some("3"), false), IDLE_TIMEOUT);
    }

    #[wasm_bindgen_test]
    fn tests_on_a_loopback_origin_may_shorten_the_idle_time() {
        assert_eq!(idle_timeout(Some("3"), true), Duration::from_secs(3));
    }

    #[wasm_bindgen_test]
    fn the_test_idle_time_is_clamped_and_garbage_is_ignored() {
        assert_eq!(idle_timeout(Some("0"), true), MIN_TEST_IDLE);
        assert_eq!(idle_timeout(Some("600"), true), IDLE_TIMEOUT);
        assert_eq!(idle_timeout(Some("soon"), true), IDLE_TIMEOUT);
        assert_eq!(idle_timeout(None, true), IDLE_TIMEOUT);
    }

    #[wasm_bindgen_test]
    fn delivery_follows_the_answer() {
        let problem = |status| Err(ApiError::Problem(Problem::new(status, "x", "Refused")));
        assert_eq!(Delivery::after(&Ok(())), Delivery::Sent);
        assert_eq!(Delivery::after(&Err(ApiError::Offline)), Delivery::Queued);
        assert_eq!(Delivery::after(&problem(404)), Delivery::Unavailable);
        assert_eq!(Delivery::after(&problem(503)), Delivery::Queued);
        assert!(matches!(Delivery::after(&problem(422)), Delivery::Refused(_)));
    }
}
