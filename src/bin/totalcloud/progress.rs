//! The progress bar of a listing on stderr, and the writers that keep other
//! output from tearing it.
//!
//! The bar is created once, hidden unless a person is watching stderr. Both
//! the logs and stdout go through [`Progress::suspend`], which takes the bar
//! off the screen for the length of a write and puts it back after, so that a
//! retry warning or a page of ndjson on the same terminal never lands in the
//! middle of the bar.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use totalcloud::Page;

const WAITING: &str = "{spinner} waiting for the first page";
const COUNTED: &str = "{spinner} [{bar:30}] {pos}/{len} connectors, {msg}";
const UNCOUNTED: &str = "{spinner} {pos} connectors, {msg}";

/// A handle on the bar; clones share it.
#[derive(Clone, Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar drawn on stderr when `show`, else one that never draws.
    pub fn new(show: bool) -> Progress {
        let target = if show { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Progress { bar: ProgressBar::with_draw_target(None, target) }
    }

    /// Shows the spinner until the first page arrives.
    pub fn start(&self) {
        // The spinner turns on a thread of its own, which a pipeline does not need.
        if self.bar.is_hidden() {
            return;
        }
        self.bar.set_style(style(WAITING));
        self.bar.enable_steady_tick(Duration::from_millis(100));
    }

    /// Counts a page in: the connectors written so far and, when known, how
    /// many the listing will write in all.
    pub fn page(&self, page: &Page, written: u64, expected: Option<u64>) {
        match expected {
            Some(expected) => {
                self.bar.set_style(style(COUNTED));
                self.bar.set_length(expected.max(written));
            }
            None => self.bar.set_style(style(UNCOUNTED)),
        }
        self.bar.set_position(written);
        self.bar.set_message(pages_message(page));
    }

    /// Runs `f` with the bar off the screen.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Takes the bar off the screen for good, so that an error or the table
    /// that follows starts on a clean line.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }

    /// A writer for `tracing`: each log line goes to stderr with the bar
    /// suspended.
    pub fn log_writer(&self) -> Suspended<io::Stderr> {
        Suspended { inner: io::stderr(), progress: self.clone() }
    }

    /// Wraps `inner` so that each of its writes happens with the bar
    /// suspended.
    pub fn wrap<W: Write>(&self, inner: W) -> Suspended<W> {
        Suspended { inner, progress: self.clone() }
    }
}

fn pages_message(page: &Page) -> String {
    let number = page.number + 1;
    match page.total_pages {
        Some(total) => format!("page {number}/{total}"),
        None => format!("page {number}"),
    }
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants, checked by a test.
    ProgressStyle::with_template(template).expect("the progress template is valid")
}

/// A writer whose writes take the bar off the screen while they run.
///
/// Wrap the unbuffered writer, below any `BufWriter`: then the bar is
/// suspended once per flush, not once per connector.
#[derive(Debug)]
pub struct Suspended<W> {
    inner: W,
    progress: Progress,
}

impl<W: Write> Write for Suspended<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        self.progress.suspend(|| inner.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let inner = &mut self.inner;
        self.progress.suspend(|| inner.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_templates_are_valid() {
        for template in [WAITING, COUNTED, UNCOUNTED] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }

    #[test]
    fn suspended_writer_passes_bytes_through() {
        let progress = Progress::new(false);
        let mut out = progress.wrap(Vec::new());

        out.write_all(b"one\n").unwrap();
        writeln!(out, "two").unwrap();

        assert_eq!(out.inner, b"one\ntwo\n");
    }
}
