//! `passgate serve`: passgate as SFTPGo's HTTP external auth and check-password hook.
//!
//! - `POST /sftpgo/external-auth`, `POST /sftpgo/check-password`: SFTPGo's JSON bodies in,
//!   its answers out (status 200). A malformed, oversized (> 1 MiB) or unauthorised request
//!   gets a 4xx naming what is wrong and never echoing a field; a full queue 503 at once.
//! - `/http-basic…`: HTTP Basic for a reverse proxy's auth subrequest (nginx
//!   `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`), one realm per
//!   `[[http_basic]]` prefix: see [`http_basic`].
//! - `GET /healthz`: 200 while serving, 503 once shutting down.
//! - `GET /metrics`: Prometheus text format.
//!
//! Verifications run on a [`pool`] of one thread per core behind a bounded queue; the HTTP
//! side runs on a small tokio runtime and never verifies. SIGTERM or SIGINT: stop
//! accepting, let requests in flight finish (up to 30 s), exit. SIGHUP: read every legacy
//! source in use again (`[source]`, and each `[sources.NAME]` a realm names). Each is also
//! read again when its file changes.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Args;
use passgate::answer::{
    Accounts, AnswerError, Answerer, Attempt, CheckPasswordRequest, ExternalAuthRequest,
    HeaderAuth, HttpBasicRealm, LegacySource, Reload, RequestError, SourceError,
};
use passgate::hooks::{Config, MAX_OUTPUT};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::audit::{self, LogFormat};

mod http_basic;
mod metrics;
pub(crate) mod pool;

use self::metrics::{AttemptLabels, HookLabel, Metrics, ReloadLabels, SourceLabel};
use self::pool::{Full, Pool};

/// How long in-flight requests may take to finish after SIGTERM.
const GRACE: Duration = Duration::from_secs(30);

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// The configuration: `[serve]` (address, TLS, required header, workers, queue,
    /// answers), `[source]` (the legacy accounts), `[[http_basic]]` (realms, each with its
    /// `[sources.NAME]` or `[source]`) and `[policy]`.
    #[arg(long, value_name = "FILE", default_value = "passgate.toml")]
    config: PathBuf,
    /// The format of audit and service lines on standard error.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

struct Service {
    answerer: Answerer,
    /// The legacy sources in use, by section: `source` for `[source]`, `sources.NAME`.
    sources: BTreeMap<String, Arc<LegacySource>>,
    /// The HTTP Basic realms, each naming a source in `sources`.
    realms: Vec<HttpBasicRealm>,
    pool: Pool,
    metrics: Metrics,
    auth: Option<HeaderAuth>,
    log: LogFormat,
    serving: AtomicBool,
}

/// The section of a source: `source` for `[source]` (`None`), `sources.NAME`.
fn section(name: Option<&str>) -> String {
    name.map_or_else(|| "source".to_owned(), |n| format!("sources.{n}"))
}

impl Service {
    /// `[source]`, which SFTPGo's hooks answer from.
    fn source(&self) -> Option<&Arc<LegacySource>> {
        self.sources.get("source")
    }

    fn accounts(&self) -> &dyn Accounts {
        match self.source() {
            Some(s) => &**s,
            None => &(),
        }
    }
}

pub(crate) fn run(args: &ServeArgs) -> anyhow::Result<u8> {
    let config = Config::load(&args.config)
        .with_context(|| format!("configuration {}", args.config.display()))?;
    // Several crates may pull rustls providers in; ring is the one passgate uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let metrics = Metrics::new();
    // `[source]` when present, and every source a realm names.
    let mut wanted = BTreeMap::new();
    if let Some(c) = &config.source {
        wanted.insert(section(None), c);
    }
    for realm in &config.http_basic {
        let c = config.source_named(realm.source())?;
        wanted.insert(section(realm.source()), c);
    }
    let mut sources = BTreeMap::new();
    for (key, c) in wanted {
        let source =
            LegacySource::open(c.clone()).with_context(|| format!("legacy source [{key}]"))?;
        metrics
            .source_accounts
            .get_or_create(&SourceLabel {
                source: key.clone(),
            })
            .set(source.snapshot().len() as i64);
        sources.insert(key, Arc::new(source));
    }
    let serve = config.serve.clone();
    let pool = Pool::new(
        serve.workers,
        serve.queue,
        metrics.queue_depth.clone(),
        metrics.queue_wait_seconds.clone(),
    )
    .context("starting the verification threads")?;
    let service = Arc::new(Service {
        answerer: config.answerer(),
        sources,
        realms: config.http_basic.clone(),
        pool,
        metrics,
        auth: serve.auth.clone(),
        log: args.log_format,
        serving: AtomicBool::new(true),
    });
    let listener = TcpListener::bind(serve.listen)
        .with_context(|| format!("listening on {}", serve.listen))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("passgate-http")
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        tokio::spawn(signals(Arc::clone(&service), handle.clone()));
        for (key, source) in &service.sources {
            tokio::spawn(watch(Arc::clone(&service), key.clone(), Arc::clone(source)));
        }
        let app = router(Arc::clone(&service));
        let tls = match &serve.tls {
            Some((cert, key)) => Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .with_context(|| format!("TLS certificate {} and key", cert.display()))?,
            ),
            None => None,
        };
        audit::event(
            service.log,
            "listening",
            &[
                ("address", Value::String(address.to_string())),
                ("tls", Value::Bool(tls.is_some())),
                ("workers", json!(serve.workers)),
                ("queue", json!(serve.queue)),
                (
                    "legacy_accounts",
                    json!(service.source().map(|s| s.snapshot().len())),
                ),
                ("http_basic_realms", json!(service.realms.len())),
            ],
        );
        let served = match tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(listener, tls)
                    .handle(handle)
                    .serve(app.into_make_service())
                    .await
            }
            None => {
                axum_server::from_tcp(listener)
                    .handle(handle)
                    .serve(app.into_make_service())
                    .await
            }
        };
        served.context("serving")?;
        audit::event(service.log, "stopped", &[]);
        anyhow::Ok(())
    })?;
    Ok(super::EXIT_OK)
}

fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/sftpgo/external-auth", post(external_auth))
        .route("/sftpgo/check-password", post(check_password))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(http_basic::fallback)
        .layer(DefaultBodyLimit::max(MAX_OUTPUT))
        .with_state(service)
}

/// SIGTERM and SIGINT shut down gracefully; SIGHUP reloads every legacy source.
async fn signals(service: Arc<Service>, handle: axum_server::Handle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        audit::event(service.log, "signals-unavailable", &[]);
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                for (key, source) in &service.sources {
                    let source = Arc::clone(source);
                    let result = tokio::task::spawn_blocking(move || source.reload()).await;
                    record_reload(&service, key, "sighup", result.ok(), &mut None);
                }
            }
        }
    }
    service.serving.store(false, Ordering::SeqCst);
    audit::event(
        service.log,
        "shutting-down",
        &[("in_flight", json!(handle.connection_count()))],
    );
    handle.graceful_shutdown(Some(GRACE));
}

/// Looks at a legacy source's file every poll interval and reloads it once it changed and
/// settled.
async fn watch(service: Arc<Service>, key: String, source: Arc<LegacySource>) {
    let mut last_error = None;
    loop {
        tokio::time::sleep(source.config().poll).await;
        let s = Arc::clone(&source);
        let result = tokio::task::spawn_blocking(move || s.reload_if_changed()).await;
        record_reload(&service, &key, "changed", result.ok(), &mut last_error);
    }
}

/// Counts and logs a reload. A failure is logged once until it changes or a reload works;
/// the accounts in use stay.
fn record_reload(
    service: &Service,
    key: &str,
    trigger: &str,
    result: Option<Result<Reload, SourceError>>,
    last_error: &mut Option<String>,
) {
    let result = result.unwrap_or(Ok(Reload::Unchanged));
    match result {
        Ok(Reload::Loaded(n)) => {
            *last_error = None;
            service
                .metrics
                .reloads
                .get_or_create(&ReloadLabels {
                    source: key.to_owned(),
                    result: "loaded",
                })
                .inc();
            service
                .metrics
                .source_accounts
                .get_or_create(&SourceLabel {
                    source: key.to_owned(),
                })
                .set(n as i64);
            audit::event(
                service.log,
                "source-reloaded",
                &[
                    ("trigger", json!(trigger)),
                    ("source", json!(key)),
                    ("accounts", json!(n)),
                ],
            );
        }
        Ok(_) => {}
        Err(e) => {
            service
                .metrics
                .reloads
                .get_or_create(&ReloadLabels {
                    source: key.to_owned(),
                    result: "failed",
                })
                .inc();
            // Each cause once, outermost first, as `{:#}` of an anyhow error.
            let mut message = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            if last_error.as_deref() != Some(message.as_str()) {
                audit::event(
                    service.log,
                    "source-reload-failed",
                    &[
                        ("trigger", json!(trigger)),
                        ("source", json!(key)),
                        ("error", json!(message)),
                        (
                            "kept_accounts",
                            json!(service.sources.get(key).map(|s| s.snapshot().len())),
                        ),
                    ],
                );
                *last_error = Some(message);
            }
        }
    }
}

async fn healthz(State(service): State<Arc<Service>>) -> Response {
    if service.serving.load(Ordering::SeqCst) {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    }
}

async fn metrics(State(service): State<Arc<Service>>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&service, "metrics", Instant::now(), &headers) {
        return r;
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        service.metrics.encode(),
    )
        .into_response()
}

/// A refusal with a JSON `error` message of passgate's own words.
fn refusal(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": message }).to_string(),
    )
        .into_response()
}

/// The 401 for a request without the required header (or with a wrong value).
fn unauthorized(
    service: &Service,
    hook: &'static str,
    started: Instant,
    headers: &HeaderMap,
) -> Option<Response> {
    let auth = service.auth.as_ref()?;
    let presented = headers.get(auth.name()).map(HeaderValue::as_bytes);
    if presented.is_some_and(|v| auth.accepts(v)) {
        return None;
    }
    let r = refusal(
        StatusCode::UNAUTHORIZED,
        "the required header is missing or wrong",
    );
    Some(reject(service, hook, "unauthorized", "", started, r))
}

/// A request refused before verification: counted, and one audit line.
fn reject(
    service: &Service,
    hook: &'static str,
    reason: &'static str,
    user: &str,
    started: Instant,
    response: Response,
) -> Response {
    service.metrics.reject(hook, reason);
    audit::Entry {
        hook,
        user,
        ip: "",
        protocol: "",
        outcome: "rejected",
        reason,
        source: "none",
        scheme: None,
        elapsed: started.elapsed(),
    }
    .write(service.log);
    response
}

/// The 4xx for a body too large or unreadable.
fn body_refusal(
    service: &Service,
    hook: &'static str,
    started: Instant,
    rejection: &BytesRejection,
) -> Response {
    let status = rejection.status();
    let (reason, message) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        ("too-large", RequestError::TooLarge.to_string())
    } else {
        (
            "unreadable-body",
            "the request body could not be read".to_owned(),
        )
    };
    reject(
        service,
        hook,
        reason,
        "",
        started,
        refusal(status, &message),
    )
}

fn malformed(service: &Service, hook: &'static str, started: Instant, e: RequestError) -> Response {
    let status = match e {
        RequestError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    reject(
        service,
        hook,
        "malformed",
        "",
        started,
        refusal(status, &e.to_string()),
    )
}

/// What a worker hands back: the verdict and how long deciding took.
type Decided<R> = (Result<Attempt<R>, AnswerError>, Duration);

/// Runs `decide` on the pool and turns its verdict into the response, with the metrics and
/// the audit line.
async fn answer<R: Send + 'static>(
    service: Arc<Service>,
    hook: &'static str,
    who: (String, String, String),
    started: Instant,
    decide: impl FnOnce(&Service) -> Result<Attempt<R>, AnswerError> + Send + 'static,
    body: impl FnOnce(&R) -> Zeroizing<Vec<u8>>,
) -> Response {
    let attempt = match verdict(service, hook, who, started, decide).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    // Moved into the response, not copied: a deferral's body holds the password.
    let mut bytes = body(&attempt.reply);
    let bytes = std::mem::take(&mut *bytes);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// Runs `decide` on the pool, with the metrics and the audit line: the attempt, or the
/// response when there is no verdict (503 queue full or out of resources, 500 otherwise).
async fn verdict<R: Send + 'static>(
    service: Arc<Service>,
    hook: &'static str,
    who: (String, String, String),
    started: Instant,
    decide: impl FnOnce(&Service) -> Result<Attempt<R>, AnswerError> + Send + 'static,
) -> Result<Attempt<R>, Response> {
    let (user, ip, protocol) = who;
    let worker = Arc::clone(&service);
    let queued = service.pool.try_run(move || {
        let t = Instant::now();
        let verdict = decide(&worker);
        (verdict, t.elapsed())
    });
    let rx = match queued {
        Ok(rx) => rx,
        Err(Full) => {
            let mut r = refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "all verification workers are busy and the queue is full",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Err(reject(&service, hook, "queue-full", &user, started, r));
        }
    };
    let (verdict, took): Decided<R> = match rx.await {
        Ok(v) => v,
        Err(_) => {
            let r = refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
            return Err(reject(&service, hook, "internal-error", &user, started, r));
        }
    };
    service
        .metrics
        .verify_seconds
        .get_or_create(&HookLabel { hook })
        .observe(took.as_secs_f64());
    let attempt = match verdict {
        Ok(a) => a,
        Err(e) => {
            let (status, reason) = match e {
                AnswerError::ResourceExhausted(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "resource-exhausted")
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal-error"),
            };
            let r = refusal(status, &e.to_string());
            return Err(reject(&service, hook, reason, &user, started, r));
        }
    };
    let scheme = attempt.scheme.map(|s| s.name());
    service
        .metrics
        .attempts
        .get_or_create(&AttemptLabels {
            hook,
            outcome: attempt.outcome.name(),
            reason: attempt.reason.name(),
            source: attempt.place.name(),
            scheme: scheme.unwrap_or("none"),
        })
        .inc();
    audit::Entry {
        hook,
        user: &user,
        ip: &ip,
        protocol: &protocol,
        outcome: attempt.outcome.name(),
        reason: attempt.reason.name(),
        source: attempt.place.name(),
        scheme,
        elapsed: started.elapsed(),
    }
    .write(service.log);
    Ok(attempt)
}

async fn external_auth(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    const HOOK: &str = "external-auth";
    let started = Instant::now();
    if let Some(r) = unauthorized(&service, HOOK, started, &headers) {
        return r;
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return body_refusal(&service, HOOK, started, &rejection),
    };
    let req = match ExternalAuthRequest::from_json(&body) {
        Ok(r) => r,
        Err(e) => return malformed(&service, HOOK, started, e),
    };
    let who = (req.username.clone(), req.ip.clone(), req.protocol.clone());
    answer(
        service,
        HOOK,
        who,
        started,
        move |s| s.answerer.external_auth(&req, s.accounts()),
        |reply| Zeroizing::new(reply.to_body()),
    )
    .await
}

async fn check_password(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    const HOOK: &str = "check-password";
    let started = Instant::now();
    if let Some(r) = unauthorized(&service, HOOK, started, &headers) {
        return r;
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return body_refusal(&service, HOOK, started, &rejection),
    };
    let req = match CheckPasswordRequest::from_json(&body) {
        Ok(r) => r,
        Err(e) => return malformed(&service, HOOK, started, e),
    };
    let who = (req.username.clone(), req.ip.clone(), req.protocol.clone());
    answer(
        service,
        HOOK,
        who,
        started,
        move |s| s.answerer.check_password(&req, s.accounts()),
        |reply| reply.to_body(),
    )
    .await
}
