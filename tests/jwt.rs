//! JWT authentication end to end against the sandbox's gateway login.

use std::time::Duration;

use totalcloud::sandbox::Sandbox;
use totalcloud::{AuthMethod, Client, Error};

fn jwt_client(sandbox: &Sandbox, password: &str) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .basic_auth(sandbox.username(), password)
        .auth_method(AuthMethod::Jwt)
        .build()
        .unwrap()
}

fn paths(sandbox: &Sandbox) -> Vec<String> {
    sandbox.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[tokio::test]
async fn login_once_then_bearer_on_every_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = jwt_client(&sandbox, sandbox.password());

    client.aws_base_account().await.unwrap();
    client.connectors().page_size(100).max_pages(2).send().await.unwrap();

    assert_eq!(sandbox.tokens_issued(), 1);
    let requests = sandbox.requests();
    assert_eq!(paths(&sandbox)[0], "POST /auth");
    assert!(requests[1..].iter().all(|r| r
        .headers
        .contains(&("authorization".to_string(), "Bearer [redacted]".to_string()))));
    assert_eq!(requests.len(), 4);
}

#[tokio::test]
async fn concurrent_first_calls_log_in_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = jwt_client(&sandbox, sandbox.password());

    let calls = (0..8).map(|_| client.aws_base_account().send());
    let results = futures::future::join_all(calls).await;

    assert!(results.iter().all(Result::is_ok));
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test]
async fn token_is_renewed_when_it_expires() {
    let sandbox = Sandbox::builder().token_lifetime(Duration::from_secs(2)).start().await.unwrap();
    let client = jwt_client(&sandbox, sandbox.password());

    client.aws_base_account().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    client.aws_base_account().await.unwrap();

    assert_eq!(sandbox.tokens_issued(), 2);
    // Renewed before use: the sandbox never had to refuse the old token.
    assert_eq!(paths(&sandbox).iter().filter(|p| p.starts_with("POST")).count(), 2);
    assert_eq!(sandbox.requests().len(), 4);
}

#[tokio::test]
async fn token_is_renewed_once_on_401() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = jwt_client(&sandbox, sandbox.password());
    client.aws_base_account().await.unwrap();

    sandbox.revoke_tokens();
    client.aws_base_account().await.unwrap();

    assert_eq!(sandbox.tokens_issued(), 2);
    let expected = [
        "POST /auth",
        "GET /cloudview-api/rest/v1/aws/connectors/awsBaseAccountId",
        "GET /cloudview-api/rest/v1/aws/connectors/awsBaseAccountId",
        "POST /auth",
        "GET /cloudview-api/rest/v1/aws/connectors/awsBaseAccountId",
    ];
    assert_eq!(paths(&sandbox), expected);
}

#[tokio::test]
async fn wrong_password_fails_the_login_without_showing_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = jwt_client(&sandbox, "not-the-password-xyzzy");

    let error = client.aws_base_account().await.unwrap_err();

    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(paths(&sandbox), ["POST /auth"]);
    let shown = format!("{error} {error:?} {client:?}");
    assert!(!shown.contains("xyzzy"), "{shown}");
    assert!(shown.contains("authentication failed"), "{shown}");
}
