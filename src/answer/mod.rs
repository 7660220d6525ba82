//! passgate as the hook an auth server calls: the server sends a login, passgate verifies it
//! against the hash it holds (the server's stored user, then a [legacy source](LegacySource))
//! and answers in the server's contract.
//!
//! - [`sftpgo`]: SFTPGo's external auth and check-password hooks ([`Answerer`]), with
//!   migrate-on-login (SFTPGo stores the login password's hash itself) and
//!   import-on-first-login (a user SFTPGo does not know is answered with the user the
//!   importer builds from the legacy account).
//! - [`LegacySource`]: the accounts of a file the importer reads, reloaded when it changes.
//!
//! Each answer comes as an [`Attempt`]: the reply plus what an audit line needs (outcome,
//! reason, where the hash came from, its scheme) and nothing secret. The `passgate` command
//! serves these as program hooks (`passgate sftpgo external-auth|check-password`) and over
//! HTTP (`passgate serve`).

#![forbid(unsafe_code)]

use core::fmt;

mod entropy;
mod settings;
pub mod sftpgo;
mod source;

pub use self::entropy::sftpgo_entropy;
pub use self::settings::{HeaderAuth, ServeConfig};
pub use self::sftpgo::{
    Accounts, AnswerSettings, Answerer, CheckPasswordReply, CheckPasswordRequest,
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
    /// The legacy source could not be read.
    #[error("legacy source: {0}")]
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
}

impl HookKind {
    /// The name in audit lines and metrics: `external-auth`, `check-password`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ExternalAuth => "external-auth",
            Self::CheckPassword => "check-password",
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
}

impl Reason {
    /// A stable name for audit lines and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Imported => "imported",
            Self::Retired => "retired",
            Self::VerifiedWeak => "verified-weak-password",
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
