//! Stream records in `dynamodb.db` (not an AWS API; guards what GetRecords and shard iterators
//! rely on): records are keyed by (table, stream label, sequence number) in one B-tree and
//! numbered per table, and a data directory written before that layout keeps its records and
//! continues numbering after the highest number it ever handed out.

mod common;

use amplocal_core::db::SqliteDb;
use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_dynamodb::model::*;
use amplocal_dynamodb::store::{self, catalog, TableMeta};
use amplocal_dynamodb::{AttributeValue as V, Config, DynamoDbService, DynamoError, Item};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";
const LABEL: &str = "2026-01-01T00:00:00.000";

fn ctx() -> RequestContext {
    RequestContext::new("rid", ACCOUNT, REGION, SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
}

fn service(dir: &Path) -> DynamoDbService {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock, Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.to_path_buf());
    DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 2, create_delay_ms: 0 }).unwrap()
}

fn stream_spec() -> StreamSpecification {
    StreamSpecification { stream_enabled: true, stream_view_type: Some("NEW_AND_OLD_IMAGES".into()) }
}

async fn put(svc: &DynamoDbService, table: &str, pk: &str) {
    let item: Item = [("pk".to_string(), V::s(pk))].into_iter().collect();
    svc.put_item(&ctx(), PutItemInput { table_name: table.into(), item, ..Default::default() }).await.unwrap();
}

/// Every record of the table's current stream: (sequence number, partition key).
async fn records(svc: &DynamoDbService, table: &str) -> Vec<(u64, String)> {
    let d = svc.describe_table(&ctx(), TableNameInput { table_name: table.into() }).await.unwrap();
    let arn = d.table.latest_stream_arn.expect("the table has a stream");
    let s = svc.describe_stream(&ctx(), DescribeStreamInput { stream_arn: arn.clone(), ..Default::default() }).await.unwrap();
    let shard = s["StreamDescription"]["Shards"][0]["ShardId"].as_str().unwrap().to_string();
    let it = svc
        .get_shard_iterator(&ctx(), GetShardIteratorInput { stream_arn: arn, shard_id: shard, shard_iterator_type: "TRIM_HORIZON".into(), sequence_number: None })
        .await
        .unwrap();
    let r = svc.get_records(&ctx(), GetRecordsInput { shard_iterator: it["ShardIterator"].as_str().unwrap().into(), limit: None }).await.unwrap();
    let recs = r["Records"].as_array().unwrap();
    recs.iter()
        .map(|v: &Value| {
            let seq = v["dynamodb"]["SequenceNumber"].as_str().unwrap().parse().unwrap();
            (seq, v["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap().to_string())
        })
        .collect()
}

#[tokio::test]
async fn records_written_before_the_layout_change_are_kept_and_numbering_goes_on_after_them() {
    let dir = tempfile::tempdir().unwrap();
    {
        // The first schema version, written as the code of that version wrote it: five records
        // numbered by AUTOINCREMENT, the newest two trimmed since.
        let db = SqliteDb::open_with_options(dir.path().join("dynamodb.db"), &store::MIGRATIONS[..1], store::OPEN_OPTIONS).unwrap();
        db.write_blocking(|tx| {
            let meta = TableMeta {
                name: "old".into(),
                key_schema: vec![KeySchemaElement { attribute_name: "pk".into(), key_type: "HASH".into() }],
                attribute_definitions: vec![AttributeDefinition { attribute_name: "pk".into(), attribute_type: "S".into() }],
                billing_mode: "PAY_PER_REQUEST".into(),
                stream: Some(stream_spec()),
                stream_label: Some(LABEL.into()),
                ..Default::default()
            };
            let tid = catalog::insert(tx, ACCOUNT, REGION, &meta)?;
            for i in 1..=5 {
                let record = format!(r#"{{"eventName":"INSERT","dynamodb":{{"Keys":{{"pk":{{"S":"v1-{i}"}}}}}}}}"#);
                tx.execute("INSERT INTO stream_records (tid, label, created, record) VALUES (?1, ?2, 0, ?3)", rusqlite::params![tid, LABEL, record])?;
            }
            tx.execute("DELETE FROM stream_records WHERE seq > 3", [])?;
            Ok::<_, DynamoError>(())
        })
        .unwrap();
    }
    let svc = service(dir.path());
    put(&svc, "old", "new-1").await;
    put(&svc, "old", "new-2").await;
    let got = records(&svc, "old").await;
    let want: Vec<(u64, String)> = [(1, "v1-1"), (2, "v1-2"), (3, "v1-3"), (6, "new-1"), (7, "new-2")].into_iter().map(|(s, k)| (s, k.to_string())).collect();
    assert_eq!(got, want, "numbers 4 and 5 were handed out before: the next record is 6");

    // The new layout: one WITHOUT ROWID B-tree, no AUTOINCREMENT counter, no separate index.
    let c = rusqlite::Connection::open(dir.path().join("dynamodb.db")).unwrap();
    let sql: String = c.query_row("SELECT sql FROM sqlite_schema WHERE name = 'stream_records'", [], |r| r.get(0)).unwrap();
    assert!(sql.contains("WITHOUT ROWID") && sql.contains("PRIMARY KEY (tid, label, seq)"), "{sql}");
    let others: i64 = c.query_row("SELECT count(*) FROM sqlite_schema WHERE tbl_name LIKE 'stream_records%' AND name != 'stream_records' AND sql IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(others, 0, "no index or leftover table beside stream_records");
    let counters: i64 = c.query_row("SELECT count(*) FROM sqlite_sequence WHERE name LIKE 'stream_records%'", [], |r| r.get(0)).unwrap();
    assert_eq!(counters, 0);
}

#[tokio::test]
async fn each_table_numbers_its_records_in_commit_order_and_counts_stay_right() {
    let dir = tempfile::tempdir().unwrap();
    let svc = Arc::new(service(dir.path()));
    for name in ["tab_a", "tab_b"] {
        let mut input = common::string_keyed_table(name, &["pk"]);
        input.stream_specification = Some(stream_spec());
        svc.create_table(&ctx(), input).await.unwrap();
    }
    // Concurrent writes to both tables share group commits.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move { put(&svc, if i % 2 == 0 { "tab_a" } else { "tab_b" }, &format!("k{i:02}")).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // A changing overwrite, an identical one (no record, as in DynamoDB), a write refused by
    // its condition (no record, no number) and a delete.
    let changed: Item = [("pk".to_string(), V::s("k00")), ("v".to_string(), V::s("changed"))].into_iter().collect();
    svc.put_item(&ctx(), PutItemInput { table_name: "tab_a".into(), item: changed, ..Default::default() }).await.unwrap();
    put(&svc, "tab_b", "k01").await;
    let refused = svc
        .put_item(
            &ctx(),
            PutItemInput {
                table_name: "tab_a".into(),
                item: [("pk".to_string(), V::s("k02"))].into_iter().collect(),
                condition_expression: Some("attribute_not_exists(pk)".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(DynamoError::ConditionalCheckFailedException { .. })), "{refused:?}");
    let key: Item = [("pk".to_string(), V::s("k04"))].into_iter().collect();
    svc.delete_item(&ctx(), DeleteItemInput { table_name: "tab_a".into(), key, ..Default::default() }).await.unwrap();
    for name in ["tab_a", "tab_b"] {
        let got = records(&svc, name).await;
        let seqs: Vec<u64> = got.iter().map(|r| r.0).collect();
        let extra = if name == "tab_a" { 2 } else { 0 };
        assert_eq!(seqs, (1..=20 + extra).collect::<Vec<u64>>(), "table {name}: numbered 1.. without gaps, in order");
        let d = svc.describe_table(&ctx(), TableNameInput { table_name: name.into() }).await.unwrap();
        assert_eq!(d.table.item_count, if name == "tab_a" { 19 } else { 20 }, "table {name}");
    }
}
