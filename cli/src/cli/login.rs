//! `passgate login`: one login attempt through the configured hook pipeline.

#![forbid(unsafe_code)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use passgate::hooks::sftpgo::{LoginMethod, Protocol};
use passgate::hooks::{Config, LoginRequest, Outcome};
use serde_json::json;

use super::output::Output;
use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK, Limits, password};

#[derive(Args, Debug)]
pub(crate) struct LoginArgs {
    /// The configuration file ([policy], [store], [sftpgo], [directadmin]). The
    /// --policy strict and --max-* flags override its [policy].
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The login name.
    #[arg(long)]
    username: String,
    /// The client's address, passed to the hooks.
    #[arg(long, default_value = "")]
    ip: String,
    /// The protocol: SSH, FTP, DAV or HTTP (scopes the check-password hook).
    #[arg(long, default_value = "SSH", value_parser = protocol)]
    protocol: Protocol,
    /// The login method: password, publickey+password or TLSCertificate+password.
    #[arg(long, default_value = "password", value_parser = method)]
    method: LoginMethod,
    /// The Referer header, for DirectAdmin's hooks.
    #[arg(long, default_value = "")]
    referer: String,
    /// The User-Agent header, for DirectAdmin's hooks.
    #[arg(long, default_value = "")]
    user_agent: String,
}

fn protocol(name: &str) -> Result<Protocol, String> {
    Protocol::from_name(name).ok_or_else(|| "expected SSH, FTP, DAV or HTTP".to_owned())
}

fn method(name: &str) -> Result<LoginMethod, String> {
    LoginMethod::from_name(name).ok_or_else(|| {
        "expected password, publickey+password or TLSCertificate+password".to_owned()
    })
}

/// Prints the library's warnings (hook stderr, failed notifications) on standard error.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            super::warn(format_args!("warning: {}", record.args()));
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

pub(crate) fn run(args: &LoginArgs, limits: &Limits, out: &Output) -> anyhow::Result<u8> {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    let mut config = Config::load(&args.config)
        .with_context(|| format!("configuration {}", args.config.display()))?;
    // The command line's limit flags, over the configuration's `[policy]`.
    limits.apply(&mut config.policy);
    let pipeline = config
        .pipeline()
        .with_context(|| format!("configuration {}", args.config.display()))?;
    let password = password::read(config.policy.max_password_len, false)?;
    let request = LoginRequest {
        ip: &args.ip,
        protocol: args.protocol,
        method: args.method,
        referer: &args.referer,
        user_agent: &args.user_agent,
        ..LoginRequest::new(&args.username, &password)
    };
    let mut result = pipeline.login(&request);
    let username = result
        .user
        .as_ref()
        .map_or(args.username.as_str(), |u| u.username())
        .to_owned();
    let (code, counts) = match result.outcome {
        Outcome::Allow => (EXIT_OK, false),
        Outcome::Deny { counts_as_failure } => (EXIT_MISMATCH, counts_as_failure),
        Outcome::TempFail => (EXIT_ERROR, false),
    };
    // A closed standard output (EPIPE) ends the output, never the verdict in the exit status.
    if out.json {
        out.json(&json!({
            "outcome": result.outcome.name(),
            "counts_as_failure": counts,
            "rehashed": result.rehashed,
            "username": username,
            "reason": result.reason.to_string(),
            "reason_code": result.reason.name(),
        }))?;
    } else {
        match result.outcome {
            Outcome::Allow if result.rehashed => {
                out.line(format_args!("allow: {} (hash upgraded)", result.reason))?;
            }
            Outcome::Allow => out.line(format_args!("allow: {}", result.reason))?,
            Outcome::Deny { .. } => out.line(format_args!("deny: {}", result.reason))?,
            Outcome::TempFail => {}
        }
    }
    if result.outcome == Outcome::TempFail {
        super::warn(format_args!("temporary failure: {}", result.reason));
    }
    // The answer is out; let the post-login hook finish before the process ends.
    result.wait_for_notification();
    Ok(code)
}
