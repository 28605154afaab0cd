//! Procurement reports of a saved shortlist.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use cdmx_sdk::types::{Problem, ReportParams};

use super::extract::ApiQuery;
use crate::app::views;
use crate::auth::Principal;
use crate::db::{accounts, programs};
use crate::domain::reports::report_data;
use crate::error::ApiError;
use crate::reports;
use crate::startup::AppState;

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const PDF: &str = "application/pdf";

/// A report's bytes, as the OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only its schema is used.
struct ReportFile(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
    Pdf,
}

/// The format asked for: the `format` parameter, else the first acceptable type in
/// `Accept` (CSV when the client accepts anything).
fn negotiate(req: &HttpRequest, format: Option<&str>) -> Result<Format, ApiError> {
    let unsupported = |what: &str| {
        ApiError::NotAcceptable(format!("{what} is not available; formats: csv, xlsx, pdf"))
    };
    if let Some(format) = format {
        return match format.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "pdf" => Ok(Format::Pdf),
            other => Err(unsupported(&format!("format `{other}`"))),
        };
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    for media in accept
        .split(',')
        .map(|m| m.split(';').next().unwrap_or_default().trim())
    {
        match media {
            "text/csv" | "*/*" | "text/*" => return Ok(Format::Csv),
            XLSX => return Ok(Format::Xlsx),
            PDF => return Ok(Format::Pdf),
            _ => {}
        }
    }
    Err(unsupported(&format!("`{accept}`")))
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

/// Export a shortlist for procurement: CSV (`table=ranking` or `excluded`), XLSX
/// (ranking, per-criterion breakdown with a chart, excluded, requirements) or PDF
/// (cover, ranked table, contribution chart, excluded and near misses, robustness,
/// appendix). The same shortlist always gives the same CSV and XLSX content.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "get_shortlist_report",
    params(("id" = String, Path, description = "Shortlist id"), ReportParams),
    responses(
        (status = 200, description = "The report file, named in Content-Disposition",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"cdmx-<date>-<programme>.<csv|xlsx|pdf>\"`")),
            content(
                (inline(ReportFile) = "text/csv"),
                (inline(ReportFile) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (inline(ReportFile) = "application/pdf")
            )
        ),
        (status = 406, description = "Unknown format", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/shortlists/{id}/report")]
pub async fn get_shortlist_report(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    query: ApiQuery<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.0;
    let organization_id = principal.organization_id.clone();
    let id = id.into_inner();
    let row = state
        .db
        .run(move |c| programs::find_shortlist(c, &organization_id, &id))
        .await?;
    let format = negotiate(&req, params.format.as_deref())?;
    let shortlist = views::shortlist(row)?;
    let data = report_data(&shortlist);
    let stem = format!(
        "cdmx-{}-{}",
        shortlist.created_at.format("%Y%m%d"),
        slug(&shortlist.name)
    );
    let (content_type, filename, bytes) = match format {
        Format::Csv => {
            let excluded = match params.table.as_deref() {
                None | Some("ranking") => false,
                Some("excluded") => true,
                Some(_) => {
                    return Err(ApiError::bad_request_field(
                        "table",
                        "must be `ranking` or `excluded`",
                    ));
                }
            };
            let bytes = if excluded {
                reports::excluded_csv(&data)
            } else {
                reports::ranking_csv(&data)
            }
            .map_err(ApiError::internal)?;
            (
                CSV,
                format!(
                    "{stem}-{}.csv",
                    if excluded { "excluded" } else { "ranking" }
                ),
                bytes,
            )
        }
        Format::Xlsx => {
            let created = shortlist.created_at;
            let bytes = crate::telemetry::blocking(move || reports::xlsx(&data, created))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            (XLSX, format!("{stem}.xlsx"), bytes)
        }
        Format::Pdf => {
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
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .body(bytes))
}
