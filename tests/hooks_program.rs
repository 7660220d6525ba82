//! Program hooks, run for real: shell scripts written by the tests and a compiled C hook
//! (`tests/support/hook_env.c`). Each failure mode must deny with the error that names it,
//! and no process may be left behind.
#![allow(clippy::unwrap_used)]

#[path = "support/hook_util.rs"]
mod util;

use std::fs;
use std::path::Path;
use std::sync::{Mutex, Once};

use passgate::hooks::directadmin::{DaHook, DaLogin, DirectAdmin, LoginKeyEvent};
use passgate::hooks::sftpgo::{
    self, CheckPasswordAnswer, ExternalAuthAnswer, LoginContext, LoginMethod, PreLoginAnswer,
    Protocol, SftpgoHooks,
};
use passgate::hooks::{
    Hook, HookCall, HookError, HookName, HookSpecError, LoginRequest, MAX_OUTPUT, MemoryStore,
    Outcome, Pipeline, Reason, User, UserStore as _,
};
use passgate::{HashParams, Policy};
use serde_json::{Value, json};
use util::{compiled_hook, gone, kill, read_env_dump, read_pid, scratch, script};

const PATH: (&str, &str) = ("PATH", "/usr/bin:/bin");
const CTX: LoginContext<'static> = LoginContext {
    ip: "192.0.2.7",
    protocol: Protocol::Ftp,
    method: LoginMethod::Password,
};
const PASSWORD: &str = "s3cret pass 'quoted' $HOME";

fn hook(path: &Path, timeout: u64) -> Hook {
    Hook::program(path)
        .unwrap()
        .with_timeout_secs(timeout)
        .unwrap()
        .with_env([PATH])
        .unwrap()
}

fn sh(dir: &Path, name: &str, body: &str) -> Hook {
    hook(&script(dir, name, body), 10)
}

/// The compiled hook with its `HOOK_*` settings.
fn compiled(vars: &[(&str, &str)]) -> Hook {
    Hook::program(compiled_hook())
        .unwrap()
        .with_timeout_secs(10)
        .unwrap()
        .with_env(vars.iter().map(|(k, v)| (*k, *v)))
        .unwrap()
}

fn run(hook: &Hook) -> Result<Vec<u8>, HookError> {
    hook.run(&HookCall::new()).map(|r| r.body().to_vec())
}

/// Captures the library's warnings (hook stderr lines).
struct Capture;
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGGED.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn capture_log() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Warn);
    });
}

fn logged_with(marker: &str) -> Vec<String> {
    LOGGED
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(marker))
        .cloned()
        .collect()
}

#[test]
fn compiled_hook_sees_a_cleared_environment_and_no_password_in_argv() {
    let dir = scratch("env");
    let dump = dir.join("env");
    let answer = r#"{"username":"alice","status":1}"#;
    let hook = compiled(&[
        ("HOOK_DUMP", dump.to_str().unwrap()),
        ("HOOK_ANSWER", answer),
    ]);
    let stored = json!({"id": 4, "username": "alice", "password": "$1$x$y"});
    let got = sftpgo::external_auth(&hook, "alice", PASSWORD.as_bytes(), Some(&stored), &CTX);
    match got.unwrap() {
        ExternalAuthAnswer::Authenticated(user) => assert_eq!(user["username"], "alice"),
        other => panic!("{other:?}"),
    }
    let env = read_env_dump(&dump);
    let mut names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    // Exactly the configured variables and SFTPGo's: nothing of the test's own environment
    // (PATH, HOME, CARGO_*…).
    assert_eq!(
        names,
        [
            "HOOK_ANSWER",
            "HOOK_DUMP",
            "SFTPGO_AUTHD_IP",
            "SFTPGO_AUTHD_KEYBOARD_INTERACTIVE",
            "SFTPGO_AUTHD_PASSWORD",
            "SFTPGO_AUTHD_PROTOCOL",
            "SFTPGO_AUTHD_PUBLIC_KEY",
            "SFTPGO_AUTHD_TLS_CERT",
            "SFTPGO_AUTHD_USER",
            "SFTPGO_AUTHD_USERNAME",
        ]
    );
    let get = |k: &str| env.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(get("SFTPGO_AUTHD_PASSWORD"), PASSWORD.as_bytes());
    assert_eq!(get("SFTPGO_AUTHD_USERNAME"), b"alice");
    assert_eq!(get("SFTPGO_AUTHD_IP"), b"192.0.2.7");
    assert_eq!(get("SFTPGO_AUTHD_PROTOCOL"), b"FTP");
    assert_eq!(get("SFTPGO_AUTHD_PUBLIC_KEY"), b"");
    let user: Value = serde_json::from_slice(&get("SFTPGO_AUTHD_USER")).unwrap();
    assert_eq!(user, stored);
    // argv as the kernel shows it to every user: the program path and nothing else.
    let cmdline = fs::read(dir.join("env.cmdline")).unwrap();
    let mut expected = compiled_hook().as_os_str().as_encoded_bytes().to_vec();
    expected.push(0);
    assert_eq!(cmdline, expected);
    assert!(!cmdline.windows(6).any(|w| w == b"s3cret"));
}

#[test]
fn shell_hook_environment_and_cmdline() {
    let dir = scratch("shenv");
    let out = dir.join("out");
    let body = format!(
        "env > {o}.env\ncat /proc/$$/cmdline > {o}.cmdline\necho '{{\"status\":1}}'",
        o = out.display()
    );
    let hook = Hook::program(script(&dir, "check.sh", &body)).unwrap();
    let answer = sftpgo::check_password(&hook, "bob", PASSWORD.as_bytes(), &CTX).unwrap();
    assert_eq!(answer, CheckPasswordAnswer::Accept);
    let env = fs::read_to_string(dir.join("out.env")).unwrap();
    assert!(
        env.contains(&format!("SFTPGO_AUTHD_PASSWORD={PASSWORD}\n")),
        "{env}"
    );
    assert!(env.contains("SFTPGO_AUTHD_USERNAME=bob\n"), "{env}");
    assert!(env.contains("SFTPGO_AUTHD_IP=192.0.2.7\n"), "{env}");
    assert!(env.contains("SFTPGO_AUTHD_PROTOCOL=FTP\n"), "{env}");
    for inherited in ["HOME=", "CARGO", "RUST", "USER="] {
        assert!(!env.contains(inherited), "{inherited} leaked: {env}");
    }
    let cmdline = fs::read(dir.join("out.cmdline")).unwrap();
    assert!(!cmdline.windows(6).any(|w| w == b"s3cret"));
}

#[test]
fn timeout_kills_the_hook_and_its_grandchild() {
    let dir = scratch("timeout");
    let pidfile = dir.join("grandchild");
    let hook = sh(
        &dir,
        "slow.sh",
        &format!("sleep 60 &\necho $! > {}\nsleep 60", pidfile.display()),
    )
    .with_timeout_secs(1)
    .unwrap();
    assert_eq!(run(&hook), Err(HookError::Timeout(hook.timeout())));
    let grandchild = read_pid(&pidfile);
    assert!(gone(grandchild), "grandchild {grandchild} survived");
}

#[test]
fn a_hook_ignoring_sigterm_gets_sigkill() {
    let dir = scratch("term");
    let pidfile = dir.join("grandchild");
    let body = format!(
        "trap '' TERM\nsleep 60 &\necho $! > {}\nwhile :; do sleep 1; done",
        pidfile.display()
    );
    let hook = sh(&dir, "stubborn.sh", &body).with_timeout_secs(1).unwrap();
    assert_eq!(run(&hook), Err(HookError::Timeout(hook.timeout())));
    let grandchild = read_pid(&pidfile);
    assert!(gone(grandchild), "grandchild {grandchild} survived");
}

#[test]
fn background_processes_are_cleared_after_a_normal_exit() {
    let dir = scratch("leftover");
    let quiet = dir.join("quiet");
    let noisy = dir.join("noisy");
    // One background process with its pipes closed, one still holding standard output.
    let body = format!(
        "sleep 60 >/dev/null 2>&1 &\necho $! > {}\nsleep 60 &\necho $! > {}\necho '{{}}'",
        quiet.display(),
        noisy.display()
    );
    let hook = sh(&dir, "leaves.sh", &body);
    assert_eq!(run(&hook).unwrap(), b"{}\n");
    for pidfile in [quiet, noisy] {
        let pid = read_pid(&pidfile);
        assert!(gone(pid), "{pid} left behind");
    }
}

#[test]
fn output_over_the_cap_is_refused() {
    let dir = scratch("big");
    let five_mib = sh(&dir, "big.sh", "head -c 5242880 /dev/zero");
    assert_eq!(run(&five_mib), Err(HookError::OutputTooLarge(MAX_OUTPUT)));
    // Endless output is cut off when it passes the cap, long before the timeout.
    let endless = sh(&dir, "yes.sh", "yes").with_timeout_secs(120).unwrap();
    assert_eq!(run(&endless), Err(HookError::OutputTooLarge(MAX_OUTPUT)));
    // Exactly the cap is fine, one byte more is not.
    let exact = sh(&dir, "exact.sh", &format!("head -c {MAX_OUTPUT} /dev/zero"));
    assert_eq!(run(&exact).unwrap().len(), MAX_OUTPUT);
    let over = sh(
        &dir,
        "over.sh",
        &format!("head -c {} /dev/zero", MAX_OUTPUT + 1),
    );
    assert_eq!(run(&over), Err(HookError::OutputTooLarge(MAX_OUTPUT)));
}

#[test]
fn stderr_is_drained_capped_and_logged() {
    capture_log();
    let dir = scratch("stderr");
    // 5 MiB on standard error must not block the hook, and the answer still counts.
    let flood = sh(
        &dir,
        "flood-7f3a.sh",
        "head -c 5242880 /dev/zero | tr '\\0' 'e' >&2\necho '{}'",
    );
    assert_eq!(run(&flood).unwrap(), b"{}\n");
    let lines = logged_with("flood-7f3a.sh");
    assert!(lines.iter().any(|l| l.contains("truncated")), "{lines:?}");
    assert!(lines.iter().all(|l| l.len() < 1200), "a line is not capped");

    let chatty = sh(
        &dir,
        "chatty-91c2.sh",
        "echo 'first warning' >&2\necho 'second warning' >&2\necho '{}'",
    );
    run(&chatty).unwrap();
    let lines = logged_with("chatty-91c2.sh");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with("first warning") && lines[1].ends_with("second warning"));
}

#[test]
fn crashes_and_exit_codes_deny() {
    let dir = scratch("crash");
    assert_eq!(
        run(&compiled(&[("HOOK_MODE", "abort")])),
        Err(HookError::Signal(6))
    );
    assert_eq!(
        run(&compiled(&[("HOOK_MODE", "segv")])),
        Err(HookError::Signal(11))
    );
    assert_eq!(
        run(&sh(&dir, "killed.sh", "kill -KILL $$")),
        Err(HookError::Signal(9))
    );
    for code in [1, 2, 42, 255] {
        let hook = compiled(&[("HOOK_EXIT", &code.to_string()), ("HOOK_ANSWER", "{}")]);
        assert_eq!(run(&hook), Err(HookError::Exit(code)));
    }
    assert_eq!(run(&compiled(&[("HOOK_ANSWER", "{}")])).unwrap(), b"{}");
}

#[test]
fn programs_that_cannot_start_deny() {
    let dir = scratch("spawn");
    let missing = Hook::program(dir.join("missing")).unwrap();
    assert_eq!(
        run(&missing),
        Err(HookError::Spawn(std::io::ErrorKind::NotFound))
    );
    let not_exec = dir.join("plain.sh");
    fs::write(&not_exec, "#!/bin/sh\necho hi\n").unwrap();
    let not_exec = Hook::program(not_exec).unwrap();
    assert_eq!(
        run(&not_exec),
        Err(HookError::Spawn(std::io::ErrorKind::PermissionDenied))
    );
    let bad_interpreter = script(&dir, "bad.sh", "echo hi");
    fs::write(&bad_interpreter, "#!/nonexistent/shell\necho hi\n").unwrap();
    assert!(matches!(
        run(&Hook::program(bad_interpreter).unwrap()),
        Err(HookError::Spawn(_))
    ));
    assert_eq!(
        Hook::program("bin/hook").unwrap_err(),
        HookSpecError::NotAbsolute
    );
    // A NUL cannot travel in the environment: refused before anything runs.
    let call = HookCall::new().env("password", b"a\0b");
    assert!(matches!(
        compiled(&[]).run(&call),
        Err(HookError::InvalidInput(_))
    ));
}

#[test]
fn a_pipe_held_open_by_an_escaped_process_denies() {
    let dir = scratch("escape");
    let pidfile = dir.join("escaped");
    // setsid leaves the hook's process group, so the group kill cannot reach it. The hook
    // waits until it has (field 6 of /proc/PID/stat is the session id).
    let body = format!(
        "setsid sleep 30 &\npid=$!\necho $pid > {}\n\
         while [ \"$(cut -d' ' -f6 /proc/$pid/stat)\" != \"$pid\" ]; do sleep 0.01; done\n\
         echo '{{}}'",
        pidfile.display()
    );
    let hook = sh(&dir, "escape.sh", &body);
    assert_eq!(run(&hook), Err(HookError::PipeHeldOpen));
    kill(read_pid(&pidfile));
}

#[test]
fn bad_answers_deny() {
    let dir = scratch("answers");
    type Expect = fn(&HookError) -> bool;
    let cases: [(&str, Expect); 6] = [
        ("echo 'not json'", |e| {
            matches!(e, HookError::InvalidJson(_))
        }),
        ("printf '\\377\\376'", |e| *e == HookError::NotUtf8),
        (
            "printf '{\"status\":'",
            |e| matches!(e, HookError::InvalidJson(at) if at.category == "eof"),
        ),
        ("echo '[1,2]'", |e| matches!(e, HookError::InvalidAnswer(_))),
        ("echo '{\"status\":\"1\"}'", |e| {
            matches!(e, HookError::InvalidAnswer(_))
        }),
        ("true", |e| matches!(e, HookError::InvalidJson(_))),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        let hook = sh(&dir, &format!("answer{i}.sh"), body);
        let err = sftpgo::check_password(&hook, "u", b"pw", &CTX).unwrap_err();
        assert!(expected(&err), "{body}: {err:?}");
        // The error text quotes nothing the hook wrote.
        assert!(!err.to_string().contains("not json"), "{err}");
    }
    let hook = sh(&dir, "pre.sh", "echo '\"a string\"'");
    let user = User::new("u").into_value();
    assert!(matches!(
        sftpgo::pre_login(&hook, &user, &CTX),
        Err(HookError::InvalidAnswer(_))
    ));
}

#[test]
fn sftpgo_program_contracts() {
    let dir = scratch("contracts");
    let dump = dir.join("env");
    let dump_str = dump.to_str().unwrap();
    let get = |k: &str| -> String {
        let env = read_env_dump(&dump);
        let v = env
            .iter()
            .find(|(n, _)| n == k)
            .unwrap_or_else(|| panic!("{k} missing"));
        String::from_utf8(v.1.clone()).unwrap()
    };

    // Pre-login: the unknown user is sent with id 0; empty output is "no change".
    let unknown = User::new("newbie").into_value();
    let hook = compiled(&[("HOOK_DUMP", dump_str)]);
    assert_eq!(
        sftpgo::pre_login(&hook, &unknown, &CTX).unwrap(),
        PreLoginAnswer::NoChange
    );
    let sent: Value = serde_json::from_str(&get("SFTPGO_LOGIND_USER")).unwrap();
    assert_eq!(
        (sent["id"].clone(), sent["username"].clone()),
        (json!(0), json!("newbie"))
    );
    assert_eq!(get("SFTPGO_LOGIND_METHOD"), "password");
    assert_eq!(get("SFTPGO_LOGIND_IP"), "192.0.2.7");
    assert_eq!(get("SFTPGO_LOGIND_PROTOCOL"), "FTP");
    // A partial user is an update.
    let hook = compiled(&[("HOOK_ANSWER", r#"{"status":0}"#)]);
    match sftpgo::pre_login(&hook, &unknown, &CTX).unwrap() {
        PreLoginAnswer::User(map) => assert_eq!(Value::Object(map), json!({"status": 0})),
        other => panic!("{other:?}"),
    }

    // External auth: empty = authenticated as the stored user; empty username = denied;
    // no user = "".
    let hook = compiled(&[("HOOK_DUMP", dump_str)]);
    assert_eq!(
        sftpgo::external_auth(&hook, "x", b"pw", None, &CTX).unwrap(),
        ExternalAuthAnswer::AuthenticatedAsStored
    );
    assert_eq!(get("SFTPGO_AUTHD_USER"), "");
    let hook = compiled(&[("HOOK_ANSWER", r#"{"username":""}"#)]);
    assert_eq!(
        sftpgo::external_auth(&hook, "x", b"pw", None, &CTX).unwrap(),
        ExternalAuthAnswer::Denied
    );

    // Check password: status 2 gives the part to verify; 0 and others deny.
    let hook = compiled(&[
        ("HOOK_DUMP", dump_str),
        ("HOOK_ANSWER", r#"{"status":2,"to_verify":"fixedpart"}"#),
    ]);
    match sftpgo::check_password(&hook, "carol", b"fixedpart123456", &CTX).unwrap() {
        CheckPasswordAnswer::VerifyInstead(s) => assert_eq!(s.as_str(), "fixedpart"),
        other => panic!("{other:?}"),
    }
    assert_eq!(get("SFTPGO_AUTHD_USERNAME"), "carol");
    assert_eq!(get("SFTPGO_AUTHD_PASSWORD"), "fixedpart123456");
    for (answer, expected) in [
        (r#"{"status":0}"#, CheckPasswordAnswer::Reject(0)),
        (r#"{"status":3}"#, CheckPasswordAnswer::Reject(3)),
        (r#"{}"#, CheckPasswordAnswer::Reject(0)),
        (
            r#"{"status":1,"to_verify":"ignored"}"#,
            CheckPasswordAnswer::Accept,
        ),
    ] {
        let hook = compiled(&[("HOOK_ANSWER", answer)]);
        assert_eq!(
            sftpgo::check_password(&hook, "c", b"p", &CTX).unwrap(),
            expected
        );
    }

    // Post-login: status 1/0, user without its password.
    let user =
        User::from_value(json!({"username": "dave", "id": 9, "password": "$1$a$b"})).unwrap();
    let hook = compiled(&[("HOOK_DUMP", dump_str)]);
    sftpgo::post_login(&hook, &user.to_value_without_password(), &CTX, false).unwrap();
    assert_eq!(get("SFTPGO_LOGIND_STATUS"), "0");
    assert_eq!(get("SFTPGO_LOGIND_METHOD"), "password");
    let sent: Value = serde_json::from_str(&get("SFTPGO_LOGIND_USER")).unwrap();
    assert_eq!(sent, json!({"username": "dave", "id": 9}));
}

fn fast_policy() -> Policy {
    let mut policy = Policy::default();
    policy.preferred = HashParams::Bcrypt { cost: 4 };
    policy
}

const DENY: Outcome = Outcome::Deny {
    counts_as_failure: true,
};

/// An empty external auth answer authenticates a stored user: a stored hash that does not
/// verify the login password is replaced by its hash; an unknown user is denied.
#[test]
fn external_auth_empty_answer_in_the_pipeline() {
    let dir = scratch("ext-empty");
    let seen = dir.join("seen");
    // Answers empty, except for the password "nope"; notes the stored hash it was given.
    let body = format!(
        "printf '%s\\n' \"$SFTPGO_AUTHD_USER\" >> {}\n[ \"$SFTPGO_AUTHD_PASSWORD\" = nope ] && echo '{{\"username\":\"\"}}'\nexit 0",
        seen.display()
    );
    let policy = fast_policy();
    let kept = policy.hash(policy.preferred, b"password").unwrap();
    let store = MemoryStore::new([User::from_value(
        json!({"id": 7, "username": "gus", "status": 1, "password": kept, "home_dir": "/g"}),
    )
    .unwrap()]);
    let hooks = SftpgoHooks {
        external_auth: Some(sh(&dir, "ext.sh", &body)),
        ..SftpgoHooks::default()
    };
    let pipeline = Pipeline::new(policy, store).with_sftpgo(hooks);
    let stored = || pipeline.store().load("gus").unwrap().unwrap();

    let r = pipeline.login(&LoginRequest::new("gus", b"password"));
    assert_eq!(
        (r.outcome, &r.reason, r.rehashed),
        (Outcome::Allow, &Reason::ExternalAuth, false)
    );
    assert_eq!(stored().password(), Some(kept.as_str()));

    let r = pipeline.login(&LoginRequest::new("gus", PASSWORD.as_bytes()));
    assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, true));
    let replaced = stored();
    let hash = replaced.password().unwrap();
    assert!(pipeline.policy().verify(hash, PASSWORD.as_bytes()).is_ok());
    assert!(pipeline.policy().verify(hash, b"password").is_err());
    assert_eq!(
        (replaced.id(), &replaced.fields()["home_dir"]),
        (7, &json!("/g"))
    );
    // The hook was given the stored user each time, the hash as it was then.
    let lines = fs::read_to_string(&seen).unwrap();
    let sent: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(sent[0]["password"], kept.as_str());
    assert_eq!(sent[1]["password"], kept.as_str());

    // The hook's "no" still denies, and leaves the hash alone.
    let r = pipeline.login(&LoginRequest::new("gus", b"nope"));
    assert_eq!(
        (r.outcome, &r.reason),
        (DENY, &Reason::HookDenied(HookName::ExternalAuth))
    );
    assert_eq!(stored().password(), Some(hash));

    let r = pipeline.login(&LoginRequest::new("nobody", b"password"));
    assert_eq!((r.outcome, &r.reason), (DENY, &Reason::UnknownUser));
    assert!(pipeline.store().load("nobody").unwrap().is_none());
}

/// Check-password runs after external auth as well, for the user external auth settled on,
/// unless that user's `filters.hooks.check_password_disabled` is true.
#[test]
fn check_password_after_external_auth_programs() {
    let dir = scratch("ext-check");
    let log = dir.join("checked");
    // Empty for "ann" (stored); a user JSON for "bo" and for "cy" (who turns check-password off).
    let ext = r#"case "$SFTPGO_AUTHD_USERNAME" in
bo) echo '{"username":"bo","status":1,"home_dir":"/b","permissions":{"/":["*"]}}' ;;
cy) echo '{"username":"cy","status":1,"home_dir":"/c","permissions":{"/":["*"]},"filters":{"hooks":{"check_password_disabled":true}}}' ;;
esac"#;
    // "accept…" 1; "whole…" 2 with the whole password; "otp…" 2 with the part before its
    // last six characters; anything else 0.
    let check = format!(
        r#"echo "$SFTPGO_AUTHD_USERNAME" >> {}
pw="$SFTPGO_AUTHD_PASSWORD"
case "$pw" in
accept*) echo '{{"status":1}}' ;;
whole*) printf '{{"status":2,"to_verify":"%s"}}' "$pw" ;;
otp*) printf '{{"status":2,"to_verify":"%s"}}' "${{pw%??????}}" ;;
*) echo '{{"status":0}}' ;;
esac"#,
        log.display()
    );
    let policy = fast_policy();
    let ann = json!({"id": 1, "username": "ann", "status": 1,
        "password": policy.hash(policy.preferred, b"otp-fixed").unwrap()});
    let hooks = SftpgoHooks {
        external_auth: Some(sh(&dir, "ext.sh", ext)),
        check_password: Some(sh(&dir, "check.sh", &check)),
        ..SftpgoHooks::default()
    };
    let fresh = || {
        Pipeline::new(
            fast_policy(),
            MemoryStore::new([User::from_value(ann.clone()).unwrap()]),
        )
        .with_sftpgo(hooks.clone())
    };
    let mismatch = Reason::Verify(passgate::VerifyError::Mismatch);
    let cases = [
        ("ann", "accept-1", Outcome::Allow, Reason::CheckPassword),
        (
            "ann",
            "refused-1",
            DENY,
            Reason::HookDenied(HookName::CheckPassword),
        ),
        ("ann", "whole-1", Outcome::Allow, Reason::Verified),
        // The empty answer stored the whole password's hash first: the part does not verify.
        ("ann", "otp-fixed123456", DENY, mismatch.clone()),
        ("bo", "accept-2", Outcome::Allow, Reason::CheckPassword),
        (
            "bo",
            "refused-2",
            DENY,
            Reason::HookDenied(HookName::CheckPassword),
        ),
        ("bo", "whole-2", Outcome::Allow, Reason::Verified),
        ("bo", "otp-fixed123456", DENY, mismatch),
        ("cy", "refused-3", Outcome::Allow, Reason::ExternalAuth),
    ];
    for (name, pw, outcome, reason) in cases {
        let r = fresh().login(&LoginRequest::new(name, pw.as_bytes()));
        assert_eq!((r.outcome, &r.reason), (outcome, &reason), "{name} {pw}");
    }
    // The hook was asked about every user but cy.
    let asked = fs::read_to_string(&log).unwrap();
    assert_eq!(asked.lines().filter(|l| *l == "ann").count(), 4);
    assert_eq!(asked.lines().filter(|l| *l == "bo").count(), 4);
    assert!(!asked.lines().any(|l| l == "cy"), "{asked}");
}

/// A pre-login answer is a whole user: it replaces the stored one (which keeps its id and
/// activity), and one that lacks what a user needs is refused, the stored user untouched.
#[test]
fn pre_login_answers_are_whole_users() {
    let dir = scratch("pre-whole");
    // The answer is the file "answer" (none: empty output, no change).
    let answer = dir.join("answer");
    let body = format!("[ -f {a} ] && cat {a}\nexit 0", a = answer.display());
    let stored = json!({"id": 3, "username": "lia", "status": 1, "home_dir": "/old",
        "permissions": {"/": ["*"]}, "password": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
        "quota_files": 10, "used_quota_files": 4, "last_login": 1700000000000_i64});
    let hooks = SftpgoHooks {
        pre_login: Some(sh(&dir, "pre.sh", &body)),
        ..SftpgoHooks::default()
    };
    let pipeline = Pipeline::new(
        fast_policy(),
        MemoryStore::new([User::from_value(stored.clone()).unwrap()]),
    )
    .with_sftpgo(hooks);
    let now = || pipeline.store().load("lia").unwrap().unwrap().into_value();

    // No answer: the stored user as it is.
    let r = pipeline.login(&LoginRequest::new("lia", b"password"));
    assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, true));
    let rehashed = now();

    // Partial answers: refused as invalid, uncounted; nothing stored.
    for partial in [
        r#"{"status":0}"#,
        r#"{"username":"lia","quota_files":20}"#,
        r#"{"username":"lia","status":1,"home_dir":"/new"}"#,
    ] {
        fs::write(&answer, partial).unwrap();
        let r = pipeline.login(&LoginRequest::new("lia", b"password"));
        assert_eq!(
            r.outcome,
            Outcome::Deny {
                counts_as_failure: false
            },
            "{partial}"
        );
        assert!(
            matches!(
                r.reason,
                Reason::HookFailed(HookName::PreLogin, HookError::InvalidAnswer(_))
            ),
            "{partial}"
        );
        assert_eq!(now(), rehashed, "{partial}");
    }

    // A whole user replaces the stored one; the plain-text password is hashed.
    fs::write(
        &answer,
        r#"{"id":99,"username":"lia","status":1,"home_dir":"/new","permissions":{"/":["list"]},"password":"fresh pw","used_quota_files":0}"#,
    )
    .unwrap();
    let r = pipeline.login(&LoginRequest::new("lia", b"fresh pw"));
    assert_eq!((r.outcome, &r.reason), (Outcome::Allow, &Reason::Verified));
    let mut lia = now();
    let hash = lia["password"].as_str().unwrap().to_owned();
    assert!(hash.starts_with("$2a$04$"), "{hash}");
    lia["password"] = json!("…");
    assert_eq!(
        lia,
        json!({"id": 3, "username": "lia", "status": 1, "home_dir": "/new",
            "permissions": {"/": ["list"]}, "password": "…", "used_quota_files": 4,
            "last_login": 1700000000000_i64})
    );
    // The old password went with the old user.
    assert_eq!(
        pipeline
            .login(&LoginRequest::new("lia", b"password"))
            .outcome,
        DENY
    );
}

#[test]
fn directadmin_script_sets() {
    let dir = scratch("da");
    let log = dir.join("ran.log");
    let log_s = log.display();
    script(
        &dir,
        "login_pre/20-second.sh",
        &format!("echo second >> {log_s}\necho out2"),
    );
    script(
        &dir,
        "login_pre/10-first.sh",
        &format!("echo \"first $username $ip $referer\" >> {log_s}\necho out1\nexit 3"),
    );
    script(
        &dir,
        "login_pre.sh",
        &format!("echo main >> {log_s}\necho out3"),
    );
    script(
        &dir,
        "login.sh",
        &format!("[ \"$password\" = 'pw' ] && echo old >> {log_s}"),
    );
    let da = DirectAdmin::new(&dir)
        .unwrap()
        .with_timeout_secs(5)
        .unwrap()
        .with_env(vec![("PATH".into(), "/usr/bin:/bin".into())])
        .unwrap();
    let login = DaLogin {
        username: "admin",
        password: b"pw",
        ip: "198.51.100.1",
        referer: "https://panel/",
        user_agent: "test",
    };
    let run = da.login_pre(&login);
    // All four ran, in order, although the first failed; the set failed.
    assert_eq!(run.ran, 4);
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        "first admin 198.51.100.1 https://panel/\nsecond\nmain\nold\n"
    );
    assert_eq!(run.output, "out1\nout2\nout3\n");
    assert!(!run.succeeded());
    assert_eq!(run.first_error(), Some(&HookError::Exit(3)));
    assert_eq!(run.failures.len(), 1);

    // session_create_pre under its old name, with the session id.
    script(
        &dir,
        "login_post.sh",
        "[ -n \"$session_id\" ] && [ \"$user_agent\" = test ]",
    );
    assert!(da.session_create_pre(&login, "abc123").succeeded());
    assert!(!da.session_create_pre(&login, "").succeeded());

    // No script at all: nothing ran, nothing failed.
    let run = da.run(DaHook::SessionDestroyPre, &[]);
    assert_eq!((run.ran, run.succeeded()), (0, true));
    script(
        &dir,
        "session_destroy_pre.sh",
        "echo \"$file $key\"\nexit 1",
    );
    let run = da.session_destroy_pre(
        &[("key", "k1"), ("file", "ignored")],
        Path::new("/s/sess_1"),
    );
    assert_eq!(run.output, "/s/sess_1 k1\n");
    assert!(!run.succeeded());

    script(
        &dir,
        "login_key_modify_post.sh",
        "echo \"$keyname $modifying $allow $ips\"",
    );
    let event = LoginKeyEvent {
        keyname: "ci".into(),
        modifying: true,
        allow: vec!["CMD_A".into(), "CMD_B".into()],
        ips: vec!["10.0.0.1".into()],
        ..LoginKeyEvent::default()
    };
    let run = da.login_key_post(&event);
    assert_eq!(run.output, "ci 1 CMD_A|CMD_B 10.0.0.1\n");
    // A hung script fails the set like any other failure.
    let slow = DirectAdmin::new(&dir)
        .unwrap()
        .with_timeout_secs(1)
        .unwrap();
    script(&dir, "login_key_create_post/slow.sh", "while :; do :; done");
    let run = slow.login_key_post(&LoginKeyEvent::default());
    assert_eq!(run.first_error(), Some(&HookError::Timeout(slow.timeout())));
}

#[test]
fn post_login_runs_off_the_callers_path_and_never_changes_the_outcome() {
    let dir = scratch("post");
    let gate = dir.join("gate");
    let done = dir.join("done");
    let body = format!(
        "while [ ! -e {g} ]; do sleep 0.05; done\necho \"$SFTPGO_LOGIND_STATUS\" > {d}\nexit 1",
        g = gate.display(),
        d = done.display()
    );
    let post = sh(&dir, "post.sh", &body);
    let policy = fast_policy();
    let store = MemoryStore::new([User::from_value(json!({"username": "erin", "status": 1,
        "password": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"}))
    .unwrap()]);
    let hooks = SftpgoHooks {
        post_login: Some(post),
        ..SftpgoHooks::default()
    };
    let pipeline = Pipeline::new(policy, store).with_sftpgo(hooks);
    // login() returns while the hook is still waiting for the gate: it is not on our path.
    let mut result = pipeline.login(&LoginRequest::new("erin", b"password"));
    assert_eq!(result.outcome, Outcome::Allow);
    assert!(!done.exists());
    fs::write(&gate, "").unwrap();
    result.wait_for_notification();
    assert_eq!(fs::read_to_string(&done).unwrap(), "1\n");
    // The hook failed (exit 1): the login stood.
    assert_eq!(result.outcome, Outcome::Allow);
}

#[test]
fn hook_stderr_never_logs_the_password_or_the_stored_hash() {
    capture_log();
    let dir = scratch("redact");
    let pw = "Tr0ub4dor&3-horse";
    let stored = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
    let logged = |marker: &str| logged_with(marker).join("\n");

    // check-password echoes the password it was given, with text around it.
    let hook = sh(
        &dir,
        "echo-pw-5e1d.sh",
        "echo \"got [$SFTPGO_AUTHD_PASSWORD] from $SFTPGO_AUTHD_USERNAME\" >&2\necho '{\"status\":0}'",
    );
    sftpgo::check_password(&hook, "olga", pw.as_bytes(), &CTX).unwrap();
    let text = logged("echo-pw-5e1d.sh");
    assert!(text.contains("got [[redacted]] from olga"), "{text}");
    assert!(!text.contains(pw), "{text}");

    // External auth and pre-login echo the user JSON, stored hash included.
    let user = json!({"username": "olga", "id": 2, "status": 1, "password": stored});
    let hook = sh(
        &dir,
        "echo-user-8b2c.sh",
        "echo \"user $SFTPGO_AUTHD_USER pw $SFTPGO_AUTHD_PASSWORD\" >&2",
    );
    sftpgo::external_auth(&hook, "olga", pw.as_bytes(), Some(&user), &CTX).unwrap();
    let hook = sh(&dir, "echo-pre-3f9a.sh", "echo \"$SFTPGO_LOGIND_USER\" >&2");
    sftpgo::pre_login(&hook, &user, &CTX).unwrap();
    for marker in ["echo-user-8b2c.sh", "echo-pre-3f9a.sh"] {
        let text = logged(marker);
        assert!(text.contains("\"username\":\"olga\""), "{text}");
        assert!(text.contains("\"password\":\"[redacted]\""), "{text}");
        assert!(
            !text.contains(pw) && !text.contains("qjXMvbEw8oaL"),
            "{text}"
        );
    }

    // DirectAdmin's scripts get the password as `password`.
    script(&dir, "da/login_pre.sh", "echo \"pw=$password\" >&2");
    let da = DirectAdmin::new(dir.join("da"))
        .unwrap()
        .with_env(vec![("PATH".into(), "/usr/bin:/bin".into())])
        .unwrap();
    let login = DaLogin {
        username: "olga",
        password: pw.as_bytes(),
        ip: "",
        referer: "",
        user_agent: "",
    };
    da.login_pre(&login);
    let text = logged("pw=");
    assert!(text.contains("pw=[redacted]"), "{text}");
    assert!(!text.contains(pw), "{text}");

    // A session's id is a working session token: it stays out of the log too.
    let session = "Sess-9d41e0c7a2";
    script(
        &dir,
        "da/session_create_pre.sh",
        "echo \"sid=$session_id\" >&2",
    );
    da.session_create_pre(&login, session);
    let text = logged("sid=");
    assert!(text.contains("sid=[redacted]"), "{text}");
    assert!(!text.contains(session), "{text}");
}

/// A hook that dumps its environment as JSON (Python's `json.dumps`, which writes non-ASCII
/// as `\uXXXX` and escapes `"` and `\`) gets the escaped password redacted as well.
#[test]
fn hook_stderr_json_escaped_password_is_redacted() {
    capture_log();
    let Some(python) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("python3"))
            .find(|p| p.is_file())
    }) else {
        panic!("python3 is needed for this test");
    };
    let dir = scratch("redact-json");
    let pw = "p\u{e4}ssw\u{f6}rd \"q\" \\ 1";
    let hook = sh(
        &dir,
        "json-env-7c3d.sh",
        &format!(
            "{} -c 'import json,os,sys; sys.stderr.write(\"json-env-7c3d \" + json.dumps(dict(os.environ)) + \"\\n\")'\necho '{{\"status\":0}}'",
            python.display()
        ),
    );
    sftpgo::check_password(&hook, "olga", pw.as_bytes(), &CTX).unwrap();
    let text = logged_with("json-env-7c3d").join("\n");
    assert!(
        text.contains("\"SFTPGO_AUTHD_PASSWORD\": \"[redacted]\""),
        "{text}"
    );
    assert!(!text.contains("ssw\\u00f6rd"), "{text}");
    assert!(!text.contains("ssw\u{f6}rd"), "{text}");
}

#[test]
fn a_password_cut_by_the_stderr_cap_is_not_logged_in_part() {
    capture_log();
    let dir = scratch("redact-cap");
    let pw = "Zq8-cut-by-the-cap";
    // 64 KiB of stderr is kept: the password starts 5 bytes before the cap and runs past it.
    // The lines before it are long ones, so the cut-off line is logged on its own.
    let body = "i=0\nwhile [ $i -lt 64 ]; do head -c 1023 /dev/zero | tr '\\0' 'x' >&2; echo >&2; i=$((i+1)); done\n";
    let hook = sh(
        &dir,
        "cap-c41e.sh",
        &format!(
            "{}printf 'tail-c41e %s\\n' \"$SFTPGO_AUTHD_PASSWORD\" >&2\necho '{{\"status\":0}}'",
            body.replace("-lt 64", "-lt 63") + "head -c 1009 /dev/zero | tr '\\0' 'y' >&2\n"
        ),
    );
    sftpgo::check_password(&hook, "u", pw.as_bytes(), &CTX).unwrap();
    let lines = logged_with("cap-c41e.sh");
    assert!(lines.iter().any(|l| l.contains("truncated")), "{lines:?}");
    let text = lines.join("\n");
    // No prefix of the password survives (the whole prefix, or its first 2 bytes or more).
    for n in 2..=pw.len() {
        assert!(!text.contains(&pw[..n]), "{} in the log", &pw[..n]);
    }
}

#[test]
fn a_password_too_short_to_redact_withholds_standard_error() {
    capture_log();
    let dir = scratch("redact-short");
    let hook = sh(
        &dir,
        "short-9d07.sh",
        "echo \"password was $SFTPGO_AUTHD_PASSWORD, all is well\" >&2\necho '{\"status\":0}'",
    );
    sftpgo::check_password(&hook, "u", b"a", &CTX).unwrap();
    let lines = logged_with("short-9d07.sh");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("withheld"), "{lines:?}");
    assert!(!lines[0].contains("all is well"), "{lines:?}");
}
