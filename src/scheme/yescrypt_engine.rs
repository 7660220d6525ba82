//! yescrypt (Peslyak, 2012–2018) as libxcrypt computes it for `$y$` and `$7$`, in safe Rust:
//! classic scrypt, the WORM flavor and the default RW flavor with 12 KiB pwxform S-boxes.
//! `p > 1` runs its lanes one after another, as libxcrypt's non-OpenMP build does.

#![forbid(unsafe_code)]

use std::collections::TryReserveError;

use zeroize::{Zeroize, Zeroizing};

use super::compress::{Compress, Sha256, finish};
use super::pbkdf2_engine::pbkdf2;

mod mix;
mod smix;

use mix::{Sbox, Sub};

pub(crate) use super::yescrypt::YescryptFlavor as Flavor;

/// yescrypt's cost parameters, as a `$y$` setting spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// The flavor.
    pub flavor: Flavor,
    /// `log2(N)`: blocks of V.
    pub n_log2: u8,
    /// Block size in 128-byte units.
    pub r: u32,
    /// Parallel lanes.
    pub p: u32,
    /// Extra time cost.
    pub t: u32,
}

/// Why [`yescrypt`] computed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EngineError {
    /// Parameters libxcrypt's `yescrypt_kdf` refuses.
    Refused,
    /// The buffers, this many bytes in all (saturating), do not fit in the address space or
    /// could not be allocated.
    OutOfMemory {
        /// V, B, XY and the S-boxes.
        bytes: u64,
    },
}

/// Checked parameters, in machine sizes.
#[derive(Clone, Copy)]
struct Shape {
    flavor: Flavor,
    n: usize,
    r: usize,
    p: usize,
    t: u32,
}

impl Shape {
    /// libxcrypt's `yescrypt_kdf_body` checks, plus "every buffer fits in a `Vec`".
    fn check(params: &Params) -> Result<Self, EngineError> {
        let Params {
            flavor,
            n_log2,
            r,
            p,
            t,
        } = *params;
        let refused = (flavor == Flavor::Classic && t != 0)
            || u64::from(r) * u64::from(p) >= 1 << 30
            // N is a power of two in 4..=2^31: "N <= 3" and "N > UINT32_MAX" in libxcrypt.
            || !(2..=31).contains(&n_log2)
            || r == 0
            || p == 0
            || (flavor == Flavor::Rw && (1u64 << n_log2) / u64::from(p) <= 3);
        if refused {
            return Err(EngineError::Refused);
        }
        // A `Vec` holds at most isize::MAX bytes.
        let bytes = buffer_bytes(flavor, 1 << n_log2, r.into(), p.into());
        let (n, r, p) = (1u128 << n_log2, u128::from(r), u128::from(p));
        match (
            usize::try_from(n),
            usize::try_from(r),
            usize::try_from(p),
            isize::try_from(bytes),
        ) {
            (Ok(n), Ok(r), Ok(p), Ok(_)) => Ok(Self { flavor, n, r, p, t }),
            _ => Err(EngineError::OutOfMemory {
                bytes: u64::try_from(bytes).unwrap_or(u64::MAX),
            }),
        }
    }

    /// Every buffer's bytes, which [`check`](Self::check) bounded to `isize::MAX`.
    fn bytes(&self) -> u64 {
        let (n, r, p) = (self.n as u128, self.r as u128, self.p as u128);
        u64::try_from(buffer_bytes(self.flavor, n, r, p)).unwrap_or(u64::MAX)
    }
}

/// V (`128·r·N`), B (`128·r·p`), XY (`256·r`) and in RW mode the S-boxes (12 KiB a lane), in
/// bytes; below 2^69, exact in a `u128`.
fn buffer_bytes(flavor: Flavor, n: u128, r: u128, p: u128) -> u128 {
    let boxes = if flavor == Flavor::Rw {
        size_of::<[Sbox; 3]>() as u128 * p
    } else {
        0
    };
    128 * r * n + 128 * r * p + 256 * r + boxes
}

/// yescrypt of `password` and `salt` (raw bytes, as libxcrypt passes them after decoding a
/// `$y$` salt) into a 32-byte key.
///
/// [`EngineError::Refused`] on parameters libxcrypt's `yescrypt_kdf` refuses (`N <= 3`,
/// `N > 2^32 - 1`, `r * p >= 2^30`, RW with `N / p <= 3`, classic with `t != 0`);
/// [`EngineError::OutOfMemory`] when the buffers overflow the address space or an allocation
/// fails. V is `128 * r * N` bytes: callers bound the costs they accept.
pub(crate) fn yescrypt(
    password: &[u8],
    salt: &[u8],
    params: &Params,
    out: &mut [u8; 32],
) -> Result<(), EngineError> {
    let shape = Shape::check(params)?;
    let Shape {
        flavor, n, r, p, ..
    } = shape;
    let out_of_memory = |_| EngineError::OutOfMemory {
        bytes: shape.bytes(),
    };
    // Large RW hashes first hash the password with a 64 times smaller N, so that cheap
    // guesses cannot be tested against a cut-down computation of the real one.
    if flavor == Flavor::Rw && n / p >= 0x100 && n / p * r >= 0x20000 {
        let mut key = Zeroizing::new([0u8; 32]);
        let prehash = Shape {
            n: n >> 6,
            t: 0,
            ..shape
        };
        body(password, salt, &prehash, true, &mut key).map_err(out_of_memory)?;
        body(&*key, salt, &shape, false, out).map_err(out_of_memory)
    } else {
        body(password, salt, &shape, false, out).map_err(out_of_memory)
    }
}

/// A `Vec` of `len` copies of `value`, or the allocator's refusal.
fn try_filled<T: Clone>(len: usize, value: T) -> Result<Vec<T>, TryReserveError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)?;
    v.resize(len, value);
    Ok(v)
}

/// `yescrypt_kdf_body` with a 32-byte output; `prehash` selects the pre-hash's HMAC key and
/// skips the final ClientKey/StoredKey steps. Every buffer is allocated, fallibly, before
/// any work, V (the largest) first.
fn body(
    password: &[u8],
    salt: &[u8],
    shape: &Shape,
    prehash: bool,
    out: &mut [u8; 32],
) -> Result<(), TryReserveError> {
    let Shape {
        flavor, n, r, p, ..
    } = *shape;
    // SMix1 appends every block of V before SMix2 reads it: no pass to zero V first. The
    // capacity is at least what SMix fills, so V never moves (leaving a copy unzeroized).
    let mut v: Zeroizing<Vec<Sub>> = Zeroizing::new(Vec::new());
    v.try_reserve_exact(2 * r * n)?;
    let mut b = Zeroizing::new(try_filled(128 * r * p, 0u8)?);
    let mut xy: Zeroizing<Vec<Sub>> = Zeroizing::new(try_filled(4 * r, Sub([0; 8]))?);
    let mut boxes: Zeroizing<Vec<[Sbox; 3]>> = Zeroizing::new(if flavor == Flavor::Rw {
        try_filled(p, [[[0; 8]; 64]; 3])?
    } else {
        Vec::new()
    });
    // The password for both PBKDF2 calls: the caller's for classic scrypt, else derived.
    let mut key = Zeroizing::new([0u8; 32]);
    if flavor == Flavor::Classic {
        pbkdf2::<Sha256>(password, salt, 1, &mut b);
    } else {
        let hmac_key: &[u8] = if prehash {
            b"yescrypt-prehash"
        } else {
            b"yescrypt"
        };
        *key = hmac_sha256(hmac_key, password);
        pbkdf2::<Sha256>(&*key, salt, 1, &mut b);
        key.copy_from_slice(&b[..32]);
    }
    if flavor == Flavor::Rw {
        smix::smix_rw(&mut b, *shape, &mut v, &mut xy, &mut boxes, &mut key);
    } else {
        smix::smix_scrypt(&mut b, *shape, &mut v, &mut xy);
    }
    let password = if flavor == Flavor::Classic {
        password
    } else {
        &key[..]
    };
    pbkdf2::<Sha256>(password, &b, 1, out);
    if flavor != Flavor::Classic && !prehash {
        // SCRAM's ClientKey and StoredKey (RFC 5802), with SHA-256.
        let mut client_key = hmac_sha256(out, b"Client Key");
        let mut stored_key = finish::<Sha256>(Sha256::IV, 0, &[&client_key]);
        Sha256::write_out(&stored_key, out);
        client_key.zeroize();
        stored_key.zeroize();
    }
    Ok(())
}

/// HMAC-SHA256 with a key of at most one block, as every yescrypt key is.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    debug_assert!(key.len() <= 64);
    let mut pad = [0x36u8; 64];
    pad.iter_mut().zip(key).for_each(|(p, k)| *p ^= k);
    let mut state = finish::<Sha256>(Sha256::IV, 0, &[&pad, message]);
    let mut inner = [0u8; 32];
    Sha256::write_out(&state, &mut inner);
    pad.iter_mut().for_each(|p| *p ^= 0x36 ^ 0x5c);
    state = finish::<Sha256>(Sha256::IV, 0, &[&pad, &inner]);
    let mut mac = [0u8; 32];
    Sha256::write_out(&state, &mut mac);
    pad.zeroize();
    inner.zeroize();
    state.zeroize();
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(flavor: Flavor, n_log2: u8, r: u32, p: u32, t: u32) -> Params {
        Params {
            flavor,
            n_log2,
            r,
            p,
            t,
        }
    }

    fn ours(password: &[u8], salt: &[u8], params: &Params) -> Result<[u8; 32], EngineError> {
        let mut out = [0u8; 32];
        yescrypt(password, salt, params, &mut out).map(|()| out)
    }

    fn theirs(password: &[u8], salt: &[u8], params: &Params) -> [u8; 32] {
        let mode = match params.flavor {
            Flavor::Classic => ::yescrypt::Mode::Classic,
            Flavor::Worm => ::yescrypt::Mode::Worm,
            Flavor::Rw => ::yescrypt::Mode::Rw,
        };
        let n = 1u64 << params.n_log2;
        let theirs =
            ::yescrypt::Params::new_with_all_params(mode, n, params.r, params.p, params.t, 0)
                .expect("the crate accepts what libxcrypt accepts");
        let mut out = [0u8; 32];
        ::yescrypt::yescrypt(password, salt, &theirs, &mut out).expect("valid parameters");
        out
    }

    /// libxcrypt's `yescrypt_kdf_body` checks for the grid's values, restated.
    fn libxcrypt_accepts(params: &Params) -> bool {
        let n = 1u64 << params.n_log2;
        match params.flavor {
            Flavor::Classic => params.t == 0,
            Flavor::Worm => true,
            Flavor::Rw => n / u64::from(params.p) > 3,
        }
    }

    /// SMix's block-function calls, scaled by `r`: a stand-in for the time one hash takes.
    fn work(params: &Params) -> u64 {
        let n = 1usize << params.n_log2;
        let lanes = if params.flavor == Flavor::Rw {
            1
        } else {
            params.p
        };
        (n as u64 + smix::loops_all(n, params.t, params.flavor)) * u64::from(params.r * lanes)
    }

    /// Every flavor's grid, cheap enough to run in a test, plus a few larger points.
    fn check_grid(flavor: Flavor, extra: &[Params]) {
        const LENGTHS: [usize; 4] = [0, 1, 64, 100];
        let bytes: Vec<u8> = (0..200u32).map(|i| (i * 167 + 13) as u8).collect();
        let mut grid = Vec::new();
        for n_log2 in 2..=14 {
            for r in [1, 2, 8, 32] {
                for p in [1, 2, 3] {
                    for t in [0, 1, 2, 5] {
                        grid.push(params(flavor, n_log2, r, p, t));
                    }
                }
            }
        }
        let (mut compared, mut refused) = (0, 0);
        for (k, params) in grid.iter().chain(extra).enumerate() {
            if !libxcrypt_accepts(params) {
                assert_eq!(
                    ours(b"pw", b"salt", params),
                    Err(EngineError::Refused),
                    "{params:?}"
                );
                refused += 1;
                continue;
            }
            if work(params) > 1 << 19 && k < grid.len() {
                continue;
            }
            // Cycle through all 16 length pairs as the grid advances.
            let (pw, salt) = (LENGTHS[k % 4], LENGTHS[(k / 4 + k / 16) % 4]);
            let (pw, salt) = (&bytes[..pw], &bytes[100..100 + salt]);
            let ours = ours(pw, salt, params).expect("libxcrypt accepts these");
            assert_eq!(
                ours,
                theirs(pw, salt, params),
                "{params:?} pw {} salt {}",
                pw.len(),
                salt.len()
            );
            compared += 1;
        }
        assert!(compared > 100 && (flavor == Flavor::Worm || refused > 0));
    }

    #[test]
    fn rw_agrees_with_the_yescrypt_crate() {
        let extra = [
            params(Flavor::Rw, 14, 32, 1, 0),
            params(Flavor::Rw, 14, 8, 3, 1),
            params(Flavor::Rw, 13, 32, 2, 2),
            params(Flavor::Rw, 12, 32, 3, 5),
        ];
        check_grid(Flavor::Rw, &extra);
    }

    #[test]
    fn worm_agrees_with_the_yescrypt_crate() {
        let extra = [
            params(Flavor::Worm, 14, 8, 1, 0),
            params(Flavor::Worm, 12, 32, 2, 1),
        ];
        check_grid(Flavor::Worm, &extra);
    }

    #[test]
    fn classic_agrees_with_the_yescrypt_crate() {
        let extra = [
            params(Flavor::Classic, 14, 8, 1, 0),
            params(Flavor::Classic, 13, 32, 2, 0),
        ];
        check_grid(Flavor::Classic, &extra);
    }

    /// A `$y$` salt or hash field as bytes, through the parser's decoder.
    fn decode64(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        crate::encoding::yescrypt_decode(s.as_bytes(), &mut out).expect("yescrypt base64");
        out
    }

    /// Hashes from libxcrypt 4.4.33 (Debian 12's libcrypt1), made with
    /// `python3 -c 'import crypt; print(crypt.crypt(PASSWORD, SETTING))'`. `$y$` salts are
    /// decoded before hashing; `$7$` salts are used as written.
    #[test]
    fn agrees_with_libxcrypt() {
        let rw = Flavor::Rw;
        let x100 = "x".repeat(100);
        #[rustfmt::skip]
        let cases: [(&str, Params, &str); 10] = [
            ("password", params(rw, 12, 32, 1, 0), "$y$j9T$abcdefghijklmnopqrstuvwx$20X/NTEvtOcOd3zVlcI1s/AF.LyN8F4xZbMomZbQ7QB"),
            ("", params(rw, 12, 32, 1, 0), "$y$j9T$AAAA$CugmBrVo/GZfnzDtRcGQVU0CetkeITRj77E2X.h9fO4"),
            ("pleaseletmein", params(rw, 14, 8, 1, 0), "$y$jB5$SodiumChloride..$rAsahc0vpEZuYl7ypxJnk.H./cPZrwjpt8iUZ/BVBa4"),
            ("correct horse battery staple", params(rw, 10, 8, 1, 0), "$y$j75$0123456789ab$fuSPVxORbawYrO/tUb/5KjB1WRY81CipyQutMxBneF3"),
            (&x100, params(rw, 10, 8, 2, 1), "$y$j750..$saltsaltsalt$93aaJXaRGCfgu0AIH7zBPzTT0quVkMZBft.r6DarAk2"),
            ("p", params(rw, 10, 8, 2, 2), "$y$j750./$zzzzzzzz$gyTDDl.1NhiyxBBYiyQDzAnX1SrZ.EibnwJcKjdmQM6"),
            ("worm", params(Flavor::Worm, 10, 8, 1, 0), "$y$/75$wormwormworm$8GT4nap4tRBqH9P7kZyj4E.ef...ApCinSDvkdTeQI8"),
            ("worm t", params(Flavor::Worm, 10, 8, 2, 1), "$y$/750..$wormwormworm$t39gmKm6YBtVqLzwljDiwLJ.u3d/F3b1Xb3tEv8ILI5"),
            ("pleaseletmein", params(Flavor::Classic, 14, 8, 1, 0), "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D"),
            ("password", params(Flavor::Classic, 10, 8, 16, 0), "$7$86....E....NaCl$xffjQo7Bm/.SKRS4B2EuynbOLjAmXU5AbDbRXhoBl64"),
        ];
        for (password, params, hash) in cases {
            let (setting, encoded) = hash.rsplit_once('$').expect("hash");
            let salt_field = &setting[setting.rfind('$').expect("salt") + 1..];
            let salt = if hash.starts_with("$7$") {
                salt_field.as_bytes()[11..].to_vec()
            } else {
                decode64(salt_field)
            };
            let expected = decode64(encoded);
            let got = ours(password.as_bytes(), &salt, &params).expect("accepted");
            assert_eq!(got[..], expected[..], "{hash}");
        }
    }

    /// RFC 7914 section 12, vectors 1 to 3 (the fourth needs 1 GiB). scrypt's output is
    /// PBKDF2 with one iteration, whose first 32 bytes do not depend on the length asked for,
    /// so the vectors' first halves are classic yescrypt's 32-byte output.
    #[test]
    fn classic_matches_rfc_7914() {
        #[rustfmt::skip]
        let vectors: [(&str, &str, u8, u32, u32, &str); 3] = [
            ("", "", 4, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"),
            ("password", "NaCl", 10, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"),
            ("pleaseletmein", "SodiumChloride", 14, 8, 1, "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"),
        ];
        for (password, salt, n_log2, r, p, hex) in vectors {
            let got = ours(
                password.as_bytes(),
                salt.as_bytes(),
                &params(Flavor::Classic, n_log2, r, p, 0),
            );
            let hex_got: String = got
                .expect("accepted")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hex_got, hex, "{password:?}");
        }
    }

    #[test]
    fn memory_beyond_the_address_space_is_out_of_memory() {
        // V + B + XY for one lane with N = 2^31.
        let bytes = |r: u64| ((128 * r) << 31) + 128 * r + 256 * r;
        let cases = [
            // 2^67 bytes of V: past usize, no allocation is attempted.
            (params(Flavor::Worm, 31, 1 << 29, 1, 0), u64::MAX),
            // 2^63 bytes of V: more than a Vec can hold.
            (params(Flavor::Worm, 31, 1 << 25, 1, 0), bytes(1 << 25)),
            // 2^62 bytes of V: a Vec may hold it, the allocator cannot give it.
            (params(Flavor::Worm, 31, 1 << 24, 1, 0), bytes(1 << 24)),
            (
                params(Flavor::Rw, 31, 1 << 24, 1, 0),
                bytes(1 << 24) + 3 * 4096,
            ),
        ];
        for (params, bytes) in cases {
            assert_eq!(
                ours(b"pw", b"salt", &params),
                Err(EngineError::OutOfMemory { bytes }),
                "{params:?}"
            );
        }
    }

    #[test]
    fn refuses_what_libxcrypt_refuses() {
        let refused = [
            params(Flavor::Rw, 0, 8, 1, 0),
            params(Flavor::Rw, 1, 8, 1, 0),
            params(Flavor::Worm, 32, 8, 1, 0),
            params(Flavor::Worm, 255, 8, 1, 0),
            params(Flavor::Rw, 10, 0, 1, 0),
            params(Flavor::Rw, 10, 8, 0, 0),
            params(Flavor::Rw, 10, 1 << 15, 1 << 15, 0),
            params(Flavor::Classic, 10, 8, 1, 1),
            params(Flavor::Rw, 3, 8, 4, 0),
            params(Flavor::Rw, 4, 1, 5, 0),
        ];
        for params in refused {
            assert_eq!(
                ours(b"pw", b"salt", &params),
                Err(EngineError::Refused),
                "{params:?}"
            );
        }
        // The smallest of each flavor libxcrypt accepts.
        for params in [
            params(Flavor::Classic, 2, 1, 1, 0),
            params(Flavor::Rw, 4, 1, 4, 0),
        ] {
            assert!(ours(b"pw", b"salt", &params).is_ok(), "{params:?}");
        }
    }
}
