//! Runs the `passgate` binary as a user would, for the tests that need the binary.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::Write as _;
use std::process::{Child, Command, Output, Stdio};

/// Starts `passgate ARGS` with `stdin` written to its standard input.
pub fn spawn(args: &[&str], stdin: &[u8]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passgate"));
    command.args(args);
    start(command, stdin)
}

/// Starts `command` (passgate itself, or a wrapper that runs it) with piped output and
/// `stdin` written to its standard input.
///
/// A program a test has just written (a copy of passgate, a script) can fail to start with
/// `ETXTBSY` while another test thread's fork still holds the writer's descriptor, until
/// that child execs: the start is tried again for a while.
pub fn start(mut command: Command, stdin: &[u8]) -> Child {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut tries = 0;
    let mut child = loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 200 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            started => break started.unwrap(),
        }
    };
    // A command refused before it reads its input closes the pipe early: not an error here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child
}

/// Runs `passgate ARGS` to completion.
pub fn passgate(args: &[&str], stdin: &[u8]) -> Output {
    spawn(args, stdin).wait_with_output().unwrap()
}
