//! Query and Scan shapes. See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html>
//! and <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html>.

use super::{Condition, ConsumedCapacity, Names, Values};
use crate::value::Item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Query input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct QueryInput {
    /// Table.
    pub table_name: String,
    /// GSI / LSI.
    pub index_name: Option<String>,
    /// `ALL_ATTRIBUTES`, `ALL_PROJECTED_ATTRIBUTES`, `SPECIFIC_ATTRIBUTES`, `COUNT`.
    pub select: Option<String>,
    /// Legacy projection.
    pub attributes_to_get: Option<Vec<String>>,
    /// Items to evaluate.
    pub limit: Option<i64>,
    /// Consistency.
    pub consistent_read: Option<bool>,
    /// Legacy key conditions.
    pub key_conditions: Option<BTreeMap<String, Condition>>,
    /// Legacy filter.
    pub query_filter: Option<BTreeMap<String, Condition>>,
    /// Legacy `AND`/`OR`.
    pub conditional_operator: Option<String>,
    /// Ascending (default true).
    pub scan_index_forward: Option<bool>,
    /// Resume key.
    pub exclusive_start_key: Option<Item>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Projection.
    pub projection_expression: Option<String>,
    /// Filter.
    pub filter_expression: Option<String>,
    /// Key condition.
    pub key_condition_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Values.
    pub expression_attribute_values: Option<Values>,
}

/// Scan input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScanInput {
    /// Table.
    pub table_name: String,
    /// GSI / LSI.
    pub index_name: Option<String>,
    /// Legacy projection.
    pub attributes_to_get: Option<Vec<String>>,
    /// Items to evaluate.
    pub limit: Option<i64>,
    /// Select.
    pub select: Option<String>,
    /// Legacy filter.
    pub scan_filter: Option<BTreeMap<String, Condition>>,
    /// Legacy operator.
    pub conditional_operator: Option<String>,
    /// Resume key.
    pub exclusive_start_key: Option<Item>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Parallel scan segments.
    pub total_segments: Option<i64>,
    /// This segment.
    pub segment: Option<i64>,
    /// Projection.
    pub projection_expression: Option<String>,
    /// Filter.
    pub filter_expression: Option<String>,
    /// Names.
    pub expression_attribute_names: Option<Names>,
    /// Values.
    pub expression_attribute_values: Option<Values>,
    /// Consistency.
    pub consistent_read: Option<bool>,
}

/// Query / Scan output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct QueryOutput {
    /// Items (absent for `Select: COUNT`).
    pub items: Option<Vec<Item>>,
    /// Items returned (after the filter).
    pub count: i64,
    /// Items evaluated (before the filter).
    pub scanned_count: i64,
    /// Resume key.
    pub last_evaluated_key: Option<Item>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// Scan output.
pub type ScanOutput = QueryOutput;

/// An item as a read produced it: still the stored DynamoDB JSON (rendered to the wire as is,
/// no decode and re-encode) or a decoded (possibly projected) item.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadItem {
    /// The stored bytes: canonical DynamoDB JSON of the whole item.
    Stored(Vec<u8>),
    /// A decoded item.
    Decoded(Item),
}

impl ReadItem {
    /// The item, decoding stored bytes.
    pub fn into_item(self) -> Result<Item, crate::DynamoError> {
        match self {
            ReadItem::Stored(b) => crate::store::items::decode(&b),
            ReadItem::Decoded(i) => Ok(i),
        }
    }
}

/// A Query / Scan page before rendering: [`QueryOutput`] with [`ReadItem`]s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPage {
    /// Items (absent for `Select: COUNT`).
    pub items: Option<Vec<ReadItem>>,
    /// Items returned (after the filter).
    pub count: i64,
    /// Items evaluated (before the filter).
    pub scanned_count: i64,
    /// Resume key.
    pub last_evaluated_key: Option<Item>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

impl QueryPage {
    /// The typed output (stored items decoded).
    pub fn into_output(self) -> Result<QueryOutput, crate::DynamoError> {
        Ok(QueryOutput {
            items: self.items.map(|v| v.into_iter().map(ReadItem::into_item).collect::<Result<_, _>>()).transpose()?,
            count: self.count,
            scanned_count: self.scanned_count,
            last_evaluated_key: self.last_evaluated_key,
            consumed_capacity: self.consumed_capacity,
        })
    }
}

/// A GetItem result before rendering: [`GetItemOutput`](super::GetItemOutput) with a [`ReadItem`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetItemPage {
    /// The item, if found.
    pub item: Option<ReadItem>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
}
