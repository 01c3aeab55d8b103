//! The client's single calls against the sandbox, and the exact requests it
//! sends.

mod common;

use totalcloud::sandbox::Sandbox;
use totalcloud::{Client, Error, Filter, Sort, State};

use common::sandbox;

#[tokio::test]
async fn connector_reads_one_connector() {
    let (sandbox, client) = sandbox().await;
    let wanted = &sandbox.connectors()[3];
    let id = wanted.connector_id.clone().unwrap();

    let connector = client.connector(&id).await.unwrap();

    assert_eq!(&connector, wanted);
}

#[tokio::test]
async fn unknown_connector_is_not_found() {
    let (_sandbox, client) = sandbox().await;

    let error = client.connector("00000000-0000-4000-8000-000000000000").await.unwrap_err();

    assert!(matches!(error, Error::NotFound(_)), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert!(error.api().unwrap().message.is_some(), "the JSON body's message is kept");
}

#[tokio::test]
async fn hostile_connector_ids_send_nothing() {
    let (sandbox, client) = sandbox().await;
    let ids = ["", "../awsBaseAccountId", "%2F..%2F", "a b", "awsBaseAccountId", ".."];

    for id in ids {
        let error = client.connector(id).await.unwrap_err();
        assert!(matches!(error, Error::ConnectorId { .. }), "{id:?}: {error:?}");
        assert!(error.is_invalid_input());
    }
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn aws_base_account_reads_flags_as_booleans() {
    let (_sandbox, client) = sandbox().await;

    let account = client.aws_base_account().await.unwrap();

    assert_eq!(account.global_account_id.unwrap().as_str().len(), 12);
    assert!(account.customer_global_account.is_some());
}

#[tokio::test]
async fn wrong_password_is_unauthorized_and_not_shown() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .basic_auth(sandbox.username(), "not-the-password-xyzzy")
        .build()
        .unwrap();

    let error = client.aws_base_account().await.unwrap_err();

    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    let shown = format!("{error} {error:?} {client:?}");
    assert!(!shown.contains("xyzzy"), "{shown}");
}

#[tokio::test]
async fn requests_are_exactly_what_the_api_expects() {
    let (sandbox, client) = sandbox().await;
    let id = sandbox.connectors()[0].connector_id.clone().unwrap();
    let filter = Filter::state().any_of([State::Success, State::Error]).unwrap()
        & Filter::name().contains("prod account").unwrap();

    client
        .connectors()
        .filter(filter)
        .sort(Sort::LastSyncedDesc)
        .page_size(10)
        .max_pages(1)
        .send()
        .await
        .unwrap();
    client.connector(&id).await.unwrap();
    client.aws_base_account().await.unwrap();

    let requests = sandbox.requests();
    let agent = ("user-agent".to_string(), format!("totalcloud/{}", env!("CARGO_PKG_VERSION")));
    assert!(requests.iter().all(|r| r.headers.contains(&agent)), "{requests:#?}");
    insta::assert_yaml_snapshot!("requests", requests, {
        "[1].path" => "/cloudview-api/rest/v1/aws/connectors/[connector id]",
        "[].headers[2][1]" => "totalcloud/[version]",
    });
}
