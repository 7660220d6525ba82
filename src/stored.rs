//! [`StoredHash`]: a stored string parsed into a typed record by its exact `$id$`.

#![forbid(unsafe_code)]

use core::fmt;
use core::str::FromStr;

use crate::error::{ParseError, ParseErrorKind, VerifyError};
use crate::scheme::argon2::Argon2Hash;
use crate::scheme::bcrypt::BcryptHash;
use crate::scheme::descrypt::DesCryptHash;
use crate::scheme::digest::DigestHash;
use crate::scheme::md5crypt::Md5CryptHash;
use crate::scheme::passlib_pbkdf2::{PasslibPbkdf2Hash, is_sftpgo_digest};
use crate::scheme::pbkdf2::Pbkdf2Hash;
use crate::scheme::shacrypt::ShaCryptHash;
use crate::scheme::yescrypt::YescryptHash;
use crate::scheme::{Family, Scheme, lookup_braced, lookup_dollar, lookup_shape};

/// A stored password hash, parsed. `Display` gives back the exact string it was parsed from;
/// `Debug` shows the scheme and parameters but never the salt or digest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoredHash {
    /// `$2a$`, `$2b$`, `$2y$`.
    Bcrypt(BcryptHash),
    /// `$1$`, `$apr1$`.
    Md5Crypt(Md5CryptHash),
    /// `$5$`, `$6$`.
    ShaCrypt(ShaCryptHash),
    /// `$pbkdf2-sha1$`, `$pbkdf2-sha256$`, `$pbkdf2-sha512$`, `$pbkdf2-b64salt-sha256$`.
    Pbkdf2(Pbkdf2Hash),
    /// passlib's `$pbkdf2$`, `$pbkdf2-sha256$`, `$pbkdf2-sha512$` (adapted base64).
    PasslibPbkdf2(PasslibPbkdf2Hash),
    /// `$argon2id$`, `$argon2i$`.
    Argon2(Argon2Hash),
    /// `{MD5}`, `{SHA256}`, `{SHA512}` (SFTPGo) and `{SHA}` (htpasswd): unsalted digests.
    Digest(DigestHash),
    /// `$y$`.
    Yescrypt(YescryptHash),
    /// Traditional DES crypt: 13 characters of the crypt alphabet, no identifier.
    DesCrypt(DesCryptHash),
}

impl StoredHash {
    /// Parses a stored hash string strictly: anything the grammar of its scheme does not
    /// allow is an error, and every accepted string displays back byte for byte.
    ///
    /// Lock and no-login markers (empty, `*…`, `!…`) are [`ParseErrorKind::Disabled`].
    /// Strings that start with `{` are looked up by their whole `{NAME}` prefix (the unsalted
    /// digests), strings that start with `$` by the identifier between their first two `$`.
    ///
    /// DES crypt has no identifier: a string is DES crypt when it is exactly 13 characters of
    /// the crypt alphabet `./0-9A-Za-z`, and any other string without `$` or `{` is
    /// [`ParseErrorKind::UnknownScheme`]. Its shape being its only mark, a near miss (12 or
    /// 14 characters, a character outside the alphabet) is no more DES crypt than a plain-text
    /// password such as `password` or a bare digest is, so it gets no DES-specific error. A
    /// DES-shaped string whose last character has non-zero unused bits is DES crypt's
    /// [`ParseErrorKind::NonCanonical`]. BSDi extended DES (`_` + 19 characters) is another
    /// scheme, not verified: [`ParseErrorKind::UnknownScheme`], like yescrypt or scrypt.
    pub fn parse(stored: &str) -> Result<Self, ParseError> {
        let bytes = stored.as_bytes();
        // Checked before any slicing, so later code may treat every byte as a character.
        if !bytes.iter().all(|&c| (0x20..=0x7e).contains(&c)) {
            return Err(ParseError::new(ParseErrorKind::NonAscii));
        }
        let rest = match bytes {
            [] | [b'!' | b'*', ..] => return Err(ParseError::new(ParseErrorKind::Disabled)),
            [b'{', ..] => return Self::parse_braced(bytes),
            [b'$', rest @ ..] => rest,
            _ => return Self::parse_unprefixed(bytes),
        };
        let (id, body) = match rest.iter().position(|&c| c == b'$') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let Some(family) = lookup_dollar(id) else {
            return Err(ParseError::new(
                if is_other_bcrypt_minor(id) || id == b"argon2d" {
                    ParseErrorKind::UnsupportedVariant
                } else {
                    ParseErrorKind::UnknownScheme
                },
            ));
        };
        if body.is_empty() && !rest.contains(&b'$') {
            return Err(ParseError::in_scheme(
                family.scheme(),
                ParseErrorKind::MissingField,
            ));
        }
        Ok(match family {
            Family::Bcrypt(v) => Self::Bcrypt(BcryptHash::parse(v, body)?),
            Family::Md5Crypt(v) => Self::Md5Crypt(Md5CryptHash::parse(v, body)?),
            Family::ShaCrypt(v) => Self::ShaCrypt(ShaCryptHash::parse(v, body)?),
            Family::Pbkdf2(v) => Self::Pbkdf2(Pbkdf2Hash::parse(v, body)?),
            Family::PasslibPbkdf2(v) => Self::PasslibPbkdf2(PasslibPbkdf2Hash::parse(v, body)?),
            Family::Pbkdf2Shared(sftpgo, passlib) => {
                let last = body.rsplit(|&c| c == b'$').next().unwrap_or_default();
                if is_sftpgo_digest(last) {
                    Self::Pbkdf2(Pbkdf2Hash::parse(sftpgo, body)?)
                } else {
                    Self::PasslibPbkdf2(PasslibPbkdf2Hash::parse(passlib, body)?)
                }
            }
            Family::Argon2(v) => Self::Argon2(Argon2Hash::parse(v, body)?),
            Family::Yescrypt => Self::Yescrypt(YescryptHash::parse(body)?),
            Family::Digest(_) | Family::DesCrypt => {
                return Err(ParseError::new(ParseErrorKind::UnknownScheme));
            }
        })
    }

    /// `{NAME}` + digest: the prefix up to the first `}` must be a registered one, exactly.
    fn parse_braced(bytes: &[u8]) -> Result<Self, ParseError> {
        let family = bytes
            .iter()
            .position(|&c| c == b'}')
            .and_then(|end| Some((lookup_braced(&bytes[..=end])?, &bytes[end + 1..])));
        match family {
            Some((Family::Digest(v), body)) => Ok(Self::Digest(DigestHash::parse(v, body)?)),
            _ => Err(ParseError::new(ParseErrorKind::UnknownScheme)),
        }
    }

    /// A string without `$id$` or `{NAME}`: a scheme recognised by its shape, or none.
    fn parse_unprefixed(bytes: &[u8]) -> Result<Self, ParseError> {
        match lookup_shape(bytes) {
            Some(Family::DesCrypt) => Ok(Self::DesCrypt(DesCryptHash::parse(bytes)?)),
            _ => Err(ParseError::new(ParseErrorKind::UnknownScheme)),
        }
    }

    /// The scheme.
    pub const fn scheme(&self) -> Scheme {
        match self {
            Self::Bcrypt(_) => Scheme::Bcrypt,
            Self::Md5Crypt(h) => h.variant().scheme(),
            Self::ShaCrypt(h) => h.variant().scheme(),
            Self::Pbkdf2(h) => h.variant().scheme(),
            Self::PasslibPbkdf2(h) => h.variant().scheme(),
            Self::Digest(h) => h.variant().scheme(),
            Self::Argon2(h) => h.variant().scheme(),
            Self::Yescrypt(_) => Scheme::Yescrypt,
            Self::DesCrypt(_) => Scheme::DesCrypt,
        }
    }

    /// What a PBKDF2 hash asks of PBKDF2, for a batch; `None` for the other schemes.
    pub(crate) fn pbkdf2_task(&self) -> Option<crate::scheme::pbkdf2_engine::Task<'_>> {
        match self {
            Self::Pbkdf2(h) => Some(h.task()),
            Self::PasslibPbkdf2(h) => Some(h.task()),
            _ => None,
        }
    }

    /// Recomputes the digest for `password` and compares it in constant time. No policy is
    /// applied here: callers go through [`Policy`](crate::Policy). An error is never a
    /// verdict: the memory-hard schemes report a failed allocation as
    /// [`VerifyError::ResourceExhausted`].
    pub(crate) fn matches(&self, password: &[u8]) -> Result<bool, VerifyError> {
        Ok(match self {
            Self::Bcrypt(h) => h.matches(password),
            Self::Md5Crypt(h) => h.matches(password),
            Self::ShaCrypt(h) => h.matches(password),
            Self::Pbkdf2(h) => h.matches(password),
            Self::PasslibPbkdf2(h) => h.matches(password),
            Self::Digest(h) => h.matches(password),
            Self::Argon2(h) => h.matches(password)?,
            Self::Yescrypt(h) => h.matches(password)?,
            Self::DesCrypt(h) => h.matches(password),
        })
    }
}

/// `$2$`, `$2x$`, `$2c$`…: bcrypt minors other than a, b and y. (`$argon2d$`, the other
/// unsupported variant, is checked beside it.)
fn is_other_bcrypt_minor(id: &[u8]) -> bool {
    matches!(id, [b'2'] | [b'2', b'a'..=b'z'])
}

impl FromStr for StoredHash {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StoredHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bcrypt(h) => h.fmt(f),
            Self::Md5Crypt(h) => h.fmt(f),
            Self::ShaCrypt(h) => h.fmt(f),
            Self::Pbkdf2(h) => h.fmt(f),
            Self::PasslibPbkdf2(h) => h.fmt(f),
            Self::Digest(h) => h.fmt(f),
            Self::Argon2(h) => h.fmt(f),
            Self::Yescrypt(h) => h.fmt(f),
            Self::DesCrypt(h) => h.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn kind(s: &str) -> ParseErrorKind {
        StoredHash::parse(s).unwrap_err().kind()
    }

    #[test]
    fn markers_and_ids() {
        for s in ["", "*", "!", "!!", "!*", "*LK*", "!$6$x$y"] {
            assert_eq!(kind(s), ParseErrorKind::Disabled, "{s:?}");
        }
        for s in ["$2x$05$", "$2$05$", "$2c$", "$2z$"] {
            assert_eq!(kind(s), ParseErrorKind::UnsupportedVariant, "{s:?}");
        }
        for s in [
            "x",
            "$",
            "$$",
            "$3$",
            "$2A$",
            "$PBKDF2-SHA256$",
            "$md5$",
            "{md5}",
            "{MD5",
            "{SSHA}",
            "{SHA1}x",
            "$MD5}",
            "{}",
            "{",
        ] {
            assert_eq!(kind(s), ParseErrorKind::UnknownScheme, "{s:?}");
        }
        assert_eq!(kind("$6\u{e9}$"), ParseErrorKind::NonAscii);
        assert_eq!(kind("$6$\t$"), ParseErrorKind::NonAscii);
        assert_eq!(kind("$1$"), ParseErrorKind::MissingField);
        assert_eq!(kind("$apr1"), ParseErrorKind::MissingField);
        assert_eq!(kind("$6"), ParseErrorKind::MissingField);
        assert_eq!(kind("{MD5}"), ParseErrorKind::InvalidLength);
        assert_eq!(kind("{SHA}"), ParseErrorKind::InvalidLength);
        assert_eq!(kind("$MD5$"), ParseErrorKind::UnknownScheme);
    }

    #[test]
    fn des_crypt_by_shape_only() {
        // crypt("password", "ab") in libxcrypt.
        let h = StoredHash::parse("abJnggxhB/yWI").unwrap();
        assert_eq!(h.scheme(), Scheme::DesCrypt);
        assert_eq!(h.to_string(), "abJnggxhB/yWI");
        assert!(h.matches(b"password").unwrap());
        for s in [
            "abJnggxhB/yW",
            "abJnggxhB/yWI.",
            "abJnggxhB-yWI",
            " abJnggxhB/yW",
            "_J9..XlcG5E1H5trwtF2",
            "_abJnggxhB/yWI",
            "password",
            "ab",
        ] {
            let e = StoredHash::parse(s).unwrap_err();
            assert_eq!(
                (e.kind(), e.scheme()),
                (ParseErrorKind::UnknownScheme, None),
                "{s:?}"
            );
        }
        let e = StoredHash::parse("abJnggxhB/yWJ").unwrap_err();
        assert_eq!(e.kind(), ParseErrorKind::NonCanonical);
        assert_eq!(e.scheme(), Some(Scheme::DesCrypt));
        assert_eq!(kind("*abJnggxhB/yWI"), ParseErrorKind::Disabled);
        assert_eq!(kind("!abJnggxhB/yWI"), ParseErrorKind::Disabled);
        assert_eq!(kind("abJnggxhB/yW\u{e9}"), ParseErrorKind::NonAscii);
    }

    #[test]
    fn sftpgo_documented_example_round_trips() {
        let s = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
        let h = StoredHash::parse(s).unwrap();
        assert_eq!(h.scheme(), Scheme::Pbkdf2Sha256);
        assert_eq!(h.to_string(), s);
        assert!(h.matches(b"password").unwrap());
        assert!(!h.matches(b"Password").unwrap());
    }

    #[test]
    fn debug_redacts() {
        let s = "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
        let dbg = format!("{:?}", StoredHash::parse(s).unwrap());
        assert!(!dbg.contains("ajq8Q7"), "{dbg}");
        assert!(!dbg.contains("gyNLb"), "{dbg}");
        assert!(dbg.contains("cost: 14"), "{dbg}");
    }
}
