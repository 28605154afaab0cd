//! Input edges: integers that would not fit their column, dates outside 2000..2100,
//! weights and scales that would zero every total, names with reordering or invisible
//! characters; and the HTTP edge: 414, 431 and CORS rejections as problem documents,
//! security headers on every response.

use cdmx_e2e::{TestApp, base_profile, expect_problem};
use cdmx_sdk::types::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn send(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Sends `body` and expects 422 naming `field`.
async fn refused(app: &TestApp, token: &str, path: &str, body: &Value, field: &str) {
    let problem = expect_problem(
        send(app, token, path, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&field),
        "{path}: expected {field}, got {fields:?} for {body}"
    );
}

fn block() -> Value {
    json!({
        "site_key": "main", "suite": "Suite 1", "slot_kind": "clinical_gmp_batch",
        "donor_sources": ["autologous"], "modalities": ["car_t"],
        "period_start": "2027-01-01", "period_end": "2027-03-31",
        "slots": 4, "lead_time_days": 30
    })
}

fn program() -> Value {
    json!({
        "name": "Allo CAR-T",
        "product": {"modality": "car_t", "donor_source": "autologous",
                    "gene_modification": "lentiviral"},
        "target_phase": "phase_1",
        "target_markets": ["FR"],
        "timeline": {},
        "requirements": {"constraints": {}, "criteria": [{"criterion": "success_rate", "weight": 1.0}]}
    })
}

/// `value` with the member at `pointer` set (added when absent).
fn with(mut value: Value, pointer: &str, replacement: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let parent = value.pointer_mut(parent).unwrap();
    match parent {
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = replacement,
        other => other[last] = replacement,
    }
    value
}

#[tokio::test]
async fn out_of_range_numbers_and_dates_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let helix = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let profile = helix
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    let token = helix.token().await;
    let capacity = format!("/v1/cdmos/{}/capacity", profile.id);

    let mut priced = block();
    priced["price_band"] = json!({"min_usd": 1000, "max_usd": u64::MAX});
    refused(&app, &token, &capacity, &priced, "price_band.max_usd").await;
    for date in ["+10000-01-01", "0000-01-01", "1999-12-31", "2101-01-01"] {
        let early = with(block(), "/period_start", json!(date));
        refused(&app, &token, &capacity, &early, "period_start").await;
    }
    let late = with(block(), "/period_end", json!("+10000-01-01"));
    refused(&app, &token, &capacity, &late, "period_end").await;
    // The edges themselves are fine.
    let mut edge = with(block(), "/period_start", json!("2100-12-01"));
    edge["period_end"] = json!("2100-12-31");
    edge["price_band"] = json!({"min_usd": 0, "max_usd": 1_000_000_000u64});
    let created = send(&app, &token, &capacity, &edge).await;
    assert_eq!(created.status(), 201);
    let created: CapacityBlock = created.json().await.unwrap();
    assert_eq!(created.block.price_band.unwrap().max_usd, 1_000_000_000);

    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let timeline = with(
        program(),
        "/timeline",
        json!({"earliest_start": "0000-01-01", "latest_start": "+10000-01-01"}),
    );
    refused(
        &app,
        &token,
        "/v1/programs",
        &timeline,
        "timeline.earliest_start",
    )
    .await;
    refused(
        &app,
        &token,
        "/v1/programs",
        &timeline,
        "timeline.latest_start",
    )
    .await;

    let heavy = with(program(), "/requirements/criteria/0/weight", json!(1e308));
    refused(
        &app,
        &token,
        "/v1/programs",
        &heavy,
        "requirements.criteria[0].weight",
    )
    .await;
    let scaled = with(
        program(),
        "/requirements/criteria/0/scale",
        json!({"worst": 0.0, "best": 1e308}),
    );
    refused(
        &app,
        &token,
        "/v1/programs",
        &scaled,
        "requirements.criteria[0].scale.best",
    )
    .await;
    let matched = json!({"requirements": {"constraints": {},
        "criteria": [{"criterion": "success_rate", "weight": 1e308}]}});
    refused(
        &app,
        &token,
        "/v1/matches",
        &matched,
        "requirements.criteria[0].weight",
    )
    .await;

    let hold = json!({"capacity_id": created.id, "slots": u32::MAX});
    let problem = expect_problem(
        reqwest::Client::new()
            .post(app.url("/v1/reservations"))
            .bearer_auth(&token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&hold)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem.errors[0].field, "slots");
}

#[tokio::test]
async fn names_refuse_bidi_controls_and_zero_width_characters_and_are_stored_nfc() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    for name in [
        "Acme\u{202E}gnp.exe",
        "Ac\u{200B}me",
        "Acme\u{2066}",
        "\u{FEFF}Acme",
    ] {
        let bad = with(program(), "/name", json!(name));
        refused(&app, &token, "/v1/programs", &bad, "name").await;
        let signup = json!({"name": name, "kind": "sponsor",
                            "admin": {"email": "x@acme.example", "password": "a long enough password"}});
        let problem = expect_problem(
            reqwest::Client::new()
                .post(app.url("/v1/organizations"))
                .json(&signup)
                .send()
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem.errors[0].field, "name");
    }
    let decomposed = "Cafe\u{301} trial";
    let created = send(
        &app,
        &token,
        "/v1/programs",
        &with(program(), "/name", json!(decomposed)),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Program = created.json().await.unwrap();
    assert_eq!(
        created.program.name, "Caf\u{e9} trial",
        "stored composed (NFC)"
    );

    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let mut profile = base_profile("Helix");
    profile.organization.name = "He\u{200D}lix".into();
    let err = cdmo.admin.create_cdmo_profile(&profile).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.problem().unwrap().errors[0].field, "organization.name");
    profile.organization.name = "Helix".into();
    profile.sites[0].name = "Site\u{200F} A".into();
    let err = cdmo.admin.create_cdmo_profile(&profile).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].field, "sites[0].name");
    profile.sites[0].name = "Site Cre\u{301}teil".into();
    let stored = cdmo.admin.create_cdmo_profile(&profile).await.unwrap();
    assert_eq!(
        stored.profile.sites[0].name, "Site Cr\u{e9}teil",
        "stored composed (NFC)"
    );
}

#[tokio::test]
async fn overlong_uris_and_headers_are_problem_documents() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let long_path = format!("/v1/cdmos?q={}", "a".repeat(9000));
    let response = client.get(app.url(&long_path)).send().await.unwrap();
    let problem = expect_problem(response, StatusCode::URI_TOO_LONG).await;
    assert_eq!(problem.problem_type, "urn:cdmx:problem:uri-too-long");

    let mut request = client.get(app.url("/v1/cdmos"));
    for i in 0..70 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    let problem = expect_problem(
        request.send().await.unwrap(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    )
    .await;
    assert_eq!(problem.problem_type, "urn:cdmx:problem:headers-too-large");

    let response = client
        .get(app.url("/v1/cdmos"))
        .header("x-large", "a".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await;
}

#[tokio::test]
async fn cors_rejections_are_problem_documents() {
    let app =
        TestApp::spawn_with(|s| s.cors_origins = vec!["https://app.cdmx.example".into()]).await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, app.url("/v1/cdmos"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    let problem = expect_problem(preflight, StatusCode::BAD_REQUEST).await;
    assert!(problem.detail.unwrap().contains("Origin"), "says why");

    let allowed = client
        .request(reqwest::Method::OPTIONS, app.url("/v1/cdmos"))
        .header("Origin", "https://app.cdmx.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.cdmx.example"
    );
}

#[tokio::test]
async fn every_response_carries_security_headers_and_the_docs_a_csp() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    for path in [
        "/healthz",
        "/v1/cdmos",
        "/nowhere",
        "/openapi.json",
        "/docs/",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
    let docs = client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let api = client.get(app.url("/v1/cdmos")).send().await.unwrap();
    assert!(api.headers().get("content-security-policy").is_none());
}
