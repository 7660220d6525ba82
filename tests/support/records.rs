//! Valid stored strings of every scheme, built from their components with encoders written
//! from the formats' descriptions (crypt, bcrypt, DES, yescrypt and standard base64),
//! independently of the crate's own encoders: the property tests' generators.
#![allow(unreachable_pub, clippy::unwrap_used)]

use passgate::Scheme;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Encoders, written from the formats' descriptions.
// ---------------------------------------------------------------------------------------------

pub const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const BCRYPT_ALPHABET: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const STD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// crypt(3) base64: each group of 3 bytes `a, b, c` is the word `a<<16 | b<<8 | c`, written
/// least significant 6 bits first; a short last group of `k` bytes is the `8k`-bit word of
/// its bytes, written in `ceil(8k/6)` characters.
pub fn crypt_b64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let word = group.iter().fold(0u32, |w, &b| (w << 8) | u32::from(b));
        let chars = (8 * group.len()).div_ceil(6);
        for i in 0..chars {
            out.push(char::from(
                CRYPT_ALPHABET[((word >> (6 * i)) & 0x3f) as usize],
            ));
        }
    }
    out
}

/// bcrypt base64: a plain big-endian bit stream in 6-bit characters, the last one padded
/// with zero bits, no `=`.
pub fn bcrypt_b64(bytes: &[u8]) -> String {
    big_endian_b64(bytes, BCRYPT_ALPHABET)
}

/// DES crypt's digest encoding: bcrypt's bit order in the crypt alphabet.
pub fn des_b64(bytes: &[u8]) -> String {
    big_endian_b64(bytes, CRYPT_ALPHABET)
}

pub fn big_endian_b64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    let total_bits = bytes.len() * 8;
    let bit = |i: usize| -> u32 {
        if i < total_bits {
            u32::from((bytes[i / 8] >> (7 - i % 8)) & 1)
        } else {
            0
        }
    };
    let mut pos = 0;
    while pos < total_bits {
        let v = (0..6).fold(0u32, |v, j| (v << 1) | bit(pos + j));
        out.push(char::from(alphabet[v as usize]));
        pos += 6;
    }
    out
}

/// Standard padded base64. `trailing` is OR-ed into the unused low bits of the last data
/// character (Go's decoder tolerates them; 0 gives the canonical encoding).
pub fn std_b64(bytes: &[u8], trailing: u8) -> String {
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let mut word = 0u32;
        for (i, &b) in group.iter().enumerate() {
            word |= u32::from(b) << (16 - 8 * i);
        }
        let mut sextets = [
            (word >> 18) & 0x3f,
            (word >> 12) & 0x3f,
            (word >> 6) & 0x3f,
            word & 0x3f,
        ];
        match group.len() {
            1 => sextets[1] |= u32::from(trailing & 0x0f),
            2 => sextets[2] |= u32::from(trailing & 0x03),
            _ => {}
        }
        for (i, &s) in sextets.iter().enumerate() {
            if i <= group.len() {
                out.push(char::from(STD_ALPHABET[s as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

/// Bytes a crypt-family salt may hold: printable ASCII except `$ : ; * ! \` and space.
pub fn crypt_salt_chars() -> Vec<char> {
    (0x21u8..=0x7e)
        .filter(|c| !b"$:;*!\\".contains(c))
        .map(char::from)
        .collect()
}

pub fn crypt_salt(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(crypt_salt_chars()), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

/// A record as generated: its text and the scheme it must report.
#[derive(Clone, Debug)]
pub struct Generated {
    pub text: String,
    pub scheme: Scheme,
    /// Work that `Policy` measures: bcrypt cost, sha-crypt rounds or PBKDF2 iterations ×
    /// blocks; `None` for md5crypt and apr1.
    pub cost: Option<u64>,
}

pub fn bcrypt_record() -> impl Strategy<Value = Generated> {
    (
        prop::sample::select(vec!["2a", "2b", "2y"]),
        // Bias towards the low costs a tiny policy verifies.
        prop_oneof![4u32..=5, 4u32..=31],
        any::<[u8; 16]>(),
        prop::collection::vec(any::<u8>(), 23),
    )
        .prop_map(|(id, cost, salt, digest)| Generated {
            text: format!(
                "${id}${cost:02}${}{}",
                bcrypt_b64(&salt),
                bcrypt_b64(&digest)
            ),
            scheme: Scheme::Bcrypt,
            cost: Some(u64::from(cost)),
        })
}

pub fn md5crypt_record() -> impl Strategy<Value = Generated> {
    (prop::bool::ANY, crypt_salt(8), any::<[u8; 16]>()).prop_map(|(apr1, salt, digest)| {
        let (magic, scheme) = if apr1 {
            ("$apr1$", Scheme::Apr1)
        } else {
            ("$1$", Scheme::Md5Crypt)
        };
        Generated {
            text: format!("{magic}{salt}${}", crypt_b64(&digest)),
            scheme,
            cost: None,
        }
    })
}

pub fn shacrypt_record() -> impl Strategy<Value = Generated> {
    (
        prop::bool::ANY,
        prop::option::of(prop_oneof![1000u32..=1100, 1000u32..=999_999_999]),
        // A salt starting with `rounds=` would be read as the rounds field (as glibc does).
        crypt_salt(16).prop_filter("salt reads as rounds=", |s| !s.starts_with("rounds=")),
        prop::collection::vec(any::<u8>(), 64),
    )
        .prop_map(|(sha512, rounds, salt, digest)| {
            let (id, len, scheme) = if sha512 {
                ("6", 64, Scheme::Sha512Crypt)
            } else {
                ("5", 32, Scheme::Sha256Crypt)
            };
            let rounds_field = rounds.map(|n| format!("rounds={n}$")).unwrap_or_default();
            Generated {
                text: format!("${id}${rounds_field}{salt}${}", crypt_b64(&digest[..len])),
                scheme,
                cost: Some(u64::from(rounds.unwrap_or(5000))),
            }
        })
}

/// Raw PBKDF2 salts: printable ASCII except `$`, 1 to 64 characters.
pub fn raw_pbkdf2_salt() -> impl Strategy<Value = String> {
    let chars: Vec<char> = (0x20u8..=0x7e)
        .filter(|&c| c != b'$')
        .map(char::from)
        .collect();
    prop::collection::vec(prop::sample::select(chars), 1..=64).prop_map(|v| v.into_iter().collect())
}

pub fn pbkdf2_record() -> impl Strategy<Value = Generated> {
    let variant = prop::sample::select(vec![
        ("pbkdf2-sha1", Scheme::Pbkdf2Sha1, 20usize),
        ("pbkdf2-sha256", Scheme::Pbkdf2Sha256, 32),
        ("pbkdf2-sha512", Scheme::Pbkdf2Sha512, 64),
        ("pbkdf2-b64salt-sha256", Scheme::Pbkdf2B64SaltSha256, 32),
    ]);
    let b64_salt = (prop::collection::vec(any::<u8>(), 1..=64), any::<u8>())
        .prop_map(|(bytes, trailing)| std_b64(&bytes, trailing));
    (
        variant,
        // Bias towards iteration counts a tiny policy verifies.
        prop_oneof![1u32..=64, 1u32..=u32::MAX],
        raw_pbkdf2_salt(),
        b64_salt,
        prop::collection::vec(any::<u8>(), 16..=256),
        // Non-canonical trailing bits in the digest now and then.
        prop_oneof![3 => Just(0u8), 1 => any::<u8>()],
    )
        .prop_map(
            |((id, scheme, block), iterations, raw_salt, b64_salt, digest, trailing)| {
                let salt = if scheme == Scheme::Pbkdf2B64SaltSha256 {
                    b64_salt
                } else {
                    raw_salt
                };
                let blocks = digest.len().div_ceil(block) as u64;
                Generated {
                    text: format!("${id}${iterations}${salt}${}", std_b64(&digest, trailing)),
                    scheme,
                    cost: Some(u64::from(iterations) * blocks),
                }
            },
        )
}

/// `{MD5}`, `{SHA256}`, `{SHA512}` (lower-case hex) and `{SHA}` (canonical padded base64).
pub fn digest_record() -> impl Strategy<Value = Generated> {
    let variant = prop::sample::select(vec![
        ("{MD5}", Scheme::SftpgoMd5, 16usize),
        ("{SHA256}", Scheme::SftpgoSha256, 32),
        ("{SHA512}", Scheme::SftpgoSha512, 64),
        ("{SHA}", Scheme::HtpasswdSha1, 20),
    ]);
    (variant, prop::collection::vec(any::<u8>(), 64)).prop_map(|((prefix, scheme, len), d)| {
        let d = &d[..len];
        let body = if scheme == Scheme::HtpasswdSha1 {
            std_b64(d, 0)
        } else {
            d.iter().map(|b| format!("{b:02x}")).collect()
        };
        Generated {
            text: format!("{prefix}{body}"),
            scheme,
            cost: None,
        }
    })
}

/// passlib's adapted base64: standard, `.` for `+`, no padding.
pub fn ab64(bytes: &[u8]) -> String {
    std_b64(bytes, 0).trim_end_matches('=').replace('+', ".")
}

pub fn passlib_pbkdf2_record() -> impl Strategy<Value = Generated> {
    let variant = prop::sample::select(vec![
        ("pbkdf2", Scheme::PasslibPbkdf2Sha1, 20usize),
        ("pbkdf2-sha256", Scheme::PasslibPbkdf2Sha256, 32),
        ("pbkdf2-sha512", Scheme::PasslibPbkdf2Sha512, 64),
    ]);
    (
        variant,
        prop_oneof![1u32..=64, 1u32..=u32::MAX],
        prop::collection::vec(any::<u8>(), 0..=64),
        prop::collection::vec(any::<u8>(), 64),
    )
        .prop_map(|((id, scheme, len), rounds, salt, checksum)| Generated {
            text: format!("${id}${rounds}${}${}", ab64(&salt), ab64(&checksum[..len])),
            scheme,
            cost: Some(u64::from(rounds)),
        })
}

/// yescrypt's variable-width number: the first character's range says how many follow.
pub fn yescrypt_uint(value: u32, min: u32) -> String {
    let (mut v, mut start, mut end, mut bits) = (value - min, 0u32, 47u32, 0u32);
    while v >= (end + 1 - start) << bits {
        v -= (end + 1 - start) << bits;
        (start, end, bits) = (end + 1, end + 1 + (62 - end) / 2, bits + 6);
    }
    let mut out = vec![CRYPT_ALPHABET[(start + (v >> bits)) as usize]];
    while bits > 0 {
        bits -= 6;
        out.push(CRYPT_ALPHABET[((v >> bits) & 63) as usize]);
    }
    String::from_utf8(out).unwrap()
}

/// yescrypt's base64: groups of 3 bytes as little-endian words, low 6 bits first.
pub fn yescrypt_b64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let word = group
            .iter()
            .rev()
            .fold(0u32, |w, &b| (w << 8) | u32::from(b));
        for i in 0..(group.len() * 8).div_ceil(6) {
            out.push(char::from(
                CRYPT_ALPHABET[((word >> (6 * i)) & 63) as usize],
            ));
        }
    }
    out
}

/// `$y$` with every flavor libxcrypt computes; `cost` is the memory in KiB.
pub fn yescrypt_record() -> impl Strategy<Value = Generated> {
    (
        prop::sample::select(vec![0u32, 1, 47]),
        2u32..=31,
        prop_oneof![1u32..=8, 1u32..=100_000],
        1u32..=4,
        0u32..=3,
        prop::collection::vec(any::<u8>(), 0..=64),
        prop::collection::vec(any::<u8>(), 32),
    )
        .prop_map(|(flavor, n_log2, r, p, t, salt, hash)| {
            let t = if flavor == 0 { 0 } else { t };
            let p = if flavor == 47 && (1u64 << n_log2) / u64::from(p) <= 3 {
                1
            } else {
                p
            };
            let mut params = yescrypt_uint(flavor, 0) + &yescrypt_uint(n_log2, 1);
            params += &yescrypt_uint(r, 1);
            let have = u32::from(p != 1) | u32::from(t != 0) << 1;
            if have != 0 {
                params += &yescrypt_uint(have, 1);
            }
            if p != 1 {
                params += &yescrypt_uint(p, 2);
            }
            if t != 0 {
                params += &yescrypt_uint(t, 1);
            }
            Generated {
                text: format!(
                    "$y${params}${}${}",
                    yescrypt_b64(&salt),
                    yescrypt_b64(&hash)
                ),
                scheme: Scheme::Yescrypt,
                cost: Some((1u64 << n_log2) * u64::from(r) / 8),
            }
        })
}

/// Argon2id and Argon2i PHC strings, `v=19`; `cost` is the memory in KiB.
pub fn argon2_record() -> impl Strategy<Value = Generated> {
    (
        prop::sample::select(vec![
            ("argon2id", Scheme::Argon2id),
            ("argon2i", Scheme::Argon2i),
        ]),
        prop_oneof![8u32..=64, 8u32..=u32::MAX],
        1u32..=3,
        1u32..=4,
        prop::collection::vec(any::<u8>(), 8..=64),
        prop::collection::vec(any::<u8>(), 16..=64),
    )
        .prop_map(|((id, scheme), m, t, p, salt, hash)| {
            let m = m.max(8 * p);
            let b64 = |b: &[u8]| std_b64(b, 0).trim_end_matches('=').to_owned();
            Generated {
                text: format!("${id}$v=19$m={m},t={t},p={p}${}${}", b64(&salt), b64(&hash)),
                scheme,
                cost: Some(u64::from(m)),
            }
        })
}

/// DES crypt: a 2-character salt and the 64-bit digest in 11 characters, no identifier.
pub fn descrypt_record() -> impl Strategy<Value = Generated> {
    let salt_char = prop::sample::select(CRYPT_ALPHABET.to_vec()).prop_map(char::from);
    (salt_char.clone(), salt_char, any::<[u8; 8]>()).prop_map(|(a, b, digest)| Generated {
        text: format!("{a}{b}{}", des_b64(&digest)),
        scheme: Scheme::DesCrypt,
        cost: None,
    })
}

pub fn any_record() -> impl Strategy<Value = Generated> {
    prop_oneof![
        bcrypt_record(),
        md5crypt_record(),
        shacrypt_record(),
        pbkdf2_record(),
        digest_record(),
        passlib_pbkdf2_record(),
        yescrypt_record(),
        descrypt_record(),
        argon2_record(),
    ]
}
