//! Custom schemes under a `Policy`: the example's LDAP `{SSHA}` against vectors made by
//! Python's hashlib and OpenSSL (vectors/custom/ldap-ssha.txt), registration refusals, the
//! precedence of built-in schemes, and the policy path (limits, lists, legacy, rehash,
//! dummy verify, batches) applied to them.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../examples/ldap_ssha.rs"]
#[allow(dead_code)]
mod example;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Expect, parse_file, vectors_dir};
use example::Ssha;
use passgate::{
    CustomScheme, ParseErrorKind, Policy, PolicyError, RegistrationError, Scheme, StoredHash,
    VerifyError,
};

const SSHA: &str = "{SSHA}eyDMtQQRFLR/tqtSmiwJH5UWx7kSNFZ4";

fn policy() -> Policy {
    Policy::builder().scheme(Ssha).build().unwrap()
}

#[test]
fn ldap_ssha_vectors() {
    let vectors = parse_file(&vectors_dir().join("custom/ldap-ssha.txt"));
    assert!(vectors.len() >= 15);
    let policy = policy();
    for v in vectors {
        let got = policy.verify(&v.stored, &v.password);
        match &v.expect {
            Expect::Match => {
                let ok = got.unwrap_or_else(|e| panic!("{}: {e}", v.at()));
                assert_eq!(ok.scheme, Scheme::Custom("ldap-ssha"), "{}", v.at());
                assert!(ok.needs_rehash, "{}", v.at());
            }
            Expect::Mismatch => assert_eq!(got, Err(VerifyError::Mismatch), "{}", v.at()),
            Expect::Error(kind) => match got {
                Err(VerifyError::Parse(e)) => {
                    assert_eq!(e.kind().name(), kind, "{}", v.at());
                    assert_eq!(e.scheme(), Some(Scheme::Custom("ldap-ssha")), "{}", v.at());
                }
                other => panic!("{}: {other:?}", v.at()),
            },
        }
        // Without the registration the string is no hash passgate knows.
        assert_eq!(
            Policy::default()
                .verify(&v.stored, &v.password)
                .unwrap_err()
                .name(),
            "UnknownScheme",
            "{}",
            v.at()
        );
    }
}

/// A scheme with a chosen name and prefix that counts its verify calls and matches every
/// password it is asked about.
struct Probe {
    name: &'static str,
    prefix: Option<&'static str>,
    calls: Arc<AtomicUsize>,
    work: Option<u64>,
}

impl Probe {
    fn new(name: &'static str, prefix: Option<&'static str>) -> Self {
        Self {
            name,
            prefix,
            calls: Arc::default(),
            work: None,
        }
    }
}

impl CustomScheme for Probe {
    fn name(&self) -> &'static str {
        self.name
    }
    fn prefix(&self) -> Option<&'static str> {
        self.prefix
    }
    fn identify(&self, stored: &str) -> bool {
        // No prefix: claims every string it is offered.
        self.prefix.is_none_or(|p| stored.starts_with(p))
    }
    fn verify(&self, _: &str, _: &[u8]) -> Result<bool, ParseErrorKind> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }
    fn work(&self, _: &str) -> Option<u64> {
        self.work
    }
}

#[test]
fn registration_refuses_what_would_shadow_a_builtin() {
    let refused = |name, prefix| {
        Policy::default()
            .with_scheme(Probe::new(name, Some(prefix)))
            .unwrap_err()
    };
    for (prefix, builtin) in [
        ("$2a$", Scheme::Bcrypt),
        ("$2a$x", Scheme::Bcrypt),
        ("$pbkdf2", Scheme::Pbkdf2Sha1),
        ("$", Scheme::Bcrypt),
        ("{SHA}", Scheme::HtpasswdSha1),
        ("{SHA}x", Scheme::HtpasswdSha1),
        ("{SH", Scheme::SftpgoSha256),
        ("ab", Scheme::DesCrypt),
    ] {
        match refused("mine", prefix) {
            RegistrationError::BuiltinPrefix {
                name: "mine",
                builtin: b,
            } => {
                assert_eq!(b, builtin, "{prefix}");
            }
            other => panic!("{prefix}: {other:?}"),
        }
    }
    for prefix in ["", "!x", "*", "{A B}"] {
        assert!(
            matches!(
                refused("mine", prefix),
                RegistrationError::InvalidPrefix { .. }
            ),
            "{prefix:?}"
        );
    }
    assert!(matches!(
        refused("bcrypt", "{BC}"),
        RegistrationError::NameTaken { name: "bcrypt" }
    ));
    assert!(matches!(
        refused("My Scheme", "{BC}"),
        RegistrationError::InvalidName { .. }
    ));
    let p = policy();
    assert!(matches!(
        p.clone().with_scheme(Ssha).unwrap_err(),
        RegistrationError::NameTaken { name: "ldap-ssha" }
    ));
    assert!(matches!(
        p.clone()
            .with_scheme(Probe::new("other", Some("{SSHA}x")))
            .unwrap_err(),
        RegistrationError::PrefixTaken {
            name: "other",
            other: "ldap-ssha"
        }
    ));
    // The builder reports a refusal at build time.
    assert!(
        Policy::builder()
            .scheme(Probe::new("x", Some("$6$")))
            .build()
            .is_err()
    );
    // Prefixes beside the built-in ones are fine.
    assert!(
        p.with_scheme(Probe::new("ldap-smd5", Some("{SMD5}")))
            .is_ok()
    );
}

#[test]
fn builtin_schemes_keep_precedence() {
    // A scheme without a prefix that claims everything is asked only about unknown strings.
    let probe = Probe::new("greedy", None);
    let calls = Arc::clone(&probe.calls);
    let p = Policy::default().with_scheme(probe).unwrap();
    let md5crypt = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
    assert_eq!(p.verify(md5crypt, b"wrong"), Err(VerifyError::Mismatch));
    // Malformed built-in: the built-in's error, not the custom scheme's match.
    assert_eq!(
        p.verify("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK", b"x")
            .unwrap_err()
            .name(),
        "InvalidLength"
    );
    assert_eq!(p.verify("!", b"x"), Err(VerifyError::Disabled));
    assert_eq!(
        p.verify("$2x$05$abc", b"x").unwrap_err().name(),
        "UnsupportedVariant"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        p.verify("plain text", b"x").unwrap().scheme,
        Scheme::Custom("greedy")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(p.identify(md5crypt), Some(Scheme::Md5Crypt));
    assert_eq!(p.identify("plain text"), Some(Scheme::Custom("greedy")));
    assert_eq!(passgate::identify("plain text"), None);
}

#[test]
fn custom_schemes_go_through_the_policy_path() {
    let probe = Probe {
        work: Some(1000),
        ..Probe::new("probe", Some("{PROBE}"))
    };
    let calls = Arc::clone(&probe.calls);
    let p = Policy::default().with_scheme(probe).unwrap();
    let stored = "{PROBE}abc";
    // Password limits come first: the scheme is never asked.
    assert_eq!(
        p.verify(stored, b""),
        Err(VerifyError::Policy(PolicyError::EmptyPassword))
    );
    assert_eq!(
        p.verify(stored, b"a\0b"),
        Err(VerifyError::Policy(PolicyError::NulInPassword))
    );
    let long = vec![b'x'; p.max_password_len + 1];
    assert_eq!(
        p.verify(stored, &long).unwrap_err().name(),
        "PasswordTooLong"
    );
    // The work limit, before the scheme's verify.
    let mut tight = p.clone();
    tight.max_custom_work = 999;
    assert_eq!(
        tight.verify(stored, b"pw"),
        Err(VerifyError::Policy(PolicyError::WorkTooHigh {
            work: 1000,
            max: 999
        }))
    );
    // The deny list names it like any scheme.
    let mut denied = p.clone();
    denied.denied.push(Scheme::Custom("probe"));
    assert_eq!(
        denied.verify(stored, b"pw").unwrap_err().name(),
        "SchemeNotAllowed"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // Success: always needs a rehash; verify_and_update hands back the preferred scheme.
    assert!(p.verify(stored, b"pw").unwrap().needs_rehash);
    assert!(p.needs_rehash(stored));
    let (v, new) = Policy::builder()
        .preferred(passgate::HashParams::Bcrypt { cost: 4 })
        .scheme(Ssha)
        .build()
        .unwrap()
        .verify_and_update(SSHA, b"password")
        .unwrap();
    assert_eq!(v.scheme, Scheme::Custom("ldap-ssha"));
    let new = new.unwrap();
    assert_eq!(StoredHash::parse(&new).unwrap().scheme(), Scheme::Bcrypt);
    assert!(Policy::default().verify(&new, b"password").is_ok());

    // dummy_verify: the same password checks, never a success.
    assert_eq!(
        p.dummy_verify(b""),
        VerifyError::Policy(PolicyError::EmptyPassword)
    );
    assert_eq!(policy().dummy_verify(b"password"), VerifyError::Mismatch);

    // verify_many: the same results as one by one.
    let ssha = policy();
    let pairs: Vec<(&str, &[u8])> = vec![
        (SSHA, b"password"),
        (SSHA, b"wrong"),
        ("{SSHA}", b"password"),
        ("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", b"password"),
        (SSHA, b""),
    ];
    let one_by_one: Vec<_> = pairs.iter().map(|(s, pw)| ssha.verify(s, pw)).collect();
    assert!(one_by_one[0].is_ok() && one_by_one[3].is_ok());
    assert_eq!(ssha.verify_many(&pairs), one_by_one);
}

#[test]
fn legacy_custom_schemes_follow_allow_legacy() {
    let strict = Policy::builder()
        .allow_legacy(false)
        .scheme(Ssha)
        .build()
        .unwrap();
    assert_eq!(
        strict.verify(SSHA, b"password"),
        Err(VerifyError::Policy(PolicyError::LegacyScheme {
            scheme: Scheme::Custom("ldap-ssha")
        }))
    );
    assert!(policy().verify(SSHA, b"password").is_ok());
}

#[cfg(feature = "password-hash")]
#[test]
fn the_trait_objects_see_custom_schemes_and_map_every_outcome() {
    use password_hash::{Error, PasswordVerifier};
    let p = policy();
    let v: &dyn PasswordVerifier<str> = &p;
    assert_eq!(v.verify_password(b"password", SSHA), Ok(()));
    assert_eq!(
        v.verify_password(b"wrong", SSHA),
        Err(Error::PasswordInvalid)
    );
    assert_eq!(
        v.verify_password(b"password", "{SSHA}"),
        Err(Error::EncodingInvalid)
    );
    assert_eq!(
        v.verify_password(b"password", "!locked"),
        Err(Error::PasswordInvalid)
    );
    assert_eq!(
        v.verify_password(b"password", "{SMD5}abc"),
        Err(Error::Algorithm)
    );
    assert_eq!(
        v.verify_password(b"password", "$2x$05$abc"),
        Err(Error::Algorithm)
    );
    assert_eq!(v.verify_password(b"", SSHA), Err(Error::ParamsInvalid));
    let strict = Policy::builder()
        .allow_legacy(false)
        .scheme(Ssha)
        .build()
        .unwrap();
    assert_eq!(
        strict.verify_password(b"password", SSHA),
        Err(Error::ParamsInvalid)
    );
}
