//! Seed items of a backend manifest with conflict detection (`amplocal --backend`): each seed
//! is written like a `createX` mutation — `_version` 1, `_lastChangedAt`, and a change record
//! in the `AmplifyDataStore-<apiId>-<env>` delta-sync table with the same shape as a
//! mutation's record — so a DataStore client's delta sync (`syncX` with a recent `lastSync`)
//! returns seeds as well as mutated items (checked through the DynamoDB API and /graphql).

use amplocal_tests::backend::BackendServer;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

const API: &str = "datastoreapi00000000000001";
const KEY: &str = "da2-datastorekey000000000001";

async fn graphql(s: &BackendServer, query: &str) -> Value {
    let resp = reqwest::Client::new().post(format!("{}/graphql", s.endpoint)).header("x-api-key", KEY).json(&json!({ "query": query })).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn s(item: &HashMap<String, AttributeValue>, k: &str) -> String {
    match item.get(k) {
        Some(AttributeValue::S(v)) | Some(AttributeValue::N(v)) => v.clone(),
        other => panic!("{k}: {other:?}"),
    }
}

#[tokio::test]
async fn seeds_get_delta_sync_records_like_a_create() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/backend/datastore/amplocal.toml");
    let srv = BackendServer::start(dir.path(), &manifest).await.expect("start");
    let created = graphql(&srv, r#"mutation { createTodo(input: {id: "t2", content: "made"}) { id _version } }"#).await;
    assert_eq!(created["data"]["createTodo"], json!({"id": "t2", "_version": 1}), "{created}");

    let base = format!("Todo-{API}-NONE");
    let delta = srv.dynamodb().scan().table_name(format!("AmplifyDataStore-{API}-NONE")).send().await.unwrap();
    let records: HashMap<String, &HashMap<String, AttributeValue>> = delta.items().iter().map(|r| (s(r, "id"), r)).collect();
    assert_eq!(records.keys().cloned().collect::<BTreeSet<_>>(), BTreeSet::from(["t1".to_string(), "t2".to_string()]), "one record per write: {delta:?}");
    let names = |r: &HashMap<String, AttributeValue>| r.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(records["t1"]), names(records["t2"]), "a seed's record has the shape of a mutation's");
    let stored = srv.dynamodb().get_item().table_name(&base).key("id", AttributeValue::S("t1".into())).send().await.unwrap();
    let stored = stored.item().unwrap();
    let seed = records["t1"];
    for k in ["_version", "_lastChangedAt", "content", "createdAt", "updatedAt", "__typename"] {
        assert_eq!(s(seed, k), s(stored, k), "{k}: the record holds the item as written");
    }
    assert_eq!(s(seed, "_version"), "1");
    let changed: i64 = s(seed, "_lastChangedAt").parse().unwrap();
    let day = s(records["t2"], "ds_pk");
    assert!(day.starts_with(&format!("{base}:")), "{day}");
    assert_eq!(s(seed, "ds_pk").split(':').next(), Some(base.as_str()));
    assert!(s(seed, "ds_sk").ends_with(":t1:1"), "{}", s(seed, "ds_sk"));
    assert_eq!(s(seed, "_ttl").parse::<i64>().unwrap(), changed / 1000 + 30 * 60);

    // Delta sync from a minute ago reads the delta table: the seed is there next to t2.
    let last_sync = changed - 60_000;
    let synced = graphql(&srv, &format!("{{ syncTodos(lastSync: {last_sync}) {{ items {{ id _version }} }} }}")).await;
    let mut ids: Vec<String> = synced["data"]["syncTodos"]["items"].as_array().unwrap_or_else(|| panic!("{synced}")).iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["t1", "t2"], "{synced}");
    srv.stop().await;
}
