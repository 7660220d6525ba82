//! The `passgate` command: verify, identify and hash passwords from the command line.
#![forbid(unsafe_code)]

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        // A reader that went away is no error worth a message.
        Err(e) if cli::is_broken_pipe(e.as_ref()) => ExitCode::from(cli::EXIT_ERROR),
        Err(e) => {
            cli::warn(format_args!("{e:#}"));
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
