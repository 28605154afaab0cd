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
