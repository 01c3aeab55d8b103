//! The `totalcloud` binary: exit codes, stdout and stderr, against the
//! in-process sandbox (`--sandbox`) or a sandbox the test starts itself when
//! it needs to see the requests or set the credentials.
//!
//! Every run has stdout and stderr piped, so the binary sees no terminal:
//! the default format is ndjson, there is no progress bar, and tables are
//! 100 columns wide unless the test sets `COLUMNS`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use totalcloud::sandbox::{Sandbox, SandboxBuilder};

const BIN: &str = env!("CARGO_BIN_EXE_totalcloud");

/// The binary with `args`, in an environment cleared of everything that
/// would change its behaviour.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::null());
    for name in [
        "QUALYS_USERNAME",
        "QUALYS_PASSWORD",
        "QUALYS_PLATFORM",
        "QUALYS_BASE_URL",
        "QUALYS_AUTH",
        "RUST_LOG",
        "COLUMNS",
    ] {
        command.env_remove(name);
    }
    command
}

fn totalcloud(args: &[&str]) -> Output {
    command(args).output().expect("the binary runs")
}

/// Runs the binary with `input` on its stdin.
fn totalcloud_with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A sandbox of the test's own, so that it can check the requests.
fn sandbox(builder: SandboxBuilder) -> Sandbox {
    // The sandbox serves from a thread of its own; this runtime only starts it.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(builder.start()).expect("the sandbox starts")
}

/// The binary pointed at `sandbox`, with its credentials in the environment.
fn against(sandbox: &Sandbox, args: &[&str]) -> Command {
    let mut command = command(&["--base-url", &sandbox.base_url()]);
    command
        .args(args)
        .env("QUALYS_USERNAME", sandbox.username())
        .env("QUALYS_PASSWORD", sandbox.password());
    command
}

/// The query of each listing request, as `pageNo=0&pageSize=5`.
fn list_queries(sandbox: &Sandbox) -> Vec<String> {
    let queries = sandbox
        .requests()
        .into_iter()
        .map(|r| r.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
    queries.collect()
}

fn list(format: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--sandbox", "connectors", "list", "--format", format];
    args.extend_from_slice(extra);
    totalcloud(&args)
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
    let output = list("ndjson", &["--filter", "state:SUCCESS"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() > 50, "{} connectors", lines.len());
    assert!(lines.iter().all(|c| c["state"] == "SUCCESS"));
    assert!(lines.iter().all(|c| c["connectorId"].is_string()));
}

#[test]
fn list_to_a_pipe_defaults_to_ndjson() {
    let output =
        totalcloud(&["--sandbox", "connectors", "list", "--page-size", "4", "--max-pages", "1"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 4);
    assert!(text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{text}");
}

#[test]
fn list_on_a_terminal_defaults_to_a_table() {
    // `script` runs the binary on a pseudo-terminal; util-linux has it.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let line = format!("'{BIN}' --sandbox connectors list --page-size 3 --max-pages 1 --quiet");
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .output()
        .expect("script runs");

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let screen = stdout(&output).replace("\r\n", "\n");
    insta::assert_snapshot!(screen.lines().next().unwrap(), @"NAME                  STATE               ACCOUNT       LAST SYNCED (UTC)  ASSETS  ID");
    assert_eq!(screen.lines().count(), 4, "{screen}");
}

#[test]
fn list_as_json_is_one_array() {
    let output = list("json", &["--page-size", "3", "--max-pages", "2"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let listed: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(listed.len(), 6);
}

#[test]
fn list_as_json_is_pretty() {
    let output = list("json", &["--page-size", "2", "--max-pages", "1"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("list_json", stdout(&output));
}

#[test]
fn list_as_json_with_nothing_to_list_is_an_empty_array() {
    let output = list("json", &["--filter", "name:`no such connector`"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @"[]");
}

#[test]
fn list_as_table_fits_100_columns() {
    let output = list("table", &["--page-size", "8", "--max-pages", "1"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).lines().all(|l| l.chars().count() <= 100));
    insta::assert_snapshot!("list_table", stdout(&output));
}

#[test]
fn list_as_table_fits_60_columns_by_leaving_out_the_id_and_account() {
    let output = command(&["--sandbox", "connectors", "list", "--format", "table"])
        .args(["--page-size", "8", "--max-pages", "1"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).lines().all(|l| l.chars().count() <= 60));
    insta::assert_snapshot!("list_table_60", stdout(&output));
}

#[test]
fn list_as_table_escapes_control_characters() {
    let hostile = serde_json::json!({
        "connectorId": "00000000-0000-4000-8000-000000000001",
        "name": "evil\u{1b}[2J\nname\u{202e}",
        "state": "ERROR",
    });
    let sandbox = sandbox(Sandbox::builder().data(vec![hostile]));
    let mut command = against(&sandbox, &["connectors", "list", "--format", "table"]);
    let output = command.env("COLUMNS", "120").output().unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r"
    NAME                         STATE  ACCOUNT  LAST SYNCED (UTC)  ASSETS  ID
    evil\u{1b}[2J\nname\u{202e}  ERROR  -        never                   -  00000000-0000-4000-8000-000000000001
    ");
}

#[test]
fn list_as_csv_has_a_fixed_header_and_crlf_line_ends() {
    let output = list("csv", &["--page-size", "8", "--max-pages", "1"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "{text:?}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let width = reader.headers().unwrap().len();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r.len() == width));
    let lines = text.replace("\r\n", "\n");
    insta::assert_snapshot!("list_csv", lines);
}

#[test]
fn list_as_csv_with_nothing_to_list_is_the_header_alone() {
    let output = list("csv", &["--filter", "name:`no such connector`"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 1);
    assert!(stdout(&output).starts_with("connectorId,name,"));
}

#[test]
fn list_with_a_limit_stops_there_and_requests_no_more_pages() {
    let sandbox = sandbox(Sandbox::builder());
    let output = against(&sandbox, &["connectors", "list", "--limit", "7", "--page-size", "5"])
        .args(["--max-in-flight", "4"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 7);
    insta::assert_snapshot!(list_queries(&sandbox).join("\n"), @r"
    pageNo=0&pageSize=5
    pageNo=1&pageSize=5
    ");
}

#[test]
fn list_with_a_limit_and_no_page_size_asks_for_a_page_that_size() {
    let sandbox = sandbox(Sandbox::builder());
    let output = against(&sandbox, &["connectors", "list", "--limit", "7"]).output().unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 7);
    insta::assert_snapshot!(list_queries(&sandbox).join("\n"), @"pageNo=0&pageSize=7");
}

#[test]
fn list_with_a_limit_of_zero_is_an_input_error() {
    let output = list("ndjson", &["--limit", "0"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--limit"), "{}", stderr(&output));
}

#[test]
fn list_streams_the_first_connector_before_the_last_page() {
    let sandbox = sandbox(Sandbox::builder().latency(Duration::from_millis(200)));
    let mut child = against(&sandbox, &["connectors", "list", "--page-size", "1"])
        .args(["--max-pages", "10", "--max-in-flight", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
    let still_running = child.try_wait().unwrap().is_none();
    child.wait().unwrap();
    assert!(first.starts_with('{'), "{first}");
    assert!(still_running, "the first connector came out only at the end");
}

#[test]
fn get_as_csv_has_the_listing_header() {
    let listed = list("csv", &["--limit", "1"]);
    let text = stdout(&listed);
    let (header, row) = text.split_once("\r\n").unwrap();
    let id = row.split(',').next().unwrap();
    let output = totalcloud(&["--sandbox", "connectors", "get", id, "--format", "csv"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), text, "{header}");
}

#[test]
fn base_account_as_json() {
    let output = totalcloud(&["--sandbox", "base-account", "--format", "json"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("base_account_json", stdout(&output));
}

#[test]
fn base_account_as_csv_is_one_row() {
    let output = totalcloud(&["--sandbox", "base-account", "--format", "csv"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output).replace("\r\n", "\n"), @r"
    globalAccountId,chinaAccountId,govAccountId,customerGlobalAccount,customerChinaAccount,customerGovAccount,extra
    350129874466,208716550934,009482731156,false,false,false,
    ");
}

#[test]
fn base_account_as_table_lists_its_fields() {
    let output = totalcloud(&["--sandbox", "base-account", "--format", "table"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r"
    FIELD                  VALUE
    chinaAccountId         208716550934
    customerChinaAccount   false
    customerGlobalAccount  false
    customerGovAccount     false
    globalAccountId        350129874466
    govAccountId           009482731156
    ");
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
fn missing_credentials_are_input_errors() {
    let no_user = totalcloud(&["--platform", "qg2", "base-account"]);
    let no_password =
        command(&["--platform", "qg2", "base-account"]).env("QUALYS_USERNAME", "alice").output();
    let no_password = no_password.unwrap();

    assert_eq!(no_user.status.code(), Some(2));
    assert_eq!(no_password.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&no_user), @"error: no user name: set QUALYS_USERNAME or pass --username");
    insta::assert_snapshot!(stderr(&no_password), @"error: no password: set QUALYS_PASSWORD or pipe it to --password-stdin");
}

#[test]
fn password_stdin_reads_the_first_line() {
    let sandbox = sandbox(Sandbox::builder().credentials("alice", "correct horse battery"));
    let mut command = command(&["--base-url", &sandbox.base_url(), "--password-stdin", "-vvv"]);
    command.args(["base-account", "--format", "json"]).env("QUALYS_USERNAME", "alice");
    let output = totalcloud_with_stdin(command, "correct horse battery\nignored\n");

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let account: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(account["globalAccountId"], "350129874466");
    assert!(!stderr(&output).contains("correct horse"), "the password was logged");
}

#[test]
fn password_stdin_wins_over_the_environment() {
    let sandbox = sandbox(Sandbox::builder().credentials("alice", "from stdin"));
    let mut command = command(&["--base-url", &sandbox.base_url(), "--password-stdin"]);
    command
        .args(["--username", "alice", "base-account"])
        .env("QUALYS_PASSWORD", "from the environment");
    let output = totalcloud_with_stdin(command, "from stdin\r\n");

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn password_stdin_with_nothing_on_stdin_is_an_input_error() {
    let sandbox = sandbox(Sandbox::builder());
    let mut command = command(&["--base-url", &sandbox.base_url(), "--password-stdin"]);
    command.args(["base-account"]).env("QUALYS_USERNAME", "alice");
    let output = totalcloud_with_stdin(command, "");

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!(stderr(&output), @"error: no password on stdin: --password-stdin reads it from the first line");
    assert!(sandbox.requests().is_empty(), "a request was sent");
}

#[test]
fn wrong_password_is_a_service_error() {
    let sandbox = sandbox(Sandbox::builder());
    let output = against(&sandbox, &["base-account"]).env("QUALYS_PASSWORD", "wrong").output();
    let output = output.unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    assert!(!stderr(&output).contains("wrong"), "{}", stderr(&output));
}

#[test]
fn auth_jwt_from_the_environment_logs_in_once_and_sends_bearer_tokens() {
    let sandbox = sandbox(Sandbox::builder());
    let mut command = against(&sandbox, &["connectors", "list", "--page-size", "50"]);
    let output = command.args(["--max-pages", "3"]).env("QUALYS_AUTH", "jwt").output().unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 150);
    assert_eq!(sandbox.tokens_issued(), 1);
    let schemes: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .flat_map(|r| r.headers.iter().filter(|(name, _)| name == "authorization"))
        .map(|(_, value)| value.clone())
        .collect();
    assert_eq!(schemes, ["Bearer [redacted]"; 3]);
}

#[test]
fn auth_jwt_works_against_the_built_in_sandbox() {
    let output = totalcloud(&["--sandbox", "--auth", "jwt", "base-account", "--format", "json"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("globalAccountId"));
}

#[test]
fn auth_unknown_is_an_input_error() {
    let output = totalcloud(&["--sandbox", "--auth", "kerberos", "base-account"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("[possible values: basic, jwt]"), "{}", stderr(&output));
}

#[test]
fn invalid_filter_in_a_listing_is_an_input_error() {
    let output = list("ndjson", &["--filter", "stat:SUCCESS"]);

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains('^'), "{}", stderr(&output));
}

#[test]
fn completions_for_bash_complete_the_commands() {
    let output = totalcloud(&["completions", "bash"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("connectors"));
    assert!(stdout(&output).contains("--password-stdin"));
}

#[test]
fn completions_exist_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = totalcloud(&["completions", shell]);

        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr(&output));
        assert!(stdout(&output).contains("base-account"), "{shell}");
    }
}

#[test]
fn help_lists_the_commands_options_and_examples() {
    let output = totalcloud(&["--help"]);

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("help", stdout(&output));
}
