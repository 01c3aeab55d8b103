//! Decoding one page of 100 connectors, the work the client does per page.
//!
//! The bytes are a real sandbox answer, fetched once at setup, so they hold
//! what the service sends: Java date text, account ids as numbers, free-text
//! states, fields the schema does not name. Three decoders read them:
//!
//! - `typed`: [`totalcloud::model::from_slice`] into a `ConnectorPage`, what
//!   the client runs for every page (serde_path_to_error around serde_json);
//! - `value`: `serde_json::from_slice` into a `serde_json::Value`, the
//!   yardstick;
//! - `typed-no-path`: `serde_json::from_slice` into a `ConnectorPage`, the
//!   same typed decode without the JSON path an error would name, to show
//!   what tracking that path costs.
//!
//! Goal: typed at least as fast as Value. Run with `cargo bench --bench
//! decode` (about 15 seconds); the last line prints the medians' ratios.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use totalcloud::model::{from_slice, ConnectorPage};
use totalcloud::sandbox::Sandbox;

use support::{shown, Samples};

const PAGE_SIZE: usize = 100;
const SAMPLES: usize = 30;

fn decode(c: &mut Criterion) {
    let body = sandbox_page();
    let mut group = c.benchmark_group("decode");
    group
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(body.len() as u64));

    let typed = Samples::default();
    group.bench_function("typed", |b| {
        b.iter_custom(|iters| typed.time(iters, || from_slice::<ConnectorPage>(black_box(&body))))
    });
    let value = Samples::default();
    group.bench_function("value", |b| {
        b.iter_custom(|iters| {
            value.time(iters, || serde_json::from_slice::<serde_json::Value>(black_box(&body)))
        })
    });
    let no_path = Samples::default();
    group.bench_function("typed-no-path", |b| {
        b.iter_custom(|iters| {
            no_path.time(iters, || serde_json::from_slice::<ConnectorPage>(black_box(&body)))
        })
    });
    group.finish();

    let medians = (typed.median(SAMPLES), value.median(SAMPLES), no_path.median(SAMPLES));
    if let (Some(typed), Some(value), Some(no_path)) = medians {
        println!(
            "decode ({} bytes, {PAGE_SIZE} connectors): typed {}, value {}, typed-no-path {}; \
             typed/value {:.2}× (goal: at most 1.00×), typed-no-path/value {:.2}×",
            body.len(),
            shown(typed),
            shown(value),
            shown(no_path),
            typed.as_secs_f64() / value.as_secs_f64(),
            no_path.as_secs_f64() / value.as_secs_f64(),
        );
    }
}

/// Page 0 of 100 connectors, as the sandbox writes it on the wire, checked to
/// decode.
fn sandbox_page() -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the setup runtime starts");
    let body = runtime.block_on(async {
        let sandbox = Sandbox::start().await.expect("the sandbox starts");
        let url = format!("{}/cloudview-api/rest/v1/aws/connectors", sandbox.base_url());
        let response = reqwest::Client::new()
            .get(url)
            .query(&[("pageNo", 0), ("pageSize", PAGE_SIZE)])
            .basic_auth(sandbox.username(), Some(sandbox.password()))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the sandbox answers");
        response.bytes().await.expect("the sandbox sends the body").to_vec()
    });

    let page = from_slice::<ConnectorPage>(&body).expect("the sandbox page decodes");
    let connectors = page.content.map_or(0, |content| content.len());
    assert_eq!(connectors, PAGE_SIZE, "the page is full");
    body
}

criterion_group!(benches, decode);
criterion_main!(benches);
