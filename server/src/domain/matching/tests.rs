use cdmx_sdk::types::*;
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::demo::synthetic::synthetic_profile;
use crate::domain::profiles::section_confidence;
use crate::domain::profiles::tests::sample;

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
        criterion,
        weight,
        scale: None,
        missing: None,
        origin: None,
        authorities: vec![],
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
            missing_data_penalty_percent: None,
            capacity: None,
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
        max_bioreactor_volume_l: 200.0,
        doses_per_batch: 100,
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
    open.sites[0].closed_processing = false;
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
                "at least 1 programme(s) in commercial or later",
                "0 programme(s) in commercial or later"
            ),
            ("max_cryo_temp_c", "storage at or below -190 C", "-180 C"),
        ]
    );
}

#[test]
fn near_misses_come_first_among_the_excluded() {
    let mut far = sample();
    far.donor_sources = DonorSourceExperience {
        autologous: None,
        allogeneic: Some(AllogeneicExperience {
            max_bioreactor_volume_l: 10.0,
            doses_per_batch: 5,
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
        max_bioreactor_volume_l: 500.0,
        doses_per_batch: 100,
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
                constraints: HardConstraints::default(),
                criteria: vec![rate, criterion(Criterion::QcCoverage, 1.0)],
                missing_data_penalty_percent: Some(20.0),
                capacity: None,
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
fn invalid_requirement_sets_name_each_field() {
    let mut distance = criterion(Criterion::Distance, 1.0);
    distance.origin = None;
    let mut bad_scale = criterion(Criterion::Turnaround, 1.0);
    bad_scale.scale = Some(Scale {
        worst: 5.0,
        best: 5.0,
    });
    let set = RequirementSet {
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

fn any_requirements() -> impl Strategy<Value = ValidRequirements> {
    let criteria = proptest::collection::vec(
        (0usize..Criterion::ALL.len(), 0.0f64..10.0, 0usize..3),
        1..6,
    );
    let constraints = (
        proptest::option::of(0usize..2),
        any::<bool>(),
        proptest::option::of(-196i32..-60),
        proptest::option::of(0usize..6),
        proptest::collection::vec(0usize..Platform::ALL.len(), 0..3),
    );
    // A licence (authority, kind, whether release is asked), an acceptance, and the
    // authorities an inspection-history criterion counts.
    let regulatory = (
        proptest::option::of((
            0usize..Authority::ALL.len(),
            0usize..LicenceKind::ALL.len(),
            any::<bool>(),
        )),
        proptest::option::of((0usize..Authority::ALL.len(), 0usize..3)),
        proptest::collection::btree_set(0usize..Authority::ALL.len(), 0..3),
    );
    (criteria, constraints, regulatory).prop_filter_map(
        "valid requirement set",
        |(
            criteria,
            (donor, verified_only, cryo, phase, platforms),
            (licence, acceptance, inspected_by),
        )| {
            let mut seen = Vec::new();
            let criteria: Vec<WeightedCriterion> = criteria
                .into_iter()
                .filter(|(c, _, _)| {
                    let fresh = !seen.contains(c);
                    seen.push(*c);
                    fresh
                })
                .map(|(c, weight, missing)| WeightedCriterion {
                    criterion: Criterion::ALL[c],
                    weight,
                    scale: None,
                    missing: Some(
                        [
                            MissingDataPolicy::Zero,
                            MissingDataPolicy::Penalise,
                            MissingDataPolicy::Exclude,
                        ][missing],
                    ),
                    origin: (Criterion::ALL[c] == Criterion::Distance).then_some(GeoPoint {
                        latitude: 40.0,
                        longitude: -3.0,
                    }),
                    authorities: if Criterion::ALL[c] == Criterion::InspectionHistory {
                        inspected_by.iter().map(|a| Authority::ALL[*a]).collect()
                    } else {
                        vec![]
                    },
                })
                .collect();
            let constraints = HardConstraints {
                donor_source: donor.map(|d| DonorSource::ALL[d]),
                verified_only,
                max_cryo_temp_c: cryo,
                phase_track_record: phase.map(|p| PhaseTrackRecord {
                    phase: Phase::ALL[p],
                    min_programmes: 1,
                }),
                platforms: platforms.into_iter().map(|p| Platform::ALL[p]).collect(),
                licences: licence
                    .map(|(a, k, release)| LicenceRequirement {
                        activities: if release {
                            vec![LicensedActivity::Manufacturing, LicensedActivity::Release]
                        } else {
                            vec![]
                        },
                        ..LicenceRequirement::new(
                            Some(Authority::ALL[a]),
                            Some(LicenceKind::ALL[k]),
                        )
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
                ..Default::default()
            };
            ValidRequirements::parse(
                RequirementSet {
                    constraints,
                    criteria,
                    missing_data_penalty_percent: None,
                    capacity: None,
                },
                None,
            )
            .ok()
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
    fn matching_is_deterministic(cdmos in any_features(), req in any_requirements()) {
        let a = run_match(&cdmos, &req, today(), &Availability::default(), MAX_LIMIT);
        let b = run_match(&cdmos, &req, today(), &Availability::default(), MAX_LIMIT);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn contributions_sum_to_totals_within_0_and_100(cdmos in any_features(), req in any_requirements()) {
        let result = run_match(&cdmos, &req, today(), &Availability::default(), MAX_LIMIT);
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
    fn removing_a_cdmo_never_reorders_the_others(cdmos in any_features(), req in any_requirements(), drop in any::<prop::sample::Index>()) {
        let full = ranking(&run_match(&cdmos, &req, today(), &Availability::default(), MAX_LIMIT));
        let dropped = drop.index(cdmos.len());
        let gone = cdmos[dropped].profile_id.clone();
        let rest: Vec<&CdmoFeatures> = cdmos.iter().enumerate().filter(|(i, _)| *i != dropped).map(|(_, f)| f).collect();
        let without = ranking(&run_match(rest, &req, today(), &Availability::default(), MAX_LIMIT));
        let expected: Vec<String> = full.into_iter().filter(|id| *id != gone).collect();
        prop_assert_eq!(without, expected);
    }

    #[test]
    fn improving_an_attribute_never_lowers_the_score(seed in any::<u64>(), index in 0u64..500, req in any_requirements(), which in 0usize..9) {
        let before = synthetic_profile(seed, index);
        let mut after = before.clone();
        match which {
            0 => after.performance.success_rate_percent = Some(after.performance.success_rate_percent.map_or(90.0, |r| (r + 3.0).min(100.0))),
            1 => after.performance.median_turnaround_days = Some(after.performance.median_turnaround_days.map_or(10, |d| d.saturating_sub(3))),
            2 => after.qc.in_house_assays = QcAssay::ALL.to_vec(),
            3 => after.phases.push(PhaseExperience { phase: Phase::Commercial, programmes: 2, gmp_batches: 50 }),
            4 => after.tech_transfer.duration_months_max = Some(after.tech_transfer.duration_months_max.map_or(6, |m| m.saturating_sub(4).max(after.tech_transfer.duration_months_min.unwrap_or(0)))),
            5 => { after.tech_transfer.cost_usd_min = Some(100_000); after.tech_transfer.cost_usd_max = Some(200_000); }
            6 => {
                after.cryo.min_storage_temp_c = Some(-196);
                if let Some(a) = &mut after.donor_sources.allogeneic {
                    a.max_bioreactor_volume_l += 100.0;
                }
            }
            7 => for site in &mut after.sites { for i in &mut site.inspections { i.outcome = InspectionOutcome::NoFindings; } },
            // Wider licence scopes and more acceptances only satisfy more constraints.
            _ => for site in &mut after.sites {
                for l in &mut site.licences {
                    l.scope = Some(LicenceScope { modalities: vec![], donor_sources: vec![], activities: LicensedActivity::ALL.to_vec() });
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
        match (score(&b), score(&a)) {
            (Some(old), Some(new)) => prop_assert!(new >= old - 1e-9, "{} -> {}", old, new),
            (Some(_), None) => prop_assert!(false, "an improvement excluded the CDMO"),
            _ => {}
        }
    }

    #[test]
    fn robustness_names_the_weight_at_which_the_top_two_tie(cdmos in any_features(), req in any_requirements()) {
        let result = run_match(&cdmos, &req, today(), &Availability::default(), MAX_LIMIT);
        let Some(r) = &result.robustness else { return Ok(()) };
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
    availability.0.insert(
        "a".into(),
        SlotsAvailable {
            free: 5,
            earliest: NaiveDate::from_ymd_opt(2027, 1, 31),
        },
    );
    availability.0.insert(
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
            .contains("4 free clinical_gmp_batch slot(s)")
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
    availability.0.insert(
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
                missing_data_penalty_percent: None,
                capacity: None,
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
// Licence scope, regulatory acceptance, inspection history by authority.
// ---------------------------------------------------------------------------------------

fn scope(
    modalities: &[Modality],
    donor_sources: &[DonorSource],
    activities: &[LicensedActivity],
) -> Option<LicenceScope> {
    Some(LicenceScope {
        modalities: modalities.to_vec(),
        donor_sources: donor_sources.to_vec(),
        activities: activities.to_vec(),
    })
}

/// The sample CDMO holding only a hospital exemption with `scope`.
fn hospital_exemption(scope: Option<LicenceScope>) -> CapabilityProfile {
    let mut p = sample();
    let licence = &mut p.sites[0].licences[0];
    licence.kind = LicenceKind::HospitalExemption;
    licence.scope = scope;
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
    let msc = hospital_exemption(scope(
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

    // Granted for CAR-T: covered.
    let car_t = hospital_exemption(scope(
        &[Modality::CarT],
        &[DonorSource::Autologous],
        &[Manufacturing],
    ));
    assert!(failed_constraints(&car_t, car_t_needing_hospital_exemption(&[])).is_empty());
    // Empty lists: not limited by modality or donor source, as a general authorisation.
    let general = hospital_exemption(scope(&[], &[], &[Manufacturing]));
    assert!(failed_constraints(&general, car_t_needing_hospital_exemption(&[])).is_empty());
    // The right modality but allogeneic only.
    let allogeneic = hospital_exemption(scope(
        &[Modality::CarT],
        &[DonorSource::Allogeneic],
        &[Manufacturing],
    ));
    let failed = first_failure(&allogeneic, car_t_needing_hospital_exemption(&[]));
    assert!(failed.actual.contains("car_t, allogeneic"), "{failed:?}");
    // A sponsor that names no product: any stated scope covers it.
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
fn a_licence_whose_scope_is_not_stated_covers_nothing() {
    let legacy = hospital_exemption(None);
    let failed = first_failure(&legacy, car_t_needing_hospital_exemption(&[]));
    assert_eq!(
        failed.actual,
        "eu_member_state hospital_exemption scope not stated"
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
    let manufacture_only = hospital_exemption(scope(&[Modality::CarT], &[], &[Manufacturing]));
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
    let testing = hospital_exemption(scope(&[Modality::CarT], &[], &[Testing]));
    assert_eq!(
        failed_constraints(&testing, car_t_needing_hospital_exemption(&[])),
        ["licences"]
    );
    // Release on a second licence does not help: one licence must cover both.
    let mut split = manufacture_only.clone();
    let mut release = split.sites[0].licences[0].clone();
    release.scope = scope(&[Modality::CarT], &[], &[Release]);
    split.sites[0].licences.push(release);
    assert_eq!(
        failed_constraints(
            &split,
            car_t_needing_hospital_exemption(&[Manufacturing, Release])
        ),
        ["licences"]
    );
    let both = hospital_exemption(scope(&[Modality::CarT], &[], &[Manufacturing, Release]));
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
