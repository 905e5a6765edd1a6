//! Charts as clean, accessible SVG: each builder is a pure function from data to an SVG string
//! (tested natively), and [`Chart`] places one on a page.
//!
//! Accessibility: every chart has a `<title>` and `<desc>` (`role="img"`, `aria-labelledby`),
//! labelled axes, and never relies on colour alone: bands differ in opacity *and* are named in the
//! legend, actuals are solid with round markers while forecasts are dashed, anomaly markers are
//! shapes with a severity letter, and negative factor bars are hatched as well as coloured.

pub mod anomalies;
pub mod factors;
pub mod forecast;
mod svg;

use leptos::prelude::*;

/// An SVG produced by one of the builders, in a `<figure>` with a visible caption.
#[component]
pub fn Chart(svg: String, caption: String) -> impl IntoView {
    view! {
        <figure class="chart">
            <div class="chart-svg" inner_html=svg></div>
            <figcaption>{caption}</figcaption>
        </figure>
    }
}
