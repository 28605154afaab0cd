//! Webhooks: endpoints, the outbox of deliveries and the log of attempts.
//!
//! Deliveries are queued by [`enqueue`] in the transaction that records the events, so
//! an event and its deliveries commit together. Workers take due deliveries with a lease
//! ([`claim_due`]): on PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED`
//! while the lease is written, so two processes never take the same delivery; on SQLite
//! the write transaction is serial already. A lease that runs out (its process died) makes
//! the delivery due again: delivery is at least once.

use std::collections::BTreeSet;

use cdmx_sdk::types::{EventType, WebhookDeliveryState};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::accounts::Keyset;
use super::events::EventRow;
use super::schema::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::{DbConnection, StoreError, StoreResult, new_id};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub organization_id: String,
    pub url: String,
    /// JSON list of event types; empty: every type.
    pub event_types: String,
    pub enabled: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl EndpointRow {
    /// The event types it takes; empty: every type.
    pub fn types(&self) -> Vec<EventType> {
        event_types(&self.event_types)
    }
}

/// A stored list of event types; empty: every type.
fn event_types(stored: &str) -> Vec<EventType> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// What [`enqueue`] reads of an endpoint: whose it is and what it takes, never its
/// secrets.
struct Subscription {
    endpoint_id: String,
    organization_id: String,
    /// Empty: every type.
    types: Vec<EventType>,
}

impl Subscription {
    fn takes(&self, event: &EventRow) -> bool {
        self.organization_id == event.organization_id
            && (self.types.is_empty() || self.types.contains(&event.event_type))
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub object_id: String,
    pub event_sequence: i64,
    pub state: WebhookDeliveryState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub leased_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl DeliveryRow {
    /// A delivery of `event` to `endpoint_id`, due at once.
    pub fn new(endpoint_id: &str, event: &EventRow, at: NaiveDateTime) -> Self {
        Self {
            id: new_id(),
            endpoint_id: endpoint_id.to_owned(),
            event_id: event.id.clone(),
            object_id: event.object_id.clone(),
            event_sequence: event.sequence,
            state: WebhookDeliveryState::Pending,
            attempts: 0,
            next_attempt_at: at,
            lease_until: None,
            leased_by: None,
            created_at: at,
            finished_at: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub delivery_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: EventType,
    pub attempt: i32,
    pub attempted_at: NaiveDateTime,
    pub success: bool,
    pub response_status: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub delivery_state: WebhookDeliveryState,
}

pub fn insert_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> StoreResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// One of `organization_id`'s endpoints that is not deleted.
pub fn find_endpoint(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StoreResult<EndpointRow> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::organization_id.eq(organization_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// A page of `organization_id`'s endpoints, by id.
pub fn list_endpoints(
    conn: &mut DbConnection,
    organization_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<EndpointRow>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::organization_id.eq(organization_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .into_boxed();
    if let Some(after) = &keyset.after {
        query = query.filter(webhook_endpoints::id.gt(after.clone()));
    }
    Ok(query
        .order(webhook_endpoints::id)
        .limit(keyset.fetch)
        .load(conn)?)
}

/// Writes an endpoint's changeable fields as `row` has them.
pub fn save_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> StoreResult<()> {
    diesel::update(webhook_endpoints::table.find(&row.id))
        .set((
            webhook_endpoints::url.eq(&row.url),
            webhook_endpoints::event_types.eq(&row.event_types),
            webhook_endpoints::enabled.eq(row.enabled),
            webhook_endpoints::secret.eq(&row.secret),
            webhook_endpoints::previous_secret.eq(&row.previous_secret),
            webhook_endpoints::previous_secret_expires_at.eq(row.previous_secret_expires_at),
            webhook_endpoints::disabled_reason.eq(&row.disabled_reason),
            webhook_endpoints::consecutive_failures.eq(row.consecutive_failures),
            webhook_endpoints::updated_at.eq(row.updated_at),
            webhook_endpoints::deleted_at.eq(row.deleted_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives up the pending deliveries of a deleted endpoint.
pub fn fail_pending(
    conn: &mut DbConnection,
    endpoint_id: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::state.eq(WebhookDeliveryState::Pending)),
    )
    .set((
        webhook_deliveries::state.eq(WebhookDeliveryState::Failed),
        webhook_deliveries::finished_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Queues a delivery of each of `events` to each enabled endpoint of its organisation
/// that takes its type; call it in the transaction that records them. Returns how many.
pub fn enqueue(
    conn: &mut DbConnection,
    events: &[EventRow],
    at: NaiveDateTime,
) -> StoreResult<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let organizations: BTreeSet<&str> = events.iter().map(|e| e.organization_id.as_str()).collect();
    let subscriptions: Vec<Subscription> = webhook_endpoints::table
        .filter(webhook_endpoints::organization_id.eq_any(organizations))
        .filter(webhook_endpoints::enabled.eq(true))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select((
            webhook_endpoints::id,
            webhook_endpoints::organization_id,
            webhook_endpoints::event_types,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(endpoint_id, organization_id, types)| Subscription {
            endpoint_id,
            organization_id,
            types: event_types(&types),
        })
        .collect();
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let rows: Vec<DeliveryRow> = events
        .iter()
        .flat_map(|event| {
            subscriptions
                .iter()
                .filter(|s| s.takes(event))
                .map(|s| DeliveryRow::new(&s.endpoint_id, event, at))
        })
        .collect();
    if !rows.is_empty() {
        let insert = diesel::insert_into(webhook_deliveries::table).values(&rows);
        on_backend!(conn, |c| insert.execute(c))?;
    }
    Ok(rows.len())
}

/// Queues one more delivery of an event to an endpoint (a redelivery).
pub fn insert_delivery(conn: &mut DbConnection, row: &DeliveryRow) -> StoreResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The due deliveries, oldest first: the query [`claim_due`] locks from. A correlated
/// subquery (the per-object order), so written as SQL; the same on both backends but
/// for the placeholders.
const DUE_SQL: &str = "SELECT d.id FROM webhook_deliveries d \
    JOIN webhook_endpoints e ON e.id = d.endpoint_id \
    WHERE e.enabled AND e.deleted_at IS NULL AND d.state = 'pending' \
    AND d.next_attempt_at <= {1} AND (d.lease_until IS NULL OR d.lease_until < {2}) \
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
        WHERE p.endpoint_id = d.endpoint_id AND p.object_id = d.object_id \
        AND p.state = 'pending' \
        AND (p.event_sequence < d.event_sequence \
            OR (p.event_sequence = d.event_sequence AND p.id < d.id))) \
    ORDER BY d.next_attempt_at, d.id LIMIT {3}";

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

fn due_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<String>> {
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let mut sql = DUE_SQL.to_owned();
    for n in 1..=3 {
        let placeholder = if postgres {
            format!("${n}")
        } else {
            "?".to_owned()
        };
        sql = sql.replace(&format!("{{{n}}}"), &placeholder);
    }
    let query = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit);
    let rows: Vec<IdRow> = on_backend!(conn, |c| query.load(c))?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A delivery taken by a worker, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub endpoint: EndpointRow,
    pub event: EventRow,
}

/// Takes up to `limit` due deliveries, leased to `worker` until `lease_until`: pending,
/// their next attempt come, not leased (or the lease ran out), their endpoint enabled,
/// and no older pending delivery of the same object to the same endpoint before them.
pub fn claim_due(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<Claimed>> {
    let candidates = due_candidates(conn, now, limit)?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // Lock what is still free; on PostgreSQL rows another worker is taking are skipped,
    // and a row another worker leased and committed meanwhile fails the lease test.
    let free = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq_any(&candidates))
        .filter(webhook_deliveries::state.eq(WebhookDeliveryState::Pending))
        .filter(
            webhook_deliveries::lease_until
                .is_null()
                .or(webhook_deliveries::lease_until.lt(now)),
        )
        .select(webhook_deliveries::id);
    let taken: Vec<String> = match conn {
        DbConnection::Postgresql(pg) => free.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(_) => free.load(conn)?,
    };
    if taken.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&taken)))
        .set((
            webhook_deliveries::lease_until.eq(Some(lease_until)),
            webhook_deliveries::leased_by.eq(Some(worker)),
        ))
        .execute(conn)?;
    let rows: Vec<(DeliveryRow, EndpointRow, EventRow)> = webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .inner_join(events::table)
        .filter(webhook_deliveries::id.eq_any(&taken))
        .order((webhook_deliveries::next_attempt_at, webhook_deliveries::id))
        .select((
            webhook_deliveries::all_columns,
            webhook_endpoints::all_columns,
            events::all_columns,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, endpoint, event)| Claimed {
            delivery,
            endpoint,
            event,
        })
        .collect())
}

/// What an attempt did to its delivery.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; try again at this time.
    Retry(NaiveDateTime),
    /// Failed and out of retries; the endpoint is disabled for this reason.
    GiveUp(String),
}

/// Records an attempt of a leased delivery and what follows from it. Returns false when
/// the lease was lost (another worker took the delivery after this one's lease ran out):
/// nothing is written then.
pub fn record_attempt(
    conn: &mut DbConnection,
    claimed: &Claimed,
    worker: &str,
    attempt: &AttemptRow,
    outcome: &AttemptOutcome,
) -> StoreResult<bool> {
    let delivery = &claimed.delivery;
    let at = attempt.attempted_at;
    let (state, next, finished) = match outcome {
        AttemptOutcome::Delivered => (
            WebhookDeliveryState::Delivered,
            delivery.next_attempt_at,
            Some(at),
        ),
        AttemptOutcome::Retry(next) => (WebhookDeliveryState::Pending, *next, None),
        AttemptOutcome::GiveUp(_) => (
            WebhookDeliveryState::Failed,
            delivery.next_attempt_at,
            Some(at),
        ),
    };
    let updated = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(&delivery.id))
            .filter(webhook_deliveries::leased_by.eq(worker))
            .filter(webhook_deliveries::state.eq(WebhookDeliveryState::Pending)),
    )
    .set((
        webhook_deliveries::state.eq(state),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::next_attempt_at.eq(next),
        webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::leased_by.eq(None::<String>),
        webhook_deliveries::finished_at.eq(finished),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    diesel::insert_into(webhook_attempts::table)
        .values(attempt)
        .execute(conn)?;
    let endpoint = webhook_endpoints::table.find(&claimed.endpoint.id);
    match outcome {
        AttemptOutcome::Delivered => {
            diesel::update(endpoint)
                .set(webhook_endpoints::consecutive_failures.eq(0))
                .execute(conn)?;
        }
        AttemptOutcome::Retry(_) => {
            diesel::update(endpoint)
                .set(
                    webhook_endpoints::consecutive_failures
                        .eq(webhook_endpoints::consecutive_failures + 1),
                )
                .execute(conn)?;
        }
        AttemptOutcome::GiveUp(reason) => {
            diesel::update(endpoint)
                .set((
                    webhook_endpoints::consecutive_failures
                        .eq(webhook_endpoints::consecutive_failures + 1),
                    webhook_endpoints::enabled.eq(false),
                    webhook_endpoints::disabled_reason.eq(Some(reason)),
                    webhook_endpoints::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(true)
}

/// A page of an endpoint's attempts, oldest first.
pub fn list_attempts(
    conn: &mut DbConnection,
    endpoint_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<AttemptRow>> {
    let mut query = webhook_attempts::table
        .filter(webhook_attempts::endpoint_id.eq(endpoint_id))
        .into_boxed();
    if let Some(after) = &keyset.after {
        query = query.filter(webhook_attempts::id.gt(after.clone()));
    }
    Ok(query
        .order(webhook_attempts::id)
        .limit(keyset.fetch)
        .load(conn)?)
}
