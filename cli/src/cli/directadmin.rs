//! `passgate directadmin login-pre`: passgate as DirectAdmin's `login_pre` script. Reads the
//! environment DirectAdmin sets (`username`, `password`, `ip`), judges the request by the
//! rules of `[directadmin_filter]`, prints one line saying why on standard output (DirectAdmin
//! writes a failing script's output to its error.log) and exits 0 to allow, 1 to deny, 2 on
//! an error. DirectAdmin takes every non-zero status as a denial that counts against its
//! brute-force check.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use clap::{Args, Subcommand};
use passgate::answer::{LoginPreDecision, LoginPreRequest, Outcome};
use passgate::hooks::Config;
use serde_json::json;

use super::audit::{self, LogFormat};
use super::output::Output;
use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK};

#[derive(Args, Debug)]
pub(crate) struct DirectadminArgs {
    #[command(subcommand)]
    hook: DirectadminHook,
}

#[derive(Subcommand, Debug)]
enum DirectadminHook {
    /// DirectAdmin's `login_pre` script: reads `username`, `password` and `ip` from the
    /// environment and allows or denies by `[directadmin_filter]` (IP networks, login times,
    /// refused hash schemes). Prints one line saying why.
    ///
    /// Exit status: 0 allow (DirectAdmin then checks the password), 1 deny, 2 error (bad
    /// configuration, unreadable source). DirectAdmin denies on any non-zero status and
    /// counts it as a failed attempt, even with the right password.
    LoginPre(LoginPreArgs),
}

#[derive(Args, Debug)]
struct LoginPreArgs {
    /// The configuration: `[directadmin_filter]`, the `[sources.NAME]` it reads hashes from,
    /// and `[policy]` (the limits of `verify`).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The audit line's format on standard error.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// For tests only: judge as if it were this time (RFC 3339, such as
    /// 2024-01-15T07:30:00Z) instead of now.
    #[arg(long, hide = true, value_name = "TIME", value_parser = rfc3339)]
    now: Option<SystemTime>,
}

fn rfc3339(text: &str) -> Result<SystemTime, String> {
    humantime::parse_rfc3339(text).map_err(|e| e.to_string())
}

pub(crate) fn run(args: &DirectadminArgs, out: &Output) -> anyhow::Result<u8> {
    match &args.hook {
        DirectadminHook::LoginPre(a) => login_pre(a, out),
    }
}

/// A variable as the audit line shows it: lossy, at most 256 characters.
fn raw(name: &str) -> String {
    std::env::var_os(name)
        .map(|v| OsString::into_string(v).unwrap_or_else(|v| v.to_string_lossy().into_owned()))
        .unwrap_or_default()
        .chars()
        .take(256)
        .collect()
}

fn login_pre(args: &LoginPreArgs, out: &Output) -> anyhow::Result<u8> {
    let started = Instant::now();
    let (user, ip) = (raw("username"), raw("ip"));
    let audit = |outcome: &'static str, reason: &str, source, scheme| {
        audit::Entry {
            hook: passgate::answer::HookKind::DirectAdminLoginPre.name(),
            user: &user,
            ip: &ip,
            protocol: "HTTP",
            outcome,
            reason,
            source,
            scheme,
            elapsed: started.elapsed(),
        }
        .write(args.log_format);
    };
    // An error is no verdict: DirectAdmin denies on the non-zero status, and the line says why.
    let error = |message: String| -> anyhow::Result<u8> {
        say(out, "error", "error", &format!("error: {message}"))?;
        audit("deny", "error", "none", None);
        Ok(EXIT_ERROR)
    };
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => return error(format!("configuration {}: {e}", args.config.display())),
    };
    let Some(filter) = &config.directadmin_filter else {
        return error(format!(
            "configuration {}: no [directadmin_filter] section",
            args.config.display()
        ));
    };
    let decision = match LoginPreRequest::from_env(|name| std::env::var_os(name)) {
        Err(e) => LoginPreDecision::malformed(e),
        Ok(req) => {
            let now = args.now.unwrap_or_else(SystemTime::now);
            match filter.decide(&req, now, &config.policy) {
                Ok(d) => d,
                Err(e) => return error(chain(&e)),
            }
        }
    };
    let outcome = decision.outcome.name();
    say(out, outcome, decision.reason.name(), &decision.to_string())?;
    audit(
        outcome,
        decision.reason.name(),
        decision.place.name(),
        decision.scheme.map(|s| s.name()),
    );
    Ok(match decision.outcome {
        Outcome::Allow => EXIT_OK,
        _ => EXIT_MISMATCH,
    })
}

/// An error and its causes on one line, each cause once (a message may already end with
/// its cause's).
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    for cause in std::iter::successors(error.source(), |e| e.source()) {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
    }
    text
}

/// The one line on standard output: `passgate: LINE`, or with `--json` an object with the
/// outcome, the reason and the line.
fn say(out: &Output, outcome: &str, reason: &str, line: &str) -> anyhow::Result<()> {
    if out.json {
        out.json(&json!({"outcome": outcome, "reason": reason, "message": line}))
    } else {
        out.line(format_args!("passgate: {line}"))
    }
}
