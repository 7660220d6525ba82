//! `passgate import` on files written by the real tools (`useradd`/`chpasswd`, `pure-pw`,
//! `ftpasswd`, `htpasswd`): every imported hash verifies with the password the tool was given,
//! every refusal says why, the output is what SFTPGo's `loaddata` accepts, and it matches
//! SFTPGo's `convertusers` except where we fixed its bugs. Plus hostile inputs.
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use bin::passgate;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    // Beside the library's tests, where the fixtures' generator lives.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

fn scratch(name: &str) -> PathBuf {
    let mut random = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "passgate-import-{name}-{}-{:x}",
        std::process::id(),
        u64::from_le_bytes(random)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Fields of SFTPGo's OpenAPI `User` schema that the importer may write (openapi/openapi.yaml,
/// SFTPGo commit 42f7a4d4).
const USER_FIELDS: &[&str] = &[
    "username",
    "status",
    "expiration_date",
    "password",
    "home_dir",
    "uid",
    "gid",
    "max_sessions",
    "quota_size",
    "quota_files",
    "permissions",
    "upload_bandwidth",
    "download_bandwidth",
    "filters",
    "filesystem",
];

/// The prefixes SFTPGo stores as hashes (`hashPwdPrefixes`, internal/dataprovider/
/// dataprovider.go at 42f7a4d4). Any other non-empty password is hashed as plaintext.
const SFTPGO_HASH_PREFIXES: &[&str] = &[
    "$argon2id$",
    "$2a$",
    "$pbkdf2-sha1$",
    "$pbkdf2-sha256$",
    "$pbkdf2-sha512$",
    "$pbkdf2-b64salt-sha256$",
    "$1$",
    "$apr1$",
    "{MD5}",
    "{SHA256}",
    "{SHA512}",
    "$5$",
    "$6$",
    "$y$",
];

/// What SFTPGo's `loaddata` checks, any failure of which stops the whole restore.
fn assert_sftpgo_accepts(dump: &Value) {
    assert_eq!(dump["version"], 17);
    assert!(
        dump.get("configs").is_none(),
        "configs would replace the server's"
    );
    for key in [
        "folders",
        "groups",
        "admins",
        "api_keys",
        "shares",
        "event_actions",
        "event_rules",
        "roles",
        "ip_lists",
    ] {
        assert_eq!(dump[key], json!([]), "{key}");
    }
    for user in dump["users"].as_array().unwrap() {
        let u = user.as_object().unwrap();
        for key in u.keys() {
            assert!(USER_FIELDS.contains(&key.as_str()), "{key}");
        }
        let name = u["username"].as_str().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.~".contains(&c)),
            "{name}"
        );
        assert!(u["home_dir"].as_str().unwrap().starts_with('/'), "{name}");
        assert!([json!(0), json!(1)].contains(&u["status"]), "{name}");
        for id in ["uid", "gid"] {
            assert!(u[id].as_u64().unwrap() <= i32::MAX as u64, "{name}");
        }
        let pw = u["password"].as_str().unwrap();
        assert!(
            pw.is_empty() || SFTPGO_HASH_PREFIXES.iter().any(|p| pw.starts_with(p)),
            "{name}: SFTPGo would store this as a plaintext password"
        );
        assert_eq!(u["permissions"], json!({"/": ["*"]}));
        assert_eq!(u["filesystem"], json!({"provider": 0}));
        for list in ["allowed_ip", "denied_ip"] {
            for cidr in u["filters"][list].as_array().unwrap() {
                let (ip, prefix) = cidr.as_str().unwrap().split_once('/').unwrap();
                let ip: IpAddr = ip.parse().unwrap();
                let prefix: u32 = prefix.parse().unwrap();
                assert!(prefix <= if ip.is_ipv4() { 32 } else { 128 }, "{cidr}");
            }
        }
    }
}

struct Run {
    code: i32,
    report: Value,
    dump: Option<Value>,
    printed: String,
}

fn import(dir: &Path, format: &str, input: &str, extra: &[&str]) -> Run {
    let out_dir = scratch("out");
    let output = out_dir.join("users.json");
    let input = dir.join(input);
    let mut args = vec![
        "import",
        "--json",
        "--format",
        format,
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = passgate(&args, b"");
    let dump = std::fs::read(&output).ok().map(|b| {
        let mode = std::fs::metadata(&output).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        serde_json::from_slice(&b).unwrap()
    });
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {printed}"));
    std::fs::remove_dir_all(out_dir).unwrap();
    Run {
        code: out.status.code().unwrap(),
        report,
        dump,
        printed,
    }
}

/// Runs the import of each format in `dir` and checks every line of `expect.tsv`.
fn check_generated(dir: &Path) -> BTreeMap<&'static str, Value> {
    let expect = std::fs::read_to_string(dir.join("expect.tsv")).unwrap();
    let mut dumps = BTreeMap::new();
    let passwd = dir.join("passwd");
    for (format, input, extra) in [
        (
            "shadow",
            "shadow",
            vec!["--passwd", passwd.to_str().unwrap()],
        ),
        ("pure-ftpd", "pureftpd.passwd", vec![]),
        ("proftpd", "proftpd.passwd", vec![]),
        ("htpasswd", "htpasswd", vec!["--home-base", "/srv/sftpgo"]),
    ] {
        let run = import(dir, format, input, &extra);
        let dump = run.dump.expect("a dump is written");
        assert_sftpgo_accepts(&dump);
        let text = std::fs::read_to_string(dir.join(input)).unwrap();
        // Never a hash on stdout or stderr.
        for line in text.lines() {
            if let Some(hash) = line.split(':').nth(1).filter(|h| h.len() > 4) {
                assert!(!run.printed.contains(hash), "{format}: printed a hash");
            }
        }
        let events = run.report["events"].as_array().unwrap();
        let users: BTreeMap<&str, &Value> = dump["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["username"].as_str().unwrap(), u))
            .collect();
        let mut refused = false;
        for row in expect
            .lines()
            .filter(|l| l.starts_with(&format!("{format}\t")))
        {
            let [_, user, password, want] = row.split('\t').collect::<Vec<_>>()[..] else {
                panic!("{row}");
            };
            let line = 1 + text
                .lines()
                .position(|l| l.starts_with(&format!("{user}:")))
                .unwrap() as u64;
            let event = events
                .iter()
                .find(|e| e["line"] == line)
                .unwrap_or_else(|| panic!("{format} {user}: no event"));
            let stored_in = text
                .lines()
                .nth(line as usize - 1)
                .unwrap()
                .split(':')
                .nth(1)
                .unwrap();
            match want {
                "imported" | "disabled" => {
                    assert_eq!(event["result"], want, "{format} {user}: {event}");
                    let u = users[user];
                    assert_eq!(u["status"], if want == "imported" { 1 } else { 0 });
                    let hash = u["password"].as_str().unwrap();
                    let parsed = passgate::StoredHash::parse(hash)
                        .unwrap_or_else(|e| panic!("{format} {user}: {e}"));
                    // pure-pw (libsodium) writes argon2id at t = 255..511, m = 8 MiB: seconds
                    // per verify, above the default time cap.
                    let notes = event["notes"].to_string();
                    let over = passgate::Policy::default().check_hash(&parsed).is_err();
                    assert_eq!(over, notes.contains("AboveDefaultLimits"), "{notes}");
                    let mut policy = passgate::Policy::default();
                    policy.max_argon2_time = 1024;
                    policy
                        .verify(hash, password.as_bytes())
                        .unwrap_or_else(|e| panic!("{format} {user}: {e}"));
                    if parsed.scheme() == passgate::Scheme::Yescrypt {
                        assert_eq!(hash, stored_in, "written unchanged");
                        assert!(notes.contains("UnixcryptOnly"), "{notes}");
                    }
                    if parsed.scheme() != passgate::Scheme::Argon2id {
                        assert!(passgate::verify(hash, b"wrong").is_err());
                        // And through the binary, as an admin would check it.
                        let out = passgate(&["verify", hash], password.as_bytes());
                        assert_eq!(out.status.code(), Some(0), "{format} {user}");
                    }
                }
                "error" => {
                    assert_eq!(event["result"], "error", "{format} {user}: {event}");
                    assert!(!users.contains_key(user));
                    refused = true;
                }
                skipped => {
                    let reason = skipped.strip_prefix("skipped:").unwrap();
                    assert_eq!(event["result"], "skipped", "{format} {user}: {event}");
                    assert_eq!(event["reason"], reason, "{format} {user}: {event}");
                    assert!(!event["message"].as_str().unwrap().is_empty());
                    assert!(!users.contains_key(user));
                    refused = true;
                }
            }
        }
        assert_eq!(run.code, if refused { 1 } else { 0 }, "{format}");
        dumps.insert(format, dump);
    }
    dumps
}

#[test]
fn committed_fixtures_verify_and_report() {
    let dumps = check_generated(&fixtures());
    let shadow = &dumps["shadow"]["users"];
    let by_name = |name: &str| {
        shadow
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()
            .clone()
    };
    // chage -E 2001-01-01 → 11323 days; 2099-12-31 → 47481 days; in ms.
    assert_eq!(
        by_name("expiredu")["expiration_date"],
        11_323i64 * 86_400_000
    );
    assert_eq!(
        by_name("futureu")["expiration_date"],
        47_481i64 * 86_400_000
    );
    assert_eq!(
        by_name("changeu")["filters"]["require_password_change"],
        true
    );
    assert!(
        by_name("bcryptu")["password"]
            .as_str()
            .unwrap()
            .starts_with("$2a$05$")
    );
    let pure = &dumps["pure-ftpd"]["users"];
    let alice = pure
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "alice")
        .unwrap();
    assert_eq!(alice["home_dir"], "/srv/ftp/alice");
    assert_eq!(
        (
            alice["upload_bandwidth"].as_i64(),
            alice["download_bandwidth"].as_i64()
        ),
        (Some(200), Some(100))
    );
    assert_eq!(
        (
            alice["max_sessions"].as_i64(),
            alice["quota_files"].as_i64(),
            alice["quota_size"].as_i64()
        ),
        (Some(5), Some(1000), Some(52_428_800))
    );
    assert_eq!(
        alice["filters"]["allowed_ip"],
        json!(["192.168.1.0/24", "10.0.0.1/32"])
    );
    assert_eq!(alice["filters"]["denied_ip"], json!(["10.9.9.9/32"]));
    let htpasswd = &dumps["htpasswd"]["users"][0];
    assert_eq!(htpasswd["home_dir"], "/srv/sftpgo/hbcrypt");
}

/// Users SFTPGo's `convertusers` writes and passgate refuses, with the reason (README:
/// "Differences from convertusers").
const REFUSED_BY_US: &[(&str, &str, &str)] = &[
    ("shadow", "root", "Locked"),               // `*` copied as a password
    ("shadow", "lockedu", "Locked"),            // `!$6$…` copied
    ("shadow", "nopassu", "Locked"),            // `!` copied
    ("shadow", "desu", "Unreadable"),           // DES crypt copied
    ("shadow", "host$", "UsernameNotAccepted"), // would stop loaddata
    ("pure-ftpd", "grace", "error"),            // IPv6 rule lost, allow-all
    ("proftpd", "pdes", "Unreadable"),
    ("proftpd", "plocked", "Locked"),
];

fn trim_chroot(home: &str) -> String {
    let h = home.split("/./").next().unwrap().trim_end_matches('/');
    if h.is_empty() { "/".into() } else { h.into() }
}

#[test]
fn same_as_convertusers_except_the_fixes() {
    let dir = fixtures();
    let ours = check_generated(&dir);
    for format in ["shadow", "pure-ftpd", "proftpd"] {
        let theirs: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("convertusers/{format}.json"))).unwrap(),
        )
        .unwrap();
        // convertusers writes only `users`; we write a complete version-17 dump.
        assert_eq!(theirs.as_object().unwrap().len(), 1);
        let ours: BTreeMap<String, Value> = ours[format]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["username"].as_str().unwrap().to_owned(), u.clone()))
            .collect();
        let mut seen = BTreeSet::new();
        for t in theirs["users"].as_array().unwrap() {
            let name = t["username"].as_str().unwrap();
            seen.insert(name.to_owned());
            let Some(o) = ours.get(name) else {
                assert!(
                    REFUSED_BY_US
                        .iter()
                        .any(|(f, u, _)| *f == format && *u == name),
                    "{format} {name}: missing from our output"
                );
                continue;
            };
            for (key, tv) in t.as_object().unwrap() {
                let ov = &o[key];
                match key.as_str() {
                    // convertusers numbers users; loaddata assigns ids itself.
                    "id" => assert!(o.get("id").is_none()),
                    // $2b$/$2y$ → $2a$, which is all SFTPGo reads as bcrypt.
                    "password" => {
                        let tv = tv.as_str().unwrap();
                        match tv.get(..4) {
                            Some("$2y$" | "$2b$") => {
                                assert_eq!(ov.as_str().unwrap(), format!("$2a${}", &tv[4..]))
                            }
                            _ => assert_eq!(ov, tv, "{format} {name}"),
                        }
                    }
                    // Pure-FTPd's `/./` chroot marker is not part of the directory.
                    "home_dir" => {
                        assert_eq!(ov.as_str().unwrap(), trim_chroot(tv.as_str().unwrap()))
                    }
                    // Seconds in convertusers; SFTPGo stores milliseconds.
                    "expiration_date" => {
                        assert_eq!(ov.as_i64().unwrap(), tv.as_i64().unwrap() * 1000, "{name}")
                    }
                    "filters" => {
                        assert_eq!(ov["allowed_ip"], tv["allowed_ip"], "{name}");
                        // `10.1.2.3/255.0.0.0` is no CIDR for Go's net.ParseCIDR.
                        if name == "carol" {
                            assert_eq!(tv["denied_ip"], json!(["10.1.2.3/255.0.0.0"]));
                            assert_eq!(ov["denied_ip"], json!(["10.0.0.0/8"]));
                        } else {
                            assert_eq!(ov["denied_ip"], tv["denied_ip"], "{name}");
                        }
                    }
                    _ => assert_eq!(ov, tv, "{format} {name}: {key}"),
                }
            }
        }
        for (f, u, _) in REFUSED_BY_US.iter().filter(|(f, _, _)| *f == format) {
            assert!(seen.contains(*u), "{f} {u}: convertusers did write it");
        }
        // Nothing we write that convertusers leaves out.
        for name in ours.keys() {
            assert!(seen.contains(name), "{format} {name}");
        }
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The same checks on files the tools write now. Needs root (useradd --root chroots) and the
/// tools; skipped without them, except in CI.
#[test]
fn freshly_written_by_the_real_tools() {
    let missing: Vec<&str> = [
        "useradd", "chpasswd", "chage", "pure-pw", "htpasswd", "mkpasswd", "openssl", "ftpasswd",
        "perl",
    ]
    .into_iter()
    .filter(|t| tool(t).is_none())
    .collect();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if !missing.is_empty() || !root {
        let why = format!("tools missing {missing:?}, root {root}");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the import tools: {why}"
        );
        eprintln!("skipping: {why}");
        return;
    }
    let dir = scratch("gen");
    let status = Command::new("bash")
        .arg(fixtures().join("gen.sh"))
        .arg(&dir)
        .env("FTPASSWD", tool("ftpasswd").unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    check_generated(&dir);
    std::fs::remove_dir_all(dir).unwrap();
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn hostile_lines_cost_only_themselves() {
    let dir = scratch("hostile");
    // `mkpasswd -m sha512crypt -S saltsalt 'hostile pw'`.
    let good = "$6$saltsalt$dghMiPuP.JpozY3akc1JZodQxk3pCxCqFjn2cM4bTCNKddwcTK/go4n2vbsRd1nfuoXELByUTbUhHbRhRFxKt1";
    let mut shadow: Vec<u8> = Vec::new();
    shadow.extend_from_slice(format!("ok1:{good}:19000:0:99999:7:::\r\n").as_bytes());
    shadow.extend_from_slice(b"short:$6$x:1\n");
    shadow.extend_from_slice(format!("nul\0:{good}:19000:0:99999:7:::\n").as_bytes());
    shadow.extend_from_slice(b"l\xe4tin");
    shadow.extend_from_slice(format!(":{good}:19000:0:99999:7:::\n").as_bytes());
    shadow.extend_from_slice(format!("neg:{good}:-5:0:99999:7:::\n").as_bytes());
    shadow.extend_from_slice(
        format!("huge:{good}:1:0:99999:7::99999999999999999999999:\n").as_bytes(),
    );
    shadow.extend_from_slice(&[b'x'; 200_000]);
    shadow.push(b'\n');
    shadow.extend_from_slice(format!("ok1:{good}:19000:0:99999:7:::\n").as_bytes());
    shadow.extend_from_slice(b"\n# comment\n");
    shadow.extend_from_slice(format!("ok2:{good}:19000:0:99999:7:::").as_bytes());
    let input = write(&dir, "shadow", &shadow);
    let passwd = write(
        &dir,
        "passwd",
        b"ok1:x:1000:1000::/home/ok1:/bin/sh\nok2:x:1001:1001::/home/ok2:/bin/sh\nneg:x:-1:1::/x:/bin/sh\n",
    );
    let run = import(
        &dir,
        "shadow",
        input.file_name().unwrap().to_str().unwrap(),
        &["--passwd", passwd.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}", run.printed);
    let events = run.report["events"].as_array().unwrap();
    let by_line = |n: u64| events.iter().find(|e| e["line"] == n).unwrap().clone();
    assert_eq!(by_line(1)["result"], "imported");
    assert_eq!(by_line(2)["reason"], "FieldCount");
    assert_eq!(by_line(3)["reason"], "Nul");
    assert_eq!(by_line(4)["reason"], "NotUtf8");
    assert_eq!(by_line(5)["reason"], "InvalidNumber");
    assert_eq!(by_line(6)["reason"], "OutOfRange");
    assert_eq!(by_line(7)["reason"], "TooLong");
    assert_eq!(by_line(8)["reason"], "Duplicate");
    assert_eq!(
        by_line(8)["message"],
        "duplicate user name (first on line 1)"
    );
    assert_eq!(by_line(11)["result"], "imported");
    assert_eq!(run.report["summary"]["imported"], 2);
    assert_eq!(run.report["summary"]["errors"], 6);
    assert_eq!(run.report["summary"]["skipped"], 1);
    assert!(!run.printed.contains("saltsalt"), "{}", run.printed);
    let dump = run.dump.unwrap();
    assert_sftpgo_accepts(&dump);
    assert_eq!(dump["users"][1]["home_dir"], "/home/ok2");

    // Pure-FTPd: huge and negative numbers, a hostname rule, uid 0, too few fields.
    let pure = write(
        &dir,
        "pure",
        format!(
            "a:{good}:1:1::/h/a/./:99999999999999999999999\nb:{good}:-1:1::/h/b\n\
             c:{good}:1:1::/h/c:::::::::::host.example\nd:{good}:0:1::/h/d\ne:{good}:1:1\n\
             f:{good}:2147483648:1::/h/f\ng:{good}:1:1::relative/./\nh:{good}:1:1::/h/h:500\n"
        )
        .as_bytes(),
    );
    let run = import(
        &dir,
        "pure-ftpd",
        pure.file_name().unwrap().to_str().unwrap(),
        &[],
    );
    let events = run.report["events"].as_array().unwrap();
    let reasons: Vec<&str> = events
        .iter()
        .map(|e| e["reason"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        reasons,
        [
            "OutOfRange",
            "InvalidNumber",
            "InvalidIpRule",
            "OutOfRange",
            "FieldCount",
            "OutOfRange",
            "NoHome",
            "-"
        ]
    );
    // 500 bytes/s is a limit, not 0 (unlimited).
    let dump = run.dump.unwrap();
    assert_eq!(dump["users"][0]["upload_bandwidth"], 1);
    assert!(events[7]["notes"].to_string().contains("rounded up"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn exit_codes_and_nothing_written_when_nothing_usable() {
    let dir = scratch("codes");
    let ht = write(
        &dir,
        "all-good",
        b"a:$apr1$YW8YAV8f$Vir09fa4.StpFNQowEPpP.\n",
    );
    let base = ["--home-base", "/srv/x"];
    assert_eq!(import(&dir, "htpasswd", "all-good", &base).code, 0);
    write(
        &dir,
        "nothing",
        b"a:{SHA}YkKWILQFCIN0pn9eeoMGXkL2GsA=\nb:!\n",
    );
    let run = import(&dir, "htpasswd", "nothing", &base);
    assert_eq!(run.code, 2);
    assert!(run.dump.is_none());
    assert!(run.report["output"].is_null());
    // --allow-unverifiable and --import-locked write them, never with the hash.
    let run = import(
        &dir,
        "htpasswd",
        "nothing",
        &[
            "--home-base",
            "/srv/x",
            "--allow-unverifiable",
            "--import-locked",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.printed);
    let dump = run.dump.unwrap();
    assert_eq!(dump["users"][0]["password"], "");
    assert_eq!(dump["users"][0]["status"], 1);
    assert_eq!(dump["users"][1]["password"], "");
    assert_eq!(dump["users"][1]["status"], 0);
    assert_eq!(run.report["summary"]["disabled"], 1);

    // Usage errors.
    let out = dir.join("o.json");
    let out = out.to_str().unwrap();
    let ht = ht.to_str().unwrap();
    for args in [
        &["import", "--format", "htpasswd", ht, "-o", out][..],
        &[
            "import",
            "--format",
            "htpasswd",
            ht,
            "-o",
            out,
            "--home-base",
            "rel",
        ],
        &[
            "import",
            "--format",
            "htpasswd",
            ht,
            "-o",
            out,
            "--home-base",
            "/x",
            "--min-uid",
            "5",
        ],
        &["import", "--format", "shadow", ht, "-o", out],
        &[
            "import", "--format", "proftpd", ht, "-o", out, "--passwd", ht,
        ],
        &["import", "--format", "nope", ht, "-o", out],
        &[
            "import",
            "--format",
            "proftpd",
            "/nonexistent/input",
            "-o",
            out,
        ],
    ] {
        let o = passgate(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!Path::new(out).exists());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn filters_force_and_replace_atomically() {
    let dir = fixtures();
    let out_dir = scratch("filters");
    let out = out_dir.join("users.json");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let passwd = dir.join("passwd");
    let o = passgate(
        &[
            "import",
            "--format",
            "shadow",
            dir.join("shadow").to_str().unwrap(),
            "--passwd",
            passwd.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
            "--min-uid",
            "2001",
            "--max-uid",
            "2003",
            "--force-uid",
            "5000",
            "--force-gid",
            "6000",
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dump: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let names: Vec<&str> = dump["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sha512u", "sha256u", "md5u"]);
    assert!(
        dump["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["uid"] == 5000 && u["gid"] == 6000)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("imported 3,") && text.contains("filtered 13"),
        "{text}"
    );

    let o = passgate(
        &[
            "import",
            "--format",
            "proftpd",
            dir.join("proftpd.passwd").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
            "--usernames",
            "psha512",
            "pmd5",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let dump: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(dump["users"].as_array().unwrap().len(), 2);
    // No temporary files left beside the output.
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);
    std::fs::remove_dir_all(out_dir).unwrap();
}

/// Events as text, to compare two runs.
#[derive(Default)]
struct Log(Vec<String>);

impl passgate::import::Observer for Log {
    fn event(&mut self, event: &passgate::import::Event<'_>) {
        self.0.push(format!("{event:?}"));
    }
}

#[test]
fn large_input_with_reversed_passwd_and_far_duplicates() {
    use passgate::import::{Format, Options, Passwd, SkipReason, import, import_file};

    let dir = scratch("large");
    let good = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
    let n = 50_000u64;
    let mut shadow = String::new();
    let mut passwd = Vec::new();
    for i in 1..=n {
        // Line 40 000 repeats line 2's name, line 49 999 line 49 998's; u77 has no passwd line.
        let name = match i {
            40_000 => "u2".to_owned(),
            49_999 => "u49998".to_owned(),
            _ => format!("u{i}"),
        };
        shadow.push_str(&format!("{name}:{good}:19000:0:99999:7:::\n"));
        if i != 77 {
            passwd.push(format!("u{i}:x:{i}:{i}::/home/u{i}:/bin/sh\n"));
        }
    }
    passwd.reverse();
    let input = write(&dir, "shadow", shadow.as_bytes());
    let passwd_path = write(&dir, "passwd", passwd.concat().as_bytes());
    let options = Options::new(Format::Shadow);

    let bounded = dir.join("bounded.json");
    let mut log = Log::default();
    let summary = import_file(&options, &input, Some(&passwd_path), &bounded, &mut log).unwrap();
    assert_eq!(summary.imported, n - 3);
    assert_eq!(summary.skipped, 3);

    // The same input read once, with everything in memory.
    let mut memory = Vec::new();
    let mut log2 = Log::default();
    let summary2 = import(
        &options,
        shadow.as_bytes(),
        Some(Passwd::open(&passwd_path).unwrap()),
        &mut memory,
        &mut log2,
    )
    .unwrap();
    assert_eq!(summary, summary2);
    assert_eq!(std::fs::read(&bounded).unwrap(), memory);
    assert!(log.0 == log2.0, "the two runs' events differ");

    let skipped: Vec<&String> = log.0.iter().filter(|e| e.starts_with("Skipped")).collect();
    assert_eq!(skipped.len(), 3);
    let dup = |line: u64, first_line: u64| {
        format!(
            "line: {line}, username: Some(\"u{}\"), reason: {:?}",
            if line == 40_000 { 2 } else { 49_998 },
            SkipReason::Duplicate { first_line }
        )
    };
    assert!(
        skipped
            .iter()
            .any(|e| e.contains("line: 77,") && e.contains("NoPasswdEntry"))
    );
    assert!(
        skipped.iter().any(|e| e.contains(&dup(40_000, 2))),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|e| e.contains(&dup(49_999, 49_998))),
        "{skipped:?}"
    );

    // Scratch files are unlinked as soon as made: only what we wrote is left.
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["bounded.json", "passwd", "shadow"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `passgate import --format htpasswd INPUT --home-base /srv/x` plus `extra`.
fn htpasswd_import(input: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "import",
        "--format",
        "htpasswd",
        input.to_str().unwrap(),
        "--home-base",
        "/srv/x",
    ];
    args.extend_from_slice(extra);
    passgate(&args, b"")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `n` htpasswd lines: apr1 (from `openssl passwd -apr1`), every `sha_every`-th `{SHA}`.
fn htpasswd_lines(n: usize, sha_every: usize) -> String {
    (0..n)
        .map(|i| {
            let hash = if i % sha_every == sha_every - 1 {
                "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="
            } else {
                "$apr1$abcdefgh$VDRNIfeXktYVAN7OPI/sv."
            };
            format!("user{i}:{hash}\n")
        })
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn output_never_replaces_an_input_a_device_or_an_existing_file_unasked() {
    let dir = scratch("output");
    let fx = fixtures();
    let ht_text = std::fs::read(fx.join("htpasswd")).unwrap();
    let ht = write(&dir, "htpasswd", &ht_text);
    let link = dir.join("link-to-input");
    std::os::unix::fs::symlink(&ht, &link).unwrap();
    let hard = dir.join("hard-link-to-input");
    std::fs::hard_link(&ht, &hard).unwrap();
    let devnull = dir.join("null");
    std::os::unix::fs::symlink("/dev/null", &devnull).unwrap();
    let fifo = dir.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let subdir = dir.join("subdir");
    std::fs::create_dir(&subdir).unwrap();
    for (out, why) in [
        (&ht, "the output is the input file"),
        (&link, "the output is the input file"),
        (&hard, "the output is the input file"),
        (&devnull, "not a regular file"),
        (&fifo, "not a regular file"),
        (&subdir, "not a regular file"),
    ] {
        for force in [&[][..], &["--force"]] {
            let mut extra = vec!["-o", out.to_str().unwrap()];
            extra.extend_from_slice(force);
            let o = htpasswd_import(&ht, &extra);
            assert_eq!(o.status.code(), Some(2), "{out:?} {}", stderr(&o));
            assert!(stderr(&o).contains(why), "{out:?}: {}", stderr(&o));
        }
    }
    assert_eq!(std::fs::read(&ht).unwrap(), ht_text);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(
        std::fs::read_link(&devnull).unwrap(),
        Path::new("/dev/null")
    );
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(
        &std::fs::symlink_metadata(&fifo).unwrap().file_type()
    ));
    assert!(std::fs::read_dir(&subdir).unwrap().next().is_none());

    // The passwd file, for shadow.
    let passwd_text = std::fs::read(fx.join("passwd")).unwrap();
    let passwd = write(&dir, "passwd", &passwd_text);
    let o = passgate(
        &[
            "import",
            "--format",
            "shadow",
            fx.join("shadow").to_str().unwrap(),
            "--passwd",
            passwd.to_str().unwrap(),
            "-o",
            passwd.to_str().unwrap(),
            "--force",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the output is the passwd file"));
    assert_eq!(std::fs::read(&passwd).unwrap(), passwd_text);

    // An existing file: only with --force.
    let out = write(&dir, "users.json", b"keep");
    let o = htpasswd_import(&ht, &["-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give --force"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    let o = htpasswd_import(&ht, &["-o", out.to_str().unwrap(), "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let dump: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_sftpgo_accepts(&dump);

    // `-o -`: the dump on standard output, the counts on standard error.
    let o = htpasswd_import(&ht, &["-o", "-"]);
    assert_eq!(o.status.code(), Some(1));
    let streamed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(streamed["users"], dump["users"]);
    assert!(stderr(&o).contains("imported 2,"), "{}", stderr(&o));
    // Nothing usable: nothing on standard output either.
    let none = write(&dir, "none", b"a:{SHA}YkKWILQFCIN0pn9eeoMGXkL2GsA=\n");
    let o = htpasswd_import(&none, &["-o", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let o = htpasswd_import(&ht, &["-o", "-", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn errors_say_their_cause_once() {
    let dir = scratch("cause");
    let ht = write(
        &dir,
        "htpasswd",
        &std::fs::read(fixtures().join("htpasswd")).unwrap(),
    );
    let out = dir.join("missing/users.json");
    let o = htpasswd_import(&ht, &["-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let text = stderr(&o);
    assert_eq!(text.matches("(os error 2)").count(), 1, "{text}");
    assert_eq!(
        text.trim_end(),
        "passgate: import failed: creating the output: No such file or directory (os error 2)"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Waits until `dir` holds a `.NAME.…tmp` file: the import has started writing.
fn wait_for_temp(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !names_in(dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_interrupted_import_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt as _;
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = scratch("signal");
        let out_dir = dir.join("out");
        std::fs::create_dir(&out_dir).unwrap();
        // A FIFO input that the test keeps open: the import waits for more lines.
        let fifo = dir.join("input");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args([
                "import",
                "--format",
                "htpasswd",
                "--home-base",
                "/srv/x",
                "-o",
            ])
            .arg(out_dir.join("users.json"))
            .arg(&fifo)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        std::io::Write::write_all(&mut writer, htpasswd_lines(100, 1000).as_bytes()).unwrap();
        wait_for_temp(&out_dir);
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        drop(writer);
        assert_eq!(
            (status.code(), status.signal()),
            (Some(code), None),
            "SIG{signal}"
        );
        assert!(
            names_in(&out_dir).is_empty(),
            "SIG{signal}: {:?}",
            names_in(&out_dir)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn stale_temporary_files_of_dead_imports_are_removed() {
    let dir = scratch("stale");
    let ht = write(
        &dir,
        "htpasswd",
        &std::fs::read(fixtures().join("htpasswd")).unwrap(),
    );
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // A process id that is no longer running: a child that has been waited for.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let alive = std::process::id();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    let make = |name: String, old: bool| {
        let f = std::fs::File::create(out_dir.join(&name)).unwrap();
        if old {
            f.set_modified(two_hours_ago).unwrap();
        }
        name
    };
    let dead_old = make(format!(".users.json.{dead}.0123456789abcdef.tmp"), true);
    let dead_new = make(format!(".users.json.{dead}.fedcba9876543210.tmp"), false);
    let alive_old = make(format!(".users.json.{alive}.0123456789abcdef.tmp"), true);
    let other = make(format!(".other.json.{dead}.0123456789abcdef.tmp"), true);
    let o = htpasswd_import(&ht, &["-o", out_dir.join("users.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let left = names_in(&out_dir);
    assert!(!left.contains(&dead_old), "{left:?}");
    let mut want = vec![dead_new, alive_old, other, "users.json".to_owned()];
    want.sort();
    assert_eq!(left, want);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_closed_pipe_ends_the_import_quietly() {
    let dir = scratch("pipe");
    let input = write(&dir, "htpasswd", htpasswd_lines(5000, 2).as_bytes());
    // Standard error goes to a file, so that nothing but standard output can block.
    let errors = dir.join("stderr");
    let spawn = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "--format",
            "htpasswd",
            input.to_str().unwrap(),
            "--home-base",
            "/srv/x",
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&errors).unwrap())
            .spawn()
            .unwrap()
    };
    let out = dir.join("users.json");
    let out = out.to_str().unwrap();
    // The reader of standard output stops after a few bytes, like `head -c`.
    for (extra, code, dump) in [
        (&["-o", "-"][..], 2, false),
        (&["--json", "-o", out, "--force"][..], 1, true),
    ] {
        let mut child = spawn(extra);
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let status = child.wait().unwrap();
        let text = std::fs::read_to_string(&errors).unwrap();
        assert_eq!(status.code(), Some(code), "{extra:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
        assert!(!text.to_lowercase().contains("broken pipe"), "{text}");
        if dump {
            // The report was cut, the dump is whole.
            let dump: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
            assert_eq!(dump["users"].as_array().unwrap().len(), 2500);
        }
    }
    // Standard error closed while --verbose prints a line per skipped account.
    let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args([
            "import",
            "--format",
            "htpasswd",
            "--home-base",
            "/srv/x",
            "--verbose",
        ])
        .args(["-o", out, "--force"])
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("imported 2500,"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn many_problems_are_summed_up_per_reason() {
    let dir = scratch("summary");
    let input = write(&dir, "htpasswd", htpasswd_lines(1000, 4).as_bytes());
    let out = dir.join("users.json");
    let out = out.to_str().unwrap();
    let report = dir.join("report.jsonl");
    let o = htpasswd_import(&input, &["-o", out, "--report", report.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stderr(&o);
    assert!(text.contains(": 250 skipped (Unreadable)"), "{text}");
    assert_eq!(text.matches(": skipped: {SHA}").count(), 5, "{text}");
    assert!(text.contains("… and 245 more"), "{text}");
    assert!(text.lines().count() <= 10, "{text}");
    // The report has every one: line, user, reason.
    let lines: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    assert_eq!(lines[0]["line"], 4);
    assert_eq!(lines[0]["user"], "user3");
    assert_eq!(lines[0]["reason"], "Unreadable");
    assert_eq!(lines[249]["line"], 1000);
    let mode = std::fs::metadata(&report).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let o = htpasswd_import(&input, &["-o", out, "--force", "--verbose"]);
    assert_eq!(stderr(&o).matches(": skipped: {SHA}").count(), 250);
    let o = htpasswd_import(&input, &["-o", out, "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty() && o.stderr.is_empty(), "{}", stderr(&o));
    // --report never names an input.
    let o = htpasswd_import(
        &input,
        &["-o", out, "--force", "--report", input.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        htpasswd_lines(1000, 4).as_bytes()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_file_of_another_format_is_refused() {
    let fx = fixtures();
    let dir = scratch("sniff");
    let out = dir.join("users.json");
    let out = out.to_str().unwrap();
    let path = |name: &str| fx.join(name).to_str().unwrap().to_owned();
    let passwd = path("passwd");
    for (format, input, extra, looks) in [
        (
            "htpasswd",
            "shadow",
            &["--home-base", "/srv/x"][..],
            "shadow",
        ),
        ("pure-ftpd", "shadow", &[][..], "shadow"),
        ("proftpd", "shadow", &[][..], "shadow"),
        ("shadow", "passwd", &["--passwd", &passwd][..], "passwd"),
        (
            "shadow",
            "pureftpd.passwd",
            &["--passwd", &passwd][..],
            "Pure-FTPd",
        ),
        ("pure-ftpd", "proftpd.passwd", &[][..], "passwd"),
        ("proftpd", "htpasswd", &[][..], "htpasswd"),
    ] {
        let input = path(input);
        let mut args = vec!["import", "--format", format, &input, "-o", out];
        args.extend_from_slice(extra);
        let o = passgate(&args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("looks like a"), "{}", stderr(&o));
        assert!(stderr(&o).contains(looks), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(names_in(&dir).is_empty(), "{args:?}");
    }
    // convertusers' name for the shadow input.
    let o = passgate(
        &[
            "import",
            "--format",
            "unix-passwd",
            &path("shadow"),
            "--passwd",
            &passwd,
            "-o",
            out,
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(Path::new(out).exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn import_offers_only_its_own_flags() {
    let help = passgate(&["import", "--help"], b"");
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--home-base"), "{help}");
    for flag in [
        "--policy",
        "--max-cost",
        "--max-rounds",
        "--max-password-len",
    ] {
        assert!(!help.contains(flag), "{flag}: {help}");
    }
    let ht = fixtures().join("htpasswd");
    let o = passgate(
        &[
            "import",
            "--max-cost",
            "20",
            "--format",
            "htpasswd",
            ht.to_str().unwrap(),
            "-o",
            "-",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unexpected argument '--max-cost'"),
        "{}",
        stderr(&o)
    );
    // The limit flags stay on the commands that verify.
    let help = String::from_utf8(passgate(&["verify", "--help"], b"").stdout).unwrap();
    assert!(
        help.contains("--max-cost") && help.contains("--policy"),
        "{help}"
    );
}

#[test]
fn shadow_without_passwd_names_passwd_first() {
    let shadow = fixtures().join("shadow");
    let o = passgate(
        &[
            "import",
            "--format",
            "shadow",
            shadow.to_str().unwrap(),
            "-o",
            "-",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(
            "passgate: import failed: --passwd /etc/passwd is required with --format shadow"
        ),
        "{}",
        stderr(&o)
    );
}

/// A device is no account file and may never end (`/dev/zero` has no newline to skip to):
/// refused before any read, where it used to read forever.
#[test]
fn a_device_is_refused_as_input() {
    let dir = std::env::temp_dir().join(format!("passgate-import-dev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("users.json");
    let args = [
        "import",
        "--format",
        "htpasswd",
        "/dev/zero",
        "--home-base",
        "/srv",
        "-o",
        out.to_str().unwrap(),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A watchdog against the old endless read, not a timing check.
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("import of /dev/zero did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("not a regular file or a pipe"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
