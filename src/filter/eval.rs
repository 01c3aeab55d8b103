//! Evaluating a [`Filter`] locally, against anything that exposes the
//! filterable fields.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ast::{Clause, Comparison, Filter, FilterKind, State, TextValue, TimeMatch};

/// The fields a filter can test, as a connector (or anything else) exposes
/// them.
///
/// Each method returns `None` when the value is missing; a clause on a missing
/// field does not match (see [`Filter::matches`]).
pub trait Subject {
    /// The `name` field.
    fn name(&self) -> Option<&str>;
    /// The `description` field.
    fn description(&self) -> Option<&str>;
    /// The `state` field, when it is one of the four states a filter can name.
    fn state(&self) -> Option<State>;
    /// The `lastSyncedOn` field.
    fn last_synced(&self) -> Option<DateTime<Utc>>;
    /// The `connector.uuid` field.
    fn connector_uuid(&self) -> Option<Uuid>;
}

impl Filter {
    /// Whether `subject` passes the filter, decided here rather than by the
    /// service.
    ///
    /// A contains value matches when the field holds it as a substring, after
    /// lowercasing both (Unicode lowercase); an exact value matches an equal
    /// field, case included. A clause on a field the subject lacks does not
    /// match, so `NOT` of that clause does: `NOT name:prod` matches a connector
    /// without a name.
    ///
    /// The service may differ on the finer points (how it folds case, or
    /// whether it treats a missing field the same way); this is the reference
    /// for the sandbox and for tests.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use totalcloud::filter::{Filter, State, Subject};
    /// use uuid::Uuid;
    ///
    /// struct Named(&'static str);
    ///
    /// impl Subject for Named {
    ///     fn name(&self) -> Option<&str> { Some(self.0) }
    ///     fn description(&self) -> Option<&str> { None }
    ///     fn state(&self) -> Option<State> { None }
    ///     fn last_synced(&self) -> Option<DateTime<Utc>> { None }
    ///     fn connector_uuid(&self) -> Option<Uuid> { None }
    /// }
    ///
    /// let filter = Filter::parse("name:PROD AND NOT description:test")?;
    /// assert!(filter.matches(&Named("eu-prod-1")));
    /// assert!(!filter.matches(&Named("staging")));
    /// # Ok::<(), totalcloud::filter::FilterError>(())
    /// ```
    pub fn matches<S: Subject + ?Sized>(&self, subject: &S) -> bool {
        match self.kind() {
            FilterKind::Clause(clause) => clause_matches(clause, subject),
            FilterKind::And(operands) => operands.iter().all(|operand| operand.matches(subject)),
            FilterKind::Or(operands) => operands.iter().any(|operand| operand.matches(subject)),
            FilterKind::Not(operand) => !operand.matches(subject),
        }
    }
}

fn clause_matches<S: Subject + ?Sized>(clause: &Clause, subject: &S) -> bool {
    match clause {
        Clause::Name(values) => text_matches(values, subject.name()),
        Clause::Description(values) => text_matches(values, subject.description()),
        Clause::State(states) => subject.state().is_some_and(|state| states.contains(&state)),
        Clause::LastSynced(time) => subject.last_synced().is_some_and(|at| time_matches(time, at)),
        Clause::ConnectorUuid(uuids) => {
            subject.connector_uuid().is_some_and(|id| uuids.contains(&id))
        }
    }
}

fn text_matches(values: &[TextValue], field: Option<&str>) -> bool {
    let Some(field) = field else {
        return false;
    };

    // Lowercase the field once, and only if some value needs it.
    let mut lowered: Option<String> = None;
    values.iter().any(|value| match value {
        TextValue::Exact(text) => field == text,
        TextValue::Contains(text) => {
            let haystack = lowered.get_or_insert_with(|| field.to_lowercase());
            haystack.contains(&text.to_lowercase())
        }
    })
}

fn time_matches(time: &TimeMatch, at: DateTime<Utc>) -> bool {
    match *time {
        TimeMatch::Compare(comparison, bound) => match comparison {
            Comparison::Before => at < bound,
            Comparison::AtOrBefore => at <= bound,
            Comparison::At => at == bound,
            Comparison::AtOrAfter => at >= bound,
            Comparison::After => at > bound,
        },
        TimeMatch::Between { start, end, inclusive: true } => start <= at && at <= end,
        TimeMatch::Between { start, end, inclusive: false } => start < at && at < end,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[derive(Default)]
    struct Connector {
        name: Option<&'static str>,
        description: Option<&'static str>,
        state: Option<State>,
        last_synced: Option<DateTime<Utc>>,
        uuid: Option<Uuid>,
    }

    impl Subject for Connector {
        fn name(&self) -> Option<&str> {
            self.name
        }
        fn description(&self) -> Option<&str> {
            self.description
        }
        fn state(&self) -> Option<State> {
            self.state
        }
        fn last_synced(&self) -> Option<DateTime<Utc>> {
            self.last_synced
        }
        fn connector_uuid(&self) -> Option<Uuid> {
            self.uuid
        }
    }

    fn matches(filter: &str, subject: &Connector) -> bool {
        Filter::parse(filter).unwrap().matches(subject)
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn contains_ignores_case_and_exact_does_not() {
        let prod = Connector { name: Some("Prod-Ärger EU"), ..Connector::default() };
        assert!(matches("name:prod", &prod));
        assert!(matches("name:\"ärger eu\"", &prod));
        assert!(matches("name:[staging, EU]", &prod));
        assert!(!matches("name:staging", &prod));
        assert!(matches("name:`Prod-Ärger EU`", &prod));
        assert!(!matches("name:`prod-ärger eu`", &prod));
        assert!(!matches("name:`Prod`", &prod));
    }

    #[test]
    fn missing_field_fails_the_clause_and_passes_its_negation() {
        let bare = Connector::default();
        for clause in [
            "name:x",
            "description:x",
            "state:ERROR",
            "lastSynced > 2024-01-01",
            "connector.uuid:00000000-0000-0000-0000-000000000000",
        ] {
            assert!(!matches(clause, &bare), "{clause}");
            assert!(matches(&format!("NOT {clause}"), &bare), "{clause}");
        }
    }

    #[test]
    fn state_and_uuid_match_any_listed_value() {
        let uuid = Uuid::from_u128(7);
        let subject =
            Connector { state: Some(State::Error), uuid: Some(uuid), ..Connector::default() };
        assert!(matches("state:[SUCCESS, ERROR]", &subject));
        assert!(!matches("state:SUCCESS", &subject));
        assert!(matches(&format!("connector.uuid:[{}, {uuid}]", Uuid::nil()), &subject));
        assert!(!matches(&format!("connector.uuid:{}", Uuid::nil()), &subject));
    }

    #[test]
    fn time_comparisons_and_ranges_respect_their_bounds() {
        let subject = Connector { last_synced: Some(day(2)), ..Connector::default() };
        let expectations = [
            ("lastSynced > 2024-06-01", true),
            ("lastSynced > 2024-06-02", false),
            ("lastSynced >= 2024-06-02", true),
            ("lastSynced < 2024-06-02", false),
            ("lastSynced <= 2024-06-02", true),
            ("lastSynced = 2024-06-02", true),
            ("lastSynced:2024-06-02T00:00:00.000000001Z", false),
            ("lastSynced:[2024-06-02 .. 2024-06-03]", true),
            ("lastSynced:(2024-06-02 .. 2024-06-03)", false),
            ("lastSynced:(2024-06-01 .. 2024-06-03)", true),
            ("lastSynced:[2024-06-03 .. 2024-06-01]", false),
        ];
        for (filter, expected) in expectations {
            assert_eq!(matches(filter, &subject), expected, "{filter}");
        }
    }

    #[test]
    fn operators_combine_clauses() {
        let subject =
            Connector { name: Some("prod"), state: Some(State::Success), ..Connector::default() };
        assert!(matches("name:prod AND state:SUCCESS", &subject));
        assert!(!matches("name:prod AND state:ERROR", &subject));
        assert!(matches("name:dev OR state:SUCCESS", &subject));
        assert!(!matches("NOT (name:dev OR state:SUCCESS)", &subject));
        assert!(matches("name:dev OR state:ERROR OR NOT description:x", &subject));
    }

    #[test]
    fn matches_accepts_unsized_subjects() {
        let subject: Box<dyn Subject> =
            Box::new(Connector { name: Some("a"), ..Connector::default() });
        assert!(Filter::parse("name:a").unwrap().matches(subject.as_ref()));
    }
}
