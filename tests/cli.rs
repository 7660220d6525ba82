//! The `passgate` binary as a user runs it: exit codes, stdin handling, JSON output, and no
//! hash material in what it prints about a refused hash.
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;

use std::process::Output;

use bin::passgate;
use serde_json::Value;

const SFTPGO_PBKDF2: &str =
    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=";
/// `openssl passwd -1 -salt saltsalt password`.
const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn verify_exit_codes() {
    assert_eq!(code(&passgate(&["verify", SFTPGO_PBKDF2], b"password")), 0);
    assert_eq!(
        code(&passgate(&["verify", SFTPGO_PBKDF2], b"password\n")),
        0
    );
    assert_eq!(
        code(&passgate(&["verify", SFTPGO_PBKDF2], b"password\r\n")),
        0
    );
    // Only one line ending is removed.
    assert_eq!(
        code(&passgate(&["verify", SFTPGO_PBKDF2], b"password\n\n")),
        1
    );
    assert_eq!(code(&passgate(&["verify", SFTPGO_PBKDF2], b"Password")), 1);
    assert_eq!(code(&passgate(&["verify", "!"], b"password")), 1);
    assert_eq!(
        code(&passgate(&["verify", "$pbkdf2-sha256$1000$salt$"], b"x")),
        2
    );
    assert_eq!(code(&passgate(&["verify", SFTPGO_PBKDF2], b"")), 2);
    assert_eq!(code(&passgate(&["verify"], b"x")), 2);
    assert_eq!(code(&passgate(&["frobnicate"], b"x")), 2);
}

#[test]
fn verify_json_and_policy_flags() {
    let out = passgate(&["verify", "--json", MD5CRYPT], b"password");
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["result"], "match");
    assert_eq!(v["scheme"], "md5crypt");
    assert_eq!(v["needs_rehash"], true);

    let out = passgate(
        &["verify", "--json", "--policy", "strict", MD5CRYPT],
        b"password",
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"], "LegacyScheme");

    let out = passgate(&["--json", "verify", MD5CRYPT], b"wrong");
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["result"], "mismatch");

    let out = passgate(
        &["verify", "--json", "--max-work", "100000", SFTPGO_PBKDF2],
        b"password",
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"], "WorkTooHigh");

    let long = vec![b'a'; 2000];
    let out = passgate(&["verify", "--json", MD5CRYPT], &long);
    assert_eq!(json(&out)["error"], "PasswordTooLong");
    let out = passgate(
        &["verify", "--json", "--max-password-len", "4096", MD5CRYPT],
        &long,
    );
    assert_eq!(json(&out)["result"], "mismatch");
}

#[test]
fn truncation_is_reported_with_the_schemes_length() {
    // crypt("password", "ab") in libxcrypt: DES crypt reads 8 bytes.
    let out = passgate(&["verify", "abJnggxhB/yWI"], b"password123");
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim_end(),
        "match (descrypt), needs rehash, password truncated to 8 bytes"
    );
    let out = passgate(&["verify", "--json", "abJnggxhB/yWI"], b"password");
    assert_eq!(json(&out)["truncated"], false);
    let out = passgate(
        &["verify", "--policy", "strict", "abJnggxhB/yWI"],
        b"password",
    );
    assert_eq!(code(&out), 2);

    let bcrypt72 =
        String::from_utf8(passgate(&["hash", "--cost", "4"], &[b'a'; 72]).stdout).unwrap();
    let out = passgate(&["verify", bcrypt72.trim_end()], &[b'a'; 80]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(", password truncated to 72 bytes"), "{text}");

    let out = passgate(&["identify", "--json", "abJnggxhB/yWI"], b"");
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v[0]["scheme"], "descrypt");
    assert_eq!(v[0]["legacy"], true);
    assert_eq!(v[0]["needs_rehash"], true);
    assert_eq!(v[0]["parameters"]["significant_bytes"], 8);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("JnggxhB"), "{text}");
}

#[test]
fn verify_reads_the_stored_hash_from_a_file() {
    let dir = std::env::temp_dir().join(format!("passgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stored");
    std::fs::write(&file, format!("{MD5CRYPT}\n")).unwrap();
    let out = passgate(
        &["verify", "--stored-file", file.to_str().unwrap()],
        b"password",
    );
    assert_eq!(code(&out), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refusals_never_print_hash_material() {
    // A non-canonical digest: the message names the field and fault only.
    let bad = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK2";
    let out = passgate(&["verify", bad], b"password");
    assert_eq!(code(&out), 2);
    let all = [out.stdout, out.stderr].concat();
    let text = String::from_utf8(all).unwrap();
    assert!(text.contains("non-canonical"), "{text}");
    assert!(
        !text.contains("saltsalt") && !text.contains("qjXMvb"),
        "{text}"
    );
    assert!(!text.contains("password"), "{text}");
}

#[test]
fn identify_describes_without_digests() {
    let out = passgate(
        &[
            "identify",
            "--json",
            SFTPGO_PBKDF2,
            MD5CRYPT,
            "!!",
            "$2x$05$abc",
        ],
        b"",
    );
    assert_eq!(code(&out), 2);
    let v = json(&out);
    assert_eq!(v[0]["scheme"], "pbkdf2-sha256");
    assert_eq!(v[0]["parameters"]["iterations"], 150000);
    assert_eq!(v[0]["parameters"]["digest_bytes"], 32);
    assert_eq!(v[0]["policy"], "ok");
    assert_eq!(v[1]["legacy"], true);
    assert_eq!(v[1]["needs_rehash"], true);
    assert_eq!(v[2]["error"], "Disabled");
    assert_eq!(v[3]["error"], "UnsupportedVariant");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("R5J62hsSq") && !text.contains("E86a9YMX3zC7"),
        "{text}"
    );

    let out = passgate(
        &["identify"],
        format!("{SFTPGO_PBKDF2}\n{MD5CRYPT}\n").as_bytes(),
    );
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("iterations=150000"), "{text}");
    assert!(
        text.contains("md5crypt") && text.contains("legacy"),
        "{text}"
    );

    let out = passgate(
        &["identify", "--max-cost", "10", "--json"],
        b"$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK\n",
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)[0]["policy"]["refused"], "CostTooHigh");
}

#[test]
fn hash_then_verify() {
    for args in [
        &["hash", "--cost", "4"][..],
        &["hash", "--scheme", "sha256crypt", "--rounds", "1000"],
        &["hash", "--scheme", "sha512crypt", "--rounds", "1000"],
        &["hash", "--scheme", "pbkdf2-sha512", "--iterations", "1000"],
        &[
            "hash",
            "--scheme",
            "pbkdf2-b64salt-sha256",
            "--iterations",
            "1000",
        ],
        &[
            "hash",
            "--scheme",
            "argon2id",
            "--memory-kib",
            "64",
            "--time",
            "3",
            "--lanes",
            "2",
        ],
    ] {
        let out = passgate(args, b"s3cret\n");
        assert_eq!(code(&out), 0, "{args:?}");
        let stored = String::from_utf8(out.stdout).unwrap();
        let stored = stored.trim_end();
        assert_eq!(
            code(&passgate(&["verify", stored], b"s3cret")),
            0,
            "{stored}"
        );
        assert_eq!(
            code(&passgate(&["verify", stored], b"s3cret!")),
            1,
            "{stored}"
        );
    }
    let out = passgate(
        &[
            "hash",
            "--scheme",
            "argon2id",
            "--memory-kib",
            "64",
            "--lanes",
            "2",
        ],
        b"x",
    );
    let stored = String::from_utf8(out.stdout).unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=64,t=2,p=2$"),
        "{stored}"
    );
    let out = passgate(&["hash", "--json", "--cost", "4"], b"x");
    assert!(json(&out)["hash"].as_str().unwrap().starts_with("$2a$04$"));

    // Refused parameters and mismatched flags are usage errors.
    assert_eq!(code(&passgate(&["hash", "--cost", "3"], b"x")), 2);
    assert_eq!(code(&passgate(&["hash", "--cost", "20"], b"x")), 2);
    assert_eq!(
        code(&passgate(
            &["hash", "--scheme", "bcrypt", "--rounds", "5000"],
            b"x"
        )),
        2
    );
    assert_eq!(code(&passgate(&["hash", "--scheme", "md5crypt"], b"x")), 2);
    for args in [
        &["hash", "--scheme", "argon2id", "--cost", "5"][..],
        &[
            "hash",
            "--scheme",
            "argon2id",
            "--memory-kib",
            "15",
            "--lanes",
            "2",
        ],
        &["hash", "--scheme", "argon2id", "--memory-kib", "300000"],
        &["hash", "--scheme", "argon2id", "--time", "0"],
        &["hash", "--scheme", "sha512crypt", "--lanes", "2"],
    ] {
        let out = passgate(args, b"x");
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(
        code(&passgate(
            &["hash", "--policy", "strict", "--scheme", "pbkdf2-sha1"],
            b"x"
        )),
        2
    );
}
