//! The account importer: `/etc/shadow`, Pure-FTPd, ProFTPD and htpasswd files into an
//! SFTPGo dump that `loaddata` accepts.
//!
//! Every stored hash goes through [`StoredHash::parse`](crate::StoredHash::parse): bcrypt
//! `$2b$`/`$2y$` is written as `$2a$`, the schemes SFTPGo reads pass through, lock markers
//! never become a password, and anything SFTPGo cannot check is reported and left out (it
//! would otherwise be stored as a *plaintext* password). The input is read line by line
//! with a length cap and users are written as they are read. [`import_file`] on a regular
//! file keeps memory within a fixed budget (about 20 MiB) whatever the input's size: it reads
//! the input more than once to find duplicate user names (a Bloom filter, then exact passes;
//! see `dedup.rs`) and, when the passwd file is not in the shadow file's order, to join them
//! in chunks. Scratch files go beside the output, unlinked as soon as created. An input that
//! cannot be read twice (a pipe, or [`import`] on any reader) keeps a keyed 64-bit hash and
//! a line number per user name in memory instead, plus an index of the passwd file when its
//! order differs, and that memory grows with the input.
//! The output is written to a `0600` temporary file in its directory, synced and moved into
//! place; [`remove_temporary_files`] is for a signal handler.
//!
//! ```no_run
//! use passgate::import::{Format, Options, import_file};
//! # fn main() -> Result<(), passgate::import::ImportError> {
//! let mut options = Options::new(Format::Htpasswd);
//! options.home_base = Some("/srv/sftpgo".into());
//! let summary = import_file(&options, "htpasswd".as_ref(), None, "users.json".as_ref(), &mut ())?;
//! println!("{} imported, {} skipped", summary.imported, summary.skipped);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read as _, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

mod credential;
mod dedup;
mod fields;
mod htpasswd;
mod lines;
mod passwd;
mod proftpd;
mod pureftpd;
mod report;
mod scratch;
mod sftpgo_dump;
mod shadow;
mod sniff;

pub use self::passwd::Passwd;
pub use self::pureftpd::{IpRules, PureFtpdRules, TimeWindow};
pub use self::report::{
    Event, HashProblem, LineFault, Note, Observer, Outcome, SkipReason, Summary,
};
pub use self::sftpgo_dump::{DUMP_VERSION, remove_temporary_files, sftpgo_accepts_username};

pub(crate) use self::credential::Credential;
use self::credential::classify;
pub(crate) use self::credential::classify_for_verify;
use self::dedup::{Duplicates, Limits, Names};
use self::lines::Lines;
use self::passwd::{Lookup, ShadowAt};
use self::scratch::At;
pub(crate) use self::sftpgo_dump::DumpUser;
use self::sftpgo_dump::{AtomicFile, DumpWriter, Filesystem, Filters, Permissions};

/// The input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `/etc/shadow`, with uid, gid and home from a passwd file.
    Shadow,
    /// Pure-FTPd's `pureftpd.passwd` (`pure-pw`).
    PureFtpd,
    /// ProFTPD's `AuthUserFile` (`ftpasswd --passwd`).
    Proftpd,
    /// Apache's htpasswd.
    Htpasswd,
}

impl Format {
    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Shadow => "shadow",
            Self::PureFtpd => "pure-ftpd",
            Self::Proftpd => "proftpd",
            Self::Htpasswd => "htpasswd",
        }
    }

    /// Whether the format's lines carry a uid (shadow's come from the passwd file).
    const fn has_uid(self) -> bool {
        !matches!(self, Self::Htpasswd)
    }
}

/// What to import and how. The uid filters and forced ids are those of SFTPGo's
/// `convertusers`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The input format.
    pub format: Format,
    /// Only users with at least this uid (before `force_uid`).
    pub min_uid: Option<u32>,
    /// Only users with at most this uid (before `force_uid`).
    pub max_uid: Option<u32>,
    /// Only these users (all when empty).
    pub usernames: Vec<String>,
    /// Write this uid for every user.
    pub force_uid: Option<u32>,
    /// Write this gid for every user.
    pub force_gid: Option<u32>,
    /// For users without an absolute home in the input: `home_base/username`.
    pub home_base: Option<String>,
    /// Write locked accounts disabled (`status: 0`, no password) instead of skipping them.
    pub import_locked: bool,
    /// Write accounts whose hash SFTPGo cannot check without a password instead of skipping
    /// them. The hash itself is never written.
    pub allow_unverifiable: bool,
    /// The time shadow ageing is judged at.
    pub now: SystemTime,
    /// [`import_file`]: replace an existing output file. Never the input or passwd file
    /// itself, nor anything but a regular file.
    pub replace: bool,
}

impl Options {
    /// Defaults: no filters, nothing forced, skip locked and unverifiable accounts, now.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            min_uid: None,
            max_uid: None,
            usernames: Vec::new(),
            force_uid: None,
            force_gid: None,
            home_base: None,
            import_locked: false,
            allow_unverifiable: false,
            now: SystemTime::now(),
            replace: false,
        }
    }

    pub(crate) fn check(&self, has_passwd: bool) -> Result<(), ImportError> {
        let usage = |m| Err(ImportError::Usage(m));
        let uid_known = self.format.has_uid() && (self.format != Format::Shadow || has_passwd);
        if self.format == Format::Shadow && !has_passwd && self.home_base.is_none() {
            return usage(
                "--passwd /etc/passwd is required with --format shadow: it holds the uids, gids \
                 and homes (or give --home-base for homes without uids)",
            );
        }
        if (self.min_uid.is_some() || self.max_uid.is_some()) && !uid_known {
            return usage("--min-uid and --max-uid need uids: this input has none");
        }
        if has_passwd && self.format != Format::Shadow {
            return usage("--passwd is for the shadow format only");
        }
        if !uid_known && self.home_base.is_none() {
            return usage("this input has no home directories: give --home-base");
        }
        if let Some(base) = &self.home_base
            && (!base.starts_with('/') || base.chars().any(char::is_control))
        {
            return usage("--home-base must be an absolute path");
        }
        if [self.force_uid, self.force_gid]
            .iter()
            .flatten()
            .any(|&id| u64::from(id) > fields::MAX_ID)
        {
            return usage("--force-uid and --force-gid must be at most 2147483647");
        }
        Ok(())
    }
}

/// A failure that stops the import. Line-level problems are [`Event`]s instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Options that do not fit together or the format.
    #[error("{0}")]
    Usage(&'static str),
    /// The input's first lines have another format's layout and none has the chosen one's.
    #[error("the input looks like {looks_like}, not {}", .format.name())]
    LooksLike {
        /// The format asked for.
        format: Format,
        /// What the input looks like.
        looks_like: &'static str,
    },
    /// Reading the input or passwd file, or writing the output. The cause is the
    /// [`source`](std::error::Error::source), not repeated in the message.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> ImportError {
    move |source| ImportError::Io { what, source }
}

/// One account line, parsed, before the pipeline's checks.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    username: &'a str,
    hash: &'a [u8],
    uid: Option<u32>,
    gid: Option<u32>,
    home: Option<String>,
    status: u8,
    expiration_date: i64,
    require_password_change: bool,
    max_sessions: i32,
    quota_size: i64,
    quota_files: i32,
    upload_bandwidth: i64,
    download_bandwidth: i64,
    allowed_ip: Vec<String>,
    denied_ip: Vec<String>,
    /// A `pureftpd.passwd` line's own fields.
    pure_ftpd: Option<PureFtpdRules>,
    notes: Vec<Note>,
}

impl<'a> Entry<'a> {
    fn new(username: &'a str, hash: &'a [u8]) -> Self {
        Self {
            username,
            hash,
            uid: None,
            gid: None,
            home: None,
            status: 1,
            expiration_date: 0,
            require_password_change: false,
            max_sessions: 0,
            quota_size: 0,
            quota_files: 0,
            upload_bandwidth: 0,
            download_bandwidth: 0,
            allowed_ip: Vec::new(),
            denied_ip: Vec::new(),
            pure_ftpd: None,
            notes: Vec::new(),
        }
    }
}

/// Imports `input` into `output`: a `0600` temporary file beside it, synced and moved into
/// place once complete, and removed on any error. When no account is written
/// ([`Outcome::NothingUsable`]) no output file is created. `output` must not exist, or with
/// [`Options::replace`] be a regular file; the input or passwd file itself (same device and
/// inode) is always refused. An input whose first lines have another format's layout is
/// refused ([`ImportError::LooksLike`]) before anything is written.
///
/// A regular `input` is read more than once so that memory stays within a fixed budget (see
/// the module documentation); scratch files go in `output`'s directory.
pub fn import_file(
    options: &Options,
    input: &Path,
    passwd: Option<&Path>,
    output: &Path,
    observer: &mut dyn Observer,
) -> Result<Summary, ImportError> {
    import_file_with(options, input, passwd, output, observer, &Limits::DEFAULT)
}

fn import_file_with(
    options: &Options,
    input: &Path,
    passwd: Option<&Path>,
    output: &Path,
    observer: &mut dyn Observer,
    limits: &Limits,
) -> Result<Summary, ImportError> {
    options.check(passwd.is_some())?;
    let (input, passwd) = open_inputs(input, passwd)?;
    check_output(options, output, &input, passwd.as_ref())?;
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file = AtomicFile::create(output).map_err(io_err("creating the output"))?;
    let summary = run_file(
        options,
        &input.0,
        passwd.map(|p| p.0),
        &dir,
        BufWriter::new(file.file()),
        observer,
        limits,
    )?;
    if summary.written() > 0 {
        file.commit(options.replace).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => ImportError::Usage(OUTPUT_EXISTS),
            _ => ImportError::Io {
                what: "writing the output",
                source: e,
            },
        })?;
    }
    Ok(summary)
}

/// Like [`import_file`], into any writer (such as standard output) instead of a file.
/// Scratch files go in `scratch_dir`. When no account is written
/// ([`Outcome::NothingUsable`]), nothing is written to `output`; after an error, what was
/// written is an incomplete dump.
pub fn import_file_into<W: Write>(
    options: &Options,
    input: &Path,
    passwd: Option<&Path>,
    output: W,
    scratch_dir: &Path,
    observer: &mut dyn Observer,
) -> Result<Summary, ImportError> {
    options.check(passwd.is_some())?;
    let (input, passwd) = open_inputs(input, passwd)?;
    run_file(
        options,
        &input.0,
        passwd.map(|p| p.0),
        scratch_dir,
        output,
        observer,
        &Limits::DEFAULT,
    )
}

/// A file opened for reading, with its metadata taken when it was opened.
type Opened<T> = (T, std::fs::Metadata);

fn open_inputs(
    input: &Path,
    passwd: Option<&Path>,
) -> Result<(Opened<File>, Option<Opened<Passwd>>), ImportError> {
    let input = File::open(input).map_err(io_err("opening the input"))?;
    let meta = input.metadata().map_err(io_err("opening the input"))?;
    let passwd = passwd
        .map(|p| {
            let meta = std::fs::metadata(p)?;
            Ok((Passwd::open(p)?, meta))
        })
        .transpose()
        .map_err(io_err("opening the passwd file"))?;
    // A device (`/dev/zero`, a disk) is no account file, and may never end: a line longer
    // than the cap is skipped to its newline, which such an input need not have.
    use std::os::unix::fs::FileTypeExt as _;
    let file_or_pipe = |m: &std::fs::Metadata| m.is_file() || m.file_type().is_fifo();
    if !file_or_pipe(&meta) {
        return Err(ImportError::Usage(
            "the input is not a regular file or a pipe",
        ));
    }
    if passwd.as_ref().is_some_and(|(_, m)| !file_or_pipe(m)) {
        return Err(ImportError::Usage(
            "the passwd file is not a regular file or a pipe",
        ));
    }
    Ok(((input, meta), passwd))
}

const OUTPUT_EXISTS: &str = "the output file exists (give --force to replace it)";

/// Refuses an output that names one of the inputs (same device and inode, whatever the
/// path), anything but a regular file, or an existing file without `options.replace`.
fn check_output(
    options: &Options,
    output: &Path,
    input: &Opened<File>,
    passwd: Option<&Opened<Passwd>>,
) -> Result<(), ImportError> {
    use std::os::unix::fs::MetadataExt as _;
    let out = match std::fs::metadata(output) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(ImportError::Io {
                what: "checking the output",
                source: e,
            });
        }
    };
    let same = |m: &std::fs::Metadata| m.dev() == out.dev() && m.ino() == out.ino();
    if same(&input.1) {
        return Err(ImportError::Usage("the output is the input file"));
    }
    if passwd.is_some_and(|p| same(&p.1)) {
        return Err(ImportError::Usage("the output is the passwd file"));
    }
    if !out.is_file() {
        return Err(ImportError::Usage(
            "the output exists and is not a regular file",
        ));
    }
    if !options.replace {
        return Err(ImportError::Usage(OUTPUT_EXISTS));
    }
    Ok(())
}

/// The import of an opened file: with the extra passes when it is a regular file.
fn run_file<W: Write>(
    options: &Options,
    input: &File,
    passwd: Option<Passwd>,
    dir: &Path,
    output: W,
    observer: &mut dyn Observer,
    limits: &Limits,
) -> Result<Summary, ImportError> {
    let seekable = input
        .metadata()
        .map_err(io_err("opening the input"))?
        .is_file();
    if seekable {
        let reader = BufReader::new(At::new(input, 0));
        let again = Again {
            file: input,
            dir,
            limits,
        };
        run(
            options,
            reader,
            Some(again),
            passwd,
            output,
            observer,
            false,
        )
    } else {
        let reader = BufReader::new(input);
        run(options, reader, None, passwd, output, observer, false)
    }
}

/// Imports from any reader into any writer: the streaming core of [`import_file`]. The dump
/// is complete in `output` when this returns `Ok`, even if no user was written. The input is
/// read once, so duplicate detection keeps a keyed 64-bit hash and a line number per user
/// name, and a passwd file in another order than the input is indexed (24 bytes a line).
pub fn import<R: BufRead, W: Write>(
    options: &Options,
    input: R,
    passwd: Option<Passwd>,
    output: W,
    observer: &mut dyn Observer,
) -> Result<Summary, ImportError> {
    run(options, input, None, passwd, output, observer, true)
}

/// The input again, for the extra passes that keep memory bounded.
pub(crate) struct Again<'a> {
    /// The input, read at any offset.
    file: &'a File,
    /// Where scratch files go.
    dir: &'a Path,
    limits: &'a Limits,
}

/// An input line parsed: `None` for blank lines and comments.
fn parse_line(format: Format, line: &[u8], today: i64) -> Result<Option<Entry<'_>>, LineFault> {
    if line.iter().all(u8::is_ascii_whitespace) || line.first() == Some(&b'#') {
        return Ok(None);
    }
    match format {
        Format::Shadow => shadow::parse(line, today),
        Format::PureFtpd => pureftpd::parse(line),
        Format::Proftpd => proftpd::parse(line),
        Format::Htpasswd => htpasswd::parse(line),
    }
    .map(Some)
}

/// The user name of a line that reaches duplicate detection (parsed, not filtered out by
/// `usernames`).
fn checked_name<'l>(options: &Options, line: &'l [u8], today: i64) -> Option<&'l str> {
    let name = parse_line(options.format, line, today).ok()??.username;
    (options.usernames.is_empty() || options.usernames.iter().any(|u| u == name)).then_some(name)
}

/// The import into a dump written to `output`. `empty_dump`: finish the dump even when no
/// user was written.
fn run<R: BufRead, W: Write>(
    options: &Options,
    input: R,
    again: Option<Again<'_>>,
    passwd: Option<Passwd>,
    output: W,
    observer: &mut dyn Observer,
    empty_dump: bool,
) -> Result<Summary, ImportError> {
    let mut dump = DumpWriter::new(output);
    let summary = read_accounts(options, input, again, passwd, &mut dump, observer)?;
    if summary.written() > 0 || empty_dump {
        let mut out = dump.finish().map_err(io_err("writing the output"))?;
        out.flush().map_err(io_err("writing the output"))?;
    }
    Ok(summary)
}

/// Where the accounts an import reads go, and how their password fields read.
pub(crate) trait Sink {
    /// What a password field holds.
    fn credential(&self, field: &[u8]) -> Credential;
    /// One account, ready to write.
    fn user(&mut self, user: &DumpUser<'_>, hash: &[u8]) -> io::Result<()>;
}

impl<W: Write> Sink for DumpWriter<W> {
    fn credential(&self, field: &[u8]) -> Credential {
        classify(field)
    }

    fn user(&mut self, user: &DumpUser<'_>, _hash: &[u8]) -> io::Result<()> {
        DumpWriter::user(self, user)
    }
}

/// The streaming core of every import: parses, filters and checks each account of `input`
/// and hands those that pass to `sink`.
pub(crate) fn read_accounts<R: BufRead>(
    options: &Options,
    mut input: R,
    again: Option<Again<'_>>,
    mut passwd: Option<Passwd>,
    sink: &mut dyn Sink,
    observer: &mut dyn Observer,
) -> Result<Summary, ImportError> {
    options.check(passwd.is_some())?;
    let head = sniff::read_head(&mut input).map_err(io_err("reading the input"))?;
    if let Some(layout) = sniff::looks_like(options.format, &head) {
        return Err(ImportError::LooksLike {
            format: options.format,
            looks_like: layout.description(),
        });
    }
    let input = io::Cursor::new(head).chain(input);
    let today = options
        .now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64);
    let names: &mut Names<'_> = &mut |line| checked_name(options, line, today);
    let mut duplicates = match &again {
        Some(a) => Duplicates::prepare(a.file, names, a.limits, a.dir)
            .map_err(io_err("reading the input"))?,
        None => Duplicates::in_memory(),
    };
    let mut lines = Lines::new(input);
    let mut summary = Summary::default();

    loop {
        let read = lines.offset();
        let Some((number, _, line)) = lines.next_line().map_err(io_err("reading the input"))?
        else {
            break;
        };
        summary.lines = number;
        if number % 4096 == 0 {
            observer.progress(read);
        }
        let parsed = line.and_then(|l| parse_line(options.format, l, today));
        let mut entry = match parsed {
            Ok(Some(entry)) => entry,
            Ok(None) => continue,
            Err(fault) => {
                summary.errors += 1;
                observer.event(&Event::Error {
                    line: number,
                    fault,
                });
                continue;
            }
        };
        let name = entry.username;
        let shown = sftpgo_accepts_username(name).then_some(name);
        let mut skip = |summary: &mut Summary, reason| {
            summary.skipped += 1;
            observer.event(&Event::Skipped {
                line: number,
                username: shown,
                reason,
            });
        };
        if !options.usernames.is_empty() && !options.usernames.iter().any(|u| u == name) {
            summary.filtered += 1;
            continue;
        }
        // Before the passwd lookup, which hands each passwd entry out once.
        if let Some(first_line) = duplicates
            .check(name, number)
            .map_err(io_err("reading the input"))?
        {
            skip(&mut summary, SkipReason::Duplicate { first_line });
            continue;
        }
        if let Some(passwd) = passwd.as_mut() {
            let shadow = again.as_ref().map(|a| {
                let at = ShadowAt {
                    file: a.file,
                    line: number,
                    offset: read,
                    names: &mut *names,
                    dir: a.dir,
                };
                (at, a.limits)
            });
            match passwd
                .lookup(name, shadow)
                .map_err(io_err("reading the passwd file"))?
            {
                Lookup::Found { uid, gid, home } => {
                    (entry.uid, entry.gid) = (Some(uid), Some(gid));
                    entry.home = Some(home);
                }
                Lookup::Missing => {
                    skip(&mut summary, SkipReason::NoPasswdEntry);
                    continue;
                }
                Lookup::Malformed { line, fault } => {
                    skip(
                        &mut summary,
                        SkipReason::MalformedPasswdEntry { line, fault },
                    );
                    continue;
                }
            }
        }
        let uid = entry.uid.unwrap_or(0);
        if options.min_uid.is_some_and(|m| uid < m) || options.max_uid.is_some_and(|m| uid > m) {
            summary.filtered += 1;
            continue;
        }
        if shown.is_none() {
            skip(&mut summary, SkipReason::UsernameNotAccepted);
            continue;
        }

        let home = match (&entry.home, &options.home_base) {
            (Some(h), _) if h.starts_with('/') => trim_home(h).to_owned(),
            (_, Some(base)) => format!("{}/{name}", base.trim_end_matches('/')),
            _ => {
                skip(&mut summary, SkipReason::NoHome);
                continue;
            }
        };
        let password = match sink.credential(entry.hash) {
            Credential::Hash { stored, notes } => {
                entry.notes.extend(notes);
                stored
            }
            Credential::Locked if options.import_locked => {
                entry.status = 0;
                entry.notes.push(Note::LockedDisabled);
                String::new()
            }
            Credential::Locked => {
                skip(&mut summary, SkipReason::Locked);
                continue;
            }
            Credential::Unusable(problem) if options.allow_unverifiable => {
                entry.notes.push(Note::WithoutPassword(problem));
                String::new()
            }
            Credential::Unusable(problem) => {
                skip(&mut summary, SkipReason::Hash(problem));
                continue;
            }
        };
        let user = DumpUser {
            username: name,
            status: entry.status,
            expiration_date: entry.expiration_date,
            password: &password,
            home_dir: &home,
            uid: options.force_uid.unwrap_or(uid),
            gid: options.force_gid.or(entry.gid).unwrap_or(0),
            max_sessions: entry.max_sessions,
            quota_size: entry.quota_size,
            quota_files: entry.quota_files,
            permissions: Permissions,
            upload_bandwidth: entry.upload_bandwidth,
            download_bandwidth: entry.download_bandwidth,
            filters: Filters {
                allowed_ip: &entry.allowed_ip,
                denied_ip: &entry.denied_ip,
                require_password_change: entry.require_password_change,
            },
            filesystem: Filesystem::default(),
            pure_ftpd: entry.pure_ftpd.as_ref(),
        };
        sink.user(&user, entry.hash)
            .map_err(io_err("writing the output"))?;
        if entry.status == 1 {
            summary.imported += 1;
        } else {
            summary.disabled += 1;
        }
        summary.notes += entry.notes.len() as u64;
        observer.event(&Event::Imported {
            line: number,
            username: name,
            status: entry.status,
            notes: &entry.notes,
        });
    }
    observer.progress(lines.offset());
    Ok(summary)
}

/// Trailing slashes removed (`/` stays `/`).
fn trim_home(home: &str) -> &str {
    match home.trim_end_matches('/') {
        "" => "/",
        h => h,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl Observer for Log {
        fn event(&mut self, event: &Event<'_>) {
            self.0.push(format!("{event:?}"));
        }
    }

    /// Limits small enough that every rare path runs: a 64-bit filter (nearly every name a
    /// false-positive candidate), many batches and run merges, a join chunk of 7 lines.
    const TINY: Limits = Limits {
        bloom_bits: 64,
        batch_names: 5,
        batch_bytes: 40,
        max_runs: 3,
        join_lines: 7,
        join_bytes: 30,
        pending_max: 2,
    };

    const HASH: &str = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";

    fn temp_dir() -> PathBuf {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "passgate-import-unit-{}-{:x}",
            std::process::id(),
            u64::from_le_bytes(random)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Shadow and passwd with duplicates (twice, three times, far apart), lines that do not
    /// parse, comments, a user without a passwd line, a malformed and a repeated passwd line,
    /// the passwd file in reverse order.
    fn inputs() -> (String, String) {
        let mut shadow = String::from("# header\n");
        let mut passwd = Vec::new();
        for i in 0..300 {
            let name = match i {
                150 | 290 => "u3".to_owned(),
                200 => "u199".to_owned(),
                _ => format!("u{i}"),
            };
            if i % 50 == 7 {
                shadow.push_str(&format!("{name}:broken\n\n"));
            }
            shadow.push_str(&format!("{name}:{HASH}:19000:0:99999:7:::\n"));
            match i {
                11 => {}
                12 => passwd.push("u12:x:-1:0::/x:/bin/sh\n".to_owned()),
                _ => passwd.push(format!("u{i}:x:{i}:{i}::/home/u{i}:/bin/sh\n")),
            }
        }
        passwd.push("u5:x:5000:5000::/elsewhere:/bin/sh\n".to_owned());
        passwd.reverse();
        (shadow, passwd.concat())
    }

    fn run_file(
        options: &Options,
        shadow: &str,
        passwd: &str,
        limits: &Limits,
    ) -> (Summary, Vec<u8>, Vec<String>) {
        let dir = temp_dir();
        let (input, pw, out) = (dir.join("shadow"), dir.join("passwd"), dir.join("out.json"));
        std::fs::write(&input, shadow).unwrap();
        std::fs::write(&pw, passwd).unwrap();
        let mut log = Log::default();
        let summary = import_file_with(options, &input, Some(&pw), &out, &mut log, limits).unwrap();
        let dump = std::fs::read(&out).unwrap_or_default();
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            3,
            "scratch files left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        (summary, dump, log.0)
    }

    fn run_memory(
        options: &Options,
        shadow: &str,
        passwd: &str,
    ) -> (Summary, Vec<u8>, Vec<String>) {
        let dir = temp_dir();
        let pw = dir.join("passwd");
        std::fs::write(&pw, passwd).unwrap();
        let mut log = Log::default();
        let mut out = Vec::new();
        let passwd = Passwd::open(&pw).unwrap();
        let summary = import(options, shadow.as_bytes(), Some(passwd), &mut out, &mut log).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        (summary, out, log.0)
    }

    #[test]
    fn bounded_paths_give_the_in_memory_result() {
        let (shadow, passwd) = inputs();
        let mut options = Options::new(Format::Shadow);
        let expected = run_memory(&options, &shadow, &passwd);
        let tiny = run_file(&options, &shadow, &passwd, &TINY);
        let default = run_file(&options, &shadow, &passwd, &Limits::DEFAULT);
        assert_eq!(tiny, expected);
        assert_eq!(default, expected);

        let events = &expected.2;
        let has = |s: &str| events.iter().any(|e| e.contains(s));
        let dup = |name: &str, first| {
            format!(
                "username: Some(\"{name}\"), reason: {:?}",
                SkipReason::Duplicate { first_line: first }
            )
        };
        // u3 is on line 5 (after the header and u0..u2); u199 on line 209.
        let line_of = |name: &str| {
            shadow
                .lines()
                .position(|l| l.starts_with(&format!("{name}:$6$")))
                .unwrap() as u64
                + 1
        };
        assert!(has(&dup("u3", line_of("u3"))));
        assert!(has(&dup("u199", line_of("u199"))));
        assert_eq!(events.iter().filter(|e| e.contains("Duplicate")).count(), 3);
        assert!(has("username: Some(\"u11\"), reason: NoPasswdEntry"));
        assert!(has("MalformedPasswdEntry"));
        assert_eq!(expected.0.errors, 6);
        // u5's first passwd line (after reversing, the extra one) wins.
        let dump = String::from_utf8(expected.1).unwrap();
        assert!(dump.contains("\"/elsewhere\""), "{dump}");

        // With a --usernames filter, lines left out take no part in duplicate detection.
        options.usernames = vec!["u3".into(), "u4".into()];
        let expected = run_memory(&options, &shadow, &passwd);
        assert_eq!(run_file(&options, &shadow, &passwd, &TINY), expected);
        assert_eq!(expected.0.skipped, 2);
    }

    #[test]
    fn false_positives_alone_change_nothing() {
        let shadow: String = (0..100)
            .map(|i| format!("n{i}:{HASH}:19000:0:99999:7:::\n"))
            .collect();
        let passwd: String = (0..100)
            .map(|i| format!("n{i}:x:{i}:{i}::/h/n{i}:/bin/sh\n"))
            .collect();
        let options = Options::new(Format::Shadow);
        let (summary, _, events) = run_file(&options, &shadow, &passwd, &TINY);
        assert_eq!((summary.imported, summary.skipped), (100, 0));
        assert!(events.iter().all(|e| e.starts_with("Imported")));
    }
}
