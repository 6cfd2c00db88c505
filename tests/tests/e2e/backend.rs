//! The backend manifest (`amplocal --backend amplocal.toml`): a full manifest provisions every
//! resource kind (checked through the AWS SDKs, a USER_PASSWORD_AUTH sign-in, identity-pool
//! credentials, GraphQL with the fixed key and a DynamoDB Scan); a second start over the same
//! data dir is idempotent and keeps user edits; bad manifests fail with `file:line: key: message`.

use amplocal_tests::backend::BackendServer;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use base64::Engine;
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/backend").join(rel)
}

const POOL: &str = "us-east-1_FullTest01";
const WEB: &str = "fulltestwebclient000000001";
const GUESTS: &str = "us-east-1:6c1b2a9e-0000-4000-8000-0000000000aa";
const API: &str = "fulltestapi000000000000001";
const KEY: &str = "da2-fulltestkey00000000000001";

async fn sign_in(s: &BackendServer, user: &str, password: &str) -> Result<String, String> {
    let out = s
        .cognito_idp()
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|e| format!("{:?}", e.into_service_error()))?;
    Ok(out.authentication_result().and_then(|r| r.id_token()).expect("id token").to_string())
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

async fn graphql(s: &BackendServer, query: &str) -> Value {
    let resp = reqwest::Client::new().post(format!("{}/graphql", s.endpoint)).header("x-api-key", KEY).json(&json!({ "query": query })).send().await.expect("graphql");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

async fn todo_items(s: &BackendServer) -> Vec<Value> {
    let out = s.dynamodb().scan().table_name(format!("Todo-{API}-NONE")).send().await.expect("scan");
    out.items()
        .iter()
        .map(|i| {
            let s = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            json!({"id": s("id"), "content": s("content"), "__typename": s("__typename"), "createdAt": s("createdAt")})
        })
        .collect()
}

#[tokio::test]
async fn full_manifest_provisions_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = BackendServer::start(dir.path(), &fixture("full/amplocal.toml")).await.expect("start");
    let idp = s.cognito_idp();

    // User pool: fixed id, policy, sign-in attributes, MFA, attributes.
    let pool = idp.describe_user_pool().user_pool_id(POOL).send().await.expect("describe pool").user_pool.expect("pool");
    assert_eq!(pool.name(), Some("app"));
    let pp = pool.policies().and_then(|p| p.password_policy()).expect("policy");
    assert_eq!((pp.minimum_length(), pp.require_lowercase(), pp.require_uppercase(), pp.require_numbers(), pp.require_symbols(), pp.temporary_password_validity_days()), (Some(10), true, false, true, true, 3));
    assert_eq!(pool.username_attributes().iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["email"]);
    assert_eq!(pool.auto_verified_attributes().iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["email"]);
    assert_eq!(pool.mfa_configuration().map(|m| m.as_str()), Some("OPTIONAL"));
    let attr = |n: &str| pool.schema_attributes().iter().find(|a| a.name() == Some(n)).cloned();
    assert_eq!(attr("email").and_then(|a| a.required()), Some(true));
    assert_eq!(attr("name").and_then(|a| a.required()), Some(false));
    assert_eq!(attr("custom:team").and_then(|a| a.attribute_data_type().map(|t| t.as_str().to_string())).as_deref(), Some("String"));

    // Groups.
    let groups = idp.list_groups().user_pool_id(POOL).send().await.expect("groups");
    let g: Vec<_> = groups.groups().iter().map(|g| (g.group_name().unwrap_or_default(), g.description(), g.precedence())).collect();
    assert_eq!(g, [("admins", Some("Administrators"), Some(1)), ("editors", None, Some(5))]);

    // Clients: the fixed web client and the server client with a secret.
    let clients = idp.list_user_pool_clients().user_pool_id(POOL).send().await.expect("clients");
    assert_eq!(clients.user_pool_clients().len(), 2);
    let web = idp.describe_user_pool_client().user_pool_id(POOL).client_id(WEB).send().await.expect("web").user_pool_client.expect("client");
    assert_eq!(web.client_name(), Some("web"));
    assert_eq!(web.explicit_auth_flows().iter().map(|f| f.as_str()).collect::<Vec<_>>(), ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    assert_eq!(web.prevent_user_existence_errors().map(|p| p.as_str()), Some("ENABLED"));
    assert!(web.client_secret().is_none());
    let server_id = clients.user_pool_clients().iter().find(|c| c.client_name() == Some("server")).and_then(|c| c.client_id()).expect("server client").to_string();
    let server = idp.describe_user_pool_client().user_pool_id(POOL).client_id(&server_id).send().await.expect("server").user_pool_client.expect("client");
    assert_eq!(server.client_secret().map(str::len), Some(52));

    // Seed users: CONFIRMED, sign in with USER_PASSWORD_AUTH, groups in the token.
    let token = sign_in(&s, "alice@example.com", "alice-pass-1!").await.expect("alice signs in");
    let c = claims(&token);
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(c["custom:team"], "red");
    assert_eq!(c["cognito:groups"], json!(["admins", "editors"]));
    let bob = idp.admin_get_user().user_pool_id(POOL).username("bob@example.com").send().await.expect("bob");
    assert_eq!(bob.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    let bob_groups = idp.admin_list_groups_for_user().user_pool_id(POOL).username("bob@example.com").send().await.expect("bob groups");
    assert!(bob_groups.groups().is_empty());
    assert!(sign_in(&s, "bob@example.com", "wrong-pass-1!").await.unwrap_err().contains("NotAuthorizedException"));

    // Identity pools: guests allowed on one, not on the other; providers and roles.
    let ci = s.cognito_identity();
    let guests = ci.describe_identity_pool().identity_pool_id(GUESTS).send().await.expect("guests");
    assert!(guests.allow_unauthenticated_identities());
    assert_eq!(guests.cognito_identity_providers()[0].provider_name(), Some(format!("cognito-idp.us-east-1.amazonaws.com/{POOL}").as_str()));
    assert_eq!(guests.cognito_identity_providers()[0].client_id(), Some(WEB));
    let guest = ci.get_id().identity_pool_id(GUESTS).send().await.expect("guest id").identity_id.expect("id");
    let creds = ci.get_credentials_for_identity().identity_id(&guest).send().await.expect("guest credentials");
    assert!(creds.credentials().and_then(|c| c.access_key_id()).is_some());
    let members = ci.list_identity_pools().max_results(10).send().await.expect("list").identity_pools().iter().find(|p| p.identity_pool_name() == Some("members")).and_then(|p| p.identity_pool_id()).expect("members").to_string();
    let no_guest = ci.get_id().identity_pool_id(&members).send().await.expect_err("guests off");
    assert_eq!(no_guest.into_service_error().meta().code(), Some("NotAuthorizedException"));
    let login = format!("cognito-idp.us-east-1.amazonaws.com/{POOL}");
    let member = ci.get_id().identity_pool_id(&members).logins(&login, &token).send().await.expect("member id").identity_id.expect("id");
    ci.get_credentials_for_identity().identity_id(&member).logins(&login, &token).send().await.expect("member credentials");
    let roles = ci.get_identity_pool_roles().identity_pool_id(&members).send().await.expect("roles");
    assert_eq!(roles.roles().and_then(|r| r.get("authenticated")).map(String::as_str), Some("arn:aws:iam::000000000000:role/members-auth"));
    assert_eq!(roles.roles().and_then(|r| r.get("unauthenticated")).map(String::as_str), Some("arn:aws:iam::000000000000:role/amplocal-members-unauthenticated"));

    // Buckets and CORS.
    let s3 = s.s3();
    let cors = s3.get_bucket_cors().bucket("full-test-files").send().await.expect("cors");
    let rule = &cors.cors_rules()[0];
    assert_eq!(rule.allowed_origins(), ["http://localhost:4200"]);
    assert_eq!(rule.allowed_methods(), ["GET", "PUT"]);
    assert_eq!(rule.allowed_headers(), ["*"]);
    assert_eq!(rule.expose_headers(), ["ETag"]);
    assert_eq!(rule.max_age_seconds(), Some(600));
    let none = s3.get_bucket_cors().bucket("full-test-plain").send().await.expect_err("no cors");
    assert_eq!(none.into_service_error().meta().code(), Some("NoSuchCORSConfiguration"));

    // GraphQL API: fixed id, auth modes, fixed key; seed items through GraphQL and DynamoDB.
    let api = s.appsync().get_graphql_api().api_id(API).send().await.expect("api").graphql_api.expect("api");
    assert_eq!(api.authentication_type().map(|a| a.as_str()), Some("AMAZON_COGNITO_USER_POOLS"));
    let extra: Vec<_> = api.additional_authentication_providers().iter().filter_map(|p| p.authentication_type().map(|a| a.as_str().to_string())).collect();
    assert_eq!(extra, ["AWS_IAM", "API_KEY"]);
    assert_eq!(api.user_pool_config().map(|c| c.user_pool_id()), Some(POOL));
    let keys = s.appsync().list_api_keys().api_id(API).send().await.expect("keys");
    assert_eq!(keys.api_keys().iter().filter_map(|k| k.id()).collect::<Vec<_>>(), [KEY]);
    let todos = graphql(&s, "{ listTodos { items { id content done } } }").await;
    let mut contents: Vec<String> = todos["data"]["listTodos"]["items"].as_array().expect("items").iter().map(|i| i["content"].as_str().unwrap_or_default().to_string()).collect();
    contents.sort();
    assert_eq!(contents, ["Derived id one", "Derived id two", "Fixed id"], "{todos}");
    let notes = graphql(&s, "{ listNotes { items { text pinned } } }").await;
    assert_eq!(notes["data"]["listNotes"]["items"].as_array().map(Vec::len), Some(2), "{notes}");
    let items = todo_items(&s).await;
    assert_eq!(items.len(), 3);
    assert!(items.iter().any(|i| i["id"] == "todo-fixed-1"));
    assert!(items.iter().all(|i| i["__typename"] == "Todo" && i["createdAt"].as_str().is_some_and(|c| c.ends_with('Z'))), "{items:?}");

    // What amplify_outputs.json is rendered from.
    let p = &s.provisioned;
    let auth = p.auth.as_ref().expect("auth");
    assert_eq!((auth.user_pool_id.as_str(), auth.client_id.as_str(), auth.identity_pool_id.as_deref()), (POOL, WEB, Some(GUESTS)));
    assert!(auth.allow_unauthenticated);
    assert_eq!(auth.groups, [("admins".to_string(), Some(1)), ("editors".to_string(), Some(5))]);
    assert_eq!(auth.required_attributes, ["email"]);
    let data = p.data.as_ref().expect("data");
    assert_eq!((data.api_id.as_str(), data.url.as_str(), data.api_key.as_deref()), (API, "https://localhost:4566/graphql", Some(KEY)));
    assert!(data.model_introspection["models"]["Todo"]["fields"]["content"].is_object(), "{}", data.model_introspection);
    assert_eq!(p.storage.as_ref().map(|s| s.bucket.as_str()), Some("full-test-files"));
    s.stop().await;
}

#[tokio::test]
async fn second_start_is_idempotent_and_keeps_user_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixture("full/amplocal.toml");
    let first = BackendServer::start(dir.path(), &manifest).await.expect("first start");
    let ddb = first.dynamodb();
    let table = format!("Todo-{API}-NONE");
    ddb.update_item()
        .table_name(&table)
        .key("id", aws_sdk_dynamodb::types::AttributeValue::S("todo-fixed-1".into()))
        .update_expression("SET content = :c")
        .expression_attribute_values(":c", aws_sdk_dynamodb::types::AttributeValue::S("edited by the user".into()))
        .send()
        .await
        .expect("edit seed item");
    first.cognito_idp().admin_set_user_password().user_pool_id(POOL).username("bob@example.com").password("bob-new-pass-2!").permanent(true).send().await.expect("bob changes password");
    let before = (first.provisioned.auth.clone().expect("auth"), first.provisioned.data.clone().expect("data"));
    let ids_before: Vec<String> = todo_items(&first).await.iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect();
    first.stop().await;

    let second = BackendServer::start(dir.path(), &manifest).await.expect("second start");
    let after = (second.provisioned.auth.clone().expect("auth"), second.provisioned.data.clone().expect("data"));
    assert_eq!((&after.0.user_pool_id, &after.0.client_id, &after.0.identity_pool_id), (&before.0.user_pool_id, &before.0.client_id, &before.0.identity_pool_id));
    assert_eq!((&after.1.api_id, &after.1.api_key), (&before.1.api_id, &before.1.api_key));
    let idp = second.cognito_idp();
    assert_eq!(idp.list_user_pools().max_results(60).send().await.expect("pools").user_pools().len(), 1);
    assert_eq!(idp.list_user_pool_clients().user_pool_id(POOL).send().await.expect("clients").user_pool_clients().len(), 2);
    assert_eq!(idp.list_groups().user_pool_id(POOL).send().await.expect("groups").groups().len(), 2);
    assert_eq!(idp.list_users().user_pool_id(POOL).send().await.expect("users").users().len(), 2);
    assert_eq!(second.cognito_identity().list_identity_pools().max_results(60).send().await.expect("identity pools").identity_pools().len(), 2);
    assert_eq!(second.s3().list_buckets().send().await.expect("buckets").buckets().len(), 2);
    assert_eq!(second.appsync().list_graphql_apis().send().await.expect("apis").graphql_apis().len(), 1);
    assert_eq!(second.appsync().list_api_keys().api_id(API).send().await.expect("keys").api_keys().len(), 1);
    let items = todo_items(&second).await;
    let mut ids: Vec<String> = items.iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect();
    ids.sort();
    let mut ids_before = ids_before;
    ids_before.sort();
    assert_eq!(ids, ids_before, "seed items neither duplicated nor re-keyed");
    assert_eq!(items.iter().find(|i| i["id"] == "todo-fixed-1").map(|i| i["content"].clone()), Some(json!("edited by the user")));
    assert!(sign_in(&second, "bob@example.com", "bob-new-pass-2!").await.is_ok(), "seed user password not reset");
    assert!(sign_in(&second, "bob@example.com", "bob-pass-1!").await.unwrap_err().contains("NotAuthorizedException"));
    assert!(sign_in(&second, "alice@example.com", "alice-pass-1!").await.is_ok());
    second.stop().await;
}

/// A copy of the full fixture with `edits` (old, new) applied to its manifest.
fn edited_copy(dir: &std::path::Path, edits: &[(&str, &str)]) -> PathBuf {
    let src = fixture("full");
    std::fs::create_dir_all(dir.join("seed")).expect("mkdir");
    for f in ["schema.graphql", "seed/todos.json"] {
        std::fs::copy(src.join(f), dir.join(f)).expect("copy");
    }
    let mut text = std::fs::read_to_string(src.join("amplocal.toml")).expect("read");
    for (old, new) in edits {
        assert!(text.contains(old), "{old}");
        text = text.replacen(old, new, 1);
    }
    let path = dir.join("amplocal.toml");
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test]
async fn changed_manifest_updates_resources_in_place() {
    let data = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let first = BackendServer::start(data.path(), &fixture("full/amplocal.toml")).await.expect("first start");
    first.stop().await;
    let edited = edited_copy(
        files.path(),
        &[
            ("minimum_length = 10", "minimum_length = 12"),
            ("name = \"editors\"\nprecedence = 5", "name = \"editors\"\ndescription = \"Editors\"\nprecedence = 7"),
            ("\"ALLOW_USER_SRP_AUTH\", \"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_REFRESH_TOKEN_AUTH\"]", "\"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_REFRESH_TOKEN_AUTH\"]"),
            ("allow_unauthenticated = true", "allow_unauthenticated = false"),
            ("allowed_methods = [\"GET\", \"PUT\"]", "allowed_methods = [\"GET\"]"),
            ("name = \"custom:team\"", "name = \"custom:level\""),
        ],
    );
    let s = BackendServer::start(data.path(), &edited).await.expect("start with the edited manifest");
    let idp = s.cognito_idp();
    let pool = idp.describe_user_pool().user_pool_id(POOL).send().await.expect("pool").user_pool.expect("pool");
    assert_eq!(pool.policies().and_then(|p| p.password_policy()).and_then(|p| p.minimum_length()), Some(12));
    let names: Vec<_> = pool.schema_attributes().iter().filter_map(|a| a.name()).filter(|n| n.starts_with("custom:")).collect();
    assert_eq!(names, ["custom:team", "custom:level"], "custom attributes are only ever added, as in Cognito");
    let editors = idp.get_group().user_pool_id(POOL).group_name("editors").send().await.expect("group").group.expect("group");
    assert_eq!((editors.description(), editors.precedence()), (Some("Editors"), Some(7)));
    let web = idp.describe_user_pool_client().user_pool_id(POOL).client_id(WEB).send().await.expect("web").user_pool_client.expect("client");
    assert_eq!(web.explicit_auth_flows().iter().map(|f| f.as_str()).collect::<Vec<_>>(), ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    assert_eq!(idp.list_user_pool_clients().user_pool_id(POOL).send().await.expect("clients").user_pool_clients().len(), 2);
    let guests = s.cognito_identity().describe_identity_pool().identity_pool_id(GUESTS).send().await.expect("guests");
    assert!(!guests.allow_unauthenticated_identities());
    let err = s.cognito_identity().get_id().identity_pool_id(GUESTS).send().await.expect_err("guests now off");
    assert_eq!(err.into_service_error().meta().code(), Some("NotAuthorizedException"));
    let cors = s.s3().get_bucket_cors().bucket("full-test-files").send().await.expect("cors");
    assert_eq!(cors.cors_rules()[0].allowed_methods(), ["GET"]);
    s.stop().await;
}

#[tokio::test]
async fn bad_manifests_name_file_line_and_key() {
    let cases = [
        ("unknown-key.toml", "5: user_pool[0].client[0].secrett: unknown key (expected one of: auth_flows, id, name, secret)"),
        ("wrong-type.toml", "4: user_pool[0].password_policy.minimum_length: expected an integer, found a string"),
        ("bad-client-id.toml", "5: user_pool[0].client[0].id: must be 26 characters of [a-z0-9]"),
        ("bad-pool-id.toml", "4: user_pool[0].id: must be us-east-1_ followed by letters and digits (e.g. us-east-1_Abc123)"),
        ("dotdot.toml", "3: graphql_api[0].schema: \"../full/schema.graphql\" must be a relative path inside the manifest's directory (no .., no absolute path)"),
        ("undefined-pool.toml", "8: identity_pool[0].providers[0].user_pool: no user_pool named \"ap\""),
        ("undefined-api-pool.toml", "5: graphql_api[0].user_pool: no user_pool named \"missing\""),
        ("missing-key.toml", "3: bucket[0].name: missing required key"),
        ("conflict-mixed.toml", "6: graphql_api[1].conflict_detection: must be the same on every graphql_api (amplocal applies conflict detection to the whole AppSync service)"),
    ];
    for (file, want) in cases {
        let path = fixture(&format!("bad/{file}"));
        let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &path).await.err().expect(file);
        assert_eq!(err, format!("{}:{want}", path.display()));
    }
    let missing = fixture("bad/missing-schema.toml");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &missing).await.err().expect("missing schema");
    assert_eq!(err, format!("{}:3: graphql_api[0].schema: cannot read {}: file not found", missing.display(), fixture("bad/nowhere.graphql").display()));
    // A symlink inside the directory may not lead out of it.
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = fixture("full/schema.graphql");
    std::os::unix::fs::symlink(&outside, dir.path().join("schema.graphql")).expect("symlink");
    let linked = dir.path().join("amplocal.toml");
    std::fs::write(&linked, "[[graphql_api]]\nname = \"api\"\nschema = \"schema.graphql\"\n").expect("write");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &linked).await.err().expect("symlink escape");
    let real = std::fs::canonicalize(&outside).expect("canonical");
    assert_eq!(err, format!("{}:3: graphql_api[0].schema: \"schema.graphql\" resolves to {}, outside the manifest's directory", linked.display(), real.display()));
    // Two resources may not claim the same fixed id.
    let dup = dir.path().join("dup.toml");
    std::fs::write(&dup, "[[user_pool]]\nname = \"a\"\nid = \"us-east-1_Same1\"\n\n[[user_pool]]\nname = \"b\"\nid = \"us-east-1_Same1\"\n").expect("write");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &dup).await.err().expect("duplicate id");
    assert_eq!(err, format!("{}:5: user_pool[1]: duplicate user_pool id \"us-east-1_Same1\"", dup.display()));
    let syntax = fixture("bad/syntax.toml");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &syntax).await.err().expect("syntax");
    assert!(err.starts_with(&format!("{}:2: invalid TOML: ", syntax.display())), "{err}");
}

#[tokio::test]
async fn provisioning_errors_name_the_manifest_entry() {
    let weak = fixture("bad/weak-password.toml");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &weak).await.err().expect("weak password");
    assert_eq!(err, format!("{}:4: user_pool[0].user[0]: Password did not conform with policy: Password not long enough", weak.display()));
    let model = fixture("bad/unknown-model.toml");
    let err = BackendServer::start(tempfile::tempdir().expect("tempdir").path(), &model).await.err().expect("unknown model");
    assert_eq!(err, format!("{}:4: graphql_api[0].seed[0].model: no @model type named Todos in the schema", model.display()));
}

#[tokio::test]
async fn conflict_detection_seeds_versioned_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = BackendServer::start(dir.path(), &fixture("datastore/amplocal.toml")).await.expect("start");
    let out = s.dynamodb().scan().table_name("Todo-datastoreapi00000000000001-NONE").send().await.expect("scan");
    let item = &out.items()[0];
    assert_eq!(item.get("_version").and_then(|v| v.as_n().ok()).map(String::as_str), Some("1"));
    assert!(item.get("_lastChangedAt").and_then(|v| v.as_n().ok()).is_some());
    let resp: Value = reqwest::Client::new()
        .post(format!("{}/graphql", s.endpoint))
        .header("x-api-key", "da2-datastorekey000000000001")
        .json(&json!({ "query": "{ syncTodos { items { id content _version _deleted } } }" }))
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("json");
    assert_eq!(resp["data"]["syncTodos"]["items"], json!([{"id": "t1", "content": "versioned", "_version": 1, "_deleted": null}]), "{resp}");
    s.stop().await;
}

#[tokio::test]
async fn a_fixed_client_id_follows_its_pool_to_a_new_pool_id() {
    let data = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    BackendServer::start(data.path(), &fixture("full/amplocal.toml")).await.expect("first start").stop().await;
    let moved = edited_copy(files.path(), &[("id = \"us-east-1_FullTest01\"", "id = \"us-east-1_FullTest02\"")]);
    let s = BackendServer::start(data.path(), &moved).await.expect("start with the new pool id");
    let idp = s.cognito_idp();
    let web = idp.describe_user_pool_client().user_pool_id("us-east-1_FullTest02").client_id(WEB).send().await.expect("web in the new pool");
    assert_eq!(web.user_pool_client().and_then(|c| c.client_name()), Some("web"));
    assert!(idp.list_user_pool_clients().user_pool_id(POOL).send().await.expect("old pool").user_pool_clients().iter().all(|c| c.client_id() != Some(WEB)));
    let ok = idp
        .initiate_auth()
        .client_id(WEB)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice@example.com")
        .auth_parameters("PASSWORD", "alice-pass-1!")
        .send()
        .await
        .expect("alice signs in to the new pool");
    let token = ok.authentication_result().and_then(|r| r.id_token()).expect("id token");
    assert!(claims(token)["iss"].as_str().is_some_and(|i| i.ends_with("/us-east-1_FullTest02")));
    s.stop().await;
}
