//! Rate limits, kept in memory by each server process (several processes behind a load
//! balancer each count on their own: the README says so).
//!
//! Sign-in (`POST /v1/auth/token`) and sign-up (`POST /v1/organizations`) are limited
//! per client address and per account (email); authenticated writes and matches per
//! organisation; failed sign-ins slow their account down ([`backoff`]). Every limiter
//! keeps at most `max_keys` keys: keys are hashed with a per-process secret into that
//! many buckets, so a flood of fresh keys cannot grow memory, and two keys that share a
//! bucket only share a limit (stricter, never looser). Idle keys are dropped by
//! [`Limits::tidy`], which the server runs every minute.

pub mod backoff;

use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::config::Settings;
use crate::error::{ApiError, RateLimited};
use backoff::{BackoffRules, LoginBackoff};

/// One keyed limit: `quota` requests per window, all of them usable at once, each
/// coming back `window / quota` after it was spent (GCRA, as `governor` does it).
pub struct Limiter {
    policy: &'static str,
    quota: u32,
    window: Duration,
    limiter: Option<RateLimiter<u64, HashMapStateStore<u64>, DefaultClock>>,
    buckets: u64,
    hasher: RandomState,
    clock: DefaultClock,
}

impl Limiter {
    /// A limit named `policy` (in the `RateLimit` headers); a quota of 0 turns it off.
    pub fn new(policy: &'static str, quota: u32, window: Duration, max_keys: usize) -> Self {
        let governed = NonZeroU32::new(quota).and_then(|burst| {
            Quota::with_period(window / quota).map(|q| RateLimiter::hashmap(q.allow_burst(burst)))
        });
        Self {
            policy,
            quota,
            window,
            limiter: governed,
            buckets: u64::try_from(max_keys.max(1)).unwrap_or(u64::MAX),
            hasher: RandomState::new(),
            clock: DefaultClock::default(),
        }
    }

    fn bucket(&self, key: &str) -> u64 {
        self.hasher.hash_one(key) % self.buckets
    }

    /// Counts one request for `key`; a 429 when its limit is spent.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&self.bucket(key)).map_err(|not_until| {
            ApiError::TooManyRequests(RateLimited {
                policy: self.policy,
                quota: self.quota,
                window_seconds: self.window.as_secs(),
                retry_after_seconds: whole_seconds(not_until.wait_time_from(self.clock.now())),
            })
        })
    }

    fn tidy(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Keys currently tracked.
    pub fn len(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Seconds to announce in `Retry-After`: rounded up, at least 1.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// Which per-organisation limit an authenticated request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationQuota {
    /// Any request that changes something (not `GET`).
    Writes,
    /// Running a match (`POST /v1/matches`, `POST /v1/programs/{id}/matches`).
    Matches,
}

impl OrganizationQuota {
    /// The quota a request counts against, from its method and route pattern; `None`
    /// for reads, which are not limited per organisation.
    pub fn of_request(method: &actix_web::http::Method, pattern: Option<&str>) -> Option<Self> {
        use actix_web::http::Method;
        if method == Method::GET || method == Method::HEAD || method == Method::OPTIONS {
            None
        } else if pattern.is_some_and(|p| p.ends_with("/matches")) {
            Some(Self::Matches)
        } else {
            Some(Self::Writes)
        }
    }
}

/// Every limit of the process.
pub struct Limits {
    pub login_per_address: Limiter,
    pub login_per_account: Limiter,
    pub signup_per_address: Limiter,
    pub signup_per_account: Limiter,
    pub shared_reports_per_address: Limiter,
    pub organization_writes: Limiter,
    pub organization_matches: Limiter,
    login_failures: Mutex<LoginBackoff>,
    account_hasher: RandomState,
    trusted_proxies: Vec<IpAddr>,
}

/// The policy name of the failed sign-in slow-down in `RateLimit` headers.
const LOGIN_FAILURES_POLICY: &str = "login-failures";

impl Limits {
    pub fn from_settings(settings: &Settings) -> Self {
        let keys = settings.rate_limit_max_keys;
        let window = Duration::from_secs(settings.rate_limit_window_seconds);
        Self {
            login_per_address: Limiter::new(
                "login-address",
                settings.rate_limit_login_per_address,
                window,
                keys,
            ),
            login_per_account: Limiter::new(
                "login-account",
                settings.rate_limit_login_per_account,
                window,
                keys,
            ),
            signup_per_address: Limiter::new(
                "signup-address",
                settings.rate_limit_signup_per_address,
                window,
                keys,
            ),
            signup_per_account: Limiter::new(
                "signup-account",
                settings.rate_limit_signup_per_account,
                window,
                keys,
            ),
            shared_reports_per_address: Limiter::new(
                "shared-reports-address",
                settings.rate_limit_shared_reports_per_address,
                window,
                keys,
            ),
            organization_writes: Limiter::new(
                "organization-writes",
                settings.rate_limit_organization_writes,
                window,
                keys,
            ),
            organization_matches: Limiter::new(
                "organization-matches",
                settings.rate_limit_organization_matches,
                window,
                keys,
            ),
            login_failures: Mutex::new(LoginBackoff::new(
                BackoffRules {
                    free_failures: settings.login_failures_before_backoff,
                    window: Duration::from_secs(60),
                    max_delay: Duration::from_secs(settings.login_backoff_max_seconds),
                },
                keys,
            )),
            account_hasher: RandomState::new(),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }

    /// Counts an authenticated request of `organization_id` against its quota.
    pub fn check_organization(
        &self,
        organization_id: &str,
        quota: OrganizationQuota,
    ) -> Result<(), ApiError> {
        match quota {
            OrganizationQuota::Writes => self.organization_writes.check(organization_id),
            OrganizationQuota::Matches => self.organization_matches.check(organization_id),
        }
    }

    fn account_key(&self, email: &str) -> u64 {
        self.account_hasher.hash_one(email)
    }

    /// A 429 when `email` failed to sign in too often lately and must wait.
    pub fn check_login_failures(&self, email: &str) -> Result<(), ApiError> {
        let key = self.account_key(email);
        let backoff = self
            .login_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        backoff.check(key, Instant::now()).map_err(|wait| {
            ApiError::TooManyRequests(RateLimited {
                policy: LOGIN_FAILURES_POLICY,
                quota: backoff.rules().free_failures,
                window_seconds: backoff.rules().window.as_secs(),
                retry_after_seconds: whole_seconds(wait),
            })
        })
    }

    /// Records the outcome of a password sign-in for `email`.
    pub fn record_login(&self, email: &str, succeeded: bool) {
        let key = self.account_key(email);
        let mut backoff = self
            .login_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if succeeded {
            backoff.record_success(key);
        } else {
            backoff.record_failure(key, Instant::now());
        }
    }

    /// The address a request comes from: the peer, or, when the peer is a trusted proxy,
    /// the nearest address in `X-Forwarded-For` that is not one.
    pub fn client_address(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> String {
        client_address(&self.trusted_proxies, peer, forwarded_for)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }

    /// Drops idle keys and forgotten accounts; run periodically.
    pub fn tidy(&self) {
        for limiter in [
            &self.login_per_address,
            &self.login_per_account,
            &self.signup_per_address,
            &self.signup_per_account,
            &self.shared_reports_per_address,
            &self.organization_writes,
            &self.organization_matches,
        ] {
            limiter.tidy();
        }
        self.login_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .forget_quiet(Instant::now());
    }
}

/// See [`Limits::client_address`]. `X-Forwarded-For` is read from the right (the hop
/// nearest to us), skipping trusted proxies: what a client writes itself on the left
/// is never believed past an untrusted hop.
fn client_address(
    trusted: &[IpAddr],
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut nearest = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => nearest = ip,
            Ok(ip) => return Some(ip),
            // An unreadable hop: trust nothing beyond it.
            Err(_) => return Some(nearest),
        }
    }
    Some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        let client = Some("203.0.113.7, 10.0.0.2");
        // No trusted proxies (the default): the peer, whatever the header says.
        assert_eq!(
            client_address(&[], Some(proxy), client),
            Some(proxy),
            "untrusted peer"
        );
        assert_eq!(
            client_address(&trusted, Some(proxy), client),
            Some(ip("203.0.113.7"))
        );
        // A client cannot spoof past an untrusted hop: the rightmost untrusted one wins.
        assert_eq!(
            client_address(&trusted, Some(proxy), Some("1.1.1.1, 198.51.100.9")),
            Some(ip("198.51.100.9"))
        );
        assert_eq!(
            client_address(&trusted, Some(proxy), Some("garbage, 10.0.0.2")),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(client_address(&trusted, Some(proxy), None), Some(proxy));
        assert_eq!(
            client_address(&trusted, Some(ip("192.0.2.1")), client),
            Some(ip("192.0.2.1"))
        );
    }

    #[test]
    fn a_limiter_refuses_past_its_quota_with_a_wait_and_zero_turns_it_off() {
        let limiter = Limiter::new("test", 2, MINUTE, 100);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        match limiter.check("a") {
            Err(ApiError::TooManyRequests(limited)) => {
                assert_eq!(limited.policy, "test");
                assert_eq!(limited.quota, 2);
                assert_eq!(limited.window_seconds, 60);
                assert!((1..=30).contains(&limited.retry_after_seconds));
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        assert!(limiter.check("b").is_ok(), "another key has its own quota");
        let off = Limiter::new("off", 0, MINUTE, 100);
        for _ in 0..100 {
            assert!(off.check("a").is_ok());
        }
    }

    #[test]
    fn a_limiter_tracks_at_most_max_keys() {
        let limiter = Limiter::new("test", 5, MINUTE, 16);
        for key in 0..1000 {
            let _ = limiter.check(&key.to_string());
        }
        assert!(limiter.len() <= 16, "{} keys", limiter.len());
    }

    #[test]
    fn matches_and_other_writes_count_against_their_own_quota_and_reads_against_none() {
        use actix_web::http::Method;
        assert_eq!(
            OrganizationQuota::of_request(&Method::POST, Some("/v1/programs/{id}/matches")),
            Some(OrganizationQuota::Matches)
        );
        assert_eq!(
            OrganizationQuota::of_request(&Method::POST, Some("/v1/matches")),
            Some(OrganizationQuota::Matches)
        );
        assert_eq!(
            OrganizationQuota::of_request(&Method::PATCH, Some("/v1/cdmos/{id}")),
            Some(OrganizationQuota::Writes)
        );
        assert_eq!(
            OrganizationQuota::of_request(&Method::GET, Some("/v1/cdmos")),
            None
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2500)), 3);
        assert_eq!(whole_seconds(Duration::from_secs(4)), 4);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }
}
