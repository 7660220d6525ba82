//! Helpers for the extra passes over seekable inputs: a reader at its own offset of a shared
//! file, and scratch files of fixed-size records.
//!
//! A scratch file is created `0600` beside the output and unlinked at once: it lives as long
//! as its handle, so nothing is left behind however the import ends.

#![forbid(unsafe_code)]

use std::borrow::Borrow;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write as _};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
use std::path::Path;

/// Reads `file` from its own offset (`pread`), so that several readers can walk one open
/// file independently.
pub(crate) struct At<F> {
    file: F,
    pos: u64,
}

impl<F: Borrow<File>> At<F> {
    pub(crate) const fn new(file: F, pos: u64) -> Self {
        Self { file, pos }
    }
}

impl<F: Borrow<File>> Read for At<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.borrow().read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// A record: three numbers.
pub(crate) type Record = [u64; 3];

/// Writes records to an unlinked scratch file.
pub(crate) struct RecordWriter {
    out: BufWriter<File>,
    file: File,
    count: u64,
}

impl RecordWriter {
    /// A new scratch file in `dir`.
    pub(crate) fn create(dir: &Path) -> io::Result<Self> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|_| io::Error::other("random number generator"))?;
        let path = dir.join(format!(
            ".passgate-import-{}-{:016x}.tmp",
            std::process::id(),
            u64::from_le_bytes(random)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Self {
            out: BufWriter::new(file.try_clone()?),
            file,
            count: 0,
        })
    }

    pub(crate) fn push(&mut self, record: Record) -> io::Result<()> {
        for n in record {
            self.out.write_all(&n.to_le_bytes())?;
        }
        self.count += 1;
        Ok(())
    }

    /// The records written, to read back in order.
    pub(crate) fn finish(mut self) -> io::Result<RecordReader> {
        self.out.flush()?;
        Ok(RecordReader {
            inner: BufReader::with_capacity(4096, At::new(self.file, 0)),
            left: self.count,
            head: None,
        })
    }
}

/// Reads records back in the order they were written.
pub(crate) struct RecordReader {
    inner: BufReader<At<File>>,
    left: u64,
    head: Option<Record>,
}

impl RecordReader {
    /// The next record, without consuming it.
    pub(crate) fn peek(&mut self) -> io::Result<Option<Record>> {
        if self.head.is_none() && self.left > 0 {
            let mut bytes = [0u8; 24];
            self.inner.read_exact(&mut bytes)?;
            self.left -= 1;
            let mut record = [0u64; 3];
            for (n, chunk) in record.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut b = [0u8; 8];
                b.copy_from_slice(chunk);
                *n = u64::from_le_bytes(b);
            }
            self.head = Some(record);
        }
        Ok(self.head)
    }

    /// Consumes the record [`peek`](Self::peek) returned.
    pub(crate) const fn advance(&mut self) {
        self.head = None;
    }

    /// Skips records whose first number is below `key`, and returns the one equal to it.
    pub(crate) fn find(&mut self, key: u64) -> io::Result<Option<Record>> {
        while let Some(r) = self.peek()? {
            if r[0] > key {
                return Ok(None);
            }
            self.advance();
            if r[0] == key {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn records_round_trip_and_leave_nothing() {
        let dir = std::env::temp_dir();
        let mut w = RecordWriter::create(&dir).unwrap();
        for i in 0..5000u64 {
            w.push([i * 2, i, u64::MAX - i]).unwrap();
        }
        let mut r = w.finish().unwrap();
        assert_eq!(r.find(3).unwrap(), None);
        assert_eq!(r.find(4).unwrap(), Some([4, 2, u64::MAX - 2]));
        assert_eq!(r.find(9998).unwrap(), Some([9998, 4999, u64::MAX - 4999]));
        assert_eq!(r.find(10_000).unwrap(), None);
        assert_eq!(r.peek().unwrap(), None);
    }

    #[test]
    fn readers_at_their_own_offsets() {
        let dir = std::env::temp_dir();
        let mut w = RecordWriter::create(&dir).unwrap();
        w.push([1, 2, 3]).unwrap();
        let r = w.finish().unwrap();
        let file = r.inner.get_ref().file.try_clone().unwrap();
        let mut a = At::new(&file, 0);
        let mut b = At::new(&file, 8);
        let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
        a.read_exact(&mut x).unwrap();
        b.read_exact(&mut y).unwrap();
        assert_eq!((u64::from_le_bytes(x), u64::from_le_bytes(y)), (1, 2));
    }
}
