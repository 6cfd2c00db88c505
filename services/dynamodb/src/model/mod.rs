//! Typed inputs and outputs of the DynamoDB operations, with the member names of the AWS API
//! reference (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html>).
//! Inputs deserialize from the wire JSON; outputs serialize to it (the wire layer drops `null`s).
//! In-process callers (AppSync) build these structs directly; every input implements `Default`.

pub mod batch;
pub mod item;
pub mod partiql;
pub mod query;
pub mod streams;
pub mod table;
pub mod transact;

pub use batch::*;
pub use item::*;
pub use partiql::*;
pub use query::*;
pub use streams::*;
pub use table::*;
pub use transact::*;

use crate::value::Item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `ExpressionAttributeNames`.
pub type Names = BTreeMap<String, String>;
/// `ExpressionAttributeValues`.
pub type Values = Item;

/// Capacity consumed by one table or index.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Capacity {
    /// Read units.
    pub read_capacity_units: Option<f64>,
    /// Write units.
    pub write_capacity_units: Option<f64>,
    /// Total units.
    pub capacity_units: Option<f64>,
}

/// `ConsumedCapacity` (returned when `ReturnConsumedCapacity` is TOTAL or INDEXES).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConsumedCapacity {
    /// Table name.
    pub table_name: Option<String>,
    /// Total units.
    pub capacity_units: Option<f64>,
    /// Read units.
    pub read_capacity_units: Option<f64>,
    /// Write units.
    pub write_capacity_units: Option<f64>,
    /// Base table part (INDEXES).
    pub table: Option<Capacity>,
    /// Per-LSI (INDEXES).
    pub local_secondary_indexes: Option<BTreeMap<String, Capacity>>,
    /// Per-GSI (INDEXES).
    pub global_secondary_indexes: Option<BTreeMap<String, Capacity>>,
}

/// `ItemCollectionMetrics` (tables with LSIs, when requested).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ItemCollectionMetrics {
    /// The partition key of the collection.
    pub item_collection_key: Option<Item>,
    /// Size range estimate in GB.
    pub size_estimate_range_g_b: Option<Vec<f64>>,
}

/// Legacy `Expected` entry / `KeyConditions` / `QueryFilter` / `ScanFilter` condition.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Condition {
    /// `Value` (Expected only).
    pub value: Option<crate::value::AttributeValue>,
    /// `Exists` (Expected only).
    pub exists: Option<bool>,
    /// EQ, NE, LE, LT, GE, GT, NOT_NULL, NULL, CONTAINS, NOT_CONTAINS, BEGINS_WITH, IN, BETWEEN.
    pub comparison_operator: Option<String>,
    /// Operands.
    pub attribute_value_list: Option<Vec<crate::value::AttributeValue>>,
}

/// A tag.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}
