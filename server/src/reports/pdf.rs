//! The PDF a procurement lead files: dense A4 pages, every text wrapped and never cut.

mod layout;

use super::ReportError;
use crate::domain::reports::{ReportData, decimal, format_number};

/// One colour per criterion in the contribution chart.
pub(super) const PALETTE: [(f32, f32, f32); 13] = [
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
    (0.6, 0.2, 0.4),
    (0.2, 0.5, 0.4),
];

static REGULAR_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Criteria per table of raw values, so that each column stays readable.
const CRITERIA_PER_TABLE: usize = 5;

/// A PDF a procurement lead can read and file: identity and provenance, the decision
/// when there is one, the requirement set in words, the criteria with their scales, the
/// ranking, each candidate's raw values beside their contributions and evidence, a
/// stacked bar chart, every excluded CDMO with its reasons, the quotes received on the
/// programme, the robustness note, the methodology, and every profile id and revision
/// used. Its metadata (title, author, subject, dates) comes from the shortlist, never the
/// clock.
pub fn pdf(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    use layout::{CONTENT_WIDTH, Column, MARGIN, Pages, rgb, wrap};
    use printpdf::{OffsetDateTime, ParsedFont, PdfDocument, PdfSaveOptions};

    let mut doc = PdfDocument::new(&data.title);
    let created = OffsetDateTime::from_unix_timestamp(data.created_at.timestamp())
        .map_err(|e| ReportError::Pdf(e.to_owned()))?;
    let info = &mut doc.metadata.info;
    info.document_title = format!("CDMO shortlist report: {}", data.title);
    info.author = format!("{} ({})", data.generated_by, data.sponsor);
    info.subject = format!(
        "Procurement report of shortlist {} for programme {} (version {})",
        data.shortlist_id, data.program_name, data.program_version
    );
    info.creator = "cdmx".into();
    info.producer = "cdmx".into();
    info.keywords = vec!["CDMO".into(), "shortlist".into(), "procurement".into()];
    info.identifier = data.shortlist_id.clone();
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;

    let mut font_warnings = Vec::new();
    let regular = ParsedFont::from_bytes(REGULAR_FONT, 0, &mut font_warnings)
        .ok_or_else(|| ReportError::Pdf("the embedded regular font cannot be parsed".into()))?;
    let bold = ParsedFont::from_bytes(BOLD_FONT, 0, &mut font_warnings)
        .ok_or_else(|| ReportError::Pdf("the embedded bold font cannot be parsed".into()))?;
    let mut p = Pages::new(doc.add_font(&regular), doc.add_font(&bold));
    let body = 8.5;
    let small = 7.5;

    // Identity and provenance.
    p.paragraph(16.0, true, 0.0, "CDMO shortlist: procurement report");
    p.gap(2.0);
    p.paragraph(12.0, true, 0.0, &data.title);
    p.gap(4.0);
    let identity: Vec<Vec<String>> = data
        .identity()
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    p.pairs(110.0, &identity, body);
    p.gap(2.0);
    p.paragraph(body, false, 0.0, &data.counts());

    if let Some(decision) = &data.decision {
        p.heading(11.0, "Decision");
        let rows: Vec<Vec<String>> = decision
            .lines()
            .into_iter()
            .map(|(k, v)| vec![k.to_owned(), v])
            .collect();
        p.pairs(110.0, &rows, body);
    }

    p.heading(11.0, "Requirement set");
    let rows: Vec<Vec<String>> = data
        .requirements
        .iter()
        .map(|r| vec![r.label.clone(), r.text.clone()])
        .collect();
    p.pairs(125.0, &rows, body);

    p.heading(11.0, "Weighted criteria");
    let rows: Vec<Vec<String>> = data
        .criteria
        .iter()
        .map(|c| {
            vec![
                c.label.to_owned(),
                c.measures.clone(),
                c.scale.clone(),
                format!("{} %", format_number(c.weight * 100.0, 1)),
                c.missing_text.clone(),
            ]
        })
        .collect();
    p.table(
        &[
            Column::left("Criterion", 88.0),
            Column::left("Measures", 170.0),
            Column::left("Fixed scale", 125.0),
            Column::right("Weight", 44.0),
            Column::left("If not disclosed", CONTENT_WIDTH - 427.0),
        ],
        &rows,
        small,
        true,
    );

    p.heading(11.0, "Ranking");
    if let Some(note) = &data.ranked_note {
        p.paragraph(body, false, 0.0, note);
    }
    if data.ranked.is_empty() {
        p.paragraph(body, false, 0.0, "No CDMO passed every hard constraint.");
    }
    let rows: Vec<Vec<String>> = data
        .ranked
        .iter()
        .map(|r| {
            vec![
                r.rank.to_string(),
                r.name.clone(),
                r.countries.clone(),
                decimal(r.total, 2),
                format!("{} %", format_number(r.evidence_confidence * 100.0, 0)),
                if r.verified {
                    "verified".into()
                } else {
                    "not verified".into()
                },
                r.revision.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        p.table(
            &[
                Column::right("Rank", 36.0),
                Column::left("CDMO", 170.0),
                Column::left("Countries", 58.0),
                Column::right("Total (0-100)", 52.0),
                Column::right("Evidence confidence", 60.0),
                Column::left("Organisation", 76.0),
                Column::right("Profile revision", CONTENT_WIDTH - 452.0),
            ],
            &rows,
            body,
            true,
        );
    }
    p.heading(11.0, "Robustness");
    p.paragraph(
        body,
        false,
        0.0,
        data.robustness
            .as_deref()
            .unwrap_or("Fewer than two candidates: no comparison."),
    );

    if let Some(block) = &data.acceptability {
        p.heading(11.0, "Rank acceptability");
        p.paragraph(body, false, 0.0, &block.intro);
        p.gap(2.0);
        let rows: Vec<Vec<String>> = block
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.point_rank.to_string(),
                    decimal(r.point_total, 2),
                    r.rank_1_text(),
                    r.top_3_text(),
                    r.central_weights.clone(),
                ]
            })
            .collect();
        p.table(
            &[
                Column::left("CDMO", 130.0),
                Column::right("Point rank", 44.0),
                Column::right("Point score", 50.0),
                Column::right("Rank 1", 44.0),
                Column::right("Top 3", 44.0),
                Column::left("Central weights", CONTENT_WIDTH - 312.0),
            ],
            &rows,
            small,
            true,
        );
    }

    // Raw values beside their contributions, a few criteria per table.
    if !data.ranked.is_empty() && !data.criteria.is_empty() {
        p.heading(11.0, "Raw values, contributions and evidence");
        p.paragraph(
            small,
            false,
            0.0,
            "Each cell: the profile's value with its unit (or \"not disclosed\"), the points \
             it contributes to the total, and the evidence status of the fact.",
        );
        p.gap(2.0);
        // As few tables as fit, sharing the criteria evenly (6 criteria: 3 and 3).
        let tables = data.criteria.len().div_ceil(CRITERIA_PER_TABLE);
        let per_table = data.criteria.len().div_ceil(tables);
        for (chunk, criteria) in data.criteria.chunks(per_table).enumerate() {
            let first = chunk * per_table;
            let name_width = 136.0;
            let each = (CONTENT_WIDTH - name_width) / criteria.len() as f32;
            let mut columns = vec![Column::left("CDMO", name_width)];
            columns.extend(criteria.iter().map(|c| Column::left(c.label, each)));
            let rows: Vec<Vec<String>> = data
                .ranked
                .iter()
                .map(|r| {
                    let mut row = vec![format!("{}. {}", r.rank, r.name)];
                    row.extend(r.facts[first..first + criteria.len()].iter().map(|f| {
                        format!(
                            "{}\n{} pts · {}",
                            f.text,
                            format_number(f.contribution, 2),
                            f.evidence
                        )
                    }));
                    row
                })
                .collect();
            p.table(&columns, &rows, small, true);
            p.gap(4.0);
        }
    }

    // Stacked bar chart of contributions: every candidate.
    if !data.ranked.is_empty() {
        p.heading(11.0, "Contributions to each total, by criterion");
        let label_width = 150.0;
        let bar_width = CONTENT_WIDTH - label_width - 34.0;
        p.need(30.0);
        let axis = p.y;
        for tick in [0.0f32, 25.0, 50.0, 75.0, 100.0] {
            let x = MARGIN + label_width + tick / 100.0 * bar_width;
            p.rect(x, axis - 3.0, 0.5, 5.0, rgb(0.5, 0.5, 0.5));
            p.text(x - 5.0, axis + 4.0, 6.5, false, &format!("{tick:.0}"));
        }
        p.gap(10.0);
        for row in &data.ranked {
            let lines = wrap(
                &format!("{}. {}", row.rank, row.name),
                label_width - 6.0,
                small,
                false,
            );
            let height = (lines.len() as f32 * small * 1.28).max(11.0) + 2.0;
            p.need(height);
            let y = p.y;
            for (n, line) in lines.iter().enumerate() {
                p.text(MARGIN, y - n as f32 * small * 1.28, small, false, line);
            }
            let mut x = MARGIN + label_width;
            for (i, contribution) in row.contributions().enumerate() {
                let (r, g, b) = PALETTE[i % PALETTE.len()];
                let w = (contribution / 100.0).max(0.0) as f32 * bar_width;
                p.rect(x, y - 2.0, w, 8.0, rgb(r, g, b));
                x += w;
            }
            p.text(x + 3.0, y, small, false, &format_number(row.total, 1));
            p.gap(height);
        }
        p.gap(4.0);
        let mut x = MARGIN;
        p.need(12.0);
        for (i, criterion) in data.criteria.iter().enumerate() {
            let width = layout::text_width(criterion.label, small, false) + 22.0;
            if x + width > MARGIN + CONTENT_WIDTH {
                x = MARGIN;
                p.gap(11.0);
                p.need(12.0);
            }
            let y = p.y;
            let (r, g, b) = PALETTE[i % PALETTE.len()];
            p.rect(x, y - 1.0, 7.0, 7.0, rgb(r, g, b));
            p.text(x + 10.0, y, small, false, criterion.label);
            x += width;
        }
        p.gap(12.0);
    }

    // Every excluded CDMO, with its reasons.
    p.heading(11.0, "Excluded CDMOs (near misses first)");
    if let Some(note) = &data.excluded_note {
        p.paragraph(body, true, 0.0, note);
        p.gap(2.0);
    }
    if data.excluded.is_empty() {
        p.paragraph(body, false, 0.0, "None.");
    } else {
        let rows: Vec<Vec<String>> = data
            .excluded
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    String::from(if e.near_miss { "near miss" } else { "" }),
                    e.reasons.join("\n"),
                ]
            })
            .collect();
        p.table(
            &[
                Column::left("CDMO", 140.0),
                Column::left("", 48.0),
                Column::left("Constraints failed", CONTENT_WIDTH - 188.0),
            ],
            &rows,
            small,
            true,
        );
    }

    // The quotes side by side, then each in full (block and quote ids are too long for a
    // column of the table: they would be broken inside).
    p.heading(11.0, "Quotes received");
    p.paragraph(body, false, 0.0, &data.quotes_intro());
    if !data.quotes.is_empty() {
        p.gap(2.0);
        let rows: Vec<Vec<String>> = data
            .quotes
            .iter()
            .enumerate()
            .map(|(i, q)| {
                vec![
                    format!("{}. {}", i + 1, q.cdmo),
                    q.price_text(),
                    format!(
                        "{}\n{}",
                        q.tech_transfer_cost_text(),
                        q.tech_transfer_weeks_text()
                    ),
                    q.total_slots().to_string(),
                    q.valid_until_text(),
                    q.state_text().to_owned(),
                ]
            })
            .collect();
        p.table(
            &[
                Column::left("CDMO", 150.0),
                Column::right("Price per batch", 80.0),
                Column::right("Tech transfer", 80.0),
                Column::right("Slots", 36.0),
                Column::left("Valid until", 90.0),
                Column::left("State", CONTENT_WIDTH - 436.0),
            ],
            &rows,
            small,
            true,
        );
        for (i, q) in data.quotes.iter().enumerate() {
            p.gap(3.0);
            p.paragraph(body, true, 0.0, &format!("{}. {}", i + 1, q.cdmo));
            let rows: Vec<Vec<String>> = q
                .lines()
                .into_iter()
                .skip(1)
                .map(|(k, v)| vec![k.to_owned(), v])
                .collect();
            p.pairs(110.0, &rows, small);
        }
    }

    p.heading(11.0, "Methodology");
    for paragraph in &data.methodology {
        p.paragraph(small, false, 0.0, paragraph);
        p.gap(2.5);
    }

    p.heading(11.0, "Profiles used: ids and revisions");
    let mut rows: Vec<Vec<String>> = data
        .ranked
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                format!("ranked {}", r.rank),
                r.profile_id.clone(),
                r.revision.to_string(),
            ]
        })
        .collect();
    rows.extend(data.excluded.iter().map(|e| {
        vec![
            e.name.clone(),
            "excluded".to_owned(),
            e.profile_id.clone(),
            e.revision.to_string(),
        ]
    }));
    p.table(
        &[
            Column::left("CDMO", 190.0),
            Column::left("In this report", 70.0),
            Column::left("Profile id", 196.0),
            Column::right("Revision", CONTENT_WIDTH - 456.0),
        ],
        &rows,
        small,
        true,
    );

    let pages = p.finish(&format!(
        "cdmx procurement report · shortlist {} · saved {}",
        data.shortlist_id, data.created
    ));
    let mut warnings = Vec::new();
    Ok(doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::sample_report;

    fn text_of(bytes: &[u8]) -> String {
        let text = pdf_extract::extract_text_from_mem(bytes).unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_pdf_carries_the_decision_block_metadata_and_whole_names() {
        let data = sample_report();
        let bytes = pdf(&data).unwrap();
        let text = text_of(&bytes);
        for needle in [
            "Decision",
            "Award",
            "Best success rate & lowest cost.",
            "cfo@acme.example",
            "decision-1",
            "Meerdaal University Cell Therapy Facility <script>",
            "USD 1,250,000",
            "96.1 %",
            "not disclosed",
            "Warm Cells",
            "short by 70 °C",
            "Methodology",
            "profile-a",
            "Quotes received",
            "EUR 180,000",
            "EUR 400,000",
            "20 weeks",
            "2 clinical GMP batch slots from block block-a, 2027-01-01 to 2027-03-31",
            "2026-12-31 17:00 UTC",
            "submitted",
            "declined",
            "=Too late for Q1 <sorry>",
            "quote-2",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from {text}");
        }
        let raw = String::from_utf8_lossy(&bytes);
        assert!(
            raw.contains("D:20261102"),
            "creation date from the shortlist"
        );
        assert!(!raw.contains("D:1970"), "no date from the epoch");
        let without = ReportData {
            decision: None,
            quotes: vec![],
            ..data
        };
        let text = text_of(&pdf(&without).unwrap());
        assert!(!text.contains("cfo@acme.example"));
        assert!(text.contains("No quote has been received on this programme."));
        assert!(!text.contains("Price per batch"), "no empty table");
    }
}
