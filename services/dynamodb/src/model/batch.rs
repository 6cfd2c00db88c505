//! BatchGetItem / BatchWriteItem shapes.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html>.

use super::{ConsumedCapacity, ItemCollectionMetrics, Names};
use crate::value::Item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Keys to read from one table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeysAndAttributes {
    /// Keys.
    pub keys: Vec<Item>,
    /// Legacy projection.
    pub attributes_to_get: Option<Vec<String>>,
    /// Consistency.
    pub consistent_read: Option<bool>,
    /// Projection.
    pub projection_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
}

/// BatchGetItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchGetItemInput {
    /// Table → keys.
    pub request_items: BTreeMap<String, KeysAndAttributes>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
}

/// BatchGetItem output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchGetItemOutput {
    /// Table → items found.
    pub responses: BTreeMap<String, Vec<Item>>,
    /// Never filled here (everything is processed).
    pub unprocessed_keys: BTreeMap<String, KeysAndAttributes>,
    /// Capacity per table.
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}

/// `PutRequest`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct PutRequest {
    /// Item.
    pub item: Item,
}

/// `DeleteRequest`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteRequest {
    /// Key.
    pub key: Item,
}

/// `WriteRequest`: exactly one of put / delete.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct WriteRequest {
    /// Put.
    pub put_request: Option<PutRequest>,
    /// Delete.
    pub delete_request: Option<DeleteRequest>,
}

/// BatchWriteItem input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchWriteItemInput {
    /// Table → writes.
    pub request_items: BTreeMap<String, Vec<WriteRequest>>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Metrics.
    pub return_item_collection_metrics: Option<String>,
}

/// BatchWriteItem output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchWriteItemOutput {
    /// Never filled here.
    pub unprocessed_items: BTreeMap<String, Vec<WriteRequest>>,
    /// Metrics.
    pub item_collection_metrics: Option<BTreeMap<String, Vec<ItemCollectionMetrics>>>,
    /// Capacity.
    pub consumed_capacity: Option<Vec<ConsumedCapacity>>,
}
