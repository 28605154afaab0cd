//! CDMO capability profiles (versioned, public while listed), their revisions, the
//! evidence behind their facts, and search. Taking a profile off the market is
//! [`super::listing`].

use std::sync::Arc;

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, CapabilityProfile, CdmoProfile, CdmoSearch, CdmoSummary,
    DiffParams, EventObjectKind, EventType, Evidence, EvidenceStatus, NewEvidence, Page,
    PageParams, ProfileRevision, ProfileRevisionSummary, ProfileSort, RevisionDiff,
};
use chrono::NaiveDate;
use serde_json::Value;

use super::events::{self, Change};
use super::listing::{ReadableProfile, readable_profile};
use super::pagination::PageRequest;
use super::{audit, today, views};
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::columns::IsoDate;
use crate::db::events::EventActor;
use crate::db::listing;
use crate::db::profiles::{self, EvidenceRow, ProfileRow, ProfileWrite};
use crate::db::{self, DbConnection, StoreError, documents, new_id, now, watches};
use crate::domain::listing::is_listed;
use crate::domain::profiles::{
    SearchFilter, ValidProfile, check_evidence, diff, evidence_status, merge_patch,
};
use crate::error::ApiError;
use crate::profile_index::{IndexedProfile, SearchFrom};
use crate::profile_reads::ProfileJson;
use crate::startup::AppState;
use crate::strict::field_errors;

/// Validates a submitted document into what storage needs.
fn prepare(profile: CapabilityProfile) -> Result<ProfileWrite, ApiError> {
    Ok(ProfileWrite::new(ValidProfile::parse(profile, today())?)?)
}

/// Loads a profile with what its view needs.
/// A profile's view read in the caller's connection (inside a write, the profile as it
/// commits).
fn view_in(conn: &mut DbConnection, id: &str, today: NaiveDate) -> Result<CdmoProfile, ApiError> {
    let (row, verified) = profiles::find_profile(conn, id)?;
    let evidence = profiles::list_evidence(conn, id)?;
    let unlisting = listing::find_unlisting(conn, id)?;
    views::profile(row, verified, &evidence, unlisting.as_ref(), today)
}

/// Records a new revision on its CDMO's feed (`profile.revised`, with the profile as it
/// now reads), in the revision's transaction; returns that view.
fn record_revision(
    conn: &mut DbConnection,
    id: &str,
    actor: EventActor,
) -> Result<CdmoProfile, ApiError> {
    let at = now();
    let view = view_in(conn, id, at.date())?;
    // A revision can make the CDMO meet a watched programme it did not meet.
    watches::queue_check(conn, &view.organization_id, at)?;
    let change = Change::new(
        EventType::ProfileRevised,
        EventObjectKind::Profile,
        id,
        Some(actor),
    );
    events::record(conn, vec![change.to(&view.organization_id, &view)?], at)?;
    Ok(view)
}

/// Loads a profile and authorizes `action` on it as its owner's.
pub(super) async fn load_owned(
    state: &AppState,
    principal: &Principal,
    id: &str,
    action: Action,
) -> Result<ProfileRow, ApiError> {
    let lookup = id.to_owned();
    let (profile, _) = state
        .db
        .run(move |c| profiles::find_profile(c, &lookup))
        .await?;
    authorize(
        principal,
        action,
        Resource::OwnedBy(&profile.organization_id),
    )?;
    Ok(profile)
}

/// Creates the caller's organisation's profile (one per organisation) at revision 1.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    profile: CapabilityProfile,
) -> Result<CdmoProfile, ApiError> {
    authorize(
        principal,
        Action::CreateProfile,
        Resource::OwnedBy(&principal.organization_id),
    )?;
    let write = prepare(profile)?;
    let organization_id = principal.organization_id.clone();
    let (author, actor) = (principal.id.clone(), events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| -> Result<CdmoProfile, ApiError> {
            let row = profiles::create_profile(c, &organization_id, &write, &author)?;
            record_revision(c, &row.id, actor)
        })
        .await
}

/// A profile at its current revision as JSON (an unlisted one only for those who may
/// read it). A listed profile whose index entry has not changed is answered from the
/// response cache, without reading its row or evidence or decoding its document.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<ProfileJson, ApiError> {
    authorize(principal, Action::ReadMarketplace, Resource::Marketplace)?;
    let today = today();
    // Anyone may read a listed profile; who may read an unlisted one is the database's
    // to say (dealings with it), so only listed profiles are cached.
    let public = state
        .profile_reads
        .freshness
        .read(&state.profiles, &state.db, |catalogue| {
            catalogue.get(&id).filter(|p| p.is_listed(today)).cloned()
        })
        .await?;
    if let Some(indexed) = &public
        && let Some(cached) = state.profile_reads.responses.get(indexed, today)
    {
        return Ok(cached);
    }
    let ReadableProfile {
        row,
        verified,
        unlisting,
    } = readable_profile(state, principal, id).await?;
    let lookup = row.id.clone();
    let evidence = state
        .db
        .run(move |c| profiles::list_evidence(c, &lookup))
        .await?;
    let listed = is_listed(unlisting.as_ref(), today);
    let view = views::profile(row, verified, &evidence, unlisting.as_ref(), today)?;
    let response = ProfileJson {
        revision: view.revision,
        json: serde_json::to_vec(&view)
            .map_err(|e| ApiError::internal(format!("profile view not serialisable: {e}")))?
            .into(),
    };
    // Read after the index entry, the rows are at least as new as it is.
    if let Some(indexed) = &public
        && listed
    {
        state
            .profile_reads
            .responses
            .insert(indexed, today, response.clone());
    }
    Ok(response)
}

async fn store_update(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: i32,
    write: ProfileWrite,
) -> Result<CdmoProfile, ApiError> {
    let (author, actor) = (principal.id.clone(), events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| -> Result<CdmoProfile, ApiError> {
            profiles::update_profile(c, &id, expected, &write, &author)?;
            record_revision(c, &id, actor)
        })
        .await
}

/// Replaces a profile edited at revision `expected` (412 when it moved on).
pub async fn replace(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: i32,
    profile: CapabilityProfile,
) -> Result<CdmoProfile, ApiError> {
    load_owned(state, principal, &id, Action::EditProfile).await?;
    let write = prepare(profile)?;
    store_update(state, principal, id, expected, write).await
}

/// Applies a JSON merge patch (RFC 7396) to a profile edited at revision `expected`.
pub async fn patch(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: i32,
    patch: Value,
) -> Result<CdmoProfile, ApiError> {
    let current = load_owned(state, principal, &id, Action::EditProfile).await?;
    if expected != current.current_revision {
        return Err(ApiError::PreconditionFailed(format!(
            "the profile is at revision {}; you edited revision {expected}",
            current.current_revision
        )));
    }
    if !patch.is_object() {
        return Err(ApiError::bad_request_field(
            "body",
            "a merge patch must be a JSON object",
        ));
    }
    let mut document = documents::decode_profile_json(&current.document)?;
    merge_patch(&mut document, &patch);
    // A merged document is readable JSON by construction: whatever is wrong in it is the
    // patch's values, so every problem is a 422.
    let patched: CapabilityProfile = field_errors::parse_value(document).map_err(|problems| {
        ApiError::Validation(problems.into_iter().map(|p| p.error).collect())
    })?;
    let write = prepare(patched)?;
    store_update(state, principal, id, expected, write).await
}

/// A profile's revisions, newest first.
pub async fn list_revisions(
    state: &AppState,
    principal: &Principal,
    id: String,
    params: PageParams,
) -> Result<Page<ProfileRevisionSummary>, ApiError> {
    readable_profile(state, principal, id.clone()).await?;
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let before = page
        .after("rev")?
        .map(|r| {
            r.parse::<i32>().map_err(|_| {
                ApiError::bad_request_field("cursor", "is not a cursor this list returned")
            })
        })
        .transpose()?;
    let fetch = page.fetch();
    let rows = state
        .db
        .run(move |c| profiles::list_revisions(c, &id, before, fetch))
        .await?;
    page.page_by(
        rows,
        |(revision, _, _)| format!("rev:{revision}"),
        |(revision, created_by, created_at)| {
            Ok(ProfileRevisionSummary {
                revision: revision as u32,
                created_by,
                created_at: created_at.and_utc(),
            })
        },
    )
}

/// A revision number from the path; anything else names no revision.
fn revision_number(text: &str) -> Result<i32, ApiError> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(ApiError::NotFound)
}

/// One immutable revision of a profile.
pub async fn get_revision(
    state: &AppState,
    principal: &Principal,
    id: String,
    revision: String,
) -> Result<ProfileRevision, ApiError> {
    readable_profile(state, principal, id.clone()).await?;
    let revision = revision_number(&revision)?;
    let row = state
        .db
        .run(move |c| profiles::find_revision(c, &id, revision))
        .await?;
    views::revision(row)
}

/// Field-level differences between two revisions (default: against the one before).
pub async fn diff_revisions(
    state: &AppState,
    principal: &Principal,
    id: String,
    revision: String,
    params: DiffParams,
) -> Result<RevisionDiff, ApiError> {
    readable_profile(state, principal, id.clone()).await?;
    let revision = revision_number(&revision)?;
    let against = match params.against {
        Some(n) => {
            i32::try_from(n).map_err(|_| ApiError::invalid_field("against", "is too large"))?
        }
        None if revision > 1 => revision - 1,
        None => {
            return Err(ApiError::invalid_field(
                "against",
                "revision 1 has no earlier revision; name one",
            ));
        }
    };
    let (newer, older) = state
        .db
        .run(move |c| {
            let newer = profiles::find_revision(c, &id, revision)?;
            let older = profiles::find_revision(c, &id, against)?;
            Ok((newer, older))
        })
        .await?;
    let parse = documents::decode_profile_json;
    Ok(RevisionDiff {
        revision: revision as u32,
        against: against as u32,
        changes: diff(&parse(&older.document)?, &parse(&newer.document)?),
    })
}

const CURSOR_SEPARATOR: char = '\u{1f}';

/// Where a search page starts, from the cursor of the previous page.
fn search_start(sort: ProfileSort, page: &PageRequest) -> Result<SearchFrom, ApiError> {
    let bad = || {
        ApiError::bad_request_field(
            "cursor",
            "is not a cursor this search returned (cursors are tied to the sort)",
        )
    };
    let kind = match sort {
        ProfileSort::Updated => "updated",
        _ => "name",
    };
    let Some(position) = page.after(kind)? else {
        return Ok(match sort {
            ProfileSort::Updated => SearchFrom::Updated(None),
            _ => SearchFrom::Name(None),
        });
    };
    let (key, id) = position.split_once(CURSOR_SEPARATOR).ok_or_else(bad)?;
    Ok(match sort {
        ProfileSort::Updated => {
            let at = chrono::NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.f")
                .map_err(|_| bad())?;
            SearchFrom::Updated(Some((at, id.to_owned())))
        }
        _ => SearchFrom::Name(Some((key.to_owned(), id.to_owned()))),
    })
}

fn search_cursor(p: &IndexedProfile, sort: ProfileSort) -> String {
    match sort {
        ProfileSort::Updated => format!(
            "updated:{}{CURSOR_SEPARATOR}{}",
            p.updated_at.format("%Y-%m-%dT%H:%M:%S%.6f"),
            p.summary.id
        ),
        _ => format!("name:{}{CURSOR_SEPARATOR}{}", p.name_lower, p.summary.id),
    }
}

/// Searches the current profiles (the in-process index), a page at a time.
pub async fn search(
    state: &AppState,
    principal: &Principal,
    params: CdmoSearch,
) -> Result<Page<CdmoSummary>, ApiError> {
    authorize(principal, Action::ReadMarketplace, Resource::Marketplace)?;
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let filter = SearchFilter::parse(&params)
        .map_err(|(field, message)| ApiError::bad_request_field(field, message))?;
    let sort = params.sort.unwrap_or(ProfileSort::Name);
    let start = search_start(sort, &page)?;
    let today = today();
    let hits: Vec<Arc<IndexedProfile>> = state
        .profile_reads
        .freshness
        .read(&state.profiles, &state.db, |catalogue| {
            catalogue
                .search_from(start)
                .filter(|p| p.is_listed(today))
                .filter(|p| {
                    filter.matches(&p.facets, p.summary.organization_verified, &p.name_lower)
                })
                .take(page.limit + 1)
                .cloned()
                .collect()
        })
        .await?;
    page.page_by(hits, |p| search_cursor(p, sort), |p| Ok(p.summary.clone()))
}

/// Attaches evidence to a section or fact of a profile (its CDMO).
pub async fn add_evidence(
    state: &AppState,
    principal: &Principal,
    profile_id: String,
    evidence: NewEvidence,
) -> Result<Evidence, ApiError> {
    let profile = load_owned(state, principal, &profile_id, Action::ManageEvidence).await?;
    let document = documents::decode_profile_json(&profile.document)?;
    let section = check_evidence(&evidence, &document)?;
    let row = EvidenceRow {
        id: new_id(),
        profile_id,
        subject: evidence.subject,
        section,
        kind: evidence.kind,
        reference: evidence.reference.trim().to_owned(),
        url: evidence.url.map(|u| u.trim().to_owned()),
        expires_on: evidence.expires_on.map(IsoDate),
        verified_by: None,
        verified_at: None,
        verification_reset_at: None,
        created_by: principal.id.clone(),
        created_at: now(),
    };
    let row = state
        .db
        .write(move |c| {
            profiles::insert_evidence(c, &row)?;
            Ok(row)
        })
        .await?;
    views::evidence(row, today())
}

/// All evidence of a profile, with its verification state.
pub async fn list_evidence(
    state: &AppState,
    principal: &Principal,
    profile_id: String,
) -> Result<Page<Evidence>, ApiError> {
    readable_profile(state, principal, profile_id.clone()).await?;
    let rows = state
        .db
        .run(move |c| profiles::list_evidence(c, &profile_id))
        .await?;
    let today = today();
    let items = rows
        .into_iter()
        .map(|row| views::evidence(row, today))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// Marks evidence verified (platform admins); expired evidence cannot be.
pub async fn verify_evidence(
    state: &AppState,
    principal: &Principal,
    profile_id: String,
    evidence_id: String,
) -> Result<Evidence, ApiError> {
    authorize(principal, Action::VerifyEvidence, Resource::Marketplace)?;
    let verifier = principal.id.clone();
    let today = today();
    let row = state
        .db
        .write(move |c| {
            let row = profiles::find_evidence(c, &profile_id, &evidence_id)?;
            let expires = row.expires_on.map(NaiveDate::from);
            if evidence_status(false, expires, today) == EvidenceStatus::Expired {
                return Err(StoreError::Conflict(
                    "the evidence has expired; ask the CDMO for a current one".into(),
                ));
            }
            profiles::mark_evidence_verified(c, &profile_id, &evidence_id, &verifier)?;
            profiles::find_evidence(c, &profile_id, &evidence_id)
        })
        .await?;
    views::evidence(row, today)
}

/// Removes evidence from a profile (its CDMO).
pub async fn delete_evidence(
    state: &AppState,
    principal: &Principal,
    profile_id: String,
    evidence_id: String,
) -> Result<(), ApiError> {
    let profile = load_owned(state, principal, &profile_id, Action::ManageEvidence).await?;
    let event = audit::by(
        principal,
        &profile.organization_id,
        AuditAction::EvidenceDeleted,
        AuditObjectKind::Evidence,
        &evidence_id,
    );
    state
        .db
        .write(move |c| {
            profiles::delete_evidence(c, &profile_id, &evidence_id)?;
            db::audit::record(c, event)
        })
        .await?;
    Ok(())
}
