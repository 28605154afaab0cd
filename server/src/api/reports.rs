//! Procurement reports of a saved shortlist.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use cdmx_sdk::types::{Problem, ReportParams};

use super::extract::ApiQuery;
use crate::app::reports::{self, PDF, ReportFormat, XLSX};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// A report's bytes, as the OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct ReportFile(Vec<u8>);

/// The file asked for: the `format` parameter, else the first acceptable type in
/// `Accept` (CSV when the client accepts anything); for CSV, the `table`.
pub(super) fn negotiate(
    req: &HttpRequest,
    params: &ReportParams,
) -> Result<ReportFormat, ApiError> {
    let unsupported = |what: &str| {
        ApiError::NotAcceptable(format!("{what} is not available; formats: csv, xlsx, pdf"))
    };
    let csv = || match params.table.as_deref() {
        None | Some("ranking") => Ok(ReportFormat::RankingCsv),
        Some("excluded") => Ok(ReportFormat::ExcludedCsv),
        Some(_) => Err(ApiError::bad_request_field(
            "table",
            "must be `ranking` or `excluded`",
        )),
    };
    if let Some(format) = params.format.as_deref() {
        return match format.trim().to_ascii_lowercase().as_str() {
            "csv" => csv(),
            "xlsx" => Ok(ReportFormat::Xlsx),
            "pdf" => Ok(ReportFormat::Pdf),
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
            "text/csv" | "*/*" | "text/*" => return csv(),
            XLSX => return Ok(ReportFormat::Xlsx),
            PDF => return Ok(ReportFormat::Pdf),
            _ => {}
        }
    }
    Err(unsupported(&format!("`{accept}`")))
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
    let format = negotiate(&req, &query.0)?;
    let file = reports::shortlist_report(&state, &principal, id.into_inner(), format).await?;
    Ok(report_response(HttpResponse::Ok(), file))
}

/// A rendered report as the answer, named in `Content-Disposition`.
pub(super) fn report_response(
    mut response: actix_web::HttpResponseBuilder,
    file: reports::ReportFile,
) -> HttpResponse {
    response
        .content_type(file.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file.filename)],
        })
        .body(file.bytes)
}
