//! PBKDF2-HMAC (RFC 8018) at the compression function's speed: the HMAC inner and outer
//! states are computed once per password, and each iteration is exactly two compression
//! calls on pre-padded blocks in which only the previous output changes.

use zeroize::Zeroize;

use super::compress::{Compress, finish};

/// The HMAC key schedule: the states after compressing `K ^ ipad` and `K ^ opad`.
struct HmacKey<H: Compress> {
    inner: H::State,
    outer: H::State,
}

impl<H: Compress> HmacKey<H> {
    fn new(password: &[u8]) -> Self {
        let mut key = H::ZERO;
        let size = key.as_ref().len();
        if password.len() > size {
            let mut digest = finish::<H>(H::IV, 0, &[password]);
            H::write_out(&digest, &mut key.as_mut()[..H::OUT]);
            digest.zeroize();
        } else {
            key.as_mut()[..password.len()].copy_from_slice(password);
        }
        let mut pad = key;
        pad.as_mut().iter_mut().for_each(|b| *b ^= 0x36);
        let mut inner = H::IV;
        H::compress(&mut inner, &pad);
        pad = key;
        pad.as_mut().iter_mut().for_each(|b| *b ^= 0x5c);
        let mut outer = H::IV;
        H::compress(&mut outer, &pad);
        pad.zeroize();
        key.zeroize();
        Self { inner, outer }
    }
}

impl<H: Compress> Drop for HmacKey<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// A block holding an `OUT`-byte message after `B` bytes of key block: `0x80`, zeros, length.
fn padded_block<H: Compress>() -> H::Block {
    let mut block = H::ZERO;
    let size = block.as_ref().len();
    block.as_mut()[H::OUT] = 0x80;
    H::write_len(
        &mut block.as_mut()[size - H::LEN_BYTES..],
        (size + H::OUT) as u128 * 8,
    );
    block
}

/// PBKDF2-HMAC-H of `password` and `salt` with `iterations` (≥ 1), filling `out`.
pub(crate) fn pbkdf2<H: Compress>(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let key = HmacKey::<H>::new(password);
    let size = H::ZERO.as_ref().len();
    let mut block = padded_block::<H>();
    for (index, chunk) in out.chunks_mut(H::OUT).enumerate() {
        let counter = (index as u32 + 1).to_be_bytes();
        // U1 = HMAC(salt || INT(i)).
        let mut inner = finish::<H>(key.inner, size, &[salt, &counter]);
        H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
        let mut u = key.outer;
        H::compress(&mut u, &block);
        let mut acc = u;
        let mut acc_bytes = H::ZERO;
        for _ in 1..iterations {
            H::write_out(&u, &mut block.as_mut()[..H::OUT]);
            inner = key.inner;
            H::compress(&mut inner, &block);
            H::write_out(&inner, &mut block.as_mut()[..H::OUT]);
            u = key.outer;
            H::compress(&mut u, &block);
            H::xor(&mut acc, &u);
        }
        H::write_out(&acc, &mut acc_bytes.as_mut()[..H::OUT]);
        chunk.copy_from_slice(&acc_bytes.as_ref()[..chunk.len()]);
        inner.zeroize();
        u.zeroize();
        acc.zeroize();
        acc_bytes.zeroize();
    }
    block.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::compress::{Sha1, Sha256, Sha512};

    fn check<H: Compress, D: hmac::EagerHash>() {
        let bytes: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
        for pw_len in [0, 1, 20, 55, 63, 64, 65, 111, 127, 128, 129, 300] {
            for salt_len in [0, 1, 12, 51, 52, 55, 56, 64, 119, 120, 200] {
                for (iterations, out_len) in [(1, 1), (2, 20), (3, 32), (5, 64), (7, 65), (2, 256)]
                {
                    let (pw, salt) = (&bytes[..pw_len], &bytes[100..100 + salt_len]);
                    let mut ours = vec![0u8; out_len];
                    let mut theirs = vec![0u8; out_len];
                    pbkdf2::<H>(pw, salt, iterations, &mut ours);
                    ::pbkdf2::pbkdf2_hmac::<D>(pw, salt, iterations, &mut theirs);
                    assert_eq!(ours, theirs, "pw {pw_len} salt {salt_len} it {iterations}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_rustcrypto_pbkdf2() {
        check::<Sha1, sha1::Sha1>();
        check::<Sha256, sha2::Sha256>();
        check::<Sha512, sha2::Sha512>();
    }
}
