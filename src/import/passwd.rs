//! The passwd file beside a shadow file (`name:x:uid:gid:gecos:home:shell`), joined to it by
//! user name with memory that does not grow with the files.
//!
//! shadow-utils keeps the two files in the same order, so the join reads the passwd file
//! forward alongside the shadow file. Entries it passes over wait in a small buffer. When
//! that overflows (files in different orders) and the shadow file is seekable, the rest of
//! the join is worked out at once: the remaining shadow names are read in bounded chunks,
//! each chunk is looked up in one pass over the passwd file, and the answers (the offset
//! and number of the passwd line, in shadow order) go to an unlinked scratch file that the
//! import then reads alongside the shadow file. A shadow file that cannot be read again (a
//! pipe) falls back to an index of keyed 64-bit name hashes to line offsets (24 bytes an
//! entry), which grows with the passwd file.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher as _, RandomState};
use std::io::{self, BufReader};
use std::path::Path;

use super::dedup::{Limits, Names};
use super::fields::{expect_fields, id, split, text, username};
use super::lines::Lines;
use super::report::LineFault;
use super::scratch::{At, RecordReader, RecordWriter};

/// What the passwd file says about a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Found {
        uid: u32,
        gid: u32,
        /// Empty when the field is empty.
        home: String,
    },
    Missing,
    Malformed {
        line: u64,
        fault: LineFault,
    },
}

/// The name of a passwd line, when readable: what [`parse`] keys its answer by.
fn name_of(line: &[u8]) -> Option<&str> {
    if line.contains(&0) {
        return None;
    }
    let end = line.iter().position(|&c| c == b':').unwrap_or(line.len());
    username(line.get(..end)?).ok()
}

/// A parsed passwd line: the name (when readable) and the rest.
fn parse(line: &[u8], number: u64) -> Option<(String, Lookup)> {
    let name = name_of(line)?.to_owned();
    let f = split(line).ok()?;
    let entry = (|| {
        expect_fields(&f, 7, 7, "7")?;
        Ok(Lookup::Found {
            uid: id(f[2], "uid")?,
            gid: id(f[3], "gid")?,
            home: text(f[5], "home")?.to_owned(),
        })
    })()
    .unwrap_or_else(|fault| Lookup::Malformed {
        line: number,
        fault,
    });
    Some((name, entry))
}

/// Where the shadow file's reading is, for the join to read the rest of it.
pub(crate) struct ShadowAt<'a, 'n> {
    /// The shadow file, readable from any offset.
    pub(crate) file: &'a File,
    /// The number of the line being joined.
    pub(crate) line: u64,
    /// The offset of its first byte.
    pub(crate) offset: u64,
    /// The user name of a shadow line, as the import sees it.
    pub(crate) names: &'a mut Names<'n>,
    /// Where scratch files go.
    pub(crate) dir: &'a Path,
}

/// The join.
pub struct Passwd {
    file: File,
    lines: Lines<BufReader<File>>,
    eof: bool,
    pending: HashMap<String, Lookup>,
    pending_max: usize,
    index: Option<Index>,
    joined: Option<RecordReader>,
}

struct Index {
    keys: RandomState,
    /// Keyed name hash → (offset, line number) of the first line with that hash.
    first: HashMap<u64, (u64, u64)>,
    /// Further lines for hashes that several names share.
    more: HashMap<u64, Vec<(u64, u64)>>,
}

impl Passwd {
    /// Opens a passwd file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        Ok(Self {
            lines: Lines::new(BufReader::new(file.try_clone()?)),
            file,
            eof: false,
            pending: HashMap::new(),
            pending_max: Limits::DEFAULT.pending_max,
            index: None,
            joined: None,
        })
    }

    /// Looks `name` up. With `shadow` (a seekable shadow file), memory stays bounded
    /// whatever the order of the two files.
    pub(crate) fn lookup(
        &mut self,
        name: &str,
        shadow: Option<(ShadowAt<'_, '_>, &Limits)>,
    ) -> io::Result<Lookup> {
        if self.joined.is_some() {
            return self.lookup_joined(name, shadow.as_ref().map_or(0, |(s, _)| s.line));
        }
        if self.index.is_some() {
            return self.lookup_indexed(name);
        }
        if let Some(found) = self.pending.remove(name) {
            return Ok(found);
        }
        if let Some((_, limits)) = &shadow {
            self.pending_max = limits.pending_max;
        }
        while !self.eof {
            let Some((number, _, line)) = self.lines.next_line()? else {
                self.eof = true;
                break;
            };
            let Some((other, entry)) = line.ok().and_then(|l| parse(l, number)) else {
                continue;
            };
            if other == name {
                return Ok(entry);
            }
            if self.pending.len() >= self.pending_max {
                self.pending = HashMap::new();
                if let Some((shadow, limits)) = shadow {
                    let line = shadow.line;
                    self.joined = Some(self.join_rest(shadow, limits)?);
                    return self.lookup_joined(name, line);
                }
                self.build_index()?;
                return self.lookup_indexed(name);
            }
            // The first line for a name wins, as in getpwnam().
            self.pending.entry(other).or_insert(entry);
        }
        Ok(Lookup::Missing)
    }

    /// Joins the shadow file from `shadow.line` to its end, chunk by chunk: one pass over
    /// the passwd file a chunk. Records: `(shadow line, passwd offset, passwd line or 0)`.
    fn join_rest(&self, shadow: ShadowAt<'_, '_>, limits: &Limits) -> io::Result<RecordReader> {
        let mut out = RecordWriter::create(shadow.dir)?;
        let mut input = Lines::new(BufReader::new(At::new(shadow.file, shadow.offset)));
        let base = shadow.line - 1;
        let mut done = false;
        while !done {
            let mut slots: HashMap<Box<str>, usize> = HashMap::new();
            let mut order: Vec<(u64, usize)> = Vec::new();
            let mut bytes = 0;
            while order.len() < limits.join_lines && bytes < limits.join_bytes {
                let Some((n, _, line)) = input.next_line()? else {
                    done = true;
                    break;
                };
                let Some(name) = line.ok().and_then(&mut *shadow.names) else {
                    continue;
                };
                let slot = match slots.get(name) {
                    Some(&slot) => slot,
                    None => {
                        bytes += name.len();
                        let slot = slots.len();
                        slots.insert(name.into(), slot);
                        slot
                    }
                };
                order.push((base + n, slot));
            }
            if order.is_empty() {
                break;
            }
            // (offset, line) of the first passwd line of each name; line 0: none.
            let mut found = vec![(0u64, 0u64); slots.len()];
            let mut left = slots.len();
            let mut passwd = Lines::new(BufReader::new(At::new(&self.file, 0)));
            while left > 0
                && let Some((number, offset, line)) = passwd.next_line()?
            {
                if let Some(name) = line.ok().and_then(name_of)
                    && let Some(&slot) = slots.get(name)
                    && let Some(f) = found.get_mut(slot)
                    && f.1 == 0
                {
                    *f = (offset, number);
                    left -= 1;
                }
            }
            for (line, slot) in order {
                let (offset, number) = found.get(slot).copied().unwrap_or_default();
                out.push([line, offset, number])?;
            }
        }
        out.finish()
    }

    fn lookup_joined(&mut self, name: &str, line: u64) -> io::Result<Lookup> {
        let Some(joined) = &mut self.joined else {
            return Ok(Lookup::Missing);
        };
        match joined.find(line)? {
            Some([_, offset, number]) if number > 0 => Ok(self.read_at(offset, number, name)?),
            _ => Ok(Lookup::Missing),
        }
    }

    /// The entry of passwd line `number` at `offset`, if it is `name`'s.
    fn read_at(&self, offset: u64, number: u64, name: &str) -> io::Result<Lookup> {
        let mut lines = Lines::new(BufReader::with_capacity(512, At::new(&self.file, offset)));
        if let Some((_, _, Ok(line))) = lines.next_line()?
            && let Some((other, entry)) = parse(line, number)
            && other == name
        {
            return Ok(entry);
        }
        Ok(Lookup::Missing)
    }

    fn build_index(&mut self) -> io::Result<()> {
        let mut index = Index {
            keys: RandomState::new(),
            first: HashMap::new(),
            more: HashMap::new(),
        };
        let mut lines = Lines::new(BufReader::new(At::new(&self.file, 0)));
        while let Some((number, offset, line)) = lines.next_line()? {
            let Some(name) = line.ok().and_then(name_of) else {
                continue;
            };
            let key = index.keys.hash_one(name);
            match index.first.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => {
                    index.more.entry(key).or_default().push((offset, number));
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((offset, number));
                }
            }
        }
        self.index = Some(index);
        Ok(())
    }

    fn lookup_indexed(&mut self, name: &str) -> io::Result<Lookup> {
        let Some(index) = &self.index else {
            return Ok(Lookup::Missing);
        };
        let key = index.keys.hash_one(name);
        let candidates: Vec<(u64, u64)> = index
            .first
            .get(&key)
            .into_iter()
            .chain(index.more.get(&key).into_iter().flatten())
            .copied()
            .collect();
        for (offset, number) in candidates {
            let found = self.read_at(offset, number, name)?;
            if found != Lookup::Missing {
                return Ok(found);
            }
        }
        Ok(Lookup::Missing)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_passwd(content: &str) -> (std::path::PathBuf, Passwd) {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let path = std::env::temp_dir().join(format!(
            "passgate-passwd-{}-{:x}",
            std::process::id(),
            u64::from_le_bytes(random)
        ));
        std::fs::write(&path, content).unwrap();
        let p = Passwd::open(&path).unwrap();
        (path, p)
    }

    #[test]
    fn same_order_and_out_of_order() {
        let (path, mut p) = temp_passwd(
            "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1002:Bob:/home/bob:/bin/sh\nbad:x:-1:0::/x:/bin/sh\nann:x:1000:1000::/home/ann:/bin/sh\n",
        );
        assert_eq!(
            p.lookup("ann", None).unwrap(),
            Lookup::Found {
                uid: 1000,
                gid: 1000,
                home: "/home/ann".into()
            }
        );
        assert!(matches!(
            p.lookup("bob", None).unwrap(),
            Lookup::Found { uid: 1001, .. }
        ));
        assert_eq!(
            p.lookup("bad", None).unwrap(),
            Lookup::Malformed {
                line: 3,
                fault: LineFault::InvalidNumber { field: "uid" }
            }
        );
        assert_eq!(p.lookup("nobody", None).unwrap(), Lookup::Missing);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn index_when_orders_differ() {
        let mut content = String::new();
        for i in 0..Limits::DEFAULT.pending_max + 10 {
            content.push_str(&format!("u{i}:x:{i}:{i}::/home/u{i}:/bin/sh\n"));
        }
        let (path, mut p) = temp_passwd(&content);
        let last = Limits::DEFAULT.pending_max + 9;
        assert!(
            matches!(p.lookup(&format!("u{last}"), None).unwrap(), Lookup::Found { uid, .. } if uid as usize == last)
        );
        assert!(p.index.is_some());
        assert!(matches!(
            p.lookup("u0", None).unwrap(),
            Lookup::Found { uid: 0, .. }
        ));
        assert!(matches!(
            p.lookup("u5", None).unwrap(),
            Lookup::Found { uid: 5, .. }
        ));
        assert_eq!(p.lookup("nobody", None).unwrap(), Lookup::Missing);
        std::fs::remove_file(path).unwrap();
    }
}
