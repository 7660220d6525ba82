//! The scheme families and the one registry that maps a stored string's `$id$` to them.

use core::fmt;

pub mod bcrypt;
mod blowfish_pi;
mod compress;
mod crypt_rounds;
mod eksblowfish;
pub mod md5crypt;
pub mod pbkdf2;
mod pbkdf2_engine;
pub mod shacrypt;

use self::bcrypt::BcryptVariant;
use self::md5crypt::Md5CryptVariant;
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
}

impl Scheme {
    /// Every scheme, in registry order.
    pub const ALL: [Self; 9] = [
        Self::Bcrypt,
        Self::Md5Crypt,
        Self::Apr1,
        Self::Sha256Crypt,
        Self::Sha512Crypt,
        Self::Pbkdf2Sha1,
        Self::Pbkdf2Sha256,
        Self::Pbkdf2Sha512,
        Self::Pbkdf2B64SaltSha256,
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
        }
    }

    /// Looks a scheme up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Legacy schemes verify, but always need a rehash, and a strict policy refuses them.
    pub const fn is_legacy(self) -> bool {
        matches!(self, Self::Md5Crypt | Self::Apr1 | Self::Pbkdf2Sha1)
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
}

/// The registry: the exact identifier between the first two `$` → family. Identifiers are
/// compared byte for byte; nothing is matched by prefix or case-folded.
pub(crate) const REGISTRY: &[(&str, Family)] = &[
    ("2a", Family::Bcrypt(BcryptVariant::A)),
    ("2b", Family::Bcrypt(BcryptVariant::B)),
    ("2y", Family::Bcrypt(BcryptVariant::Y)),
    ("1", Family::Md5Crypt(Md5CryptVariant::Md5)),
    ("apr1", Family::Md5Crypt(Md5CryptVariant::Apr1)),
    ("5", Family::ShaCrypt(ShaCryptVariant::Sha256)),
    ("6", Family::ShaCrypt(ShaCryptVariant::Sha512)),
    ("pbkdf2-sha1", Family::Pbkdf2(Pbkdf2Variant::Sha1)),
    ("pbkdf2-sha256", Family::Pbkdf2(Pbkdf2Variant::Sha256)),
    ("pbkdf2-sha512", Family::Pbkdf2(Pbkdf2Variant::Sha512)),
    (
        "pbkdf2-b64salt-sha256",
        Family::Pbkdf2(Pbkdf2Variant::B64SaltSha256),
    ),
];

pub(crate) fn lookup(id: &[u8]) -> Option<Family> {
    REGISTRY
        .iter()
        .find(|(name, _)| name.as_bytes() == id)
        .map(|&(_, family)| family)
}

impl Family {
    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Bcrypt(_) => Scheme::Bcrypt,
            Self::Md5Crypt(v) => v.scheme(),
            Self::ShaCrypt(v) => v.scheme(),
            Self::Pbkdf2(v) => v.scheme(),
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
                REGISTRY.iter().any(|(_, f)| f.scheme() == scheme),
                "{scheme}"
            );
            assert_eq!(Scheme::from_name(scheme.name()), Some(scheme));
        }
    }

    #[test]
    fn lookup_is_exact() {
        assert!(lookup(b"2b").is_some());
        assert!(lookup(b"2B").is_none());
        assert!(lookup(b"2").is_none());
        assert!(lookup(b"pbkdf2-sha256x").is_none());
        assert!(lookup(b"PBKDF2-SHA256").is_none());
    }
}
