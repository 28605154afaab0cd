//! Profile listing: the current unlisting of a profile (if any) and the history of every
//! unlisting and relisting. A change moves the profiles change counter in the same
//! transaction, so every server process's index drops (or takes back) the profile on
//! its next request.

use std::collections::HashMap;

use cdmx_sdk::types::{ListingEventKind, UnlistReason};
use chrono::NaiveDate;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::Keyset;
use super::columns::IsoDate;
use super::schema::{
    capacity_blocks, cdmo_profiles, profile_listing_events, profile_unlistings, reservations,
    shortlists,
};
use super::{DbConnection, StoreResult, documents, new_id, profiles, transaction_lock};
use crate::domain::listing::{UnlistOutcome, UnlistTerms, Unlisting, unlist};

/// Serialises listing changes, so that two concurrent requests on one profile both see
/// the state the other left (PostgreSQL; SQLite's writers are serial already).
const LISTING_LOCK_KEY: i64 = 0x0c0d_0e0f_1157;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = profile_unlistings)]
pub struct UnlistingRow {
    pub profile_id: String,
    pub reason: UnlistReason,
    pub note: Option<String>,
    pub relist_on: Option<IsoDate>,
    pub unlisted_by: String,
    pub unlisted_at: NaiveDateTime,
}

impl UnlistingRow {
    pub fn unlisting(&self) -> Unlisting {
        Unlisting {
            terms: UnlistTerms {
                reason: self.reason,
                note: self.note.clone(),
                relist_on: self.relist_on.map(NaiveDate::from),
            },
            since: self.unlisted_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = profile_listing_events)]
pub struct ListingEventRow {
    pub id: String,
    pub profile_id: String,
    pub event: ListingEventKind,
    pub reason: Option<UnlistReason>,
    pub note: Option<String>,
    pub relist_on: Option<IsoDate>,
    pub actor: String,
    pub at: NaiveDateTime,
}

/// A profile's stored unlisting, lapsed or not.
pub fn find_unlisting(conn: &mut DbConnection, profile_id: &str) -> StoreResult<Option<Unlisting>> {
    Ok(profile_unlistings::table
        .find(profile_id)
        .first::<UnlistingRow>(conn)
        .optional()?
        .map(|row| row.unlisting()))
}

/// The stored unlistings of `profile_ids` (for the index), by profile.
pub fn unlistings_of(
    conn: &mut DbConnection,
    profile_ids: &[String],
) -> StoreResult<HashMap<String, Unlisting>> {
    let mut found = HashMap::new();
    // Bounded IN lists: SQLite limits the number of bound parameters.
    for chunk in profile_ids.chunks(500) {
        let rows: Vec<UnlistingRow> = profile_unlistings::table
            .filter(profile_unlistings::profile_id.eq_any(chunk.to_vec()))
            .load(conn)?;
        found.extend(
            rows.into_iter()
                .map(|r| (r.profile_id.clone(), r.unlisting())),
        );
    }
    Ok(found)
}

/// What an unlisting request left in force, and whether it changed anything (a repeat on
/// the same terms does not, and is not announced).
#[derive(Debug)]
pub struct Unlisted {
    pub unlisting: Unlisting,
    pub changed: bool,
}

/// Unlists a profile on `terms` (or changes the terms of its unlisting), recording the
/// event, unless it is already unlisted on exactly these terms.
pub fn unlist_profile(
    conn: &mut DbConnection,
    profile_id: &str,
    terms: &UnlistTerms,
    actor: &str,
    today: NaiveDate,
) -> StoreResult<Unlisted> {
    transaction_lock(conn, LISTING_LOCK_KEY)?;
    let current = find_unlisting(conn, profile_id)?;
    let at = super::now();
    let since = match unlist(current.as_ref(), terms, today, at.and_utc()) {
        UnlistOutcome::Unchanged => {
            return Ok(Unlisted {
                unlisting: Unlisting {
                    terms: terms.clone(),
                    since: current.map_or(at.and_utc(), |c| c.since),
                },
                changed: false,
            });
        }
        UnlistOutcome::Record { since } => since.naive_utc(),
    };
    let row = UnlistingRow {
        profile_id: profile_id.to_owned(),
        reason: terms.reason,
        note: terms.note.clone(),
        relist_on: terms.relist_on.map(IsoDate),
        unlisted_by: actor.to_owned(),
        unlisted_at: since,
    };
    diesel::delete(profile_unlistings::table.find(profile_id)).execute(conn)?;
    diesel::insert_into(profile_unlistings::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(profile_listing_events::table)
        .values(ListingEventRow {
            id: new_id(),
            profile_id: profile_id.to_owned(),
            event: ListingEventKind::Unlisted,
            reason: Some(terms.reason),
            note: terms.note.clone(),
            relist_on: terms.relist_on.map(IsoDate),
            actor: actor.to_owned(),
            at,
        })
        .execute(conn)?;
    profiles::touch_profile(conn, profile_id)?;
    Ok(Unlisted {
        unlisting: row.unlisting(),
        changed: true,
    })
}

/// Relists a profile; true when it came back on the market. A profile on the market
/// (never unlisted, relisted already, or back on its relist day) stays as it is, and
/// nothing is recorded.
pub fn relist_profile(
    conn: &mut DbConnection,
    profile_id: &str,
    actor: &str,
    today: NaiveDate,
) -> StoreResult<bool> {
    transaction_lock(conn, LISTING_LOCK_KEY)?;
    let Some(current) = find_unlisting(conn, profile_id)? else {
        return Ok(false);
    };
    diesel::delete(profile_unlistings::table.find(profile_id)).execute(conn)?;
    if !current.in_force(today) {
        // Back on its relist day already: only the lapsed row goes.
        return Ok(false);
    }
    diesel::insert_into(profile_listing_events::table)
        .values(ListingEventRow {
            id: new_id(),
            profile_id: profile_id.to_owned(),
            event: ListingEventKind::Relisted,
            reason: None,
            note: None,
            relist_on: None,
            actor: actor.to_owned(),
            at: super::now(),
        })
        .execute(conn)?;
    profiles::touch_profile(conn, profile_id)?;
    Ok(true)
}

/// The profiles whose stored unlisting has lapsed by `today` (their relist day has
/// come), with their CDMOs, at most `limit`.
pub fn lapsed_unlistings(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    Ok(profile_unlistings::table
        .inner_join(cdmo_profiles::table.on(cdmo_profiles::id.eq(profile_unlistings::profile_id)))
        .filter(profile_unlistings::relist_on.le(IsoDate(today)))
        .select((
            profile_unlistings::profile_id,
            cdmo_profiles::organization_id,
        ))
        .order(profile_unlistings::profile_id)
        .limit(limit)
        .load(conn)?)
}

/// Drops the unlisting of `profile_id` if it has lapsed by `today`, as relisting it by
/// hand would (no history: the profile came back on the day it said), and marks the
/// profile changed so that every index reads it again; true when it did.
pub fn drop_lapsed_unlisting(
    conn: &mut DbConnection,
    profile_id: &str,
    today: NaiveDate,
) -> StoreResult<bool> {
    transaction_lock(conn, LISTING_LOCK_KEY)?;
    match find_unlisting(conn, profile_id)? {
        Some(current) if !current.in_force(today) => {
            diesel::delete(profile_unlistings::table.find(profile_id)).execute(conn)?;
            profiles::touch_profile(conn, profile_id)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// A profile's listing history, oldest first, a page at a time.
pub fn list_events(
    conn: &mut DbConnection,
    profile_id: &str,
    keyset: &Keyset,
) -> StoreResult<Vec<ListingEventRow>> {
    let mut query = profile_listing_events::table
        .filter(profile_listing_events::profile_id.eq(profile_id.to_owned()))
        .into_boxed();
    if let Some(after) = &keyset.after {
        query = query.filter(profile_listing_events::id.gt(after.clone()));
    }
    Ok(query
        .order(profile_listing_events::id)
        .limit(keyset.fetch)
        .load(conn)?)
}

/// Whether `organization_id` has dealings with a profile: a reservation on one of its
/// capacity blocks (in any state), or a saved shortlist that ranks it.
pub fn has_dealings(
    conn: &mut DbConnection,
    organization_id: &str,
    profile_id: &str,
) -> StoreResult<bool> {
    let reserved: i64 = reservations::table
        .inner_join(capacity_blocks::table)
        .filter(reservations::sponsor_organization_id.eq(organization_id))
        .filter(capacity_blocks::profile_id.eq(profile_id))
        .count()
        .get_result(conn)?;
    if reserved > 0 {
        return Ok(true);
    }
    // Ids are UUID text, which JSON stores as it is: the text match narrows the
    // shortlists to read, and reading them decides.
    let results: Vec<String> = shortlists::table
        .filter(shortlists::organization_id.eq(organization_id))
        .filter(shortlists::result.like(format!("%{profile_id}%")))
        .select(shortlists::result)
        .load(conn)?;
    for stored in results {
        match documents::decode_match_result(&stored) {
            Ok(result) => {
                if result.candidates.iter().any(|c| c.profile_id == profile_id) {
                    return Ok(true);
                }
            }
            Err(error) => {
                tracing::error!(%error, "a stored shortlist is unreadable; skipped");
            }
        }
    }
    Ok(false)
}
