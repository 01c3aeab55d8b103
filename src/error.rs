//! The one error type of the crate, by the phase that failed.

use std::fmt;
use std::time::Duration;

use crate::filter::FilterError;

/// A `Result` whose error defaults to this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to TotalCloud.
///
/// `Display` is one lowercase line meant for a person; the cause, when there
/// is one, stays reachable through [`std::error::Error::source`]. Variants are
/// grouped by what a caller can do about them: fix the input, fix the
/// credentials, wait, or give up. Nothing in an error ever holds a password or
/// a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The filter expression does not parse; nothing was sent. `Display`
    /// gives one line; the [`FilterError`] itself shows the caret excerpt.
    #[error("invalid filter: {} (line {}, column {})", .0.kind(), .0.line(), .0.column())]
    Filter(#[source] FilterError),

    /// A connector id is not a UUID or could change the request path; nothing
    /// was sent.
    #[error("invalid connector id `{id}`: {reason}")]
    ConnectorId {
        /// The id as given, escaped and cut to at most 64 characters.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A request or client setting is out of range; nothing was sent.
    #[error("invalid {setting}: {reason}")]
    Config {
        /// The setting, e.g. `base URL` or `page size`.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The service refused the credentials (HTTP 401).
    #[error("authentication failed: {0}")]
    Unauthorized(ApiError),

    /// The credentials are valid but lack a permission (HTTP 403).
    #[error("permission denied: {0}")]
    Forbidden(ApiError),

    /// The connector (or endpoint) does not exist (HTTP 404).
    #[error("not found: {0}")]
    NotFound(ApiError),

    /// The service asked us to slow down (HTTP 429).
    #[error("rate limited{}: {response}", wait_suffix(*.wait))]
    RateLimited {
        /// How long the service asked to wait, when it said.
        wait: Option<Duration>,
        /// The response that said so.
        response: ApiError,
    },

    /// The service failed (HTTP 5xx).
    #[error("service error: {0}")]
    Service(ApiError),

    /// Any other status the client does not expect.
    #[error("unexpected response: {0}")]
    Status(ApiError),

    /// A timeout fired: while connecting, or while waiting for the response.
    #[error("request to {url} timed out after {} s {which}", after.as_secs_f64())]
    Timeout {
        /// The URL, without credentials or query.
        url: String,
        /// Which timeout fired.
        which: TimeoutKind,
        /// The timeout's setting.
        after: Duration,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The request did not complete: connection refused or reset, a TLS
    /// failure, or a body cut off.
    #[error("request to {url} failed: {kind}")]
    Transport {
        /// The URL, without credentials or query.
        url: String,
        /// A short description of what failed.
        kind: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A response body was larger than the client accepts
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)).
    #[error("response from {url} is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The URL, without credentials or query.
        url: String,
        /// The limit in force.
        limit: usize,
    },

    /// A response arrived but its body is not what the schema describes.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Which of the client's timeouts fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout):
    /// no connection could be made in time.
    Connect,
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout): the response
    /// did not arrive, whole, in time.
    Request,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "while connecting",
            TimeoutKind::Request => "waiting for the response",
        })
    }
}

fn wait_suffix(wait: Option<Duration>) -> String {
    match wait {
        Some(wait) => format!(" (the service asked to wait {} s)", wait.as_secs()),
        None => String::new(),
    }
}

impl Error {
    /// The HTTP status of the response that caused this error, if any.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|api| api.status)
    }

    /// The service's error details, for errors that carry a response.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(api)
            | Error::Forbidden(api)
            | Error::NotFound(api)
            | Error::Service(api)
            | Error::Status(api)
            | Error::RateLimited { response: api, .. } => Some(api),
            _ => None,
        }
    }

    /// Whether the error was about the caller's input, so that retrying the
    /// same call cannot help.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::Filter(_) | Error::ConnectorId { .. } | Error::Config { .. })
    }

    pub(crate) fn config(setting: &'static str, reason: impl Into<String>) -> Error {
        Error::Config { setting, reason: reason.into() }
    }

    pub(crate) fn connector_id(id: &str, reason: &'static str) -> Error {
        let shown: String = id.chars().take(64).collect::<String>().escape_debug().to_string();
        Error::ConnectorId { id: shown, reason }
    }
}

impl From<FilterError> for Error {
    fn from(error: FilterError) -> Error {
        Error::Filter(error)
    }
}

/// What an error response said: its status and, when the body is the
/// service's JSON error document, its `errorCode` and `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The service's `errorCode`, if the body had one.
    pub code: Option<String>,
    /// The service's `message`, if the body had one.
    pub message: Option<String>,
    /// When the body was not the JSON error document (an HTML page from a
    /// gateway, say): its first characters, whitespace collapsed.
    pub excerpt: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "status {}", self.status)?;
        if let Some(message) = &self.message {
            write!(f, ", {message}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " (error code `{code}`)")?;
        }
        match &self.excerpt {
            Some(excerpt) if excerpt.is_empty() => f.write_str(" with an empty body"),
            Some(excerpt) => write!(f, ", body starts `{excerpt}`"),
            None => Ok(()),
        }
    }
}

/// A response body that does not decode into the expected model.
#[derive(Debug, thiserror::Error)]
#[error("failed to decode {what} at `{path}`: {message}")]
pub struct DecodeError {
    what: &'static str,
    path: String,
    message: String,
    #[source]
    source: serde_json::Error,
}

impl DecodeError {
    pub(crate) fn new(what: &'static str, path: String, source: serde_json::Error) -> Self {
        // serde_json appends "at line L column C"; the JSON path says more.
        let message = source.to_string();
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        DecodeError { what, path, message, source }
    }

    /// The JSON path of the value that did not decode, such as
    /// `content[3].lastSyncedOn` (`.` for the document itself).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the body ended in the middle of a JSON value, as a body cut off
    /// in transit does.
    pub fn is_truncated(&self) -> bool {
        self.source.is_eof()
    }

    /// What was being decoded, such as `connector page`.
    pub fn what(&self) -> &str {
        self.what
    }
}
