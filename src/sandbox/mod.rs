//! An in-process stand-in for the TotalCloud connector API, for tests, examples
//! and demos.
//!
//! [`Sandbox::start`] binds an HTTP server to `127.0.0.1` on a free port and
//! serves a seeded, realistic set of AWS connectors the way the service does:
//! the same paths, the same Spring Data pages, the same JSON error bodies and
//! rate-limit headers, and connectors in the service's own wire form. Point a
//! client at [`Sandbox::base_url`] with [`Sandbox::username`] and
//! [`Sandbox::password`]; dropping the sandbox stops the server. A
//! [`FaultPlan`] makes it fail on demand, the way the service and the
//! gateways in front of it do.
//!
//! # Example
//!
//! ```
//! use totalcloud::sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let url = format!("{}/cloudview-api/rest/v1/aws/connectors", sandbox.base_url());
//! let body = reqwest::Client::new()
//!     .get(url)
//!     .query(&[("pageSize", "10"), ("filter", "state:ERROR")])
//!     .basic_auth(sandbox.username(), Some(sandbox.password()))
//!     .send()
//!     .await?
//!     .text()
//!     .await?;
//! let page: serde_json::Value = serde_json::from_str(&body)?;
//! assert!(page["content"].as_array().unwrap().len() <= 10);
//! assert_eq!(sandbox.requests().len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//!
//! Every endpoint answers `GET` only, with JSON, and wants HTTP Basic
//! credentials or a bearer token from the gateway login:
//!
//! | path | answer |
//! |---|---|
//! | `POST /auth` (form `username`, `password`, `token=true`) | a token, as the bare body |
//! | `/cloudview-api/rest/v1/aws/connectors` | a Spring Data page of connectors |
//! | `/cloudview-api/rest/v1/aws/connectors/{connectorId}` | one connector |
//! | `/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId` | the AWS base account |
//!
//! The list takes `pageNo` (zero-based, default 0), `pageSize` (1 to 1000,
//! default 50), `filter` and `sort` (`lastSyncedOn:asc` or `lastSyncedOn:desc`;
//! connectors never synced come last either way, and ties keep the natural
//! order). The first occurrence of a parameter wins, an empty value counts as
//! absent, and unknown parameters are ignored. A page past the end has an empty
//! `content` and `last: true`.
//!
//! Errors carry the service's JSON error body (`timestamp`, `status`, `error`,
//! `errorCode`, `message`, `path`):
//!
//! - 400 for a `pageNo` that is not a page number, a `pageSize` out of range,
//!   an unknown `sort`, or a `filter` that does not parse (the message quotes
//!   the parse error);
//! - 401, with a `WWW-Authenticate` challenge, when credentials are missing
//!   or wrong, or a token is unknown, expired or revoked
//!   ([`Sandbox::revoke_tokens`]); tokens last four hours unless
//!   [`SandboxBuilder::token_lifetime`] says otherwise, and carry `sub`, `iat`
//!   and `exp` in their payload as the service's do;
//! - 404 for an unknown connector id (compared exactly, case included) or an
//!   unknown path;
//! - 405 for any method but `GET` (and `HEAD`) on a known path;
//! - 429 past the rate limit, with `X-RateLimit-ToWait-Sec` and `Retry-After`.
//!
//! Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Window-Sec` and
//! `X-RateLimit-Remaining`. Every request counts against the limit, whatever
//! its answer; the default, 100 000 requests per 60 seconds, is out of reach of
//! ordinary tests, and [`SandboxBuilder::rate_limit`] sets a lower one. Once
//! `X-RateLimit-Remaining` reaches 0, every further request in the window is a
//! 429 until the window closes. The rate limit is checked before the
//! credentials, so a refused request gets a 429 even with bad credentials.
//! Answers made up by a fault plan are the exception to all of this: see below.
//!
//! # Faults
//!
//! A [`FaultPlan`], given to [`SandboxBuilder::faults`] or
//! [`Sandbox::set_faults`], fails chosen requests: by their number, counting
//! every request from 1 in arrival order, or at a rate, from a seeded random
//! generator so that a run can be repeated. A [`Fault`] can be a 429 with
//! wait headers, a 5xx with the service's JSON error body, a 503 with
//! `Retry-After`, a gateway's HTML page or empty body, a connection closed
//! before any answer, an answer whose body breaks off halfway, or an answer
//! that comes late.
//!
//! The plan decides as each request arrives, before anything else happens to
//! it. A faulted request is still in [`Sandbox::requests`], and
//! [`Sandbox::injected`] lists each fault with its request's number and path,
//! so a test can check its client's retries against what was injected. A
//! slow or truncated answer is the real one, rate limit and credentials
//! included. The other faults answer in the service's place: their requests
//! do not count against the rate limit, and their answers carry no
//! `X-RateLimit-*` headers, except the injected 429, which has its own.
//!
//! ```
//! use totalcloud::sandbox::{Fault, FaultPlan, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let plan = FaultPlan::new().at(1, Fault::Status(503)).at(2, Fault::Drop);
//! let sandbox = Sandbox::builder().faults(plan).start().await?;
//! let url = format!("{}/cloudview-api/rest/v1/aws/connectors", sandbox.base_url());
//! let client = reqwest::Client::new();
//! let get = || client.get(&url).basic_auth(sandbox.username(), Some(sandbox.password()));
//!
//! assert_eq!(get().send().await?.status(), 503);
//! assert!(get().send().await.is_err(), "the connection was closed");
//! assert_eq!(get().send().await?.status(), 200);
//! let numbers: Vec<u64> = sandbox.injected().iter().map(|f| f.request_number).collect();
//! assert_eq!(numbers, [1, 2]);
//! # Ok(())
//! # }
//! ```
//!
//! # What it does not do
//!
//! - It is not the service's QQL engine: a `filter` is parsed with
//!   [`Filter::parse`](crate::Filter::parse) and evaluated with
//!   [`Filter::matches`](crate::Filter::matches), so the sandbox accepts
//!   exactly the expressions this crate understands, and agrees with the
//!   service only as far as this crate does.
//! - Its tokens are not signed: the sandbox recognises the ones it issued.
//!   Basic and bearer credentials are both accepted on every path, where the
//!   service splits them between two hosts.
//! - AWS only (no `azure` or `gcp` paths), reads only, plain `http://` over
//!   HTTP/1.1.
//! - No limit on concurrent calls per user, only the request-count limit above.
//! - The data never changes while the server runs: connectors do not sync, and
//!   their `lastSyncedOn` stays where the seed put it.
//! - Without a fault plan it never fails: everything it sends is well-formed
//!   and complete. With one, it fails only in the ways [`Fault`] lists: no
//!   refused connections (while the sandbox lives), no TLS or malformed HTTP,
//!   no answer cut inside its head, no body trickling in slowly.
//!
//! # The data set
//!
//! Unless [`SandboxBuilder::data`] supplies its own, the sandbox generates
//! [`SandboxBuilder::connectors`] connectors (240 by default) from
//! [`SandboxBuilder::seed`], the same ones for the same seed on every machine.
//! They look like a mid-sized company's accounts: names such as
//! `prod-payments-us-east-1` and `staging-data-lake`, UUID `connectorId`s,
//! 12-digit account ids, ARNs, aliases, external ids, asset counts, polling
//! frequencies, Qualys tags and connector groups. Most connectors are
//! `SUCCESS`; about a tenth are `ERROR` (each with an `error` message), and a
//! few are `PENDING` or `REGIONS_DISCOVERED`, some of the pending ones never
//! synced. `lastSyncedOn` and `nextSyncedOn` fall between 2024 and early 2026,
//! in Java `Date.toString()` text, in UTC written as either `UTC` or `GMT`.
//!
//! The quirks the service is known for are always there, spread over the set,
//! in any data set of at least 13 connectors: an `awsAccountId` sent as a JSON
//! number and one with a leading zero, a `baseAccountId` sent as a number, a
//! `lastSyncedOn` that is `null` and one that is missing (with its
//! `nextSyncedOn`), two connectors in the free-text state `"Completed
//! successfully"`, a missing description and one with double quotes, and fields
//! the schema does not name (`regionCode`, `cloudType`). Random draws add more
//! of most of them, along with `null` descriptions and tag ids sent as strings.
//! [`Sandbox::connectors`] gives the set decoded, in the order the server lists
//! it when unsorted.
//!
//! The AWS base account is fixed, with its `customer…` flags sent as the
//! strings `"false"`.

mod connection;
mod data;
mod fault;
mod jwt;
mod limit;
mod listing;
mod routes;

#[cfg(test)]
mod tests;

use std::fmt;
use std::future::IntoFuture;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

use self::connection::{Cutoff, CuttableListener};
use self::data::DataSet;
use self::fault::Planner;
use self::jwt::Tokens;
use self::limit::RateLimit;
use self::routes::{Log, Shared};
use crate::model::Connector;

pub use self::fault::{Fault, FaultPlan, InjectedFault};

/// The user name accepted unless [`SandboxBuilder::credentials`] sets one.
const DEFAULT_USERNAME: &str = "sandbox";

/// The password accepted unless [`SandboxBuilder::credentials`] sets one.
const DEFAULT_PASSWORD: &str = "sandbox-password";

/// A running stand-in for the TotalCloud service; see the [module docs](self).
///
/// The server runs on a thread of its own, with its own Tokio runtime, so it
/// serves the same under a current-thread or multi-thread runtime, and a test
/// that pauses its own clock does not pause the server's. Dropping the
/// `Sandbox` stops the server: its port and every open connection are closed
/// before `drop` returns.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<thread::JoinHandle<()>>,
}

/// Configures a [`Sandbox`] before it starts; made by [`Sandbox::builder`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    connectors: usize,
    seed: u64,
    data: Option<Vec<serde_json::Value>>,
    username: String,
    password: String,
    latency: Duration,
    rate_limit: (u32, Duration),
    faults: FaultPlan,
    token_lifetime: Duration,
}

/// A request the sandbox received, as [`Sandbox::requests`] reports it.
///
/// Recorded before anything else happens to the request, so refused requests
/// are here too. The record is meant to be compared and snapshotted: it leaves
/// out what changes from run to run and what must not be printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// The method, such as `GET`.
    pub method: String,
    /// The path as sent, still percent-encoded, without the query.
    pub path: String,
    /// The query parameters, decoded, in the order they were sent.
    pub query: Vec<(String, String)>,
    /// The headers, names in lowercase, sorted by name. `host` is left out (its
    /// port changes from run to run), and the value of `authorization` is
    /// replaced by its scheme and `[redacted]`, such as `Basic [redacted]` or
    /// `Bearer [redacted]`.
    pub headers: Vec<(String, String)>,
}

impl Sandbox {
    /// Starts a sandbox with the default data set and the default credentials.
    ///
    /// # Errors
    ///
    /// Fails when no port can be bound on `127.0.0.1` or the server thread
    /// cannot start.
    pub async fn start() -> io::Result<Sandbox> {
        Sandbox::builder().start().await
    }

    /// A builder to change the data set, credentials, latency, rate limit or
    /// fault plan before starting.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The server's base URL, `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The user name the server accepts: `sandbox` unless the builder set
    /// another.
    ///
    /// The default credentials are made up and open nothing but a sandbox.
    pub fn username(&self) -> &str {
        &self.shared.username
    }

    /// The password the server accepts: `sandbox-password` unless the builder
    /// set another.
    ///
    /// The default credentials are made up and open nothing but a sandbox.
    pub fn password(&self) -> &str {
        &self.shared.password
    }

    /// A [`Client`](crate::Client) for this sandbox: its base URL and
    /// credentials, and every other setting left at its default.
    ///
    /// # Errors
    ///
    /// Only when the HTTP client itself cannot be built: the sandbox's URL and
    /// credentials always pass [`ClientBuilder::build`](crate::ClientBuilder::build)'s
    /// checks.
    pub fn client(&self) -> crate::Result<crate::Client> {
        crate::Client::builder()
            .base_url(self.base_url())
            .basic_auth(self.username(), self.password())
            .build()
    }

    /// The connectors the server serves, decoded, in the order it lists them
    /// when unsorted.
    pub fn connectors(&self) -> &[Connector] {
        &self.shared.data.connectors
    }

    /// Every request received so far (since the last
    /// [`clear_requests`](Self::clear_requests)), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log().requests.clone()
    }

    /// How many tokens the gateway login (`POST /auth`) has issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.tokens.count()
    }

    /// Makes every token issued so far invalid, as a password change on the
    /// service would; the next bearer request gets a 401.
    pub fn revoke_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// Forgets the requests received so far, and the faults injected into
    /// them. Request numbers go on counting from where they were.
    pub fn clear_requests(&self) {
        let mut log = self.shared.log();
        log.requests.clear();
        log.injected.clear();
    }

    /// Replaces the fault plan, from the next request on.
    ///
    /// Request numbers go on counting from where they were: a plan that
    /// injects a fault [`at`](FaultPlan::at) request 3 set after five requests
    /// never injects it. A [`rate`](FaultPlan::rate) starts over from its
    /// seed. `set_faults(FaultPlan::new())` stops injecting faults.
    pub fn set_faults(&self, plan: FaultPlan) {
        self.shared.log().faults = Planner::new(plan);
    }

    /// Every fault injected so far (since the last
    /// [`clear_requests`](Self::clear_requests)), in request order.
    ///
    /// A test can match it against what its client saw, such as the number of
    /// retries.
    pub fn injected(&self) -> Vec<InjectedFault> {
        self.shared.log().injected.clone()
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("connectors", &self.shared.data.connectors.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            // A panic on the server thread has already been reported by the panic hook.
            let _ = server.join();
        }
    }
}

impl SandboxBuilder {
    /// How many connectors to generate; 240 unless set. Ignored when
    /// [`data`](Self::data) is set.
    pub fn connectors(mut self, count: usize) -> SandboxBuilder {
        self.connectors = count;
        self
    }

    /// The seed of the generated data set; a fixed value unless set, so the
    /// default data set is the same everywhere. Ignored when
    /// [`data`](Self::data) is set.
    pub fn seed(mut self, seed: u64) -> SandboxBuilder {
        self.seed = seed;
        self
    }

    /// Serves these connectors, in this order, instead of generated ones.
    ///
    /// Each value is a connector in wire form, as the service would send it,
    /// and is served exactly as given, fields the schema does not know
    /// included.
    pub fn data(mut self, connectors: Vec<serde_json::Value>) -> SandboxBuilder {
        self.data = Some(connectors);
        self
    }

    /// The HTTP Basic credentials the server accepts.
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> SandboxBuilder {
        self.username = username.into();
        self.password = password.into();
        self
    }

    /// A delay before every answer; none unless set.
    pub fn latency(mut self, latency: Duration) -> SandboxBuilder {
        self.latency = latency;
        self
    }

    /// Allows `limit` requests per `window`; 100 000 per 60 seconds unless set.
    ///
    /// The headers report the window in whole seconds, rounded up. A limit of 0
    /// refuses every request with a 429.
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> SandboxBuilder {
        self.rate_limit = (limit, window);
        self
    }

    /// How long a token from the gateway login (`POST /auth`) lasts; four
    /// hours, as the service's, unless set. Whole seconds, at least one.
    pub fn token_lifetime(mut self, lifetime: Duration) -> SandboxBuilder {
        self.token_lifetime = lifetime;
        self
    }

    /// Injects the faults of `plan`; none unless set. See
    /// [`Sandbox::set_faults`] to change the plan while the server runs.
    pub fn faults(mut self, plan: FaultPlan) -> SandboxBuilder {
        self.faults = plan;
        self
    }

    /// Starts the server.
    ///
    /// # Errors
    ///
    /// Fails with [`io::ErrorKind::InvalidData`] when a value given to
    /// [`data`](Self::data) is not a connector, and otherwise when no port can
    /// be bound on `127.0.0.1` or the server thread cannot start.
    pub async fn start(self) -> io::Result<Sandbox> {
        let raw = match self.data {
            Some(raw) => raw,
            None => data::generate(self.connectors, self.seed),
        };
        let shared = Arc::new(Shared {
            data: DataSet::from_raw(raw)?,
            username: self.username,
            password: self.password,
            latency: self.latency,
            rate_limit: RateLimit::new(self.rate_limit.0, self.rate_limit.1),
            tokens: Tokens::new(self.token_lifetime),
            log: Mutex::new(Log::new(self.faults)),
        });
        spawn_server(shared)
    }
}

impl Default for SandboxBuilder {
    fn default() -> SandboxBuilder {
        SandboxBuilder {
            connectors: data::DEFAULT_COUNT,
            seed: data::DEFAULT_SEED,
            data: None,
            username: DEFAULT_USERNAME.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            latency: Duration::ZERO,
            rate_limit: (limit::DEFAULT_LIMIT, limit::DEFAULT_WINDOW),
            faults: FaultPlan::new(),
            token_lifetime: Duration::from_secs(4 * 60 * 60),
        }
    }
}

/// Binds the port, then serves on a thread of its own until told to stop.
fn spawn_server(shared: Arc<Shared>) -> io::Result<Sandbox> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let listener = {
        let _runtime = runtime.enter();
        CuttableListener(tokio::net::TcpListener::from_std(listener)?)
    };

    let (stop, stopped) = oneshot::channel();
    // Each request gets its connection's cutoff, for `Fault::Drop`.
    let app = routes::router(Arc::clone(&shared)).into_make_service_with_connect_info::<Cutoff>();
    let server = thread::Builder::new().name("totalcloud-sandbox".into()).spawn(move || {
        runtime.block_on(async move {
            tokio::select! {
                _ = axum::serve(listener, app).into_future() => {}
                _ = stopped => {}
            }
        });
        // Dropping the runtime here ends the connection tasks too, so none outlives the server.
        drop(runtime);
    })?;
    Ok(Sandbox { addr, shared, stop: Some(stop), server: Some(server) })
}
