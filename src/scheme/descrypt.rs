//! Traditional DES crypt(3): the 13-character hashes of old `/etc/passwd` files and of
//! Apache's `htpasswd -d`. Legacy, verify-only.
//!
//! The string is a 2-character salt and an 11-character digest, all in the crypt alphabet
//! `./0-9A-Za-z`. The salt holds 12 bits, its first character the low six. The digest holds
//! the 64-bit result big-endian, six bits a character; the last character carries four bits
//! and two zero bits. There is no identifier: the string is recognised by that shape alone
//! (see [`StoredHash::parse`](crate::StoredHash::parse)).
//!
//! The algorithm (libxcrypt's `crypt-des.c` and every crypt(3) before it): the DES key is the
//! first 8 password bytes, each shifted left by one bit; the all-zero block is encrypted 25
//! times in a row, with the salt swapping E-box outputs `i` and `i + 24` for each set salt bit
//! `i`. So, exactly as in libxcrypt:
//!
//! - only the first [`DesCryptHash::MAX_PASSWORD_BYTES`] bytes of the password count, and
//!   [`Verified::truncated`](crate::Verified::truncated) says when a longer one matched;
//! - of each byte only the low 7 bits count: the shift pushes the high bit out of the key
//!   byte, so `"caf\xe9"` and `"caf\x69"` are the same password (passlib's `des_crypt`
//!   agrees);
//! - the password ends at its first NUL byte (which [`Policy`](crate::Policy) refuses anyway).
//!
//! libxcrypt reads only the salt of a stored string and returns a freshly encoded hash, which
//! callers compare as a string; a stored string whose last character has non-zero unused bits
//! can therefore never verify there. passgate refuses it as
//! [`NonCanonical`](crate::ParseErrorKind::NonCanonical).

#![forbid(unsafe_code)]

use core::fmt;

use zeroize::Zeroize as _;

use super::des::{KeySchedule, encrypt_zero_block};
use super::{Redacted, Scheme};
use crate::ct::digests_equal;
use crate::encoding::{
    CRYPT_ALPHABET, crypt_big_endian_decode, crypt_big_endian_encode, crypt64_value,
};
use crate::error::{ParseError, ParseErrorKind};

/// A parsed DES crypt hash.
#[derive(Clone, PartialEq, Eq)]
pub struct DesCryptHash {
    salt: DesSalt,
    digest: [u8; 8],
}

/// The 12-bit salt.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DesSalt(u16);

impl DesSalt {
    /// Two crypt-alphabet characters, the first one the low six bits.
    fn parse(field: &[u8]) -> Result<Self, ParseErrorKind> {
        let [low, high] = field else {
            return Err(ParseErrorKind::InvalidLength);
        };
        match (crypt64_value(*low), crypt64_value(*high)) {
            (Some(low), Some(high)) => Ok(Self(u16::from(low) | (u16::from(high) << 6))),
            _ => Err(ParseErrorKind::InvalidCharacter),
        }
    }
}

impl fmt::Display for DesSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for bits in [self.0 & 0x3f, (self.0 >> 6) & 0x3f] {
            fmt::Write::write_char(f, char::from(CRYPT_ALPHABET[usize::from(bits)]))?;
        }
        Ok(())
    }
}

impl DesCryptHash {
    /// The length of the stored string: 2 salt and 11 digest characters.
    pub const LEN: usize = 13;
    /// DES crypt reads at most this many password bytes (and 7 bits of each); the rest is
    /// ignored.
    pub const MAX_PASSWORD_BYTES: usize = 8;
    /// The fixed number of times the zero block is encrypted.
    pub const ENCRYPTIONS: u32 = 25;

    /// Whether `text` has the shape of a DES crypt hash: 13 characters of the crypt alphabet.
    pub(crate) fn has_shape(text: &[u8]) -> bool {
        text.len() == Self::LEN && text.iter().all(|&c| crypt64_value(c).is_some())
    }

    /// Parses the whole stored string.
    pub(crate) fn parse(text: &[u8]) -> Result<Self, ParseError> {
        let err = |field, kind| ParseError::in_field(Scheme::DesCrypt, field, kind);
        if text.len() != Self::LEN {
            return Err(ParseError::in_scheme(
                Scheme::DesCrypt,
                ParseErrorKind::InvalidLength,
            ));
        }
        let (salt, digest) = text.split_at(2);
        Ok(Self {
            salt: DesSalt::parse(salt).map_err(|k| err("salt", k))?,
            digest: crypt_big_endian_decode::<8, 11>(digest).map_err(|k| err("digest", k))?,
        })
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut computed = des_crypt(password, self.salt.0);
        let ok = digests_equal(&computed, &self.digest);
        computed.zeroize();
        ok
    }
}

/// The DES crypt algorithm: the 64-bit digest of `password` under the 12-bit `salt`.
pub(crate) fn des_crypt(password: &[u8], salt: u16) -> [u8; 8] {
    let mut key = [0u8; 8];
    // C stops at the NUL; the shift drops each byte's high bit, as libxcrypt's does.
    let bytes = password.iter().take_while(|&&c| c != 0);
    for (k, &c) in key.iter_mut().zip(bytes) {
        *k = c << 1;
    }
    let schedule = KeySchedule::new(&key);
    key.zeroize();
    encrypt_zero_block(&schedule, salt, DesCryptHash::ENCRYPTIONS).to_be_bytes()
}

impl fmt::Display for DesCryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.salt.fmt(f)?;
        crypt_big_endian_encode(&self.digest, f)
    }
}

impl fmt::Debug for DesCryptHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesCryptHash")
            .field("salt", &Redacted)
            .field("digest", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hash(s: &str) -> DesCryptHash {
        DesCryptHash::parse(s.as_bytes()).unwrap()
    }

    fn kind(s: &[u8]) -> ParseErrorKind {
        DesCryptHash::parse(s).unwrap_err().kind()
    }

    /// libxcrypt 4.4 `crypt_rn`, cross-checked with passlib's builtin `des_crypt`.
    const KNOWN: [(&[u8], &str); 5] = [
        (b"password", "abJnggxhB/yWI"),
        (b"caf\xe9", "abTmHOt9/alO."),
        (b"x", "..RnkxVxZKSmo"),
        (b"test", "zzIUSbhjhhESA"),
        (b"12345678", "./qw5JW./79Vg"),
    ];

    #[test]
    fn known_hashes_round_trip_and_match() {
        for (password, stored) in KNOWN {
            let h = hash(stored);
            assert_eq!(h.to_string(), stored);
            assert!(h.matches(password), "{stored}");
            let mut wrong = password.to_vec();
            wrong[0] ^= 1;
            assert!(!h.matches(&wrong), "{stored}");
        }
    }

    #[test]
    fn only_eight_bytes_of_seven_bits_count() {
        let h = hash("abJnggxhB/yWI");
        assert!(h.matches(b"passwordXYZ"));
        assert!(h.matches(b"p\xe1ssword"));
        assert!(h.matches(b"password\0ignored"));
        assert!(!h.matches(b"passwor"));
        assert!(!h.matches(b"passworD"));
        let high = hash("abTmHOt9/alO.");
        assert!(high.matches(b"caf\x69") && high.matches(b"\xe3\xe1\xe6\xe9"));
    }

    #[test]
    fn salt_bits_and_order() {
        // The first character is the low six bits; swapping them gives another salt.
        let bits = |s: &[u8]| DesSalt::parse(s).map(|salt| salt.0);
        assert_eq!(bits(b"./"), Ok(0x40));
        assert_eq!(bits(b"z."), Ok(0x3f));
        assert_eq!(bits(b"zz"), Ok(0xfff));
        assert_eq!(DesSalt(0x40).to_string(), "./");
        assert_ne!(des_crypt(b"password", 0x40), des_crypt(b"password", 0x01));
    }

    #[test]
    fn strict_fields() {
        use ParseErrorKind::*;
        assert_eq!(kind(b"abJnggxhB/yW"), InvalidLength);
        assert_eq!(kind(b"abJnggxhB/yWI."), InvalidLength);
        assert_eq!(kind(b""), InvalidLength);
        assert_eq!(kind(b"a-JnggxhB/yWI"), InvalidCharacter);
        assert_eq!(kind(b"abJnggxhB-yWI"), InvalidCharacter);
        for last in ["J", "K", "L"] {
            let s = format!("abJnggxhB/yW{last}");
            let e = DesCryptHash::parse(s.as_bytes()).unwrap_err();
            assert_eq!((e.kind(), e.field()), (NonCanonical, Some("digest")), "{s}");
        }
        assert!(DesCryptHash::has_shape(b"abJnggxhB/yWJ"));
        assert!(!DesCryptHash::has_shape(b"abJnggxhB/yW"));
        assert!(!DesCryptHash::has_shape(b"abJnggxhB/yW_"));
    }

    /// The whole 64-bit digest goes into the comparison: a stored digest that differs in any
    /// one bit never matches.
    #[test]
    fn every_digest_bit_is_compared() {
        let good = hash("abJnggxhB/yWI");
        for bit in 0..64 {
            let mut h = good.clone();
            h.digest[bit / 8] ^= 0x80 >> (bit % 8);
            assert!(!h.matches(b"password"), "bit {bit}");
        }
        assert!(good.matches(b"password"));
    }

    /// Salt 0 is plain DES: 25 encryptions of the zero block with RustCrypto's `des`, keyed
    /// with each password byte shifted left by one.
    #[test]
    fn salt_zero_is_plain_des() {
        use des::cipher::{BlockCipherEncrypt as _, KeyInit as _};
        for password in [
            &b"password"[..],
            b"x",
            b"caf\xe9!",
            b"\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            let mut key = [0u8; 8];
            for (k, &c) in key.iter_mut().zip(password) {
                *k = c << 1;
            }
            let cipher = des::Des::new(&key.into());
            let mut block = [0u8; 8].into();
            for _ in 0..DesCryptHash::ENCRYPTIONS {
                cipher.encrypt_block(&mut block);
            }
            assert_eq!(des_crypt(password, 0), <[u8; 8]>::from(block));
        }
        // libxcrypt's crypt("password", "..") (salt 0) is that same chain, encoded.
        let h = hash("..UZoIyj/Hy/c");
        assert_eq!(h.salt.0, 0);
        assert_eq!(h.digest, des_crypt(b"password", 0));
    }

    #[test]
    fn debug_redacts() {
        let dbg = format!("{:?}", hash("abJnggxhB/yWI"));
        assert_eq!(dbg, "DesCryptHash { salt: <redacted>, digest: <redacted> }");
    }
}
