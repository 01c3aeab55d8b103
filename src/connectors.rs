//! One request builder per operation of the connector API.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::filter::{Filter, FilterError};
use crate::http::{self, Get};
use crate::model::{AwsBaseAccount, Connector};
use crate::pager::{self, Page, PageQuery};

/// The order of a listing, by the time each connector last synchronised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sort {
    /// Oldest first: `sort=lastSyncedOn:asc`.
    LastSyncedAsc,
    /// Newest first: `sort=lastSyncedOn:desc`.
    LastSyncedDesc,
}

impl Sort {
    /// The value of the `sort` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::LastSyncedAsc => "lastSyncedOn:asc",
            Sort::LastSyncedDesc => "lastSyncedOn:desc",
        }
    }
}

/// Something a listing can be filtered by: a [`Filter`], or filter text that
/// is parsed (and rejected, before any request, if invalid).
pub trait IntoFilter {
    /// Turns `self` into a checked filter.
    fn into_filter(self) -> Result<Filter, FilterError>;
}

impl IntoFilter for Filter {
    fn into_filter(self) -> Result<Filter, FilterError> {
        Ok(self)
    }
}

impl IntoFilter for &Filter {
    fn into_filter(self) -> Result<Filter, FilterError> {
        Ok(self.clone())
    }
}

impl IntoFilter for &str {
    fn into_filter(self) -> Result<Filter, FilterError> {
        self.parse()
    }
}

impl IntoFilter for String {
    fn into_filter(self) -> Result<Filter, FilterError> {
        self.parse()
    }
}

/// Lists connectors; made by [`Client::connectors`].
///
/// Nothing is sent until the stream returned by [`stream`](Self::stream) or
/// [`pages`](Self::pages) is first polled, or [`send`](Self::send) is awaited.
/// A bad setting (an invalid filter text, a zero page size) is reported then,
/// as the stream's first and only item, before any request.
///
/// # Example
///
/// ```
/// use futures::TryStreamExt;
/// use totalcloud::{Filter, Sort, State};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = totalcloud::sandbox::Sandbox::start().await?;
/// # let client = sandbox.client()?;
///
/// let mut errors = client
///     .connectors()
///     .filter(Filter::state().is(State::Error))
///     .sort(Sort::LastSyncedDesc)
///     .page_size(100)
///     .stream();
/// while let Some(connector) = errors.try_next().await? {
///     assert_eq!(connector.state.unwrap().as_str(), "ERROR");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a request builder does nothing until streamed or sent"]
pub struct ListConnectorsBuilder {
    client: Client,
    filter: Option<Result<Filter, FilterError>>,
    sort: Option<Sort>,
    page_size: Option<u32>,
    start_page: u32,
    max_pages: Option<u32>,
    max_in_flight: Option<usize>,
}

impl ListConnectorsBuilder {
    pub(crate) fn new(client: Client) -> Self {
        ListConnectorsBuilder {
            client,
            filter: None,
            sort: None,
            page_size: None,
            start_page: 0,
            max_pages: None,
            max_in_flight: None,
        }
    }

    /// Only connectors matching this filter: a [`Filter`] or its text.
    pub fn filter(mut self, filter: impl IntoFilter) -> Self {
        self.filter = Some(filter.into_filter());
        self
    }

    /// The order of the listing; the service's own order when not set.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Connectors per page (`pageSize`); the service's default (50) when not set.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The zero-based page to start from (`pageNo`, default 0).
    pub fn start_page(mut self, page: u32) -> Self {
        self.start_page = page;
        self
    }

    /// Stops after this many pages (the Python SDK's `page_count`); all pages
    /// when not set.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Page requests in flight for this listing, overriding the client's
    /// [`max_in_flight`](crate::ClientBuilder::max_in_flight).
    pub fn max_in_flight(mut self, pages: usize) -> Self {
        self.max_in_flight = Some(pages);
        self
    }

    /// The listing as whole pages, with their paging metadata. A page leaves
    /// out connectors an earlier page already had (see the pager's
    /// guarantees in the crate docs).
    ///
    /// The stream is boxed, so it is `Unpin` and can be stored by name.
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        let client = self.client.clone();
        let query = self.into_query();
        pager::pages(client, query).boxed()
    }

    /// The listing as a stream of connectors, in page order, each at most once.
    ///
    /// The stream is boxed, so it is `Unpin` and can be stored by name.
    pub fn stream(self) -> BoxStream<'static, Result<Connector>> {
        let client = self.client.clone();
        let query = self.into_query();
        pager::connectors(client, query).boxed()
    }

    /// Fetches the whole listing into a `Vec`.
    ///
    /// Prefer [`stream`](Self::stream) for large estates: it holds one page at
    /// a time.
    pub async fn send(self) -> Result<Vec<Connector>> {
        self.stream().try_collect().await
    }

    fn into_query(self) -> Result<PageQuery> {
        let filter = self.filter.transpose()?;
        if self.page_size == Some(0) {
            return Err(Error::config("page size", "must be at least 1"));
        }
        if self.max_pages == Some(0) {
            return Err(Error::config("max pages", "must be at least 1"));
        }
        if self.max_in_flight == Some(0) {
            return Err(Error::config("max in flight", "must be at least 1"));
        }
        Ok(PageQuery {
            filter: filter.map(|f| f.to_string()),
            sort: self.sort,
            page_size: self.page_size,
            start_page: self.start_page,
            max_pages: self.max_pages,
            max_in_flight: self.max_in_flight.unwrap_or(self.client.max_in_flight()),
        })
    }
}

/// Reads one connector; made by [`Client::connector`]. Await it, or call
/// [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request builder does nothing until awaited"]
pub struct GetConnectorBuilder {
    client: Client,
    id: String,
}

impl GetConnectorBuilder {
    pub(crate) fn new(client: Client, id: String) -> Self {
        GetConnectorBuilder { client, id }
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::ConnectorId`], before any request, when the id is not a UUID
    /// in its 8-4-4-4-12 form; [`Error::NotFound`] when the service knows no
    /// such connector; the usual transport and service errors otherwise.
    pub async fn send(self) -> Result<Connector> {
        check_connector_id(&self.id)?;
        let get = Get { segments: &[&self.id], query: &[], what: "connector" };
        http::get(&self.client, get).await
    }
}

impl IntoFuture for GetConnectorBuilder {
    type Output = Result<Connector>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Connector>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Reads the AWS base account; made by [`Client::aws_base_account`]. Await
/// it, or call [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request builder does nothing until awaited"]
pub struct GetAwsBaseAccountBuilder {
    client: Client,
}

impl GetAwsBaseAccountBuilder {
    pub(crate) fn new(client: Client) -> Self {
        GetAwsBaseAccountBuilder { client }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<AwsBaseAccount> {
        let get = Get { segments: &["awsBaseAccountId"], query: &[], what: "AWS base account" };
        http::get(&self.client, get).await
    }
}

impl IntoFuture for GetAwsBaseAccountBuilder {
    type Output = Result<AwsBaseAccount>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<AwsBaseAccount>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Accepts only the hyphenated UUID form, so that an id can never name
/// another path (`awsBaseAccountId`, `..`) or smuggle in a separator.
fn check_connector_id(id: &str) -> Result<()> {
    let reason = if id.is_empty() {
        "it is empty"
    } else if id.chars().any(char::is_whitespace) {
        "it contains whitespace"
    } else if id.contains(['/', '\\']) {
        "it contains a path separator"
    } else if id.contains("..") {
        "it contains `..`"
    } else if id.contains('%') {
        "it contains a percent sign"
    } else if id.len() != 36 || Uuid::try_parse(id).is_err() {
        "expected a UUID such as `12345678-1234-1234-1234-123456789012`"
    } else {
        return Ok(());
    };
    Err(Error::connector_id(id, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str) -> String {
        match check_connector_id(id) {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn connector_id_must_be_a_hyphenated_uuid() {
        insta::assert_snapshot!(check("12345678-1234-1234-1234-123456789012"), @"ok");
        insta::assert_snapshot!(check(""), @"invalid connector id ``: it is empty");
        insta::assert_snapshot!(check("../awsBaseAccountId"), @"invalid connector id `../awsBaseAccountId`: it contains a path separator");
        insta::assert_snapshot!(check("a..b"), @"invalid connector id `a..b`: it contains `..`");
        insta::assert_snapshot!(check("%2F"), @"invalid connector id `%2F`: it contains a percent sign");
        insta::assert_snapshot!(check("12345678 1234"), @"invalid connector id `12345678 1234`: it contains whitespace");
        insta::assert_snapshot!(check("awsBaseAccountId"), @"invalid connector id `awsBaseAccountId`: expected a UUID such as `12345678-1234-1234-1234-123456789012`");
        insta::assert_snapshot!(check("123456781234123412341234567890ab"), @"invalid connector id `123456781234123412341234567890ab`: expected a UUID such as `12345678-1234-1234-1234-123456789012`");
        insta::assert_snapshot!(check("x\ny"), @r"invalid connector id `x\ny`: it contains whitespace");
    }
}
