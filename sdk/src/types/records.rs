//! Records a sponsor keeps about its shortlists: decisions (immutable; a later one
//! supersedes), archiving of programmes and shortlists, and share links that let people
//! without accounts open a shortlist's report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PrincipalKind;

/// Longest decision rationale, in characters.
pub const MAX_RATIONALE_CHARS: usize = 4000;
/// Longest share link label, in characters.
pub const MAX_SHARE_LINK_LABEL_CHARS: usize = 200;
/// Share link lifetime when `expires_in_days` is not given.
pub const DEFAULT_SHARE_LINK_DAYS: u32 = 14;
/// Longest share link lifetime, in days.
pub const MAX_SHARE_LINK_DAYS: u32 = 90;

closed_set! {
    /// What a sponsor decided about a shortlist.
    DecisionOutcome {
        /// One or more ranked CDMOs were selected.
        Award = "award",
        /// None was selected; the rationale says why.
        NoAward = "no_award",
    }
}

/// A decision to record on a shortlist (`POST /v1/shortlists/{id}/decisions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// `award` (select CDMOs) or `no_award`.
    pub outcome: DecisionOutcome,
    /// For `award`: the profile ids of the selected CDMOs, each a ranked (feasible)
    /// candidate of the shortlist, without repeats (1 to the number of candidates). For
    /// `no_award`: empty or left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selected_profile_ids: Vec<String>,
    /// Why, in words: 1 to 4000 characters (trimmed); may span lines.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub rationale: String,
}

/// A selected CDMO, as the shortlist ranked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectedCandidate {
    /// The CDMO's profile id.
    pub profile_id: String,
    /// The CDMO's name, as the shortlist has it.
    pub name: String,
    /// Its rank in the shortlist, from 1.
    pub rank: u32,
    /// The profile revision the shortlist scored.
    pub revision: u32,
}

/// Who recorded a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionMaker {
    /// A user or an API key.
    pub kind: PrincipalKind,
    /// The user or API key id.
    pub id: String,
    /// The user's email or the API key's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A recorded decision. Decisions are never changed or deleted: a later one supersedes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// Decision id (server-assigned, time-ordered).
    pub id: String,
    /// The shortlist decided on.
    pub shortlist_id: String,
    /// `award` or `no_award`.
    pub outcome: DecisionOutcome,
    /// The selected CDMOs, in the order given (empty for `no_award`).
    pub selected: Vec<SelectedCandidate>,
    /// Why, as recorded.
    pub rationale: String,
    /// Who recorded it.
    pub decided_by: DecisionMaker,
    /// When it was recorded.
    pub decided_at: DateTime<Utc>,
    /// The decision that was current before this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// Whether this is the shortlist's current decision (no later one supersedes it).
    pub current: bool,
}

/// Which of an organisation's programmes or shortlists to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ArchivableListParams {
    /// `true`: only archived ones; `false` (the default): only those not archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A share link to create (`POST /v1/shortlists/{id}/share-links`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    /// What the link is for (who it was sent to), 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub label: Option<String>,
    /// Days until the link stops working, 1 to 90 (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 90))]
    pub expires_in_days: Option<u32>,
}

/// A share link as listed: never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLink {
    /// Share link id (server-assigned); not the token.
    pub id: String,
    /// The shortlist whose report it opens.
    pub shortlist_id: String,
    /// What the link is for, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The user or API key that created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked; absent while not revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// How many times the report was opened through it.
    pub open_count: u32,
    /// When it was last opened; absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_opened_at: Option<DateTime<Utc>>,
}

/// A new share link, with its URL: shown in this response only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedShareLink {
    /// The link as it will be listed.
    pub share_link: ShareLink,
    /// The report's address, token included (`.../v1/shared/<token>/report`): anyone
    /// holding it can read the report until it expires or is revoked. Add `?format=pdf`
    /// (or `xlsx`, `csv`) to choose the file. The server keeps only a hash of the token:
    /// it cannot show it again.
    pub url: String,
}
