//! Standard output and standard error for the commands. A reader that goes away (`passgate
//! identify … | head -1`: EPIPE) ends the output quietly; the exit status still gives the
//! command's verdict.

#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt::Display;
use std::io::{self, Write};

use anyhow::Context as _;
use serde_json::Value;

pub(crate) struct Output {
    /// Machine-readable JSON instead of text.
    pub(crate) json: bool,
    /// Standard output's reader has gone: nothing more is written.
    closed: Cell<bool>,
}

impl Output {
    pub(crate) const fn new(json: bool) -> Self {
        Self {
            json,
            closed: Cell::new(false),
        }
    }

    /// Whether standard output's reader has gone (a long listing can stop).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Writes through `f`, then flushes. EPIPE closes the output instead of failing.
    pub(crate) fn write(
        &self,
        f: impl FnOnce(&mut io::StdoutLock<'static>) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        if self.closed.get() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match f(&mut out).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed.set(true);
                Ok(())
            }
            other => other.context("writing to standard output"),
        }
    }

    /// One line of text.
    pub(crate) fn line(&self, text: impl Display) -> anyhow::Result<()> {
        self.write(|out| writeln!(out, "{text}"))
    }

    /// One JSON document on a line.
    pub(crate) fn json(&self, value: &Value) -> anyhow::Result<()> {
        self.write(|out| {
            serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
            writeln!(out)
        })
    }
}

/// A `passgate: ` message on standard error. A closed standard error is no reason to fail
/// (nor, as `eprintln!` would, to panic).
pub(crate) fn warn(message: impl Display) {
    let _ = writeln!(io::stderr().lock(), "passgate: {message}");
}

/// Whether `error` or one of its causes is a broken pipe: the reader of standard output
/// went away (`passgate … | head`), which ends a command quietly.
pub(crate) fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
