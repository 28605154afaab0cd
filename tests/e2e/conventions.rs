//! Conventions that hold on every operation: unknown query parameters are refused, every
//! mistake in a body is reported at once in plain words, conditional GETs answer 304,
//! and optional bodies may be left out.

use cdmx_e2e::{TestApp, base_profile, expect_problem as problem};
use cdmx_sdk::types::{
    Criterion, DonorSource, FieldError, GeneModificationMethod, Modality, OrganizationKind, Phase,
    Problem, Product, ProgramRequest, RequirementSet, Timeline, WeightedCriterion,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
    let mut fields: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    fields.sort();
    fields
}

fn program(name: &str) -> ProgramRequest {
    ProgramRequest {
        name: name.into(),
        product: Product {
            modality: Modality::CarT,
            donor_source: DonorSource::Autologous,
            gene_modification: GeneModificationMethod::Lentiviral,
        },
        target_phase: Phase::Phase1,
        target_markets: vec!["FR".into()],
        timeline: Timeline::default(),
        requirements: RequirementSet {
            criteria: vec![WeightedCriterion {
                weight_range: None,
                criterion: Criterion::SuccessRate,
                weight: 1.0,
                scale: None,
                missing: None,
                origin: None,
                authorities: vec![],
                platforms: Vec::new(),
            }],
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_on_every_resource() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let org = sponsor.id().to_owned();
    for path in [
        "/v1/cdmos".to_owned(),
        "/v1/reservations".to_owned(),
        "/v1/reservations/some-id".to_owned(),
        "/v1/capacity".to_owned(),
        "/v1/capacity/some-id".to_owned(),
        "/v1/programs".to_owned(),
        "/v1/programs/some-id".to_owned(),
        "/v1/shortlists".to_owned(),
        "/v1/organizations".to_owned(),
        format!("/v1/organizations/{org}"),
        "/v1/me".to_owned(),
    ] {
        let response = http
            .get(app.url(&format!("{path}?bogus=1")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let p = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            fields(&p.errors),
            [("bogus", "is not a known query parameter")],
            "{path}"
        );
    }
    // Several at once, with a bad known one, in one answer.
    let p = problem(
        http.get(app.url("/v1/programs?bogus=1&colour=red&limit=lots"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        fields(&p.errors),
        [
            ("bogus", "is not a known query parameter"),
            ("colour", "is not a known query parameter"),
            ("limit", "must be a whole number"),
        ]
    );
}

/// Every operation in the OpenAPI document refuses an unknown query parameter before it
/// does anything else (after authentication), so a handler cannot forget it.
#[tokio::test]
async fn every_documented_operation_refuses_unknown_query_parameters() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let document = cdmx::openapi::document();
    let mut checked = 0;
    for (template, item) in document["paths"].as_object().unwrap() {
        let path: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for (name, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            if item.get(name).is_none() {
                continue;
            }
            let response = http
                .request(method.clone(), app.url(&format!("{path}?bogus=1")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{method} {template}: {body}"
            );
            let p: Problem = serde_json::from_str(&body).unwrap();
            assert!(
                p.errors.iter().any(|e| e.field == "bogus"),
                "{method} {template}: {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} operations");
}

#[tokio::test]
async fn a_profile_with_five_mistakes_is_answered_in_one_round_trip() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let token = cdmo.token().await;
    let mut body = serde_json::to_value(base_profile("Helix")).unwrap();
    body["organization"].as_object_mut().unwrap().remove("name");
    body["sites"][0]["closed_processing"] = json!("yes");
    body["sites"][0]["colour"] = json!("red");
    body["modalities"] = json!(["car_t", "car_x"]);
    body["qc"]["release_turnaround_days"] = json!("seven");
    let p = problem(
        reqwest::Client::new()
            .post(app.url("/v1/cdmos"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let got = fields(&p.errors);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0], ("modalities[1]", got[0].1));
    assert!(got[0].1.starts_with("must be one of: "), "{got:?}");
    assert!(got[0].1.contains("car_t"), "{got:?}");
    assert_eq!(
        &got[1..],
        [
            ("organization.name", "is required"),
            (
                "qc.release_turnaround_days",
                "must be a whole number from 0 to 4294967295"
            ),
            ("sites[0].closed_processing", "must be true or false"),
            ("sites[0].colour", "is not a known field"),
        ]
    );
    assert!(p.detail.unwrap().starts_with("5 fields could not be read"));
}

#[tokio::test]
async fn error_details_are_plain_words() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    // A sign-up with a wrong type, an unknown kind and an unknown field.
    let p = problem(
        http.post(app.url("/v1/organizations"))
            .json(&json!({"name": 7, "kind": "hospital", "verified": true,
                          "admin": {"email": "a@b.example", "password": false}}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        fields(&p.errors),
        [
            ("admin.password", "must be a string"),
            ("kind", "must be one of: sponsor, cdmo, platform"),
            ("name", "must be a string"),
            ("verified", "is not a known field"),
        ]
    );
    // A token request without its grant type.
    let p = problem(
        http.post(app.url("/v1/auth/token"))
            .json(&json!({"email": "a@b.example", "password": "x"}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p.errors[0].field, "grant_type");
    assert_eq!(p.errors[0].message, "is required");

    // Tokens: garbage, and a valid one altered.
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = sponsor.token().await;
    let p = problem(
        http.get(app.url("/v1/me"))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let detail = p.detail.unwrap();
    assert!(detail.starts_with("the token is not valid"), "{detail}");
    assert!(!detail.contains("InvalidToken"), "{detail}");
    // Change the signature's first character: every bit of it is signature (the last
    // character of a base64url HMAC also carries padding bits, and changing only those
    // makes a token that does not decode rather than one with a wrong signature).
    let signature_at = token.rfind('.').unwrap() + 1;
    let first = token[signature_at..].chars().next().unwrap();
    let mut altered = token.clone();
    altered.replace_range(
        signature_at..signature_at + 1,
        if first == 'A' { "B" } else { "A" },
    );
    let p = problem(
        http.get(app.url("/v1/me"))
            .bearer_auth(&altered)
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let detail = p.detail.unwrap();
    assert!(
        detail.starts_with("the token is not valid (signed by another server"),
        "{detail}"
    );
    assert!(detail.ends_with("sign in again"), "{detail}");
}

#[tokio::test]
async fn conditional_gets_answer_304_on_profiles_and_programmes() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let profile = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let created = sponsor
        .admin
        .create_program(&program("CAR-T"))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    for (path, token) in [
        (format!("/v1/cdmos/{}", profile.id), cdmo.token().await),
        (
            format!("/v1/programs/{}", created.id),
            sponsor.token().await,
        ),
    ] {
        let get = |condition: Option<&'static str>| {
            let mut request = http.get(app.url(&path)).bearer_auth(&token);
            if let Some(condition) = condition {
                request = request.header("if-none-match", condition);
            }
            request.send()
        };
        let first = get(None).await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()["etag"], "\"1\"");
        for condition in ["\"1\"", "W/\"1\"", "*", "\"7\", \"1\""] {
            let response = get(Some(condition)).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NOT_MODIFIED,
                "{path} {condition}"
            );
            assert_eq!(response.headers()["etag"], "\"1\"");
            assert!(response.bytes().await.unwrap().is_empty());
        }
        let response = get(Some("\"2\"")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(!response.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_programme_match_without_a_body_uses_the_defaults() {
    let app = TestApp::spawn().await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let created = sponsor
        .admin
        .create_program(&program("CAR-T"))
        .await
        .unwrap();
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let url = app.url(&format!("/v1/programs/{}/matches", created.id));
    let response = http.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let with_defaults: serde_json::Value = response.json().await.unwrap();
    let response = http
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let explicit: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        with_defaults.get("candidates"),
        explicit.get("candidates"),
        "no body means the defaults"
    );
    // A body that is not JSON is still refused.
    problem(
        http.post(&url)
            .bearer_auth(&token)
            .header("content-type", "text/plain")
            .body("limit=5")
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    // And a JSON body is read strictly.
    let p = problem(
        http.post(&url)
            .bearer_auth(&token)
            .json(&json!({"limit": "five", "colour": 1}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        fields(&p.errors),
        [
            ("colour", "is not a known field"),
            ("limit", "must be a whole number from 0 to 4294967295"),
        ]
    );
}
