//! The `passgate` command: verify, identify and hash passwords from the command line.
#![forbid(unsafe_code)]

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("passgate: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
