//! Examples cannot rot: every request-body example of the checked-in `openapi/cdmx.json`
//! is sent, as the document gives it, with raw HTTP (not the SDK) to a live server with
//! the demo data loaded, signed in as the party the operation is for, and must be
//! accepted. Only path parameters, the ids of the test's own resources inside a body
//! (`capacity_id`, `program_id`), the demo password and the headers the operation
//! requires (`If-Match`, `Idempotency-Key`) are filled in. The operations come from the
//! document, so an operation with a body and no example fails here.

use std::collections::BTreeMap;

use cdmx_e2e::{TestApp, contract};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;
use chrono::NaiveDate;
use reqwest::header::{CONTENT_TYPE, ETAG, HeaderMap};
use serde_json::Value;

const DEMO_PASSWORD: &str = "demo password 123";

pub(crate) fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/cdmx.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// JSON Pointer escaping of one token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The demo world the examples are sent into: who signs in, and the ids of the
/// resources the test created.
pub(crate) struct World {
    pub(crate) app: TestApp,
    http: reqwest::Client,
    pub(crate) sponsor_token: String,
    pub(crate) cdmo_token: String,
    /// The admin of a CDMO organisation without a profile yet.
    new_cdmo_token: String,
    pub(crate) sponsor_org: String,
    pub(crate) cdmo_profile: String,
    program: String,
    capacity: String,
    other_capacity: String,
    reservation: String,
}

async fn token(app: &TestApp, email: &str, password: &str) -> String {
    app.client
        .issue_token(&TokenRequest::Password {
            email: email.into(),
            password: password.into(),
        })
        .await
        .unwrap()
        .access_token
}

fn block(suite: &str, site_key: &str) -> NewCapacityBlock {
    NewCapacityBlock {
        site_key: site_key.into(),
        suite: suite.into(),
        slot_kind: SlotKind::ClinicalGmpBatch,
        donor_sources: vec![DonorSource::Autologous],
        modalities: vec![Modality::CarT],
        period_start: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
        period_end: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        slots: 12,
        lead_time_days: 30,
        price_band: None,
    }
}

pub(crate) async fn demo_world(document: &Value) -> World {
    let app = TestApp::spawn().await;
    let hash = cdmx::auth::passwords::hash(
        &cdmx::domain::accounts::Password::parse(DEMO_PASSWORD).unwrap(),
    )
    .unwrap();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::demo::load_if_empty(&db, &hash))
        .await
        .unwrap()
        .unwrap()
        .expect("the database was empty");
    let sponsor: Client = app
        .client
        .login(cdmx::demo::DEMO_SPONSOR_EMAIL, DEMO_PASSWORD)
        .await
        .unwrap();
    let cdmo: Client = app
        .client
        .login(cdmx::demo::DEMO_CDMO_EMAIL, DEMO_PASSWORD)
        .await
        .unwrap();
    let sponsor_org = sponsor.get_me().await.unwrap().organization.id;
    let cdmo_org = cdmo.get_me().await.unwrap().organization;
    let cdmo_profile = cdmo
        .search_cdmos(&CdmoSearch {
            q: Some(cdmo_org.name.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.organization_id == cdmo_org.id)
        .expect("the demo CDMO has a profile")
        .id;
    let profile = cdmo.get_cdmo_profile(&cdmo_profile).await.unwrap().profile;
    let site_key = &profile.sites[0].key;
    let capacity = cdmo
        .create_capacity_block(&cdmo_profile, &block("Suite 1", site_key))
        .await
        .unwrap()
        .id;
    let other_capacity = cdmo
        .create_capacity_block(&cdmo_profile, &block("Suite 2", site_key))
        .await
        .unwrap()
        .id;
    // The programme the sponsor works on: the document's own example.
    let program_example = document
        .pointer("/paths/~1v1~1programs/post/requestBody/content/application~1json/example")
        .cloned()
        .expect("the create_program example");
    let program: ProgramRequest = serde_json::from_value(program_example).unwrap();
    let program = sponsor.create_program(&program).await.unwrap().id;
    let reservation = sponsor
        .create_reservation(
            &NewReservation {
                capacity_id: capacity.clone(),
                slots: 1,
                program_id: Some(program.clone()),
                note: None,
            },
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .unwrap()
        .id;
    let new_cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Examples Cell Works")
        .await;
    let new_cdmo_token = new_cdmo.token().await;
    World {
        http: reqwest::Client::new(),
        sponsor_token: token(&app, cdmx::demo::DEMO_SPONSOR_EMAIL, DEMO_PASSWORD).await,
        cdmo_token: token(&app, cdmx::demo::DEMO_CDMO_EMAIL, DEMO_PASSWORD).await,
        new_cdmo_token,
        sponsor_org,
        cdmo_profile,
        program,
        capacity,
        other_capacity,
        reservation,
        app,
    }
}

/// How one operation's example is sent: as whom, with which path parameters, and what
/// in the body names the test's own resources.
pub(crate) struct Call<'a> {
    pub(crate) token: Option<&'a str>,
    pub(crate) path: BTreeMap<&'static str, &'a str>,
    pub(crate) body: Vec<(&'static str, Value)>,
}

fn call<'a>(
    token: Option<&'a str>,
    path: &[(&'static str, &'a str)],
    body: Vec<(&'static str, Value)>,
) -> Call<'a> {
    Call {
        token,
        path: path.iter().copied().collect(),
        body,
    }
}

impl World {
    pub(crate) fn call_for(&self, operation_id: &str) -> Call<'_> {
        let sponsor = Some(self.sponsor_token.as_str());
        let cdmo = Some(self.cdmo_token.as_str());
        let id = |value: &str| Value::String(value.to_owned());
        match operation_id {
            "issue_token" => call(None, &[], vec![("password", id(DEMO_PASSWORD))]),
            "create_organization" => call(None, &[], vec![]),
            "create_user" | "create_api_key" => call(sponsor, &[("id", &self.sponsor_org)], vec![]),
            "create_cdmo_profile" => call(Some(&self.new_cdmo_token), &[], vec![]),
            "replace_cdmo_profile"
            | "patch_cdmo_profile"
            | "add_cdmo_evidence"
            | "create_capacity_block" => call(cdmo, &[("id", &self.cdmo_profile)], vec![]),
            "change_capacity_block" => call(cdmo, &[("id", &self.capacity)], vec![]),
            "create_match" | "create_program" => call(sponsor, &[], vec![]),
            "replace_program" | "match_program" => call(sponsor, &[("id", &self.program)], vec![]),
            "create_shortlist" => call(sponsor, &[], vec![("program_id", id(&self.program))]),
            "create_reservation" => call(
                sponsor,
                &[],
                vec![
                    ("capacity_id", id(&self.capacity)),
                    ("program_id", id(&self.program)),
                ],
            ),
            "reschedule_reservation" => call(
                sponsor,
                &[("id", &self.reservation)],
                vec![("capacity_id", id(&self.other_capacity))],
            ),
            other => panic!(
                "{other} takes a body but this test does not know whom to send its example as: \
                 add it to World::call_for"
            ),
        }
    }

    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: HeaderMap,
        body: Option<(&str, Vec<u8>)>,
    ) -> (u16, HeaderMap, Vec<u8>) {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method.clone(), self.app.url(path))
            .headers(headers);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some((media, bytes)) = &body {
            request = request.header(CONTENT_TYPE, *media).body(bytes.clone());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let response_headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        let (path_only, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        if let Err(violation) = contract::check(&cdmx_sdk::Exchange {
            method: method.as_str(),
            path: path_only,
            query,
            request_content_type: body.as_ref().map(|(media, _)| *media),
            request_body: body.as_ref().map(|(_, bytes)| bytes.as_slice()),
            status,
            response_headers: &response_headers,
            response_body: &bytes,
        }) {
            panic!(
                "contract violation: {method} {path} answered {status}: {violation}\nbody: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        (status, response_headers, bytes)
    }
}

#[tokio::test]
async fn every_request_example_is_accepted_by_a_live_server_with_the_demo_data() {
    let document = document();
    let world = demo_world(&document).await;
    let mut sent = Vec::new();
    let mut match_answer = None;
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(request_body) = operation.get("requestBody") else {
                continue;
            };
            let operation_id = operation["operationId"].as_str().unwrap();
            let at = format!("{} {template} ({operation_id})", method.to_uppercase());
            let (media, content) = request_body["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .unwrap_or_else(|| panic!("{at}: a request body without content"));
            let mut example = content
                .get("example")
                .cloned()
                .unwrap_or_else(|| panic!("{at}: the request body has no example"));
            let call = world.call_for(operation_id);
            for (field, value) in &call.body {
                let slot = example
                    .get_mut(*field)
                    .unwrap_or_else(|| panic!("{at}: the example has no `{field}`"));
                *slot = value.clone();
            }
            let mut path = template.clone();
            for (name, value) in &call.path {
                path = path.replace(&format!("{{{name}}}"), value);
            }
            assert!(
                !path.contains('{'),
                "{at}: unfilled path parameter in {path}"
            );
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let header = |name: &str| {
                parameters
                    .iter()
                    .any(|p| p["in"] == "header" && p["name"] == name)
            };
            let mut headers = HeaderMap::new();
            if header("If-Match") {
                // The ETag of what the caller read, as a client would.
                let (status, read, _) = world
                    .send("get", &path, call.token, HeaderMap::new(), None)
                    .await;
                assert_eq!(status, 200, "{at}: reading {path} for its ETag");
                headers.insert("if-match", read[ETAG].clone());
            }
            if header("Idempotency-Key") {
                headers.insert(
                    "idempotency-key",
                    uuid::Uuid::new_v4().to_string().parse().unwrap(),
                );
            }
            let body = serde_json::to_vec(&example).unwrap();
            let (status, _, answer) = world
                .send(method, &path, call.token, headers, Some((media, body)))
                .await;
            assert!(
                (200..300).contains(&status),
                "{at}: the example was refused with {status}: {}\nexample: {example}",
                String::from_utf8_lossy(&answer)
            );
            if operation_id == "create_match" {
                match_answer = Some(serde_json::from_slice::<MatchResult>(&answer).unwrap());
            }
            sent.push(operation_id.to_owned());
        }
    }
    assert!(
        sent.len() >= 17,
        "only {} examples sent: {sent:?}",
        sent.len()
    );

    // The ad-hoc match example ranks demo CDMOs.
    let ranking = match_answer.expect("the create_match example was sent");
    assert!(!ranking.candidates.is_empty(), "{ranking:?}");

    // The search parameter examples Swagger UI offers find demo CDMOs, and so does the
    // README's `min_phase=phase_3`.
    let parameters = document["paths"]["/v1/cdmos"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let offered: Vec<String> = parameters
        .iter()
        .filter_map(|p| {
            let example = p.get("example")?.as_str()?;
            Some(format!("{}={example}", p["name"].as_str()?))
        })
        .collect();
    assert!(
        offered.contains(&"min_phase=phase_3".to_owned()),
        "{offered:?}"
    );
    for query in [offered.join("&"), "min_phase=phase_3".to_owned()] {
        let (status, _, page) = world
            .send(
                "get",
                &format!("/v1/cdmos?{query}"),
                Some(&world.sponsor_token),
                HeaderMap::new(),
                None,
            )
            .await;
        assert_eq!(status, 200, "{query}");
        let page: Page<CdmoSummary> = serde_json::from_slice(&page).unwrap();
        assert!(
            !page.items.is_empty(),
            "GET /v1/cdmos?{query} found nothing"
        );
    }
}

#[test]
fn every_example_in_the_document_validates_against_its_schema() {
    let document = document();
    let mut checked = 0;
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let base = format!("/paths/{}/{method}", escape(template));
            let mut examples_at = Vec::new();
            for (media, content) in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                examples_at.push((
                    format!("{base}/requestBody/content/{}", escape(media)),
                    content,
                ));
            }
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    examples_at.push((
                        format!("{base}/responses/{status}/content/{}", escape(media)),
                        content,
                    ));
                }
            }
            // Swagger UI fills "Try it out" from parameter examples too, and refuses to send
            // a request whose list parameter holds a string.
            for (index, parameter) in operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                examples_at.push((format!("{base}/parameters/{index}"), parameter));
            }
            for (pointer, content) in examples_at {
                if let Some(example) = content.get("example") {
                    contract::validate_schema(&format!("{pointer}/schema"), example)
                        .unwrap_or_else(|e| panic!("the example at {pointer} is invalid: {e}"));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} examples checked");
}
