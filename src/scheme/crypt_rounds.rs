//! The round loop md5crypt and SHA-crypt share. Round `i` hashes
//! `[P or C] [S if i % 3] [P if i % 7] [C or P]` (P first when `i` is odd), where C is the
//! previous digest. Only C changes between rounds, so each of the eight layouts is padded
//! once into whole blocks, and a round is: write C into its slot, compress the blocks.

use zeroize::Zeroizing;

use super::compress::Compress;

/// One message layout, padded to whole blocks, and where C goes in it.
struct Layout {
    message: Zeroizing<Vec<u8>>,
    digest_at: usize,
}

impl Layout {
    fn new<H: Compress>(key: usize, p: &[u8], s: &[u8]) -> Self {
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
        Self {
            message,
            digest_at: if odd { len - H::OUT } else { 0 },
        }
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
    let mut layouts: [Layout; 8] = core::array::from_fn(|key| Layout::new::<H>(key, p, s));
    if rounds == 0 {
        return;
    }
    let first = &mut layouts[layout_of(0)];
    first.message[first.digest_at..first.digest_at + H::OUT].copy_from_slice(c);
    let mut state = H::IV;
    for i in 0..rounds {
        state = H::IV;
        H::compress_bytes(&mut state, &layouts[layout_of(i)].message);
        if i + 1 < rounds {
            let next = &mut layouts[layout_of(i + 1)];
            H::write_out(
                &state,
                &mut next.message[next.digest_at..next.digest_at + H::OUT],
            );
        }
    }
    H::write_out(&state, c);
    zeroize::Zeroize::zeroize(&mut state);
}
