//! How closed sets decode: strictly by default, tolerantly for a client reading responses.
//!
//! A B2B API grows by adding values. The server must reject a value it does not know (a
//! typo in a request is a 400 naming the field), while an SDK built against an older
//! server must keep working when a newer one answers with a value added since. The same
//! types serve both, so strictness is chosen per decode: [`decode_response`] decodes
//! with unknown closed-set values mapped to their `Unknown` variant; every other decode
//! (the server's request parsing, stored documents) rejects them.

use std::cell::Cell;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

thread_local! {
    /// Set while [`decode_response`] runs on this thread. Decoding is synchronous, so the
    /// flag cannot leak into another task's decode.
    static TOLERANT: Cell<bool> = const { Cell::new(false) };
}

/// Restores the previous mode when dropped, even if decoding panics.
struct TolerantScope(bool);

impl TolerantScope {
    fn enter() -> Self {
        Self(TOLERANT.with(|t| t.replace(true)))
    }
}

impl Drop for TolerantScope {
    fn drop(&mut self) {
        TOLERANT.with(|t| t.set(self.0));
    }
}

/// Decodes a JSON response body as a client should: unknown fields are ignored and
/// closed-set values this version does not know become `Unknown`.
pub fn decode_response<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    let _scope = TolerantScope::enter();
    serde_json::from_slice(body)
}

/// Whether the current decode tolerates unknown closed-set values.
pub fn is_tolerant() -> bool {
    TOLERANT.with(Cell::get)
}

/// The `Deserialize` of every closed set.
#[doc(hidden)]
pub fn closed_set<'de, D, T>(
    deserializer: D,
    parse: fn(&str) -> Option<T>,
    unknown: T,
    wire_names: &'static [&'static str],
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct WireName<T> {
        parse: fn(&str) -> Option<T>,
        unknown: T,
        wire_names: &'static [&'static str],
    }

    impl<T> Visitor<'_> for WireName<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "one of {}", self.wire_names.join(", "))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            match (self.parse)(text) {
                Some(value) => Ok(value),
                None if is_tolerant() => Ok(self.unknown),
                None => Err(E::unknown_variant(text, self.wire_names)),
            }
        }
    }

    deserializer.deserialize_str(WireName {
        parse,
        unknown,
        wire_names,
    })
}

/// The OpenAPI schema of a closed set: a string enum of the wire names, described by the
/// type's documentation and that of each value that has some.
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub fn closed_set_schema(
    doc: &[&str],
    values: &[(&str, &[&str])],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};

    let mut description = join_doc(doc);
    let documented: Vec<String> = values
        .iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(wire, lines)| format!("- `{wire}`: {}", join_doc(lines)))
        .collect();
    if !documented.is_empty() {
        description.push_str("\n\n");
        description.push_str(&documented.join("\n"));
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().map(|(wire, _)| *wire)))
        .into()
}

/// Doc-comment lines as one paragraph (`///` lines carry a leading space).
#[cfg(feature = "openapi")]
fn join_doc(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|line| line.trim())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}
