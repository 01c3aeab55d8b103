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
    insta::assert_snapshot!(bearer.body["message"].as_str().unwrap(), @"the token is expired or unknown");
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
    shareable::<FaultPlan>();
    shareable::<InjectedFault>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_pages_are_served_on_a_multi_thread_runtime() {
    let sandbox = Sandbox::start().await.unwrap();
    let pages = (0..5).map(|number| page(&sandbox, number, 50));
    let pages = futures::future::join_all(pages).await;
    let ids: Vec<String> = pages.iter().flat_map(Answer::ids).collect();
    assert_eq!(ids, ids_of(sandbox.connectors()));
}

/// A small sandbox that injects the faults of `plan`.
async fn faulty(plan: FaultPlan) -> Sandbox {
    small_sandbox(3).faults(plan).start().await.unwrap()
}

/// `GET path` with the sandbox's credentials, the response not yet read.
async fn try_get(sandbox: &Sandbox, path: &str) -> reqwest::Result<reqwest::Response> {
    let url = format!("{}{path}", sandbox.base_url());
    let request = reqwest::Client::new().get(url);
    request.basic_auth(sandbox.username(), Some(sandbox.password())).send().await
}

/// Everything the server writes back to one request sent over a bare socket,
/// until it closes the connection.
async fn raw_answer(sandbox: &Sandbox, path: &str) -> Vec<u8> {
    use base64::Engine;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let credentials = format!("{}:{}", sandbox.username(), sandbox.password());
    let authorization = base64::engine::general_purpose::STANDARD.encode(credentials);
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: sandbox\r\nauthorization: Basic {authorization}\r\n\
         connection: close\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // A reset instead of a clean close still ends the answer.
    let _ = stream.read_to_end(&mut answer).await;
    answer
}

#[tokio::test]
async fn fault_rate_limited_is_429_with_exact_wait_headers() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::RateLimited { wait_secs: 0 })).await;
    let refused = get(&sandbox, CONNECTORS, &[]).await;

    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("x-ratelimit-towait-sec"), "0");
    assert_eq!(refused.header("retry-after"), "0");
    assert_eq!(refused.header("x-ratelimit-remaining"), "0");
    assert_eq!(refused.header("x-ratelimit-limit"), "100000");
    insta::assert_json_snapshot!(refused.stable_body(), @r#"
    {
      "error": "Too Many Requests",
      "errorCode": "TOO_MANY_REQUESTS",
      "message": "rate limit exceeded, retry in 0 seconds",
      "path": "/cloudview-api/rest/v1/aws/connectors",
      "status": 429,
      "timestamp": "[timestamp]"
    }
    "#);

    // The injected refusal did not count: the real limit is untouched.
    let next = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!((next.status, next.header("x-ratelimit-remaining")), (StatusCode::OK, "99999"));
}

#[tokio::test]
async fn fault_status_is_that_status_with_a_json_body() {
    let plan = FaultPlan::new().at(1, Fault::Status(502)).at(2, Fault::Status(500));
    let sandbox = faulty(plan).await;
    let bad_gateway = get(&sandbox, CONNECTORS, &[]).await;
    let internal = get(&sandbox, CONNECTORS, &[]).await;

    assert_eq!(bad_gateway.status, StatusCode::BAD_GATEWAY);
    assert_eq!(bad_gateway.header("content-type"), "application/json");
    assert_eq!(bad_gateway.header("x-ratelimit-remaining"), "(missing)");
    insta::assert_json_snapshot!(bad_gateway.stable_body(), @r#"
    {
      "error": "Bad Gateway",
      "errorCode": "BAD_GATEWAY",
      "message": "fault injected by the sandbox: 502 bad gateway",
      "path": "/cloudview-api/rest/v1/aws/connectors",
      "status": 502,
      "timestamp": "[timestamp]"
    }
    "#);
    assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(internal.body["errorCode"], "INTERNAL_SERVER_ERROR");
}

#[tokio::test]
async fn fault_unavailable_is_503_with_retry_after() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Unavailable { retry_after_secs: 2 })).await;
    let answer = get(&sandbox, CONNECTORS, &[]).await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.header("retry-after"), "2");
    assert_eq!(answer.header("x-ratelimit-towait-sec"), "(missing)");
    assert_eq!(answer.body["errorCode"], "SERVICE_UNAVAILABLE");
    insta::assert_snapshot!(answer.body["message"].as_str().unwrap(), @"the service is unavailable, retry in 2 seconds");
}

#[tokio::test]
async fn fault_drop_closes_the_connection_without_an_answer() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Drop).at(3, Fault::Drop)).await;
    let error = try_get(&sandbox, CONNECTORS).await.unwrap_err();
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    assert!(!error.is_timeout() && !error.is_body() && !error.is_status(), "{error:?}");

    // The server still answers after a dropped connection.
    assert_eq!(get(&sandbox, CONNECTORS, &[]).await.status, StatusCode::OK);
    assert!(raw_answer(&sandbox, CONNECTORS).await.is_empty(), "not a byte before the close");
    assert_eq!(sandbox.requests().len(), 3);
}

#[tokio::test]
async fn fault_truncate_fails_the_body_read() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Truncate)).await;
    let response = try_get(&sandbox, CONNECTORS).await.expect("the head arrives whole");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "99999");
    let promised = response.content_length().expect("the head promises a length");

    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body() || error.is_decode(), "{error:?}");
    let whole = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!(promised, serde_json::to_vec(&whole.body).unwrap().len() as u64);
}

#[tokio::test]
async fn fault_truncate_sends_the_first_half_then_closes() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Truncate)).await;
    let answer = raw_answer(&sandbox, CONNECTORS).await;

    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole head");
    let length = head.lines().find_map(|line| line.strip_prefix("content-length: ")).unwrap();
    let length: usize = length.parse().unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"));
    assert_eq!(body.len(), length / 2);
}

#[tokio::test]
async fn fault_slow_outlasts_a_client_timeout() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Slow(Duration::from_millis(200)))).await;
    let url = format!("{}{CONNECTORS}", sandbox.base_url());
    let client = reqwest::Client::builder().timeout(Duration::from_millis(80)).build().unwrap();
    let request = || client.get(&url).basic_auth(sandbox.username(), Some(sandbox.password()));

    let error = request().send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // The same client, timeout and all, gets the next answer in time.
    assert_eq!(request().send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn fault_slow_does_not_hold_up_other_requests() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Slow(Duration::from_millis(100)))).await;
    let (client, url) = (reqwest::Client::new(), format!("{}{CONNECTORS}", sandbox.base_url()));
    let request = || client.get(&url).basic_auth(sandbox.username(), Some(sandbox.password()));
    let answered = |response: reqwest::Response| (response.status(), Instant::now());

    let started = Instant::now();
    let slow = async { answered(request().send().await.unwrap()) };
    let fast = async {
        // Wait until the slow request is in, so the fast one is request 2.
        while sandbox.requests().is_empty() {
            tokio::task::yield_now().await;
        }
        answered(request().send().await.unwrap())
    };

    let ((slow, slow_at), (fast, fast_at)) = tokio::join!(slow, fast);
    assert_eq!((slow, fast), (StatusCode::OK, StatusCode::OK));
    assert!(fast_at < slow_at, "the fast answer came first");
    assert!(slow_at - started >= Duration::from_millis(100));
}

#[tokio::test]
async fn fault_html_is_a_gateway_page() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Html(502)).at(2, Fault::Html(200))).await;
    for expected in [StatusCode::BAD_GATEWAY, StatusCode::OK] {
        let response = try_get(&sandbox, CONNECTORS).await.unwrap();
        assert_eq!(response.status(), expected);
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
        let page = response.text().await.unwrap();
        assert!(page.starts_with("<html>") && page.contains(expected.as_str()), "{page}");
        assert!(serde_json::from_str::<Value>(&page).is_err());
    }
}

#[tokio::test]
async fn fault_empty_is_a_status_without_a_body() {
    let sandbox = faulty(FaultPlan::new().at(1, Fault::Empty(504))).await;
    let answer = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!((answer.body.clone(), answer.header("content-length")), (Value::Null, "0"));
}

#[tokio::test]
async fn fault_at_counts_every_request() {
    let sandbox = faulty(FaultPlan::new().at(4, Fault::Status(500))).await;
    let url = format!("{}{CONNECTORS}", sandbox.base_url());
    let mut statuses = vec![get(&sandbox, CONNECTORS, &[]).await.status];
    statuses.push(send(reqwest::Client::new().get(url)).await.status);
    statuses.push(get(&sandbox, "/nowhere", &[]).await.status);
    for _ in 0..2 {
        statuses.push(get(&sandbox, CONNECTORS, &[]).await.status);
    }

    let expected = [200, 401, 404, 500, 200].map(|code| StatusCode::from_u16(code).unwrap());
    assert_eq!(statuses, expected);
    let injected =
        InjectedFault { request_number: 4, path: CONNECTORS.to_owned(), fault: Fault::Status(500) };
    assert_eq!(sandbox.injected(), [injected]);
    assert_eq!(sandbox.requests().len(), 5);
}

/// The statuses of `count` list requests, `None` for a dropped connection.
async fn statuses(sandbox: &Sandbox, count: usize) -> Vec<Option<u16>> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        let response = try_get(sandbox, CONNECTORS).await;
        statuses.push(response.ok().map(|response| response.status().as_u16()));
    }
    statuses
}

#[tokio::test]
async fn fault_rate_is_reproducible_over_http() {
    let faults = vec![Fault::Status(500), Fault::Drop, Fault::Status(503)];
    let plan = FaultPlan::new().rate(0.4, faults, 2026);
    let first = faulty(plan.clone()).await;
    let second = faulty(plan).await;

    let seen = statuses(&first, 40).await;
    assert_eq!(statuses(&second, 40).await, seen);
    let failed: Vec<Option<u16>> = seen.into_iter().filter(|s| *s != Some(200)).collect();
    assert!((8..=24).contains(&failed.len()), "{} of 40 failed", failed.len());
    let turns = [Some(500), None, Some(503)];
    assert!(failed.iter().enumerate().all(|(index, status)| *status == turns[index % 3]));

    let injected = first.injected();
    assert_eq!(injected.len(), failed.len());
    assert_eq!(injected, second.injected());
}

#[tokio::test]
async fn fault_plan_can_be_replaced_while_running() {
    let sandbox = faulty(FaultPlan::new()).await;
    assert_eq!(statuses(&sandbox, 2).await, [Some(200), Some(200)]);

    // Numbering goes on: the new plan's request 3 is the next one.
    sandbox.set_faults(FaultPlan::new().at(3, Fault::Status(503)).at(1, Fault::Drop));
    assert_eq!(statuses(&sandbox, 2).await, [Some(503), Some(200)]);
    sandbox.set_faults(FaultPlan::new().rate(1.0, vec![Fault::Empty(502)], 1));
    assert_eq!(statuses(&sandbox, 1).await, [Some(502)]);
    sandbox.set_faults(FaultPlan::new());
    assert_eq!(statuses(&sandbox, 1).await, [Some(200)]);

    let numbers: Vec<u64> = sandbox.injected().iter().map(|f| f.request_number).collect();
    assert_eq!(numbers, [3, 5]);
    sandbox.clear_requests();
    assert!(sandbox.injected().is_empty());
}

#[tokio::test]
async fn fault_path_suffix_spares_other_paths() {
    let plan = FaultPlan::new().rate(1.0, vec![Fault::Status(500)], 1);
    let sandbox = faulty(plan.path_suffix("/awsBaseAccountId")).await;

    assert_eq!(get(&sandbox, CONNECTORS, &[]).await.status, StatusCode::OK);
    let base_account = format!("{CONNECTORS}/awsBaseAccountId");
    assert_eq!(get(&sandbox, &base_account, &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    let injected = sandbox.injected();
    assert_eq!((injected.len(), injected[0].request_number), (1, 2));
}

#[tokio::test]
async fn fault_answers_in_place_of_the_service_do_not_count_against_the_limit() {
    let plan = FaultPlan::new().at(1, Fault::Status(500)).at(2, Fault::Html(502));
    let sandbox = small_sandbox(1).rate_limit(2, Duration::from_secs(30)).faults(plan);
    let sandbox = sandbox.start().await.unwrap();
    assert_eq!(statuses(&sandbox, 2).await, [Some(500), Some(502)]);

    let remaining = [
        get(&sandbox, CONNECTORS, &[]).await.header("x-ratelimit-remaining").to_owned(),
        get(&sandbox, CONNECTORS, &[]).await.header("x-ratelimit-remaining").to_owned(),
    ];
    assert_eq!(remaining, ["1", "0"]);
    let refused = get(&sandbox, CONNECTORS, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("x-ratelimit-towait-sec"), "30");
}

#[tokio::test]
async fn injected_faults_serialize_for_snapshots() {
    let plan = FaultPlan::new().at(1, Fault::Slow(Duration::from_millis(5))).at(2, Fault::Drop);
    let sandbox = faulty(plan).await;
    statuses(&sandbox, 2).await;
    insta::assert_yaml_snapshot!(sandbox.injected(), @r#"
    - request_number: 1
      path: /cloudview-api/rest/v1/aws/connectors
      fault:
        Slow: 5ms
    - request_number: 2
      path: /cloudview-api/rest/v1/aws/connectors
      fault: Drop
    "#);
}
