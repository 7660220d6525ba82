//! The DES block cipher (FIPS 46-3) as crypt(3) drives it: a key schedule, and the all-zero
//! block encrypted over and over under a 12-bit salt that swaps pairs of E-box outputs.
//!
//! Every permutation runs through tables built at compile time from the standard's tables:
//! PC-1 and PC-2 by 7-bit chunks, the S-boxes fused with P (one 64-entry table per S-box),
//! the final permutation by nibbles. The E expansion is a handful of shifts and masks. A
//! round is thus eight table look-ups and no loop over bits. The initial permutation is never
//! computed: crypt(3) encrypts the zero block, which every permutation leaves at zero, and
//! between two encryptions the final and initial permutations cancel out.

#![forbid(unsafe_code)]

use zeroize::Zeroize as _;

/// FIPS 46-3 permuted choice 1: the key bit (1-based, 1 = most significant) of each bit of
/// C (first 28) and D (last 28).
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, //
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, //
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, //
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: the bit of C‖D behind each of the 48 subkey bits. The first 24 come
/// from C only and the last 24 from D only, so each half is permuted on its own.
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, //
    23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, //
    41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, //
    44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of C and D before each round.
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// The eight S-boxes, each as 4 rows of 16 columns.
const S: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, //
        0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, //
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, //
        15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, //
        3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, //
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, //
        13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, //
        13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, //
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, //
        1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, //
        13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, //
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, //
        3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, //
        14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, //
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, //
        11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, //
        10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, //
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, //
        4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, //
        13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, //
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, //
        6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, //
        1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, //
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, //
        2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

/// The permutation P applied to the S-box outputs.
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, //
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

/// The final permutation IP⁻¹.
const FP: [u8; 64] = [
    40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, //
    38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29, //
    36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, //
    34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];

/// For key byte `j` whose seven key bits (the parity bit, the lowest, is ignored) are `v`:
/// the bits of C (`half` 0) or D (`half` 1) they set, bit 27 being the first.
const fn pc1_table(half: usize) -> [[u32; 128]; 8] {
    let mut t = [[0u32; 128]; 8];
    let mut j = 0;
    while j < 8 {
        let mut v = 0;
        while v < 128 {
            let byte = (v as u32) << 1;
            let mut o = 0;
            while o < 28 {
                let src = PC1[half * 28 + o] as usize - 1;
                if src / 8 == j && (byte >> (7 - src % 8)) & 1 == 1 {
                    t[j][v] |= 1 << (27 - o);
                }
                o += 1;
            }
            v += 1;
        }
        j += 1;
    }
    t
}

/// For the `q`-th 7-bit chunk of C (`half` 0) or D (`half` 1), first chunk most significant:
/// the 24 subkey bits (bit 23 first) it sets for that half.
const fn pc2_table(half: usize) -> [[u32; 128]; 4] {
    let mut t = [[0u32; 128]; 4];
    let mut q = 0;
    while q < 4 {
        let mut v = 0;
        while v < 128 {
            let mut o = 0;
            while o < 24 {
                let src = PC2[half * 24 + o] as usize - 1 - half * 28;
                if src / 7 == q && (v >> (6 - src % 7)) & 1 == 1 {
                    t[q][v] |= 1 << (23 - o);
                }
                o += 1;
            }
            v += 1;
        }
        q += 1;
    }
    t
}

/// S-box `i` fused with P: for the 6-bit input `x` (E-output order, first bit most
/// significant), S-box `i`'s four output bits at their place in f's 32 bits, permuted by P.
const fn sp_table() -> [[u32; 64]; 8] {
    let mut t = [[0u32; 64]; 8];
    let mut i = 0;
    while i < 8 {
        let mut x = 0;
        while x < 64 {
            // The outer bits select the row, the inner four the column.
            let row = ((x >> 4) & 2) | (x & 1);
            let col = (x >> 1) & 0xf;
            let s = (S[i][row * 16 + col] as u32) << (28 - 4 * i);
            let mut o = 0;
            while o < 32 {
                if (s >> (32 - P[o] as u32)) & 1 == 1 {
                    t[i][x] |= 1 << (31 - o);
                }
                o += 1;
            }
            x += 1;
        }
        i += 1;
    }
    t
}

/// A 64-bit permutation by nibbles: `t[n][v]` holds the output bits that input nibble `n`
/// (most significant first) sets when it is `v`.
const fn nibble_table(perm: &[u8; 64]) -> [[u64; 16]; 16] {
    let mut t = [[0u64; 16]; 16];
    let mut o = 0;
    while o < 64 {
        let src = perm[o] as usize - 1;
        let mut v = 0;
        while v < 16 {
            if (v >> (3 - src % 4)) & 1 == 1 {
                t[src / 4][v] |= 1 << (63 - o);
            }
            v += 1;
        }
        o += 1;
    }
    t
}

static PC1_C: [[u32; 128]; 8] = pc1_table(0);
static PC1_D: [[u32; 128]; 8] = pc1_table(1);
static PC2_C: [[u32; 128]; 4] = pc2_table(0);
static PC2_D: [[u32; 128]; 4] = pc2_table(1);
static SP: [[u32; 64]; 8] = sp_table();
static FP_NIBBLES: [[u64; 16]; 16] = nibble_table(&FP);

fn permute64(table: &[[u64; 16]; 16], x: u64) -> u64 {
    table.iter().enumerate().fold(0, |out, (n, t)| {
        out | t[((x >> (60 - 4 * n)) & 0xf) as usize]
    })
}

/// The 16 round subkeys, each as two 24-bit halves laid out like [`expand`]'s.
pub(crate) struct KeySchedule {
    keys: [(u32, u32); 16],
}

impl KeySchedule {
    /// Schedules a DES key (8 bytes, the lowest bit of each a parity bit that DES ignores).
    pub(crate) fn new(key: &[u8; 8]) -> Self {
        let (mut c, mut d) = (0u32, 0u32);
        for (j, &b) in key.iter().enumerate() {
            let v = usize::from(b >> 1);
            c |= PC1_C[j][v];
            d |= PC1_D[j][v];
        }
        let mut keys = [(0, 0); 16];
        for (k, &shift) in keys.iter_mut().zip(&SHIFTS) {
            c = rotate28(c, shift);
            d = rotate28(d, shift);
            *k = (pc2(&PC2_C, c), pc2(&PC2_D, d));
        }
        c.zeroize();
        d.zeroize();
        Self { keys }
    }
}

impl Drop for KeySchedule {
    fn drop(&mut self) {
        for (l, r) in &mut self.keys {
            l.zeroize();
            r.zeroize();
        }
    }
}

const fn rotate28(x: u32, n: u32) -> u32 {
    ((x << n) | (x >> (28 - n))) & 0x0fff_ffff
}

fn pc2(table: &[[u32; 128]; 4], half: u32) -> u32 {
    table.iter().enumerate().fold(0, |k, (q, t)| {
        k | t[((half >> (21 - 7 * q)) & 0x7f) as usize]
    })
}

/// The E expansion of `r` as two 24-bit halves, E's first output at bit 23 of the first.
#[inline(always)]
const fn expand(r: u32) -> (u32, u32) {
    let left = ((r & 0x0000_0001) << 23)
        | ((r & 0xf800_0000) >> 9)
        | ((r & 0x1f80_0000) >> 11)
        | ((r & 0x01f8_0000) >> 13)
        | ((r & 0x001f_8000) >> 15);
    let right = ((r & 0x0001_f800) << 7)
        | ((r & 0x0000_1f80) << 5)
        | ((r & 0x0000_01f8) << 3)
        | ((r & 0x0000_001f) << 1)
        | (r >> 31);
    (left, right)
}

/// The round function f(R, K) with crypt(3)'s salt: where `salt_mask` has a bit, the
/// matching bits of E's two halves trade places before the subkey is mixed in.
#[inline(always)]
fn feistel(r: u32, (kl, kr): (u32, u32), salt_mask: u32) -> u32 {
    let (left, right) = expand(r);
    let swap = (left ^ right) & salt_mask;
    let left = left ^ swap ^ kl;
    let right = right ^ swap ^ kr;
    let sp = |i: usize, x: u32| SP[i][(x & 0x3f) as usize];
    sp(0, left >> 18)
        ^ sp(1, left >> 12)
        ^ sp(2, left >> 6)
        ^ sp(3, left)
        ^ sp(4, right >> 18)
        ^ sp(5, right >> 12)
        ^ sp(6, right >> 6)
        ^ sp(7, right)
}

/// Sixteen rounds on the initially permuted halves `(l, r)`; returns `(L16, R16)`.
#[inline(always)]
fn sixteen_rounds(keys: &[(u32, u32); 16], salt_mask: u32, mut l: u32, mut r: u32) -> (u32, u32) {
    // Two rounds per step, so that the halves never need swapping.
    for pair in keys.chunks_exact(2) {
        l ^= feistel(r, pair[0], salt_mask);
        r ^= feistel(l, pair[1], salt_mask);
    }
    (l, r)
}

/// The 24-bit swap mask of a 12-bit crypt(3) salt: salt bit `i` marks E output `i` (bit
/// `23 - i` of each half), which trades places with E output `i + 24`.
const fn salt_mask(salt: u16) -> u32 {
    ((salt as u32) & 0xfff).reverse_bits() >> 8
}

/// Encrypts the all-zero block `count` times in a row under `schedule` and the 12-bit `salt`
/// (salt 0 is plain DES), and returns the last ciphertext.
pub(crate) fn encrypt_zero_block(schedule: &KeySchedule, salt: u16, count: u32) -> u64 {
    let mask = salt_mask(salt);
    let (mut l, mut r) = (0u32, 0u32);
    for _ in 0..count {
        let (l16, r16) = sixteen_rounds(&schedule.keys, mask, l, r);
        // The output R16‖L16 goes through IP⁻¹, the next input through IP: they cancel.
        (l, r) = (r16, l16);
    }
    permute64(&FP_NIBBLES, (u64::from(l) << 32) | u64::from(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The initial permutation, applied bit by bit: an independent path for the tests.
    const IP: [u8; 64] = [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, //
        62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, //
        57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, //
        61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ];

    /// The expansion E, for checking [`expand`].
    const E: [u8; 48] = [
        32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, //
        8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, //
        16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, //
        24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
    ];

    fn permute_bits(table: &[u8], width: u32, x: u64) -> u64 {
        table.iter().fold(0, |out, &src| {
            (out << 1) | ((x >> (width - u32::from(src))) & 1)
        })
    }

    /// One plain DES encryption of an arbitrary block (salt 0, one pass).
    fn encrypt_block(key: &[u8; 8], block: [u8; 8]) -> [u8; 8] {
        let x = permute_bits(&IP, 64, u64::from_be_bytes(block));
        let schedule = KeySchedule::new(key);
        let (l, r) = sixteen_rounds(&schedule.keys, 0, (x >> 32) as u32, x as u32);
        permute64(&FP_NIBBLES, (u64::from(r) << 32) | u64::from(l)).to_be_bytes()
    }

    /// A small deterministic generator (xorshift64*), so that failures reproduce.
    fn stream(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    #[test]
    fn tables_invert_what_they_should() {
        let mut next = stream(1);
        for _ in 0..1000 {
            let x = next();
            assert_eq!(permute64(&FP_NIBBLES, permute_bits(&IP, 64, x)), x);
            assert_eq!(
                permute64(&FP_NIBBLES, x),
                permute_bits(&FP, 64, x),
                "{x:016x}"
            );
            let r = x as u32;
            let (left, right) = expand(r);
            let e = permute_bits(&E, 32, u64::from(r));
            assert_eq!((u64::from(left) << 24) | u64::from(right), e);
        }
        assert_eq!(salt_mask(1), 1 << 23);
        assert_eq!(salt_mask(0x800), 1 << 12);
        assert_eq!(salt_mask(0xffff), 0x00ff_f000);
    }

    /// FIPS 81 appendix B (ECB example) and NBS SP 500-20 known-answer tests.
    #[test]
    fn published_vectors() {
        let cases: [(u64, u64, u64); 6] = [
            // FIPS 81 table B1: "Now is the time for all " under 0123456789abcdef.
            (
                0x0123_4567_89ab_cdef,
                0x4e6f_7720_6973_2074,
                0x3fa4_0e8a_984d_4815,
            ),
            (
                0x0123_4567_89ab_cdef,
                0x6865_2074_696d_6520,
                0x6a27_1787_ab88_83f9,
            ),
            (
                0x0123_4567_89ab_cdef,
                0x666f_7220_616c_6c20,
                0x893d_51ec_4b56_3b53,
            ),
            // SP 500-20 variable plaintext and variable key tests (key bits 8, 16… are parity).
            (
                0x0101_0101_0101_0101,
                0x8000_0000_0000_0000,
                0x95f8_a5e5_dd31_d900,
            ),
            (
                0x0101_0101_0101_0101,
                0x4000_0000_0000_0000,
                0xdd7f_121c_a501_5619,
            ),
            (
                0x8001_0101_0101_0101,
                0x0000_0000_0000_0000,
                0x95a8_d728_13da_a94d,
            ),
        ];
        for (key, plain, cipher) in cases {
            assert_eq!(
                encrypt_block(&key.to_be_bytes(), plain.to_be_bytes()),
                cipher.to_be_bytes(),
                "key {key:016x} block {plain:016x}"
            );
        }
    }

    /// Against RustCrypto's `des` (a separate implementation): single blocks, and the
    /// unsalted zero-block chain crypt(3) runs.
    #[test]
    fn agrees_with_the_des_crate() {
        use des::cipher::{BlockCipherEncrypt as _, KeyInit as _};
        let mut next = stream(0x5eed);
        for i in 0..2000 {
            let key = next().to_be_bytes();
            let block = next().to_be_bytes();
            let theirs = des::Des::new(&key.into());
            let mut b = block.into();
            theirs.encrypt_block(&mut b);
            assert_eq!(encrypt_block(&key, block), <[u8; 8]>::from(b), "{i}");
            if i % 20 == 0 {
                let count = 1 + (next() % 30) as u32;
                let mut chain = [0u8; 8].into();
                for _ in 0..count {
                    theirs.encrypt_block(&mut chain);
                }
                let ours = encrypt_zero_block(&KeySchedule::new(&key), 0, count);
                assert_eq!(ours.to_be_bytes(), <[u8; 8]>::from(chain), "{i}");
            }
        }
    }

    #[test]
    fn parity_bits_are_ignored() {
        let key = 0x1334_5779_9bbc_dff1u64.to_be_bytes();
        let flipped = key.map(|b| b ^ 1);
        let block = 0x0123_4567_89ab_cdefu64.to_be_bytes();
        // The textbook example (key 133457799bbcdff1).
        assert_eq!(
            encrypt_block(&key, block),
            0x85e8_1354_0f0a_b405u64.to_be_bytes()
        );
        assert_eq!(encrypt_block(&flipped, block), encrypt_block(&key, block));
    }
}
