//! The audit trail's storage: rows appended in the transaction of what they record, read
//! newest first by the organisation they belong to.

use cdmx_sdk::types::{AuditAction, AuditObjectKind, PrincipalKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::{DbConnection, StoreResult, new_id, now};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: String,
    pub organization_id: String,
    pub occurred_at: NaiveDateTime,
    pub action: AuditAction,
    pub actor_kind: Option<PrincipalKind>,
    pub actor_id: Option<String>,
    pub actor_organization_id: Option<String>,
    pub object_kind: AuditObjectKind,
    pub object_id: String,
    pub client_address: Option<String>,
    pub detail: Option<String>,
}

/// Who did something, as the trail records it.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub kind: Option<PrincipalKind>,
    pub id: Option<String>,
    pub organization_id: Option<String>,
}

/// An event to append to `organization_id`'s trail.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub organization_id: String,
    pub action: AuditAction,
    pub actor: Actor,
    pub object_kind: AuditObjectKind,
    pub object_id: String,
    pub client_address: Option<String>,
    pub detail: Option<String>,
}

/// Appends `event`; call it inside the transaction of the change it records.
pub fn record(conn: &mut DbConnection, event: NewAuditEvent) -> StoreResult<()> {
    // The actor's organisation is kept only when it differs from the trail's own.
    let actor_organization_id = event
        .actor
        .organization_id
        .filter(|org| *org != event.organization_id);
    let row = AuditEventRow {
        id: new_id(),
        organization_id: event.organization_id,
        occurred_at: now(),
        action: event.action,
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        actor_organization_id,
        object_kind: event.object_kind,
        object_id: event.object_id,
        client_address: event.client_address,
        detail: event.detail,
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Which events of a trail to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub organization_id: String,
    pub actions: Option<Vec<AuditAction>>,
    pub object_id: Option<String>,
    /// Events older than this id (the previous page's last).
    pub before: Option<String>,
    pub fetch: i64,
}

/// A page of a trail, newest first.
pub fn list(conn: &mut DbConnection, query: &AuditQuery) -> StoreResult<Vec<AuditEventRow>> {
    let mut select = audit_events::table
        .filter(audit_events::organization_id.eq(query.organization_id.clone()))
        .into_boxed();
    if let Some(actions) = &query.actions {
        select = select.filter(audit_events::action.eq_any(actions.clone()));
    }
    if let Some(object_id) = &query.object_id {
        select = select.filter(audit_events::object_id.eq(object_id.clone()));
    }
    if let Some(before) = &query.before {
        select = select.filter(audit_events::id.lt(before.clone()));
    }
    Ok(select
        .order(audit_events::id.desc())
        .limit(query.fetch)
        .load(conn)?)
}
