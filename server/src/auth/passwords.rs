//! Password hashing with argon2id (the argon2 crate's defaults: m=19 MiB, t=2, p=1,
//! OWASP's recommended minimum). Hashing is slow and memory-hungry on purpose, so the
//! server runs every hash and verification on one bounded pool, [`HashingPool`]: a
//! flood of sign-ins costs at most `slots` hashes at once, and the rest wait briefly or
//! are turned away with a 503, instead of each taking 19 MiB on its own thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::domain::accounts::Password;
use crate::error::ApiError;

pub fn hash(password: &Password) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::internal(e.to_string()))?;
    // password_hash's errors do not implement std::error::Error: keep their text.
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Whether `candidate` matches `stored`. An unreadable stored hash never matches.
pub fn verify(candidate: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that unknown and known
/// accounts take the same time to refuse: the same parameters as every new hash (a test
/// keeps it so), with a made-up output that no known password produces. A constant, so
/// that no caller pays for making it.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$\
                          3zS7S8Xn1rhGmH4vYvVh+6i5wD0rB4lTt0a1yXr0mGI";

/// Checks a login attempt; `stored` is `None` when no such user exists.
pub fn verify_login(candidate: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(candidate, stored),
        None => {
            let _ = verify(candidate, DECOY_HASH);
            false
        }
    }
}

/// How busy the pool is and has been, for `GET /metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashingStats {
    /// The bound: hashes that may run at once.
    pub slots: usize,
    pub in_flight: usize,
    /// The most hashes that ever ran at once in this process.
    pub in_flight_max: usize,
    /// Hashes and verifications run.
    pub completed: u64,
    /// Callers turned away (503) because no slot freed up within the queue wait.
    pub refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    in_flight: AtomicUsize,
    in_flight_max: AtomicUsize,
    completed: AtomicU64,
    refused: AtomicU64,
}

/// Counts one running hash for as long as it lives.
struct Running<'a>(&'a Counters);

impl<'a> Running<'a> {
    fn start(counters: &'a Counters) -> Self {
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.in_flight_max.fetch_max(now, Ordering::SeqCst);
        Self(counters)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.completed.fetch_add(1, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The one way the server hashes and verifies passwords: at most `slots` at once, on
/// the blocking pool; a caller waits at most `queue_wait` for a slot, then gets 503
/// with `Retry-After`.
#[derive(Debug)]
pub struct HashingPool {
    slots: Arc<Semaphore>,
    slot_count: usize,
    queue_wait: Duration,
    counters: Arc<Counters>,
}

impl HashingPool {
    pub fn new(slots: usize, queue_wait: Duration) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            slot_count: slots,
            queue_wait,
            counters: Arc::default(),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        self.run(move || hash(&password)).await?
    }

    /// Whether `candidate` matches `stored`.
    pub async fn verify(&self, candidate: String, stored: String) -> Result<bool, ApiError> {
        self.run(move || verify(&candidate, &stored)).await
    }

    /// Checks a login attempt; `stored` is `None` when no such user exists (the decoy
    /// hash is checked instead, at the same cost).
    pub async fn verify_login(
        &self,
        candidate: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        self.run(move || verify_login(&candidate, stored.as_deref()))
            .await
    }

    pub fn stats(&self) -> HashingStats {
        HashingStats {
            slots: self.slot_count,
            in_flight: self.counters.in_flight.load(Ordering::SeqCst),
            in_flight_max: self.counters.in_flight_max.load(Ordering::SeqCst),
            completed: self.counters.completed.load(Ordering::SeqCst),
            refused: self.counters.refused.load(Ordering::SeqCst),
        }
    }

    /// Runs `work` in a slot. The slot goes with the work onto the blocking thread, so a
    /// caller that gives up (a client that disconnects) frees it only when the hash ends:
    /// abandoned requests cannot push the number of running hashes past the bound.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                match tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned())
                    .await
                {
                    Ok(slot) => slot.map_err(ApiError::internal)?,
                    Err(_) => {
                        self.counters.refused.fetch_add(1, Ordering::SeqCst);
                        tracing::warn!(
                            slots = self.slot_count,
                            queue_wait_ms = self.queue_wait.as_millis(),
                            "password hashing busy: request refused"
                        );
                        return Err(ApiError::Unavailable(
                            "too many passwords are being checked right now; try again shortly"
                                .into(),
                        ));
                    }
                }
            }
        };
        let counters = self.counters.clone();
        crate::telemetry::blocking(move || {
            let _slot = slot;
            let _running = Running::start(&counters);
            work()
        })
        .await
        .map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::Params;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let password = Password::parse("correct horse battery").unwrap();
        let a = hash(&password).unwrap();
        let b = hash(&password).unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterz", &a));
        assert!(!verify("anything", "not a hash"));
        assert!(!verify_login("correct horse battery", None));
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let real = hash(&Password::parse("correct horse battery").unwrap()).unwrap();
        let params = |stored: &str| {
            let parsed = PasswordHash::new(stored).unwrap();
            (
                parsed.algorithm.to_string(),
                parsed.version,
                Params::try_from(&parsed).unwrap(),
            )
        };
        assert_eq!(params(DECOY_HASH), params(&real));
    }

    #[tokio::test]
    async fn a_caller_that_finds_no_free_slot_within_the_queue_wait_is_refused_with_503() {
        let pool = Arc::new(HashingPool::new(1, Duration::from_millis(20)));
        let (entered, in_slot) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holding = pool.clone();
        let holder = tokio::spawn(async move {
            holding
                .run(move || {
                    entered.send(()).unwrap();
                    released.recv().unwrap();
                })
                .await
        });
        tokio::task::spawn_blocking(move || in_slot.recv().unwrap())
            .await
            .unwrap();
        let refused = pool.verify_login("guess".into(), None).await.unwrap_err();
        assert_eq!(refused.status(), 503);
        assert_eq!(
            pool.stats(),
            HashingStats {
                slots: 1,
                in_flight: 1,
                in_flight_max: 1,
                completed: 0,
                refused: 1
            }
        );
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert!(!pool.verify_login("guess".into(), None).await.unwrap());
        let after = pool.stats();
        assert_eq!((after.in_flight, after.completed, after.refused), (0, 2, 1));
    }
}
