//! Reservations of capacity: holds, confirmations, declines, cancellations, reschedules.
//!
//! The state machine is `domain::reservations`; the invariant `held + confirmed <= slots`
//! is kept by storage (`db::capacity`) in the database; who may do what is the policy.

use cdmx_sdk::types::{
    AllocationHold, EventType, FieldError, NewAllocationHold, NewReservation, OrganizationKind,
    Page, RescheduleRequest, Reservation, ReservationEvent, ReservationFilter,
};
use chrono::NaiveDateTime;

use super::events::{self, record_reservation, record_reservations};
use super::idempotency::{self, Answer, KeyedRequest, RecordedAnswer};
use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::events::EventActor;
use crate::db::reservations::{
    self as stored, Changed, HoldLimits, HoldTarget, NewHold, ReservationParty, ReservationRow,
};
use crate::db::{DbConnection, StoreError, accounts, new_id, now, programs, watches};
use crate::domain::input;
use crate::domain::reservations::Transition;
use crate::error::ApiError;
use crate::startup::AppState;

const NOTE_MAX_CHARS: usize = 2000;
/// No block has more slots than this, so no hold can either.
const SLOTS_MAX: u32 = 10_000;

/// Holds slots of a capacity block for the caller's sponsor organisation, exactly once
/// per idempotency key: one transaction claims the key, places the hold and records
/// the answer, which `answer` renders from the new reservation. A retry gets the
/// recorded answer; a refusal records nothing.
pub async fn place_hold<A>(
    state: &AppState,
    principal: &Principal,
    mut request: NewReservation,
    keyed: KeyedRequest,
    answer: A,
) -> Result<Answer, ApiError>
where
    A: FnOnce(&Reservation) -> Result<RecordedAnswer, ApiError> + Send + 'static,
{
    authorize(principal, Action::PlaceHold, Resource::Marketplace)?;
    if let Some(error) = check_hold(&mut request) {
        return Err(error);
    }
    let hold = NewHold {
        block_id: request.capacity_id,
        sponsor_organization_id: principal.organization_id.clone(),
        program_id: request.program_id,
        slots: i32::try_from(request.slots).map_err(ApiError::internal)?,
        note: request.note,
        shared_summary: request.shared_summary,
        actor: principal.id.clone(),
    };
    let (limits, at, actor) = (state.hold_limits, now(), events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| hold_once(c, &hold, &keyed, limits, at, actor, answer))
        .await
}

/// The transaction of a hold: the key's claim with the answer, then the hold, or the
/// recorded answer of an earlier attempt. Everything the answer needs is read before
/// anything is written, so that the claim records it at once.
fn hold_once<A>(
    conn: &mut DbConnection,
    hold: &NewHold,
    keyed: &KeyedRequest,
    limits: HoldLimits,
    at: NaiveDateTime,
    actor: EventActor,
    answer: A,
) -> Result<Answer, ApiError>
where
    A: FnOnce(&Reservation) -> Result<RecordedAnswer, ApiError>,
{
    let sponsor = &hold.sponsor_organization_id;
    let target = match stored::find_hold_target(conn, &hold.block_id) {
        Ok(target) => Some(target),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let placed = match &target {
        Some(target) => {
            let row = hold.reservation(new_id(), &target.cdmo_organization_id, limits.ttl, at);
            let names = accounts::organization_names(
                conn,
                [sponsor.as_str(), target.cdmo_organization_id.as_str()],
            )?;
            let recorded = answer(&views::reservation(row.clone(), &names, at)?)?;
            Some((row, recorded))
        }
        None => None,
    };
    let recorded = placed.as_ref().map(|(_, recorded)| recorded);
    if let Some(replay) = idempotency::claim_within(conn, sponsor, keyed, at, recorded)? {
        return Ok(Answer::Replayed(replay));
    }
    if let Some(program) = &hold.program_id
        && programs::find_program(conn, sponsor, program).is_err()
    {
        return Err(ApiError::invalid_field(
            "program_id",
            "no such programme in your organisation",
        ));
    }
    let (Some(target), Some((row, recorded))) = (target, placed) else {
        return Err(no_such_block());
    };
    if !target.takes_new_holds(at.date()) {
        return Err(off_the_market());
    }
    let expired = match stored::insert_hold(conn, &row, &hold.actor, limits, at) {
        Ok(expired) => expired,
        // Withdrawn since it was found: as if it had never been there.
        Err(StoreError::NotFound) => return Err(no_such_block()),
        Err(other) => return Err(other.into()),
    };
    // After the block's increment: the lock order of `db::events`.
    record_changed(
        conn,
        EventType::ReservationHeld,
        &Changed {
            reservation: row,
            expired,
        },
        Some(actor),
        at,
    )?;
    Ok(Answer::Created(recorded))
}

/// One block's part of a multi-block hold: the block as found, and the reservation the
/// hold becomes.
pub(super) struct BlockHold {
    pub target: HoldTarget,
    pub row: ReservationRow,
}

/// Places every hold of `holds` in the caller's transaction, in block id order (the lock
/// order of `db::reservations`), all or nothing: the first block that cannot take its
/// hold refuses the whole with a 409 naming it, and the caller's transaction rolls back.
/// Returns the placed holds; then [`record_holds`] records them.
pub(super) fn insert_holds(
    conn: &mut DbConnection,
    mut holds: Vec<BlockHold>,
    actor_id: &str,
    limits: HoldLimits,
    at: NaiveDateTime,
) -> Result<PlacedHolds, ApiError> {
    holds.sort_by(|a, b| a.row.capacity_id.cmp(&b.row.capacity_id));
    let mut expired: Vec<ReservationRow> = Vec::new();
    for BlockHold { target, row } in &holds {
        if !target.takes_new_holds(at.date()) {
            return Err(off_the_market());
        }
        match stored::insert_hold(conn, row, actor_id, limits, at) {
            Ok(lapsed) => expired.extend(lapsed),
            Err(StoreError::NotFound) => {
                return Err(ApiError::Conflict(format!(
                    "capacity block {} has been withdrawn: nothing was held",
                    row.capacity_id
                )));
            }
            Err(StoreError::Conflict(why)) => {
                return Err(ApiError::Conflict(format!(
                    "{why} (capacity block {}): nothing was held",
                    row.capacity_id
                )));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(PlacedHolds {
        placed: holds.into_iter().map(|h| h.row).collect(),
        expired,
    })
}

/// Holds placed by [`insert_holds`], and the lapsed holds found on the way.
pub(super) struct PlacedHolds {
    pub placed: Vec<ReservationRow>,
    pub expired: Vec<ReservationRow>,
}

/// Records [`insert_holds`]' holds and expiries, and queues the watch checks of the
/// CDMOs whose slots the expiries freed: after the blocks and anything else the
/// transaction changes, watch checks then the feed counters (the lock order of
/// `db::events`).
pub(super) fn record_holds(
    conn: &mut DbConnection,
    holds: &PlacedHolds,
    actor: EventActor,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut freed: Vec<&str> = holds
        .expired
        .iter()
        .map(|r| r.cdmo_organization_id.as_str())
        .collect();
    freed.sort_unstable();
    freed.dedup();
    for cdmo in freed {
        watches::queue_check(conn, cdmo, at)?;
    }
    record_reservations(
        conn,
        EventType::ReservationExpired,
        &holds.expired,
        None,
        at,
    )?;
    record_reservations(
        conn,
        EventType::ReservationHeld,
        &holds.placed,
        Some(actor),
        at,
    )
}

/// Most blocks in one allocation hold.
const ALLOCATION_BLOCKS_MAX: usize = 20;

/// Holds slots of several blocks for the caller's sponsor organisation in one
/// transaction, all or nothing, exactly once per idempotency key (as [`place_hold`]).
/// `answer` renders the holds, in the request's order.
pub async fn place_allocation_hold<A>(
    state: &AppState,
    principal: &Principal,
    request: NewAllocationHold,
    keyed: KeyedRequest,
    answer: A,
) -> Result<Answer, ApiError>
where
    A: FnOnce(&AllocationHold) -> Result<RecordedAnswer, ApiError> + Send + 'static,
{
    authorize(principal, Action::PlaceHold, Resource::Marketplace)?;
    let (program_id, mut note, mut shared_summary) =
        (request.program_id, request.note, request.shared_summary);
    let mut invalid = clean_texts(&mut note, &mut shared_summary);
    if request.blocks.is_empty() || request.blocks.len() > ALLOCATION_BLOCKS_MAX {
        invalid.push(FieldError {
            field: "blocks".into(),
            message: format!("must list 1 to {ALLOCATION_BLOCKS_MAX} blocks"),
        });
    }
    for (i, block) in request.blocks.iter().enumerate() {
        if request.blocks[..i]
            .iter()
            .any(|earlier| earlier.capacity_id == block.capacity_id)
        {
            invalid.push(FieldError {
                field: format!("blocks[{i}].capacity_id"),
                message: "is listed twice: list each block once, with all its slots".into(),
            });
        }
        invalid.extend(check_slots(&format!("blocks[{i}].slots"), block.slots));
    }
    if !invalid.is_empty() {
        return Err(ApiError::Validation(invalid));
    }
    let holds: Vec<NewHold> = request
        .blocks
        .into_iter()
        .map(|block| NewHold {
            block_id: block.capacity_id,
            sponsor_organization_id: principal.organization_id.clone(),
            program_id: program_id.clone(),
            // At most SLOTS_MAX: checked above.
            slots: block.slots as i32,
            note: note.clone(),
            shared_summary: shared_summary.clone(),
            actor: principal.id.clone(),
        })
        .collect();
    let (limits, at, actor) = (state.hold_limits, now(), events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| allocation_hold_once(c, holds, &keyed, limits, at, actor, answer))
        .await
}

/// The transaction of an allocation hold, as [`hold_once`] for several blocks: every
/// block found and the answer rendered, the key claimed with it, then every hold placed.
fn allocation_hold_once<A>(
    conn: &mut DbConnection,
    holds: Vec<NewHold>,
    keyed: &KeyedRequest,
    limits: HoldLimits,
    at: NaiveDateTime,
    actor: EventActor,
    answer: A,
) -> Result<Answer, ApiError>
where
    A: FnOnce(&AllocationHold) -> Result<RecordedAnswer, ApiError>,
{
    let Some(first) = holds.first() else {
        return Err(ApiError::invalid_field(
            "blocks",
            "must list at least one block",
        ));
    };
    let sponsor = first.sponsor_organization_id.clone();
    let program = first.program_id.clone();
    let mut found = Vec::with_capacity(holds.len());
    let mut unknown = Vec::new();
    for (i, hold) in holds.iter().enumerate() {
        match stored::find_hold_target(conn, &hold.block_id) {
            Ok(target) => {
                let row = hold.reservation(new_id(), &target.cdmo_organization_id, limits.ttl, at);
                found.push(BlockHold { target, row });
            }
            Err(StoreError::NotFound) => unknown.push(FieldError {
                field: format!("blocks[{i}].capacity_id"),
                message: "no such capacity block".into(),
            }),
            Err(other) => return Err(other.into()),
        }
    }
    let recorded = if unknown.is_empty() {
        let names = accounts::organization_names(
            conn,
            std::iter::once(sponsor.as_str())
                .chain(found.iter().map(|h| h.target.cdmo_organization_id.as_str())),
        )?;
        let reservations = found
            .iter()
            .map(|h| views::reservation(h.row.clone(), &names, at))
            .collect::<Result<Vec<_>, _>>()?;
        Some(answer(&AllocationHold { reservations })?)
    } else {
        None
    };
    if let Some(replay) = idempotency::claim_within(conn, &sponsor, keyed, at, recorded.as_ref())? {
        return Ok(Answer::Replayed(replay));
    }
    if let Some(program) = &program
        && programs::find_program(conn, &sponsor, program).is_err()
    {
        return Err(ApiError::invalid_field(
            "program_id",
            "no such programme in your organisation",
        ));
    }
    let Some(recorded) = recorded else {
        return Err(ApiError::Validation(unknown));
    };
    let placed = insert_holds(conn, found, &actor.id, limits, at)?;
    record_holds(conn, &placed, actor, at)?;
    Ok(Answer::Created(recorded))
}

/// Records a reservation's change and the expiries found along the way, and queues the
/// watch check of a CDMO whose slots were freed.
pub(crate) fn record_changed(
    conn: &mut DbConnection,
    event_type: EventType,
    changed: &Changed,
    actor: Option<EventActor>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let frees_slots = matches!(
        event_type,
        EventType::ReservationDeclined
            | EventType::ReservationCancelled
            | EventType::ReservationRescheduled
    );
    // The check is queued before the events: the lock order of `db::events`.
    if frees_slots || !changed.expired.is_empty() {
        watches::queue_check(conn, &changed.reservation.cdmo_organization_id, at)?;
    }
    record_reservations(
        conn,
        EventType::ReservationExpired,
        &changed.expired,
        None,
        at,
    )?;
    record_reservation(conn, event_type, &changed.reservation, actor, at)
}

/// Expires the lapsed holds of one block (the background sweep), recording their
/// events and queueing the watch check of the CDMO whose slots were freed. Returns how
/// many it expired.
pub fn expire_lapsed(
    conn: &mut DbConnection,
    block_id: &str,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    let expired = stored::release_expired(conn, block_id, at)?;
    if let Some(first) = expired.first() {
        watches::queue_check(conn, &first.cdmo_organization_id, at)?;
    }
    record_reservations(conn, EventType::ReservationExpired, &expired, None, at)?;
    Ok(expired.len())
}

fn no_such_block() -> ApiError {
    ApiError::invalid_field("capacity_id", "no such capacity block")
}

/// 409 for a new hold on a block whose CDMO has taken its profile off the market.
pub(super) fn off_the_market() -> ApiError {
    ApiError::Conflict(
        "the CDMO has taken its profile off the market and takes no new reservations; \
         existing ones go on"
            .into(),
    )
}

/// Checks a hold request and normalises its note.
fn check_hold(request: &mut NewReservation) -> Option<ApiError> {
    let mut invalid = Vec::new();
    invalid.extend(check_slots("slots", request.slots));
    invalid.extend(clean_texts(&mut request.note, &mut request.shared_summary));
    (!invalid.is_empty()).then_some(ApiError::Validation(invalid))
}

/// The slots of a hold, named `field`, out of range.
fn check_slots(field: &str, slots: u32) -> Option<FieldError> {
    (!(1..=SLOTS_MAX).contains(&slots)).then(|| FieldError {
        field: field.into(),
        message: format!("must be between 1 and {SLOTS_MAX}"),
    })
}

/// Normalises a hold's note and shared summary, returning what is wrong with them.
fn clean_texts(note: &mut Option<String>, shared_summary: &mut Option<String>) -> Vec<FieldError> {
    let mut invalid = Vec::new();
    for (field, text) in [("note", note), ("shared_summary", shared_summary)] {
        if let Some(text) = text {
            match input::parse_note(text, NOTE_MAX_CHARS) {
                Ok(clean) => *text = clean,
                Err(message) => invalid.push(FieldError {
                    field: field.into(),
                    message,
                }),
            }
        }
    }
    invalid
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
    let (rows, names) = state
        .db
        .run(move |c| {
            let rows = stored::list_reservations(
                c,
                &party,
                state_filter,
                filter.capacity_id,
                keyset.after,
                keyset.fetch,
            )?;
            let names = accounts::organization_names(
                c,
                rows.iter().flat_map(|r| {
                    [
                        r.sponsor_organization_id.as_str(),
                        r.cdmo_organization_id.as_str(),
                    ]
                }),
            )?;
            Ok((rows, names))
        })
        .await?;
    let at = now();
    page.page(rows, |r| &r.id, |r| views::reservation(r, &names, at))
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
    view(state, row, now()).await
}

/// A reservation's view, with its parties' names.
async fn view(
    state: &AppState,
    row: ReservationRow,
    at: NaiveDateTime,
) -> Result<Reservation, ApiError> {
    let parties = [
        row.sponsor_organization_id.clone(),
        row.cdmo_organization_id.clone(),
    ];
    let names = state
        .db
        .run(move |c| accounts::organization_names(c, parties.iter().map(String::as_str)))
        .await?;
    views::reservation(row, &names, at)
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
    let (actor_id, actor, at) = (principal.id.clone(), events::actor(principal), now());
    let event_type = match transition {
        Transition::Confirm => EventType::ReservationConfirmed,
        Transition::Decline => EventType::ReservationDeclined,
        Transition::Cancel => EventType::ReservationCancelled,
        Transition::Reschedule => EventType::ReservationRescheduled,
        Transition::Expire => EventType::ReservationExpired,
    };
    let changed = state
        .db
        .write_or_refuse(move |c| -> Result<Changed, ApiError> {
            let changed = stored::transition(c, &id, transition, &actor_id, at)?;
            record_changed(c, event_type, &changed, Some(actor), at)?;
            Ok(changed)
        })
        .await?;
    view(state, changed.reservation, at).await
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
    let (actor_id, actor, at, limits) = (
        principal.id.clone(),
        events::actor(principal),
        now(),
        state.hold_limits,
    );
    let changed = state
        .db
        .write_or_refuse(move |c| -> Result<Changed, ApiError> {
            let changed = stored::reschedule(c, &id, &target, limits, &actor_id, at).map_err(
                |e| match e {
                    StoreError::NotFound => no_such_block(),
                    other => other.into(),
                },
            )?;
            record_changed(
                c,
                EventType::ReservationRescheduled,
                &changed,
                Some(actor),
                at,
            )?;
            Ok(changed)
        })
        .await?;
    view(state, changed.reservation, at).await
}
