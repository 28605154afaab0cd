//! API key secrets: `cdmx_sk_` + a 12-character lookup id + `_` + 43 characters of
//! secret. Only a SHA-256 of the whole key is stored: the key is 256 bits of randomness,
//! so a slow password hash would add cost without adding safety.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const KEY_PREFIX: &str = "cdmx_sk_";
const LOOKUP_ID_LEN: usize = 12;
/// `cdmx_sk_` plus the lookup id: shown in listings, unique, used to find the key.
pub const DISPLAY_PREFIX_LEN: usize = KEY_PREFIX.len() + LOOKUP_ID_LEN;

/// A freshly generated key: the secret to show once, and what is stored.
pub struct GeneratedKey {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> Result<GeneratedKey, ApiError> {
    let mut lookup = [0u8; LOOKUP_ID_LEN / 2];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut lookup).map_err(|e| ApiError::internal(e.to_string()))?;
    getrandom::fill(&mut secret).map_err(|e| ApiError::internal(e.to_string()))?;
    let lookup: String = lookup.iter().map(|b| format!("{b:02x}")).collect();
    let prefix = format!("{KEY_PREFIX}{lookup}");
    let secret = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    Ok(GeneratedKey {
        hash: digest(&secret),
        prefix,
        secret,
    })
}

/// The lookup prefix of a presented key, if it has the shape of one.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let well_formed = presented.starts_with(KEY_PREFIX)
        && presented.len() == DISPLAY_PREFIX_LEN + 1 + 43
        && presented.as_bytes().get(DISPLAY_PREFIX_LEN) == Some(&b'_');
    well_formed.then(|| &presented[..DISPLAY_PREFIX_LEN])
}

pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares a presented key with a stored digest without an early exit.
pub fn matches(presented: &str, stored_digest: &str) -> bool {
    let candidate = digest(presented);
    candidate.len() == stored_digest.len()
        && candidate
            .bytes()
            .zip(stored_digest.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_recognisable_and_match_only_themselves() {
        let key = generate().unwrap();
        assert!(key.secret.starts_with("cdmx_sk_"));
        assert_eq!(prefix_of(&key.secret), Some(key.prefix.as_str()));
        assert!(matches(&key.secret, &key.hash));
        let other = generate().unwrap();
        assert_ne!(key.secret, other.secret);
        assert!(!matches(&other.secret, &key.hash));
        assert!(!key.hash.contains(&key.secret[DISPLAY_PREFIX_LEN + 1..]));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        assert_eq!(prefix_of("cdmx_sk_short"), None);
        assert_eq!(prefix_of("Bearer something"), None);
    }
}
