//! DynamoDB conditional-write atomicity, exactly as issue #3 states it, with real aws-sdk-rust
//! clients (one client per task, so each has its own connection pool): 16 clients × 1,000
//! `ADD counter :one` end at exactly 16,000, and 16 racing `attribute_not_exists` puts of one key
//! let exactly one win while the rest get `ConditionalCheckFailedException`.
//! Leaves out: transactions (covered in `dynamodb.rs`).

use amplocal_tests::TestEnv;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue as Av, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use aws_sdk_dynamodb::Client;

async fn table(c: &Client, name: &str) {
    c.create_table()
        .table_name(name)
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("id").attribute_type(ScalarAttributeType::S).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_add_one_thousand_times_each() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    table(&c, "counter").await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = env.dynamodb();
        tasks.push(tokio::spawn(async move {
            for _ in 0..1000 {
                c.update_item()
                    .table_name("counter")
                    .key("id", Av::S("c".into()))
                    .update_expression("ADD #c :one")
                    .expression_attribute_names("#c", "counter")
                    .expression_attribute_values(":one", Av::N("1".into()))
                    .send()
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let item = c.get_item().table_name("counter").key("id", Av::S("c".into())).consistent_read(true).send().await.unwrap().item.unwrap();
    assert_eq!(item["counter"], Av::N("16000".into()));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_attribute_not_exists_puts_have_exactly_one_winner() {
    let env = TestEnv::start().await;
    let c = env.dynamodb();
    table(&c, "race").await;
    // Several rounds, each on a fresh key, so a lucky interleaving cannot hide a race.
    for round in 0..5 {
        let key = format!("k{round}");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
        let mut tasks = Vec::new();
        for who in 0..16 {
            let (c, key, barrier) = (env.dynamodb(), key.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let r = c
                    .put_item()
                    .table_name("race")
                    .item("id", Av::S(key))
                    .item("who", Av::N(who.to_string()))
                    .condition_expression("attribute_not_exists(id)")
                    .send()
                    .await;
                match r {
                    Ok(_) => Some(who),
                    Err(e) => {
                        assert_eq!(e.code(), Some("ConditionalCheckFailedException"), "{e:?}");
                        None
                    }
                }
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            if let Some(w) = t.await.unwrap() {
                winners.push(w);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let item = c.get_item().table_name("race").key("id", Av::S(key)).consistent_read(true).send().await.unwrap().item.unwrap();
        assert_eq!(item["who"], Av::N(winners[0].to_string()), "the stored item is the winner's");
    }
    env.stop().await;
}
