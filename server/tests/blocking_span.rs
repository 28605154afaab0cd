//! Work moved onto tokio's blocking threads (queries, password hashing, report
//! rendering) logs inside the request's span, so its lines carry the request id. Its own
//! test binary: it installs a process-wide subscriber, which the blocking threads see.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use tracing::Instrument;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Records, for each event, the name of the span it was logged in.
#[derive(Clone, Default)]
struct SpanOfEvents(Arc<Mutex<Vec<Option<String>>>>);

impl<S> tracing_subscriber::Layer<S> for SpanOfEvents
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let span = ctx.event_span(event).map(|s| s.name().to_owned());
        self.0.lock().unwrap().push(span);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_work_logs_inside_the_callers_span() {
    let recorded = SpanOfEvents::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorded.clone()))
        .unwrap();

    let request = tracing::info_span!("request", request_id = "r-1");
    async {
        cdmx::telemetry::blocking(|| tracing::info!("through telemetry::blocking"))
            .await
            .unwrap();
        // The control: tokio's own spawn_blocking loses the span, which is why the
        // helper exists. If it did not, this test could not tell the two apart.
        tokio::task::spawn_blocking(|| tracing::info!("through spawn_blocking"))
            .await
            .unwrap();
    }
    .instrument(request)
    .await;

    let spans = recorded.0.lock().unwrap().clone();
    assert_eq!(spans, [Some("request".to_owned()), None]);
}
