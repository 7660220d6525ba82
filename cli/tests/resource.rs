//! A hash whose working memory cannot be allocated gets no verdict: the real binary, run under
//! an address-space limit (`ulimit -v`) below the 256 MiB the hashes in `vectors/large/` need
//! (made by the argon2 CLI and mkpasswd), answers exit 2 with a resource message, never
//! "mismatch" (exit 1) nor an abort; `login` answers tempfail and counts no failure. The same
//! hashes without the limit verify.
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;
#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../tests/support/hook_util.rs"]
mod util;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use common::{Expect, Vector, parse_file};
use serde_json::{Value, json};
use util::scratch;

/// The address-space limit in KiB: well above what passgate needs for a cheap hash (about
/// 16 MiB), well below the 256 MiB of the large vectors.
const LIMIT_KIB: u32 = 128 * 1024;

/// Runs `passgate ARGS` with `stdin`, under `LIMIT_KIB` of address space when `limited`.
fn run(limited: bool, args: &[&str], stdin: &[u8]) -> Output {
    let limit = if limited {
        LIMIT_KIB.to_string()
    } else {
        "unlimited".to_owned()
    };
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_passgate"))
        .args(args);
    let child = bin::start(command, stdin);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit code; a signal (SIGABRT from a failed infallible allocation) fails the test.
fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed: {:?}; stderr {}", out.status, text(&out.stderr)))
}

/// The `Verify = OK` and `Verify = Err` records of `vectors/large/<scheme>.txt`.
fn large(scheme: &str) -> (Vector, Vector) {
    let large = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors/large");
    let records = parse_file(&large.join(format!("{scheme}.txt")));
    let find = |e: Expect| records.iter().find(|v| v.expect == e).unwrap().clone();
    (find(Expect::Match), find(Expect::Mismatch))
}

fn line(password: &[u8]) -> Vec<u8> {
    let mut l = password.to_vec();
    l.push(b'\n');
    l
}

/// Under the limit: exit 2, `ResourceExhausted`, for the right and the wrong password alike.
fn assert_no_verdict(v: &Vector, bytes: u64) {
    let out = run(true, &["verify", &v.stored], &line(&v.password));
    assert_eq!(code(&out), 2, "{}: {}", v.at(), text(&out.stderr));
    let message = format!(
        "passgate: out of resources: {} needs {bytes} bytes of working memory, which could not be allocated\n",
        v.scheme
    );
    assert_eq!(text(&out.stderr), message, "{}", v.at());
    assert!(out.stdout.is_empty(), "{}", v.at());
    let out = run(true, &["--json", "verify", &v.stored], &line(&v.password));
    assert_eq!(code(&out), 2, "{}", v.at());
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["result"], "error", "{reply}");
    assert_eq!(reply["error"], "ResourceExhausted", "{reply}");
    let password = String::from_utf8_lossy(&v.password);
    assert!(!text(&out.stdout).contains(&*password), "{reply}");
}

#[test]
fn argon2id_out_of_memory_is_not_a_mismatch() {
    let (good, wrong) = large("argon2id");
    // m=262144 KiB in one lane: 262144 blocks of 1 KiB.
    assert_no_verdict(&good, 256 << 20);
    assert_no_verdict(&wrong, 256 << 20);
    let out = run(false, &["verify", &good.stored], &line(&good.password));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = run(false, &["verify", &wrong.stored], &line(&wrong.password));
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
}

#[test]
fn yescrypt_out_of_memory_is_not_an_abort() {
    let (good, wrong) = large("yescrypt");
    // V = 128·N·r = 256 MiB, B = 128·r·p = 4 KiB, XY = 256·r = 8 KiB, S-boxes 12 KiB.
    let bytes = (256 << 20) + 4096 + 8192 + 12288;
    assert_no_verdict(&good, bytes);
    assert_no_verdict(&wrong, bytes);
    let out = run(false, &["verify", &good.stored], &line(&good.password));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn hashing_out_of_memory_is_an_error() {
    let args = [
        "--json",
        "hash",
        "--scheme",
        "argon2id",
        "--memory-kib",
        "262144",
    ];
    let out = run(true, &args, b"hunter2\n");
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["error"], "ResourceExhausted", "{reply}");
}

/// A directory with a dump of `users` and a `passgate.toml` with `policy`.
fn login_setup(name: &str, users: Value, policy: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    let dump = json!({"users": users, "folders": [], "groups": [], "admins": [], "version": 17});
    fs::write(dir.join("users.json"), dump.to_string()).unwrap();
    let config = format!("[policy]\n{policy}\n[store]\npath = \"users.json\"\n");
    fs::write(dir.join("passgate.toml"), config).unwrap();
    let config = dir.join("passgate.toml").display().to_string();
    (dir, config)
}

fn login(limited: bool, config: &str, username: &str, password: &[u8]) -> (i32, Value) {
    let args = [
        "login",
        "--json",
        "--config",
        config,
        "--username",
        username,
    ];
    let out = run(limited, &args, &line(password));
    let reply = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", text(&out.stdout), text(&out.stderr)));
    (code(&out), reply)
}

#[test]
fn login_out_of_memory_is_tempfail_and_counts_no_failure() {
    let (a2, _) = large("argon2id");
    let (y, _) = large("yescrypt");
    let user = |name: &str, hash: &str| json!({"username": name, "status": 1, "password": hash});
    let (dir, config) = login_setup(
        "resource-login",
        json!([user("argon", &a2.stored), user("yes", &y.stored)]),
        "cost = 4",
    );
    let before = fs::read(dir.join("users.json")).unwrap();
    for (name, v) in [("argon", &a2), ("yes", &y)] {
        let (code, reply) = login(true, &config, name, &v.password);
        assert_eq!(reply["outcome"], "tempfail", "{name}: {reply}");
        assert_eq!(reply["counts_as_failure"], false, "{name}: {reply}");
        assert_eq!(code, 2, "{name}: {reply}");
        assert!(
            reply["reason"]
                .as_str()
                .unwrap()
                .starts_with("out of resources"),
            "{reply}"
        );
    }
    assert_eq!(fs::read(dir.join("users.json")).unwrap(), before);
    // Without the limit the same login succeeds, and the hash is upgraded to bcrypt.
    let (code, reply) = login(false, &config, "argon", &a2.password);
    assert_eq!((code, &reply["outcome"]), (0, &json!("allow")), "{reply}");
    assert_eq!(reply["rehashed"], true, "{reply}");
}

#[test]
fn login_unknown_user_dummy_out_of_memory_is_tempfail() {
    // The dummy verification for an unknown user spends what a real one would: with
    // argon2id at 256 MiB preferred, it cannot get the memory either.
    let (_, config) = login_setup(
        "resource-dummy",
        json!([]),
        "scheme = \"argon2id\"\nmemory_kib = 262144\ntime = 1",
    );
    let (code, reply) = login(true, &config, "ghost", b"password");
    assert_eq!(reply["outcome"], "tempfail", "{reply}");
    assert_eq!(reply["counts_as_failure"], false, "{reply}");
    assert_eq!(code, 2, "{reply}");
    let (code, reply) = login(false, &config, "ghost", b"password");
    assert_eq!(reply["outcome"], "deny", "{reply}");
    assert_eq!(reply["counts_as_failure"], true, "{reply}");
    assert_eq!(code, 1, "{reply}");
}
