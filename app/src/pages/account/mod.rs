//! `/sign-in`: staff and customers sign in; the form says exactly what went wrong.

use crate::api::account::SignInError;
use crate::session::{self, home_of, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (address, secret) = (email.get_untracked().trim().to_owned(), password.get_untracked());
        if address.is_empty() || secret.is_empty() {
            error.set(Some("Enter your email address and your password.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        // Only a path on this site: `next` must never send someone elsewhere after signing in.
        let next = query.with_untracked(|q| q.get("next")).filter(|n| n.starts_with('/') && !n.starts_with("//"));
        spawn_local(async move {
            match session::sign_in(&address, &secret).await {
                Ok(profile) => {
                    password.try_set(String::new());
                    navigate(next.as_deref().unwrap_or(home_of(profile.role)), Default::default());
                }
                Err(failure) => {
                    error.try_set(Some(message(&failure)));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <Title text="Sign in"/>
        <section class="page narrow sign-in" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">"Sign in"</h1>
            <p class="lede">"Staff and customers: one sign-in for Forecourt."</p>
            {move || session.0.get().map(|p| view! {
                <p class="banner banner-quiet" role="status">{format!("Signed in as {}.", p.name)}</p>
            })}
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="sign-in-email">"Email"</label>
                    <input id="sign-in-email" name="email" type="email" autocomplete="username" required
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        aria-describedby="sign-in-error"/>
                </div>
                <div class="field">
                    <label for="sign-in-password">"Password"</label>
                    <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        aria-describedby="sign-in-error"/>
                </div>
                <p id="sign-in-error" class="form-error" role="alert" data-testid="sign-in-error">
                    {move || error.get()}
                </p>
                <button type="submit" class="button-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

fn message(error: &SignInError) -> String {
    match error {
        SignInError::WrongCredentials => "That email and password do not match an account.".into(),
        SignInError::Throttled(Some(seconds)) => {
            format!("Too many attempts. Try again in {} minute(s).", seconds.div_ceil(60).max(1))
        }
        SignInError::Throttled(None) => "Too many attempts. Try again in a few minutes.".into(),
        SignInError::Other(error) if error.is_offline() => "You are offline. Signing in needs a connection.".into(),
        SignInError::Other(error) => format!("Signing in did not work: {error}"),
    }
}
