use serde::{Deserialize, Serialize};

/// Liveness: the process is up. Says nothing about the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// Readiness: the database answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// Always `ready` (otherwise the answer is a 503 problem).
    pub status: String,
    /// The storage backend in use.
    pub database: DatabaseBackend,
}

closed_set! {
    /// Storage backend.
    DatabaseBackend {
        /// SQLite (single file; development and small deployments).
        Sqlite = "sqlite",
        /// PostgreSQL.
        Postgres = "postgres",
    }
}
