//! HTTP Basic authentication (RFC 7617) for a reverse proxy's auth subrequest: nginx
//! `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`. The proxy forwards the
//! client's `Authorization` header to a path under [`PATH_ROOT`]; the [realm](HttpBasicRealm)
//! with the longest prefix of that path names the source that decides.
//!
//! What is read, and how strictly:
//! - `Authorization: Basic <token68>`: the scheme name in any case (RFC 7235 §2.1), one or
//!   more spaces, then standard base64 with its padding, canonical (no stray bits); nothing
//!   else, and at most [`BasicCredentials::MAX_HEADER_LEN`] bytes.
//! - The decoded `user-id:password` splits at the first colon (RFC 7617 §2: a user-id has
//!   none). The user-id must be non-empty UTF-8 without control characters (it is a name in a
//!   UTF-8 source, and goes back to the proxy in a header); the password is taken as the
//!   bytes sent, whatever their charset, so a password a legacy client sends in Latin-1
//!   verifies against a hash made from the same bytes. The challenge advertises
//!   `charset="UTF-8"` (RFC 7617 §2.1), which is what current browsers send.

#![forbid(unsafe_code)]

use core::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

/// The path every realm's prefix is under, so that no realm can take the SFTPGo hooks',
/// `/healthz` or `/metrics`.
pub const PATH_ROOT: &str = "/http-basic";

/// Standard base64 (RFC 4648 §4) as RFC 7617 has it: padding required, unused bits zero.
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Why an `Authorization` header is not Basic credentials passgate reads. Never holds any
/// of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BasicError {
    /// Longer than [`BasicCredentials::MAX_HEADER_LEN`].
    #[error("the Authorization header is too long")]
    TooLong,
    /// Another scheme, or no credentials after `Basic`.
    #[error("the Authorization header is not Basic credentials")]
    NotBasic,
    /// The credentials are not canonical, padded standard base64.
    #[error("the Basic credentials are not base64")]
    NotBase64,
    /// The decoded credentials hold no colon.
    #[error("the Basic credentials hold no colon")]
    NoColon,
    /// The user-id is empty.
    #[error("the Basic credentials hold no user-id")]
    EmptyUsername,
    /// The user-id is not UTF-8, holds a control character, or is longer than
    /// [`BasicCredentials::MAX_USERNAME_LEN`].
    #[error("the user-id is not acceptable")]
    Username,
}

/// The user-id and password of an `Authorization: Basic` header. The password is wiped when
/// dropped; `Debug` shows the user-id only.
pub struct BasicCredentials {
    username: String,
    password: Zeroizing<Vec<u8>>,
}

impl BasicCredentials {
    /// The longest header value read: enough for a user-id and a password of 1024 bytes each
    /// (the policy's default password limit), base64-encoded, with the scheme.
    pub const MAX_HEADER_LEN: usize = 4096;
    /// The longest user-id, in bytes.
    pub const MAX_USERNAME_LEN: usize = 1024;

    /// Reads the value of an `Authorization` header.
    pub fn from_header(value: &[u8]) -> Result<Self, BasicError> {
        if value.len() > Self::MAX_HEADER_LEN {
            return Err(BasicError::TooLong);
        }
        let value = value.trim_ascii_end();
        let scheme_len = value
            .iter()
            .position(|&b| b == b' ')
            .ok_or(BasicError::NotBasic)?;
        let (scheme, rest) = value.split_at(scheme_len);
        if !scheme.eq_ignore_ascii_case(b"basic") {
            return Err(BasicError::NotBasic);
        }
        // `1*SP token68` (RFC 7235 §2.1): spaces only.
        let start = rest
            .iter()
            .position(|&b| b != b' ')
            .ok_or(BasicError::NotBasic)?;
        let token = &rest[start..];
        let mut decoded = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(token.len())]);
        let len = STRICT
            .decode_slice(token, &mut decoded[..])
            .map_err(|_| BasicError::NotBase64)?;
        let decoded = decoded.get(..len).ok_or(BasicError::NotBase64)?;
        let colon = decoded
            .iter()
            .position(|&b| b == b':')
            .ok_or(BasicError::NoColon)?;
        let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
        if user.is_empty() {
            return Err(BasicError::EmptyUsername);
        }
        if user.len() > Self::MAX_USERNAME_LEN {
            return Err(BasicError::Username);
        }
        let user = core::str::from_utf8(user).map_err(|_| BasicError::Username)?;
        if user.chars().any(char::is_control) {
            return Err(BasicError::Username);
        }
        Ok(Self {
            username: user.to_owned(),
            password: Zeroizing::new(password.to_vec()),
        })
    }

    /// The user-id.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, as the bytes sent.
    pub fn password(&self) -> &[u8] {
        &self.password
    }
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Why a realm's settings were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RealmError {
    /// The prefix is not [`PATH_ROOT`] or a path under it of non-empty segments of
    /// letters, digits, `-`, `.`, `_` and `~` (not `.` or `..`), without a trailing slash.
    #[error("a path of /http-basic or under it (segments of letters, digits, - . _ ~)")]
    Prefix,
    /// The realm is empty, longer than [`HttpBasicRealm::MAX_REALM_LEN`], or holds a
    /// character other than printable ASCII, or `"` or `\`.
    #[error("printable ASCII without \" or \\, 1 to 128 characters")]
    Realm,
}

/// One protected area: the requests under `prefix` are answered from `source` (a
/// `[sources.NAME]`, or `[source]` when `None`), and challenged with `realm`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpBasicRealm {
    prefix: String,
    realm: String,
    source: Option<String>,
}

impl HttpBasicRealm {
    /// The realm a browser shows when none is configured.
    pub const DEFAULT_REALM: &str = "passgate";
    /// The longest realm, in bytes.
    pub const MAX_REALM_LEN: usize = 128;

    /// A realm; an error when the prefix or the realm is not acceptable.
    pub fn new(
        prefix: impl Into<String>,
        realm: impl Into<String>,
        source: Option<String>,
    ) -> Result<Self, RealmError> {
        let (prefix, realm) = (prefix.into(), realm.into());
        let under = match prefix.strip_prefix(PATH_ROOT) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix('/')
                .is_some_and(|rest| rest.split('/').all(plain_segment)),
            None => false,
        };
        if !under {
            return Err(RealmError::Prefix);
        }
        if realm.is_empty()
            || realm.len() > Self::MAX_REALM_LEN
            || !realm
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        {
            return Err(RealmError::Realm);
        }
        Ok(Self {
            prefix,
            realm,
            source,
        })
    }

    /// The path prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The source's name (`[sources.NAME]`), `None` for `[source]`.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The `WWW-Authenticate` value of a 401: `Basic realm="…", charset="UTF-8"`.
    pub fn challenge(&self) -> String {
        format!("Basic realm=\"{}\", charset=\"UTF-8\"", self.realm)
    }

    /// Whether `path` is this realm's: the prefix itself, or under it by whole segments (a
    /// trailing slash allowed).
    fn covers(&self, path: &str) -> bool {
        match path.strip_prefix(self.prefix.as_str()) {
            Some("" | "/") => true,
            Some(rest) => rest.strip_prefix('/').is_some_and(|rest| {
                let rest = rest.strip_suffix('/').unwrap_or(rest);
                rest.split('/')
                    .all(|s| !s.is_empty() && s != "." && s != "..")
            }),
            None => false,
        }
    }
}

/// A segment of a configured prefix.
fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The realm of a request path: the one with the longest prefix covering it (a path with
/// empty, `.` or `..` segments after the prefix is no realm's).
pub fn realm_for<'a>(realms: &'a [HttpBasicRealm], path: &str) -> Option<&'a HttpBasicRealm> {
    realms
        .iter()
        .filter(|r| r.covers(path))
        .max_by_key(|r| r.prefix.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn basic(decoded: &[u8]) -> Vec<u8> {
        format!("Basic {}", STRICT.encode(decoded)).into_bytes()
    }

    #[test]
    fn credentials_as_rfc_7617_has_them() {
        // RFC 7617 §2's example.
        let c = BasicCredentials::from_header(b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
        assert_eq!(
            (c.username(), c.password()),
            ("Aladdin", &b"open sesame"[..])
        );
        assert_eq!(
            format!("{c:?}"),
            "BasicCredentials { username: \"Aladdin\", .. }"
        );
        // The scheme in any case, several spaces; the password keeps its colons and bytes.
        for header in [
            b"basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_vec(),
            b"BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ".to_vec(),
        ] {
            assert_eq!(
                BasicCredentials::from_header(&header).unwrap().username(),
                "Aladdin"
            );
        }
        let c = BasicCredentials::from_header(&basic(b"u:p:q\xe9")).unwrap();
        assert_eq!((c.username(), c.password()), ("u", &b"p:q\xe9"[..]));
        let c = BasicCredentials::from_header(&basic("j\u{f6}rg:".as_bytes())).unwrap();
        assert_eq!((c.username(), c.password()), ("j\u{f6}rg", &b""[..]));
    }

    #[test]
    fn hostile_headers_are_refused() {
        let long = basic(&vec![b'a'; BasicCredentials::MAX_HEADER_LEN]);
        let long_user = basic(&[&[b'u'; 1025][..], b":p"].concat());
        for (header, want) in [
            (&b""[..], BasicError::NotBasic),
            (b"Basic", BasicError::NotBasic),
            (b"Basic ", BasicError::NotBasic),
            (b"Basic\tdTpw", BasicError::NotBasic),
            (b"Bearer dTpw", BasicError::NotBasic),
            (b"Basicx dTpw", BasicError::NotBasic),
            (b"Basic dTpw dTpw", BasicError::NotBase64),
            (b"Basic dTp", BasicError::NotBase64),
            (b"Basic dTo=x", BasicError::NotBase64),
            // Unpadded, a stray bit, another alphabet.
            (b"Basic dTo", BasicError::NotBase64),
            (b"Basic dTp=", BasicError::NotBase64),
            (b"Basic dT-w", BasicError::NotBase64),
            (b"Basic dTpw\0", BasicError::NotBase64),
            (&long, BasicError::TooLong),
            (&basic(b"user"), BasicError::NoColon),
            (&basic(b":password"), BasicError::EmptyUsername),
            (&basic(b"\xff\xfe:p"), BasicError::Username),
            (&basic(b"a\nb:p"), BasicError::Username),
            (&basic(b"a\0:p"), BasicError::Username),
            (&long_user, BasicError::Username),
        ] {
            let got = BasicCredentials::from_header(header).map(|c| c.username().to_owned());
            assert_eq!(got, Err(want), "{:?}", String::from_utf8_lossy(header));
        }
    }

    #[test]
    fn realms_by_longest_prefix() {
        let r =
            |p: &str, s: Option<&str>| HttpBasicRealm::new(p, "R", s.map(str::to_owned)).unwrap();
        let realms = [
            r("/http-basic", None),
            r("/http-basic/staff", Some("staff")),
            r("/http-basic/staff/admins", Some("admins")),
        ];
        for (path, want) in [
            ("/http-basic", Some("/http-basic")),
            ("/http-basic/", Some("/http-basic")),
            ("/http-basic/other", Some("/http-basic")),
            ("/http-basic/staff", Some("/http-basic/staff")),
            ("/http-basic/staff/", Some("/http-basic/staff")),
            ("/http-basic/staffroom", Some("/http-basic")),
            ("/http-basic/staff/x/y", Some("/http-basic/staff")),
            ("/http-basic/staff/admins", Some("/http-basic/staff/admins")),
            ("/http-basic/staff/../admins", None),
            ("/http-basic//staff", None),
            ("/http-basic/./staff", None),
            ("/http-basicx", None),
            ("/sftpgo/external-auth", None),
            ("", None),
        ] {
            assert_eq!(
                realm_for(&realms, path).map(HttpBasicRealm::prefix),
                want,
                "{path}"
            );
        }
        assert_eq!(realm_for(&realms[1..], "/http-basic"), None);
        assert_eq!(
            realms[1].challenge(),
            "Basic realm=\"R\", charset=\"UTF-8\""
        );
    }

    #[test]
    fn realm_settings_are_checked() {
        for p in [
            "/http-basic/",
            "/http-basic//x",
            "/http-basic/a/",
            "/http-basic/..",
            "/http-basic/%2e",
            "/http-basicx",
            "/sftpgo",
            "http-basic",
            "",
            "/http-basic/a b",
        ] {
            assert_eq!(
                HttpBasicRealm::new(p, "R", None),
                Err(RealmError::Prefix),
                "{p}"
            );
        }
        let long = "r".repeat(129);
        for realm in ["", "a\"b", "a\\b", "caf\u{e9}", "a\nb", long.as_str()] {
            assert_eq!(
                HttpBasicRealm::new("/http-basic", realm, None),
                Err(RealmError::Realm),
                "{realm}"
            );
        }
        assert!(HttpBasicRealm::new("/http-basic/a.b/c~d_e-f", "Staff area", None).is_ok());
    }
}
