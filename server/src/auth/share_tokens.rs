//! Share link tokens: 32 random bytes, base64url (43 characters). Only their SHA-256 is
//! stored and looked up, as for API keys: the token is 256 bits of randomness, so a slow
//! password hash would add cost without adding safety.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::api_keys::digest;
use crate::error::ApiError;

/// Characters of a token: 32 bytes in unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// A fresh token to show once, and the hash to store.
pub struct GeneratedToken {
    pub token: String,
    pub hash: String,
}

pub fn generate() -> Result<GeneratedToken, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(e.to_string()))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    Ok(GeneratedToken {
        hash: digest(&token),
        token,
    })
}

/// The hash to look a presented token up by; `None` when it cannot be a token (so the
/// database is not asked about arbitrary text).
pub fn lookup_hash(presented: &str) -> Option<String> {
    let well_formed = presented.len() == TOKEN_LEN
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| digest(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_stored_only_as_their_hash() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), TOKEN_LEN);
        assert_eq!(lookup_hash(&a.token).as_deref(), Some(a.hash.as_str()));
        assert!(!a.hash.contains(&a.token));
        assert_eq!(lookup_hash("short"), None);
        assert_eq!(lookup_hash(&"%".repeat(TOKEN_LEN)), None);
    }
}
