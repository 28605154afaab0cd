//! Holds under 32 concurrent clients, split across two server processes on one
//! database; asserts nothing. Two rounds, each on 40 fresh blocks, two thirds of the
//! requests crowding 4 hot blocks:
//!
//! - **room**: blocks large enough for every hold, so each request is a successful hold:
//!   successful holds per second and latency percentiles;
//! - **fill**: 50-slot blocks that fill up, so most requests are refused (409): the rate,
//!   and the double-booking count from SQL (must be 0).
//!
//! On PostgreSQL, with `pgbench` on the PATH, the database's own rate for the bare
//! conditional increment a hold needs (the README's peer, `pg_hold.sql`: 32 clients, 40
//! blocks, the same hot pattern) is measured just before and just after the room round,
//! in the same database, and the ratio printed.
//!
//!     CDMX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p cdmx-e2e --bench reservation_throughput
//!
//! Without `CDMX_TEST_DATABASE_URL` it runs on SQLite. `CDMX_BENCH_HOLDS` sets the holds
//! per client in the room round (default 250), `CDMX_BENCH_PGBENCH_SECONDS` each pgbench
//! run's length (default 10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use cdmx_e2e::{TestApp, base_profile, percentile_ms};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use diesel::prelude::*;

const CLIENTS: usize = 32;
const BLOCKS: usize = 40;
const HOT_BLOCKS: usize = 4;
/// The most a block may publish: room for every hold of the room round.
const ROOMY_BLOCK_SLOTS: u32 = 10_000;
const FILL_BLOCK_SLOTS: u32 = 50;
const FILL_REQUESTS_PER_CLIENT: usize = 100;

/// The peer: `pg_hold.sql` of the benchmark peers, on a table of its own.
const PGBENCH_SCRIPT: &str = "\
\\set hot random(0, 2)
\\set id CASE WHEN :hot = 0 THEN random(1, 40) ELSE random(1, 4) END
UPDATE hold_peer_blocks SET held = held + 1 WHERE id = :id AND held + 1 <= slots;
";

#[tokio::main]
async fn main() {
    let holds_per_client: usize = env_number("CDMX_BENCH_HOLDS", 250);
    let pgbench_seconds: u64 = env_number("CDMX_BENCH_PGBENCH_SECONDS", 10);
    // Both processes with the same settings: a replica with the default hold limits
    // refused most of its clients' holds, which counted as (cheap) requests.
    let settings = |s: &mut cdmx::config::Settings| {
        s.workers = 2;
        s.database_pool_size = 16;
        s.max_held_slots_per_block = 10_000;
        s.max_held_slots_total = 10_000;
    };
    let app = TestApp::spawn_with(settings).await;
    let replica = app.second_server_with(settings).await;
    let backend = if app.database.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Bench CDMO").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Bench CDMO"))
        .await
        .unwrap();
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let sponsor = app
            .sign_up(OrganizationKind::Sponsor, &format!("Sponsor {i}"))
            .await;
        let client = if i % 2 == 0 {
            sponsor.admin.clone()
        } else {
            let token = sponsor.token().await;
            replica.client.with_token(token)
        };
        clients.push(client);
    }
    let pgbench = if app.database.is_postgres() {
        Pgbench::prepare(&app)
    } else {
        None
    };
    if app.database.is_postgres() && pgbench.is_none() {
        println!("pgbench is not on the PATH: no database peer in this run");
    }

    let peer_before = pgbench.as_ref().map(|p| p.run(pgbench_seconds));
    let blocks = publish(&cdmo.admin, &profile.id, "room", ROOMY_BLOCK_SLOTS).await;
    let room = race(&clients, &blocks, holds_per_client).await;
    let peer_after = pgbench.as_ref().map(|p| p.run(pgbench_seconds));
    println!(
        "{backend}, room: {CLIENTS} clients over 2 server processes, {} holds in {:.2} s = \
         {:.0} successful holds/s ({} refused); latency p50 {:.2} ms, p90 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms",
        room.held,
        room.elapsed.as_secs_f64(),
        room.held as f64 / room.elapsed.as_secs_f64(),
        room.refused,
        room.percentile(0.5),
        room.percentile(0.9),
        room.percentile(0.99),
        room.percentile(1.0),
    );
    if let (Some(before), Some(after)) = (peer_before, peer_after) {
        let peer = (before + after) / 2.0;
        println!(
            "pgbench, the bare conditional increment, 32 clients: {before:.0} tps before, \
             {after:.0} tps after; cdmx holds/s = {:.2} of their mean ({peer:.0})",
            room.held as f64 / room.elapsed.as_secs_f64() / peer
        );
    }

    let blocks = publish(&cdmo.admin, &profile.id, "fill", FILL_BLOCK_SLOTS).await;
    let fill = race(&clients, &blocks, FILL_REQUESTS_PER_CLIENT).await;
    let (booked, double_booked) = booked_in_sql(&app, &blocks);
    println!(
        "{backend}, fill: {} requests in {:.2} s = {:.0} requests/s, {} held, {} refused (409); \
         latency p50 {:.2} ms, p99 {:.2} ms; slots published {}, booked in SQL {booked}; \
         blocks double-booked: {double_booked}",
        fill.timings.len(),
        fill.elapsed.as_secs_f64(),
        fill.timings.len() as f64 / fill.elapsed.as_secs_f64(),
        fill.held,
        fill.refused,
        fill.percentile(0.5),
        fill.percentile(0.99),
        BLOCKS as u32 * FILL_BLOCK_SLOTS,
    );
    replica.handle.stop(true).await;
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn publish(cdmo: &Client, profile_id: &str, round: &str, slots: u32) -> Vec<String> {
    let mut blocks = Vec::new();
    for i in 0..BLOCKS {
        let block = NewCapacityBlock {
            site_key: "main".into(),
            suite: format!("Suite {round} {i}"),
            slot_kind: SlotKind::ClinicalGmpBatch,
            donor_sources: vec![DonorSource::Autologous],
            modalities: vec![Modality::CarT],
            period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            slots,
            lead_time_days: 30,
            price_band: None,
        };
        blocks.push(
            cdmo.create_capacity_block(profile_id, &block)
                .await
                .unwrap()
                .id,
        );
    }
    blocks
}

struct Round {
    /// Sorted.
    timings: Vec<Duration>,
    held: usize,
    refused: usize,
    elapsed: Duration,
}

impl Round {
    fn percentile(&self, p: f64) -> f64 {
        percentile_ms(&self.timings, p)
    }
}

/// Every client places `requests` one-slot holds, one after another, each under a new
/// key: a third spread over all blocks, the rest on the hot ones.
async fn race(clients: &[Client], blocks: &[String], requests: usize) -> Round {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, client) in clients.iter().cloned().enumerate() {
        let blocks = blocks.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut timings = Vec::with_capacity(requests);
            let (mut held, mut refused) = (0usize, 0usize);
            for n in 0..requests {
                let spread = if n % 3 == 0 { BLOCKS } else { HOT_BLOCKS };
                let request = NewReservation {
                    capacity_id: blocks[(i * 7 + n * 13) % spread].clone(),
                    slots: 1,
                    program_id: None,
                    note: None,
                    shared_summary: None,
                };
                let t = Instant::now();
                match client
                    .create_reservation(&request, &uuid::Uuid::new_v4().to_string())
                    .await
                {
                    Ok(_) => held += 1,
                    Err(e) if e.status() == Some(409) => refused += 1,
                    Err(e) => panic!("unexpected failure: {e}"),
                }
                timings.push(t.elapsed());
            }
            (timings, held, refused)
        }));
    }
    let mut round = Round {
        timings: Vec::new(),
        held: 0,
        refused: 0,
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        let (timings, held, refused) = task.await.unwrap();
        round.timings.extend(timings);
        round.held += held;
        round.refused += refused;
    }
    round.elapsed = started.elapsed();
    round.timings.sort();
    round
}

/// Slots held or confirmed on the blocks, counted in SQL from the reservations
/// themselves, and how many blocks have more of them than they publish.
fn booked_in_sql(app: &TestApp, blocks: &[String]) -> (i64, usize) {
    use cdmx::db::schema::{capacity_blocks, reservations};
    let mut conn = app.db.blocking_connection().unwrap();
    let (mut booked_total, mut double_booked) = (0, 0);
    for block in blocks {
        let active: Vec<i32> = reservations::table
            .filter(reservations::capacity_id.eq(block))
            .filter(reservations::state.eq_any(["held", "confirmed"]))
            .select(reservations::slots)
            .load(&mut *conn)
            .unwrap();
        let booked: i64 = active.into_iter().map(i64::from).sum();
        let total: i32 = capacity_blocks::table
            .find(block)
            .select(capacity_blocks::slots_total)
            .first(&mut *conn)
            .unwrap();
        booked_total += booked;
        if booked > i64::from(total) {
            double_booked += 1;
        }
    }
    (booked_total, double_booked)
}

/// pgbench running the peer script against a table in the bench's own database.
struct Pgbench {
    url: String,
    script: tempfile::NamedTempFile,
}

impl Pgbench {
    /// `None` when `pgbench` is not on the PATH.
    fn prepare(app: &TestApp) -> Option<Self> {
        Command::new("pgbench").arg("--version").output().ok()?;
        let url = app.database.url();
        let mut conn = PgConnection::establish(&url).unwrap();
        diesel::sql_query(
            "CREATE TABLE hold_peer_blocks (id INT PRIMARY KEY, slots INT NOT NULL, held INT NOT NULL)",
        )
        .execute(&mut conn)
        .unwrap();
        // Never full: like the room round, every increment succeeds.
        diesel::sql_query(format!(
            "INSERT INTO hold_peer_blocks SELECT g, 1000000000, 0 FROM generate_series(1, {BLOCKS}) g"
        ))
        .execute(&mut conn)
        .unwrap();
        let script = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(script.path(), PGBENCH_SCRIPT).unwrap();
        Some(Self { url, script })
    }

    /// Transactions per second over `seconds`.
    fn run(&self, seconds: u64) -> f64 {
        let output = Command::new("pgbench")
            .args(["-n", "-M", "prepared", "-c", "32", "-j", "2", "-T"])
            .arg(seconds.to_string())
            .arg("-f")
            .arg(self.script.path())
            .arg(&self.url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "pgbench failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
            .lines()
            .find_map(|line| line.strip_prefix("tps = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|tps| tps.parse().ok())
            .unwrap_or_else(|| panic!("no tps in pgbench's output: {stdout}"))
    }
}
