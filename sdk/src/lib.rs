//! Typed Rust client for the cdmx CDMO exchange API.
//!
//! The request and response types in [`types`] are the ones the server itself uses, so
//! this client cannot drift from the server or from the OpenAPI document in `openapi/`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cdmx_sdk::Error> {
//! let client = cdmx_sdk::Client::builder("http://127.0.0.1:8080")
//!     .api_key("cdmx_sk_...")
//!     .build()?;
//! let me = client.get_me().await?;
//! println!("signed in to {}", me.organization.name);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod types;
pub mod webhooks;

#[cfg(feature = "client")]
#[deny(missing_docs)]
mod client;
#[cfg(feature = "client")]
#[deny(missing_docs)]
mod error;

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder, Exchange, ReportFile, collect_pages, paginate};
#[cfg(feature = "client")]
pub use error::Error;

/// The futures 0.3 stream traits, re-exported so that consuming [`paginate`] needs no
/// other dependency.
#[cfg(feature = "client")]
#[deny(missing_docs)]
pub mod stream {
    pub use futures_core::Stream;
    pub use futures_util::{StreamExt, TryStreamExt};
}
pub use types::*;
