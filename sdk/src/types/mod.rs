//! API request and response types, defined once and shared by the server and the SDK.
//!
//! With the `openapi` feature these types also derive `utoipa::ToSchema`, which is how the
//! server's OpenAPI document describes them: the document and this crate cannot drift.

mod auth;
mod matching;
mod organizations;
mod pagination;
mod problem;
mod profiles;
mod system;

pub use auth::*;
pub use matching::*;
pub use organizations::*;
pub use pagination::*;
pub use problem::*;
pub use profiles::*;
pub use system::*;
