//! One group per scheme at fixed parameters, passgate beside its peers in the same run:
//! libxcrypt (`crypt_rn`), libargon2 (`argon2id_hash_raw`), OpenSSL's PBKDF2, the raw
//! RustCrypto / `bcrypt` crate calls, and for PBKDF2 the compression-function limit (two
//! compressions per iteration at bulk speed). `peers/benches/report.py` turns the results into
//! BENCHMARKS.md.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use passgate::{Policy, StoredHash};
use passgate_peers::{
    Libargon2Variant, Libxcrypt, MessageDigest, libargon2, openssl, openssl_pbkdf2,
};

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

const PASSWORD: &[u8] = b"correct horse battery staple";

fn policy() -> Policy {
    let mut p = Policy::default();
    p.max_bcrypt_cost = 31;
    p.max_shacrypt_rounds = u32::MAX;
    p.max_pbkdf2_work = u64::MAX;
    p
}

fn configure<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    g
}

/// A crypt(3)-family group: passgate and libxcrypt verify the same libxcrypt-made hash.
fn crypt_group(c: &mut Criterion, name: &str, setting: &str, extra: impl Fn(&mut Group<'_>)) {
    let mut xc = Libxcrypt::default();
    let stored = xc.crypt(PASSWORD, setting).unwrap();
    let policy = policy();
    policy.verify(&stored, PASSWORD).unwrap();
    let mut g = configure(c, name);
    g.bench_function("passgate", |b| {
        b.iter(|| {
            policy
                .verify(black_box(&stored), black_box(PASSWORD))
                .unwrap()
        })
    });
    g.bench_function("libxcrypt", |b| {
        b.iter(|| xc.crypt(black_box(PASSWORD), black_box(&stored)).unwrap())
    });
    extra(&mut g);
    g.finish();
}

fn bcrypt(c: &mut Criterion) {
    let salt = [0x5au8; 16];
    crypt_group(c, "bcrypt-cost12", "$2b$12$WhZaWhZaWhZaWhZaWhZaWe", |g| {
        g.bench_function("bcrypt-crate", |b| {
            let mut key = PASSWORD.to_vec();
            key.push(0);
            b.iter(|| bcrypt::bcrypt(12, black_box(salt), black_box(&key)))
        });
    });
}

fn md5crypt(c: &mut Criterion) {
    crypt_group(c, "md5crypt", "$1$saltsalt$", |_| {});
    // libxcrypt has no apr1; its md5crypt does the same work.
    let stored = "$apr1$saltsalt$".to_owned();
    let mut xc = Libxcrypt::default();
    let reference = xc.crypt(PASSWORD, "$1$saltsalt$").unwrap();
    let apr1 = apr1_of(&stored);
    let policy = policy();
    let mut g = configure(c, "apr1");
    g.bench_function("passgate", |b| {
        b.iter(|| {
            policy
                .verify(black_box(&apr1), black_box(PASSWORD))
                .unwrap()
        })
    });
    g.bench_function("libxcrypt", |b| {
        b.iter(|| {
            xc.crypt(black_box(PASSWORD), black_box(&reference))
                .unwrap()
        })
    });
    g.finish();
}

fn descrypt(c: &mut Criterion) {
    crypt_group(c, "descrypt", "ab", |_| {});
}

/// The apr1 hash of PASSWORD, from OpenSSL's command line (an independent implementation).
fn apr1_of(setting: &str) -> String {
    use std::io::Write as _;
    let salt = setting.trim_start_matches("$apr1$").trim_end_matches('$');
    let mut child = std::process::Command::new("openssl")
        .args(["passwd", "-apr1", "-salt", salt, "-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl passwd makes the apr1 hash");
    child.stdin.take().unwrap().write_all(PASSWORD).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn shacrypt(c: &mut Criterion) {
    let salt = b"saltsaltsaltsalt";
    crypt_group(
        c,
        "sha512crypt-400000",
        "$6$rounds=400000$saltsaltsaltsalt$",
        |g| {
            let params = sha_crypt::Params::new(400_000).unwrap();
            g.bench_function("sha-crypt-crate", |b| {
                b.iter(|| sha_crypt::sha512_crypt(black_box(PASSWORD), salt, params))
            });
        },
    );
    crypt_group(
        c,
        "sha256crypt-800000",
        "$5$rounds=800000$saltsaltsaltsalt$",
        |g| {
            let params = sha_crypt::Params::new(800_000).unwrap();
            g.bench_function("sha-crypt-crate", |b| {
                b.iter(|| sha_crypt::sha256_crypt(black_box(PASSWORD), salt, params))
            });
        },
    );
}

/// A 1 MiB buffer of distinct blocks.
fn bulk_buffer() -> Vec<u8> {
    (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(0x9e37_79b9) >> 24) as u8)
        .collect()
}

/// Two compressions per iteration at the compression function's bulk speed: RustCrypto's
/// (the `sha1`/`sha2` crates', with SHA-NI where the CPU has it) and OpenSSL's, each over a
/// reused 1 MiB buffer of distinct blocks.
fn limits(
    g: &mut Group<'_>,
    block: usize,
    blocks: usize,
    rustcrypto: fn(&[u8], usize),
    openssl: MessageDigest,
) {
    g.bench_function("limit-rustcrypto", |b| {
        let buf = bulk_buffer();
        b.iter(|| rustcrypto(black_box(&buf), blocks))
    });
    g.bench_function("limit-openssl", |b| {
        let buf = bulk_buffer();
        b.iter(|| {
            let mut h = openssl::hash::Hasher::new(openssl).unwrap();
            let mut left = blocks * block;
            while left > 0 {
                let n = left.min(buf.len());
                h.update(&buf[..n]).unwrap();
                left -= n;
            }
            h.finish().unwrap()
        })
    });
}

fn bulk256(buf: &[u8], blocks: usize) {
    let mut state = [0u32; 8];
    let chunks = blocks64(buf);
    let mut left = blocks;
    while left > 0 {
        let n = left.min(chunks.len());
        sha2::block_api::compress256(&mut state, &chunks[..n]);
        left -= n;
    }
    black_box(state);
}

fn bulk1(buf: &[u8], blocks: usize) {
    let mut state = [0u32; 5];
    let chunks = blocks64(buf);
    let mut left = blocks;
    while left > 0 {
        let n = left.min(chunks.len());
        sha1::block_api::compress(&mut state, &chunks[..n]);
        left -= n;
    }
    black_box(state);
}

fn bulk512(buf: &[u8], blocks: usize) {
    let mut state = [0u64; 8];
    let chunks: Vec<[u8; 128]> = buf
        .chunks_exact(128)
        .map(|c| c.try_into().unwrap())
        .collect();
    let mut left = blocks;
    while left > 0 {
        let n = left.min(chunks.len());
        sha2::block_api::compress512(&mut state, &chunks[..n]);
        left -= n;
    }
    black_box(state);
}

fn blocks64(buf: &[u8]) -> &[[u8; 64]] {
    let (blocks, rest) = buf.as_chunks::<64>();
    assert!(rest.is_empty());
    blocks
}

#[allow(clippy::too_many_arguments)]
fn pbkdf2_group(
    c: &mut Criterion,
    ident: &str,
    iterations: u32,
    openssl: MessageDigest,
    crate_fn: fn(&[u8], &[u8], u32, &mut [u8]),
    block: usize,
    rustcrypto: fn(&[u8], usize),
    out_len: usize,
) {
    let salt = b"E86a9YMX3zC7salt";
    let mut digest = vec![0u8; out_len];
    openssl_pbkdf2(openssl, PASSWORD, salt, iterations as usize, &mut digest);
    let stored = format!(
        "${ident}${iterations}${}${}",
        std::str::from_utf8(salt).unwrap(),
        STANDARD.encode(&digest)
    );
    let policy = policy();
    assert!(StoredHash::parse(&stored).is_ok());
    policy.verify(&stored, PASSWORD).unwrap();
    let mut g = configure(c, &format!("{ident}-{iterations}"));
    g.bench_function("passgate", |b| {
        b.iter(|| {
            policy
                .verify(black_box(&stored), black_box(PASSWORD))
                .unwrap()
        })
    });
    g.bench_function("openssl", |b| {
        let mut out = vec![0u8; out_len];
        b.iter(|| {
            openssl_pbkdf2(
                openssl,
                black_box(PASSWORD),
                salt,
                iterations as usize,
                &mut out,
            )
        })
    });
    g.bench_function("pbkdf2-crate", |b| {
        let mut out = vec![0u8; out_len];
        b.iter(|| crate_fn(black_box(PASSWORD), salt, iterations, &mut out))
    });
    limits(&mut g, block, 2 * iterations as usize, rustcrypto, openssl);
    g.finish();
}

fn pbkdf2(c: &mut Criterion) {
    pbkdf2_group(
        c,
        "pbkdf2-sha256",
        1_000_000,
        MessageDigest::sha256(),
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>,
        64,
        bulk256,
        32,
    );
    pbkdf2_group(
        c,
        "pbkdf2-sha512",
        400_000,
        MessageDigest::sha512(),
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>,
        128,
        bulk512,
        64,
    );
    pbkdf2_group(
        c,
        "pbkdf2-sha1",
        1_500_000,
        MessageDigest::sha1(),
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>,
        64,
        bulk1,
        20,
    );
}

/// Argon2id at `m` KiB, `t` passes, `p` lanes, 16-byte salt, 32-byte hash: passgate, libargon2
/// and the `argon2` crate call passgate makes, all on one libargon2-made hash.
fn argon2id_group(c: &mut Criterion, m: u32, t: u32, p: u32) {
    let salt = b"saltsaltsaltsalt";
    let mut hash = [0u8; 32];
    libargon2(
        Libargon2Variant::Argon2id,
        t,
        m,
        p,
        PASSWORD,
        salt,
        &mut hash,
    )
    .unwrap();
    let stored = format!(
        "$argon2id$v=19$m={m},t={t},p={p}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash)
    );
    let policy = policy();
    policy.verify(&stored, PASSWORD).unwrap();
    let params = argon2::Params::new(m, t, p, Some(hash.len())).unwrap();
    let crate_argon2 =
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    crate_argon2
        .hash_password_into(PASSWORD, salt, &mut out)
        .unwrap();
    assert_eq!(out, hash, "the argon2 crate and libargon2 do the same work");
    let mut g = configure(c, &format!("argon2id-m{m}-t{t}-p{p}"));
    g.bench_function("passgate", |b| {
        b.iter(|| {
            policy
                .verify(black_box(&stored), black_box(PASSWORD))
                .unwrap()
        })
    });
    g.bench_function("libargon2", |b| {
        let mut out = [0u8; 32];
        b.iter(|| {
            libargon2(
                Libargon2Variant::Argon2id,
                t,
                m,
                p,
                black_box(PASSWORD),
                salt,
                &mut out,
            )
            .unwrap()
        })
    });
    g.bench_function("argon2-crate", |b| {
        let mut out = [0u8; 32];
        b.iter(|| {
            crate_argon2
                .hash_password_into(black_box(PASSWORD), salt, &mut out)
                .unwrap()
        })
    });
    g.finish();
}

fn argon2id(c: &mut Criterion) {
    // OWASP's first recommendation (passgate's default for new Argon2id hashes).
    argon2id_group(c, 19_456, 2, 1);
    // RFC 9106's second recommendation. libargon2 runs the 4 lanes on 4 threads, passgate and
    // the argon2 crate one after another: run pinned to one core so the ratio is per core.
    argon2id_group(c, 65_536, 3, 4);
}

/// yescrypt's base64 (libxcrypt's `encode64`): 3-byte little-endian groups, low 6 bits first.
fn yescrypt_b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let word = group
            .iter()
            .rev()
            .fold(0u32, |w, &b| (w << 8) | u32::from(b));
        for i in 0..(group.len() * 8).div_ceil(6) {
            out.push(char::from(ALPHABET[((word >> (6 * i)) & 63) as usize]));
        }
    }
    out
}

/// yescrypt RW at `n` blocks of `r`·128 bytes (`params`, as `$y$` spells them): passgate and
/// libxcrypt on one libxcrypt-made hash, and the `yescrypt` crate call passgate makes.
fn yescrypt_group(c: &mut Criterion, params: &str, n: u64, r: u32) {
    let salt = b"saltsaltsaltsalt";
    let setting = format!("$y${params}${}$", yescrypt_b64(salt));
    let stored = Libxcrypt::default().crypt(PASSWORD, &setting).unwrap();
    let yparams = yescrypt::Params::new(yescrypt::Mode::Rw, n, r, 1).unwrap();
    let mut out = [0u8; 32];
    yescrypt::yescrypt(PASSWORD, salt, &yparams, &mut out).unwrap();
    assert_eq!(
        stored.rsplit('$').next(),
        Some(yescrypt_b64(&out).as_str()),
        "the yescrypt crate and libxcrypt do the same work"
    );
    crypt_group(c, &format!("yescrypt-n{n}-r{r}"), &setting, |g| {
        g.bench_function("yescrypt-crate", |b| {
            let mut out = [0u8; 32];
            b.iter(|| yescrypt::yescrypt(black_box(PASSWORD), salt, &yparams, &mut out).unwrap())
        });
    });
}

fn yescrypt(c: &mut Criterion) {
    // libxcrypt's default (crypt_gensalt cost 5): N = 4096, r = 32, 16 MiB.
    yescrypt_group(c, "j9T", 4096, 32);
    // Its cheapest (cost 1): N = 1024, r = 8, 1 MiB; shows the fixed overhead.
    yescrypt_group(c, "j75", 1024, 8);
}

/// 16 bcrypt cost-8 hashes (libxcrypt-made): one by one, and through `verify_many`.
fn batch(c: &mut Criterion) {
    let mut xc = Libxcrypt::default();
    let stored: Vec<String> = (0..16)
        .map(|i| xc.crypt(PASSWORD, &format!("$2b$08${:.<21}e", i)).unwrap())
        .collect();
    let pairs: Vec<(&str, &[u8])> = stored.iter().map(|s| (s.as_str(), PASSWORD)).collect();
    let policy = policy();
    let mut g = configure(c, "batch-16-bcrypt8");
    g.bench_function("sequential", |b| {
        b.iter(|| {
            for (s, p) in &pairs {
                policy.verify(black_box(s), black_box(p)).unwrap();
            }
        })
    });
    g.bench_function("verify_many", |b| {
        b.iter(|| {
            let results = policy.verify_many(black_box(&pairs));
            assert!(results.iter().all(Result::is_ok));
        })
    });
    g.finish();
}

criterion_group!(
    benches, bcrypt, md5crypt, descrypt, shacrypt, pbkdf2, argon2id, yescrypt, batch
);
criterion_main!(benches);
