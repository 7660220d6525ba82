//! passgate behind RustCrypto's `password-hash` traits: code written against
//! `&dyn PasswordVerifier<str>` checks SFTPGo, crypt(3) and htpasswd hashes without knowing
//! passgate.
//!
//! ```sh
//! cargo run --example password_hash_trait --features password-hash
//! ```

use password_hash::{Error, PasswordHasher, PasswordVerifier};

/// An authentication service written against the trait only.
struct Auth<'a> {
    verifier: &'a dyn PasswordVerifier<str>,
}

impl Auth<'_> {
    fn check(&self, stored: &str, password: &str) -> Result<(), Error> {
        self.verifier.verify_password(password.as_bytes(), stored)
    }
}

fn main() {
    let policy = passgate::Policy::default();
    let auth = Auth { verifier: &policy };
    let sftpgo = "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
    assert_eq!(auth.check(sftpgo, "password"), Ok(()));
    assert_eq!(auth.check(sftpgo, "wrong"), Err(Error::PasswordInvalid));
    assert_eq!(auth.check("$9$unknown", "password"), Err(Error::Algorithm));
    assert_eq!(
        auth.check("$1$saltsalt$short", "password"),
        Err(Error::EncodingInvalid)
    );
    // bcrypt cost 31 is above the policy's limit: refused before any hashing.
    let costly = "$2a$31$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
    assert_eq!(auth.check(costly, "secret"), Err(Error::ParamsInvalid));

    let hashed: String = policy.hash_password(b"hunter2").expect("bcrypt cost 12");
    assert_eq!(auth.check(&hashed, "hunter2"), Ok(()));
    println!("verified through the trait; new hash {hashed}");
}
