//! One login attempt, in DESIGN §4's order:
//!
//! DirectAdmin `login_pre` → password checks → load user → SFTPGo external auth (if in
//! scope) *or* pre-login → login conditions → check-password (if in scope) → core verify →
//! rehash-on-login (store update) → DirectAdmin `session_create_pre` → post-login
//! notification (on a thread). A user's `filters.hooks` may turn external auth, pre-login or
//! check-password off for that user, as in SFTPGo.
//!
//! Every hook failure denies. `counts_as_failure` is true when the attempt was judged wrong
//! (a wrong password, an unknown or disabled user, a hook that answered "deny", DirectAdmin's
//! `login_pre` failing in any way) and false when a hook broke (timeout, crash, bad answer):
//! a broken hook server should not lock users out through brute-force counters.
//! `TempFail` is for the machine: the store could not be read or written, or a hash's working
//! memory could not be allocated (no verdict on the password, so no failure is counted).

#![forbid(unsafe_code)]

use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::HookError;
use super::attempt::{HookName, LoginRequest, LoginResult, Outcome, Reason};
use super::directadmin::{DirectAdmin, ScriptsRun};
use super::sftpgo::{
    self, CheckPasswordAnswer, ExternalAuthAnswer, LoginContext, PreLoginAnswer, SftpgoHooks,
};
use super::store::UserStore;
use super::user::User;
use crate::{HashError, ParseErrorKind, Policy, Scheme, StoredHash, VerifyError};

/// A decision on the way through the pipeline.
struct Step {
    outcome: Outcome,
    reason: Reason,
    user: Option<User>,
    rehashed: bool,
}

impl Step {
    fn allow(reason: Reason, user: User) -> Self {
        Self {
            outcome: Outcome::Allow,
            reason,
            user: Some(user),
            rehashed: false,
        }
    }

    fn deny(counts_as_failure: bool, reason: Reason, user: Option<User>) -> Self {
        Self {
            outcome: Outcome::Deny { counts_as_failure },
            reason,
            user,
            rehashed: false,
        }
    }

    fn temp_fail(reason: Reason, user: Option<User>) -> Self {
        Self {
            outcome: Outcome::TempFail,
            reason,
            user,
            rehashed: false,
        }
    }
}

/// The login pipeline over a [`UserStore`].
#[derive(Debug)]
pub struct Pipeline<S> {
    policy: Policy,
    store: S,
    sftpgo: SftpgoHooks,
    directadmin: Option<DirectAdmin>,
    rehash: bool,
}

impl<S: UserStore> Pipeline<S> {
    /// A pipeline with no hooks and rehash-on-login on.
    pub fn new(policy: Policy, store: S) -> Self {
        Self {
            policy,
            store,
            sftpgo: SftpgoHooks::default(),
            directadmin: None,
            rehash: true,
        }
    }

    /// Sets SFTPGo's hooks.
    pub fn with_sftpgo(mut self, hooks: SftpgoHooks) -> Self {
        self.sftpgo = hooks;
        self
    }

    /// Sets DirectAdmin's hook directory.
    pub fn with_directadmin(mut self, hooks: DirectAdmin) -> Self {
        self.directadmin = Some(hooks);
        self
    }

    /// Turns rehash-on-login on or off.
    pub fn with_rehash(mut self, rehash: bool) -> Self {
        self.rehash = rehash;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Runs one login attempt. The post-login hook, if any, runs on its own thread and
    /// never changes the result.
    pub fn login(&self, req: &LoginRequest<'_>) -> LoginResult {
        let mut step = self.authenticate(req);
        let mut session_id = None;
        if step.outcome == Outcome::Allow
            && let Some(da) = &self.directadmin
        {
            match new_session_id() {
                Ok(id) => {
                    let run = da.session_create_pre(&req.directadmin(), &id);
                    if run.succeeded() {
                        session_id = Some(id);
                    } else {
                        step.outcome = Outcome::Deny {
                            counts_as_failure: false,
                        };
                        step.reason = da_reason(HookName::SessionCreatePre, &run);
                    }
                }
                Err(e) => {
                    step.outcome = Outcome::TempFail;
                    step.reason = Reason::Hash(e);
                }
            }
        }
        let notification = self.notify(req, &step);
        LoginResult {
            outcome: step.outcome,
            reason: step.reason,
            user: step.user,
            rehashed: step.rehashed,
            session_id,
            notification,
        }
    }

    fn authenticate(&self, req: &LoginRequest<'_>) -> Step {
        if let Some(da) = &self.directadmin {
            let run = da.login_pre(&req.directadmin());
            if !run.succeeded() {
                return Step::deny(true, da_reason(HookName::LoginPre, &run), None);
            }
        }
        // Empty, NUL-holding or overlong passwords never reach a hook or a hash.
        if let Err(e) = self.policy.check_password(req.password) {
            return Step::deny(true, Reason::Verify(e.into()), None);
        }
        let mut user = match self.store.load(req.username) {
            Ok(u) => u,
            Err(e) => return Step::temp_fail(Reason::Store(e), None),
        };
        let ctx = req.context();
        // Set when the external auth hook authenticated the user: whether the stored hash
        // was replaced on the way.
        let mut authenticated = None;
        // SFTPGo: external auth and pre-login are exclusive, external auth first; a stored
        // user's `filters.hooks` may turn either off for that user.
        let disabled =
            |user: &Option<User>, hook| user.as_ref().is_some_and(|u| u.hook_disabled(hook));
        if let Some(hook) = self.sftpgo.external_auth_for_password() {
            if !disabled(&user, HookName::ExternalAuth) {
                let value = user.as_ref().map(User::to_value);
                let answer =
                    sftpgo::external_auth(hook, req.username, req.password, value.as_ref(), &ctx);
                match answer {
                    Err(e) => {
                        let reason = Reason::HookFailed(HookName::ExternalAuth, e);
                        return Step::deny(false, reason, user);
                    }
                    Ok(ExternalAuthAnswer::Denied) => {
                        let reason = Reason::HookDenied(HookName::ExternalAuth);
                        return Step::deny(true, reason, user);
                    }
                    Ok(ExternalAuthAnswer::Authenticated(map)) => {
                        match self.external_user(req, user, map) {
                            Ok(u) => user = Some(u),
                            Err(step) => return step,
                        }
                        authenticated = Some(false);
                    }
                    // An unknown user is denied below, after a dummy verification.
                    Ok(ExternalAuthAnswer::AuthenticatedAsStored) => {
                        if let Some(stored) = user.take() {
                            match self.adopt_login_password(req.password, stored) {
                                Ok((u, replaced)) => {
                                    user = Some(u);
                                    authenticated = Some(replaced);
                                }
                                Err(step) => return step,
                            }
                        }
                    }
                }
            }
        } else if let Some(hook) = &self.sftpgo.pre_login
            && !disabled(&user, HookName::PreLogin)
        {
            let value = user
                .as_ref()
                .map_or_else(|| User::new(req.username).into_value(), User::to_value);
            match sftpgo::pre_login(hook, &value, &ctx) {
                Err(e) => {
                    return Step::deny(false, Reason::HookFailed(HookName::PreLogin, e), user);
                }
                Ok(PreLoginAnswer::NoChange) => {}
                Ok(PreLoginAnswer::User(map)) => match self.apply_pre_login(req.username, map) {
                    Ok(u) => user = Some(u),
                    Err(step) => return step,
                },
            }
        }
        let Some(user) = user else {
            // Spend a real verification's time, so response time does not tell; a dummy
            // that runs out of memory answers as a real user's hash would.
            return match self.policy.dummy_verify(req.password) {
                e @ VerifyError::ResourceExhausted(_) => Step::temp_fail(Reason::Verify(e), None),
                _ => Step::deny(true, Reason::UnknownUser, None),
            };
        };
        // What follows is SFTPGo's `checkUserAndPass`, which every password login reaches,
        // after the hooks above too.
        let replaced = authenticated.unwrap_or(false);
        let noting = |mut step: Step| {
            step.rehashed |= replaced;
            step
        };
        if let Some(refusal) = self.login_conditions(user.clone(), req.password, true) {
            return noting(refusal);
        }
        let mut to_verify = None;
        if let Some(hook) = self.sftpgo.check_password_for(req.protocol)
            && !user.hook_disabled(HookName::CheckPassword)
        {
            match sftpgo::check_password(hook, user.username(), req.password, &ctx) {
                Err(e) => {
                    // Unknown users never get here: they paid a dummy verification.
                    let reason = Reason::HookFailed(HookName::CheckPassword, e);
                    return noting(self.deny_after_dummy(req.password, false, reason, user));
                }
                Ok(CheckPasswordAnswer::Accept) => {
                    return noting(Step::allow(Reason::CheckPassword, user));
                }
                Ok(CheckPasswordAnswer::VerifyInstead(part)) => to_verify = Some(part),
                Ok(CheckPasswordAnswer::Reject(_)) => {
                    let reason = Reason::HookDenied(HookName::CheckPassword);
                    return noting(self.deny_after_dummy(req.password, true, reason, user));
                }
            }
        }
        match (to_verify, authenticated) {
            // Against the stored hash, the one external auth just stored included.
            (Some(part), _) => noting(self.verify(user, part.as_bytes())),
            // External auth left a stored hash that verifies the login password: SFTPGo's
            // check of it cannot fail, and is not repeated.
            (None, Some(replaced)) => Step {
                rehashed: replaced,
                ..Step::allow(Reason::ExternalAuth, user)
            },
            (None, None) => self.verify(user, req.password),
        }
    }

    /// A denial that first spends a dummy verification, as an unknown user's does; when
    /// the dummy's memory is short, the temporary failure an unknown user would get.
    fn deny_after_dummy(&self, password: &[u8], counts: bool, reason: Reason, user: User) -> Step {
        match self.policy.dummy_verify(password) {
            e @ VerifyError::ResourceExhausted(_) => Step::temp_fail(Reason::Verify(e), Some(user)),
            _ => Step::deny(counts, reason, Some(user)),
        }
    }

    /// Refuses a disabled or expired user, or one without a password.
    fn login_conditions(&self, user: User, password: &[u8], dummy: bool) -> Option<Step> {
        let reason = if !user.is_enabled() {
            Reason::UserDisabled
        } else if user.is_expired_at(now_ms()) {
            Reason::UserExpired
        } else if user.password().is_none() {
            Reason::NoPassword
        } else {
            return None;
        };
        if dummy && let e @ VerifyError::ResourceExhausted(_) = self.policy.dummy_verify(password) {
            return Some(Step::temp_fail(Reason::Verify(e), Some(user)));
        }
        Some(Step::deny(true, reason, Some(user)))
    }

    /// Core verification, then rehash-on-login: the new hash replaces the old one only if
    /// the stored hash is still the one verified (a concurrent change wins).
    fn verify(&self, user: User, password: &[u8]) -> Step {
        let Some(stored) = user.password().map(str::to_owned) else {
            return Step::deny(true, Reason::NoPassword, Some(user));
        };
        let result = if self.rehash {
            self.policy.verify_and_update(&stored, password)
        } else {
            self.policy.verify(&stored, password).map(|v| (v, None))
        };
        let new = match result {
            Err(e @ VerifyError::ResourceExhausted(_)) => {
                return Step::temp_fail(Reason::Verify(e), Some(user));
            }
            Err(e) => {
                // A cheap hash must not deny faster than an unknown user is denied, nor
                // answer otherwise when the dummy's memory is short.
                if let Err(short) = self.policy.pad_failed_verify(&stored, password, e) {
                    return Step::temp_fail(Reason::Verify(short), Some(user));
                }
                return Step::deny(true, Reason::Verify(e), Some(user));
            }
            Ok((_, None)) => return Step::allow(Reason::Verified, user),
            Ok((_, Some(new))) => new,
        };
        let updated = self.store.modify(user.username(), &mut |current| {
            let current = current.filter(|c| c.password() == Some(stored.as_str()))?;
            let mut changed = current.clone();
            changed.set_password(new.clone());
            Some(changed)
        });
        match updated {
            Ok(Some(u)) if u.password() == Some(new.as_str()) => Step {
                rehashed: true,
                ..Step::allow(Reason::Verified, u)
            },
            Ok(_) => Step::allow(Reason::Verified, user),
            Err(e) => {
                log::warn!(target: "passgate::hooks", "rehash-on-login not stored: {e}");
                Step::allow(Reason::Verified, user)
            }
        }
    }

    /// Creates or replaces the user from a pre-login answer, which is a whole user, as on
    /// SFTPGo's main branch since 74f85392 (released 2.7.x merged it into the stored user):
    /// of the stored user only what SFTPGo keeps stays ([`User::replacing`]), and an answer
    /// SFTPGo's validation would refuse denies. The replacement happens under the store's
    /// lock, so what is kept is what is stored at that moment.
    fn apply_pre_login(&self, username: &str, mut map: Map<String, Value>) -> Result<User, Step> {
        let fail =
            |e: HookError| Step::deny(false, Reason::HookFailed(HookName::PreLogin, e), None);
        match map.get("username") {
            Some(Value::String(s)) if s == username => {}
            Some(Value::String(s)) if !s.is_empty() => {
                return Err(fail(HookError::InvalidAnswer(
                    "the user's username is not the login name",
                )));
            }
            _ => return Err(fail(HookError::InvalidAnswer("the user has no username"))),
        }
        map.remove("id");
        User::check_whole(&map).map_err(|e| fail(HookError::InvalidAnswer(e)))?;
        self.prepare_password(&mut map).map_err(fail)?;
        let mut invalid = None;
        let mut replace = |current: Option<&User>| match User::replacing(current, map.clone()) {
            Ok(u) => Some(u),
            Err(e) => {
                invalid = Some(e);
                None
            }
        };
        let stored = self.store.modify(username, &mut replace);
        if invalid.is_some() {
            return Err(fail(HookError::InvalidAnswer("the user is not valid")));
        }
        match stored {
            Ok(Some(u)) => Ok(u),
            Ok(None) => Err(fail(HookError::InvalidAnswer("the user is not valid"))),
            Err(e) => Err(Step::temp_fail(Reason::Store(e), None)),
        }
    }

    /// A hook's `password` is stored as a recognised hash as is (bcrypt written `$2a$`, the
    /// only bcrypt id SFTPGo reads), a lock marker as is, and anything else taken as plain
    /// text and hashed in the preferred scheme. DES crypt counts as plain text: it has no
    /// identifier, SFTPGo does not recognise it, and 13 letters and digits may well be a
    /// password. SFTPGo keeps only its own prefixes and would hash a `$2b$`/`$2y$` hash, or
    /// a lock marker, as plain text; keeping them is passgate's choice (docs/hooks.md).
    fn prepare_password(&self, map: &mut Map<String, Value>) -> Result<(), HookError> {
        let Some(value) = map.get_mut("password") else {
            return Ok(());
        };
        let Value::String(text) = value else {
            return Err(HookError::InvalidAnswer("password is not a string"));
        };
        if text.is_empty() {
            return Ok(());
        }
        match StoredHash::parse(text) {
            Ok(h) if h.scheme() != Scheme::DesCrypt => {
                for id in ["$2b$", "$2y$"] {
                    if let Some(rest) = text.strip_prefix(id) {
                        *text = format!("$2a${rest}");
                    }
                }
                Ok(())
            }
            Err(e) if e.kind() == ParseErrorKind::Disabled || text.starts_with('$') => Ok(()),
            _ => {
                let plain = Zeroizing::new(std::mem::take(text));
                let hash = self
                    .policy
                    .hash(self.policy.preferred, plain.as_bytes())
                    .map_err(|_| HookError::InvalidAnswer("the password cannot be hashed"))?;
                *text = hash;
                Ok(())
            }
        }
    }

    /// Stores the user an external auth hook returned, with the login password (as SFTPGo
    /// does): the answer is a whole user that replaces the stored one (keeping its id,
    /// counters and second factor, as SFTPGo does), and the stored hash is kept when it
    /// still verifies and needs no rehash. Returns the user as stored.
    fn external_user(
        &self,
        req: &LoginRequest<'_>,
        user: Option<User>,
        mut map: Map<String, Value>,
    ) -> Result<User, Step> {
        let target = map
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or(req.username)
            .to_owned();
        let existing = if target == req.username {
            user
        } else {
            match self.store.load(&target) {
                Ok(u) => u,
                Err(e) => return Err(Step::temp_fail(Reason::Store(e), None)),
            }
        };
        let keep = existing
            .as_ref()
            .and_then(User::password)
            .and_then(|h| self.policy.verify_and_update(h, req.password).ok());
        map.remove("id");
        match (keep, existing.as_ref().and_then(User::password)) {
            (Some((_, None)), Some(hash)) => {
                map.insert("password".into(), Value::String(hash.to_owned()));
            }
            (Some((_, Some(new))), _) => {
                map.insert("password".into(), Value::String(new));
            }
            _ => match self.policy.hash(self.policy.preferred, req.password) {
                Ok(h) => {
                    map.insert("password".into(), Value::String(h));
                }
                Err(e) => return Err(Step::temp_fail(Reason::Hash(e), existing)),
            },
        }
        // A whole user, as SFTPGo takes it (DP:4564-4609): it replaces the stored one,
        // keeping only what SFTPGo keeps.
        if let Err(why) = User::check_whole(&map) {
            let reason = Reason::HookFailed(HookName::ExternalAuth, HookError::InvalidAnswer(why));
            return Err(Step::deny(false, reason, existing));
        }
        let stored = self.store.modify(&target, &mut |current| {
            User::replacing(current, map.clone()).ok()
        });
        match stored {
            Ok(Some(u)) => Ok(u),
            Ok(None) => {
                let e = HookError::InvalidAnswer("the user is not valid");
                let reason = Reason::HookFailed(HookName::ExternalAuth, e);
                Err(Step::deny(false, reason, existing))
            }
            Err(e) => Err(Step::temp_fail(Reason::Store(e), existing)),
        }
    }

    /// An empty external auth answer for a stored user, as SFTPGo takes it since 2.6.0
    /// (`checkPasswordAfterEmptyExtAuthResponse`): the hook vouched for the login password,
    /// so a stored hash that does not verify it (or no hash at all) is replaced by its hash
    /// in the preferred scheme; one that verifies it stays, or is rehashed as on any login.
    /// This happens before the login conditions are checked, as in SFTPGo: a disabled user's
    /// hash is replaced too, and the login is denied all the same.
    ///
    /// Returns the user and whether its stored hash was replaced. A store that changed
    /// meanwhile keeps its change (this login goes on with the hash it made); one that
    /// cannot be written is logged, as a rehash that cannot be stored is.
    fn adopt_login_password(&self, password: &[u8], user: User) -> Result<(User, bool), Step> {
        let old = user.password().map(str::to_owned);
        let checked = old.as_deref().map(|stored| {
            if self.rehash {
                self.policy.verify_and_update(stored, password)
            } else {
                self.policy.verify(stored, password).map(|v| (v, None))
            }
        });
        let new = match checked {
            Some(Ok((_, None))) => return Ok((user, false)),
            Some(Ok((_, Some(new)))) => new,
            Some(Err(e @ VerifyError::ResourceExhausted(_))) => {
                return Err(Step::temp_fail(Reason::Verify(e), Some(user)));
            }
            // A mismatch, a refused or malformed hash, or none: SFTPGo stores the new one.
            Some(Err(_)) | None => match self.policy.hash(self.policy.preferred, password) {
                Ok(h) => h,
                Err(e) => return Err(Step::temp_fail(Reason::Hash(e), Some(user))),
            },
        };
        let updated = self.store.modify(user.username(), &mut |current| {
            let current = current.filter(|c| c.password() == old.as_deref())?;
            let mut changed = current.clone();
            changed.set_password(new.clone());
            Some(changed)
        });
        match updated {
            Ok(Some(u)) if u.password() == Some(new.as_str()) => return Ok((u, true)),
            Ok(_) => {}
            Err(e) => log::warn!(target: "passgate::hooks", "new password not stored: {e}"),
        }
        let mut user = user;
        user.set_password(new);
        Ok((user, false))
    }

    /// Starts the post-login notification, if one is configured for this outcome.
    fn notify(&self, req: &LoginRequest<'_>, step: &Step) -> Option<JoinHandle<()>> {
        let success = step.outcome == Outcome::Allow;
        let hook = self.sftpgo.post_login_for(success)?.clone();
        let user = step.user.as_ref().map_or_else(
            || User::new(req.username).into_value(),
            User::to_value_without_password,
        );
        let (ip, protocol, method) = (req.ip.to_owned(), req.protocol, req.method);
        let spawned = std::thread::Builder::new()
            .name("post-login".into())
            .spawn(move || {
                let ctx = LoginContext {
                    ip: &ip,
                    protocol,
                    method,
                };
                if let Err(e) = sftpgo::post_login(&hook, &user, &ctx, success) {
                    let label = hook.label();
                    log::warn!(target: "passgate::hooks", "post-login hook {label} failed: {e}");
                }
            });
        match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                log::warn!(target: "passgate::hooks", "post-login hook not started: {e}");
                None
            }
        }
    }
}

/// A DirectAdmin script set's failure as a reason: a non-zero exit is the script's "deny".
fn da_reason(hook: HookName, run: &ScriptsRun) -> Reason {
    match run.first_error() {
        Some(HookError::Exit(_)) | None => Reason::HookDenied(hook),
        Some(e) => Reason::HookFailed(hook, e.clone()),
    }
}

fn new_session_id() -> Result<String, HashError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| HashError::Rng)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::HashParams;
    use crate::hooks::MemoryStore;
    use serde_json::json;

    /// `openssl passwd -1 -salt saltsalt password`.
    const MD5CRYPT: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

    fn policy() -> Policy {
        Policy {
            preferred: HashParams::Bcrypt { cost: 4 },
            ..Policy::default()
        }
    }

    fn user(v: Value) -> User {
        User::from_value(v).unwrap()
    }

    #[test]
    fn core_path_rehash_and_refusals() {
        let store = MemoryStore::new([
            user(
                json!({"id": 1, "username": "md5", "status": 1, "password": MD5CRYPT, "home_dir": "/h"}),
            ),
            user(json!({"id": 2, "username": "off", "status": 0, "password": MD5CRYPT})),
            user(
                json!({"id": 3, "username": "old", "status": 1, "password": MD5CRYPT,
                "expiration_date": 1000}),
            ),
            user(json!({"id": 4, "username": "nopw", "status": 1})),
        ]);
        let p = Pipeline::new(policy(), store);
        let r = p.login(&LoginRequest::new("md5", b"password"));
        assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, true));
        let stored = p.store().load("md5").unwrap().unwrap();
        assert!(stored.password().unwrap().starts_with("$2a$04$"));
        assert_eq!(stored.fields()["home_dir"], "/h");
        // Second login: the bcrypt hash needs no rehash.
        let r = p.login(&LoginRequest::new("md5", b"password"));
        assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, false));

        let deny = Outcome::Deny {
            counts_as_failure: true,
        };
        let cases = [
            ("md5", &b"wrong"[..], Reason::Verify(VerifyError::Mismatch)),
            ("ghost", b"password", Reason::UnknownUser),
            ("off", b"password", Reason::UserDisabled),
            ("old", b"password", Reason::UserExpired),
            ("nopw", b"password", Reason::NoPassword),
        ];
        for (name, pw, reason) in cases {
            let r = p.login(&LoginRequest::new(name, pw));
            assert_eq!((r.outcome, &r.reason), (deny, &reason), "{name}");
        }
        let r = p.login(&LoginRequest::new("md5", b""));
        assert_eq!(r.reason.name(), "refused");
    }

    /// The dummy verifications one login ran, on this thread.
    fn dummies(p: &Pipeline<MemoryStore>, name: &str, pw: &[u8]) -> (Outcome, u32) {
        let before = crate::policy::dummy_runs();
        let r = p.login(&LoginRequest::new(name, pw));
        (r.outcome, crate::policy::dummy_runs() - before)
    }

    #[test]
    fn every_denial_costs_at_least_a_dummy_verification() {
        let bcrypt = policy().hash(policy().preferred, b"password").unwrap();
        let stronger = Policy {
            preferred: HashParams::Bcrypt { cost: 5 },
            ..policy()
        }
        .hash(HashParams::Bcrypt { cost: 5 }, b"password")
        .unwrap();
        let store = MemoryStore::new([
            user(json!({"username": "md5", "status": 1, "password": MD5CRYPT})),
            user(json!({"username": "bc", "status": 1, "password": bcrypt})),
            user(json!({"username": "bc5", "status": 1, "password": stronger})),
            user(json!({"username": "bad", "status": 1, "password": "$1$salt$short"})),
            user(json!({"username": "locked", "status": 1, "password": "!"})),
        ]);
        let p = Pipeline::new(policy(), store).with_rehash(false);
        let deny = Outcome::Deny {
            counts_as_failure: true,
        };
        // Denials that did less than a full verification at the preferred cost pad with one.
        for name in ["md5", "bad", "locked", "ghost"] {
            assert_eq!(dummies(&p, name, b"wrong"), (deny, 1), "{name}");
        }
        // A full verification at (or above) the preferred cost is enough by itself.
        assert_eq!(dummies(&p, "bc", b"wrong"), (deny, 0));
        assert_eq!(dummies(&p, "bc5", b"wrong"), (deny, 0));
        // The right password is not padded, cheap hash or not.
        assert_eq!(dummies(&p, "md5", b"password"), (Outcome::Allow, 0));
        assert_eq!(dummies(&p, "bc", b"password"), (Outcome::Allow, 0));
        // A cheap hash of another scheme that the policy keeps (no rehash for it) is padded
        // all the same: padding follows the work done, not the rehash settings.
        let keep = Policy {
            rehash_non_preferred: false,
            ..policy()
        };
        let sha = keep
            .hash(HashParams::Sha256Crypt { rounds: Some(1000) }, b"password")
            .unwrap();
        let store = MemoryStore::new([user(
            json!({"username": "sha", "status": 1, "password": sha}),
        )]);
        let p = Pipeline::new(keep, store).with_rehash(false);
        assert_eq!(dummies(&p, "sha", b"wrong"), (deny, 1));
    }

    /// A scratch directory for hook scripts, removed when dropped.
    struct Scripts(std::path::PathBuf);

    impl Scripts {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("passgate-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        /// A program hook running `body` under `/bin/sh`.
        fn hook(&self, name: &str, body: &str) -> crate::hooks::Hook {
            let path = self.0.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            crate::hooks::Hook::program(&path).unwrap()
        }
    }

    impl Drop for Scripts {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_check_password_denial_costs_a_dummy_verification() {
        let dir = Scripts::new("pad");
        let mut hooks = SftpgoHooks::default();
        // Rejected, broken, or an empty part to verify (which the password checks refuse).
        let cases = [
            ("reject.sh", "echo '{\"status\":0}'"),
            ("broken.sh", "exit 3"),
            ("empty.sh", "echo '{\"status\":2,\"to_verify\":\"\"}'"),
        ];
        for (name, body) in cases {
            hooks.check_password = Some(dir.hook(name, body));
            let store = MemoryStore::new([user(
                json!({"username": "md5", "status": 1, "password": MD5CRYPT}),
            )]);
            let p = Pipeline::new(policy(), store).with_sftpgo(hooks.clone());
            let (outcome, n) = dummies(&p, "md5", b"password");
            assert!(matches!(outcome, Outcome::Deny { .. }), "{name}");
            assert_eq!(n, 1, "{name}");
        }
    }

    #[test]
    fn an_empty_external_auth_answer_authenticates_a_stored_user() {
        let dir = Scripts::new("ext-empty");
        let hooks = SftpgoHooks {
            external_auth: Some(dir.hook("empty.sh", "exit 0")),
            ..SftpgoHooks::default()
        };
        let bcrypt = policy().hash(policy().preferred, b"password").unwrap();
        let store = MemoryStore::new([
            user(json!({"id": 1, "username": "bc", "status": 1, "password": bcrypt})),
            user(
                json!({"id": 2, "username": "md5", "status": 1, "password": MD5CRYPT,
                "home_dir": "/h"}),
            ),
            user(json!({"id": 3, "username": "off", "status": 0, "password": MD5CRYPT})),
            user(json!({"id": 4, "username": "nopw", "status": 1})),
        ]);
        let p = Pipeline::new(policy(), store).with_sftpgo(hooks);
        let stored = |name: &str| p.store().load(name).unwrap().unwrap();

        // The stored hash verifies the password: nothing changes.
        let r = p.login(&LoginRequest::new("bc", b"password"));
        assert_eq!(
            (r.outcome, &r.reason, r.rehashed),
            (Outcome::Allow, &Reason::ExternalAuth, false)
        );
        assert_eq!(stored("bc").password(), Some(bcrypt.as_str()));

        // Another password: the hook vouched for it, so its hash replaces the stored one.
        let r = p.login(&LoginRequest::new("bc", b"another one"));
        assert_eq!(
            (r.outcome, &r.reason, r.rehashed),
            (Outcome::Allow, &Reason::ExternalAuth, true)
        );
        let new = stored("bc").password().unwrap().to_owned();
        assert!(new.starts_with("$2a$04$"), "{new}");
        assert!(p.policy().verify(&new, b"another one").is_ok());
        assert_eq!(
            p.policy().verify(&new, b"password").unwrap_err(),
            VerifyError::Mismatch
        );

        // A legacy hash that verifies is rehashed, as on any login; other fields stay.
        let r = p.login(&LoginRequest::new("md5", b"password"));
        assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, true));
        let md5 = stored("md5");
        assert!(
            p.policy()
                .verify(md5.password().unwrap(), b"password")
                .is_ok()
        );
        assert_eq!((md5.id(), &md5.fields()["home_dir"]), (2, &json!("/h")));

        // A user without a password gets one.
        let r = p.login(&LoginRequest::new("nopw", b"first"));
        assert_eq!(r.outcome, Outcome::Allow);
        assert!(
            p.policy()
                .verify(stored("nopw").password().unwrap(), b"first")
                .is_ok()
        );

        // A disabled user is denied, after its hash was replaced (SFTPGo's order).
        let deny = Outcome::Deny {
            counts_as_failure: true,
        };
        let (outcome, n) = dummies(&p, "off", b"other");
        assert_eq!((outcome, n), (deny, 1));
        assert!(
            p.policy()
                .verify(stored("off").password().unwrap(), b"other")
                .is_ok()
        );

        // An unknown user is denied after a dummy verification, and not created.
        assert_eq!(dummies(&p, "ghost", b"password"), (deny, 1));
        let r = p.login(&LoginRequest::new("ghost", b"password"));
        assert_eq!(r.reason, Reason::UnknownUser);
        assert!(p.store().load("ghost").unwrap().is_none());
    }

    /// Check-password's verdict by the password's first word: `accept` 1, `reject` 0, `same`
    /// 2 with the whole password, `part` 2 with "part"; anything else fails (exit 3).
    const CHECK: &str = r#"case "$SFTPGO_AUTHD_PASSWORD" in
accept*) echo '{"status":1}' ;;
reject*) echo '{"status":0}' ;;
same*) printf '{"status":2,"to_verify":"%s"}' "$SFTPGO_AUTHD_PASSWORD" ;;
part*) echo '{"status":2,"to_verify":"part"}' ;;
*) exit 3 ;;
esac"#;

    #[test]
    fn check_password_runs_after_external_auth() {
        let dir = Scripts::new("ext-check");
        // A user JSON for "json" (check-password turned off for "json-nocheck"), empty for
        // the others.
        let ext = r#"case "$SFTPGO_AUTHD_USERNAME" in
json) echo '{"username":"json","status":1,"home_dir":"/j","permissions":{"/":["*"]}}' ;;
json-nocheck) echo '{"username":"json-nocheck","status":1,"home_dir":"/j","permissions":{"/":["*"]},"filters":{"hooks":{"check_password_disabled":true}}}' ;;
esac"#;
        let hooks = SftpgoHooks {
            external_auth: Some(dir.hook("ext.sh", ext)),
            check_password: Some(dir.hook("check.sh", CHECK)),
            ..SftpgoHooks::default()
        };
        let x = policy().hash(policy().preferred, b"x").unwrap();
        let stored = user(json!({"username": "u", "status": 1, "password": x}));
        let fresh = || {
            Pipeline::new(policy(), MemoryStore::new([stored.clone()])).with_sftpgo(hooks.clone())
        };
        let deny = |counts_as_failure| Outcome::Deny { counts_as_failure };
        let hook_denied = Reason::HookDenied(HookName::CheckPassword);
        let mismatch = Reason::Verify(VerifyError::Mismatch);
        let cases = [
            // Empty answer: the login password's hash is stored first, whatever follows.
            ("u", "accept-1", Outcome::Allow, Reason::CheckPassword),
            ("u", "reject-1", deny(true), hook_denied.clone()),
            ("u", "same-1", Outcome::Allow, Reason::Verified),
            // "part" is checked against the hash of the whole password just stored.
            ("u", "part-1", deny(true), mismatch.clone()),
            // A user JSON: created with the login password, then the same.
            ("json", "accept-2", Outcome::Allow, Reason::CheckPassword),
            ("json", "reject-2", deny(true), hook_denied),
            ("json", "same-2", Outcome::Allow, Reason::Verified),
            ("json", "part-2", deny(true), mismatch),
            // The answer's own filters turn check-password off for its user.
            (
                "json-nocheck",
                "reject-3",
                Outcome::Allow,
                Reason::ExternalAuth,
            ),
        ];
        for (name, pw, outcome, reason) in cases {
            let p = fresh();
            let r = p.login(&LoginRequest::new(name, pw.as_bytes()));
            assert_eq!((r.outcome, &r.reason), (outcome, &reason), "{name} {pw}");
            let hash = p.store().load(name).unwrap().unwrap();
            assert!(
                p.policy()
                    .verify(hash.password().unwrap(), pw.as_bytes())
                    .is_ok()
            );
            // The stored hash was replaced for "u" (it verified "x" only).
            assert_eq!(r.rehashed, name == "u", "{name} {pw}");
        }
        // A broken check-password hook denies, uncounted, after a dummy verification.
        let p = fresh();
        let r = p.login(&LoginRequest::new("u", b"broken"));
        assert_eq!(r.outcome, deny(false));
        assert!(matches!(
            r.reason,
            Reason::HookFailed(HookName::CheckPassword, HookError::Exit(3))
        ));
        // Every denial after external auth costs a dummy verification.
        for pw in [&b"reject-4"[..], b"broken"] {
            assert_eq!(dummies(&fresh(), "u", pw).1, 1);
        }
    }

    #[test]
    fn check_password_runs_after_pre_login() {
        let dir = Scripts::new("pre-check");
        let hooks = SftpgoHooks {
            pre_login: Some(dir.hook(
                "pre.sh",
                r#"echo '{"username":"u","status":1,"home_dir":"/u","permissions":{"/":["*"]},"password":"part"}'"#,
            )),
            check_password: Some(dir.hook("check.sh", CHECK)),
            ..SftpgoHooks::default()
        };
        let p = Pipeline::new(policy(), MemoryStore::default()).with_sftpgo(hooks);
        let deny = Outcome::Deny {
            counts_as_failure: true,
        };
        for (pw, outcome, reason) in [
            ("part-123456", Outcome::Allow, Reason::Verified),
            ("accept", Outcome::Allow, Reason::CheckPassword),
            ("reject", deny, Reason::HookDenied(HookName::CheckPassword)),
            ("same", deny, Reason::Verify(VerifyError::Mismatch)),
        ] {
            let r = p.login(&LoginRequest::new("u", pw.as_bytes()));
            assert_eq!((r.outcome, &r.reason), (outcome, &reason), "{pw}");
        }
    }

    #[test]
    fn a_pre_login_answer_is_a_whole_user() {
        let dir = Scripts::new("pre-whole");
        let whole = r#"{"username":"u","status":1,"home_dir":"/new","permissions":{"/":["*"]}}"#;
        let stored = || {
            MemoryStore::new([user(json!({"id": 4, "username": "u", "status": 1,
                "password": MD5CRYPT, "home_dir": "/old", "permissions": {"/": ["*"]},
                "description": "stored", "last_login": 42}))])
        };
        let pipeline = |answer: &str| {
            let hooks = SftpgoHooks {
                pre_login: Some(dir.hook("pre.sh", &format!("echo '{answer}'"))),
                ..SftpgoHooks::default()
            };
            Pipeline::new(policy(), stored()).with_sftpgo(hooks)
        };
        let failed = Outcome::Deny {
            counts_as_failure: false,
        };
        // Answers SFTPGo's validation refuses: denied, and the stored user stays as it was.
        for partial in [
            r#"{"status":0}"#,
            r#"{"username":"u","status":1}"#,
            r#"{"username":"u","status":1,"home_dir":"/h"}"#,
            r#"{"username":"u","status":1,"permissions":{"/":["*"]}}"#,
            r#"{"username":"u","status":1,"home_dir":"h","permissions":{"/":["*"]}}"#,
            r#"{"username":"u","status":2,"home_dir":"/h","permissions":{"/":["*"]}}"#,
            r#"{"username":"v","status":1,"home_dir":"/h","permissions":{"/":["*"]}}"#,
        ] {
            let p = pipeline(partial);
            let r = p.login(&LoginRequest::new("u", b"password"));
            assert_eq!(r.outcome, failed, "{partial}");
            assert!(
                matches!(
                    r.reason,
                    Reason::HookFailed(HookName::PreLogin, HookError::InvalidAnswer(_))
                ),
                "{partial}"
            );
            assert_eq!(
                p.store().load("u").unwrap(),
                stored().load("u").unwrap(),
                "{partial}"
            );
        }
        // A whole user replaces the stored one: its password and description are gone (so
        // the login is refused), its id and last login stay.
        let p = pipeline(whole);
        let r = p.login(&LoginRequest::new("u", b"password"));
        assert_eq!(
            (r.outcome, &r.reason),
            (
                Outcome::Deny {
                    counts_as_failure: true
                },
                &Reason::NoPassword
            )
        );
        assert_eq!(
            p.store().load("u").unwrap().unwrap().into_value(),
            json!({"id": 4, "username": "u", "status": 1, "home_dir": "/new",
                "permissions": {"/": ["*"]}, "last_login": 42})
        );
        // With a password and status 0: stored, and the login refused for the status.
        let p = pipeline(&whole.replace(r#""status":1"#, r#""status":0,"password":"pw""#));
        let r = p.login(&LoginRequest::new("u", b"pw"));
        assert_eq!(r.reason, Reason::UserDisabled);
        let u = p.store().load("u").unwrap().unwrap();
        assert!(p.policy().verify(u.password().unwrap(), b"pw").is_ok());
        // A new user is created from a whole user only.
        let p = pipeline(&whole.replace(r#""u""#, r#""new""#));
        let r = p.login(&LoginRequest::new("new", b"x"));
        assert_eq!(r.reason, Reason::NoPassword);
        assert_eq!(p.store().load("new").unwrap().unwrap().id(), 5);
        let p = pipeline(r#"{"username":"new","status":1}"#);
        assert_eq!(p.login(&LoginRequest::new("new", b"x")).outcome, failed);
        assert!(p.store().load("new").unwrap().is_none());
    }

    #[test]
    fn per_user_hook_filters_turn_hooks_off() {
        let dir = Scripts::new("filters");
        let refuse_all = SftpgoHooks {
            external_auth: Some(dir.hook("ext.sh", r#"echo '{"username":""}'"#)),
            pre_login: Some(dir.hook("pre.sh", "exit 3")),
            check_password: Some(dir.hook("check.sh", r#"echo '{"status":0}'"#)),
            ..SftpgoHooks::default()
        };
        let off = |hooks: Value| {
            user(json!({"username": "off", "status": 1, "password": MD5CRYPT,
                "filters": {"hooks": hooks}}))
        };
        let users = || {
            MemoryStore::new([
                off(
                    json!({"external_auth_disabled": true, "pre_login_disabled": true,
                    "check_password_disabled": true}),
                ),
                user(json!({"username": "on", "status": 1, "password": MD5CRYPT})),
            ])
        };
        let deny = |counts_as_failure| Outcome::Deny { counts_as_failure };
        // External auth and check-password: both skipped for "off", whose stored hash decides.
        let p = Pipeline::new(policy(), users()).with_sftpgo(refuse_all.clone());
        let r = p.login(&LoginRequest::new("off", b"password"));
        assert_eq!((r.outcome, &r.reason), (Outcome::Allow, &Reason::Verified));
        let r = p.login(&LoginRequest::new("off", b"wrong"));
        assert_eq!(r.reason, Reason::Verify(VerifyError::Mismatch));
        let r = p.login(&LoginRequest::new("on", b"password"));
        assert_eq!(
            (r.outcome, &r.reason),
            (deny(true), &Reason::HookDenied(HookName::ExternalAuth))
        );
        // Pre-login (external auth not configured): skipped for "off" only.
        let pre_and_check = SftpgoHooks {
            external_auth: None,
            ..refuse_all.clone()
        };
        let p = Pipeline::new(policy(), users()).with_sftpgo(pre_and_check);
        assert_eq!(
            p.login(&LoginRequest::new("off", b"password")).outcome,
            Outcome::Allow
        );
        let r = p.login(&LoginRequest::new("on", b"password"));
        assert_eq!(r.outcome, deny(false));
        assert!(matches!(
            r.reason,
            Reason::HookFailed(HookName::PreLogin, _)
        ));
        // Each filter turns off its own hook only.
        let only_check = SftpgoHooks {
            check_password: refuse_all.check_password.clone(),
            ..SftpgoHooks::default()
        };
        let store = MemoryStore::new([
            off(json!({"check_password_disabled": true})),
            user(
                json!({"username": "other", "status": 1, "password": MD5CRYPT,
                "filters": {"hooks": {"external_auth_disabled": true, "pre_login_disabled": true}}}),
            ),
        ]);
        let p = Pipeline::new(policy(), store).with_sftpgo(only_check);
        assert_eq!(
            p.login(&LoginRequest::new("off", b"password")).outcome,
            Outcome::Allow
        );
        let r = p.login(&LoginRequest::new("other", b"password"));
        assert_eq!(
            (r.outcome, &r.reason),
            (deny(true), &Reason::HookDenied(HookName::CheckPassword))
        );
    }

    /// A store whose users' hash another writer changes between a login's read and its write.
    struct Racing {
        inner: MemoryStore,
        theirs: String,
    }

    impl UserStore for Racing {
        fn load(&self, username: &str) -> Result<Option<User>, crate::hooks::StoreError> {
            self.inner.load(username)
        }

        fn modify(
            &self,
            username: &str,
            change: &mut dyn FnMut(Option<&User>) -> Option<User>,
        ) -> Result<Option<User>, crate::hooks::StoreError> {
            self.inner.modify(username, &mut |current| {
                let mut u = current?.clone();
                u.set_password(self.theirs.clone());
                Some(u)
            })?;
            self.inner.modify(username, change)
        }
    }

    #[test]
    fn an_empty_answer_keeps_a_change_made_meanwhile() {
        let dir = Scripts::new("ext-race");
        let hooks = SftpgoHooks {
            external_auth: Some(dir.hook("empty.sh", "exit 0")),
            ..SftpgoHooks::default()
        };
        let theirs = policy().hash(policy().preferred, b"theirs").unwrap();
        let store = Racing {
            inner: MemoryStore::new([user(
                json!({"username": "md5", "status": 1, "password": MD5CRYPT}),
            )]),
            theirs: theirs.clone(),
        };
        let p = Pipeline::new(policy(), store).with_sftpgo(hooks);
        // The hook vouched for the password: the login goes on, the other writer's hash stays.
        let r = p.login(&LoginRequest::new("md5", b"mine"));
        assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, false));
        assert_eq!(
            p.store().load("md5").unwrap().unwrap().password(),
            Some(theirs.as_str())
        );
    }

    #[test]
    fn no_rehash_when_turned_off() {
        let store = MemoryStore::new([user(
            json!({"username": "md5", "status": 1, "password": MD5CRYPT}),
        )]);
        let p = Pipeline::new(policy(), store).with_rehash(false);
        let r = p.login(&LoginRequest::new("md5", b"password"));
        assert_eq!((r.outcome, r.rehashed), (Outcome::Allow, false));
        assert_eq!(
            p.store().load("md5").unwrap().unwrap().password(),
            Some(MD5CRYPT)
        );
    }

    #[test]
    fn hook_passwords_are_stored_hashed_or_as_recognised() {
        let p = Pipeline::new(policy(), MemoryStore::default());
        let mut m = Map::new();
        let check = |p: &Pipeline<MemoryStore>, m: &mut Map<String, Value>, pw: &str| {
            m.insert("password".into(), json!(pw));
            p.prepare_password(m).unwrap();
            m["password"].as_str().unwrap().to_owned()
        };
        let plain = check(&p, &mut m, "plain text");
        assert!(plain.starts_with("$2a$04$"));
        assert!(p.policy().verify(&plain, b"plain text").is_ok());
        let y = "$2y$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
        let a = check(&p, &mut m, y);
        assert_eq!(&a[..4], "$2a$");
        assert_eq!(&a[4..], &y[4..]);
        assert_eq!(check(&p, &mut m, MD5CRYPT), MD5CRYPT);
        assert_eq!(check(&p, &mut m, "!"), "!");
        assert_eq!(check(&p, &mut m, "$2a$99$bad"), "$2a$99$bad");
        for des_shaped in ["abJnggxhB/yWI", "abJnggxhB/yWJ"] {
            let stored = check(&p, &mut m, des_shaped);
            assert!(stored.starts_with("$2a$04$"), "{des_shaped}");
            assert!(p.policy().verify(&stored, des_shaped.as_bytes()).is_ok());
        }
        m.insert("password".into(), json!(5));
        assert!(p.prepare_password(&mut m).is_err());
    }
}
