//! `GET /v1/cdmos/{id}` at 8 concurrent clients: `wrk` against release servers on
//! loopback, in alternating rounds, side by side with a minimal actix-web handler
//! returning a body of the same size when one is running. Prints requests per second
//! (median of the rounds) and the cost of the change counter read; asserts nothing.
//!
//!     cargo bench -p cdmx-e2e --bench profile_reads
//!
//! Needs `wrk` (Debian: `apt-get install wrk`). The peer is `../shared/bench/hello`,
//! built outside this workspace and started beforehand; name its URL in
//! `CDMX_BENCH_PEER_URL` (e.g. `http://127.0.0.1:18200/v1/cdmos/x`). `CDMX_BENCH_SECONDS`
//! (5) and `CDMX_BENCH_ROUNDS` (3) set each run's length and the number of rounds;
//! `CDMX_TEST_DATABASE_URL` runs the servers on PostgreSQL instead of SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use cdmx::config::Settings;
use cdmx_e2e::TestApp;
use cdmx_sdk::types::OrganizationKind;

/// The demo CDMO's profile (Tessaric Biomanufacturing): evidence, several sites.
const PROFILE_ID: &str = "01943a6e-2c00-7000-8000-000000000100";
const CLIENTS: u32 = 8;
const COUNTER_READS: u32 = 2_000;

struct Target {
    label: String,
    url: String,
    rates: Vec<f64>,
    p50_ms: Vec<f64>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One `wrk` run: requests per second and the median latency in milliseconds.
fn wrk(url: &str, token: &str, seconds: u64) -> (f64, f64) {
    let output = Command::new("wrk")
        .args(["-t2", &format!("-c{CLIENTS}"), &format!("-d{seconds}s")])
        .args(["--latency", "-H", &format!("authorization: Bearer {token}")])
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "{url} answered errors, the figures would mean nothing:\n{text}"
    );
    let field = |line_start: &str| -> &str {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_else(|| panic!("no `{line_start}` in wrk's output:\n{text}"))
    };
    let rate: f64 = field("Requests/sec:").parse().unwrap();
    let p50 = field("50%");
    let p50_ms = if let Some(us) = p50.strip_suffix("us") {
        us.parse::<f64>().unwrap() / 1e3
    } else if let Some(ms) = p50.strip_suffix("ms") {
        ms.parse().unwrap()
    } else {
        p50.trim_end_matches('s').parse::<f64>().unwrap() * 1e3
    };
    (rate, p50_ms)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// How a configuration differs from the defaults.
type SettingsChange = fn(&mut Settings);

fn server_settings(s: &mut Settings) {
    s.workers = 2;
    s.database_pool_size = 8;
}

#[tokio::main]
async fn main() {
    let seconds = env_number("CDMX_BENCH_SECONDS", 5);
    let rounds = env_number("CDMX_BENCH_ROUNDS", 3);
    let app = TestApp::spawn_with(server_settings).await;
    let backend = if app.database.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, "not-a-hash"))
        .await
        .unwrap()
        .unwrap()
        .expect("the database was empty");
    let token = app
        .sign_up(OrganizationKind::Sponsor, "Bench Sponsor")
        .await
        .token()
        .await;

    // Every configuration is a server of its own on the same database.
    let defaults = Settings::default();
    let configurations: Vec<(String, SettingsChange)> = vec![
        (
            format!(
                "cdmx, defaults (freshness {} ms, cache {} MiB)",
                defaults.index_freshness_ms,
                defaults.profile_cache_bytes >> 20
            ),
            |_| {},
        ),
        (
            "cdmx, counter read on every request (freshness 0)".into(),
            |s| s.index_freshness_ms = 0,
        ),
        (
            "cdmx, no response cache (rows read, view built)".into(),
            |s| s.profile_cache_bytes = 0,
        ),
    ];
    let mut servers = Vec::new();
    let mut targets = Vec::new();
    for (label, adjust) in configurations {
        let server = app
            .second_server_with(|s| {
                server_settings(s);
                adjust(s);
            })
            .await;
        targets.push(Target {
            label,
            url: format!("{}/v1/cdmos/{PROFILE_ID}", server.base_url),
            rates: Vec::new(),
            p50_ms: Vec::new(),
        });
        servers.push(server);
    }
    if let Ok(url) = std::env::var("CDMX_BENCH_PEER_URL") {
        targets.push(Target {
            label: "peer: minimal actix-web handler (hello)".into(),
            url,
            rates: Vec::new(),
            p50_ms: Vec::new(),
        });
    } else {
        println!("CDMX_BENCH_PEER_URL not set: measuring cdmx alone");
    }

    let http = reqwest::Client::new();
    for target in &targets {
        let response = http
            .get(&target.url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", target.url);
        let body = response.bytes().await.unwrap();
        println!("{:<58} body {:>6} bytes", target.label, body.len());
    }

    let wrk_token = token.clone();
    let targets = tokio::task::spawn_blocking(move || {
        for target in &targets {
            wrk(&target.url, &wrk_token, 1);
        }
        for _ in 0..rounds {
            for target in &mut targets {
                let (rate, p50) = wrk(&target.url, &wrk_token, seconds);
                target.rates.push(rate);
                target.p50_ms.push(p50);
            }
        }
        targets
    })
    .await
    .unwrap();

    println!(
        "\n{backend}, {CLIENTS} clients, {rounds} rounds of {seconds} s (wrk -t2 -c{CLIENTS})"
    );
    println!("{:<58} {:>10} {:>9}", "target", "req/s", "p50");
    for target in &targets {
        println!(
            "{:<58} {:>10.0} {:>7.3}ms",
            target.label,
            median(&target.rates),
            median(&target.p50_ms)
        );
    }
    let rate = |i: usize| median(&targets[i].rates);
    if let Some(peer) = targets.get(3) {
        println!(
            "ratio cdmx defaults / peer: {:.2}",
            rate(0) / median(&peer.rates)
        );
    }
    // Two cores serve every request: the time a request costs them is 2 / rate.
    let cpu_micros = |r: f64| 2e6 / r;
    println!(
        "change counter read, per request: {:.1} us of the two cores (freshness 0 against defaults)",
        cpu_micros(rate(1)) - cpu_micros(rate(0))
    );

    let db = app.db.clone();
    let started = Instant::now();
    for _ in 0..COUNTER_READS {
        db.run(cdmx::db::profiles::change_counter).await.unwrap();
    }
    let each: Duration = started.elapsed() / COUNTER_READS;
    println!(
        "change counter read, one at a time: {:.1} us (pool checkout, blocking thread, query)",
        each.as_secs_f64() * 1e6
    );
    for server in servers {
        server.handle.stop(true).await;
    }
}
