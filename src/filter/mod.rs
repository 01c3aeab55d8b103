//! Connector filters: the QQL expressions sent as the `filter` query parameter.
//!
//! A [`Filter`] is either built in Rust, where the types rule out most
//! mistakes, or parsed from text, where every mistake is reported with its
//! position. Either way it renders to one canonical text, and it can also be
//! evaluated locally against anything that implements [`Subject`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use totalcloud::filter::{Filter, State};
//!
//! let since = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
//! let built = Filter::state().any_of([State::Success, State::Error])?
//!     & Filter::name().contains("prod account")?
//!     & Filter::last_synced().at_or_after(since);
//!
//! let parsed: Filter =
//!     r#"state:[success, error] AND name:"prod account" AND lastSynced >= 2024-06-01"#.parse()?;
//! assert_eq!(built, parsed);
//! assert_eq!(
//!     built.to_string(),
//!     r#"state:[SUCCESS, ERROR] AND name:"prod account" AND lastSyncedOn >= 2024-06-01T00:00:00Z"#,
//! );
//! # Ok::<(), totalcloud::filter::FilterError>(())
//! ```
//!
//!
//! # The language
//!
//! A filter is one or more *clauses* joined by `AND`, `OR` and `NOT`, with
//! parentheses for grouping. Whitespace is free around every token, and may be
//! left out where nothing depends on it (`state:ERROR AND(name:a)`). The whole
//! text may be at most 8192 bytes long, and parentheses and `NOT` may be nested
//! at most 64 levels deep.
//!
//! ## Fields
//!
//! Field names are case-sensitive, as QQL's are; an unknown field is reported
//! with the nearest known name as a suggestion.
//!
//! | field | builder | values |
//! |---|---|---|
//! | `name` | [`Filter::name`] | text |
//! | `description` | [`Filter::description`] | text |
//! | `state` | [`Filter::state`] | `SUCCESS`, `PENDING`, `REGIONS_DISCOVERED` or `ERROR`, in any case |
//! | `lastSynced`, `lastSyncedOn` | [`Filter::last_synced`] | instants in UTC |
//! | `connector.uuid` | [`Filter::connector_uuid`] | a UUID |
//!
//! ## Clauses
//!
//! - `field:value` tests one value; `field:[a, b, c]` matches any value of the
//!   list.
//! - `lastSynced` also takes `>`, `>=`, `<`, `<=` and `=` in place of the
//!   colon, with one instant after it (`lastSynced > 2024-01-01`), and ranges
//!   after the colon: `lastSynced:[a .. b]` includes both bounds,
//!   `lastSynced:(a .. b)` excludes them. `lastSynced:a` means the same as
//!   `lastSynced = a`.
//!
//! ## Values
//!
//! - A **bare word** is made of letters and digits of any script and
//!   `_ . - / @ + #`, and is not `AND`, `OR` or `NOT` in any case. It matches a
//!   field that *contains* it, ignoring case.
//! - A **`"quoted phrase"`** matches the same way, and may hold any character;
//!   write `\"` for a quote and `\\` for a backslash. No other escape exists. A
//!   `*` inside quotes is a plain character.
//! - A **`` `backtick value` ``** matches a field *equal* to it, case included.
//!   It ends at the next backtick and has no escapes, so it cannot hold a
//!   backtick.
//! - `state` and `connector.uuid` values may be written in any of the three
//!   forms; they are compared as a state (ignoring case) or a UUID (any layout,
//!   such as hyphenated or plain hex).
//!
//! ## Instants and the UTC rule
//!
//! `lastSynced` is in UTC, and a filter must say so. An instant is either
//!
//! - a date, `2024-06-01`, meaning midnight UTC at its start, or
//! - an RFC 3339 date-time ending in `Z` or `+00:00`, with an optional fraction
//!   of up to nine digits: `2024-06-01T12:30:00Z`,
//!   `2024-06-01T12:30:00.25+00:00`.
//!
//! A date-time with another offset (`+01:00`, `-05:00`, even `-00:00`) is
//! rejected rather than converted, and so is one without an offset, which would
//! be ambiguous. A date that does not exist (`2024-02-30`) is rejected too.
//!
//! ## Operators
//!
//! `NOT` binds tighter than `AND`, which binds tighter than `OR`, so
//! `a OR b AND NOT c` means `a OR (b AND (NOT c))`. The keywords may be written
//! in any case.
//!
//! ## The canonical form
//!
//! [`Filter::render`] (and `Display`) writes one text per filter, the one the
//! service receives:
//!
//! - keywords in upper case, one space either side of `AND` and `OR`, `NOT x`;
//! - parentheses only where precedence needs them;
//! - `field:value` with no space around the colon; comparisons with one space
//!   either side (`lastSyncedOn > 2024-01-01T00:00:00Z`); equality as
//!   `lastSyncedOn:…`;
//! - lists as `[a, b]`, a list of one value as the value alone; ranges as
//!   `[a .. b]` and `(a .. b)`;
//! - text bare when it matches `[A-Za-z0-9_.-]+`, is no keyword and holds no
//!   `..`; quoted and escaped otherwise; exact values in backticks;
//! - states in upper case, UUIDs hyphenated in lower case;
//! - instants as `YYYY-MM-DDTHH:MM:SSZ`, with a fraction only when it is not
//!   zero, and then with no trailing zeros; a year outside `0000`–`9999`
//!   carries a sign (`+10000-01-01…`).
//!
//! The field is written `lastSyncedOn`, not `lastSynced`: that is how the
//! service spells its own response field and its sort key
//! (`sort=lastSyncedOn:asc`), and public client code validates filters against
//! that spelling. `lastSynced`, the name in Qualys's own token list, is
//! accepted as an alias.
//!
//! Parsing the rendered text gives back an equal filter, and no value put into
//! the builder can change the structure of the text around it. Both hold for
//! every filter nested at most 64 levels deep: the builder can nest deeper, but
//! such a filter's text is refused by the parser (and may well be by the
//! service).
//!
//!
//! # Building filters
//!
//! Each field has its own builder type ([`TextField`], [`StateField`],
//! [`LastSyncedField`], [`UuidField`]), so only the tests that make sense for a
//! field exist: a state is compared with a [`State`], `lastSynced` with a
//! `chrono::DateTime<Utc>` (an instant in another zone has to be converted
//! first), and only `lastSynced` has comparisons and ranges. Those methods
//! cannot fail. Filters combine with [`Filter::and`], [`Filter::or`],
//! [`Filter::not`] or the operators `&`, `|` and `!`.
//!
//! Three mistakes a type cannot rule out are caught when the clause is built,
//! and reported as the same [`FilterErrorKind`] the parser gives for the same
//! text:
//!
//! - an empty text value ([`ValueEmpty`](FilterErrorKind::ValueEmpty)): an
//!   empty phrase is not valid QQL, so the text methods return a `Result`;
//! - an empty list given to `any_of`
//!   ([`ListEmpty`](FilterErrorKind::ListEmpty)): a clause matching nothing has
//!   no QQL form;
//! - a backtick inside an exact value
//!   ([`ExactBacktick`](FilterErrorKind::ExactBacktick)): QQL has no escape
//!   between backticks, so the value cannot be sent without changing the
//!   filter's meaning. [`TextField::contains`] takes any text.
//!
//! Everything else is safe to pass, quotes, newlines, control characters and
//! keywords included: the renderer quotes and escapes text, so a value can
//! never change the structure of the filter around it.
//!
//!
//! # Not supported
//!
//! Each of these is reported as an error rather than guessed at:
//!
//! - wildcards (`name:prod*`): a value already matches any text containing it;
//! - comparisons on fields other than `lastSynced`, and ranges on them;
//! - lists of instants (`lastSynced:[a, b]`), and lists or ranges after a
//!   comparison;
//! - mixed range brackets (`[a .. b)`);
//! - instants in zones other than UTC, date-times without an offset, and times
//!   without seconds;
//! - single quotes, and escapes other than `\"` and `\\`;
//! - a backtick inside an exact value, which QQL cannot express;
//! - clauses side by side without `AND` or `OR` (no implicit `AND`), free text
//!   without a field, and `!=` (use `NOT`).
//!
//!
//! # Errors
//!
//! A [`FilterError`] carries its [`FilterErrorKind`], the input and the byte
//! span of the problem. Its `Display` shows where:
//!
//! ```
//! use totalcloud::filter::Filter;
//!
//! let err = Filter::parse("state:SUCCESS AND lastSynced > 2024-06-01T00:00:00+02:00").unwrap_err();
//! assert_eq!(err.to_string(), "\
//! failed to parse filter at line 1, column 51:
//!     state:SUCCESS AND lastSynced > 2024-06-01T00:00:00+02:00
//!                                                       ^^^^^^
//! error: lastSynced must be in UTC: expected `Z` or `+00:00`, but found `+02:00`");
//! ```

mod ast;
mod build;
mod error;
mod eval;
mod parse;
mod render;

pub use ast::{
    Clause, Comparison, Filter, FilterKind, ParseStateError, State, TextValue, TimeMatch,
};
pub use build::{LastSyncedField, StateField, TextField, UuidField};
pub use error::{FilterError, FilterErrorKind};
pub use eval::Subject;
