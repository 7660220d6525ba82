//! Unsalted digests behind a `{NAME}` prefix: SFTPGo's `{MD5}`, `{SHA256}` and `{SHA512}`
//! (lower-case hex) and Apache htpasswd's `{SHA}` (padded standard base64 of SHA-1).
//!
//! All four are legacy: one fast unsalted hash per password.
//!
//! - SFTPGo writes the hex with Go's `%x` and compares strings with `==`, so upper-case hex
//!   never verifies there. We reject it as [`InvalidCharacter`]: the field's alphabet is
//!   `0-9a-f`. We compare the decoded bytes in constant time.
//! - Apache (`apr_password_validate`) re-encodes the SHA-1 and compares strings, so base64
//!   with non-zero unused bits never verifies there: [`NonCanonical`].
//!
//! [`InvalidCharacter`]: crate::ParseErrorKind::InvalidCharacter
//! [`NonCanonical`]: crate::ParseErrorKind::NonCanonical

#![forbid(unsafe_code)]

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::{Redacted, Scheme};
use crate::ct::digests_equal;
use crate::error::{ParseError, ParseErrorKind};

/// Which digest, and how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestVariant {
    /// SFTPGo `{MD5}` + 32 lower-case hex digits.
    Md5Hex,
    /// SFTPGo `{SHA256}` + 64 lower-case hex digits.
    Sha256Hex,
    /// SFTPGo `{SHA512}` + 128 lower-case hex digits.
    Sha512Hex,
    /// htpasswd `{SHA}` + 28 characters of padded standard base64 of the SHA-1.
    Sha1Base64,
}

impl DigestVariant {
    /// The prefix, braces included, matched case-sensitively.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Md5Hex => "{MD5}",
            Self::Sha256Hex => "{SHA256}",
            Self::Sha512Hex => "{SHA512}",
            Self::Sha1Base64 => "{SHA}",
        }
    }

    /// The digest's length in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            Self::Md5Hex => 16,
            Self::Sha256Hex => 32,
            Self::Sha512Hex => 64,
            Self::Sha1Base64 => 20,
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Md5Hex => Scheme::SftpgoMd5,
            Self::Sha256Hex => Scheme::SftpgoSha256,
            Self::Sha512Hex => Scheme::SftpgoSha512,
            Self::Sha1Base64 => Scheme::HtpasswdSha1,
        }
    }
}

/// The stored digest; its length is fixed by the variant.
#[derive(Clone, PartialEq, Eq)]
enum Digest {
    Md5([u8; 16]),
    Sha256([u8; 32]),
    Sha512([u8; 64]),
    Sha1([u8; 20]),
}

/// A parsed unsalted digest.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestHash {
    digest: Digest,
}

impl DigestHash {
    /// Parses the text after the prefix.
    pub(crate) fn parse(variant: DigestVariant, rest: &[u8]) -> Result<Self, ParseError> {
        let err = |kind| ParseError::in_field(variant.scheme(), "digest", kind);
        let digest = match variant {
            DigestVariant::Md5Hex => Digest::Md5(decode_hex(rest).map_err(err)?),
            DigestVariant::Sha256Hex => Digest::Sha256(decode_hex(rest).map_err(err)?),
            DigestVariant::Sha512Hex => Digest::Sha512(decode_hex(rest).map_err(err)?),
            DigestVariant::Sha1Base64 => Digest::Sha1(decode_sha1_base64(rest).map_err(err)?),
        };
        Ok(Self { digest })
    }

    /// Which digest, and how it is written.
    pub const fn variant(&self) -> DigestVariant {
        match self.digest {
            Digest::Md5(_) => DigestVariant::Md5Hex,
            Digest::Sha256(_) => DigestVariant::Sha256Hex,
            Digest::Sha512(_) => DigestVariant::Sha512Hex,
            Digest::Sha1(_) => DigestVariant::Sha1Base64,
        }
    }

    fn stored(&self) -> &[u8] {
        match &self.digest {
            Digest::Md5(d) => d,
            Digest::Sha256(d) => d,
            Digest::Sha512(d) => d,
            Digest::Sha1(d) => d,
        }
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        match &self.digest {
            Digest::Md5(d) => digests_equal(&Md5::digest(password), d),
            Digest::Sha256(d) => digests_equal(&Sha256::digest(password), d),
            Digest::Sha512(d) => digests_equal(&Sha512::digest(password), d),
            Digest::Sha1(d) => digests_equal(&Sha1::digest(password), d),
        }
    }
}

/// Exactly `2 * N` lower-case hex digits.
fn decode_hex<const N: usize>(text: &[u8]) -> Result<[u8; N], ParseErrorKind> {
    if text.len() != 2 * N {
        return Err(ParseErrorKind::InvalidLength);
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(ParseErrorKind::InvalidCharacter),
    };
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Ok(out)
}

/// Exactly 28 characters of canonical padded standard base64 (27 data characters and `=`).
fn decode_sha1_base64(text: &[u8]) -> Result<[u8; 20], ParseErrorKind> {
    if text.len() != 28 {
        return Err(ParseErrorKind::InvalidLength);
    }
    if !text
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
    {
        return Err(ParseErrorKind::InvalidCharacter);
    }
    let mut out = [0u8; 20];
    match STANDARD.decode_slice(text, &mut out) {
        Ok(20) => Ok(out),
        Err(base64::DecodeSliceError::DecodeError(base64::DecodeError::InvalidLastSymbol {
            ..
        })) => Err(ParseErrorKind::NonCanonical),
        _ => Err(ParseErrorKind::InvalidBase64),
    }
}

impl fmt::Display for DigestHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.variant().prefix())?;
        match &self.digest {
            Digest::Sha1(d) => f.write_str(&STANDARD.encode(d)),
            _ => self.stored().iter().try_for_each(|b| write!(f, "{b:02x}")),
        }
    }
}

impl fmt::Debug for DigestHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestHash")
            .field("variant", &self.variant())
            .field("digest", &Redacted)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kind(v: DigestVariant, s: &str) -> ParseErrorKind {
        DigestHash::parse(v, s.as_bytes()).unwrap_err().kind()
    }

    #[test]
    fn known_digests_round_trip_and_match() {
        // md5("password"), sha1("password") as htpasswd -s writes it.
        let md5 =
            DigestHash::parse(DigestVariant::Md5Hex, b"5f4dcc3b5aa765d61d8327deb882cf99").unwrap();
        assert!(md5.matches(b"password") && !md5.matches(b"Password"));
        assert_eq!(md5.to_string(), "{MD5}5f4dcc3b5aa765d61d8327deb882cf99");
        let sha =
            DigestHash::parse(DigestVariant::Sha1Base64, b"W6ph5Mm5Pz8GgiULbPgzG37mj9g=").unwrap();
        assert!(sha.matches(b"password"));
        assert_eq!(sha.to_string(), "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
    }

    #[test]
    fn strict_fields() {
        use ParseErrorKind::*;
        let v = DigestVariant::Md5Hex;
        assert_eq!(
            kind(v, "5F4DCC3B5AA765D61D8327DEB882CF99"),
            InvalidCharacter
        );
        assert_eq!(kind(v, "5f4dcc3b5aa765d61d8327deb882cf9"), InvalidLength);
        assert_eq!(kind(v, ""), InvalidLength);
        let v = DigestVariant::Sha1Base64;
        assert_eq!(kind(v, "W6ph5Mm5Pz8GgiULbPgzG37mj9h="), NonCanonical);
        assert_eq!(kind(v, "W6ph5Mm5Pz8GgiULbPgzG37mj9g"), InvalidLength);
        assert_eq!(kind(v, "W6ph5Mm5Pz8GgiULbPgzG37mj9gA"), InvalidBase64);
        assert_eq!(kind(v, "W6ph5Mm5Pz8GgiULbPgzG37mj-g="), InvalidCharacter);
    }
}
