//! End-to-end tests of SigV4 authentication with aws-sdk-rust against the in-process gateway:
//! right/wrong secrets, strict mode, presigned URLs (SigV4 from the SDK presigner and SigV2),
//! clock skew and expiry with an injected clock, temporary credentials registered in the
//! `CredentialStore`, unsigned Cognito operations and the JSON body cap.

use amplocal_core::{Credential, CredentialMode, ManualClock};
use amplocal_tests::{TestEnv, REGION};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const SIG_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn config(env: &TestEnv, creds: Credentials) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&env.endpoint)
        .retry_config(RetryConfig::disabled())
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build()
}

fn ddb(env: &TestEnv, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&config(env, Credentials::new(key, secret, token.map(str::to_string), None, "e2e")))
}

fn s3(env: &TestEnv, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&config(env, Credentials::new(key, secret, token.map(str::to_string), None, "e2e")))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// (code, message) of a failed call.
fn code<T, E: ProvideErrorMetadata + std::fmt::Debug>(r: Result<T, E>) -> (String, String) {
    match r {
        Ok(_) => ("<ok>".into(), String::new()),
        Err(e) => (e.code().unwrap_or("<none>").to_string(), e.message().unwrap_or("").to_string()),
    }
}

#[tokio::test]
async fn dynamodb_right_secret_passes_wrong_secret_fails() {
    let env = TestEnv::start().await;
    ddb(&env, "test", "test", None).list_tables().send().await.expect("signed with the right secret");
    let (c, m) = code(ddb(&env, "test", "wrong", None).list_tables().send().await);
    assert_eq!(c, "InvalidSignatureException");
    assert!(m.starts_with(SIG_MESSAGE), "{m}");
    assert!(m.contains("The Canonical String for this request should have been\n'POST\n/\n"), "{m}");
    // Lenient mode: an unknown key is accepted without a signature check; a 12-digit key is its account.
    ddb(&env, "AKIDANYTHING", "whatever", None).list_tables().send().await.expect("lenient accepts unknown keys");
    let c = ddb(&env, "111122223333", "x", None);
    c.create_table()
        .table_name("acct")
        .attribute_definitions(aws_sdk_dynamodb::types::AttributeDefinition::builder().attribute_name("pk").attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S).build().unwrap())
        .key_schema(aws_sdk_dynamodb::types::KeySchemaElement::builder().attribute_name("pk").key_type(aws_sdk_dynamodb::types::KeyType::Hash).build().unwrap())
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let arn = c.describe_table().table_name("acct").send().await.unwrap().table.unwrap().table_arn.unwrap();
    assert!(arn.contains(":111122223333:"), "{arn}");
    let other = ddb(&env, "test", "test", None).list_tables().send().await.unwrap();
    assert!(!other.table_names().contains(&"acct".to_string()), "tables are per account");
}

#[tokio::test]
async fn s3_right_secret_passes_wrong_secret_fails() {
    let env = TestEnv::start().await;
    s3(&env, "test", "test", None).list_buckets().send().await.expect("signed with the right secret");
    let (c, m) = code(s3(&env, "test", "wrong", None).list_buckets().send().await);
    assert_eq!(c, "SignatureDoesNotMatch");
    assert_eq!(m, "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
    // The raw XML carries the debugging fields.
    let bad = s3(&env, "test", "wrong", None);
    let req = bad.get_object().bucket("b").key("k").presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap()).await.unwrap();
    let resp = env.http().get(req.uri()).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body = resp.text().await.unwrap();
    for f in ["<Code>SignatureDoesNotMatch</Code>", "<AWSAccessKeyId>test</AWSAccessKeyId>", "<StringToSign>AWS4-HMAC-SHA256\n", "<SignatureProvided>", "<StringToSignBytes>41 57 53 34", "<CanonicalRequest>GET\n/b/k\n", "<CanonicalRequestBytes>"] {
        assert!(body.contains(f), "{f} missing from {body}");
    }
}

#[tokio::test]
async fn strict_mode_rejects_unknown_keys_and_anonymous_requests() {
    let env = TestEnv::builder().mode(CredentialMode::Strict).credential("AKIDKNOWN", "known-secret").start().await;
    let (c, m) = code(ddb(&env, "AKIDUNKNOWN", "x", None).list_tables().send().await);
    assert_eq!((c.as_str(), m.as_str()), ("UnrecognizedClientException", "The security token included in the request is invalid."));
    let (c, _) = code(s3(&env, "AKIDUNKNOWN", "x", None).list_buckets().send().await);
    assert_eq!(c, "InvalidAccessKeyId");
    ddb(&env, "AKIDKNOWN", "known-secret", None).list_tables().send().await.expect("configured key");
    s3(&env, "test", "test", None).list_buckets().send().await.expect("default key");
    let (c, _) = code(ddb(&env, "AKIDKNOWN", "bad", None).list_tables().send().await);
    assert_eq!(c, "InvalidSignatureException");
    // Anonymous S3 is refused in strict mode, a missing signature on DynamoDB always.
    let resp = env.http().get(format!("{}/", env.endpoint)).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("<Code>AccessDenied</Code>"));
    let resp = env.http().post(format!("{}/", env.endpoint)).header("x-amz-target", "DynamoDB_20120810.ListTables").header("content-type", "application/x-amz-json-1.0").body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["__type"], "com.amazon.coral.service#MissingAuthenticationTokenException");
    assert_eq!(v["message"], "Request is missing Authentication Token");
}

#[tokio::test]
async fn cognito_public_operations_need_no_signature_admin_ones_do() {
    let env = TestEnv::builder().mode(CredentialMode::Strict).start().await;
    let post = |target: &str| {
        env.http()
            .post(format!("{}/", env.endpoint))
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{target}"))
            .header("content-type", "application/x-amz-json-1.1")
            .body(r#"{"ClientId":"nope","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"a","PASSWORD":"b"}}"#)
            .send()
    };
    let v: serde_json::Value = post("InitiateAuth").await.unwrap().json().await.unwrap();
    assert_ne!(v["__type"], "MissingAuthenticationTokenException", "{v}");
    let resp = post("ListUserPools").await.unwrap();
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn presigned_urls_pass_and_tampered_or_expired_fail() {
    let t0 = SystemTime::now();
    let clock = Arc::new(ManualClock::new(t0));
    let env = TestEnv::builder().clock(clock.clone()).start().await;
    let c = s3(&env, "test", "test", None);
    c.create_bucket().bucket("pre").send().await.unwrap();
    let cfg = || PresigningConfig::builder().start_time(t0).expires_in(Duration::from_secs(300)).build().unwrap();
    let put = c.put_object().bucket("pre").key("k.txt").presigned(cfg()).await.unwrap();
    let mut req = env.http().put(put.uri()).body("presigned body");
    for (k, v) in put.headers() {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let get = c.get_object().bucket("pre").key("k.txt").presigned(cfg()).await.unwrap();
    let resp = env.http().get(get.uri()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "presigned body");
    // Tampered: another key under the same signature.
    let resp = env.http().get(get.uri().replace("/k.txt", "/other.txt")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("<Code>SignatureDoesNotMatch</Code>"));
    // Expired once the injected clock passes X-Amz-Date + X-Amz-Expires.
    clock.set(t0 + Duration::from_secs(301));
    let resp = env.http().get(get.uri()).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body = resp.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires>"), "{body}");
    // Out-of-range X-Amz-Expires.
    let resp = env.http().get(get.uri().replace("X-Amz-Expires=300", "X-Amz-Expires=604801")).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("<Code>AuthorizationQueryParametersError</Code>"));
}

#[tokio::test]
async fn sigv2_presigned_url_passes() {
    let env = TestEnv::start().await;
    let c = s3(&env, "test", "test", None);
    c.create_bucket().bucket("sig-v2").send().await.unwrap();
    c.put_object().bucket("sig-v2").key("a b.txt").body(ByteStream::from_static(b"v2 body")).send().await.unwrap();
    let expires = (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() + 300).to_string();
    let sts = format!("GET\n\n\n{expires}\n/sig-v2/a%20b.txt");
    let sig = amplocal_core::sigv4::canonical::uri_encode(&amplocal_core::sigv4::sigv2::signature("test", &sts));
    let url = format!("{}/sig-v2/a%20b.txt?AWSAccessKeyId=test&Signature={sig}&Expires={expires}", env.endpoint);
    let resp = env.http().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "v2 body");
    let resp = env.http().get(url.replace("Signature=", "Signature=A")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body = resp.text().await.unwrap();
    assert!(body.contains("<Code>SignatureDoesNotMatch</Code>") && body.contains(&format!("<StringToSign>GET\n\n\n{expires}\n/sig-v2/a%20b.txt</StringToSign>")), "{body}");
}

#[tokio::test]
async fn clock_skew_is_reported_in_each_protocol() {
    let clock = Arc::new(ManualClock::new(SystemTime::now() + Duration::from_secs(3600)));
    let env = TestEnv::builder().clock(clock).start().await;
    let (c, m) = code(ddb(&env, "test", "test", None).list_tables().send().await);
    assert_eq!(c, "InvalidSignatureException");
    assert!(m.starts_with("Signature expired: ") && m.ends_with(" - 15 min.)"), "{m}");
    let (c, _) = code(s3(&env, "test", "test", None).list_buckets().send().await);
    assert_eq!(c, "RequestTimeTooSkewed");
    // Unknown keys in lenient mode are not checked at all.
    ddb(&env, "AKIDSOMEONE", "x", None).list_tables().send().await.expect("lenient, unknown key");
}

#[tokio::test]
async fn temporary_credentials_need_their_session_token() {
    let env = TestEnv::builder().mode(CredentialMode::Strict).start().await;
    let expires = SystemTime::now() + Duration::from_secs(3600);
    env.state.core.credentials.insert("ASIATEMP", Credential::temporary("tmp-secret", "tok-1", "444455556666", expires));
    ddb(&env, "ASIATEMP", "tmp-secret", Some("tok-1")).list_tables().send().await.expect("right token");
    s3(&env, "ASIATEMP", "tmp-secret", Some("tok-1")).list_buckets().send().await.expect("right token (S3)");
    let (c, _) = code(ddb(&env, "ASIATEMP", "tmp-secret", Some("tok-2")).list_tables().send().await);
    assert_eq!(c, "UnrecognizedClientException");
    let (c, _) = code(s3(&env, "ASIATEMP", "tmp-secret", None).list_buckets().send().await);
    assert_eq!(c, "InvalidToken");
    env.state.core.credentials.insert("ASIAOLD", Credential::temporary("old", "tok", "444455556666", SystemTime::now() - Duration::from_secs(1)));
    let (c, _) = code(ddb(&env, "ASIAOLD", "old", Some("tok")).list_tables().send().await);
    assert_eq!(c, "ExpiredTokenException");
    let (c, _) = code(s3(&env, "ASIAOLD", "old", Some("tok")).list_buckets().send().await);
    assert_eq!(c, "ExpiredToken");
}

#[tokio::test]
async fn oversized_json_body_is_refused() {
    let env = TestEnv::start().await;
    let body = vec![b' '; 16 * 1024 * 1024 + 1];
    let resp = env
        .http()
        .post(format!("{}/", env.endpoint))
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("content-type", "application/x-amz-json-1.0")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["__type"], "com.amazon.coral.service#RequestEntityTooLarge");
}

/// HTTP/2 has no `Host` header: the signed `host` is the `:authority`.
#[tokio::test]
async fn presigned_url_over_h2c_signs_the_authority() {
    use amplocal::deps::http_body_util::{self, BodyExt};
    use amplocal::deps::hyper;
    use amplocal::deps::hyper_util::rt::{TokioExecutor, TokioIo};
    let env = TestEnv::start().await;
    let c = s3(&env, "test", "test", None);
    c.create_bucket().bucket("h2c-bkt").send().await.unwrap();
    c.put_object().bucket("h2c-bkt").key("k").body(ByteStream::from_static(b"over h2")).send().await.unwrap();
    let url = c.get_object().bucket("h2c-bkt").key("k").presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap()).await.unwrap().uri().to_string();
    let tcp = tokio::net::TcpStream::connect(env.addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    for (u, want) in [(url.clone(), 200), (url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), 403)] {
        let req = http::Request::get(u).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
        assert!(req.headers().get("host").is_none());
        let resp = send.send_request(req).await.unwrap();
        assert_eq!((resp.version(), resp.status().as_u16()), (http::Version::HTTP_2, want));
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        if want == 200 {
            assert_eq!(&body[..], b"over h2");
        }
    }
}

/// Sign a JSON POST the way Amplify's IAM mode does (service `appsync`, payload hash = SHA-256
/// of the body, no `x-amz-content-sha256`), with amplocal-core's SigV4 functions.
fn sign_appsync(host: &str, path: &str, body: &str, secret: &str) -> Vec<(String, String)> {
    use amplocal_core::sigv4::canonical::{canonical_request, RequestParts};
    use amplocal_core::sigv4::signing::{format_amz_date, sha256_hex, signature, signing_key, string_to_sign};
    let amz_date = format_amz_date(SystemTime::now());
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json; charset=UTF-8".parse().unwrap());
    headers.insert("host", host.parse().unwrap());
    headers.insert("x-amz-date", amz_date.parse().unwrap());
    let signed: Vec<String> = ["content-type", "host", "x-amz-date"].iter().map(|s| s.to_string()).collect();
    let req = RequestParts { method: "POST", path, query: "", headers: &headers, authority: None };
    let cr = canonical_request(&req, path, "", &signed, &sha256_hex(body.as_bytes()));
    let scope = format!("{}/us-east-1/appsync/aws4_request", &amz_date[..8]);
    let sig = signature(&signing_key(secret, &amz_date[..8], "us-east-1", "appsync"), &string_to_sign(&amz_date, &scope, &cr));
    vec![
        ("content-type".into(), "application/json; charset=UTF-8".into()),
        ("x-amz-date".into(), amz_date),
        ("authorization".into(), format!("AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={}, Signature={sig}", signed.join(";"))),
    ]
}

#[tokio::test]
async fn appsync_data_plane_sigv4_is_checked_when_present() {
    let env = TestEnv::start().await;
    let host = env.endpoint.trim_start_matches("http://").to_string();
    let body = r#"{"query":"query { __typename }"}"#;
    let send = |headers: Vec<(String, String)>, body: &'static str| {
        let mut r = env.http().post(format!("{}/graphql", env.endpoint)).body(body);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    let resp = send(sign_appsync(&host, "/graphql", body, "wrong"), body).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["x-amzn-errortype"], "UnauthorizedException");
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["errors"][0]["errorType"], "UnauthorizedException");
    assert!(v["errors"][0]["message"].as_str().unwrap().starts_with(SIG_MESSAGE), "{v}");
    // The right secret passes auth (whatever AppSync then says about the API).
    let resp = send(sign_appsync(&host, "/graphql", body, "test"), body).await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(!text.contains("The request signature we calculated"), "{status} {text}");
    // A body other than the signed one fails.
    let resp = send(sign_appsync(&host, "/graphql", body, "test"), r#"{"query":"query { other }"}"#).await.unwrap();
    assert_eq!(resp.status(), 401);
}
