//! Unlisting: a CDMO takes its profile off the market and puts it back. Out of search
//! and new matches at once; readable only to its own, platform operators and sponsors
//! with dealings with it; back by itself on its relist day; every change kept.

use cdmx_e2e::{OrgFixture, PASSWORD, TestApp, base_profile};
use cdmx_sdk::types::*;
use chrono::{Days, NaiveDate, Utc};

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

fn fields<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> Vec<String> {
    let error = result.unwrap_err();
    error
        .problem()
        .expect("a problem document")
        .errors
        .iter()
        .map(|e| e.field.clone())
        .collect()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn in_days(days: u64) -> NaiveDate {
    today().checked_add_days(Days::new(days)).unwrap()
}

pub(crate) fn pause(relist_on: Option<NaiveDate>) -> UnlistRequest {
    UnlistRequest {
        reason: UnlistReason::IntakePaused,
        note: Some("Suites booked until the second cleanroom is qualified".into()),
        relist_on,
    }
}

/// Requirements every base profile meets, ranked on success rate.
fn requirements() -> RequirementSet {
    serde_json::from_value(serde_json::json!({
        "constraints": {"donor_source": "autologous", "modalities": ["car_t"]},
        "criteria": [{"criterion": "success_rate", "weight": 1.0}]
    }))
    .unwrap()
}

fn program() -> ProgramRequest {
    serde_json::from_value(serde_json::json!({
        "name": "CAR-T Phase I",
        "product": {"modality": "car_t", "donor_source": "autologous",
                    "gene_modification": "lentiviral"},
        "target_phase": "phase_1",
        "requirements": requirements()
    }))
    .unwrap()
}

async fn cdmo(app: &TestApp, name: &str) -> (OrgFixture, CdmoProfile) {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    let profile = org
        .admin
        .create_cdmo_profile(&base_profile(name))
        .await
        .unwrap();
    (org, profile)
}

async fn searched(client: &cdmx_sdk::Client) -> Vec<String> {
    client
        .search_cdmos(&CdmoSearch::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect()
}

/// Profile ids a fresh ad-hoc match ranks or excludes.
async fn matched(client: &cdmx_sdk::Client) -> Vec<String> {
    let result = client
        .create_match(&MatchRequest::new(requirements()))
        .await
        .unwrap();
    let mut ids: Vec<String> = result
        .candidates
        .iter()
        .map(|c| c.profile_id.clone())
        .collect();
    ids.extend(result.excluded.iter().map(|e| e.profile_id.clone()));
    ids
}

#[tokio::test]
async fn an_unlisted_profile_leaves_search_and_new_matches_but_not_those_who_shortlisted_it() {
    let app = TestApp::spawn().await;
    let (helix, unlisted) = cdmo(&app, "Helix").await;
    let (_, other) = cdmo(&app, "Orbit").await;
    let holder = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Nosy").await;
    let operator = app.platform_admin().await;

    // The holder saves a shortlist that ranks Helix while it is listed.
    let programme = holder.admin.create_program(&program()).await.unwrap();
    let before = holder
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: programme.id.clone(),
            name: Some("Before".into()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        before
            .result
            .candidates
            .iter()
            .any(|c| c.profile_id == unlisted.id)
    );
    assert_eq!(unlisted.listing, ProfileListing::listed());

    let relist_on = in_days(30);
    let listing = helix
        .admin
        .unlist_cdmo_profile(&unlisted.id, &pause(Some(relist_on)))
        .await
        .unwrap();
    assert_eq!(listing.status, ListingStatus::Unlisted);
    assert_eq!(listing.reason, Some(UnlistReason::IntakePaused));
    assert_eq!(listing.relist_on, Some(relist_on));
    assert!(listing.since.is_some());

    // Out of search, ad-hoc matches, programme matches and new shortlists, at once.
    assert_eq!(searched(&stranger.admin).await, [other.id.as_str()]);
    assert_eq!(matched(&stranger.admin).await, [other.id.as_str()]);
    let programme_match = holder
        .admin
        .match_program(&programme.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert!(
        programme_match
            .candidates
            .iter()
            .all(|c| c.profile_id != unlisted.id)
    );
    assert!(
        programme_match
            .excluded
            .iter()
            .all(|e| e.profile_id != unlisted.id)
    );
    let after = holder
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: programme.id.clone(),
            name: Some("After".into()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        after
            .result
            .candidates
            .iter()
            .all(|c| c.profile_id != unlisted.id)
    );
    // The saved shortlist keeps its ranking.
    assert_eq!(
        holder.admin.get_shortlist(&before.id).await.unwrap().result,
        before.result
    );

    // Readable to its own, the platform and the shortlist holder, with the listing state;
    // a stranger gets 404 as for a missing profile, on the profile and what hangs off it.
    for (who, client) in [
        ("owner", &helix.admin),
        ("operator", &operator),
        ("shortlist holder", &holder.admin),
    ] {
        let read = client.get_cdmo_profile(&unlisted.id).await.unwrap();
        assert_eq!(read.listing, listing, "{who}");
        client
            .list_cdmo_revisions(&unlisted.id, &PageParams::default())
            .await
            .unwrap();
    }
    let missing = stranger.admin.get_cdmo_profile(&unlisted.id).await;
    assert_eq!(
        missing.unwrap_err().problem().unwrap().title,
        stranger
            .admin
            .get_cdmo_profile("01943a6e-2c00-7000-8000-00000000ffff")
            .await
            .unwrap_err()
            .problem()
            .unwrap()
            .title
    );
    assert_eq!(
        status(
            stranger
                .admin
                .list_cdmo_revisions(&unlisted.id, &PageParams::default())
                .await
        ),
        404
    );
    assert_eq!(
        status(stranger.admin.get_cdmo_revision(&unlisted.id, 1).await),
        404
    );
    assert_eq!(
        status(stranger.admin.list_cdmo_evidence(&unlisted.id).await),
        404
    );
    // The owner still edits it while it is off the market.
    let edited = helix
        .admin
        .patch_cdmo_profile(
            &unlisted.id,
            1,
            &serde_json::json!({"modalities": ["car_t", "nk"]}),
        )
        .await
        .unwrap();
    assert_eq!(edited.listing, listing);
    assert_eq!(searched(&stranger.admin).await, [other.id.as_str()]);

    // Relisted: back everywhere.
    let relisted = helix.admin.relist_cdmo_profile(&unlisted.id).await.unwrap();
    assert_eq!(relisted, ProfileListing::listed());
    let mut expected = vec![unlisted.id.clone(), other.id.clone()];
    expected.sort();
    let mut found = searched(&stranger.admin).await;
    found.sort();
    assert_eq!(found, expected);
    let mut found = matched(&stranger.admin).await;
    found.sort();
    assert_eq!(found, expected);
    assert_eq!(
        stranger
            .admin
            .get_cdmo_profile(&unlisted.id)
            .await
            .unwrap()
            .listing,
        ProfileListing::listed()
    );

    // History: who, when, why; paged like other lists.
    let first = helix
        .admin
        .list_cdmo_listing_history(
            &unlisted.id,
            &PageParams {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    let event = &first.items[0];
    assert_eq!(event.event, ListingEventKind::Unlisted);
    assert_eq!(event.reason, Some(UnlistReason::IntakePaused));
    assert_eq!(event.relist_on, Some(relist_on));
    assert_eq!(event.actor, helix.admin_user.id);
    let second = helix
        .admin
        .list_cdmo_listing_history(
            &unlisted.id,
            &PageParams {
                limit: Some(1),
                cursor: first.next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        second
            .items
            .iter()
            .map(|e| (e.event, e.actor.as_str()))
            .collect::<Vec<_>>(),
        [(ListingEventKind::Relisted, helix.admin_user.id.as_str())]
    );
    assert!(second.items[0].at >= event.at);
    assert_eq!(
        operator
            .list_cdmo_listing_history(&unlisted.id, &PageParams::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
}

#[tokio::test]
async fn only_the_owning_cdmo_admin_unlists_and_repeating_a_change_records_nothing() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let (rival, _) = cdmo(&app, "Rival").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let member_email = "tech@helix.example";
    helix
        .admin
        .create_user(
            helix.id(),
            &CreateUserRequest {
                email: member_email.into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    let member = app.client.login(member_email, PASSWORD).await.unwrap();

    // The wrong role is 403; another organisation's listing does not exist for it.
    assert_eq!(
        status(member.unlist_cdmo_profile(&profile.id, &pause(None)).await),
        403
    );
    assert_eq!(status(member.relist_cdmo_profile(&profile.id).await), 403);
    for client in [&rival.admin, &sponsor.admin] {
        assert_eq!(
            status(client.unlist_cdmo_profile(&profile.id, &pause(None)).await),
            404
        );
        assert_eq!(status(client.relist_cdmo_profile(&profile.id).await), 404);
        assert_eq!(
            status(
                client
                    .list_cdmo_listing_history(&profile.id, &PageParams::default())
                    .await
            ),
            404
        );
    }
    assert_eq!(
        status(
            helix
                .admin
                .unlist_cdmo_profile("01943a6e-2c00-7000-8000-00000000ffff", &pause(None))
                .await
        ),
        404
    );
    assert_eq!(searched(&sponsor.admin).await.len(), 2, "nothing unlisted");

    // Bad terms name the field.
    assert_eq!(
        fields(
            helix
                .admin
                .unlist_cdmo_profile(&profile.id, &pause(Some(today())))
                .await
        ),
        ["relist_on"]
    );
    let other_without_note = UnlistRequest {
        reason: UnlistReason::Other,
        note: None,
        relist_on: None,
    };
    assert_eq!(
        fields(
            helix
                .admin
                .unlist_cdmo_profile(&profile.id, &other_without_note)
                .await
        ),
        ["note"]
    );
    let raw = reqwest::Client::new()
        .post(app.url(&format!("/v1/cdmos/{}/unlist", profile.id)))
        .bearer_auth(helix.token().await)
        .json(&serde_json::json!({"reason": "bankrupt"}))
        .send()
        .await
        .unwrap();
    let problem = cdmx_e2e::expect_problem(raw, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem.errors[0].field, "reason");

    // Unlisting twice on the same terms is one unlisting; new terms keep `since`.
    let first = helix
        .admin
        .unlist_cdmo_profile(&profile.id, &pause(None))
        .await
        .unwrap();
    let again = helix
        .admin
        .unlist_cdmo_profile(&profile.id, &pause(None))
        .await
        .unwrap();
    assert_eq!(again, first);
    let dated = helix
        .admin
        .unlist_cdmo_profile(&profile.id, &pause(Some(in_days(7))))
        .await
        .unwrap();
    assert_eq!(dated.since, first.since);
    assert_eq!(dated.relist_on, Some(in_days(7)));
    // Members read the history; relisting twice is one relisting.
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    let history = member
        .list_cdmo_listing_history(&profile.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(
        history
            .items
            .iter()
            .map(|e| (e.event, e.relist_on))
            .collect::<Vec<_>>(),
        [
            (ListingEventKind::Unlisted, None),
            (ListingEventKind::Unlisted, Some(in_days(7))),
            (ListingEventKind::Relisted, None),
        ]
    );
}

#[tokio::test]
async fn reservations_keep_working_and_keep_the_profile_readable_to_their_sponsor() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    app.verify(helix.id()).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Nosy").await;
    let block = helix
        .admin
        .create_capacity_block(
            &profile.id,
            &serde_json::from_value(serde_json::json!({
                "site_key": "main", "suite": "Suite 2", "slot_kind": "clinical_gmp_batch",
                "donor_sources": ["autologous"], "modalities": ["car_t"],
                "period_start": "2027-01-01", "period_end": "2027-03-31",
                "slots": 3, "lead_time_days": 30
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let held = sponsor
        .admin
        .create_reservation(
            &NewReservation {
                capacity_id: block.id.clone(),
                slots: 1,
                program_id: None,
                note: None,
                shared_summary: None,
            },
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .unwrap();

    helix
        .admin
        .unlist_cdmo_profile(
            &profile.id,
            &UnlistRequest {
                reason: UnlistReason::SiteClosed,
                note: None,
                relist_on: None,
            },
        )
        .await
        .unwrap();
    let read = sponsor.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(read.listing.status, ListingStatus::Unlisted);
    assert_eq!(read.listing.reason, Some(UnlistReason::SiteClosed));
    assert_eq!(
        status(stranger.admin.get_cdmo_profile(&profile.id).await),
        404
    );
    // No new holds, and its capacity is out of the capacity search (but for its CDMO).
    let again = sponsor
        .admin
        .create_reservation(
            &NewReservation {
                capacity_id: block.id.clone(),
                slots: 1,
                program_id: None,
                note: None,
                shared_summary: None,
            },
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    assert_eq!(status(again), 409);
    let everything = CapacitySearch::default();
    assert!(
        stranger
            .admin
            .search_capacity(&everything)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        helix
            .admin
            .search_capacity(&everything)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let confirmed = helix.admin.confirm_reservation(&held.id).await.unwrap();
    assert_eq!(confirmed.state, ReservationState::Confirmed);
    assert_eq!(
        sponsor.admin.get_reservation(&held.id).await.unwrap().state,
        ReservationState::Confirmed
    );
    // Relisted, it takes holds again.
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(
        stranger
            .admin
            .search_capacity(&everything)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    stranger
        .admin
        .create_reservation(
            &NewReservation {
                capacity_id: block.id.clone(),
                slots: 1,
                program_id: None,
                note: None,
                shared_summary: None,
            },
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_relist_day_that_has_come_lists_the_profile_again_without_a_write() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let (orbit, control) = cdmo(&app, "Orbit").await;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Nosy").await;

    // Helix unlisted itself ten days ago until yesterday: the API takes only future
    // days, so that past is written the way the API writes it.
    let ten_days_ago = today().checked_sub_days(Days::new(10)).unwrap();
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    let terms = cdmx::domain::listing::UnlistTerms {
        reason: UnlistReason::IntakePaused,
        note: None,
        relist_on: Some(yesterday),
    };
    let (id, actor) = (profile.id.clone(), helix.admin_user.id.clone());
    app.db
        .write(move |c| {
            cdmx::db::listing::unlist_profile(c, &id, &terms, &actor, ten_days_ago)?;
            Ok(())
        })
        .await
        .unwrap();
    // Orbit is unlisted until tomorrow.
    orbit
        .admin
        .unlist_cdmo_profile(&control.id, &pause(Some(in_days(1))))
        .await
        .unwrap();

    assert_eq!(searched(&stranger.admin).await, [profile.id.as_str()]);
    assert_eq!(matched(&stranger.admin).await, [profile.id.as_str()]);
    let read = stranger.admin.get_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(read.listing, ProfileListing::listed());
    assert_eq!(
        status(stranger.admin.get_cdmo_profile(&control.id).await),
        404
    );
    // The unlisting stays in the history, with the day it ended.
    let history = helix
        .admin
        .list_cdmo_listing_history(&profile.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(
        history
            .items
            .iter()
            .map(|e| (e.event, e.relist_on))
            .collect::<Vec<_>>(),
        [(ListingEventKind::Unlisted, Some(yesterday))]
    );
    // Relisting what is already back changes nothing and records nothing.
    helix.admin.relist_cdmo_profile(&profile.id).await.unwrap();
    assert_eq!(
        helix
            .admin
            .list_cdmo_listing_history(&profile.id, &PageParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}
