//! The SDL AppSync serves for an Amplify schema, through the real control plane
//! (CreateGraphqlApi → StartSchemaCreation → GetIntrospectionSchema, aws-sdk-rust): the
//! kitchen-sink fixture input comes back with exactly the `@aws_*` directives of the
//! transformer's `schema.graphql` on every type and field; a model field carrying its own
//! `@auth` moves the directives of its type and operations as the Amplify auth transformer's
//! multi-auth tests expect; non-model object types used by a model carry its modes (and an
//! API-key caller can select them); `includeDirectives=false` serves none.

use amplocal_tests::TestEnv;
use aws_sdk_appsync::primitives::Blob;
use aws_sdk_appsync::types::{AdditionalAuthenticationProvider, AuthenticationType, CognitoUserPoolConfig, OutputType, SchemaStatus, UserPoolConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../services/appsync/fixtures").join(rel)).unwrap()
}

/// `type` (or `Type.field`) → its directives, sorted, from SDL printed one definition per line.
fn directives(sdl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let mut current = String::new();
    for line in sdl.lines() {
        let trimmed = line.trim_end().trim_end_matches('{').trim_end();
        let split = |s: &str| -> BTreeSet<String> { s.split(" @").skip(1).map(|d| format!("@{}", d.trim())).collect() };
        if let Some(rest) = ["type ", "input ", "enum "].iter().find_map(|k| trimmed.strip_prefix(k)) {
            current = rest.split(' ').next().unwrap_or_default().to_string();
            out.insert(current.clone(), split(rest));
        } else if line.starts_with("  ") && trimmed.contains(':') && !current.is_empty() {
            let name: String = trimmed.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            // Directives follow the field's type, after the argument list.
            let after_args = match trimmed.find('(') {
                Some(open) if open < trimmed.find(':').unwrap_or(usize::MAX) => &trimmed[trimmed.rfind("):").unwrap_or(open)..],
                _ => trimmed,
            };
            out.insert(format!("{current}.{name}"), split(after_args));
        }
    }
    out
}

async fn serve(env: &TestEnv, default: AuthenticationType, additional: &[AuthenticationType], schema: &str) -> (String, String) {
    let (with, without, _) = serve_api(env, default, additional, schema).await;
    (with, without)
}

async fn serve_api(env: &TestEnv, default: AuthenticationType, additional: &[AuthenticationType], schema: &str) -> (String, String, String) {
    let c = env.appsync();
    let pool = UserPoolConfig::builder().user_pool_id("us-east-1_example").aws_region("us-east-1").default_action(aws_sdk_appsync::types::DefaultAction::Allow).build().unwrap();
    let mut create = c.create_graphql_api().name("sdl").authentication_type(default.clone());
    if default == AuthenticationType::AmazonCognitoUserPools {
        create = create.user_pool_config(pool);
    }
    for a in additional {
        let mut p = AdditionalAuthenticationProvider::builder().authentication_type(a.clone());
        if *a == AuthenticationType::AmazonCognitoUserPools {
            p = p.user_pool_config(CognitoUserPoolConfig::builder().user_pool_id("us-east-1_example").aws_region("us-east-1").build().unwrap());
        }
        create = create.additional_authentication_providers(p.build());
    }
    let id = create.send().await.unwrap().graphql_api().unwrap().api_id().unwrap().to_string();
    c.start_schema_creation().api_id(&id).definition(Blob::new(schema.as_bytes())).send().await.unwrap();
    let status = c.get_schema_creation_status().api_id(&id).send().await.unwrap();
    assert_eq!(status.status(), Some(&SchemaStatus::Success), "{:?}", status.details());
    let get = |with: bool| {
        let c = c.clone();
        let id = id.clone();
        async move {
            let out = c.get_introspection_schema().api_id(&id).format(OutputType::Sdl).include_directives(with).send().await.unwrap();
            String::from_utf8(out.schema().unwrap().as_ref().to_vec()).unwrap()
        }
    };
    (get(true).await, get(false).await, id)
}

#[tokio::test]
async fn kitchen_sink_directives_match_the_fixture_and_field_rules_move_them() {
    use AuthenticationType::{AmazonCognitoUserPools as Pools, ApiKey, AwsIam};
    let env = TestEnv::start().await;

    let (sdl, bare) = serve(&env, Pools, &[ApiKey, AwsIam], &fixture("inputs/schema-kitchen.graphql")).await;
    let (want, got) = (directives(&fixture("gen1-cli-kitchen-sink/schema.graphql")), directives(&sdl));
    assert!(want.values().map(BTreeSet::len).sum::<usize>() > 100, "the parser saw the fixture's directives");
    let differences: Vec<String> = want.iter().filter(|(k, v)| got.get(*k) != Some(v)).map(|(k, v)| format!("{k}: want {v:?}, got {:?}", got.get(k))).collect();
    assert!(differences.is_empty(), "{differences:#?}");
    assert_eq!(got.len(), want.len(), "same definitions and fields");
    assert!(directives(&bare).values().all(BTreeSet::is_empty), "{bare}");
    assert_eq!(directives(&bare).len(), want.len());

    // The transformer's "Field level @auth is propagated to type and the type related operations".
    let field_rules = "type Post @model {\n  id: ID\n  title: String\n  protected: String @auth(rules: [{allow: owner}, {allow: public, operations: [read]}])\n}\n";
    let (sdl, _) = serve(&env, ApiKey, &[Pools], field_rules).await;
    let got = directives(&sdl);
    let set = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<BTreeSet<String>>();
    let both = set(&["@aws_api_key", "@aws_cognito_user_pools"]);
    assert_eq!((&got["Post"], &got["Query.getPost"], &got["Query.listPosts"]), (&both, &both, &both), "{sdl}");
    assert_eq!((&got["Mutation.createPost"], &got["Mutation.updatePost"]), (&set(&["@aws_cognito_user_pools"]), &set(&["@aws_cognito_user_pools"])));
    assert_eq!(got["Mutation.deletePost"], set(&[]), "a role on one field cannot delete");
    assert!(got["Subscription.onCreatePost"].is_superset(&both));
    assert!(got.contains_key("Post.owner"), "the owner field is added: {sdl}");
}

#[tokio::test]
async fn nested_non_model_types_carry_the_models_modes() {
    use AuthenticationType::{AmazonCognitoUserPools as Pools, ApiKey};
    let env = TestEnv::start().await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    let schema = "type Post @model @auth(rules: [{allow: private}, {allow: public}]) {\n  id: ID!\n  title: String!\n  location: Location\n}\ntype Location {\n  name: String\n  address: Address\n}\ntype Address {\n  city: String\n}\n";
    let (sdl, _, id) = serve_api(&env, Pools, &[ApiKey], schema).await;
    let got = directives(&sdl);
    let both: BTreeSet<String> = ["@aws_api_key", "@aws_cognito_user_pools"].iter().map(|s| s.to_string()).collect();
    assert_eq!((&got["Location"], &got["Address"]), (&both, &both), "{sdl}");

    // An API-key caller (not the default mode) may select the nested fields.
    let key = env.appsync().create_api_key().api_id(&id).send().await.unwrap().api_key().unwrap().id().unwrap().to_string();
    let call = |q: &'static str| {
        let body = serde_json::json!({"query": q}).to_string();
        env.http().post(format!("{}/graphql/{id}", env.endpoint)).header("x-api-key", key.clone()).header("content-type", "application/json").body(body).send()
    };
    let created: serde_json::Value = call("mutation { createPost(input: {id: \"p1\", title: \"t\", location: {name: \"home\", address: {city: \"Oslo\"}}}) { id } }").await.unwrap().json().await.unwrap();
    assert!(created.get("errors").is_none(), "{created}");
    let read: serde_json::Value = call("{ getPost(id: \"p1\") { title location { name address { city } } } }").await.unwrap().json().await.unwrap();
    assert_eq!(read, serde_json::json!({"data": {"getPost": {"title": "t", "location": {"name": "home", "address": {"city": "Oslo"}}}}}));
}
