//! RustCrypto's [`password-hash`](password_hash) traits for [`Policy`]: code written against
//! `&dyn PasswordVerifier<str>` verifies every format passgate knows (and the policy's custom
//! schemes) under the policy's limits, and `PasswordHasher<String>` writes the preferred
//! scheme.

#![forbid(unsafe_code)]

use password_hash::{Error, PasswordHasher, PasswordVerifier};

use crate::error::{HashError, ParseErrorKind, VerifyError};
use crate::policy::Policy;

/// [`Policy::verify`] with its errors mapped onto `password_hash::Error`: a mismatch or a
/// lock marker is `PasswordInvalid`, an unknown or unsupported scheme `Algorithm`, any other
/// malformed string `EncodingInvalid`, a refusal by the policy (password or hash limits,
/// lists, legacy) `ParamsInvalid`. Whether the hash needs a rehash is not carried by the
/// trait: ask [`Policy::needs_rehash`].
///
/// ```
/// use password_hash::PasswordVerifier;
///
/// // Code written against RustCrypto's trait, knowing nothing of passgate.
/// fn login(verifier: &dyn PasswordVerifier<str>, stored: &str, password: &str) -> bool {
///     verifier.verify_password(password.as_bytes(), stored).is_ok()
/// }
///
/// let policy = passgate::Policy::default();
/// let sftpgo = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
/// assert!(login(&policy, sftpgo, "password"));
/// assert!(!login(&policy, sftpgo, "wrong"));
/// assert_eq!(
///     policy.verify_password(b"password", "$9$x"),
///     Err(password_hash::Error::Algorithm)
/// );
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "password-hash")))]
impl PasswordVerifier<str> for Policy {
    fn verify_password(&self, password: &[u8], hash: &str) -> Result<(), Error> {
        match self.verify(hash, password) {
            Ok(_) => Ok(()),
            Err(e) => Err(verify_error(e)),
        }
    }
}

fn verify_error(e: VerifyError) -> Error {
    #[allow(unreachable_patterns)] // VerifyError may grow; a new kind is not a match.
    match e {
        VerifyError::Mismatch | VerifyError::Disabled => Error::PasswordInvalid,
        VerifyError::Parse(p) => match p.kind() {
            ParseErrorKind::UnknownScheme | ParseErrorKind::UnsupportedVariant => Error::Algorithm,
            _ => Error::EncodingInvalid,
        },
        VerifyError::Policy(_) => Error::ParamsInvalid,
        VerifyError::ResourceExhausted(_) => Error::OutOfMemory,
        _ => Error::Internal,
    }
}

/// A new hash in the policy's [preferred](Policy::preferred) scheme, as the stored string
/// (the crypt-style formats are not PHC strings). The salt must be 16 bytes
/// (`password_hash`'s `hash_password` draws 16 from the OS): bcrypt's and Argon2id's salt
/// as given; for sha-crypt and SFTPGo's PBKDF2 its first 12 bytes in the crypt alphabet.
///
/// ```
/// use password_hash::{PasswordHasher, PasswordVerifier};
///
/// let policy = passgate::Policy::builder().preferred(passgate::HashParams::Bcrypt { cost: 4 }).build()?;
/// let stored: String = policy.hash_password(b"hunter2").unwrap();
/// assert!(stored.starts_with("$2a$04$"));
/// assert!(policy.verify_password(b"hunter2", &stored).is_ok());
/// # Ok::<(), passgate::BuildError>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "password-hash")))]
impl PasswordHasher<String> for Policy {
    fn hash_password_with_salt(&self, password: &[u8], salt: &[u8]) -> Result<String, Error> {
        let salt: [u8; 16] = salt.try_into().map_err(|_| Error::SaltInvalid)?;
        self.check_new_hash(self.preferred, password)
            .map_err(hash_error)?;
        match self.preferred.generate_with_salt(password, salt) {
            Ok(hash) => Ok(hash.to_string()),
            Err(e) => Err(hash_error(e)),
        }
    }
}

fn hash_error(e: HashError) -> Error {
    match e {
        HashError::Rng => Error::RngFailure,
        HashError::ResourceExhausted(_) => Error::OutOfMemory,
        _ => Error::ParamsInvalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scheme;
    use crate::error::ResourceError;

    /// Memory that could not be allocated is no verdict in RustCrypto's terms either.
    #[test]
    fn out_of_memory_maps_to_out_of_memory() {
        let short = ResourceError::Memory {
            scheme: Scheme::Argon2id,
            bytes: 1 << 40,
        };
        assert_eq!(
            verify_error(VerifyError::ResourceExhausted(short)),
            Error::OutOfMemory
        );
        assert_eq!(
            hash_error(HashError::ResourceExhausted(short)),
            Error::OutOfMemory
        );
        assert_eq!(verify_error(VerifyError::Mismatch), Error::PasswordInvalid);
    }
}
