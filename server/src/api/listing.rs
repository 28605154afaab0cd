//! Taking a CDMO profile off the market and back: unlist, relist, listing history.

use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{ListingEvent, Page, PageParams, Problem, ProfileListing, UnlistRequest};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use crate::app::listing;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Take your profile off the market (the owning CDMO's admins). It leaves search and new
/// matches at once, in every server process; existing reservations and saved shortlists
/// are unaffected. It stays readable to your organisation, platform operators and
/// sponsors with a reservation on your capacity or a saved shortlist ranking you; for
/// everyone else it answers 404. With `relist_on` it comes back by itself on that day.
/// Unlisting again on the same terms changes nothing; new terms replace the old.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "unlist_cdmo_profile",
    params(("id" = String, Path, description = "Profile id")),
    request_body = UnlistRequest,
    responses(
        (status = 200, description = "The profile's listing, now unlisted", body = ProfileListing),
        (status = 403, description = "CDMO members other than admins may not unlist", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such profile, or another organisation's", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos/{id}/unlist")]
pub async fn unlist_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<UnlistRequest>,
) -> Result<HttpResponse, ApiError> {
    let listing = listing::unlist(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(listing))
}

/// Put your profile back on the market (the owning CDMO's admins). Relisting a listed
/// profile changes nothing.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "relist_cdmo_profile",
    params(("id" = String, Path, description = "Profile id")),
    responses(
        (status = 200, description = "The profile's listing, now listed", body = ProfileListing),
        (status = 403, description = "CDMO members other than admins may not relist", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such profile, or another organisation's", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos/{id}/relist")]
pub async fn relist_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let listing = listing::relist(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(listing))
}

/// Every unlisting and relisting of your profile, oldest first (the owning CDMO's
/// members; platform operators). A relist day that came brings the profile back without
/// an entry of its own: the unlisting's `relist_on` says when.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "list_cdmo_listing_history",
    params(("id" = String, Path, description = "Profile id"), PageParams),
    responses(
        (status = 200, description = "A page of listing events", body = Page<ListingEvent>),
        (status = 404, description = "No such profile, or another organisation's", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/cdmos/{id}/listing-history")]
pub async fn list_cdmo_listing_history(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = listing::history(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}
