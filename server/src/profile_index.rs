//! The in-process index of current profiles, shared by search and matching.
//!
//! Requests never read every profile from the database. Each one first reads the
//! profiles change counter (one indexed row); when it moved, the index reloads only the
//! profiles changed since, so an edit made through another server process on the same
//! database is seen by the very next request here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cdmx_sdk::types::{CapabilityProfile, CdmoSummary, ProfileSection};
use chrono::{NaiveDate, NaiveDateTime};
use tokio::sync::Mutex;

use crate::db::profiles::{self, EvidenceRow, ProfileRow};
use crate::db::{Database, StoreError, StoreResult};
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
}

impl Snapshot {
    pub fn get(&self, profile_id: &str) -> Option<&Arc<IndexedProfile>> {
        self.by_id.get(profile_id)
    }

    pub fn features(&self) -> impl Iterator<Item = &CdmoFeatures> {
        self.by_name.iter().map(|p| &p.features)
    }
}

fn index_profile(
    row: ProfileRow,
    verified: bool,
    evidence: &[EvidenceRow],
    today: NaiveDate,
) -> StoreResult<IndexedProfile> {
    let profile: CapabilityProfile = serde_json::from_str(&row.document)
        .map_err(|e| StoreError::Task(format!("stored profile {} unreadable: {e}", row.id)))?;
    let facts: Vec<_> = evidence
        .iter()
        .filter_map(|e| {
            let section = ProfileSection::parse(&e.section)?;
            Some((
                section,
                e.verified_at.is_some(),
                e.expires_on.as_deref().and_then(|d| d.parse().ok()),
            ))
        })
        .collect();
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
    })
}

/// The shared index. Cheap to read; refreshed on demand, one refresh at a time.
#[derive(Default)]
pub struct ProfileIndex {
    current: RwLock<Arc<Snapshot>>,
    refreshing: Mutex<()>,
}

impl ProfileIndex {
    pub fn new() -> Self {
        Self::default()
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
        let since = if snapshot.built_on == Some(today) {
            snapshot.seq
        } else {
            0
        };
        // Read the counter before the rows: every change numbered up to it is then
        // included, and later ones are picked up by the next refresh.
        let (seq, changed) = db
            .run(move |c| {
                let seq = profiles::change_counter(c)?;
                Ok((seq, profiles::changed_since(c, since)?))
            })
            .await?;
        let next = tokio::task::spawn_blocking(move || -> StoreResult<Snapshot> {
            let mut by_id = if since == 0 {
                HashMap::new()
            } else {
                snapshot.by_id.clone()
            };
            for (row, verified, evidence) in changed {
                let indexed = index_profile(row, verified, &evidence, today)?;
                by_id.insert(indexed.summary.id.clone(), Arc::new(indexed));
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
            })
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut guard) => *guard = next.clone(),
            Err(poisoned) => *poisoned.into_inner() = next.clone(),
        }
        Ok(next)
    }
}
