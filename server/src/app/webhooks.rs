//! Webhook endpoints: registering, changing, rotating and deleting them, reading their
//! delivery attempts, and redelivering an event. Organisation admins only
//! (`ManageWebhooks`). Deliveries themselves are queued by `events::record` and sent by
//! `crate::webhooks::worker`.

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, EventType, NewWebhookEndpoint, Page, PageParams,
    SecretRotationParams, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEndpointChange,
};
use chrono::NaiveDateTime;

use super::pagination::list_by_id;
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::webhooks::{self as stored, AttemptRow, DeliveryRow, EndpointRow};
use crate::db::{events, mark_deliveries_queued, new_id, now};
use crate::error::ApiError;
use crate::startup::AppState;
use crate::webhooks::{check_url, new_secret, parse_url};

/// The overlap of a rotation when none is asked for: a day.
const DEFAULT_OVERLAP_SECONDS: i64 = 86_400;
/// The longest overlap: a week.
const MAX_OVERLAP_SECONDS: i64 = 604_800;

fn own(principal: &Principal) -> Result<String, ApiError> {
    let organization_id = principal.organization_id.clone();
    authorize(
        principal,
        Action::ManageWebhooks,
        Resource::OwnedBy(&organization_id),
    )?;
    Ok(organization_id)
}

/// The audit entry of `principal`'s change to the endpoint `id`.
fn audited(
    principal: &Principal,
    action: AuditAction,
    id: &str,
    detail: Option<String>,
) -> NewAuditEvent {
    NewAuditEvent {
        detail,
        ..super::audit::by(
            principal,
            &principal.organization_id,
            action,
            AuditObjectKind::WebhookEndpoint,
            id,
        )
    }
}

/// Checks a URL as registration does: its form, then where it resolves. Refusals name
/// `url`.
async fn checked_url(state: &AppState, url: &str) -> Result<String, ApiError> {
    let parsed =
        parse_url(url.trim()).map_err(|e| ApiError::invalid_field("url", e.to_string()))?;
    check_url(&parsed, state.webhooks.allow_private_addresses)
        .await
        .map_err(|e| ApiError::invalid_field("url", e.to_string()))?;
    Ok(parsed.to_string())
}

fn encode_types(types: &[EventType], field: &str) -> Result<String, ApiError> {
    if let Some(i) = types.iter().position(|t| *t == EventType::Unknown) {
        return Err(ApiError::invalid_field(
            format!("{field}[{i}]"),
            "is not an event type",
        ));
    }
    let mut types = types.to_vec();
    types.sort();
    types.dedup();
    serde_json::to_string(&types).map_err(ApiError::internal)
}

fn endpoint_view(row: EndpointRow, secret: Option<String>) -> WebhookEndpoint {
    let at = now();
    WebhookEndpoint {
        event_types: row.types(),
        id: row.id,
        organization_id: row.organization_id,
        url: row.url,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        consecutive_failures: u32::try_from(row.consecutive_failures).unwrap_or(0),
        secret,
        previous_secret_expires_at: row
            .previous_secret_expires_at
            .filter(|until| *until > at)
            .map(|until| until.and_utc()),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

fn attempt_view(row: AttemptRow) -> WebhookAttempt {
    WebhookAttempt {
        id: row.id,
        delivery_id: row.delivery_id,
        event_id: row.event_id,
        event_type: row.event_type,
        attempt: u32::try_from(row.attempt).unwrap_or(0),
        attempted_at: row.attempted_at.and_utc(),
        success: row.success,
        response_status: row.response_status.and_then(|s| u16::try_from(s).ok()),
        latency_ms: u64::try_from(row.latency_ms).unwrap_or(0),
        error: row.error,
        delivery_state: row.delivery_state,
    }
}

fn delivery_view(row: DeliveryRow) -> WebhookDelivery {
    WebhookDelivery {
        id: row.id,
        endpoint_id: row.endpoint_id,
        event_id: row.event_id,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: (row.state == cdmx_sdk::types::WebhookDeliveryState::Pending)
            .then(|| row.next_attempt_at.and_utc()),
        state: row.state,
        created_at: row.created_at.and_utc(),
    }
}

/// Registers an endpoint; its secret is in this answer only. A URL that is not http(s)
/// or resolves to a private address is 422 naming `url`, and nothing is written.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    request: NewWebhookEndpoint,
) -> Result<WebhookEndpoint, ApiError> {
    let organization_id = own(principal)?;
    let event_types = encode_types(&request.event_types, "event_types")?;
    let url = checked_url(state, &request.url).await?;
    let secret = new_secret().map_err(|e| ApiError::internal(e.to_string()))?;
    let at = now();
    let row = EndpointRow {
        id: new_id(),
        organization_id,
        url,
        event_types,
        enabled: request.enabled.unwrap_or(true),
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_expires_at: None,
        disabled_reason: None,
        consecutive_failures: 0,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    };
    let entry = audited(
        principal,
        AuditAction::WebhookEndpointCreated,
        &row.id,
        Some(row.url.clone()),
    );
    let row = state
        .db
        .write(move |c| {
            stored::insert_endpoint(c, &row)?;
            audit::record(c, entry)?;
            Ok(row)
        })
        .await?;
    Ok(endpoint_view(row, Some(secret)))
}

/// The caller's organisation's endpoints.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    params: PageParams,
) -> Result<Page<WebhookEndpoint>, ApiError> {
    let organization_id = own(principal)?;
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| stored::list_endpoints(c, &organization_id, keyset),
        |r| &r.id,
        |r| Ok(endpoint_view(r, None)),
    )
    .await
}

/// One endpoint, with why it was disabled if the exchange disabled it.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<WebhookEndpoint, ApiError> {
    let organization_id = own(principal)?;
    let row = state
        .db
        .run(move |c| stored::find_endpoint(c, &organization_id, &id))
        .await?;
    Ok(endpoint_view(row, None))
}

/// Changes an endpoint's URL, event types or whether it is enabled. Enabling clears
/// the reason it was disabled and its failure count; its pending deliveries resume.
pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: String,
    change: WebhookEndpointChange,
) -> Result<WebhookEndpoint, ApiError> {
    let organization_id = own(principal)?;
    let event_types = change
        .event_types
        .as_deref()
        .map(|types| encode_types(types, "event_types"))
        .transpose()?;
    let url = match &change.url {
        Some(url) => Some(checked_url(state, url).await?),
        None => None,
    };
    let changed: Vec<String> = [
        url.as_ref().map(|url| format!("url: {url}")),
        change
            .event_types
            .as_ref()
            .map(|_| "event_types".to_owned()),
        change.enabled.map(|enabled| format!("enabled: {enabled}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let entry = audited(
        principal,
        AuditAction::WebhookEndpointChanged,
        &id,
        Some(changed.join("; ")).filter(|d| !d.is_empty()),
    );
    let at = now();
    let row = state
        .db
        .write(move |c| {
            let mut row = stored::find_endpoint(c, &organization_id, &id)?;
            if let Some(url) = url {
                row.url = url;
            }
            if let Some(types) = event_types {
                row.event_types = types;
            }
            if let Some(enabled) = change.enabled {
                if enabled && !row.enabled {
                    row.disabled_reason = None;
                    row.consecutive_failures = 0;
                    mark_deliveries_queued();
                }
                row.enabled = enabled;
            }
            row.updated_at = at;
            stored::save_endpoint(c, &row)?;
            audit::record(c, entry)?;
            Ok(row)
        })
        .await?;
    Ok(endpoint_view(row, None))
}

/// Deletes an endpoint: it is sent nothing more, and its pending deliveries are given up.
pub async fn delete(state: &AppState, principal: &Principal, id: String) -> Result<(), ApiError> {
    let organization_id = own(principal)?;
    let entry = audited(principal, AuditAction::WebhookEndpointDeleted, &id, None);
    let at = now();
    state
        .db
        .write(move |c| {
            let mut row = stored::find_endpoint(c, &organization_id, &id)?;
            row.deleted_at = Some(at);
            row.enabled = false;
            row.updated_at = at;
            stored::save_endpoint(c, &row)?;
            stored::fail_pending(c, &row.id, at)?;
            audit::record(c, entry)
        })
        .await?;
    Ok(())
}

/// Gives an endpoint a new secret, shown in this answer only; the previous one keeps
/// signing beside it for the overlap (0 to 7 days; default a day), so that receivers can
/// switch without missing a delivery.
pub async fn rotate_secret(
    state: &AppState,
    principal: &Principal,
    id: String,
    params: SecretRotationParams,
) -> Result<WebhookEndpoint, ApiError> {
    let organization_id = own(principal)?;
    let overlap = params.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECONDS);
    if !(0..=MAX_OVERLAP_SECONDS).contains(&overlap) {
        return Err(ApiError::invalid_field(
            "overlap_seconds",
            format!("must be between 0 and {MAX_OVERLAP_SECONDS}"),
        ));
    }
    let secret = new_secret().map_err(|e| ApiError::internal(e.to_string()))?;
    let at = now();
    let until: NaiveDateTime = at + chrono::Duration::seconds(overlap);
    let new_secret = secret.clone();
    let entry = audited(
        principal,
        AuditAction::WebhookSecretRotated,
        &id,
        Some(format!(
            "the previous secret keeps signing for {overlap} seconds"
        )),
    );
    let row = state
        .db
        .write(move |c| {
            let mut row = stored::find_endpoint(c, &organization_id, &id)?;
            let previous = std::mem::replace(&mut row.secret, new_secret);
            (row.previous_secret, row.previous_secret_expires_at) = if overlap > 0 {
                (Some(previous), Some(until))
            } else {
                (None, None)
            };
            row.updated_at = at;
            stored::save_endpoint(c, &row)?;
            audit::record(c, entry)?;
            Ok(row)
        })
        .await?;
    Ok(endpoint_view(row, Some(secret)))
}

/// An endpoint's delivery attempts, oldest first.
pub async fn list_attempts(
    state: &AppState,
    principal: &Principal,
    id: String,
    params: PageParams,
) -> Result<Page<WebhookAttempt>, ApiError> {
    let organization_id = own(principal)?;
    let endpoint = state
        .db
        .run(move |c| stored::find_endpoint(c, &organization_id, &id))
        .await?;
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| stored::list_attempts(c, &endpoint.id, keyset),
        |r| &r.id,
        |r| Ok(attempt_view(r)),
    )
    .await
}

/// Queues one more delivery of one of the organisation's events to an endpoint, whatever
/// its type and earlier deliveries. An event of another organisation is 404.
pub async fn redeliver(
    state: &AppState,
    principal: &Principal,
    id: String,
    event_id: String,
) -> Result<WebhookDelivery, ApiError> {
    let organization_id = own(principal)?;
    let at = now();
    let row = state
        .db
        .write(move |c| {
            let endpoint = stored::find_endpoint(c, &organization_id, &id)?;
            let event = events::find(c, &organization_id, &event_id)?;
            let row = DeliveryRow::new(&endpoint.id, &event, at);
            stored::insert_delivery(c, &row)?;
            mark_deliveries_queued();
            Ok(row)
        })
        .await?;
    Ok(delivery_view(row))
}
