//! Response models, generated at build time from the JSON Schemas in `schema/`.
//!
//! | type | schema file |
//! |---|---|
//! | [`Connector`], [`PollingFrequency`], [`QualysTag`], [`ConnectorGroup`] | `schema/connector.json` |
//! | [`ConnectorPage`], [`Pageable`], [`PageSort`] | `schema/connector_page.json` |
//! | [`AwsBaseAccount`] | `schema/aws_base_account.json` |
//! | [`ErrorBody`] | `schema/error_body.json` |
//! | [`Timestamp`], [`ConnectorState`], [`AccountId`], [`Flag`] | `schema/wire.json`, hand-written in this module |
//!
//! Edit the schemas, never the generated code: `build.rs` runs typify over them
//! on every build. Every field is optional because the service may omit or null
//! any of them, and every object keeps the fields the schema does not name in
//! its `extra` map, so a field the service adds tomorrow survives a decode and
//! an encode unchanged.

use serde::de::DeserializeOwned;

use crate::error::DecodeError;

mod subject;
mod wire;

pub use wire::{AccountId, ConnectorState, Flag, Timestamp, TimestampError};

#[allow(clippy::all, dead_code, missing_docs, unused_imports)]
mod generated {
    // typify's output for schema/*.json (see build.rs).
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}

pub use generated::{
    AwsBaseAccount, Connector, ConnectorGroup, ConnectorPage, ErrorBody, PageSort, Pageable,
    PollingFrequency, QualysTag, QualysTagTagId,
};

/// Decodes a JSON document into a model, naming the JSON path of the first
/// value that does not fit.
///
/// The client uses this for every response; it is public for decoding
/// recorded responses, in tests say.
///
/// # Example
///
/// ```
/// use totalcloud::model::{from_slice, ConnectorPage};
///
/// let error = from_slice::<ConnectorPage>(br#"{"content": [{"totalAssets": "many"}]}"#).unwrap_err();
/// assert_eq!(error.path(), "content[0].totalAssets");
/// ```
pub fn from_slice<T: DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    let name = std::any::type_name::<T>();
    decode(json, name.rsplit("::").next().unwrap_or(name))
}

pub(crate) fn decode<T: DeserializeOwned>(
    json: &[u8],
    what: &'static str,
) -> Result<T, DecodeError> {
    // Tracking the path costs about a third of a decode, so it is paid only
    // when the fast decode has failed and the path is needed for the error.
    if let Ok(value) = serde_json::from_slice(json) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| DecodeError::new(what, e.path().to_string(), e.into_inner()))?;
    de.end().map_err(|e| DecodeError::new(what, ".".to_string(), e))?;
    Ok(value)
}
