//! Rate limits and the failed sign-in slow-down. Each test sets tight limits explicitly
//! (the harness raises them out of the way of the other tests) and names client
//! addresses through `X-Forwarded-For` from a trusted proxy (the test's loopback).

use cdmx_e2e::{PASSWORD, TestApp, expect_problem};
use cdmx_sdk::types::{
    CreateApiKeyRequest, Criterion, MatchRequest, NewShareLink, OrganizationKind, RequirementSet,
    WeightedCriterion,
};
use reqwest::StatusCode;
use serde_json::json;

const LOOPBACK: &str = "127.0.0.1";

/// Settings under test: loopback is a trusted proxy, so `X-Forwarded-For` names the
/// client; quotas are per hour, so that none comes back during a slow test run.
fn behind_trusted_proxy(settings: &mut cdmx::config::Settings) {
    settings.trusted_proxies = vec![LOOPBACK.parse().unwrap()];
    per_hour(settings);
}

fn per_hour(settings: &mut cdmx::config::Settings) {
    settings.rate_limit_window_seconds = 3600;
}

async fn sign_in(app: &TestApp, from: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/v1/auth/token"))
        .header("X-Forwarded-For", from)
        .json(&json!({"grant_type": "password", "email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn sign_up(app: &TestApp, from: &str, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/v1/organizations"))
        .header("X-Forwarded-For", from)
        .json(&json!({"name": "Flood Ltd", "kind": "sponsor",
                      "admin": {"email": email, "password": PASSWORD}}))
        .send()
        .await
        .unwrap()
}

/// Asserts a 429 problem with `Retry-After` and the draft-09 `RateLimit` fields of
/// `policy` (quota `quota` per hour); returns the `Retry-After` seconds.
async fn expect_rate_limited(response: reqwest::Response, policy: &str, quota: u32) -> u64 {
    let headers = response.headers().clone();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "{headers:?}"
    );
    let header = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let retry_after: u64 = header("retry-after").parse().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(
        header("ratelimit-policy"),
        format!("\"{policy}\";q={quota};w={}", window_of(policy))
    );
    assert_eq!(
        header("ratelimit"),
        format!("\"{policy}\";r=0;t={retry_after}")
    );
    let problem = expect_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem.problem_type, "urn:cdmx:problem:too-many-requests");
    retry_after
}

/// The failed sign-in slow-down counts per minute; the quotas of the tests per hour.
fn window_of(policy: &str) -> u32 {
    if policy == "login-failures" { 60 } else { 3600 }
}

#[tokio::test]
async fn the_twenty_first_wrong_password_within_a_minute_is_429_and_others_still_sign_in() {
    let app = TestApp::spawn_with(behind_trusted_proxy).await;
    let victim = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let other = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let email = victim.admin_user.email.clone();
    for attempt in 1..=20 {
        let response = sign_in(&app, "203.0.113.1", &email, "wrong password!").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let refused = sign_in(&app, "203.0.113.1", &email, "wrong password!").await;
    let wait = expect_rate_limited(refused, "login-failures", 20).await;
    assert!(wait <= 60, "the first wait is at most a minute, got {wait}");
    // While the account waits, even its right password is not checked (the attempt
    // would otherwise tell an attacker that the guess was right).
    let right_but_waiting = sign_in(&app, "198.51.100.2", &email, PASSWORD).await;
    expect_rate_limited(right_but_waiting, "login-failures", 20).await;
    // Another account, from another address, signs in as usual.
    let response = sign_in(&app, "198.51.100.2", &other.admin_user.email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_is_limited_per_client_address_and_per_account() {
    let app = TestApp::spawn_with(|s| {
        behind_trusted_proxy(s);
        s.rate_limit_login_per_address = 3;
        s.rate_limit_login_per_account = 4;
    })
    .await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let email = org.admin_user.email.clone();
    for n in 1..=3 {
        let response = sign_in(&app, "203.0.113.9", &format!("nobody{n}@x.example"), "x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(&app, "203.0.113.9", &email, PASSWORD).await;
    expect_rate_limited(refused, "login-address", 3).await;
    // Another address is not affected...
    let response = sign_in(&app, "198.51.100.7", &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    // ...but one account cannot be tried from ever new addresses either: the harness's
    // sign-in, the one above and two more spend its quota of 4.
    for from in ["198.51.100.8", "198.51.100.9"] {
        let response = sign_in(&app, from, &email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = sign_in(&app, "198.51.100.10", &email, PASSWORD).await;
    expect_rate_limited(refused, "login-account", 4).await;
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = TestApp::spawn_with(|s| {
        per_hour(s);
        s.rate_limit_login_per_address = 2;
    })
    .await;
    for from in ["203.0.113.1", "203.0.113.2"] {
        let response = sign_in(&app, from, "nobody@x.example", "x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // A fresh forwarded address does not help: the limit is the peer's (loopback).
    let refused = sign_in(&app, "203.0.113.3", "nobody@x.example", "x").await;
    expect_rate_limited(refused, "login-address", 2).await;
}

#[tokio::test]
async fn a_sign_up_flood_gets_429_per_address_and_per_email() {
    let app = TestApp::spawn_with(|s| {
        behind_trusted_proxy(s);
        s.rate_limit_signup_per_address = 3;
        s.rate_limit_signup_per_account = 2;
    })
    .await;
    for n in 1..=3 {
        let response = sign_up(&app, "203.0.113.5", &format!("flood{n}@x.example")).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let refused = sign_up(&app, "203.0.113.5", "flood4@x.example").await;
    expect_rate_limited(refused, "signup-address", 3).await;
    assert_eq!(
        sign_up(&app, "198.51.100.5", "fresh@x.example")
            .await
            .status(),
        StatusCode::CREATED,
        "another address signs up"
    );
    // One email from many addresses: its own limit.
    for from in ["198.51.100.20", "198.51.100.21"] {
        let response = sign_up(&app, from, "same@x.example").await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let refused = sign_up(&app, "198.51.100.22", "SAME@x.example").await;
    expect_rate_limited(refused, "signup-account", 2).await;
}

fn key_named(name: &str) -> CreateApiKeyRequest {
    CreateApiKeyRequest {
        scopes: None,
        name: name.into(),
        role: None,
    }
}

#[tokio::test]
async fn writes_and_matches_are_limited_per_organisation_and_reads_are_not() {
    let app = TestApp::spawn_with(|s| {
        per_hour(s);
        s.rate_limit_organization_writes = 3;
        s.rate_limit_organization_matches = 2;
    })
    .await;
    let busy = app.sign_up(OrganizationKind::Sponsor, "Busy").await;
    let calm = app.sign_up(OrganizationKind::Sponsor, "Calm").await;
    for n in 0..3 {
        busy.admin
            .create_api_key(busy.id(), &key_named(&format!("key {n}")))
            .await
            .unwrap();
    }
    let err = busy
        .admin
        .create_api_key(busy.id(), &key_named("one too many"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.problem().unwrap().problem_type,
        "urn:cdmx:problem:too-many-requests"
    );
    // The same refusal over raw HTTP carries the headers.
    let refused = reqwest::Client::new()
        .post(app.url(&format!("/v1/organizations/{}/api-keys", busy.id())))
        .bearer_auth(busy.token().await)
        .json(&json!({"name": "raw"}))
        .send()
        .await
        .unwrap();
    expect_rate_limited(refused, "organization-writes", 3).await;
    // Reads are not limited per organisation; another organisation writes as usual.
    let keys = busy
        .admin
        .list_api_keys(busy.id(), &Default::default())
        .await
        .unwrap();
    assert_eq!(keys.items.len(), 3);
    calm.admin
        .create_api_key(calm.id(), &key_named("calm"))
        .await
        .unwrap();

    // Matches have their own quota: the spent write quota does not stop them.
    let request = MatchRequest::new(RequirementSet {
        criteria: vec![WeightedCriterion {
            weight_range: None,
            criterion: Criterion::Turnaround,
            weight: 1.0,
            scale: None,
            missing: None,
            origin: None,
            authorities: vec![],
            platforms: Vec::new(),
        }],
        ..Default::default()
    });
    for _ in 0..2 {
        busy.admin.create_match(&request).await.unwrap();
    }
    let err = busy.admin.create_match(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    calm.admin.create_match(&request).await.unwrap();
}

/// Opening a shared report needs no account and renders a report: each address may open
/// `rate_limit_shared_reports_per_address` per window, guessed tokens included.
#[tokio::test]
async fn shared_reports_are_limited_per_address_guesses_included() {
    let app = TestApp::spawn_with(|s| {
        behind_trusted_proxy(s);
        s.rate_limit_shared_reports_per_address = 3;
    })
    .await;
    let (sponsor, saved) = crate::reports::shortlist(&app).await;
    let link = sponsor
        .admin
        .create_share_link(
            &saved.id,
            &NewShareLink {
                label: None,
                expires_in_days: None,
            },
        )
        .await
        .unwrap();
    let report = format!("{}?format=csv", link.url);
    let open = |from: &'static str, url: String| async move {
        reqwest::Client::new()
            .get(url)
            .header("X-Forwarded-For", from)
            .send()
            .await
            .unwrap()
    };
    for _ in 0..2 {
        assert_eq!(
            open("203.0.113.7", report.clone()).await.status(),
            StatusCode::OK
        );
    }
    let guess = app.url("/v1/shared/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/report");
    assert_eq!(
        open("203.0.113.7", guess).await.status(),
        StatusCode::NOT_FOUND
    );
    let refused = open("203.0.113.7", report.clone()).await;
    expect_rate_limited(refused, "shared-reports-address", 3).await;
    assert_eq!(
        open("198.51.100.7", report).await.status(),
        StatusCode::OK,
        "another address opens it"
    );
}
