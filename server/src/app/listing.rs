//! Taking a profile off the market and back: unlisting (with a reason and an optional
//! relist day), relisting, the history of both, and who may still read an unlisted
//! profile.

use cdmx_sdk::types::{
    AuditAction, AuditObjectKind, EventObjectKind, EventType, ListingEvent, Page, PageParams,
    ProfileListing, UnlistRequest,
};
use chrono::NaiveDateTime;

use super::events::{self, Change};
use super::pagination::list_by_id;
use super::profiles::load_owned;
use super::{audit, today, views};
use crate::auth::Principal;
use crate::auth::policy::{Action, Resource, authorize};
use crate::db::events::EventActor;
use crate::db::profiles::{self, ProfileRow, ProfileWithVerification};
use crate::db::{self, DbConnection, listing, now, watches};
use crate::domain::listing::{UnlistTerms, Unlisting, listing_view};
use crate::error::ApiError;
use crate::startup::AppState;

/// A profile the caller may read, with its verification and stored unlisting.
pub struct ReadableProfile {
    pub row: ProfileRow,
    pub verified: bool,
    pub unlisting: Option<Unlisting>,
}

/// Loads a profile for reading: public while listed; once unlisted, only for its own
/// organisation, platform operators and those with dealings with it (404 for others, as
/// for a missing profile).
pub async fn readable_profile(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<ReadableProfile, ApiError> {
    authorize(principal, Action::ReadMarketplace, Resource::Marketplace)?;
    let today = today();
    let caller = principal.organization_id.clone();
    let (row, verified, unlisting, dealings) = state
        .db
        .run(move |c| {
            let (row, verified): ProfileWithVerification = profiles::find_profile(c, &id)?;
            let unlisting = listing::find_unlisting(c, &id)?;
            let in_force = unlisting.as_ref().is_some_and(|u| u.in_force(today));
            let dealings = in_force
                && row.organization_id != caller
                && listing::has_dealings(c, &caller, &id)?;
            Ok((row, verified, unlisting, dealings))
        })
        .await?;
    if unlisting.as_ref().is_some_and(|u| u.in_force(today)) {
        authorize(
            principal,
            Action::ReadUnlistedProfile,
            Resource::UnlistedProfile {
                owner: &row.organization_id,
                dealings,
            },
        )?;
    }
    Ok(ReadableProfile {
        row,
        verified,
        unlisting,
    })
}

/// Unlists a profile (its CDMO's admins). Unlisting again on the same terms changes
/// nothing; new terms replace the old and keep `since`.
pub async fn unlist(
    state: &AppState,
    principal: &Principal,
    id: String,
    request: UnlistRequest,
) -> Result<ProfileListing, ApiError> {
    let profile = load_owned(state, principal, &id, Action::ManageListing).await?;
    let today = today();
    let terms = UnlistTerms::parse(request, today)?;
    let actor = principal.id.clone();
    let mut event = audit::by(
        principal,
        &profile.organization_id,
        AuditAction::ProfileUnlisted,
        AuditObjectKind::Profile,
        &id,
    );
    event.detail = Some(format!("reason: {}", terms.reason.as_str()));
    let (owner, feed_actor) = (profile.organization_id, events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| -> Result<ProfileListing, ApiError> {
            let unlisted = listing::unlist_profile(c, &id, &terms, &actor, today)?;
            db::audit::record(c, event)?;
            let view = listing_view(Some(&unlisted.unlisting), today);
            if unlisted.changed {
                record_listing(
                    c,
                    EventType::ProfileUnlisted,
                    &id,
                    &owner,
                    &view,
                    feed_actor,
                )?;
            }
            Ok(view)
        })
        .await
}

/// Records a listing change on the profile's CDMO's feed, in the change's transaction.
fn record_listing(
    conn: &mut DbConnection,
    event_type: EventType,
    profile_id: &str,
    owner: &str,
    view: &ProfileListing,
    actor: EventActor,
) -> Result<(), ApiError> {
    let change = Change::new(
        event_type,
        EventObjectKind::Profile,
        profile_id,
        Some(actor),
    );
    events::record(conn, vec![change.to(owner, view)?], now())?;
    Ok(())
}

/// Relists a profile (its CDMO's admins). Relisting a listed profile changes nothing.
pub async fn relist(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<ProfileListing, ApiError> {
    let profile = load_owned(state, principal, &id, Action::ManageListing).await?;
    let today = today();
    let actor = principal.id.clone();
    let event = audit::by(
        principal,
        &profile.organization_id,
        AuditAction::ProfileRelisted,
        AuditObjectKind::Profile,
        &id,
    );
    let (owner, feed_actor) = (profile.organization_id, events::actor(principal));
    state
        .db
        .write_or_refuse(move |c| -> Result<ProfileListing, ApiError> {
            let relisted = listing::relist_profile(c, &id, &actor, today)?;
            db::audit::record(c, event)?;
            let view = ProfileListing::listed();
            if relisted {
                // Back on the market, its capacity may meet a watched programme.
                watches::queue_check(c, &owner, now())?;
                record_listing(
                    c,
                    EventType::ProfileRelisted,
                    &id,
                    &owner,
                    &view,
                    feed_actor,
                )?;
            }
            Ok(view)
        })
        .await
}

/// How many lapsed unlistings one sweep clears.
const SWEEP_BATCH: i64 = 500;

/// Clears the unlistings whose relist day has come (the background sweep), each in a
/// transaction of its own: the profile is back on the market, so its CDMO's capacity
/// may now meet a watched programme, and a watch check is queued. Returns how many.
pub fn clear_lapsed_unlistings(
    conn: &mut DbConnection,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    let today = at.date();
    let mut cleared = 0;
    for (profile_id, organization_id) in listing::lapsed_unlistings(conn, today, SWEEP_BATCH)? {
        cleared += db::write_transaction(conn, |c| {
            if !listing::drop_lapsed_unlisting(c, &profile_id, today)? {
                return Ok(0);
            }
            watches::queue_check(c, &organization_id, at)?;
            Ok(1)
        })?;
    }
    Ok(cleared)
}

/// A profile's unlistings and relistings, oldest first (its CDMO; platform operators).
pub async fn history(
    state: &AppState,
    principal: &Principal,
    id: String,
    params: PageParams,
) -> Result<Page<ListingEvent>, ApiError> {
    load_owned(state, principal, &id, Action::ReadListingHistory).await?;
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| listing::list_events(c, &id, keyset),
        |r| &r.id,
        views::listing_event,
    )
    .await
}
