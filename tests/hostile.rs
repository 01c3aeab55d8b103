//! Hostile and malformed input: every bad connector id and filter is refused
//! with an input error before anything is sent, and no secret is ever shown.

mod common;

use std::process::Command;

use base64::Engine;
use totalcloud::sandbox::Sandbox;
use totalcloud::Error;

use common::sandbox;

/// Malformed filter expressions, one per way of getting it wrong.
const MALFORMED_FILTERS: &[&str] = &[
    "",
    "   ",
    "state",
    "state:",
    "state:DONE",
    "state:SUCCESS AND",
    "AND state:SUCCESS",
    "state:SUCCESS OR OR state:ERROR",
    "NOT",
    "()",
    "(state:SUCCESS",
    "state:SUCCESS)",
    "stat:SUCCESS",
    "lastsynced > 2024-01-01",
    "owner:alice",
    "name:\"unterminated",
    "name:`unterminated",
    "name:\"bad \\q escape\"",
    "name:[a, b",
    "name:[]",
    "name:[a,,b]",
    "name:prod*",
    "name > prod",
    "state >= SUCCESS",
    "lastSynced > [2024-01-01, 2024-02-01]",
    "lastSynced > 2024-06-01T10:00:00+02:00",
    "lastSynced > 2024-06-01T10:00:00-05:00",
    "lastSynced > 2024-06-01T10:00:00",
    "lastSynced > 2024-02-30",
    "lastSynced > 2024-13-01",
    "lastSynced > 2024-06-01T25:00:00Z",
    "lastSynced > yesterday",
    "lastSynced:[2024-01-01 2024-02-01]",
    "lastSynced:[2024-01-01 .. 2024-02-01",
    "lastSynced >",
    "connector.uuid:not-a-uuid",
    "connector.uuid:12345678-1234-1234-1234-12345678901",
    "state:SUCCESS state:ERROR",
    "name:prod OR",
    "name:a\" OR state:ERROR",
    "name:\"a\" extra",
    "name:AND",
    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((state:SUCCESS))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
    "state:SUCCESS\0",
];

#[tokio::test]
async fn malformed_filters_are_refused_before_any_request() {
    let (sandbox, client) = sandbox().await;
    let too_long = format!("name:{}", "a".repeat(9000));
    let mut filters: Vec<&str> = MALFORMED_FILTERS.to_vec();
    filters.push(&too_long);
    assert!(filters.len() >= 40);

    for text in filters {
        let error = client.connectors().filter(text).send().await.unwrap_err();
        assert!(matches!(error, Error::Filter(_)), "{text:?} gave {error:?}");
        assert_eq!(error.to_string().lines().count(), 1, "one line for {text:?}: {error}");
    }
    assert!(sandbox.requests().is_empty(), "{:#?}", sandbox.requests());
}

#[tokio::test]
async fn hostile_connector_ids_are_refused_before_any_request() {
    let (sandbox, client) = sandbox().await;
    let ids = [
        "",
        " ",
        "..",
        "../awsBaseAccountId",
        "..%2FawsBaseAccountId",
        "%2F",
        "%2e%2e",
        "a/b",
        "a\\\\b",
        "12345678-1234-1234-1234-123456789012/..",
        "12345678-1234-1234-1234-123456789012 ",
        "12345678-1234-1234-1234-123456789012\n",
        "12345678-1234-1234-1234-123456789012?x=1",
        "12345678-1234-1234-1234-123456789012#x",
        "{12345678-1234-1234-1234-123456789012}",
        "urn:uuid:12345678-1234-1234-1234-123456789012",
        "awsBaseAccountId",
    ];

    for id in ids {
        let error = client.connector(id).await.unwrap_err();
        assert!(matches!(error, Error::ConnectorId { .. }), "{id:?} gave {error:?}");
    }
    assert!(sandbox.requests().is_empty(), "{:#?}", sandbox.requests());
}

#[test]
fn no_secret_in_any_output_at_trace_level() {
    let password = "S3cret-Pa55w0rd-xyzzy";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox =
        runtime.block_on(Sandbox::builder().credentials("alice", password).start()).unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("alice:{password}"));

    // A run that works, with Basic and with JWT, one that is refused, and one
    // that fails to connect.
    let runs = [
        (sandbox.base_url(), password, vec!["connectors", "list", "--max-pages", "2"]),
        (
            sandbox.base_url(),
            password,
            vec!["--auth", "jwt", "connectors", "list", "--max-pages", "2"],
        ),
        (sandbox.base_url(), "wrong-xyzzy-password", vec!["base-account"]),
        ("http://127.0.0.1:9".to_string(), password, vec!["base-account"]),
    ];
    for (url, secret, args) in runs {
        let output = Command::new(env!("CARGO_BIN_EXE_totalcloud"))
            .args(["-vvv", "--base-url", &url])
            .args(&args)
            .env("QUALYS_USERNAME", "alice")
            .env("QUALYS_PASSWORD", secret)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );

        assert!(all.contains("TRACE") || all.contains("DEBUG"), "logging is on: {all}");
        // Every token the sandbox issues starts with the same encoded header.
        for leak in [secret, password, &basic, "xyzzy", "eyJ"] {
            assert!(!all.contains(leak), "{args:?} printed `{leak}`:\n{all}");
        }
    }
    assert_eq!(runtime.block_on(async { sandbox.tokens_issued() }), 1, "the JWT run logged in");
}
