//! Reads `vectors/*.txt`: blank-line-separated records of `Key = value` lines.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// What verifying a record's password against its stored string must give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `Verify = OK`.
    Match,
    /// `Verify = Err`: a well-formed hash and the wrong password.
    Mismatch,
    /// `Error = Kind`: the error's name.
    Error(String),
}

#[derive(Clone, Debug)]
pub struct Vector {
    pub file: String,
    pub line: usize,
    pub source: String,
    pub scheme: String,
    pub password: Vec<u8>,
    pub stored: String,
    pub expect: Expect,
    pub truncated: bool,
}

pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Decodes a quoted value: `\\`, `\"` and `\xNN` escapes; everything else literal.
pub fn unquote(value: &str, at: &str) -> Vec<u8> {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{at}: value is not quoted: {value:?}"));
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => match bytes.get(i + 1) {
                Some(b'\\') => {
                    out.push(b'\\');
                    i += 2;
                }
                Some(b'"') => {
                    out.push(b'"');
                    i += 2;
                }
                Some(b'x') => {
                    let hex = inner
                        .get(i + 2..i + 4)
                        .unwrap_or_else(|| panic!("{at}: short \\x"));
                    out.push(
                        u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("{at}: bad \\x")),
                    );
                    i += 4;
                }
                _ => panic!("{at}: unknown escape"),
            },
            b'"' => panic!("{at}: unescaped quote"),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

pub fn parse_file(path: &Path) -> Vec<Vector> {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = Vec::new();
    let mut fields: Vec<(usize, String, String)> = Vec::new();
    let lines = text.lines().map(Some).chain(std::iter::once(None));
    for (n, line) in lines.enumerate() {
        match line {
            Some(l) if l.starts_with('#') => continue,
            Some(l) if !l.trim().is_empty() => {
                let (k, v) = l
                    .split_once(" = ")
                    .unwrap_or_else(|| panic!("{file}:{}: not `Key = value`", n + 1));
                fields.push((n + 1, k.to_owned(), v.to_owned()));
            }
            _ => {
                if !fields.is_empty() {
                    out.push(record(&file, &fields));
                    fields.clear();
                }
            }
        }
    }
    out
}

fn record(file: &str, fields: &[(usize, String, String)]) -> Vector {
    let line = fields[0].0;
    let at = format!("{file}:{line}");
    let get = |key: &str| {
        let mut found = fields.iter().filter(|(_, k, _)| k == key);
        let v = found.next().map(|(_, _, v)| v.clone());
        assert!(found.next().is_none(), "{at}: {key} twice");
        v
    };
    for (_, k, _) in fields {
        assert!(
            matches!(
                k.as_str(),
                "Source"
                    | "Scheme"
                    | "Password"
                    | "Stored"
                    | "Verify"
                    | "Error"
                    | "Truncated"
                    | "Comment"
            ),
            "{at}: unknown key {k}"
        );
    }
    let stored = get("Stored").unwrap_or_else(|| panic!("{at}: no Stored"));
    let stored = if stored.starts_with('"') {
        String::from_utf8(unquote(&stored, &at))
            .unwrap_or_else(|_| panic!("{at}: Stored not UTF-8"))
    } else {
        stored
    };
    let expect = match (get("Verify").as_deref(), get("Error")) {
        (Some("OK"), None) => Expect::Match,
        (Some("Err"), None) => Expect::Mismatch,
        (None, Some(kind)) => Expect::Error(kind),
        other => panic!("{at}: needs exactly one of Verify = OK|Err or Error, got {other:?}"),
    };
    Vector {
        file: file.to_owned(),
        line,
        source: get("Source").unwrap_or_else(|| panic!("{at}: no Source")),
        scheme: get("Scheme").unwrap_or_else(|| panic!("{at}: no Scheme")),
        password: unquote(
            &get("Password").unwrap_or_else(|| panic!("{at}: no Password")),
            &at,
        ),
        stored,
        expect,
        truncated: match get("Truncated").as_deref() {
            None | Some("no") => false,
            Some("yes") => true,
            Some(v) => panic!("{at}: Truncated = {v}"),
        },
    }
}

/// Every record of every vector file.
pub fn all_vectors() -> Vec<Vector> {
    let mut paths: Vec<_> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().flat_map(|p| parse_file(p)).collect()
}

impl Vector {
    pub fn at(&self) -> String {
        format!("{}:{} ({})", self.file, self.line, self.source)
    }
}
