//! What the per-request security checks cost: the rate limiter (per-organisation quota on
//! writes and matches) and the token-version check (revocation; cached per process, or a
//! database read on every request with the cache off). A load generator against
//! in-process servers on loopback, each configuration measured in alternating rounds so
//! drift hits all alike. Prints median, p99 and throughput; asserts nothing.
//!
//!     cargo bench -p cdmx-e2e --bench auth_overhead
//!
//! `CDMX_TEST_DATABASE_URL` runs it on PostgreSQL instead of SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use cdmx_e2e::{TestApp, percentile_ms};
use cdmx_sdk::Client;
use cdmx_sdk::types::{MatchRequest, OrganizationKind, RequirementSet};

const ROUNDS: usize = 5;
const PER_ROUND: usize = 400;

struct Setup {
    label: &'static str,
    client: Client,
    _app: TestApp,
    me: Vec<Duration>,
    matches: Vec<Duration>,
}

async fn setup(label: &'static str, limits_on: bool, cache_seconds: u64) -> Setup {
    let app = TestApp::spawn_with(|s| {
        s.workers = 2;
        s.database_pool_size = 8;
        s.token_check_cache_seconds = cache_seconds;
        let quota = if limits_on { 10_000_000 } else { 0 };
        s.rate_limit_organization_writes = quota;
        s.rate_limit_organization_matches = quota;
    })
    .await;
    let client = app
        .sign_up(OrganizationKind::Sponsor, "Bench Sponsor")
        .await
        .admin;
    Setup {
        label,
        client,
        _app: app,
        me: Vec::new(),
        matches: Vec::new(),
    }
}

fn requirements() -> RequirementSet {
    serde_json::from_value(serde_json::json!({
        "criteria": [{"criterion": "success_rate", "weight": 1.0}]
    }))
    .unwrap()
}

fn report(what: &str, label: &str, timings: &mut [Duration]) {
    timings.sort();
    let total: Duration = timings.iter().sum();
    println!(
        "{what:<22} {label:<42} {:>8.3}ms {:>8.3}ms {:>8.0} req/s",
        percentile_ms(timings, 0.5),
        percentile_ms(timings, 0.99),
        timings.len() as f64 / total.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let mut setups = vec![
        setup("limits on, token check cached (default)", true, 5).await,
        setup("limits off, token check cached", false, 5).await,
        setup("limits on, token check every request", true, 0).await,
    ];
    let request = MatchRequest::new(requirements());
    for setup in &setups {
        // Warm connections, the index and the token cache.
        for _ in 0..50 {
            setup.client.get_me().await.unwrap();
            setup.client.create_match(&request).await.unwrap();
        }
    }
    for _ in 0..ROUNDS {
        for setup in &mut setups {
            for _ in 0..PER_ROUND {
                let t = Instant::now();
                std::hint::black_box(setup.client.get_me().await.unwrap());
                setup.me.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(setup.client.create_match(&request).await.unwrap());
                setup.matches.push(t.elapsed());
            }
        }
    }
    println!(
        "{:<22} {:<42} {:>10} {:>10} {:>12}",
        "request", "configuration", "median", "p99", "throughput"
    );
    for setup in &mut setups {
        report("GET /v1/me", setup.label, &mut setup.me);
    }
    for setup in &mut setups {
        report("POST /v1/matches (0)", setup.label, &mut setup.matches);
    }
}
