//! When a failed request is tried again, and how long to wait first.
//!
//! Backoff is exponential with full jitter: before retry `n` the client waits
//! a random time between zero and `min(cap, base × 2ⁿ⁻¹)`, so that clients
//! that failed together do not retry together. A wait the service asks for
//! (`X-RateLimit-ToWait-Sec`, `Retry-After`) replaces the random one. The
//! crates that implement backoff add jitter on top of the exponential delay
//! instead of drawing the whole delay at random, and none knows about
//! server-requested waits, so the dozen lines are written here.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;
use tracing::warn;

use crate::error::Error;

/// How often and how long a client retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Tries per request, the first included.
    pub(crate) max_attempts: u32,
    /// The most a request may spend waiting between tries, all waits added.
    pub(crate) max_wait: Duration,
    /// The first backoff's upper bound.
    pub(crate) base: Duration,
    /// The largest backoff upper bound.
    pub(crate) cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_wait: Duration::from_secs(60),
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
        }
    }
}

/// Why a failed try may succeed if repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transient {
    /// No connection, or it broke before the response.
    Connection,
    /// A timeout fired.
    Timeout,
    /// The body ended early, in transit or in the middle of the JSON.
    CutOff,
    /// A success status with a body that is not JSON at all: a gateway page.
    NotJson,
    /// A status worth repeating, and the wait the service asked for.
    Status(u16, Option<Duration>),
    /// A 401 on a bearer token, which may only be stale: renewed, it is
    /// tried once more at once.
    Reauthenticate,
}

impl Transient {
    fn reason(self) -> String {
        match self {
            Transient::Connection => "the connection failed".to_string(),
            Transient::Timeout => "the request timed out".to_string(),
            Transient::CutOff => "the response was cut off".to_string(),
            Transient::NotJson => "the response was not JSON".to_string(),
            Transient::Status(status, _) => format!("the service answered {status}"),
            Transient::Reauthenticate => "the service refused the token".to_string(),
        }
    }
}

/// What to do after a failed try.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Wait this long, then try again.
    Retry { wait: Duration, reason: String },
    /// Give up with this error.
    Fail(Error),
}

/// The retry state of one request.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    /// Tries made so far.
    made: u32,
    waited: Duration,
    retried_500: bool,
    reauthenticated: bool,
}

impl Attempts {
    pub(crate) fn new(policy: RetryPolicy) -> Attempts {
        Attempts {
            policy,
            made: 1,
            waited: Duration::ZERO,
            retried_500: false,
            reauthenticated: false,
        }
    }

    /// Tries made so far, the first included.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// Decides whether a try that failed with `error` is repeated.
    pub(crate) fn after(&mut self, error: Error, transient: Option<Transient>) -> Verdict {
        let Some(transient) = transient else {
            return Verdict::Fail(error);
        };
        // Renewing a token is not a retry: it happens once, whatever the policy.
        if transient == Transient::Reauthenticate {
            if self.reauthenticated {
                return Verdict::Fail(error);
            }
            self.reauthenticated = true;
            return Verdict::Retry { wait: Duration::ZERO, reason: transient.reason() };
        }
        let remaining = self.policy.max_wait.saturating_sub(self.waited);

        // A wait the service asks for is honoured whole or not at all.
        if let Transient::Status(_, Some(asked)) = transient {
            if asked > remaining {
                return Verdict::Fail(into_rate_limited(error, asked));
            }
        }
        if transient == Transient::Status(500, None) {
            if self.retried_500 {
                return Verdict::Fail(error);
            }
            self.retried_500 = true;
        }
        if self.made >= self.policy.max_attempts {
            return Verdict::Fail(error);
        }

        let wait = match transient {
            Transient::Status(_, Some(asked)) => asked,
            _ => self.backoff().min(remaining),
        };
        if wait.is_zero() && remaining.is_zero() {
            return Verdict::Fail(error);
        }
        self.made += 1;
        self.waited += wait;
        Verdict::Retry { wait, reason: transient.reason() }
    }

    /// A random wait between zero and the exponential bound for this retry.
    fn backoff(&self) -> Duration {
        let doublings = self.made.saturating_sub(1).min(20);
        let bound = self.policy.base.saturating_mul(1 << doublings).min(self.policy.cap);
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(..=nanos))
    }
}

/// A 429 or 503 whose requested wait is beyond the bound becomes the typed
/// rate-limit error, naming the wait.
fn into_rate_limited(error: Error, asked: Duration) -> Error {
    match error {
        Error::RateLimited { response, .. } | Error::Service(response) => {
            Error::RateLimited { wait: Some(asked), response }
        }
        other => other,
    }
}

/// A pause shared by every request of a client: set when the service says
/// the rate limit is used up, so that no request runs into the wall.
#[derive(Debug, Default)]
pub(crate) struct RateGate {
    until: Mutex<Option<Instant>>,
}

impl RateGate {
    /// Waits out the pause, if one is set.
    pub(crate) async fn wait(&self) {
        let until = *self.until.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Holds every request for `wait` from now (or longer, if already set).
    pub(crate) fn pause_for(&self, wait: Duration) {
        let end = Instant::now() + wait;
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        if until.is_none_or(|current| current < end) {
            *until = Some(end);
        }
    }

    /// Reads the rate-limit headers of a response: when none remain in this
    /// window, pauses until it ends (or for `X-RateLimit-ToWait-Sec`), at most
    /// `bound`.
    pub(crate) fn observe(&self, headers: &HeaderMap, bound: Duration) {
        let number =
            |name| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        if number("x-ratelimit-remaining") != Some(0) {
            return;
        }
        let seconds = number("x-ratelimit-towait-sec").or(number("x-ratelimit-window-sec"));
        let wait = Duration::from_secs(seconds.unwrap_or(1)).min(bound);
        warn!(
            wait_ms = wait.as_millis() as u64,
            "rate limit used up; pausing before the next request"
        );
        self.pause_for(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(10),
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        }
    }

    fn service(status: u16) -> Error {
        let api = ApiError { status, code: None, message: None, excerpt: Some(String::new()) };
        Error::Service(api)
    }

    fn verdicts(transient: Transient, tries: usize) -> Vec<String> {
        let mut attempts = Attempts::new(policy());
        (0..tries)
            .map(|_| match attempts.after(service(503), Some(transient)) {
                Verdict::Retry { wait, .. } => format!("retry after {wait:?}"),
                Verdict::Fail(error) => format!("fail: {error}"),
            })
            .collect()
    }

    #[test]
    fn retries_stop_at_max_attempts() {
        let shown = verdicts(Transient::Status(503, Some(Duration::from_secs(1))), 4);
        insta::assert_debug_snapshot!(shown, @r#"
        [
            "retry after 1s",
            "retry after 1s",
            "retry after 1s",
            "fail: service error: status 503 with an empty body",
        ]
        "#);
    }

    #[test]
    fn a_500_is_retried_once() {
        let shown = verdicts(Transient::Status(500, None), 2);
        assert!(shown[0].starts_with("retry after"), "{shown:?}");
        assert!(shown[1].starts_with("fail"), "{shown:?}");
    }

    #[test]
    fn a_wait_beyond_the_bound_fails_at_once_naming_it() {
        let shown = verdicts(Transient::Status(503, Some(Duration::from_secs(3600))), 1);
        insta::assert_snapshot!(shown[0], @"fail: rate limited (the service asked to wait 3600 s): status 503 with an empty body");
    }

    #[test]
    fn waits_never_exceed_the_bound_in_total() {
        let mut attempts = Attempts::new(RetryPolicy { max_attempts: 100, ..policy() });
        let mut total = Duration::ZERO;
        while let Verdict::Retry { wait, .. } =
            attempts.after(service(502), Some(Transient::Status(502, None)))
        {
            total += wait;
        }
        assert!(total <= policy().max_wait, "{total:?}");
    }

    #[test]
    fn backoff_stays_under_the_exponential_bound() {
        let mut attempts = Attempts::new(RetryPolicy { max_attempts: 100, ..policy() });
        for made in 1..12u32 {
            let bound = (policy().base * 2u32.pow(made - 1)).min(policy().cap);
            let wait = attempts.backoff();
            assert!(wait <= bound, "try {made}: {wait:?} > {bound:?}");
            attempts.made += 1;
        }
    }

    #[test]
    fn errors_that_are_not_transient_fail_at_once() {
        let mut attempts = Attempts::new(policy());
        assert!(matches!(attempts.after(service(501), None), Verdict::Fail(_)));
    }
}
