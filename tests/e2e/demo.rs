//! The demo data set and the synthetic generator, loaded as `cdmx serve` and `cdmx seed`
//! load them.

use cdmx_e2e::TestApp;
use cdmx_sdk::types::*;

fn hash(password: &str) -> String {
    cdmx::auth::passwords::hash(&cdmx::domain::accounts::Password::parse(password).unwrap())
        .unwrap()
}

#[tokio::test]
async fn demo_data_loads_once_even_when_two_loaders_race() {
    let app = TestApp::spawn().await;
    let password_hash = hash("demo password 123");
    let loaders: Vec<_> = (0..2)
        .map(|_| {
            let (db, h) = (app.db.clone(), password_hash.clone());
            tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &h).unwrap())
        })
        .collect();
    let mut loaded = Vec::new();
    for loader in loaders {
        loaded.extend(loader.await.unwrap());
    }
    assert_eq!(
        loaded.len(),
        1,
        "exactly one loader found the database empty"
    );
    let counts = &loaded[0];
    assert!((35..=45).contains(&counts.cdmos), "{counts:?}");

    let sponsor = app
        .client
        .login(cdmx::app::demo::DEMO_SPONSOR_EMAIL, "demo password 123")
        .await
        .unwrap();
    let me = sponsor.get_me().await.unwrap();
    assert_eq!(me.organization.kind, OrganizationKind::Sponsor);
    let all = cdmx_sdk::collect_pages(|cursor| {
        let sponsor = sponsor.clone();
        async move {
            sponsor
                .search_cdmos(&CdmoSearch {
                    limit: Some(200),
                    cursor,
                    ..Default::default()
                })
                .await
        }
    })
    .await
    .unwrap();
    assert_eq!(all.len(), counts.cdmos);
    assert!(
        all.iter().any(|c| c.organization_verified) && all.iter().any(|c| !c.organization_verified)
    );
    assert!(all.iter().any(|c| c.cdmo_type == CdmoType::PointOfCare));
    assert!(all.iter().any(|c| c.max_phase == Some(Phase::Commercial)));

    // The demo CDMO login manages its own profile.
    let cdmo = app
        .client
        .login(cdmx::app::demo::DEMO_CDMO_EMAIL, "demo password 123")
        .await
        .unwrap();
    let own = cdmo.get_me().await.unwrap().organization;
    assert_eq!(own.kind, OrganizationKind::Cdmo);
    assert!(all.iter().any(|c| c.organization_id == own.id));

    // A database that is not empty is left alone.
    let db = app.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        cdmx::app::demo::load_if_empty(&db, &password_hash).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(again, None);
}

#[tokio::test]
async fn seeded_profiles_are_searchable_and_deterministic() {
    let app = TestApp::spawn().await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::seed_profiles(&db, 60, 7, 0).unwrap())
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;
    let page = sponsor
        .search_cdmos(&CdmoSearch {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 60);
    let first = sponsor
        .get_cdmo_profile(&page.items[0].id)
        .await
        .unwrap()
        .profile;
    let name = &first.organization.name;
    let index: u64 = (0..60)
        .find(|i| {
            cdmx::demo::synthetic::synthetic_profile(7, *i)
                .organization
                .name
                == *name
        })
        .expect("the stored profile is one of the stream's");
    let regenerated = cdmx::demo::synthetic::synthetic_profile(7, index);
    // Stored profiles are normalised; the generator already produces normal form.
    assert_eq!(first, regenerated);
}

/// A server with the demo data loaded, and the demo sponsor signed in.
async fn loaded_demo() -> (TestApp, cdmx_sdk::Client) {
    let app = TestApp::spawn().await;
    let db = app.db.clone();
    let password_hash = hash("demo password 123");
    tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &password_hash))
        .await
        .unwrap()
        .unwrap()
        .expect("the database was empty");
    let sponsor = app
        .client
        .login(cdmx::app::demo::DEMO_SPONSOR_EMAIL, "demo password 123")
        .await
        .unwrap();
    (app, sponsor)
}

const DEMO_PROGRAM: &str = "01943a6e-2c00-7000-8000-00000000a001";
const DEMO_SHORTLIST: &str = "01943a6e-2c00-7000-8000-00000000d001";

#[tokio::test]
async fn part_of_the_demo_cdmos_carry_verified_evidence_and_loading_again_adds_none() {
    let (app, sponsor) = loaded_demo().await;
    let all = cdmx_sdk::collect_pages(|cursor| {
        let sponsor = sponsor.clone();
        async move {
            sponsor
                .search_cdmos(&CdmoSearch {
                    limit: Some(200),
                    cursor,
                    ..Default::default()
                })
                .await
        }
    })
    .await
    .unwrap();
    let today = chrono::Utc::now().date_naive();
    let mut with_verified = Vec::new();
    let mut evidence_count = 0;
    let mut verifiers = std::collections::HashSet::new();
    let mut expiries = std::collections::BTreeSet::new();
    for summary in &all {
        let profile = sponsor.get_cdmo_profile(&summary.id).await.unwrap();
        let evidence = sponsor.list_cdmo_evidence(&summary.id).await.unwrap().items;
        evidence_count += evidence.len();
        let verified_sections: Vec<ProfileSection> = profile
            .confidence
            .iter()
            .filter(|c| c.confidence == Confidence::Verified)
            .map(|c| c.section)
            .collect();
        for e in &evidence {
            assert!(e.verified_by.is_some() && e.verified_at.is_some(), "{e:?}");
            verifiers.extend(e.verified_by.clone());
            match e.status {
                EvidenceStatus::Verified => {
                    assert!(e.expires_on.is_none_or(|d| d >= today), "{e:?}");
                    assert!(verified_sections.contains(&e.section), "{e:?}");
                    expiries.extend(e.expires_on);
                }
                // The one deliberately lapsed accreditation shows as expired.
                EvidenceStatus::Expired => {
                    assert!(e.expires_on.is_some_and(|d| d < today), "{e:?}");
                    assert_eq!(
                        profile.profile.organization.name,
                        "Harrowgate Memorial Cancer Center Cell Therapy Facility"
                    );
                    let sites = profile
                        .confidence
                        .iter()
                        .find(|c| c.section == ProfileSection::Sites)
                        .unwrap();
                    assert_eq!(sites.confidence, Confidence::Expired);
                }
                other => panic!("demo evidence is verified: {other:?} {e:?}"),
            }
        }
        if !verified_sections.is_empty() {
            assert!(
                summary.organization_verified,
                "{}: evidence of an unverified CDMO",
                summary.name
            );
            with_verified.push((summary.name.clone(), verified_sections.len()));
        }
    }
    // About half the CDMOs, the late-stage anchors among them, and never all of them.
    assert!(
        (all.len() / 3..all.len() * 2 / 3).contains(&with_verified.len()),
        "{} of {}: {with_verified:?}",
        with_verified.len(),
        all.len()
    );
    let sections_of = |name: &str| {
        with_verified
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, n)| *n)
    };
    for anchor in [
        "Tessaric Biomanufacturing",
        "Aldermoor Cell Industries",
        "Corvane Biologics",
    ] {
        assert!(sections_of(anchor) >= 5, "{anchor}: {with_verified:?}");
    }
    // Depth differs, so evidence confidence tells CDMOs apart.
    let depths: std::collections::HashSet<usize> = with_verified.iter().map(|(_, n)| *n).collect();
    assert!(depths.len() >= 3, "{with_verified:?}");
    // Some evidence expires much later than other evidence.
    let (first, last) = (*expiries.first().unwrap(), *expiries.last().unwrap());
    assert!((last - first).num_days() > 365, "{first} .. {last}");
    // One platform admin verified all of it: a platform user who cannot sign in.
    assert_eq!(verifiers.len(), 1, "{verifiers:?}");
    let refused = app
        .client
        .login("verification@demo.cdmx.example", "demo password 123")
        .await;
    assert!(refused.is_err());

    // A second load finds the database in use and writes nothing.
    let db = app.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        cdmx::app::demo::load_if_empty(&db, &hash("demo password 123")).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(again, None);
    let mut after = 0;
    for summary in &all {
        after += sponsor
            .list_cdmo_evidence(&summary.id)
            .await
            .unwrap()
            .items
            .len();
    }
    assert_eq!(after, evidence_count);
}

#[tokio::test]
async fn demo_capacity_has_open_and_full_blocks_for_part_of_the_cdmos() {
    let (_app, sponsor) = loaded_demo().await;
    let blocks = cdmx_sdk::collect_pages(|cursor| {
        let sponsor = sponsor.clone();
        async move {
            sponsor
                .search_capacity(&CapacitySearch {
                    limit: Some(200),
                    cursor,
                    ..Default::default()
                })
                .await
        }
    })
    .await
    .unwrap();
    let full: Vec<&CapacityBlock> = blocks.iter().filter(|b| b.free == 0).collect();
    let open: Vec<&CapacityBlock> = blocks.iter().filter(|b| b.free > 0).collect();
    assert!(full.len() >= 2, "{blocks:?}");
    assert!(open.len() >= 5, "{blocks:?}");
    for b in &full {
        // Full by confirmed bookings, which never lapse like holds do.
        assert_eq!(b.confirmed, b.block.slots, "{}: {b:?}", b.cdmo_name);
    }
    assert!(
        full.iter()
            .any(|b| b.cdmo_name == "Aldermoor Cell Industries"),
        "{full:?}"
    );
    let mut cdmos: Vec<&str> = blocks.iter().map(|b| b.profile_id.as_str()).collect();
    cdmos.sort_unstable();
    cdmos.dedup();
    let total = sponsor
        .search_cdmos(&CdmoSearch {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .len();
    assert!(
        cdmos.len() >= 8 && cdmos.len() < total / 2,
        "{} of {total}",
        cdmos.len()
    );

    // In the demo programme's window, some autologous CAR-T blocks are open, some full.
    let program = sponsor.get_program(DEMO_PROGRAM).await.unwrap();
    let need = program.program.requirements.capacity.clone().unwrap();
    let in_window = sponsor
        .search_capacity(&CapacitySearch {
            window_start: Some(need.window_start),
            window_end: Some(need.window_end),
            slot_kind: Some(need.slot_kind),
            donor_source: Some(DonorSource::Autologous),
            modality: Some(Modality::CarT),
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert!(
        in_window.iter().any(|b| b.free >= need.slots),
        "{in_window:?}"
    );
    assert!(in_window.iter().any(|b| b.free == 0), "{in_window:?}");
}

/// The raw value of `criterion` for each candidate, by name.
fn raw_values(result: &MatchResult, criterion: Criterion) -> Vec<(String, f64)> {
    result
        .candidates
        .iter()
        .map(|c| {
            let score = c
                .criteria
                .iter()
                .find(|s| s.criterion == criterion)
                .unwrap_or_else(|| panic!("{}: no {criterion:?}", c.name));
            (c.name.clone(), score.raw.unwrap_or(0.0))
        })
        .collect()
}

/// Some candidates score above zero on the criterion, and not all of them.
fn assert_differs(result: &MatchResult, criterion: Criterion) {
    let values = raw_values(result, criterion);
    assert!(
        values.iter().any(|(_, v)| *v > 0.0) && values.iter().any(|(_, v)| *v == 0.0),
        "{criterion:?}: {values:?}"
    );
}

#[tokio::test]
async fn a_newcomers_first_match_tells_candidates_apart_by_evidence_and_capacity() {
    let (_app, sponsor) = loaded_demo().await;
    // The demo programme's match, as Swagger UI's `match_program` example runs it...
    let by_program = sponsor
        .match_program(DEMO_PROGRAM, &ProgramMatchRequest::default())
        .await
        .unwrap();
    // ... its requirements sent as an ad-hoc match (the `create_match` example) ...
    let program = sponsor.get_program(DEMO_PROGRAM).await.unwrap();
    let ad_hoc = sponsor
        .create_match(&MatchRequest {
            split_allocation: None,
            rank_acceptability: None,
            requirements: program.program.requirements.clone(),
            target_phase: Some(program.program.target_phase),
            limit: None,
            excluded_cursor: None,
        })
        .await
        .unwrap();
    // ... and the shortlist the demo sponsor saved at load.
    let shortlist = sponsor.get_shortlist(DEMO_SHORTLIST).await.unwrap();
    for result in [&by_program, &ad_hoc, &shortlist.result] {
        assert!(result.candidates.len() >= 3, "{result:?}");
        assert_differs(result, Criterion::EvidenceConfidence);
        assert_differs(result, Criterion::CapacityFit);
        let names: Vec<&str> = result.candidates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            by_program
                .candidates
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
        );
    }
    // What a domain expert expects of the EU pivotal CAR-T programme: the industrial
    // anchor with open Leiden slots and the deepest verified file leads; the Barcelona
    // CDMO, whose suite is fully booked, has no capacity to offer.
    let capacity = raw_values(&by_program, Criterion::CapacityFit);
    let fit = |name: &str| {
        capacity
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{name} is not a candidate: {capacity:?}"))
    };
    assert_eq!(fit("Tessaric Biomanufacturing"), 1.0);
    assert_eq!(fit("Bellcourt Advanced Therapies"), 0.0);
    assert!((0.0..1.0).contains(&fit("Corvane Biologics")) && fit("Corvane Biologics") > 0.0);
    assert_eq!(by_program.candidates[0].name, "Tessaric Biomanufacturing");
}
