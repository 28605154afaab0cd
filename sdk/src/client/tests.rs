//! Unit tests of the send path against scripted local servers.

use std::time::Duration;

use super::*;
use crate::types::{NewUser, OrganizationKind, Page, SignUpRequest};

#[test]
fn path_segments_are_encoded() {
    assert_eq!(segment("0190-abc"), "0190-abc");
    assert_eq!(segment("../admin"), "..%2Fadmin");
    assert_eq!(segment("a b?c"), "a%20b%3Fc");
}

#[test]
fn base_url_must_be_http() {
    assert!(matches!(
        Client::builder("ftp://x").build(),
        Err(Error::InvalidBaseUrl(_))
    ));
    assert!(Client::builder("http://127.0.0.1:8080/").build().is_ok());
}

/// A server that answers each connection with the next of `statuses` (then 200s) and
/// counts the requests it saw.
async fn scripted_server(
    statuses: Vec<u16>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let status = statuses.get(n).copied().unwrap_or(200);
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let body = if status == 200 {
                r#"{"status":"ok","version":"test"}"#.to_owned()
            } else {
                format!(
                    r#"{{"type":"urn:cdmx:problem:unavailable","title":"Service unavailable","status":{status}}}"#
                )
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (address, seen)
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_503_with_backoff() {
    let (address, seen) = scripted_server(vec![503, 503]).await;
    let client = Client::builder(address)
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    assert_eq!(client.get_health().await.unwrap().status, "ok");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_stop_at_the_limit_with_the_problem() {
    let (address, seen) = scripted_server(vec![503; 10]).await;
    let client = Client::builder(address)
        .retries(2, Duration::from_millis(1))
        .build()
        .unwrap();
    let err = client.get_health().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.problem().unwrap().problem_type,
        "urn:cdmx:problem:unavailable"
    );
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn non_idempotent_requests_are_not_retried() {
    let (address, seen) = scripted_server(vec![503; 10]).await;
    let client = Client::builder(address)
        .retries(3, Duration::from_millis(1))
        .build()
        .unwrap();
    let request = SignUpRequest {
        name: "A".into(),
        kind: OrganizationKind::Sponsor,
        admin: NewUser {
            email: "a@b.co".into(),
            password: "correct horse battery".into(),
        },
    };
    assert_eq!(
        client
            .create_organization(&request)
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder(address)
        .retries(2, Duration::from_millis(1))
        .build()
        .unwrap();
    assert!(matches!(
        client.get_health().await,
        Err(Error::Transport(_))
    ));
}

#[tokio::test]
async fn collect_pages_follows_cursors_to_the_end() {
    let pages = [
        (vec![1, 2], Some("a")),
        (vec![3], Some("b")),
        (vec![], None),
    ];
    let seen = std::sync::Mutex::new(Vec::new());
    let all = collect_pages(|cursor| {
        seen.lock().unwrap().push(cursor.clone());
        let index = seen.lock().unwrap().len() - 1;
        let (items, next) = pages[index].clone();
        async move {
            Ok(Page {
                items,
                next_cursor: next.map(str::to_owned),
            })
        }
    })
    .await
    .unwrap();
    assert_eq!(all, vec![1, 2, 3]);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![None, Some("a".to_owned()), Some("b".to_owned())]
    );
}
