//! passgate as DirectAdmin's `login_pre` filter: DirectAdmin runs it for every request
//! (sessions included) before any password check, with the login in its environment; exit
//! 0 lets DirectAdmin go on with its own check, anything else denies and counts as a failed
//! attempt in DirectAdmin's brute-force check, even with the right password.
//!
//! The rules (`[directadmin_filter]` in `passgate.toml`), in the order they are applied:
//! 1. the request: `username` and `ip` set and well formed (else denied);
//! 2. `deny_ip`: the address is in one of the networks → denied;
//! 3. `allow_ip`: the address is in none of the networks → denied;
//! 4. `days` and `hours`: the local time is outside them → denied;
//! 5. `refuse_schemes`: the user's stored hash (read from a legacy source, such as
//!    `/etc/shadow`) is of one of these schemes → denied; with `verify`, only when the
//!    password is the account's (passgate verifies it), so that a wrong password never shows
//!    the rule;
//! 6. allowed.
//!
//! A user's rule comes key by key from the most specific section that sets the key:
//! `users.NAME`, then the `groups.NAME` the user is a member of, then `default`.

#![forbid(unsafe_code)]

use core::fmt;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt as _;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::cidr;
use super::sftpgo::{AccountVerdict, Accounts, AnswerSettings, Answerer};
use super::source::{LegacyAccount, LegacySource, SourceConfig};
use super::window::Zone;
use super::{AnswerError, HookKind, Outcome, Reason, Where};
use crate::{Policy, Scheme};

mod rules;

pub(crate) use self::rules::FilterSection;
use self::rules::Rule;

/// The longest user name or address read from the environment, in bytes.
const MAX_FIELD: usize = 256;
/// The longest `refuse_hint`, in characters.
const MAX_HINT: usize = 400;
/// The section's name in `passgate.toml`.
const SECTION: &str = "directadmin_filter";

/// Why DirectAdmin's environment holds no request passgate can judge. Never holds a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginPreEnvError {
    /// The variable is not set, or is empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// The variable is not UTF-8.
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
    /// The variable holds a control character.
    #[error("{0} holds a control character")]
    Control(&'static str),
    /// The variable is too long.
    #[error("{0} is longer than {MAX_FIELD} bytes")]
    TooLong(&'static str),
    /// `ip` is not an IPv4 or IPv6 address.
    #[error("ip is not an IPv4 or IPv6 address")]
    NotAnAddress,
    /// `username` holds `|` but is not DirectAdmin's login-as form `REAL|TARGET`.
    #[error("username holds | but is not of the login-as form REAL|TARGET")]
    LoginAs,
}

/// One request, as DirectAdmin's `login_pre` environment gives it: `username`, `password`,
/// `ip` (and `referer`, which no rule reads).
#[derive(Clone)]
pub struct LoginPreRequest {
    /// The user whose rules and password apply: the login name, or for DirectAdmin's
    /// login-as form `REAL|TARGET` the part before `|`.
    pub user: String,
    /// The account logged into with login-as (the part after `|`).
    pub login_as: Option<String>,
    /// The client's address; an IPv4-mapped IPv6 address is read as IPv4.
    pub ip: IpAddr,
    /// The password as typed (empty when not set).
    pub password: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for LoginPreRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginPreRequest")
            .field("user", &self.user)
            .field("login_as", &self.login_as)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

impl LoginPreRequest {
    /// The request from the environment DirectAdmin sets: `username` (required), `ip`
    /// (required), `password` (read only by `verify`).
    pub fn from_env(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, LoginPreEnvError> {
        let text = |name: &'static str| -> Result<String, LoginPreEnvError> {
            let value = var(name)
                .filter(|v| !v.is_empty())
                .ok_or(LoginPreEnvError::Missing(name))?;
            if value.len() > MAX_FIELD {
                return Err(LoginPreEnvError::TooLong(name));
            }
            let value = value
                .into_string()
                .map_err(|_| LoginPreEnvError::NotUtf8(name))?;
            if value.chars().any(char::is_control) {
                return Err(LoginPreEnvError::Control(name));
            }
            Ok(value)
        };
        let username = text("username")?;
        let (user, login_as) = match username.split_once('|') {
            None => (username, None),
            Some((real, target)) => {
                if real.is_empty() || target.is_empty() || target.contains('|') {
                    return Err(LoginPreEnvError::LoginAs);
                }
                (real.to_owned(), Some(target.to_owned()))
            }
        };
        let ip: IpAddr = text("ip")?
            .parse()
            .map_err(|_| LoginPreEnvError::NotAnAddress)?;
        let password = Zeroizing::new(
            var("password")
                .map(|p| p.as_bytes().to_vec())
                .unwrap_or_default(),
        );
        Ok(Self {
            user,
            login_as,
            ip: cidr::canonical(ip),
            password,
        })
    }
}

/// Why the filter allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterReason {
    /// No rule denies: DirectAdmin checks the password.
    Allowed,
    /// The address is in the user's `deny_ip`.
    IpDenied,
    /// The address is in none of the user's `allow_ip` networks.
    IpNotAllowed,
    /// The local time is outside the user's `days` or `hours`.
    OutsideLoginTimes,
    /// The user's stored hash is of a scheme in `refuse_schemes`.
    SchemeRefused,
    /// With `verify`: the password is not the account's (or the account could not say), so
    /// the refuse rule does not apply; DirectAdmin checks the password.
    NotVerified(Reason),
    /// DirectAdmin's environment holds no request passgate can judge.
    MalformedRequest,
}

impl FilterReason {
    /// A stable name for audit lines: `allowed`, `ip-denied`, `ip-not-allowed`,
    /// `outside-login-times`, `scheme-refused`, `malformed-request`, or for
    /// [`NotVerified`](Self::NotVerified) the verification's reason (`wrong-password`…).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::IpDenied => "ip-denied",
            Self::IpNotAllowed => "ip-not-allowed",
            Self::OutsideLoginTimes => "outside-login-times",
            Self::SchemeRefused => "scheme-refused",
            Self::NotVerified(r) => r.name(),
            Self::MalformedRequest => "malformed-request",
        }
    }
}

/// The filter's verdict on one request, with the line that says why (for DirectAdmin's
/// `error.log`). Holds no password and no hash.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoginPreDecision {
    /// Allow (exit 0) or deny.
    pub outcome: Outcome,
    /// Why.
    pub reason: FilterReason,
    /// Where the stored hash came from, when one was read.
    pub place: Where,
    /// The stored hash's scheme, when one was read.
    pub scheme: Option<Scheme>,
    line: String,
}

impl LoginPreDecision {
    /// The denial of a request DirectAdmin's environment does not hold.
    pub fn malformed(error: LoginPreEnvError) -> Self {
        Self {
            outcome: Outcome::Deny,
            reason: FilterReason::MalformedRequest,
            place: Where::Nowhere,
            scheme: None,
            line: format!("deny: malformed request: {error}"),
        }
    }
}

/// `allow alice from 192.0.2.1: no rule denies`, `deny …: …`: one line, no control
/// characters.
impl fmt::Display for LoginPreDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// DirectAdmin's `login_pre` filter: the rules of `[directadmin_filter]`.
#[derive(Clone, Debug)]
pub struct LoginPreFilter {
    default: Rule,
    users: BTreeMap<String, Rule>,
    groups: BTreeMap<String, Rule>,
    member_of: BTreeMap<String, String>,
    refuse: Vec<Scheme>,
    verify: bool,
    source: Option<SourceConfig>,
    hint: String,
    zone: Option<Zone>,
}

impl LoginPreFilter {
    /// The default `refuse_hint`: what the denial line tells the user to do.
    pub const DEFAULT_HINT: &'static str =
        "set a new password another way (ask the server's administrator) and log in with it";

    /// The schemes refused.
    pub fn refused_schemes(&self) -> &[Scheme] {
        &self.refuse
    }

    /// Whether the password is verified before a scheme is refused.
    pub fn verifies(&self) -> bool {
        self.verify
    }

    /// Judges one request at `now`. The `policy`'s limits apply to the verification
    /// `verify` makes; legacy schemes verify whatever its `allow_legacy` says (the refuse
    /// list names them). An error (the source could not be read, a hash's memory could not
    /// be allocated) is no verdict: the caller exits non-zero, which DirectAdmin takes as a
    /// denial.
    pub fn decide(
        &self,
        req: &LoginPreRequest,
        now: SystemTime,
        policy: &Policy,
    ) -> Result<LoginPreDecision, AnswerError> {
        let who = match &req.login_as {
            None => shown(&req.user),
            Some(target) => format!("{} (login-as {})", shown(&req.user), shown(target)),
        };
        let ip = req.ip;
        let decision = |outcome: Outcome, reason, place, scheme, why: String| {
            let verb = outcome.name();
            LoginPreDecision {
                outcome,
                reason,
                place,
                scheme,
                line: format!("{verb} {who} from {ip}: {why}"),
            }
        };
        let deny = |reason, why| decision(Outcome::Deny, reason, Where::Nowhere, None, why);

        if let Some((nets, from)) = self.pick(&req.user, |r| r.deny_ip.as_ref())
            && let Some(net) = nets.iter().find(|n| n.contains(ip))
        {
            return Ok(deny(
                FilterReason::IpDenied,
                format!("the address is in {net}, in deny_ip of {from}"),
            ));
        }
        if let Some((nets, from)) = self.pick(&req.user, |r| r.allow_ip.as_ref())
            && !nets.iter().any(|n| n.contains(ip))
        {
            return Ok(deny(
                FilterReason::IpNotAllowed,
                format!("the address is in no network of allow_ip of {from}"),
            ));
        }
        if let Some(zone) = &self.zone {
            let local = zone.local(now);
            let at = || format!("it is {local} in {}", zone.label());
            if let Some((days, from)) = self.pick(&req.user, |r| r.days.as_ref())
                && !days.contains(local)
            {
                return Ok(deny(
                    FilterReason::OutsideLoginTimes,
                    format!("{}, not a day in days of {from}", at()),
                ));
            }
            if let Some((hours, from)) = self.pick(&req.user, |r| r.hours.as_ref())
                && !hours.contains(local)
            {
                return Ok(deny(
                    FilterReason::OutsideLoginTimes,
                    format!("{}, not in hours of {from}", at()),
                ));
            }
        }
        if self.refuse.is_empty() {
            return Ok(decision(
                Outcome::Allow,
                FilterReason::Allowed,
                Where::Nowhere,
                None,
                "no rule denies".into(),
            ));
        }
        let source = self.source.as_ref().ok_or(AnswerError::Internal)?;
        let account = LegacySource::read_one(source, &req.user)?;
        let place = if account.is_some() {
            Where::Legacy
        } else {
            Where::Nowhere
        };
        let scheme = account.as_ref().and_then(|a| policy.identify(a.hash()));
        let refused = scheme.filter(|s| self.refuse.contains(s));
        let refusal = |scheme: Scheme| {
            decision(
                Outcome::Deny,
                FilterReason::SchemeRefused,
                Where::Legacy,
                Some(scheme),
                format!(
                    "the password is stored as {scheme}, which this server no longer accepts; {}",
                    self.hint
                ),
            )
        };
        if !self.verify {
            return Ok(match refused {
                Some(s) => refusal(s),
                None => decision(
                    Outcome::Allow,
                    FilterReason::Allowed,
                    place,
                    scheme,
                    "no rule denies".into(),
                ),
            });
        }
        // Every request pays one verification (a dummy one for unknown users), so the time
        // taken does not tell whose hash is refused.
        let mut verifying = policy.clone();
        verifying.allow_legacy = true;
        let answerer = Answerer::new(verifying, AnswerSettings::default());
        let attempt = answerer.verify_account(
            HookKind::DirectAdminLoginPre,
            &req.user,
            &req.password,
            &Known(account),
        )?;
        Ok(match (attempt.reply, refused) {
            (AccountVerdict::Verified(_), Some(s)) => refusal(s),
            (AccountVerdict::Verified(_), None) => decision(
                Outcome::Allow,
                FilterReason::Allowed,
                place,
                scheme,
                "no rule denies".into(),
            ),
            _ => decision(
                Outcome::Allow,
                FilterReason::NotVerified(attempt.reason),
                place,
                scheme,
                "the password did not verify here; DirectAdmin checks it".into(),
            ),
        })
    }
}

/// The one account already read.
struct Known(Option<LegacyAccount>);

impl Accounts for Known {
    fn account(&self, username: &str) -> Result<Option<LegacyAccount>, AnswerError> {
        Ok(self.0.clone().filter(|a| a.username() == username))
    }
}

/// A user name as lines show it: plain names as they are, others quoted and escaped.
fn shown(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@+".contains(&b));
    if plain {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hooks::{Config, ConfigError};
    use std::path::Path;
    use std::time::{Duration, UNIX_EPOCH};

    /// 2024-01-15, a Monday, 07:30 UTC.
    const MONDAY_0730: u64 = 1_705_303_800;

    fn filter(toml: &str) -> Result<LoginPreFilter, ConfigError> {
        let c = Config::parse(toml, Path::new("/etc/passgate"))?;
        Ok(c.directadmin_filter.unwrap())
    }

    fn request(user: &str, ip: &str) -> LoginPreRequest {
        from_pairs(&[
            ("username", user.as_bytes()),
            ("ip", ip.as_bytes()),
            ("password", b"pw"),
        ])
        .unwrap()
    }

    fn judge(f: &LoginPreFilter, user: &str, ip: &str, secs: u64) -> LoginPreDecision {
        let now = UNIX_EPOCH + Duration::from_secs(secs);
        f.decide(&request(user, ip), now, &Policy::default())
            .unwrap()
    }

    type Env<'a> = &'a [(&'a str, &'a [u8])];

    fn from_pairs(pairs: Env<'_>) -> Result<LoginPreRequest, LoginPreEnvError> {
        let owned: Vec<(String, Vec<u8>)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.to_vec()))
            .collect();
        LoginPreRequest::from_env(move |k| {
            owned
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| std::ffi::OsStr::from_bytes(v).to_owned())
        })
    }

    #[test]
    fn environment() {
        let r = from_pairs(&[("username", b"admin|fred"), ("ip", b"::ffff:192.0.2.1")]).unwrap();
        assert_eq!(
            (r.user.as_str(), r.login_as.as_deref()),
            ("admin", Some("fred"))
        );
        assert_eq!(r.ip, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert!(r.password.is_empty());
        let r = from_pairs(&[
            ("username", b"ann"),
            ("ip", b"2001:db8::1"),
            ("password", b"s3cret"),
        ])
        .unwrap();
        assert!(!format!("{r:?}").contains("s3cret"));
        assert_eq!(&r.password[..], b"s3cret");
        use LoginPreEnvError as E;
        let long = vec![b'a'; MAX_FIELD + 1];
        let cases: &[(Env<'_>, E)] = &[
            (&[("ip", b"192.0.2.1")], E::Missing("username")),
            (
                &[("username", b""), ("ip", b"192.0.2.1")],
                E::Missing("username"),
            ),
            (&[("username", b"ann")], E::Missing("ip")),
            (
                &[("username", b"a\x1bnn"), ("ip", b"192.0.2.1")],
                E::Control("username"),
            ),
            (
                &[("username", b"ann\n"), ("ip", b"192.0.2.1")],
                E::Control("username"),
            ),
            (
                &[("username", b"\xffann"), ("ip", b"192.0.2.1")],
                E::NotUtf8("username"),
            ),
            (
                &[("username", &long), ("ip", b"192.0.2.1")],
                E::TooLong("username"),
            ),
            (
                &[("username", b"ann"), ("ip", b"192.0.2.1 ")],
                E::NotAnAddress,
            ),
            (
                &[("username", b"ann"), ("ip", b"localhost")],
                E::NotAnAddress,
            ),
            (
                &[("username", b"ann"), ("ip", b"[2001:db8::1]")],
                E::NotAnAddress,
            ),
            (
                &[("username", b"ann"), ("ip", b"fe80::1%eth0")],
                E::NotAnAddress,
            ),
            (
                &[("username", b"ann"), ("ip", b"192.0.2.1\t")],
                E::Control("ip"),
            ),
            (&[("username", b"|fred"), ("ip", b"192.0.2.1")], E::LoginAs),
            (&[("username", b"a|b|c"), ("ip", b"192.0.2.1")], E::LoginAs),
            (&[("username", b"admin|"), ("ip", b"192.0.2.1")], E::LoginAs),
        ];
        for (pairs, e) in cases {
            assert_eq!(from_pairs(pairs).unwrap_err(), *e, "{pairs:?}");
        }
        let d = LoginPreDecision::malformed(E::NotAnAddress);
        assert_eq!(
            d.to_string(),
            "deny: malformed request: ip is not an IPv4 or IPv6 address"
        );
    }

    #[test]
    fn rules_key_by_key_and_in_order() {
        let f = filter(
            r#"
[directadmin_filter]
time_zone = "UTC"
[directadmin_filter.default]
deny_ip = ["203.0.113.0/24"]
allow_ip = ["192.0.2.0/24", "2001:db8::/32", "203.0.113.0/24"]
[directadmin_filter.users.admin]
allow_ip = ["198.51.100.7"]
[directadmin_filter.users.open]
deny_ip = []
[directadmin_filter.groups.office]
members = ["bob", "carol"]
days = ["mon-fri"]
hours = ["08:00-18:00"]
[directadmin_filter.users.carol]
hours = ["07:00-09:00"]
"#,
        )
        .unwrap();
        let at = MONDAY_0730;
        let d = judge(&f, "ann", "192.0.2.10", at);
        assert_eq!(
            (d.outcome, d.reason),
            (Outcome::Allow, FilterReason::Allowed)
        );
        assert_eq!(d.to_string(), "allow ann from 192.0.2.10: no rule denies");
        let d = judge(&f, "ann", "203.0.113.5", at);
        assert_eq!(d.reason, FilterReason::IpDenied);
        assert_eq!(
            d.to_string(),
            "deny ann from 203.0.113.5: the address is in 203.0.113.0/24, in deny_ip of default"
        );
        assert_eq!(
            judge(&f, "ann", "198.51.100.7", at).reason,
            FilterReason::IpNotAllowed
        );
        assert_eq!(
            judge(&f, "ann", "2001:db8::5", at).reason,
            FilterReason::Allowed
        );
        assert_eq!(
            judge(&f, "ann", "2001:db9::5", at).reason,
            FilterReason::IpNotAllowed
        );
        // admin's allow list replaces the default's; the default's deny list still applies.
        assert_eq!(
            judge(&f, "admin", "198.51.100.7", at).reason,
            FilterReason::Allowed
        );
        let d = judge(&f, "admin", "192.0.2.10", at);
        assert_eq!(
            d.to_string(),
            "deny admin from 192.0.2.10: the address is in no network of allow_ip of users.admin"
        );
        assert_eq!(
            judge(&f, "admin|fred", "198.51.100.7", at).reason,
            FilterReason::Allowed
        );
        assert!(
            judge(&f, "admin|fred", "192.0.2.10", at)
                .to_string()
                .starts_with("deny admin (login-as fred) from 192.0.2.10:")
        );
        // An empty deny_ip overrides the default's.
        assert_eq!(
            judge(&f, "open", "203.0.113.5", at).reason,
            FilterReason::Allowed
        );
        // Deny wins over allow: 203.0.113.0/24 is in both of the default's lists.
        assert_eq!(
            judge(&f, "ann", "203.0.113.9", at).reason,
            FilterReason::IpDenied
        );
        // bob: Monday 07:30 is before the group's hours; carol's own hours include it.
        let d = judge(&f, "bob", "192.0.2.10", at);
        assert_eq!(
            d.to_string(),
            "deny bob from 192.0.2.10: it is mon 07:30 in UTC, not in hours of groups.office"
        );
        assert_eq!(
            judge(&f, "carol", "192.0.2.10", at).reason,
            FilterReason::Allowed
        );
        // Saturday: outside the group's days, for carol too.
        let saturday = at + 5 * 86_400 + 3 * 3600;
        let d = judge(&f, "carol", "192.0.2.10", saturday);
        assert_eq!(
            d.to_string(),
            "deny carol from 192.0.2.10: it is sat 10:30 in UTC, not a day in days of groups.office"
        );
        // IP rules come before times.
        assert_eq!(
            judge(&f, "bob", "203.0.113.5", at).reason,
            FilterReason::IpDenied
        );
    }

    /// An htpasswd source: md5 (md5crypt), sha ({SHA}), locked (md5crypt behind `!`), all
    /// with the password "password".
    fn refusing(verify: bool) -> LoginPreFilter {
        let dir = std::env::temp_dir().join(format!(
            "passgate-login-pre-unit-{}-{verify}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // `openssl passwd -1 -salt saltsalt password`; `htpasswd -nbs u password`.
        let md5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        std::fs::write(
            dir.join("htpasswd"),
            format!("md5:{md5}\nsha:{{SHA}}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nlocked:!{md5}\n"),
        )
        .unwrap();
        let toml = format!(
            "[policy]\nallow_legacy = false\n\
             [sources.web]\nformat = \"htpasswd\"\npath = \"{}\"\nhome_base = \"/srv\"\n\
             [directadmin_filter]\nsource = \"web\"\nrefuse_schemes = [\"md5crypt\", \"descrypt\"]\n\
             verify = {verify}\nrefuse_hint = \"use the reset page\"\n",
            dir.join("htpasswd").display()
        );
        let c = Config::parse(&toml, Path::new("/")).unwrap();
        c.directadmin_filter.unwrap()
    }

    fn judge_with(f: &LoginPreFilter, user: &str, password: &str) -> LoginPreDecision {
        let req = from_pairs(&[
            ("username", user.as_bytes()),
            ("ip", b"192.0.2.1"),
            ("password", password.as_bytes()),
        ])
        .unwrap();
        // A strict policy: the refuse list still sees (and verifies) the legacy hashes.
        let strict = Policy {
            allow_legacy: false,
            ..Policy::default()
        };
        f.decide(&req, SystemTime::now(), &strict).unwrap()
    }

    #[test]
    fn refused_schemes_with_and_without_verification() {
        let f = refusing(false);
        assert_eq!(f.refused_schemes(), [Scheme::Md5Crypt, Scheme::DesCrypt]);
        for password in ["password", "wrong"] {
            let d = judge_with(&f, "md5", password);
            assert_eq!(
                (d.outcome, d.reason),
                (Outcome::Deny, FilterReason::SchemeRefused)
            );
            assert_eq!((d.place, d.scheme), (Where::Legacy, Some(Scheme::Md5Crypt)));
            assert_eq!(
                d.to_string(),
                "deny md5 from 192.0.2.1: the password is stored as md5crypt, which this server \
                 no longer accepts; use the reset page"
            );
        }
        let d = judge_with(&f, "sha", "password");
        assert_eq!(
            (d.outcome, d.scheme),
            (Outcome::Allow, Some(Scheme::HtpasswdSha1))
        );
        let d = judge_with(&f, "nobody", "password");
        assert_eq!((d.outcome, d.place), (Outcome::Allow, Where::Nowhere));
        assert_eq!(judge_with(&f, "locked", "password").outcome, Outcome::Allow);
        // login-as: the real user's hash decides.
        let d = judge_with(&f, "md5|sha", "password");
        assert_eq!(d.reason, FilterReason::SchemeRefused);
        assert_eq!(
            judge_with(&f, "sha|md5", "password").outcome,
            Outcome::Allow
        );

        let f = refusing(true);
        assert!(f.verifies());
        let d = judge_with(&f, "md5", "password");
        assert_eq!(
            (d.outcome, d.reason),
            (Outcome::Deny, FilterReason::SchemeRefused)
        );
        // A wrong password never shows the rule: DirectAdmin checks it.
        let d = judge_with(&f, "md5", "wrong");
        assert_eq!(d.outcome, Outcome::Allow);
        assert_eq!(d.reason.name(), "wrong-password");
        assert!(!d.to_string().contains("md5crypt"), "{d}");
        for (user, password, reason) in [
            ("md5", "", "password-refused"),
            ("nobody", "password", "unknown-user"),
            ("locked", "password", "locked"),
            ("sha", "wrong", "wrong-password"),
        ] {
            let d = judge_with(&f, user, password);
            assert_eq!(
                (d.outcome, d.reason.name()),
                (Outcome::Allow, reason),
                "{user}"
            );
        }
        let d = judge_with(&f, "sha", "password");
        assert_eq!(
            (d.outcome, d.reason),
            (Outcome::Allow, FilterReason::Allowed)
        );
        for verify in [false, true] {
            let dir = std::env::temp_dir().join(format!(
                "passgate-login-pre-unit-{}-{verify}",
                std::process::id()
            ));
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn names_are_shown_safely() {
        assert_eq!(shown("alice"), "alice");
        assert_eq!(shown("a b"), r#""a b""#);
        assert_eq!(shown("x\"y"), r#""x\"y""#);
    }
}
