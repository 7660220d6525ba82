//! `passgate import`: arguments, the progress bar and the report. The importer itself is
//! `passgate::import`.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use nix::sys::signal::{SigSet, Signal};
use passgate::import::{
    Event, Format, ImportError, Observer, Options, Outcome, Summary, import_file, import_file_into,
    remove_temporary_files,
};
use serde_json::{Value, json};

use super::{EXIT_ERROR, is_broken_pipe};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// /etc/shadow; uid, gid and home from --passwd (alias: unix-passwd, as convertusers
    /// names it).
    #[value(alias = "unix-passwd")]
    Shadow,
    /// Pure-FTPd's pureftpd.passwd (pure-pw).
    #[value(name = "pure-ftpd")]
    PureFtpd,
    /// ProFTPD's AuthUserFile (ftpasswd --passwd).
    Proftpd,
    /// Apache htpasswd; needs --home-base.
    Htpasswd,
}

/// Import accounts into an SFTPGo dump.
#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    /// The input's format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// The file to import.
    input: PathBuf,
    /// The SFTPGo dump to write (a new regular file, mode 0600, moved into place once
    /// complete), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Replace the output file if it exists (never the input or passwd file, nor anything
    /// but a regular file).
    #[arg(long)]
    force: bool,
    /// Print every reported line (skipped, malformed, noted) as it comes, not only the first
    /// few of each reason.
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Print nothing but errors: no progress bar, no per-reason summary, no counts.
    #[arg(short, long)]
    quiet: bool,
    /// Write every reported line to FILE, one JSON object a line: line, user, result,
    /// reason, message.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// shadow: the passwd file with the users' uid, gid and home (such as /etc/passwd).
    #[arg(long, value_name = "FILE")]
    passwd: Option<PathBuf>,
    /// Only users with a uid of at least this.
    #[arg(long, value_name = "UID")]
    min_uid: Option<u32>,
    /// Only users with a uid of at most this.
    #[arg(long, value_name = "UID")]
    max_uid: Option<u32>,
    /// Only these users (space- or comma-separated).
    #[arg(long, value_name = "USER", num_args = 1.., value_delimiter = ',')]
    usernames: Vec<String>,
    /// Give every imported user this uid.
    #[arg(long, value_name = "UID")]
    force_uid: Option<u32>,
    /// Give every imported user this gid.
    #[arg(long, value_name = "GID")]
    force_gid: Option<u32>,
    /// Home directories for users without one in the input: DIR/USERNAME.
    #[arg(long, value_name = "DIR")]
    home_base: Option<String>,
    /// Write locked accounts (!, !!, *, !<hash>, empty) disabled and without a password
    /// instead of skipping them.
    #[arg(long)]
    import_locked: bool,
    /// Write accounts whose hash SFTPGo cannot check ({SHA}, DES crypt, unknown) without a
    /// password instead of skipping them. The hash itself is never written.
    #[arg(long)]
    allow_unverifiable: bool,
}

impl ImportArgs {
    fn options(&self) -> Options {
        let mut o = Options::new(match self.format {
            FormatArg::Shadow => Format::Shadow,
            FormatArg::PureFtpd => Format::PureFtpd,
            FormatArg::Proftpd => Format::Proftpd,
            FormatArg::Htpasswd => Format::Htpasswd,
        });
        o.min_uid = self.min_uid;
        o.max_uid = self.max_uid;
        o.usernames.clone_from(&self.usernames);
        o.force_uid = self.force_uid;
        o.force_gid = self.force_gid;
        o.home_base.clone_from(&self.home_base);
        o.import_locked = self.import_locked;
        o.allow_unverifiable = self.allow_unverifiable;
        o.replace = self.force;
        o
    }

    fn to_stdout(&self) -> bool {
        self.output.as_os_str() == "-"
    }
}

/// How many lines of each reason are printed without `--verbose`.
const EXCERPT: usize = 5;

/// A line for the per-reason summary: `skipped: Unreadable`, and so on.
#[derive(Debug)]
struct Group {
    result: &'static str,
    reason: &'static str,
    count: u64,
    first: Vec<String>,
}

/// Receives events: JSON array members on stdout (`--json`), lines on stderr (`--verbose`)
/// or counted per reason with the first few kept, and JSON lines into `--report`.
struct Report {
    json: bool,
    verbose: bool,
    input: String,
    events: u64,
    bar: Option<ProgressBar>,
    groups: Vec<Group>,
    report: Option<BufWriter<File>>,
    /// The first failure to write the report file.
    report_error: Option<io::Error>,
    /// The first failure to write standard output; nothing more is written there after it.
    stdout_error: Option<io::Error>,
}

impl Report {
    fn emit(&mut self, value: &Value) {
        if self.stdout_error.is_some() {
            return;
        }
        let sep = if self.events == 0 { "" } else { "," };
        if let Err(e) = write!(io::stdout().lock(), "{sep}\n{value}") {
            self.stdout_error = Some(e);
        }
        self.events += 1;
    }

    fn say(&self, text: &str) {
        let print = || {
            let _ = writeln!(io::stderr().lock(), "passgate: {text}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// One reported line, not imported as is: counted, printed or kept, and reported.
    fn line(
        &mut self,
        line: u64,
        user: Option<&str>,
        result: &'static str,
        reason: &'static str,
        message: &str,
    ) {
        let text = format!(
            "{}:{line}: {}{result}: {message}",
            self.input,
            user.map(|u| format!("{u}: ")).unwrap_or_default()
        );
        if self.verbose {
            self.say(&text);
        }
        let group = match self
            .groups
            .iter_mut()
            .position(|g| g.result == result && g.reason == reason)
        {
            Some(i) => &mut self.groups[i],
            None => {
                self.groups.push(Group {
                    result,
                    reason,
                    count: 0,
                    first: Vec::new(),
                });
                let last = self.groups.len() - 1;
                &mut self.groups[last]
            }
        };
        group.count += 1;
        if group.first.len() < EXCERPT {
            group.first.push(text);
        }
        if let (Some(out), None) = (&mut self.report, &self.report_error) {
            let value = json!({
                "line": line,
                "user": user,
                "result": result,
                "reason": reason,
                "message": message,
            });
            if let Err(e) = writeln!(out, "{value}") {
                self.report_error = Some(e);
            }
        }
    }

    /// The count of each reason, with its first lines unless they were all printed.
    fn summarize(&self) {
        for g in &self.groups {
            self.say(&format!(
                "{}: {} {} ({})",
                self.input, g.count, g.result, g.reason
            ));
            if self.verbose {
                continue;
            }
            let mut err = io::stderr().lock();
            for text in &g.first {
                let _ = writeln!(err, "  {text}");
            }
            let more = g.count - g.first.len() as u64;
            if more > 0 {
                let _ = writeln!(
                    err,
                    "  … and {more} more (--verbose or --report FILE lists them all)"
                );
            }
        }
    }
}

impl Observer for Report {
    fn event(&mut self, event: &Event<'_>) {
        match *event {
            Event::Imported {
                line,
                username,
                status,
                notes,
            } => {
                let result = if status == 1 { "imported" } else { "disabled" };
                if self.json {
                    let notes: Vec<Value> = notes
                        .iter()
                        .map(|n| json!({"note": n.name(), "message": n.to_string()}))
                        .collect();
                    self.emit(&json!({
                        "line": line,
                        "result": result,
                        "username": username,
                        "notes": notes,
                    }));
                }
                for note in notes {
                    self.line(line, Some(username), result, note.name(), &note.to_string());
                }
            }
            Event::Skipped {
                line,
                username,
                reason,
            } => {
                if self.json {
                    self.emit(&json!({
                        "line": line,
                        "result": "skipped",
                        "username": username,
                        "reason": reason.name(),
                        "message": reason.to_string(),
                    }));
                }
                let user = username.unwrap_or("(user name not shown)");
                self.line(
                    line,
                    Some(user),
                    "skipped",
                    reason.name(),
                    &reason.to_string(),
                );
            }
            Event::Error { line, fault } => {
                if self.json {
                    self.emit(&json!({
                        "line": line,
                        "result": "error",
                        "reason": fault.name(),
                        "message": fault.to_string(),
                    }));
                }
                self.line(line, None, "error", fault.name(), &fault.to_string());
            }
            _ => {}
        }
    }

    fn progress(&mut self, bytes_read: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes_read);
        }
    }
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "lines": s.lines,
        "imported": s.imported,
        "disabled": s.disabled,
        "skipped": s.skipped,
        "errors": s.errors,
        "filtered": s.filtered,
        "notes": s.notes,
    })
}

/// An error and its causes, each once: `writing the output: Is a directory (os error 21)`.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Removes the import's temporary output on SIGINT, SIGTERM or SIGHUP, then ends the process
/// as the signal would have (status 128 + signal number). The signals are blocked in every
/// thread and taken by one thread waiting for them, so no handler code runs in signal
/// context. After SIGKILL nothing can run: the next import to the same destination removes
/// the temporary file (see README).
fn clean_up_on_signals(bar: Option<ProgressBar>) -> nix::Result<()> {
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    set.thread_block()?;
    std::thread::spawn(move || {
        if let Ok(signal) = set.wait() {
            remove_temporary_files();
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let _ = writeln!(io::stderr(), "\npassgate: interrupted ({signal})");
            std::process::exit(128 + signal as i32);
        }
    });
    Ok(())
}

/// Opens the `--report` file, refusing the input, the passwd file and the output.
fn open_report(args: &ImportArgs, path: &Path) -> anyhow::Result<BufWriter<File>> {
    if let Ok(report) = std::fs::metadata(path) {
        let mut others = vec![&args.input];
        others.extend(&args.passwd);
        if !args.to_stdout() {
            others.push(&args.output);
        }
        for other in others {
            if std::fs::metadata(other)
                .is_ok_and(|m| m.dev() == report.dev() && m.ino() == report.ino())
            {
                bail!("--report names {}", other.display());
            }
        }
    }
    let file = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("opening the report {}", path.display()))?;
    Ok(BufWriter::new(file))
}

/// Runs the import and reports. Exit status: 0 every account written, 1 some skipped or
/// malformed, 2 nothing usable (no dump written) or a fatal error.
pub(crate) fn run(args: &ImportArgs, json: bool) -> anyhow::Result<u8> {
    let options = args.options();
    let to_stdout = args.to_stdout();
    if to_stdout && json {
        bail!("--json prints its report on standard output: give -o FILE");
    }
    let report = args
        .report
        .as_deref()
        .map(|path| open_report(args, path))
        .transpose()?;
    let bar = (!args.quiet && !args.verbose && io::stderr().is_terminal()).then(|| {
        let len = std::fs::metadata(&args.input).map_or(0, |m| m.len());
        let bar = ProgressBar::new(len);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
        {
            bar.set_style(style);
        }
        bar
    });
    clean_up_on_signals(bar.clone()).context("setting up signal handling")?;
    let mut report = Report {
        json,
        verbose: args.verbose,
        input: args.input.display().to_string(),
        events: 0,
        bar,
        groups: Vec::new(),
        report,
        report_error: None,
        stdout_error: None,
    };
    if json && let Err(e) = write!(io::stdout().lock(), "{{\"events\":[") {
        report.stdout_error = Some(e);
    }
    let result = if to_stdout {
        let stdout = io::stdout().lock();
        import_file_into(
            &options,
            &args.input,
            args.passwd.as_deref(),
            BufWriter::new(stdout),
            &std::env::temp_dir(),
            &mut report,
        )
    } else {
        import_file(
            &options,
            &args.input,
            args.passwd.as_deref(),
            &args.output,
            &mut report,
        )
    };
    if let Some(bar) = &report.bar {
        bar.finish_and_clear();
    }
    finish(args, &mut report, result)
}

/// Prints the summary and maps the result to the exit status.
fn finish(
    args: &ImportArgs,
    report: &mut Report,
    result: Result<Summary, ImportError>,
) -> anyhow::Result<u8> {
    let mut stdout = io::stdout().lock();
    let summary = match result {
        Ok(summary) => summary,
        Err(e) if is_broken_pipe(&e) => return Ok(EXIT_ERROR),
        Err(e) => {
            if report.json && report.stdout_error.is_none() {
                let _ = writeln!(stdout, "\n],\"error\":{}}}", json!({"message": chain(&e)}));
            }
            return Err(e).context("import failed");
        }
    };
    if let Some(out) = &mut report.report
        && report.report_error.is_none()
        && let Err(e) = out.flush()
    {
        report.report_error = Some(e);
    }
    if let Some(e) = report.report_error.take() {
        return Err(e).context("writing the report");
    }
    let written = summary.written() > 0;
    let printed = if report.json {
        writeln!(
            stdout,
            "\n],\"summary\":{},\"output\":{}}}",
            summary_json(&summary),
            if written {
                json!(args.output.display().to_string())
            } else {
                Value::Null
            }
        )
    } else if args.quiet {
        Ok(())
    } else {
        report.summarize();
        let mut text = format!(
            "imported {}, disabled {}, skipped {}, errors {}, filtered {}, notes {}\n",
            summary.imported,
            summary.disabled,
            summary.skipped,
            summary.errors,
            summary.filtered,
            summary.notes
        );
        if written && !args.to_stdout() {
            text.push_str(&format!("wrote {}\n", args.output.display()));
        }
        // With the dump on standard output, the counts go to standard error.
        if args.to_stdout() {
            io::stderr().lock().write_all(text.as_bytes())
        } else {
            stdout.write_all(text.as_bytes())
        }
    };
    if !written {
        report.say("no account could be imported; nothing written");
    }
    match printed.err().or_else(|| report.stdout_error.take()) {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(e).context("writing to standard output");
        }
        _ => {}
    }
    Ok(match summary.outcome() {
        Outcome::Complete => 0,
        Outcome::Partial => 1,
        Outcome::NothingUsable => 2,
    })
}
