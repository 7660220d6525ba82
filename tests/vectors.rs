//! Table-driven tests over `vectors/`: every record made by an independent implementation must
//! verify (or fail) exactly as it says, round-trip byte for byte, and belong to its scheme;
//! and a sweep of truncations and one-character mutations must never panic nor verify.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use common::{Expect, Vector, all_vectors};
use passgate::{HashParams, Policy, Scheme, StoredHash, VerifyError};

fn good(vectors: &[Vector]) -> impl Iterator<Item = &Vector> {
    vectors.iter().filter(|v| v.expect == Expect::Match)
}

#[test]
fn every_vector_verifies_as_recorded() {
    let vectors = all_vectors();
    let policy = Policy::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for v in &vectors {
        let result = policy.verify(&v.stored, &v.password);
        let ok = match (&v.expect, &result) {
            (Expect::Match, Ok(ok)) => ok.scheme.name() == v.scheme && ok.truncated == v.truncated,
            (Expect::Mismatch, Err(VerifyError::Mismatch)) => true,
            (Expect::Error(kind), Err(e)) => e.name() == kind,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: expected {:?}, got {result:?}",
                v.at(),
                v.expect
            ));
        }
        *counts.entry(v.file.clone()).or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(counts.len() >= 10, "vector files: {counts:?}");
    eprintln!("records per file: {counts:?}");
}

#[test]
fn every_accepted_string_displays_back_exactly() {
    for v in all_vectors() {
        if let Ok(hash) = StoredHash::parse(&v.stored) {
            assert_eq!(hash.to_string(), v.stored, "{}", v.at());
            assert_eq!(
                StoredHash::parse(&hash.to_string()).unwrap(),
                hash,
                "{}",
                v.at()
            );
            let debug = format!("{hash:?}");
            // Debug shows parameters, never the salt or digest fields.
            let fields: Vec<&str> = v
                .stored
                .split('$')
                .filter(|f| f.len() >= 8 && !f.starts_with("rounds="))
                .filter(|f| !f.bytes().all(|b| b.is_ascii_digit()))
                .collect();
            for f in fields {
                assert!(!debug.contains(f), "{}: Debug leaks {f:?}: {debug}", v.at());
            }
        }
    }
}

/// `Scheme::identifiers` (what `passgate schemes` lists) names how every good vector of the
/// scheme begins; DES crypt, with no identifier, lists none.
#[test]
fn every_good_vector_starts_with_one_of_its_schemes_identifiers() {
    for v in good(&all_vectors()) {
        let scheme = Scheme::from_name(&v.scheme).unwrap();
        let ids = scheme.identifiers();
        if scheme == Scheme::DesCrypt {
            assert!(ids.is_empty());
        } else {
            assert!(
                ids.iter().any(|id| v.stored.starts_with(id.as_str())),
                "{}: {ids:?}",
                v.at()
            );
        }
    }
}

#[test]
fn every_scheme_has_a_vector_file_and_files_hold_their_scheme() {
    let vectors = all_vectors();
    for scheme in Scheme::ALL {
        let file = format!("{}.txt", scheme.name());
        let n = good(&vectors).filter(|v| v.file == file).count();
        assert!(n >= 5, "{file}: {n} matching vectors");
        let wrong = vectors
            .iter()
            .filter(|v| v.file == file && v.expect == Expect::Mismatch);
        assert!(wrong.count() >= 5, "{file}: needs wrong-password vectors");
    }
    for v in &vectors {
        if v.file != "malformed.txt" {
            assert_eq!(format!("{}.txt", v.scheme), v.file, "{}", v.at());
        }
    }
    let malformed = vectors.iter().filter(|v| v.file == "malformed.txt").count();
    assert!(malformed >= 50, "malformed.txt: {malformed} records");
}

/// The registry ids, as the prefixes that carry them, to re-label hashes with another
/// scheme's id; DES crypt's is the empty prefix.
const PREFIXES: [&str; 20] = [
    "$2a$",
    "$2b$",
    "$2y$",
    "$1$",
    "$apr1$",
    "$5$",
    "$6$",
    "$pbkdf2-sha1$",
    "$pbkdf2-sha256$",
    "$pbkdf2-sha512$",
    "$pbkdf2-b64salt-sha256$",
    "$pbkdf2$",
    "$argon2id$",
    "$argon2i$",
    "$y$",
    "{MD5}",
    "{SHA256}",
    "{SHA512}",
    "{SHA}",
    "",
];

fn is_bcrypt(prefix: &str) -> bool {
    matches!(prefix, "$2a$" | "$2b$" | "$2y$")
}

/// Splits a stored string into its registry prefix and the rest (DES crypt has no prefix).
fn split_prefix(stored: &str) -> (&str, &str) {
    let end = if stored.starts_with('{') {
        stored.find('}').unwrap() + 1
    } else if let Some(rest) = stored.strip_prefix('$') {
        rest.find('$').unwrap() + 2
    } else {
        0
    };
    stored.split_at(end)
}

#[test]
fn no_scheme_accepts_another_schemes_vectors() {
    let vectors = all_vectors();
    let policy = Policy::default();
    let mut relabelled = 0;
    for v in good(&vectors) {
        let (prefix, body) = split_prefix(&v.stored);
        assert!(PREFIXES.contains(&prefix), "{}: {prefix}", v.at());
        for other in PREFIXES.iter().filter(|&&o| o != prefix) {
            if is_bcrypt(prefix) && is_bcrypt(other) {
                continue;
            }
            let s = format!("{other}{body}");
            relabelled += 1;
            assert!(
                policy.verify(&s, &v.password).is_err(),
                "{}: verifies as {other}",
                v.at()
            );
        }
    }
    assert!(relabelled > 1000, "{relabelled}");
}

/// Whether an accepted mutation is one the formats allow:
/// - another bcrypt minor of the same digest;
/// - standard base64 that differs from the original only in unused trailing bits (Go's
///   decoder, and so SFTPGo, accepts those);
/// - a PBKDF2 digest cut to a shorter whole base64 string of at least 16 bytes: PBKDF2 derives
///   as many bytes as are stored, and a shorter output is a prefix of a longer one, so the cut
///   string is a valid, weaker hash of the same password (SFTPGo accepts it too).
fn equivalent(original: &str, mutated: &str) -> bool {
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    if original.starts_with("$pbkdf2") && original.starts_with(mutated) {
        let cut = mutated.rsplit('$').next().unwrap_or_default();
        let full = original.rsplit('$').next().unwrap_or_default();
        return mutated.matches('$').count() == original.matches('$').count()
            && lenient.decode(cut).is_ok_and(|d| {
                d.len() >= 16 && lenient.decode(full).is_ok_and(|f| f.starts_with(&d))
            });
    }
    let (a, b) = (original.as_bytes(), mutated.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    let [i] = diff[..] else { return false };
    if i == 2 && original.starts_with("$2") {
        return matches!(b[2], b'a' | b'b' | b'y');
    }
    let field = |s: &str| {
        let start = s[..i].rfind('$').map_or(0, |p| p + 1);
        let end = s[i..].find('$').map_or(s.len(), |p| i + p);
        lenient.decode(&s[start..end]).ok()
    };
    original.starts_with("$pbkdf2")
        && field(original).is_some()
        && field(original) == field(mutated)
}

/// The highest bcrypt cost the mutation sweep hashes.
const SWEEP_MAX_BCRYPT_COST: u32 = 6;

#[test]
fn truncations_and_mutations_never_verify() {
    let vectors = all_vectors();
    let checked = AtomicUsize::new(0);
    let hashed = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    // A mutated cost digit turns bcrypt's 04–06 into 14–16, seconds per candidate: the sweep's
    // policy refuses costs above the sweep's own limit before hashing (a limit error is not a
    // verification either), which keeps the sweep about the parser.
    let policy = Policy::builder()
        .max_bcrypt_cost(SWEEP_MAX_BCRYPT_COST)
        .preferred(HashParams::Bcrypt {
            cost: SWEEP_MAX_BCRYPT_COST,
        })
        .build()
        .unwrap();
    let good: Vec<&Vector> = good(&vectors).collect();
    std::thread::scope(|scope| {
        for chunk in good.chunks(good.len().div_ceil(2)) {
            let (checked, hashed, skipped, policy) = (&checked, &hashed, &skipped, &policy);
            scope.spawn(move || {
                for v in chunk {
                    // Hundreds of mutations each: the few costly vectors (SFTPGo's cost-14
                    // example, passlib's default rounds, yescrypt above 1 MiB) would take
                    // minutes.
                    let costly = match StoredHash::parse(&v.stored).unwrap() {
                        StoredHash::Bcrypt(h) => h.cost() > SWEEP_MAX_BCRYPT_COST,
                        StoredHash::ShaCrypt(h) => h.rounds() > 10_000,
                        StoredHash::Pbkdf2(h) => h.work() > 200_000,
                        StoredHash::PasslibPbkdf2(h) => h.work() > 200_000,
                        StoredHash::Argon2(h) => u64::from(h.m()) * u64::from(h.t()) > 1024,
                        StoredHash::Yescrypt(h) => h.memory_kib() * u64::from(h.t().max(1)) > 1024,
                        _ => false,
                    };
                    if costly {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    for candidate in mutations(&v.stored) {
                        checked.fetch_add(1, Ordering::Relaxed);
                        let result = policy.verify(&candidate, &v.password);
                        if StoredHash::parse(&candidate).is_ok() {
                            hashed.fetch_add(1, Ordering::Relaxed);
                        }
                        if result.is_ok() {
                            assert!(
                                equivalent(&v.stored, &candidate),
                                "{}: mutation {candidate:?} verifies",
                                v.at()
                            );
                        }
                    }
                }
            });
        }
    });
    let (checked, hashed) = (checked.into_inner(), hashed.into_inner());
    let skipped = skipped.into_inner();
    eprintln!(
        "sweep: {checked} strings from {} vectors ({skipped} costly ones not swept), \
         {hashed} parsed and hashed",
        good.len() - skipped,
    );
    assert!(checked > 10_000, "{checked}");
}

/// Every prefix, and at each position: the next character of the crypt alphabet, `$`, and a
/// non-ASCII character.
fn mutations(s: &str) -> Vec<String> {
    const NEXT: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+=./";
    let mut out = Vec::new();
    for i in 0..s.len() {
        out.push(s[..i].to_owned());
        let c = s.as_bytes()[i];
        let next = NEXT
            .iter()
            .position(|&n| n == c)
            .map_or(b'.', |p| NEXT[p + 1]);
        for r in [char::from(next), '$', '\u{e9}'] {
            if u32::from(r) == u32::from(c) {
                continue;
            }
            let mut m = s[..i].to_owned();
            m.push(r);
            m.push_str(&s[i + 1..]);
            out.push(m);
        }
    }
    out
}
