//! The dynamic schema built from every fixture's SDL: introspection, scalar validation and
//! execution through the executor.

use crate::executor::tests::{executor, SAMPLE};
use crate::transform::sdl::Document;
use async_graphql::Request;
use std::path::PathBuf;

fn fixture(dir: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(dir).join("schema.graphql")).unwrap()
}

#[tokio::test]
async fn every_fixture_builds_and_introspects() {
    for dir in ["gen1-cli-default-deny", "gen1-cli-sandbox-apikey", "gen1-cli-datastore-automerge", "gen1-cli-kitchen-sink", "gen2-data-amplify-table"] {
        let doc = Document::parse(&fixture(dir)).unwrap();
        let (exec, _) = executor(SAMPLE);
        let schema = super::build(&doc, exec).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let r = schema.execute("{ __schema { queryType { name } types { name kind } } }").await;
        assert!(r.errors.is_empty(), "{dir}: {:?}", r.errors);
        let data = r.data.into_json().unwrap();
        let types = data["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "AWSDateTime" && t["kind"] == "SCALAR"), "{dir}");
        assert!(types.len() > 40, "{dir}");
    }
}

#[tokio::test]
async fn aws_scalars_are_validated_in_arguments() {
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&doc, exec).unwrap();
    let bad = schema.execute(r#"{ listTodos(filter: {createdAt: {eq: 5}}) { items { id } } }"#).await;
    assert!(!bad.errors.is_empty());
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&Document::parse("type Query { t(at: AWSDateTime, ip: AWSIPAddress): String }").unwrap(), exec).unwrap();
    assert!(!schema.execute(r#"{ t(at: "yesterday") }"#).await.errors.is_empty());
    assert!(!schema.execute(r#"{ t(ip: "1.2.3.999") }"#).await.errors.is_empty());
    let ok = schema.execute(r#"{ t(at: "2026-01-01T00:00:00Z", ip: "10.0.0.1") }"#).await;
    assert!(ok.errors.iter().all(|e| e.message.contains("no local resolver")), "{:?}", ok.errors);
}

#[tokio::test]
async fn mutation_executes_and_selects_fields() {
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&doc, exec).unwrap();
    let r = schema.execute(Request::new(r#"mutation { createTodo(input: {name: "milk"}) { name description __typename } }"#)).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.data.into_json().unwrap(), serde_json::json!({"createTodo": {"name": "milk", "description": null, "__typename": "Todo"}}));
    let r = schema.execute(r#"{ getTodo(id: "nope") { id } }"#).await;
    assert!(r.errors.is_empty());
    assert_eq!(r.data.into_json().unwrap(), serde_json::json!({"getTodo": null}));
}
