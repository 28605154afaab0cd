//! API request and response types, defined once and shared by the server and the SDK.
//!
//! With the `openapi` feature these types also derive `utoipa::ToSchema`, which is how the
//! server's OpenAPI document describes them: the document and this crate cannot drift.
//! With the `diesel` feature every closed set is also a TEXT column type (see
//! [`storage`]), so the server's database rows hold the same types as its API.

#[macro_use]
mod macros {
    /// Declares a closed enumeration with its snake_case wire names, in one place.
    ///
    /// Besides the declared values, every closed set has an `Unknown` value: what the SDK
    /// decodes when a newer server sends a value this version does not know (see
    /// [`decode_response`](crate::types::decode_response)). The server decodes strictly
    /// and never produces `Unknown`. The OpenAPI schema lists exactly the wire names, with
    /// the values' documentation in its description.
    macro_rules! closed_set {
        (
            $(#[doc = $doc:literal])*
            $name:ident {
                $($(#[doc = $vdoc:literal])* $variant:ident = $wire:literal),+ $(,)?
            }
        ) => {
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[cfg_attr(
                feature = "diesel",
                derive(diesel::AsExpression, diesel::FromSqlRow),
                diesel(sql_type = diesel::sql_types::Text)
            )]
            #[non_exhaustive]
            pub enum $name {
                $($(#[doc = $vdoc])* $variant,)+
                /// A value from a newer server that this version of the SDK does not know.
                Unknown,
            }

            impl $name {
                /// Every known value, in declaration order (never [`Self::Unknown`]).
                pub const ALL: &'static [$name] = &[$($name::$variant),+];

                /// The wire names of [`Self::ALL`], in the same order.
                pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

                /// The wire name (`"unknown"` for [`Self::Unknown`]).
                pub fn as_str(self) -> &'static str {
                    match self { $($name::$variant => $wire,)+ $name::Unknown => "unknown" }
                }

                /// Parses a known wire name.
                pub fn parse(text: &str) -> Option<Self> {
                    match text { $($wire => Some($name::$variant),)+ _ => None }
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl serde::Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $crate::types::decoding::closed_set(
                        deserializer,
                        $name::parse,
                        $name::Unknown,
                        $name::WIRE_NAMES,
                    )
                }
            }

            #[cfg(feature = "diesel")]
            impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
            where
                DB: diesel::backend::Backend,
                str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
            {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, DB>,
                ) -> diesel::serialize::Result {
                    let known = Self::ALL.contains(self).then(|| self.as_str());
                    $crate::types::storage::to_sql(known, stringify!($name), out)
                }
            }

            #[cfg(feature = "diesel")]
            impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
            where
                DB: diesel::backend::Backend,
                String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                    $crate::types::storage::from_sql::<DB, Self>(bytes, Self::parse, stringify!($name))
                }
            }

            #[cfg(feature = "openapi")]
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    $crate::types::decoding::closed_set_schema(
                        &[$($doc),*],
                        &[$(($wire, &[$($vdoc),*])),+],
                    )
                }
            }

            #[cfg(feature = "openapi")]
            impl utoipa::ToSchema for $name {
                fn name() -> std::borrow::Cow<'static, str> {
                    std::borrow::Cow::Borrowed(stringify!($name))
                }
            }
        };
    }
}

pub mod decoding;
pub use decoding::decode_response;
#[cfg(feature = "diesel")]
pub mod storage;

mod audit;
mod auth;
mod capacity;
mod events;
mod listing;
mod matching;
mod organizations;
mod pagination;
mod problem;
mod profiles;
mod records;
mod rfis;
mod system;
mod watches;
mod webhooks;

pub use audit::*;
pub use auth::*;
pub use capacity::*;
pub use events::*;
pub use listing::*;
pub use matching::*;
pub use organizations::*;
pub use pagination::*;
pub use problem::*;
pub use profiles::*;
pub use records::*;
pub use rfis::*;
pub use system::*;
pub use watches::*;
pub use webhooks::*;
