//! The sandbox over real HTTP, seen from a plain reqwest client.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::*;
use crate::filter::Filter;
use crate::model::Timestamp;

const CONNECTORS: &str = "/cloudview-api/rest/v1/aws/connectors";

/// One answer, taken apart.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("(missing)")
    }

    /// The body with its volatile `timestamp` replaced, for snapshots.
    fn stable_body(&self) -> Value {
        let mut body = self.body.clone();
        if body.get("timestamp").is_some() {
            body["timestamp"] = json!("[timestamp]");
        }
        body
    }

    /// The `connectorId`s of a page's content.
    fn ids(&self) -> Vec<String> {
        let content = self.body["content"].as_array().expect("a page has content");
        content.iter().map(|c| c["connectorId"].as_str().unwrap().to_owned()).collect()
    }

    /// The paging fields that change from page to page, on one line.
    fn summary(&self) -> String {
        let fields = ["number", "numberOfElements", "first", "last", "empty", "totalPages"];
        let mut line: Vec<String> =
            fields.iter().map(|field| format!("{field}={}", self.body[field])).collect();
        line.push(format!("offset={}", self.body["pageable"]["offset"]));
        line.join(" ")
    }

    /// A page without its content: the Spring Data paging fields only.
    fn paging(&self) -> Value {
        let mut body = self.body.clone();
        body.as_object_mut().unwrap().remove("content");
        body
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the sandbox answers");
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
    Answer { status, headers, body }
}

/// `GET path?query` with the sandbox's own credentials.
async fn get(sandbox: &Sandbox, path: &str, query: &[(&str, &str)]) -> Answer {
    let url = format!("{}{path}", sandbox.base_url());
    let request = reqwest::Client::new().get(url).query(query);
    send(request.basic_auth(sandbox.username(), Some(sandbox.password()))).await
}

/// Page `number` of the unsorted list, `size` connectors a page.
async fn page(sandbox: &Sandbox, number: u32, size: u32) -> Answer {
    let (number, size) = (number.to_string(), size.to_string());
    get(sandbox, CONNECTORS, &[("pageNo", &number), ("pageSize", &size)]).await
}

fn ids_of(connectors: &[Connector]) -> Vec<String> {
    connectors.iter().map(|c| c.connector_id.clone().unwrap()).collect()
}

fn small_sandbox(count: usize) -> SandboxBuilder {
    Sandbox::builder().connectors(count).seed(11)
}

#[tokio::test]
async fn list_first_page_has_spring_paging() {
    let sandbox = Sandbox::start().await.unwrap();
    let page = get(&sandbox, CONNECTORS, &[]).await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.ids(), ids_of(&sandbox.connectors()[..50]));
    insta::assert_json_snapshot!(page.paging(), @r#"
    {
      "empty": false,
      "first": true,
      "last": false,
      "number": 0,
      "numberOfElements": 50,
      "pageable": {
        "offset": 0,
        "pageNumber": 0,
        "pageSize": 50,
        "paged": true,
        "sort": {
          "empty": true,
          "sorted": false,
          "unsorted": true
        },
        "unpaged": false
      },
      "size": 50,
      "sort": {
        "empty": true,
        "sorted": false,
        "unsorted": true
      },
      "totalElements": 240,
      "totalPages": 5
    }
    "#);
}

#[tokio::test]
async fn list_middle_last_and_past_the_end_pages() {
    let sandbox = small_sandbox(25).start().await.unwrap();
    let all = ids_of(sandbox.connectors());

    let middle = page(&sandbox, 1, 10).await;
    assert_eq!(middle.ids(), all[10..20]);
    insta::assert_snapshot!(middle.summary(), @"number=1 numberOfElements=10 first=false last=false empty=false totalPages=3 offset=10");

    let last = page(&sandbox, 2, 10).await;
    assert_eq!(last.ids(), all[20..]);
    insta::assert_snapshot!(last.summary(), @"number=2 numberOfElements=5 first=false last=true empty=false totalPages=3 offset=20");

    let past = page(&sandbox, 3, 10).await;
    assert!(past.ids().is_empty());
    insta::assert_snapshot!(past.summary(), @"number=3 numberOfElements=0 first=false last=true empty=true totalPages=3 offset=30");
}

#[tokio::test]
async fn list_pages_together_hold_every_connector_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut ids = Vec::new();
    for number in 0.. {
        let page = page(&sandbox, number, 70).await;
        ids.extend(page.ids());
        if page.body["last"] == json!(true) {
            assert_eq!(number, 3);
            break;
        }
    }
    assert_eq!(ids, ids_of(sandbox.connectors()));
}

#[tokio::test]
async fn list_of_an_empty_data_set_is_one_empty_last_page() {
    let sandbox = Sandbox::builder().data(Vec::new()).start().await.unwrap();
    let page = get(&sandbox, CONNECTORS, &[]).await;
    let body = &page.body;
    assert_eq!((body["totalPages"].clone(), body["totalElements"].clone()), (json!(0), json!(0)));
    assert_eq!((body["first"].clone(), body["last"].clone()), (json!(true), json!(true)));
    assert_eq!(body["empty"], json!(true));
}

#[tokio::test]
async fn list_filter_narrows_the_result() {
    let sandbox = Sandbox::start().await.unwrap();
    let page = get(&sandbox, CONNECTORS, &[("filter", "state:ERROR"), ("pageSize", "1000")]).await;

    let filter = Filter::parse("state:ERROR").unwrap();
    let expected: Vec<Connector> =
        sandbox.connectors().iter().filter(|c| filter.matches(*c)).cloned().collect();
    assert!(!expected.is_empty() && expected.len() < sandbox.connectors().len());
    assert_eq!(page.ids(), ids_of(&expected));
    assert_eq!(page.body["totalElements"], json!(expected.len()));
    for connector in page.body["content"].as_array().unwrap() {
        assert_eq!(connector["state"], "ERROR");
    }
}

/// The `lastSyncedOn` of each connector of a page, as decoded by the model.
fn synced(page: &Answer) -> Vec<Option<Timestamp>> {
    let content = page.body["content"].as_array().unwrap();
    let decode = |c: &Value| serde_json::from_value::<Connector>(c.clone()).unwrap();
    content.iter().map(|c| decode(c).last_synced_on).collect()
}

/// Asserts a whole sorted list: synced connectors in order, then the
/// never-synced ones.
fn assert_sorted(page: &Answer, ascending: bool) {
    let times = synced(page);
    let known = times.iter().take_while(|t| t.is_some()).count();
    assert!(known > 0 && known < times.len());
    assert!(times[known..].iter().all(Option::is_none), "never-synced connectors come last");

    let mut expected = times[..known].to_vec();
    expected.sort();
    if !ascending {
        expected.reverse();
    }
    assert_eq!(times[..known], expected);
    assert_eq!(page.body["sort"], json!({ "sorted": true, "empty": false, "unsorted": false }));
}

#[tokio::test]
async fn list_sorts_by_last_synced_with_nulls_last() {
    let sandbox = Sandbox::start().await.unwrap();
    let query = |sort| [("pageSize", "1000"), ("sort", sort)];
    let ascending = get(&sandbox, CONNECTORS, &query("lastSyncedOn:asc")).await;
    let descending = get(&sandbox, CONNECTORS, &query("lastSyncedOn:desc")).await;

    assert_sorted(&ascending, true);
    assert_sorted(&descending, false);
    let unsorted = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!(unsorted.body["sort"], json!({ "sorted": false, "empty": true, "unsorted": true }));
}

#[tokio::test]
async fn list_sort_keeps_ties_in_natural_order() {
    let connector = |id: &str, synced: Value| json!({ "connectorId": id, "lastSyncedOn": synced });
    let data = vec![
        connector("never-1", Value::Null),
        connector("tie-1", json!("Fri Jan 30 06:29:04 GMT 2026")),
        connector("early", json!("Mon Sep 09 15:00:54 UTC 2024")),
        json!({ "connectorId": "never-2" }),
        connector("tie-2", json!("Fri Jan 30 06:29:04 UTC 2026")),
    ];
    let sandbox = Sandbox::builder().data(data).start().await.unwrap();

    let ascending = get(&sandbox, CONNECTORS, &[("sort", "lastSyncedOn:asc")]).await;
    assert_eq!(ascending.ids(), ["early", "tie-1", "tie-2", "never-1", "never-2"]);
    let descending = get(&sandbox, CONNECTORS, &[("sort", "lastSyncedOn:desc")]).await;
    assert_eq!(descending.ids(), ["tie-1", "tie-2", "early", "never-1", "never-2"]);
}

#[tokio::test]
async fn list_rejects_bad_parameters_with_json_errors() {
    let sandbox = &small_sandbox(3).start().await.unwrap();
    let message = |query: &'static [(&'static str, &'static str)]| async move {
        let answer = get(sandbox, CONNECTORS, query).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        answer.body["message"].as_str().unwrap().to_owned()
    };

    insta::assert_snapshot!(message(&[("pageNo", "two")]).await, @"expected `pageNo` to be a zero-based page number, but found `two`");
    insta::assert_snapshot!(message(&[("pageSize", "0")]).await, @"expected `pageSize` to be an integer from 1 to 1000, but found `0`");
    insta::assert_snapshot!(message(&[("pageSize", "5000")]).await, @"expected `pageSize` to be an integer from 1 to 1000, but found `5000`");
    insta::assert_snapshot!(message(&[("sort", "lastSyncedOn")]).await, @"expected `sort` to be `lastSyncedOn:asc` or `lastSyncedOn:desc`, but found `lastSyncedOn`");

    let answer = get(sandbox, CONNECTORS, &[("pageNo", "-1")]).await;
    insta::assert_json_snapshot!(answer.stable_body(), @r#"
    {
      "error": "Bad Request",
      "errorCode": "BAD_REQUEST",
      "message": "expected `pageNo` to be a zero-based page number, but found `-1`",
      "path": "/cloudview-api/rest/v1/aws/connectors",
      "status": 400,
      "timestamp": "[timestamp]"
    }
    "#);
}

#[tokio::test]
async fn list_rejects_a_filter_that_does_not_parse() {
    let sandbox = small_sandbox(3).start().await.unwrap();
    let text = r#"name:"unclosed"#;
    let answer = get(&sandbox, CONNECTORS, &[("filter", text)]).await;

    let error = Filter::parse(text).unwrap_err();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let expected = format!("invalid `filter` at column {}: {}", error.column(), error.kind());
    assert_eq!(answer.body["message"], expected);
    assert_eq!(answer.body["errorCode"], "BAD_REQUEST");
}

#[tokio::test]
async fn connector_is_served_in_its_wire_form() {
    let raw = json!({
        "connectorId": "0b6f6f0e-4a8e-4bd4-9d5e-6a3c1c3f2d10",
        "name": "prod-payments-us-east-1",
        "awsAccountId": 12345678901_u64,
        "lastSyncedOn": "Fri Jan 30 06:29:04 GMT 2026",
        "state": "Completed successfully",
        "regionCode": "us-east-1",
    });
    let sandbox = Sandbox::builder().data(vec![raw.clone()]).start().await.unwrap();

    let path = format!("{CONNECTORS}/0b6f6f0e-4a8e-4bd4-9d5e-6a3c1c3f2d10");
    let answer = get(&sandbox, &path, &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, raw);
    assert_eq!(get(&sandbox, CONNECTORS, &[]).await.body["content"], json!([raw]));
}

#[tokio::test]
async fn connector_unknown_id_is_404() {
    let sandbox = small_sandbox(3).start().await.unwrap();
    let known = sandbox.connectors()[0].connector_id.clone().unwrap();
    assert_eq!(get(&sandbox, &format!("{CONNECTORS}/{known}"), &[]).await.status, StatusCode::OK);

    let answer = get(&sandbox, &format!("{CONNECTORS}/{}", known.to_uppercase()), &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = get(&sandbox, &format!("{CONNECTORS}/no-such-connector"), &[]).await;
    insta::assert_json_snapshot!(answer.stable_body(), @r#"
    {
      "error": "Not Found",
      "errorCode": "NOT_FOUND",
      "message": "no connector has the id `no-such-connector`",
      "path": "/cloudview-api/rest/v1/aws/connectors/no-such-connector",
      "status": 404,
      "timestamp": "[timestamp]"
    }
    "#);
}

#[tokio::test]
async fn aws_base_account_sends_flags_as_strings() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let answer = get(&sandbox, &format!("{CONNECTORS}/awsBaseAccountId"), &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    insta::assert_json_snapshot!(answer.body, @r#"
    {
      "chinaAccountId": "208716550934",
      "customerChinaAccount": "false",
      "customerGlobalAccount": "false",
      "customerGovAccount": "false",
      "globalAccountId": "350129874466",
      "govAccountId": "009482731156"
    }
    "#);
}

#[tokio::test]
async fn unknown_path_is_404_with_a_json_body() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let answer = get(&sandbox, "/cloudview-api/rest/v1/azure/connectors", &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!(answer.stable_body(), @r#"
    {
      "error": "Not Found",
      "errorCode": "NOT_FOUND",
      "message": "no endpoint at `/cloudview-api/rest/v1/azure/connectors`",
      "path": "/cloudview-api/rest/v1/azure/connectors",
      "status": 404,
      "timestamp": "[timestamp]"
    }
    "#);
}

#[tokio::test]
async fn wrong_method_is_405() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let url = format!("{}{CONNECTORS}", sandbox.base_url());
    let request = reqwest::Client::new().delete(url);
    let answer = send(request.basic_auth(sandbox.username(), Some(sandbox.password()))).await;

    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.body["status"], 405);
    assert!(answer.header("allow").contains("GET"));
}

#[tokio::test]
async fn credentials_missing_or_wrong_are_401() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let url = format!("{}{CONNECTORS}", sandbox.base_url());
    let client = reqwest::Client::new();

    let missing = send(client.get(&url)).await;
    let wrong = send(client.get(&url).basic_auth(sandbox.username(), Some("guess"))).await;
    let bearer = send(client.get(&url).bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.sig")).await;
    for answer in [&missing, &wrong, &bearer] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.header("www-authenticate"), r#"Basic realm="TotalCloud sandbox""#);
    }
    insta::assert_snapshot!(missing.body["message"].as_str().unwrap(), @"full authentication is required to access this resource");
    insta::assert_snapshot!(wrong.body["message"].as_str().unwrap(), @"bad credentials");
    insta::assert_snapshot!(bearer.body["message"].as_str().unwrap(), @"expected HTTP Basic credentials, but found scheme `Bearer`");
}

#[tokio::test]
async fn credentials_can_be_chosen() {
    let sandbox = small_sandbox(1).credentials("alice", "s3cret").start().await.unwrap();
    assert_eq!((sandbox.username(), sandbox.password()), ("alice", "s3cret"));
    assert_eq!(get(&sandbox, CONNECTORS, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let first = get(&sandbox, CONNECTORS, &[]).await;
    let second = get(&sandbox, "/nowhere", &[]).await;

    assert_eq!(first.header("x-ratelimit-limit"), "100000");
    assert_eq!(first.header("x-ratelimit-window-sec"), "60");
    assert_eq!(first.header("x-ratelimit-remaining"), "99999");
    assert_eq!(second.header("x-ratelimit-remaining"), "99998");
    assert_eq!(first.header("x-ratelimit-towait-sec"), "(missing)");
}

#[tokio::test]
async fn rate_limit_exhausted_is_429_with_wait_headers() {
    let sandbox = small_sandbox(1).rate_limit(2, Duration::from_secs(30)).start().await.unwrap();
    let remaining = [
        get(&sandbox, CONNECTORS, &[]).await.header("x-ratelimit-remaining").to_owned(),
        get(&sandbox, CONNECTORS, &[]).await.header("x-ratelimit-remaining").to_owned(),
    ];
    assert_eq!(remaining, ["1", "0"]);

    let refused = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("x-ratelimit-towait-sec"), "30");
    assert_eq!(refused.header("retry-after"), "30");
    insta::assert_json_snapshot!(refused.stable_body(), @r#"
    {
      "error": "Too Many Requests",
      "errorCode": "TOO_MANY_REQUESTS",
      "message": "rate limit exceeded, retry in 30 seconds",
      "path": "/cloudview-api/rest/v1/aws/connectors",
      "status": 429,
      "timestamp": "[timestamp]"
    }
    "#);
}

#[tokio::test]
async fn requests_are_recorded_with_credentials_redacted() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    get(&sandbox, CONNECTORS, &[("filter", "name:\"prod payments\""), ("pageNo", "0")]).await;
    let url = format!("{}{CONNECTORS}/awsBaseAccountId", sandbox.base_url());
    send(reqwest::Client::new().get(url).bearer_auth("a.secret.token")).await;

    insta::assert_yaml_snapshot!(sandbox.requests(), @r#"
    - method: GET
      path: /cloudview-api/rest/v1/aws/connectors
      query:
        - - filter
          - "name:\"prod payments\""
        - - pageNo
          - "0"
      headers:
        - - accept
          - "*/*"
        - - authorization
          - "Basic [redacted]"
    - method: GET
      path: /cloudview-api/rest/v1/aws/connectors/awsBaseAccountId
      query: []
      headers:
        - - accept
          - "*/*"
        - - authorization
          - "Bearer [redacted]"
    "#);
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let sandbox = small_sandbox(1).latency(Duration::from_millis(150)).start().await.unwrap();
    let started = Instant::now();
    get(&sandbox, CONNECTORS, &[]).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn data_that_is_not_a_connector_fails_to_start() {
    let error = Sandbox::builder().data(vec![json!([1, 2])]).start().await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn drop_stops_the_server() {
    let sandbox = small_sandbox(1).start().await.unwrap();
    let addr = sandbox.addr();
    assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{}", addr.port()));
    assert_eq!(get(&sandbox, CONNECTORS, &[]).await.status, StatusCode::OK);

    drop(sandbox);
    let refused = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn sandbox_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Sandbox>();
    shareable::<SandboxBuilder>();
    shareable::<RecordedRequest>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_pages_are_served_on_a_multi_thread_runtime() {
    let sandbox = Sandbox::start().await.unwrap();
    let pages = (0..5).map(|number| page(&sandbox, number, 50));
    let pages = futures::future::join_all(pages).await;
    let ids: Vec<String> = pages.iter().flat_map(Answer::ids).collect();
    assert_eq!(ids, ids_of(sandbox.connectors()));
}
