//! Webhook signatures (the Standard Webhooks scheme): how the exchange signs each
//! delivery and how a receiver checks it.
//!
//! Every delivery carries three headers:
//! - `webhook-id`: the event's id (the same on every retry: use it to drop duplicates);
//! - `webhook-timestamp`: seconds since the Unix epoch when the attempt was sent;
//! - `webhook-signature`: one or more space-separated `v1,<base64>` signatures, each the
//!   HMAC-SHA256, keyed with the secret's bytes (the base64 after `whsec_`), of
//!   `{webhook-id}.{webhook-timestamp}.{body}`. During a secret rotation's overlap both
//!   the new and the previous secret sign, so either verifies.
//!
//! [`verify_webhook`] accepts a delivery when one signature matches and the timestamp is
//! within [`TOLERANCE_SECONDS`] of now (older or newer is refused: a replay).
//!
//! ```
//! use cdmx_sdk::webhooks::{sign, verify_webhook_at};
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! let body = br#"{"id":"evt"}"#;
//! let signature = sign(secret, "msg_1", 1_700_000_000, body).unwrap();
//! let headers = [
//!     ("webhook-id", "msg_1"),
//!     ("webhook-timestamp", "1700000000"),
//!     ("webhook-signature", signature.as_str()),
//! ];
//! assert!(verify_webhook_at(secret, &headers[..], body, 1_700_000_010).is_ok());
//! assert!(verify_webhook_at(secret, &headers[..], body, 1_700_000_400).is_err());
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far (seconds) a delivery's timestamp may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The prefix of a webhook signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Why a delivery was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not `whsec_` followed by base64.
    #[error("the secret is not a webhook secret (whsec_...)")]
    InvalidSecret,
    /// A signature header is missing.
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a number of seconds.
    #[error("the `webhook-timestamp` header is not a timestamp")]
    InvalidTimestamp,
    /// The timestamp is outside the tolerance window (a replay, or a wrong clock).
    #[error("the timestamp is outside the tolerance window")]
    OutsideTolerance,
    /// No signature matches.
    #[error("no signature matches")]
    InvalidSignature,
}

/// Where [`verify_webhook`] reads headers from (names are compared ignoring case).
pub trait WebhookHeaders {
    /// The value of header `name`, if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl WebhookHeaders for std::collections::HashMap<String, String> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(feature = "client")]
impl WebhookHeaders for reqwest::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

fn secret_key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| !key.is_empty())
        .ok_or(WebhookError::InvalidSecret)
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Result<Hmac<Sha256>, WebhookError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| WebhookError::InvalidSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `v1,<base64>` signature of a delivery under `secret`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, WebhookError> {
    let tag = mac(&secret_key(secret)?, id, timestamp, body)?
        .finalize()
        .into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a delivery's signature and timestamp against the clock: `Ok(())` when one of
/// the `webhook-signature` signatures is `secret`'s and the timestamp is within
/// [`TOLERANCE_SECONDS`] of now. Give it the body exactly as received.
pub fn verify_webhook<H: WebhookHeaders + ?Sized>(
    secret: &str,
    headers: &H,
    body: &[u8],
) -> Result<(), WebhookError> {
    verify_webhook_at(secret, headers, body, chrono::Utc::now().timestamp())
}

/// [`verify_webhook`] at a given time (seconds since the Unix epoch).
pub fn verify_webhook_at<H: WebhookHeaders + ?Sized>(
    secret: &str,
    headers: &H,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    let key = secret_key(secret)?;
    let id = headers
        .header("webhook-id")
        .ok_or(WebhookError::MissingHeader("webhook-id"))?;
    let timestamp: i64 = headers
        .header("webhook-timestamp")
        .ok_or(WebhookError::MissingHeader("webhook-timestamp"))?
        .trim()
        .parse()
        .map_err(|_| WebhookError::InvalidTimestamp)?;
    let signatures = headers
        .header("webhook-signature")
        .ok_or(WebhookError::MissingHeader("webhook-signature"))?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::OutsideTolerance);
    }
    for candidate in signatures.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            continue;
        };
        // `verify_slice` compares in constant time.
        if mac(&key, id, timestamp, body)?.verify_slice(&tag).is_ok() {
            return Ok(());
        }
    }
    Err(WebhookError::InvalidSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The Standard Webhooks specification's example.
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(
            signature.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn refuses_a_changed_body_a_wrong_secret_and_an_old_timestamp() {
        let body = b"{}";
        let signature = sign(SECRET, "id", 1000, body).unwrap_or_default();
        let headers = vec![
            ("webhook-id", "id".to_owned()),
            ("webhook-timestamp", "1000".to_owned()),
            ("webhook-signature", format!("v1,bm9wZQ== {signature}")),
        ];
        assert_eq!(verify_webhook_at(SECRET, &headers, body, 1000), Ok(()));
        assert_eq!(
            verify_webhook_at(SECRET, &headers, b"{ }", 1000),
            Err(WebhookError::InvalidSignature)
        );
        assert_eq!(
            verify_webhook_at("whsec_c2Vjb25k", &headers, body, 1000),
            Err(WebhookError::InvalidSignature)
        );
        assert_eq!(
            verify_webhook_at(SECRET, &headers, body, 1000 + TOLERANCE_SECONDS + 1),
            Err(WebhookError::OutsideTolerance)
        );
        assert_eq!(
            verify_webhook_at(SECRET, &headers[..2], body, 1000),
            Err(WebhookError::MissingHeader("webhook-signature"))
        );
    }
}
