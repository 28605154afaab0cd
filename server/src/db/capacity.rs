//! Capacity blocks: what a CDMO publishes, how it is searched and changed, and how much
//! of it is free.
//!
//! The invariant, held + confirmed <= published, is the database's: a CHECK constraint
//! on `capacity_blocks`, and every slot taken by a conditional increment of the block
//! row ([`take_slots`]), so it holds under any concurrency and across server processes.
//! Expired holds are released inside the transaction of whoever touches the block next
//! (see [`super::reservations::release_expired`]), so a hold past its expiry never
//! counts against free slots.

use std::collections::HashMap;

use cdmx_sdk::types::{ReservationState, SlotKind};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::columns::IsoDate;
use super::reservations::{ReservationRow, release_expired};
use super::schema::{capacity_blocks, reservations};
use super::{DbConnection, StoreError, StoreResult};
use crate::domain::capacity::ValidBlock;
use crate::domain::matching::FreeBlock;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = capacity_blocks)]
pub struct BlockRow {
    pub id: String,
    pub profile_id: String,
    pub organization_id: String,
    pub site_key: String,
    pub country: String,
    pub suite: String,
    pub slot_kind: SlotKind,
    /// JSON lists of wire names.
    pub donor_sources: String,
    pub modalities: String,
    pub period_start: IsoDate,
    pub period_end: IsoDate,
    pub slots_total: i32,
    pub slots_held: i32,
    pub slots_confirmed: i32,
    pub lead_time_days: i32,
    pub price_min_usd: Option<i64>,
    pub price_max_usd: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
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
            slot_kind: b.slot_kind,
            donor_sources: json_text(&b.donor_sources)?,
            modalities: json_text(&b.modalities)?,
            period_start: IsoDate(b.period_start),
            period_end: IsoDate(b.period_end),
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
pub(super) fn lock_block(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    let locked = diesel::update(capacity_blocks::table.find(id))
        .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held))
        .execute(conn)?;
    if locked == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// [`lock_block`] for a delete: on PostgreSQL the row's strongest lock (`FOR UPDATE`),
/// taken before anything else. A hold inserts its reservation (which key-share locks
/// the block through the foreign key) before its conditional increment; a delete that
/// took the weaker update lock first and then waited for that key-share lock would
/// deadlock with the hold's increment. Waiting up front for the hold to end instead, the
/// delete then sees its reservation and refuses.
fn lock_block_for_delete(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    let DbConnection::Postgresql(pg) = conn else {
        // SQLite: writers are serial; the plain lock is all there is.
        return lock_block(conn, id);
    };
    capacity_blocks::table
        .find(id)
        .select(capacity_blocks::id)
        .for_update()
        .first::<String>(pg)
        .optional()?
        .map(|_| ())
        .ok_or(StoreError::NotFound)
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
            .filter(reservations::state.eq(ReservationState::Held))
            .filter(reservations::expires_at.gt(now))
            .select((reservations::capacity_id, reservations::slots))
            .load(conn)?;
        for (block, slots) in rows {
            *held.entry(block).or_insert(0) += i64::from(slots);
        }
    }
    Ok(held)
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
/// (unexpired) or confirmed. Returns the block, and the holds on it found lapsed and
/// expired along the way.
pub fn change_block(
    conn: &mut DbConnection,
    id: &str,
    slots: Option<i32>,
    lead_time_days: Option<i32>,
    price: Option<(i64, i64)>,
    now: NaiveDateTime,
) -> StoreResult<(BlockRow, Vec<ReservationRow>)> {
    lock_block(conn, id)?;
    let expired = release_expired(conn, id, now)?;
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
    Ok((find_block(conn, id)?, expired))
}

/// Deletes a block that never had a reservation (history is never lost); returns it as
/// it was.
pub fn delete_block(conn: &mut DbConnection, id: &str) -> StoreResult<BlockRow> {
    lock_block_for_delete(conn, id)?;
    let block = find_block(conn, id)?;
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
    Ok(block)
}

/// Adds `slots` to a block's held or confirmed count if they are free: the conditional
/// update whose row count decides, under any concurrency. A refusal is a conflict
/// with the numbers.
pub(super) fn take_slots(
    conn: &mut DbConnection,
    block_id: &str,
    slots: i32,
    confirmed: bool,
) -> StoreResult<()> {
    if try_take_slots(conn, block_id, slots, confirmed)? {
        return Ok(());
    }
    let block = find_block(conn, block_id)?;
    let free = block.slots_total - block.slots_held - block.slots_confirmed;
    Err(StoreError::Conflict(format!(
        "only {free} of {} slot(s) are free ({} held, {} confirmed); you asked for {slots}",
        block.slots_total, block.slots_held, block.slots_confirmed
    )))
}

/// [`take_slots`], answering whether the slots were free. The block's row lock is
/// held from here to the end of the transaction only if they were.
pub(super) fn try_take_slots(
    conn: &mut DbConnection,
    block_id: &str,
    slots: i32,
    confirmed: bool,
) -> StoreResult<bool> {
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
    Ok(taken == 1)
}

/// Gives `slots` back to a block's held or confirmed count.
pub(super) fn give_back(
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

/// The blocks of `slot_kind` overlapping the window (optionally only blocks serving a
/// donor source and one of some modalities), with their free slots.
pub fn free_blocks(
    conn: &mut DbConnection,
    slot_kind: SlotKind,
    window: (NaiveDate, NaiveDate),
    donor_source: Option<&str>,
    modalities: &[&str],
    now: NaiveDateTime,
) -> StoreResult<Vec<FreeBlock>> {
    let mut query = capacity_blocks::table
        .filter(capacity_blocks::slot_kind.eq(slot_kind))
        .filter(capacity_blocks::period_end.ge(IsoDate(window.0)))
        .filter(capacity_blocks::period_start.le(IsoDate(window.1)))
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
    Ok(blocks
        .into_iter()
        .map(|b| {
            let taken = held.get(&b.id).copied().unwrap_or(0) + i64::from(b.slots_confirmed);
            FreeBlock {
                free: u32::try_from((i64::from(b.slots_total) - taken).max(0)).unwrap_or(0),
                capacity_id: b.id,
                profile_id: b.profile_id,
                slot_kind: b.slot_kind,
                period_start: b.period_start.0,
                period_end: b.period_end.0,
            }
        })
        .collect())
}
