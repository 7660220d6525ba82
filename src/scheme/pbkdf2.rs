//! SFTPGo's PBKDF2 formats: `$pbkdf2-<hash>$ITER$SALT$DIGEST` with a raw salt, and
//! `$pbkdf2-b64salt-sha256$ITER$B64SALT$DIGEST`. The digest is padded standard base64.

#![forbid(unsafe_code)]

use core::fmt;
use core::num::NonZeroU32;

use zeroize::Zeroizing;

use super::compress::{Sha1, Sha256, Sha512};
use super::pbkdf2_engine::{Hmac, Task, pbkdf2};
use super::{Redacted, Scheme, split_fields};
use crate::ct::digests_equal;
use crate::encoding::{LenientBase64, parse_decimal};
use crate::error::{ParseError, ParseErrorKind};

/// The HMAC hash and salt encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pbkdf2Variant {
    /// `$pbkdf2-sha1$`.
    Sha1,
    /// `$pbkdf2-sha256$`.
    Sha256,
    /// `$pbkdf2-sha512$`.
    Sha512,
    /// `$pbkdf2-b64salt-sha256$`: the salt field is standard base64.
    B64SaltSha256,
}

impl Pbkdf2Variant {
    /// The identifier between the first two `$`.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Sha1 => "pbkdf2-sha1",
            Self::Sha256 => "pbkdf2-sha256",
            Self::Sha512 => "pbkdf2-sha512",
            Self::B64SaltSha256 => "pbkdf2-b64salt-sha256",
        }
    }

    /// The HMAC hash's output length: one PBKDF2 block.
    pub const fn block_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 | Self::B64SaltSha256 => 32,
            Self::Sha512 => 64,
        }
    }

    pub(crate) const fn scheme(self) -> Scheme {
        match self {
            Self::Sha1 => Scheme::Pbkdf2Sha1,
            Self::Sha256 => Scheme::Pbkdf2Sha256,
            Self::Sha512 => Scheme::Pbkdf2Sha512,
            Self::B64SaltSha256 => Scheme::Pbkdf2B64SaltSha256,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Pbkdf2Salt {
    /// The field's characters are the salt bytes.
    Raw(Box<[u8]>),
    /// The field is base64 of the salt bytes.
    Base64(LenientBase64),
}

impl Pbkdf2Salt {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Raw(b) => b,
            Self::Base64(b) => b.bytes(),
        }
    }
}

/// A parsed SFTPGo PBKDF2 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Pbkdf2Hash {
    variant: Pbkdf2Variant,
    iterations: NonZeroU32,
    salt: Pbkdf2Salt,
    /// 16 to 256 bytes: its length is the derived key length.
    digest: LenientBase64,
}

impl Pbkdf2Hash {
    /// The shortest digest accepted. SFTPGo derives as many bytes as the stored digest holds,
    /// so an empty digest would match every password there; we refuse short ones.
    pub const MIN_DIGEST_BYTES: usize = 16;
    /// The longest digest accepted (389-DS conversions store 256 bytes).
    pub const MAX_DIGEST_BYTES: usize = 256;

    pub(crate) fn parse(variant: Pbkdf2Variant, rest: &[u8]) -> Result<Self, ParseError> {
        let scheme = variant.scheme();
        let err = |field, kind| ParseError::in_field(scheme, field, kind);
        let [iterations, salt, digest] =
            split_fields::<3>(rest).map_err(|k| ParseError::in_scheme(scheme, k))?;
        let iterations = parse_decimal(iterations)
            .map_err(|e| e.into_kind(ParseErrorKind::IterationsOutOfRange))
            .and_then(|n| NonZeroU32::new(n).ok_or(ParseErrorKind::IterationsOutOfRange))
            .map_err(|k| err("iterations", k))?;
        let salt = match variant {
            Pbkdf2Variant::B64SaltSha256 => {
                Pbkdf2Salt::Base64(LenientBase64::decode(salt).map_err(|k| err("salt", k))?)
            }
            _ => Pbkdf2Salt::Raw(salt.into()),
        };
        if salt.bytes().is_empty() {
            return Err(err("salt", ParseErrorKind::InvalidLength));
        }
        if digest.is_empty() {
            return Err(err("digest", ParseErrorKind::DigestTooShort));
        }
        let digest = LenientBase64::decode(digest).map_err(|k| err("digest", k))?;
        match digest.bytes().len() {
            n if n < Self::MIN_DIGEST_BYTES => Err(err("digest", ParseErrorKind::DigestTooShort)),
            n if n > Self::MAX_DIGEST_BYTES => Err(err("digest", ParseErrorKind::DigestTooLong)),
            _ => Ok(Self {
                variant,
                iterations,
                salt,
                digest,
            }),
        }
    }

    /// Builds a record from a freshly computed digest of one block.
    pub(crate) fn generate(
        variant: Pbkdf2Variant,
        iterations: NonZeroU32,
        salt: Pbkdf2Salt,
        password: &[u8],
    ) -> Self {
        let mut out = vec![0u8; variant.block_len()];
        derive(variant, password, salt.bytes(), iterations, &mut out);
        Self {
            variant,
            iterations,
            salt,
            digest: LenientBase64::from_bytes(out),
        }
    }

    /// The HMAC hash and salt encoding.
    pub const fn variant(&self) -> Pbkdf2Variant {
        self.variant
    }

    /// The iteration count.
    pub const fn iterations(&self) -> u32 {
        self.iterations.get()
    }

    /// The derived key length in bytes.
    pub fn digest_len(&self) -> usize {
        self.digest.bytes().len()
    }

    /// Iterations × output blocks: the number of HMAC chains computed, the cost measure
    /// policies cap.
    pub fn work(&self) -> u64 {
        u64::from(self.iterations()) * self.digest_len().div_ceil(self.variant.block_len()) as u64
    }

    /// What this hash asks of PBKDF2, for a batch ([`tasks_match`](super::pbkdf2_engine::tasks_match)).
    pub(crate) fn task(&self) -> Task<'_> {
        Task {
            hmac: match self.variant {
                Pbkdf2Variant::Sha1 => Hmac::Sha1,
                Pbkdf2Variant::Sha256 | Pbkdf2Variant::B64SaltSha256 => Hmac::Sha256,
                Pbkdf2Variant::Sha512 => Hmac::Sha512,
            },
            iterations: self.iterations.get(),
            salt: self.salt.bytes(),
            stored: self.digest.bytes(),
        }
    }

    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut buf = Zeroizing::new([0u8; Self::MAX_DIGEST_BYTES]);
        let out = &mut buf[..self.digest_len()];
        derive(
            self.variant,
            password,
            self.salt.bytes(),
            self.iterations,
            out,
        );
        digests_equal(out, self.digest.bytes())
    }
}

fn derive(variant: Pbkdf2Variant, password: &[u8], salt: &[u8], n: NonZeroU32, out: &mut [u8]) {
    let n = n.get();
    match variant {
        Pbkdf2Variant::Sha1 => pbkdf2::<Sha1>(password, salt, n, out),
        Pbkdf2Variant::Sha256 | Pbkdf2Variant::B64SaltSha256 => {
            pbkdf2::<Sha256>(password, salt, n, out);
        }
        Pbkdf2Variant::Sha512 => pbkdf2::<Sha512>(password, salt, n, out),
    }
}

impl fmt::Display for Pbkdf2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}${}$", self.variant.id(), self.iterations)?;
        match &self.salt {
            // Raw salts hold only printable ASCII (checked before parsing).
            Pbkdf2Salt::Raw(b) => {
                for &c in b.iter() {
                    fmt::Write::write_char(f, char::from(c))?;
                }
            }
            Pbkdf2Salt::Base64(b) => write!(f, "{b}")?,
        }
        write!(f, "${}", self.digest)
    }
}

impl fmt::Debug for Pbkdf2Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pbkdf2Hash")
            .field("variant", &self.variant)
            .field("iterations", &self.iterations)
            .field("salt", &Redacted)
            .field("digest_len", &self.digest_len())
            .field("digest", &Redacted)
            .finish()
    }
}
