//! The `/_amplocal/graphql` explorer: the offline page (per API), its API and user listings,
//! and the local token minter (tokens for an existing pool user that work on `/graphql`;
//! unknown pools and users refused).

use super::*;

async fn get(env: &TestEnv, path: &str) -> (u16, String, String) {
    let resp = env.http().get(format!("{}{path}", env.endpoint)).send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

async fn mint(env: &TestEnv, body: Value) -> (u16, Value) {
    let resp = env.http().post(format!("{}/_amplocal/graphql/token", env.endpoint)).body(body.to_string()).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn explorer_page_listings_and_token_minting() {
    use aws_sdk_cognitoidentityprovider::types::MessageActionType;
    let env = env_with_data().await;
    env.state.appsync.attach_cognito(env.state.cognito.clone());

    // The page: HTML, self-contained (no external scripts or styles), naming the chosen API.
    let (status, ct, html) = get(&env, "/_amplocal/graphql?api=todoapi").await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains(r#"const requestedApi = "todoapi";"#), "the API id is embedded");
    assert!(html.contains("/graphql/realtime") || html.contains("/realtime\""), "subscriptions use the realtime socket");
    assert!(!html.contains("<script src") && !html.contains("<link") && !html.contains("https://"), "no CDN: works offline");
    let (_, _, escaped) = get(&env, "/_amplocal/graphql?api=%22%3Cscript%3E").await;
    assert!(escaped.contains("&quot;&lt;script&gt;") && !escaped.contains("\"<script>"), "the api parameter is escaped");
    let (status, _, _) = get(&env, "/_amplocal/graphql/nope").await;
    assert_eq!(status, 404);

    let (_, ct, apis) = get(&env, "/_amplocal/graphql/apis").await;
    assert_eq!(ct, "application/json");
    let apis: Value = serde_json::from_str(&apis).unwrap();
    let todo = apis["apis"].as_array().unwrap().iter().find(|a| a["apiId"] == "todoapi").expect("listed");
    assert_eq!(todo["apiKeys"], json!([KEY]));
    assert_eq!(todo["modes"][0], "API_KEY");

    // A pool with a client and a user (no password needed to mint).
    let idp = env.cognito_idp();
    let pool = idp.create_user_pool().pool_name("explorer").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
    idp.create_user_pool_client().user_pool_id(&pool).client_name("web").send().await.unwrap();
    idp.admin_create_user().user_pool_id(&pool).username("alice").message_action(MessageActionType::Suppress).send().await.unwrap();
    let (_, _, users) = get(&env, "/_amplocal/graphql/users").await;
    let users: Value = serde_json::from_str(&users).unwrap();
    let listed = users["pools"].as_array().unwrap().iter().find(|p| p["id"] == pool.as_str()).expect("pool listed");
    assert_eq!((listed["name"].as_str(), &listed["users"]), (Some("explorer"), &json!(["alice"])));

    let (status, tokens) = mint(&env, json!({"pool": pool, "username": "alice"})).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["username"], "alice");
    for token in [tokens["accessToken"].as_str().unwrap().to_string(), format!("Bearer {}", tokens["idToken"].as_str().unwrap())] {
        let out = gql_as(&env, &[("authorization", &token)], "mutation { createPost(input: {title: \"from the explorer\"}) { title owner } }", json!({})).await;
        assert_eq!(out["data"]["createPost"], json!({"title": "from the explorer", "owner": "alice"}), "{out}");
    }

    // Refusals.
    for (body, status, message) in [
        (json!({"pool": pool, "username": "mallory"}), 404, "User does not exist."),
        (json!({"pool": "us-east-1_nosuchpool", "username": "alice"}), 404, "User pool us-east-1_nosuchpool does not exist."),
        (json!({"pool": pool, "username": "alice", "client": "nosuchclient"}), 404, ""),
        (json!({"username": "alice"}), 400, "pool and username are required."),
    ] {
        let (got, out) = mint(&env, body.clone()).await;
        assert_eq!(got, status, "{body}: {out}");
        if !message.is_empty() {
            assert_eq!(out["message"], message);
        }
    }
    let resp = env.http().post(format!("{}/_amplocal/graphql/token", env.endpoint)).body("garbage").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn the_explorer_can_be_turned_off() {
    let env = TestEnv::builder().services(|s| s.appsync.graphql_no_explorer = true).start().await;
    for path in ["/_amplocal/graphql", "/_amplocal/graphql/apis"] {
        assert_eq!(get(&env, path).await.0, 404, "{path}");
    }
    assert_eq!(mint(&env, json!({"pool": "us-east-1_x", "username": "a"})).await.0, 404);
}
