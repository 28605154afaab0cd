//! Profile search: every filter narrows the result (so a filter that were ignored fails
//! its assertion), filters combine, and pages are stable.

use std::collections::BTreeSet;

use cdmx_e2e::{TestApp, base_profile};
use cdmx_sdk::types::*;

async fn names(client: &cdmx_sdk::Client, search: CdmoSearch) -> BTreeSet<String> {
    client
        .search_cdmos(&search)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.name)
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Three CDMOs that differ on every searchable facet.
async fn three_cdmos(app: &TestApp) -> cdmx_sdk::Client {
    let platform = app.platform_admin().await;

    // Alpha: autologous CAR-T, lentiviral, Phase 3, France, grade B, closed, -180 C,
    // EU licence, Prodigy. Verified.
    let alpha = app.sign_up(OrganizationKind::Cdmo, "Alpha").await;
    alpha
        .admin
        .create_cdmo_profile(&base_profile("Alpha Autologous"))
        .await
        .unwrap();
    platform.verify_organization(alpha.id()).await.unwrap();

    // Beta: allogeneic NK, mRNA, Phase 1 only, US, grade C, open, -80 C, FDA BLA site,
    // stirred tank. Unverified.
    let beta = app.sign_up(OrganizationKind::Cdmo, "Beta").await;
    let mut p = base_profile("Beta Allogeneic");
    p.donor_sources = DonorSourceExperience {
        autologous: None,
        allogeneic: Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(200.0),
            doses_per_batch: Some(100),
        }),
    };
    p.modalities = vec![Modality::Nk];
    p.gene_modification.methods = vec![GeneModificationMethod::MrnaElectroporation];
    p.phases = vec![PhaseExperience {
        phase: Phase::Phase1,
        programmes: 2,
        gmp_batches: Some(10),
    }];
    let site = &mut p.sites[0];
    (site.country, site.city, site.latitude, site.longitude) =
        ("US".into(), "Boston".into(), Some(42.36), Some(-71.06));
    site.cleanrooms = vec![CleanroomSuite {
        grade: CleanroomGrade::C,
        count: Some(2),
        area_m2: Some(120.0),
    }];
    site.closed_processing = Some(false);
    site.licences[0].authority = Authority::Fda;
    site.licences[0].kind = LicenceKind::BlaApprovedSite;
    p.cryo.min_storage_temp_c = Some(-80);
    p.platforms[0].platform = Platform::StirredTankBioreactor;
    beta.admin.create_cdmo_profile(&p).await.unwrap();

    // Gamma: both donor sources, MSC and CAR-T, unmodified, commercial, Japan, grade A,
    // closed, -150 C, PMDA, Cocoon. Verified.
    let gamma = app.sign_up(OrganizationKind::Cdmo, "Gamma").await;
    let mut p = base_profile("Gamma Both");
    p.donor_sources.allogeneic = Some(AllogeneicExperience {
        max_bioreactor_volume_l: Some(50.0),
        doses_per_batch: Some(20),
    });
    p.modalities = vec![Modality::Msc, Modality::CarT];
    p.gene_modification.methods = vec![GeneModificationMethod::None];
    p.phases = vec![PhaseExperience {
        phase: Phase::Commercial,
        programmes: 1,
        gmp_batches: Some(400),
    }];
    let site = &mut p.sites[0];
    (site.country, site.city, site.latitude, site.longitude) =
        ("JP".into(), "Kobe".into(), Some(34.69), Some(135.19));
    site.cleanrooms = vec![CleanroomSuite {
        grade: CleanroomGrade::A,
        count: Some(1),
        area_m2: Some(40.0),
    }];
    site.licences[0].authority = Authority::Pmda;
    p.cryo.min_storage_temp_c = Some(-150);
    p.platforms[0].platform = Platform::LonzaCocoon;
    gamma.admin.create_cdmo_profile(&p).await.unwrap();
    platform.verify_organization(gamma.id()).await.unwrap();

    app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin
}

#[tokio::test]
async fn every_filter_narrows_the_result() {
    let app = TestApp::spawn().await;
    let sponsor = three_cdmos(&app).await;
    let all = set(&["Alpha Autologous", "Beta Allogeneic", "Gamma Both"]);
    assert_eq!(names(&sponsor, CdmoSearch::default()).await, all);

    let cases: Vec<(CdmoSearch, &[&str])> = vec![
        (
            CdmoSearch {
                donor_source: Some("autologous".parse().unwrap()),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                donor_source: Some("allogeneic".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic", "Gamma Both"],
        ),
        (
            CdmoSearch {
                modality: Some("nk".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                modality: Some("nk,msc".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic", "Gamma Both"],
        ),
        (
            CdmoSearch {
                gene_modification: Some("lentiviral".parse().unwrap()),
                ..Default::default()
            },
            &["Alpha Autologous"],
        ),
        (
            CdmoSearch {
                min_phase: Some(Phase::Phase3),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                min_phase: Some(Phase::Commercial),
                ..Default::default()
            },
            &["Gamma Both"],
        ),
        (
            CdmoSearch {
                country: Some("us".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                region: Some("europe,asia_pacific".parse().unwrap()),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                cleanroom_grade: Some("c".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                closed_processing: Some(false),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                closed_processing: Some(true),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                cryo_max_temp_c: Some(-150),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                cryo_max_temp_c: Some(-160),
                ..Default::default()
            },
            &["Alpha Autologous"],
        ),
        (
            CdmoSearch {
                authority: Some("pmda".parse().unwrap()),
                ..Default::default()
            },
            &["Gamma Both"],
        ),
        (
            CdmoSearch {
                licence_kind: Some("bla_approved_site".parse().unwrap()),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                platform: Some("lonza_cocoon".parse().unwrap()),
                ..Default::default()
            },
            &["Gamma Both"],
        ),
        (
            CdmoSearch {
                verified_only: Some(true),
                ..Default::default()
            },
            &["Alpha Autologous", "Gamma Both"],
        ),
        (
            CdmoSearch {
                q: Some("BETA".into()),
                ..Default::default()
            },
            &["Beta Allogeneic"],
        ),
        (
            CdmoSearch {
                q: Some("%".into()),
                ..Default::default()
            },
            &[],
        ),
        // AND across filters.
        (
            CdmoSearch {
                donor_source: Some("autologous".parse().unwrap()),
                region: Some("europe".parse().unwrap()),
                ..Default::default()
            },
            &["Alpha Autologous"],
        ),
        (
            CdmoSearch {
                modality: Some("car_t".parse().unwrap()),
                cryo_max_temp_c: Some(-160),
                min_phase: Some(Phase::Commercial),
                ..Default::default()
            },
            &[],
        ),
    ];
    for (search, expected) in cases {
        assert_eq!(
            names(&sponsor, search.clone()).await,
            set(expected),
            "{search:?}"
        );
    }

    let hits = sponsor
        .search_cdmos(&CdmoSearch::default())
        .await
        .unwrap()
        .items;
    let beta = hits.iter().find(|h| h.name == "Beta Allogeneic").unwrap();
    assert!(
        !beta.organization_verified,
        "unverified CDMOs are listed but flagged"
    );
    assert_eq!(beta.countries, ["US"]);
    assert_eq!(beta.max_phase, Some(Phase::Phase1));
}

#[tokio::test]
async fn bad_filter_values_are_refused_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let fixture = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = fixture.token().await;
    // Sent raw: the SDK's typed filters cannot even express these.
    // A value outside a closed set is 422; one that cannot be read at all is 400.
    for (query, field, status) in [
        ("modality=car_t,unicorn", "modality", 422),
        ("country=XX", "country", 400),
        ("region=,", "region", 400),
    ] {
        let response = reqwest::Client::new()
            .get(app.url(&format!("/v1/cdmos?{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{query}");
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let sponsor = fixture.admin;
    let err = sponsor
        .search_cdmos(&CdmoSearch {
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
}

#[tokio::test]
async fn search_pages_are_stable_in_both_sort_orders() {
    let app = TestApp::spawn().await;
    let sponsor = three_cdmos(&app).await;
    for (sort, expected) in [
        (
            ProfileSort::Name,
            vec!["Alpha Autologous", "Beta Allogeneic", "Gamma Both"],
        ),
        (
            ProfileSort::Updated,
            vec!["Gamma Both", "Beta Allogeneic", "Alpha Autologous"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = sponsor
                .search_cdmos(&CdmoSearch {
                    sort: Some(sort),
                    limit: Some(2),
                    cursor,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(page.items.into_iter().map(|s| s.name));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{sort:?}");
    }
    // A cursor of one sort is refused by the other.
    let page = sponsor
        .search_cdmos(&CdmoSearch {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    let err = sponsor
        .search_cdmos(&CdmoSearch {
            sort: Some(ProfileSort::Updated),
            cursor: page.next_cursor,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}
