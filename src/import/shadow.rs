//! `/etc/shadow` (shadow(5)): `name:password:lastchg:min:max:warn:inactive:expire:reserved`,
//! ages in days since the epoch. uid, gid and home come from the passwd file
//! ([`super::passwd`]).
//!
//! Ageing follows shadow-utils' `isexpired()`, which `login` and PAM's `pam_unix` apply:
//! - `expire` > 0 → `expiration_date` (ms); in the past, the account is expired;
//! - `lastchg` = 0 → the password must be changed at the next login;
//! - `now >= lastchg + max + inactive` (all three set) → inactive, login refused → `status: 0`.

#![forbid(unsafe_code)]

use super::Entry;
use super::fields::{expect_fields, optional_number, split, username};
use super::report::{LineFault, Note};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// The largest day count read: about 5.9 million years, far inside `i64` milliseconds.
const MAX_DAYS: u64 = i32::MAX as u64;

/// An age field: empty or `-1` is unset (shadow-utils writes `-1` in some versions).
fn days(field: &[u8], name: &'static str) -> Result<Option<i64>, LineFault> {
    if field == b"-1" {
        return Ok(None);
    }
    Ok(optional_number(field, name, MAX_DAYS)?.map(|d| d as i64))
}

/// Parses one shadow line; `today` is the current day since the epoch.
pub(crate) fn parse(line: &[u8], today: i64) -> Result<Entry<'_>, LineFault> {
    let f = split(line)?;
    expect_fields(&f, 9, 9, "9")?;
    let name = username(f[0])?;
    let lastchg = days(f[2], "last change")?;
    days(f[3], "minimum age")?;
    let max = days(f[4], "maximum age")?;
    days(f[5], "warning period")?;
    let inactive = days(f[6], "inactivity period")?;
    let expire = days(f[7], "expiration date")?;

    let mut entry = Entry::new(name, f[1]);
    if let Some(e) = expire.filter(|&e| e > 0) {
        entry.expiration_date = e * DAY_MS;
        if today >= e {
            entry.notes.push(Note::Expired);
        }
    }
    if lastchg == Some(0) {
        entry.require_password_change = true;
        entry.notes.push(Note::MustChangePassword);
    }
    if let (Some(l), Some(m), Some(i)) = (lastchg, max, inactive)
        && l > 0
        && today >= l + m + i
    {
        entry.status = 0;
        entry.notes.push(Note::Inactive);
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TODAY: i64 = 20_000;

    #[test]
    fn ageing() {
        let e = parse(b"u:$6$x:19990:0:99999:7:::", TODAY).unwrap();
        assert_eq!((e.status, e.expiration_date), (1, 0));
        assert!(e.notes.is_empty());

        let e = parse(b"u:h:19000:0:99999:7:30:20001:", TODAY).unwrap();
        assert_eq!(e.expiration_date, 20_001 * DAY_MS);
        assert!(e.notes.is_empty());
        let e = parse(b"u:h:19000::::::", TODAY).unwrap();
        assert_eq!(e.status, 1);

        let e = parse(b"u:h:19000:0:99999:7:30:19999:", TODAY).unwrap();
        assert_eq!(e.notes, [Note::Expired]);
        assert_eq!(e.status, 1);

        // Inactive counts from the password's expiry (lastchg + max), not from lastchg.
        let e = parse(b"u:h:19000:0:900:7:101::", TODAY).unwrap();
        assert_eq!((e.status, e.notes.as_slice()), (1, &[][..]));
        let e = parse(b"u:h:19000:0:900:7:100::", TODAY).unwrap();
        assert_eq!((e.status, e.notes.as_slice()), (0, &[Note::Inactive][..]));
        let e = parse(b"u:h:19000::7:1:::", TODAY).unwrap();
        assert_eq!(e.status, 1);

        let e = parse(b"u:h:0:0:99999:7:::", TODAY).unwrap();
        assert!(e.require_password_change);
        assert_eq!(e.notes, [Note::MustChangePassword]);

        let e = parse(b"u:h:-1:-1:-1:-1:-1:-1:", TODAY).unwrap();
        assert_eq!((e.status, e.expiration_date), (1, 0));
    }

    #[test]
    fn malformed() {
        assert_eq!(
            parse(b"u:h:1:2", TODAY).unwrap_err(),
            LineFault::FieldCount {
                expected: "9",
                found: 4
            }
        );
        assert_eq!(
            parse(b"u:h:-5:0:99999:7:::", TODAY).unwrap_err(),
            LineFault::InvalidNumber {
                field: "last change"
            }
        );
        assert_eq!(
            parse(b"u:h:1:0:99999:7::99999999999999:", TODAY).unwrap_err(),
            LineFault::OutOfRange {
                field: "expiration date"
            }
        );
        assert_eq!(
            parse(b":h:1:0:99999:7:::", TODAY).unwrap_err(),
            LineFault::EmptyUsername
        );
    }
}
