//! Capacity watches: a sponsor is told (`capacity.available`) when a change to a CDMO's
//! capacity, profile or listing leaves that CDMO meeting a watched programme's hard
//! constraints with enough free slots in its window.
//!
//! Such a change queues a check of its CDMO in the change's transaction
//! ([`crate::db::watches::queue_check`]); the checker ([`check_queued`], run by every
//! process in the background) takes queued CDMOs, evaluates the watches that have not
//! fired for them with the matching engine itself (so "meets the need" means exactly
//! what a match would say) and records each firing with its event in one transaction.
//! The firing's key makes a watch fire once per CDMO, across processes and restarts.

use std::sync::Arc;

use cdmx_sdk::types::{
    CapacityAvailable, CapacityWatch, EventObjectKind, EventType, NewCapacityWatch, Page,
    RequirementSet,
};
use chrono::NaiveDateTime;

use super::events::{self, Change};
use super::matching::{availability_for, own_programs};
use super::pagination::list_by_id;
use super::today;
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::db::columns::IsoDate;
use crate::db::watches::{self as stored, WatchRow};
use crate::db::{DbConnection, StoreResult, documents, new_id, now, profiles, programs};
use crate::domain::matching::{ValidRequirements, run_match};
use crate::domain::programs::effective_requirements;
use crate::error::ApiError;
use crate::profile_index::IndexedProfile;
use crate::startup::AppState;

/// How many queued CDMOs one pass of the checker takes.
const CHECK_BATCH: i64 = 50;

/// Makes a watch from one of the caller's programmes or from a requirement set; the
/// requirements must state a capacity need, which the watch requires.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    request: NewCapacityWatch,
) -> Result<CapacityWatch, ApiError> {
    own_programs(principal, Action::ManageWatches)?;
    // The field a missing capacity need is reported on.
    let (mut set, program_id, need_field) = match (request.program_id, request.requirements) {
        (Some(program_id), None) => {
            let organization_id = principal.organization_id.clone();
            let lookup = program_id.clone();
            let row = state
                .db
                .run(move |c| programs::find_program(c, &organization_id, &lookup))
                .await
                .map_err(|_| {
                    ApiError::invalid_field("program_id", "no such programme in your organisation")
                })?;
            let program = documents::decode_program(&row.document)?;
            (
                effective_requirements(&program),
                Some(program_id),
                "program_id",
            )
        }
        (None, Some(requirements)) => (requirements, None, "requirements.capacity"),
        _ => {
            return Err(ApiError::invalid_field(
                "program_id",
                "give exactly one of program_id and requirements",
            ));
        }
    };
    let Some(need) = set.capacity.as_mut() else {
        return Err(ApiError::invalid_field(
            need_field,
            "a watch needs a capacity need (slot kind, slots and window) in the requirements",
        ));
    };
    // A watch is about free slots: the need is a hard constraint of it.
    need.required = true;
    let need = need.clone();
    ValidRequirements::parse(set.clone(), None).map_err(|v| v.within("requirements"))?;
    if need.window_end < today() {
        return Err(ApiError::invalid_field(
            "requirements.capacity.window_end",
            "the window has ended",
        ));
    }
    let at = now();
    let row = WatchRow {
        id: new_id(),
        organization_id: principal.organization_id.clone(),
        program_id,
        requirements: serde_json::to_string(&set).map_err(ApiError::internal)?,
        slot_kind: need.slot_kind,
        slots: i32::try_from(need.slots).unwrap_or(i32::MAX),
        window_start: IsoDate(need.window_start),
        window_end: IsoDate(need.window_end),
        created_by: principal.id.clone(),
        created_at: at,
        deleted_at: None,
    };
    let row = state
        .db
        .write(move |c| {
            stored::insert(c, &row)?;
            Ok(row)
        })
        .await?;
    watch_view(row, Vec::new())
}

fn watch_view(row: WatchRow, fired_for: Vec<String>) -> Result<CapacityWatch, ApiError> {
    Ok(CapacityWatch {
        requirements: serde_json::from_str::<RequirementSet>(&row.requirements)
            .map_err(ApiError::internal)?,
        id: row.id,
        organization_id: row.organization_id,
        program_id: row.program_id,
        fired_for,
        created_at: row.created_at.and_utc(),
    })
}

/// The caller's watches.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<Page<CapacityWatch>, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    list_by_id(
        &state.db,
        limit,
        cursor.as_deref(),
        move |c, keyset| {
            stored::list(c, &organization_id, keyset)?
                .into_iter()
                .map(|row| {
                    let fired = stored::fired_for(c, &row.id)?;
                    Ok((row, fired))
                })
                .collect()
        },
        |(row, _)| &row.id,
        |(row, fired)| watch_view(row, fired),
    )
    .await
}

/// One of the caller's watches, with the CDMOs it fired for.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<CapacityWatch, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    let (row, fired) = state
        .db
        .run(move |c| {
            let row = stored::find(c, &organization_id, &id)?;
            let fired = stored::fired_for(c, &row.id)?;
            Ok((row, fired))
        })
        .await?;
    watch_view(row, fired)
}

/// Deletes one of the caller's watches: it fires no more.
pub async fn delete(state: &AppState, principal: &Principal, id: String) -> Result<(), ApiError> {
    own_programs(principal, Action::ManageWatches)?;
    let organization_id = principal.organization_id.clone();
    let at = now();
    state
        .db
        .write(move |c| stored::delete(c, &organization_id, &id, at))
        .await?;
    Ok(())
}

/// One pass of the checker: takes up to [`CHECK_BATCH`] queued CDMOs and fires the
/// watches they now meet. Returns how many CDMOs it checked.
pub async fn check_queued(state: &AppState) -> Result<usize, ApiError> {
    let (queued, counter) = state
        .db
        .run(|c| {
            let queued = stored::queued(c, CHECK_BATCH)?
                .into_iter()
                .map(|org| Ok((stored::profile_of(c, &org)?, org)))
                .collect::<StoreResult<Vec<_>>>()?;
            // Read after the queue: a change that queued one of these checks bumped the
            // counter in its own transaction, so the counter covers it.
            Ok((queued, profiles::change_counter(c)?))
        })
        .await?;
    if queued.is_empty() {
        return Ok(0);
    }
    let today = today();
    // The profiles as matching sees them, read before the transaction through the
    // process's freshness rule, like any profile read: a background job must not refresh
    // the index inside a window its readers trust. An index older than the counter may
    // not hold the change that queued a check, so then nothing is taken: the checks stay
    // queued for a process whose index has caught up (this one's, once its window
    // lapses). A CDMO without a profile on the market, or whose profile the index left
    // out as unreadable, meets nothing.
    let cdmos: Option<Vec<(String, Option<Arc<IndexedProfile>>)>> = state
        .profile_reads
        .freshness
        .read(&state.profiles, &state.db, |catalogue| {
            (catalogue.seq >= counter).then(|| {
                queued
                    .into_iter()
                    .map(|(profile_id, org)| {
                        let profile = profile_id
                            .and_then(|id| catalogue.get(&id))
                            .filter(|p| p.is_listed(today));
                        (org, profile.cloned())
                    })
                    .collect()
            })
        })
        .await?;
    let Some(cdmos) = cdmos.filter(|cdmos| !cdmos.is_empty()) else {
        return Ok(0);
    };
    let at = now();
    let checked = state
        .db
        .background_write_or_refuse(move |c| -> Result<usize, ApiError> {
            let ids: Vec<String> = cdmos.iter().map(|(org, _)| org.clone()).collect();
            let taken = stored::take_checks(c, &ids)?;
            for (org, profile) in &cdmos {
                if let (true, Some(profile)) = (taken.contains(org), profile) {
                    fire_watches(c, org, profile, at)?;
                }
            }
            Ok(taken.len())
        })
        .await?;
    Ok(checked)
}

/// Fires, for CDMO `organization_id`, every live watch that has not fired for it and
/// that its profile and capacity now meet.
fn fire_watches(
    conn: &mut DbConnection,
    organization_id: &str,
    profile: &IndexedProfile,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let today = at.date();
    for watch in stored::unfired_for(conn, organization_id, IsoDate(today))? {
        let set: RequirementSet =
            serde_json::from_str(&watch.requirements).map_err(ApiError::internal)?;
        let Ok(requirements) = ValidRequirements::parse(set, None) else {
            // Stored valid; a rule tightened since would make it unreadable, not fire.
            tracing::warn!(watch = %watch.id, "a stored watch's requirements no longer validate");
            continue;
        };
        let availability = availability_for(conn, &requirements, at)?;
        let result = run_match(
            std::iter::once(&profile.features),
            &requirements,
            today,
            &availability,
            1,
        );
        if result.feasible_count == 0
            || !stored::record_firing(conn, &watch.id, organization_id, at)?
        {
            continue;
        }
        let slots = availability.of(&profile.features.profile_id);
        let payload = CapacityAvailable {
            watch_id: watch.id.clone(),
            program_id: watch.program_id.clone(),
            cdmo_organization_id: organization_id.to_owned(),
            profile_id: profile.features.profile_id.clone(),
            cdmo_name: profile.summary.name.clone(),
            slot_kind: watch.slot_kind,
            slots_needed: u32::try_from(watch.slots).unwrap_or(0),
            slots_free: slots.free,
            window_start: watch.window_start.0,
            window_end: watch.window_end.0,
            earliest_start: slots.earliest,
        };
        let change = Change::new(
            EventType::CapacityAvailable,
            EventObjectKind::Watch,
            &watch.id,
            None,
        );
        events::record(conn, vec![change.to(&watch.organization_id, &payload)?], at)?;
    }
    Ok(())
}
