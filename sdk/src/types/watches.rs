//! Capacity watches: a sponsor asks to be told when a CDMO can meet a programme's need.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{RequirementSet, SlotKind};

/// What to watch: one of your programmes (its requirements, with its capacity need), or
/// a requirement set with a capacity need. Exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCapacityWatch {
    /// One of your programmes; its requirements must state a `capacity` need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// A requirement set with a `capacity` need, instead of a programme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<RequirementSet>,
}

/// A capacity watch. It fires `capacity.available` (on your feed and webhooks) the
/// first time, after it was created, that a change to a CDMO's capacity (a block
/// published or changed, slots freed by a decline, cancellation or expiry) leaves that
/// CDMO meeting the hard constraints with enough free slots of the kind in the window.
/// It fires once per CDMO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityWatch {
    /// Watch id (server-assigned).
    pub id: String,
    /// Your organisation.
    pub organization_id: String,
    /// The programme watched, if the watch was made from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// The requirements watched (a programme's as they were when the watch was made),
    /// with the capacity need required.
    pub requirements: RequirementSet,
    /// The CDMO organisations it has fired for, oldest first.
    #[serde(default)]
    pub fired_for: Vec<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// The payload of a `capacity.available` event: which watch fired, for which CDMO, and
/// what it has free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityAvailable {
    /// The watch that fired.
    pub watch_id: String,
    /// Its programme, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// The CDMO organisation that can now meet the need.
    pub cdmo_organization_id: String,
    /// Its profile.
    pub profile_id: String,
    /// Its public name.
    pub cdmo_name: String,
    /// The kind of slot watched.
    pub slot_kind: SlotKind,
    /// Slots the need asks for.
    pub slots_needed: u32,
    /// Slots of that kind free in the window at the CDMO, now.
    pub slots_free: u32,
    /// First day of the window.
    pub window_start: NaiveDate,
    /// Last day of the window.
    pub window_end: NaiveDate,
    /// The first day in the window of a block with a free slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_start: Option<NaiveDate>,
}
