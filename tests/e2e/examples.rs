//! The SDK's runnable examples, run against a live server so they cannot rot: the same
//! files `cargo run -p cdmx-sdk --example ...` builds, driven through their `run`.

#[path = "../../sdk/examples/cdmo_flow.rs"]
mod cdmo_flow;
#[path = "../../sdk/examples/sponsor_flow.rs"]
mod sponsor_flow;

use std::sync::{Arc, Mutex};

use cdmx_e2e::{PASSWORD, TestApp, base_profile};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;

#[tokio::test]
async fn example_cdmo_flow_runs_against_a_live_server() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Example Cells").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Example Tx").await;
    let operator = app.platform_admin().await;

    let outcome = cdmo_flow::run(
        &cdmo.admin,
        &sponsor.admin,
        Some(&operator),
        "Example Cells",
    )
    .await
    .unwrap();

    assert_eq!(outcome.revision, 2, "one If-Match replacement");
    let profile = sponsor
        .admin
        .get_cdmo_profile(&outcome.profile_id)
        .await
        .unwrap();
    assert!(profile.organization_verified);
    assert_eq!(profile.profile.performance.success_rate_percent, Some(97.5));
    let evidence = sponsor
        .admin
        .list_cdmo_evidence(&outcome.profile_id)
        .await
        .unwrap();
    assert_eq!(evidence.items[0].id, outcome.evidence_id);
    assert_eq!(evidence.items[0].status, EvidenceStatus::Verified);
    assert_eq!(outcome.confirmed.len(), 1);
    assert_eq!(outcome.confirmed[0].state, ReservationState::Confirmed);
    let block = sponsor
        .admin
        .get_capacity_block(&outcome.block_id)
        .await
        .unwrap();
    assert_eq!((block.free, block.confirmed), (1, 1));
}

#[tokio::test]
async fn example_cdmo_flow_rereads_and_reapplies_on_412() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Racing Cells").await;
    let created = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Racing Cells"))
        .await
        .unwrap();
    // A colleague's edit lands between our read and our write, once.
    let raced = std::sync::atomic::AtomicBool::new(false);
    let (base_url, email) = (app.base_url.clone(), cdmo.admin_user.email.clone());
    let id = created.id.clone();
    let revision = cdmo_flow::edit_profile(&cdmo.admin, &created.id, |p| {
        if !raced.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let (base_url, email, id) = (base_url.clone(), email.clone(), id.clone());
            let mut theirs = p.clone();
            theirs.qc.release_turnaround_days = Some(5);
            // Another process, with its own runtime and connections.
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    let colleague = Client::builder(&base_url)
                        .build()
                        .unwrap()
                        .login(&email, PASSWORD)
                        .await
                        .unwrap();
                    colleague
                        .replace_cdmo_profile(&id, 1, &theirs)
                        .await
                        .unwrap();
                })
            })
            .join()
            .unwrap();
        }
        p.performance.success_rate_percent = Some(99.0);
    })
    .await
    .unwrap();
    assert_eq!(revision, 3, "ours lands on top of theirs");
    let now = cdmo.admin.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(now.profile.qc.release_turnaround_days, Some(5));
    assert_eq!(now.profile.performance.success_rate_percent, Some(99.0));
}

#[tokio::test]
async fn example_sponsor_flow_runs_against_a_live_server() {
    let app = TestApp::spawn().await;
    for (name, cryo) in [
        ("Cold Cells", -190),
        ("Colder Cells", -196),
        ("Warm Cells", -80),
    ] {
        let org = app.sign_up(OrganizationKind::Cdmo, name).await;
        let mut profile = base_profile(name);
        profile.cryo.min_storage_temp_c = Some(cryo);
        org.admin.create_cdmo_profile(&profile).await.unwrap();
    }
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Example Tx").await;
    // Signed in through an observing client, to see the report downloads go by.
    let downloads = Arc::new(Mutex::new(Vec::new()));
    let sink = downloads.clone();
    let observed = Client::builder(&app.base_url)
        .retries(0, std::time::Duration::ZERO)
        .observe(Arc::new(move |e: &cdmx_sdk::Exchange<'_>| {
            if e.path.ends_with("/report") {
                sink.lock().unwrap().push((e.status, e.response_body.len()));
            }
        }))
        .build()
        .unwrap()
        .login(&sponsor.admin_user.email, PASSWORD)
        .await
        .unwrap();

    let outcome = sponsor_flow::run(&observed).await.unwrap();

    let mut searched = outcome.searched.clone();
    searched.sort();
    assert_eq!(searched, ["Cold Cells", "Colder Cells", "Warm Cells"]);
    assert_eq!(outcome.feasible, 2, "Warm Cells fails the cryo constraint");
    assert_eq!(outcome.ranking.len(), 2);
    let shortlist = observed.get_shortlist(&outcome.shortlist_id).await.unwrap();
    assert_eq!(shortlist.program_id, outcome.program_id);
    assert!(outcome.csv.content_type.starts_with("text/csv"));
    let csv = String::from_utf8(outcome.csv.bytes.clone()).unwrap();
    for name in &outcome.ranking {
        assert!(csv.contains(name.as_str()), "{name} in the CSV");
    }
    assert_eq!(outcome.pdf.content_type, "application/pdf");
    assert!(outcome.pdf.bytes.starts_with(b"%PDF"));
    assert_eq!(
        *downloads.lock().unwrap(),
        [
            (200, outcome.csv.bytes.len()),
            (200, outcome.pdf.bytes.len())
        ]
    );
}
