//! Additive change: an SDK built against this server keeps working when a newer server
//! adds fields and closed-set values, while this server rejects what it does not know.

use cdmx_e2e::{TestApp, base_profile};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `body` as the JSON answer to every request.
async fn newer_server(body: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let body = body.to_string();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    base_url
}

#[tokio::test]
async fn the_sdk_decodes_a_newer_servers_profile_with_unknown_fields_and_values() {
    let app = TestApp::spawn().await;
    let cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Helix Cell Works")
        .await;
    let created = cdmo
        .admin
        .create_cdmo_profile(&base_profile("Helix Cell Works"))
        .await
        .unwrap();
    // What this server really answers, as a newer server would extend it.
    let mut body: Value = reqwest::Client::new()
        .get(app.url(&format!("/v1/cdmos/{}", created.id)))
        .bearer_auth(cdmo.token().await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["listing_status"] = json!("listed");
    body["profile"]["organization"]["type"] = json!("cell_foundry");
    body["profile"]["organization"]["parent_company"] = json!({"name": "Helix Holdings"});
    body["profile"]["modalities"] = json!(["car_t", "car_macrophage"]);
    body["profile"]["phases"][0]["phase"] = json!("phase_4");
    body["profile"]["sites"][0]["cleanrooms"][0]["grade"] = json!("iso_4");
    body["profile"]["sites"][0]["carbon_neutral"] = json!(true);
    body["confidence"][0]["confidence"] = json!("audited");

    let base_url = newer_server(body).await;
    let client = Client::builder(&base_url)
        .token("not checked by this server")
        .build()
        .unwrap();
    let decoded = client.get_cdmo_profile(&created.id).await.unwrap();

    assert_eq!(decoded.id, created.id);
    let profile = &decoded.profile;
    assert_eq!(profile.organization.name, "Helix Cell Works");
    assert_eq!(profile.organization.cdmo_type, CdmoType::Unknown);
    assert_eq!(profile.modalities, vec![Modality::CarT, Modality::Unknown]);
    assert_eq!(profile.phases[0].phase, Phase::Unknown);
    assert_eq!(profile.phases[1].phase, Phase::Phase3);
    assert_eq!(
        profile.sites[0].cleanrooms[0].grade,
        CleanroomGrade::Unknown
    );
    assert_eq!(decoded.confidence[0].confidence, Confidence::Unknown);
    assert_eq!(profile.sites[0].country, "FR");
}

#[tokio::test]
async fn the_server_rejects_values_and_fields_it_does_not_know() {
    let app = TestApp::spawn().await;
    let cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Helix Cell Works")
        .await;
    let token = cdmo.token().await;
    let mut profile = serde_json::to_value(base_profile("Helix Cell Works")).unwrap();
    profile["modalities"] = json!(["car_t", "car_macrophage"]);
    let response = reqwest::Client::new()
        .post(app.url("/v1/cdmos"))
        .bearer_auth(&token)
        .json(&profile)
        .send()
        .await
        .unwrap();
    // A value outside the closed set: readable, not accepted.
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"]
                .as_str()
                .unwrap_or_default()
                .starts_with("modalities")),
        "{problem}"
    );

    let mut profile = serde_json::to_value(base_profile("Helix Cell Works")).unwrap();
    profile["sites"][0]["carbon_neutral"] = json!(true);
    let response = reqwest::Client::new()
        .post(app.url("/v1/cdmos"))
        .bearer_auth(&token)
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert!(problem.to_string().contains("carbon_neutral"), "{problem}");
}
