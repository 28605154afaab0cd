//! Reservations of capacity: holds, confirmations, declines, cancellations, reschedules.
//!
//! The state machine is `domain::reservations`; the invariant `held + confirmed <= slots`
//! is kept by storage (`db::capacity`) in the database; who may do what is the policy.

use cdmx_sdk::types::{
    FieldError, NewReservation, OrganizationKind, Page, RescheduleRequest, Reservation,
    ReservationEvent, ReservationFilter,
};
use sha2::{Digest, Sha256};

use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::idempotency::{self, Claim};
use crate::db::reservations::{self as stored, NewHold, ReservationParty, ReservationRow};
use crate::db::{DbConnection, StoreError, accounts, capacity, listing, now, programs};
use crate::domain::reservations::Transition;
use crate::error::ApiError;
use crate::startup::AppState;

/// The header that names an idempotency key, for error messages.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// A claimed key whose request never finished may be reused after this long.
const ABANDONED_AFTER_SECONDS: i64 = 60;
const NOTE_MAX_CHARS: usize = 2000;

/// A client's key for one reservation request, reused on its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// 1 to 255 visible ASCII characters.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let key = value.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request_field(
                IDEMPOTENCY_KEY,
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(key.to_owned()))
    }
}

/// The answer to a hold request, as recorded with its idempotency key: a retry gets the
/// same status and body. Refusals are recorded as problem documents without a request
/// id; the HTTP edge stamps them with the request that receives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    pub status: u16,
    pub body: String,
    /// This is a retry's copy of an earlier answer.
    pub replayed: bool,
}

/// Holds slots of a capacity block for the caller's sponsor organisation, exactly once
/// per idempotency key.
pub async fn place_hold(
    state: &AppState,
    principal: &Principal,
    key: IdempotencyKey,
    request: NewReservation,
) -> Result<RecordedAnswer, ApiError> {
    authorize(principal, Action::PlaceHold, Resource::Marketplace)?;
    let hash: String = Sha256::digest(serde_json::to_vec(&request).map_err(ApiError::internal)?)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let organization_id = principal.organization_id.clone();
    let (org, k, at) = (organization_id.clone(), key.0.clone(), now());
    let claim = state
        .db
        .write(move |c| {
            idempotency::claim_key(
                c,
                &org,
                &k,
                &hash,
                at,
                chrono::Duration::seconds(ABANDONED_AFTER_SECONDS),
            )
        })
        .await?;
    match claim {
        Claim::Replay { status, body } => {
            return Ok(RecordedAnswer {
                status,
                body,
                replayed: true,
            });
        }
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

    let outcome = place(state, principal, request, &key).await;
    if let Err(error) = &outcome
        && error.is_server_error()
    {
        // Server errors are not replayed: give the key back so a retry can succeed.
        let (org, k) = (organization_id, key.0);
        let _ = state
            .db
            .write(move |c| idempotency::release_key(c, &org, &k))
            .await;
    }
    let (status, body) = outcome?;
    Ok(RecordedAnswer {
        status,
        body,
        replayed: false,
    })
}

fn check_hold(request: &NewReservation) -> Option<ApiError> {
    let mut invalid = Vec::new();
    if request.slots == 0 {
        invalid.push(("slots", "must be at least 1"));
    }
    if request
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
    {
        invalid.push(("note", "must be at most 2000 characters"));
    }
    (!invalid.is_empty()).then(|| {
        ApiError::Validation(
            invalid
                .into_iter()
                .map(|(field, message)| FieldError {
                    field: field.into(),
                    message: message.into(),
                })
                .collect(),
        )
    })
}

/// Validates and places the hold; the key records the answer in the same transaction
/// as the reservation, so a retry can never create a second one.
async fn place(
    state: &AppState,
    principal: &Principal,
    request: NewReservation,
    key: &IdempotencyKey,
) -> Result<(u16, String), ApiError> {
    let organization_id = principal.organization_id.clone();
    let validation = check_hold(&request);
    let hold = NewHold {
        block_id: request.capacity_id.clone(),
        sponsor_organization_id: organization_id.clone(),
        program_id: request.program_id.clone(),
        slots: request.slots.min(i32::MAX as u32) as i32,
        note: request.note.clone(),
        actor: principal.id.clone(),
    };
    let limits = state.hold_limits;
    let key = key.0.clone();
    let at = now();
    state
        .db
        .write(move |c| {
            // Answers that are the request's fault are recorded and replayed too.
            let answer = |c: &mut DbConnection, error: ApiError| {
                let problem = serde_json::to_string(&error.problem())
                    .map_err(|e| StoreError::Task(e.to_string()))?;
                let status = error.status();
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
            if let Ok(block) = capacity::find_block(c, &hold.block_id)
                && listing::find_unlisting(c, &block.profile_id)?
                    .is_some_and(|u| u.in_force(at.date()))
            {
                return answer(
                    c,
                    ApiError::Conflict(
                        "the CDMO has taken its profile off the market and takes no new \
                         reservations; existing ones go on"
                            .into(),
                    ),
                );
            }
            match stored::place_hold(c, &hold, limits, at) {
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

/// The caller's reservations: a sponsor's own, or those on a CDMO's capacity.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: ReservationFilter,
) -> Result<Page<Reservation>, ApiError> {
    authorize(principal, Action::ListReservations, Resource::Marketplace)?;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let party = match principal.organization_kind {
        OrganizationKind::Cdmo => ReservationParty::Cdmo(principal.organization_id.clone()),
        _ => ReservationParty::Sponsor(principal.organization_id.clone()),
    };
    let state_filter = filter.state;
    let rows = state
        .db
        .run(move |c| {
            stored::list_reservations(
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
    page.page(rows, |r| &r.id, |r| views::reservation(r, at))
}

/// Loads a reservation and authorizes `action` on it. Verification of the CDMO is read
/// only for the actions that need it.
async fn load_for(
    state: &AppState,
    principal: &Principal,
    id: String,
    action: Action,
) -> Result<ReservationRow, ApiError> {
    let needs_verification = action == Action::ConfirmReservation;
    let (row, cdmo_verified) = state
        .db
        .run(move |c| {
            let row = stored::find_reservation(c, &id)?;
            let verified = if needs_verification {
                accounts::find_organization(c, &row.cdmo_organization_id)?.verified
            } else {
                true
            };
            Ok((row, verified))
        })
        .await?;
    authorize(
        principal,
        action,
        Resource::Reservation {
            sponsor: &row.sponsor_organization_id,
            cdmo: &row.cdmo_organization_id,
            cdmo_verified,
        },
    )?;
    Ok(row)
}

/// One reservation the caller is a party to.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Reservation, ApiError> {
    let row = load_for(state, principal, id, Action::ReadReservation).await?;
    views::reservation(row, now())
}

/// Every transition of a reservation, oldest first.
pub async fn events(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Page<ReservationEvent>, ApiError> {
    load_for(state, principal, id.clone(), Action::ReadReservation).await?;
    let rows = state.db.run(move |c| stored::list_events(c, &id)).await?;
    let items = rows
        .into_iter()
        .map(views::reservation_event)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// Confirms a hold (the CDMO, once verified): the booking becomes binding.
pub async fn confirm(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Reservation, ApiError> {
    transition(
        state,
        principal,
        id,
        Transition::Confirm,
        Action::ConfirmReservation,
    )
    .await
}

/// Declines a hold (the CDMO).
pub async fn decline(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Reservation, ApiError> {
    transition(
        state,
        principal,
        id,
        Transition::Decline,
        Action::DeclineReservation,
    )
    .await
}

/// Cancels a hold or a booking (the sponsor).
pub async fn cancel(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Reservation, ApiError> {
    transition(
        state,
        principal,
        id,
        Transition::Cancel,
        Action::CancelReservation,
    )
    .await
}

/// Applies a caller's transition; 409 naming the state when the state machine does not
/// allow it.
async fn transition(
    state: &AppState,
    principal: &Principal,
    id: String,
    transition: Transition,
    action: Action,
) -> Result<Reservation, ApiError> {
    load_for(state, principal, id.clone(), action).await?;
    let actor = principal.id.clone();
    let at = now();
    let row = state
        .db
        .write(move |c| stored::transition(c, &id, transition, &actor, at))
        .await?;
    views::reservation(row, at)
}

/// Moves a reservation to another block of the same CDMO, atomically.
pub async fn reschedule(
    state: &AppState,
    principal: &Principal,
    id: String,
    request: RescheduleRequest,
) -> Result<Reservation, ApiError> {
    load_for(state, principal, id.clone(), Action::RescheduleReservation).await?;
    let target = request.capacity_id;
    let (actor, at, limits) = (principal.id.clone(), now(), state.hold_limits);
    let row = state
        .db
        .write(move |c| stored::reschedule(c, &id, &target, limits, &actor, at))
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                ApiError::invalid_field("capacity_id", "no such capacity block")
            }
            other => other.into(),
        })?;
    views::reservation(row, at)
}
