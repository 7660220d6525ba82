//! Helpers shared by the hook tests: scratch directories, hook scripts written on the spot,
//! the compiled hook, and checks on processes.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh, empty directory under Cargo's scratch space for this test binary.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes an executable `/bin/sh` script.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `tests/support/hook_env.c`, compiled once per test binary with the system's `cc`.
pub fn compiled_hook() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/hook_env.c");
        let dir = scratch("compiled-hook");
        let out = dir.join("hook_env");
        let status = Command::new("cc")
            .args(["-O1", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .expect("a C compiler (`cc`) is needed for the compiled hook");
        assert!(status.success(), "cc failed on {}", src.display());
        out
    })
}

/// Reads `HOOK_DUMP`-style NUL-separated `KEY=VALUE` entries.
pub fn read_env_dump(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = fs::read(path).unwrap();
    bytes
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let eq = e.iter().position(|b| *b == b'=').unwrap();
            (
                String::from_utf8(e[..eq].to_vec()).unwrap(),
                e[eq + 1..].to_vec(),
            )
        })
        .collect()
}

/// Whether `pid` is a live process (a zombie waiting for a reaper counts as gone).
pub fn alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// Whether `pid` is gone, allowing for the signal's delivery: a SIGKILL is pending when
/// `kill` returns, and the process dies when next scheduled. Gives up after 10 s.
pub fn gone(pid: u32) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive(pid) {
        if std::time::Instant::now() > end {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}

/// Reads a pid a hook wrote to a file.
pub fn read_pid(path: &Path) -> u32 {
    fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// Kills a process the test left running on purpose (by pid, never by name).
pub fn kill(pid: u32) {
    // The shell's builtin: no dependency on a `kill` binary.
    let _ = Command::new("/bin/sh")
        .args(["-c", &format!("kill -KILL {pid}")])
        .status();
}
