//! `passgate schemes`: every scheme with its identifiers, abilities and limits.

#![forbid(unsafe_code)]

use passgate::{HashParams, Policy, Scheme};
use serde_json::{Map, Value, json};

use super::EXIT_OK;
use super::output::Output;

/// The policy's limits that apply to a scheme, as name/value pairs.
fn limits(policy: &Policy, scheme: Scheme) -> Vec<(&'static str, u64)> {
    let mut limits = vec![("max_password_len", policy.max_password_len as u64)];
    match scheme {
        Scheme::Bcrypt => limits.push(("max_cost", policy.max_bcrypt_cost.into())),
        Scheme::Sha256Crypt | Scheme::Sha512Crypt => {
            limits.push(("max_rounds", policy.max_shacrypt_rounds.into()));
            limits.push(("max_work", policy.max_shacrypt_work));
        }
        Scheme::Pbkdf2Sha1
        | Scheme::Pbkdf2Sha256
        | Scheme::Pbkdf2Sha512
        | Scheme::Pbkdf2B64SaltSha256
        | Scheme::PasslibPbkdf2Sha1
        | Scheme::PasslibPbkdf2Sha256
        | Scheme::PasslibPbkdf2Sha512 => limits.push(("max_work", policy.max_pbkdf2_work)),
        Scheme::Argon2id | Scheme::Argon2i => {
            limits.push(("max_memory_kib", policy.max_argon2_memory_kib.into()));
            limits.push(("max_time", policy.max_argon2_time.into()));
            limits.push(("max_parallelism", policy.max_argon2_lanes.into()));
        }
        Scheme::Yescrypt => {
            limits.push(("max_memory_kib", policy.max_yescrypt_memory_kib));
            limits.push(("max_time", policy.max_yescrypt_time.into()));
            limits.push(("max_parallelism", policy.max_yescrypt_parallelism.into()));
        }
        _ => {}
    }
    if let Some(n) = scheme.significant_password_bytes() {
        limits.push(("significant_password_bytes", n as u64));
    }
    limits
}

/// One scheme's entry.
fn describe(policy: &Policy, scheme: Scheme) -> Value {
    let limits: Map<String, Value> = limits(policy, scheme)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    json!({
        "scheme": scheme.name(),
        "identifiers": scheme.identifiers(),
        "verifies": policy.allow_legacy || !scheme.is_legacy(),
        "hashes": HashParams::recommended(scheme).is_some(),
        "legacy": scheme.is_legacy(),
        "preferred": policy.preferred.scheme() == scheme,
        "limits": limits,
    })
}

pub(crate) fn run(policy: &Policy, out: &Output) -> anyhow::Result<u8> {
    let all: Vec<Value> = Scheme::ALL.iter().map(|&s| describe(policy, s)).collect();
    if out.json {
        out.json(&Value::Array(all))?;
        return Ok(EXIT_OK);
    }
    let yes = |v: &Value| if v == &json!(true) { "yes" } else { "no" };
    out.line(format!(
        "{:<22} {:<34} {:<6} {:<6} {:<6} limits",
        "scheme", "identifiers", "verify", "hash", "legacy"
    ))?;
    for s in &all {
        let ids: Vec<&str> = s["identifiers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let ids = if ids.is_empty() {
            "(13 characters, no identifier)".to_owned()
        } else {
            ids.join(" ")
        };
        let limits: Vec<String> = s["limits"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut name = s["scheme"].as_str().unwrap_or_default().to_owned();
        if s["preferred"] == json!(true) {
            name.push_str(" *");
        }
        out.line(format!(
            "{name:<22} {ids:<34} {:<6} {:<6} {:<6} {}",
            yes(&s["verifies"]),
            yes(&s["hashes"]),
            yes(&s["legacy"]),
            limits.join(" ")
        ))?;
    }
    out.line("* the policy's preferred scheme (the rehash target)")?;
    Ok(EXIT_OK)
}
