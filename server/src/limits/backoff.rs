//! Progressive slow-down of an account after failed sign-ins: pure arithmetic over
//! instants the caller passes in, and a bounded table of accounts.
//!
//! An account may fail `free_failures` times; from then on each attempt must wait after
//! the last failure, one `window` at first, doubling with every further failure up to
//! `max_delay`. An attempt that must wait is refused without checking the password, so
//! it does not count. A success forgets the account; so does a quiet `window` after the
//! wait has passed. An attacker can therefore cost the real user at most `max_delay` per
//! failure they pay for, never lock the account for good.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The rules, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffRules {
    /// Failures allowed before attempts must wait.
    pub free_failures: u32,
    /// The first wait, and the quiet time after a wait that forgets the account.
    pub window: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl BackoffRules {
    /// How long after the last of `failures` failures the next attempt must wait.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if self.free_failures == 0 || failures < self.free_failures {
            return Duration::ZERO;
        }
        let doublings = failures - self.free_failures;
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.window.saturating_mul(factor).min(self.max_delay)
    }

    /// How long after the last failure a quiet account is forgotten.
    pub fn forget_after(&self, failures: u32) -> Duration {
        self.delay_after(failures).saturating_add(self.window)
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed sign-ins by account, at most `capacity` accounts.
#[derive(Debug)]
pub struct LoginBackoff {
    rules: BackoffRules,
    capacity: usize,
    accounts: HashMap<u64, Failures>,
}

impl LoginBackoff {
    pub fn new(rules: BackoffRules, capacity: usize) -> Self {
        Self {
            rules,
            capacity: capacity.max(1),
            accounts: HashMap::new(),
        }
    }

    pub fn rules(&self) -> BackoffRules {
        self.rules
    }

    fn current(&self, account: u64, now: Instant) -> Option<Failures> {
        self.accounts
            .get(&account)
            .copied()
            .filter(|f| now.saturating_duration_since(f.last) < self.rules.forget_after(f.count))
    }

    /// `Err(wait)` when an attempt for `account` at `now` must wait that long.
    pub fn check(&self, account: u64, now: Instant) -> Result<(), Duration> {
        let Some(failures) = self.current(account, now) else {
            return Ok(());
        };
        let ready_at = failures.last + self.rules.delay_after(failures.count);
        match ready_at.checked_duration_since(now) {
            Some(wait) if !wait.is_zero() => Err(wait),
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt for `account` at `now`.
    pub fn record_failure(&mut self, account: u64, now: Instant) {
        let count = self
            .current(account, now)
            .map_or(1, |f| f.count.saturating_add(1));
        if !self.accounts.contains_key(&account) && self.accounts.len() >= self.capacity {
            self.forget_quiet(now);
            if self.accounts.len() >= self.capacity {
                self.evict_oldest();
            }
        }
        self.accounts.insert(account, Failures { count, last: now });
    }

    /// A success forgets the account's failures.
    pub fn record_success(&mut self, account: u64) {
        self.accounts.remove(&account);
    }

    /// Drops the accounts whose failures are forgotten by `now`.
    pub fn forget_quiet(&mut self, now: Instant) {
        let rules = self.rules;
        self.accounts
            .retain(|_, f| now.saturating_duration_since(f.last) < rules.forget_after(f.count));
        self.accounts.shrink_to_fit();
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .accounts
            .iter()
            .min_by_key(|(_, f)| f.last)
            .map(|(key, _)| *key);
        if let Some(key) = oldest {
            self.accounts.remove(&key);
        }
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn rules() -> BackoffRules {
        BackoffRules {
            free_failures: 20,
            window: MINUTE,
            max_delay: Duration::from_secs(300),
        }
    }

    #[test]
    fn the_delay_starts_at_the_threshold_doubles_and_is_capped() {
        let r = rules();
        assert_eq!(r.delay_after(0), Duration::ZERO);
        assert_eq!(r.delay_after(19), Duration::ZERO);
        assert_eq!(r.delay_after(20), MINUTE);
        assert_eq!(r.delay_after(21), 2 * MINUTE);
        assert_eq!(r.delay_after(22), 4 * MINUTE);
        assert_eq!(r.delay_after(23), Duration::from_secs(300));
        assert_eq!(r.delay_after(u32::MAX), Duration::from_secs(300));
        assert_eq!(r.forget_after(19), MINUTE);
        assert_eq!(r.forget_after(21), 3 * MINUTE);
    }

    #[test]
    fn zero_free_failures_turns_the_backoff_off() {
        let r = BackoffRules {
            free_failures: 0,
            ..rules()
        };
        assert_eq!(r.delay_after(1000), Duration::ZERO);
    }

    #[test]
    fn the_twenty_first_failure_within_a_minute_must_wait_until_a_minute_after_the_twentieth() {
        let start = Instant::now();
        let mut backoff = LoginBackoff::new(rules(), 10);
        for i in 0..20 {
            let at = start + Duration::from_secs(i * 2);
            assert_eq!(backoff.check(7, at), Ok(()), "attempt {}", i + 1);
            backoff.record_failure(7, at);
        }
        let twentieth = start + Duration::from_secs(38);
        let twenty_first = start + Duration::from_secs(59);
        assert_eq!(
            backoff.check(7, twenty_first),
            Err(MINUTE - Duration::from_secs(21))
        );
        // Another account is not affected.
        assert_eq!(backoff.check(8, twenty_first), Ok(()));
        // Once the wait is over one attempt may go; failing it doubles the wait.
        assert_eq!(backoff.check(7, twentieth + MINUTE), Ok(()));
        backoff.record_failure(7, twentieth + MINUTE);
        assert_eq!(
            backoff.check(7, twentieth + MINUTE + Duration::from_secs(1)),
            Err(2 * MINUTE - Duration::from_secs(1))
        );
    }

    #[test]
    fn a_success_or_a_quiet_window_after_the_wait_forgets_the_failures() {
        let start = Instant::now();
        let mut backoff = LoginBackoff::new(rules(), 10);
        for _ in 0..20 {
            backoff.record_failure(1, start);
            backoff.record_failure(2, start);
        }
        backoff.record_success(1);
        assert_eq!(backoff.check(1, start), Ok(()));
        // Account 2 waits a minute; after a further quiet minute it starts afresh.
        let later = start + 2 * MINUTE;
        assert_eq!(backoff.check(2, later), Ok(()));
        backoff.record_failure(2, later);
        assert_eq!(
            backoff.check(2, later),
            Ok(()),
            "counting starts again at one"
        );
        backoff.forget_quiet(later + MINUTE);
        assert!(backoff.is_empty());
    }

    #[test]
    fn the_table_never_grows_past_its_capacity() {
        let start = Instant::now();
        let mut backoff = LoginBackoff::new(rules(), 3);
        for account in 0..100 {
            backoff.record_failure(account, start + Duration::from_millis(account));
        }
        assert_eq!(backoff.len(), 3);
        // The most recent accounts are the ones kept.
        for _ in 0..19 {
            backoff.record_failure(99, start + Duration::from_millis(99));
        }
        assert!(
            backoff
                .check(99, start + Duration::from_millis(100))
                .is_err()
        );
    }
}
