//! A few drawing primitives over printpdf: text at a position, filled rectangles, text
//! wrapped at word boundaries (never cut), tables whose cells wrap, pages that break
//! when full, and "page X of N" footers.

use printpdf::{
    Color, FontId, Op, PaintMode, PdfFontHandle, PdfPage, Pt, Rect, Rgb, TextItem, TextMatrix,
};

pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 42.0;
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const BOTTOM: f32 = 48.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.28;
/// Space between a table cell's border and its text.
const PAD: f32 = 3.0;

/// Advance widths of DejaVu Sans (regular and bold) for printable ASCII, in its 2048
/// units per em, read from the embedded fonts' `hmtx` tables.
const REGULAR_WIDTHS: [u16; 95] = [
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048,
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235,
    1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024,
    1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
    1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];
const BOLD_WIDTHS: [u16; 95] = [
    713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048,
    1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501,
    1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024,
    1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466,
    1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716,
];

/// A character's advance in em. Outside ASCII: the few symbols the report uses, and
/// for other letters (accented Latin mostly) a width at least that of their base letter.
fn em_width(c: char, bold: bool) -> f32 {
    let units = match c {
        ' '..='~' => {
            let table = if bold { &BOLD_WIDTHS } else { &REGULAR_WIDTHS };
            f32::from(table[c as usize - 32])
        }
        '°' | '–' => 1024.0,
        '…' | '—' => 2048.0,
        '·' => 700.0,
        _ if bold => 1750.0,
        _ => 1620.0,
    };
    units / 2048.0
}

pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    text.chars().map(|c| em_width(c, bold)).sum::<f32>() * size
}

/// `text` in lines of at most `width` points, broken at spaces (and at explicit line
/// breaks). Only a single word wider than the whole line is broken inside, and every
/// character is kept: nothing is cut.
pub fn wrap(text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: broken inside only when it cannot fit a line by itself.
            for c in word.chars() {
                if !line.is_empty()
                    && text_width(&line, size, bold) + em_width(c, bold) * size > width
                {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

pub fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// A table column: its title, width in points, and whether its cells align right.
pub struct Column {
    pub title: &'static str,
    pub width: f32,
    pub right: bool,
}

impl Column {
    pub const fn left(title: &'static str, width: f32) -> Self {
        Self {
            title,
            width,
            right: false,
        }
    }
    pub const fn right(title: &'static str, width: f32) -> Self {
        Self {
            title,
            width,
            right: true,
        }
    }
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
        self.text(right - text_width(text, size, bold), y, size, bold, text);
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

    /// A section heading, kept on the page of what follows it.
    pub fn heading(&mut self, size: f32, text: &str) {
        self.need(size * LEADING + 40.0);
        self.gap(size * 0.4);
        self.paragraph(size, true, 0.0, text);
        self.gap(size * 0.15);
    }

    /// Text wrapped at word boundaries to the page width, moving the cursor down.
    pub fn paragraph(&mut self, size: f32, bold: bool, indent: f32, text: &str) {
        for line in wrap(text, CONTENT_WIDTH - indent, size, bold) {
            self.need(size * LEADING);
            let y = self.y;
            self.text(MARGIN + indent, y, size, bold, &line);
            self.y -= size * LEADING;
        }
    }

    /// A table: a shaded header row (repeated on each page it spans, when `header`),
    /// then the rows, each cell wrapped to its column; a row is never split across
    /// pages.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>], size: f32, header: bool) {
        let leading = size * LEADING;
        let draw_header = |p: &mut Pages| {
            let cells: Vec<Vec<String>> = columns
                .iter()
                .map(|c| wrap(c.title, c.width - 2.0 * PAD, size, true))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
            p.need(lines * leading + 2.0 * leading);
            let width: f32 = columns.iter().map(|c| c.width).sum();
            let top = p.y + size;
            let height = lines * leading + 2.0;
            p.rect(MARGIN, top - height, width, height, rgb(0.86, 0.89, 0.94));
            p.cells(columns, &cells, size, true);
            p.y -= lines * leading + 2.0;
        };
        if header {
            draw_header(self);
        }
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<Vec<String>> = columns
                .iter()
                .zip(row)
                .map(|(c, text)| wrap(text, c.width - 2.0 * PAD, size, false))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
            if self.need(lines * leading + 2.0) && header {
                draw_header(self);
            }
            if i % 2 == 1 {
                let width: f32 = columns.iter().map(|c| c.width).sum();
                let top = self.y + size;
                let height = lines * leading + 2.0;
                self.rect(MARGIN, top - height, width, height, rgb(0.96, 0.97, 0.98));
            }
            self.cells(columns, &cells, size, false);
            self.y -= lines * leading + 2.0;
        }
    }

    /// Label and value rows, without a header: the label column `label_width` wide,
    /// the value the rest of the line.
    pub fn pairs(&mut self, label_width: f32, rows: &[Vec<String>], size: f32) {
        self.table(
            &[
                Column::left("", label_width),
                Column::left("", CONTENT_WIDTH - label_width),
            ],
            rows,
            size,
            false,
        );
    }

    fn cells(&mut self, columns: &[Column], cells: &[Vec<String>], size: f32, bold: bool) {
        let mut x = MARGIN;
        let y = self.y;
        for (column, lines) in columns.iter().zip(cells) {
            for (n, line) in lines.iter().enumerate() {
                let line_y = y - n as f32 * size * LEADING;
                if column.right {
                    self.text_right(x + column.width - PAD, line_y, size, bold, line);
                } else {
                    self.text(x + PAD, line_y, size, bold, line);
                }
            }
            x += column.width;
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
                let number = format!("Page {} of {total}", i + 1);
                // The footer is short (ids and a date), so one line always holds it.
                self.text(MARGIN, 26.0, 7.5, false, footer);
                self.text_right(PAGE_WIDTH - MARGIN, 26.0, 7.5, false, &number);
                PdfPage::new(
                    printpdf::Mm(PAGE_WIDTH * 25.4 / 72.0),
                    printpdf::Mm(PAGE_HEIGHT * 25.4 / 72.0),
                    std::mem::take(&mut self.ops),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_whole() {
        let name = "Meerdaal University Cell Therapy Facility, Leuven";
        let lines = wrap(name, 90.0, 9.0, false);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), name);
        for line in &lines {
            assert!(text_width(line, 9.0, false) <= 90.0, "{line:?}");
        }
        assert_eq!(wrap("a\nb", 100.0, 9.0, false), ["a", "b"]);
        // A word longer than a line is broken, but no character is lost.
        let long = "x".repeat(80);
        assert_eq!(wrap(&long, 50.0, 9.0, false).concat(), long);
    }

    #[test]
    fn widths_come_from_the_font() {
        assert!(text_width("iiii", 10.0, false) < text_width("MMMM", 10.0, false));
        assert!(text_width("Total", 10.0, true) > text_width("Total", 10.0, false));
    }
}
