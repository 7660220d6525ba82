//! The one constant-time equality. Every digest comparison goes through here.

#![forbid(unsafe_code)]

use subtle::ConstantTimeEq as _;

/// Compares two digests in time that depends only on their lengths, which are public
/// (fixed by the scheme or by the stored string). Unequal lengths compare unequal.
#[must_use]
pub(crate) fn digests_equal(computed: &[u8], stored: &[u8]) -> bool {
    computed.ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::digests_equal;

    #[test]
    fn equality() {
        assert!(digests_equal(b"abcd", b"abcd"));
        assert!(!digests_equal(b"abcd", b"abce"));
        assert!(!digests_equal(b"abc", b"abcd"));
        assert!(digests_equal(b"", b""));
    }
}
