//! `Idempotency-Key` on every create: a retry replays the first answer and creates
//! nothing; another body under the key is 422; a refused request is not recorded; the
//! API key secret is never replayed. Raw HTTP, since the SDK sends keys on holds only.

use cdmx_e2e::{OrgFixture, TestApp, base_profile, expect_problem};
use cdmx_sdk::types::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// How many objects a list answers with (one page is enough here).
async fn count(app: &TestApp, token: &str, list: &str) -> usize {
    let response = reqwest::Client::new()
        .get(app.url(list))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{list}");
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().len()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// One create route under the idempotency contract. `valid` and `other` are two valid
/// bodies, `invalid` is `other` with a mistake the server refuses with 422.
struct Route<'a> {
    path: &'a str,
    list: &'a str,
    valid: Value,
    other: Value,
    invalid: Value,
}

async fn retried_creates_make_one_object(app: &TestApp, token: &str, route: Route<'_>) {
    let Route {
        path,
        list,
        valid,
        other,
        invalid,
    } = route;
    let before = count(app, token, list).await;
    let k = key();
    let first = post(app, token, path, &k, &valid).await;
    assert_eq!(first.status(), 201, "{path}: the first create");
    let (location, etag) = (header(&first, "location"), header(&first, "etag"));
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let created: Value = first.json().await.unwrap();

    let again = post(app, token, path, &k, &valid).await;
    assert_eq!(again.status(), 201, "{path}: the retry");
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        header(&again, "location"),
        location,
        "{path}: Location replayed"
    );
    assert_eq!(header(&again, "etag"), etag, "{path}: ETag replayed");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed, created, "{path}: the same object");
    assert_eq!(
        count(app, token, list).await,
        before + 1,
        "{path}: one object"
    );

    let mismatch = expect_problem(
        post(app, token, path, &k, &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(mismatch.errors[0].field, "Idempotency-Key", "{path}");

    // A refusal is not recorded: the same key with the body fixed goes through.
    let k = key();
    expect_problem(
        post(app, token, path, &k, &invalid).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fixed = post(app, token, path, &k, &other).await;
    assert_eq!(
        fixed.status(),
        201,
        "{path}: the fixed retry under the same key"
    );
    assert_eq!(header(&fixed, "idempotent-replayed"), None);
    assert_eq!(count(app, token, list).await, before + 2, "{path}");
}

fn program(name: &str) -> Value {
    json!({
        "name": name,
        "product": {"modality": "car_t", "donor_source": "autologous",
                    "gene_modification": "lentiviral"},
        "target_phase": "phase_1",
        "target_markets": ["FR"],
        "timeline": {},
        "requirements": {"constraints": {}, "criteria": [{"criterion": "success_rate", "weight": 1.0}]}
    })
}

async fn cdmo_with_profile(app: &TestApp) -> (OrgFixture, CdmoProfile) {
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let profile = org
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    (org, profile)
}

fn block(suite: &str, slots: u32) -> Value {
    json!({
        "site_key": "main", "suite": suite, "slot_kind": "clinical_gmp_batch",
        "donor_sources": ["autologous"], "modalities": ["car_t"],
        "period_start": "2027-01-01", "period_end": "2027-03-31",
        "slots": slots, "lead_time_days": 30
    })
}

#[tokio::test]
async fn programmes_and_shortlists_are_created_once_per_key() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    retried_creates_make_one_object(
        &app,
        &token,
        Route {
            path: "/v1/programs",
            list: "/v1/programs",
            valid: program("First"),
            other: program("Second"),
            invalid: program(""),
        },
    )
    .await;

    let program_id = sponsor
        .admin
        .list_programs(&ArchivableListParams::default())
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    retried_creates_make_one_object(
        &app,
        &token,
        Route {
            path: "/v1/shortlists",
            list: "/v1/shortlists",
            valid: json!({"program_id": program_id, "name": "Round 1"}),
            other: json!({"program_id": program_id, "name": "Round 2"}),
            invalid: json!({"program_id": program_id, "name": "Round 2", "limit": 0}),
        },
    )
    .await;
}

#[tokio::test]
async fn capacity_blocks_evidence_and_users_are_created_once_per_key() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo_with_profile(&app).await;
    let token = helix.token().await;
    let capacity = format!("/v1/cdmos/{}/capacity", profile.id);
    retried_creates_make_one_object(
        &app,
        &token,
        Route {
            path: &capacity,
            list: &format!("/v1/capacity?profile_id={}", profile.id),
            valid: block("Suite 1", 4),
            other: block("Suite 2", 4),
            invalid: block("Suite 2", 0),
        },
    )
    .await;

    let evidence = format!("/v1/cdmos/{}/evidence", profile.id);
    let item =
        |reference: &str| json!({"subject": "/qc", "kind": "document", "reference": reference});
    retried_creates_make_one_object(
        &app,
        &token,
        Route {
            path: &evidence,
            list: &evidence,
            valid: item("QC-1"),
            other: item("QC-2"),
            invalid: json!({"subject": "/nowhere", "kind": "document", "reference": "QC-2"}),
        },
    )
    .await;

    let users = format!("/v1/organizations/{}/users", helix.id());
    let user = |email: &str| json!({"email": email, "password": "a long enough password", "role": "member"});
    retried_creates_make_one_object(
        &app,
        &token,
        Route {
            path: &users,
            list: &users,
            valid: user("one@helix.example"),
            other: user("two@helix.example"),
            invalid: user("not an email"),
        },
    )
    .await;
}

#[tokio::test]
async fn a_retried_profile_create_replays_the_profile_instead_of_409() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let token = org.token().await;
    let body = serde_json::to_value(base_profile("Helix")).unwrap();
    let k = key();
    let first = post(&app, &token, "/v1/cdmos", &k, &body).await;
    assert_eq!(first.status(), 201);
    let (location, etag) = (header(&first, "location"), header(&first, "etag"));
    let created: Value = first.json().await.unwrap();
    let again = post(&app, &token, "/v1/cdmos", &k, &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        (header(&again, "location"), header(&again, "etag")),
        (location, etag)
    );
    assert_eq!(again.json::<Value>().await.unwrap(), created);
    // Without the key, a second profile is still refused.
    expect_problem(
        post(&app, &token, "/v1/cdmos", &key(), &body).await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn a_retried_api_key_create_never_shows_the_secret_again() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let path = format!("/v1/organizations/{}/api-keys", sponsor.id());
    let list = path.clone();
    let body = json!({"name": "ERP sync"});
    let k = key();
    let first = post(&app, &token, &path, &k, &body).await;
    assert_eq!(first.status(), 201);
    let created: CreatedApiKey = first.json().await.unwrap();

    let again = post(&app, &token, &path, &k, &body).await;
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    let text = again.text().await.unwrap();
    assert!(
        !text.contains(&created.secret),
        "the secret is not replayed"
    );
    let problem: Problem = serde_json::from_str(&text).unwrap();
    assert_eq!(problem.status, 409);
    assert!(
        problem.detail.unwrap().contains(&created.api_key.id),
        "the refusal names the key created"
    );
    assert!(
        problem.request_id.is_some(),
        "stamped with the retry's request"
    );
    assert_eq!(count(&app, &token, &list).await, 1, "one key");

    // A refused request under a key is not recorded.
    let k = key();
    expect_problem(
        post(&app, &token, &path, &k, &json!({"name": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fixed = post(&app, &token, &path, &k, &json!({"name": "BI export"})).await;
    assert_eq!(fixed.status(), 201);
    assert_eq!(count(&app, &token, &list).await, 2);
}

#[tokio::test]
async fn keys_are_bound_to_the_operation_and_the_organisation() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    let (acme_token, other_token) = (acme.token().await, other.token().await);
    let k = key();
    let mine = post(&app, &acme_token, "/v1/programs", &k, &program("P")).await;
    assert_eq!(mine.status(), 201);
    let mine: Program = mine.json().await.unwrap();
    // Another organisation's same key is its own.
    let theirs = post(&app, &other_token, "/v1/programs", &k, &program("P")).await;
    assert_eq!(theirs.status(), 201);
    assert_eq!(header(&theirs, "idempotent-replayed"), None);
    assert_ne!(theirs.json::<Program>().await.unwrap().id, mine.id);
    // The same key on another operation is a different request.
    let problem = expect_problem(
        post(
            &app,
            &acme_token,
            "/v1/shortlists",
            &k,
            &json!({"program_id": mine.id}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem.errors[0].field, "Idempotency-Key");
    // A malformed key is 400 naming the header.
    let problem = expect_problem(
        post(&app, &acme_token, "/v1/programs", " ", &program("Q")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(problem.errors[0].field, "Idempotency-Key");
}

#[tokio::test]
async fn concurrent_duplicates_make_one_object() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo_with_profile(&app).await;
    let token = helix.token().await;
    let path = format!("/v1/cdmos/{}/capacity", profile.id);
    let k = key();
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let (url, token, k) = (app.url(&path), token.clone(), k.clone());
        attempts.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", k)
                .json(&block("Suite 9", 2))
                .send()
                .await
                .unwrap()
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status().as_u16() {
            201 => {
                ids.insert(response.json::<CapacityBlock>().await.unwrap().id);
            }
            409 => {
                assert!(header(&response, "retry-after").is_some());
                expect_problem(response, StatusCode::CONFLICT).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ids.len(), 1, "one block for one key");
    let blocks = helix
        .admin
        .search_capacity(&CapacitySearch {
            profile_id: Some(profile.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(blocks.items.len(), 1);
}

#[tokio::test]
async fn a_key_still_in_progress_answers_409_with_retry_after() {
    let app = TestApp::spawn().await;
    let (helix, profile) = cdmo_with_profile(&app).await;
    let token = helix.token().await;
    let path = format!("/v1/cdmos/{}/capacity", profile.id);
    let body: NewCapacityBlock = serde_json::from_value(block("Suite 3", 2)).unwrap();
    // The first attempt has claimed the key and not finished (as while it runs).
    let k = key();
    let fingerprint = cdmx::app::idempotency::RequestFingerprint::of("POST", &path, &body).unwrap();
    {
        let mut conn = app.db.blocking_connection().unwrap();
        let claim = cdmx::db::idempotency::claim_key(
            &mut conn,
            helix.id(),
            &k,
            fingerprint.as_str(),
            cdmx::db::now(),
            chrono::Duration::seconds(60),
            None,
        )
        .unwrap();
        assert_eq!(claim, cdmx::db::idempotency::Claim::Claimed);
    }
    let response = post(
        &app,
        &token,
        &path,
        &k,
        &serde_json::to_value(&body).unwrap(),
    )
    .await;
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    let problem = expect_problem(response, StatusCode::CONFLICT).await;
    assert!(problem.detail.unwrap().contains("in progress"));
    assert_eq!(
        count(
            &app,
            &token,
            &format!("/v1/capacity?profile_id={}", profile.id)
        )
        .await,
        0,
        "nothing created"
    );
}
