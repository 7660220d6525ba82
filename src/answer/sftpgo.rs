//! passgate as SFTPGo's external auth and check-password hook: the requests SFTPGo sends
//! (program environment or HTTP body) and the answers it reads, decided by the
//! [`Answerer`].
//!
//! SFTPGo's behaviour here is that of its code (`dataprovider.go` on main, 2.7.99-dev):
//! - external auth (`doExternalAuth`): an empty answer for a user SFTPGo knows accepts the
//!   login, and when SFTPGo's stored hash does not match the login password SFTPGo hashes and
//!   stores it (no entropy check); `{"username":""}` denies; a user object creates or fully
//!   replaces the user, with its `password` replaced by the login password, which then goes
//!   through SFTPGo's entropy check;
//! - check-password: `{"status":1}` accepts without SFTPGo checking anything, `{"status":2,
//!   "to_verify":…}` has SFTPGo verify `to_verify` against its own hash, anything else denies.

#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt as _;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use zeroize::{Zeroize as _, Zeroizing};

use super::entropy::sftpgo_entropy;
use super::source::LegacyAccount;
use super::{AnswerError, Attempt, HookKind, Outcome, Reason, Where};
use crate::hooks::MAX_OUTPUT;
use crate::{Policy, Scheme, VerifyError};

/// The longest user name, IP address or protocol name read from a request.
const MAX_FIELD: usize = 1024;

/// Why a request is not one SFTPGo sends. Never holds any of its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is larger than SFTPGo's 1 MiB cap on hook bodies.
    #[error("the request is larger than 1 MiB")]
    TooLarge,
    /// Not JSON, not UTF-8, or not an object.
    #[error("the request is not a JSON object")]
    NotJson,
    /// A field SFTPGo sends has the wrong type, or a required one is missing.
    #[error("field {0} is missing or has the wrong type")]
    Field(&'static str),
    /// A field holds what no login has: too long, a NUL or another control character.
    #[error("field {0} is not acceptable")]
    Value(&'static str),
    /// A required environment variable is not set.
    #[error("{0} is not set")]
    MissingVariable(&'static str),
}

/// The login SFTPGo asks about through its external auth hook.
#[derive(Clone, Default)]
pub struct ExternalAuthRequest {
    /// The login name (after SFTPGo's naming rules).
    pub username: String,
    /// The password; empty for a public key, keyboard-interactive or certificate login.
    pub password: Zeroizing<Vec<u8>>,
    /// The client's address.
    pub ip: String,
    /// `SSH`, `FTP`, `DAV` or `HTTP`.
    pub protocol: String,
    /// The user SFTPGo stores, when it knows one (its `password` is SFTPGo's hash).
    pub user: Option<Map<String, Value>>,
}

impl fmt::Debug for ExternalAuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalAuthRequest")
            .field("username", &self.username)
            .field("ip", &self.ip)
            .field("protocol", &self.protocol)
            .field("known_user", &self.user.is_some())
            .finish_non_exhaustive()
    }
}

/// The login SFTPGo asks about through its check-password hook.
#[derive(Clone, Default)]
pub struct CheckPasswordRequest {
    /// The login name.
    pub username: String,
    /// The password.
    pub password: Zeroizing<Vec<u8>>,
    /// The client's address.
    pub ip: String,
    /// `SSH`, `FTP`, `DAV` or `HTTP`.
    pub protocol: String,
}

impl fmt::Debug for CheckPasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckPasswordRequest")
            .field("username", &self.username)
            .field("ip", &self.ip)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// A body field SFTPGo sends as a string; `null` reads as empty, as Go's would.
fn string_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct ExternalAuthBody {
    #[serde(deserialize_with = "string_field")]
    username: String,
    #[serde(default, deserialize_with = "string_field")]
    ip: String,
    #[serde(default, deserialize_with = "string_field")]
    password: String,
    #[serde(default, deserialize_with = "string_field")]
    protocol: String,
    #[serde(default)]
    user: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct CheckPasswordBody {
    #[serde(deserialize_with = "string_field")]
    username: String,
    #[serde(default, deserialize_with = "string_field")]
    ip: String,
    #[serde(default, deserialize_with = "string_field")]
    password: String,
    #[serde(default, deserialize_with = "string_field")]
    protocol: String,
}

/// Which field a serde error is about, named from our own list, never from the input.
fn field_named(e: &serde_json::Error, fields: &[&'static str]) -> RequestError {
    if e.is_syntax() || e.is_eof() {
        return RequestError::NotJson;
    }
    let text = e.to_string();
    fields
        .iter()
        .find(|f| text.contains(&format!("`{f}`")))
        .map_or(RequestError::NotJson, |f| RequestError::Field(f))
}

fn parse_body<T: for<'de> Deserialize<'de>>(
    body: &[u8],
    fields: &[&'static str],
) -> Result<T, RequestError> {
    if body.len() > MAX_OUTPUT {
        return Err(RequestError::TooLarge);
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| RequestError::NotJson)?;
    if !value.is_object() {
        return Err(RequestError::NotJson);
    }
    // Each field on its own, so that the error names the field and never echoes a value.
    if let Value::Object(map) = &value {
        for &f in fields {
            if let Some(v) = map.get(f) {
                let ok = match f {
                    "user" => v.is_object() || v.is_null(),
                    _ => v.is_string() || v.is_null(),
                };
                if !ok {
                    return Err(RequestError::Field(f));
                }
            }
        }
    }
    serde_json::from_value(value).map_err(|e| field_named(&e, fields))
}

/// A short text field: bounded, no control characters.
fn check_text(value: &str, name: &'static str) -> Result<(), RequestError> {
    if value.len() > MAX_FIELD || value.chars().any(char::is_control) {
        return Err(RequestError::Value(name));
    }
    Ok(())
}

fn check_username(value: &str) -> Result<(), RequestError> {
    if value.is_empty() {
        return Err(RequestError::Field("username"));
    }
    check_text(value, "username")
}

impl ExternalAuthRequest {
    /// The request from SFTPGo's HTTP body: `{"username","ip","password","public_key",
    /// "protocol","keyboard_interactive","tls_cert"}` plus `"user"` when SFTPGo knows the
    /// user. Fields SFTPGo may add later are ignored; a known one of the wrong type is an
    /// error naming it.
    pub fn from_json(body: &[u8]) -> Result<Self, RequestError> {
        const FIELDS: &[&str] = &[
            "username",
            "ip",
            "password",
            "public_key",
            "protocol",
            "keyboard_interactive",
            "tls_cert",
            "user",
        ];
        let mut b: ExternalAuthBody = parse_body(body, FIELDS)?;
        let password = Zeroizing::new(std::mem::take(&mut b.password).into_bytes());
        let request = Self {
            username: b.username,
            password,
            ip: b.ip,
            protocol: b.protocol,
            user: b.user,
        };
        request.check()?;
        Ok(request)
    }

    /// The request from the environment SFTPGo gives a program hook:
    /// `SFTPGO_AUTHD_USERNAME`, `_USER` (the stored user's JSON, empty if unknown), `_IP`,
    /// `_PASSWORD`, `_PROTOCOL`, `_PUBLIC_KEY`, `_KEYBOARD_INTERACTIVE`, `_TLS_CERT`.
    pub fn from_env(
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, RequestError> {
        let text = |name: &'static str| -> Result<String, RequestError> {
            match var(name) {
                None => Ok(String::new()),
                Some(v) => v.into_string().map_err(|_| RequestError::Value(name)),
            }
        };
        let username = var("SFTPGO_AUTHD_USERNAME")
            .ok_or(RequestError::MissingVariable("SFTPGO_AUTHD_USERNAME"))?
            .into_string()
            .map_err(|_| RequestError::Value("SFTPGO_AUTHD_USERNAME"))?;
        let user_json = text("SFTPGO_AUTHD_USER")?;
        let user = if user_json.trim().is_empty() {
            None
        } else {
            match serde_json::from_str::<Value>(&user_json) {
                Ok(Value::Object(map)) => Some(map),
                _ => return Err(RequestError::Field("SFTPGO_AUTHD_USER")),
            }
        };
        let password = Zeroizing::new(
            var("SFTPGO_AUTHD_PASSWORD")
                .map(|p| OsStr::as_bytes(&p).to_vec())
                .unwrap_or_default(),
        );
        let request = Self {
            username,
            password,
            ip: text("SFTPGO_AUTHD_IP")?,
            protocol: text("SFTPGO_AUTHD_PROTOCOL")?,
            user,
        };
        request.check()?;
        Ok(request)
    }

    fn check(&self) -> Result<(), RequestError> {
        check_username(&self.username)?;
        check_text(&self.ip, "ip")?;
        check_text(&self.protocol, "protocol")?;
        if let Some(user) = &self.user {
            match user.get("password") {
                None | Some(Value::String(_) | Value::Null) => {}
                Some(_) => return Err(RequestError::Field("user.password")),
            }
        }
        Ok(())
    }
}

impl CheckPasswordRequest {
    /// The request from SFTPGo's HTTP body `{"username","ip","password","protocol"}`.
    pub fn from_json(body: &[u8]) -> Result<Self, RequestError> {
        const FIELDS: &[&str] = &["username", "ip", "password", "protocol"];
        let mut b: CheckPasswordBody = parse_body(body, FIELDS)?;
        let password = Zeroizing::new(std::mem::take(&mut b.password).into_bytes());
        let request = Self {
            username: b.username,
            password,
            ip: b.ip,
            protocol: b.protocol,
        };
        request.check()?;
        Ok(request)
    }

    /// The request from a program hook's environment: `SFTPGO_AUTHD_USERNAME`,
    /// `_PASSWORD`, `_IP`, `_PROTOCOL`.
    pub fn from_env(
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, RequestError> {
        let text = |name: &'static str| -> Result<String, RequestError> {
            match var(name) {
                None => Ok(String::new()),
                Some(v) => v.into_string().map_err(|_| RequestError::Value(name)),
            }
        };
        let username = var("SFTPGO_AUTHD_USERNAME")
            .ok_or(RequestError::MissingVariable("SFTPGO_AUTHD_USERNAME"))?
            .into_string()
            .map_err(|_| RequestError::Value("SFTPGO_AUTHD_USERNAME"))?;
        let request = Self {
            username,
            password: Zeroizing::new(
                var("SFTPGO_AUTHD_PASSWORD")
                    .map(|p| OsStr::as_bytes(&p).to_vec())
                    .unwrap_or_default(),
            ),
            ip: text("SFTPGO_AUTHD_IP")?,
            protocol: text("SFTPGO_AUTHD_PROTOCOL")?,
        };
        request.check()?;
        Ok(request)
    }

    fn check(&self) -> Result<(), RequestError> {
        check_username(&self.username)?;
        check_text(&self.ip, "ip")?;
        check_text(&self.protocol, "protocol")
    }
}

/// The external auth answer SFTPGo reads.
#[derive(Clone, PartialEq)]
pub enum ExternalAuthReply {
    /// `{"username":""}`: denied.
    Deny,
    /// The empty answer: SFTPGo accepts the login for the user it stores, and stores the
    /// login password's hash when its own hash does not match.
    Accept,
    /// A user object: SFTPGo creates the user, or replaces the stored one with it, with the
    /// login password as its password. Never holds a plaintext password.
    User(Map<String, Value>),
}

impl fmt::Debug for ExternalAuthReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deny => f.write_str("Deny"),
            Self::Accept => f.write_str("Accept"),
            Self::User(u) => f
                .debug_tuple("User")
                .field(
                    &u.get("username")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )
                .finish(),
        }
    }
}

impl ExternalAuthReply {
    /// The body (or program output) SFTPGo reads.
    pub fn to_body(&self) -> Vec<u8> {
        match self {
            Self::Deny => br#"{"username":""}"#.to_vec(),
            Self::Accept => Vec::new(),
            Self::User(map) => serde_json::to_vec(map).unwrap_or_else(|_| b"{}".to_vec()),
        }
    }
}

/// The check-password answer SFTPGo reads.
#[derive(Clone, PartialEq, Eq)]
pub enum CheckPasswordReply {
    /// `{"status":1}`: accepted; SFTPGo checks nothing more.
    Accept,
    /// `{"status":0}`: denied.
    Deny,
    /// `{"status":2,"to_verify":PASSWORD}`: SFTPGo verifies the password against its own hash.
    Defer(Zeroizing<String>),
}

impl fmt::Debug for CheckPasswordReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accept => "Accept",
            Self::Deny => "Deny",
            Self::Defer(_) => "Defer(..)",
        })
    }
}

impl CheckPasswordReply {
    /// The body (or program output) SFTPGo reads. For [`Defer`](Self::Defer) it holds the
    /// password: callers should wipe it after sending.
    pub fn to_body(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Self::Accept => br#"{"status":1}"#.to_vec(),
            Self::Deny => br#"{"status":0}"#.to_vec(),
            Self::Defer(p) => {
                let mut v = json!({"status": 2, "to_verify": p.as_str()});
                let body = serde_json::to_vec(&v).unwrap_or_default();
                if let Some(Value::String(s)) = v.get_mut("to_verify") {
                    s.zeroize();
                }
                body
            }
        })
    }
}

/// The verdict of [`Answerer::verify_account`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountVerdict {
    /// The password is the account's; the account may log in.
    Verified(LegacyAccount),
    /// A wrong password, or a locked, disabled or expired account.
    Refused,
    /// The source does not hold the user.
    NotFound,
}

/// What the check-password hook answers for a user the legacy source does not hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WithoutLegacy {
    /// `{"status":2,"to_verify":PASSWORD}`: SFTPGo decides with its own hash.
    #[default]
    Defer,
    /// `{"status":0}`: denied.
    Deny,
}

/// How the SFTPGo answers are decided.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct AnswerSettings {
    /// After a right password, return the user with `filters.hooks.external_auth_disabled`
    /// set, so that SFTPGo stops calling the hook for that account.
    pub retire: bool,
    /// The check-password answer for users the legacy source does not hold.
    pub without_legacy: WithoutLegacy,
    /// SFTPGo's `password_validation.users.min_entropy` (0: none). A user object answer has
    /// SFTPGo store the login password through this check; below it the empty answer is
    /// given instead where that accepts the login.
    pub min_entropy: f64,
}

/// Decides SFTPGo's answers: one policy, the stored user SFTPGo sends, then a legacy source.
#[derive(Clone, Debug)]
pub struct Answerer {
    policy: Policy,
    settings: AnswerSettings,
}

/// Where a legacy account comes from: a loaded source, a one-user read, or none.
pub trait Accounts {
    /// The legacy account of `username`, if the source holds one.
    fn account(&self, username: &str) -> Result<Option<LegacyAccount>, AnswerError>;
}

/// No legacy source.
impl Accounts for () {
    fn account(&self, _username: &str) -> Result<Option<LegacyAccount>, AnswerError> {
        Ok(None)
    }
}

impl Accounts for super::LegacySource {
    fn account(&self, username: &str) -> Result<Option<LegacyAccount>, AnswerError> {
        Ok(super::LegacySource::account(self, username))
    }
}

/// What one verification against a stored string gave.
enum Check {
    Right(Option<Scheme>),
    Wrong(Reason, Option<Scheme>),
}

impl Answerer {
    /// An answerer with this policy (limits, and the dummy verification's cost) and settings.
    pub fn new(policy: Policy, settings: AnswerSettings) -> Self {
        Self { policy, settings }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The settings.
    pub fn settings(&self) -> &AnswerSettings {
        &self.settings
    }

    /// A dummy verification, then `reason`: a denial costs what a real check would.
    fn dummy(&self, password: &[u8], reason: Reason) -> Result<Check, AnswerError> {
        match self.policy.dummy_verify(password) {
            VerifyError::ResourceExhausted(e) => Err(AnswerError::ResourceExhausted(e)),
            _ => Ok(Check::Wrong(reason, None)),
        }
    }

    /// Verifies against `stored`; a wrong password is padded to a dummy verification's cost.
    fn check(&self, stored: &str, password: &[u8]) -> Result<Check, AnswerError> {
        let scheme = self.policy.identify(stored);
        match self.policy.verify(stored, password) {
            Ok(_) => Ok(Check::Right(scheme)),
            Err(VerifyError::ResourceExhausted(e)) => Err(AnswerError::ResourceExhausted(e)),
            Err(e) => {
                if let Err(VerifyError::ResourceExhausted(r)) =
                    self.policy.pad_failed_verify(stored, password, e)
                {
                    return Err(AnswerError::ResourceExhausted(r));
                }
                let reason = match e {
                    VerifyError::Mismatch => Reason::WrongPassword,
                    VerifyError::Disabled => Reason::Locked,
                    VerifyError::Policy(_) => Reason::HashRefused,
                    _ => Reason::HashUnreadable,
                };
                Ok(Check::Wrong(reason, scheme))
            }
        }
    }

    /// A legacy account's verdict: locked, disabled or expired accounts never authenticate.
    fn check_legacy(&self, account: &LegacyAccount, password: &[u8]) -> Result<Check, AnswerError> {
        if account.hash().is_empty() {
            return self.dummy(password, Reason::Locked);
        }
        if !account.is_enabled() {
            return self.dummy(password, Reason::Disabled);
        }
        if account.is_expired_at(now_ms()) {
            return self.dummy(password, Reason::Expired);
        }
        self.check(account.hash(), password)
    }

    /// Answers SFTPGo's external auth hook.
    ///
    /// The user SFTPGo stores decides when passgate reads its hash; else the legacy
    /// account. A right password gets the empty answer for a user SFTPGo knows (or, with
    /// `retire`, the user with `filters.hooks.external_auth_disabled`), and the user built
    /// from the legacy account for one it does not (SFTPGo creates it). Anything else is
    /// `{"username":""}` after at least a dummy verification's work.
    pub fn external_auth(
        &self,
        req: &ExternalAuthRequest,
        accounts: &dyn Accounts,
    ) -> Result<Attempt<ExternalAuthReply>, AnswerError> {
        let attempt = |outcome, reason, place, scheme, reply| Attempt {
            hook: HookKind::ExternalAuth,
            outcome,
            reason,
            place,
            scheme,
            reply,
        };
        let deny = |reason, place, scheme| {
            Ok(attempt(
                Outcome::Deny,
                reason,
                place,
                scheme,
                ExternalAuthReply::Deny,
            ))
        };
        let password: &[u8] = &req.password;
        if password.is_empty() {
            // A public key, keyboard-interactive or certificate step: SFTPGo checks it
            // itself after an empty answer for a user it stores, and changes no password
            // (`checkPasswordAfterEmptyExtAuthResponse` returns at once for an empty one).
            return Ok(match req.user {
                Some(_) => attempt(
                    Outcome::Defer,
                    Reason::NotPassword,
                    Where::Sftpgo,
                    None,
                    ExternalAuthReply::Accept,
                ),
                None => attempt(
                    Outcome::Deny,
                    Reason::NotPassword,
                    Where::Nowhere,
                    None,
                    ExternalAuthReply::Deny,
                ),
            });
        }
        if self.policy.check_password(password).is_err() {
            return deny(Reason::PasswordRefused, Where::Nowhere, None);
        }
        let stored = req.user.as_ref();
        if let Some(user) = stored {
            let status = user.get("status").and_then(Value::as_i64).unwrap_or(0);
            let expires = user
                .get("expiration_date")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let refusal = if status != 1 {
                Some(Reason::Disabled)
            } else if expires > 0 && expires <= now_ms() {
                Some(Reason::Expired)
            } else {
                None
            };
            if let Some(reason) = refusal {
                let Check::Wrong(reason, _) = self.dummy(password, reason)? else {
                    return Err(AnswerError::Internal);
                };
                return deny(reason, Where::Sftpgo, None);
            }
        }
        let sftpgo_password = stored
            .and_then(|u| u.get("password"))
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty());
        // A lock marker where SFTPGo keeps the hash: locked, whatever the legacy source says.
        if sftpgo_password.is_some_and(|h| {
            crate::StoredHash::parse(h).is_err_and(|e| e.kind() == crate::ParseErrorKind::Disabled)
        }) {
            let Check::Wrong(reason, _) = self.dummy(password, Reason::Locked)? else {
                return Err(AnswerError::Internal);
            };
            return deny(reason, Where::Sftpgo, None);
        }
        let sftpgo_hash = sftpgo_password.filter(|h| self.policy.identify(h).is_some());
        let (check, place) = match sftpgo_hash {
            Some(hash) => (self.check(hash, password)?, Where::Sftpgo),
            None => match accounts.account(&req.username)? {
                Some(account) => (self.check_legacy(&account, password)?, Where::Legacy),
                None => {
                    let reason = if stored.is_some() {
                        Reason::NoReadableHash
                    } else {
                        Reason::UnknownUser
                    };
                    (self.dummy(password, reason)?, Where::Nowhere)
                }
            },
        };
        let scheme = match check {
            Check::Wrong(reason, scheme) => return deny(reason, place, scheme),
            Check::Right(scheme) => scheme,
        };
        let (reason, reply) = match stored {
            Some(user) => self.known_user_reply(user, password),
            None => {
                // SFTPGo creates the user with the login password through its entropy
                // check, and no other answer creates a user: below the minimum the login
                // cannot succeed, and the answer says so rather than a creation SFTPGo
                // would refuse.
                if self.below_min_entropy(None, password) {
                    return deny(Reason::WeakPasswordForNewUser, Where::Legacy, scheme);
                }
                // Only a legacy account can have verified a user SFTPGo does not know.
                let Some(account) = accounts.account(&req.username)? else {
                    return Err(AnswerError::Internal);
                };
                let Value::Object(mut user) = account.sftpgo_user() else {
                    return Err(AnswerError::Internal);
                };
                if self.settings.retire {
                    disable_external_auth(&mut user);
                }
                (Reason::Imported, ExternalAuthReply::User(user))
            }
        };
        Ok(attempt(Outcome::Allow, reason, place, scheme, reply))
    }

    /// Whether SFTPGo's entropy check would refuse `password` as the user's new password:
    /// the user's own `filters.password_strength` when set, else `min_entropy`.
    fn below_min_entropy(&self, user: Option<&Map<String, Value>>, password: &[u8]) -> bool {
        let min = user
            .and_then(|u| u.get("filters"))
            .and_then(|f| f.get("password_strength"))
            .and_then(Value::as_f64)
            .filter(|&s| s > 0.0)
            .unwrap_or(self.settings.min_entropy);
        let entropy = core::str::from_utf8(password).map_or(0.0, sftpgo_entropy);
        min > 0.0 && entropy < min
    }

    /// The answer for a right password of a user SFTPGo stores.
    fn known_user_reply(
        &self,
        user: &Map<String, Value>,
        password: &[u8],
    ) -> (Reason, ExternalAuthReply) {
        if !self.settings.retire {
            return (Reason::Verified, ExternalAuthReply::Accept);
        }
        // A user answer has SFTPGo store the login password through its entropy check;
        // the empty answer stores it without.
        if self.below_min_entropy(Some(user), password) {
            return (Reason::VerifiedWeak, ExternalAuthReply::Accept);
        }
        let mut user = user.clone();
        user.remove("password");
        disable_external_auth(&mut user);
        (Reason::Retired, ExternalAuthReply::User(user))
    }

    /// Verifies a login against a source alone, for the contracts that only ask "is this
    /// the password of this account" (HTTP Basic, Pure-FTPd's extauth, PAM, checkpassword):
    /// [`AccountVerdict::Verified`] with the account, [`AccountVerdict::Refused`] for a wrong
    /// password or a locked, disabled or expired account, [`AccountVerdict::NotFound`] when
    /// the source does not hold the user. Every refusal and every unknown user costs at
    /// least a dummy verification, so the time taken does not tell them apart.
    pub fn verify_account(
        &self,
        hook: HookKind,
        username: &str,
        password: &[u8],
        accounts: &dyn Accounts,
    ) -> Result<Attempt<AccountVerdict>, AnswerError> {
        let attempt = |outcome, reason, place, scheme, reply| Attempt {
            hook,
            outcome,
            reason,
            place,
            scheme,
            reply,
        };
        if self.policy.check_password(password).is_err() {
            return Ok(attempt(
                Outcome::Deny,
                Reason::PasswordRefused,
                Where::Nowhere,
                None,
                AccountVerdict::Refused,
            ));
        }
        let Some(account) = accounts.account(username)? else {
            self.dummy(password, Reason::UnknownUser)?;
            return Ok(attempt(
                Outcome::Deny,
                Reason::UnknownUser,
                Where::Nowhere,
                None,
                AccountVerdict::NotFound,
            ));
        };
        Ok(match self.check_legacy(&account, password)? {
            Check::Right(scheme) => attempt(
                Outcome::Allow,
                Reason::Verified,
                Where::Legacy,
                scheme,
                AccountVerdict::Verified(account),
            ),
            Check::Wrong(reason, scheme) => attempt(
                Outcome::Deny,
                reason,
                Where::Legacy,
                scheme,
                AccountVerdict::Refused,
            ),
        })
    }

    /// Answers SFTPGo's check-password hook from the legacy source: `status` 1 when the
    /// legacy hash verifies, 0 when it does not (or the account is locked, disabled or
    /// expired), and for users the source does not hold 2 with the password (SFTPGo checks
    /// its own hash) or, as configured, 0.
    pub fn check_password(
        &self,
        req: &CheckPasswordRequest,
        accounts: &dyn Accounts,
    ) -> Result<Attempt<CheckPasswordReply>, AnswerError> {
        let attempt = |outcome, reason, place, scheme, reply| Attempt {
            hook: HookKind::CheckPassword,
            outcome,
            reason,
            place,
            scheme,
            reply,
        };
        let password: &[u8] = &req.password;
        if self.policy.check_password(password).is_err() {
            return Ok(attempt(
                Outcome::Deny,
                Reason::PasswordRefused,
                Where::Nowhere,
                None,
                CheckPasswordReply::Deny,
            ));
        }
        let Some(account) = accounts.account(&req.username)? else {
            let text = core::str::from_utf8(password).ok();
            return match (self.settings.without_legacy, text) {
                (WithoutLegacy::Defer, Some(text)) => Ok(attempt(
                    Outcome::Defer,
                    Reason::NotInLegacySource,
                    Where::Sftpgo,
                    None,
                    CheckPasswordReply::Defer(Zeroizing::new(text.to_owned())),
                )),
                (WithoutLegacy::Defer, None) => {
                    // `to_verify` is a JSON string: a password that is not UTF-8 cannot
                    // be handed back unchanged.
                    self.dummy(password, Reason::PasswordRefused)?;
                    Ok(attempt(
                        Outcome::Deny,
                        Reason::PasswordRefused,
                        Where::Nowhere,
                        None,
                        CheckPasswordReply::Deny,
                    ))
                }
                (WithoutLegacy::Deny, _) => {
                    self.dummy(password, Reason::UnknownUser)?;
                    Ok(attempt(
                        Outcome::Deny,
                        Reason::UnknownUser,
                        Where::Nowhere,
                        None,
                        CheckPasswordReply::Deny,
                    ))
                }
            };
        };
        Ok(match self.check_legacy(&account, password)? {
            Check::Right(scheme) => attempt(
                Outcome::Allow,
                Reason::Verified,
                Where::Legacy,
                scheme,
                CheckPasswordReply::Accept,
            ),
            Check::Wrong(reason, scheme) => attempt(
                Outcome::Deny,
                reason,
                Where::Legacy,
                scheme,
                CheckPasswordReply::Deny,
            ),
        })
    }
}

/// Sets `filters.hooks.external_auth_disabled` (SFTPGo then verifies the user's password
/// itself, USER:1165).
fn disable_external_auth(user: &mut Map<String, Value>) {
    let filters = user
        .entry("filters")
        .or_insert_with(|| Value::Object(Map::new()));
    if !filters.is_object() {
        *filters = Value::Object(Map::new());
    }
    if let Some(filters) = filters.as_object_mut() {
        let hooks = filters
            .entry("hooks")
            .or_insert_with(|| Value::Object(Map::new()));
        if !hooks.is_object() {
            *hooks = Value::Object(Map::new());
        }
        if let Some(hooks) = hooks.as_object_mut() {
            hooks.insert("external_auth_disabled".into(), Value::Bool(true));
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::HashParams;
    use crate::answer::{LegacySource, SourceConfig};
    use crate::import::Format;

    /// `openssl passwd -1 -salt saltsalt password`.
    const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
    /// `htpasswd -nbs u password`.
    const SHA: &str = "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=";

    fn answerer(settings: AnswerSettings) -> Answerer {
        let policy = Policy {
            preferred: HashParams::Bcrypt { cost: 4 },
            ..Policy::default()
        };
        Answerer::new(policy, settings)
    }

    /// An htpasswd source: alice ({SHA}), bob (md5crypt), carol locked.
    fn source() -> (LegacySource, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "passgate-answer-unit-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("htpasswd");
        std::fs::write(
            &path,
            format!("alice:{SHA}\nbob:{MD5CRYPT}\ncarol:!{MD5CRYPT}\n"),
        )
        .unwrap();
        let mut config = SourceConfig::new(Format::Htpasswd, &path);
        config.home_base = Some("/srv".into());
        (LegacySource::open(config).unwrap(), dir)
    }

    fn ext(username: &str, password: &str, user: Option<Value>) -> ExternalAuthRequest {
        ExternalAuthRequest {
            username: username.into(),
            password: Zeroizing::new(password.as_bytes().to_vec()),
            ip: "192.0.2.1".into(),
            protocol: "SSH".into(),
            user: user.map(|u| u.as_object().unwrap().clone()),
        }
    }

    fn known(password_hash: &str) -> Value {
        json!({"id": 7, "username": "alice", "status": 1, "password": password_hash,
               "home_dir": "/h", "filters": {"password_strength": 0}})
    }

    #[test]
    fn external_auth_decisions() {
        let (src, dir) = source();
        let a = answerer(AnswerSettings::default());
        let run = |r: &ExternalAuthRequest| a.external_auth(r, &src).unwrap();

        // Only in the legacy source: the importer's user, no password in it.
        let got = run(&ext("alice", "password", None));
        assert_eq!(
            (got.outcome, got.reason),
            (Outcome::Allow, Reason::Imported)
        );
        assert_eq!(got.scheme, Some(Scheme::HtpasswdSha1));
        let ExternalAuthReply::User(u) = &got.reply else {
            panic!("{:?}", got.reply)
        };
        assert_eq!(u["username"], "alice");
        assert_eq!(u["home_dir"], "/srv/alice");
        assert_eq!(u["status"], 1);
        assert!(!u.contains_key("password"));
        assert!(
            !String::from_utf8(got.reply.to_body())
                .unwrap()
                .contains("password")
        );

        for (name, pw, reason) in [
            ("alice", "wrong", Reason::WrongPassword),
            ("bob", "wrong", Reason::WrongPassword),
            ("carol", "password", Reason::Locked),
            ("nobody", "password", Reason::UnknownUser),
        ] {
            let got = run(&ext(name, pw, None));
            assert_eq!((got.outcome, got.reason), (Outcome::Deny, reason), "{name}");
            assert_eq!(got.reply.to_body(), br#"{"username":""}"#);
        }

        // Known to SFTPGo with a hash passgate reads: that hash decides, not the source.
        let got = run(&ext("alice", "password", Some(known(MD5CRYPT))));
        assert_eq!(
            (got.reply.clone(), got.place),
            (ExternalAuthReply::Accept, Where::Sftpgo)
        );
        assert!(got.reply.to_body().is_empty());
        let got = run(&ext("alice", "wrong", Some(known(MD5CRYPT))));
        assert_eq!(got.reply, ExternalAuthReply::Deny);
        // A lock marker in SFTPGo's user denies; no fallback to the source.
        let got = run(&ext("alice", "password", Some(known("!"))));
        assert_eq!((got.outcome, got.reason), (Outcome::Deny, Reason::Locked));
        // A hash passgate cannot read: the legacy source decides.
        let got = run(&ext("alice", "password", Some(known("plain-or-unknown"))));
        assert_eq!(
            (got.reply.clone(), got.place),
            (ExternalAuthReply::Accept, Where::Legacy)
        );
        let got = run(&ext("dave", "password", Some(known(""))));
        assert_eq!(got.reason, Reason::NoReadableHash);
        // Disabled or expired in SFTPGo: denied before any hash.
        let mut disabled = known(MD5CRYPT);
        disabled["status"] = json!(0);
        assert_eq!(
            run(&ext("alice", "password", Some(disabled))).reason,
            Reason::Disabled
        );
        let mut expired = known(MD5CRYPT);
        expired["expiration_date"] = json!(1000);
        assert_eq!(
            run(&ext("alice", "password", Some(expired))).reason,
            Reason::Expired
        );
        // No password (a key login): left to SFTPGo for a known user only.
        let got = run(&ext("alice", "", Some(known(MD5CRYPT))));
        assert_eq!(
            (got.outcome, got.reply),
            (Outcome::Defer, ExternalAuthReply::Accept)
        );
        assert_eq!(run(&ext("alice", "", None)).reply, ExternalAuthReply::Deny);
        // A NUL or an overlong password never reaches a hash.
        assert_eq!(
            run(&ext("alice", "pass\0word", None)).reason,
            Reason::PasswordRefused
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn retire_and_the_entropy_rule() {
        let (src, dir) = source();
        let retire = |min_entropy| {
            answerer(AnswerSettings {
                retire: true,
                min_entropy,
                ..AnswerSettings::default()
            })
        };
        let a = retire(0.0);
        let got = a.external_auth(&ext("alice", "password", Some(known(MD5CRYPT))), &src);
        let got = got.unwrap();
        assert_eq!(got.reason, Reason::Retired);
        let ExternalAuthReply::User(u) = &got.reply else {
            panic!()
        };
        assert_eq!(u["filters"]["hooks"]["external_auth_disabled"], true);
        assert_eq!(
            (u["id"].clone(), u["home_dir"].clone()),
            (json!(7), json!("/h"))
        );
        assert!(!u.contains_key("password"));
        // Imported users are retired at once too.
        let got = a
            .external_auth(&ext("bob", "password", None), &src)
            .unwrap();
        let ExternalAuthReply::User(u) = &got.reply else {
            panic!()
        };
        assert_eq!(u["filters"]["hooks"]["external_auth_disabled"], true);

        // "password" has 7 distinct letters, 8 counted: 8 × log2(26) ≈ 37.6 bits.
        let weak = retire(40.0)
            .external_auth(&ext("alice", "password", Some(known(MD5CRYPT))), &src)
            .unwrap();
        assert_eq!(
            (weak.reason, weak.reply),
            (Reason::VerifiedWeak, ExternalAuthReply::Accept)
        );
        let ok = retire(37.0)
            .external_auth(&ext("alice", "password", Some(known(MD5CRYPT))), &src)
            .unwrap();
        assert_eq!(ok.reason, Reason::Retired);
        // A new user: SFTPGo would refuse to create it with this password.
        let got = retire(40.0)
            .external_auth(&ext("bob", "password", None), &src)
            .unwrap();
        assert_eq!(
            (got.outcome, got.reason),
            (Outcome::Deny, Reason::WeakPasswordForNewUser)
        );
        assert_eq!(got.reply, ExternalAuthReply::Deny);
        // The user's own password_strength comes first.
        let mut strict = known(MD5CRYPT);
        strict["filters"]["password_strength"] = json!(50);
        let got = retire(0.0)
            .external_auth(&ext("alice", "password", Some(strict)), &src)
            .unwrap();
        assert_eq!(got.reason, Reason::VerifiedWeak);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn check_password_decisions() {
        let (src, dir) = source();
        let req = |name: &str, pw: &[u8]| CheckPasswordRequest {
            username: name.into(),
            password: Zeroizing::new(pw.to_vec()),
            ip: String::new(),
            protocol: "FTP".into(),
        };
        let a = answerer(AnswerSettings::default());
        let body = |name: &str, pw: &[u8]| {
            let got = a.check_password(&req(name, pw), &src).unwrap();
            String::from_utf8(got.reply.to_body().to_vec()).unwrap()
        };
        assert_eq!(body("alice", b"password"), r#"{"status":1}"#);
        assert_eq!(body("bob", b"password"), r#"{"status":1}"#);
        assert_eq!(body("bob", b"wrong"), r#"{"status":0}"#);
        assert_eq!(body("carol", b"password"), r#"{"status":0}"#);
        assert_eq!(
            body("dave", b"pa\"ss"),
            r#"{"status":2,"to_verify":"pa\"ss"}"#
        );
        // Not UTF-8: cannot be handed back as a JSON string unchanged.
        assert_eq!(body("dave", b"\xff"), r#"{"status":0}"#);
        let deny = answerer(AnswerSettings {
            without_legacy: WithoutLegacy::Deny,
            ..AnswerSettings::default()
        });
        let got = deny
            .check_password(&req("dave", b"password"), &src)
            .unwrap();
        assert_eq!(
            (got.reply, got.reason),
            (CheckPasswordReply::Deny, Reason::UnknownUser)
        );
        // No source at all.
        let got = a.check_password(&req("alice", b"password"), &()).unwrap();
        assert_eq!(got.outcome, Outcome::Defer);
        assert!(!format!("{:?}", got.reply).contains("password"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn verify_account_alone() {
        let (src, dir) = source();
        let a = answerer(AnswerSettings::default());
        let v = |name: &str, pw: &str| {
            a.verify_account(HookKind::CheckPassword, name, pw.as_bytes(), &src)
                .unwrap()
        };
        let got = v("bob", "password");
        assert_eq!(
            (got.outcome, got.scheme),
            (Outcome::Allow, Some(Scheme::Md5Crypt))
        );
        let AccountVerdict::Verified(account) = got.reply else {
            panic!()
        };
        assert_eq!(account.username(), "bob");
        assert_eq!(v("bob", "wrong").reply, AccountVerdict::Refused);
        assert_eq!(v("carol", "password").reason, Reason::Locked);
        assert_eq!(v("carol", "password").reply, AccountVerdict::Refused);
        assert_eq!(v("nobody", "password").reply, AccountVerdict::NotFound);
        assert_eq!(v("bob", "").reason, Reason::PasswordRefused);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn requests_as_sftpgo_sends_them() {
        let r = ExternalAuthRequest::from_json(
            br#"{"username":"u","ip":"::1","password":"p","public_key":"","protocol":"SSH",
                 "keyboard_interactive":"","tls_cert":"","user":{"username":"u","password":"$1$x"},
                 "future_field":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            (r.username.as_str(), r.password.as_slice()),
            ("u", &b"p"[..])
        );
        assert!(r.user.is_some());
        let r = ExternalAuthRequest::from_json(br#"{"username":"u","password":null,"user":null}"#)
            .unwrap();
        assert!(r.password.is_empty() && r.user.is_none());
        const MARK: &str = "MARKER-9f2c";
        for (body, err) in [
            (format!("[\"{MARK}\"]"), RequestError::NotJson),
            (format!("{{\"username\":\"{MARK}"), RequestError::NotJson),
            (
                format!("{{\"username\":5,\"password\":\"{MARK}\"}}"),
                RequestError::Field("username"),
            ),
            (
                format!("{{\"username\":\"u\",\"user\":\"{MARK}\"}}"),
                RequestError::Field("user"),
            ),
            (
                format!("{{\"username\":\"u\",\"password\":{{\"{MARK}\":1}}}}"),
                RequestError::Field("password"),
            ),
            (
                format!("{{\"password\":\"{MARK}\"}}"),
                RequestError::Field("username"),
            ),
            (
                format!("{{\"username\":\"a\\nb\",\"password\":\"{MARK}\"}}"),
                RequestError::Value("username"),
            ),
            (
                format!("{{\"username\":\"u\",\"user\":{{\"password\":[\"{MARK}\"]}}}}"),
                RequestError::Field("user.password"),
            ),
        ] {
            let got = ExternalAuthRequest::from_json(body.as_bytes()).unwrap_err();
            assert_eq!(got, err, "{body}");
            assert!(!got.to_string().contains(MARK));
        }
        assert_eq!(
            ExternalAuthRequest::from_json(b"{\"username\":\"\xff\"}").unwrap_err(),
            RequestError::NotJson
        );
        let big = format!("{{\"username\":\"{}\"}}", "a".repeat(MAX_OUTPUT));
        assert_eq!(
            CheckPasswordRequest::from_json(big.as_bytes()).unwrap_err(),
            RequestError::TooLarge
        );

        let env = |vars: &'static [(&'static str, &'static [u8])]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsStr::from_bytes(v).to_owned())
            }
        };
        let r = ExternalAuthRequest::from_env(env(&[
            ("SFTPGO_AUTHD_USERNAME", b"u"),
            ("SFTPGO_AUTHD_USER", b""),
            ("SFTPGO_AUTHD_PASSWORD", b"\xffraw"),
            ("SFTPGO_AUTHD_PROTOCOL", b"FTP"),
        ]))
        .unwrap();
        assert_eq!(
            (r.password.as_slice(), r.user.is_none()),
            (&b"\xffraw"[..], true)
        );
        assert_eq!(
            ExternalAuthRequest::from_env(env(&[("SFTPGO_AUTHD_PASSWORD", b"p")])).unwrap_err(),
            RequestError::MissingVariable("SFTPGO_AUTHD_USERNAME")
        );
        assert_eq!(
            ExternalAuthRequest::from_env(env(&[
                ("SFTPGO_AUTHD_USERNAME", b"u"),
                ("SFTPGO_AUTHD_USER", b"[1]"),
            ]))
            .unwrap_err(),
            RequestError::Field("SFTPGO_AUTHD_USER")
        );
        let r = CheckPasswordRequest::from_env(env(&[
            ("SFTPGO_AUTHD_USERNAME", b"u"),
            ("SFTPGO_AUTHD_PASSWORD", b"p"),
        ]))
        .unwrap();
        assert!(!format!("{r:?}").contains("\"p\""));
    }
}
