//! The event feed, capacity watches and counterparts (issue 14): every state change is
//! an event on the feeds of the organisations that may see it, written with the change;
//! watches fire once per CDMO that a capacity change leaves meeting the need; a CDMO
//! sees who it books for.

use std::time::Duration;

use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;

use crate::capacity::{block, cdmo, day, hold, key, status};

/// Every event of `client`'s feed, read page by page.
pub(crate) async fn feed(client: &Client) -> Vec<Event> {
    let mut events = Vec::new();
    let mut cursor = None;
    loop {
        let page = client
            .list_events(&EventFilter {
                limit: Some(3),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        events.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return events,
        }
    }
}

pub(crate) fn types(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|e| e.event_type).collect()
}

#[tokio::test]
async fn each_party_reads_the_reservation_lifecycle_on_its_own_feed_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app
        .sign_up(OrganizationKind::Sponsor, "Acme Therapeutics")
        .await;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Stranger").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    let mut request = hold(&b.id, 2);
    request.shared_summary = Some("Autologous CD19 CAR-T, phase 2, two patient batches".into());
    let held = sponsor
        .admin
        .create_reservation(&request, &key())
        .await
        .unwrap();
    // Counterparts: the CDMO sees who it books for and what the sponsor shared.
    let seen_by_cdmo = helix.admin.get_reservation(&held.id).await.unwrap();
    assert_eq!(seen_by_cdmo.sponsor_organization_name, "Acme Therapeutics");
    assert_eq!(seen_by_cdmo.cdmo_organization_name, "Helix");
    assert_eq!(
        seen_by_cdmo.shared_summary.as_deref(),
        Some("Autologous CD19 CAR-T, phase 2, two patient batches")
    );
    assert!(seen_by_cdmo.expires_at.is_some());
    let confirmed = helix.admin.confirm_reservation(&held.id).await.unwrap();
    assert_eq!(confirmed.state, ReservationState::Confirmed);
    assert_eq!(confirmed.expires_at, None, "nothing expires once confirmed");
    sponsor.admin.cancel_reservation(&held.id).await.unwrap();
    // A refused change records nothing.
    assert_eq!(status(helix.admin.confirm_reservation(&held.id).await), 409);

    let sponsor_feed = feed(&sponsor.admin).await;
    assert_eq!(
        types(&sponsor_feed),
        [
            EventType::ReservationHeld,
            EventType::ReservationConfirmed,
            EventType::ReservationCancelled
        ]
    );
    let cdmo_feed = feed(&helix.admin).await;
    assert_eq!(
        types(&cdmo_feed),
        [
            EventType::OrganizationVerified,
            EventType::ProfileRevised,
            EventType::CapacityPublished,
            EventType::ReservationHeld,
            EventType::ReservationConfirmed,
            EventType::ReservationCancelled
        ]
    );
    // Gap-free positions, from 1, in order.
    for events in [&sponsor_feed, &cdmo_feed] {
        let positions: Vec<i64> = events.iter().map(|e| e.sequence).collect();
        assert_eq!(positions, (1..=events.len() as i64).collect::<Vec<_>>());
    }
    // The payload is the object as the API returns it, after the change; the actor is
    // who made it.
    let confirmed_event = &cdmo_feed[4];
    assert_eq!(confirmed_event.object.kind, EventObjectKind::Reservation);
    assert_eq!(confirmed_event.object.id, held.id);
    let payload: Reservation = serde_json::from_value(confirmed_event.payload.clone()).unwrap();
    assert_eq!(payload, confirmed);
    let actor = confirmed_event.actor.as_ref().unwrap();
    assert_eq!(actor.organization_id, helix.organization.id);
    assert_eq!(actor.id, helix.admin_user.id);
    let held_payload: Reservation =
        serde_json::from_value(sponsor_feed[0].payload.clone()).unwrap();
    assert_eq!(held_payload, held);
    assert_eq!(held_payload.sponsor_organization_name, "Acme Therapeutics");
    // The stranger's feed has nothing of theirs.
    assert!(feed(&stranger.admin).await.is_empty());

    // Filters: by type, by object, after a position.
    let confirmations = helix
        .admin
        .list_events(&EventFilter {
            event_type: Some(CommaSeparated(vec![
                EventType::ReservationConfirmed,
                EventType::CapacityPublished,
            ])),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        types(&confirmations.items),
        [
            EventType::CapacityPublished,
            EventType::ReservationConfirmed
        ]
    );
    let about_block = helix
        .admin
        .list_events(&EventFilter {
            object_id: Some(b.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(types(&about_block.items), [EventType::CapacityPublished]);
    let after = helix
        .admin
        .list_events(&EventFilter {
            after_sequence: Some(4),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        after.items.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [5, 6]
    );
    let negative = helix
        .admin
        .list_events(&EventFilter {
            after_sequence: Some(-1),
            ..Default::default()
        })
        .await;
    assert_eq!(status(negative), 422);
}

#[tokio::test]
async fn profile_capacity_and_listing_changes_reach_the_cdmos_feed() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    let changed = helix
        .admin
        .change_capacity_block(
            &b.id,
            &CapacityBlockChange {
                slots: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    helix.admin.delete_capacity_block(&b.id).await.unwrap();
    let mut edited = base_profile("Helix");
    edited.qc.release_turnaround_days = Some(5);
    let revised = helix
        .admin
        .replace_cdmo_profile(&profile.id, 1, &edited)
        .await
        .unwrap();
    let pause = crate::listing::pause(None);
    let unlisted = helix
        .admin
        .unlist_cdmo_profile(&profile.id, &pause)
        .await
        .unwrap();
    // Repeats that change nothing are not announced.
    helix
        .admin
        .unlist_cdmo_profile(&profile.id, &pause)
        .await
        .unwrap();
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();

    let events = feed(&helix.admin).await;
    assert_eq!(
        types(&events),
        [
            EventType::OrganizationVerified,
            EventType::ProfileRevised,
            EventType::CapacityPublished,
            EventType::CapacityChanged,
            EventType::CapacityWithdrawn,
            EventType::ProfileRevised,
            EventType::ProfileUnlisted,
            EventType::ProfileRelisted,
        ]
    );
    let verified: Organization = serde_json::from_value(events[0].payload.clone()).unwrap();
    assert!(verified.verified);
    let changed_payload: CapacityBlock = serde_json::from_value(events[3].payload.clone()).unwrap();
    assert_eq!(changed_payload, changed);
    assert_eq!(events[4].object.id, b.id);
    let revised_payload: CdmoProfile = serde_json::from_value(events[5].payload.clone()).unwrap();
    assert_eq!(revised_payload.revision, revised.revision);
    assert_eq!(revised_payload.revision, 2);
    let unlisted_payload: ProfileListing =
        serde_json::from_value(events[6].payload.clone()).unwrap();
    assert_eq!(unlisted_payload, unlisted);
}

#[tokio::test]
async fn a_lapsed_hold_is_announced_to_both_parties_by_the_exchange_itself() {
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_seconds = 1;
        s.sweep_interval_seconds = 1;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let r = sponsor
        .admin
        .create_reservation(&hold(&b.id, 1), &key())
        .await
        .unwrap();
    let expired = poll(|| async {
        feed(&sponsor.admin)
            .await
            .into_iter()
            .find(|e| e.event_type == EventType::ReservationExpired)
    })
    .await
    .expect("the sweep announced the expiry");
    assert_eq!(expired.object.id, r.id);
    assert_eq!(expired.actor, None, "nobody did it: the exchange did");
    let payload: Reservation = serde_json::from_value(expired.payload).unwrap();
    assert_eq!(payload.state, ReservationState::Expired);
    assert!(
        payload.expires_at.is_some(),
        "an expired hold says when it lapsed"
    );
    let on_cdmo_feed = feed(&helix.admin)
        .await
        .into_iter()
        .filter(|e| e.event_type == EventType::ReservationExpired)
        .count();
    assert_eq!(on_cdmo_feed, 1);
}

/// Polls `probe` until it finds something, for up to ten seconds.
pub(crate) async fn poll<T, F, Fut>(probe: F) -> Option<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(found) = probe().await {
            return Some(found);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Requirements for an autologous CAR-T programme needing `slots` clinical slots in
/// the first quarter of 2027.
fn watched(slots: u32) -> RequirementSet {
    serde_json::from_value(serde_json::json!({
        "constraints": {"modalities": ["car_t"], "donor_source": "autologous"},
        "criteria": [{"criterion": "success_rate", "weight": 1.0}],
        "capacity": {"slot_kind": "clinical_gmp_batch", "slots": slots,
                     "window_start": "2027-01-01", "window_end": "2027-03-31"}
    }))
    .unwrap()
}

async fn available_events(client: &Client) -> Vec<CapacityAvailable> {
    client
        .list_events(&EventFilter {
            event_type: Some(CommaSeparated(vec![EventType::CapacityAvailable])),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| serde_json::from_value(e.payload).unwrap())
        .collect()
}

/// A sponsor's watch of `watched(slots)`.
async fn watch_of(sponsor: &OrgFixture, slots: u32) -> CapacityWatch {
    sponsor
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: None,
            requirements: Some(watched(slots)),
        })
        .await
        .unwrap()
}

/// NK House: a CDMO (not verified) whose profile offers NK cells only, so that it fails
/// `watched`'s modality; returns its profile as written, to revise.
async fn nk_house(app: &TestApp) -> (OrgFixture, CdmoProfile, CapabilityProfile) {
    let org = app.sign_up(OrganizationKind::Cdmo, "NK House").await;
    let mut nk = base_profile("NK House");
    nk.modalities = vec![Modality::Nk];
    let profile = org.admin.create_cdmo_profile(&nk).await.unwrap();
    (org, profile, nk)
}

/// Waits for the sponsor's first `capacity.available` events.
async fn fired(sponsor: &OrgFixture, what: &str) -> Vec<CapacityAvailable> {
    poll(|| async {
        let events = available_events(&sponsor.admin).await;
        (!events.is_empty()).then_some(events)
    })
    .await
    .unwrap_or_else(|| panic!("expected: {what}"))
}

#[tokio::test]
async fn a_watch_fires_once_when_matching_capacity_is_published_and_not_for_unrelated_blocks() {
    let app = TestApp::spawn_with(|s| s.watch_check_interval_ms = 50).await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let (nk_only, nk_profile, _) = nk_house(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let watch = watch_of(&sponsor, 2).await;
    assert!(watch.requirements.capacity.as_ref().unwrap().required);

    // Unrelated: another slot kind; too few slots; outside the window; a CDMO that
    // fails the hard constraints (NK only).
    let mut commercial = block(5);
    commercial.slot_kind = SlotKind::CommercialBatch;
    helix
        .admin
        .create_capacity_block(&profile.id, &commercial)
        .await
        .unwrap();
    helix
        .admin
        .create_capacity_block(&profile.id, &block(1))
        .await
        .unwrap();
    let mut later = block(5);
    later.period_start = day(2027, 9, 1);
    later.period_end = day(2027, 9, 30);
    helix
        .admin
        .create_capacity_block(&profile.id, &later)
        .await
        .unwrap();
    let mut nk_block = block(5);
    nk_block.modalities = vec![Modality::Nk, Modality::CarT];
    nk_only
        .admin
        .create_capacity_block(&nk_profile.id, &nk_block)
        .await
        .unwrap();
    // A matching block: with the one-slot block, Helix now has 1 + 2 free in the window.
    let matching = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let fired = fired(&sponsor, "the watch fired").await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    let event = &fired[0];
    assert_eq!(event.watch_id, watch.id);
    assert_eq!(event.cdmo_organization_id, helix.organization.id);
    assert_eq!(event.profile_id, profile.id);
    assert_eq!((event.slots_needed, event.slots_free), (2, 3));
    assert_eq!(event.earliest_start, Some(day(2027, 1, 1)));

    // More matching capacity at the same CDMO fires nothing more: once per CDMO.
    helix
        .admin
        .create_capacity_block(&profile.id, &block(4))
        .await
        .unwrap();
    helix
        .admin
        .change_capacity_block(
            &matching.id,
            &CapacityBlockChange {
                slots: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Give the checker time to have seen those changes (it runs every 50 ms).
    let settled = poll(|| async {
        let watch = sponsor.admin.get_capacity_watch(&watch.id).await.unwrap();
        let queue_empty = queued_checks(&app) == 0;
        queue_empty.then_some(watch)
    })
    .await
    .expect("the checker drained its queue");
    assert_eq!(
        settled.fired_for,
        std::slice::from_ref(&helix.organization.id)
    );
    assert_eq!(available_events(&sponsor.admin).await.len(), 1);
    // The CDMOs' feeds never carry the sponsor's watch.
    assert!(
        feed(&helix.admin)
            .await
            .iter()
            .all(|e| e.event_type != EventType::CapacityAvailable)
    );
}

#[tokio::test]
async fn a_watch_fires_when_a_revision_or_a_relisting_makes_a_cdmo_meet_it() {
    let app = TestApp::spawn_with(|s| s.watch_check_interval_ms = 50).await;
    // NK House has the capacity but not the modality; Helix is off the market.
    let (nk_house, nk_profile, mut nk) = nk_house(&app).await;
    let mut nk_block = block(3);
    nk_block.modalities = vec![Modality::Nk, Modality::CarT];
    nk_house
        .admin
        .create_capacity_block(&nk_profile.id, &nk_block)
        .await
        .unwrap();
    let (helix, helix_profile) = cdmo(&app, "Helix").await;
    helix
        .admin
        .unlist_cdmo_profile(&helix_profile.id, &crate::listing::pause(None))
        .await
        .unwrap();
    helix
        .admin
        .create_capacity_block(&helix_profile.id, &block(3))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let watch = watch_of(&sponsor, 2).await;
    let drained = || async { (queued_checks(&app) == 0).then_some(()) };
    poll(drained).await.expect("the checker drained its queue");
    assert!(available_events(&sponsor.admin).await.is_empty());

    // A revision that adds the modality makes NK House meet the watch.
    nk.modalities = vec![Modality::Nk, Modality::CarT];
    nk_house
        .admin
        .replace_cdmo_profile(&nk_profile.id, 1, &nk)
        .await
        .unwrap();
    let fired = fired(&sponsor, "the revision fired the watch").await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].cdmo_organization_id, nk_house.organization.id);
    assert_eq!(fired[0].profile_id, nk_profile.id);

    // Relisted, Helix's published capacity meets it too.
    helix
        .admin
        .relist_cdmo_profile(&helix_profile.id)
        .await
        .unwrap();
    let fired = poll(|| async {
        let events = available_events(&sponsor.admin).await;
        (events.len() == 2).then_some(events)
    })
    .await
    .expect("the relisting fired the watch");
    assert_eq!(fired[1].cdmo_organization_id, helix.organization.id);
    poll(drained).await.expect("the checker drained its queue");
    let watch = sponsor.admin.get_capacity_watch(&watch.id).await.unwrap();
    assert_eq!(watch.fired_for.len(), 2);
    assert_eq!(available_events(&sponsor.admin).await.len(), 2);
}

#[tokio::test]
async fn a_watch_fires_when_an_unlisting_lapses_on_its_relist_day() {
    let app = TestApp::spawn_with(|s| {
        s.watch_check_interval_ms = 50;
        s.sweep_interval_seconds = 1;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let today = chrono::Utc::now().date_naive();
    helix
        .admin
        .unlist_cdmo_profile(&profile.id, &crate::listing::pause(today.succ_opt()))
        .await
        .unwrap();
    helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    watch_of(&sponsor, 2).await;
    poll(|| async { (queued_checks(&app) == 0).then_some(()) })
        .await
        .expect("the checker drained its queue");
    assert!(available_events(&sponsor.admin).await.is_empty());

    // The relist day comes (moved in SQL: the clock cannot be). Nothing is written that
    // day but by the sweep, which clears the lapsed unlisting and queues the check.
    {
        use cdmx::db::schema::profile_unlistings;
        use diesel::prelude::*;
        let mut conn = app.db.blocking_connection().unwrap();
        diesel::update(profile_unlistings::table.find(&profile.id))
            .set(profile_unlistings::relist_on.eq(Some(today.format("%Y-%m-%d").to_string())))
            .execute(&mut *conn)
            .unwrap();
    }
    let fired = fired(&sponsor, "the relist day fired the watch").await;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].cdmo_organization_id, helix.organization.id);
    assert_eq!(
        helix
            .admin
            .get_cdmo_profile(&profile.id)
            .await
            .unwrap()
            .listing,
        ProfileListing::listed()
    );
}

/// Checks still queued, read in SQL.
fn queued_checks(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let mut conn = app.db.blocking_connection().unwrap();
    cdmx::db::schema::watch_checks::table
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn a_watch_fires_when_a_cancellation_frees_the_slots_it_needs() {
    let app = TestApp::spawn_with(|s| s.watch_check_interval_ms = 50).await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let first = app.sign_up(OrganizationKind::Sponsor, "First").await;
    let waiting = app.sign_up(OrganizationKind::Sponsor, "Waiting").await;
    let full = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let taken = first
        .admin
        .create_reservation(&hold(&full.id, 2), &key())
        .await
        .unwrap();
    let program: ProgramRequest = {
        let mut p: ProgramRequest = serde_json::from_value(serde_json::json!({
            "name": "NGO-19",
            "product": {"modality": "car_t", "donor_source": "autologous",
                        "gene_modification": "lentiviral"},
            "target_phase": "phase_2",
            "requirements": {"criteria": [{"criterion": "success_rate", "weight": 1.0}]}
        }))
        .unwrap();
        p.requirements = watched(2);
        p
    };
    let program = waiting.admin.create_program(&program).await.unwrap();
    let watch = waiting
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: Some(program.id.clone()),
            requirements: None,
        })
        .await
        .unwrap();
    assert_eq!(watch.program_id.as_deref(), Some(program.id.as_str()));
    // While the block is full, nothing fires.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(available_events(&waiting.admin).await.is_empty());

    first.admin.cancel_reservation(&taken.id).await.unwrap();
    let fired = fired(&waiting, "the cancellation's freed slots fired the watch").await;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].program_id.as_deref(), Some(program.id.as_str()));
    assert_eq!(fired[0].slots_free, 2);

    // Deleted watches fire no more and are gone.
    waiting
        .admin
        .delete_capacity_watch(&watch.id)
        .await
        .unwrap();
    assert_eq!(
        status(waiting.admin.get_capacity_watch(&watch.id).await),
        404
    );
}

#[tokio::test]
async fn watches_need_a_capacity_need_and_belong_to_sponsors() {
    let app = TestApp::spawn().await;
    let (helix, _) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut no_need = watched(1);
    no_need.capacity = None;
    let problem = sponsor
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: None,
            requirements: Some(no_need),
        })
        .await
        .unwrap_err();
    assert_eq!(problem.status(), Some(422));
    assert!(
        format!("{problem:?}").contains("requirements.capacity"),
        "{problem:?}"
    );
    let both = sponsor
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: Some("x".into()),
            requirements: Some(watched(1)),
        })
        .await;
    assert_eq!(status(both), 422);
    let unknown = sponsor
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: Some(uuid::Uuid::new_v4().to_string()),
            requirements: None,
        })
        .await;
    assert_eq!(status(unknown), 422);
    let cdmo_watch = helix
        .admin
        .create_capacity_watch(&NewCapacityWatch {
            program_id: None,
            requirements: Some(watched(1)),
        })
        .await;
    assert_eq!(status(cdmo_watch), 403);
    assert!(
        sponsor
            .admin
            .list_capacity_watches(&PageParams::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn concurrent_holds_leave_each_feed_gap_free_and_complete() {
    let app = TestApp::spawn_with(|s| {
        s.database_pool_size = 8;
        s.workers = 2;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let mut blocks = Vec::new();
    for _ in 0..4 {
        blocks.push(
            helix
                .admin
                .create_capacity_block(&profile.id, &block(10))
                .await
                .unwrap()
                .id,
        );
    }
    let mut sponsors = Vec::new();
    for i in 0..4 {
        sponsors.push(
            app.sign_up(OrganizationKind::Sponsor, &format!("S{i}"))
                .await,
        );
    }
    let mut tasks = Vec::new();
    for (i, sponsor) in sponsors.iter().enumerate() {
        for j in 0..5 {
            let client = sponsor.admin.clone();
            let block = blocks[(i + j) % blocks.len()].clone();
            tasks.push(tokio::spawn(async move {
                client.create_reservation(&hold(&block, 1), &key()).await
            }));
        }
    }
    let mut placed = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            placed += 1;
        }
    }
    assert!(placed > 0);
    let cdmo_feed = feed(&helix.admin).await;
    let holds = cdmo_feed
        .iter()
        .filter(|e| e.event_type == EventType::ReservationHeld)
        .count();
    assert_eq!(
        holds, placed,
        "one event per hold placed, none for refusals"
    );
    let positions: Vec<i64> = cdmo_feed.iter().map(|e| e.sequence).collect();
    assert_eq!(positions, (1..=cdmo_feed.len() as i64).collect::<Vec<_>>());
    for sponsor in &sponsors {
        let own = feed(&sponsor.admin).await;
        let positions: Vec<i64> = own.iter().map(|e| e.sequence).collect();
        assert_eq!(positions, (1..=own.len() as i64).collect::<Vec<_>>());
    }
}
