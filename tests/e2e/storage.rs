//! Stored documents: golden fixtures recorded from the real write path, and unreadable
//! rows that must not take search down.

use cdmx::db::schema::{cdmo_profile_revisions, cdmo_profiles, programs, shortlists};
use cdmx_e2e::TestApp;
use cdmx_sdk::types::*;
use diesel::prelude::*;

/// Stores what the golden fixtures record, through the API as clients do: two demo CDMO
/// profiles (one revised), a programme and a shortlist of the match.
async fn store_documents(app: &TestApp) -> (CdmoProfile, Program, Shortlist) {
    let mut demo = cdmx::domain::demo::demo_cdmos().into_iter();
    let mut first = None;
    for cdmo in demo.by_ref().take(2) {
        let org = app.sign_up(OrganizationKind::Cdmo, &cdmo.organization_name).await;
        let created = org.admin.create_cdmo_profile(&cdmo.profile).await.unwrap();
        if first.is_none() {
            first = Some((org, created));
        }
    }
    let (org, created) = first.unwrap();
    let mut revised = created.profile.clone();
    revised.performance.median_turnaround_days = Some(21);
    revised.soft_factors.communication = Some("Weekly calls; a named project lead.".into());
    let revised = org
        .admin
        .replace_cdmo_profile(&created.id, created.revision, &revised)
        .await
        .unwrap();

    let sponsor = app
        .sign_up(OrganizationKind::Sponsor, "Lumenvia Therapeutics")
        .await;
    let program = sponsor
        .admin
        .create_program(&ProgramRequest {
            name: "Allo CAR-T pivotal".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Autologous,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase2,
            target_markets: vec!["US".into(), "FR".into()],
            timeline: Timeline::default(),
            requirements: cdmx::domain::demo::benchmark_requirements(),
        })
        .await
        .unwrap();
    let shortlist = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            program_id: program.id.clone(),
            name: Some("Board pack Q1".into()),
            limit: None,
        })
        .await
        .unwrap();
    (revised, program, shortlist)
}

/// Records the golden fixtures of `server/tests/fixtures/stored/`: the raw text of each
/// stored document kind, as this release writes it. Run it only when a new storage
/// format is introduced, into a new folder, and add the files under new names: the
/// fixtures already checked in are documents of past releases and must not change.
///
/// `CDMX_RECORD_STORED_DIR=/tmp/stored cargo test -p cdmx-e2e --test e2e record_ -- --ignored`
#[tokio::test]
#[ignore = "writes fixture files; run by hand when a storage format is added"]
async fn record_stored_documents() {
    let dir = std::path::PathBuf::from(
        std::env::var("CDMX_RECORD_STORED_DIR").expect("CDMX_RECORD_STORED_DIR names a folder"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let app = TestApp::spawn().await;
    let (profile, program, shortlist) = store_documents(&app).await;
    let (profile_id, program_id, shortlist_id) = (profile.id, program.id, shortlist.id);
    let texts = app
        .db
        .run(move |c| {
            let revision_1: String = cdmo_profile_revisions::table
                .find((&profile_id, 1))
                .select(cdmo_profile_revisions::document)
                .first(c)?;
            let revision_2: String = cdmo_profile_revisions::table
                .find((&profile_id, 2))
                .select(cdmo_profile_revisions::document)
                .first(c)?;
            let current: String = cdmo_profiles::table
                .find(&profile_id)
                .select(cdmo_profiles::document)
                .first(c)?;
            let program: String = programs::table
                .find(&program_id)
                .select(programs::document)
                .first(c)?;
            let (shortlist_program, shortlist_result): (String, String) = shortlists::table
                .find(&shortlist_id)
                .select((shortlists::program, shortlists::result))
                .first(c)?;
            Ok(vec![
                ("profile-revision-1", revision_1),
                ("profile-revision-2", revision_2),
                ("profile-current", current),
                ("program", program),
                ("shortlist-program", shortlist_program),
                ("shortlist-result", shortlist_result),
            ])
        })
        .await
        .unwrap();
    for (name, text) in texts {
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
    app.stop().await;
}
