//! Small helpers the chart builders share: escaping, linear scales, tick values, the frame.

use std::fmt::Write;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 320.0;
pub const LEFT: f64 = 56.0;
pub const RIGHT: f64 = 16.0;
pub const TOP: f64 = 24.0;
pub const BOTTOM: f64 = 48.0;

/// Text and attribute values are escaped: labels come from data (metric names, factor names).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A linear map from data values to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        // A flat series still gets a visible band around its value.
        let (d0, d1) = if (d1 - d0).abs() < f64::EPSILON { (d0 - 1.0, d1 + 1.0) } else { (d0, d1) };
        Self { d0, d1, r0, r1 }
    }

    pub fn at(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// About `count` round tick values covering `[lo, hi]` (1, 2 or 5 times a power of ten apart).
pub fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / count as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power);
    let start = (lo / step).ceil() * step;
    (0..=count * 2).map(|i| start + i as f64 * step).take_while(|v| *v <= hi + step * 1e-9).collect()
}

/// A short label for a tick value (no trailing zeros).
pub fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Opens an accessible SVG: `role="img"`, labelled by its title and description.
pub fn open(out: &mut String, id: &str, title: &str, desc: &str) {
    let id = escape(id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\"><title id=\"{id}-title\">{}</title>\
         <desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

/// The y axis with ticks, gridlines and its label.
pub fn y_axis(out: &mut String, y: &Scale, label: &str) {
    let (lo, hi) = (y.d0.min(y.d1), y.d0.max(y.d1));
    let _ = write!(out, "<g class=\"axis y-axis\">");
    for t in ticks(lo, hi, 5) {
        let py = y.at(t);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" class=\"grid\" stroke=\"#d0d0d0\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            number(t)
        );
    }
    let _ = write!(
        out,
        "<text transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">{}</text></g>",
        TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        escape(label)
    );
}

/// The x axis: the first, middle and last labels (dates are long), and its label.
pub fn x_axis(out: &mut String, x: &Scale, labels: &[String], label: &str) {
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        out,
        "<g class=\"axis x-axis\"><line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{base}\" y2=\"{base}\" stroke=\"#555\"/>",
        WIDTH - RIGHT
    );
    let n = labels.len();
    let mut shown = vec![0, n / 2, n.saturating_sub(1)];
    shown.dedup();
    for i in shown.into_iter().filter(|i| *i < n) {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            x.at(i as f64),
            base + 16.0,
            escape(&labels[i])
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">{}</text></g>",
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        HEIGHT - 8.0,
        escape(label)
    );
}

/// A polyline path through points.
pub fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = ticks(3.2, 47.9, 5);
        assert!(t.first().is_some_and(|v| *v >= 3.2) && t.last().is_some_and(|v| *v <= 47.9));
        assert!(t.windows(2).all(|w| (w[1] - w[0] - 10.0).abs() < 1e-9));
    }

    #[test]
    fn a_scale_maps_ends_to_ends_even_when_flat() {
        let s = Scale::new(0.0, 10.0, 100.0, 0.0);
        assert_eq!((s.at(0.0), s.at(10.0), s.at(5.0)), (100.0, 0.0, 50.0));
        let flat = Scale::new(3.0, 3.0, 0.0, 100.0);
        assert_eq!(flat.at(3.0), 50.0);
    }
}
