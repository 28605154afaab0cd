//! The exchange's events: appended in the transaction of the change they record, one
//! row per organisation that may see the change, read as that organisation's feed.
//!
//! Feed positions (`sequence`) come from a counter row per organisation, updated in the
//! same transaction: its row lock is held to the commit, so a later position is never
//! visible before an earlier one, and a reader that remembers the last position it saw
//! misses nothing.
//!
//! Lock order, so that no two transactions wait for each other: capacity blocks (see
//! `reservations`), then queued watch checks (`watches::queue_check`), then feed
//! counters, in organisation id order. Events are therefore recorded last in a
//! transaction.

use std::collections::BTreeMap;

use cdmx_sdk::types::{EventObjectKind, EventType, PrincipalKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{event_sequences, events};
use super::{DbConnection, StoreError, StoreResult, new_id};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: String,
    pub organization_id: String,
    pub sequence: i64,
    pub event_type: EventType,
    pub occurred_at: NaiveDateTime,
    pub actor_kind: Option<PrincipalKind>,
    pub actor_id: Option<String>,
    pub actor_organization_id: Option<String>,
    pub object_kind: EventObjectKind,
    pub object_id: String,
    /// JSON: the object as the API shows it to `organization_id`.
    pub payload: String,
}

/// Who caused an event: a user or API key of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventActor {
    pub kind: PrincipalKind,
    pub id: String,
    pub organization_id: String,
}

/// An event for one organisation's feed.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub organization_id: String,
    pub event_type: EventType,
    /// `None` for what the exchange does by itself (a hold expiring).
    pub actor: Option<EventActor>,
    pub object_kind: EventObjectKind,
    pub object_id: String,
    /// JSON text of the payload.
    pub payload: String,
}

/// Appends `new` to their organisations' feeds; call it inside the transaction of the
/// change they record. Returns the rows as stored, in feed order per organisation.
pub fn append(
    conn: &mut DbConnection,
    new: Vec<NewEvent>,
    at: NaiveDateTime,
) -> StoreResult<Vec<EventRow>> {
    let mut by_organization: BTreeMap<String, Vec<NewEvent>> = BTreeMap::new();
    for event in new {
        by_organization
            .entry(event.organization_id.clone())
            .or_default()
            .push(event);
    }
    let mut rows = Vec::new();
    for (organization_id, batch) in by_organization {
        let count = i64::try_from(batch.len()).unwrap_or(i64::MAX);
        let last = take_sequences(conn, &organization_id, count)?;
        let first = last - count + 1;
        for (offset, event) in (0..).zip(batch) {
            let (actor_kind, actor_id, actor_organization_id) = match event.actor {
                Some(actor) => (
                    Some(actor.kind),
                    Some(actor.id),
                    Some(actor.organization_id),
                ),
                None => (None, None, None),
            };
            rows.push(EventRow {
                id: new_id(),
                organization_id: organization_id.clone(),
                sequence: first + offset,
                event_type: event.event_type,
                occurred_at: at,
                actor_kind,
                actor_id,
                actor_organization_id,
                object_kind: event.object_kind,
                object_id: event.object_id,
                payload: event.payload,
            });
        }
    }
    if !rows.is_empty() {
        let insert = diesel::insert_into(events::table).values(&rows);
        on_backend!(conn, |c| insert.execute(c))?;
    }
    Ok(rows)
}

/// Advances `organization_id`'s feed counter by `count` and returns the new last
/// position; the counter's row stays locked until the transaction ends.
fn take_sequences(conn: &mut DbConnection, organization_id: &str, count: i64) -> StoreResult<i64> {
    let advance = |conn: &mut DbConnection| -> StoreResult<Option<i64>> {
        Ok(diesel::update(event_sequences::table.find(organization_id))
            .set(event_sequences::last_sequence.eq(event_sequences::last_sequence + count))
            .returning(event_sequences::last_sequence)
            .get_result(conn)
            .optional()?)
    };
    if let Some(last) = advance(conn)? {
        return Ok(last);
    }
    // The organisation's first event: create its counter (another transaction may be
    // creating it at the same moment; then this one waits for it and advances it).
    let create = diesel::insert_into(event_sequences::table)
        .values((
            event_sequences::organization_id.eq(organization_id),
            event_sequences::last_sequence.eq(0i64),
        ))
        .on_conflict_do_nothing();
    on_backend!(conn, |c| create.execute(c))?;
    advance(conn)?.ok_or(StoreError::NotFound)
}

/// Which events of a feed to read, oldest first.
#[derive(Debug, Clone)]
pub struct EventQuery {
    pub organization_id: String,
    pub types: Option<Vec<EventType>>,
    pub object_id: Option<String>,
    /// Events after this position.
    pub after_sequence: i64,
    pub fetch: i64,
}

/// A page of a feed, oldest first.
pub fn list(conn: &mut DbConnection, query: &EventQuery) -> StoreResult<Vec<EventRow>> {
    let mut select = events::table
        .filter(events::organization_id.eq(query.organization_id.clone()))
        .filter(events::sequence.gt(query.after_sequence))
        .into_boxed();
    if let Some(types) = &query.types {
        select = select.filter(events::event_type.eq_any(types.clone()));
    }
    if let Some(object_id) = &query.object_id {
        select = select.filter(events::object_id.eq(object_id.clone()));
    }
    Ok(select
        .order(events::sequence.asc())
        .limit(query.fetch)
        .load(conn)?)
}

/// One event of `organization_id`'s feed.
pub fn find(conn: &mut DbConnection, organization_id: &str, id: &str) -> StoreResult<EventRow> {
    events::table
        .filter(events::organization_id.eq(organization_id))
        .filter(events::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}
