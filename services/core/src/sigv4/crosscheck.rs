//! Cross-check against an independent signer: seeded random requests (hostile paths, query
//! strings with spaces, `+`, `=`, unicode and empty values, repeated and padded headers,
//! bodies) signed by the `aws-sigv4` crate in S3 mode and in the default mode, as headers and
//! as presigned URLs, must all verify with amplocal's own canonicalization; a wrong secret or
//! a tampered query must not.

use super::authorize::{authorize_request, Payload};
use super::canonical::{uri_encode, RequestParts};
use crate::{CredentialMode, CredentialStore};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode};
use aws_sigv4::sign::v4;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, SystemTime};

const PIECES: &[&str] = &["a", "Z9", "-_.~", " ", "+", "=", "&", "/", "%", "ሴ", "é", ":", "!", "$", "'", "(", ")", "*", ",", ";", "@", "~tilde", "x y"];

fn text(rng: &mut StdRng, max: usize) -> String {
    (0..rng.gen_range(0..=max)).map(|_| PIECES[rng.gen_range(0..PIECES.len())]).collect()
}

struct Case {
    method: &'static str,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn case(rng: &mut StdRng, s3: bool) -> Case {
    let method = ["GET", "PUT", "POST", "DELETE", "HEAD"][rng.gen_range(0..5)];
    let segs: Vec<String> = (0..rng.gen_range(1..4)).map(|_| uri_encode(&text(rng, 4))).collect();
    let mut path = format!("/{}", segs.join("/"));
    if !s3 && rng.gen_bool(0.2) {
        path.push_str("/./x/../");
    }
    let mut query = Vec::new();
    for _ in 0..rng.gen_range(0..5) {
        let k = text(rng, 3);
        let k = if k.is_empty() { "k".to_string() } else { k };
        let v = text(rng, 4);
        // Browsers (URLSearchParams) send spaces as `+`; SDKs as `%20`.
        let mut enc = |s: &str| if rng.gen_bool(0.5) { uri_encode(s) } else { uri_encode(s).replace("%20", "+") };
        let (k, v) = (enc(&k), enc(&v));
        query.push(if v.is_empty() && rng.gen_bool(0.3) { k } else { format!("{k}={v}") });
    }
    let uri = if query.is_empty() { format!("https://example.localhost{path}") } else { format!("https://example.localhost{path}?{}", query.join("&")) };
    let mut headers = vec![("host".to_string(), "example.localhost".to_string())];
    for i in 0..rng.gen_range(0..3) {
        headers.push((format!("x-amz-meta-h{i}"), format!("  v{}  with   spaces ", rng.gen_range(0..100))));
    }
    let body: Vec<u8> = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect();
    Case { method, uri, headers, body }
}

fn signed(c: &Case, s3: bool, location: SignatureLocation, now: SystemTime) -> http::Request<()> {
    let identity = Credentials::new("AKIDCROSS", "cross-secret", None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = location;
    settings.expires_in = Some(Duration::from_secs(600));
    if s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name(if s3 { "s3" } else { "appsync" })
        .time(now)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let body = if s3 && location == SignatureLocation::QueryParams { SignableBody::UnsignedPayload } else { SignableBody::Bytes(&c.body) };
    let signable = SignableRequest::new(c.method, c.uri.clone(), c.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), body).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut b = http::Request::builder().method(c.method).uri(c.uri.as_str());
    for (k, v) in &c.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let mut req = b.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut req);
    req
}

fn check(req: &http::Request<()>, body: &[u8], s3: bool, secret: &str, now: SystemTime) -> bool {
    let creds = CredentialStore::new(CredentialMode::Strict);
    creds.insert_static("AKIDCROSS", secret);
    let parts = RequestParts { method: req.method().as_str(), path: req.uri().path(), query: req.uri().query().unwrap_or(""), headers: req.headers(), authority: None };
    let payload = if s3 { Payload::S3 { host_bucket: None } } else { Payload::Body(body) };
    match authorize_request(&creds, &parts, payload, now) {
        Ok(Some(a)) => a.caller.verified,
        Ok(None) => panic!("no auth found in {:?}", req.uri()),
        Err(_) => false,
    }
}

#[test]
fn aws_sigv4_crate_signatures_verify() {
    let mut rng = StdRng::seed_from_u64(0x5157_4e34);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let mut checked = 0;
    for i in 0..400 {
        let s3 = i % 2 == 0;
        let location = if i % 4 < 2 { SignatureLocation::Headers } else { SignatureLocation::QueryParams };
        let c = case(&mut rng, s3);
        let req = signed(&c, s3, location, now);
        assert!(check(&req, &c.body, s3, "cross-secret", now), "case {i} (s3={s3}, {location:?}) did not verify: {} {:?}", req.method(), req.uri());
        assert!(!check(&req, &c.body, s3, "other-secret", now), "case {i}: wrong secret verified");
        checked += 1;
    }
    assert_eq!(checked, 400);
}

#[test]
fn tampering_is_detected() {
    let mut rng = StdRng::seed_from_u64(7);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    for s3 in [true, false] {
        let mut c = case(&mut rng, s3);
        c.uri = format!("https://example.localhost/b/k?x-id=GetObject&p={}", uri_encode("a b"));
        let req = signed(&c, s3, SignatureLocation::QueryParams, now);
        let tampered_uri = req.uri().to_string().replace("p=a%20b", "p=a%20c");
        let mut t = http::Request::builder().method(c.method).uri(tampered_uri.as_str());
        for (k, v) in req.headers() {
            t = t.header(k, v);
        }
        assert!(check(&req, &c.body, s3, "cross-secret", now));
        assert!(!check(&t.body(()).unwrap(), &c.body, s3, "cross-secret", now));
    }
}
