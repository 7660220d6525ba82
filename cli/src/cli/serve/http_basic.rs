//! `/http-basic…`: HTTP Basic for a reverse proxy's auth subrequest (nginx `auth_request`,
//! Caddy `forward_auth`, Traefik `forwardAuth`). The realm is the `[[http_basic]]` with the
//! longest prefix of the path; its source decides.
//!
//! - 204 with `X-Passgate-User: NAME` when the password is the account's.
//! - 401 with `WWW-Authenticate: Basic realm="…", charset="UTF-8"` for anything a client
//!   can cause: no `Authorization` header, one that is not Basic credentials passgate reads
//!   (or two of them), an unknown user, a wrong password, a locked, disabled or expired
//!   account. Never 403, never 5xx.
//! - 404 for a path under `/http-basic` that no prefix covers.
//! - No verdict: 503 with `Retry-After: 1` when every worker is busy and the queue is full or
//!   a hash's memory could not be allocated, 500 on an internal error. nginx answers its
//!   client 500 for any status of the subrequest but 2xx, 401 and 403; Caddy and Traefik
//!   pass the 503 on.
//!
//! Every answer carries `Cache-Control: no-store`: a password changed or an account locked in
//! the source counts from the next request. Any method is answered alike and the body is never
//! read. `[serve] auth_header` is not asked for: the proxy forwards its client's headers,
//! and the `Authorization` header is the credential.

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use passgate::answer::http_basic::{PATH_ROOT, realm_for};
use passgate::answer::{AccountVerdict, BasicCredentials, BasicError, HookKind, HttpBasicRealm};

use super::{Service, refusal, reject, section, verdict};

/// The header naming the authenticated user in a 2xx answer.
const USER_HEADER: HeaderName = HeaderName::from_static("x-passgate-user");

/// Every path the routes do not name: the HTTP Basic realms under `/http-basic`, 404 for the
/// rest.
pub(super) async fn fallback(
    State(service): State<Arc<Service>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    let under_root = path
        .strip_prefix(PATH_ROOT)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !under_root {
        return StatusCode::NOT_FOUND.into_response();
    }
    answer(service, path, &headers).await
}

async fn answer(service: Arc<Service>, path: &str, headers: &HeaderMap) -> Response {
    let hook = HookKind::HttpBasic.name();
    let started = Instant::now();
    let Some(realm) = realm_for(&service.realms, path).cloned() else {
        let r = refusal(
            StatusCode::NOT_FOUND,
            "no [[http_basic]] prefix covers this path",
        );
        return reject(&service, hook, "unknown-realm", "", started, no_store(r));
    };
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let credentials = match (values.next(), values.next()) {
        (None, _) => Err("no-credentials"),
        (Some(_), Some(_)) => Err("malformed-credentials"),
        (Some(value), None) => {
            BasicCredentials::from_header(value.as_bytes()).map_err(|e| match e {
                BasicError::TooLong => "credentials-too-long",
                BasicError::NotBasic => "not-basic",
                _ => "malformed-credentials",
            })
        }
    };
    let credentials = match credentials {
        Ok(c) => c,
        Err(reason) => {
            return reject(&service, hook, reason, "", started, challenge(&realm));
        }
    };
    let Some(source) = service.sources.get(&section(realm.source())).cloned() else {
        // Every source a realm names is loaded at start.
        let r = refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        return reject(&service, hook, "internal-error", "", started, r);
    };
    let who = (
        credentials.username().to_owned(),
        String::new(),
        String::new(),
    );
    let decided = verdict(Arc::clone(&service), hook, who, started, move |s| {
        s.answerer.verify_account(
            HookKind::HttpBasic,
            credentials.username(),
            credentials.password(),
            &*source,
        )
    })
    .await;
    let attempt = match decided {
        Ok(a) => a,
        Err(no_verdict) => return no_store(no_verdict),
    };
    match attempt.reply {
        AccountVerdict::Verified(account) => {
            match HeaderValue::from_bytes(account.username().as_bytes()) {
                Ok(user) => {
                    let mut r = no_store(StatusCode::NO_CONTENT.into_response());
                    r.headers_mut().insert(USER_HEADER, user);
                    r
                }
                // A name the source holds and the header checks let through is a header value.
                Err(_) => no_store(refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal error")),
            }
        }
        _ => challenge(&realm),
    }
}

/// The 401 asking for credentials of `realm`; the same whatever was wrong.
fn challenge(realm: &HttpBasicRealm) -> Response {
    let mut r = refusal(
        StatusCode::UNAUTHORIZED,
        "a user name and password of this realm are needed",
    );
    // A configured realm is printable ASCII without quotes or backslashes.
    let value = HeaderValue::from_str(&realm.challenge())
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    r.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    no_store(r)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
