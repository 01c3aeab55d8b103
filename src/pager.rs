//! Paging through a listing: page requests in flight, pages in order.
//!
//! # What the stream guarantees
//!
//! - Nothing is requested before the first poll, and dropping the stream
//!   aborts every request still in flight.
//! - Pages come out in page order, and connectors in the order of their pages,
//!   even with several requests in flight.
//! - The first page is fetched alone; once it tells `totalPages`, up to
//!   `max_in_flight` pages are requested at once, never more than that many
//!   ahead of the consumer.
//! - The listing ends at a page marked `last`, at an empty page, after
//!   `max_pages` pages, or at the first error (yielded once, then the stream
//!   ends). A page whose `number` differs from the one asked for also ends it,
//!   with a warning: a service that ignores `pageNo` would otherwise be read
//!   forever.
//! - Neither stream yields the same `connectorId` twice: a page leaves out the
//!   connectors an earlier page already had, so its `connectors` can be
//!   shorter than the service's page. If connectors
//!   are added or removed while a listing runs, the service's pages shift: a
//!   connector may then be skipped (it moved to a page already read), but none
//!   is repeated. Connectors without an id cannot be told apart and are all
//!   yielded.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, FuturesOrdered};
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::task::JoinHandle;
use tracing::{debug, warn};
use uuid::Uuid;

use crate::client::Client;
use crate::connectors::Sort;
use crate::error::{Error, Result};
use crate::http::{self, Get};
use crate::model::{Connector, ConnectorPage};

/// One page of a listing, with the service's paging metadata.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page {
    /// The zero-based page number.
    pub number: u32,
    /// Pages in the whole listing, as this page reported it.
    pub total_pages: Option<u32>,
    /// Connectors in the whole listing, as this page reported it.
    pub total_elements: Option<u64>,
    /// Whether the service marked this page as the last.
    pub last: bool,
    /// The connectors of this page, in the service's order.
    pub connectors: Vec<Connector>,
}

/// A checked listing request.
#[derive(Debug)]
pub(crate) struct PageQuery {
    pub(crate) filter: Option<String>,
    pub(crate) sort: Option<Sort>,
    pub(crate) page_size: Option<u32>,
    pub(crate) start_page: u32,
    pub(crate) max_pages: Option<u32>,
    pub(crate) max_in_flight: usize,
}

impl PageQuery {
    fn params(&self, page: u32) -> Vec<(&'static str, String)> {
        let mut params = vec![("pageNo", page.to_string())];
        if let Some(size) = self.page_size {
            params.push(("pageSize", size.to_string()));
        }
        if let Some(filter) = &self.filter {
            params.push(("filter", filter.clone()));
        }
        if let Some(sort) = self.sort {
            params.push(("sort", sort.as_str().to_string()));
        }
        params
    }
}

/// The listing as pages. A `query` error is the stream's only item.
pub(crate) fn pages(
    client: Client,
    query: Result<PageQuery>,
) -> impl Stream<Item = Result<Page>> + Send + 'static {
    let start = query.map(|query| Pager::new(client, query));
    stream::try_unfold(start, |state| async move {
        let mut pager = state?;
        let page = pager.next_page().await?;
        Ok(page.map(|page| (page, Ok(pager))))
    })
}

/// The listing as connectors, each `connectorId` at most once.
pub(crate) fn connectors(
    client: Client,
    query: Result<PageQuery>,
) -> impl Stream<Item = Result<Connector>> + Send + 'static {
    pages(client, query)
        .map_ok(|page| stream::iter(page.connectors.into_iter().map(Ok)))
        .try_flatten()
}

/// The ids yielded so far; a UUID costs 16 bytes, so a listing of 100,000
/// connectors holds about 2 MB here (3.5 MB at the peak of a resize,
/// measured by `benches/rss.sh`).
#[derive(Default)]
struct SeenIds {
    uuids: HashSet<u128>,
    others: HashSet<String>,
}

impl SeenIds {
    fn first_time(&mut self, connector: &Connector) -> bool {
        let Some(id) = connector.connector_id.as_deref() else {
            return true;
        };
        let first = match Uuid::try_parse(id) {
            Ok(uuid) => self.uuids.insert(uuid.as_u128()),
            Err(_) => self.others.insert(id.to_string()),
        };
        if !first {
            debug!(connector_id = id, "skipping a connector already yielded");
        }
        first
    }
}

struct Pager {
    client: Client,
    query: Arc<PageQuery>,
    /// The next page number to request.
    next: u32,
    /// Page numbers from here on are past `max_pages`.
    stop_at: Option<u32>,
    /// `totalPages` as the latest page reported it.
    total_pages: Option<u32>,
    in_flight: FuturesOrdered<PageTask>,
    seen: SeenIds,
    received_any: bool,
    done: bool,
}

impl Pager {
    fn new(client: Client, query: PageQuery) -> Pager {
        let stop_at = query.max_pages.map(|max| query.start_page.saturating_add(max));
        Pager {
            client,
            next: query.start_page,
            query: Arc::new(query),
            stop_at,
            total_pages: None,
            in_flight: FuturesOrdered::new(),
            seen: SeenIds::default(),
            received_any: false,
            done: false,
        }
    }

    async fn next_page(&mut self) -> Result<Option<Page>> {
        if self.done {
            return Ok(None);
        }
        self.fill();
        let Some((number, result)) = self.in_flight.next().await else {
            return Ok(None);
        };
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.finish("error");
                return Err(error);
            }
        };
        Ok(self.accept(number, page))
    }

    /// Starts requests until `max_in_flight` are out or no page is known to
    /// remain. Before the first page, and whenever the service gave no
    /// `totalPages`, pages are requested one at a time.
    fn fill(&mut self) {
        while self.in_flight.len() < self.query.max_in_flight && self.may_request(self.next) {
            let task = PageTask::spawn(self.client.clone(), Arc::clone(&self.query), self.next);
            self.in_flight.push_back(task);
            self.next += 1;
        }
    }

    fn may_request(&self, number: u32) -> bool {
        if self.stop_at.is_some_and(|stop| number >= stop) {
            return false;
        }
        match self.total_pages {
            // Beyond the known total only when nothing else is pending: the
            // last page said "not last", so the total has grown.
            Some(total) => number < total || self.in_flight.is_empty(),
            None => self.in_flight.is_empty(),
        }
    }

    /// Turns a wire page into a [`Page`] and decides whether to go on.
    fn accept(&mut self, number: u32, wire: ConnectorPage) -> Option<Page> {
        let mut page = Page {
            number,
            total_pages: wire.total_pages.and_then(|n| u32::try_from(n).ok()),
            total_elements: wire.total_elements.and_then(|n| u64::try_from(n).ok()),
            last: wire.last == Some(true),
            connectors: wire.content.unwrap_or_default(),
        };
        debug!(page = number, connectors = page.connectors.len(), "page received");
        if page.total_pages.is_some() {
            self.total_pages = page.total_pages;
        }
        let first = !self.received_any;
        self.received_any = true;

        if wire.number.is_some_and(|n| n != i64::from(number)) {
            warn!(
                asked = number,
                answered = wire.number,
                "the service answered another page; stopping"
            );
            self.finish("page number mismatch");
            return None;
        }
        if page.connectors.is_empty() {
            self.finish("empty page");
            // An empty first page still tells the caller the totals.
            return first.then_some(page);
        }
        page.connectors.retain(|connector| self.seen.first_time(connector));
        if page.last {
            self.finish("last page");
        } else if self.stop_at.is_some_and(|stop| number + 1 >= stop) {
            self.finish("max pages reached");
        }
        Some(page)
    }

    /// Ends the listing and aborts the requests still in flight.
    fn finish(&mut self, reason: &'static str) {
        debug!(reason, "paging stopped");
        self.done = true;
        self.in_flight = FuturesOrdered::new();
    }
}

/// One page request running on its own task, so that it downloads while the
/// consumer is busy; dropping it aborts the request.
struct PageTask {
    number: u32,
    handle: JoinHandle<Result<ConnectorPage>>,
}

impl PageTask {
    fn spawn(client: Client, query: Arc<PageQuery>, number: u32) -> PageTask {
        let handle = tokio::spawn(async move {
            let params = query.params(number);
            http::get(&client, Get { segments: &[], query: &params, what: "connector page" }).await
        });
        PageTask { number, handle }
    }
}

impl Future for PageTask {
    type Output = (u32, Result<ConnectorPage>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let number = self.number;
        Pin::new(&mut self.handle).poll(cx).map(|joined| match joined {
            Ok(result) => (number, result),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => (number, Err(Error::config("runtime", "the page request was cancelled"))),
        })
    }
}

impl Drop for PageTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
