//! The end-to-end harness: each test gets a real cdmx server on port 0 and a database of
//! its own: a temporary SQLite file, or a fresh PostgreSQL database when
//! `CDMX_TEST_DATABASE_URL` names a PostgreSQL server (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it is set and PostgreSQL cannot
//! be reached, tests fail: they never fall back to SQLite silently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
    pub database: TestDatabase,
    handle: actix_web::dev::ServerHandle,
}

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
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server after `adjust` has changed its settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create();
        let mut settings = test_settings(database.url());
        adjust(&mut settings);
        cdmx::telemetry::init(&settings);
        let app = Application::build(settings)
            .await
            .expect("the server starts");
        let base_url = format!("http://{}", app.address());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder(&base_url)
            .retries(0, std::time::Duration::ZERO)
            .build()
            .unwrap();
        Self {
            base_url,
            client,
            database,
            handle,
        }
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

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
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
}
