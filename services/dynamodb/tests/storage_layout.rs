//! How items land in `dynamodb.db`: a 1 KB item stays inside its B-tree page (no overflow page
//! per item), so the file grows by about the items' own bytes, and overwriting items does not
//! grow it. Not an AWS API; this guards the storage layout the Query-latency and write-cost
//! figures of issue #3 depend on.

mod common;

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_dynamodb::model::*;
use amplocal_dynamodb::{AttributeValue as V, Config, DynamoDbService, Item};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn ctx() -> RequestContext {
    RequestContext::new("rid", "000000000000", "us-east-1", SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

/// A ~1 KB item, as the bench writes them.
fn item(pk: &str, sk: &str) -> Item {
    [("pk", V::s(pk)), ("sk", V::s(sk)), ("data", V::s("x".repeat(1010)))].into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Bytes of the database (main file plus what the WAL holds for it), as SQLite counts them.
fn db_bytes(path: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
    let size: i64 = c.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    pages * size
}

#[tokio::test]
async fn one_kb_items_take_about_their_size_and_overwrites_do_not_grow_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock, Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
    let svc = DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 2, create_delay_ms: 0 }).unwrap();
    svc.create_table(&ctx(), common::string_keyed_table("tab", &["pk", "sk"])).await.unwrap();
    let path = dir.path().join("dynamodb.db");
    let empty = db_bytes(&path);
    const N: i64 = 400;
    for i in 0..N {
        svc.put_item(&ctx(), PutItemInput { table_name: "tab".into(), item: item(&format!("p{}", i / 100), &format!("{:03}", i % 100)), ..Default::default() }).await.unwrap();
    }
    let loaded = db_bytes(&path) - empty;
    // ~1.1 KB per row; an overflow page per item would make it > 4 KB.
    assert!(loaded < N * 2048, "{N} items of 1 KB take {loaded} bytes");
    for i in 0..N {
        svc.put_item(&ctx(), PutItemInput { table_name: "tab".into(), item: item(&format!("p{}", i / 100), &format!("{:03}", i % 100)), ..Default::default() }).await.unwrap();
    }
    let rewritten = db_bytes(&path) - empty;
    assert!(rewritten <= loaded + 8192, "overwriting every item grew the file from {loaded} to {rewritten} bytes");
}
