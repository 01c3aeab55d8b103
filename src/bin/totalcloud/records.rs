//! Models as flat CSV records, with one fixed header per model.
//!
//! The header never depends on the data, so that files from different runs
//! line up and a spreadsheet or `csvkit` can rely on it:
//!
//! - scalar fields keep the API's names; nested objects become dotted names
//!   (`pollingFrequency.hours`);
//! - lists become one column per field of their items, the values joined with
//!   `;` in item order (`qualysTags.tagName`, `qualysTags.tagId`), so that the
//!   n-th name and the n-th id belong together; a `;` or `\` inside a value is
//!   escaped with `\`;
//! - instants are RFC 3339 in UTC, booleans `true` or `false`, and a missing
//!   value is an empty field;
//! - top-level fields the schema does not name go into a trailing `extra`
//!   column as one JSON object (empty when there are none); unknown fields
//!   nested inside polling frequencies, tags and groups are dropped: the JSON
//!   formats keep them.

use std::fmt::Display;

use serde_json::{Map, Value};
use totalcloud::model::{AwsBaseAccount, Connector};

/// A model that can be written as one CSV row under a fixed header.
pub trait Record {
    const HEADER: &'static [&'static str];

    fn record(&self) -> Vec<String>;
}

impl Record for Connector {
    const HEADER: &'static [&'static str] = &[
        "connectorId",
        "name",
        "description",
        "provider",
        "state",
        "error",
        "totalAssets",
        "lastSyncedOn",
        "nextSyncedOn",
        "awsAccountId",
        "baseAccountId",
        "accountAlias",
        "arn",
        "externalId",
        "remediationEnabled",
        "isGovCloud",
        "isChinaRegion",
        "isDisabled",
        "isPortalConnector",
        "portalConnectorUuid",
        "pollingFrequency.hours",
        "pollingFrequency.minutes",
        "qualysTags.tagName",
        "qualysTags.tagId",
        "groups.name",
        "groups.uuid",
        "extra",
    ];

    fn record(&self) -> Vec<String> {
        let polling = self.polling_frequency.as_ref();
        let tags = self.qualys_tags.as_deref().unwrap_or_default();
        let groups = self.groups.as_deref().unwrap_or_default();
        vec![
            text(&self.connector_id),
            text(&self.name),
            text(&self.description),
            text(&self.provider),
            text(&self.state),
            text(&self.error),
            text(&self.total_assets),
            text(&self.last_synced_on),
            text(&self.next_synced_on),
            text(&self.aws_account_id),
            text(&self.base_account_id),
            text(&self.account_alias),
            text(&self.arn),
            text(&self.external_id),
            text(&self.remediation_enabled),
            text(&self.is_gov_cloud),
            text(&self.is_china_region),
            text(&self.is_disabled),
            text(&self.is_portal_connector),
            text(&self.portal_connector_uuid),
            text(&polling.and_then(|p| p.hours)),
            text(&polling.and_then(|p| p.minutes)),
            joined(tags.iter().map(|t| &t.tag_name)),
            joined(tags.iter().map(|t| &t.tag_id)),
            joined(groups.iter().map(|g| &g.name)),
            joined(groups.iter().map(|g| &g.uuid)),
            extra(&self.extra),
        ]
    }
}

impl Record for AwsBaseAccount {
    const HEADER: &'static [&'static str] = &[
        "globalAccountId",
        "chinaAccountId",
        "govAccountId",
        "customerGlobalAccount",
        "customerChinaAccount",
        "customerGovAccount",
        "extra",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            text(&self.global_account_id),
            text(&self.china_account_id),
            text(&self.gov_account_id),
            text(&self.customer_global_account.map(|f| f.get())),
            text(&self.customer_china_account.map(|f| f.get())),
            text(&self.customer_gov_account.map(|f| f.get())),
            extra(&self.extra),
        ]
    }
}

fn text<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn joined<'a, T: Display + 'a>(values: impl Iterator<Item = &'a Option<T>>) -> String {
    let escaped: Vec<String> =
        values.map(|v| text(v).replace('\\', r"\\").replace(';', r"\;")).collect();
    escaped.join(";")
}

fn extra(fields: &Map<String, Value>) -> String {
    if fields.is_empty() {
        return String::new();
    }
    Value::Object(fields.clone()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(json: &str) -> Vec<String> {
        serde_json::from_str::<Connector>(json).unwrap().record()
    }

    #[test]
    fn record_has_one_field_per_header_column() {
        assert_eq!(connector("{}").len(), Connector::HEADER.len());
        let account: AwsBaseAccount = serde_json::from_str("{}").unwrap();
        assert_eq!(account.record().len(), AwsBaseAccount::HEADER.len());
    }

    #[test]
    fn record_joins_lists_in_item_order_and_escapes_separators() {
        let record = connector(
            r#"{"qualysTags": [{"tagId": 7, "tagName": "a;b"}, {"tagName": "c\\d"}, {"tagId": "9"}]}"#,
        );
        let column = |name| &record[Connector::HEADER.iter().position(|h| *h == name).unwrap()];

        insta::assert_snapshot!(column("qualysTags.tagName"), @r"a\;b;c\\d;");
        insta::assert_snapshot!(column("qualysTags.tagId"), @"7;;9");
    }

    #[test]
    fn record_keeps_unknown_top_level_fields_as_json() {
        let record = connector(r#"{"name": "x", "regionCode": "eu-west-1", "cloudType": 3}"#);

        insta::assert_snapshot!(record.last().unwrap(), @r#"{"cloudType":3,"regionCode":"eu-west-1"}"#);
        assert_eq!(connector("{}").last().unwrap(), "");
    }
}
