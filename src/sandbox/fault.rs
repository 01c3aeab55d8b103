//! The failures a test asks the sandbox for: which requests fail, and how.
//!
//! This file decides only; the answers themselves are made in `routes.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use fastrand::Rng;
use serde::{Serialize, Serializer};

/// One failure the sandbox injects into a request; see [`FaultPlan`].
///
/// [`Slow`](Fault::Slow) and [`Truncate`](Fault::Truncate) spoil the real
/// answer, so their requests count against the rate limit and pass the
/// credentials check like any other. The other faults answer in place of the
/// service: their requests do not count, are not checked, and get no
/// `X-RateLimit-*` headers except on [`RateLimited`](Fault::RateLimited).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Fault {
    /// A 429 with the service's JSON error body, `X-RateLimit-ToWait-Sec` and
    /// `Retry-After` both set to `wait_secs` (0 included), and the other
    /// `X-RateLimit-*` headers with nothing remaining.
    RateLimited {
        /// The seconds the answer asks the client to wait.
        wait_secs: u64,
    },
    /// This status (500, 502, 503, 504, …) with the service's JSON error body.
    Status(u16),
    /// A 503 with `Retry-After` and the service's JSON error body: the service
    /// asking the client to wait through an outage.
    Unavailable {
        /// The seconds `Retry-After` asks the client to wait.
        retry_after_secs: u64,
    },
    /// The connection is closed before any byte of an answer is written.
    Drop,
    /// The real answer, whose head promises the whole body with
    /// `Content-Length`, but only the first half of the body is sent before the
    /// connection closes.
    Truncate,
    /// The real answer, sent only after this delay, to outlast a client's
    /// timeout. Other requests are served meanwhile. Serialized as text such as
    /// `"50ms"`.
    Slow(#[serde(serialize_with = "duration_text")] Duration),
    /// A gateway's HTML error page instead of JSON, with this status (200 or
    /// 502, say) and `content-type: text/html`.
    Html(u16),
    /// This status with an empty body, as some gateways answer errors.
    Empty(u16),
}

/// Writes a delay the way `Debug` does, such as `50ms` or `1.5s`, which reads
/// better in a snapshot than seconds and nanoseconds.
fn duration_text<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("{duration:?}"))
}

/// Which requests a [`Sandbox`](super::Sandbox) fails, and how; no request is
/// failed unless the plan says so.
///
/// Requests are numbered from 1 in the order the server receives them, every
/// request counted, whatever its path or answer. A request picked by
/// [`at`](Self::at) gets that fault; any other request may get one of the
/// faults given to [`rate`](Self::rate). [`path_suffix`](Self::path_suffix)
/// narrows both to some paths.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use totalcloud::sandbox::{Fault, FaultPlan};
///
/// // The third request is dropped; about one in ten of the others is slow or
/// // gets a 503, the same ones on every run.
/// let slow = Fault::Slow(Duration::from_millis(50));
/// let plan = FaultPlan::new()
///     .at(3, Fault::Drop)
///     .rate(0.1, vec![slow, Fault::Status(503)], 42);
/// ```
#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    at: BTreeMap<u64, Fault>,
    rate: Option<Rate>,
    path_suffix: Option<String>,
}

/// The random part of a plan.
#[derive(Clone, Debug)]
struct Rate {
    rate: f64,
    faults: Vec<Fault>,
    seed: u64,
}

/// A fault the sandbox injected, as [`Sandbox::injected`](super::Sandbox::injected)
/// reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InjectedFault {
    /// The request's number, counting every request from 1 in arrival order.
    pub request_number: u64,
    /// The request's path as sent, still percent-encoded, without the query.
    pub path: String,
    /// What the request got.
    pub fault: Fault,
}

impl FaultPlan {
    /// A plan that fails no request.
    pub fn new() -> FaultPlan {
        FaultPlan::default()
    }

    /// Injects `fault` into the request numbered `request_number`, counting
    /// every request the server receives from 1. A later call for the same
    /// number replaces the fault.
    ///
    /// # Panics
    ///
    /// When `request_number` is 0, or `fault` carries a status outside 200 to
    /// 599.
    pub fn at(mut self, request_number: u64, fault: Fault) -> FaultPlan {
        assert!(request_number > 0, "expected a request number counting from 1, but found 0");
        check(&fault);
        self.at.insert(request_number, fault);
        self
    }

    /// Injects a fault into about `rate` (0.0 to 1.0) of the requests that
    /// [`at`](Self::at) leaves alone, taking the `faults` in turn.
    ///
    /// Whether a request fails is drawn from a random generator seeded with
    /// `seed`, one draw per request, so the same requests fail in the same way
    /// on every run that sends the same requests in the same order. A later
    /// call replaces this one.
    ///
    /// # Panics
    ///
    /// When `rate` is outside 0.0 to 1.0, `faults` is empty while `rate` is
    /// not 0.0, or a fault carries a status outside 200 to 599.
    pub fn rate(mut self, rate: f64, faults: Vec<Fault>, seed: u64) -> FaultPlan {
        assert!((0.0..=1.0).contains(&rate), "expected a rate from 0.0 to 1.0, but found {rate}");
        assert!(rate == 0.0 || !faults.is_empty(), "expected faults to pick from, but found none");
        faults.iter().for_each(check);
        self.rate = Some(Rate { rate, faults, seed });
        self
    }

    /// Injects faults only into requests whose path ends with `suffix`, such
    /// as `/connectors` for the list; every path unless set. Requests on other
    /// paths are still numbered, but [`at`](Self::at) passes over them and
    /// [`rate`](Self::rate) draws nothing for them.
    pub fn path_suffix(mut self, suffix: impl Into<String>) -> FaultPlan {
        self.path_suffix = Some(suffix.into());
        self
    }

    fn covers(&self, path: &str) -> bool {
        self.path_suffix.as_deref().is_none_or(|suffix| path.ends_with(suffix))
    }
}

/// Panics on a status the server could not send as a final answer.
fn check(fault: &Fault) {
    if let Fault::Status(code) | Fault::Html(code) | Fault::Empty(code) = fault {
        assert!((200..=599).contains(code), "expected a status from 200 to 599, but found {code}");
    }
}

/// A plan being carried out: the plan, its random generator and whose turn it
/// is among the rate's faults.
#[derive(Debug)]
pub(super) struct Planner {
    plan: FaultPlan,
    rng: Rng,
    turn: usize,
}

impl Planner {
    pub(super) fn new(plan: FaultPlan) -> Planner {
        let seed = plan.rate.as_ref().map_or(0, |rate| rate.seed);
        Planner { plan, rng: Rng::with_seed(seed), turn: 0 }
    }

    /// The fault for request `number` on `path`, if the plan has one. Called
    /// once per request, in numbering order.
    pub(super) fn decide(&mut self, number: u64, path: &str) -> Option<Fault> {
        if !self.plan.covers(path) {
            return None;
        }
        if let Some(fault) = self.plan.at.get(&number) {
            return Some(fault.clone());
        }

        let rate = self.plan.rate.as_ref()?;
        if self.rng.f64() >= rate.rate {
            return None;
        }
        let fault = rate.faults[self.turn % rate.faults.len()].clone();
        self.turn += 1;
        Some(fault)
    }
}

impl Default for Planner {
    fn default() -> Planner {
        Planner::new(FaultPlan::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/cloudview-api/rest/v1/aws/connectors";

    /// The decisions for requests 1 to `count`, all on the list path.
    fn decisions(plan: FaultPlan, count: u64) -> Vec<Option<Fault>> {
        let mut planner = Planner::new(plan);
        (1..=count).map(|number| planner.decide(number, PATH)).collect()
    }

    fn hits(decisions: &[Option<Fault>]) -> usize {
        decisions.iter().filter(|fault| fault.is_some()).count()
    }

    #[test]
    fn fault_plan_empty_injects_nothing() {
        assert_eq!(hits(&decisions(FaultPlan::new(), 100)), 0);
    }

    #[test]
    fn fault_plan_at_hits_only_its_request() {
        let plan = FaultPlan::new().at(3, Fault::Drop).at(5, Fault::Status(500));
        let plan = plan.at(5, Fault::Status(502));
        let expected = [None, None, Some(Fault::Drop), None, Some(Fault::Status(502)), None];
        assert_eq!(decisions(plan, 6), expected);
    }

    #[test]
    fn fault_plan_rate_lands_near_the_rate() {
        for (rate, low, high) in [(0.1, 70, 130), (0.3, 250, 350), (0.5, 440, 560)] {
            let plan = FaultPlan::new().rate(rate, vec![Fault::Status(500)], 7);
            let count = hits(&decisions(plan, 1000));
            assert!((low..=high).contains(&count), "rate {rate}: {count} of 1000");
        }
    }

    #[test]
    fn fault_plan_rate_is_reproducible_for_a_seed() {
        let plan = |seed| FaultPlan::new().rate(0.2, vec![Fault::Drop], seed);
        let first = decisions(plan(99), 1000);
        assert_eq!(decisions(plan(99), 1000), first);
        assert_ne!(decisions(plan(100), 1000), first);
    }

    #[test]
    fn fault_plan_rate_takes_faults_in_turn() {
        let faults = vec![Fault::Status(500), Fault::Drop, Fault::Truncate];
        let plan = FaultPlan::new().rate(0.5, faults.clone(), 3);
        let injected: Vec<Fault> = decisions(plan, 200).into_iter().flatten().collect();
        assert!(injected.len() > 60);
        for (index, fault) in injected.iter().enumerate() {
            assert_eq!(fault, &faults[index % 3]);
        }
    }

    #[test]
    fn fault_plan_rate_zero_and_one() {
        let never = FaultPlan::new().rate(0.0, Vec::new(), 1);
        assert_eq!(hits(&decisions(never, 500)), 0);
        let always = FaultPlan::new().rate(1.0, vec![Fault::Drop], 1);
        assert_eq!(hits(&decisions(always, 500)), 500);
    }

    #[test]
    fn fault_plan_at_wins_over_rate() {
        let plan = FaultPlan::new().rate(1.0, vec![Fault::Drop], 1).at(2, Fault::Truncate);
        let expected = [Some(Fault::Drop), Some(Fault::Truncate), Some(Fault::Drop)];
        assert_eq!(decisions(plan, 3), expected);
    }

    #[test]
    fn fault_plan_path_suffix_passes_over_other_paths() {
        let plan =
            FaultPlan::new().at(1, Fault::Drop).at(2, Fault::Drop).path_suffix("/connectors");
        let mut planner = Planner::new(plan);
        assert_eq!(
            planner.decide(1, "/cloudview-api/rest/v1/aws/connectors/awsBaseAccountId"),
            None
        );
        assert_eq!(planner.decide(2, PATH), Some(Fault::Drop));
    }

    #[test]
    #[should_panic(expected = "expected a rate from 0.0 to 1.0, but found 1.5")]
    fn fault_plan_rejects_a_rate_above_one() {
        let _ = FaultPlan::new().rate(1.5, vec![Fault::Drop], 1);
    }

    #[test]
    #[should_panic(expected = "expected faults to pick from, but found none")]
    fn fault_plan_rejects_a_rate_without_faults() {
        let _ = FaultPlan::new().rate(0.5, Vec::new(), 1);
    }

    #[test]
    #[should_panic(expected = "expected a status from 200 to 599, but found 42")]
    fn fault_plan_rejects_a_status_that_is_not_one() {
        let _ = FaultPlan::new().at(1, Fault::Status(42));
    }

    #[test]
    #[should_panic(expected = "expected a request number counting from 1, but found 0")]
    fn fault_plan_rejects_request_zero() {
        let _ = FaultPlan::new().at(0, Fault::Drop);
    }
}
