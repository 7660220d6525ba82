//! Why a hook could not be used or did not answer. Every [`HookError`] denies the login (fail
//! closed). None of them holds a password, a hash or a byte of the hook's output: they name
//! what happened (which signal, which status, where the JSON broke) and nothing else.

#![forbid(unsafe_code)]

use core::fmt;
use std::io;
use std::time::Duration;

/// A hook that ran (or tried to) and gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// The program could not be started (missing, not executable, bad interpreter…).
    #[error("hook program could not be started: {0}")]
    Spawn(io::ErrorKind),
    /// The hook did not finish in time. A program was sent SIGTERM, then SIGKILL after a
    /// grace period, with its whole process group.
    #[error("hook timed out after {} s", .0.as_secs())]
    Timeout(Duration),
    /// The program was killed by a signal (a crash, or a kill from outside).
    #[error("hook program was killed by signal {0}")]
    Signal(i32),
    /// The program exited with a non-zero status.
    #[error("hook program exited with status {0}")]
    Exit(i32),
    /// The program wrote more than the limit to standard output, or the HTTP body was longer
    /// than the limit. The program was killed at once.
    #[error("hook output is larger than {0} bytes")]
    OutputTooLarge(usize),
    /// The program ended but its output pipe stayed open: a process outside its group (one
    /// that called `setsid`) still holds it, so the answer may be incomplete.
    #[error("hook output stayed open after the hook program ended")]
    PipeHeldOpen,
    /// Reading the program's output or waiting for it failed.
    #[error("i/o error while running the hook: {0}")]
    Io(io::ErrorKind),
    /// The answer is not UTF-8 text.
    #[error("hook answer is not UTF-8")]
    NotUtf8,
    /// The answer is not JSON.
    #[error("hook answer is not valid JSON ({0})")]
    InvalidJson(JsonErrorAt),
    /// The answer is JSON, but not what the contract asks for.
    #[error("hook answer is invalid: {0}")]
    InvalidAnswer(&'static str),
    /// The HTTP hook answered with a status the contract does not accept.
    #[error("hook answered HTTP status {0}")]
    HttpStatus(u16),
    /// The HTTP hook answered with a redirect; redirects are never followed.
    #[error("hook answered with a redirect (HTTP status {0}), which is refused")]
    Redirect(u16),
    /// The HTTP request failed before an answer arrived.
    #[error("HTTP hook transport error: {0}")]
    Transport(TransportError),
    /// The input cannot be passed to the hook (a NUL byte in an environment value, a
    /// non-UTF-8 password for a JSON body…).
    #[error("hook input cannot be sent: {0}")]
    InvalidInput(&'static str),
}

impl HookError {
    /// A stable name for the error, for JSON output and metrics.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Spawn(_) => "Spawn",
            Self::Timeout(_) => "Timeout",
            Self::Signal(_) => "Signal",
            Self::Exit(_) => "Exit",
            Self::OutputTooLarge(_) => "OutputTooLarge",
            Self::PipeHeldOpen => "PipeHeldOpen",
            Self::Io(_) => "Io",
            Self::NotUtf8 => "NotUtf8",
            Self::InvalidJson(_) => "InvalidJson",
            Self::InvalidAnswer(_) => "InvalidAnswer",
            Self::HttpStatus(_) => "HttpStatus",
            Self::Redirect(_) => "Redirect",
            Self::Transport(_) => "Transport",
            Self::InvalidInput(_) => "InvalidInput",
        }
    }
}

/// Where a JSON answer stopped parsing: position and category only, never the text (serde's
/// own messages can quote it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonErrorAt {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// `"syntax"`, `"eof"`, `"data"` or `"io"`.
    pub category: &'static str,
}

impl JsonErrorAt {
    pub(crate) fn of(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        Self {
            line: e.line(),
            column: e.column(),
            category: match e.classify() {
                Category::Io => "io",
                Category::Syntax => "syntax",
                Category::Data => "data",
                Category::Eof => "eof",
            },
        }
    }
}

impl fmt::Display for JsonErrorAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} error at line {} column {}",
            self.category, self.line, self.column
        )
    }
}

/// What failed in an HTTP exchange, without the URL (it may carry a token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The host name did not resolve.
    #[error("host not found")]
    HostNotFound,
    /// The TCP connection failed.
    #[error("connection failed")]
    Connect,
    /// The TLS handshake or certificate check failed.
    #[error("TLS error")]
    Tls,
    /// The server broke the HTTP protocol.
    #[error("HTTP protocol error")]
    Protocol,
    /// A read or write on the connection failed.
    #[error("i/o error")]
    Io,
    /// The URL could not be used.
    #[error("invalid URL")]
    InvalidUrl,
    /// Anything else the HTTP client reported.
    #[error("other error")]
    Other,
}

/// A hook that cannot be configured as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HookSpecError {
    /// Program hooks need an absolute path: no `PATH` search, no shell.
    #[error("a hook program must be an absolute path")]
    NotAbsolute,
    /// An `http://` or `https://` hook that is not a valid URL.
    #[error("invalid hook URL")]
    InvalidUrl,
    /// An HTTP hook, in a build without the `http` feature.
    #[error("HTTP hooks need passgate's `http` feature")]
    HttpDisabled,
    /// A timeout outside the allowed range.
    #[error("hook timeout {secs} s is outside {min}–{max} s")]
    TimeoutOutOfRange {
        /// The requested timeout.
        secs: u64,
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// An environment variable name that is empty or holds `=` or NUL.
    #[error("invalid environment variable name")]
    InvalidEnvName,
    /// A scope bitmask with bits the contract does not define.
    #[error("{name} {value} is outside 0–{max}")]
    ScopeOutOfRange {
        /// The setting's name.
        name: &'static str,
        /// The value given.
        value: u8,
        /// The largest allowed.
        max: u8,
    },
}
