//! Streams the connectors that failed to synchronise since a date, newest
//! first, from an in-process sandbox.
//!
//! Run it with `cargo run --example stream_filter`. Against a real
//! subscription, build the client with `Client::builder().platform(...)`
//! and your credentials instead.

use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use totalcloud::sandbox::Sandbox;
use totalcloud::{Filter, Sort, State};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start().await?;
    let client = sandbox.client()?;

    let since = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let filter = Filter::state().is(State::Error) & Filter::last_synced().at_or_after(since);
    println!("filter sent: {filter}");

    let mut failing = client.connectors().filter(filter).sort(Sort::LastSyncedDesc).stream();
    let mut count = 0;
    while let Some(connector) = failing.try_next().await? {
        count += 1;
        println!(
            "{:<36}  {:<32}  {}",
            connector.connector_id.as_deref().unwrap_or("-"),
            connector.name.as_deref().unwrap_or("-"),
            connector.error.as_deref().unwrap_or("(no message)"),
        );
    }
    println!("{count} connectors in ERROR since {since}");
    Ok(())
}
