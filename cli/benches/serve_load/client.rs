//! The load: hyper's HTTP/1.1 client, one task per keep-alive connection on the bench's
//! single thread, sending SFTPGo's external-auth requests and checking every answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::server::{Cpu, Server, Usage};
use crate::{DENY, HELD, Load, Settings};

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

async fn exchange(
    sender: &mut Sender,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, Bytes)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

fn auth_request(addr: SocketAddr, body: &Bytes) -> Request<Full<Bytes>> {
    Request::post("/sftpgo/external-auth")
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body.clone()))
        .unwrap()
}

#[derive(Clone, Debug, PartialEq)]
enum Answer {
    /// 200 with the expected body, for a right (`true`) or a wrong password.
    Answered(bool),
    /// 503.
    Refused,
    /// Anything else: the status and body length, never the body.
    Wrong(String),
    /// No answer.
    Error(String),
}

fn classify(right: bool, status: StatusCode, body: &[u8]) -> Answer {
    let expected: &[u8] = if right { b"" } else { DENY };
    match status {
        StatusCode::OK if body == expected => Answer::Answered(right),
        StatusCode::SERVICE_UNAVAILABLE => Answer::Refused,
        _ => Answer::Wrong(format!(
            "status {status} with a {}-byte body for a {} password",
            body.len(),
            if right { "right" } else { "wrong" }
        )),
    }
}

struct Record {
    done: Instant,
    latency: Duration,
    answer: Answer,
}

/// One request, timed and classified.
async fn one(sender: &mut Sender, addr: SocketAddr, load: &Load, i: usize) -> Record {
    let (body, right) = load.pick(i);
    let request = auth_request(addr, body);
    let t = Instant::now();
    let answer = match exchange(sender, request).await {
        Ok((status, bytes)) => classify(*right, status, &bytes),
        Err(e) => Answer::Error(format!("{e:#}")),
    };
    Record {
        done: Instant::now(),
        latency: t.elapsed(),
        answer,
    }
}

pub(crate) enum Pattern {
    /// Each connection sends its next request when the last is answered.
    Closed,
    /// Requests due every `1 / rate` seconds, dealt to the connections in turn.
    Open { rate: f64 },
}

/// What a load step measured.
pub(crate) struct Step {
    pub(crate) label: String,
    pub(crate) answered: usize,
    pub(crate) right: usize,
    pub(crate) wrong_pw: usize,
    pub(crate) refused: usize,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) refusals: Vec<Duration>,
    pub(crate) wrong: Vec<String>,
    pub(crate) errors: Vec<String>,
    pub(crate) seconds: f64,
    pub(crate) cpu: Usage,
}

impl Step {
    fn new(label: String, records: &[Record], seconds: f64, cpu: Usage) -> Self {
        let mut s = Self {
            label,
            answered: 0,
            right: 0,
            wrong_pw: 0,
            refused: 0,
            latencies: Vec::new(),
            refusals: Vec::new(),
            wrong: Vec::new(),
            errors: Vec::new(),
            seconds,
            cpu,
        };
        for r in records {
            match &r.answer {
                Answer::Answered(right) => {
                    s.answered += 1;
                    if *right {
                        s.right += 1;
                    } else {
                        s.wrong_pw += 1;
                    }
                    s.latencies.push(r.latency);
                }
                Answer::Refused => {
                    s.refused += 1;
                    s.refusals.push(r.latency);
                }
                Answer::Wrong(w) => s.wrong.push(w.clone()),
                Answer::Error(e) => s.errors.push(e.clone()),
            }
        }
        s.latencies.sort();
        s.refusals.sort();
        s
    }
}

/// Runs `connections` connections for warm-up + window; counts what completed in the window.
pub(crate) async fn drive(
    server: &Server,
    load: &Arc<Load>,
    connections: usize,
    pattern: Pattern,
    settings: &Settings,
    label: String,
) -> anyhow::Result<Step> {
    let addr = server.addr;
    let mut senders = Vec::with_capacity(connections);
    for _ in 0..connections {
        senders.push(connect(addr).await?);
    }
    let start = Instant::now();
    let measure = start + settings.warmup;
    let stop = measure + settings.window;
    let interval = match pattern {
        Pattern::Closed => None,
        Pattern::Open { rate } => Some(Duration::from_secs_f64(1.0 / rate)),
    };
    let mut tasks = JoinSet::new();
    for (j, mut sender) in senders.into_iter().enumerate() {
        let load = Arc::clone(load);
        tasks.spawn(async move {
            let mut records = Vec::new();
            for k in 0.. {
                let i = j + k * connections;
                if let Some(interval) = interval {
                    let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
                    if due >= stop {
                        break;
                    }
                    tokio::time::sleep_until(due.into()).await;
                } else if Instant::now() >= stop {
                    break;
                }
                let record = one(&mut sender, addr, &load, i).await;
                let failed = matches!(record.answer, Answer::Error(_));
                records.push(record);
                if failed {
                    break;
                }
            }
            records
        });
    }
    tokio::time::sleep_until(measure.into()).await;
    let before = Cpu::now(Some(server.pid));
    tokio::time::sleep_until(stop.into()).await;
    let cpu = Cpu::now(Some(server.pid)).since(before, settings.window.as_secs_f64());
    let mut records = Vec::new();
    while let Some(r) = tasks.join_next().await {
        records.extend(r?);
    }
    records.retain(|r| r.done >= measure && r.done <= stop);
    Ok(Step::new(
        label,
        &records,
        settings.window.as_secs_f64(),
        cpu,
    ))
}

/// The burst: one request on each of the held connections at once.
pub(crate) struct Burst {
    pub(crate) connect: Duration,
    pub(crate) step: Step,
    /// Until as many answers came as must be refusals, and the CPU used meanwhile.
    pub(crate) refusing: Duration,
    pub(crate) refusing_cpu: Usage,
    pub(crate) held: u64,
    pub(crate) after: u64,
}

pub(crate) async fn burst(server: &Server, load: &Arc<Load>) -> anyhow::Result<Burst> {
    let addr = server.addr;
    let t = Instant::now();
    let mut senders = Vec::with_capacity(HELD);
    // In batches, within the listener's backlog; each connection answers /healthz once.
    while senders.len() < HELD {
        let mut batch = JoinSet::new();
        for _ in 0..(HELD - senders.len()).min(100) {
            batch.spawn(async move {
                let mut sender = connect(addr).await?;
                let request = Request::get("/healthz")
                    .header(hyper::header::HOST, addr.to_string())
                    .body(Full::new(Bytes::new()))?;
                let (status, _) = exchange(&mut sender, request).await?;
                if status != StatusCode::OK {
                    bail!("/healthz answered {status}");
                }
                anyhow::Ok(sender)
            });
        }
        while let Some(s) = batch.join_next().await {
            senders.push(s??);
        }
    }
    let connect = t.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = server.rss();
    let before = Cpu::now(Some(server.pid));
    let t = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, mut sender) in senders.into_iter().enumerate() {
        let load = Arc::clone(load);
        tasks.spawn(async move {
            let record = one(&mut sender, addr, &load, i).await;
            (record, sender)
        });
    }
    let mut records = Vec::with_capacity(HELD);
    let mut senders = Vec::with_capacity(HELD);
    let refusals = HELD.saturating_sub(server.workers + server.queue);
    let mut refusing = (Duration::ZERO, Usage::default());
    while let Some(r) = tasks.join_next().await {
        let (record, sender) = r?;
        records.push(record);
        senders.push(sender);
        if records.len() == refusals {
            let took = t.elapsed();
            refusing = (
                took,
                Cpu::now(Some(server.pid)).since(before, took.as_secs_f64()),
            );
        }
    }
    let seconds = t.elapsed().as_secs_f64();
    let cpu = Cpu::now(Some(server.pid)).since(before, seconds);
    let after = server.rss();
    drop(senders);
    Ok(Burst {
        connect,
        step: Step::new(
            format!("burst, 1 request on each of {HELD} connections"),
            &records,
            seconds,
            cpu,
        ),
        refusing: refusing.0,
        refusing_cpu: refusing.1,
        held,
        after,
    })
}
