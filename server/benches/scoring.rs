//! The pure matching engine over 1,000 to 1,000,000 generated profiles (no HTTP, no
//! database), laid out as the profile index keeps them: an array of scan features beside
//! the full features.
//!
//!     cargo bench -p cdmx-server --bench scoring
//!
//! `CDMX_BENCH_MAX_PROFILES` caps the sizes (default 1,000,000; generating a million
//! profiles takes about a minute and 1.5 GB).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cdmx::demo::synthetic::{benchmark_requirements, synthetic_profile};
use cdmx::domain::matching::{
    Availability, CdmoFeatures, ProfileIdentity, ScanFeatures, ValidRequirements, run_match,
};
use cdmx::domain::profiles::section_confidence;
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion as Bench, criterion_group, criterion_main};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn catalogue(n: u64) -> Vec<(ScanFeatures, CdmoFeatures)> {
    (0..n)
        .map(|i| {
            let profile = synthetic_profile(7, i);
            let features = CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: format!("p{i:07}"),
                    organization_id: format!("o{i}"),
                    revision: 1,
                    verified: i % 4 != 3,
                },
                &profile,
                section_confidence(&[], today()),
            );
            (ScanFeatures::of(&features), features)
        })
        .collect()
}

fn scoring(c: &mut Bench) {
    let max: u64 = std::env::var("CDMX_BENCH_MAX_PROFILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let late_stage = ValidRequirements::parse(benchmark_requirements(), None).unwrap();
    let open = ValidRequirements::parse(
        RequirementSet {
            criteria: vec![WeightedCriterion {
                weight_range: None,
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
    let mut group = c.benchmark_group("run_match");
    for n in [1_000u64, 10_000, 100_000, 1_000_000] {
        if n > max {
            break;
        }
        let all = catalogue(n);
        let rows = || all.iter().map(|(scan, f)| (scan, f));
        let result = run_match(rows(), &late_stage, today(), &Availability::default(), 25);
        eprintln!(
            "late-stage over {n}: {} feasible, {} excluded",
            result.feasible_count, result.excluded_count
        );
        if n >= 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(
            BenchmarkId::new("late-stage, 4 constraints, 9 criteria", n),
            &n,
            |b, _| {
                b.iter(|| {
                    run_match(
                        std::hint::black_box(rows()),
                        &late_stage,
                        today(),
                        &Availability::default(),
                        25,
                    )
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("no constraint, 1 criterion", n),
            &n,
            |b, _| {
                b.iter(|| {
                    run_match(
                        std::hint::black_box(rows()),
                        &open,
                        today(),
                        &Availability::default(),
                        25,
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
