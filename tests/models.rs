//! Decoding recorded-style responses from `tests/fixtures/` into the
//! generated models, and writing them back out.

use std::path::Path;

use totalcloud::model::{from_slice, AwsBaseAccount, Connector, ConnectorPage, ErrorBody};
use totalcloud::State;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes a fixture by the model its file name starts with.
fn decode_fixture(path: &Path) -> String {
    let bytes = read(path);
    let name = path.file_name().unwrap().to_string_lossy();
    let decoded = if name.starts_with("connector_") {
        from_slice::<Connector>(&bytes).map(|m| format!("{m:#?}"))
    } else if name.starts_with("page_") {
        from_slice::<ConnectorPage>(&bytes).map(|m| format!("{m:#?}"))
    } else if name.starts_with("aws_base_account") || name.starts_with("base_account") {
        from_slice::<AwsBaseAccount>(&bytes).map(|m| format!("{m:#?}"))
    } else if name.starts_with("error_") {
        from_slice::<ErrorBody>(&bytes).map(|m| format!("{m:#?}"))
    } else {
        panic!("no model for fixture {name}")
    };
    decoded.unwrap_or_else(|e| format!("error: {e}"))
}

#[test]
fn fixtures_decode_into_models() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(decode_fixture(path));
    });
}

#[test]
fn bad_fixtures_name_the_json_path() {
    insta::glob!("fixtures/bad/*.json", |path| {
        let shown = decode_fixture(path);
        assert!(shown.starts_with("error: "), "{shown}");
        insta::assert_snapshot!(shown);
    });
}

#[test]
fn unknown_fields_survive_a_round_trip() {
    let connector: Connector =
        from_slice(&read(Path::new("tests/fixtures/connector_odd.json"))).unwrap();
    let written = serde_json::to_value(&connector).unwrap();

    assert_eq!(written["regionCode"], "us-gov-west-1");
    assert_eq!(written["cloudType"]["partition"], "aws-us-gov");
    assert_eq!(written["pollingFrequency"]["cron"], serde_json::Value::Null);
    assert_eq!(written["state"], "Completed successfully");
    assert_eq!(written["awsAccountId"], "012345678901");
    assert_eq!(written["nextSyncedOn"], "2024-09-09T15:00:54Z");
}

#[test]
fn written_connectors_decode_to_the_same_value() {
    for name in ["connector_typical.json", "connector_odd.json", "connector_minimal.json"] {
        let path = Path::new("tests/fixtures").join(name);
        let connector: Connector = from_slice(&read(&path)).unwrap();
        let again: Connector = from_slice(&serde_json::to_vec(&connector).unwrap()).unwrap();
        assert_eq!(again, connector, "{name}");
    }
}

#[test]
fn plugged_in_wire_types_are_used_by_the_generated_models() {
    // typify ignores a replacement whose name matches no definition; these
    // assignments only compile if each hand-written type really is used.
    let c: Connector =
        from_slice(&read(Path::new("tests/fixtures/connector_typical.json"))).unwrap();
    let _: Option<totalcloud::model::Timestamp> = c.last_synced_on;
    let _: Option<totalcloud::model::ConnectorState> = c.state.clone();
    let _: Option<totalcloud::model::AccountId> = c.aws_account_id.clone();
    let a: AwsBaseAccount =
        from_slice(&read(Path::new("tests/fixtures/aws_base_account.json"))).unwrap();
    let _: Option<totalcloud::model::Flag> = a.customer_china_account;

    assert_eq!(c.state.and_then(|s| s.known()), Some(State::Success));
    assert_eq!(a.customer_china_account.map(bool::from), Some(true));
    assert_eq!(a.customer_global_account.map(bool::from), Some(false));
}
