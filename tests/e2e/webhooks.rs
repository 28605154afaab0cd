//! Webhooks (issue 14): endpoints registered by organisation admins get their
//! organisation's events, signed, from a durable outbox: retried with backoff, in order
//! per object, given up after the retry period with the endpoint disabled, never lost
//! across a restart and sent once by several processes. The receiver here is a real
//! HTTP server on port 0 that checks every signature with the SDK.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cdmx::config::Settings;
use cdmx_e2e::{OrgFixture, TestApp, expect_problem};
use cdmx_sdk::types::*;
use cdmx_sdk::webhooks::verify_webhook;

use crate::capacity::{block, cdmo, status};

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// What the receiver answered.
    answered: u16,
}

impl Received {
    fn event(&self) -> Event {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct ReceiverState {
    secret: Mutex<Option<String>>,
    /// Answer 500 to this many requests before accepting.
    fail_next: AtomicUsize,
    received: Mutex<Vec<Received>>,
}

/// A webhook receiver on 127.0.0.1, port 0: it verifies each delivery with the SDK
/// (401 when the signature does not verify), fails on request, and records everything.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
    handle: actix_web::dev::ServerHandle,
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let secret = state.secret.lock().unwrap().clone();
    let verified = secret.is_some_and(|s| verify_webhook(&s, &headers, &body).is_ok());
    let answered = if !verified {
        401
    } else if state
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        500
    } else {
        200
    };
    state.received.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

impl Receiver {
    async fn start() -> Self {
        let state = web::Data::new(ReceiverState::default());
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{address}/hooks/cdmx"),
            state: state.into_inner(),
            handle,
        }
    }

    fn trust(&self, secret: &str) {
        *self.state.secret.lock().unwrap() = Some(secret.to_owned());
    }

    fn fail_next(&self, n: usize) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The events accepted (answered 200), in arrival order.
    fn accepted(&self) -> Vec<Event> {
        self.received()
            .iter()
            .filter(|r| r.answered == 200)
            .map(Received::event)
            .collect()
    }

    async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// Settings for a server that may call the loopback receiver and retries quickly.
fn quick(settings: &mut Settings) {
    settings.webhook_allow_private_addresses = true;
    settings.webhook_retry_base_ms = 50;
    settings.webhook_poll_interval_ms = 20;
    settings.webhook_timeout_ms = 2000;
}

/// Waits (up to a minute) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not reached within a minute: {what}");
}

/// Registers `receiver` for `org`'s events of `types` (empty: all) and trusts its secret.
async fn register(org: &OrgFixture, receiver: &Receiver, types: Vec<EventType>) -> WebhookEndpoint {
    let endpoint = org
        .admin
        .create_webhook(&NewWebhookEndpoint {
            url: receiver.url.clone(),
            event_types: types,
            enabled: None,
        })
        .await
        .unwrap();
    receiver.trust(
        endpoint
            .secret
            .as_deref()
            .expect("the secret is shown at creation"),
    );
    endpoint
}

async fn all_attempts(org: &OrgFixture, endpoint_id: &str) -> Vec<WebhookAttempt> {
    org.admin
        .list_webhook_deliveries(
            endpoint_id,
            &PageParams {
                limit: Some(200),
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items
}

/// An endpoint's entries in its organisation's audit trail, oldest first: the action,
/// who did it and the detail.
async fn trail_of(
    org: &OrgFixture,
    endpoint_id: &str,
) -> Vec<(AuditAction, Option<String>, Option<String>)> {
    let page = org
        .admin
        .list_audit_events(&AuditEventFilter {
            object_id: Some(endpoint_id.to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    page.items
        .into_iter()
        .rev()
        .map(|e| {
            assert_eq!(e.object_kind, AuditObjectKind::WebhookEndpoint);
            (e.action, e.actor_id, e.detail)
        })
        .collect()
}

async fn feed_of(org: &OrgFixture, types: &[EventType]) -> Vec<Event> {
    org.admin
        .list_events(&EventFilter {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| types.is_empty() || types.contains(&e.event_type))
        .collect()
}

#[tokio::test]
async fn deliveries_are_signed_in_order_per_object_and_listed_with_their_attempts() {
    let app = TestApp::spawn_with(quick).await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let capacity = [EventType::CapacityPublished, EventType::CapacityChanged];
    let endpoint = register(&helix, &receiver, capacity.to_vec()).await;
    assert!(endpoint.enabled);
    assert_eq!(endpoint.event_types, capacity);
    assert!(endpoint.secret.as_deref().unwrap().starts_with("whsec_"));
    // The secret is shown once.
    assert_eq!(
        helix.admin.get_webhook(&endpoint.id).await.unwrap().secret,
        None
    );

    // The first delivery of the block fails twice: its later changes wait behind it.
    receiver.fail_next(2);
    let first = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    for slots in [4, 5] {
        helix
            .admin
            .change_capacity_block(
                &first.id,
                &CapacityBlockChange {
                    slots: Some(slots),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    // The second block once the first's are through, so that the failures are the first's.
    eventually("the first block's events accepted", || {
        receiver.accepted().len() >= 3
    })
    .await;
    let second = helix
        .admin
        .create_capacity_block(&profile.id, &block(2))
        .await
        .unwrap();
    // Not subscribed: not delivered.
    helix.admin.delete_capacity_block(&second.id).await.unwrap();

    let expected = feed_of(&helix, &capacity).await;
    assert_eq!(expected.len(), 4, "{expected:?}");
    eventually("every capacity event accepted", || {
        receiver.accepted().len() >= 4
    })
    .await;
    let accepted = receiver.accepted();
    let ids = |events: &[Event]| events.iter().map(|e| e.id.clone()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&accepted), ids(&expected));
    assert_eq!(accepted.len(), 4, "each event accepted once: {accepted:?}");
    // Each body is the event as the feed shows it, and `webhook-id` is its id.
    let feed: BTreeMap<_, _> = expected.iter().map(|e| (e.id.clone(), e.clone())).collect();
    for received in receiver.received() {
        let event = received.event();
        assert_eq!(received.header("webhook-id"), event.id);
        assert_eq!(feed[&event.id], event);
        assert_eq!(received.header("content-type"), "application/json");
    }
    // Per object, in feed order, failures included: the first block's change was not
    // sent before its publication was accepted.
    let first_block: Vec<(i64, u16)> = receiver
        .received()
        .iter()
        .filter(|r| r.event().object.id == first.id)
        .map(|r| (r.event().sequence, r.answered))
        .collect();
    let sequences: Vec<i64> = first_block.iter().map(|(s, _)| *s).collect();
    let mut sorted = sequences.clone();
    sorted.sort();
    assert_eq!(sequences, sorted, "{first_block:?}");
    assert_eq!(
        first_block.iter().map(|(_, a)| *a).collect::<Vec<_>>(),
        [500, 500, 200, 200, 200]
    );

    // The attempts are listed: six, the two failures with the endpoint's status.
    let attempts = all_attempts(&helix, &endpoint.id).await;
    assert_eq!(attempts.len(), 6, "{attempts:?}");
    let failed: Vec<_> = attempts.iter().filter(|a| !a.success).collect();
    assert_eq!(failed.len(), 2, "{attempts:?}");
    assert!(failed.iter().all(|a| a.response_status == Some(500)
        && a.delivery_state == WebhookDeliveryState::Pending
        && a.error.as_deref() == Some("the endpoint answered 500")));
    assert!(
        attempts
            .iter()
            .filter(|a| a.success)
            .all(|a| a.response_status == Some(200)
                && a.delivery_state == WebhookDeliveryState::Delivered)
    );
    let endpoint = helix.admin.get_webhook(&endpoint.id).await.unwrap();
    assert_eq!(endpoint.consecutive_failures, 0);
    receiver.stop().await;
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_the_event_once_more_after_backoff() {
    let app = TestApp::spawn_with(quick).await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let endpoint = register(&helix, &receiver, vec![EventType::CapacityPublished]).await;
    receiver.fail_next(3);
    let published = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    eventually("the event accepted", || !receiver.accepted().is_empty()).await;
    let received = receiver.received();
    assert_eq!(
        received.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 500, 200]
    );
    assert!(received.iter().all(|r| r.event().object.id == published.id));
    let ids: BTreeSet<_> = received
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt carries the event's id");
    // Each retry waited longer than the one before (base 50 ms, x4, jitter 0.8 to 1.2).
    let mut attempts = Vec::new();
    for _ in 0..1200 {
        attempts = all_attempts(&helix, &endpoint.id).await;
        if attempts.len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let gaps: Vec<i64> = attempts
        .windows(2)
        .map(|w| (w[1].attempted_at - w[0].attempted_at).num_milliseconds())
        .collect();
    assert!(
        gaps[0] >= 40 && gaps[1] >= 160 && gaps[2] >= 640,
        "{gaps:?}"
    );
    assert_eq!(attempts[3].delivery_state, WebhookDeliveryState::Delivered);
    receiver.stop().await;
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_given_up_and_disabled_with_its_reason() {
    let app = TestApp::spawn_with(|s| {
        quick(s);
        s.webhook_retry_for_seconds = 1;
    })
    .await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let endpoint = register(&helix, &receiver, Vec::new()).await;
    receiver.fail_next(usize::MAX);
    helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    let mut disabled = endpoint.clone();
    for _ in 0..1200 {
        disabled = helix.admin.get_webhook(&endpoint.id).await.unwrap();
        if !disabled.enabled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!disabled.enabled, "{disabled:?}");
    let reason = disabled.disabled_reason.clone().unwrap();
    assert!(reason.contains("the endpoint answered 500"), "{reason}");
    assert!(disabled.consecutive_failures >= 2, "{disabled:?}");
    let attempts = all_attempts(&helix, &endpoint.id).await;
    assert_eq!(
        attempts.last().unwrap().delivery_state,
        WebhookDeliveryState::Failed
    );
    assert!(attempts.iter().all(|a| !a.success));
    // A disabled endpoint is sent nothing.
    let before = receiver.received().len();
    helix
        .admin
        .create_capacity_block(&profile.id, &block(4))
        .await
        .unwrap();
    assert_eq!(
        all_attempts(&helix, &endpoint.id).await.len(),
        attempts.len()
    );
    // Enabled again, it clears the reason and takes new events.
    receiver.fail_next(0);
    let enabled = helix
        .admin
        .update_webhook(
            &endpoint.id,
            &WebhookEndpointChange {
                enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(enabled.enabled && enabled.disabled_reason.is_none());
    let last = helix
        .admin
        .create_capacity_block(&profile.id, &block(5))
        .await
        .unwrap();
    eventually("a new event accepted", || {
        receiver.accepted().iter().any(|e| e.object.id == last.id)
    })
    .await;
    assert!(receiver.received().len() > before);
    receiver.stop().await;

    // The trail shows who did what to the endpoint: the exchange disabled it, nobody
    // by name, saying why.
    helix.admin.delete_webhook(&endpoint.id).await.unwrap();
    let trail = trail_of(&helix, &endpoint.id).await;
    let admin = Some(helix.admin_user.id.clone());
    assert_eq!(
        trail,
        vec![
            (
                AuditAction::WebhookEndpointCreated,
                admin.clone(),
                Some(endpoint.url.clone())
            ),
            (AuditAction::WebhookEndpointDisabled, None, Some(reason)),
            (
                AuditAction::WebhookEndpointChanged,
                admin.clone(),
                Some("enabled: true".to_owned())
            ),
            (AuditAction::WebhookEndpointDeleted, admin, None),
        ]
    );
}

#[tokio::test]
async fn private_and_malformed_urls_are_refused_naming_url_and_nothing_is_written() {
    // The default: private addresses refused.
    let app = TestApp::spawn().await;
    let helix = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let token = helix.token().await;
    let http = reqwest::Client::new();
    for url in [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "https://10.0.0.7/hooks",
        "https://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "ftp://203.0.113.10/hooks",
        "not a url",
        "https://user:pass@203.0.113.10/hooks",
    ] {
        let response = http
            .post(app.url("/v1/webhooks"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "url": url }))
            .send()
            .await
            .unwrap();
        let problem = expect_problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem.errors[0].field, "url", "{url}: {problem:?}");
    }
    assert_eq!(
        status(
            helix
                .admin
                .create_webhook(&NewWebhookEndpoint {
                    url: "http://192.168.1.20/hooks".into(),
                    ..Default::default()
                })
                .await
        ),
        422
    );
    let listed = helix
        .admin
        .list_webhooks(&PageParams::default())
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "{listed:?}");
    // A public address is accepted (registered disabled: nothing is sent), and changing
    // it to a private one is refused the same way, changing nothing.
    let endpoint = helix
        .admin
        .create_webhook(&NewWebhookEndpoint {
            url: "https://203.0.113.10/hooks".into(),
            event_types: Vec::new(),
            enabled: Some(false),
        })
        .await
        .unwrap();
    assert_eq!(
        status(
            helix
                .admin
                .update_webhook(
                    &endpoint.id,
                    &WebhookEndpointChange {
                        url: Some("http://127.0.0.1/hooks".into()),
                        ..Default::default()
                    },
                )
                .await
        ),
        422
    );
    assert_eq!(
        helix.admin.get_webhook(&endpoint.id).await.unwrap().url,
        "https://203.0.113.10/hooks"
    );
    // Members may not manage webhooks.
    let member = helix
        .admin
        .create_user(
            helix.id(),
            &CreateUserRequest {
                email: "member@helix.example".into(),
                password: cdmx_e2e::PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    let member = app
        .client
        .login(&member.email, cdmx_e2e::PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        status(member.list_webhooks(&PageParams::default()).await),
        403
    );
}

#[tokio::test]
async fn rotating_the_secret_signs_with_both_during_the_overlap_and_events_can_be_redelivered() {
    let app = TestApp::spawn_with(quick).await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    let endpoint = register(&helix, &receiver, Vec::new()).await;
    let old_secret = endpoint.secret.clone().unwrap();
    let rotated = helix
        .admin
        .rotate_webhook_secret(
            &endpoint.id,
            &SecretRotationParams {
                overlap_seconds: Some(3600),
            },
        )
        .await
        .unwrap();
    let new_secret = rotated.secret.clone().unwrap();
    assert_ne!(new_secret, old_secret);
    assert!(rotated.previous_secret_expires_at.is_some());
    let rotation = trail_of(&helix, &endpoint.id).await.pop().unwrap();
    assert_eq!(
        rotation,
        (
            AuditAction::WebhookSecretRotated,
            Some(helix.admin_user.id.clone()),
            Some("the previous secret keeps signing for 3600 seconds".to_owned())
        )
    );
    let b1 = helix
        .admin
        .create_capacity_block(&profile.id, &block(3))
        .await
        .unwrap();
    eventually("the first event accepted", || {
        receiver.accepted().len() == 1
    })
    .await;
    let first = receiver.received().pop().unwrap();
    assert_eq!(first.header("webhook-signature").split(' ').count(), 2);
    for secret in [&old_secret, &new_secret] {
        assert_eq!(verify_webhook(secret, &first.headers, &first.body), Ok(()));
    }
    // Without overlap the previous secret stops signing at once.
    let again = helix
        .admin
        .rotate_webhook_secret(
            &endpoint.id,
            &SecretRotationParams {
                overlap_seconds: Some(0),
            },
        )
        .await
        .unwrap();
    let newest = again.secret.clone().unwrap();
    receiver.trust(&newest);
    assert_eq!(again.previous_secret_expires_at, None);
    assert_eq!(
        status(
            helix
                .admin
                .rotate_webhook_secret(
                    &endpoint.id,
                    &SecretRotationParams {
                        overlap_seconds: Some(604_801),
                    },
                )
                .await
        ),
        422
    );
    helix
        .admin
        .create_capacity_block(&profile.id, &block(4))
        .await
        .unwrap();
    eventually("the second event accepted", || {
        receiver.accepted().len() == 2
    })
    .await;
    let second = receiver.received().pop().unwrap();
    assert_eq!(second.header("webhook-signature").split(' ').count(), 1);
    assert!(verify_webhook(&new_secret, &second.headers, &second.body).is_err());
    assert_eq!(
        verify_webhook(&newest, &second.headers, &second.body),
        Ok(())
    );

    // Redelivery: the first event once more, with its id.
    let event = first.event();
    assert_eq!(event.object.id, b1.id);
    let delivery = helix
        .admin
        .redeliver_webhook_event(&endpoint.id, &event.id)
        .await
        .unwrap();
    assert_eq!(delivery.state, WebhookDeliveryState::Pending);
    assert_eq!(delivery.event_id, event.id);
    eventually("the redelivery accepted", || receiver.accepted().len() == 3).await;
    assert_eq!(receiver.accepted()[2], event);
    // Another organisation's event, or an unknown one, is not found.
    let other = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let other_event = other
        .admin
        .list_events(&Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        status(
            helix
                .admin
                .redeliver_webhook_event(&endpoint.id, "nope")
                .await
        ),
        404
    );
    if let Some(e) = other_event.first() {
        assert_eq!(
            status(
                helix
                    .admin
                    .redeliver_webhook_event(&endpoint.id, &e.id)
                    .await
            ),
            404
        );
    }
    // Deleted, it is gone and sent nothing more.
    helix.admin.delete_webhook(&endpoint.id).await.unwrap();
    assert_eq!(status(helix.admin.get_webhook(&endpoint.id).await), 404);
    receiver.stop().await;
}

/// Makes `n` capacity events on `org`'s feed; returns their event ids.
async fn publish_blocks(org: &OrgFixture, profile_id: &str, n: usize) -> BTreeSet<String> {
    let mut objects = BTreeSet::new();
    for _ in 0..n {
        objects.insert(
            org.admin
                .create_capacity_block(profile_id, &block(2))
                .await
                .unwrap()
                .id,
        );
    }
    feed_of(org, &[EventType::CapacityPublished])
        .await
        .into_iter()
        .filter(|e| objects.contains(&e.object.id))
        .map(|e| e.id)
        .collect()
}

#[tokio::test]
async fn stopping_the_server_mid_backlog_loses_nothing() {
    let app = TestApp::spawn_with(quick).await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    register(&helix, &receiver, vec![EventType::CapacityPublished]).await;
    // The receiver is down for now: a backlog builds up.
    receiver.fail_next(usize::MAX);
    let expected = publish_blocks(&helix, &profile.id, 12).await;
    assert_eq!(expected.len(), 12);
    eventually("attempts under way", || !receiver.received().is_empty()).await;
    app.stop().await;
    // Back up, and served by a new process on the same database.
    receiver.fail_next(0);
    let _restarted = app.second_server_with(quick).await;
    eventually("every event accepted after the restart", || {
        receiver
            .accepted()
            .iter()
            .map(|e| e.id.clone())
            .collect::<BTreeSet<_>>()
            == expected
    })
    .await;
    receiver.stop().await;
}

#[tokio::test]
async fn two_processes_on_one_database_deliver_each_event_once() {
    let app = TestApp::spawn_with(quick).await;
    let _second = app.second_server_with(quick).await;
    let receiver = Receiver::start().await;
    let (helix, profile) = cdmo(&app, "Helix").await;
    register(&helix, &receiver, vec![EventType::CapacityPublished]).await;
    let expected = publish_blocks(&helix, &profile.id, 30).await;
    assert_eq!(expected.len(), 30);
    eventually("every event accepted", || receiver.accepted().len() >= 30).await;
    let accepted: Vec<String> = receiver.accepted().into_iter().map(|e| e.id).collect();
    assert_eq!(accepted.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(accepted.len(), 30, "an event was delivered twice");
    assert_eq!(receiver.received().len(), 30);
    receiver.stop().await;
}
