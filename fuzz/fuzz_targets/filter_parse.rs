//! Feeds arbitrary text to `Filter::parse` and checks the promises its docs
//! make about what comes back:
//!
//! - an accepted filter renders to a canonical text that parses back to an
//!   equal filter, and rendering that again changes nothing;
//! - a rejected one carries a span inside the input and on character
//!   boundaries, and its caret excerpt can be shown without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use totalcloud::{Filter, FilterError};

fuzz_target!(|data: &[u8]| {
    // The parser takes `&str`: invalid UTF-8 can never reach it, so there is
    // nothing to learn from it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Filter::parse(text) {
        Ok(filter) => check_round_trip(text, &filter),
        Err(error) => check_error(text, &error),
    }
});

fn check_round_trip(text: &str, filter: &Filter) {
    let rendered = filter.to_string();
    // `render` and `Display` are documented as the same text; a divergence
    // would mean the service and the logs disagree about what was sent.
    assert_eq!(filter.render(), rendered, "render and Display differ for {text:?}");

    let reparsed = Filter::parse(&rendered).unwrap_or_else(|error| {
        panic!("canonical text of {text:?} does not parse: {rendered:?}\n{error}")
    });
    assert_eq!(&reparsed, filter, "{text:?} rendered as {rendered:?}, which parses differently");

    // Equal trees must render equally, but comparing the texts directly also
    // catches a renderer that depends on anything outside the tree.
    let rerendered = reparsed.to_string();
    assert_eq!(rerendered, rendered, "rendering of {text:?} is not stable");
}

fn check_error(text: &str, error: &FilterError) {
    assert_eq!(error.input(), text, "the error must quote the parser's own input");

    let span = error.span();
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "span {span:?} outside the {} bytes of {text:?}",
        text.len(),
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "span {span:?} splits a character of {text:?}",
    );

    // Line and column are 1-based and must name a place that exists.
    let (line, column) = (error.line(), error.column());
    assert!(line >= 1 && line <= text.split('\n').count(), "line {line} for {text:?}");
    assert!(column >= 1, "column {column} for {text:?}");

    // Formatting walks the span, the line around it and the cut of long lines:
    // the slicing there is where a bad offset would panic.
    let message = error.to_string();
    assert!(!message.is_empty());

    // The excerpt and the quoted `found` text escape control characters, so
    // whatever the input holds, the message keeps its own line structure:
    // header, excerpt, carets, reason.
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\n'),
        "control character in the message for {text:?}:\n{message}",
    );
    if message.contains('\n') {
        assert_eq!(
            message.lines().count(),
            4,
            "message for {text:?} is not four lines:\n{message}"
        );
    }
}
