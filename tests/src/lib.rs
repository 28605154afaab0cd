//! The end-to-end harness: each test gets a real cdmx server on port 0 and a database of
//! its own: a temporary SQLite file, or a fresh PostgreSQL database when
//! `CDMX_TEST_DATABASE_URL` names a PostgreSQL server (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it is set and PostgreSQL cannot
//! be reached, tests fail: they never fall back to SQLite silently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod contract;
pub mod proxy;

use cdmx::config::Settings;
use cdmx::domain::accounts::{EmailAddress, Password};
use cdmx::startup::Application;
use cdmx_sdk::Client;
use cdmx_sdk::types::{NewUser, Organization, OrganizationKind, SignUpRequest, User};
use diesel::{Connection, PgConnection, RunQueryDsl};

/// Secret for test tokens (a second process sharing it accepts the same tokens).
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery staple";

pub enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub fn create() -> Self {
        match std::env::var("CDMX_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                let name = format!("cdmx_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("CDMX_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create the test database");
                Self::Postgres { admin_url, name }
            }
            _ => Self::Sqlite(tempfile::tempdir().expect("temporary folder")),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("cdmx.db").display()),
            Self::Postgres { admin_url, name } => {
                let (base, query) = match admin_url.split_once('?') {
                    Some((b, q)) => (b, format!("?{q}")),
                    None => (admin_url.as_str(), String::new()),
                };
                let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
                format!("{server}/{name}{query}")
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Drops a PostgreSQL test database, closing the connections still open on it.
    fn drop_postgres(admin_url: &str, name: &str) {
        if let Ok(mut conn) = PgConnection::establish(admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }

    /// Makes the database unreachable for the running server (PostgreSQL only).
    pub fn break_now(&self) {
        if let Self::Postgres { admin_url, name } = self {
            Self::drop_postgres(admin_url, name);
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self {
            Self::drop_postgres(admin_url, name);
        }
    }
}

/// A running server and an anonymous SDK client for it.
pub struct TestApp {
    pub base_url: String,
    pub client: Client,
    /// The server's own database handle, for loading data the way commands do.
    pub db: cdmx::db::Database,
    pub database: TestDatabase,
    handle: actix_web::dev::ServerHandle,
    /// Between the server and PostgreSQL, when spawned with [`TestApp::spawn_with_outages`].
    proxy: Option<proxy::TcpProxy>,
    pool_size: u32,
    /// Connections taken out of the server's pool by [`TestApp::cut_database`] on SQLite.
    held: std::sync::Mutex<Vec<HeldConnection>>,
}

type HeldConnection = diesel::r2d2::PooledConnection<cdmx::db::ConnectionManager>;

/// Settings for a test server on `database_url`.
pub fn test_settings(database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url,
        database_pool_size: 4,
        jwt_secret: Some(TEST_JWT_SECRET.into()),
        log_level: "warn".into(),
        workers: 1,
        shutdown_timeout_seconds: 1,
        // Many tests sign up and sign in rapidly from 127.0.0.1 in one server: the
        // address and organisation limits are raised out of their way. The tests of the
        // limits set tight ones explicitly.
        rate_limit_login_per_address: 100_000,
        rate_limit_login_per_account: 100_000,
        rate_limit_signup_per_address: 100_000,
        rate_limit_signup_per_account: 100_000,
        rate_limit_shared_reports_per_address: 100_000,
        rate_limit_organization_writes: 100_000,
        rate_limit_organization_matches: 100_000,
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server after `adjust` has changed its settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_on(TestDatabase::create(), None, adjust).await
    }

    /// Spawns a server whose database a test can take away and give back
    /// ([`TestApp::cut_database`], [`TestApp::restore_database`]). On PostgreSQL the
    /// server reaches it through a [`proxy::TcpProxy`].
    pub async fn spawn_with_outages(adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create();
        let proxy = if database.is_postgres() {
            Some(proxy::TcpProxy::start(proxy::target_of(&database.url()).await).await)
        } else {
            None
        };
        Self::spawn_on(database, proxy, adjust).await
    }

    async fn spawn_on(
        database: TestDatabase,
        proxy: Option<proxy::TcpProxy>,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let url = match &proxy {
            Some(proxy) => proxy::routed_to(&database.url(), proxy.address()),
            None => database.url(),
        };
        let mut settings = test_settings(url);
        adjust(&mut settings);
        let pool_size = settings.database_pool_size;
        cdmx::telemetry::init(&settings);
        let app = Application::build(settings)
            .await
            .expect("the server starts");
        let base_url = format!("http://{}", app.address());
        let db = app.database().clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder(&base_url)
            .retries(0, std::time::Duration::ZERO)
            .observe(contract::observer())
            .build()
            .unwrap();
        Self {
            base_url,
            client,
            db,
            database,
            handle,
            proxy,
            pool_size,
            held: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Takes the database away from the running server. On PostgreSQL the proxy drops
    /// every connection and refuses new ones (a server gone, a network cut). An SQLite
    /// file cannot be taken from a running process: there every pooled connection is
    /// held instead, so requests meet the same checkout timeout as during an outage.
    pub async fn cut_database(&self) {
        if let Some(proxy) = &self.proxy {
            proxy.cut();
            return;
        }
        assert!(
            !self.database.is_postgres(),
            "spawn with TestApp::spawn_with_outages to cut PostgreSQL"
        );
        for _ in 0..self.pool_size {
            let db = self.db.clone();
            let connection = tokio::task::spawn_blocking(move || db.blocking_connection())
                .await
                .unwrap()
                .expect("an idle pooled connection");
            self.held.lock().unwrap().push(connection);
        }
    }

    /// Gives the database back after [`TestApp::cut_database`].
    pub fn restore_database(&self) {
        if let Some(proxy) = &self.proxy {
            proxy.restore();
        }
        self.held.lock().unwrap().clear();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Signs up an organisation of `kind`; returns it with its admin signed in.
    pub async fn sign_up(&self, kind: OrganizationKind, name: &str) -> OrgFixture {
        let admin_email = format!(
            "admin-{}@{}.example",
            uuid::Uuid::new_v4().simple(),
            kind.as_str()
        );
        let created = self
            .client
            .create_organization(&SignUpRequest {
                name: name.to_owned(),
                kind,
                admin: NewUser {
                    email: admin_email.clone(),
                    password: PASSWORD.into(),
                },
            })
            .await
            .expect("sign-up succeeds");
        let admin = self
            .client
            .login(&admin_email, PASSWORD)
            .await
            .expect("login succeeds");
        OrgFixture {
            organization: created.organization,
            admin_user: created.admin,
            admin,
        }
    }

    /// Has the platform verify an organisation, as an operator would through the API.
    pub async fn verify(&self, organization_id: &str) {
        self.platform_admin()
            .await
            .verify_organization(organization_id)
            .await
            .expect("a platform admin verifies the organisation");
    }

    /// Creates a platform admin the way operators do (`cdmx admin create`) and signs in.
    pub async fn platform_admin(&self) -> Client {
        let email = format!("ops-{}@cdmx.example", uuid::Uuid::new_v4().simple());
        let url = self.database.url();
        let parsed = EmailAddress::parse(&email).unwrap();
        tokio::task::spawn_blocking(move || {
            cdmx::cli::create_platform_admin(&url, &parsed, &Password::parse(PASSWORD).unwrap())
        })
        .await
        .unwrap()
        .expect("platform admin created");
        self.client
            .login(&email, PASSWORD)
            .await
            .expect("platform admin login")
    }

    /// Another server process on the same database (its own pool, index and caches),
    /// as a second replica behind a load balancer would be.
    pub async fn second_server(&self) -> SecondServer {
        self.second_server_with(|_| {}).await
    }

    /// [`TestApp::second_server`] after `adjust` has changed its settings.
    pub async fn second_server_with(&self, adjust: impl FnOnce(&mut Settings)) -> SecondServer {
        let mut settings = test_settings(self.database.url());
        adjust(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("the second server starts");
        let base_url = format!("http://{}", app.address());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        SecondServer {
            base_url: base_url.clone(),
            client: Client::builder(&base_url)
                .retries(0, std::time::Duration::ZERO)
                .observe(contract::observer())
                .build()
                .unwrap(),
            handle,
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

pub struct SecondServer {
    pub base_url: String,
    /// An anonymous client of the second server.
    pub client: Client,
    pub handle: actix_web::dev::ServerHandle,
}

pub struct OrgFixture {
    pub organization: Organization,
    pub admin_user: User,
    /// A client signed in as the organisation's first admin.
    pub admin: Client,
}

impl OrgFixture {
    pub fn id(&self) -> &str {
        &self.organization.id
    }

    /// A fresh bearer token for the first admin (for raw HTTP, or another server).
    pub async fn token(&self) -> String {
        self.admin
            .issue_token(&cdmx_sdk::types::TokenRequest::Password {
                email: self.admin_user.email.clone(),
                password: PASSWORD.into(),
            })
            .await
            .expect("the admin signs in")
            .access_token
    }
}

/// Reads a problem document, asserting the status, the media type and that the document
/// carries the request id of the response.
pub async fn expect_problem(
    response: reqwest::Response,
    status: reqwest::StatusCode,
) -> cdmx_sdk::types::Problem {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem: cdmx_sdk::types::Problem = response.json().await.unwrap();
    assert_eq!(problem.status, status.as_u16());
    assert_eq!(problem.request_id.as_deref(), Some(request_id.as_str()));
    problem
}

/// The `p` quantile (0..=1) of sorted durations, in milliseconds, for benchmarks.
pub fn percentile_ms(sorted: &[std::time::Duration], p: f64) -> f64 {
    let rank = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(rank).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// The status of a refused request and the fields its problem document names.
pub fn problem_fields(error: cdmx_sdk::Error) -> (u16, Vec<String>) {
    let status = error.status().expect("the server answered");
    let fields = error
        .problem()
        .map(|p| p.errors.iter().map(|e| e.field.clone()).collect())
        .unwrap_or_default();
    (status, fields)
}

/// A complete, valid capability profile named `name`, for tests to adjust.
pub fn base_profile(name: &str) -> cdmx_sdk::types::CapabilityProfile {
    serde_json::from_value(serde_json::json!({
        "organization": {"name": name, "type": "commercial_cdmo", "years_in_operation": 10,
                         "website": "https://cdmo.example"},
        "sites": [{
            "key": "main", "name": "Main site", "country": "FR", "city": "Lyon",
            "latitude": 45.76, "longitude": 4.84,
            "cleanrooms": [{"grade": "b", "count": 4, "area_m2": 300.0}],
            "closed_processing": true, "isolators": false,
            "licences": [{"authority": "eu_member_state", "kind": "manufacturing_authorisation",
                          "scope": "ATMP manufacture",
                          "coverage": {"modalities": [], "donor_sources": [],
                                       "activities": ["manufacturing", "testing", "release"]},
                          "granted_on": "2020-01-15"}],
            "inspections": [{"authority": "eu_member_state", "date": "2024-05-01", "outcome": "no_findings"}]
        }],
        "donor_sources": {"autologous": {"batches_per_year": 200}},
        "modalities": ["car_t"],
        "gene_modification": {"methods": ["lentiviral"], "vector_supply": ["partner"]},
        "phases": [{"phase": "phase_1", "programmes": 4, "gmp_batches": 40},
                   {"phase": "phase_3", "programmes": 1, "gmp_batches": 30}],
        "platforms": [{"platform": "clinimacs_prodigy", "units": 4, "parallel_batches": 4}],
        "automation": {"automated_wash_concentration": true, "automated_formulation": true,
                       "fill": "semi_automated", "controlled_rate_freezers": 2},
        "quality": {"qms": true, "gmp_warehouse": true, "validation_programme": true,
                    "calibration_programme": true},
        "qc": {"in_house_assays": ["mycoplasma", "endotoxin"], "release_turnaround_days": 7,
               "qp_release": true},
        "cryo": {"min_storage_temp_c": -180, "storage_positions": 1500, "controlled_rate_freezing": true},
        "logistics": {"shipping_lead_time_hours": 24, "hubs": [], "regions_served": ["europe"],
                      "chain_of_custody": true},
        "performance": {"process_duration_days": 10, "median_turnaround_days": 16,
                        "success_rate_percent": 95.0},
        "tech_transfer": {"duration_months_min": 6, "duration_months_max": 12,
                          "cost_usd_min": 500000, "cost_usd_max": 1500000, "engineering_runs": 2,
                          "comparability_support": true, "process_development_services": true},
        "soft_factors": {"languages": ["fr", "en"]}
    }))
    .expect("the base profile matches the API types")
}
