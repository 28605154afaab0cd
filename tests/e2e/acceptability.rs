//! Rank acceptability (SMAA-2) through the SDK: weights stated as an order of importance
//! or as ranges, checked against values computed by hand.

use cdmx_e2e::{TestApp, base_profile, problem_fields};
use cdmx_sdk::types::*;

fn scaled(criterion: Criterion, weight: f64, worst: f64, best: f64) -> WeightedCriterion {
    WeightedCriterion {
        scale: Some(Scale { worst, best }),
        ..WeightedCriterion::new(criterion, weight)
    }
}

/// Success rate on 80..100 % and turnaround on 30..0 days, equal point weights.
fn requirements() -> RequirementSet {
    RequirementSet {
        criteria: vec![
            scaled(Criterion::SuccessRate, 1.0, 80.0, 100.0),
            scaled(Criterion::Turnaround, 1.0, 30.0, 0.0),
        ],
        ..Default::default()
    }
}

/// Four CDMOs; normalised (success, turnaround): Accurate (0.95, 1/3), Brisk (0.5, 23/30),
/// Central (0.75, 0.6), and Dominated (0.25, 1/6), which each of the others beats on both.
/// Under weights (w, 1 − w): Brisk leads for w < 0.4, Central for 0.4 < w < 4/7, Accurate
/// above 4/7.
async fn market(app: &TestApp) -> Vec<(String, CdmoProfile)> {
    let mut out = Vec::new();
    for (name, success, turnaround) in [
        ("Accurate", 99.0, 20),
        ("Brisk", 90.0, 7),
        ("Central", 95.0, 12),
        ("Dominated", 85.0, 25),
    ] {
        let org = app.sign_up(OrganizationKind::Cdmo, name).await;
        let mut p = base_profile(name);
        p.performance.success_rate_percent = Some(success);
        p.performance.median_turnaround_days = Some(turnaround);
        out.push((
            name.to_owned(),
            org.admin.create_cdmo_profile(&p).await.unwrap(),
        ));
    }
    out
}

/// A programme of `sponsor`'s with [`requirements`] and success rate more important.
async fn ordered_program(sponsor: &cdmx_e2e::OrgFixture) -> Program {
    let mut request = crate::matching::program("Ordered");
    request.requirements = RequirementSet {
        weight_order: vec![vec![Criterion::SuccessRate], vec![Criterion::Turnaround]],
        ..requirements()
    };
    sponsor.admin.create_program(&request).await.unwrap()
}

fn ask(samples: u32) -> Option<RankAcceptabilityRequest> {
    Some(RankAcceptabilityRequest {
        samples: Some(samples),
    })
}

fn of<'a>(result: &'a RankAcceptability, name: &str) -> Option<&'a CandidateAcceptability> {
    result.candidates.iter().find(|c| c.name == name)
}

#[tokio::test]
async fn an_order_of_importance_gives_the_hand_computed_acceptabilities_every_time() {
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let request = MatchRequest {
        requirements: RequirementSet {
            weight_order: vec![vec![Criterion::SuccessRate], vec![Criterion::Turnaround]],
            ..requirements()
        },
        rank_acceptability: ask(20_000),
        ..MatchRequest::new(RequirementSet::default())
    };
    let result = sponsor.admin.create_match(&request).await.unwrap();
    let acceptability = result.rank_acceptability.clone().unwrap();
    assert_eq!(acceptability.method, AcceptabilityMethod::OrderedDirichlet);
    assert_eq!(acceptability.samples, 20_000);
    assert_eq!(acceptability.considered, 4);

    // Success at least as important as turnaround: w is uniform on [0.5, 1], so Accurate
    // leads with probability (1 − 4/7)/0.5 = 6/7 and Central with 1/7 (standard error
    // 0.0025 at 20,000 samples); Brisk is never first but always in the top 3.
    let accurate = of(&acceptability, "Accurate").unwrap();
    let central = of(&acceptability, "Central").unwrap();
    let brisk = of(&acceptability, "Brisk").unwrap();
    assert!((accurate.rank_1 - 6.0 / 7.0).abs() < 0.012, "{accurate:?}");
    assert!((central.rank_1 - 1.0 / 7.0).abs() < 0.012, "{central:?}");
    assert_eq!((brisk.rank_1, brisk.top_3), (0.0, 1.0));
    assert!(brisk.central_weights.is_empty() && brisk.confidence_factor.is_none());
    // Dominated is fourth under every weight vector: never in the top 3, so not listed.
    assert!(of(&acceptability, "Dominated").is_none());
    let sum: f64 = acceptability.candidates.iter().map(|c| c.rank_1).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    assert_eq!(acceptability.candidates[0].name, "Accurate");

    // Central weights are the mean of the weights that make each first: for Central,
    // w uniform on [0.5, 4/7], mean 15/28; they respect the order, and each is first there.
    let central_success = central.central_weights[0].weight;
    assert!((central_success - 15.0 / 28.0).abs() < 0.01, "{central:?}");
    for c in [accurate, central] {
        assert_eq!(c.central_weights[0].criterion, Criterion::SuccessRate);
        assert!(c.central_weights[0].weight >= c.central_weights[1].weight);
        assert_eq!(c.confidence_factor, Some(1.0));
    }
    // The point ranking beside it: equal weights put Central first (0.675).
    assert_eq!(result.candidates[0].name, "Central");
    assert_eq!(central.point_rank, 1);

    // The same request gives the same figures; another sample count another seed.
    let again = sponsor.admin.create_match(&request).await.unwrap();
    assert_eq!(again.rank_acceptability, result.rank_acceptability);
    let other = MatchRequest {
        rank_acceptability: ask(20_001),
        ..request.clone()
    };
    let other = sponsor.admin.create_match(&other).await.unwrap();
    assert_ne!(other.rank_acceptability.unwrap().seed, acceptability.seed);
}

#[tokio::test]
async fn weight_ranges_are_sampled_uniformly_and_a_single_point_is_the_point_ranking() {
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut ranged = requirements();
    ranged.criteria[0].weight_range = Some(WeightRange { min: 0.2, max: 0.8 });
    let request = MatchRequest {
        requirements: ranged,
        rank_acceptability: ask(20_000),
        ..MatchRequest::new(RequirementSet::default())
    };
    let acceptability = sponsor
        .admin
        .create_match(&request)
        .await
        .unwrap()
        .rank_acceptability
        .unwrap();
    assert_eq!(acceptability.method, AcceptabilityMethod::HitAndRun);
    // w uniform on [0.2, 0.8]: Brisk first on [0.2, 0.4] (1/3), Central on [0.4, 4/7]
    // (2/7), Accurate on [4/7, 0.8] (8/21).
    for (name, expected) in [
        ("Brisk", 1.0 / 3.0),
        ("Central", 2.0 / 7.0),
        ("Accurate", 8.0 / 21.0),
    ] {
        let c = of(&acceptability, name).unwrap();
        assert!((c.rank_1 - expected).abs() < 0.02, "{name}: {c:?}");
    }

    // Without ranges or an order only the point weights are admitted: one sample, and
    // the point ranking's first is first with certainty.
    let point = MatchRequest {
        requirements: requirements(),
        ..request.clone()
    };
    let result = sponsor.admin.create_match(&point).await.unwrap();
    let acceptability = result.rank_acceptability.unwrap();
    assert_eq!(acceptability.method, AcceptabilityMethod::Point);
    assert_eq!(acceptability.samples, 1);
    let first = &acceptability.candidates[0];
    assert_eq!(first.profile_id, result.candidates[0].profile_id);
    assert_eq!((first.rank_1, first.top_3, first.point_rank), (1.0, 1.0, 1));
    assert!(
        acceptability.candidates[1..]
            .iter()
            .all(|c| c.rank_1 == 0.0)
    );
    assert_eq!(acceptability.candidates.len(), 3);

    // A match that does not ask has none.
    let plain = MatchRequest::new(requirements());
    let plain = sponsor.admin.create_match(&plain).await.unwrap();
    assert!(plain.rank_acceptability.is_none());
}

#[tokio::test]
async fn bad_weight_regions_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let try_match = |requirements: RequirementSet, samples: u32| {
        let request = MatchRequest {
            requirements,
            rank_acceptability: ask(samples),
            ..MatchRequest::new(RequirementSet::default())
        };
        let admin = sponsor.admin.clone();
        async move { problem_fields(admin.create_match(&request).await.unwrap_err()) }
    };
    let with_range = |i: usize, min: f64, max: f64| {
        let mut set = requirements();
        set.criteria[i].weight_range = Some(WeightRange { min, max });
        set
    };
    let unprocessable = |field: &str| (422, vec![field.to_owned()]);

    assert_eq!(
        try_match(with_range(0, 0.1, 1.5), 1000).await,
        unprocessable("requirements.criteria[0].weight_range.max")
    );
    assert_eq!(
        try_match(with_range(1, 0.6, 0.4), 1000).await,
        unprocessable("requirements.criteria[1].weight_range.min")
    );
    // Both criteria at least 0.6: no weights sum to 1.
    let mut empty = with_range(0, 0.6, 0.9);
    empty.criteria[1].weight_range = Some(WeightRange { min: 0.6, max: 0.9 });
    assert_eq!(
        try_match(empty, 1000).await,
        unprocessable("requirements.criteria")
    );
    let cycle = RequirementSet {
        weight_order: vec![
            vec![Criterion::SuccessRate],
            vec![Criterion::Turnaround],
            vec![Criterion::SuccessRate],
        ],
        ..requirements()
    };
    assert_eq!(
        try_match(cycle, 1000).await,
        unprocessable("requirements.weight_order[2][0]")
    );
    let incomplete = RequirementSet {
        weight_order: vec![vec![Criterion::SuccessRate]],
        ..requirements()
    };
    assert_eq!(
        try_match(incomplete, 1000).await,
        unprocessable("requirements.weight_order")
    );
    let both = RequirementSet {
        weight_order: vec![vec![Criterion::SuccessRate, Criterion::Turnaround]],
        ..with_range(0, 0.2, 0.8)
    };
    assert_eq!(
        try_match(both, 1000).await,
        unprocessable("requirements.weight_order")
    );
    assert_eq!(
        try_match(requirements(), 10).await,
        unprocessable("rank_acceptability.samples")
    );
    // A programme match checks the request before reading the programme.
    let bad_samples = ProgramMatchRequest {
        rank_acceptability: ask(10),
        ..Default::default()
    };
    assert_eq!(
        problem_fields(
            sponsor
                .admin
                .match_program("no-such-programme", &bad_samples)
                .await
                .unwrap_err()
        ),
        unprocessable("rank_acceptability.samples")
    );
}

#[tokio::test]
async fn programme_matches_and_shortlists_carry_rank_acceptability() {
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let program = ordered_program(&sponsor).await;
    let matched = sponsor
        .admin
        .match_program(
            &program.id,
            &ProgramMatchRequest {
                rank_acceptability: ask(5_000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let acceptability = matched.rank_acceptability.unwrap();
    assert_eq!(acceptability.samples, 5_000);
    let saved = sponsor
        .admin
        .create_shortlist(&CreateShortlistRequest {
            program_id: program.id.clone(),
            name: None,
            limit: None,
            rank_acceptability: ask(5_000),
        })
        .await
        .unwrap();
    // The shortlist keeps what the match said, figure for figure (same request, same seed).
    assert_eq!(saved.result.rank_acceptability, Some(acceptability));
    let read = sponsor.admin.get_shortlist(&saved.id).await.unwrap();
    assert_eq!(
        read.result.rank_acceptability,
        saved.result.rank_acceptability
    );
}

#[tokio::test]
async fn reports_show_rank_acceptability_beside_the_point_score() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let program = ordered_program(&sponsor).await;
    let save = |rank_acceptability| CreateShortlistRequest {
        program_id: program.id.clone(),
        name: None,
        limit: None,
        rank_acceptability,
    };
    let saved = sponsor
        .admin
        .create_shortlist(&save(ask(5_000)))
        .await
        .unwrap();
    let kept = saved.result.rank_acceptability.clone().unwrap();
    let report = |format: &str| ReportParams {
        format: Some(format.into()),
        table: None,
    };
    let file = |format: &'static str, id: String| {
        let admin = sponsor.admin.clone();
        async move {
            admin
                .get_shortlist_report(&id, &report(format))
                .await
                .unwrap()
                .bytes
        }
    };

    // CSV: each ranked CDMO's shares right after its total.
    let csv_bytes = file("csv", saved.id.clone()).await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers[3..6],
        ["total", "rank_1_acceptability", "top_3_acceptability"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let name = &row[1];
        let (rank_1, top_3) = of(&kept, name).map_or((0.0, 0.0), |c| (c.rank_1, c.top_3));
        let read = |i: usize| row[i].parse::<f64>().unwrap();
        assert!((read(4) - rank_1).abs() < 1e-6, "{name}");
        assert!((read(5) - top_3).abs() < 1e-6, "{name}");
    }

    // XLSX: a sheet of shares as numbers, most often first first.
    let xlsx = file("xlsx", saved.id.clone()).await;
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("Acceptability").unwrap();
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&Data::String(kept.candidates[0].name.clone()))
    );
    assert_eq!(
        sheet.get_value((1, 3)),
        Some(&Data::Float(kept.candidates[0].rank_1))
    );

    // HTML and PDF: the section, with the seed that reproduces it.
    let html = String::from_utf8(file("html", saved.id.clone()).await).unwrap();
    assert!(html.contains("<h2>Rank acceptability</h2>"));
    assert!(html.contains(&format!("Seed {}", kept.seed)));
    assert!(html.contains("<td>Accurate</td>"));
    let pdf = file("pdf", saved.id.clone()).await;
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Rank acceptability"));
    assert!(text.contains(&kept.seed));

    // A shortlist saved without it says nothing of it.
    let plain = sponsor.admin.create_shortlist(&save(None)).await.unwrap();
    let csv_bytes = file("csv", plain.id.clone()).await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    assert!(
        !reader
            .headers()
            .unwrap()
            .iter()
            .any(|h| h.contains("acceptability"))
    );
    let html = String::from_utf8(file("html", plain.id.clone()).await).unwrap();
    assert!(!html.contains("Rank acceptability"));
}
