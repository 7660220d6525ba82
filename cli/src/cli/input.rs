//! Stored hashes read from a file or standard input: one line at a time, each at most
//! [`MAX_LINE`] bytes, so `/dev/zero` or a runaway pipe cannot grow memory without bound.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, Read as _};
use std::path::Path;

use anyhow::{Context as _, bail};

/// The longest line read, in bytes (line ending excluded). Stored hashes are far shorter:
/// the longest passgate accepts, passlib's PBKDF2 with a 1024-byte salt, is under 1.5 KiB.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The line, less its `\n` or `\r\n` ending.
    Text(String),
    /// The line is not UTF-8 (so it is no stored hash passgate reads).
    NotUtf8,
}

/// Reads the next line, or `None` at the end of input. A line longer than [`MAX_LINE`] is an
/// error: the rest of it is not read, since it may never end.
pub(crate) fn next_line(reader: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut buf = Vec::new();
    // Room for the longest line, its `\r\n`, and nothing more.
    let cap = MAX_LINE as u64 + 2;
    let n = reader.take(cap).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    let ended = buf.last() == Some(&b'\n');
    if ended {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if buf.len() > MAX_LINE || (!ended && n as u64 == cap) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {} KiB", MAX_LINE / 1024),
        ));
    }
    Ok(Some(match String::from_utf8(buf) {
        Ok(text) => Line::Text(text),
        Err(_) => Line::NotUtf8,
    }))
}

/// The first line of a file: the stored hash of `verify --stored-file`.
pub(crate) fn first_line(path: &Path) -> anyhow::Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = io::BufReader::new(file);
    match next_line(&mut reader).with_context(|| format!("reading {}", path.display()))? {
        Some(Line::Text(text)) => Ok(text),
        Some(Line::NotUtf8) => bail!("the first line of {} is not UTF-8", path.display()),
        None => bail!("{} is empty", path.display()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lines(input: &[u8]) -> Vec<io::Result<Option<Line>>> {
        let mut r = io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        loop {
            let l = next_line(&mut r);
            let stop = !matches!(l, Ok(Some(_)));
            out.push(l);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn endings_and_utf8() {
        let got = lines(b"a\nb\r\nc\r\r\n\xff\nlast");
        let texts: Vec<_> = got.into_iter().map(|l| l.unwrap()).collect();
        assert_eq!(
            texts,
            [
                Some(Line::Text("a".into())),
                Some(Line::Text("b".into())),
                Some(Line::Text("c\r".into())),
                Some(Line::NotUtf8),
                Some(Line::Text("last".into())),
                None
            ]
        );
    }

    #[test]
    fn longest_line_and_one_more() {
        let mut ok = vec![b'x'; MAX_LINE];
        ok.extend_from_slice(b"\r\n");
        assert!(matches!(lines(&ok)[0], Ok(Some(Line::Text(ref t))) if t.len() == MAX_LINE));
        let mut unterminated = vec![b'x'; MAX_LINE];
        assert!(matches!(lines(&unterminated)[0], Ok(Some(Line::Text(_)))));
        unterminated.push(b'x');
        assert!(lines(&unterminated)[0].is_err());
        let mut long = vec![b'x'; MAX_LINE + 1];
        long.push(b'\n');
        assert!(lines(&long)[0].is_err());
    }

    #[test]
    fn endless_input_is_refused_after_one_bounded_read() {
        let mut zeros = io::BufReader::new(io::repeat(0));
        let err = next_line(&mut zeros).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
