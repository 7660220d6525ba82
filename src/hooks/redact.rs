//! Takes the attempt's secrets (the password, the stored hash) out of a hook's standard
//! error before it is logged.
//!
//! - Each secret of at least [`MIN_LEN`] bytes is replaced by [`MARK`] wherever it occurs.
//! - A shorter secret cannot be taken out safely: every occurrence of a 1-byte password is
//!   everywhere, and the marks would spell out the password from the text around them. Then
//!   the whole of standard error is withheld (its length is logged, not its bytes).
//! - Captured output that was cut at the cap may end with the start of a secret: the
//!   longest such tail is dropped before the replacement.

/// What a secret's occurrence becomes.
pub(crate) const MARK: &[u8] = b"[redacted]";
/// The shortest secret replaced in place; a shorter one withholds the whole text.
pub(crate) const MIN_LEN: usize = 4;

/// Standard error, ready for the log.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Redacted {
    /// The text with every secret replaced.
    Text(Vec<u8>),
    /// Not logged: a secret is too short to take out (the text's length in bytes).
    Withheld(usize),
}

/// Redacts `secrets` (empty ones are ignored) from `bytes`; `cut` says the capture stopped
/// at its cap, so its end may hold part of a secret.
pub(crate) fn redact<S: AsRef<[u8]>>(bytes: &[u8], secrets: &[S], cut: bool) -> Redacted {
    let mut secrets: Vec<&[u8]> = secrets
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.iter().any(|s| s.len() < MIN_LEN) && !bytes.is_empty() {
        return Redacted::Withheld(bytes.len());
    }
    // Longest first, so that a secret holding another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut bytes = bytes;
    if cut {
        let partial = secrets
            .iter()
            .filter_map(|s| (1..s.len()).rev().find(|&n| bytes.ends_with(&s[..n])))
            .max()
            .unwrap_or(0);
        bytes = &bytes[..bytes.len() - partial];
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match secrets.iter().find(|s| bytes[i..].starts_with(s)) {
            Some(s) => {
                out.extend_from_slice(MARK);
                i += s.len();
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Redacted::Text(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: Redacted) -> String {
        match r {
            Redacted::Text(t) => String::from_utf8(t).unwrap_or_default(),
            Redacted::Withheld(n) => format!("withheld {n}"),
        }
    }

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let r = redact(b"a hunter2 b hunter22 c", &["hunter2", "hunter22"], false);
        assert_eq!(text(r), "a [redacted] b [redacted] c");
        let none: [&str; 0] = [];
        assert_eq!(text(redact(b"plain", &none, false)), "plain");
        assert_eq!(text(redact(b"plain", &[""], false)), "plain");
    }

    #[test]
    fn a_cut_tail_that_starts_a_secret_is_dropped() {
        assert_eq!(text(redact(b"ok hunt", &["hunter2"], true)), "ok ");
        assert_eq!(text(redact(b"ok h", &["hunter2"], true)), "ok ");
        // Only when the capture was cut: a whole text ending so is left alone.
        assert_eq!(text(redact(b"ok hunt", &["hunter2"], false)), "ok hunt");
        assert_eq!(text(redact(b"ok hum", &["hunter2"], true)), "ok hum");
    }

    #[test]
    fn short_secrets_withhold_the_text() {
        assert_eq!(
            redact(b"abc", &["x", "hunter2"], false),
            Redacted::Withheld(3)
        );
        assert_eq!(text(redact(b"", &["x"], false)), "");
        assert_eq!(text(redact(b"wxyz", &["wxyz"], false)), "[redacted]");
    }
}
