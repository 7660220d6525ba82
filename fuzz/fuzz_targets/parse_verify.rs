//! Fuzz target: strict parsing, the exact `Display` round trip, and verification under a
//! low-cost policy. The input is `STORED` or `STORED\nPASSWORD` (the password is raw bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passgate::{Policy, StoredHash};

/// Limits low enough that every verification the fuzzer reaches costs a few milliseconds.
fn low_cost_policy() -> Policy {
    let mut policy = Policy::default();
    policy.max_bcrypt_cost = 5;
    policy.max_shacrypt_rounds = 5000;
    policy.max_pbkdf2_work = 5000;
    policy.max_argon2_memory_kib = 256;
    policy.max_argon2_time = 2;
    policy.max_argon2_lanes = 2;
    policy.max_yescrypt_memory_kib = 256;
    policy.max_yescrypt_time = 2;
    policy.max_yescrypt_parallelism = 2;
    policy.max_password_len = 128;
    policy
}

/// Whatever `parse` accepts displays back byte for byte and re-parses to the same record.
fn check_round_trip(text: &str) {
    if let Ok(record) = StoredHash::parse(text) {
        let shown = record.to_string();
        assert_eq!(shown, text, "Display does not round-trip");
        assert_eq!(
            StoredHash::parse(&shown).as_ref(),
            Ok(&record),
            "re-parsing the Display gives another record"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data) {
        check_round_trip(text);
    }
    let (stored, password) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let Ok(stored) = core::str::from_utf8(stored) else {
        return;
    };
    check_round_trip(stored);
    let verified = low_cost_policy().verify(stored, password);
    if verified.is_ok() {
        // Only a hash that parses can ever verify.
        assert!(
            StoredHash::parse(stored).is_ok(),
            "verified an unparsable hash"
        );
    }
});
