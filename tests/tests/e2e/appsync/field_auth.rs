//! Field-level `@auth` end to end: protected fields read as null + `Unauthorized` at their path
//! over HTTP, and are redacted (null) in each subscriber's payload, mutations writing a field the caller's
//! roles do not cover fail with `Unauthorized on [...]`, and an owner without `delete` cannot
//! null fields (the kitchen-sink fixture's update auth).

use super::data_plane::realtime::{connect, recv, send};
use super::data_plane::sign_in;
use super::*;

const SCHEMA: &str = r#"
type Profile @model @auth(rules: [
  { allow: owner, operations: [create, read, update] },
  { allow: private, operations: [read] },
  { allow: public, provider: apiKey, operations: [read] }
]) {
  id: ID!
  name: String
  owner: String
  salary: Int @auth(rules: [{ allow: owner }, { allow: groups, groups: ["HR"] }])
  notes: String @auth(rules: [{ allow: owner, operations: [read] }])
}
"#;

/// An API from SCHEMA with DynamoDB and Cognito attached, and a pool with a client.
pub(super) async fn env_with_schema(schema: &str, extra: impl FnOnce(&mut amplocal::config::ServiceConfigs)) -> (TestEnv, tempfile::TempDir, String, String) {
    use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.graphql");
    std::fs::write(&path, schema).unwrap();
    let env = TestEnv::builder()
        .services(|s| {
            s.appsync.graphql_schema = vec![path];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["profiles".into()];
            extra(s);
        })
        .start()
        .await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    env.state.appsync.attach_cognito(env.state.cognito.clone());
    let idp = env.cognito_idp();
    let pool = idp.create_user_pool().pool_name("fa").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
    let client = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).send().await.unwrap();
    let client = client.user_pool_client().unwrap().client_id().unwrap().to_string();
    (env, dir, pool, client)
}

/// A pool user in `groups`, signed in: the access token.
pub(super) async fn sign_in_with_groups(env: &TestEnv, pool: &str, client: &str, username: &str, groups: &[&str]) -> String {
    use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, MessageActionType};
    let idp = env.cognito_idp();
    idp.admin_create_user().user_pool_id(pool).username(username).message_action(MessageActionType::Suppress).send().await.unwrap();
    idp.admin_set_user_password().user_pool_id(pool).username(username).password("Passw0rd!long").permanent(true).send().await.unwrap();
    for g in groups {
        let _ = idp.create_group().user_pool_id(pool).group_name(*g).send().await;
        idp.admin_add_user_to_group().user_pool_id(pool).username(username).group_name(*g).send().await.unwrap();
    }
    let auth = idp.initiate_auth().auth_flow(AuthFlowType::UserPasswordAuth).client_id(client).auth_parameters("USERNAME", username).auth_parameters("PASSWORD", "Passw0rd!long").send().await.unwrap();
    auth.authentication_result().unwrap().access_token().unwrap().to_string()
}

#[tokio::test]
async fn protected_fields_on_reads_writes_and_subscriptions() {
    let (env, _dir, pool, client) = env_with_schema(SCHEMA, |_| {}).await;
    let (alice, _, _) = sign_in(&env, &pool, &client, "alice").await;
    let (bob, _, _) = sign_in(&env, &pool, &client, "bob").await;
    let hana = sign_in_with_groups(&env, &pool, &client, "hana", &["HR"]).await;

    // Bob subscribes before Alice writes: his copy of the payload has salary redacted.
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let mut ws = connect(&env, json!({"host": host, "Authorization": bob}), true).await.unwrap();
    send(&mut ws, json!({"type": "connection_init"})).await;
    recv(&mut ws).await;
    let sub = json!({"query": "subscription { onCreateProfile { name salary } }"}).to_string();
    send(&mut ws, json!({"id": "b", "type": "start", "payload": {"data": sub, "extensions": {"authorization": {"host": host, "Authorization": bob}}}})).await;
    assert_eq!(recv(&mut ws).await, json!({"id": "b", "type": "start_ack"}));

    // Create: Alice may set salary (owner rule on the field) but not notes (owner: read only).
    let create = "mutation C($i: CreateProfileInput!) { createProfile(input: $i) { id name salary owner } }";
    let denied = gql_as(&env, &[("authorization", &alice)], create, json!({"i": {"name": "a", "notes": "n"}})).await;
    assert_eq!(denied["data"], json!({"createProfile": null}), "{denied}");
    assert_eq!(denied["errors"][0]["errorType"], "Unauthorized");
    assert_eq!(denied["errors"][0]["message"], "Unauthorized on [notes]");
    let out = gql_as(&env, &[("authorization", &alice)], create, json!({"i": {"name": "a", "salary": 100}})).await;
    assert_eq!(out["data"]["createProfile"]["salary"], 100, "{out}");
    assert!(out.get("errors").is_none(), "{out}");
    let id = out["data"]["createProfile"]["id"].as_str().unwrap().to_string();

    let event = recv(&mut ws).await;
    // Subscription payloads are redacted: null without an error.
    assert_eq!(event["payload"], json!({"data": {"onCreateProfile": {"name": "a", "salary": null}}}), "{event}");

    // Reads: the owner and the HR group see salary; Bob and the API key get null + Unauthorized at the path.
    let get = "query G($id: ID!) { getProfile(id: $id) { name salary } }";
    for token in [&alice, &hana] {
        let mine = gql_as(&env, &[("authorization", token)], get, json!({"id": id})).await;
        assert_eq!(mine, json!({"data": {"getProfile": {"name": "a", "salary": 100}}}));
    }
    for headers in [vec![("authorization", bob.as_str())], vec![("x-api-key", KEY)]] {
        let theirs = gql_as(&env, &headers, get, json!({"id": id})).await;
        assert_eq!(theirs["data"], json!({"getProfile": {"name": "a", "salary": null}}), "{theirs}");
        let e = &theirs["errors"][0];
        assert_eq!((e["errorType"].as_str(), e["message"].as_str()), (Some("Unauthorized"), Some("Not Authorized to access salary on type Profile")));
        assert_eq!(e["path"], json!(["getProfile", "salary"]));
    }
    let list = gql_as(&env, &[("authorization", &bob)], "{ listProfiles { items { name salary } } }", json!({})).await;
    assert_eq!(list["data"]["listProfiles"]["items"], json!([{"name": "a", "salary": null}]));
    assert_eq!(list["errors"][0]["path"], json!(["listProfiles", "items", 0, "salary"]));

    // Updates: notes is denied; nulling a field needs delete, which the owner rule lacks.
    let update = "mutation U($i: UpdateProfileInput!) { updateProfile(input: $i) { name salary } }";
    let u = gql_as(&env, &[("authorization", &alice)], update, json!({"i": {"id": id, "notes": "x", "salary": 5}})).await;
    assert_eq!(u["errors"][0]["message"], "Unauthorized on [notes]", "{u}");
    let u = gql_as(&env, &[("authorization", &alice)], update, json!({"i": {"id": id, "name": null}})).await;
    assert_eq!(u["errors"][0]["message"], "Unauthorized on [name]", "{u}");
    let u = gql_as(&env, &[("authorization", &alice)], update, json!({"i": {"id": id, "salary": 5}})).await;
    assert_eq!(u, json!({"data": {"updateProfile": {"name": "a", "salary": 5}}}));
    // Bob has no update role at all: the model-level denial.
    let u = gql_as(&env, &[("authorization", &bob)], update, json!({"i": {"id": id, "salary": 1}})).await;
    assert_eq!(u["errors"][0]["message"], "Not Authorized to access updateProfile on type Mutation", "{u}");
    // The stored value is unchanged by the denied writes.
    let mine = gql_as(&env, &[("authorization", &alice)], get, json!({"id": id})).await;
    assert_eq!(mine["data"]["getProfile"]["salary"], 5);
}

/// The kitchen-sink fixture's `updateProject` auth: the owner rule (no `delete`) may write
/// every field but null none; dynamic-group editors and the static Admin group may null them.
#[tokio::test]
async fn kitchen_sink_update_auth_nulls_need_delete() {
    let schema = std::fs::read_to_string(schema_path("kitchen-sink.graphql")).unwrap();
    let (env, _dir, pool, client) = env_with_schema(&schema, |_| {}).await;
    let alice = sign_in_with_groups(&env, &pool, &client, "alice", &[]).await;
    let eve = sign_in_with_groups(&env, &pool, &client, "eve", &["Eds"]).await;
    let root = sign_in_with_groups(&env, &pool, &client, "root", &["Admin"]).await;
    let bob = sign_in_with_groups(&env, &pool, &client, "bob", &[]).await;
    let created = gql_as(&env, &[("authorization", &alice)], "mutation { createProject(input: {name: \"p\", status: OPEN, editors: [\"Eds\"]}) { id owners } }", json!({})).await;
    assert_eq!(created["data"]["createProject"]["owners"], json!(["alice"]), "{created}");
    let id = created["data"]["createProject"]["id"].as_str().unwrap().to_string();
    let update = "mutation U($i: UpdateProjectInput!) { updateProject(input: $i) { status priority } }";
    let cases = [
        (&alice, json!({"id": id, "status": null}), Some("Unauthorized on [status]")),
        (&alice, json!({"id": id, "priority": 2}), None),
        (&eve, json!({"id": id, "status": null}), None),
        (&root, json!({"id": id, "priority": null}), None),
        (&bob, json!({"id": id, "priority": 3}), Some("Not Authorized to access updateProject on type Mutation")),
    ];
    for (token, input, error) in cases {
        let out = gql_as(&env, &[("authorization", token)], update, json!({"i": input})).await;
        match error {
            Some(m) => {
                assert_eq!(out["data"], json!({"updateProject": null}), "{input}: {out}");
                assert_eq!((out["errors"][0]["errorType"].as_str(), out["errors"][0]["message"].as_str()), (Some("Unauthorized"), Some(m)), "{input}");
            }
            None => assert!(out.get("errors").is_none(), "{input}: {out}"),
        }
    }
    let got = gql_as(&env, &[("authorization", &root)], "query G($id: ID!) { getProject(id: $id) { status priority } }", json!({"id": id})).await;
    assert_eq!(got["data"]["getProject"], json!({"status": null, "priority": null}));
}
