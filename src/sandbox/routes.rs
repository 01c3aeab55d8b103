//! The sandbox's HTTP side: the router, the gate all requests pass, the handlers.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::header::{
    ALLOW, AUTHORIZATION, CONTENT_LENGTH, HOST, PROXY_AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE,
};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use tracing::debug;

use super::connection::Cutoff;
use super::data::{self, DataSet};
use super::fault::{Fault, FaultPlan, InjectedFault, Planner};
use super::jwt::Tokens;
use super::limit::RateLimit;
use super::listing::{self, ListQuery};
use super::RecordedRequest;

const CONNECTORS: &str = "/cloudview-api/rest/v1/aws/connectors";
const BASE_ACCOUNT: &str = "/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId";
const CONNECTOR: &str = "/cloudview-api/rest/v1/aws/connectors/{connectorId}";
const AUTH: &str = "/auth";

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
    pub(super) tokens: Tokens,
    pub(super) log: Mutex<Log>,
}

/// The requests received so far, the faults injected into them, a count of
/// all requests that ever arrived, and the fault plan that decides about the
/// next ones.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) injected: Vec<InjectedFault>,
    pub(super) faults: Planner,
    received: u64,
}

impl Log {
    pub(super) fn new(faults: FaultPlan) -> Log {
        Log { faults: Planner::new(faults), ..Log::default() }
    }
}

impl Shared {
    pub(super) fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `request`, numbers it (from 1, in arrival order) and asks the
    /// fault plan about it. Both happen under one lock, so a seeded plan sees
    /// the requests in numbering order even when they arrive together.
    fn admit(&self, request: &Request) -> (u64, Option<Fault>) {
        let recorded = recorded(request);
        let path = recorded.path.clone();
        let mut log = self.log();
        log.requests.push(recorded);
        log.received += 1;

        let request_number = log.received;
        let fault = log.faults.decide(request_number, &path);
        if let Some(fault) = &fault {
            log.injected.push(InjectedFault { request_number, path, fault: fault.clone() });
        }
        (request_number, fault)
    }

    /// Checks HTTP Basic credentials or a bearer token this sandbox issued;
    /// the error is the message for a 401.
    fn authenticate(&self, request: &Request) -> Result<(), String> {
        let Some(header) = request.headers().get(AUTHORIZATION) else {
            return Err("full authentication is required to access this resource".into());
        };
        let header = String::from_utf8_lossy(header.as_bytes());
        let (scheme, value) = header.split_once(' ').unwrap_or((&header, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            return match self.tokens.accepts(value.trim()) {
                true => Ok(()),
                false => Err("the token is expired or unknown".into()),
            };
        }
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(format!(
                "expected Basic or Bearer credentials, but found scheme `{scheme}`"
            ));
        }

        let expected = format!("{}:{}", self.username, self.password);
        match STANDARD.decode(value.trim()) {
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
        .route(AUTH, post(login))
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// Every request, routed or not, passes here: it is recorded, may get a fault
/// from the fault plan, and is otherwise delayed, counted, authenticated and
/// handed to its route.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (number, fault) = shared.admit(&request);

    let response = match fault {
        Some(fault) => {
            debug!(number, %method, %path, ?fault, "sandbox injects a fault");
            injected_answer(&shared, fault, request, next).await
        }
        None => answer(&shared, request, next).await,
    };
    debug!(number, %method, %path, status = response.status().as_u16(), "sandbox answered");
    response
}

/// The answer to a request the fault plan picked. `Slow` and `Truncate` spoil
/// the normal answer; the others replace it, before the rate limit and the
/// credentials are looked at, and go out exactly as made here.
async fn injected_answer(shared: &Shared, fault: Fault, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    match fault {
        Fault::RateLimited { wait_secs } => {
            let mut response = too_many_requests(&path, wait_secs);
            shared.rate_limit.write_injected_refusal(wait_secs, response.headers_mut());
            response
        }
        Fault::Status(code) => injected_error(status(code), &path),
        Fault::Unavailable { retry_after_secs } => unavailable(&path, retry_after_secs),
        Fault::Drop => cut_off(&request),
        Fault::Truncate => truncated(answer(shared, request, next).await).await,
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            answer(shared, request, next).await
        }
        Fault::Html(code) => gateway_page(status(code)),
        Fault::Empty(code) => status(code).into_response(),
    }
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
    } else if path == AUTH {
        // The login takes the credentials in its form, not in a header.
        next.run(request).await
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

/// The gateway login form: `username`, `password`, `token=true`.
#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    token: Option<String>,
}

/// Answers a good login with the bare token as the body, like the gateway.
async fn login(State(shared): State<Arc<Shared>>, uri: Uri, form: Form<LoginForm>) -> Response {
    let form = form.0;
    if form.token.as_deref() != Some("true") {
        return ApiError::bad_request(&uri, "expected the form field `token=true`".into())
            .into_response();
    }
    if form.username != shared.username || form.password != shared.password {
        return unauthorized(uri.path(), "bad credentials".into());
    }
    shared.tokens.issue(&form.username).into_response()
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

fn unavailable(path: &str, seconds: u64) -> Response {
    let message = format!("the service is unavailable, retry in {seconds} seconds");
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let error = ApiError::new(status, "SERVICE_UNAVAILABLE", path, message);
    (status, [(RETRY_AFTER, HeaderValue::from(seconds))], error).into_response()
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

/// Cuts the request's connection off (see the `connection` module), so the
/// answer returned here is never written.
fn cut_off(request: &Request) -> Response {
    // Every request the server takes carries its connection's cutoff; a
    // request without one would get this 500 instead of a dropped connection.
    if let Some(ConnectInfo(cutoff)) = request.extensions().get::<ConnectInfo<Cutoff>>() {
        cutoff.cut();
    }
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `response` with a head that promises its whole body and a body that breaks
/// off after the first half, which makes hyper close the connection there.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(whole) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(whole.len()));

    // The pause before the error lets hyper flush the head and the first half
    // to the socket; an error polled right after them would close the
    // connection with both still in hyper's buffer.
    let half = whole.slice(..whole.len() / 2);
    let first = stream::once(async move { Ok(half) });
    let broken = stream::once(async {
        tokio::task::yield_now().await;
        Err(io::Error::new(io::ErrorKind::ConnectionAborted, "body truncated"))
    });
    Response::from_parts(parts, Body::from_stream(first.chain(broken)))
}

/// An error page like the ones load balancers write, in HTML.
fn gateway_page(status: StatusCode) -> Response {
    let title = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
         <center><h1>{title}</h1></center>\r\n<hr><center>gateway</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    (status, Html(page)).into_response()
}

/// The status of an injected fault; [`FaultPlan`] has checked the code.
fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The `errorCode` the service would give a status: its reason in capitals,
/// such as `BAD_GATEWAY`.
fn error_code(status: StatusCode) -> String {
    let Some(reason) = status.canonical_reason() else {
        return format!("HTTP_{}", status.as_u16());
    };
    let code = reason.to_ascii_uppercase();
    code.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

/// A made-up error in the service's JSON error body, saying where it comes
/// from.
fn injected_error(status: StatusCode, path: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("error").to_ascii_lowercase();
    let message = format!("fault injected by the sandbox: {} {reason}", status.as_u16());
    ApiError::new(status, &error_code(status), path, message).into_response()
}

/// An error answer in the service's JSON error body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: String,
    path: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, path: &str, message: String) -> ApiError {
        ApiError { status, code: code.to_owned(), path: path.to_owned(), message }
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
