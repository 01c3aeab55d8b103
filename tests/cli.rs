//! The `totalcloud` binary: exit codes, stdout and stderr, against the
//! in-process sandbox (`--sandbox`).

use std::process::{Command, Output};

fn totalcloud(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_totalcloud"))
        .args(args)
        .env_remove("QUALYS_USERNAME")
        .env_remove("QUALYS_PASSWORD")
        .env_remove("QUALYS_PLATFORM")
        .env_remove("QUALYS_BASE_URL")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn filter_check_prints_the_canonical_form() {
    let output = totalcloud(&["filter", "check", "state:success and lastSynced>2024-06-01"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @"state:SUCCESS AND lastSyncedOn > 2024-06-01T00:00:00Z");
    assert_eq!(stderr(&output), "");
}

#[test]
fn filter_check_rejects_with_a_caret_on_stderr() {
    let output = totalcloud(&[
        "filter",
        "check",
        "state:SUCCESS AND lastSynced > 2024-06-01T10:00:00+02:00",
    ]);

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!("filter_check_error", stderr(&output));
}

#[test]
fn list_streams_ndjson_with_the_api_field_names() {
    let output = totalcloud(&["--sandbox", "connectors", "list", "--filter", "state:SUCCESS"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() > 50, "{} connectors", lines.len());
    assert!(lines.iter().all(|c| c["state"] == "SUCCESS"));
    assert!(lines.iter().all(|c| c["connectorId"].is_string()));
}

#[test]
fn list_as_json_is_one_array() {
    let output = totalcloud(&[
        "--sandbox",
        "connectors",
        "list",
        "--page-size",
        "3",
        "--max-pages",
        "2",
        "--format",
        "json",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(listed.len(), 6);
}

#[test]
fn list_as_table_shows_the_columns_a_person_scans() {
    let output = totalcloud(&[
        "--sandbox",
        "connectors",
        "list",
        "--page-size",
        "8",
        "--max-pages",
        "1",
        "--format",
        "table",
    ]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("list_table", stdout(&output));
}

#[test]
fn base_account_as_json() {
    let output = totalcloud(&["--sandbox", "base-account", "--format", "json"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("base_account_json", stdout(&output));
}

#[test]
fn get_with_a_bad_id_is_an_input_error() {
    let output = totalcloud(&["--sandbox", "connectors", "get", "../awsBaseAccountId"]);

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!(stderr(&output), @"error: invalid connector id `../awsBaseAccountId`: it contains a path separator");
}

#[test]
fn get_an_unknown_connector_is_a_service_error() {
    let output =
        totalcloud(&["--sandbox", "connectors", "get", "00000000-0000-4000-8000-000000000000"]);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error: not found: status 404"), "{}", stderr(&output));
}

#[test]
fn no_service_configured_is_an_input_error() {
    let output = totalcloud(&["connectors", "list"]);

    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output), @"error: no service to talk to: pass --platform or --base-url, or --sandbox to try it out");
}

#[test]
fn missing_credentials_is_an_input_error() {
    let output = totalcloud(&["--platform", "qg2", "base-account"]);

    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output), @"error: credentials missing: set QUALYS_USERNAME and QUALYS_PASSWORD");
}

#[test]
fn invalid_filter_in_a_listing_is_an_input_error() {
    let output = totalcloud(&["--sandbox", "connectors", "list", "--filter", "stat:SUCCESS"]);

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains('^'), "{}", stderr(&output));
}
