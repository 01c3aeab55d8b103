//! One GET request: build the URL, send, map the status, decode the body.

use std::time::Instant;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::{debug, debug_span, field, trace, Instrument};

use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::model::ErrorBody;

/// The path of the connector endpoints below the base URL.
pub(crate) const CONNECTORS_PATH: [&str; 5] = ["cloudview-api", "rest", "v1", "aws", "connectors"];

/// Longest excerpt of a non-JSON error body kept in an [`ApiError`].
const EXCERPT_CHARS: usize = 120;

/// What a request asks for: path segments below the connectors path, query
/// pairs, and what the body is called in a decode error.
pub(crate) struct Get<'a> {
    pub(crate) segments: &'a [&'a str],
    pub(crate) query: &'a [(&'static str, String)],
    pub(crate) what: &'static str,
}

/// Builds the URL of `segments` below the client's base URL. Each segment is
/// percent-encoded, so none can add a path level; `.`, `..` and empty
/// segments, which the URL rules would resolve away, are refused.
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Result<Url> {
    if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
        return Err(Error::config(
            "path segment",
            format!("`{bad}` would change the request path"),
        ));
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("base URLs are http(s), which always have a path")
        .pop_if_empty()
        .extend(CONNECTORS_PATH)
        .extend(segments);
    Ok(url)
}

/// Sends the GET and decodes a success body into `T`.
pub(crate) async fn get<T: DeserializeOwned>(client: &Client, request: Get<'_>) -> Result<T> {
    let url = endpoint(client.base_url(), request.segments)?;
    let span = debug_span!("request", method = "GET", path = url.path(), status = field::Empty);
    async move {
        let started = Instant::now();
        let credentials = client.credentials();
        let response = client
            .http()
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .query(request.query)
            .basic_auth(credentials.username(), Some(credentials.password()))
            .send()
            .await
            .map_err(|e| transport(&url, e))?;

        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| transport(&url, e))?;
        trace!(
            bytes = body.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "response read"
        );

        if !status.is_success() {
            debug!(status = status.as_u16(), "error response");
            return Err(status_error(status, &headers, &body));
        }
        Ok(crate::model::decode(&body, request.what)?)
    }
    .instrument(span)
    .await
}

fn transport(url: &Url, source: reqwest::Error) -> Error {
    let kind = if source.is_timeout() {
        "timed out"
    } else if source.is_connect() {
        "could not connect"
    } else if source.is_body() || source.is_decode() {
        "the response body was cut off"
    } else {
        "the connection failed"
    };
    let mut shown = url.clone();
    shown.set_query(None);
    Error::Transport { url: shown.to_string(), kind, source }
}

/// Maps an error status to the variant a caller can act on.
pub(crate) fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let api = api_error(status, body);
    match status.as_u16() {
        401 => Error::Unauthorized(api),
        403 => Error::Forbidden(api),
        404 => Error::NotFound(api),
        429 => Error::RateLimited { wait: crate::http::requested_wait(headers), response: api },
        500..=599 => Error::Service(api),
        _ => Error::Status(api),
    }
}

/// How long the service asked us to wait, from `X-RateLimit-ToWait-Sec` or a
/// `Retry-After` given in seconds.
pub(crate) fn requested_wait(headers: &HeaderMap) -> Option<std::time::Duration> {
    ["x-ratelimit-towait-sec", "retry-after"].iter().find_map(|name| {
        let text = headers.get(*name)?.to_str().ok()?;
        text.trim().parse::<u64>().ok().map(std::time::Duration::from_secs)
    })
}

fn api_error(status: StatusCode, body: &[u8]) -> ApiError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(doc) if doc.message.is_some() || doc.error_code.is_some() => ApiError {
            status: status.as_u16(),
            code: doc.error_code,
            message: doc.message.or(doc.error),
            excerpt: None,
        },
        _ => ApiError {
            status: status.as_u16(),
            code: None,
            message: None,
            excerpt: Some(excerpt(body)),
        },
    }
}

/// The start of a body as one line: whitespace collapsed, at most
/// [`EXCERPT_CHARS`] characters.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(status: u16, body: &str) -> String {
        let status = StatusCode::from_u16(status).unwrap();
        status_error(status, &HeaderMap::new(), body.as_bytes()).to_string()
    }

    #[test]
    fn status_errors_read_one_line() {
        insta::assert_snapshot!(shown(404, r#"{"status":404,"error":"Not Found","errorCode":"CV-404","message":"connector not found"}"#), @"not found: status 404, connector not found (error code `CV-404`)");
        insta::assert_snapshot!(shown(401, ""), @"authentication failed: status 401 with an empty body");
        insta::assert_snapshot!(shown(502, "<html>\n  <body>Bad   gateway</body>\n</html>"), @"service error: status 502, body starts `<html> <body>Bad gateway</body> </html>`");
        insta::assert_snapshot!(shown(418, r#"{"error":"I'm a teapot"}"#), @r#"unexpected response: status 418, body starts `{"error":"I'm a teapot"}`"#);
    }

    #[test]
    fn endpoint_keeps_the_prefix_and_encodes_segments() {
        let base = Url::parse("https://example.com/proxy/").unwrap();
        let url = endpoint(&base, &["a/b", "c d?"]).unwrap();
        assert_eq!(url.path(), "/proxy/cloudview-api/rest/v1/aws/connectors/a%2Fb/c%20d%3F");
        for bad in ["..", ".", ""] {
            assert!(endpoint(&base, &[bad]).is_err(), "{bad:?}");
        }
    }
}
