//! Profile reads from memory: a read of an unchanged profile reuses the response built
//! for it, every change is seen at once by the process that made it, and a change
//! through another process within that process's freshness window
//! (`index_freshness_ms`).

use std::time::Duration;

use cdmx::db::schema::cdmo_profiles;
use cdmx_e2e::{TestApp, base_profile};
use cdmx_sdk::Client;
use cdmx_sdk::types::{
    CdmoProfile, CdmoSearch, Confidence, EvidenceKind, NewEvidence, OrganizationKind,
    ProfileListing, ProfileSection, UnlistReason, UnlistRequest,
};
use diesel::prelude::*;
use serde_json::json;

const A_MINUTE_MS: u64 = 60_000;

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

fn qc_confidence(profile: &CdmoProfile) -> Confidence {
    profile
        .confidence
        .iter()
        .find(|c| c.section == ProfileSection::Qc)
        .unwrap()
        .confidence
}

fn closing() -> UnlistRequest {
    UnlistRequest {
        reason: UnlistReason::SiteClosed,
        note: None,
        relist_on: None,
    }
}

fn qc_evidence() -> NewEvidence {
    NewEvidence {
        subject: "/qc".into(),
        kind: EvidenceKind::Document,
        reference: "QC-1".into(),
        url: None,
        expires_on: None,
    }
}

/// Overwrites a profile's stored document without marking the profile changed: no
/// write through the API does this, so only a read that decodes the document again
/// notices.
async fn overwrite_document_unannounced(app: &TestApp, profile_id: &str) {
    let id = profile_id.to_owned();
    app.db
        .write(move |c| {
            diesel::update(cdmo_profiles::table.find(&id))
                .set(cdmo_profiles::document.eq("not a stored document"))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unchanged_profile_is_answered_without_decoding_its_document_again() {
    for cache_bytes in [32 * 1024 * 1024, 0] {
        let app = TestApp::spawn_with(|s| s.profile_cache_bytes = cache_bytes).await;
        let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
        let created = cdmo
            .admin
            .create_cdmo_profile(&base_profile("Helix"))
            .await
            .unwrap();
        let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;
        let first = sponsor.get_cdmo_profile(&created.id).await.unwrap();

        overwrite_document_unannounced(&app, &created.id).await;
        let again = sponsor.get_cdmo_profile(&created.id).await;
        if cache_bytes == 0 {
            // Without the cache the document is decoded again, and found broken.
            assert_eq!(status(again), 500);
            continue;
        }
        assert_eq!(again.unwrap(), first);

        // Once the profile is marked changed, as every write marks it, the response is
        // built again from what is stored.
        let id = created.id.clone();
        app.db
            .write(move |c| cdmx::db::profiles::touch_profile(c, &id))
            .await
            .unwrap();
        assert_eq!(status(sponsor.get_cdmo_profile(&created.id).await), 500);
    }
}

/// The freshness window is a minute here: everything below is seen at once only because
/// the process made the change itself.
#[tokio::test]
async fn every_change_is_seen_at_once_by_the_process_that_made_it() {
    let app = TestApp::spawn_with(|s| s.index_freshness_ms = A_MINUTE_MS).await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;
    assert!(
        sponsor
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let created = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    let hits = sponsor.search_cdmos(&CdmoSearch::default()).await.unwrap();
    assert_eq!(hits.items.len(), 1);
    let read = sponsor.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!((read.revision, read.organization_verified), (1, false));

    cdmo.admin
        .patch_cdmo_profile(&created.id, 1, &json!({"modalities": ["car_t", "nk"]}))
        .await
        .unwrap();
    let read = sponsor.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(read.revision, 2);
    assert_eq!(read.profile.modalities.len(), 2);

    let platform = app.platform_admin().await;
    platform.verify_organization(cdmo.id()).await.unwrap();
    assert!(
        sponsor
            .get_cdmo_profile(&created.id)
            .await
            .unwrap()
            .organization_verified
    );

    let evidence = cdmo
        .admin
        .add_cdmo_evidence(&created.id, &qc_evidence())
        .await
        .unwrap();
    platform
        .verify_cdmo_evidence(&created.id, &evidence.id)
        .await
        .unwrap();
    let read = sponsor.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(qc_confidence(&read), Confidence::Verified);
    cdmo.admin
        .delete_cdmo_evidence(&created.id, &evidence.id)
        .await
        .unwrap();
    let read = sponsor.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(qc_confidence(&read), Confidence::SelfDeclared);

    cdmo.admin
        .unlist_cdmo_profile(&created.id, &closing())
        .await
        .unwrap();
    assert_eq!(status(sponsor.get_cdmo_profile(&created.id).await), 404);
    let own = cdmo.admin.get_cdmo_profile(&created.id).await.unwrap();
    assert_ne!(own.listing, ProfileListing::listed());
    cdmo.admin.relist_cdmo_profile(&created.id).await.unwrap();
    let read = sponsor.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(read.listing, ProfileListing::listed());
    assert_eq!(read.revision, 2);
}

/// The revision of `profile_id` that `client`'s server answers with.
async fn revision_seen(client: &Client, profile_id: &str) -> u32 {
    client.get_cdmo_profile(profile_id).await.unwrap().revision
}

#[tokio::test]
async fn another_process_sees_a_change_within_its_freshness_window() {
    let app = TestApp::spawn().await;
    // One replica trusts its index for a minute, longer than this test runs; the other
    // for a fifth of a second. The slow one's watch checker polls every 10 ms, so it
    // sees the checks each change below queues long before another process takes them:
    // background work must not refresh its index inside the window either.
    let slow = app
        .second_server_with(|s| {
            s.index_freshness_ms = A_MINUTE_MS;
            s.watch_check_interval_ms = 10;
        })
        .await;
    let quick = app.second_server_with(|s| s.index_freshness_ms = 200).await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let created = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let on_slow = slow.client.with_token(token.clone());
    let on_quick = quick.client.with_token(token);
    for replica in [&on_slow, &on_quick] {
        assert_eq!(revision_seen(replica, &created.id).await, 1);
    }

    cdmo.admin
        .patch_cdmo_profile(&created.id, 1, &json!({"modalities": ["car_t", "nk"]}))
        .await
        .unwrap();
    let platform = app.platform_admin().await;
    let evidence = cdmo
        .admin
        .add_cdmo_evidence(&created.id, &qc_evidence())
        .await
        .unwrap();
    platform
        .verify_cdmo_evidence(&created.id, &evidence.id)
        .await
        .unwrap();
    // Within its window the slow replica still answers from what it had.
    let stale = on_slow.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(stale.revision, 1);
    assert_eq!(qc_confidence(&stale), Confidence::SelfDeclared);

    // Past the window, the quick one reads the counter again: the new revision, and
    // confidence that changed without one, are served, not its cached responses.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fresh = on_quick.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(fresh.revision, 2);
    assert_eq!(qc_confidence(&fresh), Confidence::Verified);

    // So is an unlisting, to a caller with no dealings with the profile.
    cdmo.admin
        .unlist_cdmo_profile(&created.id, &closing())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(on_quick.get_cdmo_profile(&created.id).await), 404);
    assert!(
        on_quick
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // A write through the slow replica itself makes it read the counter at once, and
    // with it every change made elsewhere.
    let on_slow_cdmo = slow.client.with_token(cdmo.token().await);
    on_slow_cdmo.relist_cdmo_profile(&created.id).await.unwrap();
    let read = on_slow.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(read.revision, 2);
    assert_eq!(qc_confidence(&read), Confidence::Verified);
    assert_eq!(read.listing, ProfileListing::listed());

    slow.handle.stop(true).await;
    quick.handle.stop(true).await;
}
