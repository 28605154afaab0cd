//! Licences with a structured coverage, regulatory acceptance of a site's batches, and the
//! inspection record by authority: stored, validated and matched, through the SDK.

use cdmx::db::schema::{cdmo_profile_revisions, cdmo_profiles};
use cdmx_e2e::{TestApp, base_profile, expect_problem};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

const DEMO_PASSWORD: &str = "demo password 123";
const HELIANTHE: &str = "Plateforme Hélianthe de Thérapie Cellulaire";
const AUENFELD: &str = "Klinikum Auenfeld GMP-Zentrum";

/// A server with the demo data loaded, and the demo sponsor signed in.
async fn demo() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    let hash = cdmx::auth::passwords::hash(
        &cdmx::domain::accounts::Password::parse(DEMO_PASSWORD).unwrap(),
    )
    .unwrap();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &hash))
        .await
        .unwrap()
        .unwrap()
        .expect("the database was empty");
    let sponsor = app
        .client
        .login(cdmx::app::demo::DEMO_SPONSOR_EMAIL, DEMO_PASSWORD)
        .await
        .unwrap();
    (app, sponsor)
}

fn requirements(constraints: HardConstraints, criteria: Vec<WeightedCriterion>) -> MatchRequest {
    MatchRequest {
        limit: Some(100),
        ..MatchRequest::new(RequirementSet {
            weight_order: Vec::new(),
            constraints,
            criteria,
            missing_data_penalty_percent: None,
            capacity: None,
            near_miss_tolerances: vec![],
        })
    }
}

fn exclusion<'a>(result: &'a MatchResult, name: &str) -> &'a Exclusion {
    result
        .excluded
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} is not excluded"))
}

fn candidate_names(result: &MatchResult) -> Vec<&str> {
    result.candidates.iter().map(|c| c.name.as_str()).collect()
}

fn coverage(modalities: &[Modality], activities: &[LicensedActivity]) -> Option<LicenceCoverage> {
    Some(LicenceCoverage {
        modalities: modalities.to_vec(),
        donor_sources: vec![DonorSource::Autologous],
        activities: activities.to_vec(),
    })
}

/// Scenario 5: a hospital exemption granted for an MSC preparation is not one for CAR-T.
#[tokio::test]
async fn a_hospital_exemption_for_msc_does_not_satisfy_a_car_t_programme() {
    let (_app, sponsor) = demo().await;
    let program = ProgramRequest {
        name: "Paediatric CD19 CAR-T under hospital exemption".into(),
        product: Product {
            modality: Modality::CarT,
            donor_source: DonorSource::Autologous,
            gene_modification: GeneModificationMethod::Lentiviral,
        },
        target_phase: Phase::Phase1_2,
        target_markets: vec![],
        timeline: Timeline::default(),
        requirements: RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints {
                licences: vec![LicenceRequirement::new(
                    None,
                    Some(LicenceKind::HospitalExemption),
                )],
                ..Default::default()
            },
            criteria: vec![WeightedCriterion::new(Criterion::Turnaround, 1.0)],
            missing_data_penalty_percent: None,
            capacity: None,
            near_miss_tolerances: vec![],
        },
    };
    let created = sponsor.create_program(&program).await.unwrap();
    assert_eq!(created.program, program);
    let result = sponsor
        .match_program(
            &created.id,
            &ProgramMatchRequest {
                split_allocation: None,
                rank_acceptability: None,
                limit: Some(100),
                excluded_cursor: None,
            },
        )
        .await
        .unwrap();

    // The German hospital makes CAR-T and holds a hospital exemption, for MSC.
    let auenfeld = exclusion(&result, AUENFELD);
    assert_eq!(auenfeld.failed.len(), 1, "{:?}", auenfeld.failed);
    let failed = &auenfeld.failed[0];
    assert_eq!(failed.constraint, "licences");
    assert_eq!(
        failed.required,
        "hospital_exemption (unexpired) covering car_t, autologous, for manufacturing"
    );
    assert!(
        failed
            .actual
            .contains("hospital_exemption covering msc, allogeneic"),
        "{failed:?}"
    );
    // Typed: a categorical failure, with the coverage asked and each licence's.
    assert_eq!(
        (failed.code, failed.class),
        (ConstraintCode::Licence, ConstraintClass::Categorical)
    );
    assert_eq!(
        failed.required_value.values.as_deref(),
        Some(&["any/hospital_exemption/car_t/autologous/manufacturing".to_owned()][..])
    );
    assert!(
        failed
            .actual_value
            .values
            .as_ref()
            .is_some_and(|held| held.contains(
                &"eu_member_state/hospital_exemption/msc/allogeneic/manufacturing+testing+release"
                    .to_owned()
            )),
        "{failed:?}"
    );
    assert!(!auenfeld.near_miss);
    // The point-of-care units' exemptions were granted for autologous CAR-T.
    let names = candidate_names(&result);
    for unit in [
        "Alborada Children's Hospital CAR-T Unit",
        "Skogsbacka Children's Cancer Centre CAR-T Unit",
        "Rotmain Klinikum Point-of-Care CAR-T",
        "Yarkon Medical Center Point-of-Care Unit",
    ] {
        assert!(names.contains(&unit), "{unit} not among {names:?}");
    }
    assert!(!names.contains(&AUENFELD));
}

/// Scenario 2: a French academic centre whose clinical batches the FDA accepted.
#[tokio::test]
async fn fda_acceptance_of_ex_us_batches_is_a_constraint_and_fda_inspections_a_criterion() {
    let (_app, sponsor) = demo().await;
    let fda_inspections = WeightedCriterion {
        authorities: vec![Authority::Fda],
        missing: Some(MissingDataPolicy::Penalise),
        ..WeightedCriterion::new(Criterion::InspectionHistory, 1.0)
    };
    let program = ProgramRequest {
        name: "THY-01 T-cell progenitors, Phase I/II in France and the US".into(),
        product: Product {
            modality: Modality::TCellProgenitors,
            donor_source: DonorSource::Allogeneic,
            gene_modification: GeneModificationMethod::None,
        },
        target_phase: Phase::Phase1_2,
        target_markets: vec!["FR".into(), "US".into()],
        timeline: Timeline::default(),
        requirements: RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints {
                countries_allowed: vec!["FR".into(), "BE".into()],
                accepted_by: vec![AcceptanceRequirement {
                    authority: Authority::Fda,
                    batches: Some(AcceptedBatches::ClinicalBatches),
                }],
                licences: vec![LicenceRequirement {
                    activities: vec![LicensedActivity::Manufacturing, LicensedActivity::Release],
                    ..LicenceRequirement::new(
                        Some(Authority::EuMemberState),
                        Some(LicenceKind::ImpLicence),
                    )
                }],
                ..Default::default()
            },
            criteria: vec![
                fda_inspections.clone(),
                WeightedCriterion::new(Criterion::TrackRecordDepth, 1.0),
            ],
            missing_data_penalty_percent: None,
            capacity: None,
            near_miss_tolerances: vec![],
        },
    };
    let created = sponsor.create_program(&program).await.unwrap();
    assert_eq!(
        created.program, program,
        "the new fields are stored as given"
    );
    let result = sponsor
        .match_program(
            &created.id,
            &ProgramMatchRequest {
                split_allocation: None,
                rank_acceptability: None,
                limit: Some(100),
                excluded_cursor: None,
            },
        )
        .await
        .unwrap();
    let mut names = candidate_names(&result);
    names.sort_unstable();
    assert_eq!(
        names,
        ["Meerdaal University Cell Therapy Facility", HELIANTHE]
    );
    // Both were inspected by the FDA without findings: the FDA-only record is perfect.
    for c in &result.candidates {
        assert_eq!(c.criteria[0].raw, Some(1.0), "{}", c.name);
    }
    // The other centre in France has no FDA acceptance and no T-cell progenitor licence.
    let lyon = exclusion(&result, "Centre de Biothérapies Rhodanien");
    let accepted = lyon
        .failed
        .iter()
        .find(|f| f.constraint == "accepted_by")
        .unwrap_or_else(|| panic!("{:?}", lyon.failed));
    assert_eq!(accepted.required, "clinical_batches accepted by fda");
    assert_eq!(accepted.actual, "no acceptances recorded");
    assert_eq!(
        (accepted.code, accepted.class),
        (
            ConstraintCode::RegulatoryAcceptance,
            ConstraintClass::Categorical
        )
    );
    assert_eq!(
        accepted.required_value.values.as_deref(),
        Some(&["fda/clinical_batches".to_owned()][..])
    );
    assert_eq!(accepted.actual_value.values.as_deref(), Some(&[][..]));
    let licence = lyon
        .failed
        .iter()
        .find(|f| f.constraint == "licences")
        .unwrap_or_else(|| panic!("{:?}", lyon.failed));
    assert!(
        licence.actual.contains("for manufacturing, testing"),
        "{licence:?}"
    );

    // Ad hoc, with inspections by an authority that inspected neither: the policy applies.
    let mut set = program.requirements.clone();
    set.constraints.modalities = vec![Modality::TCellProgenitors];
    set.criteria = vec![WeightedCriterion {
        authorities: vec![Authority::Pmda],
        missing: Some(MissingDataPolicy::Exclude),
        ..WeightedCriterion::new(Criterion::InspectionHistory, 1.0)
    }];
    let result = sponsor
        .create_match(&MatchRequest {
            limit: Some(100),
            ..MatchRequest::new(set)
        })
        .await
        .unwrap();
    assert!(
        result.candidates.is_empty(),
        "{:?}",
        candidate_names(&result)
    );
    let helianthe = exclusion(&result, HELIANTHE);
    assert_eq!(helianthe.failed.len(), 1);
    assert_eq!(helianthe.failed[0].constraint, "criteria");
}

#[tokio::test]
async fn licence_coverage_and_acceptances_round_trip_and_are_validated() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Scoped Cells").await;
    let mut p = base_profile("Scoped Cells");
    p.sites[0].licences[0].kind = LicenceKind::HospitalExemption;
    p.sites[0].licences[0].scope = "Hospital exemption: CD19 CAR-T".into();
    p.sites[0].licences[0].coverage =
        coverage(&[Modality::CarT], &[LicensedActivity::Manufacturing]);
    p.sites[0].acceptances = vec![RegulatoryAcceptance {
        authority: Authority::Fda,
        batches: AcceptedBatches::ClinicalBatches,
        accepted_on: NaiveDate::from_ymd_opt(2024, 4, 2).unwrap(),
        reference: Some("IND 029911".into()),
        note: Some("Batches for the US arm of a Phase I trial.".into()),
    }];
    let created = org.admin.create_cdmo_profile(&p).await.unwrap();
    assert_eq!(created.profile, p);
    assert_eq!(
        org.admin
            .get_cdmo_profile(&created.id)
            .await
            .unwrap()
            .profile,
        p
    );

    let mut bad = p.clone();
    bad.sites[0].licences[0].scope = " ".into();
    bad.sites[0].licences[0].coverage = Some(LicenceCoverage {
        modalities: vec![Modality::CarT, Modality::CarT],
        donor_sources: vec![],
        activities: vec![],
    });
    bad.sites[0].acceptances[0].accepted_on = NaiveDate::from_ymd_opt(2999, 1, 1).unwrap();
    let err = org
        .admin
        .replace_cdmo_profile(&created.id, created.revision, &bad)
        .await
        .unwrap_err();
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
            "sites[0].licences[0].scope",
            "sites[0].licences[0].coverage.modalities[1]",
            "sites[0].licences[0].coverage.activities",
            "sites[0].acceptances[0].accepted_on",
        ]
    );

    // An unknown modality, activity or batch kind is 422 naming the field.
    let mut body = serde_json::to_value(&p).unwrap();
    body["sites"][0]["licences"][0]["coverage"]["modalities"][0] = json!("car_x");
    body["sites"][0]["acceptances"][0]["batches"] = json!("all_batches");
    let response = reqwest::Client::new()
        .put(app.url(&format!("/v1/cdmos/{}", created.id)))
        .bearer_auth(org.token().await)
        .header("if-match", format!("\"{}\"", created.revision))
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"sites[0].licences[0].coverage.modalities[0]")
            && fields.contains(&"sites[0].acceptances[0].batches"),
        "{problem:?}"
    );

    // Requirement-side mistakes are 422 naming the field.
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let fda = AcceptanceRequirement {
        authority: Authority::Fda,
        batches: None,
    };
    let err = sponsor
        .admin
        .create_match(&requirements(
            HardConstraints {
                accepted_by: vec![fda.clone(), fda],
                licences: vec![LicenceRequirement {
                    activities: vec![LicensedActivity::Release, LicensedActivity::Release],
                    ..LicenceRequirement::new(Some(Authority::Fda), None)
                }],
                ..Default::default()
            },
            vec![WeightedCriterion {
                authorities: vec![Authority::Fda],
                ..WeightedCriterion::new(Criterion::SuccessRate, 1.0)
            }],
        ))
        .await
        .unwrap_err();
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
            "requirements.constraints.licences[0].activities[1]",
            "requirements.constraints.accepted_by[1]",
            "requirements.criteria[0].authorities",
        ]
    );
}

/// A licence without `coverage` (as storage format 1 stored every licence, and as a `/v1`
/// client that predates `coverage` still sends it) keeps its text `scope`, reads with its
/// coverage not stated, and satisfies no licence requirement until the CDMO states it.
#[tokio::test]
async fn a_licence_without_coverage_covers_nothing_until_stated() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Old Cells").await;
    let p = base_profile("Old Cells");
    let created = org.admin.create_cdmo_profile(&p).await.unwrap();

    // Rewrite the stored documents as format 1 wrote them.
    let mut old = serde_json::to_value(&p).unwrap();
    let licence = old["sites"][0]["licences"][0].as_object_mut().unwrap();
    licence.remove("coverage");
    licence.insert("scope".into(), json!("ATMP manufacture (pre-2026 text)"));
    let text = json!({"format": 1, "kind": "profile", "document": old}).to_string();
    let id = created.id.clone();
    app.db
        .write(move |c| {
            diesel::update(cdmo_profiles::table.find(&id))
                .set(cdmo_profiles::document.eq(&text))
                .execute(c)?;
            diesel::update(cdmo_profile_revisions::table.find((&id, 1)))
                .set(cdmo_profile_revisions::document.eq(&text))
                .execute(c)?;
            cdmx::db::profiles::touch_profile(c, &id)
        })
        .await
        .unwrap();

    let read = org.admin.get_cdmo_profile(&created.id).await.unwrap();
    let licence = &read.profile.sites[0].licences[0];
    assert_eq!(licence.scope, "ATMP manufacture (pre-2026 text)");
    assert_eq!(licence.coverage, None);

    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let need = requirements(
        HardConstraints {
            modalities: vec![Modality::CarT],
            licences: vec![LicenceRequirement::new(
                Some(Authority::EuMemberState),
                Some(LicenceKind::ManufacturingAuthorisation),
            )],
            ..Default::default()
        },
        vec![WeightedCriterion::new(Criterion::SuccessRate, 1.0)],
    );
    let result = sponsor.admin.create_match(&need).await.unwrap();
    assert!(result.candidates.is_empty());
    let failed = &exclusion(&result, "Old Cells").failed[0];
    assert_eq!(
        failed.actual,
        "eu_member_state manufacturing_authorisation coverage not stated"
    );
    assert_eq!(
        failed.actual_value.values,
        Some(vec![
            "eu_member_state/manufacturing_authorisation/not_stated".to_owned()
        ])
    );

    // A client that predates `coverage` sends main's wire shape: accepted, and the
    // licence still covers nothing.
    let mut body = serde_json::to_value(&read.profile).unwrap();
    assert!(body["sites"][0]["licences"][0].get("coverage").is_none());
    body["sites"][0]["licences"][0]["scope"] = json!("ATMP manufacture");
    let response = reqwest::Client::new()
        .put(app.url(&format!("/v1/cdmos/{}", created.id)))
        .bearer_auth(org.token().await)
        .header("if-match", format!("\"{}\"", read.revision))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let read = org.admin.get_cdmo_profile(&created.id).await.unwrap();
    assert_eq!(read.profile.sites[0].licences[0].scope, "ATMP manufacture");
    assert_eq!(read.profile.sites[0].licences[0].coverage, None);
    let result = sponsor.admin.create_match(&need).await.unwrap();
    assert!(result.candidates.is_empty());

    // The CDMO states the coverage in a new revision: matched again.
    let mut stated = read.profile.clone();
    stated.sites[0].licences[0].coverage = coverage(&[], &[LicensedActivity::Manufacturing]);
    org.admin
        .replace_cdmo_profile(&created.id, read.revision, &stated)
        .await
        .unwrap();
    let result = sponsor.admin.create_match(&need).await.unwrap();
    assert_eq!(candidate_names(&result), ["Old Cells"]);
}
