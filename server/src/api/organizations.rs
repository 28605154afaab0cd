use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{
    CreateUserRequest, Organization, OrganizationFilter, OrganizationKind, Page, PageParams,
    Problem, Role, SignUpRequest, SignUpResponse, User,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::pagination::PageRequest;
use super::views;
use crate::auth::{Principal, passwords};
use crate::db::accounts::{self, OrganizationQuery, OrganizationRow, UserRow};
use crate::db::{new_id, now};
use crate::domain::accounts::{NewMember, SignUp};
use crate::error::ApiError;
use crate::startup::AppState;

/// Sign up: create a sponsor or CDMO organisation and its first admin user.
///
/// New organisations start unverified until a platform admin verifies them.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    security(()),
    request_body = SignUpRequest,
    responses(
        (status = 201, description = "Organisation and admin created", body = SignUpResponse),
        (status = 409, description = "The email is already registered", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    _query: ApiQuery<NoQuery>,
    state: web::Data<AppState>,
    body: ApiJson<SignUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let sign_up = SignUp::parse(&body.0)?;
    let password_hash = passwords::hash_off_thread(sign_up.admin.password.clone()).await?;
    let organization = OrganizationRow {
        id: new_id(),
        name: sign_up.name.clone(),
        kind: sign_up.kind,
        verified: sign_up.starts_verified(),
        verified_at: None,
        verified_by: None,
        created_at: now(),
    };
    let admin = UserRow::new(
        &organization.id,
        sign_up.admin.email.as_str(),
        password_hash,
        Role::Admin,
    );
    let (organization, admin) = state
        .db
        .write(move |c| {
            accounts::sign_up(c, &organization, &admin)?;
            Ok((organization, admin))
        })
        .await?;
    Ok(HttpResponse::Created().json(SignUpResponse {
        organization: views::organization(organization)?,
        admin: views::user(admin)?,
    }))
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
    let filter = query.0;
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let query = OrganizationQuery {
        only_id: (!principal.is_platform()).then(|| principal.organization_id.clone()),
        kind: filter.kind,
        verified: filter.verified,
    };
    let keyset = page.keyset()?;
    let rows = state
        .db
        .run(move |c| accounts::list_organizations(c, &query, &keyset))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, views::organization)?))
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
    principal.require_visible(&id)?;
    let id = id.into_inner();
    let row = state
        .db
        .run(move |c| accounts::find_organization(c, &id))
        .await?;
    Ok(HttpResponse::Ok().json(views::organization(row)?))
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
    principal.require_platform_admin()?;
    let id = id.into_inner();
    let verifier = principal.id.clone();
    let row = state
        .db
        .write(move |c| {
            let current = accounts::find_organization(c, &id)?;
            if current.kind == OrganizationKind::Platform {
                return Err(crate::db::StoreError::Conflict(
                    "platform organisations are verified by construction".into(),
                ));
            }
            accounts::verify_organization(c, &id, &verifier)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views::organization(row)?))
}

/// Add a user to your organisation (organisation admins).
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_user",
    params(("id" = String, Path, description = "Organisation id")),
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
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin_of(&id)?;
    let member = NewMember::parse(&body.0)?;
    let password_hash = passwords::hash_off_thread(member.account.password.clone()).await?;
    let user = UserRow::new(
        &id,
        member.account.email.as_str(),
        password_hash,
        member.role,
    );
    let user = state
        .db
        .write(move |c| {
            accounts::insert_user(c, &user)?;
            Ok(user)
        })
        .await?;
    Ok(HttpResponse::Created().json(views::user(user)?))
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
    if principal.organization_id != *id {
        return Err(ApiError::NotFound);
    }
    let page = PageRequest::parse(query.0.limit, query.0.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |c| accounts::list_users(c, &id, &keyset))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, views::user)?))
}
