//! Argon2id and Argon2i PHC strings: `$argon2id$v=19$m=M,t=T,p=P$SALT$HASH`.
//!
//! Our own grammar, strict; the `argon2` crate only computes. The Debian `argon2` CLI and
//! argon2-cffi both always write `v=19`, and so must every string we accept: an absent `v=`
//! (the pre-1.3 format) is `MissingField`, and `v=16` is `UnsupportedVariant`. Parameters come
//! in the order `m`, `t`, `p`, as canonical decimals; the optional PHC `keyid=`/`data=` fields
//! are refused. Salt and hash are unpadded standard base64 with zero unused bits (libargon2
//! rejects other bits too).

#![forbid(unsafe_code)]

use core::fmt;

use ::argon2::{Algorithm, Argon2, Error as Argon2Error, Params, Version};
use zeroize::Zeroizing;

use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{parse_decimal, std_no_pad_decode, std_no_pad_encode};
use crate::error::{
    HashError, ParseError, ParseErrorKind, PolicyError, ResourceError, VerifyError,
};

/// Which Argon2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Argon2Variant {
    /// `$argon2id$`.
    Argon2id,
    /// `$argon2i$`.
    Argon2i,
}

impl Argon2Variant {
    /// The identifier between the first two `$`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Argon2id => "argon2id",
            Self::Argon2i => "argon2i",
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Argon2id => Scheme::Argon2id,
            Self::Argon2i => Scheme::Argon2i,
        }
    }

    const fn algorithm(self) -> Algorithm {
        match self {
            Self::Argon2id => Algorithm::Argon2id,
            Self::Argon2i => Algorithm::Argon2i,
        }
    }
}

/// A parsed Argon2 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Argon2Hash {
    variant: Argon2Variant,
    m: u32,
    t: u32,
    p: u32,
    salt: Box<[u8]>,
    hash: Box<[u8]>,
}

impl Argon2Hash {
    /// The only version accepted (1.3, `v=19`), the one current tools write.
    pub const VERSION: u32 = 19;
    /// Fewest lanes (libargon2 `ARGON2_MIN_LANES`).
    pub const MIN_P: u32 = 1;
    /// Most lanes (libargon2 `ARGON2_MAX_LANES`, 2²⁴−1).
    pub const MAX_P: u32 = 0x00ff_ffff;
    /// Shortest salt in bytes (libargon2 `ARGON2_MIN_SALT_LENGTH`).
    pub const MIN_SALT_BYTES: usize = 8;
    /// Longest salt in bytes (the PHC string format's recommendation).
    pub const MAX_SALT_BYTES: usize = 64;
    /// Shortest hash in bytes: libargon2 allows 4, which a random guess matches once in 2³²;
    /// we fail closed, as for PBKDF2.
    pub const MIN_HASH_BYTES: usize = 16;
    /// Longest hash in bytes.
    pub const MAX_HASH_BYTES: usize = 64;

    pub(crate) fn parse(variant: Argon2Variant, rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = variant.scheme();
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let [version, params, salt, hash] =
            split_fields::<4>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let version = version
            .strip_prefix(b"v=")
            .ok_or(ParseErrorKind::MissingField)
            .and_then(|v| {
                parse_decimal(v).map_err(|e| e.into_kind(ParseErrorKind::UnsupportedVariant))
            })
            .map_err(|k| err("version", k))?;
        if version != Self::VERSION {
            return Err(err("version", ParseErrorKind::UnsupportedVariant));
        }
        let [m, t, p] = split_params(params).map_err(|(f, k)| err(f, k))?;
        if !(Self::MIN_P..=Self::MAX_P).contains(&p) {
            return Err(err("p", ParseErrorKind::CostOutOfRange));
        }
        if t == 0 {
            return Err(err("t", ParseErrorKind::CostOutOfRange));
        }
        // libargon2: at least 8 KiB per lane.
        if u64::from(m) < 8 * u64::from(p) {
            return Err(err("m", ParseErrorKind::CostOutOfRange));
        }
        let salt = std_no_pad_decode(salt).map_err(|k| err("salt", k))?;
        if !(Self::MIN_SALT_BYTES..=Self::MAX_SALT_BYTES).contains(&salt.len()) {
            return Err(err("salt", ParseErrorKind::InvalidLength));
        }
        let hash = std_no_pad_decode(hash).map_err(|k| err("hash", k))?;
        match hash.len() {
            n if n < Self::MIN_HASH_BYTES => Err(err("hash", ParseErrorKind::DigestTooShort)),
            n if n > Self::MAX_HASH_BYTES => Err(err("hash", ParseErrorKind::DigestTooLong)),
            _ => Ok(Self {
                variant,
                m,
                t,
                p,
                salt: salt.into_boxed_slice(),
                hash: hash.into_boxed_slice(),
            }),
        }
    }

    /// Builds a record from a fresh salt. Parameters are the caller's to validate; a memory
    /// failure is [`HashError::ResourceExhausted`].
    pub(crate) fn generate(
        variant: Argon2Variant,
        (m, t, p): (u32, u32, u32),
        salt: &[u8],
        password: &[u8],
    ) -> Result<Self, HashError> {
        let mut hash = vec![0u8; 32];
        compute(variant, m, t, p, password, salt, &mut hash).map_err(|e| match e {
            Argon2Error::OutOfMemory => memory_error(variant, m, p).into(),
            Argon2Error::PwdTooLong => PolicyError::PasswordTooLong {
                len: password.len(),
                max: MAX_PASSWORD_BYTES,
            }
            .into(),
            _ => HashError::InvalidParams("argon2 refused the parameters"),
        })?;
        Ok(Self {
            variant,
            m,
            t,
            p,
            salt: salt.into(),
            hash: hash.into_boxed_slice(),
        })
    }

    /// Which Argon2.
    pub const fn variant(&self) -> Argon2Variant {
        self.variant
    }

    /// Memory in KiB.
    pub const fn m(&self) -> u32 {
        self.m
    }

    /// Passes over memory.
    pub const fn t(&self) -> u32 {
        self.t
    }

    /// Lanes.
    pub const fn p(&self) -> u32 {
        self.p
    }

    /// The salt's length in bytes.
    pub fn salt_len(&self) -> usize {
        self.salt.len()
    }

    /// The hash's length in bytes.
    pub fn hash_len(&self) -> usize {
        self.hash.len()
    }

    /// Recomputes and compares. An error is never a verdict: the memory could not be
    /// allocated ([`VerifyError::ResourceExhausted`]), or the crate refused what the parser
    /// or the policy should have (each mapped to the field at fault).
    pub(crate) fn matches(&self, password: &[u8]) -> Result<bool, VerifyError> {
        let mut buf = Zeroizing::new([0u8; Self::MAX_HASH_BYTES]);
        let out = &mut buf[..self.hash.len()];
        compute(
            self.variant,
            self.m,
            self.t,
            self.p,
            password,
            &self.salt,
            out,
        )
        .map_err(|e| self.verify_error(e, password.len()))?;
        Ok(digests_equal(out, &self.hash))
    }

    fn verify_error(&self, e: Argon2Error, password_len: usize) -> VerifyError {
        use ParseErrorKind::{CostOutOfRange, DigestTooLong, DigestTooShort, InvalidLength};
        let scheme = self.variant.scheme();
        let field = |field, kind| ParseError::in_field(scheme, field, kind).into();
        match e {
            Argon2Error::OutOfMemory => memory_error(self.variant, self.m, self.p).into(),
            Argon2Error::PwdTooLong => PolicyError::PasswordTooLong {
                len: password_len,
                max: MAX_PASSWORD_BYTES,
            }
            .into(),
            Argon2Error::MemoryTooLittle | Argon2Error::MemoryTooMuch => field("m", CostOutOfRange),
            Argon2Error::TimeTooSmall => field("t", CostOutOfRange),
            Argon2Error::ThreadsTooFew | Argon2Error::ThreadsTooMany => field("p", CostOutOfRange),
            Argon2Error::SaltTooShort | Argon2Error::SaltTooLong => field("salt", InvalidLength),
            Argon2Error::OutputTooShort => field("hash", DigestTooShort),
            Argon2Error::OutputTooLong => field("hash", DigestTooLong),
            // Inputs we never pass (associated data, key id, secret, encoded strings).
            Argon2Error::AdTooLong
            | Argon2Error::KeyIdTooLong
            | Argon2Error::SecretTooLong
            | Argon2Error::AlgorithmInvalid
            | Argon2Error::VersionInvalid
            | Argon2Error::B64Encoding(_) => field("params", ParseErrorKind::UnsupportedVariant),
        }
    }
}

/// libargon2's password limit (`ARGON2_MAX_PWD_LENGTH`, 2³²−1 bytes).
const MAX_PASSWORD_BYTES: usize = u32::MAX as usize;

/// The crate allocates its `m` KiB of blocks (rounded down to a multiple of 4·p) fallibly and
/// reports a failure as `OutOfMemory`, which is mapped here and never read as a mismatch.
fn compute(
    variant: Argon2Variant,
    m: u32,
    t: u32,
    p: u32,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), Argon2Error> {
    let params = Params::new(m, t, p, Some(out.len()))?;
    Argon2::new(variant.algorithm(), Version::V0x13, params).hash_password_into(password, salt, out)
}

/// The memory failure for `m` KiB over `p` lanes, in the bytes the crate asked for.
fn memory_error(variant: Argon2Variant, m: u32, p: u32) -> ResourceError {
    let blocks =
        Params::new(m, 1, p, None).map_or(u64::from(m), |params| params.block_count() as u64);
    ResourceError::Memory {
        scheme: variant.scheme(),
        bytes: blocks.saturating_mul(1024),
    }
}

/// `m=M,t=T,p=P`, exactly, in this order.
fn split_params(text: &[u8]) -> Result<[u32; 3], (&'static str, ParseErrorKind)> {
    let mut parts = text.split(|&c| c == b',');
    let mut out = [0u32; 3];
    for (value, name) in out.iter_mut().zip(["m", "t", "p"]) {
        let part = parts.next().ok_or((name, ParseErrorKind::MissingField))?;
        let digits = part
            .strip_prefix(name.as_bytes())
            .and_then(|r| r.strip_prefix(b"="))
            .ok_or((name, ParseErrorKind::MissingField))?;
        *value = parse_decimal(digits)
            .map_err(|e| (name, e.into_kind(ParseErrorKind::CostOutOfRange)))?;
    }
    match parts.next() {
        Some(_) => Err(("params", ParseErrorKind::TrailingData)),
        None => Ok(out),
    }
}

impl fmt::Display for Argon2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "${}$v={}$m={},t={},p={}${}${}",
            self.variant.id(),
            Self::VERSION,
            self.m,
            self.t,
            self.p,
            std_no_pad_encode(&self.salt),
            std_no_pad_encode(&self.hash)
        )
    }
}

impl fmt::Debug for Argon2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Argon2Hash")
            .field("variant", &self.variant)
            .field("m", &self.m)
            .field("t", &self.t)
            .field("p", &self.p)
            .field("salt", &Redacted)
            .field("hash_len", &self.hash.len())
            .field("hash", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kind(s: &str) -> ParseErrorKind {
        Argon2Hash::parse(Argon2Variant::Argon2id, s.as_bytes())
            .unwrap_err()
            .kind()
    }

    #[test]
    fn cli_example_round_trips() {
        // echo -n password | argon2 somesalt -id -t 2 -m 12 -p 1 -e
        let body = "v=19$m=4096,t=2,p=1$c29tZXNhbHQ$jacJHQ+PoBstB/ZoVNk8re3s1yzVABZujceGiwVNJnk";
        let h = Argon2Hash::parse(Argon2Variant::Argon2id, body.as_bytes()).unwrap();
        assert!(h.matches(b"password").unwrap() && !h.matches(b"passwore").unwrap());
        assert_eq!(h.to_string(), format!("$argon2id${body}"));
    }

    #[test]
    fn strict_fields() {
        use ParseErrorKind::*;
        let tail = "$c29tZXNhbHQ$jacJHQ+PoBstB/ZoVNk8re3s1yzVABZujceGiwVNJnk";
        assert_eq!(
            kind(&format!("v=16$m=4096,t=2,p=1{tail}")),
            UnsupportedVariant
        );
        assert_eq!(kind(&format!("m=4096,t=2,p=1{tail}")), MissingField);
        assert_eq!(kind(&format!("v=19$t=2,m=4096,p=1{tail}")), MissingField);
        assert_eq!(
            kind(&format!("v=19$m=04096,t=2,p=1{tail}")),
            NonCanonicalNumber
        );
        assert_eq!(
            kind(&format!("v=19$m=4096,t=2,p=1,x=1{tail}")),
            TrailingData
        );
        assert_eq!(kind(&format!("v=19$m=4096,t=0,p=1{tail}")), CostOutOfRange);
        assert_eq!(kind(&format!("v=19$m=7,t=1,p=1{tail}")), CostOutOfRange);
        assert_eq!(
            kind(&format!("v=19$m=4096,t=2,p=1{tail}=")),
            InvalidCharacter
        );
        assert_eq!(
            kind("v=19$m=4096,t=2,p=1$c29tZXNhbA$jacJHQ+PoBstB/ZoVNk8re3s1yzVABZujceGiwVNJnk"),
            InvalidLength
        );
    }
}
