//! Capacity blocks, reservations, their events, and idempotency keys.
//!
//! The invariant, held + confirmed <= published, is the database's: a CHECK constraint
//! on `capacity_blocks`, and every hold taken by a conditional increment of the block
//! row, so it holds under any concurrency and across server processes. Expired holds
//! are released inside the transaction of whoever touches the block next (and by the
//! sweep), so a hold past its expiry never counts against free slots.

use std::collections::HashMap;

use cdmx_sdk::types::ReservationState;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::domain::capacity::ValidBlock;
use crate::domain::reservations::{self as machine, Transition};

use super::schema::{
    capacity_blocks, idempotency_keys, organizations, reservation_events, reservations,
};
use super::{DbConnection, StoreError, StoreResult, new_id};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = capacity_blocks)]
pub struct BlockRow {
    pub id: String,
    pub profile_id: String,
    pub organization_id: String,
    pub site_key: String,
    pub country: String,
    pub suite: String,
    pub slot_kind: String,
    pub donor_sources: String,
    pub modalities: String,
    pub period_start: String,
    pub period_end: String,
    pub slots_total: i32,
    pub slots_held: i32,
    pub slots_confirmed: i32,
    pub lead_time_days: i32,
    pub price_min_usd: Option<i64>,
    pub price_max_usd: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = reservations)]
pub struct ReservationRow {
    pub id: String,
    pub capacity_id: String,
    pub sponsor_organization_id: String,
    pub cdmo_organization_id: String,
    pub program_id: Option<String>,
    pub slots: i32,
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = reservation_events)]
pub struct EventRow {
    pub id: String,
    pub reservation_id: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: String,
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
    from: Option<&'a str>,
    to: &'a str,
    actor: &'a str,
    detail: Option<String>,
}

fn record(conn: &mut DbConnection, e: NewEvent, at: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(reservation_events::table)
        .values(EventRow {
            id: new_id(),
            reservation_id: e.reservation.to_owned(),
            event: e.event.to_owned(),
            from_state: e.from.map(str::to_owned),
            to_state: e.to.to_owned(),
            actor: e.actor.to_owned(),
            at,
            detail: e.detail,
        })
        .execute(conn)?;
    Ok(())
}

impl BlockRow {
    /// The row of a newly published block, with no slot taken yet.
    pub fn new(
        id: String,
        profile_id: &str,
        organization_id: &str,
        valid: &ValidBlock,
        at: NaiveDateTime,
    ) -> StoreResult<Self> {
        let b = &valid.block;
        Ok(Self {
            id,
            profile_id: profile_id.to_owned(),
            organization_id: organization_id.to_owned(),
            site_key: b.site_key.clone(),
            country: valid.country.clone(),
            suite: b.suite.clone(),
            slot_kind: b.slot_kind.as_str().to_owned(),
            donor_sources: json_text(&b.donor_sources)?,
            modalities: json_text(&b.modalities)?,
            period_start: b.period_start.to_string(),
            period_end: b.period_end.to_string(),
            slots_total: b.slots as i32,
            slots_held: 0,
            slots_confirmed: 0,
            lead_time_days: b.lead_time_days as i32,
            price_min_usd: b.price_band.map(|p| p.min_usd as i64),
            price_max_usd: b.price_band.map(|p| p.max_usd as i64),
            created_at: at,
            updated_at: at,
        })
    }
}

/// JSON text of a list, for the portable text columns.
fn json_text<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Task(e.to_string()))
}

pub fn insert_block(conn: &mut DbConnection, row: &BlockRow) -> StoreResult<()> {
    diesel::insert_into(capacity_blocks::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_block(conn: &mut DbConnection, id: &str) -> StoreResult<BlockRow> {
    capacity_blocks::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Takes the block's row lock for the rest of the transaction (a no-op update), so that
/// everything that changes a block's counters is serialised, on both backends.
fn lock_block(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    let locked = diesel::update(capacity_blocks::table.find(id))
        .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held))
        .execute(conn)?;
    if locked == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Holds (not yet expired) per block, for availability shown to clients.
pub fn active_holds(
    conn: &mut DbConnection,
    block_ids: &[String],
    now: NaiveDateTime,
) -> StoreResult<HashMap<String, i64>> {
    let mut held = HashMap::new();
    for chunk in block_ids.chunks(500) {
        let rows: Vec<(String, i32)> = reservations::table
            .filter(reservations::capacity_id.eq_any(chunk.to_vec()))
            .filter(reservations::state.eq(ReservationState::Held.as_str()))
            .filter(reservations::expires_at.gt(now))
            .select((reservations::capacity_id, reservations::slots))
            .load(conn)?;
        for (block, slots) in rows {
            *held.entry(block).or_insert(0) += i64::from(slots);
        }
    }
    Ok(held)
}

/// Marks the block's holds that are past their expiry as expired and frees their slots.
/// Returns how many slots it freed.
pub fn release_expired(
    conn: &mut DbConnection,
    block_id: &str,
    now: NaiveDateTime,
) -> StoreResult<i32> {
    let due: Vec<(String, i32)> = reservations::table
        .filter(reservations::capacity_id.eq(block_id))
        .filter(reservations::state.eq(ReservationState::Held.as_str()))
        .filter(reservations::expires_at.le(now))
        .select((reservations::id, reservations::slots))
        .load(conn)?;
    let expired = machine::apply(ReservationState::Held, Transition::Expire)?;
    let mut freed = 0;
    for (id, slots) in due {
        // Conditional on the state, so two transactions never free the same hold twice.
        let changed = diesel::update(
            reservations::table
                .filter(reservations::id.eq(&id))
                .filter(reservations::state.eq(ReservationState::Held.as_str())),
        )
        .set((
            reservations::state.eq(expired.as_str()),
            reservations::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 1 {
            diesel::update(capacity_blocks::table.find(block_id))
                .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held - slots))
                .execute(conn)?;
            record(
                conn,
                NewEvent {
                    reservation: &id,
                    event: Transition::Expire.event(),
                    from: Some(ReservationState::Held.as_str()),
                    to: expired.as_str(),
                    actor: SYSTEM_ACTOR,
                    detail: None,
                },
                now,
            )?;
            freed += slots;
        }
    }
    Ok(freed)
}

/// Expires every due hold (the background sweep): blocks at a time, each in its own
/// short transaction run by the caller's closure. Returns the blocks with due holds.
pub fn blocks_with_due_holds(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<String>> {
    Ok(reservations::table
        .filter(reservations::state.eq(ReservationState::Held.as_str()))
        .filter(reservations::expires_at.le(now))
        .select(reservations::capacity_id)
        .distinct()
        .limit(limit)
        .load(conn)?)
}

/// Capacity search conditions (AND).
#[derive(Debug, Clone, Default)]
pub struct BlockQuery {
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub slot_kind: Option<String>,
    /// A JSON string literal to find in the donor source list, e.g. `"autologous"`.
    pub donor_source: Option<String>,
    pub modality: Option<String>,
    pub country: Option<String>,
    pub profile_id: Option<String>,
    /// Upper bound on free slots that SQL can check (published - confirmed); the caller
    /// subtracts unexpired holds for the exact figure.
    pub min_unconfirmed: Option<i32>,
    pub after: Option<String>,
    pub fetch: i64,
}

pub fn search_blocks(conn: &mut DbConnection, q: &BlockQuery) -> StoreResult<Vec<BlockRow>> {
    let mut query = capacity_blocks::table.into_boxed();
    if let Some(start) = &q.window_start {
        query = query.filter(capacity_blocks::period_end.ge(start.clone()));
    }
    if let Some(end) = &q.window_end {
        query = query.filter(capacity_blocks::period_start.le(end.clone()));
    }
    if let Some(kind) = &q.slot_kind {
        query = query.filter(capacity_blocks::slot_kind.eq(kind.clone()));
    }
    if let Some(source) = &q.donor_source {
        query = query.filter(capacity_blocks::donor_sources.like(format!("%\"{source}\"%")));
    }
    if let Some(modality) = &q.modality {
        query = query.filter(capacity_blocks::modalities.like(format!("%\"{modality}\"%")));
    }
    if let Some(country) = &q.country {
        query = query.filter(capacity_blocks::country.eq(country.clone()));
    }
    if let Some(profile) = &q.profile_id {
        query = query.filter(capacity_blocks::profile_id.eq(profile.clone()));
    }
    if let Some(min) = q.min_unconfirmed {
        query =
            query.filter((capacity_blocks::slots_total - capacity_blocks::slots_confirmed).ge(min));
    }
    if let Some(after) = &q.after {
        query = query.filter(capacity_blocks::id.gt(after.clone()));
    }
    Ok(query.order(capacity_blocks::id).limit(q.fetch).load(conn)?)
}

/// Changes a block's published slots and terms. Slots cannot drop below what is held
/// (unexpired) or confirmed.
pub fn change_block(
    conn: &mut DbConnection,
    id: &str,
    slots: Option<i32>,
    lead_time_days: Option<i32>,
    price: Option<(i64, i64)>,
    now: NaiveDateTime,
) -> StoreResult<BlockRow> {
    lock_block(conn, id)?;
    release_expired(conn, id, now)?;
    let block = find_block(conn, id)?;
    if let Some(slots) = slots {
        let taken = block.slots_held + block.slots_confirmed;
        if slots < taken {
            return Err(StoreError::Conflict(format!(
                "cannot publish {slots} slots: {} are held and {} confirmed",
                block.slots_held, block.slots_confirmed
            )));
        }
        diesel::update(capacity_blocks::table.find(id))
            .set(capacity_blocks::slots_total.eq(slots))
            .execute(conn)?;
    }
    if let Some(days) = lead_time_days {
        diesel::update(capacity_blocks::table.find(id))
            .set(capacity_blocks::lead_time_days.eq(days))
            .execute(conn)?;
    }
    if let Some((min, max)) = price {
        diesel::update(capacity_blocks::table.find(id))
            .set((
                capacity_blocks::price_min_usd.eq(Some(min)),
                capacity_blocks::price_max_usd.eq(Some(max)),
            ))
            .execute(conn)?;
    }
    diesel::update(capacity_blocks::table.find(id))
        .set(capacity_blocks::updated_at.eq(now))
        .execute(conn)?;
    find_block(conn, id)
}

/// Deletes a block that never had a reservation (history is never lost).
pub fn delete_block(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    lock_block(conn, id)?;
    let count: i64 = reservations::table
        .filter(reservations::capacity_id.eq(id))
        .count()
        .get_result(conn)?;
    if count > 0 {
        return Err(StoreError::Conflict(format!(
            "the block has {count} reservation(s) on record; reduce its slots instead"
        )));
    }
    diesel::delete(capacity_blocks::table.find(id)).execute(conn)?;
    Ok(())
}

/// Limits a sponsor's holds (anti-hoarding).
#[derive(Debug, Clone, Copy)]
pub struct HoldLimits {
    pub per_block: i64,
    pub total: i64,
    /// How long a hold lasts unless confirmed.
    pub ttl: chrono::Duration,
}

/// A sponsor's unexpired held slots, on one block or in total.
fn sponsor_holds(
    conn: &mut DbConnection,
    sponsor: &str,
    block: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    let mut query = reservations::table
        .filter(reservations::sponsor_organization_id.eq(sponsor.to_owned()))
        .filter(reservations::state.eq(ReservationState::Held.as_str()))
        .filter(reservations::expires_at.gt(now))
        .select(reservations::slots)
        .into_boxed();
    if let Some(block) = block {
        query = query.filter(reservations::capacity_id.eq(block.to_owned()));
    }
    Ok(query.load::<i32>(conn)?.into_iter().map(i64::from).sum())
}

fn check_hold_limits(
    conn: &mut DbConnection,
    sponsor: &str,
    block: &str,
    slots: i32,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let on_block = sponsor_holds(conn, sponsor, Some(block), now)?;
    if on_block + i64::from(slots) > limits.per_block {
        return Err(StoreError::Conflict(format!(
            "hold limit: you already hold {on_block} slot(s) of this block and may hold at most {} per block",
            limits.per_block
        )));
    }
    let total = sponsor_holds(conn, sponsor, None, now)?;
    if total + i64::from(slots) > limits.total {
        return Err(StoreError::Conflict(format!(
            "hold limit: you already hold {total} slot(s) and may hold at most {} in total",
            limits.total
        )));
    }
    Ok(())
}

/// Adds `slots` to a block's held or confirmed count if they are free: the conditional
/// update whose row count decides, under any concurrency.
fn take_slots(
    conn: &mut DbConnection,
    block_id: &str,
    slots: i32,
    confirmed: bool,
) -> StoreResult<()> {
    let free = capacity_blocks::slots_held + capacity_blocks::slots_confirmed + slots;
    let target = capacity_blocks::table
        .filter(capacity_blocks::id.eq(block_id))
        .filter(free.le(capacity_blocks::slots_total));
    let taken = if confirmed {
        diesel::update(target)
            .set(capacity_blocks::slots_confirmed.eq(capacity_blocks::slots_confirmed + slots))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held + slots))
            .execute(conn)?
    };
    if taken == 0 {
        let block = find_block(conn, block_id)?;
        let free = block.slots_total - block.slots_held - block.slots_confirmed;
        return Err(StoreError::Conflict(format!(
            "only {free} of {} slot(s) are free ({} held, {} confirmed); you asked for {slots}",
            block.slots_total, block.slots_held, block.slots_confirmed
        )));
    }
    Ok(())
}

fn give_back(
    conn: &mut DbConnection,
    block_id: &str,
    slots: i32,
    confirmed: bool,
) -> StoreResult<()> {
    if confirmed {
        diesel::update(capacity_blocks::table.find(block_id))
            .set(capacity_blocks::slots_confirmed.eq(capacity_blocks::slots_confirmed - slots))
            .execute(conn)?;
    } else {
        diesel::update(capacity_blocks::table.find(block_id))
            .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held - slots))
            .execute(conn)?;
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
    pub actor: String,
}

/// Places a hold, if the slots are free and the sponsor is within its limits.
pub fn place_hold(
    conn: &mut DbConnection,
    hold: &NewHold,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<ReservationRow> {
    place_hold_with_id(conn, &new_id(), hold, limits, now)
}

/// [`place_hold`] under a reservation id the caller chose (the demo data's fixed ids).
pub fn place_hold_with_id(
    conn: &mut DbConnection,
    id: &str,
    hold: &NewHold,
    limits: HoldLimits,
    now: NaiveDateTime,
) -> StoreResult<ReservationRow> {
    // Serialise this sponsor's holds, so the total limit holds under concurrency too.
    diesel::update(organizations::table.find(&hold.sponsor_organization_id))
        .set(organizations::verified.eq(organizations::verified))
        .execute(conn)?;
    lock_block(conn, &hold.block_id)?;
    release_expired(conn, &hold.block_id, now)?;
    let block = find_block(conn, &hold.block_id)?;
    check_hold_limits(
        conn,
        &hold.sponsor_organization_id,
        &hold.block_id,
        hold.slots,
        limits,
        now,
    )?;
    take_slots(conn, &hold.block_id, hold.slots, false)?;
    let row = ReservationRow {
        id: id.to_owned(),
        capacity_id: hold.block_id.clone(),
        sponsor_organization_id: hold.sponsor_organization_id.clone(),
        cdmo_organization_id: block.organization_id,
        program_id: hold.program_id.clone(),
        slots: hold.slots,
        state: ReservationState::Held.as_str().into(),
        expires_at: now + limits.ttl,
        note: hold.note.clone(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(reservations::table)
        .values(&row)
        .execute(conn)?;
    record(
        conn,
        NewEvent {
            reservation: &row.id,
            // Placing is not a transition: the event is named after the state it creates.
            event: ReservationState::Held.as_str(),
            from: None,
            to: ReservationState::Held.as_str(),
            actor: &hold.actor,
            detail: None,
        },
        now,
    )?;
    Ok(row)
}

pub fn find_reservation(conn: &mut DbConnection, id: &str) -> StoreResult<ReservationRow> {
    reservations::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// The stored state, typed. A value this release cannot read allows no transition, and
/// the conflict names it as stored.
fn stored_state(row: &ReservationRow, attempted: Transition) -> StoreResult<ReservationState> {
    ReservationState::parse(&row.state).ok_or_else(|| {
        StoreError::Conflict(format!(
            "the reservation is {}; it cannot be {attempted}",
            row.state
        ))
    })
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
) -> StoreResult<ReservationRow> {
    let before = find_reservation(conn, id)?;
    lock_block(conn, &before.capacity_id)?;
    release_expired(conn, &before.capacity_id, now)?;
    let current = find_reservation(conn, id)?;
    let from = stored_state(&current, transition)?;
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
        .set((
            reservations::state.eq(to.as_str()),
            reservations::updated_at.eq(now),
        ))
        .execute(conn)?;
    record(
        conn,
        NewEvent {
            reservation: id,
            event: transition.event(),
            from: Some(from.as_str()),
            to: to.as_str(),
            actor,
            detail: None,
        },
        now,
    )?;
    find_reservation(conn, id)
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
) -> StoreResult<ReservationRow> {
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
    // Lock both blocks in id order: two reschedules in opposite directions cannot deadlock.
    let (first, second) = if before.capacity_id < target.id {
        (before.capacity_id.clone(), target.id.clone())
    } else {
        (target.id.clone(), before.capacity_id.clone())
    };
    lock_block(conn, &first)?;
    lock_block(conn, &second)?;
    release_expired(conn, &before.capacity_id, now)?;
    release_expired(conn, &target.id, now)?;
    let current = find_reservation(conn, id)?;
    let state = stored_state(&current, Transition::Reschedule)?;
    let state = machine::apply(state, Transition::Reschedule)?;
    let confirmed = state == ReservationState::Confirmed;
    if !confirmed {
        check_hold_limits(
            conn,
            &current.sponsor_organization_id,
            &target.id,
            current.slots,
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
            from: Some(state.as_str()),
            to: state.as_str(),
            actor,
            detail: Some(format!(
                "from capacity {} to {}",
                current.capacity_id, target.id
            )),
        },
        now,
    )?;
    find_reservation(conn, id)
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
        query = query.filter(reservations::state.eq(state.as_str()));
    }
    if let Some(block) = capacity_id {
        query = query.filter(reservations::capacity_id.eq(block));
    }
    if let Some(after) = after {
        query = query.filter(reservations::id.gt(after));
    }
    Ok(query.order(reservations::id).limit(fetch).load(conn)?)
}

/// The outcome of presenting an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use (or an abandoned earlier attempt): go ahead.
    Claimed,
    /// Completed before: answer with this status and body.
    Replay { status: u16, body: String },
    /// Used before with a different request.
    Mismatch,
    /// Another request with this key is being processed.
    InProgress,
}

/// Claims `key` for a request whose body hashes to `hash`. Keys live 24 hours; a claim
/// left unfinished for `abandoned_after` (its transaction never committed) may be
/// taken over.
pub fn claim_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
    abandoned_after: chrono::Duration,
) -> StoreResult<Claim> {
    let existing: Option<(String, Option<i32>, Option<String>, NaiveDateTime)> =
        idempotency_keys::table
            .find((organization_id, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status,
                idempotency_keys::response,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
    match existing {
        Some((_, _, _, created)) if created + chrono::Duration::hours(24) <= now => {
            diesel::delete(idempotency_keys::table.find((organization_id, key))).execute(conn)?;
        }
        Some((stored, _, _, _)) if stored != hash => return Ok(Claim::Mismatch),
        Some((_, Some(status), Some(body), _)) => {
            return Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            });
        }
        Some((_, _, _, created)) if created + abandoned_after > now => {
            return Ok(Claim::InProgress);
        }
        Some(_) => {
            diesel::update(idempotency_keys::table.find((organization_id, key)))
                .set(idempotency_keys::created_at.eq(now))
                .execute(conn)?;
            return Ok(Claim::Claimed);
        }
        None => {}
    }
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::organization_id.eq(organization_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Claim::Claimed),
        // A concurrent request with the same key claimed it first.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Claim::InProgress),
        Err(other) => Err(other.into()),
    }
}

/// Stores the response of a claimed key.
pub fn complete_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> StoreResult<()> {
    diesel::update(idempotency_keys::table.find((organization_id, key)))
        .set((
            idempotency_keys::status.eq(Some(i32::from(status))),
            idempotency_keys::response.eq(Some(body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a claim back after a failure that must not be replayed (a server error).
pub fn release_key(conn: &mut DbConnection, organization_id: &str, key: &str) -> StoreResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((organization_id, key))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes keys older than 24 hours.
pub fn purge_keys(conn: &mut DbConnection, now: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.le(now - chrono::Duration::hours(24))),
    )
    .execute(conn)?)
}

/// Free slots per profile in blocks of `slot_kind` overlapping the window (optionally
/// only blocks serving a donor source and one of some modalities), with, per profile,
/// the first day in the window of a block that has a free slot.
pub fn availability(
    conn: &mut DbConnection,
    slot_kind: &str,
    window: (NaiveDate, NaiveDate),
    donor_source: Option<&str>,
    modalities: &[&str],
    now: NaiveDateTime,
) -> StoreResult<HashMap<String, (u32, Option<NaiveDate>)>> {
    let mut query = capacity_blocks::table
        .filter(capacity_blocks::slot_kind.eq(slot_kind.to_owned()))
        .filter(capacity_blocks::period_end.ge(window.0.to_string()))
        .filter(capacity_blocks::period_start.le(window.1.to_string()))
        .into_boxed();
    if let Some(source) = donor_source {
        query = query.filter(capacity_blocks::donor_sources.like(format!("%\"{source}\"%")));
    }
    let blocks: Vec<BlockRow> = query.load(conn)?;
    let blocks: Vec<BlockRow> = blocks
        .into_iter()
        .filter(|b| {
            modalities.is_empty()
                || modalities
                    .iter()
                    .any(|m| b.modalities.contains(&format!("\"{m}\"")))
        })
        .collect();
    let ids: Vec<String> = blocks.iter().map(|b| b.id.clone()).collect();
    let held = active_holds(conn, &ids, now)?;
    let mut per_profile: HashMap<String, (u32, Option<NaiveDate>)> = HashMap::new();
    for b in blocks {
        let taken = held.get(&b.id).copied().unwrap_or(0) + i64::from(b.slots_confirmed);
        let free = u32::try_from((i64::from(b.slots_total) - taken).max(0)).unwrap_or(0);
        let entry = per_profile.entry(b.profile_id.clone()).or_insert((0, None));
        entry.0 += free;
        if free > 0
            && let Ok(start) = b.period_start.parse::<NaiveDate>()
        {
            let start = start.max(window.0);
            entry.1 = Some(entry.1.map_or(start, |e: NaiveDate| e.min(start)));
        }
    }
    Ok(per_profile)
}
