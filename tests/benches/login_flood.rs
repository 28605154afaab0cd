//! Memory under a login flood: 64 clients send wrong-password sign-ins for 10 s to a
//! release `cdmx` server running as a child process (so that its RSS is the server's
//! alone), while `/proc/<pid>/status` is sampled every 50 ms. Prints the RSS high-water
//! mark (`VmHWM`), the RSS at the end of the flood and after a quiet second, and the
//! answers by status; asserts nothing.
//!
//!     cargo build --release -p cdmx-server && cargo bench -p cdmx-e2e --bench login_flood
//!
//! The rate limits and the failed sign-in slow-down would refuse nearly all of a flood
//! from one address (127.0.0.1) before any password is checked, so the bench turns them
//! off (`CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS=0`, `CDMX_RATE_LIMIT_LOGIN_PER_ACCOUNT=0`,
//! `CDMX_LOGIN_FAILURES_BEFORE_BACKOFF=0`): every attempt that is not refused for
//! overload costs a password hash, as a flood spread over many addresses and accounts
//! would. Half the clients name a registered account, half unknown emails (the decoy
//! hash). `CDMX_BENCH_SERVER` names another server binary (e.g. an older build, for a
//! before/after comparison); `CDMX_BENCH_CLIENTS` and `CDMX_BENCH_SECONDS` change the
//! flood; other `CDMX_*` and `MALLOC_*` variables pass through to the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The release server next to this bench's own binary (`target/release/deps/..`), or
/// `CDMX_BENCH_SERVER`.
fn server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("CDMX_BENCH_SERVER") {
        return PathBuf::from(path);
    }
    let bench = std::env::current_exe().unwrap();
    let release = bench.parent().and_then(|deps| deps.parent()).unwrap();
    let server = release.join("cdmx");
    assert!(
        server.exists(),
        "no server binary at {}: run `cargo build --release -p cdmx-server` first",
        server.display()
    );
    server
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn memory_of(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[tokio::main]
async fn main() {
    let clients: usize = env_or("CDMX_BENCH_CLIENTS", 64);
    let seconds: u64 = env_or("CDMX_BENCH_SECONDS", 10);
    let folder = tempfile::tempdir().unwrap();
    let binary = server_binary();
    let mut child = Command::new(&binary)
        .env("CDMX_BIND", "127.0.0.1:0")
        .env(
            "CDMX_DATABASE_URL",
            format!("sqlite://{}", folder.path().join("flood.db").display()),
        )
        .env("CDMX_DEMO_DATA", "false")
        .env("CDMX_LOG", "error")
        .env("CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS", "0")
        .env("CDMX_RATE_LIMIT_LOGIN_PER_ACCOUNT", "0")
        .env("CDMX_RATE_LIMIT_SIGNUP_PER_ADDRESS", "0")
        .env("CDMX_LOGIN_FAILURES_BEFORE_BACKOFF", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("cdmx listening on ").map(str::to_owned))
        .expect("the server prints its address");
    // Keep reading so that the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let email = "flood@bench.example";
    let signed_up = http
        .post(format!("{address}/v1/organizations"))
        .json(&serde_json::json!({
            "name": "Flood Bench",
            "kind": "sponsor",
            "admin": {"email": email, "password": PASSWORD}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_up.status(),
        201,
        "{}",
        signed_up.text().await.unwrap()
    );
    let (idle_rss, _) = memory_of(pid).unwrap();

    let flooding = Arc::new(AtomicBool::new(true));
    let sampler = {
        let flooding = flooding.clone();
        std::thread::spawn(move || {
            let mut peak_sampled: f64 = 0.0;
            while flooding.load(Ordering::Relaxed) {
                if let Some((rss, _)) = memory_of(pid) {
                    peak_sampled = peak_sampled.max(rss);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            peak_sampled
        })
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for client in 0..clients {
        let http = http.clone();
        let url = format!("{address}/v1/auth/token");
        tasks.push(tokio::spawn(async move {
            let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
            let mut attempt = 0u64;
            while Instant::now() < deadline {
                attempt += 1;
                let email = if client % 2 == 0 {
                    email.to_owned()
                } else {
                    format!("nobody-{client}-{attempt}@bench.example")
                };
                let status = http
                    .post(&url)
                    .json(&serde_json::json!({
                        "grant_type": "password",
                        "email": email,
                        "password": "not the password"
                    }))
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                *statuses.entry(status).or_default() += 1;
            }
            statuses
        }));
    }
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    for task in tasks {
        for (status, count) in task.await.unwrap() {
            *statuses.entry(status).or_default() += count;
        }
    }
    let elapsed = started.elapsed();
    flooding.store(false, Ordering::Relaxed);
    let peak_sampled = sampler.join().unwrap();
    let (end_rss, hwm) = memory_of(pid).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let (quiet_rss, _) = memory_of(pid).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    let answered: u64 = statuses
        .iter()
        .filter(|(status, _)| **status != 0)
        .map(|(_, count)| count)
        .sum();
    println!(
        "login flood: {clients} clients, {:.1} s, server {}",
        elapsed.as_secs_f64(),
        binary.display()
    );
    println!(
        "answered {answered} ({:.0}/s); by status (0: no answer): {statuses:?}",
        answered as f64 / elapsed.as_secs_f64()
    );
    println!(
        "RSS MiB: before {idle_rss:.0}, high-water (VmHWM) {hwm:.0}, sampled peak \
         {peak_sampled:.0}, end of flood {end_rss:.0}, after 1 s quiet {quiet_rss:.0}"
    );
}
