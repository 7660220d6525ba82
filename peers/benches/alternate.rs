//! Two candidates taken in turn in one process, for the comparisons criterion's back-to-back
//! groups measure too loosely on a shared machine: passgate's bcrypt beside libxcrypt's, and
//! `verify_many` beside one-by-one `verify` (16 bcrypt hashes; 16 PBKDF2 hashes of SFTPGo's
//! form, made by OpenSSL, each hash on one thread and on all). Each round times one call of each; the report
//! gives the fastest and the median of each candidate and their ratios.
//!
//! `cargo bench -p passgate-peers --bench alternate [-- bcrypt|batch|pbkdf2] [--rounds N]`;
//! pin the bcrypt comparison to one core (`taskset -c 1`), and leave the batches both cores
//! (pinned, they measure what one core gains).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use passgate::Policy;
use passgate_peers::{Libxcrypt, MessageDigest, openssl_pbkdf2};

const PASSWORD: &[u8] = b"correct horse battery staple";

/// Times `a` and `b` in turn `rounds` times: (fastest, median) of each, in seconds.
fn alternate(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> [(f64, f64); 2] {
    let mut times = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    // One untimed round of each: allocations, page faults, caches.
    a();
    b();
    for _ in 0..rounds {
        let t = Instant::now();
        a();
        times[0].push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        b();
        times[1].push(t.elapsed().as_secs_f64());
    }
    times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        (t[0], t[t.len() / 2])
    })
}

fn report(name: &str, labels: [&str; 2], [a, b]: [(f64, f64); 2]) {
    println!(
        "{name}: {} min {:.3} ms, median {:.3} ms; {} min {:.3} ms, median {:.3} ms; \
         {} ÷ {}: {:.3} (min), {:.3} (median)",
        labels[0],
        a.0 * 1e3,
        a.1 * 1e3,
        labels[1],
        b.0 * 1e3,
        b.1 * 1e3,
        labels[0],
        labels[1],
        a.0 / b.0,
        a.1 / b.1,
    );
}

/// passgate's `verify` of a libxcrypt-made `$2b$` hash against libxcrypt's `crypt_rn` of it.
fn bcrypt(rounds: usize) {
    let mut policy = Policy::default();
    policy.max_bcrypt_cost = 31;
    for cost in [8, 12] {
        let mut xc = Libxcrypt::default();
        let stored = xc
            .crypt(PASSWORD, &format!("$2b${cost:02}$WhZaWhZaWhZaWhZaWhZaWe"))
            .unwrap();
        policy.verify(&stored, PASSWORD).unwrap();
        let rounds = if cost == 12 {
            rounds.div_ceil(8)
        } else {
            rounds
        };
        let times = alternate(
            rounds,
            || {
                policy
                    .verify(black_box(&stored), black_box(PASSWORD))
                    .unwrap();
            },
            || {
                black_box(xc.crypt(black_box(PASSWORD), black_box(&stored)).unwrap());
            },
        );
        report(
            &format!("bcrypt cost {cost}, {rounds} rounds"),
            ["passgate", "libxcrypt"],
            times,
        );
    }
}

/// 16 libxcrypt-made `$2b$08$` hashes: one by one, and through `verify_many`.
fn batch(rounds: usize) {
    let mut xc = Libxcrypt::default();
    let stored: Vec<String> = (0..16)
        .map(|i| xc.crypt(PASSWORD, &format!("$2b$08${i:.<21}e")).unwrap())
        .collect();
    one_by_one_and_many(&stored, "bcrypt cost 8", rounds);
}

/// `stored` (each of `PASSWORD`) verified one by one, and through `verify_many`.
fn one_by_one_and_many(stored: &[String], what: &str, rounds: usize) {
    let pairs: Vec<(&str, &[u8])> = stored.iter().map(|s| (s.as_str(), PASSWORD)).collect();
    let policy = Policy::default();
    let times = alternate(
        rounds,
        || {
            for (s, p) in &pairs {
                policy.verify(black_box(s), black_box(p)).unwrap();
            }
        },
        || {
            let results = policy.verify_many(black_box(&pairs));
            assert!(results.iter().all(Result::is_ok));
        },
    );
    report(
        &format!(
            "{} x {what} on {} threads, {rounds} rounds",
            pairs.len(),
            std::thread::available_parallelism().map_or(1, usize::from)
        ),
        ["one by one", "verify_many"],
        times,
    );
}

/// 16 SFTPGo-form PBKDF2 hashes of one HMAC hash and iteration count (digests by OpenSSL):
/// one by one, and through `verify_many`.
fn pbkdf2(rounds: usize) {
    for (ident, digest, iterations, out_len) in [
        ("pbkdf2-sha256", MessageDigest::sha256(), 50_000u32, 32),
        ("pbkdf2-sha1", MessageDigest::sha1(), 50_000, 20),
        ("pbkdf2-sha1", MessageDigest::sha1(), 50_000, 32),
    ] {
        let stored: Vec<String> = (0..16)
            .map(|i| {
                let salt = format!("salt{i:02}E86a9YMX3zC7");
                let mut out = vec![0u8; out_len];
                openssl_pbkdf2(
                    digest,
                    PASSWORD,
                    salt.as_bytes(),
                    iterations as usize,
                    &mut out,
                );
                format!("${ident}${iterations}${salt}${}", STANDARD.encode(&out))
            })
            .collect();
        let what = format!("{ident} {iterations} ({out_len}-byte output)");
        one_by_one_and_many(&stored, &what, rounds);
    }
}

fn main() {
    let mut rounds = 40;
    let mut which = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo bench passes --bench; cargo test passes nothing.
            "--bench" => {}
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap(),
            a if a.starts_with('-') => panic!("unknown option {a} (known: --rounds N)"),
            a => which.push(a.to_owned()),
        }
    }
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        // Run once as a test: every path, one round.
        rounds = 1;
    }
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    if wants("bcrypt") {
        bcrypt(rounds);
    }
    if wants("batch") {
        batch(rounds);
    }
    if wants("pbkdf2") {
        pbkdf2(rounds);
    }
}
