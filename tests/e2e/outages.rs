//! Database outages: answered 503 with `Retry-After` within the checkout timeout, never
//! 500, and the same server serves again once the database is back.
//!
//! On PostgreSQL the server reaches the database through a proxy the test cuts: pooled
//! connections die and new ones are refused. On SQLite, whose file cannot be taken from
//! a running process, the test holds every pooled connection instead: the same checkout
//! timeout and the same answers. Both runs of `.ci/run` therefore test an outage; the
//! PostgreSQL run also cuts a query mid-flight (SQLite has no connection to lose).

use cdmx::db::StoreError;
use cdmx::error::ApiError;
use cdmx_e2e::{TestApp, TestDatabase, expect_problem};
use cdmx_sdk::types::OrganizationKind;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::StatusCode;

pub(crate) async fn expect_unavailable(response: reqwest::Response) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let problem = expect_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem.problem_type, "urn:cdmx:problem:unavailable");
}

#[tokio::test]
async fn an_outage_is_503_with_retry_after_and_the_same_server_recovers() {
    let app = TestApp::spawn_with_outages(|s| s.db_checkout_timeout_ms = 300).await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = org.token().await;
    let http = reqwest::Client::new();
    let me = || http.get(app.url("/v1/me")).bearer_auth(&token).send();
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);

    app.cut_database().await;
    // Timings are printed for the closing note (`--nocapture`), never asserted.
    let started = std::time::Instant::now();
    expect_unavailable(me().await.unwrap()).await;
    eprintln!("outage: read answered 503 after {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let write = http
        .post(app.url(&format!("/v1/organizations/{}/api-keys", org.id())))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "during the outage"}))
        .send()
        .await
        .unwrap();
    expect_unavailable(write).await;
    eprintln!("outage: write answered 503 after {:?}", started.elapsed());
    let started = std::time::Instant::now();
    expect_unavailable(http.get(app.url("/readyz")).send().await.unwrap()).await;
    eprintln!("outage: /readyz answered 503 after {:?}", started.elapsed());
    assert_eq!(
        http.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK,
        "the process itself is alive"
    );

    app.restore_database();
    let started = std::time::Instant::now();
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    eprintln!(
        "outage: first read after restoring answered 200 after {:?}",
        started.elapsed()
    );
    assert_eq!(
        http.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.client.get_readiness().await.unwrap();

    if let TestDatabase::Postgres { admin_url, name } = &app.database {
        query_cut_mid_flight_is_unavailable(&app, admin_url, name).await;
    }
}

/// A query running when the connection is cut fails as unavailable (503), not as an
/// internal error, and the server recovers again.
async fn query_cut_mid_flight_is_unavailable(app: &TestApp, admin_url: &str, name: &str) {
    let sleeping = tokio::spawn({
        let db = app.db.clone();
        async move {
            db.run(|c| {
                diesel::sql_query("SELECT pg_sleep(30)").execute(c)?;
                Ok(())
            })
            .await
        }
    });
    // Wait until the query runs on the server, then cut under it.
    let mut admin = PgConnection::establish(admin_url).unwrap();
    let running = format!(
        "SELECT 1 AS one FROM pg_stat_activity WHERE datname = '{name}' \
         AND query = 'SELECT pg_sleep(30)' AND state = 'active'"
    );
    let mut started = false;
    for _ in 0..400 {
        let rows: Vec<One> = diesel::sql_query(&running).load(&mut admin).unwrap();
        if !rows.is_empty() {
            started = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(started, "the query never started");
    app.cut_database().await;
    let error = sleeping.await.unwrap().unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert_eq!(ApiError::from(error).status(), 503);
    app.restore_database();
    app.client.get_readiness().await.unwrap();
}

#[derive(diesel::QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    #[allow(dead_code)]
    one: i32,
}
