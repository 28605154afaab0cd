//! Contract checks: every request the SDK sends and every response it receives in the
//! end-to-end suite is checked against the checked-in `openapi/cdmx.json`, the document
//! partners build on. A violation panics inside the SDK call, so the test that made the
//! exchange fails and says which operation, status and field broke the contract.
//!
//! What is checked, per exchange:
//! - the operation (method and path template) is in the document;
//! - the status is declared for it;
//! - the response's media type is declared for that status (none for 204 and 304);
//! - a JSON body validates against the declared schema, with every object closed, so an
//!   undocumented field in a response is a violation too;
//! - every header the document declares for the response is present;
//! - a JSON request body the server accepted (2xx) validates against the request schema
//!   (a server that accepts what the document forbids is as wrong as the reverse).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use cdmx_sdk::Exchange;
use serde_json::Value;

/// The checked-in document, with every object schema closed.
struct Contract {
    document: Value,
    templates: Vec<(Vec<String>, String)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/cdmx.json");
        let text = std::fs::read_to_string(path).expect("openapi/cdmx.json is readable");
        let mut document: Value = serde_json::from_str(&text).expect("openapi/cdmx.json is JSON");
        if let Some(schemas) = document.pointer_mut("/components/schemas") {
            // Closed everywhere, so an undocumented response field is a violation (the
            // SDK tolerates new fields, but this server must document all it sends).
            cdmx::openapi::close_objects(schemas);
        }
        let templates = document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(|t| (t.split('/').map(str::to_owned).collect(), t.clone()))
            .collect();
        Contract {
            document,
            templates,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

impl Contract {
    /// The path template `path` matches, preferring literal segments over parameters.
    fn template(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.templates
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(_, name)| name.as_str())
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => self
                .document
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("contract: dangling {reference}")),
            None => value,
        }
    }

    /// A validator for the schema at `pointer` in the document, compiled once.
    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(validator) = cache.get(pointer) {
            return validator.clone();
        }
        let mut schema = self
            .document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("contract: no schema at {pointer}"))
            .clone();
        // The schema's `#/components/...` references resolve against this root.
        if let Value::Object(map) = &mut schema {
            map.insert("components".into(), self.document["components"].clone());
        }
        let validator = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| {
                    panic!("contract: the schema at {pointer} does not compile: {e}")
                }),
        );
        cache.insert(pointer.to_owned(), validator.clone());
        validator
    }

    fn check(&self, exchange: &Exchange<'_>) -> Result<(), String> {
        let method = exchange.method.to_ascii_lowercase();
        let template = self
            .template(exchange.path)
            .ok_or_else(|| format!("{} is not a path of the document", exchange.path))?;
        let operation_pointer = format!("/paths/{}/{method}", escape(template));
        let operation = self.document.pointer(&operation_pointer).ok_or_else(|| {
            format!(
                "{} {template} is not an operation of the document",
                exchange.method
            )
        })?;
        let status = exchange.status.to_string();
        let response = operation["responses"]
            .get(&status)
            .or_else(|| operation["responses"].get("default"))
            .ok_or_else(|| format!("status {status} is not declared"))?;
        let response = self.resolve(response);
        let content_type = exchange
            .response_headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            let header = self.resolve(header);
            let required = header["required"].as_bool().unwrap_or(true);
            if required && exchange.response_headers.get(name.as_str()).is_none() {
                return Err(format!("the declared header {name} is missing"));
            }
        }
        let declared = response["content"].as_object();
        if exchange.response_body.is_empty() {
            return match declared {
                Some(content) if !content.is_empty() => {
                    Err(format!("status {status} declares a body, got none"))
                }
                _ => Ok(()),
            };
        }
        let content_type = content_type.ok_or("a body without Content-Type")?;
        let content = declared
            .and_then(|content| content.get(&content_type))
            .ok_or_else(|| format!("media type {content_type} is not declared for {status}"))?;
        let media_pointer = format!(
            "/paths/{}/{method}/responses/{status}/content/{}",
            escape(template),
            escape(&content_type)
        );
        let pointer = match response_is_reference(operation, &status) {
            Some(reference) => format!(
                "{}/content/{}/schema",
                reference.trim_start_matches('#'),
                escape(&content_type)
            ),
            None => format!("{media_pointer}/schema"),
        };
        if content_type.ends_with("json") {
            let body: Value = serde_json::from_slice(exchange.response_body)
                .map_err(|e| format!("the {content_type} body is not JSON: {e}"))?;
            validate(&self.validator(&pointer), &body, "response")?;
            if content_type == "application/problem+json" {
                problem_names_its_request(exchange, &body)?;
            }
        } else if content["schema"]["type"] != "string" {
            return Err(format!("{content_type} is not described as a string"));
        }
        if exchange.status / 100 == 2
            && let (Some(body), Some(_)) = (exchange.request_body, operation.get("requestBody"))
            && exchange
                .request_content_type
                .is_some_and(|c| c.starts_with("application/json"))
        {
            let request: Value = serde_json::from_slice(body)
                .map_err(|e| format!("the request body is not JSON: {e}"))?;
            let pointer = format!(
                "/paths/{}/{method}/requestBody/content/application~1json/schema",
                escape(template)
            );
            validate(&self.validator(&pointer), &request, "accepted request")?;
        }
        Ok(())
    }
}

/// Every problem document names the request it answers: the id of its `X-Request-Id`
/// header and, as `instance`, the path asked for (a share link's token replaced by
/// `{token}`, as in the logs). A user quotes these to support.
fn problem_names_its_request(exchange: &Exchange<'_>, problem: &Value) -> Result<(), String> {
    let header = exchange
        .response_headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    if problem["request_id"].as_str() != header || header.is_none() {
        return Err(format!(
            "the problem's request_id {} is not the X-Request-Id header {header:?}",
            problem["request_id"]
        ));
    }
    let path = cdmx::telemetry::loggable_path(exchange.path);
    if problem["instance"].as_str() != Some(path.as_ref()) {
        return Err(format!(
            "the problem's instance {} is not the request path {}",
            problem["instance"], exchange.path
        ));
    }
    Ok(())
}

/// The `$ref` of a response declared by reference (`#/components/responses/...`).
fn response_is_reference<'a>(operation: &'a Value, status: &str) -> Option<&'a str> {
    operation["responses"]
        .get(status)
        .or_else(|| operation["responses"].get("default"))
        .and_then(|r| r.get("$ref"))
        .and_then(Value::as_str)
}

fn validate(validator: &jsonschema::Validator, value: &Value, what: &str) -> Result<(), String> {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{what} at `{}`: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// JSON Pointer escaping of one token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Checks one exchange made outside the SDK (raw HTTP) against the document.
pub fn check(exchange: &Exchange<'_>) -> Result<(), String> {
    contract().check(exchange)
}

/// Validates `value` against the schema at `pointer` in the document (every object
/// closed), e.g. an example against the schema it illustrates.
pub fn validate_schema(pointer: &str, value: &Value) -> Result<(), String> {
    validate(&contract().validator(pointer), value, pointer)
}

/// The observer the harness installs on every SDK client.
pub fn observer() -> Arc<dyn Fn(&Exchange<'_>) + Send + Sync> {
    Arc::new(|exchange: &Exchange<'_>| {
        if let Err(violation) = contract().check(exchange) {
            panic!(
                "contract violation: {} {} answered {}: {violation}\nbody: {}",
                exchange.method,
                exchange.path,
                exchange.status,
                String::from_utf8_lossy(
                    &exchange.response_body[..exchange.response_body.len().min(2000)]
                )
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("x-request-id", HeaderValue::from_static("r-1"));
        headers
    }

    fn check(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        let headers = json_headers();
        let bytes = serde_json::to_vec(body).unwrap();
        contract().check(&Exchange {
            method,
            path,
            query: None,
            request_content_type: None,
            request_body: None,
            status,
            response_headers: &headers,
            response_body: &bytes,
        })
    }

    fn health() -> Value {
        serde_json::json!({"status": "ok", "version": "0.1.0"})
    }

    #[test]
    fn a_conforming_response_passes() {
        check("GET", "/healthz", 200, &health()).unwrap();
    }

    #[test]
    fn violations_are_caught() {
        // An undeclared status.
        assert!(check("GET", "/healthz", 418, &health()).is_err());
        // An unknown operation.
        assert!(check("DELETE", "/healthz", 200, &health()).is_err());
        assert!(check("GET", "/v1/nowhere", 200, &health()).is_err());
        // A field the document does not name.
        let mut extra = health();
        extra["uptime"] = Value::from(3);
        let error = check("GET", "/healthz", 200, &extra).unwrap_err();
        assert!(error.contains("uptime"), "{error}");
        // A closed set's Rust name instead of its wire name, deep in a body.
        let me = serde_json::json!({
            "principal_kind": "ApiKey", "principal_id": "k", "role": "admin",
            "organization": {"id": "o", "name": "N", "kind": "sponsor", "verified": false,
                             "created_at": "2026-01-01T00:00:00Z"}
        });
        let error = check("GET", "/v1/me", 200, &me).unwrap_err();
        assert!(error.contains("principal_kind"), "{error}");
        // A date that is not a date-time.
        let mut bad_date = me.clone();
        bad_date["principal_kind"] = Value::from("api_key");
        check("GET", "/v1/me", 200, &bad_date).unwrap();
        bad_date["organization"]["created_at"] = Value::from("yesterday");
        assert!(check("GET", "/v1/me", 200, &bad_date).is_err());
        // An error that is not a problem document.
        assert!(check("GET", "/v1/me", 401, &health()).is_err());
        // A declared header that is missing.
        let bytes = serde_json::to_vec(&health()).unwrap();
        let mut headers = json_headers();
        headers.remove("x-request-id");
        let missing = contract().check(&Exchange {
            method: "GET",
            path: "/healthz",
            query: None,
            request_content_type: None,
            request_body: None,
            status: 200,
            response_headers: &headers,
            response_body: &bytes,
        });
        assert!(missing.unwrap_err().contains("X-Request-Id"));
    }

    #[test]
    fn a_problem_must_name_its_request() {
        let mut headers = json_headers();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        let exchange = |problem: &Value| {
            let bytes = serde_json::to_vec(problem).unwrap();
            contract().check(&Exchange {
                method: "GET",
                path: "/v1/me",
                query: None,
                request_content_type: None,
                request_body: None,
                status: 401,
                response_headers: &headers,
                response_body: &bytes,
            })
        };
        let mut problem = serde_json::json!({
            "type": "urn:cdmx:problem:unauthorized", "title": "Authentication required",
            "status": 401, "detail": "missing token"
        });
        let error = exchange(&problem).unwrap_err();
        assert!(error.contains("request_id"), "{error}");
        problem["request_id"] = Value::from("r-1");
        let error = exchange(&problem).unwrap_err();
        assert!(error.contains("instance"), "{error}");
        problem["instance"] = Value::from("/v1/me");
        exchange(&problem).unwrap();
    }

    #[test]
    fn the_wrong_media_type_is_caught() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        headers.insert("x-request-id", HeaderValue::from_static("r-1"));
        let result = contract().check(&Exchange {
            method: "GET",
            path: "/healthz",
            query: None,
            request_content_type: None,
            request_body: None,
            status: 200,
            response_headers: &headers,
            response_body: b"ok",
        });
        assert!(result.unwrap_err().contains("text/plain"));
    }
}
