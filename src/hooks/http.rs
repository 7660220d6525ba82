//! Calling an HTTP hook: `POST` with a JSON body, one timeout for the whole exchange, no
//! redirects, no proxy from the environment, and at most [`MAX_OUTPUT`] bytes of answer.
//! TLS is rustls with the webpki roots.

#![forbid(unsafe_code)]

use std::time::Duration;

use ureq::Agent;

use super::{HookCall, HookError, HookReply, HookSpecError, MAX_OUTPUT, TransportError};

#[derive(Clone)]
pub(crate) struct HttpTarget {
    url: String,
    agent: Agent,
}

impl HttpTarget {
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Self, HookSpecError> {
        let uri: ureq::http::Uri = url.parse().map_err(|_| HookSpecError::InvalidUrl)?;
        match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
            _ => return Err(HookSpecError::InvalidUrl),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(HookSpecError::InvalidUrl);
        }
        Ok(Self {
            url: url.to_owned(),
            agent: agent(timeout),
        })
    }

    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.agent = agent(timeout);
    }

    /// The host, for log lines (the path or query may carry a token).
    pub(crate) fn label(&self) -> String {
        self.url
            .parse::<ureq::http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_owned))
            .unwrap_or_default()
    }

    pub(crate) fn run(&self, timeout: Duration, call: &HookCall) -> Result<HookReply, HookError> {
        let mut request = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json");
        for (k, v) in call.query_pairs() {
            request = request.query(k, v);
        }
        let mut response = request
            .send(call.body())
            .map_err(|e| transport(e, timeout))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(HookError::Redirect(status.as_u16()));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_OUTPUT as u64)
            .read_to_vec()
            .map_err(|e| transport(e, timeout))?;
        Ok(HookReply {
            http_status: Some(status.as_u16()),
            body,
        })
    }
}

fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        // A proxy would see the password: only an explicit configuration should add one.
        .proxy(None)
        .user_agent(concat!("passgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn transport(e: ureq::Error, timeout: Duration) -> HookError {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => HookError::Timeout(timeout),
        E::BodyExceedsLimit(_) => HookError::OutputTooLarge(MAX_OUTPUT),
        E::TooManyRedirects | E::RedirectFailed => HookError::Redirect(0),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => HookError::Timeout(timeout),
        E::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
            ) =>
        {
            HookError::Transport(TransportError::Connect)
        }
        E::HostNotFound => HookError::Transport(TransportError::HostNotFound),
        E::ConnectionFailed => HookError::Transport(TransportError::Connect),
        E::Tls(_) | E::Pem(_) | E::Rustls(_) | E::TlsRequired => {
            HookError::Transport(TransportError::Tls)
        }
        E::Protocol(_) | E::LargeResponseHeader(..) | E::BodyStalled => {
            HookError::Transport(TransportError::Protocol)
        }
        E::Io(_) => HookError::Transport(TransportError::Io),
        E::BadUri(_) | E::Http(_) => HookError::Transport(TransportError::InvalidUrl),
        _ => HookError::Transport(TransportError::Other),
    }
}
