//! A scheme of your own: OpenLDAP's `{SSHA}` (salted SHA-1), which passgate does not ship,
//! registered on a `Policy` so that it goes through the same limits, legacy rule and
//! rehash-on-login as the built-in schemes.
//!
//! ```sh
//! cargo run --example ldap_ssha
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use passgate::{CustomScheme, ParseErrorKind, Policy, Scheme, VerifyError};
use sha1::{Digest as _, Sha1};
use subtle::ConstantTimeEq as _;

/// `{SSHA}` + base64(SHA1(password + salt) + salt), as `slappasswd -h {SSHA}` writes it.
pub(crate) struct Ssha;

impl CustomScheme for Ssha {
    fn name(&self) -> &'static str {
        "ldap-ssha"
    }

    fn prefix(&self) -> Option<&'static str> {
        Some("{SSHA}")
    }

    fn verify(&self, stored: &str, password: &[u8]) -> Result<bool, ParseErrorKind> {
        let body = stored
            .strip_prefix("{SSHA}")
            .ok_or(ParseErrorKind::UnknownScheme)?;
        let raw = STANDARD
            .decode(body)
            .map_err(|_| ParseErrorKind::InvalidBase64)?;
        // OpenLDAP needs more than the 20 digest bytes: at least one byte of salt.
        if raw.len() <= 20 {
            return Err(ParseErrorKind::InvalidLength);
        }
        let (digest, salt) = raw.split_at(20);
        let computed = Sha1::new()
            .chain_update(password)
            .chain_update(salt)
            .finalize();
        Ok(bool::from(computed.as_slice().ct_eq(digest)))
    }

    /// Salted SHA-1 is fast to brute-force: verify, then move the user on.
    fn is_legacy(&self) -> bool {
        true
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::builder().scheme(Ssha).build()?;

    // Made by Python's hashlib, checked with `openssl dgst -sha1` (vectors/gen/ldap_ssha.py).
    let stored = "{SSHA}eyDMtQQRFLR/tqtSmiwJH5UWx7kSNFZ4";
    let (verified, new_hash) = policy.verify_and_update(stored, b"password")?;
    assert_eq!(verified.scheme, Scheme::Custom("ldap-ssha"));
    let new_hash = new_hash.ok_or("a custom scheme always needs a rehash")?;
    println!(
        "{stored} verified as {}; store {new_hash} instead",
        verified.scheme
    );

    assert_eq!(policy.verify(stored, b"wrong"), Err(VerifyError::Mismatch));
    // Built-in schemes keep their prefixes: {SHA} is still htpasswd's.
    assert_eq!(
        policy.identify("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
        Some(Scheme::HtpasswdSha1)
    );
    // A strict policy refuses legacy schemes, this one included.
    let strict = Policy::builder().allow_legacy(false).scheme(Ssha).build()?;
    let refused = strict.verify(stored, b"password").map(|_| ());
    assert_eq!(refused.map_err(|e| e.name()), Err("LegacyScheme"));
    Ok(())
}
