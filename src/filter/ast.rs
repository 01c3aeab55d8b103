//! The syntax tree of a filter, and the connector [`State`] a filter can name.
//!
//! A [`Filter`] can only be made by the parser or the typed builder, so the
//! tree always holds the invariants the renderer relies on: lists are never
//! empty, `And` and `Or` always join two or more operands, and an operand of
//! `And` is never itself an `And` (likewise for `Or`). That last rule is what
//! makes `a AND (b AND c)`, `(a AND b) AND c` and `a.and(b.and(c))` one and the
//! same value.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A filter over connectors: a tree of clauses joined by `AND`, `OR` and `NOT`.
///
/// Build one with the typed builder ([`Filter::state`], [`Filter::name`], …) or
/// parse one from text with [`Filter::parse`]. Both routes give equal values
/// for equal expressions, and [`Display`](fmt::Display) writes the canonical
/// text that the service receives.
///
/// # Example
///
/// ```
/// use totalcloud::filter::{Filter, State};
///
/// let built = Filter::state().is(State::Success) & Filter::name().contains("prod")?;
/// let parsed: Filter = "state:success AND name:prod".parse()?;
/// assert_eq!(built, parsed);
/// assert_eq!(built.to_string(), "state:SUCCESS AND name:prod");
/// # Ok::<(), totalcloud::filter::FilterError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Filter {
    kind: FilterKind,
}

/// The shape of one node of a [`Filter`], as returned by [`Filter::kind`].
///
/// The tree is read-only: a `FilterKind` cannot be turned back into a
/// [`Filter`], so the invariants documented on each variant always hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// A single test on one field, such as `state:SUCCESS`.
    Clause(Clause),
    /// Matches when every operand matches. Holds two or more operands, none of
    /// them an `And`.
    And(Vec<Filter>),
    /// Matches when any operand matches. Holds two or more operands, none of
    /// them an `Or`.
    Or(Vec<Filter>),
    /// Matches when the operand does not.
    Not(Box<Filter>),
}

/// A test on one connector field.
///
/// Every list holds at least one value and matches when any of its values
/// matches; a list of one value is the same clause as that value alone
/// (`state:[ERROR]` is `state:ERROR`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Clause {
    /// The `name` field.
    Name(Vec<TextValue>),
    /// The `description` field.
    Description(Vec<TextValue>),
    /// The `state` field.
    State(Vec<State>),
    /// The `lastSyncedOn` field (written `lastSynced` or `lastSyncedOn`).
    LastSynced(TimeMatch),
    /// The `connector.uuid` field.
    ConnectorUuid(Vec<Uuid>),
}

/// A value tested against a text field.
///
/// Whether the value was written bare (`prod`) or quoted (`"prod eu"`) is not
/// kept: both are [`TextValue::Contains`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TextValue {
    /// Matches a field that contains the text, ignoring case. Never empty.
    Contains(String),
    /// Matches a field equal to the text (written in backticks). Never empty
    /// and never holds a backtick, which QQL cannot express inside backticks.
    Exact(String),
}

impl TextValue {
    /// The text of the value, without quotes or escapes.
    pub fn as_str(&self) -> &str {
        match self {
            TextValue::Contains(text) | TextValue::Exact(text) => text,
        }
    }
}

/// A test on the `lastSyncedOn` instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeMatch {
    /// Compares the field with one instant.
    Compare(Comparison, DateTime<Utc>),
    /// Matches an instant between two bounds. A range whose start is after its
    /// end matches nothing.
    Between {
        /// The lower bound.
        start: DateTime<Utc>,
        /// The upper bound.
        end: DateTime<Utc>,
        /// Whether the bounds themselves match (`[a .. b]`) or not
        /// (`(a .. b)`).
        inclusive: bool,
    },
}

/// How a [`TimeMatch::Compare`] relates the field to its instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Strictly before: `<`.
    Before,
    /// Before or at: `<=`.
    AtOrBefore,
    /// At exactly: `=`, or `:`.
    At,
    /// At or after: `>=`.
    AtOrAfter,
    /// Strictly after: `>`.
    After,
}

impl Comparison {
    /// The operator as written in a filter: `<`, `<=`, `=`, `>=` or `>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Before => "<",
            Comparison::AtOrBefore => "<=",
            Comparison::At => "=",
            Comparison::AtOrAfter => ">=",
            Comparison::After => ">",
        }
    }
}

/// The state of a connector, as a filter can name it.
///
/// The service reports other, free-text states too; a filter can only ask for
/// these four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// `SUCCESS`: the last sync completed.
    Success,
    /// `PENDING`: a sync has not completed yet.
    Pending,
    /// `REGIONS_DISCOVERED`: the connector found its regions but has not synced
    /// assets.
    RegionsDiscovered,
    /// `ERROR`: the last sync failed.
    Error,
}

impl State {
    /// Every state, in declaration order.
    pub const ALL: [State; 4] =
        [State::Success, State::Pending, State::RegionsDiscovered, State::Error];

    /// The wire spelling of the state: `SUCCESS`, `PENDING`,
    /// `REGIONS_DISCOVERED` or `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Success => "SUCCESS",
            State::Pending => "PENDING",
            State::RegionsDiscovered => "REGIONS_DISCOVERED",
            State::Error => "ERROR",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for State {
    type Err = ParseStateError;

    /// Reads a wire spelling, ignoring ASCII case: `success` and `SUCCESS` are
    /// both [`State::Success`].
    ///
    /// # Errors
    ///
    /// [`ParseStateError`] for anything but the four spellings.
    fn from_str(text: &str) -> Result<State, ParseStateError> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| ParseStateError { found: text.to_owned() })
    }
}

/// The error of reading a [`State`] from text that is none of its four
/// spellings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a state (`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`), but found {}",
    crate::filter::error::Quoted(&self.found)
)]
pub struct ParseStateError {
    found: String,
}

impl ParseStateError {
    /// The text that was not a state.
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl Filter {
    /// The shape of this node: a clause, or how it joins its operands.
    pub fn kind(&self) -> &FilterKind {
        &self.kind
    }

    pub(crate) fn from_clause(clause: Clause) -> Filter {
        Filter { kind: FilterKind::Clause(clause) }
    }

    /// Joins operands with `AND`, lifting the operands of any nested `And` into
    /// this one. Returns the only operand as it is when there is one;
    /// `operands` must not be empty.
    pub(crate) fn all(operands: Vec<Filter>) -> Filter {
        Filter::join(operands, true)
    }

    /// Joins operands with `OR`; the counterpart of [`Filter::all`].
    pub(crate) fn any(operands: Vec<Filter>) -> Filter {
        Filter::join(operands, false)
    }

    pub(crate) fn negate(self) -> Filter {
        Filter { kind: FilterKind::Not(Box::new(self)) }
    }

    fn join(operands: Vec<Filter>, and: bool) -> Filter {
        let nested = |kind: &FilterKind| match kind {
            FilterKind::And(_) => and,
            FilterKind::Or(_) => !and,
            _ => false,
        };

        // Usually nothing needs lifting, and the operands become the node's as
        // they are.
        let flat = if operands.iter().any(|operand| nested(&operand.kind)) {
            let mut flat = Vec::with_capacity(operands.len() + 2);
            for operand in operands {
                match operand.kind {
                    FilterKind::And(inner) | FilterKind::Or(inner) if nested(&operand.kind) => {
                        flat.extend(inner)
                    }
                    kind => flat.push(Filter { kind }),
                }
            }
            flat
        } else {
            operands
        };

        // A single operand stands for itself; the parser relies on this for
        // plain clauses.
        match <[Filter; 1]>::try_from(flat) {
            Ok([only]) => only,
            Err(flat) if and => Filter { kind: FilterKind::And(flat) },
            Err(flat) => Filter { kind: FilterKind::Or(flat) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(name: &str) -> Filter {
        Filter::from_clause(Clause::Name(vec![TextValue::Contains(name.to_owned())]))
    }

    #[test]
    fn state_round_trips_through_its_wire_spelling() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            assert_eq!(state.to_string(), state.as_str());
        }
    }

    #[test]
    fn state_parses_ignoring_case() {
        assert_eq!("regions_discovered".parse::<State>(), Ok(State::RegionsDiscovered));
        assert_eq!("Error".parse::<State>(), Ok(State::Error));
    }

    #[test]
    fn state_rejects_other_text() {
        let err = "Completed successfully".parse::<State>().unwrap_err();
        assert_eq!(err.found(), "Completed successfully");
        insta::assert_snapshot!(err, @"expected a state (`SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`), but found `Completed successfully`");
    }

    #[test]
    fn state_display_honours_width() {
        assert_eq!(format!("{:<9}|", State::Error), "ERROR    |");
    }

    #[test]
    fn all_flattens_nested_and() {
        let (a, b, c) = (clause("a"), clause("b"), clause("c"));
        let nested = Filter::all(vec![a.clone(), Filter::all(vec![b.clone(), c.clone()])]);
        assert_eq!(nested.kind(), &FilterKind::And(vec![a, b, c]));
    }

    #[test]
    fn all_keeps_nested_or_as_one_operand() {
        let (a, b, c) = (clause("a"), clause("b"), clause("c"));
        let or = Filter::any(vec![b, c]);
        let and = Filter::all(vec![a.clone(), or.clone()]);
        assert_eq!(and.kind(), &FilterKind::And(vec![a, or]));
    }

    #[test]
    fn all_of_one_operand_is_that_operand() {
        assert_eq!(Filter::all(vec![clause("a")]), clause("a"));
        assert_eq!(Filter::any(vec![clause("a")]), clause("a"));
    }
}
