//! The report as one self-contained, printable HTML page: inline CSS, inline SVG bars,
//! no script, no external asset, every text escaped.

use std::fmt::Write;

use super::pdf::PALETTE;
use crate::domain::reports::{ReportData, decimal, format_number};

/// `text` safe in HTML text and in quoted attribute values.
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

fn colour(i: usize) -> String {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    let byte = |v: f32| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

const STYLE: &str = "\
:root{color-scheme:light}\
body{font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1a1a1f;margin:0;background:#fff}\
main{max-width:1060px;margin:0 auto;padding:24px 28px}\
h1{font-size:22px;margin:0 0 2px}h2{font-size:16px;margin:26px 0 8px;border-bottom:1px solid #d5dbe5;padding-bottom:3px}\
.subtitle{font-size:16px;font-weight:600;margin:0 0 12px}\
table{border-collapse:collapse;width:100%;margin:4px 0 8px}\
th,td{text-align:left;vertical-align:top;padding:3px 6px;border-bottom:1px solid #e3e7ee;overflow-wrap:anywhere}\
th{background:#dde4f0;font-weight:600}\
tbody tr:nth-child(even){background:#f6f8fa}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
table.kv th{width:190px;background:none;border-bottom:1px solid #e3e7ee}\
table.identity{width:100%}table.identity th{width:140px}\
.note{background:#fff6dd;border-left:4px solid #e0a800;padding:6px 10px;margin:6px 0}\
.decision{border:2px solid #2a6f3e;padding:4px 12px 8px;margin:14px 0;background:#f3faf5}\
.pts{color:#444;white-space:nowrap}.ev{font-size:11px;color:#555}\
.ev-verified{color:#1d6b33}.ev-self-declared{color:#8a5a00}.ev-expired{color:#a32020}\
.near{font-size:11px;background:#e9eefc;border-radius:3px;padding:0 4px;white-space:nowrap}\
.legend span{display:inline-block;margin:0 14px 4px 0;white-space:nowrap}\
.chart td.bar{width:62%}.chart svg{display:block;width:100%;height:14px}\
.wide{overflow-x:auto}\
ul.reasons{margin:0;padding-left:16px}\
footer{margin-top:24px;font-size:11px;color:#555}\
@page{size:A4;margin:12mm}\
@media print{main{padding:0;max-width:none}body{font-size:10.5px}h2{break-after:avoid}tr,.decision{break-inside:avoid}.wide{overflow:visible}}";

/// The page. Like the PDF, it depends on the shortlist and the stored quotes only.
pub fn html(data: &ReportData) -> String {
    let mut o = String::with_capacity(32 * 1024 + 2048 * data.ranked.len());
    let e = escape;
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"cdmx\">\
         <title>CDMO shortlist report: {}</title><style>{STYLE}</style></head><body><main>\n",
        e(&data.title)
    );
    let _ = write!(
        o,
        "<header><h1>CDMO shortlist: procurement report</h1><p class=\"subtitle\">{}</p>\
         <table class=\"kv identity\"><tbody>",
        e(&data.title)
    );
    for (label, value) in data.identity() {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", e(label), e(&value));
    }
    let _ = writeln!(o, "</tbody></table><p>{}</p></header>", e(&data.counts()));

    if let Some(decision) = &data.decision {
        o.push_str("<section class=\"decision\"><h2>Decision</h2><table class=\"kv\"><tbody>");
        for (label, value) in decision.lines() {
            let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", e(label), e(&value));
        }
        o.push_str("</tbody></table></section>\n");
    }

    o.push_str("<section><h2>Requirement set</h2><table class=\"kv\"><tbody>");
    for line in &data.requirements {
        let _ = write!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            e(&line.label),
            e(&line.text)
        );
    }
    o.push_str("</tbody></table></section>\n");

    o.push_str(
        "<section><h2>Weighted criteria</h2><table><thead><tr><th>Criterion</th>\
         <th>Measures</th><th>Fixed scale</th><th class=\"num\">Weight</th>\
         <th>If not disclosed</th></tr></thead><tbody>",
    );
    for c in &data.criteria {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{} %</td><td>{}</td></tr>",
            e(c.label),
            e(&c.measures),
            e(&c.scale),
            format_number(c.weight * 100.0, 1),
            e(&c.missing_text)
        );
    }
    o.push_str("</tbody></table></section>\n");

    o.push_str("<section><h2>Ranking</h2>");
    if let Some(note) = &data.ranked_note {
        let _ = write!(o, "<p class=\"note\">{}</p>", e(note));
    }
    if data.ranked.is_empty() {
        o.push_str("<p>No CDMO passed every hard constraint.</p>");
    } else {
        o.push_str(
            "<table><thead><tr><th class=\"num\">Rank</th><th>CDMO</th><th>Countries</th>\
             <th class=\"num\">Total (0-100)</th><th class=\"num\">Evidence confidence</th>\
             <th>Organisation</th><th class=\"num\">Profile revision</th></tr></thead><tbody>",
        );
        for r in &data.ranked {
            let _ = write!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{} %</td><td>{}</td><td class=\"num\">{}</td></tr>",
                r.rank,
                e(&r.name),
                e(&r.countries),
                decimal(r.total, 2),
                format_number(r.evidence_confidence * 100.0, 0),
                if r.verified {
                    "verified"
                } else {
                    "not verified"
                },
                r.revision
            );
        }
        o.push_str("</tbody></table>");
    }
    let _ = writeln!(
        o,
        "<h3>Robustness</h3><p>{}</p></section>",
        e(data
            .robustness
            .as_deref()
            .unwrap_or("Fewer than two candidates: no comparison."))
    );

    if !data.ranked.is_empty() {
        o.push_str(
            "<section><h2>Contributions to each total, by criterion</h2><p class=\"legend\">",
        );
        for (i, c) in data.criteria.iter().enumerate() {
            let _ = write!(
                o,
                "<span><svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" \
                 height=\"10\" fill=\"{}\"/></svg> {}</span>",
                colour(i),
                e(c.label)
            );
        }
        o.push_str("</p><table class=\"chart\"><tbody>");
        for r in &data.ranked {
            let _ = write!(
                o,
                "<tr><td>{}. {}</td><td class=\"bar\"><svg viewBox=\"0 0 100 10\" \
                 preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{} points\">",
                r.rank,
                e(&r.name),
                decimal(r.total, 2)
            );
            let mut x = 0.0;
            for (i, (c, fact)) in data.criteria.iter().zip(&r.facts).enumerate() {
                let w = fact.contribution.max(0.0);
                let _ = write!(
                    o,
                    "<rect x=\"{x:.3}\" y=\"0\" width=\"{w:.3}\" height=\"10\" fill=\"{}\">\
                     <title>{}: {} points</title></rect>",
                    colour(i),
                    e(c.label),
                    format_number(fact.contribution, 2)
                );
                x += w;
            }
            let _ = write!(
                o,
                "</svg></td><td class=\"num\">{}</td></tr>",
                format_number(r.total, 1)
            );
        }
        o.push_str("</tbody></table></section>\n");

        o.push_str(
            "<section><h2>Raw values, contributions and evidence</h2><p>Each cell: the \
             profile's value with its unit (or \u{201c}not disclosed\u{201d}), the points it \
             contributes to the total, and the evidence status of the fact.</p>\
             <div class=\"wide\"><table><thead><tr><th>CDMO</th>",
        );
        for c in &data.criteria {
            let _ = write!(o, "<th>{}</th>", e(c.label));
        }
        o.push_str("<th class=\"num\">Total</th></tr></thead><tbody>");
        for r in &data.ranked {
            let _ = write!(o, "<tr><td>{}. {}</td>", r.rank, e(&r.name));
            for fact in &r.facts {
                let _ = write!(
                    o,
                    "<td>{}<br><span class=\"pts\">{} pts</span> \
                     <span class=\"ev ev-{}\">{}</span></td>",
                    e(&fact.text),
                    format_number(fact.contribution, 2),
                    e(&fact.evidence.replace(' ', "-")),
                    e(&fact.evidence)
                );
            }
            let _ = write!(o, "<td class=\"num\">{}</td></tr>", decimal(r.total, 2));
        }
        o.push_str("</tbody></table></div></section>\n");
    }

    if let Some(block) = &data.acceptability {
        let _ = write!(
            o,
            "<section><h2>Rank acceptability</h2><p>{}</p><div class=\"wide\"><table><thead>\
             <tr><th>CDMO</th><th class=\"num\">Point rank</th><th class=\"num\">Point score</th>\
             <th class=\"num\">Rank-1 acceptability</th><th class=\"num\">Top-3 acceptability</th>\
             <th>Central weights</th></tr></thead><tbody>",
            e(&block.intro)
        );
        for r in &block.rows {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                e(&r.name),
                r.point_rank,
                decimal(r.point_total, 2),
                e(&r.rank_1_text()),
                e(&r.top_3_text()),
                e(&r.central_weights)
            );
        }
        o.push_str("</tbody></table></div></section>\n");
    }

    o.push_str("<section><h2>Excluded CDMOs (near misses first)</h2>");
    if let Some(note) = &data.excluded_note {
        let _ = write!(o, "<p class=\"note\">{}</p>", e(note));
    }
    if data.excluded.is_empty() {
        o.push_str("<p>None.</p>");
    } else {
        o.push_str(
            "<table><thead><tr><th>CDMO</th><th>Constraints failed</th></tr></thead><tbody>",
        );
        for x in &data.excluded {
            let _ = write!(
                o,
                "<tr><td>{}{}</td><td><ul class=\"reasons\">",
                e(&x.name),
                if x.near_miss {
                    " <span class=\"near\">near miss</span>"
                } else {
                    ""
                }
            );
            for reason in &x.reasons {
                let _ = write!(o, "<li>{}</li>", e(reason));
            }
            o.push_str("</ul></td></tr>");
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n<section><h2>Quotes received</h2>");
    let _ = write!(o, "<p>{}</p>", e(&data.quotes_intro()));
    if !data.quotes.is_empty() {
        o.push_str(
            "<div class=\"wide\"><table><thead><tr><th>CDMO</th>\
             <th class=\"num\">Price per batch</th><th class=\"num\">Tech-transfer cost</th>\
             <th class=\"num\">Tech-transfer time</th><th>Slots offered</th>\
             <th>Valid until</th><th>State</th><th>Decline reason</th><th>Quote id</th>\
             </tr></thead><tbody>",
        );
        for q in &data.quotes {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td><ul class=\"reasons\">",
                e(&q.cdmo),
                e(&q.price_text()),
                e(&q.tech_transfer_cost_text()),
                e(&q.tech_transfer_weeks_text())
            );
            for slots in &q.slots {
                let _ = write!(o, "<li>{}</li>", e(&slots.text()));
            }
            let _ = write!(
                o,
                "</ul></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&q.valid_until_text()),
                e(q.state_text()),
                e(q.decline_reason.as_deref().unwrap_or_default()),
                e(&q.id)
            );
        }
        o.push_str("</tbody></table></div>");
    }
    o.push_str("</section>\n<section><h2>Methodology</h2>");
    for paragraph in &data.methodology {
        let _ = write!(o, "<p>{}</p>", e(paragraph));
    }
    o.push_str(
        "</section>\n<section><h2>Profiles used: ids and revisions</h2><table><thead><tr>\
         <th>CDMO</th><th>In this report</th><th>Profile id</th>\
         <th class=\"num\">Revision</th></tr></thead><tbody>",
    );
    for r in &data.ranked {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>ranked {}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            e(&r.name),
            r.rank,
            e(&r.profile_id),
            r.revision
        );
    }
    for x in &data.excluded {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>excluded</td><td>{}</td><td class=\"num\">{}</td></tr>",
            e(&x.name),
            e(&x.profile_id),
            x.revision
        );
    }
    let _ = write!(
        o,
        "</tbody></table></section>\n<footer>cdmx procurement report of shortlist {} \
         (saved {}). The page needs no script and loads nothing else: print it or save it \
         as it is.</footer>\n</main></body></html>\n",
        e(&data.shortlist_id),
        e(&data.created)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::sample_report;

    #[test]
    fn every_text_is_escaped_and_nothing_external_is_referenced() {
        let page = html(&sample_report());
        assert!(!page.contains("<script"), "a name must not become markup");
        assert!(page.contains("Meerdaal University Cell Therapy Facility &lt;script&gt;"));
        assert!(page.contains("Board pack &lt;Q1&gt; &amp; &quot;final&quot;"));
        for external in ["src=", "href=", "http://", "https://", "@import", "url("] {
            assert!(!page.contains(external), "{external} in the page");
        }
        assert!(page.contains("<svg"), "inline SVG bars");
    }

    #[test]
    fn the_quotes_are_a_table_or_a_sentence_when_there_are_none() {
        let mut data = sample_report();
        let page = html(&data);
        assert!(page.contains("<h2>Quotes received</h2>"));
        for needle in [
            "<td>Meerdaal University Cell Therapy Facility &lt;script&gt;</td>",
            "EUR 180,000",
            "EUR 400,000",
            "20 weeks",
            "<li>2 clinical GMP batch slots from block block-a, 2027-01-01 to 2027-03-31</li>",
            "2026-12-31 17:00 UTC",
            "<td>submitted</td>",
            "<td>declined</td>",
            "=Too late for Q1 &lt;sorry&gt;",
            "quote-2",
            "not stated",
        ] {
            assert!(page.contains(needle), "{needle:?} missing");
        }
        assert!(!page.contains("<sorry>"));
        data.quotes.clear();
        let page = html(&data);
        assert!(page.contains("<p>No quote has been received on this programme.</p>"));
        assert!(!page.contains("<th>Quote id</th>"), "no empty table");
    }

    #[test]
    fn the_decision_block_is_shown_when_present() {
        let mut data = sample_report();
        let page = html(&data);
        assert!(page.contains("<h2>Decision</h2>"));
        assert!(page.contains("Best success rate &amp; lowest cost."));
        assert!(page.contains("decision-1"));
        data.decision = None;
        assert!(!html(&data).contains("<h2>Decision</h2>"));
    }
}
