//! DirectAdmin's authentication hook scripts, each a small mapping onto the program runner.
//!
//! A hook's scripts are found as `<dir>/<HOOK>/*.sh` in name order, then `<dir>/<HOOK>.sh`,
//! then the old name (`login.sh` for `login_pre`, `login_post.sh` for
//! `session_create_pre`). All of them run even when one fails; any failure (non-zero exit,
//! timeout, crash…) fails the set; their outputs are concatenated. Scripts get a cleared
//! environment plus the configured variables and the hook's own: **the password is passed in
//! the environment** (`password`), as DirectAdmin does, never in argv.

#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Hook, HookCall, HookError, HookSpecError, check_timeout, valid_env_name};

/// DirectAdmin's authentication hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DaHook {
    /// Before any password check; non-zero denies and counts as a failed attempt.
    LoginPre,
    /// After the password verified, before the session is written; non-zero aborts.
    SessionCreatePre,
    /// Before a session file is removed; best effort, its result is ignored.
    SessionDestroyPre,
    /// After a login key (or one-time login URL) was created.
    LoginKeyCreatePost,
    /// After a login key was modified.
    LoginKeyModifyPost,
}

impl DaHook {
    /// The hook's name, as its script is named.
    pub const fn name(self) -> &'static str {
        match self {
            Self::LoginPre => "login_pre",
            Self::SessionCreatePre => "session_create_pre",
            Self::SessionDestroyPre => "session_destroy_pre",
            Self::LoginKeyCreatePost => "login_key_create_post",
            Self::LoginKeyModifyPost => "login_key_modify_post",
        }
    }

    /// The name older DirectAdmin versions used for the same hook.
    pub const fn old_name(self) -> Option<&'static str> {
        match self {
            Self::LoginPre => Some("login"),
            Self::SessionCreatePre => Some("login_post"),
            _ => None,
        }
    }
}

impl fmt::Display for DaHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scripts of one hook after they all ran.
#[derive(Debug, Default)]
pub struct ScriptsRun {
    /// How many scripts ran.
    pub ran: usize,
    /// Their standard outputs, concatenated in run order (lossy UTF-8).
    pub output: String,
    /// The scripts that failed, with why.
    pub failures: Vec<(PathBuf, HookError)>,
}

impl ScriptsRun {
    /// No script failed (true also when there was none).
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    /// The first failure, if any.
    pub fn first_error(&self) -> Option<&HookError> {
        self.failures.first().map(|(_, e)| e)
    }
}

/// The login being checked, as DirectAdmin's login hooks see it.
#[derive(Clone, Copy)]
pub struct DaLogin<'a> {
    /// The login name.
    pub username: &'a str,
    /// The password as typed.
    pub password: &'a [u8],
    /// The client's address.
    pub ip: &'a str,
    /// The request's `Referer` header.
    pub referer: &'a str,
    /// The request's `User-Agent` header.
    pub user_agent: &'a str,
}

impl fmt::Debug for DaLogin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DaLogin")
            .field("username", &self.username)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

/// A login key event, for `login_key_create_post` / `login_key_modify_post`.
#[derive(Clone, Default)]
pub struct LoginKeyEvent {
    /// `keyname`.
    pub keyname: String,
    /// `is_login_url`: a one-time login URL rather than a normal key.
    pub is_login_url: bool,
    /// `modifying`: an existing key was changed (runs `login_key_modify_post`).
    pub modifying: bool,
    /// `key`: the key's secret, on creation only.
    pub key: Zeroizing<String>,
    /// `expiry_timestamp`: Unix time, 0 for never.
    pub expiry_timestamp: u64,
    /// `max_uses`: 0 for unlimited.
    pub max_uses: u64,
    /// `allow`: commands allowed (joined with `|`).
    pub allow: Vec<String>,
    /// `deny`: commands denied (joined with `|`).
    pub deny: Vec<String>,
    /// `ips`: addresses allowed (joined with `|`).
    pub ips: Vec<String>,
    /// `login_keys_notify_on_creation`: 0, 1 or 2.
    pub notify_on_creation: u8,
}

impl fmt::Debug for LoginKeyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginKeyEvent")
            .field("keyname", &self.keyname)
            .field("modifying", &self.modifying)
            .finish_non_exhaustive()
    }
}

/// A DirectAdmin hook directory (`/usr/local/directadmin/scripts/custom` on a real server).
#[derive(Clone, Debug)]
pub struct DirectAdmin {
    dir: PathBuf,
    timeout_secs: u64,
    env: Vec<(String, String)>,
}

impl DirectAdmin {
    /// Hooks found in `dir`, which must be absolute (scripts run by absolute path).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, HookSpecError> {
        let dir = dir.into();
        if !dir.is_absolute() {
            return Err(HookSpecError::NotAbsolute);
        }
        Ok(Self {
            dir,
            timeout_secs: Hook::DEFAULT_TIMEOUT.as_secs(),
            env: Vec::new(),
        })
    }

    /// Sets each script's timeout (1–300 s).
    pub fn with_timeout_secs(mut self, secs: u64) -> Result<Self, HookSpecError> {
        check_timeout(secs)?;
        self.timeout_secs = secs;
        Ok(self)
    }

    /// Adds environment variables for every script.
    pub fn with_env(mut self, vars: Vec<(String, String)>) -> Result<Self, HookSpecError> {
        if !vars.iter().all(|(k, _)| valid_env_name(k)) {
            return Err(HookSpecError::InvalidEnvName);
        }
        self.env.extend(vars);
        Ok(self)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The timeout of each script.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// The scripts of `hook`, in the order they run.
    pub fn scripts(&self, hook: DaHook) -> std::io::Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let sub = self.dir.join(hook.name());
        match std::fs::read_dir(&sub) {
            Ok(entries) => {
                let mut in_dir = Vec::new();
                for entry in entries {
                    let path = entry?.path();
                    if path.extension().is_some_and(|e| e == "sh") && path.is_file() {
                        in_dir.push(path);
                    }
                }
                in_dir.sort();
                found.extend(in_dir);
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => {}
            Err(_) if sub.is_file() => {}
            Err(e) => return Err(e),
        }
        let names = std::iter::once(hook.name()).chain(hook.old_name());
        for name in names {
            let path = self.dir.join(format!("{name}.sh"));
            if path.is_file() {
                found.push(path);
            }
        }
        Ok(found)
    }

    /// Runs every script of `hook` with `env` (on top of the configured variables).
    pub fn run(&self, hook: DaHook, env: &[(&str, &[u8])]) -> ScriptsRun {
        let mut run = ScriptsRun::default();
        let scripts = match self.scripts(hook) {
            Ok(s) => s,
            Err(e) => {
                // Fail closed: a hook directory we cannot read is a failed hook.
                run.failures
                    .push((self.dir.clone(), HookError::Io(e.kind())));
                return run;
            }
        };
        // The password, a login key's secret and a session's id (a working session token)
        // stay out of the logged standard error.
        let call = env.iter().fold(HookCall::new(), |call, (k, v)| {
            let call = call.env(k, v);
            if matches!(*k, "password" | "key" | "session_id") {
                call.secret(v)
            } else {
                call
            }
        });
        for script in scripts {
            run.ran += 1;
            let result = Hook::program(script.clone())
                .and_then(|h| h.with_timeout_secs(self.timeout_secs))
                .and_then(|h| h.with_env(self.env.iter().cloned()))
                .map_err(|_| HookError::InvalidInput("bad script path"))
                .and_then(|h| h.run_program(&call));
            match result {
                Ok(done) => {
                    run.output.push_str(&String::from_utf8_lossy(&done.stdout));
                    if done.code != 0 {
                        run.failures.push((script, HookError::Exit(done.code)));
                    }
                }
                Err(e) => run.failures.push((script, e)),
            }
        }
        for (script, e) in &run.failures {
            log::warn!(target: "passgate::hooks", "{hook} script {}: {e}", script.display());
        }
        run
    }

    /// `login_pre`: env `username`, `password`, `ip`, `referer`.
    pub fn login_pre(&self, login: &DaLogin<'_>) -> ScriptsRun {
        self.run(
            DaHook::LoginPre,
            &[
                ("username", login.username.as_bytes()),
                ("password", login.password),
                ("ip", login.ip.as_bytes()),
                ("referer", login.referer.as_bytes()),
            ],
        )
    }

    /// `session_create_pre`: env `username`, `password`, `session_id`, `ip`, `referer`,
    /// `user_agent`.
    pub fn session_create_pre(&self, login: &DaLogin<'_>, session_id: &str) -> ScriptsRun {
        self.run(
            DaHook::SessionCreatePre,
            &[
                ("username", login.username.as_bytes()),
                ("password", login.password),
                ("session_id", session_id.as_bytes()),
                ("ip", login.ip.as_bytes()),
                ("referer", login.referer.as_bytes()),
                ("user_agent", login.user_agent.as_bytes()),
            ],
        )
    }

    /// `session_destroy_pre`: env = the session file's `key=value` fields plus `file`. Best
    /// effort: callers log the result and go on.
    pub fn session_destroy_pre(&self, session: &[(&str, &str)], file: &Path) -> ScriptsRun {
        let file = file.as_os_str().as_encoded_bytes();
        let mut env: Vec<(&str, &[u8])> = session
            .iter()
            .filter(|(k, _)| *k != "file")
            .map(|(k, v)| (*k, v.as_bytes()))
            .collect();
        env.push(("file", file));
        self.run(DaHook::SessionDestroyPre, &env)
    }

    /// `login_key_create_post` or, when `event.modifying`, `login_key_modify_post`.
    pub fn login_key_post(&self, event: &LoginKeyEvent) -> ScriptsRun {
        let hook = if event.modifying {
            DaHook::LoginKeyModifyPost
        } else {
            DaHook::LoginKeyCreatePost
        };
        let flag = |b: bool| if b { "1" } else { "0" };
        let expiry = event.expiry_timestamp.to_string();
        let max_uses = event.max_uses.to_string();
        let notify = event.notify_on_creation.to_string();
        let (allow, deny, ips) = (
            event.allow.join("|"),
            event.deny.join("|"),
            event.ips.join("|"),
        );
        self.run(
            hook,
            &[
                ("keyname", event.keyname.as_bytes()),
                ("is_login_url", flag(event.is_login_url).as_bytes()),
                ("modifying", flag(event.modifying).as_bytes()),
                ("key", event.key.as_bytes()),
                ("expiry_timestamp", expiry.as_bytes()),
                ("max_uses", max_uses.as_bytes()),
                ("allow", allow.as_bytes()),
                ("deny", deny.as_bytes()),
                ("ips", ips.as_bytes()),
                ("login_keys_notify_on_creation", notify.as_bytes()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::fs;

    #[test]
    fn discovery_order_and_old_names() {
        let dir = std::env::temp_dir().join(format!("passgate-da-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("login_pre/sub.sh")).unwrap();
        for f in [
            "login_pre/20-b.sh",
            "login_pre/10-a.sh",
            "login_pre/notes.txt",
            "login_pre.sh",
            "login.sh",
            "login_post.sh",
        ] {
            fs::write(dir.join(f), "#!/bin/sh\n").unwrap();
        }
        let da = DirectAdmin::new(&dir).unwrap();
        let names: Vec<String> = da
            .scripts(DaHook::LoginPre)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "login_pre/10-a.sh",
                "login_pre/20-b.sh",
                "login_pre.sh",
                "login.sh"
            ]
        );
        let names: Vec<_> = da.scripts(DaHook::SessionCreatePre).unwrap();
        assert_eq!(names, [dir.join("login_post.sh")]);
        assert!(da.scripts(DaHook::SessionDestroyPre).unwrap().is_empty());
        assert!(DirectAdmin::new("relative").is_err());
        assert!(da.clone().with_timeout_secs(0).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
