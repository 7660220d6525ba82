//! One audit line per attempt on standard error: time, user, ip, protocol, hook, outcome,
//! reason, where the deciding hash came from, its scheme and the milliseconds taken; as
//! `key=value` text or, with `--log-format json`, one JSON object. Never a password or a hash.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use clap::ValueEnum;
use serde_json::{Value, json};

/// How audit and service lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// `key=value` pairs, strings quoted and escaped.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// One attempt, as the audit line shows it.
pub(crate) struct Entry<'a> {
    pub(crate) hook: &'static str,
    pub(crate) user: &'a str,
    pub(crate) ip: &'a str,
    pub(crate) protocol: &'a str,
    pub(crate) outcome: &'static str,
    pub(crate) reason: &'a str,
    pub(crate) source: &'static str,
    pub(crate) scheme: Option<&'static str>,
    pub(crate) elapsed: Duration,
}

impl Entry<'_> {
    /// The line, without its newline.
    pub(crate) fn render(&self, format: LogFormat) -> String {
        let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let ms = self.elapsed.as_secs_f64() * 1000.0;
        let ms = (ms * 1000.0).round() / 1000.0;
        match format {
            LogFormat::Json => json!({
                "time": time,
                "event": "attempt",
                "hook": self.hook,
                "user": self.user,
                "ip": self.ip,
                "protocol": self.protocol,
                "outcome": self.outcome,
                "reason": self.reason,
                "source": self.source,
                "scheme": self.scheme,
                "ms": ms,
            })
            .to_string(),
            LogFormat::Text => format!(
                "{time} attempt hook={} user={} ip={} protocol={} outcome={} reason={} source={} scheme={} ms={ms}",
                self.hook,
                quoted(self.user),
                quoted(self.ip),
                quoted(self.protocol),
                self.outcome,
                self.reason,
                self.source,
                self.scheme.unwrap_or("-"),
            ),
        }
    }

    /// Writes the line to standard error, whole.
    pub(crate) fn write(&self, format: LogFormat) {
        event_line(&self.render(format));
    }
}

/// A service event (start, reload, shutdown) in the same format.
pub(crate) fn event(format: LogFormat, event: &str, fields: &[(&str, Value)]) {
    let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let line = match format {
        LogFormat::Json => {
            let mut map = serde_json::Map::new();
            map.insert("time".into(), Value::String(time));
            map.insert("event".into(), Value::String(event.into()));
            for (k, v) in fields {
                map.insert((*k).into(), v.clone());
            }
            Value::Object(map).to_string()
        }
        LogFormat::Text => {
            let mut line = format!("{time} {event}");
            for (k, v) in fields {
                let v = match v {
                    Value::String(s) => quoted(s),
                    other => other.to_string(),
                };
                line.push_str(&format!(" {k}={v}"));
            }
            line
        }
    };
    event_line(&line);
}

fn event_line(line: &str) {
    let mut err = std::io::stderr().lock();
    // Standard error gone: nothing to tell anyone.
    let _ = writeln!(err, "{line}");
}

/// A value as a quoted, escaped string when it holds anything but plain characters, so no
/// field can forge another or a line of its own.
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/[]%~+".contains(&b));
    if plain {
        value.to_owned()
    } else {
        Value::String(value.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cannot_be_forged() {
        let e = Entry {
            hook: "external-auth",
            user: "eve outcome=allow\nforged",
            ip: "192.0.2.1",
            protocol: "SSH",
            outcome: "deny",
            reason: "unknown-user",
            source: "none",
            scheme: None,
            elapsed: Duration::from_micros(1500),
        };
        let text = e.render(LogFormat::Text);
        assert!(!text.contains('\n'));
        assert!(
            text.contains(r#"user="eve outcome=allow\nforged""#),
            "{text}"
        );
        assert!(text.ends_with("ms=1.5"), "{text}");
        let json: Value = serde_json::from_str(&e.render(LogFormat::Json)).unwrap_or_default();
        assert_eq!(json["user"], "eve outcome=allow\nforged");
        assert_eq!(json["outcome"], "deny");
        assert_eq!(json["scheme"], Value::Null);
    }
}
