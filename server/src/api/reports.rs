//! Procurement reports of a saved shortlist.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use cdmx_sdk::types::{Problem, ReportParams};

use super::extract::ApiQuery;
use crate::app::reports::{self, PDF, ReportFormat, XLSX};

/// What the HTML report may load: nothing but its own inline styles and SVG.
const HTML_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
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
        ApiError::NotAcceptable(format!(
            "{what} is not available; formats: csv, xlsx, pdf, html"
        ))
    };
    let csv = || match params.table.as_deref() {
        None | Some("ranking") => Ok(ReportFormat::RankingCsv),
        Some("excluded") => Ok(ReportFormat::ExcludedCsv),
        Some("quotes") => Ok(ReportFormat::QuotesCsv),
        Some(_) => Err(ApiError::bad_request_field(
            "table",
            "must be `ranking`, `excluded` or `quotes`",
        )),
    };
    if let Some(format) = params.format.as_deref() {
        return match format.trim().to_ascii_lowercase().as_str() {
            "csv" => csv(),
            "xlsx" => Ok(ReportFormat::Xlsx),
            "pdf" => Ok(ReportFormat::Pdf),
            "html" => Ok(ReportFormat::Html),
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
            "text/html" => return Ok(ReportFormat::Html),
            _ => {}
        }
    }
    Err(unsupported(&format!("`{accept}`")))
}

/// Export a shortlist for procurement: CSV (`table=ranking`, `excluded` or `quotes`; any
/// other table is 400 naming `table`), XLSX (summary with methodology, ranking,
/// per-criterion breakdown with a chart, raw values with evidence, excluded, quotes,
/// requirements), PDF (identity and provenance, requirement set in words, criteria and
/// scales, ranking, raw values beside contributions, chart, every excluded CDMO with
/// reasons, the quotes received on the programme, robustness, methodology, profile ids and
/// revisions) or HTML (the same as one self-contained, printable page: inline CSS and SVG,
/// no script, nothing loaded from elsewhere; served inline). The quotes are those
/// received on the shortlist's programme, oldest first, in their stored state beside
/// their `valid_until`. A shortlist saved with rank acceptability shows it beside the
/// point scores (a section, an `Acceptability` sheet, and two columns after `total` in
/// the ranking CSV). The same shortlist and the same stored quotes always give the same
/// file.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "get_shortlist_report",
    params(("id" = String, Path, description = "Shortlist id"), ReportParams),
    responses(
        (status = 200, description = "The report file, named in Content-Disposition",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"cdmx-<date>-<shortlist>.<csv|xlsx|pdf>\"`; for HTML `inline; filename=\"cdmx-<date>-<shortlist>.html\"`")),
            content(
                (inline(ReportFile) = "text/csv"),
                (inline(ReportFile) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (inline(ReportFile) = "application/pdf"),
                (inline(ReportFile) = "text/html")
            )
        ),
        (status = 400, description = "An unknown CSV `table` (named in `errors`)", body = Problem, content_type = "application/problem+json"),
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
    Ok(report_response(HttpResponse::Ok(), format, file))
}

/// A rendered report as the answer, named in `Content-Disposition`. An HTML page is
/// shown inline, under a policy that lets it load nothing.
pub(super) fn report_response(
    mut response: actix_web::HttpResponseBuilder,
    format: ReportFormat,
    file: reports::ReportFile,
) -> HttpResponse {
    response.content_type(file.content_type);
    if format == ReportFormat::Html {
        response.insert_header((
            header::CONTENT_SECURITY_POLICY,
            HTML_CONTENT_SECURITY_POLICY,
        ));
    }
    response
        .insert_header(ContentDisposition {
            disposition: if format == ReportFormat::Html {
                DispositionType::Inline
            } else {
                DispositionType::Attachment
            },
            parameters: vec![DispositionParam::Filename(file.filename)],
        })
        .body(file.bytes)
}
