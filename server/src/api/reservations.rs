//! Reservations of capacity: holds, confirmations, cancellations, reschedules.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use cdmx_sdk::types::{
    NewReservation, OrganizationKind, Page, Problem, RescheduleRequest, Reservation,
    ReservationEvent, ReservationFilter,
};
use sha2::{Digest, Sha256};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::db::idempotency::{self, Claim};
use crate::db::reservations::{self, NewHold, ReservationParty, ReservationRow};
use crate::db::{StoreError, now, programs};
use crate::domain::reservations::Transition;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use crate::startup::AppState;

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// A claimed key whose request never finished may be reused after this long.
const ABANDONED_AFTER_SECONDS: i64 = 60;

fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(IDEMPOTENCY_KEY).ok_or_else(|| {
        ApiError::bad_request_field(
            IDEMPOTENCY_KEY,
            "is required: a unique value per reservation, reused on retries",
        )
    })?;
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request_field(
            IDEMPOTENCY_KEY,
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key.to_owned())
}

/// Which side of a reservation the caller is on; strangers are told it does not exist.
fn party(principal: &Principal, row: &ReservationRow) -> Result<ReservationParty, ApiError> {
    if principal.organization_id == row.sponsor_organization_id {
        Ok(ReservationParty::Sponsor(principal.organization_id.clone()))
    } else if principal.organization_id == row.cdmo_organization_id {
        Ok(ReservationParty::Cdmo(principal.organization_id.clone()))
    } else {
        Err(ApiError::NotFound)
    }
}

fn json_response(status: u16, body: String, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.content_type(if status.is_success() {
        "application/json"
    } else {
        PROBLEM_CONTENT_TYPE
    });
    if replayed {
        response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
    }
    response.body(body)
}

/// Hold slots of a capacity block (sponsors). The hold expires unless the CDMO confirms
/// it. Requires an `Idempotency-Key` header: a retry with the same key and body replays
/// the first answer (`Idempotent-Replayed: true`), the same key with another body is
/// 422, and while the first request is in progress a duplicate is 409. Keys are scoped
/// to your organisation and kept 24 hours.
#[utoipa::path(
    tag = "reservations",
    operation_id = "create_reservation",
    params(("Idempotency-Key" = String, Header, description = "Unique per reservation; reuse it when retrying")),
    request_body = NewReservation,
    responses(
        (status = 201, description = "The hold", body = Reservation),
        (status = 409, description = "Not enough free slots, a hold limit reached, or the same key in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations")]
pub async fn create_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    body: ApiJson<NewReservation>,
) -> Result<HttpResponse, ApiError> {
    if principal.organization_kind != OrganizationKind::Sponsor {
        return Err(ApiError::Forbidden(
            "reservations are placed by sponsor organisations".into(),
        ));
    }
    let key = idempotency_key(&req)?;
    let request = body.0;
    let hash: String = Sha256::digest(serde_json::to_vec(&request).map_err(ApiError::internal)?)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let organization_id = principal.organization_id.clone();
    let (org, k, h, at) = (organization_id.clone(), key.clone(), hash.clone(), now());
    let claim = state
        .db
        .write(move |c| {
            idempotency::claim_key(
                c,
                &org,
                &k,
                &h,
                at,
                chrono::Duration::seconds(ABANDONED_AFTER_SECONDS),
            )
        })
        .await?;
    match claim {
        Claim::Replay { status, body } => return Ok(json_response(status, body, true)),
        Claim::Mismatch => {
            return Err(ApiError::invalid_field(
                IDEMPOTENCY_KEY,
                "was already used with a different request body",
            ));
        }
        Claim::InProgress => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still in progress; retry later".into(),
            ));
        }
        Claim::Claimed => {}
    }

    let outcome = place(&state, &principal, request, &key).await;
    if let Err(error) = &outcome
        && error.status_code().is_server_error()
    {
        // Server errors are not replayed: give the key back so a retry can succeed.
        let (org, k) = (organization_id, key);
        let _ = state
            .db
            .write(move |c| idempotency::release_key(c, &org, &k))
            .await;
    }
    let (status, body) = outcome?;
    Ok(json_response(status, body, false))
}

/// Validates and places the hold; the key records the answer in the same transaction
/// as the reservation, so a retry can never create a second one.
async fn place(
    state: &AppState,
    principal: &Principal,
    request: NewReservation,
    key: &str,
) -> Result<(u16, String), ApiError> {
    let organization_id = principal.organization_id.clone();
    let mut invalid = Vec::new();
    if request.slots == 0 {
        invalid.push(("slots", "must be at least 1"));
    }
    if request
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 2000)
    {
        invalid.push(("note", "must be at most 2000 characters"));
    }
    let validation = (!invalid.is_empty()).then(|| {
        ApiError::Validation(
            invalid
                .into_iter()
                .map(|(f, m)| cdmx_sdk::types::FieldError {
                    field: f.into(),
                    message: m.into(),
                })
                .collect(),
        )
    });
    let hold = NewHold {
        block_id: request.capacity_id.clone(),
        sponsor_organization_id: organization_id.clone(),
        program_id: request.program_id.clone(),
        slots: request.slots.min(i32::MAX as u32) as i32,
        note: request.note.clone(),
        actor: principal.id.clone(),
    };
    let limits = state.hold_limits;
    let key = key.to_owned();
    let at = now();
    state
        .db
        .write(move |c| {
            // Answers that are the request's fault are recorded and replayed too.
            let answer = |c: &mut crate::db::DbConnection,
                          error: ApiError|
             -> Result<(u16, String), StoreError> {
                let problem = serde_json::to_string(&error.to_problem())
                    .map_err(|e| StoreError::Task(e.to_string()))?;
                let status = error.status_code().as_u16();
                idempotency::complete_key(c, &organization_id, &key, status, &problem)?;
                Ok((status, problem))
            };
            if let Some(error) = validation {
                return answer(c, error);
            }
            if let Some(program) = &hold.program_id
                && programs::find_program(c, &organization_id, program).is_err()
            {
                return answer(
                    c,
                    ApiError::invalid_field("program_id", "no such programme in your organisation"),
                );
            }
            match reservations::place_hold(c, &hold, limits, at) {
                Ok(row) => {
                    let view =
                        views::reservation(row, at).map_err(|e| StoreError::Task(e.to_string()))?;
                    let body = serde_json::to_string(&view)
                        .map_err(|e| StoreError::Task(e.to_string()))?;
                    idempotency::complete_key(c, &organization_id, &key, 201, &body)?;
                    Ok((201, body))
                }
                Err(StoreError::NotFound) => answer(
                    c,
                    ApiError::invalid_field("capacity_id", "no such capacity block"),
                ),
                Err(StoreError::Conflict(message)) => answer(c, ApiError::Conflict(message)),
                Err(other) => Err(other),
            }
        })
        .await
        .map_err(ApiError::from)
}

/// Your reservations: a sponsor's own, or those on a CDMO's capacity.
#[utoipa::path(
    tag = "reservations",
    operation_id = "list_reservations",
    params(ReservationFilter),
    responses((status = 200, description = "A page of reservations", body = Page<Reservation>))
)]
#[get("/reservations")]
pub async fn list_reservations(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<ReservationFilter>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.0;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let party = match principal.organization_kind {
        OrganizationKind::Sponsor => ReservationParty::Sponsor(principal.organization_id.clone()),
        OrganizationKind::Cdmo => ReservationParty::Cdmo(principal.organization_id.clone()),
        _ => {
            return Err(ApiError::Forbidden(
                "reservations are listed by their sponsor or CDMO".into(),
            ));
        }
    };
    let state_filter = filter.state;
    let rows = state
        .db
        .run(move |c| {
            reservations::list_reservations(
                c,
                &party,
                state_filter,
                filter.capacity_id,
                keyset.after,
                keyset.fetch,
            )
        })
        .await?;
    let at = now();
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, |r| views::reservation(r, at))?))
}

async fn load_for(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<(ReservationRow, ReservationParty), ApiError> {
    let row = state
        .db
        .run(move |c| reservations::find_reservation(c, &id))
        .await?;
    let party = party(principal, &row)?;
    Ok((row, party))
}

/// One of your reservations.
#[utoipa::path(
    tag = "reservations",
    operation_id = "get_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "The reservation", body = Reservation))
)]
#[get("/reservations/{id}")]
pub async fn get_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (row, _) = load_for(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(views::reservation(row, now())?))
}

/// Every transition of a reservation, oldest first.
#[utoipa::path(
    tag = "reservations",
    operation_id = "list_reservation_events",
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "The events, in one page", body = Page<ReservationEvent>))
)]
#[get("/reservations/{id}/events")]
pub async fn list_reservation_events(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    load_for(&state, &principal, id.clone()).await?;
    let rows = state
        .db
        .run(move |c| reservations::list_events(c, &id))
        .await?;
    let items = rows
        .into_iter()
        .map(views::reservation_event)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

async fn apply(
    state: &AppState,
    principal: &Principal,
    id: String,
    transition: Transition,
    allowed: fn(&ReservationParty) -> bool,
    who: &str,
) -> Result<HttpResponse, ApiError> {
    let (_, party) = load_for(state, principal, id.clone()).await?;
    if !allowed(&party) {
        return Err(ApiError::Forbidden(format!("only the {who} can do this")));
    }
    let actor = principal.id.clone();
    let at = now();
    let row = state
        .db
        .write(move |c| reservations::transition(c, &id, transition, &actor, at))
        .await?;
    Ok(HttpResponse::Ok().json(views::reservation(row, at)?))
}

fn is_cdmo(p: &ReservationParty) -> bool {
    matches!(p, ReservationParty::Cdmo(_))
}

fn is_sponsor(p: &ReservationParty) -> bool {
    matches!(p, ReservationParty::Sponsor(_))
}

/// Confirm a hold (the CDMO). 409 naming the state when it is not a live hold.
#[utoipa::path(
    tag = "reservations",
    operation_id = "confirm_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Confirmed", body = Reservation),
        (status = 409, description = "Not a live hold (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/confirm")]
pub async fn confirm_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    apply(
        &state,
        &principal,
        id.into_inner(),
        Transition::Confirm,
        is_cdmo,
        "CDMO",
    )
    .await
}

/// Decline a hold (the CDMO).
#[utoipa::path(
    tag = "reservations",
    operation_id = "decline_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Declined", body = Reservation),
        (status = 409, description = "Not a live hold (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/decline")]
pub async fn decline_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    apply(
        &state,
        &principal,
        id.into_inner(),
        Transition::Decline,
        is_cdmo,
        "CDMO",
    )
    .await
}

/// Cancel a hold or a confirmed reservation (the sponsor).
#[utoipa::path(
    tag = "reservations",
    operation_id = "cancel_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Cancelled", body = Reservation),
        (status = 409, description = "Already ended (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/cancel")]
pub async fn cancel_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    apply(
        &state,
        &principal,
        id.into_inner(),
        Transition::Cancel,
        is_sponsor,
        "sponsor",
    )
    .await
}

/// Move a reservation to another block of the same CDMO (either party), atomically.
#[utoipa::path(
    tag = "reservations",
    operation_id = "reschedule_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "Moved", body = Reservation),
        (status = 409, description = "The target is full or another CDMO's, or the reservation ended; nothing changed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/reschedule")]
pub async fn reschedule_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<RescheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    load_for(&state, &principal, id.clone()).await?;
    let target = body.0.capacity_id;
    let (actor, at, limits) = (principal.id.clone(), now(), state.hold_limits);
    let row = state
        .db
        .write(move |c| reservations::reschedule(c, &id, &target, limits, &actor, at))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::invalid_field("capacity_id", "no such capacity block")
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(views::reservation(row, at)?))
}
