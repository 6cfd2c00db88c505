//! DataStore delta sync end to end (the DataStore fixture's `AmplifyDataStore-<apiId>-NONE`
//! table and `syncX` resolver; AWS "Sync operations" page): every versioned create / update /
//! delete leaves a change record (`ds_pk`/`ds_sk`, `_ttl` = change + 30 min) that the
//! DynamoDB API shows; `syncTodos(lastSync)` inside the 30-minute window returns exactly the
//! change records since `lastSync` (across the UTC day partitions, paged, one `startedAt`);
//! an older `lastSync` is a full base-table sync; expired records are swept by DynamoDB TTL;
//! malformed `lastSync` and foreign / garbage `nextToken`s are errors, never 500s; an
//! Automerge retry leaves one record for the version it wrote, a rejected write none.
//! A manual clock starts one minute before a UTC midnight.

use amplocal_core::{Clock, ManualClock};
use amplocal_tests::TestEnv;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const KEY: &str = "da2-deltasynckey";
/// 2030-03-17T23:59:00.000Z.
const T0_SECS: u64 = 1_900_022_340;
const T0: i64 = T0_SECS as i64 * 1000;
const DELTA: &str = "AmplifyDataStore-deltaapi-NONE";
const SYNC: &str = "query S($l: AWSTimestamp, $t: String, $f: ModelTodoFilterInput, $n: Int) { syncTodos(lastSync: $l, nextToken: $t, filter: $f, limit: $n) { items { id name _version _deleted _lastChangedAt } nextToken startedAt } }";

async fn env(clock: Arc<ManualClock>) -> TestEnv {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/todo.graphql");
    let env = TestEnv::builder()
        .clock(clock)
        .services(|s| {
            s.appsync.graphql_schema = vec![schema];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["deltaapi".into()];
            s.appsync.graphql_conflict_detection = true;
        })
        .start()
        .await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    env
}

async fn gql(env: &TestEnv, query: &str, variables: Value) -> Value {
    let body = json!({"query": query, "variables": variables}).to_string();
    let resp = env.http().post(format!("{}/graphql", env.endpoint)).header("x-api-key", KEY).header("content-type", "application/json").body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let out: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(status, 200, "{out}");
    out
}

/// Every page of a sync: the items as `(id, _version, _deleted)` and the `startedAt` of each page.
async fn sync_all(env: &TestEnv, clock: &ManualClock, vars: Value) -> (Vec<(String, i64, bool)>, Vec<i64>, usize) {
    let (mut items, mut started, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut vars = vars;
    loop {
        let out = gql(env, SYNC, vars.clone()).await;
        let s = &out["data"]["syncTodos"];
        assert!(out.get("errors").is_none(), "{out}");
        for i in s["items"].as_array().unwrap() {
            items.push((i["id"].as_str().unwrap().to_string(), i["_version"].as_i64().unwrap(), i["_deleted"].as_bool().unwrap_or(false)));
        }
        started.push(s["startedAt"].as_i64().unwrap());
        pages += 1;
        match s["nextToken"].as_str() {
            Some(t) => vars["t"] = json!(t),
            None => return (items, started, pages),
        }
        // Later pages keep the first page's startedAt even when time moves on.
        clock.advance(Duration::from_millis(5));
    }
}

async fn mutate(env: &TestEnv, op: &str, input: Value) -> Value {
    let q = format!("mutation M($i: {}TodoInput!) {{ {op}Todo(input: $i) {{ id _version _deleted }} }}", op[..1].to_uppercase() + &op[1..]);
    let out = gql(env, &q, json!({ "i": input })).await;
    assert!(out.get("errors").is_none(), "{out}");
    out["data"][format!("{op}Todo")].clone()
}

/// The SDK signs with the real time and the gateway rejects signatures 15 minutes off its
/// clock, so DynamoDB API calls run with the manual clock set to the real time meanwhile
/// (nothing in the test expires in between: every TTL is in 2030).
async fn at_real_time<T>(clock: &ManualClock, f: impl std::future::Future<Output = T>) -> T {
    let saved = clock.now();
    clock.set(SystemTime::now());
    let out = f.await;
    clock.set(saved);
    out
}

fn n(item: &HashMap<String, AttributeValue>, k: &str) -> i64 {
    item[k].as_n().unwrap().parse().unwrap()
}

#[tokio::test]
async fn delta_records_window_and_full_sync_fallback() {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(T0_SECS)));
    let env = env(clock.clone()).await;
    let step = |ms: u64| clock.advance(Duration::from_millis(ms));

    let a = mutate(&env, "create", json!({"name": "a"})).await["id"].as_str().unwrap().to_string();
    let (items, started, _) = sync_all(&env, &clock, json!({})).await;
    assert_eq!((items, started), (vec![(a.clone(), 1, false)], vec![T0]));
    step(10_000); // 23:59:10
    mutate(&env, "update", json!({"id": a, "name": "a2", "_version": 1})).await;
    step(10_000); // 23:59:20
    let b = mutate(&env, "create", json!({"name": "b"})).await["id"].as_str().unwrap().to_string();
    step(50_000); // 00:00:10 the next day
    mutate(&env, "delete", json!({"id": b, "_version": 1})).await;
    step(1);
    mutate(&env, "update", json!({"id": a, "name": "a3", "_version": 2})).await;
    step(1);

    // Inside the window: exactly the change records since lastSync (inclusive), day by day.
    let now = T0 + 70_002;
    let (items, started, pages) = sync_all(&env, &clock, json!({"l": T0 + 10_000})).await;
    let want = vec![(a.clone(), 2, false), (b.clone(), 1, false), (b.clone(), 2, true), (a.clone(), 3, false)];
    assert_eq!(items, want);
    assert_eq!((started.iter().all(|s| *s == now), pages), (true, 2), "{started:?}");
    let (items, _, _) = sync_all(&env, &clock, json!({"l": T0 + 10_001})).await;
    assert_eq!(items, want[1..].to_vec());
    let (items, _, _) = sync_all(&env, &clock, json!({"l": T0, "f": {"name": {"eq": "a2"}}})).await;
    assert_eq!(items, vec![(a.clone(), 2, false)]);
    let (items, _, _) = sync_all(&env, &clock, json!({"l": T0, "n": 1})).await;
    assert_eq!(items.len(), 5, "limit 1 pages through every record: {items:?}");

    // The delta table through the DynamoDB API: one record per version, keyed by day and time.
    let ddb = env.dynamodb();
    at_real_time(&clock, async {
        let scan = ddb.scan().table_name(DELTA).send().await.unwrap();
        assert_eq!(scan.count(), 5);
        let recs = scan.items();
        let first = recs.iter().find(|r| r["ds_sk"].as_s().unwrap() == &format!("23:59:00.000:{a}:1")).expect("record of version 1");
        assert_eq!(first["ds_pk"].as_s().unwrap(), "Todo-deltaapi-NONE:2030-03-17");
        assert_eq!((n(first, "_ttl"), n(first, "_lastChangedAt"), n(first, "_version")), (T0 / 1000 + 1800, T0, 1));
        assert_eq!((first["name"].as_s().unwrap().as_str(), first["__typename"].as_s().unwrap().as_str()), ("a", "Todo"));
        let tomb = recs.iter().find(|r| r["ds_sk"].as_s().unwrap() == &format!("00:00:10.000:{b}:2")).expect("tombstone record");
        assert_eq!((tomb["ds_pk"].as_s().unwrap().as_str(), tomb["_deleted"].as_bool().ok()), ("Todo-deltaapi-NONE:2030-03-18", Some(&true)));
        assert_eq!(n(tomb, "_ttl"), (T0 + 70_000) / 1000 + 1800, "change records live DeltaSyncTableTTL (30 min)");
        let base = ddb.get_item().table_name("Todo-deltaapi-NONE").key("id", AttributeValue::S(b.clone())).send().await.unwrap();
        assert_eq!(n(base.item().unwrap(), "_ttl"), (T0 + 70_000) / 1000 + 43_200 * 60, "tombstones live BaseTableTTL (30 days)");
        let ttl = ddb.describe_time_to_live().table_name(DELTA).send().await.unwrap();
        assert_eq!(ttl.time_to_live_description().unwrap().attribute_name(), Some("_ttl"));
        let desc = ddb.describe_table().table_name(DELTA).send().await.unwrap();
        let keys: Vec<(String, String)> = desc.table().unwrap().key_schema().iter().map(|k| (k.attribute_name().to_string(), k.key_type().as_str().to_string())).collect();
        assert_eq!(keys, vec![("ds_pk".into(), "HASH".into()), ("ds_sk".into(), "RANGE".into())]);
    })
    .await;

    // Past the window: a full sync of the base table (current items, tombstone included).
    step(31 * 60_000);
    let (mut items, _, _) = sync_all(&env, &clock, json!({"l": T0 + 10_000})).await;
    items.sort();
    let mut want = vec![(a.clone(), 3, false), (b.clone(), 2, true)];
    want.sort();
    assert_eq!(items, want);
    // TTL: the expired change records are deleted by DynamoDB's sweeper; the base table stays.
    assert!(env.state.dynamodb.sweep_expired().await.unwrap() <= 5);
    let counts = at_real_time(&clock, async {
        let delta = ddb.scan().table_name(DELTA).send().await.unwrap().count();
        (delta, ddb.scan().table_name("Todo-deltaapi-NONE").send().await.unwrap().count())
    })
    .await;
    assert_eq!(counts, (0, 2));
    // New changes are recorded again.
    let t = clock.now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as i64;
    mutate(&env, "update", json!({"id": a, "name": "a4", "_version": 3})).await;
    let (items, _, _) = sync_all(&env, &clock, json!({"l": t - 1000})).await;
    assert_eq!(items, vec![(a, 4, false)]);
}

#[tokio::test]
async fn sync_bad_paths() {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(T0_SECS)));
    let env = env(clock.clone()).await;
    for name in ["x", "y"] {
        mutate(&env, "create", json!({"name": name})).await;
        let c = gql(&env, "mutation { createComment(input: {postId: \"p\", content: \"c\"}) { id } }", json!({})).await;
        assert!(c.get("errors").is_none(), "{c}");
    }
    let err_type = |out: &Value| out["errors"][0]["errorType"].as_str().unwrap_or_default().to_string();

    // Malformed lastSync: rejected by AWSTimestamp before any read.
    for bad in [json!("yesterday"), json!(1.5), json!(true)] {
        let out = gql(&env, SYNC, json!({"l": bad})).await;
        assert!(out["errors"].as_array().is_some_and(|e| !e.is_empty()), "{out}");
        assert!(out["data"].is_null() || out["data"]["syncTodos"].is_null(), "{out}");
    }
    let out = gql(&env, "{ syncTodos(lastSync: \"soon\") { startedAt } }", json!({})).await;
    assert!(out["errors"].as_array().is_some_and(|e| !e.is_empty()), "{out}");
    // Extreme but well-formed lastSync values: far future reads nothing, far past is a full sync.
    let out = gql(&env, SYNC, json!({"l": i64::MAX})).await;
    assert_eq!((out["data"]["syncTodos"]["items"].clone(), out["data"]["syncTodos"]["nextToken"].clone()), (json!([]), Value::Null), "{out}");
    let out = gql(&env, SYNC, json!({"l": i64::MIN})).await;
    assert_eq!(out["data"]["syncTodos"]["items"].as_array().map(Vec::len), Some(2), "{out}");

    // nextTokens: garbage, another model's sync token, a list token.
    let posts = gql(&env, "{ syncComments(limit: 1) { nextToken } }", json!({})).await;
    let foreign = posts["data"]["syncComments"]["nextToken"].as_str().expect("a second page").to_string();
    let list = gql(&env, "{ listTodos(limit: 1) { nextToken } }", json!({})).await;
    let list = list["data"]["listTodos"]["nextToken"].as_str().expect("a list token").to_string();
    for token in ["not a token", "eyJ2ZXJzaW9uIjoyfQ==", &foreign, &list] {
        for last in [Value::Null, json!(T0)] {
            let out = gql(&env, SYNC, json!({"t": token, "l": last})).await;
            assert_eq!(err_type(&out), "DynamoDB:ValidationException", "{token}: {out}");
            assert_eq!(out["errors"][0]["message"], "Invalid nextToken");
            assert!(out["data"]["syncTodos"].is_null(), "{out}");
        }
    }
    // A good token still works after the bad ones.
    let first = gql(&env, SYNC, json!({"n": 1})).await;
    let token = first["data"]["syncTodos"]["nextToken"].as_str().unwrap().to_string();
    let next = gql(&env, SYNC, json!({"n": 1, "t": token})).await;
    assert_eq!(next["data"]["syncTodos"]["items"].as_array().map(Vec::len), Some(1), "{next}");
    assert_ne!(next["data"]["syncTodos"]["items"][0]["id"], first["data"]["syncTodos"]["items"][0]["id"]);
}

#[tokio::test]
async fn one_record_per_written_version_under_automerge() {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(T0_SECS - 3600)));
    let env = env(clock.clone()).await;
    let a = mutate(&env, "create", json!({"name": "a"})).await["id"].as_str().unwrap().to_string();
    clock.advance(Duration::from_millis(10));
    mutate(&env, "update", json!({"id": a, "name": "b", "_version": 1})).await;
    clock.advance(Duration::from_millis(10));
    // A stale update is merged (AUTOMERGE, the default) and written as version 3: one record.
    assert_eq!(mutate(&env, "update", json!({"id": a, "name": "c", "_version": 1})).await["_version"], 3);
    clock.advance(Duration::from_millis(10));
    // A stale delete is rejected: nothing written, no record.
    let d = gql(&env, "mutation D($i: DeleteTodoInput!) { deleteTodo(input: $i) { id } }", json!({"i": {"id": a, "_version": 1}})).await;
    assert_eq!(d["errors"][0]["errorType"], "ConflictUnhandled", "{d}");
    let (items, _, _) = sync_all(&env, &clock, json!({"l": T0 - 3_600_000})).await;
    assert_eq!(items, vec![(a.clone(), 1, false), (a.clone(), 2, false), (a, 3, false)]);
}
