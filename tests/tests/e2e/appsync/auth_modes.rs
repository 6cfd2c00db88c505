//! AppSync auth modes end to end: OPENID_CONNECT (tokens minted by a test RSA key whose JWKS a
//! tiny local issuer serves; `--graphql-oidc-*` flags and the control plane's
//! `openIDConnectConfig`), `@aws_oidc`, owner rules with `provider: oidc`, OIDC on the realtime
//! socket, and 401s for every bad token.

use super::data_plane::realtime::{connect, recv, send};
use super::field_auth::env_with_schema;
use super::*;
use amplocal::deps::axum;
use base64::Engine;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;

/// A local OIDC issuer: an RSA key, its JWKS and discovery document on 127.0.0.1.
pub(super) struct Issuer {
    pub url: String,
    pub jwks: Value,
    key: jsonwebtoken::EncodingKey,
    _server: tokio::task::JoinHandle<()>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_key() -> (rsa::RsaPrivateKey, jsonwebtoken::EncodingKey) {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let enc = jsonwebtoken::EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes());
    (key, enc)
}

impl Issuer {
    pub async fn start() -> Self {
        let (key, enc) = rsa_key();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be())}]});
        let discovery = json!({"issuer": url, "jwks_uri": format!("{url}/keys")});
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", axum::routing::get(move || std::future::ready(axum::Json(discovery.clone()))))
            .route("/keys", axum::routing::get({
                let jwks = jwks.clone();
                move || std::future::ready(axum::Json(jwks.clone()))
            }));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, jwks, key: enc, _server: server }
    }

    /// A token with `claims` on top of iss/sub/iat/exp (one hour), signed with kid `k1`.
    pub fn token(&self, sub: &str, claims: Value) -> String {
        sign(&self.key, "k1", &self.url, sub, claims)
    }
}

fn sign(key: &jsonwebtoken::EncodingKey, kid: &str, iss: &str, sub: &str, claims: Value) -> String {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut body = json!({"iss": iss, "sub": sub, "iat": now, "exp": now + 3600, "aud": "app"});
    for (k, v) in claims.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &body, key).unwrap()
}

const NOTES: &str = r#"
type Note @model @auth(rules: [
  { allow: owner, provider: oidc, identityClaim: "sub" },
  { allow: public, provider: apiKey, operations: [read] }
]) {
  id: ID!
  text: String
  owner: String
}
"#;

#[tokio::test]
async fn oidc_tokens_owner_rules_and_realtime() {
    let issuer = Issuer::start().await;
    let url = issuer.url.clone();
    let (env, _dir, _, _) = env_with_schema(NOTES, |s| {
        s.appsync.graphql_oidc_issuer = Some(url);
        s.appsync.graphql_oidc_client_id = Some("app".into());
    })
    .await;
    let alice = issuer.token("alice-sub", json!({}));
    let bob = format!("Bearer {}", issuer.token("bob-sub", json!({})));

    // The SDL carries @aws_oidc where the oidc rule reaches.
    let sdl = env.appsync().get_introspection_schema().api_id("profiles").format(OutputType::Sdl).include_directives(true).send().await.unwrap();
    let sdl = String::from_utf8(sdl.schema().unwrap().as_ref().to_vec()).unwrap();
    assert!(sdl.contains("@aws_oidc"), "{sdl}");

    // Alice subscribes over the socket with her OIDC token.
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let mut ws = connect(&env, json!({"host": host, "Authorization": alice}), true).await.unwrap();
    send(&mut ws, json!({"type": "connection_init"})).await;
    recv(&mut ws).await;
    let sub = json!({"query": "subscription { onCreateNote { text owner } }"}).to_string();
    send(&mut ws, json!({"id": "n", "type": "start", "payload": {"data": sub, "extensions": {"authorization": {"host": host, "Authorization": alice}}}})).await;
    assert_eq!(recv(&mut ws).await, json!({"id": "n", "type": "start_ack"}));

    let create = "mutation C($t: String!) { createNote(input: {text: $t}) { id text owner } }";
    let bobs = gql_as(&env, &[("authorization", &bob)], create, json!({"t": "bob's"})).await;
    assert_eq!(bobs["data"]["createNote"]["owner"], "bob-sub", "{bobs}");
    let mine = gql_as(&env, &[("authorization", &alice)], create, json!({"t": "alice's"})).await;
    assert_eq!(mine["data"]["createNote"]["owner"], "alice-sub", "identityClaim sub is stored: {mine}");
    let id = mine["data"]["createNote"]["id"].as_str().unwrap().to_string();
    assert_eq!(recv(&mut ws).await["payload"]["data"], json!({"onCreateNote": {"text": "alice's", "owner": "alice-sub"}}), "only her own note arrives");

    // Owner rules: Bob can neither read nor change Alice's note; lists are filtered.
    let get = "query G($id: ID!) { getNote(id: $id) { text } }";
    assert_eq!(gql_as(&env, &[("authorization", &alice)], get, json!({"id": id})).await, json!({"data": {"getNote": {"text": "alice's"}}}));
    let theirs = gql_as(&env, &[("authorization", &bob)], get, json!({"id": id})).await;
    assert_eq!(theirs["errors"][0]["errorType"], "Unauthorized", "{theirs}");
    let upd = gql_as(&env, &[("authorization", &bob)], "mutation U($id: ID!) { updateNote(input: {id: $id, text: \"x\"}) { id } }", json!({"id": id})).await;
    assert_eq!(upd["errors"][0]["errorType"], "Unauthorized");
    let list = gql_as(&env, &[("authorization", &bob)], "{ listNotes { items { text } } }", json!({})).await;
    assert_eq!(list["data"]["listNotes"]["items"], json!([{"text": "bob's"}]));
    // The API key (public read) sees both.
    let all = gql(&env, "{ listNotes { items { text } } }", json!({})).await;
    assert_eq!(all["data"]["listNotes"]["items"].as_array().unwrap().len(), 2);

    // Bad tokens: 401 "Valid authorization header not provided.".
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (_, other_key) = rsa_key();
    let bad = [
        issuer.token("x", json!({"exp": now - 10})),
        issuer.token("x", json!({"iss": "http://127.0.0.1:1"})),
        issuer.token("x", json!({"aud": "another-client"})),
        sign(&other_key, "k1", &issuer.url, "x", json!({})),
        sign(&other_key, "k2", &issuer.url, "x", json!({})),
        "not-a-jwt".to_string(),
    ];
    for token in bad {
        let (status, h, body) = post(&env, "/graphql", &[("authorization", &token)], INTROSPECT).await;
        assert_eq!((status, body["errors"][0]["message"].as_str()), (401, Some("Valid authorization header not provided.")), "{token}");
        assert_eq!(h["x-amzn-errortype"], "UnauthorizedException");
    }
    assert_eq!(connect(&env, json!({"host": host, "Authorization": "not-a-jwt"}), true).await.err(), Some(401));
}

#[tokio::test]
async fn oidc_keys_from_a_jwks_file_for_an_unreachable_issuer() {
    let issuer = Issuer::start().await;
    let jwks_dir = tempfile::tempdir().unwrap();
    let jwks_file = jwks_dir.path().join("jwks.json");
    std::fs::write(&jwks_file, issuer.jwks.to_string()).unwrap();
    let (env, _dir, _, _) = env_with_schema(NOTES, |s| {
        s.appsync.graphql_oidc_issuer = Some("https://login.example.com/".into());
        s.appsync.graphql_oidc_jwks = Some(jwks_file.to_string_lossy().into_owned());
    })
    .await;
    let token = sign(&issuer.key, "k1", "https://login.example.com", "carol", json!({}));
    let out = gql_as(&env, &[("authorization", &token)], "mutation { createNote(input: {text: \"c\"}) { owner } }", json!({})).await;
    assert_eq!(out["data"]["createNote"]["owner"], "carol", "{out}");
    // The local issuer's own tokens name another issuer: refused.
    let (status, _, _) = post(&env, "/graphql", &[("authorization", &issuer.token("carol", json!({})))], INTROSPECT).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn oidc_from_the_control_plane_and_aws_oidc_directives() {
    use aws_sdk_appsync::types::OpenIdConnectConfig;
    let issuer = Issuer::start().await;
    let env = TestEnv::start().await;
    let c = env.appsync();
    let key_mode = AdditionalAuthenticationProvider::builder().authentication_type(AuthenticationType::ApiKey).build();
    let api = c
        .create_graphql_api()
        .name("oidc")
        .authentication_type(AuthenticationType::OpenidConnect)
        .open_id_connect_config(OpenIdConnectConfig::builder().issuer(&issuer.url).iat_ttl(60_000).build().unwrap())
        .additional_authentication_providers(key_mode)
        .send()
        .await
        .unwrap();
    let id = api.graphql_api().unwrap().api_id().unwrap().to_string();
    c.start_schema_creation().api_id(&id).definition(Blob::new("type Query { open: String @aws_api_key  secret: String @aws_oidc  plain: String }")).send().await.unwrap();
    let key = c.create_api_key().api_id(&id).send().await.unwrap().api_key().unwrap().id().unwrap().to_string();
    let token = issuer.token("u1", json!({}));
    let path = format!("/graphql/{id}");
    let ask = |field: &str| json!({"query": format!("{{ {field} }}")}).to_string();
    // Passing the directive check reaches the (absent) resolver; failing it is Unauthorized.
    for (headers, field, expected) in [
        (vec![("authorization", token.as_str())], "secret", "UnsupportedOperation"),
        (vec![("authorization", token.as_str())], "plain", "UnsupportedOperation"),
        (vec![("authorization", token.as_str())], "open", "Unauthorized"),
        (vec![("x-api-key", key.as_str())], "open", "UnsupportedOperation"),
        (vec![("x-api-key", key.as_str())], "secret", "Unauthorized"),
        (vec![("x-api-key", key.as_str())], "plain", "Unauthorized"),
    ] {
        let (status, _, body) = post(&env, &path, &headers, &ask(field)).await;
        assert_eq!((status, body["errors"][0]["errorType"].as_str()), (200, Some(expected)), "{field} {headers:?}: {body}");
    }
    // iatTTL (60 s): a token issued two minutes ago is refused.
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let old = issuer.token("u1", json!({"iat": now - 120}));
    let (status, _, _) = post(&env, &path, &[("authorization", &old)], &ask("secret")).await;
    assert_eq!(status, 401);
}

/// amplify-js's realtime IAM headers: a SigV4 signature (service `appsync`) of `POST path`
/// with `body`, over accept/content-encoding/content-type/host/x-amz-date.
fn iam_headers(host: &str, path: &str, body: &str, key: &str, secret: &str) -> Value {
    use hmac::Mac;
    use sha2::Digest;
    let hmac = |k: &[u8], d: &str| {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(k).unwrap();
        m.update(d.as_bytes());
        m.finalize().into_bytes().to_vec()
    };
    let date = amz_date();
    let headers = [
        ("accept", "application/json, text/javascript"),
        ("content-encoding", "amz-1.0"),
        ("content-type", "application/json; charset=UTF-8"),
        ("host", host),
        ("x-amz-date", date.as_str()),
    ];
    let signed = headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical = format!("POST\n{path}\n\n{canonical_headers}\n{signed}\n{}", hex::encode(sha2::Sha256::digest(body.as_bytes())));
    let scope = format!("{}/us-east-1/appsync/aws4_request", &date[..8]);
    let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex::encode(sha2::Sha256::digest(canonical.as_bytes())));
    let mut k = hmac(format!("AWS4{secret}").as_bytes(), &date[..8]);
    for part in ["us-east-1", "appsync", "aws4_request"] {
        k = hmac(&k, part);
    }
    let signature = hex::encode(hmac(&k, &to_sign));
    let mut out = serde_json::Map::new();
    for (k, v) in headers {
        out.insert(k.into(), json!(v));
    }
    out.insert("Authorization".into(), json!(format!("AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={signed}, Signature={signature}")));
    Value::Object(out)
}

/// A refused handshake: (status, body).
async fn refused(env: &TestEnv, header: &Value) -> (u16, Value) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/graphql/realtime", env.endpoint.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    let proto = format!("graphql-ws, header-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string()));
    req.headers_mut().insert("sec-websocket-protocol", proto.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => (resp.status().as_u16(), serde_json::from_slice(resp.body().as_deref().unwrap_or(b"null")).unwrap_or(Value::Null)),
        other => panic!("handshake not refused: {:?}", other.map(|(_, r)| r.status())),
    }
}

const SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[tokio::test]
async fn iam_realtime_signatures_are_verified() {
    let env = env_with_data().await;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    // Wrong secret, wrong path, tampered body: 401 with AWS's signature message.
    for header in [
        iam_headers(&host, "/graphql/connect", "{}", "test", "wrong-secret"),
        iam_headers(&host, "/elsewhere", "{}", "test", "test"),
        iam_headers(&host, "/graphql/connect", "{\"x\":1}", "test", "test"),
    ] {
        let (status, body) = refused(&env, &header).await;
        assert_eq!(status, 401);
        assert_eq!(body["errors"][0], json!({"errorType": "UnauthorizedException", "message": SIGNATURE_MESSAGE}), "{header}");
    }
    // The real thing: /graphql/connect with {} (amplify-js's handshake).
    let mut ws = connect(&env, iam_headers(&host, "/graphql/connect", "{}", "test", "test"), true).await.unwrap();
    send(&mut ws, json!({"type": "connection_init"})).await;
    assert_eq!(recv(&mut ws).await["type"], "connection_ack");
    let data = json!({"query": "subscription { onCreatePost { title } }", "variables": {}}).to_string();
    // A start signed over other data is refused; one signed over its data is acknowledged.
    let forged = iam_headers(&host, "/graphql", "{\"query\":\"subscription { onCreateTodo { id } }\"}", "test", "test");
    send(&mut ws, json!({"id": "f", "type": "start", "payload": {"data": data, "extensions": {"authorization": forged}}})).await;
    let err = recv(&mut ws).await;
    assert_eq!((err["type"].as_str(), err["id"].as_str()), (Some("error"), Some("f")));
    assert_eq!(err["payload"]["errors"][0], json!({"errorType": "UnauthorizedException", "message": SIGNATURE_MESSAGE, "errorCode": 401}));
    let good = iam_headers(&host, "/graphql", &data, "test", "test");
    send(&mut ws, json!({"id": "g", "type": "start", "payload": {"data": data, "extensions": {"authorization": good}}})).await;
    assert_eq!(recv(&mut ws).await, json!({"id": "g", "type": "start_ack"}));
    gql_iam(&env, "mutation { createPost(input: {title: \"signed\"}) { title } }", json!({})).await;
    assert_eq!(recv(&mut ws).await, json!({"id": "g", "type": "data", "payload": {"data": {"onCreatePost": {"title": "signed"}}}}));
}

/// OIDC whose provider is an amplocal user pool (Cognito as an OIDC issuer): its tokens are
/// verified in process; a token of another pool is refused.
#[tokio::test]
async fn oidc_issuer_can_be_a_local_user_pool() {
    use aws_sdk_appsync::types::OpenIdConnectConfig;
    use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;
    let env = env_with_data().await;
    env.state.appsync.attach_cognito(env.state.cognito.clone());
    let idp = env.cognito_idp();
    let mut pools = Vec::new();
    for name in ["idp", "other"] {
        let pool = idp.create_user_pool().pool_name(name).send().await.unwrap().user_pool().unwrap().id().unwrap().to_string();
        let client = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth).send().await.unwrap();
        pools.push((pool, client.user_pool_client().unwrap().client_id().unwrap().to_string()));
    }
    let (pool, client) = pools[0].clone();
    let c = env.appsync();
    let oidc = OpenIdConnectConfig::builder().issuer(format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}")).client_id(&client).build().unwrap();
    let api = c.create_graphql_api().name("cog-oidc").authentication_type(AuthenticationType::OpenidConnect).open_id_connect_config(oidc).send().await.unwrap();
    let id = api.graphql_api().unwrap().api_id().unwrap().to_string();
    c.start_schema_creation().api_id(&id).definition(Blob::new("type Query { secret: String @aws_oidc }")).send().await.unwrap();
    let (token, id_token, _) = super::data_plane::sign_in(&env, &pool, &client, "olga").await;
    let (foreign, _, _) = super::data_plane::sign_in(&env, &pools[1].0, &pools[1].1, "olga").await;
    for t in [token, format!("Bearer {id_token}")] {
        let (status, _, body) = post(&env, &format!("/graphql/{id}"), &[("authorization", &t)], r#"{"query":"{ __typename }"}"#).await;
        assert_eq!((status, body), (200, json!({"data": {"__typename": "Query"}})));
    }
    let (status, _, _) = post(&env, &format!("/graphql/{id}"), &[("authorization", &foreign)], r#"{"query":"{ __typename }"}"#).await;
    assert_eq!(status, 401);
}
