//! `passgate sftpgo external-auth|check-password` end to end: the real binary run as SFTPGo
//! runs a program hook, with exactly the environment SFTPGo gives it (nothing else:
//! `command.env` is empty by default and the process environment is not inherited since
//! v2.4.0), the answer read from standard output. Legacy sources are the importer's
//! fixtures, written by the real tools.
//!
//! `DP:n` = `drakkan/sftpgo@42f7a4d4 internal/dataprovider/dataprovider.go:n`.
#![allow(clippy::unwrap_used)]

#[path = "common/sftpgo.rs"]
mod sftpgo;
#[path = "../../tests/support/hook_util.rs"]
mod util;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use sftpgo::{
    DENY, Legacy, Login, POLICY, assert_imported_user, defer, fixture_file, fixture_hash, fixtures,
    imported_users, rows, source_toml, status, stored_user, write_config, wrong,
};
use util::scratch;

/// Runs `passgate sftpgo HOOK --config CONFIG ARGS…` in `env` and nothing else.
fn run(config: &Path, hook: &str, env: &[(&'static str, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_passgate"))
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(["sftpgo", hook, "--config"])
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// The answer of a hook that answered: exit 0, one audit line on standard error.
struct Answer {
    stdout: Vec<u8>,
    audit: String,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {:?} ({})", self.text(), self.audit))
    }

    /// The audit line's `reason=`.
    fn reason(&self) -> &str {
        self.audit
            .split(' ')
            .find_map(|w| w.strip_prefix("reason="))
            .unwrap_or_else(|| panic!("no reason: {}", self.audit))
    }
}

fn answered(out: Output) -> Answer {
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    Answer {
        stdout: out.stdout,
        audit: lines[0].to_owned(),
    }
}

fn external_auth(config: &Path, login: &Login) -> Answer {
    answered(run(
        config,
        "external-auth",
        &login.external_auth_env(),
        &[],
    ))
}

fn check_password(config: &Path, login: &Login) -> Answer {
    answered(run(
        config,
        "check-password",
        &login.check_password_env(),
        &[],
    ))
}

/// Every account of `format`'s fixture through both hooks: its own password, a wrong one,
/// and a user no source holds.
fn legacy_accounts(format: &str) {
    let dir = scratch(&format!("hooks-{format}"));
    let config = write_config(&dir, &[POLICY, &source_toml(format, &fixtures())]);
    let imported = imported_users(format, &dir);
    for row in rows(format) {
        let who = format!("{format} {}", row.user);
        let password = row.password();
        // A password login of a user SFTPGo does not store: SFTPGO_AUTHD_USER is empty
        // (DP:4467-4472, DP:4480).
        let login = Login::password(&row.user, &password);
        let ea = external_auth(&config, &login);
        let cp = check_password(&config, &login);
        match row.legacy() {
            Legacy::Verifies => {
                // A user object: SFTPGo adds it with the login password (DP:4604-4608).
                assert_imported_user(&ea.json(), &row, &imported);
                assert_eq!(ea.reason(), "imported", "{who}");
                // Status 1: accepted, SFTPGo checks nothing more (DP:3641-3644).
                assert_eq!(cp.json(), status(1), "{who}");
                assert_eq!(cp.reason(), "verified", "{who}");
                let wrong = Login::password(&row.user, &row.wrong_password());
                // `{"username":""}`: invalid credentials (DP:4568-4570).
                let ea = external_auth(&config, &wrong);
                assert_eq!(ea.text(), DENY, "{who}");
                assert_eq!(ea.reason(), "wrong-password", "{who}");
                // Status 0: invalid credentials (DP:3649-3652).
                let cp = check_password(&config, &wrong);
                assert_eq!(cp.json(), status(0), "{who}");
                assert_eq!(cp.reason(), "wrong-password", "{who}");
            }
            Legacy::Refused(reason) => {
                assert_eq!(ea.text(), DENY, "{who}");
                assert_eq!(ea.reason(), reason, "{who}");
                assert_eq!(cp.json(), status(0), "{who}");
                assert_eq!(cp.reason(), reason, "{who}");
            }
            Legacy::Absent => {
                assert_eq!(ea.text(), DENY, "{who}");
                assert_eq!(ea.reason(), "unknown-user", "{who}");
                // Status 2: SFTPGo verifies `to_verify` against its own hash (DP:3645-3648).
                assert_eq!(cp.json(), defer(&password), "{who}");
                assert_eq!(cp.reason(), "not-in-legacy-source", "{who}");
            }
        }
        let hash = fixture_hash(fixture_file(format), &row.user);
        for audit in [&ea.audit, &cp.audit] {
            assert!(!audit.contains(&password), "{who}: {audit}");
            assert!(hash.len() <= 4 || !audit.contains(&hash), "{who}: {audit}");
        }
    }
    let nobody = Login::password("nobody-here", "pw nobody");
    assert_eq!(external_auth(&config, &nobody).text(), DENY);
    assert_eq!(check_password(&config, &nobody).json(), defer("pw nobody"));
}

#[test]
fn shadow_accounts_through_both_hooks() {
    legacy_accounts("shadow");
}

#[test]
fn pure_ftpd_accounts_through_both_hooks() {
    legacy_accounts("pure-ftpd");
}

#[test]
fn proftpd_accounts_through_both_hooks() {
    legacy_accounts("proftpd");
}

#[test]
fn htpasswd_accounts_through_both_hooks() {
    legacy_accounts("htpasswd");
}

#[test]
fn a_stored_hash_passgate_reads_decides() {
    let dir = scratch("hooks-stored");
    let config = write_config(&dir, &[POLICY, &source_toml("shadow", &fixtures())]);
    for (user, hash, password) in [
        // chpasswd -c YESCRYPT: SFTPGo verifies `$y$` only in `unixcrypt` builds.
        (
            "yescryptu",
            fixture_hash("shadow", "yescryptu"),
            "pw yescryptu",
        ),
        // htpasswd -d: DES crypt.
        ("hdes", fixture_hash("htpasswd", "hdes"), "pw hdes"),
        // htpasswd -s: `{SHA}` is no prefix SFTPGo knows.
        ("hsha", fixture_hash("htpasswd", "hsha"), "pw hsha"),
        // Pure-FTPd's line from htpasswd -B: SFTPGo's bcrypt accepts `$2a$` only.
        (
            "frank",
            fixture_hash("pureftpd.passwd", "frank"),
            "pw frank",
        ),
    ] {
        // SFTPGO_AUTHD_USER: the stored user marshalled, hash included (DP:4467-4472).
        let stored = stored_user(user, &hash);
        // Empty output for a user SFTPGo stores: accepted, and SFTPGo stores the login
        // password's hash in its own format (DP:4555-4564, DP:4501).
        let right = external_auth(
            &config,
            &Login::password(user, password).stored(stored.clone()),
        );
        assert_eq!(right.stdout, b"", "{user}: {}", right.audit);
        assert_eq!(right.reason(), "verified", "{user}");
        assert!(right.audit.contains("source=sftpgo"), "{}", right.audit);
        assert!(!right.audit.contains(&hash), "{}", right.audit);
        let denied = external_auth(
            &config,
            &Login::password(user, &wrong(password)).stored(stored),
        );
        assert_eq!(denied.text(), DENY, "{user}");
        assert_eq!(denied.reason(), "wrong-password", "{user}");
    }
    // SFTPGo's hash decides over the legacy account.
    let stored = stored_user("sha512u", &fixture_hash("htpasswd", "hsha"));
    let login = Login::password("sha512u", "pw hsha").stored(stored.clone());
    assert_eq!(external_auth(&config, &login).stdout, b"");
    let login = Login::password("sha512u", "pw sha512u").stored(stored);
    assert_eq!(external_auth(&config, &login).text(), DENY);
    // No hash at SFTPGo: the legacy account decides.
    let login = Login::password("md5u", "pw md5u").stored(stored_user("md5u", ""));
    let a = external_auth(&config, &login);
    assert_eq!(a.stdout, b"");
    assert!(a.audit.contains("source=legacy"), "{}", a.audit);
    // Disabled at SFTPGo: denied.
    let mut disabled = stored_user("md5u", "");
    disabled["status"] = json!(0);
    let login = Login::password("md5u", "pw md5u").stored(disabled);
    let a = external_auth(&config, &login);
    assert_eq!((a.text().as_str(), a.reason()), (DENY, "disabled"));

    // No password: a public key (DP:1356), keyboard-interactive (DP:1383) or TLS
    // certificate (DP:1267) step, SFTPGo checks it itself after the empty answer for a user
    // it stores (an empty password changes nothing, DP:4502-4504).
    let mut cert = Login::password("sha512u", "");
    cert.protocol = "FTP".into();
    cert.tls_cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into();
    let a = external_auth(&config, &cert.clone().stored(stored_user("sha512u", "")));
    assert_eq!(
        (a.stdout.as_slice(), a.reason()),
        (&b""[..], "not-a-password-login")
    );
    assert_eq!(external_auth(&config, &cert).text(), DENY);
    let mut key = Login::password("ghost", "");
    key.public_key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n".into();
    assert_eq!(external_auth(&config, &key).text(), DENY);
    let mut kbd = Login::password("ghost", "");
    kbd.keyboard_interactive = "1".into();
    let stored = stored_user("ghost", &fixture_hash("htpasswd", "hapr1"));
    let a = external_auth(&config, &kbd.stored(stored));
    assert_eq!(a.stdout, b"");
}

#[test]
fn retire_and_min_entropy() {
    let dir = scratch("hooks-retire");
    // "pw yescryptu": 12 × log2 58 = 70.3 bits; "pw hsha": 7 × log2 58 = 41.0 bits.
    let config = write_config(
        &dir,
        &[
            POLICY,
            &source_toml("shadow", &fixtures()),
            "[serve]\nretire = true\nmin_entropy = 60\n",
        ],
    );
    let stored = stored_user("yescryptu", &fixture_hash("shadow", "yescryptu"));
    let a = external_auth(
        &config,
        &Login::password("yescryptu", "pw yescryptu").stored(stored.clone()),
    );
    let mut want = stored;
    want.as_object_mut().unwrap().remove("password");
    want["filters"]["hooks"]["external_auth_disabled"] = json!(true);
    assert_eq!(a.json(), want);
    assert_eq!(a.reason(), "retired");
    // Below the entropy SFTPGo would require of the stored password: the empty answer.
    let stored = stored_user("hsha", &fixture_hash("htpasswd", "hsha"));
    let a = external_auth(&config, &Login::password("hsha", "pw hsha").stored(stored));
    assert_eq!(a.stdout, b"");
    assert_eq!(a.reason(), "verified-weak-password");
    // A legacy account SFTPGo does not store: created, external auth disabled
    // ("pw sha256u": 10 × log2 68 = 60.9 bits).
    let a = external_auth(&config, &Login::password("sha256u", "pw sha256u"));
    let user = a.json();
    assert_eq!(user["filters"]["hooks"]["external_auth_disabled"], true);
    assert_eq!(
        (user["uid"].as_u64(), user["gid"].as_u64()),
        (Some(2002), Some(2002))
    );
    assert!(user.get("password").is_none());
    // Below the minimum SFTPGo could not create it (addUser validates the login password,
    // DP:4605): denied. "pw md5u": 7 × log2 68 = 42.6 bits.
    let a = external_auth(&config, &Login::password("md5u", "pw md5u"));
    assert_eq!(a.text(), DENY);
    assert_eq!(a.reason(), "weak-password-for-new-user");
    // Check-password never migrates: the same status 1.
    let a = check_password(&config, &Login::password("sha256u", "pw sha256u"));
    assert_eq!(a.json(), status(1));
}

#[test]
fn check_password_without_legacy_can_deny() {
    let dir = scratch("hooks-no-defer");
    let config = write_config(
        &dir,
        &[
            POLICY,
            &source_toml("proftpd", &fixtures()),
            "[serve]\ncheck_password_without_legacy = \"deny\"\n",
        ],
    );
    let a = check_password(&config, &Login::password("nobody-here", "pw nobody"));
    assert_eq!(a.json(), status(0));
    assert_eq!(a.reason(), "unknown-user");
    let a = check_password(&config, &Login::password("psha256", "pw psha256"));
    assert_eq!(a.json(), status(1));
    // Without any [source], every user is one the source does not hold.
    let bare = write_config(&scratch("hooks-bare"), &[POLICY]);
    let a = check_password(&bare, &Login::password("psha256", "pw psha256"));
    assert_eq!(a.json(), defer("pw psha256"));
}

#[test]
fn json_audit_line() {
    let dir = scratch("hooks-json");
    let config = write_config(&dir, &[POLICY, &source_toml("htpasswd", &fixtures())]);
    let mut login = Login::password("hapr1", "pw hapr1");
    login.ip = "198.51.100.7".into();
    login.protocol = "DAV".into();
    let out = run(
        &config,
        "check-password",
        &login.check_password_env(),
        &["--log-format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        status(1)
    );
    let line: Value = serde_json::from_slice(&out.stderr).unwrap();
    for (key, want) in [
        ("event", json!("attempt")),
        ("hook", json!("check-password")),
        ("user", json!("hapr1")),
        ("ip", json!("198.51.100.7")),
        ("protocol", json!("DAV")),
        ("outcome", json!("allow")),
        ("reason", json!("verified")),
        ("scheme", json!("apr1")),
    ] {
        assert_eq!(line[key], want, "{key}: {line}");
    }
    assert!(line["time"].is_string() && line["ms"].is_number(), "{line}");
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(!text.contains("pw hapr1") && !text.contains(&fixture_hash("htpasswd", "hapr1")));
}

/// A hook that cannot answer exits non-zero with nothing on standard output: SFTPGo denies
/// (`getCmdOutput` fails, DP:4550-4553 and DP:3632-3636).
fn assert_no_answer(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !matches!(out.status.code(), Some(0) | None),
        "{what}: {:?} {stderr}",
        out.status
    );
    assert!(out.stdout.is_empty(), "{what}: {:?}", out.stdout);
    assert!(!stderr.contains("pw sha512u"), "{what}: {stderr}");
}

#[test]
fn no_answer_without_configuration_source_or_request() {
    let dir = scratch("hooks-errors");
    let login = Login::password("sha512u", "pw sha512u");
    let missing = dir.join("missing.toml");
    let unparseable = dir.join("bad.toml");
    std::fs::write(&unparseable, "[source\nformat = 1\n").unwrap();
    let no_file = dir.join("nofile.toml");
    std::fs::write(
        &no_file,
        format!("{POLICY}[source]\nformat = \"htpasswd\"\npath = \"gone\"\nhome_base = \"/srv\"\n"),
    )
    .unwrap();
    // A shadow file where an htpasswd file is configured: the importer refuses it whole.
    let other_format = write_config(
        &scratch("hooks-other-format"),
        &[
            POLICY,
            &format!(
                "[source]\nformat = \"htpasswd\"\npath = \"{}\"\nhome_base = \"/srv\"\n",
                fixtures().join("shadow").display()
            ),
        ],
    );
    for (hook, env) in [
        ("external-auth", login.external_auth_env()),
        ("check-password", login.check_password_env()),
    ] {
        for (what, config, cause) in [
            ("missing configuration", &missing, "entity not found"),
            ("unparseable configuration", &unparseable, "line 1"),
            ("missing source file", &no_file, "No such file"),
            (
                "source of another format",
                &other_format,
                "looks like a shadow file",
            ),
        ] {
            let out = run(config, hook, &env, &[]);
            assert_no_answer(&out, &format!("{hook}: {what}"));
            // The cause, once.
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(stderr.matches(cause).count(), 1, "{hook}: {what}: {stderr}");
        }
        let without_name: Vec<_> = env
            .iter()
            .filter(|(k, _)| *k != "SFTPGO_AUTHD_USERNAME")
            .cloned()
            .collect();
        let good = write_config(
            &scratch("hooks-good"),
            &[POLICY, &source_toml("shadow", &fixtures())],
        );
        assert_no_answer(
            &run(&good, hook, &without_name, &[]),
            &format!("{hook}: no SFTPGO_AUTHD_USERNAME"),
        );
    }
    let good = write_config(&dir, &[POLICY, &source_toml("shadow", &fixtures())]);
    let mut env = login.external_auth_env();
    env[1].1 = "not json".into();
    assert_no_answer(
        &run(&good, "external-auth", &env, &[]),
        "SFTPGO_AUTHD_USER not JSON",
    );
    // And the same environment with a stored user answers.
    env[1].1 = stored_user("sha512u", "").to_string();
    let a = answered(run(&good, "external-auth", &env, &[]));
    assert_eq!(a.stdout, b"");
}
