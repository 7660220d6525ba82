//! Hashes passgate writes must verify in independent implementations: libxcrypt (through
//! Python's ctypes) and pyca's bcrypt for bcrypt and SHA-crypt, Python's hashlib for SFTPGo's
//! PBKDF2, argon2-cffi for Argon2id.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use passgate::scheme::pbkdf2::Pbkdf2Variant;
use passgate::{HashParams, Policy};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn generated_hashes_verify_in_independent_tools() {
    let passwords: Vec<Vec<u8>> = vec![
        b"a".to_vec(),
        b"correct horse battery staple".to_vec(),
        b"$:;*!\\\"' ".to_vec(),
        "p\u{e4}ssw\u{f6}rd \u{5bc6}\u{7801}".as_bytes().to_vec(),
        vec![0x80, 0xff, 0xfe, 0x41, 0xa3],
        // crypt_blowfish's $2a$ countermeasure pattern: written the way Go reads it.
        vec![0xff, 0xff, 0xa3],
        vec![b'x'; 72],
        vec![b'y'; 200],
    ];
    let params = [
        HashParams::Bcrypt { cost: 4 },
        HashParams::Bcrypt { cost: 5 },
        HashParams::Sha256Crypt { rounds: None },
        HashParams::Sha256Crypt { rounds: Some(1000) },
        HashParams::Sha512Crypt { rounds: None },
        HashParams::Sha512Crypt { rounds: Some(5000) },
        HashParams::Pbkdf2 {
            variant: Pbkdf2Variant::Sha1,
            iterations: 1000,
        },
        HashParams::Pbkdf2 {
            variant: Pbkdf2Variant::Sha256,
            iterations: 1000,
        },
        HashParams::Pbkdf2 {
            variant: Pbkdf2Variant::Sha512,
            iterations: 1000,
        },
        HashParams::Pbkdf2 {
            variant: Pbkdf2Variant::B64SaltSha256,
            iterations: 2048,
        },
        HashParams::Argon2id { m: 64, t: 2, p: 1 },
        HashParams::Argon2id { m: 256, t: 1, p: 4 },
    ];
    let policy = Policy::default();
    let mut lines = String::new();
    let mut hashes = Vec::new();
    for p in params {
        for pw in &passwords {
            let h = policy.hash(p, pw).unwrap();
            assert!(policy.verify(&h, pw).is_ok(), "{h}");
            if let HashParams::Bcrypt { .. } = p {
                assert!(h.starts_with("$2a$"), "{h}");
            }
            lines.push_str(&format!("{} {h}\n", hex(pw)));
            hashes.push(h);
        }
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/independent_check.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the independent checks");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "independent checker failed");
    let verdicts: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(verdicts.len(), hashes.len());
    for (h, verdict) in hashes.iter().zip(verdicts) {
        assert_eq!(verdict, "ok", "independent tools reject {h}");
    }
}
