//! Pure-FTPd's `pureftpd.passwd`, as `pure-pw` writes it (checked against Pure-FTPd 1.0.50's
//! `pure-pw useradd` with every option set) and as its `parse_pw_line()` reads it:
//!
//! | field | content | SFTPGo |
//! |---|---|---|
//! | 0 | login | `username` |
//! | 1 | password hash | `password` |
//! | 2, 3 | uid, gid (both > 0) | `uid`, `gid` |
//! | 4 | gecos | — |
//! | 5 | home; `/./` marks the chroot | `home_dir` (the chroot part) |
//! | 6, 7 | upload, download bandwidth, bytes/s | `upload_bandwidth`, `download_bandwidth`, KB/s |
//! | 8, 9 | upload, download ratio | dropped (reported) |
//! | 10 | max concurrent sessions | `max_sessions` |
//! | 11, 12 | quota: files, bytes | `quota_files`, `quota_size` |
//! | 13, 14 | allowed, denied local (server) IPs | dropped (reported) |
//! | 15, 16 | allowed, denied client IPs, comma-separated | `filters.allowed_ip`, `denied_ip` |
//! | 17 | time restriction `HHMM-HHMM` | dropped (reported) |
//!
//! Fields after the home may be absent (Pure-FTPd reads such lines). A line with more than 18
//! fields is refused: `pure-pw` writes IPv6 rules with their colons unescaped, which shifts
//! every later field for Pure-FTPd too, so no reading of such a line is reliable.

#![forbid(unsafe_code)]

use std::net::IpAddr;

use super::Entry;
use super::fields::{expect_fields, id, optional_number, split, text, username};
use super::report::{LineFault, Note};

/// Parses one line.
pub(crate) fn parse(line: &[u8]) -> Result<Entry<'_>, LineFault> {
    let f = split(line)?;
    expect_fields(&f, 6, 18, "6 to 18")?;
    let field = |i: usize| f.get(i).copied().unwrap_or_default();
    let mut e = Entry::new(username(f[0])?, f[1]);
    let uid = id(f[2], "uid")?;
    let gid = id(f[3], "gid")?;
    if uid == 0 || gid == 0 {
        // Pure-FTPd refuses root accounts.
        return Err(LineFault::OutOfRange {
            field: if uid == 0 { "uid" } else { "gid" },
        });
    }
    (e.uid, e.gid) = (Some(uid), Some(gid));
    e.home = chroot_home(text(f[5], "home")?, &mut e.notes);

    e.upload_bandwidth = kbps(field(6), "upload bandwidth", &mut e.notes)?;
    e.download_bandwidth = kbps(field(7), "download bandwidth", &mut e.notes)?;
    let up = optional_number(field(8), "upload ratio", u64::from(u32::MAX))?;
    let down = optional_number(field(9), "download ratio", u64::from(u32::MAX))?;
    if up.unwrap_or(0) > 0 || down.unwrap_or(0) > 0 {
        e.notes.push(Note::Dropped("upload/download ratio"));
    }
    let int32 = i32::MAX as u64;
    e.max_sessions = optional_number(field(10), "max sessions", int32)?.unwrap_or(0) as i32;
    e.quota_files = optional_number(field(11), "quota files", int32)?.unwrap_or(0) as i32;
    e.quota_size = optional_number(field(12), "quota size", i64::MAX as u64)?.unwrap_or(0) as i64;
    if !field(13).is_empty() || !field(14).is_empty() {
        e.notes.push(Note::Dropped("local (server) IP rules"));
    }
    e.allowed_ip = ip_rules(field(15), "allowed client IPs")?;
    e.denied_ip = ip_rules(field(16), "denied client IPs")?;
    if !field(17).is_empty() {
        e.notes.push(Note::Dropped("time restriction"));
    }
    Ok(e)
}

/// `/home/./` and `/home/./sub`: the part before `/./` is the chroot, which SFTPGo's home is.
fn chroot_home(home: &str, notes: &mut Vec<Note>) -> Option<String> {
    let jail = match home.split_once("/./") {
        Some((jail, rest)) => {
            if !rest.trim_matches('/').is_empty() {
                notes.push(Note::StartDirDropped);
            }
            jail
        }
        None => home.strip_suffix("/.").unwrap_or(home),
    };
    let jail = jail.trim_end_matches('/');
    match jail {
        "" if home.starts_with('/') => Some("/".to_owned()),
        "" => None,
        j => Some(j.to_owned()),
    }
}

/// Bytes/s to KB/s, rounded up so that a limit under 1 KB/s stays a limit.
fn kbps(field: &[u8], name: &'static str, notes: &mut Vec<Note>) -> Result<i64, LineFault> {
    let bytes = optional_number(field, name, i64::MAX as u64)?.unwrap_or(0);
    if bytes % 1024 != 0 {
        notes.push(Note::BandwidthRoundedUp);
    }
    Ok(bytes.div_ceil(1024) as i64)
}

/// A comma-separated list of `IP`, `IP/prefix` or `IPv4/netmask`, as CIDR networks with the
/// host bits cleared. Any entry that is none of these fails the line.
pub(crate) fn ip_rules(field: &[u8], name: &'static str) -> Result<Vec<String>, LineFault> {
    let list = text(field, name)?;
    let mut out = Vec::new();
    for (i, entry) in list.split(',').map(str::trim).enumerate() {
        if entry.is_empty() {
            continue;
        }
        let cidr = cidr(entry).ok_or(LineFault::InvalidIpRule {
            field: name,
            index: i + 1,
        })?;
        if !out.contains(&cidr) {
            out.push(cidr);
        }
    }
    Ok(out)
}

fn cidr(entry: &str) -> Option<String> {
    let (addr, mask) = match entry.split_once('/') {
        Some((a, m)) => (a.parse::<IpAddr>().ok()?, Some(m)),
        None => (entry.parse::<IpAddr>().ok()?, None),
    };
    let bits: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match mask {
        None => bits,
        Some(m) if !m.is_empty() && m.len() <= 3 && m.bytes().all(|c| c.is_ascii_digit()) => {
            m.parse::<u32>().ok().filter(|&p| p <= bits)?
        }
        Some(m) => match (addr, m.parse::<IpAddr>().ok()?) {
            (IpAddr::V4(_), IpAddr::V4(mask)) => {
                let m = u32::from(mask);
                // Only contiguous netmasks have a prefix length.
                (m.leading_ones() + m.trailing_zeros() == 32).then_some(m.leading_ones())?
            }
            _ => return None,
        },
    };
    let network = match addr {
        IpAddr::V4(a) => {
            let keep = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            IpAddr::from((u32::from(a) & keep).to_be_bytes())
        }
        IpAddr::V6(a) => {
            let keep = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::from((u128::from(a) & keep).to_be_bytes())
        }
    };
    Some(format!("{network}/{prefix}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Written by `pure-pw useradd alice -u 2001 -g 2002 -d /srv/ftp/alice -c 'Alice A'
    /// -t 100 -T 200 -n 1000 -N 50 -q 1 -Q 10 -r 192.168.1.0/24,10.0.0.1 -R 10.9.9.9
    /// -i 127.0.0.1 -I 127.0.0.2 -y 5 -z 0900-1800` (Pure-FTPd 1.0.50).
    const ALICE: &str = "alice:$argon2id$v=19$m=21845,t=127,p=1$m86O+xfHTP0qD2jT+NgP+A$vyr5IAtLfGmBSIfZVL5bTPsDNZPm0JO/7tSj1+SY/EU:2001:2002:Alice A:/srv/ftp/alice/./:204800:102400:1:10:5:1000:52428800:127.0.0.1:127.0.0.2:192.168.1.0/24,10.0.0.1:10.9.9.9:900-1800";

    #[test]
    fn every_field() {
        let e = parse(ALICE.as_bytes()).unwrap();
        assert_eq!(e.username, "alice");
        assert_eq!((e.uid, e.gid), (Some(2001), Some(2002)));
        assert_eq!(e.home.as_deref(), Some("/srv/ftp/alice"));
        assert_eq!((e.upload_bandwidth, e.download_bandwidth), (200, 100));
        assert_eq!(
            (e.max_sessions, e.quota_files, e.quota_size),
            (5, 1000, 52_428_800)
        );
        assert_eq!(e.allowed_ip, ["192.168.1.0/24", "10.0.0.1/32"]);
        assert_eq!(e.denied_ip, ["10.9.9.9/32"]);
        assert_eq!(
            e.notes,
            [
                Note::Dropped("upload/download ratio"),
                Note::Dropped("local (server) IP rules"),
                Note::Dropped("time restriction"),
            ]
        );
    }

    #[test]
    fn short_lines_and_homes() {
        let e = parse(b"bob:$1$x$y:2003:2003::/srv/ftp/bob").unwrap();
        assert_eq!(e.home.as_deref(), Some("/srv/ftp/bob"));
        assert_eq!(e.upload_bandwidth, 0);
        let mut notes = Vec::new();
        assert_eq!(chroot_home("/a/./b/c", &mut notes).as_deref(), Some("/a"));
        assert_eq!(notes, [Note::StartDirDropped]);
        assert_eq!(chroot_home("/./", &mut notes).as_deref(), Some("/"));
        assert_eq!(chroot_home("/a/.", &mut notes).as_deref(), Some("/a"));
        assert_eq!(chroot_home("rel/./", &mut notes).as_deref(), Some("rel"));
        assert_eq!(chroot_home("", &mut notes), None);
    }

    #[test]
    fn ip_forms() {
        let got = ip_rules(
            b" 10.1.2.3/8, ::1 ,2001:db8::5/32,10.0.0.0/255.255.0.0,0.0.0.0/0,,10.0.0.0/8",
            "f",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "10.0.0.0/8",
                "::1/128",
                "2001:db8::/32",
                "10.0.0.0/16",
                "0.0.0.0/0"
            ]
        );
        for bad in [
            "host.example",
            "10.0.0.0/33",
            "10.0.0.0/255.0.255.0",
            "1.2.3",
            "::1/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
        ] {
            assert_eq!(
                ip_rules(bad.as_bytes(), "f"),
                Err(LineFault::InvalidIpRule {
                    field: "f",
                    index: 1
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn malformed() {
        assert_eq!(
            parse(b"u:h:0:1::/x").unwrap_err(),
            LineFault::OutOfRange { field: "uid" }
        );
        assert!(matches!(
            parse(b"u:h:1:1::/x:::::::::::::1:").unwrap_err(),
            LineFault::FieldCount { found: 20, .. }
        ));
        assert_eq!(
            parse(b"u:h:1:1::/x:-5").unwrap_err(),
            LineFault::InvalidNumber {
                field: "upload bandwidth"
            }
        );
    }
}
