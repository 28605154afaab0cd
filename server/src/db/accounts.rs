//! Organisations, users and API keys: rows and queries.

use cdmx_sdk::types::{ApiKeyScope, OrganizationKind, Role};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_keys, organizations, users};
use super::{DbConnection, StoreError, StoreResult, new_id, now, transaction_lock};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
    /// Moves whenever the user's tokens must stop working.
    pub token_version: i32,
    pub deactivated_at: Option<NaiveDateTime>,
    /// A deleted user is a tombstone: email and password erased, the id kept.
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub role: Role,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// Comma-separated wire names (see [`encode_scopes`]).
    pub scopes: String,
    /// The key that created this one; `created_by` names a user.
    pub created_by_key: Option<String>,
}

impl ApiKeyRow {
    /// The key's scopes; a name this version does not know is left out (it grants
    /// nothing here).
    pub fn scopes(&self) -> Vec<ApiKeyScope> {
        self.scopes
            .split(',')
            .filter_map(|name| ApiKeyScope::parse(name.trim()))
            .collect()
    }
}

/// Scopes as stored: their wire names, comma-separated.
pub fn encode_scopes(scopes: &[ApiKeyScope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Serialises changes to an organisation's users (across processes on PostgreSQL), so
/// that two admins deactivating each other cannot leave it without an active admin.
const MEMBERSHIP_LOCK_KEY: i64 = 0x0c0d_0e0f_5e55;

const EMAIL_TAKEN: &str = "a user with this email already exists";

/// A keyset page request: rows after `after` (by id), at most `limit`.
#[derive(Debug, Clone)]
pub struct Keyset {
    pub after: Option<String>,
    /// One more than the page size is fetched, to know whether a next page exists.
    pub fetch: i64,
}

impl UserRow {
    pub fn new(organization_id: &str, email: &str, password_hash: String, role: Role) -> Self {
        Self {
            id: new_id(),
            organization_id: organization_id.to_owned(),
            email: email.to_owned(),
            password_hash,
            role,
            created_at: now(),
            token_version: 0,
            deactivated_at: None,
            deleted_at: None,
        }
    }

    /// Neither deactivated nor deleted: may sign in, and its tokens are good.
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none() && self.deleted_at.is_none()
    }
}

/// What an admin does to a user of its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatusChange {
    Deactivate,
    Reactivate,
    Delete,
}

/// The refusal when a change would leave an organisation without an active admin.
pub const LAST_ADMIN: &str = "this is the organisation's last active admin: add or \
     reactivate another admin first";

/// Creates an organisation and its first admin, both or neither.
pub fn sign_up(
    conn: &mut DbConnection,
    organization: &OrganizationRow,
    admin: &UserRow,
) -> StoreResult<()> {
    insert_organization(conn, organization)?;
    insert_user(conn, admin)
}

pub fn insert_organization(
    conn: &mut DbConnection,
    organization: &OrganizationRow,
) -> StoreResult<()> {
    diesel::insert_into(organizations::table)
        .values(organization)
        .execute(conn)?;
    Ok(())
}

pub fn insert_user(conn: &mut DbConnection, user: &UserRow) -> StoreResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, EMAIL_TAKEN))?;
    Ok(())
}

/// The platform (operator) organisation, created on first use.
pub fn platform_organization(conn: &mut DbConnection) -> StoreResult<OrganizationRow> {
    let existing = organizations::table
        .filter(organizations::kind.eq(OrganizationKind::Platform))
        .order(organizations::id)
        .first::<OrganizationRow>(conn)
        .optional()?;
    if let Some(row) = existing {
        return Ok(row);
    }
    let row = OrganizationRow {
        id: new_id(),
        name: "cdmx platform".to_owned(),
        kind: OrganizationKind::Platform,
        verified: true,
        verified_at: Some(now()),
        verified_by: None,
        created_at: now(),
    };
    diesel::insert_into(organizations::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find_organization(conn: &mut DbConnection, id: &str) -> StoreResult<OrganizationRow> {
    organizations::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// Organisations' names by id, for views that name the other party.
#[derive(Debug, Clone, Default)]
pub struct OrganizationNames(std::collections::HashMap<String, String>);

impl OrganizationNames {
    /// The name of `id` (empty for an id that is not an organisation, which the foreign
    /// keys rule out).
    pub fn name_of(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_default()
    }
}

/// The names of the organisations `ids`, in one query.
pub fn organization_names<'a>(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = &'a str>,
) -> StoreResult<OrganizationNames> {
    let mut ids: Vec<&str> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let names: Vec<(String, String)> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load(conn)?;
    Ok(OrganizationNames(names.into_iter().collect()))
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationQuery {
    /// Restricts the list to one organisation (callers who may see only their own).
    pub only_id: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub verified: Option<bool>,
}

pub fn list_organizations(
    conn: &mut DbConnection,
    query: &OrganizationQuery,
    keyset: &Keyset,
) -> StoreResult<Vec<OrganizationRow>> {
    let mut select = organizations::table.into_boxed();
    if let Some(id) = &query.only_id {
        select = select.filter(organizations::id.eq(id.clone()));
    }
    if let Some(kind) = &query.kind {
        select = select.filter(organizations::kind.eq(*kind));
    }
    if let Some(verified) = query.verified {
        select = select.filter(organizations::verified.eq(verified));
    }
    if let Some(after) = &keyset.after {
        select = select.filter(organizations::id.gt(after.clone()));
    }
    Ok(select
        .order(organizations::id)
        .limit(keyset.fetch)
        .load(conn)?)
}

/// Marks an organisation verified; verifying twice keeps the first verification.
pub fn verify_organization(
    conn: &mut DbConnection,
    id: &str,
    verified_by: &str,
) -> StoreResult<OrganizationRow> {
    let current = find_organization(conn, id)?;
    if current.verified {
        return Ok(current);
    }
    diesel::update(organizations::table.find(id))
        .set((
            organizations::verified.eq(true),
            organizations::verified_at.eq(Some(now())),
            organizations::verified_by.eq(Some(verified_by)),
        ))
        .execute(conn)?;
    // The organisation's profile is now shown as verified: indexes must refresh it.
    super::profiles::touch_organization_profile(conn, id)?;
    find_organization(conn, id)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> StoreResult<UserRow> {
    users::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .first(conn)
        .optional()?)
}

pub fn list_users(
    conn: &mut DbConnection,
    organization_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<UserRow>> {
    let mut select = users::table
        .filter(users::organization_id.eq(organization_id.to_owned()))
        .filter(users::deleted_at.is_null())
        .into_boxed();
    if let Some(after) = &keyset.after {
        select = select.filter(users::id.gt(after.clone()));
    }
    Ok(select.order(users::id).limit(keyset.fetch).load(conn)?)
}

pub fn insert_api_key(conn: &mut DbConnection, key: &ApiKeyRow) -> StoreResult<()> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "API key prefix collision; retry"))?;
    Ok(())
}

pub fn find_api_key(conn: &mut DbConnection, id: &str) -> StoreResult<ApiKeyRow> {
    api_keys::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

pub fn find_api_key_by_prefix(
    conn: &mut DbConnection,
    prefix: &str,
) -> StoreResult<Option<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .first(conn)
        .optional()?)
}

pub fn list_api_keys(
    conn: &mut DbConnection,
    organization_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<ApiKeyRow>> {
    let mut select = api_keys::table
        .filter(api_keys::organization_id.eq(organization_id.to_owned()))
        .into_boxed();
    if let Some(after) = &keyset.after {
        select = select.filter(api_keys::id.gt(after.clone()));
    }
    Ok(select.order(api_keys::id).limit(keyset.fetch).load(conn)?)
}

pub fn touch_api_key(conn: &mut DbConnection, id: &str) -> StoreResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Revokes a key of `organization_id` and every key created through it (the keys it
/// created, theirs, and so on); returns the ids it revoked now. Revoking a revoked key
/// revokes what it created if still active; a key of another organisation is not found.
pub fn revoke_api_key(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StoreResult<Vec<String>> {
    let key = find_api_key(conn, id)?;
    if key.organization_id != organization_id {
        return Err(StoreError::NotFound);
    }
    let mut lineage = vec![key.id];
    let mut frontier = lineage.clone();
    while !frontier.is_empty() {
        frontier = api_keys::table
            .filter(api_keys::created_by_key.eq_any(&frontier))
            .select(api_keys::id)
            .load::<String>(conn)?;
        // A key cannot create itself or an ancestor, but guard against a cycle anyway.
        frontier.retain(|child| !lineage.contains(child));
        lineage.extend(frontier.iter().cloned());
    }
    let revoked = api_keys::table
        .filter(api_keys::id.eq_any(&lineage))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::id)
        .order(api_keys::id)
        .load::<String>(conn)?;
    diesel::update(api_keys::table.filter(api_keys::id.eq_any(&revoked)))
        .set(api_keys::revoked_at.eq(Some(now())))
        .execute(conn)?;
    Ok(revoked)
}

/// A user of `organization_id` that is not deleted; others are not found.
fn find_member(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: &str,
) -> StoreResult<UserRow> {
    let user = find_user(conn, user_id)?;
    if user.organization_id != organization_id || user.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    Ok(user)
}

/// Deactivates, reactivates or deletes a user of `organization_id`, moving its token
/// version so that its tokens stop working; returns the user as it is now. Refuses
/// (conflict) to leave the organisation without an active admin. Deactivating a
/// deactivated user or reactivating an active one changes nothing.
pub fn change_user_status(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: &str,
    change: UserStatusChange,
) -> StoreResult<UserRow> {
    transaction_lock(conn, MEMBERSHIP_LOCK_KEY)?;
    let user = find_member(conn, organization_id, user_id)?;
    let removes_an_active_admin =
        change != UserStatusChange::Reactivate && user.role == Role::Admin && user.is_active();
    if removes_an_active_admin {
        let other_active_admins: i64 = users::table
            .filter(users::organization_id.eq(organization_id))
            .filter(users::role.eq(Role::Admin))
            .filter(users::deactivated_at.is_null())
            .filter(users::deleted_at.is_null())
            .filter(users::id.ne(user_id))
            .count()
            .get_result(conn)?;
        if other_active_admins == 0 {
            return Err(StoreError::Conflict(LAST_ADMIN.into()));
        }
    }
    let at = now();
    let next_version = user.token_version + 1;
    let target = users::table.find(user_id);
    match change {
        UserStatusChange::Deactivate if user.deactivated_at.is_some() => return Ok(user),
        UserStatusChange::Reactivate if user.deactivated_at.is_none() => return Ok(user),
        UserStatusChange::Deactivate => {
            diesel::update(target)
                .set((
                    users::deactivated_at.eq(Some(at)),
                    users::token_version.eq(next_version),
                ))
                .execute(conn)?;
        }
        UserStatusChange::Reactivate => {
            diesel::update(target)
                .set((
                    users::deactivated_at.eq(None::<NaiveDateTime>),
                    users::token_version.eq(next_version),
                ))
                .execute(conn)?;
        }
        UserStatusChange::Delete => {
            // The email is erased (and freed for a new account); the row stays so that
            // ids recorded elsewhere (key creators, history) still resolve.
            diesel::update(target)
                .set((
                    users::email.eq(format!("deleted-{user_id}@deleted.invalid")),
                    users::password_hash.eq(""),
                    users::deleted_at.eq(Some(at)),
                    users::token_version.eq(next_version),
                ))
                .execute(conn)?;
        }
    }
    find_user(conn, user_id)
}

/// Ends every token of a user: moves its token version. Returns the user as it is now.
pub fn revoke_user_tokens(conn: &mut DbConnection, user_id: &str) -> StoreResult<UserRow> {
    diesel::update(users::table.find(user_id))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)?;
    find_user(conn, user_id)
}

/// Sets a user's password and ends its tokens. Returns the user as it is now.
pub fn change_password(
    conn: &mut DbConnection,
    user_id: &str,
    password_hash: &str,
) -> StoreResult<UserRow> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::token_version.eq(users::token_version + 1),
        ))
        .execute(conn)?;
    find_user(conn, user_id)
}

/// How many organisations there are (the demo data loads only into an empty database).
pub fn count_organizations(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(organizations::table.count().get_result(conn)?)
}

/// Sets the password hash of the users with these emails, ending their tokens; returns
/// how many there were.
pub fn set_password_hash(
    conn: &mut DbConnection,
    emails: &[&str],
    password_hash: &str,
) -> StoreResult<usize> {
    Ok(
        diesel::update(users::table.filter(users::email.eq_any(emails)))
            .set((
                users::password_hash.eq(password_hash),
                users::token_version.eq(users::token_version + 1),
            ))
            .execute(conn)?,
    )
}

/// How many users have one of these emails.
pub fn count_users_with_email(conn: &mut DbConnection, emails: &[&str]) -> StoreResult<i64> {
    Ok(users::table
        .filter(users::email.eq_any(emails))
        .count()
        .get_result(conn)?)
}
