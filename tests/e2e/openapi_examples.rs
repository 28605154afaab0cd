//! Examples cannot rot: every request-body example of the checked-in `openapi/cdmx.json`
//! is sent, as the document gives it, with raw HTTP (not the SDK) to a live server with
//! the demo data loaded, signed in as the party the operation is for, and must be
//! accepted. The ids in examples, in bodies and in paths, are the demo data's own, so
//! they are sent as given: only the demo password and the headers the operation requires
//! (`If-Match`, `Idempotency-Key`) are filled in, as a Swagger UI user would. Every read
//! whose path names a demo object is sent as given too. The operations come from the
//! document, so an operation with a body and no example, or a path id without one, fails
//! here; reads are sent when their path parameters have examples.

use cdmx_e2e::{TestApp, contract};
use cdmx_sdk::types::*;
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

/// A fresh demo server and who signs in to it.
pub(crate) struct World {
    pub(crate) app: TestApp,
    http: reqwest::Client,
    pub(crate) sponsor_token: String,
    pub(crate) cdmo_token: String,
    /// The admin of a CDMO organisation without a profile yet.
    new_cdmo_token: String,
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

pub(crate) async fn demo_world() -> World {
    let app = TestApp::spawn().await;
    let hash = cdmx::auth::passwords::hash(
        &cdmx::domain::accounts::Password::parse(DEMO_PASSWORD).unwrap(),
    )
    .unwrap();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &hash))
        .await
        .unwrap()
        .unwrap()
        .expect("the database was empty");
    let new_cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Examples Cell Works")
        .await;
    let new_cdmo_token = new_cdmo.token().await;
    World {
        http: reqwest::Client::new(),
        sponsor_token: token(&app, cdmx::app::demo::DEMO_SPONSOR_EMAIL, DEMO_PASSWORD).await,
        cdmo_token: token(&app, cdmx::app::demo::DEMO_CDMO_EMAIL, DEMO_PASSWORD).await,
        new_cdmo_token,
        app,
    }
}

/// The demo data registers no webhook: one registered by the create example (disabled,
/// at a documentation address), for the operations on a webhook.
pub(crate) async fn example_webhook(world: &World, token: Option<&str>) -> String {
    let create = document()["paths"]["/v1/webhooks"]["post"]["requestBody"]["content"]
        ["application/json"]["example"]
        .clone();
    let (status, _, answer) = world
        .send(
            "post",
            "/v1/webhooks",
            token,
            HeaderMap::new(),
            Some(("application/json", serde_json::to_vec(&create).unwrap())),
        )
        .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
    let created: Value = serde_json::from_slice(&answer).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// The path with every parameter set to its example in the document.
pub(crate) fn path_as_given(at: &str, template: &str, parameters: &[Value]) -> String {
    let mut path = template.to_owned();
    for p in parameters.iter().filter(|p| p["in"] == "path") {
        let name = p["name"].as_str().unwrap();
        let example = match &p["example"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => panic!("{at}: the path parameter `{name}` has no example"),
        };
        path = path.replace(&format!("{{{name}}}"), &example);
    }
    assert!(
        !path.contains('{'),
        "{at}: unfilled path parameter in {path}"
    );
    path
}

impl World {
    /// Whom an operation's example is sent as.
    pub(crate) fn token_for(&self, operation_id: &str) -> Option<&str> {
        let sponsor = Some(self.sponsor_token.as_str());
        let cdmo = Some(self.cdmo_token.as_str());
        match operation_id {
            "issue_token" | "create_organization" => None,
            "create_cdmo_profile" => Some(&self.new_cdmo_token),
            "replace_cdmo_profile"
            | "patch_cdmo_profile"
            | "add_cdmo_evidence"
            | "create_capacity_block"
            | "change_capacity_block"
            | "unlist_cdmo_profile"
            | "list_cdmo_listing_history"
            | "create_quote"
            | "decline_rfi" => cdmo,
            "create_user"
            | "create_api_key"
            | "create_match"
            | "create_program"
            | "replace_program"
            | "match_program"
            | "create_shortlist"
            | "create_shortlist_decision"
            | "create_share_link"
            | "create_capacity_watch"
            | "create_webhook"
            | "create_rfi"
            | "decline_quote"
            | "create_reservation"
            | "create_allocation_hold"
            | "reschedule_reservation" => sponsor,
            // Reads: the demo sponsor may read everything its examples name.
            other if !other.starts_with("create_") => sponsor,
            other => panic!(
                "{other} takes a body but this test does not know whom to send its example as: \
                 add it to World::token_for"
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
    let world = demo_world().await;
    let mut sent = Vec::new();
    let mut reads = Vec::new();
    let mut match_answer = None;
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let operation_id = operation["operationId"].as_str().unwrap();
            let at = format!("{} {template} ({operation_id})", method.to_uppercase());
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let Some(request_body) = operation.get("requestBody") else {
                // A read of a demo object, as Swagger UI offers it. (A diff needs a
                // second revision, which the demo profile does not have: no examples.)
                let path_examples = parameters
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .all(|p| p.get("example").is_some());
                if method == "get" && template.contains('{') && path_examples {
                    let path = path_as_given(&at, template, &parameters);
                    let token = world.token_for(operation_id);
                    let (status, _, answer) = world
                        .send("get", &path, token, HeaderMap::new(), None)
                        .await;
                    assert_eq!(
                        status,
                        200,
                        "{at}: {path} as given answered {status}: {}",
                        String::from_utf8_lossy(&answer)
                    );
                    reads.push(operation_id.to_owned());
                }
                continue;
            };
            let (media, content) = request_body["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .unwrap_or_else(|| panic!("{at}: a request body without content"));
            let mut example = content
                .get("example")
                .cloned()
                .unwrap_or_else(|| panic!("{at}: the request body has no example"));
            if operation_id == "issue_token" {
                // The one thing the document cannot know: the password printed at start.
                example["password"] = Value::String(DEMO_PASSWORD.into());
            }
            // A password change revokes the tokens of the user who sends it: a user of
            // its own sends it, with the password it signed in with.
            let own_account = if operation_id == "change_password" {
                example["current_password"] = Value::String(cdmx_e2e::PASSWORD.into());
                let user = world
                    .app
                    .sign_up(OrganizationKind::Sponsor, "Password Examples")
                    .await;
                Some(user.token().await)
            } else {
                None
            };
            let token = own_account.as_deref().or(world.token_for(operation_id));
            let path = if template.starts_with("/v1/webhooks/{id}") {
                template.replace("{id}", &example_webhook(&world, token).await)
            } else {
                path_as_given(&at, template, &parameters)
            };
            let header = |name: &str| {
                parameters
                    .iter()
                    .any(|p| p["in"] == "header" && p["name"] == name)
            };
            let mut headers = HeaderMap::new();
            if header("If-Match") {
                // The ETag of what the caller read, as a client would.
                let (status, read, _) = world
                    .send("get", &path, token, HeaderMap::new(), None)
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
                .send(method, &path, token, headers, Some((media, body)))
                .await;
            assert!(
                (200..300).contains(&status),
                "{at}: the example was refused with {status}: {}\nexample: {example}",
                String::from_utf8_lossy(&answer)
            );
            if operation_id == "create_match" {
                match_answer = Some(serde_json::from_slice::<MatchResult>(&answer).unwrap());
            }
            if operation_id == "unlist_cdmo_profile" {
                // Back on the market, for the examples that hold or match the demo CDMO.
                let relist = path.replace("/unlist", "/relist");
                let (status, _, answer) = world
                    .send("post", &relist, token, HeaderMap::new(), None)
                    .await;
                assert_eq!(
                    status,
                    200,
                    "{relist}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
            sent.push(operation_id.to_owned());
        }
    }
    assert!(
        sent.len() >= 17,
        "only {} examples sent: {sent:?}",
        sent.len()
    );
    assert!(reads.len() >= 12, "only {} reads: {reads:?}", reads.len());
    for read in [
        "get_cdmo_profile",
        "get_capacity_block",
        "get_program",
        "get_reservation",
        "get_shortlist",
        "get_organization",
    ] {
        assert!(
            reads.iter().any(|r| r == read),
            "{read} not read: {reads:?}"
        );
    }

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
