//! End-to-end tests of AppSync: the control plane with aws-sdk-rust (APIs, keys, schema
//! creation, introspection; NotFound / BadRequest / key-validity errors) and the `/graphql`
//! endpoint over raw HTTP (introspection with an API key, 401/400 shapes, AppSync error JSON).

use amplocal_core::ManualClock;
use amplocal_tests::TestEnv;
use aws_sdk_appsync::error::ProvideErrorMetadata;
use aws_sdk_appsync::primitives::Blob;
use aws_sdk_appsync::types::{AdditionalAuthenticationProvider, AuthenticationType, OutputType, SchemaStatus};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn schema_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas").join(name)
}

fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_string()
}

const KEY: &str = "da2-localtestkey";

async fn env_with_todo() -> TestEnv {
    TestEnv::builder()
        .services(|s| {
            s.appsync.graphql_schema = vec![schema_path("todo.graphql")];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["todoapi".into()];
        })
        .start()
        .await
}

async fn post(env: &TestEnv, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = env.http().post(format!("{}{path}", env.endpoint)).header("content-type", "application/json").body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
}

const INTROSPECT: &str = r#"{"query":"{ __schema { queryType { name } types { name kind } } }"}"#;

#[tokio::test]
async fn control_plane_api_key_and_schema_lifecycle() {
    let env = TestEnv::start().await;
    let c = env.appsync();
    let created = c.create_graphql_api().name("notes").authentication_type(AuthenticationType::ApiKey).send().await.unwrap();
    let api = created.graphql_api().unwrap();
    let id = api.api_id().unwrap().to_string();
    assert_eq!(api.name(), Some("notes"));
    assert_eq!(api.arn().unwrap(), format!("arn:aws:appsync:us-east-1:000000000000:apis/{id}"));
    assert!(api.uris().unwrap()["GRAPHQL"].ends_with(&format!("/graphql/{id}")));

    let got = c.get_graphql_api().api_id(&id).send().await.unwrap();
    assert_eq!(got.graphql_api().unwrap().authentication_type(), Some(&AuthenticationType::ApiKey));
    let listed = c.list_graphql_apis().send().await.unwrap();
    assert!(listed.graphql_apis().iter().any(|a| a.api_id() == Some(id.as_str())));

    // Schema: before, none; an Amplify schema is transformed; status SUCCESS; SDL served.
    let before = c.get_schema_creation_status().api_id(&id).send().await.unwrap();
    assert_eq!(before.status(), Some(&SchemaStatus::NotApplicable));
    let sdl = std::fs::read(schema_path("todo.graphql")).unwrap();
    let started = c.start_schema_creation().api_id(&id).definition(Blob::new(sdl)).send().await.unwrap();
    assert_eq!(started.status(), Some(&SchemaStatus::Processing));
    let status = c.get_schema_creation_status().api_id(&id).send().await.unwrap();
    assert_eq!(status.status(), Some(&SchemaStatus::Success), "{:?}", status.details());
    let intro = c.get_introspection_schema().api_id(&id).format(OutputType::Sdl).include_directives(true).send().await.unwrap();
    let text = String::from_utf8(intro.schema().unwrap().as_ref().to_vec()).unwrap();
    assert!(text.contains("type Todo") && text.contains("listTodos(filter: ModelTodoFilterInput") && text.contains("@aws_subscribe"), "{text}");
    let json_intro = c.get_introspection_schema().api_id(&id).format(OutputType::Json).send().await.unwrap();
    let v: Value = serde_json::from_slice(json_intro.schema().unwrap().as_ref()).unwrap();
    assert_eq!(v["__schema"]["queryType"]["name"], "Query");

    // Keys.
    let key = c.create_api_key().api_id(&id).description("k1").send().await.unwrap();
    let key = key.api_key().unwrap();
    let key_id = key.id().unwrap().to_string();
    assert!(key_id.starts_with("da2-"));
    assert_eq!(key.expires() % 3600, 0, "expiry is rounded down to the hour");
    assert_eq!(key.deletes(), key.expires() + 60 * 86400);
    let keys = c.list_api_keys().api_id(&id).send().await.unwrap();
    assert_eq!(keys.api_keys().len(), 1);
    assert_eq!(keys.api_keys()[0].description(), Some("k1"));

    // The key works on the data plane of this API.
    let (status, _, body) = post(&env, &format!("/graphql/{id}"), &[("x-api-key", &key_id)], INTROSPECT).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["__schema"]["types"].as_array().unwrap().iter().any(|t| t["name"] == "Todo"));

    // Updates.
    let renamed = c.update_graphql_api().api_id(&id).name("notes2").authentication_type(AuthenticationType::ApiKey).send().await.unwrap();
    assert_eq!(renamed.graphql_api().unwrap().name(), Some("notes2"));
    assert_eq!(c.get_graphql_api().api_id(&id).send().await.unwrap().graphql_api().unwrap().name(), Some("notes2"));
    let k = c.update_api_key().api_id(&id).id(&key_id).description("k2").send().await.unwrap();
    assert_eq!(k.api_key().unwrap().description(), Some("k2"));
    let e = c.update_api_key().api_id(&id).id("da2-nope").description("x").send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception(), "{e:?}");
    let (status, _, _) = post(&env, &format!("/graphql/{id}"), &[("x-api-key", &key_id)], INTROSPECT).await;
    assert_eq!(status, 200, "the schema survives an API update");

    c.delete_api_key().api_id(&id).id(&key_id).send().await.unwrap();
    let (status, _, _) = post(&env, &format!("/graphql/{id}"), &[("x-api-key", &key_id)], INTROSPECT).await;
    assert_eq!(status, 401, "a deleted key no longer authorizes");
    c.delete_graphql_api().api_id(&id).send().await.unwrap();
    let gone = c.get_graphql_api().api_id(&id).send().await.unwrap_err().into_service_error();
    assert!(gone.is_not_found_exception(), "{gone:?}");
}

#[tokio::test]
async fn control_plane_bad_paths() {
    let env = TestEnv::start().await;
    let c = env.appsync();
    let e = c.get_graphql_api().api_id("nope").send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception());
    assert_eq!(e.message(), Some("GraphQL API nope not found."));
    let e = c.delete_graphql_api().api_id("nope").send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception());
    let e = c.create_api_key().api_id("nope").send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception());
    let e = c.start_schema_creation().api_id("nope").definition(Blob::new("type Query { a: Int }")).send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception());

    // User pools without a userPoolConfig, in the default or an additional provider.
    let e = c.create_graphql_api().name("x").authentication_type(AuthenticationType::AmazonCognitoUserPools).send().await.unwrap_err().into_service_error();
    assert!(e.is_bad_request_exception(), "{e:?}");
    let extra = AdditionalAuthenticationProvider::builder().authentication_type(AuthenticationType::OpenidConnect).build();
    let e = c.create_graphql_api().name("x").authentication_type(AuthenticationType::ApiKey).additional_authentication_providers(extra).send().await.unwrap_err().into_service_error();
    assert!(e.is_bad_request_exception(), "{e:?}");

    let api = c.create_graphql_api().name("bad").authentication_type(AuthenticationType::ApiKey).send().await.unwrap();
    let id = api.graphql_api().unwrap().api_id().unwrap().to_string();
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    for expires in [now + 400 * 86400, now + 600] {
        let e = c.create_api_key().api_id(&id).expires(expires).send().await.unwrap_err().into_service_error();
        assert!(e.is_api_key_validity_out_of_bounds_exception(), "{expires}: {e:?}");
    }
    let e = c.delete_api_key().api_id(&id).id("da2-missing").send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception());

    // A schema that does not parse: the call is accepted, the status says FAILED.
    c.start_schema_creation().api_id(&id).definition(Blob::new("type Query {")).send().await.unwrap();
    let st = c.get_schema_creation_status().api_id(&id).send().await.unwrap();
    assert_eq!(st.status(), Some(&SchemaStatus::Failed));
    assert!(!st.details().unwrap_or_default().is_empty());
    let e = c.get_introspection_schema().api_id(&id).format(OutputType::Sdl).send().await.unwrap_err().into_service_error();
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = c.start_schema_creation().api_id(&id).definition(Blob::new("")).send().await.unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
}

#[tokio::test]
async fn config_schema_is_served_with_the_fixed_key_and_id() {
    let env = env_with_todo().await;
    for path in ["/graphql", "/graphql/todoapi"] {
        let (status, _, body) = post(&env, path, &[("x-api-key", KEY)], INTROSPECT).await;
        assert_eq!(status, 200, "{path}: {body}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        for t in ["Todo", "ModelTodoConnection", "ModelTodoFilterInput", "AWSDateTime"] {
            assert!(types.iter().any(|x| x["name"] == t), "{path}: {t}");
        }
        assert!(body.get("errors").is_none());
    }
    let (status, _, _) = post(&env, "/graphql", &[("x-api-key", KEY), ("host", "todoapi.appsync-api.localhost")], INTROSPECT).await;
    assert_eq!(status, 200);
    // The control plane lists it under its file name.
    let apis = env.appsync().list_graphql_apis().send().await.unwrap();
    let api = apis.graphql_apis().iter().find(|a| a.api_id() == Some("todoapi")).expect("config API listed");
    assert_eq!(api.name(), Some("todo"));
    let keys = env.appsync().list_api_keys().api_id("todoapi").send().await.unwrap();
    assert!(keys.api_keys().iter().any(|k| k.id() == Some(KEY)));
}

#[tokio::test]
async fn graphql_auth_and_request_errors() {
    let env = env_with_todo().await;
    // Missing and wrong credentials: 401 UnauthorizedException with the error-type header.
    for (headers, message) in [
        (vec![], "Missing authorization header"),
        (vec![("x-api-key", "da2-wrong")], "You are not authorized to make this call."),
        (vec![("authorization", "not-a-jwt")], "Valid authorization header not provided."),
    ] {
        let (status, h, body) = post(&env, "/graphql", &headers, INTROSPECT).await;
        assert_eq!(status, 401, "{headers:?}");
        assert_eq!(h["x-amzn-errortype"], "UnauthorizedException");
        assert_eq!(body, json!({"errors": [{"errorType": "UnauthorizedException", "message": message}]}));
    }
    // Unknown API id.
    let (status, _, body) = post(&env, "/graphql/nosuchapi", &[("x-api-key", KEY)], INTROSPECT).await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["errorType"], "NotFoundException");
    // Malformed bodies: 400.
    for (body, message) in [("", "Request body is empty."), ("{}", "Unable to parse GraphQL query."), ("[1]", "Unable to parse GraphQL query."), ("garbage", "Unable to parse GraphQL query.")] {
        let (status, _, out) = post(&env, "/graphql", &[("x-api-key", KEY)], body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(out["errors"][0]["errorType"], "MalformedHttpRequestException");
        assert_eq!(out["errors"][0]["message"], message);
    }
    // Syntax / validation errors: 200 with errors, locations carry sourceName, no data.
    let (status, _, out) = post(&env, "/graphql", &[("x-api-key", KEY)], r#"{"query":"{ nope }"}"#).await;
    assert_eq!(status, 200);
    assert!(out.get("data").is_none(), "{out}");
    assert_eq!(out["errors"][0]["locations"][0], json!({"line": 1, "column": 3, "sourceName": null}));
    // Bad AWS scalar literal in a nested filter is a validation error.
    let q = json!({"query": "{ listTodos(filter: {createdAt: {eq: 5}}) { items { id } } }"}).to_string();
    let (status, _, out) = post(&env, "/graphql", &[("x-api-key", KEY)], &q).await;
    assert_eq!(status, 200);
    assert!(!out["errors"].as_array().unwrap().is_empty());
    // Variables must be an object.
    let (status, _, _) = post(&env, "/graphql", &[("x-api-key", KEY)], r#"{"query":"{ __typename }","variables":[1]}"#).await;
    assert_eq!(status, 400);
    let (status, _, out) = post(&env, "/graphql", &[("x-api-key", KEY)], r#"{"query":"query Q { __typename }","operationName":"Q","variables":null}"#).await;
    assert_eq!((status, &out), (200, &json!({"data": {"__typename": "Query"}})));
}

#[tokio::test]
async fn expired_api_key_is_rejected() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let env = TestEnv::builder().clock(clock.clone()).start().await;
    let c = env.appsync();
    let api = c.create_graphql_api().name("exp").authentication_type(AuthenticationType::ApiKey).send().await.unwrap();
    let id = api.graphql_api().unwrap().api_id().unwrap().to_string();
    c.start_schema_creation().api_id(&id).definition(Blob::new("type Query { hello: String }")).send().await.unwrap();
    let key = c.create_api_key().api_id(&id).send().await.unwrap().api_key().unwrap().id().unwrap().to_string();
    let (status, _, body) = post(&env, &format!("/graphql/{id}"), &[("x-api-key", &key)], r#"{"query":"{ __typename }"}"#).await;
    assert_eq!((status, body), (200, json!({"data": {"__typename": "Query"}})));
    clock.advance(Duration::from_secs(8 * 86400));
    let (status, _, body) = post(&env, &format!("/graphql/{id}"), &[("x-api-key", &key)], r#"{"query":"{ __typename }"}"#).await;
    assert_eq!(status, 401, "{body}");
}

/// The Todo API with model resolvers on amplocal's DynamoDB (attached as the gateway will).
async fn env_with_data() -> TestEnv {
    let env = env_with_todo().await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    env
}

async fn gql(env: &TestEnv, query: &str, variables: Value) -> Value {
    gql_as(env, &[("x-api-key", KEY)], query, variables).await
}

async fn gql_as(env: &TestEnv, headers: &[(&str, &str)], query: &str, variables: Value) -> Value {
    let body = json!({"query": query, "variables": variables}).to_string();
    let (status, _, out) = post(env, "/graphql", headers, &body).await;
    assert_eq!(status, 200, "{out}");
    out
}

/// `YYYYMMDDTHHMMSSZ` now.
fn amz_date() -> String {
    let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// An AWS_IAM (SigV4, service `appsync`) request from a key amplocal does not know: lenient
/// mode accepts it unverified, which is enough to select the IAM auth mode.
async fn gql_iam(env: &TestEnv, query: &str, variables: Value) -> Value {
    let date = amz_date();
    let auth = format!("AWS4-HMAC-SHA256 Credential=AKIDLOCALADMIN/{}/us-east-1/appsync/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", &date[..8]);
    gql_as(env, &[("authorization", &auth), ("x-amz-date", &date)], query, variables).await
}

#[tokio::test]
async fn model_crud_on_dynamodb_with_fixture_semantics() {
    let env = env_with_data().await;
    let create = "mutation C($i: CreateTodoInput!, $c: ModelTodoConditionInput) { createTodo(input: $i, condition: $c) { id name done priority createdAt updatedAt __typename } }";
    let out = gql(&env, create, json!({"i": {"name": "milk", "priority": 2}})).await;
    let todo = &out["data"]["createTodo"];
    let id = todo["id"].as_str().unwrap().to_string();
    assert_eq!((todo["name"].as_str(), todo["priority"].as_i64(), todo["__typename"].as_str()), (Some("milk"), Some(2), Some("Todo")));
    assert_eq!(todo["createdAt"], todo["updatedAt"]);
    assert!(todo["createdAt"].as_str().unwrap().ends_with('Z'));

    // The table and item are visible through the DynamoDB API, with __typename stored.
    let ddb = env.dynamodb();
    let item = ddb.get_item().table_name("Todo-todoapi-NONE").key("id", aws_sdk_dynamodb::types::AttributeValue::S(id.clone())).send().await.unwrap();
    let item = item.item().unwrap();
    assert_eq!(item["__typename"].as_s().unwrap(), "Todo");
    assert_eq!(item["priority"].as_n().unwrap(), "2");
    let comment = ddb.describe_table().table_name("Comment-todoapi-NONE").send().await.unwrap();
    let gsis: Vec<_> = comment.table().unwrap().global_secondary_indexes().iter().map(|g| g.index_name().unwrap().to_string()).collect();
    assert_eq!(gsis, vec!["byPost".to_string()]);

    // Create with an existing id: attribute_not_exists fails.
    let dup = gql(&env, create, json!({"i": {"id": id, "name": "again"}})).await;
    assert_eq!(dup["data"]["createTodo"], Value::Null, "{dup}");
    assert_eq!(dup["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException");
    assert_eq!(dup["errors"][0]["path"], json!(["createTodo"]), "{dup}");

    // Get, update (SET + REMOVE via null), conditional update failing, delete returns the old item.
    let got = gql(&env, "query G($id: ID!) { getTodo(id: $id) { id name } }", json!({"id": id})).await;
    assert_eq!(got["data"]["getTodo"]["name"], "milk");
    let upd = "mutation U($i: UpdateTodoInput!, $c: ModelTodoConditionInput) { updateTodo(input: $i, condition: $c) { name done priority updatedAt } }";
    let u = gql(&env, upd, json!({"i": {"id": id, "done": true, "priority": null}})).await;
    assert_eq!(u["data"]["updateTodo"]["done"], true);
    assert_eq!(u["data"]["updateTodo"]["priority"], Value::Null);
    let u = gql(&env, upd, json!({"i": {"id": id, "name": "x"}, "c": {"name": {"eq": "not-milk"}}})).await;
    assert_eq!(u["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException");
    let u = gql(&env, upd, json!({"i": {"id": "missing", "name": "x"}})).await;
    assert_eq!(u["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "update requires the item to exist");
    let d = gql(&env, "mutation D($id: ID!) { deleteTodo(input: {id: $id}) { id name done } }", json!({"id": id})).await;
    assert_eq!(d["data"]["deleteTodo"], json!({"id": id, "name": "milk", "done": true}));
    let got = gql(&env, "query G($id: ID!) { getTodo(id: $id) { id } }", json!({"id": id})).await;
    assert_eq!(got, json!({"data": {"getTodo": null}}));
}

mod data_plane;
mod field_auth;
mod auth_modes;
mod conflicts;
mod graphiql;
mod realtime_delivery;
