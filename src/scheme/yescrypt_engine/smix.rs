//! SMix, the memory-hard core: SMix1 fills V, SMix2 reads (and in RW mode rewrites) it at
//! data-dependent positions; in RW mode, lanes first fill their pwxform S-boxes.

#![forbid(unsafe_code)]

use zeroize::Zeroizing;

use super::mix::{self, Append, Io, Plain, Pwxform, Sbox, Sub, Xor, XorInPlace, XorSave};
use super::{Flavor, Shape, hmac_sha256};

/// SMix's total SMix2 iterations per lane for `n = N / p`: `Nloop_all` before rounding to even.
pub(super) fn loops_all(n: usize, t: u32, flavor: Flavor) -> u64 {
    let n = n as u64;
    let t = u64::from(t);
    match (flavor, t) {
        (Flavor::Rw, 0) => n.div_ceil(3),
        (Flavor::Rw, 1) => (2 * n).div_ceil(3),
        (Flavor::Rw, _) => n * (t - 1),
        (_, 0) => n,
        (_, 1) => n + n.div_ceil(2),
        (_, _) => n * t,
    }
}

/// SMix for classic scrypt and WORM: each lane in turn, with all of V to itself.
pub(super) fn smix_scrypt(b: &mut [u8], shape: Shape, v: &mut Vec<Sub>, xy: &mut [Sub]) {
    let Shape {
        flavor, n, r, t, ..
    } = shape;
    let loops = (loops_all(n, t, flavor) + 1) & !1;
    for b_i in b.chunks_exact_mut(128 * r) {
        v.clear();
        smix1(b_i, v, n, &mut xy[..2 * r], None);
        smix2(b_i, v, n, loops, xy, Mix2::Salsa8);
    }
}

/// SMix in RW mode over all `p` lanes: each lane fills its S-boxes, runs SMix1 and a
/// read-write SMix2 on its own slice of V, then every lane runs the rest of SMix2 reading all
/// of V. Lane 0's last 64 bytes after its S-box fill are mixed into `key`. `boxes` holds `p`
/// lanes' S-boxes.
pub(super) fn smix_rw(
    b: &mut [u8],
    shape: Shape,
    v: &mut Vec<Sub>,
    xy: &mut [Sub],
    boxes: &mut [[Sbox; 3]],
    key: &mut [u8; 32],
) {
    let Shape { n, r, p, t, .. } = shape;
    let s = 2 * r;
    let loops_all = loops_all(n / p, t, Flavor::Rw);
    let chunk = (n / p) & !1;
    let loops_rw = (loops_all / p as u64 + 1) & !1;
    let loops_all = (loops_all + 1) & !1;

    // Each lane's S-boxes are the V of SMix1 with Salsa20/8 over its first 128 bytes of B.
    let mut fill: Zeroizing<Vec<Sub>> = Zeroizing::new(Vec::with_capacity(3 * 64));
    for (i, (b_i, boxes_i)) in b
        .chunks_exact_mut(128 * r)
        .zip(boxes.iter_mut())
        .enumerate()
    {
        fill.clear();
        smix1(&mut b_i[..128], &mut fill, 3 * 64 / 2, &mut xy[..2], None);
        for (dst, src) in boxes_i.as_flattened_mut().iter_mut().zip(fill.iter()) {
            *dst = src.0;
        }
        if i == 0 {
            *key = hmac_sha256(&b_i[128 * r - 64..], &key[..]);
        }
    }
    let mut lanes: Vec<Pwxform<'_>> = boxes.iter_mut().map(Pwxform::new).collect();
    for (i, (b_i, pwx)) in b.chunks_exact_mut(128 * r).zip(&mut lanes).enumerate() {
        let start = i * chunk;
        let blocks = if i + 1 < p { chunk } else { n - start };
        smix1(b_i, v, blocks, &mut xy[..s], Some(pwx));
        let v_i = &mut v[start * s..];
        smix2(
            b_i,
            v_i,
            1 << blocks.ilog2(),
            loops_rw,
            xy,
            Mix2::PwxSave(pwx),
        );
    }
    if loops_all > loops_rw {
        for (b_i, pwx) in b.chunks_exact_mut(128 * r).zip(&mut lanes) {
            smix2(b_i, v, n, loops_all - loops_rw, xy, Mix2::Pwx(pwx));
        }
    }
}

/// SMix1: `n` times, `V_i <- X` and `X <- H(X)`, V growing by one block each time; with
/// `pwx` (RW), X is first XORed with an earlier block `V_j` of this call's blocks. Reads and
/// updates `b`; `x` (`2r` sub-blocks) receives the last output.
fn smix1(
    b: &mut [u8],
    v: &mut Vec<Sub>,
    n: usize,
    x: &mut [Sub],
    mut pwx: Option<&mut Pwxform<'_>>,
) {
    let s = x.len();
    let salsa = pwx.is_none();
    mix::shuffle_in(b, x, salsa);
    let start = v.len();
    v.extend_from_slice(x);
    for i in 0..n {
        let src = start + i * s;
        // RW's j: uniformly among earlier blocks, from the largest power of two <= i.
        let xor = match pwx {
            Some(_) if i > 1 => {
                let window = 1 << i.ilog2();
                let j = (mix::integerify(&v[src + s - 1]) & (window - 1)) + (i - window);
                Some(start + j * s)
            }
            _ => None,
        };
        let pwx = pwx.as_deref_mut();
        if i + 1 < n {
            blockmix(
                pwx,
                &mut Append {
                    v,
                    src,
                    xor,
                    len: s,
                },
            );
        } else {
            let src = &v[src..src + s];
            match xor {
                None => blockmix(pwx, &mut Plain { src, dst: x }),
                Some(j) => blockmix(
                    pwx,
                    &mut Xor {
                        a: src,
                        b: &v[j..j + s],
                        dst: x,
                    },
                ),
            };
        }
    }
    mix::shuffle_out(x, b, salsa);
}

/// BlockMix_pwxform with `pwx`, else BlockMix_salsa20/8.
#[inline(always)]
fn blockmix(pwx: Option<&mut Pwxform<'_>>, io: &mut impl Io) -> usize {
    match pwx {
        Some(pwx) => pwx.blockmix(io),
        None => mix::blockmix_salsa8(io),
    }
}

/// SMix2's block function.
enum Mix2<'p, 'a> {
    /// BlockMix_salsa20/8 (classic and WORM).
    Salsa8,
    /// BlockMix_pwxform reading V (RW after the per-lane phase).
    Pwx(&'p mut Pwxform<'a>),
    /// BlockMix_pwxform writing `X` back into `V_j` (RW's per-lane phase).
    PwxSave(&'p mut Pwxform<'a>),
}

/// SMix2: `loops` times, `X <- H(X ^ V_j)` with `j = Integerify(X) mod n`. Reads and
/// updates `b`; `xy` is `4r` sub-blocks of scratch.
fn smix2(b: &mut [u8], v: &mut [Sub], n: usize, loops: u64, xy: &mut [Sub], mix: Mix2<'_, '_>) {
    if loops == 0 {
        return;
    }
    let s = xy.len() / 2;
    let (x, y) = xy.split_at_mut(s);
    let salsa = matches!(mix, Mix2::Salsa8);
    mix::shuffle_in(b, x, salsa);
    let mut j = mix::integerify(&x[s - 1]) & (n - 1);
    match mix {
        Mix2::Salsa8 => {
            for _ in 0..loops {
                mix::xor_blocks(y, x, &v[j * s..(j + 1) * s]);
                j = mix::blockmix_salsa8(&mut Plain { src: y, dst: x }) & (n - 1);
            }
        }
        Mix2::Pwx(pwx) => {
            for _ in 0..loops {
                let v = &v[j * s..(j + 1) * s];
                j = pwx.blockmix(&mut XorInPlace { x, v }) & (n - 1);
            }
        }
        Mix2::PwxSave(pwx) => {
            for _ in 0..loops {
                let v = &mut v[j * s..(j + 1) * s];
                j = pwx.blockmix(&mut XorSave { x, v }) & (n - 1);
            }
        }
    }
    mix::shuffle_out(x, b, salsa);
}
