//! CDMO capability profiles: create, read, replace, merge-patch, revisions, search.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use cdmx_sdk::types::{
    CapabilityProfile, CdmoProfile, CdmoSearch, CdmoSummary, DiffParams, OrganizationKind, Page,
    PageParams, Problem, ProfileRevision, ProfileRevisionSummary, ProfileSort, RevisionDiff,
};
use serde_json::Value;

use super::extract::{ApiJson, ApiQuery, NoQuery, if_match, with_etag};
use super::field_errors;
use super::pagination::PageRequest;
use super::{today, views};
use crate::auth::Principal;
use crate::db::documents;
use crate::db::profiles::{self, ProfileWrite};
use crate::domain::profiles::{SearchFilter, ValidProfile, diff, merge_patch};
use crate::error::ApiError;
use crate::profile_index::IndexedProfile;
use crate::startup::AppState;

/// Validates a submitted document into what storage needs.
fn prepare(profile: CapabilityProfile) -> Result<ProfileWrite, ApiError> {
    Ok(ProfileWrite::new(ValidProfile::parse(profile, today())?)?)
}

/// Loads the profile with what its view needs.
async fn load_view(state: &AppState, id: String) -> Result<CdmoProfile, ApiError> {
    let (row, verified, evidence) = state
        .db
        .run(move |c| {
            let (row, verified) = profiles::find_profile(c, &id)?;
            let evidence = profiles::list_evidence(c, &id)?;
            Ok((row, verified, evidence))
        })
        .await?;
    views::profile(row, verified, &evidence, today())
}

/// Only the owning organisation changes a profile; it is public, so others are told so.
fn require_owner(principal: &Principal, organization_id: &str) -> Result<(), ApiError> {
    if principal.organization_id == organization_id {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the CDMO that owns this profile can change it".into(),
        ))
    }
}

/// The profile to update, if the caller owns it, and the revision `If-Match` names.
async fn owned_for_update(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    id: &str,
) -> Result<(profiles::ProfileRow, i32), ApiError> {
    let lookup = id.to_owned();
    let (current, _) = state
        .db
        .run(move |c| profiles::find_profile(c, &lookup))
        .await?;
    require_owner(principal, &current.organization_id)?;
    Ok((current, if_match(req)?))
}

/// Create your organisation's profile (CDMO organisation admins; one per organisation).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "create_cdmo_profile",
    request_body = CapabilityProfile,
    responses(
        (status = 201, description = "Profile created at revision 1; `ETag` carries the revision", body = CdmoProfile),
        (status = 409, description = "The organisation already has a profile", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos")]
pub async fn create_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<CapabilityProfile>,
) -> Result<HttpResponse, ApiError> {
    if principal.organization_kind != OrganizationKind::Cdmo {
        return Err(ApiError::Forbidden(
            "only CDMO organisations have capability profiles".into(),
        ));
    }
    principal.require_admin_of(&principal.organization_id)?;
    let write = prepare(body.0)?;
    let organization_id = principal.organization_id.clone();
    let author = principal.id.clone();
    let row = state
        .db
        .write(move |c| profiles::create_profile(c, &organization_id, &write, &author))
        .await?;
    let view = load_view(&state, row.id).await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/cdmos/{}", view.id)));
    Ok(with_etag(response, view.revision, &view))
}

/// Read a profile at its current revision (any authenticated caller: profiles are public).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "get_cdmo_profile",
    params(("id" = String, Path, description = "Profile id")),
    responses((status = 200, description = "The profile; `ETag` carries the revision", body = CdmoProfile))
)]
#[get("/cdmos/{id}")]
pub async fn get_cdmo_profile(
    state: web::Data<AppState>,
    _principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = load_view(&state, id.into_inner()).await?;
    Ok(with_etag(HttpResponse::Ok(), view.revision, &view))
}

async fn store_update(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: i32,
    write: ProfileWrite,
) -> Result<HttpResponse, ApiError> {
    let author = principal.id.clone();
    let profile_id = id.clone();
    state
        .db
        .write(move |c| profiles::update_profile(c, &profile_id, expected, &write, &author))
        .await?;
    let view = load_view(state, id).await?;
    Ok(with_etag(HttpResponse::Ok(), view.revision, &view))
}

/// Replace the profile (the owning CDMO). Requires `If-Match` with the current revision.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "replace_cdmo_profile",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("If-Match" = String, Header, description = "ETag of the revision you edited, e.g. \"3\"")
    ),
    request_body = CapabilityProfile,
    responses(
        (status = 200, description = "The new revision", body = CdmoProfile),
        (status = 412, description = "The profile changed since the revision you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/cdmos/{id}")]
pub async fn replace_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<CapabilityProfile>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (_, expected) = owned_for_update(&state, &principal, &req, &id).await?;
    let write = prepare(body.0)?;
    store_update(&state, &principal, id, expected, write).await
}

/// Change part of the profile with a JSON merge patch (RFC 7396; the owning CDMO).
/// Requires `If-Match` with the current revision.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "patch_cdmo_profile",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("If-Match" = String, Header, description = "ETag of the revision you edited, e.g. \"3\"")
    ),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "A JSON merge patch of the capability profile"),
    responses(
        (status = 200, description = "The new revision", body = CdmoProfile),
        (status = 412, description = "The profile changed since the revision you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/cdmos/{id}")]
pub async fn patch_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (current, expected) = owned_for_update(&state, &principal, &req, &id).await?;
    if expected != current.current_revision {
        return Err(ApiError::PreconditionFailed(format!(
            "the profile is at revision {}; you edited revision {expected}",
            current.current_revision
        )));
    }
    if !body.0.is_object() {
        return Err(ApiError::bad_request_field(
            "body",
            "a merge patch must be a JSON object",
        ));
    }
    let mut document = documents::decode_profile_json(&current.document)?;
    merge_patch(&mut document, &body.0);
    let patched: CapabilityProfile =
        field_errors::parse_value(document).map_err(ApiError::Validation)?;
    let write = prepare(patched)?;
    store_update(&state, &principal, id, expected, write).await
}

/// A profile's revisions, newest first.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "list_cdmo_revisions",
    params(("id" = String, Path, description = "Profile id"), PageParams),
    responses((status = 200, description = "A page of revisions", body = Page<ProfileRevisionSummary>))
)]
#[get("/cdmos/{id}/revisions")]
pub async fn list_cdmo_revisions(
    state: web::Data<AppState>,
    _principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::parse(query.0.limit, query.0.cursor.as_deref())?;
    let before = page
        .after("rev")?
        .map(|r| {
            r.parse::<i32>().map_err(|_| {
                ApiError::bad_request_field("cursor", "is not a cursor this list returned")
            })
        })
        .transpose()?;
    let fetch = page.fetch();
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |c| {
            profiles::find_profile(c, &id)?;
            profiles::list_revisions(c, &id, before, fetch)
        })
        .await?;
    let page = page.page_by(
        rows,
        |(revision, _, _)| format!("rev:{revision}"),
        |(revision, created_by, created_at)| {
            Ok(ProfileRevisionSummary {
                revision: revision as u32,
                created_by,
                created_at: created_at.and_utc(),
            })
        },
    )?;
    Ok(HttpResponse::Ok().json(page))
}

fn revision_number(text: &str) -> Result<i32, ApiError> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(ApiError::NotFound)
}

/// One immutable revision of a profile.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "get_cdmo_revision",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("revision" = u32, Path, description = "Revision number")
    ),
    responses((status = 200, description = "The revision", body = ProfileRevision))
)]
#[get("/cdmos/{id}/revisions/{revision}")]
pub async fn get_cdmo_revision(
    state: web::Data<AppState>,
    _principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let revision = revision_number(&revision)?;
    let row = state
        .db
        .run(move |c| profiles::find_revision(c, &id, revision))
        .await?;
    Ok(HttpResponse::Ok().json(views::revision(row)?))
}

/// Field-level differences between two revisions (default: against the one before).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "diff_cdmo_revisions",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("revision" = u32, Path, description = "Revision number"),
        DiffParams
    ),
    responses((status = 200, description = "The changes from `against` to `revision`", body = RevisionDiff))
)]
#[get("/cdmos/{id}/revisions/{revision}/diff")]
pub async fn diff_cdmo_revisions(
    state: web::Data<AppState>,
    _principal: Principal,
    path: web::Path<(String, String)>,
    query: ApiQuery<DiffParams>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let revision = revision_number(&revision)?;
    let against = match query.0.against {
        Some(n) => {
            i32::try_from(n).map_err(|_| ApiError::invalid_field("against", "is too large"))?
        }
        None if revision > 1 => revision - 1,
        None => {
            return Err(ApiError::invalid_field(
                "against",
                "revision 1 has no earlier revision; name one",
            ));
        }
    };
    let (newer, older) = state
        .db
        .run(move |c| {
            let newer = profiles::find_revision(c, &id, revision)?;
            let older = profiles::find_revision(c, &id, against)?;
            Ok((newer, older))
        })
        .await?;
    let parse = documents::decode_profile_json;
    Ok(HttpResponse::Ok().json(RevisionDiff {
        revision: revision as u32,
        against: against as u32,
        changes: diff(&parse(&older.document)?, &parse(&newer.document)?),
    }))
}

const CURSOR_SEPARATOR: char = '\u{1f}';

/// Where a search page starts in `order`, from the cursor of the previous page.
fn search_start(
    order: &[std::sync::Arc<IndexedProfile>],
    sort: ProfileSort,
    page: &PageRequest,
) -> Result<usize, ApiError> {
    let bad = || {
        ApiError::bad_request_field(
            "cursor",
            "is not a cursor this search returned (cursors are tied to the sort)",
        )
    };
    let kind = match sort {
        ProfileSort::Updated => "updated",
        _ => "name",
    };
    let Some(position) = page.after(kind)? else {
        return Ok(0);
    };
    let (key, id) = position.split_once(CURSOR_SEPARATOR).ok_or_else(bad)?;
    Ok(match sort {
        ProfileSort::Updated => {
            let at = chrono::NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.f")
                .map_err(|_| bad())?;
            order.partition_point(|p| (p.updated_at, p.summary.id.as_str()) >= (at, id))
        }
        _ => order.partition_point(|p| (p.name_lower.as_str(), p.summary.id.as_str()) <= (key, id)),
    })
}

fn search_cursor(p: &IndexedProfile, sort: ProfileSort) -> String {
    match sort {
        ProfileSort::Updated => format!(
            "updated:{}{CURSOR_SEPARATOR}{}",
            p.updated_at.format("%Y-%m-%dT%H:%M:%S%.6f"),
            p.summary.id
        ),
        _ => format!("name:{}{CURSOR_SEPARATOR}{}", p.name_lower, p.summary.id),
    }
}

/// Search public CDMO profiles. Filters combine with AND across parameters and OR within
/// a comma-separated list. Unverified CDMOs are included but flagged
/// (`organization_verified: false`) unless `verified_only=true`.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "search_cdmos",
    params(CdmoSearch),
    responses((status = 200, description = "A page of matching CDMOs", body = Page<CdmoSummary>))
)]
#[get("/cdmos")]
pub async fn search_cdmos(
    state: web::Data<AppState>,
    _principal: Principal,
    query: ApiQuery<CdmoSearch>,
) -> Result<HttpResponse, ApiError> {
    let params = query.0;
    let page = PageRequest::parse(params.limit, params.cursor.as_deref())?;
    let filter = SearchFilter::parse(&params)
        .map_err(|(field, message)| ApiError::bad_request_field(field, message))?;
    let sort = params.sort.unwrap_or(ProfileSort::Name);
    let snapshot = state.profiles.current(&state.db).await?;
    let order = match sort {
        ProfileSort::Updated => &snapshot.by_update,
        _ => &snapshot.by_name,
    };
    let start = search_start(order, sort, &page)?;
    let hits: Vec<&std::sync::Arc<IndexedProfile>> = order[start..]
        .iter()
        .filter(|p| filter.matches(&p.facets, p.summary.organization_verified, &p.name_lower))
        .take(page.limit + 1)
        .collect();
    let page = page.page_by(hits, |p| search_cursor(p, sort), |p| Ok(p.summary.clone()))?;
    Ok(HttpResponse::Ok().json(page))
}
