//! The delta-sync table of versioned (DataStore) data sources
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-delta-sync.html>,
//! `DeltaSyncConfig` of <https://docs.aws.amazon.com/appsync/latest/APIReference/API_DeltaSyncConfig.html>):
//! after every successful versioned write to a model table (create, update, tombstone delete,
//! Automerge retry) AppSync also puts a change record into `AmplifyDataStore-<apiId>-<env>`:
//! the item as written, plus `ds_pk = "<base table>:<YYYY-MM-DD>"`,
//! `ds_sk = "<HH:mm:ss.SSS>:<primary key values>:<_version>"` (UTC, from `_lastChangedAt`)
//! and `_ttl = _lastChangedAt + DeltaSyncTableTTL` (epoch seconds). The fixture gives the
//! table (keys `ds_pk`/`ds_sk`, TTL `_ttl`) and the TTLs (`DeltaSyncTableTTL` 30 minutes,
//! `BaseTableTTL` 43200 minutes); the key formats are AppSync-internal and follow what deployed
//! `AmplifyDataStore-*` tables hold (date partitions per base table).
//!
//! Leaves out: the base write and the delta write are two DynamoDB writes, not one
//! transaction (a crash in between loses the change record, as it can on AWS); configurable
//! TTLs (the fixture's defaults are fixed); the newer per-key partition format Amplify uses
//! for custom primary keys with `@primaryKey` sync options.

use super::super::{DataFuture, DataRequest, DataResponse, DataSource, DataSourceError, Item};
use crate::transform::Transformed;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// `DeltaSyncTableTTL` of the DataStore fixture: how long a change record lives (minutes).
pub const DELTA_SYNC_TABLE_TTL_MINUTES: i64 = 30;
/// `BaseTableTTL` of the DataStore fixture: how long a tombstone lives (minutes).
pub const BASE_TABLE_TTL_MINUTES: i64 = 43_200;

/// Where the change records of one base table go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaTarget {
    /// The delta-sync table.
    pub delta_table: String,
    /// Primary key attribute names of the base table, HASH first.
    pub key: Vec<String>,
}

/// A data source that writes the delta record of every versioned model-table write and passes
/// everything else through.
#[derive(Debug)]
pub struct DeltaSync {
    inner: Arc<dyn DataSource>,
    targets: HashMap<String, DeltaTarget>,
}

/// `YYYY-MM-DD` and `HH:mm:ss.SSS` (UTC) of an epoch-millisecond instant.
pub fn day_and_time(ms: i64) -> (String, String) {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (
        format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        format!("{:02}:{:02}:{:02}.{:03}", t.hour(), t.minute(), t.second(), t.millisecond()),
    )
}

/// `ds_pk` of the records of `base_table` changed on the UTC day of `ms`.
pub fn ds_pk(base_table: &str, ms: i64) -> String {
    format!("{base_table}:{}", day_and_time(ms).0)
}

fn scalar_text(v: Option<&Value>) -> Option<String> {
    let (_, inner) = v?.as_object()?.iter().next()?;
    match inner {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: Option<&Value>) -> Option<i64> {
    scalar_text(v)?.parse().ok()
}

/// The change record of `item` (as written to `base_table`), or `None` when the item is not
/// versioned (no `_version` / `_lastChangedAt`) or lacks a key attribute.
pub fn record(target: &DeltaTarget, base_table: &str, item: &Item) -> Option<Item> {
    let changed = number(item.get("_lastChangedAt"))?;
    let version = number(item.get("_version"))?;
    let key: Option<Vec<String>> = target.key.iter().map(|k| scalar_text(item.get(k))).collect();
    let (_, hms) = day_and_time(changed);
    let mut out = item.clone();
    out.insert("ds_pk".into(), json!({ "S": ds_pk(base_table, changed) }));
    out.insert("ds_sk".into(), json!({ "S": format!("{hms}:{}:{version}", key?.join(":")) }));
    out.insert("_ttl".into(), json!({ "N": (changed.div_euclid(1000) + DELTA_SYNC_TABLE_TTL_MINUTES * 60).to_string() }));
    Some(out)
}

impl DeltaSync {
    /// Wrap `inner` for an API whose transform has a delta-sync table (conflict detection on);
    /// other APIs get `inner` back unchanged.
    pub fn wrap(inner: Arc<dyn DataSource>, api: Option<&Transformed>) -> Arc<dyn DataSource> {
        let Some(api) = api else { return inner };
        let Some(delta) = api.tables.iter().find(|t| t.model.is_none()) else { return inner };
        let targets: HashMap<String, DeltaTarget> = api
            .tables
            .iter()
            .filter(|t| t.model.is_some())
            .map(|t| {
                let key = std::iter::once(t.partition_key.name.clone()).chain(t.sort_key.iter().map(|k| k.name.clone())).collect();
                (t.name.clone(), DeltaTarget { delta_table: delta.name.clone(), key })
            })
            .collect();
        Arc::new(Self { inner, targets })
    }

    async fn resolve(&self, request: DataRequest) -> Result<DataResponse, DataSourceError> {
        let table = match &request {
            DataRequest::PutItem { table, .. } | DataRequest::UpdateItem { table, .. } => table.clone(),
            _ => return self.inner.call(request).await,
        };
        let out = self.inner.call(request).await?;
        if let (Some(target), DataResponse::Item(Some(item))) = (self.targets.get(&table), &out) {
            if let Some(rec) = record(target, &table, item) {
                let key = ["ds_pk", "ds_sk"].iter().filter_map(|k| rec.get(*k).map(|v| (k.to_string(), v.clone()))).collect();
                let put = DataRequest::PutItem { table: target.delta_table.clone(), key, item: rec, condition: None };
                if let Err(e) = self.inner.call(put).await {
                    // The base write is committed; failing the mutation now would misreport it.
                    tracing::warn!(table = %target.delta_table, error = %e, "writing the delta-sync record failed");
                }
            }
        }
        Ok(out)
    }
}

impl DataSource for DeltaSync {
    fn call(&self, request: DataRequest) -> DataFuture<'_> {
        Box::pin(self.resolve(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_and_ttl() {
        let target = DeltaTarget { delta_table: "AmplifyDataStore-a-NONE".into(), key: vec!["id".into()] };
        // 2026-11-26T21:48:26.123Z
        let ms: i64 = 1_795_729_706_123;
        let item = json!({"id": {"S": "t1"}, "name": {"S": "n"}, "_version": {"N": "3"}, "_lastChangedAt": {"N": ms.to_string()}, "_ttl": {"N": "99"}});
        let rec = record(&target, "Todo-a-NONE", item.as_object().unwrap()).unwrap();
        assert_eq!(rec["ds_pk"], json!({"S": "Todo-a-NONE:2026-11-26"}));
        assert_eq!(rec["ds_sk"], json!({"S": "21:48:26.123:t1:3"}));
        assert_eq!(rec["_ttl"], json!({"N": (1_795_729_706 + 1800).to_string()}));
        assert_eq!(rec["name"], json!({"S": "n"}));
        let unversioned = json!({"id": {"S": "t1"}});
        assert!(record(&target, "Todo-a-NONE", unversioned.as_object().unwrap()).is_none());
        let composite = DeltaTarget { key: vec!["projectId".into(), "n".into()], ..target };
        let item = json!({"projectId": {"S": "p"}, "n": {"N": 7}, "_version": {"N": 1}, "_lastChangedAt": {"N": 0}});
        let rec = record(&composite, "Task-a-NONE", item.as_object().unwrap()).unwrap();
        assert_eq!((rec["ds_pk"].clone(), rec["ds_sk"].clone()), (json!({"S": "Task-a-NONE:1970-01-01"}), json!({"S": "00:00:00.000:p:7:1"})));
    }
}
