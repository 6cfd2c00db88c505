//! End-to-end tests of S3 with aws-sdk-rust (path-style) and raw HTTP (virtual-hosted
//! addressing, CORS, bad digests), against the in-process gateway.

use amplocal_tests::TestEnv;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CompletedMultipartUpload, CompletedPart, CorsConfiguration, CorsRule,
    CreateBucketConfiguration, Delete, MetadataDirective, ObjectIdentifier, VersioningConfiguration,
};
use aws_sdk_s3::Client;

/// (HTTP status, error code) of a failed call.
fn status_code<E: ProvideErrorMetadata>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> (u16, String) {
    let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    (status, e.code().unwrap_or("").to_string())
}

async fn bucket(c: &Client, name: &str) {
    c.create_bucket().bucket(name).send().await.unwrap();
}

async fn put(c: &Client, b: &str, k: &str, body: &[u8]) -> aws_sdk_s3::operation::put_object::PutObjectOutput {
    c.put_object().bucket(b).key(k).body(ByteStream::from(body.to_vec())).send().await.unwrap()
}

async fn get_bytes(c: &Client, b: &str, k: &str) -> Vec<u8> {
    c.get_object().bucket(b).key(k).send().await.unwrap().body.collect().await.unwrap().into_bytes().to_vec()
}

/// Every file below `dir`.
fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            }
            out.push(p);
        }
    }
}

#[tokio::test]
async fn reachable_through_gateway() {
    let env = TestEnv::start().await;
    let resp = env.http().get(format!("{}/", env.endpoint)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("<ListAllMyBucketsResult"));
    let resp = env.http().post(format!("{}/", env.endpoint)).send().await.unwrap();
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn buckets_create_head_list_location_delete() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "alpha").await;
    // us-east-1: re-creating your own bucket answers 200
    c.create_bucket().bucket("alpha").send().await.unwrap();
    c.head_bucket().bucket("alpha").send().await.unwrap();
    let loc = c.get_bucket_location().bucket("alpha").send().await.unwrap();
    assert!(loc.location_constraint().is_none_or(|l| l.as_str().is_empty()));

    let cfg = CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::EuWest1).build();
    c.create_bucket().bucket("beta-eu").create_bucket_configuration(cfg.clone()).send().await.unwrap();
    let loc = c.get_bucket_location().bucket("beta-eu").send().await.unwrap();
    assert_eq!(loc.location_constraint().map(|l| l.as_str()), Some("eu-west-1"));
    let e = c.create_bucket().bucket("beta-eu").create_bucket_configuration(cfg).send().await.unwrap_err();
    assert_eq!(status_code(&e), (409, "BucketAlreadyOwnedByYou".into()));

    let names: Vec<String> = c.list_buckets().send().await.unwrap().buckets().iter().filter_map(|b| b.name().map(String::from)).collect();
    assert_eq!(names, vec!["alpha", "beta-eu"]);

    let long = "a".repeat(64);
    for bad in ["ab", "UPPER", "has_underscore", "-dash", "dash-", "a..b", "192.168.0.1", "xn--abc", "sthree-x", "amzn-s3-demo-b", "b-s3alias", "b--ol-s3", "b.mrap", "b--table-s3", long.as_str()] {
        let e = c.create_bucket().bucket(bad).send().await.unwrap_err();
        assert_eq!(status_code(&e), (400, "InvalidBucketName".into()), "{bad}");
    }
    // (the SDK treats `--x-s3` names as directory buckets and never sends them path-style)
    let r = env.http().put(format!("{}/b--x-s3", env.endpoint)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>InvalidBucketName</Code>"));

    put(&c, "alpha", "k", b"x").await;
    let e = c.delete_bucket().bucket("alpha").send().await.unwrap_err();
    assert_eq!(status_code(&e), (409, "BucketNotEmpty".into()));
    c.delete_object().bucket("alpha").key("k").send().await.unwrap();
    c.delete_bucket().bucket("alpha").send().await.unwrap();
    let e = c.head_bucket().bucket("alpha").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    let e = c.delete_bucket().bucket("alpha").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));
    let e = c.get_object().bucket("nope-bucket").key("k").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));
}

#[tokio::test]
async fn put_get_head_with_metadata_and_checksums() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "objs").await;
    let out = c
        .put_object()
        .bucket("objs")
        .key("hello.txt")
        .body(ByteStream::from_static(b"hello world"))
        .content_type("text/plain")
        .cache_control("max-age=60")
        .content_disposition("attachment")
        .metadata("Color", "blue")
        .metadata("unicode", "ünï")
        .send()
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\""));
    // the SDK sends CRC32 by default; we echo the verified value
    assert!(out.checksum_crc32().is_some());

    let got = c.get_object().bucket("objs").key("hello.txt").checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled).send().await.unwrap();
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(got.content_disposition(), Some("attachment"));
    assert_eq!(got.content_length(), Some(11));
    assert_eq!(got.checksum_crc32(), out.checksum_crc32());
    let meta = got.metadata().unwrap();
    assert_eq!(meta.get("color").map(String::as_str), Some("blue"));
    assert_eq!(meta.get("unicode").map(String::as_str), Some("ünï"));
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), b"hello world");

    // no Content-Type → binary/octet-stream
    let resp = env.http().put(format!("{}/objs/raw", env.endpoint)).body("abc").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let h = c.head_object().bucket("objs").key("raw").send().await.unwrap();
    assert_eq!(h.content_type(), Some("binary/octet-stream"));
    assert_eq!(h.content_length(), Some(3));

    let e = c.get_object().bucket("objs").key("missing").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    let e = c.head_object().bucket("objs").key("missing").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    // deleting a missing key is fine
    c.delete_object().bucket("objs").key("missing").send().await.unwrap();
    c.delete_object().bucket("objs").key("hello.txt").send().await.unwrap();
    let e = c.get_object().bucket("objs").key("hello.txt").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
}

#[tokio::test]
async fn streaming_file_upload_is_aws_chunked_and_round_trips() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "stream").await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let path = env.dir.path().join("upload-src.bin");
    std::fs::write(&path, &data).unwrap();
    // from_path: the SDK sends STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER over http, with a
    // trailing CRC32; every chunk signature is checked by the service
    let body = ByteStream::from_path(&path).await.unwrap();
    let out = c.put_object().bucket("stream").key("big.bin").body(body).send().await.unwrap();
    assert!(out.checksum_crc32().is_some());
    assert_eq!(get_bytes(&c, "stream", "big.bin").await, data);
    let h = c.head_object().bucket("stream").key("big.bin").send().await.unwrap();
    assert_eq!(h.content_length(), Some(200_000));
}

#[tokio::test]
async fn ranges_and_conditional_reads() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "rng").await;
    let etag = put(&c, "rng", "k", b"0123456789").await.e_tag().unwrap().to_string();
    let r = c.get_object().bucket("rng").key("k").range("bytes=2-4").send().await.unwrap();
    assert_eq!(r.content_range(), Some("bytes 2-4/10"));
    assert_eq!(r.body.collect().await.unwrap().into_bytes().as_ref(), b"234");
    let r = c.get_object().bucket("rng").key("k").range("bytes=-3").send().await.unwrap();
    assert_eq!(r.body.collect().await.unwrap().into_bytes().as_ref(), b"789");
    let r = c.get_object().bucket("rng").key("k").range("bytes=7-").send().await.unwrap();
    assert_eq!(r.body.collect().await.unwrap().into_bytes().as_ref(), b"789");
    let e = c.get_object().bucket("rng").key("k").range("bytes=10-20").send().await.unwrap_err();
    assert_eq!(status_code(&e), (416, "InvalidRange".into()));

    c.get_object().bucket("rng").key("k").if_match(&etag).send().await.unwrap();
    let e = c.get_object().bucket("rng").key("k").if_match("\"nope\"").send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let e = c.get_object().bucket("rng").key("k").if_none_match(&etag).send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 304);
    let future = DateTime::from_secs(4_000_000_000);
    let past = DateTime::from_secs(1_000_000_000);
    let e = c.get_object().bucket("rng").key("k").if_modified_since(future).send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 304);
    c.get_object().bucket("rng").key("k").if_modified_since(past).send().await.unwrap();
    let e = c.get_object().bucket("rng").key("k").if_unmodified_since(past).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let e = c.head_object().bucket("rng").key("k").if_match("\"nope\"").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 412);
}

#[tokio::test]
async fn conditional_writes() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "cwb").await;
    c.put_object().bucket("cwb").key("k").if_none_match("*").body(ByteStream::from_static(b"1")).send().await.unwrap();
    let e = c.put_object().bucket("cwb").key("k").if_none_match("*").body(ByteStream::from_static(b"2")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let etag = c.head_object().bucket("cwb").key("k").send().await.unwrap().e_tag().unwrap().to_string();
    c.put_object().bucket("cwb").key("k").if_match(&etag).body(ByteStream::from_static(b"3")).send().await.unwrap();
    let e = c.put_object().bucket("cwb").key("k").if_match(&etag).body(ByteStream::from_static(b"4")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let e = c.put_object().bucket("cwb").key("absent").if_match(&etag).body(ByteStream::from_static(b"4")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    assert_eq!(get_bytes(&c, "cwb", "k").await, b"3");
    // If-None-Match on a write takes only `*`: an ETag there is NotImplemented, nothing written
    let now = c.head_object().bucket("cwb").key("k").send().await.unwrap().e_tag().unwrap().to_string();
    let e = c.put_object().bucket("cwb").key("k").if_none_match(&now).body(ByteStream::from_static(b"5")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (501, "NotImplemented".into()));
    let e = c.put_object().bucket("cwb").key("k").if_none_match("\"other\"").body(ByteStream::from_static(b"5")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (501, "NotImplemented".into()));
    assert_eq!(get_bytes(&c, "cwb", "k").await, b"3");
    // conditional delete
    let e = c.delete_object().bucket("cwb").key("k").if_match(&etag).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let e = c.delete_object().bucket("cwb").key("absent").if_match("*").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    let now = c.head_object().bucket("cwb").key("k").send().await.unwrap().e_tag().unwrap().to_string();
    c.delete_object().bucket("cwb").key("k").if_match(&now).send().await.unwrap();
    let e = c.head_object().bucket("cwb").key("k").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
}

#[tokio::test]
async fn list_objects_v2_prefix_delimiter_pagination() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "lst").await;
    let keys = ["a/1", "a/2", "a/b/3", "b/1", "c", "d", "e"];
    for k in keys {
        put(&c, "lst", k, b"x").await;
    }
    let all = c.list_objects_v2().bucket("lst").send().await.unwrap();
    assert_eq!(all.key_count(), Some(7));
    assert_eq!(all.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), keys.to_vec());
    assert_eq!(all.is_truncated(), Some(false));

    let d = c.list_objects_v2().bucket("lst").delimiter("/").send().await.unwrap();
    assert_eq!(d.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["c", "d", "e"]);
    assert_eq!(d.common_prefixes().iter().map(|p| p.prefix().unwrap()).collect::<Vec<_>>(), vec!["a/", "b/"]);
    assert_eq!(d.key_count(), Some(5));

    let p = c.list_objects_v2().bucket("lst").prefix("a/").delimiter("/").send().await.unwrap();
    assert_eq!(p.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["a/1", "a/2"]);
    assert_eq!(p.common_prefixes().iter().map(|p| p.prefix().unwrap()).collect::<Vec<_>>(), vec!["a/b/"]);

    // pages of 2 with a delimiter: prefixes count towards max-keys and are not repeated
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = c.list_objects_v2().bucket("lst").delimiter("/").max_keys(2);
        if let Some(t) = &token {
            req = req.continuation_token(t);
        }
        let page = req.send().await.unwrap();
        pages += 1;
        assert!(page.key_count().unwrap() <= 2);
        seen.extend(page.common_prefixes().iter().map(|p| p.prefix().unwrap().to_string()));
        seen.extend(page.contents().iter().map(|o| o.key().unwrap().to_string()));
        match page.next_continuation_token() {
            Some(t) => {
                assert_eq!(page.is_truncated(), Some(true));
                token = Some(t.to_string());
            }
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["a/", "b/", "c", "d", "e"]);
    assert_eq!(pages, 3);

    let s = c.list_objects_v2().bucket("lst").start_after("b/1").send().await.unwrap();
    assert_eq!(s.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["c", "d", "e"]);
    let z = c.list_objects_v2().bucket("lst").max_keys(0).send().await.unwrap();
    assert_eq!((z.key_count(), z.is_truncated()), (Some(0), Some(false)));

    // V1 with marker
    let v1 = c.list_objects().bucket("lst").marker("c").send().await.unwrap();
    assert_eq!(v1.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["d", "e"]);

    let e = c.list_objects_v2().bucket("lst").continuation_token("!!!not-base64").send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidArgument".into()));
    let e = c.list_objects_v2().bucket("nobucket").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));
}

#[tokio::test]
async fn list_echoes_request_and_url_encodes() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "enc").await;
    put(&c, "enc", "sp ace+plus/ü", b"x").await;
    let url = format!("{}/enc?list-type=2&prefix=sp&max-keys=7&delimiter=%2F&encoding-type=url", env.endpoint);
    let xml = env.http().get(url).send().await.unwrap().text().await.unwrap();
    for want in [
        "<Name>enc</Name>",
        "<Prefix>sp</Prefix>",
        "<Delimiter>/</Delimiter>",
        "<MaxKeys>7</MaxKeys>",
        "<EncodingType>url</EncodingType>",
        "<KeyCount>1</KeyCount>",
        "<IsTruncated>false</IsTruncated>",
        "<Prefix>sp%20ace%2Bplus/</Prefix>",
    ] {
        assert!(xml.contains(want), "{want} missing in {xml}");
    }
    assert!(!xml.contains("<ContinuationToken>"), "{xml}");
    let xml = env.http().get(format!("{}/enc?list-type=2", env.endpoint)).send().await.unwrap().text().await.unwrap();
    assert!(xml.contains("<Prefix></Prefix>") && !xml.contains("<Delimiter>"), "{xml}");
}

#[tokio::test]
async fn delete_objects_quiet_and_verbose() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "del").await;
    for k in ["0", "1", "2", "3"] {
        put(&c, "del", k, b"x").await;
    }
    let ids = |ks: &[&str]| ks.iter().map(|k| ObjectIdentifier::builder().key(*k).build().unwrap()).collect::<Vec<_>>();
    // the SDK sends x-amz-checksum-crc32 instead of Content-MD5
    let out = c.delete_objects().bucket("del").delete(Delete::builder().set_objects(Some(ids(&["0", "1", "nope"]))).build().unwrap()).send().await.unwrap();
    let mut deleted: Vec<_> = out.deleted().iter().map(|d| d.key().unwrap().to_string()).collect();
    deleted.sort();
    assert_eq!(deleted, vec!["0", "1", "nope"]);
    let out = c.delete_objects().bucket("del").delete(Delete::builder().set_objects(Some(ids(&["2"]))).quiet(true).build().unwrap()).send().await.unwrap();
    assert!(out.deleted().is_empty() && out.errors().is_empty());
    let left = c.list_objects_v2().bucket("del").send().await.unwrap();
    assert_eq!(left.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["3"]);
    let many: Vec<String> = (0..1001).map(|i| format!("k{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let e = c.delete_objects().bucket("del").delete(Delete::builder().set_objects(Some(ids(&many))).build().unwrap()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "MalformedXML".into()));
}

#[tokio::test]
async fn copy_object_directives_and_self_copy() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "cpb").await;
    c.put_object().bucket("cpb").key("src key").body(ByteStream::from_static(b"payload")).metadata("a", "1").content_type("text/x").send().await.unwrap();
    let out = c.copy_object().bucket("cpb").key("dst").copy_source("cpb/src%20key").send().await.unwrap();
    assert!(out.copy_object_result().unwrap().e_tag().is_some());
    let h = c.head_object().bucket("cpb").key("dst").send().await.unwrap();
    assert_eq!(h.metadata().unwrap().get("a").map(String::as_str), Some("1"));
    assert_eq!(h.content_type(), Some("text/x"));
    assert_eq!(get_bytes(&c, "cpb", "dst").await, b"payload");

    c.copy_object()
        .bucket("cpb")
        .key("dst2")
        .copy_source("cpb/src%20key")
        .metadata_directive(MetadataDirective::Replace)
        .metadata("b", "2")
        .send()
        .await
        .unwrap();
    let h = c.head_object().bucket("cpb").key("dst2").send().await.unwrap();
    assert_eq!(h.metadata().unwrap().get("b").map(String::as_str), Some("2"));
    assert!(!h.metadata().unwrap().contains_key("a"));

    let e = c.copy_object().bucket("cpb").key("dst").copy_source("cpb/dst").send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidRequest".into()));
    c.copy_object().bucket("cpb").key("dst").copy_source("cpb/dst").metadata_directive(MetadataDirective::Replace).send().await.unwrap();
    let e = c.copy_object().bucket("cpb").key("x").copy_source("cpb/missing").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchKey".into()));
    let e = c.copy_object().bucket("cpb").key("x").copy_source("cpb/dst").copy_source_if_match("\"nope\"").send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
}

mod multipart;
mod parts;
mod wire;
mod semantics;
mod trailers;
mod copy;
mod deletes;
