//! End-to-end tests of S3 on the wire: hostile keys, virtual hosts, digests and signed chunks,
//! CORS, versioning, malformed requests and stored bucket configuration.

use super::*;

#[tokio::test]
async fn hostile_keys_round_trip_and_never_touch_the_filesystem() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "keys").await;
    let long = "k".repeat(1024);
    let keys = ["../escape.txt", "x/../../y", "a//b", "/leading", "pct%2F", "dir/", "ünïcödé/😀", "a", "a/b", "sp ace", "0", long.as_str()];
    // bodies above the 64 KiB inline limit, so that every one of them becomes a file
    let body = |i: usize| format!("body{i}{}", "-".repeat(70_000)).into_bytes();
    for (i, k) in keys.iter().enumerate() {
        put(&c, "keys", k, &body(i)).await;
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(get_bytes(&c, "keys", k).await, body(i), "{k}");
    }
    let listed: Vec<String> = c.list_objects_v2().bucket("keys").send().await.unwrap().contents().iter().map(|o| o.key().unwrap().to_string()).collect();
    let mut want: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(listed, want);
    // a NUL inside a key is stored and listed like any other character
    let r = env.http().put(format!("{}/keys/nul%00key", env.endpoint)).body("nul").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = env.http().get(format!("{}/keys/nul%00key", env.endpoint)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "nul");
    let r = env.http().get(format!("{}/keys/nul", env.endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let xml = env.http().get(format!("{}/keys?list-type=2&prefix=nul&encoding-type=url", env.endpoint)).send().await.unwrap().text().await.unwrap();
    assert!(xml.contains("<Key>nul%00key</Key>"), "{xml}");
    c.delete_object().bucket("keys").key("nul\0key").send().await.unwrap();
    let e = c.put_object().bucket("keys").key("k".repeat(1025)).body(ByteStream::from_static(b"x")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "KeyTooLongError".into()));

    let mut files = Vec::new();
    files_under(env.dir.path(), &mut files);
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(!name.contains("escape") && !name.contains('ü') && name.len() < 100 && name != "y", "{f:?}");
    }
    let blobs: Vec<_> = files.iter().filter(|f| f.starts_with(env.dir.path().join("s3/blobs")) && f.is_file()).collect();
    assert_eq!(blobs.len(), keys.len());
    assert!(blobs.iter().all(|f| f.file_name().unwrap().to_string_lossy().bytes().all(|b| b.is_ascii_hexdigit())));
}

#[tokio::test]
async fn virtual_hosted_requests_and_bucketless_delete() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "vhost").await;
    let http = env.http();
    let host = format!("vhost.s3.localhost:{}", env.addr.port());
    let r = http.put(format!("{}/dir/file.txt", env.endpoint)).header("host", &host).body("via vhost").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get_bytes(&c, "vhost", "dir/file.txt").await, b"via vhost");
    let host2 = format!("vhost.localhost:{}", env.addr.port());
    let r = http.get(format!("{}/dir/file.txt", env.endpoint)).header("host", &host2).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "via vhost");
    let xml = http.get(format!("{}/?list-type=2", env.endpoint)).header("host", &host).send().await.unwrap().text().await.unwrap();
    assert!(xml.contains("<Key>dir/file.txt</Key>") && xml.contains("<Name>vhost</Name>"), "{xml}");
    // Amplify: POST /?delete on the bucket's virtual host
    let body = "<Delete><Quiet>false</Quiet><Object><Key>dir/file.txt</Key></Object></Delete>";
    let r = http.post(format!("{}/?delete=", env.endpoint)).header("host", &host).body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<Deleted><Key>dir/file.txt</Key>"));
    let e = c.head_object().bucket("vhost").key("dir/file.txt").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    // HTTPS on the same port, bucket from the TLS virtual host (what Amplify Storage uses)
    // (`bucket.localhost` over TLS is not tested: rustls refuses the certificate's `*.localhost`
    // wildcard, whose parent is a single label; `*.s3.localhost` works)
    let https = env.https_with(&["vhost.s3.localhost"]);
    let port = env.addr.port();
    let r = https.put(format!("https://vhost.s3.localhost:{port}/tls/k")).body("over tls").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("etag"));
    let r = https.get(format!("https://vhost.s3.localhost:{port}/tls/k")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "over tls");
    let r = https.get(format!("https://localhost:{port}/vhost/tls/k")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "over tls");
}

#[tokio::test]
async fn bad_digests_are_rejected_and_store_nothing() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "dig").await;
    let http = env.http();
    let url = format!("{}/dig/k", env.endpoint);
    let r = http.put(&url).header("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==").body("hello").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>BadDigest</Code>"));
    let r = http.put(&url).header("content-md5", "not-md5").body("hello").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<Code>InvalidDigest</Code>"));
    let r = http.put(&url).header("x-amz-checksum-crc32", "AAAAAA==").body("hello").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>BadDigest</Code>"));
    // JS SDK presigned PUT URLs carry the CRC32 of an empty body; S3 rejects the upload
    let r = http.put(format!("{url}?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32")).body("hello").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("<Code>BadDigest</Code>") && text.contains("WHEN_REQUIRED"), "{text}");
    let r = http.put(&url).header("x-amz-content-sha256", "0".repeat(64)).body("hello").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<Code>XAmzContentSHA256Mismatch</Code>"));
    let r = http.put(&url).header("content-md5", "XUFAKrxLKna5cZ2REBfFkg==").header("x-amz-checksum-crc32", "NhCmhg==").body("hello").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-amz-checksum-crc32"], "NhCmhg==");
    assert_eq!(c.list_objects_v2().bucket("dig").send().await.unwrap().key_count(), Some(1));
    // unsigned aws-chunked with a trailing checksum (JS SDK stream bodies)
    let body = "a\r\nchunk-one \r\n9\r\nchunk-two\r\n0\r\nx-amz-checksum-crc32:s4R9Pg==\r\n\r\n";
    let r = http
        .put(format!("{}/dig/chunked", env.endpoint))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        .header("x-amz-decoded-content-length", "19")
        .header("x-amz-trailer", "x-amz-checksum-crc32")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get_bytes(&c, "dig", "chunked").await, b"chunk-one chunk-two");
    let h = c.head_object().bucket("dig").key("chunked").send().await.unwrap();
    assert!(h.content_encoding().is_none());
    let bad = body.replace("s4R9Pg==", "AAAAAA==");
    let r = http
        .put(format!("{}/dig/chunked2", env.endpoint))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        .header("x-amz-trailer", "x-amz-checksum-crc32")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .put(format!("{}/dig/chunked3", env.endpoint))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        .body("a\r\nshort")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(c.list_objects_v2().bucket("dig").send().await.unwrap().key_count(), Some(2));
}

#[tokio::test]
async fn cors_default_and_bucket_rules() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "web").await;
    let http = env.http();
    let pre = |origin: &'static str, method: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{}/web/k", env.endpoint))
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "content-type,x-amz-date")
            .send()
    };
    let r = pre("http://app.test", "PUT").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "http://app.test");
    assert!(r.headers()["access-control-expose-headers"].to_str().unwrap().contains("ETag"));
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("x-amz-date"));
    // actual responses carry the headers too
    let r = http.put(format!("{}/web/k", env.endpoint)).header("origin", "http://app.test").body("x").send().await.unwrap();
    assert!(r.headers()["access-control-expose-headers"].to_str().unwrap().contains("ETag"));

    let rule = CorsRule::builder().allowed_origins("https://*.example.com").allowed_methods("GET").allowed_headers("*").expose_headers("x-amz-request-id").max_age_seconds(60).build().unwrap();
    c.put_bucket_cors().bucket("web").cors_configuration(CorsConfiguration::builder().cors_rules(rule).build().unwrap()).send().await.unwrap();
    let got = c.get_bucket_cors().bucket("web").send().await.unwrap();
    assert_eq!(got.cors_rules()[0].allowed_origins(), ["https://*.example.com"]);
    let r = pre("https://a.example.com", "GET").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-max-age"], "60");
    let r = pre("https://a.example.com", "PUT").await.unwrap();
    assert_eq!(r.status(), 403);
    let r = pre("http://evil.test", "GET").await.unwrap();
    assert_eq!(r.status(), 403);
    c.delete_bucket_cors().bucket("web").send().await.unwrap();
    let e = c.get_bucket_cors().bucket("web").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchCORSConfiguration".into()));
}

#[tokio::test]
async fn versioning_tagging_and_versions_listing() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "ver").await;
    put(&c, "ver", "pre", b"old").await;
    let vs = c.list_object_versions().bucket("ver").send().await.unwrap();
    assert_eq!(vs.versions()[0].version_id(), Some("null"));
    c.put_bucket_versioning()
        .bucket("ver")
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .unwrap();
    assert_eq!(c.get_bucket_versioning().bucket("ver").send().await.unwrap().status(), Some(&BucketVersioningStatus::Enabled));
    let v1 = put(&c, "ver", "k", b"one").await.version_id().unwrap().to_string();
    let v2 = put(&c, "ver", "k", b"two").await.version_id().unwrap().to_string();
    assert_ne!(v1, v2);
    assert_eq!(get_bytes(&c, "ver", "k").await, b"two");
    let old = c.get_object().bucket("ver").key("k").version_id(&v1).send().await.unwrap();
    assert_eq!(old.body.collect().await.unwrap().into_bytes().as_ref(), b"one");
    let d = c.delete_object().bucket("ver").key("k").send().await.unwrap();
    assert_eq!(d.delete_marker(), Some(true));
    let e = c.get_object().bucket("ver").key("k").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    let raw = e.raw_response().unwrap();
    assert_eq!(raw.headers().get("x-amz-delete-marker"), Some("true"));
    assert_eq!(raw.headers().get("x-amz-version-id"), d.version_id());
    let vs = c.list_object_versions().bucket("ver").prefix("k").send().await.unwrap();
    assert_eq!(vs.versions().len(), 2);
    assert_eq!(vs.delete_markers().len(), 1);
    // removing the marker brings the object back
    c.delete_object().bucket("ver").key("k").version_id(d.version_id().unwrap()).send().await.unwrap();
    assert_eq!(get_bytes(&c, "ver", "k").await, b"two");
    let e = c.get_object().bucket("ver").key("k").version_id("nope").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchVersion".into()));

    let tags = aws_sdk_s3::types::Tagging::builder().tag_set(aws_sdk_s3::types::Tag::builder().key("t").value("v").build().unwrap()).build().unwrap();
    c.put_object_tagging().bucket("ver").key("pre").tagging(tags).send().await.unwrap();
    let t = c.get_object_tagging().bucket("ver").key("pre").send().await.unwrap();
    assert_eq!(t.tag_set()[0].key(), "t");
    c.delete_object_tagging().bucket("ver").key("pre").send().await.unwrap();
    assert!(c.get_object_tagging().bucket("ver").key("pre").send().await.unwrap().tag_set().is_empty());
    let e = c.get_bucket_policy().bucket("ver").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucketPolicy".into()));
    c.put_bucket_policy().bucket("ver").policy(r#"{"Version":"2012-10-17","Statement":[]}"#).send().await.unwrap();
    assert!(c.get_bucket_policy().bucket("ver").send().await.unwrap().policy().unwrap().contains("2012-10-17"));
}

/// A hand-signed `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` PUT of `sent`, whose chunk is signed
/// over `signed` (so a mismatch proves the service checks chunk signatures).
async fn signed_streaming_put(env: &TestEnv, key: &str, signed: &[u8], sent: &[u8]) -> reqwest::Response {
    use amplocal_core::sigv4::chunk::chunk_signature;
    use amplocal_core::sigv4::signing::{format_amz_date, sha256_hex, signature, signing_key, string_to_sign};
    let now = std::time::SystemTime::now();
    let amz_date = format_amz_date(now);
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/s3/aws4_request");
    let host = format!("127.0.0.1:{}", env.addr.port());
    let path = format!("/sig/{key}");
    let canonical = format!(
        "PUT\n{path}\n\ncontent-encoding:aws-chunked\nhost:{host}\nx-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nx-amz-date:{amz_date}\nx-amz-decoded-content-length:{}\n\ncontent-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        sent.len()
    );
    let key_bytes = signing_key(amplocal_tests::SECRET, date, "us-east-1", "s3");
    let seed = signature(&key_bytes, &string_to_sign(&amz_date, &scope, &canonical));
    let cs = amplocal_core::ChunkSigning { signing_key: key_bytes, seed_signature: seed.clone(), amz_date: amz_date.clone(), scope: scope.clone() };
    let sig1 = chunk_signature(&cs, &seed, &sha256_hex(signed));
    let sig2 = chunk_signature(&cs, &sig1, &sha256_hex(b""));
    let mut body = format!("{:x};chunk-signature={sig1}\r\n", sent.len()).into_bytes();
    body.extend_from_slice(sent);
    body.extend_from_slice(format!("\r\n0;chunk-signature={sig2}\r\n\r\n").as_bytes());
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length, Signature={seed}",
        amplocal_tests::KEY
    );
    env.http()
        .put(format!("{}{path}", env.endpoint))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        .header("x-amz-date", &amz_date)
        .header("x-amz-decoded-content-length", sent.len().to_string())
        .header("authorization", auth)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signed_chunks_are_verified() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "sig").await;
    let ok = signed_streaming_put(&env, "good", b"hello", b"hello").await;
    assert_eq!(ok.status(), 200, "{:?}", ok.text().await);
    assert_eq!(get_bytes(&c, "sig", "good").await, b"hello");
    let bad = signed_streaming_put(&env, "bad", b"hello", b"hellO").await;
    assert_eq!(bad.status(), 403);
    assert!(bad.text().await.unwrap().contains("<Code>SignatureDoesNotMatch</Code>"));
    let e = c.head_object().bucket("sig").key("bad").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
}

#[tokio::test]
async fn configured_base_hostname_for_virtual_hosts() {
    let env = TestEnv::builder().services(|s| s.s3.hostnames = vec!["files.example.test".into()]).start().await;
    bucket(&env.s3(), "custom").await;
    let host = format!("custom.files.example.test:{}", env.addr.port());
    let r = env.http().put(format!("{}/k.txt", env.endpoint)).header("host", &host).body("custom host").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get_bytes(&env.s3(), "custom", "k.txt").await, b"custom host");
    // the base host itself is path-style
    let r = env.http().get(format!("{}/custom/k.txt", env.endpoint)).header("host", format!("files.example.test:{}", env.addr.port())).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "custom host");
}

/// (method, path, headers, body, expected status, expected code).
type BadCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str, u16, &'a str);

#[tokio::test]
async fn malformed_requests_get_s3_errors_never_500() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "bad").await;
    put(&c, "bad", "k", b"hello").await;
    let cases: &[BadCase] = &[
        ("POST", "/bad/k?uploadId=nope", &[], "garbage", 400, "MalformedXML"),
        ("POST", "/bad?delete", &[], "", 400, "MalformedXML"),
        ("POST", "/bad?delete", &[], "<Delete><Object></Object></Delete>", 400, "MalformedXML"),
        ("PUT", "/bad?cors", &[], "<CORSConfiguration><CORSRule></CORSRule></CORSConfiguration>", 400, "MalformedXML"),
        ("PUT", "/bad?versioning", &[], "<VersioningConfiguration><Status>Maybe</Status></VersioningConfiguration>", 400, "MalformedXML"),
        ("PUT", "/bad/k?tagging", &[], "<Tagging>", 400, "MalformedXML"),
        ("PUT", "/bad?policy", &[], "not json", 400, "MalformedPolicy"),
        ("GET", "/bad?list-type=2&max-keys=abc", &[], "", 400, "InvalidArgument"),
        ("GET", "/bad?list-type=2&encoding-type=xml", &[], "", 400, "InvalidArgument"),
        ("GET", "/bad/k?partNumber=abc", &[], "", 400, "InvalidArgument"),
        ("GET", "/bad/k?partNumber=5", &[], "", 416, "InvalidRange"),
        ("PUT", "/bad/k2", &[("x-amz-copy-source", "garbage")], "", 400, "InvalidArgument"),
        ("PUT", "/bad/k3", &[("content-encoding", "aws-chunked")], "zz\r\nhello\r\n0\r\n\r\n", 400, "InvalidRequest"),
        ("PUT", "/bad/k3", &[("content-encoding", "aws-chunked")], "5\r\nhelloXX0\r\n\r\n", 400, "InvalidRequest"),
        ("PUT", "/bad/k3", &[("content-encoding", "aws-chunked")], "ffffffffffffffffff\r\nx\r\n", 400, "InvalidRequest"),
        ("PUT", "/bad/k4", &[("x-amz-checksum-crc32", "!!!")], "hi", 400, "InvalidRequest"),
        ("PUT", "/bad/k4", &[("x-amz-sdk-checksum-algorithm", "MD77")], "hi", 400, "InvalidRequest"),
        ("PUT", "/bad/k4", &[("x-amz-tagging", "a=1&a=2")], "hi", 400, "InvalidTag"),
        ("PUT", "/bad/k4", &[("x-amz-tagging", "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11")], "hi", 400, "BadRequest"),
        ("PUT", "/bad/k4?partNumber=0&uploadId=x", &[], "hi", 400, "InvalidArgument"),
        ("PUT", "/bad/k4?partNumber=1&uploadId=x", &[], "hi", 404, "NoSuchUpload"),
        ("POST", "/bad", &[("content-type", "multipart/form-data; boundary=xx")], "garbage", 400, "MalformedPOSTRequest"),
        ("POST", "/bad/k?uploads", &[("x-amz-checksum-type", "WEIRD")], "", 400, "InvalidRequest"),
        ("GET", "/bad/k?versionId=nope", &[], "", 404, "NoSuchVersion"),
        ("PATCH", "/bad/k", &[], "", 405, "MethodNotAllowed"),
        ("PUT", "/UPPER", &[], "", 400, "InvalidBucketName"),
        ("GET", "/bad/k?attributes", &[], "", 400, "InvalidArgument"),
    ];
    for (method, path, headers, body, status, code) in cases {
        let mut req = env.http().request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", env.endpoint)).body(body.to_string());
        for (k, v) in *headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let got = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(got, *status, "{method} {path}: {text}");
        assert!(text.contains(&format!("<Code>{code}</Code>")), "{method} {path}: {text}");
    }
    // the object is untouched
    assert_eq!(get_bytes(&c, "bad", "k").await, b"hello");
}

#[tokio::test]
async fn acl_lifecycle_and_bucket_tagging_are_stored_and_returned() {
    use aws_sdk_s3::types::{BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, Permission, Tag, Tagging};
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "conf").await;
    put(&c, "conf", "k", b"x").await;
    let acl = c.get_bucket_acl().bucket("conf").send().await.unwrap();
    assert_eq!(acl.grants()[0].permission(), Some(&Permission::FullControl));
    assert!(acl.owner().and_then(|o| o.id()).is_some());
    let acl = c.get_object_acl().bucket("conf").key("k").send().await.unwrap();
    assert_eq!(acl.grants().len(), 1);
    let e = c.get_object_acl().bucket("conf").key("missing").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));

    let e = c.get_bucket_lifecycle_configuration().bucket("conf").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchLifecycleConfiguration".into()));
    let rule = LifecycleRule::builder()
        .id("expire-tmp")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
        .expiration(LifecycleExpiration::builder().days(7).build())
        .build()
        .unwrap();
    c.put_bucket_lifecycle_configuration()
        .bucket("conf")
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build().unwrap())
        .send()
        .await
        .unwrap();
    let got = c.get_bucket_lifecycle_configuration().bucket("conf").send().await.unwrap();
    assert_eq!(got.rules()[0].id(), Some("expire-tmp"));
    assert_eq!(got.rules()[0].expiration().and_then(|e| e.days()), Some(7));
    c.delete_bucket_lifecycle().bucket("conf").send().await.unwrap();

    let e = c.get_bucket_tagging().bucket("conf").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchTagSet".into()));
    let tags = Tagging::builder().tag_set(Tag::builder().key("team").value("web").build().unwrap()).build().unwrap();
    c.put_bucket_tagging().bucket("conf").tagging(tags).send().await.unwrap();
    let got = c.get_bucket_tagging().bucket("conf").send().await.unwrap();
    assert_eq!((got.tag_set()[0].key(), got.tag_set()[0].value()), ("team", "web"));
    c.delete_bucket_tagging().bucket("conf").send().await.unwrap();
    let e = c.get_bucket_tagging().bucket("conf").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchTagSet".into()));
    // x-amz-tagging on PutObject
    c.put_object().bucket("conf").key("tagged").tagging("a=1&b=two").body(ByteStream::from_static(b"t")).send().await.unwrap();
    let t = c.get_object_tagging().bucket("conf").key("tagged").send().await.unwrap();
    assert_eq!(t.tag_set().len(), 2);
    assert_eq!(c.get_object().bucket("conf").key("tagged").send().await.unwrap().tag_count(), Some(2));
}
