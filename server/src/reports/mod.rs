//! Report files of a shortlist: CSV (RFC 4180, UTF-8), XLSX, PDF and a self-contained
//! HTML page. All are reproducible: their content depends on the shortlist and the quotes
//! stored on its programme only (dates come from them), never on the clock.
//!
//! Every format renders the same content model, [`ReportData`](crate::domain::reports::ReportData),
//! built once from the shortlist by the domain; each file here only lays it out.

mod csv;
mod html;
mod pdf;
mod xlsx;

pub use self::csv::{excluded_csv, quotes_csv, ranking_csv};
pub use self::html::html;
pub use self::pdf::pdf;
pub use self::xlsx::xlsx;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("csv: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("pdf: {0}")]
    Pdf(String),
}
