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

#[tokio::test]
async fn query_pages_stop_at_one_megabyte() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    make_table(&c, "big").await;
    let blob = "x".repeat(100 * 1024);
    for i in 0..15 {
        c.put_item().table_name("big").item("pk", s("p")).item("sk", n(&i.to_string())).item("bat", s(&blob)).send().await.unwrap();
    }
    let q = c.query().table_name("big").key_condition_expression("pk = :p").expression_attribute_values(":p", s("p")).send().await.unwrap();
    assert!(q.count() >= 10 && q.count() < 15, "{}", q.count());
    assert!(q.last_evaluated_key().is_some());
}

#[tokio::test]
async fn batch_operations() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    simple_table(&c, "bat").await;
    let reqs: Vec<WriteRequest> = (0..25).map(|i| WriteRequest::builder().put_request(PutRequest::builder().item("id", s(&format!("k{i}"))).item("v", n(&i.to_string())).build().unwrap()).build()).collect();
    let out = c.batch_write_item().request_items("bat", reqs).send().await.unwrap();
    assert!(out.unprocessed_items().unwrap_or(&HashMap::new()).values().all(|v| v.is_empty()));
    let too_many: Vec<WriteRequest> = (0..26).map(|i| WriteRequest::builder().put_request(PutRequest::builder().item("id", s(&format!("k{i}"))).build().unwrap()).build()).collect();
    let e = c.batch_write_item().request_items("bat", too_many).send().await.unwrap_err();
    assert_eq!(err(e).0, "ValidationException");
    let keys = KeysAndAttributes::builder().keys(HashMap::from([("id".to_string(), s("k1"))])).keys(HashMap::from([("id".to_string(), s("k2"))])).keys(HashMap::from([("id".to_string(), s("zzz"))])).projection_expression("v").build().unwrap();
    let got = c.batch_get_item().request_items("bat", keys).send().await.unwrap();
    let items = &got.responses().unwrap()["bat"];
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.len() == 1));
    let dup = KeysAndAttributes::builder().keys(HashMap::from([("id".to_string(), s("k1"))])).keys(HashMap::from([("id".to_string(), s("k1"))])).build().unwrap();
    let e = c.batch_get_item().request_items("bat", dup).send().await.unwrap_err();
    assert_eq!(err(e).1, "Provided list of item keys contains duplicates");
    assert_eq!(c.scan().table_name("bat").select(Select::Count).send().await.unwrap().count(), 25);
}

#[tokio::test]
async fn transactions_all_or_nothing() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    simple_table(&c, "txn").await;
    c.put_item().table_name("txn").item("id", s("acct1")).item("bal", n("100")).send().await.unwrap();
    let debit = |amt: &str| {
        TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name("txn")
                    .key("id", s("acct1"))
                    .update_expression("SET bal = bal - :a")
                    .condition_expression("bal >= :a")
                    .expression_attribute_values(":a", n(amt))
                    .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let credit = TransactWriteItem::builder().put(Put::builder().table_name("txn").item("id", s("acct2")).item("bal", n("30")).build().unwrap()).build();
    c.transact_write_items().transact_items(debit("30")).transact_items(credit.clone()).client_request_token("tok-1").send().await.unwrap();
    // same token, same request: idempotent (no second debit)
    c.transact_write_items().transact_items(debit("30")).transact_items(credit.clone()).client_request_token("tok-1").send().await.unwrap();
    let bal = c.get_item().table_name("txn").key("id", s("acct1")).send().await.unwrap().item().unwrap()["bal"].clone();
    assert_eq!(bal, n("70"));
    let e = c.transact_write_items().transact_items(debit("1")).client_request_token("tok-1").send().await.unwrap_err();
    assert_eq!(err(e).0, "IdempotentParameterMismatchException");
    // a failing condition cancels everything, reasons in order
    let check = TransactWriteItem::builder().condition_check(ConditionCheck::builder().table_name("txn").key("id", s("acct2")).condition_expression("attribute_exists(id)").build().unwrap()).build();
    let del = TransactWriteItem::builder().delete(Delete::builder().table_name("txn").key("id", s("acct2")).build().unwrap()).build();
    let e = c.transact_write_items().transact_items(check).transact_items(debit("1000")).send().await.unwrap_err();
    let se = e.into_service_error();
    assert_eq!(se.code(), Some("TransactionCanceledException"));
    assert_eq!(se.message(), Some("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"));
    match se {
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(x) => {
            let r = x.cancellation_reasons();
            assert_eq!(r.len(), 2);
            assert_eq!(r[0].code(), Some("None"));
            assert_eq!(r[1].code(), Some("ConditionalCheckFailed"));
            assert_eq!(r[1].item().unwrap()["bal"], n("70"));
        }
        other => panic!("{other:?}"),
    }
    let e = c.transact_write_items().transact_items(del.clone()).transact_items(del).send().await.unwrap_err();
    assert_eq!(err(e).1, "Transaction request cannot include multiple operations on one item");
    let g = c
        .transact_get_items()
        .transact_items(TransactGetItem::builder().get(aws_sdk_dynamodb::types::Get::builder().table_name("txn").key("id", s("acct1")).build().unwrap()).build())
        .transact_items(TransactGetItem::builder().get(aws_sdk_dynamodb::types::Get::builder().table_name("txn").key("id", s("none")).build().unwrap()).build())
        .send()
        .await
        .unwrap();
    assert_eq!(g.responses().len(), 2);
    assert_eq!(g.responses()[0].item().unwrap()["bal"], n("70"));
    assert!(g.responses()[1].item().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_updates_lose_nothing() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    simple_table(&c, "ctr").await;
    c.put_item().table_name("ctr").item("id", s("c")).item("n", n("0")).item("ver", n("0")).send().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                c.update_item().table_name("ctr").key("id", s("c")).update_expression("SET n = n + :one").condition_expression("attribute_exists(id)").expression_attribute_values(":one", n("1")).send().await.unwrap();
                // optimistic locking: read version, write with a version check, retry on conflict
                loop {
                    let cur = c.get_item().table_name("ctr").key("id", s("c")).consistent_read(true).send().await.unwrap();
                    let ver: i64 = cur.item().unwrap()["ver"].as_n().unwrap().parse().unwrap();
                    let r = c
                        .update_item()
                        .table_name("ctr")
                        .key("id", s("c"))
                        .update_expression("SET ver = :new")
                        .condition_expression("ver = :old")
                        .expression_attribute_values(":old", n(&ver.to_string()))
                        .expression_attribute_values(":new", n(&(ver + 1).to_string()))
                        .send()
                        .await;
                    match r {
                        Ok(_) => break,
                        Err(e) => assert_eq!(err(e).0, "ConditionalCheckFailedException"),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let item = c.get_item().table_name("ctr").key("id", s("c")).send().await.unwrap().item.unwrap();
    assert_eq!(item["n"], n("400"));
    assert_eq!(item["ver"], n("400"));

    // racing attribute_not_exists puts: exactly one wins
    let mut tasks = Vec::new();
    for i in 0..16 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.put_item().table_name("ctr").item("id", s("race")).item("who", n(&i.to_string())).condition_expression("attribute_not_exists(id)").send().await.is_ok()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
}

#[tokio::test]
async fn streams_ttl_and_tags() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    c.create_table()
        .table_name("str")
        .key_schema(ks("id", KeyType::Hash))
        .attribute_definitions(ad("id", ScalarAttributeType::S))
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewAndOldImages).build().unwrap())
        .send()
        .await
        .unwrap();
    let arn = c.describe_table().table_name("str").send().await.unwrap().table.unwrap().latest_stream_arn.unwrap();
    c.put_item().table_name("str").item("id", s("a")).item("v", n("1")).send().await.unwrap();
    c.put_item().table_name("str").item("id", s("a")).item("v", n("1")).send().await.unwrap(); // identical rewrite: no record
    c.update_item().table_name("str").key("id", s("a")).update_expression("SET v = :v").expression_attribute_values(":v", n("2")).send().await.unwrap();
    c.delete_item().table_name("str").key("id", s("a")).send().await.unwrap();
    c.delete_item().table_name("str").key("id", s("a")).send().await.unwrap(); // missing: no record

    // The workspace has no DynamoDB Streams SDK crate: drive Streams with its JSON protocol.
    let http = env.http();
    let call = |target: &'static str, body: serde_json::Value| {
        let http = http.clone();
        let url = env.endpoint.clone();
        async move {
            let r = http
                .post(format!("{url}/"))
                .header("x-amz-target", format!("DynamoDBStreams_20120810.{target}"))
                .header("content-type", "application/x-amz-json-1.0")
                .header("x-amz-date", amz_date())
                .header("authorization", format!("AWS4-HMAC-SHA256 Credential=unknownkey/{}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", &amz_date()[..8]))
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let d = call("DescribeStream", serde_json::json!({"StreamArn": arn})).await;
    let shard = d["StreamDescription"]["Shards"][0]["ShardId"].as_str().unwrap_or_else(|| panic!("{d}")).to_string();
    let it = call("GetShardIterator", serde_json::json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})).await;
    let recs = call("GetRecords", serde_json::json!({"ShardIterator": it["ShardIterator"]})).await;
    let records = recs["Records"].as_array().unwrap();
    let names: Vec<&str> = records.iter().map(|r| r["eventName"].as_str().unwrap()).collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    assert_eq!(records[1]["dynamodb"]["OldImage"]["v"]["N"], "1");
    assert_eq!(records[1]["dynamodb"]["NewImage"]["v"]["N"], "2");
    let latest = call("GetShardIterator", serde_json::json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "LATEST"})).await;
    c.put_item().table_name("str").item("id", s("b")).send().await.unwrap();
    let recs = call("GetRecords", serde_json::json!({"ShardIterator": latest["ShardIterator"]})).await;
    assert_eq!(recs["Records"].as_array().unwrap().len(), 1);

    c.update_time_to_live().table_name("str").time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("exp").build().unwrap()).send().await.unwrap();
    let t = c.describe_time_to_live().table_name("str").send().await.unwrap();
    assert_eq!(t.time_to_live_description().unwrap().attribute_name(), Some("exp"));
    let e = c.update_time_to_live().table_name("str").time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("exp").build().unwrap()).send().await.unwrap_err();
    assert_eq!(err(e).1, "TimeToLive is already enabled");
    // an expired item disappears after a sweep
    c.put_item().table_name("str").item("id", s("old")).item("exp", n("1000")).send().await.unwrap();
    c.put_item().table_name("str").item("id", s("fresh")).item("exp", n("99999999999")).send().await.unwrap();
    let deleted = env.state.dynamodb.sweep_expired().await.unwrap();
    assert_eq!(deleted, 0, "more than five years past expiry: ignored, as AWS does");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 60;
    c.put_item().table_name("str").item("id", s("old")).item("exp", n(&now.to_string())).send().await.unwrap();
    assert_eq!(env.state.dynamodb.sweep_expired().await.unwrap(), 1);
    assert!(c.get_item().table_name("str").key("id", s("old")).send().await.unwrap().item().is_none());
    assert!(c.get_item().table_name("str").key("id", s("fresh")).send().await.unwrap().item().is_some());

    let table_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/str";
    c.tag_resource().resource_arn(table_arn).tags(aws_sdk_dynamodb::types::Tag::builder().key("env").value("dev").build().unwrap()).send().await.unwrap();
    let tags = c.list_tags_of_resource().resource_arn(table_arn).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    c.untag_resource().resource_arn(table_arn).tag_keys("env").send().await.unwrap();
    assert!(c.list_tags_of_resource().resource_arn(table_arn).send().await.unwrap().tags().is_empty());
}

#[tokio::test]
async fn malformed_requests_get_aws_errors() {
    let env = TestEnv::start().await;
    let http = env.http();
    let send = |target: &str, body: &str| {
        http.post(format!("{}/", env.endpoint))
            .header("x-amz-target", target.to_string())
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-date", amz_date())
                .header("authorization", format!("AWS4-HMAC-SHA256 Credential=unknownkey/{}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", &amz_date()[..8]))
            .body(body.to_string())
            .send()
    };
    let r = send("DynamoDB_20120810.ListTables", "{not json").await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("x-amz-crc32").is_some());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "com.amazon.coral.service#SerializationException");
    let r = send("DynamoDB_20120810.NoSuchOp", "{}").await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "com.amazon.coral.service#UnknownOperationException");
    let r = send("DynamoDB_20120810.ListTables", r#"{"Limit": "abc"}"#).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "com.amazon.coral.service#SerializationException");
    assert_eq!(body["message"], "STRING_VALUE cannot be converted to Integer");
    let r = send("DynamoDB_20120810.PutItem", r#"{"TableName": "x1x", "Item": {"a": {"S": "1", "N": "1"}}}"#).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "com.amazon.coral.validate#ValidationException");
    assert_eq!(body["message"], "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
    let r = send("DynamoDB_20120810.PutItem", r#"{"TableName": "x1x", "Item": {"a": {"N": "12abc"}}}"#).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], "The parameter cannot be converted to a numeric value: 12abc");
    let r = send("DynamoDB_20120810.PutItem", r#"{"TableName": "x1x", "Item": {"a": {"S": 5}}}"#).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "com.amazon.coral.service#SerializationException");
    let r = send("DynamoDB_20120810.DescribeEndpoints", "{}").await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["Endpoints"][0]["Address"].is_string());
}

#[tokio::test]
async fn partiql_statements() {
    use aws_sdk_dynamodb::types::{BatchStatementRequest, ParameterizedStatement};
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    make_table(&c, "music").await;
    c.execute_statement().statement(r#"INSERT INTO "music" VALUE {'pk': 'Acme', 'sk': 1, 'title': 'One', 'tags': <<'a', 'b'>>}"#).send().await.unwrap();
    c.execute_statement().statement(r#"INSERT INTO music VALUE {'pk': ?, 'sk': ?, 'title': 'Two'}"#).parameters(s("Acme")).parameters(n("2")).send().await.unwrap();
    let e = c.execute_statement().statement(r#"INSERT INTO music VALUE {'pk': 'Acme', 'sk': 1}"#).send().await.unwrap_err();
    assert_eq!(err(e), ("DuplicateItemException".into(), "Duplicate primary key exists in table".into()));
    let out = c.execute_statement().statement(r#"SELECT title FROM music WHERE pk = ? AND sk >= 1"#).parameters(s("Acme")).send().await.unwrap();
    let titles: Vec<&str> = out.items().iter().map(|i| i["title"].as_s().unwrap().as_str()).collect();
    assert_eq!(titles, ["One", "Two"]);
    c.execute_statement().statement(r#"UPDATE music SET title = 'Uno', plays = 1 REMOVE tags WHERE pk = 'Acme' AND sk = 1"#).send().await.unwrap();
    let e = c.execute_statement().statement(r#"UPDATE music SET title = 'x' WHERE pk = 'Nobody' AND sk = 1"#).send().await.unwrap_err();
    assert_eq!(err(e).0, "ConditionalCheckFailedException");
    let out = c.execute_statement().statement(r#"SELECT * FROM music WHERE title = 'Uno'"#).send().await.unwrap();
    assert_eq!(out.items().len(), 1);
    assert!(!out.items()[0].contains_key("tags"));
    let b = c
        .batch_execute_statement()
        .statements(BatchStatementRequest::builder().statement("SELECT * FROM music WHERE pk = 'Acme' AND sk = 2").build().unwrap())
        .statements(BatchStatementRequest::builder().statement("INSERT INTO music VALUE {'pk': 'Acme', 'sk': 2}").build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(b.responses()[0].item().unwrap()["title"], s("Two"));
    assert_eq!(b.responses()[1].error().unwrap().code().unwrap().as_str(), "DuplicateItem");
    c.execute_transaction()
        .transact_statements(ParameterizedStatement::builder().statement("DELETE FROM music WHERE pk = 'Acme' AND sk = 1").build().unwrap())
        .transact_statements(ParameterizedStatement::builder().statement("UPDATE music SET plays = 5 WHERE pk = 'Acme' AND sk = 2").build().unwrap())
        .send()
        .await
        .unwrap();
    let out = c.execute_statement().statement("SELECT * FROM music").send().await.unwrap();
    assert_eq!(out.items().len(), 1);
    assert_eq!(out.items()[0]["plays"], n("5"));
    let e = c.execute_statement().statement("SELEKT * FROM music").send().await.unwrap_err();
    assert_eq!(err(e).0, "ValidationException");
}
