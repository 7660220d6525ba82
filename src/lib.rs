#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod batch;
mod ct;
mod encoding;
mod error;
mod generate;
#[cfg(feature = "hooks")]
pub mod hooks;
#[cfg(feature = "import")]
pub mod import;
mod policy;
pub mod scheme;
mod stored;

pub use crate::error::{
    HashError, ParseError, ParseErrorKind, PolicyError, ResourceError, VerifyError,
};
pub use crate::generate::HashParams;
pub use crate::policy::{Policy, Verified, dummy_verify, hash, verify, verify_and_update};
pub use crate::scheme::Scheme;
pub use crate::stored::StoredHash;
