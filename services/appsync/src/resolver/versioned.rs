//! Versioned (DataStore) data sources
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/conflict-detection-and-sync.html>):
//! what AppSync adds around the generated requests when conflict detection is VERSION —
//! `_version` 1 on create and +1 on every write, `_lastChangedAt` (epoch ms), the client's
//! `_version` compared on update/delete (`ConflictUnhandled` on a mismatch), deletes as
//! tombstones (`_deleted`, `_ttl` = now + BaseTableTTL); the delta-sync table is [`delta`],
//! `syncX` is [`sync`].
//!
//! Conflict handlers: OPTIMISTIC_CONCURRENCY rejects a stale `_version` with
//! `ConflictUnhandled`; AUTOMERGE ([`Automerge`], Amplify's default) merges a stale update into
//! the stored item (<https://docs.aws.amazon.com/appsync/latest/devguide/conflict-detection-and-resolution.html#automerge>):
//! scalars keep the server value, lists are concatenated (incoming appended), sets are united,
//! maps merge key by key with the same rules, fields absent or null on the server take the
//! incoming value; the merged item is written as the next version and returned.
//!
//! Leaves out: LAMBDA handlers, merging stale deletes (rejected as `ConflictUnhandled`, so a
//! merge never deletes data).

pub mod delta;
pub mod sync;

use super::filter::Expr;
use super::requests::{self, RequestError};
use super::{DataFuture, DataRequest, DataResponse, DataSource, DataSourceError};
use crate::transform::model::ModelDef;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The conflict handler of versioned (DataStore) data sources (`SyncConfig.conflictHandler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ConflictHandler {
    /// Merge stale updates into the stored item.
    #[default]
    #[value(name = "AUTOMERGE")]
    Automerge,
    /// Reject stale writes (`ConflictUnhandled`).
    #[value(name = "OPTIMISTIC_CONCURRENCY")]
    OptimisticConcurrency,
}

impl std::str::FromStr for ConflictHandler {
    type Err = String;

    /// `AUTOMERGE` or `OPTIMISTIC_CONCURRENCY` (as in `SyncConfig.conflictHandler`).
    fn from_str(s: &str) -> Result<Self, String> {
        <Self as clap::ValueEnum>::from_str(s, true)
    }
}

/// A data source that resolves `_version` conflicts of versioned updates by Automerge and
/// passes everything else to `inner`.
#[derive(Debug)]
pub struct Automerge {
    /// The wrapped data source.
    pub inner: Arc<dyn DataSource>,
}

const CCF: &str = "DynamoDB:ConditionalCheckFailedException";

fn number(v: Option<&Value>) -> Option<i64> {
    match v?.get("N")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn is_null(v: Option<&Value>) -> bool {
    v.is_none_or(|v| v.get("NULL").is_some())
}

/// Merge an incoming DynamoDB-JSON value into the server's (Automerge rules).
pub fn merge_value(server: &Value, incoming: &Value) -> Value {
    let union = |a: &Value, b: &Value| {
        let mut out: Vec<Value> = a.as_array().cloned().unwrap_or_default();
        for v in b.as_array().into_iter().flatten() {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        Value::Array(out)
    };
    match (server.as_object().and_then(|o| o.iter().next()), incoming.as_object().and_then(|o| o.iter().next())) {
        (Some((ts, a)), Some((ti, b))) if ts == ti => match ts.as_str() {
            "L" => {
                let mut items = a.as_array().cloned().unwrap_or_default();
                items.extend(b.as_array().cloned().unwrap_or_default());
                json!({ "L": items })
            }
            "SS" | "NS" | "BS" => json!({ ts.clone(): union(a, b) }),
            "M" => {
                let mut out = a.as_object().cloned().unwrap_or_default();
                for (k, v) in b.as_object().into_iter().flatten() {
                    let merged = if is_null(out.get(k)) { v.clone() } else { merge_value(&out[k], v) };
                    out.insert(k.clone(), merged);
                }
                json!({ "M": out })
            }
            _ => server.clone(),
        },
        _ => server.clone(),
    }
}

/// The retried update: every incoming field merged into `server`, written as the version
/// after the server's, conditioned on the server's version being unchanged.
pub fn merged_update(table: &str, key: &Map<String, Value>, update: &Expr, server: &Map<String, Value>, server_version: i64) -> DataRequest {
    let mut out = Expr::default();
    let mut set = Vec::new();
    for (alias, name) in &update.names {
        let Some(field) = name.as_str() else { continue };
        let value = match (field, update.values.get(&format!(":{field}"))) {
            ("_version", _) => json!({ "N": server_version + 1 }),
            ("_lastChangedAt" | "updatedAt", Some(v)) => v.clone(),
            (_, None) => continue,
            (_, Some(v)) if is_null(server.get(field)) => v.clone(),
            (_, Some(v)) => merge_value(&server[field], v),
        };
        set.push(format!("{alias} = :{field}"));
        out.names.insert(alias.clone(), Value::String(field.into()));
        out.values.insert(format!(":{field}"), value);
    }
    out.expression = format!("SET {}", set.join(", "));
    let mut cond = Expr { expression: "#_version = :amplocal_server_version".into(), ..Expr::default() };
    cond.names.insert("#_version".into(), json!("_version"));
    cond.values.insert(":amplocal_server_version".into(), json!({ "N": server_version }));
    DataRequest::UpdateItem { table: table.into(), key: key.clone(), update: out, condition: Some(cond) }
}

impl Automerge {
    async fn resolve(&self, request: DataRequest) -> Result<DataResponse, DataSourceError> {
        let DataRequest::UpdateItem { table, key, update, .. } = &request else { return self.inner.call(request).await };
        let versioned_update = update.values.contains_key(":_version") && !update.values.contains_key(":_deleted");
        let (table, key, update) = (table.clone(), key.clone(), update.clone());
        let first = self.inner.call(request).await;
        let rejected = match first {
            Err(e) if versioned_update && e.error_type == CCF => e,
            other => return other,
        };
        let expected = number(update.values.get(":_version")).unwrap_or(1) - 1;
        for _ in 0..3 {
            let server = match self.inner.call(DataRequest::GetItem { table: table.clone(), key: key.clone() }).await {
                Ok(DataResponse::Item(Some(item))) => item,
                _ => return Err(rejected),
            };
            let Some(server_version) = number(server.get("_version")) else { return Err(rejected) };
            if server_version == expected || server.get("_deleted").and_then(|d| d.get("BOOL")) == Some(&Value::Bool(true)) {
                // Not a version conflict (the client's own condition failed), or a tombstone.
                return Err(rejected);
            }
            match self.inner.call(merged_update(&table, &key, &update, &server, server_version)).await {
                Err(e) if e.error_type == CCF => continue,
                other => return other,
            }
        }
        Err(rejected)
    }
}

impl DataSource for Automerge {
    fn call(&self, request: DataRequest) -> DataFuture<'_> {
        Box::pin(self.resolve(request))
    }
}

/// Base-table TTL of tombstones (AppSync's BaseTableTTL default: 30 days).
pub const TOMBSTONE_TTL_SECS: i64 = delta::BASE_TABLE_TTL_MINUTES * 60;

fn expected_version(input: &mut Map<String, Value>) -> i64 {
    input.remove("_version").and_then(|v| v.as_i64()).unwrap_or(0)
}

fn version_condition(expected: i64, client: Option<&Value>) -> Value {
    let mine = json!({ "_version": { "eq": expected } });
    match client.filter(|c| !c.is_null()) {
        Some(c) => json!({ "and": [mine, c] }),
        None => mine,
    }
}

/// createX on a versioned model.
pub fn create(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>, now: &str, now_ms: i64, new_id: &str) -> Result<DataRequest, RequestError> {
    let mut input = input.clone();
    input.remove("_version");
    input.insert("_version".into(), json!(1));
    input.insert("_lastChangedAt".into(), json!(now_ms));
    requests::create(m, table, &input, condition, now, new_id)
}

/// updateX on a versioned model: guarded by the client's `_version`.
pub fn update(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>, now: &str, now_ms: i64) -> Result<(DataRequest, i64), RequestError> {
    let mut input = input.clone();
    let expected = expected_version(&mut input);
    input.insert("_version".into(), json!(expected + 1));
    input.insert("_lastChangedAt".into(), json!(now_ms));
    let cond = version_condition(expected, condition);
    Ok((requests::update(m, table, &input, Some(&cond), now)?, expected))
}

/// deleteX on a versioned model: a tombstone update guarded by the client's `_version`.
pub fn delete(m: &ModelDef, table: &str, input: &Map<String, Value>, condition: Option<&Value>, now: &str, now_ms: i64) -> Result<(DataRequest, i64), RequestError> {
    let mut key: Map<String, Value> = Map::new();
    let mut input = input.clone();
    let expected = expected_version(&mut input);
    for k in m.primary.fields() {
        if let Some(v) = input.get(&k) {
            key.insert(k, v.clone());
        }
    }
    key.insert("_deleted".into(), json!(true));
    key.insert("_version".into(), json!(expected + 1));
    key.insert("_lastChangedAt".into(), json!(now_ms));
    key.insert("_ttl".into(), json!(now_ms / 1000 + TOMBSTONE_TTL_SECS));
    let cond = version_condition(expected, condition);
    Ok((requests::update(m, table, &key, Some(&cond), now)?, expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::auth::{AuthMode, AuthSettings};
    use crate::transform::{transform, TransformConfig};

    fn todo() -> ModelDef {
        let cfg = TransformConfig { auth: AuthSettings { default_mode: AuthMode::ApiKey, additional: vec![], sandbox: true }, versioned: true, api_id: "a".into(), env: "NONE".into() };
        transform("type Todo @model { id: ID! name: String }", &cfg).unwrap().models.remove(0)
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn writes_carry_and_check_versions() {
        let m = todo();
        let DataRequest::PutItem { item, .. } = create(&m, "t", &obj(json!({"name": "a", "_version": 9})), None, "now", 5, "id1").unwrap() else { panic!() };
        assert_eq!((item["_version"].clone(), item["_lastChangedAt"].clone()), (json!({"N": 1}), json!({"N": 5})));
        let (DataRequest::UpdateItem { update, condition, .. }, expected) = update(&m, "t", &obj(json!({"id": "1", "name": "b", "_version": 3})), None, "now", 6).unwrap() else { panic!() };
        assert_eq!(expected, 3);
        assert_eq!(update.values[":_version"], json!({"N": 4}));
        assert_eq!(condition.unwrap().expression, "((attribute_exists(#id)) AND (#_version = :and_1__version_eq))");
        let (DataRequest::UpdateItem { update, .. }, _) = delete(&m, "t", &obj(json!({"id": "1", "_version": 4})), None, "now", 7000).unwrap() else { panic!() };
        assert_eq!(update.values[":_deleted"], json!({"BOOL": true}));
        assert_eq!(update.values[":_ttl"], json!({"N": 7 + TOMBSTONE_TTL_SECS}));
    }

    #[test]
    fn automerge_rules() {
        let server = json!({"M": {"s": {"S": "server"}, "l": {"L": [{"S": "a"}]}, "ss": {"SS": ["x", "y"]}, "n": {"NULL": true}}});
        let incoming = json!({"M": {"s": {"S": "mine"}, "l": {"L": [{"S": "a"}, {"S": "b"}]}, "ss": {"SS": ["y", "z"]}, "n": {"N": 1}, "new": {"S": "v"}}});
        assert_eq!(
            merge_value(&server, &incoming),
            json!({"M": {"s": {"S": "server"}, "l": {"L": [{"S": "a"}, {"S": "a"}, {"S": "b"}]}, "ss": {"SS": ["x", "y", "z"]}, "n": {"N": 1}, "new": {"S": "v"}}})
        );
        let m = todo();
        let (DataRequest::UpdateItem { key, update, .. }, _) = update(&m, "t", &obj(json!({"id": "1", "name": "b", "_version": 1})), None, "now", 6).unwrap() else { panic!() };
        let stored = obj(json!({"id": {"S": "1"}, "_version": {"N": "4"}, "name": {"NULL": true}}));
        let DataRequest::UpdateItem { update, condition, .. } = merged_update("t", &key, &update, &stored, 4) else { panic!() };
        assert_eq!((update.values[":_version"].clone(), update.values[":name"].clone()), (json!({"N": 5}), json!({"S": "b"})));
        assert_eq!(condition.unwrap().values[":amplocal_server_version"], json!({"N": 4}));
    }
}
