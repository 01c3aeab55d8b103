//! The connectors and the AWS base account a sandbox serves.
//!
//! A data set is generated from a seed, so a test that asserts on it sees the
//! same connectors on every run and every machine. Each connector is kept
//! twice: as the raw wire JSON the server writes out, and decoded into a
//! [`Connector`] for filtering and sorting.

use std::collections::HashSet;
use std::io;

use chrono::{DateTime, Utc};
use fastrand::Rng;
use serde_json::{json, Map, Value};

use crate::model::Connector;

/// How many connectors a sandbox serves unless told otherwise.
pub(super) const DEFAULT_COUNT: usize = 240;

/// The seed of the default data set; any fixed value would do.
pub(super) const DEFAULT_SEED: u64 = 0x5a4e_d80c_2026;

/// The first and last instant a generated `lastSyncedOn` may take, in Unix
/// seconds (2024-01-01T00:00:00Z and 2026-01-31T00:00:00Z).
const SYNC_RANGE: std::ops::Range<i64> = 1_704_067_200..1_769_817_600;

/// The accounts Qualys assumes roles from; fixed, like the service's own.
const GLOBAL_ACCOUNT: &str = "350129874466";
const CHINA_ACCOUNT: &str = "208716550934";
const GOV_ACCOUNT: &str = "009482731156";

const ENVIRONMENTS: &[&str] =
    &["prod", "prod", "prod", "staging", "staging", "dev", "qa", "sandbox"];

const SYSTEMS: &[&str] = &[
    "payments",
    "data-lake",
    "identity",
    "logging",
    "analytics",
    "billing",
    "search",
    "ml-training",
    "checkout",
    "edge",
    "backups",
    "networking",
    "audit",
    "reporting",
    "mobile-api",
    "warehouse",
    "crm",
    "observability",
];

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
];

const TEAMS: &[&str] = &["platform", "payments", "data", "security", "sre", "growth"];

/// Qualys tags as `(tagId, tagName)`.
const TAGS: &[(u64, &str)] = &[
    (18_474_625, "Cloud Agent"),
    (18_474_630, "AWS"),
    (18_502_117, "Production"),
    (18_502_118, "Non-Production"),
    (19_003_412, "PCI"),
    (19_003_415, "Internet Facing"),
    (20_110_006, "Owner: Platform"),
    (20_110_009, "Business Unit: Retail"),
    (21_447_001, "Data: Confidential"),
    (21_447_020, "Legacy"),
];

const GROUPS: &[&str] =
    &["Production Accounts", "Non-Production", "Security Tooling", "Data Platform", "Payments"];

const POLLING: &[(u32, u32)] = &[(4, 0), (4, 0), (6, 0), (12, 0), (24, 0), (24, 0), (1, 30)];

const SYNC_ERRORS: &[&str] = &[
    "Unable to assume role: AccessDenied",
    "The security token included in the request is invalid",
    "External ID does not match the trust policy of the role",
    "Rate exceeded while listing EC2 instances in ap-south-1",
    "Connector role is missing the SecurityAudit policy",
];

/// The connectors of a sandbox, raw and decoded, in the same (natural) order.
#[derive(Debug)]
pub(super) struct DataSet {
    /// Each connector exactly as it goes on the wire.
    pub(super) raw: Vec<Value>,
    /// Each connector decoded, for filtering and sorting.
    pub(super) connectors: Vec<Connector>,
}

impl DataSet {
    /// Decodes `raw`, failing on the first object that is not a connector.
    pub(super) fn from_raw(raw: Vec<Value>) -> io::Result<DataSet> {
        let connectors = raw
            .iter()
            .enumerate()
            .map(|(index, value)| decode(index, value))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(DataSet { raw, connectors })
    }
}

fn decode(index: usize, value: &Value) -> io::Result<Connector> {
    serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let (path, error) = (e.path().to_string(), e.into_inner());
        let message = format!("failed to decode sandbox connector {index} at `{path}`: {error}");
        io::Error::new(io::ErrorKind::InvalidData, message)
    })
}

/// The AWS base account, its flags sent as strings like the service's.
pub(super) fn aws_base_account() -> Value {
    json!({
        "globalAccountId": GLOBAL_ACCOUNT,
        "chinaAccountId": CHINA_ACCOUNT,
        "govAccountId": GOV_ACCOUNT,
        "customerGlobalAccount": "false",
        "customerChinaAccount": "false",
        "customerGovAccount": "false",
    })
}

/// Generates `count` connectors in wire form, the same ones for the same seed.
pub(super) fn generate(count: usize, seed: u64) -> Vec<Value> {
    let mut generator = Generator::new(seed);
    let mut connectors: Vec<Map<String, Value>> =
        (0..count).map(|_| generator.connector()).collect();

    for (slot, quirk) in QUIRKS.iter().enumerate() {
        if let Some(connector) = connectors.get_mut(quirk_index(slot, count)) {
            quirk(connector);
        }
    }
    connectors.into_iter().map(Value::Object).collect()
}

/// Where the odd case in `slot` goes: spread evenly, none at the very start.
fn quirk_index(slot: usize, count: usize) -> usize {
    (2 * slot + 1) * count / (2 * QUIRKS.len())
}

/// The odd cases every data set of at least `QUIRKS.len()` connectors holds,
/// whatever the seed. Random choices make more of most of them; these make sure
/// at least one of each exists.
const QUIRKS: &[fn(&mut Map<String, Value>)] = &[
    account_id_as_number,
    account_id_with_leading_zero,
    last_synced_null,
    last_synced_missing,
    state_completed_successfully,
    description_missing,
    description_with_quotes,
    state_error,
    unknown_fields,
    state_pending,
    base_account_id_as_number,
    state_regions_discovered,
    state_completed_successfully,
];

fn account_id_as_number(connector: &mut Map<String, Value>) {
    let id = connector["awsAccountId"].as_str().and_then(|id| id.parse::<u64>().ok());
    connector.insert("awsAccountId".into(), json!(id));
}

fn account_id_with_leading_zero(connector: &mut Map<String, Value>) {
    let old = connector["awsAccountId"].as_str().unwrap_or("000000000000").to_string();
    let new = format!("0{}", &old[1..]);
    let arn = connector["arn"].as_str().unwrap_or_default().replace(&old, &new);
    connector.insert("awsAccountId".into(), json!(new));
    connector.insert("arn".into(), json!(arn));
}

fn last_synced_null(connector: &mut Map<String, Value>) {
    connector.insert("lastSyncedOn".into(), Value::Null);
}

fn last_synced_missing(connector: &mut Map<String, Value>) {
    connector.remove("lastSyncedOn");
    connector.remove("nextSyncedOn");
}

fn state_completed_successfully(connector: &mut Map<String, Value>) {
    connector.insert("state".into(), json!("Completed successfully"));
    connector.remove("error");
}

fn description_missing(connector: &mut Map<String, Value>) {
    connector.remove("description");
}

fn description_with_quotes(connector: &mut Map<String, Value>) {
    let text = r#"Builds the "golden" AMIs; do not delete"#;
    connector.insert("description".into(), json!(text));
}

fn state_error(connector: &mut Map<String, Value>) {
    connector.insert("state".into(), json!("ERROR"));
    connector.insert("error".into(), json!(SYNC_ERRORS[0]));
}

/// Adds `regionCode` (the region the name ends with) and `cloudType`, which the
/// schema lacks.
fn unknown_fields(connector: &mut Map<String, Value>) {
    let name = connector["name"].as_str().unwrap_or_default();
    let region = REGIONS.iter().find(|region| name.contains(*region)).unwrap_or(&"us-east-1");
    let cloud_type = match (&connector["isGovCloud"], &connector["isChinaRegion"]) {
        (Value::Bool(true), _) => "GovCloud",
        (_, Value::Bool(true)) => "China",
        _ => "Commercial",
    };
    connector.insert("regionCode".into(), json!(region));
    connector.insert("cloudType".into(), json!(cloud_type));
}

fn state_pending(connector: &mut Map<String, Value>) {
    connector.insert("state".into(), json!("PENDING"));
    connector.remove("error");
}

fn base_account_id_as_number(connector: &mut Map<String, Value>) {
    let id = connector["baseAccountId"].as_str().and_then(|id| id.parse::<u64>().ok());
    connector.insert("baseAccountId".into(), json!(id));
}

fn state_regions_discovered(connector: &mut Map<String, Value>) {
    connector.insert("state".into(), json!("REGIONS_DISCOVERED"));
    connector.remove("error");
}

/// The AWS partition a connector's account lives in.
#[derive(Clone, Copy, PartialEq)]
enum Partition {
    Commercial,
    GovCloud,
    China,
}

/// Draws connectors one after the other from a seeded random stream.
struct Generator {
    rng: Rng,
    names: HashSet<String>,
    groups: Vec<(&'static str, String)>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut rng = Rng::with_seed(seed);
        let groups = GROUPS.iter().map(|name| (*name, uuid(&mut rng))).collect();
        Generator { rng, names: HashSet::new(), groups }
    }

    fn connector(&mut self) -> Map<String, Value> {
        let environment = *self.pick(ENVIRONMENTS);
        let system = *self.pick(SYSTEMS);
        let region = if self.rng.u8(0..10) < 6 { Some(*self.pick(REGIONS)) } else { None };
        let name = self.unique_name(environment, system, region);
        let partition = self.partition();
        let account = self.rng.u64(100_000_000_000..1_000_000_000_000).to_string();

        let mut connector = self.identity(&name, partition, &account);
        self.add_description(&mut connector, environment, system);
        self.add_state(&mut connector);
        self.add_flags(&mut connector, partition);
        self.add_labels(&mut connector);
        if self.rng.u8(0..10) == 0 {
            unknown_fields(&mut connector);
        }
        connector
    }

    /// The fields that name the connector and its AWS account.
    fn identity(&mut self, name: &str, partition: Partition, account: &str) -> Map<String, Value> {
        let (arn_partition, base_account) = match partition {
            Partition::Commercial => ("aws", GLOBAL_ACCOUNT),
            Partition::GovCloud => ("aws-us-gov", GOV_ACCOUNT),
            Partition::China => ("aws-cn", CHINA_ACCOUNT),
        };
        let alias = format!("northwind-{name}");
        let arn = format!("arn:{arn_partition}:iam::{account}:role/QualysCloudViewRole");
        let external_id = self.rng.u64(1_000_000_000_000..10_000_000_000_000).to_string();

        let fields = json!({
            "connectorId": uuid(&mut self.rng),
            "name": name,
            "provider": "AWS",
            "awsAccountId": account,
            "baseAccountId": base_account,
            "accountAlias": alias,
            "arn": arn,
            "externalId": external_id,
        });
        into_map(fields)
    }

    /// Unique names such as `prod-payments-us-east-1` or `staging-data-lake`.
    fn unique_name(&mut self, environment: &str, system: &str, region: Option<&str>) -> String {
        let base = match region {
            Some(region) => format!("{environment}-{system}-{region}"),
            None => format!("{environment}-{system}"),
        };
        let mut name = base.clone();
        let mut copy = 1;
        while !self.names.insert(name.clone()) {
            copy += 1;
            name = format!("{base}-{copy}");
        }
        name
    }

    fn partition(&mut self) -> Partition {
        match self.rng.u8(0..100) {
            0..=3 => Partition::GovCloud,
            4..=6 => Partition::China,
            _ => Partition::Commercial,
        }
    }

    /// A description for most connectors; none for some, now and then a null.
    fn add_description(&mut self, connector: &mut Map<String, Value>, env: &str, system: &str) {
        let team = *self.pick(TEAMS);
        let description = match self.rng.u8(0..20) {
            0..=1 => return,
            2 => Value::Null,
            3..=5 => json!(format!(r#"Owned by the "{team}" team"#)),
            6..=7 => json!(format!("{system} workloads ({env}), on-call: {team}")),
            _ => json!(format!("{} {system} account", environment_title(env))),
        };
        connector.insert("description".into(), description);
    }

    /// The state, with what goes with it: an error message, sync times, assets.
    fn add_state(&mut self, connector: &mut Map<String, Value>) {
        let (state, never_synced) = match self.rng.u8(0..100) {
            0..=77 => ("SUCCESS", false),
            78..=87 => ("ERROR", false),
            88..=93 => ("PENDING", self.rng.bool()),
            _ => ("REGIONS_DISCOVERED", false),
        };
        connector.insert("state".into(), json!(state));
        if state == "ERROR" {
            connector.insert("error".into(), json!(*self.pick(SYNC_ERRORS)));
        }

        let (hours, minutes) = *self.pick(POLLING);
        connector.insert("pollingFrequency".into(), json!({ "hours": hours, "minutes": minutes }));
        self.add_sync_times(connector, never_synced, i64::from(hours * 60 + minutes));

        let assets = if never_synced { 0 } else { self.assets() };
        connector.insert("totalAssets".into(), json!(assets));
    }

    /// `lastSyncedOn` and `nextSyncedOn` in Java text, in UTC under either of
    /// its two names.
    fn add_sync_times(&mut self, connector: &mut Map<String, Value>, never: bool, every: i64) {
        let last = self.rng.i64(SYNC_RANGE);
        let next = last + every * 60;
        let zone = if self.rng.bool() { "UTC" } else { "GMT" };
        let last = if never { Value::Null } else { json!(java_date(last, zone)) };
        connector.insert("lastSyncedOn".into(), last);
        connector.insert("nextSyncedOn".into(), json!(java_date(next, zone)));
    }

    /// Mostly hundreds of assets, now and then thousands.
    fn assets(&mut self) -> u32 {
        match self.rng.u8(0..10) {
            0 => self.rng.u32(0..20),
            1 => self.rng.u32(2_000..12_000),
            _ => self.rng.u32(20..1_500),
        }
    }

    fn add_flags(&mut self, connector: &mut Map<String, Value>, partition: Partition) {
        let portal = self.rng.u8(0..10) < 3;
        connector.insert("remediationEnabled".into(), json!(self.rng.u8(0..4) == 0));
        connector.insert("isGovCloud".into(), json!(partition == Partition::GovCloud));
        connector.insert("isChinaRegion".into(), json!(partition == Partition::China));
        connector.insert("isDisabled".into(), json!(self.rng.u8(0..20) == 0));
        connector.insert("isPortalConnector".into(), json!(portal));
        if portal {
            connector.insert("portalConnectorUuid".into(), json!(uuid(&mut self.rng)));
        }
    }

    /// Qualys tags (their ids sometimes numbers, sometimes strings) and
    /// connector groups.
    fn add_labels(&mut self, connector: &mut Map<String, Value>) {
        let tags: Vec<Value> = (0..self.rng.usize(0..4)).map(|_| self.tag()).collect();
        let groups: Vec<Value> = (0..self.rng.usize(0..3)).map(|_| self.group()).collect();
        connector.insert("qualysTags".into(), Value::Array(tags));
        connector.insert("groups".into(), Value::Array(groups));
    }

    fn tag(&mut self) -> Value {
        let (id, name) = *self.pick(TAGS);
        let id = if self.rng.u8(0..10) < 7 { json!(id) } else { json!(id.to_string()) };
        json!({ "tagId": id, "tagName": name })
    }

    fn group(&mut self) -> Value {
        let (name, uuid) = self.groups[self.rng.usize(0..self.groups.len())].clone();
        json!({ "name": name, "uuid": uuid })
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(0..items.len())]
    }
}

/// A version 4 UUID from the seeded stream, the same on every run.
fn uuid(rng: &mut Rng) -> String {
    let mut bytes = [0; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// An instant in Unix seconds as Java `Date.toString()` text, UTC named `zone`.
fn java_date(seconds: i64, zone: &str) -> String {
    let instant = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap_or_default();
    instant.format(&format!("%a %b %d %H:%M:%S {zone} %Y")).to_string()
}

fn environment_title(environment: &str) -> &'static str {
    match environment {
        "prod" => "Production",
        "staging" => "Staging",
        "dev" => "Development",
        "qa" => "QA",
        _ => "Sandbox",
    }
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{AccountId, QualysTagTagId};

    fn default_set() -> DataSet {
        DataSet::from_raw(generate(DEFAULT_COUNT, DEFAULT_SEED)).unwrap()
    }

    /// How many connectors have each JSON value of `field`.
    fn tally(data: &DataSet, field: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for connector in &data.raw {
            let value = connector.get(field).map_or("(missing)".to_owned(), Value::to_string);
            *counts.entry(value).or_default() += 1;
        }
        counts
    }

    fn count(data: &DataSet, test: impl Fn(&Value) -> bool) -> usize {
        data.raw.iter().filter(|connector| test(connector)).count()
    }

    #[test]
    fn generate_is_deterministic_for_a_seed() {
        assert_eq!(generate(240, 7), generate(240, 7));
        assert_ne!(generate(240, 7), generate(240, 8));
        assert_eq!(generate(240, DEFAULT_SEED).len(), 240);
    }

    #[test]
    fn default_data_set_states() {
        insta::assert_debug_snapshot!(tally(&default_set(), "state"), @r#"
        {
            "\"Completed successfully\"": 2,
            "\"ERROR\"": 22,
            "\"PENDING\"": 18,
            "\"REGIONS_DISCOVERED\"": 19,
            "\"SUCCESS\"": 179,
        }
        "#);
    }

    #[test]
    fn default_data_set_has_the_odd_account_ids() {
        let data = default_set();
        assert!(count(&data, |c| c["awsAccountId"].is_number()) >= 1);
        assert!(count(&data, |c| c["baseAccountId"].is_number()) >= 1);
        assert!(
            count(&data, |c| c["awsAccountId"].as_str().is_some_and(|id| id.starts_with('0'))) >= 1
        );

        // Decoding pads numbers back to twelve digits and keeps the leading zeros of strings.
        for connector in &data.connectors {
            let id = connector.aws_account_id.as_ref().map(AccountId::as_str).unwrap();
            assert!(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
    }

    #[test]
    fn default_data_set_has_the_odd_sync_times() {
        let data = default_set();
        assert!(
            count(&data, |c| c["lastSyncedOn"].is_null() && c.get("lastSyncedOn").is_some()) >= 1
        );
        assert!(count(&data, |c| c.get("lastSyncedOn").is_none()) >= 1);
        assert!(
            count(&data, |c| c["lastSyncedOn"].as_str().is_some_and(|t| t.contains(" UTC "))) >= 1
        );
        assert!(
            count(&data, |c| c["lastSyncedOn"].as_str().is_some_and(|t| t.contains(" GMT "))) >= 1
        );

        let first = "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let last = "2026-02-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        for connector in &data.connectors {
            let synced = connector.last_synced_on.map(|t| t.to_utc());
            assert!(synced.is_none_or(|t| first <= t && t < last), "{synced:?}");
        }
    }

    #[test]
    fn default_data_set_has_the_odd_texts_and_fields() {
        let data = default_set();
        assert!(count(&data, |c| c.get("description").is_none()) >= 1);
        assert!(count(&data, |c| c["description"].as_str().is_some_and(|d| d.contains('"'))) >= 1);
        assert!(data.connectors.iter().any(|c| c.extra.contains_key("regionCode")));
        assert!(data.connectors.iter().any(|c| c.extra.contains_key("cloudType")));

        let tag_ids = data.connectors.iter().flat_map(|c| c.qualys_tags.iter().flatten());
        let tag_ids: Vec<_> = tag_ids.filter_map(|tag| tag.tag_id.as_ref()).collect();
        assert!(tag_ids.iter().any(|id| matches!(id, QualysTagTagId::Integer(_))));
        assert!(tag_ids.iter().any(|id| matches!(id, QualysTagTagId::String(_))));
    }

    #[test]
    fn default_data_set_errors_only_on_error_state() {
        let data = default_set();
        for connector in &data.raw {
            let is_error = connector["state"] == "ERROR";
            assert_eq!(connector.get("error").is_some(), is_error, "{connector}");
        }
    }

    #[test]
    fn default_data_set_ids_and_names_are_unique() {
        let data = default_set();
        let ids: HashSet<_> =
            data.connectors.iter().map(|c| c.connector_id.clone().unwrap()).collect();
        let names: HashSet<_> = data.connectors.iter().map(|c| c.name.clone().unwrap()).collect();
        assert_eq!((ids.len(), names.len()), (DEFAULT_COUNT, DEFAULT_COUNT));
        for id in ids {
            assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        }
    }

    #[test]
    fn generated_connector_wire_form() {
        let data = default_set();
        insta::assert_json_snapshot!("generated_connector_wire_form", data.raw[0]);
    }

    #[test]
    fn quirks_hold_from_thirteen_connectors() {
        let data = DataSet::from_raw(generate(QUIRKS.len(), 99)).unwrap();
        assert_eq!(count(&data, |c| c["state"] == "Completed successfully"), 2);
        assert_eq!(count(&data, |c| c.get("lastSyncedOn").is_none()), 1);
        assert_eq!(count(&data, |c| c.get("lastSyncedOn") == Some(&Value::Null)), 1);
        assert_eq!(count(&data, |c| c["awsAccountId"].is_number()), 1);
        assert_eq!(count(&data, |c| c["baseAccountId"].is_number()), 1);
        assert!(count(&data, |c| c.get("regionCode").is_some()) >= 1);
        for state in ["ERROR", "PENDING", "REGIONS_DISCOVERED"] {
            assert!(count(&data, |c| c["state"] == state) >= 1, "{state}");
        }
    }

    #[test]
    fn small_data_sets_decode() {
        for count in 0..30 {
            let data = DataSet::from_raw(generate(count, 1)).unwrap();
            assert_eq!(data.connectors.len(), count);
        }
    }

    #[test]
    fn data_set_rejects_what_is_not_a_connector() {
        let raw = vec![json!({ "name": "fine" }), json!({ "totalAssets": "many" })];
        let error = DataSet::from_raw(raw).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        insta::assert_snapshot!(error, @r#"failed to decode sandbox connector 1 at `totalAssets`: invalid type: string "many", expected i64"#);
    }
}
