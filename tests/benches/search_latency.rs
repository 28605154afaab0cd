//! Search latency over 10,000 generated profiles: a load generator against a release
//! server on loopback. Prints median and p99 per query shape; asserts nothing.
//!
//!     cargo bench -p cdmx-e2e --bench search_latency
//!
//! `CDMX_BENCH_PROFILES` changes the number of profiles; `CDMX_TEST_DATABASE_URL` runs it
//! on PostgreSQL instead of SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cdmx_e2e::{TestApp, percentile_ms};
use cdmx_sdk::types::{CdmoSearch, OrganizationKind, Phase, ProfileSort};

const ROUNDS: usize = 200;

#[tokio::main]
async fn main() {
    let profiles: u64 = std::env::var("CDMX_BENCH_PROFILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let app = TestApp::spawn_with(|s| {
        s.workers = 2;
        s.database_pool_size = 8;
    })
    .await;
    let started = Instant::now();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        cdmx::app::demo::seed_profiles(&db, profiles, 7, 0).unwrap()
    })
    .await
    .unwrap();
    println!(
        "seeded {profiles} profiles on {} in {:.1} s",
        if app.database.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        started.elapsed().as_secs_f64()
    );
    let sponsor = app
        .sign_up(OrganizationKind::Sponsor, "Bench Sponsor")
        .await
        .admin;

    let shapes: Vec<(&str, CdmoSearch)> = vec![
        ("no filter, first page of 50", CdmoSearch::default()),
        (
            "modality=car_t",
            CdmoSearch {
                modality: Some("car_t".parse().unwrap()),
                ..Default::default()
            },
        ),
        (
            "allogeneic + phase_3 + cryo<=-150 + verified",
            CdmoSearch {
                donor_source: Some("allogeneic".parse().unwrap()),
                min_phase: Some(Phase::Phase3),
                cryo_max_temp_c: Some(-150),
                verified_only: Some(true),
                ..Default::default()
            },
        ),
        (
            "region=europe + grade a,b + closed + authority fda,ema",
            CdmoSearch {
                region: Some("europe".parse().unwrap()),
                cleanroom_grade: Some("a,b".parse().unwrap()),
                closed_processing: Some(true),
                authority: Some("fda,ema".parse().unwrap()),
                ..Default::default()
            },
        ),
        (
            "country=FR + platform=clinimacs_prodigy",
            CdmoSearch {
                country: Some("FR".parse().unwrap()),
                platform: Some("clinimacs_prodigy".parse().unwrap()),
                ..Default::default()
            },
        ),
        (
            "q=bio (name contains)",
            CdmoSearch {
                q: Some("bio".into()),
                ..Default::default()
            },
        ),
        (
            "sort=updated, limit=200",
            CdmoSearch {
                sort: Some(ProfileSort::Updated),
                limit: Some(200),
                ..Default::default()
            },
        ),
    ];

    let mut everything = Vec::new();
    println!(
        "{:<55} {:>6} {:>10} {:>10}",
        "query", "hits", "median", "p99"
    );
    for (label, search) in shapes {
        // Warm up connections and caches.
        let hits = sponsor.search_cdmos(&search).await.unwrap().items.len();
        let mut timings = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let page = sponsor.search_cdmos(&search).await.unwrap();
            timings.push(t.elapsed());
            std::hint::black_box(page);
        }
        timings.sort();
        println!(
            "{label:<55} {hits:>6} {:>8.2}ms {:>8.2}ms",
            percentile_ms(&timings, 0.5),
            percentile_ms(&timings, 0.99)
        );
        everything.extend(timings);
    }
    everything.sort();
    println!(
        "{:<55} {:>6} {:>8.2}ms {:>8.2}ms",
        "all shapes",
        everything.len(),
        percentile_ms(&everything, 0.5),
        percentile_ms(&everything, 0.99)
    );
}
