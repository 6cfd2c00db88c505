//! PartiQL shapes: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExecuteStatement.html>.

use super::ConsumedCapacity;
use crate::value::{AttributeValue, Item};
use serde::{Deserialize, Serialize};

/// ExecuteStatement input (also one element of the batch / transaction lists).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecuteStatementInput {
    /// The PartiQL statement.
    pub statement: String,
    /// Values for `?`.
    pub parameters: Option<Vec<AttributeValue>>,
    /// Consistency.
    pub consistent_read: Option<bool>,
    /// Page token.
    pub next_token: Option<String>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
    /// Items to evaluate.
    pub limit: Option<i64>,
    /// `NONE` / `ALL_OLD`.
    pub return_values_on_condition_check_failure: Option<String>,
}

/// ExecuteStatement output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecuteStatementOutput {
    /// Items (SELECT; empty list for writes).
    pub items: Vec<Item>,
    /// Page token.
    pub next_token: Option<String>,
    /// Capacity.
    pub consumed_capacity: Option<ConsumedCapacity>,
    /// The key the page stopped at.
    pub last_evaluated_key: Option<Item>,
}

/// BatchExecuteStatement input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchExecuteStatementInput {
    /// Statements (1..=25).
    pub statements: Vec<ExecuteStatementInput>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
}

/// One batch error.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchStatementError {
    /// `ConditionalCheckFailed`, `DuplicateItem`, `ValidationError`, `ResourceNotFound`, …
    pub code: String,
    /// Message.
    pub message: String,
}

/// One batch response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchStatementResponse {
    /// Table.
    pub table_name: Option<String>,
    /// Item (SELECT).
    pub item: Option<Item>,
    /// Error.
    pub error: Option<BatchStatementError>,
}

/// BatchExecuteStatement output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct BatchExecuteStatementOutput {
    /// One per statement.
    pub responses: Vec<BatchStatementResponse>,
}

/// ExecuteTransaction input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecuteTransactionInput {
    /// Statements (1..=100).
    pub transact_statements: Vec<ExecuteStatementInput>,
    /// Idempotency token.
    pub client_request_token: Option<String>,
    /// Capacity.
    pub return_consumed_capacity: Option<String>,
}

/// ExecuteTransaction output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecuteTransactionOutput {
    /// One per read statement.
    pub responses: Option<Vec<super::ItemResponse>>,
}
