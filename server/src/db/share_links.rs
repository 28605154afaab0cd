//! Share links to shortlist reports. Only the SHA-256 of a link's token is stored, and a
//! link is found by that hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::share_links;
use super::{DbConnection, StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = share_links)]
pub struct ShareLinkRow {
    pub id: String,
    pub shortlist_id: String,
    pub organization_id: String,
    pub token_hash: String,
    pub label: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub open_count: i32,
    pub last_opened_at: Option<NaiveDateTime>,
}

impl ShareLinkRow {
    /// Whether the link opens the report at `at`: not revoked, not expired.
    pub fn opens_at(&self, at: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && at < self.expires_at
    }
}

pub fn insert(conn: &mut DbConnection, row: &ShareLinkRow) -> StoreResult<()> {
    diesel::insert_into(share_links::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A link of `organization_id`; another organisation's is not found.
pub fn find(conn: &mut DbConnection, organization_id: &str, id: &str) -> StoreResult<ShareLinkRow> {
    share_links::table
        .filter(share_links::id.eq(id))
        .filter(share_links::organization_id.eq(organization_id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// The link whose token hashes to `token_hash`, whatever its state.
pub fn find_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> StoreResult<Option<ShareLinkRow>> {
    Ok(share_links::table
        .filter(share_links::token_hash.eq(token_hash))
        .first(conn)
        .optional()?)
}

/// A page of a shortlist's links, newest first: ids before `before`, at most `fetch`.
pub fn list(
    conn: &mut DbConnection,
    shortlist_id: &str,
    before: Option<String>,
    fetch: i64,
) -> StoreResult<Vec<ShareLinkRow>> {
    let mut query = share_links::table
        .filter(share_links::shortlist_id.eq(shortlist_id.to_owned()))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(share_links::id.lt(before));
    }
    Ok(query
        .order(share_links::id.desc())
        .limit(fetch)
        .load(conn)?)
}

/// Revokes a link of `organization_id` at `at`; revoking again keeps the first time.
pub fn revoke(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> StoreResult<ShareLinkRow> {
    let link = find(conn, organization_id, id)?;
    if link.revoked_at.is_none() {
        diesel::update(share_links::table.filter(share_links::id.eq(id)))
            .set(share_links::revoked_at.eq(Some(at)))
            .execute(conn)?;
    }
    find(conn, organization_id, id)
}

/// Counts one opening of a link at `at`.
pub fn record_open(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(share_links::table.filter(share_links::id.eq(id)))
        .set((
            share_links::open_count.eq(share_links::open_count + 1),
            share_links::last_opened_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}
