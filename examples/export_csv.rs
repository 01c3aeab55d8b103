//! Streams the connectors in `ERROR` from an in-process sandbox and writes
//! them to stdout as CSV, one row per connector as it arrives.
//!
//! Run it with `cargo run --example export_csv > failing.csv`. Against a real
//! subscription, build the client with `Client::builder().platform(...)` and
//! your credentials instead. The `totalcloud` tool does the same with every
//! field: `totalcloud connectors list --filter state:ERROR --format csv`.

use futures::TryStreamExt;
use serde::Serialize;
use totalcloud::model::Connector;
use totalcloud::sandbox::Sandbox;
use totalcloud::{Filter, Sort, State};

/// The columns of the file. CSV rows are flat, so nested fields (tags,
/// groups) are left out or flattened by hand.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    connector_id: Option<String>,
    name: Option<String>,
    aws_account_id: Option<String>,
    last_synced_on: Option<String>,
    total_assets: Option<i64>,
    tags: String,
    error: Option<String>,
}

impl From<Connector> for Row {
    fn from(c: Connector) -> Row {
        let tags = c.qualys_tags.unwrap_or_default().into_iter().filter_map(|t| t.tag_name);
        Row {
            connector_id: c.connector_id,
            name: c.name,
            aws_account_id: c.aws_account_id.map(|a| a.to_string()),
            last_synced_on: c.last_synced_on.map(|t| t.to_string()),
            total_assets: c.total_assets,
            tags: tags.collect::<Vec<_>>().join(";"),
            error: c.error,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start().await?;
    let client = sandbox.client()?;

    let failing = Filter::state().is(State::Error);
    let mut connectors = client.connectors().filter(failing).sort(Sort::LastSyncedDesc).stream();
    // The header comes from the field names of `Row`, before the first row.
    let mut csv = csv::Writer::from_writer(std::io::stdout().lock());
    let mut count = 0;
    while let Some(connector) = connectors.try_next().await? {
        csv.serialize(Row::from(connector))?;
        count += 1;
    }
    csv.flush()?;
    eprintln!("{count} connectors in ERROR");
    Ok(())
}
