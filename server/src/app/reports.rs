//! Procurement reports of a saved shortlist.

use cdmx_sdk::types::Shortlist;

use super::decisions::current_decision;
use super::rfis::stored_quote;
use crate::auth::Principal;
use crate::db::accounts::{Keyset, OrganizationNames};
use crate::db::{DbConnection, StoreError, accounts, rfis};
use crate::domain::decisions::RecordedDecision;
use crate::domain::reports::{DecisionBlock, QuoteRow, ReportPeople, report_data};
use crate::error::ApiError;
use crate::reports;
use crate::startup::AppState;

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PDF: &str = "application/pdf";
pub const HTML: &str = "text/html; charset=utf-8";

/// Which file to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The ranking table as CSV.
    RankingCsv,
    /// The excluded CDMOs and why, as CSV.
    ExcludedCsv,
    /// The quotes received on the shortlist's programme, as CSV.
    QuotesCsv,
    Xlsx,
    Pdf,
    /// One self-contained page, to read in a browser or print.
    Html,
}

/// Who a report is rendered for. The sponsor sees the quotes it received; a share link's
/// holder, whoever that is, does not: the CDMOs quoted the sponsor, not them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReader {
    Sponsor,
    LinkHolder,
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

/// Renders one of the caller's shortlists. The same shortlist and the same stored quotes
/// always give the same file; rendering runs off the async workers.
pub async fn shortlist_report(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    format: ReportFormat,
) -> Result<ReportFile, ApiError> {
    let shortlist = super::matching::get_shortlist(state, principal, shortlist_id).await?;
    render_report(state, shortlist, format, ReportReader::Sponsor).await
}

/// Who saved a shortlist, as a reader knows them: a user's email, an API key's name, or
/// the id when neither exists any more.
fn saved_by(c: &mut crate::db::DbConnection, id: &str) -> Result<String, StoreError> {
    match accounts::find_user(c, id) {
        Ok(user) if user.deleted_at.is_none() => return Ok(user.email),
        Ok(_) => return Ok(format!("a deleted user ({id})")),
        Err(StoreError::NotFound) => {}
        Err(other) => return Err(other),
    }
    match accounts::find_api_key(c, id) {
        Ok(key) => Ok(format!("API key \u{201c}{}\u{201d}", key.name)),
        Err(StoreError::NotFound) => Ok(id.to_owned()),
        Err(other) => Err(other),
    }
}

/// Every quote `sponsor` received on its programme `program_id`, oldest first, with
/// the quoting CDMOs' names.
fn quotes_received(
    c: &mut DbConnection,
    sponsor: &str,
    program_id: &str,
) -> Result<(Vec<rfis::QuoteRow>, OrganizationNames), StoreError> {
    let every = Keyset {
        after: None,
        fetch: i64::MAX,
    };
    let rows = rfis::quotes_of_program(c, sponsor, program_id, &every)?;
    let names =
        accounts::organization_names(c, rows.iter().map(|r| r.cdmo_organization_id.as_str()))?;
    Ok((rows, names))
}

/// Renders a shortlist already authorized for the reader (its owner, or a share link).
pub async fn render_report(
    state: &AppState,
    shortlist: Shortlist,
    format: ReportFormat,
    reader: ReportReader,
) -> Result<ReportFile, ApiError> {
    let quotes_withheld = reader == ReportReader::LinkHolder;
    if quotes_withheld && format == ReportFormat::QuotesCsv {
        return Err(ApiError::bad_request_field(
            "table",
            "the quotes are not shared through links: the sponsor can export them",
        ));
    }
    let sponsor_id = shortlist.organization_id.clone();
    let author_id = shortlist.created_by.clone();
    let shortlist_id = shortlist.id.clone();
    let program_id = shortlist.program_id.clone();
    let (people, decision, (quotes, cdmo_names)) = state
        .db
        .run(move |c| {
            let people = ReportPeople {
                sponsor: accounts::find_organization(c, &sponsor_id)?.name,
                generated_by: saved_by(c, &author_id)?,
            };
            let decision = current_decision(c, &shortlist_id)?;
            let quotes = if quotes_withheld {
                Default::default()
            } else {
                quotes_received(c, &sponsor_id, &program_id)?
            };
            Ok((people, decision, quotes))
        })
        .await?;
    let mut data = report_data(&shortlist, &people);
    data.decision = decision.map(decision_block);
    data.quotes_withheld = quotes_withheld;
    // In the state last recorded, never re-read against the clock: the report depends
    // on stored data only.
    data.quotes = quotes
        .iter()
        .map(|row| Ok(QuoteRow::of(&stored_quote(row, &cdmo_names)?)))
        .collect::<Result<_, ApiError>>()?;
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
        ReportFormat::QuotesCsv => (
            CSV,
            format!("{stem}-quotes.csv"),
            reports::quotes_csv(&data).map_err(ApiError::internal)?,
        ),
        ReportFormat::Xlsx => {
            let bytes = crate::telemetry::blocking(move || reports::xlsx(&data))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            (XLSX, format!("{stem}.xlsx"), bytes)
        }
        ReportFormat::Pdf => {
            let bytes = crate::telemetry::blocking(move || reports::pdf(&data))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            (PDF, format!("{stem}.pdf"), bytes)
        }
        ReportFormat::Html => (
            HTML,
            format!("{stem}.html"),
            reports::html(&data).into_bytes(),
        ),
    };
    Ok(ReportFile {
        content_type,
        filename,
        bytes,
    })
}

/// The current decision as the report's decision block: who decided by name where one
/// is known.
fn decision_block(decision: RecordedDecision) -> DecisionBlock {
    DecisionBlock {
        id: decision.id,
        outcome: decision.outcome,
        selected: decision.selected.into_iter().map(|s| s.name).collect(),
        rationale: decision.rationale,
        decided_by: decision.decided_by.name.unwrap_or(decision.decided_by.id),
        decided_at: decision.decided_at,
        supersedes: decision.supersedes,
    }
}
