//! Helpers shared by the integration tests.

#![allow(dead_code)]

use totalcloud::sandbox::Sandbox;
use totalcloud::Client;

/// A sandbox with its default data set, and a client for it.
pub async fn sandbox() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.expect("the sandbox starts");
    let client = sandbox.client().expect("the sandbox client builds");
    (sandbox, client)
}

/// The ids of connectors, in order, for comparing listings.
pub fn ids(connectors: &[totalcloud::model::Connector]) -> Vec<String> {
    connectors.iter().map(|c| c.connector_id.clone().unwrap_or_default()).collect()
}
