//! The application layer: one module per use-case area, one function per use case.
//!
//! A use case takes the caller and the request, authorizes through
//! [`crate::auth::policy`], validates into domain types, runs its transaction through
//! [`crate::db`] and returns the wire view or one [`ApiError`]. It knows nothing of
//! HTTP: handlers in [`crate::api`] extract the request, call one function here and map
//! the result to a response.
//!
//! [`ApiError`]: crate::error::ApiError

pub mod accounts;
pub mod audit;
pub mod capacity;
pub mod decisions;
pub mod demo;
pub mod events;
pub mod idempotency;
pub mod listing;
pub mod matching;
pub mod metrics;
pub mod pagination;
pub mod profiles;
pub mod reports;
pub mod reservations;
pub mod rfis;
pub mod share_links;
pub mod views;
pub mod watches;
pub mod webhooks;

/// Today's date in UTC: what validation and evidence expiry are judged against.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
