//! The `Sync` operation of versioned DynamoDB data sources, as the DataStore fixture's
//! `Query.syncX` request template issues it (`{operation: "Sync", filter, limit (100),
//! lastSync, nextToken}`) and AppSync answers it
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-conflict-detection-and-sync-sync-operations.html>):
//!
//! - no `lastSync`, or `lastSync` before now − DeltaSyncTableTTL: a Scan of the base table
//!   (every item, tombstones included: a full sync);
//! - otherwise a Query of the delta-sync table, one `ds_pk` day partition after the other
//!   from `lastSync`'s day to today, `ds_sk >= "<HH:mm:ss.SSS of lastSync>"` on the first day:
//!   every change record since `lastSync` (an item changed twice shows twice);
//! - `startedAt` is the moment the first page was served, repeated on every later page (it
//!   travels in the `nextToken`); the token also pins the base/delta choice and the table.
//!
//! The client's (and auth) filter applies to both. Change records whose `_ttl` has passed are
//! filtered out on read: amplocal's DynamoDB deletes expired items in a periodic sweep, like
//! AWS "within a few days", so a record can outlive its TTL for a while.
//!
//! Leaves out: the stashed-Query variant of the template (auth filters on a custom partition
//! key) — sync always scans or reads the delta table.

use super::super::filter::Expr;
use super::super::requests::{self, DEFAULT_LIMIT};
use super::super::{DataRequest, DataResponse, DataSource, DataSourceError, Item};
use super::delta::{day_and_time, ds_pk, DELTA_SYNC_TABLE_TTL_MINUTES};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

const DAY_MS: i64 = 86_400_000;

/// One page of a sync query.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPage {
    /// Items (base-table items or change records).
    pub items: Vec<Item>,
    /// Token of the next page.
    pub next_token: Option<String>,
    /// `startedAt` (epoch ms).
    pub started_at: i64,
}

/// What a sync `nextToken` carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SyncToken {
    /// Base table the sync reads.
    table: String,
    /// `startedAt` of the first page.
    started: i64,
    /// `lastSync` of a delta sync (`None`: base-table scan).
    since: Option<i64>,
    /// Day (epoch ms of 00:00 UTC) of the delta partition being read.
    day: i64,
    /// The DynamoDB page token inside that partition / the base scan.
    inner: Option<String>,
}

fn invalid_token() -> DataSourceError {
    DataSourceError { error_type: "DynamoDB:ValidationException".into(), message: "Invalid nextToken".into() }
}

fn request_error(e: requests::RequestError) -> DataSourceError {
    DataSourceError { error_type: e.error_type.into(), message: e.message }
}

/// The delta-sync table of base table `table` storing model `model` (`<Model>-<apiId>-<env>`
/// → `AmplifyDataStore-<apiId>-<env>`).
pub fn delta_table_for(table: &str, model: &str) -> String {
    let rest = table.strip_prefix(model).unwrap_or(table);
    format!("AmplifyDataStore{rest}")
}

/// Whether a sync with `last_sync` at `now_ms` reads the delta table.
pub fn reads_delta(last_sync: Option<i64>, now_ms: i64) -> bool {
    last_sync.is_some_and(|l| l >= now_ms - DELTA_SYNC_TABLE_TTL_MINUTES * 60_000)
}

/// `a AND b`; `b` is a rendered filter, whose top level is already AND-joined parenthesized
/// parts (more parentheses would be DynamoDB's "redundant parentheses" error).
fn and(a: Expr, b: Option<Expr>) -> Expr {
    let Some(b) = b else { return a };
    let mut out = a;
    out.expression = format!("{} AND {}", out.expression, b.expression);
    out.names.extend(b.names);
    out.values.extend(b.values);
    out
}

/// Run `syncX(filter, limit, nextToken, lastSync)` on model `model` stored in `table` at
/// `now_ms`.
pub async fn run(data: &dyn DataSource, model: &str, table: &str, args: &Map<String, Value>, now_ms: i64) -> Result<SyncPage, DataSourceError> {
    let token = match args.get("nextToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => {
            let tok: SyncToken = amplocal_core::pagination::decode(t).ok_or_else(invalid_token)?;
            if tok.table != table {
                return Err(invalid_token());
            }
            Some(tok)
        }
        Some(_) => return Err(invalid_token()),
    };
    let last_sync = args.get("lastSync").and_then(Value::as_i64);
    let (started, since, day, inner) = match token {
        Some(t) => (t.started, t.since, t.day, t.inner),
        None => {
            let since = last_sync.filter(|_| reads_delta(last_sync, now_ms));
            (now_ms, since, since.map(|s| s.div_euclid(DAY_MS) * DAY_MS).unwrap_or(0), None)
        }
    };
    let filter = requests::filter_arg(args.get("filter")).map_err(request_error)?;
    let limit = args.get("limit").and_then(Value::as_u64).map(|l| l.min(1000) as u32).unwrap_or(DEFAULT_LIMIT);
    let token_for = |day: i64, inner: Option<String>| amplocal_core::pagination::encode(&SyncToken { table: table.into(), started, since, day, inner });
    let Some(since) = since else {
        let req = DataRequest::Scan { table: table.into(), index: None, filter, limit, next_token: inner };
        let (items, next) = page(data.call(req).await?)?;
        return Ok(SyncPage { items, next_token: next.map(|n| token_for(0, Some(n))), started_at: started });
    };
    let mut key = Expr { expression: "#ds_pk = :ds_pk".into(), ..Expr::default() };
    key.names.insert("#ds_pk".into(), json!("ds_pk"));
    key.values.insert(":ds_pk".into(), json!({ "S": ds_pk(table, day) }));
    if day <= since {
        key.expression.push_str(" AND #ds_sk >= :ds_sk");
        key.names.insert("#ds_sk".into(), json!("ds_sk"));
        key.values.insert(":ds_sk".into(), json!({ "S": day_and_time(since).1 }));
    }
    // AWS quirk: TTL deletion is lazy, so expired change records are filtered on read.
    // Live means `_ttl` after the current second, as amplocal's TTL sweeper judges it.
    let mut live = Expr { expression: "#amplocal_ttl > :amplocal_now".into(), ..Expr::default() };
    live.names.insert("#amplocal_ttl".into(), json!("_ttl"));
    live.values.insert(":amplocal_now".into(), json!({ "N": now_ms.div_euclid(1000).to_string() }));
    let req = DataRequest::Query {
        table: delta_table_for(table, model),
        index: None,
        key_condition: key,
        filter: Some(and(live, filter)),
        limit,
        next_token: inner,
        forward: true,
    };
    let (items, next) = page(data.call(req).await?)?;
    let next_token = match next {
        Some(n) => Some(token_for(day, Some(n))),
        None if day.saturating_add(DAY_MS) <= started => Some(token_for(day + DAY_MS, None)),
        None => None,
    };
    Ok(SyncPage { items, next_token, started_at: started })
}

fn page(out: DataResponse) -> Result<(Vec<Item>, Option<String>), DataSourceError> {
    match out {
        DataResponse::Page { items, next_token, .. } => Ok((items, next_token)),
        DataResponse::Item(_) => Err(DataSourceError { error_type: "MappingTemplate".into(), message: "unexpected data source result".into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_names() {
        let now = 10 * DAY_MS;
        assert!(!reads_delta(None, now));
        assert!(reads_delta(Some(now - 30 * 60_000), now));
        assert!(!reads_delta(Some(now - 30 * 60_000 - 1), now));
        assert!(reads_delta(Some(now + 5), now));
        assert_eq!(delta_table_for("Todo-api1-NONE", "Todo"), "AmplifyDataStore-api1-NONE");
    }
}
