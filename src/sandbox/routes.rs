//! The sandbox's HTTP side: the router, the gate all requests pass, the handlers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::header::{ALLOW, AUTHORIZATION, HOST, PROXY_AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use tracing::debug;

use super::data::{self, DataSet};
use super::limit::RateLimit;
use super::listing::{self, ListQuery};
use super::RecordedRequest;

const CONNECTORS: &str = "/cloudview-api/rest/v1/aws/connectors";
const BASE_ACCOUNT: &str = "/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId";
const CONNECTOR: &str = "/cloudview-api/rest/v1/aws/connectors/{connectorId}";

/// Everything the server reads and writes, shared by its handlers and the
/// [`Sandbox`] handle.
///
/// [`Sandbox`]: super::Sandbox
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) data: DataSet,
    pub(super) username: String,
    pub(super) password: String,
    pub(super) latency: Duration,
    pub(super) rate_limit: RateLimit,
    pub(super) log: Mutex<Log>,
}

/// The requests received so far, and a count of all that ever arrived.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) requests: Vec<RecordedRequest>,
    received: u64,
}

impl Shared {
    pub(super) fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `request`; returns its number, counting from 1 in arrival order.
    fn record(&self, request: &Request) -> u64 {
        let recorded = recorded(request);
        let mut log = self.log();
        log.requests.push(recorded);
        log.received += 1;
        log.received
    }

    /// Checks HTTP Basic credentials; the error is the message for a 401.
    fn authenticate(&self, request: &Request) -> Result<(), String> {
        let Some(header) = request.headers().get(AUTHORIZATION) else {
            return Err("full authentication is required to access this resource".into());
        };
        let header = String::from_utf8_lossy(header.as_bytes());
        let (scheme, encoded) = header.split_once(' ').unwrap_or((&header, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(format!("expected HTTP Basic credentials, but found scheme `{scheme}`"));
        }

        let expected = format!("{}:{}", self.username, self.password);
        match STANDARD.decode(encoded.trim()) {
            Ok(credentials) if credentials == expected.as_bytes() => Ok(()),
            _ => Err("bad credentials".into()),
        }
    }
}

/// The server's routes, behind the gate.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(CONNECTORS, get(list_connectors))
        .route(BASE_ACCOUNT, get(aws_base_account))
        .route(CONNECTOR, get(one_connector))
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// Every request, routed or not, passes here: it is recorded, may be answered
/// by the override hook, and is otherwise delayed, counted, authenticated and
/// handed to its route.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let number = shared.record(&request);

    let response = match override_response(&shared, number).await {
        Some(response) => response,
        None => answer(&shared, request, next).await,
    };
    debug!(%method, %path, status = response.status().as_u16(), "sandbox answered");
    response
}

/// Decides whether request `number` (counting from 1) gets a made-up answer
/// instead of the normal one, such as a fault the test asked for. The answer it
/// gives goes out exactly as it is, with no rate-limit headers added. The
/// sandbox plans no such answers yet.
async fn override_response(_shared: &Shared, _number: u64) -> Option<Response> {
    None
}

/// The normal answer: rate limit first (every request counts), then
/// credentials, then the route; every answer carries the rate-limit headers.
async fn answer(shared: &Shared, request: Request, next: Next) -> Response {
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }

    let path = request.uri().path().to_owned();
    let quota = shared.rate_limit.take();
    let mut response = if let Some(seconds) = quota.wait_seconds() {
        too_many_requests(&path, seconds)
    } else if let Err(message) = shared.authenticate(&request) {
        unauthorized(&path, message)
    } else {
        with_error_body(next.run(request).await, &path)
    };
    quota.write(response.headers_mut());
    response
}

async fn list_connectors(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(&uri).map(|q| q.0);
    let query = ListQuery::parse(&pairs.unwrap_or_default());
    match query {
        Ok(query) => Json(listing::page(&shared.data, &query)).into_response(),
        Err(message) => ApiError::bad_request(&uri, message).into_response(),
    }
}

async fn aws_base_account() -> Json<Value> {
    Json(data::aws_base_account())
}

async fn one_connector(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let data = &shared.data;
    let found = data.connectors.iter().position(|c| c.connector_id.as_deref() == Some(&id));
    match found {
        Some(index) => Json(data.raw[index].clone()).into_response(),
        None => {
            ApiError::not_found(&uri, format!("no connector has the id `{id}`")).into_response()
        }
    }
}

async fn unknown_path(uri: Uri) -> Response {
    let message = format!("no endpoint at `{}`", uri.path());
    ApiError::not_found(&uri, message).into_response()
}

fn too_many_requests(path: &str, seconds: u64) -> Response {
    let message = format!("rate limit exceeded, retry in {seconds} seconds");
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS", path, message).into_response()
}

fn unauthorized(path: &str, message: String) -> Response {
    let error = ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", path, message);
    let challenge = HeaderValue::from_static(r#"Basic realm="TotalCloud sandbox""#);
    (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, challenge)], error).into_response()
}

/// Gives the router's own bodiless 405 the JSON error body every other error
/// has.
fn with_error_body(response: Response, path: &str) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(ALLOW).cloned();
    let message = "this endpoint answers GET only".to_string();
    let error = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", path, message);
    let mut response = error.into_response();
    if let Some(allow) = allow {
        response.headers_mut().insert(ALLOW, allow);
    }
    response
}

/// An error answer in the service's JSON error body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    path: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, path: &str, message: String) -> ApiError {
        ApiError { status, code, path: path.to_owned(), message }
    }

    fn bad_request(uri: &Uri, message: String) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", uri.path(), message)
    }

    fn not_found(uri: &Uri, message: String) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", uri.path(), message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string(),
            "status": self.status.as_u16(),
            "error": self.status.canonical_reason().unwrap_or_default(),
            "errorCode": self.code,
            "message": self.message,
            "path": self.path,
        });
        (self.status, Json(body)).into_response()
    }
}

/// What the sandbox keeps of a request: see [`RecordedRequest`] for what is
/// left out.
fn recorded(request: &Request) -> RecordedRequest {
    let query = Query::<Vec<(String, String)>>::try_from_uri(request.uri()).map(|q| q.0);
    let mut headers: Vec<(String, String)> =
        request.headers().iter().filter_map(|(name, value)| header(name, value)).collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));

    RecordedRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: query.unwrap_or_default(),
        headers,
    }
}

/// A header as recorded: `host` is dropped because its port changes from run to
/// run, and credentials are replaced by their scheme and `[redacted]`.
fn header(name: &HeaderName, value: &HeaderValue) -> Option<(String, String)> {
    if name == HOST {
        return None;
    }
    let value = String::from_utf8_lossy(value.as_bytes());
    let value = if name == AUTHORIZATION || name == PROXY_AUTHORIZATION {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} [redacted]"),
            None => "[redacted]".to_owned(),
        }
    } else {
        value.into_owned()
    };
    Some((name.as_str().to_owned(), value))
}
