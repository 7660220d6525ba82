//! Merkle–Damgård hashes reduced to their compression functions, for the engines whose
//! inner loops hash fixed-layout messages: PBKDF2's HMAC chains and the crypt(3) round loops.

#![forbid(unsafe_code)]

use zeroize::Zeroize;

/// A Merkle–Damgård hash, reduced to its chaining state and compression function.
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
    /// Whether the length field and the words are little-endian (MD5) or big-endian.
    const LITTLE_ENDIAN: bool = false;
    /// Compresses blocks into the state, in order.
    fn compress_blocks(state: &mut Self::State, blocks: &[Self::Block]);
    /// Compresses `bytes`, a whole number of blocks, into the state.
    fn compress_bytes(state: &mut Self::State, bytes: &[u8]);
    /// Compresses one block into the state.
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        Self::compress_blocks(state, core::slice::from_ref(block));
    }
    /// Writes the message length in bits into the last block's tail.
    fn write_len(tail: &mut [u8], bits: u128) {
        let bytes = if Self::LITTLE_ENDIAN {
            bits.to_le_bytes()
        } else {
            bits.to_be_bytes()
        };
        let n = Self::LEN_BYTES;
        if Self::LITTLE_ENDIAN {
            tail.copy_from_slice(&bytes[..n]);
        } else {
            tail.copy_from_slice(&bytes[16 - n..]);
        }
    }
    /// Writes the state's `OUT` bytes into `out`, in the hash's byte order.
    fn write_out(state: &Self::State, out: &mut [u8]);
    /// `acc ^= u`: the output is the whole state, so XOR of outputs is XOR of states.
    fn xor(acc: &mut Self::State, u: &Self::State);
}

fn xor_words<W: core::ops::BitXorAssign + Copy>(acc: &mut [W], u: &[W]) {
    for (a, &b) in acc.iter_mut().zip(u) {
        *a ^= b;
    }
}

/// MD5.
pub(crate) struct Md5;
/// SHA-1.
pub(crate) struct Sha1;
/// SHA-256.
pub(crate) struct Sha256;
/// SHA-512.
pub(crate) struct Sha512;

impl Compress for Md5 {
    type State = [u32; 4];
    type Block = [u8; 64];
    const OUT: usize = 16;
    const LEN_BYTES: usize = 8;
    const LITTLE_ENDIAN: bool = true;
    const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    const ZERO: [u8; 64] = [0; 64];

    #[inline(always)]
    fn compress_blocks(state: &mut [u32; 4], blocks: &[[u8; 64]]) {
        md5::block_api::compress(state, blocks);
    }

    #[inline(always)]
    fn compress_bytes(state: &mut [u32; 4], bytes: &[u8]) {
        let (blocks, rest) = bytes.as_chunks::<64>();
        debug_assert!(rest.is_empty());
        md5::block_api::compress(state, blocks);
    }

    #[inline(always)]
    fn xor(acc: &mut [u32; 4], u: &[u32; 4]) {
        xor_words(acc, u);
    }

    #[inline(always)]
    fn write_out(state: &[u32; 4], out: &mut [u8]) {
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_le_bytes());
        }
    }
}

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
    fn compress_blocks(state: &mut [u32; 5], blocks: &[[u8; 64]]) {
        sha1::block_api::compress(state, blocks);
    }

    #[inline(always)]
    fn compress_bytes(state: &mut [u32; 5], bytes: &[u8]) {
        let (blocks, rest) = bytes.as_chunks::<64>();
        debug_assert!(rest.is_empty());
        sha1::block_api::compress(state, blocks);
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
    fn compress_blocks(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
        sha2::block_api::compress256(state, blocks);
    }

    #[inline(always)]
    fn compress_bytes(state: &mut [u32; 8], bytes: &[u8]) {
        let (blocks, rest) = bytes.as_chunks::<64>();
        debug_assert!(rest.is_empty());
        sha2::block_api::compress256(state, blocks);
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
    fn compress_blocks(state: &mut [u64; 8], blocks: &[[u8; 128]]) {
        sha2::block_api::compress512(state, blocks);
    }

    #[inline(always)]
    fn compress_bytes(state: &mut [u64; 8], bytes: &[u8]) {
        let (blocks, rest) = bytes.as_chunks::<128>();
        debug_assert!(rest.is_empty());
        sha2::block_api::compress512(state, blocks);
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
pub(crate) fn finish<H: Compress>(mut state: H::State, done: usize, parts: &[&[u8]]) -> H::State {
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
    H::write_len(
        &mut block.as_mut()[size - H::LEN_BYTES..],
        (total as u128) * 8,
    );
    H::compress(&mut state, &block);
    block.zeroize();
    state
}
