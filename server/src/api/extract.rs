//! Request extractors whose failures are problem documents naming the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use cdmx_sdk::types::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::strict::field_errors::{self, FieldProblem, Refusal};
use crate::strict::{parse_json, refused};

/// The client's address as the rate limits see it: the peer, or what a trusted proxy
/// says in `X-Forwarded-For` (see `Limits::client_address`).
pub struct ClientAddress(pub String);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let forwarded_for = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let forwarded_for = (!forwarded_for.is_empty()).then_some(forwarded_for.as_str());
        let peer = req.peer_addr().map(|a| a.ip());
        std::future::ready(
            req.app_data::<web::Data<crate::startup::AppState>>()
                .map(|state| Self(state.limits.client_address(peer, forwarded_for)))
                .ok_or_else(|| ApiError::internal("application state missing")),
        )
    }
}

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

/// Reads the body up to the configured limit.
fn read_body(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + use<> {
    let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        bytes.await.map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
            _ => ApiError::bad_request_field("body", "the body could not be read"),
        })
    }
}

fn unsupported_media_type() -> ApiError {
    ApiError::UnsupportedMediaType("send the body as application/json".into())
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if !is_json(req) {
            return Box::pin(async { Err(unsupported_media_type()) });
        }
        let bytes = read_body(req, payload);
        Box::pin(async move { parse_json(&bytes.await?).map(ApiJson) })
    }
}

/// A JSON body that may be left out: no body at all means `T::default()`. A body that is
/// there must be JSON (415 otherwise) and is read like [`ApiJson`].
pub struct ApiJsonOrDefault<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for ApiJsonOrDefault<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = read_body(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            if bytes.is_empty() {
                Ok(ApiJsonOrDefault(T::default()))
            } else if !json {
                Err(unsupported_media_type())
            } else {
                parse_json(&bytes).map(ApiJsonOrDefault)
            }
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

/// A JSON body serialised beforehand, carrying `version` as its ETag (the bytes
/// [`with_etag`] would send for the value they were made from).
pub fn with_etag_json(
    mut response: HttpResponseBuilder,
    version: u32,
    json: bytes::Bytes,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .content_type(mime::APPLICATION_JSON)
        .body(json)
}

/// Query parameters. Every unknown or unreadable parameter is reported at once, by name
/// and in plain words, whether or not `T` denies unknown fields itself.
pub struct ApiQuery<T>(pub T);

/// For operations that take no query parameters: any parameter is rejected, as on every
/// other operation.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoQuery {}

const UNKNOWN_PARAMETER: &str = "is not a known query parameter";

/// Reads a query string as `T`, collecting every problem: each unreadable parameter is
/// noted and dropped, and the rest read again.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut errors: Vec<FieldProblem> = Vec::new();
    let note_error =
        |errors: &mut Vec<FieldProblem>, field: String, message: String, refusal: Refusal| {
            if !errors.iter().any(|p| p.error.field == field) {
                errors.push(FieldProblem {
                    error: FieldError { field, message },
                    refusal,
                });
            }
        };
    // Every pass drops at least one parameter, or ends.
    for _ in 0..=pairs.len() {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let mut ignored = Vec::new();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        let result: Result<T, _> = field_errors::read_strictly(deserializer, &mut ignored);
        for field in ignored {
            note_error(
                &mut errors,
                field.to_string(),
                UNKNOWN_PARAMETER.to_owned(),
                Refusal::Unreadable,
            );
        }
        let error = match result {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(error) => error,
        };
        let at = error.path().to_string();
        let (named, words, refusal) = field_errors::in_plain_words(&error.into_inner().to_string());
        let words = if words == field_errors::UNKNOWN_FIELD {
            UNKNOWN_PARAMETER.to_owned()
        } else {
            words
        };
        let field = match named {
            Some(name) => name,
            None if at != "." => at,
            None => "query".to_owned(),
        };
        let before = pairs.len();
        pairs.retain(|(key, _)| *key != field);
        note_error(&mut errors, field, words, refusal);
        if pairs.len() == before {
            break;
        }
    }
    Err(refused(errors))
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Answers a conditional GET: when `If-None-Match` names the ETag of the response
/// (weakly compared, `*`, or in a list), 304 with that ETag and no body. Every GET that
/// sets an ETag (see [`with_etag`]) honours it this way.
pub async fn not_modified<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let conditional = matches!(*req.method(), Method::GET | Method::HEAD);
    let condition = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.call(req).await?;
    if let (true, Some(condition)) = (conditional, condition)
        && response.status() == StatusCode::OK
        && let Some(etag) = response.headers().get(header::ETAG).cloned()
        && etag
            .to_str()
            .is_ok_and(|etag| etag_matches(&condition, etag))
    {
        let (request, _) = response.into_parts();
        let answer = HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
        return Ok(ServiceResponse::new(request, answer).map_into_right_body());
    }
    Ok(response.map_into_left_body())
}

/// `If-None-Match` uses the weak comparison: `W/"3"` matches `"3"`.
fn etag_matches(condition: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    condition.trim() == "*" || condition.split(',').any(|tag| opaque(tag) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::SignUpRequest;

    /// The first field of a 400 or, for a value outside a closed set, a 422.
    fn field_of(error: ApiError) -> (String, String) {
        match error {
            ApiError::BadRequest { errors, .. } | ApiError::Validation(errors) => {
                (errors[0].field.clone(), errors[0].message.clone())
            }
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_nested_field() {
        let body = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":7}}"#;
        let (field, message) = field_of(parse_json::<SignUpRequest>(body).err().unwrap());
        assert_eq!(field, "admin.password");
        assert_eq!(message, "must be a string");
    }

    #[test]
    fn unknown_fields_and_bad_enums_are_rejected_by_name() {
        let body = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":"x"},"verified":true}"#;
        let (field, message) = field_of(parse_json::<SignUpRequest>(body).err().unwrap());
        assert_eq!(
            (field.as_str(), message.as_str()),
            ("verified", "is not a known field")
        );
        let body = br#"{"name":"A","kind":"hospital","admin":{"email":"a@b.co","password":"x"}}"#;
        let error = parse_json::<SignUpRequest>(body).err().unwrap();
        assert_eq!(error.status(), 422);
        let (field, _) = field_of(error);
        assert_eq!(field, "kind");
    }

    #[test]
    fn an_object_given_as_an_array_is_refused_with_every_other_mistake() {
        // Plain serde would read the array as a NewUser, its fields by position.
        let body = br#"{"name":7,"kind":"cdmo","admin":["a@b.co","a long password"],"x":1}"#;
        let mut got = all_fields(parse_json::<SignUpRequest>(body).err().unwrap());
        got.sort();
        let want: Vec<(String, String)> = [
            ("admin", "must be an object"),
            ("name", "must be a string"),
            ("x", field_errors::UNKNOWN_FIELD),
        ]
        .iter()
        .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn syntax_errors_are_bad_requests_without_positions() {
        let (field, message) = field_of(parse_json::<SignUpRequest>(b"{\"name\": ").err().unwrap());
        assert_eq!(field, "name");
        assert!(!message.contains("line"), "{message}");
        let trailing = br#"{"name":"A","kind":"cdmo","admin":{"email":"a@b.co","password":"x"}} x"#;
        let (field, message) = field_of(parse_json::<SignUpRequest>(trailing).err().unwrap());
        assert_eq!(field, "body");
        assert!(message.contains("more after the JSON"), "{message}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Lenient {
        limit: Option<u32>,
        gmp: Option<bool>,
    }

    fn all_fields(error: ApiError) -> Vec<(String, String)> {
        match error {
            ApiError::BadRequest { errors, .. } => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn every_bad_query_parameter_is_named_at_once_with_or_without_deny_unknown_fields() {
        let expected = [
            ("bogus".to_owned(), UNKNOWN_PARAMETER.to_owned()),
            ("limit".to_owned(), "must be a whole number".to_owned()),
            ("gmp".to_owned(), "must be true or false".to_owned()),
        ];
        let mut got = all_fields(
            parse_query::<Lenient>("bogus=1&limit=lots&gmp=yes")
                .err()
                .unwrap(),
        );
        got.sort();
        let mut want = expected.to_vec();
        want.sort();
        assert_eq!(got, want);
        // PageParams denies unknown fields itself: the same answer.
        let mut got = all_fields(
            parse_query::<cdmx_sdk::types::PageParams>("bogus=1&limit=lots&colour=red")
                .err()
                .unwrap(),
        );
        got.sort();
        assert_eq!(
            got,
            [
                ("bogus".to_owned(), UNKNOWN_PARAMETER.to_owned()),
                ("colour".to_owned(), UNKNOWN_PARAMETER.to_owned()),
                ("limit".to_owned(), "must be a whole number".to_owned()),
            ]
        );
        assert!(parse_query::<Lenient>("limit=5&gmp=true").is_ok());
        assert!(parse_query::<NoQuery>("").is_ok());
        assert_eq!(
            all_fields(parse_query::<NoQuery>("x=1").err().unwrap()),
            [("x".to_owned(), UNKNOWN_PARAMETER.to_owned())]
        );
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        for condition in ["\"3\"", "W/\"3\"", "*", "\"1\", W/\"3\"", " \"2\" ,\"3\""] {
            assert!(etag_matches(condition, "\"3\""), "{condition}");
        }
        for condition in ["\"4\"", "\"30\"", "3", ""] {
            assert!(!etag_matches(condition, "\"3\""), "{condition}");
        }
    }
}
