//! bcrypt: `$2a$`, `$2b$`, `$2y$` + two-digit cost + 22-character salt + 31-character digest.

#![forbid(unsafe_code)]

use core::fmt;

use zeroize::{Zeroize as _, Zeroizing};

use super::eksblowfish::{ExpandedKey, bcrypt_raw};
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{bcrypt_decode, bcrypt_encode};
use crate::error::{ParseError, ParseErrorKind};

/// The bcrypt identifiers passgate verifies. For passwords of at most 72 bytes without 8-bit
/// characters all three compute the same digest; `$2x$` (crypt_blowfish's sign-extension bug)
/// is refused as [`ParseErrorKind::UnsupportedVariant`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BcryptVariant {
    /// `$2a$`: the identifier Go's `crypto/bcrypt`, and so SFTPGo, writes and reads.
    A,
    /// `$2b$`: OpenBSD's fix of the 255-byte length wrap; libxcrypt's default.
    B,
    /// `$2y$`: crypt_blowfish's name for the correct algorithm; PHP and `htpasswd -B`.
    Y,
}

impl BcryptVariant {
    /// The identifier between the first two `$`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::A => "2a",
            Self::B => "2b",
            Self::Y => "2y",
        }
    }
}

/// A parsed bcrypt hash.
#[derive(Clone, PartialEq, Eq)]
pub struct BcryptHash {
    variant: BcryptVariant,
    cost: u8,
    salt: [u8; Self::SALT_BYTES],
    digest: [u8; Self::DIGEST_BYTES],
}

impl BcryptHash {
    /// The smallest cost the format allows (OpenBSD `bcrypt.c`, libxcrypt).
    pub const MIN_COST: u32 = 4;
    /// The largest cost the format allows.
    pub const MAX_COST: u32 = 31;
    /// bcrypt reads at most this many password bytes; the rest is ignored.
    pub const MAX_PASSWORD_BYTES: usize = 72;
    const SALT_BYTES: usize = 16;
    /// bcrypt encrypts 24 bytes but stores only 23 (a quirk of the original encoder).
    const DIGEST_BYTES: usize = 23;
    const FIELD_CHARS: usize = 22 + 31;

    pub(crate) fn parse(variant: BcryptVariant, rest: &[u8]) -> Result<Self, ParseError> {
        let err = |field, kind| ParseError::in_field(Scheme::Bcrypt, field, kind);
        let [cost, body] =
            split_fields::<2>(rest).map_err(|k| ParseError::in_scheme(Scheme::Bcrypt, k))?;
        let cost = match cost {
            [a @ b'0'..=b'9', b @ b'0'..=b'9'] => u32::from((a - b'0') * 10 + (b - b'0')),
            _ => return Err(err("cost", ParseErrorKind::InvalidNumber)),
        };
        if !(Self::MIN_COST..=Self::MAX_COST).contains(&cost) {
            return Err(err("cost", ParseErrorKind::CostOutOfRange));
        }
        match body.len() {
            0 => return Err(err("salt", ParseErrorKind::MissingField)),
            n if n < Self::FIELD_CHARS => return Err(err("digest", ParseErrorKind::InvalidLength)),
            n if n > Self::FIELD_CHARS => return Err(err("digest", ParseErrorKind::TrailingData)),
            _ => {}
        }
        let (salt, digest) = body.split_at(22);
        Ok(Self {
            variant,
            cost: cost as u8,
            salt: bcrypt_decode::<16, 22>(salt).map_err(|k| err("salt", k))?,
            digest: bcrypt_decode::<23, 31>(digest).map_err(|k| err("digest", k))?,
        })
    }

    /// Builds a record from a freshly computed digest, as OpenBSD and Go compute it (for
    /// `$2a$`: without crypt_blowfish's countermeasure, so that SFTPGo verifies it).
    pub(crate) fn generate(
        variant: BcryptVariant,
        cost: u32,
        salt: [u8; 16],
        password: &[u8],
    ) -> Self {
        let key = expanded_key(password).without_safety();
        Self {
            variant,
            cost: cost as u8,
            salt,
            digest: digest(cost, &salt, &key),
        }
    }

    /// The identifier variant.
    pub const fn variant(&self) -> BcryptVariant {
        self.variant
    }

    /// The cost: the key schedule runs 2^cost times.
    pub const fn cost(&self) -> u32 {
        self.cost as u32
    }

    /// The same hash under another identifier. For passwords of at most 72 bytes the digest
    /// is the same; SFTPGo, for one, reads only `$2a$`.
    #[must_use]
    pub fn with_variant(&self, variant: BcryptVariant) -> Self {
        Self {
            variant,
            ..self.clone()
        }
    }

    /// Recomputes and compares. Returns whether it matched.
    ///
    /// `$2a$` has two readings for passwords with certain 8-bit patterns (such as
    /// `"\xff\xff\xa3"`): crypt_blowfish (libxcrypt, PHP) applies a countermeasure, OpenBSD
    /// and Go do not. Both are tried for those passwords, so hashes from either verify.
    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let cost = u32::from(self.cost);
        let key = expanded_key(password);
        let two_readings = self.variant == BcryptVariant::A && key.has_safety();
        let mut computed = if two_readings {
            digest(cost, &self.salt, &key)
        } else {
            digest(cost, &self.salt, &key.without_safety())
        };
        let mut ok = digests_equal(&computed, &self.digest);
        if two_readings {
            computed = digest(cost, &self.salt, &key.without_safety());
            ok |= digests_equal(&computed, &self.digest);
        }
        computed.zeroize();
        ok
    }
}

/// The password's first 72 bytes with its C string terminator, as every bcrypt
/// implementation keys EksBlowfish, expanded to 18 words.
fn expanded_key(password: &[u8]) -> ExpandedKey {
    let mut key = Zeroizing::new([0u8; BcryptHash::MAX_PASSWORD_BYTES]);
    let n = password.len().min(BcryptHash::MAX_PASSWORD_BYTES);
    key[..n].copy_from_slice(&password[..n]);
    // The NUL terminator counts as key material when it fits.
    let key_len = (n + 1).min(BcryptHash::MAX_PASSWORD_BYTES);
    ExpandedKey::new(&key[..key_len])
}

fn digest(cost: u32, salt: &[u8; 16], key: &ExpandedKey) -> [u8; 23] {
    let mut raw = bcrypt_raw(cost, salt, key);
    let mut out = [0u8; 23];
    out.copy_from_slice(&raw[..23]);
    raw.zeroize();
    out
}

impl fmt::Display for BcryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}${:02}$", self.variant.id(), self.cost)?;
        bcrypt_encode(&self.salt, f)?;
        bcrypt_encode(&self.digest, f)
    }
}

impl fmt::Debug for BcryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BcryptHash")
            .field("variant", &self.variant)
            .field("cost", &self.cost)
            .field("salt", &Redacted)
            .field("digest", &Redacted)
            .finish()
    }
}
