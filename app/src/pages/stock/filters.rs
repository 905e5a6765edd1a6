//! Make and location filters, reflected in the URL.

use forecourt_domain::StockQuery;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use send_wrapper::SendWrapper;

/// How long filter changes settle before they search (the brief's 250 ms).
const FILTER_DEBOUNCE_MS: u32 = 250;

/// The group's showrooms. Until the edge serves a locations list this mirrors its demo data.
pub const LOCATIONS: [(&str, &str); 3] =
    [("loc-north", "Forecourt North"), ("loc-city", "Forecourt City"), ("loc-south", "Forecourt South")];

/// Makes the group sells. Until the edge serves the reference tree of makes, a fixed list; a make
/// arriving in a shared link is still offered so the select never hides the active filter.
pub const MAKES: [&str; 14] = [
    "Audi",
    "BMW",
    "Ford",
    "Hyundai",
    "Kia",
    "Mercedes-Benz",
    "Opel",
    "Peugeot",
    "Renault",
    "Skoda",
    "Tesla",
    "Toyota",
    "Volkswagen",
    "Volvo",
];

#[component]
pub fn Filters(query: Memo<StockQuery>) -> impl IntoView {
    let navigate = use_navigate();
    // Filters settle for 250 ms before the URL (and so the search) changes: a person stepping
    // through a select with the arrow keys runs one search, not one per step.
    let pending: StoredValue<Option<SendWrapper<Timeout>>> = StoredValue::new(None);
    let draft = RwSignal::new(None::<StockQuery>);
    let apply = move |change: &dyn Fn(&mut StockQuery)| {
        let mut next = draft.get_untracked().unwrap_or_else(|| query.get_untracked());
        change(&mut next);
        next.cursor = None;
        draft.set(Some(next.clone()));
        let qs = next.to_query_string();
        let url = if qs.is_empty() { "/stock".to_owned() } else { format!("/stock?{qs}") };
        let navigate = navigate.clone();
        let timeout = Timeout::new(FILTER_DEBOUNCE_MS, move || {
            draft.try_set(None);
            navigate(&url, NavigateOptions { scroll: false, ..Default::default() });
        });
        // Replacing the pending timeout cancels it (gloo's Timeout cancels on drop).
        pending.set_value(Some(SendWrapper::new(timeout)));
    };
    let set_make = {
        let apply = apply.clone();
        move |ev| {
            let value = event_target_value(&ev);
            apply(&|q: &mut StockQuery| q.make = (!value.is_empty()).then(|| value.clone()));
        }
    };
    let set_location = move |ev| {
        let value = event_target_value(&ev);
        apply(&|q: &mut StockQuery| q.location_id = (!value.is_empty()).then(|| value.clone()));
    };

    let makes = move || {
        let current = query.with(|q| q.make.clone());
        let mut makes: Vec<String> = MAKES.iter().map(|m| (*m).to_owned()).collect();
        if let Some(current) = current.filter(|c| !makes.contains(c)) {
            makes.push(current);
        }
        makes
    };
    let filtered = move || query.with(|q| q.make.is_some() || q.location_id.is_some());

    view! {
        <form class="filters" role="search" aria-label="Filter stock" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-make">"Make"</label>
                <select id="filter-make" name="make" on:change=set_make>
                    <option value="" selected=move || query.with(|q| q.make.is_none())>"All makes"</option>
                    {move || {
                        makes()
                            .into_iter()
                            .map(|make| {
                                let selected = query.with(|q| q.make.as_deref() == Some(make.as_str()));
                                view! { <option value=make.clone() selected=selected>{make.clone()}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </div>
            <div class="field">
                <label for="filter-location">"Location"</label>
                <select id="filter-location" name="location" on:change=set_location>
                    <option value="" selected=move || query.with(|q| q.location_id.is_none())>"All locations"</option>
                    {LOCATIONS
                        .into_iter()
                        .map(|(id, name)| {
                            let selected = move || query.with(|q| q.location_id.as_deref() == Some(id));
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <Show when=filtered>
                <A href="/stock" attr:class="clear-filters">"Clear filters"</A>
            </Show>
        </form>
    }
}
