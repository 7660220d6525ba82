//! Property tests for `StoredHash::parse`, its `Display` round trip and `Policy::verify`.
//!
//! The generators (`support/records.rs`) build valid stored strings of every scheme from their
//! components with the tests' own encoders, independently of the crate's encoders, so a
//! disagreement between the two shows up as a failed parse or a failed round trip.
#![allow(clippy::unwrap_used)]

#[path = "support/records.rs"]
mod records;

use passgate::{ParseErrorKind, Policy, PolicyError, Scheme, StoredHash, VerifyError};
use proptest::prelude::*;
use proptest::sample::Index;

use records::*;

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
