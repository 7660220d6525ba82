//! bcrypt: `$2a$`, `$2b$`, `$2y$` + two-digit cost + 22-character salt + 31-character digest.

#![forbid(unsafe_code)]

use core::fmt;

use zeroize::{Zeroize as _, Zeroizing};

pub(crate) use super::eksblowfish::ExpandedKey;
use super::eksblowfish::{Lane, bcrypt_raw, bcrypt_raw_lanes};
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
        self.matches_on(password, true)
    }

    /// [`matches`](Self::matches), with the CPU's extensions only when `cpu` is set.
    pub(crate) fn matches_on(&self, password: &[u8], cpu: bool) -> bool {
        let (key, second) = self.keys(password);
        let mut ok = self.raw_matches(bcrypt_raw(self.cost(), &self.salt, &key, cpu));
        if let Some(key) = second {
            ok |= self.raw_matches(bcrypt_raw(self.cost(), &self.salt, &key, cpu));
        }
        ok
    }

    /// The keys whose digests [`matches`](Self::matches) compares for `password`: the
    /// password's, and for `$2a$` when crypt_blowfish's countermeasure changes it, the
    /// countermeasure's reading too. A match of either is a match.
    pub(crate) fn keys(&self, password: &[u8]) -> (ExpandedKey, Option<ExpandedKey>) {
        let key = expanded_key(password);
        if self.variant == BcryptVariant::A && key.has_safety() {
            (key.without_safety(), Some(key))
        } else {
            (key.without_safety(), None)
        }
    }

    /// One computation of [`keys`](Self::keys)' key for a batch.
    pub(crate) fn lane<'a>(&'a self, key: &'a ExpandedKey) -> Lane<'a> {
        Lane {
            salt: &self.salt,
            key,
        }
    }

    /// Whether a raw output (which is then zeroized) holds the stored digest.
    pub(crate) fn raw_matches(&self, mut raw: [u8; 24]) -> bool {
        let ok = digests_equal(&raw[..Self::DIGEST_BYTES], &self.digest);
        raw.zeroize();
        ok
    }
}

/// The most bcrypt computations a batch runs side by side in one thread: four states
/// (16.3 KiB) still fit in the L1 data cache beside the code.
pub(crate) const LANES: usize = 4;
const _: () = assert!(LANES >= 1 && LANES <= 4, "lanes_match runs 1 to 4 lanes");

/// Whether each `(hash, key)` computation's digest matches its hash, with up to [`LANES`]
/// computations of one cost run side by side (so that the CPU overlaps their chains).
pub(crate) fn lanes_match(jobs: &[(&BcryptHash, &ExpandedKey)], cpu: bool) -> Vec<bool> {
    fn side_by_side<const N: usize>(jobs: &[(&BcryptHash, &ExpandedKey)], cpu: bool) -> Vec<bool> {
        let cost = jobs[0].0.cost();
        debug_assert!(jobs.iter().all(|(h, _)| h.cost() == cost));
        let lanes: [Lane<'_>; N] = core::array::from_fn(|k| jobs[k].0.lane(jobs[k].1));
        let mut raw = bcrypt_raw_lanes(cost, &lanes, cpu);
        let matched = (0..N).map(|k| jobs[k].0.raw_matches(raw[k])).collect();
        raw.zeroize();
        matched
    }
    jobs.chunks(LANES)
        .flat_map(|chunk| match chunk.len() {
            1 => side_by_side::<1>(chunk, cpu),
            2 => side_by_side::<2>(chunk, cpu),
            3 => side_by_side::<3>(chunk, cpu),
            _ => side_by_side::<4>(chunk, cpu),
        })
        .collect()
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
    let mut raw = bcrypt_raw(cost, salt, key, true);
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

#[cfg(test)]
pub(crate) mod tests {
    use crate::StoredHash;

    /// `vectors/bcrypt.txt` (made by libxcrypt and pyca/bcrypt, see `vectors/gen/`): each
    /// record's password, stored string and whether it verifies.
    pub(crate) fn vectors() -> Vec<(Vec<u8>, String, bool)> {
        let out = vectors_of("bcrypt.txt");
        assert!(out.len() > 90, "{} bcrypt vectors", out.len());
        out
    }

    /// `(password, stored, verifies)` of every record of `vectors/FILE` that says whether
    /// it verifies.
    pub(crate) fn vectors_of(file: &str) -> Vec<(Vec<u8>, String, bool)> {
        let path = format!("{}/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect(&path);
        let mut out = Vec::new();
        for record in text.split("\n\n") {
            let field = |key: &str| {
                record
                    .lines()
                    .find_map(|l| l.strip_prefix(key)?.strip_prefix(" = "))
            };
            let (Some(password), Some(stored), Some(verify)) =
                (field("Password"), field("Stored"), field("Verify"))
            else {
                continue;
            };
            out.push((unquote(password), stored.to_owned(), verify == "OK"));
        }
        out
    }

    /// A quoted vector value: `\\`, `\"` and `\xNN` escapes.
    fn unquote(value: &str) -> Vec<u8> {
        let inner = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
        let bytes = inner.expect("quoted").as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' && bytes[i + 1] == b'x' {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 4;
            } else if bytes[i] == b'\\' {
                out.push(bytes[i + 1]);
                i += 2;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    /// Both paths, the CPU's (BMI1 where it has it) and the portable loop forced, against
    /// the independent vectors.
    #[test]
    fn both_paths_agree_with_the_vectors() {
        for (password, stored, ok) in vectors() {
            let Ok(StoredHash::Bcrypt(hash)) = StoredHash::parse(&stored) else {
                panic!("{stored} does not parse as bcrypt");
            };
            for cpu in [true, false] {
                assert_eq!(
                    hash.matches_on(&password, cpu),
                    ok,
                    "{stored} {password:x?} cpu {cpu}"
                );
            }
        }
    }
}
