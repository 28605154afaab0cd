use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{
    CreateUserRequest, Organization, OrganizationFilter, Page, PageParams, Problem, SignUpRequest,
    SignUpResponse, User,
};

use super::extract::{ApiJson, ApiQuery, ClientAddress, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::accounts;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Sign up: create a sponsor or CDMO organisation and its first admin user.
///
/// New organisations start unverified until a platform admin verifies them. An email
/// that is already registered gets the same answer, but nothing is created (so the
/// answer does not tell whether the address has an account).
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    security(()),
    request_body = SignUpRequest,
    responses(
        (status = 201, description = "Organisation and admin created (or, for an email already registered, an answer of the same shape with nothing stored)", body = SignUpResponse)
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    _query: ApiQuery<NoQuery>,
    state: web::Data<AppState>,
    client: ClientAddress,
    body: ApiJson<SignUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = accounts::sign_up(&state, &client.0, body.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// List organisations: platform operators see all of them (e.g. `kind=cdmo&verified=false`
/// to find those awaiting verification); everyone else sees only their own.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    params(OrganizationFilter),
    responses((status = 200, description = "A page of organisations", body = Page<Organization>))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<OrganizationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = accounts::list_organizations(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read an organisation: its own members and platform operators.
#[utoipa::path(
    tag = "organizations",
    operation_id = "get_organization",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = Organization))
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = accounts::get_organization(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(organization))
}

/// Verify an organisation (platform admins). Verifying again changes nothing.
#[utoipa::path(
    tag = "organizations",
    operation_id = "verify_organization",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation, verified", body = Organization),
        (status = 409, description = "Platform organisations are not verified this way", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/organizations/{id}/verify")]
pub async fn verify_organization(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = accounts::verify_organization(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(organization))
}

/// Add a user to your organisation (organisation admins).
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_user",
    params(("id" = String, Path, description = "Organisation id"), IdempotencyKeyParam),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "User created", body = User),
        (status = 409, description = "The email is already registered", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/organizations/{id}/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let user = accounts::create_user(state, principal, id.into_inner(), request).await?;
            Ok(HttpResponse::Created().json(user))
        },
    )
    .await
}

/// List your organisation's users.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_users",
    params(("id" = String, Path, description = "Organisation id"), PageParams),
    responses((status = 200, description = "A page of users", body = Page<User>))
)]
#[get("/organizations/{id}/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = accounts::list_users(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Deactivate a user of your organisation (organisation admins): the user can no longer
/// sign in and every token it holds stops working at once. Deactivating again changes
/// nothing.
#[utoipa::path(
    tag = "organizations",
    operation_id = "deactivate_user",
    params(
        ("id" = String, Path, description = "Organisation id"),
        ("user_id" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "The user, deactivated", body = User),
        (status = 409, description = "The user is the organisation's last active admin", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/organizations/{id}/users/{user_id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    let user = accounts::deactivate_user(&state, &principal, organization_id, user_id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Reactivate a deactivated user of your organisation (organisation admins): the user may
/// sign in again; tokens from before the deactivation stay revoked. Reactivating an
/// active user changes nothing.
#[utoipa::path(
    tag = "organizations",
    operation_id = "reactivate_user",
    params(
        ("id" = String, Path, description = "Organisation id"),
        ("user_id" = String, Path, description = "User id")
    ),
    responses((status = 200, description = "The user, active", body = User))
)]
#[post("/organizations/{id}/users/{user_id}/reactivate")]
pub async fn reactivate_user(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    let user = accounts::reactivate_user(&state, &principal, organization_id, user_id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Delete a user of your organisation (organisation admins): its email and password are
/// erased (the email may be registered again), it leaves the user list, and every token
/// it holds stops working at once. What it did stays recorded under its id.
#[utoipa::path(
    tag = "organizations",
    operation_id = "delete_user",
    params(
        ("id" = String, Path, description = "Organisation id"),
        ("user_id" = String, Path, description = "User id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The user is the organisation's last active admin", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/organizations/{id}/users/{user_id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, user_id) = path.into_inner();
    accounts::delete_user(&state, &principal, organization_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
