//! Published manufacturing capacity.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use cdmx_sdk::types::{
    CapacityBlock, CapacityBlockChange, CapacitySearch, NewCapacityBlock, Page, Problem,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::pagination::PageRequest;
use super::views;
use crate::auth::Principal;
use crate::db::capacity::{self, BlockQuery, BlockRow};
use crate::db::{new_id, now, profiles};
use crate::domain::capacity::ValidBlock;
use crate::error::ApiError;
use crate::startup::AppState;

/// Views of blocks with their live availability and their CDMO's name.
pub(super) async fn block_views(
    state: &AppState,
    rows: Vec<BlockRow>,
) -> Result<Vec<CapacityBlock>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let at = now();
    let held = state
        .db
        .run(move |c| capacity::active_holds(c, &ids, at))
        .await?;
    let snapshot = state.profiles.current(&state.db).await?;
    rows.into_iter()
        .map(|row| {
            let name = snapshot
                .get(&row.profile_id)
                .map(|p| p.summary.name.clone())
                .unwrap_or_default();
            let active = held.get(&row.id).copied().unwrap_or(0);
            views::capacity_block(row, name, active)
        })
        .collect()
}

/// Only the CDMO that owns the block changes it; blocks are public, so others are told so.
fn require_owner(principal: &Principal, organization_id: &str) -> Result<(), ApiError> {
    if principal.organization_id == organization_id {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the CDMO that published this capacity can change it".into(),
        ))
    }
}

/// Publish capacity for your profile (the owning CDMO).
#[utoipa::path(
    tag = "capacity",
    operation_id = "create_capacity_block",
    params(("id" = String, Path, description = "Profile id")),
    request_body = NewCapacityBlock,
    responses((status = 201, description = "The published block", body = CapacityBlock))
)]
#[post("/cdmos/{id}/capacity")]
pub async fn create_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<NewCapacityBlock>,
) -> Result<HttpResponse, ApiError> {
    let profile_id = id.into_inner();
    let lookup = profile_id.clone();
    let (profile, _) = state
        .db
        .run(move |c| profiles::find_profile(c, &lookup))
        .await?;
    require_owner(&principal, &profile.organization_id)?;
    let document = views::profile_document(&profile.document)?;
    let valid = ValidBlock::parse(body.0, &document)?;
    let at = now();
    let b = &valid.block;
    let row = BlockRow {
        id: new_id(),
        profile_id,
        organization_id: profile.organization_id.clone(),
        site_key: b.site_key.clone(),
        country: valid.country.clone(),
        suite: b.suite.clone(),
        slot_kind: b.slot_kind,
        donor_sources: json_text(&b.donor_sources)?,
        modalities: json_text(&b.modalities)?,
        period_start: b.period_start.into(),
        period_end: b.period_end.into(),
        slots_total: b.slots as i32,
        slots_held: 0,
        slots_confirmed: 0,
        lead_time_days: b.lead_time_days as i32,
        price_min_usd: b.price_band.map(|p| p.min_usd as i64),
        price_max_usd: b.price_band.map(|p| p.max_usd as i64),
        created_at: at,
        updated_at: at,
    };
    let row = state
        .db
        .write(move |c| {
            capacity::insert_block(c, &row)?;
            Ok(row)
        })
        .await?;
    let view = block_views(&state, vec![row]).await?.remove(0);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/capacity/{}", view.id)))
        .json(view))
}

/// JSON text of a list, for the portable text columns.
fn json_text<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// Search published capacity. Availability is live: `free` = slots - unexpired holds -
/// confirmed.
#[utoipa::path(
    tag = "capacity",
    operation_id = "search_capacity",
    params(CapacitySearch),
    responses((status = 200, description = "A page of capacity blocks", body = Page<CapacityBlock>))
)]
#[get("/capacity")]
pub async fn search_capacity(
    state: web::Data<AppState>,
    _principal: Principal,
    query: ApiQuery<CapacitySearch>,
) -> Result<HttpResponse, ApiError> {
    let p = query.0;
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    if let (Some(start), Some(end)) = (p.window_start, p.window_end)
        && end < start
    {
        return Err(ApiError::invalid_field(
            "window_end",
            "must not be before window_start",
        ));
    }
    let country = p.country.as_ref().map(|c| c.trim().to_uppercase());
    if country
        .as_ref()
        .is_some_and(|c| !crate::domain::geo::is_country(c))
    {
        return Err(ApiError::bad_request_field(
            "country",
            "is not an ISO 3166-1 alpha-2 code",
        ));
    }
    let min_free = p.min_free_slots.map(|m| m as i64);
    let mut after = page.keyset()?.after;
    let mut found: Vec<CapacityBlock> = Vec::new();
    // SQL can only bound free slots from above (holds expire by the clock), so fetch,
    // compute exact availability, and continue until the page is full.
    loop {
        let q = BlockQuery {
            window_start: p.window_start.map(|d| d.to_string()),
            window_end: p.window_end.map(|d| d.to_string()),
            slot_kind: p.slot_kind.map(|k| k.as_str().to_owned()),
            donor_source: p.donor_source.map(|d| d.as_str().to_owned()),
            modality: p.modality.map(|m| m.as_str().to_owned()),
            country: country.clone(),
            profile_id: p.profile_id.clone(),
            min_unconfirmed: p.min_free_slots.map(|m| m as i32),
            after: after.clone(),
            fetch: page.fetch(),
        };
        let rows = state
            .db
            .run(move |c| capacity::search_blocks(c, &q))
            .await?;
        let exhausted = (rows.len() as i64) < page.fetch();
        after = rows.last().map(|r| r.id.clone());
        let views = block_views(&state, rows).await?;
        found.extend(
            views
                .into_iter()
                .filter(|b| min_free.is_none_or(|m| i64::from(b.free) >= m)),
        );
        if exhausted || found.len() > page.limit {
            break;
        }
    }
    Ok(HttpResponse::Ok().json(page.page(found, |b| &b.id, Ok)?))
}

/// One capacity block, with live availability.
#[utoipa::path(
    tag = "capacity",
    operation_id = "get_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    responses((status = 200, description = "The block", body = CapacityBlock))
)]
#[get("/capacity/{id}")]
pub async fn get_capacity_block(
    state: web::Data<AppState>,
    _principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = state.db.run(move |c| capacity::find_block(c, &id)).await?;
    Ok(HttpResponse::Ok().json(block_views(&state, vec![row]).await?.remove(0)))
}

/// Change a block's slots or terms (the owning CDMO). Slots cannot drop below what is
/// held or confirmed: 409 with the numbers.
#[utoipa::path(
    tag = "capacity",
    operation_id = "change_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    request_body = CapacityBlockChange,
    responses(
        (status = 200, description = "The block", body = CapacityBlock),
        (status = 409, description = "Fewer slots than are held or confirmed", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/capacity/{id}")]
pub async fn change_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<CapacityBlockChange>,
) -> Result<HttpResponse, ApiError> {
    let change = body.0;
    if change.slots.is_some_and(|s| !(1..=10_000).contains(&s)) {
        return Err(ApiError::invalid_field(
            "slots",
            "must be between 1 and 10000",
        ));
    }
    if change.lead_time_days.is_some_and(|d| d > 730) {
        return Err(ApiError::invalid_field(
            "lead_time_days",
            "must be at most 730",
        ));
    }
    if change.price_band.is_some_and(|b| b.min_usd > b.max_usd) {
        return Err(ApiError::invalid_field(
            "price_band.max_usd",
            "must not be below min_usd",
        ));
    }
    let id = id.into_inner();
    let lookup = id.clone();
    let block = state
        .db
        .run(move |c| capacity::find_block(c, &lookup))
        .await?;
    require_owner(&principal, &block.organization_id)?;
    let at = now();
    let row = state
        .db
        .write(move |c| {
            capacity::change_block(
                c,
                &id,
                change.slots.map(|s| s as i32),
                change.lead_time_days.map(|d| d as i32),
                change
                    .price_band
                    .map(|b| (b.min_usd as i64, b.max_usd as i64)),
                at,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(block_views(&state, vec![row]).await?.remove(0)))
}

/// Withdraw a block that has never had a reservation (the owning CDMO).
#[utoipa::path(
    tag = "capacity",
    operation_id = "delete_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 409, description = "The block has reservations on record", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/capacity/{id}")]
pub async fn delete_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lookup = id.clone();
    let block = state
        .db
        .run(move |c| capacity::find_block(c, &lookup))
        .await?;
    require_owner(&principal, &block.organization_id)?;
    state
        .db
        .write(move |c| capacity::delete_block(c, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
