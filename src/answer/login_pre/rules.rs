//! `[directadmin_filter]`: the sections as written, checked into rules, and which section's
//! key applies to a user.

#![forbid(unsafe_code)]

use core::fmt;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{LoginPreFilter, MAX_FIELD, MAX_HINT, SECTION, shown};
use crate::Scheme;
use crate::answer::cidr::IpNet;
use crate::answer::source::SourceConfig;
use crate::answer::window::{Days, Hours, Zone};
use crate::hooks::ConfigError;

/// `[directadmin_filter]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FilterSection {
    source: Option<String>,
    #[serde(default)]
    refuse_schemes: Vec<String>,
    #[serde(default)]
    verify: bool,
    refuse_hint: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    default: RuleSection,
    #[serde(default)]
    users: BTreeMap<String, RuleSection>,
    #[serde(default)]
    groups: BTreeMap<String, GroupSection>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSection {
    allow_ip: Option<Vec<String>>,
    deny_ip: Option<Vec<String>>,
    days: Option<Vec<String>>,
    hours: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSection {
    members: Vec<String>,
    allow_ip: Option<Vec<String>>,
    deny_ip: Option<Vec<String>>,
    days: Option<Vec<String>>,
    hours: Option<Vec<String>>,
}

/// One section's rules, each key unset unless written.
#[derive(Clone, Debug, Default)]
pub(super) struct Rule {
    pub(super) allow_ip: Option<Vec<IpNet>>,
    pub(super) deny_ip: Option<Vec<IpNet>>,
    pub(super) days: Option<Days>,
    pub(super) hours: Option<Hours>,
}

impl Rule {
    fn has_times(&self) -> bool {
        self.days.is_some() || self.hours.is_some()
    }
}

fn invalid(key: &str, reason: impl fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.to_string(),
    }
}

/// A user name as the configuration may hold it: what DirectAdmin could send.
fn check_user_name(key: &str, name: &str) -> Result<(), ConfigError> {
    if name.is_empty()
        || name.len() > MAX_FIELD
        || name.contains('|')
        || name.chars().any(char::is_control)
    {
        return Err(invalid(
            key,
            format!("{name:?} is not a user name DirectAdmin sends"),
        ));
    }
    Ok(())
}

fn networks(
    key: &str,
    items: Option<Vec<String>>,
    allow: bool,
) -> Result<Option<Vec<IpNet>>, ConfigError> {
    let Some(items) = items else {
        return Ok(None);
    };
    if allow && items.is_empty() {
        return Err(invalid(
            key,
            "empty: it would allow no address (remove the key to allow every address)",
        ));
    }
    items
        .iter()
        .map(|s| {
            s.parse::<IpNet>()
                .map_err(|e| invalid(key, format!("{s:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn rule(key: &str, r: RuleSection) -> Result<Rule, ConfigError> {
    let sub = |k: &str| format!("{key}.{k}");
    Ok(Rule {
        allow_ip: networks(&sub("allow_ip"), r.allow_ip, true)?,
        deny_ip: networks(&sub("deny_ip"), r.deny_ip, false)?,
        days: r
            .days
            .map(|d| Days::parse(&d).map_err(|e| invalid(&sub("days"), e)))
            .transpose()?,
        hours: r
            .hours
            .map(|h| Hours::parse(&h).map_err(|e| invalid(&sub("hours"), e)))
            .transpose()?,
    })
}

impl LoginPreFilter {
    /// The filter of a `[directadmin_filter]` section, its `source` looked up in the
    /// configuration's sources (`[sources.NAME]`, or `[source]` when unnamed).
    pub(crate) fn from_section(
        s: FilterSection,
        default_source: Option<&SourceConfig>,
        sources: &BTreeMap<String, SourceConfig>,
    ) -> Result<Self, ConfigError> {
        let key = |k: &str| format!("{SECTION}.{k}");
        let mut refuse = Vec::with_capacity(s.refuse_schemes.len());
        for name in &s.refuse_schemes {
            let scheme = Scheme::from_name(name).ok_or_else(|| {
                invalid(
                    &key("refuse_schemes"),
                    format!("{name:?}: no such scheme (`passgate schemes` lists them)"),
                )
            })?;
            if !refuse.contains(&scheme) {
                refuse.push(scheme);
            }
        }
        let source =
            match &s.source {
                Some(name) => Some(sources.get(name).cloned().ok_or_else(|| {
                    invalid(&key("source"), format!("no [sources.{name}] section"))
                })?),
                None => default_source.cloned(),
            };
        if !refuse.is_empty() && source.is_none() {
            return Err(invalid(
                &key("source"),
                "refuse_schemes reads the users' hashes from a source: name a [sources.NAME] \
                 section (or write [source])",
            ));
        }
        if s.verify && refuse.is_empty() {
            return Err(invalid(
                &key("verify"),
                "verify applies to refuse_schemes, which is empty",
            ));
        }
        let hint = match s.refuse_hint {
            Some(h) => {
                if h.is_empty() || h.chars().count() > MAX_HINT || h.chars().any(char::is_control) {
                    return Err(invalid(
                        &key("refuse_hint"),
                        format!("one line of 1 to {MAX_HINT} characters"),
                    ));
                }
                h
            }
            None => Self::DEFAULT_HINT.to_owned(),
        };
        let default = rule(&key("default"), s.default)?;
        let mut users = BTreeMap::new();
        for (name, section) in s.users {
            let k = key(&format!("users.{name}"));
            if name == "*" {
                return Err(invalid(
                    &k,
                    "the rule of every user is [directadmin_filter.default]",
                ));
            }
            check_user_name(&k, &name)?;
            users.insert(name, rule(&k, section)?);
        }
        let mut groups = BTreeMap::new();
        let mut member_of: BTreeMap<String, String> = BTreeMap::new();
        for (name, g) in s.groups {
            let k = key(&format!("groups.{name}"));
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(&k, "a name of letters, digits, - and _"));
            }
            if g.members.is_empty() {
                return Err(invalid(&format!("{k}.members"), "empty"));
            }
            for member in &g.members {
                check_user_name(&format!("{k}.members"), member)?;
                if let Some(other) = member_of.insert(member.clone(), name.clone())
                    && other != name
                {
                    return Err(invalid(
                        &format!("{k}.members"),
                        format!("{member:?} is a member of groups.{other} too: one group per user"),
                    ));
                }
            }
            let r = RuleSection {
                allow_ip: g.allow_ip,
                deny_ip: g.deny_ip,
                days: g.days,
                hours: g.hours,
            };
            groups.insert(name, rule(&k, r)?);
        }
        let times = default.has_times()
            || users.values().any(Rule::has_times)
            || groups.values().any(Rule::has_times);
        // Read when a rule needs it, and whenever it is written, so a wrong one is never silent.
        let zone = if times || s.time_zone.is_some() {
            Some(Zone::parse(s.time_zone.as_deref()).map_err(|e| invalid(&key("time_zone"), e))?)
        } else {
            None
        };
        Ok(Self {
            default,
            users,
            groups,
            member_of,
            refuse,
            verify: s.verify,
            source,
            hint,
            zone,
        })
    }

    /// The most specific section setting a key for `user`, with that section's name.
    pub(super) fn pick<'a, T>(
        &'a self,
        user: &str,
        key: impl Fn(&'a Rule) -> Option<&'a T>,
    ) -> Option<(&'a T, String)> {
        if let Some(v) = self.users.get(user).and_then(&key) {
            return Some((v, format!("users.{}", shown(user))));
        }
        if let Some(group) = self.member_of.get(user)
            && let Some(v) = self.groups.get(group).and_then(&key)
        {
            return Some((v, format!("groups.{group}")));
        }
        key(&self.default).map(|v| (v, "default".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hooks::Config;
    use std::path::Path;

    fn filter(toml: &str) -> Result<LoginPreFilter, ConfigError> {
        let c = Config::parse(toml, Path::new("/etc/passgate"))?;
        Ok(c.directadmin_filter.unwrap())
    }

    #[test]
    fn bad_sections_are_named() {
        for (text, key) in [
            (
                "allow_ip = [\"192.0.2.1/24\"]",
                "directadmin_filter.default.allow_ip",
            ),
            ("allow_ip = []", "directadmin_filter.default.allow_ip"),
            (
                "deny_ip = [\"10.0.0.0/8\", \"bad\"]",
                "directadmin_filter.default.deny_ip",
            ),
            ("days = [\"monday\"]", "directadmin_filter.default.days"),
            ("hours = [\"9-17\"]", "directadmin_filter.default.hours"),
        ] {
            let toml = format!("[directadmin_filter.default]\n{text}\n");
            match filter(&toml) {
                Err(ConfigError::Invalid { key: k, reason }) => {
                    assert_eq!(k, key, "{text}");
                    assert!(!reason.is_empty());
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        let err = filter("[directadmin_filter.default]\nallow_ip = [\"192.0.2.1/24\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"192.0.2.1/24\"") && err.contains("192.0.2.0/24"),
            "{err}"
        );
        for (toml, key) in [
            (
                "[directadmin_filter]\nrefuse_schemes = [\"md5\"]\n[source]\nformat = \"htpasswd\"\npath = \"h\"\nhome_base = \"/h\"\n",
                "directadmin_filter.refuse_schemes",
            ),
            (
                "[directadmin_filter]\nrefuse_schemes = [\"md5crypt\"]\n",
                "directadmin_filter.source",
            ),
            (
                "[directadmin_filter]\nsource = \"nope\"\n",
                "directadmin_filter.source",
            ),
            (
                "[directadmin_filter]\nverify = true\n",
                "directadmin_filter.verify",
            ),
            (
                "[directadmin_filter]\nrefuse_hint = \"a\\nb\"\n",
                "directadmin_filter.refuse_hint",
            ),
            (
                "[directadmin_filter]\ntime_zone = \"Mars/Olympus\"\n",
                "directadmin_filter.time_zone",
            ),
            (
                "[directadmin_filter.users.\"*\"]\n",
                "directadmin_filter.users.*",
            ),
            (
                "[directadmin_filter.users.\"a|b\"]\n",
                "directadmin_filter.users.a|b",
            ),
            (
                "[directadmin_filter.groups.\"a b\"]\nmembers = [\"x\"]\n",
                "directadmin_filter.groups.a b",
            ),
            (
                "[directadmin_filter.groups.g]\nmembers = []\n",
                "directadmin_filter.groups.g.members",
            ),
            (
                "[directadmin_filter.groups.g]\nmembers = [\"x\"]\n[directadmin_filter.groups.h]\nmembers = [\"x\"]\n",
                "directadmin_filter.groups.h.members",
            ),
        ] {
            match filter(toml) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{toml}"),
                other => panic!("{toml}: {other:?}"),
            }
        }
        for (toml, unknown) in [
            ("[directadmin_filter]\nrefuse = []\n", "refuse"),
            ("[directadmin_filter.default]\nallow = []\n", "allow"),
            (
                "[directadmin_filter.users.x]\nallowed_ip = []\n",
                "allowed_ip",
            ),
            (
                "[directadmin_filter.groups.g]\nmembers = [\"x\"]\nmember = []\n",
                "member",
            ),
        ] {
            match filter(toml) {
                Err(ConfigError::Syntax { message, .. }) => {
                    assert!(message.contains(&format!("`{unknown}`")), "{message}");
                }
                other => panic!("{toml}: {other:?}"),
            }
        }
        // No section: no filter.
        let c = Config::parse("", Path::new("/")).unwrap();
        assert!(c.directadmin_filter.is_none());
    }
}
