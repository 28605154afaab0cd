//! Profile reads and search from memory: how long a process trusts its index without
//! reading the change counter ([`IndexFreshness`]), and the bounded cache of profile
//! responses serialised once per state of a profile ([`ProfileResponses`]).
//!
//! **Freshness.** [`crate::profile_index::ProfileIndex::read`] reads the change
//! counter, a database round trip, on every call. Within `index_freshness_ms` of such a
//! read, reads here use the index as it is instead, unless this process has run a write
//! transaction since: a write through this process is seen by its next read, one through
//! another process within the window.
//!
//! **What a cached response stands for.** An index entry ([`IndexedProfile`]) is
//! immutable and replaced by a new one whenever anything about its profile changes (the
//! profile's change number moves with every edit, evidence change, verification and
//! unlisting). So the entry's address names one state of the profile, and a response
//! built for it stays right for as long as the index serves that same entry, on the same
//! day (confidence and listing are judged against the day). The cache holds a [`Weak`]
//! to the entry: it keeps the address from being reused without keeping the entry's
//! contents alive.
//!
//! A response is built from the database after the entry was read from the index, so
//! it is never older than the entry; it may be newer (a write landed in between), which
//! the reader could have been served without the cache as well.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::NaiveDate;

use crate::db::{Database, StoreResult};
use crate::profile_index::{Catalogue, IndexedProfile, ProfileIndex};

/// A profile view serialised as JSON, with the revision its `ETag` names.
#[derive(Debug, Clone)]
pub struct ProfileJson {
    pub revision: u32,
    pub json: Bytes,
}

/// Reading profiles from memory: the freshness rule and the response cache.
pub struct ProfileReads {
    pub freshness: IndexFreshness,
    pub responses: ProfileResponses,
}

impl ProfileReads {
    pub fn new(freshness_window: Duration, cache_budget_bytes: usize) -> Self {
        Self {
            freshness: IndexFreshness::new(freshness_window),
            responses: ProfileResponses::new(cache_budget_bytes),
        }
    }
}

struct CounterRead {
    /// When the change counter read began: the index holds every change committed
    /// before it.
    began: Instant,
    /// [`Database::local_writes`] just before that read.
    local_writes: u64,
}

/// How long the index may serve reads without reading the change counter.
pub struct IndexFreshness {
    window: Duration,
    last: RwLock<Option<CounterRead>>,
    counter_reads: AtomicU64,
}

impl IndexFreshness {
    /// Zero `window`: every call reads the counter.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            last: RwLock::new(None),
            counter_reads: AtomicU64::new(0),
        }
    }

    /// Runs `read` on the index holding every change committed through another process
    /// more than the window ago, and every change committed through this one before the
    /// call.
    pub async fn read<T>(
        &self,
        index: &ProfileIndex,
        db: &Database,
        read: impl FnOnce(&Catalogue) -> T,
    ) -> StoreResult<T> {
        // Read before the clock and the counter: a local write that ends after this
        // load is caught by the next call, which sees a different count.
        let local_writes = db.local_writes();
        let began = Instant::now();
        if self.recent(began, local_writes) {
            return Ok(index.read_as_is(read));
        }
        self.counter_reads.fetch_add(1, Ordering::Relaxed);
        let result = index.read(db, read).await?;
        self.remember(CounterRead {
            began,
            local_writes,
        });
        Ok(result)
    }

    /// How many calls read the change counter (for tests and benchmarks).
    pub fn counter_reads(&self) -> u64 {
        self.counter_reads.load(Ordering::Relaxed)
    }

    fn recent(&self, now: Instant, local_writes: u64) -> bool {
        if self.window.is_zero() {
            return false;
        }
        let last = self.last.read().unwrap_or_else(|p| p.into_inner());
        last.as_ref().is_some_and(|read| {
            read.local_writes == local_writes
                && now.saturating_duration_since(read.began) < self.window
        })
    }

    fn remember(&self, read: CounterRead) {
        if self.window.is_zero() {
            return;
        }
        let mut last = self.last.write().unwrap_or_else(|p| p.into_inner());
        // Concurrent reads may finish out of order: keep the one that began last.
        if last.as_ref().is_none_or(|held| held.began <= read.began) {
            *last = Some(read);
        }
    }
}

/// Which state of a profile a cached response was built for.
struct ProfileState {
    indexed: Weak<IndexedProfile>,
    day: NaiveDate,
}

impl ProfileState {
    fn is(&self, indexed: &Arc<IndexedProfile>, day: NaiveDate) -> bool {
        self.day == day && std::ptr::eq(self.indexed.as_ptr(), Arc::as_ptr(indexed))
    }
}

/// Serialised profile responses, one per profile, at most `budget` bytes in all.
pub struct ProfileResponses {
    cache: ResponseCache<ProfileState>,
}

impl ProfileResponses {
    /// A cache of at most `budget_bytes` (responses and bookkeeping); zero stores nothing.
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            cache: ResponseCache::new(budget_bytes),
        }
    }

    /// The response built for this index entry of the profile on `day`, if cached.
    pub fn get(&self, indexed: &Arc<IndexedProfile>, day: NaiveDate) -> Option<ProfileJson> {
        self.cache
            .get(&indexed.summary.id, |state| state.is(indexed, day))
    }

    /// Keeps `response`, built on `day` from the database after `indexed` was read from
    /// the index.
    pub fn insert(&self, indexed: &Arc<IndexedProfile>, day: NaiveDate, response: ProfileJson) {
        let state = ProfileState {
            indexed: Arc::downgrade(indexed),
            day,
        };
        // The weak reference keeps the entry's allocation, not its contents.
        let held = std::mem::size_of::<IndexedProfile>();
        self.cache
            .insert(&indexed.summary.id, state, response, held);
    }

    /// Bytes charged to the budget now.
    pub fn bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Responses held now.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct Entry<S> {
    state: S,
    response: ProfileJson,
    charged: usize,
    last_used: u64,
}

struct Entries<S> {
    by_key: HashMap<Arc<str>, Entry<S>>,
    /// Keys by last use, least recent first.
    by_use: BTreeMap<u64, Arc<str>>,
    bytes: usize,
    clock: u64,
}

impl<S> Entries<S> {
    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.by_key.remove(key) {
            self.by_use.remove(&entry.last_used);
            self.bytes -= entry.charged;
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// A least-recently-used map from key to one serialised response and the state `S` it
/// was built for, bounded by the bytes it holds.
struct ResponseCache<S> {
    budget: usize,
    entries: Mutex<Entries<S>>,
}

/// What an entry costs beyond its response and key: the map slots and the entry itself.
const ENTRY_OVERHEAD: usize = 64;

impl<S> ResponseCache<S> {
    fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new(Entries {
                by_key: HashMap::new(),
                by_use: BTreeMap::new(),
                bytes: 0,
                clock: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<S>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The response under `key` if `is_current` accepts the state it was built for; an
    /// entry it refuses is dropped, as nothing will ask for that state again.
    fn get(&self, key: &str, is_current: impl FnOnce(&S) -> bool) -> Option<ProfileJson> {
        let mut entries = self.lock();
        let current = is_current(&entries.by_key.get(key)?.state);
        if !current {
            entries.remove(key);
            return None;
        }
        let now = entries.tick();
        let (stored_key, response, used_before) = {
            let (stored_key, entry) = entries.by_key.get_key_value(key)?;
            (stored_key.clone(), entry.response.clone(), entry.last_used)
        };
        entries.by_use.remove(&used_before);
        entries.by_use.insert(now, stored_key);
        if let Some(entry) = entries.by_key.get_mut(key) {
            entry.last_used = now;
        }
        Some(response)
    }

    /// Stores `response` under `key`, replacing what was there, and evicts the least
    /// recently used entries until the budget holds. `held` counts memory the state
    /// keeps alive. A response larger than the whole budget is not stored.
    fn insert(&self, key: &str, state: S, response: ProfileJson, held: usize) {
        let charged = response.json.len()
            + 2 * key.len()
            + std::mem::size_of::<Entry<S>>()
            + ENTRY_OVERHEAD
            + held;
        let mut entries = self.lock();
        entries.remove(key);
        if charged > self.budget {
            return;
        }
        while entries.bytes + charged > self.budget {
            let Some((_, oldest)) = entries.by_use.pop_first() else {
                break;
            };
            if let Some(evicted) = entries.by_key.remove(&oldest) {
                entries.bytes -= evicted.charged;
            }
        }
        let key: Arc<str> = Arc::from(key);
        let last_used = entries.tick();
        entries.by_use.insert(last_used, key.clone());
        entries.bytes += charged;
        entries.by_key.insert(
            key,
            Entry {
                state,
                response,
                charged,
                last_used,
            },
        );
    }

    fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn len(&self) -> usize {
        self.lock().by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(revision: u32, size: usize) -> ProfileJson {
        ProfileJson {
            revision,
            json: Bytes::from(vec![b' '; size]),
        }
    }

    /// What one entry of `size` response bytes under a one-letter key costs.
    fn cost(size: usize) -> usize {
        size + 2 + std::mem::size_of::<Entry<u32>>() + ENTRY_OVERHEAD
    }

    #[test]
    fn a_response_is_served_only_for_the_state_it_was_built_for() {
        let cache = ResponseCache::new(10_000);
        cache.insert("a", 7_u32, response(3, 100), 0);
        let hit = cache.get("a", |state| *state == 7).unwrap();
        assert_eq!((hit.revision, hit.json.len()), (3, 100));
        assert!(cache.get("b", |_| true).is_none());
        // Another state misses, and the stale entry is dropped with its bytes.
        assert!(cache.get("a", |state| *state == 8).is_none());
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
        assert!(cache.get("a", |state| *state == 7).is_none());
    }

    #[test]
    fn the_least_recently_used_go_first_when_the_budget_is_spent() {
        let cache = ResponseCache::new(3 * cost(1000));
        for key in ["a", "b", "c"] {
            cache.insert(key, 0_u32, response(1, 1000), 0);
        }
        assert_eq!(cache.bytes(), 3 * cost(1000));
        // Reading `a` makes `b` the least recently used.
        assert!(cache.get("a", |_| true).is_some());
        cache.insert("d", 0, response(1, 1000), 0);
        assert!(cache.get("b", |_| true).is_none());
        for kept in ["a", "c", "d"] {
            assert!(cache.get(kept, |_| true).is_some(), "{kept} was evicted");
        }
        // A larger response pushes out as many as it needs, oldest first.
        cache.insert("e", 0, response(1, 1500), 0);
        assert!(cache.get("a", |_| true).is_none());
        assert!(cache.get("c", |_| true).is_none());
        assert!(cache.get("d", |_| true).is_some());
        assert_eq!(cache.bytes(), cost(1000) + cost(1500));
        assert!(cache.bytes() <= 3 * cost(1000));
    }

    #[test]
    fn replacing_an_entry_recounts_its_bytes_and_oversized_responses_are_not_kept() {
        let cache = ResponseCache::new(cost(1000) + cost(200));
        cache.insert("a", 1_u32, response(1, 1000), 0);
        cache.insert("a", 2, response(2, 200), 0);
        assert_eq!((cache.len(), cache.bytes()), (1, cost(200)));
        assert_eq!(cache.get("a", |s| *s == 2).unwrap().revision, 2);
        // What the state keeps alive counts too.
        cache.insert("b", 1, response(1, 1000), 100);
        assert!(cache.get("a", |_| true).is_none(), "a made room for b");
        cache.insert("c", 1, response(1, 5000), 0);
        assert!(cache.get("c", |_| true).is_none());
        assert!(
            cache.get("b", |_| true).is_some(),
            "an oversized insert evicts nothing"
        );
        let off = ResponseCache::new(0);
        off.insert("a", 1_u32, response(1, 1), 0);
        assert_eq!((off.len(), off.bytes()), (0, 0));
    }

    #[test]
    fn the_freshness_window_reuses_a_recent_counter_read_unless_this_process_wrote() {
        let freshness = IndexFreshness::new(Duration::from_secs(60));
        let began = Instant::now();
        assert!(!freshness.recent(began, 0), "nothing read yet");
        freshness.remember(CounterRead {
            began,
            local_writes: 4,
        });
        assert!(
            freshness
                .recent(began + Duration::from_secs(59), 4)
                .eq(&true)
        );
        assert!(
            freshness
                .recent(began + Duration::from_secs(60), 4)
                .eq(&false),
            "the window has passed"
        );
        assert!(
            freshness.recent(began, 5).eq(&false),
            "a local write since the read"
        );
        // A read that began earlier but finished later does not replace a newer one.
        freshness.remember(CounterRead {
            began: began - Duration::from_secs(1),
            local_writes: 3,
        });
        assert!(freshness.recent(began, 4).eq(&true));

        let every_time = IndexFreshness::new(Duration::ZERO);
        every_time.remember(CounterRead {
            began,
            local_writes: 0,
        });
        assert!(every_time.recent(began, 0).eq(&false));
    }
}
