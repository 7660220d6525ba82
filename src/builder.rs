//! [`PolicyBuilder`], and with the `serde` feature [`Policy`]'s `Deserialize` (the keys of
//! `passgate.toml`'s `[policy]`, strict about unknown ones).

#![forbid(unsafe_code)]

use std::sync::Arc;

use crate::custom::{CustomScheme, RegistrationError};
use crate::error::HashError;
use crate::generate::HashParams;
use crate::policy::Policy;
use crate::scheme::Scheme;

/// Builds a [`Policy`] from the defaults, one setting at a time; [`build`](Self::build)
/// checks the whole. Each method sets the [`Policy`] field of the same name.
///
/// ```
/// use passgate::{HashParams, Policy, Scheme};
///
/// let policy = Policy::builder()
///     .allow_legacy(false)
///     .max_password_len(256)
///     .preferred(HashParams::Sha512Crypt { rounds: Some(656_000) })
///     .min_shacrypt_rounds(100_000)
///     .deny(Scheme::DesCrypt)
///     .build()?;
/// assert_eq!(policy.max_password_len, 256);
/// # Ok::<(), passgate::BuildError>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct PolicyBuilder {
    policy: Policy,
    error: Option<RegistrationError>,
}

/// Why [`PolicyBuilder::build`] refused the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A custom scheme could not be registered.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The preferred parameters are invalid, or refused by the policy's own limits or lists:
    /// it could not verify what it hashes.
    #[error("preferred scheme: {0}")]
    Preferred(HashError),
}

impl Policy {
    /// A [`PolicyBuilder`] starting from [`Policy::default`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder {
            policy: Self::default(),
            error: None,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.policy.$name = value;
                self
            }
        )*
    };
}

impl PolicyBuilder {
    setters! {
        /// [`Policy::max_password_len`].
        max_password_len: usize;
        /// [`Policy::max_bcrypt_cost`].
        max_bcrypt_cost: u32;
        /// [`Policy::max_shacrypt_rounds`].
        max_shacrypt_rounds: u32;
        /// [`Policy::max_shacrypt_work`].
        max_shacrypt_work: u64;
        /// [`Policy::max_pbkdf2_work`].
        max_pbkdf2_work: u64;
        /// [`Policy::max_argon2_memory_kib`].
        max_argon2_memory_kib: u32;
        /// [`Policy::max_argon2_time`].
        max_argon2_time: u32;
        /// [`Policy::max_argon2_lanes`].
        max_argon2_lanes: u32;
        /// [`Policy::max_yescrypt_memory_kib`].
        max_yescrypt_memory_kib: u64;
        /// [`Policy::max_yescrypt_time`].
        max_yescrypt_time: u32;
        /// [`Policy::max_yescrypt_parallelism`].
        max_yescrypt_parallelism: u32;
        /// [`Policy::max_custom_work`].
        max_custom_work: u64;
        /// [`Policy::allow_legacy`].
        allow_legacy: bool;
        /// [`Policy::preferred`].
        preferred: HashParams;
        /// [`Policy::rehash_non_preferred`].
        rehash_non_preferred: bool;
        /// [`Policy::min_bcrypt_cost`].
        min_bcrypt_cost: u32;
        /// [`Policy::min_shacrypt_rounds`].
        min_shacrypt_rounds: u32;
        /// [`Policy::min_pbkdf2_iterations`].
        min_pbkdf2_iterations: u32;
        /// [`Policy::min_argon2_memory_kib`].
        min_argon2_memory_kib: u32;
        /// [`Policy::min_argon2_time`].
        min_argon2_time: u32;
        /// [`Policy::min_yescrypt_memory_kib`].
        min_yescrypt_memory_kib: u64;
    }

    /// Refuses `scheme` ([`Policy::denied`]).
    pub fn deny(mut self, scheme: Scheme) -> Self {
        if !self.policy.denied.contains(&scheme) {
            self.policy.denied.push(scheme);
        }
        self
    }

    /// Allows only `schemes` ([`Policy::allowed`]); the deny list still applies.
    pub fn allow_only(mut self, schemes: impl IntoIterator<Item = Scheme>) -> Self {
        self.policy.allowed = Some(schemes.into_iter().collect());
        self
    }

    /// Registers a scheme of the caller's own ([`Policy::with_scheme`]); a refusal is
    /// reported by [`build`](Self::build).
    pub fn scheme(mut self, scheme: impl CustomScheme) -> Self {
        if self.error.is_none()
            && let Err(e) = self.policy.custom.register(Arc::new(scheme))
        {
            self.error = Some(e);
        }
        self
    }

    /// The policy, once its preferred parameters are known to hash under its own limits
    /// and lists, and its custom schemes registered.
    pub fn build(self) -> Result<Policy, BuildError> {
        if let Some(e) = self.error {
            return Err(e.into());
        }
        self.policy
            .check_params(self.policy.preferred)
            .map_err(BuildError::Preferred)?;
        Ok(self.policy)
    }
}

#[cfg(feature = "serde")]
mod de {
    use serde::Deserialize;

    use super::{HashParams, Policy, Scheme};

    /// `[policy]` as written: every key optional, unknown keys refused. The preferred
    /// scheme is `scheme` plus the one cost key that applies to it.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PolicyKeys {
        allow_legacy: Option<bool>,
        max_password_len: Option<usize>,
        max_bcrypt_cost: Option<u32>,
        max_shacrypt_rounds: Option<u32>,
        max_shacrypt_work: Option<u64>,
        max_pbkdf2_work: Option<u64>,
        max_argon2_memory_kib: Option<u32>,
        max_argon2_time: Option<u32>,
        max_argon2_lanes: Option<u32>,
        max_yescrypt_memory_kib: Option<u64>,
        max_yescrypt_time: Option<u32>,
        max_yescrypt_parallelism: Option<u32>,
        max_custom_work: Option<u64>,
        scheme: Option<String>,
        cost: Option<u32>,
        rounds: Option<u32>,
        iterations: Option<u32>,
        memory_kib: Option<u32>,
        time: Option<u32>,
        lanes: Option<u32>,
        denied: Option<Vec<String>>,
        allowed: Option<Vec<String>>,
        rehash_non_preferred: Option<bool>,
        min_bcrypt_cost: Option<u32>,
        min_shacrypt_rounds: Option<u32>,
        min_pbkdf2_iterations: Option<u32>,
        min_argon2_memory_kib: Option<u32>,
        min_argon2_time: Option<u32>,
        min_yescrypt_memory_kib: Option<u64>,
    }

    /// `Policy` reads the keys of `passgate.toml`'s `[policy]` table (less `rehash`, which
    /// belongs to the login pipeline) plus the lists and minimums: every key optional, an
    /// unknown key or a key that does not apply to `scheme` an error.
    ///
    /// ```
    /// # #[cfg(feature = "serde")] {
    /// let policy: passgate::Policy = serde_json::from_str(
    ///     r#"{"scheme": "sha512crypt", "rounds": 656000, "denied": ["sftpgo-md5"]}"#,
    /// ).unwrap();
    /// assert_eq!(policy.preferred, passgate::HashParams::Sha512Crypt { rounds: Some(656_000) });
    /// assert!(serde_json::from_str::<passgate::Policy>(r#"{"max_cost": 3}"#).is_err());
    /// # }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de> Deserialize<'de> for Policy {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let keys = PolicyKeys::deserialize(d)?;
            keys.into_policy().map_err(serde::de::Error::custom)
        }
    }

    fn schemes(key: &str, names: Vec<String>) -> Result<Vec<Scheme>, String> {
        names
            .iter()
            .map(|n| Scheme::from_name(n).ok_or_else(|| format!("{key}: unknown scheme {n:?}")))
            .collect()
    }

    impl PolicyKeys {
        fn into_policy(self) -> Result<Policy, String> {
            let preferred = self.preferred()?;
            let mut b = Policy::builder().preferred(preferred);
            macro_rules! set {
                ($($key:ident),*) => {
                    $(if let Some(v) = self.$key { b = b.$key(v); })*
                };
            }
            set!(
                allow_legacy,
                max_password_len,
                max_bcrypt_cost,
                max_shacrypt_rounds,
                max_shacrypt_work,
                max_pbkdf2_work,
                max_argon2_memory_kib,
                max_argon2_time,
                max_argon2_lanes,
                max_yescrypt_memory_kib,
                max_yescrypt_time,
                max_yescrypt_parallelism,
                max_custom_work,
                rehash_non_preferred,
                min_bcrypt_cost,
                min_shacrypt_rounds,
                min_pbkdf2_iterations,
                min_argon2_memory_kib,
                min_argon2_time,
                min_yescrypt_memory_kib
            );
            if let Some(names) = self.denied {
                for s in schemes("denied", names)? {
                    b = b.deny(s);
                }
            }
            if let Some(names) = self.allowed {
                b = b.allow_only(schemes("allowed", names)?);
            }
            b.build().map_err(|e| e.to_string())
        }

        /// `scheme` (bcrypt by default) at its recommended parameters, with the cost keys
        /// that apply to it; a cost key for another scheme is an error.
        fn preferred(&self) -> Result<HashParams, String> {
            let scheme = match &self.scheme {
                Some(name) => Scheme::from_name(name)
                    .ok_or_else(|| format!("scheme: unknown scheme {name:?}"))?,
                None => Scheme::Bcrypt,
            };
            let mut params = HashParams::recommended(scheme)
                .ok_or_else(|| format!("scheme: passgate cannot write {scheme}"))?;
            let given = [
                ("cost", self.cost),
                ("rounds", self.rounds),
                ("iterations", self.iterations),
                ("memory_kib", self.memory_kib),
                ("time", self.time),
                ("lanes", self.lanes),
            ];
            let applies: &[&str] = match &mut params {
                HashParams::Bcrypt { cost } => {
                    *cost = self.cost.unwrap_or(*cost);
                    &["cost"]
                }
                HashParams::Sha256Crypt { rounds } | HashParams::Sha512Crypt { rounds } => {
                    *rounds = self.rounds.or(*rounds);
                    &["rounds"]
                }
                HashParams::Pbkdf2 { iterations, .. } => {
                    *iterations = self.iterations.unwrap_or(*iterations);
                    &["iterations"]
                }
                HashParams::Argon2id { m, t, p } => {
                    *m = self.memory_kib.unwrap_or(*m);
                    *t = self.time.unwrap_or(*t);
                    *p = self.lanes.unwrap_or(*p);
                    &["memory_kib", "time", "lanes"]
                }
            };
            match given
                .iter()
                .find(|(key, v)| v.is_some() && !applies.contains(key))
            {
                Some((key, _)) => Err(format!("{key} does not apply to {scheme}")),
                None => Ok(params),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::error::PolicyError;

    #[test]
    fn build_refuses_a_preferred_scheme_the_policy_would_not_verify() {
        let err = Policy::builder().max_bcrypt_cost(10).build().unwrap_err();
        assert!(matches!(
            err,
            BuildError::Preferred(HashError::Policy(PolicyError::CostTooHigh {
                cost: 12,
                max: 10
            }))
        ));
        let err = Policy::builder().deny(Scheme::Bcrypt).build().unwrap_err();
        assert!(matches!(
            err,
            BuildError::Preferred(HashError::Policy(PolicyError::SchemeNotAllowed { .. }))
        ));
        assert_eq!(Policy::builder().build().unwrap(), Policy::default());
    }

    #[test]
    fn lists_refuse_one_scheme_and_keep_its_neighbours() {
        // `openssl passwd -1 -salt saltsalt password`; `printf password | md5sum`.
        let md5crypt = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        let md5 = "{MD5}5f4dcc3b5aa765d61d8327deb882cf99";
        let p = Policy::builder().deny(Scheme::SftpgoMd5).build().unwrap();
        assert!(p.verify(md5crypt, b"password").is_ok());
        assert_eq!(
            p.verify(md5, b"password").unwrap_err().name(),
            "SchemeNotAllowed"
        );
        assert!(Policy::default().verify(md5, b"password").is_ok());
        let p = Policy::builder()
            .allow_only([Scheme::Bcrypt, Scheme::Md5Crypt])
            .build()
            .unwrap();
        assert!(p.verify(md5crypt, b"password").is_ok());
        assert_eq!(
            p.verify(md5, b"password").unwrap_err().name(),
            "SchemeNotAllowed"
        );
    }

    #[test]
    fn minimum_costs_make_a_hash_need_a_rehash() {
        // `openssl passwd -6 -salt saltsalt password`: the implicit 5000 rounds.
        let sha512 = "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
        let relaxed = Policy::builder()
            .rehash_non_preferred(false)
            .build()
            .unwrap();
        assert!(!relaxed.needs_rehash(sha512));
        let strict = Policy::builder()
            .rehash_non_preferred(false)
            .min_shacrypt_rounds(5001)
            .build()
            .unwrap();
        assert!(strict.needs_rehash(sha512));
        assert!(strict.verify(sha512, b"password").unwrap().needs_rehash);
        assert!(!relaxed.verify(sha512, b"password").unwrap().needs_rehash);
        // Default: every other scheme than the preferred one needs a rehash.
        assert!(Policy::default().needs_rehash(sha512));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn deserialize_is_strict_and_checks_the_whole() {
        let p: Policy = serde_json::from_str(
            r#"{"scheme":"argon2id","memory_kib":65536,"time":3,"allowed":["argon2id","bcrypt"],
                "min_bcrypt_cost":11,"rehash_non_preferred":false}"#,
        )
        .unwrap();
        assert_eq!(
            p.preferred,
            HashParams::Argon2id {
                m: 65536,
                t: 3,
                p: 1
            }
        );
        assert_eq!(p.allowed, Some(vec![Scheme::Argon2id, Scheme::Bcrypt]));
        assert_eq!(p.min_bcrypt_cost, 11);
        assert!(!p.rehash_non_preferred);
        assert_eq!(
            serde_json::from_str::<Policy>("{}").unwrap(),
            Policy::default()
        );
        for (text, says) in [
            (r#"{"max_cost":3}"#, "max_cost"),
            (
                r#"{"scheme":"sha512crypt","cost":10}"#,
                "cost does not apply",
            ),
            (r#"{"scheme":"rot13"}"#, "unknown scheme"),
            (r#"{"scheme":"md5crypt"}"#, "cannot write"),
            (r#"{"denied":["nope"]}"#, "denied: unknown scheme"),
            (r#"{"max_bcrypt_cost":10}"#, "preferred scheme"),
        ] {
            let err = serde_json::from_str::<Policy>(text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
