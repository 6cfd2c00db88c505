//! The GetItem item cache never serves a stale item: readers hammer one key (so the cache is
//! filled and hit) while writers change it with PutItem, UpdateItem, DeleteItem and
//! DeleteTable/CreateTable; every GetItem issued after a write was acknowledged must see that
//! write (or a later one).

mod common;

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_dynamodb::model::*;
use amplocal_dynamodb::{AttributeValue as V, Config, DynamoDbService, Item};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn service(dir: &std::path::Path) -> DynamoDbService {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock, Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.to_path_buf());
    DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 2, create_delay_ms: 0 }).unwrap()
}

fn ctx() -> RequestContext {
    RequestContext::new("rid", "000000000000", "us-east-1", SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

fn key() -> Item {
    [("id".to_string(), V::s("k"))].into_iter().collect()
}

async fn create(svc: &DynamoDbService) {
    svc.create_table(&ctx(), common::string_keyed_table("tab", &["id"])).await.unwrap();
}

async fn get_n(svc: &DynamoDbService) -> Option<i64> {
    let out = svc.get_item(&ctx(), GetItemInput { table_name: "tab".into(), key: key(), ..Default::default() }).await.ok()?;
    let n = out.item?.get("n")?.as_n()?.to_string();
    n.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn get_item_sees_every_acknowledged_write_while_readers_fill_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    create(&svc).await;
    // The value every reader must see at least (set after each acknowledged write).
    let floor = Arc::new(AtomicI64::new(-1));
    // Deletions started so far: a read that overlapped one may legitimately see nothing.
    let deletes = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..6 {
        let (svc, floor, deletes, stop) = (svc.clone(), floor.clone(), deletes.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let d0 = deletes.load(Ordering::SeqCst);
                let at_least = floor.load(Ordering::SeqCst);
                let seen = get_n(&svc).await.unwrap_or(-1);
                if deletes.load(Ordering::SeqCst) == d0 {
                    assert!(seen >= at_least, "stale GetItem: saw {seen} after write {at_least} was acknowledged");
                }
                reads += 1;
                // A cache hit never waits, so give the runtime (timers, the writer) a turn.
                tokio::task::yield_now().await;
            }
            reads
        }));
    }
    for i in 0..200i64 {
        let item: Item = [("id".to_string(), V::s("k")), ("n".to_string(), V::n(&i.to_string()).unwrap())].into_iter().collect();
        match i % 4 {
            0 | 1 => {
                svc.put_item(&ctx(), PutItemInput { table_name: "tab".into(), item, ..Default::default() }).await.unwrap();
            }
            2 => {
                let values: Item = [(":n".to_string(), V::n(&i.to_string()).unwrap())].into_iter().collect();
                let input = UpdateItemInput {
                    table_name: "tab".into(),
                    key: key(),
                    update_expression: Some("SET n = :n".into()),
                    expression_attribute_values: Some(values),
                    ..Default::default()
                };
                svc.update_item(&ctx(), input).await.unwrap();
            }
            _ => {
                // Remove it (readers may now see nothing: the floor drops to "absent"), then
                // put it back with this value.
                floor.store(-1, Ordering::SeqCst);
                deletes.fetch_add(1, Ordering::SeqCst);
                svc.delete_item(&ctx(), DeleteItemInput { table_name: "tab".into(), key: key(), ..Default::default() }).await.unwrap();
                assert_eq!(get_n(&svc).await, None, "deleted item still served");
                if i % 40 == 39 {
                    svc.delete_table(&ctx(), TableNameInput { table_name: "tab".into() }).await.unwrap();
                    create(&svc).await;
                }
                svc.put_item(&ctx(), PutItemInput { table_name: "tab".into(), item, ..Default::default() }).await.unwrap();
            }
        }
        // Acknowledged: from now on nobody may see an older value.
        floor.store(i, Ordering::SeqCst);
        assert_eq!(get_n(&svc).await, Some(i), "read after write {i}");
        // Let the readers fill the cache with this value before the next write.
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut total = 0;
    for r in readers {
        total += r.await.unwrap();
    }
    assert!(total > 200, "readers ran ({total} reads)");
}
