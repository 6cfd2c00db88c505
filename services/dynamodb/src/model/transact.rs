//! TransactGetItems / TransactWriteItems shapes.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html>.

use super::{ConsumedCapacity, ItemCollectionMetrics, Names, Values};
use crate::value::Item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One write action's common fields (`Put`, `Update`, `Delete`, `ConditionCheck`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactAction {
    /// Table.
    pub table_name: String,
    /// Key (Update, Delete, ConditionCheck).
    pub key: Option<Item>,
    /// Item (Put).
    pub item: Option<Item>,
    /// Update (Update).
    pub update_expression: Option<String>,
    /// Condition.
    pub condition_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Values.
    pub expression_attribute_values: Option<Values>,
    /// `NONE` / `ALL_OLD`.
    pub return_values_on_condition_check_failure: Option<String>,
}

/// One element of `TransactItems`: exactly one member set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactWriteItem {
    /// Condition only.
    pub condition_check: Option<TransactAction>,
    /// Put.
    pub put: Option<TransactAction>,
    /// Delete.
    pub delete: Option<TransactAction>,
    /// Update.
    pub update: Option<TransactAction>,
}

/// TransactWriteItems input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactWriteItemsInput {
    /// Actions (1..=100).
    pub transact_items: Vec<TransactWriteItem>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Metrics.
    pub return_item_collection_metrics: Option<String>,
    /// Idempotency token (10 minutes).
    pub client_request_token: Option<String>,
}

/// TransactWriteItems output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactWriteItemsOutput {
    /// Capacity.
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
    /// Metrics.
    pub item_collection_metrics: Option<BTreeMap<String, Vec<ItemCollectionMetrics>>>,
}

/// `Get` of TransactGetItems.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactGet {
    /// Table.
    pub table_name: String,
    /// Key.
    pub key: Item,
    /// Projection.
    pub projection_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
}

/// One element of TransactGetItems.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactGetItem {
    /// The get.
    pub get: Option<TransactGet>,
}

/// TransactGetItems input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactGetItemsInput {
    /// Gets (1..=100).
    pub transact_items: Vec<TransactGetItem>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
}

/// `ItemResponse`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ItemResponse {
    /// Item if found.
    pub item: Option<Item>,
}

/// TransactGetItems output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransactGetItemsOutput {
    /// One per get, in order.
    pub responses: Vec<ItemResponse>,
    /// Capacity.
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}
