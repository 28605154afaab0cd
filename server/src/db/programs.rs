//! Sponsor programmes and their saved shortlists.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::Keyset;
use super::schema::{programs, shortlists};
use super::{DbConnection, StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = programs)]
pub struct ProgramRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub version: i32,
    pub document: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = shortlists)]
pub struct ShortlistRow {
    pub id: String,
    pub organization_id: String,
    pub program_id: String,
    pub program_version: i32,
    pub name: String,
    pub program: String,
    pub result: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
}

pub fn insert_program(conn: &mut DbConnection, row: &ProgramRow) -> StoreResult<()> {
    diesel::insert_into(programs::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A programme of `organization_id`; another organisation's is not found.
pub fn find_program(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StoreResult<ProgramRow> {
    programs::table
        .filter(programs::id.eq(id))
        .filter(programs::organization_id.eq(organization_id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// A page of `organization_id`'s programmes, the archived ones or the others.
pub fn list_programs(
    conn: &mut DbConnection,
    organization_id: &str,
    archived: bool,
    keyset: &Keyset,
) -> StoreResult<Vec<ProgramRow>> {
    let mut query = programs::table
        .filter(programs::organization_id.eq(organization_id.to_owned()))
        .into_boxed();
    query = if archived {
        query.filter(programs::archived_at.is_not_null())
    } else {
        query.filter(programs::archived_at.is_null())
    };
    if let Some(after) = &keyset.after {
        query = query.filter(programs::id.gt(after.clone()));
    }
    Ok(query.order(programs::id).limit(keyset.fetch).load(conn)?)
}

/// Replaces a programme if it is still at `expected_version` (compare-and-swap).
pub fn replace_program(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
    expected_version: i32,
    name: &str,
    document: &str,
    at: NaiveDateTime,
) -> StoreResult<ProgramRow> {
    let current = find_program(conn, organization_id, id)?;
    let updated = diesel::update(
        programs::table
            .filter(programs::id.eq(id))
            .filter(programs::version.eq(expected_version)),
    )
    .set((
        programs::version.eq(expected_version + 1),
        programs::name.eq(name),
        programs::document.eq(document),
        programs::updated_at.eq(at),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::PreconditionFailed(format!(
            "the programme is at version {}; you edited version {expected_version}",
            current.version
        )));
    }
    find_program(conn, organization_id, id)
}

pub fn insert_shortlist(conn: &mut DbConnection, row: &ShortlistRow) -> StoreResult<()> {
    diesel::insert_into(shortlists::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_shortlist(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StoreResult<ShortlistRow> {
    shortlists::table
        .filter(shortlists::id.eq(id))
        .filter(shortlists::organization_id.eq(organization_id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// A page of `organization_id`'s shortlists, the archived ones or the others.
pub fn list_shortlists(
    conn: &mut DbConnection,
    organization_id: &str,
    archived: bool,
    keyset: &Keyset,
) -> StoreResult<Vec<ShortlistRow>> {
    let mut query = shortlists::table
        .filter(shortlists::organization_id.eq(organization_id.to_owned()))
        .into_boxed();
    query = if archived {
        query.filter(shortlists::archived_at.is_not_null())
    } else {
        query.filter(shortlists::archived_at.is_null())
    };
    if let Some(after) = &keyset.after {
        query = query.filter(shortlists::id.gt(after.clone()));
    }
    Ok(query.order(shortlists::id).limit(keyset.fetch).load(conn)?)
}

/// Archives (`Some(at)`) or unarchives (`None`) a programme of `organization_id`.
/// Archiving an archived programme keeps its first `archived_at`.
pub fn set_program_archived(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
    at: Option<NaiveDateTime>,
) -> StoreResult<ProgramRow> {
    let current = find_program(conn, organization_id, id)?;
    if current.archived_at.is_some() != at.is_some() {
        diesel::update(programs::table.filter(programs::id.eq(id)))
            .set(programs::archived_at.eq(at))
            .execute(conn)?;
    }
    find_program(conn, organization_id, id)
}

/// Archives (`Some(at)`) or unarchives (`None`) a shortlist of `organization_id`.
/// Archiving an archived shortlist keeps its first `archived_at`.
pub fn set_shortlist_archived(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
    at: Option<NaiveDateTime>,
) -> StoreResult<ShortlistRow> {
    let current = find_shortlist(conn, organization_id, id)?;
    if current.archived_at.is_some() != at.is_some() {
        diesel::update(shortlists::table.filter(shortlists::id.eq(id)))
            .set(shortlists::archived_at.eq(at))
            .execute(conn)?;
    }
    find_shortlist(conn, organization_id, id)
}
