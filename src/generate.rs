//! New hashes: parameters, OS-random salts, and the records they produce.

#![forbid(unsafe_code)]

use core::num::NonZeroU32;

use crate::encoding::{CryptSalt, LenientBase64, crypt_encode};
use crate::error::HashError;
use crate::scheme::Scheme;
use crate::scheme::argon2::{Argon2Hash, Argon2Variant};
use crate::scheme::bcrypt::{BcryptHash, BcryptVariant};
use crate::scheme::pbkdf2::{Pbkdf2Hash, Pbkdf2Salt, Pbkdf2Variant};
use crate::scheme::shacrypt::{ShaCryptHash, ShaCryptVariant};
use crate::stored::StoredHash;

/// What to hash with. bcrypt hashes are written as `$2a$`, the only bcrypt identifier SFTPGo
/// (Go's `crypto/bcrypt`) reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashParams {
    /// bcrypt at a cost of 4–31.
    Bcrypt {
        /// The key schedule runs 2^cost times.
        cost: u32,
    },
    /// SHA-256 crypt; `None` writes no `rounds=` field (5000 rounds).
    Sha256Crypt {
        /// 1000–999 999 999, or `None` for the implicit 5000.
        rounds: Option<u32>,
    },
    /// SHA-512 crypt; `None` writes no `rounds=` field (5000 rounds).
    Sha512Crypt {
        /// 1000–999 999 999, or `None` for the implicit 5000.
        rounds: Option<u32>,
    },
    /// Argon2id (v=19) with a 16-byte salt and a 32-byte hash; SFTPGo reads it too.
    Argon2id {
        /// Memory in KiB, at least 8 × `p`.
        m: u32,
        /// Passes over memory, at least 1.
        t: u32,
        /// Lanes, 1 to 2²⁴−1.
        p: u32,
    },
    /// One of SFTPGo's PBKDF2 formats, with a digest of one hash block.
    Pbkdf2 {
        /// The HMAC hash and salt encoding.
        variant: Pbkdf2Variant,
        /// At least 1.
        iterations: u32,
    },
}

impl HashParams {
    /// The scheme these parameters produce.
    pub const fn scheme(self) -> Scheme {
        match self {
            Self::Bcrypt { .. } => Scheme::Bcrypt,
            Self::Sha256Crypt { .. } => Scheme::Sha256Crypt,
            Self::Sha512Crypt { .. } => Scheme::Sha512Crypt,
            Self::Pbkdf2 { variant, .. } => variant.scheme(),
            Self::Argon2id { .. } => Scheme::Argon2id,
        }
    }

    /// Recommended parameters for a scheme passgate can generate, or `None` for the
    /// verify-only schemes (md5crypt, apr1, the unsalted digests, passlib's PBKDF2). bcrypt cost 12; sha-crypt and PBKDF2 at
    /// passlib's and OWASP's current figures.
    pub const fn recommended(scheme: Scheme) -> Option<Self> {
        Some(match scheme {
            Scheme::Bcrypt => Self::Bcrypt { cost: 12 },
            Scheme::Sha256Crypt => Self::Sha256Crypt {
                rounds: Some(535_000),
            },
            Scheme::Sha512Crypt => Self::Sha512Crypt {
                rounds: Some(656_000),
            },
            Scheme::Pbkdf2Sha1 => Self::Pbkdf2 {
                variant: Pbkdf2Variant::Sha1,
                iterations: 1_300_000,
            },
            Scheme::Pbkdf2Sha256 => Self::Pbkdf2 {
                variant: Pbkdf2Variant::Sha256,
                iterations: 600_000,
            },
            Scheme::Pbkdf2B64SaltSha256 => Self::Pbkdf2 {
                variant: Pbkdf2Variant::B64SaltSha256,
                iterations: 600_000,
            },
            Scheme::Pbkdf2Sha512 => Self::Pbkdf2 {
                variant: Pbkdf2Variant::Sha512,
                iterations: 210_000,
            },
            // OWASP's first Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
            Scheme::Argon2id => Self::Argon2id {
                m: 19_456,
                t: 2,
                p: 1,
            },
            Scheme::Argon2i
            | Scheme::Md5Crypt
            | Scheme::Apr1
            | Scheme::SftpgoMd5
            | Scheme::SftpgoSha256
            | Scheme::SftpgoSha512
            | Scheme::HtpasswdSha1
            | Scheme::PasslibPbkdf2Sha1
            | Scheme::PasslibPbkdf2Sha256
            | Scheme::PasslibPbkdf2Sha512
            | Scheme::Yescrypt
            | Scheme::DesCrypt
            | Scheme::Custom(_) => return None,
        })
    }

    /// Checks the values against what the format can express.
    pub(crate) fn validate(self) -> Result<(), HashError> {
        let ok = match self {
            Self::Bcrypt { cost } => (BcryptHash::MIN_COST..=BcryptHash::MAX_COST).contains(&cost),
            Self::Sha256Crypt { rounds } | Self::Sha512Crypt { rounds } => rounds
                .is_none_or(|r| (ShaCryptHash::MIN_ROUNDS..=ShaCryptHash::MAX_ROUNDS).contains(&r)),
            Self::Pbkdf2 { iterations, .. } => iterations > 0,
            Self::Argon2id { m, t, p } => {
                t > 0
                    && (Argon2Hash::MIN_P..=Argon2Hash::MAX_P).contains(&p)
                    && u64::from(m) >= 8 * u64::from(p)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(HashError::InvalidParams(match self {
                Self::Bcrypt { .. } => "bcrypt cost must be 4 to 31",
                Self::Sha256Crypt { .. } | Self::Sha512Crypt { .. } => {
                    "sha-crypt rounds must be 1000 to 999999999"
                }
                Self::Pbkdf2 { .. } => "pbkdf2 iterations must be at least 1",
                Self::Argon2id { .. } => "argon2 needs t >= 1, p in 1..2^24 and m >= 8 * p",
            }))
        }
    }

    /// Hashes `password` with a fresh OS-random salt. Policy checks are the caller's.
    pub(crate) fn generate(self, password: &[u8]) -> Result<StoredHash, HashError> {
        self.generate_with_salt(password, random()?)
    }

    /// Hashes `password` with 16 random bytes given: bcrypt's salt, Argon2's and the base64
    /// PBKDF2 salt as they are, the first 12 as 16 crypt-alphabet characters for sha-crypt
    /// and SFTPGo's raw PBKDF2 salts. Policy checks are the caller's.
    pub(crate) fn generate_with_salt(
        self,
        password: &[u8],
        salt: [u8; 16],
    ) -> Result<StoredHash, HashError> {
        self.validate()?;
        Ok(match self {
            Self::Bcrypt { cost } => {
                StoredHash::Bcrypt(BcryptHash::generate(BcryptVariant::A, cost, salt, password))
            }
            Self::Sha256Crypt { rounds } => StoredHash::ShaCrypt(ShaCryptHash::generate(
                ShaCryptVariant::Sha256,
                rounds,
                sha_crypt_salt(&salt)?,
                password,
            )),
            Self::Sha512Crypt { rounds } => StoredHash::ShaCrypt(ShaCryptHash::generate(
                ShaCryptVariant::Sha512,
                rounds,
                sha_crypt_salt(&salt)?,
                password,
            )),
            Self::Pbkdf2 {
                variant,
                iterations,
            } => {
                let salt = match variant {
                    Pbkdf2Variant::B64SaltSha256 => {
                        Pbkdf2Salt::Base64(LenientBase64::from_bytes(salt.to_vec()))
                    }
                    _ => Pbkdf2Salt::Raw(crypt_salt(&salt)?.into()),
                };
                let iterations = NonZeroU32::new(iterations).ok_or(HashError::InvalidParams(
                    "pbkdf2 iterations must be at least 1",
                ))?;
                StoredHash::Pbkdf2(Pbkdf2Hash::generate(variant, iterations, salt, password))
            }
            Self::Argon2id { m, t, p } => StoredHash::Argon2(Argon2Hash::generate(
                Argon2Variant::Argon2id,
                (m, t, p),
                &salt,
                password,
            )?),
        })
    }
}

fn random<const N: usize>() -> Result<[u8; N], HashError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| HashError::Rng)?;
    Ok(bytes)
}

/// 16 characters of the crypt alphabet (96 random bits): the longest sha-crypt salt, and
/// free of `$` for SFTPGo's raw PBKDF2 salts.
fn crypt_salt(random: &[u8; 16]) -> Result<[u8; 16], HashError> {
    let mut text = String::with_capacity(16);
    crypt_encode(&random[..12], &mut text).map_err(|_| HashError::Rng)?;
    let mut salt = [0u8; 16];
    salt.copy_from_slice(text.as_bytes());
    Ok(salt)
}

/// [`crypt_salt`] as a SHA-crypt salt record.
fn sha_crypt_salt(random: &[u8; 16]) -> Result<CryptSalt<16>, HashError> {
    // The crypt alphabet lies within the salt bytes, so this cannot be refused.
    CryptSalt::parse(&crypt_salt(random)?).map_err(|_| HashError::Rng)
}
