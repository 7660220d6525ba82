//! passgate as the hook an auth server calls: the server sends a login, passgate verifies it
//! against the hash it holds (the server's stored user, then a [legacy source](LegacySource))
//! and answers in the server's contract.
//!
//! - [`sftpgo`]: SFTPGo's external auth and check-password hooks ([`Answerer`]), with
//!   migrate-on-login (SFTPGo stores the login password's hash itself) and
//!   import-on-first-login (a user SFTPGo does not know is answered with the user the
//!   importer builds from the legacy account).
//! - [`pure_authd`]: Pure-FTPd's extauth protocol (`pure-authd`), answered from a legacy
//!   source alone.
//! - [`LegacySource`]: the accounts of a file the importer reads, reloaded when it changes.
//! - [`http_basic`]: HTTP Basic credentials and realms for a reverse proxy's auth
//!   subrequest (nginx `auth_request`), answered with [`Answerer::verify_account`].
//! - [`check`]: the program contracts (pam_exec, checkpassword, mod_authnz_external).
//! - [`LoginPreFilter`]: DirectAdmin's `login_pre` filter (IP networks, login times, refused
//!   schemes).
//!
//! Each answer comes as an [`Attempt`]: the reply plus what an audit line needs (outcome,
//! reason, where the hash came from, its scheme) and nothing secret. The `passgate` command
//! serves these as program hooks (`passgate sftpgo external-auth|check-password`) and over
//! HTTP (`passgate serve`).

#![forbid(unsafe_code)]

use core::fmt;

pub mod check;
mod cidr;
mod entropy;
pub mod http_basic;
mod login_pre;
pub mod pure_authd;
mod settings;
pub mod sftpgo;
mod source;
mod window;

pub use self::cidr::{CidrError, IpNet};
pub use self::entropy::sftpgo_entropy;
pub use self::http_basic::{BasicCredentials, BasicError, HttpBasicRealm, RealmError};
pub(crate) use self::login_pre::FilterSection;
pub use self::login_pre::{
    FilterReason, LoginPreDecision, LoginPreEnvError, LoginPreFilter, LoginPreRequest,
};
pub use self::pure_authd::{PureAuthdConfig, PureAuthdReply, PureAuthdRequest};
pub use self::settings::{HeaderAuth, ServeConfig};
pub use self::sftpgo::{
    AccountVerdict, Accounts, AnswerSettings, Answerer, CheckPasswordReply, CheckPasswordRequest,
    ExternalAuthReply, ExternalAuthRequest, RequestError, WithoutLegacy,
};
pub use self::source::{LegacyAccount, LegacySource, Reload, Snapshot, SourceConfig, SourceError};

use crate::{ResourceError, Scheme};

/// Why no answer could be given: the caller answers with an error (HTTP 5xx, a non-zero
/// exit), which SFTPGo takes as a denial.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// A hash's working memory could not be allocated: no verdict on the password.
    #[error("out of resources: {0}")]
    ResourceExhausted(ResourceError),
    /// The legacy source could not be read (the cause is the source, not repeated).
    #[error("legacy source")]
    Source(#[from] SourceError),
    /// A state that cannot happen.
    #[error("internal error")]
    Internal,
}

/// The hook that was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HookKind {
    /// SFTPGo's external auth.
    ExternalAuth,
    /// SFTPGo's check-password.
    CheckPassword,
    /// HTTP Basic authentication for a reverse proxy's auth subrequest (nginx
    /// `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`).
    HttpBasic,
    /// Pure-FTPd's extauth (`pure-authd`).
    PureAuthd,
    /// A program contract: pam_exec, checkpassword, mod_authnz_external.
    Check,
    /// DirectAdmin's `login_pre` filter.
    DirectAdminLoginPre,
}

impl HookKind {
    /// The name in audit lines and metrics: `external-auth`, `check-password`, `http-basic`,
    /// `pure-authd`, `check`, `directadmin-login-pre`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ExternalAuth => "external-auth",
            Self::CheckPassword => "check-password",
            Self::HttpBasic => "http-basic",
            Self::PureAuthd => "pure-authd",
            Self::Check => "check",
            Self::DirectAdminLoginPre => "directadmin-login-pre",
        }
    }
}

/// The verdict of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Authenticated.
    Allow,
    /// Denied.
    Deny,
    /// Left to the server (check-password status 2).
    Defer,
}

impl Outcome {
    /// `allow`, `deny` or `defer`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Defer => "defer",
        }
    }
}

/// Why an attempt ended as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The password verified.
    Verified,
    /// The password verified; the user is created from the legacy account.
    Imported,
    /// The password verified; the user is returned with external auth disabled.
    Retired,
    /// The password verified, but is below SFTPGo's entropy minimum: the empty answer, so
    /// that SFTPGo stores it without the check (the account is not retired).
    VerifiedWeak,
    /// The password verified, but the user SFTPGo would create from the legacy account
    /// cannot have it: it is below SFTPGo's entropy minimum (`[serve] min_entropy`).
    WeakPasswordForNewUser,
    /// The password does not match.
    WrongPassword,
    /// Neither the server nor the legacy source holds the user.
    UnknownUser,
    /// The server holds the user, with no hash passgate reads, and the legacy source does not.
    NoReadableHash,
    /// The legacy source does not hold the user (check-password defers).
    NotInLegacySource,
    /// A lock marker instead of a hash.
    Locked,
    /// The account is disabled.
    Disabled,
    /// The account has expired.
    Expired,
    /// The hash's parameters are above the policy's limits.
    HashRefused,
    /// The stored string is no hash passgate reads.
    HashUnreadable,
    /// The password is empty, too long or holds a NUL (or, for check-password's deferral,
    /// is not UTF-8).
    PasswordRefused,
    /// No password (a public key, keyboard-interactive or certificate step): left to
    /// SFTPGo for a user it stores, denied for one it does not.
    NotPassword,
    /// The password verified, but the account's IP rules refuse the client's address (or
    /// the server's).
    AddressRefused,
    /// The password verified, outside the hours the account may log in.
    OutsideHours,
    /// The password verified, but the account's uid or gid is 0, which a server that runs
    /// the session as the account (Pure-FTPd) refuses.
    ZeroId,
    /// The password verified, but the account's home is no absolute path the server can use.
    HomeUnusable,
}

impl Reason {
    /// A stable name for audit lines and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Imported => "imported",
            Self::Retired => "retired",
            Self::VerifiedWeak => "verified-weak-password",
            Self::WeakPasswordForNewUser => "weak-password-for-new-user",
            Self::WrongPassword => "wrong-password",
            Self::UnknownUser => "unknown-user",
            Self::NoReadableHash => "no-readable-hash",
            Self::NotInLegacySource => "not-in-legacy-source",
            Self::Locked => "locked",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::HashRefused => "hash-refused",
            Self::HashUnreadable => "hash-unreadable",
            Self::PasswordRefused => "password-refused",
            Self::NotPassword => "not-a-password-login",
            Self::AddressRefused => "address-refused",
            Self::OutsideHours => "outside-hours",
            Self::ZeroId => "uid-or-gid-zero",
            Self::HomeUnusable => "home-unusable",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the hash that decided came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Where {
    /// The server's stored user.
    Sftpgo,
    /// The legacy source.
    Legacy,
    /// No hash decided.
    Nowhere,
}

impl Where {
    /// `sftpgo`, `legacy` or `none`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sftpgo => "sftpgo",
            Self::Legacy => "legacy",
            Self::Nowhere => "none",
        }
    }
}

/// One answered attempt: the reply and what an audit line or a metric needs. Holds no
/// password and no hash (a check-password deferral's reply holds the password, which its
/// `Debug` hides).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Attempt<R> {
    /// The hook answered.
    pub hook: HookKind,
    /// The verdict.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// Where the deciding hash came from.
    pub place: Where,
    /// The deciding hash's scheme, when one was read.
    pub scheme: Option<Scheme>,
    /// What to send back.
    pub reply: R,
}
