//! HTTP handlers by resource. Handlers are thin: extract the request, call one
//! application function (`crate::app`), map its result to a response.

pub mod edge;
pub mod extract;
pub mod fallback;
pub mod idempotency;
pub mod problem;

mod api_keys;
pub mod audit;
mod auth;
mod capacity;
mod decisions;
mod events;
mod evidence;
mod listing;
mod matching;
mod organizations;
mod profiles;
mod reports;
mod reservations;
mod rfis;
mod share_links;
mod system;
mod watches;
mod webhooks;

use utoipa_actix_web::scope;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route. Only `service(...)` registrations reach the OpenAPI document,
/// so this is the single list of the API's operations.
pub fn routes(config: &mut ServiceConfig) {
    config
        .service(system::healthz)
        .service(system::readyz)
        .service(system::get_metrics)
        .service(
            scope::scope("/v1")
                .service(organizations::create_organization)
                .service(organizations::list_organizations)
                .service(organizations::get_organization)
                .service(organizations::verify_organization)
                .service(organizations::create_user)
                .service(organizations::list_users)
                .service(organizations::deactivate_user)
                .service(organizations::reactivate_user)
                .service(organizations::delete_user)
                .service(api_keys::create_api_key)
                .service(api_keys::list_api_keys)
                .service(api_keys::revoke_api_key)
                .service(auth::issue_token)
                .service(auth::me)
                .service(audit::list_audit_events)
                .service(events::list_events)
                .service(watches::create_capacity_watch)
                .service(watches::list_capacity_watches)
                .service(watches::get_capacity_watch)
                .service(watches::delete_capacity_watch)
                .service(webhooks::create_webhook)
                .service(webhooks::list_webhooks)
                .service(webhooks::get_webhook)
                .service(webhooks::update_webhook)
                .service(webhooks::delete_webhook)
                .service(webhooks::rotate_webhook_secret)
                .service(webhooks::list_webhook_deliveries)
                .service(webhooks::redeliver_webhook_event)
                .service(auth::logout)
                .service(auth::change_password)
                .service(profiles::create_cdmo_profile)
                .service(profiles::search_cdmos)
                .service(profiles::get_cdmo_profile)
                .service(profiles::replace_cdmo_profile)
                .service(profiles::patch_cdmo_profile)
                .service(profiles::list_cdmo_revisions)
                .service(profiles::get_cdmo_revision)
                .service(profiles::diff_cdmo_revisions)
                .service(evidence::add_cdmo_evidence)
                .service(evidence::list_cdmo_evidence)
                .service(evidence::verify_cdmo_evidence)
                .service(evidence::delete_cdmo_evidence)
                .service(listing::unlist_cdmo_profile)
                .service(listing::relist_cdmo_profile)
                .service(listing::list_cdmo_listing_history)
                .service(matching::create_program)
                .service(matching::list_programs)
                .service(matching::get_program)
                .service(matching::replace_program)
                .service(matching::archive_program)
                .service(matching::unarchive_program)
                .service(matching::match_program)
                .service(matching::create_match)
                .service(matching::create_shortlist)
                .service(matching::list_shortlists)
                .service(matching::get_shortlist)
                .service(matching::archive_shortlist)
                .service(matching::unarchive_shortlist)
                .service(reports::get_shortlist_report)
                .service(decisions::create_shortlist_decision)
                .service(decisions::list_shortlist_decisions)
                .service(share_links::create_share_link)
                .service(share_links::list_share_links)
                .service(share_links::revoke_share_link)
                .service(share_links::get_shared_report)
                .service(capacity::create_capacity_block)
                .service(capacity::search_capacity)
                .service(capacity::get_capacity_block)
                .service(capacity::change_capacity_block)
                .service(capacity::delete_capacity_block)
                .service(reservations::create_reservation)
                .service(reservations::create_allocation_hold)
                .service(reservations::list_reservations)
                .service(reservations::get_reservation)
                .service(reservations::list_reservation_events)
                .service(reservations::confirm_reservation)
                .service(reservations::decline_reservation)
                .service(reservations::cancel_reservation)
                .service(reservations::reschedule_reservation)
                .service(rfis::create_rfi)
                .service(rfis::list_rfis)
                .service(rfis::get_rfi)
                .service(rfis::accept_rfi_confidentiality)
                .service(rfis::decline_rfi)
                .service(rfis::create_quote)
                .service(rfis::get_quote)
                .service(rfis::accept_quote)
                .service(rfis::decline_quote)
                .service(rfis::list_program_quotes),
        );
}
