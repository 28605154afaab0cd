//! Decisions recorded on shortlists: appended, never changed. A shortlist's decisions are
//! numbered from 1 (`sequence`, unique per shortlist); the highest is the current one.

use cdmx_sdk::types::{DecisionOutcome, PrincipalKind};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::shortlist_decisions;
use super::{DbConnection, StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = shortlist_decisions)]
pub struct DecisionRow {
    pub id: String,
    pub shortlist_id: String,
    pub organization_id: String,
    pub sequence: i32,
    pub outcome: DecisionOutcome,
    /// JSON list of the selected candidates.
    pub selected: String,
    pub rationale: String,
    pub decided_by_kind: PrincipalKind,
    pub decided_by: String,
    pub decided_by_name: Option<String>,
    pub decided_at: NaiveDateTime,
    pub supersedes: Option<String>,
}

/// A shortlist's current decision (the latest), if any.
pub fn current(conn: &mut DbConnection, shortlist_id: &str) -> StoreResult<Option<DecisionRow>> {
    Ok(shortlist_decisions::table
        .filter(shortlist_decisions::shortlist_id.eq(shortlist_id))
        .order(shortlist_decisions::sequence.desc())
        .first(conn)
        .optional()?)
}

/// Appends `row`; two decisions recorded at once on one shortlist cannot both take the
/// same place in its sequence: the second is a conflict.
pub fn insert(conn: &mut DbConnection, row: &DecisionRow) -> StoreResult<()> {
    diesel::insert_into(shortlist_decisions::table)
        .values(row)
        .execute(conn)
        .map_err(|e| {
            StoreError::conflict_on_unique(
                e,
                "another decision was recorded on this shortlist at the same moment; read its \
                 decisions and record yours again if it still stands",
            )
        })?;
    Ok(())
}

/// A page of a shortlist's decisions, newest first: those before the sequence number
/// `before`, at most `fetch`.
pub fn list(
    conn: &mut DbConnection,
    shortlist_id: &str,
    before: Option<i32>,
    fetch: i64,
) -> StoreResult<Vec<DecisionRow>> {
    let mut query = shortlist_decisions::table
        .filter(shortlist_decisions::shortlist_id.eq(shortlist_id.to_owned()))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(shortlist_decisions::sequence.lt(before));
    }
    Ok(query
        .order(shortlist_decisions::sequence.desc())
        .limit(fetch)
        .load(conn)?)
}
