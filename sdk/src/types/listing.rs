//! Whether a CDMO's profile is on the market: a CDMO may unlist its profile (closing a
//! site, pausing intake) and relist it, by hand or on a date it gives.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

closed_set! {
    /// Whether a profile is on the market.
    ListingStatus {
        /// In search and in new matches.
        Listed = "listed",
        /// Withdrawn by its CDMO: out of search and new matches; readable only to its
        /// organisation, platform operators and sponsors with a shortlist or reservation
        /// naming it.
        Unlisted = "unlisted",
    }
}

closed_set! {
    /// Why a CDMO unlisted its profile.
    UnlistReason {
        /// The site (or the only site) is closing or has closed.
        SiteClosed = "site_closed",
        /// The CDMO takes no new programmes for now (capacity full, reorganisation).
        IntakePaused = "intake_paused",
        /// A licence or authorisation is suspended or under review.
        RegulatoryHold = "regulatory_hold",
        /// Another reason, given in `note` (required with this reason).
        Other = "other",
    }
}

closed_set! {
    /// What happened to a profile's listing.
    ListingEventKind {
        /// The CDMO unlisted the profile, or changed the reason or relist date of an
        /// unlisting.
        Unlisted = "unlisted",
        /// The CDMO relisted the profile by hand.
        Relisted = "relisted",
    }
}

/// Unlisting a profile (`POST /v1/cdmos/{id}/unlist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnlistRequest {
    /// Why the profile leaves the market.
    pub reason: UnlistReason,
    /// More words for sponsors who still read the profile, at most 500 characters;
    /// required when `reason` is `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
    /// The day the profile comes back by itself (listed from that day on, UTC). Must be
    /// after today; absent means it stays unlisted until relisted by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relist_on: Option<NaiveDate>,
}

/// A profile's listing state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileListing {
    /// Whether the profile is on the market today. An unlisting whose relist date has
    /// come reads as `listed`.
    pub status: ListingStatus,
    /// Why it was unlisted (only when `unlisted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnlistReason>,
    /// The CDMO's note on the unlisting (only when `unlisted`, if given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When it was unlisted (only when `unlisted`). Changing the reason or relist date
    /// of an unlisting keeps this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// The day it comes back by itself (only when `unlisted`, if set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relist_on: Option<NaiveDate>,
}

impl ProfileListing {
    /// The state of a profile on the market.
    pub fn listed() -> Self {
        Self {
            status: ListingStatus::Listed,
            reason: None,
            note: None,
            since: None,
            relist_on: None,
        }
    }
}

/// One change of a profile's listing, in its history
/// (`GET /v1/cdmos/{id}/listing-history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingEvent {
    /// Event id (server-assigned); the history is in id order, oldest first.
    pub id: String,
    /// What happened.
    pub event: ListingEventKind,
    /// The reason given (only for `unlisted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnlistReason>,
    /// The note given (only for `unlisted`, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The relist date given (only for `unlisted`, if any). The profile came back on
    /// that day by itself, without an event of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relist_on: Option<NaiveDate>,
    /// The user or API key that made the change.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}
