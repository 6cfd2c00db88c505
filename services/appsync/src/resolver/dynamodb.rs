//! The `AMAZON_DYNAMODB` data source over amplocal-dynamodb's typed ops, in process
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/resolver-mapping-template-reference-dynamodb.html>):
//! PutItem returns the written item, UpdateItem ALL_NEW, DeleteItem ALL_OLD, Query/Scan a page
//! with `scannedCount` and an opaque `nextToken` (base64 of the LastEvaluatedKey); errors
//! become `DynamoDB:<Code>` with AppSync's `(Service: DynamoDb, Status Code: …)` message.
//! Also provisions the transform's tables (keys, GSIs projection ALL, streams, TTL).
//!
//! Leaves out: Batch*/Transact* requests, `Sync`, consistent reads.

use super::filter::Expr;
use super::{DataFuture, DataRequest, DataResponse, DataSource, DataSourceError, Item};
use crate::transform::table::ModelTable;
use amplocal_core::{AwsError, CoreCtx};
use amplocal_dynamodb::model::table::{AttributeDefinition, CreateTableInput, KeySchemaElement, Projection, SecondaryIndex, StreamSpecification, TimeToLiveSpecification, UpdateTimeToLiveInput};
use amplocal_dynamodb::model::item::{DeleteItemInput, PutItemInput, UpdateItemInput};
use amplocal_dynamodb::model::query::{QueryInput, ScanInput};
use amplocal_dynamodb::model::{Names, Values};
use amplocal_dynamodb::value::{item_from_json, item_to_json};
use amplocal_dynamodb::{AttributeValue, DynamoDbService, DynamoError, Number};
use serde_json::{Map, Value};

/// The DynamoDB data source of one API (its account and region).
#[derive(Debug, Clone)]
pub struct DynamoDataSource {
    ddb: DynamoDbService,
    core: CoreCtx,
    account: String,
    region: String,
}

/// AppSync's typed JSON (numbers as JSON numbers, `NULL: null`) to DynamoDB's wire JSON.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let x = match (k.as_str(), x) {
                    ("N", Value::Number(n)) => Value::String(n.to_string()),
                    ("NULL", _) => Value::Bool(true),
                    ("NS", Value::Array(a)) => Value::Array(a.iter().map(|n| if let Value::Number(n) = n { Value::String(n.to_string()) } else { n.clone() }).collect()),
                    ("L", Value::Array(a)) => Value::Array(a.iter().map(normalize).collect()),
                    ("M", Value::Object(o)) => Value::Object(o.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
                    _ => x.clone(),
                };
                out.insert(k.clone(), x);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn bad_value(e: impl std::fmt::Display) -> DataSourceError {
    DataSourceError { error_type: "DynamoDB:ValidationException".into(), message: e.to_string() }
}

/// The typed JSON `to_dynamodb` produces (`{"S": s}`, `{"N": 1}`, `{"BOOL": b}`, `{"NULL": _}`,
/// `L`, `M`) straight to an attribute value; `None` for anything else (sets, binaries, a bad
/// number, a malformed value), which takes the [`normalize`] + `item_from_json` path and its
/// exact errors.
fn typed_attr(v: &Value) -> Option<AttributeValue> {
    let Value::Object(o) = v else { return None };
    if o.len() != 1 {
        return None;
    }
    let (k, x) = o.iter().next()?;
    Some(match (k.as_str(), x) {
        ("S", Value::String(s)) => AttributeValue::S(s.clone()),
        ("N", Value::Number(n)) => AttributeValue::N(Number::parse(&n.to_string()).ok()?),
        ("BOOL", Value::Bool(b)) => AttributeValue::Bool(*b),
        ("NULL", _) => AttributeValue::Null,
        ("L", Value::Array(items)) => AttributeValue::L(items.iter().map(typed_attr).collect::<Option<_>>()?),
        ("M", Value::Object(m)) => AttributeValue::M(m.iter().map(|(k, v)| Some((k.clone(), typed_attr(v)?))).collect::<Option<_>>()?),
        _ => return None,
    })
}

fn to_ddb_item(item: &Item) -> Result<amplocal_dynamodb::Item, DataSourceError> {
    if let Some(fast) = item.iter().map(|(k, v)| Some((k.clone(), typed_attr(v)?))).collect::<Option<amplocal_dynamodb::Item>>() {
        return Ok(fast);
    }
    to_ddb_item_slow(item)
}

fn to_ddb_item_slow(item: &Item) -> Result<amplocal_dynamodb::Item, DataSourceError> {
    let normalized: Map<String, Value> = item.iter().map(|(k, v)| (k.clone(), normalize(v))).collect();
    item_from_json(&Value::Object(normalized)).map_err(|e| bad_value(format!("{e:?}")))
}

fn from_ddb_item(item: &amplocal_dynamodb::Item) -> Item {
    match item_to_json(item) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Names and values of one or more expressions, merged.
fn names_values(exprs: &[&Expr]) -> Result<(Option<Names>, Option<Values>), DataSourceError> {
    let mut names = Names::new();
    let mut values = Map::new();
    for e in exprs {
        for (k, v) in &e.names {
            names.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        for (k, v) in &e.values {
            values.insert(k.clone(), v.clone());
        }
    }
    let values = if values.is_empty() { None } else { Some(to_ddb_item(&values)?) };
    Ok(((!names.is_empty()).then_some(names), values))
}

fn token_for(key: &amplocal_dynamodb::Item) -> String {
    amplocal_core::pagination::encode(&item_to_json(key))
}

fn key_from_token(token: &str) -> Result<amplocal_dynamodb::Item, DataSourceError> {
    let bad = || DataSourceError { error_type: "DynamoDB:ValidationException".into(), message: "Invalid nextToken".into() };
    let v: Value = amplocal_core::pagination::decode(token).ok_or_else(bad)?;
    item_from_json(&v).map_err(|_| bad())
}

impl DynamoDataSource {
    /// A data source for an API living in `account`/`region`.
    pub fn new(ddb: DynamoDbService, core: CoreCtx, account: &str, region: &str) -> Self {
        Self { ddb, core, account: account.into(), region: region.into() }
    }

    fn error(&self, request_id: &str, e: DynamoError) -> DataSourceError {
        DataSourceError {
            error_type: format!("DynamoDB:{}", e.code()),
            message: format!("{} (Service: DynamoDb, Status Code: {}, Request ID: {request_id})", e.message(), e.status()),
        }
    }

    async fn run(&self, request: DataRequest) -> Result<DataResponse, DataSourceError> {
        let ctx = self.core.internal_request(&self.account, &self.region);
        let err = |e: DynamoError| self.error(&ctx.request_id, e);
        match request {
            DataRequest::GetItem { table, key } => {
                let input = amplocal_dynamodb::model::item::GetItemInput { table_name: table, key: to_ddb_item(&key)?, ..Default::default() };
                let out = self.ddb.get_item(&ctx, input).await.map_err(err)?;
                Ok(DataResponse::Item(out.item.as_ref().map(from_ddb_item)))
            }
            DataRequest::PutItem { table, item, condition, .. } => {
                let (names, values) = names_values(&condition.iter().collect::<Vec<_>>())?;
                let input = PutItemInput {
                    table_name: table,
                    item: to_ddb_item(&item)?,
                    condition_expression: condition.map(|c| c.expression),
                    expression_attribute_names: names,
                    expression_attribute_values: values,
                    ..Default::default()
                };
                let written = input.item.clone();
                self.ddb.put_item(&ctx, input).await.map_err(err)?;
                Ok(DataResponse::Item(Some(from_ddb_item(&written))))
            }
            DataRequest::UpdateItem { table, key, update, condition } => {
                let mut exprs = vec![&update];
                exprs.extend(condition.iter());
                let (names, values) = names_values(&exprs)?;
                let input = UpdateItemInput {
                    table_name: table,
                    key: to_ddb_item(&key)?,
                    update_expression: (!update.expression.is_empty()).then(|| update.expression.clone()),
                    condition_expression: condition.as_ref().map(|c| c.expression.clone()),
                    expression_attribute_names: names,
                    expression_attribute_values: values,
                    return_values: Some("ALL_NEW".into()),
                    ..Default::default()
                };
                let out = self.ddb.update_item(&ctx, input).await.map_err(err)?;
                Ok(DataResponse::Item(out.attributes.as_ref().map(from_ddb_item)))
            }
            DataRequest::DeleteItem { table, key, condition } => {
                let (names, values) = names_values(&condition.iter().collect::<Vec<_>>())?;
                let input = DeleteItemInput {
                    table_name: table,
                    key: to_ddb_item(&key)?,
                    condition_expression: condition.map(|c| c.expression),
                    expression_attribute_names: names,
                    expression_attribute_values: values,
                    return_values: Some("ALL_OLD".into()),
                    ..Default::default()
                };
                let out = self.ddb.delete_item(&ctx, input).await.map_err(err)?;
                Ok(DataResponse::Item(out.attributes.as_ref().map(from_ddb_item)))
            }
            DataRequest::Query { table, index, key_condition, filter, limit, next_token, forward } => {
                let mut exprs = vec![&key_condition];
                exprs.extend(filter.iter());
                let (names, values) = names_values(&exprs)?;
                let input = QueryInput {
                    table_name: table,
                    index_name: index,
                    limit: Some(i64::from(limit)),
                    key_condition_expression: Some(key_condition.expression.clone()),
                    filter_expression: filter.as_ref().map(|f| f.expression.clone()),
                    expression_attribute_names: names,
                    expression_attribute_values: values,
                    scan_index_forward: Some(forward),
                    exclusive_start_key: next_token.as_deref().map(key_from_token).transpose()?,
                    ..Default::default()
                };
                let out = self.ddb.query(&ctx, input).await.map_err(err)?;
                Ok(page(out))
            }
            DataRequest::Scan { table, index, filter, limit, next_token } => {
                let (names, values) = names_values(&filter.iter().collect::<Vec<_>>())?;
                let input = ScanInput {
                    table_name: table,
                    index_name: index,
                    limit: Some(i64::from(limit)),
                    filter_expression: filter.as_ref().map(|f| f.expression.clone()),
                    expression_attribute_names: names,
                    expression_attribute_values: values,
                    exclusive_start_key: next_token.as_deref().map(key_from_token).transpose()?,
                    ..Default::default()
                };
                let out = self.ddb.scan(&ctx, input).await.map_err(err)?;
                Ok(page(out))
            }
        }
    }
}

fn page(out: amplocal_dynamodb::model::query::QueryOutput) -> DataResponse {
    DataResponse::Page {
        items: out.items.unwrap_or_default().iter().map(from_ddb_item).collect(),
        next_token: out.last_evaluated_key.as_ref().map(token_for),
        scanned_count: u32::try_from(out.scanned_count).unwrap_or(u32::MAX),
    }
}

impl DataSource for DynamoDataSource {
    fn call(&self, request: DataRequest) -> DataFuture<'_> {
        Box::pin(self.run(request))
    }
}

/// Create the tables of a transformed API (existing tables are left as they are).
pub async fn ensure_tables(ddb: &DynamoDbService, core: &CoreCtx, account: &str, region: &str, tables: &[ModelTable]) -> Result<(), String> {
    for t in tables {
        let ctx = core.internal_request(account, region);
        let key = |pk: &crate::transform::table::KeyAttr, sk: &Option<crate::transform::table::KeyAttr>| {
            let mut v = vec![KeySchemaElement { attribute_name: pk.name.clone(), key_type: "HASH".into() }];
            if let Some(sk) = sk {
                v.push(KeySchemaElement { attribute_name: sk.name.clone(), key_type: "RANGE".into() });
            }
            v
        };
        let input = CreateTableInput {
            table_name: t.name.clone(),
            key_schema: key(&t.partition_key, &t.sort_key),
            attribute_definitions: t.attribute_definitions().into_iter().map(|a| AttributeDefinition { attribute_name: a.name, attribute_type: a.attr_type.into() }).collect(),
            billing_mode: Some("PAY_PER_REQUEST".into()),
            global_secondary_indexes: (!t.gsis.is_empty()).then(|| {
                t.gsis
                    .iter()
                    .map(|g| SecondaryIndex {
                        index_name: g.name.clone(),
                        key_schema: key(&g.partition_key, &g.sort_key),
                        projection: Projection { projection_type: Some("ALL".into()), non_key_attributes: None },
                        provisioned_throughput: None,
                    })
                    .collect()
            }),
            stream_specification: Some(StreamSpecification { stream_enabled: true, stream_view_type: Some("NEW_AND_OLD_IMAGES".into()) }),
            ..Default::default()
        };
        match ddb.create_table(&ctx, input).await {
            Ok(_) | Err(DynamoError::ResourceInUseException(_)) => {}
            Err(e) => return Err(format!("creating table {}: {}", t.name, e.message())),
        }
        if let Some(attr) = &t.ttl_attribute {
            let input = UpdateTimeToLiveInput { table_name: t.name.clone(), time_to_live_specification: TimeToLiveSpecification { enabled: true, attribute_name: attr.clone() } };
            if let Err(e) = ddb.update_time_to_live(&ctx, input).await {
                tracing::debug!(table = %t.name, error = %e.message(), "TTL already configured");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_items_convert_as_through_wire_json() {
        let cases = [
            json!({"a": {"S": "x"}, "b": {"N": 1}, "c": {"N": -2.5}, "d": {"BOOL": true}, "e": {"NULL": null}, "f": {"NULL": true}}),
            json!({"l": {"L": [{"S": "x"}, {"N": 3}, {"L": []}, {"M": {"k": {"N": 1e3}}}]}, "m": {"M": {}}}),
            json!({"n": {"N": "12"}}),
            json!({"ss": {"SS": ["a", "b"]}, "ns": {"NS": [1, 2]}}),
            json!({"bad": {"N": 1e200}}),
            json!({"bad": {"S": null}}),
            json!({"bad": {"S": "x", "N": 1}}),
            json!({"bad": {}}),
            json!({"bad": {"SS": []}}),
            json!({"bad": {"L": [{"N": 1e200}]}}),
        ];
        for c in cases {
            let item = c.as_object().cloned().unwrap();
            assert_eq!(to_ddb_item(&item), to_ddb_item_slow(&item), "{c}");
        }
        let fast = json!({"a": {"S": "x"}, "b": {"N": 1.50}, "l": {"L": [{"NULL": null}]}});
        assert!(fast.as_object().unwrap().iter().all(|(_, v)| typed_attr(v).is_some()));
    }
}
