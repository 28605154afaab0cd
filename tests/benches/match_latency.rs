//! `POST /v1/matches` over 10,000 generated profiles: a load generator against a release
//! server on loopback. Prints latency percentiles; asserts nothing.
//!
//!     cargo bench -p cdmx-e2e --bench match_latency
//!
//! `CDMX_BENCH_PROFILES` changes the number of profiles; `CDMX_TEST_DATABASE_URL` runs it
//! on PostgreSQL instead of SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cdmx_e2e::{TestApp, percentile_ms};
use cdmx_sdk::types::{MatchRequest, OrganizationKind};

const REQUESTS: usize = 500;

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
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        cdmx::app::demo::seed_profiles(&db, profiles, 7, 0).unwrap()
    })
    .await
    .unwrap();
    let sponsor = app
        .sign_up(OrganizationKind::Sponsor, "Bench Sponsor")
        .await
        .admin;
    let request = MatchRequest {
        requirements: cdmx::demo::synthetic::benchmark_requirements(),
        target_phase: None,
        limit: None,
        excluded_cursor: None,
    };

    // The first request builds the index from the database.
    let t = Instant::now();
    let first = sponsor.create_match(&request).await.unwrap();
    println!(
        "{profiles} profiles on {}: first match (index build) {:.1} ms; {} feasible, {} excluded",
        if app.database.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        t.elapsed().as_secs_f64() * 1e3,
        first.feasible_count,
        first.excluded_count
    );

    for concurrency in [1usize, 4] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, request) = (sponsor.clone(), request.clone());
            tasks.push(tokio::spawn(async move {
                let mut timings = Vec::with_capacity(REQUESTS / concurrency);
                for _ in 0..REQUESTS / concurrency {
                    let t = Instant::now();
                    let result = client.create_match(&request).await.unwrap();
                    timings.push(t.elapsed());
                    std::hint::black_box(result);
                }
                timings
            }));
        }
        let mut timings = Vec::new();
        for task in tasks {
            timings.extend(task.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        timings.sort();
        println!(
            "POST /v1/matches, {concurrency} client(s): {} requests, {:.0} req/s, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            timings.len(),
            timings.len() as f64 / elapsed,
            percentile_ms(&timings, 0.5),
            percentile_ms(&timings, 0.9),
            percentile_ms(&timings, 0.99),
            timings.last().unwrap().as_secs_f64() * 1e3
        );
    }
}
