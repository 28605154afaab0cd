//! Every error is an RFC 9457 problem document with the right status.

use cdmx_e2e::{TestApp, expect_problem as problem};
use cdmx_sdk::types::{NewUser, OrganizationKind, SignUpRequest};
use reqwest::StatusCode;
use serde_json::json;

fn sign_up_body() -> serde_json::Value {
    json!({"name": "Acme Bio", "kind": "sponsor",
           "admin": {"email": "ada@acme.example", "password": "correct horse battery"}})
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let p = problem(
        http.get(app.url("/v1/nothing-here")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(p.problem_type, "urn:cdmx:problem:route-not-found");
    assert_eq!(p.instance.as_deref(), Some("/v1/nothing-here"));

    let response = http
        .delete(app.url("/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    let response = http
        .put(app.url("/v1/organizations/some-id/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn malformed_json_is_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let mut body = sign_up_body();
    body["admin"]["password"] = json!(12345);
    let p = problem(
        http.post(app.url("/v1/organizations"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.errors[0].field, "admin.password");
    assert_eq!(p.errors[0].message, "must be a string", "{:?}", p.errors);

    let p = problem(
        http.post(app.url("/v1/organizations"))
            .header("content-type", "application/json")
            .body("{\"name\": \"Acme\", ")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.problem_type, "urn:cdmx:problem:malformed-request");
    assert!(!p.errors.is_empty());
}

#[tokio::test]
async fn unknown_fields_are_rejected_so_clients_cannot_set_server_fields() {
    let app = TestApp::spawn().await;
    let mut body = sign_up_body();
    body["verified"] = json!(true);
    let p = problem(
        reqwest::Client::new()
            .post(app.url("/v1/organizations"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.errors[0].field, "verified", "{:?}", p.errors);
    assert_eq!(
        p.errors[0].message, "is not a known field",
        "{:?}",
        p.errors
    );
}

#[tokio::test]
async fn wrong_content_type_is_415_and_oversized_bodies_413() {
    let app = TestApp::spawn_with(|s| s.body_limit_bytes = 2048).await;
    let http = reqwest::Client::new();
    problem(
        http.post(app.url("/v1/organizations"))
            .header("content-type", "text/plain")
            .body(sign_up_body().to_string())
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let mut body = sign_up_body();
    body["name"] = json!("x".repeat(4096));
    let p = problem(
        http.post(app.url("/v1/organizations"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert!(p.detail.unwrap().contains("2048"));
}

#[tokio::test]
async fn validation_is_422_listing_every_invalid_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let err = app
        .client
        .create_organization(&SignUpRequest {
            name: "  ".into(),
            kind: OrganizationKind::Platform,
            admin: NewUser {
                email: "not-an-email".into(),
                password: "short".into(),
            },
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let fields: Vec<&str> = err
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["name", "kind", "admin.email", "admin.password"]);
    // Nothing was written: the email is still free.
    let ok = app
        .client
        .create_organization(&SignUpRequest {
            name: "Acme".into(),
            kind: OrganizationKind::Sponsor,
            admin: NewUser {
                email: "not-an-email@acme.example".into(),
                password: "correct horse battery".into(),
            },
        })
        .await;
    assert!(ok.is_ok());
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = org.token().await;
    let http = reqwest::Client::new();
    let p = problem(
        http.get(app.url("/v1/organizations?limit=lots"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.errors[0].field, "limit");
    let p = problem(
        http.get(app.url("/v1/organizations?colour=blue"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.errors[0].field, "colour");
    let p = problem(
        http.get(app.url("/v1/organizations?limit=0"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p.errors[0].field, "limit");
}

/// serde reads a struct from an array (its fields by position); the document says
/// `type: object`, so the server refuses it at any depth, with every other mistake.
#[tokio::test]
async fn objects_given_as_arrays_are_refused_at_any_depth_naming_the_field() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&cdmx_e2e::base_profile("Helix"))
        .await
        .unwrap();
    let block = cdmo
        .admin
        .create_capacity_block(
            &profile.id,
            &serde_json::from_value(json!({
                "site_key": "main", "suite": "Suite 1", "slot_kind": "clinical_gmp_batch",
                "donor_sources": ["autologous"], "modalities": ["car_t"],
                "period_start": "2027-01-01", "period_end": "2027-03-31",
                "slots": 4, "lead_time_days": 30
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let (cdmo_token, sponsor_token) = (cdmo.token().await, sponsor.token().await);
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, path: String, token: &str, body: serde_json::Value| {
        http.request(method, app.url(&path))
            .bearer_auth(token)
            .header("if-match", "\"1\"")
            .json(&body)
            .send()
    };
    let fields = |p: &cdmx_sdk::types::Problem| {
        let mut fields: Vec<(String, String)> = p
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        fields.sort();
        fields
    };
    let object = "must be an object".to_owned();

    // A nested object, with another mistake beside it.
    let p = problem(
        send(
            reqwest::Method::PATCH,
            format!("/v1/capacity/{}", block.id),
            &cdmo_token,
            json!({"price_band": [5, 10], "lead_time_days": "soon"}),
        )
        .await
        .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            (
                "lead_time_days".to_owned(),
                "must be a whole number from 0 to 4294967295".to_owned()
            ),
            ("price_band".to_owned(), object.clone()),
        ]
    );

    // Deeper: inside the requirements of an ad-hoc match, in a list and in an option.
    let requirements = json!({
        "constraints": {"phase_track_record": ["phase_1", 2]},
        "criteria": [["distance", 1.0], {"criterion": "distance", "weight": 1.0, "origin": [48.8, 2.3]}]
    });
    let p = problem(
        send(
            reqwest::Method::POST,
            "/v1/matches".into(),
            &sponsor_token,
            json!({"requirements": requirements}),
        )
        .await
        .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            (
                "requirements.constraints.phase_track_record".to_owned(),
                object.clone()
            ),
            ("requirements.criteria[0]".to_owned(), object.clone()),
            ("requirements.criteria[1].origin".to_owned(), object.clone()),
        ]
    );

    // A merge patch that turns a profile section into an array.
    let p = problem(
        http.patch(app.url(&format!("/v1/cdmos/{}", profile.id)))
            .bearer_auth(&cdmo_token)
            .header("if-match", "\"1\"")
            .header("content-type", "application/merge-patch+json")
            .body(json!({"qc": [["mycoplasma"], 7, true]}).to_string())
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), [("qc".to_owned(), object.clone())]);
    // The merged profile is read as strictly as a body: an unknown field is not dropped.
    let p = problem(
        http.patch(app.url(&format!("/v1/cdmos/{}", profile.id)))
            .bearer_auth(&cdmo_token)
            .header("if-match", "\"1\"")
            .header("content-type", "application/merge-patch+json")
            .body(json!({"qc": {"colour": "red"}}).to_string())
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        fields(&p),
        [("qc.colour".to_owned(), "is not a known field".to_owned())]
    );

    // Arrays where the document has arrays are still read, and the objects as objects.
    let changed = send(
        reqwest::Method::PATCH,
        format!("/v1/capacity/{}", block.id),
        &cdmo_token,
        json!({"price_band": {"min_usd": 5, "max_usd": 10}}),
    )
    .await
    .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let matched = send(
        reqwest::Method::POST,
        "/v1/matches".into(),
        &sponsor_token,
        json!({"requirements": {
            "constraints": {"phase_track_record": {"phase": "phase_1", "min_programmes": 1}},
            "criteria": [{"criterion": "distance", "weight": 1.0, "origin": {"latitude": 48.8, "longitude": 2.3}}]
        }}),
    )
    .await
    .unwrap();
    assert_eq!(matched.status(), StatusCode::OK);
}
