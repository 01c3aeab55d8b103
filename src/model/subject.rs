//! The door between the models and the filter language: a [`Connector`] is
//! something a [`Filter`](crate::Filter) can be evaluated against.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Connector, ConnectorState};
use crate::filter::{State, Subject};

impl Subject for Connector {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    fn state(&self) -> Option<State> {
        match self.state {
            Some(ConnectorState::Known(state)) => Some(state),
            _ => None,
        }
    }

    fn last_synced(&self) -> Option<DateTime<Utc>> {
        self.last_synced_on.map(|t| t.to_utc())
    }

    fn connector_uuid(&self) -> Option<Uuid> {
        self.connector_id.as_deref().and_then(|id| Uuid::try_parse(id).ok())
    }
}
