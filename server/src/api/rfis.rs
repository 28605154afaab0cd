//! RFIs and quotes.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{
    DeclineRequest, NewQuote, NewRfi, Page, PageParams, Problem, Quote, Rfi, RfiFilter, SentRfis,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::rfis;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Send a request for information and quote about one of your programmes to one or more
/// CDMOs (sponsors): one RFI per CDMO, sharing a `request_id`. Choose what to disclose;
/// the CDMOs see only that, and not your name if you withhold it until they accept the
/// confidentiality agreement. Each CDMO sees only the RFI sent to it.
#[utoipa::path(
    tag = "rfis",
    operation_id = "create_rfi",
    params(IdempotencyKeyParam),
    request_body = NewRfi,
    responses((status = 201, description = "The RFIs sent, one per CDMO", body = SentRfis))
)]
#[post("/rfis")]
pub async fn create_rfi(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<NewRfi>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let sent = rfis::send(state, principal, request).await?;
            Ok(HttpResponse::Created().json(sent))
        },
    )
    .await
}

/// Your RFIs: those your sponsor organisation sent, or your CDMO's inbox.
#[utoipa::path(
    tag = "rfis",
    operation_id = "list_rfis",
    params(RfiFilter),
    responses((status = 200, description = "A page of RFIs", body = Page<Rfi>))
)]
#[get("/rfis")]
pub async fn list_rfis(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<RfiFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = rfis::list(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One RFI you sent or received, as your side sees it.
#[utoipa::path(
    tag = "rfis",
    operation_id = "get_rfi",
    params(("id" = String, Path, description = "RFI id")),
    responses((status = 200, description = "The RFI", body = Rfi))
)]
#[get("/rfis/{id}")]
pub async fn get_rfi(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rfi = rfis::get(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rfi))
}

/// Accept the RFI's confidentiality agreement (the CDMO it was sent to): who and when
/// are recorded, and a withheld sponsor name is shown from then on. Accepting again
/// changes nothing.
#[utoipa::path(
    tag = "rfis",
    operation_id = "accept_rfi_confidentiality",
    params(("id" = String, Path, description = "RFI id")),
    responses(
        (status = 200, description = "The RFI, with the sponsor named", body = Rfi),
        (status = 409, description = "The RFI has expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/rfis/{id}/confidentiality")]
pub async fn accept_rfi_confidentiality(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rfi = rfis::accept_confidentiality(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rfi))
}

/// Decline to quote (the CDMO the RFI was sent to), saying why.
#[utoipa::path(
    tag = "rfis",
    operation_id = "decline_rfi",
    params(("id" = String, Path, description = "RFI id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = Rfi),
        (status = 409, description = "Already answered or expired (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/rfis/{id}/decline")]
pub async fn decline_rfi(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<DeclineRequest>,
) -> Result<HttpResponse, ApiError> {
    let rfi = rfis::decline(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(rfi))
}

/// Answer an RFI with a quote (the CDMO it was sent to), offering slots of your own
/// published capacity blocks that are free now. An offer of a block that does not exist,
/// is another organisation's, or lacks the slots is 422 naming it, and nothing is
/// written. One quote per RFI.
#[utoipa::path(
    tag = "rfis",
    operation_id = "create_quote",
    params(
        ("id" = String, Path, description = "RFI id"),
        IdempotencyKeyParam
    ),
    request_body = NewQuote,
    responses(
        (status = 201, description = "The quote", body = Quote),
        (status = 409, description = "The RFI was answered already or expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/rfis/{id}/quotes")]
pub async fn create_quote(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<NewQuote>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal, id) = (&state, &principal, id.into_inner());
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let quote = rfis::submit_quote(state, principal, id, request).await?;
            Ok(HttpResponse::Created()
                .insert_header((header::LOCATION, format!("/v1/quotes/{}", quote.id)))
                .json(quote))
        },
    )
    .await
}

/// One quote: its sponsor and its CDMO only.
#[utoipa::path(
    tag = "rfis",
    operation_id = "get_quote",
    params(("id" = String, Path, description = "Quote id")),
    responses((status = 200, description = "The quote", body = Quote))
)]
#[get("/quotes/{id}")]
pub async fn get_quote(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let quote = rfis::get_quote(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(quote))
}

/// Accept a quote (the sponsor): in one transaction, exactly the offered slots are held
/// (one hold per block, carrying the disclosed programme summary), all or nothing. 409
/// when the slots are gone, the quote is no longer open, or a quote of the same request
/// was accepted already; nothing is then written.
#[utoipa::path(
    tag = "rfis",
    operation_id = "accept_quote",
    params(("id" = String, Path, description = "Quote id")),
    responses(
        (status = 200, description = "Accepted: `reservation_ids` are the holds", body = Quote),
        (status = 409, description = "The slots are gone, the quote is no longer open, or another acceptance won; nothing was held", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/quotes/{id}/accept")]
pub async fn accept_quote(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let quote = rfis::accept_quote(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(quote))
}

/// Decline a quote (the sponsor), saying why.
#[utoipa::path(
    tag = "rfis",
    operation_id = "decline_quote",
    params(("id" = String, Path, description = "Quote id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = Quote),
        (status = 409, description = "The quote is no longer open (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/quotes/{id}/decline")]
pub async fn decline_quote(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<DeclineRequest>,
) -> Result<HttpResponse, ApiError> {
    let quote = rfis::decline_quote(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(quote))
}

/// The quotes on one of your programmes, side by side (oldest first), from all its
/// RFIs, a page at a time.
#[utoipa::path(
    tag = "rfis",
    operation_id = "list_program_quotes",
    params(("id" = String, Path, description = "Programme id"), PageParams),
    responses((status = 200, description = "The programme's quotes", body = Page<Quote>))
)]
#[get("/programs/{id}/quotes")]
pub async fn list_program_quotes(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let quotes = rfis::program_quotes(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(quotes))
}
