//! What the benches share: per-sample times kept beside criterion's, so that a
//! bench can print medians and ratios from the very run criterion measured.

use std::hint::black_box;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The mean time of one iteration in each sample a routine was asked for.
///
/// Criterion calls an `iter_custom` routine once per warm-up round and then
/// once per sample, so the last `n` entries are exactly the `n` samples it
/// measured; [`Samples::median`] reads those and skips the warm-up.
#[derive(Clone, Default)]
pub struct Samples(Arc<Mutex<Vec<Duration>>>);

impl Samples {
    /// Runs `routine` `iters` times for `Bencher::iter_custom` and returns the
    /// total, keeping the mean per iteration.
    pub fn time<O>(&self, iters: u64, mut routine: impl FnMut() -> O) -> Duration {
        let started = Instant::now();
        for _ in 0..iters {
            black_box(routine());
        }
        let total = started.elapsed();
        self.times().push(total.div_f64(iters.max(1) as f64));
        total
    }

    /// The median of the last `samples` per-iteration means, or `None` when
    /// fewer were recorded: criterion's test mode (`cargo test --benches`)
    /// runs each routine once, which measures nothing.
    pub fn median(&self, samples: usize) -> Option<Duration> {
        let times = self.times();
        if samples == 0 || times.len() < samples {
            return None;
        }
        let mut last = times[times.len() - samples..].to_vec();
        last.sort_unstable();
        let n = last.len();
        Some(if n % 2 == 1 { last[n / 2] } else { (last[n / 2 - 1] + last[n / 2]) / 2 })
    }

    fn times(&self) -> std::sync::MutexGuard<'_, Vec<Duration>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A duration for the summary lines, in the unit that keeps it short.
pub fn shown(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1e3 {
        format!("{micros:.1} µs")
    } else if micros < 1e6 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{:.3} s", micros / 1e6)
    }
}
