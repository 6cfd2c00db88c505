//! Ops-level proof that the in-memory table-definition cache never serves stale metadata:
//! every catalog change (UpdateTable GSI add/remove, DeleteTable, re-CreateTable with another
//! key schema, a failed UpdateTable) is visible to the very next data-plane request.

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_dynamodb::model::*;
use amplocal_dynamodb::{AttributeValue as V, Config, DynamoDbService, DynamoError, Item};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn service(dir: &std::path::Path) -> (DynamoDbService, RequestContext) {
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)));
    let core = CoreCtx::new(clock.clone(), Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.to_path_buf());
    let svc = DynamoDbService::new(core, Config { ttl_interval_secs: 0, ttl_batch: 2, create_delay_ms: 0 }).unwrap();
    let ctx = RequestContext::new("rid", "000000000000", "us-east-1", amplocal_core::Clock::now(clock.as_ref()));
    (svc, ctx)
}

fn item(pairs: &[(&str, V)]) -> Item {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn def(name: &str, ty: &str) -> AttributeDefinition {
    AttributeDefinition { attribute_name: name.into(), attribute_type: ty.into() }
}

fn hash(name: &str) -> Vec<KeySchemaElement> {
    vec![KeySchemaElement { attribute_name: name.into(), key_type: "HASH".into() }]
}

async fn create(svc: &DynamoDbService, ctx: &RequestContext, key: &str, ty: &str) {
    let input = CreateTableInput {
        table_name: "tbl".into(),
        key_schema: hash(key),
        attribute_definitions: vec![def(key, ty)],
        billing_mode: Some("PAY_PER_REQUEST".into()),
        ..Default::default()
    };
    svc.create_table(ctx, input).await.unwrap();
}

async fn put(svc: &DynamoDbService, ctx: &RequestContext, it: Item) -> Result<PutItemOutput, DynamoError> {
    svc.put_item(ctx, PutItemInput { table_name: "tbl".into(), item: it, ..Default::default() }).await
}

async fn get(svc: &DynamoDbService, ctx: &RequestContext, key: Item) -> Result<GetItemOutput, DynamoError> {
    svc.get_item(ctx, GetItemInput { table_name: "tbl".into(), key, ..Default::default() }).await
}

async fn query_g(svc: &DynamoDbService, ctx: &RequestContext) -> Result<QueryOutput, DynamoError> {
    let input = QueryInput {
        table_name: "tbl".into(),
        index_name: Some("byg".into()),
        key_condition_expression: Some("g = :g".into()),
        expression_attribute_values: Some(item(&[(":g", V::s("x"))])),
        ..Default::default()
    };
    svc.query(ctx, input).await
}

fn gsi_update(create: Option<SecondaryIndex>, delete: Option<&str>) -> UpdateTableInput {
    UpdateTableInput {
        table_name: "tbl".into(),
        attribute_definitions: Some(vec![def("id", "S"), def("g", "S")]),
        global_secondary_index_updates: Some(vec![GsiUpdate { create, delete: delete.map(|d| IndexNameOnly { index_name: d.into() }), update: None }]),
        ..Default::default()
    }
}

fn byg() -> SecondaryIndex {
    SecondaryIndex {
        index_name: "byg".into(),
        key_schema: hash("g"),
        projection: Projection { projection_type: Some("ALL".into()), non_key_attributes: None },
        provisioned_throughput: None,
    }
}

#[tokio::test]
async fn catalog_changes_are_visible_to_the_next_data_plane_request() {
    let dir = tempfile::tempdir().unwrap();
    let (svc, ctx) = service(dir.path());
    create(&svc, &ctx, "id", "S").await;
    put(&svc, &ctx, item(&[("id", V::s("a")), ("g", V::s("x"))])).await.unwrap();
    put(&svc, &ctx, item(&[("id", V::s("b")), ("g", V::s("x"))])).await.unwrap();
    // Warm the cache on both the read and the write path.
    assert!(get(&svc, &ctx, item(&[("id", V::s("a"))])).await.unwrap().item.is_some());
    assert!(matches!(query_g(&svc, &ctx).await, Err(DynamoError::ValidationException(_))), "no index yet");

    // UpdateTable adds a GSI: queryable at once, and the next PutItem maintains it.
    svc.update_table(&ctx, gsi_update(Some(byg()), None)).await.unwrap();
    assert_eq!(query_g(&svc, &ctx).await.unwrap().count, 2);
    put(&svc, &ctx, item(&[("id", V::s("c")), ("g", V::s("x"))])).await.unwrap();
    assert_eq!(query_g(&svc, &ctx).await.unwrap().count, 3);

    // A failed UpdateTable (the index already exists) changes nothing and leaves no bad entry.
    assert!(svc.update_table(&ctx, gsi_update(Some(byg()), None)).await.is_err());
    assert_eq!(query_g(&svc, &ctx).await.unwrap().count, 3);

    // UpdateTable removes the GSI: the index is gone for the next Query.
    svc.update_table(&ctx, gsi_update(None, Some("byg"))).await.unwrap();
    assert!(matches!(query_g(&svc, &ctx).await, Err(DynamoError::ValidationException(_))), "index removed");

    // DeleteTable: every data-plane call now fails with ResourceNotFoundException.
    svc.delete_table(&ctx, TableNameInput { table_name: "tbl".into() }).await.unwrap();
    assert!(matches!(get(&svc, &ctx, item(&[("id", V::s("a"))])).await, Err(DynamoError::ResourceNotFoundException(_))));
    assert!(matches!(put(&svc, &ctx, item(&[("id", V::s("z"))])).await, Err(DynamoError::ResourceNotFoundException(_))));

    // Re-create under the same name with another key schema: the new schema is enforced and
    // the old rows are gone.
    create(&svc, &ctx, "pk", "N").await;
    assert!(matches!(put(&svc, &ctx, item(&[("id", V::s("a"))])).await, Err(DynamoError::ValidationException(_))));
    assert!(matches!(get(&svc, &ctx, item(&[("id", V::s("a"))])).await, Err(DynamoError::ValidationException(_))));
    put(&svc, &ctx, item(&[("pk", V::n("1").unwrap())])).await.unwrap();
    assert!(get(&svc, &ctx, item(&[("pk", V::n("1").unwrap())])).await.unwrap().item.is_some());
    assert!(get(&svc, &ctx, item(&[("pk", V::n("2").unwrap())])).await.unwrap().item.is_none());
}

#[tokio::test]
async fn ttl_change_is_visible_and_cache_survives_reopen_of_a_fresh_service() {
    let dir = tempfile::tempdir().unwrap();
    let (svc, ctx) = service(dir.path());
    create(&svc, &ctx, "id", "S").await;
    put(&svc, &ctx, item(&[("id", V::s("a"))])).await.unwrap();
    let spec = TimeToLiveSpecification { enabled: true, attribute_name: "exp".into() };
    svc.update_time_to_live(&ctx, UpdateTimeToLiveInput { table_name: "tbl".into(), time_to_live_specification: spec }).await.unwrap();
    let d = svc.describe_time_to_live(&ctx, TableNameInput { table_name: "tbl".into() }).await.unwrap();
    assert_eq!(d.time_to_live_description.attribute_name.as_deref(), Some("exp"));
    // A second service over the same data dir (a restart) sees the same definition.
    drop(svc);
    let (svc2, ctx2) = service(dir.path());
    assert!(get(&svc2, &ctx2, item(&[("id", V::s("a"))])).await.unwrap().item.is_some());
}
