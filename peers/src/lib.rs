//! Peers for passgate's benches and tests: libxcrypt's `crypt_rn` through FFI and OpenSSL's
//! PBKDF2. This crate exists so that the FFI stays out of passgate itself, which forbids
//! `unsafe`.

use std::ffi::{CStr, CString, c_char, c_int, c_void};

#[link(name = "crypt")]
unsafe extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

/// `sizeof(struct crypt_data)` in libxcrypt.
const CRYPT_DATA_SIZE: usize = 32768;

/// A reusable `struct crypt_data` work area.
pub struct Libxcrypt {
    data: Box<[u8; CRYPT_DATA_SIZE]>,
}

impl Default for Libxcrypt {
    fn default() -> Self {
        Self {
            data: Box::new([0; CRYPT_DATA_SIZE]),
        }
    }
}

impl Libxcrypt {
    /// `crypt_rn(password, setting)`: the hashed string, or `None` when libxcrypt refuses the
    /// setting or the password (which must not contain NUL).
    pub fn crypt(&mut self, password: &[u8], setting: &str) -> Option<String> {
        let phrase = CString::new(password).ok()?;
        let setting = CString::new(setting).ok()?;
        // SAFETY: both strings are NUL-terminated and outlive the call; `data` is a writable
        // area of exactly the size passed, as crypt_rn requires. The result points into
        // `data` and is copied out before `data` is used again.
        unsafe {
            let out = crypt_rn(
                phrase.as_ptr(),
                setting.as_ptr(),
                self.data.as_mut_ptr().cast(),
                CRYPT_DATA_SIZE as c_int,
            );
            if out.is_null() {
                None
            } else {
                Some(CStr::from_ptr(out).to_string_lossy().into_owned())
            }
        }
    }
}

/// OpenSSL's `PKCS5_PBKDF2_HMAC`.
pub fn openssl_pbkdf2(
    hash: openssl::hash::MessageDigest,
    password: &[u8],
    salt: &[u8],
    iterations: usize,
    out: &mut [u8],
) {
    openssl::pkcs5::pbkdf2_hmac(password, salt, iterations, hash, out)
        .expect("OpenSSL PBKDF2 failed");
}

/// OpenSSL's bulk hashing speed: hashes `blocks` blocks of `block_len` bytes in one call
/// sequence, the compression function's throughput with no per-call overhead.
pub fn openssl_bulk(hash: openssl::hash::MessageDigest, data: &[u8]) -> Vec<u8> {
    openssl::hash::hash(hash, data)
        .expect("OpenSSL digest failed")
        .to_vec()
}

pub use openssl;
pub use openssl::hash::MessageDigest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libxcrypt_answers() {
        let mut x = Libxcrypt::default();
        assert_eq!(
            x.crypt(b"password", "$1$saltsalt$").as_deref(),
            Some("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/")
        );
        assert_eq!(x.crypt(b"password", "$2x$"), None);
    }
}
