//! EksBlowfish, the expensive key schedule behind bcrypt (Provos and Mazières, 1999), with
//! crypt_blowfish's `$2a$` countermeasure, in safe Rust. S-boxes are `[u32; 256]` indexed by
//! `u8`, so no look-up needs a bounds check; the 16 rounds are unrolled.

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
pub(crate) struct State {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl Drop for State {
    fn drop(&mut self) {
        self.p.zeroize();
        for sbox in &mut self.s {
            sbox.zeroize();
        }
    }
}

/// Blowfish's F. The bytes are taken by shifts rather than `to_be_bytes`, which would put a
/// byte swap on the round's critical path.
macro_rules! f {
    ($s:expr, $x:expr) => {{
        let x: u32 = $x;
        (($s[0][(x >> 24) as usize].wrapping_add($s[1][(x >> 16) as u8 as usize]))
            ^ $s[2][(x >> 8) as u8 as usize])
            .wrapping_add($s[3][x as u8 as usize])
    }};
}

impl State {
    /// Encrypts one block.
    #[inline(always)]
    fn encrypt(&self, mut l: u32, mut r: u32) -> (u32, u32) {
        let (p, s) = (&self.p, &self.s);
        l ^= p[0];
        r ^= f!(s, l) ^ p[1];
        l ^= f!(s, r) ^ p[2];
        r ^= f!(s, l) ^ p[3];
        l ^= f!(s, r) ^ p[4];
        r ^= f!(s, l) ^ p[5];
        l ^= f!(s, r) ^ p[6];
        r ^= f!(s, l) ^ p[7];
        l ^= f!(s, r) ^ p[8];
        r ^= f!(s, l) ^ p[9];
        l ^= f!(s, r) ^ p[10];
        r ^= f!(s, l) ^ p[11];
        l ^= f!(s, r) ^ p[12];
        r ^= f!(s, l) ^ p[13];
        l ^= f!(s, r) ^ p[14];
        r ^= f!(s, l) ^ p[15];
        l ^= f!(s, r) ^ p[16];
        (r ^ p[17], l)
    }

    /// Re-keys the whole state from itself: encrypts a running block and writes it over P,
    /// then over every S-box, in order.
    fn rekey(&mut self) {
        let (mut l, mut r) = (0, 0);
        for i in (0..18).step_by(2) {
            (l, r) = self.encrypt(l, r);
            self.p[i] = l;
            self.p[i + 1] = r;
        }
        for b in 0..4 {
            for i in (0..256).step_by(2) {
                (l, r) = self.encrypt(l, r);
                self.s[b][i] = l;
                self.s[b][i + 1] = r;
            }
        }
    }

    /// The salted first expansion: like [`rekey`](Self::rekey), with the salt's words XORed
    /// into the running block in turn.
    fn rekey_salted(&mut self, salt: &[u32; 4]) {
        let (mut l, mut r) = (0, 0);
        let mut k = 0;
        for i in (0..18).step_by(2) {
            (l, r) = self.encrypt(l ^ salt[k], r ^ salt[k + 1]);
            k ^= 2;
            self.p[i] = l;
            self.p[i + 1] = r;
        }
        for b in 0..4 {
            for i in (0..256).step_by(2) {
                (l, r) = self.encrypt(l ^ salt[k], r ^ salt[k + 1]);
                k ^= 2;
                self.s[b][i] = l;
                self.s[b][i + 1] = r;
            }
        }
    }

    fn xor_p(&mut self, words: impl Fn(usize) -> u32) {
        for (i, p) in self.p.iter_mut().enumerate() {
            *p ^= words(i);
        }
    }
}

/// bcrypt's raw output: 24 bytes (the stored form keeps 23) of "OrpheanBeholderScryDoubt"
/// encrypted 64 times under EksBlowfish(cost, salt, key).
pub(crate) fn bcrypt_raw(cost: u32, salt: &[u8; 16], key: &ExpandedKey) -> [u8; 24] {
    let salt_words: [u32; 4] = core::array::from_fn(|i| {
        u32::from_be_bytes([
            salt[4 * i],
            salt[4 * i + 1],
            salt[4 * i + 2],
            salt[4 * i + 3],
        ])
    });
    let mut state = State {
        p: blowfish_pi::P,
        s: blowfish_pi::S,
    };
    state.xor_p(|i| key.words[i]);
    state.p[0] ^= key.safety;
    state.rekey_salted(&salt_words);
    for _ in 0..1u64 << cost {
        state.xor_p(|i| key.words[i]);
        state.rekey();
        state.xor_p(|i| salt_words[i % 4]);
        state.rekey();
    }
    const MAGIC: [u32; 6] = [
        0x4f72_7068,
        0x6561_6e42,
        0x6568_6f6c,
        0x6465_7253,
        0x6372_7944,
        0x6f75_6274,
    ];
    let mut out = [0u8; 24];
    for (i, pair) in MAGIC.chunks_exact(2).enumerate() {
        let (mut l, mut r) = (pair[0], pair[1]);
        for _ in 0..64 {
            (l, r) = state.encrypt(l, r);
        }
        out[8 * i..8 * i + 4].copy_from_slice(&l.to_be_bytes());
        out[8 * i + 4..8 * i + 8].copy_from_slice(&r.to_be_bytes());
    }
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
                let ours = bcrypt_raw(cost, &salt, &ExpandedKey::new(&key).without_safety());
                assert_eq!(
                    ours,
                    bcrypt::bcrypt(cost, salt, &key),
                    "len {len} cost {cost}"
                );
            }
        }
    }
}
