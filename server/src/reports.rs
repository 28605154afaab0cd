//! Report files of a shortlist: CSV (RFC 4180, UTF-8), XLSX and PDF. CSV and XLSX are
//! reproducible: their content depends on the shortlist only, never on the clock.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Chart, ChartType, DocProperties, Format, Workbook, XlsxError};

use crate::domain::reports::{ReportData, neutralise};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("pdf: {0}")]
    Pdf(String),
}

fn number(value: f64) -> String {
    format!("{value:.4}")
}

/// The ranking: one row per candidate, criterion contributions in requirement order.
pub fn ranking_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![
        "rank".to_owned(),
        "name".into(),
        "countries".into(),
        "total".into(),
    ];
    header.extend(
        data.criteria
            .iter()
            .map(|c| format!("contribution_{}", c.as_str())),
    );
    header.extend([
        "evidence_confidence".into(),
        "verified".into(),
        "profile_revision".into(),
    ]);
    out.write_record(&header)?;
    for row in &data.ranked {
        let mut record = vec![
            row.rank.to_string(),
            neutralise(&row.name),
            neutralise(&row.countries),
            number(row.total),
        ];
        record.extend(row.contributions.iter().map(|c| number(*c)));
        record.extend([
            number(row.evidence_confidence),
            row.verified.to_string(),
            row.revision.to_string(),
        ]);
        out.write_record(&record)?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// The excluded CDMOs with every constraint they failed.
pub fn excluded_csv(data: &ReportData) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "name",
        "near_miss",
        "failed_constraints",
        "profile_revision",
    ])?;
    for row in &data.excluded {
        out.write_record([
            neutralise(&row.name),
            row.near_miss.to_string(),
            neutralise(&row.failed),
            row.revision.to_string(),
        ])?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// A workbook: ranking, per-criterion breakdown with a stacked bar chart, excluded
/// CDMOs, and the requirement set.
pub fn xlsx(data: &ReportData, created_at: DateTime<Utc>) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&data.title)
            .set_creation_datetime(&created_at),
    );
    let bold = Format::new().set_bold();
    let points = Format::new().set_num_format("0.00");
    let share = Format::new().set_num_format("0%");

    let last = data.ranked.len() as u32;
    let ranking = workbook.add_worksheet();
    ranking.set_name("Ranking")?;
    for (col, title) in [
        "Rank",
        "CDMO",
        "Countries",
        "Total (0-100)",
        "Evidence confidence",
        "Verified",
        "Profile revision",
    ]
    .iter()
    .enumerate()
    {
        ranking.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        ranking.write_number(r, 0, row.rank)?;
        ranking.write_string(r, 1, neutralise(&row.name))?;
        ranking.write_string(r, 2, neutralise(&row.countries))?;
        ranking.write_number_with_format(r, 3, row.total, &points)?;
        ranking.write_number_with_format(r, 4, row.evidence_confidence, &share)?;
        ranking.write_string(r, 5, if row.verified { "yes" } else { "no" })?;
        ranking.write_number(r, 6, row.revision)?;
    }
    ranking.set_column_width(1, 40)?;
    ranking.set_column_width(2, 14)?;
    ranking.set_freeze_panes(1, 0)?;
    ranking.autofilter(0, 0, last, 6)?;

    let breakdown = workbook.add_worksheet();
    breakdown.set_name("Breakdown")?;
    breakdown.write_string_with_format(0, 0, "CDMO", &bold)?;
    for (j, criterion) in data.criteria.iter().enumerate() {
        breakdown.write_string_with_format(0, j as u16 + 1, criterion.as_str(), &bold)?;
    }
    for (i, row) in data.ranked.iter().enumerate() {
        let r = i as u32 + 1;
        breakdown.write_string(r, 0, neutralise(&row.name))?;
        for (j, contribution) in row.contributions.iter().enumerate() {
            breakdown.write_number_with_format(r, j as u16 + 1, *contribution, &points)?;
        }
    }
    breakdown.set_column_width(0, 40)?;
    breakdown.set_freeze_panes(1, 1)?;
    if last > 0 {
        let mut chart = Chart::new(ChartType::BarStacked);
        for j in 0..data.criteria.len() as u16 {
            chart
                .add_series()
                .set_name(("Breakdown", 0, j + 1))
                .set_categories(("Breakdown", 1, 0, last, 0))
                .set_values(("Breakdown", 1, j + 1, last, j + 1));
        }
        chart
            .title()
            .set_name("Contributions to the total, by criterion");
        // Bar charts draw categories bottom-up: reverse so rank 1 is on top.
        chart.y_axis().set_reverse();
        chart.set_width(720).set_height(120 + 24 * last.min(40));
        breakdown.insert_chart(1, data.criteria.len() as u16 + 2, &chart)?;
    }

    let excluded = workbook.add_worksheet();
    excluded.set_name("Excluded")?;
    for (col, title) in [
        "CDMO",
        "Near miss",
        "Failed constraints",
        "Profile revision",
    ]
    .iter()
    .enumerate()
    {
        excluded.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in data.excluded.iter().enumerate() {
        let r = i as u32 + 1;
        excluded.write_string(r, 0, neutralise(&row.name))?;
        excluded.write_string(r, 1, if row.near_miss { "yes" } else { "no" })?;
        excluded.write_string(r, 2, neutralise(&row.failed))?;
        excluded.write_number(r, 3, row.revision)?;
    }
    excluded.set_column_width(0, 40)?;
    excluded.set_column_width(2, 90)?;
    excluded.set_freeze_panes(1, 0)?;
    excluded.autofilter(0, 0, data.excluded.len() as u32, 3)?;

    let requirements = workbook.add_worksheet();
    requirements.set_name("Requirements")?;
    requirements.write_string_with_format(0, 0, "Shortlist", &bold)?;
    requirements.write_string(0, 1, neutralise(&data.title))?;
    requirements.write_string_with_format(1, 0, "Feasible / excluded", &bold)?;
    requirements.write_string(
        1,
        1,
        format!("{} / {}", data.feasible_count, data.excluded_count),
    )?;
    requirements.write_string_with_format(3, 0, "Hard constraint", &bold)?;
    requirements.write_string_with_format(3, 1, "Required", &bold)?;
    let mut r = 4;
    for (name, value) in &data.constraints {
        requirements.write_string(r, 0, name.as_str())?;
        requirements.write_string(r, 1, neutralise(value))?;
        r += 1;
    }
    r += 1;
    for (col, title) in ["Criterion", "Weight", "Scale worst", "Scale best"]
        .iter()
        .enumerate()
    {
        requirements.write_string_with_format(r, col as u16, *title, &bold)?;
    }
    for w in &data.weights {
        r += 1;
        requirements.write_string(r, 0, w.criterion.as_str())?;
        requirements.write_number_with_format(r, 1, w.weight, &share)?;
        requirements.write_number(r, 2, w.worst)?;
        requirements.write_number(r, 3, w.best)?;
    }
    requirements.set_column_width(0, 32)?;
    requirements.set_column_width(1, 60)?;
    Ok(workbook.save_to_buffer()?)
}

mod pdf_layout {
    //! A few drawing primitives over printpdf: text at a position, filled rectangles,
    //! pages that break when full, and "page X of N" footers.

    use printpdf::{
        Color, FontId, Op, PaintMode, PdfFontHandle, PdfPage, Pt, Rect, Rgb, TextItem, TextMatrix,
    };

    pub const PAGE_WIDTH: f32 = 595.0;
    pub const PAGE_HEIGHT: f32 = 842.0;
    pub const MARGIN: f32 = 50.0;
    const BOTTOM: f32 = 60.0;

    /// Advance widths of DejaVu Sans in em, for right-aligning numbers; other text is
    /// only ever truncated, with a conservative average width.
    fn em_width(c: char) -> f32 {
        // DejaVu Sans advance widths, in its 2048 units per em.
        let units = match c {
            '0'..='9' => 1303.0,
            '.' | ',' | ' ' => 651.0,
            '-' => 739.0,
            '%' => 1946.0,
            _ => 1270.0,
        };
        units / 2048.0
    }

    pub fn text_width(text: &str, size: f32) -> f32 {
        text.chars().map(em_width).sum::<f32>() * size
    }

    /// Cuts `text` to fit `width` points at `size`, with an ellipsis when cut.
    pub fn fit(text: &str, width: f32, size: f32) -> String {
        if text_width(text, size) <= width {
            return text.to_owned();
        }
        let mut out = String::new();
        for c in text.chars() {
            if text_width(&out, size) + (em_width(c) + 0.62) * size > width {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    }

    pub fn rgb(r: f32, g: f32, b: f32) -> Color {
        Color::Rgb(Rgb {
            r,
            g,
            b,
            icc_profile: None,
        })
    }

    pub struct Pages {
        pub regular: FontId,
        pub bold: FontId,
        done: Vec<Vec<Op>>,
        ops: Vec<Op>,
        /// Distance from the bottom of the page to the next line's baseline.
        pub y: f32,
    }

    impl Pages {
        pub fn new(regular: FontId, bold: FontId) -> Self {
            Self {
                regular,
                bold,
                done: Vec::new(),
                ops: Vec::new(),
                y: PAGE_HEIGHT - MARGIN,
            }
        }

        pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
            let font = if bold {
                self.bold.clone()
            } else {
                self.regular.clone()
            };
            self.ops.extend([
                Op::StartTextSection,
                Op::SetFillColor {
                    col: rgb(0.1, 0.1, 0.12),
                },
                Op::SetFont {
                    font: PdfFontHandle::External(font),
                    size: Pt(size),
                },
                Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(Pt(x), Pt(y)),
                },
                Op::ShowText {
                    items: vec![TextItem::Text(text.to_owned())],
                },
                Op::EndTextSection,
            ]);
        }

        /// Text ending at `right`.
        pub fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
            self.text(right - text_width(text, size), y, size, bold, text);
        }

        pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Color) {
            self.ops.extend([
                Op::SetFillColor { col: color },
                Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(x),
                        y: Pt(y),
                        width: Pt(width),
                        height: Pt(height),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                },
            ]);
        }

        /// A line of text at the cursor, moving the cursor down.
        pub fn line(&mut self, size: f32, bold: bool, text: &str) {
            self.need(size * 1.5);
            let y = self.y;
            self.text(
                MARGIN,
                y,
                size,
                bold,
                &fit(text, PAGE_WIDTH - 2.0 * MARGIN, size),
            );
            self.y -= size * 1.5;
        }

        /// Text wrapped at word boundaries to the page width, moving the cursor down.
        pub fn paragraph(&mut self, size: f32, bold: bool, indent: f32, text: &str) {
            let width = PAGE_WIDTH - 2.0 * MARGIN - indent;
            let mut line = String::new();
            for word in text.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if text_width(&candidate, size) > width && !line.is_empty() {
                    self.need(size * 1.5);
                    let y = self.y;
                    self.text(MARGIN + indent, y, size, bold, &line);
                    self.y -= size * 1.5;
                    line = word.to_owned();
                } else {
                    line = candidate;
                }
            }
            if !line.is_empty() {
                self.need(size * 1.5);
                let y = self.y;
                self.text(MARGIN + indent, y, size, bold, &fit(&line, width, size));
                self.y -= size * 1.5;
            }
        }

        /// Starts a new page unless `height` points still fit; returns whether it did.
        pub fn need(&mut self, height: f32) -> bool {
            if self.y - height < BOTTOM {
                self.new_page();
                true
            } else {
                false
            }
        }

        pub fn new_page(&mut self) {
            let ops = std::mem::take(&mut self.ops);
            self.done.push(ops);
            self.y = PAGE_HEIGHT - MARGIN;
        }

        pub fn gap(&mut self, points: f32) {
            self.y -= points;
        }

        /// The finished pages, each with its footer.
        pub fn finish(mut self, footer: &str) -> Vec<PdfPage> {
            if !self.ops.is_empty() {
                self.new_page();
            }
            let total = self.done.len();
            let pages = std::mem::take(&mut self.done);
            pages
                .into_iter()
                .enumerate()
                .map(|(i, ops)| {
                    self.ops = ops;
                    self.text(MARGIN, 30.0, 8.0, false, footer);
                    self.text_right(
                        PAGE_WIDTH - MARGIN,
                        30.0,
                        8.0,
                        false,
                        &format!("Page {} of {total}", i + 1),
                    );
                    PdfPage::new(
                        printpdf::Mm(PAGE_WIDTH * 25.4 / 72.0),
                        printpdf::Mm(PAGE_HEIGHT * 25.4 / 72.0),
                        std::mem::take(&mut self.ops),
                    )
                })
                .collect()
        }
    }
}

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

static REGULAR_FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD_FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A PDF a procurement lead can read and file: cover with the requirement summary,
/// ranked table, stacked bar chart of each CDMO's contributions, excluded and near-miss
/// CDMOs, robustness note, and an appendix of profile revisions and evidence.
pub fn pdf(data: &ReportData, sponsor: &str) -> Result<Vec<u8>, ReportError> {
    use pdf_layout::{MARGIN, PAGE_WIDTH, Pages, fit, rgb};
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
