//! HTTP handlers by resource. Handlers are thin: extract, authorize, validate into
//! domain types, call storage, map to a response.

pub mod extract;
pub mod fallback;
pub mod pagination;
pub mod views;

mod api_keys;
mod auth;
mod organizations;
mod system;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route. Only `service(...)` registrations reach the OpenAPI document,
/// so this is the single list of the API's operations.
pub fn routes(config: &mut ServiceConfig) {
    config
        .service(system::healthz)
        .service(system::readyz)
        .service(
            scope::scope("/v1")
                .service(organizations::create_organization)
                .service(organizations::list_organizations)
                .service(organizations::get_organization)
                .service(organizations::verify_organization)
                .service(organizations::create_user)
                .service(organizations::list_users)
                .service(api_keys::create_api_key)
                .service(api_keys::list_api_keys)
                .service(api_keys::revoke_api_key)
                .service(auth::issue_token)
                .service(auth::me),
        );
}
