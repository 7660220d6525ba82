//! The server under load: `passgate serve` started from the bench's own build, its audit
//! lines drained, its memory and CPU time read from /proc.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;

/// The `passgate` to load: this build's, or `PASSGATE_BIN` (another build, an installed one).
pub(crate) fn binary() -> PathBuf {
    std::env::var_os("PASSGATE_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_passgate")),
        PathBuf::from,
    )
}

/// The running `passgate serve`, stopped (killed if need be) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) pid: i32,
    pub(crate) addr: SocketAddr,
    pub(crate) workers: usize,
    pub(crate) queue: usize,
    /// Audit lines written so far.
    pub(crate) attempts: Arc<AtomicU64>,
}

impl Server {
    pub(crate) fn start(config: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(binary())
            .args(["serve", "--config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting passgate serve")?;
        let pid = i32::try_from(child.id())?;
        let stderr = child.stderr.take().unwrap();
        let attempts = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&attempts);
        let (tx, rx) = mpsc::channel();
        // Drains standard error (the audit lines) so the server never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains(" attempt ") {
                    counter.fetch_add(1, Ordering::Relaxed);
                } else if line.contains(" listening ") {
                    let _ = tx.send(line);
                } else {
                    eprintln!("server: {line}");
                }
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .context("passgate serve printed no listening line")?;
        let field = |key: &str| -> anyhow::Result<&str> {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .with_context(|| format!("no {key} in {line:?}"))
        };
        Ok(Self {
            addr: field("address")?.parse()?,
            workers: field("workers")?.parse()?,
            queue: field("queue")?.parse()?,
            child,
            pid,
            attempts,
        })
    }

    /// A line of `/proc/PID/status`, in KiB.
    pub(crate) fn status_kib(&self, key: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    pub(crate) fn rss(&self) -> u64 {
        self.status_kib("VmRSS")
    }

    /// SIGTERM, then the exit status: whether it exited cleanly.
    pub(crate) fn stop(&mut self) -> anyhow::Result<bool> {
        use nix::sys::signal::{Signal, kill};
        kill(nix::unistd::Pid::from_raw(self.pid), Signal::SIGTERM)?;
        Ok(self.child.wait()?.success())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time so far, in seconds: the server's verification threads, its other threads (and
/// the time those waited for a core), this process (the load generator), and the whole
/// machine's busy time.
#[derive(Clone, Copy, Default)]
pub(crate) struct Cpu {
    verify: f64,
    server: f64,
    server_wait: f64,
    client: f64,
    machine: f64,
}

/// Shares of one core over a span of time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Usage {
    /// The server's verification threads.
    pub(crate) verify: f64,
    /// The server's other threads: HTTP runtime, accept loop.
    pub(crate) server: f64,
    /// Time the server's other threads were ready to run but waited for a core.
    pub(crate) server_wait: f64,
    /// The load generator.
    pub(crate) client: f64,
    /// Every other process on the machine.
    pub(crate) others: f64,
}

/// Each thread of `pid` with its name, its time on a core and its time waiting for one, in
/// seconds (`/proc/PID/task/TID/schedstat`, nanoseconds).
fn threads(pid: &str) -> Vec<(String, f64, f64)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let read = |file: &str| std::fs::read_to_string(task.path().join(file)).ok();
            let name = read("comm")?.trim_end().to_owned();
            let stat = read("schedstat")?;
            let mut fields = stat.split_whitespace().map(|v| v.parse::<f64>().ok());
            let (on, waiting) = (fields.next()??, fields.next()??);
            Some((name, on / 1e9, waiting / 1e9))
        })
        .collect()
}

/// The machine's busy time from the first line of /proc/stat (user nice system idle iowait
/// irq softirq steal …, in clock ticks), in seconds.
fn machine_busy() -> f64 {
    let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<u64> = s
                .lines()
                .next()?
                .split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse().ok())
                .collect();
            let all = fields.iter().take(8).sum::<u64>();
            let idle = fields.get(3)? + fields.get(4)?;
            Some((all - idle) as f64 / tick)
        })
        .unwrap_or(0.0)
}

impl Cpu {
    pub(crate) fn now(server: Option<i32>) -> Self {
        let mut cpu = Self {
            machine: machine_busy(),
            ..Self::default()
        };
        if let Some(pid) = server {
            for (name, on, waiting) in threads(&pid.to_string()) {
                if name.starts_with("passgate-verify") {
                    cpu.verify += on;
                } else {
                    cpu.server += on;
                    cpu.server_wait += waiting;
                }
            }
        }
        cpu.client = threads("self").iter().map(|t| t.1).sum();
        cpu
    }

    /// The shares of one core used since `before`, over `seconds`.
    pub(crate) fn since(self, before: Self, seconds: f64) -> Usage {
        let share = |a: f64, b: f64| (a - b).max(0.0) / seconds;
        let verify = share(self.verify, before.verify);
        let server = share(self.server, before.server);
        let client = share(self.client, before.client);
        let machine = share(self.machine, before.machine);
        Usage {
            verify,
            server,
            server_wait: share(self.server_wait, before.server_wait),
            client,
            others: (machine - verify - server - client).max(0.0),
        }
    }
}
