//! The pure matching engine over 10,000 generated profiles (no HTTP, no database).
//!
//!     cargo bench -p cdmx-server --bench scoring
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cdmx::demo::synthetic::{benchmark_requirements, synthetic_profile};
use cdmx::domain::matching::{
    Availability, CdmoFeatures, ProfileIdentity, ValidRequirements, run_match,
};
use cdmx::domain::profiles::section_confidence;
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use criterion::{Criterion as Bench, criterion_group, criterion_main};

fn features(n: u64) -> Vec<CdmoFeatures> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    (0..n)
        .map(|i| {
            let profile = synthetic_profile(7, i);
            CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: format!("p{i:05}"),
                    organization_id: format!("o{i}"),
                    revision: 1,
                    verified: i % 4 != 3,
                },
                &profile,
                section_confidence(&[], today),
            )
        })
        .collect()
}

fn scoring(c: &mut Bench) {
    let all = features(10_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let req = ValidRequirements::parse(benchmark_requirements(), None).unwrap();
    let result = run_match(&all, &req, today, &Availability::default(), 25);
    eprintln!(
        "late-stage over 10,000: {} feasible, {} excluded",
        result.feasible_count, result.excluded_count
    );
    c.bench_function("run_match 10k profiles, 4 constraints, 9 criteria", |b| {
        b.iter(|| {
            run_match(
                std::hint::black_box(&all),
                &req,
                today,
                &Availability::default(),
                25,
            )
        })
    });
    let open = ValidRequirements::parse(
        RequirementSet {
            criteria: vec![WeightedCriterion {
                criterion: cdmx_sdk::types::Criterion::SuccessRate,
                weight: 1.0,
                scale: None,
                missing: None,
                origin: None,
                authorities: vec![],
                platforms: Vec::new(),
            }],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    c.bench_function("run_match 10k profiles, no constraint, 1 criterion", |b| {
        b.iter(|| {
            run_match(
                std::hint::black_box(&all),
                &open,
                today,
                &Availability::default(),
                25,
            )
        })
    });
}

criterion_group!(benches, scoring);
criterion_main!(benches);
