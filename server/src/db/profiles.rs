//! Capability profiles: rows, revisions, search facets and evidence.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::schema::{
    cdmo_profile_facets, cdmo_profile_revisions, cdmo_profiles, organizations, profile_evidence,
};
use super::{DbConnection, StoreError, StoreResult, new_id, now};
use crate::domain::profiles::{SearchIndex, fact_changed};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = cdmo_profiles)]
pub struct ProfileRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub name_lower: String,
    pub current_revision: i32,
    pub document: String,
    pub max_phase_rank: Option<i32>,
    pub min_cryo_temp_c: Option<i32>,
    pub closed_processing: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = cdmo_profile_revisions)]
pub struct RevisionRow {
    pub profile_id: String,
    pub revision: i32,
    pub document: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = profile_evidence)]
pub struct EvidenceRow {
    pub id: String,
    pub profile_id: String,
    pub subject: String,
    pub section: String,
    pub kind: String,
    pub reference: String,
    pub url: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires_on: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_reset_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A profile document ready to store: its JSON and what search indexes of it.
#[derive(Debug, Clone)]
pub struct ProfileWrite {
    pub document: Value,
    pub index: SearchIndex,
}

/// A profile with its organisation's verification flag.
pub type ProfileWithVerification = (ProfileRow, bool);

fn replace_facets(
    conn: &mut DbConnection,
    profile_id: &str,
    index: &SearchIndex,
) -> StoreResult<()> {
    diesel::delete(
        cdmo_profile_facets::table.filter(cdmo_profile_facets::profile_id.eq(profile_id)),
    )
    .execute(conn)?;
    // One row at a time: diesel's multi-backend connection has no batch insert, and a
    // profile has a few dozen facets at most.
    for (facet, value) in &index.facets {
        diesel::insert_into(cdmo_profile_facets::table)
            .values((
                cdmo_profile_facets::profile_id.eq(profile_id),
                cdmo_profile_facets::facet.eq(*facet),
                cdmo_profile_facets::value.eq(value.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates an organisation's profile at revision 1. One profile per organisation.
pub fn create_profile(
    conn: &mut DbConnection,
    organization_id: &str,
    write: &ProfileWrite,
    created_by: &str,
) -> StoreResult<ProfileRow> {
    let at = now();
    let document = write.document.to_string();
    let row = ProfileRow {
        id: new_id(),
        organization_id: organization_id.to_owned(),
        name: write.index.name.clone(),
        name_lower: write.index.name.to_lowercase(),
        current_revision: 1,
        document: document.clone(),
        max_phase_rank: write.index.max_phase_rank,
        min_cryo_temp_c: write.index.min_cryo_temp_c,
        closed_processing: write.index.closed_processing,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(cdmo_profiles::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| {
            StoreError::conflict_on_unique(
                e,
                "this organisation already has a profile; update it instead",
            )
        })?;
    diesel::insert_into(cdmo_profile_revisions::table)
        .values(RevisionRow {
            profile_id: row.id.clone(),
            revision: 1,
            document,
            created_by: created_by.to_owned(),
            created_at: at,
        })
        .execute(conn)?;
    replace_facets(conn, &row.id, &write.index)?;
    Ok(row)
}

/// Stores a new revision if the profile is still at `expected_revision`: a
/// compare-and-swap in SQL, so concurrent editors in any process cannot overwrite each
/// other. Verified evidence whose fact changed loses its verification.
pub fn update_profile(
    conn: &mut DbConnection,
    profile_id: &str,
    expected_revision: i32,
    write: &ProfileWrite,
    updated_by: &str,
) -> StoreResult<ProfileRow> {
    let current = find_profile(conn, profile_id)?.0;
    let at = now();
    let document = write.document.to_string();
    let next = expected_revision + 1;
    let updated = diesel::update(
        cdmo_profiles::table
            .filter(cdmo_profiles::id.eq(profile_id))
            .filter(cdmo_profiles::current_revision.eq(expected_revision)),
    )
    .set((
        cdmo_profiles::current_revision.eq(next),
        cdmo_profiles::document.eq(&document),
        cdmo_profiles::name.eq(&write.index.name),
        cdmo_profiles::name_lower.eq(write.index.name.to_lowercase()),
        cdmo_profiles::max_phase_rank.eq(write.index.max_phase_rank),
        cdmo_profiles::min_cryo_temp_c.eq(write.index.min_cryo_temp_c),
        cdmo_profiles::closed_processing.eq(write.index.closed_processing),
        cdmo_profiles::updated_at.eq(at),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::PreconditionFailed(format!(
            "the profile is at revision {}; you edited revision {expected_revision}. \
             Fetch it again and reapply your change",
            current.current_revision
        )));
    }
    diesel::insert_into(cdmo_profile_revisions::table)
        .values(RevisionRow {
            profile_id: profile_id.to_owned(),
            revision: next,
            document,
            created_by: updated_by.to_owned(),
            created_at: at,
        })
        .execute(conn)?;
    replace_facets(conn, profile_id, &write.index)?;

    let before: Value = serde_json::from_str(&current.document).unwrap_or(Value::Null);
    let verified: Vec<EvidenceRow> = profile_evidence::table
        .filter(profile_evidence::profile_id.eq(profile_id))
        .filter(profile_evidence::verified_at.is_not_null())
        .load(conn)?;
    for evidence in verified {
        if fact_changed(&before, &write.document, &evidence.subject) {
            diesel::update(profile_evidence::table.find(&evidence.id))
                .set((
                    profile_evidence::verified_at.eq(None::<NaiveDateTime>),
                    profile_evidence::verified_by.eq(None::<String>),
                    profile_evidence::verification_reset_at.eq(Some(at)),
                ))
                .execute(conn)?;
        }
    }
    Ok(find_profile(conn, profile_id)?.0)
}

pub fn find_profile(conn: &mut DbConnection, id: &str) -> StoreResult<ProfileWithVerification> {
    cdmo_profiles::table
        .inner_join(organizations::table)
        .filter(cdmo_profiles::id.eq(id))
        .select((cdmo_profiles::all_columns, organizations::verified))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn find_revision(
    conn: &mut DbConnection,
    profile_id: &str,
    revision: i32,
) -> StoreResult<RevisionRow> {
    cdmo_profile_revisions::table
        .find((profile_id, revision))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Revisions newest first, before revision `before` when given.
pub fn list_revisions(
    conn: &mut DbConnection,
    profile_id: &str,
    before: Option<i32>,
    fetch: i64,
) -> StoreResult<Vec<(i32, String, NaiveDateTime)>> {
    let mut query = cdmo_profile_revisions::table
        .filter(cdmo_profile_revisions::profile_id.eq(profile_id.to_owned()))
        .select((
            cdmo_profile_revisions::revision,
            cdmo_profile_revisions::created_by,
            cdmo_profile_revisions::created_at,
        ))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cdmo_profile_revisions::revision.lt(before));
    }
    Ok(query
        .order(cdmo_profile_revisions::revision.desc())
        .limit(fetch)
        .load(conn)?)
}

/// Search order and position.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchAfter {
    /// By lower-case name, then id.
    Name(String, String),
    /// By update time descending, then id descending.
    Updated(NaiveDateTime, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    Name,
    Updated,
}

/// A profile search: AND across conditions, OR within each facet's values.
#[derive(Debug, Clone)]
pub struct ProfileQuery {
    pub facets: Vec<(&'static str, Vec<String>)>,
    pub min_phase_rank: Option<i32>,
    pub max_cryo_temp_c: Option<i32>,
    pub closed_processing: Option<bool>,
    pub verified_only: bool,
    /// Lower-case text the name must contain.
    pub name_contains: Option<String>,
    pub order: SearchOrder,
    pub after: Option<SearchAfter>,
    pub fetch: i64,
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub fn search_profiles(
    conn: &mut DbConnection,
    query: &ProfileQuery,
) -> StoreResult<Vec<ProfileWithVerification>> {
    let mut select = cdmo_profiles::table
        .inner_join(organizations::table)
        .select((cdmo_profiles::all_columns, organizations::verified))
        .into_boxed();
    for (facet, values) in &query.facets {
        let matching = cdmo_profile_facets::table
            .filter(cdmo_profile_facets::facet.eq(*facet))
            .filter(cdmo_profile_facets::value.eq_any(values.clone()))
            .select(cdmo_profile_facets::profile_id);
        select = select.filter(cdmo_profiles::id.eq_any(matching));
    }
    if let Some(rank) = query.min_phase_rank {
        select = select.filter(cdmo_profiles::max_phase_rank.ge(rank));
    }
    if let Some(temp) = query.max_cryo_temp_c {
        select = select.filter(cdmo_profiles::min_cryo_temp_c.le(temp));
    }
    if let Some(closed) = query.closed_processing {
        select = select.filter(cdmo_profiles::closed_processing.eq(closed));
    }
    if query.verified_only {
        select = select.filter(organizations::verified.eq(true));
    }
    if let Some(text) = &query.name_contains {
        select = select.filter(
            cdmo_profiles::name_lower
                .like(like_pattern(text))
                .escape('\\'),
        );
    }
    select = match (&query.order, &query.after) {
        (SearchOrder::Name, Some(SearchAfter::Name(name, id))) => select.filter(
            cdmo_profiles::name_lower
                .gt(name.clone())
                .or(cdmo_profiles::name_lower
                    .eq(name.clone())
                    .and(cdmo_profiles::id.gt(id.clone()))),
        ),
        (SearchOrder::Updated, Some(SearchAfter::Updated(at, id))) => select.filter(
            cdmo_profiles::updated_at
                .lt(*at)
                .or(cdmo_profiles::updated_at
                    .eq(*at)
                    .and(cdmo_profiles::id.lt(id.clone()))),
        ),
        _ => select,
    };
    select = match query.order {
        SearchOrder::Name => {
            select.order((cdmo_profiles::name_lower.asc(), cdmo_profiles::id.asc()))
        }
        SearchOrder::Updated => {
            select.order((cdmo_profiles::updated_at.desc(), cdmo_profiles::id.desc()))
        }
    };
    Ok(select.limit(query.fetch).load(conn)?)
}

pub fn insert_evidence(conn: &mut DbConnection, row: &EvidenceRow) -> StoreResult<()> {
    diesel::insert_into(profile_evidence::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_evidence(
    conn: &mut DbConnection,
    profile_id: &str,
    id: &str,
) -> StoreResult<EvidenceRow> {
    profile_evidence::table
        .filter(profile_evidence::profile_id.eq(profile_id))
        .filter(profile_evidence::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn list_evidence(conn: &mut DbConnection, profile_id: &str) -> StoreResult<Vec<EvidenceRow>> {
    Ok(profile_evidence::table
        .filter(profile_evidence::profile_id.eq(profile_id))
        .order(profile_evidence::id)
        .load(conn)?)
}

pub fn mark_evidence_verified(
    conn: &mut DbConnection,
    id: &str,
    verified_by: &str,
) -> StoreResult<()> {
    diesel::update(profile_evidence::table.find(id))
        .set((
            profile_evidence::verified_at.eq(Some(now())),
            profile_evidence::verified_by.eq(Some(verified_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_evidence(conn: &mut DbConnection, profile_id: &str, id: &str) -> StoreResult<()> {
    let deleted = diesel::delete(
        profile_evidence::table
            .filter(profile_evidence::profile_id.eq(profile_id))
            .filter(profile_evidence::id.eq(id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
