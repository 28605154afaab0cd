//! The in-process index of current profiles, shared by search and matching.
//!
//! Requests never read every profile from the database. Each one first reads the
//! profiles change counter (one indexed row); when it moved, the index reloads only the
//! profiles changed since, so an edit made through another server process on the same
//! database is seen by the very next request here.
//!
//! The index is updated in place, profile by profile: a change to one profile costs work
//! proportional to that profile plus O(log n) for the ordered views, never a copy or a
//! re-sort of the catalogue. Readers run under a read lock for one search page or one
//! matching scan; [`ProfileIndex::read`] takes a closure, so no lock is held across an
//! await.
//!
//! What matching reads for every profile sits in one array of fixed-size slots
//! ([`ScanFeatures`] and the listing), so that a scan reads a few cache lines per profile;
//! the rest of each profile sits behind a pointer, read only by what needs it.
//!
//! Nothing is rebuilt when the day changes. Listing is judged against the day at read
//! time. Evidence confidence depends on evidence expiry: each profile records the day its
//! confidence next changes, and from that day the refresh reloads those profiles only.
//!
//! Unlisted profiles stay in the index (capacity views still name their CDMO) but carry
//! their unlisting: search and matching take only listed profiles, judged against the day,
//! so a profile whose relist day has come is back without a write. Unlisting and
//! relisting move the change counter like any profile change.
//!
//! A profile whose stored document or evidence cannot be read is logged and left out of the index
//! (and counted, see [`ProfileIndex::skipped_unreadable`]): one bad row must not turn
//! every search and match into a 500.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cdmx_sdk::types::{CapabilityProfile, CdmoSummary};
use chrono::{NaiveDate, NaiveDateTime};
use tokio::sync::Mutex;

use crate::db::documents;
use crate::db::listing;
use crate::db::profiles::{self, ChangedProfile, EvidenceRow, ProfileRow};
use crate::db::{Database, DbConnection, StoreResult};
use crate::domain::listing::{Unlisting, is_listed};
use crate::domain::matching::{CdmoFeatures, ProfileIdentity, ScanFeatures};
use crate::domain::profiles::{
    SearchFacets, confidence_changes_on, countries, donor_sources, max_phase, search_facets,
    section_confidence,
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
    /// The first day its evidence confidence differs from the indexed one (an evidence
    /// item has expired), if any.
    confidence_changes_on: Option<NaiveDate>,
}

impl IndexedProfile {
    /// Whether the profile is on the market on `today`.
    pub fn is_listed(&self, today: NaiveDate) -> bool {
        is_listed(self.unlisting.as_ref(), today)
    }

    /// The first day it is on the market ([`NaiveDate::MIN`] when it is not unlisted,
    /// [`NaiveDate::MAX`] when unlisted for good): [`Self::is_listed`] as one comparison.
    fn listed_from(&self) -> NaiveDate {
        self.unlisting.as_ref().map_or(NaiveDate::MIN, |u| {
            u.terms.relist_on.unwrap_or(NaiveDate::MAX)
        })
    }
}

/// One slot of the scan array: a profile's scan features and listing, or a vacant slot
/// (never listed).
#[derive(Debug, Clone, Copy)]
struct ScanSlot {
    listed_from: NaiveDate,
    scan: ScanFeatures,
}

/// A profile in the by-name view (lower-case name, then id), or a position in it.
#[derive(Debug)]
enum ByName {
    Profile(Arc<IndexedProfile>),
    Position(String, String),
}

impl ByName {
    fn parts(&self) -> (&str, &str) {
        match self {
            Self::Profile(p) => (&p.name_lower, &p.summary.id),
            Self::Position(name, id) => (name, id),
        }
    }
}

/// A profile in the by-update view (most recent first, then id, descending), or a
/// position in it.
#[derive(Debug)]
enum ByUpdate {
    Profile(Arc<IndexedProfile>),
    Position(NaiveDateTime, String),
}

impl ByUpdate {
    fn parts(&self) -> (NaiveDateTime, &str) {
        match self {
            Self::Profile(p) => (p.updated_at, &p.summary.id),
            Self::Position(at, id) => (*at, id),
        }
    }
}

macro_rules! ordered_by {
    ($view:ty, |$a:ident, $b:ident| $order:expr) => {
        impl Ord for $view {
            fn cmp(&self, other: &Self) -> Ordering {
                let ($a, $b) = (self.parts(), other.parts());
                $order
            }
        }
        impl PartialOrd for $view {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl PartialEq for $view {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other).is_eq()
            }
        }
        impl Eq for $view {}
    };
}

ordered_by!(ByName, |a, b| a.cmp(&b));
ordered_by!(ByUpdate, |a, b| b.cmp(&a));

/// Where a search page starts: a view, and the position in it the page follows
/// (`None`: from the first).
#[derive(Debug, Clone, PartialEq)]
pub enum SearchFrom {
    /// By (lower-case name, id).
    Name(Option<(String, String)>),
    /// By (update time, id), most recent first.
    Updated(Option<(NaiveDateTime, String)>),
}

/// The profiles as the index holds them.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// The change counter the catalogue reflects.
    pub seq: i64,
    /// The day evidence confidence was last brought up to date for.
    confidence_day: Option<NaiveDate>,
    /// Each indexed profile's slot in `slots` and `profiles`.
    slot_of: HashMap<String, usize>,
    slots: Vec<ScanSlot>,
    profiles: Vec<Option<Arc<IndexedProfile>>>,
    vacant: Vec<usize>,
    by_name: BTreeSet<ByName>,
    by_update: BTreeSet<ByUpdate>,
    /// (day its confidence next changes, profile id).
    confidence_changes: BTreeSet<(NaiveDate, String)>,
    /// Profiles left out because their current document cannot be read.
    unreadable: BTreeSet<String>,
}

impl Catalogue {
    pub fn get(&self, profile_id: &str) -> Option<&Arc<IndexedProfile>> {
        let slot = *self.slot_of.get(profile_id)?;
        self.profiles.get(slot)?.as_ref()
    }

    /// How many profiles are indexed (listed or not).
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// The profiles on the market on `today`, as the matching engine scans them, in no
    /// particular order (matching orders by score and id, never by position).
    pub fn listed_features(
        &self,
        today: NaiveDate,
    ) -> impl Iterator<Item = (&ScanFeatures, &CdmoFeatures)> {
        self.slots
            .iter()
            .zip(&self.profiles)
            .filter(move |(slot, _)| slot.listed_from <= today)
            .filter_map(|(slot, profile)| Some((&slot.scan, &profile.as_deref()?.features)))
    }

    /// The profiles in the order `from` names, after its position.
    pub fn search_from(
        &self,
        from: SearchFrom,
    ) -> Box<dyn Iterator<Item = &Arc<IndexedProfile>> + '_> {
        match from {
            SearchFrom::Name(after) => {
                let start = after.map_or(Bound::Unbounded, |(name, id)| {
                    Bound::Excluded(ByName::Position(name, id))
                });
                Box::new(self.by_name.range((start, Bound::Unbounded)).filter_map(
                    |key| match key {
                        ByName::Profile(p) => Some(p),
                        ByName::Position(..) => None,
                    },
                ))
            }
            SearchFrom::Updated(after) => {
                let start = after.map_or(Bound::Unbounded, |(at, id)| {
                    Bound::Excluded(ByUpdate::Position(at, id))
                });
                Box::new(self.by_update.range((start, Bound::Unbounded)).filter_map(
                    |key| match key {
                        ByUpdate::Profile(p) => Some(p),
                        ByUpdate::Position(..) => None,
                    },
                ))
            }
        }
    }

    /// Ids of the profiles left out because their stored document cannot be read.
    pub fn unreadable(&self) -> impl Iterator<Item = &str> {
        self.unreadable.iter().map(String::as_str)
    }

    /// Indexes `profile`, replacing the revision indexed before.
    fn put(&mut self, profile: IndexedProfile) {
        let profile = Arc::new(profile);
        let id = profile.summary.id.clone();
        self.unreadable.remove(&id);
        let slot = match self.slot_of.get(&id) {
            Some(&slot) => {
                self.unlink(slot);
                slot
            }
            None => {
                let slot = self.vacant.pop().unwrap_or_else(|| {
                    self.profiles.push(None);
                    self.slots.push(VACANT);
                    self.profiles.len() - 1
                });
                self.slot_of.insert(id.clone(), slot);
                slot
            }
        };
        self.slots[slot] = ScanSlot {
            listed_from: profile.listed_from(),
            scan: ScanFeatures::of(&profile.features),
        };
        self.by_name.insert(ByName::Profile(profile.clone()));
        self.by_update.insert(ByUpdate::Profile(profile.clone()));
        if let Some(day) = profile.confidence_changes_on {
            self.confidence_changes.insert((day, id));
        }
        self.profiles[slot] = Some(profile);
    }

    /// Leaves a profile out (its current document cannot be read).
    fn leave_out(&mut self, profile_id: String) {
        if let Some(slot) = self.slot_of.remove(&profile_id) {
            self.unlink(slot);
            self.slots[slot] = VACANT;
            self.profiles[slot] = None;
            self.vacant.push(slot);
        }
        self.unreadable.insert(profile_id);
    }

    /// Takes the profile in `slot` out of the ordered views.
    fn unlink(&mut self, slot: usize) {
        if let Some(old) = self.profiles[slot].clone() {
            self.by_name.remove(&ByName::Profile(old.clone()));
            self.by_update.remove(&ByUpdate::Profile(old.clone()));
            if let Some(day) = old.confidence_changes_on {
                self.confidence_changes
                    .remove(&(day, old.summary.id.clone()));
            }
        }
    }

    /// Profiles whose evidence confidence changed by `today`.
    fn confidence_due(&self, today: NaiveDate) -> Vec<String> {
        self.confidence_changes
            .range(..(today.succ_opt().unwrap_or(NaiveDate::MAX), String::new()))
            .map(|(_, id)| id.clone())
            .collect()
    }
}

const VACANT: ScanSlot = ScanSlot {
    listed_from: NaiveDate::MAX,
    scan: ScanFeatures::VACANT,
};

/// Profiles read per page by a refresh.
const REFRESH_PAGE: i64 = 1_000;

/// Indexes a page of profiles read for a refresh, each with its unlisting: the indexed
/// profile or why it could not be read, by profile id.
fn index_page(
    conn: &mut DbConnection,
    page: Vec<ChangedProfile>,
    today: NaiveDate,
) -> StoreResult<Vec<(String, StoreResult<IndexedProfile>)>> {
    let ids: Vec<String> = page.iter().map(|p| p.row.id.clone()).collect();
    let mut unlistings = listing::unlistings_of(conn, &ids)?;
    Ok(page
        .into_iter()
        .map(
            |ChangedProfile {
                 row,
                 verified,
                 evidence,
             }| {
                let profile_id = row.id.clone();
                let unlisting = unlistings.remove(&profile_id);
                let indexed = index_profile(row, verified, evidence, unlisting, today);
                (profile_id, indexed)
            },
        )
        .collect())
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
        confidence_changes_on: confidence_changes_on(&facts, today),
    })
}

/// The shared index. Read under a lock for one page or one scan; refreshed on demand, one
/// refresh at a time.
#[derive(Default)]
pub struct ProfileIndex {
    catalogue: RwLock<Catalogue>,
    refreshing: Mutex<()>,
    /// How long the last refresh took, in microseconds (for metrics).
    last_refresh_micros: AtomicU64,
    /// How many profiles the last refresh (re)indexed.
    last_refresh_profiles: AtomicU64,
}

/// The index as metrics report it.
#[derive(Debug, Clone, Copy)]
pub struct IndexStats {
    pub profiles: usize,
    /// The change counter the index reflects.
    pub seq: i64,
    /// How long the last refresh took (`None` before the first).
    pub last_refresh: Option<std::time::Duration>,
    /// How many profiles the last refresh (re)indexed: the changed ones, never the
    /// catalogue (except on the first).
    pub last_refresh_profiles: u64,
}

impl ProfileIndex {
    pub fn new() -> Self {
        Self::default()
    }

    fn read_lock(&self) -> RwLockReadGuard<'_, Catalogue> {
        self.catalogue
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, Catalogue> {
        self.catalogue
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many profiles the index leaves out because their stored document cannot be
    /// read (each is logged when found). Zero on a healthy database.
    pub fn skipped_unreadable(&self) -> usize {
        self.read_lock().unreadable.len()
    }

    pub fn stats(&self) -> IndexStats {
        let catalogue = self.read_lock();
        let micros = self.last_refresh_micros.load(AtomicOrdering::Relaxed);
        IndexStats {
            profiles: catalogue.len(),
            seq: catalogue.seq,
            last_refresh: (catalogue.confidence_day.is_some())
                .then(|| std::time::Duration::from_micros(micros)),
            last_refresh_profiles: self.last_refresh_profiles.load(AtomicOrdering::Relaxed),
        }
    }

    /// Runs `read` on the index as it is, without looking for changes (for readers that
    /// know it is fresh enough, see [`crate::profile_reads::IndexFreshness`]).
    pub fn read_as_is<T>(&self, read: impl FnOnce(&Catalogue) -> T) -> T {
        read(&self.read_lock())
    }

    /// Brings the index up to date with the database (one counter read when nothing
    /// changed), then runs `read` on it under the read lock.
    pub async fn read<T>(
        &self,
        db: &Database,
        read: impl FnOnce(&Catalogue) -> T,
    ) -> StoreResult<T> {
        self.refresh(db, chrono::Utc::now().date_naive()).await?;
        Ok(read(&self.read_lock()))
    }

    /// Brings the index up to date as of `today`: profiles changed since the last
    /// refresh, and those whose evidence confidence changed by `today`.
    async fn refresh(&self, db: &Database, today: NaiveDate) -> StoreResult<()> {
        let counter = db.run(profiles::change_counter).await?;
        let fresh = |c: &Catalogue| c.seq >= counter && c.confidence_day == Some(today);
        if fresh(&self.read_lock()) {
            return Ok(());
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // Another request may have refreshed while this one waited.
        let (since, due) = {
            let catalogue = self.read_lock();
            if fresh(&catalogue) {
                return Ok(());
            }
            let due = if catalogue.confidence_day == Some(today) {
                Vec::new()
            } else {
                catalogue.confidence_due(today)
            };
            (catalogue.seq, due)
        };
        let started = std::time::Instant::now();
        // Read the counter before the rows: every change numbered up to it is then
        // included, and later ones are picked up by the next refresh. Page by page,
        // each indexed before the next is read: only one page of stored documents is
        // in memory at a time (on a blocking thread, as every database call).
        let (seq, indexed) = db
            .run(move |c| {
                let seq = profiles::change_counter(c)?;
                let mut indexed = Vec::new();
                let mut reloaded = BTreeSet::new();
                let mut after = Some(since);
                while let Some(since) = after {
                    let (page, next) = profiles::changed_since(c, since, REFRESH_PAGE)?;
                    if !due.is_empty() {
                        reloaded.extend(page.iter().map(|p| p.row.id.clone()));
                    }
                    indexed.extend(index_page(c, page, today)?);
                    after = next;
                }
                let due: Vec<String> = due
                    .into_iter()
                    .filter(|id| !reloaded.contains(id))
                    .collect();
                for ids in due.chunks(REFRESH_PAGE as usize) {
                    let page = profiles::current_profiles(c, ids)?;
                    indexed.extend(index_page(c, page, today)?);
                }
                Ok((seq, indexed))
            })
            .await?;
        let mut catalogue = self.write_lock();
        self.last_refresh_profiles
            .store(indexed.len() as u64, AtomicOrdering::Relaxed);
        for (profile_id, indexed) in indexed {
            match indexed {
                Ok(indexed) => catalogue.put(indexed),
                Err(error) => {
                    // Not the revision indexed before either: that one is no longer
                    // current, and would be served with the wrong revision number.
                    let error = crate::error::Chain(&error).to_string();
                    tracing::error!(
                        %profile_id, %error,
                        "stored profile unreadable; left out of search and matching"
                    );
                    catalogue.leave_out(profile_id);
                }
            }
        }
        catalogue.seq = catalogue.seq.max(seq);
        catalogue.confidence_day = Some(today);
        self.last_refresh_micros.store(
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            AtomicOrdering::Relaxed,
        );
        Ok(())
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

    fn names(index: &ProfileIndex) -> Vec<String> {
        index
            .read_lock()
            .search_from(SearchFrom::Name(None))
            .map(|p| p.summary.id.clone())
            .collect()
    }

    async fn refreshed(index: &ProfileIndex, db: &Database) -> usize {
        index.read(db, |c| c.len()).await.unwrap()
    }

    fn test_db() -> (tempfile::TempDir, Database, usize) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&url, 2).unwrap();
        let loaded = crate::app::demo::load_if_empty(&db, "not-a-password-hash")
            .unwrap()
            .unwrap();
        (dir, db, loaded.cdmos)
    }

    /// A refresh reads changes page by page: whatever the page size, every profile comes
    /// once, and a page never splits the profiles that share a change number (here five,
    /// across the boundary of 4-profile pages).
    #[test]
    fn changes_read_page_by_page_give_each_profile_once() {
        let (_dir, db, _) = test_db();
        let mut conn = db.blocking_connection().unwrap();
        let changes: Vec<(i64, String)> = cdmo_profiles::table
            .select((cdmo_profiles::change_seq, cdmo_profiles::id))
            .order(cdmo_profiles::change_seq)
            .load(&mut *conn)
            .unwrap();
        let shared = changes[2].0;
        for (_, id) in &changes[3..7] {
            diesel::update(cdmo_profiles::table.find(id))
                .set(cdmo_profiles::change_seq.eq(shared))
                .execute(&mut *conn)
                .unwrap();
        }
        let mut all: Vec<String> = changes.into_iter().map(|(_, id)| id).collect();
        all.sort();
        for limit in [1, 4, 1_000] {
            let mut seen = Vec::new();
            let mut after = Some(i64::MIN);
            while let Some(since) = after {
                let (page, next) = profiles::changed_since(&mut conn, since, limit).unwrap();
                seen.extend(page.into_iter().map(|p| p.row.id));
                after = next;
            }
            seen.sort();
            assert_eq!(seen, all, "pages of {limit}");
        }
    }

    #[tokio::test]
    async fn unreadable_profiles_are_skipped_counted_and_picked_up_again_when_fixed() {
        let (_dir, db, cdmos) = test_db();
        let index = ProfileIndex::new();
        assert_eq!(refreshed(&index, &db).await, cdmos);
        assert_eq!(index.skipped_unreadable(), 0);

        let victim = names(&index)[0].clone();
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
        assert_eq!(refreshed(&index, &db).await, cdmos - 1);
        assert!(index.read_lock().get(&victim).is_none());
        assert!(!names(&index).contains(&victim));
        let scanned = index
            .read_lock()
            .listed_features(NaiveDate::MIN)
            .filter(|(_, f)| f.profile_id == victim)
            .count();
        assert_eq!(scanned, 0, "a vacant slot is never scanned");
        assert_eq!(index.skipped_unreadable(), 1);
        assert_eq!(
            index.read_lock().unreadable().collect::<Vec<_>>(),
            [victim.as_str()]
        );

        // So does a full build (a new process).
        let fresh = ProfileIndex::new();
        assert_eq!(refreshed(&fresh, &db).await, cdmos - 1);
        assert_eq!(fresh.skipped_unreadable(), 1);

        overwrite_document(&db, &victim, &good);
        assert_eq!(refreshed(&index, &db).await, cdmos);
        assert!(index.read_lock().get(&victim).is_some());
        assert!(names(&index).contains(&victim));
        assert_eq!(index.skipped_unreadable(), 0);
    }

    #[tokio::test]
    async fn a_change_to_one_profile_reindexes_that_profile_only() {
        let (_dir, db, cdmos) = test_db();
        let index = ProfileIndex::new();
        refreshed(&index, &db).await;
        assert_eq!(index.stats().last_refresh_profiles, cdmos as u64);
        let before: Vec<Arc<IndexedProfile>> = index
            .read_lock()
            .search_from(SearchFrom::Name(None))
            .cloned()
            .collect();
        let changed = before[3].summary.id.clone();

        {
            let mut conn = db.blocking_connection().unwrap();
            write_transaction(&mut conn, |c| profiles::touch_profile(c, &changed)).unwrap();
        }
        refreshed(&index, &db).await;

        assert_eq!(index.stats().last_refresh_profiles, 1);
        let catalogue = index.read_lock();
        for old in &before {
            let now = catalogue.get(&old.summary.id).unwrap();
            // The others are the very same indexed values: nothing was rebuilt or copied.
            assert_eq!(Arc::ptr_eq(now, old), old.summary.id != changed);
        }
        // The ordered views and the scan array hold each profile once.
        assert_eq!(catalogue.search_from(SearchFrom::Name(None)).count(), cdmos);
        assert_eq!(
            catalogue.search_from(SearchFrom::Updated(None)).count(),
            cdmos
        );
        assert_eq!(catalogue.listed_features(NaiveDate::MAX).count(), cdmos);
        // Still in order: the most recently updated first.
        let updated: Vec<_> = catalogue
            .search_from(SearchFrom::Updated(None))
            .map(|p| (p.updated_at, p.summary.id.clone()))
            .collect();
        assert!(updated.windows(2).all(|w| w[0] > w[1]), "{updated:?}");
    }

    #[tokio::test]
    async fn on_the_day_evidence_expires_only_that_profile_is_reindexed() {
        let (_dir, db, cdmos) = test_db();
        let today = chrono::Utc::now().date_naive();
        let index = ProfileIndex::new();
        index.refresh(&db, today).await.unwrap();
        // The demo's first expiring evidence, and the profiles it belongs to.
        let expiring: Vec<(String, NaiveDate)> = index
            .read_lock()
            .confidence_changes
            .iter()
            .map(|(day, id)| (id.clone(), *day))
            .collect();
        let (first_id, first_day) = expiring.first().cloned().expect("demo evidence expires");
        let due = expiring.iter().filter(|(_, d)| *d == first_day).count();

        // A day with nothing due reloads nothing.
        let quiet = first_day.pred_opt().unwrap();
        if quiet > today {
            index.refresh(&db, quiet).await.unwrap();
            assert_eq!(index.stats().last_refresh_profiles, 0);
        }
        index.refresh(&db, first_day).await.unwrap();
        assert_eq!(index.stats().last_refresh_profiles, due as u64);
        let catalogue = index.read_lock();
        assert_eq!(catalogue.len(), cdmos);
        let reindexed = catalogue.get(&first_id).unwrap();
        assert!(
            reindexed
                .confidence_changes_on
                .is_none_or(|d| d > first_day),
            "the next change is later"
        );
    }
}
