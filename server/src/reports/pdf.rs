//! The PDF a procurement lead files.

mod layout;

use super::ReportError;
use crate::domain::reports::ReportData;

/// One colour per criterion in the contribution chart.
const PALETTE: [(f32, f32, f32); 11] = [
    (0.12, 0.47, 0.71),
    (1.0, 0.5, 0.05),
    (0.17, 0.63, 0.17),
    (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74),
    (0.55, 0.34, 0.29),
    (0.89, 0.47, 0.76),
    (0.5, 0.5, 0.5),
    (0.74, 0.74, 0.13),
    (0.09, 0.75, 0.81),
    (0.3, 0.3, 0.6),
];

static REGULAR_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A PDF a procurement lead can read and file: cover with the requirement summary,
/// ranked table, stacked bar chart of each CDMO's contributions, excluded and near-miss
/// CDMOs, robustness note, and an appendix of profile revisions and evidence.
pub fn pdf(data: &ReportData, sponsor: &str) -> Result<Vec<u8>, ReportError> {
    use layout::{MARGIN, PAGE_WIDTH, Pages, fit, rgb};
    use printpdf::{ParsedFont, PdfDocument, PdfSaveOptions};

    let mut doc = PdfDocument::new(&data.title);
    let mut font_warnings = Vec::new();
    let regular = ParsedFont::from_bytes(REGULAR_FONT, 0, &mut font_warnings)
        .ok_or_else(|| ReportError::Pdf("the embedded regular font cannot be parsed".into()))?;
    let bold = ParsedFont::from_bytes(BOLD_FONT, 0, &mut font_warnings)
        .ok_or_else(|| ReportError::Pdf("the embedded bold font cannot be parsed".into()))?;
    let mut p = Pages::new(doc.add_font(&regular), doc.add_font(&bold));
    let width = PAGE_WIDTH - 2.0 * MARGIN;

    // Cover.
    p.line(22.0, true, "CDMO shortlist: procurement report");
    p.gap(6.0);
    p.line(13.0, true, &data.title);
    p.line(10.0, false, &format!("Programme: {}", data.program_name));
    p.line(10.0, false, &format!("Sponsor: {sponsor}"));
    p.line(10.0, false, &format!("Shortlist saved: {}", data.created));
    p.line(
        10.0,
        false,
        &format!(
            "{} feasible CDMOs, {} excluded; {} listed below.",
            data.feasible_count,
            data.excluded_count,
            data.ranked.len()
        ),
    );
    p.gap(10.0);
    p.line(12.0, true, "Hard constraints");
    if data.constraints.is_empty() {
        p.line(9.5, false, "None.");
    }
    for (name, value) in &data.constraints {
        p.line(9.5, false, &format!("{name}: {value}"));
    }
    p.gap(6.0);
    p.paragraph(
        12.0,
        true,
        0.0,
        "Weighted criteria (weights normalised; scales fixed, never relative to the candidates)",
    );
    for w in &data.weights {
        p.line(
            9.5,
            false,
            &format!(
                "{}: weight {:.1}%, scale {} (worst) to {} (best)",
                w.criterion.as_str(),
                w.weight * 100.0,
                w.worst,
                w.best
            ),
        );
    }
    p.gap(6.0);
    p.line(12.0, true, "Robustness");
    p.paragraph(
        9.5,
        false,
        0.0,
        data.robustness
            .as_deref()
            .unwrap_or("Fewer than two candidates: no comparison."),
    );

    // Ranked table.
    p.new_page();
    p.line(14.0, true, "Ranking");
    let columns: [(&str, f32, bool); 6] = [
        ("Rank", 30.0, true),
        ("CDMO", 215.0, false),
        ("Countries", 70.0, false),
        ("Total", 55.0, true),
        ("Evidence", 60.0, true),
        ("Revision", 65.0, true),
    ];
    let header = |p: &mut Pages| {
        let y = p.y;
        p.rect(
            MARGIN - 4.0,
            y - 4.0,
            width + 8.0,
            16.0,
            rgb(0.88, 0.9, 0.94),
        );
        let mut x = MARGIN;
        for (title, w, right) in columns {
            if right {
                p.text_right(x + w - 6.0, y, 9.0, true, title);
            } else {
                p.text(x, y, 9.0, true, title);
            }
            x += w;
        }
        p.gap(18.0);
    };
    header(&mut p);
    for row in &data.ranked {
        if p.need(14.0) {
            header(&mut p);
        }
        let y = p.y;
        let cells = [
            row.rank.to_string(),
            fit(&row.name, columns[1].1 - 8.0, 9.0),
            fit(&row.countries, columns[2].1 - 8.0, 9.0),
            format!("{:.2}", row.total),
            format!("{:.0}%", row.evidence_confidence * 100.0),
            row.revision.to_string(),
        ];
        let mut x = MARGIN;
        for ((_, w, right), cell) in columns.iter().zip(&cells) {
            if *right {
                p.text_right(x + w - 6.0, y, 9.0, false, cell);
            } else {
                p.text(x, y, 9.0, false, cell);
            }
            x += w;
        }
        p.gap(14.0);
    }

    // Raw values behind the scores.
    p.gap(10.0);
    p.need(40.0);
    p.line(12.0, true, "Criterion values (before scaling)");
    for row in &data.ranked {
        let values: Vec<String> = data
            .criteria
            .iter()
            .zip(&row.values)
            .map(|(c, v)| format!("{} {v}", c.as_str()))
            .collect();
        p.paragraph(
            8.5,
            false,
            0.0,
            &format!("{}. {}: {}", row.rank, row.name, values.join("; ")),
        );
    }

    // Stacked bar chart of contributions.
    p.new_page();
    p.line(14.0, true, "Contributions to each total, by criterion");
    p.paragraph(9.0, false, 0.0, "Each bar is a CDMO's total (0-100); each segment one criterion's weight x normalised value.");
    p.gap(6.0);
    let label_width = 170.0;
    let bar_width = width - label_width - 40.0;
    let axis = p.y;
    for tick in [0.0f32, 25.0, 50.0, 75.0, 100.0] {
        let x = MARGIN + label_width + tick / 100.0 * bar_width;
        p.rect(x, axis - 4.0, 0.5, 6.0, rgb(0.5, 0.5, 0.5));
        p.text(x - 6.0, axis + 4.0, 7.0, false, &format!("{tick:.0}"));
    }
    p.gap(12.0);
    for row in data.ranked.iter().take(25) {
        p.need(16.0);
        let y = p.y;
        p.text(
            MARGIN,
            y,
            8.5,
            false,
            &fit(
                &format!("{}. {}", row.rank, row.name),
                label_width - 6.0,
                8.5,
            ),
        );
        let mut x = MARGIN + label_width;
        for (i, contribution) in row.contributions.iter().enumerate() {
            let (r, g, b) = PALETTE[i % PALETTE.len()];
            let w = (contribution / 100.0) as f32 * bar_width;
            p.rect(x, y - 2.0, w, 10.0, rgb(r, g, b));
            x += w;
        }
        p.text(x + 4.0, y, 8.5, false, &format!("{:.1}", row.total));
        p.gap(16.0);
    }
    p.gap(8.0);
    for (i, criterion) in data.criteria.iter().enumerate() {
        p.need(14.0);
        let y = p.y;
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        p.rect(MARGIN, y - 1.0, 9.0, 9.0, rgb(r, g, b));
        p.text(MARGIN + 14.0, y, 9.0, false, criterion.as_str());
        p.gap(13.0);
    }

    // Excluded and near misses.
    p.new_page();
    p.line(14.0, true, "Excluded CDMOs (near misses first)");
    if data.excluded.is_empty() {
        p.line(9.5, false, "None.");
    }
    for row in &data.excluded {
        p.line(
            9.5,
            true,
            &format!(
                "{}{} (revision {})",
                if row.near_miss { "Near miss: " } else { "" },
                row.name,
                row.revision
            ),
        );
        for failure in row.failed.split("; ") {
            p.paragraph(8.5, false, 14.0, failure);
        }
        p.gap(3.0);
    }

    // Appendix.
    p.new_page();
    p.line(14.0, true, "Appendix: profile revisions and evidence");
    p.line(9.0, false, "Scores use the profile revision named here; evidence is the share of sections backed by verified evidence.");
    p.gap(4.0);
    for row in &data.ranked {
        p.line(
            9.0,
            false,
            &format!(
                "{}. {}: revision {}, organisation {}, evidence {:.0}%",
                row.rank,
                row.name,
                row.revision,
                if row.verified {
                    "verified"
                } else {
                    "not verified"
                },
                row.evidence_confidence * 100.0
            ),
        );
    }

    let pages = p.finish(&format!("cdmx procurement report: {}", data.title));
    let mut warnings = Vec::new();
    Ok(doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings))
}
