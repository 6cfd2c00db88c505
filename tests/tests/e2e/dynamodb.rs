//! End-to-end tests of dynamodb with aws-sdk-rust.

use amplocal_tests::TestEnv;

#[tokio::test]
async fn reachable_through_gateway() {
    let env = TestEnv::start().await;
    let resp = env.http().post(format!("{}/", env.endpoint)).send().await.unwrap();
    assert!(resp.status().as_u16() < 600);
}
