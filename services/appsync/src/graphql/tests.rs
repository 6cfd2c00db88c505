//! The rendered response body is byte for byte the JSON tree `execute` builds.

use super::*;
use crate::executor::RequestAuth;
use crate::runtime::Runtime;
use crate::transform::auth::AuthMode;
use async_graphql::Request;
use serde_json::json;

const SCHEMA: &str = "type Todo @model @auth(rules: [{ allow: public }]) {\n  id: ID!\n  name: String!\n  score: Float\n}\n";

fn api() -> Arc<LoadedApi> {
    let core = amplocal_core::CoreCtx::new(
        Arc::new(amplocal_core::SystemClock),
        Arc::new(amplocal_core::RandomIds),
        amplocal_core::CredentialStore::new(amplocal_core::CredentialMode::Lenient),
        std::env::temp_dir(),
    );
    Arc::new(Runtime::new(core, false).compile(("000000000000", "us-east-1"), "api1", SCHEMA, AuthMode::ApiKey, vec![]).expect("compiles"))
}

#[tokio::test]
async fn rendered_body_equals_the_tree() {
    let api = api();
    let cases = [
        ("{ __typename }", json!({})),
        ("{ __schema { queryType { name } mutationType { name } } }", json!({})),
        ("mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id name score } }", json!({"input": {"name": "a\u{e9}\"\n", "score": 1.5}})),
        ("mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }", json!({"input": {"name": 5}})),
        ("{ listTodos { items { id } } t: getTodo(id: \"x\") { id } }", json!({})),
        ("{ nope }", json!({})),
        ("{ listTodos(", json!({})),
    ];
    for (q, vars) in cases {
        let req = || Request::new(q).variables(async_graphql::Variables::from_json(vars.clone())).data(RequestAuth::mode(AuthMode::ApiKey));
        let tree = serde_json::to_vec(&execute(&api, req()).await).expect("serializes");
        let rendered = execute_rendered(&api, req()).await;
        assert_eq!(String::from_utf8_lossy(&rendered), String::from_utf8_lossy(&tree), "{q}");
    }
}

#[test]
fn typed_body_reads_as_the_tree_does() {
    let bodies: &[&[u8]] = &[
        br#"{"query": "{ a }"}"#,
        br#"  {"query": "{ a }", "variables": null, "operationName": null}"#,
        br#"{"query": "q", "variables": {"input": {"name": "x", "n": 1, "f": 1.5, "big": 18446744073709551616, "l": [1, {"a": null}], "d": 1, "d": 2}}, "operationName": "Op"}"#,
        br#"{"query": "q", "variables": {"a": 1, "a": 2}, "operationName": 5, "extra": [1]}"#,
        br#"{"query": "q", "query": "r"}"#,
        br#"{"query": 5}"#,
        br#"{"variables": {}}"#,
        br#"{"query": "q", "variables": [1]}"#,
        br#"{"query": "q", "variables": "x"}"#,
        br#"["q"]"#,
        br#""q""#,
        br#"{"query": "q"} x"#,
        br#"{"query": "q\u00e9\n"}"#,
    ];
    for b in bodies {
        let fast = parse_request(b).map(|r| (r.query, serde_json::to_string(&r.variables).unwrap_or_default(), r.operation_name));
        let tree = parse_request_tree(b).map(|r| (r.query, serde_json::to_string(&r.variables).unwrap_or_default(), r.operation_name));
        assert_eq!(fast, tree, "{}", String::from_utf8_lossy(b));
    }
    assert!(parse_request(br#"{"query": "q", "query": "r"}"#).is_some_and(|r| r.query == "r"));
    assert!(parse_request(br#"["q"]"#).is_none());
}
