//! Password hashing runs on a bounded pool: however many sign-ins arrive at once, no more
//! than `password_hash_slots` hashes run together (the pool's high-water mark, read from
//! `GET /metrics`, says so), and a caller that finds no free slot within the queue wait
//! is answered 503 with `Retry-After`, never 500.

use cdmx_e2e::{PASSWORD, TestApp};
use cdmx_sdk::types::{ChangePasswordRequest, CreateUserRequest, OrganizationKind, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::outages::expect_unavailable;
use crate::system::{METRICS_TOKEN, scrape_metrics as metrics};

/// `concurrent` wrong-password sign-ins sent at once, half for a registered account and
/// half for unknown emails (the decoy hash); their responses.
async fn sign_in_flood(app: &TestApp, email: &str, concurrent: usize) -> Vec<reqwest::Response> {
    let http = reqwest::Client::new();
    let attempts: Vec<_> = (0..concurrent)
        .map(|i| {
            let email = if i % 2 == 0 {
                email.to_owned()
            } else {
                format!("nobody-{i}@example.com")
            };
            let attempt = http
                .post(app.url("/v1/auth/token"))
                .json(&json!({"grant_type": "password", "email": email,
                              "password": "not the password"}))
                .send();
            tokio::spawn(attempt)
        })
        .collect();
    let mut responses = Vec::new();
    for attempt in attempts {
        responses.push(attempt.await.unwrap().unwrap());
    }
    responses
}

#[tokio::test]
async fn concurrent_sign_ins_never_hash_more_than_the_bound_at_once() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some(METRICS_TOKEN.into());
        s.workers = 2;
        s.password_hash_slots = 2;
        // Long enough that every attempt waits its turn rather than being refused.
        s.password_hash_queue_ms = 60_000;
    })
    .await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;

    let responses = sign_in_flood(&app, &sponsor.admin_user.email, 16).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [401; 16]);

    let samples = metrics(&app).await;
    assert_eq!(samples["cdmx_password_hash_slots"], 2.0);
    // Both slots were used together (the flood did overlap), and never a third.
    assert_eq!(
        samples["cdmx_password_hashes_in_flight_max"], 2.0,
        "{samples:?}"
    );
    assert_eq!(samples["cdmx_password_hashes_in_flight"], 0.0);
    assert_eq!(samples["cdmx_password_hashes_refused_total"], 0.0);
    // The sign-up's hash, its admin's sign-in, and the 16 attempts.
    assert_eq!(samples["cdmx_password_hashes_total"], 18.0);
}

#[tokio::test]
async fn every_password_hash_goes_through_the_pool() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(METRICS_TOKEN.into())).await;
    let hashes =
        |samples: std::collections::BTreeMap<String, f64>| samples["cdmx_password_hashes_total"];
    let before = hashes(metrics(&app).await);
    // Sign-up (a hash) and the admin's sign-in (a verification).
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    assert_eq!(hashes(metrics(&app).await) - before, 2.0);
    sponsor
        .admin
        .create_user(
            sponsor.id(),
            &CreateUserRequest {
                email: "member@acme.example".into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    assert_eq!(hashes(metrics(&app).await) - before, 3.0);
    sponsor
        .admin
        .change_password(&ChangePasswordRequest {
            current_password: PASSWORD.into(),
            new_password: "a new and longer password".into(),
        })
        .await
        .unwrap();
    // The current password's verification, then the new one's hash.
    assert_eq!(hashes(metrics(&app).await) - before, 5.0);
    let Err(unknown) = app.client.login("nobody@acme.example", PASSWORD).await else {
        panic!("an unknown email signed in");
    };
    assert_eq!(unknown.status(), Some(401), "{unknown:?}");
    // An unknown email costs the decoy's verification all the same.
    assert_eq!(hashes(metrics(&app).await) - before, 6.0);
}

#[tokio::test]
async fn a_sign_in_that_finds_no_free_slot_in_time_is_503_with_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some(METRICS_TOKEN.into());
        s.workers = 2;
        s.password_hash_slots = 1;
        s.password_hash_queue_ms = 0;
    })
    .await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;

    // One slot and no queue: all but the attempts that found the slot free are refused.
    let responses = sign_in_flood(&app, &sponsor.admin_user.email, 8).await;
    let mut refused = 0;
    for response in responses {
        if response.status() == StatusCode::UNAUTHORIZED {
            continue;
        }
        expect_unavailable(response).await;
        refused += 1;
    }
    assert!(refused >= 1, "8 attempts at once on one slot, none refused");
    let samples = metrics(&app).await;
    assert_eq!(
        samples["cdmx_password_hashes_refused_total"],
        f64::from(refused)
    );
    assert_eq!(samples["cdmx_password_hashes_in_flight_max"], 1.0);

    // Once the flood has passed, the same account signs in again.
    app.client
        .login(&sponsor.admin_user.email, PASSWORD)
        .await
        .unwrap();
}
