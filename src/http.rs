//! One GET request: build the URL, send, map the status, decode the body.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::{debug, debug_span, field, trace, warn, Instrument};

use crate::client::{Client, Credentials};
use crate::error::{ApiError, Error, Result, TimeoutKind};
use crate::model::ErrorBody;
use crate::retry::{Attempts, Transient, Verdict};

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

/// Sends the GET, retrying what may succeed when repeated, and decodes a
/// success body into `T`.
pub(crate) async fn get<T: DeserializeOwned>(client: &Client, request: Get<'_>) -> Result<T> {
    let url = endpoint(client.base_url(), request.segments)?;
    retrying(client, &url, "GET", || try_get(client, &url, &request)).await
}

/// Logs in at `{base}/auth` with the gateway's form and returns the token.
pub(crate) async fn login(client: &Client, credentials: &Credentials) -> Result<String> {
    let mut url = client.base_url().clone();
    url.path_segments_mut()
        .expect("base URLs are http(s), which always have a path")
        .pop_if_empty()
        .push("auth");
    retrying(client, &url, "POST", || try_login(client, &url, credentials)).await
}

/// Runs `attempt` until it succeeds, fails for good, or the retry policy
/// says stop; each try waits out the client's shared rate-limit pause first.
async fn retrying<T, F, Fut>(client: &Client, url: &Url, method: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut attempts = Attempts::new(client.retry_policy());
    loop {
        client.rate_gate().wait().await;
        let span = debug_span!(
            "request",
            method,
            path = url.path(),
            attempt = attempts.made(),
            status = field::Empty
        );
        let failure = match attempt().instrument(span).await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };

        match attempts.after(failure.error, failure.transient) {
            Verdict::Fail(error) => return Err(error),
            Verdict::Retry { wait, reason } => {
                let wait_ms = wait.as_millis() as u64;
                warn!(path = url.path(), attempt = attempts.made(), wait_ms, "{reason}; retrying");
                // A wait the service asked for holds for every request of
                // this client, not only the one that was told.
                if let Some(Transient::Status(_, Some(_))) = failure.transient {
                    client.rate_gate().pause_for(wait);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// A failed try: the error to return if it is the last, and whether another
/// try may succeed.
struct Failure {
    error: Error,
    transient: Option<Transient>,
}

impl Failure {
    fn fatal(error: Error) -> Failure {
        Failure { error, transient: None }
    }
}

async fn try_get<T: DeserializeOwned>(
    client: &Client,
    url: &Url,
    request: &Get<'_>,
) -> Result<T, Failure> {
    let builder = client
        .http()
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .query(request.query);
    let (builder, generation) =
        client.auth().apply(client, builder).await.map_err(Failure::fatal)?;
    let (status, headers, body) = exchange(client, url, builder).await?;

    if !status.is_success() {
        let mut transient = transient_status(status, &headers);
        // A refused token may only be stale: renew it and try once more.
        if let (StatusCode::UNAUTHORIZED, Some(generation)) = (status, generation) {
            client.auth().invalidate(generation).await;
            transient = Some(Transient::Reauthenticate);
        }
        return Err(Failure { error: status_error(status, &headers, &body), transient });
    }
    crate::model::decode(&body, request.what).map_err(|error| {
        let transient = if error.is_truncated() {
            Some(Transient::CutOff)
        } else if !looks_like_json(&body) {
            Some(Transient::NotJson)
        } else {
            None
        };
        Failure { error: error.into(), transient }
    })
}

async fn try_login(
    client: &Client,
    url: &Url,
    credentials: &Credentials,
) -> Result<String, Failure> {
    let form = [
        ("username", credentials.username()),
        ("password", credentials.password()),
        ("token", "true"),
    ];
    let builder = client.http().post(url.clone()).form(&form);
    let (status, headers, body) = exchange(client, url, builder).await?;

    if !status.is_success() {
        let transient = transient_status(status, &headers);
        return Err(Failure { error: status_error(status, &headers, &body), transient });
    }
    let token = String::from_utf8(body).unwrap_or_default();
    let token = token.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        let api = ApiError {
            status: status.as_u16(),
            code: None,
            message: Some("the login answer is not a token".to_string()),
            excerpt: None,
        };
        return Err(Failure::fatal(Error::Status(api)));
    }
    Ok(token.to_string())
}

/// Sends a request and reads the whole answer, within the body cap.
async fn exchange(
    client: &Client,
    url: &Url,
    builder: reqwest::RequestBuilder,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), Failure> {
    let started = Instant::now();
    let response = builder.send().await.map_err(|e| transport(client, url, e))?;

    let status = response.status();
    tracing::Span::current().record("status", status.as_u16());
    let headers = response.headers().clone();
    client.rate_gate().observe(&headers, client.retry_policy().max_wait);
    let body = read_body(client, url, response).await?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    trace!(bytes = body.len(), elapsed_ms, "response read");
    if !status.is_success() {
        debug!(status = status.as_u16(), "error response");
    }
    Ok((status, headers, body))
}

/// Reads the body, refusing more than the client's `max_body_bytes`.
async fn read_body(
    client: &Client,
    url: &Url,
    mut response: reqwest::Response,
) -> Result<Vec<u8>, Failure> {
    let limit = client.max_body_bytes();
    let too_large = || Failure::fatal(Error::BodyTooLarge { url: shown(url), limit });
    let announced = response.content_length().unwrap_or(0);
    if announced > limit as u64 {
        return Err(too_large());
    }

    let mut body = Vec::with_capacity(announced as usize);
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(client, url, e))? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Statuses worth another try: 429 and 503 with the wait the service asked
/// for, 502 and 504 from gateways, and 500 (the policy allows it once).
fn transient_status(status: StatusCode, headers: &HeaderMap) -> Option<Transient> {
    match status.as_u16() {
        code @ (429 | 503) => Some(Transient::Status(code, requested_wait(headers))),
        code @ (500 | 502 | 504) => Some(Transient::Status(code, None)),
        _ => None,
    }
}

/// Whether a body could be JSON at all; a gateway's HTML page cannot.
fn looks_like_json(body: &[u8]) -> bool {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'['))
}

/// The URL as errors show it: without the query, which may hold a filter.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

fn transport(client: &Client, url: &Url, source: reqwest::Error) -> Failure {
    let url = shown(url);
    if source.is_timeout() {
        let (which, after) = if source.is_connect() {
            (TimeoutKind::Connect, client.timeouts().0)
        } else {
            (TimeoutKind::Request, client.timeouts().1)
        };
        let error = Error::Timeout { url, which, after, source };
        return Failure { error, transient: Some(Transient::Timeout) };
    }
    let (kind, transient) = if source.is_connect() {
        ("could not connect", Transient::Connection)
    } else if source.is_body() || source.is_decode() {
        ("the response body was cut off", Transient::CutOff)
    } else {
        ("the connection failed", Transient::Connection)
    };
    Failure { error: Error::Transport { url, kind, source }, transient: Some(transient) }
}

/// Maps an error status to the variant a caller can act on.
pub(crate) fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let api = api_error(status, body);
    match status.as_u16() {
        401 => Error::Unauthorized(api),
        403 => Error::Forbidden(api),
        404 => Error::NotFound(api),
        429 => Error::RateLimited { wait: requested_wait(headers), response: api },
        500..=599 => Error::Service(api),
        _ => Error::Status(api),
    }
}

/// How long the service asked us to wait: `X-RateLimit-ToWait-Sec`, else
/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn requested_wait(headers: &HeaderMap) -> Option<Duration> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(seconds) = header("x-ratelimit-towait-sec").and_then(|t| t.parse().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    let retry_after = header("retry-after")?;
    if let Ok(seconds) = retry_after.parse() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(retry_after).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
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
