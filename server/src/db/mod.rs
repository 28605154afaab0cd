//! Storage: the one module that owns the schema, the pool and the queries.
//!
//! One codebase on SQLite (embedded, the default) and PostgreSQL (production), through
//! diesel's `MultiConnection`. The backend is chosen from the URL scheme here, not by
//! diesel's derived `establish`, so that a mistyped URL is a clear error.

/// Runs `$run` with the backend's own connection bound to `$c`: for the SQL diesel's
/// multi-backend connection does not offer (upserts, multi-row inserts), written once
/// and compiled for each backend.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $run:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $run,
            $crate::db::DbConnection::Sqlite($c) => $run,
        }
    };
}

pub mod accounts;
pub mod audit;
pub mod capacity;
pub mod columns;
pub mod decisions;
pub mod documents;
pub mod events;
pub mod idempotency;
pub mod listing;
pub mod profiles;
pub mod programs;
pub mod reservations;
pub mod rfis;
pub mod schema;
pub mod share_links;
pub mod watches;
pub mod webhooks;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cdmx_sdk::types::DatabaseBackend;
use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Serialises migrations when several server processes start on one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x0c0d_0e0f_6d78;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Path of the SQLite file.
    Sqlite(String),
    /// The full `postgres://` URL, handed to libpq.
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("`{0}` has no scheme: expected sqlite://path or postgres://user@host/db")]
    MissingScheme(String),
    #[error("unsupported scheme `{0}`: expected sqlite:// or postgres://")]
    UnsupportedScheme(String),
    #[error("the sqlite URL names no file: expected sqlite://path/to/file.db")]
    EmptySqlitePath,
    #[error(
        "in-memory SQLite is not supported (each pooled connection would get its own database); use a file"
    )]
    InMemorySqlite,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            if url.starts_with("sqlite:") {
                return Err(DatabaseUrlError::InMemorySqlite);
            }
            return Err(DatabaseUrlError::MissingScheme(url.to_owned()));
        };
        match scheme {
            "sqlite" => {
                let path = rest.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    Err(DatabaseUrlError::EmptySqlitePath)
                } else if path == ":memory:" {
                    Err(DatabaseUrlError::InMemorySqlite)
                } else {
                    Ok(Self::Sqlite(path.to_owned()))
                }
            }
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            other => Err(DatabaseUrlError::UnsupportedScheme(other.to_owned())),
        }
    }

    pub fn backend(&self) -> DatabaseBackend {
        match self {
            Self::Sqlite(_) => DatabaseBackend::Sqlite,
            Self::Postgres(_) => DatabaseBackend::Postgres,
        }
    }
}

/// Opens connections of the backend the URL names, and prepares SQLite ones.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first: switching to WAL itself may have to wait for a lock.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgresql)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection returned mid-transaction (a panic inside one) must not be reused.
        std::thread::panicking()
            || match conn {
                DbConnection::Postgresql(c) => transaction_open(c),
                DbConnection::Sqlite(c) => transaction_open(c),
            }
    }
}

fn transaction_open<C>(conn: &mut C) -> bool
where
    C: Connection<TransactionManager = AnsiTransactionManager>,
{
    !matches!(
        AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(None)
    )
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// The pool's own error log, at most one line per interval: while the database is down
/// every checkout fails, and a line each would bury the log.
#[derive(Debug)]
pub struct ThrottledPoolErrors {
    interval: Duration,
    state: Mutex<Throttle>,
}

#[derive(Debug, Default)]
struct Throttle {
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl ThrottledPoolErrors {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(Throttle::default()),
        }
    }

    /// `Some(suppressed since the last line)` when a line may be logged at `now`.
    fn admit(&self, now: Instant) -> Option<u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = state
            .last_logged
            .is_none_or(|last| now.saturating_duration_since(last) >= self.interval);
        if due {
            state.last_logged = Some(now);
            Some(std::mem::take(&mut state.suppressed))
        } else {
            state.suppressed += 1;
            None
        }
    }
}

impl r2d2::HandleError<r2d2::Error> for ThrottledPoolErrors {
    fn handle_error(&self, error: r2d2::Error) {
        if let Some(suppressed) = self.admit(Instant::now()) {
            tracing::error!(%error, suppressed, "database connection failed");
        }
    }
}

/// How long a request waits for a pooled connection unless told otherwise.
pub const DEFAULT_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// Longest wait of the readiness check, so that `/readyz` answers promptly when the
/// database is gone.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// What can go wrong in storage, in terms the API layer can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller may see the object but not change it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// An update was based on a version that is no longer current.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(DieselError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("storage task failed: {0}")]
    Task(String),
    /// A stored document that this release cannot read.
    #[error(transparent)]
    Unreadable(#[from] documents::DocumentError),
}

impl StoreError {
    /// A unique-constraint failure becomes a conflict with a message the client can act on.
    pub fn conflict_on_unique(error: DieselError, message: &str) -> Self {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict(message.to_owned())
            }
            other => other.into(),
        }
    }
}

/// A query error; one that means the connection is gone (the server closed it, went
/// away mid-query, or cannot be reached) is [`StoreError::Unavailable`], answered 503
/// like a failed checkout rather than 500.
impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        if connection_lost(&error) {
            Self::Unavailable(error.to_string())
        } else {
            Self::Query(error)
        }
    }
}

/// Whether `error` says the connection is gone rather than the query was wrong.
fn connection_lost(error: &DieselError) -> bool {
    let DieselError::DatabaseError(kind, info) = error else {
        return false;
    };
    match kind {
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => true,
        // libpq reports a dropped socket without an SQLSTATE; the server's own shutdown
        // notices carry class 57 (operator intervention) or 08 (connection exception).
        _ => {
            let message = info.message().to_ascii_lowercase();
            [
                "server closed the connection",
                "no connection to the server",
                "could not receive data from server",
                "could not send data to server",
                "connection refused",
                "terminating connection",
                "connection to server",
                "ssl syscall error",
            ]
            .iter()
            .any(|needle| message.contains(needle))
        }
    }
}

/// A transition the reservation's state does not allow: a conflict naming that state.
impl From<crate::domain::reservations::IllegalTransition> for StoreError {
    fn from(illegal: crate::domain::reservations::IllegalTransition) -> Self {
        Self::Conflict(illegal.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The pool, and the only way handlers reach it: every call runs off the async workers.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: DatabaseBackend,
    /// Write transactions run through this handle and its clones (see
    /// [`Database::local_writes`]).
    local_writes: Arc<AtomicU64>,
    /// Woken after a write transaction that queued webhook deliveries ended, so that the
    /// delivery worker does not wait for its next poll.
    deliveries_queued: Arc<tokio::sync::Notify>,
}

thread_local! {
    /// Set by [`mark_deliveries_queued`] inside a write transaction; read and cleared on
    /// the same blocking thread once the transaction has ended.
    static DELIVERIES_QUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes, inside a write transaction, that it queued webhook deliveries: the
/// [`Database`] that runs it wakes the delivery worker once it has ended.
pub fn mark_deliveries_queued() {
    DELIVERIES_QUEUED.with(|queued| queued.set(true));
}

impl Database {
    /// Opens the pool and applies pending migrations.
    pub fn connect(url: &str, pool_size: u32) -> StoreResult<Self> {
        Self::connect_with_timeout(url, pool_size, DEFAULT_CHECKOUT_TIMEOUT)
    }

    /// [`Database::connect`], waiting at most `checkout_timeout` for a connection.
    pub fn connect_with_timeout(
        url: &str,
        pool_size: u32,
        checkout_timeout: Duration,
    ) -> StoreResult<Self> {
        let url = DatabaseUrl::parse(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let backend = url.backend();
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(checkout_timeout)
            .error_handler(Box::new(ThrottledPoolErrors::new(Duration::from_secs(30))))
            .build(ConnectionManager { url })
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut conn = pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        run_migrations(&mut conn)?;
        Ok(Self {
            pool,
            backend,
            local_writes: Arc::new(AtomicU64::new(0)),
            deliveries_queued: Arc::new(tokio::sync::Notify::new()),
        })
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.backend
    }

    /// Runs `work` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        crate::telemetry::blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `work` in one write transaction (see [`write_transaction`]).
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&mut DbConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let local_writes = self.local_writes.clone();
        let queued = self.deliveries_queued.clone();
        self.run(move |conn| {
            DELIVERIES_QUEUED.with(|q| q.set(false));
            let outcome = write_transaction(conn, work);
            // Counted once the transaction has ended, on the blocking thread, so that it
            // is counted even when the request that asked for it has gone away.
            local_writes.fetch_add(1, Ordering::SeqCst);
            if DELIVERIES_QUEUED.with(|q| q.replace(false)) {
                queued.notify_one();
            }
            outcome
        })
        .await
    }

    /// Woken after a write through this handle queued webhook deliveries.
    pub fn deliveries_queued(&self) -> Arc<tokio::sync::Notify> {
        self.deliveries_queued.clone()
    }

    /// How many write transactions [`Database::write`] and [`Database::write_or_refuse`]
    /// have ended (committed or not)
    /// through this handle and its clones. Readers that trust a recent read of the change
    /// counter read it again once this moves, so that this process's own writes are seen
    /// by its next read.
    pub fn local_writes(&self) -> u64 {
        self.local_writes.load(Ordering::SeqCst)
    }

    /// [`Database::write`] for work that may refuse with an error of its own (see
    /// [`write_transaction_or_refuse`]).
    pub async fn write_or_refuse<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<DieselError> + Send + 'static,
    {
        self.transaction_or_refuse(work, true).await
    }

    /// [`Database::write_or_refuse`] for a background job's bookkeeping (taking watch
    /// checks, recording firings), which changes nothing a profile read shows: it is not
    /// counted in [`Database::local_writes`], so this process's readers keep trusting
    /// their recent read of the change counter (the freshness window stays what it says).
    pub async fn background_write_or_refuse<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<DieselError> + Send + 'static,
    {
        self.transaction_or_refuse(work, false).await
    }

    async fn transaction_or_refuse<T, E, F>(&self, work: F, local: bool) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<DieselError> + Send + 'static,
    {
        let local_writes = self.local_writes.clone();
        let queued = self.deliveries_queued.clone();
        self.run(move |conn| {
            DELIVERIES_QUEUED.with(|q| q.set(false));
            let outcome = write_transaction_or_refuse(conn, work);
            if local {
                local_writes.fetch_add(1, Ordering::SeqCst);
            }
            if DELIVERIES_QUEUED.with(|q| q.replace(false)) {
                queued.notify_one();
            }
            Ok(outcome)
        })
        .await
        .map_err(E::from)?
    }

    /// Readiness: a connection can be had and answers, within a second (or the
    /// checkout timeout, if shorter).
    pub async fn ping(&self) -> StoreResult<()> {
        let pool = self.pool.clone();
        let timeout = PING_TIMEOUT.min(pool.connection_timeout());
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get_timeout(timeout)
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            conn.batch_execute("SELECT 1")
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Open connections, idle ones and the pool's size, for metrics.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (
            state.connections,
            state.idle_connections,
            self.pool.max_size(),
        )
    }

    /// A connection for command-line tools, which run no async workers.
    pub fn blocking_connection(&self) -> StoreResult<r2d2::PooledConnection<ConnectionManager>> {
        self.pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

/// Serialises transactions that hold the same key until they end, across processes on
/// one PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn transaction_lock(conn: &mut DbConnection, key: i64) -> StoreResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({key})"))?;
    }
    Ok(())
}

/// Runs `work` in a transaction that takes the write lock up front.
///
/// On SQLite a plain `BEGIN` that reads and then writes fails at once with SQLITE_BUSY
/// when another writer got in between, whatever the busy timeout; `BEGIN IMMEDIATE`
/// waits for the lock instead. PostgreSQL's default transaction is right as it is.
pub fn write_transaction<T, F>(conn: &mut DbConnection, work: F) -> StoreResult<T>
where
    F: FnOnce(&mut DbConnection) -> StoreResult<T>,
{
    write_transaction_or_refuse(conn, work)
}

/// [`write_transaction`] for work that may refuse with an error of its own, such as an
/// answer to the client decided halfway: the refusal rolls back what was written so
/// far, as any error does.
pub fn write_transaction_or_refuse<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return conn.transaction(work);
    }
    if let DbConnection::Sqlite(sqlite) = conn {
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    }
    let outcome = work(conn);
    if let DbConnection::Sqlite(sqlite) = conn {
        match &outcome {
            Ok(_) => AnsiTransactionManager::commit_transaction(sqlite)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(sqlite)?,
        }
    }
    outcome
}

fn run_migrations(conn: &mut DbConnection) -> StoreResult<()> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            result
        }
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

impl From<diesel::result::Error> for crate::error::ApiError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// A fresh time-ordered id: UUIDv7 text sorts by creation time, which keeps cursor
/// pagination in a stable, meaningful order.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now, in UTC, at microsecond precision: what both backends store without rounding.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://cdmx.db"),
            Ok(DatabaseUrl::Sqlite("cdmx.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/cdmx/cdmx.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/cdmx/cdmx.db".into()))
        );
        for url in [
            "postgres://u@h/db",
            "postgresql://u@h:5432/db?sslmode=disable",
        ] {
            assert_eq!(
                DatabaseUrl::parse(url),
                Ok(DatabaseUrl::Postgres(url.into()))
            );
        }
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        assert_eq!(
            DatabaseUrl::parse("mysql://x/y"),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("cdmx.db"),
            Err(DatabaseUrlError::MissingScheme(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::EmptySqlitePath)
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(DatabaseUrlError::InMemorySqlite)
        );
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_a_bad_query_is_not() {
        let lost = |kind, message: &str| {
            StoreError::from(DieselError::DatabaseError(
                kind,
                Box::new(message.to_owned()),
            ))
        };
        for error in [
            lost(DatabaseErrorKind::ClosedConnection, "closed"),
            lost(DatabaseErrorKind::UnableToSendCommand, "cannot send"),
            lost(
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means...",
            ),
            lost(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
        ] {
            assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
        }
        for error in [
            lost(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            lost(DatabaseErrorKind::Unknown, "syntax error at or near"),
            StoreError::from(DieselError::NotFound),
        ] {
            assert!(matches!(error, StoreError::Query(_)), "{error:?}");
        }
        let api = crate::error::ApiError::from(lost(DatabaseErrorKind::ClosedConnection, "x"));
        assert_eq!(api.status(), 503);
    }

    #[test]
    fn pool_errors_are_logged_once_per_interval_with_the_count_suppressed() {
        let throttle = ThrottledPoolErrors::new(Duration::from_secs(30));
        let start = Instant::now();
        assert_eq!(throttle.admit(start), Some(0));
        for i in 1..=46 {
            assert_eq!(throttle.admit(start + Duration::from_millis(i * 200)), None);
        }
        assert_eq!(throttle.admit(start + Duration::from_secs(30)), Some(46));
        assert_eq!(throttle.admit(start + Duration::from_secs(31)), None);
    }

    #[test]
    fn write_transaction_rolls_back_on_error_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&url, 2).unwrap();
        let mut conn = db.blocking_connection().unwrap();
        let result: StoreResult<()> = write_transaction(&mut conn, |c| {
            c.batch_execute(
                "INSERT INTO organizations (id, name, kind, verified, created_at) \
                 VALUES ('x', 'X', 'sponsor', 0, '2026-01-01 00:00:00')",
            )?;
            Err(StoreError::Conflict("abort".into()))
        });
        assert!(result.is_err());
        use diesel::prelude::*;
        let count: i64 = schema::organizations::table
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(count, 0, "the insert must have been rolled back");
        assert!(!transaction_open(match &mut *conn {
            DbConnection::Sqlite(c) => c,
            DbConnection::Postgresql(_) => unreachable!(),
        }));
    }
}
