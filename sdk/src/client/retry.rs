//! When a failed attempt is repeated, and after how long. The policy is documented on
//! [`super::ClientBuilder::retries`].

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use super::Failure;

/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A longer `Retry-After` is not waited for: the caller gets the error and decides.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether repeating a request could do something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    /// Repeating has the same effect as sending once: idempotent methods, and POSTs with
    /// an `Idempotency-Key` (the server replays the first answer).
    Safe,
    /// A conditional write (`If-Match`): repeated only when provably not processed,
    /// since a committed first attempt would make the repeat fail with 412.
    Guarded,
    /// Anything else: repeated only when provably not processed.
    Unsafe,
}

impl Replay {
    pub(super) fn for_method(method: &Method) -> Self {
        if matches!(
            *method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) {
            Self::Safe
        } else {
            Self::Unsafe
        }
    }
}

/// Retry limits from [`super::ClientBuilder::retries`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    pub(super) max_retries: u32,
    pub(super) initial_backoff: Duration,
}

impl Policy {
    /// How long to wait before repeating a request answered with `status`, if at all.
    pub(super) fn after_status(
        &self,
        replay: Replay,
        status: StatusCode,
        headers: &HeaderMap,
        attempt: u32,
    ) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let retry_after = retry_after(headers, SystemTime::now());
        let repeat = match status.as_u16() {
            // The server refused before doing anything.
            429 => true,
            503 => retry_after.is_some() || replay != Replay::Unsafe,
            // A gateway gave up; the server behind it may have committed.
            502 | 504 => replay == Replay::Safe,
            _ => false,
        };
        if !repeat {
            return None;
        }
        match retry_after {
            Some(delay) if delay > MAX_RETRY_AFTER => None,
            Some(delay) => Some(delay),
            None => Some(self.backoff(attempt)),
        }
    }

    /// How long to wait before repeating a request that got no complete response.
    pub(super) fn after_failure(
        &self,
        replay: Replay,
        failure: &Failure,
        attempt: u32,
    ) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let repeat = match failure {
            // No connection, so nothing was sent.
            Failure::Send(e) if e.is_connect() => true,
            // Timeouts and resets: the server may have acted on it.
            Failure::Send(e) => replay == Replay::Safe && (e.is_timeout() || e.is_request()),
            Failure::Body(_) => replay == Replay::Safe,
        };
        repeat.then(|| self.backoff(attempt))
    }

    /// Full jitter: uniformly random between zero and the exponential ceiling.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(MAX_BACKOFF);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random_u64() % (nanos + 1))
    }
}

/// Randomness for jitter: the OS generator, or the clock if it is unavailable.
fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        // One xorshift round spreads the clock's low bits.
        let mut x = u64::from(nanos) | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    })
}

/// `Retry-After` as a delay from `now`: delta-seconds or an HTTP date (RFC 9110).
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at: SystemTime = chrono::DateTime::parse_from_rfc2822(value).ok()?.into();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry).unwrap());
        h
    }

    const POLICY: Policy = Policy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(100),
    };

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            retry_after(&headers("2"), now),
            Some(Duration::from_secs(2))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:40 GMT"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_is_jittered_below_an_exponential_ceiling() {
        for attempt in 0..4 {
            let ceiling = Duration::from_millis(100 * 2u64.pow(attempt));
            let delays: Vec<Duration> = (0..50).map(|_| POLICY.backoff(attempt)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling));
            assert!(delays.iter().any(|d| *d != delays[0]), "jittered");
        }
        assert!(POLICY.backoff(30) <= MAX_BACKOFF);
    }

    #[test]
    fn statuses_are_retried_by_replay_class() {
        let none = HeaderMap::new();
        let retry = |replay, status: u16, h: &HeaderMap| {
            POLICY
                .after_status(replay, StatusCode::from_u16(status).unwrap(), h, 0)
                .is_some()
        };
        for replay in [Replay::Safe, Replay::Guarded, Replay::Unsafe] {
            assert!(retry(replay, 429, &none));
            assert!(retry(replay, 503, &headers("1")));
            assert!(!retry(replay, 500, &none));
            assert!(!retry(replay, 409, &none));
            assert!(!retry(replay, 412, &none));
        }
        assert!(retry(Replay::Safe, 502, &none));
        assert!(retry(Replay::Safe, 504, &none));
        assert!(!retry(Replay::Guarded, 502, &none));
        assert!(!retry(Replay::Guarded, 504, &none));
        assert!(retry(Replay::Guarded, 503, &none));
        assert!(!retry(Replay::Unsafe, 503, &none));
        // Too long a wait, or no attempts left: the error is returned.
        assert!(!retry(Replay::Safe, 429, &headers("3600")));
        assert!(
            POLICY
                .after_status(Replay::Safe, StatusCode::TOO_MANY_REQUESTS, &none, 3)
                .is_none()
        );
        assert_eq!(
            POLICY.after_status(
                Replay::Unsafe,
                StatusCode::TOO_MANY_REQUESTS,
                &headers("7"),
                0
            ),
            Some(Duration::from_secs(7))
        );
    }
}
