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
//!
//! What an SFTPGo user has no field for (the home as written, with its `/./` chroot mark,
//! bandwidth in bytes/s, ratios, local IP rules, the time restriction) is kept in
//! [`PureFtpdRules`], for answering Pure-FTPd itself.

#![forbid(unsafe_code)]

use std::net::IpAddr;

use super::Entry;
use super::fields::{expect_fields, id, optional_number, split, text, username};
use super::report::{LineFault, Note};

/// What a `pureftpd.passwd` line holds as Pure-FTPd reads it (`log_puredb.c`
/// `pw_puredb_parseline`), for answering Pure-FTPd: the fields an SFTPGo user has no room
/// for, and those it converts. An empty field is `None`, as Pure-FTPd leaves the setting
/// alone for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PureFtpdRules {
    /// The home as written: `/./` marks the chroot (`/srv/ftp/u/./` jails the user in
    /// `/srv/ftp/u`).
    pub dir: String,
    /// Upload bandwidth, bytes/s.
    pub throttling_bandwidth_ul: Option<u64>,
    /// Download bandwidth, bytes/s.
    pub throttling_bandwidth_dl: Option<u64>,
    /// Upload part of the upload/download ratio (Pure-FTPd applies only values above 0).
    pub ratio_upload: Option<u32>,
    /// Download part of the upload/download ratio (Pure-FTPd applies only values above 0).
    pub ratio_download: Option<u32>,
    /// Most concurrent sessions.
    pub per_user_max: Option<u32>,
    /// Quota: files.
    pub user_quota_files: Option<u64>,
    /// Quota: bytes.
    pub user_quota_size: Option<u64>,
    /// Rules on the local (server) address the client connected to; `None` when one of them
    /// is not an address or network (a host name, which Pure-FTPd resolves and passgate
    /// does not): no login can then be allowed.
    pub local_ip: Option<IpRules>,
    /// The hours logins are allowed in.
    pub time_window: TimeWindow,
}

/// Allowed and denied addresses, as CIDR networks (`192.0.2.0/24`, `2001:db8::/32`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IpRules {
    /// Allowed networks; empty: any.
    pub allowed: Vec<String>,
    /// Denied networks.
    pub denied: Vec<String>,
}

/// Field 17, `HHMM-HHMM`: when logins are allowed, in the server's local time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeWindow {
    /// No restriction (an empty field).
    #[default]
    Always,
    /// From `from` to `to` inclusive, as `hour * 100 + minute`; across midnight when `from`
    /// is after `to` (`2200-0600`).
    Between {
        /// The first minute allowed.
        from: u32,
        /// The last minute allowed.
        to: u32,
    },
    /// A field that is not two numbers: Pure-FTPd refuses every login then.
    Never,
}

impl TimeWindow {
    /// Field 17 as Pure-FTPd's `time_restrictions_check` reads it, strictly: up to four
    /// digits, `-`, up to four digits. Anything else is [`Never`](Self::Never).
    fn parse(field: &[u8]) -> Self {
        if field.is_empty() {
            return Self::Always;
        }
        let hhmm = |s: &[u8]| -> Option<u32> {
            if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(s.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')))
        };
        let mut parts = field.splitn(2, |&c| c == b'-');
        match (parts.next().and_then(hhmm), parts.next().and_then(hhmm)) {
            (Some(from), Some(to)) => Self::Between { from, to },
            _ => Self::Never,
        }
    }

    /// Whether a login at `now` (`hour * 100 + minute`) is allowed.
    pub fn allows(self, now: u32) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Between { from, to } if from <= to => (from..=to).contains(&now),
            Self::Between { from, to } => now >= from || now <= to,
        }
    }
}

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
    let dir = text(f[5], "home")?;
    e.home = chroot_home(dir, &mut e.notes);
    let mut rules = PureFtpdRules {
        dir: dir.to_owned(),
        ..PureFtpdRules::default()
    };

    let (ul, upload) = kbps(field(6), "upload bandwidth", &mut e.notes)?;
    let (dl, download) = kbps(field(7), "download bandwidth", &mut e.notes)?;
    (e.upload_bandwidth, e.download_bandwidth) = (ul, dl);
    (rules.throttling_bandwidth_ul, rules.throttling_bandwidth_dl) = (upload, download);
    let up = optional_number(field(8), "upload ratio", u64::from(u32::MAX))?;
    let down = optional_number(field(9), "download ratio", u64::from(u32::MAX))?;
    if up.unwrap_or(0) > 0 || down.unwrap_or(0) > 0 {
        e.notes.push(Note::Dropped("upload/download ratio"));
    }
    // Pure-FTPd applies a ratio only when it is above 0.
    rules.ratio_upload = up.filter(|&r| r > 0).map(|r| r as u32);
    rules.ratio_download = down.filter(|&r| r > 0).map(|r| r as u32);
    let int32 = i32::MAX as u64;
    let max_sessions = optional_number(field(10), "max sessions", int32)?;
    let quota_files = optional_number(field(11), "quota files", int32)?;
    let quota_size = optional_number(field(12), "quota size", i64::MAX as u64)?;
    e.max_sessions = max_sessions.unwrap_or(0) as i32;
    e.quota_files = quota_files.unwrap_or(0) as i32;
    e.quota_size = quota_size.unwrap_or(0) as i64;
    rules.per_user_max = max_sessions.map(|n| n as u32);
    (rules.user_quota_files, rules.user_quota_size) = (quota_files, quota_size);
    if !field(13).is_empty() || !field(14).is_empty() {
        e.notes.push(Note::Dropped("local (server) IP rules"));
    }
    // SFTPGo has no local address rules, so one passgate cannot read does not fail the line.
    rules.local_ip = match (
        ip_rules(field(13), "allowed local IPs"),
        ip_rules(field(14), "denied local IPs"),
    ) {
        (Ok(allowed), Ok(denied)) => Some(IpRules { allowed, denied }),
        _ => None,
    };
    e.allowed_ip = ip_rules(field(15), "allowed client IPs")?;
    e.denied_ip = ip_rules(field(16), "denied client IPs")?;
    if !field(17).is_empty() {
        e.notes.push(Note::Dropped("time restriction"));
    }
    rules.time_window = TimeWindow::parse(field(17));
    e.pure_ftpd = Some(rules);
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

/// Bytes/s to KB/s, rounded up so that a limit under 1 KB/s stays a limit; and the bytes/s
/// as written.
fn kbps(
    field: &[u8],
    name: &'static str,
    notes: &mut Vec<Note>,
) -> Result<(i64, Option<u64>), LineFault> {
    let written = optional_number(field, name, i64::MAX as u64)?;
    let bytes = written.unwrap_or(0);
    if bytes % 1024 != 0 {
        notes.push(Note::BandwidthRoundedUp);
    }
    Ok((bytes.div_ceil(1024) as i64, written))
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
        // As Pure-FTPd itself reads the line.
        let r = e.pure_ftpd.unwrap();
        assert_eq!(r.dir, "/srv/ftp/alice/./");
        assert_eq!(
            (r.throttling_bandwidth_ul, r.throttling_bandwidth_dl),
            (Some(204_800), Some(102_400))
        );
        assert_eq!((r.ratio_upload, r.ratio_download), (Some(1), Some(10)));
        assert_eq!(
            (r.per_user_max, r.user_quota_files, r.user_quota_size),
            (Some(5), Some(1000), Some(52_428_800))
        );
        let local = r.local_ip.unwrap();
        assert_eq!(
            (local.allowed, local.denied),
            (
                vec!["127.0.0.1/32".to_owned()],
                vec!["127.0.0.2/32".to_owned()]
            )
        );
        assert_eq!(
            r.time_window,
            TimeWindow::Between {
                from: 900,
                to: 1800
            }
        );
    }

    #[test]
    fn pure_ftpd_rules_of_sparse_lines() {
        let e = parse(b"bob:$1$x$y:2003:2003::/srv/ftp/bob:::0:::::host.example::::").unwrap();
        let r = e.pure_ftpd.unwrap();
        assert_eq!(r.dir, "/srv/ftp/bob");
        assert_eq!(r.throttling_bandwidth_ul, None);
        // A ratio of 0 is none; a host name as a local rule reads as no rules at all.
        assert_eq!((r.ratio_upload, r.ratio_download), (None, None));
        assert_eq!(r.local_ip, None);
        assert_eq!(r.time_window, TimeWindow::Always);
        let short = parse(b"bob:$1$x$y:2003:2003::/srv/ftp/bob/./sub").unwrap();
        assert_eq!(short.pure_ftpd.unwrap().dir, "/srv/ftp/bob/./sub");
        for (field, window) in [
            (
                &b"0900-1800"[..],
                TimeWindow::Between {
                    from: 900,
                    to: 1800,
                },
            ),
            (
                b"2200-600",
                TimeWindow::Between {
                    from: 2200,
                    to: 600,
                },
            ),
            (b"9-5pm", TimeWindow::Never),
            (b"-", TimeWindow::Never),
            (b"900", TimeWindow::Never),
            (b"00900-1800", TimeWindow::Never),
            (b" 900-1800", TimeWindow::Never),
        ] {
            assert_eq!(TimeWindow::parse(field), window);
        }
        assert!(TimeWindow::Always.allows(0) && !TimeWindow::Never.allows(1200));
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
