//! A look at the first lines of the input, so that a file of another format is refused before
//! anything is written: a shadow file read as htpasswd would otherwise "import" every user
//! with uid 0, and read as Pure-FTPd give one error per line.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, Read as _};

use super::Format;
use super::lines::MAX_LINE;

/// How many account lines (not blank, not `#`) are looked at.
pub(crate) const LINES: usize = 20;
/// The most bytes read ahead, comments included.
const MAX_BYTES: usize = 1 << 20;

/// The layouts told apart by their field counts and numeric fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// 9 fields, the third and later numeric or empty (`-1` allowed).
    Shadow,
    /// 18 fields, as `pure-pw` writes every line.
    PureFtpd,
    /// 7 fields with a numeric uid and gid: ProFTPD's `AuthUserFile`, `/etc/passwd`.
    Passwd,
    /// 2 fields.
    Htpasswd,
}

impl Layout {
    fn of(line: &[u8]) -> Option<Self> {
        let f: Vec<&[u8]> = line.split(|&c| c == b':').collect();
        let digits = |x: &[u8]| !x.is_empty() && x.iter().all(u8::is_ascii_digit);
        match f.len() {
            9 if f[2..]
                .iter()
                .all(|x| x.is_empty() || *x == b"-1" || digits(x)) =>
            {
                Some(Self::Shadow)
            }
            18 => Some(Self::PureFtpd),
            7 if digits(f[2]) && digits(f[3]) => Some(Self::Passwd),
            2 => Some(Self::Htpasswd),
            _ => None,
        }
    }

    const fn fits(self, format: Format) -> bool {
        matches!(
            (self, format),
            (Self::Shadow, Format::Shadow)
                | (Self::PureFtpd, Format::PureFtpd)
                | (Self::Passwd, Format::Proftpd)
                | (Self::Htpasswd, Format::Htpasswd)
        )
    }
}

/// Whether a line can be of `format`: its layout, or for Pure-FTPd (which reads lines whose
/// trailing fields are absent) any 6 to 17 fields of no other layout.
fn fits(line: &[u8], format: Format) -> Result<bool, Option<Layout>> {
    match Layout::of(line) {
        Some(layout) if layout.fits(format) => Ok(true),
        Some(layout) => Err(Some(layout)),
        None => {
            let fields = line.iter().filter(|&&c| c == b':').count() + 1;
            Ok(format == Format::PureFtpd && (6..=17).contains(&fields))
        }
    }
}

impl Layout {
    /// What a file of this layout is, for the error message.
    pub(crate) const fn description(self) -> &'static str {
        match self {
            Self::Shadow => "a shadow file (--format shadow)",
            Self::PureFtpd => "a Pure-FTPd file (--format pure-ftpd)",
            Self::Passwd => "a passwd or ProFTPD file (--format proftpd)",
            Self::Htpasswd => "an htpasswd file (--format htpasswd)",
        }
    }
}

/// Reads the input's first [`LINES`] account lines (at most 1 MiB), byte for byte, so that
/// they can be put back in front of the rest.
pub(crate) fn read_head<R: BufRead>(input: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut seen = 0;
    while seen < LINES && head.len() < MAX_BYTES {
        let start = head.len();
        let n = input
            .by_ref()
            .take(MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut head)?;
        if n == 0 || head.last() != Some(&b'\n') {
            break;
        }
        let line = &head[start..];
        if !(line.iter().all(u8::is_ascii_whitespace) || line.first() == Some(&b'#')) {
            seen += 1;
        }
    }
    Ok(head)
}

/// The layout the head's lines have, when none of them has the layout of `format` and at
/// least one has another's (the most common one).
pub(crate) fn looks_like(format: Format, head: &[u8]) -> Option<Layout> {
    let mut counts: Vec<(Layout, usize)> = Vec::new();
    for line in head.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first() == Some(&b'#') {
            continue;
        }
        let layout = match fits(line, format) {
            Ok(true) => return None,
            Ok(false) | Err(None) => continue,
            Err(Some(layout)) => layout,
        };
        match counts.iter_mut().find(|(l, _)| *l == layout) {
            Some((_, n)) => *n += 1,
            None => counts.push((layout, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(l, _)| l)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SHADOW: &[u8] = b"root:*:19000:0:99999:7:::\nu:$6$s$h:19000:0:99999:7:-1::\n";
    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\n";
    const PURE: &[u8] = b"a:$1$s$h:1001:1001::/srv/a/./::::::::::::\n";
    const HT: &[u8] = b"# comment\nweb:$apr1$s$h\n";

    #[test]
    fn each_layout_fits_its_format_only() {
        let cases = [
            (SHADOW, Format::Shadow, Layout::Shadow),
            (PASSWD, Format::Proftpd, Layout::Passwd),
            (PURE, Format::PureFtpd, Layout::PureFtpd),
            (HT, Format::Htpasswd, Layout::Htpasswd),
        ];
        for (text, own, layout) in cases {
            for format in [
                Format::Shadow,
                Format::PureFtpd,
                Format::Proftpd,
                Format::Htpasswd,
            ] {
                let want = (format != own).then_some(layout);
                assert_eq!(looks_like(format, text), want, "{format:?} {layout:?}");
            }
        }
    }

    #[test]
    fn one_fitting_line_or_no_known_layout_is_enough() {
        let mut mixed = SHADOW.to_vec();
        mixed.extend_from_slice(HT);
        assert_eq!(looks_like(Format::Htpasswd, &mixed), None);
        assert_eq!(looks_like(Format::Htpasswd, b"a:b:c\n\n"), None);
        assert_eq!(looks_like(Format::Shadow, b""), None);
        // Pure-FTPd reads lines without their trailing fields.
        let short = b"a:$1$s$h:1:1::/h/a/./:99\nb:$1$s$h:1:1::/h/b\n";
        assert_eq!(looks_like(Format::PureFtpd, short), None);
    }

    #[test]
    fn head_is_read_byte_for_byte_and_stops_after_the_lines() {
        let mut text = b"# c\n\n".to_vec();
        for i in 0..30 {
            text.extend_from_slice(format!("u{i}:h\r\n").as_bytes());
        }
        let mut input = &text[..];
        let head = read_head(&mut input).unwrap();
        assert_eq!(head.split(|&c| c == b'\n').count() - 1, 2 + LINES);
        let mut rest = head.clone();
        rest.extend_from_slice(input);
        assert_eq!(rest, text);
    }
}
