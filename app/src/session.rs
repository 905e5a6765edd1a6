//! Who is signed in, and the tokens that prove it.
//!
//! The access token (15 minutes) lives only in memory: nothing on disk can replay it. The refresh
//! token and the profile are kept in `localStorage`, so an installed app opens signed in, and
//! opens offline as the same person with what they last saw. A `401` refreshes once (refresh
//! tokens rotate: each is spent on use) and repeats the request; a refresh the edge refuses means
//! the session is over, and the app signs out on this device. See docs/decisions.md.

use crate::api::account::{self, Profile, SignInError};
use crate::api::ApiError;
use forecourt_domain::identity::Role;
use forecourt_domain::Problem;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};

const REFRESH_KEY: &str = "forecourt.session.refresh";
const PROFILE_KEY: &str = "forecourt.session.profile";

thread_local! {
    static ACCESS: RefCell<Option<String>> = const { RefCell::new(None) };
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
    static PROFILE: Cell<Option<RwSignal<Option<Profile>>>> = const { Cell::new(None) };
}

/// The signed-in person as a signal (`None` when signed out), for the shell and pages.
#[derive(Debug, Clone, Copy)]
pub struct Session(pub RwSignal<Option<Profile>>);

impl Session {
    pub fn role(&self) -> Option<Role> {
        self.0.with(|p| p.as_ref().map(|p| p.role))
    }
}

/// Restores the session saved on this device and makes it the app's context.
pub fn provide() -> Session {
    let signal = RwSignal::new(saved_profile().filter(|_| storage_get(REFRESH_KEY).is_some()));
    PROFILE.with(|p| p.set(Some(signal)));
    let session = Session(signal);
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| Session(RwSignal::new(None)))
}

/// The signed-in person's profile right now (outside of a reactive context).
pub fn current_profile() -> Option<Profile> {
    PROFILE.with(|p| p.get()).and_then(|signal| signal.get_untracked())
}

fn signed_out() -> ApiError {
    ApiError::Problem(Problem::new(401, "unauthenticated", "Signed out").with_detail("sign in to continue"))
}

/// The access token in memory, if any (for a room's `auth` message, which cannot wait).
pub fn access_token_now() -> Option<String> {
    ACCESS.with(|a| a.borrow().clone())
}

/// An access token: the one in memory, or a fresh one from the saved refresh token.
pub async fn access_token() -> Result<String, ApiError> {
    if let Some(token) = ACCESS.with(|a| a.borrow().clone()) {
        return Ok(token);
    }
    refresh_now().await
}

/// `rejected` got a `401`: refresh once, unless another request already did.
pub async fn refresh_after_401(rejected: &str) -> Result<String, ApiError> {
    let current = ACCESS.with(|a| a.borrow().clone());
    if let Some(token) = current.filter(|t| t != rejected) {
        return Ok(token);
    }
    ACCESS.with(|a| a.borrow_mut().take());
    refresh_now().await
}

/// One refresh at a time: refresh tokens rotate, and spending the same one twice would look like
/// a replay to the edge (which then revokes the whole session).
async fn refresh_now() -> Result<String, ApiError> {
    while REFRESHING.with(Cell::get) {
        gloo_timers::future::TimeoutFuture::new(25).await;
    }
    if let Some(token) = ACCESS.with(|a| a.borrow().clone()) {
        return Ok(token);
    }
    let Some(refresh_token) = storage_get(REFRESH_KEY) else {
        return Err(signed_out());
    };
    REFRESHING.with(|r| r.set(true));
    let result = account::refresh(&refresh_token).await;
    REFRESHING.with(|r| r.set(false));
    match result {
        Ok(tokens) => {
            storage_set(REFRESH_KEY, &tokens.refresh_token);
            ACCESS.with(|a| *a.borrow_mut() = Some(tokens.access_token.clone()));
            Ok(tokens.access_token)
        }
        // Offline: the person stays signed in on this device and works from what is saved.
        Err(ApiError::Offline) => Err(ApiError::Offline),
        Err(ApiError::Problem(problem)) if matches!(problem.status, 400 | 401 | 403) => {
            end_locally();
            Err(ApiError::Problem(problem))
        }
        Err(other) => Err(other),
    }
}

/// Signs in and remembers the session on this device.
pub async fn sign_in(email: &str, password: &str) -> Result<Profile, SignInError> {
    let tokens = account::login(email, password).await?;
    let profile = account::me(&tokens.access_token).await.map_err(SignInError::Other)?;
    storage_set(REFRESH_KEY, &tokens.refresh_token);
    if let Ok(json) = serde_json::to_string(&profile) {
        storage_set(PROFILE_KEY, &json);
    }
    ACCESS.with(|a| *a.borrow_mut() = Some(tokens.access_token));
    if let Some(signal) = PROFILE.with(|p| p.get()) {
        signal.set(Some(profile.clone()));
    }
    Ok(profile)
}

/// Signs out here and revokes the session at the edge (if it can be reached). What the person
/// saved for offline use goes too; changes still waiting to be sent stay, tied to their account,
/// and go out when they next sign in (see docs/decisions.md).
pub async fn sign_out() {
    if let Some(refresh_token) = storage_get(REFRESH_KEY) {
        if let Err(error) = account::logout(&refresh_token).await {
            leptos::logging::warn!("signing out at the edge: {error}");
        }
    }
    end_locally();
    crate::store::forget_personal_data().await;
}

fn end_locally() {
    ACCESS.with(|a| a.borrow_mut().take());
    storage_remove(REFRESH_KEY);
    storage_remove(PROFILE_KEY);
    if let Some(signal) = PROFILE.with(|p| p.get()) {
        signal.set(None);
    }
}

fn saved_profile() -> Option<Profile> {
    storage_get(PROFILE_KEY).and_then(|json| serde_json::from_str(&json).ok())
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

fn storage_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

fn storage_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Where each role starts after signing in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Customer => "/my",
        Role::Sales => "/leads",
        Role::Advisor | Role::Technician | Role::Manager | Role::Admin => "/work-orders",
        Role::Kiosk | Role::Telematics => "/kiosk",
    }
}

impl From<ApiError> for SignInError {
    fn from(error: ApiError) -> Self {
        Self::Other(error)
    }
}
