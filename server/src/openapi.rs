//! The OpenAPI document: generated from the handlers' annotations, then completed in
//! one place with the security scheme and the problem responses every operation shares.
//!
//! `openapi/cdmx.json` is the checked-in copy; a test fails when it is stale.

use actix_web::App;
use cdmx_sdk::types::{FieldError, Problem, ProfileSort};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::api;

/// The command that rewrites the checked-in document.
pub const REGENERATE_COMMAND: &str =
    "cargo run -p cdmx-server -- openapi --output openapi/cdmx.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cdmx",
        description = "The CDMO exchange: cell and gene therapy sponsors find, compare and book \
                       contract manufacturers.\n\nAuthenticate with `POST /v1/auth/token` and send \
                       `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "organizations", description = "Sign-up, organisations, users and verification"),
        (name = "auth", description = "Tokens and the current caller"),
        (name = "api-keys", description = "Organisation API keys for partner tools"),
        (name = "cdmos", description = "CDMO capability profiles: search, versioned revisions with If-Match, diffs and evidence"),
        (name = "programs", description = "A sponsor's private programmes: product, requirements and versioned edits"),
        (name = "matching", description = "Ranked, explained matches of CDMOs against requirements (hard constraints, weighted criteria)"),
        (name = "shortlists", description = "Immutable shortlists pinned to profile revisions, their procurement reports (CSV, XLSX, PDF), decisions, archiving and share links"),
        (name = "capacity", description = "Capacity blocks CDMOs publish, with live availability"),
        (name = "reservations", description = "Holds on capacity and their lifecycle: confirm, decline, cancel, reschedule; never double-booked"),
        (name = "events", description = "Your organisation's event feed: every change of the exchange you may see, in commit order, and capacity watches that tell you when a CDMO can meet a programme's need"),
        (name = "webhooks", description = "Endpoints your organisation's events are posted to, signed (Standard Webhooks), from a durable outbox with retries; their delivery attempts and redelivery"),
        (name = "rfis", description = "Requests for information and quote: a sponsor asks CDMOs, each quotes from its published capacity or declines, the sponsor compares and accepts one, which holds the offered slots")
    ),
    components(schemas(Problem, FieldError, ProfileSort))
)]
struct ApiDoc;

const BEARER: &str = "bearer";

/// Standard problem responses: (status, component name, description).
const PROBLEMS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "Malformed request: unreadable JSON, wrong types, unknown fields or bad parameters; `errors` names each field",
    ),
    (
        "401",
        "Unauthorized",
        "Missing, invalid or expired bearer token",
    ),
    (
        "403",
        "Forbidden",
        "Authenticated, but the role does not allow this action",
    ),
    (
        "404",
        "NotFound",
        "No such resource, or it belongs to another organisation",
    ),
    (
        "409",
        "IdempotencyConflict",
        "A request with the same `Idempotency-Key` is still in progress (retry after `Retry-After` seconds)",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The request body exceeds the configured limit",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body must be sent as application/json",
    ),
    (
        "422",
        "ValidationFailed",
        "The request is well-formed but invalid; `errors` lists every invalid field",
    ),
    (
        "429",
        "TooManyRequests",
        "A rate limit is spent (per client address or account on sign-in and sign-up, per client address on opening shared reports, per organisation on writes and matches), or the account failed to sign in too often lately; `Retry-After` says when to try again",
    ),
    (
        "500",
        "InternalError",
        "Unexpected failure; the problem carries the request id and nothing internal",
    ),
    (
        "503",
        "Unavailable",
        "The database cannot be reached right now, or too many passwords are being checked at once (sign-in, sign-up, new users, password changes); `Retry-After` says when to try again",
    ),
];

/// Operations that never touch the database, hence never answer 503.
const WITHOUT_DATABASE: &[&str] = &["get_health"];

fn problem_ref(name: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::Ref(Ref::from_response_name(name))
}

/// The statuses an operation can answer besides its own, from what it takes. Every
/// write can be rate limited (`429`); everything that reads the database can find it
/// unavailable (`503`).
fn standard_statuses(op: &Operation, is_read: bool) -> Vec<&'static str> {
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    let parameters = op.parameters.as_deref().unwrap_or_default();
    let has_param = |location: ParameterIn| {
        parameters.iter().any(|p| match p {
            RefOr::T(p) => p.parameter_in == location,
            RefOr::Ref(_) => false,
        })
    };
    let mut statuses = vec!["500"];
    if !public {
        statuses.extend(["401", "403"]);
    }
    if has_param(ParameterIn::Path) {
        statuses.push("404");
    }
    if has_param(ParameterIn::Query) {
        statuses.extend(["400", "422"]);
    }
    if op.request_body.is_some() {
        statuses.extend(["400", "413", "415", "422"]);
    }
    let keyed = parameters.iter().any(|p| match p {
        RefOr::T(p) => p.parameter_in == ParameterIn::Header && p.name == "Idempotency-Key",
        RefOr::Ref(_) => false,
    });
    if keyed {
        statuses.extend(["400", "409", "422"]);
    }
    if !is_read {
        statuses.push("429");
    }
    if !op
        .operation_id
        .as_deref()
        .is_some_and(|id| WITHOUT_DATABASE.contains(&id))
    {
        statuses.push("503");
    }
    statuses
}

fn complete(document: &mut utoipa::openapi::OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        BEARER.to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("Access token from POST /v1/auth/token"))
                .build(),
        )),
    );
    for (_, name, description) in PROBLEMS {
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            ),
        );
    }
    document.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    for item in document.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, true),
            (&mut item.put, false),
            (&mut item.post, false),
            (&mut item.delete, false),
            (&mut item.patch, false),
        ];
        for (op, is_read) in operations {
            let Some(op) = op else { continue };
            for status in standard_statuses(op, is_read) {
                if let Some((_, name, _)) = PROBLEMS.iter().find(|(s, _, _)| *s == status) {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem_ref(name));
                }
            }
        }
    }
}

/// The whole document, as the running server serves it at `/openapi.json`.
pub fn document() -> Value {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::routes)
        .split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    complete(&mut document);
    let mut json = serde_json::to_value(&document).unwrap_or_default();
    refine(&mut json);
    json
}

/// Rewrites what utoipa's derives cannot say exactly, on the JSON form of the document:
/// flattened structs become one object (utoipa emits `allOf` over the base, which a
/// closed base would make unsatisfiable), request schemas are closed as the server's
/// parsing is, and every operation gets a one-sentence summary and a description.
fn refine(json: &mut Value) {
    let schemas = json
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    merge_all_of_everywhere(json, &schemas);
    let closed = request_schema_names(json);
    if let Some(Value::Object(components)) = json.pointer_mut("/components/schemas") {
        for (name, schema) in components.iter_mut() {
            if closed.contains(name) {
                close_objects(schema);
            }
        }
    }
    add_headers_and_conditional_responses(json);
    if let Some(Value::Object(paths)) = json.get_mut("paths") {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            describe(operation);
        }
    }
    examples::attach(json);
}

fn merge_all_of_everywhere(value: &mut Value, schemas: &serde_json::Map<String, Value>) {
    merge_all_of(value, schemas);
    match value {
        Value::Object(map) => map
            .values_mut()
            .for_each(|inner| merge_all_of_everywhere(inner, schemas)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|inner| merge_all_of_everywhere(inner, schemas)),
        _ => {}
    }
}

/// Operations whose success response carries the object's version as `ETag`; their GETs
/// answer `If-None-Match` with 304.
const VERSIONED_OPERATIONS: &[&str] = &[
    "create_cdmo_profile",
    "get_cdmo_profile",
    "replace_cdmo_profile",
    "patch_cdmo_profile",
    "create_program",
    "get_program",
    "replace_program",
    "archive_program",
    "unarchive_program",
];

/// Operations whose body may be left out (it then means the defaults).
const OPTIONAL_BODIES: &[&str] = &["match_program", "create_share_link"];

/// Headers the middleware adds to every response, and the ETag and 304 of versioned
/// objects, which utoipa's annotations would have to repeat on every operation.
fn add_headers_and_conditional_responses(json: &mut Value) {
    let request_id = json!({
        "description": "The request id (yours if you sent a plain one of up to 64 characters); it appears in the logs and in every problem document",
        "required": true,
        "schema": {"type": "string"}
    });
    let etag = json!({
        "description": "The version of the object, quoted (`\"3\"`): send it back in `If-Match` to update, or in `If-None-Match` to revalidate",
        "required": true,
        "schema": {"type": "string"}
    });
    let retry_after = json!({
        "description": "Seconds to wait before trying again",
        "required": true,
        "schema": {"type": "integer", "minimum": 1}
    });
    if let Some(Value::Object(responses)) = json.pointer_mut("/components/responses") {
        for response in responses.values_mut() {
            response["headers"]["X-Request-Id"] = request_id.clone();
        }
        if let Some(conflict) = responses.get_mut("IdempotencyConflict") {
            conflict["headers"]["Retry-After"] = json!({
                "description": "Seconds to wait before retrying the request with the same key",
                "required": true,
                "schema": {"type": "integer", "minimum": 0}
            });
        }
        if let Some(too_many) = responses.get_mut("TooManyRequests") {
            too_many["headers"]["Retry-After"] = retry_after.clone();
            too_many["headers"]["RateLimit-Policy"] = json!({
                "description": "The limit that was hit, as in draft-ietf-httpapi-ratelimit-headers-09: `\"<policy>\";q=<quota>;w=<window seconds>`",
                "required": true,
                "schema": {"type": "string"}
            });
            too_many["headers"]["RateLimit"] = json!({
                "description": "Its state (draft-ietf-httpapi-ratelimit-headers-09): `\"<policy>\";r=0;t=<seconds until it allows again>`",
                "required": true,
                "schema": {"type": "string"}
            });
        }
        if let Some(unavailable) = responses.get_mut("Unavailable") {
            unavailable["headers"]["Retry-After"] = retry_after;
        }
    }
    let Some(Value::Object(paths)) = json.get_mut("paths") else {
        return;
    };
    for (method, operation) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
    {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if OPTIONAL_BODIES.contains(&id.as_str())
            && let Some(body) = operation.get_mut("requestBody")
        {
            body["required"] = json!(false);
        }
        let versioned = VERSIONED_OPERATIONS.contains(&id.as_str());
        let Some(Value::Object(responses)) = operation.get_mut("responses") else {
            continue;
        };
        if versioned && method == "get" {
            responses.insert(
                "304".into(),
                json!({
                    "description": "Not modified: the version in `If-None-Match` is current",
                    "headers": {"ETag": etag.clone(), "X-Request-Id": request_id.clone()}
                }),
            );
        }
        for (status, response) in responses.iter_mut() {
            if response.get("$ref").is_some() {
                continue;
            }
            response["headers"]["X-Request-Id"] = request_id.clone();
            if versioned && status.starts_with('2') {
                response["headers"]["ETag"] = etag.clone();
            }
        }
    }
}

/// `allOf: [{$ref: Base}, {type: object, ...}]` (a `#[serde(flatten)]`) as one object
/// with the properties and required fields of both.
fn merge_all_of(schema: &mut Value, schemas: &serde_json::Map<String, Value>) {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return;
    };
    let mut properties = serde_json::Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in parts {
        let resolved = match part.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                match schemas.get(name) {
                    Some(base) => base,
                    None => return,
                }
            }
            None => part,
        };
        if resolved.get("allOf").is_some() || resolved.get("type") != Some(&json!("object")) {
            return;
        }
        if let Some(Value::Object(p)) = resolved.get("properties") {
            properties.extend(p.clone());
        }
        if let Some(Value::Array(r)) = resolved.get("required") {
            required.extend(r.iter().cloned());
        }
    }
    let mut merged = serde_json::Map::new();
    merged.insert("type".into(), json!("object"));
    if let Some(description) = schema.get("description") {
        merged.insert("description".into(), description.clone());
    }
    merged.insert("required".into(), Value::Array(required));
    merged.insert("properties".into(), Value::Object(properties));
    *schema = Value::Object(merged);
}

/// Names of the component schemas a request body can contain, transitively.
fn request_schema_names(document: &Value) -> std::collections::BTreeSet<String> {
    let mut pending: Vec<String> = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for operation in item.values() {
                if let Some(body) = operation.get("requestBody") {
                    collect_refs(body, &mut pending);
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = document.pointer(&format!("/components/schemas/{name}"))
        {
            collect_refs(schema, &mut pending);
        }
    }
    seen
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(reference)) => {
                        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// Marks every object with declared properties as closed (`additionalProperties: false`)
/// unless it says otherwise: the server rejects unknown fields in requests, and the test
/// harness holds responses to their documented fields.
pub fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// utoipa puts a one-paragraph doc comment wholly in `summary`; Swagger UI and
/// generated clients want a short summary and the full text as the description.
fn describe(operation: &mut Value) {
    let Some(map) = operation.as_object_mut() else {
        return;
    };
    let summary = map
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .replace('\n', " ");
    let description = map
        .get("description")
        .and_then(Value::as_str)
        .map(|d| format!("{summary}\n\n{d}"))
        .unwrap_or_else(|| summary.clone());
    let first_sentence = summary
        .split_once(". ")
        .map_or(summary.trim_end_matches('.'), |(first, _)| first)
        .to_owned();
    map.insert("summary".into(), json!(first_sentence));
    map.insert("description".into(), json!(description));
}

/// The document as checked in: pretty JSON with a trailing newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|json| json + "\n")
}

mod examples;

#[cfg(test)]
mod lint;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/cdmx.json");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        let generated = document_json().unwrap();
        assert!(
            checked_in == generated,
            "openapi/cdmx.json is stale. Regenerate it with:\n    {REGENERATE_COMMAND}\n"
        );
    }

    #[test]
    fn document_is_openapi_3_1_and_every_response_is_described() {
        let document: Value = serde_json::from_str(&document_json().unwrap()).unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        let mut operation_ids = std::collections::BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default();
                assert!(
                    operation_ids.insert(id.to_owned()),
                    "duplicate operation id {id}"
                );
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{method} {path} has no tag"
                );
                for (status, response) in op["responses"].as_object().unwrap() {
                    let described =
                        response.get("description").is_some() || response.get("$ref").is_some();
                    assert!(described, "{method} {path} {status} has no description");
                }
                let secured = op.get("security").is_none();
                if secured {
                    assert!(
                        op["responses"].get("401").is_some(),
                        "{method} {path} lacks 401"
                    );
                }
                assert!(
                    op["responses"].get("500").is_some(),
                    "{method} {path} lacks 500"
                );
            }
        }
        assert!(
            operation_ids.contains("create_organization") && operation_ids.contains("issue_token")
        );
    }
}
