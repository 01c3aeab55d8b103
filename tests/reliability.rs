//! Retries, rate limits, timeouts and size limits against a sandbox that
//! injects faults.

use std::time::{Duration, Instant};

use totalcloud::sandbox::{Fault, FaultPlan, Sandbox};
use totalcloud::{Client, ClientBuilder, Error, TimeoutKind};

/// A client for `sandbox` with quick retries, so that tests do not sleep.
fn quick_client(sandbox: &Sandbox) -> ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .basic_auth(sandbox.username(), sandbox.password())
        .retry_base_delay(Duration::from_millis(2))
        .max_attempts(8)
        .max_retry_wait(Duration::from_secs(30))
        .timeout(Duration::from_millis(400))
}

fn ids(connectors: &[totalcloud::model::Connector]) -> Vec<String> {
    connectors.iter().map(|c| c.connector_id.clone().unwrap_or_default()).collect()
}

/// Every kind of fault, in the order a plan cycles through them.
fn every_fault() -> Vec<Fault> {
    vec![
        Fault::RateLimited { wait_secs: 1 },
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        Fault::Unavailable { retry_after_secs: 0 },
        Fault::Drop,
        Fault::Truncate,
        Fault::Slow(Duration::from_millis(700)),
        Fault::Html(200),
        Fault::Html(502),
        Fault::Empty(502),
    ]
}

/// A plan that faults every `every`-th request, cycling through `faults`, up
/// to request `until`.
fn spaced_plan(faults: &[Fault], every: u64, until: u64) -> FaultPlan {
    let mut plan = FaultPlan::new();
    for (i, number) in (every..until).step_by(every as usize).enumerate() {
        plan = plan.at(number, faults[i % faults.len()].clone());
    }
    plan
}

#[tokio::test]
async fn listing_survives_every_fault_kind_with_each_connector_once_in_order() {
    // 2,000 connectors in pages of 10: 200 pages, a fault on every 12th request.
    let sandbox = Sandbox::builder()
        .connectors(2000)
        .faults(spaced_plan(&every_fault(), 12, 400))
        .start()
        .await
        .unwrap();
    let client = quick_client(&sandbox).max_in_flight(1).build().unwrap();

    let listed = client.connectors().page_size(10).send().await.unwrap();

    assert_eq!(ids(&listed), ids(sandbox.connectors()), "every connector once, in order");
    let injected = sandbox.injected();
    let pages = 200;
    assert!(injected.len() >= 10, "{} faults injected", injected.len());
    for fault in every_fault() {
        assert!(injected.iter().any(|i| i.fault == fault), "{fault:?} was injected");
    }
    // Each fault cost exactly one more request: the retry of the same page.
    assert_eq!(sandbox.requests().len(), pages + injected.len());
    eprintln!("{} faults survived over {} requests", injected.len(), sandbox.requests().len());
}

#[tokio::test]
async fn listing_with_four_in_flight_survives_faults_at_five_percent() {
    // A 500 is retried only once, and with four pages in flight the retry may
    // meet another fault; so this plan leaves 500 out.
    let faults: Vec<Fault> =
        every_fault().into_iter().filter(|f| *f != Fault::Status(500)).collect();
    let sandbox = Sandbox::builder()
        .connectors(2000)
        .faults(FaultPlan::new().rate(0.05, faults, 7))
        .start()
        .await
        .unwrap();
    let client = quick_client(&sandbox).max_in_flight(4).build().unwrap();

    let listed = client.connectors().page_size(10).send().await.unwrap();

    assert_eq!(ids(&listed), ids(sandbox.connectors()), "every connector once, in order");
    let injected = sandbox.injected().len();
    assert!(injected >= 4, "{injected} faults injected");
    assert!(sandbox.requests().len() >= 200 + injected);
    eprintln!("{injected} faults survived over {} requests", sandbox.requests().len());
}

#[tokio::test]
async fn always_503_ends_with_the_typed_error_within_the_bound() {
    let sandbox = Sandbox::builder()
        .faults(FaultPlan::new().rate(1.0, vec![Fault::Status(503)], 1))
        .start()
        .await
        .unwrap();
    let bound = Duration::from_millis(300);
    let client = quick_client(&sandbox)
        .max_attempts(1000)
        .retry_base_delay(Duration::from_millis(20))
        .max_retry_wait(bound)
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.aws_base_account().await.unwrap_err();
    let elapsed = started.elapsed();

    assert!(matches!(error, Error::Service(_)), "{error:?}");
    assert_eq!(error.status(), Some(503));
    assert!(elapsed < bound + Duration::from_millis(700), "took {elapsed:?}");
    assert!(sandbox.requests().len() >= 2, "it retried");
    eprintln!("gave up after {} tries in {elapsed:?}", sandbox.requests().len());
}

#[tokio::test]
async fn always_503_stops_after_max_attempts() {
    let sandbox = Sandbox::builder()
        .faults(FaultPlan::new().rate(1.0, vec![Fault::Status(503)], 1))
        .start()
        .await
        .unwrap();
    let client = quick_client(&sandbox).max_attempts(4).build().unwrap();

    let error = client.aws_base_account().await.unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert_eq!(sandbox.requests().len(), 4);
}

#[tokio::test]
async fn rate_limit_wait_within_the_bound_is_honoured() {
    let sandbox = Sandbox::builder()
        .faults(FaultPlan::new().at(1, Fault::RateLimited { wait_secs: 2 }))
        .start()
        .await
        .unwrap();
    let client = quick_client(&sandbox).max_retry_wait(Duration::from_secs(5)).build().unwrap();

    let started = Instant::now();
    client.aws_base_account().await.unwrap();

    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(sandbox.requests().len(), 2);
}

#[tokio::test]
async fn rate_limit_wait_beyond_the_bound_fails_at_once_naming_it() {
    let sandbox = Sandbox::builder()
        .faults(FaultPlan::new().at(1, Fault::RateLimited { wait_secs: 3600 }))
        .start()
        .await
        .unwrap();
    let client = quick_client(&sandbox).max_retry_wait(Duration::from_secs(60)).build().unwrap();

    let started = Instant::now();
    let error = client.aws_base_account().await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(
        matches!(error, Error::RateLimited { wait: Some(w), .. } if w == Duration::from_secs(3600)),
        "{error:?}"
    );
    assert!(error.to_string().contains("3600 s"), "{error}");
    assert_eq!(sandbox.requests().len(), 1);
}

#[tokio::test]
async fn slow_response_is_a_request_timeout() {
    let sandbox = Sandbox::builder()
        .faults(FaultPlan::new().at(1, Fault::Slow(Duration::from_secs(2))))
        .start()
        .await
        .unwrap();
    let client =
        quick_client(&sandbox).timeout(Duration::from_millis(200)).max_attempts(1).build().unwrap();

    let error = client.aws_base_account().await.unwrap_err();

    assert!(matches!(error, Error::Timeout { which: TimeoutKind::Request, .. }), "{error:?}");
    assert!(
        error.to_string().contains("timed out after 0.2 s waiting for the response"),
        "{error}"
    );
}

#[tokio::test]
async fn faults_without_retries_surface_as_typed_errors() {
    let cases = [
        (Fault::Drop, "Transport"),
        (Fault::Truncate, "Transport"),
        (Fault::Html(200), "Decode"),
        (Fault::Html(502), "Service"),
        (Fault::Status(500), "Service"),
        (Fault::Empty(503), "Service"),
    ];
    for (fault, variant) in cases {
        let sandbox =
            Sandbox::builder().faults(FaultPlan::new().at(1, fault.clone())).start().await.unwrap();
        let client = quick_client(&sandbox).max_attempts(1).build().unwrap();

        let error = client.aws_base_account().await.unwrap_err();

        let shown = format!("{error:?}");
        assert!(shown.starts_with(variant), "{fault:?} gave {shown}");
        assert_eq!(error.to_string().lines().count(), 1, "{error}");
    }
}

#[tokio::test]
async fn body_over_the_cap_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = quick_client(&sandbox).max_body_bytes(2_000).build().unwrap();

    let error = client.connectors().page_size(50).send().await.unwrap_err();

    assert!(matches!(error, Error::BodyTooLarge { limit: 2_000, .. }), "{error:?}");
    assert_eq!(sandbox.requests().len(), 1, "a body too large is not retried");
}

#[tokio::test]
async fn remaining_zero_pauses_instead_of_hitting_the_limit() {
    let sandbox = Sandbox::builder().rate_limit(2, Duration::from_secs(1)).start().await.unwrap();
    let client = quick_client(&sandbox).build().unwrap();

    for _ in 0..4 {
        client.aws_base_account().await.unwrap();
    }

    // Four calls, no 429 and so no retry: the client waited for the window.
    assert_eq!(sandbox.requests().len(), 4);
}

#[test]
fn root_certificate_must_be_pem() {
    let builder = || Client::builder().platform(totalcloud::Platform::Qg1).basic_auth("u", "p");

    let bad = builder().add_root_certificate("not a certificate").build().unwrap_err();
    let good = builder().add_root_certificate(include_str!("fixtures/test-root.pem")).build();

    insta::assert_snapshot!(bad, @"invalid root certificate: expected PEM certificates");
    assert!(good.is_ok(), "{:?}", good.err());
}
