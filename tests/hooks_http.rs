//! HTTP hooks against a real HTTP server on 127.0.0.1 (tiny_http), started by each test on a
//! free port: each SFTPGo contract's request and answers, 204 vs 200, non-200, slow answers
//! hitting the timeout, refused redirects and oversized bodies.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use passgate::hooks::sftpgo::{
    self, CheckPasswordAnswer, ExternalAuthAnswer, LoginContext, LoginMethod, PreLoginAnswer,
    Protocol, SftpgoHooks,
};
use passgate::hooks::{
    Hook, HookError, HookName, LoginRequest, MAX_OUTPUT, MemoryStore, Outcome, Pipeline, Reason,
    TransportError, User, UserStore as _,
};
use passgate::{HashParams, Policy};
use serde_json::{Value, json};
use tiny_http::{Header, Response, Server};

const CTX: LoginContext<'static> = LoginContext {
    ip: "203.0.113.9",
    protocol: Protocol::Dav,
    method: LoginMethod::Password,
};

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    content_type: String,
    body: Vec<u8>,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

type Reply = Response<Cursor<Vec<u8>>>;

/// A loopback HTTP server answering with `handler`, stopped when dropped.
struct TestServer {
    server: Arc<Server>,
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    fn start(handler: impl Fn(&Seen) -> Reply + Send + 'static) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (Arc::clone(&server), Arc::clone(&seen));
        let thread = std::thread::spawn(move || {
            for mut request in s.incoming_requests() {
                let mut body = Vec::new();
                request.as_reader().read_to_end(&mut body).unwrap();
                let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
                let content_type = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Content-Type"))
                    .map(|h| h.value.to_string())
                    .unwrap_or_default();
                let seen = Seen {
                    method: request.method().to_string(),
                    path: path.to_owned(),
                    query: parse_query(query),
                    content_type,
                    body,
                };
                let reply = handler(&seen);
                log.lock().unwrap().push(seen);
                let _ = request.respond(reply);
            }
        });
        Self {
            server,
            port,
            seen,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hook(&self, path: &str) -> Hook {
        Hook::parse(&self.url(path))
            .unwrap()
            .with_timeout_secs(1)
            .unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn reply(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Response::from_data(body.into()).with_status_code(status)
}

/// Answers by path: `/s<status>` with `body`.
fn by_path(routes: &'static [(&'static str, u16, &'static str)]) -> impl Fn(&Seen) -> Reply {
    move |seen| {
        let (_, status, body) = routes
            .iter()
            .find(|(p, _, _)| *p == seen.path)
            .unwrap_or(&("", 404, ""));
        reply(*status, *body)
    }
}

#[test]
fn pre_login_204_200_and_errors() {
    let server = TestServer::start(by_path(&[
        ("/nochange", 204, ""),
        (
            "/user",
            200,
            r#"{"username":"ann","status":1,"home_dir":"/h"}"#,
        ),
        ("/empty", 200, ""),
        ("/error", 500, "{}"),
        ("/list", 200, "[]"),
    ]));
    let user = json!({"id": 0, "username": "ann"});
    let call = |path: &str| sftpgo::pre_login(&server.hook(path), &user, &CTX);
    assert_eq!(call("/nochange").unwrap(), PreLoginAnswer::NoChange);
    match call("/user").unwrap() {
        PreLoginAnswer::User(map) => assert_eq!(map["home_dir"], "/h"),
        other => panic!("{other:?}"),
    }
    assert_eq!(call("/empty").unwrap(), PreLoginAnswer::NoChange);
    assert_eq!(call("/error"), Err(HookError::HttpStatus(500)));
    assert_eq!(call("/missing"), Err(HookError::HttpStatus(404)));
    assert!(matches!(call("/list"), Err(HookError::InvalidAnswer(_))));

    let seen = server.seen();
    assert_eq!(seen.len(), 6);
    let first = &seen[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.content_type, "application/json");
    assert_eq!(first.json(), user);
    let expected: BTreeMap<String, String> = [
        ("login_method", "password"),
        ("ip", "203.0.113.9"),
        ("protocol", "DAV"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(first.query, expected);
}

#[test]
fn query_parameters_are_added_to_the_urls_own() {
    let server = TestServer::start(|_| reply(204, ""));
    let hook = server.hook("/pre?token=a%20b&x=1");
    sftpgo::pre_login(&hook, &json!({"id": 0, "username": "u"}), &CTX).unwrap();
    let q = &server.seen()[0].query;
    assert_eq!(q["token"], "a b");
    assert_eq!(q["x"], "1");
    assert_eq!(q["login_method"], "password");
}

#[test]
fn external_auth_request_and_answers() {
    let server = TestServer::start(by_path(&[
        (
            "/ok",
            200,
            r#"{"username":"bea","status":1,"permissions":{"/":["*"]}}"#,
        ),
        ("/empty", 200, ""),
        ("/denied", 200, r#"{"username":""}"#),
        ("/unauthorized", 401, r#"{"username":"bea"}"#),
        ("/error", 500, ""),
        ("/garbage", 200, "<html>"),
    ]));
    let stored = json!({"id": 5, "username": "bea", "password": "$1$x$y"});
    let call = |path: &str, user: Option<&Value>| {
        sftpgo::external_auth(&server.hook(path), "bea", "pä ss".as_bytes(), user, &CTX)
    };
    match call("/ok", Some(&stored)).unwrap() {
        ExternalAuthAnswer::Authenticated(map) => assert_eq!(map["username"], "bea"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        call("/empty", None).unwrap(),
        ExternalAuthAnswer::AuthenticatedAsStored
    );
    assert_eq!(call("/denied", None).unwrap(), ExternalAuthAnswer::Denied);
    assert_eq!(
        call("/unauthorized", None).unwrap(),
        ExternalAuthAnswer::Denied
    );
    assert_eq!(call("/error", None).unwrap(), ExternalAuthAnswer::Denied);
    assert!(matches!(
        call("/garbage", None),
        Err(HookError::InvalidJson(_))
    ));

    let seen = server.seen();
    assert_eq!(
        seen[0].json(),
        json!({"username": "bea", "ip": "203.0.113.9", "user": stored, "protocol": "DAV",
            "password": "pä ss", "public_key": "", "keyboard_interactive": "", "tls_cert": ""})
    );
    // No stored user: "user" is omitted.
    assert!(seen[1].json().get("user").is_none());
    assert!(seen[1].query.is_empty());

    // A password that is not UTF-8 cannot go in JSON: refused before any request.
    let before = server.seen().len();
    assert!(matches!(
        sftpgo::external_auth(&server.hook("/ok"), "bea", b"\xff", None, &CTX),
        Err(HookError::InvalidInput(_))
    ));
    assert_eq!(server.seen().len(), before);
}

#[test]
fn check_password_request_and_answers() {
    let server = TestServer::start(by_path(&[
        ("/accept", 200, r#"{"status":1}"#),
        ("/partial", 200, r#"{"status":2,"to_verify":"secret"}"#),
        ("/reject", 200, r#"{"status":0}"#),
        ("/error", 500, r#"{"status":1}"#),
        ("/binary", 200, "\u{0}\u{1}"),
    ]));
    let call = |path: &str| sftpgo::check_password(&server.hook(path), "cy", b"secret123456", &CTX);
    assert_eq!(call("/accept").unwrap(), CheckPasswordAnswer::Accept);
    match call("/partial").unwrap() {
        CheckPasswordAnswer::VerifyInstead(s) => assert_eq!(s.as_str(), "secret"),
        other => panic!("{other:?}"),
    }
    assert_eq!(call("/reject").unwrap(), CheckPasswordAnswer::Reject(0));
    assert_eq!(call("/error"), Err(HookError::HttpStatus(500)));
    assert!(matches!(call("/binary"), Err(HookError::InvalidJson(_))));
    assert_eq!(
        server.seen()[0].json(),
        json!({"username": "cy", "password": "secret123456", "ip": "203.0.113.9",
            "protocol": "DAV"})
    );
}

#[test]
fn post_login_query_and_body() {
    let server = TestServer::start(|_| reply(200, ""));
    let user = User::from_value(json!({"username": "dot", "id": 3, "password": "$1$a$b"})).unwrap();
    let hook = server.hook("/notify");
    sftpgo::post_login(&hook, &user.to_value_without_password(), &CTX, true).unwrap();
    sftpgo::post_login(&hook, &user.to_value_without_password(), &CTX, false).unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].query["status"], "1");
    assert_eq!(seen[1].query["status"], "0");
    assert_eq!(seen[0].query["login_method"], "password");
    assert_eq!(seen[0].query["ip"], "203.0.113.9");
    assert_eq!(seen[0].query["protocol"], "DAV");
    assert_eq!(seen[0].json(), json!({"username": "dot", "id": 3}));
}

#[test]
fn slow_answers_time_out() {
    let server = TestServer::start(|_| {
        std::thread::sleep(Duration::from_secs(3));
        reply(200, r#"{"status":1}"#)
    });
    let hook = server.hook("/slow");
    assert_eq!(
        sftpgo::check_password(&hook, "u", b"p", &CTX),
        Err(HookError::Timeout(Duration::from_secs(1)))
    );
}

#[test]
fn redirects_are_refused_not_followed() {
    let server = TestServer::start(|seen| {
        let status = seen.path.trim_start_matches('/').parse().unwrap_or(200);
        reply(status, r#"{"status":1}"#)
            .with_header(Header::from_bytes("Location", "/200").unwrap())
    });
    for code in [301, 302, 303, 307, 308] {
        let hook = server.hook(&format!("/{code}"));
        assert_eq!(
            sftpgo::check_password(&hook, "u", b"p", &CTX),
            Err(HookError::Redirect(code))
        );
    }
    // Only the five original requests: the Location was never visited.
    let paths: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/301", "/302", "/303", "/307", "/308"]);
}

#[test]
fn oversized_bodies_are_refused() {
    fn padded(len: usize) -> Vec<u8> {
        let head = br#"{"status":1,"pad":""#;
        let mut body = head.to_vec();
        body.resize(len - 2, b'x');
        body.extend_from_slice(b"\"}");
        body
    }
    let server = TestServer::start(|seen| match seen.path.as_str() {
        "/exact" => reply(200, padded(MAX_OUTPUT)),
        "/over" => reply(200, padded(MAX_OUTPUT + 1)),
        _ => reply(200, padded(2 * MAX_OUTPUT)),
    });
    let call = |path: &str| sftpgo::check_password(&server.hook(path), "u", b"p", &CTX);
    assert_eq!(call("/exact").unwrap(), CheckPasswordAnswer::Accept);
    assert_eq!(call("/over"), Err(HookError::OutputTooLarge(MAX_OUTPUT)));
    assert_eq!(call("/big"), Err(HookError::OutputTooLarge(MAX_OUTPUT)));
}

#[test]
fn transport_failures_deny() {
    // A port nothing listens on: bind one, learn it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = Hook::parse(&format!("http://127.0.0.1:{port}/x"))
        .unwrap()
        .with_timeout_secs(1)
        .unwrap();
    assert_eq!(
        sftpgo::check_password(&hook, "u", b"p", &CTX),
        Err(HookError::Transport(TransportError::Connect))
    );
    let not_utf8 = TestServer::start(|_| reply(200, b"\xff\xfe".to_vec()));
    assert_eq!(
        sftpgo::check_password(&not_utf8.hook("/"), "u", b"p", &CTX),
        Err(HookError::NotUtf8)
    );
}

#[test]
fn pipeline_with_http_external_auth() {
    let server = TestServer::start(|seen| {
        let req = seen.json();
        if req["password"] == "right" {
            reply(
                200,
                r#"{"username":"mapped","status":1,"home_dir":"/srv/mapped","permissions":{"/":["*"]}}"#,
            )
        } else {
            reply(200, r#"{"username":""}"#)
        }
    });
    let mut policy = Policy::default();
    policy.preferred = HashParams::Bcrypt { cost: 4 };
    let hooks = SftpgoHooks {
        external_auth: Some(server.hook("/auth")),
        ..SftpgoHooks::default()
    };
    let pipeline = Pipeline::new(policy, MemoryStore::default()).with_sftpgo(hooks);
    let r = pipeline.login(&LoginRequest::new("alias", b"wrong"));
    assert_eq!(
        r.outcome,
        Outcome::Deny {
            counts_as_failure: true
        }
    );
    // The hook maps "alias" onto the account "mapped", created with the login password.
    let r = pipeline.login(&LoginRequest::new("alias", b"right"));
    assert_eq!(
        (r.outcome, &r.reason),
        (Outcome::Allow, &Reason::ExternalAuth)
    );
    let stored = pipeline.store().load("mapped").unwrap().unwrap();
    assert_eq!(stored.fields()["home_dir"], "/srv/mapped");
    assert!(
        pipeline
            .policy()
            .verify(stored.password().unwrap(), b"right")
            .is_ok()
    );
    assert!(pipeline.store().load("alias").unwrap().is_none());
}

/// An empty 200 answer authenticates a stored user: the login password's hash replaces a
/// stored hash that does not verify it; an unknown user is denied.
#[test]
fn pipeline_with_http_external_auth_empty_answer() {
    let server = TestServer::start(|seen| {
        if seen.json()["password"] == "nope" {
            reply(401, "")
        } else {
            reply(200, "")
        }
    });
    let mut policy = Policy::default();
    policy.preferred = HashParams::Bcrypt { cost: 4 };
    let kept = policy.hash(policy.preferred, b"password").unwrap();
    let store = MemoryStore::new([User::from_value(
        json!({"id": 3, "username": "hal", "status": 1, "password": kept, "x": [1]}),
    )
    .unwrap()]);
    let hooks = SftpgoHooks {
        external_auth: Some(server.hook("/auth")),
        ..SftpgoHooks::default()
    };
    let pipeline = Pipeline::new(policy, store).with_sftpgo(hooks);
    let stored = || pipeline.store().load("hal").unwrap().unwrap();
    let deny = Outcome::Deny {
        counts_as_failure: true,
    };

    let r = pipeline.login(&LoginRequest::new("hal", b"password"));
    assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, false));
    assert_eq!(stored().password(), Some(kept.as_str()));

    let r = pipeline.login(&LoginRequest::new("hal", "n\u{e9}w".as_bytes()));
    assert_eq!(
        (r.outcome, &r.reason, r.rehashed),
        (Outcome::Allow, &Reason::ExternalAuth, true)
    );
    let hal = stored();
    assert!(
        pipeline
            .policy()
            .verify(hal.password().unwrap(), "n\u{e9}w".as_bytes())
            .is_ok()
    );
    assert!(
        pipeline
            .policy()
            .verify(hal.password().unwrap(), b"password")
            .is_err()
    );
    assert_eq!((hal.id(), &hal.fields()["x"]), (3, &json!([1])));
    // The request carried the user as stored then.
    assert_eq!(server.seen()[1].json()["user"]["password"], kept.as_str());

    assert_eq!(
        pipeline.login(&LoginRequest::new("hal", b"nope")).outcome,
        deny
    );
    let r = pipeline.login(&LoginRequest::new("ghost", b"password"));
    assert_eq!((r.outcome, &r.reason), (deny, &Reason::UnknownUser));
    assert!(pipeline.store().load("ghost").unwrap().is_none());
}

/// Check-password runs after an HTTP external auth answer too, unless the user's
/// `filters.hooks.check_password_disabled` is true.
#[test]
fn pipeline_with_http_check_password_after_external_auth() {
    let server = TestServer::start(|seen| {
        let req = seen.json();
        match seen.path.as_str() {
            "/auth" if req["username"] == "free" => reply(
                200,
                r#"{"username":"free","status":1,"home_dir":"/f","permissions":{"/":["*"]},"filters":{"hooks":{"check_password_disabled":true}}}"#,
            ),
            "/auth" => reply(200, ""),
            "/check" if req["password"] == "accept" => reply(200, r#"{"status":1}"#),
            "/check" if req["password"] == "whole" => {
                reply(200, r#"{"status":2,"to_verify":"whole"}"#)
            }
            "/check" if req["password"] == "part123" => {
                reply(200, r#"{"status":2,"to_verify":"part"}"#)
            }
            "/check" if req["password"] == "broken" => reply(500, ""),
            _ => reply(200, r#"{"status":0}"#),
        }
    });
    let mut policy = Policy::default();
    policy.preferred = HashParams::Bcrypt { cost: 4 };
    let stored = json!({"username": "kim", "status": 1,
        "password": policy.hash(policy.preferred, b"part").unwrap()});
    let hooks = SftpgoHooks {
        external_auth: Some(server.hook("/auth")),
        check_password: Some(server.hook("/check")),
        ..SftpgoHooks::default()
    };
    let fresh = || {
        Pipeline::new(
            policy.clone(),
            MemoryStore::new([
                User::from_value(stored.clone()).unwrap(),
                User::from_value(json!({"username": "free", "status": 1})).unwrap(),
            ]),
        )
        .with_sftpgo(hooks.clone())
    };
    let deny = |counts_as_failure| Outcome::Deny { counts_as_failure };
    let check = HookName::CheckPassword;
    let cases = [
        ("kim", "accept", Outcome::Allow, Reason::CheckPassword),
        ("kim", "whole", Outcome::Allow, Reason::Verified),
        (
            "kim",
            "part123",
            deny(true),
            Reason::Verify(passgate::VerifyError::Mismatch),
        ),
        ("kim", "no", deny(true), Reason::HookDenied(check)),
        (
            "kim",
            "broken",
            deny(false),
            Reason::HookFailed(check, HookError::HttpStatus(500)),
        ),
        ("free", "no", Outcome::Allow, Reason::ExternalAuth),
    ];
    for (name, pw, outcome, reason) in cases {
        let r = fresh().login(&LoginRequest::new(name, pw.as_bytes()));
        assert_eq!((r.outcome, &r.reason), (outcome, &reason), "{name} {pw}");
    }
    let checked: Vec<Value> = server
        .seen()
        .into_iter()
        .filter(|s| s.path == "/check")
        .map(|s| s.json())
        .collect();
    assert_eq!(checked.len(), 5);
    // Asked about kim each time, never about free.
    assert!(
        checked.iter().all(|c| c["username"] == "kim"),
        "{checked:?}"
    );
}

/// A 200 pre-login answer is a whole user: a partial one is refused, a whole one replaces
/// the stored user; 204 leaves it as it is.
#[test]
fn pipeline_with_http_pre_login_whole_users() {
    let server = TestServer::start(by_path(&[
        ("/nochange", 204, ""),
        ("/partial", 200, r#"{"username":"max","status":0}"#),
        (
            "/whole",
            200,
            r#"{"username":"max","status":1,"home_dir":"/srv/max","permissions":{"/":["*"]},"password":"swapped"}"#,
        ),
    ]));
    let mut policy = Policy::default();
    policy.preferred = HashParams::Bcrypt { cost: 4 };
    let stored = json!({"id": 8, "username": "max", "status": 1, "home_dir": "/h",
        "permissions": {"/": ["*"]}, "description": "kept only without an answer",
        "password": policy.hash(policy.preferred, b"password").unwrap()});
    let fresh = |path: &str| {
        let hooks = SftpgoHooks {
            pre_login: Some(server.hook(path)),
            ..SftpgoHooks::default()
        };
        Pipeline::new(
            policy.clone(),
            MemoryStore::new([User::from_value(stored.clone()).unwrap()]),
        )
        .with_sftpgo(hooks)
    };

    let p = fresh("/nochange");
    assert_eq!(
        p.login(&LoginRequest::new("max", b"password")).outcome,
        Outcome::Allow
    );
    assert_eq!(p.store().load("max").unwrap().unwrap().into_value(), stored);

    let p = fresh("/partial");
    let r = p.login(&LoginRequest::new("max", b"password"));
    assert_eq!(
        r.outcome,
        Outcome::Deny {
            counts_as_failure: false
        }
    );
    assert!(matches!(
        r.reason,
        Reason::HookFailed(HookName::PreLogin, HookError::InvalidAnswer(_))
    ));
    assert_eq!(p.store().load("max").unwrap().unwrap().into_value(), stored);

    let p = fresh("/whole");
    assert_eq!(
        p.login(&LoginRequest::new("max", b"password")).outcome,
        Outcome::Deny {
            counts_as_failure: true
        }
    );
    assert_eq!(
        p.login(&LoginRequest::new("max", b"swapped")).outcome,
        Outcome::Allow
    );
    let max = p.store().load("max").unwrap().unwrap();
    assert_eq!(
        (max.id(), &max.fields()["home_dir"]),
        (8, &json!("/srv/max"))
    );
    assert!(max.fields().get("description").is_none());
}
