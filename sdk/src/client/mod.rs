//! The async HTTP client: configuration, credentials, the one send path every operation
//! goes through (retries, token renewal, observers) and the one place bodies are decoded.
//! The per-operation methods are in [`operations`], paging helpers in [`pages`].

mod operations;
mod pages;
mod retry;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, IF_MATCH};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::Error;
use crate::types::{Problem, TokenRequest, TokenResponse};

pub use operations::ReportFile;
pub use pages::{collect_pages, paginate};
use retry::{Policy, Replay};

/// One request the client sent and the response it got, for observers.
///
/// Observers (see [`ClientBuilder::observe`]) see every response the client receives,
/// after its body has been read: successes, errors, attempts that were retried, token
/// issuance, binary report downloads and `204 No Content`. An attempt that produced no
/// complete response (connection refused, timeout, connection reset while the body was
/// read) is not an exchange and is not observed.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The HTTP method, e.g. `"GET"`.
    pub method: &'a str,
    /// The operation path, e.g. `"/v1/cdmos/abc"`: no query string, no base URL.
    pub path: &'a str,
    /// The raw query string without `?`, if any.
    pub query: Option<&'a str>,
    /// The `Content-Type` of the request body, if one was sent.
    pub request_content_type: Option<&'a str>,
    /// The request body as sent, if any.
    pub request_body: Option<&'a [u8]>,
    /// The response status code.
    pub status: u16,
    /// The response headers.
    pub response_headers: &'a reqwest::header::HeaderMap,
    /// The whole response body (empty for `204`).
    pub response_body: &'a [u8],
}

/// A function that is shown every [`Exchange`].
type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

/// How the client authenticates.
#[derive(Clone)]
enum Credentials {
    None,
    /// A bearer token obtained elsewhere; never renewed.
    Token(String),
    /// An API key, exchanged for tokens as needed (and again when one expires).
    ApiKey(String),
    /// A user's email and password, kept in memory only so that tokens can be renewed.
    Password {
        email: String,
        password: String,
    },
}

impl Credentials {
    /// The token request that renews this kind of credential, if it can be renewed.
    fn token_request(&self) -> Option<TokenRequest> {
        match self {
            Self::None | Self::Token(_) => None,
            Self::ApiKey(key) => Some(TokenRequest::ApiKey {
                api_key: key.clone(),
            }),
            Self::Password { email, password } => Some(TokenRequest::Password {
                email: email.clone(),
                password: password.clone(),
            }),
        }
    }
}

struct CachedToken {
    token: String,
    refresh_after: Instant,
}

impl CachedToken {
    /// Renewed a little before it expires: 30 s early, or halfway for short lifetimes.
    fn new(issued: &TokenResponse) -> Self {
        let lifetime = Duration::from_secs(issued.expires_in);
        let margin = Duration::from_secs(30).min(lifetime / 2);
        Self {
            token: issued.access_token.clone(),
            refresh_after: Instant::now() + lifetime - margin,
        }
    }
}

/// What every client derived from one builder shares.
struct Shared {
    http: reqwest::Client,
    base_url: String,
    policy: Policy,
    observer: Option<Observer>,
}

struct Inner {
    shared: Arc<Shared>,
    credentials: Credentials,
    cached_token: Mutex<Option<CachedToken>>,
}

/// An async client for the cdmx API. Cheap to clone; clones share connections and tokens.
///
/// Build one with [`Client::builder`]. Every operation returns [`Error::Api`] with the
/// server's problem document when the server refuses it; the common statuses are `401`
/// (no or expired credentials), `403` (the caller may not do this), `404`, `409`
/// (conflicts), `412` (`If-Match` no longer current), `422` (invalid input, with every
/// invalid field listed) and `429` (rate limited; retried, see [`ClientBuilder::retries`]).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    timeout: Duration,
    connect_timeout: Duration,
    policy: Policy,
    http: Option<reqwest::Client>,
    observer: Option<Observer>,
}

impl ClientBuilder {
    /// Authenticate with a bearer token from `POST /v1/auth/token`. The token is used as
    /// is and never renewed; prefer [`ClientBuilder::api_key`] or [`Client::login`].
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Token(token.into());
        self
    }

    /// Authenticate with an organisation API key; the client exchanges it for tokens,
    /// renews them shortly before they expire, and once more if one is refused (401).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Credentials::ApiKey(key.into());
        self
    }

    /// Whole-request timeout (default 30 s). Ignored with [`ClientBuilder::http_client`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connection timeout (default 5 s). Ignored with [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries: at most `max_retries` more attempts per call, waiting with full-jitter
    /// exponential backoff (a random delay between zero and `initial_backoff * 2^n`,
    /// capped at 30 s) unless the server says how long in `Retry-After` (seconds or an
    /// HTTP date), which is then honoured exactly. Defaults: 3 retries, 200 ms.
    ///
    /// What is retried depends on whether repeating the request is safe:
    /// - **Any request**, writes included, is retried when the server provably did not
    ///   process it: the connection could not be established, `429 Too Many Requests`,
    ///   or `503 Service Unavailable` with `Retry-After`.
    /// - **Idempotent requests** (`GET`, `HEAD`, `DELETE`, `PUT` without `If-Match`) and
    ///   **POSTs with an `Idempotency-Key`** (the server replays the first answer) are
    ///   also retried on `502`, `503`, `504`, timeouts and connections reset before the
    ///   whole response arrived.
    /// - **Writes with `If-Match`** (profile and programme replacements, profile
    ///   patches) are also retried on a plain `503`, but never after a timeout, a reset
    ///   or a `502`/`504`: the first attempt may have committed, and repeating it would
    ///   then fail with `412` although the change was made. The transport error is
    ///   returned instead; read the resource to learn whether the write landed.
    /// - Other POSTs and PATCHes are not retried beyond the first rule.
    ///
    /// A `Retry-After` longer than 60 s is not waited for: the error is returned.
    pub fn retries(mut self, max_retries: u32, initial_backoff: Duration) -> Self {
        self.policy = Policy {
            max_retries,
            initial_backoff,
        };
        self
    }

    /// Send requests through this `reqwest::Client` (proxies, TLS roots, default
    /// headers, connection pool settings) instead of one the builder makes. Its own
    /// timeouts and user agent apply: [`ClientBuilder::timeout`] and
    /// [`ClientBuilder::connect_timeout`] are then ignored.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Show every request/response exchange to `observer` (e.g. to validate them
    /// against the OpenAPI document, or to log them). It is called exactly once per
    /// response received, retried attempts and token issuance included; see
    /// [`Exchange`]. Clients derived with [`Client::with_token`],
    /// [`Client::with_api_key`] and [`Client::login`] keep it.
    pub fn observe(mut self, observer: Arc<dyn Fn(&Exchange<'_>) + Send + Sync>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The client. Fails when the base URL is not an `http://` or `https://` URL, or the
    /// TLS backend cannot be initialised.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let parsed =
            reqwest::Url::parse(&base_url).map_err(|_| Error::InvalidBaseUrl(base_url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(Error::InvalidBaseUrl(base_url));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .user_agent(concat!("cdmx-sdk/", env!("CARGO_PKG_VERSION")))
                .build()?,
        };
        let shared = Shared {
            http,
            base_url,
            policy: self.policy,
            observer: self.observer,
        };
        Ok(Client::from_parts(Arc::new(shared), self.credentials, None))
    }
}

/// Percent-encodes one path segment, so an id can never change the path.
fn segment(value: impl std::fmt::Display) -> String {
    value
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An empty body or query.
#[derive(Serialize)]
struct Nothing {}

/// One operation, prepared once and sent once per attempt.
struct Call<'a> {
    method: Method,
    /// The operation path (for observers); `url` is the full address with the query.
    path: &'a str,
    url: reqwest::Url,
    /// Content type and bytes.
    body: Option<(&'static str, Vec<u8>)>,
    if_match: Option<String>,
    idempotency_key: Option<&'a str>,
    authenticated: bool,
    replay: Replay,
}

impl Call<'_> {
    fn with_if_match(mut self, version: u32) -> Self {
        self.if_match = Some(format!("\"{version}\""));
        self.replay = Replay::Guarded;
        self
    }
}

/// A response whose body has been read.
struct Received {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Why an attempt produced no response.
enum Failure {
    /// Before response headers arrived.
    Send(reqwest::Error),
    /// While the body was read: the server had answered, so it processed the request.
    Body(reqwest::Error),
}

/// Decodes a JSON response body. Every typed body the client returns passes through
/// here (an empty `204` reads as `null`), so tolerance rules live in one place.
fn decode_body<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, Error> {
    let bytes = if status == StatusCode::NO_CONTENT && bytes.is_empty() {
        b"null".as_slice()
    } else {
        bytes
    };
    // Tolerant: a newer server may add fields and closed-set values.
    crate::types::decode_response(bytes).map_err(|e| Error::UnexpectedResponse {
        status: status.as_u16(),
        message: e.to_string(),
    })
}

/// The error for a refused request: its problem document, or what the body said.
fn problem_of(received: &Received) -> Error {
    let status = received.status.as_u16();
    match decode_body::<Problem>(received.status, &received.body) {
        Ok(problem) => Error::Api {
            status,
            problem: Box::new(problem),
        },
        Err(_) => Error::UnexpectedResponse {
            status,
            message: String::from_utf8_lossy(&received.body)
                .chars()
                .take(500)
                .collect(),
        },
    }
}

impl Client {
    /// A client for the server at `base_url`, e.g. `http://127.0.0.1:8080`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: Credentials::None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            policy: Policy {
                max_retries: 3,
                initial_backoff: Duration::from_millis(200),
            },
            http: None,
            observer: None,
        }
    }

    fn from_parts(
        shared: Arc<Shared>,
        credentials: Credentials,
        token: Option<CachedToken>,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                shared,
                credentials,
                cached_token: Mutex::new(token),
            }),
        }
    }

    /// The same server, connection pool, retry policy and observer, authenticated with
    /// `token` (used as is, never renewed).
    pub fn with_token(&self, token: impl Into<String>) -> Client {
        Self::from_parts(
            self.inner.shared.clone(),
            Credentials::Token(token.into()),
            None,
        )
    }

    /// The same server, connection pool, retry policy and observer, authenticated with
    /// an organisation API key (exchanged for tokens, renewed as needed).
    pub fn with_api_key(&self, key: impl Into<String>) -> Client {
        Self::from_parts(
            self.inner.shared.clone(),
            Credentials::ApiKey(key.into()),
            None,
        )
    }

    /// Signs in with a password and returns a client for that user, on the same server,
    /// connection pool, retry policy and observer.
    ///
    /// Its tokens are renewed like an API key's: shortly before one expires, and once
    /// more when the server refuses one (401). To do so the returned client (and its
    /// clones) keep the email and password in memory, never on disk, for as long as
    /// they live; drop it to forget them. Use [`Client::with_token`] with the result of
    /// [`Client::issue_token`] if the password must not be kept.
    ///
    /// Errors: `401` for a wrong email or password, `422` for a malformed request.
    pub async fn login(&self, email: &str, password: &str) -> Result<Client, Error> {
        let issued = self
            .issue_token(&TokenRequest::Password {
                email: email.to_owned(),
                password: password.to_owned(),
            })
            .await?;
        let credentials = Credentials::Password {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        Ok(Self::from_parts(
            self.inner.shared.clone(),
            credentials,
            Some(CachedToken::new(&issued)),
        ))
    }

    /// The bearer token to send, issuing a fresh one when the cached one is stale or
    /// `renew` is set (after a 401).
    async fn bearer(&self, renew: bool) -> Result<Option<String>, Error> {
        let request = match &self.inner.credentials {
            Credentials::None => return Ok(None),
            Credentials::Token(token) => return Ok(Some(token.clone())),
            renewable => renewable.token_request(),
        };
        let Some(request) = request else {
            return Ok(None);
        };
        let mut cached = self.inner.cached_token.lock().await;
        if !renew
            && let Some(c) = cached.as_ref()
            && Instant::now() < c.refresh_after
        {
            return Ok(Some(c.token.clone()));
        }
        // Boxed: issuing a token goes through the same send path that calls this.
        let issued = Box::pin(self.issue_token(&request)).await?;
        let fresh = CachedToken::new(&issued);
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(Some(token))
    }

    /// Prepares an authenticated call of `method` on `path`, with an optional query and
    /// JSON body. The retry class follows from the method; adjust it for special headers.
    fn prepare<'a, Q, B>(
        &self,
        method: Method,
        path: &'a str,
        query: Option<&Q>,
        body: Option<&B>,
    ) -> Result<Call<'a>, Error>
    where
        Q: Serialize + ?Sized,
        B: Serialize + ?Sized,
    {
        let shared = &self.inner.shared;
        let mut url = reqwest::Url::parse(&format!("{}{path}", shared.base_url))
            .map_err(|_| Error::InvalidBaseUrl(shared.base_url.clone()))?;
        if let Some(query) = query {
            // reqwest's own query encoding, applied once so every attempt sends the same.
            url = shared.http.get(url).query(query).build()?.url().clone();
        }
        let body = match body {
            Some(body) => Some(("application/json", serde_json::to_vec(body)?)),
            None => None,
        };
        let replay = Replay::for_method(&method);
        Ok(Call {
            method,
            path,
            url,
            body,
            if_match: None,
            idempotency_key: None,
            authenticated: true,
            replay,
        })
    }

    /// Sends `call`, retrying as [`ClientBuilder::retries`] describes and renewing the
    /// token once on a 401; returns the first successful response, or the error.
    async fn execute(&self, call: &Call<'_>) -> Result<Received, Error> {
        let policy = &self.inner.shared.policy;
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            let bearer = if call.authenticated {
                self.bearer(false).await?
            } else {
                None
            };
            let delay = match self.attempt(call, bearer.as_deref()).await {
                Ok(received) if received.status.is_success() => return Ok(received),
                Ok(received) => {
                    if received.status == StatusCode::UNAUTHORIZED
                        && call.authenticated
                        && !renewed
                        && self.inner.credentials.token_request().is_some()
                    {
                        // The server did not act on a refused token: resend with a new one.
                        renewed = true;
                        self.bearer(true).await?;
                        continue;
                    }
                    match policy.after_status(
                        call.replay,
                        received.status,
                        &received.headers,
                        attempt,
                    ) {
                        Some(delay) => delay,
                        None => return Err(problem_of(&received)),
                    }
                }
                Err(failure) => match policy.after_failure(call.replay, &failure, attempt) {
                    Some(delay) => delay,
                    None => {
                        return Err(match failure {
                            Failure::Send(e) | Failure::Body(e) => e.into(),
                        });
                    }
                },
            };
            attempt += 1;
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: send, read the whole body, show the exchange to the observer.
    async fn attempt(&self, call: &Call<'_>, bearer: Option<&str>) -> Result<Received, Failure> {
        let shared = &self.inner.shared;
        let mut request = shared.http.request(call.method.clone(), call.url.clone());
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(version) = &call.if_match {
            request = request.header(IF_MATCH, version);
        }
        if let Some(key) = call.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some((content_type, bytes)) = &call.body {
            request = request
                .header(CONTENT_TYPE, *content_type)
                .body(bytes.clone());
        }
        let response = request.send().await.map_err(Failure::Send)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Failure::Body)?.to_vec();
        if let Some(observer) = &shared.observer {
            observer(&Exchange {
                method: call.method.as_str(),
                path: call.path,
                query: call.url.query(),
                request_content_type: call.body.as_ref().map(|(t, _)| *t),
                request_body: call.body.as_ref().map(|(_, b)| b.as_slice()),
                status: status.as_u16(),
                response_headers: &headers,
                response_body: &body,
            });
        }
        Ok(Received {
            status,
            headers,
            body,
        })
    }

    /// Sends `call` and decodes the JSON response.
    async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let received = self.execute(&call).await?;
        decode_body(received.status, &received.body)
    }

    /// Sends `call` and ignores the (empty) response body.
    async fn empty(&self, call: Call<'_>) -> Result<(), Error> {
        self.execute(&call).await.map(drop)
    }
}
