//! An SFTPGo user: the JSON object as SFTPGo writes it, kept whole so that fields passgate
//! does not know round-trip untouched, with typed accessors for the few it reads.

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

    /// Applies a (possibly partial) user object: each top-level field given replaces the
    /// stored one, the others stay. `id` is kept: the store owns it.
    pub(crate) fn merge(&mut self, update: Map<String, Value>) {
        let id = self.fields.get("id").cloned();
        for (k, v) in update {
            self.fields.insert(k, v);
        }
        match id {
            Some(id) => self.fields.insert("id".into(), id),
            None => self.fields.remove("id"),
        };
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

    #[test]
    fn merge_is_shallow_and_keeps_id_and_unknown_fields() {
        let mut u = User::from_value(json!({"username": "a", "id": 7, "status": 1,
            "home_dir": "/h", "custom": {"k": "v"}}))
        .unwrap();
        let Value::Object(update) = json!({"status": 0, "id": 99, "quota_files": 5}) else {
            unreachable!()
        };
        u.merge(update);
        assert_eq!(
            u.into_value(),
            json!({"username": "a", "id": 7, "status": 0, "home_dir": "/h",
                "custom": {"k": "v"}, "quota_files": 5})
        );
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
