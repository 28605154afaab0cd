//! Sponsor programmes, matches and shortlists.
//!
//! Programmes and shortlists are private to the sponsor organisation that keeps them;
//! ad-hoc matches read only public marketplace data and are open to every caller.

use cdmx_sdk::types::{
    ArchivableListParams, CreateShortlistRequest, FieldError, MatchRequest, MatchResult, Page,
    Program, ProgramMatchRequest, ProgramRequest, RankAcceptabilityRequest, Shortlist,
    ShortlistSummary, SplitAllocationRequest,
};

use super::pagination::{self, list_by_id};
use super::{today, views};
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::programs::{self, ProgramRow, ShortlistRow};
use crate::db::{DbConnection, StoreResult, capacity, documents, new_id, now};
use crate::domain::input;
use crate::domain::matching::{
    Availability, DEFAULT_LIMIT, ExclusionKey, MAX_LIMIT, SplitAsk, ValidRequirements,
    acceptability_seed, feasible_values, rank_acceptability, run_match_after, split_allocation,
};
use crate::domain::programs::ValidProgram;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::telemetry;
use chrono::NaiveDateTime;

const SHORTLIST_NAME_MAX_CHARS: usize = 200;

fn limit(limit: Option<u32>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as u32).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// The excluded list's cursor kind.
const EXCLUDED_CURSOR: &str = "excluded";

/// Reads an `excluded_cursor` this API returned.
fn excluded_after(cursor: Option<&str>) -> Result<Option<ExclusionKey>, ApiError> {
    let bad = || ApiError::bad_request_field("excluded_cursor", "is not a cursor a match returned");
    cursor
        .map(|c| {
            pagination::decode_cursor(c)
                .as_deref()
                .and_then(|text| text.strip_prefix(EXCLUDED_CURSOR)?.strip_prefix(':'))
                .and_then(ExclusionKey::parse)
                .ok_or_else(bad)
        })
        .transpose()
}

/// Authorizes `action` on the caller's own programmes and shortlists (and what hangs
/// off them: decisions, share links).
pub(super) fn own_programs(principal: &Principal, action: Action) -> Result<(), ApiError> {
    authorize(
        principal,
        action,
        Resource::OwnedBy(&principal.organization_id),
    )?;
    Ok(())
}

/// Live availability for the requirements' capacity need (none without one), read in
/// the caller's connection: what the match API and the demo's saved shortlist rank with.
pub fn availability_for(
    conn: &mut DbConnection,
    requirements: &ValidRequirements,
    at: NaiveDateTime,
) -> StoreResult<Availability> {
    let Some(need) = &requirements.requirement_set().capacity else {
        return Ok(Availability::default());
    };
    let constraints = &requirements.requirement_set().constraints;
    let donor = constraints.donor_source.map(|d| d.as_str());
    let modalities: Vec<&'static str> = constraints.modalities.iter().map(|m| m.as_str()).collect();
    let blocks = capacity::free_blocks(
        conn,
        need.slot_kind,
        (need.window_start, need.window_end),
        donor,
        &modalities,
        at,
    )?;
    Ok(Availability::of_blocks(blocks, need.window_start))
}

const DEFAULT_ACCEPTABILITY_SAMPLES: u32 = 10_000;
const ACCEPTABILITY_SAMPLES: std::ops::RangeInclusive<u32> = 1_000..=100_000;

/// How many weight vectors rank acceptability draws, when asked. Checked before anything
/// is read: the seed comes from the requirement set later.
fn acceptability_samples(ask: Option<&RankAcceptabilityRequest>) -> Result<Option<u32>, ApiError> {
    let Some(ask) = ask else {
        return Ok(None);
    };
    let samples = ask.samples.unwrap_or(DEFAULT_ACCEPTABILITY_SAMPLES);
    if !ACCEPTABILITY_SAMPLES.contains(&samples) {
        return Err(ApiError::invalid_field(
            "rank_acceptability.samples",
            format!(
                "must be between {} and {}",
                ACCEPTABILITY_SAMPLES.start(),
                ACCEPTABILITY_SAMPLES.end()
            ),
        ));
    }
    Ok(Some(samples))
}

const MAX_CDMOS: std::ops::RangeInclusive<u32> = 2..=4;
const MAX_PROPOSALS: std::ops::RangeInclusive<u32> = 1..=10;

/// The split allocation a match proposes when no single CDMO has the slots: the
/// request's settings, checked, or the defaults.
fn split_ask(request: Option<&SplitAllocationRequest>) -> Result<SplitAsk, ApiError> {
    let default = SplitAsk::DEFAULT;
    let request = request.cloned().unwrap_or_default();
    let ask = SplitAsk {
        max_cdmos: request.max_cdmos.unwrap_or(default.max_cdmos),
        proposals: request.proposals.unwrap_or(default.proposals),
    };
    let mut invalid = Vec::new();
    for (field, value, range) in [
        ("split_allocation.max_cdmos", ask.max_cdmos, MAX_CDMOS),
        ("split_allocation.proposals", ask.proposals, MAX_PROPOSALS),
    ] {
        if !range.contains(&value) {
            invalid.push(FieldError {
                field: field.into(),
                message: format!("must be between {} and {}", range.start(), range.end()),
            });
        }
    }
    if invalid.is_empty() {
        Ok(ask)
    } else {
        Err(ApiError::Validation(invalid))
    }
}

/// Runs a match on the current profiles, with live capacity when the requirements ask,
/// rank acceptability over every feasible CDMO drawing `acceptability_samples` weight
/// vectors when asked, and `split` allocations when no single CDMO has the slots of the
/// capacity need.
async fn match_now(
    state: &AppState,
    requirements: &ValidRequirements,
    limit: usize,
    excluded_after: Option<&ExclusionKey>,
    acceptability_samples: Option<u32>,
    split: SplitAsk,
) -> Result<MatchResult, ApiError> {
    let availability = if requirements.requirement_set().capacity.is_some() {
        let requirements = requirements.clone();
        let at = now();
        state
            .db
            .run(move |c| availability_for(c, &requirements, at))
            .await?
    } else {
        Availability::default()
    };
    let today = today();
    let capacity_not_required = requirements.capacity_not_required();
    let (mut result, feasible, split_pool) = state
        .profiles
        .read(&state.db, |catalogue| {
            let result = run_match_after(
                catalogue.listed_features(today),
                requirements,
                today,
                &availability,
                limit,
                excluded_after,
            );
            let feasible = acceptability_samples.is_some().then(|| {
                feasible_values(
                    catalogue.listed_features(today),
                    requirements,
                    today,
                    &availability,
                )
            });
            // With the capacity need required, a feasible CDMO has every slot: no split.
            let one_has_every_slot = requirements
                .requirement_set()
                .capacity
                .as_ref()
                .is_some_and(|need| need.required && result.feasible_count > 0);
            let split_pool = capacity_not_required
                .as_ref()
                .filter(|_| !one_has_every_slot)
                .map(|relaxed| {
                    feasible_values(
                        catalogue.listed_features(today),
                        relaxed,
                        today,
                        &availability,
                    )
                });
            (result, feasible, split_pool)
        })
        .await?;
    if let Some(samples) = acceptability_samples
        && let Some(feasible) = feasible
    {
        // Sampling takes milliseconds of CPU: off the request threads.
        let requirements = requirements.clone();
        let seed = acceptability_seed(&requirements, samples);
        result.rank_acceptability = Some(
            telemetry::blocking(move || {
                rank_acceptability(&feasible, &requirements, samples, seed)
            })
            .await
            .map_err(ApiError::internal)?,
        );
    }
    if let Some(pool) = split_pool {
        // An exact search: fast on real catalogues, but bounded only by the pool.
        let requirements = requirements.clone();
        result.split_allocation = telemetry::blocking(move || {
            split_allocation(&pool, &requirements, &availability, split)
        })
        .await
        .map_err(ApiError::internal)?;
    }
    result.excluded_next_cursor = result
        .excluded_next_cursor
        .map(|position| pagination::encode_cursor(EXCLUDED_CURSOR, &position));
    Ok(result)
}

/// Creates a programme at version 1.
pub async fn create_program(
    state: &AppState,
    principal: &Principal,
    request: ProgramRequest,
) -> Result<Program, ApiError> {
    own_programs(principal, Action::ManagePrograms)?;
    let valid = ValidProgram::parse(request)?;
    let at = now();
    let row = ProgramRow {
        id: new_id(),
        organization_id: principal.organization_id.clone(),
        name: valid.program.name.clone(),
        version: 1,
        document: documents::encode_program(&valid.program)?,
        created_at: at,
        updated_at: at,
        archived_at: None,
    };
    let row = state
        .db
        .write(move |c| {
            programs::insert_program(c, &row)?;
            Ok(row)
        })
        .await?;
    views::program(row)
}

/// The caller's programmes: those not archived, or only the archived ones.
pub async fn list_programs(
    state: &AppState,
    principal: &Principal,
    params: ArchivableListParams,
) -> Result<Page<Program>, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    let archived = params.archived.unwrap_or(false);
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| programs::list_programs(c, &organization_id, archived, keyset),
        |r| &r.id,
        views::program,
    )
    .await
}

/// One of the caller's programmes.
pub async fn get_program(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Program, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    load_program(state, principal, id).await
}

/// One of the caller's programmes, for a use case that authorized its own action.
async fn load_program(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Program, ApiError> {
    let organization_id = principal.organization_id.clone();
    let row = state
        .db
        .run(move |c| programs::find_program(c, &organization_id, &id))
        .await?;
    views::program(row)
}

/// Replaces a programme edited at version `expected` (412 when it moved on).
pub async fn replace_program(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: i32,
    request: ProgramRequest,
) -> Result<Program, ApiError> {
    own_programs(principal, Action::ManagePrograms)?;
    let organization_id = principal.organization_id.clone();
    let (owner, lookup) = (organization_id.clone(), id.clone());
    state
        .db
        .run(move |c| programs::find_program(c, &owner, &lookup))
        .await?;
    let valid = ValidProgram::parse(request)?;
    let name = valid.program.name.clone();
    let document = documents::encode_program(&valid.program)?;
    let at = now();
    let row = state
        .db
        .write(move |c| {
            programs::replace_program(c, &organization_id, &id, expected, &name, &document, at)
        })
        .await?;
    views::program(row)
}

/// Matches one of the caller's programmes against the current profiles.
pub async fn match_program(
    state: &AppState,
    principal: &Principal,
    id: String,
    request: ProgramMatchRequest,
) -> Result<MatchResult, ApiError> {
    own_programs(principal, Action::MatchProgram)?;
    let limit = limit(request.limit)?;
    let after = excluded_after(request.excluded_cursor.as_deref())?;
    let acceptability = acceptability_samples(request.rank_acceptability.as_ref())?;
    let split = split_ask(request.split_allocation.as_ref())?;
    let program = load_program(state, principal, id).await?;
    let valid = ValidProgram::parse(program.program)?;
    match_now(
        state,
        &valid.requirements,
        limit,
        after.as_ref(),
        acceptability,
        split,
    )
    .await
}

/// Matches ad-hoc requirements against the current profiles.
pub async fn match_requirements(
    state: &AppState,
    principal: &Principal,
    request: MatchRequest,
) -> Result<MatchResult, ApiError> {
    authorize(principal, Action::RunMatch, Resource::Marketplace)?;
    let limit = limit(request.limit)?;
    let after = excluded_after(request.excluded_cursor.as_deref())?;
    let requirements = ValidRequirements::parse(request.requirements, request.target_phase)
        .map_err(|v| v.within("requirements"))?;
    let acceptability = acceptability_samples(request.rank_acceptability.as_ref())?;
    let split = split_ask(request.split_allocation.as_ref())?;
    match_now(
        state,
        &requirements,
        limit,
        after.as_ref(),
        acceptability,
        split,
    )
    .await
}

/// Saves a programme's current match as an immutable shortlist.
pub async fn create_shortlist(
    state: &AppState,
    principal: &Principal,
    request: CreateShortlistRequest,
) -> Result<Shortlist, ApiError> {
    own_programs(principal, Action::ManagePrograms)?;
    let limit = limit(request.limit)?;
    let name = request
        .name
        .as_deref()
        .map(|n| input::parse_name(n, SHORTLIST_NAME_MAX_CHARS))
        .transpose()
        .map_err(|message| ApiError::invalid_field("name", message))?;
    let acceptability = acceptability_samples(request.rank_acceptability.as_ref())?;
    let program = load_program(state, principal, request.program_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => {
                ApiError::invalid_field("program_id", "no such programme in your organisation")
            }
            other => other,
        })?;
    let valid = ValidProgram::parse(program.program.clone())?;
    let result = match_now(
        state,
        &valid.requirements,
        limit,
        None,
        acceptability,
        SplitAsk::DEFAULT,
    )
    .await?;
    let at = now();
    let row = ShortlistRow {
        id: new_id(),
        organization_id: principal.organization_id.clone(),
        program_id: program.id.clone(),
        program_version: program.version as i32,
        name: name.unwrap_or_else(|| {
            format!(
                "{} ({})",
                program.program.name,
                at.format("%Y-%m-%d %H:%M UTC")
            )
        }),
        program: documents::encode_program(&valid.program)?,
        result: documents::encode_match_result(&result)?,
        created_by: principal.id.clone(),
        created_at: at,
        archived_at: None,
    };
    let row = state
        .db
        .write(move |c| {
            programs::insert_shortlist(c, &row)?;
            Ok(row)
        })
        .await?;
    views::shortlist(row)
}

/// The caller's shortlists, oldest first: those not archived, or only the archived ones.
pub async fn list_shortlists(
    state: &AppState,
    principal: &Principal,
    params: ArchivableListParams,
) -> Result<Page<ShortlistSummary>, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    let archived = params.archived.unwrap_or(false);
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| programs::list_shortlists(c, &organization_id, archived, keyset),
        |r| &r.id,
        views::shortlist_summary,
    )
    .await
}

/// One of the caller's shortlists, exactly as it was saved.
pub async fn get_shortlist(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Shortlist, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    let row = state
        .db
        .run(move |c| programs::find_shortlist(c, &organization_id, &id))
        .await?;
    views::shortlist(row)
}

/// Archives (`archive`) or unarchives one of the caller's programmes; doing it twice
/// changes nothing.
pub async fn set_program_archived(
    state: &AppState,
    principal: &Principal,
    id: String,
    archive: bool,
) -> Result<Program, ApiError> {
    own_programs(principal, Action::ManagePrograms)?;
    let organization_id = principal.organization_id.clone();
    let at = archive.then(now);
    let row = state
        .db
        .write(move |c| programs::set_program_archived(c, &organization_id, &id, at))
        .await?;
    views::program(row)
}

/// Archives (`archive`) or unarchives one of the caller's shortlists; doing it twice
/// changes nothing. An archived shortlist stays readable, and so do its report and
/// share links.
pub async fn set_shortlist_archived(
    state: &AppState,
    principal: &Principal,
    id: String,
    archive: bool,
) -> Result<Shortlist, ApiError> {
    own_programs(principal, Action::ManagePrograms)?;
    let organization_id = principal.organization_id.clone();
    let at = archive.then(now);
    let row = state
        .db
        .write(move |c| programs::set_shortlist_archived(c, &organization_id, &id, at))
        .await?;
    views::shortlist(row)
}
