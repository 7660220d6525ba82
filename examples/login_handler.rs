//! `verify_and_update` in a login handler: verify, store the upgraded hash when the policy
//! wants one, and spend the same time on unknown users.
//!
//! ```sh
//! cargo run --example login_handler
//! ```

use std::collections::HashMap;

use passgate::{HashParams, Policy, VerifyError};

struct Users {
    hashes: HashMap<String, String>,
    policy: Policy,
}

impl Users {
    /// `true` when the login succeeds. A legacy or weak hash is replaced on the way.
    fn login(&mut self, user: &str, password: &[u8]) -> bool {
        let Some(stored) = self.hashes.get(user) else {
            // No such user: the same work as a real verify, so timing does not tell.
            let _ = self.policy.dummy_verify(password);
            return false;
        };
        match self.policy.verify_and_update(stored, password) {
            Ok((_, Some(upgraded))) => {
                self.hashes.insert(user.to_owned(), upgraded);
                true
            }
            Ok((_, None)) => true,
            Err(VerifyError::Mismatch | VerifyError::Disabled) => false,
            Err(e) => {
                // A hash the policy refuses or cannot read: deny, and tell the operator.
                eprintln!("login for {user}: {e}");
                false
            }
        }
    }
}

fn main() {
    // A low cost keeps the example quick; use the default (12) or more in production.
    let policy = Policy::builder()
        .preferred(HashParams::Bcrypt { cost: 8 })
        .build()
        .expect("bcrypt cost 8 is within the default limits");
    let mut users = Users {
        // `openssl passwd -1 -salt saltsalt password`: md5crypt, a legacy scheme.
        hashes: HashMap::from([(
            "alice".to_owned(),
            "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/".to_owned(),
        )]),
        policy,
    };
    assert!(!users.login("alice", b"wrong"));
    assert!(users.login("alice", b"password"));
    println!("alice's hash is now {}", users.hashes["alice"]);
    assert!(users.hashes["alice"].starts_with("$2a$08$"));
    assert!(!users.policy.needs_rehash(&users.hashes["alice"]));
    assert!(users.login("alice", b"password"));
    assert!(!users.login("mallory", b"password"));
}
