//! The exchange's events: recording a change for every organisation that may see it, in
//! the change's transaction, and reading an organisation's feed.
//!
//! Each organisation gets its own copy of an event, whose payload is the object as the
//! API returns it to that organisation; the feed then shows an organisation exactly
//! what it may see, with no filtering at read time.

use cdmx_sdk::types::{Event, EventFilter, EventObjectKind, EventType, Page};
use chrono::NaiveDateTime;
use serde::Serialize;

use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::events::{self, EventActor, EventQuery, EventRow, NewEvent};
use crate::db::reservations::ReservationRow;
use crate::db::{DbConnection, accounts, mark_deliveries_queued, webhooks};
use crate::error::ApiError;
use crate::startup::AppState;

/// Cursor kind of the feed: it pages oldest first, by feed position.
const CURSOR_KIND: &str = "after";

/// The caller as events record it.
pub fn actor(principal: &Principal) -> EventActor {
    EventActor {
        kind: principal.kind,
        id: principal.id.clone(),
        organization_id: principal.organization_id.clone(),
    }
}

/// What changed, before it is addressed to the organisations that may see it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub event_type: EventType,
    pub object_kind: EventObjectKind,
    pub object_id: &'a str,
    /// `None` for what the exchange does by itself.
    pub actor: Option<EventActor>,
}

impl<'a> Change<'a> {
    pub fn new(
        event_type: EventType,
        object_kind: EventObjectKind,
        object_id: &'a str,
        actor: Option<EventActor>,
    ) -> Self {
        Self {
            event_type,
            object_kind,
            object_id,
            actor,
        }
    }

    /// The event for `organization_id`, with `payload` as that organisation sees it.
    pub fn to(
        &self,
        organization_id: &str,
        payload: &impl Serialize,
    ) -> Result<NewEvent, ApiError> {
        Ok(NewEvent {
            organization_id: organization_id.to_owned(),
            event_type: self.event_type,
            actor: self.actor.clone(),
            object_kind: self.object_kind,
            object_id: self.object_id.to_owned(),
            payload: serde_json::to_string(payload).map_err(ApiError::internal)?,
        })
    }
}

/// Records `events`: call it inside the transaction of the change they record, so that
/// the change and its events commit together or not at all. Their webhook deliveries are
/// queued in the same transaction (the outbox).
pub fn record(
    conn: &mut DbConnection,
    events: Vec<NewEvent>,
    at: NaiveDateTime,
) -> Result<Vec<EventRow>, ApiError> {
    let rows = events::append(conn, events, at)?;
    if webhooks::enqueue(conn, &rows, at)? > 0 {
        mark_deliveries_queued();
    }
    Ok(rows)
}

/// Records a reservation's change for both its parties, who see it alike.
pub fn record_reservation(
    conn: &mut DbConnection,
    event_type: EventType,
    row: &ReservationRow,
    actor: Option<EventActor>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    record_reservations(conn, event_type, std::slice::from_ref(row), actor, at)
}

/// [`record_reservation`] for several reservations changed alike (holds expiring).
pub fn record_reservations(
    conn: &mut DbConnection,
    event_type: EventType,
    rows: &[ReservationRow],
    actor: Option<EventActor>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    if rows.is_empty() {
        return Ok(());
    }
    let names = accounts::organization_names(
        conn,
        rows.iter().flat_map(|r| {
            [
                r.sponsor_organization_id.as_str(),
                r.cdmo_organization_id.as_str(),
            ]
        }),
    )?;
    let mut new = Vec::with_capacity(rows.len() * 2);
    for row in rows {
        let view = views::reservation(row.clone(), &names, at)?;
        let change = Change::new(
            event_type,
            EventObjectKind::Reservation,
            &row.id,
            actor.clone(),
        );
        new.push(change.to(&row.sponsor_organization_id, &view)?);
        new.push(change.to(&row.cdmo_organization_id, &view)?);
    }
    record(conn, new, at)?;
    Ok(())
}

/// The caller's organisation's feed, oldest first.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    filter: EventFilter,
) -> Result<Page<Event>, ApiError> {
    let organization_id = principal.organization_id.clone();
    authorize(
        principal,
        Action::ReadEvents,
        Resource::OwnedBy(&organization_id),
    )?;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    if filter.after_sequence.is_some_and(|n| n < 0) {
        return Err(ApiError::invalid_field(
            "after_sequence",
            "must be 0 or more",
        ));
    }
    let after_cursor = page
        .after(CURSOR_KIND)?
        .map(|position| {
            position.parse::<i64>().map_err(|_| {
                ApiError::bad_request_field("cursor", "is not a cursor this list returned")
            })
        })
        .transpose()?;
    // A cursor continues a walk that started from `after_sequence`: the later of the two.
    let after_sequence = after_cursor
        .into_iter()
        .chain(filter.after_sequence)
        .max()
        .unwrap_or(0);
    let query = EventQuery {
        organization_id,
        types: filter.event_type.map(|list| list.0),
        object_id: filter.object_id,
        after_sequence,
        fetch: page.fetch(),
    };
    let rows = state.db.run(move |c| events::list(c, &query)).await?;
    page.page_by(
        rows,
        |r| format!("{CURSOR_KIND}:{}", r.sequence),
        views::event,
    )
}
