//! Evidence behind profile facts, and its verification by platform admins.

use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{Evidence, EvidenceStatus, NewEvidence, Page, Problem};
use chrono::NaiveDate;

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::{today, views};
use crate::auth::Principal;
use crate::db::columns::IsoDate;
use crate::db::profiles::{self, EvidenceRow};
use crate::db::{StoreError, new_id, now};
use crate::domain::profiles::{check_evidence, evidence_status};
use crate::error::ApiError;
use crate::startup::AppState;

/// Attach evidence to a section or fact of your profile (the owning CDMO).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "add_cdmo_evidence",
    params(("id" = String, Path, description = "Profile id")),
    request_body = NewEvidence,
    responses((status = 201, description = "Evidence added, unverified", body = Evidence))
)]
#[post("/cdmos/{id}/evidence")]
pub async fn add_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<NewEvidence>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lookup = id.clone();
    let (profile, _) = state
        .db
        .run(move |c| profiles::find_profile(c, &lookup))
        .await?;
    if principal.organization_id != profile.organization_id {
        return Err(ApiError::Forbidden(
            "only the CDMO that owns this profile can add evidence".into(),
        ));
    }
    let document = crate::db::documents::decode_profile_json(&profile.document)?;
    let evidence = body.0;
    let section = check_evidence(&evidence, &document)?;
    let row = EvidenceRow {
        id: new_id(),
        profile_id: id,
        subject: evidence.subject,
        section,
        kind: evidence.kind,
        reference: evidence.reference.trim().to_owned(),
        url: evidence.url.map(|u| u.trim().to_owned()),
        expires_on: evidence.expires_on.map(IsoDate),
        verified_by: None,
        verified_at: None,
        verification_reset_at: None,
        created_by: principal.id.clone(),
        created_at: now(),
    };
    let row = state
        .db
        .write(move |c| {
            profiles::insert_evidence(c, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(views::evidence(row, today())?))
}

/// All evidence of a profile, with its verification state.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "list_cdmo_evidence",
    params(("id" = String, Path, description = "Profile id")),
    responses((status = 200, description = "Every evidence item of the profile, in one page", body = Page<Evidence>))
)]
#[get("/cdmos/{id}/evidence")]
pub async fn list_cdmo_evidence(
    state: web::Data<AppState>,
    _principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |c| {
            profiles::find_profile(c, &id)?;
            profiles::list_evidence(c, &id)
        })
        .await?;
    let today = today();
    let items = rows
        .into_iter()
        .map(|row| views::evidence(row, today))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// Mark evidence verified (platform admins). An edit of the fact it covers resets it.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "verify_cdmo_evidence",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("evidence_id" = String, Path, description = "Evidence id")
    ),
    responses(
        (status = 200, description = "The evidence, verified", body = Evidence),
        (status = 409, description = "The evidence has expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos/{id}/evidence/{evidence_id}/verify")]
pub async fn verify_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require_platform_admin()?;
    let (profile_id, evidence_id) = path.into_inner();
    let verifier = principal.id.clone();
    let today = today();
    let row = state
        .db
        .write(move |c| {
            let row = profiles::find_evidence(c, &profile_id, &evidence_id)?;
            let expires = row.expires_on.map(NaiveDate::from);
            if evidence_status(false, expires, today) == EvidenceStatus::Expired {
                return Err(StoreError::Conflict(
                    "the evidence has expired; ask the CDMO for a current one".into(),
                ));
            }
            profiles::mark_evidence_verified(c, &profile_id, &evidence_id, &verifier)?;
            profiles::find_evidence(c, &profile_id, &evidence_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views::evidence(row, today)?))
}

/// Remove evidence from your profile (the owning CDMO).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "delete_cdmo_evidence",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("evidence_id" = String, Path, description = "Evidence id")
    ),
    responses((status = 204, description = "Removed"))
)]
#[delete("/cdmos/{id}/evidence/{evidence_id}")]
pub async fn delete_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (profile_id, evidence_id) = path.into_inner();
    let organization_id = principal.organization_id.clone();
    state
        .db
        .write(move |c| {
            let (profile, _) = profiles::find_profile(c, &profile_id)?;
            if profile.organization_id != organization_id {
                return Err(StoreError::Forbidden(
                    "only the CDMO that owns this profile can remove evidence".into(),
                ));
            }
            profiles::delete_evidence(c, &profile_id, &evidence_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
