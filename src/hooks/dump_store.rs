//! Users in an SFTPGo dump file (`{"users": [...], "folders": [...], ..., "version": N}`), as
//! `sftpgo dumpdata` writes it and `loaddata` reads it.
//!
//! The dump is streamed, never held whole: a login reads it once, keeping only the entry
//! it is looking at (see `dump_scan`), so its memory does not grow with the number of users.
//! Writes resolve the path first (a symlinked dump is written through: the link stays and
//! its target is replaced), take an exclusive `flock` on a sidecar `<target>.lock`, scan the
//! file, change one user, write a temporary file in the target's directory — the bytes
//! before that user, the user, the bytes after it, copied through — fsync it, rename it over
//! the target and fsync that directory. Readers never lock: the rename is atomic, so they see
//! the old file or the new one, always whole.
//!
//! Every byte outside the changed user is kept, and inside it every field whose value did not
//! change keeps its bytes (numbers beyond 64 bits included); a new user is appended after
//! the last one.

#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead as _, BufReader, Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde_json::Value;

use super::dump_scan::{self, Scan, ScanError};
use super::store::{StoreError, UserStore, next_id};
use super::user::User;

/// How often a write resolves the path again when the symlink moved while it waited for the
/// lock.
const RESOLVE_TRIES: u32 = 5;
/// The read buffer of a scan.
const READ_BUF: usize = 256 << 10;

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

    /// Scans the open dump for `username`.
    fn scan(file: &File, username: &str) -> Result<Scan, StoreError> {
        let mut reader = BufReader::with_capacity(READ_BUF, file);
        reader
            .seek(SeekFrom::Start(0))
            .map_err(StoreError::io("read"))?;
        dump_scan::scan(&mut reader, username).map_err(|e| match e {
            ScanError::Io(kind) => StoreError::Io { op: "read", kind },
            ScanError::NotADump(what) => StoreError::NotADump(what),
            ScanError::Syntax { at, inner } => {
                let (line, column) = position(file, at, inner);
                StoreError::InvalidJson { line, column }
            }
        })
    }

    /// Replaces `target` (a resolved path: no symlink) with `source`'s bytes, `range`
    /// replaced by `insert`. `opened` is `source`'s metadata when it was read: if `target`
    /// is no longer that file with that size and modification time (a writer that does not
    /// take the lock, such as an editor or SFTPGo's `dumpdata`), nothing is written. The new
    /// file keeps the old one's mode (whatever the umask) and, where allowed, its owner.
    fn write(
        target: &Path,
        source: &File,
        opened: &fs::Metadata,
        range: std::ops::Range<u64>,
        insert: &[u8],
    ) -> Result<(), StoreError> {
        let dir = crate::sibling::parent(target);
        let tmp =
            crate::sibling::temp_path(target).map_err(StoreError::io("create temporary file"))?;
        let mode = opened.permissions().mode() & 0o777;
        let result = (|| {
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(StoreError::io("create temporary file"))?;
            // Set, not created with: the umask would take bits away (0660 becoming 0640).
            file.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(StoreError::io("set permissions"))?;
            // Root rewriting a service user's store leaves it that user's; anyone else can
            // only keep their own files, which they already have.
            let ours = file.metadata().map_err(StoreError::io("read"))?;
            if (ours.uid(), ours.gid()) != (opened.uid(), opened.gid()) {
                let _ = std::os::unix::fs::fchown(&file, Some(opened.uid()), Some(opened.gid()));
            }
            let mut out = io::BufWriter::with_capacity(READ_BUF, file);
            let mut src = source;
            src.seek(SeekFrom::Start(0))
                .map_err(StoreError::io("read"))?;
            copy_exact(&mut src, &mut out, range.start)?;
            out.write_all(insert).map_err(StoreError::io("write"))?;
            src.seek(SeekFrom::Start(range.end))
                .map_err(StoreError::io("read"))?;
            io::copy(&mut src, &mut out).map_err(StoreError::io("write"))?;
            let file = out
                .into_inner()
                .map_err(|e| StoreError::io("write")(e.into_error()))?;
            file.sync_all().map_err(StoreError::io("fsync"))?;
            let now = fs::metadata(target).map_err(StoreError::io("read"))?;
            let same = |m: &fs::Metadata| (m.dev(), m.ino(), m.len(), m.mtime(), m.mtime_nsec());
            if same(&now) != same(opened) {
                return Err(StoreError::ChangedMeanwhile);
            }
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

/// Copies exactly `n` bytes.
fn copy_exact(src: &mut &File, out: &mut impl io::Write, n: u64) -> Result<(), StoreError> {
    let copied = io::copy(&mut src.take(n), out).map_err(StoreError::io("write"))?;
    if copied == n {
        Ok(())
    } else {
        Err(StoreError::Io {
            op: "read",
            kind: io::ErrorKind::UnexpectedEof,
        })
    }
}

/// The 1-based line and column of byte `at` (plus, for an error `serde_json` found in a
/// value starting there, its own line and column), read again from the file: errors only.
fn position(file: &File, at: u64, inner: Option<(usize, usize)>) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    let mut src = file;
    if src.seek(SeekFrom::Start(0)).is_ok() {
        let mut reader = BufReader::new(src.take(at));
        while let Ok(buf) = reader.fill_buf() {
            if buf.is_empty() {
                break;
            }
            for &b in buf {
                if b == b'\n' {
                    (line, column) = (line + 1, 1);
                } else {
                    column += 1;
                }
            }
            let n = buf.len();
            reader.consume(n);
        }
    }
    match inner {
        Some((1, c)) => (line, column + c.saturating_sub(1)),
        Some((l, c)) => (line + l - 1, c),
        None => (line, column),
    }
}

/// The user's JSON with the old entry's layout: each field whose value did not change keeps
/// its bytes, changed values are written anew, new fields go at the end, removed ones go.
fn rewrite(old: &[u8], new: &User) -> Result<Vec<u8>, StoreError> {
    let members =
        dump_scan::members(old).map_err(|_| StoreError::NotADump("a user is not an object"))?;
    let fields = new.fields();
    let mut out = Vec::with_capacity(old.len() + 64);
    out.push(b'{');
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
    };
    for m in &members.list {
        let Some(value) = fields.get(&m.key) else {
            continue;
        };
        sep(&mut out);
        out.extend_from_slice(&old[m.lead.clone()]);
        out.extend_from_slice(&old[m.key_part.clone()]);
        let raw = &old[m.value.clone()];
        if serde_json::from_slice::<Value>(raw).is_ok_and(|v| v == *value) {
            out.extend_from_slice(raw);
        } else {
            serde_json::to_writer(&mut out, value).map_err(json_write)?;
        }
    }
    let lead = members
        .list
        .last()
        .map_or(&[][..], |m| &old[m.lead.clone()]);
    for (key, value) in fields {
        if members.list.iter().any(|m| m.key == *key) {
            continue;
        }
        sep(&mut out);
        out.extend_from_slice(lead);
        serde_json::to_writer(&mut out, key).map_err(json_write)?;
        out.push(b':');
        serde_json::to_writer(&mut out, value).map_err(json_write)?;
    }
    out.extend_from_slice(&old[members.tail]);
    out.push(b'}');
    Ok(out)
}

fn json_write(_: serde_json::Error) -> StoreError {
    StoreError::Io {
        op: "serialize",
        kind: io::ErrorKind::InvalidData,
    }
}

/// The user found at `at` in `file`.
fn user_at(file: &File, at: u64, bytes: &[u8]) -> Result<User, StoreError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        // Valid JSON that a `Value` cannot hold, such as a number beyond f64's range.
        let (line, column) = position(file, at, Some((e.line(), e.column())));
        StoreError::InvalidJson { line, column }
    })?;
    User::from_value(value).map_err(StoreError::InvalidUser)
}

impl UserStore for SftpgoDumpStore {
    fn load(&self, username: &str) -> Result<Option<User>, StoreError> {
        let file = File::open(&self.path).map_err(StoreError::io("read"))?;
        Self::scan(&file, username)?
            .found
            .map(|(range, bytes)| user_at(&file, range.start, &bytes))
            .transpose()
    }

    fn modify(
        &self,
        username: &str,
        change: &mut dyn FnMut(Option<&User>) -> Option<User>,
    ) -> Result<Option<User>, StoreError> {
        let (target, _lock) = self.lock_target()?;
        let file = File::open(&target).map_err(StoreError::io("read"))?;
        let opened = file.metadata().map_err(StoreError::io("read"))?;
        let scan = Self::scan(&file, username)?;
        let current = scan
            .found
            .as_ref()
            .map(|(range, bytes)| user_at(&file, range.start, bytes))
            .transpose()?;
        let Some(mut new) = change(current.as_ref()) else {
            return Ok(current);
        };
        if new.username() != username {
            return Err(StoreError::UsernameChanged);
        }
        let (range, insert) = match &scan.found {
            Some((range, bytes)) => (range.clone(), rewrite(bytes, &new)?),
            None => {
                if new.id() <= 0 {
                    new.set_id(next_id(scan.max_id.into_iter()));
                }
                let mut insert = scan.append_sep.clone();
                serde_json::to_writer(&mut insert, new.fields()).map_err(json_write)?;
                (scan.append_at..scan.append_at, insert)
            }
        };
        Self::write(&target, &file, &opened, range, &insert)?;
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

    /// A rewrite killed before its rename left a temporary copy of the store: the next
    /// rewrite removes it, but not one whose process still runs.
    #[test]
    fn temporary_files_of_dead_rewrites_are_removed() {
        let dir = temp_dir("stale");
        let path = dir.join("users.json");
        fs::write(
            &path,
            r#"{"users":[{"username":"a","status":1,"password":"x"}]}"#,
        )
        .unwrap();
        // Above any pid_max Linux allows (2^22): no such process.
        let dead = dir.join(".users.json.999999999.00000000000000a1.tmp");
        let alive = dir.join(format!(
            ".users.json.{}.00000000000000a2.tmp",
            std::process::id()
        ));
        let other = dir.join(".users.json.bak");
        let past = std::time::SystemTime::now() - crate::sibling::STALE_AFTER * 2;
        for f in [&dead, &alive, &other] {
            fs::write(f, "copy").unwrap();
            File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(past)
                .unwrap();
        }
        SftpgoDumpStore::new(&path)
            .modify("a", &mut |cur| cur.cloned())
            .unwrap();
        assert!(!dead.exists());
        assert!(alive.exists() && other.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A mode the umask would cut (group write) survives a rewrite.
    #[test]
    fn a_rewrite_keeps_a_group_writable_mode() {
        let dir = temp_dir("mode");
        let path = dir.join("users.json");
        fs::write(
            &path,
            r#"{"users":[{"username":"a","status":1,"password":"x"}]}"#,
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        let store = SftpgoDumpStore::new(&path);
        store.modify("a", &mut |cur| cur.cloned()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o664);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A writer without the lock changed the file after it was read: its change stays, and
    /// the rewrite (which would put the old bytes back) is refused.
    #[test]
    fn a_file_changed_after_reading_is_not_overwritten() {
        let dir = temp_dir("changed");
        let path = dir.join("users.json");
        fs::write(&path, r#"{"users":[{"username":"a","password":"x"}]}"#).unwrap();
        let file = File::open(&path).unwrap();
        let opened = file.metadata().unwrap();
        let theirs = r#"{"users":[{"username":"a","password":"theirs"},{"username":"b"}]}"#;
        let other = dir.join("other");
        fs::write(&other, theirs).unwrap();
        fs::rename(&other, &path).unwrap();
        let err = SftpgoDumpStore::write(&path, &file, &opened, 0..0, b"").unwrap_err();
        assert_eq!(err, StoreError::ChangedMeanwhile);
        assert_eq!(fs::read_to_string(&path).unwrap(), theirs);
        // Rewritten in place (same inode, other length) is caught as well.
        let file = File::open(&path).unwrap();
        let opened = file.metadata().unwrap();
        fs::write(&path, r#"{"users":[]}"#).unwrap();
        let err = SftpgoDumpStore::write(&path, &file, &opened, 0..0, b"").unwrap_err();
        assert_eq!(err, StoreError::ChangedMeanwhile);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rewrite_keeps_unchanged_fields_byte_for_byte() {
        let old = b"{\n  \"username\": \"a\",\n  \"n\": 1.50,\n  \"gone\": true,\n  \"password\": \"x\"\n}";
        let mut value: Value = serde_json::from_slice(old).unwrap();
        value["password"] = json!("y");
        value["added"] = json!([1]);
        value.as_object_mut().unwrap().remove("gone");
        let new = User::from_value(value).unwrap();
        let out = rewrite(old, &new).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"username\": \"a\",\n  \"n\": 1.50,\n  \"password\": \"y\",\n  \"added\":[1]\n}"
        );
    }

    #[test]
    fn errors_say_where() {
        let dir = temp_dir("where");
        let path = dir.join("users.json");
        let store = SftpgoDumpStore::new(&path);
        // Where serde_json, reading the whole file, says the error is.
        for text in [
            "{\"users\": [\n  {\"username\": \"a\"},\n  {\"username\": tru}\n]}",
            "{\"users\": [\n  {\"username\": \"a\",\n \"x\": [1, 2,]}]}",
            "{\"users\": [],\n \"x\": {\"y\":\n [1, 2,]}}",
            "{\"users\": [],\n \"x\": [{\"y\":\n 1 2}]}",
            "{\"users\": []\n\n  \"oops\"",
        ] {
            fs::write(&path, text).unwrap();
            let Err(StoreError::InvalidJson { line, column }) = store.load("a") else {
                panic!("{text}");
            };
            let e = serde_json::from_str::<Value>(text).unwrap_err();
            assert_eq!((line, column), (e.line(), e.column()), "{text}");
        }
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
