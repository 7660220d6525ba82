//! Apache htpasswd files: `user:hash`. Like Apache's `mod_authn_file`, the hash ends at the
//! next `:` if there is one. No uid, gid or home: those come from `--force-uid`,
//! `--force-gid` and `--home-base`.

#![forbid(unsafe_code)]

use super::Entry;
use super::fields::{split, username};
use super::report::LineFault;

/// Parses one line.
pub(crate) fn parse(line: &[u8]) -> Result<Entry<'_>, LineFault> {
    let f = split(line)?;
    if f.len() < 2 {
        return Err(LineFault::FieldCount {
            expected: "2",
            found: f.len(),
        });
    }
    Ok(Entry::new(username(f[0])?, f[1]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn user_and_hash() {
        let e = parse(b"web:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=").unwrap();
        assert_eq!(
            (e.username, e.hash),
            ("web", &b"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="[..])
        );
        assert_eq!(e.home, None);
        assert_eq!(parse(b"web:h:comment").unwrap().hash, b"h");
        assert_eq!(
            parse(b"web").unwrap_err(),
            LineFault::FieldCount {
                expected: "2",
                found: 1
            }
        );
    }
}
