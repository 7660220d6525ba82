//! Argument parsing, calls into the library, printing. No logic the library lacks.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use passgate::scheme::descrypt::DesCryptHash;
use passgate::scheme::pbkdf2::Pbkdf2Variant;
use passgate::{HashParams, ParamValue, Policy, Scheme, StoredHash, VerifyError};
use serde_json::{Value, json};

mod audit;
mod check;
mod directadmin;
mod import;
mod input;
mod login;
mod output;
mod password;
mod pure_authd;
mod schemes;
mod serve;
mod sftpgo;
mod shortcut;

use self::input::Line;
use self::output::Output;
pub(crate) use self::output::{is_broken_pipe, warn};

/// Match, success.
const EXIT_OK: u8 = 0;
/// Mismatch, denied.
const EXIT_MISMATCH: u8 = 1;
/// Usage error, unparseable hash, policy refusal, memory that could not be allocated.
pub(crate) const EXIT_ERROR: u8 = 2;

/// Verify, identify and create stored password hashes.
///
/// Passwords are read from standard input (one trailing newline removed) or, on a terminal,
/// from a prompt without echo; never from the command line.
#[derive(Parser, Debug)]
#[command(name = "passgate", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print machine-readable JSON on standard output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Verify the password on standard input against a stored hash.
    ///
    /// Exit status: 0 match, 1 mismatch or locked account, 2 the hash or password was refused,
    /// or the hash's memory could not be allocated (no verdict).
    Verify {
        /// The stored hash (quote it: it holds `$`). Use --stored-file to keep it out of the
        /// process list.
        #[arg(
            required_unless_present = "stored_file",
            conflicts_with = "stored_file"
        )]
        stored: Option<String>,
        /// Read the stored hash from the first line of this file instead (at most 64 KiB; its
        /// `\n` or `\r\n` ending removed).
        #[arg(long, value_name = "FILE")]
        stored_file: Option<PathBuf>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Describe stored hashes: scheme, parameters, legacy status, policy verdict. Never
    /// prints a salt or digest. With no arguments, reads one hash per line from standard
    /// input (each line at most 64 KiB, its `\n` or `\r\n` ending removed).
    ///
    /// Exit status: 0 every hash is usable under the policy, 2 otherwise.
    Identify {
        /// Stored hashes.
        stored: Vec<String>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Hash the password on standard input and print the stored form.
    Hash {
        /// The scheme to hash with.
        #[arg(long, value_enum, default_value = "bcrypt")]
        scheme: HashScheme,
        #[command(flatten)]
        cost: CostFlags,
        #[command(flatten)]
        limits: Limits,
    },
    /// Run one login attempt through the hook pipeline of a passgate.toml: DirectAdmin and
    /// SFTPGo hooks around the verifier, with rehash-on-login. Password on standard input.
    ///
    /// Exit status: 0 allow, 1 deny, 2 configuration or usage error, or a temporary failure.
    Login {
        #[command(flatten)]
        args: login::LoginArgs,
        #[command(flatten)]
        limits: Limits,
    },
    /// Import accounts from /etc/shadow, Pure-FTPd, ProFTPD or htpasswd files into an SFTPGo
    /// dump for `loaddata`. Never prints a hash; problems are reported by line number.
    ///
    /// Exit status: 0 every account imported, 1 some skipped or malformed, 2 nothing usable
    /// (no dump written) or a fatal error.
    Import(import::ImportArgs),
    /// Be SFTPGo's external auth or check-password program hook: answer the login in
    /// SFTPGo's environment from SFTPGo's stored user and the legacy `[source]`.
    ///
    /// Exit status: 0 answered (the answer on standard output says allow or deny), non-zero
    /// no answer (SFTPGo denies): a configuration, source or environment error.
    Sftpgo(sftpgo::SftpgoArgs),
    /// Serve SFTPGo's external auth and check-password hooks over HTTP(S):
    /// POST /sftpgo/external-auth, POST /sftpgo/check-password, GET /healthz, GET /metrics;
    /// and HTTP Basic for a reverse proxy's auth subrequest (nginx auth_request) under
    /// /http-basic, one realm per [[http_basic]] prefix.
    ///
    /// SIGTERM: finish requests in flight and exit 0. SIGHUP: reload the legacy sources.
    Serve(serve::ServeArgs),
    /// Be the program an auth server runs to check one password against a legacy source:
    /// pam_exec (expose_authtok), checkpassword (qmail, Dovecot) or mod_authnz_external
    /// (pipe). The verdict is the exit status; one audit line goes to standard error.
    Check(check::CheckArgs),
    /// Be DirectAdmin's `login_pre` script: allow or deny each request by IP networks, login
    /// times and refused hash schemes (`[directadmin_filter]`), with one line saying why.
    ///
    /// Exit status: 0 allow, 1 deny, 2 error; DirectAdmin denies on any non-zero status and
    /// counts it against its brute-force check.
    Directadmin(directadmin::DirectadminArgs),
    /// Answer Pure-FTPd's external authentication (`pure-ftpd -l extauth:SOCKET`) on a Unix
    /// socket, from a legacy source: auth_ok:1 with the account's uid, gid and home, 0 for a
    /// user the source does not hold, -1 for a refusal.
    ///
    /// SIGTERM: finish logins in flight, remove the socket and exit 0. SIGHUP: reload the
    /// source.
    PureAuthd(pure_authd::PureAuthdArgs),
    /// List every scheme passgate reads: its identifiers, whether it verifies under the
    /// policy, whether `hash` can write it, whether it is legacy, and its limits.
    Schemes {
        #[command(flatten)]
        limits: Limits,
    },
    /// Print a shell completion script for passgate on standard output.
    ///
    /// For example: `passgate completions bash > /usr/share/bash-completion/completions/passgate`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print passgate's manual page (roff) on standard output.
    ///
    /// For example: `passgate man > /usr/local/share/man/man1/passgate.1`.
    Man,
}

/// The cost of a new hash; each scheme takes its own flags, and the recommended values
/// where they are absent.
#[derive(Args, Debug, Default)]
struct CostFlags {
    /// bcrypt cost, 4–31 (default 12).
    #[arg(long)]
    cost: Option<u32>,
    /// sha-crypt rounds, 1000–999999999 (default: sha256crypt 535000, sha512crypt 656000).
    #[arg(long)]
    rounds: Option<u32>,
    /// PBKDF2 iterations (default: sha1 1300000, sha256 600000, sha512 210000).
    #[arg(long)]
    iterations: Option<u32>,
    /// Argon2id memory in KiB, at least 8 per lane (default 19456).
    #[arg(long, value_name = "KIB")]
    memory_kib: Option<u32>,
    /// Argon2id passes, at least 1 (default 2).
    #[arg(long)]
    time: Option<u32>,
    /// Argon2id lanes, 1–16777215 (default 1).
    #[arg(long)]
    lanes: Option<u32>,
}

impl CostFlags {
    /// Refuses every flag given except `allowed`.
    fn only(&self, scheme: &str, allowed: &[&str]) -> anyhow::Result<()> {
        let given = [
            ("--cost", self.cost.is_some()),
            ("--rounds", self.rounds.is_some()),
            ("--iterations", self.iterations.is_some()),
            ("--memory-kib", self.memory_kib.is_some()),
            ("--time", self.time.is_some()),
            ("--lanes", self.lanes.is_some()),
        ];
        match given.iter().find(|(f, set)| *set && !allowed.contains(f)) {
            Some((flag, _)) => bail!(
                "{scheme} does not take {flag} (it takes {})",
                allowed.join(", ")
            ),
            None => Ok(()),
        }
    }
}

/// The schemes `hash` can write (md5crypt, apr1 and DES crypt are verify-only).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum HashScheme {
    Bcrypt,
    Sha256crypt,
    Sha512crypt,
    #[value(name = "pbkdf2-sha1")]
    Pbkdf2Sha1,
    #[value(name = "pbkdf2-sha256")]
    Pbkdf2Sha256,
    #[value(name = "pbkdf2-sha512")]
    Pbkdf2Sha512,
    #[value(name = "pbkdf2-b64salt-sha256")]
    Pbkdf2B64saltSha256,
    /// Argon2id, by default at m=19456 KiB, t=2, p=1 (OWASP), which SFTPGo reads too.
    Argon2id,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum PolicyName {
    /// Legacy schemes verify and always need a rehash.
    #[default]
    Default,
    /// Legacy schemes (md5crypt, apr1, pbkdf2-sha1, passlib's pbkdf2 (SHA-1), the unsalted
    /// digests, DES crypt) are refused.
    Strict,
}

// `Default` is what clap gives when no flag is set (`shortcut` relies on it).
#[derive(Args, Debug, Default)]
struct Limits {
    /// Which policy to start from.
    #[arg(long, value_enum, default_value = "default")]
    policy: PolicyName,
    /// Highest bcrypt cost to verify (default 16).
    #[arg(long, value_name = "COST")]
    max_cost: Option<u32>,
    /// Most sha-crypt rounds to verify (default 10000000).
    #[arg(long, value_name = "ROUNDS")]
    max_rounds: Option<u32>,
    /// Most PBKDF2 iterations × blocks to verify (default 10000000).
    #[arg(long, value_name = "WORK")]
    max_work: Option<u64>,
    /// Most Argon2 and yescrypt memory to verify, in KiB (default 262144).
    #[arg(long, value_name = "KIB")]
    max_memory_kib: Option<u32>,
    /// Highest Argon2 and yescrypt `t` to verify (default 10).
    #[arg(long, value_name = "T")]
    max_time: Option<u32>,
    /// Highest Argon2 and yescrypt `p` to verify (default 16).
    #[arg(long, value_name = "P")]
    max_parallelism: Option<u32>,
    /// Longest password in bytes (default 1024).
    #[arg(long, value_name = "BYTES")]
    max_password_len: Option<usize>,
}

impl Limits {
    fn policy(&self) -> Policy {
        let mut policy = Policy::default();
        self.apply(&mut policy);
        policy
    }

    /// Lays the flags over a policy (the default one, or a configuration's).
    fn apply(&self, policy: &mut Policy) {
        if self.policy == PolicyName::Strict {
            policy.allow_legacy = false;
        }
        if let Some(n) = self.max_cost {
            policy.max_bcrypt_cost = n;
        }
        if let Some(n) = self.max_rounds {
            policy.max_shacrypt_rounds = n;
        }
        if let Some(n) = self.max_work {
            policy.max_pbkdf2_work = n;
        }
        if let Some(n) = self.max_memory_kib {
            policy.max_argon2_memory_kib = n;
            policy.max_yescrypt_memory_kib = u64::from(n);
        }
        if let Some(n) = self.max_time {
            policy.max_argon2_time = n;
            policy.max_yescrypt_time = n;
        }
        if let Some(n) = self.max_parallelism {
            policy.max_argon2_lanes = n;
            policy.max_yescrypt_parallelism = n;
        }
        if let Some(n) = self.max_password_len {
            policy.max_password_len = n;
        }
    }
}

/// The library features the binary is built with (cli/Cargo.toml), for `--version`.
const FEATURES: [(&str, bool); 3] = [("hooks", true), ("http", true), ("import", true)];

/// The clap command, with a version that names the enabled features.
fn command() -> clap::Command {
    let features: Vec<&str> = FEATURES
        .iter()
        .filter_map(|&(name, on)| on.then_some(name))
        .collect();
    let version = format!(
        "{} (features: {})",
        env!("CARGO_PKG_VERSION"),
        features.join(", ")
    );
    Cli::command().version(version)
}

/// Parses the command line and runs the command.
pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match shortcut::plain_verify(&args) {
        Some(cli) => cli,
        None => {
            Cli::from_arg_matches(&command().get_matches_from(args)).unwrap_or_else(|e| e.exit())
        }
    };
    let out = Output::new(cli.json);
    let code = match cli.command {
        Command::Verify {
            stored,
            stored_file,
            limits,
        } => {
            let policy = limits.policy();
            let stored = match (stored, stored_file) {
                (Some(s), _) => s,
                (None, Some(path)) => input::first_line(&path)?,
                (None, None) => bail!("no stored hash given"),
            };
            verify(&policy, &stored, &out)?
        }
        Command::Identify { stored, limits } => identify(&limits.policy(), &stored, &out)?,
        Command::Hash {
            scheme,
            cost,
            limits,
        } => {
            let policy = limits.policy();
            let params = hash_params(scheme, &cost)?;
            hash(&policy, params, &out)?
        }
        Command::Login { args, limits } => login::run(&args, &limits, &out)?,
        Command::Import(args) => import::run(&args, out.json)?,
        Command::Sftpgo(args) => sftpgo::run(&args)?,
        Command::Serve(args) => serve::run(&args)?,
        Command::Check(args) => check::run(&args)?,
        Command::Directadmin(args) => directadmin::run(&args, &out)?,
        Command::PureAuthd(args) => pure_authd::run(&args)?,
        Command::Schemes { limits } => schemes::run(&limits.policy(), &out)?,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "passgate", &mut script);
            out.write(|o| o.write_all(&script))?;
            EXIT_OK
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut page)
                .context("rendering the manual page")?;
            out.write(|o| o.write_all(&page))?;
            EXIT_OK
        }
    };
    Ok(ExitCode::from(code))
}

fn verify(policy: &Policy, stored: &str, out: &Output) -> anyhow::Result<u8> {
    let password = password::read(policy.max_password_len, false)?;
    let result = policy.verify(stored, &password);
    let code = match result {
        Ok(_) => EXIT_OK,
        Err(VerifyError::Mismatch | VerifyError::Disabled) => EXIT_MISMATCH,
        Err(_) => EXIT_ERROR,
    };
    match (out.json, result) {
        (true, Ok(v)) => out.json(&json!({
            "result": "match",
            "scheme": v.scheme.name(),
            "needs_rehash": v.needs_rehash,
            "truncated": v.truncated,
        }))?,
        (true, Err(e)) => out.json(&json!({
            "result": if code == EXIT_MISMATCH { "mismatch" } else { "error" },
            "error": e.name(),
            "message": e.to_string(),
        }))?,
        (false, Ok(v)) => {
            let mut line = format!("match ({})", v.scheme);
            if v.needs_rehash {
                line.push_str(", needs rehash");
            }
            if let Some(n) = v
                .scheme
                .significant_password_bytes()
                .filter(|_| v.truncated)
            {
                line.push_str(&format!(", password truncated to {n} bytes"));
            }
            out.line(line)?;
        }
        (false, Err(e)) if code == EXIT_MISMATCH => out.line(e)?,
        (false, Err(e)) => warn(e),
    }
    // An empty hash reads as a locked account; it is also what the shell leaves of `$6$…`.
    if (matches!(result, Err(VerifyError::Parse(_))) || stored.is_empty())
        && let Some(hint) = stored_hint(stored)
    {
        warn(hint);
    }
    Ok(code)
}

/// A hint for a stored hash that did not parse because of how it reached passgate: a path
/// given where the hash belongs, or a hash whose `$…` fields the shell replaced (every
/// identifier starts with `$` or `{`; only DES crypt, 13 characters, has none).
fn stored_hint(stored: &str) -> Option<&'static str> {
    let path_like = ["/", "./", "../", "~/"]
        .iter()
        .any(|p| stored.starts_with(p));
    if path_like || (stored.contains('/') && Path::new(stored).is_file()) {
        Some("hint: that names a file; use --stored-file FILE to read the hash from it")
    } else if !stored.starts_with(['$', '{']) && stored.len() != DesCryptHash::LEN {
        Some(
            "hint: quote the hash in single quotes ('$6$...'); unquoted or in double quotes \
             the shell replaces each $WORD in it; or use --stored-file FILE",
        )
    } else {
        None
    }
}

/// A parameter's value in JSON.
fn param_json(value: ParamValue) -> Value {
    match value {
        ParamValue::Number(n) => json!(n),
        ParamValue::Bool(b) => json!(b),
        ParamValue::Text(t) => json!(t),
        other => json!(other.to_string()),
    }
}

/// Describes each hash given, or each line of standard input, as it comes.
fn identify(policy: &Policy, stored: &[String], out: &Output) -> anyhow::Result<u8> {
    let mut code = EXIT_OK;
    let mut count = 0usize;
    let mut emit = |report: Value, code: &mut u8| -> anyhow::Result<()> {
        if report.get("error").is_some() || report["policy"] != json!("ok") {
            *code = EXIT_ERROR;
        }
        if out.json {
            let separator: &[u8] = if count == 0 { b"[" } else { b"," };
            out.write(|o| {
                o.write_all(separator)?;
                serde_json::to_writer(&mut *o, &report).map_err(std::io::Error::from)
            })?;
        } else {
            out.line(identify_line(&report))?;
        }
        count += 1;
        Ok(())
    };
    let mut fatal = None;
    if stored.is_empty() {
        let mut stdin = std::io::stdin().lock();
        for number in 1u64.. {
            if out.is_closed() {
                break;
            }
            match input::next_line(&mut stdin) {
                Ok(None) => break,
                Ok(Some(Line::Text(s))) => emit(identify_one(policy, &s), &mut code)?,
                Ok(Some(Line::NotUtf8)) => emit(
                    json!({"error": "NotUtf8", "message": format!("line {number} is not UTF-8")}),
                    &mut code,
                )?,
                Err(e) => {
                    fatal = Some(format!("standard input, line {number}: {e}; stopped there"));
                    break;
                }
            }
        }
    } else {
        for s in stored {
            emit(identify_one(policy, s), &mut code)?;
        }
    }
    if out.json {
        let open: &[u8] = if count == 0 { b"[" } else { b"" };
        out.write(|o| {
            o.write_all(open)?;
            o.write_all(b"]\n")
        })?;
    }
    if let Some(message) = fatal {
        warn(message);
        code = EXIT_ERROR;
    }
    Ok(code)
}

/// One hash's report: scheme, parameters, legacy, policy verdict, rehash; or its error.
fn identify_one(policy: &Policy, s: &str) -> Value {
    match StoredHash::parse(s) {
        Ok(hash) => {
            let verdict = policy.check_hash(&hash);
            let params: serde_json::Map<String, Value> = hash
                .params()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), param_json(v)))
                .collect();
            json!({
                "scheme": hash.scheme().name(),
                "parameters": params,
                "legacy": hash.scheme().is_legacy(),
                "policy": match verdict {
                    Ok(()) => json!("ok"),
                    Err(e) => json!({"refused": e.name(), "message": e.to_string()}),
                },
                "needs_rehash": policy.needs_rehash(&hash),
            })
        }
        Err(e) => {
            let e = VerifyError::from(e);
            json!({"error": e.name(), "message": e.to_string()})
        }
    }
}

fn identify_line(r: &Value) -> String {
    if let Some(message) = r.get("message").and_then(Value::as_str) {
        return format!("error: {message}");
    }
    let mut line = r["scheme"].as_str().unwrap_or_default().to_owned();
    if let Some(params) = r["parameters"].as_object() {
        for (k, v) in params {
            line.push_str(&format!(" {k}={v}"));
        }
    }
    if r["legacy"] == json!(true) {
        line.push_str(" legacy");
    }
    match r["policy"].get("message").and_then(Value::as_str) {
        Some(m) => line.push_str(&format!(" refused: {m}")),
        None => line.push_str(" policy=ok"),
    }
    if r["needs_rehash"] == json!(true) {
        line.push_str(" needs-rehash");
    }
    line
}

fn hash_params(scheme: HashScheme, f: &CostFlags) -> anyhow::Result<HashParams> {
    let pbkdf2 = |variant: Pbkdf2Variant, scheme: Scheme| -> anyhow::Result<HashParams> {
        f.only(scheme.name(), &["--iterations"])?;
        Ok(match f.iterations {
            Some(iterations) => HashParams::Pbkdf2 {
                variant,
                iterations,
            },
            None => recommended(scheme)?,
        })
    };
    Ok(match scheme {
        HashScheme::Bcrypt => {
            f.only("bcrypt", &["--cost"])?;
            match f.cost {
                Some(cost) => HashParams::Bcrypt { cost },
                None => recommended(Scheme::Bcrypt)?,
            }
        }
        HashScheme::Sha256crypt | HashScheme::Sha512crypt => {
            f.only("sha-crypt", &["--rounds"])?;
            let sha256 = matches!(scheme, HashScheme::Sha256crypt);
            match (f.rounds, sha256) {
                (Some(r), true) => HashParams::Sha256Crypt { rounds: Some(r) },
                (Some(r), false) => HashParams::Sha512Crypt { rounds: Some(r) },
                (None, true) => recommended(Scheme::Sha256Crypt)?,
                (None, false) => recommended(Scheme::Sha512Crypt)?,
            }
        }
        HashScheme::Argon2id => {
            f.only("argon2id", &["--memory-kib", "--time", "--lanes"])?;
            let HashParams::Argon2id { m, t, p } = recommended(Scheme::Argon2id)? else {
                bail!("argon2id cannot be generated");
            };
            HashParams::Argon2id {
                m: f.memory_kib.unwrap_or(m),
                t: f.time.unwrap_or(t),
                p: f.lanes.unwrap_or(p),
            }
        }
        HashScheme::Pbkdf2Sha1 => pbkdf2(Pbkdf2Variant::Sha1, Scheme::Pbkdf2Sha1)?,
        HashScheme::Pbkdf2Sha256 => pbkdf2(Pbkdf2Variant::Sha256, Scheme::Pbkdf2Sha256)?,
        HashScheme::Pbkdf2Sha512 => pbkdf2(Pbkdf2Variant::Sha512, Scheme::Pbkdf2Sha512)?,
        HashScheme::Pbkdf2B64saltSha256 => {
            pbkdf2(Pbkdf2Variant::B64SaltSha256, Scheme::Pbkdf2B64SaltSha256)?
        }
    })
}

fn recommended(scheme: Scheme) -> anyhow::Result<HashParams> {
    HashParams::recommended(scheme).with_context(|| format!("{scheme} cannot be generated"))
}

fn hash(policy: &Policy, params: HashParams, out: &Output) -> anyhow::Result<u8> {
    let password = password::read(policy.max_password_len, true)?;
    match policy.hash(params, &password) {
        Ok(stored) => {
            if out.json {
                out.json(&json!({"scheme": params.scheme().name(), "hash": stored}))?;
            } else {
                out.line(stored)?;
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            if out.json {
                out.json(&json!({"error": e.name(), "message": e.to_string()}))?;
            } else {
                warn(e);
            }
            Ok(EXIT_ERROR)
        }
    }
}
