use cdmx_sdk::types::*;
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::demo::synthetic::synthetic_profile;
use crate::domain::profiles::section_confidence;
use crate::domain::profiles::tests::{sample, sample_disclosing_nothing_optional};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn features_of(id: &str, profile: &CapabilityProfile, verified: bool) -> CdmoFeatures {
    CdmoFeatures::new(
        ProfileIdentity {
            profile_id: id.into(),
            organization_id: format!("org-{id}"),
            revision: 1,
            verified,
        },
        profile,
        section_confidence(&[], today()),
    )
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

fn requirements(
    constraints: HardConstraints,
    criteria: Vec<WeightedCriterion>,
) -> ValidRequirements {
    ValidRequirements::parse(
        RequirementSet {
            constraints,
            criteria,
            ..Default::default()
        },
        None,
    )
    .unwrap()
}

fn failed_constraints(profile: &CapabilityProfile, constraints: HardConstraints) -> Vec<String> {
    let req = requirements(constraints, vec![criterion(Criterion::QcCoverage, 1.0)]);
    let f = features_of("x", profile, false);
    let result = run_match([&f], &req, today(), &Availability::default(), 10);
    result
        .excluded
        .first()
        .map(|e| e.failed.iter().map(|c| c.constraint.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn each_hard_constraint_excludes_with_its_name_and_passes_when_met() {
    let p = sample(); // autologous CAR-T, lentiviral, FR, grade B closed, -180 C, Phase 3 x1, 24 h, EU licence.
    let cases: Vec<(HardConstraints, HardConstraints, &str)> = vec![
        (
            HardConstraints {
                donor_source: Some(DonorSource::Allogeneic),
                ..Default::default()
            },
            HardConstraints {
                donor_source: Some(DonorSource::Autologous),
                ..Default::default()
            },
            "donor_source",
        ),
        (
            HardConstraints {
                modalities: vec![Modality::Nk, Modality::Msc],
                ..Default::default()
            },
            HardConstraints {
                modalities: vec![Modality::Nk, Modality::CarT],
                ..Default::default()
            },
            "modalities",
        ),
        (
            HardConstraints {
                gene_modification: vec![GeneModificationMethod::Transposon],
                ..Default::default()
            },
            HardConstraints {
                gene_modification: vec![GeneModificationMethod::Lentiviral],
                ..Default::default()
            },
            "gene_modification",
        ),
        (
            // Scenario 5: a point-of-care process locked to CliniMACS Prodigy; the sample
            // CDMO runs Prodigy, not Cocoon.
            HardConstraints {
                platforms: vec![Platform::LonzaCocoon],
                ..Default::default()
            },
            HardConstraints {
                platforms: vec![Platform::LonzaCocoon, Platform::ClinimacsProdigy],
                ..Default::default()
            },
            "platforms",
        ),
        (
            HardConstraints {
                phase_track_record: Some(PhaseTrackRecord {
                    phase: Phase::Phase3,
                    min_programmes: 2,
                }),
                ..Default::default()
            },
            HardConstraints {
                phase_track_record: Some(PhaseTrackRecord {
                    phase: Phase::Phase3,
                    min_programmes: 1,
                }),
                ..Default::default()
            },
            "phase_track_record",
        ),
        (
            HardConstraints {
                licences: vec![LicenceRequirement::new(Some(Authority::Fda), None)],
                ..Default::default()
            },
            HardConstraints {
                licences: vec![LicenceRequirement::new(
                    None,
                    Some(LicenceKind::ManufacturingAuthorisation),
                )],
                ..Default::default()
            },
            "licences",
        ),
        (
            HardConstraints {
                min_cleanroom_grade: Some(CleanroomGrade::A),
                ..Default::default()
            },
            HardConstraints {
                min_cleanroom_grade: Some(CleanroomGrade::A),
                closed_processing_accepted: true,
                ..Default::default()
            },
            "min_cleanroom_grade",
        ),
        (
            HardConstraints {
                max_cryo_temp_c: Some(-190),
                ..Default::default()
            },
            HardConstraints {
                max_cryo_temp_c: Some(-150),
                ..Default::default()
            },
            "max_cryo_temp_c",
        ),
        (
            HardConstraints {
                countries_allowed: vec!["DE".into(), "US".into()],
                ..Default::default()
            },
            HardConstraints {
                countries_allowed: vec!["FR".into()],
                ..Default::default()
            },
            "countries_allowed",
        ),
        (
            HardConstraints {
                countries_excluded: vec!["FR".into()],
                ..Default::default()
            },
            HardConstraints {
                countries_excluded: vec!["US".into()],
                ..Default::default()
            },
            "countries_excluded",
        ),
        (
            HardConstraints {
                qc_assays_in_house: vec![QcAssay::Potency, QcAssay::Mycoplasma],
                ..Default::default()
            },
            HardConstraints {
                qc_assays_in_house: vec![QcAssay::Mycoplasma],
                ..Default::default()
            },
            "qc_assays_in_house",
        ),
        (
            HardConstraints {
                max_shipping_lead_time_hours: Some(12),
                ..Default::default()
            },
            HardConstraints {
                max_shipping_lead_time_hours: Some(24),
                ..Default::default()
            },
            "max_shipping_lead_time_hours",
        ),
        (
            HardConstraints {
                regions_served: vec![Region::Europe, Region::AsiaPacific],
                ..Default::default()
            },
            HardConstraints {
                regions_served: vec![Region::Europe],
                ..Default::default()
            },
            "regions_served",
        ),
        (
            HardConstraints {
                verified_only: true,
                ..Default::default()
            },
            HardConstraints::default(),
            "verified_only",
        ),
    ];
    for (failing, passing, name) in cases {
        assert_eq!(
            failed_constraints(&p, failing),
            [name],
            "{name} should exclude"
        );
        assert!(
            failed_constraints(&p, passing).is_empty(),
            "{name} should pass"
        );
    }
    let mut allogeneic = sample();
    allogeneic.donor_sources.allogeneic = Some(AllogeneicExperience {
        max_bioreactor_volume_l: Some(200.0),
        doses_per_batch: Some(100),
    });
    for p in [&sample(), &allogeneic] {
        assert_eq!(
            failed_constraints(
                p,
                HardConstraints {
                    min_bioreactor_volume_l: Some(500.0),
                    ..Default::default()
                }
            ),
            ["min_bioreactor_volume_l"]
        );
    }
    assert!(
        failed_constraints(
            &allogeneic,
            HardConstraints {
                min_bioreactor_volume_l: Some(200.0),
                ..Default::default()
            }
        )
        .is_empty()
    );
    let mut open = sample();
    open.sites[0].closed_processing = Some(false);
    assert_eq!(
        failed_constraints(
            &open,
            HardConstraints {
                closed_processing_required: true,
                ..Default::default()
            }
        ),
        ["closed_processing_required"]
    );
}

#[test]
fn expired_licences_do_not_count() {
    let mut p = sample();
    p.sites[0].licences[0].expires_on = NaiveDate::from_ymd_opt(2025, 1, 1);
    let need = HardConstraints {
        licences: vec![LicenceRequirement::new(
            Some(Authority::EuMemberState),
            None,
        )],
        ..Default::default()
    };
    assert_eq!(failed_constraints(&p, need), ["licences"]);
}

#[test]
fn every_failed_constraint_is_listed_with_required_and_actual() {
    let req = requirements(
        HardConstraints {
            donor_source: Some(DonorSource::Allogeneic),
            max_cryo_temp_c: Some(-190),
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Commercial,
                min_programmes: 1,
            }),
            ..Default::default()
        },
        vec![criterion(Criterion::SuccessRate, 1.0)],
    );
    let f = features_of("x", &sample(), true);
    let result = run_match([&f], &req, today(), &Availability::default(), 10);
    assert_eq!(result.excluded_count, 1);
    let e = &result.excluded[0];
    assert!(!e.near_miss);
    let failed: Vec<(&str, &str, &str)> = e
        .failed
        .iter()
        .map(|c| {
            (
                c.constraint.as_str(),
                c.required.as_str(),
                c.actual.as_str(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            ("donor_source", "allogeneic", "autologous"),
            (
                "phase_track_record",
                "at least 1 programme in commercial or later",
                "0 programmes in commercial or later"
            ),
            (
                "max_cryo_temp_c",
                "storage at or below -190 C",
                "storage down to -180 C"
            ),
        ]
    );
    let typed: Vec<_> = e
        .failed
        .iter()
        .map(|c| {
            (
                c.code,
                c.class,
                c.required_value.clone(),
                c.actual_value.clone(),
                c.gap.clone(),
            )
        })
        .collect();
    let codes = |v: &[&str]| ConstraintValue {
        values: Some(v.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    let number = |n: f64, unit: Unit| ConstraintValue {
        number: Some(n),
        unit: Some(unit),
        ..Default::default()
    };
    assert_eq!(
        typed,
        [
            (
                ConstraintCode::DonorSource,
                ConstraintClass::Categorical,
                codes(&["allogeneic"]),
                codes(&["autologous"]),
                None
            ),
            (
                ConstraintCode::PhaseTrackRecord,
                ConstraintClass::Threshold,
                number(1.0, Unit::Programmes),
                number(0.0, Unit::Programmes),
                Some(Gap {
                    amount: 1.0,
                    unit: Unit::Programmes,
                    relative: 1.0
                })
            ),
            (
                ConstraintCode::CryoTemperature,
                ConstraintClass::Threshold,
                number(-190.0, Unit::Celsius),
                number(-180.0, Unit::Celsius),
                Some(Gap {
                    amount: 10.0,
                    unit: Unit::Celsius,
                    relative: 0.1
                })
            ),
        ]
    );
}

/// Excluded ids with their near-miss flag, in the excluded list's order.
fn excluded_order(result: &MatchResult) -> Vec<(&str, bool)> {
    result
        .excluded
        .iter()
        .map(|e| (e.profile_id.as_str(), e.near_miss))
        .collect()
}

#[test]
fn a_categorical_failure_is_never_a_near_miss_and_near_misses_are_ordered_by_gap() {
    let mut allogeneic_only = sample();
    allogeneic_only.donor_sources = DonorSourceExperience {
        autologous: None,
        allogeneic: Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(50.0),
            doses_per_batch: Some(100),
        }),
    };
    let mut slightly_warm = sample();
    slightly_warm.cryo.min_storage_temp_c = Some(-140); // 10 degrees short of -150
    let mut warm = sample();
    warm.cryo.min_storage_temp_c = Some(-80); // 70 degrees short
    let mut warm_and_slow = sample();
    warm_and_slow.cryo.min_storage_temp_c = Some(-145);
    warm_and_slow.logistics.shipping_lead_time_hours = Some(30); // 6 h over 24
    let mut three_short = warm_and_slow.clone();
    three_short.qc.in_house_assays.clear();
    let mut undisclosed = sample();
    undisclosed.cryo.min_storage_temp_c = None;
    let all: Vec<CdmoFeatures> = [
        ("allogeneic-only", &allogeneic_only),
        ("slightly-warm", &slightly_warm),
        ("warm", &warm),
        ("warm-and-slow", &warm_and_slow),
        ("three-short", &three_short),
        ("undisclosed", &undisclosed),
    ]
    .into_iter()
    .map(|(id, p)| features_of(id, p, true))
    .collect();
    let set = |tolerances: Vec<NearMissTolerance>| {
        ValidRequirements::parse(
            RequirementSet {
                constraints: HardConstraints {
                    donor_source: Some(DonorSource::Autologous),
                    max_cryo_temp_c: Some(-150),
                    max_shipping_lead_time_hours: Some(24),
                    qc_assays_in_house: vec![QcAssay::Mycoplasma],
                    ..Default::default()
                },
                criteria: vec![criterion(Criterion::SuccessRate, 1.0)],
                near_miss_tolerances: tolerances,
                ..Default::default()
            },
            None,
        )
        .unwrap()
    };
    let result = run_match(&all, &set(vec![]), today(), &Availability::default(), 10);
    // 10/100 < 70/100; 5/100 + 6/24 = 0.3 lies between them.
    assert_eq!(
        excluded_order(&result),
        [
            ("slightly-warm", true),
            ("warm-and-slow", true),
            ("warm", true),
            ("allogeneic-only", false),
            ("undisclosed", false),
            ("three-short", false),
        ]
    );
    let gaps: Vec<Option<f64>> = result.excluded.iter().map(|e| e.relative_gap).collect();
    assert!((gaps[0].unwrap() - 0.1).abs() < 1e-12);
    assert!((gaps[1].unwrap() - 0.3).abs() < 1e-12);
    assert!((gaps[2].unwrap() - 0.7).abs() < 1e-12);
    assert_eq!(&gaps[3..], [None, None, None]);
    let undisclosed = &result.excluded[4].failed[0];
    assert!(undisclosed.actual_value.not_disclosed);
    assert_eq!(
        (undisclosed.gap.as_ref(), undisclosed.actual.as_str()),
        (None, "not disclosed")
    );

    // The sponsor would relax the cryo temperature by 20 degrees at most.
    let tolerant = set(vec![NearMissTolerance {
        constraint: ConstraintCode::CryoTemperature,
        max_gap: 20.0,
    }]);
    let result = run_match(&all, &tolerant, today(), &Availability::default(), 10);
    assert_eq!(
        excluded_order(&result)[..3],
        [
            ("slightly-warm", true),
            ("warm-and-slow", true),
            ("allogeneic-only", false)
        ]
    );
}

#[test]
fn tolerances_are_only_for_threshold_constraints() {
    let set = RequirementSet {
        criteria: vec![criterion(Criterion::SuccessRate, 1.0)],
        near_miss_tolerances: vec![
            NearMissTolerance {
                constraint: ConstraintCode::Modality,
                max_gap: 1.0,
            },
            NearMissTolerance {
                constraint: ConstraintCode::ShippingTime,
                max_gap: -1.0,
            },
            NearMissTolerance {
                constraint: ConstraintCode::ShippingTime,
                max_gap: f64::NAN,
            },
        ],
        ..Default::default()
    };
    let fields: Vec<String> = ValidRequirements::parse(set, None)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        [
            "near_miss_tolerances[0].constraint",
            "near_miss_tolerances[1].max_gap",
            "near_miss_tolerances[2].constraint",
            "near_miss_tolerances[2].max_gap",
        ]
    );
}

#[test]
fn the_excluded_list_pages_with_a_cursor_without_gaps_or_repeats() {
    let all: Vec<CdmoFeatures> = (0..23)
        .map(|i| features_of(&format!("p{i:02}"), &synthetic_profile(3, i), i % 2 == 0))
        .collect();
    let req = requirements(
        HardConstraints {
            max_cryo_temp_c: Some(-170),
            max_shipping_lead_time_hours: Some(12),
            verified_only: true,
            ..Default::default()
        },
        vec![criterion(Criterion::SuccessRate, 1.0)],
    );
    let whole = run_match(&all, &req, today(), &Availability::default(), MAX_LIMIT);
    assert!(whole.excluded.len() > 10, "{}", whole.excluded.len());
    assert_eq!(whole.excluded_next_cursor, None);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = run_match_after(
            &all,
            &req,
            today(),
            &Availability::default(),
            4,
            after.as_ref(),
        );
        assert_eq!(page.excluded_count, whole.excluded_count);
        assert_eq!(page.candidates, whole.candidates);
        paged.extend(page.excluded);
        match page.excluded_next_cursor {
            Some(position) => after = Some(ExclusionKey::parse(&position).unwrap()),
            None => break,
        }
    }
    assert_eq!(paged, whole.excluded);
}

#[test]
fn platform_match_ranks_cdmos_running_the_sponsors_platform() {
    let mut prodigy = sample();
    prodigy.platforms = vec![PlatformCapability {
        platform: Platform::ClinimacsProdigy,
        name: None,
        units: Some(4),
        parallel_batches: Some(4),
    }];
    let mut cocoon = sample();
    cocoon.platforms = vec![PlatformCapability {
        platform: Platform::LonzaCocoon,
        name: None,
        units: Some(2),
        parallel_batches: Some(2),
    }];
    let (a, b) = (
        features_of("a-cocoon", &cocoon, true),
        features_of("b-prodigy", &prodigy, true),
    );
    let mut wanted = criterion(Criterion::PlatformMatch, 1.0);
    wanted.platforms = vec![Platform::ClinimacsProdigy, Platform::CellaresCellShuttle];
    let req = requirements(HardConstraints::default(), vec![wanted]);
    let result = run_match([&a, &b], &req, today(), &Availability::default(), 10);
    let totals: Vec<(&str, Option<f64>)> = result
        .candidates
        .iter()
        .map(|c| (c.profile_id.as_str(), c.criteria[0].raw))
        .collect();
    assert_eq!(totals, [("b-prodigy", Some(1.0)), ("a-cocoon", Some(0.0))]);
    assert_eq!(result.excluded_count, 0, "a criterion never excludes");

    let fields = |wc: WeightedCriterion| -> Vec<String> {
        ValidRequirements::parse(
            RequirementSet {
                criteria: vec![wc],
                ..Default::default()
            },
            None,
        )
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect()
    };
    assert_eq!(
        fields(criterion(Criterion::PlatformMatch, 1.0)),
        ["criteria[0].platforms"]
    );
    let mut misplaced = criterion(Criterion::SuccessRate, 1.0);
    misplaced.platforms = vec![Platform::GRex];
    assert_eq!(fields(misplaced), ["criteria[0].platforms"]);
}

#[test]
fn evidence_completeness_is_the_weight_share_of_criteria_backed_by_verified_evidence() {
    let p = sample();
    let mut f = features_of("x", &p, true);
    for c in &mut f.confidence {
        if c.section == ProfileSection::Performance {
            c.confidence = Confidence::Verified;
        }
    }
    let req = requirements(
        HardConstraints::default(),
        vec![
            criterion(Criterion::SuccessRate, 3.0), // performance: verified
            criterion(Criterion::TrackRecordDepth, 1.0), // phases: self-declared
            criterion(Criterion::EvidenceConfidence, 4.0), // rests on no profile fact
        ],
    );
    let candidate = &run_match([&f], &req, today(), &Availability::default(), 1).candidates[0];
    assert_eq!(candidate.evidence_completeness, Some(0.75));
    let only_meta = requirements(
        HardConstraints::default(),
        vec![criterion(Criterion::EvidenceConfidence, 1.0)],
    );
    let candidate =
        &run_match([&f], &only_meta, today(), &Availability::default(), 1).candidates[0];
    assert_eq!(candidate.evidence_completeness, None);
}

#[test]
fn near_misses_come_first_among_the_excluded() {
    let mut far = sample();
    far.donor_sources = DonorSourceExperience {
        autologous: None,
        allogeneic: Some(AllogeneicExperience {
            max_bioreactor_volume_l: Some(10.0),
            doses_per_batch: Some(5),
        }),
    };
    far.cryo.min_storage_temp_c = Some(-80);
    let mut near = sample();
    near.cryo.min_storage_temp_c = Some(-80);
    let (a, b) = (
        features_of("a-far", &far, true),
        features_of("z-near", &near, true),
    );
    let req = requirements(
        HardConstraints {
            donor_source: Some(DonorSource::Autologous),
            max_cryo_temp_c: Some(-150),
            ..Default::default()
        },
        vec![criterion(Criterion::SuccessRate, 1.0)],
    );
    let result = run_match([&a, &b], &req, today(), &Availability::default(), 10);
    assert_eq!(
        result
            .excluded
            .iter()
            .map(|e| (e.profile_id.as_str(), e.near_miss))
            .collect::<Vec<_>>(),
        [("z-near", true), ("a-far", false)]
    );
}

#[test]
fn each_criterion_reads_its_raw_value_and_normalises_on_its_fixed_scale() {
    let p = sample();
    let paris = GeoPoint {
        latitude: 48.8566,
        longitude: 2.3522,
    };
    let cases: Vec<(Criterion, f64, f64)> = vec![
        (Criterion::TrackRecordDepth, 6.0, 0.6), // 5 Phase 1 + 1 Phase 3 programmes, of 10
        (Criterion::TechTransferTime, 12.0, 12.0 / 18.0), // (24 - 12) / (24 - 6)
        (
            Criterion::TechTransferCost,
            1_000_000.0,
            4_000_000.0 / 4_700_000.0,
        ),
        (Criterion::QcCoverage, 2.0, 0.25),
        (Criterion::SuccessRate, 96.5, 11.5 / 14.0),
        (Criterion::Turnaround, 17.0, 8.0 / 18.0),
        (Criterion::EvidenceConfidence, 0.0, 0.0),
    ];
    let mut allogeneic = p.clone();
    allogeneic.donor_sources.allogeneic = Some(AllogeneicExperience {
        max_bioreactor_volume_l: Some(500.0),
        doses_per_batch: Some(100),
    });
    let req = requirements(
        HardConstraints::default(),
        vec![criterion(Criterion::ScaleUp, 1.0)],
    );
    let scale_up = &run_match(
        [&features_of("x", &allogeneic, true)],
        &req,
        today(),
        &Availability::default(),
        1,
    )
    .candidates[0]
        .criteria[0];
    assert_eq!((scale_up.raw, scale_up.normalised), (Some(500.0), 0.25));
    let autologous_only = &run_match(
        [&features_of("x", &p, true)],
        &req,
        today(),
        &Availability::default(),
        1,
    )
    .candidates[0]
        .criteria[0];
    assert_eq!(
        autologous_only.raw, None,
        "no allogeneic experience: no scale-up value"
    );
    let f = features_of("x", &p, true);
    for (c, raw, normalised) in cases {
        let req = requirements(HardConstraints::default(), vec![criterion(c, 1.0)]);
        let score =
            &run_match([&f], &req, today(), &Availability::default(), 1).candidates[0].criteria[0];
        assert_eq!(score.raw, Some(raw), "{c:?}");
        assert!(
            (score.normalised - normalised).abs() < 1e-12,
            "{c:?}: {}",
            score.normalised
        );
    }
    let mut distance = criterion(Criterion::Distance, 1.0);
    distance.origin = Some(paris);
    let req = requirements(HardConstraints::default(), vec![distance]);
    let score =
        &run_match([&f], &req, today(), &Availability::default(), 1).candidates[0].criteria[0];
    let km = score.raw.unwrap();
    assert!((380.0..400.0).contains(&km), "Paris to Lyon: {km}");
    assert!((score.normalised - (1.0 - km / 10_000.0)).abs() < 1e-12);
}

#[test]
fn inspection_history_averages_outcomes_and_is_missing_without_inspections() {
    let mut p = sample();
    let req = requirements(
        HardConstraints::default(),
        vec![criterion(Criterion::InspectionHistory, 1.0)],
    );
    let missing = run_match(
        [&features_of("x", &p, true)],
        &req,
        today(),
        &Availability::default(),
        1,
    );
    assert_eq!(missing.candidates[0].criteria[0].raw, None);
    assert_eq!(
        missing.candidates[0].criteria[0].missing,
        Some(MissingDataPolicy::Zero)
    );
    for outcome in [
        InspectionOutcome::NoFindings,
        InspectionOutcome::MajorFindings,
    ] {
        p.sites[0].inspections.push(Inspection {
            authority: Authority::Fda,
            date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            outcome,
        });
    }
    let scored = run_match(
        [&features_of("x", &p, true)],
        &req,
        today(),
        &Availability::default(),
        1,
    );
    assert!((scored.candidates[0].criteria[0].raw.unwrap() - 0.675).abs() < 1e-12);
}

#[test]
fn a_sponsors_own_scale_replaces_the_default() {
    let mut c = criterion(Criterion::Turnaround, 1.0);
    c.scale = Some(Scale {
        worst: 20.0,
        best: 10.0,
    });
    let req = requirements(HardConstraints::default(), vec![c]);
    let score = &run_match(
        [&features_of("x", &sample(), true)],
        &req,
        today(),
        &Availability::default(),
        1,
    )
    .candidates[0]
        .criteria[0];
    assert!((score.normalised - 0.3).abs() < 1e-12); // 17 days on 20 -> 10
}

#[test]
fn missing_data_policies_exclude_zero_or_penalise() {
    let mut p = sample();
    p.performance.success_rate_percent = None;
    let f = features_of("x", &p, true);
    let with = |missing| {
        let mut rate = criterion(Criterion::SuccessRate, 1.0);
        rate.missing = Some(missing);
        ValidRequirements::parse(
            RequirementSet {
                weight_order: Vec::new(),
                constraints: HardConstraints::default(),
                criteria: vec![rate, criterion(Criterion::QcCoverage, 1.0)],
                missing_data_penalty_percent: Some(20.0),
                capacity: None,
                near_miss_tolerances: Vec::new(),
            },
            None,
        )
        .unwrap()
    };
    let excluded = run_match(
        [&f],
        &with(MissingDataPolicy::Exclude),
        today(),
        &Availability::default(),
        5,
    );
    assert_eq!(excluded.feasible_count, 0);
    assert_eq!(excluded.excluded[0].failed[0].constraint, "criteria");
    let zero = run_match(
        [&f],
        &with(MissingDataPolicy::Zero),
        today(),
        &Availability::default(),
        5,
    );
    assert!((zero.candidates[0].total - 12.5).abs() < 1e-9); // 0.5 x 0 + 0.5 x 0.25, x 100
    let penalised = run_match(
        [&f],
        &with(MissingDataPolicy::Penalise),
        today(),
        &Availability::default(),
        5,
    );
    assert!((penalised.candidates[0].total - 10.0).abs() < 1e-9); // 12.5 x 0.8
    assert!((penalised.candidates[0].penalty_factor - 0.8).abs() < 1e-12);
}

#[test]
fn undisclosed_facts_are_none_features_never_zero() {
    let f = features_of("x", &sample_disclosing_nothing_optional(), true);
    assert_eq!(f.bioreactor_volume_l, None);
    assert!(f.site_coordinates.is_empty());
    assert_eq!(f.closed_processing, None);
    assert_eq!(f.min_cryo_temp_c, None);
    assert_eq!(f.shipping_hours, None);
    // A disclosed 0 L stays 0 L; closed processing needs one site to disclose it.
    let mut p = sample_disclosing_nothing_optional();
    p.donor_sources.allogeneic = Some(AllogeneicExperience {
        max_bioreactor_volume_l: Some(0.0),
        doses_per_batch: None,
    });
    p.sites.push(Site {
        key: "second".into(),
        latitude: Some(52.0),
        longitude: Some(4.5),
        closed_processing: Some(true),
        ..p.sites[0].clone()
    });
    let f = features_of("x", &p, true);
    assert_eq!(f.bioreactor_volume_l, Some(0.0));
    assert_eq!(
        f.site_coordinates,
        [(52.0, 4.5)],
        "only disclosed coordinates"
    );
    assert_eq!(f.closed_processing, Some(true));
    p.sites[1].closed_processing = Some(false);
    assert_eq!(features_of("x", &p, true).closed_processing, None);
    p.sites[0].closed_processing = Some(false);
    assert_eq!(features_of("x", &p, true).closed_processing, Some(false));
}

/// A profile with allogeneic experience whose volume and site coordinates are not
/// disclosed, matched on `scale_up` and `distance` under `policy`, beside a QC criterion.
fn match_undisclosed(policy: MissingDataPolicy) -> MatchResult {
    let mut p = sample_disclosing_nothing_optional();
    p.donor_sources.autologous = None;
    let f = features_of("x", &p, true);
    let mut scale_up = criterion(Criterion::ScaleUp, 1.0);
    scale_up.missing = Some(policy);
    let mut distance = criterion(Criterion::Distance, 1.0);
    distance.missing = Some(policy);
    distance.origin = Some(GeoPoint {
        latitude: 48.85,
        longitude: 2.35,
    });
    let req = ValidRequirements::parse(
        RequirementSet {
            weight_order: Vec::new(),
            constraints: HardConstraints::default(),
            criteria: vec![scale_up, distance, criterion(Criterion::QcCoverage, 2.0)],
            missing_data_penalty_percent: Some(20.0),
            capacity: None,
            near_miss_tolerances: vec![],
        },
        None,
    )
    .unwrap();
    run_match([&f], &req, today(), &Availability::default(), 5)
}

#[test]
fn undisclosed_scale_up_and_distance_go_through_the_missing_data_policy() {
    let excluded = match_undisclosed(MissingDataPolicy::Exclude);
    assert_eq!(excluded.feasible_count, 0);
    let failed: Vec<(&str, &str, &str)> = excluded.excluded[0]
        .failed
        .iter()
        .map(|c| {
            (
                c.constraint.as_str(),
                c.required.as_str(),
                c.actual.as_str(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (
                "criteria",
                "a value for scale_up (missing-data policy: exclude)",
                "not disclosed"
            ),
            (
                "criteria",
                "a value for distance (missing-data policy: exclude)",
                "not disclosed"
            ),
        ]
    );

    // QC coverage: 2 assays of 8, weight 2 of 4: 12.5 points.
    let zero = match_undisclosed(MissingDataPolicy::Zero);
    let c = &zero.candidates[0];
    assert!((c.total - 12.5).abs() < 1e-9, "{}", c.total);
    assert_eq!(c.penalty_factor, 1.0);
    for score in &c.criteria[..2] {
        assert_eq!(score.raw, None, "{:?} is not 0", score.criterion);
        assert_eq!(score.missing, Some(MissingDataPolicy::Zero));
    }

    let penalised = match_undisclosed(MissingDataPolicy::Penalise);
    let c = &penalised.candidates[0];
    assert!(
        (c.penalty_factor - 0.64).abs() < 1e-12,
        "two penalties of 20%"
    );
    assert!((c.total - 8.0).abs() < 1e-9, "{}", c.total);
    assert_eq!(c.criteria[0].missing, Some(MissingDataPolicy::Penalise));
}

#[test]
fn a_constraint_on_an_undisclosed_fact_fails_saying_not_disclosed() {
    let mut p = sample_disclosing_nothing_optional();
    p.sites[0].cleanrooms.clear();
    let req = requirements(
        HardConstraints {
            min_bioreactor_volume_l: Some(50.0),
            closed_processing_required: true,
            min_cleanroom_grade: Some(CleanroomGrade::B),
            closed_processing_accepted: true,
            max_cryo_temp_c: Some(-150),
            max_shipping_lead_time_hours: Some(24),
            ..Default::default()
        },
        vec![criterion(Criterion::QcCoverage, 1.0)],
    );
    let f = features_of("x", &p, true);
    let result = run_match([&f], &req, today(), &Availability::default(), 10);
    let failed: Vec<(&str, &str)> = result.excluded[0]
        .failed
        .iter()
        .map(|c| (c.constraint.as_str(), c.actual.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "min_cleanroom_grade",
                "no cleanroom, closed processing not disclosed"
            ),
            ("closed_processing_required", "not disclosed"),
            ("max_cryo_temp_c", "not disclosed"),
            ("max_shipping_lead_time_hours", "not disclosed"),
            ("min_bioreactor_volume_l", "not disclosed"),
        ]
    );
    // Typed: each undisclosed fact says so, with no gap (a near miss needs a known one).
    for failed in &result.excluded[0].failed[1..] {
        assert!(failed.actual_value.not_disclosed, "{failed:?}");
        assert_eq!(failed.gap, None, "{failed:?}");
    }
    assert!(!result.excluded[0].near_miss);
    // Without allogeneic experience the volume is absent, not undisclosed.
    p.donor_sources.allogeneic = None;
    let f = features_of("x", &p, true);
    let result = run_match([&f], &req, today(), &Availability::default(), 10);
    let volume = result.excluded[0]
        .failed
        .iter()
        .find(|c| c.constraint == "min_bioreactor_volume_l")
        .unwrap();
    assert_eq!(volume.actual, "no allogeneic scale-up declared");
    assert!(!volume.actual_value.not_disclosed);
    // Once disclosed, the same profile passes them.
    p.donor_sources.allogeneic = Some(AllogeneicExperience {
        max_bioreactor_volume_l: Some(50.0),
        doses_per_batch: None,
    });
    p.sites[0].closed_processing = Some(true);
    p.cryo.min_storage_temp_c = Some(-180);
    p.logistics.shipping_lead_time_hours = Some(12);
    let f = features_of("x", &p, true);
    assert_eq!(
        run_match([&f], &req, today(), &Availability::default(), 10).feasible_count,
        1
    );
}

#[test]
fn invalid_requirement_sets_name_each_field() {
    let mut distance = criterion(Criterion::Distance, 1.0);
    distance.origin = None;
    let mut bad_scale = criterion(Criterion::Turnaround, 1.0);
    bad_scale.scale = Some(Scale {
        worst: 5.0,
        best: 5.0,
    });
    let set = RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            licences: vec![LicenceRequirement::new(None, None)],
            countries_allowed: vec!["fr".into()],
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Phase3,
                min_programmes: 0,
            }),
            ..Default::default()
        },
        criteria: vec![
            criterion(Criterion::SuccessRate, -1.0),
            distance,
            bad_scale,
            criterion(Criterion::SuccessRate, 1.0),
        ],
        missing_data_penalty_percent: Some(80.0),
        capacity: None,
        near_miss_tolerances: Vec::new(),
    };
    let fields: Vec<String> = ValidRequirements::parse(set, None)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        [
            "constraints.phase_track_record.min_programmes",
            "constraints.licences[0]",
            "constraints.countries_allowed[0]",
            "criteria[0].weight",
            "criteria[1].origin",
            "criteria[2].scale",
            "criteria[3].criterion",
            "missing_data_penalty_percent",
        ]
    );
    let zero = RequirementSet {
        criteria: vec![criterion(Criterion::QcCoverage, 0.0)],
        ..Default::default()
    };
    assert_eq!(
        ValidRequirements::parse(zero, None)
            .unwrap_err()
            .into_iter()
            .next()
            .unwrap()
            .field,
        "criteria"
    );
}

#[test]
fn weights_are_normalised_and_ties_break_by_profile_id() {
    let req = requirements(
        HardConstraints::default(),
        vec![
            criterion(Criterion::QcCoverage, 3.0),
            criterion(Criterion::SuccessRate, 1.0),
        ],
    );
    let (a, b) = (
        features_of("b-second", &sample(), true),
        features_of("a-first", &sample(), true),
    );
    let result = run_match([&a, &b], &req, today(), &Availability::default(), 5);
    assert_eq!(result.candidates[0].criteria[0].weight, 0.75);
    assert_eq!(
        result
            .candidates
            .iter()
            .map(|c| c.profile_id.as_str())
            .collect::<Vec<_>>(),
        ["a-first", "b-second"]
    );
    assert_eq!(result.candidates[0].total, result.candidates[1].total);
    assert_eq!(
        result.candidates.iter().map(|c| c.rank).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn lists_are_bounded_by_the_limit_but_counts_are_complete() {
    let all: Vec<CdmoFeatures> = (0..40)
        .map(|i| features_of(&format!("p{i:02}"), &synthetic_profile(1, i), i % 2 == 0))
        .collect();
    let req = requirements(
        HardConstraints {
            verified_only: true,
            ..Default::default()
        },
        vec![criterion(Criterion::SuccessRate, 1.0)],
    );
    let result = run_match(&all, &req, today(), &Availability::default(), 5);
    assert_eq!((result.feasible_count, result.excluded_count), (20, 20));
    assert_eq!((result.candidates.len(), result.excluded.len()), (5, 5));
}

// --- properties ---

fn any_features() -> impl Strategy<Value = Vec<CdmoFeatures>> {
    (any::<u64>(), 2usize..25).prop_map(|(seed, n)| {
        (0..n as u64)
            .map(|i| {
                let profile = synthetic_profile(seed, i);
                let evidence: Vec<(ProfileSection, bool, Option<NaiveDate>)> = ProfileSection::ALL
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| (seed >> ((i as usize + j) % 60)) & 1 == 1)
                    .map(|(_, s)| (*s, true, None))
                    .collect();
                CdmoFeatures::new(
                    ProfileIdentity {
                        profile_id: format!("p{i:03}"),
                        organization_id: format!("o{i}"),
                        revision: 1,
                        verified: i % 3 != 0,
                    },
                    &profile,
                    section_confidence(&evidence, today()),
                )
            })
            .collect()
    })
}

/// A subset of `all`, from the bits of `mask`.
fn pick<T: Copy>(all: &[T], mask: u32) -> Vec<T> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, v)| *v)
        .collect()
}

/// Any of the 17 kinds of hard constraint, a few at a time (all at once would exclude
/// nearly everyone and leave the properties nothing to check).
fn any_constraints() -> impl Strategy<Value = HardConstraints> {
    (
        every_constraint(),
        proptest::collection::vec(0usize..17, 0..4),
    )
        .prop_map(|(all, kept)| {
            let keep = |kind: usize| kept.contains(&kind);
            let d = HardConstraints::default();
            HardConstraints {
                donor_source: if keep(0) {
                    all.donor_source
                } else {
                    d.donor_source
                },
                modalities: if keep(1) {
                    all.modalities
                } else {
                    d.modalities
                },
                gene_modification: if keep(2) {
                    all.gene_modification
                } else {
                    d.gene_modification
                },
                platforms: if keep(3) { all.platforms } else { d.platforms },
                phase_track_record: if keep(4) {
                    all.phase_track_record
                } else {
                    d.phase_track_record
                },
                licences: if keep(5) { all.licences } else { d.licences },
                accepted_by: if keep(16) {
                    all.accepted_by
                } else {
                    d.accepted_by
                },
                min_cleanroom_grade: if keep(6) {
                    all.min_cleanroom_grade
                } else {
                    d.min_cleanroom_grade
                },
                closed_processing_accepted: all.closed_processing_accepted,
                closed_processing_required: keep(7) && all.closed_processing_required,
                max_cryo_temp_c: if keep(8) {
                    all.max_cryo_temp_c
                } else {
                    d.max_cryo_temp_c
                },
                countries_allowed: if keep(9) {
                    all.countries_allowed
                } else {
                    d.countries_allowed
                },
                countries_excluded: if keep(10) {
                    all.countries_excluded
                } else {
                    d.countries_excluded
                },
                qc_assays_in_house: if keep(11) {
                    all.qc_assays_in_house
                } else {
                    d.qc_assays_in_house
                },
                max_shipping_lead_time_hours: if keep(12) {
                    all.max_shipping_lead_time_hours
                } else {
                    d.max_shipping_lead_time_hours
                },
                regions_served: if keep(13) {
                    all.regions_served
                } else {
                    d.regions_served
                },
                min_bioreactor_volume_l: if keep(14) {
                    all.min_bioreactor_volume_l
                } else {
                    d.min_bioreactor_volume_l
                },
                verified_only: keep(15) && all.verified_only,
            }
        })
}

/// Every kind of hard constraint, each present or not.
fn every_constraint() -> impl Strategy<Value = HardConstraints> {
    let categorical = (
        proptest::option::of(0usize..2),
        0u32..16,
        0u32..8,
        0u32..16,
        proptest::option::of((
            proptest::option::of(0usize..Authority::ALL.len()),
            proptest::option::of(0usize..LicenceKind::ALL.len()),
        )),
        any::<bool>(),
        any::<bool>(),
        0u32..8,
    );
    let thresholds = (
        proptest::option::of((0usize..6, 1u32..4)),
        proptest::option::of(0usize..CleanroomGrade::ALL.len()),
        any::<bool>(),
        proptest::option::of(-196i32..-60),
        0u32..16,
        proptest::option::of(6u32..96),
        0u32..8,
        proptest::option::of(0.0f64..500.0),
    );
    // Whether the licence must also authorise release; an acceptance (authority, which
    // batches: either, clinical, commercial).
    let regulatory = (
        any::<bool>(),
        proptest::option::of((0usize..Authority::ALL.len(), 0usize..3)),
    );
    (categorical, thresholds, regulatory).prop_map(
        |(
            (donor, modalities, methods, platforms, licence, closed, verified_only, places),
            (phase, grade, closed_accepted, cryo, assays, shipping, regions, volume),
            (release, acceptance),
        )| {
            let countries = ["FR", "US", "DE"];
            HardConstraints {
                donor_source: donor.map(|d| DonorSource::ALL[d]),
                modalities: pick(Modality::ALL, modalities),
                gene_modification: pick(GeneModificationMethod::ALL, methods),
                platforms: pick(Platform::ALL, platforms),
                phase_track_record: phase.map(|(p, n)| PhaseTrackRecord {
                    phase: Phase::ALL[p],
                    min_programmes: n,
                }),
                licences: licence
                    .filter(|(a, k)| a.is_some() || k.is_some())
                    .map(|(a, k)| LicenceRequirement {
                        authority: a.map(|a| Authority::ALL[a]),
                        kind: k.map(|k| LicenceKind::ALL[k]),
                        activities: if release {
                            vec![LicensedActivity::Manufacturing, LicensedActivity::Release]
                        } else {
                            vec![]
                        },
                    })
                    .into_iter()
                    .collect(),
                accepted_by: acceptance
                    .map(|(a, batches)| AcceptanceRequirement {
                        authority: Authority::ALL[a],
                        batches: [
                            None,
                            Some(AcceptedBatches::ClinicalBatches),
                            Some(AcceptedBatches::CommercialBatches),
                        ][batches],
                    })
                    .into_iter()
                    .collect(),
                min_cleanroom_grade: grade.map(|g| CleanroomGrade::ALL[g]),
                closed_processing_accepted: closed_accepted,
                closed_processing_required: closed,
                max_cryo_temp_c: cryo,
                countries_allowed: pick(&countries, places & 0b11)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                countries_excluded: pick(&countries, places >> 2)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                qc_assays_in_house: pick(QcAssay::ALL, assays),
                max_shipping_lead_time_hours: shipping,
                regions_served: pick(Region::ALL, regions),
                min_bioreactor_volume_l: volume,
                verified_only,
            }
        },
    )
}

/// A capacity need (required or not) and free slots for some of the profiles `p000`..
fn any_capacity() -> impl Strategy<Value = (Option<CapacityNeed>, Availability)> {
    (
        proptest::option::of((1u32..6, any::<bool>())),
        proptest::collection::vec(proptest::option::of((0u32..8, 0i64..180)), 25),
    )
        .prop_map(|(need, free)| {
            let need = need.map(|(slots, required)| capacity_need(slots, required));
            let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
            let availability = free
                .into_iter()
                .enumerate()
                .filter_map(|(i, slots)| {
                    let (free, offset) = slots?;
                    Some((
                        format!("p{i:03}"),
                        SlotsAvailable {
                            free,
                            earliest: (free > 0).then(|| start + chrono::Duration::days(offset)),
                        },
                    ))
                })
                .collect();
            (need, Availability::of_slots(availability))
        })
}

/// A valid requirement set over every constraint kind, capacity included, with the
/// availability the match sees.
pub(super) fn any_requirements() -> impl Strategy<Value = (ValidRequirements, Availability)> {
    let criteria = proptest::collection::vec(
        (
            0usize..Criterion::ALL.len(),
            0.0f64..10.0,
            0usize..3,
            0u32..128,
        ),
        1..6,
    );
    let tolerances =
        proptest::collection::vec((0usize..ConstraintCode::ALL.len(), 0.0f64..50.0), 0..3);
    (criteria, any_constraints(), any_capacity(), tolerances).prop_filter_map(
        "valid requirement set",
        |(criteria, constraints, (capacity, availability), tolerances)| {
            let mut seen = Vec::new();
            let criteria: Vec<WeightedCriterion> = criteria
                .into_iter()
                .filter(|(c, _, _, _)| {
                    let fresh = !seen.contains(c);
                    seen.push(*c);
                    fresh
                })
                .map(|(c, weight, missing, platforms)| {
                    let criterion = Criterion::ALL[c];
                    WeightedCriterion {
                        weight_range: None,
                        criterion,
                        weight,
                        scale: None,
                        missing: Some(
                            [
                                MissingDataPolicy::Zero,
                                MissingDataPolicy::Penalise,
                                MissingDataPolicy::Exclude,
                            ][missing],
                        ),
                        origin: (criterion == Criterion::Distance).then_some(GeoPoint {
                            latitude: 40.0,
                            longitude: -3.0,
                        }),
                        platforms: if criterion == Criterion::PlatformMatch {
                            pick(Platform::ALL, platforms.max(1))
                        } else {
                            Vec::new()
                        },
                        // The same bits pick the authorities whose inspections count.
                        authorities: if criterion == Criterion::InspectionHistory {
                            pick(Authority::ALL, platforms & 0b1_0101)
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect();
            let near_miss_tolerances = tolerances
                .into_iter()
                .map(|(c, max_gap)| NearMissTolerance {
                    constraint: ConstraintCode::ALL[c],
                    max_gap,
                })
                .filter(|t| t.constraint.class() == ConstraintClass::Threshold)
                .fold(Vec::<NearMissTolerance>::new(), |mut kept, t| {
                    if !kept.iter().any(|k| k.constraint == t.constraint) {
                        kept.push(t);
                    }
                    kept
                });
            ValidRequirements::parse(
                RequirementSet {
                    constraints,
                    criteria,
                    capacity,
                    near_miss_tolerances,
                    ..Default::default()
                },
                None,
            )
            .ok()
            .map(|req| (req, availability))
        },
    )
}

fn ranking(result: &MatchResult) -> Vec<String> {
    result
        .candidates
        .iter()
        .map(|c| c.profile_id.clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn matching_is_deterministic(cdmos in any_features(), (req, slots) in any_requirements()) {
        let a = run_match(&cdmos, &req, today(), &slots, MAX_LIMIT);
        let b = run_match(&cdmos, &req, today(), &slots, MAX_LIMIT);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn near_misses_fail_only_a_few_thresholds_by_a_known_gap(cdmos in any_features(), (req, slots) in any_requirements()) {
        let result = run_match(&cdmos, &req, today(), &slots, MAX_LIMIT);
        prop_assume!(!result.excluded.is_empty());
        for e in &result.excluded {
            let thresholds_with_gaps = e.failed.iter().all(|f| f.class == ConstraintClass::Threshold && f.gap.is_some());
            let rule = !e.failed.is_empty() && e.failed.len() <= NEAR_MISS_MAX_FAILURES && thresholds_with_gaps
                && e.failed.iter().all(|f| req.requirement_set().near_miss_tolerances.iter().all(|t| t.constraint != f.code || f.gap.as_ref().is_some_and(|g| g.amount <= t.max_gap)));
            prop_assert_eq!(e.near_miss, rule, "{:?}", e);
            for f in &e.failed {
                prop_assert_eq!(f.class, f.code.class());
                if let Some(g) = &f.gap {
                    prop_assert!(g.amount > 0.0 && (0.0..=1.0).contains(&g.relative), "{:?}", f);
                }
            }
        }
        let near: Vec<f64> = result.excluded.iter().take_while(|e| e.near_miss).map(|e| e.relative_gap.unwrap()).collect();
        prop_assert!(near.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(result.excluded.iter().skip(near.len()).all(|e| !e.near_miss));
    }

    #[test]
    fn contributions_sum_to_totals_within_0_and_100(cdmos in any_features(), (req, slots) in any_requirements()) {
        let result = run_match(&cdmos, &req, today(), &slots, MAX_LIMIT);
        prop_assume!(!result.candidates.is_empty());
        for c in &result.candidates {
            let sum: f64 = c.criteria.iter().map(|s| s.contribution).sum();
            prop_assert!((sum - c.total).abs() < 1e-9, "{} vs {}", sum, c.total);
            prop_assert!((0.0..=100.0 + 1e-9).contains(&c.total));
            let weights: f64 = c.criteria.iter().map(|s| s.weight).sum();
            prop_assert!((weights - 1.0).abs() < 1e-9);
        }
        prop_assert_eq!(result.feasible_count + result.excluded_count, cdmos.len() as u32);
    }

    #[test]
    fn removing_a_cdmo_never_reorders_the_others(cdmos in any_features(), (req, slots) in any_requirements(), drop in any::<prop::sample::Index>()) {
        let full = ranking(&run_match(&cdmos, &req, today(), &slots, MAX_LIMIT));
        prop_assume!(full.len() >= 2);
        let dropped = drop.index(cdmos.len());
        let gone = cdmos[dropped].profile_id.clone();
        let rest: Vec<&CdmoFeatures> = cdmos.iter().enumerate().filter(|(i, _)| *i != dropped).map(|(_, f)| f).collect();
        let without = ranking(&run_match(rest, &req, today(), &slots, MAX_LIMIT));
        let expected: Vec<String> = full.into_iter().filter(|id| *id != gone).collect();
        prop_assert_eq!(without, expected);
    }

    #[test]
    fn improving_an_attribute_never_lowers_the_score(seed in any::<u64>(), index in 0u64..500, (req, _) in any_requirements(), which in 0usize..9) {
        let before = synthetic_profile(seed, index);
        let mut after = before.clone();
        match which {
            0 => after.performance.success_rate_percent = Some(after.performance.success_rate_percent.map_or(90.0, |r| (r + 3.0).min(100.0))),
            1 => after.performance.median_turnaround_days = Some(after.performance.median_turnaround_days.map_or(10, |d| d.saturating_sub(3))),
            2 => after.qc.in_house_assays = QcAssay::ALL.to_vec(),
            3 => after.phases.push(PhaseExperience { phase: Phase::Commercial, programmes: 2, gmp_batches: Some(50) }),
            4 => after.tech_transfer.duration_months_max = Some(after.tech_transfer.duration_months_max.map_or(6, |m| m.saturating_sub(4).max(after.tech_transfer.duration_months_min.unwrap_or(0)))),
            5 => { after.tech_transfer.cost_usd_min = Some(100_000); after.tech_transfer.cost_usd_max = Some(200_000); }
            6 => {
                after.cryo.min_storage_temp_c = Some(-196);
                // A larger volume, or disclosing one: never worse than not disclosing.
                if let Some(a) = &mut after.donor_sources.allogeneic {
                    a.max_bioreactor_volume_l =
                        Some(a.max_bioreactor_volume_l.map_or(100.0, |v| v + 100.0));
                }
            }
            7 => for site in &mut after.sites { for i in &mut site.inspections { i.outcome = InspectionOutcome::NoFindings; } },
            // Wider licence coverage and more acceptances only satisfy more constraints.
            _ => for site in &mut after.sites {
                for l in &mut site.licences {
                    l.coverage = Some(LicenceCoverage { modalities: vec![], donor_sources: vec![], activities: LicensedActivity::ALL.to_vec() });
                }
                for authority in Authority::ALL {
                    site.acceptances.push(RegulatoryAcceptance {
                        authority: *authority,
                        batches: AcceptedBatches::ClinicalBatches,
                        accepted_on: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                        reference: None,
                        note: None,
                    });
                }
            },
        }
        let identity = |p: &CapabilityProfile| features_of("x", p, true);
        let (b, a) = (identity(&before), identity(&after));
        let score = |f: &CdmoFeatures| run_match([f], &req, today(), &Availability::default(), 1).candidates.first().map(|c| c.total);
        let before = score(&b);
        prop_assume!(before.is_some(), "only a feasible CDMO has a score to lower");
        match (before, score(&a)) {
            (Some(old), Some(new)) => prop_assert!(new >= old - 1e-9, "{} -> {}", old, new),
            _ => prop_assert!(false, "an improvement excluded the CDMO"),
        }
    }

    #[test]
    fn robustness_names_the_weight_at_which_the_top_two_tie(cdmos in any_features(), (req, slots) in any_requirements()) {
        let result = run_match(&cdmos, &req, today(), &slots, MAX_LIMIT);
        prop_assume!(result.robustness.is_some());
        let r = result.robustness.as_ref().unwrap();
        let first = &result.candidates[0];
        let second = &result.candidates[1];
        prop_assert!((r.margin - (first.total - second.total)).abs() < 1e-9);
        for (i, s) in r.sensitivities.iter().enumerate() {
            let Some(w_new) = s.swaps_at else { continue };
            // Re-weight: criterion i at w_new, the others rescaled in proportion.
            let scale = (1.0 - w_new) / (1.0 - s.weight);
            let rescored = |c: &Candidate| -> f64 {
                c.criteria.iter().enumerate().map(|(j, x)| {
                    let w = if j == i { w_new } else { x.weight * scale };
                    100.0 * w * x.normalised * c.penalty_factor
                }).sum()
            };
            prop_assert!((rescored(first) - rescored(second)).abs() < 1e-6, "no tie at {}", w_new);
        }
    }
}

fn capacity_need(slots: u32, required: bool) -> CapacityNeed {
    CapacityNeed {
        slot_kind: SlotKind::ClinicalGmpBatch,
        slots,
        window_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        window_end: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        required,
    }
}

#[test]
fn required_capacity_excludes_cdmos_without_enough_free_slots_and_says_so() {
    let (a, b) = (
        features_of("a", &sample(), true),
        features_of("b", &sample(), true),
    );
    let req = ValidRequirements::parse(
        RequirementSet {
            criteria: vec![
                criterion(Criterion::CapacityFit, 1.0),
                criterion(Criterion::EarliestStart, 1.0),
            ],
            capacity: Some(capacity_need(4, true)),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let mut availability = Availability::default();
    availability.per_profile.insert(
        "a".into(),
        SlotsAvailable {
            free: 5,
            earliest: NaiveDate::from_ymd_opt(2027, 1, 31),
        },
    );
    availability.per_profile.insert(
        "b".into(),
        SlotsAvailable {
            free: 3,
            earliest: NaiveDate::from_ymd_opt(2027, 1, 1),
        },
    );
    let result = run_match([&a, &b], &req, today(), &availability, 10);
    assert_eq!(
        result
            .candidates
            .iter()
            .map(|c| c.profile_id.as_str())
            .collect::<Vec<_>>(),
        ["a"]
    );
    let fit = &result.candidates[0].criteria[0];
    assert_eq!(
        (fit.raw, fit.normalised),
        (Some(1.0), 1.0),
        "5 free of 4 needed: a full fit"
    );
    let start = &result.candidates[0].criteria[1];
    assert_eq!(start.raw, Some(30.0), "30 days after the window opens");
    assert!((start.normalised - 150.0 / 180.0).abs() < 1e-12);
    let e = &result.excluded[0];
    assert_eq!((e.profile_id.as_str(), e.near_miss), ("b", true));
    assert_eq!(e.failed[0].constraint, "capacity");
    assert_eq!(e.failed[0].actual, "3 free");
    assert!(
        e.failed[0]
            .required
            .contains("4 free clinical_gmp_batch slots between")
    );
    assert_eq!(
        e.failed[0].gap,
        Some(Gap {
            amount: 1.0,
            unit: Unit::Slots,
            relative: 0.25
        })
    );
}

#[test]
fn capacity_criteria_rank_partial_availability_when_not_required() {
    let (a, b) = (
        features_of("a", &sample(), true),
        features_of("b", &sample(), true),
    );
    let req = ValidRequirements::parse(
        RequirementSet {
            criteria: vec![criterion(Criterion::CapacityFit, 1.0)],
            capacity: Some(capacity_need(4, false)),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let mut availability = Availability::default();
    availability.per_profile.insert(
        "b".into(),
        SlotsAvailable {
            free: 2,
            earliest: NaiveDate::from_ymd_opt(2027, 2, 1),
        },
    );
    let result = run_match([&a, &b], &req, today(), &availability, 10);
    let totals: Vec<(&str, f64)> = result
        .candidates
        .iter()
        .map(|c| (c.profile_id.as_str(), c.total))
        .collect();
    assert_eq!(totals, [("b", 50.0), ("a", 0.0)]);
}

#[test]
fn capacity_criteria_need_a_capacity_need() {
    let set = RequirementSet {
        criteria: vec![criterion(Criterion::EarliestStart, 1.0)],
        ..Default::default()
    };
    let fields: Vec<String> = ValidRequirements::parse(set, None)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["criteria[0].criterion"]);
    let mut need = capacity_need(0, true);
    need.window_end = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let set = RequirementSet {
        criteria: vec![criterion(Criterion::SuccessRate, 1.0)],
        capacity: Some(need),
        ..Default::default()
    };
    let fields: Vec<String> = ValidRequirements::parse(set, None)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["capacity.slots", "capacity.window_end"]);
}

/// Track record depth has one definition: programmes at or beyond the target phase
/// (a programme's, or an ad-hoc match's), all phases without one. A phase constraint no
/// longer changes what the criterion counts.
#[test]
fn track_record_depth_counts_from_the_target_phase_only() {
    let p = sample(); // 5 Phase 1 + 1 Phase 3 programmes.
    let f = features_of("x", &p, false);
    let depth = |target: Option<Phase>, constraint: Option<Phase>| {
        let req = ValidRequirements::parse(
            RequirementSet {
                constraints: HardConstraints {
                    phase_track_record: constraint.map(|phase| PhaseTrackRecord {
                        phase,
                        min_programmes: 1,
                    }),
                    ..Default::default()
                },
                criteria: vec![criterion(Criterion::TrackRecordDepth, 1.0)],
                ..Default::default()
            },
            target,
        )
        .unwrap();
        run_match([&f], &req, today(), &Availability::default(), 1).candidates[0].criteria[0].raw
    };
    assert_eq!(depth(None, None), Some(6.0));
    assert_eq!(
        depth(None, Some(Phase::Phase3)),
        Some(6.0),
        "the constraint does not redefine depth"
    );
    assert_eq!(depth(Some(Phase::Phase3), None), Some(1.0));
    assert_eq!(depth(Some(Phase::Phase3), Some(Phase::Phase1)), Some(1.0));
}

// ---------------------------------------------------------------------------------------
// Licence coverage, regulatory acceptance, inspection history by authority.
// ---------------------------------------------------------------------------------------

fn coverage(
    modalities: &[Modality],
    donor_sources: &[DonorSource],
    activities: &[LicensedActivity],
) -> Option<LicenceCoverage> {
    Some(LicenceCoverage {
        modalities: modalities.to_vec(),
        donor_sources: donor_sources.to_vec(),
        activities: activities.to_vec(),
    })
}

/// The sample CDMO holding only a hospital exemption with `coverage`.
fn hospital_exemption(coverage: Option<LicenceCoverage>) -> CapabilityProfile {
    let mut p = sample();
    let licence = &mut p.sites[0].licences[0];
    licence.kind = LicenceKind::HospitalExemption;
    licence.coverage = coverage;
    p
}

/// Constraints of a CAR-T product (autologous) needing a hospital exemption that
/// authorises `activities` (manufacturing when empty).
fn car_t_needing_hospital_exemption(activities: &[LicensedActivity]) -> HardConstraints {
    HardConstraints {
        modalities: vec![Modality::CarT],
        donor_source: Some(DonorSource::Autologous),
        licences: vec![LicenceRequirement {
            activities: activities.to_vec(),
            ..LicenceRequirement::new(None, Some(LicenceKind::HospitalExemption))
        }],
        ..Default::default()
    }
}

fn first_failure(profile: &CapabilityProfile, constraints: HardConstraints) -> FailedConstraint {
    let req = requirements(constraints, vec![criterion(Criterion::QcCoverage, 1.0)]);
    let f = features_of("x", profile, false);
    let result = run_match([&f], &req, today(), &Availability::default(), 10);
    assert_eq!(result.excluded.len(), 1, "{result:?}");
    result.excluded[0].failed[0].clone()
}

#[test]
fn a_hospital_exemption_for_msc_does_not_cover_a_car_t_product() {
    use LicensedActivity::Manufacturing;
    // Scenario 5: the exemption was granted for an MSC preparation.
    let msc = hospital_exemption(coverage(
        &[Modality::Msc],
        &[DonorSource::Autologous],
        &[Manufacturing],
    ));
    let failed = first_failure(&msc, car_t_needing_hospital_exemption(&[]));
    assert_eq!(failed.constraint, "licences");
    assert_eq!(
        failed.required,
        "hospital_exemption (unexpired) covering car_t, autologous, for manufacturing"
    );
    assert_eq!(
        failed.actual,
        "eu_member_state hospital_exemption covering msc, autologous, for manufacturing"
    );
    assert_eq!(failed.code, ConstraintCode::Licence);
    assert_eq!(
        failed.required_value.values,
        Some(vec![
            "any/hospital_exemption/car_t/autologous/manufacturing".to_owned()
        ])
    );
    assert_eq!(
        failed.actual_value.values,
        Some(vec![
            "eu_member_state/hospital_exemption/msc/autologous/manufacturing".to_owned()
        ])
    );

    // Granted for CAR-T: covered.
    let car_t = hospital_exemption(coverage(
        &[Modality::CarT],
        &[DonorSource::Autologous],
        &[Manufacturing],
    ));
    assert!(failed_constraints(&car_t, car_t_needing_hospital_exemption(&[])).is_empty());
    // Empty lists: not limited by modality or donor source, as a general authorisation.
    let general = hospital_exemption(coverage(&[], &[], &[Manufacturing]));
    assert!(failed_constraints(&general, car_t_needing_hospital_exemption(&[])).is_empty());
    // The right modality but allogeneic only.
    let allogeneic = hospital_exemption(coverage(
        &[Modality::CarT],
        &[DonorSource::Allogeneic],
        &[Manufacturing],
    ));
    let failed = first_failure(&allogeneic, car_t_needing_hospital_exemption(&[]));
    assert!(failed.actual.contains("car_t, allogeneic"), "{failed:?}");
    // A sponsor that names no product: any stated coverage covers it.
    let anything = HardConstraints {
        licences: vec![LicenceRequirement::new(
            None,
            Some(LicenceKind::HospitalExemption),
        )],
        ..Default::default()
    };
    assert!(failed_constraints(&msc, anything).is_empty());
}

#[test]
fn a_licence_whose_coverage_is_not_stated_covers_nothing() {
    let mut legacy = hospital_exemption(None);
    // The free-text scope is the licence's wording, never matched on.
    legacy.sites[0].licences[0].scope = "Autologous CAR-T manufacture, testing and release".into();
    let failed = first_failure(&legacy, car_t_needing_hospital_exemption(&[]));
    assert_eq!(
        failed.actual,
        "eu_member_state hospital_exemption coverage not stated"
    );
    assert_eq!(
        failed.actual_value.values,
        Some(vec![
            "eu_member_state/hospital_exemption/not_stated".to_owned()
        ])
    );
    // Not even a requirement naming no product: no silent widening.
    let anything = HardConstraints {
        licences: vec![LicenceRequirement::new(
            Some(Authority::EuMemberState),
            None,
        )],
        ..Default::default()
    };
    assert_eq!(failed_constraints(&legacy, anything), ["licences"]);
}

#[test]
fn a_licence_requirement_needs_every_activity_it_names_on_one_licence() {
    use LicensedActivity::{Manufacturing, Release, Testing};
    let manufacture_only = hospital_exemption(coverage(&[Modality::CarT], &[], &[Manufacturing]));
    let failed = first_failure(
        &manufacture_only,
        car_t_needing_hospital_exemption(&[Manufacturing, Release]),
    );
    assert!(
        failed.required.ends_with("for manufacturing, release"),
        "{failed:?}"
    );
    assert!(failed.actual.ends_with("for manufacturing"), "{failed:?}");
    // Testing only does not cover the default (manufacturing).
    let testing = hospital_exemption(coverage(&[Modality::CarT], &[], &[Testing]));
    assert_eq!(
        failed_constraints(&testing, car_t_needing_hospital_exemption(&[])),
        ["licences"]
    );
    // Release on a second licence does not help: one licence must cover both.
    let mut split = manufacture_only.clone();
    let mut release = split.sites[0].licences[0].clone();
    release.coverage = coverage(&[Modality::CarT], &[], &[Release]);
    split.sites[0].licences.push(release);
    assert_eq!(
        failed_constraints(
            &split,
            car_t_needing_hospital_exemption(&[Manufacturing, Release])
        ),
        ["licences"]
    );
    let both = hospital_exemption(coverage(&[Modality::CarT], &[], &[Manufacturing, Release]));
    assert!(
        failed_constraints(
            &both,
            car_t_needing_hospital_exemption(&[Release, Manufacturing])
        )
        .is_empty()
    );
}

#[test]
fn a_licence_failure_lists_other_licences_when_none_is_of_the_kind() {
    let failed = first_failure(&sample(), car_t_needing_hospital_exemption(&[]));
    assert_eq!(failed.actual, "eu_member_state manufacturing_authorisation");
    let mut none = sample();
    none.sites[0].licences.clear();
    assert_eq!(
        first_failure(&none, car_t_needing_hospital_exemption(&[])).actual,
        "no licences"
    );
}

fn fda_acceptance(batches: AcceptedBatches) -> RegulatoryAcceptance {
    RegulatoryAcceptance {
        authority: Authority::Fda,
        batches,
        accepted_on: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        reference: Some("IND 031337".into()),
        note: None,
    }
}

fn accepted_by(list: &[(Authority, Option<AcceptedBatches>)]) -> HardConstraints {
    HardConstraints {
        accepted_by: list
            .iter()
            .map(|(authority, batches)| AcceptanceRequirement {
                authority: *authority,
                batches: *batches,
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn accepted_by_needs_every_authority_listed_to_have_accepted_batches() {
    // Scenario 2: a French centre whose clinical batches the FDA accepted.
    let mut p = sample();
    let need_fda = accepted_by(&[(Authority::Fda, None)]);
    let failed = first_failure(&p, need_fda.clone());
    assert_eq!(
        (
            failed.constraint.as_str(),
            failed.required.as_str(),
            failed.actual.as_str()
        ),
        (
            "accepted_by",
            "batches accepted by fda",
            "no acceptances recorded"
        )
    );

    p.sites[0]
        .acceptances
        .push(fda_acceptance(AcceptedBatches::ClinicalBatches));
    assert!(failed_constraints(&p, need_fda).is_empty());
    assert!(
        failed_constraints(
            &p,
            accepted_by(&[(Authority::Fda, Some(AcceptedBatches::ClinicalBatches))])
        )
        .is_empty()
    );
    // All of the list: the EMA has accepted nothing.
    let failed = first_failure(
        &p,
        accepted_by(&[(Authority::Fda, None), (Authority::Ema, None)]),
    );
    assert_eq!(failed.required, "batches accepted by ema");
    assert_eq!(failed.actual, "accepted: fda clinical_batches");
    assert_eq!(
        (failed.code, failed.class),
        (
            ConstraintCode::RegulatoryAcceptance,
            ConstraintClass::Categorical
        )
    );
    assert_eq!(
        failed.required_value.values,
        Some(vec!["ema/any".to_owned()])
    );
    assert_eq!(
        failed.actual_value.values,
        Some(vec!["fda/clinical_batches".to_owned()])
    );
    assert_eq!(
        failed_constraints(
            &p,
            accepted_by(&[(Authority::Fda, None), (Authority::Ema, None)])
        ),
        ["accepted_by"]
    );
    // Clinical acceptance is not commercial acceptance.
    let failed = first_failure(
        &p,
        accepted_by(&[(Authority::Fda, Some(AcceptedBatches::CommercialBatches))]),
    );
    assert_eq!(failed.required, "commercial_batches accepted by fda");
    // An acceptance at any site counts.
    let mut two_sites = sample();
    let mut second = two_sites.sites[0].clone();
    second.key = "boston-1".into();
    second
        .acceptances
        .push(fda_acceptance(AcceptedBatches::CommercialBatches));
    two_sites.sites.push(second);
    assert!(
        failed_constraints(
            &two_sites,
            accepted_by(&[(Authority::Fda, Some(AcceptedBatches::CommercialBatches))])
        )
        .is_empty()
    );
}

#[test]
fn inspection_history_can_count_only_some_authorities() {
    let mut p = sample();
    for (authority, outcome) in [
        (Authority::Fda, InspectionOutcome::NoFindings),
        (Authority::EuMemberState, InspectionOutcome::MajorFindings),
        (Authority::EuMemberState, InspectionOutcome::MinorFindings),
    ] {
        p.sites[0].inspections.push(Inspection {
            authority,
            date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            outcome,
        });
    }
    let f = features_of("x", &p, true);
    let raw = |authorities: Vec<Authority>, missing: Option<MissingDataPolicy>| {
        let req = requirements(
            HardConstraints::default(),
            vec![WeightedCriterion {
                authorities,
                missing,
                ..criterion(Criterion::InspectionHistory, 1.0)
            }],
        );
        run_match([&f], &req, today(), &Availability::default(), 1)
    };
    let all = raw(vec![], None);
    assert!((all.candidates[0].criteria[0].raw.unwrap() - 0.7).abs() < 1e-12);
    let fda = raw(vec![Authority::Fda], None);
    assert_eq!(fda.candidates[0].criteria[0].raw, Some(1.0));
    let eu = raw(vec![Authority::EuMemberState], None);
    assert!((eu.candidates[0].criteria[0].raw.unwrap() - 0.55).abs() < 1e-12);
    let both = raw(vec![Authority::EuMemberState, Authority::Fda], None);
    assert!((both.candidates[0].criteria[0].raw.unwrap() - 0.7).abs() < 1e-12);
    // No inspection by the PMDA: missing, and the policy applies.
    let pmda = raw(vec![Authority::Pmda], Some(MissingDataPolicy::Exclude));
    assert!(pmda.candidates.is_empty());
    assert_eq!(pmda.excluded[0].failed[0].constraint, "criteria");
    let pmda = raw(vec![Authority::Pmda], Some(MissingDataPolicy::Zero));
    assert_eq!(pmda.candidates[0].criteria[0].raw, None);
}

#[test]
fn licence_activities_acceptances_and_criterion_authorities_are_validated() {
    use LicensedActivity::{Manufacturing, Release};
    let set = RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            licences: vec![
                LicenceRequirement::new(Some(Authority::Fda), None),
                LicenceRequirement {
                    activities: vec![Release, Manufacturing, Release],
                    ..LicenceRequirement::new(Some(Authority::Ema), None)
                },
            ],
            accepted_by: vec![
                AcceptanceRequirement {
                    authority: Authority::Fda,
                    batches: None,
                },
                AcceptanceRequirement {
                    authority: Authority::Fda,
                    batches: Some(AcceptedBatches::ClinicalBatches),
                },
                AcceptanceRequirement {
                    authority: Authority::Fda,
                    batches: None,
                },
            ],
            ..Default::default()
        },
        criteria: vec![
            WeightedCriterion {
                authorities: vec![Authority::Fda],
                ..criterion(Criterion::SuccessRate, 1.0)
            },
            WeightedCriterion {
                authorities: vec![Authority::Fda, Authority::Ema, Authority::Fda],
                ..criterion(Criterion::InspectionHistory, 1.0)
            },
        ],
        missing_data_penalty_percent: None,
        capacity: None,
        near_miss_tolerances: vec![],
    };
    let fields: Vec<String> = ValidRequirements::parse(set, None)
        .unwrap_err()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        fields,
        [
            "constraints.licences[1].activities[2]",
            "constraints.accepted_by[2]",
            "criteria[0].authorities",
            "criteria[1].authorities[2]",
        ]
    );
}
