//! API request and response types, defined once and shared by the server and the SDK.
//!
//! With the `openapi` feature these types also derive `utoipa::ToSchema`, which is how the
//! server's OpenAPI document describes them: the document and this crate cannot drift.

#[macro_use]
mod macros {
    /// Declares a closed enumeration with its snake_case wire names, in one place.
    macro_rules! closed_set {
        ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            pub enum $name {
                $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
            }

            impl $name {
                /// Every value, in declaration order.
                pub const ALL: &'static [$name] = &[$($name::$variant),+];

                /// The wire name.
                pub fn as_str(self) -> &'static str {
                    match self { $($name::$variant => $wire),+ }
                }

                /// Parses a wire name.
                pub fn parse(text: &str) -> Option<Self> {
                    match text { $($wire => Some($name::$variant),)+ _ => None }
                }
            }
        };
    }
}

mod auth;
mod capacity;
mod matching;
mod organizations;
mod pagination;
mod problem;
mod profiles;
mod system;

pub use auth::*;
pub use capacity::*;
pub use matching::*;
pub use organizations::*;
pub use pagination::*;
pub use problem::*;
pub use profiles::*;
pub use system::*;
