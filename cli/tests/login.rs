//! `passgate login` end to end: the real binary, a real SFTPGo dump file, hook scripts
//! written by the tests. Exit status 0 allow, 1 deny, 2 configuration error or temporary
//! failure.
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;
#[path = "../../tests/support/hook_util.rs"]
mod util;

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Output};

use bin::{passgate, spawn};
use passgate::{HashParams, Policy};
use serde_json::{Value, json};
use util::{scratch, script};

/// `openssl passwd -1 -salt saltsalt password`.
const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {:?} / {}", out.stdout, stderr(out)))
}

/// A directory with `users.json` (the given users, plus the other dump sections) and a
/// `passgate.toml` of `[policy] cost = 4`, `[store]` and `extra`.
struct Setup {
    dir: PathBuf,
}

impl Setup {
    fn new(name: &str, users: Value, extra: &str) -> Self {
        let dir = scratch(name);
        let dump = json!({"users": users, "folders": [{"name": "shared", "mapped_path": "/srv/shared"}],
            "groups": [], "admins": [{"username": "admin", "status": 1}], "version": 17});
        fs::write(dir.join("users.json"), dump.to_string()).unwrap();
        let config = format!("[policy]\ncost = 4\n[store]\npath = \"users.json\"\n{extra}");
        fs::write(dir.join("passgate.toml"), config).unwrap();
        Self { dir }
    }

    fn config(&self) -> String {
        self.dir.join("passgate.toml").display().to_string()
    }

    fn script(&self, name: &str, body: &str) -> String {
        script(&self.dir, name, &format!("PATH=/usr/bin:/bin\n{body}"))
            .display()
            .to_string()
    }

    fn login(&self, username: &str, password: &str, more: &[&str]) -> Output {
        let config = self.config();
        let mut args = vec![
            "login",
            "--json",
            "--config",
            &config,
            "--username",
            username,
        ];
        args.extend_from_slice(more);
        passgate(&args, format!("{password}\n").as_bytes())
    }

    fn dump(&self) -> Value {
        serde_json::from_slice(&fs::read(self.dir.join("users.json")).unwrap()).unwrap()
    }

    fn user(&self, name: &str) -> Option<Value> {
        self.dump()["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .cloned()
    }
}

fn user(name: &str, hash: &str) -> Value {
    json!({"username": name, "status": 1, "password": hash, "home_dir": format!("/srv/{name}"),
        "permissions": {"/": ["*"]}, "x_custom": {"keep": [1, 2, 3]}})
}

fn verifies(hash: &str, password: &str) -> bool {
    Policy::default().verify(hash, password.as_bytes()).is_ok()
}

fn assert_outcome(out: &Output, outcome: &str, counts: bool) {
    let v = json_out(out);
    assert_eq!(v["outcome"], outcome, "{v} {}", stderr(out));
    assert_eq!(v["counts_as_failure"], counts, "{v}");
    let expected = match outcome {
        "allow" => 0,
        "deny" => 1,
        _ => 2,
    };
    assert_eq!(code(out), expected, "{v}");
}

#[test]
fn rehash_on_login_rewrites_md5crypt_to_bcrypt() {
    let s = Setup::new(
        "rehash",
        json!([user("alice", MD5CRYPT), user("bob", MD5CRYPT)]),
        "",
    );
    let before = s.dump();
    let out = s.login("alice", "password", &[]);
    assert_outcome(&out, "allow", false);
    let v = json_out(&out);
    assert_eq!(
        (v["rehashed"].clone(), v["username"].clone()),
        (json!(true), json!("alice"))
    );
    let alice = s.user("alice").unwrap();
    let hash = alice["password"].as_str().unwrap();
    assert!(hash.starts_with("$2a$04$"), "{hash}");
    assert!(verifies(hash, "password"));
    // Everything else is as it was, alice's other fields and ids included.
    let mut expected = before.clone();
    expected["users"][0]["password"] = json!(hash);
    assert_eq!(s.dump(), expected);
    // The new hash verifies through the command line too, and needs no second rehash.
    let out = passgate(&["verify", hash], b"password");
    assert_eq!(code(&out), 0);
    let again = s.login("alice", "password", &[]);
    assert_eq!(json_out(&again)["rehashed"], false);
    assert_eq!(s.user("alice").unwrap()["password"], hash);
    // Turned off in the policy: the md5crypt hash stays.
    let s = Setup::new("norehash", json!([user("bob", MD5CRYPT)]), "");
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        cfg.replace("cost = 4", "cost = 4\nrehash = false"),
    )
    .unwrap();
    assert_outcome(&s.login("bob", "password", &[]), "allow", false);
    assert_eq!(s.user("bob").unwrap()["password"], MD5CRYPT);
}

#[test]
fn wrong_password_unknown_user_and_disabled_user_deny() {
    let mut off = user("off", MD5CRYPT);
    off["status"] = json!(0);
    let mut expired = user("old", MD5CRYPT);
    expired["expiration_date"] = json!(1_000_000);
    let s = Setup::new("deny", json!([user("alice", MD5CRYPT), off, expired]), "");
    for (name, pw, reason) in [
        ("alice", "wrong", "mismatch"),
        ("nobody", "password", "unknown_user"),
        ("off", "password", "user_disabled"),
        ("old", "password", "user_expired"),
    ] {
        let out = s.login(name, pw, &[]);
        assert_outcome(&out, "deny", true);
        assert_eq!(json_out(&out)["reason_code"], reason, "{name}");
    }
    // Text output: the verdict on stdout, no hash or password anywhere.
    let config = s.config();
    let out = passgate(
        &["login", "--config", &config, "--username", "alice"],
        b"password\n",
    );
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("allow"), "{text}");
}

#[test]
fn pre_login_creates_a_user_then_the_stored_hash_is_checked() {
    let s = Setup::new("prelogin", json!([user("alice", MD5CRYPT)]), "");
    // Creates users it is asked about with id 0; leaves known users alone.
    let body = r#"case "$SFTPGO_LOGIND_USER" in
  *'"id":0'*) echo '{"username":"newbie","status":1,"password":"letmein","home_dir":"/srv/newbie","permissions":{"/":["*"]}}' ;;
esac
echo "$SFTPGO_LOGIND_METHOD $SFTPGO_LOGIND_IP $SFTPGO_LOGIND_PROTOCOL" >> "$LOG""#;
    let pre = s.script("pre.sh", body);
    let log = s.dir.join("pre.log");
    fs::write(
        s.dir.join("passgate.toml"),
        format!(
            "[policy]\ncost = 4\n[store]\npath = \"users.json\"\n[sftpgo]\npre_login = \"{pre}\"\n[sftpgo.env]\nLOG = \"{}\"\n",
            log.display()
        ),
    )
    .unwrap();
    // The user is created, then the password is checked against the stored hash: wrong.
    let out = s.login(
        "newbie",
        "wrong",
        &["--ip", "198.51.100.4", "--protocol", "FTP"],
    );
    assert_outcome(&out, "deny", true);
    let created = s.user("newbie").unwrap();
    assert_eq!(created["id"], 1);
    assert_eq!(created["home_dir"], "/srv/newbie");
    // The plain-text password was stored hashed, as SFTPGo stores it.
    let hash = created["password"].as_str().unwrap();
    assert!(
        hash.starts_with("$2a$04$") && verifies(hash, "letmein"),
        "{hash}"
    );
    assert_outcome(&s.login("newbie", "letmein", &[]), "allow", false);
    assert_outcome(&s.login("alice", "password", &[]), "allow", false);
    assert_eq!(
        fs::read_to_string(&log).unwrap().lines().next().unwrap(),
        "password 198.51.100.4 FTP"
    );
}

#[test]
fn pre_login_answers_are_whole_users() {
    let mut carl = user("carl", MD5CRYPT);
    carl["id"] = json!(12);
    carl["used_quota_files"] = json!(3);
    let s = Setup::new("whole", json!([carl]), "");
    let answer = s.dir.join("answer.json");
    let pre = s.script("pre.sh", &format!("cat {}", answer.display()));
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\npre_login = \"{pre}\"\n"),
    )
    .unwrap();
    let before = s.dump();
    // A partial user is refused (SFTPGo's main branch; released 2.7.x merged it): the hook
    // broke, no failure is counted, and the dump is as it was.
    fs::write(&answer, r#"{"status":0}"#).unwrap();
    let out = s.login("carl", "password", &[]);
    assert_outcome(&out, "deny", false);
    let v = json_out(&out);
    assert_eq!(v["reason_code"], "hook_failed");
    assert!(v["reason"].as_str().unwrap().contains("username"), "{v}");
    fs::write(&answer, r#"{"username":"carl","status":0}"#).unwrap();
    let out = s.login("carl", "password", &[]);
    assert_outcome(&out, "deny", false);
    assert!(
        json_out(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("home_dir")
    );
    assert_eq!(s.dump(), before);
    // A whole user replaces the stored one: fields it does not give are gone (the password
    // among them), the id and usage counters stay.
    fs::write(
        &answer,
        r#"{"username":"carl","status":0,"home_dir":"/srv/carl2","permissions":{"/":["list"]}}"#,
    )
    .unwrap();
    let out = s.login("carl", "password", &[]);
    assert_outcome(&out, "deny", true);
    assert_eq!(json_out(&out)["reason_code"], "user_disabled");
    assert_eq!(
        s.user("carl").unwrap(),
        json!({"id": 12, "username": "carl", "status": 0, "home_dir": "/srv/carl2",
            "permissions": {"/": ["list"]}, "used_quota_files": 3})
    );
}

#[test]
fn external_auth_program() {
    let s = Setup::new("extauth", json!([user("dina", MD5CRYPT)]), "");
    let body = r#"if [ "$SFTPGO_AUTHD_PASSWORD" = "ldap-pass" ]; then
  echo "{\"username\":\"$SFTPGO_AUTHD_USERNAME\",\"status\":1,\"home_dir\":\"/ldap/$SFTPGO_AUTHD_USERNAME\",\"permissions\":{\"/\":[\"*\"]}}"
elif [ "$SFTPGO_AUTHD_PASSWORD" = "use-stored" ] || [ "$SFTPGO_AUTHD_PASSWORD" = "password" ]; then
  :
else
  echo '{"username":""}'
fi"#;
    let ext = s.script("ext.sh", body);
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\nexternal_auth = \"{ext}\"\nexternal_auth_scope = 1\n"),
    )
    .unwrap();
    // A user JSON: authenticated, and stored with the login password.
    let out = s.login("eve", "ldap-pass", &[]);
    assert_outcome(&out, "allow", false);
    assert_eq!(json_out(&out)["reason_code"], "external_auth");
    let eve = s.user("eve").unwrap();
    assert_eq!(eve["home_dir"], "/ldap/eve");
    assert!(verifies(eve["password"].as_str().unwrap(), "ldap-pass"));
    // {"username":""}: denied.
    assert_outcome(&s.login("eve", "bad", &[]), "deny", true);
    // Empty answer, right password: authenticated; the md5crypt hash is rehashed as on any
    // login, the other fields stay.
    let before = s.user("dina").unwrap();
    let out = s.login("dina", "password", &[]);
    assert_outcome(&out, "allow", false);
    let v = json_out(&out);
    assert_eq!(
        (v["reason_code"].clone(), v["rehashed"].clone()),
        (json!("external_auth"), json!(true))
    );
    let dina = s.user("dina").unwrap();
    let rehashed = dina["password"].as_str().unwrap().to_owned();
    assert!(verifies(&rehashed, "password"));
    // Again: the hash verifies and is the preferred one, nothing changes.
    let out = s.login("dina", "password", &[]);
    assert_eq!(json_out(&out)["rehashed"], false);
    assert_eq!(s.user("dina").unwrap()["password"], rehashed.as_str());
    // Empty answer, another password: authenticated, and its hash replaces the stored one.
    let out = s.login("dina", "use-stored", &[]);
    assert_outcome(&out, "allow", false);
    assert_eq!(json_out(&out)["reason_code"], "external_auth");
    let mut dina = s.user("dina").unwrap();
    let hash = dina["password"].as_str().unwrap().to_owned();
    assert!(
        verifies(&hash, "use-stored") && !verifies(&hash, "password"),
        "{hash}"
    );
    dina["password"] = before["password"].clone();
    assert_eq!(dina, before);
    // Empty answer for a user that does not exist: denied, and not created.
    let out = s.login("ghost", "password", &[]);
    assert_outcome(&out, "deny", true);
    assert_eq!(json_out(&out)["reason_code"], "unknown_user");
    assert!(s.user("ghost").is_none());
}

#[test]
fn check_password_status_2_verifies_to_verify() {
    let s = Setup::new("checkpw", json!([user("fred", MD5CRYPT)]), "");
    // The last six characters are a one-time code; only 123456 is valid today.
    let body = r#"pw="$SFTPGO_AUTHD_PASSWORD"
fixed="${pw%??????}"
otp="${pw#"$fixed"}"
if [ "$otp" = "123456" ]; then
  printf '{"status":2,"to_verify":"%s"}' "$fixed"
else
  echo '{"status":0}'
fi"#;
    let check = s.script("otp.sh", body);
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\ncheck_password = \"{check}\"\ncheck_password_scope = 2\n"),
    )
    .unwrap();
    let ftp = ["--protocol", "FTP"];
    let out = s.login("fred", "password123456", &ftp);
    assert_outcome(&out, "allow", false);
    // The fixed part is what was verified, and what the rehash stored.
    assert_eq!(json_out(&out)["rehashed"], true);
    assert!(verifies(
        s.user("fred").unwrap()["password"].as_str().unwrap(),
        "password"
    ));
    let out = s.login("fred", "password000000", &ftp);
    assert_outcome(&out, "deny", true);
    assert_eq!(json_out(&out)["reason_code"], "hook_denied");
    let out = s.login("fred", "wrongpw123456", &ftp);
    assert_eq!(json_out(&out)["reason_code"], "mismatch");
    // Scope 2 is FTP only: over SSH the hook does not run and the whole password is checked.
    assert_outcome(
        &s.login("fred", "password", &["--protocol", "SSH"]),
        "allow",
        false,
    );
    assert_outcome(&s.login("fred", "password", &ftp), "deny", true);
}

#[test]
fn check_password_runs_after_external_auth_unless_the_user_turns_it_off() {
    let mut free = user("free", MD5CRYPT);
    free["filters"] = json!({"hooks": {"check_password_disabled": true}});
    let s = Setup::new("extcheck", json!([user("jane", MD5CRYPT), free]), "");
    let ext = s.script("ext.sh", ":");
    let check = s.script("check.sh", r#"echo '{"status":0}'"#);
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\nexternal_auth = \"{ext}\"\ncheck_password = \"{check}\"\n"),
    )
    .unwrap();
    // External auth accepted jane (empty answer); check-password refused her all the same.
    let out = s.login("jane", "password", &[]);
    assert_outcome(&out, "deny", true);
    assert_eq!(
        json_out(&out)["reason"],
        "denied by the check_password hook"
    );
    // The dump's filters turn check-password off for free.
    let out = s.login("free", "password", &[]);
    assert_outcome(&out, "allow", false);
    assert_eq!(json_out(&out)["reason_code"], "external_auth");
}

#[test]
fn directadmin_login_pre_denies_the_right_password() {
    let s = Setup::new("da", json!([user("gina", MD5CRYPT)]), "");
    let hooks = s.dir.join("custom");
    fs::create_dir_all(&hooks).unwrap();
    script(
        &hooks,
        "login_pre.sh",
        "[ \"$ip\" = 10.0.0.1 ] && exit 0\necho \"blocked $ip\"\nexit 1",
    );
    script(
        &hooks,
        "session_create_pre/10-check.sh",
        "[ ${#session_id} -eq 32 ] && [ \"$username\" = gina ]",
    );
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[directadmin]\nhooks_dir = \"custom\"\ntimeout = 5\n"),
    )
    .unwrap();
    let out = s.login("gina", "password", &["--ip", "192.0.2.1"]);
    assert_outcome(&out, "deny", true);
    assert_eq!(json_out(&out)["reason_code"], "hook_denied");
    // login_pre runs before the store is read: the md5crypt hash was not even upgraded.
    assert_eq!(s.user("gina").unwrap()["password"], MD5CRYPT);
    assert_outcome(
        &s.login("gina", "password", &["--ip", "10.0.0.1"]),
        "allow",
        false,
    );

    // session_create_pre fails after a verified password: the login is aborted, uncounted.
    script(&hooks, "session_create_pre/20-no.sh", "exit 7");
    let out = s.login("gina", "password", &["--ip", "10.0.0.1"]);
    assert_outcome(&out, "deny", false);
    assert_eq!(
        json_out(&out)["reason"],
        "denied by the session_create_pre hook"
    );
}

#[test]
fn hook_failures_deny_with_the_reason_named() {
    let s = Setup::new("hookfail", json!([user("hal", MD5CRYPT)]), "");
    let cases = [
        ("sleep 30", "timed out"),
        ("echo '{not json'", "not valid JSON"),
        ("exit 3", "exited with status 3"),
        ("kill -SEGV $$", "signal 11"),
    ];
    for (i, (body, reason)) in cases.into_iter().enumerate() {
        let pre = s.script(&format!("pre{i}.sh"), body);
        fs::write(
            s.dir.join("passgate.toml"),
            format!(
                "[store]\npath = \"users.json\"\n[sftpgo]\npre_login = \"{pre}\"\ntimeout = 1\n"
            ),
        )
        .unwrap();
        let out = s.login("hal", "password", &[]);
        assert_outcome(&out, "deny", false);
        let v = json_out(&out);
        assert_eq!(v["reason_code"], "hook_failed");
        assert!(v["reason"].as_str().unwrap().contains(reason), "{v}");
    }
    let missing = s.dir.join("missing.sh");
    fs::write(
        s.dir.join("passgate.toml"),
        format!(
            "[store]\npath = \"users.json\"\n[sftpgo]\npre_login = \"{}\"\n",
            missing.display()
        ),
    )
    .unwrap();
    let out = s.login("hal", "password", &[]);
    assert_outcome(&out, "deny", false);
    assert!(
        json_out(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("could not be started")
    );
}

#[test]
fn post_login_is_notified_and_waited_for() {
    let s = Setup::new("post", json!([user("ivy", MD5CRYPT)]), "");
    let marker = s.dir.join("notified");
    let post = s.script(
        "post.sh",
        &format!(
            "sleep 1\necho \"$SFTPGO_LOGIND_STATUS $SFTPGO_LOGIND_USER\" >> {}\nexit 1",
            marker.display()
        ),
    );
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    let with_scope = |scope: u8| {
        fs::write(
            s.dir.join("passgate.toml"),
            format!("{cfg}[sftpgo]\npost_login = \"{post}\"\npost_login_scope = {scope}\n"),
        )
        .unwrap();
    };
    with_scope(0);
    assert_outcome(&s.login("ivy", "password", &[]), "allow", false);
    assert_outcome(&s.login("ivy", "wrong", &[]), "deny", true);
    let lines = fs::read_to_string(&marker).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("1 ") && lines[1].starts_with("0 "),
        "{lines:?}"
    );
    // The notification carries the user without its password hash.
    let sent: Value = serde_json::from_str(&lines[0][2..]).unwrap();
    assert_eq!(sent["username"], "ivy");
    assert!(sent.get("password").is_none());
    // Scope 1: failed logins only.
    with_scope(1);
    fs::remove_file(&marker).unwrap();
    assert_outcome(&s.login("ivy", "password", &[]), "allow", false);
    assert!(!marker.exists());
    assert_outcome(&s.login("ivy", "wrong", &[]), "deny", true);
    assert!(fs::read_to_string(&marker).unwrap().starts_with("0 "));
}

#[test]
fn fifty_parallel_logins_lose_no_update() {
    let users: Vec<Value> = (0..50)
        .map(|i| user(&format!("user{i:02}"), MD5CRYPT))
        .collect();
    let s = Setup::new("parallel", Value::Array(users), "");
    let config = s.config();
    let children: Vec<(String, Child)> = (0..50)
        .map(|i| {
            let name = format!("user{i:02}");
            let child = spawn(
                &["login", "--json", "--config", &config, "--username", &name],
                b"password\n",
            );
            (name, child)
        })
        .collect();
    for (name, child) in children {
        let out = child.wait_with_output().unwrap();
        assert_outcome(&out, "allow", false);
        assert_eq!(json_out(&out)["rehashed"], true, "{name}");
    }
    // The file is whole, every user was rehashed, nothing else moved.
    let dump = s.dump();
    let users = dump["users"].as_array().unwrap();
    assert_eq!(users.len(), 50);
    let mut hashes = std::collections::HashSet::new();
    for (i, u) in users.iter().enumerate() {
        assert_eq!(u["username"], format!("user{i:02}"));
        let hash = u["password"].as_str().unwrap();
        assert!(hash.starts_with("$2a$04$"), "{u}");
        assert!(verifies(hash, "password"));
        assert!(hashes.insert(hash.to_owned()), "salts repeat");
        assert_eq!(u["x_custom"], json!({"keep": [1, 2, 3]}));
    }
    assert_eq!(dump["admins"], json!([{"username": "admin", "status": 1}]));
    assert_eq!(dump["version"], 17);
    // No temporary file left beside the dump.
    let names: Vec<String> = fs::read_dir(&s.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn configuration_errors_and_store_failures_exit_2() {
    let s = Setup::new("config", json!([user("jo", MD5CRYPT)]), "");
    let config = s.config();
    let write = |text: &str| fs::write(s.dir.join("passgate.toml"), text).unwrap();

    write("[store]\npath = \"users.json\"\n[sftpgo]\npre_logn = \"/x\"\n");
    let out = s.login("jo", "password", &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("unknown field `pre_logn`"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    write("[store]\npath = \"users.json\"\n[sftpgo]\npre_login = \"pre.sh\"\n");
    let out = s.login("jo", "password", &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("sftpgo.pre_login"),
        "{}",
        stderr(&out)
    );

    write("[store]\npath = \"users.json\"\n[sftpgo]\ntimeout = 600\n");
    assert!(stderr(&s.login("jo", "password", &[])).contains("sftpgo.timeout"));

    let out = passgate(
        &[
            "login",
            "--config",
            "/nonexistent/passgate.toml",
            "--username",
            "jo",
        ],
        b"password\n",
    );
    assert_eq!(code(&out), 2);
    let out = passgate(&["login", "--config", &config], b"password\n");
    assert_eq!(code(&out), 2, "--username is required");
    let out = passgate(
        &[
            "login",
            "--config",
            &config,
            "--username",
            "jo",
            "--protocol",
            "SFTP",
        ],
        b"x\n",
    );
    assert_eq!(code(&out), 2);

    // A store that cannot be read: a temporary failure, said on stderr.
    write("[store]\npath = \"missing.json\"\n");
    let out = s.login("jo", "password", &[]);
    assert_outcome(&out, "tempfail", false);
    assert!(
        stderr(&out).contains("temporary failure"),
        "{}",
        stderr(&out)
    );
    fs::write(s.dir.join("broken.json"), "{\"users\": [").unwrap();
    write("[store]\npath = \"broken.json\"\n");
    assert_outcome(&s.login("jo", "password", &[]), "tempfail", false);
}

#[test]
fn output_never_holds_a_password_or_hash() {
    let stored = passgate::hash(
        HashParams::Sha512Crypt { rounds: Some(1000) },
        b"Kim-S3cret!",
    )
    .unwrap();
    let digest_tail = stored[stored.len() - 20..].to_owned();
    let s = Setup::new("secret", json!([user("kim", &stored)]), "");
    // The hooks echo what they were given: the user JSON (with the stored hash), the password.
    let chatty = s.script(
        "pre.sh",
        "echo \"pre-login saw a user: $SFTPGO_LOGIND_USER\" >&2",
    );
    let check = s.script(
        "check.sh",
        "echo \"checking $SFTPGO_AUTHD_PASSWORD\" >&2\nprintf '{\"status\":2,\"to_verify\":\"%s\"}' \"$SFTPGO_AUTHD_PASSWORD\"",
    );
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\npre_login = \"{chatty}\"\ncheck_password = \"{check}\"\n"),
    )
    .unwrap();
    for pw in ["Kim-S3cret!", "Wr0ng-Secret"] {
        let out = s.login("kim", pw, &[]);
        let all = [out.stdout.clone(), out.stderr.clone()].concat();
        let text = String::from_utf8_lossy(&all);
        assert!(
            text.contains("pre-login saw a user") && text.contains("checking [redacted]"),
            "hook stderr is shown: {text}"
        );
        for secret in [pw, digest_tail.as_str(), "$6$", "$2a$"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

#[test]
fn policy_section_sets_the_new_scheme() {
    let s = Setup::new("scheme", json!([user("lee", MD5CRYPT)]), "");
    fs::write(
        s.dir.join("passgate.toml"),
        "[policy]\nscheme = \"sha512crypt\"\nrounds = 1000\n[store]\npath = \"users.json\"\n",
    )
    .unwrap();
    assert_outcome(&s.login("lee", "password", &[]), "allow", false);
    let hash = s.user("lee").unwrap()["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(hash.starts_with("$6$rounds=1000$"), "{hash}");
    let mut p = Policy::default();
    p.preferred = HashParams::Sha512Crypt { rounds: Some(1000) };
    assert!(p.verify(&hash, b"password").is_ok());
    // The command line's limit flags override [policy].
    let s = Setup::new("flags", json!([user("kai", MD5CRYPT)]), "");
    let out = s.login("kai", "password", &["--policy", "strict"]);
    assert_outcome(&out, "deny", true);
    assert!(
        json_out(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("legacy")
    );
    let out = s.login("kai", "password", &["--max-password-len", "4"]);
    assert!(
        json_out(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("limit is 4")
    );
    assert_outcome(&s.login("kai", "password", &[]), "allow", false);
    // Strict policy in the configuration: md5crypt is refused outright.
    let s = Setup::new("strict", json!([user("max", MD5CRYPT)]), "");
    fs::write(
        s.dir.join("passgate.toml"),
        "[policy]\nallow_legacy = false\n[store]\npath = \"users.json\"\n",
    )
    .unwrap();
    let out = s.login("max", "password", &[]);
    assert_outcome(&out, "deny", true);
    assert!(
        json_out(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("legacy")
    );
}

#[test]
fn a_symlinked_store_is_written_through_to_its_target() {
    let s = Setup::new("symlink", json!([user("sam", MD5CRYPT)]), "");
    // The dump lives elsewhere; the configured path is a relative symlink to it.
    let real_dir = s.dir.join("data");
    fs::create_dir_all(&real_dir).unwrap();
    fs::rename(s.dir.join("users.json"), real_dir.join("dump.json")).unwrap();
    std::os::unix::fs::symlink("data/dump.json", s.dir.join("users.json")).unwrap();
    let out = s.login("sam", "password", &[]);
    assert_outcome(&out, "allow", false);
    assert_eq!(json_out(&out)["rehashed"], true);
    // The link is still a link, to the same target, and the target holds the new hash.
    let link = s.dir.join("users.json");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        std::path::Path::new("data/dump.json")
    );
    let hash = s.user("sam").unwrap()["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        hash.starts_with("$2a$04$") && verifies(&hash, "password"),
        "{hash}"
    );
    // The temporary file went to the target's directory and is gone; the lock is the target's.
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&real_dir), ["dump.json", "dump.json.lock"]);
    assert!(!names(&s.dir).iter().any(|n| n.ends_with(".tmp")));
    // A second login sees the upgraded hash through the link: no second rehash.
    let again = s.login("sam", "password", &[]);
    assert_eq!(json_out(&again)["rehashed"], false);
}

#[test]
fn a_rehash_changes_only_the_password_bytes_of_the_store() {
    let s = Setup::new("bytes", json!([]), "");
    // As another tool may have written it: keys unsorted, its own layout, numbers beyond 64
    // bits, escapes, non-ASCII text.
    let template = |hash: &str| {
        format!(
            r#"{{
  "version": 17,
  "users": [
    {{"username": "other", "status": 1, "password": "{MD5CRYPT}",
      "quota_size": 123456789012345678901234567890, "ratio": 1.50, "x_exp": 1e400,
      "note": "caf\u00e9 \/ é"}},
    {{"username": "tom", "status": 1,
      "password": "{hash}",
      "x_big": 18446744073709551616, "x_float": 0.10, "home_dir": "/srv/tom"}}
  ],
  "folders": [ ], "admins": [{{"username": "admin"}}]
}}
"#
        )
    };
    let before = template(MD5CRYPT);
    fs::write(s.dir.join("users.json"), &before).unwrap();
    let out = s.login("tom", "password", &[]);
    assert_outcome(&out, "allow", false);
    assert_eq!(json_out(&out)["rehashed"], true);
    let after = fs::read_to_string(s.dir.join("users.json")).unwrap();
    // (1e400 is beyond what serde_json's `Value` holds: the hash is read from the text.)
    let at = after.find("\"$2a$04$").unwrap() + 1;
    let hash = after[at..at + 60].to_owned();
    assert!(verifies(&hash, "password"), "{hash}");
    assert_eq!(after, template(&hash));
    // A user created by a hook is appended after the last one, with the entries' separator.
    let pre = s.script(
        "pre.sh",
        r#"case "$SFTPGO_LOGIND_USER" in *'"id":0'*) echo '{"username":"new","status":1,"home_dir":"/n","permissions":{"/":["*"]}}' ;; esac"#,
    );
    let cfg = fs::read_to_string(s.dir.join("passgate.toml")).unwrap();
    fs::write(
        s.dir.join("passgate.toml"),
        format!("{cfg}[sftpgo]\npre_login = \"{pre}\"\n"),
    )
    .unwrap();
    assert_outcome(&s.login("new", "x", &[]), "deny", true);
    let appended = fs::read_to_string(s.dir.join("users.json")).unwrap();
    let tail = r#""home_dir": "/srv/tom"},
    {"home_dir":"/n","id":1,"permissions":{"/":["*"]},"status":1,"username":"new"}
  ],"#;
    assert!(appended.contains(tail), "{appended}");
    assert_eq!(
        appended.replace(
            tail,
            r#""home_dir": "/srv/tom"}
  ],"#
        ),
        template(&hash)
    );
}

/// A reader of standard output that has gone (EPIPE) changes no verdict: the exit status is
/// still allow or deny, the store is still updated, and nothing panics.
#[test]
fn a_closed_stdout_keeps_the_verdict() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let s = Setup::new("epipe", json!([user("alice", MD5CRYPT)]), "");
    for (json, password, expected) in [
        (true, "wrong", 1),
        (false, "wrong", 1),
        (true, "password", 0),
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let config = s.config();
        let mut args = vec!["login", "--config", &config, "--username", "alice"];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{json} {password}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(
        s.user("alice").unwrap()["password"]
            .as_str()
            .unwrap()
            .starts_with("$2a$04$")
    );
}
