//! A legacy source: the accounts of a file the importer reads (`/etc/shadow` with its passwd
//! file, `pureftpd.passwd`, ProFTPD's `AuthUserFile`, htpasswd), parsed with the importer's
//! own code and kept in memory, with every hash passgate verifies kept as written.
//!
//! A reload reads the whole file first and swaps the new accounts in only when it parsed and
//! the file did not change while it was read, so a lookup never sees a half-read file; until
//! then the previous accounts stay in use.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::import::{
    self, Credential, DumpUser, Event, Format, ImportError, Observer, Options, Passwd,
    PureFtpdRules, Sink, Summary,
};

/// Where the legacy accounts are and how to read them: the importer's options that apply.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SourceConfig {
    /// The file's format.
    pub format: Format,
    /// The file.
    pub path: PathBuf,
    /// For [`Format::Shadow`]: the passwd file with the uids, gids and homes.
    pub passwd: Option<PathBuf>,
    /// Homes for accounts without an absolute one: `home_base/username`.
    pub home_base: Option<String>,
    /// Only accounts with at least this uid.
    pub min_uid: Option<u32>,
    /// Only accounts with at most this uid.
    pub max_uid: Option<u32>,
    /// This uid for every account built from the source.
    pub force_uid: Option<u32>,
    /// This gid for every account built from the source.
    pub force_gid: Option<u32>,
    /// How often a long-running service looks for a changed file.
    pub poll: Duration,
}

impl SourceConfig {
    /// The default interval between looks at the file: one second.
    pub const DEFAULT_POLL: Duration = Duration::from_secs(1);
    /// The largest source file read: 512 MiB.
    pub const MAX_FILE_BYTES: u64 = 512 << 20;

    /// A source of `format` at `path`, nothing forced or filtered.
    pub fn new(format: Format, path: impl Into<PathBuf>) -> Self {
        Self {
            format,
            path: path.into(),
            passwd: None,
            home_base: None,
            min_uid: None,
            max_uid: None,
            force_uid: None,
            force_gid: None,
            poll: Self::DEFAULT_POLL,
        }
    }

    /// Checks the options as the importer would (a shadow source needs its passwd file or
    /// a home base; `home_base` must be absolute; …).
    pub fn check(&self) -> Result<(), ImportError> {
        self.options(None).check(self.passwd.is_some())
    }

    fn options(&self, only: Option<&str>) -> Options {
        let mut o = Options::new(self.format);
        o.min_uid = self.min_uid;
        o.max_uid = self.max_uid;
        o.force_uid = self.force_uid;
        o.force_gid = self.force_gid;
        o.home_base.clone_from(&self.home_base);
        // Locked accounts are kept (disabled): they must deny, not read as unknown.
        o.import_locked = true;
        o.usernames = only.map(|u| vec![u.to_owned()]).unwrap_or_default();
        o
    }
}

/// Why a source could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading the file (the cause is the source, not repeated).
    #[error("reading {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The file is larger than [`SourceConfig::MAX_FILE_BYTES`].
    #[error("{} is larger than {} bytes", .path.display(), SourceConfig::MAX_FILE_BYTES)]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The file changed while it was read; the previous accounts stay in use.
    #[error("{} changed while it was read", .path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// The importer refused the file or the options (such as a layout of another format;
    /// the cause is the source, not repeated).
    #[error("{}", .path.display())]
    Import {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ImportError,
    },
}

/// One legacy account: the stored hash and the SFTPGo user the importer builds from the line.
/// `Debug` never shows the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyAccount {
    username: String,
    hash: String,
    status: u8,
    expiration_date: i64,
    home_dir: String,
    uid: u32,
    gid: u32,
    max_sessions: i32,
    quota_size: i64,
    quota_files: i32,
    upload_bandwidth: i64,
    download_bandwidth: i64,
    allowed_ip: Vec<String>,
    denied_ip: Vec<String>,
    require_password_change: bool,
    pure_ftpd: Option<Box<PureFtpdRules>>,
}

impl LegacyAccount {
    fn from_dump(user: &DumpUser<'_>, hash: String) -> Self {
        Self {
            username: user.username.to_owned(),
            hash,
            status: user.status,
            expiration_date: user.expiration_date,
            home_dir: user.home_dir.to_owned(),
            uid: user.uid,
            gid: user.gid,
            max_sessions: user.max_sessions,
            quota_size: user.quota_size,
            quota_files: user.quota_files,
            upload_bandwidth: user.upload_bandwidth,
            download_bandwidth: user.download_bandwidth,
            allowed_ip: user.filters.allowed_ip.to_vec(),
            denied_ip: user.filters.denied_ip.to_vec(),
            require_password_change: user.filters.require_password_change,
            pure_ftpd: user.pure_ftpd.cloned().map(Box::new),
        }
    }

    /// The login name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The stored hash, as written in the file; empty for a locked account.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether the account may log in at all: not locked, not disabled (shadow's inactivity
    /// period, Pure-FTPd's or ProFTPD's lock markers).
    pub fn is_enabled(&self) -> bool {
        self.status == 1 && !self.hash.is_empty()
    }

    /// Whether the account's expiration date (milliseconds since the epoch) has passed.
    pub fn is_expired_at(&self, now_ms: i64) -> bool {
        self.expiration_date > 0 && self.expiration_date <= now_ms
    }

    /// The uid (`force_uid` when set; 0 when neither the file nor the source gives one).
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The gid (`force_gid` when set; 0 when neither the file nor the source gives one).
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The home directory: the file's, without Pure-FTPd's `/./` chroot mark, or
    /// `home_base/username`.
    pub fn home_dir(&self) -> &str {
        &self.home_dir
    }

    /// Client networks allowed to log in (CIDR); empty: any.
    pub fn allowed_ip(&self) -> &[String] {
        &self.allowed_ip
    }

    /// Client networks refused (CIDR).
    pub fn denied_ip(&self) -> &[String] {
        &self.denied_ip
    }

    /// For a `pureftpd.passwd` source: the line's fields as Pure-FTPd reads them.
    pub fn pure_ftpd(&self) -> Option<&PureFtpdRules> {
        self.pure_ftpd.as_deref()
    }

    /// The SFTPGo user the importer writes for this account, without a password: home,
    /// uid/gid, quotas, bandwidth, expiration, IP filters and status, with every permission
    /// on the home directory and the local filesystem.
    pub fn sftpgo_user(&self) -> Value {
        let mut filters = json!({
            "allowed_ip": self.allowed_ip,
            "denied_ip": self.denied_ip,
        });
        if self.require_password_change {
            filters["require_password_change"] = Value::Bool(true);
        }
        json!({
            "username": self.username,
            "status": self.status,
            "expiration_date": self.expiration_date,
            "home_dir": self.home_dir,
            "uid": self.uid,
            "gid": self.gid,
            "max_sessions": self.max_sessions,
            "quota_size": self.quota_size,
            "quota_files": self.quota_files,
            "permissions": {"/": ["*"]},
            "upload_bandwidth": self.upload_bandwidth,
            "download_bandwidth": self.download_bandwidth,
            "filters": filters,
            "filesystem": {"provider": 0},
        })
    }
}

impl fmt::Debug for LegacyAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyAccount")
            .field("username", &self.username)
            .field("hash", &"<redacted>")
            .field("status", &self.status)
            .field("expiration_date", &self.expiration_date)
            .finish_non_exhaustive()
    }
}

/// Collects the importer's accounts, reading hashes as passgate verifies them.
struct Collect(HashMap<String, LegacyAccount>);

impl Sink for Collect {
    fn credential(&self, field: &[u8]) -> Credential {
        import::classify_for_verify(field)
    }

    fn user(&mut self, user: &DumpUser<'_>, _hash: &[u8]) -> io::Result<()> {
        // The field as written when passgate reads it as a hash; empty for a lock marker
        // (`!…`, `*`). A disabled account (shadow's inactivity period) keeps its hash, so
        // that it is told apart from a locked one; it never verifies.
        self.0.insert(
            user.username.to_owned(),
            LegacyAccount::from_dump(user, user.password.to_owned()),
        );
        Ok(())
    }
}

/// Counts the lines the importer could not use, by kind, without names or contents.
#[derive(Default)]
struct Tally {
    problems: u64,
}

impl Observer for Tally {
    fn event(&mut self, event: &Event<'_>) {
        if !matches!(event, Event::Imported { .. }) {
            self.problems += 1;
        }
    }
}

/// What identifies a version of the file: device, inode, size, modification and change
/// times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    fn modified(&self) -> SystemTime {
        let ns = u64::try_from(self.mtime_ns.max(0)).unwrap_or(u64::MAX);
        SystemTime::UNIX_EPOCH + Duration::from_nanos(ns)
    }
}

/// The accounts of one version of the file.
#[derive(Debug)]
pub struct Snapshot {
    accounts: HashMap<String, LegacyAccount>,
    summary: Summary,
    problems: u64,
    stamps: Vec<Stamp>,
}

impl Snapshot {
    /// The account of `username`, if the file has one.
    pub fn get(&self, username: &str) -> Option<&LegacyAccount> {
        self.accounts.get(username)
    }

    /// How many accounts were loaded (locked ones included).
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether no account was loaded.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The importer's counts for this version of the file.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Lines that gave no account: malformed, duplicate, or with a hash passgate cannot read.
    pub fn problems(&self) -> u64 {
        self.problems
    }
}

/// What a reload did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reload {
    /// The file is unchanged; nothing was read.
    Unchanged,
    /// The file changed so recently that it may still be being written; it is read at a
    /// later look.
    Settling,
    /// A new version was loaded, with this many accounts.
    Loaded(usize),
}

/// A legacy source kept in memory and reloaded when its file changes.
pub struct LegacySource {
    config: SourceConfig,
    current: RwLock<Arc<Snapshot>>,
    /// Serialises reloads.
    reloading: Mutex<()>,
}

impl fmt::Debug for LegacySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacySource")
            .field("format", &self.config.format)
            .field("path", &self.config.path)
            .finish_non_exhaustive()
    }
}

impl LegacySource {
    /// Loads the source; an error if its file cannot be read or parsed.
    pub fn open(config: SourceConfig) -> Result<Self, SourceError> {
        let snapshot = load(&config, None)?;
        Ok(Self {
            config,
            current: RwLock::new(Arc::new(snapshot)),
            reloading: Mutex::new(()),
        })
    }

    /// Reads the one account of `username` from the source's file (for a program hook,
    /// which answers one login and exits): the other accounts are parsed and dropped.
    pub fn read_one(
        config: &SourceConfig,
        username: &str,
    ) -> Result<Option<LegacyAccount>, SourceError> {
        let mut snapshot = load(config, Some(username))?;
        Ok(snapshot.accounts.remove(username))
    }

    /// The configuration.
    pub fn config(&self) -> &SourceConfig {
        &self.config
    }

    /// The accounts in use.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The account of `username` in the accounts in use.
    pub fn account(&self, username: &str) -> Option<LegacyAccount> {
        self.snapshot().get(username).cloned()
    }

    /// Reads the file again now, whether or not it changed (SIGHUP).
    pub fn reload(&self) -> Result<Reload, SourceError> {
        let _guard = self
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.swap_in(load(&self.config, None)?)
    }

    /// Reads the file again if it changed, once its last change is at least one poll
    /// interval old (a file still being written in place is not read half-way).
    pub fn reload_if_changed(&self) -> Result<Reload, SourceError> {
        let _guard = self
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = stamps(&self.config)?;
        if now == self.snapshot().stamps {
            return Ok(Reload::Unchanged);
        }
        let settle = self.config.poll.max(Duration::from_millis(100));
        let newest = now.iter().map(Stamp::modified).max();
        let recent = newest.is_some_and(|m| {
            SystemTime::now()
                .duration_since(m)
                .is_ok_and(|age| age < settle)
                || m > SystemTime::now()
        });
        if recent {
            return Ok(Reload::Settling);
        }
        self.swap_in(load(&self.config, None)?)
    }

    fn swap_in(&self, snapshot: Snapshot) -> Result<Reload, SourceError> {
        let n = snapshot.len();
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
        Ok(Reload::Loaded(n))
    }
}

/// The stamps of the file and the passwd file.
fn stamps(config: &SourceConfig) -> Result<Vec<Stamp>, SourceError> {
    let files = std::iter::once(&config.path).chain(config.passwd.as_ref());
    files
        .map(|p| {
            std::fs::metadata(p)
                .map(|m| Stamp::of(&m))
                .map_err(|source| SourceError::Io {
                    path: p.clone(),
                    source,
                })
        })
        .collect()
}

/// Reads `path` whole, refusing a file that changed while it was read.
fn read_whole(path: &Path) -> Result<(Vec<u8>, Stamp), SourceError> {
    let io_err = |source| SourceError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let before = file.metadata().map_err(io_err)?;
    if !before.is_file() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if before.len() > SourceConfig::MAX_FILE_BYTES {
        return Err(SourceError::TooLarge {
            path: path.to_owned(),
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(before.len()).unwrap_or(0));
    (&mut file)
        .take(SourceConfig::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    let after = file.metadata().map_err(io_err)?;
    let stamp = Stamp::of(&before);
    if Stamp::of(&after) != stamp || bytes.len() as u64 != before.len() {
        return Err(SourceError::Changed {
            path: path.to_owned(),
        });
    }
    Ok((bytes, stamp))
}

fn load(config: &SourceConfig, only: Option<&str>) -> Result<Snapshot, SourceError> {
    let (bytes, stamp) = read_whole(&config.path)?;
    let mut stamps = vec![stamp];
    let passwd_stamp = || -> Result<Option<Stamp>, SourceError> {
        config
            .passwd
            .as_ref()
            .map(|p| {
                std::fs::metadata(p)
                    .map(|m| Stamp::of(&m))
                    .map_err(|source| SourceError::Io {
                        path: p.clone(),
                        source,
                    })
            })
            .transpose()
    };
    let passwd_before = passwd_stamp()?;
    let passwd = match &config.passwd {
        Some(p) => Some(Passwd::open(p).map_err(|source| SourceError::Io {
            path: p.clone(),
            source,
        })?),
        None => None,
    };
    let mut collect = Collect(HashMap::new());
    let mut tally = Tally::default();
    let options = config.options(only);
    let summary = import::read_accounts(
        &options,
        io::Cursor::new(bytes),
        None,
        passwd,
        &mut collect,
        &mut tally,
    )
    .map_err(|source| SourceError::Import {
        path: config.path.clone(),
        source,
    })?;
    if let Some(before) = passwd_before {
        if passwd_stamp()? != Some(before) {
            return Err(SourceError::Changed {
                path: config.passwd.clone().unwrap_or_default(),
            });
        }
        stamps.push(before);
    }
    Ok(Snapshot {
        accounts: collect.0,
        summary,
        problems: tally.problems,
        stamps,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `openssl passwd -1 -salt saltsalt password`.
    const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "passgate-source-unit-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Sets the file's modification time `secs` seconds back, as if written then.
    fn age(path: &Path, secs: u64) {
        let t = SystemTime::now() - Duration::from_secs(secs);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    #[test]
    fn shadow_with_passwd_and_one_user_reads() {
        let d = dir("shadow");
        let (shadow, passwd) = (d.join("shadow"), d.join("passwd"));
        std::fs::write(
            &shadow,
            format!(
                "root:*:19000:0:99999:7:::\nann:{MD5CRYPT}:19000:0:99999:7:::\n\
                 old:{MD5CRYPT}:19000:0:99999:7::1:\nann:$1$dup$:19000::::::\nbad line\n"
            ),
        )
        .unwrap();
        std::fs::write(
            &passwd,
            "root:x:0:0::/root:/bin/sh\nann:x:1001:1001::/home/ann:/bin/sh\nold:x:1002:1002::/home/old:/bin/sh\n",
        )
        .unwrap();
        let mut config = SourceConfig::new(Format::Shadow, &shadow);
        config.passwd = Some(passwd.clone());
        config.check().unwrap();
        let source = LegacySource::open(config.clone()).unwrap();
        let snap = source.snapshot();
        // root is locked (kept, disabled); the duplicate and the bad line gave nothing.
        assert_eq!(snap.len(), 3);
        assert_eq!(snap.problems(), 2);
        let ann = snap.get("ann").unwrap();
        assert_eq!(ann.hash(), MD5CRYPT);
        assert!(ann.is_enabled() && !ann.is_expired_at(0));
        let user = ann.sftpgo_user();
        assert_eq!(
            (user["uid"].clone(), user["home_dir"].clone()),
            (1001.into(), "/home/ann".into())
        );
        assert!(user.get("password").is_none());
        assert!(!format!("{ann:?}").contains("saltsalt"));
        let root = snap.get("root").unwrap();
        assert!(!root.is_enabled() && root.hash().is_empty());
        // Expired on day 1 of the epoch.
        assert!(snap.get("old").unwrap().is_expired_at(86_400_000));

        let one = LegacySource::read_one(&config, "ann").unwrap().unwrap();
        assert_eq!(&one, ann);
        assert!(LegacySource::read_one(&config, "nobody").unwrap().is_none());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn reloads_once_settled_and_keeps_the_old_accounts_on_failure() {
        let d = dir("reload");
        let path = d.join("htpasswd");
        std::fs::write(&path, format!("a:{MD5CRYPT}\n")).unwrap();
        age(&path, 60);
        let mut config = SourceConfig::new(Format::Htpasswd, &path);
        config.home_base = Some("/srv".into());
        config.poll = Duration::from_secs(1);
        let source = LegacySource::open(config).unwrap();
        assert_eq!(source.reload_if_changed().unwrap(), Reload::Unchanged);

        // Just written: left until it has settled for a poll interval.
        std::fs::write(&path, format!("a:{MD5CRYPT}\nb:{MD5CRYPT}\n")).unwrap();
        assert_eq!(source.reload_if_changed().unwrap(), Reload::Settling);
        assert!(source.account("b").is_none());
        age(&path, 5);
        assert_eq!(source.reload_if_changed().unwrap(), Reload::Loaded(2));
        assert!(source.account("b").is_some());
        assert_eq!(source.reload_if_changed().unwrap(), Reload::Unchanged);

        // A file of another format: refused, the accounts in use stay.
        std::fs::write(&path, "x:y:0:0:99999:7:::\nz:y:0:0:99999:7:::\n").unwrap();
        age(&path, 5);
        assert!(matches!(
            source.reload_if_changed(),
            Err(SourceError::Import { .. })
        ));
        assert_eq!(source.snapshot().len(), 2);
        // Gone: an error, the accounts stay.
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(source.reload(), Err(SourceError::Io { .. })));
        assert!(source.account("a").is_some());
        // Back, through a rename: a forced reload reads it at once.
        let tmp = d.join("new");
        std::fs::write(&tmp, format!("c:{MD5CRYPT}\n")).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert_eq!(source.reload().unwrap(), Reload::Loaded(1));
        assert!(source.account("a").is_none() && source.account("c").is_some());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn only_regular_files() {
        let config = SourceConfig::new(Format::Htpasswd, "/dev/zero");
        assert!(matches!(
            LegacySource::open(config),
            Err(SourceError::Io { .. })
        ));
    }

    fn shadow_fixture() -> LegacySource {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        let mut config = SourceConfig::new(Format::Shadow, dir.join("shadow"));
        config.passwd = Some(dir.join("passwd"));
        LegacySource::open(config).unwrap()
    }

    #[test]
    fn locked_and_disabled_accounts_are_told_apart() {
        let source = shadow_fixture();
        // usermod -L: a lock marker, no hash.
        let locked = source.account("lockedu").unwrap();
        assert!(locked.hash().is_empty() && !locked.is_enabled());
        // chage -I past: disabled, its hash kept as written.
        let inactive = source.account("inactiveu").unwrap();
        assert!(inactive.hash().starts_with("$6$") && !inactive.is_enabled());
        let enabled = source.account("sha512u").unwrap();
        assert!(enabled.hash().starts_with("$6$") && enabled.is_enabled());
        // A locked or disabled account's hash never shows in `Debug`.
        assert!(!format!("{inactive:?}").contains(inactive.hash()));
    }
}
