//! Loading the demo data set and synthetic benchmark profiles into a database.
//!
//! The data itself is pure and lives in `domain::demo`; this module writes it.

use cdmx_sdk::types::{CapabilityProfile, OrganizationKind, Role};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::accounts::{self, OrganizationRow, UserRow};
use crate::db::profiles::{self, ProfileWrite};
use crate::db::schema::{organizations, users};
use crate::db::{Database, DbConnection, StoreError, StoreResult, new_id, now, write_transaction};
use crate::domain::demo::{demo_cdmos, demo_sponsors, synthetic_profile};
use crate::domain::profiles::ValidProfile;

/// Serialises demo loading when several processes start on one empty PostgreSQL.
const DEMO_LOCK_KEY: i64 = 0x0c0d_0e0f_6d79;

/// Who signs in to the demo.
pub const DEMO_SPONSOR_EMAIL: &str = "sponsor@demo.cdmx.example";
pub const DEMO_CDMO_EMAIL: &str = "cdmo@demo.cdmx.example";

/// What a demo load created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLoaded {
    pub cdmos: usize,
    pub sponsors: usize,
}

fn prepare(profile: CapabilityProfile) -> StoreResult<ProfileWrite> {
    let today = chrono::Utc::now().date_naive();
    let valid = ValidProfile::parse(profile, today).map_err(|violations| {
        let first = violations.into_iter().next();
        StoreError::Task(format!("generated profile is invalid: {first:?}"))
    })?;
    ProfileWrite::new(valid)
}

fn organization(name: &str, kind: OrganizationKind, verified: bool) -> OrganizationRow {
    let at = now();
    OrganizationRow {
        id: new_id(),
        name: name.to_owned(),
        kind,
        verified,
        verified_at: verified.then_some(at),
        verified_by: None,
        created_at: at,
    }
}

/// Inserts a CDMO organisation with its profile; returns the organisation id.
fn insert_cdmo(
    conn: &mut DbConnection,
    name: &str,
    verified: bool,
    profile: CapabilityProfile,
) -> StoreResult<String> {
    let write = prepare(profile)?;
    let org = organization(name, OrganizationKind::Cdmo, verified);
    diesel::insert_into(organizations::table)
        .values(&org)
        .execute(conn)?;
    profiles::create_profile(conn, &org.id, &write, "seed")?;
    Ok(org.id)
}

/// Whether the database has no organisation yet (cheap; the load re-checks under lock).
pub fn database_is_empty(db: &Database) -> StoreResult<bool> {
    is_empty(&mut *db.blocking_connection()?)
}

fn is_empty(conn: &mut DbConnection) -> StoreResult<bool> {
    let count: i64 = organizations::table.count().get_result(conn)?;
    Ok(count == 0)
}

/// Loads the demo data set if the database has no organisation at all; returns `None`
/// when it was not empty. Demo logins (a sponsor admin, and the admin of the first demo
/// CDMO) use `password_hash`.
pub fn load_if_empty(db: &Database, password_hash: &str) -> StoreResult<Option<DemoLoaded>> {
    let mut conn = db.blocking_connection()?;
    write_transaction(&mut conn, |c| {
        if let DbConnection::Postgresql(pg) = c {
            pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({DEMO_LOCK_KEY})"))?;
        }
        if !is_empty(c)? {
            return Ok(None);
        }
        load(c, password_hash).map(Some)
    })
}

/// Loads the demo data set (in the caller's transaction).
fn load(conn: &mut DbConnection, password_hash: &str) -> StoreResult<DemoLoaded> {
    let cdmos = demo_cdmos();
    let mut first_cdmo = None;
    for cdmo in &cdmos {
        let id = insert_cdmo(
            conn,
            &cdmo.organization_name,
            cdmo.verified,
            cdmo.profile.clone(),
        )?;
        first_cdmo.get_or_insert(id);
    }
    let sponsors = demo_sponsors();
    let mut first_sponsor = None;
    for sponsor in &sponsors {
        let org = organization(&sponsor.name, OrganizationKind::Sponsor, true);
        diesel::insert_into(organizations::table)
            .values(&org)
            .execute(conn)?;
        first_sponsor.get_or_insert(org.id);
    }
    for (organization_id, email) in [
        (first_sponsor, DEMO_SPONSOR_EMAIL),
        (first_cdmo, DEMO_CDMO_EMAIL),
    ] {
        if let Some(organization_id) = organization_id {
            let user = UserRow::new(
                &organization_id,
                email,
                password_hash.to_owned(),
                Role::Admin,
            );
            accounts::insert_user(conn, &user)?;
        }
    }
    Ok(DemoLoaded {
        cdmos: cdmos.len(),
        sponsors: sponsors.len(),
    })
}

/// Gives the demo logins a new password (hashed by the caller); returns how many demo
/// logins there were (0 when the database holds no demo data).
pub fn reset_password(db: &Database, password_hash: &str) -> StoreResult<usize> {
    let mut conn = db.blocking_connection()?;
    write_transaction(&mut conn, |c| {
        Ok(diesel::update(
            users::table.filter(users::email.eq_any([DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL])),
        )
        .set(users::password_hash.eq(password_hash))
        .execute(c)?)
    })
}

/// Whether the database holds the demo logins.
pub fn has_demo_logins(db: &Database) -> StoreResult<bool> {
    let mut conn = db.blocking_connection()?;
    let count: i64 = users::table
        .filter(users::email.eq_any([DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL]))
        .count()
        .get_result(&mut *conn)?;
    Ok(count > 0)
}

/// How to sign in as the demo sponsor and CDMO, as a request that works when pasted into
/// a shell: a `curl` per login, with the exact `TokenRequest` body.
pub fn sign_in_instructions(address: &str, password: &str) -> String {
    let mut text = format!(
        "Sign in as the demo sponsor or the demo CDMO (password {password}) in Swagger UI \
         (POST /v1/auth/token) or with:"
    );
    for email in [DEMO_SPONSOR_EMAIL, DEMO_CDMO_EMAIL] {
        text.push_str("\n  ");
        text.push_str(&token_request_curl(address, email, password));
    }
    text
}

/// `curl` for `POST /v1/auth/token` with the password grant.
pub fn token_request_curl(address: &str, email: &str, password: &str) -> String {
    let body = serde_json::to_string(&cdmx_sdk::types::TokenRequest::Password {
        email: email.to_owned(),
        password: password.to_owned(),
    })
    .unwrap_or_default();
    format!(
        "curl -s -X POST http://{address}/v1/auth/token -H 'content-type: application/json' \
         -d {}",
        shell_quote(&body)
    )
}

/// Single-quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Inserts `count` synthetic CDMOs (profiles `0..count` of the stream for `seed`), in
/// transactions of 500. Names carry the index, so a second run with other indexes adds
/// to the first.
pub fn seed_profiles(db: &Database, count: u64, seed: u64, first_index: u64) -> StoreResult<u64> {
    let mut conn = db.blocking_connection()?;
    let mut index = first_index;
    let end = first_index + count;
    while index < end {
        let batch_end = (index + 500).min(end);
        write_transaction(&mut conn, |c| {
            for i in index..batch_end {
                let profile = synthetic_profile(seed, i);
                let name = profile.organization.name.clone();
                // Roughly three in four verified, deterministically.
                insert_cdmo(c, &name, i % 4 != 3, profile)?;
            }
            Ok(())
        })?;
        index = batch_end;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::TokenRequest;

    /// What a POSIX shell makes of a single-quoted word (with `'\''` escapes).
    fn unquote(word: &str) -> String {
        word.trim_start_matches('\'')
            .trim_end_matches('\'')
            .replace(r"'\''", "'")
    }

    #[test]
    fn the_printed_curl_sends_a_token_request_that_parses() {
        for password in ["5f0c1d2e3f4a5b6c7d8e9f00", "it's \"quoted\" & spaced"] {
            let curl = token_request_curl("127.0.0.1:8080", DEMO_SPONSOR_EMAIL, password);
            assert!(curl.starts_with("curl -s -X POST http://127.0.0.1:8080/v1/auth/token "));
            assert!(
                curl.contains("-H 'content-type: application/json'"),
                "{curl}"
            );
            let (_, body) = curl.split_once(" -d ").unwrap();
            let request: TokenRequest =
                crate::api::extract::parse_json(unquote(body).as_bytes()).unwrap();
            assert_eq!(
                request,
                TokenRequest::Password {
                    email: DEMO_SPONSOR_EMAIL.into(),
                    password: password.into()
                }
            );
        }
        let text = sign_in_instructions("127.0.0.1:8080", "pw");
        assert!(text.contains(DEMO_SPONSOR_EMAIL) && text.contains(DEMO_CDMO_EMAIL));
        assert!(text.contains(r#""grant_type":"password""#), "{text}");
    }
}
