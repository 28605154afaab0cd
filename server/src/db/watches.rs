//! Capacity watches: what sponsors watch for, the queue of CDMOs whose capacity changed,
//! and the firings that make each watch fire once per CDMO.

use cdmx_sdk::types::SlotKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::Keyset;
use super::columns::IsoDate;
use super::schema::{capacity_watches, cdmo_profiles, watch_checks, watch_firings};
use super::{DbConnection, StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = capacity_watches)]
pub struct WatchRow {
    pub id: String,
    pub organization_id: String,
    pub program_id: Option<String>,
    /// JSON: the requirement set watched, its capacity need required.
    pub requirements: String,
    pub slot_kind: SlotKind,
    pub slots: i32,
    pub window_start: IsoDate,
    pub window_end: IsoDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &WatchRow) -> StoreResult<()> {
    diesel::insert_into(capacity_watches::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// One of `organization_id`'s watches that is not deleted.
pub fn find(conn: &mut DbConnection, organization_id: &str, id: &str) -> StoreResult<WatchRow> {
    capacity_watches::table
        .filter(capacity_watches::id.eq(id))
        .filter(capacity_watches::organization_id.eq(organization_id))
        .filter(capacity_watches::deleted_at.is_null())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// A page of `organization_id`'s watches, by id.
pub fn list(
    conn: &mut DbConnection,
    organization_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<WatchRow>> {
    let mut query = capacity_watches::table
        .filter(capacity_watches::organization_id.eq(organization_id))
        .filter(capacity_watches::deleted_at.is_null())
        .into_boxed();
    if let Some(after) = &keyset.after {
        query = query.filter(capacity_watches::id.gt(after.clone()));
    }
    Ok(query
        .order(capacity_watches::id)
        .limit(keyset.fetch)
        .load(conn)?)
}

/// Deletes a watch (kept, marked deleted: its firings name it).
pub fn delete(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    let changed = diesel::update(
        capacity_watches::table
            .filter(capacity_watches::id.eq(id))
            .filter(capacity_watches::organization_id.eq(organization_id))
            .filter(capacity_watches::deleted_at.is_null()),
    )
    .set(capacity_watches::deleted_at.eq(Some(at)))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The CDMOs a watch has fired for.
pub fn fired_for(conn: &mut DbConnection, watch_id: &str) -> StoreResult<Vec<String>> {
    Ok(watch_firings::table
        .filter(watch_firings::watch_id.eq(watch_id))
        .order(watch_firings::fired_at)
        .select(watch_firings::cdmo_organization_id)
        .load(conn)?)
}

/// Queues a check of the watches against CDMO `organization_id`, whose capacity changed;
/// call it in the transaction of the change. Queued twice, it is checked once.
pub fn queue_check(
    conn: &mut DbConnection,
    organization_id: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    let queue = diesel::insert_into(watch_checks::table)
        .values((
            watch_checks::cdmo_organization_id.eq(organization_id),
            watch_checks::queued_at.eq(at),
        ))
        .on_conflict_do_nothing();
    on_backend!(conn, |c| queue.execute(c))?;
    Ok(())
}

/// The oldest queued checks, without taking them: what the checker prepares for.
pub fn queued(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<String>> {
    Ok(watch_checks::table
        .order(watch_checks::queued_at)
        .select(watch_checks::cdmo_organization_id)
        .limit(limit)
        .load(conn)?)
}

/// Takes the queued checks of `organization_ids` that no other process is taking: they
/// are deleted, and stay deleted if the transaction commits. On PostgreSQL rows another
/// transaction has locked are skipped (`SKIP LOCKED`), so two processes never check the
/// same CDMO at once; on SQLite writers are serial already.
pub fn take_checks(
    conn: &mut DbConnection,
    organization_ids: &[String],
) -> StoreResult<Vec<String>> {
    let query = watch_checks::table
        .filter(watch_checks::cdmo_organization_id.eq_any(organization_ids))
        .select(watch_checks::cdmo_organization_id);
    let taken: Vec<String> = match conn {
        DbConnection::Postgresql(pg) => query.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(_) => query.load(conn)?,
    };
    diesel::delete(watch_checks::table.filter(watch_checks::cdmo_organization_id.eq_any(&taken)))
        .execute(conn)?;
    Ok(taken)
}

/// The profile of CDMO `organization_id`, if it has one.
pub fn profile_of(conn: &mut DbConnection, organization_id: &str) -> StoreResult<Option<String>> {
    Ok(cdmo_profiles::table
        .filter(cdmo_profiles::organization_id.eq(organization_id))
        .select(cdmo_profiles::id)
        .first(conn)
        .optional()?)
}

/// The live watches that have not fired for CDMO `organization_id` and whose window has
/// not ended by `today`.
pub fn unfired_for(
    conn: &mut DbConnection,
    organization_id: &str,
    today: IsoDate,
) -> StoreResult<Vec<WatchRow>> {
    let fired = watch_firings::table
        .filter(watch_firings::cdmo_organization_id.eq(organization_id.to_owned()))
        .select(watch_firings::watch_id);
    Ok(capacity_watches::table
        .filter(capacity_watches::deleted_at.is_null())
        .filter(capacity_watches::window_end.ge(today))
        .filter(capacity_watches::id.ne_all(fired))
        .order(capacity_watches::id)
        .load(conn)?)
}

/// Records that `watch_id` fired for CDMO `organization_id`; false when it already had
/// (the key decides, whatever else runs).
pub fn record_firing(
    conn: &mut DbConnection,
    watch_id: &str,
    organization_id: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let fire = diesel::insert_into(watch_firings::table)
        .values((
            watch_firings::watch_id.eq(watch_id),
            watch_firings::cdmo_organization_id.eq(organization_id),
            watch_firings::fired_at.eq(at),
        ))
        .on_conflict_do_nothing();
    let inserted = on_backend!(conn, |c| fire.execute(c))?;
    Ok(inserted == 1)
}
