//! `DynamoError`: every error DynamoDB's data and control plane return, named by AWS error code.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html>.
//! `__type` namespaces follow what AWS sends: `com.amazon.coral.validate#` for validation,
//! `com.amazon.coral.service#` for serialization / unknown operation, and
//! `com.amazonaws.dynamodb.v20120810#` for everything else.

use crate::value::{item_to_json, Item};
use amplocal_core::{AwsError, InternalError};
use serde_json::{Map, Value};

/// One entry of `TransactionCanceledException.CancellationReasons`.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None`, `ConditionalCheckFailed`, `ValidationError`, `TransactionConflict`, …
    pub code: String,
    /// Human readable reason (absent for `None`).
    pub message: Option<String>,
    /// The item, when `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
    pub item: Option<Item>,
}

impl CancellationReason {
    /// The reason for an action that did not fail.
    pub fn none() -> Self {
        Self { code: "None".into(), message: None, item: None }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(item) = &self.item {
            m.insert("Item".into(), item_to_json(item));
        }
        m.insert("Code".into(), self.code.clone().into());
        if let Some(msg) = &self.message {
            m.insert("Message".into(), msg.clone().into());
        }
        Value::Object(m)
    }
}

/// The DynamoDB error enum.
#[derive(Debug, thiserror::Error)]
pub enum DynamoError {
    /// Invalid parameters.
    #[error("{0}")]
    ValidationException(String),
    /// Body is not valid JSON or a member has the wrong JSON type.
    #[error("{0}")]
    SerializationException(String),
    /// Table / index / stream does not exist.
    #[error("{0}")]
    ResourceNotFoundException(String),
    /// Table exists already or is being modified.
    #[error("{0}")]
    ResourceInUseException(String),
    /// A condition failed; `item` is set for `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
    #[error("{message}")]
    ConditionalCheckFailedException {
        /// Message.
        message: String,
        /// The existing item.
        item: Option<Item>,
    },
    /// A transaction was cancelled.
    #[error("{message}")]
    TransactionCanceledException {
        /// Message listing the codes.
        message: String,
        /// One reason per action, in order.
        reasons: Vec<CancellationReason>,
    },
    /// Another transaction is in progress on an item.
    #[error("{0}")]
    TransactionConflictException(String),
    /// Same ClientRequestToken, different request.
    #[error("{0}")]
    IdempotentParameterMismatchException(String),
    /// An LSI item collection exceeded 10 GB.
    #[error("{0}")]
    ItemCollectionSizeLimitExceededException(String),
    /// A limit was exceeded.
    #[error("{0}")]
    LimitExceededException(String),
    /// PartiQL INSERT of an existing item.
    #[error("{0}")]
    DuplicateItemException(String),
    /// Unknown `X-Amz-Target`.
    #[error("{0}")]
    UnknownOperationException(String),
    /// A bug or storage failure (`InternalServerError`, 500).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl From<rusqlite::Error> for DynamoError {
    #[track_caller]
    fn from(e: rusqlite::Error) -> Self {
        DynamoError::Internal(InternalError::from(e))
    }
}

impl DynamoError {
    /// Shorthand for a ValidationException.
    pub fn validation(msg: impl Into<String>) -> Self {
        DynamoError::ValidationException(msg.into())
    }

    /// `ResourceNotFoundException: Requested resource not found` (data-plane wording).
    pub fn not_found() -> Self {
        DynamoError::ResourceNotFoundException("Requested resource not found".into())
    }

    /// `ResourceNotFoundException` for control-plane calls naming the table.
    pub fn table_not_found(name: &str) -> Self {
        DynamoError::ResourceNotFoundException(format!("Requested resource not found: Table: {name} not found"))
    }

    /// The standard conditional failure.
    pub fn conditional_failed(item: Option<Item>) -> Self {
        DynamoError::ConditionalCheckFailedException { message: "The conditional request failed".into(), item }
    }

    /// The `__type` namespace prefix.
    pub fn type_prefix(&self) -> &'static str {
        match self {
            DynamoError::ValidationException(_) => "com.amazon.coral.validate#",
            DynamoError::SerializationException(_) | DynamoError::UnknownOperationException(_) => "com.amazon.coral.service#",
            _ => "com.amazonaws.dynamodb.v20120810#",
        }
    }

    /// Extra members of the error body (`Item`, `CancellationReasons`).
    pub fn extra(&self) -> Option<Map<String, Value>> {
        match self {
            DynamoError::ConditionalCheckFailedException { item: Some(item), .. } => {
                let mut m = Map::new();
                m.insert("Item".into(), item_to_json(item));
                Some(m)
            }
            DynamoError::TransactionCanceledException { reasons, .. } => {
                let mut m = Map::new();
                m.insert("CancellationReasons".into(), Value::Array(reasons.iter().map(CancellationReason::to_json).collect()));
                Some(m)
            }
            _ => None,
        }
    }
}

impl AwsError for DynamoError {
    fn code(&self) -> &'static str {
        match self {
            DynamoError::ValidationException(_) => "ValidationException",
            DynamoError::SerializationException(_) => "SerializationException",
            DynamoError::ResourceNotFoundException(_) => "ResourceNotFoundException",
            DynamoError::ResourceInUseException(_) => "ResourceInUseException",
            DynamoError::ConditionalCheckFailedException { .. } => "ConditionalCheckFailedException",
            DynamoError::TransactionCanceledException { .. } => "TransactionCanceledException",
            DynamoError::TransactionConflictException(_) => "TransactionConflictException",
            DynamoError::IdempotentParameterMismatchException(_) => "IdempotentParameterMismatchException",
            DynamoError::ItemCollectionSizeLimitExceededException(_) => "ItemCollectionSizeLimitExceededException",
            DynamoError::LimitExceededException(_) => "LimitExceededException",
            DynamoError::DuplicateItemException(_) => "DuplicateItemException",
            DynamoError::UnknownOperationException(_) => "UnknownOperationException",
            DynamoError::Internal(_) => "InternalServerError",
        }
    }

    fn status(&self) -> u16 {
        match self {
            DynamoError::Internal(_) => 500,
            _ => 400,
        }
    }

    fn message(&self) -> String {
        match self {
            DynamoError::Internal(_) => "Internal server error".into(),
            other => other.to_string(),
        }
    }
}
