//! An SFTPGo user: the JSON object as SFTPGo writes it, kept whole so that fields passgate
//! does not know round-trip untouched, with typed accessors for the few it reads.

#![forbid(unsafe_code)]

use core::fmt;

use serde_json::{Map, Value};

use super::attempt::HookName;

/// An SFTPGo user object. Always holds a string `username`.
///
/// Absent numbers read as SFTPGo's zero values: `status` 0 is a disabled user (so a
/// hook's answer should say `"status": 1`), `expiration_date` 0 never expires. `Debug`
/// never shows the password field.
#[derive(Clone, PartialEq)]
pub struct User {
    fields: Map<String, Value>,
}

/// Why a JSON value is not a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// The value is not a JSON object.
    #[error("a user must be a JSON object")]
    NotAnObject,
    /// `username` is absent, not a string, or empty.
    #[error("a user needs a non-empty string \"username\"")]
    NoUsername,
    /// `password` is present but not a string.
    #[error("\"password\" must be a string")]
    PasswordNotString,
}

impl User {
    /// A user with only a username (and SFTPGo's `id` 0: not stored yet).
    pub fn new(username: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("id".into(), Value::from(0));
        fields.insert("username".into(), Value::from(username));
        Self { fields }
    }

    /// A user from a JSON object with a non-empty string `username`.
    pub fn from_value(value: Value) -> Result<Self, UserError> {
        match value {
            Value::Object(fields) => Self::from_map(fields),
            _ => Err(UserError::NotAnObject),
        }
    }

    /// A user from a JSON object's fields.
    pub fn from_map(fields: Map<String, Value>) -> Result<Self, UserError> {
        match fields.get("username") {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => return Err(UserError::NoUsername),
        }
        match fields.get("password") {
            None | Some(Value::String(_)) => {}
            Some(_) => return Err(UserError::PasswordNotString),
        }
        Ok(Self { fields })
    }

    /// The login name.
    pub fn username(&self) -> &str {
        self.fields
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The stored password hash, if any (SFTPGo keeps `""` for "no password").
    pub fn password(&self) -> Option<&str> {
        self.fields
            .get("password")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
    }

    /// SFTPGo's numeric id; 0 for a user not stored yet.
    pub fn id(&self) -> i64 {
        self.int("id")
    }

    /// SFTPGo's `status`: 1 enabled, 0 disabled.
    pub fn status(&self) -> i64 {
        self.int("status")
    }

    /// SFTPGo's `expiration_date`, in milliseconds since the epoch; 0 for never.
    pub fn expiration_date(&self) -> i64 {
        self.int("expiration_date")
    }

    fn int(&self, key: &str) -> i64 {
        self.fields.get(key).and_then(Value::as_i64).unwrap_or(0)
    }

    /// Whether SFTPGo would let the user log in at all (`status` ≥ 1).
    pub fn is_enabled(&self) -> bool {
        self.status() >= 1
    }

    /// Whether the account has expired at `now_ms` (milliseconds since the epoch).
    pub fn is_expired_at(&self, now_ms: i64) -> bool {
        let expires = self.expiration_date();
        expires > 0 && expires < now_ms
    }

    /// Whether the user's `filters.hooks` turn this SFTPGo hook off for them:
    /// `external_auth_disabled`, `pre_login_disabled` or `check_password_disabled` is `true`.
    /// (SFTPGo reads them with the user's group settings applied; passgate has no groups and
    /// reads the user's own.) Always false for the other hooks.
    pub fn hook_disabled(&self, hook: HookName) -> bool {
        let key = match hook {
            HookName::ExternalAuth => "external_auth_disabled",
            HookName::PreLogin => "pre_login_disabled",
            HookName::CheckPassword => "check_password_disabled",
            _ => return false,
        };
        let flag = self
            .fields
            .get("filters")
            .and_then(|f| f.get("hooks"))
            .and_then(|h| h.get(key));
        flag == Some(&Value::Bool(true))
    }

    /// Replaces the stored password hash.
    pub fn set_password(&mut self, hash: String) {
        self.fields.insert("password".into(), Value::String(hash));
    }

    /// Sets SFTPGo's id.
    pub fn set_id(&mut self, id: i64) {
        self.fields.insert("id".into(), Value::from(id));
    }

    /// Checks what SFTPGo's validation (`ValidateUser`) would refuse in a whole user, of
    /// what passgate can tell: a `home_dir` that is an absolute path, `permissions` for
    /// `"/"`, a `status` of 0 or 1 (absent is 0: disabled, which is valid), and `filters`
    /// that are an object. The message is secret-free.
    pub(crate) fn check_whole(fields: &Map<String, Value>) -> Result<(), &'static str> {
        match fields.get("home_dir") {
            Some(Value::String(h)) if h.starts_with('/') => {}
            Some(Value::String(h)) if !h.is_empty() => return Err("home_dir is not absolute"),
            _ => return Err("the user has no home_dir"),
        }
        match fields.get("permissions") {
            Some(Value::Object(p)) if p.contains_key("/") => {}
            _ => return Err("the user has no permissions for \"/\""),
        }
        match fields.get("status") {
            None | Some(Value::Null) => {}
            Some(v) if matches!(v.as_i64(), Some(0 | 1)) => {}
            Some(_) => return Err("status is not 0 or 1"),
        }
        match fields.get("filters") {
            None | Some(Value::Null | Value::Object(_)) => Ok(()),
            Some(_) => Err("filters is not an object"),
        }
    }

    /// A whole user `answer` as it replaces `stored` (`None`: a new user), keeping what
    /// SFTPGo keeps of the stored user when a hook's answer replaces it: its `id`, usage
    /// counters and activity times, and its second factor (`executePreLoginHook` and the
    /// provider's `updateUser`). A new user starts without counters or activity times
    /// (SFTPGo's `addUser`).
    pub(crate) fn replacing(
        stored: Option<&User>,
        mut answer: Map<String, Value>,
    ) -> Result<Self, UserError> {
        const COUNTERS: [&str; 8] = [
            "used_quota_size",
            "used_quota_files",
            "used_upload_data_transfer",
            "used_download_data_transfer",
            "last_quota_update",
            "last_login",
            "first_download",
            "first_upload",
        ];
        const KEPT: [&str; 3] = ["id", "last_password_change", "created_at"];
        const KEPT_FILTERS: [&str; 2] = ["totp_config", "recovery_codes"];
        let Some(stored) = stored else {
            for key in COUNTERS {
                answer.remove(key);
            }
            return Self::from_map(answer);
        };
        for key in COUNTERS.into_iter().chain(KEPT) {
            match stored.fields.get(key) {
                Some(v) => answer.insert(key.into(), v.clone()),
                None => answer.remove(key),
            };
        }
        let kept: Vec<(&str, Value)> = KEPT_FILTERS
            .into_iter()
            .filter_map(|k| Some((k, stored.fields.get("filters")?.get(k)?.clone())))
            .collect();
        match answer.get_mut("filters") {
            Some(Value::Object(filters)) => {
                for key in KEPT_FILTERS {
                    filters.remove(key);
                }
                filters.extend(kept.into_iter().map(|(k, v)| (k.to_owned(), v)));
            }
            _ if !kept.is_empty() => {
                let filters = kept.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                answer.insert("filters".into(), Value::Object(filters));
            }
            _ => {}
        }
        Self::from_map(answer)
    }

    /// All fields.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The user as a JSON value, password included (SFTPGo's pre-login and external auth
    /// hooks receive the stored hash).
    pub fn to_value(&self) -> Value {
        Value::Object(self.fields.clone())
    }

    /// The user as a JSON value without the password, for notifications (SFTPGo hides it
    /// from its post-login hook too).
    pub fn to_value_without_password(&self) -> Value {
        let mut fields = self.fields.clone();
        fields.remove("password");
        Value::Object(fields)
    }

    /// The user as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.fields)
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username())
            .field("id", &self.id())
            .field("status", &self.status())
            .field("has_password", &self.password().is_some())
            .field("fields", &self.fields.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_and_zero_values() {
        let u = User::from_value(json!({"username": "a", "id": 7, "status": 1,
            "expiration_date": 1000, "password": "$1$x$y", "filters": {"x": [1]}}))
        .unwrap();
        assert_eq!((u.username(), u.id(), u.status()), ("a", 7, 1));
        assert!(u.is_enabled() && u.is_expired_at(1001) && !u.is_expired_at(999));
        assert_eq!(u.password(), Some("$1$x$y"));
        let bare = User::new("b");
        assert!(!bare.is_enabled() && !bare.is_expired_at(i64::MAX) && bare.password().is_none());
        assert_eq!(User::from_value(json!([])), Err(UserError::NotAnObject));
        assert_eq!(
            User::from_value(json!({"username": ""})),
            Err(UserError::NoUsername)
        );
        assert_eq!(
            User::from_value(json!({"username": "a", "password": 5})),
            Err(UserError::PasswordNotString)
        );
    }

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_whole_user_replaces_the_stored_one_keeping_what_sftpgo_keeps() {
        let stored = User::from_value(json!({"id": 7, "username": "a", "status": 1,
            "home_dir": "/old", "permissions": {"/": ["*"]}, "description": "old", "x": 1,
            "used_quota_size": 10, "last_login": 99, "created_at": 5,
            "filters": {"totp_config": {"enabled": true}, "recovery_codes": [{"secret": "s"}],
                "allowed_ip": ["10.0.0.0/8"]}}))
        .unwrap();
        let answer = object(
            json!({"id": 99, "username": "a", "status": 1, "home_dir": "/new",
            "permissions": {"/": ["list"]}, "last_login": 1, "first_upload": 2,
            "filters": {"totp_config": {"enabled": false}, "denied_ip": []}}),
        );
        assert_eq!(
            User::replacing(Some(&stored), answer).unwrap().into_value(),
            json!({"id": 7, "username": "a", "status": 1, "home_dir": "/new",
                "permissions": {"/": ["list"]}, "used_quota_size": 10, "last_login": 99,
                "created_at": 5, "filters": {"totp_config": {"enabled": true},
                    "recovery_codes": [{"secret": "s"}], "denied_ip": []}})
        );
        // An answer without filters still gets the stored second factor.
        let answer = object(json!({"username": "a", "home_dir": "/h", "permissions": {"/": []}}));
        let u = User::replacing(Some(&stored), answer).unwrap();
        assert_eq!(
            u.fields()["filters"],
            json!({"totp_config": {"enabled": true}, "recovery_codes": [{"secret": "s"}]})
        );
        assert_eq!(u.status(), 0);
        // A new user: the answer, without counters or activity times.
        let answer = object(
            json!({"username": "b", "home_dir": "/b", "permissions": {"/": []},
            "used_quota_files": 3, "last_login": 1, "last_password_change": 4}),
        );
        assert_eq!(
            User::replacing(None, answer).unwrap().into_value(),
            json!({"username": "b", "home_dir": "/b", "permissions": {"/": []},
                "last_password_change": 4})
        );
    }

    #[test]
    fn what_a_whole_user_needs() {
        let whole = json!({"username": "a", "home_dir": "/h", "permissions": {"/": ["*"]}});
        assert_eq!(User::check_whole(&object(whole.clone())), Ok(()));
        let with = |key: &str, v: Value| {
            let mut m = object(whole.clone());
            if v.is_null() {
                m.remove(key);
            } else {
                m.insert(key.into(), v);
            }
            User::check_whole(&m)
        };
        for (key, v, ok) in [
            ("status", json!(0), true),
            ("status", json!(1), true),
            ("status", json!(2), false),
            ("status", json!(-1), false),
            ("status", json!("1"), false),
            ("status", json!(1.0), false),
            ("home_dir", Value::Null, false),
            ("home_dir", json!(""), false),
            ("home_dir", json!("relative/dir"), false),
            ("home_dir", json!(5), false),
            ("permissions", Value::Null, false),
            ("permissions", json!({}), false),
            ("permissions", json!({"/sub": ["*"]}), false),
            ("permissions", json!(["*"]), false),
            ("filters", json!({}), true),
            ("filters", json!("x"), false),
        ] {
            assert_eq!(with(key, v.clone()).is_ok(), ok, "{key}: {v}");
        }
    }

    #[test]
    fn hook_filters() {
        let u = User::from_value(json!({"username": "a", "filters": {"hooks": {
            "external_auth_disabled": true, "pre_login_disabled": false,
            "check_password_disabled": "true"}}}))
        .unwrap();
        assert!(u.hook_disabled(HookName::ExternalAuth));
        assert!(!u.hook_disabled(HookName::PreLogin));
        // Only JSON `true` is true: SFTPGo would not read a string into its bool.
        assert!(!u.hook_disabled(HookName::CheckPassword));
        assert!(!u.hook_disabled(HookName::LoginPre));
        assert!(!User::new("b").hook_disabled(HookName::ExternalAuth));
    }

    #[test]
    fn debug_hides_the_password() {
        let u = User::from_value(json!({"username": "a", "password": "$1$salt$hashhash"})).unwrap();
        let text = format!("{u:?}");
        assert!(
            !text.contains("hashhash") && text.contains("has_password: true"),
            "{text}"
        );
        assert!(u.to_value_without_password().get("password").is_none());
    }
}
