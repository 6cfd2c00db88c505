//! End-to-end AppSync data-plane tests: listing, filters, index queries, relations, auth rules and subscriptions.

use super::*;

#[tokio::test]
async fn list_pages_filters_index_queries_and_relations() {
    let env = env_with_data().await;
    let create = "mutation C($i: CreateTodoInput!) { createTodo(input: $i) { id } }";
    for i in 0..7 {
        gql(&env, create, json!({"i": {"name": format!("t{i}"), "priority": i}})).await;
    }
    // Pages of 3 evaluated items until nextToken is null.
    let list = "query L($f: ModelTodoFilterInput, $l: Int, $t: String) { listTodos(filter: $f, limit: $l, nextToken: $t) { items { name priority } nextToken } }";
    let (mut seen, mut token, mut pages) = (0, Value::Null, 0);
    loop {
        let out = gql(&env, list, json!({"l": 3, "t": token})).await;
        let page = &out["data"]["listTodos"];
        seen += page["items"].as_array().unwrap().len();
        pages += 1;
        token = page["nextToken"].clone();
        if token.is_null() {
            break;
        }
    }
    assert_eq!((seen, pages >= 3), (7, true));
    // The limit applies before the filter: a filtered page can be short with a token.
    let out = gql(&env, list, json!({"l": 2, "f": {"priority": {"ge": 5}}})).await;
    assert!(out["data"]["listTodos"]["items"].as_array().unwrap().len() <= 2);
    let all = gql(&env, list, json!({"f": {"or": [{"priority": {"eq": 1}}, {"name": {"beginsWith": "t6"}}]}})).await;
    let mut names: Vec<&str> = all["data"]["listTodos"]["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["t1", "t6"]);
    let bad = gql(&env, list, json!({"f": {"name": {"size": {"gt": 1}, "attributeType": "string"}, "priority": {"attributeType": "number"}}})).await;
    assert!(bad.get("errors").is_none(), "{bad}");
    assert_eq!(bad["data"]["listTodos"]["items"].as_array().unwrap().len(), 7, "size/attributeType filters reach DynamoDB");

    // Index query and @hasMany(indexName) relation.
    // Post allows API-key reads only; the write goes through IAM (admin access).
    let denied = gql(&env, "mutation { createPost(input: {title: \"hello\"}) { id } }", json!({})).await;
    assert_eq!(denied["data"], json!({"createPost": null}));
    assert_eq!(denied["errors"][0]["errorType"], "Unauthorized");
    assert_eq!(denied["errors"][0]["message"], "Not Authorized to access createPost on type Mutation");
    let post = gql_iam(&env, "mutation { createPost(input: {title: \"hello\"}) { id } }", json!({})).await;
    let post_id = post["data"]["createPost"]["id"].as_str().unwrap().to_string();
    for c in ["a", "b"] {
        gql(&env, "mutation C($i: CreateCommentInput!) { createComment(input: $i) { id } }", json!({"i": {"postId": post_id, "content": c}})).await;
    }
    gql(&env, "mutation { createComment(input: {postId: \"other\", content: \"z\"}) { id } }", json!({})).await;
    let by = gql(&env, "query Q($p: ID!) { commentsByPost(postId: $p) { items { content post { title } } } }", json!({"p": post_id})).await;
    let items = by["data"]["commentsByPost"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{by}");
    assert!(items.iter().all(|c| c["post"]["title"] == "hello"));
    let rel = gql(&env, "query Q($id: ID!) { getPost(id: $id) { title comments(limit: 1) { items { content } nextToken } } }", json!({"id": post_id})).await;
    assert_eq!(rel["data"]["getPost"]["comments"]["items"].as_array().unwrap().len(), 1, "{rel}");
    assert!(rel["data"]["getPost"]["comments"]["nextToken"].is_string());
    let sorted = gql(&env, "query Q($p: ID!) { commentsByPost(postId: $p, sortDirection: DESC) { items { content } } }", json!({"p": post_id})).await;
    assert_eq!(sorted["errors"][0]["errorType"], "InvalidArgumentsError");
    let unfiltered = gql(&env, list, json!({"f": {"name": {"between": ["a"]}}})).await;
    assert_eq!(unfiltered["errors"][0]["errorType"], "Unrecognized Filter");
}

/// A user of a fresh amplocal user pool: (access token, id token, sub).
pub(super) async fn sign_in(env: &TestEnv, pool: &str, client: &str, username: &str) -> (String, String, String) {
    use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, MessageActionType};
    let idp = env.cognito_idp();
    let created = idp.admin_create_user().user_pool_id(pool).username(username).message_action(MessageActionType::Suppress).send().await.unwrap();
    let sub = created.user().unwrap().attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value()).unwrap().to_string();
    idp.admin_set_user_password().user_pool_id(pool).username(username).password("Passw0rd!long").permanent(true).send().await.unwrap();
    let auth = idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(client)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", "Passw0rd!long")
        .send()
        .await
        .unwrap();
    let r = auth.authentication_result().unwrap();
    (r.access_token().unwrap().to_string(), r.id_token().unwrap().to_string(), sub)
}

#[tokio::test]
async fn user_pool_tokens_and_owner_rules() {
    use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
    let env = env_with_data().await;
    env.state.appsync.attach_cognito(env.state.cognito.clone());
    let idp = env.cognito_idp();
    let pool = idp.create_user_pool().pool_name("app").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
    let client = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_string();
    let (alice, alice_id_token, alice_sub) = sign_in(&env, &pool, &client, "alice").await;
    let (bob, _, _) = sign_in(&env, &pool, &client, "bob").await;

    // Alice creates a post: the owner is injected as sub::username and shown as the username.
    let create = "mutation { createPost(input: {title: \"mine\"}) { id title owner } }";
    let out = gql_as(&env, &[("authorization", &alice)], create, json!({})).await;
    let created = &out["data"]["createPost"];
    assert_eq!(created["owner"], "alice", "{out}");
    let id = created["id"].as_str().unwrap().to_string();
    let stored = env.dynamodb().get_item().table_name("Post-todoapi-NONE").key("id", aws_sdk_dynamodb::types::AttributeValue::S(id.clone())).send().await.unwrap();
    assert_eq!(stored.item().unwrap()["owner"].as_s().unwrap(), &format!("{alice_sub}::alice"));

    // An ID token with a Bearer prefix works too.
    let bearer = format!("Bearer {alice_id_token}");
    let get = "query G($id: ID!) { getPost(id: $id) { title owner } }";
    let mine = gql_as(&env, &[("authorization", &bearer)], get, json!({"id": id})).await;
    assert_eq!(mine["data"]["getPost"], json!({"title": "mine", "owner": "alice"}));

    // Bob can neither read (owner rule for user pools), update nor delete it; lists hide it.
    let theirs = gql_as(&env, &[("authorization", &bob)], get, json!({"id": id})).await;
    assert_eq!(theirs["errors"][0]["errorType"], "Unauthorized", "{theirs}");
    let upd = gql_as(&env, &[("authorization", &bob)], "mutation U($id: ID!) { updatePost(input: {id: $id, title: \"x\"}) { id } }", json!({"id": id})).await;
    assert_eq!(upd["errors"][0]["errorType"], "Unauthorized");
    let del = gql_as(&env, &[("authorization", &bob)], "mutation D($id: ID!) { deletePost(input: {id: $id}) { id } }", json!({"id": id})).await;
    assert_eq!(del["errors"][0]["errorType"], "Unauthorized");
    let spoof = gql_as(&env, &[("authorization", &bob)], "mutation { createPost(input: {title: \"t\"}) { owner } }", json!({})).await;
    assert_eq!(spoof["data"]["createPost"]["owner"], "bob");
    let list = "{ listPosts { items { title owner } } }";
    let bobs = gql_as(&env, &[("authorization", &bob)], list, json!({})).await;
    assert_eq!(bobs["data"]["listPosts"]["items"], json!([{"title": "t", "owner": "bob"}]));
    // The API key (public read) sees both.
    let all = gql(&env, list, json!({})).await;
    assert_eq!(all["data"]["listPosts"]["items"].as_array().unwrap().len(), 2);
    // Alice updates her own post.
    let upd = gql_as(&env, &[("authorization", &alice)], "mutation U($id: ID!) { updatePost(input: {id: $id, title: \"edited\"}) { title owner } }", json!({"id": id})).await;
    assert_eq!(upd["data"]["updatePost"], json!({"title": "edited", "owner": "alice"}));

    // Todo has only a public (API key) rule: a signed-in user is denied by the directives.
    let todo = gql_as(&env, &[("authorization", &alice)], "{ listTodos { items { id } } }", json!({})).await;
    assert_eq!(todo["errors"][0]["errorType"], "Unauthorized");
    // A forged token is a 401.
    let forged = format!("{}x", &alice[..alice.len() - 1]);
    let (status, _, body) = post(&env, "/graphql", &[("authorization", &forged)], INTROSPECT).await;
    assert_eq!((status, body["errors"][0]["errorType"].as_str()), (401, Some("UnauthorizedException")));
}

#[tokio::test]
async fn datastore_versions_tombstones_and_sync() {
    let env = TestEnv::builder()
        .services(|s| {
            s.appsync.graphql_schema = vec![schema_path("todo.graphql")];
            s.appsync.graphql_api_key = Some(KEY.into());
            s.appsync.graphql_api_id = vec!["todoapi".into()];
            s.appsync.graphql_conflict_detection = true;
            s.appsync.graphql_conflict_handler = "OPTIMISTIC_CONCURRENCY".parse().unwrap();
        })
        .start()
        .await;
    env.state.appsync.attach_dynamodb(env.state.dynamodb.clone());
    let fields = "id name _version _deleted _lastChangedAt";
    let c = gql(&env, &format!("mutation {{ createTodo(input: {{name: \"a\"}}) {{ {fields} }} }}"), json!({})).await;
    let todo = &c["data"]["createTodo"];
    assert_eq!(todo["_version"], 1, "{c}");
    let id = todo["id"].as_str().unwrap().to_string();
    let upd = format!("mutation U($i: UpdateTodoInput!) {{ updateTodo(input: $i) {{ {fields} }} }}");
    let u = gql(&env, &upd, json!({"i": {"id": id, "name": "b", "_version": 1}})).await;
    assert_eq!((u["data"]["updateTodo"]["_version"].as_i64(), u["data"]["updateTodo"]["name"].as_str()), (Some(2), Some("b")));
    let stale = gql(&env, &upd, json!({"i": {"id": id, "name": "c", "_version": 1}})).await;
    assert_eq!(stale["errors"][0]["errorType"], "ConflictUnhandled", "{stale}");
    assert_eq!(stale["errors"][0]["message"], "Conflict resolver rejects mutation.");
    let d = gql(&env, &format!("mutation D($i: DeleteTodoInput!) {{ deleteTodo(input: $i) {{ {fields} }} }}"), json!({"i": {"id": id, "_version": 2}})).await;
    assert_eq!((d["data"]["deleteTodo"]["_deleted"].as_bool(), d["data"]["deleteTodo"]["_version"].as_i64()), (Some(true), Some(3)), "{d}");
    // The tombstone stays in the table (with a TTL) and comes back from syncTodos.
    let sync = "query S($l: AWSTimestamp) { syncTodos(lastSync: $l) { items { id _deleted _version } nextToken startedAt } }";
    let s = gql(&env, sync, json!({})).await;
    assert_eq!(s["data"]["syncTodos"]["items"], json!([{"id": id, "_deleted": true, "_version": 3}]), "{s}");
    let started = s["data"]["syncTodos"]["startedAt"].as_i64().unwrap();
    let later = gql(&env, sync, json!({"l": started + 60_000})).await;
    assert_eq!(later["data"]["syncTodos"]["items"], json!([]));
    let ttl = env.dynamodb().describe_time_to_live().table_name("Todo-todoapi-NONE").send().await.unwrap();
    assert_eq!(ttl.time_to_live_description().unwrap().attribute_name(), Some("_ttl"));
    env.dynamodb().describe_table().table_name("AmplifyDataStore-todoapi-NONE").send().await.unwrap();
}

pub(super) mod realtime {
    use super::*;
    use base64::Engine;
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    pub(in crate::appsync) type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

    pub(in crate::appsync) async fn connect(env: &TestEnv, header: Value, via_subprotocol: bool) -> Result<Ws, u16> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(header.to_string());
        let url = if via_subprotocol {
            format!("{}/graphql/realtime", env.endpoint.replace("http://", "ws://"))
        } else {
            format!("{}/graphql/realtime?header={}&payload=e30=", env.endpoint.replace("http://", "ws://"), percent(&b64))
        };
        let mut req = url.into_client_request().unwrap();
        let protocols = if via_subprotocol {
            format!("graphql-ws, header-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string()))
        } else {
            "graphql-ws".to_string()
        };
        req.headers_mut().insert("sec-websocket-protocol", protocols.parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, resp)) => {
                assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-ws");
                Ok(ws)
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(e) => panic!("{e}"),
        }
    }

    fn percent(s: &str) -> String {
        s.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
    }

    pub(in crate::appsync) async fn recv(ws: &mut Ws) -> Value {
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

    pub(in crate::appsync) async fn send(ws: &mut Ws, v: Value) {
        ws.send(Message::Text(v.to_string().into())).await.unwrap();
    }

    #[tokio::test]
    async fn graphql_ws_protocol_delivers_filtered_mutations() {
        let env = env_with_data().await;
        let host = env.endpoint.trim_start_matches("http://").to_string();
        for via_subprotocol in [false, true] {
            let mut ws = connect(&env, json!({"host": host, "x-api-key": KEY}), via_subprotocol).await.unwrap();
            send(&mut ws, json!({"type": "connection_init"})).await;
            let ack = recv(&mut ws).await;
            assert_eq!(ack, json!({"type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}}));
            let data = json!({"query": "subscription S($f: ModelSubscriptionTodoFilterInput) { onCreateTodo(filter: $f) { name priority } }", "variables": {"f": {"priority": {"gt": 5}}}}).to_string();
            send(&mut ws, json!({"id": "s1", "type": "start", "payload": {"data": data, "extensions": {"authorization": {"host": host, "x-api-key": KEY}}}})).await;
            assert_eq!(recv(&mut ws).await, json!({"id": "s1", "type": "start_ack"}));
            for (name, priority) in [("low", 1), ("high", 9)] {
                gql(&env, "mutation C($i: CreateTodoInput!) { createTodo(input: $i) { name priority } }", json!({"i": {"name": name, "priority": priority}})).await;
            }
            let got = recv(&mut ws).await;
            assert_eq!(got, json!({"id": "s1", "type": "data", "payload": {"data": {"onCreateTodo": {"name": "high", "priority": 9}}}}));
            send(&mut ws, json!({"id": "s1", "type": "stop"})).await;
            assert_eq!(recv(&mut ws).await, json!({"id": "s1", "type": "complete"}));
        }
    }

    #[tokio::test]
    async fn handshake_and_start_authorization() {
        let env = env_with_data().await;
        let host = env.endpoint.trim_start_matches("http://").to_string();
        assert_eq!(connect(&env, json!({"host": host, "x-api-key": "da2-wrong"}), false).await.err(), Some(401));
        assert_eq!(connect(&env, json!({"host": host}), true).await.err(), Some(401));
        let mut ws = connect(&env, json!({"host": host, "x-api-key": KEY}), false).await.unwrap();
        send(&mut ws, json!({"type": "connection_init"})).await;
        recv(&mut ws).await;
        let data = json!({"query": "subscription { onCreateTodo { id } }"}).to_string();
        send(&mut ws, json!({"id": "bad", "type": "start", "payload": {"data": data, "extensions": {"authorization": {"x-api-key": "da2-wrong"}}}})).await;
        let err = recv(&mut ws).await;
        assert_eq!(err["type"], "error");
        assert_eq!(err["payload"]["errors"][0]["errorType"], "UnauthorizedException");
        let bad_query = json!({"query": "subscription { nope }"}).to_string();
        send(&mut ws, json!({"id": "q", "type": "start", "payload": {"data": bad_query, "extensions": {"authorization": {"x-api-key": KEY}}}})).await;
        let err = recv(&mut ws).await;
        assert_eq!((err["type"].as_str(), err["id"].as_str()), (Some("error"), Some("q")));
        ws.send(Message::Text("not json".into())).await.unwrap();
        assert_eq!(recv(&mut ws).await["payload"]["errors"][0]["errorType"], "MessageParsingException");
    }

    #[tokio::test]
    async fn owner_subscriptions_only_see_their_own_items() {
        use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
        let env = env_with_data().await;
        env.state.appsync.attach_cognito(env.state.cognito.clone());
        let idp = env.cognito_idp();
        let pool = idp.create_user_pool().pool_name("rt").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
        let client = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).send().await.unwrap();
        let client = client.user_pool_client().unwrap().client_id().unwrap().to_string();
        let (alice, _, _) = sign_in(&env, &pool, &client, "alice").await;
        let (bob, _, _) = sign_in(&env, &pool, &client, "bob").await;
        let host = env.endpoint.trim_start_matches("http://").to_string();
        let mut ws = connect(&env, json!({"host": host, "Authorization": alice}), true).await.unwrap();
        send(&mut ws, json!({"type": "connection_init"})).await;
        recv(&mut ws).await;
        let data = json!({"query": "subscription { onCreatePost { title owner } }"}).to_string();
        send(&mut ws, json!({"id": "p", "type": "start", "payload": {"data": data, "extensions": {"authorization": {"host": host, "Authorization": alice}}}})).await;
        assert_eq!(recv(&mut ws).await, json!({"id": "p", "type": "start_ack"}));
        // Naming someone else as owner is refused at subscribe time.
        let spy = json!({"query": "subscription { onCreatePost(owner: \"bob\") { title } }"}).to_string();
        send(&mut ws, json!({"id": "spy", "type": "start", "payload": {"data": spy, "extensions": {"authorization": {"Authorization": alice}}}})).await;
        let err = recv(&mut ws).await;
        assert_eq!((err["type"].as_str(), err["payload"]["errors"][0]["errorType"].as_str()), (Some("error"), Some("Unauthorized")), "{err}");
        for (token, title) in [(&bob, "bobs"), (&alice, "alices")] {
            gql_as(&env, &[("authorization", token)], "mutation C($t: String!) { createPost(input: {title: $t}) { title owner } }", json!({"t": title})).await;
        }
        assert_eq!(recv(&mut ws).await["payload"]["data"], json!({"onCreatePost": {"title": "alices", "owner": "alice"}}));
    }

    #[tokio::test]
    async fn iam_signed_socket_receives_admin_writes() {
        let env = env_with_data().await;
        let host = env.endpoint.trim_start_matches("http://").to_string();
        let date = amz_date();
        let iam = json!({
            "host": host,
            "x-amz-date": date,
            "Authorization": format!("AWS4-HMAC-SHA256 Credential=AKIDLOCALADMIN/{}/us-east-1/appsync/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", &date[..8]),
        });
        let mut ws = connect(&env, iam.clone(), true).await.unwrap();
        send(&mut ws, json!({"type": "connection_init"})).await;
        recv(&mut ws).await;
        let data = json!({"query": "subscription { onCreatePost { title } }"}).to_string();
        send(&mut ws, json!({"id": "i", "type": "start", "payload": {"data": data, "extensions": {"authorization": iam}}})).await;
        assert_eq!(recv(&mut ws).await, json!({"id": "i", "type": "start_ack"}));
        gql_iam(&env, "mutation { createPost(input: {title: \"by-admin\"}) { title } }", json!({})).await;
        assert_eq!(recv(&mut ws).await["payload"]["data"], json!({"onCreatePost": {"title": "by-admin"}}));
    }

    #[tokio::test]
    async fn a_configured_user_pool_rejects_tokens_of_other_pools() {
        use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
        let env = TestEnv::builder()
            .services(|s| {
                s.appsync.graphql_schema = vec![schema_path("todo.graphql")];
                s.appsync.graphql_api_key = Some(KEY.into());
                s.appsync.graphql_user_pool = Some("us-east-1_notthisone".into());
            })
            .start()
            .await;
        let idp = env.cognito_idp();
        let pool = idp.create_user_pool().pool_name("p").send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
        let client = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).send().await.unwrap();
        let client = client.user_pool_client().unwrap().client_id().unwrap().to_string();
        let (token, _, _) = sign_in(&env, &pool, &client, "carol").await;
        let (status, _, body) = post(&env, "/graphql", &[("authorization", &token)], INTROSPECT).await;
        assert_eq!(status, 401, "{body}");
    }
}
