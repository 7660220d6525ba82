//! One streaming pass over an SFTPGo dump: checks that it is JSON, finds one user's bytes
//! and where they sit, and notes what an appended user needs, holding one entry at a time.
//!
//! The scanner only finds where values begin and end (strings, nesting); each entry of a
//! top-level array and each other top-level value is handed whole to `serde_json`, which
//! checks it. So memory is bounded by the largest single entry, not by the number of users.

#![forbid(unsafe_code)]

use std::io::{self, BufRead};
use std::ops::Range;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

/// Where the dump is not JSON: a byte offset, and for an error inside a value handed to
/// `serde_json`, the line and column it gave, counted from that offset.
#[derive(Debug)]
pub(crate) enum ScanError {
    Io(io::ErrorKind),
    Syntax {
        at: u64,
        inner: Option<(usize, usize)>,
    },
    /// JSON, but not a dump.
    NotADump(&'static str),
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        Self::Io(e.kind())
    }
}

/// What one pass found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The first user with the wanted username: its bytes and their place in the file.
    pub(crate) found: Option<(Range<u64>, Vec<u8>)>,
    /// The largest integer `id` of any user.
    pub(crate) max_id: Option<i64>,
    /// Where a new user goes (after the last user, or after `[` when there is none) and
    /// what goes before it (the separator between the first two users, `,` when there is
    /// one user, nothing when there is none).
    pub(crate) append_at: u64,
    pub(crate) append_sep: Vec<u8>,
}

/// The two fields a scan reads of each user.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    username: Value,
    #[serde(default)]
    id: Value,
}

/// Reads `input` to its end. `username` is the user to find.
pub(crate) fn scan(input: impl BufRead, username: &str) -> Result<Scan, ScanError> {
    let mut s = Scanner { input, at: 0 };
    let mut out = Scan::default();
    let mut buf = Vec::new();
    s.skip_ws(None)?;
    if s.peek()? != Some(b'{') {
        s.checked_value(&mut buf)?;
        return Err(ScanError::NotADump("not a JSON object"));
    }
    s.bump(&mut buf)?;
    let mut users = None;
    s.skip_ws(None)?;
    if s.peek()? == Some(b'}') {
        s.bump(&mut buf)?;
    } else {
        loop {
            s.skip_ws(None)?;
            let key_at = s.at;
            if s.peek()? != Some(b'"') {
                return Err(s.syntax());
            }
            buf.clear();
            s.string(&mut buf)?;
            let key: String = serde_json::from_slice(&buf).map_err(|e| at(key_at, &e))?;
            s.skip_ws(None)?;
            if s.peek()? != Some(b':') {
                return Err(s.syntax());
            }
            s.bump(&mut buf)?;
            s.skip_ws(None)?;
            let is_array = s.peek()? == Some(b'[');
            if key == "users" {
                if users.is_some() {
                    return Err(ScanError::NotADump("\"users\" appears twice"));
                }
                users = Some(is_array);
                if is_array {
                    s.users(username, &mut out)?;
                } else {
                    s.checked_value(&mut buf)?;
                }
            } else if is_array {
                s.array(|entry, range, _| check(entry, range.start))?;
            } else {
                s.checked_value(&mut buf)?;
            }
            s.skip_ws(None)?;
            match s.peek()? {
                Some(b',') => s.bump(&mut buf)?,
                Some(b'}') => {
                    s.bump(&mut buf)?;
                    break;
                }
                _ => return Err(s.syntax()),
            }
        }
    }
    s.skip_ws(None)?;
    if s.peek()?.is_some() {
        return Err(s.syntax());
    }
    match users {
        Some(true) => Ok(out),
        Some(false) => Err(ScanError::NotADump("\"users\" is not an array")),
        None => Err(ScanError::NotADump("no \"users\" array")),
    }
}

/// Checks one value that starts at `start`.
fn check(value: &[u8], start: u64) -> Result<(), ScanError> {
    serde_json::from_slice::<IgnoredAny>(value)
        .map(drop)
        .map_err(|e| at(start, &e))
}

/// A `serde_json` error in a value that starts at `start`.
fn at(start: u64, e: &serde_json::Error) -> ScanError {
    ScanError::Syntax {
        at: start,
        inner: Some((e.line(), e.column())),
    }
}

/// The members of a JSON object (already checked), as byte ranges into it.
pub(crate) struct Members {
    pub(crate) list: Vec<Member>,
    /// Between the last value (or `{`) and the closing `}`.
    pub(crate) tail: Range<usize>,
}

/// One `"key": value` of an object.
pub(crate) struct Member {
    pub(crate) key: String,
    /// Whitespace before the key.
    pub(crate) lead: Range<usize>,
    /// From the key's quote to the value's first byte (`"key": `).
    pub(crate) key_part: Range<usize>,
    pub(crate) value: Range<usize>,
}

/// Splits a checked JSON object into its members.
pub(crate) fn members(object: &[u8]) -> Result<Members, ScanError> {
    let mut s = Scanner {
        input: object,
        at: 0,
    };
    let mut buf = Vec::new();
    let mut list = Vec::new();
    s.skip_ws(None)?;
    if s.peek()? != Some(b'{') {
        return Err(ScanError::NotADump("a user is not an object"));
    }
    s.bump(&mut buf)?;
    let mut lead_start = s.pos();
    loop {
        s.skip_ws(None)?;
        match s.peek()? {
            Some(b'}') => {
                return Ok(Members {
                    list,
                    tail: lead_start..s.pos(),
                });
            }
            Some(b'"') => {}
            _ => return Err(s.syntax()),
        }
        let key_start = s.pos();
        buf.clear();
        s.string(&mut buf)?;
        let key: String = serde_json::from_slice(&buf).map_err(|e| at(s.at, &e))?;
        s.skip_ws(None)?;
        s.bump(&mut buf)?; // ':'
        s.skip_ws(None)?;
        let value_start = s.pos();
        buf.clear();
        s.value(&mut buf)?;
        let value_end = s.pos();
        list.push(Member {
            key,
            lead: lead_start..key_start,
            key_part: key_start..value_start,
            value: value_start..value_end,
        });
        lead_start = value_end;
        s.skip_ws(None)?;
        if s.peek()? == Some(b',') {
            s.bump(&mut buf)?;
            lead_start = s.pos();
        }
    }
}

struct Scanner<R> {
    input: R,
    /// Bytes consumed so far.
    at: u64,
}

impl<R: BufRead> Scanner<R> {
    fn pos(&self) -> usize {
        usize::try_from(self.at).unwrap_or(usize::MAX)
    }

    fn syntax(&self) -> ScanError {
        ScanError::Syntax {
            at: self.at,
            inner: None,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    /// Moves `n` buffered bytes into `out`.
    fn take(&mut self, n: usize, out: &mut Vec<u8>) -> Result<(), ScanError> {
        out.extend_from_slice(&self.input.fill_buf()?[..n]);
        self.input.consume(n);
        self.at += n as u64;
        Ok(())
    }

    fn bump(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        match self.peek()? {
            Some(_) => {
                out.clear();
                self.take(1, out)
            }
            None => Err(self.syntax()),
        }
    }

    /// Skips whitespace, keeping it in `keep` if given.
    fn skip_ws(&mut self, mut keep: Option<&mut Vec<u8>>) -> Result<(), ScanError> {
        loop {
            let buf = self.input.fill_buf()?;
            let n = buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(buf.len());
            if let Some(keep) = keep.as_deref_mut() {
                keep.extend_from_slice(&buf[..n]);
            }
            let end = n < buf.len() || buf.is_empty();
            self.input.consume(n);
            self.at += n as u64;
            if end {
                return Ok(());
            }
        }
    }

    /// A string, from its opening quote to its closing one.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        self.take(1, out)?;
        let mut escaped = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(self.syntax());
            }
            let mut n = 0;
            let mut done = false;
            for &b in buf {
                n += 1;
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    done = true;
                    break;
                }
            }
            self.take(n, out)?;
            if done {
                return Ok(());
            }
        }
    }

    /// An object or an array, to its matching close (brackets are not told apart here:
    /// `serde_json` checks the value afterwards).
    fn nested(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(self.syntax());
            }
            let mut n = 0;
            let mut done = false;
            for &b in buf {
                n += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.take(n, out)?;
            if done {
                return Ok(());
            }
        }
    }

    /// Any value, unchecked, into `out` (cleared first).
    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        out.clear();
        match self.peek()? {
            None => Err(self.syntax()),
            Some(b'"') => self.string(out),
            Some(b'{' | b'[') => self.nested(out),
            Some(_) => loop {
                let buf = self.input.fill_buf()?;
                let n = buf
                    .iter()
                    .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}'))
                    .unwrap_or(buf.len());
                let end = n < buf.len() || buf.is_empty();
                self.take(n, out)?;
                if end {
                    return Ok(());
                }
            },
        }
    }

    /// Any value, checked by `serde_json`.
    fn checked_value(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let start = self.at;
        self.value(out)?;
        check(out, start)
    }

    /// An array, each entry handed (unchecked) to `each(entry, range, gap before it)`.
    fn array(
        &mut self,
        mut each: impl FnMut(&[u8], Range<u64>, &[u8]) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        let mut buf = Vec::new();
        let mut gap = Vec::new();
        self.bump(&mut buf)?; // '['
        self.skip_ws(None)?;
        if self.peek()? == Some(b']') {
            return self.bump(&mut buf);
        }
        loop {
            let start = self.at;
            self.value(&mut buf)?;
            each(&buf, start..self.at, &gap)?;
            gap.clear();
            self.skip_ws(Some(&mut gap))?;
            match self.peek()? {
                Some(b',') => {
                    self.take(1, &mut gap)?;
                    self.skip_ws(Some(&mut gap))?;
                }
                Some(b']') => return self.bump(&mut buf),
                _ => return Err(self.syntax()),
            }
        }
    }

    /// The `users` array.
    fn users(&mut self, username: &str, out: &mut Scan) -> Result<(), ScanError> {
        out.append_at = self.at + 1;
        let mut first_gap = None;
        let mut any = false;
        self.array(|entry, range, gap| {
            any = true;
            if first_gap.is_none() && !gap.is_empty() {
                first_gap = Some(gap.to_vec());
            }
            out.append_at = range.end;
            if entry.first() != Some(&b'{') {
                return check(entry, range.start);
            }
            let head = match serde_json::from_slice::<Head>(entry) {
                Ok(h) => h,
                Err(e) if !e.is_data() => return Err(at(range.start, &e)),
                // A duplicate field: read as a `Value` does, the last one wins.
                Err(_) => {
                    let v: Value =
                        serde_json::from_slice(entry).map_err(|e| at(range.start, &e))?;
                    Head {
                        username: v.get("username").cloned().unwrap_or_default(),
                        id: v.get("id").cloned().unwrap_or_default(),
                    }
                }
            };
            if let Some(id) = head.id.as_i64() {
                out.max_id = Some(out.max_id.map_or(id, |m| m.max(id)));
            }
            if head.username.as_str() == Some(username) {
                // SFTPGo's `loaddata` applies entries in order, so the last one would win
                // there; which record a login checks must not be a guess: refuse.
                if out.found.is_some() {
                    return Err(ScanError::NotADump("the user appears more than once"));
                }
                out.found = Some((range, entry.to_vec()));
            }
            Ok(())
        })?;
        out.append_sep = match (any, first_gap) {
            (false, _) => Vec::new(),
            (true, Some(gap)) => gap,
            (true, None) => b",".to_vec(),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_the_user_and_the_append_point() {
        let doc = br#"{"folders": [{"a": "]"}], "users": [
  {"id": 4, "username": "a\"b"},
  {"username": "c", "id": 9, "x": [1, {"y": "}"}]},
  7
], "version": 17}"#;
        let s = scan(&doc[..], "c").unwrap();
        let (range, bytes) = s.found.unwrap();
        let r = range.start as usize..range.end as usize;
        assert_eq!(&doc[r], &bytes[..]);
        assert!(bytes.starts_with(b"{\"username\": \"c\"") && bytes.ends_with(b"}]}"));
        assert_eq!(s.max_id, Some(9));
        assert_eq!(s.append_sep, b",\n  ");
        assert_eq!(&doc[s.append_at as usize..s.append_at as usize + 2], b"\n]");
        assert!(scan(&doc[..], "a\"b").unwrap().found.is_some());
        assert!(scan(&doc[..], "nobody").unwrap().found.is_none());
        let twice = br#"{"users":[{"username":"a","password":"x"},{"username":"b"},{"username":"a","password":"y"}]}"#;
        assert!(matches!(
            scan(&twice[..], "a"),
            Err(ScanError::NotADump("the user appears more than once"))
        ));
        assert!(scan(&twice[..], "b").unwrap().found.is_some());
        let empty = br#"{"users":[]}"#;
        let s = scan(&empty[..], "x").unwrap();
        assert_eq!((s.append_at, s.append_sep.as_slice()), (10, &b""[..]));
    }

    #[test]
    fn what_is_not_json_or_not_a_dump() {
        let syntax = |doc: &str| matches!(scan(doc.as_bytes(), "a"), Err(ScanError::Syntax { .. }));
        let not_dump = |doc: &str| matches!(scan(doc.as_bytes(), "a"), Err(ScanError::NotADump(_)));
        for doc in [
            "",
            "{",
            "{\"users\": [",
            "{\"users\": [1,]}",
            "{\"users\": [{\"a\": 1]}",
            "{\"users\": []} x",
            "{\"users\": [] \"v\": 1}",
            "{\"v\": tru, \"users\": []}",
            "{\"users\": [\"\\x\"]}",
            "{\"users\": [{\"username\": \"\u{1}\"}]}",
            "[1,",
        ] {
            assert!(syntax(doc), "{doc:?}");
        }
        for doc in [
            "[1]",
            "{}",
            "{\"users\": 5}",
            "{\"users\": [], \"users\": []}",
        ] {
            assert!(not_dump(doc), "{doc:?}");
        }
    }

    #[test]
    fn members_keep_their_bytes() {
        let obj = b"{ \"a\" : 1,\n  \"b\":[2, 3] }";
        let m = members(obj).unwrap();
        let text = |r: &Range<usize>| std::str::from_utf8(&obj[r.clone()]).unwrap();
        assert_eq!(m.list.len(), 2);
        assert_eq!(
            (
                text(&m.list[0].lead),
                text(&m.list[0].key_part),
                text(&m.list[0].value)
            ),
            (" ", "\"a\" : ", "1")
        );
        assert_eq!(text(&m.list[1].lead), "\n  ");
        assert_eq!(text(&m.list[1].value), "[2, 3]");
        assert_eq!(text(&m.tail), " ");
        assert_eq!(members(b"{}").unwrap().list.len(), 0);
    }
}
