//! Published manufacturing capacity: blocks of slots that CDMOs offer and sponsors hold.

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, CapacityBlock, CapacityBlockChange, CapacitySearch,
    EventObjectKind, EventType, NewCapacityBlock, Page,
};
use chrono::NaiveDateTime;

use super::events::{self, Change};
use super::pagination::PageRequest;
use super::{audit, today, views};
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::capacity::{self, BlockQuery, BlockRow};
use crate::db::events::EventActor;
use crate::db::{self, DbConnection, new_id, now, profiles, watches};
use crate::domain::capacity::{ValidBlock, ValidBlockChange};
use crate::error::ApiError;
use crate::startup::AppState;

/// Views of blocks with their live availability and their CDMO's name.
async fn block_views(
    state: &AppState,
    rows: Vec<BlockRow>,
) -> Result<Vec<CapacityBlock>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let at = now();
    let held = state
        .db
        .run(move |c| capacity::active_holds(c, &ids, at))
        .await?;
    let names: Vec<String> = state
        .profiles
        .read(&state.db, |catalogue| {
            rows.iter()
                .map(|row| {
                    catalogue
                        .get(&row.profile_id)
                        .map(|p| p.summary.name.clone())
                        .unwrap_or_default()
                })
                .collect()
        })
        .await?;
    rows.into_iter()
        .zip(names)
        .map(|(row, name)| {
            let active = held.get(&row.id).copied().unwrap_or(0);
            views::capacity_block(row, name, active)
        })
        .collect()
}

/// Records a change to a block on its CDMO's feed, with the block as the CDMO reads it,
/// and queues the capacity watches' check of the CDMO; inside the change's transaction.
fn record_block_change(
    conn: &mut DbConnection,
    event_type: EventType,
    row: &BlockRow,
    cdmo_name: &str,
    actor: EventActor,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let held = capacity::active_holds(conn, std::slice::from_ref(&row.id), at)?;
    let view = views::capacity_block(
        row.clone(),
        cdmo_name.to_owned(),
        held.get(&row.id).copied().unwrap_or(0),
    )?;
    let change = Change::new(
        event_type,
        EventObjectKind::CapacityBlock,
        &row.id,
        Some(actor),
    );
    // The check is queued before the event: the lock order of `db::events`.
    watches::queue_check(conn, &row.organization_id, at)?;
    events::record(conn, vec![change.to(&row.organization_id, &view)?], at)?;
    Ok(())
}

/// The name of a profile's CDMO, as block views show it.
async fn cdmo_name(state: &AppState, profile_id: &str) -> Result<String, ApiError> {
    Ok(state
        .profiles
        .read(&state.db, |catalogue| {
            catalogue
                .get(profile_id)
                .map(|p| p.summary.name.clone())
                .unwrap_or_default()
        })
        .await?)
}

async fn block_view(state: &AppState, row: BlockRow) -> Result<CapacityBlock, ApiError> {
    let mut views = block_views(state, vec![row]).await?;
    views
        .pop()
        .ok_or_else(|| ApiError::internal("a block without its view"))
}

/// Publishes a block for a profile (its CDMO, verified or not: it may prepare).
pub async fn publish(
    state: &AppState,
    principal: &Principal,
    profile_id: String,
    block: NewCapacityBlock,
) -> Result<CapacityBlock, ApiError> {
    let lookup = profile_id.clone();
    let (profile, _) = state
        .db
        .run(move |c| profiles::find_profile(c, &lookup))
        .await?;
    authorize(
        principal,
        Action::ManageCapacity,
        Resource::OwnedBy(&profile.organization_id),
    )?;
    let document = views::profile_document(&profile.document)?;
    let valid = ValidBlock::parse(block, &document)?;
    let at = now();
    let row = BlockRow::new(new_id(), &profile_id, &profile.organization_id, &valid, at)?;
    let event = audit::by(
        principal,
        &profile.organization_id,
        AuditAction::CapacityPublished,
        AuditObjectKind::CapacityBlock,
        &row.id,
    );
    let (actor, name) = (
        events::actor(principal),
        cdmo_name(state, &profile_id).await?,
    );
    let row = state
        .db
        .write_or_refuse(move |c| -> Result<BlockRow, ApiError> {
            capacity::insert_block(c, &row)?;
            db::audit::record(c, event)?;
            record_block_change(c, EventType::CapacityPublished, &row, &name, actor, at)?;
            Ok(row)
        })
        .await?;
    block_view(state, row).await
}

/// Searches published capacity with live availability (`free` = slots - unexpired
/// holds - confirmed). Blocks of unlisted profiles are left out (but for their CDMO).
pub async fn search(
    state: &AppState,
    principal: &Principal,
    p: CapacitySearch,
) -> Result<Page<CapacityBlock>, ApiError> {
    authorize(principal, Action::ReadMarketplace, Resource::Marketplace)?;
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
    let today = today();
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
        let views = block_views(state, rows).await?;
        // Blocks of unlisted profiles are off the market, except to their own CDMO.
        let listed: Vec<bool> = state
            .profiles
            .read(&state.db, |catalogue| {
                views
                    .iter()
                    .map(|b| {
                        b.organization_id == principal.organization_id
                            || catalogue
                                .get(&b.profile_id)
                                .is_none_or(|p| p.is_listed(today))
                    })
                    .collect()
            })
            .await?;
        found.extend(
            views
                .into_iter()
                .zip(listed)
                .filter(|(b, listed)| *listed && min_free.is_none_or(|m| i64::from(b.free) >= m))
                .map(|(b, _)| b),
        );
        if exhausted || found.len() > page.limit {
            break;
        }
    }
    page.page(found, |b| &b.id, Ok)
}

/// One block, with live availability.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<CapacityBlock, ApiError> {
    authorize(principal, Action::ReadMarketplace, Resource::Marketplace)?;
    let row = state.db.run(move |c| capacity::find_block(c, &id)).await?;
    block_view(state, row).await
}

/// Checks the caller may manage block `id`; returns the block as it is now.
async fn load_owned(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<BlockRow, ApiError> {
    let lookup = id.to_owned();
    let block = state
        .db
        .run(move |c| capacity::find_block(c, &lookup))
        .await?;
    authorize(
        principal,
        Action::ManageCapacity,
        Resource::OwnedBy(&block.organization_id),
    )?;
    Ok(block)
}

/// Changes a block's slots or terms (its CDMO). Slots cannot drop below what is held
/// or confirmed: 409 with the numbers.
pub async fn change(
    state: &AppState,
    principal: &Principal,
    id: String,
    change: CapacityBlockChange,
) -> Result<CapacityBlock, ApiError> {
    let ValidBlockChange(change) = ValidBlockChange::parse(change)?;
    let before = load_owned(state, principal, &id).await?;
    let event = audit::by(
        principal,
        &before.organization_id,
        AuditAction::CapacityChanged,
        AuditObjectKind::CapacityBlock,
        &id,
    );
    let at = now();
    let (actor, name) = (
        events::actor(principal),
        cdmo_name(state, &before.profile_id).await?,
    );
    let row = state
        .db
        .write_or_refuse(move |c| -> Result<BlockRow, ApiError> {
            let (row, expired) = capacity::change_block(
                c,
                &id,
                change.slots.map(|s| s as i32),
                change.lead_time_days.map(|d| d as i32),
                change
                    .price_band
                    .map(|b| (b.min_usd as i64, b.max_usd as i64)),
                at,
            )?;
            db::audit::record(c, event)?;
            events::record_reservations(c, EventType::ReservationExpired, &expired, None, at)?;
            record_block_change(c, EventType::CapacityChanged, &row, &name, actor, at)?;
            Ok(row)
        })
        .await?;
    block_view(state, row).await
}

/// Withdraws a block that has never had a reservation (its CDMO).
pub async fn withdraw(state: &AppState, principal: &Principal, id: String) -> Result<(), ApiError> {
    let before = load_owned(state, principal, &id).await?;
    let event = audit::by(
        principal,
        &before.organization_id,
        AuditAction::CapacityWithdrawn,
        AuditObjectKind::CapacityBlock,
        &id,
    );
    let (actor, name, at) = (
        events::actor(principal),
        cdmo_name(state, &before.profile_id).await?,
        now(),
    );
    state
        .db
        .write_or_refuse(move |c| -> Result<(), ApiError> {
            let withdrawn = capacity::delete_block(c, &id)?;
            db::audit::record(c, event)?;
            record_block_change(
                c,
                EventType::CapacityWithdrawn,
                &withdrawn,
                &name,
                actor,
                at,
            )
        })
        .await?;
    Ok(())
}
