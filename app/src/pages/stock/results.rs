//! The stock list for one query: saved copy first, then the network's (stale-while-revalidate).

use super::card::VehicleCard;
use crate::api::{self, ApiError};
use crate::shell::{OfflineBanner, SavedNotice};
use crate::store;
use forecourt_domain::{Cursor, StockPage, StockQuery, Vehicle};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where the first page on screen came from, which decides the notice above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Network,
    /// Saved copy on screen while the network copy is on its way.
    SavedRevalidating,
    SavedOffline,
    /// The edge answered with an error; the saved copy beats an error page.
    SavedAfterError,
}

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Page(StockPage, Origin),
    Failed(ApiError),
}

/// `fresh`/`saved` are `None` while still loading.
fn decide(fresh: Option<Result<StockPage, ApiError>>, saved: Option<Option<StockPage>>) -> Shown {
    match (fresh, saved) {
        (Some(Ok(page)), _) => Shown::Page(page, Origin::Network),
        (Some(Err(error)), Some(Some(page))) => {
            Shown::Page(page, if error.is_offline() { Origin::SavedOffline } else { Origin::SavedAfterError })
        }
        (Some(Err(error)), Some(None)) => Shown::Failed(error),
        (None, Some(Some(page))) => Shown::Page(page, Origin::SavedRevalidating),
        // Nothing to show yet: waiting on the network, or on the saved copy before judging an error.
        (None, _) | (Some(Err(_)), None) => Shown::Loading,
    }
}

#[component]
pub fn StockResults(query: StockQuery) -> impl IntoView {
    let saved = {
        let query = query.clone();
        LocalResource::new(move || {
            let query = query.clone();
            async move { store::saved_stock_page(&query).await }
        })
    };
    let fresh = {
        let query = query.clone();
        LocalResource::new(move || {
            let query = query.clone();
            async move { api::stock(&query).await }
        })
    };
    {
        let query = query.clone();
        Effect::new(move |_| {
            if let Some(Ok(page)) = fresh.get() {
                let query = query.clone();
                spawn_local(async move { store::remember_stock_page(&query, &page).await });
            }
        });
    }
    let shown = Memo::new(move |_| decide(fresh.get(), saved.get()));

    // Pages fetched through "Load more", appended under the first page.
    let more = RwSignal::new(Vec::<Vehicle>::new());
    let more_cursor = RwSignal::new(None::<Option<Cursor>>);
    let loading_more = RwSignal::new(false);
    let more_error = RwSignal::new(None::<String>);

    let items = Memo::new(move |_| {
        let mut items = shown.with(|s| match s {
            Shown::Page(page, _) => page.items.clone(),
            _ => Vec::new(),
        });
        items.extend(more.get());
        items
    });
    let next_cursor = move || {
        more_cursor.get().unwrap_or_else(|| {
            shown.with(|s| match s {
                Shown::Page(page, _) => page.next_cursor.clone(),
                _ => None,
            })
        })
    };
    // Stored so the handler is `Copy` and can live inside the `<Show>`s below.
    let base_query = StoredValue::new(query);
    let load_more = move |_: leptos::ev::MouseEvent| {
        let Some(cursor) = next_cursor() else { return };
        let next = StockQuery { cursor: Some(cursor), ..base_query.get_value() };
        loading_more.set(true);
        more_error.set(None);
        spawn_local(async move {
            // try_*: the person may have changed filters (unmounting this list) meanwhile.
            match load_page(&next).await {
                Ok(page) => {
                    more.try_update(|items| items.extend(page.items));
                    more_cursor.try_set(Some(page.next_cursor));
                }
                Err(error) => {
                    more_error.try_set(Some(error.to_string()));
                }
            }
            loading_more.try_set(false);
        });
    };

    view! {
        {move || match shown.get() {
            Shown::Page(_, Origin::SavedOffline) => {
                view! { <OfflineBanner message="Offline — showing saved stock"/> }.into_any()
            }
            Shown::Page(_, Origin::SavedAfterError) => {
                view! { <OfflineBanner message="Stock could not be refreshed — showing saved stock"/> }.into_any()
            }
            Shown::Page(_, Origin::SavedRevalidating) => view! { <SavedNotice/> }.into_any(),
            _ => ().into_any(),
        }}
        {move || match shown.get() {
            Shown::Loading => view! { <p class="loading" role="status">"Loading stock…"</p> }.into_any(),
            Shown::Failed(error) => view! { <LoadFailed error=error on_retry=move || fresh.refetch()/> }.into_any(),
            Shown::Page(..) => ().into_any(),
        }}
        <Show when=move || matches!(shown.get(), Shown::Page(..))>
            <p class="result-count" aria-live="polite">{move || count_label(items.with(Vec::len), next_cursor().is_some())}</p>
            <ul class="stock-grid" data-testid="stock-list">
                <For each=move || items.get() key=|v| (v.id.clone(), v.version) let:vehicle>
                    <VehicleCard vehicle=vehicle/>
                </For>
            </ul>
            <Show when=move || items.with(Vec::is_empty)>
                <p class="empty">"No vehicles match these filters."</p>
            </Show>
            <Show when=move || next_cursor().is_some()>
                <div class="load-more">
                    <button type="button" on:click=load_more disabled=move || loading_more.get()>
                        {move || if loading_more.get() { "Loading…" } else { "Load more" }}
                    </button>
                </div>
            </Show>
            {move || more_error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </Show>
    }
}

/// The network's page when there is one (saving it), else the copy saved on this device.
async fn load_page(query: &StockQuery) -> Result<StockPage, ApiError> {
    match api::stock(query).await {
        Ok(page) => {
            store::remember_stock_page(query, &page).await;
            Ok(page)
        }
        Err(error) => store::saved_stock_page(query).await.ok_or(error),
    }
}

fn count_label(count: usize, more: bool) -> String {
    match (count, more) {
        (1, false) => "1 vehicle".to_owned(),
        (n, false) => format!("{n} vehicles"),
        (n, true) => format!("Showing {n} vehicles"),
    }
}

#[component]
fn LoadFailed(error: ApiError, on_retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let message = if error.is_offline() {
        "You are offline and no stock has been saved on this device yet.".to_owned()
    } else {
        format!("Stock could not be loaded: {error}")
    };
    view! {
        <div class="error-panel" role="alert">
            <p>{message}</p>
            <button type="button" on:click=move |_| on_retry()>"Try again"</button>
        </div>
    }
}
