//! Reservations of capacity: holds, the transitions of the state machine
//! ([`crate::domain::reservations`]), reschedules, the event log, and the release of
//! expired holds.
//!
//! The state machine decides which transition is legal; this module applies it to the
//! stored rows under the block's row lock, and the block counters
//! ([`super::capacity::take_slots`]) keep held + confirmed <= published. A hold takes
//! the block's lock last, by its conditional increment after its rows are written: the
//! sponsor's hold limits are checked under a lock of the sponsor's own.
//!
//! Locks are taken in one order, so that no two transactions wait for each other: the
//! sponsor's, then blocks (in id order), then reservation rows.

use cdmx_sdk::types::ReservationState;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::domain::listing::Unlisting;
use crate::domain::reservations::{self as machine, Transition};

use super::capacity::{find_block, give_back, lock_block, take_slots, try_take_slots};
use super::listing::UnlistingRow;
use super::schema::{capacity_blocks, profile_unlistings, reservation_events, reservations};
use super::{DbConnection, StoreError, StoreResult, new_id, transaction_lock};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = reservations)]
pub struct ReservationRow {
    pub id: String,
    pub capacity_id: String,
    pub sponsor_organization_id: String,
    pub cdmo_organization_id: String,
    pub program_id: Option<String>,
    pub slots: i32,
    pub state: ReservationState,
    pub expires_at: NaiveDateTime,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// What the sponsor chose to tell the CDMO about its programme.
    pub shared_summary: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = reservation_events)]
pub struct EventRow {
    pub id: String,
    pub reservation_id: String,
    pub event: String,
    pub from_state: Option<ReservationState>,
    pub to_state: ReservationState,
    pub actor: String,
    pub at: NaiveDateTime,
    pub detail: Option<String>,
}

/// The actor recorded for expiries.
pub const SYSTEM_ACTOR: &str = "system";

/// A reservation event about to be recorded.
struct NewEvent<'a> {
    reservation: &'a str,
    event: &'a str,
    from: Option<ReservationState>,
    to: ReservationState,
    actor: &'a str,
    detail: Option<String>,
}

fn record(conn: &mut DbConnection, e: NewEvent, at: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(reservation_events::table)
        .values(EventRow {
            id: new_id(),
            reservation_id: e.reservation.to_owned(),
            event: e.event.to_owned(),
            from_state: e.from,
            to_state: e.to,
            actor: e.actor.to_owned(),
            at,
            detail: e.detail,
        })
        .execute(conn)?;
    Ok(())
}

/// Marks the block's holds that are past their expiry as expired and frees their slots.
/// Returns the reservations it expired, for the caller to record their events.
pub fn release_expired(
    conn: &mut DbConnection,
    block_id: &str,
    now: NaiveDateTime,
) -> StoreResult<Vec<ReservationRow>> {
    let due: Vec<ReservationRow> = reservations::table
        .filter(reservations::capacity_id.eq(block_id))
        .filter(reservations::state.eq(ReservationState::Held))
        .filter(reservations::expires_at.le(now))
        .load(conn)?;
    let expired = machine::apply(ReservationState::Held, Transition::Expire)?;
    let mut released = Vec::with_capacity(due.len());
    for row in due {
        // Conditional on the state, so two transactions never free the same hold twice.
        let changed = diesel::update(
            reservations::table
                .filter(reservations::id.eq(&row.id))
                .filter(reservations::state.eq(ReservationState::Held)),
        )
        .set((
            reservations::state.eq(expired),
            reservations::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 1 {
            diesel::update(capacity_blocks::table.find(block_id))
                .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held - row.slots))
                .execute(conn)?;
            record(
                conn,
                NewEvent {
                    reservation: &row.id,
                    event: Transition::Expire.event(),
                    from: Some(ReservationState::Held),
                    to: expired,
                    actor: SYSTEM_ACTOR,
                    detail: None,
                },
                now,
            )?;
            released.push(ReservationRow {
                state: expired,
                updated_at: now,
                ..row
            });
        }
    }
    Ok(released)
}

/// A reservation after a change, and the holds on the blocks it touched that were
/// found lapsed and expired along the way: each is an event to record.
#[derive(Debug, Clone)]
pub struct Changed {
    pub reservation: ReservationRow,
    pub expired: Vec<ReservationRow>,
}

/// Expires every due hold (the background sweep): blocks at a time, each in its own
/// short transaction run by the caller's closure. Returns the blocks with due holds.
pub fn blocks_with_due_holds(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<String>> {
    Ok(reservations::table
        .filter(reservations::state.eq(ReservationState::Held))
        .filter(reservations::expires_at.le(now))
        .select(reservations::capacity_id)
        .distinct()
        .limit(limit)
        .load(conn)?)
}

/// Limits a sponsor's holds (anti-hoarding).
#[derive(Debug, Clone, Copy)]
pub struct HoldLimits {
    pub per_block: i64,
    pub total: i64,
    /// How long a hold lasts unless confirmed.
    pub ttl: chrono::Duration,
}

/// Serialises the transactions that can raise a sponsor's held slots (holds and
/// reschedules), until they end, so that the held slots a limit is checked against
/// cannot grow between the check and the commit. A lock, not a row: nothing is written
/// for it. On SQLite writers are serial already.
fn lock_sponsor_holds(conn: &mut DbConnection, sponsor: &str) -> StoreResult<()> {
    let digest = Sha256::digest(format!("cdmx sponsor holds {sponsor}").as_bytes());
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    transaction_lock(conn, i64::from_be_bytes(key))
}

/// Refuses `slots` more held on `block` when the sponsor would pass a limit. Counts the
/// sponsor's unexpired holds (a lapsed hold never counts, released or not), except
/// `moving`, the reservation a reschedule moves: it stays within the total. Callers
/// hold [`lock_sponsor_holds`].
fn check_hold_limits(
    conn: &mut DbConnection,
    sponsor: &str,
    block: &str,
    slots: i32,
    moving: Option<&str>,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let held: Vec<(String, String, i32)> = reservations::table
        .filter(reservations::sponsor_organization_id.eq(sponsor))
        .filter(reservations::state.eq(ReservationState::Held))
        .filter(reservations::expires_at.gt(now))
        .select((
            reservations::id,
            reservations::capacity_id,
            reservations::slots,
        ))
        .load(conn)?;
    let (mut on_block, mut total) = (0i64, 0i64);
    for (id, capacity_id, held_slots) in held {
        if moving == Some(id.as_str()) {
            continue;
        }
        total += i64::from(held_slots);
        if capacity_id == block {
            on_block += i64::from(held_slots);
        }
    }
    if on_block + i64::from(slots) > limits.per_block {
        return Err(StoreError::Conflict(format!(
            "hold limit: you already hold {on_block} slot(s) of this block and may hold at most {} per block",
            limits.per_block
        )));
    }
    if moving.is_none() && total + i64::from(slots) > limits.total {
        return Err(StoreError::Conflict(format!(
            "hold limit: you already hold {total} slot(s) and may hold at most {} in total",
            limits.total
        )));
    }
    Ok(())
}

/// What a sponsor asks to hold.
#[derive(Debug, Clone)]
pub struct NewHold {
    pub block_id: String,
    pub sponsor_organization_id: String,
    pub program_id: Option<String>,
    pub slots: i32,
    pub note: Option<String>,
    /// What the sponsor tells the CDMO about its programme.
    pub shared_summary: Option<String>,
    pub actor: String,
}

impl NewHold {
    /// The reservation row this hold becomes, under `id`, on a block of `cdmo`.
    pub fn reservation(
        &self,
        id: String,
        cdmo: &str,
        ttl: chrono::Duration,
        now: NaiveDateTime,
    ) -> ReservationRow {
        ReservationRow {
            id,
            capacity_id: self.block_id.clone(),
            sponsor_organization_id: self.sponsor_organization_id.clone(),
            cdmo_organization_id: cdmo.to_owned(),
            program_id: self.program_id.clone(),
            slots: self.slots,
            state: ReservationState::Held,
            expires_at: now + ttl,
            note: self.note.clone(),
            created_at: now,
            updated_at: now,
            shared_summary: self.shared_summary.clone(),
        }
    }
}

/// The block a hold is for, as the hold needs it: whose it is and whether its profile
/// is off the market.
#[derive(Debug, Clone)]
pub struct HoldTarget {
    pub cdmo_organization_id: String,
    pub unlisting: Option<Unlisting>,
}

impl HoldTarget {
    /// Whether the block's profile is on the market on `today`: an unlisted profile
    /// takes no new holds, while the ones it has go on.
    pub fn takes_new_holds(&self, today: chrono::NaiveDate) -> bool {
        crate::domain::listing::is_listed(self.unlisting.as_ref(), today)
    }
}

/// The block `block_id` and its profile's stored unlisting (lapsed or not), in one read.
pub fn find_hold_target(conn: &mut DbConnection, block_id: &str) -> StoreResult<HoldTarget> {
    let (cdmo_organization_id, unlisting) = capacity_blocks::table
        .left_join(
            profile_unlistings::table
                .on(profile_unlistings::profile_id.eq(capacity_blocks::profile_id)),
        )
        .filter(capacity_blocks::id.eq(block_id))
        .select((
            capacity_blocks::organization_id,
            profile_unlistings::all_columns.nullable(),
        ))
        .first::<(String, Option<UnlistingRow>)>(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(HoldTarget {
        cdmo_organization_id,
        unlisting: unlisting.map(|row| row.unlisting()),
    })
}

/// Places the hold `row`, if the slots are free and the sponsor stays within its
/// limits; refusals are conflicts.
///
/// As few statements as the rules need, and the block's row lock, which every hold on
/// the block waits for, held as briefly as they allow: the sponsor's lock and limits
/// first, then the rows, then the conditional increment, last, so that the lock is held
/// from there to the commit only. A refused increment rolls the rows back with the
/// transaction. Lapsed holds are released only when they are what stands in the way.
pub fn insert_hold(
    conn: &mut DbConnection,
    row: &ReservationRow,
    actor: &str,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<Vec<ReservationRow>> {
    lock_sponsor_holds(conn, &row.sponsor_organization_id)?;
    check_hold_limits(
        conn,
        &row.sponsor_organization_id,
        &row.capacity_id,
        row.slots,
        None,
        limits,
        now,
    )?;
    diesel::insert_into(reservations::table)
        .values(row)
        .execute(conn)
        .map_err(|error| match error {
            // The block was withdrawn since the hold found it.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            ) => StoreError::NotFound,
            other => other.into(),
        })?;
    record(
        conn,
        NewEvent {
            reservation: &row.id,
            // Placing is not a transition: the event is named after the state it creates.
            event: ReservationState::Held.as_str(),
            from: None,
            to: ReservationState::Held,
            actor,
            detail: None,
        },
        now,
    )?;
    if try_take_slots(conn, &row.capacity_id, row.slots, false)? {
        return Ok(Vec::new());
    }
    lock_block(conn, &row.capacity_id)?;
    let expired = release_expired(conn, &row.capacity_id, now)?;
    take_slots(conn, &row.capacity_id, row.slots, false)?;
    Ok(expired)
}

/// Places a hold under a reservation id the caller chose (the demo data's fixed ids).
pub fn place_hold_with_id(
    conn: &mut DbConnection,
    id: &str,
    hold: &NewHold,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<Changed> {
    let target = find_hold_target(conn, &hold.block_id)?;
    let row = hold.reservation(id.to_owned(), &target.cdmo_organization_id, limits.ttl, now);
    let expired = insert_hold(conn, &row, &hold.actor, limits, now)?;
    Ok(Changed {
        reservation: row,
        expired,
    })
}

pub fn find_reservation(conn: &mut DbConnection, id: &str) -> StoreResult<ReservationRow> {
    reservations::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Applies a party's transition (confirm, decline or cancel); illegal ones are
/// conflicts naming the current state. The state machine decides, on the state read
/// under the block's lock; the conditional slot updates keep the invariant.
pub fn transition(
    conn: &mut DbConnection,
    id: &str,
    transition: Transition,
    actor: &str,
    now: NaiveDateTime,
) -> StoreResult<Changed> {
    let before = find_reservation(conn, id)?;
    lock_block(conn, &before.capacity_id)?;
    let expired = release_expired(conn, &before.capacity_id, now)?;
    let current = find_reservation(conn, id)?;
    let from = current.state;
    let to = machine::apply(from, transition)?;
    give_back(
        conn,
        &current.capacity_id,
        current.slots,
        from == ReservationState::Confirmed,
    )?;
    if to == ReservationState::Confirmed {
        take_slots(conn, &current.capacity_id, current.slots, true)?;
    }
    diesel::update(reservations::table.find(id))
        .set((reservations::state.eq(to), reservations::updated_at.eq(now)))
        .execute(conn)?;
    record(
        conn,
        NewEvent {
            reservation: id,
            event: transition.event(),
            from: Some(from),
            to,
            actor,
            detail: None,
        },
        now,
    )?;
    Ok(Changed {
        reservation: ReservationRow {
            state: to,
            updated_at: now,
            ..current
        },
        expired,
    })
}

/// Moves an active reservation to another block of the same CDMO, atomically: the new
/// slots are taken before the old are given back, in one transaction, so the
/// reservation is never in both and never lost when the new block is full.
pub fn reschedule(
    conn: &mut DbConnection,
    id: &str,
    target_block: &str,
    limits: HoldLimits,
    actor: &str,
    now: NaiveDateTime,
) -> StoreResult<Changed> {
    let before = find_reservation(conn, id)?;
    if before.capacity_id == target_block {
        return Err(StoreError::Conflict(
            "the reservation is already on that block".into(),
        ));
    }
    let target = find_block(conn, target_block)?;
    if target.organization_id != before.cdmo_organization_id {
        return Err(StoreError::Conflict(
            "a reservation can only move to another block of the same CDMO".into(),
        ));
    }
    if before.state == ReservationState::Held {
        // Before the blocks, in the order holds take them.
        lock_sponsor_holds(conn, &before.sponsor_organization_id)?;
    }
    // Lock both blocks in id order: two reschedules in opposite directions cannot deadlock.
    let (first, second) = if before.capacity_id < target.id {
        (before.capacity_id.clone(), target.id.clone())
    } else {
        (target.id.clone(), before.capacity_id.clone())
    };
    lock_block(conn, &first)?;
    lock_block(conn, &second)?;
    let mut expired = release_expired(conn, &before.capacity_id, now)?;
    expired.extend(release_expired(conn, &target.id, now)?);
    let current = find_reservation(conn, id)?;
    let state = machine::apply(current.state, Transition::Reschedule)?;
    let confirmed = state == ReservationState::Confirmed;
    if !confirmed {
        check_hold_limits(
            conn,
            &current.sponsor_organization_id,
            &target.id,
            current.slots,
            Some(id),
            limits,
            now,
        )?;
    }
    take_slots(conn, &target.id, current.slots, confirmed)?;
    give_back(conn, &current.capacity_id, current.slots, confirmed)?;
    diesel::update(reservations::table.find(id))
        .set((
            reservations::capacity_id.eq(&target.id),
            reservations::updated_at.eq(now),
        ))
        .execute(conn)?;
    record(
        conn,
        NewEvent {
            reservation: id,
            event: Transition::Reschedule.event(),
            from: Some(state),
            to: state,
            actor,
            detail: Some(format!(
                "from capacity {} to {}",
                current.capacity_id, target.id
            )),
        },
        now,
    )?;
    Ok(Changed {
        reservation: ReservationRow {
            capacity_id: target.id,
            updated_at: now,
            ..current
        },
        expired,
    })
}

pub fn list_events(conn: &mut DbConnection, reservation_id: &str) -> StoreResult<Vec<EventRow>> {
    Ok(reservation_events::table
        .filter(reservation_events::reservation_id.eq(reservation_id))
        .order(reservation_events::id)
        .load(conn)?)
}

/// Whose reservations to list.
#[derive(Debug, Clone)]
pub enum ReservationParty {
    Sponsor(String),
    Cdmo(String),
}

pub fn list_reservations(
    conn: &mut DbConnection,
    party: &ReservationParty,
    state: Option<ReservationState>,
    capacity_id: Option<String>,
    after: Option<String>,
    fetch: i64,
) -> StoreResult<Vec<ReservationRow>> {
    let mut query = reservations::table.into_boxed();
    query = match party {
        ReservationParty::Sponsor(org) => {
            query.filter(reservations::sponsor_organization_id.eq(org.clone()))
        }
        ReservationParty::Cdmo(org) => {
            query.filter(reservations::cdmo_organization_id.eq(org.clone()))
        }
    };
    if let Some(state) = state {
        query = query.filter(reservations::state.eq(state));
    }
    if let Some(block) = capacity_id {
        query = query.filter(reservations::capacity_id.eq(block));
    }
    if let Some(after) = after {
        query = query.filter(reservations::id.gt(after));
    }
    Ok(query.order(reservations::id).limit(fetch).load(conn)?)
}

/// How many reservations are in each state, across the database (for metrics). A held
/// reservation past its expiry counts as held until the sweep expires it.
pub fn count_by_state(conn: &mut DbConnection) -> StoreResult<Vec<(ReservationState, i64)>> {
    Ok(reservations::table
        .group_by(reservations::state)
        .select((reservations::state, diesel::dsl::count_star()))
        .order(reservations::state)
        .load(conn)?)
}
