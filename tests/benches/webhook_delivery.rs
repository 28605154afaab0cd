//! Webhook delivery, asserting nothing (release, one process):
//!
//! - **throughput**: a CDMO with one endpoint on a local receiver (actix-web on
//!   127.0.0.1, verifying every signature with the SDK) publishes capacity blocks from 8
//!   clients; deliveries per second from the first publication to the last delivery;
//! - **added latency**: a sponsor's hold, p50 and p95, without endpoints and then with
//!   three registered for every event type (each hold then queues three deliveries in
//!   its transaction, and the worker sends them beside the next holds).
//!
//!     cargo bench -p cdmx-e2e --bench webhook_delivery
//!
//! `CDMX_BENCH_EVENTS` sets the blocks published (default 2000), `CDMX_BENCH_HOLDS` the
//! holds per round (default 300). `CDMX_TEST_DATABASE_URL` runs it on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cdmx_e2e::{TestApp, base_profile, percentile_ms};
use cdmx_sdk::types::*;
use chrono::NaiveDate;

struct Counter {
    /// Every registered endpoint's secret: a delivery verifies against one of them.
    secrets: std::sync::Mutex<Vec<String>>,
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    counter: web::Data<Counter>,
) -> HttpResponse {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let secrets = counter.secrets.lock().unwrap().clone();
    if secrets
        .iter()
        .any(|secret| cdmx_sdk::webhooks::verify_webhook(secret, &headers, &body).is_ok())
    {
        counter.accepted.fetch_add(1, Ordering::SeqCst);
        HttpResponse::Ok().finish()
    } else {
        counter.refused.fetch_add(1, Ordering::SeqCst);
        HttpResponse::Unauthorized().finish()
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn block(slots: u32) -> NewCapacityBlock {
    NewCapacityBlock {
        site_key: "main".into(),
        suite: "Suite 2".into(),
        slot_kind: SlotKind::ClinicalGmpBatch,
        donor_sources: vec![DonorSource::Autologous],
        modalities: vec![Modality::CarT],
        period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        period_end: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
        slots,
        lead_time_days: 30,
        price_band: None,
    }
}

#[tokio::main]
async fn main() {
    let events = env_number("CDMX_BENCH_EVENTS", 2000);
    let holds = env_number("CDMX_BENCH_HOLDS", 300);
    let app = TestApp::spawn_with(|s| {
        s.workers = 2;
        s.database_pool_size = 16;
        s.webhook_allow_private_addresses = true;
        s.max_held_slots_per_block = 10_000;
        s.max_held_slots_total = 10_000;
    })
    .await;
    let counter = web::Data::new(Counter {
        secrets: std::sync::Mutex::new(Vec::new()),
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    });
    let shared = counter.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .default_service(web::to(receive))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}/hooks", server.addrs()[0]);
    tokio::spawn(server.run());

    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Bench CDMO").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Bench CDMO"))
        .await
        .unwrap();
    let endpoint = cdmo
        .admin
        .create_webhook(&NewWebhookEndpoint {
            url: url.clone(),
            event_types: vec![EventType::CapacityPublished],
            enabled: None,
        })
        .await
        .unwrap();
    counter
        .secrets
        .lock()
        .unwrap()
        .push(endpoint.secret.unwrap());

    // Throughput.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, next, profile_id) = (cdmo.admin.clone(), next.clone(), profile.id.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::SeqCst) < events {
                client
                    .create_capacity_block(&profile_id, &block(5))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let published = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    while counter.accepted.load(Ordering::SeqCst) < events && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delivered = started.elapsed();
    let accepted = counter.accepted.load(Ordering::SeqCst);
    println!(
        "throughput: {accepted} of {events} events delivered in {:.2} s ({:.0} deliveries/s; \
         publishing took {:.2} s, {:.0} blocks/s), {} refused",
        delivered.as_secs_f64(),
        accepted as f64 / delivered.as_secs_f64(),
        published.as_secs_f64(),
        events as f64 / published.as_secs_f64(),
        counter.refused.load(Ordering::SeqCst),
    );

    // Added latency of a hold.
    let sponsor = app
        .sign_up(OrganizationKind::Sponsor, "Bench Sponsor")
        .await;
    let target = cdmo
        .admin
        .create_capacity_block(&profile.id, &block(10_000))
        .await
        .unwrap();
    let round = |label: &'static str| {
        let client = sponsor.admin.clone();
        let target = target.id.clone();
        async move {
            let mut times = Vec::with_capacity(holds);
            for _ in 0..holds {
                let request = NewReservation {
                    capacity_id: target.clone(),
                    slots: 1,
                    program_id: None,
                    note: None,
                    shared_summary: None,
                };
                let key = uuid::Uuid::new_v4().to_string();
                let t = Instant::now();
                client.create_reservation(&request, &key).await.unwrap();
                times.push(t.elapsed());
            }
            times.sort();
            println!(
                "hold, {label}: p50 {:.2} ms, p95 {:.2} ms",
                percentile_ms(&times, 0.5),
                percentile_ms(&times, 0.95)
            );
            percentile_ms(&times, 0.5)
        }
    };
    let without = round("no endpoint").await;
    for _ in 0..3 {
        let endpoint = sponsor
            .admin
            .create_webhook(&NewWebhookEndpoint {
                url: url.clone(),
                event_types: Vec::new(),
                enabled: None,
            })
            .await
            .unwrap();
        counter
            .secrets
            .lock()
            .unwrap()
            .push(endpoint.secret.unwrap());
    }
    let before = counter.accepted.load(Ordering::SeqCst);
    let with = round("three endpoints").await;
    // Each hold is one `reservation.held` event on the sponsor's feed: three deliveries.
    let expected = before + 3 * holds;
    let deadline = Instant::now() + Duration::from_secs(120);
    while counter.accepted.load(Ordering::SeqCst) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "added latency of a hold with three endpoints: {:+.2} ms at p50; {} of {} deliveries \
         of the holds verified, {} refused in all",
        with - without,
        counter.accepted.load(Ordering::SeqCst) - before,
        3 * holds,
        counter.refused.load(Ordering::SeqCst),
    );
}
