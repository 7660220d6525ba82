//! Property tests for `StoredHash::parse`, its `Display` round trip and `Policy::verify`.
//!
//! The generators build valid stored strings of every scheme from their components with this
//! file's own encoders (crypt base64, bcrypt base64, standard base64), independently of the
//! crate's encoders, so a disagreement between the two shows up as a failed parse or a failed
//! round trip.
#![allow(clippy::unwrap_used)]

use passgate::{ParseErrorKind, Policy, PolicyError, Scheme, StoredHash, VerifyError};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Encoders, written from the formats' descriptions.
// ---------------------------------------------------------------------------------------------

const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BCRYPT_ALPHABET: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const STD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// crypt(3) base64: each group of 3 bytes `a, b, c` is the word `a<<16 | b<<8 | c`, written
/// least significant 6 bits first; a short last group of `k` bytes is the `8k`-bit word of
/// its bytes, written in `ceil(8k/6)` characters.
fn crypt_b64(bytes: &[u8]) -> String {
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
fn bcrypt_b64(bytes: &[u8]) -> String {
    big_endian_b64(bytes, BCRYPT_ALPHABET)
}

/// DES crypt's digest encoding: bcrypt's bit order in the crypt alphabet.
fn des_b64(bytes: &[u8]) -> String {
    big_endian_b64(bytes, CRYPT_ALPHABET)
}

fn big_endian_b64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
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
fn std_b64(bytes: &[u8], trailing: u8) -> String {
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

#[test]
fn own_encoders_match_known_values() {
    // RFC 4648 test vectors.
    assert_eq!(std_b64(b"", 0), "");
    assert_eq!(std_b64(b"f", 0), "Zg==");
    assert_eq!(std_b64(b"fo", 0), "Zm8=");
    assert_eq!(std_b64(b"foo", 0), "Zm9v");
    assert_eq!(std_b64(b"foobar", 0), "Zm9vYmFy");
    assert_eq!(std_b64(b"f", 1), "Zh==");
    assert_eq!(std_b64(b"fo", 3), "Zm/=");
    // crypt base64 is little-endian in 6-bit steps: 0x000001 → "/...", one byte → 2 chars.
    assert_eq!(crypt_b64(&[0, 0, 1]), "/...");
    assert_eq!(crypt_b64(&[0xff]), "z1");
    assert_eq!(crypt_b64(&[0; 16]).len(), 22);
    assert_eq!(crypt_b64(&[0; 32]).len(), 43);
    assert_eq!(crypt_b64(&[0; 64]).len(), 86);
    // bcrypt base64 is big-endian: 0x04 → "/." (000001 00|0000).
    assert_eq!(bcrypt_b64(&[0x04]), "/.");
    assert_eq!(bcrypt_b64(&[0; 16]).len(), 22);
    assert_eq!(bcrypt_b64(&[0; 23]).len(), 31);
    // yescrypt: little-endian bytes, 0x01 → "/."; crypt_gensalt's default parameters
    // (flavor 47, log2 N = 12, r = 32) are "j9T"; p = 2 after a "have" of 1 is "..".
    assert_eq!(yescrypt_b64(&[1]), "/.");
    assert_eq!(yescrypt_b64(&[0, 0, 1]), "..E.");
    assert_eq!(yescrypt_b64(&[0, 0, 0x40]), "...E");
    assert_eq!(
        yescrypt_uint(47, 0) + &yescrypt_uint(12, 1) + &yescrypt_uint(32, 1),
        "j9T"
    );
    assert_eq!(yescrypt_uint(1, 1) + &yescrypt_uint(2, 2), "..");
    assert_eq!(yescrypt_uint(48, 0), "k.");
    // DES crypt: 64 bits in 11 characters, the last with 2 zero bits; crypt("password",
    // "ab") in libxcrypt is "abJnggxhB/yWI".
    assert_eq!(des_b64(&[0; 8]), "...........");
    assert_eq!(des_b64(&[0xff; 8]), "zzzzzzzzzzw");
    let des = StoredHash::parse("abJnggxhB/yWI").unwrap();
    assert_eq!(des.to_string(), "abJnggxhB/yWI");
    // A real bcrypt hash (SFTPGo's documented example) round-trips through the crate.
    let doc = "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
    assert_eq!(StoredHash::parse(doc).unwrap().to_string(), doc);
}

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

/// Bytes a crypt-family salt may hold: printable ASCII except `$ : ; * ! \` and space.
fn crypt_salt_chars() -> Vec<char> {
    (0x21u8..=0x7e)
        .filter(|c| !b"$:;*!\\".contains(c))
        .map(char::from)
        .collect()
}

fn crypt_salt(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(crypt_salt_chars()), 0..=max)
        .prop_map(|v| v.into_iter().collect())
}

/// A record as generated: its text and the scheme it must report.
#[derive(Clone, Debug)]
struct Generated {
    text: String,
    scheme: Scheme,
    /// Work that `Policy` measures: bcrypt cost, sha-crypt rounds or PBKDF2 iterations ×
    /// blocks; `None` for md5crypt and apr1.
    cost: Option<u64>,
}

fn bcrypt_record() -> impl Strategy<Value = Generated> {
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

fn md5crypt_record() -> impl Strategy<Value = Generated> {
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

fn shacrypt_record() -> impl Strategy<Value = Generated> {
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
fn raw_pbkdf2_salt() -> impl Strategy<Value = String> {
    let chars: Vec<char> = (0x20u8..=0x7e)
        .filter(|&c| c != b'$')
        .map(char::from)
        .collect();
    prop::collection::vec(prop::sample::select(chars), 1..=64).prop_map(|v| v.into_iter().collect())
}

fn pbkdf2_record() -> impl Strategy<Value = Generated> {
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
fn digest_record() -> impl Strategy<Value = Generated> {
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
fn ab64(bytes: &[u8]) -> String {
    std_b64(bytes, 0).trim_end_matches('=').replace('+', ".")
}

fn passlib_pbkdf2_record() -> impl Strategy<Value = Generated> {
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
fn yescrypt_uint(value: u32, min: u32) -> String {
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
fn yescrypt_b64(bytes: &[u8]) -> String {
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
fn yescrypt_record() -> impl Strategy<Value = Generated> {
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
fn argon2_record() -> impl Strategy<Value = Generated> {
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
fn descrypt_record() -> impl Strategy<Value = Generated> {
    let salt_char = prop::sample::select(CRYPT_ALPHABET.to_vec()).prop_map(char::from);
    (salt_char.clone(), salt_char, any::<[u8; 8]>()).prop_map(|(a, b, digest)| Generated {
        text: format!("{a}{b}{}", des_b64(&digest)),
        scheme: Scheme::DesCrypt,
        cost: None,
    })
}

fn any_record() -> impl Strategy<Value = Generated> {
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

/// The characters of the stored formats, and the separators and markers around them.
const PARSE_ALPHABET: &str =
    "$./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=+,!*:;\\ -{}";

/// Strings made of the formats' characters and tokens, to reach the parsers' deeper paths.
fn formatish_string() -> impl Strategy<Value = String> {
    let chars: Vec<char> = PARSE_ALPHABET.chars().collect();
    let token = prop::sample::select(vec![
        "$",
        "$2a$",
        "$2b$",
        "$2y$",
        "$2x$",
        "$1$",
        "$apr1$",
        "$5$",
        "$6$",
        "rounds=",
        "rounds=5000$",
        "$pbkdf2-sha1$",
        "$pbkdf2-sha256$",
        "$pbkdf2-sha512$",
        "$pbkdf2-b64salt-sha256$",
        "$pbkdf2$",
        "{MD5}",
        "{SHA256}",
        "{SHA512}",
        "{SHA}",
        "{SSHA}",
        "$argon2id$v=19$m=",
        "$argon2i$v=19$m=",
        ",t=",
        ",p=",
        "$y$",
        "$y$j9T$",
        "$y$j9T..$",
        "$y$/9T/.$",
        "$y$.9T$",
        "04",
        "05",
        "31",
        "32",
        "1000",
        "999999999",
        "4294967295",
        "4294967296",
        "0",
        "=",
        "==",
        "b64salt",
        "sha256",
        "+",
    ])
    .prop_map(str::to_owned);
    let single = prop::sample::select(chars.clone()).prop_map(String::from);
    let run = prop::collection::vec(prop::sample::select(chars), 0..100)
        .prop_map(|v| v.into_iter().collect::<String>());
    prop::collection::vec(prop_oneof![4 => token, 4 => single, 1 => run], 0..24)
        .prop_map(|parts| parts.concat())
}

/// Asserts the parse contract for any input: no panic (the harness reports one), and an
/// accepted string displays back byte for byte and re-parses to the same record.
fn check_round_trip(s: &str) -> Result<(), TestCaseError> {
    if let Ok(record) = StoredHash::parse(s) {
        let shown = record.to_string();
        prop_assert_eq!(&shown, s);
        prop_assert_eq!(StoredHash::parse(&shown), Ok(record));
    }
    Ok(())
}

/// A policy cheap enough to verify with in a property test.
fn tiny_policy() -> Policy {
    let mut p = Policy::default();
    p.max_bcrypt_cost = 4;
    p.max_shacrypt_rounds = 1100;
    p.max_pbkdf2_work = 1000;
    p.max_yescrypt_memory_kib = 64;
    // Only the memory decides for the generated Argon2 records (t ≤ 3, p ≤ 4).
    p.max_argon2_memory_kib = 64;
    p.max_argon2_time = 3;
    p.max_argon2_lanes = 4;
    p.max_password_len = 64;
    p
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(Index, char),
    Insert(Index, char),
    Delete(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chars: Vec<char> = PARSE_ALPHABET
        .chars()
        .chain([
            '"',
            '#',
            '%',
            '&',
            '\'',
            '\t',
            '\n',
            '\0',
            '\u{7f}',
            '\u{e9}',
            '\u{10ffff}',
        ])
        .collect();
    let ch = prop_oneof![
        4 => prop::sample::select(chars),
        1 => any::<char>(),
        1 => (0x20u8..=0x7e).prop_map(char::from),
    ];
    prop_oneof![
        3 => (any::<Index>(), ch.clone()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        1 => (any::<Index>(), ch).prop_map(|(i, c)| Mutation::Insert(i, c)),
        1 => any::<Index>().prop_map(Mutation::Delete),
    ]
}

/// Applies a mutation to an ASCII string (so every byte index is a char boundary).
fn mutate(s: &str, m: &Mutation) -> String {
    assert!(s.is_ascii());
    let mut out = s.to_owned();
    match *m {
        Mutation::Replace(i, c) => {
            let i = i.index(s.len());
            out.replace_range(i..=i, c.encode_utf8(&mut [0; 4]));
        }
        Mutation::Insert(i, c) => out.insert(i.index(s.len() + 1), c),
        Mutation::Delete(i) => {
            out.remove(i.index(s.len()));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_unicode(s in any::<String>()) {
        check_round_trip(&s)?;
    }

    #[test]
    fn parse_never_panics_on_printable_ascii(s in "[ -~]{0,200}") {
        check_round_trip(&s)?;
    }

    #[test]
    fn parse_never_panics_on_format_alphabet(s in formatish_string()) {
        check_round_trip(&s)?;
    }

    #[test]
    fn parse_never_panics_on_scheme_prefixed_noise(
        prefix in prop::sample::select(vec![
            "$2a$05$", "$2b$31$", "$1$", "$apr1$", "$5$", "$6$rounds=1000$", "$5$rounds=",
            "$pbkdf2-sha1$1$", "$pbkdf2-sha256$150000$salt$", "$pbkdf2-b64salt-sha256$1$",
            "$y$", "$y$j9T$", "$y$j/.$", "$y$.1.$", "$argon2id$v=19$m=8,t=1,p=1$",
        ]),
        tail in "[$./0-9A-Za-z=+]{0,360}",
    ) {
        check_round_trip(&format!("{prefix}{tail}"))?;
    }

    #[test]
    fn generated_records_parse_and_round_trip(g in any_record()) {
        let record = StoredHash::parse(&g.text);
        prop_assert!(record.is_ok(), "{:?} refused: {:?}", g.text, record);
        let record = record.unwrap();
        prop_assert_eq!(record.scheme(), g.scheme);
        prop_assert_eq!(&record.to_string(), &g.text);
        prop_assert_eq!(StoredHash::parse(&record.to_string()), Ok(record.clone()));
        // Debug never shows the text of the salt or digest (only the scheme's parameters).
        let dbg = format!("{record:?}");
        prop_assert!(dbg.contains("<redacted>"), "{}", dbg);
    }

    #[test]
    fn des_crypt_pad_bits_are_non_canonical(g in descrypt_record(), pad in 1usize..=3) {
        let mut text = g.text.into_bytes();
        let last = CRYPT_ALPHABET.iter().position(|&c| c == text[12]).unwrap();
        text[12] = CRYPT_ALPHABET[last | pad];
        let e = StoredHash::parse(core::str::from_utf8(&text).unwrap()).unwrap_err();
        prop_assert_eq!(
            (e.kind(), e.scheme()),
            (ParseErrorKind::NonCanonical, Some(Scheme::DesCrypt))
        );
    }

    #[test]
    fn single_character_mutations_fail_or_round_trip(g in any_record(), m in mutation()) {
        let mutated = mutate(&g.text, &m);
        check_round_trip(&mutated)?;
        // A changed string is never the same record as the original.
        let changed = Some(&mutated).filter(|m| **m != g.text);
        if let Some(record) = changed.and_then(|m| StoredHash::parse(m).ok()) {
            prop_assert_ne!(Ok(record), StoredHash::parse(&g.text));
        }
    }
}

proptest! {
    // Each case hashes once, at the tiny policy's limits (about a millisecond at most).
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn verify_under_tiny_limits_refuses_or_mismatches(
        g in any_record(),
        password in prop::collection::vec(1u8..=255, 1..=64),
    ) {
        let policy = tiny_policy();
        let got = policy.verify(&g.text, &password);
        let limit = match g.scheme {
            Scheme::Bcrypt => Some(u64::from(policy.max_bcrypt_cost)),
            Scheme::Sha256Crypt | Scheme::Sha512Crypt => Some(u64::from(policy.max_shacrypt_rounds)),
            Scheme::Md5Crypt
            | Scheme::Apr1
            | Scheme::SftpgoMd5
            | Scheme::SftpgoSha256
            | Scheme::SftpgoSha512
            | Scheme::HtpasswdSha1
            | Scheme::DesCrypt => None,
            Scheme::Yescrypt => Some(policy.max_yescrypt_memory_kib),
            Scheme::Argon2id | Scheme::Argon2i => Some(u64::from(policy.max_argon2_memory_kib)),
            _ => Some(policy.max_pbkdf2_work),
        };
        let over = matches!((g.cost, limit), (Some(c), Some(l)) if c > l);
        if over {
            let policy_refusal = matches!(
                got,
                Err(VerifyError::Policy(
                    PolicyError::CostTooHigh { .. }
                        | PolicyError::RoundsTooHigh { .. }
                        | PolicyError::WorkTooHigh { .. }
                        | PolicyError::YescryptCostTooHigh { .. }
                        | PolicyError::Argon2CostTooHigh { .. }
                ))
            );
            prop_assert!(policy_refusal, "{:?}: {:?}", g.text, got);
        } else {
            // A random digest is never the hash of a random password.
            prop_assert_eq!(got, Err(VerifyError::Mismatch), "{:?}", g.text);
        }
    }

    #[test]
    fn verify_never_panics_on_mutated_records(
        g in any_record(),
        m in mutation(),
        password in prop::collection::vec(any::<u8>(), 0..=80),
    ) {
        let mutated = mutate(&g.text, &m);
        let got = tiny_policy().verify(&mutated, &password);
        prop_assert!(got.is_err(), "{:?} verified: {:?}", mutated, got);
        if let Err(VerifyError::Parse(e)) = got {
            prop_assert!(StoredHash::parse(&mutated).is_err());
            prop_assert_ne!(e.kind(), ParseErrorKind::Disabled);
        }
    }

    #[test]
    fn strict_policy_refuses_legacy_records(
        g in prop_oneof![md5crypt_record(), descrypt_record()],
        password in "[a-z]{1,16}",
    ) {
        let mut policy = Policy::strict();
        policy.max_password_len = 64;
        let got = policy.verify(&g.text, password.as_bytes());
        prop_assert_eq!(got.map_err(|e| e.name()), Err("LegacyScheme"));
    }
}
