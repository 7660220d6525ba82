//! Peers for passgate's benches and tests: libxcrypt's `crypt_rn` and libargon2's
//! `argon2{i,id}_hash_raw` through FFI, and OpenSSL's PBKDF2. This crate exists so that the FFI
//! stays out of passgate itself, whose only `unsafe` is its CPU-feature dispatch.

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

// libargon2, the reference implementation (Debian's `libargon2-1`, behind the `argon2` CLI).
#[link(name = "argon2")]
unsafe extern "C" {
    fn argon2i_hash_raw(
        t_cost: u32,
        m_cost: u32,
        parallelism: u32,
        pwd: *const c_void,
        pwdlen: usize,
        salt: *const c_void,
        saltlen: usize,
        hash: *mut c_void,
        hashlen: usize,
    ) -> c_int;
    fn argon2id_hash_raw(
        t_cost: u32,
        m_cost: u32,
        parallelism: u32,
        pwd: *const c_void,
        pwdlen: usize,
        salt: *const c_void,
        saltlen: usize,
        hash: *mut c_void,
        hashlen: usize,
    ) -> c_int;
}

/// Which Argon2 libargon2 computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Libargon2Variant {
    /// `argon2i_hash_raw`.
    Argon2i,
    /// `argon2id_hash_raw`.
    Argon2id,
}

/// libargon2's `argon2{i,id}_hash_raw` (version 1.3): fills `out` with the raw hash of
/// `password` under `salt`, `t_cost` passes over `m_cost_kib` KiB in `parallelism` lanes (libargon2
/// runs the lanes on that many threads). `Err` holds libargon2's error code (`Argon2_ErrorCodes`
/// in `argon2.h`), e.g. `ARGON2_SALT_TOO_SHORT` for a salt under 8 bytes.
pub fn libargon2(
    variant: Libargon2Variant,
    t_cost: u32,
    m_cost_kib: u32,
    parallelism: u32,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), i32> {
    let f = match variant {
        Libargon2Variant::Argon2i => argon2i_hash_raw,
        Libargon2Variant::Argon2id => argon2id_hash_raw,
    };
    // SAFETY: `password` and `salt` are readable for the lengths passed and `out` writable for
    // its length, all for the whole call; libargon2 touches no byte beyond those lengths (out
    // of range lengths are an error code), keeps no pointer after it returns, and allocates and
    // frees its own working memory, so concurrent calls are safe.
    let code = unsafe {
        f(
            t_cost,
            m_cost_kib,
            parallelism,
            password.as_ptr().cast(),
            password.len(),
            salt.as_ptr().cast(),
            salt.len(),
            out.as_mut_ptr().cast(),
            out.len(),
        )
    };
    match code {
        0 => Ok(()),
        e => Err(e),
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

    #[test]
    fn libargon2_answers() {
        // echo -n password | argon2 somesalt -id -t 2 -m 12 -p 1 -e
        // $argon2id$v=19$m=4096,t=2,p=1$c29tZXNhbHQ$jacJHQ+PoBstB/ZoVNk8re3s1yzVABZujceGiwVNJnk
        // (and -i: $argon2i$…$QuwEJiXx4wjwzsNqZTfeDSW7nqhXbjXKyrVnp8/gBxw), the hashes as hex:
        let cases = [
            (
                Libargon2Variant::Argon2id,
                "8da7091d0f8fa01b2d07f66854d93cadedecd72cd500166e8dc7868b054d2679",
            ),
            (
                Libargon2Variant::Argon2i,
                "42ec042625f1e308f0cec36a6537de0d25bb9ea8576e35cacab567a7cfe0071c",
            ),
        ];
        for (variant, hex) in cases {
            let mut out = [0u8; 32];
            libargon2(variant, 2, 4096, 1, b"password", b"somesalt", &mut out).unwrap();
            let got: String = out.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex, "{variant:?}");
        }
        // ARGON2_SALT_TOO_SHORT (-6).
        let mut out = [0u8; 32];
        assert_eq!(
            libargon2(
                Libargon2Variant::Argon2id,
                2,
                4096,
                1,
                b"password",
                b"short",
                &mut out
            ),
            Err(-6)
        );
    }
}
