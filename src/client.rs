//! The client, its configuration, and where each platform lives.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{AuthMethod, Authenticator};
use crate::connectors::{GetAwsBaseAccountBuilder, GetConnectorBuilder, ListConnectorsBuilder};
use crate::error::{Error, Result};
use crate::retry::{RateGate, RetryPolicy};

/// The Qualys platform a subscription lives on.
///
/// Each platform serves the connector API from its own host; see
/// [`Platform::api_url`]. Private platforms are reached with
/// [`ClientBuilder::base_url`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// US platform 1.
    Qg1,
    /// US platform 2.
    Qg2,
    /// US platform 3.
    Qg3,
    /// US platform 4.
    Qg4,
    /// EU platform 1.
    Eu1,
    /// EU platform 2.
    Eu2,
    /// EU platform 3 (Italy).
    Eu3,
    /// India.
    In1,
    /// Canada.
    Ca1,
    /// United Arab Emirates.
    Ae1,
    /// United Kingdom.
    Uk1,
    /// Australia.
    Au1,
    /// Kingdom of Saudi Arabia.
    Ksa1,
}

/// `(platform, name, qualysguard host, gateway host)`, from the API reference.
const PLATFORMS: [(Platform, &str, &str, &str); 13] = [
    (Platform::Qg1, "qg1", "qualysguard.qualys.com", "gateway.qg1.apps.qualys.com"),
    (Platform::Qg2, "qg2", "qualysguard.qg2.apps.qualys.com", "gateway.qg2.apps.qualys.com"),
    (Platform::Qg3, "qg3", "qualysguard.qg3.apps.qualys.com", "gateway.qg3.apps.qualys.com"),
    (Platform::Qg4, "qg4", "qualysguard.qg4.apps.qualys.com", "gateway.qg4.apps.qualys.com"),
    (Platform::Eu1, "eu1", "qualysguard.qualys.eu", "gateway.qg1.apps.qualys.eu"),
    (Platform::Eu2, "eu2", "qualysguard.qg2.apps.qualys.eu", "gateway.qg2.apps.qualys.eu"),
    (Platform::Eu3, "eu3", "qualysguard.qg3.apps.qualys.it", "gateway.qg3.apps.qualys.it"),
    (Platform::In1, "in1", "qualysguard.qg1.apps.qualys.in", "gateway.qg1.apps.qualys.in"),
    (Platform::Ca1, "ca1", "qualysguard.qg1.apps.qualys.ca", "gateway.qg1.apps.qualys.ca"),
    (Platform::Ae1, "ae1", "qualysguard.qg1.apps.qualys.ae", "gateway.qg1.apps.qualys.ae"),
    (Platform::Uk1, "uk1", "qualysguard.qg1.apps.qualys.co.uk", "gateway.qg1.apps.qualys.co.uk"),
    (Platform::Au1, "au1", "qualysguard.qg1.apps.qualys.com.au", "gateway.qg1.apps.qualys.com.au"),
    (
        Platform::Ksa1,
        "ksa1",
        "qualysguard.qg1.apps.qualysksa.com",
        "gateway.qg1.apps.qualysksa.com",
    ),
];

impl Platform {
    /// Every platform, in the order of the API reference.
    pub const ALL: [Platform; 13] = [
        Platform::Qg1,
        Platform::Qg2,
        Platform::Qg3,
        Platform::Qg4,
        Platform::Eu1,
        Platform::Eu2,
        Platform::Eu3,
        Platform::In1,
        Platform::Ca1,
        Platform::Ae1,
        Platform::Uk1,
        Platform::Au1,
        Platform::Ksa1,
    ];

    fn row(self) -> (Platform, &'static str, &'static str, &'static str) {
        PLATFORMS[self as usize]
    }

    /// The platform's short name, as Qualys writes it: `qg1`, `eu2`, `ksa1`.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The URL of the host serving the connector API with HTTP Basic
    /// authentication, such as `https://qualysguard.qg2.apps.qualys.com`.
    pub fn api_url(self) -> String {
        format!("https://{}", self.row().2)
    }

    /// The URL of the platform's API gateway (JWT authentication).
    pub fn gateway_url(self) -> String {
        format!("https://{}", self.row().3)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text named no platform.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform `{0}`, expected one of qg1, qg2, qg3, qg4, eu1, eu2, eu3, in1, ca1, ae1, uk1, au1, ksa1")]
pub struct PlatformError(String);

impl FromStr for Platform {
    type Err = PlatformError;

    /// Reads a platform's short name, in any case.
    fn from_str(text: &str) -> Result<Platform, PlatformError> {
        PLATFORMS
            .iter()
            .find(|row| row.1.eq_ignore_ascii_case(text.trim()))
            .map(|row| row.0)
            .ok_or_else(|| PlatformError(text.to_string()))
    }
}

/// A username and password for HTTP Basic authentication.
///
/// The password is held in a [`SecretString`]: it is wiped from memory when
/// dropped and shown as `[redacted]` by `Debug`.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

impl Credentials {
    /// Pairs a username with its password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials { username: username.into(), password: SecretString::from(password.into()) }
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    pub(crate) fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Configures and builds a [`Client`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use totalcloud::{Client, Platform};
///
/// let client = Client::builder()
///     .platform(Platform::Qg2)
///     .basic_auth("alice", "correct horse battery staple")
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://qualysguard.qg2.apps.qualys.com/");
/// # Ok::<(), totalcloud::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    platform: Option<Platform>,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    auth_method: AuthMethod,
    connect_timeout: Duration,
    timeout: Duration,
    max_in_flight: usize,
    retry: RetryPolicy,
    max_body_bytes: usize,
    root_certificates: Vec<Vec<u8>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            platform: None,
            base_url: None,
            credentials: None,
            auth_method: AuthMethod::Basic,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_in_flight: 4,
            retry: RetryPolicy::default(),
            max_body_bytes: 32 * 1024 * 1024,
            root_certificates: Vec::new(),
        }
    }
}

impl ClientBuilder {
    /// Talks to the given platform: its API host with Basic authentication,
    /// its gateway host with JWT.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Talks to this URL instead of a platform's host: a private platform, a
    /// proxy, or a [sandbox](crate::sandbox). It wins over
    /// [`platform`](Self::platform), and serves both the API and, for JWT,
    /// the login (`{base_url}/auth`).
    ///
    /// It must be `https://`, or `http://` to a loopback address. A path is
    /// kept as a prefix of every request path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticates every request with HTTP Basic.
    pub fn basic_auth(self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials(Credentials::new(username, password))
    }

    /// Authenticates every request with these credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Basic (the default) or JWT; see [`AuthMethod`].
    pub fn auth_method(mut self, method: AuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take, from sending to the last byte of the
    /// body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many page requests a listing keeps in flight once it knows how
    /// many pages there are (default 4; 1 fetches strictly one at a time).
    pub fn max_in_flight(mut self, pages: usize) -> Self {
        self.max_in_flight = pages;
        self
    }

    /// How many times a request is tried in all, the first included (default
    /// 5; 1 turns retries off).
    ///
    /// Retried: connection failures, timeouts, bodies cut off, a gateway's
    /// HTML page in place of JSON, 429, 502, 503, 504, and 500 once.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts;
        self
    }

    /// The most one request may spend waiting between its tries, all waits
    /// added (default 60 s). When the service asks for a longer wait (a 429 or
    /// 503 with `X-RateLimit-ToWait-Sec` or `Retry-After`), the request fails
    /// at once with [`Error::RateLimited`] naming that wait.
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.retry.max_wait = wait;
        self
    }

    /// The upper bound of the first random backoff (default 250 ms); each
    /// further retry doubles it, up to 8 s.
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry.base = delay;
        self
    }

    /// The largest response body accepted, in bytes (default 32 MiB); a
    /// larger one fails with [`Error::BodyTooLarge`] instead of filling
    /// memory. A page of 1,000 connectors is about 1 MB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Trusts this PEM certificate (or bundle) as a root, in addition to the
    /// platform's: for private platforms and TLS-inspecting proxies.
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no platform or base URL or no credentials were
    /// given, the URL is not `https://` (or `http://` to loopback), or a
    /// setting is zero.
    pub fn build(self) -> Result<Client> {
        let url = match (&self.base_url, self.platform, self.auth_method) {
            (Some(url), _, _) => url.clone(),
            (None, Some(platform), AuthMethod::Jwt) => platform.gateway_url(),
            (None, Some(platform), _) => platform.api_url(),
            (None, None, _) => {
                return Err(Error::config("base URL", "set a platform or a base URL"))
            }
        };
        let base = check_base_url(&url)?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::config("credentials", "set a username and password"))?;
        if self.max_in_flight == 0 {
            return Err(Error::config("max in flight", "must be at least 1"));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::config("max attempts", "must be at least 1"));
        }

        let mut http = reqwest::Client::builder()
            .user_agent(concat!("totalcloud/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout);
        for pem in &self.root_certificates {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|certificates| !certificates.is_empty())
                .ok_or_else(|| Error::config("root certificate", "expected PEM certificates"))?;
            http = http.tls_certs_merge(certificates);
        }
        let http = http.build().map_err(|e| Error::config("HTTP client", e.to_string()))?;

        let inner = Inner {
            http,
            base,
            auth: Authenticator::new(credentials, self.auth_method),
            max_in_flight: self.max_in_flight,
            retry: self.retry,
            rate_gate: RateGate::default(),
            max_body_bytes: self.max_body_bytes,
            timeouts: (self.connect_timeout, self.timeout),
        };
        Ok(Client { inner: Arc::new(inner) })
    }
}

/// Accepts `https://` anywhere and `http://` only to a loopback host.
fn check_base_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::config("base URL", format!("`{text}` is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("base URL", "must not hold credentials; use basic_auth"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config("base URL", "must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::config(
            "base URL",
            format!("`{text}` is plain http to a non-loopback host; use https"),
        )),
        other => {
            Err(Error::config("base URL", format!("scheme `{other}` is not supported; use https")))
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A TotalCloud connector API client.
///
/// Cheap to clone: clones share one connection pool.
///
/// # Example
///
/// ```no_run
/// use futures::TryStreamExt;
/// use totalcloud::{Client, Filter, Platform, State};
///
/// # async fn run() -> totalcloud::Result<()> {
/// let client = Client::builder().platform(Platform::Qg1).basic_auth("alice", "secret").build()?;
/// let mut connectors = client.connectors().filter(Filter::state().is(State::Error)).stream();
/// while let Some(connector) = connectors.try_next().await? {
///     println!("{}", connector.name.as_deref().unwrap_or("(unnamed)"));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    auth: Authenticator,
    max_in_flight: usize,
    retry: RetryPolicy,
    rate_gate: RateGate,
    max_body_bytes: usize,
    /// `(connect, request)`, to name the one that fired.
    timeouts: (Duration, Duration),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("max_in_flight", &self.inner.max_in_flight)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The URL requests are sent to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Lists connectors: a request builder for filters, sorting and paging,
    /// ending in a stream of connectors or pages.
    pub fn connectors(&self) -> ListConnectorsBuilder {
        ListConnectorsBuilder::new(self.clone())
    }

    /// Reads one connector by its id (a UUID); await the builder, or call its
    /// `send`.
    ///
    /// # Example
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = totalcloud::sandbox::Sandbox::start().await?;
    /// # let client = sandbox.client()?;
    /// # let id = sandbox.connectors()[0].connector_id.clone().unwrap();
    /// let connector = client.connector(&id).await?;
    /// assert_eq!(connector.connector_id.as_deref(), Some(id.as_str()));
    ///
    /// // An id that is not a UUID is refused before anything is sent.
    /// let error = client.connector("../awsBaseAccountId").await.unwrap_err();
    /// assert!(error.is_invalid_input());
    /// # Ok(())
    /// # }
    /// ```
    pub fn connector(&self, id: impl Into<String>) -> GetConnectorBuilder {
        GetConnectorBuilder::new(self.clone(), id.into())
    }

    /// Reads the AWS base account; await the builder, or call its `send`.
    ///
    /// # Example
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = totalcloud::sandbox::Sandbox::start().await?;
    /// # let client = sandbox.client()?;
    /// let account = client.aws_base_account().await?;
    /// let global = account.global_account_id.expect("the sandbox has one");
    /// assert_eq!(global.as_str().len(), 12);
    /// // The service's "true"/"false" strings arrive as booleans.
    /// let customer_owned: Option<bool> = account.customer_global_account.map(bool::from);
    /// assert_eq!(customer_owned, Some(false));
    /// # Ok(())
    /// # }
    /// ```
    pub fn aws_base_account(&self) -> GetAwsBaseAccountBuilder {
        GetAwsBaseAccountBuilder::new(self.clone())
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    pub(crate) fn rate_gate(&self) -> &RateGate {
        &self.inner.rate_gate
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    pub(crate) fn timeouts(&self) -> (Duration, Duration) {
        self.inner.timeouts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(url: &str) -> String {
        match Client::builder().base_url(url).basic_auth("u", "p").build() {
            Ok(client) => client.base_url().to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn base_url_allows_https_and_loopback_http_only() {
        insta::assert_snapshot!(build("https://qualys.example.com/prefix"), @"https://qualys.example.com/prefix");
        insta::assert_snapshot!(build("http://127.0.0.1:8080"), @"http://127.0.0.1:8080/");
        insta::assert_snapshot!(build("http://[::1]:8080"), @"http://[::1]:8080/");
        insta::assert_snapshot!(build("http://localhost:1"), @"http://localhost:1/");
        insta::assert_snapshot!(build("http://qualys.example.com"), @"invalid base URL: `http://qualys.example.com` is plain http to a non-loopback host; use https");
        insta::assert_snapshot!(build("ftp://127.0.0.1"), @"invalid base URL: scheme `ftp` is not supported; use https");
        insta::assert_snapshot!(build("https://u:p@example.com"), @"invalid base URL: must not hold credentials; use basic_auth");
        insta::assert_snapshot!(build("not a url"), @"invalid base URL: `not a url` is not a URL: relative URL without a base");
    }

    #[test]
    fn platform_table_has_thirteen_distinct_hosts() {
        let mut hosts: Vec<String> = Platform::ALL.iter().map(|p| p.api_url()).collect();
        hosts.sort();
        hosts.dedup();
        assert_eq!(hosts.len(), 13);
        for platform in Platform::ALL {
            assert_eq!(platform.name().parse::<Platform>(), Ok(platform));
            assert_eq!(platform.row().0, platform);
        }
        assert_eq!(
            "EU3".parse::<Platform>().unwrap().api_url(),
            "https://qualysguard.qg3.apps.qualys.it"
        );
        assert!("qg9".parse::<Platform>().is_err());
    }

    #[test]
    fn jwt_talks_to_the_gateway_host() {
        let client = Client::builder()
            .platform(Platform::Eu2)
            .auth_method(AuthMethod::Jwt)
            .basic_auth("u", "p")
            .build()
            .unwrap();
        assert_eq!(client.base_url().as_str(), "https://gateway.qg2.apps.qualys.eu/");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let client = Client::builder()
            .platform(Platform::Qg1)
            .basic_auth("alice", "hunter2")
            .build()
            .unwrap();
        let shown = format!("{client:?} {:?}", client.auth().credentials());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }
}
