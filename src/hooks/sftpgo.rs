//! SFTPGo's login hook contracts, each a small mapping onto [`Hook::run`]: what is sent
//! (environment variables for programs; query parameters and JSON body for HTTP) and how the
//! answer reads, with the names, statuses and answers SFTPGo documents.
//!
//! | hook | program environment | HTTP |
//! |---|---|---|
//! | pre-login | `SFTPGO_LOGIND_USER` (JSON, `id` 0 if unknown), `_METHOD`, `_IP`, `_PROTOCOL` | query `login_method`, `ip`, `protocol`; body the user; 204 no change, 200 user |
//! | external auth | `SFTPGO_AUTHD_USERNAME`, `_USER` (empty if unknown), `_IP`, `_PROTOCOL`, `_PASSWORD`, `_PUBLIC_KEY`, `_KEYBOARD_INTERACTIVE`, `_TLS_CERT` | body `{username, ip, user?, protocol, password, public_key, keyboard_interactive, tls_cert}`; 200 or denied |
//! | check password | `SFTPGO_AUTHD_USERNAME`, `_PASSWORD`, `_IP`, `_PROTOCOL` | body `{username, password, ip, protocol}`; 200 |
//! | post-login | `SFTPGO_LOGIND_USER`, `_IP`, `_METHOD`, `_STATUS` (1/0), `_PROTOCOL` | query `login_method`, `ip`, `protocol`, `status`; body the user |

#![forbid(unsafe_code)]

use std::fmt;

use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::{Hook, HookCall, HookError, HookSpecError};

/// The protocol of a login, as SFTPGo names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// SFTP/SCP over SSH.
    Ssh,
    /// FTP/FTPS.
    Ftp,
    /// WebDAV.
    Dav,
    /// The web client or REST API.
    Http,
}

impl Protocol {
    /// SFTPGo's name: `SSH`, `FTP`, `DAV`, `HTTP`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ssh => "SSH",
            Self::Ftp => "FTP",
            Self::Dav => "DAV",
            Self::Http => "HTTP",
        }
    }

    /// The protocol named by SFTPGo's name (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Ssh, Self::Ftp, Self::Dav, Self::Http]
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The login methods that check a password, as SFTPGo names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginMethod {
    /// `password`.
    Password,
    /// `publickey+password` (the password step of SSH multi-step authentication).
    PublicKeyAndPassword,
    /// `TLSCertificate+password`.
    TlsCertificateAndPassword,
}

impl LoginMethod {
    /// SFTPGo's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::PublicKeyAndPassword => "publickey+password",
            Self::TlsCertificateAndPassword => "TLSCertificate+password",
        }
    }

    /// The method named by SFTPGo's name (exact, as SFTPGo writes them).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Password,
            Self::PublicKeyAndPassword,
            Self::TlsCertificateAndPassword,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }
}

impl fmt::Display for LoginMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a login comes from: what SFTPGo passes to every hook besides the user.
#[derive(Clone, Copy, Debug)]
pub struct LoginContext<'a> {
    /// The client's address.
    pub ip: &'a str,
    /// The protocol.
    pub protocol: Protocol,
    /// The login method.
    pub method: LoginMethod,
}

/// SFTPGo's `[sftpgo]` hooks with their scopes.
#[derive(Clone, Debug, Default)]
pub struct SftpgoHooks {
    /// Creates or updates the user before the password is checked.
    pub pre_login: Option<Hook>,
    /// Authenticates instead of passgate.
    pub external_auth: Option<Hook>,
    /// `external_auth_scope`: 0 all, else a bitmask of 1 password, 2 public key,
    /// 4 keyboard-interactive, 8 TLS certificate.
    pub external_auth_scope: u8,
    /// Checks the password (or part of it) before passgate.
    pub check_password: Option<Hook>,
    /// `check_password_scope`: 0 all, else a bitmask of 1 SSH, 2 FTP, 4 WebDAV.
    pub check_password_scope: u8,
    /// Notified after each login, off the caller's path.
    pub post_login: Option<Hook>,
    /// `post_login_scope`: 0 all logins, 1 failed only, 2 successful only.
    pub post_login_scope: u8,
}

impl SftpgoHooks {
    /// Largest `external_auth_scope`.
    pub const MAX_EXTERNAL_AUTH_SCOPE: u8 = 15;
    /// Largest `check_password_scope`.
    pub const MAX_CHECK_PASSWORD_SCOPE: u8 = 7;
    /// Largest `post_login_scope`.
    pub const MAX_POST_LOGIN_SCOPE: u8 = 2;

    /// Checks the scopes against the values SFTPGo defines.
    pub fn validate(&self) -> Result<(), HookSpecError> {
        for (name, value, max) in [
            (
                "external_auth_scope",
                self.external_auth_scope,
                Self::MAX_EXTERNAL_AUTH_SCOPE,
            ),
            (
                "check_password_scope",
                self.check_password_scope,
                Self::MAX_CHECK_PASSWORD_SCOPE,
            ),
            (
                "post_login_scope",
                self.post_login_scope,
                Self::MAX_POST_LOGIN_SCOPE,
            ),
        ] {
            if value > max {
                return Err(HookSpecError::ScopeOutOfRange { name, value, max });
            }
        }
        Ok(())
    }

    /// The external auth hook, if it applies to password logins (scope 0, or bit 1 set):
    /// every method here checks a password, as SFTPGo's `CheckUserAndPass` does.
    pub fn external_auth_for_password(&self) -> Option<&Hook> {
        let scope = self.external_auth_scope;
        self.external_auth
            .as_ref()
            .filter(|_| scope == 0 || scope & 1 != 0)
    }

    /// The check-password hook, if it applies to this protocol (SFTPGo: HTTP only under
    /// scope 0).
    pub fn check_password_for(&self, protocol: Protocol) -> Option<&Hook> {
        let scope = self.check_password_scope;
        let bit = match protocol {
            Protocol::Ssh => 1,
            Protocol::Ftp => 2,
            Protocol::Dav => 4,
            Protocol::Http => 0,
        };
        self.check_password
            .as_ref()
            .filter(|_| scope == 0 || scope & bit != 0)
    }

    /// The post-login hook, if this outcome is in its scope.
    pub fn post_login_for(&self, success: bool) -> Option<&Hook> {
        let notify = match self.post_login_scope {
            1 => !success,
            2 => success,
            _ => true,
        };
        self.post_login.as_ref().filter(|_| notify)
    }
}

/// What a pre-login hook asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum PreLoginAnswer {
    /// Empty output, or HTTP 204: leave the user as stored.
    NoChange,
    /// A user object: the whole user, to create the user or replace the stored one (on
    /// SFTPGo's main branch; released 2.7.x merges it into the stored user).
    User(Map<String, Value>),
}

/// Runs the pre-login hook. `user` is the stored user, or `{"id":0,"username":…}` for one
/// that is not stored.
pub fn pre_login(
    hook: &Hook,
    user: &Value,
    ctx: &LoginContext<'_>,
) -> Result<PreLoginAnswer, HookError> {
    let user_json = user.to_string();
    let call = HookCall::new()
        .env("SFTPGO_LOGIND_USER", &user_json)
        .secret(stored_hash(Some(user)))
        .env("SFTPGO_LOGIND_METHOD", ctx.method.name())
        .env("SFTPGO_LOGIND_IP", ctx.ip)
        .env("SFTPGO_LOGIND_PROTOCOL", ctx.protocol.name())
        .query("login_method", ctx.method.name())
        .query("ip", ctx.ip)
        .query("protocol", ctx.protocol.name())
        .json_body(user);
    let reply = hook.run(&call)?;
    if reply.http_status() == Some(204) {
        return Ok(PreLoginAnswer::NoChange);
    }
    let reply = reply.expect_status(&[200])?;
    if reply.is_empty() {
        return Ok(PreLoginAnswer::NoChange);
    }
    match reply.json()? {
        Value::Object(map) => Ok(PreLoginAnswer::User(map)),
        _ => Err(HookError::InvalidAnswer("the user is not a JSON object")),
    }
}

/// What an external auth hook decided.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternalAuthAnswer {
    /// A user: authenticated; create or update it (its `username` may differ from the login
    /// name, to map several logins onto one account).
    Authenticated(Map<String, Value>),
    /// Empty answer: authenticated as the stored user, if there is one (an unknown user is
    /// denied). As SFTPGo does since 2.6.0, a stored hash that does not verify the login
    /// password is then replaced by the login password's hash.
    AuthenticatedAsStored,
    /// `{"username":""}`, or an HTTP status other than 200.
    Denied,
}

/// Runs the external auth hook for a password login. `user` is the stored user, if any.
pub fn external_auth(
    hook: &Hook,
    username: &str,
    password: &[u8],
    user: Option<&Value>,
    ctx: &LoginContext<'_>,
) -> Result<ExternalAuthAnswer, HookError> {
    let user_json = user.map(Value::to_string).unwrap_or_default();
    let mut call = HookCall::new()
        .env("SFTPGO_AUTHD_USERNAME", username)
        .env("SFTPGO_AUTHD_USER", &user_json)
        .secret(stored_hash(user))
        .env("SFTPGO_AUTHD_IP", ctx.ip)
        .env("SFTPGO_AUTHD_PASSWORD", password)
        .secret(password)
        .env("SFTPGO_AUTHD_PUBLIC_KEY", "")
        .env("SFTPGO_AUTHD_PROTOCOL", ctx.protocol.name())
        .env("SFTPGO_AUTHD_TLS_CERT", "")
        .env("SFTPGO_AUTHD_KEYBOARD_INTERACTIVE", "");
    if hook.is_http() {
        let password = utf8_password(password)?;
        let mut body = json!({
            "username": username,
            "ip": ctx.ip,
            "password": &*password,
            "public_key": "",
            "protocol": ctx.protocol.name(),
            "keyboard_interactive": "",
            "tls_cert": "",
        });
        if let (Some(user), Some(map)) = (user, body.as_object_mut()) {
            map.insert("user".into(), user.clone());
        }
        call = call.json_body(&body);
        wipe_password(&mut body);
    }
    let reply = hook.run(&call)?;
    if reply.http_status().is_some_and(|s| s != 200) {
        return Ok(ExternalAuthAnswer::Denied);
    }
    if reply.is_empty() {
        return Ok(ExternalAuthAnswer::AuthenticatedAsStored);
    }
    let Value::Object(map) = reply.json()? else {
        return Err(HookError::InvalidAnswer("the user is not a JSON object"));
    };
    match map.get("username") {
        None | Some(Value::Null) => Ok(ExternalAuthAnswer::Denied),
        Some(Value::String(s)) if s.is_empty() => Ok(ExternalAuthAnswer::Denied),
        Some(Value::String(_)) => Ok(ExternalAuthAnswer::Authenticated(map)),
        Some(_) => Err(HookError::InvalidAnswer("username is not a string")),
    }
}

/// What a check-password hook decided.
#[derive(Clone, PartialEq, Eq)]
pub enum CheckPasswordAnswer {
    /// `{"status":1}`: accepted; the stored hash is not checked.
    Accept,
    /// `{"status":2,"to_verify":…}`: check this, instead of the whole password, against the
    /// stored hash (say, the password without its one-time code).
    VerifyInstead(Zeroizing<String>),
    /// Any other status: denied.
    Reject(i64),
}

impl fmt::Debug for CheckPasswordAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accept => f.write_str("Accept"),
            Self::VerifyInstead(_) => f.write_str("VerifyInstead(..)"),
            Self::Reject(s) => write!(f, "Reject({s})"),
        }
    }
}

/// Runs the check-password hook.
pub fn check_password(
    hook: &Hook,
    username: &str,
    password: &[u8],
    ctx: &LoginContext<'_>,
) -> Result<CheckPasswordAnswer, HookError> {
    let mut call = HookCall::new()
        .env("SFTPGO_AUTHD_USERNAME", username)
        .env("SFTPGO_AUTHD_PASSWORD", password)
        .secret(password)
        .env("SFTPGO_AUTHD_IP", ctx.ip)
        .env("SFTPGO_AUTHD_PROTOCOL", ctx.protocol.name());
    if hook.is_http() {
        let password = utf8_password(password)?;
        let mut body = json!({
            "username": username,
            "password": &*password,
            "ip": ctx.ip,
            "protocol": ctx.protocol.name(),
        });
        call = call.json_body(&body);
        wipe_password(&mut body);
    }
    let reply = hook.run(&call)?;
    let mut answer = reply.expect_status(&[200])?.json()?;
    let Some(map) = answer.as_object_mut() else {
        return Err(HookError::InvalidAnswer("the answer is not a JSON object"));
    };
    // Go's zero values: a missing status is 0 (denied), a missing to_verify is "".
    let status = match map.get("status") {
        None => 0,
        Some(v) => v
            .as_i64()
            .ok_or(HookError::InvalidAnswer("status is not an integer"))?,
    };
    let to_verify = match map.get_mut("to_verify").map(Value::take) {
        None | Some(Value::Null) => Zeroizing::new(String::new()),
        Some(Value::String(s)) => Zeroizing::new(s),
        Some(_) => return Err(HookError::InvalidAnswer("to_verify is not a string")),
    };
    Ok(match status {
        1 => CheckPasswordAnswer::Accept,
        2 => CheckPasswordAnswer::VerifyInstead(to_verify),
        other => CheckPasswordAnswer::Reject(other),
    })
}

/// Runs the post-login hook once; the caller decides the scope and runs it off its path.
/// `user` should not hold the password hash (see [`User::to_value_without_password`]).
///
/// [`User::to_value_without_password`]: super::User::to_value_without_password
pub fn post_login(
    hook: &Hook,
    user: &Value,
    ctx: &LoginContext<'_>,
    success: bool,
) -> Result<(), HookError> {
    let status = if success { "1" } else { "0" };
    let user_json = user.to_string();
    let call = HookCall::new()
        .env("SFTPGO_LOGIND_USER", &user_json)
        .secret(stored_hash(Some(user)))
        .env("SFTPGO_LOGIND_IP", ctx.ip)
        .env("SFTPGO_LOGIND_METHOD", ctx.method.name())
        .env("SFTPGO_LOGIND_STATUS", status)
        .env("SFTPGO_LOGIND_PROTOCOL", ctx.protocol.name())
        .query("login_method", ctx.method.name())
        .query("ip", ctx.ip)
        .query("protocol", ctx.protocol.name())
        .query("status", status)
        .json_body(user);
    hook.run(&call).map(drop)
}

/// The user JSON's `password` (the stored hash), which a hook may echo; empty if none.
fn stored_hash(user: Option<&Value>) -> &str {
    user.and_then(|u| u.get("password"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn utf8_password(password: &[u8]) -> Result<Zeroizing<String>, HookError> {
    std::str::from_utf8(password)
        .map(|s| Zeroizing::new(s.to_owned()))
        .map_err(|_| HookError::InvalidInput("a JSON body needs a UTF-8 password"))
}

/// Overwrites the copy of the password a JSON value holds before the value is dropped.
fn wipe_password(body: &mut Value) {
    if let Some(Value::String(s)) = body.get_mut("password") {
        zeroize::Zeroize::zeroize(s);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hooks(ext: u8, check: u8, post: u8) -> SftpgoHooks {
        let h = Hook::parse("/bin/true").unwrap();
        SftpgoHooks {
            pre_login: None,
            external_auth: Some(h.clone()),
            external_auth_scope: ext,
            check_password: Some(h.clone()),
            check_password_scope: check,
            post_login: Some(h),
            post_login_scope: post,
        }
    }

    #[test]
    fn scopes_follow_sftpgo() {
        assert!(hooks(0, 0, 0).external_auth_for_password().is_some());
        assert!(hooks(1, 0, 0).external_auth_for_password().is_some());
        assert!(hooks(3, 0, 0).external_auth_for_password().is_some());
        assert!(hooks(2, 0, 0).external_auth_for_password().is_none());
        assert!(hooks(4, 0, 0).external_auth_for_password().is_none());
        assert!(hooks(8, 0, 0).external_auth_for_password().is_none());

        for p in [Protocol::Ssh, Protocol::Ftp, Protocol::Dav, Protocol::Http] {
            assert!(hooks(0, 0, 0).check_password_for(p).is_some());
        }
        assert!(hooks(0, 1, 0).check_password_for(Protocol::Ssh).is_some());
        assert!(hooks(0, 1, 0).check_password_for(Protocol::Ftp).is_none());
        assert!(hooks(0, 6, 0).check_password_for(Protocol::Ftp).is_some());
        assert!(hooks(0, 6, 0).check_password_for(Protocol::Dav).is_some());
        assert!(hooks(0, 7, 0).check_password_for(Protocol::Http).is_none());

        assert!(hooks(0, 0, 0).post_login_for(true).is_some());
        assert!(hooks(0, 0, 0).post_login_for(false).is_some());
        assert!(hooks(0, 0, 1).post_login_for(true).is_none());
        assert!(hooks(0, 0, 1).post_login_for(false).is_some());
        assert!(hooks(0, 0, 2).post_login_for(true).is_some());
        assert!(hooks(0, 0, 2).post_login_for(false).is_none());

        assert!(hooks(15, 7, 2).validate().is_ok());
        assert!(matches!(
            hooks(16, 0, 0).validate(),
            Err(HookSpecError::ScopeOutOfRange {
                name: "external_auth_scope",
                ..
            })
        ));
        assert!(hooks(0, 8, 0).validate().is_err());
        assert!(hooks(0, 0, 3).validate().is_err());
    }

    #[test]
    fn names() {
        assert_eq!(Protocol::from_name("dav"), Some(Protocol::Dav));
        assert_eq!(Protocol::from_name("SFTP"), None);
        assert_eq!(
            LoginMethod::from_name("TLSCertificate+password"),
            Some(LoginMethod::TlsCertificateAndPassword)
        );
        assert_eq!(LoginMethod::from_name("publickey"), None);
    }
}
