//! The organisation's event feed.

use actix_web::{HttpResponse, get, web};
use cdmx_sdk::types::{Event, EventFilter, Page};

use super::extract::ApiQuery;
use crate::app::events;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Your organisation's event feed, oldest first: every change of the exchange your
/// organisation may see (your profile's revisions and listing, your capacity, the
/// reservations you are a party to, your RFIs and quotes, capacity watches firing,
/// verification), each with the object as the API shows it to you. Events are written
/// in the transaction of the change. `sequence` is gap-free and in commit order: poll
/// with `after_sequence` set to the last you saw and you miss nothing. The same events
/// reach your webhooks.
#[utoipa::path(
    tag = "events",
    operation_id = "list_events",
    params(EventFilter),
    responses((status = 200, description = "A page of events, oldest first", body = Page<Event>))
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<EventFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = events::list(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}
