//! Procurement reports of a saved shortlist.

use cdmx_sdk::types::Shortlist;

use crate::auth::Principal;
use crate::db::accounts;
use crate::domain::reports::report_data;
use crate::error::ApiError;
use crate::reports;
use crate::startup::AppState;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PDF: &str = "application/pdf";

/// Which file to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The ranking table as CSV.
    RankingCsv,
    /// The excluded CDMOs and why, as CSV.
    ExcludedCsv,
    Xlsx,
    Pdf,
}

/// A rendered report: its media type, file name and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

/// Renders one of the caller's shortlists. The same shortlist always gives the same
/// CSV and XLSX content; rendering runs off the async workers.
pub async fn shortlist_report(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    format: ReportFormat,
) -> Result<ReportFile, ApiError> {
    let shortlist = super::matching::get_shortlist(state, principal, shortlist_id).await?;
    render_report(state, shortlist, format).await
}

/// Renders a shortlist already authorized for the reader (its owner, or a share link).
pub async fn render_report(
    state: &AppState,
    shortlist: Shortlist,
    format: ReportFormat,
) -> Result<ReportFile, ApiError> {
    let data = report_data(&shortlist);
    let stem = format!(
        "cdmx-{}-{}",
        shortlist.created_at.format("%Y%m%d"),
        slug(&shortlist.name)
    );
    let (content_type, filename, bytes) = match format {
        ReportFormat::RankingCsv => (
            CSV,
            format!("{stem}-ranking.csv"),
            reports::ranking_csv(&data).map_err(ApiError::internal)?,
        ),
        ReportFormat::ExcludedCsv => (
            CSV,
            format!("{stem}-excluded.csv"),
            reports::excluded_csv(&data).map_err(ApiError::internal)?,
        ),
        ReportFormat::Xlsx => {
            let created = shortlist.created_at;
            let bytes = crate::telemetry::blocking(move || reports::xlsx(&data, created))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            (XLSX, format!("{stem}.xlsx"), bytes)
        }
        ReportFormat::Pdf => {
            let sponsor_id = shortlist.organization_id.clone();
            let sponsor = state
                .db
                .run(move |c| accounts::find_organization(c, &sponsor_id))
                .await?
                .name;
            let bytes = crate::telemetry::blocking(move || reports::pdf(&data, &sponsor))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            (PDF, format!("{stem}.pdf"), bytes)
        }
    };
    Ok(ReportFile {
        content_type,
        filename,
        bytes,
    })
}
