//! Single-item shapes: PutItem, GetItem, UpdateItem, DeleteItem.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html>.

use super::{Condition, ConsumedCapacity, ItemCollectionMetrics, Names, Values};
use crate::value::{AttributeValue, Item};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// PutItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutItemInput {
    /// Table.
    pub table_name: String,
    /// The item.
    pub item: Item,
    /// Condition.
    pub condition_expression: Option<String>,
    /// `#n` → name.
    pub expression_attribute_names: Option<Names>,
    /// `:v` → value.
    pub expression_attribute_values: Option<Values>,
    /// `NONE` or `ALL_OLD`.
    pub return_values: Option<String>,
    /// `NONE` or `ALL_OLD`.
    pub return_values_on_condition_check_failure: Option<String>,
    /// `NONE`, `TOTAL`, `INDEXES`.
    pub return_consumed_capacity: Option<String>,
    /// `NONE`, `SIZE`.
    pub return_item_collection_metrics: Option<String>,
    /// Legacy condition.
    pub expected: Option<BTreeMap<String, Condition>>,
    /// Legacy `AND` / `OR`.
    pub conditional_operator: Option<String>,
}

/// Output of PutItem / DeleteItem / UpdateItem.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct WriteItemOutput {
    /// Returned attributes.
    pub attributes: Option<Item>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
    /// Metrics.
    pub item_collection_metrics: Option<ItemCollectionMetrics>,
}

/// PutItem output.
pub type PutItemOutput = WriteItemOutput;
/// DeleteItem output.
pub type DeleteItemOutput = WriteItemOutput;
/// UpdateItem output.
pub type UpdateItemOutput = WriteItemOutput;

/// GetItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetItemInput {
    /// Table.
    pub table_name: String,
    /// Key.
    pub key: Item,
    /// Strong consistency (always the case here).
    pub consistent_read: Option<bool>,
    /// Projection.
    pub projection_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Legacy projection.
    pub attributes_to_get: Option<Vec<String>>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
}

/// GetItem output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetItemOutput {
    /// The item, if found.
    pub item: Option<Item>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// DeleteItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteItemInput {
    /// Table.
    pub table_name: String,
    /// Key.
    pub key: Item,
    /// Condition.
    pub condition_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Values.
    pub expression_attribute_values: Option<Values>,
    /// `NONE` / `ALL_OLD`.
    pub return_values: Option<String>,
    /// `NONE` / `ALL_OLD`.
    pub return_values_on_condition_check_failure: Option<String>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Metrics.
    pub return_item_collection_metrics: Option<String>,
    /// Legacy condition.
    pub expected: Option<BTreeMap<String, Condition>>,
    /// Legacy operator.
    pub conditional_operator: Option<String>,
}

/// Legacy `AttributeValueUpdate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttributeValueUpdate {
    /// Value.
    pub value: Option<AttributeValue>,
    /// `PUT` (default), `ADD`, `DELETE`.
    pub action: Option<String>,
}

/// UpdateItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateItemInput {
    /// Table.
    pub table_name: String,
    /// Key.
    pub key: Item,
    /// Update.
    pub update_expression: Option<String>,
    /// Condition.
    pub condition_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Values.
    pub expression_attribute_values: Option<Values>,
    /// `NONE`, `ALL_OLD`, `UPDATED_OLD`, `ALL_NEW`, `UPDATED_NEW`.
    pub return_values: Option<String>,
    /// `NONE` / `ALL_OLD`.
    pub return_values_on_condition_check_failure: Option<String>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Metrics.
    pub return_item_collection_metrics: Option<String>,
    /// Legacy updates.
    pub attribute_updates: Option<BTreeMap<String, AttributeValueUpdate>>,
    /// Legacy condition.
    pub expected: Option<BTreeMap<String, Condition>>,
    /// Legacy operator.
    pub conditional_operator: Option<String>,
}
