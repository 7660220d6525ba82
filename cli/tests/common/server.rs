//! `passgate serve` started as a real process on a free port and called over HTTP(S) with a
//! real client; killed when dropped, whatever the test's end.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use super::sftpgo::Login;

/// How long anything a test waits for may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Waits until `done` holds, failing the test after [`PATIENCE`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {:?}", self.status, self.text()))
    }
}

/// A running `passgate serve`.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    scheme: &'static str,
    agent: ureq::Agent,
    stderr: Arc<Mutex<Vec<String>>>,
    exit: Option<ExitStatus>,
}

impl Server {
    /// `passgate serve --config CONFIG ARGS…`, over plain HTTP.
    pub fn start(config: &Path, args: &[&str]) -> Self {
        Self::launch(config, args, "http", agent(None))
    }

    /// The same over HTTPS, trusting the PEM certificate `trusted` only.
    pub fn start_tls(config: &Path, args: &[&str], trusted: &[u8]) -> Self {
        Self::launch(config, args, "https", agent(Some(trusted)))
    }

    fn launch(config: &Path, args: &[&str], scheme: &'static str, agent: ureq::Agent) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = Self {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            scheme,
            agent,
            stderr: lines,
            exit: None,
        };
        let start = Instant::now();
        loop {
            if let Some(addr) = server.stderr().iter().find_map(|l| listening(l)) {
                server.addr = addr;
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                // Let the reader take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                panic!("passgate serve exited {status}: {:?}", server.stderr());
            }
            assert!(
                start.elapsed() < PATIENCE,
                "passgate serve never listened: {:?}",
                server.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// POSTs `body` as SFTPGo does (`Content-Type: application/json`), with `headers`.
    pub fn post_with(&self, path: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .agent
            .post(self.url(path))
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        reply(request.send(body).unwrap())
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Reply {
        self.post_with(path, body, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(self.url(path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        reply(request.call().unwrap())
    }

    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    /// `POST /sftpgo/external-auth` with SFTPGo's body for `login`.
    pub fn external_auth(&self, login: &Login) -> Reply {
        self.post(
            "/sftpgo/external-auth",
            login.external_auth_json().as_bytes(),
        )
    }

    /// `POST /sftpgo/check-password` with SFTPGo's body for `login`.
    pub fn check_password(&self, login: &Login) -> Reply {
        self.post(
            "/sftpgo/check-password",
            login.check_password_json().as_bytes(),
        )
    }

    /// `GET /metrics`.
    pub fn metrics(&self) -> String {
        let r = self.get("/metrics");
        assert_eq!(r.status, 200, "{r:?}");
        r.text()
    }

    /// The sum of the samples of `name` whose labels include `labels`.
    pub fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        metric(&self.metrics(), name, labels)
    }

    /// The lines written on standard error so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for a line on standard error holding `needle`.
    pub fn wait_stderr(&self, needle: &str) {
        wait_until(&format!("{needle:?} on stderr"), || {
            self.stderr().iter().any(|l| l.contains(needle))
        });
    }

    /// Waits for `n` lines on standard error holding `needle` (they are read as they come).
    pub fn wait_lines(&self, needle: &str, n: usize) {
        wait_until(&format!("{n} lines with {needle:?} on stderr"), || {
            self.stderr().iter().filter(|l| l.contains(needle)).count() >= n
        });
    }

    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).unwrap();
    }

    /// Waits for the process to end.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.exit = Some(status);
                return status;
            }
            assert!(start.elapsed() < PATIENCE, "passgate serve did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exit.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The address in the `listening` line, text or JSON.
fn listening(line: &str) -> Option<SocketAddr> {
    if line.starts_with('{') {
        let v: Value = serde_json::from_str(line).ok()?;
        if v["event"] != "listening" {
            return None;
        }
        return v["address"].as_str()?.parse().ok();
    }
    if !line.split(' ').any(|w| w == "listening") {
        return None;
    }
    line.split(' ')
        .find_map(|w| w.strip_prefix("address="))?
        .trim_matches('"')
        .parse()
        .ok()
}

fn agent(trusted: Option<&[u8]>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE));
    if let Some(pem) = trusted {
        let cert = ureq::tls::Certificate::from_pem(pem).unwrap();
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                .build(),
        );
    }
    config.build().into()
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry_after, content_type) = (header("retry-after"), header("content-type"));
    Reply {
        status: response.status().as_u16(),
        retry_after,
        content_type,
        body: response.body_mut().read_to_vec().unwrap(),
    }
}

/// The sum of the samples of `name` in Prometheus text whose labels include `labels`
/// (label values here are fixed vocabularies: no quotes or commas inside).
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, set) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if n != name {
                return None;
            }
            let pairs: Vec<(&str, &str)> = set
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (k, v.trim_matches('"'))
                })
                .collect();
            labels
                .iter()
                .all(|want| pairs.contains(want))
                .then(|| value.parse::<f64>().unwrap())
        })
        .sum()
}
