//! The `unsafe` policy, checked over the source tree: `unsafe` appears only at the CPU-feature
//! dispatch sites listed below, each under its own `#[allow(unsafe_code)]` with a `// SAFETY:`
//! line; every other module file carries `#![forbid(unsafe_code)]`. The workspace denies
//! `unsafe_code` (a `forbid` could not be lifted at a dispatch site, E0453), so this test is
//! what keeps a new `unsafe` from being allowed unnoticed.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

/// The dispatch modules, by path from the repository root, with their number of `unsafe`
/// calls into `#[target_feature]` functions (one per dispatch site).
const DISPATCH: &[(&str, usize)] = &[
    ("src/scheme/pbkdf2_shani.rs", 4),
    ("src/scheme/eksblowfish_bmi1.rs", 1),
];

/// The files that declare a dispatch module or one of its ancestors: a `forbid` there would
/// reach the dispatch module, so they rely on the workspace's `deny` and on this test.
const PARENTS: &[&str] = &["src/lib.rs", "src/scheme/mod.rs"];

/// The source trees checked. `cli/src` is absent from the published library package.
const TREES: &[&str] = &["src", "cli/src"];

const FORBID: &str = "#![forbid(unsafe_code)]";
const ALLOW: &str = "#[allow(unsafe_code)]";
/// How many lines after an `ALLOW` its `// SAFETY:` line and its `unsafe` may come.
const WITHIN: usize = 3;

/// `source` with comments and the contents of string and character literals blanked out,
/// line breaks kept, so that only code remains where it was.
fn code_only(source: &str) -> String {
    let s: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < s.len() {
        let at = |k: usize| s.get(k).copied().unwrap_or('\0');
        let c = s[i];
        if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= s.len() {
                    break;
                } else if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            // A raw string: r"…", r#"…"#, br"…", cr#"…"#.
            let hashes = s[i..].iter().take_while(|&&h| h == '#').count();
            if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                out.push_str(&word);
                i += hashes + 1;
                out.push_str(&"#".repeat(hashes));
                out.push('"');
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                while i < s.len() && !s[i..].starts_with(&close) {
                    blank(&mut out, s[i]);
                    i += 1;
                }
                out.extend(&close);
                i += close.len();
            } else {
                out.push_str(&word);
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    blank(&mut out, s[i]);
                    i += 1;
                }
                if i < s.len() {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal (a lifetime or label has no closing quote).
            out.push('\'');
            i += 1;
            if s[i] == '\\' {
                // The escaped character may be a quote itself.
                out.push_str("  ");
                i += 2;
            }
            while i < s.len() && s[i] != '\'' {
                out.push(' ');
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether `line` holds `word` as a whole identifier.
fn has_word(line: &str, word: &str) -> bool {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The problems of one file, `name` being its path from the repository root.
fn check_file(name: &str, source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let code = code_only(source);
    let code: Vec<&str> = code.lines().collect();
    let raw: Vec<&str> = source.lines().collect();
    let dispatch = DISPATCH.iter().find(|(f, _)| *f == name).map(|&(_, n)| n);
    let parent = PARENTS.contains(&name);

    let unsafe_lines: Vec<usize> = (0..code.len())
        .filter(|&i| has_word(code[i], "unsafe"))
        .collect();
    let mut allows = Vec::new();
    for (i, line) in code.iter().enumerate() {
        if !has_word(line, "unsafe_code") {
            continue;
        }
        match line.trim() {
            FORBID if dispatch.is_none() && !parent => {}
            ALLOW if dispatch.is_some() => allows.push(i),
            other => problems.push(format!(
                "{name}:{}: `{other}`: the only lints on `unsafe_code` allowed are `{FORBID}` \
                 and, at a dispatch site listed in tests/unsafe_policy.rs, `{ALLOW}`",
                i + 1
            )),
        }
    }

    match dispatch {
        None => {
            for &i in &unsafe_lines {
                problems.push(format!(
                    "{name}:{}: `unsafe` outside the CPU-feature dispatch sites listed in \
                     tests/unsafe_policy.rs",
                    i + 1
                ));
            }
            if !parent && !code.iter().any(|l| l.trim() == FORBID) {
                problems.push(format!(
                    "{name} lacks `{FORBID}`: add it after the module's `//!` docs"
                ));
            }
        }
        Some(n) => {
            if unsafe_lines.len() != n || allows.len() != n {
                problems.push(format!(
                    "{name}: {} `unsafe` and {} `{ALLOW}` where tests/unsafe_policy.rs lists {n} \
                     dispatch sites",
                    unsafe_lines.len(),
                    allows.len()
                ));
            }
            for &a in &allows {
                let after = a + 1..(a + 1 + WITHIN).min(raw.len());
                if !raw[after.clone()]
                    .iter()
                    .any(|l| l.trim_start().starts_with("// SAFETY: "))
                {
                    problems.push(format!(
                        "{name}:{}: `{ALLOW}` without a `// SAFETY:` line naming the CPU check \
                         within {WITHIN} lines",
                        a + 1
                    ));
                }
                if !unsafe_lines.iter().any(|u| after.contains(u)) {
                    problems.push(format!(
                        "{name}:{}: `{ALLOW}` not on the item holding the `unsafe` call (none \
                         within {WITHIN} lines)",
                        a + 1
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn unsafe_only_at_the_listed_dispatch_sites() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for tree in TREES {
        let dir = root.join(tree);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
    }
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap();
            rel.components()
                .map(|c| c.as_os_str().to_str().unwrap())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    let mut problems = Vec::new();
    for listed in DISPATCH.iter().map(|(f, _)| f).chain(PARENTS) {
        if !names.iter().any(|n| n == listed) {
            problems.push(format!(
                "{listed} is listed in tests/unsafe_policy.rs but missing"
            ));
        }
    }
    for (file, name) in files.iter().zip(&names) {
        problems.extend(check_file(name, &fs::read_to_string(file).unwrap()));
    }
    assert!(
        problems.is_empty(),
        "unsafe policy broken:\n  {}",
        problems.join("\n  ")
    );
    assert!(names.len() > 50, "only {} files found", names.len());
}

#[test]
fn the_workspace_denies_unsafe_code() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    let manifest = manifest.unwrap();
    assert!(
        manifest
            .lines()
            .any(|l| l.replace(' ', "") == "unsafe_code=\"deny\""),
        "Cargo.toml's lints must set `unsafe_code = \"deny\"`"
    );
}

#[test]
fn the_check_reads_code_not_comments_or_strings() {
    let source = "//! Mentions unsafe in docs.\n\
                  #![forbid(unsafe_code)]\n\
                  /* unsafe /* nested */ unsafe */\n\
                  const S: &str = \"unsafe { \\\" }\";\n\
                  const R: &str = r#\"unsafe \"# ;\n\
                  const C: char = '\"';\n\
                  const Q: u8 = b'\\'';\n\
                  fn f<'a>(x: &'a u8) -> u8 { *x } // unsafe\n";
    assert_eq!(check_file("src/x.rs", source), Vec::<String>::new());

    let problems = check_file("src/x.rs", "fn f() { unsafe { g() } }\n");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("src/x.rs:1: `unsafe` outside"));
    assert!(problems[1].contains("src/x.rs lacks `#![forbid(unsafe_code)]`"));

    let problems = check_file(
        "src/x.rs",
        "#![forbid(unsafe_code)]\n#![allow(unsafe_code)]\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");

    let site = "pub fn f() -> u8 {\n    \
                if !cpu() {\n        return 0;\n    }\n    \
                #[allow(unsafe_code)]\n    \
                // SAFETY: `cpu()` found the features `g` enables.\n    \
                let x = unsafe { g() };\n    x\n}\n";
    let dispatch = DISPATCH[0].0;
    let sites = |n| site.repeat(n);
    assert_eq!(
        check_file(dispatch, &sites(DISPATCH[0].1)),
        Vec::<String>::new()
    );
    assert_eq!(check_file(dispatch, &sites(DISPATCH[0].1 + 1)).len(), 1);
    let no_safety = sites(DISPATCH[0].1).replace("// SAFETY: ", "// ");
    assert_eq!(
        check_file(dispatch, &no_safety).len(),
        DISPATCH[0].1,
        "{:?}",
        check_file(dispatch, &no_safety)
    );
}
