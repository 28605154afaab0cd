use cdmx_e2e::TestApp;
use cdmx_sdk::types::DatabaseBackend;

#[tokio::test]
async fn health_and_readiness_answer_with_the_backend_in_use() {
    let app = TestApp::spawn().await;
    assert_eq!(app.client.get_health().await.unwrap().status, "ok");
    let ready = app.client.get_readiness().await.unwrap();
    assert_eq!(ready.status, "ready");
    let expected = if app.database.is_postgres() {
        DatabaseBackend::Postgres
    } else {
        DatabaseBackend::Sqlite
    };
    assert_eq!(ready.database, expected);
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone_but_liveness_stays_up() {
    let app = TestApp::spawn().await;
    if !app.database.is_postgres() {
        // An open SQLite file cannot be taken away from a running process; this case
        // runs in the PostgreSQL pass of .ci/run.
        return;
    }
    app.database.break_now();
    let err = app.client.get_readiness().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.problem().unwrap().problem_type,
        "urn:cdmx:problem:unavailable"
    );
    assert_eq!(app.client.get_health().await.unwrap().status, "ok");
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let generated = http.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    let echoed = http
        .get(app.url("/healthz"))
        .header("X-Request-Id", "trace-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-abc.123");
    // A forged id with spaces (log injection) is replaced, not echoed.
    let forged = http
        .get(app.url("/healthz"))
        .header("X-Request-Id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], "a b\tc");
}

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_swagger_ui_works_offline() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let served: serde_json::Value = http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated = serde_json::to_value(cdmx::openapi::document()).unwrap();
    assert_eq!(served, generated);
    let ui = http.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap();
    assert!(redirect.status().is_redirection());
}

pub(crate) const METRICS_TOKEN: &str = "metrics-token-metrics-token-metrics!";

/// Reads a Prometheus text exposition strictly: every sample line is `name{labels}
/// value` with a number, every metric has its `# TYPE` before its samples. Returns the
/// samples by `name{labels}`.
/// The metrics endpoint's samples, scraped with the test token.
pub(crate) async fn scrape_metrics(app: &TestApp) -> std::collections::BTreeMap<String, f64> {
    let text = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    parse_prometheus(&text)
}

pub(crate) fn parse_prometheus(text: &str) -> std::collections::BTreeMap<String, f64> {
    let mut typed = std::collections::BTreeSet::new();
    let mut samples = std::collections::BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "unknown type in {line}"
            );
            typed.insert(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(!line.starts_with('#'), "stray comment: {line}");
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().unwrap();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).filter(|f| typed.contains(*f)))
            .unwrap_or(name);
        assert!(typed.contains(family), "{name} has no # TYPE before it");
        if let Some(labels) = series.strip_prefix(name) {
            assert!(
                labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                "bad labels: {line}"
            );
        }
        samples.insert(series.to_owned(), value);
    }
    samples
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_their_counters_move() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(METRICS_TOKEN.into())).await;
    let http = reqwest::Client::new();
    let scrape = || async {
        let response = http
            .get(app.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        parse_prometheus(&response.text().await.unwrap())
    };
    let health = "cdmx_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}";
    let before = scrape().await;
    for _ in 0..3 {
        http.get(app.url("/healthz")).send().await.unwrap();
    }
    let after = scrape().await;
    assert_eq!(
        after[health] - before.get(health).copied().unwrap_or(0.0),
        3.0,
        "{after:?}"
    );
    let count = "cdmx_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"}";
    let inf =
        "cdmx_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}";
    assert_eq!(after[count], after[inf]);
    assert!(after["cdmx_db_pool_max_connections"] >= 1.0);
    assert!(after.contains_key("cdmx_index_profiles"));
    assert!(after.contains_key("cdmx_index_changes_behind"));

    // Without the token, or with another: 401.
    let response = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = http
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-metrics-token-metrics?")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_policy() {
    let app = TestApp::spawn_with(|s| {
        s.metrics_token = Some(METRICS_TOKEN.into());
        s.rate_limit_organization_matches = 1;
    })
    .await;
    let sponsor = app
        .sign_up(cdmx_sdk::types::OrganizationKind::Sponsor, "Acme")
        .await;
    let token = sponsor.token().await;
    let http = reqwest::Client::new();
    let body = serde_json::json!({
        "requirements": {"criteria": [{"criterion": "success_rate", "weight": 1.0}]}
    });
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let response = http
            .post(app.url("/v1/matches"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 429]);
    let samples = scrape_metrics(&app).await;
    assert_eq!(
        samples.get("cdmx_rate_limited_total{limit=\"organization-matches\"}"),
        Some(&1.0),
        "{samples:?}"
    );
}

#[tokio::test]
async fn metrics_are_off_without_a_token_setting() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 404);
}
