//! Answers for requests no handler took: 405 with `Allow` when the path exists under
//! another method, 404 otherwise. The route table is read off the OpenAPI document, so
//! it cannot disagree with the routes.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::error::ApiError;

/// Path templates of the API and the methods each accepts.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    pub fn from_openapi(document: &Value) -> Self {
        let routes = document
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = ["get", "put", "post", "delete", "patch"]
                    .into_iter()
                    .filter(|method| item.get(*method).is_some())
                    .map(str::to_uppercase)
                    .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// Methods accepted at `path`, empty when no route matches it.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<String> = self
            .routes
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| {
                        (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                    })
            })
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        allowed.sort();
        allowed.dedup();
        allowed
    }
}

pub async fn unmatched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allowed = routes.allowed_methods(req.path());
    Err(if allowed.is_empty() {
        ApiError::RouteNotFound
    } else {
        ApiError::MethodNotAllowed { allowed }
    })
}
