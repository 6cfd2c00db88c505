//! Verification against published vectors: every case of the AWS SigV4 signing test suite
//! (`testdata/v4`, header and presigned forms) and the S3 API reference examples
//! (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html,
//! https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
//! https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).

use super::canonical::{canonical_uri, PathMode, RequestParts};
use super::parse::{parse_request_auth, RequestAuth, SigV4Auth};
use super::signing::sha256_hex;
use super::verify::{candidate_uris, check_presigned_time, s3_payload_hash, verify_v4};
use http::{HeaderMap, HeaderName, HeaderValue};
use std::path::PathBuf;

struct RawRequest {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Parse the suite's `METHOD target HTTP/1.1` / `Name:value` / blank / body text, unfolding
/// continuation lines.
fn parse_raw(text: &str) -> RawRequest {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let mut it = request_line.splitn(2, ' ');
    let method = it.next().unwrap().to_string();
    let target = it.next().unwrap().trim_end_matches(" HTTP/1.1").to_string();
    let (path, query) = target.split_once('?').map(|(p, q)| (p.to_string(), q.to_string())).unwrap_or((target.clone(), String::new()));
    let mut pairs: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = pairs.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (n, v) = line.split_once(':').unwrap();
            pairs.push((n.trim().to_ascii_lowercase(), v.to_string()));
        }
    }
    let mut headers = HeaderMap::new();
    for (n, v) in pairs {
        headers.append(HeaderName::from_bytes(n.as_bytes()).unwrap(), HeaderValue::from_str(&v).unwrap());
    }
    RawRequest { method, path, query, headers, body: body.as_bytes().to_vec() }
}

fn parts(r: &RawRequest) -> RequestParts<'_> {
    RequestParts { method: &r.method, path: &r.path, query: &r.query, headers: &r.headers, authority: None }
}

fn v4(r: &RawRequest) -> SigV4Auth {
    match parse_request_auth(&parts(r)) {
        Ok(Some(RequestAuth::V4(a))) => a,
        other => panic!("no SigV4 auth: {other:?}"),
    }
}

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/sigv4/testdata/v4")
}

fn read(p: PathBuf) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

#[test]
fn aws_signing_test_suite() {
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(suite_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for dir in entries {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some(ctx) = read(dir.join("context.json")) else { continue };
        let ctx: serde_json::Value = serde_json::from_str(&ctx).unwrap();
        let secret = ctx["credentials"]["secret_access_key"].as_str().unwrap();
        let mode = PathMode { normalize: ctx["normalize"].as_bool().unwrap(), encode: true };
        // `omit_session_token`: the CRT signer appends the token after signing (IoT style);
        // AWS services sign it, so only the header form (token not in SignedHeaders) applies.
        let omit_token = ctx["omit_session_token"].as_bool().unwrap_or(false);
        for form in ["header", "query"] {
            if omit_token && form == "query" {
                continue;
            }
            let Some(signed) = read(dir.join(format!("{form}-signed-request.txt"))) else { continue };
            let req = parse_raw(&signed);
            let auth = v4(&req);
            let uris = vec![canonical_uri(&req.path, mode)];
            let hash = sha256_hex(&req.body);
            let v = verify_v4(&parts(&req), &auth, secret, &hash, &uris);
            let want_cr = read(dir.join(format!("{form}-canonical-request.txt"))).unwrap();
            assert_eq!(v.canonical_request, want_cr.trim_end_matches('\n'), "{name} {form}: canonical request");
            let want_sig = read(dir.join(format!("{form}-signature.txt"))).unwrap();
            assert_eq!(v.expected_signature, want_sig.trim(), "{name} {form}: signature");
            assert!(v.matched, "{name} {form}: provided signature must match");
            let bad = verify_v4(&parts(&req), &auth, "not-the-secret", &hash, &uris);
            assert!(!bad.matched, "{name} {form}: a wrong secret must fail");
            if form == "query" {
                let t = super::signing::parse_amz_date(&auth.amz_date).unwrap();
                assert!(check_presigned_time(&auth, t).is_ok(), "{name}: presigned window");
            }
            checked += 1;
        }
    }
    assert!(checked >= 70, "only {checked} vectors checked");
}

#[test]
fn double_url_encode_vector() {
    let dir = suite_dir().join("double-url-encode");
    let req = parse_raw(&read(dir.join("header-signed-request.txt")).unwrap().replacen("/invocations\n", "/invocations HTTP/1.1\n", 1));
    let auth = v4(&req);
    let v = verify_v4(&parts(&req), &auth, "x", &sha256_hex(b""), &candidate_uris(&req.path, false));
    assert_eq!(v.canonical_request, read(dir.join("header-canonical-request.txt")).unwrap().trim_end_matches('\n'));
}

const S3_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn s3_check(text: &str, want_sig: &str) -> super::verify::Verification {
    let req = parse_raw(text);
    let auth = v4(&req);
    let hash = s3_payload_hash(&parts(&req), &auth).unwrap();
    let v = verify_v4(&parts(&req), &auth, S3_SECRET, &hash, &candidate_uris(&req.path, true));
    assert_eq!(v.expected_signature, want_sig, "canonical request:\n{}", v.canonical_request);
    assert!(v.matched);
    v
}

#[test]
fn s3_get_object_with_range() {
    s3_check(
        "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nRange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\n\n",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
}

#[test]
fn s3_put_object_dollar_key() {
    let text = "PUT /test%24file.text HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nDate:Fri, 24 May 2013 00:00:00 GMT\nx-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\nx-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd\n\nWelcome to Amazon S3.";
    let v = s3_check(text, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    assert!(v.canonical_request.starts_with("PUT\n/test%24file.text\n\n"));
    assert_eq!(sha256_hex(b"Welcome to Amazon S3."), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    // The same request with the `$` left unencoded on the wire still verifies (second candidate).
    s3_check(&text.replace("%24", "$"), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

#[test]
fn s3_get_bucket_lifecycle_and_list() {
    let common = "Host:examplebucket.s3.amazonaws.com\nx-amz-date:20130524T000000Z\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
    s3_check(
        &format!("GET /?lifecycle HTTP/1.1\n{common}Authorization:AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543\n\n"),
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    );
    s3_check(
        &format!("GET /?max-keys=2&prefix=J HTTP/1.1\n{common}Authorization:AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7\n\n"),
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    );
}

#[test]
fn s3_presigned_url_example() {
    let text = "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n\n";
    s3_check(text, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    // Tampering with any signed part breaks it.
    let req = parse_raw(&text.replace("/test.txt", "/test2.txt"));
    let auth = v4(&req);
    assert!(!verify_v4(&parts(&req), &auth, S3_SECRET, "UNSIGNED-PAYLOAD", &candidate_uris(&req.path, true)).matched);
}

#[test]
fn s3_streaming_seed_signature() {
    s3_check(
        "PUT /examplebucket/chunkObject.txt HTTP/1.1\nHost:s3.amazonaws.com\nx-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\nx-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:66560\nContent-Length:66824\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n\n",
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    );
}
