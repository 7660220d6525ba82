//! The round loop md5crypt and SHA-crypt share. Round `i` hashes
//! `[P or C] [S if i % 3] [P if i % 7] [C or P]` (P first when `i` is odd), where C is the
//! previous digest. Only C changes between rounds, so each of the eight layouts is padded
//! once into whole blocks, and a round is: write C into its slot, compress the blocks.
//!
//! When C starts past the first block (odd rounds with a long P and S), the blocks before it
//! are the same every time: their chaining state is computed once per layout, and a round
//! compresses only from C's block on. For long passwords this halves the work.

#![forbid(unsafe_code)]

use zeroize::{Zeroize as _, Zeroizing};

use super::compress::Compress;

/// One message layout, padded to whole blocks, and where C goes in it.
struct Layout<H: Compress> {
    message: Zeroizing<Vec<u8>>,
    digest_at: usize,
    /// Where the first block holding C begins; the blocks before it never change.
    tail_at: usize,
    /// The chaining state after those constant blocks.
    prefix: H::State,
}

impl<H: Compress> Layout<H> {
    fn new(key: usize, p: &[u8], s: &[u8]) -> Self {
        let (odd, with_s, with_p) = (key & 1 != 0, key & 2 != 0, key & 4 != 0);
        let c = &[0u8; 64][..H::OUT];
        let parts = [
            if odd { p } else { c },
            if with_s { s } else { &[] },
            if with_p { p } else { &[] },
            if odd { c } else { p },
        ];
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let size = H::ZERO.as_ref().len();
        let total = (len + 1 + H::LEN_BYTES).div_ceil(size) * size;
        let mut message = Zeroizing::new(Vec::with_capacity(total));
        for part in parts {
            message.extend_from_slice(part);
        }
        message.push(0x80);
        message.resize(total, 0);
        H::write_len(&mut message[total - H::LEN_BYTES..], len as u128 * 8);
        let digest_at = if odd { len - H::OUT } else { 0 };
        let tail_at = digest_at - digest_at % size;
        let mut prefix = H::IV;
        H::compress_bytes(&mut prefix, &message[..tail_at]);
        Self {
            message,
            digest_at,
            tail_at,
            prefix,
        }
    }
}

impl<H: Compress> Drop for Layout<H> {
    fn drop(&mut self) {
        self.prefix.zeroize();
    }
}

/// Which layout round `i` uses: bit 0 odd, bit 1 `i % 3 != 0`, bit 2 `i % 7 != 0`.
const fn layout_of(i: u32) -> usize {
    (i & 1) as usize | (!i.is_multiple_of(3) as usize) << 1 | (!i.is_multiple_of(7) as usize) << 2
}

/// Runs `rounds` rounds from the digest `c` (its `H::OUT` bytes) and writes the final digest
/// back into `c`.
pub(crate) fn crypt_rounds<H: Compress>(c: &mut [u8], p: &[u8], s: &[u8], rounds: u32) {
    debug_assert_eq!(c.len(), H::OUT);
    let mut layouts: [Layout<H>; 8] = core::array::from_fn(|key| Layout::new(key, p, s));
    if rounds == 0 {
        return;
    }
    let first = &mut layouts[layout_of(0)];
    first.message[first.digest_at..first.digest_at + H::OUT].copy_from_slice(c);
    let mut state = H::IV;
    for i in 0..rounds {
        let layout = &layouts[layout_of(i)];
        state = layout.prefix;
        H::compress_bytes(&mut state, &layout.message[layout.tail_at..]);
        if i + 1 < rounds {
            let next = &mut layouts[layout_of(i + 1)];
            H::write_out(
                &state,
                &mut next.message[next.digest_at..next.digest_at + H::OUT],
            );
        }
    }
    H::write_out(&state, c);
    state.zeroize();
}
