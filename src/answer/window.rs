//! Login times: weekdays and hours of the day, read in a time zone (an IANA name from the
//! system's zoneinfo, with its daylight saving time; a fixed offset such as `+02:00`; or
//! the system's own zone).

#![forbid(unsafe_code)]

use core::fmt;
use std::time::SystemTime;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// The names of the days, Monday first, as the configuration writes them.
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Minutes in a day: `24:00`, the end of the last span of a day.
const DAY_MINUTES: u16 = 24 * 60;

/// Why a zone, a day list or an hour list was refused; the message names the item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct WindowError(String);

/// The time zone login times are read in.
#[derive(Clone, Debug)]
pub(super) struct Zone {
    tz: TimeZone,
    label: String,
}

impl Zone {
    /// `UTC`, an IANA name (`Europe/Berlin`, read from the system's zoneinfo), a fixed
    /// offset `+HH:MM` / `-HH:MM`, or, for `None`, the system's zone (`TZ`, then
    /// `/etc/localtime`).
    pub(super) fn parse(spec: Option<&str>) -> Result<Self, WindowError> {
        let Some(spec) = spec else {
            let tz = TimeZone::try_system().map_err(|_| {
                WindowError("the system's time zone could not be read; set one".into())
            })?;
            let label = tz.iana_name().unwrap_or("local time").to_owned();
            return Ok(Self { tz, label });
        };
        if spec.starts_with(['+', '-']) {
            let seconds = fixed_offset(spec).ok_or_else(|| {
                WindowError(format!(
                    "{spec:?}: an offset is +HH:MM or -HH:MM, at most 23:59"
                ))
            })?;
            let offset = Offset::from_seconds(seconds)
                .map_err(|_| WindowError(format!("{spec:?}: offset out of range")))?;
            return Ok(Self {
                tz: TimeZone::fixed(offset),
                label: format!("UTC{spec}"),
            });
        }
        let name_ok = !spec.is_empty()
            && spec
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
            && !spec.split('/').any(|part| part.is_empty() || part == "..");
        if !name_ok {
            return Err(WindowError(format!(
                "{spec:?}: not a time zone name (such as Europe/Berlin or UTC) or offset (+02:00)"
            )));
        }
        let tz = TimeZone::get(spec).map_err(|_| {
            WindowError(format!(
                "{spec:?}: no such time zone in the system's zoneinfo (Debian: package tzdata)"
            ))
        })?;
        Ok(Self {
            tz,
            label: spec.to_owned(),
        })
    }

    /// The zone's name as lines show it.
    pub(super) fn label(&self) -> &str {
        &self.label
    }

    /// The weekday and time of day at `now` in this zone.
    pub(super) fn local(&self, now: SystemTime) -> Local {
        // Times before 1970 or past the year 9999 are no clock's: read as the epoch.
        let ts = Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH);
        let dt = self.tz.to_datetime(ts);
        let weekday = u8::try_from(dt.weekday().to_monday_zero_offset()).unwrap_or(0);
        let hour = u16::try_from(dt.hour()).unwrap_or(0);
        let minute = u16::try_from(dt.minute()).unwrap_or(0);
        Local {
            weekday,
            minute: hour * 60 + minute,
        }
    }
}

/// `+HH:MM` or `-HH:MM` in seconds.
fn fixed_offset(spec: &str) -> Option<i32> {
    let (sign, rest) = spec.split_at_checked(1)?;
    let minutes = clock(rest).filter(|&m| m < DAY_MINUTES)?;
    let seconds = i32::from(minutes) * 60;
    Some(if sign == "-" { -seconds } else { seconds })
}

/// `HH:MM`, exactly five characters, `00:00` to `24:00`, in minutes.
fn clock(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u16::from(b[i] - b'0');
    let (h, m) = (n(0) * 10 + n(1), n(3) * 10 + n(4));
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// A weekday (0 Monday … 6 Sunday) and a minute of the day (0–1439).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Local {
    weekday: u8,
    minute: u16,
}

#[cfg(test)]
impl Local {
    /// Monday 0 … Sunday 6; `minute` 0 to 1439.
    pub(super) fn new(weekday: u8, minute: u16) -> Self {
        Self {
            weekday: weekday % 7,
            minute: minute % DAY_MINUTES,
        }
    }
}

impl fmt::Display for Local {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = DAY_NAMES[usize::from(self.weekday)];
        write!(f, "{day} {:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

/// The days logins are allowed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Days(u8);

impl Days {
    /// Day names (`mon` … `sun`) and ranges (`mon-fri`; `fri-mon` wraps over the weekend).
    pub(super) fn parse(items: &[String]) -> Result<Self, WindowError> {
        if items.is_empty() {
            return Err(WindowError(
                "empty: it would allow no day (remove the key to allow every day)".into(),
            ));
        }
        let day = |name: &str| {
            DAY_NAMES
                .iter()
                .position(|d| *d == name)
                .and_then(|i| u8::try_from(i).ok())
        };
        let mut mask = 0u8;
        for item in items {
            let bad = || {
                WindowError(format!(
                    "{item:?}: a day is mon, tue, wed, thu, fri, sat or sun, a range is mon-fri"
                ))
            };
            match item.split_once('-') {
                None => mask |= 1 << day(item).ok_or_else(bad)?,
                Some((a, b)) => {
                    let (mut d, end) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
                    if d == end {
                        return Err(bad());
                    }
                    loop {
                        mask |= 1 << d;
                        if d == end {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
            }
        }
        Ok(Self(mask))
    }

    /// Whether `local` falls on one of the days.
    pub(super) fn contains(&self, local: Local) -> bool {
        self.0 & (1 << local.weekday) != 0
    }
}

/// The times of day logins are allowed at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Hours(Vec<(u16, u16)>);

impl Hours {
    /// Spans `HH:MM-HH:MM`, the end excluded; `00:00-24:00` is the whole day and
    /// `22:00-06:00` wraps over midnight (both parts on the day being checked).
    pub(super) fn parse(items: &[String]) -> Result<Self, WindowError> {
        if items.is_empty() {
            return Err(WindowError(
                "empty: it would allow no time (remove the key to allow any time)".into(),
            ));
        }
        let mut spans = Vec::with_capacity(items.len());
        for item in items {
            let span = item
                .split_once('-')
                .and_then(|(a, b)| Some((clock(a)?, clock(b)?)))
                .filter(|&(a, b)| a != b && a < DAY_MINUTES)
                .ok_or_else(|| {
                    WindowError(format!(
                        "{item:?}: a span is HH:MM-HH:MM from 00:00 to 24:00, start and end \
                         different (00:00-24:00 for the whole day)"
                    ))
                })?;
            spans.push(span);
        }
        Ok(Self(spans))
    }

    /// Whether `local`'s time of day is in one of the spans.
    pub(super) fn contains(&self, local: Local) -> bool {
        let m = local.minute;
        self.0.iter().any(|&(a, b)| {
            if a < b {
                (a..b).contains(&m)
            } else {
                m >= a || m < b
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn at(unix_secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix_secs)
    }

    #[test]
    fn days_and_ranges() {
        let weekdays = Days::parse(&strings(&["mon-fri"])).unwrap();
        assert!((0..5).all(|d| weekdays.contains(Local::new(d, 0))));
        assert!(!weekdays.contains(Local::new(5, 0)) && !weekdays.contains(Local::new(6, 0)));
        let weekend = Days::parse(&strings(&["fri-mon"])).unwrap();
        for (d, on) in [
            (0, true),
            (1, false),
            (3, false),
            (4, true),
            (5, true),
            (6, true),
        ] {
            assert_eq!(weekend.contains(Local::new(d, 0)), on, "{d}");
        }
        let some = Days::parse(&strings(&["tue", "thu", "sun"])).unwrap();
        assert!(some.contains(Local::new(1, 0)) && !some.contains(Local::new(2, 0)));
        for bad in [
            &[][..],
            &["Mon"],
            &["monday"],
            &["mon-mon"],
            &["mon-"],
            &["mon-fri-sat"],
            &[""],
        ] {
            assert!(Days::parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hours_and_midnight() {
        let office = Hours::parse(&strings(&["08:00-12:00", "13:00-18:30"])).unwrap();
        for (minute, on) in [
            (8 * 60 - 1, false),
            (8 * 60, true),
            (12 * 60 - 1, true),
            (12 * 60, false),
            (13 * 60, true),
            (18 * 60 + 29, true),
            (18 * 60 + 30, false),
        ] {
            assert_eq!(office.contains(Local::new(0, minute)), on, "{minute}");
        }
        let night = Hours::parse(&strings(&["22:00-06:00"])).unwrap();
        assert!(night.contains(Local::new(0, 23 * 60)) && night.contains(Local::new(0, 0)));
        assert!(!night.contains(Local::new(0, 6 * 60)) && !night.contains(Local::new(0, 12 * 60)));
        let all = Hours::parse(&strings(&["00:00-24:00"])).unwrap();
        assert!(all.contains(Local::new(0, 0)) && all.contains(Local::new(0, 1439)));
        for bad in [
            &[][..],
            &["8:00-12:00"],
            &["08:00-08:00"],
            &["24:00-08:00"],
            &["08:60-09:00"],
            &["08:00-24:01"],
            &["25:00-26:00"],
            &["08:00"],
            &["08:00 - 12:00"],
            &["08.00-12.00"],
        ] {
            assert!(Hours::parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn zones() {
        // 2024-01-15 (a Monday) 07:30 UTC.
        let monday = at(1_705_303_800);
        let utc = Zone::parse(Some("UTC")).unwrap();
        assert_eq!(utc.local(monday), Local::new(0, 7 * 60 + 30));
        assert_eq!(utc.local(monday).to_string(), "mon 07:30");
        let plus = Zone::parse(Some("+02:00")).unwrap();
        assert_eq!(plus.local(monday), Local::new(0, 9 * 60 + 30));
        assert_eq!(plus.label(), "UTC+02:00");
        let minus = Zone::parse(Some("-09:30")).unwrap();
        assert_eq!(minus.local(monday), Local::new(6, 22 * 60));
        for bad in [
            "+2:00",
            "+24:00",
            "+02",
            "02:00",
            "",
            "Europe/../etc",
            "/etc/passwd",
            "No/Such_Zone",
            "Europe/Berlin ",
        ] {
            assert!(Zone::parse(Some(bad)).is_err(), "{bad:?}");
        }
        // Daylight saving time: Berlin is UTC+1 in January and UTC+2 in July.
        let berlin = Zone::parse(Some("Europe/Berlin")).unwrap();
        assert_eq!(berlin.local(monday), Local::new(0, 8 * 60 + 30));
        // 2024-07-15 (a Monday) 07:30 UTC.
        let july = at(1_721_028_600);
        assert_eq!(berlin.local(july), Local::new(0, 9 * 60 + 30));
        assert_eq!(utc.local(july), Local::new(0, 7 * 60 + 30));
        assert!(Zone::parse(None).is_ok());
    }
}
