//! Two server processes on one database: whatever one caches must stay correct when
//! the other changes the data.

use cdmx_e2e::{TestApp, base_profile};
use cdmx_sdk::types::{
    CdmoSearch, Confidence, EvidenceKind, NewEvidence, OrganizationKind, ProfileSection,
    UnlistReason, UnlistRequest,
};

/// With `index_freshness_ms` at 0 every request reads the change counter: a change
/// through one server is seen by the very next request on the other. (With a window,
/// within it: see `profile_reads.rs`.)
#[tokio::test]
async fn search_on_one_server_sees_changes_made_through_the_other_at_once() {
    let app = TestApp::spawn_with(|s| s.index_freshness_ms = 0).await;
    let replica = app.second_server_with(|s| s.index_freshness_ms = 0).await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let on_replica = replica.client.with_token(token);

    // The replica builds its index before the profile exists.
    assert!(
        on_replica
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
    let hits = on_replica
        .search_cdmos(&CdmoSearch::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        [created.id.as_str()]
    );
    assert_eq!(hits[0].revision, 1);

    // An edit through the first server is searchable on the replica immediately.
    let nk = CdmoSearch {
        modality: Some("nk".parse().unwrap()),
        ..Default::default()
    };
    assert!(on_replica.search_cdmos(&nk).await.unwrap().items.is_empty());
    cdmo.admin
        .patch_cdmo_profile(
            &created.id,
            1,
            &serde_json::json!({"modalities": ["car_t", "nk"]}),
        )
        .await
        .unwrap();
    let hits = on_replica.search_cdmos(&nk).await.unwrap().items;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].revision, 2);

    // So is a verification by a platform admin.
    let verified_only = CdmoSearch {
        verified_only: Some(true),
        ..Default::default()
    };
    assert!(
        on_replica
            .search_cdmos(&verified_only)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    app.platform_admin()
        .await
        .verify_organization(cdmo.id())
        .await
        .unwrap();
    assert_eq!(
        on_replica
            .search_cdmos(&verified_only)
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // And evidence verified through the first server changes confidence on the replica.
    let evidence = cdmo
        .admin
        .add_cdmo_evidence(
            &created.id,
            &NewEvidence {
                subject: "/qc".into(),
                kind: EvidenceKind::Document,
                reference: "QC-1".into(),
                url: None,
                expires_on: None,
            },
        )
        .await
        .unwrap();
    app.platform_admin()
        .await
        .verify_cdmo_evidence(&created.id, &evidence.id)
        .await
        .unwrap();
    let profile = on_replica.get_cdmo_profile(&created.id).await.unwrap();
    let qc = profile
        .confidence
        .iter()
        .find(|c| c.section == ProfileSection::Qc)
        .unwrap();
    assert_eq!(qc.confidence, Confidence::Verified);

    // An unlisting through the first server takes the profile out of the replica's
    // search at once, and a relisting puts it back.
    cdmo.admin
        .unlist_cdmo_profile(
            &created.id,
            &UnlistRequest {
                reason: UnlistReason::SiteClosed,
                note: None,
                relist_on: None,
            },
        )
        .await
        .unwrap();
    assert!(
        on_replica
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        on_replica
            .get_cdmo_profile(&created.id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    cdmo.admin.relist_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(
        on_replica
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    replica.handle.stop(true).await;
}
