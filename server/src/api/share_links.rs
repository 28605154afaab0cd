//! Share links to shortlist reports, and the public route they open.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{
    CreatedShareLink, NewShareLink, Page, PageParams, Problem, ReportParams, ShareLink,
};

use super::extract::{ApiJsonOrDefault, ApiQuery, ClientAddress, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use super::reports::{ReportFile, negotiate, report_response};
use crate::app::share_links;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Create a read-only link to one of your organisation's shortlists' reports, for
/// colleagues without an account. It expires after `expires_in_days` (1 to 90, default
/// 14) unless revoked first. The `url` carries the link's secret token and is in this
/// response only (sent with `Cache-Control: no-store`): the server keeps only a hash of
/// the token, so a retry with the same `Idempotency-Key` answers 409 naming the link
/// instead (revoke it if its URL was lost).
#[utoipa::path(
    tag = "shortlists",
    operation_id = "create_share_link",
    params(("id" = String, Path, description = "Shortlist id"), IdempotencyKeyParam),
    request_body = NewShareLink,
    responses(
        (status = 201, description = "The link, with its `url` shown this once", body = CreatedShareLink),
        (status = 409, description = "This `Idempotency-Key` already created a link (named in the problem; its URL is not shown again), or the same key is in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/shortlists/{id}/share-links")]
pub async fn create_share_link(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJsonOrDefault<NewShareLink>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    let shortlist_id = id.into_inner();
    let base_url = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let replay = Replay::SecretShownOnce {
        id_at: "/share_link/id",
    };
    once(
        state,
        principal,
        idempotency,
        body.0,
        replay,
        |request| async move {
            let created =
                share_links::create(state, principal, shortlist_id, request, &base_url).await?;
            Ok(HttpResponse::Created()
                .insert_header(("Cache-Control", "no-store"))
                .json(created))
        },
    )
    .await
}

/// A shortlist's share links, newest first, with how often each was opened; never their
/// tokens.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "list_share_links",
    params(("id" = String, Path, description = "Shortlist id"), PageParams),
    responses((status = 200, description = "A page of share links, without tokens", body = Page<ShareLink>))
)]
#[get("/shortlists/{id}/share-links")]
pub async fn list_share_links(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = share_links::list(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Revoke a share link: it stops opening the report at once. Revoking again changes
/// nothing.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "revoke_share_link",
    params(("id" = String, Path, description = "Share link id (not its token)")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/share-links/{id}")]
pub async fn revoke_share_link(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    share_links::revoke(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Open a shared shortlist report, without an account: the token is the secret part of
/// a share link's `url`. The same formats as `GET /v1/shortlists/{id}/report`. Unknown,
/// expired and revoked links all answer the same 404. Each opening is counted and
/// recorded in the owner's audit trail. Answers carry `Cache-Control: no-store` and
/// `Referrer-Policy: no-referrer`.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "get_shared_report",
    security(()),
    params(("token" = String, Path, description = "The share link's token"), ReportParams),
    responses(
        (status = 200, description = "The report file, named in Content-Disposition",
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"cdmx-<date>-<shortlist>.<csv|xlsx|pdf>\"`; for HTML `inline; filename=\"cdmx-<date>-<shortlist>.html\"`"),
                ("Cache-Control" = String, description = "`no-store`"),
                ("Referrer-Policy" = String, description = "`no-referrer`")
            ),
            content(
                (inline(ReportFile) = "text/csv"),
                (inline(ReportFile) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (inline(ReportFile) = "application/pdf"),
                (inline(ReportFile) = "text/html")
            )
        ),
        (status = 404, description = "No such link, or it expired or was revoked (the same answer for all three)", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "An unknown CSV `table`, or `table=quotes`: the quotes are not shared through links (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many shared reports opened from this address (`rate_limit_shared_reports_per_address`); `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/shared/{token}/report")]
pub async fn get_shared_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: ClientAddress,
    token: web::Path<String>,
    query: ApiQuery<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, &query.0)?;
    let file = share_links::open_report(&state, token.into_inner(), format, client.0).await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"));
    Ok(report_response(response, format, file))
}
