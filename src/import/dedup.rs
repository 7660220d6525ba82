//! Duplicate user names, found with memory that does not grow with the input.
//!
//! The first line with a name wins; later lines with it are skipped as
//! [`Duplicate`](super::SkipReason::Duplicate) and name the first line. The output is
//! streamed, so that must be known when a line is read. For a seekable input it is worked
//! out before the import, in passes over the input:
//!
//! 1. every name goes through a fixed-size Bloom filter (random keys each run); a name the
//!    filter may have seen before is a *candidate*, kept in a bounded batch;
//! 2. when the batch is full (and at the end), one pass over the whole input confirms it
//!    exactly: the first line of each candidate name is recorded, and every later line with
//!    it is written to an unlinked scratch file as `(line, first line)`. Candidates that were
//!    false positives have a single line and produce nothing;
//! 3. the import then reads those sorted runs alongside the input.
//!
//! Memory: the filter, one batch and a 4 KiB buffer per run (runs are merged when many).
//! An input that cannot be read again (a pipe) keeps a keyed 64-bit hash and a line number
//! per name in memory instead, growing with the input.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher as _, RandomState};
use std::io::{self, BufReader};
use std::path::Path;

use super::lines::Lines;
use super::scratch::{At, RecordReader, RecordWriter};

/// Memory budgets of the bounded paths. Tests shrink them to reach the rare paths.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Bits in the Bloom filter (a power of two, at least 64).
    pub(crate) bloom_bits: u64,
    /// Candidate names confirmed per pass.
    pub(crate) batch_names: usize,
    /// Bytes of candidate names confirmed per pass.
    pub(crate) batch_bytes: usize,
    /// Runs kept before they are merged into one.
    pub(crate) max_runs: usize,
    /// Shadow lines joined to the passwd file per pass over it (out-of-order files).
    pub(crate) join_lines: usize,
    /// Bytes of shadow names joined per pass over the passwd file.
    pub(crate) join_bytes: usize,
    /// passwd entries passed over before the join stops reading alongside the shadow file.
    pub(crate) pending_max: usize,
}

impl Limits {
    /// About 8 MiB of filter, 4 MiB of batch, 5 MiB of join chunk.
    pub(crate) const DEFAULT: Self = Self {
        bloom_bits: 1 << 26,
        batch_names: 1 << 16,
        batch_bytes: 4 << 20,
        max_runs: 32,
        join_lines: 1 << 16,
        join_bytes: 2 << 20,
        pending_max: 4096,
    };
}

/// Hash functions of the filter.
const HASHES: u64 = 7;

/// A Bloom filter over user names, keyed per run.
struct Bloom {
    bits: Vec<u64>,
    mask: u64,
    keys: (RandomState, RandomState),
}

impl Bloom {
    fn new(bits: u64) -> Self {
        let bits = bits.next_power_of_two().max(64);
        Self {
            bits: vec![0; (bits / 64) as usize],
            mask: bits - 1,
            keys: (RandomState::new(), RandomState::new()),
        }
    }

    /// Adds `name`; whether it may have been added before.
    fn insert(&mut self, name: &str) -> bool {
        let h1 = self.keys.0.hash_one(name);
        let h2 = self.keys.1.hash_one(name) | 1;
        let mut seen = true;
        for i in 0..HASHES {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) & self.mask;
            let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
            if let Some(w) = self.bits.get_mut(word) {
                seen &= *w & mask != 0;
                *w |= mask;
            }
        }
        seen
    }
}

/// The name of an account line, as the import sees it (`None`: not an account it checks).
pub(crate) type Names<'n> = dyn FnMut(&[u8]) -> Option<&str> + 'n;

/// Duplicate detection for one import.
pub(crate) enum Duplicates {
    /// Unseekable input: every name's keyed hash and first line.
    Memory {
        keys: RandomState,
        seen: HashMap<u64, u64>,
    },
    /// Worked out beforehand: sorted runs of `(line, first line, 0)`.
    Prepared { runs: Vec<RecordReader> },
}

impl Duplicates {
    pub(crate) fn in_memory() -> Self {
        Self::Memory {
            keys: RandomState::new(),
            seen: HashMap::new(),
        }
    }

    /// Reads `input` (from its start) to find every duplicate line.
    pub(crate) fn prepare(
        input: &File,
        names: &mut Names<'_>,
        limits: &Limits,
        dir: &Path,
    ) -> io::Result<Self> {
        let mut bloom = Bloom::new(limits.bloom_bits);
        let mut batch: HashMap<Box<str>, u64> = HashMap::new();
        let mut bytes = 0;
        let mut runs = Vec::new();
        let mut lines = Lines::new(BufReader::new(At::new(input, 0)));
        while let Some((_, _, line)) = lines.next_line()? {
            let Some(name) = line.ok().and_then(&mut *names) else {
                continue;
            };
            if bloom.insert(name) && !batch.contains_key(name) {
                bytes += name.len();
                batch.insert(name.into(), 0);
                if batch.len() >= limits.batch_names || bytes >= limits.batch_bytes {
                    confirm(input, names, &mut batch, dir, &mut runs, limits)?;
                    bytes = 0;
                }
            }
        }
        drop(bloom);
        if !batch.is_empty() {
            confirm(input, names, &mut batch, dir, &mut runs, limits)?;
        }
        Ok(Self::Prepared { runs })
    }

    /// The first line of `name` if `line` repeats it. Called with increasing lines, for
    /// every line the `names` of [`prepare`](Self::prepare) gives a name for.
    pub(crate) fn check(&mut self, name: &str, line: u64) -> io::Result<Option<u64>> {
        match self {
            Self::Memory { keys, seen } => {
                let key = keys.hash_one(name);
                if let Some(&first) = seen.get(&key) {
                    return Ok(Some(first));
                }
                seen.insert(key, line);
                Ok(None)
            }
            Self::Prepared { runs } => {
                let mut first = None;
                for run in runs {
                    if let Some(r) = run.find(line)? {
                        first = Some(r[1]);
                    }
                }
                Ok(first)
            }
        }
    }
}

/// One pass over the input for a batch of candidates: their later lines, as a run.
fn confirm(
    input: &File,
    names: &mut Names<'_>,
    batch: &mut HashMap<Box<str>, u64>,
    dir: &Path,
    runs: &mut Vec<RecordReader>,
    limits: &Limits,
) -> io::Result<()> {
    let mut out = RecordWriter::create(dir)?;
    let mut lines = Lines::new(BufReader::new(At::new(input, 0)));
    while let Some((number, _, line)) = lines.next_line()? {
        let Some(name) = line.ok().and_then(&mut *names) else {
            continue;
        };
        if let Some(first) = batch.get_mut(name) {
            if *first == 0 {
                *first = number;
            } else {
                out.push([number, *first, 0])?;
            }
        }
    }
    batch.clear();
    let mut run = out.finish()?;
    if run.peek()?.is_some() {
        runs.push(run);
    }
    if runs.len() >= limits.max_runs.max(2) {
        let merged = merge(std::mem::take(runs), dir)?;
        runs.push(merged);
    }
    Ok(())
}

/// Merges sorted runs into one; a line in several runs (a name that became a candidate
/// again after its batch) is kept once.
fn merge(mut runs: Vec<RecordReader>, dir: &Path) -> io::Result<RecordReader> {
    let mut out = RecordWriter::create(dir)?;
    let mut last = 0;
    loop {
        let mut min: Option<(usize, [u64; 3])> = None;
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(r) = run.peek()?
                && min.is_none_or(|(_, m)| r[0] < m[0])
            {
                min = Some((i, r));
            }
        }
        let Some((i, r)) = min else { break };
        if let Some(run) = runs.get_mut(i) {
            run.advance();
        }
        if r[0] != last {
            out.push(r)?;
            last = r[0];
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_full_filter_says_seen() {
        let mut b = Bloom::new(64);
        for i in 0..1000 {
            b.insert(&format!("u{i}"));
        }
        assert!(b.insert("never added"));
        let mut b = Bloom::new(Limits::DEFAULT.bloom_bits);
        assert!(!b.insert("a"));
        assert!(b.insert("a"));
        assert!(!b.insert("b"));
    }
}
