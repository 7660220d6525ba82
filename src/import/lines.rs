//! Lines of an input file, read with a length cap so that memory does not depend on the
//! input: a line longer than the cap costs that line only.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, Read as _};

use super::report::LineFault;

/// The longest line read, in bytes (line ending excluded). Real account lines are far
/// shorter; Pure-FTPd's, the longest, stay under 1 KiB without long IP lists.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// One line: its number, the offset of its first byte, and its content.
pub(crate) type Line<'a> = (u64, u64, Result<&'a [u8], LineFault>);

/// A line reader over any `BufRead`. Strips one `\n` and then one `\r`.
pub(crate) struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    number: u64,
    offset: u64,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            number: 0,
            offset: 0,
        }
    }

    /// Bytes consumed so far.
    pub(crate) const fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line as `(number, offset of its first byte, content)`.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let start = self.offset;
        let cap = MAX_LINE as u64 + 2;
        let n = (&mut self.inner)
            .take(cap)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
        self.number += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() as u64 == cap {
            self.skip_rest()?;
            return Ok(Some((
                self.number,
                start,
                Err(LineFault::TooLong { max: MAX_LINE }),
            )));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > MAX_LINE {
            return Ok(Some((
                self.number,
                start,
                Err(LineFault::TooLong { max: MAX_LINE }),
            )));
        }
        Ok(Some((self.number, start, Ok(&self.buf))))
    }

    /// Discards input up to and including the next `\n`, without buffering it.
    fn skip_rest(&mut self) -> io::Result<()> {
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            let (used, done) = match available.iter().position(|&c| c == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            self.inner.consume(used);
            self.offset += used as u64;
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn all(input: &[u8]) -> Vec<(u64, u64, Result<Vec<u8>, LineFault>)> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some((n, at, l)) = lines.next_line().unwrap() {
            out.push((n, at, l.map(<[u8]>::to_vec)));
        }
        out
    }

    #[test]
    fn endings_and_offsets() {
        let got = all(b"a\r\nb\n\nc");
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (1, 0, Ok(b"a".to_vec())));
        assert_eq!(got[1], (2, 3, Ok(b"b".to_vec())));
        assert_eq!(got[2], (3, 5, Ok(Vec::new())));
        assert_eq!(got[3], (4, 6, Ok(b"c".to_vec())));
    }

    #[test]
    fn a_huge_line_costs_only_itself() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let mut exact = vec![b'y'; MAX_LINE];
        exact.extend_from_slice(b"\r\n");
        input.extend_from_slice(&exact);
        let got = all(&input);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].2, Err(LineFault::TooLong { max: MAX_LINE }));
        assert_eq!(got[1], (2, MAX_LINE as u64 * 3 + 1, Ok(b"next".to_vec())));
        assert_eq!(got[2].2.as_ref().unwrap().len(), MAX_LINE);
    }
}
