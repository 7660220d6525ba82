//! The SFTPGo dump that `loaddata` reads: users written one by one as they are imported, the
//! other top-level arrays empty, `version` 17; and the rules SFTPGo applies to what it loads.

#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// SFTPGo's dump format version (`dataprovider.DumpVersion`, SFTPGo 2.7).
pub const DUMP_VERSION: u32 = 17;

/// One user as SFTPGo's OpenAPI `User` schema names and types its fields. `id` is left out:
/// `loaddata` assigns it.
#[derive(Debug, Serialize)]
pub(crate) struct DumpUser<'a> {
    pub(crate) username: &'a str,
    /// 1 enabled, 0 disabled.
    pub(crate) status: u8,
    /// Milliseconds since the epoch; 0 never expires.
    pub(crate) expiration_date: i64,
    pub(crate) password: &'a str,
    pub(crate) home_dir: &'a str,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) max_sessions: i32,
    /// Bytes.
    pub(crate) quota_size: i64,
    pub(crate) quota_files: i32,
    pub(crate) permissions: Permissions,
    /// KB/s.
    pub(crate) upload_bandwidth: i64,
    /// KB/s.
    pub(crate) download_bandwidth: i64,
    pub(crate) filters: Filters<'a>,
    pub(crate) filesystem: Filesystem,
    /// A `pureftpd.passwd` line's own fields, for answering Pure-FTPd; not in the dump.
    #[serde(skip)]
    #[cfg_attr(not(feature = "hooks"), allow(dead_code))]
    pub(crate) pure_ftpd: Option<&'a super::PureFtpdRules>,
}

/// `{"/": ["*"]}`: every permission on the home directory, as `convertusers` writes.
#[derive(Debug, Default)]
pub(crate) struct Permissions;

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("/", &["*"])?;
        map.end()
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Filters<'a> {
    /// CIDR networks (`net.ParseCIDR` in SFTPGo).
    pub(crate) allowed_ip: &'a [String],
    pub(crate) denied_ip: &'a [String],
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub(crate) require_password_change: bool,
}

/// `{"provider": 0}`: the local filesystem.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Filesystem {
    pub(crate) provider: u8,
}

/// Writes the dump as a stream: `{"users":[`, each user, then the closing members. Memory
/// does not depend on the number of users.
/// Nothing is written before the first user or [`finish`](Self::finish).
pub(crate) struct DumpWriter<W: Write> {
    out: W,
    users: u64,
}

impl<W: Write> DumpWriter<W> {
    pub(crate) const fn new(out: W) -> Self {
        Self { out, users: 0 }
    }

    pub(crate) fn user(&mut self, user: &DumpUser<'_>) -> io::Result<()> {
        self.out.write_all(if self.users > 0 {
            b","
        } else {
            b"{\"users\":["
        })?;
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, user).map_err(io::Error::from)?;
        self.users += 1;
        Ok(())
    }

    /// Closes the dump. `configs` is left out on purpose: `loaddata` replaces the server's
    /// configurations with any `configs` object it finds, an empty one included.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if self.users == 0 {
            self.out.write_all(b"{\"users\":[")?;
        }
        write!(
            self.out,
            "\n],\"folders\":[],\"groups\":[],\"admins\":[],\"api_keys\":[],\"shares\":[],\
             \"event_actions\":[],\"event_rules\":[],\"roles\":[],\"ip_lists\":[],\"version\":{DUMP_VERSION}}}\n"
        )?;
        Ok(self.out)
    }
}

/// Whether SFTPGo, under its default naming rules, accepts `name` as a user name:
/// `^[a-zA-Z0-9-_.~]+$`, at most 255 bytes, not `.`/`..`, no trailing `.`, no Windows device
/// name (`util.IsNameValid`), not a reserved executor name (`__self__`, `__system__`).
pub fn sftpgo_accepts_username(name: &str) -> bool {
    let charset = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~'));
    if !charset || name == "." || name == ".." || name.ends_with('.') {
        return false;
    }
    let base = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let device = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((base.starts_with("COM") || base.starts_with("LPT"))
            && matches!(base.as_bytes().get(3..), Some([b'1'..=b'9'])));
    !device && name != "__self__" && name != "__system__"
}

/// The temporary files of this process's imports not yet committed or removed, for
/// [`remove_temporary_files`]; `closed` once that has run.
struct Pending {
    temps: Vec<PathBuf>,
    closed: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temps: Vec::new(),
    closed: false,
});

fn pending() -> MutexGuard<'static, Pending> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

/// Removes the temporary output files of the imports under way in this process, and makes
/// any later [`import_file`](super::import_file) fail before it writes. For a signal-handling
/// thread, just before it ends the process: once this returns, no import of this process
/// renames a file into place.
pub fn remove_temporary_files() {
    let mut p = pending();
    p.closed = true;
    for temp in p.temps.drain(..) {
        let _ = fs::remove_file(temp);
    }
}

/// An output file written under a temporary name in its directory (created `0600`), then
/// synced and moved over the destination. The name is `.NAME.PID.RANDOM.tmp`. Dropped
/// uncommitted, or when the move fails, the temporary file is removed.
pub(crate) struct AtomicFile {
    temp: PathBuf,
    dest: PathBuf,
    file: File,
    committed: bool,
}

impl AtomicFile {
    pub(crate) fn create(dest: &Path) -> io::Result<Self> {
        let temp = crate::sibling::temp_path(dest)?;
        let mut p = pending();
        if p.closed {
            return Err(interrupted());
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        p.temps.push(temp.clone());
        Ok(Self {
            temp,
            dest: dest.to_path_buf(),
            file,
            committed: false,
        })
    }

    pub(crate) const fn file(&self) -> &File {
        &self.file
    }

    /// Syncs, moves over the destination and syncs the directory. Without `replace`, an
    /// existing destination is an `AlreadyExists` error and is left as it was.
    pub(crate) fn commit(mut self, replace: bool) -> io::Result<()> {
        self.file.sync_all()?;
        {
            let mut p = pending();
            if p.closed {
                return Err(interrupted());
            }
            if replace {
                fs::rename(&self.temp, &self.dest)?;
            } else {
                // A second name, then the temporary one dropped: never replaces a file that
                // appeared since the import started.
                match fs::hard_link(&self.temp, &self.dest) {
                    Ok(()) => {
                        let _ = fs::remove_file(&self.temp);
                    }
                    // A filesystem without hard links: check, then move.
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                        match fs::symlink_metadata(&self.dest) {
                            Err(m) if m.kind() == io::ErrorKind::NotFound => {
                                fs::rename(&self.temp, &self.dest)?;
                            }
                            _ => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            self.committed = true;
            p.temps.retain(|t| *t != self.temp);
        }
        let dir = self.temp.parent().unwrap_or(Path::new("."));
        File::open(dir)?.sync_all()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let mut p = pending();
            let _ = fs::remove_file(&self.temp);
            p.temps.retain(|t| *t != self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn usernames_sftpgo_accepts() {
        for ok in ["alice", "a.b-c_d~e", "A1", "nul1", "com10", "con_x", "_apt"] {
            assert!(sftpgo_accepts_username(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a.",
            "a b",
            "a@b",
            "host$",
            "é",
            "con",
            "CON.txt",
            "aux",
            "nul",
            "com1",
            "LPT9",
            "__self__",
            "__system__",
        ] {
            assert!(!sftpgo_accepts_username(bad), "{bad}");
        }
        assert!(sftpgo_accepts_username(&"a".repeat(255)));
        assert!(!sftpgo_accepts_username(&"a".repeat(256)));
    }

    fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    }

    #[test]
    fn a_failed_move_leaves_no_temporary_file() {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let dir =
            std::env::temp_dir().join(format!("passgate-atomic-{:x}", u64::from_le_bytes(random)));
        fs::create_dir(&dir).unwrap();
        let dest = dir.join("users.json");
        let file = AtomicFile::create(&dest).unwrap();
        file.file().write_all(b"the whole dump").unwrap();
        // The destination becomes a non-empty directory: the move fails.
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("x"), b"").unwrap();
        for replace in [true, false] {
            let file = AtomicFile::create(&dest).unwrap();
            assert!(file.commit(replace).is_err());
        }
        assert!(file.commit(true).is_err());
        assert_eq!(names_in(&dir), ["users.json"]);
        assert_eq!(names_in(&dest), ["x"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn dump_shape() {
        let mut w = DumpWriter::new(Vec::new());
        let ips = vec!["192.0.2.0/24".to_owned()];
        w.user(&DumpUser {
            username: "u",
            status: 1,
            expiration_date: 0,
            password: "$1$x$abcdefghijklmnopqrstuv",
            home_dir: "/srv/u",
            uid: 1,
            gid: 2,
            max_sessions: 0,
            quota_size: 0,
            quota_files: 0,
            permissions: Permissions,
            upload_bandwidth: 0,
            download_bandwidth: 0,
            filters: Filters {
                allowed_ip: &ips,
                denied_ip: &[],
                require_password_change: false,
            },
            filesystem: Filesystem::default(),
            pure_ftpd: None,
        })
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&w.finish().unwrap()).unwrap();
        assert_eq!(v["version"], 17);
        assert!(v.get("configs").is_none());
        assert_eq!(v["users"][0]["permissions"]["/"][0], "*");
        assert_eq!(v["users"][0]["filters"]["allowed_ip"][0], "192.0.2.0/24");
        assert!(
            v["users"][0]["filters"]
                .get("require_password_change")
                .is_none()
        );
        assert_eq!(v["users"][0]["filesystem"]["provider"], 0);
        for key in [
            "folders", "groups", "admins", "api_keys", "shares", "roles", "ip_lists",
        ] {
            assert_eq!(v[key], serde_json::json!([]), "{key}");
        }
    }
}
