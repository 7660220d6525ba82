//! `passgate check pam-exec|checkpassword|authnz-external`: passgate as the program an auth
//! server runs to check one password against a legacy source, each in its caller's wire
//! contract. The verdict is the exit status; the audit line goes to standard error.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use clap::{Args, Subcommand};
use passgate::answer::check::{
    self, AccountHome, AccountPhase, CheckInputError, Contract, Login, PamExecEnv, PamType,
};
use passgate::answer::{
    AccountVerdict, Accounts, AnswerError, Answerer, Attempt, HookKind, LegacyAccount,
    LegacySource, Outcome, SourceConfig,
};
use passgate::hooks::Config;
use zeroize::Zeroizing;

use super::audit::{self, LogFormat};
use super::warn;

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    #[command(subcommand)]
    contract: ContractCommand,
    /// The configuration: `[policy]` and the legacy source (`[source]`, or `[sources.NAME]`
    /// with --source).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "passgate.toml"
    )]
    config: PathBuf,
    /// Verify against `[sources.NAME]` instead of `[source]`.
    #[arg(long, global = true, value_name = "NAME")]
    source: Option<String>,
    /// The audit line's format on standard error.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
enum ContractCommand {
    /// pam_exec with `expose_authtok`: the password on standard input (up to a NUL or the
    /// end), the user in PAM_USER. PAM_TYPE auth checks the password; PAM_TYPE account
    /// (no password) checks that the account exists and is not locked, disabled or expired.
    ///
    /// Exit status: 0 allow, 1 deny, 2 misuse or an error (pam_exec denies on any non-zero).
    PamExec,
    /// The checkpassword interface (qmail, Dovecot's passdb checkpassword):
    /// `user\0password\0timestamp\0` on descriptor 3. After a right password, runs PROGRAM
    /// with USER, HOME, userdb_uid, userdb_gid and EXTRA set, or exits 0 without one.
    ///
    /// Exit status: 1 wrong password, unknown, locked, disabled or expired account; 2
    /// misuse (malformed input, descriptor 3 not open, a Dovecot lookup); 111 temporary
    /// failure (configuration or source unreadable, memory, PROGRAM not run).
    Checkpassword {
        /// Before running PROGRAM, change to the account's gid and uid (supplementary groups
        /// dropped) and to its home directory, as qmail's checkpassword does. Needs root;
        /// an account with uid or gid 0 is refused.
        #[arg(long)]
        become_user: bool,
        /// The program to run after a right password, and its arguments (Dovecot appends
        /// its `checkpassword-reply`).
        #[arg(
            value_name = "PROGRAM",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        next: Vec<OsString>,
    },
    /// mod_authnz_external's pipe method: the user name and the password on standard
    /// input, one line each. (The environment method passes the password in the
    /// environment, which other processes can read: not supported.)
    ///
    /// Exit status: 0 allow, 1 deny, 2 misuse or an error.
    AuthnzExternal,
}

/// Allowed.
const EXIT_ALLOW: u8 = 0;
/// Denied: wrong password, unknown user, locked, disabled or expired account.
const EXIT_DENY: u8 = 1;
/// Misuse: input no caller sends.
const EXIT_MISUSE: u8 = 2;
/// checkpassword's temporary failure.
const EXIT_TEMPORARY: u8 = 111;

/// The legacy account of one user, read from the source's file.
struct FileAccounts<'a>(&'a SourceConfig);

impl Accounts for FileAccounts<'_> {
    fn account(&self, username: &str) -> Result<Option<LegacyAccount>, AnswerError> {
        Ok(LegacySource::read_one(self.0, username)?)
    }
}

/// What ended a check before a verdict: misuse, or a failure with no verdict.
enum Stop {
    Misuse(String),
    Failure(String),
}

impl From<CheckInputError> for Stop {
    fn from(e: CheckInputError) -> Self {
        Self::Misuse(e.to_string())
    }
}

impl From<AnswerError> for Stop {
    fn from(e: AnswerError) -> Self {
        Self::Failure(format!("{e:#}"))
    }
}

pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let contract = match args.contract {
        ContractCommand::PamExec => Contract::PamExec,
        ContractCommand::Checkpassword { .. } => Contract::Checkpassword,
        ContractCommand::AuthnzExternal => Contract::AuthnzExternal,
    };
    let result = match &args.contract {
        ContractCommand::PamExec => pam_exec(args, started),
        ContractCommand::Checkpassword { become_user, next } => {
            checkpassword(args, *become_user, next, started)
        }
        ContractCommand::AuthnzExternal => authnz_external(args, started),
    };
    Ok(match result {
        Ok(code) => code,
        Err(Stop::Misuse(message)) => {
            warn(format_args!("check {contract}: {message}"));
            EXIT_MISUSE
        }
        Err(Stop::Failure(message)) => {
            warn(format_args!("check {contract}: {message}"));
            match contract {
                Contract::Checkpassword => EXIT_TEMPORARY,
                _ => EXIT_MISUSE,
            }
        }
    })
}

/// The configuration's answerer and the source named on the command line.
fn load(args: &CheckArgs) -> Result<(Answerer, SourceConfig), Stop> {
    let config = Config::load(&args.config)
        .map_err(|e| Stop::Failure(format!("configuration {}: {e}", args.config.display())))?;
    let source = config
        .source_named(args.source.as_deref())
        .map_err(|e| Stop::Failure(format!("configuration {}: {e}", args.config.display())))?
        .clone();
    Ok((config.answerer(), source))
}

/// Reads at most `limit` bytes and one more (so that a longer input shows as such), into
/// memory that is zeroed when dropped and never reallocated.
fn read_bounded(reader: impl Read, limit: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(limit + 1));
    reader.take(limit as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

fn env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// The audit line of a verification.
fn audit_attempt(
    args: &CheckArgs,
    attempt: &Attempt<AccountVerdict>,
    user: &str,
    ip: &str,
    protocol: &str,
    started: Instant,
) {
    audit::Entry {
        hook: attempt.hook.name(),
        user,
        ip,
        protocol,
        outcome: attempt.outcome.name(),
        reason: attempt.reason.name(),
        source: attempt.place.name(),
        scheme: attempt.scheme.map(|s| s.name()),
        elapsed: started.elapsed(),
    }
    .write(args.log_format);
}

/// The audit line's protocol: the contract, and the caller's service when it names one.
fn protocol(contract: Contract, service: &str) -> String {
    if service.is_empty() {
        contract.name().to_owned()
    } else {
        format!("{contract}/{service}")
    }
}

fn verdict_code(attempt: &Attempt<AccountVerdict>) -> u8 {
    match attempt.outcome {
        Outcome::Allow => EXIT_ALLOW,
        _ => EXIT_DENY,
    }
}

fn pam_exec(args: &CheckArgs, started: Instant) -> Result<u8, Stop> {
    let pam = PamExecEnv::from_vars(std::env::vars_os())?;
    let (answerer, source) = load(args)?;
    let accounts = FileAccounts(&source);
    let protocol = protocol(Contract::PamExec, &pam.service);
    match pam.pam_type {
        PamType::Auth => {
            let input = read_bounded(io::stdin().lock(), Contract::PamExec.input_limit())
                .map_err(|e| Stop::Misuse(format!("reading standard input: {e}")))?;
            let login = Login::from_pam_exec(&pam.username, &input)?;
            drop(input);
            let attempt = answerer.verify_account(
                HookKind::Check,
                login.username(),
                login.password(),
                &accounts,
            )?;
            audit_attempt(
                args,
                &attempt,
                &pam.username,
                &pam.rhost,
                &protocol,
                started,
            );
            Ok(verdict_code(&attempt))
        }
        PamType::Account => {
            let phase = check::account_phase(&accounts, &pam.username)?;
            let usable = matches!(phase, AccountPhase::Usable(_));
            audit::Entry {
                hook: HookKind::Check.name(),
                user: &pam.username,
                ip: &pam.rhost,
                protocol: &protocol,
                outcome: if usable { "allow" } else { "deny" },
                reason: phase.name(),
                source: if matches!(phase, AccountPhase::NotFound) {
                    "none"
                } else {
                    "legacy"
                },
                scheme: None,
                elapsed: started.elapsed(),
            }
            .write(args.log_format);
            Ok(if usable { EXIT_ALLOW } else { EXIT_DENY })
        }
    }
}

fn authnz_external(args: &CheckArgs, started: Instant) -> Result<u8, Stop> {
    check::authnz_authtype(env)?;
    let ip = check::env_text(env, "IP")?;
    let (answerer, source) = load(args)?;
    let input = read_bounded(io::stdin().lock(), Contract::AuthnzExternal.input_limit())
        .map_err(|e| Stop::Misuse(format!("reading standard input: {e}")))?;
    let login = Login::from_authnz_pipe(&input)?;
    drop(input);
    let attempt = answerer.verify_account(
        HookKind::Check,
        login.username(),
        login.password(),
        &FileAccounts(&source),
    )?;
    let protocol = protocol(Contract::AuthnzExternal, "");
    audit_attempt(args, &attempt, login.username(), &ip, &protocol, started);
    Ok(verdict_code(&attempt))
}

/// Descriptor 3, through its path in /dev/fd: a pipe (as Dovecot and qmail give it) opens
/// as the same pipe.
fn open_fd3() -> Result<File, Stop> {
    File::open("/dev/fd/3").map_err(|e| {
        Stop::Misuse(match e.kind() {
            io::ErrorKind::NotFound => {
                "descriptor 3 is not open: checkpassword reads the login from it".to_owned()
            }
            _ => format!("descriptor 3 cannot be read: {e}"),
        })
    })
}

fn checkpassword(
    args: &CheckArgs,
    become_user: bool,
    next: &[OsString],
    started: Instant,
) -> Result<u8, Stop> {
    check::checkpassword_authorized(env)?;
    let service = check::env_text(env, "SERVICE")?;
    let ip = check::env_text(env, "TCPREMOTEIP")?;
    let fd3 = open_fd3()?;
    let input = read_bounded(fd3, Contract::Checkpassword.input_limit())
        .map_err(|e| Stop::Misuse(format!("reading descriptor 3: {e}")))?;
    let login = Login::from_checkpassword(&input)?;
    drop(input);
    let (answerer, source) = load(args)?;
    let attempt = answerer.verify_account(
        HookKind::Check,
        login.username(),
        login.password(),
        &FileAccounts(&source),
    )?;
    let username = login.username().to_owned();
    drop(login);
    let protocol = protocol(Contract::Checkpassword, &service);
    audit_attempt(args, &attempt, &username, &ip, &protocol, started);
    let AccountVerdict::Verified(account) = attempt.reply else {
        return Ok(EXIT_DENY);
    };
    let Some((program, program_args)) = next.split_first() else {
        return Ok(EXIT_ALLOW);
    };
    let home = AccountHome::of(&account).ok_or_else(|| {
        Stop::Failure(
            "the account's home directory is not absolute or holds a control character".into(),
        )
    })?;
    let mut command = Command::new(program);
    command
        .args(program_args)
        .envs(check::checkpassword_env(&home));
    if become_user {
        if home.uid == 0 || home.gid == 0 {
            return Err(Stop::Failure(
                "--become-user: the account's uid or gid is 0 (set force_uid and force_gid \
                 in the source)"
                    .into(),
            ));
        }
        // Checked here for a clear message: a failed chdir would read as a missing program.
        if !std::path::Path::new(&home.home).is_dir() {
            return Err(Stop::Failure(format!(
                "--become-user: the account's home directory {} does not exist",
                home.home
            )));
        }
        command.gid(home.gid).uid(home.uid).current_dir(&home.home);
    }
    // Returns only when the program could not be run.
    let e = command.exec();
    Err(Stop::Failure(format!(
        "running {}: {e}",
        PathBuf::from(program).display()
    )))
}
