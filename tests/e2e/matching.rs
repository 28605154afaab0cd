//! Programmes, matches and shortlists through the SDK.

use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;

fn status<T: std::fmt::Debug>(result: Result<T, cdmx_sdk::Error>) -> u16 {
    result.unwrap_err().status().expect("the server answered")
}

fn criterion(criterion: Criterion, weight: f64) -> WeightedCriterion {
    WeightedCriterion {
        weight_range: None,
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
        authorities: vec![],
        platforms: Vec::new(),
    }
}

pub(crate) fn program(name: &str) -> ProgramRequest {
    ProgramRequest {
        name: name.into(),
        product: Product {
            modality: Modality::CarT,
            donor_source: DonorSource::Autologous,
            gene_modification: GeneModificationMethod::Lentiviral,
        },
        target_phase: Phase::Phase1,
        target_markets: vec!["FR".into()],
        timeline: Timeline::default(),
        requirements: RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints {
                max_cryo_temp_c: Some(-150),
                ..Default::default()
            },
            criteria: vec![
                criterion(Criterion::SuccessRate, 2.0),
                criterion(Criterion::Turnaround, 1.0),
            ],
            missing_data_penalty_percent: None,
            capacity: None,
            near_miss_tolerances: Vec::new(),
        },
    }
}

/// Three CDMOs: two that fit an autologous CAR-T programme (one better), one that fails
/// only on cryo (a near miss).
async fn market(app: &TestApp) -> Vec<(OrgFixture, CdmoProfile)> {
    let mut out = Vec::new();
    for (name, success, turnaround, cryo) in [
        ("Best Cells", 99.0, 9, -190),
        ("Good Cells", 92.0, 20, -160),
        ("Warm Cells", 99.0, 7, -80),
    ] {
        let org = app.sign_up(OrganizationKind::Cdmo, name).await;
        let mut p = base_profile(name);
        p.performance.success_rate_percent = Some(success);
        p.performance.median_turnaround_days = Some(turnaround);
        p.cryo.min_storage_temp_c = Some(cryo);
        let profile = org.admin.create_cdmo_profile(&p).await.unwrap();
        out.push((org, profile));
    }
    out
}

#[tokio::test]
async fn programmes_are_private_versioned_and_validated() {
    let app = TestApp::spawn().await;
    let a = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let b = app.sign_up(OrganizationKind::Sponsor, "Bolt").await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;

    let created = a
        .admin
        .create_program(&program("CAR-T Phase I"))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.program, program("CAR-T Phase I"));
    assert_eq!(
        status(cdmo.admin.create_program(&program("Not mine")).await),
        403
    );
    assert_eq!(status(b.admin.get_program(&created.id).await), 404);
    assert_eq!(
        status(
            b.admin
                .replace_program(&created.id, 1, &program("Hijack"))
                .await
        ),
        404
    );
    assert_eq!(
        status(
            b.admin
                .match_program(&created.id, &ProgramMatchRequest::default())
                .await
        ),
        404
    );
    assert!(
        b.admin
            .list_programs(&ArchivableListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        a.admin
            .list_programs(&ArchivableListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    let v2 = a
        .admin
        .replace_program(&created.id, 1, &program("CAR-T Phase I/II"))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(
        status(
            a.admin
                .replace_program(&created.id, 1, &program("Stale"))
                .await
        ),
        412
    );
    assert_eq!(
        a.admin.get_program(&created.id).await.unwrap().program.name,
        "CAR-T Phase I/II"
    );

    let mut bad = program("Bad");
    bad.requirements.criteria = vec![
        criterion(Criterion::SuccessRate, -1.0),
        criterion(Criterion::Distance, 1.0),
    ];
    bad.target_markets = vec!["EU".into()];
    let err = a.admin.create_program(&bad).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    let fields: Vec<&str> = err
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "target_markets[0]",
            "requirements.criteria[0].weight",
            "requirements.criteria[1].origin"
        ]
    );
}

#[tokio::test]
async fn a_match_ranks_explains_and_lists_every_failed_constraint() {
    let app = TestApp::spawn().await;
    let cdmos = market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let created = sponsor
        .admin
        .create_program(&program("CAR-T"))
        .await
        .unwrap();
    let result = sponsor
        .admin
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();

    assert_eq!((result.feasible_count, result.excluded_count), (2, 1));
    let names: Vec<&str> = result.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Best Cells", "Good Cells"]);
    let best = &result.candidates[0];
    assert_eq!(best.rank, 1);
    assert_eq!(best.revision, 1);
    assert_eq!(best.profile_id, cdmos[0].1.id);
    let rate = best
        .criteria
        .iter()
        .find(|c| c.criterion == Criterion::SuccessRate)
        .unwrap();
    assert_eq!(rate.raw, Some(99.0));
    assert_eq!(rate.normalised, 1.0);
    assert!((rate.weight - 2.0 / 3.0).abs() < 1e-12);
    for c in &result.candidates {
        let sum: f64 = c.criteria.iter().map(|x| x.contribution).sum();
        assert!((sum - c.total).abs() < 1e-9);
    }
    // Best Cells: 100 x (2/3 x 1 + 1/3 x (25 - 9) / 18).
    assert!((best.total - 100.0 * (2.0 / 3.0 + (16.0 / 18.0) / 3.0)).abs() < 1e-9);

    let warm = &result.excluded[0];
    assert_eq!(warm.name, "Warm Cells");
    assert!(warm.near_miss);
    let failed: Vec<(&str, ConstraintCode, &str, &str)> = warm
        .failed
        .iter()
        .map(|f| {
            (
                f.constraint.as_str(),
                f.code,
                f.required.as_str(),
                f.actual.as_str(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [(
            "max_cryo_temp_c",
            ConstraintCode::CryoTemperature,
            "storage at or below -150 C",
            "storage down to -80 C"
        )]
    );

    let robustness = result.robustness.as_ref().unwrap();
    assert_eq!(robustness.first, cdmos[0].1.id);
    assert!(robustness.margin > 0.0);
    // Good Cells is worse on both criteria: no re-weighting can put it first.
    assert!(robustness.smallest_swap_change.is_none());

    // Same inputs, same output.
    let again = sponsor
        .admin
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert_eq!(again, result);
}

#[tokio::test]
async fn ad_hoc_matches_take_requirements_in_the_body_and_bound_their_lists() {
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let request = MatchRequest {
        split_allocation: None,
        rank_acceptability: None,
        requirements: RequirementSet {
            criteria: vec![criterion(Criterion::Turnaround, 1.0)],
            ..Default::default()
        },
        target_phase: None,
        limit: Some(1),
        excluded_cursor: None,
    };
    let result = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(result.feasible_count, 3);
    assert_eq!(
        result.candidates.len(),
        1,
        "the limit bounds the list, not the count"
    );
    assert_eq!(result.candidates[0].name, "Warm Cells");

    let err = sponsor
        .admin
        .create_match(&MatchRequest {
            split_allocation: None,
            rank_acceptability: None,
            requirements: RequirementSet::default(),
            target_phase: None,
            limit: Some(500),
            excluded_cursor: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let err = sponsor
        .admin
        .create_match(&MatchRequest {
            split_allocation: None,
            rank_acceptability: None,
            requirements: RequirementSet::default(),
            target_phase: None,
            limit: None,
            excluded_cursor: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.problem().unwrap().errors[0].field,
        "requirements.criteria"
    );
}

#[tokio::test]
async fn shortlists_keep_their_ranking_after_profiles_change() {
    let app = TestApp::spawn().await;
    let cdmos = market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let rival = app.sign_up(OrganizationKind::Sponsor, "Rival").await;
    let created = sponsor
        .admin
        .create_program(&program("CAR-T"))
        .await
        .unwrap();
    let saved = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: created.id.clone(),
            name: Some("Board pack".into()),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(saved.name, "Board pack");
    assert_eq!(saved.program_version, 1);
    assert_eq!(saved.result.candidates[0].name, "Best Cells");

    // Best Cells slips; a fresh match reorders, the shortlist does not.
    let (best_org, best_profile) = &cdmos[0];
    best_org
        .admin
        .patch_cdmo_profile(&best_profile.id, 1, &serde_json::json!({"performance": {"success_rate_percent": 86.0, "median_turnaround_days": 24}}))
        .await
        .unwrap();
    let fresh = sponsor
        .admin
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert_eq!(fresh.candidates[0].name, "Good Cells");
    let reread = sponsor.admin.get_shortlist(&saved.id).await.unwrap();
    assert_eq!(reread, saved);
    assert_eq!(
        reread.result.candidates[0].revision, 1,
        "pinned to the revision it ranked"
    );

    let listed = sponsor
        .admin
        .list_shortlists(&ArchivableListParams::default())
        .await
        .unwrap()
        .items;
    assert_eq!(listed[0].top_candidate.as_deref(), Some("Best Cells"));
    assert_eq!(status(rival.admin.get_shortlist(&saved.id).await), 404);
    assert!(
        rival
            .admin
            .list_shortlists(&ArchivableListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let err = rival
        .admin
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: created.id.clone(),
            name: None,
            limit: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(422),
        "another sponsor's programme cannot be shortlisted"
    );
}

#[tokio::test]
async fn a_replica_matches_on_profiles_changed_through_another_server() {
    let app = TestApp::spawn().await;
    let replica = app.second_server().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let on_replica = replica.client.with_token(token);
    let created = sponsor
        .admin
        .create_program(&program("CAR-T"))
        .await
        .unwrap();
    let empty = on_replica
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert_eq!(empty.feasible_count + empty.excluded_count, 0);

    let cdmos = market(&app).await;
    let result = on_replica
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert_eq!(result.candidates[0].name, "Best Cells");

    let (org, profile) = &cdmos[2];
    org.admin
        .patch_cdmo_profile(
            &profile.id,
            1,
            &serde_json::json!({"cryo": {"min_storage_temp_c": -196}}),
        )
        .await
        .unwrap();
    let result = on_replica
        .match_program(&created.id, &ProgramMatchRequest::default())
        .await
        .unwrap();
    assert_eq!(
        result.excluded_count, 0,
        "the near miss fixed on the first server is feasible on the replica"
    );
    assert_eq!(result.candidates[0].name, "Warm Cells");
    assert_eq!(result.candidates[0].revision, 2);
    replica.handle.stop(true).await;
}

/// Scenario 5: a point-of-care CAR-T process locked to CliniMACS Prodigy. A CDMO that has
/// only a Lonza Cocoon is excluded, saying what it runs; one with a Prodigy ranks. A
/// platform outside the closed set is refused naming the field.
#[tokio::test]
async fn a_platform_locked_process_excludes_cdmos_without_its_platform() {
    let app = TestApp::spawn().await;
    let prodigy = app.sign_up(OrganizationKind::Cdmo, "Prodigy House").await;
    prodigy
        .admin
        .create_cdmo_profile(&base_profile("Prodigy House"))
        .await
        .unwrap();
    let cocoon = app.sign_up(OrganizationKind::Cdmo, "Cocoon House").await;
    let mut p = base_profile("Cocoon House");
    p.platforms[0].platform = Platform::LonzaCocoon;
    p.performance.success_rate_percent = Some(99.9);
    cocoon.admin.create_cdmo_profile(&p).await.unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;

    let locked = MatchRequest {
        split_allocation: None,
        rank_acceptability: None,
        requirements: RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints {
                platforms: vec![Platform::ClinimacsProdigy],
                ..Default::default()
            },
            criteria: vec![criterion(Criterion::SuccessRate, 1.0)],
            missing_data_penalty_percent: None,
            capacity: None,
            near_miss_tolerances: Vec::new(),
        },
        target_phase: None,
        limit: None,
        excluded_cursor: None,
    };
    let result = sponsor.admin.create_match(&locked).await.unwrap();
    let ranked: Vec<&str> = result.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(ranked, ["Prodigy House"]);
    let excluded = result
        .excluded
        .iter()
        .find(|e| e.name == "Cocoon House")
        .expect("the Cocoon-only CDMO is excluded");
    assert_eq!(excluded.failed.len(), 1);
    let failed = &excluded.failed[0];
    assert_eq!(failed.constraint, "platforms");
    assert_eq!(failed.required, "any of clinimacs_prodigy");
    assert_eq!(failed.actual, "lonza_cocoon");

    // Without the lock the better success rate ranks first.
    let mut open = locked.clone();
    open.requirements.constraints.platforms.clear();
    let result = sponsor.admin.create_match(&open).await.unwrap();
    assert_eq!(result.candidates[0].name, "Cocoon House");

    let response = reqwest::Client::new()
        .post(app.url("/v1/matches"))
        .bearer_auth(sponsor.token().await)
        .json(&serde_json::json!({
            "requirements": {
                "constraints": {"platforms": ["clinimacs_prodigy", "miltenyi_9000"]},
                "criteria": [{"criterion": "success_rate", "weight": 1.0}]
            }
        }))
        .send()
        .await
        .unwrap();
    let problem =
        cdmx_e2e::expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        problem
            .errors
            .iter()
            .any(|e| e.field.starts_with("requirements.constraints.platforms")),
        "{problem:?}"
    );
}

/// An ad-hoc match states its target phase as a programme does; track record depth
/// counts programmes at or beyond it, and all phases without one.
#[tokio::test]
async fn an_ad_hoc_match_counts_track_record_from_its_target_phase() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Depth Cells").await;
    cdmo.admin
        .create_cdmo_profile(&base_profile("Depth Cells"))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut request = MatchRequest::new(RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Phase3,
                min_programmes: 1,
            }),
            ..Default::default()
        },
        criteria: vec![criterion(Criterion::TrackRecordDepth, 1.0)],
        missing_data_penalty_percent: None,
        capacity: None,
        near_miss_tolerances: Vec::new(),
    });
    let depth = |result: MatchResult| result.candidates[0].criteria[0].raw;
    // 4 Phase 1 and 1 Phase 3 programmes: the phase constraint does not change the count.
    let all = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(depth(all), Some(5.0));
    request.target_phase = Some(Phase::Phase3);
    let from_phase_3 = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(depth(from_phase_3), Some(1.0));
}

/// Four CDMOs excluded for different reasons from an autologous programme that needs
/// storage at -150 C: a categorical mismatch, two thresholds missed by 10 and 70 degrees,
/// and a profile that does not disclose its storage temperature.
async fn excluded_market(app: &TestApp) {
    let cases: [(&str, Option<i64>, bool); 4] = [
        ("Allo Only", Some(-196), true),
        ("Slightly Warm", Some(-140), false),
        ("Warm", Some(-80), false),
        ("Quiet", None, false),
    ];
    for (name, cryo, allogeneic) in cases {
        let cdmo = app.sign_up(OrganizationKind::Cdmo, name).await;
        let mut p = serde_json::to_value(base_profile(name)).unwrap();
        p["cryo"]["min_storage_temp_c"] = cryo.map_or(serde_json::Value::Null, Into::into);
        if allogeneic {
            p["donor_sources"] = serde_json::json!({
                "allogeneic": {"max_bioreactor_volume_l": 50.0, "doses_per_batch": 100}
            });
        }
        let p = serde_json::from_value(p).unwrap();
        cdmo.admin.create_cdmo_profile(&p).await.unwrap();
    }
}

fn cold_autologous() -> RequirementSet {
    RequirementSet {
        constraints: HardConstraints {
            donor_source: Some(DonorSource::Autologous),
            max_cryo_temp_c: Some(-150),
            ..Default::default()
        },
        criteria: vec![criterion(Criterion::SuccessRate, 1.0)],
        ..Default::default()
    }
}

#[tokio::test]
async fn near_misses_are_small_threshold_shortfalls_with_typed_gaps() {
    let app = TestApp::spawn().await;
    excluded_market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let result = sponsor
        .admin
        .create_match(&MatchRequest::new(cold_autologous()))
        .await
        .unwrap();
    let order: Vec<(&str, bool)> = result
        .excluded
        .iter()
        .map(|e| (e.name.as_str(), e.near_miss))
        .collect();
    assert_eq!(
        order,
        [
            ("Slightly Warm", true),
            ("Warm", true),
            ("Allo Only", false),
            ("Quiet", false),
        ]
    );
    let warm = &result.excluded[1].failed[0];
    assert_eq!(
        (warm.code, warm.class),
        (ConstraintCode::CryoTemperature, ConstraintClass::Threshold)
    );
    assert_eq!(
        (warm.required_value.number, warm.actual_value.number),
        (Some(-150.0), Some(-80.0))
    );
    assert_eq!(warm.required_value.unit, Some(Unit::Celsius));
    let gap = warm.gap.as_ref().unwrap();
    assert_eq!((gap.amount, gap.unit), (70.0, Unit::Celsius));
    assert_eq!(result.excluded[1].relative_gap, Some(0.7));
    let allo = &result.excluded[2].failed[0];
    assert_eq!(
        (allo.code, allo.class, allo.gap.as_ref()),
        (
            ConstraintCode::DonorSource,
            ConstraintClass::Categorical,
            None
        )
    );
    assert_eq!(
        allo.actual_value.values.as_deref(),
        Some(&["allogeneic".to_owned()][..])
    );
    let quiet = &result.excluded[3].failed[0];
    assert!(quiet.actual_value.not_disclosed, "{quiet:?}");
    assert_eq!(quiet.actual, "not disclosed");

    // A sponsor that would accept 20 degrees at most: Warm is no longer near.
    let mut tolerant = cold_autologous();
    tolerant.near_miss_tolerances = vec![NearMissTolerance {
        constraint: ConstraintCode::CryoTemperature,
        max_gap: 20.0,
    }];
    let result = sponsor
        .admin
        .create_match(&MatchRequest::new(tolerant))
        .await
        .unwrap();
    let near: Vec<&str> = result
        .excluded
        .iter()
        .filter(|e| e.near_miss)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(near, ["Slightly Warm"]);
    // The response states the rule it applied, the sponsor's tolerance included.
    let rule = result.near_miss_rule.as_ref().unwrap();
    assert_eq!(
        (rule.max_failed_constraints, rule.class),
        (2, ConstraintClass::Threshold)
    );
    assert_eq!(
        rule.tolerances,
        [NearMissTolerance {
            constraint: ConstraintCode::CryoTemperature,
            max_gap: 20.0,
        }]
    );
    assert!(rule.description.contains("relative_gap"), "{rule:?}");

    // No gap can be granted on a categorical constraint.
    let response = reqwest::Client::new()
        .post(app.url("/v1/matches"))
        .bearer_auth(sponsor.token().await)
        .json(&serde_json::json!({
            "requirements": {
                "criteria": [{"criterion": "success_rate", "weight": 1.0}],
                "near_miss_tolerances": [{"constraint": "modality", "max_gap": 1}]
            }
        }))
        .send()
        .await
        .unwrap();
    let problem =
        cdmx_e2e::expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem.errors[0].field,
        "requirements.near_miss_tolerances[0].constraint"
    );
}

#[tokio::test]
async fn the_excluded_list_pages_with_a_cursor_on_ad_hoc_and_programme_matches() {
    let app = TestApp::spawn().await;
    excluded_market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let whole = sponsor
        .admin
        .create_match(&MatchRequest::new(cold_autologous()))
        .await
        .unwrap();
    assert_eq!(whole.excluded.len(), 4);
    assert_eq!(whole.excluded_next_cursor, None);

    let mut request = MatchRequest::new(cold_autologous());
    request.limit = Some(1);
    let mut paged = Vec::new();
    loop {
        let page = sponsor.admin.create_match(&request).await.unwrap();
        assert_eq!(page.excluded_count, 4);
        paged.extend(page.excluded);
        match page.excluded_next_cursor {
            Some(cursor) => request.excluded_cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(paged, whole.excluded);

    let mut programme = program("Cold chain");
    programme.requirements = cold_autologous();
    let programme = sponsor.admin.create_program(&programme).await.unwrap();
    let first = sponsor
        .admin
        .match_program(
            &programme.id,
            &ProgramMatchRequest {
                split_allocation: None,
                rank_acceptability: None,
                limit: Some(3),
                excluded_cursor: None,
            },
        )
        .await
        .unwrap();
    let rest = sponsor
        .admin
        .match_program(
            &programme.id,
            &ProgramMatchRequest {
                split_allocation: None,
                rank_acceptability: None,
                limit: Some(3),
                excluded_cursor: first.excluded_next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    let names: Vec<&str> = first
        .excluded
        .iter()
        .chain(&rest.excluded)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["Slightly Warm", "Warm", "Allo Only", "Quiet"]);
    assert_eq!(rest.excluded_next_cursor, None);

    let mut forged = MatchRequest::new(cold_autologous());
    forged.excluded_cursor = Some("aWQ6MTIz".into()); // "id:123", another list's cursor
    assert_eq!(status(sponsor.admin.create_match(&forged).await), 400);
}

#[tokio::test]
async fn platform_match_ranks_the_sponsors_platform_first_without_excluding_others() {
    let app = TestApp::spawn().await;
    let prodigy = app.sign_up(OrganizationKind::Cdmo, "Prodigy House").await;
    prodigy
        .admin
        .create_cdmo_profile(&base_profile("Prodigy House"))
        .await
        .unwrap();
    let cocoon = app.sign_up(OrganizationKind::Cdmo, "Cocoon House").await;
    let mut p = base_profile("Cocoon House");
    p.platforms[0].platform = Platform::LonzaCocoon;
    p.performance.success_rate_percent = Some(99.0);
    cocoon.admin.create_cdmo_profile(&p).await.unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut platform = criterion(Criterion::PlatformMatch, 3.0);
    platform.platforms = vec![Platform::ClinimacsProdigy];
    let result = sponsor
        .admin
        .create_match(&MatchRequest::new(RequirementSet {
            criteria: vec![platform, criterion(Criterion::SuccessRate, 1.0)],
            ..Default::default()
        }))
        .await
        .unwrap();
    let ranked: Vec<(&str, Option<f64>)> = result
        .candidates
        .iter()
        .map(|c| (c.name.as_str(), c.criteria[0].raw))
        .collect();
    assert_eq!(
        ranked,
        [("Prodigy House", Some(1.0)), ("Cocoon House", Some(0.0))]
    );
    let response = reqwest::Client::new()
        .post(app.url("/v1/matches"))
        .bearer_auth(sponsor.token().await)
        .json(&serde_json::json!({
            "requirements": {"criteria": [{"criterion": "platform_match", "weight": 1.0}]}
        }))
        .send()
        .await
        .unwrap();
    let problem =
        cdmx_e2e::expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem.errors[0].field,
        "requirements.criteria[0].platforms"
    );
}

#[tokio::test]
async fn a_value_outside_a_closed_set_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    // A platform the server does not know, in a hard constraint and in a criterion.
    let response = http
        .post(app.url("/v1/matches"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "requirements": {
                "constraints": {"platforms": ["clinimacs_prodigy", "cocoon_xl"]},
                "criteria": [{"criterion": "platform_match", "weight": 1.0,
                              "platforms": ["g_rex_2"]}]
            }
        }))
        .send()
        .await
        .unwrap();
    let problem =
        cdmx_e2e::expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "requirements.constraints.platforms[1]",
            "requirements.criteria[0].platforms[0]"
        ]
    );
    assert!(
        problem.errors[0].message.contains("clinimacs_prodigy"),
        "{problem:?}"
    );
    // In a query string too.
    let response = http
        .get(app.url("/v1/cdmos?modality=car_t,car_x"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let problem =
        cdmx_e2e::expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem.errors[0].field, "modality");
    // An unknown value beside an unreadable field: the request cannot be read, 400.
    let response = http
        .post(app.url("/v1/matches"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "requirements": {
                "constraints": {"platforms": ["cocoon_xl"]},
                "criteria": [{"criterion": "success_rate", "weight": "heavy"}]
            }
        }))
        .send()
        .await
        .unwrap();
    let problem = cdmx_e2e::expect_problem(response, reqwest::StatusCode::BAD_REQUEST).await;
    assert_eq!(problem.errors.len(), 2, "{problem:?}");
}
