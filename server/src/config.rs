//! Layered configuration: built-in defaults, then an optional TOML file, then `CDMX_*`
//! environment variables (the last one wins).

use std::net::IpAddr;
use std::path::Path;

use serde::Deserialize;

use crate::db::DatabaseUrl;

/// Every setting of the server. The README lists each with its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`CDMX_BIND`). Port 0 picks a free port.
    pub bind: String,
    /// `sqlite://path` or `postgres://...` (`CDMX_DATABASE_URL`).
    pub database_url: String,
    /// Connections in the database pool (`CDMX_DATABASE_POOL_SIZE`).
    pub database_pool_size: u32,
    /// HS256 signing secret for access tokens, at least 32 bytes (`CDMX_JWT_SECRET`).
    /// When absent a random one is generated at start: tokens then die with the process
    /// and are not accepted by other processes, so set it for any shared deployment.
    pub jwt_secret: Option<String>,
    /// Signing secrets rotated out, comma-separated in the environment
    /// (`CDMX_JWT_PREVIOUS_SECRETS`): tokens they signed (named by `kid`) still validate
    /// until they expire; new tokens use `jwt_secret`. Each at least 32 bytes.
    pub jwt_previous_secrets: Vec<String>,
    /// Seconds a process may trust its cached answer to "is this user's token still
    /// good" (`CDMX_TOKEN_CHECK_CACHE_SECONDS`, 0 to 60; 0 asks the database on every
    /// request). Revocations through this process apply at once; another process may
    /// accept a revoked token for at most this long.
    pub token_check_cache_seconds: u64,
    /// `iss` claim of issued tokens (`CDMX_JWT_ISSUER`).
    pub jwt_issuer: String,
    /// `aud` claim of issued tokens (`CDMX_JWT_AUDIENCE`).
    pub jwt_audience: String,
    /// Access token lifetime in seconds (`CDMX_TOKEN_TTL_SECONDS`).
    pub token_ttl_seconds: u64,
    /// A tracing filter such as `info` or `cdmx=debug,info` (`CDMX_LOG`).
    pub log_level: String,
    /// `text` or `json` (`CDMX_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Browser origins allowed by CORS, comma-separated in the environment
    /// (`CDMX_CORS_ORIGINS`). Empty: no cross-origin browser access.
    pub cors_origins: Vec<String>,
    /// Largest accepted request body in bytes (`CDMX_BODY_LIMIT_BYTES`).
    pub body_limit_bytes: usize,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT
    /// (`CDMX_SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_timeout_seconds: u64,
    /// HTTP worker threads; 0 means one per core (`CDMX_WORKERS`).
    pub workers: usize,
    /// Load the demo data set on first start of an empty database (`CDMX_DEMO_DATA`:
    /// `true`, `false` or `auto`). Absent (auto): on for SQLite, off for PostgreSQL, so
    /// a production database never fills with fictional CDMOs by accident.
    pub demo_data: Option<bool>,
    /// How long a hold lasts unless the CDMO confirms it (`CDMX_HOLD_TTL_SECONDS`).
    pub hold_ttl_seconds: u64,
    /// Most slots one sponsor may hold on one capacity block (`CDMX_MAX_HELD_SLOTS_PER_BLOCK`).
    pub max_held_slots_per_block: u32,
    /// Most slots one sponsor may hold in total (`CDMX_MAX_HELD_SLOTS_TOTAL`).
    pub max_held_slots_total: u32,
    /// Seconds between sweeps that expire lapsed holds and old idempotency keys
    /// (`CDMX_SWEEP_INTERVAL_SECONDS`). Availability never waits for it: a lapsed hold
    /// stops counting at its expiry.
    pub sweep_interval_seconds: u64,
    /// Milliseconds between checks of capacity watches against the CDMOs whose capacity
    /// changed (`CDMX_WATCH_CHECK_INTERVAL_MS`): how late, at most, a
    /// `capacity.available` event can be.
    pub watch_check_interval_ms: u64,
    /// Milliseconds before a failed webhook delivery's first retry
    /// (`CDMX_WEBHOOK_RETRY_BASE_MS`, 10 to 3,600,000); each further retry waits 4 times
    /// longer, with jitter, at most 10 hours.
    pub webhook_retry_base_ms: u64,
    /// Seconds a failing delivery is retried before it is given up and its endpoint
    /// disabled (`CDMX_WEBHOOK_RETRY_FOR_SECONDS`, 1 to 604,800; default 24 hours).
    pub webhook_retry_for_seconds: u64,
    /// Longest wait in milliseconds for an endpoint's answer (`CDMX_WEBHOOK_TIMEOUT_MS`,
    /// 100 to 30,000).
    pub webhook_timeout_ms: u64,
    /// Milliseconds between looks for due deliveries when no write woke the worker
    /// (`CDMX_WEBHOOK_POLL_INTERVAL_MS`, 10 to 60,000): how late a retry, or a delivery
    /// queued by another process, can start.
    pub webhook_poll_interval_ms: u64,
    /// Whether webhook URLs may resolve to private, loopback or link-local addresses
    /// (`CDMX_WEBHOOK_ALLOW_PRIVATE_ADDRESSES`). Off: such URLs are refused at
    /// registration and deliveries to them are not sent.
    pub webhook_allow_private_addresses: bool,
    /// Bearer token that `GET /metrics` requires, at least 32 bytes
    /// (`CDMX_METRICS_TOKEN`). Absent: `/metrics` answers 404, so that nothing about the
    /// process is published by default.
    pub metrics_token: Option<String>,
    /// Longest wait for a pooled database connection, in milliseconds, before the
    /// request is answered 503 (`CDMX_DB_CHECKOUT_TIMEOUT_MS`).
    pub db_checkout_timeout_ms: u64,
    /// Proxies whose `X-Forwarded-For` names the client, comma-separated IP addresses
    /// in the environment (`CDMX_TRUSTED_PROXIES`). Empty: the peer address is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// The window of every `rate_limit_*` quota, in seconds
    /// (`CDMX_RATE_LIMIT_WINDOW_SECONDS`): a quota may be spent at once, and each request
    /// comes back window / quota after it was made.
    pub rate_limit_window_seconds: u64,
    /// Sign-in attempts per client address per window (`CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS`).
    /// Every `rate_limit_*` quota: 0 turns that limit off.
    pub rate_limit_login_per_address: u32,
    /// Sign-in attempts per account (email) per window (`CDMX_RATE_LIMIT_LOGIN_PER_ACCOUNT`).
    pub rate_limit_login_per_account: u32,
    /// Sign-ups per client address per window (`CDMX_RATE_LIMIT_SIGNUP_PER_ADDRESS`).
    pub rate_limit_signup_per_address: u32,
    /// Sign-ups per email per window (`CDMX_RATE_LIMIT_SIGNUP_PER_ACCOUNT`).
    pub rate_limit_signup_per_account: u32,
    /// Shared reports opened (`GET /v1/shared/{token}/report`, no account) per client
    /// address per window (`CDMX_RATE_LIMIT_SHARED_REPORTS_PER_ADDRESS`): each renders a
    /// report.
    pub rate_limit_shared_reports_per_address: u32,
    /// Authenticated writes (not `GET`, matches apart) per organisation per window
    /// (`CDMX_RATE_LIMIT_ORGANIZATION_WRITES`).
    pub rate_limit_organization_writes: u32,
    /// Matches per organisation per window (`CDMX_RATE_LIMIT_ORGANIZATION_MATCHES`).
    pub rate_limit_organization_matches: u32,
    /// Most keys (addresses, accounts, organisations) each limiter tracks
    /// (`CDMX_RATE_LIMIT_MAX_KEYS`).
    pub rate_limit_max_keys: usize,
    /// Failed sign-ins of an account before each further attempt must wait
    /// (`CDMX_LOGIN_FAILURES_BEFORE_BACKOFF`); 0 turns the slow-down off.
    pub login_failures_before_backoff: u32,
    /// Longest wait the failed sign-in slow-down imposes (`CDMX_LOGIN_BACKOFF_MAX_SECONDS`).
    pub login_backoff_max_seconds: u64,
    /// Password hashes (sign-in, sign-up, new users, password changes) that may run at
    /// once, each taking 19 MiB for its duration (`CDMX_PASSWORD_HASH_SLOTS`); 0 means
    /// one per core.
    pub password_hash_slots: usize,
    /// Longest wait for a free hashing slot, in milliseconds, before the request is
    /// answered 503 (`CDMX_PASSWORD_HASH_QUEUE_MS`).
    pub password_hash_queue_ms: u64,
    /// Milliseconds a process serves profile reads and search from its index without
    /// reading the change counter again (`CDMX_INDEX_FRESHNESS_MS`, 0 to 60,000; 0 reads
    /// it on every request). A write through this process is seen by its next read; one
    /// through another process may go unseen for at most this long.
    pub index_freshness_ms: u64,
    /// Most bytes of serialised profile responses a process keeps for reuse
    /// (`CDMX_PROFILE_CACHE_BYTES`); the least recently read go first, 0 keeps none.
    pub profile_cache_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            database_url: "sqlite://cdmx.db".to_owned(),
            database_pool_size: 8,
            jwt_secret: None,
            jwt_previous_secrets: Vec::new(),
            token_check_cache_seconds: 5,
            jwt_issuer: "cdmx".to_owned(),
            jwt_audience: "cdmx-api".to_owned(),
            token_ttl_seconds: 3600,
            log_level: "info".to_owned(),
            log_format: LogFormat::Text,
            cors_origins: Vec::new(),
            body_limit_bytes: 1024 * 1024,
            shutdown_timeout_seconds: 30,
            workers: 0,
            demo_data: None,
            hold_ttl_seconds: 72 * 3600,
            max_held_slots_per_block: 10,
            max_held_slots_total: 40,
            sweep_interval_seconds: 60,
            watch_check_interval_ms: 1000,
            webhook_retry_base_ms: 5000,
            webhook_retry_for_seconds: 86_400,
            webhook_timeout_ms: 10_000,
            webhook_poll_interval_ms: 1000,
            webhook_allow_private_addresses: false,
            metrics_token: None,
            db_checkout_timeout_ms: 3000,
            trusted_proxies: Vec::new(),
            rate_limit_window_seconds: 60,
            rate_limit_login_per_address: 60,
            rate_limit_login_per_account: 30,
            rate_limit_signup_per_address: 10,
            rate_limit_signup_per_account: 3,
            rate_limit_shared_reports_per_address: 30,
            rate_limit_organization_writes: 300,
            rate_limit_organization_matches: 60,
            rate_limit_max_keys: 100_000,
            login_failures_before_backoff: 20,
            login_backoff_max_seconds: 300,
            password_hash_slots: 0,
            password_hash_queue_ms: 1000,
            // Every read sees every process's writes unless an operator trades that
            // for fewer counter reads.
            index_freshness_ms: 0,
            profile_cache_bytes: 32 * 1024 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    ReadFile {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    ParseFile { path: String, message: String },
    #[error("invalid value for {variable}: {message}")]
    Invalid { variable: String, message: String },
}

fn invalid(variable: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        variable: variable.to_owned(),
        message: message.into(),
    }
}

/// The items of a comma-separated environment value, trimmed, empty ones dropped.
fn comma_separated(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Settings {
    /// Defaults, then `file` if given, then the environment as read by `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut settings = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        settings.apply_env(env)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Reads the process environment; the file comes from `CDMX_CONFIG` unless given.
    pub fn from_process_env(file: Option<&Path>) -> Result<Self, ConfigError> {
        let from_env = std::env::var("CDMX_CONFIG").ok();
        let file = file.or(from_env.as_deref().map(Path::new));
        Self::load(file, |name| std::env::var(name).ok())
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value
                .trim()
                .parse()
                .map_err(|e: T::Err| invalid(name, e.to_string()))
        }
        if let Some(v) = env("CDMX_BIND") {
            self.bind = v;
        }
        if let Some(v) = env("CDMX_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("CDMX_DATABASE_POOL_SIZE") {
            self.database_pool_size = parse("CDMX_DATABASE_POOL_SIZE", &v)?;
        }
        if let Some(v) = env("CDMX_JWT_SECRET") {
            self.jwt_secret = Some(v);
        }
        if let Some(v) = env("CDMX_JWT_PREVIOUS_SECRETS") {
            self.jwt_previous_secrets = comma_separated(&v);
        }
        if let Some(v) = env("CDMX_TOKEN_CHECK_CACHE_SECONDS") {
            self.token_check_cache_seconds = parse("CDMX_TOKEN_CHECK_CACHE_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_JWT_ISSUER") {
            self.jwt_issuer = v;
        }
        if let Some(v) = env("CDMX_JWT_AUDIENCE") {
            self.jwt_audience = v;
        }
        if let Some(v) = env("CDMX_TOKEN_TTL_SECONDS") {
            self.token_ttl_seconds = parse("CDMX_TOKEN_TTL_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_LOG") {
            self.log_level = v;
        }
        if let Some(v) = env("CDMX_LOG_FORMAT") {
            self.log_format = match v.trim() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(invalid(
                        "CDMX_LOG_FORMAT",
                        format!("expected `text` or `json`, got `{other}`"),
                    ));
                }
            };
        }
        if let Some(v) = env("CDMX_CORS_ORIGINS") {
            self.cors_origins = comma_separated(&v);
        }
        if let Some(v) = env("CDMX_BODY_LIMIT_BYTES") {
            self.body_limit_bytes = parse("CDMX_BODY_LIMIT_BYTES", &v)?;
        }
        if let Some(v) = env("CDMX_SHUTDOWN_TIMEOUT_SECONDS") {
            self.shutdown_timeout_seconds = parse("CDMX_SHUTDOWN_TIMEOUT_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_WORKERS") {
            self.workers = parse("CDMX_WORKERS", &v)?;
        }
        if let Some(v) = env("CDMX_HOLD_TTL_SECONDS") {
            self.hold_ttl_seconds = parse("CDMX_HOLD_TTL_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_MAX_HELD_SLOTS_PER_BLOCK") {
            self.max_held_slots_per_block = parse("CDMX_MAX_HELD_SLOTS_PER_BLOCK", &v)?;
        }
        if let Some(v) = env("CDMX_MAX_HELD_SLOTS_TOTAL") {
            self.max_held_slots_total = parse("CDMX_MAX_HELD_SLOTS_TOTAL", &v)?;
        }
        if let Some(v) = env("CDMX_SWEEP_INTERVAL_SECONDS") {
            self.sweep_interval_seconds = parse("CDMX_SWEEP_INTERVAL_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_WATCH_CHECK_INTERVAL_MS") {
            self.watch_check_interval_ms = parse("CDMX_WATCH_CHECK_INTERVAL_MS", &v)?;
        }
        if let Some(v) = env("CDMX_WEBHOOK_RETRY_BASE_MS") {
            self.webhook_retry_base_ms = parse("CDMX_WEBHOOK_RETRY_BASE_MS", &v)?;
        }
        if let Some(v) = env("CDMX_WEBHOOK_RETRY_FOR_SECONDS") {
            self.webhook_retry_for_seconds = parse("CDMX_WEBHOOK_RETRY_FOR_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_WEBHOOK_TIMEOUT_MS") {
            self.webhook_timeout_ms = parse("CDMX_WEBHOOK_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = env("CDMX_WEBHOOK_POLL_INTERVAL_MS") {
            self.webhook_poll_interval_ms = parse("CDMX_WEBHOOK_POLL_INTERVAL_MS", &v)?;
        }
        if let Some(v) = env("CDMX_WEBHOOK_ALLOW_PRIVATE_ADDRESSES") {
            self.webhook_allow_private_addresses =
                parse("CDMX_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", &v)?;
        }
        if let Some(v) = env("CDMX_METRICS_TOKEN") {
            self.metrics_token = Some(v);
        }
        if let Some(v) = env("CDMX_DB_CHECKOUT_TIMEOUT_MS") {
            self.db_checkout_timeout_ms = parse("CDMX_DB_CHECKOUT_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = env("CDMX_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse("CDMX_TRUSTED_PROXIES", s))
                .collect::<Result<_, _>>()?;
        }
        for (name, value) in [
            (
                "CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS",
                &mut self.rate_limit_login_per_address,
            ),
            (
                "CDMX_RATE_LIMIT_LOGIN_PER_ACCOUNT",
                &mut self.rate_limit_login_per_account,
            ),
            (
                "CDMX_RATE_LIMIT_SIGNUP_PER_ADDRESS",
                &mut self.rate_limit_signup_per_address,
            ),
            (
                "CDMX_RATE_LIMIT_SHARED_REPORTS_PER_ADDRESS",
                &mut self.rate_limit_shared_reports_per_address,
            ),
            (
                "CDMX_RATE_LIMIT_SIGNUP_PER_ACCOUNT",
                &mut self.rate_limit_signup_per_account,
            ),
            (
                "CDMX_RATE_LIMIT_ORGANIZATION_WRITES",
                &mut self.rate_limit_organization_writes,
            ),
            (
                "CDMX_RATE_LIMIT_ORGANIZATION_MATCHES",
                &mut self.rate_limit_organization_matches,
            ),
            (
                "CDMX_LOGIN_FAILURES_BEFORE_BACKOFF",
                &mut self.login_failures_before_backoff,
            ),
        ] {
            if let Some(v) = env(name) {
                *value = parse(name, &v)?;
            }
        }
        if let Some(v) = env("CDMX_RATE_LIMIT_WINDOW_SECONDS") {
            self.rate_limit_window_seconds = parse("CDMX_RATE_LIMIT_WINDOW_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_RATE_LIMIT_MAX_KEYS") {
            self.rate_limit_max_keys = parse("CDMX_RATE_LIMIT_MAX_KEYS", &v)?;
        }
        if let Some(v) = env("CDMX_LOGIN_BACKOFF_MAX_SECONDS") {
            self.login_backoff_max_seconds = parse("CDMX_LOGIN_BACKOFF_MAX_SECONDS", &v)?;
        }
        if let Some(v) = env("CDMX_PASSWORD_HASH_SLOTS") {
            self.password_hash_slots = parse("CDMX_PASSWORD_HASH_SLOTS", &v)?;
        }
        if let Some(v) = env("CDMX_PASSWORD_HASH_QUEUE_MS") {
            self.password_hash_queue_ms = parse("CDMX_PASSWORD_HASH_QUEUE_MS", &v)?;
        }
        if let Some(v) = env("CDMX_INDEX_FRESHNESS_MS") {
            self.index_freshness_ms = parse("CDMX_INDEX_FRESHNESS_MS", &v)?;
        }
        if let Some(v) = env("CDMX_PROFILE_CACHE_BYTES") {
            self.profile_cache_bytes = parse("CDMX_PROFILE_CACHE_BYTES", &v)?;
        }
        if let Some(v) = env("CDMX_DEMO_DATA") {
            self.demo_data = match v.trim() {
                "auto" => None,
                other => Some(parse("CDMX_DEMO_DATA", other)?),
            };
        }
        Ok(())
    }

    /// How long a process may trust its cached token check.
    pub fn token_check_cache_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.token_check_cache_seconds)
    }

    /// Password hashes that may run at once: the setting, or one per core.
    pub fn password_hash_slot_count(&self) -> usize {
        match self.password_hash_slots {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            slots => slots,
        }
    }

    /// Longest wait for a free password hashing slot.
    pub fn password_hash_queue_wait(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.password_hash_queue_ms)
    }

    /// How long a process may serve reads from its index without reading the change
    /// counter.
    pub fn index_freshness_window(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.index_freshness_ms)
    }

    /// Whether to load demo data into an empty database.
    pub fn demo_data_enabled(&self) -> bool {
        self.demo_data.unwrap_or_else(|| {
            matches!(
                DatabaseUrl::parse(&self.database_url),
                Ok(DatabaseUrl::Sqlite(_))
            )
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        DatabaseUrl::parse(&self.database_url)
            .map_err(|e| invalid("database_url (CDMX_DATABASE_URL)", e.to_string()))?;
        if self.database_pool_size == 0 {
            return Err(invalid("database_pool_size", "must be at least 1"));
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(invalid(
                "jwt_secret (CDMX_JWT_SECRET)",
                "must be at least 32 bytes",
            ));
        }
        if let Some(token) = &self.metrics_token
            && token.len() < 32
        {
            return Err(invalid(
                "metrics_token (CDMX_METRICS_TOKEN)",
                "must be at least 32 bytes",
            ));
        }
        if self.jwt_previous_secrets.iter().any(|s| s.len() < 32) {
            return Err(invalid(
                "jwt_previous_secrets (CDMX_JWT_PREVIOUS_SECRETS)",
                "each secret must be at least 32 bytes",
            ));
        }
        if self.token_check_cache_seconds > 60 {
            return Err(invalid(
                "token_check_cache_seconds (CDMX_TOKEN_CHECK_CACHE_SECONDS)",
                "must be between 0 and 60",
            ));
        }
        if self.token_ttl_seconds < 60 || self.token_ttl_seconds > 86_400 {
            return Err(invalid("token_ttl_seconds", "must be between 60 and 86400"));
        }
        if self.hold_ttl_seconds == 0 || self.sweep_interval_seconds == 0 {
            return Err(invalid(
                "hold_ttl_seconds / sweep_interval_seconds",
                "must be at least 1",
            ));
        }
        if !(10..=60_000).contains(&self.watch_check_interval_ms) {
            return Err(invalid(
                "watch_check_interval_ms (CDMX_WATCH_CHECK_INTERVAL_MS)",
                "must be between 10 and 60000",
            ));
        }
        for (value, name, range) in [
            (
                self.webhook_retry_base_ms,
                "webhook_retry_base_ms (CDMX_WEBHOOK_RETRY_BASE_MS)",
                10..=3_600_000,
            ),
            (
                self.webhook_retry_for_seconds,
                "webhook_retry_for_seconds (CDMX_WEBHOOK_RETRY_FOR_SECONDS)",
                1..=604_800,
            ),
            (
                self.webhook_timeout_ms,
                "webhook_timeout_ms (CDMX_WEBHOOK_TIMEOUT_MS)",
                100..=30_000,
            ),
            (
                self.webhook_poll_interval_ms,
                "webhook_poll_interval_ms (CDMX_WEBHOOK_POLL_INTERVAL_MS)",
                10..=60_000,
            ),
        ] {
            if !range.contains(&value) {
                return Err(invalid(
                    name,
                    format!("must be between {} and {}", range.start(), range.end()),
                ));
            }
        }
        if self.max_held_slots_per_block == 0
            || self.max_held_slots_total < self.max_held_slots_per_block
        {
            return Err(invalid(
                "max_held_slots_per_block / max_held_slots_total",
                "per block must be at least 1 and not above the total",
            ));
        }
        if self.db_checkout_timeout_ms < 100 {
            return Err(invalid("db_checkout_timeout_ms", "must be at least 100"));
        }
        if self.rate_limit_window_seconds == 0 || self.rate_limit_window_seconds > 86_400 {
            return Err(invalid(
                "rate_limit_window_seconds",
                "must be between 1 and 86400",
            ));
        }
        if self.rate_limit_max_keys == 0 {
            return Err(invalid("rate_limit_max_keys", "must be at least 1"));
        }
        if self.login_backoff_max_seconds < 60 {
            return Err(invalid(
                "login_backoff_max_seconds",
                "must be at least 60 (the first wait is a minute)",
            ));
        }
        if self.password_hash_queue_ms > 60_000 {
            return Err(invalid(
                "password_hash_queue_ms (CDMX_PASSWORD_HASH_QUEUE_MS)",
                "must be between 0 and 60000",
            ));
        }
        if self.index_freshness_ms > 60_000 {
            return Err(invalid(
                "index_freshness_ms (CDMX_INDEX_FRESHNESS_MS)",
                "must be between 0 and 60000",
            ));
        }
        if self.body_limit_bytes < 1024 {
            return Err(invalid("body_limit_bytes", "must be at least 1024"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_bind_loopback_and_use_sqlite_file() {
        let s = Settings::load(None, env_of(&[])).unwrap();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://cdmx.db");
        assert!(s.jwt_secret.is_none());
    }

    #[test]
    fn file_then_environment_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cdmx.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\ntoken_ttl_seconds = 600\nlog_format = \"json\"\n",
        )
        .unwrap();
        let s = Settings::load(Some(&path), env_of(&[("CDMX_BIND", "127.0.0.1:7000")])).unwrap();
        assert_eq!(s.bind, "127.0.0.1:7000", "environment beats file");
        assert_eq!(s.token_ttl_seconds, 600, "file beats default");
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cdmx.toml");
        std::fs::write(&path, "bnid = \"x\"\n").unwrap();
        let err = Settings::load(Some(&path), env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("bnid"), "{err}");
    }

    #[test]
    fn malformed_database_url_is_a_clear_error() {
        let err =
            Settings::load(None, env_of(&[("CDMX_DATABASE_URL", "mysql://x/y")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("CDMX_DATABASE_URL") && text.contains("mysql"),
            "{text}"
        );
    }

    #[test]
    fn short_jwt_secret_and_bad_numbers_are_rejected() {
        assert!(Settings::load(None, env_of(&[("CDMX_JWT_SECRET", "short")])).is_err());
        let err = Settings::load(None, env_of(&[("CDMX_DATABASE_POOL_SIZE", "many")])).unwrap_err();
        assert!(err.to_string().contains("CDMX_DATABASE_POOL_SIZE"));
    }

    #[test]
    fn demo_data_defaults_to_sqlite_only_and_can_be_forced() {
        let sqlite = Settings::load(None, env_of(&[])).unwrap();
        assert!(sqlite.demo_data_enabled());
        let pg = Settings::load(None, env_of(&[("CDMX_DATABASE_URL", "postgres://h/db")])).unwrap();
        assert!(!pg.demo_data_enabled());
        let forced = Settings::load(
            None,
            env_of(&[
                ("CDMX_DATABASE_URL", "postgres://h/db"),
                ("CDMX_DEMO_DATA", "true"),
            ]),
        )
        .unwrap();
        assert!(forced.demo_data_enabled());
        let off = Settings::load(None, env_of(&[("CDMX_DEMO_DATA", "false")])).unwrap();
        assert!(!off.demo_data_enabled());
        assert!(Settings::load(None, env_of(&[("CDMX_DEMO_DATA", "maybe")])).is_err());
    }

    #[test]
    fn previous_jwt_secrets_and_the_token_check_cache_are_read_and_checked() {
        let s = Settings::load(
            None,
            env_of(&[
                (
                    "CDMX_JWT_PREVIOUS_SECRETS",
                    "first-old-secret-first-old-secret, second-old-secret-second-old-secret",
                ),
                ("CDMX_TOKEN_CHECK_CACHE_SECONDS", "0"),
            ]),
        )
        .unwrap();
        assert_eq!(s.jwt_previous_secrets.len(), 2);
        assert_eq!(s.token_check_cache_seconds, 0);
        assert_eq!(Settings::default().token_check_cache_seconds, 5);
        let err =
            Settings::load(None, env_of(&[("CDMX_JWT_PREVIOUS_SECRETS", "short")])).unwrap_err();
        assert!(
            err.to_string().contains("CDMX_JWT_PREVIOUS_SECRETS"),
            "{err}"
        );
        let err =
            Settings::load(None, env_of(&[("CDMX_TOKEN_CHECK_CACHE_SECONDS", "61")])).unwrap_err();
        assert!(
            err.to_string().contains("CDMX_TOKEN_CHECK_CACHE_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn rate_limits_and_trusted_proxies_are_read_from_the_environment() {
        let s = Settings::load(
            None,
            env_of(&[
                ("CDMX_TRUSTED_PROXIES", "10.0.0.1, ::1"),
                ("CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS", "0"),
                ("CDMX_RATE_LIMIT_ORGANIZATION_MATCHES", "5"),
                ("CDMX_DB_CHECKOUT_TIMEOUT_MS", "250"),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.trusted_proxies,
            vec![
                "10.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        assert_eq!(s.rate_limit_login_per_address, 0);
        assert_eq!(s.rate_limit_organization_matches, 5);
        assert_eq!(s.db_checkout_timeout_ms, 250);
        let err = Settings::load(None, env_of(&[("CDMX_TRUSTED_PROXIES", "proxy.internal")]))
            .unwrap_err();
        assert!(err.to_string().contains("CDMX_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn password_hashing_is_bounded_by_the_cores_unless_set() {
        let s = Settings::load(None, env_of(&[])).unwrap();
        assert_eq!(
            s.password_hash_slot_count(),
            std::thread::available_parallelism().unwrap().get()
        );
        assert_eq!(s.password_hash_queue_wait().as_millis(), 1000);
        let s = Settings::load(
            None,
            env_of(&[
                ("CDMX_PASSWORD_HASH_SLOTS", "3"),
                ("CDMX_PASSWORD_HASH_QUEUE_MS", "0"),
            ]),
        )
        .unwrap();
        assert_eq!(s.password_hash_slot_count(), 3);
        assert_eq!(s.password_hash_queue_wait().as_millis(), 0);
        let err =
            Settings::load(None, env_of(&[("CDMX_PASSWORD_HASH_QUEUE_MS", "60001")])).unwrap_err();
        assert!(
            err.to_string().contains("CDMX_PASSWORD_HASH_QUEUE_MS"),
            "{err}"
        );
    }

    #[test]
    fn the_index_freshness_window_and_the_profile_cache_are_read_and_checked() {
        let defaults = Settings::load(None, env_of(&[])).unwrap();
        assert_eq!(defaults.index_freshness_ms, 0);
        assert_eq!(defaults.profile_cache_bytes, 32 * 1024 * 1024);
        let s = Settings::load(
            None,
            env_of(&[
                ("CDMX_INDEX_FRESHNESS_MS", "0"),
                ("CDMX_PROFILE_CACHE_BYTES", "1048576"),
            ]),
        )
        .unwrap();
        assert_eq!(s.index_freshness_window(), std::time::Duration::ZERO);
        assert_eq!(s.profile_cache_bytes, 1_048_576);
        let err =
            Settings::load(None, env_of(&[("CDMX_INDEX_FRESHNESS_MS", "60001")])).unwrap_err();
        assert!(err.to_string().contains("CDMX_INDEX_FRESHNESS_MS"), "{err}");
        let err = Settings::load(None, env_of(&[("CDMX_PROFILE_CACHE_BYTES", "-1")])).unwrap_err();
        assert!(
            err.to_string().contains("CDMX_PROFILE_CACHE_BYTES"),
            "{err}"
        );
    }

    #[test]
    fn cors_origins_split_on_commas() {
        let s = Settings::load(
            None,
            env_of(&[("CDMX_CORS_ORIGINS", "https://a.example, https://b.example,")]),
        )
        .unwrap();
        assert_eq!(
            s.cors_origins,
            vec!["https://a.example", "https://b.example"]
        );
    }
}
