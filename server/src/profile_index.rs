//! The in-process index of current profiles, shared by search and matching.
//!
//! Requests never read every profile from the database. Each one first reads the
//! profiles change counter (one indexed row); when it moved, the index reloads only the
//! profiles changed since, so an edit made through another server process on the same
//! database is seen by the very next request here.
//!
//! Unlisted profiles stay in the index (capacity views still name their CDMO) but carry
//! their unlisting: search and matching take only [`Snapshot::listed`] profiles, judged
//! against the day, so a profile whose relist day has come is back without a write.
//! Unlisting and relisting move the change counter like any profile change.
//!
//! A profile whose stored document or evidence cannot be read is logged and left out of the index
//! (and counted, see [`ProfileIndex::skipped_unreadable`]): one bad row must not turn
//! every search and match into a 500.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use cdmx_sdk::types::{CapabilityProfile, CdmoSummary};
use chrono::{NaiveDate, NaiveDateTime};
use tokio::sync::Mutex;

use crate::db::documents;
use crate::db::listing;
use crate::db::profiles::{self, ChangedProfile, EvidenceRow, ProfileRow};
use crate::db::{Database, StoreError, StoreResult};
use crate::domain::listing::{Unlisting, is_listed};
use crate::domain::matching::{CdmoFeatures, ProfileIdentity};
use crate::domain::profiles::{
    SearchFacets, countries, donor_sources, max_phase, search_facets, section_confidence,
};

/// One profile at its current revision, ready for search and matching.
#[derive(Debug)]
pub struct IndexedProfile {
    pub summary: CdmoSummary,
    pub name_lower: String,
    pub updated_at: NaiveDateTime,
    pub facets: SearchFacets,
    pub features: CdmoFeatures,
    /// Its stored unlisting, lapsed or not.
    pub unlisting: Option<Unlisting>,
}

impl IndexedProfile {
    /// Whether the profile is on the market on `today`.
    pub fn is_listed(&self, today: NaiveDate) -> bool {
        is_listed(self.unlisting.as_ref(), today)
    }
}

/// An immutable view of every current profile.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The change counter this snapshot reflects.
    pub seq: i64,
    /// Confidence depends on evidence expiry: a snapshot is valid for one day.
    pub built_on: Option<NaiveDate>,
    by_id: HashMap<String, Arc<IndexedProfile>>,
    /// By (lower-case name, id).
    pub by_name: Vec<Arc<IndexedProfile>>,
    /// By (update time, id), most recent first.
    pub by_update: Vec<Arc<IndexedProfile>>,
    /// Profiles left out because their current document cannot be read.
    unreadable: BTreeSet<String>,
}

impl Snapshot {
    pub fn get(&self, profile_id: &str) -> Option<&Arc<IndexedProfile>> {
        self.by_id.get(profile_id)
    }

    /// The features of the profiles on the market on `today`: what new matches rank.
    pub fn listed_features(&self, today: NaiveDate) -> impl Iterator<Item = &CdmoFeatures> {
        self.by_name
            .iter()
            .filter(move |p| p.is_listed(today))
            .map(|p| &p.features)
    }

    /// Ids of the profiles left out because their stored document cannot be read.
    pub fn unreadable(&self) -> impl Iterator<Item = &str> {
        self.unreadable.iter().map(String::as_str)
    }
}

fn index_profile(
    row: ProfileRow,
    verified: bool,
    evidence: StoreResult<Vec<EvidenceRow>>,
    unlisting: Option<Unlisting>,
    today: NaiveDate,
) -> StoreResult<IndexedProfile> {
    let profile: CapabilityProfile = documents::decode_profile(&row.document)?;
    let facts: Vec<_> = evidence?.iter().map(EvidenceRow::fact).collect();
    let confidence = section_confidence(&facts, today);
    let revision = u32::try_from(row.current_revision).unwrap_or_default();
    let features = CdmoFeatures::new(
        ProfileIdentity {
            profile_id: row.id.clone(),
            organization_id: row.organization_id.clone(),
            revision,
            verified,
        },
        &profile,
        confidence,
    );
    Ok(IndexedProfile {
        summary: CdmoSummary {
            id: row.id,
            organization_id: row.organization_id,
            name: profile.organization.name.clone(),
            cdmo_type: profile.organization.cdmo_type,
            organization_verified: verified,
            countries: countries(&profile),
            donor_sources: donor_sources(&profile),
            modalities: profile.modalities.clone(),
            max_phase: max_phase(&profile),
            revision,
            updated_at: row.updated_at.and_utc(),
        },
        name_lower: profile.organization.name.to_lowercase(),
        updated_at: row.updated_at,
        facets: search_facets(&profile),
        features,
        unlisting,
    })
}

/// The shared index. Cheap to read; refreshed on demand, one refresh at a time.
#[derive(Default)]
pub struct ProfileIndex {
    current: RwLock<Arc<Snapshot>>,
    refreshing: Mutex<()>,
    /// How long the last refresh took, in microseconds (for metrics).
    last_refresh_micros: AtomicU64,
}

/// The index as metrics report it.
#[derive(Debug, Clone, Copy)]
pub struct IndexStats {
    pub profiles: usize,
    /// The change counter the index reflects.
    pub seq: i64,
    /// How long the last refresh took (`None` before the first).
    pub last_refresh: Option<std::time::Duration>,
}

impl ProfileIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many profiles the current snapshot leaves out because their stored document
    /// cannot be read (each is logged when found). Zero on a healthy database.
    pub fn skipped_unreadable(&self) -> usize {
        self.snapshot().unreadable.len()
    }

    pub fn stats(&self) -> IndexStats {
        let snapshot = self.snapshot();
        let micros = self.last_refresh_micros.load(Ordering::Relaxed);
        IndexStats {
            profiles: snapshot.by_id.len(),
            seq: snapshot.seq,
            last_refresh: (snapshot.built_on.is_some())
                .then(|| std::time::Duration::from_micros(micros)),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The current snapshot, refreshed first if the database moved on (or the day
    /// changed). Costs one counter read when nothing changed.
    pub async fn current(&self, db: &Database) -> StoreResult<Arc<Snapshot>> {
        let today = chrono::Utc::now().date_naive();
        let counter = db.run(profiles::change_counter).await?;
        let snapshot = self.snapshot();
        if snapshot.seq == counter && snapshot.built_on == Some(today) {
            return Ok(snapshot);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // Another request may have refreshed while this one waited.
        let snapshot = self.snapshot();
        if snapshot.seq >= counter && snapshot.built_on == Some(today) {
            return Ok(snapshot);
        }
        let started = std::time::Instant::now();
        let since = if snapshot.built_on == Some(today) {
            snapshot.seq
        } else {
            0
        };
        // Read the counter before the rows: every change numbered up to it is then
        // included, and later ones are picked up by the next refresh.
        let (seq, changed, mut unlistings) = db
            .run(move |c| {
                let seq = profiles::change_counter(c)?;
                let changed = profiles::changed_since(c, since)?;
                let ids: Vec<String> = changed.iter().map(|p| p.row.id.clone()).collect();
                let unlistings = listing::unlistings_of(c, &ids)?;
                Ok((seq, changed, unlistings))
            })
            .await?;
        let next = tokio::task::spawn_blocking(move || -> StoreResult<Snapshot> {
            let (mut by_id, mut unreadable) = if since == 0 {
                (HashMap::new(), BTreeSet::new())
            } else {
                (snapshot.by_id.clone(), snapshot.unreadable.clone())
            };
            for ChangedProfile {
                row,
                verified,
                evidence,
            } in changed
            {
                let profile_id = row.id.clone();
                let unlisting = unlistings.remove(&profile_id);
                match index_profile(row, verified, evidence, unlisting, today) {
                    Ok(indexed) => {
                        unreadable.remove(&profile_id);
                        by_id.insert(profile_id, Arc::new(indexed));
                    }
                    Err(error) => {
                        // Not the revision indexed before either: that one is no longer
                        // current, and would be served with the wrong revision number.
                        let error = crate::error::Chain(&error).to_string();
                        tracing::error!(
                            %profile_id, %error,
                            "stored profile unreadable; left out of search and matching"
                        );
                        by_id.remove(&profile_id);
                        unreadable.insert(profile_id);
                    }
                }
            }
            let mut by_name: Vec<_> = by_id.values().cloned().collect();
            by_name.sort_by(|a, b| {
                (&a.name_lower, &a.summary.id).cmp(&(&b.name_lower, &b.summary.id))
            });
            let mut by_update = by_name.clone();
            by_update
                .sort_by(|a, b| (b.updated_at, &b.summary.id).cmp(&(a.updated_at, &a.summary.id)));
            Ok(Snapshot {
                seq,
                built_on: Some(today),
                by_id,
                by_name,
                by_update,
                unreadable,
            })
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        let next = Arc::new(next);
        self.last_refresh_micros.store(
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        match self.current.write() {
            Ok(mut guard) => *guard = next.clone(),
            Err(poisoned) => *poisoned.into_inner() = next.clone(),
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::cdmo_profiles;
    use crate::db::write_transaction;

    /// Replaces a profile's current document with `text`, as a bad write or a bad
    /// migration would, and marks it changed.
    fn overwrite_document(db: &Database, profile_id: &str, text: &str) {
        let mut conn = db.blocking_connection().unwrap();
        write_transaction(&mut conn, |c| {
            diesel::update(cdmo_profiles::table.find(profile_id))
                .set(cdmo_profiles::document.eq(text))
                .execute(c)?;
            profiles::touch_profile(c, profile_id)
        })
        .unwrap();
    }

    #[tokio::test]
    async fn unreadable_profiles_are_skipped_counted_and_picked_up_again_when_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&url, 2).unwrap();
        let loaded = crate::app::demo::load_if_empty(&db, "not-a-password-hash")
            .unwrap()
            .unwrap();
        let index = ProfileIndex::new();
        let snapshot = index.current(&db).await.unwrap();
        assert_eq!(snapshot.by_name.len(), loaded.cdmos);
        assert_eq!(index.skipped_unreadable(), 0);

        let victim = snapshot.by_name[0].summary.id.clone();
        let good: String = {
            let mut conn = db.blocking_connection().unwrap();
            cdmo_profiles::table
                .find(&victim)
                .select(cdmo_profiles::document)
                .first(&mut *conn)
                .unwrap()
        };
        overwrite_document(
            &db,
            &victim,
            r#"{"format":1,"kind":"profile","document":{"organization":3}}"#,
        );

        // The incremental refresh drops it; the others are still served.
        let snapshot = index.current(&db).await.unwrap();
        assert_eq!(snapshot.by_name.len(), loaded.cdmos - 1);
        assert!(snapshot.get(&victim).is_none());
        assert_eq!(index.skipped_unreadable(), 1);
        assert_eq!(snapshot.unreadable().collect::<Vec<_>>(), [victim.as_str()]);

        // So does a full build (a new process, or the next day).
        let fresh = ProfileIndex::new();
        assert_eq!(
            fresh.current(&db).await.unwrap().by_name.len(),
            loaded.cdmos - 1
        );
        assert_eq!(fresh.skipped_unreadable(), 1);

        overwrite_document(&db, &victim, &good);
        let snapshot = index.current(&db).await.unwrap();
        assert_eq!(snapshot.by_name.len(), loaded.cdmos);
        assert!(snapshot.get(&victim).is_some());
        assert_eq!(index.skipped_unreadable(), 0);
    }
}
