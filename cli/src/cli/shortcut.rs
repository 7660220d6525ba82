//! The one command line read without clap: `passgate verify STORED`, with or without `--json`,
//! as an auth server runs it once per login. Building clap's command for all the subcommands
//! was a fifth of such a run's time (allocations and the page faults they bring); any other
//! command line, every flag but `--json` included, goes through clap unchanged.

#![forbid(unsafe_code)]

use std::ffi::OsString;

use super::{Cli, Command, Limits};

/// `args` (program name first) as clap would read them, when they are `verify STORED` and at
/// most one `--json` before or after either word; `None` for anything else, which clap
/// then reads. STORED must be UTF-8 and must not start with `-` (clap reads those as flags).
pub(super) fn plain_verify(args: &[OsString]) -> Option<Cli> {
    let mut json = false;
    let mut words = Vec::with_capacity(2);
    for arg in args.get(1..)? {
        let arg = arg.to_str()?;
        match arg {
            "--json" if !json => json = true,
            _ if arg.starts_with('-') => return None,
            _ => words.push(arg),
        }
    }
    match words[..] {
        ["verify", stored] => Some(Cli {
            command: Command::Verify {
                stored: Some(stored.to_owned()),
                stored_file: None,
                limits: Limits::default(),
            },
            json,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use clap::{FromArgMatches as _, error::ErrorKind};

    use super::*;

    const H: &str = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("passgate")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// What clap makes of the same command line.
    fn clap(args: &[OsString]) -> Result<Cli, ErrorKind> {
        super::super::command()
            .try_get_matches_from(args)
            .and_then(|m| Cli::from_arg_matches(&m))
            .map_err(|e| e.kind())
    }

    #[test]
    fn takes_the_plain_forms_as_clap_does() {
        for list in [
            &["verify", H][..],
            &["--json", "verify", H],
            &["verify", "--json", H],
            &["verify", H, "--json"],
            &["verify", ""],
            &["verify", "help"],
            &["verify", "verify"],
            &["verify", "x y=z"],
            &["verify", "1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"],
        ] {
            let a = args(list);
            let ours = plain_verify(&a).unwrap_or_else(|| panic!("{list:?} not taken"));
            let theirs = clap(&a).unwrap_or_else(|e| panic!("{list:?}: clap says {e:?}"));
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{list:?}");
        }
    }

    #[test]
    fn leaves_every_other_form_to_clap() {
        for list in [
            &[][..],
            &["verify"],
            &["verify", H, H],
            &["verify", "-"],
            &["verify", "--", H],
            &["verify", "-x"],
            &["verify", "--stored-file", "f"],
            &["verify", "--policy", "strict", H],
            &["verify", "--max-cost=20", H],
            &["verify", "--json", "--json", H],
            &["verify", "-h"],
            &["verify", "--help"],
            &["--version"],
            &["help", "verify"],
            &["identify", H],
            &["verifyx", H],
            &["Verify", H],
            &[H, "verify"],
        ] {
            assert!(plain_verify(&args(list)).is_none(), "{list:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn leaves_a_non_utf8_hash_to_clap() {
        use std::os::unix::ffi::OsStringExt as _;
        let mut a = args(&["verify"]);
        a.push(OsString::from_vec(vec![b'$', 0xff]));
        assert!(plain_verify(&a).is_none());
        assert_eq!(clap(&a).err(), Some(ErrorKind::InvalidUtf8));
    }
}
