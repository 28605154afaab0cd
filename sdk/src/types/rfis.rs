//! Requests for information and quote (RFIs) and the quotes that answer them.
//!
//! A sponsor sends an RFI about one of its programmes to chosen CDMOs, disclosing what
//! it chooses; each CDMO answers with a quote (or declines); the sponsor compares the
//! quotes and accepts one, which holds the offered slots. Each party sees only its own
//! side: a CDMO sees the RFIs addressed to it and its own quotes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Modality, Phase, SlotKind, Timeline};

closed_set! {
    /// Where an RFI stands, for the CDMO it is addressed to.
    RfiState {
        /// Sent; the CDMO has not answered yet.
        Open = "open",
        /// The CDMO answered with a quote.
        Quoted = "quoted",
        /// The CDMO declined to quote.
        Declined = "declined",
        /// The response deadline passed unanswered.
        Expired = "expired",
    }
}

closed_set! {
    /// Where a quote stands.
    QuoteState {
        /// Submitted; the sponsor has not decided yet.
        Submitted = "submitted",
        /// The sponsor accepted it: its slots are held (`reservation_ids`).
        Accepted = "accepted",
        /// The sponsor declined it.
        Declined = "declined",
        /// Its validity ended before the sponsor accepted it.
        Expired = "expired",
    }
}

/// What of the programme the RFI discloses to the CDMOs. Each part left false stays
/// private to the sponsor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RfiDisclosure {
    /// Share the programme summary (`summary` of the request).
    #[serde(default)]
    pub summary: bool,
    /// Share the product's modality.
    #[serde(default)]
    pub modality: bool,
    /// Share the target phase.
    #[serde(default)]
    pub phase: bool,
    /// Share the volumes: the programme's capacity need (slot kind and slots).
    #[serde(default)]
    pub volumes: bool,
    /// Share the timeline (the programme's start dates and the capacity window).
    #[serde(default)]
    pub timeline: bool,
}

/// A request for information and quote, sent to one or more CDMOs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRfi {
    /// One of your programmes.
    pub program_id: String,
    /// The CDMO organisations to ask (1 to 20, each once), e.g. from a shortlist.
    pub cdmo_organization_ids: Vec<String>,
    /// What of the programme to disclose.
    #[serde(default)]
    pub disclose: RfiDisclosure,
    /// A summary of the programme, 1 to 2,000 characters; required when
    /// `disclose.summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Withhold your organisation's name until the CDMO accepts the confidentiality
    /// agreement (`POST /v1/rfis/{id}/confidentiality`).
    #[serde(default)]
    pub withhold_sponsor_name: bool,
    /// When answers are due: in the future, before 2101.
    pub response_deadline: DateTime<Utc>,
    /// A message to the CDMOs, up to 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The volumes an RFI discloses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RfiVolumes {
    /// The kind of slot needed.
    pub slot_kind: SlotKind,
    /// How many slots.
    pub slots: u32,
}

/// The timeline an RFI discloses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RfiTimeline {
    /// The programme's start dates.
    pub start: Timeline,
    /// First day of the capacity window, when the programme states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start: Option<NaiveDate>,
    /// Last day of the capacity window, when the programme states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_end: Option<NaiveDate>,
}

/// What the CDMO is told about the programme: only the disclosed parts, as they were
/// when the RFI was sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RfiProgram {
    /// The programme summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The product's modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
    /// The target phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The volumes needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<RfiVolumes>,
    /// The timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<RfiTimeline>,
}

/// An RFI as one party sees it: the sponsor sees one per CDMO asked (sharing
/// `request_id`), the CDMO the one addressed to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rfi {
    /// RFI id (server-assigned): one per CDMO asked.
    pub id: String,
    /// The request it was sent in, shared by the RFIs sent together.
    pub request_id: String,
    /// The sponsor's programme; shown to the sponsor only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// The sponsor organisation; absent for the CDMO while the name is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor_organization_id: Option<String>,
    /// The sponsor's name; absent for the CDMO while it is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor_organization_name: Option<String>,
    /// Whether the sponsor withholds its name until the confidentiality agreement is
    /// accepted.
    pub sponsor_name_withheld: bool,
    /// The CDMO organisation asked.
    pub cdmo_organization_id: String,
    /// Its name.
    pub cdmo_organization_name: String,
    /// What the sponsor disclosed.
    pub disclosure: RfiDisclosure,
    /// The disclosed parts of the programme.
    pub program: RfiProgram,
    /// The sponsor's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When answers are due.
    pub response_deadline: DateTime<Utc>,
    /// Where it stands; an unanswered RFI reads `expired` from its deadline on.
    pub state: RfiState,
    /// When the CDMO accepted the confidentiality agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality_accepted_at: Option<DateTime<Utc>>,
    /// Who accepted it (user or API key id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality_accepted_by: Option<String>,
    /// Why the CDMO declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// The quote that answered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Filters of `GET /v1/rfis`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RfiFilter {
    /// Only RFIs in this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<RfiState>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A reason for declining, 1 to 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclineRequest {
    /// Why, 1 to 2,000 characters.
    pub reason: String,
}

/// Slots of one published capacity block: what a quote offers (from the CDMO's own
/// blocks), or what an allocation hold takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotOffer {
    /// A capacity block with that many free slots (in a quote, one of your own).
    pub capacity_id: String,
    /// 1 to 10,000.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub slots: u32,
}

/// A document a quote refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteAttachment {
    /// 1 to 200 characters.
    pub name: String,
    /// Where it is: an `https://` or `http://` URL, up to 2,000 characters.
    pub uri: String,
}

/// A CDMO's answer to an RFI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewQuote {
    /// Price per batch in whole units of `currency`, at most 1,000,000,000.
    pub price_per_batch: u64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Tech-transfer cost in whole units of `currency`, at most 1,000,000,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_transfer_cost: Option<u64>,
    /// Tech-transfer duration, weeks (0 to 520).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_transfer_weeks: Option<u32>,
    /// Slots offered from your published capacity (1 to 20 blocks, each once).
    pub slots_offered: Vec<SlotOffer>,
    /// Until when the quote may be accepted: in the future.
    pub valid_until: DateTime<Utc>,
    /// Assumptions, up to 4,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumptions: Option<String>,
    /// Documents by reference (at most 20).
    #[serde(default)]
    pub attachments: Vec<QuoteAttachment>,
}

/// Slots of one capacity block that a quote or a proposed allocation offers, with the
/// block's kind and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferedSlots {
    /// The capacity block.
    pub capacity_id: String,
    /// Slots offered.
    pub slots: u32,
    /// The block's kind of slot.
    pub slot_kind: SlotKind,
    /// First day of the block's period.
    pub period_start: NaiveDate,
    /// Last day of the block's period.
    pub period_end: NaiveDate,
}

/// A quote, as its sponsor and its CDMO see it (nobody else does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    /// Quote id (server-assigned).
    pub id: String,
    /// The RFI it answers.
    pub rfi_id: String,
    /// The request that RFI was sent in.
    pub request_id: String,
    /// The quoting CDMO organisation.
    pub cdmo_organization_id: String,
    /// Its name.
    pub cdmo_organization_name: String,
    /// Price per batch in whole units of `currency`.
    pub price_per_batch: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// Tech-transfer cost in whole units of `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_transfer_cost: Option<u64>,
    /// Tech-transfer duration, weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_transfer_weeks: Option<u32>,
    /// The slots offered.
    pub slots_offered: Vec<OfferedSlots>,
    /// Until when it may be accepted.
    pub valid_until: DateTime<Utc>,
    /// Assumptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumptions: Option<String>,
    /// Documents by reference.
    #[serde(default)]
    pub attachments: Vec<QuoteAttachment>,
    /// Where it stands; a submitted quote reads `expired` from `valid_until` on.
    pub state: QuoteState,
    /// Why the sponsor declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// The holds its acceptance placed, one per block offered.
    #[serde(default)]
    pub reservation_ids: Vec<String>,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The RFIs of one request, one per CDMO asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentRfis {
    /// The request, shared by its RFIs.
    pub request_id: String,
    /// One RFI per CDMO asked, in the order asked.
    pub rfis: Vec<Rfi>,
}
