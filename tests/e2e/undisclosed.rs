//! Facts a CDMO does not disclose: stored and shown as absent (listed in `undisclosed`),
//! never read as 0 or `false` by matching, search or reports.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use cdmx_e2e::{OrgFixture, TestApp, base_profile};
use cdmx_sdk::types::*;
use serde_json::{Value, json};

/// An allogeneic CDMO that leaves out every fact it may keep to itself: no coordinates,
/// isolators, closed processing or cleanroom figures, an `allogeneic: {}` without volume or
/// doses, no GMP batch count or platform units, and no automation, quality, cryo,
/// performance or tech-transfer section at all.
fn reticent_profile(name: &str) -> Value {
    json!({
        "organization": {"name": name, "type": "academic_gmp_centre"},
        "sites": [{
            "key": "main", "name": "University campus", "country": "NL", "city": "Leiden",
            "cleanrooms": [{"grade": "b"}],
            "licences": [{"authority": "eu_member_state", "kind": "manufacturing_authorisation",
                          "scope": "ATMP manufacture", "granted_on": "2020-01-15"}]
        }],
        "donor_sources": {"allogeneic": {}},
        "modalities": ["car_t"],
        "gene_modification": {"methods": ["lentiviral"]},
        "phases": [{"phase": "phase_1", "programmes": 2}],
        "platforms": [{"platform": "stirred_tank_bioreactor"}],
        "qc": {"in_house_assays": ["mycoplasma", "endotoxin"]},
        "logistics": {"regions_served": ["europe"]}
    })
}

/// What the reticent CDMO does not disclose, in document order. Its autologous block is
/// absent (no experience), which is not an undisclosed fact.
const RETICENT_UNDISCLOSED: [&str; 37] = [
    "organization.years_in_operation",
    "sites[0].latitude",
    "sites[0].longitude",
    "sites[0].cleanrooms[0].count",
    "sites[0].cleanrooms[0].area_m2",
    "sites[0].closed_processing",
    "sites[0].isolators",
    "donor_sources.allogeneic.max_bioreactor_volume_l",
    "donor_sources.allogeneic.doses_per_batch",
    "phases[0].gmp_batches",
    "platforms[0].units",
    "platforms[0].parallel_batches",
    "automation.automated_wash_concentration",
    "automation.automated_formulation",
    "automation.fill",
    "automation.controlled_rate_freezers",
    "quality.qms",
    "quality.gmp_warehouse",
    "quality.validation_programme",
    "quality.calibration_programme",
    "qc.release_turnaround_days",
    "qc.qp_release",
    "cryo.min_storage_temp_c",
    "cryo.storage_positions",
    "cryo.controlled_rate_freezing",
    "logistics.shipping_lead_time_hours",
    "logistics.chain_of_custody",
    "performance.process_duration_days",
    "performance.median_turnaround_days",
    "performance.success_rate_percent",
    "tech_transfer.duration_months_min",
    "tech_transfer.duration_months_max",
    "tech_transfer.cost_usd_min",
    "tech_transfer.cost_usd_max",
    "tech_transfer.engineering_runs",
    "tech_transfer.comparability_support",
    "tech_transfer.process_development_services",
];

fn expected_undisclosed() -> Vec<&'static str> {
    RETICENT_UNDISCLOSED.to_vec()
}

/// Creates the reticent CDMO with a raw request (the sections it leaves out do not exist
/// in the body at all), returning its profile id.
async fn create_reticent(app: &TestApp, name: &str) -> (OrgFixture, String) {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    let response = reqwest::Client::new()
        .post(app.url("/v1/cdmos"))
        .bearer_auth(org.token().await)
        .json(&reticent_profile(name))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    (org, id)
}

/// An allogeneic CDMO that discloses a 500 L bioreactor, coordinates and closed processing.
async fn create_disclosing(app: &TestApp, name: &str) -> String {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    let mut p = base_profile(name);
    p.donor_sources = DonorSourceExperience {
        autologous: None,
        allogeneic: Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(500.0),
            doses_per_batch: Some(200),
        }),
    };
    org.admin.create_cdmo_profile(&p).await.unwrap().id
}

#[tokio::test]
async fn a_profile_without_optional_facts_round_trips_and_lists_what_it_does_not_disclose() {
    let app = TestApp::spawn().await;
    let (org, id) = create_reticent(&app, "Leiden Reticent Cell Facility").await;
    let read = org.admin.get_cdmo_profile(&id).await.unwrap();
    assert_eq!(read.undisclosed, expected_undisclosed());
    let p = &read.profile;
    assert_eq!(p.sites[0].latitude, None);
    assert_eq!(p.sites[0].isolators, None, "not false");
    assert_eq!(
        p.donor_sources.allogeneic,
        Some(AllogeneicExperience::default()),
        "allogeneic experience declared, no figure disclosed"
    );
    assert_eq!(p.automation, Automation::default());

    // On the wire an undisclosed fact is absent: neither null, nor 0, nor false.
    let raw: Value = reqwest::Client::new()
        .get(app.url(&format!("/v1/cdmos/{id}")))
        .bearer_auth(org.token().await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let site = raw["profile"]["sites"][0].as_object().unwrap();
    for key in ["latitude", "longitude", "isolators", "closed_processing"] {
        assert!(!site.contains_key(key), "{key} is sent: {site:?}");
    }
    assert_eq!(raw["profile"]["donor_sources"]["allogeneic"], json!({}));
    assert_eq!(raw["profile"]["automation"], json!({}));
    assert_eq!(raw["undisclosed"], json!(expected_undisclosed()));

    // A full replace with the document as read creates a revision equal to it.
    let replaced = org
        .admin
        .replace_cdmo_profile(&id, read.revision, &read.profile)
        .await
        .unwrap();
    assert_eq!(replaced.profile, read.profile);
    assert_eq!(replaced.undisclosed, read.undisclosed);

    // Disclosing a fact by merge patch takes it off the list; removing it puts it back.
    let patched = org
        .admin
        .patch_cdmo_profile(
            &id,
            replaced.revision,
            &json!({"donor_sources": {"allogeneic": {"max_bioreactor_volume_l": 50.0}}}),
        )
        .await
        .unwrap();
    assert!(
        !patched
            .undisclosed
            .iter()
            .any(|f| f == "donor_sources.allogeneic.max_bioreactor_volume_l")
    );
    let withdrawn = org
        .admin
        .patch_cdmo_profile(
            &id,
            patched.revision,
            &json!({"donor_sources": {"allogeneic": {"max_bioreactor_volume_l": null}}}),
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.undisclosed, expected_undisclosed());

    // A value that is given is still checked.
    let mut bad = reticent_profile("Leiden Reticent Cell Facility");
    bad["sites"][0]["latitude"] = json!(91.0);
    bad["donor_sources"]["allogeneic"]["max_bioreactor_volume_l"] = json!(-1.0);
    let response = reqwest::Client::new()
        .put(app.url(&format!("/v1/cdmos/{id}")))
        .bearer_auth(org.token().await)
        .header("if-match", format!("\"{}\"", withdrawn.revision))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: Problem = response.json().await.unwrap();
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "sites[0].longitude",
            "donor_sources.allogeneic.max_bioreactor_volume_l"
        ],
        "a lone latitude needs its longitude; a negative volume is out of range"
    );
}

fn scale_up(policy: MissingDataPolicy) -> MatchRequest {
    let mut request = MatchRequest::new(RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            donor_source: Some(DonorSource::Allogeneic),
            ..Default::default()
        },
        criteria: vec![
            WeightedCriterion {
                weight_range: None,
                criterion: Criterion::ScaleUp,
                weight: 1.0,
                scale: None,
                missing: Some(policy),
                origin: None,
                platforms: vec![],
                authorities: vec![],
            },
            WeightedCriterion {
                weight_range: None,
                criterion: Criterion::Distance,
                weight: 1.0,
                scale: None,
                missing: Some(policy),
                origin: Some(GeoPoint {
                    latitude: 52.16,
                    longitude: 4.49,
                }),
                platforms: vec![],
                authorities: vec![],
            },
        ],
        missing_data_penalty_percent: Some(20.0),
        capacity: None,
        near_miss_tolerances: vec![],
    });
    request.limit = Some(10);
    request
}

#[tokio::test]
async fn matching_treats_undisclosed_facts_by_policy_and_constraint() {
    let app = TestApp::spawn().await;
    let (_, reticent) = create_reticent(&app, "Leiden Reticent Cell Facility").await;
    let disclosing = create_disclosing(&app, "Rotterdam Open Cell Works").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;

    // exclude: the reticent CDMO is excluded, saying the values are not disclosed.
    let excluded = sponsor
        .create_match(&scale_up(MissingDataPolicy::Exclude))
        .await
        .unwrap();
    assert_eq!(excluded.candidates.len(), 1);
    assert_eq!(excluded.candidates[0].profile_id, disclosing);
    let e = &excluded.excluded[0];
    assert_eq!(e.profile_id, reticent);
    let reasons: Vec<(&str, &str)> = e
        .failed
        .iter()
        .map(|f| (f.constraint.as_str(), f.actual.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [("criteria", "not disclosed"), ("criteria", "not disclosed")]
    );
    assert!(e.failed[0].required.contains("scale_up"));
    assert!(e.failed[1].required.contains("distance"));

    // penalise: feasible, both criteria missing (not 0 L), the score cut twice by 20%.
    let penalised = sponsor
        .create_match(&scale_up(MissingDataPolicy::Penalise))
        .await
        .unwrap();
    assert_eq!(penalised.feasible_count, 2);
    let candidate = penalised
        .candidates
        .iter()
        .find(|c| c.profile_id == reticent)
        .unwrap();
    assert_eq!(candidate.total, 0.0);
    assert!((candidate.penalty_factor - 0.64).abs() < 1e-12);
    for score in &candidate.criteria {
        assert_eq!(score.raw, None, "{:?}", score.criterion);
        assert_eq!(score.missing, Some(MissingDataPolicy::Penalise));
    }
    let open = penalised
        .candidates
        .iter()
        .find(|c| c.profile_id == disclosing)
        .unwrap();
    assert_eq!(open.criteria[0].raw, Some(500.0));
    assert_eq!(open.penalty_factor, 1.0);
    assert_eq!(open.rank, 1);

    // zero: feasible, no penalty.
    let zero = sponsor
        .create_match(&scale_up(MissingDataPolicy::Zero))
        .await
        .unwrap();
    let candidate = zero
        .candidates
        .iter()
        .find(|c| c.profile_id == reticent)
        .unwrap();
    assert_eq!(candidate.penalty_factor, 1.0);
    assert_eq!(candidate.criteria[0].missing, Some(MissingDataPolicy::Zero));

    // A hard constraint on an undisclosed fact fails and says so.
    let mut constrained = scale_up(MissingDataPolicy::Zero);
    constrained.requirements.constraints.min_bioreactor_volume_l = Some(200.0);
    constrained
        .requirements
        .constraints
        .closed_processing_required = true;
    let result = sponsor.create_match(&constrained).await.unwrap();
    let e = result
        .excluded
        .iter()
        .find(|e| e.profile_id == reticent)
        .unwrap();
    let reasons: Vec<(&str, &str)> = e
        .failed
        .iter()
        .map(|f| (f.constraint.as_str(), f.actual.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("closed_processing_required", "not disclosed"),
            ("min_bioreactor_volume_l", "not disclosed"),
        ]
    );
    for failed in &e.failed {
        assert!(failed.actual_value.not_disclosed, "{failed:?}");
    }
    assert_eq!(result.candidates[0].profile_id, disclosing);
}

#[tokio::test]
async fn search_filters_never_match_an_undisclosed_fact() {
    let app = TestApp::spawn().await;
    let (org, reticent) = create_reticent(&app, "Leiden Reticent Cell Facility").await;
    let search = |closed: Option<bool>, cryo: Option<i32>| CdmoSearch {
        closed_processing: closed,
        cryo_max_temp_c: cryo,
        ..Default::default()
    };
    let ids =
        |page: Page<CdmoSummary>| -> Vec<String> { page.items.into_iter().map(|s| s.id).collect() };
    let listed = ids(org.admin.search_cdmos(&search(None, None)).await.unwrap());
    assert_eq!(listed, [reticent], "unfiltered, it is listed");
    for (closed, cryo) in [(Some(true), None), (Some(false), None), (None, Some(-150))] {
        let found = ids(org.admin.search_cdmos(&search(closed, cryo)).await.unwrap());
        assert!(found.is_empty(), "{closed:?} {cryo:?}: {found:?}");
    }
}

#[tokio::test]
async fn reports_print_not_disclosed_for_a_missing_value() {
    let app = TestApp::spawn().await;
    create_reticent(&app, "Leiden Reticent Cell Facility").await;
    create_disclosing(&app, "Rotterdam Open Cell Works").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;
    let request = scale_up(MissingDataPolicy::Zero);
    let program = sponsor
        .create_program(&ProgramRequest {
            name: "Allogeneic CAR-T, Phase I".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Allogeneic,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase1,
            target_markets: vec![],
            timeline: Timeline::default(),
            requirements: request.requirements,
        })
        .await
        .unwrap();
    let saved = sponsor
        .create_shortlist(&CreateShortlistRequest {
            rank_acceptability: None,
            program_id: program.id,
            name: Some("Scale-up round".into()),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(saved.result.candidates.len(), 2);
    let report = |format: &str| ReportParams {
        format: Some(format.into()),
        table: None,
    };

    let csv = sponsor
        .get_shortlist_report(&saved.id, &report("csv"))
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (scale_up, distance) = (column("value_scale_up"), column("value_distance"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row_of = |name: &str| rows.iter().find(|r| &r[1] == name).unwrap().clone();
    let reticent = row_of("Leiden Reticent Cell Facility");
    assert_eq!(
        (&reticent[scale_up], &reticent[distance]),
        ("not disclosed", "not disclosed")
    );
    let open = row_of("Rotterdam Open Cell Works");
    assert_eq!(&open[scale_up], "500");
    assert!(
        open[distance].parse::<f64>().unwrap() > 100.0,
        "Lyon to Leiden"
    );

    let xlsx = sponsor
        .get_shortlist_report(&saved.id, &report("xlsx"))
        .await
        .unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx.bytes)).unwrap();
    let values = book.worksheet_range("Values").unwrap();
    assert_eq!(
        values.get_value((0, 1)),
        Some(&Data::String("Scale-up (L)".into()))
    );
    let row = (1..=2)
        .find(|r| {
            values.get_value((*r, 0)) == Some(&Data::String("Leiden Reticent Cell Facility".into()))
        })
        .unwrap();
    assert_eq!(
        values.get_value((row, 1)),
        Some(&Data::String("not disclosed".into()))
    );
    let other = 3 - row;
    assert_eq!(values.get_value((other, 1)), Some(&Data::Float(500.0)));

    let pdf = sponsor
        .get_shortlist_report(&saved.id, &report("pdf"))
        .await
        .unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf.bytes).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Raw values"), "the section is there");
    assert!(
        text.contains("Leiden Reticent Cell Facility not disclosed"),
        "no values for the reticent CDMO in:\n{text}"
    );
    assert!(text.contains("Scale-up"), "the criterion is named");
    assert!(
        text.contains("500 L"),
        "the other CDMO's value with its unit"
    );
}
