//! Verify a stored hash from any supported format, and tell the outcomes apart.
//!
//! ```sh
//! cargo run --example verify
//! ```

use passgate::{Policy, VerifyError};

fn main() {
    let policy = Policy::default();
    let stored = [
        // SFTPGo's documented examples: "secret" and "password".
        "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
        "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
        // `openssl passwd -1 -salt saltsalt password`.
        "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
        // A locked account and a string that is no hash.
        "!$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK",
    ];
    for s in stored {
        for password in [&b"secret"[..], b"password"] {
            let outcome = match policy.verify(s, password) {
                Ok(v) => format!("match ({}, needs rehash: {})", v.scheme, v.needs_rehash),
                Err(VerifyError::Mismatch) => "no match".to_owned(),
                Err(VerifyError::Disabled) => "account locked".to_owned(),
                // The error names the scheme and the fault, never the hash or the password.
                Err(e) => format!("refused: {e}"),
            };
            println!("{:<12} {outcome}", String::from_utf8_lossy(password));
        }
    }
}
