//! Control-plane shapes: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, TTL,
//! tags. See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html>.

use super::Tag;
use serde::{Deserialize, Serialize};

/// `KeySchemaElement`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeySchemaElement {
    /// Attribute name.
    pub attribute_name: String,
    /// `HASH` or `RANGE`.
    pub key_type: String,
}

/// `AttributeDefinition`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttributeDefinition {
    /// Attribute name.
    pub attribute_name: String,
    /// `S`, `N` or `B`.
    pub attribute_type: String,
}

/// `Projection`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Projection {
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: Option<String>,
    /// Attributes for `INCLUDE`.
    pub non_key_attributes: Option<Vec<String>>,
}

/// `ProvisionedThroughput`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProvisionedThroughput {
    /// RCU.
    pub read_capacity_units: i64,
    /// WCU.
    pub write_capacity_units: i64,
}

/// `GlobalSecondaryIndex` / `LocalSecondaryIndex` (the LSI ignores throughput).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecondaryIndex {
    /// Index name.
    pub index_name: String,
    /// Key schema.
    pub key_schema: Vec<KeySchemaElement>,
    /// Projection.
    pub projection: Projection,
    /// Throughput (GSI, provisioned tables).
    pub provisioned_throughput: Option<ProvisionedThroughput>,
}

/// `StreamSpecification`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct StreamSpecification {
    /// Enabled.
    pub stream_enabled: bool,
    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`.
    pub stream_view_type: Option<String>,
}

/// CreateTable input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateTableInput {
    /// Table name.
    pub table_name: String,
    /// Key schema.
    pub key_schema: Vec<KeySchemaElement>,
    /// Attribute definitions.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `PROVISIONED` (default) or `PAY_PER_REQUEST`.
    pub billing_mode: Option<String>,
    /// Throughput (required for PROVISIONED).
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    /// GSIs.
    pub global_secondary_indexes: Option<Vec<SecondaryIndex>>,
    /// LSIs.
    pub local_secondary_indexes: Option<Vec<SecondaryIndex>>,
    /// Stream.
    pub stream_specification: Option<StreamSpecification>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Deletion protection.
    pub deletion_protection_enabled: Option<bool>,
    /// `STANDARD` / `STANDARD_INFREQUENT_ACCESS`.
    pub table_class: Option<String>,
}

/// Throughput as described.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProvisionedThroughputDescription {
    /// RCU.
    pub read_capacity_units: i64,
    /// WCU.
    pub write_capacity_units: i64,
    /// Decreases today.
    pub number_of_decreases_today: i64,
}

/// A described index.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IndexDescription {
    /// Name.
    pub index_name: String,
    /// Key schema.
    pub key_schema: Vec<KeySchemaElement>,
    /// Projection.
    pub projection: Projection,
    /// GSI status (`ACTIVE`, …); absent for LSIs.
    pub index_status: Option<String>,
    /// GSI backfilling flag.
    pub backfilling: Option<bool>,
    /// Throughput (GSI).
    pub provisioned_throughput: Option<ProvisionedThroughputDescription>,
    /// Size.
    pub index_size_bytes: i64,
    /// Item count.
    pub item_count: i64,
    /// ARN.
    pub index_arn: String,
}

/// `BillingModeSummary`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BillingModeSummary {
    /// Mode.
    pub billing_mode: String,
    /// When it last changed (epoch seconds).
    pub last_update_to_pay_per_request_date_time: Option<f64>,
}

/// `TableDescription`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TableDescription {
    /// Name.
    pub table_name: String,
    /// ARN.
    pub table_arn: String,
    /// Stable id.
    pub table_id: String,
    /// `CREATING`, `ACTIVE`, `DELETING`, `UPDATING`.
    pub table_status: String,
    /// Epoch seconds.
    pub creation_date_time: f64,
    /// Key schema.
    pub key_schema: Vec<KeySchemaElement>,
    /// Attribute definitions.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// Throughput.
    pub provisioned_throughput: ProvisionedThroughputDescription,
    /// Billing mode (absent for PROVISIONED tables created without it, as AWS does).
    pub billing_mode_summary: Option<BillingModeSummary>,
    /// Size.
    pub table_size_bytes: i64,
    /// Item count.
    pub item_count: i64,
    /// GSIs.
    pub global_secondary_indexes: Option<Vec<IndexDescription>>,
    /// LSIs.
    pub local_secondary_indexes: Option<Vec<IndexDescription>>,
    /// Stream spec.
    pub stream_specification: Option<StreamSpecification>,
    /// Latest stream label.
    pub latest_stream_label: Option<String>,
    /// Latest stream ARN.
    pub latest_stream_arn: Option<String>,
    /// Deletion protection.
    pub deletion_protection_enabled: bool,
}

/// Output of CreateTable / UpdateTable / DeleteTable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TableDescriptionOutput {
    /// The table.
    pub table_description: TableDescription,
}

/// DescribeTable / DeleteTable input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TableNameInput {
    /// Name (or ARN).
    pub table_name: String,
}

/// DescribeTable output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeTableOutput {
    /// The table.
    pub table: TableDescription,
}

/// ListTables input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTablesInput {
    /// Start after this name.
    pub exclusive_start_table_name: Option<String>,
    /// 1..=100.
    pub limit: Option<i64>,
}

/// ListTables output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTablesOutput {
    /// Names.
    pub table_names: Vec<String>,
    /// Continue from here.
    pub last_evaluated_table_name: Option<String>,
}

/// `GlobalSecondaryIndexUpdate` of UpdateTable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GsiUpdate {
    /// Create.
    pub create: Option<SecondaryIndex>,
    /// Delete.
    pub delete: Option<IndexNameOnly>,
    /// Update throughput.
    pub update: Option<SecondaryIndex>,
}

/// `{IndexName}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IndexNameOnly {
    /// Name.
    pub index_name: String,
}

/// UpdateTable input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateTableInput {
    /// Name.
    pub table_name: String,
    /// New attribute definitions (for new GSIs).
    pub attribute_definitions: Option<Vec<AttributeDefinition>>,
    /// Billing mode.
    pub billing_mode: Option<String>,
    /// Throughput.
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    /// GSI changes.
    pub global_secondary_index_updates: Option<Vec<GsiUpdate>>,
    /// Stream.
    pub stream_specification: Option<StreamSpecification>,
    /// Deletion protection.
    pub deletion_protection_enabled: Option<bool>,
    /// Table class.
    pub table_class: Option<String>,
}

/// `TimeToLiveSpecification`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TimeToLiveSpecification {
    /// Enabled.
    pub enabled: bool,
    /// Attribute.
    pub attribute_name: String,
}

/// UpdateTimeToLive input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateTimeToLiveInput {
    /// Table.
    pub table_name: String,
    /// Spec.
    pub time_to_live_specification: TimeToLiveSpecification,
}

/// UpdateTimeToLive output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateTimeToLiveOutput {
    /// Spec echoed.
    pub time_to_live_specification: TimeToLiveSpecification,
}

/// `TimeToLiveDescription`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TimeToLiveDescription {
    /// `ENABLED` / `DISABLED`.
    pub time_to_live_status: String,
    /// Attribute when enabled.
    pub attribute_name: Option<String>,
}

/// DescribeTimeToLive output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeTimeToLiveOutput {
    /// Description.
    pub time_to_live_description: TimeToLiveDescription,
}

/// TagResource input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResourceInput {
    /// Table ARN.
    pub resource_arn: String,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// UntagResource input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct UntagResourceInput {
    /// Table ARN.
    pub resource_arn: String,
    /// Keys.
    pub tag_keys: Vec<String>,
}

/// ListTagsOfResource input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTagsOfResourceInput {
    /// Table ARN.
    pub resource_arn: String,
    /// Token.
    pub next_token: Option<String>,
}

/// ListTagsOfResource output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTagsOfResourceOutput {
    /// Tags.
    pub tags: Vec<Tag>,
    /// Token.
    pub next_token: Option<String>,
}
