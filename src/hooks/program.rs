//! Running a hook program: no shell, a cleared environment, its own process group, a timeout
//! enforced with SIGTERM then SIGKILL to the whole group, and both pipes drained on their own
//! threads so a chatty program never blocks on a full pipe.
//!
//! The leader is watched with `waitid(WNOWAIT)`, which sees it exit without reaping it: while
//! it is a zombie its process-group id cannot be reused, so the final SIGKILL to the group
//! (which clears out anything it left running) can never reach an unrelated process.

#![forbid(unsafe_code)]

use std::io::{self, Read};
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

use super::redact::{Redacted, redact};
use super::{HookCall, HookError, MAX_OUTPUT};

/// Between SIGTERM and SIGKILL, and the longest wait for the pipes to close once the
/// program has ended.
const GRACE: Duration = Duration::from_secs(1);
/// How much standard error is kept for the log.
const MAX_STDERR: usize = 64 << 10;
/// Longest stderr line logged.
const MAX_LOG_LINE: usize = 1024;
/// Tries when exec meets ETXTBSY (the file was just written and another thread forked).
const SPAWN_TRIES: u32 = 5;

/// A program that ran to its end and exited normally (with any code).
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) code: i32,
    pub(crate) stdout: Vec<u8>,
}

enum Event {
    /// The leader exited (not yet reaped).
    Exited,
    /// `waitid` failed: the leader cannot be watched.
    WaitFailed(io::ErrorKind),
    /// Standard output passed the limit: the answer is refused already.
    StdoutOverflow,
    Stdout(io::Result<Captured>),
    Stderr(io::Result<Captured>),
}

struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

/// Runs `path` with the configured and the call's environment; see the module docs.
pub(crate) fn run(
    path: &Path,
    timeout: Duration,
    configured_env: &[(String, String)],
    call: &HookCall,
) -> Result<Finished, HookError> {
    if call.has_nul() {
        return Err(HookError::InvalidInput("NUL byte in an environment value"));
    }
    let label = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let mut cmd = Command::new(path);
    cmd.env_clear()
        .envs(configured_env.iter().map(|(k, v)| (k, v)))
        .envs(call.env_vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = spawn(&mut cmd)?;
    let pgid = match child.id().try_into() {
        Ok(id) => Pid::from_raw(id),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(HookError::Io(io::ErrorKind::InvalidData));
        }
    };
    let (tx, rx) = mpsc::channel();
    if let Err(e) = start_threads(&mut child, pgid, &tx) {
        signal_group(pgid, Signal::SIGKILL);
        let _ = child.wait();
        return Err(HookError::Io(e.kind()));
    }
    drop(tx);
    let result = supervise(&mut child, pgid, timeout, &rx);
    if let Some(stderr) = &result.stderr {
        log_stderr(&label, stderr, call.secrets());
    }
    result.into_outcome(timeout)
}

fn spawn(cmd: &mut Command) -> Result<Child, HookError> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Ok(child) => return Ok(child),
            Err(e) if e.kind() == io::ErrorKind::ExecutableFileBusy && tries + 1 < SPAWN_TRIES => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20 * u64::from(tries)));
            }
            Err(e) => return Err(HookError::Spawn(e.kind())),
        }
    }
}

fn start_threads(child: &mut Child, pgid: Pid, tx: &Sender<Event>) -> io::Result<()> {
    let stdout = child.stdout.take().ok_or(io::ErrorKind::BrokenPipe)?;
    let stderr = child.stderr.take().ok_or(io::ErrorKind::BrokenPipe)?;
    let t = tx.clone();
    std::thread::Builder::new()
        .name("hook-wait".into())
        .spawn(move || watch_exit(pgid, &t))?;
    let t = tx.clone();
    std::thread::Builder::new()
        .name("hook-stdout".into())
        .spawn(move || {
            let r = drain_stdout(stdout, &t);
            let _ = t.send(Event::Stdout(r));
        })?;
    let t = tx.clone();
    std::thread::Builder::new()
        .name("hook-stderr".into())
        .spawn(move || {
            let _ = t.send(Event::Stderr(drain(stderr, MAX_STDERR)));
        })?;
    Ok(())
}

/// Waits for the leader to exit without reaping it.
fn watch_exit(pid: Pid, tx: &Sender<Event>) {
    loop {
        match waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
            Ok(_) => {
                let _ = tx.send(Event::Exited);
                return;
            }
            Err(Errno::EINTR) => {}
            Err(e) => {
                let _ = tx.send(Event::WaitFailed(io::Error::from(e).kind()));
                return;
            }
        }
    }
}

/// Keeps the first [`MAX_OUTPUT`] bytes, reports an overflow once, and reads on to the end
/// so the writer never blocks.
fn drain_stdout(mut out: ChildStdout, tx: &Sender<Event>) -> io::Result<Captured> {
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 16 << 10];
    loop {
        let n = match out.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if truncated {
            continue;
        }
        if bytes.len() + n > MAX_OUTPUT {
            truncated = true;
            bytes.clear();
            let _ = tx.send(Event::StdoutOverflow);
        } else {
            bytes.extend_from_slice(&buf[..n]);
        }
    }
    Ok(Captured { bytes, truncated })
}

fn drain(mut pipe: ChildStderr, limit: usize) -> io::Result<Captured> {
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 8 << 10];
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let room = limit.saturating_sub(bytes.len());
        if n > room {
            truncated = true;
        }
        bytes.extend_from_slice(&buf[..n.min(room)]);
    }
    Ok(Captured { bytes, truncated })
}

fn signal_group(pgid: Pid, signal: Signal) {
    // ESRCH: the group is already gone, which is what we want.
    let _ = killpg(pgid, signal);
}

#[derive(Default)]
struct Supervised {
    timed_out: bool,
    overflow: bool,
    wait_failed: Option<io::ErrorKind>,
    status: Option<std::process::ExitStatus>,
    reap_error: Option<io::ErrorKind>,
    stdout: Option<io::Result<Captured>>,
    stderr: Option<Captured>,
    stderr_error: bool,
    pipes_open: bool,
}

impl Supervised {
    fn take(&mut self, event: Event, exited: &mut bool) {
        match event {
            Event::Exited => *exited = true,
            Event::WaitFailed(kind) => {
                *exited = true;
                self.wait_failed = Some(kind);
            }
            Event::StdoutOverflow => self.overflow = true,
            Event::Stdout(r) => self.stdout = Some(r),
            Event::Stderr(Ok(c)) => self.stderr = Some(c),
            Event::Stderr(Err(_)) => self.stderr_error = true,
        }
    }

    fn into_outcome(self, timeout: Duration) -> Result<Finished, HookError> {
        if self.timed_out {
            return Err(HookError::Timeout(timeout));
        }
        let stdout_truncated = matches!(&self.stdout, Some(Ok(c)) if c.truncated);
        if self.overflow || stdout_truncated {
            return Err(HookError::OutputTooLarge(MAX_OUTPUT));
        }
        if let Some(kind) = self.wait_failed.or(self.reap_error) {
            return Err(HookError::Io(kind));
        }
        let status = self.status.ok_or(HookError::Io(io::ErrorKind::Other))?;
        if let Some(signal) = status.signal() {
            return Err(HookError::Signal(signal));
        }
        if self.pipes_open {
            return Err(HookError::PipeHeldOpen);
        }
        let stdout = match self.stdout {
            Some(Ok(c)) => c.bytes,
            Some(Err(e)) => return Err(HookError::Io(e.kind())),
            None => return Err(HookError::PipeHeldOpen),
        };
        if self.stderr_error {
            return Err(HookError::Io(io::ErrorKind::Other));
        }
        Ok(Finished {
            code: status.code().unwrap_or(-1),
            stdout,
        })
    }
}

fn supervise(child: &mut Child, pgid: Pid, timeout: Duration, rx: &Receiver<Event>) -> Supervised {
    let mut s = Supervised::default();
    let mut exited = false;
    let deadline = Instant::now() + timeout;
    // Until the leader exits, the deadline passes, or the output is refused.
    while !exited && !s.overflow {
        let now = Instant::now();
        let Some(left) = deadline
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
        else {
            s.timed_out = true;
            break;
        };
        match rx.recv_timeout(left) {
            Ok(event) => s.take(event, &mut exited),
            Err(RecvTimeoutError::Timeout) => s.timed_out = true,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if s.timed_out {
            break;
        }
    }
    if !exited {
        if s.timed_out {
            signal_group(pgid, Signal::SIGTERM);
            let grace_end = Instant::now() + GRACE;
            while !exited {
                let Some(left) = grace_end.checked_duration_since(Instant::now()) else {
                    break;
                };
                match rx.recv_timeout(left) {
                    Ok(event) => s.take(event, &mut exited),
                    Err(_) => break,
                }
            }
        }
        if !exited {
            signal_group(pgid, Signal::SIGKILL);
            while !exited {
                match rx.recv() {
                    Ok(event) => s.take(event, &mut exited),
                    Err(_) => break,
                }
            }
        }
    }
    // The leader is a zombie now, so the group id is still ours: clear out what it left.
    signal_group(pgid, Signal::SIGKILL);
    match child.wait() {
        Ok(status) => s.status = Some(status),
        Err(e) => s.reap_error = Some(e.kind()),
    }
    // The pipes close when the last writer is gone; something outside the group may hold
    // them, so wait a bounded time.
    let pipes_end = Instant::now() + GRACE;
    while s.stdout.is_none() || (s.stderr.is_none() && !s.stderr_error) {
        let Some(left) = pipes_end.checked_duration_since(Instant::now()) else {
            s.pipes_open = true;
            break;
        };
        match rx.recv_timeout(left) {
            Ok(event) => s.take(event, &mut exited),
            Err(RecvTimeoutError::Timeout) => {
                s.pipes_open = true;
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    s
}

/// Logs standard error as warnings, one per line, each line and the total capped, with the
/// call's secrets taken out first (before any cut, so no cut splits one).
fn log_stderr(label: &str, captured: &Captured, secrets: &[zeroize::Zeroizing<Vec<u8>>]) {
    let bytes = match redact(&captured.bytes, secrets, captured.truncated) {
        Redacted::Text(bytes) => zeroize::Zeroizing::new(bytes),
        Redacted::Withheld(len) => {
            log::warn!(
                target: "passgate::hooks",
                "hook {label}: standard error withheld ({len} bytes): the password is too short to redact"
            );
            return;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line = match line.char_indices().nth(MAX_LOG_LINE) {
            Some((i, _)) => &line[..i],
            None => line,
        };
        log::warn!(target: "passgate::hooks", "hook {label}: {line}");
    }
    if captured.truncated {
        log::warn!(
            target: "passgate::hooks",
            "hook {label}: standard error truncated to {MAX_STDERR} bytes"
        );
    }
}
