//! SHA-crypt (`$5$` SHA-256, `$6$` SHA-512): Ulrich Drepper's specification, one engine.

#![forbid(unsafe_code)]

use core::fmt;

use sha2::Digest;
use zeroize::{Zeroize as _, Zeroizing};

use super::compress::{self, Compress};
use super::crypt_rounds::crypt_rounds;
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{CryptSalt, crypt_decode, crypt_encode, parse_decimal};
use crate::error::{ParseError, ParseErrorKind};

/// SHA-256 or SHA-512.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShaCryptVariant {
    /// `$5$`, 32-byte digest.
    Sha256,
    /// `$6$`, 64-byte digest.
    Sha512,
}

impl ShaCryptVariant {
    /// The identifier between the first two `$`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Sha256 => "5",
            Self::Sha512 => "6",
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Sha256 => Scheme::Sha256Crypt,
            Self::Sha512 => Scheme::Sha512Crypt,
        }
    }
}

/// The digest, in the encoding's (transposed) byte order; its length is the variant's.
#[derive(Clone, PartialEq, Eq)]
enum ShaDigest {
    Sha256([u8; 32]),
    Sha512([u8; 64]),
}

/// The order in which each variant packs its digest bytes into the encoding (the specification's
/// `b64_from_24bit` calls, most significant byte of each group first).
const SHA256_TRANSPOSITION: [usize; 32] = [
    0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28,
    8, 9, 19, 29, 31, 30,
];
const SHA512_TRANSPOSITION: [usize; 64] = [
    0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8,
    29, 9, 30, 51, 31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58,
    16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41, 63,
];

/// [`ShaCryptHash::work`] for parameters not yet in a record.
pub(crate) fn work(
    variant: ShaCryptVariant,
    rounds: u32,
    salt_len: usize,
    password_len: usize,
) -> u64 {
    // (digest, block, length padding) in bytes.
    let (digest, block, padding) = match variant {
        ShaCryptVariant::Sha256 => (32, 64, 9),
        ShaCryptVariant::Sha512 => (64, 128, 17),
    };
    let longest_round = digest + salt_len as u64 + 2 * password_len as u64 + padding;
    u64::from(rounds) * longest_round.div_ceil(block)
}

/// A parsed SHA-crypt hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ShaCryptHash {
    /// `None` when the string has no `rounds=` field (then [`Self::DEFAULT_ROUNDS`] apply and
    /// the field stays absent on display).
    rounds: Option<u32>,
    salt: CryptSalt<{ Self::MAX_SALT_LEN }>,
    digest: ShaDigest,
}

impl ShaCryptHash {
    /// Rounds when the string names none.
    pub const DEFAULT_ROUNDS: u32 = 5000;
    /// The fewest rounds the specification allows.
    pub const MIN_ROUNDS: u32 = 1000;
    /// The most rounds the specification allows.
    pub const MAX_ROUNDS: u32 = 999_999_999;
    /// The longest salt; implementations cut longer ones to this.
    pub const MAX_SALT_LEN: usize = 16;
    const ROUNDS_PREFIX: &[u8] = b"rounds=";

    pub(crate) fn parse(variant: ShaCryptVariant, rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = variant.scheme();
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let (rounds, rest) = match rest.strip_prefix(Self::ROUNDS_PREFIX) {
            Some(after) => {
                let end = after.iter().position(|&c| c == b'$').unwrap_or(after.len());
                let n = parse_decimal(&after[..end])
                    .map_err(|e| err("rounds", e.into_kind(ParseErrorKind::RoundsOutOfRange)))?;
                if !(Self::MIN_ROUNDS..=Self::MAX_ROUNDS).contains(&n) {
                    return Err(err("rounds", ParseErrorKind::RoundsOutOfRange));
                }
                match after.get(end + 1..) {
                    Some(rest) => (Some(n), rest),
                    None => return Err(err("salt", ParseErrorKind::MissingField)),
                }
            }
            None => (None, rest),
        };
        let [salt, digest] =
            split_fields::<2>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let salt = CryptSalt::parse(salt).map_err(|k| err("salt", k))?;
        if digest.is_empty() {
            return Err(err("digest", ParseErrorKind::MissingField));
        }
        let digest = match variant {
            ShaCryptVariant::Sha256 => crypt_decode::<32, 43>(digest).map(ShaDigest::Sha256),
            ShaCryptVariant::Sha512 => crypt_decode::<64, 86>(digest).map(ShaDigest::Sha512),
        }
        .map_err(|k| err("digest", k))?;
        Ok(Self {
            rounds,
            salt,
            digest,
        })
    }

    /// Builds a record from a freshly computed digest. `rounds` must be in range (checked by
    /// the caller).
    pub(crate) fn generate(
        variant: ShaCryptVariant,
        rounds: Option<u32>,
        salt: CryptSalt<{ Self::MAX_SALT_LEN }>,
        password: &[u8],
    ) -> Self {
        let mut record = Self {
            rounds,
            salt,
            digest: match variant {
                ShaCryptVariant::Sha256 => ShaDigest::Sha256([0; 32]),
                ShaCryptVariant::Sha512 => ShaDigest::Sha512([0; 64]),
            },
        };
        record.digest = record.compute(password);
        record
    }

    /// SHA-256 or SHA-512.
    pub const fn variant(&self) -> ShaCryptVariant {
        match self.digest {
            ShaDigest::Sha256(_) => ShaCryptVariant::Sha256,
            ShaDigest::Sha512(_) => ShaCryptVariant::Sha512,
        }
    }

    /// The rounds that apply (the default when the string names none).
    pub const fn rounds(&self) -> u32 {
        match self.rounds {
            Some(n) => n,
            None => Self::DEFAULT_ROUNDS,
        }
    }

    /// The work of verifying a password of `password_len` bytes, in compression-function
    /// calls: rounds × the blocks of the longest round. Each round hashes the previous
    /// digest, the salt and up to two copies of the password, so the work grows with the
    /// password's length as well as with the rounds.
    pub fn work(&self, password_len: usize) -> u64 {
        work(
            self.variant(),
            self.rounds(),
            self.salt.as_bytes().len(),
            password_len,
        )
    }

    /// Whether the string names its rounds (`rounds=5000` is kept as written).
    pub const fn has_explicit_rounds(&self) -> bool {
        self.rounds.is_some()
    }

    fn compute(&self, password: &[u8]) -> ShaDigest {
        let (salt, rounds) = (self.salt.as_bytes(), self.rounds());
        match self.variant() {
            ShaCryptVariant::Sha256 => {
                let mut raw = [0u8; 32];
                shacrypt::<sha2::Sha256, compress::Sha256>(password, salt, rounds, &mut raw);
                let out = SHA256_TRANSPOSITION.map(|i| raw[i]);
                raw.zeroize();
                ShaDigest::Sha256(out)
            }
            ShaCryptVariant::Sha512 => {
                let mut raw = [0u8; 64];
                shacrypt::<sha2::Sha512, compress::Sha512>(password, salt, rounds, &mut raw);
                let out = SHA512_TRANSPOSITION.map(|i| raw[i]);
                raw.zeroize();
                ShaDigest::Sha512(out)
            }
        }
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut computed = self.compute(password);
        let ok = digests_equal(computed.as_bytes(), self.digest.as_bytes());
        computed.as_bytes_mut().zeroize();
        ok
    }
}

/// The SHA-crypt algorithm (Drepper, "Unix crypt using SHA-256 and SHA-512", steps 1–21):
/// the raw digest of `password` under `salt` (at most 16 bytes used) and `rounds`, in `out`.
fn shacrypt<D: Digest, H: Compress>(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    let salt = &salt[..salt.len().min(ShaCryptHash::MAX_SALT_LEN)];
    let n = H::OUT;
    let mut b = D::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut a = D::new().chain_update(password).chain_update(salt);
    let mut left = password.len();
    while left > 0 {
        let take = left.min(n);
        a.update(&b[..take]);
        left -= take;
    }
    let mut bits = password.len();
    while bits > 0 {
        if bits & 1 == 1 {
            a.update(&b);
        } else {
            a.update(password);
        }
        bits >>= 1;
    }
    let mut a = a.finalize();

    let mut dp = D::new();
    for _ in 0..password.len() {
        dp.update(password);
    }
    let mut dp = dp.finalize();
    let p = Zeroizing::new(repeat_to(&dp, password.len()));

    let mut ds = D::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let ds = ds.finalize();
    let s = repeat_to(&ds, salt.len());

    out.copy_from_slice(&a);
    crypt_rounds::<H>(out, &p, &s, rounds);
    b.as_mut_slice().zeroize();
    a.as_mut_slice().zeroize();
    dp.as_mut_slice().zeroize();
}

/// `digest` repeated and cut to `len` bytes.
fn repeat_to(digest: &[u8], len: usize) -> Vec<u8> {
    digest.iter().copied().cycle().take(len).collect()
}

impl ShaDigest {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Sha256(d) => d,
            Self::Sha512(d) => d,
        }
    }

    fn as_bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Self::Sha256(d) => d,
            Self::Sha512(d) => d,
        }
    }
}

impl fmt::Display for ShaCryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}$", self.variant().id())?;
        if let Some(n) = self.rounds {
            write!(f, "rounds={n}$")?;
        }
        write!(f, "{}$", self.salt)?;
        crypt_encode(self.digest.as_bytes(), f)
    }
}

impl fmt::Debug for ShaCryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShaCryptHash")
            .field("variant", &self.variant())
            .field("rounds", &self.rounds())
            .field("explicit_rounds", &self.rounds.is_some())
            .field("salt", &Redacted)
            .field("digest", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_sha_crypt_crate() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 151 + 3) as u8).collect();
        for pw_len in [1usize, 31, 32, 33, 63, 64, 65, 130, 300] {
            for salt_len in [0usize, 1, 8, 16, 20] {
                let (pw, salt) = (&bytes[..pw_len], &b"saltsaltsaltsaltsalt"[..salt_len]);
                for rounds in [1000, 1001, 1042] {
                    let params = sha_crypt::Params::new(rounds).unwrap_or_default();
                    let mut ours256 = [0u8; 32];
                    shacrypt::<sha2::Sha256, compress::Sha256>(pw, salt, rounds, &mut ours256);
                    assert_eq!(ours256, sha_crypt::sha256_crypt(pw, salt, params));
                    let mut ours512 = [0u8; 64];
                    shacrypt::<sha2::Sha512, compress::Sha512>(pw, salt, rounds, &mut ours512);
                    assert_eq!(ours512, sha_crypt::sha512_crypt(pw, salt, params));
                }
            }
        }
    }
}
