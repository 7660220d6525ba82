//! Load bench of the running service: the release `passgate serve` answering SFTPGo's
//! external-auth requests over HTTP/1.1 keep-alive connections from a hyper client, at bcrypt
//! cost 10 and at sha512crypt's default 5000 rounds, with hashes made by libxcrypt through
//! `mkpasswd`. For each hash, in one run:
//!
//! - one answer's time in-process (the answerer the server runs, on the same request), from
//!   which the ideal throughput is cores ÷ that time;
//! - throughput, and its ratio to the ideal, over a sweep of closed-loop concurrencies up to
//!   workers + queue, a quarter of the passwords wrong; the latency of answered requests;
//! - an open-loop flood at twice the ideal rate, and a burst of one request on each of 1 000
//!   connections: how fast the refused requests get their 503;
//! - the server's resident memory idle and with 1 000 open keep-alive connections;
//! - the count of wrong answers: a right password must get the empty 200 answer, a wrong one
//!   `{"username":""}` (a 503 is a refusal, not a wrong answer). Any wrong answer or transport
//!   error makes the bench exit non-zero; the timings are reported, never asserted.
//!
//! `cargo bench -p passgate-cli --bench serve_load [-- [--quick] [bcrypt|sha512crypt]]`; with
//! `PASSGATE_BIN=PATH`, another `passgate` binary is loaded instead of this build's.
//!
//! The load generator runs on one thread on the same machine, so it takes its share of the
//! cores the ideal counts; the table shows the CPU each side used.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hyper::body::Bytes;
use passgate::answer::{ExternalAuthReply, ExternalAuthRequest};
use passgate::hooks::Config;
use serde_json::json;

mod client;
mod server;

use self::client::{Burst, Pattern, Step, burst, drive};
use self::server::{Cpu, Server};

/// Accounts per hash, each with its own salt.
const USERS: usize = 4;
/// One request in this many carries a wrong password.
const WRONG_EVERY: usize = 4;
/// Open connections held for the memory reading and the burst.
pub(crate) const HELD: usize = 1000;
pub(crate) const DENY: &[u8] = br#"{"username":""}"#;

struct Hash {
    name: &'static str,
    /// `mkpasswd` arguments (libxcrypt), the password on standard input.
    mkpasswd: &'static [&'static str],
    /// What every generated hash starts with.
    prefix: &'static str,
    /// `[policy]`: the preferred scheme at the hashes' own cost, so that a wrong password
    /// costs what a right one does (no padding to a dearer dummy verification).
    policy: &'static str,
}

const HASHES: &[Hash] = &[
    Hash {
        name: "bcrypt-cost10",
        mkpasswd: &["-m", "bcrypt-a", "-R", "10"],
        prefix: "$2a$10$",
        policy: "scheme = \"bcrypt\"\ncost = 10",
    },
    Hash {
        name: "sha512crypt-5000",
        mkpasswd: &["-m", "sha512crypt"],
        prefix: "$6$",
        policy: "scheme = \"sha512crypt\"\nrounds = 5000",
    },
];

pub(crate) struct Settings {
    pub(crate) quick: bool,
    /// In-process verifications timed per password (median taken).
    pub(crate) samples: usize,
    pub(crate) warmup: Duration,
    pub(crate) window: Duration,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("serve_load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<bool> {
    let mut quick = false;
    let mut filters = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            a if a.starts_with('-') => bail!("unknown option {a} (known: --quick)"),
            a => filters.push(a.to_owned()),
        }
    }
    let settings = if quick {
        Settings {
            quick,
            samples: 3,
            warmup: Duration::from_millis(300),
            window: Duration::from_millis(700),
        }
    } else {
        Settings {
            quick,
            samples: 21,
            warmup: Duration::from_secs(1),
            window: Duration::from_secs(5),
        }
    };
    let files = raise_open_files(2 * HELD as u64 + 256)?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let binary = server::binary();
    let tool = Command::new("mkpasswd")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .context("mkpasswd (Debian package whois, which tools/test installs) is needed")?;
    println!(
        "serve_load{}: {}, {cores} cores shared by server and load generator, \
         open-file limit {files}; hashes by {tool} (libxcrypt); load average at start {}",
        if quick { " --quick" } else { "" },
        binary.display(),
        loadavg()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut ok = true;
    for hash in HASHES {
        if !filters.is_empty() && !filters.iter().any(|f| hash.name.contains(f.as_str())) {
            continue;
        }
        let report = runtime.block_on(bench_hash(hash, &settings, cores))?;
        report.print(&settings);
        ok &= report.wrong == 0 && report.errors == 0 && report.exit_ok;
    }
    println!("load average at end {}", loadavg());
    if !ok {
        println!("FAILED: wrong answers, transport errors or an unclean server exit (above)");
    }
    Ok(ok)
}

/// Raises the soft open-file limit to `want` (within the hard limit); the server inherits it.
fn raise_open_files(want: u64) -> anyhow::Result<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft >= want {
        return Ok(soft);
    }
    if hard < want {
        bail!("the open-file limit is {hard} (hard); {want} are needed for {HELD} connections");
    }
    setrlimit(Resource::RLIMIT_NOFILE, want, hard)?;
    Ok(want)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A hash made by `mkpasswd`, checked for its expected form.
fn mkpasswd(hash: &Hash, password: &str) -> anyhow::Result<String> {
    let mut child = Command::new("mkpasswd")
        .arg("-s")
        .args(hash.mkpasswd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running mkpasswd")?;
    child.stdin.take().unwrap().write_all(password.as_bytes())?;
    let out = child.wait_with_output()?;
    let stored = String::from_utf8(out.stdout)?.trim().to_owned();
    if !out.status.success() || !stored.starts_with(hash.prefix) || stored.contains("rounds=") {
        bail!("mkpasswd {:?} gave {stored:?}", hash.mkpasswd);
    }
    Ok(stored)
}

/// The requests sent, and the in-process time of each kind of answer.
pub(crate) struct Load {
    /// `(body, right password)`, right and wrong for each user.
    pub(crate) bodies: Vec<(Bytes, bool)>,
    pub(crate) right: Duration,
    pub(crate) wrong: Duration,
    /// Share of a core other processes took while `right` and `wrong` were timed.
    pub(crate) others: f64,
}

impl Load {
    /// The `i`-th request: users in turn, one round in [`WRONG_EVERY`] with wrong passwords.
    pub(crate) fn pick(&self, i: usize) -> &(Bytes, bool) {
        let user = i % USERS;
        let wrong = (i / USERS) % WRONG_EVERY == WRONG_EVERY - 1;
        &self.bodies[2 * user + usize::from(wrong)]
    }

    /// Verification work behind `right` and `wrong` answers, in seconds.
    fn work(&self, right: usize, wrong: usize) -> f64 {
        right as f64 * self.right.as_secs_f64() + wrong as f64 * self.wrong.as_secs_f64()
    }

    /// Answers a second on `cores` with this mix, if nothing but verification ran.
    fn ideal(&self, cores: usize) -> f64 {
        let wrong = 1.0 / WRONG_EVERY as f64;
        let mean = (1.0 - wrong) * self.right.as_secs_f64() + wrong * self.wrong.as_secs_f64();
        cores as f64 / mean
    }
}

/// SFTPGo's external-auth body for a user it stores.
fn body(user: &str, password: &str, stored: &str) -> Bytes {
    let value = json!({
        "username": user,
        "ip": "192.0.2.10",
        "password": password,
        "protocol": "SSH",
        "public_key": "",
        "keyboard_interactive": "",
        "tls_cert": "",
        "user": {
            "id": 1,
            "status": 1,
            "username": user,
            "expiration_date": 0,
            "password": stored,
            "home_dir": format!("/srv/sftpgo/data/{user}"),
            "uid": 0,
            "gid": 0,
            "max_sessions": 0,
            "quota_size": 0,
            "quota_files": 0,
            "permissions": {"/": ["*"]},
            "filters": {"hooks": {"external_auth_disabled": false}},
        },
    });
    Bytes::from(serde_json::to_vec(&value).unwrap())
}

/// Makes the users' hashes and times the answerer on them in-process.
fn prepare(hash: &Hash, config: &Config, samples: usize) -> anyhow::Result<Load> {
    let answerer = config.answerer();
    let mut bodies = Vec::new();
    for n in 0..USERS {
        let user = format!("load{n}");
        let password = format!("{} load password {n}", hash.name);
        let stored = mkpasswd(hash, &password)?;
        bodies.push((body(&user, &password, &stored), true));
        bodies.push((body(&user, &format!("{password}!"), &stored), false));
    }
    let time = |(body, right): &(Bytes, bool)| -> anyhow::Result<Duration> {
        let req = ExternalAuthRequest::from_json(body)?;
        let mut times = Vec::with_capacity(samples);
        for n in 0..=samples {
            let t = Instant::now();
            let attempt = answerer.external_auth(&req, &())?;
            let took = t.elapsed();
            let expected = if *right {
                ExternalAuthReply::Accept
            } else {
                ExternalAuthReply::Deny
            };
            if attempt.reply != expected {
                bail!(
                    "in-process answer {:?}, expected {expected:?}",
                    attempt.reply
                );
            }
            // The first call warms up.
            if n > 0 {
                times.push(took);
            }
        }
        times.sort();
        Ok(times[times.len() / 2])
    };
    let before = Cpu::now(None);
    let t = Instant::now();
    let right = time(&bodies[0])?;
    let wrong = time(&bodies[1])?;
    let others = Cpu::now(None)
        .since(before, t.elapsed().as_secs_f64())
        .others;
    Ok(Load {
        bodies,
        right,
        wrong,
        others,
    })
}

struct Report {
    name: &'static str,
    cores: usize,
    workers: usize,
    queue: usize,
    load: Arc<Load>,
    steps: Vec<Step>,
    burst: Burst,
    idle: u64,
    peak: u64,
    attempts: u64,
    wrong: usize,
    errors: usize,
    exit_ok: bool,
}

async fn bench_hash(hash: &Hash, settings: &Settings, cores: usize) -> anyhow::Result<Report> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve_load");
    std::fs::create_dir_all(&dir)?;
    let config_path = dir.join(format!("{}.toml", hash.name));
    let text = format!(
        "[policy]\n{}\n\n[serve]\nlisten = \"127.0.0.1:0\"\n",
        hash.policy
    );
    std::fs::write(&config_path, &text)?;
    let config = Config::parse(&text, &dir)?;
    let load = Arc::new(prepare(hash, &config, settings.samples)?);
    let mut server = Server::start(&config_path)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = server.rss();
    let full = server.workers + server.queue;
    let mut levels: Vec<usize> = if settings.quick {
        vec![1, full]
    } else {
        vec![1, 2, 4, 8, 16, full]
    };
    levels.retain(|&c| c <= full);
    levels.dedup();
    let mut steps = Vec::new();
    for &c in &levels {
        let label = format!("closed loop, concurrency {c}");
        steps.push(drive(&server, &load, c, Pattern::Closed, settings, label).await?);
    }
    if !settings.quick {
        let c = 2 * full;
        let label = format!("closed loop, concurrency {c} (a 503 is retried at once)");
        steps.push(drive(&server, &load, c, Pattern::Closed, settings, label).await?);
    }
    let rate = 2.0 * load.ideal(cores);
    let label = format!(
        "open loop, {rate:.0}/s offered (2 × ideal) over {} connections",
        4 * full
    );
    steps.push(
        drive(
            &server,
            &load,
            4 * full,
            Pattern::Open { rate },
            settings,
            label,
        )
        .await?,
    );
    let burst = burst(&server, &load).await?;
    let peak = server.status_kib("VmHWM");
    let attempts = server.attempts.load(Ordering::Relaxed);
    let exit_ok = server.stop()?;
    let all = steps.iter().chain([&burst.step]);
    let wrong = all.clone().map(|s| s.wrong.len()).sum();
    let errors = all.map(|s| s.errors.len()).sum();
    Ok(Report {
        name: hash.name,
        cores,
        workers: server.workers,
        queue: server.queue,
        load,
        steps,
        burst,
        idle,
        peak,
        attempts,
        wrong,
        errors,
        exit_ok,
    })
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// Nearest-rank percentile of sorted durations.
fn pct(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        return "–".to_owned();
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    ms(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// A share of one core above which other processes disturb a row.
const DISTURBED: f64 = 0.15;

fn percent(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

impl Report {
    fn print(&self, settings: &Settings) {
        let load = &self.load;
        let ideal = load.ideal(self.cores);
        println!();
        println!(
            "{}: {} workers, queue {}; in-process answer (median of {}) {} right, {} wrong \
             password (other processes meanwhile {}); ideal {ideal:.1} answers/s on {} cores, \
             1 password in {WRONG_EVERY} wrong",
            self.name,
            self.workers,
            self.queue,
            settings.samples,
            ms(load.right),
            ms(load.wrong),
            percent(load.others),
            self.cores,
        );
        println!(
            "| load | answered/s | ÷ ideal | p50 | p99 | 503s | 503 p50 | 503 p99 | 503 max \
             | CPU: verify | server rest | load gen | others |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for s in &self.steps {
            let ratio = load.work(s.right, s.wrong_pw) / (self.cores as f64 * s.seconds);
            let u = s.cpu;
            let (verify, server, client, others) = (
                percent(u.verify),
                format!("{} (wait {})", percent(u.server), percent(u.server_wait)),
                percent(u.client),
                percent(u.others),
            );
            println!(
                "| {} | {:.1} | {ratio:.3} | {} | {} | {} | {} | {} | {} | {verify} | {server} \
                 | {client} | {others} |",
                s.label,
                s.answered as f64 / s.seconds,
                pct(&s.latencies, 50.0),
                pct(&s.latencies, 99.0),
                s.refused,
                pct(&s.refusals, 50.0),
                pct(&s.refusals, 99.0),
                pct(&s.refusals, 100.0),
            );
        }
        let b = &self.burst.step;
        println!(
            "burst, one request on each of {HELD} connections at once: {} answered (p50 {}, \
             max {}), {} refused with 503 (p50 {}, p99 {}, max {})",
            b.answered,
            pct(&b.latencies, 50.0),
            pct(&b.latencies, 100.0),
            b.refused,
            pct(&b.refusals, 50.0),
            pct(&b.refusals, 99.0),
            pct(&b.refusals, 100.0),
        );
        let (took, u) = (self.burst.refusing, self.burst.refusing_cpu);
        let cpu_ms = |share: f64| ms(took.mul_f64(share));
        println!(
            "  the first {} answers came in {}; meanwhile CPU: verify {}, server rest {} \
             ({:.0} µs a request; its threads waited {} for a core), load gen {}, others {}",
            HELD.saturating_sub(self.workers + self.queue),
            ms(took),
            cpu_ms(u.verify),
            cpu_ms(u.server),
            took.as_secs_f64() * u.server * 1e6 / HELD as f64,
            cpu_ms(u.server_wait),
            cpu_ms(u.client),
            cpu_ms(u.others),
        );
        println!(
            "memory (VmRSS): idle {}, {HELD} connections held {} (opened in {}), after the \
             burst {}; peak over the run (VmHWM) {}",
            mib(self.idle),
            mib(self.burst.held),
            ms(self.burst.connect),
            mib(self.burst.after),
            mib(self.peak),
        );
        println!(
            "wrong answers {}, transport errors {}, audit lines {}, server exit on SIGTERM {}",
            self.wrong,
            self.errors,
            self.attempts,
            if self.exit_ok { "clean" } else { "NOT clean" }
        );
        let all = || self.steps.iter().chain([b]);
        for s in all() {
            for w in s.wrong.iter().chain(&s.errors).take(5) {
                println!("  {}: {w}", s.label);
            }
        }
        let disturbed: Vec<&str> = all()
            .filter(|s| s.cpu.others > DISTURBED)
            .map(|s| s.label.as_str())
            .collect();
        if load.others > DISTURBED || !disturbed.is_empty() {
            println!(
                "note: other processes took more than {} of a core during the in-process \
                 timing ({}) or these loads: {}",
                percent(DISTURBED),
                percent(load.others),
                disturbed.join("; ")
            );
        }
    }
}
