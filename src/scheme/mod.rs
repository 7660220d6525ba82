//! The scheme families and the one registry that maps a stored string's `$id$` to them.

use core::fmt;

pub mod argon2;
pub mod bcrypt;
mod blowfish_pi;
mod compress;
mod crypt_rounds;
mod des;
pub mod descrypt;
pub mod digest;
mod eksblowfish;
#[cfg(target_arch = "x86_64")]
mod eksblowfish_bmi1;
pub mod md5crypt;
pub mod passlib_pbkdf2;
pub mod pbkdf2;
pub(crate) mod pbkdf2_engine;
#[cfg(target_arch = "x86_64")]
mod pbkdf2_shani;
pub mod shacrypt;
pub mod yescrypt;
mod yescrypt_engine;

use self::argon2::Argon2Variant;
use self::bcrypt::{BcryptHash, BcryptVariant};
use self::descrypt::DesCryptHash;
use self::digest::DigestVariant;
use self::md5crypt::Md5CryptVariant;
use self::passlib_pbkdf2::PasslibPbkdf2Variant;
use self::pbkdf2::Pbkdf2Variant;
use self::shacrypt::ShaCryptVariant;

/// A password hashing scheme passgate can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scheme {
    /// bcrypt (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt,
    /// md5crypt (`$1$`), legacy.
    Md5Crypt,
    /// Apache's md5crypt (`$apr1$`), legacy.
    Apr1,
    /// SHA-256 crypt (`$5$`).
    Sha256Crypt,
    /// SHA-512 crypt (`$6$`).
    Sha512Crypt,
    /// SFTPGo's PBKDF2-HMAC-SHA1 (`$pbkdf2-sha1$`), legacy.
    Pbkdf2Sha1,
    /// SFTPGo's PBKDF2-HMAC-SHA256 (`$pbkdf2-sha256$`).
    Pbkdf2Sha256,
    /// SFTPGo's PBKDF2-HMAC-SHA512 (`$pbkdf2-sha512$`).
    Pbkdf2Sha512,
    /// SFTPGo's PBKDF2-HMAC-SHA256 with a base64 salt (`$pbkdf2-b64salt-sha256$`).
    Pbkdf2B64SaltSha256,
    /// SFTPGo's unsalted MD5 in lower-case hex (`{MD5}`), legacy.
    SftpgoMd5,
    /// SFTPGo's unsalted SHA-256 in lower-case hex (`{SHA256}`), legacy.
    SftpgoSha256,
    /// SFTPGo's unsalted SHA-512 in lower-case hex (`{SHA512}`), legacy.
    SftpgoSha512,
    /// Apache htpasswd's unsalted SHA-1 in base64 (`{SHA}`), legacy.
    HtpasswdSha1,
    /// passlib's PBKDF2-HMAC-SHA1 (`$pbkdf2$`, adapted base64), legacy.
    PasslibPbkdf2Sha1,
    /// passlib's PBKDF2-HMAC-SHA256 (`$pbkdf2-sha256$`, adapted base64).
    PasslibPbkdf2Sha256,
    /// passlib's PBKDF2-HMAC-SHA512 (`$pbkdf2-sha512$`, adapted base64).
    PasslibPbkdf2Sha512,
    /// Argon2id (`$argon2id$v=19$…`).
    Argon2id,
    /// Argon2i (`$argon2i$v=19$…`).
    Argon2i,
    /// yescrypt (`$y$`), libxcrypt's format.
    Yescrypt,
    /// Traditional DES crypt (13 characters, no identifier; `htpasswd -d`), legacy.
    DesCrypt,
    /// A scheme of the caller's own, registered on a [`Policy`](crate::Policy) by its
    /// [`CustomScheme::name`](crate::CustomScheme::name). Never in [`ALL`](Self::ALL).
    Custom(&'static str),
}

impl Scheme {
    /// Every scheme, in registry order.
    pub const ALL: [Self; 20] = [
        Self::Bcrypt,
        Self::Md5Crypt,
        Self::Apr1,
        Self::Sha256Crypt,
        Self::Sha512Crypt,
        Self::Pbkdf2Sha1,
        Self::Pbkdf2Sha256,
        Self::Pbkdf2Sha512,
        Self::Pbkdf2B64SaltSha256,
        Self::SftpgoMd5,
        Self::SftpgoSha256,
        Self::SftpgoSha512,
        Self::HtpasswdSha1,
        Self::PasslibPbkdf2Sha1,
        Self::PasslibPbkdf2Sha256,
        Self::PasslibPbkdf2Sha512,
        Self::Argon2id,
        Self::Argon2i,
        Self::Yescrypt,
        Self::DesCrypt,
    ];

    /// The scheme's name, as used in vector files, on the command line and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Md5Crypt => "md5crypt",
            Self::Apr1 => "apr1",
            Self::Sha256Crypt => "sha256crypt",
            Self::Sha512Crypt => "sha512crypt",
            Self::Pbkdf2Sha1 => "pbkdf2-sha1",
            Self::Pbkdf2Sha256 => "pbkdf2-sha256",
            Self::Pbkdf2Sha512 => "pbkdf2-sha512",
            Self::Pbkdf2B64SaltSha256 => "pbkdf2-b64salt-sha256",
            Self::SftpgoMd5 => "sftpgo-md5",
            Self::SftpgoSha256 => "sftpgo-sha256",
            Self::SftpgoSha512 => "sftpgo-sha512",
            Self::HtpasswdSha1 => "htpasswd-sha1",
            Self::PasslibPbkdf2Sha1 => "passlib-pbkdf2-sha1",
            Self::PasslibPbkdf2Sha256 => "passlib-pbkdf2-sha256",
            Self::PasslibPbkdf2Sha512 => "passlib-pbkdf2-sha512",
            Self::Argon2id => "argon2id",
            Self::Argon2i => "argon2i",
            Self::Yescrypt => "yescrypt",
            Self::DesCrypt => "descrypt",
            Self::Custom(name) => name,
        }
    }

    /// Looks a scheme up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Legacy schemes verify, but always need a rehash, and a strict policy refuses them.
    /// For a [`Custom`](Self::Custom) scheme this is `false`: the policy asks the scheme
    /// itself ([`CustomScheme::is_legacy`](crate::CustomScheme::is_legacy)).
    pub const fn is_legacy(self) -> bool {
        matches!(
            self,
            Self::Md5Crypt
                | Self::Apr1
                | Self::Pbkdf2Sha1
                | Self::SftpgoMd5
                | Self::SftpgoSha256
                | Self::SftpgoSha512
                | Self::HtpasswdSha1
                | Self::PasslibPbkdf2Sha1
                | Self::DesCrypt
        )
    }

    /// How the scheme's stored strings begin: `$2a$`, `{SHA}`… DES crypt has no identifier
    /// (13 characters of the crypt alphabet name it), so its list is empty. `$pbkdf2-sha256$`
    /// and `$pbkdf2-sha512$` belong to both SFTPGo's and passlib's PBKDF2.
    pub fn identifiers(self) -> Vec<String> {
        REGISTRY
            .iter()
            .filter(|(_, family)| family.schemes().contains(&self))
            .filter_map(|(id, _)| match id {
                Id::Dollar(name) => Some(format!("${name}$")),
                Id::Braced(prefix) => Some((*prefix).to_owned()),
                Id::Shape => None,
            })
            .collect()
    }

    /// How many leading password bytes the scheme reads, when it ignores the rest: 72 for
    /// bcrypt, 8 for DES crypt. `None`: every byte counts.
    pub const fn significant_password_bytes(self) -> Option<usize> {
        match self {
            Self::Bcrypt => Some(BcryptHash::MAX_PASSWORD_BYTES),
            Self::DesCrypt => Some(DesCryptHash::MAX_PASSWORD_BYTES),
            _ => None,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an identifier selects: a family and its variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Bcrypt(BcryptVariant),
    Md5Crypt(Md5CryptVariant),
    ShaCrypt(ShaCryptVariant),
    Pbkdf2(Pbkdf2Variant),
    PasslibPbkdf2(PasslibPbkdf2Variant),
    /// An identifier SFTPGo and passlib share; the digest field decides (see
    /// [`passlib_pbkdf2`]'s docs).
    Pbkdf2Shared(Pbkdf2Variant, PasslibPbkdf2Variant),
    Digest(DigestVariant),
    Argon2(Argon2Variant),
    Yescrypt,
    DesCrypt,
}

/// How a stored string names its scheme: `$id$…`, a `{NAME}…` prefix for the unsalted
/// digests, which have no `$id$`, or nothing at all (DES crypt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Id {
    /// The text between the first two `$`.
    Dollar(&'static str),
    /// The prefix up to and including the first `}`, braces included.
    Braced(&'static str),
    /// No identifier: the whole string's shape names the scheme. Only DES crypt (13
    /// characters of the crypt alphabet) is known this way, so at most one entry has it.
    Shape,
}

/// The registry: the exact identifier (between the first two `$`, or a whole `{NAME}`
/// prefix, or for DES crypt the string's shape) → family. Identifiers are compared byte for
/// byte; nothing is matched by prefix or case-folded.
pub(crate) const REGISTRY: &[(Id, Family)] = &[
    (Id::Dollar("2a"), Family::Bcrypt(BcryptVariant::A)),
    (Id::Dollar("2b"), Family::Bcrypt(BcryptVariant::B)),
    (Id::Dollar("2y"), Family::Bcrypt(BcryptVariant::Y)),
    (Id::Dollar("1"), Family::Md5Crypt(Md5CryptVariant::Md5)),
    (Id::Dollar("apr1"), Family::Md5Crypt(Md5CryptVariant::Apr1)),
    (Id::Dollar("5"), Family::ShaCrypt(ShaCryptVariant::Sha256)),
    (Id::Dollar("6"), Family::ShaCrypt(ShaCryptVariant::Sha512)),
    (
        Id::Dollar("pbkdf2-sha1"),
        Family::Pbkdf2(Pbkdf2Variant::Sha1),
    ),
    (
        Id::Dollar("pbkdf2-sha256"),
        Family::Pbkdf2Shared(Pbkdf2Variant::Sha256, PasslibPbkdf2Variant::Sha256),
    ),
    (
        Id::Dollar("pbkdf2-sha512"),
        Family::Pbkdf2Shared(Pbkdf2Variant::Sha512, PasslibPbkdf2Variant::Sha512),
    ),
    (
        Id::Dollar("pbkdf2"),
        Family::PasslibPbkdf2(PasslibPbkdf2Variant::Sha1),
    ),
    (
        Id::Dollar("pbkdf2-b64salt-sha256"),
        Family::Pbkdf2(Pbkdf2Variant::B64SaltSha256),
    ),
    (
        Id::Dollar("argon2id"),
        Family::Argon2(Argon2Variant::Argon2id),
    ),
    (
        Id::Dollar("argon2i"),
        Family::Argon2(Argon2Variant::Argon2i),
    ),
    (Id::Dollar("y"), Family::Yescrypt),
    (Id::Braced("{MD5}"), Family::Digest(DigestVariant::Md5Hex)),
    (
        Id::Braced("{SHA256}"),
        Family::Digest(DigestVariant::Sha256Hex),
    ),
    (
        Id::Braced("{SHA512}"),
        Family::Digest(DigestVariant::Sha512Hex),
    ),
    (
        Id::Braced("{SHA}"),
        Family::Digest(DigestVariant::Sha1Base64),
    ),
    (Id::Shape, Family::DesCrypt),
];

/// The family named by the text between the first two `$`.
pub(crate) fn lookup_dollar(id: &[u8]) -> Option<Family> {
    REGISTRY.iter().find_map(|&(name, family)| match name {
        Id::Dollar(name) if name.as_bytes() == id => Some(family),
        _ => None,
    })
}

/// The family named by a `{NAME}` prefix, braces included.
pub(crate) fn lookup_braced(prefix: &[u8]) -> Option<Family> {
    REGISTRY.iter().find_map(|&(name, family)| match name {
        Id::Braced(name) if name.as_bytes() == prefix => Some(family),
        _ => None,
    })
}

/// The family a string without any identifier belongs to by its shape, if any.
pub(crate) fn lookup_shape(text: &[u8]) -> Option<Family> {
    REGISTRY
        .iter()
        .find_map(|&(name, family)| match (name, family) {
            (Id::Shape, Family::DesCrypt) if DesCryptHash::has_shape(text) => Some(family),
            _ => None,
        })
}

impl Family {
    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Bcrypt(_) => Scheme::Bcrypt,
            Self::Md5Crypt(v) => v.scheme(),
            Self::ShaCrypt(v) => v.scheme(),
            // For errors found before the digest field decides: the SFTPGo reading.
            Self::Pbkdf2(v) | Self::Pbkdf2Shared(v, _) => v.scheme(),
            Self::PasslibPbkdf2(v) => v.scheme(),
            Self::Digest(v) => v.scheme(),
            Self::Argon2(v) => v.scheme(),
            Self::Yescrypt => Scheme::Yescrypt,
            Self::DesCrypt => Scheme::DesCrypt,
        }
    }

    /// Every scheme the identifier can select.
    fn schemes(self) -> Vec<Scheme> {
        match self {
            Self::Pbkdf2Shared(a, b) => vec![a.scheme(), b.scheme()],
            other => vec![other.scheme()],
        }
    }
}

/// Splits `rest` on `$` into exactly `N` fields: fewer is [`MissingField`], more is
/// [`TrailingData`].
///
/// [`MissingField`]: crate::ParseErrorKind::MissingField
/// [`TrailingData`]: crate::ParseErrorKind::TrailingData
pub(crate) fn split_fields<const N: usize>(
    rest: &[u8],
) -> Result<[&[u8]; N], crate::error::ParseErrorKind> {
    let mut fields = [&rest[..0]; N];
    let mut parts = rest.split(|&c| c == b'$');
    for field in &mut fields {
        *field = parts
            .next()
            .ok_or(crate::error::ParseErrorKind::MissingField)?;
    }
    match parts.next() {
        Some(_) => Err(crate::error::ParseErrorKind::TrailingData),
        None => Ok(fields),
    }
}

/// Formats salt and digest fields in `Debug` output without revealing them.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_are_unique_and_cover_every_scheme() {
        for (i, (a, _)) in REGISTRY.iter().enumerate() {
            for (b, _) in &REGISTRY[i + 1..] {
                assert_ne!(a, b);
            }
        }
        for scheme in Scheme::ALL {
            assert!(
                REGISTRY.iter().any(|(_, f)| f.schemes().contains(&scheme)),
                "{scheme}"
            );
            assert_eq!(Scheme::from_name(scheme.name()), Some(scheme));
        }
    }

    #[test]
    fn lookup_is_exact() {
        assert!(lookup_dollar(b"2b").is_some());
        assert!(lookup_dollar(b"2B").is_none());
        assert!(lookup_dollar(b"2").is_none());
        assert!(lookup_dollar(b"pbkdf2-sha256x").is_none());
        assert!(lookup_dollar(b"PBKDF2-SHA256").is_none());
        assert!(lookup_dollar(b"{MD5}").is_none());
        assert!(lookup_braced(b"{MD5}").is_some());
        assert!(lookup_braced(b"{md5}").is_none());
        assert!(lookup_braced(b"{SHA1}").is_none());
        assert!(lookup_braced(b"{SSHA}").is_none());
        assert!(lookup_braced(b"MD5").is_none());
        assert_eq!(lookup_shape(b"abJnggxhB/yWI"), Some(Family::DesCrypt));
        assert_eq!(lookup_shape(b"abJnggxhB/yWI."), None);
        assert_eq!(lookup_shape(b"abJnggxhB/yW"), None);
        assert_eq!(lookup_shape(b"abJnggxhB/y-I"), None);
        assert_eq!(lookup_shape(b"_J9..XlcG5E1H5trwtF2"), None);
        assert_eq!(lookup_shape(b"password"), None);
        assert!(lookup_dollar(b"abJnggxhB/yWI").is_none());
    }

    #[test]
    fn significant_lengths() {
        assert_eq!(Scheme::Bcrypt.significant_password_bytes(), Some(72));
        assert_eq!(Scheme::DesCrypt.significant_password_bytes(), Some(8));
        assert_eq!(Scheme::Md5Crypt.significant_password_bytes(), None);
        assert!(Scheme::DesCrypt.is_legacy());
    }
}
