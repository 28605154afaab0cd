//! Capability profiles: rows, revisions, evidence, and the change counter that keeps
//! in-process indexes current.

use cdmx_sdk::types::{EvidenceKind, ProfileSection};
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use serde_json::Value;

use super::columns::IsoDate;
use super::documents;
use super::schema::{
    cdmo_profile_revisions, cdmo_profiles, change_counters, organizations, profile_evidence,
};
use super::{DbConnection, StoreError, StoreResult, new_id, now};
use crate::domain::profiles::{ValidProfile, fact_changed};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = cdmo_profiles)]
pub struct ProfileRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub current_revision: i32,
    pub document: String,
    pub change_seq: i64,
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
    pub section: ProfileSection,
    pub kind: EvidenceKind,
    pub reference: String,
    pub url: Option<String>,
    pub expires_on: Option<IsoDate>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_reset_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

impl EvidenceRow {
    /// What section confidence is computed from: the section it backs, whether it is
    /// verified, and when it expires.
    pub fn fact(&self) -> (ProfileSection, bool, Option<NaiveDate>) {
        (
            self.section,
            self.verified_at.is_some(),
            self.expires_on.map(NaiveDate::from),
        )
    }
}

/// A profile document ready to store. Only a validated profile can become one.
#[derive(Debug, Clone)]
pub struct ProfileWrite {
    name: String,
    /// The profile as API JSON, to compare evidence facts with the revision before.
    facts: Value,
    /// The stored text (see [`documents`]).
    document: String,
}

impl ProfileWrite {
    pub fn new(profile: ValidProfile) -> StoreResult<Self> {
        let profile = profile.into_profile();
        Ok(Self {
            name: profile.organization.name.clone(),
            facts: serde_json::to_value(&profile).map_err(|e| StoreError::Task(e.to_string()))?,
            document: documents::encode_profile(&profile)?,
        })
    }
}

/// A profile with its organisation's verification flag.
pub type ProfileWithVerification = (ProfileRow, bool);

/// Takes the next number of the profiles change counter. The counter's row stays locked
/// until the transaction ends, so numbers are handed out in commit order.
fn next_change_seq(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(diesel::update(change_counters::table.find("profiles"))
        .set(change_counters::value.eq(change_counters::value + 1))
        .returning(change_counters::value)
        .get_result(conn)?)
}

/// The profiles change counter: every profile change numbered at or below it is visible.
pub fn change_counter(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(change_counters::table
        .find("profiles")
        .select(change_counters::value)
        .first(conn)?)
}

/// Marks a profile changed (its evidence or its organisation's verification changed).
pub fn touch_profile(conn: &mut DbConnection, profile_id: &str) -> StoreResult<()> {
    let seq = next_change_seq(conn)?;
    diesel::update(cdmo_profiles::table.find(profile_id))
        .set(cdmo_profiles::change_seq.eq(seq))
        .execute(conn)?;
    Ok(())
}

/// Marks an organisation's profile (if any) changed.
pub fn touch_organization_profile(
    conn: &mut DbConnection,
    organization_id: &str,
) -> StoreResult<()> {
    let profile: Option<String> = cdmo_profiles::table
        .filter(cdmo_profiles::organization_id.eq(organization_id))
        .select(cdmo_profiles::id)
        .first(conn)
        .optional()?;
    match profile {
        Some(id) => touch_profile(conn, &id),
        None => Ok(()),
    }
}

/// A changed profile, as the in-process index refreshes it.
pub struct ChangedProfile {
    pub row: ProfileRow,
    /// Its organisation's verification.
    pub verified: bool,
    /// Its evidence, or why it cannot be read (a stored value this release does not
    /// know): for the caller to skip this profile, while one corrupt row does not fail
    /// every other profile's refresh.
    pub evidence: StoreResult<Vec<EvidenceRow>>,
}

/// A page of profiles changed after a change number, with their organisations'
/// verification and evidence, and the change number the next page starts after
/// (`None` after the last page). Paged, so that reading a whole catalogue (a first
/// index build: a million stored documents are gigabytes of text) holds one page of
/// documents at a time. A page never splits the profiles of one change number.
pub fn changed_since(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> StoreResult<(Vec<ChangedProfile>, Option<i64>)> {
    let changed = || {
        cdmo_profiles::table
            .inner_join(organizations::table)
            .select((cdmo_profiles::all_columns, organizations::verified))
    };
    // Ordered by the change number alone, so that the index on it answers the page
    // without a sort.
    let mut rows: Vec<ProfileWithVerification> = changed()
        .filter(cdmo_profiles::change_seq.gt(after))
        .order(cdmo_profiles::change_seq)
        .limit(limit)
        .load(conn)?;
    let next = match rows.last() {
        Some((last, _)) if rows.len() as i64 == limit => Some(last.change_seq),
        _ => None,
    };
    if let Some(last) = next {
        // All of the last change number's profiles, whether or not the limit cut them.
        rows.retain(|(row, _)| row.change_seq != last);
        rows.extend(
            changed()
                .filter(cdmo_profiles::change_seq.eq(last))
                .load::<ProfileWithVerification>(conn)?,
        );
    }
    Ok((with_evidence(conn, rows)?, next))
}

/// The current state of the profiles `ids` (those that exist), as [`changed_since`] gives
/// it: for the index to reload profiles whose evidence expired.
pub fn current_profiles(
    conn: &mut DbConnection,
    ids: &[String],
) -> StoreResult<Vec<ChangedProfile>> {
    let mut rows: Vec<ProfileWithVerification> = Vec::new();
    // Bounded IN lists: SQLite limits the number of bound parameters.
    for chunk in ids.chunks(500) {
        rows.extend(
            cdmo_profiles::table
                .inner_join(organizations::table)
                .filter(cdmo_profiles::id.eq_any(chunk))
                .select((cdmo_profiles::all_columns, organizations::verified))
                .load::<ProfileWithVerification>(conn)?,
        );
    }
    with_evidence(conn, rows)
}

fn with_evidence(
    conn: &mut DbConnection,
    rows: Vec<ProfileWithVerification>,
) -> StoreResult<Vec<ChangedProfile>> {
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let mut by_profile: HashMap<String, StoreResult<Vec<EvidenceRow>>> = HashMap::new();
    // Bounded IN lists: SQLite limits the number of bound parameters.
    for chunk in ids.chunks(500) {
        let loaded = profile_evidence::table
            .filter(profile_evidence::profile_id.eq_any(chunk.to_vec()))
            .order(profile_evidence::id)
            .load::<EvidenceRow>(conn);
        match loaded {
            Ok(evidence) => {
                for e in evidence {
                    if let Ok(list) = by_profile
                        .entry(e.profile_id.clone())
                        .or_insert_with(|| Ok(Vec::new()))
                    {
                        list.push(e);
                    }
                }
            }
            // Some row of the chunk is unreadable: find whose, profile by profile.
            Err(DieselError::DeserializationError(_)) => {
                for id in chunk {
                    by_profile.insert(id.clone(), list_evidence(conn, id));
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(rows
        .into_iter()
        .map(|(row, verified)| {
            let evidence = by_profile.remove(&row.id).unwrap_or(Ok(Vec::new()));
            ChangedProfile {
                row,
                verified,
                evidence,
            }
        })
        .collect())
}

/// Creates an organisation's profile at revision 1. One profile per organisation.
pub fn create_profile(
    conn: &mut DbConnection,
    organization_id: &str,
    write: &ProfileWrite,
    created_by: &str,
) -> StoreResult<ProfileRow> {
    create_profile_with_id(conn, &new_id(), organization_id, write, created_by)
}

/// [`create_profile`] under an id the caller chose (the demo data's fixed ids).
pub fn create_profile_with_id(
    conn: &mut DbConnection,
    id: &str,
    organization_id: &str,
    write: &ProfileWrite,
    created_by: &str,
) -> StoreResult<ProfileRow> {
    let at = now();
    let document = write.document.clone();
    let row = ProfileRow {
        id: id.to_owned(),
        organization_id: organization_id.to_owned(),
        name: write.name.clone(),
        current_revision: 1,
        document: document.clone(),
        change_seq: next_change_seq(conn)?,
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
    let document = write.document.clone();
    let next = expected_revision + 1;
    let seq = next_change_seq(conn)?;
    let updated = diesel::update(
        cdmo_profiles::table
            .filter(cdmo_profiles::id.eq(profile_id))
            .filter(cdmo_profiles::current_revision.eq(expected_revision)),
    )
    .set((
        cdmo_profiles::current_revision.eq(next),
        cdmo_profiles::document.eq(&document),
        cdmo_profiles::name.eq(&write.name),
        cdmo_profiles::change_seq.eq(seq),
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

    // An unreadable revision before counts as every fact changed: its verifications lapse.
    let before = documents::decode_profile_json(&current.document).unwrap_or_else(|error| {
        tracing::error!(profile_id, %error, "the revision being replaced is unreadable");
        Value::Null
    });
    let verified: Vec<EvidenceRow> = profile_evidence::table
        .filter(profile_evidence::profile_id.eq(profile_id))
        .filter(profile_evidence::verified_at.is_not_null())
        .load(conn)?;
    for evidence in verified {
        if fact_changed(&before, &write.facts, &evidence.subject) {
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

pub fn insert_evidence(conn: &mut DbConnection, row: &EvidenceRow) -> StoreResult<()> {
    diesel::insert_into(profile_evidence::table)
        .values(row)
        .execute(conn)?;
    touch_profile(conn, &row.profile_id)
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
    profile_id: &str,
    id: &str,
    verified_by: &str,
) -> StoreResult<()> {
    diesel::update(profile_evidence::table.find(id))
        .set((
            profile_evidence::verified_at.eq(Some(now())),
            profile_evidence::verified_by.eq(Some(verified_by)),
        ))
        .execute(conn)?;
    touch_profile(conn, profile_id)
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
    touch_profile(conn, profile_id)
}
