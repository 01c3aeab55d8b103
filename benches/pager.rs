//! Streaming a listing of 5,000 connectors, 50 pages of 100, from the sandbox.
//!
//! Every case runs twice: through the typed stream, and through a raw
//! baseline that fetches the same pages with a plain reqwest client at the
//! same K (pages in flight) and throws the bodies away. The sandbox's own
//! work, building and serialising each page, is in both, so the difference is
//! what the typed client adds: decoding, the id check, the stream.
//!
//! - `pager/0ms`: with no latency, is the typed client the bottleneck? Prints
//!   the typed/raw ratio of the medians and the time per page it amounts to.
//!   Goal: at most 1.1× at equal K.
//! - `pager/50ms`: with 50 ms before every answer, does a listing take the
//!   time the latency allows, ⌈pages / K⌉ × 50 ms? Prints each median's ratio
//!   to that bound. Both clients fetch the first page alone, because only
//!   that page tells how many follow, so their floor is 1 + ⌈(pages - 1) / K⌉
//!   waves: 1.00× the bound at K = 1, 1.08× at K = 4; the ratio to that floor
//!   is printed too.
//!
//! The sandbox serves from a thread of its own, the clients run on a Tokio
//! runtime like the CLI's; on a 2-core machine they share the cores.
//!
//! Run with `cargo bench --bench pager` (under two minutes);
//! `cargo bench --bench pager -- pager/0ms` runs one group. Criterion reports
//! time and connectors/s (`thrpt`); the lines starting `pager/` after each
//! group are medians over the same samples.

mod support;

use std::future::{ready, Future};
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use futures::{StreamExt, TryStreamExt};
use tokio::runtime::Runtime;
use totalcloud::sandbox::Sandbox;
use totalcloud::Client;

use support::{shown, Samples};

const PAGE_SIZE: u32 = 100;
const PAGES: u32 = 50;
const CONNECTORS: u64 = PAGE_SIZE as u64 * PAGES as u64;

/// Criterion's smallest sample count: a listing with latency takes seconds.
const SAMPLES: usize = 10;

/// How many latencies a listing with `k` pages in flight waits at least, if
/// every wave of requests is full: ⌈pages / K⌉.
fn waves(k: usize) -> u32 {
    PAGES.div_ceil(k as u32)
}

fn latency_bound(c: &mut Criterion) {
    let latency = Duration::from_millis(50);
    let bench = Bench::start(latency);
    let mut group = c.benchmark_group("pager/50ms");
    configure(&mut group);

    for k in [1, 4] {
        // Ten samples of one listing each. Criterion warns that they do not
        // fit in this time whenever a sample is a single run; that is intended.
        group.measurement_time(latency * waves(k) * SAMPLES as u32);
        let typed = format!("typed/K={k}");
        let typed = bench.case(&mut group, &typed, || list_typed(&bench.client, k));
        // The raw client shows how much of the distance to the bound is the
        // sandbox's and the transport's rather than the typed client's.
        let raw = format!("raw/K={k}");
        let raw = bench.case(&mut group, &raw, || list_raw(&bench.raw, k));
        if let (Some(typed), Some(raw)) = (typed, raw) {
            print_against_bound(&format!("pager/50ms/typed/K={k}"), typed, latency, k);
            print_against_bound(&format!("pager/50ms/raw/K={k}"), raw, latency, k);
        }
    }
    group.finish();
}

/// Prints a median with latency against the bound ⌈pages / K⌉ × latency and
/// against the pager's floor, which fetches the first page alone.
fn print_against_bound(id: &str, median: Duration, latency: Duration, k: usize) {
    let bound = latency * waves(k);
    let floor = latency * (1 + (PAGES - 1).div_ceil(k as u32));
    println!(
        "{id}: median {}, {:.0} connectors/s, {:.2}× the bound ⌈{PAGES}/{k}⌉ × {} = {} \
         ({:.2}× the floor {} of a first page alone)",
        shown(median),
        per_second(median),
        ratio(median, bound),
        shown(latency),
        shown(bound),
        ratio(median, floor),
        shown(floor),
    );
}

fn client_overhead(c: &mut Criterion) {
    let bench = Bench::start(Duration::ZERO);
    let mut group = c.benchmark_group("pager/0ms");
    configure(&mut group);
    group.measurement_time(Duration::from_secs(3));

    let mut ratios = Vec::new();
    for k in [1, 4] {
        let typed = format!("typed/K={k}");
        let typed = bench.case(&mut group, &typed, || list_typed(&bench.client, k));
        let raw = format!("raw/K={k}");
        let raw = bench.case(&mut group, &raw, || list_raw(&bench.raw, k));
        if let (Some(typed), Some(raw)) = (typed, raw) {
            print_rate(&format!("pager/0ms/typed/K={k}"), typed);
            print_rate(&format!("pager/0ms/raw/K={k}"), raw);
            let extra = typed.saturating_sub(raw) / PAGES;
            ratios.push(format!(
                "{:.2}× at K={k} ({} more a page)",
                ratio(typed, raw),
                shown(extra)
            ));
        }
    }
    if !ratios.is_empty() {
        println!("pager/0ms: typed/raw {} (goal: at most 1.10×)", ratios.join(", "));
    }
    group.finish();
}

/// Every case is a handful of whole listings: flat sampling runs the same
/// number in each sample, and one warm-up listing opens the connections.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .throughput(Throughput::Elements(CONNECTORS));
}

fn print_rate(id: &str, median: Duration) {
    println!("{id}: median {}, {:.0} connectors/s", shown(median), per_second(median));
}

fn per_second(median: Duration) -> f64 {
    CONNECTORS as f64 / median.as_secs_f64()
}

fn ratio(time: Duration, reference: Duration) -> f64 {
    time.as_secs_f64() / reference.as_secs_f64()
}

/// A sandbox with the benchmark's connectors, the runtime the clients run on,
/// and a client of each kind.
struct Bench {
    runtime: Runtime,
    sandbox: Sandbox,
    client: Client,
    raw: Arc<Raw>,
}

impl Bench {
    fn start(latency: Duration) -> Bench {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("the benchmark runtime starts");
        let sandbox = Sandbox::builder().connectors(CONNECTORS as usize).latency(latency).start();
        let sandbox = runtime.block_on(sandbox).expect("the sandbox starts");
        let client = sandbox.client().expect("the sandbox client builds");
        let raw = Arc::new(Raw {
            http: reqwest::Client::new(),
            url: format!("{}/cloudview-api/rest/v1/aws/connectors", sandbox.base_url()),
            username: sandbox.username().to_owned(),
            password: sandbox.password().to_owned(),
        });
        Bench { runtime, sandbox, client, raw }
    }

    /// Benchmarks `list` as case `id` and returns its median, or `None` in
    /// criterion's test mode.
    fn case<F, Fut>(
        &self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: &str,
        list: F,
    ) -> Option<Duration>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = u64>,
    {
        let samples = Samples::default();
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                samples.time(iters, || {
                    // The sandbox logs every request; clearing keeps its work
                    // the same from the first listing to the last.
                    self.sandbox.clear_requests();
                    self.runtime.block_on(list())
                })
            })
        });
        samples.median(SAMPLES)
    }
}

/// Lists every connector through the typed stream and counts them.
async fn list_typed(client: &Client, k: usize) -> u64 {
    let connectors = client.connectors().page_size(PAGE_SIZE).max_in_flight(k).stream();
    let count = connectors.try_fold(0, |count, _| ready(Ok(count + 1))).await;
    let count = count.expect("the sandbox listing succeeds");
    assert_eq!(count, CONNECTORS, "the listing is complete");
    count
}

/// Fetches the same pages as the pager, in the same shape: page 0 alone, then
/// the rest with `k` requests in flight, each on a task of its own. Only the
/// bytes are read, and counted; nothing is decoded.
async fn list_raw(raw: &Arc<Raw>, k: usize) -> u64 {
    let first = tokio::spawn(Arc::clone(raw).fetch(0)).await.expect("no fetch panics");
    let requests = (1..PAGES).map(|page| tokio::spawn(Arc::clone(raw).fetch(page)));
    let rest = futures::stream::iter(requests).buffered(k);
    rest.fold(first, |sum, bytes| ready(sum + bytes.expect("no fetch panics"))).await
}

/// What the raw baseline needs to ask for a page: a plain reqwest client and
/// the sandbox's address and credentials.
struct Raw {
    http: reqwest::Client,
    url: String,
    username: String,
    password: String,
}

impl Raw {
    /// Fetches page `page` of the listing and returns the body's length.
    async fn fetch(self: Arc<Raw>, page: u32) -> u64 {
        let response = self
            .http
            .get(&self.url)
            .query(&[("pageNo", page), ("pageSize", PAGE_SIZE)])
            .basic_auth(&self.username, Some(&self.password))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the sandbox answers");
        let body = response.bytes().await.expect("the sandbox sends the body");
        assert!(!body.is_empty(), "page {page} has a body");
        body.len() as u64
    }
}

criterion_group!(benches, client_overhead, latency_bound);
criterion_main!(benches);
