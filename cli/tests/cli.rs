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

/// A stdin or `--stored-file` without a line ending is read up to 64 KiB and refused, not
/// taken whole into memory (`/dev/zero` used to grow the process to gigabytes).
#[test]
fn unbounded_input_is_refused_after_one_line() {
    let zeros = vec![0u8; 1 << 20];
    let out = passgate(&["identify"], &zeros);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1: a line longer than 64 KiB"),
        "{stderr}"
    );

    let dir = std::env::temp_dir().join(format!("passgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stored");
    std::fs::write(&file, &zeros).unwrap();
    let out = passgate(
        &["verify", "--stored-file", file.to_str().unwrap()],
        b"password",
    );
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("longer than 64 KiB"), "{stderr}");
    // The first line counts, whatever follows it; its `\r\n` ending is removed.
    std::fs::write(&file, format!("{MD5CRYPT}\r\n").into_bytes().repeat(2)).unwrap();
    let out = passgate(
        &["verify", "--stored-file", file.to_str().unwrap()],
        b"password",
    );
    assert_eq!(code(&out), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One line that is not UTF-8 is reported as such; the lines after it are still identified.
#[test]
fn identify_reports_a_non_utf8_line_and_goes_on() {
    let input = format!("{MD5CRYPT}\n\u{0}\n").into_bytes();
    let mut input = input;
    input.extend_from_slice(b"\xff\xfe\n");
    input.extend_from_slice(format!("{SFTPGO_PBKDF2}\r\n").as_bytes());
    let out = passgate(&["identify", "--json"], &input);
    assert_eq!(code(&out), 2);
    let reports = json(&out);
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 4);
    assert_eq!(reports[0]["scheme"], "md5crypt");
    assert_eq!(reports[2]["error"], "NotUtf8");
    assert_eq!(reports[2]["message"], "line 3 is not UTF-8");
    assert_eq!(reports[3]["scheme"], "pbkdf2-sha256");
    // No input at all is an empty list, still valid JSON.
    assert_eq!(
        json(&passgate(&["identify", "--json"], b"")),
        serde_json::json!([])
    );
}

/// A reader that goes away (`passgate … | head -1`) ends the output quietly: no panic, no
/// backtrace, and the verdict of what was read stays in the exit status.
#[test]
fn closed_stdout_is_a_quiet_exit() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("passgate-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("hashes");
    std::fs::write(&input, format!("{MD5CRYPT}\n").repeat(200_000)).unwrap();
    for args in [&["identify"][..], &["identify", "--json"], &["schemes"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(args)
            .stdin(std::fs::File::open(&input).unwrap())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The pipe's read end is closed here.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some_and(|c| c != 101),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hash the shell has eaten (`$6$…` unquoted) or a path given as the hash gets a hint.
#[test]
fn hints_for_a_mangled_hash_or_a_path() {
    // What `passgate verify $2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/…` leaves after expansion.
    let out = passgate(&["verify", "a4.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"], b"secret");
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("quote the hash in single quotes"),
        "{stderr}"
    );
    let out = passgate(&["verify", ""], b"secret");
    assert!(String::from_utf8_lossy(&out.stderr).contains("single quotes"));
    let out = passgate(&["verify", "/etc/shadow"], b"secret");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--stored-file"), "{stderr}");
    // A well-formed hash with a wrong password gets no hint.
    let out = passgate(&["verify", MD5CRYPT], b"wrong");
    assert_eq!(code(&out), 1);
    assert!(out.stderr.is_empty());
}

/// A hash the policy refuses can never verify under it: it needs a rehash.
#[test]
fn identify_a_refused_hash_needs_rehash() {
    let bcrypt12 = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
    let out = passgate(&["identify", "--max-cost", "10", "--json", bcrypt12], b"");
    assert_eq!(code(&out), 2);
    let v = json(&out);
    assert_eq!(v[0]["policy"]["refused"], "CostTooHigh");
    assert_eq!(v[0]["needs_rehash"], true);
    let out = passgate(&["identify", "--json", bcrypt12], b"");
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)[0]["needs_rehash"], false);
}

#[test]
fn schemes_completions_man_and_version() {
    let out = passgate(&["schemes", "--json"], b"");
    assert_eq!(code(&out), 0);
    let all = json(&out);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), passgate::Scheme::ALL.len());
    let by_name = |n: &str| all.iter().find(|s| s["scheme"] == n).unwrap().clone();
    assert_eq!(
        by_name("bcrypt")["identifiers"],
        serde_json::json!(["$2a$", "$2b$", "$2y$"])
    );
    assert_eq!(by_name("bcrypt")["limits"]["max_cost"], 16);
    assert_eq!(by_name("bcrypt")["preferred"], true);
    assert_eq!(by_name("md5crypt")["hashes"], false);
    assert_eq!(by_name("md5crypt")["legacy"], true);
    assert_eq!(by_name("descrypt")["identifiers"], serde_json::json!([]));
    assert_eq!(
        by_name("sftpgo-md5")["identifiers"],
        serde_json::json!(["{MD5}"])
    );
    let strict = json(&passgate(&["schemes", "--policy", "strict", "--json"], b""));
    let md5 = strict
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scheme"] == "md5crypt")
        .unwrap();
    assert_eq!(md5["verifies"], false);

    let out = passgate(&["completions", "bash"], b"");
    assert_eq!(code(&out), 0);
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("_passgate()") && script.contains("identify"));
    let out = passgate(&["man"], b"");
    assert_eq!(code(&out), 0);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH passgate 1") && page.contains("verify"));
    let out = passgate(&["--version"], b"");
    let version = String::from_utf8(out.stdout).unwrap();
    assert!(
        version.contains("features: hooks, http, import"),
        "{version}"
    );
}
