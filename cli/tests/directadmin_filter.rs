//! `passgate directadmin login-pre`, DirectAdmin's `login_pre` script, driven two ways:
//! with exactly the environment DirectAdmin documents for the hook (`username`, `password`,
//! `ip`, `referer`, nothing else), and through passgate's own caller side of the contract
//! (`passgate login` with `[directadmin] hooks_dir`, which finds `login_pre.sh` or
//! `login_pre/NN-*.sh` and runs it with that environment). DirectAdmin itself is commercial
//! and cannot run here. Hashes come from `/etc/shadow` files written by `useradd` and
//! `chpasswd` (the committed fixture, and a fresh one when the tools and root are there).
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;
#[path = "../../tests/support/hook_util.rs"]
mod util;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use util::{scratch, script};

const PASSGATE: &str = env!("CARGO_BIN_EXE_passgate");

/// The importer's fixtures: shadow-utils `chpasswd -c SHA512/SHA256/MD5/…` (see their README).
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Environment variables: names and raw values.
type Env<'a> = &'a [(&'a str, &'a [u8])];

/// A directory with `passgate.toml`: `[sources.system]` over the shadow fixture and `rules`.
struct Setup {
    dir: PathBuf,
}

impl Setup {
    fn new(name: &str, rules: &str) -> Self {
        let dir = scratch(name);
        let f = fixtures();
        let config = format!(
            "[sources.system]\nformat = \"shadow\"\npath = \"{}\"\npasswd = \"{}\"\n{rules}",
            f.join("shadow").display(),
            f.join("passwd").display()
        );
        fs::write(dir.join("passgate.toml"), config).unwrap();
        Self { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.join("passgate.toml")
    }

    /// Runs the filter with exactly `env` (names and raw values) and `extra` arguments.
    fn run(&self, env: Env<'_>, extra: &[&str]) -> Output {
        let mut command = Command::new(PASSGATE);
        command
            .env_clear()
            .args(["directadmin", "login-pre", "--config"])
            .arg(self.config())
            .args(extra);
        for (k, v) in env {
            command.env(k, OsStr::from_bytes(v));
        }
        bin::start(command, b"").wait_with_output().unwrap()
    }

    /// The filter with DirectAdmin's four variables.
    fn login(&self, user: &str, password: &str, ip: &str, extra: &[&str]) -> Output {
        self.run(
            &[
                ("username", user.as_bytes()),
                ("password", password.as_bytes()),
                ("ip", ip.as_bytes()),
                ("referer", b"https://panel.example:2222/"),
            ],
            extra,
        )
    }
}

/// Asserts the exit status, the one line on standard output and the audit line's fields.
fn assert_verdict(out: &Output, status: i32, line: &str, audit: &[&str]) {
    let text = stdout(out);
    assert_eq!(code(out), status, "{text}{}", stderr(out));
    assert_eq!(text, format!("passgate: {line}\n"), "{}", stderr(out));
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one audit line: {err}");
    assert!(
        lines[0].contains(" attempt hook=directadmin-login-pre "),
        "{err}"
    );
    for field in audit {
        assert!(lines[0].contains(field), "{field} in {err}");
    }
}

const NETWORK_RULES: &str = r#"
[directadmin_filter]
[directadmin_filter.default]
deny_ip = ["203.0.113.0/24", "2001:db8:bad::/48"]
[directadmin_filter.users.sha512u]
allow_ip = ["192.0.2.0/24", "2001:db8::/32"]
[directadmin_filter.users.admin]
allow_ip = ["198.51.100.7"]
"#;

#[test]
fn allowed_and_denied_addresses() {
    let s = Setup::new("da-ip", NETWORK_RULES);
    assert_verdict(
        &s.login("sha512u", "pw sha512u", "192.0.2.10", &[]),
        0,
        "allow sha512u from 192.0.2.10: no rule denies",
        &[
            "user=sha512u",
            "ip=192.0.2.10",
            "outcome=allow",
            "reason=allowed",
        ],
    );
    assert_verdict(
        &s.login("sha512u", "pw sha512u", "198.51.100.7", &[]),
        1,
        "deny sha512u from 198.51.100.7: the address is in no network of allow_ip of users.sha512u",
        &["outcome=deny", "reason=ip-not-allowed"],
    );
    // The default's deny list applies to a user with an allow list of their own: deny wins.
    assert_verdict(
        &s.login("sha512u", "pw sha512u", "2001:db8:bad::1", &[]),
        1,
        "deny sha512u from 2001:db8:bad::1: the address is in 2001:db8:bad::/48, in deny_ip of default",
        &["reason=ip-denied"],
    );
    assert_verdict(
        &s.login("admin", "x", "198.51.100.7", &[]),
        0,
        "allow admin from 198.51.100.7: no rule denies",
        &[],
    );
    assert_verdict(
        &s.login("admin", "x", "198.51.100.8", &[]),
        1,
        "deny admin from 198.51.100.8: the address is in no network of allow_ip of users.admin",
        &[],
    );
}

#[test]
fn ipv6_and_mapped_addresses() {
    let s = Setup::new("da-ipv6", NETWORK_RULES);
    assert_verdict(
        &s.login("sha512u", "p", "2001:db8:1::5", &[]),
        0,
        "allow sha512u from 2001:db8:1::5: no rule denies",
        &["ip=2001:db8:1::5"],
    );
    assert_verdict(
        &s.login("sha512u", "p", "2001:db9::5", &[]),
        1,
        "deny sha512u from 2001:db9::5: the address is in no network of allow_ip of users.sha512u",
        &[],
    );
    // A dual-stack listener's IPv4-mapped address is matched as IPv4.
    assert_verdict(
        &s.login("sha512u", "p", "::ffff:192.0.2.77", &[]),
        0,
        "allow sha512u from 192.0.2.77: no rule denies",
        &["ip=::ffff:192.0.2.77"],
    );
    assert_verdict(
        &s.login("nobody", "p", "::ffff:203.0.113.1", &[]),
        1,
        "deny nobody from 203.0.113.1: the address is in 203.0.113.0/24, in deny_ip of default",
        &[],
    );
}

#[test]
fn users_without_a_rule_get_the_default() {
    let s = Setup::new("da-default", NETWORK_RULES);
    assert_verdict(
        &s.login("md5u", "pw md5u", "198.51.100.9", &[]),
        0,
        "allow md5u from 198.51.100.9: no rule denies",
        &["source=none"],
    );
    assert_verdict(
        &s.login("demo_user", "demo", "203.0.113.200", &[]),
        1,
        "deny demo_user from 203.0.113.200: the address is in 203.0.113.0/24, in deny_ip of default",
        &[],
    );
    // login-as: the real user's rule applies, and the line names both.
    assert_verdict(
        &s.login("admin|sha512u", "x", "198.51.100.7", &[]),
        0,
        "allow admin (login-as sha512u) from 198.51.100.7: no rule denies",
        &[r#"user="admin|sha512u""#],
    );
    assert_verdict(
        &s.login("sha512u|admin", "x", "198.51.100.7", &[]),
        1,
        "deny sha512u (login-as admin) from 198.51.100.7: the address is in no network of \
         allow_ip of users.sha512u",
        &[],
    );
}

const REFUSE: &str = r#"
[directadmin_filter]
source = "system"
refuse_schemes = ["md5crypt", "descrypt"]
refuse_hint = "set a new one at https://panel.example/reset"
"#;

#[test]
fn refused_schemes_from_the_shadow_file() {
    let s = Setup::new("da-refuse", REFUSE);
    let refused = "the password is stored as md5crypt, which this server no longer accepts; \
                   set a new one at https://panel.example/reset";
    // Without verification the rule does not depend on the password.
    for password in ["pw md5u", "wrong"] {
        assert_verdict(
            &s.login("md5u", password, "192.0.2.1", &[]),
            1,
            &format!("deny md5u from 192.0.2.1: {refused}"),
            &["reason=scheme-refused", "source=legacy", "scheme=md5crypt"],
        );
    }
    assert_verdict(
        &s.login("desu", "pw desu", "192.0.2.1", &[]),
        1,
        "deny desu from 192.0.2.1: the password is stored as descrypt, which this server no \
         longer accepts; set a new one at https://panel.example/reset",
        &["scheme=descrypt"],
    );
    for (user, scheme) in [
        ("sha512u", "sha512crypt"),
        ("sha256u", "sha256crypt"),
        ("yescryptu", "yescrypt"),
        ("bcryptu", "bcrypt"),
    ] {
        assert_verdict(
            &s.login(user, "x", "192.0.2.1", &[]),
            0,
            &format!("allow {user} from 192.0.2.1: no rule denies"),
            &[&format!("scheme={scheme}"), "source=legacy"],
        );
    }
    // Locked and unknown accounts are DirectAdmin's to refuse.
    for user in ["lockedu", "nopassu", "nobody"] {
        assert_eq!(code(&s.login(user, "x", "192.0.2.1", &[])), 0, "{user}");
    }

    // With verification: refused only with the right password, and a wrong one never
    // shows the rule.
    let v = Setup::new(
        "da-refuse-verify",
        &format!("[policy]\nallow_legacy = false\n{REFUSE}verify = true\n"),
    );
    assert_verdict(
        &v.login("md5u", "pw md5u", "192.0.2.1", &[]),
        1,
        &format!("deny md5u from 192.0.2.1: {refused}"),
        &["reason=scheme-refused", "scheme=md5crypt"],
    );
    for (user, password, reason) in [
        ("md5u", "wrong", "reason=wrong-password"),
        ("md5u", "", "reason=password-refused"),
        ("nobody", "pw md5u", "reason=unknown-user"),
        ("lockedu", "pw lockedu", "reason=locked"),
        ("expiredu", "pw expiredu", "reason=expired"),
    ] {
        let out = v.login(user, password, "192.0.2.1", &[]);
        assert_verdict(
            &out,
            0,
            &format!(
                "allow {user} from 192.0.2.1: the password did not verify here; DirectAdmin \
                 checks it"
            ),
            &[reason, "outcome=allow"],
        );
    }
    assert_verdict(
        &v.login("sha512u", "pw sha512u", "192.0.2.1", &[]),
        0,
        "allow sha512u from 192.0.2.1: no rule denies",
        &["reason=allowed", "scheme=sha512crypt"],
    );
}

#[test]
fn passwords_and_hashes_never_show() {
    let s = Setup::new(
        "da-secrets",
        &format!(
            "{REFUSE}verify = true\n[directadmin_filter.default]\ndeny_ip = [\"203.0.113.0/24\"]\n"
        ),
    );
    let shadow = fs::read_to_string(fixtures().join("shadow")).unwrap();
    let md5_hash = shadow
        .lines()
        .find_map(|l| l.strip_prefix("md5u:"))
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();
    for (user, password, ip) in [
        ("md5u", "pw md5u", "192.0.2.1"),
        ("md5u", "pw md5u-wrong", "192.0.2.1"),
        ("md5u", "pw md5u", "203.0.113.1"),
        ("md5u", "pw md5u", "not an address"),
    ] {
        let out = s.login(user, password, ip, &["--log-format", "json"]);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("pw md5u"), "{all}");
        assert!(!all.contains(&md5_hash), "{all}");
        assert!(!all.contains("$1$"), "{all}");
        let audit: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
        assert_eq!(audit["hook"], "directadmin-login-pre");
        assert_eq!(audit["user"], user);
    }
}

#[test]
fn fresh_shadow_from_useradd_and_chpasswd() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let tools = ["useradd", "chpasswd"].iter().all(|t| {
        ["/usr/sbin", "/usr/bin", "/sbin"]
            .iter()
            .any(|d| Path::new(d).join(t).is_file())
    });
    if !root || !tools {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have root, useradd and chpasswd"
        );
        eprintln!("skipping: root {root}, useradd and chpasswd {tools}");
        return;
    }
    let dir = scratch("da-fresh");
    let etc = dir.join("root/etc");
    fs::create_dir_all(&etc).unwrap();
    for (file, line) in [
        ("passwd", "root:x:0:0:root:/root:/bin/bash\n"),
        ("shadow", "root:*:19000:0:99999:7:::\n"),
        ("group", "root:x:0:\n"),
        ("gshadow", "root:*::\n"),
    ] {
        fs::write(etc.join(file), line).unwrap();
    }
    fs::copy("/etc/login.defs", etc.join("login.defs")).unwrap();
    let root_dir = dir.join("root");
    for (user, method, uid) in [("oldmd5", "MD5", "3001"), ("newyes", "YESCRYPT", "3002")] {
        let out = Command::new("useradd")
            .args(["-R"])
            .arg(&root_dir)
            .args([
                "-u",
                uid,
                "-d",
                &format!("/home/{user}"),
                "-s",
                "/bin/false",
                user,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "useradd {user}: {}", stderr(&out));
        let mut child = Command::new("chpasswd")
            .arg("-R")
            .arg(&root_dir)
            .args(["-c", method])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{user}:pw {user}\n").as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "chpasswd {user}");
    }
    let config = format!(
        "[sources.system]\nformat = \"shadow\"\npath = \"{}\"\npasswd = \"{}\"\n{REFUSE}verify = true\n",
        etc.join("shadow").display(),
        etc.join("passwd").display()
    );
    fs::write(dir.join("passgate.toml"), config).unwrap();
    let s = Setup { dir };
    assert_verdict(
        &s.login("oldmd5", "pw oldmd5", "192.0.2.1", &[]),
        1,
        "deny oldmd5 from 192.0.2.1: the password is stored as md5crypt, which this server no \
         longer accepts; set a new one at https://panel.example/reset",
        &["scheme=md5crypt"],
    );
    assert_eq!(code(&s.login("oldmd5", "pw other", "192.0.2.1", &[])), 0);
    assert_verdict(
        &s.login("newyes", "pw newyes", "192.0.2.1", &[]),
        0,
        "allow newyes from 192.0.2.1: no rule denies",
        &["scheme=yescrypt"],
    );
}

const TIMES: &str = r#"
[directadmin_filter]
time_zone = "Europe/Berlin"
[directadmin_filter.groups.office]
members = ["sha256u", "sha512u"]
days = ["mon-fri"]
hours = ["08:00-18:00"]
[directadmin_filter.users.sha512u]
hours = ["06:00-08:00", "20:00-02:00"]
"#;

#[test]
fn login_times_in_a_time_zone() {
    let s = Setup::new("da-times", TIMES);
    let at = |time: &str| s.login("sha256u", "x", "192.0.2.1", &["--now", time]);
    // Monday 2024-01-15: Berlin is UTC+1 in winter.
    assert_verdict(
        &at("2024-01-15T06:59:00Z"),
        1,
        "deny sha256u from 192.0.2.1: it is mon 07:59 in Europe/Berlin, not in hours of groups.office",
        &["reason=outside-login-times"],
    );
    assert_verdict(
        &at("2024-01-15T07:00:00Z"),
        0,
        "allow sha256u from 192.0.2.1: no rule denies",
        &[],
    );
    assert_eq!(code(&at("2024-01-15T16:59:59Z")), 0);
    assert_eq!(code(&at("2024-01-15T17:00:00Z")), 1);
    // Monday 2024-07-15: UTC+2 in summer, so 06:30 UTC is 08:30 there.
    assert_eq!(code(&at("2024-07-15T06:30:00Z")), 0);
    assert_eq!(code(&at("2024-07-15T05:59:00Z")), 1);
    // Saturday.
    assert_verdict(
        &at("2024-01-20T10:00:00Z"),
        1,
        "deny sha256u from 192.0.2.1: it is sat 11:00 in Europe/Berlin, not a day in days of groups.office",
        &[],
    );
    // sha512u: the group's days, the user's own hours (over midnight).
    let own = |time: &str| s.login("sha512u", "x", "192.0.2.1", &["--now", time]);
    assert_eq!(code(&own("2024-01-15T05:30:00Z")), 0, "06:30");
    assert_eq!(code(&own("2024-01-15T09:00:00Z")), 1, "10:00");
    assert_eq!(code(&own("2024-01-15T23:30:00Z")), 0, "00:30 on Tuesday");
    assert_eq!(code(&own("2024-01-20T05:30:00Z")), 1, "06:30 on Saturday");
    // Users outside the group have no time rule.
    assert_eq!(
        code(&s.login("md5u", "x", "192.0.2.1", &["--now", "2024-01-20T03:00:00Z"])),
        0
    );

    // A fixed offset: no daylight saving time.
    let fixed = Setup::new("da-times-fixed", &TIMES.replace("Europe/Berlin", "+01:00"));
    let out = fixed.login(
        "sha256u",
        "x",
        "192.0.2.1",
        &["--now", "2024-07-15T06:30:00Z"],
    );
    assert_verdict(
        &out,
        1,
        "deny sha256u from 192.0.2.1: it is mon 07:30 in UTC+01:00, not in hours of groups.office",
        &[],
    );
    // The flag is for tests: absent from the help, and strict.
    let help = bin::passgate(&["directadmin", "login-pre", "--help"], b"");
    assert!(!stdout(&help).contains("--now"));
    let out = s.login("sha256u", "x", "192.0.2.1", &["--now", "monday"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn hostile_environment_is_denied_with_a_clear_line() {
    let s = Setup::new("da-hostile", NETWORK_RULES);
    let cases: &[(Env<'_>, &str)] = &[
        (&[], "username is not set"),
        (&[("ip", b"192.0.2.1")], "username is not set"),
        (
            &[("username", b""), ("ip", b"192.0.2.1")],
            "username is not set",
        ),
        (&[("username", b"sha512u")], "ip is not set"),
        (&[("username", b"sha512u"), ("ip", b"")], "ip is not set"),
        (
            &[
                ("username", b"sha512u\noutcome=allow"),
                ("ip", b"192.0.2.1"),
            ],
            "username holds a control character",
        ),
        (
            &[("username", b"sha\x1b[2Ju"), ("ip", b"192.0.2.1")],
            "username holds a control character",
        ),
        (
            &[("username", b"sha\xff512u"), ("ip", b"192.0.2.1")],
            "username is not UTF-8",
        ),
        (
            &[("username", &[b'a'; 300]), ("ip", b"192.0.2.1")],
            "username is longer than 256 bytes",
        ),
        (
            &[("username", b"sha512u"), ("ip", b"192.0.2.1, 10.0.0.1")],
            "ip is not an IPv4 or IPv6 address",
        ),
        (
            &[("username", b"sha512u"), ("ip", b"192.0.2.1\r")],
            "ip holds a control character",
        ),
        (
            &[("username", b"sha512u"), ("ip", b"[2001:db8::1]")],
            "ip is not an IPv4 or IPv6 address",
        ),
        (
            &[("username", b"sha512u"), ("ip", b"0x7f.1")],
            "ip is not an IPv4 or IPv6 address",
        ),
        (
            &[("username", b"admin||x"), ("ip", b"198.51.100.7")],
            "username holds | but is not of the login-as form REAL|TARGET",
        ),
    ];
    for (env, why) in cases {
        let out = s.run(env, &[]);
        assert_verdict(
            &out,
            1,
            &format!("deny: malformed request: {why}"),
            &["outcome=deny", "reason=malformed-request"],
        );
        // The audit line escapes what it shows: no forged line.
        assert!(!stderr(&out).contains("\noutcome=allow"));
    }
    // A password that is not UTF-8, or holds a newline, changes nothing without `verify`.
    let out = s.run(
        &[
            ("username", b"sha512u"),
            ("password", b"\xff\n\x01"),
            ("ip", b"192.0.2.1"),
        ],
        &[],
    );
    assert_eq!(code(&out), 0);
}

#[test]
fn bad_configurations_exit_2_and_name_the_key() {
    let cases = [
        (
            "[directadmin_filter.users.sha512u]\nallow_ip = [\"192.0.2.1/24\"]\n",
            "directadmin_filter.users.sha512u.allow_ip: \"192.0.2.1/24\": bits are set past the \
             prefix length (the network is 192.0.2.0/24)",
        ),
        (
            "[directadmin_filter.default]\ndeny_ip = [\"10.0.0.0/33\"]\n",
            "directadmin_filter.default.deny_ip: \"10.0.0.0/33\": the prefix length is over 32",
        ),
        (
            "[directadmin_filter.default]\ndeny_ip = [\"2001:db8::/129\"]\n",
            "directadmin_filter.default.deny_ip: \"2001:db8::/129\": the prefix length is over 128",
        ),
        (
            "[directadmin_filter.default]\nallow_ip = [\"10.0.0.0/8 \"]\n",
            "directadmin_filter.default.allow_ip: \"10.0.0.0/8 \": the prefix length is not a \
             decimal number",
        ),
        (
            "[directadmin_filter]\nrefuse_schemes = [\"md5\"]\nsource = \"system\"\n",
            "directadmin_filter.refuse_schemes: \"md5\": no such scheme (`passgate schemes` \
             lists them)",
        ),
        (
            "[directadmin_filter]\nrefuse_schemes = [\"md5crypt\"]\n",
            "directadmin_filter.source: refuse_schemes reads the users' hashes from a source",
        ),
        (
            "[directadmin_filter]\nsource = \"web\"\n",
            "directadmin_filter.source: no [sources.web] section",
        ),
        (
            "[directadmin_filter.default]\nhours = [\"9:00-17:00\"]\n",
            "directadmin_filter.default.hours: \"9:00-17:00\": a span is HH:MM-HH:MM",
        ),
        (
            "[directadmin_filter]\ntime_zone = \"Europe/Nowhere\"\n",
            "directadmin_filter.time_zone: \"Europe/Nowhere\": no such time zone",
        ),
        (
            "[directadmin_filter]\nallow_ip = [\"10.0.0.0/8\"]\n",
            "unknown field `allow_ip`",
        ),
        ("", "no [directadmin_filter] section"),
    ];
    for (rules, message) in cases {
        let s = Setup::new("da-badconf", rules);
        let out = s.login("sha512u", "x", "192.0.2.1", &[]);
        assert_eq!(code(&out), 2, "{rules}");
        let text = stdout(&out);
        assert!(
            text.starts_with("passgate: error: configuration ") && text.contains(message),
            "{rules}: {text}"
        );
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            stderr(&out).contains("outcome=deny reason=error"),
            "{}",
            stderr(&out)
        );
    }
    // A source that cannot be read is an error, not a verdict.
    let s = Setup::new("da-nosource", REFUSE);
    let config = fs::read_to_string(s.config()).unwrap().replace(
        &fixtures().join("shadow").display().to_string(),
        "/nonexistent/shadow",
    );
    fs::write(s.config(), config).unwrap();
    let out = s.login("sha512u", "x", "192.0.2.1", &[]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stdout(&out),
        "passgate: error: legacy source: reading /nonexistent/shadow: No such file or \
         directory (os error 2)\n"
    );
    // No --config: a usage error.
    let out = bin::passgate(&["directadmin", "login-pre"], b"");
    assert_eq!(code(&out), 2);
}

/// passgate's own caller side: `passgate login` finds the wrapper DirectAdmin would run and
/// gives it the hook's environment; the wrapper execs the filter.
#[test]
fn through_the_login_pipelines_directadmin_hooks() {
    let dir = scratch("da-pipeline");
    let f = fixtures();
    let shadow = fs::read_to_string(f.join("shadow")).unwrap();
    let hash = |user: &str| {
        shadow
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{user}:")))
            .and_then(|rest| rest.split(':').next())
            .unwrap()
            .to_owned()
    };
    let users: Vec<Value> = ["md5u", "sha512u", "sha256u"]
        .iter()
        .map(|u| {
            json!({"username": u, "status": 1, "password": hash(u),
            "home_dir": format!("/srv/{u}"), "permissions": {"/": ["*"]}})
        })
        .collect();
    let dump = json!({"users": users, "folders": [], "groups": [], "admins": [], "version": 17});
    fs::write(dir.join("users.json"), dump.to_string()).unwrap();
    let hooks = dir.join("custom");
    fs::create_dir_all(&hooks).unwrap();
    // DirectAdmin's side, as passgate's login pipeline plays it: the users and the hooks.
    let caller = dir.join("login.toml");
    fs::write(
        &caller,
        "[policy]\nrehash = false\n[store]\npath = \"users.json\"\n\
         [directadmin]\nhooks_dir = \"custom\"\ntimeout = 20\n",
    )
    .unwrap();
    // The filter's own configuration.
    let config = dir.join("passgate.toml");
    fs::write(
        &config,
        format!(
            "[sources.system]\nformat = \"shadow\"\npath = \"{}\"\npasswd = \"{}\"\n\
             {REFUSE}\
             [directadmin_filter.default]\ndeny_ip = [\"203.0.113.0/24\", \"2001:db8:bad::/48\"]\n\
             [directadmin_filter.users.sha256u]\nallow_ip = [\"192.0.2.0/24\"]\n",
            f.join("shadow").display(),
            f.join("passwd").display()
        ),
    )
    .unwrap();
    // The wrapper as docs/directadmin-login-pre.md installs it.
    let wrapper = format!(
        "exec {PASSGATE} directadmin login-pre --config {}",
        config.display()
    );
    let login = |user: &str, password: &str, ip: &str| {
        let cfg = caller.display().to_string();
        bin::passgate(
            &[
                "login",
                "--json",
                "--config",
                &cfg,
                "--username",
                user,
                "--ip",
                ip,
            ],
            format!("{password}\n").as_bytes(),
        )
    };
    let verdict = |out: &Output| -> (String, bool, String) {
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
        (
            v["outcome"].as_str().unwrap().to_owned(),
            v["counts_as_failure"].as_bool().unwrap(),
            v["reason_code"].as_str().unwrap().to_owned(),
        )
    };
    for layout in ["login_pre.sh", "login_pre/50-passgate.sh"] {
        let _ = fs::remove_file(hooks.join("login_pre.sh"));
        let _ = fs::remove_dir_all(hooks.join("login_pre"));
        script(&hooks, layout, &wrapper);

        let out = login("sha512u", "pw sha512u", "192.0.2.1");
        assert_eq!(verdict(&out).0, "allow", "{layout}: {}", stderr(&out));
        assert_eq!(code(&out), 0);
        // DirectAdmin's own check still decides after an allow: here, passgate's verifier.
        let out = login("sha512u", "wrong", "192.0.2.1");
        assert_eq!(
            verdict(&out),
            ("deny".into(), true, "mismatch".into()),
            "{layout}: {}",
            stderr(&out)
        );
        // Denied by the filter, right password and all: counted as a failure.
        for (user, password, ip, reason) in [
            ("sha512u", "pw sha512u", "203.0.113.9", "reason=ip-denied"),
            (
                "sha512u",
                "pw sha512u",
                "2001:db8:bad::9",
                "reason=ip-denied",
            ),
            (
                "sha256u",
                "pw sha256u",
                "198.51.100.1",
                "reason=ip-not-allowed",
            ),
            ("md5u", "pw md5u", "192.0.2.1", "reason=scheme-refused"),
            (
                "sha512u",
                "pw sha512u",
                "not-an-ip",
                "reason=malformed-request",
            ),
        ] {
            let out = login(user, password, ip);
            assert_eq!(
                verdict(&out),
                ("deny".into(), true, "hook_denied".into()),
                "{layout} {user} {ip}: {}",
                stderr(&out)
            );
            assert_eq!(code(&out), 1);
            // The filter's audit line came through the hook runner's standard error, and
            // the password did not.
            let err = stderr(&out);
            assert!(
                err.contains("hook=directadmin-login-pre") && err.contains(reason),
                "{err}"
            );
            assert!(!err.contains(password), "{err}");
        }
        let out = login("sha256u", "pw sha256u", "192.0.2.200");
        assert_eq!(verdict(&out).0, "allow", "{layout}: {}", stderr(&out));
    }
    // A broken configuration fails closed: every login is denied.
    fs::write(
        &config,
        fs::read_to_string(&config).unwrap() + "[directadmin_filter.users.x]\nallow_ip = [\"x\"]\n",
    )
    .unwrap();
    let out = login("sha512u", "pw sha512u", "192.0.2.1");
    assert_eq!(
        verdict(&out),
        ("deny".into(), true, "hook_denied".into()),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("reason=error"), "{}", stderr(&out));
}
