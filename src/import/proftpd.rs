//! ProFTPD's `AuthUserFile`, as `ftpasswd --passwd` writes it: the passwd(5) layout
//! `name:hash:uid:gid:gecos:home:shell`.

#![forbid(unsafe_code)]

use super::Entry;
use super::fields::{expect_fields, id, split, text, username};
use super::report::LineFault;

/// Parses one line.
pub(crate) fn parse(line: &[u8]) -> Result<Entry<'_>, LineFault> {
    let f = split(line)?;
    expect_fields(&f, 7, 7, "7")?;
    let mut e = Entry::new(username(f[0])?, f[1]);
    e.uid = Some(id(f[2], "uid")?);
    e.gid = Some(id(f[3], "gid")?);
    let home = text(f[5], "home")?;
    e.home = (!home.is_empty()).then(|| home.to_owned());
    Ok(e)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwd_layout() {
        let e = parse(b"pro:$1$abc$def:2001:2002:Pro User:/srv/pro:/bin/false").unwrap();
        assert_eq!((e.username, e.uid, e.gid), ("pro", Some(2001), Some(2002)));
        assert_eq!(e.home.as_deref(), Some("/srv/pro"));
        assert_eq!(e.hash, b"$1$abc$def");
        assert!(matches!(
            parse(b"pro:h:2001:2002::/srv/pro").unwrap_err(),
            LineFault::FieldCount { found: 6, .. }
        ));
        assert_eq!(
            parse(b"pro:h:abc:2002::/srv/pro:/bin/false").unwrap_err(),
            LineFault::InvalidNumber { field: "uid" }
        );
        assert_eq!(
            parse(b"pro:h:4294967295:1::/srv/pro:/bin/false").unwrap_err(),
            LineFault::OutOfRange { field: "uid" }
        );
    }
}
