//! Reservations under 32 concurrent clients, split across two release server processes
//! on one database, against blocks that fill up. Prints reservations per second, latency
//! percentiles and the double-booking count from SQL (must be 0); asserts nothing.
//!
//!     CDMX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p cdmx-e2e --bench reservation_throughput
//!
//! Without `CDMX_TEST_DATABASE_URL` it runs on SQLite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cdmx_e2e::{TestApp, base_profile, percentile_ms};
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use diesel::prelude::*;

const CLIENTS: usize = 32;
const REQUESTS_PER_CLIENT: usize = 100;
const BLOCKS: usize = 40;
const SLOTS_PER_BLOCK: u32 = 50;

#[tokio::main]
async fn main() {
    let app = TestApp::spawn_with(|s| {
        s.workers = 2;
        s.database_pool_size = 16;
        s.max_held_slots_per_block = 10_000;
        s.max_held_slots_total = 10_000;
    })
    .await;
    let replica = app.second_server().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Bench CDMO").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Bench CDMO"))
        .await
        .unwrap();
    let mut blocks = Vec::new();
    for i in 0..BLOCKS {
        let block = NewCapacityBlock {
            site_key: "main".into(),
            suite: format!("Suite {i}"),
            slot_kind: SlotKind::ClinicalGmpBatch,
            donor_sources: vec![DonorSource::Autologous],
            modalities: vec![Modality::CarT],
            period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            slots: SLOTS_PER_BLOCK,
            lead_time_days: 30,
            price_band: None,
        };
        blocks.push(
            cdmo.admin
                .create_capacity_block(&profile.id, &block)
                .await
                .unwrap()
                .id,
        );
    }
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

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let blocks = blocks.clone();
        tasks.push(tokio::spawn(async move {
            let mut timings = Vec::with_capacity(REQUESTS_PER_CLIENT);
            let (mut held, mut refused) = (0usize, 0usize);
            for n in 0..REQUESTS_PER_CLIENT {
                // Most clients crowd a few hot blocks; all blocks fill up in the end.
                let block = &blocks[(i * 7 + n * 13) % if n % 3 == 0 { BLOCKS } else { 4 }];
                let request = NewReservation {
                    capacity_id: block.clone(),
                    slots: 1,
                    program_id: None,
                    note: None,
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
    let (mut timings, mut held, mut refused) = (Vec::new(), 0, 0);
    for task in tasks {
        let (t, h, r) = task.await.unwrap();
        timings.extend(t);
        held += h;
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    timings.sort();

    // The invariant, counted in SQL from the reservations themselves.
    use cdmx::db::schema::{capacity_blocks, reservations};
    let mut conn = app.db.blocking_connection().unwrap();
    let mut double_booked = 0;
    let mut booked_total = 0i64;
    for block in &blocks {
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
    println!(
        "{} with {} blocks: {CLIENTS} clients over 2 server processes, {} requests in {elapsed:.2} s = {:.0} requests/s ({:.0} reservations/s); {held} held, {refused} refused (409)",
        if app.database.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        BLOCKS,
        timings.len(),
        timings.len() as f64 / elapsed,
        held as f64 / elapsed,
    );
    println!(
        "latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile_ms(&timings, 0.5),
        percentile_ms(&timings, 0.9),
        percentile_ms(&timings, 0.99),
        timings.last().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "slots published {}, booked in SQL {booked_total}, held reported {held}; blocks double-booked: {double_booked}",
        BLOCKS as u32 * SLOTS_PER_BLOCK
    );
    replica.handle.stop(true).await;
}
