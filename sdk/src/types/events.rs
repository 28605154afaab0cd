//! The exchange's events: what changed, for whom. Every state change of the marketplace
//! (profiles, capacity, reservations, RFIs and quotes, verification) is recorded as an
//! event in the same transaction as the change, once per organisation that may see it,
//! with the object as the API shows it to that organisation. Organisations read their
//! feed (`GET /v1/events`) and receive it through webhooks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CommaSeparated, PrincipalKind};

closed_set! {
    /// What an event records. The payload is the object named by `object`, as the API
    /// returns it to the organisation reading the event.
    EventType {
        /// A CDMO profile got a new revision (payload: the profile).
        ProfileRevised = "profile.revised",
        /// A profile was taken off the market, or its unlisting changed (payload: the
        /// listing status).
        ProfileUnlisted = "profile.unlisted",
        /// A profile is back on the market (payload: the listing status).
        ProfileRelisted = "profile.relisted",
        /// A capacity block was published (payload: the block).
        CapacityPublished = "capacity.published",
        /// A capacity block was changed (payload: the block).
        CapacityChanged = "capacity.changed",
        /// A capacity block was withdrawn (payload: the block as it was).
        CapacityWithdrawn = "capacity.withdrawn",
        /// A watched programme's need can now be met by a CDMO (payload: the watch, the
        /// CDMO and its free capacity in the window). Fires once per watch and CDMO.
        CapacityAvailable = "capacity.available",
        /// Slots were held (payload: the reservation).
        ReservationHeld = "reservation.held",
        /// The CDMO confirmed a hold.
        ReservationConfirmed = "reservation.confirmed",
        /// The CDMO declined a hold.
        ReservationDeclined = "reservation.declined",
        /// The sponsor cancelled a reservation.
        ReservationCancelled = "reservation.cancelled",
        /// A reservation moved to another block.
        ReservationRescheduled = "reservation.rescheduled",
        /// A hold lapsed unconfirmed and its slots were freed.
        ReservationExpired = "reservation.expired",
        /// A sponsor sent a request for information and quote (payload: the RFI).
        RfiSent = "rfi.sent",
        /// The CDMO accepted the RFI's confidentiality agreement.
        RfiConfidentialityAccepted = "rfi.confidentiality_accepted",
        /// The CDMO declined to quote.
        RfiDeclined = "rfi.declined",
        /// The RFI's deadline passed unanswered.
        RfiExpired = "rfi.expired",
        /// The CDMO answered an RFI with a quote (payload: the quote).
        QuoteSubmitted = "quote.submitted",
        /// The sponsor accepted a quote; its slots are held.
        QuoteAccepted = "quote.accepted",
        /// The sponsor declined a quote.
        QuoteDeclined = "quote.declined",
        /// A quote passed its validity date unaccepted.
        QuoteExpired = "quote.expired",
        /// The platform verified the organisation (payload: the organisation).
        OrganizationVerified = "organization.verified",
        /// A test delivery sent when a webhook endpoint is registered (never in the feed).
        WebhookPing = "webhook.ping",
    }
}

closed_set! {
    /// The kind of object an event is about.
    EventObjectKind {
        /// A CDMO profile (`id` is the profile id).
        Profile = "profile",
        /// A capacity block.
        CapacityBlock = "capacity_block",
        /// A reservation.
        Reservation = "reservation",
        /// A request for information and quote.
        Rfi = "rfi",
        /// A quote.
        Quote = "quote",
        /// An organisation.
        Organization = "organization",
        /// A capacity watch.
        Watch = "watch",
        /// A webhook endpoint.
        Webhook = "webhook",
    }
}

/// Who caused an event. Absent for what the exchange does by itself (a hold expiring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventActor {
    /// A user or an API key.
    pub kind: PrincipalKind,
    /// The user or API key id.
    pub id: String,
    /// The actor's organisation.
    pub organization_id: String,
}

/// The object an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventObject {
    /// What kind of object.
    pub kind: EventObjectKind,
    /// Its id.
    pub id: String,
}

/// One event of an organisation's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Event id: the same in the feed and in every webhook delivery of it (the
    /// `webhook-id` header), so receivers can drop duplicates.
    pub id: String,
    /// Position in the organisation's feed: gap-free, increasing in the order the
    /// changes committed.
    pub sequence: i64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it; absent for what the exchange did by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<EventActor>,
    /// What it happened to.
    pub object: EventObject,
    /// The object after the change, as the API returns it to this organisation.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventFilter {
    /// Only these types (comma-separated).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(rename = "type", value_type = Option<Vec<EventType>>, style = Form, explode = false))]
    pub event_type: Option<CommaSeparated<EventType>>,
    /// Only events about this object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// Only events after this sequence number (what a poller saw last); the feed is
    /// oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after_sequence: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
