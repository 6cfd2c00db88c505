//! Ops-level tests of the typed API (what AppSync calls in-process): temp data dir, manual clock,
//! seeded ids, no HTTP.

mod common;

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_dynamodb::model::*;
use amplocal_dynamodb::{AttributeValue as V, Config, DynamoDbService, DynamoError, Item};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

struct Env {
    svc: DynamoDbService,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock.clone(), Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
    let svc = DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 2, create_delay_ms: 0 }).unwrap();
    Env { svc, clock, _dir: dir }
}

impl Env {
    fn ctx(&self) -> RequestContext {
        RequestContext::new("rid", "000000000000", "us-east-1", amplocal_core::Clock::now(self.clock.as_ref()))
    }
}

fn item(pairs: &[(&str, V)]) -> Item {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn n(s: &str) -> V {
    V::n(s).unwrap()
}

async fn table(e: &Env, name: &str) {
    e.svc.create_table(&e.ctx(), common::string_keyed_table(name, &["id"])).await.unwrap();
}

#[tokio::test]
async fn typed_crud_round_trip() {
    let e = env();
    table(&e, "typed").await;
    let ctx = e.ctx();
    e.svc.put_item(&ctx, PutItemInput { table_name: "typed".into(), item: item(&[("id", V::s("a")), ("n", n("1.50"))]), ..Default::default() }).await.unwrap();
    let out = e
        .svc
        .update_item(
            &ctx,
            UpdateItemInput {
                table_name: "typed".into(),
                key: item(&[("id", V::s("a"))]),
                update_expression: Some("ADD n :d SET #v = if_not_exists(#v, :zero) + :one".into()),
                expression_attribute_names: Some([("#v".to_string(), "_version".to_string())].into_iter().collect()),
                expression_attribute_values: Some(item(&[(":d", n("0.5")), (":zero", n("0")), (":one", n("1"))])),
                condition_expression: Some("attribute_exists(id)".into()),
                return_values: Some("ALL_NEW".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let attrs = out.attributes.unwrap();
    assert_eq!(attrs["n"].as_n().unwrap().to_string(), "2");
    assert_eq!(attrs["_version"], n("1"));
    let got = e.svc.get_item(&ctx, GetItemInput { table_name: "typed".into(), key: item(&[("id", V::s("a"))]), ..Default::default() }).await.unwrap();
    assert_eq!(got.item.unwrap()["n"], n("2"));
    let err = e
        .svc
        .put_item(&ctx, PutItemInput { table_name: "typed".into(), item: item(&[("id", V::s("a"))]), condition_expression: Some("attribute_not_exists(id)".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err, DynamoError::ConditionalCheckFailedException { item: None, .. }));
    let q = e.svc.query(&ctx, QueryInput { table_name: "typed".into(), key_condition_expression: Some("id = :a".into()), expression_attribute_values: Some(item(&[(":a", V::s("a"))])), ..Default::default() }).await.unwrap();
    assert_eq!(q.count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_add_counter_exactly() {
    let e = env();
    table(&e, "ctr").await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let svc = e.svc.clone();
        let ctx = e.ctx();
        tasks.push(tokio::spawn(async move {
            for _ in 0..100 {
                svc.update_item(
                    &ctx,
                    UpdateItemInput {
                        table_name: "ctr".into(),
                        key: item(&[("id", V::s("c"))]),
                        update_expression: Some("ADD #c :one".into()),
                        expression_attribute_names: Some([("#c".to_string(), "counter".to_string())].into_iter().collect()),
                        expression_attribute_values: Some(item(&[(":one", n("1"))])),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = e.svc.get_item(&e.ctx(), GetItemInput { table_name: "ctr".into(), key: item(&[("id", V::s("c"))]), ..Default::default() }).await.unwrap();
    assert_eq!(got.item.unwrap()["counter"], n("1600"));
}

#[tokio::test]
async fn ttl_sweeper_deletes_expired_items_in_bounded_batches() {
    let e = env();
    table(&e, "ttl").await;
    let ctx = e.ctx();
    let now = 1_800_000_000i64;
    for (id, exp) in [("a", now - 10), ("b", now - 5), ("c", now - 1), ("d", now + 100)] {
        e.svc.put_item(&ctx, PutItemInput { table_name: "ttl".into(), item: item(&[("id", V::s(id)), ("exp", n(&exp.to_string()))]), ..Default::default() }).await.unwrap();
    }
    // not enabled yet: nothing happens
    assert_eq!(e.svc.sweep_expired().await.unwrap(), 0);
    e.svc
        .update_time_to_live(&ctx, UpdateTimeToLiveInput { table_name: "ttl".into(), time_to_live_specification: TimeToLiveSpecification { enabled: true, attribute_name: "exp".into() } })
        .await
        .unwrap();
    assert_eq!(e.svc.sweep_expired().await.unwrap(), 2, "batch of 2");
    assert_eq!(e.svc.sweep_expired().await.unwrap(), 1);
    assert_eq!(e.svc.sweep_expired().await.unwrap(), 0);
    e.clock.advance(Duration::from_secs(200));
    assert_eq!(e.svc.sweep_expired().await.unwrap(), 1);
    let d = e.svc.describe_table(&ctx, TableNameInput { table_name: "ttl".into() }).await.unwrap();
    assert_eq!(d.table.item_count, 0);
}

#[tokio::test]
async fn transaction_rolls_back_everything_on_failure() {
    let e = env();
    table(&e, "txn").await;
    let ctx = e.ctx();
    let put = |id: &str| TransactWriteItem { put: Some(TransactAction { table_name: "txn".into(), item: Some(item(&[("id", V::s(id))])), ..Default::default() }), ..Default::default() };
    let failing = TransactWriteItem {
        condition_check: Some(TransactAction {
            table_name: "txn".into(),
            key: Some(item(&[("id", V::s("nobody"))])),
            condition_expression: Some("attribute_exists(id)".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = e.svc.transact_write_items(&ctx, TransactWriteItemsInput { transact_items: vec![put("x"), put("y"), failing], ..Default::default() }).await.unwrap_err();
    match err {
        DynamoError::TransactionCanceledException { reasons, .. } => {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            assert_eq!(codes, ["None", "None", "ConditionalCheckFailed"]);
        }
        other => panic!("{other:?}"),
    }
    let s = e.svc.scan(&ctx, ScanInput { table_name: "txn".into(), ..Default::default() }).await.unwrap();
    assert_eq!(s.count, 0, "nothing written");
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mk = || {
        let core = CoreCtx::new(Arc::new(amplocal_core::SystemClock), Arc::new(SeededIds::new(2)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
        DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 10, create_delay_ms: 0 }).unwrap()
    };
    let ctx = RequestContext::new("r", "000000000000", "us-east-1", SystemTime::now());
    {
        let svc = mk();
        let e = Env { svc: svc.clone(), clock: Arc::new(ManualClock::new(SystemTime::now())), _dir: tempfile::tempdir().unwrap() };
        table(&e, "keep").await;
        svc.put_item(&ctx, PutItemInput { table_name: "keep".into(), item: item(&[("id", V::s("k"))]), ..Default::default() }).await.unwrap();
    }
    let svc = mk();
    let got = svc.get_item(&ctx, GetItemInput { table_name: "keep".into(), key: item(&[("id", V::s("k"))]), ..Default::default() }).await.unwrap();
    assert!(got.item.is_some());
    // another account/region sees nothing
    let other = RequestContext::new("r", "111111111111", "us-east-1", SystemTime::now());
    assert!(matches!(
        svc.get_item(&other, GetItemInput { table_name: "keep".into(), key: item(&[("id", V::s("k"))]), ..Default::default() }).await,
        Err(DynamoError::ResourceNotFoundException(_))
    ));
}

#[tokio::test]
async fn optional_creating_delay() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock.clone(), Arc::new(SeededIds::new(3)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
    let svc = DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 10, create_delay_ms: 500 }).unwrap();
    let e = Env { svc: svc.clone(), clock: clock.clone(), _dir: tempfile::tempdir().unwrap() };
    table(&e, "slow").await;
    let status = |svc: DynamoDbService, clock: Arc<ManualClock>| async move {
        let ctx = RequestContext::new("r", "000000000000", "us-east-1", amplocal_core::Clock::now(clock.as_ref()));
        svc.describe_table(&ctx, TableNameInput { table_name: "slow".into() }).await.unwrap().table.table_status
    };
    assert_eq!(status(svc.clone(), clock.clone()).await, "CREATING");
    clock.advance(Duration::from_millis(600));
    assert_eq!(status(svc, clock).await, "ACTIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transfers_conserve_the_total() {
    let e = env();
    table(&e, "bank").await;
    let ctx = e.ctx();
    for id in ["a", "b", "c"] {
        e.svc.put_item(&ctx, PutItemInput { table_name: "bank".into(), item: item(&[("id", V::s(id)), ("bal", n("100"))]), ..Default::default() }).await.unwrap();
    }
    let mut tasks = Vec::new();
    for t in 0..8 {
        let svc = e.svc.clone();
        let ctx = e.ctx();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for i in 0..30 {
                let ids = ["a", "b", "c"];
                let (from, to) = (ids[(t + i) % 3], ids[(t + i + 1) % 3]);
                let act = |id: &str, expr: &str, cond: Option<&str>| TransactWriteItem {
                    update: Some(TransactAction {
                        table_name: "bank".into(),
                        key: Some(item(&[("id", V::s(id))])),
                        update_expression: Some(expr.into()),
                        condition_expression: cond.map(str::to_string),
                        expression_attribute_values: Some(item(&[(":amt", n("7"))])),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                let r = svc
                    .transact_write_items(&ctx, TransactWriteItemsInput { transact_items: vec![act(from, "SET bal = bal - :amt", Some("bal >= :amt")), act(to, "SET bal = bal + :amt", None)], ..Default::default() })
                    .await;
                match r {
                    Ok(_) => ok += 1,
                    Err(DynamoError::TransactionCanceledException { .. }) => {}
                    Err(other) => panic!("{other:?}"),
                }
            }
            ok
        }));
    }
    let mut committed = 0;
    for t in tasks {
        committed += t.await.unwrap();
    }
    assert!(committed > 0);
    let s = e.svc.scan(&e.ctx(), ScanInput { table_name: "bank".into(), ..Default::default() }).await.unwrap();
    let total: i64 = s.items.unwrap().iter().map(|i| i["bal"].as_n().unwrap().to_i64().unwrap()).inspect(|b| assert!(*b >= 0)).sum();
    assert_eq!(total, 300);
}

#[tokio::test]
async fn multi_attribute_gsi_keys() {
    let e = env();
    let ctx = e.ctx();
    let ks = |n: &str, t: &str| KeySchemaElement { attribute_name: n.into(), key_type: t.into() };
    let ad = |n: &str, t: &str| AttributeDefinition { attribute_name: n.into(), attribute_type: t.into() };
    e.svc
        .create_table(
            &ctx,
            CreateTableInput {
                table_name: "orders".into(),
                key_schema: vec![ks("id", "HASH")],
                attribute_definitions: vec![ad("id", "S"), ad("tenant", "S"), ad("region", "S"), ad("status", "S"), ad("ts", "N")],
                billing_mode: Some("PAY_PER_REQUEST".into()),
                global_secondary_indexes: Some(vec![SecondaryIndex {
                    index_name: "by_tenant".into(),
                    key_schema: vec![ks("tenant", "HASH"), ks("region", "HASH"), ks("status", "RANGE"), ks("ts", "RANGE")],
                    projection: Projection { projection_type: Some("ALL".into()), non_key_attributes: None },
                    provisioned_throughput: None,
                }]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut n_items = 0;
    for (i, (tenant, region, status)) in [("t1", "eu", "open"), ("t1", "eu", "closed"), ("t1", "us", "open"), ("t2", "eu", "open")].iter().cycle().take(40).enumerate() {
        let mut it = item(&[("id", V::s(format!("o{i:02}"))), ("tenant", V::s(*tenant)), ("region", V::s(*region)), ("status", V::s(*status)), ("ts", n(&(i as i64 - 20).to_string()))]);
        if i == 39 {
            it.remove("region"); // sparse: not indexed
        } else {
            n_items += 1;
        }
        e.svc.put_item(&ctx, PutItemInput { table_name: "orders".into(), item: it, ..Default::default() }).await.unwrap();
    }
    assert_eq!(n_items, 39);
    let q = |kc: &str, vals: &[(&str, V)], limit: Option<i64>, start: Option<Item>| {
        let svc = e.svc.clone();
        let ctx = e.ctx();
        let input = QueryInput {
            table_name: "orders".into(),
            index_name: Some("by_tenant".into()),
            key_condition_expression: Some(kc.into()),
            expression_attribute_names: Some([("#s".to_string(), "status".to_string()), ("#r".to_string(), "region".to_string())].into_iter().filter(|(k, _)| kc.contains(k.as_str())).collect::<Names>()).filter(|m| !m.is_empty()),
            expression_attribute_values: Some(vals.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
            limit,
            exclusive_start_key: start,
            ..Default::default()
        };
        async move { svc.query(&ctx, input).await }
    };
    let ts = |o: &QueryOutput| o.items.as_ref().unwrap().iter().map(|i| i["ts"].as_n().unwrap().to_i64().unwrap()).collect::<Vec<_>>();
    // all partition attributes: every t1/eu item (open and closed), sorted by (status, ts)
    let all = q("tenant = :t AND #r = :r", &[(":t", V::s("t1")), (":r", V::s("eu"))], None, None).await.unwrap();
    assert_eq!(all.count, 20);
    let st: Vec<String> = all.items.as_ref().unwrap().iter().map(|i| i["status"].as_s().unwrap().to_string()).collect();
    assert!(st[..10].iter().all(|s| s == "closed") && st[10..].iter().all(|s| s == "open"));
    // equality on the first sort attribute + range on the second (negative numbers order correctly)
    let open = q("tenant = :t AND #r = :r AND #s = :s AND ts BETWEEN :a AND :b", &[(":t", V::s("t1")), (":r", V::s("eu")), (":s", V::s("open")), (":a", n("-20")), (":b", n("0"))], None, None).await.unwrap();
    assert_eq!(ts(&open), vec![-20, -16, -12, -8, -4, 0]);
    let gt = q("tenant = :t AND #r = :r AND #s = :s AND ts > :a", &[(":t", V::s("t1")), (":r", V::s("eu")), (":s", V::s("open")), (":a", n("8"))], None, None).await.unwrap();
    assert_eq!(ts(&gt), vec![12, 16]);
    let pre = q("tenant = :t AND #r = :r AND begins_with(#s, :p)", &[(":t", V::s("t1")), (":r", V::s("eu")), (":p", V::s("clo"))], None, None).await.unwrap();
    assert_eq!(pre.count, 10);
    // paging resumes exactly with the composite LastEvaluatedKey
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = q("tenant = :t AND #r = :r", &[(":t", V::s("t1")), (":r", V::s("eu"))], Some(3), start.take()).await.unwrap();
        seen.extend(ts(&page));
        match page.last_evaluated_key {
            Some(k) => {
                assert_eq!(k.len(), 5);
                start = Some(k);
            }
            None => break,
        }
    }
    assert_eq!(seen, ts(&all));
    // missing partition attribute / gap in sort attributes
    let err = q("tenant = :t", &[(":t", V::s("t1"))], None, None).await.unwrap_err();
    assert_eq!(err.to_string(), "Query condition missed key schema element: region");
    let err = q("tenant = :t AND #r = :r AND ts = :a", &[(":t", V::s("t1")), (":r", V::s("eu")), (":a", n("1"))], None, None).await.unwrap_err();
    assert_eq!(err.to_string(), "Query key condition not supported");
}
