//! Password hashing with argon2id (the argon2 crate's defaults: m=19 MiB, t=2, p=1,
//! OWASP's recommended minimum). Hashing is slow on purpose: callers run it on the
//! blocking pool.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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
/// accounts take the same time to refuse.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("decoy password that never matches")
        .ok()
        .and_then(|p| hash(&p).ok())
        .unwrap_or_default()
});

/// Checks a login attempt; `stored` is `None` when no such user exists.
pub fn verify_login(candidate: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(candidate, stored),
        None => {
            let _ = verify(candidate, &DECOY_HASH);
            false
        }
    }
}

/// [`hash`] on the blocking pool.
pub async fn hash_off_thread(password: Password) -> Result<String, ApiError> {
    crate::telemetry::blocking(move || hash(&password))
        .await
        .map_err(ApiError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
