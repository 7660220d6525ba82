//! EksBlowfish, the expensive key schedule behind bcrypt (Provos and Mazières, 1999), with
//! crypt_blowfish's `$2a$` countermeasure, in safe Rust. S-boxes are `[u32; 256]` indexed by
//! `u8`, so no look-up needs a bounds check. One to four computations of the same cost run
//! side by side as lanes, for batches; on x86-64 CPUs with BMI1 the key schedule runs in
//! `eksblowfish_bmi1`.

#![forbid(unsafe_code)]

use zeroize::Zeroize;

use super::blowfish_pi;

/// The key material after its cyclic expansion into 18 words.
pub(crate) struct ExpandedKey {
    /// Words as the correct algorithm reads the key.
    words: [u32; 18],
    /// crypt_blowfish's `$2a$` countermeasure: `0x10000` when the password has an 8-bit
    /// character in a position where the old sign-extension bug would not have changed any
    /// word, else 0. Folded into the first P-array word of the initial key addition only.
    safety: u32,
}

impl ExpandedKey {
    /// Expands `key` (the password with its NUL terminator, at most 72 bytes) by cycling over
    /// it, as every bcrypt implementation does. Branch-free in the key's bytes.
    pub(crate) fn new(key: &[u8]) -> Self {
        debug_assert!(!key.is_empty() && key.len() <= 72);
        let mut words = [0u32; 18];
        let (mut diff, mut sign) = (0u32, 0u32);
        let mut pos = 0;
        for w in &mut words {
            let (mut correct, mut buggy) = (0u32, 0u32);
            for j in 0..4 {
                let byte = key[pos];
                correct = (correct << 8) | u32::from(byte);
                // The old bug: `char` sign-extended into the whole word before the OR.
                buggy = (buggy << 8) | (i32::from(byte as i8) as u32);
                if j != 0 {
                    sign |= buggy & 0x80;
                }
                pos += 1;
                if pos == key.len() {
                    pos = 0;
                }
            }
            diff |= correct ^ buggy;
            *w = correct;
        }
        // Bit 16 of `diff` becomes set iff any word differed.
        diff |= diff >> 16;
        diff &= 0xffff;
        diff += 0xffff;
        sign <<= 9;
        Self {
            words,
            safety: sign & !diff & 0x10000,
        }
    }

    /// Whether the `$2a$` countermeasure changes this key's schedule.
    pub(crate) const fn has_safety(&self) -> bool {
        self.safety != 0
    }

    /// The same key without the countermeasure: `$2a$` as OpenBSD and Go compute it.
    pub(crate) fn without_safety(&self) -> Self {
        Self {
            words: self.words,
            safety: 0,
        }
    }
}

impl Drop for ExpandedKey {
    fn drop(&mut self) {
        self.words.zeroize();
        self.safety.zeroize();
    }
}

/// Blowfish's key-dependent state.
pub(super) struct State {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl State {
    fn initial() -> Self {
        Self {
            p: blowfish_pi::P,
            s: blowfish_pi::S,
        }
    }

    fn xor_p(&mut self, words: impl Fn(usize) -> u32) {
        for (i, p) in self.p.iter_mut().enumerate() {
            *p ^= words(i);
        }
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.p.zeroize();
        for sbox in &mut self.s {
            sbox.zeroize();
        }
    }
}

/// One bcrypt computation: the salt and key it runs on (the cost is shared by a batch).
#[derive(Clone, Copy)]
pub(crate) struct Lane<'a> {
    pub(crate) salt: &'a [u8; 16],
    pub(crate) key: &'a ExpandedKey,
}

/// The S-box indexes of a word, most significant byte first, by shifts: `to_be_bytes` would
/// put a byte swap on the round's critical path.
#[inline(always)]
pub(super) fn portable_bytes(x: u32) -> [u8; 4] {
    [(x >> 24) as u8, (x >> 16) as u8, (x >> 8) as u8, x as u8]
}

/// Blowfish's F, with `bytes` taking the word apart.
#[inline(always)]
fn f(s: &[[u32; 256]; 4], x: u32, bytes: impl Fn(u32) -> [u8; 4]) -> u32 {
    let [a, b, c, d] = bytes(x);
    ((s[0][usize::from(a)].wrapping_add(s[1][usize::from(b)])) ^ s[2][usize::from(c)])
        .wrapping_add(s[3][usize::from(d)])
}

/// Encrypts one block in each lane.
///
/// The loop carries the half F reads and the other half with the next P-word already XORed
/// in, so that each round puts one XOR after F on the critical path. Unrolled, LLVM
/// reassociates `r ^ F(l) ^ P[i]` into `(F(l) ^ P[i]) ^ r`, two XORs after F; `rounds` (16,
/// through `black_box`) keeps the loop a loop.
#[inline(always)]
pub(super) fn encrypt<const N: usize>(
    st: &[State; N],
    l: [u32; N],
    r: [u32; N],
    rounds: usize,
    bytes: impl Fn(u32) -> [u8; 4] + Copy,
) -> ([u32; N], [u32; N]) {
    let mut a: [u32; N] = core::array::from_fn(|k| l[k] ^ st[k].p[0]);
    let mut b: [u32; N] = core::array::from_fn(|k| r[k] ^ st[k].p[1]);
    for i in 2..2 + rounds.min(16) {
        for k in 0..N {
            let next = a[k] ^ st[k].p[i];
            a[k] = b[k] ^ f(&st[k].s, a[k], bytes);
            b[k] = next;
        }
    }
    (b, a)
}

/// Re-keys every lane's state from itself: encrypts a running block and writes it over P,
/// then over every S-box, in order. With `SALTED`, the first expansion: the salt's words are
/// XORed into the running block in turn.
#[inline(always)]
fn rekey<const N: usize, const SALTED: bool>(
    st: &mut [State; N],
    salt: &[[u32; 4]; N],
    encrypt: impl Fn(&[State; N], [u32; N], [u32; N]) -> ([u32; N], [u32; N]),
) {
    let (mut l, mut r) = ([0u32; N], [0u32; N]);
    let mut odd = false;
    let mut next = |st: &[State; N], l: &mut [u32; N], r: &mut [u32; N]| {
        if SALTED {
            let j = if odd { 2 } else { 0 };
            for k in 0..N {
                l[k] ^= salt[k][j];
                r[k] ^= salt[k][j + 1];
            }
            odd = !odd;
        }
        (*l, *r) = encrypt(st, *l, *r);
    };
    for i in (0..18).step_by(2) {
        next(st, &mut l, &mut r);
        for k in 0..N {
            st[k].p[i] = l[k];
            st[k].p[i + 1] = r[k];
        }
    }
    for b in 0..4 {
        for i in (0..256).step_by(2) {
            next(st, &mut l, &mut r);
            for k in 0..N {
                st[k].s[b][i] = l[k];
                st[k].s[b][i + 1] = r[k];
            }
        }
    }
}

/// bcrypt's raw output for N computations of the same cost, run side by side so that the
/// CPU overlaps their dependency chains: 24 bytes (the stored form keeps 23) of
/// "OrpheanBeholderScryDoubt" encrypted 64 times under EksBlowfish(cost, salt, key).
/// `encrypt` is [`encrypt`] with its byte extraction (portable, or BMI1's in
/// `eksblowfish_bmi1`).
#[inline(always)]
pub(super) fn lanes_with<const N: usize>(
    cost: u32,
    lanes: &[Lane<'_>; N],
    encrypt: impl Fn(&[State; N], [u32; N], [u32; N]) -> ([u32; N], [u32; N]) + Copy,
) -> [[u8; 24]; N] {
    let salt: [[u32; 4]; N] = core::array::from_fn(|k| {
        core::array::from_fn(|i| {
            let s = lanes[k].salt;
            u32::from_be_bytes([s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]])
        })
    });
    let mut st: [State; N] = core::array::from_fn(|_| State::initial());
    for (state, lane) in st.iter_mut().zip(lanes) {
        state.xor_p(|i| lane.key.words[i]);
        state.p[0] ^= lane.key.safety;
    }
    rekey::<N, true>(&mut st, &salt, encrypt);
    for _ in 0..1u64 << cost {
        for (state, lane) in st.iter_mut().zip(lanes) {
            state.xor_p(|i| lane.key.words[i]);
        }
        rekey::<N, false>(&mut st, &salt, encrypt);
        for (state, salt) in st.iter_mut().zip(&salt) {
            state.xor_p(|i| salt[i % 4]);
        }
        rekey::<N, false>(&mut st, &salt, encrypt);
    }
    const MAGIC: [u32; 6] = [
        0x4f72_7068,
        0x6561_6e42,
        0x6568_6f6c,
        0x6465_7253,
        0x6372_7944,
        0x6f75_6274,
    ];
    let mut out = [[0u8; 24]; N];
    for (i, pair) in MAGIC.chunks_exact(2).enumerate() {
        let (mut l, mut r) = ([pair[0]; N], [pair[1]; N]);
        for _ in 0..64 {
            (l, r) = encrypt(&st, l, r);
        }
        for k in 0..N {
            out[k][8 * i..8 * i + 4].copy_from_slice(&l[k].to_be_bytes());
            out[k][8 * i + 4..8 * i + 8].copy_from_slice(&r[k].to_be_bytes());
        }
    }
    out
}

/// [`lanes_with`] with the portable byte extraction, a function of its own so that the
/// generic code is compiled once per lane count.
#[inline(never)]
fn lanes_portable<const N: usize>(
    cost: u32,
    lanes: &[Lane<'_>; N],
    rounds: usize,
) -> [[u8; 24]; N] {
    lanes_with(cost, lanes, |st, l, r| {
        encrypt(st, l, r, rounds, portable_bytes)
    })
}

/// bcrypt's raw output for N computations of the same cost, side by side (see
/// [`lanes_with`]): with the CPU's extensions when `cpu` is set and the CPU has them (BMI1),
/// else the portable loop, which tests force on CPUs that have them.
pub(crate) fn bcrypt_raw_lanes<const N: usize>(
    cost: u32,
    lanes: &[Lane<'_>; N],
    cpu: bool,
) -> [[u8; 24]; N] {
    // Opaque to the optimiser, so that the round loop stays a loop (see `encrypt`).
    let rounds = core::hint::black_box(16);
    #[cfg(target_arch = "x86_64")]
    if cpu && let Some(out) = super::eksblowfish_bmi1::lanes(cost, lanes, rounds) {
        return out;
    }
    let _ = cpu;
    lanes_portable(cost, lanes, rounds)
}

/// bcrypt's raw output for one computation: 24 bytes (the stored form keeps 23) of
/// "OrpheanBeholderScryDoubt" encrypted 64 times under EksBlowfish(cost, salt, key).
pub(crate) fn bcrypt_raw(cost: u32, salt: &[u8; 16], key: &ExpandedKey, cpu: bool) -> [u8; 24] {
    let [out] = bcrypt_raw_lanes(cost, &[Lane { salt, key }], cpu);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_applies_only_where_the_bug_changed_nothing() {
        // crypt_blowfish's own test passwords: "\xff\xff\xa3" triggers it, "\xa3" does not
        // (the bug changes a word), nor does plain ASCII.
        assert_eq!(ExpandedKey::new(b"\xff\xff\xa3\0").safety, 0x10000);
        assert_eq!(ExpandedKey::new(b"\xa3\0").safety, 0);
        assert_eq!(ExpandedKey::new(b"U*U\0").safety, 0);
        // A high byte first in a word cannot be sign-extended over anything.
        assert_eq!(ExpandedKey::new(b"\xffabc").safety, 0);
    }

    #[test]
    fn agrees_with_the_bcrypt_crate() {
        let salt: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(73) ^ 0x5c);
        for len in [1usize, 2, 3, 4, 5, 17, 70, 71, 72] {
            let key: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) | 1).collect();
            for cost in [4, 5] {
                let theirs = bcrypt::bcrypt(cost, salt, &key);
                for cpu in [true, false] {
                    let ours =
                        bcrypt_raw(cost, &salt, &ExpandedKey::new(&key).without_safety(), cpu);
                    assert_eq!(ours, theirs, "len {len} cost {cost} cpu {cpu}");
                }
            }
        }
    }
}
