use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::Error;
use crate::types::*;

/// How the client authenticates.
#[derive(Clone)]
enum Credentials {
    None,
    /// A bearer token obtained elsewhere.
    Token(String),
    /// An API key, exchanged for tokens as needed (and again when one expires).
    ApiKey(String),
}

struct CachedToken {
    token: String,
    refresh_after: Instant,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    credentials: Credentials,
    cached_token: Mutex<Option<CachedToken>>,
    max_retries: u32,
    initial_backoff: Duration,
}

/// An async client for the cdmx API. Cheap to clone; clones share connections and tokens.
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
    max_retries: u32,
    initial_backoff: Duration,
}

impl ClientBuilder {
    /// Authenticate with a bearer token from `POST /v1/auth/token`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Credentials::Token(token.into());
        self
    }

    /// Authenticate with an organisation API key; the client exchanges it for tokens.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Credentials::ApiKey(key.into());
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connection timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries of idempotent requests (GET, PUT, DELETE) on 502/503/504 and connection
    /// failures, with exponential backoff from `initial_backoff` (defaults: 3, 200 ms).
    pub fn retries(mut self, max_retries: u32, initial_backoff: Duration) -> Self {
        self.max_retries = max_retries;
        self.initial_backoff = initial_backoff;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let parsed =
            reqwest::Url::parse(&base_url).map_err(|_| Error::InvalidBaseUrl(base_url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidBaseUrl(base_url));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("cdmx-sdk/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                credentials: self.credentials,
                cached_token: Mutex::new(None),
                max_retries: self.max_retries,
                initial_backoff: self.initial_backoff,
            }),
        })
    }
}

/// Percent-encodes one path segment, so an id can never change the path.
fn segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD
    )
}

/// Collects every item of a paged list by following `next_cursor`.
///
/// ```no_run
/// # async fn demo(client: cdmx_sdk::Client, org: String) -> Result<(), cdmx_sdk::Error> {
/// use cdmx_sdk::types::PageParams;
/// let users = cdmx_sdk::collect_pages(|cursor| {
///     let (client, org) = (client.clone(), org.clone());
///     async move { client.list_users(&org, &PageParams { limit: Some(200), cursor }).await }
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn collect_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor).await?;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// An empty body or query.
#[derive(Serialize)]
struct Nothing {}

impl Client {
    /// A client for the server at `base_url`, e.g. `http://127.0.0.1:8080`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: Credentials::None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
        }
    }

    /// The same server and connection pool, authenticated with `token`.
    pub fn with_token(&self, token: impl Into<String>) -> Client {
        self.with_credentials(Credentials::Token(token.into()))
    }

    /// The same server and connection pool, authenticated with an API key.
    pub fn with_api_key(&self, key: impl Into<String>) -> Client {
        self.with_credentials(Credentials::ApiKey(key.into()))
    }

    fn with_credentials(&self, credentials: Credentials) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base_url: self.inner.base_url.clone(),
                credentials,
                cached_token: Mutex::new(None),
                max_retries: self.inner.max_retries,
                initial_backoff: self.inner.initial_backoff,
            }),
        }
    }

    /// Signs in with a password and returns a client that uses the resulting token.
    pub async fn login(&self, email: &str, password: &str) -> Result<Client, Error> {
        let token = self
            .issue_token(&TokenRequest::Password {
                email: email.to_owned(),
                password: password.to_owned(),
            })
            .await?;
        Ok(self.with_token(token.access_token))
    }

    async fn bearer(&self, refresh: bool) -> Result<Option<String>, Error> {
        match &self.inner.credentials {
            Credentials::None => Ok(None),
            Credentials::Token(token) => Ok(Some(token.clone())),
            Credentials::ApiKey(key) => {
                let mut cached = self.inner.cached_token.lock().await;
                if !refresh
                    && let Some(c) = cached.as_ref()
                    && Instant::now() < c.refresh_after
                {
                    return Ok(Some(c.token.clone()));
                }
                let issued = self
                    .issue_token(&TokenRequest::ApiKey {
                        api_key: key.clone(),
                    })
                    .await?;
                let lifetime = Duration::from_secs(issued.expires_in);
                let margin = Duration::from_secs(30).min(lifetime / 2);
                *cached = Some(CachedToken {
                    token: issued.access_token.clone(),
                    refresh_after: Instant::now() + lifetime - margin,
                });
                Ok(Some(issued.access_token))
            }
        }
    }

    /// Sends one operation. Idempotent requests are retried on transient failures; an
    /// API-key client whose token was refused gets a fresh token once.
    async fn call<Q, B, T>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
    ) -> Result<T, Error>
    where
        Q: Serialize + ?Sized,
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.call_with(method, path, query, body, &[]).await
    }

    /// [`Client::call`] with extra headers (`If-Match`, `Content-Type` overrides).
    async fn call_with<Q, B, T>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        headers: &[(&str, String)],
    ) -> Result<T, Error>
    where
        Q: Serialize + ?Sized,
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let response = self.send(method, path, query, body, headers).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let body = if status == StatusCode::NO_CONTENT && bytes.is_empty() {
            b"null".as_slice()
        } else {
            &bytes
        };
        serde_json::from_slice(body).map_err(|e| Error::UnexpectedResponse {
            status: status.as_u16(),
            message: e.to_string(),
        })
    }

    async fn send<Q, B>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        headers: &[(&str, String)],
    ) -> Result<reqwest::Response, Error>
    where
        Q: Serialize + ?Sized,
        B: Serialize + ?Sized,
    {
        let url = format!("{}{}", self.inner.base_url, path);
        // A POST that carries an Idempotency-Key is safe to repeat: the server replays.
        let keyed = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("Idempotency-Key"));
        let retries = if is_idempotent(&method) || keyed {
            self.inner.max_retries
        } else {
            0
        };
        let mut attempt = 0;
        let mut refreshed = false;
        loop {
            let mut request: RequestBuilder = self.inner.http.request(method.clone(), &url);
            if let Some(token) = self.bearer(false).await? {
                request = request.bearer_auth(token);
            }
            if let Some(query) = query {
                request = request.query(query);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            let backoff = self.inner.initial_backoff * 2u32.saturating_pow(attempt);
            match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && matches!(self.inner.credentials, Credentials::ApiKey(_))
                    {
                        refreshed = true;
                        self.bearer(true).await?;
                        continue;
                    }
                    if retryable_status(status) && attempt < retries {
                        attempt += 1;
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    return Err(problem_of(response).await);
                }
                Err(error) if (error.is_connect() || error.is_timeout()) && attempt < retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    // --- system ---

    /// `GET /healthz`
    pub async fn get_health(&self) -> Result<Health, Error> {
        self.call::<Nothing, Nothing, _>(Method::GET, "/healthz", None, None)
            .await
    }

    /// `GET /readyz`
    pub async fn get_readiness(&self) -> Result<Readiness, Error> {
        self.call::<Nothing, Nothing, _>(Method::GET, "/readyz", None, None)
            .await
    }

    // --- auth ---

    /// `POST /v1/auth/token`
    pub async fn issue_token(&self, request: &TokenRequest) -> Result<TokenResponse, Error> {
        // Sent without credentials: this is how credentials are obtained.
        let url = format!("{}/v1/auth/token", self.inner.base_url);
        let response = self.inner.http.post(url).json(request).send().await?;
        if !response.status().is_success() {
            return Err(problem_of(response).await);
        }
        Ok(response.json().await?)
    }

    /// `GET /v1/me`
    pub async fn get_me(&self) -> Result<Me, Error> {
        self.call::<Nothing, Nothing, _>(Method::GET, "/v1/me", None, None)
            .await
    }

    // --- organizations ---

    /// `POST /v1/organizations` (sign-up; no credentials needed)
    pub async fn create_organization(
        &self,
        request: &SignUpRequest,
    ) -> Result<SignUpResponse, Error> {
        self.call::<Nothing, _, _>(Method::POST, "/v1/organizations", None, Some(request))
            .await
    }

    /// `GET /v1/organizations`
    pub async fn list_organizations(
        &self,
        filter: &OrganizationFilter,
    ) -> Result<Page<Organization>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/organizations", Some(filter), None)
            .await
    }

    /// `GET /v1/organizations/{id}`
    pub async fn get_organization(&self, id: &str) -> Result<Organization, Error> {
        let path = format!("/v1/organizations/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `POST /v1/organizations/{id}/verify` (platform admins)
    pub async fn verify_organization(&self, id: &str) -> Result<Organization, Error> {
        let path = format!("/v1/organizations/{}/verify", segment(id));
        self.call::<Nothing, Nothing, _>(Method::POST, &path, None, None)
            .await
    }

    /// `POST /v1/organizations/{id}/users`
    pub async fn create_user(
        &self,
        organization_id: &str,
        request: &CreateUserRequest,
    ) -> Result<User, Error> {
        let path = format!("/v1/organizations/{}/users", segment(organization_id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(request))
            .await
    }

    /// `GET /v1/organizations/{id}/users`
    pub async fn list_users(
        &self,
        organization_id: &str,
        page: &PageParams,
    ) -> Result<Page<User>, Error> {
        let path = format!("/v1/organizations/{}/users", segment(organization_id));
        self.call::<_, Nothing, _>(Method::GET, &path, Some(page), None)
            .await
    }

    // --- api keys ---

    /// `POST /v1/organizations/{id}/api-keys`
    pub async fn create_api_key(
        &self,
        organization_id: &str,
        request: &CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, Error> {
        let path = format!("/v1/organizations/{}/api-keys", segment(organization_id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(request))
            .await
    }

    /// `GET /v1/organizations/{id}/api-keys`
    pub async fn list_api_keys(
        &self,
        organization_id: &str,
        page: &PageParams,
    ) -> Result<Page<ApiKey>, Error> {
        let path = format!("/v1/organizations/{}/api-keys", segment(organization_id));
        self.call::<_, Nothing, _>(Method::GET, &path, Some(page), None)
            .await
    }

    /// `DELETE /v1/organizations/{id}/api-keys/{key_id}`
    pub async fn revoke_api_key(&self, organization_id: &str, key_id: &str) -> Result<(), Error> {
        let path = format!(
            "/v1/organizations/{}/api-keys/{}",
            segment(organization_id),
            segment(key_id)
        );
        self.send::<Nothing, Nothing>(Method::DELETE, &path, None, None, &[])
            .await
            .map(drop)
    }
}

impl Client {
    // --- CDMO capability profiles ---

    /// `POST /v1/cdmos` (CDMO organisation admins)
    pub async fn create_cdmo_profile(
        &self,
        profile: &CapabilityProfile,
    ) -> Result<CdmoProfile, Error> {
        self.call::<Nothing, _, _>(Method::POST, "/v1/cdmos", None, Some(profile))
            .await
    }

    /// `GET /v1/cdmos`
    pub async fn search_cdmos(&self, search: &CdmoSearch) -> Result<Page<CdmoSummary>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/cdmos", Some(search), None)
            .await
    }

    /// `GET /v1/cdmos/{id}`
    pub async fn get_cdmo_profile(&self, id: &str) -> Result<CdmoProfile, Error> {
        let path = format!("/v1/cdmos/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `PUT /v1/cdmos/{id}`: replaces the profile if it is still at `revision`
    /// (`If-Match`); otherwise the error's status is 412.
    pub async fn replace_cdmo_profile(
        &self,
        id: &str,
        revision: u32,
        profile: &CapabilityProfile,
    ) -> Result<CdmoProfile, Error> {
        let path = format!("/v1/cdmos/{}", segment(id));
        let headers = [("If-Match", format!("\"{revision}\""))];
        self.call_with::<Nothing, _, _>(Method::PUT, &path, None, Some(profile), &headers)
            .await
    }

    /// `PATCH /v1/cdmos/{id}` with a JSON merge patch, if the profile is still at
    /// `revision` (`If-Match`).
    pub async fn patch_cdmo_profile(
        &self,
        id: &str,
        revision: u32,
        patch: &serde_json::Value,
    ) -> Result<CdmoProfile, Error> {
        let path = format!("/v1/cdmos/{}", segment(id));
        let headers = [
            ("If-Match", format!("\"{revision}\"")),
            ("Content-Type", "application/merge-patch+json".to_owned()),
        ];
        self.call_with::<Nothing, _, _>(Method::PATCH, &path, None, Some(patch), &headers)
            .await
    }

    /// `GET /v1/cdmos/{id}/revisions`
    pub async fn list_cdmo_revisions(
        &self,
        id: &str,
        page: &PageParams,
    ) -> Result<Page<ProfileRevisionSummary>, Error> {
        let path = format!("/v1/cdmos/{}/revisions", segment(id));
        self.call::<_, Nothing, _>(Method::GET, &path, Some(page), None)
            .await
    }

    /// `GET /v1/cdmos/{id}/revisions/{revision}`
    pub async fn get_cdmo_revision(
        &self,
        id: &str,
        revision: u32,
    ) -> Result<ProfileRevision, Error> {
        let path = format!("/v1/cdmos/{}/revisions/{revision}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `GET /v1/cdmos/{id}/revisions/{revision}/diff`
    pub async fn diff_cdmo_revisions(
        &self,
        id: &str,
        revision: u32,
        params: &DiffParams,
    ) -> Result<RevisionDiff, Error> {
        let path = format!("/v1/cdmos/{}/revisions/{revision}/diff", segment(id));
        self.call::<_, Nothing, _>(Method::GET, &path, Some(params), None)
            .await
    }

    /// `POST /v1/cdmos/{id}/evidence` (the owning CDMO)
    pub async fn add_cdmo_evidence(
        &self,
        id: &str,
        evidence: &NewEvidence,
    ) -> Result<Evidence, Error> {
        let path = format!("/v1/cdmos/{}/evidence", segment(id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(evidence))
            .await
    }

    /// `GET /v1/cdmos/{id}/evidence`
    pub async fn list_cdmo_evidence(&self, id: &str) -> Result<Page<Evidence>, Error> {
        let path = format!("/v1/cdmos/{}/evidence", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `POST /v1/cdmos/{id}/evidence/{evidence_id}/verify` (platform admins)
    pub async fn verify_cdmo_evidence(
        &self,
        id: &str,
        evidence_id: &str,
    ) -> Result<Evidence, Error> {
        let path = format!(
            "/v1/cdmos/{}/evidence/{}/verify",
            segment(id),
            segment(evidence_id)
        );
        self.call::<Nothing, Nothing, _>(Method::POST, &path, None, None)
            .await
    }

    /// `DELETE /v1/cdmos/{id}/evidence/{evidence_id}` (the owning CDMO)
    pub async fn delete_cdmo_evidence(&self, id: &str, evidence_id: &str) -> Result<(), Error> {
        let path = format!(
            "/v1/cdmos/{}/evidence/{}",
            segment(id),
            segment(evidence_id)
        );
        self.send::<Nothing, Nothing>(Method::DELETE, &path, None, None, &[])
            .await
            .map(drop)
    }
}

impl Client {
    // --- programmes, matching, shortlists ---

    /// `POST /v1/programs` (sponsor organisations)
    pub async fn create_program(&self, program: &ProgramRequest) -> Result<Program, Error> {
        self.call::<Nothing, _, _>(Method::POST, "/v1/programs", None, Some(program))
            .await
    }

    /// `GET /v1/programs`
    pub async fn list_programs(&self, page: &PageParams) -> Result<Page<Program>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/programs", Some(page), None)
            .await
    }

    /// `GET /v1/programs/{id}`
    pub async fn get_program(&self, id: &str) -> Result<Program, Error> {
        let path = format!("/v1/programs/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `PUT /v1/programs/{id}`: replaces the programme if it is still at `version`.
    pub async fn replace_program(
        &self,
        id: &str,
        version: u32,
        program: &ProgramRequest,
    ) -> Result<Program, Error> {
        let path = format!("/v1/programs/{}", segment(id));
        let headers = [("If-Match", format!("\"{version}\""))];
        self.call_with::<Nothing, _, _>(Method::PUT, &path, None, Some(program), &headers)
            .await
    }

    /// `POST /v1/programs/{id}/matches`
    pub async fn match_program(
        &self,
        id: &str,
        request: &ProgramMatchRequest,
    ) -> Result<MatchResult, Error> {
        let path = format!("/v1/programs/{}/matches", segment(id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(request))
            .await
    }

    /// `POST /v1/matches` (ad-hoc requirements)
    pub async fn create_match(&self, request: &MatchRequest) -> Result<MatchResult, Error> {
        self.call::<Nothing, _, _>(Method::POST, "/v1/matches", None, Some(request))
            .await
    }

    /// `POST /v1/shortlists`
    pub async fn create_shortlist(
        &self,
        request: &CreateShortlistRequest,
    ) -> Result<Shortlist, Error> {
        self.call::<Nothing, _, _>(Method::POST, "/v1/shortlists", None, Some(request))
            .await
    }

    /// `GET /v1/shortlists`
    pub async fn list_shortlists(
        &self,
        page: &PageParams,
    ) -> Result<Page<ShortlistSummary>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/shortlists", Some(page), None)
            .await
    }

    /// `GET /v1/shortlists/{id}`
    pub async fn get_shortlist(&self, id: &str) -> Result<Shortlist, Error> {
        let path = format!("/v1/shortlists/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }
}

impl Client {
    // --- capacity and reservations ---

    /// `POST /v1/cdmos/{id}/capacity` (the owning CDMO)
    pub async fn create_capacity_block(
        &self,
        profile_id: &str,
        block: &NewCapacityBlock,
    ) -> Result<CapacityBlock, Error> {
        let path = format!("/v1/cdmos/{}/capacity", segment(profile_id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(block))
            .await
    }

    /// `GET /v1/capacity`
    pub async fn search_capacity(
        &self,
        search: &CapacitySearch,
    ) -> Result<Page<CapacityBlock>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/capacity", Some(search), None)
            .await
    }

    /// `GET /v1/capacity/{id}`
    pub async fn get_capacity_block(&self, id: &str) -> Result<CapacityBlock, Error> {
        let path = format!("/v1/capacity/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `PATCH /v1/capacity/{id}` (the owning CDMO)
    pub async fn change_capacity_block(
        &self,
        id: &str,
        change: &CapacityBlockChange,
    ) -> Result<CapacityBlock, Error> {
        let path = format!("/v1/capacity/{}", segment(id));
        self.call::<Nothing, _, _>(Method::PATCH, &path, None, Some(change))
            .await
    }

    /// `DELETE /v1/capacity/{id}` (the owning CDMO)
    pub async fn delete_capacity_block(&self, id: &str) -> Result<(), Error> {
        let path = format!("/v1/capacity/{}", segment(id));
        self.send::<Nothing, Nothing>(Method::DELETE, &path, None, None, &[])
            .await
            .map(drop)
    }

    /// `POST /v1/reservations` with `Idempotency-Key: key`. Retried on transient failures
    /// with the same key, so a retry never holds twice.
    pub async fn create_reservation(
        &self,
        reservation: &NewReservation,
        key: &str,
    ) -> Result<Reservation, Error> {
        let headers = [("Idempotency-Key", key.to_owned())];
        self.call_with::<Nothing, _, _>(
            Method::POST,
            "/v1/reservations",
            None,
            Some(reservation),
            &headers,
        )
        .await
    }

    /// `GET /v1/reservations`
    pub async fn list_reservations(
        &self,
        filter: &ReservationFilter,
    ) -> Result<Page<Reservation>, Error> {
        self.call::<_, Nothing, _>(Method::GET, "/v1/reservations", Some(filter), None)
            .await
    }

    /// `GET /v1/reservations/{id}`
    pub async fn get_reservation(&self, id: &str) -> Result<Reservation, Error> {
        let path = format!("/v1/reservations/{}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    /// `GET /v1/reservations/{id}/events`
    pub async fn list_reservation_events(&self, id: &str) -> Result<Page<ReservationEvent>, Error> {
        let path = format!("/v1/reservations/{}/events", segment(id));
        self.call::<Nothing, Nothing, _>(Method::GET, &path, None, None)
            .await
    }

    async fn transition(&self, id: &str, action: &str) -> Result<Reservation, Error> {
        let path = format!("/v1/reservations/{}/{action}", segment(id));
        self.call::<Nothing, Nothing, _>(Method::POST, &path, None, None)
            .await
    }

    /// `POST /v1/reservations/{id}/confirm` (the CDMO)
    pub async fn confirm_reservation(&self, id: &str) -> Result<Reservation, Error> {
        self.transition(id, "confirm").await
    }

    /// `POST /v1/reservations/{id}/decline` (the CDMO)
    pub async fn decline_reservation(&self, id: &str) -> Result<Reservation, Error> {
        self.transition(id, "decline").await
    }

    /// `POST /v1/reservations/{id}/cancel` (the sponsor)
    pub async fn cancel_reservation(&self, id: &str) -> Result<Reservation, Error> {
        self.transition(id, "cancel").await
    }

    /// `POST /v1/reservations/{id}/reschedule` (either party)
    pub async fn reschedule_reservation(
        &self,
        id: &str,
        request: &RescheduleRequest,
    ) -> Result<Reservation, Error> {
        let path = format!("/v1/reservations/{}/reschedule", segment(id));
        self.call::<Nothing, _, _>(Method::POST, &path, None, Some(request))
            .await
    }
}

/// A report file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub content_type: String,
    /// From `Content-Disposition`.
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

impl Client {
    /// `GET /v1/shortlists/{id}/report`
    pub async fn get_shortlist_report(
        &self,
        id: &str,
        params: &ReportParams,
    ) -> Result<ReportFile, Error> {
        let path = format!("/v1/shortlists/{}/report", segment(id));
        let response = self
            .send::<_, Nothing>(Method::GET, &path, Some(params), None, &[])
            .await?;
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let filename = header(reqwest::header::CONTENT_DISPOSITION).and_then(|d| {
            d.split("filename=")
                .nth(1)
                .map(|f| f.trim_matches('"').to_owned())
        });
        Ok(ReportFile {
            content_type,
            filename,
            bytes: response.bytes().await?.to_vec(),
        })
    }
}

async fn problem_of(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    match response.bytes().await {
        Ok(bytes) => match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => Error::Api {
                status,
                problem: Box::new(problem),
            },
            Err(_) => Error::UnexpectedResponse {
                status,
                message: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            },
        },
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("0190-abc"), "0190-abc");
        assert_eq!(segment("../admin"), "..%2Fadmin");
        assert_eq!(segment("a b?c"), "a%20b%3Fc");
    }

    #[test]
    fn base_url_must_be_http() {
        assert!(matches!(
            Client::builder("ftp://x").build(),
            Err(Error::InvalidBaseUrl(_))
        ));
        assert!(Client::builder("http://127.0.0.1:8080/").build().is_ok());
    }

    /// A server that answers each connection with the next of `statuses` (then 200s) and
    /// counts the requests it saw.
    async fn scripted_server(
        statuses: Vec<u16>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let status = statuses.get(n).copied().unwrap_or(200);
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let body = if status == 200 {
                    r#"{"status":"ok","version":"test"}"#.to_owned()
                } else {
                    format!(
                        r#"{{"type":"urn:cdmx:problem:unavailable","title":"Service unavailable","status":{status}}}"#
                    )
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        (address, seen)
    }

    #[tokio::test]
    async fn idempotent_requests_are_retried_on_503_with_backoff() {
        let (address, seen) = scripted_server(vec![503, 503]).await;
        let client = Client::builder(address)
            .retries(3, Duration::from_millis(1))
            .build()
            .unwrap();
        assert_eq!(client.get_health().await.unwrap().status, "ok");
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn retries_stop_at_the_limit_with_the_problem() {
        let (address, seen) = scripted_server(vec![503; 10]).await;
        let client = Client::builder(address)
            .retries(2, Duration::from_millis(1))
            .build()
            .unwrap();
        let err = client.get_health().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(
            err.problem().unwrap().problem_type,
            "urn:cdmx:problem:unavailable"
        );
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn non_idempotent_requests_are_not_retried() {
        let (address, seen) = scripted_server(vec![503; 10]).await;
        let client = Client::builder(address)
            .retries(3, Duration::from_millis(1))
            .build()
            .unwrap();
        let request = SignUpRequest {
            name: "A".into(),
            kind: OrganizationKind::Sponsor,
            admin: NewUser {
                email: "a@b.co".into(),
                password: "correct horse battery".into(),
            },
        };
        assert_eq!(
            client
                .create_organization(&request)
                .await
                .unwrap_err()
                .status(),
            Some(503)
        );
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn connection_failures_are_retried_then_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let client = Client::builder(address)
            .retries(2, Duration::from_millis(1))
            .build()
            .unwrap();
        assert!(matches!(
            client.get_health().await,
            Err(Error::Transport(_))
        ));
    }

    #[tokio::test]
    async fn collect_pages_follows_cursors_to_the_end() {
        let pages = [
            (vec![1, 2], Some("a")),
            (vec![3], Some("b")),
            (vec![], None),
        ];
        let seen = std::sync::Mutex::new(Vec::new());
        let all = collect_pages(|cursor| {
            seen.lock().unwrap().push(cursor.clone());
            let index = seen.lock().unwrap().len() - 1;
            let (items, next) = pages[index].clone();
            async move {
                Ok(Page {
                    items,
                    next_cursor: next.map(str::to_owned),
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(all, vec![1, 2, 3]);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![None, Some("a".to_owned()), Some("b".to_owned())]
        );
    }
}
