//! Reading the password: standard input, or a no-echo prompt on a terminal. Never argv.

#![forbid(unsafe_code)]

use std::io::{IsTerminal as _, Read as _};

use anyhow::{Context as _, bail};
use zeroize::Zeroizing;

/// Reads one password. From a pipe or file: everything up to end of input, less one trailing
/// `\n` or `\r\n`, refused past `limit` bytes (so a huge input cannot exhaust memory). On a
/// terminal: a prompt without echo; `confirm` asks twice.
pub(crate) fn read(limit: usize, confirm: bool) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = Zeroizing::new(rpassword::prompt_password("Password: ")?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Again: ")?);
            if *first != *again {
                bail!("the passwords differ");
            }
        }
        return Ok(Zeroizing::new(first.as_bytes().to_vec()));
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(64));
    // Room for the limit plus a line ending, and one byte more to detect excess.
    let cap = limit.saturating_add(3);
    stdin
        .lock()
        .take(cap as u64)
        .read_to_end(&mut buf)
        .context("reading the password from standard input")?;
    let ending = if buf.ends_with(b"\r\n") {
        2
    } else {
        usize::from(buf.ends_with(b"\n"))
    };
    let len = buf.len() - ending;
    buf.truncate(len);
    Ok(buf)
}
