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
