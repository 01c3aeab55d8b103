//! The pager against the sandbox: order, exactly once, stopping rules,
//! laziness and cancellation.

mod common;

use futures::{StreamExt, TryStreamExt};
use totalcloud::model::Connector;
use totalcloud::sandbox::Sandbox;
use totalcloud::{Error, Filter, Sort, State};

use common::{ids, sandbox};

fn list_requests(sandbox: &Sandbox) -> usize {
    sandbox.requests().iter().filter(|r| r.path.ends_with("/aws/connectors")).count()
}

#[tokio::test]
async fn listing_yields_every_connector_once_in_order() {
    let (sandbox, client) = sandbox().await;
    let expected = ids(sandbox.connectors());
    assert!(expected.len() > 200, "the default data set has a few hundred connectors");

    for in_flight in [1, 4] {
        sandbox.clear_requests();
        let listed =
            client.connectors().page_size(7).max_in_flight(in_flight).send().await.unwrap();

        assert_eq!(ids(&listed), expected, "max_in_flight {in_flight}");
        let pages = expected.len().div_ceil(7);
        assert_eq!(list_requests(&sandbox), pages, "max_in_flight {in_flight}");
    }
}

#[tokio::test]
async fn pages_carry_paging_metadata() {
    let (sandbox, client) = sandbox().await;
    let total = sandbox.connectors().len();

    let pages: Vec<_> = client.connectors().page_size(100).pages().try_collect().await.unwrap();

    let numbers: Vec<u32> = pages.iter().map(|p| p.number).collect();
    assert_eq!(numbers, (0..total.div_ceil(100) as u32).collect::<Vec<_>>());
    assert!(pages.iter().all(|p| p.total_elements == Some(total as u64)));
    assert!(pages.last().unwrap().last);
    assert!(pages.iter().rev().skip(1).all(|p| !p.last));
}

#[tokio::test]
async fn max_pages_and_start_page_select_a_window() {
    let (sandbox, client) = sandbox().await;
    let all = ids(sandbox.connectors());

    let listed = client.connectors().page_size(10).start_page(5).max_pages(3).send().await.unwrap();

    assert_eq!(ids(&listed), all[50..80].to_vec());
    assert_eq!(list_requests(&sandbox), 3);
}

#[tokio::test]
async fn start_page_past_the_end_yields_nothing() {
    let (sandbox, client) = sandbox().await;

    let listed = client.connectors().page_size(50).start_page(1000).send().await.unwrap();

    assert!(listed.is_empty());
    assert_eq!(list_requests(&sandbox), 1);
}

#[tokio::test]
async fn filter_that_matches_nothing_gives_one_empty_page() {
    let (sandbox, client) = sandbox().await;
    let filter = Filter::name().exact("no connector has this name").unwrap();

    let pages: Vec<_> = client.connectors().filter(filter).pages().try_collect().await.unwrap();

    assert_eq!(pages.len(), 1);
    assert!(pages[0].connectors.is_empty());
    assert_eq!(pages[0].total_elements, Some(0));
    assert_eq!(list_requests(&sandbox), 1);
}

#[tokio::test]
async fn filter_gives_what_local_evaluation_gives() {
    let (sandbox, client) = sandbox().await;
    let filters = [
        Filter::state().is(State::Error),
        Filter::state().any_of([State::Pending, State::RegionsDiscovered]).unwrap(),
        Filter::name().contains("prod").unwrap() & !Filter::state().is(State::Success),
        "lastSynced >= 2025-06-01 OR description:\"data\"".parse().unwrap(),
    ];

    for filter in filters {
        let expected: Vec<&Connector> =
            sandbox.connectors().iter().filter(|c| filter.matches(*c)).collect();
        let listed = client.connectors().filter(filter.clone()).page_size(25).send().await.unwrap();

        assert!(!expected.is_empty(), "{filter} should match something in the data set");
        assert_eq!(listed.iter().collect::<Vec<_>>(), expected, "{filter}");
    }
}

#[tokio::test]
async fn sort_orders_by_last_synced_with_missing_dates_last() {
    let (_sandbox, client) = sandbox().await;

    for sort in [Sort::LastSyncedAsc, Sort::LastSyncedDesc] {
        let listed = client.connectors().sort(sort).page_size(40).send().await.unwrap();
        let dates: Vec<_> = listed.iter().map(|c| c.last_synced_on).collect();
        let known: Vec<_> = dates.iter().flatten().copied().collect();
        let mut sorted = known.clone();
        sorted.sort();
        if sort == Sort::LastSyncedDesc {
            sorted.reverse();
        }

        assert_eq!(known, sorted, "{sort:?}");
        let first_missing = dates.iter().position(Option::is_none).expect("some dates are missing");
        assert!(dates[first_missing..].iter().all(Option::is_none), "{sort:?}");
    }
}

#[tokio::test]
async fn stream_is_lazy_and_stops_when_dropped() {
    let (sandbox, client) = sandbox().await;

    let stream = client.connectors().page_size(5).max_in_flight(4).stream();
    tokio::task::yield_now().await;
    assert_eq!(list_requests(&sandbox), 0, "no request before the first poll");

    let first_two: Vec<Connector> = stream.take(2).try_collect().await.unwrap();
    assert_eq!(first_two.len(), 2);
    let after_drop = list_requests(&sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    // The first page alone, then at most four more requested before the drop.
    assert!((1..=5).contains(&after_drop), "{after_drop} requests");
    assert_eq!(list_requests(&sandbox), after_drop, "no request after the drop");
}

#[tokio::test]
async fn invalid_settings_fail_before_any_request() {
    let (sandbox, client) = sandbox().await;

    let bad_filter = client.connectors().filter("state:DONE").send().await.unwrap_err();
    let zero_size = client.connectors().page_size(0).send().await.unwrap_err();
    let zero_pages = client.connectors().max_pages(0).send().await.unwrap_err();

    assert!(matches!(bad_filter, Error::Filter(_)), "{bad_filter:?}");
    insta::assert_snapshot!(zero_size, @"invalid page size: must be at least 1");
    insta::assert_snapshot!(zero_pages, @"invalid max pages: must be at least 1");
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn repeated_ids_are_yielded_once() {
    let connector = |id: &str, name: &str| serde_json::json!({ "connectorId": id, "name": name, "state": "SUCCESS" });
    let a = "00000000-0000-4000-8000-00000000000a";
    let b = "00000000-0000-4000-8000-00000000000b";
    let data = vec![connector(a, "one"), connector(b, "two"), connector(a, "one again")];
    let sandbox = Sandbox::builder().data(data).start().await.unwrap();
    let client = sandbox.client().unwrap();

    let listed = client.connectors().page_size(1).send().await.unwrap();
    let pages: Vec<_> = client.connectors().page_size(1).pages().try_collect().await.unwrap();

    let names: Vec<_> = listed.iter().map(|c| c.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["one", "two"]);
    let per_page: Vec<usize> = pages.iter().map(|p| p.connectors.len()).collect();
    assert_eq!(per_page, [1, 1, 0], "the third page's repeat is left out");
}
