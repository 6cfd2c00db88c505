//! The executor over a recording data source (a stand-in for DynamoDB, which is wired later):
//! which request each root/relation field issues and how results are shaped.

use super::*;
use crate::resolver::{DataFuture, DataRequest, DataResponse};
use crate::transform::auth::{AuthMode, AuthSettings};
use crate::transform::{transform, TransformConfig};
use amplocal_core::{ManualClock, SeededIds};
use serde_json::json;
use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

/// Returns each queued response in turn and records the requests.
#[derive(Debug, Default)]
pub struct Recording {
    pub requests: Mutex<Vec<DataRequest>>,
    pub responses: Mutex<Vec<Result<DataResponse, DataSourceError>>>,
}

impl DataSource for Recording {
    fn call(&self, request: DataRequest) -> DataFuture<'_> {
        let echo = match &request {
            DataRequest::PutItem { item, .. } => Some(DataResponse::Item(Some(item.clone()))),
            _ => None,
        };
        self.requests.lock().unwrap().push(request);
        let next = {
            let mut r = self.responses.lock().unwrap();
            if r.is_empty() { None } else { Some(r.remove(0)) }
        };
        Box::pin(async move {
            match next {
                Some(r) => r,
                None => Ok(echo.unwrap_or(DataResponse::Page { items: vec![], next_token: None, scanned_count: 0 })),
            }
        })
    }
}

pub fn executor(input: &str) -> (Arc<Executor>, Arc<Recording>) {
    let cfg = TransformConfig {
        auth: AuthSettings { default_mode: AuthMode::ApiKey, additional: vec![AuthMode::UserPools], sandbox: true },
        versioned: false,
        api_id: "api1".into(),
        env: "NONE".into(),
    };
    let api = transform(input, &cfg).unwrap();
    let rec = Arc::new(Recording::default());
    let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_millis(1_764_000_000_123)));
    (Arc::new(Executor::new(&api, rec.clone(), clock, Arc::new(SeededIds::new(7)), true)), rec)
}

const KEY: RequestAuth = RequestAuth { mode: AuthMode::ApiKey, identity: None };

pub const SAMPLE: &str = include_str!("../../fixtures/inputs/schema.graphql");

fn args(v: serde_json::Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

#[tokio::test]
async fn create_returns_the_put_item_as_plain_json() {
    let (exec, rec) = executor(SAMPLE);
    let out = exec.resolve_root("Mutation", "createTodo", &args(json!({"input": {"name": "n"}})), &KEY).await.unwrap().unwrap();
    assert_eq!(out["name"], "n");
    assert_eq!(out["__typename"], "Todo");
    assert_eq!(out["createdAt"], "2025-11-24T16:00:00.123Z");
    assert!(out["id"].as_str().is_some_and(|s| s.len() == 36));
    let reqs = rec.requests.lock().unwrap();
    let DataRequest::PutItem { table, .. } = &reqs[0] else { panic!() };
    assert_eq!(table, "Todo-api1-NONE");
}

#[tokio::test]
async fn get_distinguishes_absent_from_filtered_out() {
    let (exec, rec) = executor(SAMPLE);
    rec.responses.lock().unwrap().push(Ok(DataResponse::Page { items: vec![], next_token: None, scanned_count: 1 }));
    let err = exec.resolve_root("Query", "getTodo", &args(json!({"id": "x"})), &KEY).await.unwrap().unwrap_err();
    assert_eq!((err.error_type.as_str(), err.message.as_str()), ("Unauthorized", "Not Authorized to access getTodo on type Query"));
    let none = exec.resolve_root("Query", "getTodo", &args(json!({"id": "x"})), &KEY).await.unwrap().unwrap();
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn data_source_errors_keep_their_type() {
    let (exec, rec) = executor(SAMPLE);
    rec.responses.lock().unwrap().push(Err(DataSourceError { error_type: "DynamoDB:ConditionalCheckFailedException".into(), message: "The conditional request failed".into() }));
    let err = exec.resolve_root("Mutation", "deleteTodo", &args(json!({"input": {"id": "x"}})), &KEY).await.unwrap().unwrap_err();
    assert_eq!(err.error_type, "DynamoDB:ConditionalCheckFailedException");
}

#[tokio::test]
async fn lists_and_relations_issue_the_fixture_queries() {
    let (exec, rec) = executor(SAMPLE);
    rec.responses.lock().unwrap().push(Ok(DataResponse::Page { items: vec![args(json!({"id": {"S": "1"}, "n": {"N": "5"}}))], next_token: Some("t".into()), scanned_count: 3 }));
    let out = exec.resolve_root("Query", "listTodos", &args(json!({"limit": 3})), &KEY).await.unwrap().unwrap();
    assert_eq!(out, json!({"items": [{"id": "1", "n": 5}], "nextToken": "t"}));
    let c = exec.resolve_relation("Post", "comments", &args(json!({"id": "p1"})), &Map::new(), &KEY).await.unwrap().unwrap();
    assert_eq!(c, json!({"items": [], "nextToken": null}));
    let empty = exec.resolve_relation("Post", "comments", &args(json!({})), &Map::new(), &KEY).await.unwrap().unwrap();
    assert_eq!(empty["items"], json!([]));
    assert!(exec.resolve_relation("Comment", "content", &Map::new(), &Map::new(), &KEY).await.is_none());
    let reqs = rec.requests.lock().unwrap();
    assert!(matches!(&reqs[0], DataRequest::Scan { limit: 3, .. }));
    let DataRequest::Query { index, key_condition, .. } = &reqs[1] else { panic!() };
    assert_eq!(index.as_deref(), Some("gsi-Post.comments"));
    assert_eq!(key_condition.values[":postCommentsId"], json!({"S": "p1"}));
    assert_eq!(reqs.len(), 2, "a null parent key issues no request");
}

#[tokio::test]
async fn api_key_callers_need_a_public_rule() {
    let (exec, rec) = executor(SAMPLE);
    // Post: owner rule + public read. API key may read, not write; IAM (admin) may write.
    let err = exec.resolve_root("Mutation", "createPost", &args(json!({"input": {"title": "t"}})), &KEY).await.unwrap().unwrap_err();
    assert_eq!((err.error_type.as_str(), err.message.as_str()), ("Unauthorized", "Not Authorized to access createPost on type Mutation"));
    assert!(exec.resolve_root("Query", "listPosts", &Map::new(), &KEY).await.unwrap().is_ok());
    let iam = RequestAuth::mode(AuthMode::Iam);
    assert!(exec.resolve_root("Mutation", "createPost", &args(json!({"input": {"title": "t"}})), &iam).await.unwrap().is_ok());
    assert_eq!(rec.requests.lock().unwrap().len(), 2, "the denied call reached no data source");
    // Todo has no @auth: allowed in sandbox mode only.
    let api = transform(SAMPLE, &TransformConfig {
        auth: AuthSettings { default_mode: AuthMode::ApiKey, additional: vec![], sandbox: false },
        versioned: false,
        api_id: "a".into(),
        env: "NONE".into(),
    }).unwrap();
    let strict = Executor::new(&api, rec.clone(), Arc::new(amplocal_core::SystemClock), Arc::new(SeededIds::new(1)), false);
    let err = strict.resolve_root("Query", "listTodos", &Map::new(), &KEY).await.unwrap().unwrap_err();
    assert_eq!(err.error_type, "Unauthorized");
}

#[test]
fn owned_conversion_equals_the_borrowed_one() {
    use serde_json::json;
    let values = [
        json!({"S": "x"}),
        json!({"N": "1"}),
        json!({"N": "-1.50"}),
        json!({"N": "1e400"}),
        json!({"N": "nope"}),
        json!({"N": 5}),
        json!({"BOOL": true}),
        json!({"NULL": true}),
        json!({"L": [{"S": "a"}, {"N": "2"}, {"M": {"k": {"NS": ["1", "2.5", 3]}}}]}),
        json!({"L": "not a list"}),
        json!({"M": {"a": {"SS": ["x"]}, "b": {"BS": ["AA=="]}, "c": {"B": "AA=="}}}),
        json!({"M": 1}),
        json!({"X": 1}),
        json!({}),
        json!({"S": "first", "N": "2"}),
        json!("plain"),
        json!(null),
    ];
    for v in values {
        assert_eq!(super::from_dynamodb_owned(v.clone()), super::from_dynamodb(&v), "{v}");
    }
}
