//! End-to-end DynamoDB tests with aws-sdk-rust: batches, transactions, concurrency, Streams, TTL, tags, malformed requests and PartiQL.

use super::*;

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
