//! Users in an SFTPGo dump file (`{"users": [...], "folders": [...], ..., "version": N}`), as
//! `sftpgo dumpdata` writes it and `loaddata` reads it.
//!
//! Writes resolve the path first (a symlinked dump is written through: the link stays and
//! its target is replaced), take an exclusive `flock` on a sidecar `<target>.lock`, read the
//! file, change one user, write a temporary file in the target's directory, fsync it, rename
//! it over the target and fsync that directory. Readers never lock: the rename is atomic, so
//! they see the old file or the new one, always whole. Every other top-level key and every unknown user field is kept
//! (JSON object keys come back in sorted order).

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nix::fcntl::{Flock, FlockArg};
use serde_json::Value;

use super::store::{StoreError, UserStore, next_id};
use super::user::User;

/// How often a write resolves the path again when the symlink moved while it waited for the
/// lock.
const RESOLVE_TRIES: u32 = 5;

/// A [`UserStore`] over an SFTPGo dump file, rewritten atomically under a lock.
#[derive(Clone, Debug)]
pub struct SftpgoDumpStore {
    path: PathBuf,
}

impl SftpgoDumpStore {
    /// A store over `path`, which must exist when used. The lock file is the resolved
    /// path (symlinks followed) + `.lock`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The dump file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self, path: &Path) -> Result<Value, StoreError> {
        let bytes = fs::read(path).map_err(StoreError::io("read"))?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|e| StoreError::InvalidJson {
            line: e.line(),
            column: e.column(),
        })?;
        match doc.get("users") {
            Some(Value::Array(_)) => Ok(doc),
            Some(_) => Err(StoreError::NotADump("\"users\" is not an array")),
            None if doc.is_object() => Err(StoreError::NotADump("no \"users\" array")),
            None => Err(StoreError::NotADump("not a JSON object")),
        }
    }

    /// Replaces `target` (a resolved path: no symlink) with `doc`.
    fn write(target: &Path, doc: &Value) -> Result<(), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let mode = fs::metadata(target)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o600);
        let mut bytes = serde_json::to_vec_pretty(doc).map_err(|_| StoreError::Io {
            op: "serialize",
            kind: std::io::ErrorKind::InvalidData,
        })?;
        bytes.push(b'\n');
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)
                .map_err(StoreError::io("create temporary file"))?;
            file.write_all(&bytes).map_err(StoreError::io("write"))?;
            file.sync_all().map_err(StoreError::io("fsync"))?;
            fs::rename(&tmp, target).map_err(StoreError::io("rename"))?;
            File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(StoreError::io("fsync directory"))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// The dump's resolved path, locked. A rename writes to the path it is given, so a
    /// symlink would be replaced by a regular file and its target left stale: writes go to
    /// the target instead, under the target's lock. The link is resolved again under the
    /// lock, in case it was pointed elsewhere meanwhile.
    fn lock_target(&self) -> Result<(PathBuf, Flock<File>), StoreError> {
        let mut target = fs::canonicalize(&self.path).map_err(StoreError::io("resolve"))?;
        for _ in 0..RESOLVE_TRIES {
            let mut lock_path = target.clone().into_os_string();
            lock_path.push(".lock");
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&lock_path)
                .map_err(StoreError::io("open lock file"))?;
            let lock = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| {
                StoreError::Io {
                    op: "lock",
                    kind: std::io::Error::from(errno).kind(),
                }
            })?;
            let now = fs::canonicalize(&self.path).map_err(StoreError::io("resolve"))?;
            if now == target {
                return Ok((target, lock));
            }
            target = now;
        }
        Err(StoreError::Io {
            op: "resolve",
            kind: std::io::ErrorKind::ResourceBusy,
        })
    }
}

fn find(users: &[Value], username: &str) -> Option<usize> {
    users
        .iter()
        .position(|u| u.get("username").and_then(Value::as_str) == Some(username))
}

impl UserStore for SftpgoDumpStore {
    fn load(&self, username: &str) -> Result<Option<User>, StoreError> {
        let doc = self.read(&self.path)?;
        let users = doc["users"].as_array().map_or(&[][..], Vec::as_slice);
        find(users, username)
            .map(|i| User::from_value(users[i].clone()).map_err(StoreError::InvalidUser))
            .transpose()
    }

    fn modify(
        &self,
        username: &str,
        change: &mut dyn FnMut(Option<&User>) -> Option<User>,
    ) -> Result<Option<User>, StoreError> {
        let (target, _lock) = self.lock_target()?;
        let mut doc = self.read(&target)?;
        let Some(users) = doc.get_mut("users").and_then(Value::as_array_mut) else {
            return Err(StoreError::NotADump("no \"users\" array"));
        };
        let at = find(users, username);
        let current = at
            .map(|i| User::from_value(users[i].clone()).map_err(StoreError::InvalidUser))
            .transpose()?;
        let Some(mut new) = change(current.as_ref()) else {
            return Ok(current);
        };
        if new.username() != username {
            return Err(StoreError::UsernameChanged);
        }
        match at {
            Some(i) => users[i] = new.to_value(),
            None => {
                if new.id() <= 0 {
                    new.set_id(next_id(
                        users
                            .iter()
                            .filter_map(|u| u.get("id").and_then(Value::as_i64)),
                    ));
                }
                users.push(new.to_value());
            }
        }
        Self::write(&target, &doc)?;
        Ok(Some(new))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("passgate-dump-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn modify_keeps_everything_else() {
        let dir = temp_dir("keep");
        let path = dir.join("users.json");
        let dump = json!({"users": [{"id": 3, "username": "a", "status": 1,
            "password": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "x_unknown": {"deep": [1, 2]}}],
            "folders": [{"name": "f"}], "groups": [], "admins": [{"username": "admin"}],
            "version": 17});
        fs::write(&path, dump.to_string()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let store = SftpgoDumpStore::new(&path);

        let a = store.load("a").unwrap().unwrap();
        assert_eq!(a.id(), 3);
        assert!(store.load("nobody").unwrap().is_none());

        let updated = store
            .modify("a", &mut |cur| {
                let mut u = cur.unwrap().clone();
                u.set_password("$2a$04$new".into());
                Some(u)
            })
            .unwrap()
            .unwrap();
        assert_eq!(updated.password(), Some("$2a$04$new"));
        let created = store
            .modify("b", &mut |_| Some(User::new("b")))
            .unwrap()
            .unwrap();
        assert_eq!(created.id(), 4);

        let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let mut expected = dump.clone();
        expected["users"][0]["password"] = json!("$2a$04$new");
        expected["users"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": 4, "username": "b"}));
        assert_eq!(doc, expected);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_are_typed_errors() {
        let dir = temp_dir("bad");
        let path = dir.join("users.json");
        let store = SftpgoDumpStore::new(&path);
        assert!(matches!(
            store.load("a"),
            Err(StoreError::Io { op: "read", .. })
        ));
        fs::write(&path, "{\"users\": [").unwrap();
        assert!(matches!(
            store.load("a"),
            Err(StoreError::InvalidJson { .. })
        ));
        fs::write(&path, "{\"admins\": []}").unwrap();
        assert!(matches!(store.load("a"), Err(StoreError::NotADump(_))));
        fs::write(
            &path,
            "{\"users\": [{\"username\": \"a\", \"password\": 1}]}",
        )
        .unwrap();
        assert!(matches!(store.load("a"), Err(StoreError::InvalidUser(_))));
        fs::remove_dir_all(&dir).unwrap();
    }
}
