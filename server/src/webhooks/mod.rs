//! Webhook delivery: the settings, the outbound guard (which URLs and addresses may be
//! called), signing secrets and the retry schedule. The worker that sends is
//! [`worker`]; endpoints are managed in `app::webhooks`.

pub mod worker;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::Settings;

/// The webhook settings a process runs with.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The first retry's delay; each further one is 4 times longer (with jitter).
    pub retry_base: Duration,
    /// How long a delivery is retried before it is given up.
    pub retry_for: Duration,
    /// Longest wait for an endpoint's answer.
    pub timeout: Duration,
    /// How often the worker looks for due deliveries when nothing woke it.
    pub poll_interval: Duration,
    /// Whether private, loopback and link-local addresses may be called.
    pub allow_private_addresses: bool,
}

impl WebhookSettings {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            retry_base: Duration::from_millis(settings.webhook_retry_base_ms),
            retry_for: Duration::from_secs(settings.webhook_retry_for_seconds),
            timeout: Duration::from_millis(settings.webhook_timeout_ms),
            poll_interval: Duration::from_millis(settings.webhook_poll_interval_ms),
            allow_private_addresses: settings.webhook_allow_private_addresses,
        }
    }

    /// How long a worker holds a delivery it took: longer than any attempt can last, so
    /// that only a worker that died loses it to another.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// The longest delay between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10 * 3600);

/// The delay before retry `failed_attempts` (1 after the first failure): the base times
/// 4 to the power of the failures before it, capped at 10 hours, times a jitter factor
/// (0.8 to 1.2) so that endpoints coming back are not hit by every retry at once.
pub fn retry_delay(base: Duration, failed_attempts: u32, jitter: f64) -> Duration {
    let exponent = failed_attempts.saturating_sub(1).min(20);
    let delay = base
        .saturating_mul(4u32.saturating_pow(exponent))
        .min(MAX_RETRY_DELAY);
    delay.mul_f64(jitter.clamp(0.8, 1.2))
}

/// A jitter factor between 0.8 and 1.2.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 1.0;
    }
    0.8 + 0.4 * f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX)
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!(
        "{}{}",
        cdmx_sdk::webhooks::SECRET_PREFIX,
        STANDARD.encode(bytes)
    ))
}

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("is not a URL: {0}")]
    Invalid(String),
    #[error("must be http or https")]
    Scheme,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("must be at most 2000 characters")]
    TooLong,
    #[error("the host `{0}` cannot be resolved")]
    Unresolved(String),
    #[error(
        "the host resolves to {0}, a private, loopback, link-local or otherwise non-public \
         address, which webhooks may not call"
    )]
    Private(IpAddr),
}

/// Reads and checks a webhook URL's form (scheme, no credentials, length).
pub fn parse_url(text: &str) -> Result<reqwest::Url, UrlRefused> {
    if text.len() > 2000 {
        return Err(UrlRefused::TooLong);
    }
    let url = reqwest::Url::parse(text).map_err(|e| UrlRefused::Invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::Credentials);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlRefused::Invalid("it has no host".into()));
    }
    Ok(url)
}

/// Checks that `url` may be called now: its host resolves, and unless private addresses
/// are allowed, to public addresses only. Checked at registration and before every
/// attempt (a name may resolve elsewhere later); the delivery client's
/// [`GuardedResolver`] checks again the very addresses it connects to.
pub async fn check_url(url: &reqwest::Url, allow_private: bool) -> Result<(), UrlRefused> {
    let host = url
        .host_str()
        .ok_or_else(|| UrlRefused::Invalid("it has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    match host.parse::<IpAddr>() {
        Ok(ip) => checked(vec![SocketAddr::new(ip, port)], host, allow_private).map(drop),
        Err(_) => resolve_checked(host, port, allow_private).await.map(drop),
    }
}

/// The addresses `host` resolves to, all of them public unless private ones are allowed.
async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, UrlRefused> {
    let addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| UrlRefused::Unresolved(host.to_owned()))?
        .collect();
    checked(addresses, host, allow_private)
}

fn checked(
    addresses: Vec<SocketAddr>,
    host: &str,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, UrlRefused> {
    if addresses.is_empty() {
        return Err(UrlRefused::Unresolved(host.to_owned()));
    }
    if !allow_private && let Some(a) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(UrlRefused::Private(a.ip()));
    }
    Ok(addresses)
}

/// The delivery client's resolver: a host name resolves only to the addresses checked
/// here, so the connection goes to exactly what was checked. Without it a name that
/// resolved to a public address in [`check_url`] could be re-pointed at an internal one
/// before the client resolved it again to connect (DNS rebinding). Address literals
/// never reach a resolver; [`check_url`] covers them.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (host, allow_private) = (name.as_str().to_owned(), self.allow_private);
        Box::pin(async move {
            // Port 0: the client puts the URL's port in.
            let addresses = resolve_checked(&host, 0, allow_private).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an address is one the internet routes to a third party: not private,
/// loopback, link-local, unspecified, multicast, broadcast, shared (CGNAT) or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv6Addr::LOCALHOST)
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_multicast()
        || v4.is_broadcast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_public_addresses() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(
                !is_public(refused.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{refused}"
            );
        }
        for public in ["203.0.113.10", "8.8.8.8", "2001:db8::1"] {
            assert!(
                is_public(public.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{public}"
            );
        }
    }

    #[test]
    fn retries_back_off_by_four_up_to_ten_hours() {
        let base = Duration::from_secs(5);
        assert_eq!(retry_delay(base, 1, 1.0), Duration::from_secs(5));
        assert_eq!(retry_delay(base, 2, 1.0), Duration::from_secs(20));
        assert_eq!(retry_delay(base, 3, 1.0), Duration::from_secs(80));
        assert_eq!(retry_delay(base, 12, 1.0), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(base, 1, 1.2), Duration::from_secs(6));
        let j = jitter();
        assert!((0.8..=1.2).contains(&j), "{j}");
    }

    #[test]
    fn urls_must_be_http_without_credentials() {
        assert_eq!(
            parse_url("ftp://example.com/x").err(),
            Some(UrlRefused::Scheme)
        );
        assert_eq!(
            parse_url("https://u:p@example.com/").err(),
            Some(UrlRefused::Credentials)
        );
        assert!(matches!(
            parse_url("not a url"),
            Err(UrlRefused::Invalid(_))
        ));
        assert!(parse_url("https://hooks.example.com/cdmx").is_ok());
    }
}
