//! PBKDF2-HMAC (RFC 8018) at the compression function's speed: the HMAC inner and outer
//! states are computed once per password, and each iteration is exactly two compression
//! calls on pre-padded blocks in which only the previous output changes.

use zeroize::Zeroize;

/// A Merkle–Damgård hash as PBKDF2 needs it: its chaining state and compression function.
pub(crate) trait Compress {
    /// The chaining state.
    type State: Copy + Zeroize;
    /// One message block.
    type Block: Copy + AsRef<[u8]> + AsMut<[u8]> + Zeroize;
    /// Output length in bytes.
    const OUT: usize;
    /// Bytes of the big-endian message length in the final block.
    const LEN_BYTES: usize;
    /// The initial chaining state.
    const IV: Self::State;
    /// An all-zero block.
    const ZERO: Self::Block;
    /// Compresses one block into the state.
    fn compress(state: &mut Self::State, block: &Self::Block);
    /// Writes the state's first `OUT` bytes, big-endian, into `out`.
    fn write_out(state: &Self::State, out: &mut [u8]);
    /// `acc ^= u`: the output is the whole state, so XOR of outputs is XOR of states.
    fn xor(acc: &mut Self::State, u: &Self::State);
}

fn xor_words<W: core::ops::BitXorAssign + Copy>(acc: &mut [W], u: &[W]) {
    for (a, &b) in acc.iter_mut().zip(u) {
        *a ^= b;
    }
}

/// SHA-1.
pub(crate) struct Sha1;
/// SHA-256.
pub(crate) struct Sha256;
/// SHA-512.
pub(crate) struct Sha512;

impl Compress for Sha1 {
    type State = [u32; 5];
    type Block = [u8; 64];
    const OUT: usize = 20;
    const LEN_BYTES: usize = 8;
    const IV: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const ZERO: [u8; 64] = [0; 64];

    #[inline(always)]
    fn compress(state: &mut [u32; 5], block: &[u8; 64]) {
        sha1::block_api::compress(state, core::slice::from_ref(block));
    }

    #[inline(always)]
    fn xor(acc: &mut [u32; 5], u: &[u32; 5]) {
        xor_words(acc, u);
    }

    #[inline(always)]
    fn write_out(state: &[u32; 5], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

impl Compress for Sha256 {
    type State = [u32; 8];
    type Block = [u8; 64];
    const OUT: usize = 32;
    const LEN_BYTES: usize = 8;
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const ZERO: [u8; 64] = [0; 64];

    #[inline(always)]
    fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
        sha2::block_api::compress256(state, core::slice::from_ref(block));
    }

    #[inline(always)]
    fn xor(acc: &mut [u32; 8], u: &[u32; 8]) {
        xor_words(acc, u);
    }

    #[inline(always)]
    fn write_out(state: &[u32; 8], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

impl Compress for Sha512 {
    type State = [u64; 8];
    type Block = [u8; 128];
    const OUT: usize = 64;
    const LEN_BYTES: usize = 16;
    const IV: [u64; 8] = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    const ZERO: [u8; 128] = [0; 128];

    #[inline(always)]
    fn compress(state: &mut [u64; 8], block: &[u8; 128]) {
        sha2::block_api::compress512(state, core::slice::from_ref(block));
    }

    #[inline(always)]
    fn xor(acc: &mut [u64; 8], u: &[u64; 8]) {
        xor_words(acc, u);
    }

    #[inline(always)]
    fn write_out(state: &[u64; 8], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(8).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
    }
}

/// Hashes `parts` as one message, starting from `state` after `done` bytes already
/// compressed (a whole number of blocks). Returns the final state.
fn finish<H: Compress>(mut state: H::State, done: usize, parts: &[&[u8]]) -> H::State {
    let mut block = H::ZERO;
    let size = block.as_ref().len();
    let mut fill = 0;
    let mut total = done;
    for part in parts {
        let mut part = *part;
        while !part.is_empty() {
            let n = part.len().min(size - fill);
            block.as_mut()[fill..fill + n].copy_from_slice(&part[..n]);
            fill += n;
            total += n;
            part = &part[n..];
            if fill == size {
                H::compress(&mut state, &block);
                fill = 0;
            }
        }
    }
    block.as_mut()[fill..].fill(0);
    block.as_mut()[fill] = 0x80;
    if fill + 1 > size - H::LEN_BYTES {
        H::compress(&mut state, &block);
        block = H::ZERO;
    }
    let bits = (total as u128) * 8;
    let bits = bits.to_be_bytes();
    block.as_mut()[size - H::LEN_BYTES..].copy_from_slice(&bits[16 - H::LEN_BYTES..]);
    H::compress(&mut state, &block);
    block.zeroize();
    state
}

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
    let bits = ((size + H::OUT) as u128 * 8).to_be_bytes();
    block.as_mut()[size - H::LEN_BYTES..].copy_from_slice(&bits[16 - H::LEN_BYTES..]);
    block
}

/// PBKDF2-HMAC-H of `password` and `salt` with `iterations` (≥ 1), filling `out`.
pub(crate) fn pbkdf2<H: Compress>(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let key = HmacKey::<H>::new(password);
    let size = H::ZERO.as_ref().len();
    let mut block = padded_block::<H>();
    for (index, chunk) in out.chunks_mut(H::OUT).enumerate() {
        let counter = (index as u32 + 1).to_be_bytes();
        // U1 = HMAC(salt || INT(i)).
        let mut inner = finish::<H>(key.inner, size, &[salt, &counter]);
        H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
        let mut u = key.outer;
        H::compress(&mut u, &block);
        let mut acc = u;
        let mut acc_bytes = H::ZERO;
        for _ in 1..iterations {
            H::write_out(&u, &mut block.as_mut()[..H::OUT]);
            inner = key.inner;
            H::compress(&mut inner, &block);
            H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
            u = key.outer;
            H::compress(&mut u, &block);
            H::xor(&mut acc, &u);
        }
        H::write_out(&acc, &mut acc_bytes.as_mut()[..H::OUT]);
        chunk.copy_from_slice(&acc_bytes.as_ref()[..chunk.len()]);
        inner.zeroize();
        u.zeroize();
        acc.zeroize();
        acc_bytes.zeroize();
    }
    block.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<H: Compress, D: hmac::EagerHash>() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
        for pw_len in [0, 1, 20, 55, 63, 64, 65, 111, 127, 128, 129, 300] {
            for salt_len in [0, 1, 12, 51, 52, 55, 56, 64, 119, 120, 200] {
                for (iterations, out_len) in [(1, 1), (2, 20), (3, 32), (5, 64), (7, 65), (2, 256)]
                {
                    let (pw, salt) = (&bytes[..pw_len], &bytes[100..100 + salt_len]);
                    let mut ours = vec![0u8; out_len];
                    let mut theirs = vec![0u8; out_len];
                    pbkdf2::<H>(pw, salt, iterations, &mut ours);
                    ::pbkdf2::pbkdf2_hmac::<D>(pw, salt, iterations, &mut theirs);
                    assert_eq!(ours, theirs, "pw {pw_len} salt {salt_len} it {iterations}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_rustcrypto_pbkdf2() {
        check::<Sha1, sha1::Sha1>();
        check::<Sha256, sha2::Sha256>();
        check::<Sha512, sha2::Sha512>();
    }
}
