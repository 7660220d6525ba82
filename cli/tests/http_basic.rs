//! `passgate serve`'s `/http-basic` behind a real nginx (`auth_request`), driven by curl,
//! with htpasswd files written by the real tools (`htpasswd`, `mkpasswd`, argon2-cffi); and
//! the edge cases against `passgate serve` alone, with curl and a raw TCP client for the bytes
//! curl will not send.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long anything a test waits for may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A directory of the test's own, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let mut random = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut random))
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "passgate-http-basic-{name}-{}-{:x}",
        std::process::id(),
        u64::from_le_bytes(random)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Whether the tools are here; without them the test is skipped, except in CI.
fn have(tools: &[&str]) -> bool {
    let mut missing: Vec<String> = tools
        .iter()
        .filter(|t| tool(t).is_none())
        .map(|t| (*t).to_owned())
        .collect();
    if missing.is_empty() && tools.contains(&"nginx") {
        let v = Command::new(tool("nginx").unwrap())
            .arg("-V")
            .output()
            .unwrap();
        if !String::from_utf8_lossy(&v.stderr).contains("--with-http_auth_request_module") {
            missing.push("nginx's auth_request module".into());
        }
    }
    if missing.is_empty() && tools.contains(&"python3") {
        let argon2 = Command::new("python3")
            .args(["-c", "import argon2"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !argon2 {
            missing.push("python3's argon2-cffi (tools/test installs it)".into());
        }
    }
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have {missing:?} (tools/test installs them)"
    );
    eprintln!("skipping: missing {missing:?}");
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Standard base64 with padding (RFC 4648 §4), to write hostile headers with.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Self {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
        let head = &raw[..end];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let status_line = String::from_utf8_lossy(lines.next().unwrap()).into_owned();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|l| {
                let colon = l.iter().position(|&b| b == b':')?;
                let name = String::from_utf8_lossy(&l[..colon]).to_ascii_lowercase();
                Some((name, l[colon + 1..].trim_ascii().to_vec()))
            })
            .collect();
        Self {
            status,
            headers,
            body: raw[end + 4..].to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn body(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `curl -i URL` with `config` (curl's own config syntax: `user = "…"`, …) on its standard
/// input, so that no password is in its arguments, and `headers` from a file.
fn curl(url: &str, config: &[u8], headers: Option<&Path>, method: &str) -> Reply {
    let mut c = Command::new("curl");
    c.args(["-sS", "-i", "--max-time", "60", "-K", "-"]);
    match method {
        "GET" => {}
        "HEAD" => {
            c.arg("-I");
        }
        _ => {
            c.args(["-X", method]);
        }
    }
    if let Some(h) = headers {
        let mut arg = std::ffi::OsString::from("@");
        arg.push(h);
        c.arg("-H").arg(arg);
    }
    let mut child = c
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(config).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Reply::parse(&out.stdout)
}

/// curl's config line for a user and password (its quoted-string escapes).
fn user(name: &[u8], password: &[u8]) -> Vec<u8> {
    let mut line = b"user = \"".to_vec();
    for &b in name.iter().chain(b":").chain(password) {
        if b == b'"' || b == b'\\' {
            line.push(b'\\');
        }
        line.push(b);
    }
    line.extend_from_slice(b"\"\n");
    line
}

/// One request of raw bytes (it must say `Connection: close`); the answer as read.
fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    // A server that answers before reading all of a large request may close early.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    Reply::parse(&out)
}

/// A running `passgate serve --log-format json`, killed when dropped.
struct Passgate {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Passgate {
    fn start(config: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(["serve", "--log-format", "json", "--config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let mut p = Self {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            lines,
        };
        let mut addr = None;
        wait_until("passgate serve to listen", || {
            if let Some(status) = p.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                panic!("passgate serve exited {status}: {:?}", p.stderr());
            }
            addr = p
                .events("listening")
                .first()
                .map(|e| e["address"].as_str().unwrap().parse().unwrap());
            addr.is_some()
        });
        p.addr = addr.unwrap();
        p
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn stderr(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn events(&self, event: &str) -> Vec<Value> {
        self.stderr()
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["event"] == event)
            .collect()
    }

    /// The audit lines, once there are `n`: (user, outcome, reason) each.
    fn attempts(&self, n: usize) -> Vec<(String, String, String)> {
        wait_until(&format!("{n} audit lines"), || {
            self.events("attempt").len() >= n
        });
        self.events("attempt")
            .iter()
            .map(|a| {
                assert_eq!(a["hook"], "http-basic", "{a}");
                assert_eq!(
                    (&a["ip"], &a["protocol"]),
                    (&Value::from(""), &Value::from(""))
                );
                let s = |k: &str| a[k].as_str().unwrap().to_owned();
                (s("user"), s("outcome"), s("reason"))
            })
            .collect()
    }

    fn metrics(&self) -> String {
        let r = curl(&self.url("/metrics"), b"", None, "GET");
        assert_eq!(r.status, 200);
        r.body()
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, signal).unwrap();
    }
}

impl Drop for Passgate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sum of the samples of `name` whose labels include `labels`.
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, set) = series.split_once('{').unwrap_or((series, "}"));
            let set = set.strip_suffix('}')?;
            (n == name
                && labels
                    .iter()
                    .all(|(k, v)| set.split(',').any(|p| p == format!("{k}=\"{v}\""))))
            .then(|| value.parse::<f64>().unwrap())
        })
        .sum()
}

/// A real nginx in the foreground, one process, every path in `dir`; killed when dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Nginx {
    /// nginx with `http` holding the `server` blocks; `PORT` in them is the port it
    /// listens on, `DIR` the directory.
    fn start(dir: &Path, servers: &str) -> Self {
        let port = free_port();
        let d = dir.display();
        let conf = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{}\n}}\n",
            servers
                .replace("PORT", &port.to_string())
                .replace("DIR", &d.to_string())
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut child = Command::new(tool("nginx").unwrap())
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_until("nginx to listen", || {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                panic!("nginx exited {status}: {err}\n{log}");
            }
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Self {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `user:hash` as `htpasswd -n -i FLAGS` writes it, the password on its standard input.
fn htpasswd(flags: &[&str], name: &str, password: &[u8]) -> String {
    let mut child = Command::new("htpasswd")
        .arg("-ni")
        .args(flags)
        .arg(name)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(password).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "htpasswd {flags:?}");
    let line = String::from_utf8(out.stdout).unwrap();
    let line = line.trim_end().to_owned();
    assert!(line.starts_with(&format!("{name}:")), "{line}");
    line
}

/// A hash written by `mkpasswd -m METHOD -s`, the password on its standard input.
fn mkpasswd(method: &str, password: &[u8]) -> String {
    let mut child = Command::new("mkpasswd")
        .args(["-m", method, "-s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(password).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "mkpasswd -m {method}");
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// An Argon2 hash written by argon2-cffi (`Type.ID` or `Type.I`), the password on its
/// standard input.
fn argon2(kind: &str, password: &[u8]) -> String {
    let script = format!(
        "import sys, os\nfrom argon2.low_level import hash_secret, Type\n\
         pw = sys.stdin.buffer.read()\n\
         print(hash_secret(pw, os.urandom(16), time_cost=2, memory_cost=256, parallelism=1, \
         hash_len=32, type=Type.{kind}).decode())"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(password).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "argon2-cffi");
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// An account: its name, its password and the scheme of its hash.
type Account = (&'static str, Vec<u8>, &'static str);

/// The web realm's accounts: one per format, each with its password.
fn web_accounts() -> (String, Vec<Account>) {
    let accounts: Vec<Account> = vec![
        ("bcrypt", b"bcrypt pass 1".to_vec(), "bcrypt"),
        ("apr1", b"apr1 pass:2".to_vec(), "apr1"),
        ("sha1", b"sha1 pass 3".to_vec(), "htpasswd-sha1"),
        ("des", b"desPass4".to_vec(), "descrypt"),
        ("sha256", b"sha256 pass 5".to_vec(), "sha256crypt"),
        ("sha512", b"sha512 pass 6".to_vec(), "sha512crypt"),
        // A Latin-1 password, as a legacy client sends it: the same bytes verify.
        ("yescrypt", b"yescrypt p\xe4ss 7".to_vec(), "yescrypt"),
        ("argon2id", b"argon2id pass 8".to_vec(), "argon2id"),
        ("argon2i", b"argon2i pass 9".to_vec(), "argon2i"),
        (
            "web.user-1_~",
            "p\u{e4}ssw\u{f6}rd: UTF-8".as_bytes().to_vec(),
            "bcrypt",
        ),
    ];
    let mut file = String::new();
    for (name, password, _) in &accounts {
        let line = match *name {
            "bcrypt" | "web.user-1_~" => htpasswd(&["-B", "-C", "4"], name, password),
            "apr1" => htpasswd(&["-m"], name, password),
            "sha1" => htpasswd(&["-s"], name, password),
            "des" => htpasswd(&["-d"], name, password),
            "sha256" => htpasswd(&["-2", "-r", "1000"], name, password),
            "sha512" => htpasswd(&["-5", "-r", "1000"], name, password),
            "yescrypt" => format!("{name}:{}", mkpasswd("yescrypt", password)),
            "argon2id" => format!("{name}:{}", argon2("ID", password)),
            "argon2i" => format!("{name}:{}", argon2("I", password)),
            _ => unreachable!(),
        };
        file.push_str(&line);
        file.push('\n');
    }
    // A locked account: its hash behind `!`.
    let locked = htpasswd(&["-m"], "locked", b"locked pass");
    file.push_str(&locked.replacen(':', ":!", 1));
    file.push('\n');
    (file, accounts)
}

fn htpasswd_source(key: &str, path: &str) -> String {
    format!("[{key}]\nformat = \"htpasswd\"\npath = \"{path}\"\nhome_base = \"/srv/www\"\n")
}

/// The nginx of docs/nginx-auth-request.md: two protected locations, each with its realm,
/// passing the user to the application (here a second server block that echoes it).
fn nginx_servers(passgate: SocketAddr) -> String {
    let backend = free_port();
    format!(
        r#"
  server {{
    listen 127.0.0.1:{backend};
    location / {{
      return 200 "user=$http_x_remote_user uri=$request_uri\n";
    }}
  }}
  server {{
    listen 127.0.0.1:PORT;
    large_client_header_buffers 4 8k;

    location /private/ {{
      auth_request /passgate-auth;
      auth_request_set $passgate_user $upstream_http_x_passgate_user;
      proxy_set_header X-Remote-User $passgate_user;
      proxy_pass http://127.0.0.1:{backend};
    }}
    location = /passgate-auth {{
      internal;
      proxy_pass http://{passgate}/http-basic;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }}

    location /staff/ {{
      auth_request /passgate-auth-staff;
      auth_request_set $passgate_user $upstream_http_x_passgate_user;
      proxy_set_header X-Remote-User $passgate_user;
      proxy_pass http://127.0.0.1:{backend};
    }}
    location = /passgate-auth-staff {{
      internal;
      proxy_pass http://{passgate}/http-basic/staff;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }}
  }}
"#
    )
}

#[test]
fn nginx_auth_request_with_every_htpasswd_format() {
    if !have(&["nginx", "curl", "htpasswd", "mkpasswd", "python3"]) {
        return;
    }
    let dir = scratch("nginx");
    let (web, accounts) = web_accounts();
    std::fs::write(dir.join("web.htpasswd"), web).unwrap();
    // The staff realm's own file: another password for bcrypt, and a user of its own.
    let staff = format!(
        "{}\n{}\n",
        htpasswd(&["-B", "-C", "4"], "boss", b"boss pass"),
        htpasswd(&["-B", "-C", "4"], "bcrypt", b"staff password"),
    );
    std::fs::write(dir.join("staff.htpasswd"), staff).unwrap();
    let config = dir.join("passgate.toml");
    std::fs::write(
        &config,
        format!(
            "{}{}[serve]\nlisten = \"127.0.0.1:0\"\nworkers = 2\n\
             [[http_basic]]\nprefix = \"/http-basic\"\nrealm = \"Web\"\n\
             [[http_basic]]\nprefix = \"/http-basic/staff\"\nrealm = \"Staff\"\nsource = \"staff\"\n",
            htpasswd_source("source", "web.htpasswd"),
            htpasswd_source("sources.staff", "staff.htpasswd"),
        ),
    )
    .unwrap();
    let passgate = Passgate::start(&config);
    let nginx = Nginx::start(&dir, &nginx_servers(passgate.addr));
    let mut audit: Vec<(&str, &str, &str)> = Vec::new();
    let web_challenge = "Basic realm=\"Web\", charset=\"UTF-8\"";
    let staff_challenge = "Basic realm=\"Staff\", charset=\"UTF-8\"";

    // Every format, with its right password: the application sees the user, whatever the
    // client claimed in the header nginx sets.
    let claim = dir.join("claim.txt");
    std::fs::write(&claim, "X-Remote-User: admin\n").unwrap();
    for (name, password, _) in &accounts {
        let r = curl(
            &nginx.url("/private/page?x=1"),
            &user(name.as_bytes(), password),
            Some(&claim),
            "GET",
        );
        assert_eq!(r.status, 200, "{name}: {r:?}\n{}", nginx.error_log());
        assert_eq!(r.body(), format!("user={name} uri=/private/page?x=1\n"));
        audit.push((name, "allow", "verified"));
    }
    // Wrong passwords, an unknown user, the locked account: 401 and the realm's challenge,
    // which nginx passes on.
    for (name, password, reason) in [
        ("bcrypt", &b"bcrypt pass 2"[..], "wrong-password"),
        ("des", b"desPass5", "wrong-password"),
        ("yescrypt", b"yescrypt p\xc3\xa4ss 7", "wrong-password"),
        ("argon2id", b"argon2id pass 8 ", "wrong-password"),
        ("nobody", b"bcrypt pass 1", "unknown-user"),
        ("BCRYPT", b"bcrypt pass 1", "unknown-user"),
        ("locked", b"locked pass", "locked"),
        ("bcrypt", b"", "password-refused"),
    ] {
        let r = curl(
            &nginx.url("/private/"),
            &user(name.as_bytes(), password),
            None,
            "GET",
        );
        assert_eq!(r.status, 401, "{name}: {r:?}");
        assert_eq!(r.header("www-authenticate").as_deref(), Some(web_challenge));
        audit.push((name, "deny", reason));
    }
    // No credentials: the challenge that makes a browser ask.
    let r = curl(&nginx.url("/private/"), b"", Some(&claim), "GET");
    assert_eq!(
        (r.status, r.header("www-authenticate").as_deref()),
        (401, Some(web_challenge))
    );
    audit.push(("", "rejected", "no-credentials"));

    // Hostile headers through nginx: each a 401 from passgate, never a 5xx.
    let too_long = format!("Basic {}", base64(&[b'a'; 5000]));
    let hostile: Vec<(Vec<u8>, &str)> = vec![
        (b"Basic not*base64".to_vec(), "malformed-credentials"),
        (
            format!("Basic {}", base64(b"bcrypt")).into_bytes(),
            "malformed-credentials",
        ),
        (
            format!("Basic {}", base64(b":bcrypt pass 1")).into_bytes(),
            "malformed-credentials",
        ),
        (
            format!("Basic {}", base64(b"bcr\0ypt:x")).into_bytes(),
            "malformed-credentials",
        ),
        (
            format!("Basic {}", base64(b"\xff\xfe:x")).into_bytes(),
            "malformed-credentials",
        ),
        (
            b"Basic YmNyeXB0OmJjcnlwdCBwYXNzIDE".to_vec(),
            "malformed-credentials",
        ),
        (b"Basic \xff\xfe\xfd=".to_vec(), "malformed-credentials"),
        (b"Bearer YmNyeXB0OmJjcnlwdCBwYXNzIDE=".to_vec(), "not-basic"),
        (too_long.into_bytes(), "credentials-too-long"),
    ];
    let header_file = dir.join("header.txt");
    for (value, reason) in &hostile {
        let mut h = b"Authorization: ".to_vec();
        h.extend_from_slice(value);
        h.push(b'\n');
        std::fs::write(&header_file, h).unwrap();
        let r = curl(&nginx.url("/private/"), b"", Some(&header_file), "GET");
        assert_eq!(r.status, 401, "{reason}: {r:?}");
        assert_eq!(r.header("www-authenticate").as_deref(), Some(web_challenge));
        audit.push(("", "rejected", reason));
    }
    // A password holding a NUL decodes, and is refused before any hash.
    let nul = format!(
        "Authorization: Basic {}\n",
        base64(b"bcrypt:bcrypt\0pass 1")
    );
    std::fs::write(&header_file, nul).unwrap();
    assert_eq!(
        curl(&nginx.url("/private/"), b"", Some(&header_file), "GET").status,
        401
    );
    audit.push(("bcrypt", "deny", "password-refused"));
    // A header longer than nginx's buffers never reaches passgate.
    let huge = format!("Authorization: Basic {}\n", base64(&[b'a'; 12_000]));
    std::fs::write(&header_file, huge).unwrap();
    let r = curl(&nginx.url("/private/"), b"", Some(&header_file), "GET");
    assert_eq!(r.status, 400, "{r:?}");

    // Two realms, two sources: the staff realm knows its own users and passwords only.
    let r = curl(
        &nginx.url("/staff/x"),
        &user(b"boss", b"boss pass"),
        None,
        "GET",
    );
    assert_eq!(
        (r.status, r.body()),
        (200, "user=boss uri=/staff/x\n".to_owned())
    );
    audit.push(("boss", "allow", "verified"));
    let r = curl(
        &nginx.url("/staff/x"),
        &user(b"bcrypt", b"staff password"),
        None,
        "GET",
    );
    assert_eq!(r.status, 200, "{r:?}");
    audit.push(("bcrypt", "allow", "verified"));
    for (path, name, password, challenge, reason) in [
        (
            "/staff/x",
            &b"bcrypt"[..],
            &b"bcrypt pass 1"[..],
            staff_challenge,
            "wrong-password",
        ),
        (
            "/staff/x",
            b"apr1",
            b"apr1 pass:2",
            staff_challenge,
            "unknown-user",
        ),
        (
            "/private/",
            b"boss",
            b"boss pass",
            web_challenge,
            "unknown-user",
        ),
        (
            "/private/",
            b"bcrypt",
            b"staff password",
            web_challenge,
            "wrong-password",
        ),
    ] {
        let r = curl(&nginx.url(path), &user(name, password), None, "GET");
        assert_eq!(r.status, 401, "{path}: {r:?}");
        assert_eq!(r.header("www-authenticate").as_deref(), Some(challenge));
        audit.push((std::str::from_utf8(name).unwrap(), "deny", reason));
    }

    // One audit line per attempt, in order; nothing but the user name from the request.
    let got = passgate.attempts(audit.len());
    let want: Vec<(String, String, String)> = audit
        .iter()
        .map(|(u, o, r)| ((*u).to_owned(), (*o).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(got, want);
    let log = passgate.stderr().join("\n");
    for (_, password, _) in &accounts {
        let p = String::from_utf8_lossy(password);
        assert!(!log.contains(p.as_ref()), "a password in the log");
    }
    for secret in ["boss pass", "staff password", "YmNyeXB0", "curl/", "admin"] {
        assert!(!log.contains(secret), "{secret:?} in the log");
    }
    let m = passgate.metrics();
    let allowed = metric(
        &m,
        "passgate_attempts_total",
        &[("hook", "http-basic"), ("outcome", "allow")],
    );
    assert_eq!(allowed, (accounts.len() + 2) as f64);
    for (_, _, scheme) in &accounts {
        assert!(
            metric(
                &m,
                "passgate_attempts_total",
                &[("outcome", "allow"), ("scheme", scheme)]
            ) >= 1.0,
            "{scheme}"
        );
    }
    assert_eq!(
        metric(
            &m,
            "passgate_rejections_total",
            &[("hook", "http-basic"), ("reason", "malformed-credentials")]
        ),
        7.0
    );
    assert_eq!(
        metric(&m, "passgate_source_accounts", &[("source", "source")]),
        11.0
    );
    assert_eq!(
        metric(
            &m,
            "passgate_source_accounts",
            &[("source", "sources.staff")]
        ),
        2.0
    );

    // passgate gone: nginx answers 500, never the page.
    drop(passgate);
    let r = curl(
        &nginx.url("/private/"),
        &user(b"bcrypt", b"bcrypt pass 1"),
        None,
        "GET",
    );
    assert_eq!(r.status, 500, "{r:?}");
    assert!(!r.body().contains("user="));
    assert!(
        nginx
            .error_log()
            .contains("auth request unexpected status: 502")
    );
}

/// The realms of the direct tests: `/http-basic/web` from `[sources.web]`, no `[source]`.
fn direct_config(dir: &Path, extra: &str) -> PathBuf {
    let web = format!(
        "{}\n{}\n{}\n{}\n",
        htpasswd(&["-B", "-C", "4"], "alice", b"alice pass"),
        htpasswd(&["-m"], "j\u{f6}rg", b"j\xf6rg pass"),
        htpasswd(&["-m"], "bob.smith", "b\u{f6}b pass".as_bytes()),
        htpasswd(&["-s"], "eve", b"eve pass"),
    );
    std::fs::write(dir.join("web.htpasswd"), web).unwrap();
    let config = dir.join("passgate.toml");
    std::fs::write(
        &config,
        format!(
            "{}[serve]\nlisten = \"127.0.0.1:0\"\nworkers = 1\n{extra}\
             [[http_basic]]\nprefix = \"/http-basic/web\"\nrealm = \"Web\"\nsource = \"web\"\n",
            htpasswd_source("sources.web", "web.htpasswd"),
        ),
    )
    .unwrap();
    config
}

fn get(addr: SocketAddr, path: &str, headers: &[&[u8]]) -> Reply {
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: passgate\r\nConnection: close\r\n").into_bytes();
    for h in headers {
        request.extend_from_slice(h);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    raw(addr, &request)
}

#[test]
fn direct_answers_and_hostile_requests() {
    if !have(&["curl", "htpasswd"]) {
        return;
    }
    let dir = scratch("direct");
    let config = direct_config(
        &dir,
        "auth_header = \"X-Passgate-Token\"\nauth_value = \"token value\"\n",
    );
    let p = Passgate::start(&config);
    let url = p.url("/http-basic/web");

    // The answer to a right password, for every method, and under the prefix.
    for method in ["GET", "HEAD", "POST"] {
        let r = curl(&url, &user(b"alice", b"alice pass"), None, method);
        assert_eq!(r.status, 204, "{method}: {r:?}");
        assert_eq!(r.header("x-passgate-user").as_deref(), Some("alice"));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        assert!(r.header("www-authenticate").is_none());
    }
    let r = curl(
        &p.url("/http-basic/web/deeper/"),
        &user(b"alice", b"alice pass"),
        None,
        "GET",
    );
    assert_eq!(r.status, 204);
    // The scheme's name in lower case; a UTF-8 password.
    let r = get(
        p.addr,
        "/http-basic/web",
        &[format!(
            "Authorization: basic {}",
            base64("bob.smith:b\u{f6}b pass".as_bytes())
        )
        .as_bytes()],
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("x-passgate-user").as_deref(), Some("bob.smith"));
    // A name outside SFTPGo's set is no account of a legacy source (the importer skips its
    // line): its user-id decodes, and is an unknown user.
    let r = get(
        p.addr,
        "/http-basic/web",
        &[format!(
            "Authorization: Basic {}",
            base64(b"j\xc3\xb6rg:j\xf6rg pass")
        )
        .as_bytes()],
    );
    assert_eq!(r.status, 401, "{r:?}");
    // An unsalted {SHA} line: the password that made it, and no other.
    assert_eq!(
        curl(&url, &user(b"eve", b"eve pass"), None, "GET").status,
        204
    );
    let r = curl(&url, &user(b"eve", b"eve pas"), None, "GET");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Basic realm=\"Web\", charset=\"UTF-8\"")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    // The body names nothing of the request.
    assert_eq!(
        r.body(),
        r#"{"error":"a user name and password of this realm are needed"}"#
    );

    let alice = format!("Authorization: Basic {}", base64(b"alice:alice pass"));
    let refused: Vec<(Vec<u8>, u16)> = vec![
        // Two Authorization headers.
        ([alice.as_bytes(), b"\r\n", alice.as_bytes()].concat(), 401),
        // Unpadded, a stray bit, a space inside, a tab for the space.
        (b"Authorization: Basic YWxpY2U6YWxpY2UgcGFzcw".to_vec(), 401),
        (
            b"Authorization: Basic YWxpY2U6YWxpY2UgcGFzcx==".to_vec(),
            401,
        ),
        (
            b"Authorization: Basic YWxpY2U6 YWxpY2UgcGFzcw==".to_vec(),
            401,
        ),
        (
            b"Authorization: Basic\tYWxpY2U6YWxpY2UgcGFzcw==".to_vec(),
            401,
        ),
        // Raw bytes that are not UTF-8, and a header of 64 KiB.
        (b"Authorization: Basic \xc3\x28\xa0\xa1".to_vec(), 401),
        (
            [&b"Authorization: Basic "[..], &[b'A'; 65536]].concat(),
            401,
        ),
        // A NUL or a line break in the raw header: the HTTP parser refuses the request.
        (
            b"Authorization: Basic YWxp\0Y2U6YWxpY2UgcGFzcw==".to_vec(),
            400,
        ),
        (
            b"Authorization: Basic YWxp\rY2U6YWxpY2UgcGFzcw==".to_vec(),
            400,
        ),
    ];
    let mut rejected = 0;
    for (header, status) in &refused {
        let r = get(p.addr, "/http-basic/web", &[header]);
        assert_eq!(
            r.status,
            *status,
            "{:?}: {r:?}",
            String::from_utf8_lossy(header)
        );
        assert!(r.header("x-passgate-user").is_none());
        if *status == 401 {
            rejected += 1;
            assert!(r.header("www-authenticate").is_some());
        }
    }
    // Paths outside every realm.
    for path in [
        "/http-basic",
        "/http-basic/",
        "/http-basic/webx",
        "/http-basic/other",
        "/http-basic/web/../web",
        "/http-basic/web//x",
    ] {
        let r = get(p.addr, path, &[alice.as_bytes()]);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.header("x-passgate-user").is_none());
        rejected += 1;
    }
    for path in ["/http-basicweb", "/", "/private/"] {
        assert_eq!(get(p.addr, path, &[alice.as_bytes()]).status, 404, "{path}");
    }
    // `[serve] auth_header` guards the SFTPGo hooks and the metrics, not /http-basic.
    assert_eq!(curl(&p.url("/metrics"), b"", None, "GET").status, 401);
    let token = dir.join("token.txt");
    std::fs::write(&token, "X-Passgate-Token: token value\n").unwrap();
    let r = curl(&p.url("/metrics"), b"", Some(&token), "GET");
    assert_eq!(r.status, 200);
    let m = r.body();
    assert_eq!(
        metric(&m, "passgate_rejections_total", &[("hook", "http-basic")]),
        f64::from(rejected)
    );
    assert_eq!(
        metric(
            &m,
            "passgate_rejections_total",
            &[("hook", "http-basic"), ("reason", "unknown-realm")]
        ),
        6.0
    );
    assert_eq!(
        metric(
            &m,
            "passgate_rejections_total",
            &[("hook", "http-basic"), ("reason", "credentials-too-long")]
        ),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            "passgate_attempts_total",
            &[("hook", "http-basic"), ("outcome", "allow")]
        ),
        6.0
    );
    let log = p.stderr().join("\n");
    assert!(!log.contains("alice pass") && !log.contains("YWxpY2U6") && !log.contains("eve pas"));
}

#[test]
fn named_sources_reload_on_change_and_sighup() {
    if !have(&["curl", "htpasswd"]) {
        return;
    }
    let dir = scratch("reload");
    let config = direct_config(&dir, "");
    let p = Passgate::start(&config);
    let url = p.url("/http-basic/web");
    assert_eq!(
        curl(&url, &user(b"bob", b"bob pass"), None, "GET").status,
        401
    );

    // A new user, the file replaced as htpasswd does: answered once reloaded.
    let path = dir.join("web.htpasswd");
    let mut file = std::fs::read_to_string(&path).unwrap();
    file.push_str(&htpasswd(&["-B", "-C", "4"], "bob", b"bob pass"));
    file.push('\n');
    std::fs::write(dir.join("web.new"), &file).unwrap();
    std::fs::rename(dir.join("web.new"), &path).unwrap();
    wait_until("the changed source to be reloaded", || {
        p.events("source-reloaded")
            .iter()
            .any(|e| e["source"] == "sources.web" && e["trigger"] == "changed")
    });
    let r = curl(&url, &user(b"bob", b"bob pass"), None, "GET");
    assert_eq!(
        (r.status, r.header("x-passgate-user")),
        (204, Some("bob".to_owned()))
    );

    // alice locked in the file, then SIGHUP: denied at once.
    let locked = file.replacen("alice:", "alice:!", 1);
    std::fs::write(dir.join("web.new"), &locked).unwrap();
    std::fs::rename(dir.join("web.new"), &path).unwrap();
    p.signal(nix::sys::signal::Signal::SIGHUP);
    wait_until("the SIGHUP reload", || {
        p.events("source-reloaded")
            .iter()
            .any(|e| e["source"] == "sources.web" && e["trigger"] == "sighup")
    });
    assert_eq!(
        curl(&url, &user(b"alice", b"alice pass"), None, "GET").status,
        401
    );
    let a = p.attempts(3);
    assert_eq!(a[2], ("alice".into(), "deny".into(), "locked".into()));

    // A file that cannot be read: the accounts in use stay.
    std::fs::remove_file(&path).unwrap();
    p.signal(nix::sys::signal::Signal::SIGHUP);
    wait_until("the failed reload", || {
        p.events("source-reload-failed")
            .iter()
            .any(|e| e["source"] == "sources.web" && e["kept_accounts"] == 4)
    });
    assert_eq!(
        curl(&url, &user(b"bob", b"bob pass"), None, "GET").status,
        204
    );
    let m = p.metrics();
    assert_eq!(
        metric(&m, "passgate_source_accounts", &[("source", "sources.web")]),
        4.0
    );
    assert!(
        metric(
            &m,
            "passgate_source_reloads_total",
            &[("source", "sources.web"), ("result", "failed")]
        ) >= 1.0
    );
    assert!(
        metric(
            &m,
            "passgate_source_reloads_total",
            &[("source", "sources.web"), ("result", "loaded")]
        ) >= 2.0
    );
}

#[test]
fn a_realm_whose_source_cannot_be_read_stops_the_start() {
    let dir = scratch("start");
    let config = dir.join("passgate.toml");
    std::fs::write(
        &config,
        format!(
            "{}[serve]\nlisten = \"127.0.0.1:0\"\n\
             [[http_basic]]\nprefix = \"/http-basic/staff\"\nsource = \"staff\"\n",
            htpasswd_source("sources.staff", "missing.htpasswd"),
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[sources.staff]") && err.contains("missing.htpasswd"),
        "{err}"
    );

    // A realm naming a source that is not configured: refused with the key.
    std::fs::write(
        &config,
        "[[http_basic]]\nprefix = \"/http-basic\"\nsource = \"staff\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http_basic[0].source"), "{err}");
}
