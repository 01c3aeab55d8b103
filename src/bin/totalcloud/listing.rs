//! `connectors list`: pages in, connectors out, with progress and a limit.

use std::io::Write;

use anyhow::Result;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use totalcloud::{Client, ListConnectorsBuilder, Page, Sort};

use crate::args::{ListArgs, SortArg};
use crate::output::ListingWriter;
use crate::progress::Progress;

/// The page size the service uses when none is asked for.
const SERVICE_PAGE_SIZE: u32 = 50;

/// Streams the listing into `writer`, counting pages on `progress`, and
/// stops after `args.limit` connectors.
pub async fn list<W: Write>(
    client: &Client,
    args: ListArgs,
    mut writer: ListingWriter<W>,
    progress: &Progress,
) -> Result<()> {
    let plan = Plan::new(&args);
    let limit = plan.limit.unwrap_or(u64::MAX);
    let mut pages = plan.request(client, args).pages();
    progress.start();

    while let Some(page) = next_page(&mut pages, &mut writer).await? {
        let room = usize::try_from(limit - writer.count()).unwrap_or(usize::MAX);
        for connector in page.connectors.iter().take(room) {
            writer.write(connector)?;
        }
        let expected = page.total_elements.map(|total| plan.expected(total));
        progress.page(&page, writer.count(), expected);
        if writer.count() >= limit {
            // Dropping the stream aborts the page requests still in flight.
            tracing::debug!(limit, "limit reached; stopping the listing");
            break;
        }
    }

    // The table comes out at the end, and the bar should not stay under it.
    progress.clear();
    let count = writer.finish()?;
    tracing::info!(connectors = count, "listing done");
    Ok(())
}

/// Flushes only when the next page is not ready yet: whole pages go out in
/// one write, and nothing waits in the buffer while we wait.
async fn next_page<W: Write>(
    pages: &mut BoxStream<'static, totalcloud::Result<Page>>,
    writer: &mut ListingWriter<W>,
) -> Result<Option<Page>> {
    let next = match pages.next().now_or_never() {
        Some(next) => next,
        None => {
            writer.flush()?;
            pages.next().await
        }
    };
    Ok(next.transpose()?)
}

/// What the arguments say about the size of the listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    limit: Option<u64>,
    /// The page size asked for; with a limit and no size, the smaller of the
    /// limit and the service's default, so that the page count is known.
    page_size: Option<u32>,
    /// `--max-pages`, lowered to the pages the limit needs.
    max_pages: Option<u32>,
    start_page: u32,
}

impl Plan {
    fn new(args: &ListArgs) -> Plan {
        let page_size = match (args.page_size, args.limit) {
            (Some(size), _) => Some(size),
            (None, Some(limit)) => Some(limit.min(u64::from(SERVICE_PAGE_SIZE)) as u32),
            (None, None) => None,
        };
        let needed = args.limit.zip(page_size).map(|(limit, size)| pages_for(limit, size));
        let max_pages = match (args.max_pages, needed) {
            (Some(max), Some(needed)) => Some(max.min(needed)),
            (max, needed) => max.or(needed),
        };
        Plan { limit: args.limit, page_size, max_pages, start_page: args.start_page }
    }

    fn request(&self, client: &Client, args: ListArgs) -> ListConnectorsBuilder {
        let mut request = client.connectors().start_page(self.start_page);
        if let Some(filter) = args.filter {
            request = request.filter(filter);
        }
        if let Some(sort) = args.sort {
            request = request.sort(match sort {
                SortArg::Asc => Sort::LastSyncedAsc,
                SortArg::Desc => Sort::LastSyncedDesc,
            });
        }
        if let Some(size) = self.page_size {
            request = request.page_size(size);
        }
        if let Some(pages) = self.max_pages {
            request = request.max_pages(pages);
        }
        if let Some(k) = args.max_in_flight {
            request = request.max_in_flight(k);
        }
        request
    }

    /// How many connectors the listing will write in all, once a page has
    /// told the total: what lies past the start page, within the page cap
    /// and the limit.
    fn expected(&self, total: u64) -> u64 {
        let size = u64::from(self.page_size.unwrap_or(SERVICE_PAGE_SIZE));
        let past_start = total.saturating_sub(u64::from(self.start_page) * size);
        let capped = self.max_pages.map_or(past_start, |max| past_start.min(u64::from(max) * size));
        self.limit.map_or(capped, |limit| capped.min(limit))
    }
}

fn pages_for(limit: u64, page_size: u32) -> u32 {
    u32::try_from(limit.div_ceil(u64::from(page_size.max(1)))).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ListArgs {
        ListArgs {
            filter: None,
            sort: None,
            page_size: None,
            start_page: 0,
            max_pages: None,
            limit: None,
            max_in_flight: None,
        }
    }

    fn plan(page_size: Option<u32>, max_pages: Option<u32>, limit: Option<u64>) -> Plan {
        Plan::new(&ListArgs { page_size, max_pages, limit, ..args() })
    }

    #[test]
    fn plan_without_a_limit_asks_for_what_was_given() {
        let plan = plan(Some(20), Some(3), None);

        assert_eq!((plan.page_size, plan.max_pages), (Some(20), Some(3)));
        assert_eq!(plan.expected(240), 60);
    }

    #[test]
    fn plan_with_a_limit_requests_only_the_pages_it_needs() {
        assert_eq!(plan(Some(5), None, Some(7)).max_pages, Some(2));
        assert_eq!(plan(Some(5), Some(1), Some(7)).max_pages, Some(1));
        assert_eq!(plan(Some(5), None, Some(10)).max_pages, Some(2));
    }

    #[test]
    fn plan_with_a_limit_and_no_page_size_picks_one() {
        let small = plan(None, None, Some(7));
        let large = plan(None, None, Some(120));

        assert_eq!((small.page_size, small.max_pages), (Some(7), Some(1)));
        assert_eq!((large.page_size, large.max_pages), (Some(50), Some(3)));
        assert_eq!(large.expected(240), 120);
        assert_eq!(large.expected(30), 30);
    }

    #[test]
    fn plan_expects_what_lies_past_the_start_page() {
        let plan = Plan::new(&ListArgs { start_page: 2, ..args() });

        assert_eq!(plan.expected(240), 140);
        assert_eq!(plan.expected(90), 0);
    }
}
