//! Whether a user's token is still good: its token version against the stored one.
//!
//! Every change that ends a user's tokens (deactivation, reactivation, deletion, password
//! change, logout) moves the stored version, so one comparison answers. The stored state
//! is cached per process for a few seconds (`token_check_cache_seconds`) to spare a
//! query per request. A change made through this process records the new state here at
//! once, so revocation is immediate in this process; another process may go on
//! accepting a revoked token until its cached entry is older than the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::accounts::UserRow;

/// What decides whether a user's tokens are good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserTokenState {
    /// The stored token version; only tokens issued at it are accepted.
    pub version: i32,
    /// Neither deactivated nor deleted.
    pub active: bool,
}

impl UserTokenState {
    pub fn of(user: &UserRow) -> Self {
        Self {
            version: user.token_version,
            active: user.is_active(),
        }
    }

    /// Whether a token issued at `token_version` is accepted.
    pub fn accepts(&self, token_version: i32) -> bool {
        self.active && self.version == token_version
    }
}

struct Entry {
    state: UserTokenState,
    checked_at: Instant,
}

/// A small bounded map from user id to its token state, each entry good for `ttl`.
pub struct TokenVersionCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

impl TokenVersionCache {
    /// Users remembered at most; beyond it expired entries go, then arbitrary ones.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A cache keeping entries for `ttl` (zero: every request asks the database).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached state of `user_id` if checked less than the TTL before `now`.
    pub fn get(&self, user_id: &str, now: Instant) -> Option<UserTokenState> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(user_id)?;
        (now.saturating_duration_since(entry.checked_at) < self.ttl).then_some(entry.state)
    }

    /// Records the state of `user_id` as read (or written) at `now`.
    ///
    /// Versions only grow, and every change moves the version, so a state with a lower
    /// version than the one held is older news: a read that started before a revocation
    /// and ended after it cannot bring the revoked state back.
    pub fn remember(&self, user_id: &str, state: UserTokenState, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if let Some(held) = entries.get(user_id)
            && held.state.version > state.version
        {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(user_id) {
            let ttl = self.ttl;
            entries.retain(|_, e| now.saturating_duration_since(e.checked_at) < ttl);
            if entries.len() >= self.capacity
                && let Some(victim) = entries.keys().next().cloned()
            {
                entries.remove(&victim);
            }
        }
        entries.insert(
            user_id.to_owned(),
            Entry {
                state,
                checked_at: now,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: UserTokenState = UserTokenState {
        version: 3,
        active: true,
    };

    #[test]
    fn entries_serve_within_the_ttl_only() {
        let cache = TokenVersionCache::new(Duration::from_secs(5), 10);
        let t0 = Instant::now();
        assert_eq!(cache.get("u", t0), None);
        cache.remember("u", ACTIVE, t0);
        assert_eq!(cache.get("u", t0 + Duration::from_secs(4)), Some(ACTIVE));
        assert_eq!(cache.get("u", t0 + Duration::from_secs(5)), None);
        assert_eq!(cache.get("other", t0), None);
    }

    #[test]
    fn a_revocation_is_not_undone_by_an_older_read() {
        let cache = TokenVersionCache::new(Duration::from_secs(5), 10);
        let t0 = Instant::now();
        cache.remember("u", ACTIVE, t0);
        let revoked = UserTokenState {
            version: 4,
            active: false,
        };
        cache.remember("u", revoked, t0);
        assert_eq!(
            cache.get("u", t0),
            Some(revoked),
            "the write is seen at once"
        );
        // A read that began before the revocation lands after it.
        cache.remember("u", ACTIVE, t0 + Duration::from_secs(1));
        assert_eq!(cache.get("u", t0 + Duration::from_secs(1)), Some(revoked));
        let reactivated = UserTokenState {
            version: 5,
            active: true,
        };
        cache.remember("u", reactivated, t0 + Duration::from_secs(2));
        assert_eq!(
            cache.get("u", t0 + Duration::from_secs(2)),
            Some(reactivated)
        );
    }

    #[test]
    fn the_map_stays_bounded() {
        let cache = TokenVersionCache::new(Duration::from_secs(5), 3);
        let t0 = Instant::now();
        for user in ["a", "b", "c"] {
            cache.remember(user, ACTIVE, t0);
        }
        // Expired entries go first.
        cache.remember("d", ACTIVE, t0 + Duration::from_secs(10));
        assert_eq!(cache.len(), 1);
        for user in ["e", "f", "g", "h"] {
            cache.remember(user, ACTIVE, t0 + Duration::from_secs(10));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get("h", t0 + Duration::from_secs(10)), Some(ACTIVE));
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TokenVersionCache::new(Duration::ZERO, 3);
        let t0 = Instant::now();
        cache.remember("u", ACTIVE, t0);
        assert_eq!(cache.get("u", t0), None);
    }

    #[test]
    fn only_active_users_at_the_stored_version_are_accepted() {
        assert!(ACTIVE.accepts(3));
        assert!(!ACTIVE.accepts(2));
        let inactive = UserTokenState {
            version: 3,
            active: false,
        };
        assert!(!inactive.accepts(3));
    }
}
