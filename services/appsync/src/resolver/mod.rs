//! The resolver layer: what each generated Amplify resolver does, expressed as calls to a
//! [`DataSource`] (the DynamoDB data source of
//! <https://docs.aws.amazon.com/appsync/latest/devguide/resolver-mapping-template-reference-dynamodb.html>)
//! instead of VTL. [`requests`] builds the requests exactly as the fixture templates render them
//! (keys, `attribute_not_exists`/`attribute_exists` guards, SET/REMOVE updates, limit 100,
//! filters via [`filter`]); the data source executes them.
//!
//! The DynamoDB-backed source is [`dynamodb`]; DataStore versioning is [`versioned`]. Leaves
//! out: Batch*/Transact* requests, Lambda / HTTP / NONE data sources.

pub mod dynamodb;
pub mod filter;
pub mod requests;
pub mod versioned;

use filter::Expr;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

/// An item or key in DynamoDB JSON (`{"id": {"S": "…"}}`).
pub type Item = Map<String, Value>;

/// One data-source call, as the generated request templates describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum DataRequest {
    /// GetItem (consistent read off).
    GetItem {
        /// Table name.
        table: String,
        /// Full primary key.
        key: Item,
    },
    /// PutItem; AppSync returns the written item.
    PutItem {
        /// Table name.
        table: String,
        /// Full primary key (also contained in `item`).
        key: Item,
        /// The whole item.
        item: Item,
        /// Condition (create: `attribute_not_exists` on the key AND the client condition).
        condition: Option<Expr>,
    },
    /// UpdateItem; AppSync returns ALL_NEW.
    UpdateItem {
        /// Table name.
        table: String,
        /// Full primary key.
        key: Item,
        /// `SET … REMOVE …` expression.
        update: Expr,
        /// Condition (`attribute_exists` on the key AND the client condition).
        condition: Option<Expr>,
    },
    /// DeleteItem; AppSync returns ALL_OLD.
    DeleteItem {
        /// Table name.
        table: String,
        /// Full primary key.
        key: Item,
        /// Condition (`attribute_exists` on the key AND the client condition).
        condition: Option<Expr>,
    },
    /// Query (`limit` counts evaluated items, before the filter).
    Query {
        /// Table name.
        table: String,
        /// GSI name, or `None` for the table.
        index: Option<String>,
        /// Key condition.
        key_condition: Expr,
        /// Filter.
        filter: Option<Expr>,
        /// Items evaluated per page.
        limit: u32,
        /// Opaque token from a previous page.
        next_token: Option<String>,
        /// `scanIndexForward`.
        forward: bool,
    },
    /// Scan (`limit` counts evaluated items, before the filter).
    Scan {
        /// Table name.
        table: String,
        /// GSI name, or `None`.
        index: Option<String>,
        /// Filter.
        filter: Option<Expr>,
        /// Items evaluated per page.
        limit: u32,
        /// Opaque token from a previous page.
        next_token: Option<String>,
    },
}

/// What a data-source call returns.
#[derive(Debug, Clone, PartialEq)]
pub enum DataResponse {
    /// Get/Put/Update/Delete: the item (absent for a Get miss).
    Item(Option<Item>),
    /// Query/Scan: one page.
    Page {
        /// Items after the filter.
        items: Vec<Item>,
        /// Token for the next page (present even when `items` is short).
        next_token: Option<String>,
        /// Items evaluated before the filter (`getX` uses it to tell "unauthorized" from "absent").
        scanned_count: u32,
    },
}

/// A data-source failure as `$ctx.error` sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DataSourceError {
    /// `errorType`, e.g. `DynamoDB:ConditionalCheckFailedException`.
    pub error_type: String,
    /// Message.
    pub message: String,
}

/// Boxed future returned by [`DataSource::call`].
pub type DataFuture<'a> = Pin<Box<dyn Future<Output = Result<DataResponse, DataSourceError>> + Send + 'a>>;

/// Executes [`DataRequest`]s (the DynamoDB data source; a test double in unit tests).
pub trait DataSource: Send + Sync + std::fmt::Debug {
    /// Run one request.
    fn call(&self, request: DataRequest) -> DataFuture<'_>;
}

/// The data source used until DynamoDB is wired: every call fails with an AppSync-shaped error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unwired;

impl DataSource for Unwired {
    fn call(&self, _request: DataRequest) -> DataFuture<'_> {
        Box::pin(async {
            Err(DataSourceError { error_type: "DynamoDB:ServiceUnavailable".into(), message: "the DynamoDB data source is not wired yet".into() })
        })
    }
}
