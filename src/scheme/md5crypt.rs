//! md5crypt (`$1$`) and Apache's apr1 (`$apr1$`): one algorithm, two magic strings.

#![forbid(unsafe_code)]

use core::fmt;

use md5::{Digest as _, Md5};
use zeroize::Zeroize as _;

use super::compress;
use super::crypt_rounds::crypt_rounds;
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{CryptSalt, crypt_decode, crypt_encode};
use crate::error::{ParseError, ParseErrorKind};

/// Which magic string the hash was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Md5CryptVariant {
    /// `$1$` (Poul-Henning Kamp's FreeBSD md5crypt; libxcrypt, `openssl passwd -1`).
    Md5,
    /// `$apr1$` (Apache's `htpasswd -m`, `openssl passwd -apr1`).
    Apr1,
}

impl Md5CryptVariant {
    /// The magic string, which is also hashed.
    pub const fn magic(self) -> &'static str {
        match self {
            Self::Md5 => "$1$",
            Self::Apr1 => "$apr1$",
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Md5 => Scheme::Md5Crypt,
            Self::Apr1 => Scheme::Apr1,
        }
    }
}

/// The order in which md5crypt packs its 16 digest bytes into the encoding.
const TRANSPOSITION: [usize; 16] = [0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5, 11];

/// A parsed md5crypt or apr1 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Md5CryptHash {
    variant: Md5CryptVariant,
    salt: CryptSalt<{ Self::MAX_SALT_LEN }>,
    /// In the encoding's (transposed) order.
    digest: [u8; 16],
}

impl Md5CryptHash {
    /// The longest salt md5crypt uses; implementations cut longer ones to this.
    pub const MAX_SALT_LEN: usize = 8;
    /// The fixed number of rounds.
    pub const ROUNDS: u32 = 1000;

    pub(crate) fn parse(variant: Md5CryptVariant, rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = variant.scheme();
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let [salt, digest] =
            split_fields::<2>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let salt = CryptSalt::parse(salt).map_err(|k| err("salt", k))?;
        if digest.is_empty() {
            return Err(err("digest", ParseErrorKind::MissingField));
        }
        let digest = crypt_decode::<16, 22>(digest).map_err(|k| err("digest", k))?;
        Ok(Self {
            variant,
            salt,
            digest,
        })
    }

    /// The magic variant.
    pub const fn variant(&self) -> Md5CryptVariant {
        self.variant
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut computed = transpose(&md5crypt(
            password,
            self.salt.as_bytes(),
            self.variant.magic(),
        ));
        let ok = digests_equal(&computed, &self.digest);
        computed.zeroize();
        ok
    }
}

fn transpose(raw: &[u8; 16]) -> [u8; 16] {
    TRANSPOSITION.map(|i| raw[i])
}

/// The md5crypt algorithm: the raw 16-byte digest of `password` under `salt` and `magic`.
pub(crate) fn md5crypt(password: &[u8], salt: &[u8], magic: &str) -> [u8; 16] {
    let mut alt: [u8; 16] = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize()
        .into();

    let mut ctx = Md5::new()
        .chain_update(password)
        .chain_update(magic)
        .chain_update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    // A historical quirk: a zero byte for each set bit, the password's first byte otherwise.
    let mut bits = password.len();
    while bits > 0 {
        if bits & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        bits >>= 1;
    }
    let mut digest: [u8; 16] = ctx.finalize().into();
    crypt_rounds::<compress::Md5>(&mut digest, password, salt, Md5CryptHash::ROUNDS);
    alt.zeroize();
    digest
}

impl fmt::Display for Md5CryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}$", self.variant.magic(), self.salt)?;
        crypt_encode(&self.digest, f)
    }
}

impl fmt::Debug for Md5CryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Md5CryptHash")
            .field("variant", &self.variant)
            .field("salt", &Redacted)
            .field("digest", &Redacted)
            .finish()
    }
}
