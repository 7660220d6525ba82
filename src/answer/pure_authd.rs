//! Pure-FTPd's external authentication (`pure-ftpd -l extauth:SOCKET`), answered from a
//! legacy source.
//!
//! The contract is that of Pure-FTPd's `src/log_extauth.c` (`pw_extauth_check`) and
//! `pure-authd(8)`: for each login Pure-FTPd connects to a Unix socket and writes, in one
//! write of at most 4095 bytes,
//!
//! ```text
//! account:U \n password:P \n localhost:IP \n localport:N \n peer:IP \n sni_name:S \n encrypted:0|1 \n end \n
//! ```
//!
//! then reads until end of file, keeping at most 4095 bytes, and takes the answer
//!
//! ```text
//! auth_ok:1|0|-1 \n uid:N \n gid:N \n dir:/home/u \n [optional lines] \n end \n
//! ```
//!
//! `auth_ok:0`: no such user, Pure-FTPd tries its next `-l` method; `-1`: the user exists and
//! is refused, no other method is tried; `1`: authenticated as `uid`, `gid` (both above 0)
//! in `dir` (absolute; `/./` marks a chroot). An answer without `end`, or `auth_ok:1` without
//! a uid, gid or dir, is taken as `-1`. The optional lines are the settings a
//! `pureftpd.passwd` line holds: `throttling_bandwidth_ul|dl` (bytes/s), `user_quota_size`
//! (bytes), `user_quota_files`, `ratio_upload|download`, `per_user_max`.

#![forbid(unsafe_code)]

use std::fmt;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use zeroize::Zeroizing;

use super::sftpgo::{AccountVerdict, Accounts, Answerer};
use super::source::LegacyAccount;
use super::{AnswerError, Attempt, HookKind, IpNet, Outcome, Reason};
use crate::import::{IpRules, TimeWindow};

/// Why bytes read from the socket are not a request Pure-FTPd sends. Never holds any of
/// their contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// More than [`PureAuthdRequest::MAX_LEN`] bytes before the `end` line.
    #[error("the request is longer than 4096 bytes")]
    TooLarge,
    /// The connection ended (or timed out) before the `end` line.
    #[error("the request has no end line")]
    Incomplete,
    /// A line that is neither `key:value` nor `end`.
    #[error("a request line is not key:value")]
    NotKeyValue,
    /// A required line is missing.
    #[error("the {0} line is missing")]
    Missing(&'static str),
    /// A line comes twice.
    #[error("the {0} line comes twice")]
    Duplicate(&'static str),
    /// A line holds what Pure-FTPd never sends: not UTF-8, a control character, an empty
    /// account, an `encrypted` other than 0 or 1.
    #[error("the {0} line is not acceptable")]
    Value(&'static str),
}

/// One login as Pure-FTPd sends it. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct PureAuthdRequest {
    /// The login name.
    pub account: String,
    /// The password.
    pub password: Zeroizing<Vec<u8>>,
    /// The server address the client connected to (`localhost:`), numeric.
    pub local_ip: String,
    /// The server port (`localport:`).
    pub local_port: String,
    /// The client's address (`peer:`), numeric.
    pub peer: String,
    /// The TLS server name the client asked for (`sni_name:`), empty without one.
    pub sni_name: String,
    /// Whether the control connection is TLS (`encrypted:1`).
    pub encrypted: bool,
}

impl fmt::Debug for PureAuthdRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PureAuthdRequest")
            .field("account", &self.account)
            .field("local_ip", &self.local_ip)
            .field("local_port", &self.local_port)
            .field("peer", &self.peer)
            .field("sni_name", &self.sni_name)
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

impl PureAuthdRequest {
    /// The longest request: Pure-FTPd builds it in a 4096-byte buffer.
    pub const MAX_LEN: usize = 4096;

    /// The length of the request in `bytes` through its `end` line, once that line has
    /// arrived.
    pub fn complete_len(bytes: &[u8]) -> Option<usize> {
        if bytes.starts_with(b"end\n") {
            return Some(4);
        }
        bytes
            .windows(5)
            .position(|w| w == b"\nend\n")
            .map(|at| at + 5)
    }

    /// Parses a request through its `end` line; what follows that line is ignored. Lines
    /// of keys Pure-FTPd may add later are ignored; `account` and `password` are required.
    pub fn parse(bytes: &[u8]) -> Result<Self, RequestError> {
        let Some(len) = Self::complete_len(bytes) else {
            return Err(if bytes.len() > Self::MAX_LEN {
                RequestError::TooLarge
            } else {
                RequestError::Incomplete
            });
        };
        if len > Self::MAX_LEN {
            return Err(RequestError::TooLarge);
        }
        let mut req = Self::default();
        let (mut account, mut password) = (false, false);
        let mut seen: Vec<&'static str> = Vec::new();
        for line in bytes[..len - 1].split(|&b| b == b'\n') {
            if line == b"end" {
                break;
            }
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or(RequestError::NotKeyValue)?;
            let (key, value) = (&line[..colon], &line[colon + 1..]);
            let name: &'static str = match key {
                b"account" => "account",
                b"password" => "password",
                b"localhost" => "localhost",
                b"localport" => "localport",
                b"peer" => "peer",
                b"sni_name" => "sni_name",
                b"encrypted" => "encrypted",
                _ => continue,
            };
            if seen.contains(&name) {
                return Err(RequestError::Duplicate(name));
            }
            seen.push(name);
            match name {
                "account" => {
                    req.account = text(value, name)?.to_owned();
                    if req.account.is_empty() {
                        return Err(RequestError::Value(name));
                    }
                    account = true;
                }
                "password" => {
                    req.password = Zeroizing::new(value.to_vec());
                    password = true;
                }
                "localhost" => req.local_ip = text(value, name)?.to_owned(),
                "localport" => req.local_port = text(value, name)?.to_owned(),
                "peer" => req.peer = text(value, name)?.to_owned(),
                "sni_name" => req.sni_name = text(value, name)?.to_owned(),
                _ => {
                    req.encrypted = match value {
                        b"0" => false,
                        b"1" => true,
                        _ => return Err(RequestError::Value(name)),
                    }
                }
            }
        }
        if !account {
            return Err(RequestError::Missing("account"));
        }
        if !password {
            return Err(RequestError::Missing("password"));
        }
        Ok(req)
    }
}

/// A text field: UTF-8 without control characters.
fn text<'a>(value: &'a [u8], name: &'static str) -> Result<&'a str, RequestError> {
    match core::str::from_utf8(value) {
        Ok(s) if !s.chars().any(char::is_control) => Ok(s),
        _ => Err(RequestError::Value(name)),
    }
}

/// What Pure-FTPd is told about an authenticated user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PureAuthdUser {
    /// The uid the session runs as (above 0).
    pub uid: u32,
    /// The gid the session runs as (above 0).
    pub gid: u32,
    /// The home: absolute, `/./` marking a chroot.
    pub dir: String,
    /// Upload bandwidth, bytes/s.
    pub throttling_bandwidth_ul: Option<u64>,
    /// Download bandwidth, bytes/s.
    pub throttling_bandwidth_dl: Option<u64>,
    /// Quota, bytes.
    pub user_quota_size: Option<u64>,
    /// Quota, files.
    pub user_quota_files: Option<u64>,
    /// Upload part of the upload/download ratio.
    pub ratio_upload: Option<u32>,
    /// Download part of the upload/download ratio.
    pub ratio_download: Option<u32>,
    /// Most concurrent sessions.
    pub per_user_max: Option<u32>,
}

/// The answer Pure-FTPd reads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PureAuthdReply {
    /// `auth_ok:1` with the user's ids, home and settings.
    Authenticated(PureAuthdUser),
    /// `auth_ok:0`: no such user; Pure-FTPd tries its next authentication method.
    NotFound,
    /// `auth_ok:-1`: the user exists and is refused; no other method is tried.
    Refused,
}

impl PureAuthdReply {
    /// The longest answer Pure-FTPd reads whole (it reads into a 4096-byte buffer and keeps
    /// one byte for the NUL).
    pub const MAX_LEN: usize = 4095;

    /// The answer's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::NotFound => b"auth_ok:0\nend\n".to_vec(),
            Self::Refused => b"auth_ok:-1\nend\n".to_vec(),
            Self::Authenticated(u) => {
                let mut s = format!("auth_ok:1\nuid:{}\ngid:{}\ndir:{}\n", u.uid, u.gid, u.dir);
                let optional = [
                    ("throttling_bandwidth_ul", u.throttling_bandwidth_ul),
                    ("throttling_bandwidth_dl", u.throttling_bandwidth_dl),
                    ("user_quota_size", u.user_quota_size),
                    ("user_quota_files", u.user_quota_files),
                    ("ratio_upload", u.ratio_upload.map(u64::from)),
                    ("ratio_download", u.ratio_download.map(u64::from)),
                    ("per_user_max", u.per_user_max.map(u64::from)),
                ];
                for (key, value) in optional {
                    if let Some(v) = value {
                        let _ = writeln!(s, "{key}:{v}");
                    }
                }
                s.push_str("end\n");
                s.into_bytes()
            }
        }
    }
}

/// `[pure_authd]`: the socket service (`passgate pure-authd`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PureAuthdConfig {
    /// The socket's permissions: `0o600` or `0o660`. Pure-FTPd connects as uid 0 and gid 0
    /// without `CAP_DAC_OVERRIDE`, so the socket must be root's, or group root's with
    /// `0o660`.
    pub socket_mode: u32,
    /// The socket's group, a name or a number (with `socket_mode` `0o660`).
    pub socket_group: Option<String>,
    /// Verification threads: one per core by default.
    pub workers: usize,
    /// Logins that may wait for a worker; one more is refused (`auth_ok:-1`) at once.
    pub queue: usize,
    /// Connections open at once; more are closed unanswered.
    pub max_connections: usize,
    /// How long a connection may take to send its request.
    pub timeout: Duration,
}

impl PureAuthdConfig {
    /// The default socket permissions.
    pub const DEFAULT_MODE: u32 = 0o600;
    /// The default number of connections open at once.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
    /// The default time a connection may take to send its request.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
}

impl Default for PureAuthdConfig {
    fn default() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            socket_mode: Self::DEFAULT_MODE,
            socket_group: None,
            workers,
            queue: 16 * workers,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

impl Answerer {
    /// Answers Pure-FTPd's extauth request from the legacy source alone.
    ///
    /// A right password of an account that may log in is `auth_ok:1` with the account's
    /// uid, gid and home (`/./` kept for a `pureftpd.passwd` source) and, for a
    /// `pureftpd.passwd` source, the line's bandwidth, quota, ratio and session settings —
    /// unless the account's client or server address rules refuse the addresses in the
    /// request, its time restriction refuses the hour (`clock` gives the local
    /// `hour * 100 + minute`; `None` refuses), its uid or gid is 0, or its home is not an
    /// absolute path: then `auth_ok:-1`, as for a wrong password or a locked, disabled or
    /// expired account. A user the source does not hold is `auth_ok:0`.
    pub fn pure_authd(
        &self,
        req: &PureAuthdRequest,
        accounts: &dyn Accounts,
        clock: &dyn Fn() -> Option<u32>,
    ) -> Result<Attempt<PureAuthdReply>, AnswerError> {
        let verdict =
            self.verify_account(HookKind::PureAuthd, &req.account, &req.password, accounts)?;
        let mut attempt = Attempt {
            hook: HookKind::PureAuthd,
            outcome: verdict.outcome,
            reason: verdict.reason,
            place: verdict.place,
            scheme: verdict.scheme,
            reply: PureAuthdReply::Refused,
        };
        match verdict.reply {
            AccountVerdict::NotFound => attempt.reply = PureAuthdReply::NotFound,
            // A password refused before any lookup: still "no such user" when it is so,
            // so that Pure-FTPd's next method gets its turn.
            AccountVerdict::Refused
                if verdict.reason == Reason::PasswordRefused
                    && accounts.account(&req.account)?.is_none() =>
            {
                attempt.reply = PureAuthdReply::NotFound;
            }
            AccountVerdict::Refused => {}
            AccountVerdict::Verified(account) => match user_for(&account, req, clock) {
                Ok(user) => attempt.reply = PureAuthdReply::Authenticated(user),
                Err(reason) => (attempt.outcome, attempt.reason) = (Outcome::Deny, reason),
            },
        }
        Ok(attempt)
    }
}

/// What Pure-FTPd is told about a verified account, or why it must be refused.
fn user_for(
    account: &LegacyAccount,
    req: &PureAuthdRequest,
    clock: &dyn Fn() -> Option<u32>,
) -> Result<PureAuthdUser, Reason> {
    let rules = account.pure_ftpd();
    let client = IpRules {
        allowed: account.allowed_ip().to_vec(),
        denied: account.denied_ip().to_vec(),
    };
    if !permits(&client, address(&req.peer)) {
        return Err(Reason::AddressRefused);
    }
    if let Some(rules) = rules {
        match &rules.local_ip {
            Some(local) if permits(local, address(&req.local_ip)) => {}
            _ => return Err(Reason::AddressRefused),
        }
        let allowed = match rules.time_window {
            TimeWindow::Always => true,
            window => clock().is_some_and(|now| window.allows(now)),
        };
        if !allowed {
            return Err(Reason::OutsideHours);
        }
    }
    if account.uid() == 0 || account.gid() == 0 {
        return Err(Reason::ZeroId);
    }
    let dir = match rules {
        Some(r) if r.dir.starts_with('/') => r.dir.clone(),
        _ => account.home_dir().to_owned(),
    };
    if !dir.starts_with('/') || dir.chars().any(char::is_control) {
        return Err(Reason::HomeUnusable);
    }
    let mut user = PureAuthdUser {
        uid: account.uid(),
        gid: account.gid(),
        dir,
        ..PureAuthdUser::default()
    };
    if let Some(r) = rules {
        user.throttling_bandwidth_ul = r.throttling_bandwidth_ul;
        user.throttling_bandwidth_dl = r.throttling_bandwidth_dl;
        user.user_quota_size = r.user_quota_size;
        user.user_quota_files = r.user_quota_files;
        user.ratio_upload = r.ratio_upload;
        user.ratio_download = r.ratio_download;
        user.per_user_max = r.per_user_max;
    }
    // Only the home can make it long; Pure-FTPd would cut it and read no `end`.
    if PureAuthdReply::Authenticated(user.clone()).to_bytes().len() > PureAuthdReply::MAX_LEN {
        return Err(Reason::HomeUnusable);
    }
    Ok(user)
}

/// A numeric address as Pure-FTPd writes it (`getnameinfo` with `NI_NUMERICHOST`: an IPv6
/// address may carry a `%zone`), IPv4-mapped IPv6 read as IPv4.
fn address(text: &str) -> Option<IpAddr> {
    let bare = text.split_once('%').map_or(text, |(a, _)| a);
    bare.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// Pure-FTPd's `access_ip_check`: no rules allow anyone; allow rules alone need a match;
/// deny rules alone refuse a match; both need an allow match and no deny match. With any
/// rule, an address that cannot be read is refused.
fn permits(rules: &IpRules, addr: Option<IpAddr>) -> bool {
    if rules.allowed.is_empty() && rules.denied.is_empty() {
        return true;
    }
    let Some(addr) = addr else {
        return false;
    };
    // A rule that does not read (none should: the importer wrote them) matches for
    // denying and not for allowing.
    let allowed = rules.allowed.is_empty()
        || rules
            .allowed
            .iter()
            .any(|r| in_network(r, addr) == Some(true));
    let denied = rules
        .denied
        .iter()
        .any(|r| in_network(r, addr) != Some(false));
    allowed && !denied
}

/// Whether `addr` is in the CIDR network `rule`. `None` when the rule does not read.
fn in_network(rule: &str, addr: IpAddr) -> Option<bool> {
    rule.parse::<IpNet>().ok().map(|net| net.contains(addr))
}

/// The local time of day as `hour * 100 + minute`, in the zone the C library's
/// `localtime()` uses as Pure-FTPd reads it (`TZ`, else `/etc/localtime`); `None` when the
/// system's time zone cannot be read.
pub fn local_hhmm() -> Option<u32> {
    let zone = jiff::tz::TimeZone::try_system().ok()?;
    let now = jiff::Timestamp::now().to_zoned_datetime(zone);
    let (hour, minute) = (
        u32::try_from(now.hour()).ok()?,
        u32::try_from(now.minute()).ok()?,
    );
    Some(hour * 100 + minute)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::answer::{AnswerSettings, LegacySource, SourceConfig, Where};
    use crate::import::Format;
    use crate::{HashParams, Policy, Scheme};

    /// `openssl passwd -1 -salt saltsalt password`.
    const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

    const REQUEST: &[u8] = b"account:alice\npassword:pw:with:colons\nlocalhost:192.0.2.1\n\
        localport:21\npeer:198.51.100.7\nsni_name:\nencrypted:1\nend\n";

    #[test]
    fn requests_as_pure_ftpd_writes_them() {
        let r = PureAuthdRequest::parse(REQUEST).unwrap();
        assert_eq!(r.account, "alice");
        assert_eq!(&r.password[..], b"pw:with:colons");
        assert_eq!(
            (r.local_ip.as_str(), r.local_port.as_str(), r.peer.as_str()),
            ("192.0.2.1", "21", "198.51.100.7")
        );
        assert!(r.encrypted && r.sni_name.is_empty());
        assert!(!format!("{r:?}").contains("colons"));
        assert_eq!(PureAuthdRequest::complete_len(REQUEST), Some(REQUEST.len()));
        // What follows `end` is not read; keys of later versions are skipped.
        let mut more = b"future_key:x\n".to_vec();
        more.extend_from_slice(REQUEST);
        more.extend_from_slice(b"account:mallory\nend\n");
        assert_eq!(PureAuthdRequest::parse(&more).unwrap().account, "alice");
        // An empty password is a password: the verdict is the answerer's.
        let r = PureAuthdRequest::parse(b"account:a\npassword:\nend\n").unwrap();
        assert!(r.password.is_empty() && r.peer.is_empty());
    }

    #[test]
    fn hostile_requests() {
        let big = [
            b"account:a\npassword:".as_slice(),
            &[b'x'; 5000],
            b"\nend\n",
        ]
        .concat();
        for (bytes, err) in [
            (&b""[..], RequestError::Incomplete),
            (b"account:a\npassword:b\n", RequestError::Incomplete),
            (b"account:a\npassword:b\nend", RequestError::Incomplete),
            (&big[..], RequestError::TooLarge),
            (&big[..4200], RequestError::TooLarge),
            (b"account:a\ngarbage\nend\n", RequestError::NotKeyValue),
            (b"password:b\nend\n", RequestError::Missing("account")),
            (b"account:a\nend\n", RequestError::Missing("password")),
            (b"end\n", RequestError::Missing("account")),
            (
                b"account:a\naccount:b\npassword:c\nend\n",
                RequestError::Duplicate("account"),
            ),
            (
                b"account:a\npassword:c\npassword:d\nend\n",
                RequestError::Duplicate("password"),
            ),
            (
                b"account:\npassword:c\nend\n",
                RequestError::Value("account"),
            ),
            (
                b"account:a\rb\npassword:c\nend\n",
                RequestError::Value("account"),
            ),
            (
                b"account:\xff\npassword:c\nend\n",
                RequestError::Value("account"),
            ),
            (
                b"account:a\npassword:c\nencrypted:yes\nend\n",
                RequestError::Value("encrypted"),
            ),
            (
                b"account:a\npassword:c\npeer:1\x1b\nend\n",
                RequestError::Value("peer"),
            ),
        ] {
            assert_eq!(
                PureAuthdRequest::parse(bytes).err(),
                Some(err),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        // Exactly the limit is accepted.
        let pad = PureAuthdRequest::MAX_LEN - b"account:a\npassword:\nend\n".len();
        let edge = [
            b"account:a\npassword:".as_slice(),
            &vec![b'p'; pad],
            b"\nend\n",
        ]
        .concat();
        assert_eq!(edge.len(), PureAuthdRequest::MAX_LEN);
        assert!(PureAuthdRequest::parse(&edge).is_ok());
    }

    #[test]
    fn replies_as_pure_ftpd_reads_them() {
        assert_eq!(PureAuthdReply::NotFound.to_bytes(), b"auth_ok:0\nend\n");
        assert_eq!(PureAuthdReply::Refused.to_bytes(), b"auth_ok:-1\nend\n");
        let user = PureAuthdUser {
            uid: 2001,
            gid: 2002,
            dir: "/srv/ftp/alice/./".into(),
            throttling_bandwidth_ul: Some(204_800),
            user_quota_files: Some(1000),
            per_user_max: Some(5),
            ..PureAuthdUser::default()
        };
        assert_eq!(
            String::from_utf8(PureAuthdReply::Authenticated(user).to_bytes()).unwrap(),
            "auth_ok:1\nuid:2001\ngid:2002\ndir:/srv/ftp/alice/./\n\
             throttling_bandwidth_ul:204800\nuser_quota_files:1000\nper_user_max:5\nend\n"
        );
    }

    #[test]
    fn address_rules_as_pure_ftpd_applies_them() {
        let rules = |allowed: &[&str], denied: &[&str]| IpRules {
            allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
            denied: denied.iter().map(|s| (*s).to_owned()).collect(),
        };
        let ip = |s: &str| address(s);
        let none = rules(&[], &[]);
        assert!(permits(&none, None));
        let allow = rules(&["192.168.1.0/24", "10.0.0.1/32"], &[]);
        assert!(permits(&allow, ip("192.168.1.77")));
        assert!(permits(&allow, ip("10.0.0.1")));
        assert!(!permits(&allow, ip("10.0.0.2")));
        assert!(!permits(&allow, None));
        // IPv4-mapped IPv6 reads as IPv4; an IPv6 peer never matches an IPv4 rule.
        assert!(permits(&allow, ip("::ffff:10.0.0.1")));
        assert!(!permits(&allow, ip("2001:db8::1")));
        let deny = rules(&[], &["10.0.0.0/8"]);
        assert!(!permits(&deny, ip("10.9.9.9")));
        assert!(permits(&deny, ip("11.0.0.1")));
        assert!(permits(&deny, ip("2001:db8::1")));
        assert!(!permits(&deny, ip("not an address")));
        let both = rules(&["10.0.0.0/8"], &["10.1.0.0/16"]);
        assert!(permits(&both, ip("10.2.0.1")));
        assert!(!permits(&both, ip("10.1.0.1")));
        assert!(!permits(&both, ip("11.0.0.1")));
        let v6 = rules(&["2001:db8::/32"], &[]);
        assert!(permits(&v6, ip("2001:db8:1::5%eth0")));
        assert!(!permits(&v6, ip("2001:db9::5")));
        // An unreadable rule denies and never allows.
        assert!(!permits(&rules(&[], &["bogus"]), ip("10.0.0.1")));
        assert!(!permits(&rules(&["bogus"], &[]), ip("10.0.0.1")));
    }

    fn source(dir_name: &str, format: Format, lines: &str) -> (LegacySource, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "passgate-pure-authd-unit-{dir_name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("passwd");
        std::fs::write(&path, lines).unwrap();
        let mut config = SourceConfig::new(format, &path);
        if format == Format::Htpasswd {
            config.home_base = Some("/srv/www".into());
        }
        (LegacySource::open(config).unwrap(), dir)
    }

    fn answerer() -> Answerer {
        let policy = Policy {
            preferred: HashParams::Bcrypt { cost: 4 },
            ..Policy::default()
        };
        Answerer::new(policy, AnswerSettings::default())
    }

    fn request(account: &str, password: &str, peer: &str) -> PureAuthdRequest {
        PureAuthdRequest {
            account: account.into(),
            password: Zeroizing::new(password.as_bytes().to_vec()),
            local_ip: "127.0.0.1".into(),
            local_port: "21".into(),
            peer: peer.into(),
            ..PureAuthdRequest::default()
        }
    }

    #[test]
    fn answers_from_a_pure_ftpd_source() {
        let (src, dir) = source(
            "pure",
            Format::PureFtpd,
            &format!(
                "alice:{MD5CRYPT}:2001:2002:Alice A:/srv/ftp/alice/./:204800:102400:1:10:5:1000:\
                 52428800:127.0.0.1:127.0.0.2:192.168.1.0/24,10.0.0.1:10.9.9.9:900-1800\n\
                 bob:{MD5CRYPT}:2003:2003::/srv/ftp/bob::::::::::::\n\
                 carol:!{MD5CRYPT}:2004:2004::/srv/ftp/carol/./::::::::::::\n\
                 night:{MD5CRYPT}:2005:2005::/srv/ftp/night/./::::::::::::2200-0600\n\
                 odd:{MD5CRYPT}:2006:2006::/srv/ftp/odd/./::::::::::::9-5pm\n\
                 host:{MD5CRYPT}:2007:2007::/srv/ftp/host/./::::::::ftp.example::::\n"
            ),
        );
        let a = answerer();
        let noon = || Some(1200);
        let run = |r: &PureAuthdRequest| a.pure_authd(r, &src, &noon).unwrap();

        let got = run(&request("alice", "password", "10.0.0.1"));
        assert_eq!(
            (got.outcome, got.reason, got.place, got.scheme),
            (
                Outcome::Allow,
                Reason::Verified,
                Where::Legacy,
                Some(Scheme::Md5Crypt)
            )
        );
        assert_eq!(
            String::from_utf8(got.reply.to_bytes()).unwrap(),
            "auth_ok:1\nuid:2001\ngid:2002\ndir:/srv/ftp/alice/./\n\
             throttling_bandwidth_ul:204800\nthrottling_bandwidth_dl:102400\n\
             user_quota_size:52428800\nuser_quota_files:1000\nratio_upload:1\n\
             ratio_download:10\nper_user_max:5\nend\n"
        );
        let got = run(&request("bob", "password", "203.0.113.9"));
        assert_eq!(
            got.reply.to_bytes(),
            b"auth_ok:1\nuid:2003\ngid:2003\ndir:/srv/ftp/bob\nend\n"
        );

        for (name, pw, peer, reason, reply) in [
            (
                "alice",
                "wrong",
                "10.0.0.1",
                Reason::WrongPassword,
                PureAuthdReply::Refused,
            ),
            (
                "carol",
                "password",
                "10.0.0.1",
                Reason::Locked,
                PureAuthdReply::Refused,
            ),
            (
                "nobody",
                "password",
                "10.0.0.1",
                Reason::UnknownUser,
                PureAuthdReply::NotFound,
            ),
            // Client rules: not allowed, denied, no readable peer.
            (
                "alice",
                "password",
                "10.0.0.2",
                Reason::AddressRefused,
                PureAuthdReply::Refused,
            ),
            (
                "alice",
                "password",
                "10.9.9.9",
                Reason::AddressRefused,
                PureAuthdReply::Refused,
            ),
            (
                "alice",
                "password",
                "",
                Reason::AddressRefused,
                PureAuthdReply::Refused,
            ),
            // A host name as a local rule: passgate does not resolve it, so no login.
            (
                "host",
                "password",
                "10.0.0.1",
                Reason::AddressRefused,
                PureAuthdReply::Refused,
            ),
            // 2200-0600 at noon; a field that is not two numbers.
            (
                "night",
                "password",
                "10.0.0.1",
                Reason::OutsideHours,
                PureAuthdReply::Refused,
            ),
            (
                "odd",
                "password",
                "10.0.0.1",
                Reason::OutsideHours,
                PureAuthdReply::Refused,
            ),
            // A password refused unread: "not found" only for a user the source lacks.
            (
                "bob",
                "",
                "10.0.0.1",
                Reason::PasswordRefused,
                PureAuthdReply::Refused,
            ),
            (
                "nobody",
                "",
                "10.0.0.1",
                Reason::PasswordRefused,
                PureAuthdReply::NotFound,
            ),
            (
                "bob",
                "a\0b",
                "10.0.0.1",
                Reason::PasswordRefused,
                PureAuthdReply::Refused,
            ),
        ] {
            let got = run(&request(name, pw, peer));
            assert_eq!(
                (got.outcome, got.reason, got.reply),
                (Outcome::Deny, reason, reply),
                "{name} {peer}"
            );
        }
        // The local address rules: 127.0.0.1 allowed; 127.0.0.2 denied.
        let mut r = request("alice", "password", "10.0.0.1");
        r.local_ip = "127.0.0.2".into();
        assert_eq!(run(&r).reason, Reason::AddressRefused);
        // The hours: 0900-1800 at 18:00 and 18:01; across midnight; no clock.
        let edge = |hhmm: u32, name: &str| {
            a.pure_authd(&request(name, "password", "10.0.0.1"), &src, &|| Some(hhmm))
                .unwrap()
                .outcome
        };
        assert_eq!(edge(1800, "alice"), Outcome::Allow);
        assert_eq!(edge(1801, "alice"), Outcome::Deny);
        assert_eq!(edge(2330, "night"), Outcome::Allow);
        assert_eq!(edge(559, "night"), Outcome::Allow);
        assert_eq!(edge(601, "night"), Outcome::Deny);
        let got = a
            .pure_authd(&request("alice", "password", "10.0.0.1"), &src, &|| None)
            .unwrap();
        assert_eq!(got.reason, Reason::OutsideHours);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn sources_without_ids() {
        let line = format!("web:{MD5CRYPT}\n");
        let (src, dir) = source("ht", Format::Htpasswd, &line);
        let got = answerer()
            .pure_authd(&request("web", "password", "10.0.0.1"), &src, &|| None)
            .unwrap();
        assert_eq!(
            (got.outcome, got.reason, got.reply),
            (Outcome::Deny, Reason::ZeroId, PureAuthdReply::Refused)
        );
        let mut config = src.config().clone();
        (config.force_uid, config.force_gid) = (Some(33), Some(33));
        let src = LegacySource::open(config).unwrap();
        let got = answerer()
            .pure_authd(&request("web", "password", "10.0.0.1"), &src, &|| None)
            .unwrap();
        assert_eq!(
            got.reply.to_bytes(),
            b"auth_ok:1\nuid:33\ngid:33\ndir:/srv/www/web\nend\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn local_time_reads() {
        let now = local_hhmm().unwrap();
        assert!(now % 100 < 60 && now / 100 < 24, "{now}");
    }
}
