//! The settings of passgate as a service: where it listens, TLS, the header SFTPGo must
//! send, the verification pool and the answers.

#![forbid(unsafe_code)]

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use zeroize::Zeroizing;

use super::AnswerSettings;
use crate::ct;

/// A header every hook request must carry, with its value (SFTPGo's `httpclient.headers`).
/// `Debug` never shows the value.
#[derive(Clone)]
pub struct HeaderAuth {
    name: String,
    value: Zeroizing<String>,
}

impl HeaderAuth {
    /// The header `name` (case-insensitive) with `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into().to_ascii_lowercase(),
            value: Zeroizing::new(value.into()),
        }
    }

    /// The header's name, lowercase.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `presented` is the value. Their SHA-256 digests are compared in constant
    /// time, so neither the value nor its length shows in the time taken.
    pub fn accepts(&self, presented: &[u8]) -> bool {
        use sha2::Digest as _;
        let a = sha2::Sha256::digest(presented);
        let b = sha2::Sha256::digest(self.value.as_bytes());
        ct::digests_equal(&a, &b)
    }
}

impl fmt::Debug for HeaderAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderAuth")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// `[serve]`: the HTTP service and the answers of every SFTPGo hook mode.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServeConfig {
    /// Where to listen: `127.0.0.1:8099` by default.
    pub listen: SocketAddr,
    /// Certificate chain and private key (PEM): HTTPS when set.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// A header every hook request must carry.
    pub auth: Option<HeaderAuth>,
    /// Verification threads: one per core by default.
    pub workers: usize,
    /// Requests that may wait for a worker; one more is answered 503 at once.
    pub queue: usize,
    /// How the answers are decided.
    pub answers: AnswerSettings,
}

impl ServeConfig {
    /// The default address: `127.0.0.1:8099`.
    pub const DEFAULT_LISTEN: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8099);
    /// Requests queued per worker by default.
    pub const QUEUE_PER_WORKER: usize = 16;
}

impl Default for ServeConfig {
    fn default() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            listen: Self::DEFAULT_LISTEN,
            tls: None,
            auth: None,
            workers,
            queue: Self::QUEUE_PER_WORKER * workers,
            answers: AnswerSettings::default(),
        }
    }
}
