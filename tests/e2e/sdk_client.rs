//! The SDK client's own behaviour: observers, retries, renewal, custom HTTP clients and
//! paging streams. Against the real server where it can show the behaviour, and against a
//! tiny scripted HTTP server where a failure must be staged (429, dropped connections).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cdmx_e2e::{PASSWORD, TestApp, base_profile};
use cdmx_sdk::stream::TryStreamExt;
use cdmx_sdk::types::*;
use cdmx_sdk::{Client, Exchange, paginate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One exchange as an observer saw it, owned.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    request_content_type: Option<String>,
    status: u16,
    body_len: usize,
}

type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

/// An observer that records every exchange.
fn recorder() -> (Observer, Arc<Mutex<Vec<Seen>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let observer = move |e: &Exchange<'_>| {
        sink.lock().unwrap().push(Seen {
            method: e.method.to_owned(),
            path: e.path.to_owned(),
            query: e.query.map(str::to_owned),
            request_content_type: e.request_content_type.map(str::to_owned),
            status: e.status,
            body_len: e.response_body.len(),
        });
    };
    (Arc::new(observer), log)
}

/// A request the scripted server read.
#[derive(Debug, Clone)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the scripted server does with a request it has read.
enum Reply {
    /// Answer with this status, extra headers and JSON body, then close.
    Json(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering.
    Drop,
}

/// A one-request-per-connection HTTP server answering with `script(n, request)` for the
/// n-th request; returns its base URL and the requests it read.
async fn scripted(
    script: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (log, script) = (log.clone(), script.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else {
                    return;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(request.clone());
                    log.len() - 1
                };
                match script(n, &request) {
                    Reply::Drop => drop(socket),
                    Reply::Json(status, headers, body) => {
                        let mut reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (name, value) in headers {
                            reply.push_str(&format!("{name}: {value}\r\n"));
                        }
                        reply.push_str("\r\n");
                        reply.push_str(&body);
                        let _ = socket.write_all(reply.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                }
            });
        }
    });
    (base_url, seen)
}

/// Reads one request: head, then `content-length` bytes of body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        line,
        headers,
        body,
    })
}

const HEALTHY: &str = r#"{"status":"ok","version":"test"}"#;

fn ok() -> Reply {
    Reply::Json(200, vec![], HEALTHY.into())
}

#[tokio::test]
async fn sdk_observer_sees_every_exchange_on_every_path() {
    let app = TestApp::spawn().await;
    let (observer, log) = recorder();
    let client = Client::builder(&app.base_url)
        .retries(0, Duration::ZERO)
        .observe(observer)
        .build()
        .unwrap();
    let email = format!("admin-{}@observer.example", uuid::Uuid::new_v4().simple());

    let signed_up = client
        .create_organization(&SignUpRequest {
            name: "Observed".into(),
            kind: OrganizationKind::Sponsor,
            admin: NewUser {
                email: email.clone(),
                password: PASSWORD.into(),
            },
        })
        .await
        .unwrap();
    // Derived clients keep the observer; the login's token issuance is observed too.
    let admin = client.login(&email, PASSWORD).await.unwrap();
    admin.get_me().await.unwrap();
    let missing = admin.get_cdmo_profile("no-such-profile").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
    let org = &signed_up.organization.id;
    let key = admin
        .create_api_key(
            org,
            &CreateApiKeyRequest {
                name: "observed".into(),
                role: None,
                scopes: None,
            },
        )
        .await
        .unwrap();
    admin
        .list_api_keys(
            org,
            &PageParams {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    admin.revoke_api_key(org, &key.api_key.id).await.unwrap();
    // A client derived with an API key (revoked: token issuance fails with 401).
    let revoked = admin.with_api_key(key.secret).get_me().await.unwrap_err();
    assert_eq!(revoked.status(), Some(401));

    let log = log.lock().unwrap().clone();
    let statuses: Vec<(&str, &str, u16)> = log
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str(), s.status))
        .collect();
    let keys_path = format!("/v1/organizations/{org}/api-keys");
    let key_path = format!("{keys_path}/{}", key.api_key.id);
    assert_eq!(
        statuses,
        vec![
            ("POST", "/v1/organizations", 201),
            ("POST", "/v1/auth/token", 200),
            ("GET", "/v1/me", 200),
            ("GET", "/v1/cdmos/no-such-profile", 404),
            ("POST", keys_path.as_str(), 201),
            ("GET", keys_path.as_str(), 200),
            ("DELETE", key_path.as_str(), 204),
            ("POST", "/v1/auth/token", 401),
        ]
    );
    assert_eq!(log[5].query.as_deref(), Some("limit=1"));
    assert_eq!(log[2].query, None);
    assert_eq!(
        log[0].request_content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(log[2].request_content_type, None);
    assert!(log[3].body_len > 0, "the problem document is observed");
    assert_eq!(log[6].body_len, 0, "204 has no body");
}

#[tokio::test]
async fn sdk_observer_sees_retried_attempts() {
    let (observer, log) = recorder();
    let (base_url, _) = scripted(|n, _| match n {
        0 => Reply::Json(503, vec![("retry-after", "0".into())], "{}".into()),
        _ => ok(),
    })
    .await;
    let client = Client::builder(base_url)
        .retries(2, Duration::from_millis(1))
        .observe(observer)
        .build()
        .unwrap();
    client.get_health().await.unwrap();
    let statuses: Vec<u16> = log.lock().unwrap().iter().map(|s| s.status).collect();
    assert_eq!(statuses, vec![503, 200], "the retried attempt is observed");
}

#[tokio::test]
async fn sdk_429_with_retry_after_is_retried_after_the_delay() {
    let (base_url, seen) = scripted(|n, _| match n {
        0 => Reply::Json(
            429,
            vec![("retry-after", "1".into())],
            r#"{"type":"about:blank","title":"Too many requests","status":429}"#.into(),
        ),
        _ => ok(),
    })
    .await;
    // The backoff alone would wait at most a millisecond: only Retry-After explains 1 s.
    let client = Client::builder(base_url)
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    let started = Instant::now();
    assert_eq!(client.get_health().await.unwrap().status, "ok");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert_eq!(seen.lock().unwrap().len(), 2);

    // A plain POST is retried on 429 too: the server did not process it.
    let (base_url, seen) = scripted(|n, _| match n {
        0 => Reply::Json(429, vec![("retry-after", "1".into())], "{}".into()),
        _ => ok(),
    })
    .await;
    let client = Client::builder(base_url)
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = client
        .create_match(&MatchRequest {
            split_allocation: None,
            rank_acceptability: None,
            requirements: RequirementSet::default(),
            target_phase: None,
            limit: None,
            excluded_cursor: None,
        })
        .await;
    assert!(started.elapsed() >= Duration::from_millis(950));
    // The canned health body is not a match result; what matters is the second attempt.
    assert_eq!(answer.unwrap_err().status(), Some(200));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body, "the same body is sent again");
}

#[tokio::test]
async fn sdk_if_match_write_is_not_retried_after_the_server_read_it() {
    let (base_url, seen) = scripted(|_, _| Reply::Drop).await;
    let client = Client::builder(&base_url)
        .token("t")
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    let err = client
        .replace_cdmo_profile("p1", 3, &base_profile("Helix"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, cdmx_sdk::Error::Transport(_)),
        "the transport error is surfaced, not a 412: {err:?}"
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.len(),
            1,
            "a write that may have committed is not repeated"
        );
        assert_eq!(seen[0].line, "PUT /v1/cdmos/p1 HTTP/1.1");
        assert_eq!(seen[0].header("if-match"), Some("\"3\""));
    }

    // The same failure on an idempotent read is retried to the limit.
    seen.lock().unwrap().clear();
    assert!(client.get_cdmo_profile("p1").await.is_err());
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn sdk_if_match_write_is_retried_when_provably_not_processed() {
    let (base_url, seen) = scripted(|n, _| match n {
        0 => Reply::Json(429, vec![("retry-after", "0".into())], "{}".into()),
        1 => Reply::Json(503, vec![], "{}".into()),
        _ => Reply::Json(
            412,
            vec![],
            r#"{"type":"urn:cdmx:problem:stale","title":"Precondition failed","status":412}"#
                .into(),
        ),
    })
    .await;
    let client = Client::builder(&base_url)
        .token("t")
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    let err = client
        .replace_cdmo_profile("p1", 3, &base_profile("Helix"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    assert_eq!(seen.lock().unwrap().len(), 3, "429 and 503 were retried");
}

#[tokio::test]
async fn sdk_uses_a_caller_supplied_reqwest_client() {
    let (base_url, seen) = scripted(|_, _| ok()).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-partner", "acme-erp".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .user_agent("acme-erp/2.1")
        .build()
        .unwrap();
    let client = Client::builder(base_url).http_client(http).build().unwrap();
    client.get_health().await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].header("x-partner"), Some("acme-erp"));
    assert_eq!(seen[0].header("user-agent"), Some("acme-erp/2.1"));
}

#[tokio::test]
async fn sdk_paginate_streams_every_item_across_pages() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Keys").await;
    for i in 0..5 {
        org.admin
            .create_api_key(
                org.id(),
                &CreateApiKeyRequest {
                    name: format!("key {i}"),
                    role: None,
                    scopes: None,
                },
            )
            .await
            .unwrap();
    }
    let pages = Arc::new(Mutex::new(0));
    let stream = paginate(|cursor| {
        let (admin, id, pages) = (org.admin.clone(), org.id().to_owned(), pages.clone());
        async move {
            *pages.lock().unwrap() += 1;
            admin
                .list_api_keys(
                    &id,
                    &PageParams {
                        limit: Some(2),
                        cursor,
                    },
                )
                .await
        }
    });
    let keys: Vec<ApiKey> = stream.try_collect().await.unwrap();
    let mut names: Vec<String> = keys.into_iter().map(|k| k.name).collect();
    names.sort();
    assert_eq!(names, ["key 0", "key 1", "key 2", "key 3", "key 4"]);
    assert_eq!(*pages.lock().unwrap(), 3);

    // An error ends the stream after being yielded.
    let failing = paginate(|_| {
        let admin = org.admin.clone();
        async move {
            admin
                .list_api_keys("no-such-org", &PageParams::default())
                .await
        }
    });
    let mut failing = std::pin::pin!(failing);
    assert!(failing.try_next().await.is_err());
    assert!(failing.try_next().await.unwrap().is_none());
}

/// A token endpoint issuing `t1`, `t2`... with `expires_in`, and a health endpoint that
/// refuses the tokens in `refused`.
async fn token_server(
    expires_in: u64,
    refused: &'static [&'static str],
) -> (String, Arc<Mutex<Vec<Request>>>) {
    let issued = Arc::new(Mutex::new(0));
    scripted(move |_, request| {
        if request.line.starts_with("POST /v1/auth/token") {
            let mut issued = issued.lock().unwrap();
            *issued += 1;
            let body = format!(
                r#"{{"access_token":"t{}","token_type":"Bearer","expires_in":{expires_in}}}"#,
                *issued
            );
            return Reply::Json(200, vec![], body);
        }
        let bearer = request.header("authorization").unwrap_or("");
        if refused.iter().any(|t| bearer == format!("Bearer {t}")) {
            Reply::Json(
                401,
                vec![],
                r#"{"type":"urn:cdmx:problem:unauthorized","title":"Unauthorized","status":401}"#
                    .into(),
            )
        } else {
            ok()
        }
    })
    .await
}

fn tokens_used(seen: &Mutex<Vec<Request>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|r| {
            if r.line.starts_with("POST /v1/auth/token") {
                let grant: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                format!("issue:{}", grant["password"].as_str().unwrap_or(""))
            } else {
                r.header("authorization").unwrap_or("").to_owned()
            }
        })
        .collect()
}

#[tokio::test]
async fn sdk_password_login_renews_a_refused_token_once() {
    let (base_url, seen) = token_server(3600, &["t1"]).await;
    let anonymous = Client::builder(base_url).build().unwrap();
    let user = anonymous.login("a@b.co", "secret words").await.unwrap();
    user.get_health().await.unwrap();
    assert_eq!(
        tokens_used(&seen),
        [
            "issue:secret words",
            "Bearer t1",
            "issue:secret words",
            "Bearer t2"
        ]
    );
}

#[tokio::test]
async fn sdk_password_login_renews_a_token_before_it_expires() {
    // A one-second token is renewed after half its life.
    let (base_url, seen) = token_server(1, &[]).await;
    let anonymous = Client::builder(base_url).build().unwrap();
    let user = anonymous.login("a@b.co", "secret words").await.unwrap();
    user.get_health().await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    user.get_health().await.unwrap();
    assert_eq!(
        tokens_used(&seen),
        [
            "issue:secret words",
            "Bearer t1",
            "issue:secret words",
            "Bearer t2"
        ]
    );
}
