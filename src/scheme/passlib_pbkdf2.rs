//! passlib's PBKDF2 formats: `$pbkdf2$ROUNDS$SALT$CHECKSUM` (HMAC-SHA1),
//! `$pbkdf2-sha256$…` and `$pbkdf2-sha512$…`, salt and checksum in passlib's adapted base64
//! (`ab64`: the standard alphabet with `.` for `+`, no padding).
//!
//! # Telling passlib's strings from SFTPGo's
//!
//! `$pbkdf2-sha256$` and `$pbkdf2-sha512$` are also SFTPGo's identifiers, with another
//! grammar (raw salt, padded standard base64 digest). The last field decides:
//!
//! - **SFTPGo** when its length is a multiple of 4, or it holds `+` or `=`: padded standard
//!   base64 is always a multiple of 4 long, and only it uses `+` and `=`.
//! - **passlib** otherwise. passlib's checksum is exactly one hash block, 43 characters for
//!   SHA-256 and 86 for SHA-512 (27 for SHA-1), and 43, 86 and 27 are 3, 2 and 3 mod 4: a
//!   well-formed passlib checksum is never a multiple of 4 long, whatever its characters, and
//!   never holds `+` or `=`. A passlib checksum without `.` is still told apart by its length.
//!
//! The closest strings of each kind are in the vectors: a passlib hash whose checksum has no
//! `.` (unpadded standard base64 of the block), and an SFTPGo hash whose salt is in the ab64
//! alphabet and whose digest has no `+`. Stripping the SFTPGo digest's `=` gives a well-formed
//! passlib string, but not of the same password: passlib decodes the salt field as base64,
//! SFTPGo uses its characters as bytes.
//!
//! # Strictness
//!
//! Rounds are a canonical decimal, 1 to 2³²−1 (passlib's range). The salt decodes to 0–1024
//! bytes (passlib writes an empty salt when asked to). The checksum must be exactly one block.
//! Base64 with non-zero unused bits is refused as `NonCanonical`: passlib decodes such a
//! string leniently but never writes one.

#![forbid(unsafe_code)]

use core::fmt;
use core::num::NonZeroU32;

use zeroize::Zeroizing;

use super::compress::{Sha1, Sha256, Sha512};
use super::pbkdf2_engine::{Hmac, Task, pbkdf2};
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{ab64_decode, ab64_encode, parse_decimal};
use crate::error::{ParseError, ParseErrorKind};

/// The HMAC hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PasslibPbkdf2Variant {
    /// `$pbkdf2$` (passlib `pbkdf2_sha1`).
    Sha1,
    /// `$pbkdf2-sha256$` (passlib `pbkdf2_sha256`).
    Sha256,
    /// `$pbkdf2-sha512$` (passlib `pbkdf2_sha512`).
    Sha512,
}

impl PasslibPbkdf2Variant {
    /// The identifier between the first two `$`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Sha1 => "pbkdf2",
            Self::Sha256 => "pbkdf2-sha256",
            Self::Sha512 => "pbkdf2-sha512",
        }
    }

    /// The checksum's length in bytes: one block of the HMAC hash.
    pub const fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Sha1 => Scheme::PasslibPbkdf2Sha1,
            Self::Sha256 => Scheme::PasslibPbkdf2Sha256,
            Self::Sha512 => Scheme::PasslibPbkdf2Sha512,
        }
    }
}

/// Whether a `$pbkdf2-sha256$`/`$pbkdf2-sha512$` string's last field is SFTPGo's padded
/// standard base64 rather than passlib's ab64 (the rule in the module docs).
pub(crate) fn is_sftpgo_digest(field: &[u8]) -> bool {
    field.len().is_multiple_of(4) || field.iter().any(|&c| matches!(c, b'+' | b'='))
}

/// A parsed passlib PBKDF2 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasslibPbkdf2Hash {
    variant: PasslibPbkdf2Variant,
    rounds: NonZeroU32,
    salt: Box<[u8]>,
    /// The first `variant.digest_len()` bytes are the checksum; the rest are zero.
    checksum: [u8; 64],
}

impl PasslibPbkdf2Hash {
    /// The longest salt passlib accepts (`max_salt_size`), in bytes.
    pub const MAX_SALT_BYTES: usize = 1024;

    pub(crate) fn parse(variant: PasslibPbkdf2Variant, rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = variant.scheme();
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let [rounds, salt, checksum] =
            split_fields::<3>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let rounds = parse_decimal(rounds)
            .map_err(|e| e.into_kind(ParseErrorKind::IterationsOutOfRange))
            .and_then(|n| NonZeroU32::new(n).ok_or(ParseErrorKind::IterationsOutOfRange))
            .map_err(|k| err("rounds", k))?;
        let mut salt_buf = vec![0u8; Self::MAX_SALT_BYTES];
        let salt_len = ab64_decode(salt, &mut salt_buf).map_err(|k| err("salt", k))?;
        salt_buf.truncate(salt_len);
        // Exactly one block: 27, 43 or 86 characters.
        let len = variant.digest_len();
        if checksum.len() != (len * 8).div_ceil(6) {
            return Err(err("checksum", ParseErrorKind::InvalidLength));
        }
        let mut buf = [0u8; 64];
        ab64_decode(checksum, &mut buf[..len]).map_err(|k| err("checksum", k))?;
        Ok(Self {
            variant,
            rounds,
            salt: salt_buf.into_boxed_slice(),
            checksum: buf,
        })
    }

    /// The HMAC hash.
    pub const fn variant(&self) -> PasslibPbkdf2Variant {
        self.variant
    }

    /// The rounds (PBKDF2 iterations).
    pub const fn rounds(&self) -> u32 {
        self.rounds.get()
    }

    /// The salt's length in bytes.
    pub fn salt_len(&self) -> usize {
        self.salt.len()
    }

    /// Iterations × output blocks, the cost measure policies cap: the checksum is one block.
    pub const fn work(&self) -> u64 {
        self.rounds.get() as u64
    }

    fn checksum(&self) -> &[u8] {
        &self.checksum[..self.variant.digest_len()]
    }

    /// What this hash asks of PBKDF2, for a batch ([`tasks_match`](super::pbkdf2_engine::tasks_match)).
    pub(crate) fn task(&self) -> Task<'_> {
        Task {
            hmac: match self.variant {
                PasslibPbkdf2Variant::Sha1 => Hmac::Sha1,
                PasslibPbkdf2Variant::Sha256 => Hmac::Sha256,
                PasslibPbkdf2Variant::Sha512 => Hmac::Sha512,
            },
            iterations: self.rounds.get(),
            salt: &self.salt,
            stored: self.checksum(),
        }
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut buf = Zeroizing::new([0u8; 64]);
        let out = &mut buf[..self.variant.digest_len()];
        let n = self.rounds.get();
        match self.variant {
            PasslibPbkdf2Variant::Sha1 => pbkdf2::<Sha1>(password, &self.salt, n, out),
            PasslibPbkdf2Variant::Sha256 => pbkdf2::<Sha256>(password, &self.salt, n, out),
            PasslibPbkdf2Variant::Sha512 => pbkdf2::<Sha512>(password, &self.salt, n, out),
        }
        digests_equal(out, self.checksum())
    }
}

impl fmt::Display for PasslibPbkdf2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}${}$", self.variant.id(), self.rounds)?;
        ab64_encode(&self.salt, f)?;
        f.write_str("$")?;
        ab64_encode(self.checksum(), f)
    }
}

impl fmt::Debug for PasslibPbkdf2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasslibPbkdf2Hash")
            .field("variant", &self.variant)
            .field("rounds", &self.rounds)
            .field("salt", &Redacted)
            .field("checksum", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passlib_example_round_trips() {
        // passlib 1.7.4: pbkdf2_sha256.using(salt=b"a", rounds=5).hash("x")
        let body = b"5$YQ$Xh7Cu2pKj7BMyY60NtyGQ8PmkgHGEo4hIL9IYyNLuFM";
        let h = PasslibPbkdf2Hash::parse(PasslibPbkdf2Variant::Sha256, body).unwrap();
        assert!(h.matches(b"x") && !h.matches(b"y"));
        assert_eq!(
            h.to_string(),
            "$pbkdf2-sha256$5$YQ$Xh7Cu2pKj7BMyY60NtyGQ8PmkgHGEo4hIL9IYyNLuFM"
        );
        assert!(!format!("{h:?}").contains("Xh7Cu"));
    }

    #[test]
    fn rule_lengths() {
        // passlib checksum lengths are never a multiple of 4; padded base64 always is.
        for v in [
            PasslibPbkdf2Variant::Sha1,
            PasslibPbkdf2Variant::Sha256,
            PasslibPbkdf2Variant::Sha512,
        ] {
            assert_ne!((v.digest_len() * 8).div_ceil(6) % 4, 0);
        }
        assert!(is_sftpgo_digest(b"AAAA"));
        assert!(is_sftpgo_digest(b"AA+"));
        assert!(is_sftpgo_digest(b"AA="));
        assert!(!is_sftpgo_digest(b"AA."));
        assert!(!is_sftpgo_digest(b"AAA"));
    }
}
