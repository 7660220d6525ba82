//! One login attempt's input and result: [`LoginRequest`], [`LoginResult`], the
//! [`Outcome`] and its [`Reason`].

#![forbid(unsafe_code)]

use std::fmt;
use std::thread::JoinHandle;

use super::HookError;
use super::directadmin::DaLogin;
use super::sftpgo::{LoginContext, LoginMethod, Protocol};
use super::store::StoreError;
use super::user::User;
use crate::{HashError, VerifyError};

/// The verdict on a login attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Let the user in.
    Allow,
    /// Refuse. `counts_as_failure`: feed this to brute-force counters.
    Deny {
        /// Whether the attempt was judged wrong (rather than a hook having broken).
        counts_as_failure: bool,
    },
    /// Refuse for now: the user store failed, or a hash's working memory could not be
    /// allocated. Retrying later may succeed.
    TempFail,
}

impl Outcome {
    /// `allow`, `deny` or `tempfail`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny { .. } => "deny",
            Self::TempFail => "tempfail",
        }
    }
}

/// The hooks of the pipeline, for [`Reason`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HookName {
    /// DirectAdmin `login_pre`.
    LoginPre,
    /// SFTPGo pre-login.
    PreLogin,
    /// SFTPGo external auth.
    ExternalAuth,
    /// SFTPGo check password.
    CheckPassword,
    /// DirectAdmin `session_create_pre`.
    SessionCreatePre,
}

impl HookName {
    /// The hook's configuration name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::LoginPre => "login_pre",
            Self::PreLogin => "pre_login",
            Self::ExternalAuth => "external_auth",
            Self::CheckPassword => "check_password",
            Self::SessionCreatePre => "session_create_pre",
        }
    }
}

impl fmt::Display for HookName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why the pipeline decided as it did. Secret-free.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reason {
    /// The password verified against the stored hash.
    Verified,
    /// The external auth hook authenticated the user.
    ExternalAuth,
    /// The check-password hook accepted the password.
    CheckPassword,
    /// No such user (after the hooks had their say).
    UnknownUser,
    /// The user's `status` is not 1.
    UserDisabled,
    /// The user's `expiration_date` has passed.
    UserExpired,
    /// The user has no password.
    NoPassword,
    /// The core refused: a wrong password, a policy limit, an unusable stored hash.
    Verify(VerifyError),
    /// A hook answered "deny" (a non-zero exit for DirectAdmin).
    HookDenied(HookName),
    /// A hook failed.
    HookFailed(HookName, HookError),
    /// The user store failed.
    Store(StoreError),
    /// A new hash could not be made.
    Hash(HashError),
}

impl Reason {
    /// A stable name: `verified`, `mismatch`, `hook_failed`, …
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::ExternalAuth => "external_auth",
            Self::CheckPassword => "check_password",
            Self::UnknownUser => "unknown_user",
            Self::UserDisabled => "user_disabled",
            Self::UserExpired => "user_expired",
            Self::NoPassword => "no_password",
            Self::Verify(VerifyError::Mismatch) => "mismatch",
            Self::Verify(_) => "refused",
            Self::HookDenied(_) => "hook_denied",
            Self::HookFailed(..) => "hook_failed",
            Self::Store(_) => "store",
            Self::Hash(_) => "hash",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verified => f.write_str("password verified"),
            Self::ExternalAuth => f.write_str("authenticated by the external auth hook"),
            Self::CheckPassword => f.write_str("accepted by the check-password hook"),
            Self::UnknownUser => f.write_str("unknown user"),
            Self::UserDisabled => f.write_str("user is disabled"),
            Self::UserExpired => f.write_str("user has expired"),
            Self::NoPassword => f.write_str("user has no password"),
            Self::Verify(e) => write!(f, "{e}"),
            Self::HookDenied(h) => write!(f, "denied by the {h} hook"),
            Self::HookFailed(h, e) => write!(f, "{h} hook failed: {e}"),
            Self::Store(e) => write!(f, "{e}"),
            Self::Hash(e) => write!(f, "cannot hash the password: {e}"),
        }
    }
}

/// One login attempt.
#[derive(Clone, Copy)]
pub struct LoginRequest<'a> {
    /// The login name.
    pub username: &'a str,
    /// The password as typed.
    pub password: &'a [u8],
    /// The client's address.
    pub ip: &'a str,
    /// The protocol (SFTPGo's names; scopes the check-password hook).
    pub protocol: Protocol,
    /// The login method (SFTPGo's names).
    pub method: LoginMethod,
    /// The `Referer` header, for DirectAdmin's hooks.
    pub referer: &'a str,
    /// The `User-Agent` header, for DirectAdmin's hooks.
    pub user_agent: &'a str,
}

impl<'a> LoginRequest<'a> {
    /// A password login over SSH from an unknown address.
    pub fn new(username: &'a str, password: &'a [u8]) -> Self {
        Self {
            username,
            password,
            ip: "",
            protocol: Protocol::Ssh,
            method: LoginMethod::Password,
            referer: "",
            user_agent: "",
        }
    }

    pub(crate) fn context(&self) -> LoginContext<'a> {
        LoginContext {
            ip: self.ip,
            protocol: self.protocol,
            method: self.method,
        }
    }

    pub(crate) fn directadmin(&self) -> DaLogin<'a> {
        DaLogin {
            username: self.username,
            password: self.password,
            ip: self.ip,
            referer: self.referer,
            user_agent: self.user_agent,
        }
    }
}

impl fmt::Debug for LoginRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("ip", &self.ip)
            .field("protocol", &self.protocol)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// The result of [`Pipeline::login`](super::Pipeline::login).
#[derive(Debug)]
#[non_exhaustive]
pub struct LoginResult {
    /// The verdict.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// The user as stored after the attempt, when there is one.
    pub user: Option<User>,
    /// The stored hash was replaced by one in the policy's preferred scheme.
    pub rehashed: bool,
    /// The session id given to DirectAdmin's `session_create_pre`, on success.
    pub session_id: Option<String>,
    pub(crate) notification: Option<JoinHandle<()>>,
}

impl LoginResult {
    /// Waits for the post-login notification to finish (a short-lived process should, so
    /// the hook is not cut off; a server need not).
    pub fn wait_for_notification(&mut self) {
        if let Some(handle) = self.notification.take() {
            let _ = handle.join();
        }
    }
}
