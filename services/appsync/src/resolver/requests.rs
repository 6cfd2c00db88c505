//! The data requests of the generated model resolvers (fixture `resolvers/*DataResolverFn`):
//! create = PutItem guarded by `attribute_not_exists` on every key attribute (client condition
//! first), update = UpdateItem `SET`/`REMOVE` guarded by `attribute_exists` (key condition
//! first), delete = DeleteItem guarded by `attribute_exists`, get = Query on the primary key,
//! list = Scan (or Query when the partition key is given) with limit 100 and the filter,
//! index/relation queries = Query on the GSI with an optional sort-key condition.
//!
//! Leaves out: auth filters (`$ctx.stash.authFilter`), DataStore `_version` handling.

use super::filter::{to_dynamodb, to_expression, Expr};
use super::{DataRequest, Item};
use crate::transform::model::ModelDef;
use serde_json::{Map, Value};

/// Default page size of list and index queries.
pub const DEFAULT_LIMIT: u32 = 100;

/// A request that cannot be built (surfaces as a GraphQL error with this `errorType`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    /// `errorType`.
    pub error_type: &'static str,
    /// Message.
    pub message: String,
}

fn unrecognized() -> RequestError {
    RequestError { error_type: "Unrecognized Filter", message: "Unable to process the filter expression".into() }
}

fn key_of(m: &ModelDef, values: &Map<String, Value>) -> Result<Item, RequestError> {
    let mut key = Item::new();
    for k in m.primary.fields() {
        match values.get(&k) {
            Some(v) if !v.is_null() => {
                key.insert(k, to_dynamodb(v));
            }
            _ => return Err(RequestError { error_type: "MappingTemplate", message: format!("missing key field {k}") }),
        }
    }
    Ok(key)
}

/// The key guard: `{id: {attributeExists: b}}`, or `keyConditionN` entries renamed to the key
/// attributes for custom keys, ANDed with the client condition (`client_first` for create).
fn guarded(m: &ModelDef, exists: bool, client: Option<&Value>, client_first: bool) -> Result<Expr, RequestError> {
    let keys = m.primary.fields();
    if client.is_none_or(Value::is_null) {
        return Ok(key_guard(&keys, exists));
    }
    guarded_slow(&keys, exists, client, client_first)
}

/// [`guarded`] without a client condition, built directly: what rendering
/// `{"and": [{<key>: {"attributeExists": b}, …}]}` gives (one `and` member is not wrapped, its
/// fields join with ` AND `, each comparison parenthesised; no values).
fn key_guard(keys: &[String], exists: bool) -> Expr {
    let function = if exists { "attribute_exists" } else { "attribute_not_exists" };
    let mut e = Expr::default();
    if keys.len() == 1 && keys[0] == "id" {
        e.expression = format!("({function}(#id))");
        e.names.insert("#id".into(), Value::String("id".into()));
        return e;
    }
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            e.expression.push_str(" AND ");
        }
        let placeholder = format!("#keyCondition{}", i + 1);
        e.expression.push_str(&format!("({function}({placeholder}))"));
        e.names.insert(placeholder, Value::String(k.clone()));
    }
    e
}

/// The key guard rendered through the filter renderer (with a client condition).
fn guarded_slow(keys: &[String], exists: bool, client: Option<&Value>, client_first: bool) -> Result<Expr, RequestError> {
    let custom = !(keys.len() == 1 && keys[0] == "id");
    let mut guard = Map::new();
    let mut renames = Map::new();
    if custom {
        for (i, k) in keys.iter().enumerate() {
            guard.insert(format!("keyCondition{}", i + 1), serde_json::json!({ "attributeExists": exists }));
            renames.insert(format!("#keyCondition{}", i + 1), Value::String(k.clone()));
        }
    } else {
        guard.insert("id".into(), serde_json::json!({ "attributeExists": exists }));
    }
    let mut conditions = vec![Value::Object(guard)];
    if let Some(c) = client.filter(|c| !c.is_null()) {
        if client_first {
            conditions.insert(0, c.clone());
        } else {
            conditions.push(c.clone());
        }
    }
    let mut e = to_expression(&serde_json::json!({ "and": conditions })).ok_or_else(unrecognized)?;
    e.names.extend(renames);
    Ok(e)
}

/// `createX(input, condition)`: `now` is the ISO-8601 timestamp, `new_id` the auto id.
pub fn create(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>, now: &str, new_id: &str) -> Result<DataRequest, RequestError> {
    // The merged item (auto id, timestamps, defaults, then the input, then __typename), typed
    // as it is merged: a later value replaces an earlier one in its first position.
    let mut item = Item::with_capacity(input.len() + 4);
    if m.primary.partition == "id" {
        item.insert("id".into(), typed_string(new_id));
    }
    for ts in [&m.created_at, &m.updated_at].into_iter().flatten() {
        item.insert(ts.clone(), typed_string(now));
    }
    for (f, v) in &m.defaults {
        if let Ok(j) = serde_json::to_value(v) {
            item.insert(f.clone(), to_dynamodb(&j));
        }
    }
    for (k, v) in input {
        item.insert(k.clone(), to_dynamodb(v));
    }
    item.insert("__typename".into(), typed_string(&m.name));
    let mut key = Item::new();
    for k in m.primary.fields() {
        // `{"NULL": null}` is what a null (and only a null) becomes.
        match item.get(&k).filter(|v| v.get("NULL").is_none()) {
            Some(v) => {
                let v = v.clone();
                key.insert(k, v);
            }
            None => return Err(RequestError { error_type: "MappingTemplate", message: format!("missing key field {k}") }),
        }
    }
    Ok(DataRequest::PutItem { table: table.into(), key, item, condition: Some(guarded(m, false, condition, true)?) })
}

/// `{"S": s}`.
fn typed_string(s: &str) -> Value {
    let mut o = Map::with_capacity(1);
    o.insert("S".into(), Value::String(s.into()));
    Value::Object(o)
}

/// `updateX(input, condition)`.
pub fn update(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>, now: &str) -> Result<DataRequest, RequestError> {
    let mut merged = Map::new();
    if let Some(ts) = &m.updated_at {
        merged.insert(ts.clone(), Value::String(now.into()));
    }
    for (k, v) in input {
        merged.insert(k.clone(), v.clone());
    }
    let key = key_of(m, &merged)?;
    let keys = m.primary.fields();
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    let mut update = Expr::default();
    for (k, v) in merged.iter().filter(|(k, _)| !keys.contains(k)) {
        update.names.insert(format!("#{k}"), Value::String(k.clone()));
        if v.is_null() {
            remove.push(format!("#{k}"));
        } else {
            set.push(format!("#{k} = :{k}"));
            update.values.insert(format!(":{k}"), to_dynamodb(v));
        }
    }
    let mut expression = String::new();
    if !set.is_empty() {
        expression = format!("SET {}", set.join(", "));
    }
    if !remove.is_empty() {
        expression = format!("{expression} REMOVE {}", remove.join(", "));
    }
    update.expression = expression;
    Ok(DataRequest::UpdateItem { table: table.into(), key, update, condition: Some(guarded(m, true, condition, false)?) })
}

/// `deleteX(input, condition)`.
pub fn delete(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>) -> Result<DataRequest, RequestError> {
    let key = key_of(m, input)?;
    Ok(DataRequest::DeleteItem { table: table.into(), key, condition: Some(guarded(m, true, condition, false)?) })
}

/// `getX(key…)`: a Query on the primary key.
pub fn get(m: &ModelDef, table: &str, args: &Map<String, Value>) -> Result<DataRequest, RequestError> {
    let key = key_of(m, args)?;
    let mut e = Expr::default();
    let mut parts = Vec::new();
    for (i, (k, v)) in key.into_iter().enumerate() {
        parts.push(format!("#keyCount{n} = :valueCount{n}", n = i + 1));
        e.names.insert(format!("#keyCount{}", i + 1), Value::String(k));
        e.values.insert(format!(":valueCount{}", i + 1), v);
    }
    e.expression = parts.join(" AND ");
    Ok(DataRequest::Query { table: table.into(), index: None, key_condition: e, filter: None, limit: DEFAULT_LIMIT, next_token: None, forward: true })
}

/// The filter argument rendered, `Ok(None)` when absent or empty.
pub fn filter_arg(filter: Option<&Value>) -> Result<Option<Expr>, RequestError> {
    match filter {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) if o.is_empty() => Ok(None),
        Some(f) => {
            let e = to_expression(f).ok_or_else(unrecognized)?;
            Ok((!e.expression.trim().is_empty()).then_some(e))
        }
    }
}

fn limit_arg(args: &Map<String, Value>) -> u32 {
    args.get("limit").and_then(Value::as_u64).map(|l| l.min(u64::from(u32::MAX)) as u32).unwrap_or(DEFAULT_LIMIT)
}

/// Key condition `#pk = :pk [AND <sort condition>]` for a Query on a table or index.
pub fn key_condition(partition: &str, pk_value: &Value, sort: Option<(&str, &Value)>) -> Result<Expr, RequestError> {
    let mut e = Expr::default();
    e.names.insert(format!("#{partition}"), Value::String(partition.into()));
    e.values.insert(format!(":{partition}"), to_dynamodb(pk_value));
    let mut text = format!("#{partition} = :{partition}");
    if let Some((sk, Value::Object(cond))) = sort {
        if let Some((op, v)) = cond.iter().next() {
            e.names.insert(format!("#{sk}"), Value::String(sk.into()));
            let bad = || RequestError { error_type: "InvalidArgumentsError", message: format!("invalid key condition on {sk}") };
            let clause = match op.as_str() {
                "eq" | "le" | "lt" | "ge" | "gt" => {
                    let sym = match op.as_str() {
                        "eq" => "=",
                        "le" => "<=",
                        "lt" => "<",
                        "ge" => ">=",
                        _ => ">",
                    };
                    e.values.insert(format!(":{sk}"), to_dynamodb(v));
                    format!("#{sk} {sym} :{sk}")
                }
                "beginsWith" => {
                    e.values.insert(format!(":{sk}"), to_dynamodb(v));
                    format!("begins_with(#{sk}, :{sk})")
                }
                "between" => {
                    let bounds = v.as_array().filter(|b| b.len() == 2).ok_or_else(bad)?;
                    e.values.insert(format!(":{sk}0"), to_dynamodb(&bounds[0]));
                    e.values.insert(format!(":{sk}1"), to_dynamodb(&bounds[1]));
                    format!("#{sk} BETWEEN :{sk}0 AND :{sk}1")
                }
                _ => return Err(bad()),
            };
            text = format!("{text} AND {clause}");
        }
    }
    e.expression = text;
    Ok(e)
}

/// `listXs(filter, limit, nextToken[, pk, sk, sortDirection])`: Scan, or Query when the
/// partition key argument is given.
pub fn list(m: &ModelDef, table: &str, args: &Map<String, Value>) -> Result<DataRequest, RequestError> {
    let filter = filter_arg(args.get("filter"))?;
    let limit = limit_arg(args);
    let next_token = args.get("nextToken").and_then(Value::as_str).map(String::from);
    match args.get(&m.primary.partition).filter(|v| !v.is_null() && !m.primary.sort.is_empty()) {
        Some(pk) => {
            let sk = m.primary.sort.first().map(String::as_str);
            let sort = sk.and_then(|s| args.get(s).map(|v| (s, v)));
            let key_condition = key_condition(&m.primary.partition, pk, sort)?;
            let forward = args.get("sortDirection").and_then(Value::as_str) != Some("DESC");
            Ok(DataRequest::Query { table: table.into(), index: None, key_condition, filter, limit, next_token, forward })
        }
        None => Ok(DataRequest::Scan { table: table.into(), index: None, filter, limit, next_token }),
    }
}

/// An index query field (`strict_direction`) or a `@hasMany` field: Query on `index` with the
/// partition value.
pub fn index_query(
    table: &str,
    index: Option<&str>,
    (partition, pk_value): (&str, &Value),
    sort_key: Option<&str>,
    args: &Map<String, Value>,
    strict_direction: bool,
) -> Result<DataRequest, RequestError> {
    if strict_direction && sort_key.is_none() && args.get("sortDirection").is_some_and(|v| !v.is_null()) {
        // AWS quirk: the generated index query resolvers reject sortDirection without a sort key.
        return Err(RequestError { error_type: "InvalidArgumentsError", message: "sortDirection is not supported for List operations without a Sort key defined.".into() });
    }
    let sort = sort_key.and_then(|s| args.get(s).filter(|v| !v.is_null()).map(|v| (s, v)));
    Ok(DataRequest::Query {
        table: table.into(),
        index: index.map(String::from),
        key_condition: key_condition(partition, pk_value, sort)?,
        filter: filter_arg(args.get("filter"))?,
        limit: limit_arg(args),
        next_token: args.get("nextToken").and_then(Value::as_str).map(String::from),
        forward: args.get("sortDirection").and_then(Value::as_str) != Some("DESC"),
    })
}

#[cfg(test)]
mod tests;
