//! Stored documents: golden fixtures recorded from the real write path, and unreadable
//! rows that must not take search down.

use cdmx::db::schema::{
    cdmo_profile_revisions, cdmo_profiles, profile_evidence, programs, shortlists,
};
use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;
use diesel::prelude::*;

/// What [`store_documents`] stored.
struct Stored {
    /// The first demo CDMO's profile, at revision 2.
    profile: CdmoProfile,
    program: Program,
    shortlist: Shortlist,
    sponsor: OrgFixture,
}

/// Stores what the golden fixtures record, through the API as clients do: two demo CDMO
/// profiles (one revised), a programme and a shortlist of the match.
async fn store_documents(app: &TestApp) -> Stored {
    let mut demo = cdmx::demo::data::DemoData::load(chrono::Utc::now().date_naive())
        .unwrap()
        .cdmos
        .into_iter();
    let mut first = None;
    for cdmo in demo.by_ref().take(2) {
        let org = app
            .sign_up(OrganizationKind::Cdmo, &cdmo.profile.organization.name)
            .await;
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
            requirements: cdmx::demo::synthetic::benchmark_requirements(),
        })
        .await
        .unwrap();
    let shortlist = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: program.id.clone(),
            name: Some("Board pack Q1".into()),
            limit: None,
        })
        .await
        .unwrap();
    Stored {
        profile: revised,
        program,
        shortlist,
        sponsor,
    }
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
    let stored = store_documents(&app).await;
    let (profile_id, program_id, shortlist_id) =
        (stored.profile.id, stored.program.id, stored.shortlist.id);
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

/// Overwrites the current document and revision 2 of a profile, as a newer release (its
/// format unknown here) and a torn write would, and marks the profile changed.
async fn break_profile(app: &TestApp, profile_id: &str) {
    let profile_id = profile_id.to_owned();
    app.db
        .write(move |c| {
            diesel::update(cdmo_profiles::table.find(&profile_id))
                .set(
                    cdmo_profiles::document
                        .eq(r#"{"format":2,"kind":"profile","document":{"organisation":{}}}"#),
                )
                .execute(c)?;
            diesel::update(cdmo_profile_revisions::table.find((&profile_id, 2)))
                .set(cdmo_profile_revisions::document.eq(r#"{"organization":{"name":"Tess"#))
                .execute(c)?;
            cdmx::db::profiles::touch_profile(c, &profile_id)
        })
        .await
        .unwrap();
}

fn internal_error<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> Problem {
    let error = result.unwrap_err();
    assert_eq!(error.status(), Some(500), "{error:?}");
    let problem = error.problem().expect("a problem document").clone();
    assert!(
        problem
            .request_id
            .as_deref()
            .is_some_and(|id| !id.is_empty())
    );
    problem
}

#[tokio::test]
async fn an_unreadable_profile_is_left_out_of_search_and_matching_not_a_500() {
    let app = TestApp::spawn().await;
    let stored = store_documents(&app).await;
    let victim = stored.profile.id.clone();
    let sponsor = &stored.sponsor.admin;
    assert_eq!(
        sponsor
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    break_profile(&app, &victim).await;

    let found = sponsor.search_cdmos(&CdmoSearch::default()).await.unwrap();
    let names: Vec<_> = found.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Aldermoor Cell Industries"]);
    let matched = sponsor
        .match_program(&stored.program.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert!(matched.candidates.iter().all(|c| c.profile_id != victim));
    assert!(matched.excluded.iter().all(|e| e.profile_id != victim));

    // The broken documents themselves answer a clean problem, their cause kept in the log.
    let problem = internal_error(sponsor.get_cdmo_profile(&victim).await);
    let detail = problem.detail.unwrap_or_default();
    assert!(!detail.contains("format"), "{detail}");
    internal_error(sponsor.get_cdmo_revision(&victim, 2).await);
    // What was stored before is untouched and still reads.
    let first = sponsor.get_cdmo_revision(&victim, 1).await.unwrap();
    assert_eq!(first.profile.organization.name, "Tessaric Biomanufacturing");
    let shortlist = sponsor.get_shortlist(&stored.shortlist.id).await.unwrap();
    assert_eq!(shortlist.result.candidates[0].profile_id, victim);
}

/// Overwrites one text column of an evidence row, as a bad write or a bad migration
/// would, and marks its profile changed.
async fn corrupt_evidence(app: &TestApp, profile_id: &str, evidence_id: &str, column: Corrupt) {
    let (profile_id, evidence_id) = (profile_id.to_owned(), evidence_id.to_owned());
    app.db
        .write(move |c| {
            let row = profile_evidence::table.find(&evidence_id);
            match column {
                Corrupt::ExpiresOn(text) => diesel::update(row)
                    .set(profile_evidence::expires_on.eq(Some(text)))
                    .execute(c)?,
                Corrupt::Section(text) => diesel::update(row)
                    .set(profile_evidence::section.eq(text))
                    .execute(c)?,
            };
            cdmx::db::profiles::touch_profile(c, &profile_id)
        })
        .await
        .unwrap();
}

enum Corrupt {
    ExpiresOn(&'static str),
    Section(&'static str),
}

#[tokio::test]
async fn a_corrupt_stored_expiry_or_section_is_an_error_not_never_expires() {
    let app = TestApp::spawn().await;
    let cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Helix Cell Works")
        .await;
    let other = app.sign_up(OrganizationKind::Cdmo, "Orchard Bio").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix Cell Works"))
        .await
        .unwrap();
    other
        .admin
        .create_cdmo_profile(&base_profile("Orchard Bio"))
        .await
        .unwrap();
    let licence = cdmo
        .admin
        .add_cdmo_evidence(
            &profile.id,
            &NewEvidence {
                subject: "/sites/0/licences/0".into(),
                kind: EvidenceKind::Certificate,
                reference: "FR-MIA-2020-0042".into(),
                url: None,
                expires_on: Some(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            },
        )
        .await
        .unwrap();
    assert_eq!(licence.status, EvidenceStatus::Expired);
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let platform = app.platform_admin().await;
    let search = || async {
        let found = sponsor
            .admin
            .search_cdmos(&CdmoSearch::default())
            .await
            .unwrap();
        let mut names: Vec<_> = found.items.into_iter().map(|s| s.name).collect();
        names.sort();
        names
    };
    assert_eq!(search().await, ["Helix Cell Works", "Orchard Bio"]);

    // Read as "no expiry", this licence would be served as valid and could be verified.
    corrupt_evidence(
        &app,
        &profile.id,
        &licence.id,
        Corrupt::ExpiresOn("2020-13-45"),
    )
    .await;
    internal_error(cdmo.admin.list_cdmo_evidence(&profile.id).await);
    internal_error(sponsor.admin.get_cdmo_profile(&profile.id).await);
    internal_error(
        platform
            .verify_cdmo_evidence(&profile.id, &licence.id)
            .await,
    );
    // Search leaves the profile out (logged) instead of failing for everyone.
    assert_eq!(search().await, ["Orchard Bio"]);

    // An unknown section is an error too, not evidence silently left out of confidence.
    corrupt_evidence(
        &app,
        &profile.id,
        &licence.id,
        Corrupt::ExpiresOn("2020-01-01"),
    )
    .await;
    assert_eq!(search().await, ["Helix Cell Works", "Orchard Bio"]);
    corrupt_evidence(
        &app,
        &profile.id,
        &licence.id,
        Corrupt::Section("warehouse"),
    )
    .await;
    internal_error(cdmo.admin.list_cdmo_evidence(&profile.id).await);
    assert_eq!(search().await, ["Orchard Bio"]);

    // Repaired, everything reads again, and the verification never happened.
    corrupt_evidence(&app, &profile.id, &licence.id, Corrupt::Section("sites")).await;
    assert_eq!(search().await, ["Helix Cell Works", "Orchard Bio"]);
    let evidence = cdmo.admin.list_cdmo_evidence(&profile.id).await.unwrap();
    assert_eq!(evidence.items[0].status, EvidenceStatus::Expired);
    assert_eq!(evidence.items[0].verified_at, None);
}
