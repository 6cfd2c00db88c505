//! Models whose only `@auth` rules are on fields, over HTTP and WebSocket, as the Amplify auth
//! transformer's access-control matrix makes the generated resolvers behave
//! (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/customize-authorization-rules/#field-level-authorization-rules>):
//! the field rules are the model's roles — a role reaches get/list/create/update/subscriptions
//! when some field grants it, delete only when every declared field does — sandbox mode does not
//! open such a model to API-key callers, fields without rules read as `Unauthorized` and
//! cannot be written. Denials are AppSync's error shape (`errorType: Unauthorized`, HTTP 200).

use amplocal_tests::TestEnv;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "da2-fieldonlykey";

const SCHEMA: &str = r#"
type Memo @model {
  text: String
  secret: String @auth(rules: [{ allow: owner }, { allow: public, provider: apiKey, operations: [read] }])
}
type Note @model {
  title: String @auth(rules: [{ allow: owner }, { allow: groups, groups: ["Editors"], operations: [read, update] }])
  body: String @auth(rules: [{ allow: owner }])
}
type Open @model {
  text: String
}
"#;

struct Api {
    env: TestEnv,
    _dir: tempfile::TempDir,
    pool: String,
    client: String,
}

/// The schema served in sandbox mode (API key default, user pools + IAM additional), with
/// DynamoDB and Cognito attached and a pool + client to sign users in.
async fn start() -> Api {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fieldonly.graphql");
    std::fs::write(&path, SCHEMA).unwrap();
    let env = TestEnv::builder()
        .services(|s| {
            s.appsync.graphql_schema = vec![path];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["fieldonly".into()];
            s.appsync.graphql_sandbox = true;
        })
        .start()
        .await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    env.state.appsync.attach_cognito(env.state.cognito.clone());
    let idp = env.cognito_idp();
    let pool = idp.create_user_pool().pool_name("fo").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
    let client = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("c")
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap();
    let client = client.user_pool_client().unwrap().client_id().unwrap().to_string();
    Api { env, _dir: dir, pool, client }
}

impl Api {
    /// A pool user in `groups`, signed in: the access token.
    async fn user(&self, username: &str, groups: &[&str]) -> String {
        use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, MessageActionType};
        let idp = self.env.cognito_idp();
        idp.admin_create_user().user_pool_id(&self.pool).username(username).message_action(MessageActionType::Suppress).send().await.unwrap();
        idp.admin_set_user_password().user_pool_id(&self.pool).username(username).password("Passw0rd!long").permanent(true).send().await.unwrap();
        for g in groups {
            let _ = idp.create_group().user_pool_id(&self.pool).group_name(*g).send().await;
            idp.admin_add_user_to_group().user_pool_id(&self.pool).username(username).group_name(*g).send().await.unwrap();
        }
        let auth = idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(&self.client)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", "Passw0rd!long")
            .send()
            .await
            .unwrap();
        auth.authentication_result().unwrap().access_token().unwrap().to_string()
    }

    /// POST /graphql with `header` (`authorization` token or `x-api-key`): always HTTP 200.
    async fn gql(&self, header: (&str, &str), query: &str, variables: Value) -> Value {
        let resp = self.env.http().post(format!("{}/graphql", self.env.endpoint)).header(header.0, header.1).json(&json!({"query": query, "variables": variables})).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.unwrap()
    }
}

/// `out` is `{data: {<field>: null}, errors: [Unauthorized <message>]}`.
fn assert_denied(out: &Value, field: &str, message: &str) {
    assert_eq!(out["data"], json!({ field: null }), "{out}");
    let e = &out["errors"][0];
    assert_eq!((e["errorType"].as_str(), e["message"].as_str()), (Some("Unauthorized"), Some(message)), "{out}");
    assert_eq!(e["path"], json!([field]), "{out}");
}

fn not_authorized(field: &str, type_name: &str) -> String {
    format!("Not Authorized to access {field} on type {type_name}")
}

const CREATE_MEMO: &str = "mutation C($i: CreateMemoInput!) { createMemo(input: $i) { id owner } }";
const GET_MEMO: &str = "query G($id: ID!) { getMemo(id: $id) { id secret owner } }";

#[tokio::test]
async fn field_rules_are_the_roles_of_a_model_without_model_rules() {
    let api = start().await;
    let alice = api.user("alice", &[]).await;
    let bob = api.user("bob", &[]).await;
    let (alice, bob, key) = (("authorization", alice.as_str()), ("authorization", bob.as_str()), ("x-api-key", KEY));

    // Create: the owner role (granted on `secret`) admits a signed-in user and injects the owner.
    let out = api.gql(alice, CREATE_MEMO, json!({"i": {"secret": "s1"}})).await;
    assert!(out.get("errors").is_none(), "{out}");
    assert_eq!(out["data"]["createMemo"]["owner"], "alice");
    let id = out["data"]["createMemo"]["id"].as_str().unwrap().to_string();
    // `text` has no role: writing it is denied, with the transformer's message.
    assert_denied(&api.gql(alice, CREATE_MEMO, json!({"i": {"text": "t", "secret": "s"}})).await, "createMemo", "Unauthorized on [text]");
    // The API key reads `secret` only: no create, even in sandbox mode.
    assert_denied(&api.gql(key, CREATE_MEMO, json!({"i": {"secret": "k"}})).await, "createMemo", &not_authorized("createMemo", "Mutation"));

    // Get: the owner, and the API key (public read on `secret`); another user is denied.
    let mine = api.gql(alice, GET_MEMO, json!({"id": id})).await;
    assert_eq!(mine, json!({"data": {"getMemo": {"id": id, "secret": "s1", "owner": "alice"}}}));
    let public = api.gql(key, "query G($id: ID!) { getMemo(id: $id) { id secret } }", json!({"id": id})).await;
    assert_eq!(public, json!({"data": {"getMemo": {"id": id, "secret": "s1"}}}));
    assert_denied(&api.gql(bob, GET_MEMO, json!({"id": id})).await, "getMemo", &not_authorized("getMemo", "Query"));
    // A declared field without rules reads as Unauthorized for every role (owner included).
    let text = api.gql(alice, "query G($id: ID!) { getMemo(id: $id) { id text } }", json!({"id": id})).await;
    assert_eq!(text["data"], json!({"getMemo": {"id": id, "text": null}}), "{text}");
    assert_eq!(text["errors"][0]["errorType"], "Unauthorized");
    assert_eq!(text["errors"][0]["message"], not_authorized("text", "Memo"));
    assert_eq!(text["errors"][0]["path"], json!(["getMemo", "text"]));

    // List: the owner role filters to the caller's items; the API key sees all.
    let list = "{ listMemos { items { id } } }";
    assert_eq!(api.gql(alice, list, json!({})).await["data"]["listMemos"]["items"], json!([{"id": id}]));
    assert_eq!(api.gql(bob, list, json!({})).await, json!({"data": {"listMemos": {"items": []}}}));
    assert_eq!(api.gql(key, list, json!({})).await["data"]["listMemos"]["items"], json!([{"id": id}]));

    // Update: the owner may write `secret` (and name the item by id), nobody else may.
    let update = "mutation U($i: UpdateMemoInput!) { updateMemo(input: $i) { id secret } }";
    let u = api.gql(alice, update, json!({"i": {"id": id, "secret": "s2"}})).await;
    assert_eq!(u, json!({"data": {"updateMemo": {"id": id, "secret": "s2"}}}));
    assert_denied(&api.gql(alice, update, json!({"i": {"id": id, "text": "x"}})).await, "updateMemo", "Unauthorized on [text]");
    assert_denied(&api.gql(bob, update, json!({"i": {"id": id, "secret": "b"}})).await, "updateMemo", &not_authorized("updateMemo", "Mutation"));
    assert_denied(&api.gql(key, update, json!({"i": {"id": id, "secret": "k"}})).await, "updateMemo", &not_authorized("updateMemo", "Mutation"));

    // Delete needs a role granted delete on every declared field: `text` has none.
    let delete = "mutation D($id: ID!) { deleteMemo(input: {id: $id}) { id } }";
    for who in [alice, bob, key] {
        assert_denied(&api.gql(who, delete, json!({"id": id})).await, "deleteMemo", &not_authorized("deleteMemo", "Mutation"));
    }
    assert_eq!(api.gql(key, GET_MEMO.replace(" owner", "").as_str(), json!({"id": id})).await["data"]["getMemo"]["secret"], "s2", "still there");

    // Contrast: a model without any @auth is open to the API key in sandbox mode, closed to users.
    let open = "mutation { createOpen(input: {text: \"o\"}) { text } }";
    assert_eq!(api.gql(key, open, json!({})).await, json!({"data": {"createOpen": {"text": "o"}}}));
    assert_denied(&api.gql(alice, open, json!({})).await, "createOpen", &not_authorized("createOpen", "Mutation"));
}

#[tokio::test]
async fn a_role_on_every_field_deletes_and_a_field_group_reaches_the_model() {
    let api = start().await;
    let alice = api.user("alice", &[]).await;
    let bob = api.user("bob", &[]).await;
    let eve = api.user("eve", &["Editors"]).await;
    let (alice, bob, eve, key) = (("authorization", alice.as_str()), ("authorization", bob.as_str()), ("authorization", eve.as_str()), ("x-api-key", KEY));

    let create = "mutation C($i: CreateNoteInput!) { createNote(input: $i) { id owner } }";
    let out = api.gql(alice, create, json!({"i": {"title": "t", "body": "b"}})).await;
    assert!(out.get("errors").is_none(), "{out}");
    let id = out["data"]["createNote"]["id"].as_str().unwrap().to_string();
    // No API-key role anywhere on Note: sandbox mode does not open it.
    assert_denied(&api.gql(key, create, json!({"i": {"title": "k"}})).await, "createNote", &not_authorized("createNote", "Mutation"));
    assert_eq!(api.gql(key, "{ listNotes { items { id } } }", json!({})).await["errors"][0]["errorType"], "Unauthorized");

    // Editors (a group only `title` knows) read the item: title yes, body (owner only) no.
    let get = "query G($id: ID!) { getNote(id: $id) { id title body } }";
    let seen = api.gql(eve, get, json!({"id": id})).await;
    assert_eq!(seen["data"], json!({"getNote": {"id": id, "title": "t", "body": null}}), "{seen}");
    assert_eq!(seen["errors"][0]["message"], not_authorized("body", "Note"));
    assert_eq!(seen["errors"][0]["path"], json!(["getNote", "body"]));
    assert_eq!(seen["errors"].as_array().map(Vec::len), Some(1), "{seen}");
    assert_denied(&api.gql(bob, get, json!({"id": id})).await, "getNote", &not_authorized("getNote", "Query"));

    // Editors update title but not body; nor may they create or delete.
    let update = "mutation U($i: UpdateNoteInput!) { updateNote(input: $i) { id title } }";
    assert_eq!(api.gql(eve, update, json!({"i": {"id": id, "title": "edited"}})).await, json!({"data": {"updateNote": {"id": id, "title": "edited"}}}));
    assert_denied(&api.gql(eve, update, json!({"i": {"id": id, "body": "x"}})).await, "updateNote", "Unauthorized on [body]");
    // Any signed-in user creates a note of their own (the owner role grants create).
    let own = api.gql(eve, create, json!({"i": {"title": "e"}})).await;
    assert_eq!(own["data"]["createNote"]["owner"], "eve", "{own}");
    let delete = "mutation D($id: ID!) { deleteNote(input: {id: $id}) { id } }";
    for who in [eve, bob, key] {
        assert_denied(&api.gql(who, delete, json!({"id": id})).await, "deleteNote", &not_authorized("deleteNote", "Mutation"));
    }
    // The owner role is granted delete on every declared field: the owner deletes.
    assert_eq!(api.gql(alice, delete, json!({"id": id})).await, json!({"data": {"deleteNote": {"id": id}}}));
    assert_eq!(api.gql(alice, get, json!({"id": id})).await, json!({"data": {"getNote": null}}));
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A realtime connection authorized with `auth` (header form over the subprotocol), acked.
async fn connect(env: &TestEnv, auth: (&str, &str)) -> (Ws, Value) {
    use base64::Engine;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let header = json!({"host": host, auth.0: auth.1});
    let mut req = format!("{}/graphql/realtime", env.endpoint.replace("http://", "ws://")).into_client_request().unwrap();
    let proto = format!("graphql-ws, header-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string()));
    req.headers_mut().insert("sec-websocket-protocol", proto.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::Text(json!({"type": "connection_init"}).to_string().into())).await.unwrap();
    assert_eq!(recv(&mut ws).await["type"], "connection_ack");
    (ws, header)
}

async fn recv(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message").unwrap().unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ka" {
                return v;
            }
        }
    }
}

async fn start_sub(ws: &mut Ws, header: &Value, id: &str, query: &str) -> Value {
    let payload = json!({"data": json!({"query": query}).to_string(), "extensions": {"authorization": header}});
    ws.send(Message::Text(json!({"id": id, "type": "start", "payload": payload}).to_string().into())).await.unwrap();
    recv(ws).await
}

#[tokio::test]
async fn subscriptions_follow_the_field_roles() {
    let api = start().await;
    let alice_token = api.user("alice", &[]).await;
    let bob_token = api.user("bob", &[]).await;
    let (alice, bob, key) = (("authorization", alice_token.as_str()), ("authorization", bob_token.as_str()), ("x-api-key", KEY));
    let sub = "subscription { onCreateMemo { id secret text } }";
    let (mut a_ws, a_header) = connect(&api.env, alice).await;
    assert_eq!(start_sub(&mut a_ws, &a_header, "a", sub).await, json!({"id": "a", "type": "start_ack"}));
    let (mut b_ws, b_header) = connect(&api.env, bob).await;
    assert_eq!(start_sub(&mut b_ws, &b_header, "b", sub).await, json!({"id": "b", "type": "start_ack"}));
    let (mut k_ws, k_header) = connect(&api.env, key).await;
    assert_eq!(start_sub(&mut k_ws, &k_header, "k", sub).await, json!({"id": "k", "type": "start_ack"}));
    // An owner argument naming someone else is refused.
    let (mut x_ws, x_header) = connect(&api.env, alice).await;
    let err = start_sub(&mut x_ws, &x_header, "x", "subscription { onCreateMemo(owner: \"bob\") { id } }").await;
    assert_eq!((err["type"].as_str(), err["payload"]["errors"][0]["errorType"].as_str()), (Some("error"), Some("Unauthorized")), "{err}");

    // The owner filter reads `owner` from the published payload: the mutation selects it.
    let out = api.gql(alice, "mutation { createMemo(input: {secret: \"s\"}) { id secret text owner } }", json!({})).await;
    let id = out["data"]["createMemo"]["id"].as_str().unwrap().to_string();
    // The owner and the API key (read on secret) receive it, `text` redacted; Bob does not.
    for (ws, sid) in [(&mut a_ws, "a"), (&mut k_ws, "k")] {
        let event = recv(ws).await;
        assert_eq!(event, json!({"id": sid, "type": "data", "payload": {"data": {"onCreateMemo": {"id": id, "secret": "s", "text": null}}}}));
    }
    let out = api.gql(bob, "mutation { createMemo(input: {secret: \"b\"}) { id owner } }", json!({})).await;
    let bobs = out["data"]["createMemo"]["id"].as_str().unwrap().to_string();
    let event = recv(&mut b_ws).await;
    assert_eq!(event["payload"]["data"]["onCreateMemo"]["id"], bobs.as_str(), "Bob's first event is his own item: {event}");
}
