//! Builds filters with the typed builder from arbitrary values and checks that
//! their canonical text parses back to the same filter.
//!
//! `filter_parse` only reaches trees the parser can produce from what the
//! fuzzer types. This target covers the other direction the docs promise: no
//! value handed to the builder (quotes, backslashes, keywords, control
//! characters, `..`, far-off or leap-second instants) can change the structure
//! of the text around it.

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use totalcloud::filter::{Filter, FilterErrorKind, State};
use uuid::Uuid;

/// How many `AND`/`OR`/`NOT` levels the generator stacks. Each adds at most
/// one level of parentheses or `NOT` to the text, so this stays well inside
/// the parser's limit of 64, past which the round trip is not promised.
const MAX_DEPTH: usize = 12;

/// The parser's documented input limit, in bytes.
const MAX_TEXT: usize = 8192;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(Some(filter)) = node(&mut u, 0) else {
        return;
    };

    let rendered = filter.to_string();
    match Filter::parse(&rendered) {
        Ok(parsed) => {
            assert_eq!(parsed, filter, "built filter rendered as {rendered:?} parses differently");
            assert_eq!(parsed.to_string(), rendered, "rendering is not stable");
        }
        // Many long values can push the text past the limit; the parser must
        // then say so rather than fail some other way.
        Err(error) if rendered.len() > MAX_TEXT => {
            assert!(matches!(error.kind(), FilterErrorKind::InputTooLong { .. }), "{error}");
        }
        Err(error) => panic!("canonical text {rendered:?} of a built filter is refused:\n{error}"),
    }
});

/// One node of the tree, or `None` when the builder refused every value it was
/// given (which it may: empty values, backticks in exact values).
fn node(u: &mut Unstructured, depth: usize) -> Result<Option<Filter>> {
    // An exhausted input yields 0 here, so generation always ends in leaves.
    let choice = if depth >= MAX_DEPTH { 0 } else { u.int_in_range(0..=5u8)? };
    Ok(match choice {
        0..=2 => leaf(u)?,
        3 | 4 => {
            let count = u.int_in_range(2..=4usize)?;
            let mut operands = Vec::with_capacity(count);
            for _ in 0..count {
                operands.extend(node(u, depth + 1)?);
            }
            let join = if choice == 3 { Filter::and } else { Filter::or };
            operands.into_iter().reduce(join)
        }
        _ => node(u, depth + 1)?.map(Filter::not),
    })
}

fn leaf(u: &mut Unstructured) -> Result<Option<Filter>> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 | 1 => text_builder(u)?.contains(text(u)?).map_err(check_build_error).ok(),
        2 => text_builder(u)?.exact(text(u)?).map_err(check_build_error).ok(),
        3 => {
            let field = text_builder(u)?;
            field.any_of(texts(u)?).map_err(check_build_error).ok()
        }
        4 => {
            let field = text_builder(u)?;
            field.any_exact(texts(u)?).map_err(check_build_error).ok()
        }
        5 => {
            let states: Vec<State> = (0..u.int_in_range(0..=5usize)?)
                .map(|_| u.choose(&State::ALL).copied())
                .collect::<Result<_>>()?;
            Filter::state().any_of(states).map_err(check_build_error).ok()
        }
        6 => {
            let uuids: Vec<Uuid> = (0..u.int_in_range(0..=3usize)?)
                .map(|_| u.arbitrary::<u128>().map(Uuid::from_u128))
                .collect::<Result<_>>()?;
            Filter::connector_uuid().any_of(uuids).map_err(check_build_error).ok()
        }
        7 => {
            let at = instant(u)?;
            let field = Filter::last_synced();
            Some(match u.int_in_range(0..=4u8)? {
                0 => field.after(at),
                1 => field.at_or_after(at),
                2 => field.before(at),
                3 => field.at_or_before(at),
                _ => field.at(at),
            })
        }
        _ => {
            let (start, end) = (instant(u)?, instant(u)?);
            let field = Filter::last_synced();
            Some(if u.arbitrary()? {
                field.between(start, end)
            } else {
                field.between_exclusive(start, end)
            })
        }
    })
}

fn text_builder(u: &mut Unstructured) -> Result<totalcloud::filter::TextField> {
    Ok(if u.arbitrary()? { Filter::name() } else { Filter::description() })
}

fn text(u: &mut Unstructured) -> Result<String> {
    Ok(u.arbitrary::<&str>()?.to_owned())
}

fn texts(u: &mut Unstructured) -> Result<Vec<String>> {
    (0..u.int_in_range(0..=4usize)?).map(|_| text(u)).collect()
}

/// Any instant chrono can hold, leap seconds included: the renderer signs
/// years outside 0000–9999 and writes `:60`, both of which must read back.
fn instant(u: &mut Unstructured) -> Result<DateTime<Utc>> {
    let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    let secs = u.int_in_range(min..=max)?;
    let nanos = u.int_in_range(0..=1_999_999_999u32)?;
    // A nanosecond count past one second is only valid in a leap second;
    // elsewhere fall back to the same fraction without it.
    Ok(DateTime::from_timestamp(secs, nanos)
        .or_else(|| DateTime::from_timestamp(secs, nanos % 1_000_000_000))
        .unwrap_or(DateTime::<Utc>::MIN_UTC))
}

/// The builder refused a value: its error must still point inside the clause
/// it shows and format without panicking, like the parser's.
fn check_build_error(error: totalcloud::FilterError) {
    let (input, span) = (error.input(), error.span());
    assert!(span.start <= span.end && span.end <= input.len(), "span {span:?} in {input:?}");
    assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
    assert!(!error.to_string().is_empty());
}
