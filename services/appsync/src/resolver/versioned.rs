//! Versioned (DataStore) data sources
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/conflict-detection-and-sync.html>):
//! what AppSync adds around the generated requests when conflict detection is VERSION —
//! `_version` 1 on create and +1 on every write, `_lastChangedAt` (epoch ms), the client's
//! `_version` compared on update/delete (`ConflictUnhandled` on a mismatch), deletes as
//! tombstones (`_deleted`, `_ttl`), and `syncX` as a Scan of changes since `lastSync`.
//!
//! Leaves out: AUTOMERGE / LAMBDA merging (every mismatch is rejected as with
//! OPTIMISTIC_CONCURRENCY), the delta-sync table (sync reads the base table, tombstones
//! included).

use super::requests::{self, RequestError};
use super::DataRequest;
use crate::transform::model::ModelDef;
use serde_json::{json, Map, Value};

/// Base-table TTL of tombstones (AppSync's BaseTableTTL default: 30 days).
pub const TOMBSTONE_TTL_SECS: i64 = 43_200 * 60;

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

/// syncX(filter, limit, nextToken, lastSync): a Scan of the items changed since `lastSync`
/// (all items without it), tombstones included.
pub fn sync(table: &str, args: &Map<String, Value>) -> Result<DataRequest, RequestError> {
    let mut args = args.clone();
    if let Some(last) = args.get("lastSync").and_then(Value::as_i64) {
        let since = json!({ "_lastChangedAt": { "ge": last } });
        let filter = match args.get("filter").filter(|f| !f.is_null()) {
            Some(f) => json!({ "and": [since, f] }),
            None => since,
        };
        args.insert("filter".into(), filter);
    }
    let filter = requests::filter_arg(args.get("filter"))?;
    let limit = args.get("limit").and_then(Value::as_u64).map(|l| l.min(1000) as u32).unwrap_or(requests::DEFAULT_LIMIT);
    let next_token = args.get("nextToken").and_then(Value::as_str).map(String::from);
    Ok(DataRequest::Scan { table: table.into(), index: None, filter, limit, next_token })
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
    fn sync_scans_changes_since_last_sync() {
        let DataRequest::Scan { filter, limit, .. } = sync("t", &obj(json!({"lastSync": 100}))).unwrap() else { panic!() };
        assert_eq!((filter.unwrap().expression.as_str(), limit), ("(#_lastChangedAt >= :_lastChangedAt_ge)", 100));
        let DataRequest::Scan { filter, .. } = sync("t", &obj(json!({}))).unwrap() else { panic!() };
        assert!(filter.is_none());
    }
}
