//! Unit tests of [`super::evaluate`] (modes, temporary credentials, time, payload hashes) and
//! of the failure rendering. Requests are signed here with the core SigV4 functions, whose math
//! is checked against the AWS test suite in `amplocal_core::sigv4`.

use super::failure::{render, AuthFailure, Flavor};
use super::*;
use amplocal_core::protocol::aws_json::JsonVersion;
use amplocal_core::sigv4::canonical::{canonical_query, canonical_request};
use amplocal_core::sigv4::signing::{format_amz_date, signature, signing_key, string_to_sign};
use amplocal_core::sigv4::verify::candidate_uris;
use amplocal_core::sigv4::signing::sha256_hex;
use amplocal_core::sigv4::{AuthError, TimeError};
use amplocal_core::Credential;
use std::time::Duration;

const T0: u64 = 1_700_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0)
}

fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut b = http::Request::builder().method(method).uri(uri).header("host", "127.0.0.1:4566");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

struct Signer<'a> {
    key: &'a str,
    secret: &'a str,
    service: &'a str,
    token: Option<&'a str>,
    at: SystemTime,
}

impl Signer<'_> {
    fn sign(&self, mut p: Parts, payload_hash: &str) -> Parts {
        let amz_date = format_amz_date(self.at);
        p.headers.insert("x-amz-date", amz_date.parse().unwrap());
        if let Some(t) = self.token {
            p.headers.insert("x-amz-security-token", t.parse().unwrap());
        }
        let mut names: Vec<String> = p.headers.keys().map(|k| k.as_str().to_string()).collect();
        names.sort();
        names.dedup();
        let req = request_parts(&p);
        let uri = candidate_uris(req.path, self.service == "s3").remove(0);
        let cr = canonical_request(&req, &uri, &canonical_query(req.query, None), &names, payload_hash);
        let scope = format!("{}/us-west-2/{}/aws4_request", &amz_date[..8], self.service);
        let sig = signature(&signing_key(self.secret, &amz_date[..8], "us-west-2", self.service), &string_to_sign(&amz_date, &scope, &cr));
        let auth = format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={sig}", self.key, names.join(";"));
        p.headers.insert("authorization", auth.parse().unwrap());
        p
    }
}

fn store(mode: CredentialMode) -> CredentialStore {
    let s = CredentialStore::new(mode);
    s.insert_static("test", "test");
    s
}

fn ddb(signer: &Signer<'_>, body: &[u8]) -> Parts {
    let p = parts("POST", "/", &[("x-amz-target", "DynamoDB_20120810.ListTables"), ("content-type", "application/x-amz-json-1.0")]);
    signer.sign(p, &sha256_hex(body))
}

fn eval(creds: &CredentialStore, svc: ServiceId, p: &Parts, body: Option<&[u8]>) -> Result<Authenticated, AuthFailure> {
    let policy = policy_for(svc, p, body);
    evaluate(creds, &AuthInput { svc, policy, parts: p, body }, now())
}

fn signer<'a>(key: &'a str, secret: &'a str, service: &'a str) -> Signer<'a> {
    Signer { key, secret, service, token: None, at: now() }
}

#[test]
fn known_key_right_and_wrong_secret() {
    let creds = store(CredentialMode::Lenient);
    let body = br#"{}"#;
    let ok = eval(&creds, ServiceId::DynamoDb, &ddb(&signer("test", "test", "dynamodb"), body), Some(body)).unwrap();
    assert_eq!(ok.region, "us-west-2");
    assert_eq!(ok.account_id, DEFAULT_ACCOUNT);
    assert!(ok.caller.unwrap().verified);
    let bad = eval(&creds, ServiceId::DynamoDb, &ddb(&signer("test", "wrong", "dynamodb"), body), Some(body)).unwrap_err();
    let AuthFailure::Signature(AuthError::SignatureMismatch { canonical_request, string_to_sign, .. }) = bad else { panic!("{bad:?}") };
    assert!(canonical_request.starts_with("POST\n/\n\ncontent-type:application/x-amz-json-1.0\n"), "{canonical_request}");
    assert!(string_to_sign.starts_with("AWS4-HMAC-SHA256\n"));
    // The body is part of the signature: a different body fails.
    let tampered = eval(&creds, ServiceId::DynamoDb, &ddb(&signer("test", "test", "dynamodb"), body), Some(b"{\"Limit\":1}"));
    assert!(matches!(tampered, Err(AuthFailure::Signature(AuthError::SignatureMismatch { .. }))));
}

#[test]
fn lenient_accepts_unknown_keys_unchecked_strict_rejects() {
    let lenient = store(CredentialMode::Lenient);
    let p = ddb(&signer("123456789012", "whatever", "dynamodb"), b"{}");
    let a = eval(&lenient, ServiceId::DynamoDb, &p, Some(b"not even the signed body")).unwrap();
    assert_eq!(a.account_id, "123456789012");
    let c = a.caller.unwrap();
    assert!(!c.verified);
    assert_eq!(c.access_key, "123456789012");
    let strict = store(CredentialMode::Strict);
    assert_eq!(eval(&strict, ServiceId::DynamoDb, &p, Some(b"{}")).unwrap_err(), AuthFailure::Signature(AuthError::UnknownKey("123456789012".into())));
    // Strict still accepts the configured key.
    assert!(eval(&strict, ServiceId::DynamoDb, &ddb(&signer("test", "test", "dynamodb"), b"{}"), Some(b"{}")).is_ok());
}

#[test]
fn missing_auth_by_policy_and_mode() {
    let lenient = store(CredentialMode::Lenient);
    let strict = store(CredentialMode::Strict);
    let unsigned_ddb = parts("POST", "/", &[("x-amz-target", "DynamoDB_20120810.ListTables")]);
    assert_eq!(eval(&lenient, ServiceId::DynamoDb, &unsigned_ddb, Some(b"{}")).unwrap_err(), AuthFailure::Missing);
    let initiate = parts("POST", "/", &[("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")]);
    assert!(eval(&strict, ServiceId::Cognito, &initiate, Some(b"{}")).unwrap().caller.is_none());
    let admin = parts("POST", "/", &[("x-amz-target", "AWSCognitoIdentityProviderService.AdminGetUser")]);
    assert_eq!(eval(&lenient, ServiceId::Cognito, &admin, Some(b"{}")).unwrap_err(), AuthFailure::Missing);
    let get = parts("GET", "/bucket/key", &[]);
    let anon = eval(&lenient, ServiceId::S3, &get, None).unwrap();
    assert_eq!((anon.account_id.as_str(), anon.region.as_str(), anon.caller.is_none()), (DEFAULT_ACCOUNT, DEFAULT_REGION, true));
    assert_eq!(eval(&strict, ServiceId::S3, &get, None).unwrap_err(), AuthFailure::Missing);
    let graphql = parts("POST", "/graphql", &[("x-api-key", "da2-xyz"), ("authorization", "eyJraWQiOi.jwt.sig")]);
    assert!(eval(&strict, ServiceId::AppSync, &graphql, None).is_ok());
    let jwks = parts("GET", "/us-east-1_abc/.well-known/jwks.json", &[]);
    assert!(eval(&strict, ServiceId::Cognito, &jwks, Some(b"")).is_ok());
}

#[test]
fn appsync_data_plane_checks_sigv4_when_present() {
    let creds = store(CredentialMode::Lenient);
    let body = br#"{"query":"{ listTodos { items { id } } }"}"#;
    let p = signer("test", "test", "appsync").sign(parts("POST", "/graphql", &[("content-type", "application/json")]), &sha256_hex(body));
    assert!(eval(&creds, ServiceId::AppSync, &p, Some(body)).unwrap().caller.unwrap().verified);
    let bad = signer("test", "nope", "appsync").sign(parts("POST", "/graphql", &[("content-type", "application/json")]), &sha256_hex(body));
    assert!(matches!(eval(&creds, ServiceId::AppSync, &bad, Some(body)), Err(AuthFailure::Signature(AuthError::SignatureMismatch { .. }))));
}

/// Item 6 of the foundation issue: temporary credentials registered by the identity-pool
/// code are honoured (token must match, expiry enforced, account taken from the credential).
#[test]
fn temporary_credentials_registered_in_the_store() {
    let creds = store(CredentialMode::Strict);
    creds.insert("ASIATEMPKEY", Credential::temporary("tmpsecret", "session-token-1", "111122223333", now() + Duration::from_secs(3600)));
    let mut s = signer("ASIATEMPKEY", "tmpsecret", "s3");
    s.token = Some("session-token-1");
    let get = |s: &Signer<'_>| s.sign(parts("GET", "/bucket/key", &[("x-amz-content-sha256", amplocal_core::sigv4::chunk::EMPTY_SHA256)]), amplocal_core::sigv4::chunk::EMPTY_SHA256);
    let ok = eval(&creds, ServiceId::S3, &get(&s), None).unwrap();
    assert_eq!(ok.account_id, "111122223333");
    let caller = ok.caller.unwrap();
    assert_eq!(caller.session_token.as_deref(), Some("session-token-1"));
    assert!(caller.verified);
    s.token = Some("someone-elses-token");
    assert_eq!(eval(&creds, ServiceId::S3, &get(&s), None).unwrap_err(), AuthFailure::Signature(AuthError::InvalidToken));
    s.token = None;
    assert_eq!(eval(&creds, ServiceId::S3, &get(&s), None).unwrap_err(), AuthFailure::Signature(AuthError::InvalidToken));
    // Expired: signed at a time the clock accepts, but the credential's lifetime is over.
    creds.insert("ASIAOLD", Credential::temporary("old", "t", "111122223333", now() - Duration::from_secs(1)));
    let mut old = signer("ASIAOLD", "old", "s3");
    old.token = Some("t");
    assert_eq!(eval(&creds, ServiceId::S3, &get(&old), None).unwrap_err(), AuthFailure::Signature(AuthError::ExpiredToken));
}

#[test]
fn clock_skew_is_fifteen_minutes() {
    let creds = store(CredentialMode::Lenient);
    let mut s = signer("test", "test", "dynamodb");
    s.at = now() - Duration::from_secs(14 * 60);
    assert!(eval(&creds, ServiceId::DynamoDb, &ddb(&s, b"{}"), Some(b"{}")).is_ok());
    s.at = now() - Duration::from_secs(16 * 60);
    let e = eval(&creds, ServiceId::DynamoDb, &ddb(&s, b"{}"), Some(b"{}")).unwrap_err();
    assert!(matches!(e, AuthFailure::Signature(AuthError::Time(TimeError::Skewed { .. }))), "{e:?}");
    s.at = now() + Duration::from_secs(16 * 60);
    assert!(matches!(eval(&creds, ServiceId::DynamoDb, &ddb(&s, b"{}"), Some(b"{}")), Err(AuthFailure::Signature(AuthError::Time(TimeError::Skewed { .. })))));
}

#[test]
fn s3_payload_hash_rules_and_chunk_signing() {
    let creds = store(CredentialMode::Lenient);
    let s = signer("test", "test", "s3");
    let streaming = s.sign(
        parts("PUT", "/bucket/key?x-id=PutObject", &[("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"), ("content-encoding", "aws-chunked")]),
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    );
    let a = eval(&creds, ServiceId::S3, &streaming, None).unwrap();
    let cs = a.caller.unwrap().chunk_signing.expect("chunk signing for a signed streaming body");
    let provided = streaming.headers["authorization"].to_str().unwrap().rsplit("Signature=").next().unwrap().to_string();
    assert_eq!(cs.seed_signature, provided);
    assert_eq!(cs.scope, format!("{}/us-west-2/s3/aws4_request", &format_amz_date(now())[..8]));
    assert_eq!(cs.signing_key, signing_key("test", &format_amz_date(now())[..8], "us-west-2", "s3"));
    let unsigned = s.sign(parts("PUT", "/bucket/key", &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]), "UNSIGNED-PAYLOAD");
    assert!(eval(&creds, ServiceId::S3, &unsigned, None).unwrap().caller.unwrap().chunk_signing.is_none());
    let no_hash = s.sign(parts("GET", "/bucket/key", &[]), "UNSIGNED-PAYLOAD");
    assert_eq!(eval(&creds, ServiceId::S3, &no_hash, None).unwrap_err(), AuthFailure::Signature(AuthError::MissingContentSha256));
}

#[test]
fn s3_sigv2_presigned_and_virtual_host_bucket() {
    let creds = store(CredentialMode::Lenient);
    let expires = (T0 + 600).to_string();
    let sts = format!("GET\n\n\n{expires}\n/bucket/key.txt");
    let sig = amplocal_core::sigv4::sigv2::signature("test", &sts);
    let enc = amplocal_core::sigv4::canonical::uri_encode(&sig);
    let path_style = parts("GET", &format!("/bucket/key.txt?AWSAccessKeyId=test&Signature={enc}&Expires={expires}"), &[]);
    assert!(eval(&creds, ServiceId::S3, &path_style, None).unwrap().caller.unwrap().verified);
    let mut vhost = parts("GET", &format!("/key.txt?AWSAccessKeyId=test&Signature={enc}&Expires={expires}"), &[]);
    vhost.headers.insert("host", "bucket.s3.localhost:4566".parse().unwrap());
    assert!(eval(&creds, ServiceId::S3, &vhost, None).is_ok());
    let tampered = parts("GET", &format!("/bucket/other.txt?AWSAccessKeyId=test&Signature={enc}&Expires={expires}"), &[]);
    assert!(matches!(eval(&creds, ServiceId::S3, &tampered, None), Err(AuthFailure::Signature(AuthError::SignatureMismatch { .. }))));
    let old = (T0 - 1).to_string();
    let sig_old = amplocal_core::sigv4::canonical::uri_encode(&amplocal_core::sigv4::sigv2::signature("test", &format!("GET\n\n\n{old}\n/bucket/key.txt")));
    let expired = parts("GET", &format!("/bucket/key.txt?AWSAccessKeyId=test&Signature={sig_old}&Expires={old}"), &[]);
    assert!(matches!(eval(&creds, ServiceId::S3, &expired, None), Err(AuthFailure::Signature(AuthError::Time(TimeError::Expired { .. })))));
}

async fn body_of(resp: Response) -> (u16, http::HeaderMap, String) {
    let (p, b) = resp.into_parts();
    let bytes = axum::body::to_bytes(b, usize::MAX).await.unwrap();
    (p.status.as_u16(), p.headers, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn rendering_per_protocol() {
    let mismatch = AuthFailure::Signature(AuthError::SignatureMismatch {
        access_key: "test".into(),
        provided: "abc".into(),
        canonical_request: "GET\n/b/k\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD".into(),
        string_to_sign: "AWS4-HMAC-SHA256\n20231114T221320Z\nscope\nhash".into(),
    });
    let (status, headers, body) = body_of(render(&mismatch, Flavor::S3 { head: false }, "RID", now())).await;
    assert_eq!(status, 403);
    assert_eq!(headers["x-amz-request-id"], "RID");
    for needle in [
        "<Code>SignatureDoesNotMatch</Code>",
        "<AWSAccessKeyId>test</AWSAccessKeyId>",
        "<StringToSign>AWS4-HMAC-SHA256\n20231114T221320Z\nscope\nhash</StringToSign>",
        "<SignatureProvided>abc</SignatureProvided>",
        "<StringToSignBytes>41 57 53 34",
        "<CanonicalRequest>GET\n/b/k\n",
        "<CanonicalRequestBytes>47 45 54 0a",
    ] {
        assert!(body.contains(needle), "{needle} in {body}");
    }
    let (status, _, body) = body_of(render(&mismatch, Flavor::S3 { head: true }, "RID", now())).await;
    assert_eq!((status, body.as_str()), (403, ""));
    let ddb = Flavor::Json(JsonVersion::V1_0, Some("com.amazon.coral.service#"));
    let (status, headers, body) = body_of(render(&mismatch, ddb, "RID", now())).await;
    assert_eq!(status, 400);
    assert_eq!(headers["x-amzn-errortype"], "InvalidSignatureException");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["__type"], "com.amazon.coral.service#InvalidSignatureException");
    assert!(v["message"].as_str().unwrap().starts_with(failure::JSON_SIGNATURE_MESSAGE));
    assert!(v["message"].as_str().unwrap().contains("The Canonical String for this request should have been\n'GET\n/b/k"));
    let (status, _, body) = body_of(render(&AuthFailure::Signature(AuthError::UnknownKey("AKIA".into())), Flavor::Json(JsonVersion::V1_1, None), "R", now())).await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#);
    let (status, _, body) = body_of(render(&AuthFailure::Signature(AuthError::UnknownKey("AKIA".into())), Flavor::S3 { head: false }, "R", now())).await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message><AWSAccessKeyId>AKIA</AWSAccessKeyId>"));
    let (status, _, body) = body_of(render(&AuthFailure::Missing, ddb, "R", now())).await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}"#);
    let skew = AuthFailure::Signature(AuthError::Time(TimeError::Skewed { request: now() - Duration::from_secs(3600), now: now() }));
    let (status, _, body) = body_of(render(&skew, Flavor::S3 { head: false }, "R", now())).await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>RequestTimeTooSkewed</Code>") && body.contains("<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"), "{body}");
    let (_, _, body) = body_of(render(&skew, ddb, "R", now())).await;
    assert!(body.contains("Signature expired: 20231114T211320Z is now earlier than 20231114T215820Z (20231114T221320Z - 15 min.)"), "{body}");
    let expired = AuthFailure::Signature(AuthError::Time(TimeError::Expired { expired_at: now(), now: now() + Duration::from_secs(5), expires_secs: 900 }));
    let (status, _, body) = body_of(render(&expired, Flavor::S3 { head: false }, "R", now())).await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>900</X-Amz-Expires><Expires>2023-11-14T22:13:20Z</Expires>"), "{body}");
    let (status, _, body) = body_of(render(&AuthFailure::Signature(AuthError::ExpiredToken), Flavor::S3 { head: false }, "R", now())).await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>ExpiredToken</Code>"));
    let (_, _, body) = body_of(render(&AuthFailure::Signature(AuthError::ExpiredToken), ddb, "R", now())).await;
    assert!(body.contains("ExpiredTokenException"));
    let (status, headers, body) = body_of(render(&AuthFailure::Signature(AuthError::UnknownKey("x".into())), Flavor::Query, "R", now())).await;
    assert_eq!(status, 403);
    assert_eq!(headers["content-type"], "text/xml");
    assert!(body.contains("<Code>InvalidClientTokenId</Code>"));
    let (status, headers, body) = body_of(render(&mismatch, Flavor::GraphQl, "R", now())).await;
    assert_eq!(status, 401);
    assert_eq!(headers["x-amzn-errortype"], "UnauthorizedException");
    assert!(body.starts_with(r#"{"errors":[{"errorType":"UnauthorizedException","message":"The request signature"#), "{body}");
    let (status, _, _) = body_of(render(&AuthFailure::TooLarge(16), ddb, "R", now())).await;
    assert_eq!(status, 413);
    let (status, _, body) = body_of(render(&AuthFailure::Missing, Flavor::RestJson, "R", now())).await;
    assert_eq!(status, 403);
    assert!(body.contains("MissingAuthenticationTokenException"));
}
