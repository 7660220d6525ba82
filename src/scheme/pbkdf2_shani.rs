//! PBKDF2-HMAC-SHA-256 and -SHA-1 chains with the x86 SHA extensions (SHA-NI), for CPUs that
//! have them. The chain runs in SSE registers: the state in the instructions' own layout
//! (ABEF/CDGH for SHA-256, ABCD/E for SHA-1), each message being the previous output in that
//! layout plus constant padding words, and the XOR of the outputs in the same layout. The HMAC
//! key states come from the portable code and are converted in once.
//!
//! This module is a CPU-feature dispatch: each public function checks the CPU,
//! then makes the one `unsafe` call into its `#[target_feature]` chain. That is why it carries
//! no `#![forbid(unsafe_code)]` (a `forbid` cannot be lifted for one call, E0453) and relies on
//! the workspace's `deny` instead; `tests/unsafe_policy.rs` holds the list of such calls.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_extract_epi32, _mm_or_si128, _mm_set_epi32,
    _mm_setzero_si128, _mm_sha1msg1_epu32, _mm_sha1msg2_epu32, _mm_sha1nexte_epu32,
    _mm_sha1rnds4_epu32, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32,
    _mm_shuffle_epi32, _mm_sub_epi32, _mm_unpackhi_epi64, _mm_unpacklo_epi64, _mm_xor_si128,
};

/// Whether this CPU has the SHA extensions and the SSE levels the chains use. std's
/// `is_x86_feature_detected!` runs CPUID once per process and caches the answer, so this is a
/// few loads after the first call.
fn sha_ni() -> bool {
    is_x86_feature_detected!("sha")
        && is_x86_feature_detected!("sse2")
        && is_x86_feature_detected!("ssse3")
        && is_x86_feature_detected!("sse4.1")
}

/// `U1 ^ U2 ^ … ^ Un` of PBKDF2-HMAC-SHA-256, from the HMAC key states and `u1`, with
/// `iterations` = n ≥ 1; `None` when the CPU lacks the SHA extensions.
pub(super) fn sha256(
    inner: &[u32; 8],
    outer: &[u32; 8],
    u1: &[u32; 8],
    iterations: u32,
) -> Option<[u32; 8]> {
    if !sha_ni() {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: `sha_ni()` found sha, sse2, ssse3 and sse4.1, the features `sha256_chain` uses.
    let acc = unsafe { sha256_chain(inner, outer, u1, iterations) };
    Some(acc)
}

/// `U1 ^ U2 ^ … ^ Un` of PBKDF2-HMAC-SHA-1, from the HMAC key states and `u1`, with
/// `iterations` = n ≥ 1; `None` when the CPU lacks the SHA extensions.
pub(super) fn sha1(
    inner: &[u32; 5],
    outer: &[u32; 5],
    u1: &[u32; 5],
    iterations: u32,
) -> Option<[u32; 5]> {
    if !sha_ni() {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: `sha_ni()` found sha, sse2, ssse3 and sse4.1, the features `sha1_chain` uses.
    let acc = unsafe { sha1_chain(inner, outer, u1, iterations) };
    Some(acc)
}

/// [`sha256`] for two chains of the same length at once, interleaved in one thread: each
/// `sha256rnds2` waits for the one before it in its own chain, so the other chain's fill
/// the gaps. `None` when the CPU lacks the SHA extensions.
pub(super) fn sha256_pair(
    inner: [&[u32; 8]; 2],
    outer: [&[u32; 8]; 2],
    u1: [&[u32; 8]; 2],
    iterations: u32,
) -> Option<[[u32; 8]; 2]> {
    if !sha_ni() {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: `sha_ni()` found sha, sse2, ssse3 and sse4.1, the features `sha256_chains` uses.
    let acc = unsafe { sha256_chains(inner, outer, u1, iterations) };
    Some(acc)
}

/// [`sha1`] for two chains of the same length at once, interleaved in one thread; `None`
/// when the CPU lacks the SHA extensions.
pub(super) fn sha1_pair(
    inner: [&[u32; 5]; 2],
    outer: [&[u32; 5]; 2],
    u1: [&[u32; 5]; 2],
    iterations: u32,
) -> Option<[[u32; 5]; 2]> {
    if !sha_ni() {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: `sha_ni()` found sha, sse2, ssse3 and sse4.1, the features `sha1_chains` uses.
    let acc = unsafe { sha1_chains(inner, outer, u1, iterations) };
    Some(acc)
}

/// SHA-256's round constants (FIPS 180-4, 4.2.2), four per `sha256rnds2` pair.
const K256: [[u32; 4]; 16] = [
    [0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5],
    [0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5],
    [0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3],
    [0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174],
    [0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc],
    [0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da],
    [0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7],
    [0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967],
    [0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13],
    [0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85],
    [0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3],
    [0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070],
    [0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5],
    [0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3],
    [0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208],
    [0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2],
];

/// Four 32-bit words as one register, the first in the lowest lane.
#[inline]
#[target_feature(enable = "sse2")]
fn lanes(w: [u32; 4]) -> __m128i {
    _mm_set_epi32(w[3] as i32, w[2] as i32, w[1] as i32, w[0] as i32)
}

/// A SHA-256 state as `sha256rnds2` holds it: lanes 3..0 = A, B, E, F and C, D, G, H.
#[derive(Clone, Copy)]
struct State256 {
    abef: __m128i,
    cdgh: __m128i,
}

impl State256 {
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(s: &[u32; 8]) -> Self {
        Self {
            abef: lanes([s[5], s[4], s[1], s[0]]),
            cdgh: lanes([s[7], s[6], s[3], s[2]]),
        }
    }

    #[inline]
    #[target_feature(enable = "sse4.1")]
    fn store(self) -> [u32; 8] {
        let (x, y) = (self.abef, self.cdgh);
        [
            _mm_extract_epi32::<3>(x) as u32,
            _mm_extract_epi32::<2>(x) as u32,
            _mm_extract_epi32::<3>(y) as u32,
            _mm_extract_epi32::<2>(y) as u32,
            _mm_extract_epi32::<1>(x) as u32,
            _mm_extract_epi32::<0>(x) as u32,
            _mm_extract_epi32::<1>(y) as u32,
            _mm_extract_epi32::<0>(y) as u32,
        ]
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn xor(self, other: Self) -> Self {
        Self {
            abef: _mm_xor_si128(self.abef, other.abef),
            cdgh: _mm_xor_si128(self.cdgh, other.cdgh),
        }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn add(self, other: Self) -> Self {
        Self {
            abef: _mm_add_epi32(self.abef, other.abef),
            cdgh: _mm_add_epi32(self.cdgh, other.cdgh),
        }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn sub(self, other: Self) -> Self {
        Self {
            abef: _mm_sub_epi32(self.abef, other.abef),
            cdgh: _mm_sub_epi32(self.cdgh, other.cdgh),
        }
    }
}

/// Four SHA-256 rounds on message words `w` with constants `k`.
#[inline]
#[target_feature(enable = "sha,sse2")]
fn rounds4_256(s: &mut State256, w: __m128i, k: [u32; 4]) {
    let wk = _mm_add_epi32(w, lanes(k));
    s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
    s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32::<0x0e>(wk));
}

/// The next four SHA-256 message words from the previous sixteen, oldest first.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3")]
fn schedule256(w0: __m128i, w1: __m128i, w2: __m128i, w3: __m128i) -> __m128i {
    let sum = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8::<4>(w3, w2));
    _mm_sha256msg2_epu32(sum, w3)
}

/// An HMAC key state, with what the first four rounds add to the message words when the
/// message is an output of a compression from this state: the state's A..D (this
/// compression's feed-forward) plus the round constants K0..K3, two words at a time.
#[derive(Clone, Copy)]
struct Key256 {
    state: State256,
    ab_k: __m128i,
    cd_k: __m128i,
}

impl Key256 {
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(s: &[u32; 8]) -> Self {
        let k = K256[0];
        Self {
            state: State256::load(s),
            ab_k: lanes([s[0].wrapping_add(k[0]), s[1].wrapping_add(k[1]), 0, 0]),
            cd_k: lanes([s[2].wrapping_add(k[2]), s[3].wrapping_add(k[3]), 0, 0]),
        }
    }
}

/// One SHA-256 compression from `key` of a block whose message is the output of a compression
/// from `from` that ended in `raw` (before its feed-forward add), followed by the padding of a
/// 96-byte message (HMAC's key block, then the output): `0x80`, zeros, and the length 768
/// bits. Returns the state before this compression's own feed-forward add, so that the next
/// compression's first rounds wait for two instructions after the last round, not four.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress256(key: &Key256, raw: State256, from: &Key256) -> State256 {
    let msg = raw.add(from.state);
    // The output words A..H are the message words W0..W7, lowest lane first.
    let mut w0 = _mm_shuffle_epi32::<0x1b>(_mm_unpackhi_epi64(msg.cdgh, msg.abef));
    let mut w1 = _mm_shuffle_epi32::<0x1b>(_mm_unpacklo_epi64(msg.cdgh, msg.abef));
    let mut w2 = lanes([0x8000_0000, 0, 0, 0]);
    let mut w3 = lanes([0, 0, 0, 768]);
    let mut s = key.state;
    // Rounds 0..3 from `raw`: A, B then C, D in the two low lanes, plus `from`'s A..D and K.
    let wk = _mm_add_epi32(_mm_shuffle_epi32::<0x1b>(raw.abef), from.ab_k);
    s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
    let wk = _mm_add_epi32(_mm_shuffle_epi32::<0x1b>(raw.cdgh), from.cd_k);
    s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, wk);
    rounds4_256(&mut s, w1, K256[1]);
    rounds4_256(&mut s, w2, K256[2]);
    rounds4_256(&mut s, w3, K256[3]);
    for k in K256[4..].chunks_exact(4) {
        w0 = schedule256(w0, w1, w2, w3);
        rounds4_256(&mut s, w0, k[0]);
        w1 = schedule256(w1, w2, w3, w0);
        rounds4_256(&mut s, w1, k[1]);
        w2 = schedule256(w2, w3, w0, w1);
        rounds4_256(&mut s, w2, k[2]);
        w3 = schedule256(w3, w0, w1, w2);
        rounds4_256(&mut s, w3, k[3]);
    }
    s
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_chain(inner: &[u32; 8], outer: &[u32; 8], u1: &[u32; 8], iterations: u32) -> [u32; 8] {
    let (inner, outer) = (Key256::load(inner), Key256::load(outer));
    let mut acc = State256::load(u1);
    // U1 as a compression from `outer` would have ended before its feed-forward add.
    let mut u = acc.sub(outer.state);
    for _ in 1..iterations {
        let t = compress256(&inner, u, &outer);
        u = compress256(&outer, t, &inner);
        acc = acc.xor(u.add(outer.state));
    }
    acc.store()
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha256_chains(
    inner: [&[u32; 8]; 2],
    outer: [&[u32; 8]; 2],
    u1: [&[u32; 8]; 2],
    iterations: u32,
) -> [[u32; 8]; 2] {
    let (i0, o0) = (Key256::load(inner[0]), Key256::load(outer[0]));
    let (i1, o1) = (Key256::load(inner[1]), Key256::load(outer[1]));
    let (mut acc0, mut acc1) = (State256::load(u1[0]), State256::load(u1[1]));
    let (mut u0, mut u1) = (acc0.sub(o0.state), acc1.sub(o1.state));
    for _ in 1..iterations {
        let t0 = compress256(&i0, u0, &o0);
        let t1 = compress256(&i1, u1, &o1);
        u0 = compress256(&o0, t0, &i0);
        u1 = compress256(&o1, t1, &i1);
        acc0 = acc0.xor(u0.add(o0.state));
        acc1 = acc1.xor(u1.add(o1.state));
    }
    [acc0.store(), acc1.store()]
}

/// A SHA-1 state as `sha1rnds4` holds it: lanes 3..0 = A, B, C, D, and E in lane 3 of a second
/// register whose other lanes are zero.
#[derive(Clone, Copy)]
struct State160 {
    abcd: __m128i,
    e: __m128i,
}

impl State160 {
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(s: &[u32; 5]) -> Self {
        Self {
            abcd: lanes([s[3], s[2], s[1], s[0]]),
            e: lanes([0, 0, 0, s[4]]),
        }
    }

    #[inline]
    #[target_feature(enable = "sse4.1")]
    fn store(self) -> [u32; 5] {
        [
            _mm_extract_epi32::<3>(self.abcd) as u32,
            _mm_extract_epi32::<2>(self.abcd) as u32,
            _mm_extract_epi32::<1>(self.abcd) as u32,
            _mm_extract_epi32::<0>(self.abcd) as u32,
            _mm_extract_epi32::<3>(self.e) as u32,
        ]
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn xor(self, other: Self) -> Self {
        Self {
            abcd: _mm_xor_si128(self.abcd, other.abcd),
            e: _mm_xor_si128(self.e, other.e),
        }
    }
}

/// SHA-1's rounds in groups of four: `abcd` and, for the next group's E, `abcd` as it was
/// before the last group.
struct Rounds160 {
    abcd: __m128i,
    before: __m128i,
}

impl Rounds160 {
    /// Four rounds on message words `w`, with the round function and constant of rounds
    /// `20 * F` to `20 * F + 19`.
    #[inline]
    #[target_feature(enable = "sha")]
    fn next<const F: i32>(&mut self, w: __m128i) {
        let e = _mm_sha1nexte_epu32(self.before, w);
        self.before = self.abcd;
        self.abcd = _mm_sha1rnds4_epu32::<F>(self.abcd, e);
    }
}

/// The next four SHA-1 message words from the previous sixteen, oldest first.
#[inline]
#[target_feature(enable = "sha,sse2")]
fn schedule160(w0: __m128i, w1: __m128i, w2: __m128i, w3: __m128i) -> __m128i {
    _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w0, w1), w2), w3)
}

/// One SHA-1 compression of a block whose message is the 20-byte output `msg` followed by the
/// padding of an 84-byte message: `0x80`, zeros, and the length 672 bits.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress160(key: State160, msg: State160) -> State160 {
    // The message words, highest lane first: W0..W3 = A..D is `abcd` itself; W4 = E is in
    // `e`'s lane 3, whose lower lanes are zero and take W5 = 0x80, W6 = W7 = 0.
    let mut w0 = msg.abcd;
    let mut w1 = _mm_or_si128(msg.e, lanes([0, 0, 0x8000_0000, 0]));
    let mut w2 = _mm_setzero_si128();
    let mut w3 = lanes([672, 0, 0, 0]);
    let mut r = Rounds160 {
        abcd: _mm_sha1rnds4_epu32::<0>(key.abcd, _mm_add_epi32(key.e, w0)),
        before: key.abcd,
    };
    r.next::<0>(w1);
    r.next::<0>(w2);
    r.next::<0>(w3);
    w0 = schedule160(w0, w1, w2, w3);
    r.next::<0>(w0);
    w1 = schedule160(w1, w2, w3, w0);
    r.next::<1>(w1);
    w2 = schedule160(w2, w3, w0, w1);
    r.next::<1>(w2);
    w3 = schedule160(w3, w0, w1, w2);
    r.next::<1>(w3);
    w0 = schedule160(w0, w1, w2, w3);
    r.next::<1>(w0);
    w1 = schedule160(w1, w2, w3, w0);
    r.next::<1>(w1);
    w2 = schedule160(w2, w3, w0, w1);
    r.next::<2>(w2);
    w3 = schedule160(w3, w0, w1, w2);
    r.next::<2>(w3);
    w0 = schedule160(w0, w1, w2, w3);
    r.next::<2>(w0);
    w1 = schedule160(w1, w2, w3, w0);
    r.next::<2>(w1);
    w2 = schedule160(w2, w3, w0, w1);
    r.next::<2>(w2);
    w3 = schedule160(w3, w0, w1, w2);
    r.next::<3>(w3);
    w0 = schedule160(w0, w1, w2, w3);
    r.next::<3>(w0);
    w1 = schedule160(w1, w2, w3, w0);
    r.next::<3>(w1);
    w2 = schedule160(w2, w3, w0, w1);
    r.next::<3>(w2);
    w3 = schedule160(w3, w0, w1, w2);
    r.next::<3>(w3);
    State160 {
        abcd: _mm_add_epi32(r.abcd, key.abcd),
        e: _mm_sha1nexte_epu32(r.before, key.e),
    }
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha1_chain(inner: &[u32; 5], outer: &[u32; 5], u1: &[u32; 5], iterations: u32) -> [u32; 5] {
    let (inner, outer) = (State160::load(inner), State160::load(outer));
    let mut u = State160::load(u1);
    let mut acc = u;
    for _ in 1..iterations {
        u = compress160(outer, compress160(inner, u));
        acc = acc.xor(u);
    }
    acc.store()
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn sha1_chains(
    inner: [&[u32; 5]; 2],
    outer: [&[u32; 5]; 2],
    u1: [&[u32; 5]; 2],
    iterations: u32,
) -> [[u32; 5]; 2] {
    let (i0, o0) = (State160::load(inner[0]), State160::load(outer[0]));
    let (i1, o1) = (State160::load(inner[1]), State160::load(outer[1]));
    let (mut u0, mut u1) = (State160::load(u1[0]), State160::load(u1[1]));
    let (mut acc0, mut acc1) = (u0, u1);
    for _ in 1..iterations {
        let t0 = compress160(i0, u0);
        let t1 = compress160(i1, u1);
        u0 = compress160(o0, t0);
        u1 = compress160(o1, t1);
        acc0 = acc0.xor(u0);
        acc1 = acc1.xor(u1);
    }
    [acc0.store(), acc1.store()]
}
