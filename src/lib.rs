//! A typed, streaming client for the Qualys TotalCloud (CloudView) connector
//! API, with a filter language checked before anything is sent.
//!
//! The crate covers the three calls of the AWS connector API: list
//! connectors (paged, filtered, sorted), read one connector, and read the AWS
//! base account. Its parts are separate rooms with narrow doors:
//!
//! - [`model`]: response types generated at build time from the JSON Schemas
//!   in `schema/`, plus the hand-written wire types they need;
//! - [`filter`]: the filter language: syntax tree, parser, typed builder,
//!   canonical rendering and local evaluation;
//! - [`Client`] and its request builders: one HTTP GET each;
//! - the pager behind [`ListConnectorsBuilder::stream`]: several pages in
//!   flight, connectors in order;
//! - [`sandbox`] (feature `sandbox`, on by default): an in-process server that
//!   stands in for the service in tests and demos.
//!
//! # Usage
//!
//! ```
//! use futures::TryStreamExt;
//! use totalcloud::{Filter, Sort, State};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = totalcloud::sandbox::Sandbox::start().await?;
//! // With a real subscription:
//! // let client = Client::builder().platform(Platform::Qg2).basic_auth(user, password).build()?;
//! let client = sandbox.client()?;
//!
//! let filter = Filter::state().is(State::Success) & Filter::name().contains("prod")?;
//! let mut connectors = client.connectors().filter(filter).sort(Sort::LastSyncedDesc).stream();
//! while let Some(connector) = connectors.try_next().await? {
//!     println!("{:?} {:?}", connector.name, connector.last_synced_on);
//! }
//!
//! let account = client.aws_base_account().await?;
//! assert!(account.global_account_id.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! # Paging
//!
//! [`ListConnectorsBuilder::stream`] yields connectors and
//! [`ListConnectorsBuilder::pages`] whole [`Page`]s. Both are lazy, keep up to
//! [`ClientBuilder::max_in_flight`] page requests in flight once the first
//! page has told how many there are, yield in page order, and stop at the
//! last page, an empty page, `max_pages`, or the first error. The stream
//! never yields a connector id twice. The pager needs a Tokio runtime: page
//! requests run as tasks so that they download while you work.
//!
//! # Filters
//!
//! A filter is built in Rust, where a wrong one does not compile, or parsed
//! from text, where a wrong one is an error with a caret under the mistake.
//! Both give the same [`Filter`] value, rendered canonically on the wire. See
//! the [`filter`] module for the language.
//!
//! # Errors
//!
//! Every call returns [`Error`]: its `Display` is one line for a person, its
//! [`source`](std::error::Error::source) chain keeps the cause for a program,
//! and its variants say what to do: fix the input, the credentials, wait, or
//! give up. Credentials never appear in an error, a `Debug` output or a log.
//!
//! # Features
//!
//! - `sandbox` (default): the [`sandbox`] module and its dependency on axum.
//! - `cli` (default): the `totalcloud` command-line tool.
//!
//! TLS uses rustls; no OpenSSL is needed.

#![deny(missing_docs)]

// The generated models name their hand-written parts `crate::model::…`; this
// lets the same paths work from doctests and downstream crates.
extern crate self as totalcloud;

mod auth;
mod client;
mod connectors;
mod error;
pub mod filter;
mod http;
pub mod model;
mod pager;
mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use auth::AuthMethod;
pub use client::{Client, ClientBuilder, Credentials, Platform, PlatformError};
pub use connectors::{
    GetAwsBaseAccountBuilder, GetConnectorBuilder, IntoFilter, ListConnectorsBuilder, Sort,
};
pub use error::{ApiError, DecodeError, Error, Result, TimeoutKind};
pub use filter::{Filter, FilterError, State};
pub use pager::Page;
