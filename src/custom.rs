//! Schemes of the caller's own: the [`CustomScheme`] trait and the registry a [`Policy`]
//! keeps of them. Built-in schemes keep precedence: a custom scheme is asked only about
//! strings no built-in scheme claims, and one that declares a built-in prefix is refused at
//! registration.
//!
//! [`Policy`]: crate::Policy

#![forbid(unsafe_code)]

use core::fmt;
use std::sync::Arc;

use crate::error::ParseErrorKind;
use crate::scheme::{Id, REGISTRY, Scheme};

/// A password hashing scheme passgate does not know, verified by the caller's code under the
/// same [`Policy`](crate::Policy) as the built-in ones: password limits first, then
/// [`work`](Self::work) against [`Policy::max_custom_work`](crate::Policy::max_custom_work),
/// then [`verify`](Self::verify). A verified custom hash always needs a rehash (it is never
/// the preferred scheme), so [`Policy::verify_and_update`](crate::Policy::verify_and_update)
/// moves its users to the preferred scheme on their next login.
///
/// The example `examples/ldap_ssha.rs` adds LDAP's `{SSHA}`.
pub trait CustomScheme: Send + Sync + 'static {
    /// A short lower-case name, unique among the policy's schemes; it is
    /// [`Scheme::Custom`]'s value in [`Verified::scheme`](crate::Verified::scheme) and in
    /// errors.
    fn name(&self) -> &'static str;

    /// The exact prefix every stored string of this scheme starts with, such as `{SSHA}`.
    /// Registration refuses a prefix that overlaps a built-in scheme's.
    fn prefix(&self) -> Option<&'static str>;

    /// Whether `stored` is of this scheme. By default: it starts with [`prefix`](Self::prefix).
    /// Only strings that no built-in scheme claims are offered.
    fn identify(&self, stored: &str) -> bool {
        self.prefix().is_some_and(|p| stored.starts_with(p))
    }

    /// Whether `password` matches `stored`, compared in constant time. A malformed `stored`
    /// is an error kind (reported as a [`ParseError`](crate::ParseError) in this scheme),
    /// never `Ok(false)`; it must not carry hash or password text, which the kinds cannot.
    fn verify(&self, stored: &str, password: &[u8]) -> Result<bool, ParseErrorKind>;

    /// A legacy scheme verifies only under a policy that
    /// [allows legacy schemes](crate::Policy::allow_legacy). `false` by default.
    fn is_legacy(&self) -> bool {
        false
    }

    /// The work verifying `stored` takes, in the scheme's own unit (hash-function calls, say),
    /// checked against [`Policy::max_custom_work`](crate::Policy::max_custom_work) before
    /// [`verify`](Self::verify). `None` (the default): no limit applies.
    fn work(&self, stored: &str) -> Option<u64> {
        let _ = stored;
        None
    }
}

/// The custom schemes registered on a policy, in registration order.
#[derive(Clone, Default)]
pub(crate) struct CustomSchemes(Vec<Arc<dyn CustomScheme>>);

impl CustomSchemes {
    /// Adds `scheme` after checking its name and prefix against the built-in schemes and the
    /// ones registered before it.
    pub(crate) fn register(
        &mut self,
        scheme: Arc<dyn CustomScheme>,
    ) -> Result<(), RegistrationError> {
        let name = scheme.name();
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
        if !valid_name {
            return Err(RegistrationError::InvalidName { name });
        }
        if Scheme::from_name(name).is_some() || self.find_name(name).is_some() {
            return Err(RegistrationError::NameTaken { name });
        }
        if let Some(prefix) = scheme.prefix() {
            // Lock markers (`!…`, `*…`) mean "no password" whatever follows.
            if prefix.is_empty()
                || prefix.starts_with(['!', '*'])
                || !prefix.bytes().all(|c| (0x21..=0x7e).contains(&c))
            {
                return Err(RegistrationError::InvalidPrefix { name });
            }
            if let Some(other) = builtin_overlap(prefix) {
                return Err(RegistrationError::BuiltinPrefix {
                    name,
                    builtin: other,
                });
            }
            let taken = self.0.iter().find(|s| {
                s.prefix()
                    .is_some_and(|p| p.starts_with(prefix) || prefix.starts_with(p))
            });
            if let Some(other) = taken {
                return Err(RegistrationError::PrefixTaken {
                    name,
                    other: other.name(),
                });
            }
        }
        self.0.push(scheme);
        Ok(())
    }

    /// The first registered scheme that identifies `stored`.
    pub(crate) fn find(&self, stored: &str) -> Option<&dyn CustomScheme> {
        self.0.iter().find(|s| s.identify(stored)).map(|s| &**s)
    }

    fn find_name(&self, name: &str) -> Option<&dyn CustomScheme> {
        self.0.iter().find(|s| s.name() == name).map(|s| &**s)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|s| s.name())
    }
}

impl fmt::Debug for CustomSchemes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Two policies are equal when they hold the same custom schemes by name, in order.
impl PartialEq for CustomSchemes {
    fn eq(&self, other: &Self) -> bool {
        self.names().eq(other.names())
    }
}

impl Eq for CustomSchemes {}

/// The built-in scheme a custom prefix would take strings from, if any: one of the two is a
/// prefix of the other, or a DES crypt string (13 characters of `./0-9A-Za-z`, no
/// identifier) could start with it.
fn builtin_overlap(prefix: &str) -> Option<Scheme> {
    for (id, family) in REGISTRY {
        let scheme = family.scheme();
        let overlaps = match id {
            Id::Dollar(name) => {
                let full = format!("${name}$");
                full.starts_with(prefix) || prefix.starts_with(&full)
            }
            Id::Braced(b) => b.starts_with(prefix) || prefix.starts_with(b),
            Id::Shape => {
                prefix.len() <= 13
                    && prefix
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/')
            }
        };
        if overlaps {
            return Some(scheme);
        }
    }
    None
}

/// Why a [`CustomScheme`] could not be registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The name is empty or not made of `a-z`, `0-9`, `-` and `_`.
    #[error("custom scheme name {name:?} is not lower-case letters, digits, '-' and '_'")]
    InvalidName {
        /// The scheme's name.
        name: &'static str,
    },
    /// A built-in scheme or a custom one registered earlier has this name.
    #[error("a scheme named {name:?} exists already")]
    NameTaken {
        /// The scheme's name.
        name: &'static str,
    },
    /// The prefix is empty, holds a space or a non-ASCII or control byte, or starts with a
    /// lock marker (`!`, `*`).
    #[error("custom scheme {name:?} has an invalid prefix")]
    InvalidPrefix {
        /// The scheme's name.
        name: &'static str,
    },
    /// The prefix overlaps a built-in scheme's identifier (one starts with the other), or a
    /// DES crypt string could start with it.
    #[error("custom scheme {name:?} claims strings of the built-in scheme {builtin}")]
    BuiltinPrefix {
        /// The scheme's name.
        name: &'static str,
        /// The built-in scheme whose strings it would take.
        builtin: Scheme,
    },
    /// The prefix overlaps the prefix of a custom scheme registered earlier.
    #[error("custom scheme {name:?} claims strings of the custom scheme {other:?}")]
    PrefixTaken {
        /// The scheme's name.
        name: &'static str,
        /// The scheme registered earlier.
        other: &'static str,
    },
}
