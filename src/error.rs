//! Error types. All are small, `Copy` and secret-free: they name the scheme, the field and
//! the kind of fault, never a byte of the stored hash or the password.

#![forbid(unsafe_code)]

use core::fmt;

use crate::scheme::Scheme;

/// Why a stored hash string was not accepted by [`StoredHash::parse`](crate::StoredHash::parse).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    scheme: Option<Scheme>,
    field: Option<&'static str>,
    kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) const fn new(kind: ParseErrorKind) -> Self {
        Self {
            scheme: None,
            field: None,
            kind,
        }
    }

    pub(crate) const fn in_scheme(scheme: Scheme, kind: ParseErrorKind) -> Self {
        Self {
            scheme: Some(scheme),
            field: None,
            kind,
        }
    }

    pub(crate) const fn in_field(
        scheme: Scheme,
        field: &'static str,
        kind: ParseErrorKind,
    ) -> Self {
        Self {
            scheme: Some(scheme),
            field: Some(field),
            kind,
        }
    }

    /// The scheme the string claimed, when its identifier was recognised.
    pub const fn scheme(&self) -> Option<Scheme> {
        self.scheme
    }

    /// The field at fault (`"salt"`, `"digest"`, `"rounds"`, …), when one is.
    pub const fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// What is wrong.
    pub const fn kind(&self) -> ParseErrorKind {
        self.kind
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{scheme}: ")?;
        }
        if let Some(field) = self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// The kinds of [`ParseError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A byte outside printable ASCII (non-ASCII, or a control character).
    NonAscii,
    /// No `$id$` prefix, or an identifier no scheme uses (identifiers are case-sensitive).
    UnknownScheme,
    /// A known family in a variant that is not verified, such as bcrypt `$2x$`.
    UnsupportedVariant,
    /// A lock or no-login marker (`""`, `*`, `!`, `!!`, `!<hash>`, `*LK*`): no password can match.
    Disabled,
    /// A field the grammar requires is absent.
    MissingField,
    /// Characters or fields after the last field of the grammar.
    TrailingData,
    /// A field of the wrong length.
    InvalidLength,
    /// A character outside the field's alphabet.
    InvalidCharacter,
    /// Base64 whose unused low bits are not zero, which other implementations never produce.
    NonCanonical,
    /// A number that is empty or not decimal digits.
    InvalidNumber,
    /// A decimal number with a sign or a leading zero.
    NonCanonicalNumber,
    /// A cost parameter outside its format's range: bcrypt cost outside 04–31, Argon2 `t` of
    /// 0, `p` outside 1–2²⁴−1, or `m` below 8 KiB per lane.
    CostOutOfRange,
    /// sha-crypt rounds outside 1000–999 999 999.
    RoundsOutOfRange,
    /// PBKDF2 iterations of zero or above 2³²−1.
    IterationsOutOfRange,
    /// A PBKDF2 or Argon2 digest shorter than 16 bytes (an empty PBKDF2 one would match any
    /// password in SFTPGo).
    DigestTooShort,
    /// A PBKDF2 digest longer than 256 bytes, or an Argon2 hash longer than 64.
    DigestTooLong,
    /// Standard base64 with bad padding or length.
    InvalidBase64,
}

impl ParseErrorKind {
    /// The kind's name, as used in `vectors/malformed.txt` and in JSON output.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NonAscii => "NonAscii",
            Self::UnknownScheme => "UnknownScheme",
            Self::UnsupportedVariant => "UnsupportedVariant",
            Self::Disabled => "Disabled",
            Self::MissingField => "MissingField",
            Self::TrailingData => "TrailingData",
            Self::InvalidLength => "InvalidLength",
            Self::InvalidCharacter => "InvalidCharacter",
            Self::NonCanonical => "NonCanonical",
            Self::InvalidNumber => "InvalidNumber",
            Self::NonCanonicalNumber => "NonCanonicalNumber",
            Self::CostOutOfRange => "CostOutOfRange",
            Self::RoundsOutOfRange => "RoundsOutOfRange",
            Self::IterationsOutOfRange => "IterationsOutOfRange",
            Self::DigestTooShort => "DigestTooShort",
            Self::DigestTooLong => "DigestTooLong",
            Self::InvalidBase64 => "InvalidBase64",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NonAscii => "non-ASCII or control byte",
            Self::UnknownScheme => "unknown scheme",
            Self::UnsupportedVariant => "unsupported variant",
            Self::Disabled => "account locked or without a password",
            Self::MissingField => "missing field",
            Self::TrailingData => "trailing data",
            Self::InvalidLength => "invalid length",
            Self::InvalidCharacter => "invalid character",
            Self::NonCanonical => "non-canonical encoding",
            Self::InvalidNumber => "invalid number",
            Self::NonCanonicalNumber => "non-canonical number",
            Self::CostOutOfRange => "cost out of range",
            Self::RoundsOutOfRange => "rounds out of range",
            Self::IterationsOutOfRange => "iterations out of range",
            Self::DigestTooShort => "digest too short",
            Self::DigestTooLong => "digest too long",
            Self::InvalidBase64 => "invalid base64",
        })
    }
}

/// A refusal by a [`Policy`](crate::Policy): the input is well-formed but outside the limits.
/// Checked before any hashing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The password is empty.
    #[error("password is empty")]
    EmptyPassword,
    /// The password is longer than the policy allows.
    #[error("password is {len} bytes, the limit is {max}")]
    PasswordTooLong {
        /// The password's length in bytes.
        len: usize,
        /// The policy's limit.
        max: usize,
    },
    /// The password holds a NUL byte, where C `crypt()` would silently stop.
    #[error("password contains a NUL byte")]
    NulInPassword,
    /// A bcrypt cost above the policy's limit.
    #[error("bcrypt cost {cost} is above the limit {max}")]
    CostTooHigh {
        /// The stored or requested cost.
        cost: u32,
        /// The policy's limit.
        max: u32,
    },
    /// sha-crypt rounds above the policy's limit.
    #[error("sha-crypt rounds {rounds} are above the limit {max}")]
    RoundsTooHigh {
        /// The stored or requested rounds.
        rounds: u32,
        /// The policy's limit.
        max: u32,
    },
    /// PBKDF2 iterations × output blocks, or sha-crypt rounds × blocks per round for this
    /// password's length, above the policy's limit.
    #[error("work {work} (iterations or rounds × blocks) is above the limit {max}")]
    WorkTooHigh {
        /// PBKDF2: iterations × ⌈digest length / hash length⌉; sha-crypt: rounds × blocks.
        work: u64,
        /// The policy's limit.
        max: u64,
    },
    /// An Argon2 parameter (memory in KiB, passes or lanes) above the policy's limit.
    #[error("argon2 {param} = {value} is above the limit {max}")]
    Argon2CostTooHigh {
        /// `"m"`, `"t"` or `"p"`.
        param: &'static str,
        /// The stored or requested value.
        value: u32,
        /// The policy's limit.
        max: u32,
    },
    /// A yescrypt parameter (memory in KiB, `t` or `p`) above the policy's limit.
    #[error("yescrypt {param} = {value} is above the limit {max}")]
    YescryptCostTooHigh {
        /// `"memory_kib"`, `"t"` or `"p"`.
        param: &'static str,
        /// The stored value.
        value: u64,
        /// The policy's limit.
        max: u64,
    },
    /// A legacy scheme under a policy that refuses them.
    #[error("{scheme} is a legacy scheme, refused by this policy")]
    LegacyScheme {
        /// The refused scheme.
        scheme: Scheme,
    },
    /// A scheme the policy's allow or deny list refuses.
    #[error("{scheme} is not allowed by this policy")]
    SchemeNotAllowed {
        /// The refused scheme.
        scheme: Scheme,
    },
}

impl PolicyError {
    /// The kind's name, as used in `vectors/malformed.txt` and in JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::EmptyPassword => "EmptyPassword",
            Self::PasswordTooLong { .. } => "PasswordTooLong",
            Self::NulInPassword => "NulInPassword",
            Self::CostTooHigh { .. } => "CostTooHigh",
            Self::RoundsTooHigh { .. } => "RoundsTooHigh",
            Self::WorkTooHigh { .. } => "WorkTooHigh",
            Self::Argon2CostTooHigh { .. } => "Argon2CostTooHigh",
            Self::YescryptCostTooHigh { .. } => "YescryptCostTooHigh",
            Self::LegacyScheme { .. } => "LegacyScheme",
            Self::SchemeNotAllowed { .. } => "SchemeNotAllowed",
        }
    }
}

/// What the machine could not supply for a hash computation. The parameters were within
/// the policy's limits; the allocation failed (or could not be expressed in this address
/// space), so the computation did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The working memory could not be allocated.
    #[error("{scheme} needs {bytes} bytes of working memory, which could not be allocated")]
    Memory {
        /// The scheme being computed.
        scheme: Scheme,
        /// The bytes the computation needs in all (saturating at `u64::MAX`).
        bytes: u64,
    },
}

/// Why a verification did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The stored hash is well-formed and the password does not match it.
    #[error("password does not match")]
    Mismatch,
    /// The stored string is not a hash passgate accepts.
    #[error("stored hash rejected: {0}")]
    Parse(ParseError),
    /// The policy refused the password or the hash's parameters.
    #[error("refused by policy: {0}")]
    Policy(PolicyError),
    /// The stored string is a lock or no-login marker: no password can match.
    #[error("account is locked or has no password")]
    Disabled,
    /// The hash is acceptable but the machine could not supply what computing it takes (its
    /// working memory): no verdict on the password. Retrying later may succeed.
    #[error("out of resources: {0}")]
    ResourceExhausted(ResourceError),
}

impl VerifyError {
    /// A stable name for the error: `Mismatch`, `Disabled`, or the parse or policy kind's name.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Mismatch => "Mismatch",
            Self::Disabled => "Disabled",
            Self::Parse(e) => e.kind.name(),
            Self::Policy(e) => e.name(),
            Self::ResourceExhausted(_) => "ResourceExhausted",
        }
    }
}

impl From<ResourceError> for VerifyError {
    fn from(e: ResourceError) -> Self {
        Self::ResourceExhausted(e)
    }
}

impl From<ParseError> for VerifyError {
    fn from(e: ParseError) -> Self {
        if e.kind == ParseErrorKind::Disabled {
            Self::Disabled
        } else {
            Self::Parse(e)
        }
    }
}

impl From<PolicyError> for VerifyError {
    fn from(e: PolicyError) -> Self {
        Self::Policy(e)
    }
}

/// Why [`hash`](crate::hash) could not produce a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The policy refused the password or the parameters.
    #[error("refused by policy: {0}")]
    Policy(#[from] PolicyError),
    /// Parameters the format cannot express (a bcrypt cost outside 4–31, say).
    #[error("invalid parameters: {0}")]
    InvalidParams(&'static str),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
    /// The machine could not supply what computing the hash takes (its working memory).
    #[error("out of resources: {0}")]
    ResourceExhausted(#[from] ResourceError),
}

impl HashError {
    /// A stable name for the error: the policy kind's name, `InvalidParams` or `Rng`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Policy(e) => e.name(),
            Self::InvalidParams(_) => "InvalidParams",
            Self::Rng => "Rng",
            Self::ResourceExhausted(_) => "ResourceExhausted",
        }
    }
}
