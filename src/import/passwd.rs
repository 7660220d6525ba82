//! The passwd file beside a shadow file (`name:x:uid:gid:gecos:home:shell`), joined to it by
//! user name with memory that does not grow with the files.
//!
//! shadow-utils keeps the two files in the same order, so the join reads the passwd file
//! forward alongside the shadow file. Entries it passes over wait in a small buffer; when
//! that overflows (files in different orders), it builds an index of keyed 64-bit name
//! hashes to line offsets (24 bytes an entry) and reads entries by seeking.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher as _, RandomState};
use std::io::{self, BufReader};
use std::path::Path;

use super::fields::{expect_fields, id, split, text, username};
use super::lines::Lines;
use super::report::LineFault;

/// Entries passed over before the join switches to an index.
const PENDING_MAX: usize = 4096;

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

/// A parsed passwd line: the name (when readable) and the rest.
fn parse(line: &[u8], number: u64) -> Option<(String, Lookup)> {
    let f = split(line).ok()?;
    let name = username(f.first()?).ok()?.to_owned();
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

/// The join.
pub struct Passwd {
    lines: Lines<BufReader<File>>,
    eof: bool,
    pending: HashMap<String, Lookup>,
    index: Option<Index>,
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
        Ok(Self {
            lines: Lines::new(BufReader::new(File::open(path)?)),
            eof: false,
            pending: HashMap::new(),
            index: None,
        })
    }

    pub(crate) fn lookup(&mut self, name: &str) -> io::Result<Lookup> {
        if self.index.is_some() {
            return self.lookup_indexed(name);
        }
        if let Some(found) = self.pending.remove(name) {
            return Ok(found);
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
            if self.pending.len() >= PENDING_MAX {
                self.build_index()?;
                return self.lookup_indexed(name);
            }
            // The first line for a name wins, as in getpwnam().
            self.pending.entry(other).or_insert(entry);
        }
        Ok(Lookup::Missing)
    }

    fn build_index(&mut self) -> io::Result<()> {
        self.pending = HashMap::new();
        let mut index = Index {
            keys: RandomState::new(),
            first: HashMap::new(),
            more: HashMap::new(),
        };
        self.lines.seek_to(0)?;
        while let Some((number, offset, line)) = self.lines.next_line()? {
            let Some((name, _)) = line.ok().and_then(|l| parse(l, number)) else {
                continue;
            };
            let key = index.keys.hash_one(&name);
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
            self.lines.seek_to(offset)?;
            if let Some((_, _, Ok(line))) = self.lines.next_line()?
                && let Some((other, entry)) = parse(line, number)
                && other == name
            {
                return Ok(entry);
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
            p.lookup("ann").unwrap(),
            Lookup::Found {
                uid: 1000,
                gid: 1000,
                home: "/home/ann".into()
            }
        );
        assert!(matches!(
            p.lookup("bob").unwrap(),
            Lookup::Found { uid: 1001, .. }
        ));
        assert_eq!(
            p.lookup("bad").unwrap(),
            Lookup::Malformed {
                line: 3,
                fault: LineFault::InvalidNumber { field: "uid" }
            }
        );
        assert_eq!(p.lookup("nobody").unwrap(), Lookup::Missing);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn index_when_orders_differ() {
        let mut content = String::new();
        for i in 0..PENDING_MAX + 10 {
            content.push_str(&format!("u{i}:x:{i}:{i}::/home/u{i}:/bin/sh\n"));
        }
        let (path, mut p) = temp_passwd(&content);
        let last = PENDING_MAX + 9;
        assert!(
            matches!(p.lookup(&format!("u{last}")).unwrap(), Lookup::Found { uid, .. } if uid as usize == last)
        );
        assert!(p.index.is_some());
        assert!(matches!(
            p.lookup("u0").unwrap(),
            Lookup::Found { uid: 0, .. }
        ));
        assert!(matches!(
            p.lookup("u5").unwrap(),
            Lookup::Found { uid: 5, .. }
        ));
        assert_eq!(p.lookup("nobody").unwrap(), Lookup::Missing);
        std::fs::remove_file(path).unwrap();
    }
}
