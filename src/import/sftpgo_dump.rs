//! The SFTPGo dump that `loaddata` reads: users written one by one as they are imported, the
//! other top-level arrays empty, `version` 17; and the rules SFTPGo applies to what it loads.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

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
pub(crate) struct DumpWriter<W: Write> {
    out: W,
    users: u64,
}

impl<W: Write> DumpWriter<W> {
    pub(crate) fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"{\"users\":[")?;
        Ok(Self { out, users: 0 })
    }

    pub(crate) fn user(&mut self, user: &DumpUser<'_>) -> io::Result<()> {
        if self.users > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, user).map_err(io::Error::other)?;
        self.users += 1;
        Ok(())
    }

    /// Closes the dump. `configs` is left out on purpose: `loaddata` replaces the server's
    /// configurations with any `configs` object it finds, an empty one included.
    pub(crate) fn finish(mut self) -> io::Result<W> {
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

/// An output file written under a temporary name in its directory (created `0600`), then
/// synced and renamed over the destination. Dropped uncommitted, the temporary file is removed.
pub(crate) struct AtomicFile {
    temp: PathBuf,
    dest: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    pub(crate) fn create(dest: &Path) -> io::Result<Self> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|_| io::Error::other("random number generator"))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{:016x}.tmp", u64::from_le_bytes(random)));
        let temp = dir.join(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        Ok(Self {
            temp,
            dest: dest.to_path_buf(),
            file: Some(file),
        })
    }

    pub(crate) fn file(&self) -> io::Result<&File> {
        self.file
            .as_ref()
            .ok_or_else(|| io::Error::other("file already closed"))
    }

    /// Syncs, renames over the destination and syncs the directory.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        fs::rename(&self.temp, &self.dest)?;
        let dir = self.temp.parent().unwrap_or(Path::new("."));
        File::open(dir)?.sync_all()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
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

    #[test]
    fn dump_shape() {
        let mut w = DumpWriter::new(Vec::new()).unwrap();
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
