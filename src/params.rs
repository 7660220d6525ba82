//! [`StoredHash::params`]: a stored hash's parameters as name/value pairs, for display.

#![forbid(unsafe_code)]

use core::fmt;

use crate::scheme::descrypt::DesCryptHash;
use crate::scheme::yescrypt::YescryptFlavor;
use crate::stored::StoredHash;

/// One parameter's value in [`StoredHash::params`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamValue {
    /// A count: cost, rounds, iterations, memory, a length in bytes.
    Number(u64),
    /// A yes/no property, such as whether `rounds=` is written out.
    Bool(bool),
    /// A fixed name, such as bcrypt's identifier or yescrypt's flavor.
    Text(&'static str),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

impl StoredHash {
    /// The hash's parameters as name/value pairs, in a fixed order per scheme: costs,
    /// rounds, memory, lengths. Never the salt or the digest.
    ///
    /// ```
    /// use passgate::{ParamValue, StoredHash};
    ///
    /// let h = StoredHash::parse("$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK")?;
    /// assert_eq!(
    ///     h.params(),
    ///     [("ident", ParamValue::Text("2a")), ("cost", ParamValue::Number(14))]
    /// );
    /// # Ok::<(), passgate::ParseError>(())
    /// ```
    pub fn params(&self) -> Vec<(&'static str, ParamValue)> {
        use ParamValue::{Bool, Number, Text};
        let n = |v: u32| Number(u64::from(v));
        let len = |v: usize| Number(v as u64);
        match self {
            Self::Bcrypt(h) => vec![("ident", Text(h.variant().id())), ("cost", n(h.cost()))],
            Self::Md5Crypt(_) => vec![("rounds", Number(1000))],
            Self::ShaCrypt(h) => vec![
                ("rounds", n(h.rounds())),
                ("explicit_rounds", Bool(h.has_explicit_rounds())),
            ],
            Self::Pbkdf2(h) => vec![
                ("iterations", n(h.iterations())),
                ("digest_bytes", len(h.digest_len())),
                ("work", Number(h.work())),
            ],
            Self::PasslibPbkdf2(h) => vec![
                ("iterations", n(h.rounds())),
                ("digest_bytes", len(h.variant().digest_len())),
                ("salt_bytes", len(h.salt_len())),
                ("work", Number(h.work())),
            ],
            Self::Argon2(h) => vec![
                ("m", n(h.m())),
                ("t", n(h.t())),
                ("p", n(h.p())),
                ("version", Number(19)),
                ("salt_bytes", len(h.salt_len())),
                ("hash_bytes", len(h.hash_len())),
            ],
            Self::Yescrypt(h) => vec![
                (
                    "flavor",
                    Text(match h.flavor() {
                        YescryptFlavor::Classic => "classic",
                        YescryptFlavor::Worm => "worm",
                        YescryptFlavor::Rw => "rw",
                    }),
                ),
                ("N", Number(h.n())),
                ("r", n(h.r())),
                ("p", n(h.p())),
                ("t", n(h.t())),
                ("memory_kib", Number(h.memory_kib())),
                ("salt_bytes", len(h.salt_len())),
            ],
            Self::Digest(h) => vec![
                ("prefix", Text(h.variant().prefix())),
                ("digest_bytes", len(h.variant().digest_len())),
                ("salted", Bool(false)),
            ],
            Self::DesCrypt(_) => vec![
                ("encryptions", n(DesCryptHash::ENCRYPTIONS)),
                ("significant_bytes", len(DesCryptHash::MAX_PASSWORD_BYTES)),
            ],
        }
    }
}
