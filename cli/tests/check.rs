//! `passgate check pam-exec|checkpassword|authnz-external`: each contract driven directly
//! (standard input, descriptor 3, the caller's environment), then by the real callers:
//! Linux-PAM's pam_exec through `pamtester`, Dovecot 2.3's `passdb checkpassword` through
//! `doveadm` and an IMAP login with `curl`, and Apache's mod_authnz_external through `curl`.
//! The accounts are the importer's fixtures, written by the real tools (useradd/chpasswd,
//! htpasswd).
#![allow(clippy::unwrap_used)]

#[path = "common/bin.rs"]
mod bin;

use std::ffi::OsStr;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_passgate");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

fn random() -> u64 {
    let mut bytes = [0u8; 8];
    std::io::Read::read_exact(&mut fs::File::open("/dev/urandom").unwrap(), &mut bytes).unwrap();
    u64::from_le_bytes(bytes)
}

/// A directory under /tmp that the servers' own users (www-data, dovecot) can read, with
/// the fixtures' shadow and passwd (homes moved under it), their htpasswd, a copy of the
/// binary, and a passgate.toml: `[source]` the shadow file, `[sources.web]` the htpasswd
/// file (homes under `www/`, uid and gid 3001), `[sources.zero]` the same without uid.
struct Setup {
    dir: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "passgate-check-{name}-{}-{:x}",
            std::process::id(),
            random()
        ));
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let home = format!(":{}/home/", dir.display());
        let passwd = fs::read_to_string(fixtures().join("passwd")).unwrap();
        fs::write(dir.join("passwd"), passwd.replace(":/home/", &home)).unwrap();
        fs::copy(fixtures().join("shadow"), dir.join("shadow")).unwrap();
        fs::copy(fixtures().join("htpasswd"), dir.join("htpasswd")).unwrap();
        fs::copy(BIN, dir.join("passgate")).unwrap();
        let config = format!(
            "[source]\nformat = \"shadow\"\npath = \"shadow\"\npasswd = \"passwd\"\n\
             [sources.web]\nformat = \"htpasswd\"\npath = \"htpasswd\"\n\
             home_base = \"{d}/www\"\nforce_uid = 3001\nforce_gid = 3001\n\
             [sources.zero]\nformat = \"htpasswd\"\npath = \"htpasswd\"\nhome_base = \"{d}/www\"\n",
            d = dir.display()
        );
        fs::write(dir.join("passgate.toml"), config).unwrap();
        for f in ["passwd", "shadow", "htpasswd", "passgate.toml"] {
            fs::set_permissions(dir.join(f), fs::Permissions::from_mode(0o644)).unwrap();
        }
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn config(&self) -> String {
        self.path("passgate.toml")
    }

    /// `passgate check --config … ARGS`, run by the copy in the directory.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.path("passgate"));
        c.args(["check", "--config", &self.config()]).args(args);
        c
    }

    /// A home directory owned by `uid`.
    fn home(&self, sub: &str, uid: u32) -> PathBuf {
        let home = self.dir.join(sub);
        fs::create_dir_all(&home).unwrap();
        let status = Command::new("chown")
            .arg(format!("{uid}:{uid}"))
            .arg(&home)
            .status()
            .unwrap();
        assert!(status.success());
        home
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The audit lines of a run.
fn attempts(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains(" attempt ")).collect()
}

/// One attempt line with this outcome and reason, and no trace of the password.
fn assert_audited(out: &Output, outcome: &str, reason: &str, password: &[u8]) {
    let err = stderr(out);
    let lines = attempts(&err);
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains(&format!(" outcome={outcome} reason={reason} ")),
        "{err}"
    );
    assert!(lines[0].contains(" hook=check "), "{err}");
    if password.len() > 3 {
        let text = String::from_utf8_lossy(password);
        assert!(!err.contains(text.as_ref()), "{err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(text.as_ref()));
    }
}

/// Refused before any verification: exit 2, a message naming `what`, no attempt line.
fn assert_misuse(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{err}");
    assert!(err.contains(what), "{what:?} not in {err}");
    assert!(attempts(&err).is_empty(), "{err}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// Whether the real callers are here (and root, which they need); outside CI a test
/// without them is skipped, in CI it fails.
fn have(what: &str, files: &[&str]) -> bool {
    let missing: Vec<&&str> = files.iter().filter(|f| !Path::new(f).exists()).collect();
    let root = is_root();
    if missing.is_empty() && root {
        return true;
    }
    let why = format!("{what}: missing {missing:?}, root {root}");
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have the real callers (tools/test installs them): {why}"
    );
    eprintln!("skipping: {why}");
    false
}

// --- pam_exec, driven directly -------------------------------------------------------------

/// Environment variables, as names and raw values.
type Vars<'a> = &'a [(&'a str, &'a [u8])];

/// Runs `check pam-exec` in pam_exec's environment: only the PAM variables given.
fn pam_exec(s: &Setup, args: &[&str], vars: Vars<'_>, stdin: &[u8]) -> Output {
    let mut c = s.command(&[&["pam-exec"], args].concat());
    c.env_clear();
    for (k, v) in vars {
        c.env(k, OsStr::from_bytes(v));
    }
    bin::start(c, stdin).wait_with_output().unwrap()
}

#[test]
fn pam_exec_auth_and_account() {
    let s = Setup::new("pam");
    let auth = |user: &str, stdin: &[u8]| {
        let vars: [(&str, &[u8]); 4] = [
            ("PAM_TYPE", b"auth"),
            ("PAM_USER", user.as_bytes()),
            ("PAM_SERVICE", b"sshd"),
            ("PAM_RHOST", b"192.0.2.7"),
        ];
        pam_exec(&s, &[], &vars, stdin)
    };
    // (user, what pam_exec writes, exit status, reason)
    let cases: &[(&str, &[u8], i32, &str)] = &[
        // Linux-PAM ≥ 1.4.0 writes the password alone; older ones and FreeBSD add a NUL.
        ("sha512u", b"pw sha512u", 0, "verified"),
        ("yescryptu", b"pw yescryptu\0", 0, "verified"),
        ("bcryptu", b"pw bcryptu", 0, "verified"),
        ("desu", b"pw desu", 0, "verified"),
        ("sha512u", b"wrong password", 1, "wrong-password"),
        ("sha512u", b"pw sha512u\xff", 1, "wrong-password"),
        ("nobody", b"pw nobody", 1, "unknown-user"),
        ("lockedu", b"pw lockedu", 1, "locked"),
        ("expiredu", b"pw expiredu", 1, "expired"),
        // pam_exec without expose_authtok: standard input is empty.
        ("sha512u", b"", 1, "password-refused"),
    ];
    for &(user, stdin, status, reason) in cases {
        let out = auth(user, stdin);
        assert_eq!(code(&out), status, "{user}: {}", stderr(&out));
        let outcome = if status == 0 { "allow" } else { "deny" };
        assert_audited(&out, outcome, reason, stdin);
        let err = stderr(&out);
        assert!(err.contains(&format!(" user={user} ")), "{err}");
        assert!(
            err.contains(" ip=192.0.2.7 protocol=pam-exec/sshd "),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }

    // The account phase: no password, the account's state only.
    for (user, status, reason) in [
        ("sha512u", 0, "account-usable"),
        ("lockedu", 1, "locked"),
        ("expiredu", 1, "expired"),
        ("nobody", 1, "unknown-user"),
    ] {
        let vars: [(&str, &[u8]); 2] = [("PAM_TYPE", b"account"), ("PAM_USER", user.as_bytes())];
        let out = pam_exec(&s, &[], &vars, b"");
        assert_eq!(code(&out), status, "{user}: {}", stderr(&out));
        let outcome = if status == 0 { "allow" } else { "deny" };
        assert_audited(&out, outcome, reason, b"");
    }

    // Hostile or mistaken input: refused before any verification.
    let long = vec![b'x'; 64 * 1024 + 2];
    let hostile: &[(Vars<'_>, &[u8], &str)] = &[
        (
            &[("PAM_TYPE", b"auth"), ("PAM_USER", b"sha512u")],
            b"pw sha512u\0pw sha512u",
            "data follows the password's NUL",
        ),
        (
            &[("PAM_TYPE", b"auth"), ("PAM_USER", b"sha512u")],
            &long,
            "longer than",
        ),
        (&[("PAM_TYPE", b"auth")], b"pw", "PAM_USER is not set"),
        (&[("PAM_USER", b"sha512u")], b"pw", "PAM_TYPE is not set"),
        (
            &[("PAM_TYPE", b"password"), ("PAM_USER", b"sha512u")],
            b"pw sha512u",
            "PAM_TYPE password is not answered",
        ),
        (
            &[("PAM_TYPE", b"open_session"), ("PAM_USER", b"sha512u")],
            b"",
            "PAM_TYPE open_session is not answered",
        ),
        (
            &[("PAM_TYPE", b"auth"), ("PAM_USER", b"sha\xff512u")],
            b"pw sha512u",
            "the user name is not UTF-8",
        ),
        (
            &[("PAM_TYPE", b"auth"), ("PAM_USER", b"sha512u\n")],
            b"pw sha512u",
            "control character",
        ),
        (
            &[("PAM_TYPE", b"auth"), ("PAM_USER", b"")],
            b"pw",
            "the user name is empty",
        ),
    ];
    for &(vars, stdin, what) in hostile {
        assert_misuse(&pam_exec(&s, &[], vars, stdin), what);
    }

    // --source names another section; a missing one is an error, not a verdict.
    let vars: [(&str, &[u8]); 2] = [("PAM_TYPE", b"auth"), ("PAM_USER", b"hapr1")];
    let out = pam_exec(&s, &["--source", "web"], &vars, b"pw hapr1");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_audited(&out, "allow", "verified", b"pw hapr1");
    let out = pam_exec(&s, &["--source", "nope"], &vars, b"pw hapr1");
    assert_misuse(&out, "sources.nope");
}

// --- checkpassword, driven directly --------------------------------------------------------

/// Runs `check checkpassword ARGS` with `fd3` on descriptor 3 (a pipe, as Dovecot and
/// qmail-popup give it) and standard input empty.
fn checkpassword(s: &Setup, args: &[&str], env: &[(&str, &str)], fd3: &[u8]) -> Output {
    let mut c = Command::new("sh");
    c.args(["-c", "exec \"$@\" 3<&0 0</dev/null", "sh"])
        .arg(s.path("passgate"))
        .args(["check", "--config", &s.config(), "checkpassword"])
        .args(args)
        .envs(env.iter().copied());
    bin::start(c, fd3).wait_with_output().unwrap()
}

/// Prints what the next program got, as Dovecot's checkpassword-reply reads it.
const SHOW_ENV: &str =
    r#"printf '%s|%s|%s|%s|%s|%s' "$USER" "$HOME" "$userdb_uid" "$userdb_gid" "$EXTRA" "$*""#;

#[test]
fn checkpassword_contract() {
    let s = Setup::new("cp");
    let home = s.path("home");
    // Right password: the next program runs with the account's environment.
    for input in [
        &b"sha512u\0pw sha512u\0\0"[..],    // Dovecot: an empty timestamp
        b"sha512u\0pw sha512u\x000\0",      // mod_authnz_external: "0"
        b"sha512u\0pw sha512u\0<1.2@h>\0x", // qmail-popup, and more data
    ] {
        let out = checkpassword(
            &s,
            &["sh", "-c", SHOW_ENV, "sh", "--config", "x"],
            &[],
            input,
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("sha512u|{home}/sha512u|2001|2001|userdb_uid userdb_gid|--config x")
        );
        assert_audited(&out, "allow", "verified", b"pw sha512u");
    }
    // `--` works too, and no program at all is a plain 0.
    let out = checkpassword(
        &s,
        &["--", "sh", "-c", "echo ran"],
        &[],
        b"md5u\0pw md5u\0\0",
    );
    assert_eq!((code(&out), &out.stdout[..]), (0, &b"ran\n"[..]));
    let out = checkpassword(&s, &[], &[], b"md5u\0pw md5u\0\0");
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Denials: exit 1, the next program never runs.
    let env = [("SERVICE", "imap"), ("TCPREMOTEIP", "192.0.2.9")];
    for (input, reason) in [
        (&b"sha512u\0wrong password\0\0"[..], "wrong-password"),
        (b"nobody\0pw nobody\0\0", "unknown-user"),
        (b"lockedu\0pw lockedu\0\0", "locked"),
        (b"nopassu\0\0\0", "password-refused"),
        (b"expiredu\0pw expiredu\0\0", "expired"),
        (b"sha512u\0\0\0", "password-refused"),
    ] {
        let out = checkpassword(&s, &["sh", "-c", "echo ran"], &env, input);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(out.stdout.is_empty());
        let password = input.split(|&b| b == 0).nth(1).unwrap();
        assert_audited(&out, "deny", reason, password);
        let err = stderr(&out);
        assert!(
            err.contains(" ip=192.0.2.9 protocol=checkpassword/imap "),
            "{err}"
        );
    }

    // Misuse: exit 2.
    let mut long = b"sha512u\0".to_vec();
    long.resize(511, b'x');
    long.extend_from_slice(b"\0\0");
    for (input, what) in [
        (&b""[..], "the user name is not terminated"),
        (b"sha512u", "the user name is not terminated"),
        (b"sha512u\0pw sha512u", "the password is not terminated"),
        (&long, "longer than 512 bytes"),
        (b"sha\xff512u\0pw\0\0", "not UTF-8"),
        (b"\0pw\0\0", "the user name is empty"),
    ] {
        assert_misuse(&checkpassword(&s, &[], &[], input), what);
    }
    let lookup = checkpassword(&s, &[], &[("AUTHORIZED", "1")], b"sha512u\0\0\0");
    assert_misuse(&lookup, "AUTHORIZED is set");
    let mut closed = Command::new("sh");
    closed
        .args(["-c", "exec \"$@\" 3<&-", "sh"])
        .arg(s.path("passgate"))
        .args(["check", "--config", &s.config(), "checkpassword"]);
    let out = bin::start(closed, b"").wait_with_output().unwrap();
    assert_misuse(&out, "descriptor 3 is not open");

    // Temporary failures: 111.
    let input = b"sha512u\0pw sha512u\0\0";
    let mut c = Command::new("sh");
    c.args(["-c", "exec \"$@\" 3<&0 0</dev/null", "sh", BIN])
        .args([
            "check",
            "--config",
            "/nonexistent/passgate.toml",
            "checkpassword",
        ]);
    let out = bin::start(c, input).wait_with_output().unwrap();
    assert_eq!(code(&out), 111, "{}", stderr(&out));
    let out = checkpassword(&s, &["/nonexistent/program"], &[], input);
    assert_eq!(code(&out), 111, "{}", stderr(&out));
    assert!(stderr(&out).contains("running /nonexistent/program"));
    fs::rename(s.dir.join("shadow"), s.dir.join("shadow.gone")).unwrap();
    let out = checkpassword(&s, &[], &[], input);
    assert_eq!(code(&out), 111, "{}", stderr(&out));
    assert!(attempts(&stderr(&out)).is_empty());
}

/// `--become-user`: the next program runs as the account, in its home, with no
/// supplementary group, as qmail's checkpassword starts qmail-pop3d.
#[test]
fn checkpassword_becomes_the_user() {
    if !have("checkpassword --become-user", &[]) {
        return;
    }
    let s = Setup::new("become");
    let home = s.home("www/hapr1", 3001);
    let show = "id -u; id -g; id -G; pwd";
    let out = checkpassword(
        &s,
        &["--source", "web", "--become-user", "sh", "-c", show],
        &[],
        b"hapr1\0pw hapr1\0\0",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("3001\n3001\n3001\n{}\n", home.display())
    );
    // An account without a uid of its own (htpasswd, nothing forced) is not run as root.
    let out = checkpassword(
        &s,
        &["--source", "zero", "--become-user", "sh", "-c", show],
        &[],
        b"hapr1\0pw hapr1\0\0",
    );
    assert_eq!(code(&out), 111, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("uid or gid is 0"));
    // A home that does not exist: not run.
    let out = checkpassword(
        &s,
        &["--source", "web", "--become-user", "sh", "-c", show],
        &[],
        b"hbcrypt\0pw hbcrypt\0\0",
    );
    assert_eq!(code(&out), 111, "{}", stderr(&out));
    assert!(stderr(&out).contains("home directory"), "{}", stderr(&out));
}

// --- mod_authnz_external, driven directly --------------------------------------------------

fn authnz(s: &Setup, env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut c = s.command(&["--source", "web", "authnz-external"]);
    c.env_clear().envs(env.iter().copied());
    bin::start(c, stdin).wait_with_output().unwrap()
}

#[test]
fn authnz_external_pipe() {
    let s = Setup::new("authnz");
    let env = [("AUTHTYPE", "PASS"), ("IP", "198.51.100.4")];
    for (input, status, reason) in [
        (&b"hapr1\npw hapr1\n"[..], 0, "verified"),
        (b"hbcrypt\npw hbcrypt\n", 0, "verified"),
        (b"hsha\npw hsha\n", 0, "verified"),
        (b"hdes\npw hdes\n", 0, "verified"),
        (b"hapr1\nwrong password\n", 1, "wrong-password"),
        (b"nobody\npw nobody\n", 1, "unknown-user"),
        (b"hapr1\n\n", 1, "password-refused"),
        (b"hapr1\npw\0hapr1\n", 1, "password-refused"),
    ] {
        let out = authnz(&s, &env, input);
        assert_eq!(code(&out), status, "{}", stderr(&out));
        let outcome = if status == 0 { "allow" } else { "deny" };
        let password = input.split(|&b| b == b'\n').nth(1).unwrap();
        assert_audited(&out, outcome, reason, password);
        assert!(stderr(&out).contains(" ip=198.51.100.4 protocol=authnz-external "));
    }
    let long = vec![b'x'; 66 * 1024 + 3];
    for (input, what) in [
        (&b"hapr1"[..], "the user name is not terminated"),
        (b"hapr1\npw hapr1", "the password is not terminated"),
        // A password holding a newline (possible in HTTP Basic) is never cut short.
        (
            b"hapr1\npw hapr1\nmore\n",
            "data follows the password's line",
        ),
        (b"hap\0r1\npw hapr1\n", "control character"),
        (b"h\xffapr1\npw hapr1\n", "not UTF-8"),
        (&long, "longer than"),
    ] {
        assert_misuse(&authnz(&s, &env, input), what);
    }
    let group = authnz(&s, &[("AUTHTYPE", "GROUP")], b"hapr1\nadmins\n");
    assert_misuse(&group, "AUTHTYPE is not PASS");
}

// --- the real callers ----------------------------------------------------------------------

/// A PAM service file in /etc/pam.d (Linux-PAM reads no other directory), removed on drop.
struct PamService {
    name: String,
}

impl PamService {
    fn new(lines: &str) -> Self {
        let name = format!("passgate-test-{:x}", random());
        fs::write(Path::new("/etc/pam.d").join(&name), lines).unwrap();
        Self { name }
    }
}

impl Drop for PamService {
    fn drop(&mut self) {
        let _ = fs::remove_file(Path::new("/etc/pam.d").join(&self.name));
    }
}

/// `pamtester SERVICE USER OPS…` with `stdin` as what the user types.
fn pamtester(service: &PamService, user: &[u8], ops: &[&str], stdin: &[u8]) -> Output {
    let mut c = Command::new("pamtester");
    c.arg(&service.name).arg(OsStr::from_bytes(user)).args(ops);
    bin::start(c, stdin).wait_with_output().unwrap()
}

#[test]
fn pamtester_through_pam_exec() {
    if !have("pam_exec", &["/usr/bin/pamtester", "/etc/pam.d"]) {
        return;
    }
    let s = Setup::new("pamtester");
    let log = s.path("pam.log");
    let run = format!(
        "{} check --config {} pam-exec",
        s.path("passgate"),
        s.config()
    );
    let service = PamService::new(&format!(
        "auth required pam_exec.so expose_authtok quiet log={log} {run}\n\
         account required pam_exec.so quiet log={log} {run}\n"
    ));
    let mut expected_lines = 0;
    // (user, typed line, authenticates)
    let cases: &[(&[u8], &[u8], bool)] = &[
        (b"sha512u", b"pw sha512u\n", true),
        (b"yescryptu", b"pw yescryptu\n", true),
        (b"bcryptu", b"pw bcryptu\n", true),
        (b"sha512u", b"wrong password\n", false),
        (b"sha512u", b"pw sha512u \n", false),
        (b"sha512u", b"pw sha512u\xff\n", false),
        (b"nobody", b"pw nobody\n", false),
        (b"lockedu", b"pw lockedu\n", false),
        (b"expiredu", b"pw expiredu\n", false),
        (b"sha512u", b"\n", false),
    ];
    for &(user, typed, ok) in cases {
        let out = pamtester(&service, user, &["authenticate"], typed);
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.success(), ok, "{user:?}: {text}");
        expected_lines += 1;
    }
    // PAM hands pam_exec at most PAM_MAX_RESP_SIZE - 1 = 511 bytes: a longer password is
    // cut there, and so does not verify.
    let mut long = vec![b'x'; 600];
    long.push(b'\n');
    assert!(
        !pamtester(&service, b"sha512u", &["authenticate"], &long)
            .status
            .success()
    );
    expected_lines += 1;
    // A user name no account has: refused before any verification (no audit line).
    assert!(
        !pamtester(&service, b"sha\t512u", &["authenticate"], b"pw\n")
            .status
            .success()
    );
    // Both phases: authenticate, then the account's state.
    let both = ["authenticate", "acct_mgmt"];
    let out = pamtester(&service, b"sha512u", &both, b"pw sha512u\n");
    assert!(out.status.success(), "{}", stderr(&out));
    expected_lines += 2;
    assert!(
        !pamtester(&service, b"expiredu", &["acct_mgmt"], b"")
            .status
            .success()
    );
    expected_lines += 1;

    // The audit lines went where pam_exec's log= sends standard error; no password did.
    let logged = fs::read_to_string(&log).unwrap();
    let lines = attempts(&logged);
    assert_eq!(lines.len(), expected_lines, "{logged}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(&format!("protocol=pam-exec/{}", service.name)))
    );
    for (user, reason) in [
        ("sha512u", "verified"),
        ("sha512u", "wrong-password"),
        ("nobody", "unknown-user"),
        ("lockedu", "locked"),
        ("expiredu", "expired"),
        ("sha512u", "password-refused"),
        ("sha512u", "account-usable"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!(" user={user} ")) && l.contains(reason)),
            "{user} {reason}: {logged}"
        );
    }
    assert!(!logged.contains("pw sha512u"), "{logged}");
    assert!(logged.contains("the user name is holding a control character"));
}

/// A PAM environment that names PAM_TYPE or PAM_USER itself (an application's
/// `pam_putenv`, here `pamtester -E`; pam_env sets its variables only after the auth phase)
/// must not turn an auth check into an account check or another user's check: pam_exec
/// appends its own variables after the PAM environment's, and `getenv` finds the first.
#[test]
fn pam_environment_cannot_forge_pam_exec_variables() {
    if !have("pam_exec", &["/usr/bin/pamtester", "/etc/pam.d"]) {
        return;
    }
    let s = Setup::new("pamenv");
    let log = s.path("pam.log");
    let run = format!(
        "{} check --config {} pam-exec",
        s.path("passgate"),
        s.config()
    );
    let service = PamService::new(&format!(
        "auth required pam_exec.so expose_authtok quiet log={log} {run}\n"
    ));
    for forged in ["PAM_TYPE=account", "PAM_USER=sha256u"] {
        // The other user's password, then the right one: both refused.
        for typed in [&b"pw sha256u\n"[..], b"pw sha512u\n"] {
            let mut c = Command::new("pamtester");
            c.args(["-E", forged, &service.name, "sha512u", "authenticate"]);
            let out = bin::start(c, typed).wait_with_output().unwrap();
            assert!(!out.status.success(), "{forged}: {}", stderr(&out));
        }
        let var = forged.split('=').next().unwrap();
        let logged = fs::read_to_string(&log).unwrap();
        assert!(
            logged.contains(&format!("{var} is set more than once")),
            "{logged}"
        );
    }
    let logged = fs::read_to_string(&log).unwrap();
    assert!(attempts(&logged).is_empty(), "{logged}");
    // Without the forged variable, the same stack lets the right password in.
    let out = pamtester(&service, b"sha512u", &["authenticate"], b"pw sha512u\n");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A free TCP port on the loopback address.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server started in the foreground; stopped with SIGTERM on drop.
struct Server {
    child: Child,
}

impl Server {
    fn start(mut command: Command, port: u16, log: &Path) -> Self {
        // A group of its own: Apache's prefork stops by signalling its whole process group.
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self { child };
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "the server exited ({status}): {}",
                    fs::read_to_string(log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the server does not listen on {port}: {}",
            fs::read_to_string(log).unwrap_or_default()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-s", "--max-time", "60"])
        .args(args)
        .output()
        .unwrap()
}

/// Dovecot 2.3's `passdb checkpassword` with `userdb prefetch`: Dovecot runs
/// `passgate check checkpassword --config …` with its `checkpassword-reply` appended, which
/// hands USER, HOME, userdb_uid and userdb_gid back to Dovecot.
#[test]
fn dovecot_passdb_checkpassword() {
    if !have(
        "Dovecot",
        &[
            "/usr/sbin/dovecot",
            "/usr/lib/dovecot/imap",
            "/usr/lib/dovecot/checkpassword-reply",
            "/usr/bin/curl",
        ],
    ) {
        return;
    }
    let s = Setup::new("dovecot");
    let home = s.home("home/sha512u", 2001);
    for d in ["run", "state"] {
        fs::create_dir_all(s.dir.join(d)).unwrap();
    }
    let port = free_port();
    let log = s.dir.join("dovecot.log");
    let conf = s.dir.join("dovecot.conf");
    fs::write(
        &conf,
        format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
             protocols = imap\nlisten = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain login\nfirst_valid_uid = 1000\n\
             auth_failure_delay = 0\n\
             mail_location = maildir:~/Maildir\n\
             passdb {{\n  driver = checkpassword\n  args = {d}/passgate check --config {d}/passgate.toml checkpassword\n}}\n\
             userdb {{\n  driver = prefetch\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n}}\n",
            d = s.dir.display()
        ),
    )
    .unwrap();
    let conf = conf.display().to_string();
    let mut dovecot = Command::new("dovecot");
    dovecot.args(["-F", "-c", &conf]);
    let _server = Server::start(dovecot, port, &log);
    let doveadm = |args: &[&str]| {
        Command::new("doveadm")
            .args(["-c", &conf])
            .args(args)
            .output()
            .unwrap()
    };

    // Each attempt from an address of its own: Dovecot slows a remote address down after its
    // failures (a penalty that doubles up to 15 s), which only makes the test wait.
    for (n, (user, password, ok)) in [
        ("sha512u", "pw sha512u", true),
        ("yescryptu", "pw yescryptu", true),
        ("sha512u", "wrong password", false),
        ("nobody", "pw nobody", false),
        ("lockedu", "pw lockedu", false),
        ("expiredu", "pw expiredu", false),
    ]
    .into_iter()
    .enumerate()
    {
        let rip = format!("rip=192.0.2.{}", n + 1);
        let out = doveadm(&[
            "auth",
            "test",
            "-x",
            "service=imap",
            "-x",
            &rip,
            user,
            password,
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let verdict = if ok { "auth succeeded" } else { "auth failed" };
        assert!(text.contains(verdict), "{user}: {text} {}", stderr(&out));
    }
    // The userdb fields came from checkpassword-reply, out of passgate's environment.
    let out = doveadm(&["auth", "login", "sha512u", "pw sha512u"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text} {}", stderr(&out));
    for field in [
        format!("home={}", home.display()),
        "uid=2001".into(),
        "gid=2001".into(),
    ] {
        assert!(text.contains(&field), "{field}: {text}");
    }
    // Dovecot's userdb lookups are refused (use userdb prefetch).
    assert!(!doveadm(&["auth", "lookup", "sha512u"]).status.success());

    // A real IMAP login: the mailbox is created in the account's home, as its uid.
    let url = format!("imap://127.0.0.1:{port}/");
    let out = curl(&[&url, "-u", "sha512u:pw sha512u"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("INBOX"));
    assert_eq!(fs::metadata(home.join("Maildir")).unwrap().uid(), 2001);
    // curl's 67: the server refused the login.
    let out = curl(&[&url, "-u", "sha512u:wrong password"]);
    assert_eq!(out.status.code(), Some(67), "{}", stderr(&out));

    let logged = fs::read_to_string(&log).unwrap();
    assert!(logged.contains("protocol=checkpassword/imap outcome=allow reason=verified"));
    assert!(logged.contains("AUTHORIZED is set"), "{logged}");
    assert!(!logged.contains("pw sha512u"), "{logged}");
}

/// Apache 2.4 with mod_authnz_external's pipe method, asked with `curl`.
#[test]
fn apache_mod_authnz_external() {
    let modules = "/usr/lib/apache2/modules";
    let module = format!("{modules}/mod_authnz_external.so");
    if !have("Apache", &["/usr/sbin/apache2", &module, "/usr/bin/curl"]) {
        return;
    }
    let s = Setup::new("apache");
    fs::create_dir_all(s.dir.join("www")).unwrap();
    fs::write(s.dir.join("www/index.html"), "behind passgate\n").unwrap();
    let port = free_port();
    let log = s.dir.join("error.log");
    let conf = s.dir.join("httpd.conf");
    let load: String = [
        ("mpm_prefork", "mod_mpm_prefork"),
        ("authn_core", "mod_authn_core"),
        ("authz_core", "mod_authz_core"),
        ("authz_user", "mod_authz_user"),
        ("auth_basic", "mod_auth_basic"),
        ("authnz_external", "mod_authnz_external"),
    ]
    .iter()
    .map(|(name, file)| format!("LoadModule {name}_module {modules}/{file}.so\n"))
    .collect();
    fs::write(
        &conf,
        format!(
            "ServerName 127.0.0.1\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\n\
             ErrorLog {d}/error.log\nUser www-data\nGroup www-data\n{load}\
             DocumentRoot {d}/www\n\
             DefineExternalAuth passgate pipe \"{d}/passgate check --config {d}/passgate.toml --source web authnz-external\"\n\
             <Location />\n  AuthType Basic\n  AuthName \"passgate\"\n  AuthBasicProvider external\n\
             \x20 AuthExternal passgate\n  Require valid-user\n</Location>\n",
            d = s.dir.display()
        ),
    )
    .unwrap();
    let mut apache = Command::new("apache2");
    apache.arg("-f").arg(&conf).arg("-DFOREGROUND");
    let _server = Server::start(apache, port, &log);
    let url = format!("http://127.0.0.1:{port}/index.html");
    let status = |credentials: &[&str]| {
        let out = curl(
            &[
                &["-o", "/dev/null", "-w", "%{http_code}", &url],
                credentials,
            ]
            .concat(),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (user_password, expected) in [
        ("hapr1:pw hapr1", "200"),
        ("hbcrypt:pw hbcrypt", "200"),
        ("hsha:pw hsha", "200"),
        ("hapr1:wrong password", "401"),
        ("nobody:pw nobody", "401"),
        ("hapr1:", "401"),
        // A newline in the password: Apache passes it on; passgate refuses the input.
        ("hapr1:pw hapr1\nextra", "401"),
    ] {
        assert_eq!(
            status(&["-u", user_password]),
            expected,
            "{user_password:?}"
        );
    }
    assert_eq!(status(&[]), "401");
    // A user name that is not UTF-8, sent raw.
    let header = "Authorization: Basic aP9hcHIxOnB3IGhhcHIx"; // "h\xffapr1:pw hapr1"
    assert_eq!(status(&["-H", header]), "401");

    let logged = fs::read_to_string(&log).unwrap();
    let lines = attempts(&logged);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("user=hapr1 ip=127.0.0.1 protocol=authnz-external outcome=allow")),
        "{logged}"
    );
    // mod_authnz_external logs the exit status of each refusal.
    assert!(logged.contains("Failed (1) for user hapr1"), "{logged}");
    assert!(logged.contains("Failed (2) for user hapr1"), "{logged}");
    assert!(!logged.contains("pw hapr1"), "{logged}");
}
