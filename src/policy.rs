//! Limits against denial of service, legacy detection, rehash-on-login and dummy verification.
//! Every limit is checked before any hashing; inputs beyond a limit are refused, never clamped.

#![forbid(unsafe_code)]

use crate::custom::{CustomScheme, CustomSchemes, RegistrationError};
use crate::error::{HashError, ParseError, ParseErrorKind, PolicyError, VerifyError};
use crate::generate::HashParams;
use crate::scheme::Scheme;
use crate::scheme::shacrypt::{self, ShaCryptHash, ShaCryptVariant};
use crate::scheme::yescrypt::YescryptHash;
use crate::stored::StoredHash;

/// The outcome of a successful verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The scheme of the stored hash.
    pub scheme: Scheme,
    /// The hash should be replaced: a legacy scheme, a cost below the policy's target, or not
    /// the preferred scheme.
    pub needs_rehash: bool,
    /// The scheme read only the first
    /// [`significant_password_bytes`](Scheme::significant_password_bytes) of a longer
    /// password (bcrypt 72, DES crypt 8): the rest did not count.
    pub truncated: bool,
}

/// Verification limits, the schemes allowed, the minimum costs, the preferred scheme for new
/// hashes and the caller's own schemes: passlib's `CryptContext` for passgate.
///
/// Build one with [`Policy::builder`] (or from configuration with the `serde` feature):
///
/// ```
/// use passgate::{HashParams, Policy, Scheme};
///
/// // SFTPGo's documented example: "secret" at cost 14.
/// let stored = "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK";
/// let policy = Policy::builder().max_bcrypt_cost(12).build()?;
/// let err = policy.verify(stored, b"secret").unwrap_err();
/// assert_eq!(err.name(), "CostTooHigh");
///
/// // Refuse SFTPGo's unsalted {MD5} but keep md5crypt; bcrypt below cost 12 needs a rehash.
/// let policy = Policy::builder()
///     .deny(Scheme::SftpgoMd5)
///     .min_bcrypt_cost(12)
///     .rehash_non_preferred(false)
///     .preferred(HashParams::Argon2id { m: 19_456, t: 2, p: 1 })
///     .build()?;
/// assert_eq!(policy.verify("{MD5}5f4dcc3b5aa765d61d8327deb882cf99", b"password")
///     .unwrap_err().name(), "SchemeNotAllowed");
/// assert!(policy.verify("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", b"password").is_ok());
/// assert!(policy.needs_rehash("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"));
/// # Ok::<(), passgate::BuildError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Longest password in bytes, 1024 by default: sha-crypt's cost grows with the square of
    /// the password length, and OpenSSH and ProFTPD stop at 1024 too.
    pub max_password_len: usize,
    /// Highest bcrypt cost verified, 16 by default (cost 31 takes about 40 hours).
    pub max_bcrypt_cost: u32,
    /// Most sha-crypt rounds verified, 10 000 000 by default (the format allows 999 999 999).
    pub max_shacrypt_rounds: u32,
    /// Most sha-crypt work verified, in compression-function calls (rounds × the blocks of the
    /// longest round, see [`ShaCryptHash::work`](crate::scheme::shacrypt::ShaCryptHash::work)):
    /// 20 000 000 by default, which admits 10 000 000 rounds with passwords up to 79 bytes
    /// (sha512crypt) or 35 bytes (sha256crypt), and refuses a 1024-byte password above about
    /// 1 000 000 rounds (tens of seconds at 10 000 000).
    pub max_shacrypt_work: u64,
    /// Most PBKDF2 work (iterations × output blocks) verified, 10 000 000 by default.
    pub max_pbkdf2_work: u64,
    /// Most Argon2 memory verified, in KiB: 262 144 (256 MiB) by default, above RFC 9106's
    /// second recommendation (64 MiB) and OWASP's (19–46 MiB).
    pub max_argon2_memory_kib: u32,
    /// Most Argon2 passes verified, 10 by default (the recommendations use 1–5).
    pub max_argon2_time: u32,
    /// Most Argon2 lanes verified, 16 by default (the recommendations use 1–4; the lanes run
    /// one after another here).
    pub max_argon2_lanes: u32,
    /// Most yescrypt memory (128·N·r bytes) verified, in KiB: 262 144 (256 MiB) by default,
    /// which admits libxcrypt's costs 1–9 (its default, 5, uses 16 MiB) and refuses 10–11.
    /// The same cap bounds the other buffers ([`YescryptHash::buffers_kib`]: 128·r·p + 256·r
    /// bytes and the S-boxes), so one verification needs at most about twice the cap.
    pub max_yescrypt_memory_kib: u64,
    /// Highest yescrypt `t` verified, 10 by default (`crypt_gensalt` always writes 0; each step
    /// above 1 adds about N·r more block mixes).
    pub max_yescrypt_time: u32,
    /// Highest yescrypt `p` verified, 16 by default (`crypt_gensalt` writes 1; the blocks run
    /// one after another here).
    pub max_yescrypt_parallelism: u32,
    /// Whether legacy schemes (md5crypt, apr1, pbkdf2-sha1, passlib's `$pbkdf2$`, the unsalted
    /// `{MD5}`, `{SHA256}`, `{SHA512}` and `{SHA}` digests, DES crypt) verify at all. They
    /// always need a rehash when they do.
    pub allow_legacy: bool,
    /// The scheme and parameters of new hashes, and the target below which a hash needs a
    /// rehash. bcrypt cost 12 by default, written as `$2a$`.
    pub preferred: HashParams,
    /// Schemes refused whatever the other settings say ([`PolicyError::SchemeNotAllowed`]).
    /// Empty by default.
    pub denied: Vec<Scheme>,
    /// When set, the only schemes that verify; `None` (the default) allows every scheme.
    pub allowed: Option<Vec<Scheme>>,
    /// Whether a hash of another scheme than the preferred one needs a rehash (`true` by
    /// default). With `false`, as in passlib's `CryptContext`, only a legacy scheme, a cost
    /// below the minimums or the preferred scheme's own target, or a refused hash does.
    pub rehash_non_preferred: bool,
    /// bcrypt hashes below this cost need a rehash (0, no minimum, by default).
    pub min_bcrypt_cost: u32,
    /// sha-crypt hashes below these rounds need a rehash (0 by default).
    pub min_shacrypt_rounds: u32,
    /// PBKDF2 hashes (SFTPGo's and passlib's) below these iterations need a rehash (0 by
    /// default).
    pub min_pbkdf2_iterations: u32,
    /// Argon2 hashes below this memory in KiB need a rehash (0 by default).
    pub min_argon2_memory_kib: u32,
    /// Argon2 hashes below these passes need a rehash (0 by default).
    pub min_argon2_time: u32,
    /// yescrypt hashes below this memory in KiB need a rehash (0 by default).
    pub min_yescrypt_memory_kib: u64,
    /// Most work verified for a custom scheme, in the unit of its
    /// [`CustomScheme::work`]: 10 000 000 by default.
    pub max_custom_work: u64,
    /// The caller's own schemes, asked about strings no built-in scheme claims.
    pub(crate) custom: CustomSchemes,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_password_len: 1024,
            max_bcrypt_cost: 16,
            max_shacrypt_rounds: 10_000_000,
            max_shacrypt_work: 20_000_000,
            max_pbkdf2_work: 10_000_000,
            max_argon2_memory_kib: 262_144,
            max_argon2_time: 10,
            max_argon2_lanes: 16,
            max_yescrypt_memory_kib: 262_144,
            max_yescrypt_time: 10,
            max_yescrypt_parallelism: 16,
            allow_legacy: true,
            preferred: HashParams::Bcrypt { cost: 12 },
            denied: Vec::new(),
            allowed: None,
            rehash_non_preferred: true,
            min_bcrypt_cost: 0,
            min_shacrypt_rounds: 0,
            min_pbkdf2_iterations: 0,
            min_argon2_memory_kib: 0,
            min_argon2_time: 0,
            min_yescrypt_memory_kib: 0,
            max_custom_work: 10_000_000,
            custom: CustomSchemes::default(),
        }
    }
}

impl Policy {
    /// The default limits, refusing legacy schemes.
    pub fn strict() -> Self {
        Self {
            allow_legacy: false,
            ..Self::default()
        }
    }

    /// Checks a password before any hashing: not empty, no NUL (C `crypt()` would stop
    /// there), not longer than the limit.
    pub fn check_password(&self, password: &[u8]) -> Result<(), PolicyError> {
        if password.is_empty() {
            Err(PolicyError::EmptyPassword)
        } else if password.len() > self.max_password_len {
            Err(PolicyError::PasswordTooLong {
                len: password.len(),
                max: self.max_password_len,
            })
        } else if password.contains(&0) {
            Err(PolicyError::NulInPassword)
        } else {
            Ok(())
        }
    }

    /// Checks a parsed hash's scheme and work factor against the limits.
    pub fn check_hash(&self, hash: &StoredHash) -> Result<(), PolicyError> {
        self.check_scheme(hash.scheme())?;
        match hash {
            StoredHash::Bcrypt(h) => self.check_bcrypt_cost(h.cost()),
            StoredHash::ShaCrypt(h) => self.check_shacrypt_rounds(h.rounds()),
            StoredHash::Pbkdf2(h) => Self::check_work(h.work(), self.max_pbkdf2_work),
            StoredHash::PasslibPbkdf2(h) => Self::check_work(h.work(), self.max_pbkdf2_work),
            StoredHash::Argon2(h) => self.check_argon2(h.m(), h.t(), h.p()),
            StoredHash::Yescrypt(h) => self.check_yescrypt(h),
            StoredHash::Md5Crypt(_) | StoredHash::Digest(_) | StoredHash::DesCrypt(_) => Ok(()),
        }
    }

    fn check_scheme(&self, scheme: Scheme) -> Result<(), PolicyError> {
        self.check_scheme_as(scheme, scheme.is_legacy())
    }

    /// The allow and deny lists, then the legacy rule (`legacy` as the scheme says).
    fn check_scheme_as(&self, scheme: Scheme, legacy: bool) -> Result<(), PolicyError> {
        let listed = self.allowed.as_ref().is_none_or(|a| a.contains(&scheme));
        if !listed || self.denied.contains(&scheme) {
            Err(PolicyError::SchemeNotAllowed { scheme })
        } else if legacy && !self.allow_legacy {
            Err(PolicyError::LegacyScheme { scheme })
        } else {
            Ok(())
        }
    }

    fn check_bcrypt_cost(&self, cost: u32) -> Result<(), PolicyError> {
        match cost {
            c if c > self.max_bcrypt_cost => Err(PolicyError::CostTooHigh {
                cost: c,
                max: self.max_bcrypt_cost,
            }),
            _ => Ok(()),
        }
    }

    fn check_shacrypt_rounds(&self, rounds: u32) -> Result<(), PolicyError> {
        match rounds {
            r if r > self.max_shacrypt_rounds => Err(PolicyError::RoundsTooHigh {
                rounds: r,
                max: self.max_shacrypt_rounds,
            }),
            _ => Ok(()),
        }
    }

    fn check_argon2(&self, m: u32, t: u32, p: u32) -> Result<(), PolicyError> {
        for (param, value, max) in [
            ("m", m, self.max_argon2_memory_kib),
            ("t", t, self.max_argon2_time),
            ("p", p, self.max_argon2_lanes),
        ] {
            if value > max {
                return Err(PolicyError::Argon2CostTooHigh { param, value, max });
            }
        }
        Ok(())
    }

    fn check_yescrypt(&self, h: &YescryptHash) -> Result<(), PolicyError> {
        for (param, value, max) in [
            ("memory_kib", h.memory_kib(), self.max_yescrypt_memory_kib),
            ("buffers_kib", h.buffers_kib(), self.max_yescrypt_memory_kib),
            ("t", u64::from(h.t()), u64::from(self.max_yescrypt_time)),
            (
                "p",
                u64::from(h.p()),
                u64::from(self.max_yescrypt_parallelism),
            ),
        ] {
            if value > max {
                return Err(PolicyError::YescryptCostTooHigh { param, value, max });
            }
        }
        Ok(())
    }

    /// PBKDF2's and sha-crypt's work against their own limit.
    fn check_work(work: u64, max: u64) -> Result<(), PolicyError> {
        match work {
            w if w > max => Err(PolicyError::WorkTooHigh { work: w, max }),
            _ => Ok(()),
        }
    }

    /// Checks parameters for a new hash against the limits, so that what this policy hashes
    /// it will also verify.
    pub fn check_params(&self, params: HashParams) -> Result<(), HashError> {
        params.validate()?;
        self.check_scheme(params.scheme())?;
        match params {
            HashParams::Bcrypt { cost } => self.check_bcrypt_cost(cost)?,
            HashParams::Sha256Crypt { rounds } | HashParams::Sha512Crypt { rounds } => {
                self.check_shacrypt_rounds(rounds.unwrap_or(5000))?;
            }
            HashParams::Pbkdf2 { iterations, .. } => {
                Self::check_work(u64::from(iterations), self.max_pbkdf2_work)?;
            }
            HashParams::Argon2id { m, t, p } => self.check_argon2(m, t, p)?,
        }
        Ok(())
    }

    /// Verifies `password` against the stored string: password checks, strict parsing,
    /// limits, then the recomputed digest compared in constant time.
    ///
    /// `Ok` only when the whole digest matched. A wrong password is
    /// [`VerifyError::Mismatch`]; a lock marker is [`VerifyError::Disabled`]. When the
    /// machine cannot supply an Argon2 or yescrypt hash's working memory, the answer is
    /// [`VerifyError::ResourceExhausted`]: no verdict, never a mismatch.
    pub fn verify(&self, stored: &str, password: &[u8]) -> Result<Verified, VerifyError> {
        let admitted = self.admit(stored, password)?;
        self.complete(&admitted, stored, password)
    }

    /// [`verify`](Self::verify) up to the digest: the password checks, parsing and the
    /// limits. What it returns is either computed by [`complete`](Self::complete), or, for a
    /// built-in hash, by the caller and judged by [`verdict`](Self::verdict) (batches do so).
    pub(crate) fn admit<'p>(
        &'p self,
        stored: &str,
        password: &[u8],
    ) -> Result<Admitted<'p>, VerifyError> {
        // Before dispatch: sha-crypt's cost grows with the square of the password length.
        self.check_password(password)?;
        match StoredHash::parse(stored) {
            Ok(hash) => {
                self.admit_hash(&hash, password)?;
                Ok(Admitted::Hash(hash))
            }
            Err(e) => match self.custom_for(&e, stored) {
                Some(custom) => Ok(Admitted::Custom(custom)),
                None => Err(e.into()),
            },
        }
    }

    /// The rest of [`verify`](Self::verify) after [`admit`](Self::admit).
    pub(crate) fn complete(
        &self,
        admitted: &Admitted<'_>,
        stored: &str,
        password: &[u8],
    ) -> Result<Verified, VerifyError> {
        match admitted {
            Admitted::Hash(hash) => self.complete_hash(hash, password),
            Admitted::Custom(custom) => self.verify_custom(*custom, stored, password),
        }
    }

    /// The custom scheme for a string no built-in scheme claims (`UnknownScheme`).
    fn custom_for(&self, e: &ParseError, stored: &str) -> Option<&dyn CustomScheme> {
        if e.kind() != ParseErrorKind::UnknownScheme || self.custom.is_empty() {
            return None;
        }
        self.custom.find(stored)
    }

    /// The policy path for a custom scheme: its lists and legacy rule, its work limit, then
    /// its verify. Its hashes always need a rehash: they are never the preferred scheme.
    fn verify_custom(
        &self,
        custom: &dyn CustomScheme,
        stored: &str,
        password: &[u8],
    ) -> Result<Verified, VerifyError> {
        let scheme = Scheme::Custom(custom.name());
        self.check_scheme_as(scheme, custom.is_legacy())?;
        if let Some(work) = custom.work(stored) {
            Self::check_work(work, self.max_custom_work)?;
        }
        match custom.verify(stored, password) {
            Ok(true) => Ok(Verified {
                scheme,
                needs_rehash: true,
                truncated: false,
            }),
            Ok(false) => Err(VerifyError::Mismatch),
            Err(kind) => Err(ParseError::in_scheme(scheme, kind).into()),
        }
    }

    /// Registers a scheme of the caller's own (see [`CustomScheme`]).
    ///
    /// # Errors
    /// A name or prefix that a built-in scheme or an earlier custom one has.
    pub fn with_scheme(mut self, scheme: impl CustomScheme) -> Result<Self, RegistrationError> {
        self.custom.register(std::sync::Arc::new(scheme))?;
        Ok(self)
    }

    /// The scheme of a well-formed stored string, the policy's custom schemes included,
    /// without verifying anything; `None` for a malformed or unknown string or a lock
    /// marker. The free function [`identify`](crate::identify) knows the built-in schemes
    /// only.
    pub fn identify(&self, stored: &str) -> Option<Scheme> {
        match StoredHash::parse(stored) {
            Ok(hash) => Some(hash.scheme()),
            Err(e) => self
                .custom_for(&e, stored)
                .map(|c| Scheme::Custom(c.name())),
        }
    }

    /// A new hash of `password` in the [preferred](Self::preferred) scheme:
    /// [`hash`](Self::hash) with the preferred parameters.
    pub fn hash_preferred(&self, password: &[u8]) -> Result<String, HashError> {
        self.hash(self.preferred, password)
    }

    /// [`verify`](Self::verify) for a hash parsed earlier.
    pub fn verify_hash(&self, hash: &StoredHash, password: &[u8]) -> Result<Verified, VerifyError> {
        self.check_password(password)?;
        self.admit_hash(hash, password)?;
        self.complete_hash(hash, password)
    }

    /// The digest of an admitted built-in hash, and the answer.
    fn complete_hash(&self, hash: &StoredHash, password: &[u8]) -> Result<Verified, VerifyError> {
        let matched = hash.matches(password)?;
        self.verdict(hash, password, matched)
    }

    /// The limits on a parsed hash, with the password's length where the work depends on it.
    fn admit_hash(&self, hash: &StoredHash, password: &[u8]) -> Result<(), VerifyError> {
        self.check_hash(hash)?;
        if let StoredHash::ShaCrypt(h) = hash {
            Self::check_work(h.work(password.len()), self.max_shacrypt_work)?;
        }
        Ok(())
    }

    /// The answer for an admitted hash whose digest did (`matched`) or did not match.
    pub(crate) fn verdict(
        &self,
        hash: &StoredHash,
        password: &[u8],
        matched: bool,
    ) -> Result<Verified, VerifyError> {
        if !matched {
            return Err(VerifyError::Mismatch);
        }
        let scheme = hash.scheme();
        Ok(Verified {
            scheme,
            needs_rehash: self.parsed_needs_rehash(hash),
            truncated: scheme
                .significant_password_bytes()
                .is_some_and(|n| password.len() > n),
        })
    }

    /// Whether a hash should be replaced on the next successful login: a legacy scheme, a
    /// cost below the policy's minimums or the preferred one, not the preferred scheme
    /// (unless [`rehash_non_preferred`](Self::rehash_non_preferred) is off), a custom scheme,
    /// or a hash this policy refuses (it can never verify here, so it must be replaced
    /// however that happens). Takes a [`StoredHash`] or the stored string itself; a string
    /// that does not parse needs a rehash.
    ///
    /// ```
    /// let policy = passgate::Policy::default();
    /// assert!(policy.needs_rehash("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"));
    /// assert!(!policy.needs_rehash("$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
    /// ```
    pub fn needs_rehash<H: StoredInput + ?Sized>(&self, hash: &H) -> bool {
        match hash.stored() {
            Ok(hash) => self.parsed_needs_rehash(&hash),
            Err(_) => true,
        }
    }

    fn parsed_needs_rehash(&self, hash: &StoredHash) -> bool {
        let scheme = hash.scheme();
        if scheme.is_legacy() || self.check_hash(hash).is_err() || self.below_minimum(hash) {
            return true;
        }
        if scheme != self.preferred.scheme() {
            return self.rehash_non_preferred;
        }
        !self.at_preferred_cost(hash)
    }

    /// Whether a hash is in the preferred scheme at or above its parameters, so that
    /// verifying it costs at least what [`dummy_verify`](Self::dummy_verify) costs.
    fn at_preferred_cost(&self, hash: &StoredHash) -> bool {
        if hash.scheme() != self.preferred.scheme() {
            return false;
        }
        match (hash, self.preferred) {
            (StoredHash::Bcrypt(h), HashParams::Bcrypt { cost }) => h.cost() >= cost,
            (
                StoredHash::ShaCrypt(h),
                HashParams::Sha256Crypt { rounds } | HashParams::Sha512Crypt { rounds },
            ) => h.rounds() >= rounds.unwrap_or(5000),
            (StoredHash::Argon2(h), HashParams::Argon2id { m, t, p }) => {
                h.m() >= m && h.t() >= t && h.p() >= p && h.hash_len() >= 32
            }
            (StoredHash::Pbkdf2(h), HashParams::Pbkdf2 { iterations, .. }) => {
                h.iterations() >= iterations && h.digest_len() >= h.variant().block_len()
            }
            _ => false,
        }
    }

    /// A cost below the policy's `min_*` settings.
    fn below_minimum(&self, hash: &StoredHash) -> bool {
        match hash {
            StoredHash::Bcrypt(h) => h.cost() < self.min_bcrypt_cost,
            StoredHash::ShaCrypt(h) => h.rounds() < self.min_shacrypt_rounds,
            StoredHash::Pbkdf2(h) => h.iterations() < self.min_pbkdf2_iterations,
            StoredHash::PasslibPbkdf2(h) => h.rounds() < self.min_pbkdf2_iterations,
            StoredHash::Argon2(h) => {
                h.m() < self.min_argon2_memory_kib || h.t() < self.min_argon2_time
            }
            StoredHash::Yescrypt(h) => h.memory_kib() < self.min_yescrypt_memory_kib,
            _ => false,
        }
    }

    /// Verifies, and on success with [`Verified::needs_rehash`] also returns a new hash of
    /// the same password in the preferred scheme, to store in place of the old one.
    ///
    /// The new hash is `None` when no rehash is needed, or when the policy's preferred
    /// parameters cannot hash this password, or the memory to hash it cannot be allocated
    /// now (the login still succeeds; the next one tries again). Verification errors,
    /// [`VerifyError::ResourceExhausted`] among them, are returned as from
    /// [`verify`](Self::verify).
    pub fn verify_and_update(
        &self,
        stored: &str,
        password: &[u8],
    ) -> Result<(Verified, Option<String>), VerifyError> {
        let verified = self.verify(stored, password)?;
        let update = if verified.needs_rehash {
            self.hash(self.preferred, password).ok()
        } else {
            None
        };
        Ok((verified, update))
    }

    /// Spends the same work as verifying against a hash in the preferred scheme, for a user
    /// that does not exist, so that the response time does not tell. Applies the same
    /// password checks as [`verify`](Self::verify) and never succeeds: returns the error the
    /// caller should report, [`VerifyError::Mismatch`] or, as a real verification would,
    /// a password refusal or [`VerifyError::ResourceExhausted`].
    pub fn dummy_verify(&self, password: &[u8]) -> VerifyError {
        if let Err(e) = self.check_password(password) {
            return e.into();
        }
        #[cfg(test)]
        DUMMY_RUNS.with(|n| n.set(n.get() + 1));
        if let Some(dummy) = dummy_hash(self.preferred) {
            // The all-zero digest is never reported as a match, whatever the password.
            if let Err(e) = core::hint::black_box(dummy.matches(password)) {
                return e;
            }
        }
        VerifyError::Mismatch
    }

    /// After a verification against `stored` failed with `error`, spends a
    /// [`dummy_verify`](Self::dummy_verify)'s work unless the failed one already did as
    /// much: a whole comparison ([`VerifyError::Mismatch`]) against a hash in the preferred
    /// scheme at or above its parameters. So a wrong password for a user with a cheap hash
    /// (md5crypt, a low cost, another scheme, a malformed, refused or locked hash) takes at
    /// least as long as one for an unknown user, whatever the rehash settings. Returns
    /// whether the dummy work was spent, or [`VerifyError::ResourceExhausted`] when its
    /// memory could not be allocated (as an unknown user's dummy would answer then).
    ///
    /// A right password is never padded: only who knows it sees that time, and success
    /// tells that the user exists anyway.
    pub fn pad_failed_verify(
        &self,
        stored: &str,
        password: &[u8],
        error: VerifyError,
    ) -> Result<bool, VerifyError> {
        let full_cost = error == VerifyError::Mismatch
            && StoredHash::parse(stored).is_ok_and(|h| self.at_preferred_cost(&h));
        if full_cost {
            return Ok(false);
        }
        // A password the checks refuse (an empty `to_verify`) would skip the work.
        let password = match self.check_password(password) {
            Ok(()) => password,
            Err(_) => b"-",
        };
        match self.dummy_verify(password) {
            e @ VerifyError::ResourceExhausted(_) => Err(e),
            _ => Ok(true),
        }
    }

    /// Hashes `password` with a fresh OS-random salt, refusing what this policy would not
    /// verify.
    pub fn hash(&self, params: HashParams, password: &[u8]) -> Result<String, HashError> {
        self.check_new_hash(params, password)?;
        Ok(params.generate(password)?.to_string())
    }

    /// What [`hash`](Self::hash) checks before hashing.
    pub(crate) fn check_new_hash(
        &self,
        params: HashParams,
        password: &[u8],
    ) -> Result<(), HashError> {
        self.check_password(password)?;
        self.check_params(params)?;
        let shacrypt = match params {
            HashParams::Sha256Crypt { rounds } => Some((ShaCryptVariant::Sha256, rounds)),
            HashParams::Sha512Crypt { rounds } => Some((ShaCryptVariant::Sha512, rounds)),
            _ => None,
        };
        if let Some((variant, rounds)) = shacrypt {
            let rounds = rounds.unwrap_or(ShaCryptHash::DEFAULT_ROUNDS);
            let salt_len = ShaCryptHash::MAX_SALT_LEN;
            let work = shacrypt::work(variant, rounds, salt_len, password.len());
            Self::check_work(work, self.max_shacrypt_work)?;
        }
        Ok(())
    }
}

/// A stored string [`Policy::admit`] let through: a built-in hash within the limits, whose
/// digest is still to be computed, or a custom scheme's string.
pub(crate) enum Admitted<'p> {
    Hash(StoredHash),
    Custom(&'p dyn CustomScheme),
}

/// What [`Policy::needs_rehash`] takes: a parsed [`StoredHash`], or a stored string (`str`,
/// `String`), parsed on the way.
pub trait StoredInput: sealed::Sealed {
    /// The parsed hash, borrowed or parsed now.
    fn stored(&self) -> Result<std::borrow::Cow<'_, StoredHash>, ParseError>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl Sealed for crate::StoredHash {}
}

impl StoredInput for StoredHash {
    fn stored(&self) -> Result<std::borrow::Cow<'_, StoredHash>, ParseError> {
        Ok(std::borrow::Cow::Borrowed(self))
    }
}

impl StoredInput for str {
    fn stored(&self) -> Result<std::borrow::Cow<'_, StoredHash>, ParseError> {
        StoredHash::parse(self).map(std::borrow::Cow::Owned)
    }
}

impl StoredInput for String {
    fn stored(&self) -> Result<std::borrow::Cow<'_, StoredHash>, ParseError> {
        self.as_str().stored()
    }
}

#[cfg(test)]
thread_local! {
    /// Dummy verifications run on this thread, for the tests of who pads with one.
    static DUMMY_RUNS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// Dummy verifications run on this thread so far.
#[cfg(test)]
pub(crate) fn dummy_runs() -> u32 {
    DUMMY_RUNS.with(core::cell::Cell::get)
}

/// A well-formed hash with the preferred parameters and an all-zero digest.
fn dummy_hash(params: HashParams) -> Option<StoredHash> {
    let text = match params {
        HashParams::Bcrypt { cost } => format!("$2a${cost:02}${}", ".".repeat(53)),
        HashParams::Sha256Crypt { rounds } => {
            format!(
                "$5$rounds={}$dummysaltdummysa${}",
                rounds.unwrap_or(5000),
                ".".repeat(43)
            )
        }
        HashParams::Sha512Crypt { rounds } => {
            format!(
                "$6$rounds={}$dummysaltdummysa${}",
                rounds.unwrap_or(5000),
                ".".repeat(86)
            )
        }
        HashParams::Pbkdf2 {
            variant,
            iterations,
        } => {
            let digest = "A".repeat(variant.block_len().div_ceil(3) * 4);
            let digest = match variant.block_len() % 3 {
                1 => format!("{}==", &digest[..digest.len() - 2]),
                2 => format!("{}=", &digest[..digest.len() - 1]),
                _ => digest,
            };
            format!(
                "${}${iterations}$ZHVtbXlzYWx0ZHVtbXk=${digest}",
                variant.id()
            )
        }
        HashParams::Argon2id { m, t, p } => format!(
            "$argon2id$v=19$m={m},t={t},p={p}$ZHVtbXlzYWx0ZHVtbXk${}",
            "A".repeat(43)
        ),
    };
    StoredHash::parse(&text).ok()
}

/// Verifies under the default [`Policy`].
pub fn verify(stored: &str, password: &[u8]) -> Result<Verified, VerifyError> {
    Policy::default().verify(stored, password)
}

/// [`Policy::verify_and_update`] under the default [`Policy`].
pub fn verify_and_update(
    stored: &str,
    password: &[u8],
) -> Result<(Verified, Option<String>), VerifyError> {
    Policy::default().verify_and_update(stored, password)
}

/// [`Policy::dummy_verify`] under the default [`Policy`].
pub fn dummy_verify(password: &[u8]) -> VerifyError {
    Policy::default().dummy_verify(password)
}

/// [`Policy::hash`] under the default [`Policy`].
pub fn hash(params: HashParams, password: &[u8]) -> Result<String, HashError> {
    Policy::default().hash(params, password)
}

/// The built-in scheme of a well-formed stored string, without verifying anything; `None`
/// for a malformed or unknown string or a lock marker. [`Policy::identify`] also knows the
/// policy's custom schemes.
///
/// ```
/// assert_eq!(passgate::identify("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"), Some(passgate::Scheme::Md5Crypt));
/// assert_eq!(passgate::identify("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK"), None);
/// ```
pub fn identify(stored: &str) -> Option<Scheme> {
    StoredHash::parse(stored).ok().map(|h| h.scheme())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dummy_hashes_parse_for_every_generated_scheme() {
        for scheme in Scheme::ALL {
            if let Some(params) = HashParams::recommended(scheme) {
                let dummy = dummy_hash(params).unwrap();
                assert_eq!(dummy.scheme(), scheme);
            }
        }
    }

    #[test]
    fn password_checks_come_first() {
        let p = Policy::default();
        assert_eq!(
            p.verify("garbage", b""),
            Err(PolicyError::EmptyPassword.into())
        );
        assert_eq!(
            p.verify("garbage", b"a\0b"),
            Err(PolicyError::NulInPassword.into())
        );
        assert_eq!(
            p.verify("garbage", &[b'a'; 1025]).unwrap_err().name(),
            "PasswordTooLong"
        );
        assert_eq!(p.dummy_verify(b""), PolicyError::EmptyPassword.into());
    }

    #[test]
    fn hash_then_verify_and_rehash() {
        let p = Policy {
            preferred: HashParams::Bcrypt { cost: 5 },
            ..Policy::default()
        };
        let h = p.hash(p.preferred, b"hunter2").unwrap();
        assert!(h.starts_with("$2a$05$"), "{h}");
        let v = p.verify(&h, b"hunter2").unwrap();
        assert!(!v.needs_rehash);
        assert_eq!(p.verify(&h, b"hunter3"), Err(VerifyError::Mismatch));
        assert_eq!(p.dummy_verify(b"hunter2"), VerifyError::Mismatch);

        let md5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        // md5crypt of "password" with salt "saltsalt" (openssl passwd -1 -salt saltsalt).
        let (v, new) = p.verify_and_update(md5, b"password").unwrap();
        assert!(v.needs_rehash);
        let new = new.unwrap();
        assert!(p.verify(&new, b"password").is_ok());
        assert_eq!(
            Policy::strict()
                .verify(md5, b"password")
                .unwrap_err()
                .name(),
            "LegacyScheme"
        );
    }

    #[test]
    fn des_crypt_is_legacy_and_reports_truncation() {
        // crypt("password", "ab") in libxcrypt.
        let des = "abJnggxhB/yWI";
        let p = Policy::default();
        let v = p.verify(des, b"password").unwrap();
        assert_eq!(v.scheme, Scheme::DesCrypt);
        assert!(v.needs_rehash && !v.truncated);
        let v = p.verify(des, b"password123").unwrap();
        assert!(v.truncated);
        assert_eq!(p.verify(des, b"passwore"), Err(VerifyError::Mismatch));
        let (_, new) = p.verify_and_update(des, b"password123").unwrap();
        // The rehash keeps the whole password, not the 8 bytes DES read.
        let new = new.unwrap();
        assert!(p.verify(&new, b"password123").is_ok());
        assert_eq!(p.verify(&new, b"password"), Err(VerifyError::Mismatch));
        assert_eq!(
            Policy::strict()
                .verify(des, b"password")
                .unwrap_err()
                .name(),
            "LegacyScheme"
        );
        // bcrypt keeps its own length: 73 bytes against a hash of the first 72.
        let b = p.hash(HashParams::Bcrypt { cost: 4 }, &[b'a'; 72]).unwrap();
        assert!(p.verify(&b, &[b'a'; 73]).unwrap().truncated);
        assert!(!p.verify(&b, &[b'a'; 72]).unwrap().truncated);
    }

    #[test]
    fn argon2id_as_the_rehash_target() {
        let p = Policy {
            preferred: HashParams::Argon2id { m: 64, t: 2, p: 1 },
            ..Policy::default()
        };
        let h = p.hash(p.preferred, b"hunter2").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=2,p=1$"), "{h}");
        assert!(!p.verify(&h, b"hunter2").unwrap().needs_rehash);
        assert_eq!(p.verify(&h, b"hunter3"), Err(VerifyError::Mismatch));
        assert_eq!(p.dummy_verify(b"hunter2"), VerifyError::Mismatch);
        let weaker = Policy {
            preferred: HashParams::Argon2id { m: 128, t: 2, p: 1 },
            ..Policy::default()
        };
        assert!(weaker.verify(&h, b"hunter2").unwrap().needs_rehash);
        // The old hash is replaced by argon2id.
        let md5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        let (_, new) = p.verify_and_update(md5, b"password").unwrap();
        assert!(new.unwrap().starts_with("$argon2id$"));
        assert!(matches!(
            p.hash(
                HashParams::Argon2id {
                    m: 300_000,
                    t: 1,
                    p: 1
                },
                b"x"
            ),
            Err(HashError::Policy(PolicyError::Argon2CostTooHigh {
                param: "m",
                ..
            }))
        ));
        assert!(matches!(
            p.hash(HashParams::Argon2id { m: 8, t: 1, p: 2 }, b"x"),
            Err(HashError::InvalidParams(_))
        ));
    }

    #[test]
    fn hash_refuses_what_policy_would_not_verify() {
        let p = Policy::default();
        assert!(matches!(
            p.hash(HashParams::Bcrypt { cost: 17 }, b"x"),
            Err(HashError::Policy(PolicyError::CostTooHigh { .. }))
        ));
        assert!(matches!(
            p.hash(HashParams::Bcrypt { cost: 3 }, b"x"),
            Err(HashError::InvalidParams(_))
        ));
        assert!(matches!(
            Policy::strict().hash(HashParams::recommended(Scheme::Pbkdf2Sha1).unwrap(), b"x"),
            Err(HashError::Policy(PolicyError::LegacyScheme { .. }))
        ));
    }

    #[test]
    fn shacrypt_work_grows_with_the_password() {
        // `python3 -c 'import crypt; print(crypt.crypt("password", "$6$rounds=10000000$abcdefghijklmnop"))'`
        // (libxcrypt 4.4.33); never hashed here.
        let stored = "$6$rounds=10000000$abcdefghijklmnop$ZbPn3Tgwn1gL2sJiAx.3hDFowB9Z.DTYsigjY/sr5ay.HIGwlJeI2mYS7RVtvSwZ57LZ0kforEhIpWRWRVxpD1";
        let StoredHash::ShaCrypt(h) = StoredHash::parse(stored).unwrap() else {
            panic!("not sha-crypt");
        };
        // 64-byte digest + 16-byte salt + 2 copies + 17 bytes of padding, in 128-byte blocks.
        assert_eq!(h.work(15), 10_000_000);
        assert_eq!(h.work(79), 20_000_000);
        assert_eq!(h.work(80), 30_000_000);
        assert_eq!(h.work(1024), 170_000_000);
        let p = Policy::default();
        let long = [b'x'; 1024];
        assert!(matches!(
            p.verify(stored, &long),
            Err(VerifyError::Policy(PolicyError::WorkTooHigh {
                work: 170_000_000,
                max: 20_000_000
            }))
        ));
        assert!(matches!(
            p.hash(
                HashParams::Sha256Crypt {
                    rounds: Some(10_000_000)
                },
                &long
            ),
            Err(HashError::Policy(PolicyError::WorkTooHigh { .. }))
        ));
        assert!(
            p.hash(HashParams::Sha512Crypt { rounds: Some(1000) }, &long)
                .is_ok()
        );
    }
}
