//! End-to-end tests of the gateway: health, classification, lifecycle.

use amplocal_tests::TestEnv;

#[tokio::test]
async fn health_answers() {
    let env = TestEnv::start().await;
    let v: serde_json::Value = env.http().get(format!("{}/_localstack/health", env.endpoint)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["edition"], "community");
    assert!(v["services"]["s3"].is_string());
}

#[tokio::test]
async fn dynamodb_stub_answers_unknown_operation() {
    let env = TestEnv::start().await;
    let err = env.dynamodb().list_tables().send().await.unwrap_err();
    let svc = err.into_service_error();
    assert_eq!(aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&svc), Some("UnknownOperationException"));
}
