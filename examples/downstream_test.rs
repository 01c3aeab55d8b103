//! How an application tests its own code against the sandbox, with insta.
//!
//! `summarise` stands for your code: it takes a [`Client`] and reports on
//! the connectors. In production the client points at your platform; in the
//! test below it points at a sandbox, whose made-up data set is the same on
//! every machine, so the report can be pinned in a snapshot.
//!
//! Run the report with `cargo run --example downstream_test`, and the test
//! with `cargo test --example downstream_test` (plain `cargo test` runs it
//! too: the example is declared with `test = true` in `Cargo.toml`). After a
//! deliberate change, `cargo insta review` shows the new report for approval.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use totalcloud::sandbox::Sandbox;
use totalcloud::Client;

/// One line per connector state, `STATE count`, in alphabetical order.
async fn summarise(client: &Client) -> totalcloud::Result<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut connectors = client.connectors().page_size(100).stream();
    while let Some(connector) = connectors.try_next().await? {
        let state = connector.state.map_or("(none)".to_string(), |s| s.to_string());
        *counts.entry(state).or_default() += 1;
    }
    let lines: Vec<String> = counts.iter().map(|(state, n)| format!("{state} {n}")).collect();
    Ok(lines.join("\n"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start().await?;
    println!("{}", summarise(&sandbox.client()?).await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn summarise_counts_connectors_per_state() {
        let sandbox = Sandbox::start().await.unwrap();

        let summary = summarise(&sandbox.client().unwrap()).await.unwrap();

        insta::assert_snapshot!(summary, @"
        Completed successfully 2
        ERROR 22
        PENDING 18
        REGIONS_DISCOVERED 19
        SUCCESS 179
        ");
    }

    #[tokio::test]
    async fn summarise_of_an_empty_estate_is_empty() {
        let sandbox = Sandbox::builder().data(Vec::new()).start().await.unwrap();

        let summary = summarise(&sandbox.client().unwrap()).await.unwrap();

        assert_eq!(summary, "");
    }
}
