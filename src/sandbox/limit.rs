//! The fixed-window request counter behind the `X-RateLimit-*` headers.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue};

/// Requests allowed per window unless the builder says otherwise: far more than
/// any test sends.
pub(super) const DEFAULT_LIMIT: u32 = 100_000;

/// The window the default limit applies to.
pub(super) const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// Counts requests in fixed windows, the way the service reports its limit: a
/// window opens with the first request after the previous one closed.
#[derive(Debug)]
pub(super) struct RateLimit {
    limit: u32,
    window: Duration,
    current: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    opened: Instant,
    used: u32,
}

/// What the counter decided about one request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Quota {
    limit: u32,
    window: Duration,
    remaining: u32,
    /// How long until the window closes, when the request is over the limit.
    wait: Option<Duration>,
}

impl RateLimit {
    pub(super) fn new(limit: u32, window: Duration) -> RateLimit {
        let current = Window { opened: Instant::now(), used: 0 };
        RateLimit { limit, window, current: Mutex::new(current) }
    }

    /// Counts one request against the current window.
    pub(super) fn take(&self) -> Quota {
        let now = Instant::now();
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if now.duration_since(current.opened) >= self.window {
            *current = Window { opened: now, used: 0 };
        }

        let quota = Quota { limit: self.limit, window: self.window, remaining: 0, wait: None };
        if current.used < self.limit {
            current.used += 1;
            return Quota { remaining: self.limit - current.used, ..quota };
        }
        let wait = self.window.saturating_sub(now.duration_since(current.opened));
        Quota { wait: Some(wait), ..quota }
    }

    /// Writes the headers of a 429 that a fault plan made up: this limit,
    /// nothing remaining, and exactly `wait_secs` to wait, even 0. Counts
    /// nothing.
    pub(super) fn write_injected_refusal(&self, wait_secs: u64, headers: &mut HeaderMap) {
        let quota = Quota { limit: self.limit, window: self.window, remaining: 0, wait: None };
        quota.write(headers);
        write_wait(headers, wait_secs);
    }
}

impl Quota {
    /// Whole seconds to wait before retrying, if this request is refused.
    ///
    /// Never zero: a client told to wait zero seconds would retry at once and
    /// be refused again.
    pub(super) fn wait_seconds(&self) -> Option<u64> {
        self.wait.map(|wait| whole_seconds(wait).max(1))
    }

    /// Writes the `X-RateLimit-*` headers, and `Retry-After` on a refusal.
    pub(super) fn write(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-window-sec", HeaderValue::from(whole_seconds(self.window)));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        if let Some(seconds) = self.wait_seconds() {
            write_wait(headers, seconds);
        }
    }
}

/// Writes the two headers that tell a refused client how long to wait.
fn write_wait(headers: &mut HeaderMap, seconds: u64) {
    headers.insert("x-ratelimit-towait-sec", HeaderValue::from(seconds));
    headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
}

/// The duration in seconds, rounded up: the headers carry whole seconds only.
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(quota: Quota) -> Vec<String> {
        let mut map = HeaderMap::new();
        quota.write(&mut map);
        let mut lines: Vec<String> =
            map.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap())).collect();
        lines.sort();
        lines
    }

    #[test]
    fn rate_limit_counts_down_then_refuses() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        assert_eq!(limit.take().remaining, 1);
        assert_eq!(limit.take().remaining, 0);

        let refused = limit.take();
        assert!(refused.wait.is_some_and(|wait| wait > Duration::from_secs(59)));
        insta::assert_debug_snapshot!(headers(refused), @r#"
        [
            "retry-after: 60",
            "x-ratelimit-limit: 2",
            "x-ratelimit-remaining: 0",
            "x-ratelimit-towait-sec: 60",
            "x-ratelimit-window-sec: 60",
        ]
        "#);
    }

    #[test]
    fn rate_limit_opens_a_new_window() {
        let limit = RateLimit::new(1, Duration::from_millis(30));
        assert!(limit.take().wait.is_none());
        assert!(limit.take().wait.is_some());

        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(limit.take().wait, None);
    }

    #[test]
    fn rate_limit_reports_sub_second_windows_as_one_second() {
        let limit = RateLimit::new(0, Duration::from_millis(250));
        let lines = headers(limit.take());
        assert!(lines.contains(&"x-ratelimit-window-sec: 1".to_string()));
        assert!(lines.contains(&"x-ratelimit-towait-sec: 1".to_string()));
    }
}
