//! Where users live: the [`UserStore`] trait, its errors, and an in-memory store.

#![forbid(unsafe_code)]

use std::io;
use std::sync::Mutex;

use super::user::{User, UserError};

/// A place users are read from and written to, safe to share between threads.
///
/// [`modify`](Self::modify) is the only write: one atomic read–modify–write of one user, so
/// that two logins updating the same store lose no update. Hooks are never run inside it.
pub trait UserStore: Send + Sync {
    /// The user named `username`, if stored.
    fn load(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Reads `username`'s record, lets `change` decide, and writes what it returns, all under
    /// one lock. `change` returns `None` to leave the store as it is. A new user (absent
    /// before) with `id` 0 or none gets the next free id. Returns the record as stored
    /// afterwards.
    fn modify(
        &self,
        username: &str,
        change: &mut dyn FnMut(Option<&User>) -> Option<User>,
    ) -> Result<Option<User>, StoreError>;
}

/// Why the store could not be read or written. Names the operation and the kind of fault,
/// never a user's data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file operation failed.
    #[error("user store: {op}: {kind}")]
    Io {
        /// What was being done (`"read"`, `"lock"`, `"write"`, `"rename"`, …).
        op: &'static str,
        /// The OS error kind.
        kind: io::ErrorKind,
    },
    /// The file is not JSON.
    #[error("user store is not valid JSON (line {line}, column {column})")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The file is JSON but not an SFTPGo dump (`{"users": [...], ...}`).
    #[error("user store is not an SFTPGo dump: {0}")]
    NotADump(&'static str),
    /// A stored or returned user is malformed.
    #[error("user store: invalid user: {0}")]
    InvalidUser(UserError),
    /// [`UserStore::modify`]'s change returned a user with another username.
    #[error("user store: a change may not rename the user")]
    UsernameChanged,
    /// The file changed between reading and replacing it: another program wrote it without
    /// passgate's lock. Nothing was written; the change is the other writer's.
    #[error("user store: the file changed while being rewritten; nothing written")]
    ChangedMeanwhile,
    /// A lock was poisoned by a panic in another thread.
    #[error("user store: lock poisoned")]
    Poisoned,
}

impl StoreError {
    pub(crate) fn io(op: &'static str) -> impl FnOnce(io::Error) -> Self {
        move |e| Self::Io { op, kind: e.kind() }
    }
}

/// Users kept in memory, for tests and for callers with their own persistence.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: Mutex<Vec<User>>,
}

impl MemoryStore {
    /// A store holding `users`.
    pub fn new(users: impl IntoIterator<Item = User>) -> Self {
        Self {
            users: Mutex::new(users.into_iter().collect()),
        }
    }

    /// All users, in insertion order.
    pub fn users(&self) -> Vec<User> {
        self.users.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

impl UserStore for MemoryStore {
    fn load(&self, username: &str) -> Result<Option<User>, StoreError> {
        let users = self.users.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(users.iter().find(|u| u.username() == username).cloned())
    }

    fn modify(
        &self,
        username: &str,
        change: &mut dyn FnMut(Option<&User>) -> Option<User>,
    ) -> Result<Option<User>, StoreError> {
        let mut users = self.users.lock().map_err(|_| StoreError::Poisoned)?;
        let at = users.iter().position(|u| u.username() == username);
        let current = at.and_then(|i| users.get(i));
        let Some(mut new) = change(current) else {
            return Ok(current.cloned());
        };
        if new.username() != username {
            return Err(StoreError::UsernameChanged);
        }
        match at {
            Some(i) => users[i] = new.clone(),
            None => {
                if new.id() <= 0 {
                    new.set_id(next_id(users.iter().map(User::id)));
                }
                users.push(new.clone());
            }
        }
        Ok(Some(new))
    }
}

/// One more than the largest id in use.
pub(crate) fn next_id(ids: impl Iterator<Item = i64>) -> i64 {
    ids.max().unwrap_or(0).max(0).saturating_add(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn memory_store_modify() {
        let store = MemoryStore::default();
        assert!(store.load("a").unwrap().is_none());
        let a = store
            .modify("a", &mut |cur| {
                assert!(cur.is_none());
                Some(User::new("a"))
            })
            .unwrap()
            .unwrap();
        assert_eq!(a.id(), 1);
        let b = store
            .modify("b", &mut |_| Some(User::new("b")))
            .unwrap()
            .unwrap();
        assert_eq!(b.id(), 2);
        // No change: the current record comes back.
        assert_eq!(store.modify("a", &mut |_| None).unwrap().unwrap().id(), 1);
        assert_eq!(
            store.modify("a", &mut |_| Some(User::new("z"))),
            Err(StoreError::UsernameChanged)
        );
        assert_eq!(store.users().len(), 2);
    }
}
