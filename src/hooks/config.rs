//! `passgate.toml` (DESIGN §6): the policy, the store, SFTPGo's hooks and DirectAdmin's hook
//! directory. Strict: an unknown key is an error that names it; so is a value out of range.
//!
//! ```toml
//! [policy]                 # all optional; the defaults of passgate::Policy
//! allow_legacy = true      # md5crypt, apr1, pbkdf2-sha1 verify (and are rehashed)
//! max_password_len = 1024
//! max_bcrypt_cost = 16
//! max_shacrypt_rounds = 10000000
//! max_pbkdf2_work = 10000000
//! rehash = true            # rehash-on-login
//! scheme = "bcrypt"        # scheme of new hashes, with cost | rounds | iterations
//! cost = 12
//!
//! [store]
//! path = "users.json"      # an SFTPGo dump; relative to this file's directory
//!
//! [sftpgo]                 # each hook: an absolute program path or an http(s) URL
//! pre_login = "/usr/local/bin/pre-login"
//! external_auth = "https://auth.example.com/check"
//! external_auth_scope = 1  # 0 all; bits 1 password, 2 key, 4 kbd-int, 8 cert
//! check_password = "/usr/local/bin/otp"
//! check_password_scope = 0 # 0 all; bits 1 SSH, 2 FTP, 4 DAV
//! post_login = "/usr/local/bin/notify"
//! post_login_scope = 0     # 0 all, 1 failed only, 2 successful only
//! timeout = 30             # seconds, 1–300, for every SFTPGo hook
//! [sftpgo.env]             # added to the cleared environment of program hooks
//! LDAP_URI = "ldaps://ldap.example.com"
//!
//! [directadmin]
//! hooks_dir = "/usr/local/directadmin/scripts/custom"
//! timeout = 30
//! [directadmin.env]
//!
//! [source]                 # the legacy accounts passgate answers SFTPGo's hooks from
//! format = "shadow"        # shadow | pure-ftpd | proftpd | htpasswd
//! path = "/etc/shadow"
//! passwd = "/etc/passwd"   # shadow only
//! home_base = "/srv/sftpgo"  # homes for accounts without an absolute one
//! min_uid = 1000           # also max_uid, force_uid, force_gid, as `passgate import`
//! poll = 1                 # seconds between looks at the file for changes, 1–3600
//! [sources.web]            # more sources, by name, with the same keys, for the contracts
//! format = "htpasswd"      # that name theirs
//! path = "/etc/nginx/htpasswd"
//! home_base = "/srv/www"
//!
//! [directadmin_filter]     # passgate as DirectAdmin's login_pre filter (docs/directadmin-login-pre.md)
//! source = "system"        # the [sources.NAME] refuse_schemes reads hashes from
//! refuse_schemes = ["md5crypt", "descrypt"]
//! verify = false           # refuse only when the password is the account's
//! time_zone = "Europe/Berlin"  # for days/hours: an IANA name, UTC, +HH:MM; the system's if unset
//! [directadmin_filter.default]   # every user; users.NAME and groups.NAME override key by key
//! deny_ip = ["203.0.113.0/24"]
//! [directadmin_filter.users.admin]
//! allow_ip = ["192.0.2.0/24", "2001:db8::/32"]
//! [directadmin_filter.groups.office]
//! members = ["bob", "carol"]
//! days = ["mon-fri"]
//! hours = ["08:00-18:00"]
//!
//! [serve]                  # passgate as SFTPGo's hook (`passgate serve`, `passgate sftpgo`)
//! listen = "127.0.0.1:8099"
//! tls_cert = "cert.pem"    # with tls_key: HTTPS
//! tls_key = "key.pem"
//! auth_header = "X-Passgate-Token"  # with auth_value: required on every hook request
//! auth_value = "a long random string"
//! workers = 0              # verification threads; 0 = one per core
//! queue = 0                # requests waiting for a worker before 503; 0 = 16 per worker
//! retire = false           # answer right passwords with external_auth_disabled set
//! check_password_without_legacy = "defer"  # defer (status 2) | deny (status 0)
//! min_entropy = 0          # SFTPGo's password_validation.users.min_entropy
//!
//! [[http_basic]]           # HTTP Basic for a reverse proxy's auth subrequest (`passgate serve`)
//! prefix = "/http-basic/staff"  # requests under it; the longest matching prefix wins
//! realm = "Staff"          # the 401's WWW-Authenticate realm; "passgate" when absent
//! source = "web"           # a [sources.NAME]; [source] when absent
//!
//! [pure_authd]             # `passgate pure-authd`: Pure-FTPd's extauth socket
//! socket_mode = "0600"     # 0600 | 0660
//! socket_group = "root"    # with 0660: the socket's group (a name or a number)
//! workers = 0              # verification threads; 0 = one per core
//! queue = 0                # logins waiting for a worker before auth_ok:-1; 0 = 16 per worker
//! max_connections = 256    # open at once; more are closed unanswered
//! timeout = 10             # seconds a connection may take to send its request, 1–60
//! ```
//!
//! `[store]` is needed by `passgate login` only.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::directadmin::DirectAdmin;
use super::dump_store::SftpgoDumpStore;
use super::pipeline::Pipeline;
use super::sftpgo::SftpgoHooks;
use super::{Hook, HookSpecError, check_timeout};
use crate::answer::{
    AnswerSettings, Answerer, HeaderAuth, HttpBasicRealm, PureAuthdConfig, RealmError, ServeConfig,
    SourceConfig, WithoutLegacy,
};
use crate::answer::{FilterSection, LoginPreFilter};
use crate::import::Format;
use crate::{HashParams, Policy, Scheme};
use std::time::Duration;

/// A loaded `passgate.toml`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Limits and the preferred scheme.
    pub policy: Policy,
    /// Rehash-on-login.
    pub rehash: bool,
    /// The SFTPGo dump file holding the users (`[store]`, needed by the login pipeline).
    pub store: Option<PathBuf>,
    /// SFTPGo's hooks.
    pub sftpgo: SftpgoHooks,
    /// DirectAdmin's hooks, when `[directadmin]` is present.
    pub directadmin: Option<DirectAdmin>,
    /// The legacy source passgate answers from, when `[source]` is present.
    pub source: Option<SourceConfig>,
    /// More sources, by name (`[sources.NAME]`, the same keys as `[source]`), for the
    /// contracts that name theirs.
    pub sources: BTreeMap<String, SourceConfig>,
    /// passgate as SFTPGo's hook: the HTTP service and the answers.
    pub serve: ServeConfig,
    /// The HTTP Basic realms `passgate serve` answers (`[[http_basic]]`), each naming a
    /// source that is present.
    pub http_basic: Vec<HttpBasicRealm>,
    /// passgate as DirectAdmin's `login_pre` filter, when `[directadmin_filter]` is present.
    pub directadmin_filter: Option<LoginPreFilter>,
    /// `passgate pure-authd`: Pure-FTPd's extauth socket (`[pure_authd]`).
    pub pure_authd: PureAuthdConfig,
}

/// Why a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {kind}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error kind.
        kind: io::ErrorKind,
    },
    /// Not TOML, an unknown key, or a value of the wrong type.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong (names an unknown key).
        message: String,
    },
    /// A value the format accepts but passgate does not.
    #[error("{key}: {reason}")]
    Invalid {
        /// The key, as `section.key`.
        key: String,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    fn invalid(key: &str, reason: impl ToString) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            reason: reason.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    policy: PolicySection,
    store: Option<StoreSection>,
    #[serde(default)]
    sftpgo: SftpgoSection,
    directadmin: Option<DirectAdminSection>,
    source: Option<SourceSection>,
    #[serde(default)]
    sources: BTreeMap<String, SourceSection>,
    #[serde(default)]
    serve: ServeSection,
    #[serde(default)]
    pure_authd: PureAuthdSection,
    directadmin_filter: Option<FilterSection>,
    #[serde(default)]
    http_basic: Vec<HttpBasicSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpBasicSection {
    prefix: String,
    realm: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceSection {
    format: String,
    path: PathBuf,
    passwd: Option<PathBuf>,
    home_base: Option<String>,
    min_uid: Option<u32>,
    max_uid: Option<u32>,
    force_uid: Option<u32>,
    force_gid: Option<u32>,
    poll: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeSection {
    listen: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    auth_header: Option<String>,
    auth_value: Option<String>,
    #[serde(default)]
    workers: usize,
    #[serde(default)]
    queue: usize,
    #[serde(default)]
    retire: bool,
    check_password_without_legacy: Option<String>,
    #[serde(default)]
    min_entropy: f64,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PureAuthdSection {
    socket_mode: Option<String>,
    socket_group: Option<String>,
    #[serde(default)]
    workers: usize,
    #[serde(default)]
    queue: usize,
    #[serde(default)]
    max_connections: usize,
    timeout: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySection {
    allow_legacy: Option<bool>,
    max_password_len: Option<usize>,
    max_bcrypt_cost: Option<u32>,
    max_shacrypt_rounds: Option<u32>,
    max_shacrypt_work: Option<u64>,
    max_pbkdf2_work: Option<u64>,
    max_argon2_memory_kib: Option<u32>,
    max_argon2_time: Option<u32>,
    max_argon2_lanes: Option<u32>,
    max_yescrypt_memory_kib: Option<u64>,
    max_yescrypt_time: Option<u32>,
    max_yescrypt_parallelism: Option<u32>,
    rehash: Option<bool>,
    scheme: Option<String>,
    cost: Option<u32>,
    rounds: Option<u32>,
    iterations: Option<u32>,
    memory_kib: Option<u32>,
    time: Option<u32>,
    lanes: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    path: PathBuf,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SftpgoSection {
    pre_login: Option<String>,
    external_auth: Option<String>,
    #[serde(default)]
    external_auth_scope: u8,
    check_password: Option<String>,
    #[serde(default)]
    check_password_scope: u8,
    post_login: Option<String>,
    #[serde(default)]
    post_login_scope: u8,
    timeout: Option<u64>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectAdminSection {
    hooks_dir: PathBuf,
    timeout: Option<u64>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

impl Config {
    /// Reads and checks a configuration file. Relative paths in it are relative to its
    /// directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            kind: e.kind(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
    }

    /// Parses and checks a configuration; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |span| line_column(text, span.start));
            ConfigError::Syntax {
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_owned());
        let (policy, rehash) = policy(file.policy)?;
        let sftpgo = sftpgo(file.sftpgo)?;
        let directadmin = file
            .directadmin
            .map(|da| directadmin(da, &base))
            .transpose()?;
        let default_source = file
            .source
            .map(|s| source("source", s, &base))
            .transpose()?;
        let mut sources = BTreeMap::new();
        for (name, section) in file.sources {
            let key = format!("sources.{name}");
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(ConfigError::invalid(
                    &key,
                    "a name of letters, digits, - and _",
                ));
            }
            sources.insert(name, source(&key, section, &base)?);
        }
        let serve = serve(file.serve, &base)?;
        let http_basic = http_basic(file.http_basic, default_source.is_some(), &sources)?;
        let directadmin_filter = file
            .directadmin_filter
            .map(|s| LoginPreFilter::from_section(s, default_source.as_ref(), &sources))
            .transpose()?;
        let pure_authd = pure_authd(file.pure_authd)?;
        Ok(Self {
            policy,
            rehash,
            store: file.store.map(|s| base.join(s.path)),
            sftpgo,
            directadmin,
            source: default_source,
            sources,
            serve,
            http_basic,
            directadmin_filter,
            pure_authd,
        })
    }

    /// The source `name` (`[sources.NAME]`), or `[source]` for `None`; an error naming the
    /// missing section.
    pub fn source_named(&self, name: Option<&str>) -> Result<&SourceConfig, ConfigError> {
        match name {
            None => self
                .source
                .as_ref()
                .ok_or_else(|| ConfigError::invalid("source", "no [source] section")),
            Some(n) => self.sources.get(n).ok_or_else(|| {
                ConfigError::invalid(&format!("sources.{n}"), "no such [sources.NAME] section")
            }),
        }
    }

    /// The login pipeline this configuration describes, over its SFTPGo dump; an error
    /// without `[store]`.
    pub fn pipeline(&self) -> Result<Pipeline<SftpgoDumpStore>, ConfigError> {
        let store = self.store.as_ref().ok_or_else(|| {
            ConfigError::invalid("store.path", "the login pipeline needs a [store] section")
        })?;
        let mut p = Pipeline::new(self.policy.clone(), SftpgoDumpStore::new(store))
            .with_sftpgo(self.sftpgo.clone())
            .with_rehash(self.rehash);
        if let Some(da) = &self.directadmin {
            p = p.with_directadmin(da.clone());
        }
        Ok(p)
    }

    /// The answerer of SFTPGo's hooks this configuration describes.
    pub fn answerer(&self) -> Answerer {
        Answerer::new(self.policy.clone(), self.serve.answers.clone())
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn policy(s: PolicySection) -> Result<(Policy, bool), ConfigError> {
    let mut p = Policy::default();
    if let Some(v) = s.allow_legacy {
        p.allow_legacy = v;
    }
    if let Some(v) = s.max_password_len {
        p.max_password_len = v;
    }
    if let Some(v) = s.max_bcrypt_cost {
        p.max_bcrypt_cost = v;
    }
    if let Some(v) = s.max_shacrypt_rounds {
        p.max_shacrypt_rounds = v;
    }
    if let Some(v) = s.max_shacrypt_work {
        p.max_shacrypt_work = v;
    }
    if let Some(v) = s.max_pbkdf2_work {
        p.max_pbkdf2_work = v;
    }
    if let Some(v) = s.max_argon2_memory_kib {
        p.max_argon2_memory_kib = v;
    }
    if let Some(v) = s.max_argon2_time {
        p.max_argon2_time = v;
    }
    if let Some(v) = s.max_argon2_lanes {
        p.max_argon2_lanes = v;
    }
    if let Some(v) = s.max_yescrypt_memory_kib {
        p.max_yescrypt_memory_kib = v;
    }
    if let Some(v) = s.max_yescrypt_time {
        p.max_yescrypt_time = v;
    }
    if let Some(v) = s.max_yescrypt_parallelism {
        p.max_yescrypt_parallelism = v;
    }
    let scheme = match &s.scheme {
        Some(name) => Scheme::from_name(name)
            .ok_or_else(|| ConfigError::invalid("policy.scheme", "unknown scheme"))?,
        None => Scheme::Bcrypt,
    };
    let mut params = HashParams::recommended(scheme)
        .ok_or_else(|| ConfigError::invalid("policy.scheme", "passgate cannot write it"))?;
    let misplaced = |key: &str| ConfigError::invalid(key, format!("does not apply to {scheme}"));
    if !matches!(params, HashParams::Argon2id { .. }) {
        for (key, value) in [
            ("policy.memory_kib", s.memory_kib),
            ("policy.time", s.time),
            ("policy.lanes", s.lanes),
        ] {
            if value.is_some() {
                return Err(misplaced(key));
            }
        }
    }
    match &mut params {
        HashParams::Bcrypt { cost } => {
            if s.rounds.is_some() {
                return Err(misplaced("policy.rounds"));
            }
            if s.iterations.is_some() {
                return Err(misplaced("policy.iterations"));
            }
            *cost = s.cost.unwrap_or(*cost);
        }
        HashParams::Sha256Crypt { rounds } | HashParams::Sha512Crypt { rounds } => {
            if s.cost.is_some() {
                return Err(misplaced("policy.cost"));
            }
            if s.iterations.is_some() {
                return Err(misplaced("policy.iterations"));
            }
            if let Some(r) = s.rounds {
                *rounds = Some(r);
            }
        }
        HashParams::Pbkdf2 { iterations, .. } => {
            if s.cost.is_some() {
                return Err(misplaced("policy.cost"));
            }
            if s.rounds.is_some() {
                return Err(misplaced("policy.rounds"));
            }
            *iterations = s.iterations.unwrap_or(*iterations);
        }
        HashParams::Argon2id { m, t, p: lanes } => {
            for (key, value) in [
                ("policy.cost", s.cost),
                ("policy.rounds", s.rounds),
                ("policy.iterations", s.iterations),
            ] {
                if value.is_some() {
                    return Err(misplaced(key));
                }
            }
            *m = s.memory_kib.unwrap_or(*m);
            *t = s.time.unwrap_or(*t);
            *lanes = s.lanes.unwrap_or(*lanes);
        }
    }
    p.check_params(params)
        .map_err(|e| ConfigError::invalid("policy.scheme", e))?;
    p.preferred = params;
    Ok((p, s.rehash.unwrap_or(true)))
}

fn hook(
    key: &str,
    spec: Option<String>,
    timeout: u64,
    env: &BTreeMap<String, String>,
) -> Result<Option<Hook>, ConfigError> {
    let Some(spec) = spec else {
        return Ok(None);
    };
    let err = |e: HookSpecError| ConfigError::invalid(key, e);
    let hook = Hook::parse(&spec)
        .map_err(err)?
        .with_timeout_secs(timeout)
        .map_err(|e| ConfigError::invalid("sftpgo.timeout", e))?
        .with_env(env.iter().map(|(k, v)| (k.clone(), v.clone())))
        .map_err(|e| ConfigError::invalid("sftpgo.env", e))?;
    Ok(Some(hook))
}

fn sftpgo(s: SftpgoSection) -> Result<SftpgoHooks, ConfigError> {
    let timeout = s.timeout.unwrap_or(Hook::DEFAULT_TIMEOUT.as_secs());
    let hooks = SftpgoHooks {
        pre_login: hook("sftpgo.pre_login", s.pre_login, timeout, &s.env)?,
        external_auth: hook("sftpgo.external_auth", s.external_auth, timeout, &s.env)?,
        external_auth_scope: s.external_auth_scope,
        check_password: hook("sftpgo.check_password", s.check_password, timeout, &s.env)?,
        check_password_scope: s.check_password_scope,
        post_login: hook("sftpgo.post_login", s.post_login, timeout, &s.env)?,
        post_login_scope: s.post_login_scope,
    };
    // Checked even with no hook configured, so a wrong value is never silent.
    check_timeout(timeout).map_err(|e| ConfigError::invalid("sftpgo.timeout", e))?;
    hooks.validate().map_err(|e| match e {
        HookSpecError::ScopeOutOfRange { name, .. } => {
            ConfigError::invalid(&format!("sftpgo.{name}"), e)
        }
        e => ConfigError::invalid("sftpgo", e),
    })?;
    Ok(hooks)
}

fn source(key: &str, s: SourceSection, base: &Path) -> Result<SourceConfig, ConfigError> {
    let sub = |k: &str| format!("{key}.{k}");
    let format = match s.format.as_str() {
        "shadow" => Format::Shadow,
        "pure-ftpd" => Format::PureFtpd,
        "proftpd" => Format::Proftpd,
        "htpasswd" => Format::Htpasswd,
        _ => {
            return Err(ConfigError::invalid(
                &sub("format"),
                "one of shadow, pure-ftpd, proftpd, htpasswd",
            ));
        }
    };
    let mut c = SourceConfig::new(format, base.join(s.path));
    c.passwd = s.passwd.map(|p| base.join(p));
    c.home_base = s.home_base;
    (c.min_uid, c.max_uid, c.force_uid, c.force_gid) =
        (s.min_uid, s.max_uid, s.force_uid, s.force_gid);
    if let Some(secs) = s.poll {
        if !(1..=3600).contains(&secs) {
            return Err(ConfigError::invalid(&sub("poll"), "seconds, 1 to 3600"));
        }
        c.poll = Duration::from_secs(secs);
    }
    c.check().map_err(|e| ConfigError::invalid(key, e))?;
    Ok(c)
}

fn serve(s: ServeSection, base: &Path) -> Result<ServeConfig, ConfigError> {
    let mut c = ServeConfig::default();
    if let Some(listen) = s.listen {
        c.listen = listen
            .parse()
            .map_err(|_| ConfigError::invalid("serve.listen", "an IP address and port"))?;
    }
    c.tls = match (s.tls_cert, s.tls_key) {
        (Some(cert), Some(key)) => Some((base.join(cert), base.join(key))),
        (None, None) => None,
        _ => {
            return Err(ConfigError::invalid(
                "serve.tls_cert",
                "tls_cert and tls_key go together",
            ));
        }
    };
    c.auth = match (s.auth_header, s.auth_value) {
        (Some(name), Some(value)) => {
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || !name.bytes().all(token) {
                return Err(ConfigError::invalid(
                    "serve.auth_header",
                    "not a header name",
                ));
            }
            if value.is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(ConfigError::invalid(
                    "serve.auth_value",
                    "printable ASCII, not empty",
                ));
            }
            Some(HeaderAuth::new(name, value))
        }
        (None, None) => None,
        _ => {
            return Err(ConfigError::invalid(
                "serve.auth_header",
                "auth_header and auth_value go together",
            ));
        }
    };
    if s.workers > 1024 {
        return Err(ConfigError::invalid("serve.workers", "at most 1024"));
    }
    if s.queue > 1 << 20 {
        return Err(ConfigError::invalid("serve.queue", "at most 1048576"));
    }
    if s.workers > 0 {
        c.workers = s.workers;
    }
    c.queue = if s.queue > 0 { s.queue } else { 16 * c.workers };
    let without_legacy = match s.check_password_without_legacy.as_deref() {
        None | Some("defer") => WithoutLegacy::Defer,
        Some("deny") => WithoutLegacy::Deny,
        Some(_) => {
            return Err(ConfigError::invalid(
                "serve.check_password_without_legacy",
                "defer or deny",
            ));
        }
    };
    if !(0.0..=1000.0).contains(&s.min_entropy) {
        return Err(ConfigError::invalid("serve.min_entropy", "0 to 1000"));
    }
    c.answers = AnswerSettings {
        retire: s.retire,
        without_legacy,
        min_entropy: s.min_entropy,
    };
    Ok(c)
}

/// `[[http_basic]]`: each realm's prefix and realm checked, its source present, no prefix
/// twice.
fn http_basic(
    sections: Vec<HttpBasicSection>,
    has_source: bool,
    sources: &BTreeMap<String, SourceConfig>,
) -> Result<Vec<HttpBasicRealm>, ConfigError> {
    let mut realms: Vec<HttpBasicRealm> = Vec::with_capacity(sections.len());
    for (n, s) in sections.into_iter().enumerate() {
        let key = |k: &str| format!("http_basic[{n}].{k}");
        match &s.source {
            Some(name) if !sources.contains_key(name) => {
                return Err(ConfigError::invalid(
                    &key("source"),
                    format!("no [sources.{name}] section"),
                ));
            }
            None if !has_source => {
                return Err(ConfigError::invalid(
                    &key("source"),
                    "no [source] section (name a [sources.NAME])",
                ));
            }
            _ => {}
        }
        let realm = s
            .realm
            .unwrap_or_else(|| HttpBasicRealm::DEFAULT_REALM.to_owned());
        let r = HttpBasicRealm::new(s.prefix, realm, s.source).map_err(|e| {
            let k = match e {
                RealmError::Realm => "realm",
                _ => "prefix",
            };
            ConfigError::invalid(&key(k), e)
        })?;
        if realms.iter().any(|other| other.prefix() == r.prefix()) {
            return Err(ConfigError::invalid(&key("prefix"), "used twice"));
        }
        realms.push(r);
    }
    Ok(realms)
}

fn pure_authd(s: PureAuthdSection) -> Result<PureAuthdConfig, ConfigError> {
    let socket_mode = match s.socket_mode.as_deref() {
        None | Some("0600" | "600") => 0o600,
        Some("0660" | "660") => 0o660,
        Some(_) => {
            return Err(ConfigError::invalid(
                "pure_authd.socket_mode",
                "0600 or 0660",
            ));
        }
    };
    let mut c = PureAuthdConfig {
        socket_mode,
        ..PureAuthdConfig::default()
    };
    if let Some(group) = &s.socket_group {
        if c.socket_mode != 0o660 {
            return Err(ConfigError::invalid(
                "pure_authd.socket_group",
                "needs socket_mode = \"0660\"",
            ));
        }
        if group.is_empty()
            || group.len() > 256
            || group.chars().any(|c| c.is_control() || c == ':')
        {
            return Err(ConfigError::invalid(
                "pure_authd.socket_group",
                "a group name or number",
            ));
        }
    }
    c.socket_group = s.socket_group;
    if s.workers > 1024 {
        return Err(ConfigError::invalid("pure_authd.workers", "at most 1024"));
    }
    if s.queue > 1 << 20 {
        return Err(ConfigError::invalid("pure_authd.queue", "at most 1048576"));
    }
    if s.max_connections > 65536 {
        return Err(ConfigError::invalid(
            "pure_authd.max_connections",
            "at most 65536",
        ));
    }
    if s.workers > 0 {
        c.workers = s.workers;
    }
    c.queue = if s.queue > 0 { s.queue } else { 16 * c.workers };
    if s.max_connections > 0 {
        c.max_connections = s.max_connections;
    }
    if let Some(secs) = s.timeout {
        if !(1..=60).contains(&secs) {
            return Err(ConfigError::invalid(
                "pure_authd.timeout",
                "seconds, 1 to 60",
            ));
        }
        c.timeout = Duration::from_secs(secs);
    }
    Ok(c)
}

fn directadmin(s: DirectAdminSection, base: &Path) -> Result<DirectAdmin, ConfigError> {
    let dir = base.join(&s.hooks_dir);
    if !dir.is_dir() {
        return Err(ConfigError::invalid(
            "directadmin.hooks_dir",
            "not a directory",
        ));
    }
    let mut da =
        DirectAdmin::new(dir).map_err(|e| ConfigError::invalid("directadmin.hooks_dir", e))?;
    if let Some(t) = s.timeout {
        da = da
            .with_timeout_secs(t)
            .map_err(|e| ConfigError::invalid("directadmin.timeout", e))?;
    }
    da.with_env(s.env.into_iter().collect())
        .map_err(|e| ConfigError::invalid("directadmin.env", e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/passgate"))
    }

    #[test]
    fn minimal_and_full() {
        let c = parse("[store]\npath = \"users.json\"\n").unwrap();
        assert_eq!(
            c.store.as_deref(),
            Some(Path::new("/etc/passgate/users.json"))
        );
        assert!(c.rehash && c.directadmin.is_none() && c.sftpgo.pre_login.is_none());
        assert_eq!(c.policy, Policy::default());

        let c = parse(
            r#"
[policy]
allow_legacy = false
max_bcrypt_cost = 14
rehash = false
scheme = "sha512crypt"
rounds = 5000
[store]
path = "/var/lib/sftpgo/dump.json"
[sftpgo]
pre_login = "/usr/local/bin/pre"
check_password = "/usr/local/bin/otp"
check_password_scope = 6
post_login_scope = 2
post_login = "/usr/local/bin/notify"
timeout = 5
[sftpgo.env]
LDAP = "ldap://x"
[directadmin]
hooks_dir = "/"
timeout = 2
"#,
        )
        .unwrap();
        assert!(!c.policy.allow_legacy && !c.rehash);
        assert_eq!(
            c.policy.preferred,
            HashParams::Sha512Crypt { rounds: Some(5000) }
        );
        assert_eq!(
            c.store.as_deref(),
            Some(Path::new("/var/lib/sftpgo/dump.json"))
        );
        let pre = c.sftpgo.pre_login.as_ref().unwrap();
        assert_eq!(pre.timeout().as_secs(), 5);
        assert!(format!("{pre:?}").contains("LDAP"));
        assert_eq!(c.sftpgo.check_password_scope, 6);
        assert_eq!(c.directadmin.unwrap().timeout().as_secs(), 2);
    }

    #[test]
    fn argon2id_as_the_preferred_scheme() {
        let c = parse(
            "[store]\npath = \"u\"\n[policy]\nscheme = \"argon2id\"\nmemory_kib = 65536\ntime = 3\n",
        )
        .unwrap();
        assert_eq!(
            c.policy.preferred,
            crate::HashParams::Argon2id {
                m: 65536,
                t: 3,
                p: 1
            }
        );
        let err = parse("[store]\npath = \"u\"\n[policy]\nmemory_kib = 65536\n").unwrap_err();
        assert!(err.to_string().contains("policy.memory_kib"), "{err}");
        let err = parse("[store]\npath = \"u\"\n[policy]\nscheme = \"argon2id\"\ncost = 5\n")
            .unwrap_err();
        assert!(err.to_string().contains("policy.cost"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, key) in [
            ("[store]\npath = \"u\"\nfile = \"x\"\n", "file"),
            (
                "[store]\npath = \"u\"\n[sftpgo]\npre_logn = \"/x\"\n",
                "pre_logn",
            ),
            (
                "[store]\npath = \"u\"\n[policy]\nmax_cost = 3\n",
                "max_cost",
            ),
            ("[store]\npath = \"u\"\n[extra]\n", "extra"),
            (
                "[store]\npath = \"u\"\n[directadmin]\nhooks_dir = \"/\"\nscripts = 1\n",
                "scripts",
            ),
        ] {
            match parse(text) {
                Err(ConfigError::Syntax { message, line, .. }) => {
                    assert!(message.contains(&format!("`{key}`")), "{message}");
                    assert!(line > 1, "{line}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // Every section is optional; the login pipeline alone needs [store].
        let empty = parse("").unwrap();
        assert!(empty.store.is_none() && empty.source.is_none());
        assert!(
            matches!(empty.pipeline(), Err(ConfigError::Invalid { key, .. }) if key == "store.path")
        );
        for (text, key) in [
            (
                "[serve]
listen_on = \"x\"\n",
                "listen_on",
            ),
            (
                "[source]
format = \"htpasswd\"
path = \"h\"
home = \"/\"
",
                "home",
            ),
        ] {
            match parse(text) {
                Err(ConfigError::Syntax { message, .. }) => {
                    assert!(message.contains(&format!("`{key}`")), "{message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn serve_and_source() {
        let c = parse(
            r#"
[source]
format = "shadow"
path = "shadow"
passwd = "/etc/passwd"
min_uid = 1000
poll = 5
[serve]
listen = "0.0.0.0:9000"
tls_cert = "c.pem"
tls_key = "k.pem"
auth_header = "X-Passgate-Token"
auth_value = "s3cret"
workers = 3
retire = true
check_password_without_legacy = "deny"
min_entropy = 40
"#,
        )
        .unwrap();
        let source = c.source.clone().unwrap();
        assert_eq!(source.format, Format::Shadow);
        assert_eq!(source.path, Path::new("/etc/passgate/shadow"));
        assert_eq!(source.passwd.as_deref(), Some(Path::new("/etc/passwd")));
        assert_eq!(
            (source.min_uid, source.poll),
            (Some(1000), Duration::from_secs(5))
        );
        let s = &c.serve;
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.tls.as_ref().unwrap().1, Path::new("/etc/passgate/k.pem"));
        let auth = s.auth.as_ref().unwrap();
        assert_eq!(auth.name(), "x-passgate-token");
        assert!(auth.accepts(b"s3cret") && !auth.accepts(b"s3cre") && !auth.accepts(b""));
        assert!(!format!("{s:?}").contains("s3cret"));
        assert_eq!((s.workers, s.queue), (3, 48));
        assert!(s.answers.retire);
        assert_eq!(s.answers.without_legacy, WithoutLegacy::Deny);
        assert_eq!(s.answers.min_entropy, 40.0);

        assert_eq!(c.source_named(None).unwrap().format, Format::Shadow);
        assert!(c.source_named(Some("web")).is_err());
        let named = parse(
            "[sources.web]\nformat = \"htpasswd\"\npath = \"/etc/nginx/htpasswd\"\nhome_base = \"/w\"\n",
        )
        .unwrap();
        assert_eq!(
            named.source_named(Some("web")).unwrap().format,
            Format::Htpasswd
        );
        assert!(named.source_named(None).is_err());
        for (text, key) in [
            (
                "[sources.\"a b\"]\nformat = \"htpasswd\"\npath = \"h\"\nhome_base = \"/w\"\n",
                "sources.a b",
            ),
            (
                "[sources.web]\nformat = \"csv\"\npath = \"h\"\n",
                "sources.web.format",
            ),
            (
                "[sources.web]\nformat = \"htpasswd\"\npath = \"h\"\n",
                "sources.web",
            ),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }

        let d = parse("").unwrap().serve;
        assert_eq!(d.listen, ServeConfig::DEFAULT_LISTEN);
        assert!(d.tls.is_none() && d.auth.is_none() && !d.answers.retire);
        assert_eq!(d.queue, ServeConfig::QUEUE_PER_WORKER * d.workers);

        for (text, key) in [
            (
                "[serve]
listen = \"localhost\"\n",
                "serve.listen",
            ),
            (
                "[serve]
tls_cert = \"c\"\n",
                "serve.tls_cert",
            ),
            (
                "[serve]
auth_header = \"X Y\"\nauth_value = \"v\"\n",
                "serve.auth_header",
            ),
            (
                "[serve]
auth_header = \"X\"\n",
                "serve.auth_header",
            ),
            (
                "[serve]
auth_header = \"X\"\nauth_value = \"a\\nb\"\n",
                "serve.auth_value",
            ),
            (
                "[serve]
check_password_without_legacy = \"maybe\"\n",
                "serve.check_password_without_legacy",
            ),
            (
                "[serve]
min_entropy = -1\n",
                "serve.min_entropy",
            ),
            (
                "[source]
format = \"csv\"\npath = \"x\"\n",
                "source.format",
            ),
            (
                "[source]
format = \"htpasswd\"\npath = \"x\"\npoll = 0\n",
                "source.poll",
            ),
            // The importer's own rule: htpasswd has no homes.
            (
                "[source]
format = \"htpasswd\"\npath = \"x\"\n",
                "source",
            ),
            (
                "[source]
format = \"shadow\"\npath = \"x\"\n",
                "source",
            ),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn http_basic_realms() {
        let sources = "[source]\nformat = \"htpasswd\"\npath = \"h\"\nhome_base = \"/w\"\n\
                       [sources.staff]\nformat = \"htpasswd\"\npath = \"s\"\nhome_base = \"/w\"\n";
        let c = parse(&format!(
            "{sources}[[http_basic]]\nprefix = \"/http-basic\"\n\
             [[http_basic]]\nprefix = \"/http-basic/staff\"\nrealm = \"Staff\"\nsource = \"staff\"\n"
        ))
        .unwrap();
        let r: Vec<_> = c
            .http_basic
            .iter()
            .map(|r| (r.prefix(), r.realm(), r.source()))
            .collect();
        assert_eq!(
            r,
            [
                ("/http-basic", "passgate", None),
                ("/http-basic/staff", "Staff", Some("staff"))
            ]
        );
        assert!(parse("").unwrap().http_basic.is_empty());
        for (text, key) in [
            ("prefix = \"/private\"\n", "http_basic[0].prefix"),
            ("prefix = \"/http-basic/\"\n", "http_basic[0].prefix"),
            (
                "prefix = \"/http-basic\"\nrealm = \"a\\\"b\"\n",
                "http_basic[0].realm",
            ),
            (
                "prefix = \"/http-basic\"\nrealm = \"\"\n",
                "http_basic[0].realm",
            ),
            (
                "prefix = \"/http-basic\"\nsource = \"web\"\n",
                "http_basic[0].source",
            ),
            (
                "prefix = \"/http-basic\"\n[[http_basic]]\nprefix = \"/http-basic\"\nsource = \"staff\"\n",
                "http_basic[1].prefix",
            ),
        ] {
            match parse(&format!("{sources}[[http_basic]]\n{text}")) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // Without [source], a realm must name its source.
        match parse("[[http_basic]]\nprefix = \"/http-basic\"\n") {
            Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "http_basic[0].source"),
            other => panic!("{other:?}"),
        }
        match parse("[[http_basic]]\nprefix = \"/http-basic\"\nrelm = \"x\"\n") {
            Err(ConfigError::Syntax { message, .. }) => assert!(message.contains("`relm`")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_values_are_named() {
        let bad = [
            ("[sftpgo]\npre_login = \"pre.sh\"\n", "sftpgo.pre_login"),
            ("[sftpgo]\ntimeout = 0\n", "sftpgo.timeout"),
            (
                "[sftpgo]\ntimeout = 301\npost_login = \"/x\"\n",
                "sftpgo.timeout",
            ),
            (
                "[sftpgo]\nexternal_auth_scope = 16\n",
                "sftpgo.external_auth_scope",
            ),
            (
                "[sftpgo]\npost_login_scope = 3\n",
                "sftpgo.post_login_scope",
            ),
            ("[policy]\nscheme = \"md5crypt\"\n", "policy.scheme"),
            ("[policy]\nscheme = \"rot13\"\n", "policy.scheme"),
            ("[policy]\ncost = 3\n", "policy.scheme"),
            ("[policy]\nrounds = 5000\n", "policy.rounds"),
            (
                "[directadmin]\nhooks_dir = \"/nonexistent/passgate\"\n",
                "directadmin.hooks_dir",
            ),
            (
                "[directadmin]\nhooks_dir = \"/\"\ntimeout = 0\n",
                "directadmin.timeout",
            ),
        ];
        for (text, key) in bad {
            let text = format!("[store]\npath = \"u\"\n{text}");
            match parse(&text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn pure_authd_section() {
        let d = parse("").unwrap().pure_authd;
        assert_eq!(
            (d.socket_mode, d.socket_group, d.timeout),
            (0o600, None, PureAuthdConfig::DEFAULT_TIMEOUT)
        );
        assert_eq!(d.queue, 16 * d.workers);
        let c = parse(
            "[pure_authd]\nsocket_mode = \"0660\"\nsocket_group = \"ftp\"\nworkers = 2\n\
             max_connections = 64\ntimeout = 5\n",
        )
        .unwrap()
        .pure_authd;
        assert_eq!(
            (c.socket_mode, c.socket_group.as_deref(), c.workers, c.queue),
            (0o660, Some("ftp"), 2, 32)
        );
        assert_eq!((c.max_connections, c.timeout.as_secs()), (64, 5));
        for (text, key) in [
            ("socket_mode = \"0666\"", "pure_authd.socket_mode"),
            ("socket_mode = \"rw\"", "pure_authd.socket_mode"),
            ("socket_group = \"ftp\"", "pure_authd.socket_group"),
            (
                "socket_mode = \"0660\"\nsocket_group = \"\"",
                "pure_authd.socket_group",
            ),
            ("timeout = 0", "pure_authd.timeout"),
            ("timeout = 61", "pure_authd.timeout"),
            ("workers = 1025", "pure_authd.workers"),
            ("max_connections = 70000", "pure_authd.max_connections"),
        ] {
            match parse(&format!("[pure_authd]\n{text}\n")) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            parse("[pure_authd]\nsocket = \"/run/x\"\n"),
            Err(ConfigError::Syntax { .. })
        ));
    }
}
