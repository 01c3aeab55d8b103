//! The typed builder: one type per field, so only the tests that make sense for
//! a field exist.
//!
//! What the builder checks at run time, and why, is in the parent module's
//! "Building filters" section; the checks report the same kinds the parser
//! would for the same text.

use std::ops::{BitAnd, BitOr, Not, Range};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ast::{Clause, Comparison, Filter, State, TextValue, TimeMatch};
use super::error::{FilterError, FilterErrorKind};
use super::render::write_text;

impl Filter {
    /// Tests on the connector's `name`.
    pub fn name() -> TextField {
        TextField { field: TextFieldName::Name }
    }

    /// Tests on the connector's `description`.
    pub fn description() -> TextField {
        TextField { field: TextFieldName::Description }
    }

    /// Tests on the connector's `state`.
    pub fn state() -> StateField {
        StateField { _private: () }
    }

    /// Tests on the instant the connector last synced (`lastSyncedOn`).
    pub fn last_synced() -> LastSyncedField {
        LastSyncedField { _private: () }
    }

    /// Tests on the connector's UUID (`connector.uuid`).
    pub fn connector_uuid() -> UuidField {
        UuidField { _private: () }
    }

    /// Matches when both filters match; the same as `self & other`.
    pub fn and(self, other: Filter) -> Filter {
        Filter::all(vec![self, other])
    }

    /// Matches when either filter matches; the same as `self | other`.
    pub fn or(self, other: Filter) -> Filter {
        Filter::any(vec![self, other])
    }

    /// Matches when this filter does not; the same as `!self`.
    // `Not` is implemented too; this method saves callers importing it to chain
    // `.not()`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Filter {
        self.negate()
    }
}

impl BitAnd for Filter {
    type Output = Filter;

    fn bitand(self, other: Filter) -> Filter {
        self.and(other)
    }
}

impl BitOr for Filter {
    type Output = Filter;

    fn bitor(self, other: Filter) -> Filter {
        self.or(other)
    }
}

impl Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        self.negate()
    }
}

/// The builder for `name` or `description`, from [`Filter::name`] or
/// [`Filter::description`].
///
/// # Errors
///
/// Every method fails on an empty value or an empty list, and the exact ones on
/// a value that holds a backtick; see [building
/// filters](super#building-filters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextField {
    field: TextFieldName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextFieldName {
    Name,
    Description,
}

impl TextField {
    /// Matches a field that contains `text`, ignoring case: `name:"prod eu"`.
    ///
    /// # Example
    ///
    /// ```
    /// use totalcloud::filter::Filter;
    ///
    /// let filter = Filter::name().contains("prod eu")?;
    /// assert_eq!(filter.to_string(), r#"name:"prod eu""#);
    /// # Ok::<(), totalcloud::filter::FilterError>(())
    /// ```
    pub fn contains(self, text: impl Into<String>) -> Result<Filter, FilterError> {
        self.build(vec![TextValue::Contains(text.into())])
    }

    /// Matches a field equal to `text`: ``name:`prod` ``.
    pub fn exact(self, text: impl Into<String>) -> Result<Filter, FilterError> {
        self.build(vec![TextValue::Exact(text.into())])
    }

    /// Matches a field that contains any of `texts`, ignoring case:
    /// `name:[prod, staging]`.
    pub fn any_of<I>(self, texts: I) -> Result<Filter, FilterError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.build(texts.into_iter().map(|text| TextValue::Contains(text.into())).collect())
    }

    /// Matches a field equal to any of `texts`: ``name:[`prod`, `staging`]``.
    pub fn any_exact<I>(self, texts: I) -> Result<Filter, FilterError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.build(texts.into_iter().map(|text| TextValue::Exact(text.into())).collect())
    }

    fn build(self, values: Vec<TextValue>) -> Result<Filter, FilterError> {
        let (field, clause): (_, fn(_) -> _) = match self.field {
            TextFieldName::Name => ("name", Clause::Name),
            TextFieldName::Description => ("description", Clause::Description),
        };
        check_text_values(field, &values)?;
        Ok(Filter::from_clause(clause(values)))
    }
}

/// The builder for `state`, from [`Filter::state`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateField {
    _private: (),
}

impl StateField {
    /// Matches connectors in `state`: `state:SUCCESS`.
    pub fn is(self, state: State) -> Filter {
        Filter::from_clause(Clause::State(vec![state]))
    }

    /// Matches connectors in any of `states`: `state:[SUCCESS, ERROR]`.
    ///
    /// # Errors
    ///
    /// [`FilterErrorKind::ListEmpty`] when `states` is empty.
    pub fn any_of(self, states: impl IntoIterator<Item = State>) -> Result<Filter, FilterError> {
        let states: Vec<State> = states.into_iter().collect();
        check_not_empty("state", &states)?;
        Ok(Filter::from_clause(Clause::State(states)))
    }
}

/// The builder for `lastSynced`, from [`Filter::last_synced`].
///
/// Every method takes a [`DateTime<Utc>`], so an instant in another zone has to
/// be converted by the caller, and none can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastSyncedField {
    _private: (),
}

impl LastSyncedField {
    /// Matches a sync strictly after `at`: `lastSyncedOn > …`.
    pub fn after(self, at: DateTime<Utc>) -> Filter {
        compare(Comparison::After, at)
    }

    /// Matches a sync at or after `at`: `lastSyncedOn >= …`.
    pub fn at_or_after(self, at: DateTime<Utc>) -> Filter {
        compare(Comparison::AtOrAfter, at)
    }

    /// Matches a sync strictly before `at`: `lastSyncedOn < …`.
    pub fn before(self, at: DateTime<Utc>) -> Filter {
        compare(Comparison::Before, at)
    }

    /// Matches a sync at or before `at`: `lastSyncedOn <= …`.
    pub fn at_or_before(self, at: DateTime<Utc>) -> Filter {
        compare(Comparison::AtOrBefore, at)
    }

    /// Matches a sync at exactly `at`: `lastSyncedOn:…`.
    pub fn at(self, at: DateTime<Utc>) -> Filter {
        compare(Comparison::At, at)
    }

    /// Matches a sync from `start` to `end`, both included:
    /// `lastSyncedOn:[… .. …]`. A `start` after `end` matches nothing.
    pub fn between(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Filter {
        let time = TimeMatch::Between { start, end, inclusive: true };
        Filter::from_clause(Clause::LastSynced(time))
    }

    /// Matches a sync strictly between `start` and `end`:
    /// `lastSyncedOn:(… .. …)`.
    pub fn between_exclusive(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Filter {
        let time = TimeMatch::Between { start, end, inclusive: false };
        Filter::from_clause(Clause::LastSynced(time))
    }
}

/// The builder for `connector.uuid`, from [`Filter::connector_uuid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UuidField {
    _private: (),
}

impl UuidField {
    /// Matches the connector with `uuid`: `connector.uuid:…`.
    pub fn is(self, uuid: Uuid) -> Filter {
        Filter::from_clause(Clause::ConnectorUuid(vec![uuid]))
    }

    /// Matches the connectors with any of `uuids`: `connector.uuid:[…, …]`.
    ///
    /// # Errors
    ///
    /// [`FilterErrorKind::ListEmpty`] when `uuids` is empty.
    pub fn any_of(self, uuids: impl IntoIterator<Item = Uuid>) -> Result<Filter, FilterError> {
        let uuids: Vec<Uuid> = uuids.into_iter().collect();
        check_not_empty("connector.uuid", &uuids)?;
        Ok(Filter::from_clause(Clause::ConnectorUuid(uuids)))
    }
}

fn compare(comparison: Comparison, at: DateTime<Utc>) -> Filter {
    Filter::from_clause(Clause::LastSynced(TimeMatch::Compare(comparison, at)))
}

fn check_not_empty<T>(field: &str, values: &[T]) -> Result<(), FilterError> {
    if !values.is_empty() {
        return Ok(());
    }
    let span = field.len() + 1..field.len() + 3;
    Err(FilterError::build(FilterErrorKind::ListEmpty, format!("{field}:[]"), span))
}

/// Fails on the first text value the parser would refuse, pointing at it in the
/// clause as it would have been written.
fn check_text_values(field: &str, values: &[TextValue]) -> Result<(), FilterError> {
    check_not_empty(field, values)?;
    let found = values
        .iter()
        .enumerate()
        .find_map(|(index, value)| problem_in(value).map(|(kind, span)| (index, kind, span)));
    let Some((bad, kind, span)) = found else {
        return Ok(());
    };

    // `write_text` puts an exact value between backticks as it is, which is
    // exactly the broken text the user should see.
    let mut text = format!("{field}:");
    let mut bad_start = text.len();
    text.push_str(if values.len() > 1 { "[" } else { "" });
    for (index, value) in values.iter().enumerate() {
        text.push_str(if index > 0 { ", " } else { "" });
        if index == bad {
            bad_start = text.len();
        }
        let _ = write_text(&mut text, value);
    }
    text.push_str(if values.len() > 1 { "]" } else { "" });

    let span = bad_start + span.start..bad_start + span.end;
    Err(FilterError::build(kind, text, span))
}

/// What is wrong with one value, and where in its written form.
fn problem_in(value: &TextValue) -> Option<(FilterErrorKind, Range<usize>)> {
    match value {
        TextValue::Contains(text) | TextValue::Exact(text) if text.is_empty() => {
            Some((FilterErrorKind::ValueEmpty, 0..2))
        }
        TextValue::Exact(text) => {
            let at = text.find('`')?;
            Some((FilterErrorKind::ExactBacktick, 1 + at..2 + at))
        }
        TextValue::Contains(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, d, 0, 0, 0).unwrap()
    }

    fn parse(text: &str) -> Filter {
        Filter::parse(text).unwrap()
    }

    #[test]
    fn builder_equals_parser_for_each_field() {
        let uuid = Uuid::from_u128(0x123e4567_e89b_12d3_a456_426614174000);
        let pairs = [
            (Filter::name().contains("prod").unwrap(), "name:prod"),
            (Filter::name().exact("prod").unwrap(), "name:`prod`"),
            (Filter::description().any_of(["a", "b c"]).unwrap(), "description:[a, \"b c\"]"),
            (Filter::description().any_exact(["a"]).unwrap(), "description:`a`"),
            (Filter::state().is(State::Error), "state:error"),
            (
                Filter::state().any_of(State::ALL).unwrap(),
                "state:[SUCCESS, PENDING, REGIONS_DISCOVERED, ERROR]",
            ),
            (Filter::last_synced().after(day(1)), "lastSynced > 2024-06-01"),
            (Filter::last_synced().at_or_after(day(1)), "lastSynced >= 2024-06-01"),
            (Filter::last_synced().before(day(1)), "lastSynced < 2024-06-01"),
            (Filter::last_synced().at_or_before(day(1)), "lastSynced <= 2024-06-01"),
            (Filter::last_synced().at(day(1)), "lastSynced = 2024-06-01"),
            (Filter::last_synced().at(day(1)), "lastSynced:2024-06-01"),
            (
                Filter::last_synced().between(day(1), day(2)),
                "lastSynced:[2024-06-01 .. 2024-06-02]",
            ),
            (
                Filter::last_synced().between_exclusive(day(1), day(2)),
                "lastSynced:(2024-06-01 .. 2024-06-02)",
            ),
            (
                Filter::connector_uuid().is(uuid),
                "connector.uuid:123e4567-e89b-12d3-a456-426614174000",
            ),
            (
                Filter::connector_uuid().any_of([uuid]).unwrap(),
                "connector.uuid:[123e4567-e89b-12d3-a456-426614174000]",
            ),
        ];
        for (built, text) in pairs {
            assert_eq!(built, parse(text), "{text}");
        }
    }

    #[test]
    fn builder_combinators_flatten_like_the_parser() {
        let (a, b, c) = (
            Filter::state().is(State::Success),
            Filter::state().is(State::Error),
            Filter::name().contains("x").unwrap(),
        );
        assert_eq!(
            a.clone().and(b.clone().and(c.clone())),
            parse("state:SUCCESS AND state:ERROR AND name:x")
        );
        assert_eq!(
            a.clone() & b.clone() & c.clone(),
            parse("(state:SUCCESS AND state:ERROR) AND name:x")
        );
        assert_eq!(
            a.clone().or(b.clone()).or(c.clone()),
            parse("state:SUCCESS OR (state:ERROR OR name:x)")
        );
        assert_eq!(
            a.clone() | b.clone() & !c.clone(),
            parse("state:SUCCESS OR state:ERROR AND NOT name:x")
        );
        assert_eq!(a.clone().not().not(), parse("NOT NOT state:SUCCESS"));
    }

    #[test]
    fn builder_errors() {
        let errors = [
            Filter::name().contains("").unwrap_err(),
            Filter::name().exact("").unwrap_err(),
            Filter::description().any_of(Vec::<String>::new()).unwrap_err(),
            Filter::state().any_of([]).unwrap_err(),
            Filter::connector_uuid().any_of([]).unwrap_err(),
            Filter::name().exact("prod`eu").unwrap_err(),
            Filter::name().any_exact(["prod", "a`b`c"]).unwrap_err(),
            Filter::description().any_of(["fine", "", "also fine"]).unwrap_err(),
        ];
        let shown: Vec<String> = errors.iter().map(|err| err.to_string()).collect();
        insta::assert_snapshot!(shown.join("\n\n"), @r#"
        failed to build filter at line 1, column 6:
            name:""
                 ^^
        error: expected a value, but found an empty one

        failed to build filter at line 1, column 6:
            name:``
                 ^^
        error: expected a value, but found an empty one

        failed to build filter at line 1, column 13:
            description:[]
                        ^^
        error: expected a value between `[` and `]`, but found nothing

        failed to build filter at line 1, column 7:
            state:[]
                  ^^
        error: expected a value between `[` and `]`, but found nothing

        failed to build filter at line 1, column 16:
            connector.uuid:[]
                           ^^
        error: expected a value between `[` and `]`, but found nothing

        failed to build filter at line 1, column 11:
            name:`prod`eu`
                      ^
        error: an exact value cannot contain a backtick: QQL has no way to escape it

        failed to build filter at line 1, column 17:
            name:[`prod`, `a`b`c`]
                            ^
        error: an exact value cannot contain a backtick: QQL has no way to escape it

        failed to build filter at line 1, column 20:
            description:[fine, "", "also fine"]
                               ^^
        error: expected a value, but found an empty one
        "#);
    }

    #[test]
    fn builder_error_kinds_match_the_parser() {
        let built = Filter::name().contains("").unwrap_err();
        let parsed = Filter::parse("name:\"\"").unwrap_err();
        assert_eq!(
            (built.kind(), built.input(), built.span()),
            (parsed.kind(), parsed.input(), parsed.span())
        );

        let built = Filter::state().any_of([]).unwrap_err();
        let parsed = Filter::parse("state:[]").unwrap_err();
        assert_eq!(
            (built.kind(), built.input(), built.span()),
            (parsed.kind(), parsed.input(), parsed.span())
        );
    }

    #[test]
    fn builder_text_cannot_change_the_structure() {
        let hostile = "x\" OR state:ERROR OR name:\"y";
        let filter = Filter::name().contains(hostile).unwrap() & Filter::state().is(State::Success);
        assert_eq!(
            filter.to_string(),
            r#"name:"x\" OR state:ERROR OR name:\"y" AND state:SUCCESS"#
        );
        assert_eq!(parse(&filter.to_string()), filter);

        let exact = Filter::name().exact("x\" OR \\ name:\n").unwrap();
        assert_eq!(parse(&exact.to_string()), exact);
    }
}
