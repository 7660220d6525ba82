//! PBKDF2-HMAC (RFC 8018) at the compression function's speed: the HMAC inner and outer
//! states are computed once per password, and each iteration is exactly two compression
//! calls on pre-padded blocks in which only the previous output changes. On x86-64 CPUs with
//! the SHA extensions, the SHA-256 and SHA-1 chains run in `pbkdf2_shani`.

#![forbid(unsafe_code)]

use zeroize::{Zeroize, Zeroizing};

use super::compress::{Compress, Sha1, Sha256, Sha512, finish};
#[cfg(target_arch = "x86_64")]
use super::pbkdf2_shani;
use crate::ct::digests_equal;

/// A hash PBKDF2 runs on, with the CPU-specific chain it may have.
pub(crate) trait Pbkdf2Digest: Compress {
    /// `U1 ^ U2 ^ … ^ Un` from the HMAC key states and `u1`, `iterations` = n ≥ 1, computed
    /// with CPU extensions; `None` when this CPU has none for this hash.
    fn cpu_chain(
        _inner: &Self::State,
        _outer: &Self::State,
        _u1: &Self::State,
        _iterations: u32,
    ) -> Option<Self::State> {
        None
    }

    /// [`cpu_chain`](Self::cpu_chain) for two chains of the same length at once, interleaved
    /// in one thread; `None` when this CPU has no such chain for this hash.
    fn cpu_chain_pair(
        _inner: [&Self::State; 2],
        _outer: [&Self::State; 2],
        _u1: [&Self::State; 2],
        _iterations: u32,
    ) -> Option<[Self::State; 2]> {
        None
    }
}

impl Pbkdf2Digest for Sha1 {
    #[cfg(target_arch = "x86_64")]
    fn cpu_chain(
        inner: &[u32; 5],
        outer: &[u32; 5],
        u1: &[u32; 5],
        iterations: u32,
    ) -> Option<[u32; 5]> {
        pbkdf2_shani::sha1(inner, outer, u1, iterations)
    }

    #[cfg(target_arch = "x86_64")]
    fn cpu_chain_pair(
        inner: [&[u32; 5]; 2],
        outer: [&[u32; 5]; 2],
        u1: [&[u32; 5]; 2],
        iterations: u32,
    ) -> Option<[[u32; 5]; 2]> {
        pbkdf2_shani::sha1_pair(inner, outer, u1, iterations)
    }
}

impl Pbkdf2Digest for Sha256 {
    #[cfg(target_arch = "x86_64")]
    fn cpu_chain(
        inner: &[u32; 8],
        outer: &[u32; 8],
        u1: &[u32; 8],
        iterations: u32,
    ) -> Option<[u32; 8]> {
        pbkdf2_shani::sha256(inner, outer, u1, iterations)
    }

    #[cfg(target_arch = "x86_64")]
    fn cpu_chain_pair(
        inner: [&[u32; 8]; 2],
        outer: [&[u32; 8]; 2],
        u1: [&[u32; 8]; 2],
        iterations: u32,
    ) -> Option<[[u32; 8]; 2]> {
        pbkdf2_shani::sha256_pair(inner, outer, u1, iterations)
    }
}

/// No SHA-512 chain: Rust has the x86 SHA512 extension (`sha512`) only from 1.89, after the
/// crate's minimum version.
impl Pbkdf2Digest for Sha512 {}

/// The HMAC key schedule: the states after compressing `K ^ ipad` and `K ^ opad`.
struct HmacKey<H: Compress> {
    inner: H::State,
    outer: H::State,
}

impl<H: Compress> HmacKey<H> {
    fn new(password: &[u8]) -> Self {
        let mut key = H::ZERO;
        let size = key.as_ref().len();
        if password.len() > size {
            let mut digest = finish::<H>(H::IV, 0, &[password]);
            H::write_out(&digest, &mut key.as_mut()[..H::OUT]);
            digest.zeroize();
        } else {
            key.as_mut()[..password.len()].copy_from_slice(password);
        }
        let mut pad = key;
        pad.as_mut().iter_mut().for_each(|b| *b ^= 0x36);
        let mut inner = H::IV;
        H::compress(&mut inner, &pad);
        pad = key;
        pad.as_mut().iter_mut().for_each(|b| *b ^= 0x5c);
        let mut outer = H::IV;
        H::compress(&mut outer, &pad);
        pad.zeroize();
        key.zeroize();
        Self { inner, outer }
    }
}

impl<H: Compress> Drop for HmacKey<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A block holding an `OUT`-byte message after `B` bytes of key block: `0x80`, zeros, length.
fn padded_block<H: Compress>() -> H::Block {
    let mut block = H::ZERO;
    let size = block.as_ref().len();
    block.as_mut()[H::OUT] = 0x80;
    H::write_len(
        &mut block.as_mut()[size - H::LEN_BYTES..],
        (size + H::OUT) as u128 * 8,
    );
    block
}

/// PBKDF2-HMAC-H of `password` and `salt` with `iterations` (≥ 1), filling `out`.
pub(crate) fn pbkdf2<H: Pbkdf2Digest>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    derive::<H>(
        &mut [Job {
            password,
            salt,
            out,
        }],
        iterations,
        true,
    );
}

/// One PBKDF2 computation of a batch: the password, the salt and the output to fill.
pub(crate) struct Job<'a> {
    pub(crate) password: &'a [u8],
    pub(crate) salt: &'a [u8],
    pub(crate) out: &'a mut [u8],
}

/// [`pbkdf2`] of every job, all with `iterations` (≥ 1). Each output block of each job is a
/// chain of its own; where the CPU can interleave two chains in one thread, they run two at
/// a time (the blocks of one long output, or the jobs of a batch).
pub(crate) fn pbkdf2_many<H: Pbkdf2Digest>(jobs: &mut [Job<'_>], iterations: u32) {
    derive::<H>(jobs, iterations, true);
}

/// The HMAC hash of a stored PBKDF2 hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Hmac {
    Sha1,
    Sha256,
    Sha512,
}

/// What a stored PBKDF2 hash asks of PBKDF2: the HMAC hash, the iterations, the salt, and
/// the stored output (whose length is the output's).
pub(crate) struct Task<'a> {
    pub(crate) hmac: Hmac,
    pub(crate) iterations: u32,
    pub(crate) salt: &'a [u8],
    pub(crate) stored: &'a [u8],
}

/// Whether each task's output for its password is its stored output, compared in constant
/// time; the tasks share one HMAC hash and iteration count, and run as one
/// [`pbkdf2_many`] batch.
pub(crate) fn tasks_match(tasks: &[(Task<'_>, &[u8])]) -> Vec<bool> {
    let Some((first, _)) = tasks.first() else {
        return Vec::new();
    };
    let (hmac, iterations) = (first.hmac, first.iterations);
    debug_assert!(
        tasks
            .iter()
            .all(|(t, _)| t.hmac == hmac && t.iterations == iterations)
    );
    let mut outs: Vec<Zeroizing<Vec<u8>>> = tasks
        .iter()
        .map(|(t, _)| Zeroizing::new(vec![0u8; t.stored.len()]))
        .collect();
    let mut jobs: Vec<Job<'_>> = tasks
        .iter()
        .zip(outs.iter_mut())
        .map(|((t, password), out)| Job {
            password,
            salt: t.salt,
            out: out.as_mut_slice(),
        })
        .collect();
    match hmac {
        Hmac::Sha1 => pbkdf2_many::<Sha1>(&mut jobs, iterations),
        Hmac::Sha256 => pbkdf2_many::<Sha256>(&mut jobs, iterations),
        Hmac::Sha512 => pbkdf2_many::<Sha512>(&mut jobs, iterations),
    }
    drop(jobs);
    tasks
        .iter()
        .zip(&outs)
        .map(|((t, _), out)| digests_equal(out, t.stored))
        .collect()
}

/// [`pbkdf2_many`], with the CPU's chains when `cpu_chain` is set and the CPU has them, else
/// the portable loop.
fn derive<H: Pbkdf2Digest>(jobs: &mut [Job<'_>], iterations: u32, cpu_chain: bool) {
    let keys: Vec<HmacKey<H>> = jobs.iter().map(|j| HmacKey::new(j.password)).collect();
    let size = H::ZERO.as_ref().len();
    let mut block = padded_block::<H>();
    // Every output block: its job, its index in the job's output, and U1 = HMAC(salt ||
    // INT(index + 1)).
    let mut chains: Vec<(usize, usize, H::State)> = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        for index in 0..job.out.len().div_ceil(H::OUT) {
            let counter = (index as u32 + 1).to_be_bytes();
            let mut inner = finish::<H>(keys[j].inner, size, &[job.salt, &counter]);
            H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
            inner.zeroize();
            let mut u = keys[j].outer;
            H::compress(&mut u, &block);
            chains.push((j, index, u));
        }
    }
    let mut accs: Vec<H::State> = chains.iter().map(|c| c.2).collect();
    let cpu_chain = cpu_chain && iterations > 1;
    let mut i = 0;
    while i < chains.len() {
        if cpu_chain && let [(a, _, ua), (b, _, ub), ..] = chains[i..] {
            let (ka, kb) = (&keys[a], &keys[b]);
            let pair = H::cpu_chain_pair(
                [&ka.inner, &kb.inner],
                [&ka.outer, &kb.outer],
                [&ua, &ub],
                iterations,
            );
            if let Some([acc_a, acc_b]) = pair {
                (accs[i], accs[i + 1]) = (acc_a, acc_b);
                i += 2;
                continue;
            }
        }
        let (j, _, u) = chains[i];
        let key = &keys[j];
        let fast = if cpu_chain {
            H::cpu_chain(&key.inner, &key.outer, &u, iterations)
        } else {
            None
        };
        accs[i] = match fast {
            Some(acc) => acc,
            None => chain::<H>(key, &mut block, u, iterations),
        };
        i += 1;
    }
    let mut acc_bytes = H::ZERO;
    for ((j, index, u), acc) in chains.iter_mut().zip(accs.iter_mut()) {
        H::write_out(acc, &mut acc_bytes.as_mut()[..H::OUT]);
        let chunk = jobs[*j].out.chunks_mut(H::OUT).nth(*index);
        if let Some(chunk) = chunk {
            let n = chunk.len();
            chunk.copy_from_slice(&acc_bytes.as_ref()[..n]);
        }
        u.zeroize();
        acc.zeroize();
    }
    acc_bytes.zeroize();
    block.zeroize();
}

/// `U1 ^ U2 ^ … ^ Un` from `u` = U1, `iterations` = n ≥ 1: two compressions an iteration on
/// `block`, the padded block whose first `OUT` bytes are each message.
fn chain<H: Compress>(
    key: &HmacKey<H>,
    block: &mut H::Block,
    mut u: H::State,
    iterations: u32,
) -> H::State {
    let mut acc = u;
    let mut inner = key.inner;
    for _ in 1..iterations {
        H::write_out(&u, &mut block.as_mut()[..H::OUT]);
        inner = key.inner;
        H::compress(&mut inner, block);
        H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
        u = key.outer;
        H::compress(&mut u, block);
        H::xor(&mut acc, &u);
    }
    inner.zeroize();
    u.zeroize();
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both paths, the CPU's chain (where this CPU has one) and the portable loop, against
    /// RustCrypto's `pbkdf2`.
    fn check<H: Pbkdf2Digest, D: hmac::EagerHash>() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
        let agree = |pw_len: usize, salt_len: usize, iterations: u32, out_len: usize| {
            let (pw, salt) = (&bytes[..pw_len], &bytes[100..100 + salt_len]);
            let mut theirs = vec![0u8; out_len];
            ::pbkdf2::pbkdf2_hmac::<D>(pw, salt, iterations, &mut theirs);
            for cpu_chain in [true, false] {
                let mut ours = vec![0u8; out_len];
                let job = Job {
                    password: pw,
                    salt,
                    out: &mut ours,
                };
                derive::<H>(&mut [job], iterations, cpu_chain);
                assert_eq!(
                    ours, theirs,
                    "pw {pw_len} salt {salt_len} it {iterations} out {out_len} cpu {cpu_chain}"
                );
            }
        };
        for pw_len in [0, 1, 20, 55, 63, 64, 65, 111, 127, 128, 129, 300] {
            for salt_len in [0, 1, 12, 51, 52, 55, 56, 64, 119, 120, 200] {
                for (iterations, out_len) in [(1, 1), (2, 20), (3, 32), (5, 64), (7, 65), (2, 256)]
                {
                    agree(pw_len, salt_len, iterations, out_len);
                }
            }
        }
        // Batches: every job's blocks, paired across jobs where the CPU pairs chains.
        for iterations in [1, 2, 3, 1000] {
            for count in [1, 2, 3, 5] {
                let specs: Vec<(usize, usize, usize)> = (0..count)
                    .map(|k| (k * 37 % 130, k * 11 % 60, [20, 32, 64, 65, 1][k % 5]))
                    .collect();
                let mut outs: Vec<Vec<u8>> = specs.iter().map(|s| vec![0u8; s.2]).collect();
                for cpu_chain in [true, false] {
                    let mut jobs: Vec<Job<'_>> = specs
                        .iter()
                        .zip(outs.iter_mut())
                        .map(|(&(pw, salt, _), out)| Job {
                            password: &bytes[..pw],
                            salt: &bytes[150..150 + salt],
                            out,
                        })
                        .collect();
                    derive::<H>(&mut jobs, iterations, cpu_chain);
                    for (&(pw, salt, len), ours) in specs.iter().zip(&outs) {
                        let mut theirs = vec![0u8; len];
                        ::pbkdf2::pbkdf2_hmac::<D>(
                            &bytes[..pw],
                            &bytes[150..150 + salt],
                            iterations,
                            &mut theirs,
                        );
                        assert_eq!(ours, &theirs, "batch of {count}, it {iterations}");
                    }
                }
            }
        }
        for iterations in [4, 16, 17, 100, 1000, 4096, 10_007] {
            for (pw_len, salt_len, out_len) in
                [(0, 0, 16), (8, 16, 20), (65, 12, 32), (300, 8, 129)]
            {
                agree(pw_len, salt_len, iterations, out_len);
            }
        }
    }

    #[test]
    fn agrees_with_rustcrypto_pbkdf2() {
        check::<Sha1, sha1::Sha1>();
        check::<Sha256, sha2::Sha256>();
        check::<Sha512, sha2::Sha512>();
    }

    /// The tests above compare the SHA-NI chains wherever the CPU has SHA-NI.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sha_ni_chains_run_where_the_cpu_has_them() {
        let sha_ni = is_x86_feature_detected!("sha")
            && is_x86_feature_detected!("ssse3")
            && is_x86_feature_detected!("sse4.1");
        let s = Sha256::IV;
        assert_eq!(Sha256::cpu_chain(&s, &s, &s, 2).is_some(), sha_ni);
        let s = Sha1::IV;
        assert_eq!(Sha1::cpu_chain(&s, &s, &s, 2).is_some(), sha_ni);
        assert!(Sha512::cpu_chain(&Sha512::IV, &Sha512::IV, &Sha512::IV, 2).is_none());
    }
}
