//! End-to-end tests of DynamoDB with aws-sdk-rust: table lifecycle, item CRUD with conditions
//! and return values, expressions, Query/Scan paging and indexes, batches, transactions,
//! streams, TTL, and concurrency (no lost updates, exactly one winner).

use amplocal_tests::TestEnv;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    KeysAndAttributes, LocalSecondaryIndex, Projection, ProjectionType, Put, PutRequest, ReturnValue, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType, Select, StreamSpecification, StreamViewType, TimeToLiveSpecification, TransactGetItem, TransactWriteItem, Update,
    WriteRequest,
};
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

fn s(v: &str) -> Av {
    Av::S(v.into())
}
fn n(v: &str) -> Av {
    Av::N(v.into())
}

/// `YYYYMMDDTHHMMSSZ` for now (for hand-built requests from an unknown, unverified key).
fn amz_date() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn err<E: ProvideErrorMetadata>(e: E) -> (String, String) {
    (e.code().unwrap_or_default().to_string(), e.message().unwrap_or_default().to_string())
}

fn ks(name: &str, t: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(t).build().unwrap()
}
fn ad(name: &str, t: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().unwrap()
}

/// pk (S) + sk (N) table with a GSI on (g, sk) and an LSI on (pk, l).
async fn make_table(c: &Client, name: &str) {
    c.create_table()
        .table_name(name)
        .key_schema(ks("pk", KeyType::Hash))
        .key_schema(ks("sk", KeyType::Range))
        .attribute_definitions(ad("pk", ScalarAttributeType::S))
        .attribute_definitions(ad("sk", ScalarAttributeType::N))
        .attribute_definitions(ad("g", ScalarAttributeType::S))
        .attribute_definitions(ad("l", ScalarAttributeType::S))
        .billing_mode(BillingMode::PayPerRequest)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_g")
                .key_schema(ks("g", KeyType::Hash))
                .key_schema(ks("sk", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("by_l")
                .key_schema(ks("pk", KeyType::Hash))
                .key_schema(ks("l", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn simple_table(c: &Client, name: &str) {
    c.create_table()
        .table_name(name)
        .key_schema(ks("id", KeyType::Hash))
        .attribute_definitions(ad("id", ScalarAttributeType::S))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn table_lifecycle_and_errors() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    make_table(&c, "tab1").await;
    let d = c.describe_table().table_name("tab1").send().await.unwrap().table.unwrap();
    assert_eq!(d.table_status().unwrap().as_str(), "ACTIVE");
    assert_eq!(d.table_arn().unwrap(), "arn:aws:dynamodb:us-east-1:000000000000:table/tab1");
    assert_eq!(d.global_secondary_indexes().len(), 1);
    assert_eq!(d.local_secondary_indexes().len(), 1);
    assert_eq!(d.billing_mode_summary().unwrap().billing_mode().unwrap().as_str(), "PAY_PER_REQUEST");
    // waiters work immediately
    use aws_sdk_dynamodb::client::Waiters;
    c.wait_until_table_exists().table_name("tab1").wait(std::time::Duration::from_secs(5)).await.unwrap();

    let e = c.create_table().table_name("tab1").key_schema(ks("pk", KeyType::Hash)).attribute_definitions(ad("pk", ScalarAttributeType::S)).billing_mode(BillingMode::PayPerRequest).send().await.unwrap_err();
    assert_eq!(err(e), ("ResourceInUseException".into(), "Table already exists: tab1".into()));
    let e = c.describe_table().table_name("nope").send().await.unwrap_err();
    assert_eq!(err(e), ("ResourceNotFoundException".into(), "Requested resource not found: Table: nope not found".into()));
    let e = c.create_table().table_name("tab2").key_schema(ks("pk", KeyType::Hash)).attribute_definitions(ad("other", ScalarAttributeType::S)).billing_mode(BillingMode::PayPerRequest).send().await.unwrap_err();
    let (code, msg) = err(e);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("Some index key attributes are not defined in AttributeDefinitions"), "{msg}");
    let e = c.create_table().table_name("tab2").key_schema(ks("pk", KeyType::Hash)).attribute_definitions(ad("pk", ScalarAttributeType::S)).send().await.unwrap_err();
    assert!(err(e).1.contains("ReadCapacityUnits and WriteCapacityUnits must both be specified"));
    let e = c.create_table().table_name("a!").key_schema(ks("pk", KeyType::Hash)).attribute_definitions(ad("pk", ScalarAttributeType::S)).billing_mode(BillingMode::PayPerRequest).send().await.unwrap_err();
    assert!(err(e).1.starts_with("1 validation error detected: Value 'a!' at 'tableName'"));

    for i in 0..5 {
        simple_table(&c, &format!("page{i}")).await;
    }
    let p1 = c.list_tables().limit(3).send().await.unwrap();
    assert_eq!(p1.table_names(), ["page0", "page1", "page2"]);
    let p2 = c.list_tables().limit(3).exclusive_start_table_name(p1.last_evaluated_table_name().unwrap()).send().await.unwrap();
    assert_eq!(p2.table_names(), ["page3", "page4", "tab1"]);
    let p3 = c.list_tables().limit(3).exclusive_start_table_name("tab1").send().await.unwrap();
    assert!(p3.table_names().is_empty() && p3.last_evaluated_table_name().is_none());

    // UpdateTable: add a GSI over existing items (backfilled), then remove it.
    c.put_item().table_name("page0").item("id", s("a")).item("color", s("red")).send().await.unwrap();
    c.update_table()
        .table_name("page0")
        .attribute_definitions(ad("color", ScalarAttributeType::S))
        .global_secondary_index_updates(
            aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
                .create(
                    aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
                        .index_name("by_color")
                        .key_schema(ks("color", KeyType::Hash))
                        .projection(Projection::builder().projection_type(ProjectionType::All).build())
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let q = c.query().table_name("page0").index_name("by_color").key_condition_expression("color = :c").expression_attribute_values(":c", s("red")).send().await.unwrap();
    assert_eq!(q.count(), 1);
    c.update_table()
        .table_name("page0")
        .global_secondary_index_updates(
            aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
                .delete(aws_sdk_dynamodb::types::DeleteGlobalSecondaryIndexAction::builder().index_name("by_color").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let e = c.query().table_name("page0").index_name("by_color").key_condition_expression("color = :c").expression_attribute_values(":c", s("red")).send().await.unwrap_err();
    assert_eq!(err(e).1, "The table does not have the specified index: by_color");

    let d = c.delete_table().table_name("tab1").send().await.unwrap();
    assert_eq!(d.table_description().unwrap().table_status().unwrap().as_str(), "DELETING");
    let e = c.delete_table().table_name("tab1").send().await.unwrap_err();
    assert_eq!(err(e).0, "ResourceNotFoundException");
}

/// Each present index key attribute is type-checked even when the index's other key attribute
/// is missing (the item would stay out of the sparse index); index names shorter than 3
/// characters get the length message, not the pattern one.
#[tokio::test]
async fn index_key_types_and_index_name_length() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    let gsi = |name: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(ks("g", KeyType::Hash))
            .key_schema(ks("r", KeyType::Range))
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .unwrap()
    };
    let create = |name: &str, index: &str| {
        c.create_table()
            .table_name(name)
            .key_schema(ks("pk", KeyType::Hash))
            .attribute_definitions(ad("pk", ScalarAttributeType::S))
            .attribute_definitions(ad("g", ScalarAttributeType::S))
            .attribute_definitions(ad("r", ScalarAttributeType::N))
            .billing_mode(BillingMode::PayPerRequest)
            .global_secondary_indexes(gsi(index))
    };
    let e = create("short", "gi").send().await.unwrap_err();
    let (code, msg) = err(e);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("Member must have length greater than or equal to 3"), "{msg}");
    create("sparse", "gsi1").send().await.unwrap();
    let e = c.put_item().table_name("sparse").item("pk", s("1")).item("r", s("ten")).send().await.unwrap_err();
    assert_eq!(err(e).1, "One or more parameter values were invalid: Type mismatch for Index Key r Expected: N Actual: S IndexName: gsi1");
    assert!(c.get_item().table_name("sparse").key("pk", s("1")).send().await.unwrap().item.is_none(), "nothing stored");
    // a missing index key with the other one well-typed is a sparse-index item, not an error
    c.put_item().table_name("sparse").item("pk", s("2")).item("r", n("10")).send().await.unwrap();
    let q = c.query().table_name("sparse").index_name("gsi1").key_condition_expression("g = :g").expression_attribute_values(":g", s("x")).send().await.unwrap();
    assert_eq!(q.count, 0);
}

#[tokio::test]
async fn item_crud_conditions_and_return_values() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    make_table(&c, "items").await;
    let put = c
        .put_item()
        .table_name("items")
        .item("pk", s("a"))
        .item("sk", n("1.0"))
        .item("v", n("10"))
        .item("tags", Av::Ss(vec!["x".into(), "y".into()]))
        .condition_expression("attribute_not_exists(pk)")
        .return_values(ReturnValue::AllOld)
        .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert!(put.attributes().is_none());
    assert_eq!(put.consumed_capacity().unwrap().capacity_units(), Some(1.0));
    let got = c.get_item().table_name("items").key("pk", s("a")).key("sk", n("1")).send().await.unwrap();
    let item = got.item().unwrap();
    assert_eq!(item["sk"], n("1"), "numbers come back canonical");
    assert_eq!(item["v"], n("10"));

    // conditional put fails; the SDK surfaces the old item
    let e = c
        .put_item()
        .table_name("items")
        .item("pk", s("a"))
        .item("sk", n("1"))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .unwrap_err();
    let se = e.into_service_error();
    assert_eq!(se.code(), Some("ConditionalCheckFailedException"));
    assert_eq!(se.message(), Some("The conditional request failed"));
    match se {
        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(x) => assert_eq!(x.item().unwrap()["v"], n("10")),
        other => panic!("{other:?}"),
    }

    // UpdateItem with all return-value modes
    let u = c
        .update_item()
        .table_name("items")
        .key("pk", s("a"))
        .key("sk", n("1"))
        .update_expression("SET v = v + :d, #n = :name REMOVE tags")
        .expression_attribute_names("#n", "name")
        .expression_attribute_values(":d", n("5"))
        .expression_attribute_values(":name", s("bob"))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    let a = u.attributes().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a["v"], n("15"));
    let u = c.update_item().table_name("items").key("pk", s("a")).key("sk", n("1")).update_expression("ADD v :d").expression_attribute_values(":d", n("-1")).return_values(ReturnValue::UpdatedOld).send().await.unwrap();
    assert_eq!(u.attributes().unwrap()["v"], n("15"));
    let u = c.update_item().table_name("items").key("pk", s("a")).key("sk", n("1")).update_expression("SET w = :w").expression_attribute_values(":w", Av::Bool(true)).return_values(ReturnValue::AllNew).send().await.unwrap();
    assert_eq!(u.attributes().unwrap().len(), 5);
    let u = c.update_item().table_name("items").key("pk", s("a")).key("sk", n("1")).update_expression("REMOVE w").return_values(ReturnValue::AllOld).send().await.unwrap();
    assert_eq!(u.attributes().unwrap()["w"], Av::Bool(true));
    // update creates missing items
    c.update_item().table_name("items").key("pk", s("new")).key("sk", n("2")).update_expression("SET c = :one").expression_attribute_values(":one", n("1")).send().await.unwrap();
    assert!(c.get_item().table_name("items").key("pk", s("new")).key("sk", n("2")).send().await.unwrap().item().is_some());

    // errors with AWS's messages
    let e = c.get_item().table_name("items").key("pk", s("a")).send().await.unwrap_err();
    assert_eq!(err(e), ("ValidationException".into(), "The provided key element does not match the schema".into()));
    let e = c.get_item().table_name("items").key("pk", s("a")).key("sk", s("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "The provided key element does not match the schema");
    let e = c.put_item().table_name("items").item("pk", s("a")).send().await.unwrap_err();
    assert_eq!(err(e).1, "One or more parameter values were invalid: Missing the key sk in the item");
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", s("x")).send().await.unwrap_err();
    assert_eq!(err(e).1, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S");
    let e = c.put_item().table_name("items").item("pk", s("")).item("sk", n("1")).send().await.unwrap_err();
    assert!(err(e).1.contains("cannot contain an empty string value. Key: pk"));
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).item("g", n("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by_g");
    let e = c.update_item().table_name("items").key("pk", s("a")).key("sk", n("1")).update_expression("SET pk = :v").expression_attribute_values(":v", s("bat")).send().await.unwrap_err();
    assert_eq!(err(e).1, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
    let e = c.put_item().table_name("missing").item("pk", s("a")).send().await.unwrap_err();
    assert_eq!(err(e), ("ResourceNotFoundException".into(), "Requested resource not found".into()));
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).return_values(ReturnValue::AllNew).send().await.unwrap_err();
    assert_eq!(err(e).1, "ReturnValues can only be ALL_OLD or NONE");
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).condition_expression("size = :v").expression_attribute_values(":v", n("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: size");
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).condition_expression("a = :v").expression_attribute_values(":v", n("1")).expression_attribute_values(":w", n("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).item("big", s(&"x".repeat(400 * 1024))).send().await.unwrap_err();
    assert_eq!(err(e).1, "Item size has exceeded the maximum allowed size");
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).item("x", n("1e200")).send().await.unwrap_err();
    assert!(err(e).1.starts_with("Number overflow"));
    let e = c.put_item().table_name("items").item("pk", s("a")).item("sk", n("1")).item("x", Av::Ss(vec![])).send().await.unwrap_err();
    assert!(err(e).1.contains("may not be empty"));

    // DeleteItem with condition + ALL_OLD
    let e = c.delete_item().table_name("items").key("pk", s("a")).key("sk", n("1")).condition_expression("v = :z").expression_attribute_values(":z", n("0")).send().await.unwrap_err();
    assert_eq!(err(e).0, "ConditionalCheckFailedException");
    let d = c.delete_item().table_name("items").key("pk", s("a")).key("sk", n("1")).return_values(ReturnValue::AllOld).send().await.unwrap();
    assert_eq!(d.attributes().unwrap()["v"], n("14"));
    let desc = c.describe_table().table_name("items").send().await.unwrap().table.unwrap();
    assert_eq!(desc.item_count(), Some(1));
}

#[tokio::test]
async fn query_scan_paging_and_indexes() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    make_table(&c, "qry").await;
    for i in 0..30 {
        let mut req = c.put_item().table_name("qry").item("pk", s(if i % 3 == 0 { "B" } else { "A" })).item("sk", n(&(i - 10).to_string())).item("data", n(&i.to_string()));
        if i % 2 == 0 {
            req = req.item("g", s("even")).item("l", s(&format!("l{:02}", 30 - i)));
        }
        req.send().await.unwrap();
    }
    // numeric sort-key order, including negatives
    let q = c.query().table_name("qry").key_condition_expression("pk = :p").expression_attribute_values(":p", s("A")).send().await.unwrap();
    let sks: Vec<i64> = q.items().iter().map(|i| i["sk"].as_n().unwrap().parse().unwrap()).collect();
    assert_eq!(sks.len(), 20);
    assert!(sks.windows(2).all(|w| w[0] < w[1]), "{sks:?}");
    // range + reverse + paging with Limit (Limit counts evaluated items, before the filter)
    let mut start = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let q = c
            .query()
            .table_name("qry")
            .key_condition_expression("pk = :p AND sk BETWEEN :lo AND :hi")
            .filter_expression("#d <> :skip")
            .expression_attribute_names("#d", "data")
            .expression_attribute_values(":p", s("A"))
            .expression_attribute_values(":lo", n("-5"))
            .expression_attribute_values(":hi", n("10"))
            .expression_attribute_values(":skip", n("7"))
            .scan_index_forward(false)
            .limit(4)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert_eq!(q.scanned_count(), if q.last_evaluated_key().is_some() { 4 } else { q.scanned_count() });
        seen.extend(q.items().iter().map(|i| i["sk"].as_n().unwrap().parse::<i64>().unwrap()));
        match q.last_evaluated_key() {
            Some(k) => start = Some(k.clone()),
            None => break,
        }
    }
    assert!(pages >= 3);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    assert!(!seen.contains(&-3), "data 7 filtered out (sk -3)");
    // Select COUNT
    let q = c.query().table_name("qry").key_condition_expression("pk = :p AND sk < :z").expression_attribute_values(":p", s("B")).expression_attribute_values(":z", n("0")).select(Select::Count).send().await.unwrap();
    assert_eq!(q.count(), 4);
    assert!(q.items().is_empty());
    // GSI with KEYS_ONLY projection; LastEvaluatedKey carries index + table keys
    let q = c.query().table_name("qry").index_name("by_g").key_condition_expression("g = :g").expression_attribute_values(":g", s("even")).limit(5).send().await.unwrap();
    assert_eq!(q.count(), 5);
    assert!(!q.items()[0].contains_key("data") && q.items()[0].contains_key("pk"));
    let lek = q.last_evaluated_key().unwrap();
    assert_eq!(lek.len(), 3);
    let q2 = c.query().table_name("qry").index_name("by_g").key_condition_expression("g = :g").expression_attribute_values(":g", s("even")).exclusive_start_key("pk", lek["pk"].clone()).exclusive_start_key("sk", lek["sk"].clone()).exclusive_start_key("g", lek["g"].clone()).send().await.unwrap();
    assert_eq!(q2.count(), 10);
    // LSI: begins_with on the LSI sort key
    let q = c.query().table_name("qry").index_name("by_l").key_condition_expression("pk = :p AND begins_with(l, :pre)").expression_attribute_values(":p", s("A")).expression_attribute_values(":pre", s("l1")).send().await.unwrap();
    assert!(q.count() > 0 && q.items().iter().all(|i| i["l"].as_s().unwrap().starts_with("l1")));
    // key-condition errors
    let e = c.query().table_name("qry").key_condition_expression("sk = :v").expression_attribute_values(":v", n("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Query condition missed key schema element: pk");
    let e = c.query().table_name("qry").key_condition_expression("pk = :p OR sk = :v").expression_attribute_values(":p", s("A")).expression_attribute_values(":v", n("1")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Invalid operator used in KeyConditionExpression: OR");
    let e = c.query().table_name("qry").key_condition_expression("pk = :p").filter_expression("sk > :z").expression_attribute_values(":p", s("A")).expression_attribute_values(":z", n("0")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk");
    let e = c.query().table_name("qry").key_condition_expression("pk = :p").expression_attribute_values(":p", s("A")).select(Select::AllProjectedAttributes).send().await.unwrap_err();
    assert_eq!(err(e).1, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    let e = c.query().table_name("qry").key_condition_expression("pk = :p").expression_attribute_values(":p", s("A")).select(Select::SpecificAttributes).send().await.unwrap_err();
    assert_eq!(err(e).1, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
    let e = c.query().table_name("qry").index_name("by_g").consistent_read(true).key_condition_expression("g = :g").expression_attribute_values(":g", s("even")).send().await.unwrap_err();
    assert_eq!(err(e).1, "Consistent reads are not supported on global secondary indexes");
    // Scan: full, projection, parallel segments partition the table
    let sc = c.scan().table_name("qry").projection_expression("pk, #d").expression_attribute_names("#d", "data").send().await.unwrap();
    assert_eq!(sc.count(), 30);
    assert!(sc.items().iter().all(|i| i.len() == 2));
    let mut total = 0;
    let mut keys = std::collections::HashSet::new();
    for seg in 0..4 {
        let sc = c.scan().table_name("qry").segment(seg).total_segments(4).send().await.unwrap();
        total += sc.count();
        for i in sc.items() {
            keys.insert(format!("{:?}{:?}", i["pk"], i["sk"]));
        }
    }
    assert_eq!((total, keys.len()), (30, 30));
    let e = c.scan().table_name("qry").segment(4).total_segments(4).send().await.unwrap_err();
    assert!(err(e).1.contains("Segment: 4 is not less than TotalSegments: 4"));
    let sc = c.scan().table_name("qry").filter_expression("#d >= :x").expression_attribute_names("#d", "data").expression_attribute_values(":x", n("25")).limit(10).send().await.unwrap();
    assert_eq!(sc.scanned_count(), 10);
    assert!(sc.last_evaluated_key().is_some());
}

mod batches_transactions_streams;
