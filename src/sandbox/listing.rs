//! The list endpoint's work: read its query parameters, select, sort and cut
//! one Spring Data page out of the data set.

use std::cmp::Ordering;

use serde_json::{json, Value};

use super::data::DataSet;
use crate::filter::Filter;
use crate::model::Connector;

const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 1000;

/// The list endpoint's parameters, checked.
#[derive(Debug)]
pub(super) struct ListQuery {
    page_no: u32,
    page_size: u32,
    filter: Option<Filter>,
    sort: Option<SortOrder>,
}

/// The two orders the service sorts by `lastSyncedOn` in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum SortOrder {
    Ascending,
    Descending,
}

impl ListQuery {
    /// Reads `pageNo`, `pageSize`, `filter` and `sort` from the query pairs.
    ///
    /// The first occurrence of a parameter wins, an empty value counts as
    /// absent, and parameters the service does not know are ignored. The error
    /// is the message for a 400.
    pub(super) fn parse(pairs: &[(String, String)]) -> Result<ListQuery, String> {
        Ok(ListQuery {
            page_no: param(pairs, "pageNo").map_or(Ok(0), parse_page_no)?,
            page_size: param(pairs, "pageSize").map_or(Ok(DEFAULT_PAGE_SIZE), parse_page_size)?,
            filter: param(pairs, "filter").map(parse_filter).transpose()?,
            sort: param(pairs, "sort").map(parse_sort).transpose()?,
        })
    }
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let (_, value) = pairs.iter().find(|(key, _)| key == name)?;
    Some(value.trim()).filter(|value| !value.is_empty())
}

fn parse_page_no(text: &str) -> Result<u32, String> {
    text.parse().map_err(|_| {
        format!("expected `pageNo` to be a zero-based page number, but found `{text}`")
    })
}

fn parse_page_size(text: &str) -> Result<u32, String> {
    match text.parse() {
        Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => Ok(size),
        _ => Err(format!(
            "expected `pageSize` to be an integer from 1 to {MAX_PAGE_SIZE}, but found `{text}`"
        )),
    }
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    Filter::parse(text)
        .map_err(|error| format!("invalid `filter` at column {}: {}", error.column(), error.kind()))
}

fn parse_sort(text: &str) -> Result<SortOrder, String> {
    match text {
        "lastSyncedOn:asc" => Ok(SortOrder::Ascending),
        "lastSyncedOn:desc" => Ok(SortOrder::Descending),
        _ => Err(format!(
            "expected `sort` to be `lastSyncedOn:asc` or `lastSyncedOn:desc`, but found `{text}`"
        )),
    }
}

/// The page `query` asks for, as the service's Spring Data page document.
pub(super) fn page(data: &DataSet, query: &ListQuery) -> Value {
    let mut selected: Vec<usize> = (0..data.connectors.len())
        .filter(|&index| query.filter.as_ref().is_none_or(|f| f.matches(&data.connectors[index])))
        .collect();
    if let Some(order) = query.sort {
        sort_by_last_synced(&mut selected, &data.connectors, order);
    }

    let start = usize::try_from(offset(query)).unwrap_or(usize::MAX);
    let content: Vec<Value> = selected
        .iter()
        .skip(start)
        .take(query.page_size as usize)
        .map(|&index| data.raw[index].clone())
        .collect();
    spring_page(content, query, selected.len())
}

/// Sorts stably, so ties keep their natural order; connectors never synced go
/// last in either order, which is where the service puts them.
fn sort_by_last_synced(selected: &mut [usize], connectors: &[Connector], order: SortOrder) {
    selected.sort_by(|&a, &b| match (connectors[a].last_synced_on, connectors[b].last_synced_on) {
        (Some(a), Some(b)) if order == SortOrder::Ascending => a.cmp(&b),
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
}

fn offset(query: &ListQuery) -> u64 {
    u64::from(query.page_no) * u64::from(query.page_size)
}

fn spring_page(content: Vec<Value>, query: &ListQuery, total: usize) -> Value {
    let total_pages = total.div_ceil(query.page_size as usize);
    let page_no = query.page_no as usize;
    let sort = sort_state(query.sort.is_some());

    json!({
        "numberOfElements": content.len(),
        "empty": content.is_empty(),
        "content": content,
        "pageable": {
            "pageNumber": query.page_no,
            "pageSize": query.page_size,
            "offset": offset(query),
            "paged": true,
            "unpaged": false,
            "sort": sort,
        },
        "totalPages": total_pages,
        "totalElements": total,
        "number": query.page_no,
        "size": query.page_size,
        "first": page_no == 0,
        "last": page_no + 1 >= total_pages,
        "sort": sort,
    })
}

fn sort_state(sorted: bool) -> Value {
    json!({ "sorted": sorted, "empty": !sorted, "unsorted": !sorted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn error(query: &[(&str, &str)]) -> String {
        ListQuery::parse(&pairs(query)).unwrap_err()
    }

    #[test]
    fn list_query_defaults_and_first_occurrence() {
        let query = ListQuery::parse(&[]).unwrap();
        assert_eq!((query.page_no, query.page_size, query.sort), (0, 50, None));

        let query = pairs(&[("pageNo", "3"), ("pageNo", "9"), ("pageSize", ""), ("x", "y")]);
        let query = ListQuery::parse(&query).unwrap();
        assert_eq!((query.page_no, query.page_size), (3, 50));
    }

    #[test]
    fn list_query_rejects_bad_values() {
        insta::assert_snapshot!(error(&[("pageNo", "first")]), @"expected `pageNo` to be a zero-based page number, but found `first`");
        insta::assert_snapshot!(error(&[("pageNo", "-1")]), @"expected `pageNo` to be a zero-based page number, but found `-1`");
        insta::assert_snapshot!(error(&[("pageSize", "0")]), @"expected `pageSize` to be an integer from 1 to 1000, but found `0`");
        insta::assert_snapshot!(error(&[("pageSize", "1001")]), @"expected `pageSize` to be an integer from 1 to 1000, but found `1001`");
        insta::assert_snapshot!(error(&[("sort", "name:asc")]), @"expected `sort` to be `lastSyncedOn:asc` or `lastSyncedOn:desc`, but found `name:asc`");
        insta::assert_snapshot!(error(&[("sort", "lastSyncedOn:ASC")]), @"expected `sort` to be `lastSyncedOn:asc` or `lastSyncedOn:desc`, but found `lastSyncedOn:ASC`");
    }

    #[test]
    fn page_past_a_huge_page_number_is_empty() {
        let data = DataSet::from_raw(vec![json!({ "name": "only" })]).unwrap();
        let query = ListQuery::parse(&pairs(&[("pageNo", "4294967295"), ("pageSize", "1000")]));
        let page = page(&data, &query.unwrap());
        assert_eq!(page["content"], json!([]));
        assert_eq!(page["pageable"]["offset"], json!(4_294_967_295_000_u64));
        assert_eq!((page["last"].clone(), page["totalPages"].clone()), (json!(true), json!(1)));
    }
}
