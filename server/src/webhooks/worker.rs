//! The delivery worker, run by every process: takes due deliveries from the outbox with
//! a lease, posts each signed event to its endpoint, and records the attempt with what
//! follows (delivered, a retry after backoff, or given up and the endpoint disabled).
//!
//! Several processes on one PostgreSQL share the outbox: a delivery is leased by one
//! worker at a time (see `db::webhooks::claim_due`), and an attempt's result is only
//! written by the worker that still holds the lease. A process that dies mid-attempt
//! leaves a lease that runs out, and another worker (or the same process restarted)
//! sends the delivery again: at least once, never lost.

use std::sync::Arc;
use std::time::Instant;

use cdmx_sdk::types::{AuditAction, AuditObjectKind, WebhookDeliveryState};
use chrono::Utc;
use tokio::task::JoinSet;

use super::{
    GuardedResolver, UrlRefused, WebhookSettings, check_url, jitter, parse_url, retry_delay,
};
use crate::app::views;
use crate::db::audit::{self, Actor, NewAuditEvent};
use crate::db::webhooks::{self as stored, AttemptOutcome, AttemptRow, Claimed};
use crate::db::{Database, new_id, now, write_transaction};
use crate::error::ApiError;

/// How many deliveries one pass takes.
const BATCH: i64 = 32;

/// The client deliveries are posted with: short timeouts, no redirects, and host names
/// resolved only to addresses the outbound guard allows.
fn delivery_client(settings: &WebhookSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(std::time::Duration::from_secs(5)))
        // A redirect is an answer like any other (a failure): following it could
        // reach a host nobody checked.
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(GuardedResolver {
            allow_private: settings.allow_private_addresses,
        })
        .user_agent("cdmx-webhooks/1")
        .build()
}

/// Why a request failed, in words for the delivery log: the outbound guard's refusal
/// when it refused the resolved address.
fn failure(error: &reqwest::Error, timeout: std::time::Duration) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<UrlRefused>() {
            return format!("not sent: {refused}");
        }
        source = cause.source();
    }
    if error.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if error.is_connect() {
        "could not connect to the endpoint".to_owned()
    } else {
        format!("the request failed: {error}")
    }
}

/// One process's delivery worker.
pub struct Worker {
    db: Database,
    settings: WebhookSettings,
    http: reqwest::Client,
    /// Names this worker's leases.
    id: String,
}

impl Worker {
    pub fn new(db: Database, settings: WebhookSettings) -> Result<Arc<Self>, reqwest::Error> {
        let http = delivery_client(&settings)?;
        Ok(Arc::new(Self {
            db,
            settings,
            http,
            id: new_id(),
        }))
    }

    /// Delivers until the task is aborted: a pass whenever a write queued deliveries or
    /// the poll interval passed, at once again while passes find work.
    pub async fn run_forever(self: Arc<Self>) {
        let wake = self.db.deliveries_queued();
        loop {
            match self.clone().pass().await {
                Ok(0) => {
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(self.settings.poll_interval) => {}
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "webhook delivery pass failed");
                    tokio::time::sleep(self.settings.poll_interval).await;
                }
            }
        }
    }

    /// Takes the due deliveries and sends them, each object's in order (a batch holds at
    /// most one per endpoint and object). Returns how many it took.
    pub async fn pass(self: Arc<Self>) -> Result<usize, ApiError> {
        let at = now();
        let lease_until =
            at + chrono::Duration::from_std(self.settings.lease()).map_err(ApiError::internal)?;
        let worker = self.id.clone();
        // Delivery bookkeeping goes through `run`, not `Database::write`: it changes
        // nothing the profile index caches, and counting each poll as a local write would
        // make every process re-read its change counter after every poll.
        let claimed = self
            .db
            .run(move |c| {
                write_transaction(c, |c| stored::claim_due(c, &worker, at, lease_until, BATCH))
            })
            .await?;
        let taken = claimed.len();
        let mut sending = JoinSet::new();
        for delivery in claimed {
            sending.spawn(self.clone().deliver(delivery));
        }
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "recording a webhook attempt failed"),
                Err(error) => tracing::warn!(%error, "a webhook delivery task failed"),
            }
        }
        Ok(taken)
    }

    /// One attempt of one delivery, and its record.
    async fn deliver(self: Arc<Self>, claimed: Claimed) -> Result<(), ApiError> {
        let body = serde_json::to_vec(&views::event(claimed.event.clone())?)
            .map_err(ApiError::internal)?;
        let started = Instant::now();
        let attempted_at = now();
        let answer = self.send(&claimed, &body).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (success, status, error) = match answer {
            Ok(status) if (200..300).contains(&status) => (true, Some(status), None),
            Ok(status) => (
                false,
                Some(status),
                Some(format!("the endpoint answered {status}")),
            ),
            Err(error) => (false, None, Some(error)),
        };
        let attempts = u32::try_from(claimed.delivery.attempts).unwrap_or(0) + 1;
        let retry_for =
            chrono::Duration::from_std(self.settings.retry_for).map_err(ApiError::internal)?;
        let outcome = if success {
            AttemptOutcome::Delivered
        } else if attempted_at >= claimed.delivery.created_at + retry_for {
            AttemptOutcome::GiveUp(format!(
                "a delivery kept failing for {} seconds ({attempts} attempts); the last, at \
                 {}, failed: {}",
                self.settings.retry_for.as_secs(),
                attempted_at.and_utc().to_rfc3339(),
                error.as_deref().unwrap_or("unknown error"),
            ))
        } else {
            let delay = retry_delay(self.settings.retry_base, attempts, jitter());
            AttemptOutcome::Retry(
                attempted_at + chrono::Duration::from_std(delay).map_err(ApiError::internal)?,
            )
        };
        let attempt = AttemptRow {
            id: new_id(),
            delivery_id: claimed.delivery.id.clone(),
            endpoint_id: claimed.endpoint.id.clone(),
            event_id: claimed.event.id.clone(),
            event_type: claimed.event.event_type,
            attempt: i32::try_from(attempts).unwrap_or(i32::MAX),
            attempted_at,
            success,
            response_status: status.map(i32::from),
            latency_ms: i64::try_from(latency_ms).unwrap_or(i64::MAX),
            error,
            delivery_state: match outcome {
                AttemptOutcome::Delivered => WebhookDeliveryState::Delivered,
                AttemptOutcome::Retry(_) => WebhookDeliveryState::Pending,
                AttemptOutcome::GiveUp(_) => WebhookDeliveryState::Failed,
            },
        };
        // The exchange disabling an endpoint is in its owner's audit trail, by nobody.
        let disabled = match &outcome {
            AttemptOutcome::GiveUp(reason) => Some(NewAuditEvent {
                organization_id: claimed.endpoint.organization_id.clone(),
                action: AuditAction::WebhookEndpointDisabled,
                actor: Actor::default(),
                object_kind: AuditObjectKind::WebhookEndpoint,
                object_id: claimed.endpoint.id.clone(),
                client_address: None,
                detail: Some(reason.clone()),
            }),
            _ => None,
        };
        let worker = self.id.clone();
        let recorded = self
            .db
            .run(move |c| {
                write_transaction(c, |c| {
                    let recorded =
                        stored::record_attempt(c, &claimed, &worker, &attempt, &outcome)?;
                    if recorded && let Some(entry) = disabled {
                        audit::record(c, entry)?;
                    }
                    Ok(recorded)
                })
            })
            .await?;
        if !recorded {
            tracing::warn!("a webhook delivery's lease ran out before its attempt was recorded");
        }
        Ok(())
    }

    /// Posts the event; the endpoint's status, or why there was none.
    async fn send(&self, claimed: &Claimed, body: &[u8]) -> Result<u16, String> {
        let endpoint = &claimed.endpoint;
        let url = parse_url(&endpoint.url).map_err(|e| format!("the URL {e}"))?;
        check_url(&url, self.settings.allow_private_addresses)
            .await
            .map_err(|e| format!("not sent: {e}"))?;
        let timestamp = Utc::now().timestamp();
        let id = &claimed.event.id;
        let sign = |secret: &str| {
            cdmx_sdk::webhooks::sign(secret, id, timestamp, body).map_err(|e| e.to_string())
        };
        let mut signatures = vec![sign(&endpoint.secret)?];
        if let (Some(previous), Some(until)) = (
            &endpoint.previous_secret,
            endpoint.previous_secret_expires_at,
        ) && until > now()
        {
            signatures.push(sign(previous)?);
        }
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| failure(&e, self.settings.timeout))?;
        Ok(response.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(allow_private_addresses: bool) -> WebhookSettings {
        WebhookSettings {
            retry_base: std::time::Duration::from_secs(1),
            retry_for: std::time::Duration::from_secs(60),
            timeout: std::time::Duration::from_secs(2),
            poll_interval: std::time::Duration::from_secs(1),
            allow_private_addresses,
        }
    }

    /// The client itself refuses a name that resolves to a loopback address, with no
    /// check before it: what a name re-pointed after [`check_url`] would meet.
    #[tokio::test]
    async fn the_delivery_client_connects_only_to_addresses_the_guard_allows() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        let url = format!("http://localhost:{port}/hook");
        let refused = delivery_client(&settings(false))
            .unwrap()
            .post(&url)
            .send()
            .await
            .unwrap_err();
        let said = failure(&refused, std::time::Duration::from_secs(2));
        assert!(
            said.starts_with("not sent: the host resolves to") && said.contains("non-public"),
            "{said}"
        );
        let allowed = delivery_client(&settings(true))
            .unwrap()
            .post(&url)
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status().as_u16(), 204);
    }
}
