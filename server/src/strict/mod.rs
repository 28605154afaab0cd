//! Reading JSON strictly, wherever it comes from (request bodies and queries, merge
//! patches, the demo data files): unknown fields and objects given as arrays are refused,
//! and every problem is reported at once, each naming its field by path in plain words.

pub mod field_errors;
mod objects_only;

use cdmx_sdk::types::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use field_errors::{FieldPath, FieldProblem, Refusal};

/// The answer to fields that could not be read: 422 when every one of them is a value
/// outside a closed set (the request is readable, the value is not accepted), else 400.
pub fn refused(problems: Vec<FieldProblem>) -> ApiError {
    let refusal = field_errors::refusal_of(&problems);
    let errors = problems.into_iter().map(|p| p.error).collect();
    match refusal {
        Refusal::UnknownValue => ApiError::Validation(errors),
        Refusal::Unreadable => ApiError::bad_request_fields(errors),
    }
}

/// Reads a JSON value. When it is not a `T`, every problem is reported at once, each
/// naming its field by path and saying in plain words what is wrong; fields `T` does not
/// know are rejected whether or not `T` denies unknown fields itself.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut ignored = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = field_errors::read_strictly(&mut deserializer, &mut ignored);
    match result {
        Ok(value) => {
            deserializer.end().map_err(|_| {
                ApiError::bad_request_field("body", "there is more after the JSON value")
            })?;
            if ignored.is_empty() {
                return Ok(value);
            }
            Err(ApiError::bad_request_fields(
                ignored
                    .into_iter()
                    .map(|field| FieldError {
                        field: field.to_string(),
                        message: field_errors::UNKNOWN_FIELD.to_owned(),
                    })
                    .collect(),
            ))
        }
        Err(error) => {
            let inner = error.inner();
            if inner.is_syntax() || inner.is_eof() {
                let field = FieldPath::from_serde(error.path()).unwrap_or_default();
                let message = if inner.is_eof() {
                    "the body ends before the JSON is complete".to_owned()
                } else {
                    format!(
                        "the body is not valid JSON ({})",
                        field_errors::without_position(&inner.to_string())
                    )
                };
                return Err(ApiError::bad_request_field(field.to_string(), message));
            }
            let errors = serde_json::from_slice::<serde_json::Value>(bytes)
                .map(field_errors::collect::<T>)
                .unwrap_or_default();
            if errors.is_empty() {
                // Not expected: the value parsed as T. Report serde's finding in plain words.
                let field = FieldPath::from_serde(error.path()).unwrap_or_default();
                let (_, words, _) = field_errors::in_plain_words(&inner.to_string());
                return Err(ApiError::bad_request_field(field.to_string(), words));
            }
            Err(refused(errors))
        }
    }
}
