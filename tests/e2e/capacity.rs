//! Capacity and reservations: publication, search, the hold lifecycle, expiry,
//! reschedules, hold limits, idempotency, and the invariant under concurrency.

use std::collections::BTreeSet;

use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use diesel::prelude::*;

pub(crate) fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn block(slots: u32) -> NewCapacityBlock {
    NewCapacityBlock {
        site_key: "main".into(),
        suite: "Suite 2".into(),
        slot_kind: SlotKind::ClinicalGmpBatch,
        donor_sources: vec![DonorSource::Autologous],
        modalities: vec![Modality::CarT],
        period_start: day(2027, 1, 1),
        period_end: day(2027, 3, 31),
        slots,
        lead_time_days: 30,
        price_band: Some(PriceBand {
            min_usd: 150_000,
            max_usd: 250_000,
        }),
    }
}

/// A verified CDMO with a profile: verified, because only verified CDMOs confirm.
pub(crate) async fn cdmo(app: &TestApp, name: &str) -> (OrgFixture, CdmoProfile) {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    app.verify(&org.organization.id).await;
    let profile = org
        .admin
        .create_cdmo_profile(&base_profile(name))
        .await
        .unwrap();
    (org, profile)
}

pub(crate) fn hold(capacity_id: &str, slots: u32) -> NewReservation {
    NewReservation {
        capacity_id: capacity_id.into(),
        slots,
        program_id: None,
        note: None,
        shared_summary: None,
    }
}

pub(crate) fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Held + confirmed slots of a block, counted in SQL from the reservations themselves.
fn booked_in_sql(app: &TestApp, block_id: &str) -> (i64, i64) {
    use cdmx::db::schema::{capacity_blocks, reservations};
    let mut conn = app.db.blocking_connection().unwrap();
    let active: Vec<i32> = reservations::table
        .filter(reservations::capacity_id.eq(block_id))
        .filter(reservations::state.eq_any(["held", "confirmed"]))
        .select(reservations::slots)
        .load(&mut *conn)
        .unwrap();
    let total: i32 = capacity_blocks::table
        .find(block_id)
        .select(capacity_blocks::slots_total)
        .first(&mut *conn)
        .unwrap();
    (active.into_iter().map(i64::from).sum(), i64::from(total))
}

#[tokio::test]
async fn cdmos_publish_capacity_that_everyone_can_search() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let (rival, _) = cdmo(&app, "Rival").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;

    let clinical = helix
        .admin
        .create_capacity_block(&profile.id, &block(4))
        .await
        .unwrap();
    assert_eq!(
        (clinical.free, clinical.held, clinical.confirmed),
        (4, 0, 0)
    );
    assert_eq!(clinical.country, "FR");
    assert_eq!(clinical.cdmo_name, "Helix");
    let mut commercial = block(2);
    commercial.slot_kind = SlotKind::CommercialBatch;
    commercial.donor_sources = vec![DonorSource::Allogeneic];
    commercial.modalities = vec![Modality::Nk];
    commercial.period_start = day(2027, 6, 1);
    commercial.period_end = day(2027, 6, 30);
    let commercial = helix
        .admin
        .create_capacity_block(&profile.id, &commercial)
        .await
        .unwrap();

    let ids = |page: Page<CapacityBlock>| {
        page.items
            .into_iter()
            .map(|b| b.id)
            .collect::<BTreeSet<_>>()
    };
    let both: BTreeSet<String> = [clinical.id.clone(), commercial.id.clone()].into();
    let only = |b: &CapacityBlock| BTreeSet::from([b.id.clone()]);
    let search = |s: CapacitySearch| {
        let client = sponsor.admin.clone();
        async move { ids(client.search_capacity(&s).await.unwrap()) }
    };
    assert_eq!(search(CapacitySearch::default()).await, both);
    assert_eq!(
        search(CapacitySearch {
            window_start: Some(day(2027, 5, 1)),
            window_end: Some(day(2027, 12, 31)),
            ..Default::default()
        })
        .await,
        only(&commercial)
    );
    assert_eq!(
        search(CapacitySearch {
            window_start: Some(day(2027, 3, 31)),
            window_end: Some(day(2027, 3, 31)),
            ..Default::default()
        })
        .await,
        only(&clinical)
    );
    assert_eq!(
        search(CapacitySearch {
            slot_kind: Some(SlotKind::CommercialBatch),
            ..Default::default()
        })
        .await,
        only(&commercial)
    );
    assert_eq!(
        search(CapacitySearch {
            donor_source: Some(DonorSource::Autologous),
            ..Default::default()
        })
        .await,
        only(&clinical)
    );
    assert_eq!(
        search(CapacitySearch {
            modality: Some(Modality::Nk),
            ..Default::default()
        })
        .await,
        only(&commercial)
    );
    assert_eq!(
        search(CapacitySearch {
            min_free_slots: Some(3),
            ..Default::default()
        })
        .await,
        only(&clinical)
    );
    assert!(
        search(CapacitySearch {
            country: Some("US".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        search(CapacitySearch {
            country: Some("fr".into()),
            profile_id: Some(profile.id.clone()),
            ..Default::default()
        })
        .await,
        both
    );

    // Validation names the field; only the owner publishes or changes.
    let mut bad = block(0);
    bad.site_key = "nowhere".into();
    let err = helix
        .admin
        .create_capacity_block(&profile.id, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let fields: Vec<&str> = err
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["site_key", "slots"]);
    assert_eq!(
        status(
            rival
                .admin
                .create_capacity_block(&profile.id, &block(1))
                .await
        ),
        403
    );
    assert_eq!(
        status(
            sponsor
                .admin
                .change_capacity_block(
                    &clinical.id,
                    &CapacityBlockChange {
                        slots: Some(9),
                        ..Default::default()
                    }
                )
                .await
        ),
        403
    );
    assert_eq!(
        status(rival.admin.delete_capacity_block(&clinical.id).await),
        403
    );

    let changed = helix
        .admin
        .change_capacity_block(
            &clinical.id,
            &CapacityBlockChange {
                slots: Some(6),
                lead_time_days: Some(14),
                price_band: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            changed.block.slots,
            changed.free,
            changed.block.lead_time_days
        ),
        (6, 6, 14)
    );
    helix
        .admin
        .delete_capacity_block(&commercial.id)
        .await
        .unwrap();
    assert_eq!(
        status(sponsor.admin.get_capacity_block(&commercial.id).await),
        404
    );
}

#[tokio::test]
async fn a_hold_is_confirmed_or_declined_by_the_cdmo_and_cancelled_by_the_sponsor() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Nosy").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();

    let r = sponsor
        .admin
        .create_reservation(&hold(&b.id, 2), &key())
        .await
        .unwrap();
    assert_eq!(r.state, ReservationState::Held);
    assert_eq!(r.cdmo_organization_id, helix.organization.id);
    let now_block = sponsor.admin.get_capacity_block(&b.id).await.unwrap();
    assert_eq!((now_block.free, now_block.held), (1, 2));

    assert_eq!(
        status(sponsor.admin.confirm_reservation(&r.id).await),
        403,
        "a sponsor cannot confirm its own hold"
    );
    assert_eq!(status(helix.admin.cancel_reservation(&r.id).await), 403);
    assert_eq!(status(stranger.admin.get_reservation(&r.id).await), 404);
    assert_eq!(status(stranger.admin.cancel_reservation(&r.id).await), 404);

    let confirmed = helix.admin.confirm_reservation(&r.id).await.unwrap();
    assert_eq!(confirmed.state, ReservationState::Confirmed);
    let now_block = helix.admin.get_capacity_block(&b.id).await.unwrap();
    assert_eq!(
        (now_block.free, now_block.held, now_block.confirmed),
        (1, 0, 2)
    );
    // Shrinking below what is taken is refused with the numbers.
    let err = helix
        .admin
        .change_capacity_block(
            &b.id,
            &CapacityBlockChange {
                slots: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("0 are held and 2 confirmed")
    );
    assert_eq!(status(helix.admin.delete_capacity_block(&b.id).await), 409);

    let cancelled = sponsor.admin.cancel_reservation(&r.id).await.unwrap();
    assert_eq!(cancelled.state, ReservationState::Cancelled);
    assert_eq!(
        sponsor.admin.get_capacity_block(&b.id).await.unwrap().free,
        3
    );
    let err = helix.admin.confirm_reservation(&r.id).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("cancelled"),
        "409 names the current state"
    );

    let declined = sponsor
        .admin
        .create_reservation(&hold(&b.id, 1), &key())
        .await
        .unwrap();
    assert_eq!(
        helix
            .admin
            .decline_reservation(&declined.id)
            .await
            .unwrap()
            .state,
        ReservationState::Declined
    );

    let events = sponsor
        .admin
        .list_reservation_events(&r.id)
        .await
        .unwrap()
        .items;
    let trail: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.event.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("held", sponsor.admin_user.id.as_str()),
            ("confirmed", helix.admin_user.id.as_str()),
            ("cancelled", sponsor.admin_user.id.as_str())
        ]
    );

    let mine = sponsor
        .admin
        .list_reservations(&ReservationFilter::default())
        .await
        .unwrap()
        .items;
    assert_eq!(mine.len(), 2);
    let theirs = helix
        .admin
        .list_reservations(&ReservationFilter {
            state: Some(ReservationState::Declined),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(
        theirs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [declined.id.as_str()]
    );
    assert!(
        stranger
            .admin
            .list_reservations(&ReservationFilter::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn racing_clients_on_two_servers_get_exactly_the_free_slots() {
    let app = TestApp::spawn_with(|s| {
        s.max_held_slots_per_block = 1000;
        s.max_held_slots_total = 1000;
    })
    .await;
    let replica = app.second_server().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    let mut clients = Vec::new();
    for i in 0..8 {
        let sponsor = app
            .sign_up(OrganizationKind::Sponsor, &format!("Sponsor {i}"))
            .await;
        let token = sponsor.token().await;
        clients.push(sponsor.admin.clone());
        clients.push(replica.client.with_token(token));
    }
    let mut racers = Vec::new();
    for i in 0..64 {
        let client = clients[i % clients.len()].clone();
        let block_id = b.id.clone();
        racers.push(tokio::spawn(async move {
            client.create_reservation(&hold(&block_id, 1), &key()).await
        }));
    }
    let (mut won, mut refused) = (0, 0);
    for racer in racers {
        match racer.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.state, ReservationState::Held);
                won += 1;
            }
            Err(err) => {
                assert_eq!(err.status(), Some(409), "{err}");
                assert!(
                    err.problem()
                        .unwrap()
                        .detail
                        .as_deref()
                        .unwrap()
                        .contains("free")
                );
                refused += 1;
            }
        }
    }
    assert_eq!((won, refused), (5, 59));
    assert_eq!(
        booked_in_sql(&app, &b.id),
        (5, 5),
        "held + confirmed in SQL equals the published slots"
    );
    assert_eq!(helix.admin.get_capacity_block(&b.id).await.unwrap().free, 0);
    replica.handle.stop(true).await;
}

/// The moment a hold and a withdrawal meet, made to happen: the hold has written its
/// reservation row (the foreign key share-locks the block) and not yet taken its slots
/// (the increment comes last). The withdrawal waits for the hold and then refuses; had it
/// taken the block's update lock first, PostgreSQL would find the two deadlocked after a
/// second and abort one of them.
#[tokio::test]
async fn a_withdrawal_arriving_between_a_holds_row_and_its_increment_waits_then_refuses() {
    use cdmx::db::reservations::NewHold;
    use cdmx::db::schema::{capacity_blocks, reservations};
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Sponsor").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    let row = NewHold {
        block_id: b.id.clone(),
        sponsor_organization_id: sponsor.id().to_owned(),
        program_id: None,
        slots: 1,
        note: None,
        shared_summary: None,
        actor: "test".into(),
    }
    .reservation(
        key(),
        helix.id(),
        chrono::Duration::hours(1),
        chrono::Utc::now().naive_utc(),
    );
    let (row_written, wait_for_row) = std::sync::mpsc::channel();
    let db = app.db.clone();
    let hold = std::thread::spawn(move || {
        let mut conn = db.blocking_connection().unwrap();
        cdmx::db::write_transaction(&mut conn, |c| {
            diesel::insert_into(reservations::table)
                .values(&row)
                .execute(c)?;
            row_written.send(()).unwrap();
            // Long enough for the withdrawal to reach the block.
            std::thread::sleep(std::time::Duration::from_millis(500));
            diesel::update(capacity_blocks::table.find(&row.capacity_id))
                .set(capacity_blocks::slots_held.eq(capacity_blocks::slots_held + row.slots))
                .execute(c)?;
            Ok(())
        })
    });
    tokio::task::spawn_blocking(move || wait_for_row.recv().unwrap())
        .await
        .unwrap();
    let withdrawn = helix.admin.delete_capacity_block(&b.id).await;
    hold.join().unwrap().expect("the hold commits");
    let err = withdrawn.expect_err("a block with a hold is not withdrawn");
    assert_eq!(err.status(), Some(409), "{err}");
    assert_eq!(booked_in_sql(&app, &b.id), (1, 5));
}

/// Holds and a withdrawal racing for one block, as clients make them: each hold gets its
/// slot or finds no block (422, also when the block goes between the hold finding it and
/// writing its row); the withdrawal goes before every hold or is refused (409). Never a
/// 500, never a withdrawn block with holds. (The exact moment of the lock-order question
/// is made to happen by the test above.)
#[tokio::test]
async fn a_withdrawal_racing_holds_either_goes_first_or_is_refused() {
    let app = TestApp::spawn_with(|s| {
        s.max_held_slots_per_block = 1000;
        s.max_held_slots_total = 1000;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let mut sponsors = Vec::new();
    for i in 0..4 {
        sponsors.push(
            app.sign_up(OrganizationKind::Sponsor, &format!("Sponsor {i}"))
                .await
                .admin,
        );
    }
    for round in 0..6 {
        let b = helix
            .admin
            .create_capacity_block(&profile.id, &block(50))
            .await
            .unwrap();
        let mut holds = Vec::new();
        for (i, sponsor) in sponsors.iter().enumerate() {
            let (sponsor, block_id) = (sponsor.clone(), b.id.clone());
            holds.push(tokio::spawn(async move {
                // Staggered, so that the withdrawal lands among the holds.
                tokio::time::sleep(std::time::Duration::from_millis((i * round) as u64)).await;
                sponsor
                    .create_reservation(&hold(&block_id, 1), &key())
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(2 * round as u64)).await;
        let withdrawn = helix.admin.delete_capacity_block(&b.id).await;
        let mut held = 0;
        for h in holds {
            match h.await.unwrap() {
                Ok(_) => held += 1,
                // The block was gone before the hold found it.
                Err(err) => assert_eq!(err.status(), Some(422), "{err}"),
            }
        }
        match withdrawn {
            Ok(()) => assert_eq!(held, 0, "a withdrawn block had holds"),
            Err(err) => {
                assert_eq!(err.status(), Some(409), "{err}");
                assert!(held > 0);
                assert_eq!(booked_in_sql(&app, &b.id).0, held);
            }
        }
    }
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_mismatches_and_never_hold_twice() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(10))
        .await
        .unwrap();

    let k = key();
    let first = sponsor
        .admin
        .create_reservation(&hold(&b.id, 2), &k)
        .await
        .unwrap();
    let again = sponsor
        .admin
        .create_reservation(&hold(&b.id, 2), &k)
        .await
        .unwrap();
    assert_eq!(
        again, first,
        "same key, same body: the first answer replayed"
    );
    let err = sponsor
        .admin
        .create_reservation(&hold(&b.id, 3), &k)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.problem().unwrap().errors[0].field, "Idempotency-Key");
    // Keys are per organisation: another sponsor's same key is a new request.
    let theirs = other
        .admin
        .create_reservation(&hold(&b.id, 2), &k)
        .await
        .unwrap();
    assert_ne!(theirs.id, first.id);

    // Concurrent duplicates: one reservation, the rest replays or 409s.
    let k = key();
    let mut dupes = Vec::new();
    for _ in 0..10 {
        let (client, block_id, k) = (sponsor.admin.clone(), b.id.clone(), k.clone());
        dupes.push(tokio::spawn(async move {
            client.create_reservation(&hold(&block_id, 1), &k).await
        }));
    }
    let mut ids = BTreeSet::new();
    for d in dupes {
        match d.await.unwrap() {
            Ok(r) => {
                ids.insert(r.id);
            }
            Err(err) => assert_eq!(err.status(), Some(409), "{err}"),
        }
    }
    assert_eq!(ids.len(), 1, "exactly one reservation for one key");
    assert_eq!(booked_in_sql(&app, &b.id).0, 2 + 2 + 1);

    // A refusal is not recorded: once the CDMO publishes more slots, the same key holds.
    let k = key();
    assert_eq!(
        status(sponsor.admin.create_reservation(&hold(&b.id, 6), &k).await),
        409
    );
    helix
        .admin
        .change_capacity_block(
            &b.id,
            &CapacityBlockChange {
                slots: Some(20),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let later = sponsor
        .admin
        .create_reservation(&hold(&b.id, 6), &k)
        .await
        .unwrap();
    assert_eq!(later.slots, 6);

    // The key is required.
    let token = sponsor.token().await;
    let response = reqwest::Client::new()
        .post(app.url("/v1/reservations"))
        .bearer_auth(token)
        .json(&hold(&b.id, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.errors[0].field, "Idempotency-Key");
}

#[tokio::test]
async fn a_lapsed_hold_stops_counting_at_once_without_waiting_for_the_sweep() {
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_seconds = 1;
        s.sweep_interval_seconds = 3600;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let first = app.sign_up(OrganizationKind::Sponsor, "First").await;
    let second = app.sign_up(OrganizationKind::Sponsor, "Second").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let r = first
        .admin
        .create_reservation(&hold(&b.id, 2), &key())
        .await
        .unwrap();
    assert_eq!(
        status(
            second
                .admin
                .create_reservation(&hold(&b.id, 1), &key())
                .await
        ),
        409
    );

    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(
        first.admin.get_capacity_block(&b.id).await.unwrap().free,
        2,
        "no sweep ran, yet the slots are free"
    );
    assert_eq!(
        first.admin.get_reservation(&r.id).await.unwrap().state,
        ReservationState::Expired
    );
    let err = helix.admin.confirm_reservation(&r.id).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("expired")
    );
    let taken = second
        .admin
        .create_reservation(&hold(&b.id, 2), &key())
        .await
        .unwrap();
    assert_eq!(taken.state, ReservationState::Held);
    let events = first
        .admin
        .list_reservation_events(&r.id)
        .await
        .unwrap()
        .items;
    assert_eq!(
        events.last().map(|e| (e.event.as_str(), e.actor.as_str())),
        Some(("expired", "system"))
    );
    assert_eq!(booked_in_sql(&app, &b.id), (2, 2));
}

#[tokio::test]
async fn the_sweep_records_expiries_on_its_own() {
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
    let mut swept = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let events = sponsor
            .admin
            .list_reservation_events(&r.id)
            .await
            .unwrap()
            .items;
        if events
            .iter()
            .any(|e| e.event == "expired" && e.actor == "system")
        {
            swept = true;
            break;
        }
    }
    assert!(
        swept,
        "the sweep expired the hold without any request touching the block"
    );
    assert_eq!(booked_in_sql(&app, &b.id).0, 0);
}

#[tokio::test]
async fn rescheduling_is_atomic_and_stays_with_the_same_cdmo() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let (rival, rival_profile) = cdmo(&app, "Rival").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let a = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(1))
        .await
        .unwrap();
    let elsewhere = rival
        .admin
        .create_capacity_block(&rival_profile.id, &block(5))
        .await
        .unwrap();
    let r = sponsor
        .admin
        .create_reservation(&hold(&a.id, 2), &key())
        .await
        .unwrap();

    // The target is too small: nothing changes, the first hold is not lost.
    let err = sponsor
        .admin
        .reschedule_reservation(
            &r.id,
            &RescheduleRequest {
                capacity_id: b.id.clone(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(
        sponsor
            .admin
            .get_reservation(&r.id)
            .await
            .unwrap()
            .capacity_id,
        a.id
    );
    assert_eq!(booked_in_sql(&app, &a.id).0, 2);
    assert_eq!(
        status(
            sponsor
                .admin
                .reschedule_reservation(
                    &r.id,
                    &RescheduleRequest {
                        capacity_id: elsewhere.id.clone()
                    }
                )
                .await
        ),
        409
    );

    helix
        .admin
        .change_capacity_block(
            &b.id,
            &CapacityBlockChange {
                slots: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let moved = helix
        .admin
        .reschedule_reservation(
            &r.id,
            &RescheduleRequest {
                capacity_id: b.id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.capacity_id.as_str(), moved.state),
        (b.id.as_str(), ReservationState::Held)
    );
    assert_eq!(
        sponsor.admin.get_capacity_block(&a.id).await.unwrap().free,
        2
    );
    assert_eq!(
        sponsor.admin.get_capacity_block(&b.id).await.unwrap().free,
        1
    );
    let events = helix
        .admin
        .list_reservation_events(&r.id)
        .await
        .unwrap()
        .items;
    assert_eq!(events.last().unwrap().event, "rescheduled");
    assert!(
        events
            .last()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains(&a.id)
    );
}

#[tokio::test]
async fn sponsors_cannot_hoard_slots() {
    let app = TestApp::spawn_with(|s| {
        s.max_held_slots_per_block = 2;
        s.max_held_slots_total = 3;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut blocks: Vec<CapacityBlock> = Vec::new();
    for _ in 0..3 {
        blocks.push(
            helix
                .admin
                .create_capacity_block(&profile.id, &block(10))
                .await
                .unwrap(),
        );
    }
    sponsor
        .admin
        .create_reservation(&hold(&blocks[0].id, 2), &key())
        .await
        .unwrap();
    let err = sponsor
        .admin
        .create_reservation(&hold(&blocks[0].id, 1), &key())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("per block")
    );
    sponsor
        .admin
        .create_reservation(&hold(&blocks[1].id, 1), &key())
        .await
        .unwrap();
    let err = sponsor
        .admin
        .create_reservation(&hold(&blocks[2].id, 1), &key())
        .await
        .unwrap_err();
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("in total")
    );
    // Confirmed slots no longer count as held.
    let held = sponsor
        .admin
        .list_reservations(&ReservationFilter::default())
        .await
        .unwrap()
        .items;
    helix.admin.confirm_reservation(&held[0].id).await.unwrap();
    sponsor
        .admin
        .create_reservation(&hold(&blocks[2].id, 1), &key())
        .await
        .unwrap();
}

/// Slots a sponsor holds in SQL, per block, from the reservations themselves.
fn held_by_sponsor_in_sql(app: &TestApp, sponsor: &str) -> std::collections::BTreeMap<String, i64> {
    use cdmx::db::schema::reservations;
    let mut conn = app.db.blocking_connection().unwrap();
    let rows: Vec<(String, i32)> = reservations::table
        .filter(reservations::sponsor_organization_id.eq(sponsor))
        .filter(reservations::state.eq("held"))
        .select((reservations::capacity_id, reservations::slots))
        .load(&mut *conn)
        .unwrap();
    let mut held = std::collections::BTreeMap::new();
    for (block, slots) in rows {
        *held.entry(block).or_insert(0) += i64::from(slots);
    }
    held
}

#[tokio::test]
async fn concurrent_holds_of_one_sponsor_never_pass_its_limits() {
    let app = TestApp::spawn_with(|s| {
        s.max_held_slots_per_block = 3;
        s.max_held_slots_total = 5;
        s.database_pool_size = 8;
        s.workers = 2;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut blocks = Vec::new();
    for _ in 0..3 {
        blocks.push(
            helix
                .admin
                .create_capacity_block(&profile.id, &block(10))
                .await
                .unwrap()
                .id,
        );
    }
    let mut racers = Vec::new();
    for i in 0..24 {
        // One server: a second would have default limits. Its pool races the holds
        // on as many connections.
        let client = sponsor.admin.clone();
        let block_id = blocks[i % blocks.len()].clone();
        racers.push(tokio::spawn(async move {
            client.create_reservation(&hold(&block_id, 1), &key()).await
        }));
    }
    let mut won = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(_) => won += 1,
            Err(err) => {
                assert_eq!(err.status(), Some(409), "{err}");
                let detail = err.problem().unwrap().detail.clone().unwrap();
                assert!(detail.contains("hold limit"), "{detail}");
            }
        }
    }
    let held = held_by_sponsor_in_sql(&app, sponsor.id());
    assert!(
        held.values().all(|&slots| slots <= 3),
        "per block: {held:?}"
    );
    assert_eq!(held.values().sum::<i64>(), 5, "in total: {held:?}");
    assert_eq!(won, 5);
}

#[tokio::test]
async fn duplicates_racing_the_first_hold_replay_its_answer_exactly() {
    let app = TestApp::spawn_with(|s| {
        s.database_pool_size = 8;
        s.workers = 2;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let b = helix
        .admin
        .create_capacity_block(&profile.id, &block(10))
        .await
        .unwrap();
    let token = sponsor.token().await;
    let k = key();
    let mut duplicates = Vec::new();
    for _ in 0..12 {
        let (url, token, k, body) = (
            app.url("/v1/reservations"),
            token.clone(),
            k.clone(),
            hold(&b.id, 1),
        );
        duplicates.push(tokio::spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", k)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let replayed = response.headers().contains_key("idempotent-replayed");
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, replayed, location, response.bytes().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for duplicate in duplicates {
        answers.push(duplicate.await.unwrap());
    }
    // The key is claimed and answered in the hold's own transaction, so a duplicate
    // never finds it claimed but unanswered: it waits and replays.
    assert!(
        answers.iter().all(|(status, ..)| *status == 201),
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|(_, replayed, ..)| !replayed).count(),
        1,
        "one first answer, the rest replays"
    );
    let (_, _, location, body) = &answers[0];
    assert!(
        answers
            .iter()
            .all(|(_, _, l, b)| l == location && b == body),
        "replays repeat the first answer byte for byte"
    );
    assert_eq!(booked_in_sql(&app, &b.id).0, 1, "one hold for one key");
}

#[tokio::test]
async fn lapsed_holds_count_against_neither_free_slots_nor_limits() {
    let app = TestApp::spawn_with(|s| {
        s.hold_ttl_seconds = 1;
        s.sweep_interval_seconds = 3600;
        s.max_held_slots_per_block = 2;
        s.max_held_slots_total = 3;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let first = app.sign_up(OrganizationKind::Sponsor, "First").await;
    let second = app.sign_up(OrganizationKind::Sponsor, "Second").await;
    let small = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    let other = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    let lapsing = first
        .admin
        .create_reservation(&hold(&small.id, 2), &key())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    // Nothing has touched the small block since: the lapsed hold is still stored as
    // held, and counts towards neither of the sponsor's limits.
    assert_eq!(
        held_by_sponsor_in_sql(&app, first.id()).get(&small.id),
        Some(&2)
    );
    first
        .admin
        .create_reservation(&hold(&other.id, 2), &key())
        .await
        .unwrap();
    // The lapsed hold fills the small block's counter; a hold that needs its slots
    // releases it.
    let taken = second
        .admin
        .create_reservation(&hold(&small.id, 2), &key())
        .await
        .unwrap();
    assert_eq!(taken.state, ReservationState::Held);
    assert_eq!(booked_in_sql(&app, &small.id), (2, 2));
    let events = first
        .admin
        .list_reservation_events(&lapsing.id)
        .await
        .unwrap()
        .items;
    assert_eq!(
        events.last().map(|e| (e.event.as_str(), e.actor.as_str())),
        Some(("expired", "system"))
    );
}

#[tokio::test]
async fn a_sponsor_at_its_total_limit_may_still_reschedule_a_hold() {
    let app = TestApp::spawn_with(|s| {
        s.max_held_slots_per_block = 2;
        s.max_held_slots_total = 2;
    })
    .await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let from = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    let to = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    let r = sponsor
        .admin
        .create_reservation(&hold(&from.id, 2), &key())
        .await
        .unwrap();
    // A move leaves the total as it is: only the target block's limit applies.
    let moved = sponsor
        .admin
        .reschedule_reservation(
            &r.id,
            &RescheduleRequest {
                capacity_id: to.id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.capacity_id, to.id);
    let err = sponsor
        .admin
        .create_reservation(&hold(&from.id, 1), &key())
        .await
        .unwrap_err();
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("in total")
    );
}

#[tokio::test]
async fn matching_sees_live_capacity() {
    let app = TestApp::spawn().await;
    let (helix, helix_profile) = cdmo(&app, "Helix").await;
    let (_busy, _) = cdmo(&app, "Busy").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    let b = helix
        .admin
        .create_capacity_block(&helix_profile.id, &block(3))
        .await
        .unwrap();
    let request = MatchRequest {
        split_allocation: None,
        rank_acceptability: None,
        requirements: RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints {
                donor_source: Some(DonorSource::Autologous),
                modalities: vec![Modality::CarT],
                ..Default::default()
            },
            criteria: vec![WeightedCriterion {
                weight_range: None,
                criterion: Criterion::CapacityFit,
                weight: 1.0,
                scale: None,
                missing: None,
                origin: None,
                authorities: vec![],
                platforms: Vec::new(),
            }],
            missing_data_penalty_percent: None,
            capacity: Some(CapacityNeed {
                slot_kind: SlotKind::ClinicalGmpBatch,
                slots: 2,
                window_start: day(2027, 2, 1),
                window_end: day(2027, 5, 31),
                required: true,
            }),
            near_miss_tolerances: Vec::new(),
        },
        target_phase: None,
        limit: None,
        excluded_cursor: None,
    };
    let result = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(
        result
            .candidates
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Helix"]
    );
    assert_eq!(result.excluded[0].name, "Busy");
    assert_eq!(result.excluded[0].failed[0].constraint, "capacity");

    // Another sponsor holds two of the three slots: Helix no longer has two free.
    other
        .admin
        .create_reservation(&hold(&b.id, 2), &key())
        .await
        .unwrap();
    let result = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(result.feasible_count, 0);
    let helix_exclusion = result.excluded.iter().find(|e| e.name == "Helix").unwrap();
    assert_eq!(helix_exclusion.failed[0].actual, "1 free");
}

/// The policy's verification rule: an unverified CDMO prepares (profile, capacity) and
/// may decline, but confirms a binding booking only once the platform has verified it;
/// any member may confirm, not only admins.
#[tokio::test]
async fn an_unverified_cdmo_prepares_but_confirms_only_once_verified() {
    let app = TestApp::spawn().await;
    let newcomer = app.sign_up(OrganizationKind::Cdmo, "Newcomer").await;
    let profile = newcomer
        .admin
        .create_cdmo_profile(&base_profile("Newcomer"))
        .await
        .expect("an unverified CDMO may write its profile");
    let b = newcomer
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .expect("an unverified CDMO may publish capacity");
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let first = sponsor
        .admin
        .create_reservation(&hold(&b.id, 1), &key())
        .await
        .unwrap();
    let second = sponsor
        .admin
        .create_reservation(&hold(&b.id, 1), &key())
        .await
        .unwrap();

    let refused = newcomer
        .admin
        .confirm_reservation(&first.id)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    let detail = refused.problem().and_then(|p| p.detail.clone()).unwrap();
    assert!(detail.contains("verified"), "{detail}");
    let still = sponsor.admin.get_reservation(&first.id).await.unwrap();
    assert_eq!(still.state, ReservationState::Held, "nothing changed");
    let declined = newcomer
        .admin
        .decline_reservation(&second.id)
        .await
        .expect("declining commits to nothing: allowed before verification");
    assert_eq!(declined.state, ReservationState::Declined);

    app.verify(&newcomer.organization.id).await;
    let email = format!("member-{}@newcomer.example", uuid::Uuid::new_v4().simple());
    newcomer
        .admin
        .create_user(
            &newcomer.organization.id,
            &CreateUserRequest {
                email: email.clone(),
                password: cdmx_e2e::PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    let member = app.client.login(&email, cdmx_e2e::PASSWORD).await.unwrap();
    let confirmed = member
        .confirm_reservation(&first.id)
        .await
        .expect("a member of a verified CDMO confirms");
    assert_eq!(confirmed.state, ReservationState::Confirmed);
}
