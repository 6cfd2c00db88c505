//! The validation cache never changes a response: every request below is answered the same by
//! an API that validated the query text before (cached plan) and by a fresh one.

use super::*;
use crate::executor::RequestAuth;
use crate::runtime::{LoadedApi, Runtime};
use crate::transform::auth::AuthMode;
use async_graphql::Request;
use serde_json::json;

const SCHEMA: &str = "type Todo @model @auth(rules: [{ allow: public }]) {\n  id: ID!\n  name: String!\n  priority: Int\n  score: Float\n  done: Boolean\n  status: Status\n  due: AWSDateTime\n  tags: [String!]\n}\nenum Status { OPEN DONE }\n";
const MUTATION: &str = "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id name priority } }";

/// A compiled API (no data source: mutations fail after validation) and its validation cache.
fn api() -> (Arc<LoadedApi>, ValidationCache) {
    let core = amplocal_core::CoreCtx::new(
        Arc::new(amplocal_core::SystemClock),
        Arc::new(amplocal_core::RandomIds),
        amplocal_core::CredentialStore::new(amplocal_core::CredentialMode::Lenient),
        std::env::temp_dir(),
    );
    let mut loaded = Runtime::new(core.clone(), false).compile(("000000000000", "us-east-1"), "api1", SCHEMA, AuthMode::ApiKey, vec![]).expect("compiles");
    let t = loaded.transformed.as_ref().expect("amplify schema");
    let exec = Arc::new(crate::executor::Executor::new(t, Arc::new(crate::resolver::Unwired), core.clock.clone(), core.ids.clone(), false));
    let cache = ValidationCache::new(loaded.document.clone());
    loaded.schema = crate::schema::build_with(&loaded.document, exec, AuthMode::ApiKey, loaded.hub.clone(), cache.clone()).expect("builds");
    (Arc::new(loaded), cache)
}

fn request(query: &str, vars: serde_json::Value) -> Request {
    Request::new(query).variables(async_graphql::Variables::from_json(vars)).data(RequestAuth::mode(AuthMode::ApiKey))
}

async fn run(api: &Arc<LoadedApi>, query: &str, vars: serde_json::Value) -> serde_json::Value {
    crate::graphql::execute(api, request(query, vars)).await
}

/// Same answer with and without a cached plan, and whether the cached API skipped validation.
async fn same_answer(query: &str, good: serde_json::Value, vars: serde_json::Value) -> bool {
    let (warm, cache) = api();
    run(&warm, query, good).await;
    assert!(cache.knows(query), "the good request validated and was remembered: {query}");
    let cached = run(&warm, query, vars.clone()).await;
    let fresh = run(&api().0, query, vars.clone()).await;
    assert_eq!(cached, fresh, "{query} with {vars}");
    let plan = cache.plans.get(query).expect("plan");
    plan.accepts(&async_graphql::Variables::from_json(vars), &warm.document)
}

#[tokio::test]
async fn bad_variables_get_the_same_errors_after_a_good_request() {
    let good = json!({"input": {"name": "a", "priority": 1}});
    let bad = [
        json!({"input": {"name": 5}}),
        json!({"input": {"name": null}}),
        json!({"input": {"priority": 1}}),
        json!({"input": {"name": "a", "nope": 1}}),
        json!({"input": {"name": "a", "priority": "x"}}),
        json!({"input": {"name": "a", "priority": 1.5}}),
        json!({"input": {"name": "a", "priority": 1_099_511_627_776_i64}}),
        json!({"input": {"name": "a", "score": "x"}}),
        json!({"input": {"name": "a", "done": 1}}),
        json!({"input": {"name": "a", "status": "LATE"}}),
        json!({"input": {"name": "a", "due": "yesterday"}}),
        json!({"input": {"name": "a", "tags": [null]}}),
        json!({"input": {"name": "a", "tags": [1]}}),
        json!({"input": {"name": "a", "id": true}}),
        json!({"input": {"name": "a", "id": 1.5}}),
        json!({"input": null}),
        json!({"input": "text"}),
        json!({"input": [{"name": "a"}]}),
    ];
    let (warm, _) = api();
    run(&warm, MUTATION, good.clone()).await;
    let answer = run(&warm, MUTATION, json!({"input": {"name": 5}})).await;
    assert!(answer["errors"][0]["message"].as_str().unwrap_or_default().starts_with("Invalid value for argument"), "{answer}");
    assert!(answer.get("data").is_none(), "{answer}");
    for vars in bad {
        assert!(!same_answer(MUTATION, good.clone(), vars.clone()).await, "{vars} must go through full validation");
    }
    let fine = [
        json!({"input": {"name": "b"}}),
        json!({"input": {"name": "b", "priority": null, "status": "DONE", "tags": ["x"], "tags2": null}}),
        json!({"input": {"name": "b", "id": 7, "score": 1.5, "done": true, "due": "2026-01-01T00:00:00Z", "tags": "x"}}),
        // A missing variable is not checked by validation either (execution reports it).
        json!({}),
    ];
    for (i, vars) in fine.into_iter().enumerate() {
        let skipped = same_answer(MUTATION, good.clone(), vars.clone()).await;
        assert_eq!(skipped, i != 1, "{vars}");
    }
}

#[tokio::test]
async fn other_validation_errors_are_unchanged() {
    // A query with an error is never remembered, so it is validated every time.
    let (warm, cache) = api();
    let q = "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id nope } }";
    let first = run(&warm, q, json!({"input": {"name": "a"}})).await;
    let second = run(&warm, q, json!({"input": {"name": "a"}})).await;
    assert_eq!(first, second);
    assert!(first["errors"][0]["message"].as_str().unwrap_or_default().contains("nope"), "{first}");
    assert!(!cache.knows(q));
}

fn plan(query: &str) -> Option<Plan> {
    let doc = async_graphql::parser::parse_query(query).expect("parses");
    Plan::of(&doc, &api().0.document)
}

#[test]
fn eligible_documents() {
    assert_eq!(plan(MUTATION), Some(Plan(vec![("input".into(), "CreateTodoInput!".into())])));
    assert_eq!(plan("mutation M($i: CreateTodoInput!) { a: createTodo(input: $i) { id } }"), Some(Plan(vec![("i".into(), "CreateTodoInput!".into())])));
    assert_eq!(plan("{ listTodos(limit: 5) { items { id } } }"), Some(Plan(vec![])));
    assert_eq!(plan("query ($id: ID!) { getTodo(id: $id) { id } }"), Some(Plan(vec![("id".into(), "ID!".into())])));
    // Variables inside literals, nested fields, directives; fragments; several operations.
    assert_eq!(plan("mutation ($n: String!) { createTodo(input: {name: $n}) { id } }"), None);
    assert_eq!(plan("query ($l: Int) { listTodos { items { id } nextToken } getTodo(id: \"x\") @include(if: true) { id } x: listTodos(limit: $l) @skip(if: false) { nextToken } }").map(|p| p.0.len()), Some(1));
    assert_eq!(plan("query ($b: Boolean!) { listTodos @include(if: $b) { nextToken } }"), None);
    assert_eq!(plan("query ($b: Boolean!) { listTodos { items @include(if: $b) { id } } }"), None);
    assert_eq!(plan("query { ...F } fragment F on Query { listTodos { nextToken } }"), None);
    assert_eq!(plan("query A { listTodos { nextToken } } query B { listTodos { nextToken } }"), None);
    assert_eq!(plan("subscription { onCreateTodo { id } }"), None);
}
