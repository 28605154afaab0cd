//! Manufacturing capacity and reservations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{DonorSource, Modality};

closed_set! {
    /// What a slot is for.
    SlotKind {
        /// Process development work, before GMP manufacture.
        ProcessDevelopment = "process_development",
        /// A full-scale run that proves the process at the site; not for patients.
        EngineeringRun = "engineering_run",
        /// A GMP batch for a clinical trial.
        ClinicalGmpBatch = "clinical_gmp_batch",
        /// A GMP batch of an approved product, for market supply.
        CommercialBatch = "commercial_batch",
    }
}

closed_set! {
    /// Where a reservation stands.
    ReservationState {
        /// Slots held for the sponsor until `expires_at` unless the CDMO confirms.
        Held = "held",
        /// The CDMO confirmed the hold; the slots are booked.
        Confirmed = "confirmed",
        /// The CDMO declined the hold; its slots are free again.
        Declined = "declined",
        /// The sponsor cancelled the hold or booking; its slots are free again.
        Cancelled = "cancelled",
        /// The hold lapsed without confirmation; its slots are free again.
        Expired = "expired",
    }
}

/// A price band per slot, USD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBand {
    /// Lowest price per slot, USD, at most 1,000,000,000.
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000000))]
    pub min_usd: u64,
    /// Highest price per slot, USD, at most 1,000,000,000; not below `min_usd`.
    #[cfg_attr(feature = "openapi", schema(maximum = 1000000000))]
    pub max_usd: u64,
}

/// Capacity a CDMO publishes: slots of one kind at one site, in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCapacityBlock {
    /// The `key` of a site of the CDMO's profile.
    pub site_key: String,
    /// Suite or platform the slots run in, e.g. `Suite 3` or `Prodigy bank A`; a name
    /// (no bidirectional controls or zero-width characters, stored NFC-normalised).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub suite: String,
    /// What the slots are for.
    pub slot_kind: SlotKind,
    /// Donor sources the slots serve; at least one, no repeats.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub donor_sources: Vec<DonorSource>,
    /// Modalities the slots serve; at least one, no repeats.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub modalities: Vec<Modality>,
    /// First day of the period, 2000-01-01 to 2100-12-31.
    pub period_start: NaiveDate,
    /// Inclusive; on or after `period_start`, at most 2100-12-31.
    pub period_end: NaiveDate,
    /// 1 to 10,000.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub slots: u32,
    /// Days from booking to the earliest start.
    #[cfg_attr(feature = "openapi", schema(maximum = 730))]
    pub lead_time_days: u32,
    /// Indicative price per slot; absent when not published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

/// Changes to a capacity block (owner only). Slots cannot drop below what is held or
/// confirmed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityBlockChange {
    /// New number of slots, 1 to 10,000, not below held plus confirmed; absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub slots: Option<u32>,
    /// New lead time, days, at most 730; absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 730))]
    pub lead_time_days: Option<u32>,
    /// New price band per slot; absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_band: Option<PriceBand>,
}

/// A published capacity block with its live availability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityBlock {
    /// Capacity block id (server-assigned).
    pub id: String,
    /// The CDMO profile the block was published for.
    pub profile_id: String,
    /// The CDMO organisation that owns the block.
    pub organization_id: String,
    /// The CDMO's name, from its current profile.
    pub cdmo_name: String,
    /// The site's country (ISO 3166-1 alpha-2).
    pub country: String,
    /// The block as published.
    #[serde(flatten)]
    pub block: NewCapacityBlock,
    /// Unexpired holds.
    pub held: u32,
    /// Slots in confirmed reservations.
    pub confirmed: u32,
    /// slots - held - confirmed.
    pub free: u32,
    /// When the block was published.
    pub created_at: DateTime<Utc>,
    /// When the block last changed.
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
    /// End of the window; not before `window_start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_end: Option<NaiveDate>,
    /// Only blocks of this slot kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_kind: Option<SlotKind>,
    /// Only blocks that serve this donor source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor_source: Option<DonorSource>,
    /// Only blocks that serve this modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
    /// ISO 3166-1 alpha-2 country of the block's site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Only blocks with at least this many free slots now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_free_slots: Option<u32>,
    /// Only this CDMO profile's blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Hold slots of a capacity block (sponsors). Send an `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReservation {
    /// The capacity block to hold slots of.
    pub capacity_id: String,
    /// 1 to 10,000.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub slots: u32,
    /// One of your programmes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// Up to 2,000 characters, without bidirectional controls or zero-width characters;
    /// stored NFC-normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: Option<String>,
    /// What you choose to tell the CDMO about your programme (product, phase, volumes,
    /// timeline): shown to the CDMO on the reservation, so that it can confirm knowing
    /// what it books. Up to 2,000 characters, like `note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub shared_summary: Option<String>,
}

/// Hold slots of several capacity blocks at once, all or nothing: a proposed allocation
/// across CDMOs (`AllocationProposal::hold_request`), or any blocks you choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAllocationHold {
    /// 1 to 20 blocks, each at most once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub blocks: Vec<super::SlotOffer>,
    /// One of your programmes, on every hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// As a hold's `note`, on every hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub note: Option<String>,
    /// As a hold's `shared_summary`, shown to every CDMO of the allocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub shared_summary: Option<String>,
}

/// The holds of an allocation, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationHold {
    /// One hold per block.
    pub reservations: Vec<Reservation>,
}

/// Move a reservation to another block of the same CDMO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleRequest {
    /// The block to move to: another block of the same CDMO with enough free slots.
    pub capacity_id: String,
}

/// A reservation of slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    /// Reservation id (server-assigned).
    pub id: String,
    /// The capacity block the slots are in; a reschedule changes it.
    pub capacity_id: String,
    /// The sponsor organisation that placed the hold.
    pub sponsor_organization_id: String,
    /// Its name: the CDMO sees who it books for.
    #[serde(default)]
    pub sponsor_organization_name: String,
    /// The CDMO organisation that owns the block.
    pub cdmo_organization_id: String,
    /// Its name.
    #[serde(default)]
    pub cdmo_organization_name: String,
    /// The sponsor's programme, when given with the hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// Number of slots reserved.
    pub slots: u32,
    /// Current state; a lapsed hold reads `expired` from its expiry on.
    pub state: ReservationState,
    /// When a hold lapses unless confirmed (for an expired hold: when it lapsed).
    /// Absent once the reservation is confirmed, declined or cancelled: nothing
    /// expires any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The sponsor's note, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the sponsor chose to tell the CDMO about its programme, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_summary: Option<String>,
    /// When the hold was placed.
    pub created_at: DateTime<Utc>,
    /// When the reservation last changed state or block.
    pub updated_at: DateTime<Utc>,
}

/// One transition of a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReservationEvent {
    /// Event id (server-assigned).
    pub id: String,
    /// The reservation this event belongs to.
    pub reservation_id: String,
    /// `held`, `confirmed`, `declined`, `cancelled`, `expired` or `rescheduled`.
    pub event: String,
    /// State before the event; absent for the initial hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_state: Option<ReservationState>,
    /// State after the event (unchanged by a reschedule).
    pub to_state: ReservationState,
    /// The user or API key, or `system` for expiry.
    pub actor: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// More about the event, e.g. the blocks of a reschedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Filters for your reservations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReservationFilter {
    /// Only reservations in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ReservationState>,
    /// Only reservations of this capacity block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_id: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
