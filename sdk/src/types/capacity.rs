//! Manufacturing capacity and reservations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{DonorSource, Modality};

closed_set! {
    /// What a slot is for.
    SlotKind {
        ProcessDevelopment = "process_development",
        EngineeringRun = "engineering_run",
        ClinicalGmpBatch = "clinical_gmp_batch",
        CommercialBatch = "commercial_batch",
    }
}

closed_set! {
    /// Where a reservation stands.
    ReservationState {
        /// Slots held for the sponsor until `expires_at` unless the CDMO confirms.
        Held = "held",
        Confirmed = "confirmed",
        Declined = "declined",
        Cancelled = "cancelled",
        /// The hold lapsed without confirmation; its slots are free again.
        Expired = "expired",
    }
}

/// A price band per slot, USD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBand {
    pub min_usd: u64,
    pub max_usd: u64,
}

/// Capacity a CDMO publishes: slots of one kind at one site, in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCapacityBlock {
    /// The `key` of a site of the CDMO's profile.
    pub site_key: String,
    /// Suite or platform the slots run in, e.g. `Suite 3` or `Prodigy bank A`.
    pub suite: String,
    pub slot_kind: SlotKind,
    pub donor_sources: Vec<DonorSource>,
    pub modalities: Vec<Modality>,
    pub period_start: NaiveDate,
    /// Inclusive; on or after `period_start`.
    pub period_end: NaiveDate,
    /// 1 to 10,000.
    pub slots: u32,
    /// Days from booking to the earliest start.
    pub lead_time_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

/// Changes to a capacity block (owner only). Slots cannot drop below what is held or
/// confirmed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityBlockChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

/// A published capacity block with its live availability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityBlock {
    pub id: String,
    pub profile_id: String,
    pub organization_id: String,
    pub cdmo_name: String,
    /// The site's country (ISO 3166-1 alpha-2).
    pub country: String,
    #[serde(flatten)]
    pub block: NewCapacityBlock,
    /// Unexpired holds.
    pub held: u32,
    pub confirmed: u32,
    /// slots - held - confirmed.
    pub free: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Capacity search: blocks overlapping a window, with filters (AND across).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CapacitySearch {
    /// Blocks whose period overlaps [window_start, window_end].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_end: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_kind: Option<SlotKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor_source: Option<DonorSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
    /// ISO 3166-1 alpha-2 country of the block's site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_free_slots: Option<u32>,
    /// Only this CDMO profile's blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Hold slots of a capacity block (sponsors). Send an `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReservation {
    pub capacity_id: String,
    /// At least 1.
    pub slots: u32,
    /// One of your programmes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// Up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Move a reservation to another block of the same CDMO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleRequest {
    pub capacity_id: String,
}

/// A reservation of slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub id: String,
    pub capacity_id: String,
    pub sponsor_organization_id: String,
    pub cdmo_organization_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    pub slots: u32,
    pub state: ReservationState,
    /// When a hold lapses unless confirmed.
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One transition of a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReservationEvent {
    pub id: String,
    pub reservation_id: String,
    /// `held`, `confirmed`, `declined`, `cancelled`, `expired` or `rescheduled`.
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_state: Option<ReservationState>,
    pub to_state: ReservationState,
    /// The user or API key, or `system` for expiry.
    pub actor: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Filters for your reservations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReservationFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ReservationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
