//! The error of a filter that cannot be parsed or built, with the span of the
//! problem.

use std::fmt;
use std::ops::Range;

/// A filter that was rejected, with what went wrong and where.
///
/// The parser reports the first problem it meets. The builder reports the same
/// kinds for the values it rejects (an empty value, an empty list, a backtick
/// in an exact value); its [`input`](FilterError::input) is then the clause as
/// it would have been written, and the span points into that text.
///
/// [`Display`](fmt::Display) shows the offending line with carets under the
/// span:
///
/// ```text
/// failed to parse filter at line 1, column 7:
///     state:SUCESS
///           ^^^^^^
/// error: expected a state (`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`), but found `SUCESS`
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    kind: FilterErrorKind,
    input: String,
    span: Range<usize>,
    stage: Stage,
}

/// Whether the error came from reading text or from the builder; only changes
/// the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Parse,
    Build,
}

/// What is wrong with a filter. Each variant names the subject first, then the
/// problem.
///
/// A `found` field holds the offending text as written (its message shortens
/// it); `None` means the input ended where something else was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The input is longer than 8192 bytes.
    InputTooLong {
        /// The length of the input in bytes.
        len: usize,
    },
    /// The input is empty or only whitespace.
    InputEmpty,
    /// A complete filter is followed by more text, as in
    /// `state:SUCCESS name:prod`.
    InputTrailing {
        /// The first token after the filter.
        found: String,
    },
    /// Parentheses and `NOT` are nested more than 64 levels deep.
    NestingTooDeep,
    /// Something other than a clause, `NOT` or `(` starts an operand.
    ClauseExpected {
        /// What was found instead.
        found: Option<String>,
    },
    /// `AND`, `OR` or `NOT` has no operand after it, as in `state:SUCCESS AND`.
    OperatorDangling {
        /// The operator as written.
        operator: String,
        /// What follows the operator.
        found: Option<String>,
    },
    /// A field is not followed by `:` or a comparison.
    OperatorMissing {
        /// The field as written.
        field: String,
        /// What follows the field.
        found: Option<String>,
    },
    /// A comparison (`>`, `>=`, `<`, `<=`, `=`) follows a field other than
    /// `lastSynced`.
    OperatorInvalid {
        /// The field as written.
        field: String,
        /// The comparison as written.
        operator: String,
    },
    /// A group holds nothing: `()`.
    GroupEmpty,
    /// A group is not closed by `)`.
    GroupUnclosed {
        /// What was found where `)` could go.
        found: Option<String>,
    },
    /// The field is not one of `name`, `description`, `state`, `lastSynced`,
    /// `lastSyncedOn` or `connector.uuid`.
    FieldUnknown {
        /// The field as written.
        found: String,
        /// The known field the author most likely meant, if any is close.
        suggestion: Option<&'static str>,
    },
    /// A value is missing, as in `name:` or `state:[SUCCESS,]`.
    ValueMissing {
        /// What was found where the value should be.
        found: Option<String>,
    },
    /// A value is empty: `""` or two backticks.
    ValueEmpty,
    /// A bare value is a keyword, as in `name:AND`; quoting it makes it a
    /// value.
    ValueKeyword {
        /// The keyword as written.
        found: String,
    },
    /// A quoted value or a backtick value has no closing quote.
    ValueUnclosed {
        /// The quote that opened the value: `"` or `` ` ``.
        quote: char,
    },
    /// A backslash in a quoted value is followed by something other than `"` or
    /// `\`.
    EscapeInvalid {
        /// The escape as written, backslash included.
        found: String,
    },
    /// A bare value uses the wildcard `*` or `?`, which is not supported.
    WildcardUnsupported {
        /// The wildcard character.
        found: char,
    },
    /// A `state` value is none of `SUCCESS`, `PENDING`, `REGIONS_DISCOVERED`
    /// and `ERROR`.
    StateUnknown {
        /// The value as written.
        found: String,
    },
    /// A `connector.uuid` value is not a UUID.
    UuidInvalid {
        /// The value as written.
        found: String,
    },
    /// A list holds no value: `[]`.
    ListEmpty,
    /// A list is not closed by `]`.
    ListUnclosed {
        /// What was found where `,` or `]` could go.
        found: Option<String>,
    },
    /// A comparison is followed by a list or range, as in
    /// `lastSynced > [a, b]`.
    ListOnComparison {
        /// The comparison as written.
        operator: String,
    },
    /// `lastSynced` is given a list, as in `lastSynced:[a, b]`; it takes ranges
    /// only.
    ListUnsupported {
        /// The field as written.
        field: String,
    },
    /// A field other than `lastSynced` is given a range, as in `name:[a .. b]`.
    RangeUnsupported {
        /// The field as written.
        field: String,
    },
    /// The two bounds of a range are not separated by `..`.
    RangeSeparatorMissing {
        /// What was found where `..` should be.
        found: Option<String>,
    },
    /// A range is not closed by the bracket matching its opening one.
    RangeUnclosed {
        /// The expected closing bracket: `]` or `)`.
        close: char,
        /// What was found instead.
        found: Option<String>,
    },
    /// A `lastSynced` value is not shaped like a date or an RFC 3339 date-time.
    InstantMalformed {
        /// The value as written.
        found: String,
    },
    /// A date is well formed but does not exist, such as `2024-02-30`.
    DateInvalid {
        /// The date as written.
        found: String,
    },
    /// A time of day is well formed but does not exist, such as `24:00:00`.
    TimeInvalid {
        /// The time of day as written.
        found: String,
    },
    /// A date-time has no offset, so it is ambiguous.
    TimeOffsetMissing {
        /// The date-time as written.
        found: String,
    },
    /// A date-time has an offset other than `Z` or `+00:00`.
    TimeNotUtc {
        /// The offset as written.
        offset: String,
    },
    /// An exact value given to the builder contains a backtick, which QQL
    /// cannot escape.
    ExactBacktick,
}

impl FilterError {
    /// An error found while parsing `input`.
    pub(crate) fn parse(kind: FilterErrorKind, input: &str, span: Range<usize>) -> FilterError {
        FilterError::new(kind, input.to_owned(), span, Stage::Parse)
    }

    /// An error found by the builder; `input` is the clause as it would have
    /// been written.
    pub(crate) fn build(kind: FilterErrorKind, input: String, span: Range<usize>) -> FilterError {
        FilterError::new(kind, input, span, Stage::Build)
    }

    fn new(kind: FilterErrorKind, input: String, span: Range<usize>, stage: Stage) -> FilterError {
        let span = clamp_span(&input, span);
        FilterError { kind, input, span, stage }
    }

    /// What went wrong.
    pub fn kind(&self) -> &FilterErrorKind {
        &self.kind
    }

    /// The text that was rejected: the parser's input, or the builder's clause
    /// as it would have been written.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The byte range of [`input`](FilterError::input) that is wrong. It is
    /// empty when the problem is that the input ended, and always lies on
    /// character boundaries.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The 1-based line on which the span starts.
    pub fn line(&self) -> usize {
        1 + self.input[..self.span.start].matches('\n').count()
    }

    /// The 1-based column at which the span starts, counted in characters.
    pub fn column(&self) -> usize {
        let before = &self.input[..self.span.start];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        1 + before[line_start..].chars().count()
    }
}

impl std::error::Error for FilterError {}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Parse => "parse",
            Stage::Build => "build",
        };

        // An excerpt of nothing would only show a lone caret.
        if self.input.trim().is_empty() {
            return write!(f, "failed to {stage} filter: {}", self.kind);
        }

        let excerpt = Excerpt::new(&self.input, self.span.clone());
        writeln!(f, "failed to {stage} filter at line {}, column {}:", self.line(), self.column())?;
        writeln!(f, "    {}", excerpt.text)?;
        writeln!(f, "    {}{}", " ".repeat(excerpt.pad), "^".repeat(excerpt.carets))?;
        write!(f, "error: {}", self.kind)
    }
}

impl fmt::Display for FilterErrorKind {
    /// One exhaustive match, so that a new kind cannot be left without a
    /// message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FilterErrorKind::*;

        const STATES: &str = "(`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`)";
        const FIELDS: &str = "`name`, `description`, `state`, `lastSynced` or `connector.uuid`";
        const INSTANT: &str = "`2024-06-01` or `2024-06-01T12:00:00Z`";
        const UTC: &str = "lastSynced must be in UTC: expected `Z` or `+00:00`";

        match self {
            InputTooLong { len } => {
                write!(f, "filter too long: expected at most 8192 bytes, but found {len}")
            }
            InputEmpty => {
                f.write_str("expected a clause such as `state:SUCCESS`, but found nothing")
            }
            InputTrailing { found } => {
                write!(f, "expected `AND`, `OR` or end of input, but found {}", Quoted(found))
            }
            NestingTooDeep => {
                f.write_str("nesting too deep: expected at most 64 levels of parentheses and `NOT`")
            }
            ClauseExpected { found } => {
                write!(f, "expected a clause such as `state:SUCCESS`, but found {}", Found(found))
            }
            OperatorDangling { operator, found } => {
                let (operator, found) = (Quoted(operator), Found(found));
                write!(f, "expected a clause after {operator}, but found {found}")
            }
            OperatorMissing { field, found } => {
                let expected = if field.starts_with("lastSynced") {
                    "`:` or a comparison (`>`, `>=`, `<`, `<=`, `=`)"
                } else {
                    "`:`"
                };
                let (field, found) = (Quoted(field), Found(found));
                write!(f, "expected {expected} after {field}, but found {found}")
            }
            OperatorInvalid { field, operator } => {
                let (field, operator) = (Quoted(field), Quoted(operator));
                write!(
                    f,
                    "expected `:` after {field}, but found {operator}: comparisons only apply \
                     to `lastSynced`",
                )
            }
            GroupEmpty => f.write_str("expected a clause between `(` and `)`, but found nothing"),
            GroupUnclosed { found: None } => {
                f.write_str("unclosed group: expected `)`, but found end of input")
            }
            GroupUnclosed { found: Some(found) } => {
                write!(f, "expected `AND`, `OR` or `)`, but found {}", Quoted(found))
            }
            FieldUnknown { found, suggestion: Some(known) } => {
                write!(f, "unknown field {}: did you mean {}?", Quoted(found), Quoted(known))
            }
            FieldUnknown { found, suggestion: None } => {
                write!(f, "unknown field {}: expected {FIELDS}", Quoted(found))
            }
            ValueMissing { found } => write!(f, "expected a value, but found {}", Found(found)),
            ValueEmpty => f.write_str("expected a value, but found an empty one"),
            ValueKeyword { found } => write!(
                f,
                "expected a value, but found the keyword {}: quote it to search for the word",
                Quoted(found),
            ),
            ValueUnclosed { quote } => write!(
                f,
                "unclosed value: expected a closing {}, but found end of input",
                Quoted(quote.encode_utf8(&mut [0; 4])),
            ),
            EscapeInvalid { found } => {
                write!(f, "unknown escape {}: expected `\\\"` or `\\\\`", Quoted(found))
            }
            WildcardUnsupported { found } => write!(
                f,
                "wildcard {} is not supported: a value already matches any text that \
                 contains it",
                Quoted(found.encode_utf8(&mut [0; 4])),
            ),
            StateUnknown { found } => {
                write!(f, "expected a state {STATES}, but found {}", Quoted(found))
            }
            UuidInvalid { found } => write!(
                f,
                "expected a UUID such as `123e4567-e89b-12d3-a456-426614174000`, but found {}",
                Quoted(found),
            ),
            ListEmpty => f.write_str("expected a value between `[` and `]`, but found nothing"),
            ListUnclosed { found: None } => {
                f.write_str("unclosed list: expected `]`, but found end of input")
            }
            ListUnclosed { found: Some(found) } => {
                write!(f, "expected `,` or `]`, but found {}", Quoted(found))
            }
            ListOnComparison { operator } => write!(
                f,
                "expected one instant after {}, but found a list: use a range such as \
                 `lastSynced:[a .. b]` instead",
                Quoted(operator),
            ),
            ListUnsupported { field } => write!(
                f,
                "lists are not supported for {}: use a range such as `[a .. b]`, or join \
                 clauses with `OR`",
                Quoted(field),
            ),
            RangeUnsupported { field } => write!(
                f,
                "ranges are not supported for {}: only `lastSynced` takes `[a .. b]`",
                Quoted(field),
            ),
            RangeSeparatorMissing { found } => {
                write!(f, "expected `..` between the bounds of a range, but found {}", Found(found))
            }
            RangeUnclosed { close, found: None } => write!(
                f,
                "unclosed range: expected {}, but found end of input",
                Quoted(close.encode_utf8(&mut [0; 4])),
            ),
            RangeUnclosed { close, found: Some(found) } => write!(
                f,
                "expected {} to close the range, but found {}",
                Quoted(close.encode_utf8(&mut [0; 4])),
                Quoted(found),
            ),
            InstantMalformed { found } => {
                write!(f, "expected an instant such as {INSTANT}, but found {}", Quoted(found))
            }
            DateInvalid { found } => {
                write!(f, "expected a date that exists, but found {}", Quoted(found))
            }
            TimeInvalid { found } => write!(
                f,
                "expected a time of day from `00:00:00` to `23:59:60`, but found {}",
                Quoted(found),
            ),
            TimeOffsetMissing { .. } => write!(f, "{UTC} after the time, but found no offset"),
            TimeNotUtc { offset } => write!(f, "{UTC}, but found {}", Quoted(offset)),
            ExactBacktick => {
                f.write_str("an exact value cannot contain a backtick: QQL has no way to escape it")
            }
        }
    }
}

/// Writes text from the input in backticks, escaping control characters and
/// shortening it to 40 characters, so a message stays one readable line
/// whatever the input holds.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX_CHARS: usize = 40;

        let mut text = String::new();
        for (count, c) in self.0.chars().enumerate() {
            if count == MAX_CHARS {
                text.push('…');
                break;
            }
            push_visible(&mut text, c);
        }

        // Markdown's rule: a code span holding a backtick takes double
        // backticks and spaces.
        if text.contains('`') {
            write!(f, "`` {text} ``")
        } else {
            write!(f, "`{text}`")
        }
    }
}

/// Writes what was found: quoted text, or `end of input` for `None`.
struct Found<'a>(&'a Option<String>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(found) => Quoted(found).fmt(f),
            None => f.write_str("end of input"),
        }
    }
}

/// Pushes `c`, or an escape for it when it is a control character that would
/// garble a terminal line.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if c.is_control() => out.extend(c.escape_unicode()),
        c => out.push(c),
    }
}

/// One line of the input, cut to fit a terminal, with where the carets go under
/// it.
///
/// Widths are counted in characters, so a line holding double-width characters
/// (CJK, emoji) gets its carets a little to the left; the line and column in
/// the header stay exact.
struct Excerpt {
    text: String,
    pad: usize,
    carets: usize,
}

impl Excerpt {
    /// The most characters shown of one line, and how many of them precede the
    /// span when the line has to be cut.
    const WIDTH: usize = 76;
    const CONTEXT: usize = 24;

    fn new(input: &str, span: Range<usize>) -> Excerpt {
        let line_start = input[..span.start].rfind('\n').map_or(0, |at| at + 1);
        let line_end = input[span.start..].find('\n').map_or(input.len(), |at| span.start + at);
        let line = &input[line_start..line_end];
        let (start, end) = (span.start - line_start, span.end.min(line_end) - line_start);

        // Each character as shown, with whether it lies under the span.
        let mut cells: Vec<(String, bool)> = Vec::new();
        for (at, c) in line.char_indices() {
            let mut shown = String::new();
            push_visible(&mut shown, c);
            cells.push((shown, (start..end).contains(&at)));
        }
        let before = line[..start].chars().count();
        Excerpt::cut(cells, before)
    }

    /// Lays out `cells`, of which the first `before` precede the span, keeping
    /// the span in view.
    fn cut(cells: Vec<(String, bool)>, before: usize) -> Excerpt {
        // `edge[i]` is the width of the first `i` cells.
        let mut edge = vec![0];
        for (shown, _) in &cells {
            edge.push(edge[edge.len() - 1] + shown.chars().count());
        }
        let width = |range: Range<usize>| edge[range.end] - edge[range.start];

        // Drop characters before the span until only some context is left, then
        // from the end until the line fits.
        let mut first = 0;
        let mut last = cells.len();
        if width(0..last) > Excerpt::WIDTH {
            while first < before && width(first..before) > Excerpt::CONTEXT {
                first += 1;
            }
            while last > first && width(first..last) > Excerpt::WIDTH {
                last -= 1;
            }
        }

        let mut text = String::new();
        if first > 0 {
            text.push('…');
        }
        cells[first..last].iter().for_each(|cell| text.push_str(&cell.0));
        if last < cells.len() {
            text.push('…');
        }

        let pad = usize::from(first > 0) + width(first..before.max(first));
        let under = cells[before.min(last)..last].iter().filter(|cell| cell.1);
        let carets: usize = under.map(|cell| cell.0.chars().count()).sum();
        Excerpt { text: text.trim_end().to_owned(), pad, carets: carets.max(1) }
    }
}

/// Narrows `span` to `input` and widens it to character boundaries, so slicing
/// never panics.
fn clamp_span(input: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(input.len());
    while !input.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, input.len());
    while !input.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(input: &str, span: Range<usize>) -> FilterError {
        FilterError::parse(FilterErrorKind::ValueEmpty, input, span)
    }

    #[test]
    fn span_is_clamped_to_char_boundaries() {
        let err = error("name:\"é\"", 6..7);
        assert_eq!(err.span(), 6..8);
        let err = error("abc", 2..99);
        assert_eq!(err.span(), 2..3);
        #[allow(clippy::reversed_empty_ranges)] // A reversed span must not panic either.
        let err = error("é", 1..0);
        assert_eq!(err.span(), 0..0);
    }

    #[test]
    fn line_and_column_count_characters() {
        let err = error("state:SUCCESS\nAND name:\"é\" AND x", 28..31);
        assert_eq!((err.line(), err.column()), (2, 14));
        let err = error("ééé", 4..6);
        assert_eq!((err.line(), err.column()), (1, 3));
    }

    #[test]
    fn excerpt_shows_only_the_line_of_the_span() {
        let err = error("state:SUCCESS\nAND name:\"\"\nOR x", 23..25);
        insta::assert_snapshot!(err, @r#"
        failed to parse filter at line 2, column 10:
            AND name:""
                     ^^
        error: expected a value, but found an empty one
        "#);
    }

    #[test]
    fn excerpt_escapes_control_characters() {
        let err = error("name:\"\t\u{1b}\" AND \"\"", 14..16);
        insta::assert_snapshot!(err, @r#"
        failed to parse filter at line 1, column 15:
            name:"\t\u{1b}" AND ""
                                ^^
        error: expected a value, but found an empty one
        "#);
    }

    #[test]
    fn excerpt_cuts_a_long_line_around_the_span() {
        let input = format!("name:{} AND name:\"\" AND {}", "a".repeat(100), "b".repeat(100));
        let err = error(&input, 115..117);
        insta::assert_snapshot!(err, @r#"
        failed to parse filter at line 1, column 116:
            …aaaaaaaaaaaaaa AND name:"" AND bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb…
                                     ^^
        error: expected a value, but found an empty one
        "#);
    }

    #[test]
    fn excerpt_puts_an_empty_span_after_the_last_character() {
        let err = FilterError::parse(FilterErrorKind::ValueMissing { found: None }, "name:", 5..5);
        insta::assert_snapshot!(err, @r"
        failed to parse filter at line 1, column 6:
            name:
                 ^
        error: expected a value, but found end of input
        ");
    }

    #[test]
    fn quoted_text_escapes_shortens_and_guards_backticks() {
        assert_eq!(Quoted("a\nb").to_string(), "`a\\nb`");
        assert_eq!(Quoted("a`b").to_string(), "`` a`b ``");
        assert_eq!(Quoted(&"x".repeat(50)).to_string(), format!("`{}…`", "x".repeat(40)));
    }
}
