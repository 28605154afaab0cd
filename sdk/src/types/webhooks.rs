//! Webhook endpoints: where an organisation's events are delivered, signed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::EventType;

closed_set! {
    /// Where a delivery of an event to an endpoint stands.
    WebhookDeliveryState {
        /// Not delivered yet: waiting for its first attempt or its next retry.
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Retries ran out (24 hours of failures): given up.
        Failed = "failed",
    }
}

/// A webhook endpoint to register.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhookEndpoint {
    /// Where events are posted: `http` or `https`, a host that does not resolve to a
    /// private, loopback or link-local address. At most 2,000 characters.
    pub url: String,
    /// The event types to deliver; empty or absent: every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<EventType>,
    /// Whether events are delivered (default true). A disabled endpoint is sent nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A change to a webhook endpoint: the fields given are replaced. Enabling an endpoint
/// clears its `disabled_reason` and resumes its pending deliveries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointChange {
    /// A new URL (checked as at registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New event types; empty: every type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<EventType>>,
    /// Enable or disable the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A webhook endpoint. Its signing secret is shown only by the answers that create it
/// (registration and rotation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// Endpoint id (server-assigned).
    pub id: String,
    /// Your organisation.
    pub organization_id: String,
    /// Where events are posted.
    pub url: String,
    /// The event types delivered; empty: every type.
    #[serde(default)]
    pub event_types: Vec<EventType>,
    /// Whether events are delivered.
    pub enabled: bool,
    /// Why the exchange disabled the endpoint (deliveries kept failing), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last successful one.
    pub consecutive_failures: u32,
    /// The signing secret (`whsec_...`): only in the answers to registration and
    /// rotation. Keep it: it is never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Until when the previous secret also signs deliveries, after a rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Options of `POST /v1/webhooks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SecretRotationParams {
    /// Seconds during which the previous secret still signs deliveries beside the new
    /// one, 0 to 604800 (7 days; default 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap_seconds: Option<i64>,
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    /// Attempt id.
    pub id: String,
    /// The delivery it belongs to.
    pub delivery_id: String,
    /// The event delivered (its id is the `webhook-id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// 1 for the delivery's first attempt.
    pub attempt: u32,
    /// When it was sent.
    pub attempted_at: DateTime<Utc>,
    /// Whether the endpoint answered 2xx.
    pub success: bool,
    /// The endpoint's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    /// Milliseconds from sending to the answer (or the failure).
    pub latency_ms: u64,
    /// What went wrong (timeout, refused address, connection error, status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The delivery's state after this attempt.
    pub delivery_state: WebhookDeliveryState,
}

/// A delivery of an event to an endpoint (created by a redelivery request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Delivery id.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The event.
    pub event_id: String,
    /// Where it stands.
    pub state: WebhookDeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}
