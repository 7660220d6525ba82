#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "hooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "hooks")))]
pub mod answer;
mod batch;
mod builder;
mod ct;
mod custom;
mod encoding;
mod error;
mod generate;
#[cfg(feature = "hooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "hooks")))]
pub mod hooks;
#[cfg(feature = "import")]
#[cfg_attr(docsrs, doc(cfg(feature = "import")))]
pub mod import;
mod params;
#[cfg(feature = "password-hash")]
mod password_hash;
mod policy;
pub mod scheme;
#[cfg(any(feature = "hooks", feature = "import"))]
mod sibling;
mod stored;

pub use crate::builder::{BuildError, PolicyBuilder};
pub use crate::custom::{CustomScheme, RegistrationError};
pub use crate::error::{
    HashError, ParseError, ParseErrorKind, PolicyError, ResourceError, VerifyError,
};
pub use crate::generate::HashParams;
pub use crate::params::ParamValue;
pub use crate::policy::{
    Policy, StoredInput, Verified, dummy_verify, hash, identify, verify, verify_and_update,
};
pub use crate::scheme::Scheme;
pub use crate::stored::StoredHash;
