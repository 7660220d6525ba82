//! Temporary files beside a destination, renamed over it once whole: the importer's output
//! and the login store's rewrites. Their names are `.NAME.PID.RANDOM.tmp`, so that a file a
//! killed process left behind can be told apart and removed by the next writer.

#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a temporary file of a process that no longer runs is left alone before a writer
/// to the same destination removes it: a directory shared between machines (NFS) may hold
/// the file of a live writer elsewhere, whose process id means nothing here.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(3600);

/// The directory `dest` is in (`.` for a bare name).
pub(crate) fn parent(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A fresh `.NAME.PID.RANDOM.tmp` path beside `dest`, after removing the stale ones of
/// writers that are gone.
pub(crate) fn temp_path(dest: &Path) -> io::Result<PathBuf> {
    let dir = parent(dest);
    let name = dest
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    remove_stale(&dir, name);
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|_| io::Error::other("random number generator"))?;
    let mut temp_name = OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(
        ".{}.{:016x}.tmp",
        std::process::id(),
        u64::from_le_bytes(random)
    ));
    Ok(dir.join(temp_name))
}

/// Removes `.NAME.PID.RANDOM.tmp` files in `dir` left by a writer to the same destination
/// whose process is gone (`/proc/PID` absent, so only where `/proc` is mounted) and which
/// have not been written to for [`STALE_AFTER`]: what a writer killed by SIGKILL or a
/// crash leaves behind. Best effort: a file that cannot be read or removed stays.
pub(crate) fn remove_stale(dir: &Path, name: &OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut prefix = b".".to_vec();
    prefix.extend_from_slice(name.as_bytes());
    prefix.push(b'.');
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .as_bytes()
            .strip_prefix(prefix.as_slice())
            .and_then(|rest| rest.strip_suffix(b".tmp"))
            .and_then(owner_pid)
        else {
            continue;
        };
        let gone = pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if gone && old && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `PID.RANDOM` (decimal, then 16 hex digits) → PID.
fn owner_pid(middle: &[u8]) -> Option<u32> {
    let (pid, random) = std::str::from_utf8(middle).ok()?.split_once('.')?;
    let hex = random.len() == 16 && random.bytes().all(|c| c.is_ascii_hexdigit());
    let digits = !pid.is_empty() && pid.bytes().all(|c| c.is_ascii_digit());
    (hex && digits).then(|| pid.parse().ok()).flatten()
}
