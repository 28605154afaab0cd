//! Request extractors whose failures are problem documents naming the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest accepted JSON body, installed as app data by `startup`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body. Unlike `web::Json`, every failure names the offending field by
/// its path (`admin.email`, `sites[2].country`).
pub struct ApiJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

/// Reads a JSON value, reporting where it went wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::bad_request_field(field, without_position(&inner.to_string()))
    })?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request_field("body", "trailing characters after the JSON value")
    })?;
    Ok(value)
}

/// serde_json appends "at line 1 column 17"; the field path says more to an API user.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
        if !is_json(req) {
            return Box::pin(async {
                Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ))
            });
        }
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
                    _ => ApiError::bad_request_field("body", "the body could not be read"),
                })?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// The version an update is based on, from `If-Match: "<n>"` (the ETag the client
/// read): 428 when absent, so that no client overwrites a version it never saw.
pub fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let value = req.headers().get(header::IF_MATCH).ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag of the version you edited, e.g. If-Match: \"3\"".into(),
        )
    })?;
    let text = value.to_str().unwrap_or_default().trim();
    text.trim_matches('"')
        .parse::<i32>()
        .ok()
        .filter(|n| *n >= 1 && !text.starts_with("W/"))
        .ok_or_else(|| {
            ApiError::bad_request_field("If-Match", "must be the ETag you read, e.g. \"3\"")
        })
}

/// A JSON response carrying `version` as its ETag.
pub fn with_etag<T: serde::Serialize>(
    mut response: HttpResponseBuilder,
    version: u32,
    body: &T,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(body)
}

/// Query parameters, with failures naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let parsed = form_urlencoded::parse(req.query_string().as_bytes());
        let deserializer = serde_urlencoded::Deserializer::new(parsed);
        let result = serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                // Unknown parameters are reported by serde without a path.
                let field = if path == "." {
                    inner.split('`').nth(1).unwrap_or("query").to_owned()
                } else {
                    path
                };
                ApiError::bad_request_field(field, inner)
            });
        std::future::ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::SignUpRequest;

    fn field_of(error: ApiError) -> (String, String) {
        match error {
            ApiError::BadRequest { errors, .. } => {
                (errors[0].field.clone(), errors[0].message.clone())
            }
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_nested_field() {
        let body = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":7}}"#;
        let (field, message) = field_of(parse_json::<SignUpRequest>(body).err().unwrap());
        assert_eq!(field, "admin.password");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn unknown_fields_and_bad_enums_are_rejected_by_name() {
        let body = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":"x"},"verified":true}"#;
        let (_, message) = field_of(parse_json::<SignUpRequest>(body).err().unwrap());
        assert!(message.contains("unknown field `verified`"), "{message}");
        let body = br#"{"name":"A","kind":"hospital","admin":{"email":"a@b.co","password":"x"}}"#;
        let (field, _) = field_of(parse_json::<SignUpRequest>(body).err().unwrap());
        assert_eq!(field, "kind");
    }

    #[test]
    fn syntax_errors_are_bad_requests_without_positions() {
        let (field, message) = field_of(parse_json::<SignUpRequest>(b"{\"name\": ").err().unwrap());
        assert_eq!(field, "name");
        assert!(!message.contains("line"), "{message}");
        let trailing = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":"x"}} x"#;
        let (field, message) = field_of(parse_json::<SignUpRequest>(trailing).err().unwrap());
        assert_eq!(field, "body");
        assert!(message.contains("trailing"), "{message}");
    }
}
