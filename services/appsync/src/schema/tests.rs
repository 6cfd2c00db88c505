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
        let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap_or_else(|e| panic!("{dir}: {e}"));
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
    let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    let bad = schema.execute(r#"{ listTodos(filter: {createdAt: {eq: 5}}) { items { id } } }"#).await;
    assert!(!bad.errors.is_empty());
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&Document::parse("type Query { t(at: AWSDateTime, ip: AWSIPAddress): String }").unwrap(), exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    assert!(!schema.execute(r#"{ t(at: "yesterday") }"#).await.errors.is_empty());
    assert!(!schema.execute(r#"{ t(ip: "1.2.3.999") }"#).await.errors.is_empty());
    let key = crate::executor::RequestAuth::mode(crate::transform::auth::AuthMode::ApiKey);
    let ok = schema.execute(Request::new(r#"{ t(at: "2026-01-01T00:00:00Z", ip: "10.0.0.1") }"#).data(key)).await;
    assert!(ok.errors.iter().all(|e| e.message.contains("no local resolver")), "{:?}", ok.errors);
}

#[tokio::test]
async fn mutation_executes_and_selects_fields() {
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    let key = crate::executor::RequestAuth::mode(crate::transform::auth::AuthMode::ApiKey);
    let r = schema.execute(Request::new(r#"mutation { createTodo(input: {name: "milk"}) { name description __typename } }"#).data(key.clone())).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.data.into_json().unwrap(), serde_json::json!({"createTodo": {"name": "milk", "description": null, "__typename": "Todo"}}));
    let r = schema.execute(Request::new(r#"{ getTodo(id: "nope") { id } }"#).data(key)).await;
    assert!(r.errors.is_empty());
    assert_eq!(r.data.into_json().unwrap(), serde_json::json!({"getTodo": null}));
}

#[tokio::test]
async fn root_field_directives_gate_the_request_mode() {
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    let key = crate::executor::RequestAuth::mode(crate::transform::auth::AuthMode::ApiKey);
    // createPost is @aws_cognito_user_pools only: an API-key caller gets null + Unauthorized.
    let r = schema.execute(Request::new(r#"mutation { createPost(input: {title: "t"}) { id } }"#).data(key)).await;
    assert_eq!(r.data.clone().into_json().unwrap(), serde_json::json!({"createPost": null}));
    assert_eq!(r.errors[0].message, "Not Authorized to access createPost on type Mutation");
    assert_eq!(r.errors[0].path.len(), 1);
    // IAM is not enabled on that API: no directive names it, so even listTodos (default only) denies it.
    let iam = crate::executor::RequestAuth::mode(crate::transform::auth::AuthMode::Iam);
    let r = schema.execute(Request::new("{ listTodos { items { id } } }").data(iam)).await;
    assert_eq!(r.errors[0].message, "Not Authorized to access listTodos on type Query");
}

#[tokio::test]
async fn nested_fields_are_checked_against_their_type_directives() {
    use crate::resolver::DataResponse;
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, rec) = executor(SAMPLE);
    let item = |v: serde_json::Value| v.as_object().cloned().unwrap();
    rec.responses.lock().unwrap().push(Ok(DataResponse::Page { items: vec![item(serde_json::json!({"id": {"S": "p1"}, "owner": {"S": "s::u"}}))], next_token: None, scanned_count: 1 }));
    rec.responses.lock().unwrap().push(Ok(DataResponse::Page { items: vec![item(serde_json::json!({"id": {"S": "c1"}}))], next_token: None, scanned_count: 1 }));
    let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    let user = crate::executor::RequestAuth {
        mode: crate::transform::auth::AuthMode::UserPools,
        identity: Some(std::sync::Arc::new(crate::auth_rules::Identity { sub: "s".into(), username: "u".into(), groups: vec![], claims: Default::default() })),
    };
    let r = schema.execute(Request::new("{ listPosts { items { id owner comments { items { id } } } } }").data(user)).await;
    let data = r.data.into_json().unwrap();
    // Post (cognito + api key) is readable; Post.comments applies Comment's rules (none, sandbox:
    // API key only), so a user-pool caller gets null + Unauthorized, as the fixture's
    // Post.comments auth function answers.
    assert_eq!(data["listPosts"]["items"][0]["owner"], "u");
    assert_eq!(data["listPosts"]["items"][0]["comments"], serde_json::Value::Null, "{data}");
    assert_eq!(r.errors[0].message, "Not Authorized to access comments on type Post");
    let shaped: Vec<_> = crate::graphql::dedupe_errors(r.errors.clone());
    assert_eq!(shaped.len(), 1);
}

#[tokio::test]
async fn deeply_nested_requests_are_rejected_not_crashed() {
    let doc = Document::parse(&fixture("gen1-cli-sandbox-apikey")).unwrap();
    let (exec, _) = executor(SAMPLE);
    let schema = super::build(&doc, exec, crate::transform::auth::AuthMode::ApiKey, Default::default()).unwrap();
    let deep_selection = format!("{{ {}x{} }}", "a { ".repeat(20_000), " }".repeat(20_000));
    assert!(!schema.execute(deep_selection).await.errors.is_empty());
    let deep_filter = format!("{{ listTodos(filter: {}{{name: {{eq: \"x\"}}}}{}) {{ items {{ id }} }} }}", "{and: [".repeat(5_000), "]}".repeat(5_000));
    assert!(!schema.execute(deep_filter).await.errors.is_empty());
}

#[test]
fn direct_conversions_equal_the_serde_ones() {
    use serde_json::json;
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-5),
        json!(18_446_744_073_709_551_615_u64),
        json!(1.5),
        json!(100.0),
        json!("t\u{e9}xt"),
        json!([1, "a", null, [true]]),
        json!({"b": 1, "a": {"z": [], "y": {}}, "c": null}),
    ];
    for v in values {
        let direct = super::json_to_const(v.clone());
        let serde = async_graphql::Value::from_json(v.clone()).unwrap();
        assert_eq!(format!("{direct:?}"), format!("{serde:?}"), "{v}");
        assert_eq!(serde_json::to_string(&super::const_to_json(&direct)).unwrap(), serde_json::to_string(&serde.clone().into_json().unwrap()).unwrap(), "{v}");
    }
    let mut obj = async_graphql::indexmap::IndexMap::new();
    obj.insert(async_graphql::Name::new("e"), async_graphql::Value::Enum(async_graphql::Name::new("OPEN")));
    obj.insert(async_graphql::Name::new("b"), async_graphql::Value::Binary(vec![1u8, 2].into()));
    let v = async_graphql::Value::Object(obj);
    assert_eq!(super::const_to_json(&v), v.clone().into_json().unwrap());
}

#[test]
fn output_kinds_follow_the_field_type() {
    use super::Out;
    let shapes = super::Shapes { objects: ["Todo".to_string()].into(), enums: ["Status".to_string()].into() };
    assert_eq!(Out::of(&shapes, "Todo!"), Out::Object);
    assert_eq!(Out::of(&shapes, "[Todo!]!"), Out::List(Box::new(Out::Object)));
    assert_eq!(Out::of(&shapes, "[[Status]]"), Out::List(Box::new(Out::List(Box::new(Out::Enum)))));
    assert_eq!(Out::of(&shapes, "AWSJSON"), Out::AwsJson);
    assert_eq!(Out::of(&shapes, "String!"), Out::Scalar);
}
