//! The organisation's audit trail.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, get, web};
use cdmx_sdk::types::{AuditEvent, AuditEventFilter, Page};

use super::extract::ApiQuery;
use crate::app::audit;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Your organisation's audit trail, newest first (organisation admins): sign-ins, refused
/// requests, changes to users and API keys, verification, evidence deletion, capacity
/// edits and listing changes; who did it, to what, and when.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_audit_events",
    params(AuditEventFilter),
    responses((status = 200, description = "A page of audit events, newest first", body = Page<AuditEvent>))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<AuditEventFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = audit::list(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Records every 403 answered to an authenticated caller in its organisation's audit
/// trail. Refusals come from the policy in many use cases; recording them here, where
/// the answer is known, keeps them in one place. A failure to record is logged, and the
/// caller still gets its 403.
pub async fn record_refusals<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let response = next.call(req).await?;
    if response.status() != actix_web::http::StatusCode::FORBIDDEN {
        return Ok(response);
    }
    let principal = response.request().extensions().get::<Principal>().cloned();
    let state = response
        .request()
        .app_data::<web::Data<AppState>>()
        .cloned();
    if let (Some(principal), Some(state)) = (principal, state) {
        let route = format!(
            "{} {}",
            response.request().method(),
            response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "(unmatched)".to_owned())
        );
        if let Err(error) = audit::record_refusal(&state, &principal, route).await {
            tracing::error!(%error, "could not record a refusal in the audit trail");
        }
    }
    Ok(response)
}
