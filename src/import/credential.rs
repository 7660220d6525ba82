//! What to write as an account's password: every stored hash goes through the core parser.
//!
//! - Schemes passgate parses and SFTPGo reads are written unchanged, except bcrypt `$2b$` and
//!   `$2y$`, written as `$2a$` (SFTPGo reads bcrypt only as `$2a$` and would otherwise take
//!   the hash for a plaintext password).
//! - Schemes passgate parses but SFTPGo cannot check (`{SHA}`, passlib's PBKDF2, argon2i, DES
//!   crypt) are refused like any unreadable format.
//! - `$y$` (yescrypt) is written like the others, with a note: SFTPGo reads it only when built
//!   with the `unixcrypt` tag.
//! - Lock markers never become a password; anything else is a [`HashProblem`].

#![forbid(unsafe_code)]

use crate::encoding::crypt64_value;
use crate::scheme::bcrypt::BcryptVariant;
use crate::{ParseErrorKind, Policy, Scheme, StoredHash};

use super::report::{HashProblem, Note};

/// The importer's reading of a password field.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Credential {
    /// A hash to write, and what to report about it.
    Hash { stored: String, notes: Vec<Note> },
    /// Empty, `*…` or `!…`: no password can match.
    Locked,
    /// A hash that must not be written.
    Unusable(HashProblem),
}

pub(crate) fn classify(field: &[u8]) -> Credential {
    if matches!(field, [] | [b'!' | b'*', ..]) {
        return Credential::Locked;
    }
    let Ok(text) = core::str::from_utf8(field) else {
        return Credential::Unusable(HashProblem::Unreadable("a non-ASCII string"));
    };
    let parsed = StoredHash::parse(text);
    let scheme = match &parsed {
        Ok(h) => Some(h.scheme()),
        Err(e) => e.scheme(),
    };
    if let Some(what) = scheme.and_then(sftpgo_cannot_read) {
        return Credential::Unusable(HashProblem::Unreadable(what));
    }
    match parsed {
        Ok(h) => {
            let mut notes = Vec::new();
            let stored = match &h {
                StoredHash::Bcrypt(b) if b.variant() != BcryptVariant::A => {
                    notes.push(Note::BcryptRewritten {
                        from: b.variant().id(),
                    });
                    b.with_variant(BcryptVariant::A).to_string()
                }
                _ => h.to_string(),
            };
            if h.scheme() == Scheme::Yescrypt {
                notes.push(Note::UnixcryptOnly);
            }
            if let Err(e) = Policy::default().check_hash(&h) {
                notes.push(Note::AboveDefaultLimits(e));
            }
            Credential::Hash { stored, notes }
        }
        Err(e) if e.kind() == ParseErrorKind::Disabled => Credential::Locked,
        Err(e) if e.scheme().is_some() => Credential::Unusable(HashProblem::Malformed(e)),
        Err(e) if e.kind() == ParseErrorKind::UnsupportedVariant => {
            Credential::Unusable(HashProblem::Unreadable("this bcrypt variant"))
        }
        Err(_) => pass_through(text),
    }
}

/// The reading of a password field for verifying it with passgate rather than writing it
/// for SFTPGo: every hash passgate parses is kept as written (`{SHA}`, DES crypt, argon2i
/// and passlib's PBKDF2 included); lock markers are [`Credential::Locked`].
pub(crate) fn classify_for_verify(field: &[u8]) -> Credential {
    if matches!(field, [] | [b'!' | b'*', ..]) {
        return Credential::Locked;
    }
    let Ok(text) = core::str::from_utf8(field) else {
        return Credential::Unusable(HashProblem::Unreadable("a non-ASCII string"));
    };
    match StoredHash::parse(text) {
        Ok(_) => Credential::Hash {
            stored: text.to_owned(),
            notes: Vec::new(),
        },
        Err(e) if e.kind() == ParseErrorKind::Disabled => Credential::Locked,
        Err(e) if e.scheme().is_some() => Credential::Unusable(HashProblem::Malformed(e)),
        Err(e) if e.kind() == ParseErrorKind::UnsupportedVariant => {
            Credential::Unusable(HashProblem::Unreadable("this bcrypt variant"))
        }
        Err(_) => pass_through(text),
    }
}

/// What a scheme passgate parses looks like to SFTPGo, when SFTPGo cannot check it.
fn sftpgo_cannot_read(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::HtpasswdSha1 => Some("{SHA} (unsalted SHA-1)"),
        Scheme::PasslibPbkdf2Sha1 | Scheme::PasslibPbkdf2Sha256 | Scheme::PasslibPbkdf2Sha512 => {
            Some("passlib's pbkdf2 (adapted base64)")
        }
        Scheme::Argon2i => Some("argon2i/argon2d"),
        Scheme::DesCrypt => Some("DES crypt"),
        _ => None,
    }
}

/// The name of what a string no scheme parses looks like.
fn pass_through(text: &str) -> Credential {
    let bytes = text.as_bytes();
    let what = if !bytes.iter().all(|c| (0x20..0x7f).contains(c)) {
        "a non-ASCII string"
    } else if text.starts_with("{SHA}") {
        "{SHA} (unsalted SHA-1)"
    } else if text.starts_with("{SSHA") {
        "{SSHA}"
    } else if text.starts_with("$argon2i$") || text.starts_with("$argon2d$") {
        "argon2i/argon2d"
    } else if text.starts_with("$7$") || text.starts_with("$scrypt$") {
        "scrypt"
    } else if text.starts_with("$md5") {
        "Sun md5crypt"
    } else if bytes.len() == 20
        && bytes[0] == b'_'
        && bytes[1..].iter().all(|&c| crypt64_value(c).is_some())
    {
        "BSDi extended DES"
    } else if bytes.first() == Some(&b'$') {
        "an unknown $id$ scheme"
    } else {
        "an unknown scheme or a plaintext password"
    };
    Credential::Unusable(HashProblem::Unreadable(what))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `htpasswd -nbB -C 4 user password` (Apache 2.4.71).
    const HTPASSWD_2Y: &str = "$2y$04$zXRAAeiQ22X2K5jgXzk45eHxb2PBypPLEQGnmJhUIEo5zMvUeuSKa";

    #[test]
    fn bcrypt_2y_becomes_2a() {
        let Credential::Hash { stored, notes } = classify(HTPASSWD_2Y.as_bytes()) else {
            panic!("not a hash");
        };
        assert_eq!(stored, HTPASSWD_2Y.replacen("$2y$", "$2a$", 1));
        assert_eq!(notes, [Note::BcryptRewritten { from: "2y" }]);
        assert!(crate::verify(&stored, b"password").is_ok());
    }

    #[test]
    fn markers_are_locked() {
        for m in ["", "*", "!", "!!", "!*", "*LK*", "!$6$abc$def", "!\u{e9}"] {
            assert_eq!(classify(m.as_bytes()), Credential::Locked, "{m:?}");
        }
    }

    #[test]
    fn yescrypt_is_parsed_by_the_core() {
        // `mkpasswd -m yescrypt password` (whois 5.5.17).
        let y = "$y$j9T$sN1.yOvwWYG3cjROOUTft.$.HV/d/kWkRu9NRTWsSiK4S3pWasEQxzY/LIMASB8Hy3";
        let Credential::Hash { stored, notes } = classify(y.as_bytes()) else {
            panic!("not a hash");
        };
        assert_eq!(
            (stored.as_str(), &notes[..]),
            (y, &[Note::UnixcryptOnly][..])
        );
        assert!(crate::verify(y, b"password").is_ok());
    }

    #[test]
    fn costs_above_the_default_policy_are_noted() {
        // `pure-pw useradd` (Pure-FTPd 1.0.50, libsodium): t = 127, above the default 10.
        let a = "$argon2id$v=19$m=21845,t=127,p=1$m86O+xfHTP0qD2jT+NgP+A$vyr5IAtLfGmBSIfZVL5bTPsDNZPm0JO/7tSj1+SY/EU";
        let Credential::Hash { stored, notes } = classify(a.as_bytes()) else {
            panic!("not a hash");
        };
        assert_eq!(stored, a);
        assert!(
            matches!(
                notes[..],
                [Note::AboveDefaultLimits(
                    crate::PolicyError::Argon2CostTooHigh {
                        param: "t",
                        value: 127,
                        max: 10
                    }
                )]
            ),
            "{notes:?}"
        );
        let Credential::Hash { notes, .. } = classify(HTPASSWD_2Y.as_bytes()) else {
            panic!("not a hash");
        };
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn malformed_yescrypt_and_argon2id_are_refused_by_the_core() {
        for bad in [
            "$y$j9T$salt",
            "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$short",
            "$y$$salt$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
            "$y$j9TD$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
            "$argon2id$m=1,t=1,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=1,t=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=1,t=1,p=1$$aGFzaA",
            "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFz=",
        ] {
            assert!(
                matches!(
                    classify(bad.as_bytes()),
                    Credential::Unusable(HashProblem::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn unreadable_and_malformed() {
        let cases = [
            (
                "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
                "{SHA} (unsalted SHA-1)",
            ),
            ("abJnggxhB/yWI", "DES crypt"),
            // Non-zero unused bits: malformed, but still DES crypt, which SFTPGo cannot read.
            ("abJnggxhB/yWJ", "DES crypt"),
            ("_J9..XlcG5E1H5trwtF2", "BSDi extended DES"),
            ("$2x$05$abcdefghijklmnopqrstuu", "this bcrypt variant"),
            ("$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "argon2i/argon2d"),
            ("$9$x$y", "an unknown $id$ scheme"),
            ("plaintext", "an unknown scheme or a plaintext password"),
            ("p\u{e9}", "a non-ASCII string"),
        ];
        for (s, what) in cases {
            assert_eq!(
                classify(s.as_bytes()),
                Credential::Unusable(HashProblem::Unreadable(what)),
                "{s}"
            );
        }
        assert_eq!(
            classify(b"\xff\xfe"),
            Credential::Unusable(HashProblem::Unreadable("a non-ASCII string"))
        );
        let Credential::Unusable(HashProblem::Malformed(e)) =
            classify(b"$1$saltsalt$qjXMvbEw8oaL.CzflDtaK2")
        else {
            panic!("not malformed");
        };
        assert_eq!(e.kind(), ParseErrorKind::NonCanonical);
    }
}
