//! Database rows to API views. Rows never leave the server as they are.

use cdmx_sdk::types::{
    ApiKey, AuditEvent, CapabilityProfile, CapacityBlock, CdmoProfile, CdmoSummary, Decision,
    DecisionMaker, Event, EventActor, EventObject, Evidence, ListingEvent, MatchResult,
    NewCapacityBlock, Organization, PriceBand, ProfileRevision, Program, Reservation,
    ReservationEvent, ReservationState, ShareLink, Shortlist, ShortlistSummary, User,
};
use chrono::{NaiveDate, NaiveDateTime};

use crate::db::accounts::{ApiKeyRow, OrganizationNames, OrganizationRow, UserRow};
use crate::db::audit::AuditEventRow;
use crate::db::capacity::BlockRow;
use crate::db::listing::ListingEventRow;
use crate::db::profiles::{EvidenceRow, ProfileRow, RevisionRow};
use crate::db::programs::{ProgramRow, ShortlistRow};
use crate::db::reservations::{EventRow, ReservationRow};
use crate::db::share_links::ShareLinkRow;
use crate::db::{documents, events};
use crate::domain::decisions::RecordedDecision;
use crate::domain::listing::{Unlisting, listing_view};
use crate::domain::profiles::{
    countries, donor_sources, evidence_status, max_phase, section_confidence, undisclosed,
};
use crate::domain::reservations::state_at;
use crate::error::ApiError;

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

pub fn organization(row: OrganizationRow) -> Result<Organization, ApiError> {
    Ok(Organization {
        kind: row.kind,
        id: row.id,
        name: row.name,
        verified: row.verified,
        verified_at: row.verified_at.map(utc),
        created_at: utc(row.created_at),
    })
}

pub fn user(row: UserRow) -> Result<User, ApiError> {
    Ok(User {
        role: row.role,
        id: row.id,
        organization_id: row.organization_id,
        email: row.email,
        created_at: utc(row.created_at),
        deactivated_at: row.deactivated_at.map(utc),
    })
}

pub fn api_key(row: ApiKeyRow) -> Result<ApiKey, ApiError> {
    Ok(ApiKey {
        scopes: row.scopes(),
        created_by_key: row.created_by_key.clone(),
        role: row.role,
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        last_used_at: row.last_used_at.map(utc),
        revoked_at: row.revoked_at.map(utc),
    })
}

pub fn profile_document(stored: &str) -> Result<CapabilityProfile, ApiError> {
    Ok(documents::decode_profile(stored)?)
}

pub fn profile(
    row: ProfileRow,
    organization_verified: bool,
    evidence: &[EvidenceRow],
    unlisting: Option<&Unlisting>,
    today: NaiveDate,
) -> Result<CdmoProfile, ApiError> {
    let facts: Vec<_> = evidence.iter().map(EvidenceRow::fact).collect();
    let profile = profile_document(&row.document)?;
    Ok(CdmoProfile {
        undisclosed: undisclosed(&profile),
        profile,
        id: row.id,
        organization_id: row.organization_id,
        organization_verified,
        revision: row.current_revision as u32,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        confidence: section_confidence(&facts, today),
        listing: listing_view(unlisting, today),
    })
}

pub fn audit_event(row: AuditEventRow) -> Result<AuditEvent, ApiError> {
    Ok(AuditEvent {
        id: row.id,
        occurred_at: utc(row.occurred_at),
        action: row.action,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        actor_organization_id: row.actor_organization_id,
        object_kind: row.object_kind,
        object_id: row.object_id,
        client_address: row.client_address,
        detail: row.detail,
    })
}

pub fn listing_event(row: ListingEventRow) -> Result<ListingEvent, ApiError> {
    Ok(ListingEvent {
        id: row.id,
        event: row.event,
        reason: row.reason,
        note: row.note,
        relist_on: row.relist_on.map(NaiveDate::from),
        actor: row.actor,
        at: utc(row.at),
    })
}

pub fn profile_summary(
    row: ProfileRow,
    organization_verified: bool,
) -> Result<CdmoSummary, ApiError> {
    let document = profile_document(&row.document)?;
    Ok(CdmoSummary {
        name: document.organization.name.clone(),
        cdmo_type: document.organization.cdmo_type,
        countries: countries(&document),
        donor_sources: donor_sources(&document),
        max_phase: max_phase(&document),
        modalities: document.modalities,
        id: row.id,
        organization_id: row.organization_id,
        organization_verified,
        revision: row.current_revision as u32,
        updated_at: utc(row.updated_at),
    })
}

pub fn revision(row: RevisionRow) -> Result<ProfileRevision, ApiError> {
    Ok(ProfileRevision {
        profile: profile_document(&row.document)?,
        profile_id: row.profile_id,
        revision: row.revision as u32,
        created_by: row.created_by,
        created_at: utc(row.created_at),
    })
}

pub fn evidence(row: EvidenceRow, today: NaiveDate) -> Result<Evidence, ApiError> {
    let expires_on = row.expires_on.map(NaiveDate::from);
    Ok(Evidence {
        section: row.section,
        kind: row.kind,
        status: evidence_status(row.verified_at.is_some(), expires_on, today),
        expires_on,
        id: row.id,
        profile_id: row.profile_id,
        subject: row.subject,
        reference: row.reference,
        url: row.url,
        verified_by: row.verified_by,
        verified_at: row.verified_at.map(utc),
        verification_reset_at: row.verification_reset_at.map(utc),
        created_by: row.created_by,
        created_at: utc(row.created_at),
    })
}

fn stored_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::internal(format!("stored {what} unreadable: {e}")))
}

pub fn program(row: ProgramRow) -> Result<Program, ApiError> {
    Ok(Program {
        program: documents::decode_program(&row.document)?,
        id: row.id,
        organization_id: row.organization_id,
        version: u32::try_from(row.version).unwrap_or_default(),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        archived_at: row.archived_at.map(utc),
    })
}

pub fn shortlist(row: ShortlistRow) -> Result<Shortlist, ApiError> {
    Ok(Shortlist {
        program: documents::decode_program(&row.program)?,
        result: documents::decode_match_result(&row.result)?,
        id: row.id,
        organization_id: row.organization_id,
        program_id: row.program_id,
        program_version: u32::try_from(row.program_version).unwrap_or_default(),
        name: row.name,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        archived_at: row.archived_at.map(utc),
    })
}

pub fn shortlist_summary(row: ShortlistRow) -> Result<ShortlistSummary, ApiError> {
    let result: MatchResult = documents::decode_match_result(&row.result)?;
    Ok(ShortlistSummary {
        id: row.id,
        program_id: row.program_id,
        name: row.name,
        created_at: utc(row.created_at),
        candidates: result.candidates.len() as u32,
        top_candidate: result.candidates.first().map(|c| c.name.clone()),
        archived_at: row.archived_at.map(utc),
    })
}

/// A recorded decision; `current` when no later decision supersedes it.
pub fn decision(decision: RecordedDecision, current: bool) -> Result<Decision, ApiError> {
    Ok(Decision {
        id: decision.id,
        shortlist_id: decision.shortlist_id,
        outcome: decision.outcome,
        selected: decision.selected,
        rationale: decision.rationale,
        decided_by: DecisionMaker {
            kind: decision.decided_by.kind,
            id: decision.decided_by.id,
            name: decision.decided_by.name,
        },
        decided_at: decision.decided_at,
        supersedes: decision.supersedes,
        current,
    })
}

/// A share link as listed: never its token (only its hash is stored anyway).
pub fn share_link(row: ShareLinkRow) -> Result<ShareLink, ApiError> {
    Ok(ShareLink {
        id: row.id,
        shortlist_id: row.shortlist_id,
        label: row.label,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        expires_at: utc(row.expires_at),
        revoked_at: row.revoked_at.map(utc),
        open_count: u32::try_from(row.open_count).unwrap_or_default(),
        last_opened_at: row.last_opened_at.map(utc),
    })
}

fn closed_list<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>, ApiError> {
    stored_json(json, "list")
}

/// A block and its live availability; `active_held` counts unexpired holds only.
pub fn capacity_block(
    row: BlockRow,
    cdmo_name: String,
    active_held: i64,
) -> Result<CapacityBlock, ApiError> {
    let held = u32::try_from(active_held).unwrap_or(0);
    let confirmed = u32::try_from(row.slots_confirmed).unwrap_or(0);
    let total = u32::try_from(row.slots_total).unwrap_or(0);
    Ok(CapacityBlock {
        block: NewCapacityBlock {
            site_key: row.site_key,
            suite: row.suite,
            slot_kind: row.slot_kind,
            donor_sources: closed_list(&row.donor_sources)?,
            modalities: closed_list(&row.modalities)?,
            period_start: row.period_start.into(),
            period_end: row.period_end.into(),
            slots: total,
            lead_time_days: u32::try_from(row.lead_time_days).unwrap_or(0),
            price_band: match (row.price_min_usd, row.price_max_usd) {
                (Some(min), Some(max)) => Some(PriceBand {
                    min_usd: min.max(0) as u64,
                    max_usd: max.max(0) as u64,
                }),
                _ => None,
            },
        },
        id: row.id,
        profile_id: row.profile_id,
        organization_id: row.organization_id,
        cdmo_name,
        country: row.country,
        held,
        confirmed,
        free: total.saturating_sub(held).saturating_sub(confirmed),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// A reservation as both its parties see it; `names` holds the two organisations' names.
pub fn reservation(
    row: ReservationRow,
    names: &OrganizationNames,
    now: NaiveDateTime,
) -> Result<Reservation, ApiError> {
    let state = state_at(row.state, row.expires_at, now);
    let expires = matches!(state, ReservationState::Held | ReservationState::Expired);
    Ok(Reservation {
        state,
        sponsor_organization_name: names.name_of(&row.sponsor_organization_id),
        cdmo_organization_name: names.name_of(&row.cdmo_organization_id),
        id: row.id,
        capacity_id: row.capacity_id,
        sponsor_organization_id: row.sponsor_organization_id,
        cdmo_organization_id: row.cdmo_organization_id,
        program_id: row.program_id,
        slots: u32::try_from(row.slots).unwrap_or(0),
        expires_at: expires.then(|| utc(row.expires_at)),
        note: row.note,
        shared_summary: row.shared_summary,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// An event of an organisation's feed.
pub fn event(row: events::EventRow) -> Result<Event, ApiError> {
    let payload = serde_json::from_str(&row.payload).map_err(ApiError::internal)?;
    let actor = match (row.actor_kind, row.actor_id, row.actor_organization_id) {
        (Some(kind), Some(id), Some(organization_id)) => Some(EventActor {
            kind,
            id,
            organization_id,
        }),
        _ => None,
    };
    Ok(Event {
        id: row.id,
        sequence: row.sequence,
        event_type: row.event_type,
        occurred_at: utc(row.occurred_at),
        actor,
        object: EventObject {
            kind: row.object_kind,
            id: row.object_id,
        },
        payload,
    })
}

pub fn reservation_event(row: EventRow) -> Result<ReservationEvent, ApiError> {
    Ok(ReservationEvent {
        from_state: row.from_state,
        to_state: row.to_state,
        id: row.id,
        reservation_id: row.reservation_id,
        event: row.event,
        actor: row.actor,
        at: utc(row.at),
        detail: row.detail,
    })
}
