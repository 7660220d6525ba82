//! `passgate serve` end to end: the real binary on a free port, called as SFTPGo calls its
//! HTTP hooks (`external_auth_hook` / `check_password_hook` set to an `http` URL), with a real
//! HTTP client; legacy sources are the importer's fixtures, written by the real tools.
//!
//! `DP:n` = `drakkan/sftpgo@42f7a4d4 internal/dataprovider/dataprovider.go:n`.
#![allow(clippy::unwrap_used)]

#[path = "common/server.rs"]
mod server;
#[path = "common/sftpgo.rs"]
mod sftpgo;
#[path = "../../tests/support/hook_util.rs"]
mod util;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::{Value, json};

use server::{Reply, Server, metric, wait_until};
use sftpgo::{
    DENY, Legacy, Login, POLICY, assert_imported_user, defer, fixture_file, fixture_hash, fixtures,
    imported_users, rows, source_toml, status, stored_user, write_config, wrong,
};
use util::scratch;

/// Any free port on the loopback interface; the address is read from the `listening` line.
const LISTEN: &str = "[serve]\nlisten = \"127.0.0.1:0\"\nworkers = 2\n";

const EXTERNAL_AUTH: &str = "/sftpgo/external-auth";
const CHECK_PASSWORD: &str = "/sftpgo/check-password";

/// Waits for the JSON audit line of an attempt by `user` through `hook` and returns it.
fn audit_line(server: &Server, hook: &str, user: &str, reason: &str) -> Value {
    let mut found = None;
    wait_until(&format!("{hook} {user} {reason} audit line"), || {
        found = server.stderr().iter().find_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            (v["event"] == "attempt"
                && v["hook"] == hook
                && v["user"] == user
                && v["reason"] == reason)
                .then_some(v)
        });
        found.is_some()
    });
    found.unwrap()
}

/// Every account of `format`'s fixture through both hooks: its own password, a wrong one,
/// and a user no source holds.
fn legacy_accounts(format: &str) {
    let dir = scratch(&format!("serve-{format}"));
    let config = write_config(&dir, &[POLICY, &source_toml(format, &fixtures()), LISTEN]);
    let server = Server::start(&config, &["--log-format", "json"]);
    let imported = imported_users(format, &dir);
    for row in rows(format) {
        let who = format!("{format} {}", row.user);
        let password = row.password();
        let login = Login::password(&row.user, &password);
        // A password login of a user SFTPGo does not store: no `user` in the body (DP:4444).
        let ea = server.external_auth(&login);
        // Any status but 200 is an error SFTPGo denies on (DP:4459).
        assert_eq!(ea.status, 200, "{who}: {ea:?}");
        // Check-password runs for users SFTPGo stores (DP:3632), with the login as sent.
        let cp = server.check_password(&login);
        assert_eq!(cp.status, 200, "{who}: {cp:?}");
        match row.legacy() {
            Legacy::Verifies => {
                // A user object: SFTPGo adds it with the login password (DP:4604-4608).
                assert_imported_user(&ea.json(), &row, &imported);
                audit_line(&server, "external-auth", &row.user, "imported");
                // Status 1: accepted, SFTPGo checks nothing more (DP:3641-3644).
                assert_eq!(cp.json(), status(1), "{who}");
                audit_line(&server, "check-password", &row.user, "verified");
                let wrong = Login::password(&row.user, &row.wrong_password());
                // `{"username":""}`: invalid credentials (DP:4568-4570).
                assert_eq!(server.external_auth(&wrong).text(), DENY, "{who}");
                // Status 0: invalid credentials (DP:3649-3652).
                assert_eq!(server.check_password(&wrong).json(), status(0), "{who}");
                audit_line(&server, "external-auth", &row.user, "wrong-password");
                audit_line(&server, "check-password", &row.user, "wrong-password");
            }
            Legacy::Refused(reason) => {
                assert_eq!(ea.text(), DENY, "{who}");
                assert_eq!(cp.json(), status(0), "{who}");
                audit_line(&server, "external-auth", &row.user, reason);
                audit_line(&server, "check-password", &row.user, reason);
            }
            Legacy::Absent => {
                assert_eq!(ea.text(), DENY, "{who}");
                // Status 2: SFTPGo verifies `to_verify` against its own hash (DP:3645-3648).
                assert_eq!(cp.json(), defer(&password), "{who}");
                audit_line(&server, "external-auth", &row.user, "unknown-user");
                audit_line(&server, "check-password", &row.user, "not-in-legacy-source");
            }
        }
    }
    let nobody = Login::password("nobody-here", "pw nobody");
    assert_eq!(server.external_auth(&nobody).text(), DENY);
    assert_eq!(server.check_password(&nobody).json(), defer("pw nobody"));
    // Passwords reach the audit lines neither as sent nor as hashes.
    let stderr = server.stderr().join("\n");
    for row in rows(format) {
        if !row.password.is_empty() {
            assert!(!stderr.contains(&row.password), "{format}: {}", row.user);
        }
        let hash = fixture_hash(fixture_file(format), &row.user);
        if hash.len() > 4 {
            assert!(!stderr.contains(&hash), "{format}: {}'s hash", row.user);
        }
    }
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

/// Users SFTPGo stores with a hash it cannot verify (or `$2y$`, which it does not accept)
/// and passgate reads, each with its password.
fn stored_hashes() -> Vec<(&'static str, String, &'static str)> {
    vec![
        // chpasswd -c YESCRYPT: SFTPGo verifies `$y$` only in `unixcrypt` builds.
        (
            "yescryptu",
            fixture_hash("shadow", "yescryptu"),
            "pw yescryptu",
        ),
        // chpasswd -c DES.
        ("desu", fixture_hash("shadow", "desu"), "pw desu"),
        // htpasswd -s: `{SHA}` is no prefix SFTPGo knows.
        ("hsha", fixture_hash("htpasswd", "hsha"), "pw hsha"),
        // htpasswd -B: SFTPGo's bcrypt accepts `$2a$` only.
        ("hbcrypt", fixture_hash("htpasswd", "hbcrypt"), "pw hbcrypt"),
    ]
}

#[test]
fn a_stored_hash_passgate_reads_decides() {
    let dir = scratch("serve-stored");
    let config = write_config(&dir, &[POLICY, &source_toml("shadow", &fixtures()), LISTEN]);
    let server = Server::start(&config, &[]);
    for (user, hash, password) in stored_hashes() {
        let stored = stored_user(user, &hash);
        // The empty answer for a user SFTPGo stores: accepted; SFTPGo then stores the login
        // password's hash in its own format (DP:4555-4564, DP:4501).
        let right = Login::password(user, password).stored(stored.clone());
        let r = server.external_auth(&right);
        assert_eq!((r.status, r.body.len()), (200, 0), "{user}: {r:?}");
        let mismatch = Login::password(user, &wrong(password)).stored(stored);
        assert_eq!(server.external_auth(&mismatch).text(), DENY, "{user}");
    }
    // SFTPGo's hash decides over the legacy account: sha512u stored with `{SHA}` of
    // "pw hsha" while the shadow file has "pw sha512u".
    let stored = stored_user("sha512u", &fixture_hash("htpasswd", "hsha"));
    let sftpgo_pw = Login::password("sha512u", "pw hsha").stored(stored.clone());
    assert_eq!(server.external_auth(&sftpgo_pw).body, b"");
    let legacy_pw = Login::password("sha512u", "pw sha512u").stored(stored);
    assert_eq!(server.external_auth(&legacy_pw).text(), DENY);

    // No hash at SFTPGo (a user created without a password): the legacy account decides.
    let stored = stored_user("md5u", "");
    let login = Login::password("md5u", "pw md5u").stored(stored.clone());
    assert_eq!(server.external_auth(&login).body, b"");
    let login = Login::password("md5u", "pw md5u!").stored(stored);
    assert_eq!(server.external_auth(&login).text(), DENY);
    // Neither SFTPGo nor the legacy source holds a hash for it.
    let login = Login::password("ghost", "pw ghost").stored(stored_user("ghost", ""));
    assert_eq!(server.external_auth(&login).text(), DENY);

    // Disabled or expired at SFTPGo: denied, right password or not.
    let (user, hash, password) = &stored_hashes()[0];
    let mut disabled = stored_user(user, hash);
    disabled["status"] = json!(0);
    let login = Login::password(user, password).stored(disabled);
    assert_eq!(server.external_auth(&login).text(), DENY);
    let mut expired = stored_user(user, hash);
    expired["expiration_date"] = json!(sftpgo::now_ms() - 86_400_000);
    let login = Login::password(user, password).stored(expired);
    assert_eq!(server.external_auth(&login).text(), DENY);

    // Public key, keyboard-interactive and certificate steps send no password
    // (DP:1356, DP:1383, DP:1267): left to SFTPGo for a user it stores (an empty password
    // changes nothing, DP:4502-4504), denied for one it does not.
    let mut key = Login::password(user, "");
    key.public_key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl".into();
    let r = server.external_auth(&key.clone().stored(stored_user(user, hash)));
    assert_eq!((r.status, r.body.len()), (200, 0), "{r:?}");
    assert_eq!(server.external_auth(&key).text(), DENY);
    let mut kbd = Login::password("sha512u", "");
    kbd.keyboard_interactive = "1".into();
    assert_eq!(server.external_auth(&kbd).text(), DENY);
    let r = server.external_auth(&kbd.stored(stored_user("sha512u", "")));
    assert_eq!((r.status, r.body.len()), (200, 0), "{r:?}");
}

#[test]
fn retire_returns_the_user_with_external_auth_disabled() {
    let dir = scratch("serve-retire");
    // "pw yescryptu": 12 characters from lowercase + special (base 58), 12 × log2 58 = 70.3
    // bits; "pw hsha": 7 × log2 58 = 41.0 bits.
    let serve = format!("{LISTEN}retire = true\nmin_entropy = 60\n");
    let config = write_config(&dir, &[POLICY, &source_toml("shadow", &fixtures()), &serve]);
    let server = Server::start(&config, &[]);
    let hash = fixture_hash("shadow", "yescryptu");
    let stored = stored_user("yescryptu", &hash);
    let r =
        server.external_auth(&Login::password("yescryptu", "pw yescryptu").stored(stored.clone()));
    // The user back whole, without SFTPGo's hash (the login password replaces it,
    // DP:4491-4494) and with external auth disabled (USER:1165-1166): SFTPGo keeps it.
    let mut want = stored.clone();
    want.as_object_mut().unwrap().remove("password");
    want["filters"]["hooks"]["external_auth_disabled"] = json!(true);
    assert_eq!(r.json(), want);
    let r =
        server.external_auth(&Login::password("yescryptu", "pw yescryptU").stored(stored.clone()));
    assert_eq!(r.text(), DENY);

    // A password below the entropy SFTPGo requires would fail its update (DP:3409-3435):
    // the empty answer, which stores it unchecked (DP:4501).
    let stored = stored_user("hsha", &fixture_hash("htpasswd", "hsha"));
    let r = server.external_auth(&Login::password("hsha", "pw hsha").stored(stored));
    assert_eq!((r.status, r.body.len()), (200, 0), "{r:?}");
    // The user's own password_strength comes first.
    let mut strict = stored_user("yescryptu", &hash);
    strict["filters"]["password_strength"] = json!(75);
    let r = server.external_auth(&Login::password("yescryptu", "pw yescryptu").stored(strict));
    assert_eq!((r.status, r.body.len()), (200, 0), "{r:?}");

    // A legacy account SFTPGo does not store: created with external auth disabled
    // ("pw sha512u": 10 characters from lowercase, digits and special, 10 × log2 68 = 60.9).
    let r = server.external_auth(&Login::password("sha512u", "pw sha512u"));
    let user = r.json();
    assert_eq!(user["filters"]["hooks"]["external_auth_disabled"], true);
    assert_eq!(user["username"], "sha512u");
    assert!(user.get("password").is_none(), "{user}");
    // Below the minimum SFTPGo could not create it with the login password (addUser
    // validates it, DP:4605), and no other answer creates a user: denied.
    // "pw md5u": 7 × log2 68 = 42.6 bits.
    let r = server.external_auth(&Login::password("md5u", "pw md5u"));
    assert_eq!(r.text(), DENY);
    server.wait_stderr("user=md5u");
    let line = server
        .stderr()
        .into_iter()
        .find(|l| l.contains("user=md5u"))
        .unwrap();
    assert!(line.contains("reason=weak-password-for-new-user"), "{line}");
}

#[test]
fn check_password_without_legacy_can_deny() {
    let dir = scratch("serve-no-defer");
    let serve = format!("{LISTEN}check_password_without_legacy = \"deny\"\n");
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), &serve],
    );
    let server = Server::start(&config, &[]);
    let login = Login::password("nobody-here", "pw nobody");
    assert_eq!(server.check_password(&login).json(), status(0));
    let login = Login::password("hapr1", "pw hapr1");
    assert_eq!(server.check_password(&login).json(), status(1));
}

/// A refusal: the status, a JSON `{"error":…}` in passgate's words, none of `markers`.
fn assert_refused(r: &Reply, want: u16, markers: &[&str], what: &str) {
    assert_eq!(r.status, want, "{what}: {r:?}");
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/json"),
        "{what}"
    );
    let body = r.json();
    let message = body["error"].as_str().unwrap();
    assert!(!message.is_empty(), "{what}");
    assert_eq!(body.as_object().unwrap().len(), 1, "{what}: {body}");
    for m in markers {
        assert!(!r.text().contains(m), "{what}: {m} echoed in {body}");
    }
}

#[test]
fn malformed_and_oversized_bodies_are_refused_without_echo() {
    let dir = scratch("serve-malformed");
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), LISTEN],
    );
    let server = Server::start(&config, &[]);
    let markers = ["Zq7user", "Zq7pass", "Zq7other", "7317331"];
    let common: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("not JSON", b"Zq7other {\"username\"".to_vec(), None),
        ("an array", br#"["Zq7user","Zq7pass"]"#.to_vec(), None),
        ("a string", br#""Zq7other""#.to_vec(), None),
        (
            "username a number",
            br#"{"username":7317331,"password":"Zq7pass"}"#.to_vec(),
            Some("username"),
        ),
        (
            "password an object",
            br#"{"username":"Zq7user","password":{"Zq7other":"Zq7pass"}}"#.to_vec(),
            Some("password"),
        ),
        (
            "no username",
            br#"{"password":"Zq7pass","ip":"Zq7other"}"#.to_vec(),
            Some("username"),
        ),
        (
            "not UTF-8",
            b"{\"username\":\"Zq7user\xff\xfe\",\"password\":\"Zq7pass\"}".to_vec(),
            None,
        ),
    ];
    let mut external = common.clone();
    external.push((
        "user a string",
        br#"{"username":"Zq7user","password":"Zq7pass","user":"Zq7other"}"#.to_vec(),
        Some("user"),
    ));
    let mut refused = 0;
    for (path, bad) in [(EXTERNAL_AUTH, &external), (CHECK_PASSWORD, &common)] {
        for (what, body, field) in bad {
            let r = server.post(path, body);
            assert_refused(&r, 400, &markers, &format!("{path} {what}"));
            if let Some(field) = field {
                let message = r.json()["error"].as_str().unwrap().to_owned();
                assert!(message.contains(field), "{path} {what}: {message}");
            }
            refused += 1;
        }
        // One byte over SFTPGo's 1 MiB cap on hook bodies (DP:114).
        let mut big = br#"{"username":"Zq7user","password":""#.to_vec();
        big.resize((1 << 20) - 1, b'Z');
        big.extend_from_slice(br#"q7pass"}"#);
        assert!(big.len() > 1 << 20);
        let r = server.post(path, &big);
        assert_refused(&r, 413, &markers, &format!("{path} oversized"));
    }
    // The service still answers, and counted each refusal.
    let login = Login::password("hapr1", "pw hapr1");
    assert_eq!(server.check_password(&login).json(), status(1));
    let text = server.metrics();
    let malformed = metric(
        &text,
        "passgate_rejections_total",
        &[("reason", "malformed")],
    );
    assert_eq!(malformed, f64::from(refused), "{text}");
    let large = metric(
        &text,
        "passgate_rejections_total",
        &[("reason", "too-large")],
    );
    assert_eq!(large, 2.0, "{text}");
    for m in markers {
        assert!(!text.contains(m), "{m} in metrics");
    }
}

#[test]
fn the_required_header_is_required() {
    let dir = scratch("serve-header");
    let serve = format!("{LISTEN}auth_header = \"X-Passgate-Token\"\nauth_value = \"Zq7-token\"\n");
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), &serve],
    );
    let server = Server::start(&config, &[]);
    let login = Login::password("hapr1", "pw hapr1");
    for (path, body) in [
        (EXTERNAL_AUTH, login.external_auth_json()),
        (CHECK_PASSWORD, login.check_password_json()),
    ] {
        let r = server.post(path, body.as_bytes());
        assert_refused(&r, 401, &["Zq7", "hapr1"], &format!("{path} without"));
        let r = server.post_with(path, body.as_bytes(), &[("X-Passgate-Token", "Zq7-tokem")]);
        assert_refused(&r, 401, &["Zq7", "hapr1"], &format!("{path} wrong"));
        let r = server.post_with(path, body.as_bytes(), &[("X-Passgate-Token", "Zq7-token2")]);
        assert_refused(&r, 401, &["Zq7", "hapr1"], &format!("{path} longer"));
        // Header names are case-insensitive.
        let r = server.post_with(path, body.as_bytes(), &[("x-passgate-token", "Zq7-token")]);
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }
    assert_eq!(server.get("/metrics").status, 401);
    let r = server.get_with("/metrics", &[("X-Passgate-Token", "Zq7-token")]);
    assert_eq!(r.status, 200);
    let unauthorized = metric(
        &r.text(),
        "passgate_rejections_total",
        &[("reason", "unauthorized")],
    );
    assert_eq!(unauthorized, 7.0);
    // Each refusal has its audit line, which never shows the value presented.
    server.wait_lines("reason=unauthorized", 7);
    let stderr = server.stderr().join("\n");
    assert!(!stderr.contains("Zq7"), "{stderr}");
    // Health checks carry no secret.
    assert_eq!(server.get("/healthz").status, 200);
}

/// A copy of the htpasswd fixture in `dir`, and a configuration serving it with `poll`.
fn htpasswd_copy(dir: &Path, poll: u64) -> std::path::PathBuf {
    std::fs::copy(fixtures().join("htpasswd"), dir.join("htpasswd")).unwrap();
    let source = format!("{}poll = {poll}\n", source_toml("htpasswd", dir));
    write_config(dir, &[POLICY, &source, LISTEN])
}

/// The htpasswd fixture without `hbcrypt`, plus `hnew` with hapr1's hash ("pw hapr1").
fn htpasswd_changed() -> String {
    let text = std::fs::read_to_string(fixtures().join("htpasswd")).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("hbcrypt:"))
        .map(str::to_owned)
        .collect();
    lines.push(format!("hnew:{}", fixture_hash("htpasswd", "hapr1")));
    lines.join("\n") + "\n"
}

fn reloads(server: &Server, result: &str) -> f64 {
    server.metric("passgate_source_reloads_total", &[("result", result)])
}

/// After the change to `htpasswd_changed()`: hnew authenticates, hbcrypt no longer does.
fn assert_changed(server: &Server) {
    let hnew = Login::password("hnew", "pw hapr1");
    assert_eq!(server.external_auth(&hnew).json()["username"], "hnew");
    assert_eq!(server.check_password(&hnew).json(), status(1));
    let gone = Login::password("hbcrypt", "pw hbcrypt");
    assert_eq!(server.external_auth(&gone).text(), DENY);
    assert_eq!(server.check_password(&gone).json(), defer("pw hbcrypt"));
}

#[test]
fn a_changed_source_is_reloaded_renamed_or_in_place() {
    let dir = scratch("serve-reload");
    let config = htpasswd_copy(&dir, 1);
    let server = Server::start(&config, &[]);
    let hnew = Login::password("hnew", "pw hapr1");
    assert_eq!(server.external_auth(&hnew).text(), DENY);
    let hbcrypt = Login::password("hbcrypt", "pw hbcrypt");
    assert_eq!(server.external_auth(&hbcrypt).json()["username"], "hbcrypt");

    // Atomically: a new file renamed over the old one.
    let path = dir.join("htpasswd");
    std::fs::write(dir.join("htpasswd.new"), htpasswd_changed()).unwrap();
    std::fs::rename(dir.join("htpasswd.new"), &path).unwrap();
    wait_until("the renamed file's reload", || {
        reloads(&server, "loaded") >= 1.0
    });
    assert_changed(&server);
    assert_eq!(server.metric("passgate_source_accounts", &[]), 4.0);

    // In place: the same file truncated and written again, hbcrypt back and hnew gone.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    file.write_all(&std::fs::read(fixtures().join("htpasswd")).unwrap())
        .unwrap();
    drop(file);
    wait_until("the rewritten file's reload", || {
        reloads(&server, "loaded") >= 2.0
    });
    assert_eq!(server.external_auth(&hnew).text(), DENY);
    assert_eq!(server.external_auth(&hbcrypt).json()["username"], "hbcrypt");
    assert_eq!(reloads(&server, "failed"), 0.0);
    server.wait_stderr("source-reloaded trigger=changed");
}

#[test]
fn sighup_reloads_the_source() {
    let dir = scratch("serve-sighup");
    // An hour between looks: only the signal reloads here.
    let config = htpasswd_copy(&dir, 3600);
    let server = Server::start(&config, &[]);
    std::fs::write(dir.join("htpasswd"), htpasswd_changed()).unwrap();
    let hnew = Login::password("hnew", "pw hapr1");
    assert_eq!(server.external_auth(&hnew).text(), DENY);
    server.signal(Signal::SIGHUP);
    wait_until("the SIGHUP reload", || reloads(&server, "loaded") >= 1.0);
    assert_changed(&server);
    server.wait_stderr("source-reloaded trigger=sighup");
    // Still serving after the signal.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn an_unreadable_source_keeps_the_accounts_in_use() {
    let dir = scratch("serve-bad-source");
    let config = htpasswd_copy(&dir, 1);
    let server = Server::start(&config, &[]);
    // shadow lines in the htpasswd file: the importer refuses the whole file.
    std::fs::copy(fixtures().join("shadow"), dir.join("htpasswd")).unwrap();
    wait_until("the failed reload", || reloads(&server, "failed") >= 1.0);
    let hbcrypt = Login::password("hbcrypt", "pw hbcrypt");
    assert_eq!(server.external_auth(&hbcrypt).json()["username"], "hbcrypt");
    assert_eq!(server.check_password(&hbcrypt).json(), status(1));
    assert_eq!(reloads(&server, "loaded"), 0.0);
    assert_eq!(server.metric("passgate_source_accounts", &[]), 4.0);
    server.wait_stderr("source-reload-failed");
    let lines = server.stderr();
    let failed = lines
        .iter()
        .find(|l| l.contains("source-reload-failed"))
        .unwrap();
    // The cause, once, and the accounts kept.
    assert_eq!(
        failed.matches("looks like a shadow file").count(),
        1,
        "{failed}"
    );
    assert!(failed.contains("kept_accounts=4"), "{failed}");
    // A removed file too; a SIGHUP reload fails the same way.
    std::fs::remove_file(dir.join("htpasswd")).unwrap();
    server.signal(Signal::SIGHUP);
    server.wait_stderr("source-reload-failed trigger=sighup");
    assert_eq!(server.check_password(&hbcrypt).json(), status(1));
    // The looks go on failing, each distinct error logged once: the layout, the removal.
    let failed = reloads(&server, "failed");
    wait_until("more failed looks", || {
        reloads(&server, "failed") >= failed + 2.0
    });
    let logged = server
        .stderr()
        .iter()
        .filter(|l| l.contains("source-reload-failed trigger=changed"))
        .count();
    assert_eq!(logged, 2, "{:#?}", server.stderr());
}

/// Pure-FTPd's argon2id at m = 8 MiB, t = 255 (pure-pw via libsodium): seconds per
/// verification, so requests stay in flight.
fn slow_pure_ftpd(dir: &Path, serve: &str) -> std::path::PathBuf {
    write_config(
        dir,
        &[POLICY, &source_toml("pure-ftpd", &fixtures()), serve],
    )
}

#[test]
fn sigterm_lets_requests_in_flight_finish() {
    let dir = scratch("serve-sigterm");
    let config = slow_pure_ftpd(&dir, "[serve]\nlisten = \"127.0.0.1:0\"\nworkers = 1\n");
    let mut server = Server::start(&config, &[]);
    assert_eq!(server.get("/healthz").status, 200);
    let right = Login::password("alice", "pw alice");
    let wrong = Login::password("alice", "pw alicf");
    let answered = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let (server, answered) = (&server, &answered);
        let spawn = |path: &'static str, body: String| {
            s.spawn(move || {
                let r = server.post(path, body.as_bytes());
                answered.fetch_add(1, Ordering::SeqCst);
                r
            })
        };
        let first = spawn(CHECK_PASSWORD, right.check_password_json());
        wait_until("the first request on the worker", || {
            server.metric("passgate_queue_wait_seconds_count", &[]) == 1.0
        });
        let second = spawn(EXTERNAL_AUTH, right.external_auth_json());
        let third = spawn(EXTERNAL_AUTH, wrong.external_auth_json());
        wait_until("two requests queued", || {
            server.metric("passgate_queue_depth", &[]) == 2.0
        });
        server.signal(Signal::SIGTERM);
        assert!(
            answered.load(Ordering::SeqCst) < 3,
            "every request was answered before SIGTERM"
        );
        server.wait_stderr("shutting-down");
        // New connections are refused once the listener is closed.
        wait_until("connections to be refused", || {
            TcpStream::connect(server.addr).is_err()
        });
        assert_eq!(first.join().unwrap().json(), status(1));
        let user = second.join().unwrap().json();
        assert_eq!(user["username"], "alice");
        assert_eq!(user["home_dir"], "/srv/ftp/alice");
        assert_eq!(third.join().unwrap().text(), DENY);
    });
    let exit = server.wait_exit();
    assert_eq!(exit.code(), Some(0), "{:?}", server.stderr());
    server.wait_stderr("stopped");
    let attempts = server
        .stderr()
        .iter()
        .filter(|l| l.contains(" attempt "))
        .count();
    assert_eq!(attempts, 3);
}

/// A self-signed certificate for 127.0.0.1 and its key, written by `openssl`.
fn certificate(dir: &Path) -> (Vec<u8>, std::path::PathBuf, std::path::PathBuf) {
    let (key, cert) = (dir.join("k.pem"), dir.join("c.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-days", "1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        // rustls checks the name in subjectAltName only, and refuses a CA as a server.
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .output()
        .expect("the openssl command is needed to make a test certificate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (std::fs::read(&cert).unwrap(), cert, key)
}

#[test]
fn https_with_the_configured_certificate() {
    let dir = scratch("serve-tls");
    let (pem, cert, key) = certificate(&dir);
    let serve = format!(
        "{LISTEN}tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        cert.display(),
        key.display()
    );
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), &serve],
    );
    let server = Server::start_tls(&config, &[], &pem);
    assert!(server.stderr().iter().any(|l| l.contains("tls=true")));
    assert_eq!(server.get("/healthz").status, 200);
    let login = Login::password("hapr1", "pw hapr1");
    assert_eq!(server.check_password(&login).json(), status(1));
    assert_eq!(server.external_auth(&login).json()["username"], "hapr1");
    let wrong = Login::password("hapr1", "pw hapr2");
    assert_eq!(server.external_auth(&wrong).text(), DENY);
    // Nothing is answered in clear text.
    let mut plain = TcpStream::connect(server.addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
}

#[test]
fn a_full_queue_is_503_with_retry_after() {
    let dir = scratch("serve-queue");
    let config = slow_pure_ftpd(
        &dir,
        "[serve]\nlisten = \"127.0.0.1:0\"\nworkers = 1\nqueue = 1\n",
    );
    let server = Server::start(&config, &[]);
    let alice = Login::password("alice", "pw alice");
    std::thread::scope(|s| {
        let server = &server;
        let on_worker = s.spawn(|| server.check_password(&alice));
        wait_until("a request on the worker", || {
            server.metric("passgate_queue_wait_seconds_count", &[]) == 1.0
        });
        let queued = s.spawn(|| server.external_auth(&alice));
        wait_until("a request queued", || {
            server.metric("passgate_queue_depth", &[]) == 1.0
        });
        for (what, r) in [
            ("check-password", server.check_password(&alice)),
            ("external-auth", server.external_auth(&alice)),
        ] {
            assert_refused(&r, 503, &["alice"], what);
            let after: u64 = r.retry_after.as_deref().unwrap().parse().unwrap();
            assert!(after >= 1, "{what}: {after}");
        }
        assert_eq!(on_worker.join().unwrap().json(), status(1));
        assert_eq!(queued.join().unwrap().json()["username"], "alice");
    });
    let text = server.metrics();
    assert_eq!(
        metric(
            &text,
            "passgate_rejections_total",
            &[("reason", "queue-full")]
        ),
        2.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "passgate_attempts_total", &[("outcome", "allow")]),
        2.0,
        "{text}"
    );
}

/// Logins carrying marker strings in every field, through both hooks; returns the secrets
/// (passwords and hashes) and the other markers.
fn marked_logins(server: &Server) -> (Vec<String>, Vec<String>) {
    let hash = fixture_hash("htpasswd", "hbcrypt");
    let secrets = vec![
        "Zq7secret-pw".to_owned(),
        "pw hbcrypt".to_owned(),
        hash.clone(),
    ];
    let mut unknown = Login::password("Zq7user", "Zq7secret-pw");
    unknown.ip = "198.51.100.77".into();
    unknown.protocol = "FTP".into();
    let stored = Login::password("Zq7stored", "pw hbcrypt").stored(stored_user("Zq7stored", &hash));
    let mut wrong = stored.clone();
    wrong.password = "Zq7secret-pw".into();
    for login in [&unknown, &stored, &wrong] {
        assert_eq!(server.external_auth(login).status, 200);
        assert_eq!(server.check_password(login).status, 200);
    }
    let hapr1 = Login::password("hapr1", "pw hapr1");
    assert_eq!(server.check_password(&hapr1).json(), status(1));
    let others = vec![
        "Zq7user".to_owned(),
        "Zq7stored".to_owned(),
        "198.51.100.77".to_owned(),
    ];
    (secrets, others)
}

#[test]
fn metrics_and_text_audit_lines_hold_no_secret() {
    let dir = scratch("serve-metrics");
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), LISTEN],
    );
    let server = Server::start(&config, &[]);
    let (secrets, others) = marked_logins(&server);
    let text = server.metrics();
    assert!(text.ends_with("# EOF\n"), "{text}");
    for m in secrets
        .iter()
        .chain(&others)
        .chain([&"pw hapr1".to_owned()])
    {
        assert!(!text.contains(m.as_str()), "{m} in metrics");
    }
    // The attempts, by fixed vocabularies only.
    let attempts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("passgate_attempts_total{"))
        .collect();
    assert!(!attempts.is_empty(), "{text}");
    for line in &attempts {
        for label in ["hook=", "outcome=", "reason=", "scheme="] {
            assert!(line.contains(label), "{line}");
        }
    }
    let allowed = [
        ("hook", "external-auth"),
        ("outcome", "allow"),
        ("reason", "verified"),
        ("scheme", "bcrypt"),
    ];
    assert_eq!(
        metric(&text, "passgate_attempts_total", &allowed),
        1.0,
        "{text}"
    );
    let wrong = [("reason", "wrong-password"), ("scheme", "bcrypt")];
    assert_eq!(
        metric(&text, "passgate_attempts_total", &wrong),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "passgate_attempts_total",
            &[("hook", "check-password")]
        ),
        4.0
    );

    // One text audit line per attempt: time first, then key=value fields.
    server.wait_lines(" attempt ", 7);
    let lines = server.stderr();
    let audit: Vec<&String> = lines.iter().filter(|l| l.contains(" attempt ")).collect();
    assert_eq!(audit.len(), 7, "{lines:#?}");
    for line in &audit {
        let time = line.split(' ').next().unwrap();
        assert!(
            time.len() >= 20 && time.ends_with('Z') && time.contains('T'),
            "{line}"
        );
        for key in [
            "hook=",
            "user=",
            "ip=",
            "protocol=",
            "outcome=",
            "reason=",
            "scheme=",
            "ms=",
        ] {
            assert!(line.contains(&format!(" {key}")), "{key}: {line}");
        }
    }
    assert!(
        audit
            .iter()
            .any(|l| l.contains("user=Zq7user ip=198.51.100.77 protocol=FTP"))
    );
    for m in &secrets {
        assert!(!lines.join("\n").contains(m.as_str()), "{m} on stderr");
    }
}

#[test]
fn json_audit_lines_hold_no_secret() {
    let dir = scratch("serve-json-log");
    let config = write_config(
        &dir,
        &[POLICY, &source_toml("htpasswd", &fixtures()), LISTEN],
    );
    let server = Server::start(&config, &["--log-format", "json"]);
    let (secrets, _) = marked_logins(&server);
    server.wait_lines(r#""event":"attempt""#, 7);
    let lines = server.stderr();
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let audit: Vec<&Value> = events.iter().filter(|e| e["event"] == "attempt").collect();
    assert_eq!(audit.len(), 7, "{lines:#?}");
    for a in &audit {
        for key in [
            "time", "user", "ip", "protocol", "hook", "outcome", "reason", "scheme", "ms",
        ] {
            assert!(a.get(key).is_some(), "{key}: {a}");
        }
        assert!(a["ms"].as_f64().unwrap() >= 0.0);
    }
    let unknown = audit
        .iter()
        .find(|a| a["user"] == "Zq7user" && a["hook"] == "external-auth");
    let unknown = unknown.unwrap();
    assert_eq!(unknown["ip"], "198.51.100.77");
    assert_eq!(unknown["protocol"], "FTP");
    assert_eq!(unknown["outcome"], "deny");
    assert_eq!(unknown["reason"], "unknown-user");
    assert_eq!(unknown["scheme"], Value::Null);
    let stored = audit
        .iter()
        .find(|a| a["user"] == "Zq7stored" && a["outcome"] == "allow")
        .unwrap();
    assert_eq!(stored["scheme"], "bcrypt");
    for m in &secrets {
        assert!(!lines.join("\n").contains(m.as_str()), "{m} on stderr");
    }
}
