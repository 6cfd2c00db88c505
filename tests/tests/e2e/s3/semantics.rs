//! End-to-end tests of S3 semantics the other files leave out: `null` versions and `null` delete
//! markers under Suspended versioning, If-Match on CompleteMultipartUpload, GetObjectAttributes
//! (checksum, storage class, errors), `encoding-type=url` on ListObjects (V1) and
//! ListObjectVersions, the permissive CORS default's exposed headers and CORS under
//! bucket rules, a configured base host over HTTPS, ListObjectVersions paging inside one key's
//! versions, request ids and ranges on empty objects.

use super::*;
use aws_sdk_s3::types::ObjectAttributes;

/// CRC32 (IEEE) of `data`, base64 of the big-endian value, as in `x-amz-checksum-crc32`.
pub(super) fn crc32_b64(data: &[u8]) -> String {
    use base64::Engine;
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = (c >> 1) ^ (0xedb8_8320 & (c & 1).wrapping_neg());
        }
    }
    base64::engine::general_purpose::STANDARD.encode((!c).to_be_bytes())
}

async fn versioning(c: &Client, b: &str, status: BucketVersioningStatus) {
    c.put_bucket_versioning().bucket(b).versioning_configuration(VersioningConfiguration::builder().status(status).build()).send().await.unwrap();
}

/// (version id, is latest, is delete marker) of every version of `key`, newest first.
async fn versions_of(c: &Client, b: &str, key: &str) -> Vec<(String, bool, bool)> {
    let out = c.list_object_versions().bucket(b).prefix(key).send().await.unwrap();
    let mut all: Vec<(String, bool, bool)> = Vec::new();
    for v in out.versions() {
        all.push((v.version_id().unwrap().to_string(), v.is_latest().unwrap(), false));
    }
    for m in out.delete_markers() {
        all.push((m.version_id().unwrap().to_string(), m.is_latest().unwrap(), true));
    }
    // the SDK splits versions from markers: put the latest first (stable sort keeps the rest)
    all.sort_by_key(|v| !v.1);
    all
}

#[tokio::test]
async fn suspended_versioning_writes_null_versions_and_null_delete_markers() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "susp").await;
    put(&c, "susp", "k", b"pre").await; // a `null` version from before versioning
    versioning(&c, "susp", BucketVersioningStatus::Enabled).await;
    let v1 = put(&c, "susp", "k", b"v1").await.version_id().unwrap().to_string();
    assert_ne!(v1, "null");
    assert_eq!(versions_of(&c, "susp", "k").await, vec![(v1.clone(), true, false), ("null".into(), false, false)]);

    versioning(&c, "susp", BucketVersioningStatus::Suspended).await;
    assert_eq!(c.get_bucket_versioning().bucket("susp").send().await.unwrap().status(), Some(&BucketVersioningStatus::Suspended));
    // each PUT now writes the `null` version, replacing the earlier `null` one ("pre")
    put(&c, "susp", "k", b"s1").await;
    put(&c, "susp", "k", b"s2").await;
    assert_eq!(versions_of(&c, "susp", "k").await, vec![("null".into(), true, false), (v1.clone(), false, false)]);
    assert_eq!(get_bytes(&c, "susp", "k").await, b"s2");
    let null = c.get_object().bucket("susp").key("k").version_id("null").send().await.unwrap();
    assert_eq!(null.body.collect().await.unwrap().into_bytes().as_ref(), b"s2");
    let old = c.get_object().bucket("susp").key("k").version_id(&v1).send().await.unwrap();
    assert_eq!(old.body.collect().await.unwrap().into_bytes().as_ref(), b"v1");

    // DELETE puts a delete marker whose version id is `null`, removing the `null` object version
    let d = c.delete_object().bucket("susp").key("k").send().await.unwrap();
    assert_eq!((d.delete_marker(), d.version_id()), (Some(true), Some("null")));
    assert_eq!(versions_of(&c, "susp", "k").await, vec![("null".into(), true, true), (v1.clone(), false, false)]);
    let e = c.get_object().bucket("susp").key("k").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    assert_eq!(e.raw_response().unwrap().headers().get("x-amz-delete-marker"), Some("true"));
    let e = c.get_object().bucket("susp").key("k").version_id("null").send().await.unwrap_err();
    assert_eq!(status_code(&e), (405, "MethodNotAllowed".into()));
    // a second delete replaces the `null` marker: still one marker
    c.delete_object().bucket("susp").key("k").send().await.unwrap();
    assert_eq!(versions_of(&c, "susp", "k").await.len(), 2);

    // a PUT replaces the `null` marker with a `null` object again
    put(&c, "susp", "k", b"s3").await;
    assert_eq!(versions_of(&c, "susp", "k").await, vec![("null".into(), true, false), (v1.clone(), false, false)]);
    assert_eq!(get_bytes(&c, "susp", "k").await, b"s3");

    // DeleteObjects in a suspended bucket reports the `null` marker
    let ids = Delete::builder().objects(ObjectIdentifier::builder().key("k").build().unwrap()).build().unwrap();
    let out = c.delete_objects().bucket("susp").delete(ids).send().await.unwrap();
    let del = &out.deleted()[0];
    assert_eq!((del.delete_marker(), del.delete_marker_version_id()), (Some(true), Some("null")));

    // deleting the Enabled-era version by id is permanent; deleting the marker by id revives nothing
    c.delete_object().bucket("susp").key("k").version_id(&v1).send().await.unwrap();
    c.delete_object().bucket("susp").key("k").version_id("null").send().await.unwrap();
    assert!(versions_of(&c, "susp", "k").await.is_empty());
    let e = c.head_object().bucket("susp").key("k").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    // re-enabling gives fresh ids again
    versioning(&c, "susp", BucketVersioningStatus::Enabled).await;
    assert_ne!(put(&c, "susp", "k", b"e").await.version_id(), Some("null"));
}

#[tokio::test]
async fn complete_multipart_upload_honours_if_match_and_if_none_match() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "cmu").await;
    let etag = put(&c, "cmu", "k", b"old").await.e_tag().unwrap().to_string();
    let upload = |key: &'static str| {
        let c = c.clone();
        async move {
            let id = c.create_multipart_upload().bucket("cmu").key(key).send().await.unwrap().upload_id().unwrap().to_string();
            let p = c.upload_part().bucket("cmu").key(key).upload_id(&id).part_number(1).body(ByteStream::from_static(b"new")).send().await.unwrap();
            let mpu = CompletedMultipartUpload::builder().parts(CompletedPart::builder().part_number(1).e_tag(p.e_tag().unwrap()).build()).build();
            (id, mpu)
        }
    };
    let (id, mpu) = upload("k").await;
    let e = c.complete_multipart_upload().bucket("cmu").key("k").upload_id(&id).if_match("\"0123\"").multipart_upload(mpu.clone()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    assert_eq!(get_bytes(&c, "cmu", "k").await, b"old");
    // the upload survives a failed condition
    assert_eq!(c.list_parts().bucket("cmu").key("k").upload_id(&id).send().await.unwrap().parts().len(), 1);
    c.complete_multipart_upload().bucket("cmu").key("k").upload_id(&id).if_match(&etag).multipart_upload(mpu).send().await.unwrap();
    assert_eq!(get_bytes(&c, "cmu", "k").await, b"new");

    // If-Match on a key that does not exist is NoSuchKey
    let (id, mpu) = upload("absent").await;
    let e = c.complete_multipart_upload().bucket("cmu").key("absent").upload_id(&id).if_match(&etag).multipart_upload(mpu.clone()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    // If-None-Match with an ETag is NotImplemented (only `*` is a write condition)
    let e = c.complete_multipart_upload().bucket("cmu").key("absent").upload_id(&id).if_none_match(&etag).multipart_upload(mpu.clone()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (501, "NotImplemented".into()));
    // If-None-Match: * on a fresh key succeeds
    c.complete_multipart_upload().bucket("cmu").key("absent").upload_id(&id).if_none_match("*").multipart_upload(mpu).send().await.unwrap();
    assert_eq!(get_bytes(&c, "cmu", "absent").await, b"new");
}

#[tokio::test]
async fn get_object_attributes_checksum_storage_class_and_errors() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "attr").await;
    let out = put(&c, "attr", "k", b"attributes").await;
    let crc = out.checksum_crc32().unwrap().to_string();
    assert_eq!(crc, crc32_b64(b"attributes"));
    let a = c
        .get_object_attributes()
        .bucket("attr")
        .key("k")
        .object_attributes(ObjectAttributes::Checksum)
        .object_attributes(ObjectAttributes::StorageClass)
        .object_attributes(ObjectAttributes::ObjectSize)
        .object_attributes(ObjectAttributes::Etag)
        .send()
        .await
        .unwrap();
    assert_eq!(a.checksum().and_then(|c| c.checksum_crc32()), Some(crc.as_str()));
    assert_eq!(a.storage_class().map(|s| s.as_str()), Some("STANDARD"));
    assert_eq!(a.object_size(), Some(10));
    assert_eq!(a.e_tag().map(|e| format!("\"{e}\"")).as_deref(), out.e_tag());
    assert!(a.last_modified().is_some());
    // only what was asked for
    let a = c.get_object_attributes().bucket("attr").key("k").object_attributes(ObjectAttributes::ObjectSize).send().await.unwrap();
    assert!(a.e_tag().is_none() && a.checksum().is_none());

    let e = c.get_object_attributes().bucket("attr").key("missing").object_attributes(ObjectAttributes::Etag).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    let e = c.get_object_attributes().bucket("nobucket-attr").key("k").object_attributes(ObjectAttributes::Etag).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));
    let r = env.http().get(format!("{}/attr/k?attributes", env.endpoint)).header("x-amz-object-attributes", "ETag,Colour").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>InvalidArgument</Code>"));
}

#[tokio::test]
async fn encoding_type_url_in_list_objects_v1_and_versions() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "enc1").await;
    for k in ["a b/ü+1", "a b/ü+2", "a b/x/y", "pct%2F"] {
        put(&c, "enc1", k, b"x").await;
    }
    let get = |q: &str| {
        let url = format!("{}/enc1?{q}", env.endpoint);
        let http = env.http();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    // V1: Prefix, Marker, Delimiter, Key, NextMarker and CommonPrefixes are encoded and echoed
    let xml = get("prefix=a%20b%2F&delimiter=%2F&max-keys=1&marker=a%20b%2F%C3%BC&encoding-type=url").await;
    for want in [
        "<Prefix>a%20b/</Prefix>",
        "<Marker>a%20b/%C3%BC</Marker>",
        "<Delimiter>/</Delimiter>",
        "<EncodingType>url</EncodingType>",
        "<MaxKeys>1</MaxKeys>",
        "<IsTruncated>true</IsTruncated>",
        "<Key>a%20b/%C3%BC%2B1</Key>",
        "<NextMarker>a%20b/%C3%BC%2B1</NextMarker>",
    ] {
        assert!(xml.contains(want), "{want} missing in {xml}");
    }
    // ("a b/x/y" sorts before "a b/ü…": 'x' < 0xC3)
    let xml = get("prefix=a%20b%2F&delimiter=%2F&encoding-type=url").await;
    assert!(xml.contains("<CommonPrefixes><Prefix>a%20b/x/</Prefix></CommonPrefixes>"), "{xml}");
    // without encoding-type the same fields are raw (XML-escaped only)
    let xml = get("prefix=pct").await;
    assert!(xml.contains("<Key>pct%2F</Key>") && !xml.contains("<EncodingType>"), "{xml}");
    let xml = get("prefix=pct&encoding-type=url").await;
    assert!(xml.contains("<Key>pct%252F</Key>"), "{xml}");

    // ListObjectVersions: Key, Prefix, KeyMarker, NextKeyMarker
    let xml = get("versions&prefix=a%20b%2F%C3%BC&max-keys=1&encoding-type=url").await;
    for want in ["<Prefix>a%20b/%C3%BC</Prefix>", "<EncodingType>url</EncodingType>", "<Key>a%20b/%C3%BC%2B1</Key>", "<NextKeyMarker>a%20b/%C3%BC%2B1</NextKeyMarker>", "<VersionId>null</VersionId>"] {
        assert!(xml.contains(want), "{want} missing in {xml}");
    }
    let xml = get("versions&key-marker=a%20b%2F%C3%BC%2B1&version-id-marker=null&encoding-type=url").await;
    assert!(xml.contains("<KeyMarker>a%20b/%C3%BC%2B1</KeyMarker>") && xml.contains("<Key>a%20b/%C3%BC%2B2</Key>"), "{xml}");
    assert!(!xml.contains("<Key>a%20b/%C3%BC%2B1</Key>"), "{xml}");
    let xml = get("versions&encoding-type=base64").await;
    assert!(xml.contains("<Code>InvalidArgument</Code>"), "{xml}");
}

#[tokio::test]
async fn permissive_cors_default_exposes_what_browsers_and_amplify_read() {
    let env = TestEnv::start().await;
    bucket(&env.s3(), "cors-def").await;
    let want = ["ETag", "x-amz-version-id", "x-amz-request-id", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256"];
    let exposed = |r: &reqwest::Response| -> Vec<String> {
        r.headers().get("access-control-expose-headers").map(|v| v.to_str().unwrap().split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default()
    };
    let pre = env
        .http()
        .request(reqwest::Method::OPTIONS, format!("{}/cors-def/some/key", env.endpoint))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "DELETE")
        .header("access-control-request-headers", "x-amz-content-sha256, x-amz-user-agent, authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 200);
    let methods = pre.headers()["access-control-allow-methods"].to_str().unwrap().to_string();
    assert!(["GET", "PUT", "POST", "DELETE", "HEAD"].iter().all(|m| methods.contains(m)), "{methods}");
    assert!(pre.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let got = exposed(&pre);
    for h in want {
        assert!(got.iter().any(|g| g.eq_ignore_ascii_case(h)), "{h} not exposed: {got:?}");
    }
    // on a real response too, and on an error response
    let r = env.http().get(format!("{}/cors-def/missing", env.endpoint)).header("origin", "http://localhost:5173").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "http://localhost:5173");
    assert!(exposed(&r).iter().any(|g| g == "ETag"));

    // with bucket rules, actual responses carry the matching rule's headers, and none otherwise
    let rule = CorsRule::builder().allowed_origins("https://app.example").allowed_methods("GET").expose_headers("x-amz-meta-color").build().unwrap();
    env.s3().put_bucket_cors().bucket("cors-def").cors_configuration(CorsConfiguration::builder().cors_rules(rule).build().unwrap()).send().await.unwrap();
    put(&env.s3(), "cors-def", "k", b"x").await;
    let get = |origin: &'static str| env.http().get(format!("{}/cors-def/k", env.endpoint)).header("origin", origin).send();
    let r = get("https://app.example").await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://app.example");
    assert_eq!(exposed(&r), vec!["x-amz-meta-color"]);
    let r = get("https://other.example").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none(), "{:?}", r.headers());
    // a method the rule does not allow gets no CORS headers either
    let r = env.http().delete(format!("{}/cors-def/nothing", env.endpoint)).header("origin", "https://app.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn configured_base_host_virtual_hosting_over_https() {
    let env = TestEnv::builder().services(|s| s.s3.hostnames = vec!["files.example.test".into()]).start().await;
    bucket(&env.s3(), "tlsb").await;
    // the local CA's leaf names localhost and s3.localhost only, so this client skips
    // certificate checks (as boto3 with verify=False does): it tests addressing, not the cert
    let https = reqwest::Client::builder().danger_accept_invalid_certs(true).resolve("tlsb.files.example.test", env.addr).build().unwrap();
    let port = env.addr.port();
    let r = https.put(format!("https://tlsb.files.example.test:{port}/dir/k")).body("tls custom").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get_bytes(&env.s3(), "tlsb", "dir/k").await, b"tls custom");
    let xml = https.get(format!("https://tlsb.files.example.test:{port}/?list-type=2")).send().await.unwrap().text().await.unwrap();
    assert!(xml.contains("<Name>tlsb</Name>") && xml.contains("<Key>dir/k</Key>"), "{xml}");
    // an unknown bucket under the configured host is NoSuchBucket
    let r = env.http().get(format!("{}/k", env.endpoint)).header("host", format!("nosuch.files.example.test:{port}")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("<Code>NoSuchBucket</Code>"));
}

#[tokio::test]
async fn list_object_versions_pages_inside_one_keys_versions() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "lov").await;
    versioning(&c, "lov", BucketVersioningStatus::Enabled).await;
    let mut want = Vec::new();
    for i in 0..5 {
        want.push(("k".to_string(), put(&c, "lov", "k", format!("k{i}").as_bytes()).await.version_id().unwrap().to_string(), false));
    }
    for i in 0..2 {
        want.push(("l".to_string(), put(&c, "lov", "l", format!("l{i}").as_bytes()).await.version_id().unwrap().to_string(), false));
    }
    want.push(("l".to_string(), c.delete_object().bucket("lov").key("l").send().await.unwrap().version_id().unwrap().to_string(), true));
    let mut got = Vec::new();
    let (mut km, mut vm): (Option<String>, Option<String>) = (None, None);
    let mut pages = 0;
    loop {
        let page = c.list_object_versions().bucket("lov").max_keys(3).set_key_marker(km.clone()).set_version_id_marker(vm.clone()).send().await.unwrap();
        pages += 1;
        let n = page.versions().len() + page.delete_markers().len();
        assert!(n <= 3, "{n}");
        got.extend(page.versions().iter().map(|v| (v.key().unwrap().to_string(), v.version_id().unwrap().to_string(), false)));
        got.extend(page.delete_markers().iter().map(|m| (m.key().unwrap().to_string(), m.version_id().unwrap().to_string(), true)));
        if page.is_truncated() != Some(true) {
            break;
        }
        km = page.next_key_marker().map(String::from);
        vm = page.next_version_id_marker().map(String::from);
    }
    assert_eq!(pages, 3);
    // newest first within a key; only the newest is latest
    let all = c.list_object_versions().bucket("lov").prefix("k").send().await.unwrap();
    let order: Vec<&str> = all.versions().iter().map(|v| v.version_id().unwrap()).collect();
    let newest_first: Vec<&str> = want.iter().filter(|w| w.0 == "k").rev().map(|w| w.1.as_str()).collect();
    assert_eq!(order, newest_first);
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(all.versions().iter().filter(|v| v.is_latest() == Some(true)).count(), 1);
}

#[tokio::test]
async fn request_ids_match_error_bodies_and_empty_objects_have_no_ranges() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "rid").await;
    put(&c, "rid", "empty", b"").await;
    assert_eq!(get_bytes(&c, "rid", "empty").await, b"");
    let e = c.get_object().bucket("rid").key("empty").range("bytes=0-").send().await.unwrap_err();
    assert_eq!(status_code(&e), (416, "InvalidRange".into()));
    let r = env.http().get(format!("{}/rid/missing", env.endpoint)).send().await.unwrap();
    let id = r.headers()["x-amz-request-id"].to_str().unwrap().to_string();
    let text = r.text().await.unwrap();
    assert!(!id.is_empty() && text.contains(&format!("<RequestId>{id}</RequestId>")), "{id} {text}");
    assert!(text.contains("<Key>missing</Key>"), "{text}");
    let r = env.http().head(format!("{}/rid/missing", env.endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-amz-request-id"));
    assert!(r.bytes().await.unwrap().is_empty());
    let ok = env.http().get(format!("{}/rid/empty", env.endpoint)).send().await.unwrap();
    assert!(ok.headers().contains_key("x-amz-request-id") && ok.headers()["content-length"] == "0");
}

#[tokio::test]
async fn traversal_keys_never_reach_outside_the_data_dir() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "trav").await;
    let outside = std::env::temp_dir().join(format!("amplocal-escape-{}", uuid::Uuid::new_v4().simple()));
    let name = outside.file_name().unwrap().to_str().unwrap().to_string();
    let deep = format!("{}{}", "../".repeat(12), outside.to_str().unwrap().trim_start_matches('/'));
    let keys = [deep.clone(), format!("/../../../../{name}"), format!("..\\..\\..\\{name}"), format!("%2e%2e/%2e%2e/{name}")];
    let body = vec![b'e'; 70_000]; // above the inline limit: a real file is written
    for k in &keys {
        put(&c, "trav", k, &body).await;
        assert_eq!(get_bytes(&c, "trav", k).await, body, "{k}");
        assert!(!outside.exists(), "{k} wrote {outside:?}");
    }
    // the same through a raw, unnormalised request path
    let r = env.http().put(format!("{}/trav/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Ftmp%2F{name}", env.endpoint)).body("raw").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!outside.exists());
    let mut files = Vec::new();
    files_under(env.dir.path(), &mut files);
    assert!(files.iter().all(|f| !f.to_string_lossy().contains(&name)), "{files:?}");
    assert_eq!(c.list_objects_v2().bucket("trav").send().await.unwrap().key_count(), Some(keys.len() as i32 + 1));
}
