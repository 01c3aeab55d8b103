//! Hand-written types for the values whose wire form JSON Schema cannot
//! describe well; `build.rs` plugs them into the generated models.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc,
};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::filter::State;

/// An instant the service reports, such as a connector's `lastSyncedOn`.
///
/// The service writes these as Java `Date.toString()` text,
/// `Fri Jan 30 06:29:04 GMT 2026`, in the zone of the server. A `Timestamp`
/// reads that form (and RFC 3339), holds the instant in UTC, and writes RFC
/// 3339 (`2026-01-30T06:29:04Z`), so JSON this crate emits sorts and parses
/// with ordinary tools.
///
/// Zone abbreviations understood: `UTC`, `GMT`, `UT`, `Z`, the North American
/// `EST`/`EDT`, `CST`/`CDT`, `MST`/`MDT`, `PST`/`PDT`, the European `WET`,
/// `WEST`, `BST`, `CET`, `CEST`, `EET`, `EEST`, and the zones of Qualys's
/// platforms `IST` (India, +05:30), `GST` (Gulf, +04:00), `AST` (Arabia,
/// +03:00), `JST`, `AEST`, `AEDT`. Abbreviations are ambiguous in general
/// (`IST` is also Irish and Israeli time); the table picks the meaning a
/// Qualys platform would use. Any other abbreviation is a decode error rather
/// than a silent guess.
///
/// # Example
///
/// ```
/// use totalcloud::model::Timestamp;
///
/// let t: Timestamp = "Mon Sep 09 15:00:54 UTC 2024".parse()?;
/// assert_eq!(t.to_string(), "2024-09-09T15:00:54Z");
/// assert_eq!(t.to_java_string(), "Mon Sep 09 15:00:54 UTC 2024");
/// # Ok::<(), totalcloud::model::TimestampError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// The text of a [`Timestamp`] was neither Java `Date.toString()` nor RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected a date such as `Fri Jan 30 06:29:04 GMT 2026`, but found `{text}`: {reason}")]
pub struct TimestampError {
    text: String,
    reason: &'static str,
}

/// Offsets east of UTC, in seconds, of the zone abbreviations we accept.
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("UT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 3600),
    ("BST", 3600),
    ("CET", 3600),
    ("CEST", 7200),
    ("EET", 7200),
    ("EEST", 10800),
    ("AST", 10800),
    ("GST", 14400),
    ("IST", 19800),
    ("JST", 32400),
    ("AEST", 36000),
    ("AEDT", 39600),
    ("EST", -18000),
    ("EDT", -14400),
    ("CST", -21600),
    ("CDT", -18000),
    ("MST", -25200),
    ("MDT", -21600),
    ("PST", -28800),
    ("PDT", -25200),
];

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Timestamp {
    /// Wraps a UTC instant.
    pub fn from_utc(instant: DateTime<Utc>) -> Timestamp {
        Timestamp(instant)
    }

    /// The instant, in UTC.
    pub fn to_utc(self) -> DateTime<Utc> {
        self.0
    }

    /// The instant as the service writes it, in UTC:
    /// `Fri Jan 30 06:29:04 UTC 2026`.
    pub fn to_java_string(self) -> String {
        self.0.format("%a %b %d %H:%M:%S UTC %Y").to_string()
    }

    /// Reads `Fri Jan 30 06:29:04 GMT 2026` field by field; this runs for
    /// every date of every page, so it avoids allocating.
    fn parse_java(text: &str) -> Result<Timestamp, TimestampError> {
        let fail = |reason| TimestampError { text: text.to_string(), reason };
        let mut words = text.split_ascii_whitespace();
        let mut next = || words.next().ok_or_else(|| fail("expected six words"));
        let (weekday, month, day, time, zone, year) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        if words.next().is_some() {
            return Err(fail("expected six words"));
        }
        if !WEEKDAYS.contains(&weekday) {
            return Err(fail("unknown weekday"));
        }
        let offset = ZONES
            .iter()
            .find(|(name, _)| *name == zone)
            .and_then(|&(_, seconds)| FixedOffset::east_opt(seconds))
            .ok_or_else(|| fail("unknown time zone abbreviation"))?;

        let naive = java_date_time(month, day, time, year)
            .ok_or_else(|| fail("not a valid date and time"))?;
        let instant =
            offset.from_local_datetime(&naive).single().ok_or_else(|| fail("no such instant"))?;
        Ok(Timestamp(instant.with_timezone(&Utc)))
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Jan`, `30`, `06:29:04`, `2026` as a date and time, if they are one.
fn java_date_time(month: &str, day: &str, time: &str, year: &str) -> Option<NaiveDateTime> {
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let number = |text: &str| -> Option<u32> {
        let digits = text.bytes().all(|b| b.is_ascii_digit()) && (1..=4).contains(&text.len());
        digits.then(|| text.parse().ok()).flatten()
    };
    let mut clock = time.split(':');
    let (hour, minute, second) = (clock.next()?, clock.next()?, clock.next()?);
    if clock.next().is_some() || [hour, minute, second].iter().any(|part| part.len() != 2) {
        return None;
    }

    let date = NaiveDate::from_ymd_opt(number(year)? as i32, month, number(day)?)?;
    let time = NaiveTime::from_hms_opt(number(hour)?, number(minute)?, number(second)?)?;
    Some(NaiveDateTime::new(date, time))
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    /// Reads Java `Date.toString()` text, or RFC 3339 with any offset.
    fn from_str(text: &str) -> Result<Timestamp, TimestampError> {
        let text = text.trim();
        // The service's form starts with a weekday, RFC 3339 with a digit.
        if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Timestamp::parse_java(text);
        }
        match DateTime::parse_from_rfc3339(text) {
            Ok(instant) => Ok(Timestamp(instant.with_timezone(&Utc))),
            Err(_) => Timestamp::parse_java(text),
        }
    }
}

impl fmt::Display for Timestamp {
    /// Writes RFC 3339 in UTC, with a fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Timestamp {
        Timestamp(instant)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> DateTime<Utc> {
        t.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        deserializer.deserialize_str(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date as text")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
        text.parse().map_err(E::custom)
    }
}

/// A connector's state as the service reports it.
///
/// The service documents four states, which the filter language's [`State`]
/// names; it has also been seen to send free text such as
/// `"Completed successfully"`. Such text is kept as [`ConnectorState::Other`]
/// rather than failing the decode, and written back out unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConnectorState {
    /// One of the four documented states.
    Known(State),
    /// Anything else the service sent, verbatim.
    Other(String),
}

impl ConnectorState {
    /// The state as the service spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ConnectorState::Known(state) => state.as_str(),
            ConnectorState::Other(text) => text,
        }
    }

    /// The documented state, if this is one.
    pub fn known(&self) -> Option<State> {
        match self {
            ConnectorState::Known(state) => Some(*state),
            ConnectorState::Other(_) => None,
        }
    }
}

impl From<&str> for ConnectorState {
    /// Matches the service's exact spelling; anything else is [`ConnectorState::Other`].
    fn from(text: &str) -> ConnectorState {
        match State::ALL.into_iter().find(|state| state.as_str() == text) {
            Some(state) => ConnectorState::Known(state),
            None => ConnectorState::Other(text.to_string()),
        }
    }
}

impl From<State> for ConnectorState {
    fn from(state: State) -> ConnectorState {
        ConnectorState::Known(state)
    }
}

impl fmt::Display for ConnectorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ConnectorState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConnectorState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ConnectorState, D::Error> {
        deserializer.deserialize_str(ConnectorStateVisitor)
    }
}

struct ConnectorStateVisitor;

impl Visitor<'_> for ConnectorStateVisitor {
    type Value = ConnectorState;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a connector state as text")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ConnectorState, E> {
        Ok(ConnectorState::from(text))
    }
}

/// An AWS account id, kept as the 12-digit text AWS uses.
///
/// The service usually sends a string and sometimes a JSON number. A number
/// has already lost any leading zeros on the wire, so it is padded back to 12
/// digits: `12345678901` becomes `"012345678901"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for AccountId {
    fn from(text: &str) -> AccountId {
        AccountId(text.to_string())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AccountId, D::Error> {
        deserializer.deserialize_any(AccountIdVisitor)
    }
}

struct AccountIdVisitor;

impl Visitor<'_> for AccountIdVisitor {
    type Value = AccountId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an account id as a string or a non-negative integer")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<AccountId, E> {
        Ok(AccountId(text.to_string()))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<AccountId, E> {
        Ok(AccountId(format!("{number:012}")))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<AccountId, E> {
        u64::try_from(number)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(number), &self))
            .and_then(|n| self.visit_u64(n))
    }
}

/// A yes/no the service sends as the string `"true"` or `"false"`.
///
/// A real JSON boolean is accepted too; a `Flag` is written as a JSON boolean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Flag(pub bool);

impl Flag {
    /// The flag's value.
    pub fn get(self) -> bool {
        self.0
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(self.0)
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Flag, D::Error> {
        deserializer.deserialize_any(FlagVisitor)
    }
}

struct FlagVisitor;

impl Visitor<'_> for FlagVisitor {
    type Value = Flag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`true` or `false`, as a string or a boolean")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Flag, E> {
        Ok(Flag(value))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Flag, E> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(Flag(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Flag(false)),
            _ => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> String {
        match text.parse::<Timestamp>() {
            Ok(t) => t.to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn timestamp_reads_java_text_in_several_zones() {
        assert_eq!(ts("Fri Jan 30 06:29:04 GMT 2026"), "2026-01-30T06:29:04Z");
        assert_eq!(ts("Mon Sep 09 15:00:54 UTC 2024"), "2024-09-09T15:00:54Z");
        assert_eq!(ts("Mon Sep 09 11:00:54 EDT 2024"), "2024-09-09T15:00:54Z");
        assert_eq!(ts("Mon Sep 09 20:30:54 IST 2024"), "2024-09-09T15:00:54Z");
        assert_eq!(ts("Tue Jan 02 23:00:00 PST 2024"), "2024-01-03T07:00:00Z");
    }

    #[test]
    fn timestamp_reads_rfc3339_with_any_offset() {
        assert_eq!(ts("2024-09-09T17:00:54+02:00"), "2024-09-09T15:00:54Z");
        assert_eq!(ts("2024-09-09T15:00:54.250Z"), "2024-09-09T15:00:54.250Z");
    }

    #[test]
    fn timestamp_rejects_unknown_text() {
        insta::assert_snapshot!(ts("Fri Jan 30 06:29:04 XYZ 2026"), @"expected a date such as `Fri Jan 30 06:29:04 GMT 2026`, but found `Fri Jan 30 06:29:04 XYZ 2026`: unknown time zone abbreviation");
        insta::assert_snapshot!(ts("Fri Feb 30 06:29:04 UTC 2026"), @"expected a date such as `Fri Jan 30 06:29:04 GMT 2026`, but found `Fri Feb 30 06:29:04 UTC 2026`: not a valid date and time");
        insta::assert_snapshot!(ts("yesterday"), @"expected a date such as `Fri Jan 30 06:29:04 GMT 2026`, but found `yesterday`: expected six words");
    }

    #[test]
    fn timestamp_java_text_round_trips() {
        let t: Timestamp = "Fri Jan 30 06:29:04 GMT 2026".parse().unwrap();
        assert_eq!(t.to_java_string().parse::<Timestamp>().unwrap(), t);
    }

    #[test]
    fn account_id_number_is_padded_to_twelve_digits() {
        let id: AccountId = serde_json::from_str("12345678901").unwrap();
        assert_eq!(id.as_str(), "012345678901");
        let id: AccountId = serde_json::from_str("\"001122334455\"").unwrap();
        assert_eq!(id.as_str(), "001122334455");
        assert!(serde_json::from_str::<AccountId>("-1").is_err());
        assert!(serde_json::from_str::<AccountId>("1.5").is_err());
    }

    #[test]
    fn flag_reads_strings_and_booleans() {
        assert_eq!(serde_json::from_str::<Flag>("\"true\"").unwrap(), Flag(true));
        assert_eq!(serde_json::from_str::<Flag>("\"False\"").unwrap(), Flag(false));
        assert_eq!(serde_json::from_str::<Flag>("true").unwrap(), Flag(true));
        assert!(serde_json::from_str::<Flag>("\"yes\"").is_err());
    }

    #[test]
    fn connector_state_keeps_free_text() {
        let known: ConnectorState = serde_json::from_str("\"SUCCESS\"").unwrap();
        assert_eq!(known, ConnectorState::Known(State::Success));
        let other: ConnectorState = serde_json::from_str("\"Completed successfully\"").unwrap();
        assert_eq!(other.known(), None);
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"Completed successfully\"");
    }
}
