//! `/stock`: every vehicle of every location, filtered through the URL so a search can be shared.

mod card;
mod filters;
mod results;

use filters::Filters;
use forecourt_domain::StockQuery;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use results::StockResults;

#[component]
pub fn StockPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| {
            let make = p.get("make").unwrap_or_default();
            let location = p.get("location").unwrap_or_default();
            // Only the filters are taken from the URL: foreign parameters (campaign tags) must not
            // break the page, and a hand-edited filter that fails validation means "no filter".
            StockQuery::from_pairs([("make", make.as_str()), ("location", location.as_str())])
                .unwrap_or_else(|_| StockQuery { limit: StockQuery::DEFAULT_LIMIT, ..StockQuery::default() })
        })
    });

    view! {
        <Title text="Stock"/>
        <section class="page" aria-labelledby="stock-heading">
            <div class="page-head">
                <h1 id="stock-heading">"Our stock"</h1>
                <p class="lede">"Every car at every Forecourt location, in one place."</p>
            </div>
            <Filters query=query/>
            // Each query gets its own results (and its own saved copy); switching filters starts fresh.
            {move || view! { <StockResults query=query.get()/> }}
        </section>
    }
}
