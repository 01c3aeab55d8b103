//! Reading a [`Filter`] from QQL text: a recursive-descent parser on nom's
//! primitives.
//!
//! Every step takes the rest of the input as a `&str` and returns what it
//! leaves. A failure records the length of the input left where its span
//! starts, which becomes a byte offset once the whole input is known again; so
//! no step needs to carry the original text around. Failures are always nom's
//! `Failure`, never `Error`: nothing in this grammar backtracks past a reported
//! problem.

use std::ops::Range;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};
use uuid::Uuid;

use super::ast::{Clause, Comparison, Filter, State, TextValue, TimeMatch};
use super::error::{FilterError, FilterErrorKind};

/// The longest input accepted, in bytes.
const MAX_LEN: usize = 8192;

/// How deeply parentheses and `NOT` may nest. The parser recurses once per
/// level, so this also bounds its stack use.
const MAX_DEPTH: usize = 64;

/// The fields as written, with the aliases: `lastSynced` is the seed's spelling
/// and `lastSyncedOn` the service's own.
const FIELDS: [(&str, Field); 6] = [
    ("name", Field::Name),
    ("description", Field::Description),
    ("state", Field::State),
    ("lastSynced", Field::LastSynced),
    ("lastSyncedOn", Field::LastSynced),
    ("connector.uuid", Field::ConnectorUuid),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Description,
    State,
    LastSynced,
    ConnectorUuid,
}

impl Filter {
    /// Reads a filter from QQL text; the same as [`str::parse`].
    ///
    /// The language is described in the [module docs](super).
    ///
    /// # Errors
    ///
    /// A [`FilterError`] naming the first problem and its span, for text that
    /// is not a filter this crate can send.
    ///
    /// # Example
    ///
    /// ```
    /// use totalcloud::filter::{Filter, FilterErrorKind};
    ///
    /// let filter = Filter::parse("state:SUCCESS AND lastSynced > 2024-06-01T00:00:00Z")?;
    /// assert_eq!(filter.to_string(), "state:SUCCESS AND lastSyncedOn > 2024-06-01T00:00:00Z");
    ///
    /// let err = Filter::parse("lastSynced > 2024-06-01T00:00:00+02:00").unwrap_err();
    /// assert!(matches!(err.kind(), FilterErrorKind::TimeNotUtc { .. }));
    /// assert_eq!(err.span(), 32..38);
    /// # Ok::<(), totalcloud::filter::FilterError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        if input.len() > MAX_LEN {
            let kind = FilterErrorKind::InputTooLong { len: input.len() };
            return Err(FilterError::parse(kind, input, MAX_LEN..input.len()));
        }
        if input.trim().is_empty() {
            return Err(FilterError::parse(FilterErrorKind::InputEmpty, input, 0..0));
        }

        match parse_complete(input) {
            Ok((_, filter)) => Ok(filter),
            Err(nom::Err::Error(failure) | nom::Err::Failure(failure)) => {
                Err(failure.into_error(input))
            }
            // Only streaming parsers ask for more input, and none is used.
            Err(nom::Err::Incomplete(_)) => Err(Failure::unknown("").into_error(input)),
        }
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(input: &str) -> Result<Filter, FilterError> {
        Filter::parse(input)
    }
}

type Parsed<'a, T> = IResult<&'a str, T, Failure>;

/// Where and why parsing stopped: `rest` is the length of the input left at the
/// start of the span, `len` the span's length in bytes.
#[derive(Debug)]
struct Failure {
    kind: Option<FilterErrorKind>,
    rest: usize,
    len: usize,
}

impl Failure {
    /// A failure from one of nom's own parsers, which only this module's steps
    /// call and which they always recover from; kept so that a slip becomes an
    /// error, not a panic.
    fn unknown(at: &str) -> Failure {
        Failure { kind: None, rest: at.len(), len: 0 }
    }

    fn into_error(self, input: &str) -> FilterError {
        let start = input.len().saturating_sub(self.rest);

        // "Found end of input" reads best with the caret right after the last
        // token.
        let start =
            if self.len == 0 && start == input.len() { input.trim_end().len() } else { start };
        let kind = self
            .kind
            .unwrap_or_else(|| FilterErrorKind::ClauseExpected { found: found(&input[start..]) });
        FilterError::parse(kind, input, start..start + self.len)
    }
}

impl ParseError<&str> for Failure {
    fn from_error_kind(input: &str, _: ErrorKind) -> Failure {
        Failure::unknown(input)
    }

    fn append(_: &str, _: ErrorKind, other: Failure) -> Failure {
        other
    }
}

/// Stops parsing with `kind`, spanning `len` bytes from the start of `at`.
fn fail<T>(at: &str, len: usize, kind: FilterErrorKind) -> Parsed<'_, T> {
    Err(nom::Err::Failure(Failure { kind: Some(kind), rest: at.len(), len }))
}

/// Stops parsing with the kind `make` builds from the token at the start of
/// `at`, spanning it.
fn fail_found<T>(at: &str, make: impl FnOnce(Option<String>) -> FilterErrorKind) -> Parsed<'_, T> {
    fail(at, next_token(at).len(), make(found(at)))
}

/// Parses a whole filter: [`parse_or`] followed by nothing but whitespace.
fn parse_complete(input: &str) -> Parsed<'_, Filter> {
    let (rest, filter) = parse_or(input, 0)?;
    let rest = rest.trim_start();
    if !rest.is_empty() {
        return fail_found(rest, |found| FilterErrorKind::InputTrailing {
            found: found.unwrap_or_default(),
        });
    }
    Ok((rest, filter))
}

/// Parses `and (OR and)*` nested `depth` levels deep. Skips whitespace before
/// each operand and leaves whatever follows the last one, whitespace included.
fn parse_or(input: &str, depth: usize) -> Parsed<'_, Filter> {
    parse_joined(input, depth, "OR", parse_and, Filter::any)
}

/// Parses `not (AND not)*`; otherwise as [`parse_or`].
fn parse_and(input: &str, depth: usize) -> Parsed<'_, Filter> {
    parse_joined(input, depth, "AND", parse_not, Filter::all)
}

/// Parses `operand (keyword operand)*` and joins the operands with `join`.
fn parse_joined<'a>(
    input: &'a str,
    depth: usize,
    keyword_name: &str,
    operand: fn(&'a str, usize) -> Parsed<'a, Filter>,
    join: fn(Vec<Filter>) -> Filter,
) -> Parsed<'a, Filter> {
    let (mut rest, first) = operand(input, depth)?;
    let Some(mut operator) = keyword(rest, keyword_name) else {
        return Ok((rest, first));
    };

    let mut operands = Vec::with_capacity(4);
    operands.push(first);
    loop {
        let (at, after) = operator;
        expect_operand(at, after)?;
        let (next, next_operand) = operand(after, depth)?;
        operands.push(next_operand);
        rest = next;
        match keyword(rest, keyword_name) {
            Some(next_operator) => operator = next_operator,
            None => return Ok((rest, join(operands))),
        }
    }
}

/// Parses `NOT* primary`, each `NOT` one level deeper. Skips leading
/// whitespace.
fn parse_not(input: &str, depth: usize) -> Parsed<'_, Filter> {
    let input = input.trim_start();
    let Some((at, after)) = keyword(input, "NOT") else {
        return parse_primary(input, depth);
    };
    if depth >= MAX_DEPTH {
        return fail(at, at.len() - after.len(), FilterErrorKind::NestingTooDeep);
    }

    expect_operand(at, after)?;
    let (rest, operand) = parse_not(after, depth + 1)?;
    Ok((rest, operand.negate()))
}

/// Parses a group or a clause, with `input` at its first character.
fn parse_primary(input: &str, depth: usize) -> Parsed<'_, Filter> {
    if input.starts_with('(') {
        parse_group(input, depth)
    } else {
        parse_clause(input)
    }
}

/// Parses `( or )` with `input` at the `(`, one level deeper; leaves what
/// follows the `)`.
fn parse_group(input: &str, depth: usize) -> Parsed<'_, Filter> {
    use FilterErrorKind::{GroupEmpty, GroupUnclosed, NestingTooDeep};

    if depth >= MAX_DEPTH {
        return fail(input, 1, NestingTooDeep);
    }
    let inner = input[1..].trim_start();
    if let Some(after) = inner.strip_prefix(')') {
        return fail(input, input.len() - after.len(), GroupEmpty);
    }
    if inner.is_empty() {
        return fail(input, 1, GroupUnclosed { found: None });
    }

    let (rest, filter) = parse_or(inner, depth + 1)?;
    let rest = rest.trim_start();
    match rest.strip_prefix(')') {
        Some(after) => Ok((after, filter)),
        None if rest.is_empty() => fail(input, 1, GroupUnclosed { found: None }),
        None => fail_found(rest, |found| GroupUnclosed { found }),
    }
}

/// Parses `field:value` or `field op instant` with `input` at the field;
/// leaves what follows the value.
fn parse_clause(input: &str) -> Parsed<'_, Filter> {
    use FilterErrorKind::{ClauseExpected, FieldUnknown};

    let Ok((after, name)) = word(input) else {
        return fail_found(input, |found| ClauseExpected { found });
    };
    if is_keyword(name) {
        return fail_found(input, |found| ClauseExpected { found });
    }
    let Some(field) = lookup_field(name) else {
        let suggestion = suggest_field(name);
        let kind = FieldUnknown { found: name.to_owned(), suggestion };
        return fail(input, name.len(), kind);
    };
    parse_operator(after.trim_start(), field, name)
}

/// Parses what follows the field `name`: `:` and a value, or a comparison and
/// an instant. `input` is at the first character after the field.
fn parse_operator<'a>(input: &'a str, field: Field, name: &str) -> Parsed<'a, Filter> {
    use FilterErrorKind::{OperatorInvalid, OperatorMissing};

    if let Some(value) = input.strip_prefix(':') {
        return parse_value(value.trim_start(), field, name);
    }
    let Ok((value, operator)) = comparison(input) else {
        return fail_found(input, |found| OperatorMissing { field: name.to_owned(), found });
    };
    if field != Field::LastSynced {
        let kind = OperatorInvalid { field: name.to_owned(), operator: operator.to_owned() };
        return fail(input, operator.len(), kind);
    }
    parse_comparison(value.trim_start(), operator)
}

/// Parses what follows `field:`, with `input` at its first character.
fn parse_value<'a>(input: &'a str, field: Field, name: &str) -> Parsed<'a, Filter> {
    let (rest, clause) = match field {
        Field::Name => parse_values(input, name, parse_text, Clause::Name)?,
        Field::Description => parse_values(input, name, parse_text, Clause::Description)?,
        Field::State => parse_values(input, name, parse_state, Clause::State)?,
        Field::ConnectorUuid => parse_values(input, name, parse_uuid, Clause::ConnectorUuid)?,
        Field::LastSynced => {
            let (rest, time) = parse_time_value(input, name)?;
            (rest, Clause::LastSynced(time))
        }
    };
    Ok((rest, Filter::from_clause(clause)))
}

/// Parses one value or a list of them, with `input` at the first character,
/// and makes the clause with `wrap`.
fn parse_values<'a, T>(
    input: &'a str,
    field: &str,
    element: fn(&'a str) -> Parsed<'a, T>,
    wrap: fn(Vec<T>) -> Clause,
) -> Parsed<'a, Clause> {
    if input.starts_with('[') {
        let (rest, values) = parse_list(input, field, element)?;
        return Ok((rest, wrap(values)));
    }
    let (rest, value) = element(input)?;
    Ok((rest, wrap(vec![value])))
}

/// Parses `[v, v, …]` with `input` at the `[`; leaves what follows the `]`.
fn parse_list<'a, T>(
    input: &'a str,
    field: &str,
    element: fn(&'a str) -> Parsed<'a, T>,
) -> Parsed<'a, Vec<T>> {
    use FilterErrorKind::{ListEmpty, ListUnclosed, RangeUnsupported};

    let mut rest = input[1..].trim_start();
    if let Some(after) = rest.strip_prefix(']') {
        return fail(input, input.len() - after.len(), ListEmpty);
    }

    let mut values = Vec::new();
    loop {
        let (after, value) = element(rest.trim_start())?;
        values.push(value);
        rest = after.trim_start();

        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(']') {
            return Ok((after, values));
        } else if rest.starts_with("..") {
            return fail(rest, 2, RangeUnsupported { field: field.to_owned() });
        } else if rest.is_empty() {
            return fail(input, 1, ListUnclosed { found: None });
        } else {
            return fail_found(rest, |found| ListUnclosed { found });
        }
    }
}

/// Parses one text value at `input`: a bare word, a `"phrase"` or a
/// `` `backtick` `` value.
fn parse_text(input: &str) -> Parsed<'_, TextValue> {
    match input.chars().next() {
        Some('"') => parse_quoted(input),
        Some('`') => parse_backticked(input),
        _ => parse_bare(input),
    }
}

/// Parses a bare word: the characters [`is_bare_char`] allows, up to any `..`.
fn parse_bare(input: &str) -> Parsed<'_, TextValue> {
    use FilterErrorKind::{ValueKeyword, ValueMissing, WildcardUnsupported};

    let len = bare_len(input);
    let (text, rest) = input.split_at(len);
    if rest.starts_with('*') {
        return fail(rest, 1, WildcardUnsupported { found: '*' });
    }
    if text.is_empty() {
        return fail_found(input, |found| ValueMissing { found });
    }
    if is_keyword(text) {
        return fail(input, len, ValueKeyword { found: text.to_owned() });
    }
    Ok((rest, TextValue::Contains(text.to_owned())))
}

/// Parses `"…"` with `input` at the opening quote. `\"` and `\\` are the only
/// escapes; every other character, a newline included, stands for itself.
fn parse_quoted(input: &str) -> Parsed<'_, TextValue> {
    use FilterErrorKind::{EscapeInvalid, ValueEmpty, ValueUnclosed};

    // Most phrases hold no escape: take them as one slice.
    let body = &input[1..];
    if let Some(end) = body.find(['"', '\\']).filter(|&end| body[end..].starts_with('"')) {
        if end == 0 {
            return fail(input, 2, ValueEmpty);
        }
        return Ok((&body[end + 1..], TextValue::Contains(body[..end].to_owned())));
    }

    let mut text = String::new();
    let mut chars = input.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((&input[at + 1..], TextValue::Contains(text))),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => text.push(escaped),
                Some((next, escaped)) => {
                    let escape = &input[at..next + escaped.len_utf8()];
                    let kind = EscapeInvalid { found: escape.to_owned() };
                    return fail(&input[at..], escape.len(), kind);
                }
                None => break,
            },
            c => text.push(c),
        }
    }
    fail(input, input.len(), ValueUnclosed { quote: '"' })
}

/// Parses `` `…` `` with `input` at the opening backtick. There are no escapes,
/// so the value ends at the next backtick.
fn parse_backticked(input: &str) -> Parsed<'_, TextValue> {
    use FilterErrorKind::{ValueEmpty, ValueUnclosed};

    let body = &input[1..];
    match body.find('`') {
        None => fail(input, input.len(), ValueUnclosed { quote: '`' }),
        Some(0) => fail(input, 2, ValueEmpty),
        Some(end) => Ok((&body[end + 1..], TextValue::Exact(body[..end].to_owned()))),
    }
}

/// Parses a state in any text form, ignoring case.
fn parse_state(input: &str) -> Parsed<'_, State> {
    let (rest, value) = parse_text(input)?;
    match value.as_str().parse() {
        Ok(state) => Ok((rest, state)),
        Err(_) => {
            let written = &input[..input.len() - rest.len()];
            fail(input, written.len(), FilterErrorKind::StateUnknown { found: written.to_owned() })
        }
    }
}

/// Parses a UUID in any text form and any layout the `uuid` crate reads.
fn parse_uuid(input: &str) -> Parsed<'_, Uuid> {
    let (rest, value) = parse_text(input)?;
    match Uuid::try_parse(value.as_str()) {
        Ok(uuid) => Ok((rest, uuid)),
        Err(_) => {
            let written = &input[..input.len() - rest.len()];
            fail(input, written.len(), FilterErrorKind::UuidInvalid { found: written.to_owned() })
        }
    }
}

/// Parses what follows `lastSynced:`: a range, or one instant meaning equality.
fn parse_time_value<'a>(input: &'a str, field: &str) -> Parsed<'a, TimeMatch> {
    if input.starts_with(['[', '(']) {
        return parse_range(input, field);
    }
    let (rest, at) = parse_instant(input)?;
    Ok((rest, TimeMatch::Compare(Comparison::At, at)))
}

/// Parses the instant after a comparison, with `input` at its first character.
fn parse_comparison<'a>(input: &'a str, operator: &str) -> Parsed<'a, Filter> {
    if input.starts_with(['[', '(']) {
        let len = input.find([']', ')']).map_or(input.len(), |end| end + 1);
        let kind = FilterErrorKind::ListOnComparison { operator: operator.to_owned() };
        return fail(input, len, kind);
    }

    let comparison = match operator {
        ">" => Comparison::After,
        ">=" => Comparison::AtOrAfter,
        "<" => Comparison::Before,
        "<=" => Comparison::AtOrBefore,
        _ => Comparison::At,
    };
    let (rest, at) = parse_instant(input)?;
    Ok((rest, Filter::from_clause(Clause::LastSynced(TimeMatch::Compare(comparison, at)))))
}

/// Parses `[a .. b]` or `(a .. b)` with `input` at the opening bracket; leaves
/// what follows the closing one.
fn parse_range<'a>(input: &'a str, field: &str) -> Parsed<'a, TimeMatch> {
    use FilterErrorKind::{ListUnsupported, RangeSeparatorMissing, RangeUnclosed};

    let (inclusive, close) = if input.starts_with('[') { (true, ']') } else { (false, ')') };
    let (rest, start) = parse_instant(input[1..].trim_start())?;
    let rest = rest.trim_start();
    let Some(after) = rest.strip_prefix("..") else {
        if rest.starts_with(',') {
            return fail(rest, 1, ListUnsupported { field: field.to_owned() });
        }
        return fail_found(rest, |found| RangeSeparatorMissing { found });
    };

    let (rest, end) = parse_instant(after.trim_start())?;
    let rest = rest.trim_start();
    match rest.strip_prefix(close) {
        Some(after) => Ok((after, TimeMatch::Between { start, end, inclusive })),
        None if rest.is_empty() => fail(input, 1, RangeUnclosed { close, found: None }),
        None => fail_found(rest, |found| RangeUnclosed { close, found }),
    }
}

/// Parses an instant token at `input` (ASCII letters, digits, `:`, `.`, `+` and
/// `-`, up to any `..`) and reads it with [`read_instant`].
fn parse_instant(input: &str) -> Parsed<'_, DateTime<Utc>> {
    let bytes = input.as_bytes();
    let is_instant_byte =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'+' | b'-');
    let mut len = 0;
    while len < bytes.len() && is_instant_byte(bytes[len]) && !bytes[len..].starts_with(b"..") {
        len += 1;
    }

    if len == 0 {
        return fail_found(input, |found| match found {
            Some(found) => FilterErrorKind::InstantMalformed { found },
            None => FilterErrorKind::ValueMissing { found },
        });
    }
    match read_instant(&input[..len]) {
        Ok(at) => Ok((&input[len..], at)),
        Err((kind, span)) => fail(&input[span.start..], span.len(), kind),
    }
}

/// A problem in an instant token, with its span within the token.
type Problem = (FilterErrorKind, Range<usize>);

/// Reads all of `text` as a date (`YYYY-MM-DD`, meaning midnight UTC) or an RFC
/// 3339 date-time in UTC.
///
/// A year may also carry a sign and up to six digits (`+10000`), as the
/// renderer writes years outside `0000`–`9999`; `T` and `Z` may be lowercase,
/// as RFC 3339 allows.
fn read_instant(text: &str) -> Result<DateTime<Utc>, Problem> {
    let mut cursor = Cursor { text: text.as_bytes(), at: 0 };
    let (year, month, day) = cursor.date().ok_or_else(|| malformed(text))?;
    let date_end = cursor.at;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let kind = FilterErrorKind::DateInvalid { found: text[..date_end].to_owned() };
        (kind, 0..date_end)
    });

    if cursor.is_done() {
        return Ok(date?.and_time(NaiveTime::MIN).and_utc());
    }

    // Read the whole shape before judging the parts, so that a typo is reported
    // as one rather than as an impossible date.
    let clock_start = cursor.at + 1;
    let clock = cursor.clock().ok_or_else(|| malformed(text))?;
    let offset_start = cursor.at;
    let offset = cursor.offset().ok_or_else(|| malformed(text))?;

    let date = date?;
    let time = clock.to_time().ok_or_else(|| {
        let found = text[clock_start..offset_start].to_owned();
        (FilterErrorKind::TimeInvalid { found }, clock_start..offset_start)
    })?;
    check_offset(text, offset, offset_start)?;
    Ok(date.and_time(time).and_utc())
}

fn malformed(text: &str) -> Problem {
    (FilterErrorKind::InstantMalformed { found: text.to_owned() }, 0..text.len())
}

/// Fails unless the offset read from `text[start..]` says UTC.
fn check_offset(text: &str, offset: Offset, start: usize) -> Result<(), Problem> {
    match offset {
        Offset::Utc => Ok(()),
        Offset::Missing => {
            let kind = FilterErrorKind::TimeOffsetMissing { found: text.to_owned() };
            Err((kind, 0..text.len()))
        }
        Offset::Other => {
            let kind = FilterErrorKind::TimeNotUtc { offset: text[start..].to_owned() };
            Err((kind, start..text.len()))
        }
    }
}

/// A time of day as written, checked only for shape.
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

impl Clock {
    /// The time, if it exists; second 60 is a leap second, which chrono keeps
    /// as second 59 with a nanosecond count past one second.
    fn to_time(&self) -> Option<NaiveTime> {
        let (second, nanos) = match self.second {
            60 => (59, self.nanos + 1_000_000_000),
            second => (second, self.nanos),
        };
        NaiveTime::from_hms_nano_opt(self.hour, self.minute, second, nanos)
    }
}

enum Offset {
    Utc,
    Missing,
    Other,
}

/// A position in an instant token, read left to right.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn is_done(&self) -> bool {
        self.at == self.text.len()
    }

    fn eat(&mut self, allowed: &[u8]) -> Option<u8> {
        let byte = *self.text.get(self.at)?;
        allowed.contains(&byte).then(|| {
            self.at += 1;
            byte
        })
    }

    /// Reads exactly `count` digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + count)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += count;
        Some(digits.iter().fold(0, |value, digit| value * 10 + u32::from(digit - b'0')))
    }

    /// The number of digits from here on.
    fn digit_run(&self) -> usize {
        self.text[self.at..].iter().take_while(|b| b.is_ascii_digit()).count()
    }

    /// Reads `YYYY-MM-DD`, where the year may be signed with four to six
    /// digits.
    fn date(&mut self) -> Option<(i32, u32, u32)> {
        let sign = self.eat(b"+-");
        let width = self.digit_run();
        let widths = if sign.is_some() { 4..=6 } else { 4..=4 };
        if !widths.contains(&width) {
            return None;
        }
        let year = i32::try_from(self.digits(width)?).ok()?;
        let year = if sign == Some(b'-') { -year } else { year };

        self.eat(b"-")?;
        let month = self.digits(2)?;
        self.eat(b"-")?;
        Some((year, month, self.digits(2)?))
    }

    /// Reads `THH:MM:SS` and an optional fraction of one to nine digits.
    fn clock(&mut self) -> Option<Clock> {
        self.eat(b"Tt")?;
        let hour = self.digits(2)?;
        self.eat(b":")?;
        let minute = self.digits(2)?;
        self.eat(b":")?;
        let second = self.digits(2)?;

        let mut nanos = 0;
        if self.eat(b".").is_some() {
            let width = self.digit_run();
            if !(1..=9).contains(&width) {
                return None;
            }
            nanos = self.digits(width)? * 10u32.pow(9 - width as u32);
        }
        Some(Clock { hour, minute, second, nanos })
    }

    /// Reads the offset, which must end the token: `Z`, `±HH:MM`, or nothing.
    fn offset(&mut self) -> Option<Offset> {
        if self.is_done() {
            return Some(Offset::Missing);
        }
        let offset = if self.eat(b"Zz").is_some() {
            Offset::Utc
        } else {
            let sign = self.eat(b"+-")?;
            let hours = self.digits(2)?;
            self.eat(b":")?;
            let minutes = self.digits(2)?;
            if (sign, hours, minutes) == (b'+', 0, 0) {
                Offset::Utc
            } else {
                Offset::Other
            }
        };
        self.is_done().then_some(offset)
    }
}

/// Lexes a word: the field, keyword or bare value at the start of `input`.
fn word(input: &str) -> Parsed<'_, &str> {
    take_while1(is_bare_char).parse(input)
}

/// Lexes a comparison operator, longest first.
fn comparison(input: &str) -> Parsed<'_, &str> {
    alt((tag(">="), tag("<="), tag(">"), tag("<"), tag("="))).parse(input)
}

/// Finds the keyword `name` (any case) after optional whitespace, returning the
/// input from the keyword on and the input after it. The keyword must end
/// where a word would: `ANDROID` is no `AND`.
fn keyword<'a>(input: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let at = input.trim_start();
    let head = at.get(..name.len())?;
    let after = &at[name.len()..];
    let ends = after.chars().next().is_none_or(|c| !is_bare_char(c));
    (ends && head.eq_ignore_ascii_case(name)).then_some((at, after))
}

/// Fails unless an operand can start after the operator that begins `at`;
/// `after` is the input past the operator.
fn expect_operand<'a>(at: &'a str, after: &'a str) -> Result<(), nom::Err<Failure>> {
    let next = after.trim_start();
    let starts_operand = next.starts_with('(')
        || word(next).is_ok_and(|(_, found)| {
            !found.eq_ignore_ascii_case("AND") && !found.eq_ignore_ascii_case("OR")
        });
    if starts_operand {
        return Ok(());
    }

    let operator = &at[..at.len() - after.len()];
    let kind =
        FilterErrorKind::OperatorDangling { operator: operator.to_owned(), found: found(next) };
    fail::<()>(at, operator.len(), kind).map(|_| ())
}

/// Whether `text` is `AND`, `OR` or `NOT` in any case.
pub(crate) fn is_keyword(text: &str) -> bool {
    ["AND", "OR", "NOT"].iter().any(|keyword| keyword.eq_ignore_ascii_case(text))
}

/// The characters of a bare word: letters and digits of any script, and
/// `_ . - / @ + #`.
fn is_bare_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '@' | '+' | '#')
}

/// The length of the bare value at the start of `input`, which stops before
/// `..` so that a range bound never swallows its separator.
fn bare_len(input: &str) -> usize {
    let mut len = 0;
    for (at, c) in input.char_indices() {
        if !is_bare_char(c) || input[at..].starts_with("..") {
            break;
        }
        len = at + c.len_utf8();
    }
    len
}

/// The token at the start of `input`, to show what was found in an error: an
/// operator, a word, a quoted value, or one character. Empty at the end of the
/// input.
fn next_token(input: &str) -> &str {
    let Some(first) = input.chars().next() else {
        return "";
    };
    let len = if [">=", "<=", ".."].iter().any(|operator| input.starts_with(operator)) {
        2
    } else if is_bare_char(first) {
        input.find(|c| !is_bare_char(c)).unwrap_or(input.len())
    } else if first == '"' || first == '`' {
        quoted_len(input, first)
    } else {
        first.len_utf8()
    };
    &input[..len]
}

/// The length of the quoted value at the start of `input`, or of the rest of
/// its line when it is not closed.
fn quoted_len(input: &str, quote: char) -> usize {
    let mut escaped = false;
    for (at, c) in input.char_indices().skip(1) {
        match c {
            c if c == quote && !escaped => return at + 1,
            '\\' if quote == '"' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    input.find('\n').unwrap_or(input.len())
}

/// The token at the start of `input` as an error's `found`: `None` at the end
/// of the input.
fn found(input: &str) -> Option<String> {
    Some(next_token(input)).filter(|token| !token.is_empty()).map(str::to_owned)
}

fn lookup_field(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(known, _)| *known == name).map(|&(_, field)| field)
}

/// The known field closest to an unknown one: the same name in another case,
/// one it starts or ends (for three characters or more), or one within a few
/// edits.
fn suggest_field(found: &str) -> Option<&'static str> {
    let found = found.to_lowercase();
    let names = FIELDS.map(|(known, _)| (known, known.to_lowercase()));

    if let Some((known, _)) = names.iter().find(|(_, lower)| *lower == found) {
        return Some(known);
    }
    let length = found.chars().count();
    let part = |lower: &String| lower.starts_with(&found) || lower.ends_with(&found);
    if let Some((known, _)) = names.iter().find(|(_, lower)| length >= 3 && part(lower)) {
        return Some(known);
    }

    // A long word is no typo of a short field name; this also keeps the table
    // small.
    if length > 32 {
        return None;
    }
    let most = (length / 3).max(1);
    let closest = names.iter().map(|(known, lower)| (edit_distance(&found, lower), *known));
    closest
        .filter(|(edits, _)| *edits <= most)
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, known)| known)
}

/// The edit distance between `a` and `b` in characters, counting a swap of two
/// neighbours as one edit (the "optimal string alignment" distance), since that
/// is the commonest typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut cost: Vec<usize> = (0..(a.len() + 1) * width).map(|cell| cell % width).collect();
    for i in 1..=a.len() {
        cost[i * width] = i;
        for j in 1..=b.len() {
            let substitution = cost[(i - 1) * width + j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best =
                substitution.min(cost[(i - 1) * width + j] + 1).min(cost[i * width + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(cost[(i - 2) * width + j - 2] + 1);
            }
            cost[i * width + j] = best;
        }
    }
    cost[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::filter::FilterKind;

    /// The tree as an s-expression, so precedence is visible at a glance.
    fn tree(filter: &Filter) -> String {
        let list = |name: &str, operands: &[Filter]| {
            let inner: Vec<String> = operands.iter().map(tree).collect();
            format!("({name} {})", inner.join(" "))
        };
        match filter.kind() {
            FilterKind::Clause(_) => filter.to_string(),
            FilterKind::And(operands) => list("and", operands),
            FilterKind::Or(operands) => list("or", operands),
            FilterKind::Not(operand) => format!("(not {})", tree(operand)),
        }
    }

    fn parse_tree(input: &str) -> String {
        Filter::parse(input).map_or_else(|err| err.to_string(), |filter| tree(&filter))
    }

    /// Every input's full error, separated by blank lines.
    fn errors(inputs: &[&str]) -> String {
        let shown: Vec<String> = inputs
            .iter()
            .map(|input| match Filter::parse(input) {
                Ok(filter) => format!("unexpectedly parsed: {filter}"),
                Err(err) => err.to_string(),
            })
            .collect();
        shown.join("\n\n")
    }

    fn instant(input: &str) -> String {
        let filter = format!("lastSynced = {input}");
        match Filter::parse(&filter) {
            Ok(filter) => filter.to_string(),
            Err(err) => format!("{:?}", err.kind()),
        }
    }

    #[test]
    fn parse_precedence_not_and_or() {
        let cases = [
            "name:a OR name:b AND NOT name:c",
            "NOT name:a AND name:b",
            "NOT (name:a AND name:b)",
            "name:a AND name:b OR name:c AND name:d",
            "name:a AND (name:b OR name:c) AND name:d",
            "((name:a))",
            "name:a or name:b and not not name:c",
            "NOT(name:a)AND(name:b)",
        ];
        let trees: Vec<String> = cases.iter().map(|case| parse_tree(case)).collect();
        insta::assert_snapshot!(trees.join("\n"), @"
        (or name:a (and name:b (not name:c)))
        (and (not name:a) name:b)
        (not (and name:a name:b))
        (or (and name:a name:b) (and name:c name:d))
        (and name:a (or name:b name:c) name:d)
        name:a
        (or name:a (and name:b (not (not name:c))))
        (and (not name:a) name:b)
        ");
    }

    #[test]
    fn parse_whitespace_is_free() {
        let tight = Filter::parse("state:[SUCCESS,ERROR]AND(lastSynced>=2024-06-01)").unwrap();
        let loose =
            Filter::parse("\n\t state : [ SUCCESS , ERROR ]\n AND ( lastSynced >= 2024-06-01 ) ");
        assert_eq!(loose.unwrap(), tight);
    }

    #[test]
    fn parse_keywords_in_any_case() {
        let upper = Filter::parse("NOT name:a AND name:b OR name:c").unwrap();
        assert_eq!(Filter::parse("not name:a and name:b or name:c").unwrap(), upper);
        assert_eq!(Filter::parse("Not name:a aNd name:b Or name:c").unwrap(), upper);
    }

    #[test]
    fn parse_field_aliases_are_one_field() {
        let alias = Filter::parse("lastSynced > 2024-06-01").unwrap();
        assert_eq!(Filter::parse("lastSyncedOn > 2024-06-01").unwrap(), alias);
    }

    #[test]
    fn parse_text_values_and_escapes() {
        let cases = [
            r#"name:prod"#,
            r#"name:"prod""#,
            r#"name:"a \"quoted\" \\ word""#,
            "name:\"two\nlines\"",
            r#"name:`Exact "as" \ is`"#,
            r#"name:"*""#,
            r#"name:"AND""#,
            r#"name:café/eu@x+y#1"#,
        ];
        let values: Vec<String> = cases
            .iter()
            .map(|case| match Filter::parse(case).unwrap().kind() {
                FilterKind::Clause(Clause::Name(values)) => format!("{values:?}"),
                other => format!("{other:?}"),
            })
            .collect();
        insta::assert_snapshot!(values.join("\n"), @r#"
        [Contains("prod")]
        [Contains("prod")]
        [Contains("a \"quoted\" \\ word")]
        [Contains("two\nlines")]
        [Exact("Exact \"as\" \\ is")]
        [Contains("*")]
        [Contains("AND")]
        [Contains("café/eu@x+y#1")]
        "#);
    }

    #[test]
    fn parse_utc_instants() {
        let accepted = [
            "2024-06-01",
            "2024-06-01T12:30:00Z",
            "2024-06-01T12:30:00+00:00",
            "2024-06-01T12:30:00.5Z",
            "2024-06-01t12:30:00.123456789z",
            "2016-12-31T23:59:60Z",
            "+10000-01-01T00:00:00Z",
        ];
        let shown: Vec<String> = accepted.iter().map(|input| instant(input)).collect();
        insta::assert_snapshot!(shown.join("\n"), @"
        lastSyncedOn:2024-06-01T00:00:00Z
        lastSyncedOn:2024-06-01T12:30:00Z
        lastSyncedOn:2024-06-01T12:30:00Z
        lastSyncedOn:2024-06-01T12:30:00.5Z
        lastSyncedOn:2024-06-01T12:30:00.123456789Z
        lastSyncedOn:2016-12-31T23:59:60Z
        lastSyncedOn:+10000-01-01T00:00:00Z
        ");
    }

    #[test]
    fn parse_rejects_instants_outside_the_utc_rule() {
        let rejected = [
            "2024-06-01T12:30:00+01:00",
            "2024-06-01T12:30:00-05:00",
            "2024-06-01T12:30:00-00:00",
            "2024-06-01T12:30:00",
            "2024-06-01T12:30Z",
            "2024-06-01T12:30:00.1234567890Z",
            "2024-02-30",
            "2023-02-29T00:00:00Z",
            "2024-06-01T24:00:00Z",
            "2024-06-01T12:30:60Z",
            "2024-6-1",
            "20240601",
        ];
        let shown: Vec<String> =
            rejected.iter().map(|input| format!("{input}: {}", instant(input))).collect();
        insta::assert_snapshot!(shown.join("\n"), @r#"
        2024-06-01T12:30:00+01:00: TimeNotUtc { offset: "+01:00" }
        2024-06-01T12:30:00-05:00: TimeNotUtc { offset: "-05:00" }
        2024-06-01T12:30:00-00:00: TimeNotUtc { offset: "-00:00" }
        2024-06-01T12:30:00: TimeOffsetMissing { found: "2024-06-01T12:30:00" }
        2024-06-01T12:30Z: InstantMalformed { found: "2024-06-01T12:30Z" }
        2024-06-01T12:30:00.1234567890Z: InstantMalformed { found: "2024-06-01T12:30:00.1234567890Z" }
        2024-02-30: DateInvalid { found: "2024-02-30" }
        2023-02-29T00:00:00Z: DateInvalid { found: "2023-02-29" }
        2024-06-01T24:00:00Z: TimeInvalid { found: "24:00:00" }
        2024-06-01T12:30:60Z: lastSyncedOn:2024-06-01T12:30:60Z
        2024-6-1: InstantMalformed { found: "2024-6-1" }
        20240601: InstantMalformed { found: "20240601" }
        "#);
    }

    #[test]
    fn err_structure() {
        insta::assert_snapshot!(errors(&[
            "   ",
            "state:SUCCESS name:prod",
            "state:SUCCESS)",
            "AND state:SUCCESS",
            "(\"prod\")",
            "state:SUCCESS AND",
            "NOT",
            "state:SUCCESS OR AND name:a",
            "state:SUCCESS AND ( )",
            "(state:SUCCESS OR state:ERROR",
            "(state:SUCCESS name:prod)",
        ]), @r#"
        failed to parse filter: expected a clause such as `state:SUCCESS`, but found nothing

        failed to parse filter at line 1, column 15:
            state:SUCCESS name:prod
                          ^^^^
        error: expected `AND`, `OR` or end of input, but found `name`

        failed to parse filter at line 1, column 14:
            state:SUCCESS)
                         ^
        error: expected `AND`, `OR` or end of input, but found `)`

        failed to parse filter at line 1, column 1:
            AND state:SUCCESS
            ^^^
        error: expected a clause such as `state:SUCCESS`, but found `AND`

        failed to parse filter at line 1, column 2:
            ("prod")
             ^^^^^^
        error: expected a clause such as `state:SUCCESS`, but found `"prod"`

        failed to parse filter at line 1, column 15:
            state:SUCCESS AND
                          ^^^
        error: expected a clause after `AND`, but found end of input

        failed to parse filter at line 1, column 1:
            NOT
            ^^^
        error: expected a clause after `NOT`, but found end of input

        failed to parse filter at line 1, column 15:
            state:SUCCESS OR AND name:a
                          ^^
        error: expected a clause after `OR`, but found `AND`

        failed to parse filter at line 1, column 19:
            state:SUCCESS AND ( )
                              ^^^
        error: expected a clause between `(` and `)`, but found nothing

        failed to parse filter at line 1, column 1:
            (state:SUCCESS OR state:ERROR
            ^
        error: unclosed group: expected `)`, but found end of input

        failed to parse filter at line 1, column 16:
            (state:SUCCESS name:prod)
                           ^^^^
        error: expected `AND`, `OR` or `)`, but found `name`
        "#);
    }

    #[test]
    fn err_fields_and_operators() {
        insta::assert_snapshot!(errors(&[
            "State:SUCCESS",
            "stat:SUCCESS",
            "lastsynced > 2024-01-01",
            "uuid:123e4567-e89b-12d3-a456-426614174000",
            "owner:me",
            "state SUCCESS",
            "lastSynced 2024-01-01",
            "name > prod",
        ]), @"
        failed to parse filter at line 1, column 1:
            State:SUCCESS
            ^^^^^
        error: unknown field `State`: did you mean `state`?

        failed to parse filter at line 1, column 1:
            stat:SUCCESS
            ^^^^
        error: unknown field `stat`: did you mean `state`?

        failed to parse filter at line 1, column 1:
            lastsynced > 2024-01-01
            ^^^^^^^^^^
        error: unknown field `lastsynced`: did you mean `lastSynced`?

        failed to parse filter at line 1, column 1:
            uuid:123e4567-e89b-12d3-a456-426614174000
            ^^^^
        error: unknown field `uuid`: did you mean `connector.uuid`?

        failed to parse filter at line 1, column 1:
            owner:me
            ^^^^^
        error: unknown field `owner`: expected `name`, `description`, `state`, `lastSynced` or `connector.uuid`

        failed to parse filter at line 1, column 7:
            state SUCCESS
                  ^^^^^^^
        error: expected `:` after `state`, but found `SUCCESS`

        failed to parse filter at line 1, column 12:
            lastSynced 2024-01-01
                       ^^^^^^^^^^
        error: expected `:` or a comparison (`>`, `>=`, `<`, `<=`, `=`) after `lastSynced`, but found `2024-01-01`

        failed to parse filter at line 1, column 6:
            name > prod
                 ^
        error: expected `:` after `name`, but found `>`: comparisons only apply to `lastSynced`
        ");
    }

    #[test]
    fn err_values() {
        insta::assert_snapshot!(errors(&[
            "name:",
            "name:\"\"",
            "name:``",
            "name:and",
            "name:\"prod AND state:ERROR",
            "name:`prod",
            r#"name:"C:\temp""#,
            "name:prod*",
            "state:COMPLETED",
            "state:[SUCCESS, \"done\"]",
            "connector.uuid:1234",
        ]), @r#"
        failed to parse filter at line 1, column 6:
            name:
                 ^
        error: expected a value, but found end of input

        failed to parse filter at line 1, column 6:
            name:""
                 ^^
        error: expected a value, but found an empty one

        failed to parse filter at line 1, column 6:
            name:``
                 ^^
        error: expected a value, but found an empty one

        failed to parse filter at line 1, column 6:
            name:and
                 ^^^
        error: expected a value, but found the keyword `and`: quote it to search for the word

        failed to parse filter at line 1, column 6:
            name:"prod AND state:ERROR
                 ^^^^^^^^^^^^^^^^^^^^^
        error: unclosed value: expected a closing `"`, but found end of input

        failed to parse filter at line 1, column 6:
            name:`prod
                 ^^^^^
        error: unclosed value: expected a closing `` ` ``, but found end of input

        failed to parse filter at line 1, column 9:
            name:"C:\temp"
                    ^^
        error: unknown escape `\t`: expected `\"` or `\\`

        failed to parse filter at line 1, column 10:
            name:prod*
                     ^
        error: wildcard `*` is not supported: a value already matches any text that contains it

        failed to parse filter at line 1, column 7:
            state:COMPLETED
                  ^^^^^^^^^
        error: expected a state (`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`), but found `COMPLETED`

        failed to parse filter at line 1, column 17:
            state:[SUCCESS, "done"]
                            ^^^^^^
        error: expected a state (`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`), but found `"done"`

        failed to parse filter at line 1, column 16:
            connector.uuid:1234
                           ^^^^
        error: expected a UUID such as `123e4567-e89b-12d3-a456-426614174000`, but found `1234`
        "#);
    }

    #[test]
    fn err_lists_and_ranges() {
        insta::assert_snapshot!(errors(&[
            "state:[]",
            "name:[prod,]",
            "state:[SUCCESS, ERROR",
            "state:[SUCCESS ERROR]",
            "lastSynced > [2024-01-01, 2024-02-01]",
            "lastSynced:[2024-01-01, 2024-02-01]",
            "name:[a .. b]",
            "lastSynced:[2024-01-01 2024-02-01]",
            "lastSynced:[2024-01-01 .. 2024-02-01)",
            "lastSynced:(2024-01-01 .. 2024-02-01",
        ]), @"
        failed to parse filter at line 1, column 7:
            state:[]
                  ^^
        error: expected a value between `[` and `]`, but found nothing

        failed to parse filter at line 1, column 12:
            name:[prod,]
                       ^
        error: expected a value, but found `]`

        failed to parse filter at line 1, column 7:
            state:[SUCCESS, ERROR
                  ^
        error: unclosed list: expected `]`, but found end of input

        failed to parse filter at line 1, column 16:
            state:[SUCCESS ERROR]
                           ^^^^^
        error: expected `,` or `]`, but found `ERROR`

        failed to parse filter at line 1, column 14:
            lastSynced > [2024-01-01, 2024-02-01]
                         ^^^^^^^^^^^^^^^^^^^^^^^^
        error: expected one instant after `>`, but found a list: use a range such as `lastSynced:[a .. b]` instead

        failed to parse filter at line 1, column 23:
            lastSynced:[2024-01-01, 2024-02-01]
                                  ^
        error: lists are not supported for `lastSynced`: use a range such as `[a .. b]`, or join clauses with `OR`

        failed to parse filter at line 1, column 9:
            name:[a .. b]
                    ^^
        error: ranges are not supported for `name`: only `lastSynced` takes `[a .. b]`

        failed to parse filter at line 1, column 24:
            lastSynced:[2024-01-01 2024-02-01]
                                   ^^^^^^^^^^
        error: expected `..` between the bounds of a range, but found `2024-02-01`

        failed to parse filter at line 1, column 37:
            lastSynced:[2024-01-01 .. 2024-02-01)
                                                ^
        error: expected `]` to close the range, but found `)`

        failed to parse filter at line 1, column 12:
            lastSynced:(2024-01-01 .. 2024-02-01
                       ^
        error: unclosed range: expected `)`, but found end of input
        ");
    }

    #[test]
    fn err_instants() {
        insta::assert_snapshot!(errors(&[
            "lastSynced > yesterday",
            "lastSynced >",
            "lastSynced:[2024-01-01 .. ]",
            "lastSynced > 2024-02-30",
            "lastSynced > 2024-06-01T24:00:00Z",
            "lastSynced > 2024-06-01T12:00:00",
            "lastSynced > 2024-06-01T12:00:00-05:00",
        ]), @"
        failed to parse filter at line 1, column 14:
            lastSynced > yesterday
                         ^^^^^^^^^
        error: expected an instant such as `2024-06-01` or `2024-06-01T12:00:00Z`, but found `yesterday`

        failed to parse filter at line 1, column 13:
            lastSynced >
                        ^
        error: expected a value, but found end of input

        failed to parse filter at line 1, column 27:
            lastSynced:[2024-01-01 .. ]
                                      ^
        error: expected an instant such as `2024-06-01` or `2024-06-01T12:00:00Z`, but found `]`

        failed to parse filter at line 1, column 14:
            lastSynced > 2024-02-30
                         ^^^^^^^^^^
        error: expected a date that exists, but found `2024-02-30`

        failed to parse filter at line 1, column 25:
            lastSynced > 2024-06-01T24:00:00Z
                                    ^^^^^^^^
        error: expected a time of day from `00:00:00` to `23:59:60`, but found `24:00:00`

        failed to parse filter at line 1, column 14:
            lastSynced > 2024-06-01T12:00:00
                         ^^^^^^^^^^^^^^^^^^^
        error: lastSynced must be in UTC: expected `Z` or `+00:00` after the time, but found no offset

        failed to parse filter at line 1, column 33:
            lastSynced > 2024-06-01T12:00:00-05:00
                                            ^^^^^^
        error: lastSynced must be in UTC: expected `Z` or `+00:00`, but found `-05:00`
        ");
    }

    #[test]
    fn err_limits() {
        let long = format!("name:{}", "a".repeat(8200));
        let deep = format!("{}name:a{}", "(".repeat(65), ")".repeat(65));
        let negated = format!("{}name:a", "NOT ".repeat(65));
        insta::assert_snapshot!(errors(&[&long, &deep, &negated]), @"
        failed to parse filter at line 1, column 8193:
            …aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                                     ^^^^^^^^^^^^^
        error: filter too long: expected at most 8192 bytes, but found 8205

        failed to parse filter at line 1, column 65:
            …(((((((((((((((((((((((((name:a)))))))))))))))))))))))))))))))))))))))))))))…
                                     ^
        error: nesting too deep: expected at most 64 levels of parentheses and `NOT`

        failed to parse filter at line 1, column 257:
            …NOT NOT NOT NOT NOT NOT NOT name:a
                                     ^^^
        error: nesting too deep: expected at most 64 levels of parentheses and `NOT`
        ");
    }

    #[test]
    fn err_on_later_lines_and_wide_characters() {
        insta::assert_snapshot!(errors(&[
            "state:SUCCESS\nAND name:\"prod\nOR name:x",
            "name:\"café\" AND\n  déscription:x",
        ]), @r#"
        failed to parse filter at line 2, column 10:
            AND name:"prod
                     ^^^^^
        error: unclosed value: expected a closing `"`, but found end of input

        failed to parse filter at line 2, column 3:
              déscription:x
              ^^^^^^^^^^^
        error: unknown field `déscription`: did you mean `description`?
        "#);
    }

    #[test]
    fn limits_are_inclusive() {
        let longest = format!("name:{}", "a".repeat(MAX_LEN - 5));
        assert!(Filter::parse(&longest).is_ok());
        let too_long = format!("name:{}", "a".repeat(MAX_LEN - 4));
        assert!(matches!(
            Filter::parse(&too_long).unwrap_err().kind(),
            FilterErrorKind::InputTooLong { len: 8193 }
        ));

        let deepest = format!("{}name:a{}", "(".repeat(32), ")".repeat(32));
        let deepest = format!("{}{deepest}", "NOT ".repeat(32));
        assert!(Filter::parse(&deepest).is_ok());
        let deeper = format!("NOT {deepest}");
        assert_eq!(Filter::parse(&deeper).unwrap_err().kind(), &FilterErrorKind::NestingTooDeep);
    }

    #[test]
    fn deep_input_fails_without_overflowing_the_stack() {
        for opener in ["(", "NOT ", "NOT (", "name:a AND ("] {
            let input = opener.repeat(MAX_LEN / opener.len());
            let err = Filter::parse(&input).unwrap_err();
            assert_eq!(err.kind(), &FilterErrorKind::NestingTooDeep, "{opener}");
        }
    }

    #[test]
    fn field_suggestions() {
        let cases = [
            ("NAME", Some("name")),
            ("lastsyncedon", Some("lastSyncedOn")),
            ("desc", Some("description")),
            ("uuid", Some("connector.uuid")),
            ("connector_uuid", Some("connector.uuid")),
            ("stat", Some("state")),
            ("lastSync", Some("lastSynced")),
            ("nmae", Some("name")),
            ("id", None),
            ("owner", None),
        ];
        for (found, expected) in cases {
            assert_eq!(suggest_field(found), expected, "{found}");
        }
    }

    fn arb_text() -> impl Strategy<Value = String> {
        let tricky =
            ["AND", "or", "Not", "..", "a..b", "\"", "\\", "`", "\n", "x y", "*", ":", "[", ")"];
        let text = prop_oneof![
            "[a-z0-9_.-]{1,8}",
            "[ -~\t\n\"\\\\`é]{0,12}",
            any::<String>(),
            select(tricky.to_vec()).prop_map(str::to_owned),
        ];
        text.prop_map(|text| if text.is_empty() { "x".to_owned() } else { text })
    }

    fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
        let seconds =
            prop_oneof![1_500_000_000i64..1_900_000_000, -8_000_000_000_000i64..8_000_000_000_000,];
        let nanos =
            prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|n| n * 1_000_000)];
        (seconds, nanos)
            .prop_filter_map("in chrono's range", |(s, n)| DateTime::from_timestamp(s, n))
    }

    fn arb_clause() -> impl Strategy<Value = Filter> {
        let text = (any::<bool>(), any::<bool>(), prop::collection::vec(arb_text(), 1..4))
            .prop_map(|(description, exact, texts)| {
                let field = if description { Filter::description() } else { Filter::name() };
                if exact {
                    let texts = texts.into_iter().map(|text| text.replace('`', "'"));
                    field
                        .any_exact(
                            texts.map(|text| if text.is_empty() { "x".into() } else { text }),
                        )
                        .unwrap()
                } else {
                    field.any_of(texts).unwrap()
                }
            });
        let states = prop::collection::vec(select(State::ALL.to_vec()), 1..4)
            .prop_map(|states| Filter::state().any_of(states).unwrap());
        let uuids = prop::collection::vec(any::<u128>(), 1..3).prop_map(|ids| {
            Filter::connector_uuid().any_of(ids.into_iter().map(Uuid::from_u128)).unwrap()
        });
        let times = (0..7usize, arb_instant(), arb_instant()).prop_map(|(pick, a, b)| {
            let field = Filter::last_synced();
            match pick {
                0 => field.after(a),
                1 => field.at_or_after(a),
                2 => field.before(a),
                3 => field.at_or_before(a),
                4 => field.at(a),
                5 => field.between(a, b),
                _ => field.between_exclusive(a, b),
            }
        });
        prop_oneof![text, states, uuids, times]
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        arb_clause().prop_recursive(5, 24, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a | b),
                inner.clone().prop_map(|a| !a),
                prop::collection::vec(inner, 2..4)
                    .prop_map(|operands| { operands.into_iter().reduce(|a, b| a.and(b)).unwrap() }),
            ]
        })
    }

    fn arb_token_soup() -> impl Strategy<Value = String> {
        let tokens = [
            "name",
            "state",
            "lastSynced",
            "connector.uuid",
            ":",
            "[",
            "]",
            "(",
            ")",
            ",",
            "..",
            ">",
            ">=",
            "=",
            "AND",
            "or",
            "NOT",
            "\"",
            "`",
            "\\",
            "2024-06-01",
            "2024-06-01T12:00:00Z",
            "+01:00",
            "SUCCESS",
            "123e4567-e89b-12d3-a456-426614174000",
            " ",
            "\n",
            "*",
            "é",
            "x",
            // Whole clauses, so that many soups are valid filters and take the
            // round trip.
            " name:x ",
            " state:error ",
            " lastSynced>2024-06-01 ",
            " name:\"a b\" ",
            " AND ",
            " OR ",
            " NOT ",
            " description:`y` ",
            " lastSynced:[2024-01-01..2024-02-01] ",
        ];
        prop::collection::vec((select(tokens.to_vec()), any::<bool>()), 0..24).prop_map(|parts| {
            let mut text = String::new();
            for (token, spaced) in parts {
                text.push_str(token);
                text.push_str(if spaced { " " } else { "" });
            }
            text
        })
    }

    /// Valid filters spelled with noise: keywords in any case, aliases, quotes
    /// where none are needed, and whitespace of every kind or none where
    /// allowed.
    fn arb_valid_text() -> impl Strategy<Value = String> {
        let clauses = [
            "name:prod",
            "name : \"prod account\"",
            "description:`Exact`",
            "state:success",
            "state:[ERROR,pending , REGIONS_DISCOVERED]",
            "lastSynced>=2024-06-01",
            "lastSyncedOn < 2024-06-01T12:00:00.5+00:00",
            "lastSynced:(2024-01-01 .. 2024-02-01t00:00:00z)",
            "connector.uuid:\"123E4567E89B12D3A456426614174000\"",
        ];
        let space = select(vec!["", " ", "  ", "\n", "\t "]);
        let leaf = select(clauses.to_vec()).prop_map(str::to_owned);
        leaf.prop_recursive(4, 16, 2, move |inner| {
            let joined = (inner.clone(), select(vec!["AND", "and", "Or", "OR"]), inner.clone());
            prop_oneof![
                joined.prop_map(|(a, keyword, b)| format!("{a} {keyword} {b}")),
                (space.clone(), inner.clone(), space.clone())
                    .prop_map(|(before, a, after)| format!("({before}{a}{after})")),
                (select(vec!["NOT ", "not\n", "Not("]), inner).prop_map(|(not, a)| {
                    if not.ends_with('(') {
                        format!("{not}{a})")
                    } else {
                        format!("{not}{a}")
                    }
                }),
            ]
        })
    }

    /// A valid filter with one character inserted or removed: mostly errors,
    /// near real ones.
    fn arb_near_valid_text() -> impl Strategy<Value = String> {
        let edit = select(vec![
            None,
            Some('"'),
            Some('`'),
            Some('('),
            Some(')'),
            Some('['),
            Some(':'),
            Some('é'),
            Some(' '),
        ]);
        (arb_valid_text(), any::<prop::sample::Index>(), edit).prop_map(|(text, index, edit)| {
            let mut chars: Vec<char> = text.chars().collect();
            let at = index.index(chars.len() + 1);
            match edit {
                Some(c) => chars.insert(at, c),
                None if at < chars.len() => drop(chars.remove(at)),
                None => {}
            }
            chars.into_iter().collect()
        })
    }

    /// Parses without panicking; an error's span must lie in the input, and an
    /// accepted input must survive a trip through its rendering.
    fn check_any_input(input: &str) -> Result<(), TestCaseError> {
        match Filter::parse(input) {
            Ok(filter) => prop_assert_eq!(Filter::parse(&filter.render()), Ok(filter)),
            Err(err) => {
                prop_assert!(err.span().end <= input.len());
                prop_assert!(input.get(err.span()).is_some());
                prop_assert!(err.to_string().starts_with("failed to parse filter"));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn rendered_builder_filters_parse_back_equal(filter in arb_filter()) {
            prop_assert_eq!(Filter::parse(&filter.render()), Ok(filter));
        }

        #[test]
        fn noisy_valid_text_parses_and_round_trips(input in arb_valid_text()) {
            let filter = Filter::parse(&input);
            prop_assert!(filter.is_ok(), "{input:?}: {filter:?}");
            check_any_input(&input)?;
        }

        #[test]
        fn near_valid_text_never_panics(input in arb_near_valid_text()) {
            check_any_input(&input)?;
        }

        #[test]
        fn arbitrary_strings_never_panic(input in any::<String>()) {
            check_any_input(&input)?;
        }

        #[test]
        fn token_soup_never_panics(input in arb_token_soup()) {
            check_any_input(&input)?;
        }
    }
}
