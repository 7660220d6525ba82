//! `passgate import`: arguments, the progress bar and the report. The importer itself is
//! `passgate::import`.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use passgate::import::{Event, Format, Observer, Options, Outcome, Summary, import_file};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// /etc/shadow; uid, gid and home from --passwd.
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
    /// The SFTPGo dump to write (mode 0600, replaced atomically).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
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
        o
    }
}

/// Prints events as they come: JSON array members on stdout, or problems and notes on stderr.
struct Report {
    json: bool,
    input: String,
    events: u64,
    bar: Option<ProgressBar>,
}

impl Report {
    fn emit(&mut self, value: &Value) {
        let mut out = std::io::stdout().lock();
        let sep = if self.events == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n{value}");
        self.events += 1;
    }

    fn say(&self, line: u64, what: &str) {
        let text = format!("passgate: {}:{line}: {what}", self.input);
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

impl Observer for Report {
    fn event(&mut self, event: &Event<'_>) {
        match (*event, self.json) {
            (
                Event::Imported {
                    line,
                    username,
                    status,
                    notes,
                },
                true,
            ) => {
                let notes: Vec<Value> = notes
                    .iter()
                    .map(|n| json!({"note": n.name(), "message": n.to_string()}))
                    .collect();
                self.emit(&json!({
                    "line": line,
                    "result": if status == 1 { "imported" } else { "disabled" },
                    "username": username,
                    "notes": notes,
                }));
            }
            (
                Event::Imported {
                    line,
                    username,
                    status,
                    notes,
                },
                false,
            ) => {
                let result = if status == 1 {
                    "imported"
                } else {
                    "imported disabled"
                };
                for note in notes {
                    self.say(line, &format!("{username}: {result}: {note}"));
                }
            }
            (
                Event::Skipped {
                    line,
                    username,
                    reason,
                },
                true,
            ) => self.emit(&json!({
                "line": line,
                "result": "skipped",
                "username": username,
                "reason": reason.name(),
                "message": reason.to_string(),
            })),
            (
                Event::Skipped {
                    line,
                    username,
                    reason,
                },
                false,
            ) => self.say(
                line,
                &format!(
                    "{}: skipped: {reason}",
                    username.unwrap_or("(user name not shown)")
                ),
            ),
            (Event::Error { line, fault }, true) => self.emit(&json!({
                "line": line,
                "result": "error",
                "reason": fault.name(),
                "message": fault.to_string(),
            })),
            (Event::Error { line, fault }, false) => self.say(line, &format!("error: {fault}")),
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

/// Runs the import and reports. Exit status: 0 every account written, 1 some skipped or
/// malformed, 2 nothing usable (no dump written) or a fatal error.
pub(crate) fn run(args: &ImportArgs, json: bool) -> anyhow::Result<u8> {
    let options = args.options();
    let bar = std::io::stderr().is_terminal().then(|| {
        let len = std::fs::metadata(&args.input).map_or(0, |m| m.len());
        let bar = ProgressBar::new(len);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
        {
            bar.set_style(style);
        }
        bar
    });
    let mut report = Report {
        json,
        input: args.input.display().to_string(),
        events: 0,
        bar,
    };
    if json {
        print!("{{\"events\":[");
    }
    let result = import_file(
        &options,
        &args.input,
        args.passwd.as_deref(),
        &args.output,
        &mut report,
    );
    if let Some(bar) = &report.bar {
        bar.finish_and_clear();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            if json {
                println!("\n],\"error\":{}}}", json!({"message": e.to_string()}));
            }
            return Err(e).context("import failed");
        }
    };
    let written = summary.written() > 0;
    if json {
        println!(
            "\n],\"summary\":{},\"output\":{}}}",
            summary_json(&summary),
            if written {
                json!(args.output.display().to_string())
            } else {
                Value::Null
            }
        );
    } else {
        println!(
            "imported {}, disabled {}, skipped {}, errors {}, filtered {}, notes {}",
            summary.imported,
            summary.disabled,
            summary.skipped,
            summary.errors,
            summary.filtered,
            summary.notes
        );
        if written {
            println!("wrote {}", args.output.display());
        } else {
            eprintln!("passgate: no account could be imported; nothing written");
        }
    }
    Ok(match summary.outcome() {
        Outcome::Complete => 0,
        Outcome::Partial => 1,
        Outcome::NothingUsable => 2,
    })
}
