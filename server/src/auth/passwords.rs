//! Password hashing with argon2id (the argon2 crate's defaults: m=19 MiB, t=2, p=1,
//! OWASP's recommended minimum). Hashing is slow and memory-hungry on purpose, so the
//! server runs every hash and verification on one bounded pool, [`HashingPool`]: a
//! flood of sign-ins costs at most `slots` hashes at once, and the rest wait briefly or
//! are turned away with a 503, instead of each taking 19 MiB on its own thread.
//!
//! Each slot also keeps argon2's 19 MiB of working memory from one hash to the next
//! ([`Memory`]). Bounding the hashes alone did not bound the process: allocated and
//! freed 50 times a second, those 19 MiB blocks raise glibc's dynamic mmap threshold, so
//! they are carved from the heap, and the heap does not shrink back; a 64-client flood
//! grew a server with 2 slots to 1.7 GiB (the `login_flood` benchmark). Reused, they are
//! allocated once per slot and the flood's high-water mark stays under 100 MiB, on any
//! allocator, without `mallopt` (which needs unsafe code).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::accounts::Password;
use crate::error::ApiError;

/// argon2's working memory: 1 KiB blocks, as many as the hash's memory cost.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// What every hash this server makes needs (19 MiB); a slot keeps at most this.
    const SLOT_BLOCKS: usize = Params::DEFAULT.block_count();

    /// Runs `argon2` in this memory. A stored hash that asks for more than the default
    /// memory cost (none that this server made) gets memory of its own for this call.
    fn hash_into(
        &mut self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), argon2::Error> {
        let needed = argon2.params().block_count();
        if needed > Self::SLOT_BLOCKS {
            return argon2.hash_password_into(password, salt, out);
        }
        if self.0.len() < Self::SLOT_BLOCKS {
            self.0.resize(Self::SLOT_BLOCKS, Block::default());
        }
        // Left over from the last hash is fine: argon2 overwrites every block it reads
        // before reading it.
        argon2.hash_password_into_with_memory(password, salt, out, &mut self.0[..needed])
    }
}

/// A new argon2id hash of `password` in PHC string form, with a fresh random salt.
pub fn hash(password: &Password) -> Result<String, ApiError> {
    hash_in(&mut Memory::default(), password)
}

/// Whether `candidate` matches `stored`. An unreadable stored hash never matches.
pub fn verify(candidate: &str, stored: &str) -> bool {
    verify_in(&mut Memory::default(), candidate, stored)
}

// password_hash's errors do not implement std::error::Error: keep their text.
fn hash_in(memory: &mut Memory, password: &Password) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::internal(e.to_string()))?;
    let encoded_salt =
        SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(e.to_string()))?;
    let argon2 = Argon2::default();
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(memory.hash_into(&argon2, password.expose().as_bytes(), &salt, out)?)
    })
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let params =
        ParamsString::try_from(argon2.params()).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params,
        salt: Some(encoded_salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// What argon2's `PasswordVerifier` does, in `memory`: the stored hash's own algorithm,
/// version and parameters, and a constant-time comparison (`Output`'s equality).
fn verify_in(memory: &mut Memory, candidate: &str, stored: &str) -> bool {
    let mut verify = || -> Result<bool, argon2::password_hash::Error> {
        let parsed = PasswordHash::new(stored)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let argon2 = Argon2::new(
            Algorithm::try_from(parsed.algorithm)?,
            version,
            Params::try_from(&parsed)?,
        );
        let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
        let salt = salt.decode_b64(&mut salt_bytes)?;
        let computed = Output::init_with(expected.len(), |out| {
            Ok(memory.hash_into(&argon2, candidate.as_bytes(), salt, out)?)
        })?;
        Ok(computed == expected)
    };
    verify().unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that unknown and known
/// accounts take the same time to refuse: the same parameters as every new hash (a test
/// keeps it so), with a made-up output that no known password produces. A constant, so
/// that no caller pays for making it.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$\
                          3zS7S8Xn1rhGmH4vYvVh+6i5wD0rB4lTt0a1yXr0mGI";

/// Checks a login attempt; `stored` is `None` when no such user exists.
fn verify_login_in(memory: &mut Memory, candidate: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify_in(memory, candidate, stored),
        None => {
            let _ = verify_in(memory, candidate, DECOY_HASH);
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

#[derive(Default)]
struct Shared {
    /// The working memory of the slots not in use (at most one per slot).
    idle_memory: Mutex<Vec<Memory>>,
    in_flight: AtomicUsize,
    in_flight_max: AtomicUsize,
    completed: AtomicU64,
    refused: AtomicU64,
}

impl Shared {
    fn idle_memory(&self) -> std::sync::MutexGuard<'_, Vec<Memory>> {
        match self.idle_memory.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Counts one running hash for as long as it lives.
struct Running<'a>(&'a Shared);

impl<'a> Running<'a> {
    fn start(counters: &'a Shared) -> Self {
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
pub struct HashingPool {
    slots: Arc<Semaphore>,
    slot_count: usize,
    queue_wait: Duration,
    shared: Arc<Shared>,
}

impl HashingPool {
    pub fn new(slots: usize, queue_wait: Duration) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            slot_count: slots,
            queue_wait,
            shared: Arc::default(),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        self.run(move |memory| hash_in(memory, &password)).await?
    }

    /// Whether `candidate` matches `stored`.
    pub async fn verify(&self, candidate: String, stored: String) -> Result<bool, ApiError> {
        self.run(move |memory| verify_in(memory, &candidate, &stored))
            .await
    }

    /// Checks a login attempt; `stored` is `None` when no such user exists (the decoy
    /// hash is checked instead, at the same cost).
    pub async fn verify_login(
        &self,
        candidate: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        self.run(move |memory| verify_login_in(memory, &candidate, stored.as_deref()))
            .await
    }

    pub fn stats(&self) -> HashingStats {
        HashingStats {
            slots: self.slot_count,
            in_flight: self.shared.in_flight.load(Ordering::SeqCst),
            in_flight_max: self.shared.in_flight_max.load(Ordering::SeqCst),
            completed: self.shared.completed.load(Ordering::SeqCst),
            refused: self.shared.refused.load(Ordering::SeqCst),
        }
    }

    /// Runs `work` in a slot, with the slot's memory. The slot goes with the work onto
    /// the blocking thread, so a caller that gives up (a client that disconnects) frees
    /// it only when the hash ends: abandoned requests cannot push the number of running
    /// hashes past the bound.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                match tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned())
                    .await
                {
                    Ok(slot) => slot.map_err(ApiError::internal)?,
                    Err(_) => {
                        self.shared.refused.fetch_add(1, Ordering::SeqCst);
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
        let shared = self.shared.clone();
        crate::telemetry::blocking(move || {
            let _slot = slot;
            let _running = Running::start(&shared);
            let mut memory = shared.idle_memory().pop().unwrap_or_default();
            let result = work(&mut memory);
            shared.idle_memory().push(memory);
            result
        })
        .await
        .map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

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
        assert!(!verify_login_in(
            &mut Memory::default(),
            "correct horse battery",
            None
        ));
    }

    /// argon2's own hasher and verifier, which allocate their memory for every call.
    fn reference_hash(password: &str, params: Params) -> String {
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn reused_memory_hashes_and_verifies_as_argon2_itself_does() {
        let mut memory = Memory::default();
        for password in ["correct horse battery", "another password entirely"] {
            let ours = hash_in(&mut memory, &Password::parse(password).unwrap()).unwrap();
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            );
            let theirs = reference_hash(password, Params::default());
            assert!(verify_in(&mut memory, password, &theirs));
            assert!(!verify_in(&mut memory, "correct horse batterz", &theirs));
        }
        assert_eq!(
            memory.0.len(),
            Memory::SLOT_BLOCKS,
            "one slot's memory, kept"
        );
    }

    #[test]
    fn hashes_with_other_parameters_verify_and_leave_the_slot_memory_as_it_was() {
        let mut memory = Memory::default();
        let small = reference_hash(
            "correct horse battery",
            Params::new(64, 1, 2, None).unwrap(),
        );
        assert!(verify_in(&mut memory, "correct horse battery", &small));
        assert!(!verify_in(&mut memory, "correct horse batterz", &small));
        let larger_than_a_slot = u32::try_from(Memory::SLOT_BLOCKS).unwrap() + 8;
        let large = reference_hash(
            "correct horse battery",
            Params::new(larger_than_a_slot, 1, 1, None).unwrap(),
        );
        assert!(verify_in(&mut memory, "correct horse battery", &large));
        assert_eq!(memory.0.len(), Memory::SLOT_BLOCKS);
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
                .run(move |_| {
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
        let kept = pool.shared.idle_memory();
        assert_eq!(kept.len(), 1, "the slot's memory is kept for the next hash");
        assert_eq!(kept[0].0.len(), Memory::SLOT_BLOCKS);
    }
}
