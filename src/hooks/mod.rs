//! Login hooks: SFTPGo's and DirectAdmin's hook contracts over one runner, and the login
//! [`Pipeline`] that strings them around the core verifier (DESIGN §4).
//!
//! - [`Hook`] is a program (an absolute path, run without a shell) or, with the `http`
//!   feature, an `http://`/`https://` URL called with `POST`. [`Hook::run`] is the one runner
//!   every contract uses: it takes a [`HookCall`] (environment for programs, query and JSON
//!   body for HTTP) and gives a [`HookReply`] or a [`HookError`] naming what went wrong.
//! - [`sftpgo`] maps SFTPGo's pre-login, external auth, check-password and post-login
//!   contracts onto the runner; [`directadmin`] does the same for DirectAdmin's scripts.
//! - [`Pipeline`] runs one login attempt in DESIGN §4's order over a [`UserStore`]
//!   ([`SftpgoDumpStore`] keeps users in an SFTPGo dump file) and returns an [`Outcome`].
//! - [`Config`] reads `passgate.toml` (DESIGN §6).
//!
//! Program hooks get a cleared environment plus the configured variables and the contract's
//! own. **The contracts put the password in the environment** (`SFTPGO_AUTHD_PASSWORD`,
//! DirectAdmin's `password`), never in argv: the environment of a process is readable only by
//! its user and root (`/proc/PID/environ` is mode 0400), while argv is world-readable.
//!
//! Every failure is fail-closed: a hook that cannot be started, times out, crashes, exits
//! non-zero, writes more than 1 MiB, or answers something that is not what its contract asks
//! for denies the login.
//!
//! Unix only (process groups and signals).

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::fmt;
use std::os::unix::ffi::OsStringExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use zeroize::Zeroizing;

mod attempt;
mod config;
pub mod directadmin;
mod dump_scan;
mod dump_store;
mod error;
#[cfg(feature = "http")]
mod http;
mod pipeline;
mod program;
mod redact;
pub mod sftpgo;
mod store;
mod user;

pub use self::attempt::{HookName, LoginRequest, LoginResult, Outcome, Reason};
pub use self::config::{Config, ConfigError};
pub use self::dump_store::SftpgoDumpStore;
pub use self::error::{HookError, HookSpecError, JsonErrorAt, TransportError};
pub use self::pipeline::Pipeline;
pub use self::store::{MemoryStore, StoreError, UserStore};
pub use self::user::{User, UserError};

/// The most a hook may write to standard output, or send as an HTTP body: 1 MiB.
pub const MAX_OUTPUT: usize = 1 << 20;

/// A login hook: a program or an HTTP endpoint, with its timeout and extra environment.
#[derive(Clone)]
pub struct Hook {
    target: Target,
    timeout: Duration,
    env: Vec<(String, String)>,
}

#[derive(Clone)]
enum Target {
    Program(PathBuf),
    #[cfg(feature = "http")]
    Http(http::HttpTarget),
}

impl Hook {
    /// The timeout when none is configured: 30 s, as SFTPGo's program hooks.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The shortest configurable timeout, in seconds.
    pub const MIN_TIMEOUT_SECS: u64 = 1;
    /// The longest configurable timeout, in seconds.
    pub const MAX_TIMEOUT_SECS: u64 = 300;

    /// A hook from its configured form: an `http://` or `https://` URL, or else an absolute
    /// program path.
    pub fn parse(spec: &str) -> Result<Self, HookSpecError> {
        let lower = spec.get(..8).unwrap_or(spec).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Self::http(spec)
        } else {
            Self::program(spec)
        }
    }

    /// A program hook. The path must be absolute; it is run directly, never by a shell.
    pub fn program(path: impl Into<PathBuf>) -> Result<Self, HookSpecError> {
        let path = path.into();
        if !path.is_absolute() {
            return Err(HookSpecError::NotAbsolute);
        }
        Ok(Self::with_target(Target::Program(path)))
    }

    /// An HTTP hook, called with `POST`, a JSON body, no redirects, the hook's timeout for
    /// the whole exchange and a 1 MiB limit on the answer.
    pub fn http(url: &str) -> Result<Self, HookSpecError> {
        #[cfg(feature = "http")]
        {
            Ok(Self::with_target(Target::Http(http::HttpTarget::new(
                url,
                Self::DEFAULT_TIMEOUT,
            )?)))
        }
        #[cfg(not(feature = "http"))]
        {
            let _ = url;
            Err(HookSpecError::HttpDisabled)
        }
    }

    fn with_target(target: Target) -> Self {
        Self {
            target,
            timeout: Self::DEFAULT_TIMEOUT,
            env: Vec::new(),
        }
    }

    /// Sets the timeout, [`MIN_TIMEOUT_SECS`](Self::MIN_TIMEOUT_SECS) to
    /// [`MAX_TIMEOUT_SECS`](Self::MAX_TIMEOUT_SECS) seconds.
    pub fn with_timeout_secs(mut self, secs: u64) -> Result<Self, HookSpecError> {
        self.timeout = check_timeout(secs)?;
        #[cfg(feature = "http")]
        if let Target::Http(t) = &mut self.target {
            t.set_timeout(self.timeout);
        }
        Ok(self)
    }

    /// Adds environment variables given to a program hook (on top of a cleared environment;
    /// the contract's own variables win over these). Ignored by HTTP hooks.
    pub fn with_env<I, K, V>(mut self, vars: I) -> Result<Self, HookSpecError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        for (k, v) in vars {
            let k = k.into();
            if !valid_env_name(&k) {
                return Err(HookSpecError::InvalidEnvName);
            }
            self.env.push((k, v.into()));
        }
        Ok(self)
    }

    /// The hook's timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The program's path, for a program hook.
    pub fn program_path(&self) -> Option<&Path> {
        match &self.target {
            Target::Program(p) => Some(p),
            #[cfg(feature = "http")]
            Target::Http(_) => None,
        }
    }

    /// Whether this is an HTTP hook.
    pub fn is_http(&self) -> bool {
        !matches!(self.target, Target::Program(_))
    }

    /// Runs the hook once. A program's non-zero exit is [`HookError::Exit`]; an HTTP answer
    /// of any status other than a redirect is a reply, for the contract to judge.
    pub fn run(&self, call: &HookCall) -> Result<HookReply, HookError> {
        match &self.target {
            Target::Program(path) => {
                let done = program::run(path, self.timeout, &self.env, call)?;
                if done.code != 0 {
                    return Err(HookError::Exit(done.code));
                }
                Ok(HookReply {
                    http_status: None,
                    body: done.stdout,
                })
            }
            #[cfg(feature = "http")]
            Target::Http(t) => t.run(self.timeout, call),
        }
    }

    /// Runs a program hook and returns its exit code and output whatever the code, for
    /// contracts (DirectAdmin's) that report output on failure too.
    pub(crate) fn run_program(&self, call: &HookCall) -> Result<program::Finished, HookError> {
        match &self.target {
            Target::Program(path) => program::run(path, self.timeout, &self.env, call),
            #[cfg(feature = "http")]
            Target::Http(_) => Err(HookError::InvalidInput("not a program hook")),
        }
    }

    /// A short name for log lines: the program's file name or the URL's host.
    pub(crate) fn label(&self) -> String {
        match &self.target {
            Target::Program(p) => p
                .file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()),
            #[cfg(feature = "http")]
            Target::Http(t) => t.label(),
        }
    }
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Hook");
        match &self.target {
            Target::Program(p) => d.field("program", p),
            #[cfg(feature = "http")]
            Target::Http(t) => d.field("http", &t.label()),
        };
        // Values may hold tokens: names only.
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        d.field("timeout", &self.timeout)
            .field("env", &names)
            .finish()
    }
}

/// A timeout in the allowed range, as a duration.
pub(crate) fn check_timeout(secs: u64) -> Result<Duration, HookSpecError> {
    if (Hook::MIN_TIMEOUT_SECS..=Hook::MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(HookSpecError::TimeoutOutOfRange {
            secs,
            min: Hook::MIN_TIMEOUT_SECS,
            max: Hook::MAX_TIMEOUT_SECS,
        })
    }
}

/// An environment variable name `execve` can carry: not empty, no `=`, no NUL.
pub(crate) fn valid_env_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['=', '\0'])
}

/// What one hook call sends: environment variables for a program, query parameters and a
/// JSON body for HTTP. A contract fills in both; the runner uses what applies. Values are
/// wiped from memory when the call is dropped (they may hold the password).
#[derive(Default)]
pub struct HookCall {
    env: Vec<(String, Zeroizing<Vec<u8>>)>,
    query: Vec<(String, String)>,
    body: Option<Zeroizing<Vec<u8>>>,
    secrets: Vec<Zeroizing<Vec<u8>>>,
}

impl HookCall {
    /// An empty call.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an environment variable for a program hook. The value may be any bytes but NUL.
    pub fn env(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.env
            .push((name.to_owned(), Zeroizing::new(value.as_ref().to_vec())));
        self
    }

    /// Adds a query parameter for an HTTP hook (percent-encoded when sent).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Marks bytes (the password, a stored hash) to take out of the program's standard error
    /// before it is logged: replaced by `[redacted]`, or the whole of standard error withheld
    /// when the secret is shorter than 4 bytes. Empty secrets are ignored.
    pub fn secret(mut self, value: impl AsRef<[u8]>) -> Self {
        self.secrets.push(Zeroizing::new(value.as_ref().to_vec()));
        self
    }

    /// Sets the JSON body for an HTTP hook.
    pub fn json_body(mut self, body: &Value) -> Self {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.body = Some(Zeroizing::new(bytes));
        self
    }

    pub(crate) fn env_vars(&self) -> impl Iterator<Item = (&str, OsString)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), OsString::from_vec(v.to_vec())))
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn body(&self) -> &[u8] {
        self.body.as_deref().map_or(&[], Vec::as_slice)
    }

    pub(crate) fn secrets(&self) -> &[Zeroizing<Vec<u8>>] {
        &self.secrets
    }

    pub(crate) fn has_nul(&self) -> bool {
        self.env
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains(&0))
    }
}

impl fmt::Debug for HookCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        let query: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HookCall")
            .field("env", &env)
            .field("query", &query)
            .field("body_len", &self.body().len())
            .finish()
    }
}

/// A hook's answer: a program's standard output (it exited 0), or an HTTP status and body.
#[derive(Clone, PartialEq, Eq)]
pub struct HookReply {
    http_status: Option<u16>,
    body: Vec<u8>,
}

impl HookReply {
    /// The HTTP status, for an HTTP hook.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The raw answer.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the answer is empty or only whitespace (SFTPGo's "no response").
    pub fn is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The answer as JSON: UTF-8 first, then JSON.
    pub fn json(&self) -> Result<Value, HookError> {
        let text = std::str::from_utf8(&self.body).map_err(|_| HookError::NotUtf8)?;
        serde_json::from_str(text).map_err(|e| HookError::InvalidJson(JsonErrorAt::of(&e)))
    }

    /// Fails unless an HTTP hook answered one of `accepted` (program replies always pass).
    pub fn expect_status(&self, accepted: &[u16]) -> Result<&Self, HookError> {
        match self.http_status {
            Some(s) if !accepted.contains(&s) => Err(HookError::HttpStatus(s)),
            _ => Ok(self),
        }
    }
}

impl fmt::Debug for HookReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookReply")
            .field("http_status", &self.http_status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hook_specs() {
        assert_eq!(
            Hook::parse("hook.sh").unwrap_err(),
            HookSpecError::NotAbsolute
        );
        assert_eq!(
            Hook::parse("./hook.sh").unwrap_err(),
            HookSpecError::NotAbsolute
        );
        let h = Hook::parse("/usr/local/bin/hook").unwrap();
        assert_eq!(h.program_path(), Some(Path::new("/usr/local/bin/hook")));
        assert_eq!(h.timeout(), Hook::DEFAULT_TIMEOUT);
        assert!(matches!(
            h.clone().with_timeout_secs(0),
            Err(HookSpecError::TimeoutOutOfRange { secs: 0, .. })
        ));
        assert!(h.clone().with_timeout_secs(301).is_err());
        assert_eq!(
            h.clone().with_timeout_secs(300).unwrap().timeout(),
            Duration::from_secs(300)
        );
        assert_eq!(
            h.clone().with_env([("A=B", "x")]).unwrap_err(),
            HookSpecError::InvalidEnvName
        );
        #[cfg(feature = "http")]
        {
            assert!(
                Hook::parse("https://example.invalid/auth")
                    .unwrap()
                    .is_http()
            );
            assert!(Hook::parse("HTTP://127.0.0.1:1/x").unwrap().is_http());
            assert_eq!(
                Hook::parse("http://exa mple/").unwrap_err(),
                HookSpecError::InvalidUrl
            );
        }
        #[cfg(not(feature = "http"))]
        assert_eq!(
            Hook::parse("https://example.invalid/auth").unwrap_err(),
            HookSpecError::HttpDisabled
        );
    }

    #[test]
    fn debug_shows_no_values() {
        let h = Hook::parse("/bin/true")
            .unwrap()
            .with_env([("TOKEN", "s3cr3t-token")])
            .unwrap();
        let call = HookCall::new()
            .env("SFTPGO_AUTHD_PASSWORD", "hunter2")
            .query("ip", "1.2.3.4")
            .json_body(&serde_json::json!({"password": "hunter2"}));
        let text = format!("{h:?} {call:?}");
        assert!(
            !text.contains("s3cr3t") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(text.contains("TOKEN") && text.contains("SFTPGO_AUTHD_PASSWORD"));
    }

    #[test]
    fn replies() {
        let r = HookReply {
            http_status: None,
            body: b" \n".to_vec(),
        };
        assert!(r.is_empty());
        let r = HookReply {
            http_status: Some(500),
            body: b"\xff".to_vec(),
        };
        assert_eq!(r.json(), Err(HookError::NotUtf8));
        assert_eq!(
            r.expect_status(&[200]).unwrap_err(),
            HookError::HttpStatus(500)
        );
        let r = HookReply {
            http_status: Some(200),
            body: b"{\"a\": tru".to_vec(),
        };
        match r.json() {
            Err(HookError::InvalidJson(at)) => assert_eq!(at.line, 1),
            other => panic!("{other:?}"),
        }
    }
}
