//! `passgate sftpgo external-auth|check-password`: passgate as SFTPGo's program hook. Reads
//! the environment SFTPGo sets, prints the answer SFTPGo reads on standard output and exits
//! 0; an error (unreadable configuration or legacy source, memory that could not be
//! allocated) exits non-zero, which SFTPGo takes as a denial.

#![forbid(unsafe_code)]

use std::cell::OnceCell;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use passgate::answer::{
    Accounts, AnswerError, Attempt, CheckPasswordRequest, ExternalAuthRequest, LegacyAccount,
    LegacySource, SourceConfig,
};
use passgate::hooks::Config;

use super::audit::{self, LogFormat};

#[derive(Args, Debug)]
pub(crate) struct SftpgoArgs {
    #[command(subcommand)]
    hook: SftpgoHook,
    /// The configuration: `[policy]`, `[source]` (the legacy accounts) and `[serve]` (the
    /// answers: retire, check_password_without_legacy, min_entropy).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "passgate.toml"
    )]
    config: PathBuf,
    /// The audit line's format on standard error.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
enum SftpgoHook {
    /// SFTPGo's `external_auth_hook`: reads SFTPGO_AUTHD_USERNAME, _USER, _PASSWORD, _IP,
    /// _PROTOCOL…; prints `{"username":""}` (denied), nothing (accepted: SFTPGo keeps its
    /// user and stores the password's hash when its own does not match) or a user (created
    /// or replaced by SFTPGo).
    ExternalAuth,
    /// SFTPGo's `check_password_hook`: reads SFTPGO_AUTHD_USERNAME, _PASSWORD, _IP,
    /// _PROTOCOL; prints `{"status":1}`, `{"status":0}` or `{"status":2,"to_verify":…}`.
    CheckPassword,
}

/// The legacy account of one user, read from the source's file when first asked for.
struct OneAccount<'a> {
    config: Option<&'a SourceConfig>,
    read: OnceCell<Option<LegacyAccount>>,
}

impl Accounts for OneAccount<'_> {
    fn account(&self, username: &str) -> Result<Option<LegacyAccount>, AnswerError> {
        let Some(config) = self.config else {
            return Ok(None);
        };
        if let Some(read) = self.read.get() {
            return Ok(read.clone());
        }
        let account = LegacySource::read_one(config, username)?;
        Ok(self.read.get_or_init(|| account).clone())
    }
}

pub(crate) fn run(args: &SftpgoArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let config = Config::load(&args.config)
        .with_context(|| format!("configuration {}", args.config.display()))?;
    let answerer = config.answerer();
    let accounts = OneAccount {
        config: config.source.as_ref(),
        read: OnceCell::new(),
    };
    let env = |name: &str| std::env::var_os(name);
    match args.hook {
        SftpgoHook::ExternalAuth => {
            let req = ExternalAuthRequest::from_env(env).context("SFTPGo's environment")?;
            let attempt = answerer.external_auth(&req, &accounts)?;
            send(&attempt.reply.to_body())?;
            audit_of(&attempt, &req.username, &req.ip, &req.protocol)(started)
                .write(args.log_format);
        }
        SftpgoHook::CheckPassword => {
            let req = CheckPasswordRequest::from_env(env).context("SFTPGo's environment")?;
            let attempt = answerer.check_password(&req, &accounts)?;
            send(&attempt.reply.to_body())?;
            audit_of(&attempt, &req.username, &req.ip, &req.protocol)(started)
                .write(args.log_format);
        }
    }
    Ok(super::EXIT_OK)
}

/// The answer on standard output, whole, or an error (SFTPGo then denies).
fn send(body: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(body)
        .and_then(|()| out.flush())
        .context("writing the answer")
}

/// The audit entry of an attempt, once its time is known.
fn audit_of<'a, R>(
    attempt: &Attempt<R>,
    user: &'a str,
    ip: &'a str,
    protocol: &'a str,
) -> impl FnOnce(Instant) -> audit::Entry<'a> {
    let (hook, outcome, reason, source) = (
        attempt.hook.name(),
        attempt.outcome.name(),
        attempt.reason.name(),
        attempt.place.name(),
    );
    let scheme = attempt.scheme.map(|s| s.name());
    move |started| audit::Entry {
        hook,
        user,
        ip,
        protocol,
        outcome,
        reason,
        source,
        scheme,
        elapsed: started.elapsed(),
    }
}
