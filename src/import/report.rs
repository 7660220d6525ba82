//! What an import reports: one [`Event`] per account line and a closing [`Summary`].
//!
//! Every type here is secret-free by construction: it holds line numbers, user names that
//! SFTPGo would accept, scheme names and static reasons, never a byte of a hash or of the
//! line it came from.

#![forbid(unsafe_code)]

use crate::{ParseError, PolicyError};

/// Why a line could not be read as an account. Never holds the line's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineFault {
    /// The line is longer than the importer reads; the rest of it was skipped.
    #[error("line longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A NUL byte: C tools would read the line only up to it, so it means something else there.
    #[error("NUL byte in the line")]
    Nul,
    /// A field the importer uses is not UTF-8.
    #[error("{field}: not UTF-8")]
    NotUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A field the importer uses holds a control character.
    #[error("{field}: control character")]
    ControlCharacter {
        /// The field.
        field: &'static str,
    },
    /// Too few or too many `:`-separated fields.
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// How many the format has.
        expected: &'static str,
        /// How many the line has.
        found: usize,
    },
    /// The user name field is empty.
    #[error("empty user name")]
    EmptyUsername,
    /// A numeric field is not a decimal number (signs, spaces and letters included).
    #[error("{field}: not a decimal number")]
    InvalidNumber {
        /// The field.
        field: &'static str,
    },
    /// A numeric field is beyond what SFTPGo stores.
    #[error("{field}: out of range")]
    OutOfRange {
        /// The field.
        field: &'static str,
    },
    /// An IP rule that is neither an address nor an address with a prefix length or netmask.
    /// The user is not imported: dropping an allow or deny rule would change who may log in.
    #[error("{field}: entry {index} is not an IP address or network")]
    InvalidIpRule {
        /// The field.
        field: &'static str,
        /// The entry's 1-based position in the field's comma-separated list.
        index: usize,
    },
}

impl LineFault {
    /// A stable name for JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "TooLong",
            Self::Nul => "Nul",
            Self::NotUtf8 { .. } => "NotUtf8",
            Self::ControlCharacter { .. } => "ControlCharacter",
            Self::FieldCount { .. } => "FieldCount",
            Self::EmptyUsername => "EmptyUsername",
            Self::InvalidNumber { .. } => "InvalidNumber",
            Self::OutOfRange { .. } => "OutOfRange",
            Self::InvalidIpRule { .. } => "InvalidIpRule",
        }
    }
}

/// Why a stored hash is not written to the dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashProblem {
    /// A scheme SFTPGo cannot check (`{SHA}`, DES crypt, `$2x$`, an unknown identifier…).
    /// Written verbatim, SFTPGo would take it for a plaintext password and hash it, making the
    /// hash string itself the password.
    #[error("{0} is not a format SFTPGo can check")]
    Unreadable(&'static str),
    /// A known scheme whose fields do not follow its grammar; no implementation verifies it.
    #[error("malformed hash ({0})")]
    Malformed(ParseError),
}

impl HashProblem {
    /// A stable name for JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "Unreadable",
            Self::Malformed(_) => "Malformed",
        }
    }
}

/// Why a well-formed account line was not written to the dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SkipReason {
    /// Empty, `*`, `!`, `!!`, `!*` or `!<hash>`: no password can log in. Written disabled
    /// with `--import-locked`.
    #[error("account locked or without a password")]
    Locked,
    /// The hash cannot be written (see [`HashProblem`]). Written without a password with
    /// `--allow-unverifiable`.
    #[error("{0}")]
    Hash(HashProblem),
    /// SFTPGo's default naming rules accept only `a-zA-Z0-9-_.~` (and no reserved names); one
    /// such user would make `loaddata` stop. The name is not printed.
    #[error("user name not accepted by SFTPGo")]
    UsernameNotAccepted,
    /// The same user name on an earlier line; the first one is kept.
    #[error("duplicate user name (first on line {first_line})")]
    Duplicate {
        /// The line the name was first seen on.
        first_line: u64,
    },
    /// A shadow entry whose user has no line in the passwd file.
    #[error("no entry in the passwd file")]
    NoPasswdEntry,
    /// The user's passwd line is malformed.
    #[error("passwd line {line}: {fault}")]
    MalformedPasswdEntry {
        /// The passwd file's line.
        line: u64,
        /// What is wrong with it.
        fault: LineFault,
    },
    /// No absolute home directory in the input, and no `--home-base`.
    #[error("no absolute home directory (give --home-base)")]
    NoHome,
}

impl SkipReason {
    /// A stable name for JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Locked => "Locked",
            Self::Hash(h) => h.name(),
            Self::UsernameNotAccepted => "UsernameNotAccepted",
            Self::Duplicate { .. } => "Duplicate",
            Self::NoPasswdEntry => "NoPasswdEntry",
            Self::MalformedPasswdEntry { .. } => "MalformedPasswdEntry",
            Self::NoHome => "NoHome",
        }
    }
}

/// Something worth knowing about an account that was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Note {
    /// A `$2b$`/`$2y$` hash written as `$2a$`, the only bcrypt identifier SFTPGo reads (same
    /// digest for passwords of at most 72 bytes).
    #[error("bcrypt ${from}$ written as $2a$")]
    BcryptRewritten {
        /// The identifier in the input (`2b` or `2y`).
        from: &'static str,
    },
    /// A hash whose cost passgate's default policy refuses to verify (SFTPGo has no such
    /// limit): `passgate login` and `verify` need the limit raised for this account.
    #[error("above passgate's default verify limits ({0})")]
    AboveDefaultLimits(PolicyError),
    /// yescrypt, which SFTPGo reads only when built with the `unixcrypt` tag.
    #[error("yescrypt: SFTPGo reads it only when built with the unixcrypt tag")]
    UnixcryptOnly,
    /// A locked account written with `status: 0` and no password (`--import-locked`).
    #[error("locked: written disabled, without a password")]
    LockedDisabled,
    /// Shadow: the password expired more than `sp_inact` days ago (`sp_lstchg + sp_max +
    /// sp_inact` is past), so login refuses it; written with `status: 0`.
    #[error("inactive: written disabled")]
    Inactive,
    /// Shadow: `sp_expire` is past; written with that expiration date.
    #[error("account expired")]
    Expired,
    /// Shadow: `sp_lstchg` is 0 (`passwd -e`, `chage -d 0`); written with
    /// `require_password_change`.
    #[error("password change required at next login")]
    MustChangePassword,
    /// `--allow-unverifiable`: the account is written without a password.
    #[error("written without a password: {0}")]
    WithoutPassword(HashProblem),
    /// A restriction SFTPGo's user has no field for.
    #[error("{0} not imported (SFTPGo has no such per-user setting)")]
    Dropped(&'static str),
    /// A bandwidth limit in bytes/s that is not a whole number of KB/s, rounded up so that a
    /// small limit does not become 0 (unlimited).
    #[error("bandwidth rounded up to whole KB/s")]
    BandwidthRoundedUp,
    /// Pure-FTPd `home/./subdir`: the chroot part becomes the home, the start directory is lost.
    #[error("start directory below the chroot not imported")]
    StartDirDropped,
}

impl Note {
    /// A stable name for JSON output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::BcryptRewritten { .. } => "BcryptRewritten",
            Self::UnixcryptOnly => "UnixcryptOnly",
            Self::AboveDefaultLimits(_) => "AboveDefaultLimits",
            Self::LockedDisabled => "LockedDisabled",
            Self::Inactive => "Inactive",
            Self::Expired => "Expired",
            Self::MustChangePassword => "MustChangePassword",
            Self::WithoutPassword(_) => "WithoutPassword",
            Self::Dropped(_) => "Dropped",
            Self::BandwidthRoundedUp => "BandwidthRoundedUp",
            Self::StartDirDropped => "StartDirDropped",
        }
    }
}

/// What happened to one line of the input.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The account was written to the dump.
    Imported {
        /// The input line.
        line: u64,
        /// The user name.
        username: &'a str,
        /// `1` enabled, `0` disabled.
        status: u8,
        /// Remarks, such as a rewritten identifier or a dropped restriction.
        notes: &'a [Note],
    },
    /// A well-formed account that was not written.
    Skipped {
        /// The input line.
        line: u64,
        /// The user name, unless SFTPGo would not accept it (it is then not printed at all).
        username: Option<&'a str>,
        /// Why.
        reason: SkipReason,
    },
    /// A line that is not an account of the format.
    Error {
        /// The input line.
        line: u64,
        /// What is wrong with it.
        fault: LineFault,
    },
}

/// Receives the import's events as they happen, and its progress.
pub trait Observer {
    /// One line's outcome. Lines left out by `--usernames`, `--min-uid` and `--max-uid`,
    /// blank lines and `#` comments produce no event.
    fn event(&mut self, event: &Event<'_>);
    /// Bytes of the input read so far; called every few thousand lines.
    fn progress(&mut self, _bytes_read: u64) {}
}

/// An observer that ignores everything.
impl Observer for () {
    fn event(&mut self, _event: &Event<'_>) {}
}

/// The counts after an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Lines read, blank and comment lines included.
    pub lines: u64,
    /// Accounts written with `status: 1`.
    pub imported: u64,
    /// Accounts written with `status: 0`.
    pub disabled: u64,
    /// Well-formed accounts not written ([`SkipReason`]).
    pub skipped: u64,
    /// Malformed lines ([`LineFault`]).
    pub errors: u64,
    /// Accounts left out by `--usernames`, `--min-uid` or `--max-uid`.
    pub filtered: u64,
    /// Notes on written accounts.
    pub notes: u64,
}

/// The overall result, which the command line maps to its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every account line was written (exit 0).
    Complete,
    /// Some accounts were written, some lines were skipped or malformed (exit 1).
    Partial,
    /// No account was written, so no dump was created (exit 2).
    NothingUsable,
}

impl Summary {
    /// Accounts written to the dump.
    pub const fn written(&self) -> u64 {
        self.imported + self.disabled
    }

    /// The overall result.
    pub const fn outcome(&self) -> Outcome {
        if self.written() == 0 {
            Outcome::NothingUsable
        } else if self.skipped > 0 || self.errors > 0 {
            Outcome::Partial
        } else {
            Outcome::Complete
        }
    }
}
