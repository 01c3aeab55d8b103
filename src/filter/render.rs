//! Writing a [`Filter`] as canonical QQL text, the form sent as the `filter`
//! query parameter.

use std::fmt::{self, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use uuid::Uuid;

use super::ast::{Clause, Comparison, Filter, FilterKind, TextValue, TimeMatch};

/// How tightly a node binds; an operand binding less tightly than its place
/// needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Binding {
    Or,
    And,
    Not,
    Clause,
}

impl Filter {
    /// The canonical text of the filter; the same as its
    /// [`Display`](fmt::Display) output.
    ///
    /// # Example
    ///
    /// ```
    /// use totalcloud::filter::Filter;
    ///
    /// let filter = Filter::parse("not (state:error or state:pending) and lastSynced>2024-06-01")?;
    /// assert_eq!(
    ///     filter.render(),
    ///     "NOT (state:ERROR OR state:PENDING) AND lastSyncedOn > 2024-06-01T00:00:00Z",
    /// );
    /// # Ok::<(), totalcloud::filter::FilterError>(())
    /// ```
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(96);
        let _ = write_filter(&mut out, self);
        out
    }

    fn binding(&self) -> Binding {
        match self.kind() {
            FilterKind::Or(_) => Binding::Or,
            FilterKind::And(_) => Binding::And,
            FilterKind::Not(_) => Binding::Not,
            FilterKind::Clause(_) => Binding::Clause,
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self)
    }
}

/// Writes `filter`. Generic over the writer so that [`Filter::render`] fills
/// its `String` directly rather than through a `Formatter`.
fn write_filter<W: Write>(out: &mut W, filter: &Filter) -> fmt::Result {
    match filter.kind() {
        FilterKind::Clause(clause) => write_clause(out, clause),
        FilterKind::And(operands) => write_joined(out, operands, " AND ", Binding::And),
        FilterKind::Or(operands) => write_joined(out, operands, " OR ", Binding::Or),
        FilterKind::Not(operand) => {
            out.write_str("NOT ")?;
            write_operand(out, operand, Binding::Not)
        }
    }
}

fn write_joined<W: Write>(
    out: &mut W,
    operands: &[Filter],
    keyword: &str,
    place: Binding,
) -> fmt::Result {
    for (index, operand) in operands.iter().enumerate() {
        if index > 0 {
            out.write_str(keyword)?;
        }
        write_operand(out, operand, place)?;
    }
    Ok(())
}

/// Writes `operand`, in parentheses when it binds less tightly than `place`
/// requires.
fn write_operand<W: Write>(out: &mut W, operand: &Filter, place: Binding) -> fmt::Result {
    if operand.binding() >= place {
        return write_filter(out, operand);
    }
    out.write_char('(')?;
    write_filter(out, operand)?;
    out.write_char(')')
}

fn write_clause<W: Write>(out: &mut W, clause: &Clause) -> fmt::Result {
    match clause {
        Clause::Name(values) => write_list(out, "name:", values, write_text),
        Clause::Description(values) => write_list(out, "description:", values, write_text),
        Clause::State(states) => {
            write_list(out, "state:", states, |out, state| out.write_str(state.as_str()))
        }
        Clause::ConnectorUuid(uuids) => write_list(out, "connector.uuid:", uuids, |out, uuid| {
            out.write_str(uuid.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
        }),
        Clause::LastSynced(time) => write_time(out, time),
    }
}

/// Writes `prefix`, then the only value bare or several as `[a, b]`.
fn write_list<W: Write, T>(
    out: &mut W,
    prefix: &str,
    values: &[T],
    write_value: impl Fn(&mut W, &T) -> fmt::Result,
) -> fmt::Result {
    out.write_str(prefix)?;
    if let [only] = values {
        return write_value(out, only);
    }

    out.write_char('[')?;
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.write_str(", ")?;
        }
        write_value(out, value)?;
    }
    out.write_char(']')
}

/// The field is written `lastSyncedOn`: that is the spelling of the response
/// field and of the `sort` key, and the one public client code checks filters
/// against.
fn write_time<W: Write>(out: &mut W, time: &TimeMatch) -> fmt::Result {
    match *time {
        TimeMatch::Compare(Comparison::At, at) => {
            out.write_str("lastSyncedOn:")?;
            write_instant(out, at)
        }
        TimeMatch::Compare(comparison, at) => {
            write!(out, "lastSyncedOn {} ", comparison.as_str())?;
            write_instant(out, at)
        }
        TimeMatch::Between { start, end, inclusive } => {
            let (open, close) = if inclusive { ('[', ']') } else { ('(', ')') };
            write!(out, "lastSyncedOn:{open}")?;
            write_instant(out, start)?;
            out.write_str(" .. ")?;
            write_instant(out, end)?;
            out.write_char(close)
        }
    }
}

/// Writes a text value bare when that reads back as the same value, else
/// quoted.
///
/// An exact value goes between backticks as it is: the builder and the parser
/// both refuse exact values that hold a backtick, so the text cannot end the
/// value early.
pub(crate) fn write_text<W: Write>(out: &mut W, value: &TextValue) -> fmt::Result {
    match value {
        TextValue::Contains(text) if is_bare(text) => out.write_str(text),
        TextValue::Contains(text) => write_quoted(out, text),
        TextValue::Exact(text) => write!(out, "`{text}`"),
    }
}

/// Whether `text` can be written without quotes: `[A-Za-z0-9_.-]+`, not a
/// keyword, and free of `..` (which would read as a range).
fn is_bare(text: &str) -> bool {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    !text.is_empty()
        && text.bytes().all(plain)
        && !text.contains("..")
        && !super::parse::is_keyword(text)
}

/// Writes `text` in double quotes, escaping `"` and `\`; every other character,
/// newlines and control characters included, stands for itself.
fn write_quoted<W: Write>(out: &mut W, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.write_char('\\')?;
        }
        out.write_char(c)?;
    }
    out.write_char('"')
}

/// Writes an instant as `YYYY-MM-DDTHH:MM:SSZ`, with a fraction only when it is
/// not zero and then with no trailing zeros.
///
/// A year outside `0000`–`9999` gets a sign (`+10000`, `-0001`), as ISO 8601's
/// expanded form does; a leap second is written as second `60`.
fn write_instant<W: Write>(out: &mut W, at: DateTime<Utc>) -> fmt::Result {
    let at = at.naive_utc();
    match u32::try_from(at.year()) {
        Ok(year) if year <= 9999 => write_digits(out, year, 4)?,
        _ => write!(out, "{:+05}", at.year())?,
    }
    out.write_char('-')?;
    write_digits(out, at.month(), 2)?;
    out.write_char('-')?;
    write_digits(out, at.day(), 2)?;
    out.write_char('T')?;
    write_digits(out, at.hour(), 2)?;
    out.write_char(':')?;
    write_digits(out, at.minute(), 2)?;
    out.write_char(':')?;

    // chrono keeps a leap second as second 59 with a nanosecond count past one
    // second.
    let (second, nanos) = match at.nanosecond() {
        nanos @ 1_000_000_000.. => (60, nanos - 1_000_000_000),
        nanos => (at.second(), nanos),
    };
    write_digits(out, second, 2)?;
    if nanos > 0 {
        let zeros = (0..9).take_while(|&power| nanos % 10u32.pow(power + 1) == 0).count() as u32;
        out.write_char('.')?;
        write_digits(out, nanos / 10u32.pow(zeros), 9 - zeros)?;
    }
    out.write_char('Z')
}

/// Writes the last `width` decimal digits of `value`, padded with zeros.
fn write_digits<W: Write>(out: &mut W, value: u32, width: u32) -> fmt::Result {
    for power in (0..width).rev() {
        let digit = (value / 10u32.pow(power) % 10) as u8;
        out.write_char(char::from(b'0' + digit))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::filter::State;

    fn render(input: &str) -> String {
        match Filter::parse(input) {
            Ok(filter) => filter.render(),
            Err(err) => format!("{err}"),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn render_canonical_forms() {
        let cases = [
            "state:success",
            "state : [success,error,  pending]",
            "state:[REGIONS_DISCOVERED]",
            "name:prod",
            "name:\"prod account\"",
            "name:`prod`",
            "name:[a, \"b c\", `d`]",
            "description:\"say \\\"hi\\\" \\\\ bye\"",
            "name:\"and\"",
            "name:\"a..b\"",
            "name:é",
            "lastSynced>2024-01-01",
            "lastSyncedOn >= 2024-06-01T12:30:00+00:00",
            "lastSynced < 2024-06-01T12:30:00.500Z",
            "lastSynced <= 2024-06-01t12:30:00.000000001z",
            "lastSynced = 2024-06-01",
            "lastSynced:2024-06-01",
            "lastSynced:[2024-01-01..2024-02-01]",
            "lastSynced:( 2024-01-01 .. 2024-02-01T00:00:00.25Z )",
            "connector.uuid:123E4567-E89B-12D3-A456-426614174000",
            "connector.uuid:[\"123e4567e89b12d3a456426614174000\", 00000000-0000-0000-0000-000000000000]",
        ];
        let rendered: Vec<String> = cases.iter().map(|case| render(case)).collect();
        insta::assert_snapshot!(rendered.join("\n"), @r#"
        state:SUCCESS
        state:[SUCCESS, ERROR, PENDING]
        state:REGIONS_DISCOVERED
        name:prod
        name:"prod account"
        name:`prod`
        name:[a, "b c", `d`]
        description:"say \"hi\" \\ bye"
        name:"and"
        name:"a..b"
        name:"é"
        lastSyncedOn > 2024-01-01T00:00:00Z
        lastSyncedOn >= 2024-06-01T12:30:00Z
        lastSyncedOn < 2024-06-01T12:30:00.5Z
        lastSyncedOn <= 2024-06-01T12:30:00.000000001Z
        lastSyncedOn:2024-06-01T00:00:00Z
        lastSyncedOn:2024-06-01T00:00:00Z
        lastSyncedOn:[2024-01-01T00:00:00Z .. 2024-02-01T00:00:00Z]
        lastSyncedOn:(2024-01-01T00:00:00Z .. 2024-02-01T00:00:00.25Z)
        connector.uuid:123e4567-e89b-12d3-a456-426614174000
        connector.uuid:[123e4567-e89b-12d3-a456-426614174000, 00000000-0000-0000-0000-000000000000]
        "#);
    }

    #[test]
    fn render_parenthesises_only_where_precedence_needs_it() {
        let cases = [
            "state:error OR state:pending AND name:a",
            "(state:error OR state:pending) AND name:a",
            "state:error AND (name:a AND (name:b AND name:c))",
            "((state:error OR name:a) OR name:b)",
            "NOT state:error",
            "not not state:error",
            "NOT (state:error AND name:a)",
            "NOT (state:error) AND name:a",
            "(NOT state:error OR name:a) AND NOT (name:b OR name:c)",
        ];
        let rendered: Vec<String> = cases.iter().map(|case| render(case)).collect();
        insta::assert_snapshot!(rendered.join("\n"), @"
        state:ERROR OR state:PENDING AND name:a
        (state:ERROR OR state:PENDING) AND name:a
        state:ERROR AND name:a AND name:b AND name:c
        state:ERROR OR name:a OR name:b
        NOT state:ERROR
        NOT NOT state:ERROR
        NOT (state:ERROR AND name:a)
        NOT state:ERROR AND name:a
        (NOT state:ERROR OR name:a) AND NOT (name:b OR name:c)
        ");
    }

    #[test]
    fn render_quotes_every_value_that_would_not_read_back() {
        let values =
            ["", "a b", "NOT", "Or", "x*", "é", "a\"b", "a\\b", "line\nbreak", "..", "a:b"];
        let rendered: Vec<String> = values
            .iter()
            .map(|value| {
                let mut out = String::new();
                write_text(&mut out, &TextValue::Contains(value.to_string())).unwrap();
                out
            })
            .collect();
        insta::assert_snapshot!(rendered.join("\n"), @r#"
        ""
        "a b"
        "NOT"
        "Or"
        "x*"
        "é"
        "a\"b"
        "a\\b"
        "line
        break"
        ".."
        "a:b"
        "#);
    }

    #[test]
    fn render_instants_in_canonical_utc() {
        let instants = [
            at("2024-06-01T00:00:00Z"),
            at("2024-06-01T12:34:56.100Z"),
            at("2024-06-01T12:34:56.000001Z"),
            at("2016-12-31T23:59:60.5Z"),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
        ];
        let rendered: Vec<String> = instants
            .iter()
            .map(|at| {
                let mut out = String::new();
                write_instant(&mut out, *at).unwrap();
                out
            })
            .collect();
        insta::assert_snapshot!(rendered.join("\n"), @"
        2024-06-01T00:00:00Z
        2024-06-01T12:34:56.1Z
        2024-06-01T12:34:56.000001Z
        2016-12-31T23:59:60.5Z
        +10000-01-01T00:00:00Z
        -0001-01-01T00:00:00Z
        ");
    }

    #[test]
    fn render_builder_filters() {
        let filter = Filter::state().any_of([State::Success, State::Error]).unwrap()
            & Filter::name().contains("prod account").unwrap()
            & Filter::last_synced().at_or_after(at("2024-06-01T00:00:00Z"));
        insta::assert_snapshot!(filter, @r#"state:[SUCCESS, ERROR] AND name:"prod account" AND lastSyncedOn >= 2024-06-01T00:00:00Z"#);
    }
}
