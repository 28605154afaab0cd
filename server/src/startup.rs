//! Builds the application: state, middleware, routes, and the listening server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Server, ServerHandle, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::extract::{self, BodyLimit};
use crate::api::{self, edge, fallback};
use crate::auth::passwords::HashingPool;
use crate::auth::token_versions::TokenVersionCache;
use crate::auth::tokens::TokenService;
use crate::config::Settings;
use crate::db::idempotency;
use crate::db::reservations::{self, HoldLimits};
use crate::db::{Database, StoreError, now, write_transaction, write_transaction_or_refuse};
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::profile_index::ProfileIndex;
use crate::profile_reads::ProfileReads;
use crate::webhooks::WebhookSettings;
use crate::webhooks::worker::Worker;
use crate::{app, openapi, telemetry};

/// What every handler can reach.
pub struct AppState {
    pub db: Database,
    pub tokens: TokenService,
    /// Users' token states, briefly cached; revocations here update it at once.
    pub token_versions: TokenVersionCache,
    /// Current profiles, for search and matching; refreshed from the change counter.
    pub profiles: ProfileIndex,
    /// How long reads trust the index without reading the change counter, and the
    /// serialised profile responses they reuse.
    pub profile_reads: ProfileReads,
    pub hold_limits: HoldLimits,
    /// Request counters for `GET /metrics`.
    pub metrics: Metrics,
    /// The token `GET /metrics` requires; absent, it is off.
    pub metrics_token: Option<String>,
    /// Rate limits and the failed sign-in slow-down, per process.
    pub limits: Arc<Limits>,
    /// Where every password is hashed and verified, a bounded number at once.
    pub passwords: HashingPool,
    /// How webhooks are delivered, and which URLs they may call.
    pub webhooks: WebhookSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    address: String,
    server: Server,
    db: Database,
    sweeper: tokio::task::JoinHandle<()>,
    tidier: tokio::task::JoinHandle<()>,
    watch_checker: tokio::task::JoinHandle<()>,
    webhook_worker: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Opens (and migrates) the database, binds the listener and prepares the server.
    /// With port 0 in `bind`, the system picks a free port: see [`Application::address`].
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let url = settings.database_url.clone();
        let pool_size = settings.database_pool_size;
        let checkout_timeout = Duration::from_millis(settings.db_checkout_timeout_ms);
        let db = tokio::task::spawn_blocking(move || {
            Database::connect_with_timeout(&url, pool_size, checkout_timeout)
        })
        .await
        .map_err(|e| StartupError::Other(e.to_string()))??;
        Self::build_with_database(settings, db)
    }

    pub fn build_with_database(settings: Settings, db: Database) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| StartupError::Other(e.to_string()))?;
        let tokens =
            TokenService::new(&settings).map_err(|e| StartupError::Other(e.to_string()))?;
        let limits = Arc::new(Limits::from_settings(&settings));
        let tidier = tokio::spawn(tidy_limits_forever(limits.clone()));
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens,
            token_versions: TokenVersionCache::new(
                settings.token_check_cache_ttl(),
                TokenVersionCache::DEFAULT_CAPACITY,
            ),
            profiles: ProfileIndex::new(),
            profile_reads: ProfileReads::new(
                settings.index_freshness_window(),
                settings.profile_cache_bytes,
            ),
            hold_limits: HoldLimits {
                per_block: i64::from(settings.max_held_slots_per_block),
                total: i64::from(settings.max_held_slots_total),
                ttl: chrono::Duration::seconds(
                    i64::try_from(settings.hold_ttl_seconds).unwrap_or(i64::MAX),
                ),
            },
            metrics: Metrics::new(),
            metrics_token: settings.metrics_token.clone(),
            limits,
            passwords: HashingPool::new(
                settings.password_hash_slot_count(),
                settings.password_hash_queue_wait(),
            ),
            webhooks: WebhookSettings::from_settings(&settings),
        });
        let worker = Worker::new(db.clone(), WebhookSettings::from_settings(&settings))
            .map_err(|e| StartupError::Other(format!("webhook client: {e}")))?;
        let webhook_worker = tokio::spawn(worker.run_forever());
        let sweeper = tokio::spawn(sweep_forever(
            db.clone(),
            Duration::from_secs(settings.sweep_interval_seconds),
        ));
        let watch_checker = tokio::spawn(check_watches_forever(
            state.clone(),
            Duration::from_millis(settings.watch_check_interval_ms),
        ));
        let document = Arc::new(openapi::document());
        let routes = web::Data::new(fallback::RouteTable::from_openapi(&document));
        let body_limit = settings.body_limit_bytes;
        let cors_origins = settings.cors_origins.clone();

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(routes.clone())
                .app_data(BodyLimit(body_limit))
                .app_data(web::PayloadConfig::new(body_limit))
                .into_utoipa_app()
                .configure(api::routes)
                .into_app()
                .service(web::redirect("/docs", "/docs/"))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").external_urls_from_iter_unchecked([(
                        "/openapi.json",
                        (*document).clone(),
                    )]),
                )
                .default_service(web::to(fallback::unmatched))
                .wrap(from_fn(extract::not_modified))
                .wrap(from_fn(api::audit::record_refusals))
                // Inside the error handlers, so that CORS rejections become problems too.
                .wrap(cors(&cors_origins))
                .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
                .wrap(from_fn(edge::head_limits))
                .wrap(from_fn(telemetry::request_id_middleware))
                .wrap(from_fn(edge::security_headers))
        })
        .shutdown_timeout(settings.shutdown_timeout_seconds)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind.clone(),
            source,
        })?;
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        Ok(Self {
            address: local.to_string(),
            server: server.run(),
            db,
            sweeper,
            tidier,
            watch_checker,
            webhook_worker,
        })
    }

    /// The database the server uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// `host:port` actually bound.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Stops the server: `graceful` lets in-flight requests finish.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped. SIGTERM and SIGINT stop it gracefully: in-flight requests
    /// finish (within the shutdown timeout), new connections are refused.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.sweeper.abort();
        self.tidier.abort();
        self.watch_checker.abort();
        self.webhook_worker.abort();
        served
    }
}

/// Expires lapsed holds and purges old idempotency keys, every `interval`. Correctness
/// never depends on it (availability ignores lapsed holds at once); it keeps stored
/// states and counters tidy, and records the expiries as events.
async fn sweep_forever(db: Database, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let swept = db
            .run(move |c| Ok(sweep_once(c)))
            .await
            .map_err(ApiError::from)
            .and_then(|swept| swept);
        match swept {
            Ok(0) => {}
            Ok(blocks) => tracing::info!(blocks, "expired lapsed holds"),
            Err(error) => tracing::warn!(%error, "hold sweep failed"),
        }
    }
}

/// One sweep: each block's lapsed holds expire in a transaction of their own, with
/// their events, and so does each lapsed RFI and quote; unlistings whose relist day has
/// come are cleared. Returns how many blocks had lapsed holds.
fn sweep_once(c: &mut crate::db::DbConnection) -> Result<usize, ApiError> {
    let at = now();
    let due = reservations::blocks_with_due_holds(c, at, 500)?;
    for block in &due {
        write_transaction_or_refuse(c, |c| app::reservations::expire_lapsed(c, block, at))?;
    }
    app::rfis::expire_lapsed(c, at)?;
    app::listing::clear_lapsed_unlistings(c, at)?;
    write_transaction(c, |c| idempotency::purge_keys(c, at))?;
    Ok(due.len())
}

/// Checks capacity watches against the CDMOs whose capacity changed, every `interval`
/// (at once again while a pass found work). Every process runs it; the queue's row locks
/// share the work out (see `app::watches`).
async fn check_watches_forever(state: web::Data<AppState>, interval: Duration) {
    loop {
        match app::watches::check_queued(&state).await {
            Ok(0) => tokio::time::sleep(interval).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "capacity watch check failed");
                tokio::time::sleep(interval).await;
            }
        }
    }
}

/// Drops idle rate-limit keys every minute, so that memory follows current traffic.
async fn tidy_limits_forever(limits: Arc<Limits>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(60));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        limits.tidy();
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            telemetry::REQUEST_ID_HEADER,
        ])
        .expose_headers([
            telemetry::REQUEST_ID_HEADER,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("ratelimit"),
            header::HeaderName::from_static("ratelimit-policy"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Any error answer that is not yet a problem document (one produced inside actix or a
/// middleware rather than by our handlers) becomes one, so clients meet one error format.
fn problem_for_bare_errors<B>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    if is_problem || response.status().as_u16() < 400 {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    // An error raised inside actix or a middleware (a CORS rejection) says what it was.
    let cause = response.response().error().map(ToString::to_string);
    let error = match status.as_u16() {
        400 => ApiError::BadRequest {
            detail: cause.unwrap_or_else(|| "the request could not be read".into()),
            errors: Vec::new(),
        },
        401 => ApiError::Unauthorized("authentication required".into()),
        403 => ApiError::Forbidden(cause.unwrap_or_else(|| "not allowed".into())),
        404 => ApiError::RouteNotFound,
        413 => ApiError::PayloadTooLarge { limit: 0 },
        415 => ApiError::UnsupportedMediaType("unsupported media type".into()),
        503 => ApiError::Unavailable("temporarily unavailable".into()),
        _ => ApiError::internal(format!("unhandled error status {status}")),
    };
    let mut problem = crate::api::problem::stamped(&error);
    problem.status = status.as_u16();
    let (request, original) = response.into_parts();
    let mut answer = HttpResponse::build(status);
    // Keep what the inner layers said about the response (CORS, Allow, Vary...).
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.append_header((name.clone(), value.clone()));
        }
    }
    let body: HttpResponse<BoxBody> = answer.content_type(PROBLEM_CONTENT_TYPE).json(problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, body).map_body(|_, b| EitherBody::right(b)),
    ))
}
