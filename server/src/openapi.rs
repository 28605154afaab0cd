//! The OpenAPI document: generated from the handlers' annotations, then completed in
//! one place with the security scheme and the problem responses every operation shares.
//!
//! `openapi/cdmx.json` is the checked-in copy; a test fails when it is stale.

use actix_web::App;
use cdmx_sdk::types::{FieldError, Problem};
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
        (name = "api-keys", description = "Organisation API keys for partner tools")
    ),
    components(schemas(Problem, FieldError))
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
        "500",
        "InternalError",
        "Unexpected failure; the problem carries the request id and nothing internal",
    ),
];

fn problem_ref(name: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::Ref(Ref::from_response_name(name))
}

/// The statuses an operation can answer besides its own, from what it takes.
fn standard_statuses(op: &Operation) -> Vec<&'static str> {
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
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            for status in standard_statuses(op) {
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
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::routes)
        .split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    complete(&mut document);
    document
}

/// The document as checked in: pretty JSON with a trailing newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&document()).map(|json| json + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
