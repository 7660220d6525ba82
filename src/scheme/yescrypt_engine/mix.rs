//! yescrypt's mixing functions on 64-byte sub-blocks held in libxcrypt's SIMD order: the
//! Salsa20 core, scrypt's BlockMix_salsa20/8 and yescrypt's BlockMix_pwxform with its
//! S-boxes. Every function here is a pure transformation of blocks already in memory.

#![forbid(unsafe_code)]

use zeroize::Zeroize;

/// One 64-byte sub-block as eight 64-bit lanes, its sixteen 32-bit words permuted so that
/// lanes `2k` and `2k + 1` hold row `k` of the Salsa20 state rotated onto the diagonals
/// (libxcrypt's `salsa20_simd_shuffle`). pwxform and its S-boxes are defined on this layout,
/// and in it each lane pair is one SIMD multiply-add-XOR. Aligned to a cache line: at
/// malloc's 16-byte alignment every sub-block of V straddled two lines, which cost about a
/// tenth of the time.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct Sub(pub(super) [u64; 8]);

impl Zeroize for Sub {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// One pwxform S-box: 256 entries of two lanes (4 KiB), written 64 bytes at a time. Entries
/// are 16-byte aligned in any `Vec`, so no read straddles a cache line.
pub(super) type Sbox = [[u64; 8]; 64];

/// `SHUFFLE[k] = (a, b)`: lane `k` is word `2a` (low half) and word `2b + 1` (high half).
const SHUFFLE: [(usize, usize); 8] = [
    (0, 2),
    (5, 7),
    (2, 4),
    (7, 1),
    (4, 6),
    (1, 3),
    (6, 0),
    (3, 5),
];

/// Where sub-block `k` of a block of `n` sub-blocks is kept. Salsa20/8 blocks are kept in
/// the order BlockMix_salsa20/8 produces them (`Y_0, Y_1, ...`, scrypt's order being the
/// even ones, then the odd ones), so that its outputs are written one after another; their
/// inputs are read from the slots. pwxform blocks are kept in scrypt's order.
#[inline(always)]
pub(super) fn slot(k: usize, n: usize, salsa: bool) -> usize {
    let r = n / 2;
    match (salsa, k < r) {
        (false, _) => k,
        (true, true) => 2 * k,
        (true, false) => 2 * (k - r) + 1,
    }
}

/// Reads little-endian bytes into SIMD-order sub-blocks, each in its slot.
pub(super) fn shuffle_in(bytes: &[u8], out: &mut [Sub], salsa: bool) {
    let (chunks, rest) = bytes.as_chunks::<64>();
    debug_assert!(rest.is_empty() && chunks.len() == out.len());
    for (k, chunk) in chunks.iter().enumerate() {
        let word = |i: usize| {
            u64::from(u32::from_le_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]))
        };
        out[slot(k, chunks.len(), salsa)] =
            Sub(SHUFFLE.map(|(a, b)| word(2 * a) | (word(2 * b + 1) << 32)));
    }
}

/// Writes SIMD-order sub-blocks back as little-endian bytes, each from its slot.
pub(super) fn shuffle_out(subs: &[Sub], bytes: &mut [u8], salsa: bool) {
    let (chunks, rest) = bytes.as_chunks_mut::<64>();
    debug_assert!(rest.is_empty() && chunks.len() == subs.len());
    let n = chunks.len();
    for (k, chunk) in chunks.iter_mut().enumerate() {
        for (&lane, &(a, b)) in subs[slot(k, n, salsa)].0.iter().zip(&SHUFFLE) {
            chunk[8 * a..8 * a + 4].copy_from_slice(&(lane as u32).to_le_bytes());
            chunk[8 * b + 4..8 * b + 8].copy_from_slice(&((lane >> 32) as u32).to_le_bytes());
        }
    }
}

/// The low 32 bits of Integerify: word 0 of the last sub-block, lane 0's low half in SIMD
/// order. Every `N` yescrypt accepts is at most 2^31, so the high word never matters.
#[inline(always)]
pub(super) fn integerify(x: &Sub) -> usize {
    x.0[0] as u32 as usize
}

#[inline(always)]
fn xor_into(x: &mut Sub, y: &Sub) {
    for (a, b) in x.0.iter_mut().zip(&y.0) {
        *a ^= b;
    }
}

type Row = [u32; 4];

/// `out ^= (a + b) <<< s`, lane-wise.
#[inline(always)]
fn arx(out: &mut Row, a: &Row, b: &Row, s: u32) {
    for i in 0..4 {
        out[i] ^= a[i].wrapping_add(b[i]).rotate_left(s);
    }
}

/// The Salsa20 core with `DOUBLE_ROUNDS` double rounds, in place, on a SIMD-order sub-block:
/// the column and row rounds work on whole rows, rotated between them as `pshufd` would in
/// libxcrypt. The compiler keeps this scalar (with `rol`), which measures as fast as
/// libxcrypt's SSE2 rounds.
#[inline(always)]
fn salsa20<const DOUBLE_ROUNDS: usize>(Sub(block): &mut Sub) {
    let row = |k: usize| -> Row {
        let (l, h) = (block[2 * k], block[2 * k + 1]);
        [l as u32, (l >> 32) as u32, h as u32, (h >> 32) as u32]
    };
    let (z0, z1, z2, z3) = (row(0), row(1), row(2), row(3));
    let (mut x0, mut x1, mut x2, mut x3) = (z0, z1, z2, z3);
    for _ in 0..DOUBLE_ROUNDS {
        arx(&mut x1, &x0, &x3, 7);
        arx(&mut x2, &x1, &x0, 9);
        arx(&mut x3, &x2, &x1, 13);
        arx(&mut x0, &x3, &x2, 18);
        x1 = [x1[3], x1[0], x1[1], x1[2]];
        x2 = [x2[2], x2[3], x2[0], x2[1]];
        x3 = [x3[1], x3[2], x3[3], x3[0]];
        arx(&mut x3, &x0, &x1, 7);
        arx(&mut x2, &x3, &x0, 9);
        arx(&mut x1, &x2, &x3, 13);
        arx(&mut x0, &x1, &x2, 18);
        x1 = [x1[1], x1[2], x1[3], x1[0]];
        x2 = [x2[2], x2[3], x2[0], x2[1]];
        x3 = [x3[3], x3[0], x3[1], x3[2]];
    }
    for (k, (x, z)) in [(x0, z0), (x1, z1), (x2, z2), (x3, z3)].iter().enumerate() {
        let w: Row = core::array::from_fn(|i| x[i].wrapping_add(z[i]));
        block[2 * k] = u64::from(w[0]) | (u64::from(w[1]) << 32);
        block[2 * k + 1] = u64::from(w[2]) | (u64::from(w[3]) << 32);
    }
}

/// `dst = a ^ b`, sub-block by sub-block. Salsa20/8's SMix2 runs this before its BlockMix
/// rather than XORing inside it: the loads are independent, so a `V_j` that has left the
/// cache arrives in one round trip rather than one per line behind the dependency chain
/// (libxcrypt prefetches instead, which Rust only offers as `unsafe`). pwxform's chain is
/// slow enough to hide the misses, and BlockMix starts from the last sub-block, so there
/// this pass would only add latency.
pub(super) fn xor_blocks(dst: &mut [Sub], a: &[Sub], b: &[Sub]) {
    for ((d, a), b) in dst.iter_mut().zip(a).zip(b) {
        *d = *a;
        xor_into(d, b);
    }
}

/// Where a BlockMix reads its `2r` input sub-blocks and writes its `2r` outputs. Each kind
/// names one access pattern of SMix, so that outputs go straight to their final place.
pub(super) trait Io {
    /// Number of sub-blocks, `2r`.
    fn len(&self) -> usize;
    /// Input sub-block `i` without side effects: the chain's starting value.
    fn peek(&self, i: usize) -> Sub;
    /// Input sub-block `i`, read once, before output `i` is written.
    fn take(&mut self, i: usize) -> Sub;
    /// Writes output sub-block `i`; outputs come in order `0, 1, ...`.
    fn put(&mut self, i: usize, x: &Sub);
}

/// SMix1: input `V[src..]`, XORed with `V[xor..]` if any, output appended to V. V is never
/// zero-filled: every block is written by the BlockMix that makes it.
pub(super) struct Append<'a> {
    pub(super) v: &'a mut Vec<Sub>,
    pub(super) src: usize,
    pub(super) xor: Option<usize>,
    pub(super) len: usize,
}

/// Input `src`, output `dst`.
pub(super) struct Plain<'a> {
    pub(super) src: &'a [Sub],
    pub(super) dst: &'a mut [Sub],
}

/// Input `a ^ b`, output `dst`.
pub(super) struct Xor<'a> {
    pub(super) a: &'a [Sub],
    pub(super) b: &'a [Sub],
    pub(super) dst: &'a mut [Sub],
}

/// Input `x ^ v`, output over `x`.
pub(super) struct XorInPlace<'a> {
    pub(super) x: &'a mut [Sub],
    pub(super) v: &'a [Sub],
}

/// Input `x ^ v`, also written back over `v` (SMix2's `V_j <- X` in RW mode), output over
/// `x`.
pub(super) struct XorSave<'a> {
    pub(super) x: &'a mut [Sub],
    pub(super) v: &'a mut [Sub],
}

impl Io for Append<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }
    #[inline(always)]
    fn peek(&self, i: usize) -> Sub {
        let mut y = self.v[self.src + i];
        if let Some(j) = self.xor {
            xor_into(&mut y, &self.v[j + i]);
        }
        y
    }
    #[inline(always)]
    fn take(&mut self, i: usize) -> Sub {
        self.peek(i)
    }
    #[inline(always)]
    fn put(&mut self, _: usize, x: &Sub) {
        self.v.push(*x);
    }
}

impl Io for Plain<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.src.len()
    }
    #[inline(always)]
    fn peek(&self, i: usize) -> Sub {
        self.src[i]
    }
    #[inline(always)]
    fn take(&mut self, i: usize) -> Sub {
        self.src[i]
    }
    #[inline(always)]
    fn put(&mut self, i: usize, x: &Sub) {
        self.dst[i] = *x;
    }
}

impl Io for Xor<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.a.len()
    }
    #[inline(always)]
    fn peek(&self, i: usize) -> Sub {
        let mut y = self.a[i];
        xor_into(&mut y, &self.b[i]);
        y
    }
    #[inline(always)]
    fn take(&mut self, i: usize) -> Sub {
        self.peek(i)
    }
    #[inline(always)]
    fn put(&mut self, i: usize, x: &Sub) {
        self.dst[i] = *x;
    }
}

impl Io for XorInPlace<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }
    #[inline(always)]
    fn peek(&self, i: usize) -> Sub {
        let mut y = self.x[i];
        xor_into(&mut y, &self.v[i]);
        y
    }
    #[inline(always)]
    fn take(&mut self, i: usize) -> Sub {
        self.peek(i)
    }
    #[inline(always)]
    fn put(&mut self, i: usize, x: &Sub) {
        self.x[i] = *x;
    }
}

impl Io for XorSave<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }
    #[inline(always)]
    fn peek(&self, i: usize) -> Sub {
        let mut y = self.x[i];
        xor_into(&mut y, &self.v[i]);
        y
    }
    #[inline(always)]
    fn take(&mut self, i: usize) -> Sub {
        let y = self.peek(i);
        self.v[i] = y;
        y
    }
    #[inline(always)]
    fn put(&mut self, i: usize, x: &Sub) {
        self.x[i] = *x;
    }
}

/// scrypt's BlockMix_salsa20/8 on blocks kept in production order (see [`slot`]): input
/// sub-block `k` is read from its slot, outputs are written in order. Returns Integerify of
/// the output.
#[inline(always)]
pub(super) fn blockmix_salsa8(io: &mut impl Io) -> usize {
    let n = io.len();
    let mut x = io.peek(n - 1);
    for k in 0..n {
        xor_into(&mut x, &io.take(slot(k, n, true)));
        salsa20::<4>(&mut x);
        io.put(k, &x);
    }
    integerify(&x)
}

/// One pwxform round on a sub-block: four parallel lanes of two 64-bit words, each word
/// `x = ((x_hi * x_lo) + S0[j]) ^ S1[k]` with `j`, `k` from the lane's first word.
#[inline(always)]
fn pwxform_round(x: &mut [u64; 8], s0: &[u64], s1: &[u64]) {
    for lane in x.as_chunks_mut::<2>().0 {
        // Byte offset `x & 0xff0` of a 16-byte entry, as an index of 64-bit words.
        let p0 = (lane[0] as usize >> 3) & 0x1fe;
        let p1 = ((lane[0] >> 32) as usize >> 3) & 0x1fe;
        for (k, word) in lane.iter_mut().enumerate() {
            let product = (*word >> 32) * (*word & 0xffff_ffff);
            *word = product.wrapping_add(s0[p0 | k]) ^ s1[p1 | k];
        }
    }
}

/// pwxform: six rounds, the middle four also written to S2 at `4w..4w + 4`. Unrolled, so
/// that the S2 writes cost no branches between rounds.
#[inline(always)]
fn pwxform(Sub(x): &mut Sub, s0: &Sbox, s1: &Sbox, s2: &mut Sbox, w: usize) {
    let (s0, s1) = (s0.as_flattened(), s1.as_flattened());
    let s2 = &mut s2.as_chunks_mut::<4>().0[w % 16];
    pwxform_round(x, s0, s1);
    for dst in s2 {
        pwxform_round(x, s0, s1);
        *dst = *x;
    }
    pwxform_round(x, s0, s1);
}

/// One lane's pwxform S-boxes: three 4 KiB boxes whose roles (S0, S1, S2) rotate after every
/// pwxform, and the write position in S2.
pub(super) struct Pwxform<'a> {
    boxes: &'a mut [Sbox; 3],
    /// Rotations done so far, mod 3.
    phase: usize,
    /// Next S2 write position, in 4-sub-block units.
    w: usize,
}

impl<'a> Pwxform<'a> {
    /// Takes S-boxes already filled (by SMix1 with Salsa20/8 over them as `V`).
    pub(super) fn new(boxes: &'a mut [Sbox; 3]) -> Self {
        Self {
            boxes,
            phase: 0,
            w: 0,
        }
    }

    /// yescrypt's BlockMix_pwxform: a chain of pwxform over the sub-blocks, then Salsa20/2
    /// on the last. Returns Integerify of the output.
    #[inline(always)]
    pub(super) fn blockmix(&mut self, io: &mut impl Io) -> usize {
        let n = io.len();
        // Storage thirds [a, b, c] begin as (S2, S1, S0) = (a, b, c) and rotate
        // (S0, S1, S2) <- (S2, S0, S1).
        let [a, b, c] = &mut *self.boxes;
        let (mut s0, mut s1, mut s2) = match self.phase {
            0 => (c, b, a),
            1 => (a, c, b),
            _ => (b, a, c),
        };
        let mut w = self.w;
        let mut x = io.peek(n - 1);
        for i in 0..n {
            xor_into(&mut x, &io.take(i));
            pwxform(&mut x, s0, s1, s2, w);
            w = (w + 1) % 16;
            (s0, s1, s2) = (s2, s0, s1);
            if i + 1 < n {
                io.put(i, &x);
            }
        }
        salsa20::<1>(&mut x);
        io.put(n - 1, &x);
        self.phase = (self.phase + n) % 3;
        self.w = w;
        integerify(&x)
    }
}
