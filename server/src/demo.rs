//! Loading the demo data set and synthetic benchmark profiles into a database.
//!
//! The data itself is pure and lives in `domain::demo`; this module writes it.

use cdmx_sdk::types::CapabilityProfile;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::accounts::{self, OrganizationRow, UserRow};
use crate::db::profiles::{self, ProfileWrite};
use crate::db::schema::organizations;
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

fn organization(name: &str, kind: &str, verified: bool) -> OrganizationRow {
    let at = now();
    OrganizationRow {
        id: new_id(),
        name: name.to_owned(),
        kind: kind.to_owned(),
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
    let org = organization(name, "cdmo", verified);
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
        let org = organization(&sponsor.name, "sponsor", true);
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
            let user = UserRow::new(&organization_id, email, password_hash.to_owned(), "admin");
            accounts::insert_user(conn, &user)?;
        }
    }
    Ok(DemoLoaded {
        cdmos: cdmos.len(),
        sponsors: sponsors.len(),
    })
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
