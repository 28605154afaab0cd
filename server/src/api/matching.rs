//! Sponsor programmes, matches and shortlists.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use cdmx_sdk::types::{
    CreateShortlistRequest, MatchRequest, MatchResult, OrganizationKind, Page, PageParams, Problem,
    Program, ProgramMatchRequest, ProgramRequest, Shortlist, ShortlistSummary,
};

use super::extract::{ApiJson, ApiJsonOrDefault, ApiQuery, NoQuery, if_match, with_etag};
use super::today;
use crate::app::pagination::PageRequest;
use crate::app::views;
use crate::auth::Principal;
use crate::db::capacity;
use crate::db::documents;
use crate::db::programs::{self, ProgramRow, ShortlistRow};
use crate::db::{new_id, now};
use crate::domain::matching::{
    Availability, DEFAULT_LIMIT, MAX_LIMIT, SlotsAvailable, ValidRequirements, run_match,
};
use crate::domain::programs::ValidProgram;
use crate::error::ApiError;
use crate::startup::AppState;

/// Programmes and shortlists belong to sponsors.
fn require_sponsor(principal: &Principal) -> Result<(), ApiError> {
    if principal.organization_kind == OrganizationKind::Sponsor {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "programmes and shortlists belong to sponsor organisations".into(),
        ))
    }
}

fn limit(limit: Option<u32>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as u32).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Runs a match on the current profiles.
async fn match_now(
    state: &AppState,
    requirements: &ValidRequirements,
    limit: usize,
) -> Result<MatchResult, ApiError> {
    let snapshot = state.profiles.current(&state.db).await?;
    let availability = match &requirements.requirement_set().capacity {
        None => Availability::default(),
        Some(need) => {
            let constraints = &requirements.requirement_set().constraints;
            let kind = need.slot_kind.as_str();
            let window = (need.window_start, need.window_end);
            let donor = constraints.donor_source.map(|d| d.as_str());
            let modalities: Vec<&'static str> =
                constraints.modalities.iter().map(|m| m.as_str()).collect();
            let at = now();
            let per_profile = state
                .db
                .run(move |c| capacity::availability(c, kind, window, donor, &modalities, at))
                .await?;
            Availability(
                per_profile
                    .into_iter()
                    .map(|(id, (free, earliest))| (id, SlotsAvailable { free, earliest }))
                    .collect(),
            )
        }
    };
    Ok(run_match(
        snapshot.features(),
        requirements,
        today(),
        &availability,
        limit,
    ))
}

/// Create a programme (sponsor organisations). Private to your organisation.
#[utoipa::path(
    tag = "programs",
    operation_id = "create_program",
    request_body = ProgramRequest,
    responses((status = 201, description = "Programme created at version 1; `ETag` carries the version", body = Program))
)]
#[post("/programs")]
pub async fn create_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<ProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    require_sponsor(&principal)?;
    let valid = ValidProgram::parse(body.0)?;
    let at = now();
    let row = ProgramRow {
        id: new_id(),
        organization_id: principal.organization_id.clone(),
        name: valid.program.name.clone(),
        version: 1,
        document: documents::encode_program(&valid.program)?,
        created_at: at,
        updated_at: at,
    };
    let row = state
        .db
        .write(move |c| {
            programs::insert_program(c, &row)?;
            Ok(row)
        })
        .await?;
    let program = views::program(row)?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/programs/{}", program.id)));
    Ok(with_etag(response, program.version, &program))
}

/// Your organisation's programmes.
#[utoipa::path(
    tag = "programs",
    operation_id = "list_programs",
    params(PageParams),
    responses((status = 200, description = "A page of programmes", body = Page<Program>))
)]
#[get("/programs")]
pub async fn list_programs(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    require_sponsor(&principal)?;
    let page = PageRequest::parse(query.0.limit, query.0.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let organization_id = principal.organization_id.clone();
    let rows = state
        .db
        .run(move |c| programs::list_programs(c, &organization_id, &keyset))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, views::program)?))
}

/// One of your organisation's programmes.
#[utoipa::path(
    tag = "programs",
    operation_id = "get_program",
    params(("id" = String, Path, description = "Programme id")),
    responses((status = 200, description = "The programme; `ETag` carries the version", body = Program))
)]
#[get("/programs/{id}")]
pub async fn get_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization_id = principal.organization_id.clone();
    let id = id.into_inner();
    let row = state
        .db
        .run(move |c| programs::find_program(c, &organization_id, &id))
        .await?;
    Ok({
        let program = views::program(row)?;
        with_etag(HttpResponse::Ok(), program.version, &program)
    })
}

/// Replace a programme. Requires `If-Match` with the current version.
#[utoipa::path(
    tag = "programs",
    operation_id = "replace_program",
    params(
        ("id" = String, Path, description = "Programme id"),
        ("If-Match" = String, Header, description = "ETag of the version you edited, e.g. \"1\"")
    ),
    request_body = ProgramRequest,
    responses(
        (status = 200, description = "The new version", body = Program),
        (status = 412, description = "The programme changed since the version you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/programs/{id}")]
pub async fn replace_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<ProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let organization_id = principal.organization_id.clone();
    let id = id.into_inner();
    let (owner, lookup) = (organization_id.clone(), id.clone());
    state
        .db
        .run(move |c| programs::find_program(c, &owner, &lookup))
        .await?;
    let expected = if_match(&req)?;
    let valid = ValidProgram::parse(body.0)?;
    let name = valid.program.name.clone();
    let document = documents::encode_program(&valid.program)?;
    let at = now();
    let row = state
        .db
        .write(move |c| {
            programs::replace_program(c, &organization_id, &id, expected, &name, &document, at)
        })
        .await?;
    Ok({
        let program = views::program(row)?;
        with_etag(HttpResponse::Ok(), program.version, &program)
    })
}

/// Match a programme against the current CDMO profiles.
#[utoipa::path(
    tag = "matching",
    operation_id = "match_program",
    params(("id" = String, Path, description = "Programme id")),
    request_body = ProgramMatchRequest,
    responses((status = 200, description = "Ranked, explained candidates and the excluded with their reasons", body = MatchResult))
)]
#[post("/programs/{id}/matches")]
pub async fn match_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJsonOrDefault<ProgramMatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let limit = limit(body.0.limit)?;
    let organization_id = principal.organization_id.clone();
    let id = id.into_inner();
    let row = state
        .db
        .run(move |c| programs::find_program(c, &organization_id, &id))
        .await?;
    let valid = ValidProgram::parse(views::program(row)?.program)?;
    Ok(HttpResponse::Ok().json(match_now(&state, &valid.requirements, limit).await?))
}

/// Match ad-hoc requirements against the current CDMO profiles.
#[utoipa::path(
    tag = "matching",
    operation_id = "create_match",
    request_body = MatchRequest,
    responses((status = 200, description = "Ranked, explained candidates and the excluded with their reasons", body = MatchResult))
)]
#[post("/matches")]
pub async fn create_match(
    state: web::Data<AppState>,
    _principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    let limit = limit(request.limit)?;
    let requirements = ValidRequirements::parse(request.requirements, None)
        .map_err(|v| v.within("requirements"))?;
    Ok(HttpResponse::Ok().json(match_now(&state, &requirements, limit).await?))
}

/// Save a programme's current match as an immutable shortlist.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "create_shortlist",
    request_body = CreateShortlistRequest,
    responses((status = 201, description = "The shortlist, pinned to the profile revisions it ranked", body = Shortlist))
)]
#[post("/shortlists")]
pub async fn create_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<CreateShortlistRequest>,
) -> Result<HttpResponse, ApiError> {
    require_sponsor(&principal)?;
    let request = body.0;
    let limit = limit(request.limit)?;
    let name = request.name.as_deref().map(str::trim).map(str::to_owned);
    if name
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 200)
    {
        return Err(ApiError::invalid_field(
            "name",
            "must be 1 to 200 characters",
        ));
    }
    let organization_id = principal.organization_id.clone();
    let program_id = request.program_id.clone();
    let row = state
        .db
        .run(move |c| programs::find_program(c, &organization_id, &program_id))
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::NotFound => {
                ApiError::invalid_field("program_id", "no such programme in your organisation")
            }
            other => other,
        })?;
    let program = views::program(row)?;
    let valid = ValidProgram::parse(program.program.clone())?;
    let result = match_now(&state, &valid.requirements, limit).await?;
    let at = now();
    let row = ShortlistRow {
        id: new_id(),
        organization_id: principal.organization_id.clone(),
        program_id: program.id.clone(),
        program_version: program.version as i32,
        name: name.unwrap_or_else(|| {
            format!(
                "{} ({})",
                program.program.name,
                at.format("%Y-%m-%d %H:%M UTC")
            )
        }),
        program: documents::encode_program(&valid.program)?,
        result: documents::encode_match_result(&result)?,
        created_by: principal.id.clone(),
        created_at: at,
    };
    let row = state
        .db
        .write(move |c| {
            programs::insert_shortlist(c, &row)?;
            Ok(row)
        })
        .await?;
    let shortlist = views::shortlist(row)?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/v1/shortlists/{}", shortlist.id)));
    Ok(response.json(shortlist))
}

/// Your organisation's shortlists.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "list_shortlists",
    params(PageParams),
    responses((status = 200, description = "A page of shortlists", body = Page<ShortlistSummary>))
)]
#[get("/shortlists")]
pub async fn list_shortlists(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    require_sponsor(&principal)?;
    let page = PageRequest::parse(query.0.limit, query.0.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let organization_id = principal.organization_id.clone();
    let rows = state
        .db
        .run(move |c| programs::list_shortlists(c, &organization_id, &keyset))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, views::shortlist_summary)?))
}

/// One of your organisation's shortlists, exactly as it was saved.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "get_shortlist",
    params(("id" = String, Path, description = "Shortlist id")),
    responses((status = 200, description = "The shortlist", body = Shortlist))
)]
#[get("/shortlists/{id}")]
pub async fn get_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization_id = principal.organization_id.clone();
    let id = id.into_inner();
    let row = state
        .db
        .run(move |c| programs::find_shortlist(c, &organization_id, &id))
        .await?;
    Ok(HttpResponse::Ok().json(views::shortlist(row)?))
}
