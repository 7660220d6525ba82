//! yescrypt in libxcrypt's `$y$` form: `$y$PARAMS$SALT$HASH`, the default of `/etc/shadow` on
//! current Debian, Ubuntu and Fedora.
//!
//! Our own grammar, following libxcrypt's `yescrypt_r` and `yescrypt_kdf` (the only writer of
//! `$y$` strings), and refusing what they refuse:
//!
//! - PARAMS are yescrypt's variable-width numbers in the crypt alphabet: the flavor, log₂ N,
//!   r, then optionally a "have" mask and p, t, g, NROM. Only the three flavors libxcrypt
//!   computes are accepted: classic scrypt (0), WORM (1) and the RW default (47, `j`); others
//!   are [`UnsupportedVariant`], as are `g` (hash upgrades, removed from libxcrypt) and `NROM`
//!   (needs a ROM `crypt()` never has). N must lie in 4..=2³¹, r·p below 2³⁰, N/p above 3 in
//!   RW mode, and classic scrypt takes no `t` ([`CostOutOfRange`]). "have" bits libxcrypt
//!   ignores (above 8) are [`NonCanonical`]: no tool writes them.
//! - SALT is yescrypt's little-endian base64 of 0–64 bytes, HASH of exactly 32 bytes
//!   (43 characters); unused high bits must be zero, since libxcrypt rebuilds the string and
//!   compares it whole.
//!
//! Memory is 128·N·r bytes; the policy caps it, along with `t` and `p`, before any hashing.
//!
//! [`UnsupportedVariant`]: crate::ParseErrorKind::UnsupportedVariant
//! [`CostOutOfRange`]: crate::ParseErrorKind::CostOutOfRange
//! [`NonCanonical`]: crate::ParseErrorKind::NonCanonical

#![forbid(unsafe_code)]

use core::fmt;

use zeroize::Zeroizing;

use super::yescrypt_engine::{EngineError, Params, yescrypt};
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{CRYPT_ALPHABET, crypt64_value, yescrypt_decode, yescrypt_encode};
use crate::error::{ParseError, ParseErrorKind, ResourceError, VerifyError};

/// A yescrypt mode, as the flavor field of `$y$` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum YescryptFlavor {
    /// Classic scrypt (flavor 0).
    Classic,
    /// Write-once/read-many (flavor 1).
    Worm,
    /// yescrypt's native read-write mode with the standard pwxform settings (flavor 47,
    /// `YESCRYPT_DEFAULTS`): what libxcrypt's `crypt_gensalt` writes.
    Rw,
}

impl YescryptFlavor {
    const fn code(self) -> u32 {
        match self {
            Self::Classic => 0,
            Self::Worm => 1,
            Self::Rw => 47,
        }
    }

    const fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(Self::Classic),
            1 => Some(Self::Worm),
            47 => Some(Self::Rw),
            _ => None,
        }
    }
}

/// A parsed `$y$` hash.
#[derive(Clone, PartialEq, Eq)]
pub struct YescryptHash {
    params: Params,
    salt: Box<[u8]>,
    hash: [u8; Self::HASH_BYTES],
}

/// The optional fields a "have" mask announces.
const HAVE_P: u32 = 1;
const HAVE_T: u32 = 2;
const HAVE_G: u32 = 4;
const HAVE_NROM: u32 = 8;

impl YescryptHash {
    /// Smallest log₂ N (libxcrypt's `yescrypt_kdf_body` refuses N ≤ 3).
    pub const MIN_N_LOG2: u8 = 2;
    /// Largest log₂ N (libxcrypt refuses N > 2³²−1).
    pub const MAX_N_LOG2: u8 = 31;
    /// r·p must stay below this (libxcrypt).
    pub const MAX_R_TIMES_P: u64 = 1 << 30;
    /// Longest salt in bytes (libxcrypt's `yescrypt_r` decodes into 64 bytes).
    pub const MAX_SALT_BYTES: usize = 64;
    /// The hash, in bytes: libxcrypt always writes 32.
    pub const HASH_BYTES: usize = 32;

    pub(crate) fn parse(rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = Scheme::Yescrypt;
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let [params, salt, hash] =
            split_fields::<3>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let mut h = parse_params(params).map_err(|(f, k)| err(f, k))?;
        let mut salt_bytes = Vec::with_capacity(Self::MAX_SALT_BYTES);
        yescrypt_decode(salt, &mut salt_bytes).map_err(|k| err("salt", k))?;
        if salt_bytes.len() > Self::MAX_SALT_BYTES {
            return Err(err("salt", ParseErrorKind::InvalidLength));
        }
        h.salt = salt_bytes.into_boxed_slice();
        match hash.len() {
            0 => return Err(err("hash", ParseErrorKind::MissingField)),
            n if n < 43 => return Err(err("hash", ParseErrorKind::DigestTooShort)),
            n if n > 43 => return Err(err("hash", ParseErrorKind::DigestTooLong)),
            _ => {}
        }
        let mut digest = Vec::with_capacity(Self::HASH_BYTES);
        yescrypt_decode(hash, &mut digest).map_err(|k| err("hash", k))?;
        h.hash.copy_from_slice(&digest);
        Ok(h)
    }

    /// The mode.
    pub const fn flavor(&self) -> YescryptFlavor {
        self.params.flavor
    }

    /// N, the block count (a power of two).
    pub const fn n(&self) -> u64 {
        1 << self.params.n_log2
    }

    /// log₂ N.
    pub const fn n_log2(&self) -> u8 {
        self.params.n_log2
    }

    /// r, the block size in units of 128 bytes.
    pub const fn r(&self) -> u32 {
        self.params.r
    }

    /// p, the parallelism.
    pub const fn p(&self) -> u32 {
        self.params.p
    }

    /// t, the extra time factor (0 in everything `crypt_gensalt` writes).
    pub const fn t(&self) -> u32 {
        self.params.t
    }

    /// The memory the hash needs for its N blocks, in KiB (128·N·r bytes).
    pub const fn memory_kib(&self) -> u64 {
        (self.n() * self.params.r as u64) / 8
    }

    /// The memory the hash needs besides V, in KiB (rounded up): B (128·r·p bytes), XY
    /// (256·r) and, for the RW flavor, three 4 KiB pwxform S-boxes per lane. Small beside V
    /// for what `crypt_gensalt` writes, but the WORM and classic flavors allow p > N, where
    /// B outgrows V (N = 4, r = 2^19, p = 16: V 256 MiB, B 1 GiB).
    pub const fn buffers_kib(&self) -> u64 {
        let r = self.params.r as u64;
        let p = self.params.p as u64;
        let sboxes = match self.params.flavor {
            YescryptFlavor::Rw => 12 * p,
            YescryptFlavor::Classic | YescryptFlavor::Worm => 0,
        };
        // In 128-byte units: B is r·p of them, XY 2·r; eight make a KiB.
        (r * p + 2 * r).div_ceil(8) + sboxes
    }

    /// The salt's length in bytes.
    pub fn salt_len(&self) -> usize {
        self.salt.len()
    }

    /// Recomputes and compares. An error is never a verdict: the memory could not be
    /// allocated ([`VerifyError::ResourceExhausted`]), or (never, after [`parse`](Self::parse))
    /// the engine refused the parameters.
    pub(crate) fn matches(&self, password: &[u8]) -> Result<bool, VerifyError> {
        let mut out = Zeroizing::new([0u8; Self::HASH_BYTES]);
        match yescrypt(password, &self.salt, &self.params, &mut out) {
            Ok(()) => Ok(digests_equal(&out[..], &self.hash)),
            Err(EngineError::OutOfMemory { bytes }) => Err(ResourceError::Memory {
                scheme: Scheme::Yescrypt,
                bytes,
            }
            .into()),
            Err(EngineError::Refused) => Err(ParseError::in_field(
                Scheme::Yescrypt,
                "params",
                ParseErrorKind::CostOutOfRange,
            )
            .into()),
        }
    }
}

/// The PARAMS field, checked against what libxcrypt computes.
fn parse_params(text: &[u8]) -> Result<YescryptHash, (&'static str, ParseErrorKind)> {
    if text.is_empty() {
        return Err(("params", ParseErrorKind::MissingField));
    }
    let mut rest = text;
    let flavor = decode_uint(&mut rest, 0).map_err(|k| ("flavor", k))?;
    let flavor =
        YescryptFlavor::from_code(flavor).ok_or(("flavor", ParseErrorKind::UnsupportedVariant))?;
    let n_log2 = decode_uint(&mut rest, 1).map_err(|k| ("N", k))?;
    let r = decode_uint(&mut rest, 1).map_err(|k| ("r", k))?;
    let (mut p, mut t) = (1, 0);
    if !rest.is_empty() {
        let have = decode_uint(&mut rest, 1).map_err(|k| ("params", k))?;
        if have & !(HAVE_P | HAVE_T | HAVE_G | HAVE_NROM) != 0 {
            return Err(("params", ParseErrorKind::NonCanonical));
        }
        if have & (HAVE_G | HAVE_NROM) != 0 {
            return Err((
                if have & HAVE_G != 0 { "g" } else { "NROM" },
                ParseErrorKind::UnsupportedVariant,
            ));
        }
        if have & HAVE_P != 0 {
            p = decode_uint(&mut rest, 2).map_err(|k| ("p", k))?;
        }
        if have & HAVE_T != 0 {
            t = decode_uint(&mut rest, 1).map_err(|k| ("t", k))?;
        }
        if !rest.is_empty() {
            return Err(("params", ParseErrorKind::TrailingData));
        }
    }
    let n_log2 = match u8::try_from(n_log2) {
        Ok(v @ YescryptHash::MIN_N_LOG2..=YescryptHash::MAX_N_LOG2) => v,
        _ => return Err(("N", ParseErrorKind::CostOutOfRange)),
    };
    if u64::from(r) * u64::from(p) >= YescryptHash::MAX_R_TIMES_P {
        return Err(("r", ParseErrorKind::CostOutOfRange));
    }
    if flavor == YescryptFlavor::Rw && (1u64 << n_log2) / u64::from(p) <= 3 {
        return Err(("p", ParseErrorKind::CostOutOfRange));
    }
    if flavor == YescryptFlavor::Classic && t != 0 {
        return Err(("t", ParseErrorKind::CostOutOfRange));
    }
    Ok(YescryptHash {
        params: Params {
            flavor,
            n_log2,
            r,
            p,
            t,
        },
        salt: Box::default(),
        hash: [0; YescryptHash::HASH_BYTES],
    })
}

/// One of yescrypt's variable-width numbers (`decode64_uint32`): the first character both
/// starts the value and says how many characters follow. Values 0–47 take one character,
/// and each longer width covers the next range; every number has exactly one spelling.
fn decode_uint(text: &mut &[u8], min: u32) -> Result<u32, ParseErrorKind> {
    let mut chars = text.iter().map(|&c| {
        crypt64_value(c)
            .map(u32::from)
            .ok_or(ParseErrorKind::InvalidCharacter)
    });
    let first = chars.next().ok_or(ParseErrorKind::InvalidLength)??;
    let (mut start, mut end, mut extra, mut bits) = (0u32, 47u32, 0usize, 0u32);
    let mut value = u64::from(min);
    while first > end {
        value += u64::from(end + 1 - start) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        extra += 1;
        bits += 6;
    }
    value += u64::from(first - start) << bits;
    for _ in 0..extra {
        let c = chars.next().ok_or(ParseErrorKind::InvalidLength)??;
        bits -= 6;
        value += u64::from(c) << bits;
    }
    *text = &text[1 + extra..];
    u32::try_from(value).map_err(|_| ParseErrorKind::CostOutOfRange)
}

/// Writes `value` (at least `min`) as [`decode_uint`] reads it.
fn encode_uint(f: &mut fmt::Formatter<'_>, value: u32, min: u32) -> fmt::Result {
    let mut v = value - min;
    let (mut start, mut end, mut bits) = (0u32, 47u32, 0u32);
    loop {
        let count = (end + 1 - start) << bits;
        if v < count {
            break;
        }
        v -= count;
        start = end + 1;
        end = start + (62 - end) / 2;
        bits += 6;
    }
    let mut out = [start + (v >> bits)]
        .into_iter()
        .chain((0..bits / 6).rev().map(|i| (v >> (6 * i)) & 0x3f));
    out.try_for_each(|s| fmt::Write::write_char(f, char::from(CRYPT_ALPHABET[s as usize])))
}

impl fmt::Display for YescryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$y$")?;
        let Params {
            flavor,
            n_log2,
            r,
            p,
            t,
        } = self.params;
        encode_uint(f, flavor.code(), 0)?;
        encode_uint(f, u32::from(n_log2), 1)?;
        encode_uint(f, r, 1)?;
        let have = (u32::from(p != 1) * HAVE_P) | (u32::from(t != 0) * HAVE_T);
        if have != 0 {
            encode_uint(f, have, 1)?;
        }
        if p != 1 {
            encode_uint(f, p, 2)?;
        }
        if t != 0 {
            encode_uint(f, t, 1)?;
        }
        f.write_str("$")?;
        yescrypt_encode(&self.salt, f)?;
        f.write_str("$")?;
        yescrypt_encode(&self.hash, f)
    }
}

impl fmt::Debug for YescryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YescryptHash")
            .field("flavor", &self.params.flavor)
            .field("n_log2", &self.params.n_log2)
            .field("r", &self.params.r)
            .field("p", &self.params.p)
            .field("t", &self.params.t)
            .field("salt", &Redacted)
            .field("hash", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(s: &str) -> Result<YescryptHash, ParseError> {
        YescryptHash::parse(s.strip_prefix("$y$").unwrap().as_bytes())
    }

    fn kind(s: &str) -> (Option<&'static str>, ParseErrorKind) {
        let e = parse(s).unwrap_err();
        (e.field(), e.kind())
    }

    // python3 -c 'import crypt; print(crypt.crypt("password", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1"))'
    // (libxcrypt 4.4.33)
    const LIBXCRYPT: &str =
        "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$tnSYvahCwPBHKZUspmcxMfb0.WiB9W.zEaKlOBL35rC";

    #[test]
    fn libxcrypt_default_round_trips_and_verifies() {
        let h = parse(LIBXCRYPT).unwrap();
        assert_eq!(h.to_string(), LIBXCRYPT);
        assert_eq!(
            (h.flavor(), h.n(), h.r(), h.p(), h.t()),
            (YescryptFlavor::Rw, 4096, 32, 1, 0)
        );
        assert_eq!(h.memory_kib(), 16 * 1024);
        assert_eq!(h.salt_len(), 16);
        assert!(h.matches(b"password").unwrap());
        assert!(!h.matches(b"passwore").unwrap());
        let debug = format!("{h:?}");
        assert!(
            !debug.contains("F5Jx") && !debug.contains("tnSY"),
            "{debug}"
        );
    }

    /// The memory cap bounds B too: a WORM hash with p > N keeps V at the cap and needs
    /// 4 times as much for B (and half as much again for XY).
    #[test]
    fn buffers_beside_v_are_capped_too() {
        let mut h = parse(LIBXCRYPT).unwrap();
        (
            h.params.flavor,
            h.params.n_log2,
            h.params.r,
            h.params.p,
            h.params.t,
        ) = (YescryptFlavor::Worm, 2, 1 << 19, 16, 0);
        let stored = h.to_string();
        assert_eq!(parse(&stored).unwrap(), h);
        assert_eq!(h.memory_kib(), 256 * 1024);
        assert_eq!(h.buffers_kib(), (1024 + 128) * 1024);
        let e = crate::Policy::default()
            .check_hash(&crate::StoredHash::Yescrypt(h))
            .unwrap_err();
        assert_eq!(e.name(), "YescryptCostTooHigh");
        assert!(e.to_string().contains("buffers_kib"), "{e}");
        // libxcrypt's own settings keep B small: its vector passes.
        let ours = parse(LIBXCRYPT).unwrap();
        assert!(ours.buffers_kib() < 64);
        assert!(
            crate::Policy::default()
                .check_hash(&crate::StoredHash::Yescrypt(ours))
                .is_ok()
        );
    }

    /// A policy that admits any memory, and a hash whose V (2^62 bytes) no allocator can
    /// give: no verdict, for the right password or a wrong one, one by one or in a batch.
    #[test]
    fn memory_the_allocator_refuses_is_no_verdict() {
        let mut h = parse(LIBXCRYPT).unwrap();
        (h.params.n_log2, h.params.r) = (31, 1 << 24);
        let stored = h.to_string();
        assert_eq!(parse(&stored).unwrap(), h);
        assert_eq!(h.memory_kib(), 1 << 52);
        let default = crate::Policy::default();
        assert_eq!(
            default.verify(&stored, b"password").unwrap_err().name(),
            "YescryptCostTooHigh"
        );
        let policy = crate::Policy {
            max_yescrypt_memory_kib: u64::MAX,
            ..default
        };
        // V, B and XY for r = 2^24, and RW's three S-boxes.
        let bytes = (128 << 24 << 31) + (128 << 24) + (256 << 24) + 3 * 4096;
        let e = VerifyError::ResourceExhausted(ResourceError::Memory {
            scheme: Scheme::Yescrypt,
            bytes,
        });
        assert_eq!(policy.verify(&stored, b"password"), Err(e));
        assert_eq!(e.name(), "ResourceExhausted");
        assert_eq!(
            e.to_string(),
            format!(
                "out of resources: yescrypt needs {bytes} bytes of working memory, which could not be allocated"
            )
        );
        let pairs: [(&str, &[u8]); 2] = [(&stored, b"password"), (&stored, b"passwore")];
        assert_eq!(policy.verify_many(&pairs), [Err(e), Err(e)]);
        assert_eq!(policy.verify_and_update(&stored, b"password"), Err(e));
    }

    #[test]
    fn numbers_round_trip_through_every_width() {
        for min in [0, 1, 2] {
            for value in [
                0u32, 1, 47, 48, 559, 560, 16943, 16944, 541_231, 541_232, 17_318_447,
            ]
            .into_iter()
            .chain([17_318_448, 1_091_060_271])
            .filter(|&v| v >= min)
            {
                struct Enc(u32, u32);
                impl fmt::Display for Enc {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        encode_uint(f, self.0, self.1)
                    }
                }
                let text = Enc(value, min).to_string();
                let mut rest = text.as_bytes();
                assert_eq!(decode_uint(&mut rest, min), Ok(value), "{value} {text}");
                assert!(rest.is_empty());
            }
        }
    }

    #[test]
    fn params_are_strict() {
        use ParseErrorKind::*;
        let tail = "$F5Jx5fExrKuPp53xLKQ..1$tnSYvahCwPBHKZUspmcxMfb0.WiB9W.zEaKlOBL35rC";
        let k = |params: &str| kind(&format!("$y${params}{tail}"));
        assert_eq!(k(""), (Some("params"), MissingField));
        assert_eq!(k("i9T"), (Some("flavor"), UnsupportedVariant)); // flavor 46
        assert_eq!(k("j"), (Some("N"), InvalidLength));
        assert_eq!(k("j9"), (Some("r"), InvalidLength));
        assert_eq!(k("j.T"), (Some("N"), CostOutOfRange)); // N = 2
        assert_eq!(k("jjT"), (Some("N"), CostOutOfRange)); // N = 2^48
        assert_eq!(k("j9T1."), (Some("g"), UnsupportedVariant)); // have = 4
        assert_eq!(k("j9T5."), (Some("NROM"), UnsupportedVariant)); // have = 8
        assert_eq!(k("j9TD"), (Some("params"), NonCanonical)); // have = 16
        assert_eq!(k("j9T..."), (Some("params"), TrailingData)); // have = 1, p = 2, one more
        assert_eq!(k(".9T/."), (Some("t"), CostOutOfRange)); // classic with t = 1
        assert_eq!(k("j/T.."), (Some("p"), CostOutOfRange)); // RW, N = 4, p = 2
        assert_eq!(k("j9T!"), (Some("params"), InvalidCharacter));
    }

    #[test]
    fn salt_and_hash_are_strict() {
        use ParseErrorKind::*;
        let hash = "tnSYvahCwPBHKZUspmcxMfb0.WiB9W.zEaKlOBL35rC";
        assert_eq!(kind(&format!("$y$j9T$F$${hash}")).1, TrailingData);
        assert_eq!(
            kind(&format!("$y$j9T$F${hash}")),
            (Some("salt"), InvalidLength)
        );
        assert_eq!(
            kind(&format!("$y$j9T$zz${hash}")),
            (Some("salt"), NonCanonical)
        );
        assert_eq!(
            kind(&format!("$y$j9T$F_${hash}")),
            (Some("salt"), InvalidCharacter)
        );
        let long = "F".repeat(88);
        assert_eq!(
            kind(&format!("$y$j9T${long}${hash}")),
            (Some("salt"), InvalidLength)
        );
        assert!(parse(&format!("$y$j9T$${hash}")).is_ok());
        assert!(parse(&format!("$y$j9T${}F.${hash}", "F".repeat(84))).is_ok());
        let salt = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$";
        assert_eq!(kind(salt), (Some("hash"), MissingField));
        assert_eq!(
            kind(&format!("{salt}{}", &hash[..42])),
            (Some("hash"), DigestTooShort)
        );
        assert_eq!(
            kind(&format!("{salt}{hash}.")),
            (Some("hash"), DigestTooLong)
        );
        assert_eq!(
            kind(&format!("{salt}{}F", &hash[..42])),
            (Some("hash"), NonCanonical)
        );
        assert_eq!(kind("$y$j9T$F5Jx"), (None, MissingField));
    }
}
