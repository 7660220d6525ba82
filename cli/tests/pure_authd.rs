//! `passgate pure-authd` as Pure-FTPd's extauth socket: the protocol spoken over the socket
//! as Pure-FTPd speaks it (right, wrong, unknown, locked, disabled, expired, hostile input,
//! the socket file's life, reloads), and a real Pure-FTPd (`pure-ftpd -l extauth:SOCKET`,
//! Debian's package) logged into with Python's `ftplib`, over the `pureftpd.passwd` fixture
//! written by the real `pure-pw`, the shadow fixture and the htpasswd fixture.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import")
}

/// A fresh directory, traversable by the FTP users (their homes go under it).
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("passgate-pure-authd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A time zone (POSIX `TZ`) in which it is now between 12:00 and 12:59, for the fixture
/// accounts with hours (alice's `0900-1800`): passgate reads its local time, as Pure-FTPd
/// does, from `TZ`.
fn noon() -> &'static str {
    static TZ: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TZ.get_or_init(|| {
        let out = Command::new("date").args(["-u", "+%H"]).output().unwrap();
        let utc: i64 = text(&out.stdout).trim().parse().unwrap();
        // POSIX offsets are west of Greenwich: `NOON-5` is five hours ahead of UTC.
        format!("NOON-{}", (12 - utc).rem_euclid(24))
    })
}

/// How long a test waits for a process to come up or a line to be logged before failing.
const PATIENCE: Duration = Duration::from_secs(60);

/// `passgate pure-authd` on `dir/sock`, its standard error in `dir/authd.log`.
struct Authd {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

impl Authd {
    fn start(dir: &Path, config: &str, extra: &[&str]) -> Self {
        Self::start_as(&[], dir, config, extra)
    }

    /// Starts it through `prefix` (`setpriv …`).
    fn start_as(prefix: &[&str], dir: &Path, config: &str, extra: &[&str]) -> Self {
        let (child, socket, log) = Self::spawn(prefix, dir, config, extra, "authd.log");
        let started = Instant::now();
        let mut authd = Self { child, socket, log };
        while UnixStream::connect(&authd.socket).is_err() {
            if let Some(status) = authd.child.try_wait().unwrap() {
                panic!("pure-authd exited {status}: {}", authd.log());
            }
            assert!(started.elapsed() < PATIENCE, "no socket: {}", authd.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        authd
    }

    /// Starts `passgate pure-authd` on `dir/sock` without waiting for it, its standard
    /// error in `dir/LOG`.
    fn spawn(
        prefix: &[&str],
        dir: &Path,
        config: &str,
        extra: &[&str],
        log: &str,
    ) -> (Child, PathBuf, PathBuf) {
        let config_path = dir.join("passgate.toml");
        std::fs::write(&config_path, config).unwrap();
        let socket = dir.join("sock");
        let log = dir.join(log);
        let bin = env!("CARGO_BIN_EXE_passgate");
        let mut command = match prefix.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let child = command
            .arg("pure-authd")
            .arg("--socket")
            .arg(&socket)
            .arg("--config")
            .arg(&config_path)
            .args(extra)
            .env("TZ", noon())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        (child, socket, log)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log holds `needle` `times` times.
    fn wait_for(&self, needle: &str, times: usize) {
        let started = Instant::now();
        while self.log().matches(needle).count() < times {
            assert!(
                started.elapsed() < PATIENCE,
                "no {needle:?}: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The audit lines of attempts, in order.
    fn attempts(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(" attempt "))
            .map(str::to_owned)
            .collect()
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    fn stop(mut self) -> ExitStatus {
        self.signal(Signal::SIGTERM);
        self.child.wait().unwrap()
    }
}

impl Drop for Authd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request over the socket; the answer read to end of file, as Pure-FTPd reads it.
fn ask(socket: &Path, request: &[u8]) -> Vec<u8> {
    try_ask(socket, request).unwrap()
}

/// [`ask`], with the socket's errors returned.
fn try_ask(socket: &Path, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = UnixStream::connect(socket)?;
    s.set_read_timeout(Some(PATIENCE))?;
    s.write_all(request)?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)?;
    Ok(answer)
}

/// The request Pure-FTPd 1.0.50 writes (`log_extauth.c`).
fn request(account: &str, password: &str, peer: &str) -> Vec<u8> {
    format!(
        "account:{account}\npassword:{password}\nlocalhost:127.0.0.1\nlocalport:21\n\
         peer:{peer}\nsni_name:\nencrypted:0\nend\n"
    )
    .into_bytes()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const REFUSED: &str = "auth_ok:-1\nend\n";
const NOT_FOUND: &str = "auth_ok:0\nend\n";

/// The fixture `pureftpd.passwd` with its homes under `home`.
fn pure_ftpd_source(dir: &Path, home: &Path) -> PathBuf {
    let lines = std::fs::read_to_string(fixtures().join("pureftpd.passwd")).unwrap();
    let path = dir.join("pureftpd.passwd");
    std::fs::write(&path, lines.replace("/srv/ftp", home.to_str().unwrap())).unwrap();
    path
}

/// The fixture shadow file, and its passwd file with the homes under `home`.
fn shadow_source(dir: &Path, home: &Path) -> (PathBuf, PathBuf) {
    let shadow = dir.join("shadow");
    std::fs::copy(fixtures().join("shadow"), &shadow).unwrap();
    let passwd = dir.join("passwd");
    let lines = std::fs::read_to_string(fixtures().join("passwd")).unwrap();
    std::fs::write(
        &passwd,
        lines.replace("/home/", &format!("{}/", home.display())),
    )
    .unwrap();
    (shadow, passwd)
}

/// `pure-pw` writes argon2id with the `t` it can run in its time budget on the machine at
/// hand: 255 and 511 in the fixture, 1023 and more on a fast machine or a quiet one.
const POLICY: &str = "[policy]\nmax_argon2_time = 65535\n";

/// No password and no hash of any fixture in a log.
fn assert_no_secrets(log: &str) {
    assert!(!log.contains("pw "), "a password in the log: {log}");
    for needle in ["$argon2id$", "$1$", "$6$", "$2y$", "$2b$", "$apr1$"] {
        assert!(!log.contains(needle), "a hash in the log: {log}");
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

#[test]
fn answers_as_pure_ftpd_reads_them() {
    let dir = scratch("protocol");
    let home = dir.join("home");
    let pure = pure_ftpd_source(&dir, &home);
    let (shadow, passwd) = shadow_source(&dir, &home);
    let config = format!(
        "{POLICY}[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n\
         [sources.system]\nformat = \"shadow\"\npath = {shadow:?}\npasswd = {passwd:?}\n"
    );
    let authd = Authd::start(&dir, &config, &[]);
    let h = home.display();
    let answer =
        |user: &str, pw: &str, peer: &str| text(&ask(&authd.socket, &request(user, pw, peer)));

    // md5crypt, sha512crypt, bcrypt ($2y$), argon2id (t=511): uid, gid, the home with its
    // chroot mark, and the line's bandwidth.
    assert_eq!(
        answer("dave", "pw dave", "127.0.0.1"),
        format!(
            "auth_ok:1\nuid:2005\ngid:2005\ndir:{h}/dave/./\nthrottling_bandwidth_ul:1024\nend\n"
        )
    );
    assert_eq!(
        answer("erin", "pw erin", "127.0.0.1"),
        format!("auth_ok:1\nuid:2006\ngid:2006\ndir:{h}/erin/./\nend\n")
    );
    assert_eq!(
        answer("frank", "pw frank", "127.0.0.1"),
        format!("auth_ok:1\nuid:2007\ngid:2007\ndir:{h}/frank/./\nend\n")
    );
    assert_eq!(
        answer("bob", "pw bob", "127.0.0.1"),
        format!("auth_ok:1\nuid:2003\ngid:2003\ndir:{h}/bob\nend\n")
    );
    // alice (argon2id t=255) from an address her rules allow: every setting of her line.
    assert_eq!(
        answer("alice", "pw alice", "10.0.0.1"),
        format!(
            "auth_ok:1\nuid:2001\ngid:2002\ndir:{h}/alice/./\nthrottling_bandwidth_ul:204800\n\
             throttling_bandwidth_dl:102400\nuser_quota_size:52428800\nuser_quota_files:1000\n\
             ratio_upload:1\nratio_download:10\nper_user_max:5\nend\n"
        )
    );
    // From one they do not: refused, no other method tried.
    assert_eq!(answer("alice", "pw alice", "127.0.0.1"), REFUSED);
    assert_eq!(answer("dave", "wrong", "127.0.0.1"), REFUSED);
    assert_eq!(answer("bob", "wrong", "127.0.0.1"), REFUSED);
    // Not in the source (grace's line is one pure-pw wrote unreadably): the next method.
    assert_eq!(answer("nobody", "pw nobody", "127.0.0.1"), NOT_FOUND);
    assert_eq!(answer("grace", "pw grace", "127.0.0.1"), NOT_FOUND);
    assert_eq!(answer("nobody", "", "127.0.0.1"), NOT_FOUND);
    assert_eq!(answer("dave", "", "127.0.0.1"), REFUSED);
    let reasons: Vec<String> = authd
        .attempts()
        .iter()
        .map(|l| {
            let field = |k: &str| {
                l.split(&format!(" {k}="))
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned()
            };
            format!(
                "{} {} {} {}",
                field("user"),
                field("outcome"),
                field("reason"),
                field("scheme")
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "dave allow verified md5crypt",
            "erin allow verified sha512crypt",
            "frank allow verified bcrypt",
            "bob allow verified argon2id",
            "alice allow verified argon2id",
            "alice deny address-refused argon2id",
            "dave deny wrong-password md5crypt",
            "bob deny wrong-password argon2id",
            "nobody deny unknown-user -",
            "grace deny unknown-user -",
            "nobody deny password-refused -",
            "dave deny password-refused -",
        ]
    );
    assert!(
        authd
            .attempts()
            .iter()
            .all(|l| l.contains("hook=pure-authd"))
    );
    assert_no_secrets(&authd.log());
    assert!(authd.stop().success());

    // The shadow fixture (useradd, chpasswd, usermod -L, chage): ids and home from passwd.
    let authd = Authd::start(&dir, &config, &["--source", "system"]);
    let answer = |user: &str, pw: &str| text(&ask(&authd.socket, &request(user, pw, "127.0.0.1")));
    assert_eq!(
        answer("sha512u", "pw sha512u"),
        format!("auth_ok:1\nuid:2001\ngid:2001\ndir:{h}/sha512u\nend\n")
    );
    assert_eq!(
        answer("yescryptu", "pw yescryptu"),
        format!("auth_ok:1\nuid:2004\ngid:2004\ndir:{h}/yescryptu\nend\n")
    );
    for user in ["lockedu", "expiredu", "inactiveu"] {
        assert_eq!(answer(user, &format!("pw {user}")), REFUSED, "{user}");
    }
    assert_eq!(answer("dave", "pw dave"), NOT_FOUND);
    let log = authd.log();
    for (reason, count) in [
        ("reason=locked ", 1),
        ("reason=expired ", 1),
        ("reason=disabled ", 1),
    ] {
        assert_eq!(log.matches(reason).count(), count, "{reason}: {log}");
    }
    assert_no_secrets(&log);
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn hostile_input_gets_a_refusal_and_the_service_lives_on() {
    let dir = scratch("hostile");
    let home = dir.join("home");
    let pure = pure_ftpd_source(&dir, &home);
    let config = format!(
        "{POLICY}[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n\
         [pure_authd]\ntimeout = 2\nmax_connections = 3\n"
    );
    let authd = Authd::start(&dir, &config, &[]);
    let sock = authd.socket.clone();
    let right = || text(&ask(&sock, &request("dave", "pw dave", "127.0.0.1")));
    let dave = right();
    assert!(dave.starts_with("auth_ok:1\n"), "{dave}");

    // Whatever arrives, the answer is a refusal (or nothing), never a crash.
    let oversized = vec![b'a'; 4097];
    let mut long_password = b"account:dave\npassword:".to_vec();
    long_password.extend(vec![b'x'; 4096]);
    long_password.extend(b"\nend\n");
    for (bytes, what) in [
        (&b"garbage without lines"[..], "no end"),
        (b"garbage\n\n\nend\n", "not key:value"),
        (
            b"account:dave\naccount:bob\npassword:pw dave\nend\n",
            "two accounts",
        ),
        (
            b"account:dave\npassword:pw dave\npassword:x\nend\n",
            "two passwords",
        ),
        (b"password:pw dave\nend\n", "no account"),
        (b"account:dave\nend\n", "no password"),
        (
            b"account:da\x1bve\npassword:pw dave\nend\n",
            "a control character",
        ),
        (b"account:\xffdave\npassword:pw dave\nend\n", "not UTF-8"),
        (
            b"account:dave\npassword:pw dave\nencrypted:2\nend\n",
            "encrypted:2",
        ),
        (&oversized[..], "4097 bytes"),
    ] {
        let mut s = UnixStream::connect(&sock).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        s.write_all(bytes).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        assert_eq!(text(&answer), REFUSED, "{what}");
    }
    // Longer than Pure-FTPd ever sends, with an end line: refused unread.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    let _ = s.write_all(&long_password);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert_eq!(text(&answer), REFUSED);
    // A NUL in the password, a password that is not UTF-8: no match, no crash.
    assert_eq!(
        text(&ask(&sock, b"account:dave\npassword:pw\0dave\nend\n")),
        REFUSED
    );
    assert_eq!(
        text(&ask(&sock, b"account:dave\npassword:\xff\xfe\nend\n")),
        REFUSED
    );
    // Connected and silent, or dripping a byte at a time: cut at the timeout.
    let mut silent = UnixStream::connect(&sock).unwrap();
    silent.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = Vec::new();
    silent.read_to_end(&mut answer).unwrap();
    assert_eq!(text(&answer), REFUSED);
    let mut drip = UnixStream::connect(&sock).unwrap();
    drip.set_read_timeout(Some(PATIENCE)).unwrap();
    for b in request("dave", "pw dave", "127.0.0.1") {
        if drip.write_all(&[b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut answer = Vec::new();
    let _ = drip.read_to_end(&mut answer);
    assert_eq!(text(&answer), REFUSED);
    // Closed at once: no request, no answer.
    drop(UnixStream::connect(&sock).unwrap());

    // More connections than allowed: those over the limit are closed unanswered, the
    // others cut at the timeout.
    let held: Vec<UnixStream> = (0..4)
        .map(|_| UnixStream::connect(&sock).unwrap())
        .collect();
    let mut empty = 0;
    for mut c in held {
        c.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut answer = Vec::new();
        let _ = c.read_to_end(&mut answer);
        match text(&answer).as_str() {
            "" => empty += 1,
            a => assert_eq!(a, REFUSED),
        }
    }
    assert!(empty >= 1);
    // Back to answering once they are gone. Until the service has seen them go, a connection
    // over the limit is closed unread: empty, or reset when the request was already sent.
    let started = Instant::now();
    while try_ask(&sock, &request("dave", "pw dave", "127.0.0.1")).map_or(true, |a| a.is_empty()) {
        assert!(started.elapsed() < PATIENCE);
        std::thread::sleep(Duration::from_millis(20));
    }

    // Still answering, right and wrong.
    assert_eq!(right(), dave);
    assert_eq!(
        text(&ask(&sock, &request("dave", "wrong", "127.0.0.1"))),
        REFUSED
    );
    let log = authd.log();
    for reason in [
        "reason=malformed",
        "reason=too-large",
        "reason=timeout",
        "reason=too-many-connections",
        "reason=password-refused",
    ] {
        assert!(log.contains(reason), "{reason}: {log}");
    }
    assert!(log.lines().all(|l| !l.contains("panicked")), "{log}");
    assert_no_secrets(&log);
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_full_queue_refuses_at_once() {
    let dir = scratch("queue");
    let pure = pure_ftpd_source(&dir, &dir.join("home"));
    let config = format!(
        "{POLICY}[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n\
         [pure_authd]\nworkers = 1\nqueue = 1\n"
    );
    let authd = Authd::start(&dir, &config, &[]);
    // One worker and a queue of one: of four argon2id (t=511) logins sent together, the
    // first is verified, and at least one finds the queue full and is refused at once.
    let bob = request("bob", "pw bob", "127.0.0.1");
    let mut conns: Vec<UnixStream> = (0..4)
        .map(|_| UnixStream::connect(&authd.socket).unwrap())
        .collect();
    for c in &mut conns {
        c.write_all(&bob).unwrap();
    }
    let answers: Vec<String> = conns
        .into_iter()
        .map(|mut c| {
            c.set_read_timeout(Some(PATIENCE)).unwrap();
            let mut a = Vec::new();
            c.read_to_end(&mut a).unwrap();
            text(&a)
        })
        .collect();
    let ok = answers
        .iter()
        .filter(|a| a.starts_with("auth_ok:1\nuid:2003\n"))
        .count();
    let refused = answers.iter().filter(|a| *a == REFUSED).count();
    assert!(ok >= 1 && refused >= 1 && ok + refused == 4, "{answers:?}");
    let log = authd.log();
    assert_eq!(log.matches("reason=queue-full").count(), refused, "{log}");
    assert_eq!(log.matches("reason=verified").count(), ok, "{log}");
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_socket_file_is_ours_alone() {
    let dir = scratch("socket");
    let pure = pure_ftpd_source(&dir, &dir.join("home"));
    let config = format!("[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n");
    let authd = Authd::start(&dir, &config, &[]);
    let meta = std::fs::symlink_metadata(&authd.socket).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    // A second server on the same socket is refused; the first keeps it.
    let (mut second, _, log) = Authd::spawn(&[], &dir, &config, &[], "second.log");
    let status = second.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let message = std::fs::read_to_string(log).unwrap();
    assert!(
        message.contains("a server is listening there already"),
        "{message}"
    );
    assert!(
        text(&ask(
            &authd.socket,
            &request("dave", "pw dave", "127.0.0.1")
        ))
        .starts_with("auth_ok:1")
    );

    // SIGTERM: exit 0, the socket gone.
    let socket = authd.socket.clone();
    assert!(authd.stop().success());
    assert!(!socket.exists());

    // A stale socket (a crash leaves one) is replaced.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let authd = Authd::start(&dir, &config, &[]);
    assert!(authd.stop().success());

    // Anything else at the path is left alone.
    std::fs::write(&socket, b"not a socket").unwrap();
    let (mut child, _, log) = Authd::spawn(&[], &dir, &config, &[], "third.log");
    assert_eq!(child.wait().unwrap().code(), Some(2));
    assert!(
        std::fs::read_to_string(log)
            .unwrap()
            .contains("is not a socket")
    );
    assert_eq!(std::fs::read(&socket).unwrap(), b"not a socket");
    std::fs::remove_file(&socket).unwrap();

    // 0660 with a group: the group is set before the mode opens.
    if is_root() {
        let config =
            format!("{config}[pure_authd]\nsocket_mode = \"0660\"\nsocket_group = \"daemon\"\n");
        let authd = Authd::start(&dir, &config, &[]);
        let meta = std::fs::symlink_metadata(&authd.socket).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o660);
        let daemon = nix::unistd::Group::from_name("daemon").unwrap().unwrap();
        assert_eq!(meta.gid(), daemon.gid.as_raw());
        assert!(authd.stop().success());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_source_is_read_again_on_change_and_on_sighup() {
    let dir = scratch("reload");
    let path = dir.join("htpasswd");
    std::fs::copy(fixtures().join("htpasswd"), &path).unwrap();
    let config = format!(
        "[source]\nformat = \"htpasswd\"\npath = {path:?}\nhome_base = \"/srv/www\"\n\
         force_uid = 2040\nforce_gid = 2040\npoll = 1\n"
    );
    let authd = Authd::start(&dir, &config, &[]);
    let answer = |user: &str, pw: &str| text(&ask(&authd.socket, &request(user, pw, "127.0.0.1")));
    assert_eq!(
        answer("hbcrypt", "pw hbcrypt"),
        "auth_ok:1\nuid:2040\ngid:2040\ndir:/srv/www/hbcrypt\nend\n"
    );
    assert_eq!(answer("newu", "pw newu"), NOT_FOUND);
    // Apache's htpasswd adds a user: read once the file has settled.
    let status = Command::new("htpasswd")
        .args(["-b", "-B", "-C", "5"])
        .arg(&path)
        .args(["newu", "pw newu"])
        .stderr(Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI must have htpasswd");
        eprintln!("skipping the rest: no htpasswd");
        return;
    }
    authd.wait_for("source-reloaded trigger=changed", 1);
    assert_eq!(
        answer("newu", "pw newu"),
        "auth_ok:1\nuid:2040\ngid:2040\ndir:/srv/www/newu\nend\n"
    );
    // SIGHUP reads it at once.
    Command::new("htpasswd")
        .args(["-D"])
        .arg(&path)
        .arg("newu")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    authd.signal(Signal::SIGHUP);
    authd.wait_for("source-reloaded trigger=sighup", 1);
    assert_eq!(answer("newu", "pw newu"), NOT_FOUND);
    // A file that no longer reads: the accounts in use stay.
    std::fs::write(&path, "x:y:0:0:99999:7:::\nz:y:0:0:99999:7:::\n").unwrap();
    authd.signal(Signal::SIGHUP);
    authd.wait_for("source-reload-failed", 1);
    assert!(answer("hbcrypt", "pw hbcrypt").starts_with("auth_ok:1\n"));
    assert_no_secrets(&authd.log());
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}

// --- a real Pure-FTPd --------------------------------------------------------------------

/// Debian's `pure-ftpd` in the foreground on 127.0.0.1, authenticating through `methods`
/// (`-l` values, in order), creating homes (`-j`), anonymous logins off (`-E`).
struct Ftpd {
    child: Child,
    port: u16,
}

impl Ftpd {
    fn start(methods: &[String]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new("/usr/sbin/pure-ftpd");
        command.arg("-S").arg(format!("127.0.0.1,{port}"));
        for m in methods {
            command.arg("-l").arg(m);
        }
        let mut child = command
            .args(["-E", "-j", "-H"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("pure-ftpd exited {status}: {err}");
            }
            assert!(started.elapsed() < PATIENCE, "pure-ftpd did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    /// Logs in with Python's ftplib; with `upload`, stores `hello.txt` and lists the home.
    /// The password goes through standard input.
    fn login(&self, user: &str, password: &str, upload: bool) -> Value {
        const SCRIPT: &str = r#"
import ftplib, io, json, sys
a = json.load(sys.stdin)
f = ftplib.FTP()
f.connect("127.0.0.1", a["port"], timeout=120)
try:
    reply = f.login(a["user"], a["password"])
    out = {"ok": True, "reply": reply, "pwd": f.pwd()}
    if a["upload"]:
        f.storbinary("STOR hello.txt", io.BytesIO(b"hello"))
        out["list"] = sorted(n for n in f.nlst() if n not in (".", ".."))
except (ftplib.error_perm, ftplib.error_temp) as e:
    out = {"ok": False, "reply": str(e)}
f.close()
print(json.dumps(out))
"#;
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input =
            json!({"port": self.port, "user": user, "password": password, "upload": upload});
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "ftplib failed for {user}: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Ftpd {
    /// Logs in as each `(user, password)` at once, each in a session of its own, and returns
    /// the replies in order: Pure-FTPd holds a failed login's reply back for seconds, and the
    /// sessions spend that time side by side.
    fn logins(&self, attempts: &[(&str, &str)]) -> Vec<Value> {
        std::thread::scope(|scope| {
            let sessions: Vec<_> = attempts
                .iter()
                .map(|&(user, password)| scope.spawn(move || self.login(user, password, false)))
                .collect();
            sessions.into_iter().map(|s| s.join().unwrap()).collect()
        })
    }
}

impl Drop for Ftpd {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

/// Root (Pure-FTPd switches to each user's ids) and the tools; skipped without them,
/// except in CI.
fn real_server_available() -> bool {
    let missing: Vec<&str> = [
        "/usr/sbin/pure-ftpd",
        "/usr/bin/pure-pw",
        "/usr/bin/python3",
    ]
    .into_iter()
    .filter(|t| !Path::new(t).exists())
    .collect();
    let root = is_root();
    if missing.is_empty() && root {
        return true;
    }
    let why = format!("missing {missing:?}, root {root}");
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the real Pure-FTPd: {why}"
    );
    eprintln!("skipping: {why}");
    false
}

/// `pure-pw useradd USER -f FILE ARGS` with `password`.
fn pure_pw(file: &Path, user: &str, password: &str, args: &[&str]) {
    let mut child = Command::new("pure-pw")
        .args(["useradd", user, "-f"])
        .arg(file)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let twice = format!("{password}\n{password}\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(twice.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "pure-pw useradd {user}");
}

/// [`pure_pw`] for each `(user, password, args)` at once, each into a file of its own, then
/// their lines appended to `file` in order: pure-pw spends seconds calibrating each argon2id
/// hash.
fn pure_pw_all(file: &Path, accounts: &[(&str, String, Vec<String>)]) {
    let parts = file.with_extension("parts");
    std::fs::create_dir_all(&parts).unwrap();
    std::thread::scope(|scope| {
        for (user, password, args) in accounts {
            let part = parts.join(user);
            scope.spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                pure_pw(&part, user, password, &args);
            });
        }
    });
    let mut lines = std::fs::read_to_string(file).unwrap_or_default();
    for (user, _, _) in accounts {
        lines.push_str(&std::fs::read_to_string(parts.join(user)).unwrap());
    }
    std::fs::write(file, lines).unwrap();
    std::fs::remove_dir_all(parts).unwrap();
}

/// The time `minutes` from now as `HHMM`, in passgate's time zone.
fn hhmm_in(minutes: i64) -> String {
    let out = Command::new("date")
        .arg("+%H%M")
        .env("TZ", noon())
        .output()
        .unwrap();
    let now: i64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let m = ((now / 100) * 60 + now % 100 + minutes).rem_euclid(24 * 60);
    format!("{:02}{:02}", m / 60, m % 60)
}

#[test]
fn a_real_pure_ftpd_logs_in_through_passgate() {
    if !real_server_available() {
        return;
    }
    let dir = scratch("ftpd");
    let home = dir.join("home");
    let pure = pure_ftpd_source(&dir, &home);
    let h = home.display().to_string();
    // Users with every setting, and hours around now and hours away from it, by pure-pw.
    let account = |user: &'static str, id: &str, more: &[&str]| {
        let mut args = vec![
            "-u".to_owned(),
            id.to_owned(),
            "-g".to_owned(),
            id.to_owned(),
            "-d".to_owned(),
            format!("{h}/{user}"),
        ];
        args.extend(more.iter().map(|a| (*a).to_owned()));
        (user, format!("pw {user}"), args)
    };
    let limits: &[&str] = &[
        "-t",
        "100",
        "-T",
        "200",
        "-n",
        "1000",
        "-N",
        "50",
        "-q",
        "1",
        "-Q",
        "10",
        "-y",
        "3",
        "-r",
        "127.0.0.1",
    ];
    let daytime = format!("{}-{}", hhmm_in(-60), hhmm_in(60));
    let nighttime = format!("{}-{}", hhmm_in(120), hhmm_in(180));
    pure_pw_all(
        &pure,
        &[
            account("limits", "2020", limits),
            account("daytime", "2021", &["-z", &daytime]),
            account("nighttime", "2022", &["-z", &nighttime]),
        ],
    );
    // A second method after passgate: Pure-FTPd's own PureDB, built by pure-pw.
    let other = dir.join("other.passwd");
    let pdb = dir.join("other.pdb");
    let mut dave = account("dave", "2030", &[]);
    dave.1 = "pw dave in puredb".to_owned();
    pure_pw_all(&other, &[account("pdbonly", "2030", &[]), dave]);
    let made = Command::new("pure-pw")
        .args(["mkdb"])
        .arg(&pdb)
        .arg("-f")
        .arg(&other)
        .status()
        .unwrap();
    assert!(made.success(), "pure-pw mkdb");
    let config = format!("{POLICY}[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n");
    let authd = Authd::start(&dir, &config, &[]);
    let ftpd = Ftpd::start(&[
        format!("extauth:{}", authd.socket.display()),
        format!("puredb:{}", pdb.display()),
    ]);

    // md5crypt, with its chroot (`/./`) and upload bandwidth: jailed in its home.
    let dave = ftpd.login("dave", "pw dave", false);
    assert_eq!(dave["ok"], true, "{dave}");
    assert_eq!(dave["pwd"], "/");
    assert!(
        dave["reply"]
            .as_str()
            .unwrap()
            .contains("bandwidth usage is restricted"),
        "{dave}"
    );
    // sha512crypt, bcrypt: jailed too, in homes Pure-FTPd creates with the uid and gid
    // passgate answered.
    for (user, id) in [("erin", 2006), ("frank", 2007)] {
        let got = ftpd.login(user, &format!("pw {user}"), true);
        assert_eq!(
            (got["ok"].clone(), got["pwd"].clone(), got["list"].clone()),
            (json!(true), json!("/"), json!(["hello.txt"])),
            "{user}"
        );
        let stored = std::fs::metadata(home.join(user).join("hello.txt")).unwrap();
        assert_eq!((stored.uid(), stored.gid()), (id, id));
    }
    // argon2id (t=511) without a chroot mark: the full path, not jailed.
    let bob = ftpd.login("bob", "pw bob", false);
    assert_eq!(bob["pwd"], format!("{h}/bob"), "{bob}");
    // Bandwidth, ratio and quotas, as Pure-FTPd announces them.
    let limits = ftpd.login("limits", "pw limits", true);
    let reply = limits["reply"].as_str().unwrap();
    for said in [
        "bandwidth usage is restricted",
        "1:10 (UL/DL) ratio",
        "authorized: 1000 files",
        "authorized: 51200 Kb",
    ] {
        assert!(reply.contains(said), "{said}: {limits}");
    }
    assert_eq!(ftpd.login("daytime", "pw daytime", false)["ok"], true);

    // Refused by passgate (auth_ok:-1): no other method is tried, even one that would
    // accept the password (dave's PureDB password).
    let refused = [
        ("dave", "wrong"),
        ("dave", "pw dave in puredb"),
        ("bob", "wrong"),
        ("alice", "pw alice"),
        ("nighttime", "pw nighttime"),
    ];
    // Unknown to passgate (auth_ok:0): PureDB is asked next. One batch with the refusals.
    let unknown = [("pdbonly", "pw pdbonly"), ("nobody", "pw nobody")];
    let mut got = ftpd.logins(&[&refused[..], &unknown[..]].concat());
    let unknown_got = got.split_off(refused.len());
    for ((user, _), got) in refused.iter().zip(got) {
        assert_eq!(got["ok"], false, "{user}: {got}");
        assert!(got["reply"].as_str().unwrap().starts_with("530"), "{got}");
    }
    assert_eq!(unknown_got[0]["ok"], true, "{}", unknown_got[0]);
    assert_eq!(unknown_got[1]["ok"], false, "{}", unknown_got[1]);

    let lines = authd.attempts();
    let reason = |user: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.contains(&format!(" user={user} ")))
            .map(|l| {
                l.split(" reason=")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        reason("dave"),
        ["verified", "wrong-password", "wrong-password"]
    );
    assert_eq!(reason("alice"), ["address-refused"]);
    assert_eq!(reason("nighttime"), ["outside-hours"]);
    assert_eq!(reason("daytime"), ["verified"]);
    assert_eq!(reason("pdbonly"), ["unknown-user"]);
    assert!(
        lines
            .iter()
            .all(|l| l.contains(" ip=127.0.0.1 protocol=FTP ")),
        "{lines:?}"
    );
    assert_no_secrets(&authd.log());
    drop(ftpd);
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_real_pure_ftpd_over_shadow_and_htpasswd_sources() {
    if !real_server_available() {
        return;
    }
    let dir = scratch("ftpd-sources");
    let home = dir.join("home");
    let (shadow, passwd) = shadow_source(&dir, &home);
    let www = dir.join("www");
    let htpasswd = fixtures().join("htpasswd");
    let config = format!(
        "[sources.system]\nformat = \"shadow\"\npath = {shadow:?}\npasswd = {passwd:?}\n\
         [sources.web]\nformat = \"htpasswd\"\npath = {htpasswd:?}\nhome_base = {www:?}\n\
         force_uid = 2040\nforce_gid = 2040\n\
         [sources.noids]\nformat = \"htpasswd\"\npath = {htpasswd:?}\nhome_base = {www:?}\n\
         [sources.root]\nformat = \"htpasswd\"\npath = {htpasswd:?}\nhome_base = {www:?}\n\
         force_uid = 0\nforce_gid = 2040\n"
    );
    let run = |source: &str| {
        let d = dir.join(source);
        std::fs::create_dir_all(&d).unwrap();
        let authd = Authd::start(&d, &config, &["--source", source]);
        let ftpd = Ftpd::start(&[format!("extauth:{}", authd.socket.display())]);
        (authd, ftpd)
    };

    // Each source behind a Pure-FTPd of its own, side by side: every refusal costs seconds of
    // Pure-FTPd's delay.
    std::thread::scope(|scope| {
        // The shadow file: right, wrong, locked (usermod -L), expired (chage -E), unknown.
        scope.spawn(|| {
            let (authd, ftpd) = run("system");
            let got = ftpd.login("sha512u", "pw sha512u", true);
            assert_eq!(got["pwd"], format!("{}/sha512u", home.display()), "{got}");
            assert_eq!(got["list"], json!(["hello.txt"]));
            assert_eq!(
                std::fs::metadata(home.join("sha512u/hello.txt"))
                    .unwrap()
                    .uid(),
                2001
            );
            let refused = [
                ("sha512u", "wrong"),
                ("lockedu", "pw lockedu"),
                ("expiredu", "pw expiredu"),
                ("inactiveu", "pw inactiveu"),
                ("nobody", "pw nobody"),
            ];
            for ((user, _), got) in refused.iter().zip(ftpd.logins(&refused)) {
                assert_eq!(got["ok"], false, "{user}: {got}");
            }
            let log = authd.log();
            for (reason, count) in [
                ("verified", 1),
                ("wrong-password", 1),
                ("locked", 1),
                ("expired", 1),
                ("disabled", 1),
                ("unknown-user", 1),
            ] {
                let n = log.matches(&format!("reason={reason} ")).count();
                assert_eq!(n, count, "{reason}: {log}");
            }
            drop(ftpd);
            assert!(authd.stop().success());
        });

        // htpasswd ($2y$, $apr1$) with forced ids and homes under home_base.
        scope.spawn(|| {
            let (authd, ftpd) = run("web");
            for user in ["hbcrypt", "hapr1"] {
                let got = ftpd.login(user, &format!("pw {user}"), false);
                assert_eq!(got["pwd"], format!("{}/{user}", www.display()), "{got}");
            }
            for got in ftpd.logins(&[("hbcrypt", "wrong"), ("nobody", "pw nobody")]) {
                assert_eq!(got["ok"], false, "{got}");
            }
            drop(ftpd);
            assert!(authd.stop().success());
        });

        // uid 0 (forced, or none given): refused by passgate, with the reason logged.
        for source in ["root", "noids"] {
            let run = &run;
            scope.spawn(move || {
                let (authd, ftpd) = run(source);
                let got = ftpd.login("hbcrypt", "pw hbcrypt", false);
                assert_eq!(got["ok"], false, "{source}: {got}");
                let log = authd.log();
                assert!(log.contains("reason=uid-or-gid-zero"), "{log}");
                assert_eq!(
                    source == "noids",
                    log.contains("every right password is refused"),
                    "{log}"
                );
                drop(ftpd);
                assert!(authd.stop().success());
            });
        }
    });
    std::fs::remove_dir_all(dir).unwrap();
}

/// Pure-FTPd connects to the socket as uid 0 and gid 0 without `CAP_DAC_OVERRIDE`: a socket
/// root owns answers it, one another user owns (mode 0600) does not. passgate itself needs no
/// capability.
#[test]
fn a_real_pure_ftpd_reaches_a_socket_root_owns() {
    if !real_server_available() {
        return;
    }
    let dir = scratch("ftpd-owner");
    let home = dir.join("home");
    let pure = pure_ftpd_source(&dir, &home);
    let config = format!("[source]\nformat = \"pure-ftpd\"\npath = {pure:?}\n");

    // Root without any capability: the source (0600, root's) reads, the socket is root's.
    std::fs::set_permissions(&pure, std::fs::Permissions::from_mode(0o600)).unwrap();
    let no_caps = [
        "setpriv",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--no-new-privs",
    ];
    let d = dir.join("root");
    std::fs::create_dir_all(&d).unwrap();
    let authd = Authd::start_as(&no_caps, &d, &config, &[]);
    let ftpd = Ftpd::start(&[format!("extauth:{}", authd.socket.display())]);
    let got = ftpd.login("dave", "pw dave", false);
    assert_eq!(got["ok"], true, "{got}");
    assert_eq!(authd.attempts().len(), 1);
    drop(ftpd);
    assert!(authd.stop().success());

    // Another user's socket: Pure-FTPd cannot connect, and the login fails without an
    // attempt reaching passgate.
    std::fs::set_permissions(&pure, std::fs::Permissions::from_mode(0o644)).unwrap();
    let d = dir.join("nobody");
    std::fs::create_dir_all(&d).unwrap();
    nix::unistd::chown(&d, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let authd = Authd::start_as(&nobody, &d, &config, &[]);
    assert_eq!(std::fs::metadata(&authd.socket).unwrap().uid(), 65534);
    let ftpd = Ftpd::start(&[format!("extauth:{}", authd.socket.display())]);
    let got = ftpd.login("dave", "pw dave", false);
    assert_eq!(got["ok"], false, "{got}");
    assert!(authd.attempts().is_empty(), "{}", authd.log());
    drop(ftpd);
    assert!(authd.stop().success());
    std::fs::remove_dir_all(dir).unwrap();
}
