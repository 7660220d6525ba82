//! `passgate pure-authd`: Pure-FTPd's extauth socket (`pure-ftpd -l extauth:SOCKET`).
//!
//! Each connection is one login: the request is read (at most 4096 bytes, within
//! `[pure_authd] timeout`), verified on a [`Pool`] of threads behind a bounded queue, and
//! answered once; then the connection is closed, which is how Pure-FTPd knows the answer is
//! whole. A request that is malformed, too long or too slow, or that finds the queue full,
//! is answered `auth_ok:-1`. One audit line per request on standard error.
//!
//! The socket is created with `[pure_authd] socket_mode` (0600 by default), never wider in
//! between, and removed on exit. A stale socket left by a crash is replaced; a live one, or
//! anything that is not a socket, is not. SIGTERM or SIGINT: stop accepting, let logins in
//! flight finish (up to 30 s), exit 0. SIGHUP: read the source again; it is also read again
//! when its file changes.

#![forbid(unsafe_code)]

use std::io;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use passgate::answer::pure_authd::local_hhmm;
use passgate::answer::{
    AnswerError, Answerer, HookKind, LegacySource, PureAuthdConfig, PureAuthdReply,
    PureAuthdRequest, Reload,
};
use passgate::hooks::Config;
use passgate::import::Format;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::task::JoinSet;
use zeroize::{Zeroize as _, Zeroizing};

use super::audit::{self, LogFormat};
use super::serve::pool::{Full, Pool};

/// How long logins in flight may take to finish after SIGTERM.
const GRACE: Duration = Duration::from_secs(30);

#[derive(Args, Debug)]
pub(crate) struct PureAuthdArgs {
    /// The Unix socket to create and listen on: Pure-FTPd's `-l extauth:PATH`.
    #[arg(long, value_name = "PATH")]
    socket: PathBuf,
    /// The configuration: `[pure_authd]` (socket permissions, workers, queue, timeout), the
    /// source and `[policy]`.
    #[arg(long, value_name = "FILE", default_value = "passgate.toml")]
    config: PathBuf,
    /// Answer from `[sources.NAME]` instead of `[source]`.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// The format of audit and service lines on standard error.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

struct Service {
    answerer: Answerer,
    source: Arc<LegacySource>,
    pool: Pool,
    settings: PureAuthdConfig,
    log: LogFormat,
}

pub(crate) fn run(args: &PureAuthdArgs) -> anyhow::Result<u8> {
    let config = Config::load(&args.config)
        .with_context(|| format!("configuration {}", args.config.display()))?;
    let source_config = config.source_named(args.source.as_deref())?.clone();
    let settings = config.pure_authd.clone();
    let gid = settings.socket_group.as_deref().map(group_id).transpose()?;
    let source = LegacySource::open(source_config.clone())
        .with_context(|| format!("legacy source {}", source_config.path.display()))?;
    let pool = Pool::new(
        settings.workers,
        settings.queue,
        Gauge::default(),
        Histogram::new([1.0]),
    )
    .context("starting the verification threads")?;
    let (listener, mut socket) = Socket::bind(&args.socket, settings.socket_mode, gid)?;
    listener.set_nonblocking(true)?;
    let service = Arc::new(Service {
        answerer: config.answerer(),
        source: Arc::new(source),
        pool,
        settings,
        log: args.log_format,
    });
    if source_config.format == Format::Htpasswd
        && (source_config.force_uid.is_none() || source_config.force_gid.is_none())
    {
        audit::event(
            service.log,
            "warning",
            &[(
                "message",
                json!(
                    "the source gives no uid or gid: every right password is refused \
                     (uid-or-gid-zero) until force_uid and force_gid are set"
                ),
            )],
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("passgate-pure-authd")
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let served = runtime.block_on(serve(Arc::clone(&service), listener, &mut socket));
    socket.remove();
    served?;
    audit::event(service.log, "stopped", &[]);
    Ok(super::EXIT_OK)
}

/// A group name or number.
fn group_id(group: &str) -> anyhow::Result<u32> {
    if let Ok(gid) = group.parse::<u32>() {
        return Ok(gid);
    }
    match nix::unistd::Group::from_name(group) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        Ok(None) => bail!("socket_group: no group named {group:?}"),
        Err(e) => Err(e).with_context(|| format!("socket_group: looking up {group:?}")),
    }
}

/// The socket file this process created, removed on exit if it is still that file.
struct Socket {
    path: PathBuf,
    id: Option<(u64, u64)>,
}

impl Socket {
    /// Creates the socket at `path` with `mode` (and group `gid`): a stale socket there is
    /// replaced; a live one or any other file is an error.
    fn bind(path: &Path, mode: u32, gid: Option<u32>) -> anyhow::Result<(UnixListener, Self)> {
        let shown = path.display();
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => match UnixStream::connect(path) {
                Ok(_) => bail!("{shown}: a server is listening there already"),
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    std::fs::remove_file(path)
                        .with_context(|| format!("{shown}: removing the stale socket"))?;
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("{shown}: checking the socket there"));
                }
            },
            Ok(_) => bail!("{shown} exists and is not a socket; it is left alone"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("{shown}")),
        }
        // The socket is created 0600 and widened only once it has its group.
        use nix::sys::stat::{Mode, umask};
        let previous = umask(Mode::from_bits_truncate(0o177));
        let bound = UnixListener::bind(path);
        umask(previous);
        let listener = bound.with_context(|| format!("{shown}: creating the socket"))?;
        let mut socket = Self {
            path: path.to_owned(),
            id: None,
        };
        let meta = std::fs::symlink_metadata(path).with_context(|| format!("{shown}"))?;
        socket.id = Some((meta.dev(), meta.ino()));
        if let Some(gid) = gid {
            std::os::unix::fs::chown(path, None, Some(gid))
                .with_context(|| format!("{shown}: setting its group to {gid}"))?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("{shown}: setting its mode to {mode:o}"))?;
        Ok((listener, socket))
    }

    /// Removes the socket file if it is still the one created here.
    fn remove(&mut self) {
        let Some((dev, ino)) = self.id.take() else {
            return;
        };
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.dev() == dev && m.ino() == ino) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Accepts connections until SIGTERM or SIGINT, then waits for those in flight.
async fn serve(
    service: Arc<Service>,
    listener: UnixListener,
    socket: &mut Socket,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let listener = tokio::net::UnixListener::from_std(listener)?;
    let mut term = signal(SignalKind::terminate()).context("SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT")?;
    let mut hup = signal(SignalKind::hangup()).context("SIGHUP")?;
    let watcher = tokio::spawn(watch(Arc::clone(&service)));
    audit::event(
        service.log,
        "listening",
        &[
            ("socket", json!(socket.path.display().to_string())),
            (
                "mode",
                json!(format!("{:04o}", service.settings.socket_mode)),
            ),
            ("workers", json!(service.settings.workers)),
            ("queue", json!(service.settings.queue)),
            ("legacy_accounts", json!(service.source.snapshot().len())),
        ],
    );
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) if connections.len() >= service.settings.max_connections => {
                    drop(stream);
                    reject(&service, "too-many-connections", Instant::now());
                }
                Ok((stream, _)) => {
                    connections.spawn(connection(Arc::clone(&service), stream));
                }
                Err(e) => {
                    // Out of descriptors, for one: try again shortly rather than spin.
                    audit::event(service.log, "accept-failed", &[("error", json!(e.to_string()))]);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                let source = Arc::clone(&service.source);
                let result = tokio::task::spawn_blocking(move || source.reload()).await;
                reloaded(&service, "sighup", result.ok(), &mut None);
            }
        }
    }
    drop(listener);
    socket.remove();
    watcher.abort();
    audit::event(
        service.log,
        "shutting-down",
        &[("in_flight", json!(connections.len()))],
    );
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// Reads the source again once its file changed and settled.
async fn watch(service: Arc<Service>) {
    let mut last_error = None;
    loop {
        tokio::time::sleep(service.source.config().poll).await;
        let source = Arc::clone(&service.source);
        let result = tokio::task::spawn_blocking(move || source.reload_if_changed()).await;
        reloaded(&service, "changed", result.ok(), &mut last_error);
    }
}

/// Logs a reload; a failure once until it changes or a reload works (the accounts in use
/// stay).
fn reloaded(
    service: &Service,
    trigger: &str,
    result: Option<Result<Reload, passgate::answer::SourceError>>,
    last_error: &mut Option<String>,
) {
    match result.unwrap_or(Ok(Reload::Unchanged)) {
        Ok(Reload::Loaded(n)) => {
            *last_error = None;
            audit::event(
                service.log,
                "source-reloaded",
                &[("trigger", json!(trigger)), ("accounts", json!(n))],
            );
        }
        Ok(_) => {}
        Err(e) => {
            // Each cause once, outermost first.
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
                        ("error", json!(message)),
                        ("kept_accounts", json!(service.source.snapshot().len())),
                    ],
                );
                *last_error = Some(message);
            }
        }
    }
}

/// One audit line for a request refused before (or without) a verdict.
fn reject(service: &Service, reason: &str, started: Instant) {
    audit::Entry {
        hook: HookKind::PureAuthd.name(),
        user: "",
        ip: "",
        protocol: "",
        outcome: "rejected",
        reason,
        source: "none",
        scheme: None,
        elapsed: started.elapsed(),
    }
    .write(service.log);
}

/// What reading a request gave.
enum Read {
    /// The request's bytes through `end`.
    Request(usize),
    /// Closed before anything was sent: no request, nothing to answer or log.
    Nothing,
    /// Refused, with the reason for the audit line.
    Refused(&'static str),
}

/// Reads one request into `buf` (never grown, so no copy of the password is left behind).
async fn read_request(
    stream: &mut tokio::net::UnixStream,
    buf: &mut [u8],
    timeout: Duration,
) -> Read {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut len = 0;
    loop {
        if let Some(end) = PureAuthdRequest::complete_len(&buf[..len]) {
            return Read::Request(end);
        }
        if len == buf.len() {
            return Read::Refused("too-large");
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf[len..])).await {
            Err(_) => return Read::Refused("timeout"),
            Ok(Ok(0)) if len == 0 => return Read::Nothing,
            Ok(Ok(0)) => return Read::Refused("malformed"),
            Ok(Ok(n)) => len += n,
            Ok(Err(_)) => return Read::Refused("read-failed"),
        }
    }
}

/// One login: read, verify on the pool, answer, close.
async fn connection(service: Arc<Service>, mut stream: tokio::net::UnixStream) {
    let started = Instant::now();
    let mut buf = Zeroizing::new(vec![0u8; PureAuthdRequest::MAX_LEN + 1]);
    let request = match read_request(&mut stream, &mut buf, service.settings.timeout).await {
        Read::Request(len) => PureAuthdRequest::parse(&buf[..len]),
        Read::Nothing => return,
        Read::Refused(reason) => {
            reject(&service, reason, started);
            return answer(&service, stream, &PureAuthdReply::Refused).await;
        }
    };
    drop(buf);
    let request = match request {
        Ok(r) => r,
        Err(_) => {
            reject(&service, "malformed", started);
            return answer(&service, stream, &PureAuthdReply::Refused).await;
        }
    };
    let (user, peer) = (request.account.clone(), request.peer.clone());
    let protocol = if request.encrypted { "FTPS" } else { "FTP" };
    let worker = Arc::clone(&service);
    let queued = service.pool.try_run(move || {
        worker
            .answerer
            .pure_authd(&request, &*worker.source, &local_hhmm)
    });
    let verdict = match queued {
        Ok(rx) => rx.await,
        Err(Full) => {
            reject(&service, "queue-full", started);
            return answer(&service, stream, &PureAuthdReply::Refused).await;
        }
    };
    let attempt = match verdict {
        Ok(Ok(attempt)) => attempt,
        Ok(Err(AnswerError::ResourceExhausted(_))) => {
            reject(&service, "resource-exhausted", started);
            return answer(&service, stream, &PureAuthdReply::Refused).await;
        }
        Ok(Err(_)) | Err(_) => {
            reject(&service, "internal-error", started);
            return answer(&service, stream, &PureAuthdReply::Refused).await;
        }
    };
    audit::Entry {
        hook: HookKind::PureAuthd.name(),
        user: &user,
        ip: &peer,
        protocol,
        outcome: attempt.outcome.name(),
        reason: attempt.reason.name(),
        source: attempt.place.name(),
        scheme: attempt.scheme.map(|s| s.name()),
        elapsed: started.elapsed(),
    }
    .write(service.log);
    answer(&service, stream, &attempt.reply).await;
}

/// Writes the answer and closes the connection: Pure-FTPd reads until end of file. What the
/// client sent past the request is read and dropped first (a little, for a short while):
/// closing a Unix socket with unread data resets the client's end, which could lose the
/// answer.
async fn answer(service: &Service, mut stream: tokio::net::UnixStream, reply: &PureAuthdReply) {
    let bytes = reply.to_bytes();
    let _ = tokio::time::timeout(service.settings.timeout, async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let mut sink = [0u8; 4096];
        let mut left = 64usize << 10;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
        sink.zeroize();
    })
    .await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "passgate-pure-authd-cli-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_socket_is_created_narrow_and_removed_only_if_ours() {
        let d = dir("socket");
        let path = d.join("s");
        let (listener, mut socket) = Socket::bind(&path, 0o600, None).unwrap();
        let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        // A live socket is not taken over.
        let err = Socket::bind(&path, 0o600, None).err().unwrap();
        assert!(err.to_string().contains("listening there already"), "{err}");
        // A stale one, as a crash leaves it, is.
        drop(listener);
        socket.id = None;
        let gid = nix::unistd::getegid().as_raw();
        let (_listener, mut socket) = Socket::bind(&path, 0o660, Some(gid)).unwrap();
        assert_eq!(mode(&path), 0o660);
        // Replaced by another file since: left alone, and never bound over.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"").unwrap();
        socket.remove();
        assert!(path.exists());
        let err = Socket::bind(&path, 0o600, None).err().unwrap();
        assert!(err.to_string().contains("is not a socket"), "{err}");
        std::fs::remove_file(&path).unwrap();
        // Ours: removed on drop.
        drop(Socket::bind(&path, 0o600, None).unwrap());
        assert!(!path.exists());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn groups_by_name_or_number() {
        assert_eq!(group_id("0").unwrap(), 0);
        assert_eq!(group_id("root").unwrap(), 0);
        assert!(group_id("no-such-group-passgate").is_err());
    }
}
