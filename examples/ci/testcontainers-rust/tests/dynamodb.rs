//! Creates a DynamoDB table in a fresh amplocal container and round-trips an item.
//! Needs Docker and the image (see Cargo.toml); run with `cargo test`.

use amplocal_testcontainers_example::{sdk_config, start};
use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};

#[tokio::test]
async fn creates_a_table_and_reads_an_item_back() {
    let amplocal = start().await.expect("amplocal container started and printed Ready.");
    let ddb = aws_sdk_dynamodb::Client::new(&sdk_config(&amplocal.endpoint).await);

    ddb.create_table()
        .table_name("Todos")
        .attribute_definitions(AttributeDefinition::builder().attribute_name("id").attribute_type(ScalarAttributeType::S).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("CreateTable");
    let tables = ddb.list_tables().send().await.expect("ListTables");
    assert_eq!(tables.table_names(), ["Todos"]);

    ddb.put_item()
        .table_name("Todos")
        .item("id", AttributeValue::S("1".into()))
        .item("content", AttributeValue::S("try amplocal".into()))
        .send()
        .await
        .expect("PutItem");
    let got = ddb.get_item().table_name("Todos").key("id", AttributeValue::S("1".into())).send().await.expect("GetItem");
    assert_eq!(got.item().and_then(|i| i.get("content")), Some(&AttributeValue::S("try amplocal".into())));
}
