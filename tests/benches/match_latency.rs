//! `POST /v1/matches` over 10,000 generated profiles: a load generator against a release
//! server on loopback. Prints the index build time and the memory it took per profile,
//! latency percentiles, the latency of a match right after a profile write, and of a
//! match with rank acceptability (10,000 draws) by order and by ranges, and of a match
//! proposing split allocations across up to 3 CDMOs; asserts nothing.
//!
//!     cargo bench -p cdmx-e2e --bench match_latency
//!
//! `CDMX_BENCH_PROFILES` changes the number of profiles (1,000,000 takes a few minutes
//! to seed); `CDMX_TEST_DATABASE_URL` runs it on PostgreSQL instead of SQLite. The server
//! runs in this process: the memory per profile is the growth of this process's resident
//! set while the index is built, divided by the number of profiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cdmx_e2e::{TestApp, percentile_ms};
use cdmx_sdk::types::{
    CapacityNeed, DonorSource, MatchRequest, Modality, OrganizationKind, RankAcceptabilityRequest,
    RequirementSet, SlotKind, SplitAllocationRequest, WeightRange,
};

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
        split_allocation: None,
        rank_acceptability: None,
        requirements: cdmx::demo::synthetic::benchmark_requirements(),
        target_phase: None,
        limit: None,
        excluded_cursor: None,
    };

    // The first request builds the index from the database.
    let rss_before = resident_kib();
    let t = Instant::now();
    let first = sponsor.create_match(&request).await.unwrap();
    let build = t.elapsed();
    let rss_after = resident_kib();
    println!(
        "{profiles} profiles on {}: first match (index build) {:.1} ms; {} feasible, {} excluded; \
         resident set {} -> {} MiB, {:.0} bytes per indexed profile",
        if app.database.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        build.as_secs_f64() * 1e3,
        first.feasible_count,
        first.excluded_count,
        rss_before / 1024,
        rss_after / 1024,
        (rss_after.saturating_sub(rss_before) * 1024) as f64 / profiles as f64
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

    // A write to one profile (as another process would make it: the change counter
    // moves), then a match that must see it: the refresh costs one profile's work.
    let ids: Vec<String> = {
        let mut conn = app.db.blocking_connection().unwrap();
        use diesel::prelude::*;
        cdmx::db::schema::cdmo_profiles::table
            .select(cdmx::db::schema::cdmo_profiles::id)
            .limit(200)
            .load(&mut *conn)
            .unwrap()
    };
    let mut quiet = Vec::new();
    let mut after_write = Vec::new();
    for id in ids.iter().cycle().take(200) {
        let t = Instant::now();
        std::hint::black_box(sponsor.create_match(&request).await.unwrap());
        quiet.push(t.elapsed());
        let (db, id) = (app.db.clone(), id.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = db.blocking_connection().unwrap();
            cdmx::db::write_transaction(&mut conn, |c| cdmx::db::profiles::touch_profile(c, &id))
                .unwrap()
        })
        .await
        .unwrap();
        let t = Instant::now();
        std::hint::black_box(sponsor.create_match(&request).await.unwrap());
        after_write.push(t.elapsed());
    }
    quiet.sort();
    after_write.sort();
    println!(
        "POST /v1/matches, 1 client, alternating: without a write p50 {:.2} ms; right after a profile write p50 {:.2} ms ({:+.1} %)",
        percentile_ms(&quiet, 0.5),
        percentile_ms(&after_write, 0.5),
        100.0 * (percentile_ms(&after_write, 0.5) / percentile_ms(&quiet, 0.5) - 1.0)
    );

    // Rank acceptability over every feasible CDMO, 10,000 draws: weights as the order of
    // importance the point weights imply, then as ranges of ±50 % around each.
    let mut ordered = request.requirements.clone();
    ordered.weight_order = ordered.order_of_point_weights();
    let mut ranged = request.requirements.clone();
    let total: f64 = ranged.criteria.iter().map(|c| c.weight).sum();
    for c in &mut ranged.criteria {
        let w = c.weight / total;
        c.weight_range = Some(WeightRange {
            min: w * 0.5,
            max: (w * 1.5).min(1.0),
        });
    }
    for (what, requirements) in [("order", ordered), ("ranges", ranged)] {
        let request = MatchRequest {
            requirements,
            rank_acceptability: Some(RankAcceptabilityRequest {
                samples: Some(10_000),
            }),
            ..request.clone()
        };
        let mut timings = Vec::new();
        let mut last = None;
        for _ in 0..100 {
            let t = Instant::now();
            last = Some(sponsor.create_match(&request).await.unwrap());
            timings.push(t.elapsed());
        }
        timings.sort();
        let acceptability = last.and_then(|r| r.rank_acceptability).unwrap();
        println!(
            "POST /v1/matches with rank acceptability ({what}, {} draws, {} feasible considered, \
             {} set aside, {} in some top 3), 1 client: p50 {:.2} ms, p99 {:.2} ms",
            acceptability.samples,
            acceptability.considered,
            acceptability.pruned,
            acceptability.candidates.len(),
            percentile_ms(&timings, 0.5),
            percentile_ms(&timings, 0.99)
        );
    }

    // Split allocation: every profile publishes one clinical block of 1 to 6 slots in
    // the window, the need is 16 slots (no CDMO has them), up to 3 CDMOs, 5 proposals.
    seed_blocks(&app.db);
    let split_request = MatchRequest {
        split_allocation: Some(SplitAllocationRequest {
            max_cdmos: Some(3),
            proposals: Some(5),
        }),
        requirements: RequirementSet {
            capacity: Some(CapacityNeed {
                slot_kind: SlotKind::ClinicalGmpBatch,
                slots: 16,
                window_start: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                window_end: chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                required: true,
            }),
            ..request.requirements.clone()
        },
        ..request.clone()
    };
    let mut timings = Vec::new();
    let mut last = None;
    for _ in 0..200 {
        let t = Instant::now();
        last = Some(sponsor.create_match(&split_request).await.unwrap());
        timings.push(t.elapsed());
    }
    timings.sort();
    let split = last.and_then(|r| r.split_allocation).unwrap();
    println!(
        "POST /v1/matches with split allocation (16 slots, k = 3, {} CDMOs considered, {} \
         proposals, best score {:.3}), 1 client: p50 {:.2} ms, p99 {:.2} ms",
        split.considered,
        split.proposals.len(),
        split.proposals.first().map_or(0.0, |p| p.score),
        percentile_ms(&timings, 0.5),
        percentile_ms(&timings, 0.99)
    );
}

/// One clinical block per profile, 1 to 6 slots in 2027 (deterministic), serving every
/// donor source and modality.
fn seed_blocks(db: &cdmx::db::Database) {
    use cdmx::db::schema::cdmo_profiles;
    use diesel::prelude::*;
    let mut conn = db.blocking_connection().unwrap();
    let profiles: Vec<(String, String)> = cdmo_profiles::table
        .select((cdmo_profiles::id, cdmo_profiles::organization_id))
        .load(&mut *conn)
        .unwrap();
    let now = chrono::Utc::now().naive_utc();
    let day =
        |m, d| cdmx::db::columns::IsoDate(chrono::NaiveDate::from_ymd_opt(2027, m, d).unwrap());
    cdmx::db::write_transaction(&mut conn, |c| {
        for (i, (profile_id, organization_id)) in profiles.iter().enumerate() {
            let month = (i % 12) as u32 + 1;
            cdmx::db::capacity::insert_block(
                c,
                &cdmx::db::capacity::BlockRow {
                    id: cdmx::db::new_id(),
                    profile_id: profile_id.clone(),
                    organization_id: organization_id.clone(),
                    site_key: "main".into(),
                    country: "FR".into(),
                    suite: "Bench".into(),
                    slot_kind: SlotKind::ClinicalGmpBatch,
                    donor_sources: serde_json::to_string(DonorSource::ALL).unwrap(),
                    modalities: serde_json::to_string(Modality::ALL).unwrap(),
                    period_start: day(month, 1),
                    period_end: day(month, 28),
                    slots_total: (i * 7 % 6) as i32 + 1,
                    slots_held: 0,
                    slots_confirmed: 0,
                    lead_time_days: 30,
                    price_min_usd: None,
                    price_max_usd: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
}

/// This process's resident set, in KiB (0 where `/proc` is not there).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
