//! Export time of a 100-row shortlist in each format (CSV, XLSX, PDF, HTML).
//!
//!     cargo bench -p cdmx-server --bench reports
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cdmx::demo::synthetic::{benchmark_requirements, synthetic_profile};
use cdmx::domain::matching::{
    Availability, CdmoFeatures, ProfileIdentity, ValidRequirements, run_match,
};
use cdmx::domain::profiles::section_confidence;
use cdmx::domain::reports::{ReportPeople, report_data};
use cdmx::reports;
use cdmx_sdk::types::*;
use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{Criterion as Bench, criterion_group, criterion_main};

fn shortlist_of_100() -> Shortlist {
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let features: Vec<CdmoFeatures> = (0..2_000)
        .map(|i| {
            CdmoFeatures::new(
                ProfileIdentity {
                    profile_id: format!("p{i:05}"),
                    organization_id: format!("o{i}"),
                    revision: 1,
                    verified: true,
                },
                &synthetic_profile(7, i),
                section_confidence(&[], today),
            )
        })
        .collect();
    let mut set = benchmark_requirements();
    set.constraints = HardConstraints::default();
    let requirements = ValidRequirements::parse(set.clone(), None).unwrap();
    let result = run_match(
        &features,
        &requirements,
        today,
        &Availability::default(),
        100,
    );
    assert_eq!(result.candidates.len(), 100);
    Shortlist {
        id: "s".into(),
        organization_id: "o".into(),
        program_id: "p".into(),
        program_version: 1,
        name: "Benchmark shortlist".into(),
        created_by: "u".into(),
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
        archived_at: None,
        program: ProgramRequest {
            name: "Benchmark programme".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Autologous,
                gene_modification: GeneModificationMethod::Lentiviral,
            },
            target_phase: Phase::Phase2,
            target_markets: vec![],
            timeline: Timeline::default(),
            requirements: set,
        },
        result,
    }
}

fn exports(c: &mut Bench) {
    let shortlist = shortlist_of_100();
    let data = report_data(
        &shortlist,
        &ReportPeople {
            sponsor: "Bench Sponsor".into(),
            generated_by: "bench@sponsor.example".into(),
        },
    );
    let sizes = (
        reports::ranking_csv(&data).unwrap().len(),
        reports::xlsx(&data).unwrap().len(),
        reports::pdf(&data).unwrap().len(),
        reports::html(&data).len(),
    );
    eprintln!(
        "100-row shortlist: csv {} B, xlsx {} B, pdf {} B, html {} B",
        sizes.0, sizes.1, sizes.2, sizes.3
    );
    c.bench_function("report csv, 100 rows", |b| {
        b.iter(|| reports::ranking_csv(std::hint::black_box(&data)).unwrap())
    });
    c.bench_function("report xlsx, 100 rows", |b| {
        b.iter(|| reports::xlsx(std::hint::black_box(&data)).unwrap())
    });
    c.bench_function("report pdf, 100 rows", |b| {
        b.iter(|| reports::pdf(std::hint::black_box(&data)).unwrap())
    });
    c.bench_function("report html, 100 rows", |b| {
        b.iter(|| reports::html(std::hint::black_box(&data)))
    });
}

criterion_group!(benches, exports);
criterion_main!(benches);
