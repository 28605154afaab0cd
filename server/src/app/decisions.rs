//! Decisions on shortlists: recorded by the owning sponsor, never changed; a later
//! decision supersedes the current one. Reports show the current decision
//! ([`current_decision`]).

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, Decision, NewDecision, Page, PageParams, PrincipalKind,
    SelectedCandidate,
};

use super::matching::own_programs;
use super::pagination::PageRequest;
use super::{audit, views};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::db::decisions::{self, DecisionRow};
use crate::db::{self, DbConnection, StoreError, StoreResult, accounts, new_id, now, programs};
use crate::domain::decisions::{DecisionMaker, RecordedDecision, ValidDecision};
use crate::error::ApiError;
use crate::startup::AppState;

/// Cursor kind of a shortlist's decisions: they page newest first, by sequence number.
const CURSOR_KIND: &str = "before";

/// A stored decision as the domain knows it.
pub fn recorded(row: DecisionRow) -> StoreResult<RecordedDecision> {
    let selected: Vec<SelectedCandidate> = serde_json::from_str(&row.selected)
        .map_err(|e| StoreError::Task(format!("stored decision {} unreadable: {e}", row.id)))?;
    Ok(RecordedDecision {
        id: row.id,
        shortlist_id: row.shortlist_id,
        outcome: row.outcome,
        selected,
        rationale: row.rationale,
        decided_by: DecisionMaker {
            kind: row.decided_by_kind,
            id: row.decided_by,
            name: row.decided_by_name,
        },
        decided_at: row.decided_at.and_utc(),
        supersedes: row.supersedes,
    })
}

/// The shortlist's current decision (the latest recorded), if any: what its report
/// shows. Read in the caller's connection, so a report reads it with the shortlist.
pub fn current_decision(
    conn: &mut DbConnection,
    shortlist_id: &str,
) -> StoreResult<Option<RecordedDecision>> {
    decisions::current(conn, shortlist_id)?
        .map(recorded)
        .transpose()
}

/// The caller's display name: a user's email, an API key's name.
fn display_name(conn: &mut DbConnection, principal: &Principal) -> StoreResult<Option<String>> {
    let name = match principal.kind {
        PrincipalKind::User => accounts::find_user(conn, &principal.id).map(|u| u.email),
        PrincipalKind::ApiKey => accounts::find_api_key(conn, &principal.id).map(|k| k.name),
        _ => return Ok(None),
    };
    match name {
        Ok(name) if !name.is_empty() => Ok(Some(name)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Records a decision on one of the caller's shortlists; it supersedes the current one.
pub async fn record(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    request: NewDecision,
) -> Result<Decision, ApiError> {
    own_programs(principal, Action::RecordDecision)?;
    let organization_id = principal.organization_id.clone();
    let (owner, lookup) = (organization_id.clone(), shortlist_id.clone());
    let shortlist = state
        .db
        .run(move |c| programs::find_shortlist(c, &owner, &lookup))
        .await?;
    let result = db::documents::decode_match_result(&shortlist.result)?;
    let valid = ValidDecision::parse(request, &result.candidates)?;
    let selected = serde_json::to_string(&valid.selected).map_err(ApiError::internal)?;
    let id = new_id();
    let mut event = audit::by(
        principal,
        &organization_id,
        AuditAction::DecisionRecorded,
        AuditObjectKind::Shortlist,
        &shortlist_id,
    );
    event.detail = Some(format!("decision {id}: {}", valid.outcome.as_str()));
    let caller = principal.clone();
    let row = state
        .db
        .write(move |c| {
            let current = decisions::current(c, &shortlist_id)?;
            let row = DecisionRow {
                id,
                shortlist_id,
                organization_id,
                sequence: current.as_ref().map_or(1, |d| d.sequence + 1),
                outcome: valid.outcome,
                selected,
                rationale: valid.rationale,
                decided_by_kind: caller.kind,
                decided_by_name: display_name(c, &caller)?,
                decided_by: caller.id,
                decided_at: now(),
                supersedes: current.map(|d| d.id),
            };
            decisions::insert(c, &row)?;
            db::audit::record(c, event)?;
            Ok(row)
        })
        .await?;
    views::decision(recorded(row)?, true)
}

/// A page of one of the caller's shortlists' decisions, newest first.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    shortlist_id: String,
    params: PageParams,
) -> Result<Page<Decision>, ApiError> {
    own_programs(principal, Action::ReadPrograms)?;
    let organization_id = principal.organization_id.clone();
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let before = page
        .after(CURSOR_KIND)?
        .map(|position| {
            position.parse::<i32>().map_err(|_| {
                ApiError::bad_request_field("cursor", "is not a cursor this list returned")
            })
        })
        .transpose()?;
    let fetch = page.fetch();
    let (rows, current) = state
        .db
        .run(move |c| {
            programs::find_shortlist(c, &organization_id, &shortlist_id)?;
            let current = decisions::current(c, &shortlist_id)?.map(|d| d.id);
            Ok((decisions::list(c, &shortlist_id, before, fetch)?, current))
        })
        .await?;
    page.page_by(
        rows,
        |r| format!("{CURSOR_KIND}:{}", r.sequence),
        |row| {
            let is_current = current.as_deref() == Some(row.id.as_str());
            views::decision(recorded(row)?, is_current)
        },
    )
}
