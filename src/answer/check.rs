//! passgate as the program an auth server runs to check one password: the requests of the
//! program contracts, read strictly from their wire formats, and what a program hands on
//! after a right password. The verdict itself is [`Answerer::verify_account`]'s.
//!
//! - **pam_exec** with `expose_authtok` (Linux-PAM `modules/pam_exec/pam_exec.c`, man
//!   pam_exec(8)): the password on standard input, without a NUL since Linux-PAM 1.4.0
//!   (commit 91d46783) and followed by one before it and on FreeBSD; the user and the module
//!   type in the environment ([`PamExecEnv`], [`Login::from_pam_exec`]).
//! - **checkpassword** (the qmail interface, cr.yp.to/checkpwd/interface.html; Dovecot's
//!   `passdb checkpassword`, `src/auth/db-checkpassword.c`): `user\0password\0timestamp\0`,
//!   at most 512 bytes, on descriptor 3 ([`Login::from_checkpassword`]); after a right
//!   password the next program gets [`checkpassword_env`].
//! - **mod_authnz_external**'s pipe method (`mod_authnz_external/AUTHENTICATORS`): `user\n`
//!   then `password\n` on standard input ([`Login::from_authnz_pipe`]).
//!
//! [`Answerer::verify_account`]: super::Answerer::verify_account

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::fmt;

use serde_json::Value;
use zeroize::Zeroizing;

use super::source::LegacyAccount;
use super::{Accounts, AnswerError, Reason};

/// A program contract `passgate check` speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Contract {
    /// pam_exec's `expose_authtok`.
    PamExec,
    /// The checkpassword interface (qmail, Dovecot).
    Checkpassword,
    /// mod_authnz_external's pipe method.
    AuthnzExternal,
}

impl Contract {
    /// The longest checkpassword input: "There must be at most 512 bytes of data before end
    /// of file" (cr.yp.to/checkpwd/interface.html); Dovecot's `CHECKPASSWORD_MAX_REQUEST_LEN`.
    pub const CHECKPASSWORD_MAX_INPUT: usize = 512;
    /// The longest password read from standard input: 64 KiB, far above what the callers
    /// send (pam_exec at most `PAM_MAX_RESP_SIZE` − 1 = 511 bytes; Apache's request headers
    /// at most 8190 bytes, so about 6 KiB once Base64 is decoded). A password under it but
    /// over the policy's `max_password_len` is read, and refused by the policy.
    pub const MAX_PASSWORD_INPUT: usize = 64 * 1024;

    /// `pam-exec`, `checkpassword` or `authnz-external`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PamExec => "pam-exec",
            Self::Checkpassword => "checkpassword",
            Self::AuthnzExternal => "authnz-external",
        }
    }

    /// The most bytes of input that can be a login: read one more to know whether the
    /// input is longer.
    pub const fn input_limit(self) -> usize {
        match self {
            // The password, and a NUL after it.
            Self::PamExec => Self::MAX_PASSWORD_INPUT + 1,
            Self::Checkpassword => Self::CHECKPASSWORD_MAX_INPUT,
            // Two lines.
            Self::AuthnzExternal => Login::MAX_USERNAME + 1 + Self::MAX_PASSWORD_INPUT + 1,
        }
    }
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an input is no login of the contract. Never holds any of its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckInputError {
    /// The input is longer than the contract allows.
    #[error("the input is longer than {0} bytes")]
    TooLong(usize),
    /// A field does not end with its terminator (a NUL, or a newline).
    #[error("{0} is not terminated")]
    Unterminated(&'static str),
    /// Something follows the last field.
    #[error("data follows {0}")]
    TrailingData(&'static str),
    /// The user name is empty, not UTF-8, too long, or holds a NUL or another control
    /// character.
    #[error("the user name is {0}")]
    Username(&'static str),
    /// A required environment variable is not set.
    #[error("{0} is not set")]
    MissingVariable(&'static str),
    /// An environment variable is set more than once: the caller's own value and one from
    /// somewhere else (pam_exec appends its variables to the PAM environment).
    #[error("{0} is set more than once")]
    DuplicateVariable(&'static str),
    /// An environment variable holds what no caller sends: not UTF-8, too long, or a
    /// control character.
    #[error("{0} is not acceptable")]
    Value(&'static str),
    /// pam_exec ran passgate for a module type it does not answer.
    #[error("PAM_TYPE {0} is not answered (only auth and account are)")]
    PamType(&'static str),
    /// mod_authnz_external ran passgate for a group check (`AUTHTYPE=GROUP`).
    #[error("AUTHTYPE is not PASS: passgate checks passwords, not groups")]
    NotPassword,
    /// Dovecot asked for a userdb or credentials lookup (`AUTHORIZED` is set): no password
    /// to check, and nothing passgate answers.
    #[error("AUTHORIZED is set: passgate answers password checks, not Dovecot's lookups")]
    Lookup,
}

/// One login read from a contract's input: the user name and the password. `Debug` never
/// shows the password.
#[derive(Clone)]
pub struct Login {
    username: String,
    password: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Login {
    /// The longest user name, in bytes: the cap on the fields of SFTPGo's requests too.
    pub const MAX_USERNAME: usize = 1024;

    /// The login name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, as sent.
    pub fn password(&self) -> &[u8] {
        &self.password
    }

    /// pam_exec's `expose_authtok` input for the user in `PAM_USER`: the password up to a
    /// NUL or the end of input, nothing after the NUL. An empty password is read as one (the
    /// policy refuses it): it is what pam_exec gives without `expose_authtok`.
    pub fn from_pam_exec(username: &str, input: &[u8]) -> Result<Self, CheckInputError> {
        let limit = Contract::PamExec.input_limit();
        if input.len() > limit {
            return Err(CheckInputError::TooLong(limit));
        }
        let password = match input.iter().position(|&b| b == 0) {
            Some(end) if end + 1 < input.len() => {
                return Err(CheckInputError::TrailingData("the password's NUL"));
            }
            Some(end) => &input[..end],
            None => input,
        };
        Ok(Self {
            username: checked_username(username.as_bytes())?,
            password: Zeroizing::new(password.to_vec()),
        })
    }

    /// The checkpassword input: a login name terminated by NUL, a password terminated by
    /// NUL, then a timestamp "and possibly more data", which are not read.
    pub fn from_checkpassword(input: &[u8]) -> Result<Self, CheckInputError> {
        let limit = Contract::Checkpassword.input_limit();
        if input.len() > limit {
            return Err(CheckInputError::TooLong(limit));
        }
        let mut fields = input.splitn(3, |&b| b == 0);
        let user = fields.next().unwrap_or_default();
        let password = fields
            .next()
            .ok_or(CheckInputError::Unterminated("the user name"))?;
        if fields.next().is_none() {
            return Err(CheckInputError::Unterminated("the password"));
        }
        Ok(Self {
            username: checked_username(user)?,
            password: Zeroizing::new(password.to_vec()),
        })
    }

    /// mod_authnz_external's pipe input: the user name on the first line, the password on
    /// the second, each ending with `\n`, and nothing after. A password holding a newline
    /// is therefore refused, never cut short.
    pub fn from_authnz_pipe(input: &[u8]) -> Result<Self, CheckInputError> {
        let limit = Contract::AuthnzExternal.input_limit();
        if input.len() > limit {
            return Err(CheckInputError::TooLong(limit));
        }
        let (user, rest) =
            split_line(input).ok_or(CheckInputError::Unterminated("the user name"))?;
        let (password, rest) =
            split_line(rest).ok_or(CheckInputError::Unterminated("the password"))?;
        if !rest.is_empty() {
            return Err(CheckInputError::TrailingData("the password's line"));
        }
        Ok(Self {
            username: checked_username(user)?,
            password: Zeroizing::new(password.to_vec()),
        })
    }
}

/// The line before the first `\n`, and what follows it.
fn split_line(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = input.iter().position(|&b| b == b'\n')?;
    Some((&input[..end], &input[end + 1..]))
}

/// A user name as sent: non-empty, UTF-8, at most [`Login::MAX_USERNAME`] bytes, no
/// control character (so no NUL, newline or tab).
fn checked_username(name: &[u8]) -> Result<String, CheckInputError> {
    if name.is_empty() {
        return Err(CheckInputError::Username("empty"));
    }
    if name.len() > Login::MAX_USERNAME {
        return Err(CheckInputError::Username("too long"));
    }
    let name = std::str::from_utf8(name).map_err(|_| CheckInputError::Username("not UTF-8"))?;
    if name.chars().any(char::is_control) {
        return Err(CheckInputError::Username("holding a control character"));
    }
    Ok(name.to_owned())
}

/// The PAM module type pam_exec ran passgate for (`PAM_TYPE`): the two it answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PamType {
    /// `auth`: the password is checked.
    Auth,
    /// `account`: no password; the account must exist and may log in (not locked, disabled
    /// or expired).
    Account,
}

/// What pam_exec tells the program in its environment: `PAM_TYPE`, `PAM_USER`,
/// `PAM_SERVICE`, `PAM_RHOST` (PAM_TTY and PAM_RUSER are not used).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PamExecEnv {
    /// The module type.
    pub pam_type: PamType,
    /// `PAM_USER`.
    pub username: String,
    /// `PAM_SERVICE`, the PAM service name (empty when unset).
    pub service: String,
    /// `PAM_RHOST`, the remote host as the application gave it (empty when unset).
    pub rhost: String,
}

impl PamExecEnv {
    /// The variables pam_exec sets itself, after those of the PAM environment. A PAM
    /// environment (pam_env, the application) can hold one of these names too; the program
    /// would then see it twice, and `getenv` would return the one pam_exec did not set.
    const OWN: [&'static str; 6] = [
        "PAM_SERVICE",
        "PAM_USER",
        "PAM_TTY",
        "PAM_RHOST",
        "PAM_RUSER",
        "PAM_TYPE",
    ];

    /// Reads pam_exec's variables from the whole environment (`std::env::vars_os()`), which
    /// keeps duplicates: a variable pam_exec sets that appears more than once is an error.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, CheckInputError> {
        let mut found: [Option<OsString>; 6] = Default::default();
        for (name, value) in vars {
            if let Some(i) = Self::OWN.iter().position(|own| name == *own) {
                if found[i].is_some() {
                    return Err(CheckInputError::DuplicateVariable(Self::OWN[i]));
                }
                found[i] = Some(value);
            }
        }
        let [service, user, _tty, rhost, _ruser, pam_type] = found;
        let pam_type = match pam_type.as_ref().and_then(|t| t.to_str()) {
            None => return Err(CheckInputError::MissingVariable("PAM_TYPE")),
            Some("auth") => PamType::Auth,
            Some("account") => PamType::Account,
            Some("password") => return Err(CheckInputError::PamType("password")),
            Some("open_session") => return Err(CheckInputError::PamType("open_session")),
            Some("close_session") => return Err(CheckInputError::PamType("close_session")),
            Some(_) => return Err(CheckInputError::PamType("of another name")),
        };
        let user = user.ok_or(CheckInputError::MissingVariable("PAM_USER"))?;
        let username = checked_username(user.as_encoded_bytes())?;
        Ok(Self {
            pam_type,
            username,
            service: text(service, "PAM_SERVICE")?,
            rhost: text(rhost, "PAM_RHOST")?,
        })
    }
}

/// An informative variable (a service, a remote address): empty when unset; bounded and
/// free of control characters when set.
fn text(value: Option<OsString>, name: &'static str) -> Result<String, CheckInputError> {
    let Some(value) = value else {
        return Ok(String::new());
    };
    let value = value
        .into_string()
        .map_err(|_| CheckInputError::Value(name))?;
    if value.len() > Login::MAX_USERNAME || value.chars().any(char::is_control) {
        return Err(CheckInputError::Value(name));
    }
    Ok(value)
}

/// An informative variable of a caller's environment (Dovecot's `SERVICE` and
/// `TCPREMOTEIP`, mod_authnz_external's `IP`): empty when unset; bounded and free of
/// control characters when set.
pub fn env_text(
    var: impl Fn(&str) -> Option<OsString>,
    name: &'static str,
) -> Result<String, CheckInputError> {
    text(var(name), name)
}

/// Checks mod_authnz_external's `AUTHTYPE`: `PASS` for a password check; a group check
/// (`GROUP`) is refused, since its second line is a list of groups, not a password. Unset
/// (a run by hand) reads as `PASS`.
pub fn authnz_authtype(var: impl Fn(&str) -> Option<OsString>) -> Result<(), CheckInputError> {
    match var("AUTHTYPE") {
        None => Ok(()),
        Some(t) if t == "PASS" => Ok(()),
        Some(_) => Err(CheckInputError::NotPassword),
    }
}

/// Checks that a checkpassword call asks for a password check: Dovecot sets `AUTHORIZED`
/// for a userdb or credentials lookup, in which the password is empty and the program is to
/// answer without checking it (`db-checkpassword.c`); passgate answers none.
pub fn checkpassword_authorized(
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<(), CheckInputError> {
    match var("AUTHORIZED") {
        None => Ok(()),
        Some(_) => Err(CheckInputError::Lookup),
    }
}

/// The PAM account phase's verdict for a user, without a password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountPhase {
    /// The account exists and may log in.
    Usable(LegacyAccount),
    /// The account is locked, disabled or expired ([`Reason::Locked`], [`Reason::Disabled`],
    /// [`Reason::Expired`]).
    Refused(Reason),
    /// The source does not hold the user.
    NotFound,
}

impl AccountPhase {
    /// The name in audit lines: `account-usable`, the refusal's reason, or `unknown-user`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Usable(_) => "account-usable",
            Self::Refused(reason) => reason.name(),
            Self::NotFound => Reason::UnknownUser.name(),
        }
    }
}

/// Whether `username`'s account may log in, in the order a password check looks: a lock
/// marker, then a disabled account, then an expired one. No password is involved, so no
/// verification is done.
pub fn account_phase(accounts: &dyn Accounts, username: &str) -> Result<AccountPhase, AnswerError> {
    let Some(account) = accounts.account(username)? else {
        return Ok(AccountPhase::NotFound);
    };
    Ok(if account.hash().is_empty() {
        AccountPhase::Refused(Reason::Locked)
    } else if !account.is_enabled() {
        AccountPhase::Refused(Reason::Disabled)
    } else if account.is_expired_at(now_ms()) {
        AccountPhase::Refused(Reason::Expired)
    } else {
        AccountPhase::Usable(account)
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Where an account lives, as the program after checkpassword needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountHome {
    /// The login name.
    pub username: String,
    /// The home directory: absolute, no control character.
    pub home: String,
    /// The uid.
    pub uid: u32,
    /// The gid.
    pub gid: u32,
}

impl AccountHome {
    /// The account's home, uid and gid, as the importer builds them; `None` when the home
    /// is not absolute or holds a control character (Dovecot's `checkpassword-reply`
    /// refuses a tab in `HOME`).
    pub fn of(account: &LegacyAccount) -> Option<Self> {
        let user = account.sftpgo_user();
        let home = user.get("home_dir").and_then(Value::as_str)?;
        let id = |key: &str| {
            user.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        if !home.starts_with('/') || home.chars().any(char::is_control) {
            return None;
        }
        Some(Self {
            username: account.username().to_owned(),
            home: home.to_owned(),
            uid: id("uid")?,
            gid: id("gid")?,
        })
    }
}

/// The environment the next program gets after a right password: `USER` and `HOME` (the
/// qmail checkpassword's), and Dovecot's `userdb_uid` and `userdb_gid` listed in `EXTRA`,
/// which its `checkpassword-reply` hands back to Dovecot (it would otherwise report its own
/// uid and gid, which are not the account's unless the program changed to them).
pub fn checkpassword_env(home: &AccountHome) -> [(&'static str, String); 5] {
    [
        ("USER", home.username.clone()),
        ("HOME", home.home.clone()),
        ("userdb_uid", home.uid.to_string()),
        ("userdb_gid", home.gid.to_string()),
        ("EXTRA", "userdb_uid userdb_gid".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pam_exec_input() {
        let ok = |input: &[u8]| Login::from_pam_exec("alice", input).unwrap();
        // Linux-PAM ≥ 1.4.0 writes no NUL; older ones and FreeBSD write one.
        assert_eq!(ok(b"secret pw").password(), b"secret pw");
        assert_eq!(ok(b"secret pw\0").password(), b"secret pw");
        assert_eq!(ok(b"").password(), b"");
        assert_eq!(ok(b"\0").password(), b"");
        assert_eq!(ok(b"\xff\xfe").password(), b"\xff\xfe");
        let err = |user: &str, input: &[u8]| Login::from_pam_exec(user, input).unwrap_err();
        assert_eq!(
            err("alice", b"pw\0more"),
            CheckInputError::TrailingData("the password's NUL")
        );
        assert_eq!(
            err("alice", b"pw\0\0"),
            CheckInputError::TrailingData("the password's NUL")
        );
        let limit = Contract::PamExec.input_limit();
        assert!(Login::from_pam_exec("alice", &vec![b'x'; limit]).is_ok());
        assert_eq!(
            err("alice", &vec![b'x'; limit + 1]),
            CheckInputError::TooLong(limit)
        );
        assert_eq!(err("", b"pw"), CheckInputError::Username("empty"));
        assert_eq!(
            err("a\tb", b"pw"),
            CheckInputError::Username("holding a control character")
        );
        assert!(!format!("{:?}", ok(b"MARKER-71c3")).contains("MARKER"));
    }

    #[test]
    fn checkpassword_input() {
        let ok = |input: &[u8]| Login::from_checkpassword(input).unwrap();
        // Dovecot: an empty timestamp; mod_authnz_external: "0"; qmail-popup: its own.
        for input in [
            &b"alice\0pw\0\0"[..],
            b"alice\0pw\x000\0",
            b"alice\0pw\0<1.2@host>\0more data",
            b"alice\0pw\0",
        ] {
            let login = ok(input);
            assert_eq!((login.username(), login.password()), ("alice", &b"pw"[..]));
        }
        assert_eq!(ok(b"alice\0\0\0").password(), b"");
        let err = |input: &[u8]| Login::from_checkpassword(input).unwrap_err();
        assert_eq!(err(b""), CheckInputError::Unterminated("the user name"));
        assert_eq!(
            err(b"alice"),
            CheckInputError::Unterminated("the user name")
        );
        assert_eq!(
            err(b"alice\0pw"),
            CheckInputError::Unterminated("the password")
        );
        assert_eq!(err(b"\0pw\0\0"), CheckInputError::Username("empty"));
        assert_eq!(
            err(b"al\xffce\0pw\0\0"),
            CheckInputError::Username("not UTF-8")
        );
        assert_eq!(
            err(b"al\nice\0pw\0\0"),
            CheckInputError::Username("holding a control character")
        );
        let mut long = b"alice\0".to_vec();
        long.extend(std::iter::repeat_n(b'x', 512 - long.len() - 2));
        long.extend_from_slice(b"\0\0");
        assert_eq!(long.len(), 512);
        assert!(Login::from_checkpassword(&long).is_ok());
        long.push(b'x');
        assert_eq!(err(&long), CheckInputError::TooLong(512));
    }

    #[test]
    fn authnz_pipe_input() {
        let login = Login::from_authnz_pipe(b"alice\nsecret pw\n").unwrap();
        assert_eq!(
            (login.username(), login.password()),
            ("alice", &b"secret pw"[..])
        );
        // A NUL in the password is the policy's to refuse; in the name it is no name.
        assert_eq!(
            Login::from_authnz_pipe(b"alice\np\0w\n")
                .unwrap()
                .password(),
            b"p\0w"
        );
        let err = |input: &[u8]| Login::from_authnz_pipe(input).unwrap_err();
        assert_eq!(
            err(b"alice"),
            CheckInputError::Unterminated("the user name")
        );
        assert_eq!(
            err(b"alice\npw"),
            CheckInputError::Unterminated("the password")
        );
        assert_eq!(
            err(b"alice\npw\nextra\n"),
            CheckInputError::TrailingData("the password's line")
        );
        assert_eq!(
            err(b"al\0ice\npw\n"),
            CheckInputError::Username("holding a control character")
        );
        assert_eq!(err(b"\npw\n"), CheckInputError::Username("empty"));
        let mut long = vec![b'u'; Login::MAX_USERNAME + 1];
        long.extend_from_slice(b"\npw\n");
        assert_eq!(err(&long), CheckInputError::Username("too long"));
        let limit = Contract::AuthnzExternal.input_limit();
        assert_eq!(err(&vec![b'x'; limit + 1]), CheckInputError::TooLong(limit));
    }

    fn vars(list: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        list.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn pam_environment() {
        let env = PamExecEnv::from_vars(vars(&[
            ("PWD", "/"),
            ("PAM_SERVICE", "sshd"),
            ("PAM_USER", "alice"),
            ("PAM_RHOST", "192.0.2.7"),
            ("PAM_TYPE", "auth"),
        ]))
        .unwrap();
        assert_eq!(
            (
                env.pam_type,
                env.username.as_str(),
                env.service.as_str(),
                env.rhost.as_str()
            ),
            (PamType::Auth, "alice", "sshd", "192.0.2.7")
        );
        let env = PamExecEnv::from_vars(vars(&[("PAM_USER", "a"), ("PAM_TYPE", "account")]));
        assert_eq!(env.unwrap().pam_type, PamType::Account);
        let err = |list: &[(&str, &str)]| PamExecEnv::from_vars(vars(list)).unwrap_err();
        // A PAM environment naming PAM_TYPE or PAM_USER itself comes first in the list.
        assert_eq!(
            err(&[
                ("PAM_TYPE", "account"),
                ("PAM_USER", "a"),
                ("PAM_TYPE", "auth")
            ]),
            CheckInputError::DuplicateVariable("PAM_TYPE")
        );
        assert_eq!(
            err(&[
                ("PAM_USER", "root"),
                ("PAM_USER", "a"),
                ("PAM_TYPE", "auth")
            ]),
            CheckInputError::DuplicateVariable("PAM_USER")
        );
        assert_eq!(
            err(&[("PAM_USER", "a")]),
            CheckInputError::MissingVariable("PAM_TYPE")
        );
        assert_eq!(
            err(&[("PAM_TYPE", "auth")]),
            CheckInputError::MissingVariable("PAM_USER")
        );
        assert_eq!(
            err(&[("PAM_USER", "a"), ("PAM_TYPE", "password")]),
            CheckInputError::PamType("password")
        );
        assert_eq!(
            err(&[("PAM_USER", "a"), ("PAM_TYPE", "Auth")]),
            CheckInputError::PamType("of another name")
        );
        assert_eq!(
            err(&[
                ("PAM_USER", "a"),
                ("PAM_TYPE", "auth"),
                ("PAM_RHOST", "x\ny")
            ]),
            CheckInputError::Value("PAM_RHOST")
        );
    }

    #[test]
    fn authtype() {
        let var = |v: Option<&'static str>| move |_: &str| v.map(OsString::from);
        assert!(authnz_authtype(var(None)).is_ok());
        assert!(authnz_authtype(var(Some("PASS"))).is_ok());
        assert_eq!(
            authnz_authtype(var(Some("GROUP"))),
            Err(CheckInputError::NotPassword)
        );
    }
}
