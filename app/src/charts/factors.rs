//! Lead-score factors as horizontal bars around zero: what pushed the probability up (solid, to
//! the right) or down (hatched, to the left), each with its signed value written next to it.

use super::svg::{escape, open, WIDTH};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub name: String,
    /// Contribution to the log-odds (or the probability): positive raises the score.
    pub contribution: f64,
}

const ROW: f64 = 26.0;
const LABEL_WIDTH: f64 = 200.0;

pub fn describe(title: &str, factors: &[Factor]) -> String {
    if factors.is_empty() {
        return "No factors to show.".to_owned();
    }
    let parts: Vec<String> = factors.iter().map(|f| format!("{} {:+.2}", f.name, f.contribution)).collect();
    format!("{title}: {}.", parts.join(", "))
}

pub fn render(id: &str, title: &str, factors: &[Factor]) -> String {
    let height = 40.0 + ROW * factors.len() as f64;
    let mut out = String::new();
    open(&mut out, id, title, &describe(title, factors));
    // The builders share a fixed view box; this chart grows with its rows instead.
    out = out.replacen("viewBox=\"0 0 640 320\"", &format!("viewBox=\"0 0 {WIDTH} {height}\""), 1);
    let max = factors.iter().map(|f| f.contribution.abs()).fold(0.0, f64::max).max(1e-9);
    let zero = LABEL_WIDTH + (WIDTH - LABEL_WIDTH - 60.0) / 2.0;
    let half = (WIDTH - LABEL_WIDTH - 60.0) / 2.0;
    let _ = write!(
        out,
        "<defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#fbe3e3\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b00020\" stroke-width=\"2\"/></pattern></defs>\
         <line x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"8\" y2=\"{:.1}\" stroke=\"#555\"/>\
         <text x=\"{zero:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" class=\"axis-label\">Effect on the score (left lowers, right raises)</text>",
        height - 24.0,
        height - 8.0,
        id = escape(id)
    );
    for (i, factor) in factors.iter().enumerate() {
        let y = 10.0 + ROW * i as f64;
        let width = factor.contribution.abs() / max * half;
        let (x, fill, anchor, text_x) = if factor.contribution >= 0.0 {
            (zero, "#1b7837".to_owned(), "start", zero + width + 4.0)
        } else {
            (zero - width, format!("url(#{}-hatch)", escape(id)), "end", zero - width - 4.0)
        };
        let _ = write!(
            out,
            "<g class=\"factor {}\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{}</text>\
             <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.5\"/>\
             <text x=\"{text_x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"11\">{:+.2}</text></g>",
            if factor.contribution >= 0.0 { "raises" } else { "lowers" },
            LABEL_WIDTH - 8.0,
            y + 14.0,
            escape(&factor.name),
            ROW - 8.0,
            y + 14.0,
            factor.contribution
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors() -> Vec<Factor> {
        vec![
            Factor { name: "Source: referral".into(), contribution: 0.8 },
            Factor { name: "Timeframe: browsing".into(), contribution: -1.2 },
        ]
    }

    #[test]
    fn each_factor_has_a_bar_a_name_and_its_signed_value() {
        let svg = render("lead-1", "Why this lead scores 0.42", &factors());
        assert_eq!(svg.matches("class=\"factor raises\"").count(), 1);
        assert_eq!(svg.matches("class=\"factor lowers\"").count(), 1);
        assert!(svg.contains(">+0.80</text>") && svg.contains(">-1.20</text>"));
        assert!(svg.contains("Source: referral"));
    }

    #[test]
    fn negative_factors_are_hatched_not_only_red() {
        let svg = render("lead-1", "Why", &factors());
        assert!(svg.contains("fill=\"url(#lead-1-hatch)\""));
    }

    #[test]
    fn the_description_reads_the_factors_out() {
        assert_eq!(describe("Why", &factors()), "Why: Source: referral +0.80, Timeframe: browsing -1.20.");
    }
}
