//! EksBlowfish's key schedule with BMI1, for x86-64 CPUs that have it: `bextr` takes each of
//! the round function's two middle bytes out of a word in one instruction where the portable
//! code needs a shift and a zero extension, which shortens the round's critical path. The
//! code is `eksblowfish`'s own, instantiated here with the BMI1 byte extraction.
//!
//! This module is a CPU-feature dispatch: its one public function checks the CPU, then makes
//! the one `unsafe` call into its `#[target_feature]` function. That is why it carries no
//! `#![forbid(unsafe_code)]` (a `forbid` cannot be lifted for one call, E0453) and relies on
//! the workspace's `deny` instead; `tests/unsafe_policy.rs` holds the list of such calls.

use core::arch::x86_64::_bextr_u32;

use super::eksblowfish::{Lane, State, encrypt, lanes_with};

/// bcrypt's raw output for N computations of the same cost (see [`lanes_with`]); `None` when
/// the CPU lacks BMI1. std's `is_x86_feature_detected!` runs CPUID once per process and
/// caches the answer.
pub(super) fn lanes<const N: usize>(
    cost: u32,
    lanes: &[Lane<'_>; N],
    rounds: usize,
) -> Option<[[u8; 24]; N]> {
    if !is_x86_feature_detected!("bmi1") {
        return None;
    }
    #[allow(unsafe_code)]
    // SAFETY: `is_x86_feature_detected!("bmi1")` found BMI1, the feature `lanes_bmi1` enables.
    let out = unsafe { lanes_bmi1(cost, lanes, rounds) };
    Some(out)
}

#[target_feature(enable = "bmi1")]
#[inline(never)]
fn lanes_bmi1<const N: usize>(cost: u32, lanes: &[Lane<'_>; N], rounds: usize) -> [[u8; 24]; N] {
    lanes_with(cost, lanes, |st, l, r| encrypt_bmi1(st, l, r, rounds))
}

/// One block in each lane; a function of its own so that the byte extraction below is
/// inlined into it whatever the size of the key schedule around it.
#[target_feature(enable = "bmi1")]
#[inline]
fn encrypt_bmi1<const N: usize>(
    st: &[State; N],
    l: [u32; N],
    r: [u32; N],
    rounds: usize,
) -> ([u32; N], [u32; N]) {
    encrypt(st, l, r, rounds, |x| {
        [
            (x >> 24) as u8,
            _bextr_u32(x, 16, 8) as u8,
            _bextr_u32(x, 8, 8) as u8,
            x as u8,
        ]
    })
}
