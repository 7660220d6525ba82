//! Takes the attempt's secrets (the password, the stored hash) out of a hook's standard
//! error before it is logged.
//!
//! - Each secret of at least [`MIN_LEN`] bytes is replaced by [`MARK`] wherever it occurs.
//! - A shorter secret cannot be taken out safely: every occurrence of a 1-byte password is
//!   everywhere, and the marks would spell out the password from the text around them. Then
//!   the whole of standard error is withheld (its length is logged, not its bytes).
//! - Captured output that was cut at the cap may end with the start of a secret: the
//!   longest such tail is dropped before the replacement.
//! - A hook that prints its environment as JSON writes a secret escaped: `"` and `\` as
//!   `\"` and `\\`, control characters as `\n` or `\u001b`, and (Python's `json.dumps`)
//!   every non-ASCII character as `\uXXXX`. Those forms are taken out too.

#![forbid(unsafe_code)]

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

/// A secret as JSON writers escape it inside a string, when that differs from its bytes:
/// control characters, `"` and `\` escaped (serde_json, Go), and also every non-ASCII
/// character as `\uXXXX` (Python's default `ensure_ascii`).
fn json_forms(secret: &[u8]) -> Vec<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(secret) else {
        return Vec::new();
    };
    let escape = |ascii_only: bool| {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c < ' ' || (ascii_only && !c.is_ascii()) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.into_bytes()
    };
    let mut forms = vec![escape(false), escape(true)];
    forms.dedup();
    forms.retain(|f| f.as_slice() != secret);
    forms
}

/// Redacts `secrets` (empty ones are ignored) and their JSON-escaped forms from `bytes`;
/// `cut` says the capture stopped at its cap, so its end may hold part of a secret.
pub(crate) fn redact<S: AsRef<[u8]>>(bytes: &[u8], secrets: &[S], cut: bool) -> Redacted {
    let escaped: Vec<Vec<u8>> = secrets
        .iter()
        .flat_map(|s| json_forms(s.as_ref()))
        .collect();
    let mut secrets: Vec<&[u8]> = secrets
        .iter()
        .map(AsRef::as_ref)
        .chain(escaped.iter().map(Vec::as_slice))
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
