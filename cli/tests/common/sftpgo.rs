//! SFTPGo's side of its external auth and check-password hooks, for the tests of
//! `passgate serve` and `passgate sftpgo`: the importer fixtures' accounts with what
//! passgate's legacy source must answer for them, the requests SFTPGo sends (HTTP bodies and
//! program environments) and the users it stores.
//!
//! `DP:n` = `drakkan/sftpgo@42f7a4d4 internal/dataprovider/dataprovider.go:n`
//! (research: `sftpgo-hooks.md` §1, §2).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The importer's fixtures, written by the real tools (`tests/fixtures/import/README.md`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

/// The `[policy]` of every test configuration: a cheap dummy verification (bcrypt cost 4)
/// and pure-pw's argon2id at t = 255 within the limits (its t = 511 hashes stay above).
pub const POLICY: &str = "[policy]\ncost = 4\nmax_argon2_time = 300\n";

/// The legacy formats and their fixture files.
pub const FORMATS: &[(&str, &str)] = &[
    ("shadow", "shadow"),
    ("pure-ftpd", "pureftpd.passwd"),
    ("proftpd", "proftpd.passwd"),
    ("htpasswd", "htpasswd"),
];

/// Homes for htpasswd accounts, which have none (as `passgate import --home-base`).
pub const HOME_BASE: &str = "/srv/sftpgo";

/// The fixture file of `format`.
pub fn fixture_file(format: &str) -> &'static str {
    FORMATS.iter().find(|(f, _)| *f == format).unwrap().1
}

/// The `[source]` section reading `format`'s file from `dir` (the fixtures or a copy).
pub fn source_toml(format: &str, dir: &Path) -> String {
    let mut s = format!(
        "[source]\nformat = \"{format}\"\npath = \"{}\"\n",
        dir.join(fixture_file(format)).display()
    );
    match format {
        "shadow" => writeln!(s, "passwd = \"{}\"", dir.join("passwd").display()).unwrap(),
        "htpasswd" => writeln!(s, "home_base = \"{HOME_BASE}\"").unwrap(),
        _ => {}
    }
    s
}

/// Writes `passgate.toml` from `sections` into `dir`.
pub fn write_config(dir: &Path, sections: &[&str]) -> PathBuf {
    let path = dir.join("passgate.toml");
    std::fs::write(&path, sections.join("\n")).unwrap();
    path
}

/// The stored field of `user` in a fixture file (`user:field:…`).
pub fn fixture_hash(file: &str, user: &str) -> String {
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{user}:")))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("{file}: no {user}"))
        .to_owned()
}

/// Hashes SFTPGo cannot read (so `expect.tsv` says `skipped:Unreadable`) that passgate's
/// legacy source verifies: DES crypt (chpasswd, ftpasswd, htpasswd -d) and `{SHA}`
/// (htpasswd -s). htpasswd -p's plaintext (`hplain`) is no hash: not a legacy account.
const PASSGATE_READS: &[&str] = &["desu", "pdes", "hdes", "hsha"];

/// pure-pw's argon2id at t = 511, above [`POLICY`]'s `max_argon2_time = 300`.
const ABOVE_LIMITS: &[&str] = &["bob", "carol"];

/// What passgate's legacy source makes of an account's own password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    /// The hash verifies it.
    Verifies,
    /// The account exists and never authenticates, for this reason (the audit's name).
    Refused(&'static str),
    /// The source holds no such account.
    Absent,
}

/// One line of `expect.tsv`: FORMAT USER PASSWORD EXPECT, where EXPECT is what importing
/// into SFTPGo gives.
#[derive(Clone, Debug)]
pub struct Row {
    pub format: String,
    pub user: String,
    pub password: String,
    pub expect: String,
}

impl Row {
    /// The password to log in with: the one the tool was given, or for accounts that never
    /// had one a made-up one (an empty password is no password login).
    pub fn password(&self) -> String {
        if self.password.is_empty() {
            format!("pw {}", self.user)
        } else {
            self.password.clone()
        }
    }

    /// A wrong password: one character more, in front, since DES crypt reads only the
    /// first eight.
    pub fn wrong_password(&self) -> String {
        wrong(&self.password())
    }

    /// What the legacy source must make of [`password`](Self::password).
    pub fn legacy(&self) -> Legacy {
        match self.expect.as_str() {
            "imported" if self.shadow_expired() => Legacy::Refused("expired"),
            "imported" if ABOVE_LIMITS.contains(&self.user.as_str()) => {
                Legacy::Refused("hash-refused")
            }
            "imported" => Legacy::Verifies,
            // shadow's inactivity period has passed (chage -I): disabled, hash kept.
            "disabled" => Legacy::Refused("disabled"),
            "skipped:Locked" => Legacy::Refused("locked"),
            "skipped:Unreadable" if PASSGATE_READS.contains(&self.user.as_str()) => {
                Legacy::Verifies
            }
            "skipped:Unreadable" | "skipped:UsernameNotAccepted" | "error" => Legacy::Absent,
            other => panic!("{}: unknown expectation {other}", self.user),
        }
    }

    /// Whether the shadow line's expiry day (field 8, days since the epoch) has passed.
    fn shadow_expired(&self) -> bool {
        if self.format != "shadow" {
            return false;
        }
        let field = fixture_line("shadow", &self.user)
            .split(':')
            .nth(7)
            .unwrap()
            .to_owned();
        let today = now_ms() / 86_400_000;
        field
            .parse::<i64>()
            .is_ok_and(|day| day > 0 && day <= today)
    }
}

fn fixture_line(format: &str, user: &str) -> String {
    std::fs::read_to_string(fixtures().join(fixture_file(format)))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&format!("{user}:")))
        .unwrap()
        .to_owned()
}

/// `password` with one character more, in front (DES crypt reads only the first eight).
pub fn wrong(password: &str) -> String {
    format!("x{password}")
}

/// The rows of `format` in `expect.tsv`.
pub fn rows(format: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures().join("expect.tsv")).unwrap();
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|line| {
            let [f, user, password, expect] = line.split('\t').collect::<Vec<_>>()[..] else {
                panic!("expect.tsv: {line}");
            };
            (f == format).then(|| Row {
                format: f.to_owned(),
                user: user.to_owned(),
                password: password.to_owned(),
                expect: expect.to_owned(),
            })
        })
        .collect();
    assert!(!rows.is_empty(), "{format}: no rows");
    rows
}

/// Milliseconds since the epoch, as SFTPGo's dates.
pub fn now_ms() -> i64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(d.as_millis()).unwrap()
}

/// A user as SFTPGo stores it and marshals it into a hook request (`sftpgo/sdk user.go`
/// `BaseUser`, `omitempty` fields left out when empty): `id` > 0, enabled, its `password`
/// SFTPGo's stored hash.
pub fn stored_user(username: &str, hash: &str) -> Value {
    json!({
        "id": 42,
        "status": 1,
        "username": username,
        "expiration_date": 0,
        "password": hash,
        "home_dir": format!("/srv/sftpgo/data/{username}"),
        "uid": 0,
        "gid": 0,
        "max_sessions": 0,
        "quota_size": 0,
        "quota_files": 0,
        "permissions": {"/": ["*"]},
        "used_quota_size": 1024,
        "used_quota_files": 3,
        "upload_data_transfer": 0,
        "download_data_transfer": 0,
        "total_data_transfer": 0,
        "last_login": 1_767_225_600_000i64,
        "created_at": 1_735_689_600_000i64,
        "updated_at": 1_767_225_600_000i64,
        "additional_info": "migrated from the old server",
        "filters": {
            "hooks": {
                "external_auth_disabled": false,
                "pre_login_disabled": false,
                "check_password_disabled": false
            },
            "totp_config": {"secret": {}}
        },
        "filesystem": {"provider": 0, "s3config": {}, "gcsconfig": {}, "azblobconfig": {},
            "cryptconfig": {}, "sftpconfig": {}, "httpconfig": {}}
    })
}

/// One login as SFTPGo hands it to its hooks.
#[derive(Clone, Debug)]
pub struct Login {
    pub username: String,
    pub password: String,
    pub ip: String,
    pub protocol: String,
    pub public_key: String,
    pub keyboard_interactive: String,
    pub tls_cert: String,
    /// The user SFTPGo stores, sent only when it has one (`user.ID > 0`, DP:4444).
    pub user: Option<Value>,
}

impl Login {
    /// A password login over SSH (`CheckUserAndPass` → `doExternalAuth(username, password,
    /// nil, "", ip, protocol, nil)`, DP:1329) of a user SFTPGo does not store.
    pub fn password(username: &str, password: &str) -> Self {
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
            ip: "192.0.2.10".to_owned(),
            protocol: "SSH".to_owned(),
            public_key: String::new(),
            keyboard_interactive: String::new(),
            tls_cert: String::new(),
            user: None,
        }
    }

    /// The same login of a user SFTPGo stores.
    pub fn stored(mut self, user: Value) -> Self {
        self.user = Some(user);
        self
    }

    /// External auth's HTTP body: a Go map marshalled, so its keys are sorted (as
    /// serde_json's are), with `user` only for a stored user (DP:4436-4446).
    pub fn external_auth_json(&self) -> String {
        let mut body = json!({
            "username": self.username,
            "ip": self.ip,
            "password": self.password,
            "public_key": self.public_key,
            "protocol": self.protocol,
            "keyboard_interactive": self.keyboard_interactive,
            "tls_cert": self.tls_cert,
        });
        if let Some(user) = &self.user {
            body["user"] = user.clone();
        }
        body.to_string()
    }

    /// Check-password's HTTP body: `checkPasswordRequest` marshalled, fields in the
    /// struct's order (DP:742-747, built at DP:4193-4199).
    pub fn check_password_json(&self) -> String {
        let q = |s: &str| Value::String(s.to_owned()).to_string();
        format!(
            r#"{{"username":{},"ip":{},"password":{},"protocol":{}}}"#,
            q(&self.username),
            q(&self.ip),
            q(&self.password),
            q(&self.protocol)
        )
    }

    /// External auth's program environment, the whole of it: SFTPGo sets exactly these
    /// (DP:4478-4486), `SFTPGO_AUTHD_USER` empty for a user it does not store.
    pub fn external_auth_env(&self) -> Vec<(&'static str, String)> {
        let user = self.user.as_ref().map(Value::to_string).unwrap_or_default();
        vec![
            ("SFTPGO_AUTHD_USERNAME", self.username.clone()),
            ("SFTPGO_AUTHD_USER", user),
            ("SFTPGO_AUTHD_IP", self.ip.clone()),
            ("SFTPGO_AUTHD_PASSWORD", self.password.clone()),
            ("SFTPGO_AUTHD_PUBLIC_KEY", self.public_key.clone()),
            ("SFTPGO_AUTHD_PROTOCOL", self.protocol.clone()),
            ("SFTPGO_AUTHD_TLS_CERT", self.tls_cert.replace('\n', "\\n")),
            (
                "SFTPGO_AUTHD_KEYBOARD_INTERACTIVE",
                self.keyboard_interactive.clone(),
            ),
        ]
    }

    /// Check-password's program environment, the whole of it (DP:4219-4223).
    pub fn check_password_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SFTPGO_AUTHD_USERNAME", self.username.clone()),
            ("SFTPGO_AUTHD_PASSWORD", self.password.clone()),
            ("SFTPGO_AUTHD_IP", self.ip.clone()),
            ("SFTPGO_AUTHD_PROTOCOL", self.protocol.clone()),
        ]
    }
}

/// External auth's denial (DP:4568-4570: an empty `username` is invalid credentials).
pub const DENY: &str = r#"{"username":""}"#;

/// A check-password answer (DP:749-755).
pub fn status(n: u8) -> Value {
    json!({ "status": n })
}

/// Check-password's deferral: SFTPGo verifies `to_verify` against its own hash (DP:3645-3648).
pub fn defer(password: &str) -> Value {
    json!({ "status": 2, "to_verify": password })
}

/// The users `passgate import` writes for `format`'s fixture, by name: what external auth
/// must answer for a legacy account SFTPGo does not store, less the password.
pub fn imported_users(format: &str, scratch: &Path) -> std::collections::BTreeMap<String, Value> {
    let dir = fixtures();
    let out = scratch.join(format!("import-{format}.json"));
    let input = dir.join(fixture_file(format));
    let passwd = dir.join("passwd");
    let mut args = vec![
        "import".to_owned(),
        "--format".to_owned(),
        format.to_owned(),
        input.display().to_string(),
        "-o".to_owned(),
        out.display().to_string(),
    ];
    match format {
        "shadow" => args.extend(["--passwd".to_owned(), passwd.display().to_string()]),
        "htpasswd" => args.extend(["--home-base".to_owned(), HOME_BASE.to_owned()]),
        _ => {}
    }
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    // 1: some lines were refused (locked, unreadable…), as `expect.tsv` says.
    assert!(matches!(status.code(), Some(0 | 1)), "{format}: {status}");
    let dump: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    dump["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let mut u = u.clone();
            u.as_object_mut().unwrap().remove("password");
            (u["username"].as_str().unwrap().to_owned(), u)
        })
        .collect()
}

/// Checks a user external auth answers for a legacy account SFTPGo does not store: what
/// `passgate import` writes for it (when it imports it) less the password, and in any case
/// a user SFTPGo's `addUser` accepts, never with a password.
pub fn assert_imported_user(
    answer: &Value,
    row: &Row,
    imported: &std::collections::BTreeMap<String, Value>,
) {
    let who = format!("{} {}", row.format, row.user);
    let user = answer
        .as_object()
        .unwrap_or_else(|| panic!("{who}: {answer}"));
    assert!(!user.contains_key("password"), "{who}: {answer}");
    assert_eq!(user["username"], row.user.as_str(), "{who}");
    assert_eq!(user["status"], 1, "{who}");
    assert_eq!(user["permissions"], json!({"/": ["*"]}), "{who}");
    assert!(
        user["home_dir"].as_str().unwrap().starts_with('/'),
        "{who}: {answer}"
    );
    if let Some(want) = imported.get(&row.user) {
        assert_eq!(answer, want, "{who}: not the importer's user");
    } else {
        // The importer skips what SFTPGo cannot verify (DES crypt, {SHA}).
        assert_eq!(row.expect, "skipped:Unreadable", "{who}");
    }
}
