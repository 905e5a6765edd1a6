//! A forecast against actuals: the recent history as a solid line with round markers, the
//! forecast as a dashed line, and its 80 % and 95 % prediction intervals as nested bands.

use super::svg::{self, escape, open, path, x_axis, y_axis, Scale, BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub label: String,
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastChart {
    pub id: String,
    pub title: String,
    /// What the y axis measures ("Cars sold per week").
    pub unit: String,
    pub actuals: Vec<(String, f64)>,
    pub forecast: Vec<Band>,
}

/// The chart's text alternative: what a screen reader says instead of the picture.
pub fn describe(chart: &ForecastChart) -> String {
    let next = chart.forecast.first();
    let last = chart.actuals.last();
    match (last, next) {
        (Some((at, value)), Some(band)) => format!(
            "{} actual values up to {at} (last {}), then a forecast of {} values starting {} at {} \
             (80 % interval {} to {}, 95 % interval {} to {}).",
            chart.actuals.len(),
            svg::number(*value),
            chart.forecast.len(),
            band.label,
            svg::number(band.forecast),
            svg::number(band.lo80),
            svg::number(band.hi80),
            svg::number(band.lo95),
            svg::number(band.hi95),
        ),
        _ => "No data to show yet.".to_owned(),
    }
}

pub fn render(chart: &ForecastChart) -> String {
    let mut out = String::new();
    open(&mut out, &chart.id, &chart.title, &describe(chart));
    let n = chart.actuals.len() + chart.forecast.len();
    if n == 0 {
        out.push_str("</svg>");
        return out;
    }
    let values = chart.actuals.iter().map(|(_, v)| *v).chain(chart.forecast.iter().flat_map(|b| [b.lo95, b.hi95]));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let x = Scale::new(0.0, (n - 1).max(1) as f64, LEFT, WIDTH - RIGHT);
    let y = Scale::new(lo.min(0.0), hi, HEIGHT - BOTTOM, TOP);
    y_axis(&mut out, &y, &chart.unit);
    let labels: Vec<String> =
        chart.actuals.iter().map(|(l, _)| l.clone()).chain(chart.forecast.iter().map(|b| b.label.clone())).collect();
    x_axis(&mut out, &x, &labels, "Period");

    let offset = chart.actuals.len();
    let band = |lower: fn(&Band) -> f64, upper: fn(&Band) -> f64| {
        let top: Vec<(f64, f64)> =
            chart.forecast.iter().enumerate().map(|(i, b)| (x.at((offset + i) as f64), y.at(upper(b)))).collect();
        let bottom: Vec<(f64, f64)> =
            chart.forecast.iter().enumerate().rev().map(|(i, b)| (x.at((offset + i) as f64), y.at(lower(b)))).collect();
        let mut d = path(&top.into_iter().chain(bottom).collect::<Vec<_>>());
        d.push_str(" Z");
        d
    };
    if !chart.forecast.is_empty() {
        let _ = write!(
            out,
            "<path class=\"band band-95\" d=\"{}\" fill=\"#1f77b4\" fill-opacity=\"0.15\"><title>95 % prediction interval</title></path>\
             <path class=\"band band-80\" d=\"{}\" fill=\"#1f77b4\" fill-opacity=\"0.3\"><title>80 % prediction interval</title></path>",
            band(|b| b.lo95, |b| b.hi95),
            band(|b| b.lo80, |b| b.hi80)
        );
        // The forecast line starts at the last actual so the two read as one story.
        let start = chart.actuals.last().map(|(_, v)| (x.at((offset - 1) as f64), y.at(*v)));
        let line: Vec<(f64, f64)> = start
            .into_iter()
            .chain(chart.forecast.iter().enumerate().map(|(i, b)| (x.at((offset + i) as f64), y.at(b.forecast))))
            .collect();
        let _ = write!(
            out,
            "<path class=\"forecast\" d=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
            path(&line)
        );
    }
    if !chart.actuals.is_empty() {
        let line: Vec<(f64, f64)> =
            chart.actuals.iter().enumerate().map(|(i, (_, v))| (x.at(i as f64), y.at(*v))).collect();
        let _ = write!(
            out,
            "<path class=\"actual\" d=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/>",
            path(&line)
        );
        for ((label, value), (px, py)) in chart.actuals.iter().zip(&line) {
            let _ = write!(
                out,
                "<circle class=\"actual-point\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.5\" fill=\"#222\"><title>{}: {}</title></circle>",
                escape(label),
                svg::number(*value)
            );
        }
    }
    legend(&mut out);
    out.push_str("</svg>");
    out
}

fn legend(out: &mut String) {
    let y = TOP - 10.0;
    let _ = write!(
        out,
        "<g class=\"legend\" font-size=\"11\">\
         <line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#222\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\">Actual</text>\
         <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{:.1}\" y=\"{:.1}\">Forecast</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"18\" height=\"8\" fill=\"#1f77b4\" fill-opacity=\"0.3\"/><text x=\"{:.1}\" y=\"{:.1}\">80 % interval</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"18\" height=\"8\" fill=\"#1f77b4\" fill-opacity=\"0.15\"/><text x=\"{:.1}\" y=\"{:.1}\">95 % interval</text></g>",
        LEFT + 18.0,
        LEFT + 22.0,
        y + 4.0,
        LEFT + 90.0,
        LEFT + 108.0,
        LEFT + 112.0,
        y + 4.0,
        LEFT + 190.0,
        y - 4.0,
        LEFT + 212.0,
        y + 4.0,
        LEFT + 300.0,
        y - 4.0,
        LEFT + 322.0,
        y + 4.0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> ForecastChart {
        ForecastChart {
            id: "sales".into(),
            title: "Weekly sales, North".into(),
            unit: "Cars sold per week".into(),
            actuals: vec![("2026-10-05".into(), 10.0), ("2026-10-12".into(), 12.0), ("2026-10-19".into(), 11.0)],
            forecast: vec![
                Band { label: "2026-10-26".into(), forecast: 11.5, lo80: 9.0, hi80: 14.0, lo95: 7.5, hi95: 15.5 },
                Band { label: "2026-11-02".into(), forecast: 12.0, lo80: 8.5, hi80: 15.0, lo95: 6.5, hi95: 17.0 },
            ],
        }
    }

    #[test]
    fn the_chart_is_labelled_for_assistive_technology() {
        let svg = render(&chart());
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby=\"sales-title sales-desc\""));
        assert!(svg.contains("<title id=\"sales-title\">Weekly sales, North</title>"));
        assert!(svg.contains("then a forecast of 2 values starting 2026-10-26 at 11.5"));
        assert!(svg.contains("Cars sold per week") && svg.contains(">Period</text>"));
    }

    #[test]
    fn bands_and_lines_are_told_apart_without_colour() {
        let svg = render(&chart());
        assert!(svg.contains("class=\"band band-95\"") && svg.contains("class=\"band band-80\""));
        assert!(svg.contains("stroke-dasharray=\"6 4\""), "the forecast is dashed");
        assert_eq!(svg.matches("class=\"actual-point\"").count(), 3);
        assert!(svg.contains(">80 % interval</text>") && svg.contains(">95 % interval</text>"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let empty = ForecastChart { actuals: vec![], forecast: vec![], ..chart() };
        let svg = render(&empty);
        assert!(svg.contains("No data to show yet.") && svg.ends_with("</svg>"));
    }

    #[test]
    fn hostile_labels_cannot_inject_markup() {
        let mut c = chart();
        c.title = "<script>alert(1)</script>".into();
        assert!(!render(&c).contains("<script>"));
    }
}
