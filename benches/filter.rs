//! Parsing and rendering a typical filter, the work done for every filtered
//! list request.
//!
//! Goal: parse + render of an 80-character expression in at most 2 µs in a
//! release build.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use totalcloud::filter::Filter;

/// A filter of the size users write: a state list, a quoted phrase and a time
/// bound.
const TYPICAL: &str =
    r#"state:[SUCCESS, ERROR] AND name:"prod account" AND lastSynced >= 2024-06-01T00:00:00Z"#;

fn parse_and_render(c: &mut Criterion) {
    c.bench_function("filter/parse+render", |b| {
        b.iter(|| Filter::parse(black_box(TYPICAL)).map(|filter| filter.render()))
    });

    c.bench_function("filter/parse", |b| b.iter(|| Filter::parse(black_box(TYPICAL))));

    let filter = Filter::parse(TYPICAL).expect("the benchmark filter parses");
    c.bench_function("filter/render", |b| b.iter(|| black_box(&filter).render()));
}

criterion_group!(benches, parse_and_render);
criterion_main!(benches);
