//! A metric's series with its anomalies marked: each marker is a shape per severity (circle,
//! square, triangle, diamond) carrying the severity's initial, so severity never rests on colour.

use super::svg::{self, escape, open, path, x_axis, y_axis, Scale, BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Index into the series.
    pub index: usize,
    /// info, low, medium, high or critical.
    pub severity: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyChart {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub series: Vec<(String, f64)>,
    pub markers: Vec<Marker>,
}

fn style(severity: &str) -> (&'static str, &'static str) {
    match severity {
        "critical" => ("#b00020", "C"),
        "high" => ("#d95f02", "H"),
        "medium" => ("#b8860b", "M"),
        "low" => ("#1b7837", "L"),
        _ => ("#4a4a4a", "I"),
    }
}

fn shape(severity: &str, x: f64, y: f64) -> String {
    let r = 7.0;
    match severity {
        "critical" => {
            format!("<path d=\"M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z\"", y - r, x + r, y + r, x - r, y + r)
        }
        "high" => {
            format!("<path d=\"M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} Z\"", y - r, x + r, y + r, x - r)
        }
        "medium" => {
            format!("<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"", x - r, y - r, 2.0 * r, 2.0 * r)
        }
        _ => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\""),
    }
}

pub fn describe(chart: &AnomalyChart) -> String {
    if chart.series.is_empty() {
        return "No data to show yet.".to_owned();
    }
    let listed: Vec<String> = chart
        .markers
        .iter()
        .filter_map(|m| {
            chart.series.get(m.index).map(|(at, v)| format!("{} on {at} ({})", m.severity, svg::number(*v)))
        })
        .collect();
    format!(
        "{} values from {} to {}; {} anomalies{}",
        chart.series.len(),
        chart.series[0].0,
        chart.series[chart.series.len() - 1].0,
        listed.len(),
        if listed.is_empty() { ".".to_owned() } else { format!(": {}.", listed.join("; ")) }
    )
}

pub fn render(chart: &AnomalyChart) -> String {
    let mut out = String::new();
    open(&mut out, &chart.id, &chart.title, &describe(chart));
    if chart.series.is_empty() {
        out.push_str("</svg>");
        return out;
    }
    let (lo, hi) =
        chart.series.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| (lo.min(*v), hi.max(*v)));
    let x = Scale::new(0.0, (chart.series.len() - 1).max(1) as f64, LEFT, WIDTH - RIGHT);
    let y = Scale::new(lo.min(0.0), hi, HEIGHT - BOTTOM, TOP);
    y_axis(&mut out, &y, &chart.unit);
    let labels: Vec<String> = chart.series.iter().map(|(l, _)| l.clone()).collect();
    x_axis(&mut out, &x, &labels, "Day");
    let line: Vec<(f64, f64)> = chart.series.iter().enumerate().map(|(i, (_, v))| (x.at(i as f64), y.at(*v))).collect();
    let _ = write!(
        out,
        "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\"/>",
        path(&line)
    );
    for marker in &chart.markers {
        let Some(((at, value), (px, py))) = chart.series.get(marker.index).zip(line.get(marker.index)) else {
            continue;
        };
        let (colour, letter) = style(&marker.severity);
        let _ = write!(
            out,
            "<g class=\"anomaly-marker severity-{}\">{} fill=\"{colour}\" stroke=\"#fff\"/>\
             <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#fff\" font-weight=\"bold\">{letter}</text>\
             <title>{} anomaly on {}: {} ({})</title></g>",
            escape(&marker.severity),
            shape(&marker.severity, *px, *py),
            py + 3.0,
            escape(&marker.severity),
            escape(at),
            svg::number(*value),
            escape(&marker.note)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> AnomalyChart {
        AnomalyChart {
            id: "daily-sales".into(),
            title: "Daily sales, North".into(),
            unit: "Cars sold".into(),
            series: (0..10).map(|i| (format!("2026-08-{:02}", i + 14), if i == 5 { 0.0 } else { 4.0 })).collect(),
            markers: vec![Marker { index: 5, severity: "critical".into(), note: "showroom refurbishment".into() }],
        }
    }

    #[test]
    fn markers_carry_shape_letter_and_text_not_just_colour() {
        let svg = render(&chart());
        assert_eq!(svg.matches("class=\"anomaly-marker severity-critical\"").count(), 1);
        assert!(svg.contains(">C</text>"));
        assert!(svg.contains("<title>critical anomaly on 2026-08-19: 0 (showroom refurbishment)</title>"));
    }

    #[test]
    fn the_description_lists_the_anomalies() {
        assert_eq!(
            describe(&chart()),
            "10 values from 2026-08-14 to 2026-08-23; 1 anomalies: critical on 2026-08-19 (0)."
        );
    }

    #[test]
    fn markers_outside_the_series_are_skipped() {
        let mut c = chart();
        c.markers.push(Marker { index: 99, severity: "low".into(), note: String::new() });
        assert_eq!(render(&c).matches("anomaly-marker").count(), 1);
    }
}
