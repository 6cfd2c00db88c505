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

    for bad in ["ab", "UPPER", "has_underscore", "-dash", "a..b", "192.168.0.1"] {
        let e = c.create_bucket().bucket(bad).send().await.unwrap_err();
        assert_eq!(status_code(&e), (400, "InvalidBucketName".into()), "{bad}");
    }

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

#[tokio::test]
async fn multipart_upload_complete_and_errors() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "mpb").await;
    let part1: Vec<u8> = (0..5 * 1024 * 1024 + 17).map(|i| (i % 253) as u8).collect();
    let part2 = b"the tail".to_vec();
    let up = c.create_multipart_upload().bucket("mpb").key("big").content_type("application/x-big").send().await.unwrap();
    let id = up.upload_id().unwrap().to_string();
    let e1 = c.upload_part().bucket("mpb").key("big").upload_id(&id).part_number(1).body(ByteStream::from(part1.clone())).send().await.unwrap();
    let e2 = c.upload_part().bucket("mpb").key("big").upload_id(&id).part_number(2).body(ByteStream::from(part2.clone())).send().await.unwrap();
    let (e1, e2) = (e1.e_tag().unwrap().to_string(), e2.e_tag().unwrap().to_string());

    let uploads = c.list_multipart_uploads().bucket("mpb").send().await.unwrap();
    assert_eq!(uploads.uploads().len(), 1);
    let parts = c.list_parts().bucket("mpb").key("big").upload_id(&id).send().await.unwrap();
    assert_eq!(parts.parts().iter().map(|p| p.part_number().unwrap()).collect::<Vec<_>>(), vec![1, 2]);

    let cp = |n: i32, e: &str| CompletedPart::builder().part_number(n).e_tag(e).build();
    let done = |parts: Vec<CompletedPart>| CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
    let e = c.complete_multipart_upload().bucket("mpb").key("big").upload_id(&id).multipart_upload(done(vec![cp(2, &e2), cp(1, &e1)])).send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidPartOrder".into()));
    let e = c.complete_multipart_upload().bucket("mpb").key("big").upload_id(&id).multipart_upload(done(vec![cp(1, &e1), cp(2, "\"0000\"")])).send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidPart".into()));
    let e = c.complete_multipart_upload().bucket("mpb").key("big").upload_id("nope").multipart_upload(done(vec![cp(1, &e1)])).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));

    let out = c.complete_multipart_upload().bucket("mpb").key("big").upload_id(&id).multipart_upload(done(vec![cp(1, &e1), cp(2, &e2)])).send().await.unwrap();
    assert!(out.e_tag().unwrap().ends_with("-2\""), "{:?}", out.e_tag());
    let mut all = part1.clone();
    all.extend_from_slice(&part2);
    assert_eq!(get_bytes(&c, "mpb", "big").await, all);
    let h = c.head_object().bucket("mpb").key("big").send().await.unwrap();
    assert_eq!(h.content_type(), Some("application/x-big"));
    assert_eq!(h.content_length(), Some(all.len() as i64));
    let p2 = c.get_object().bucket("mpb").key("big").part_number(2).send().await.unwrap();
    assert_eq!(p2.parts_count(), Some(2));
    assert_eq!(p2.body.collect().await.unwrap().into_bytes().as_ref(), b"the tail");
    assert!(c.list_multipart_uploads().bucket("mpb").send().await.unwrap().uploads().is_empty());

    // EntityTooSmall: a non-final part under 5 MiB
    let id = c.create_multipart_upload().bucket("mpb").key("small").send().await.unwrap().upload_id().unwrap().to_string();
    let a = c.upload_part().bucket("mpb").key("small").upload_id(&id).part_number(1).body(ByteStream::from_static(b"aaa")).send().await.unwrap();
    let b = c.upload_part().bucket("mpb").key("small").upload_id(&id).part_number(2).body(ByteStream::from_static(b"bbb")).send().await.unwrap();
    let e = c
        .complete_multipart_upload()
        .bucket("mpb")
        .key("small")
        .upload_id(&id)
        .multipart_upload(done(vec![cp(1, a.e_tag().unwrap()), cp(2, b.e_tag().unwrap())]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_code(&e), (400, "EntityTooSmall".into()));
    c.abort_multipart_upload().bucket("mpb").key("small").upload_id(&id).send().await.unwrap();
    let e = c.upload_part().bucket("mpb").key("small").upload_id(&id).part_number(3).body(ByteStream::from_static(b"c")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));
    let e = c.abort_multipart_upload().bucket("mpb").key("small").upload_id(&id).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));
}

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
async fn hostile_keys_round_trip_and_never_touch_the_filesystem() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "keys").await;
    let long = "k".repeat(1024);
    let keys = ["../escape.txt", "x/../../y", "a//b", "/leading", "pct%2F", "dir/", "ünïcödé/😀", "a", "a/b", "sp ace", "0", long.as_str()];
    for (i, k) in keys.iter().enumerate() {
        put(&c, "keys", k, format!("body{i}").as_bytes()).await;
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(get_bytes(&c, "keys", k).await, format!("body{i}").into_bytes(), "{k}");
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
async fn multipart_checksums_composite_and_full_object() {
    use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, ChecksumType, ObjectAttributes};
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "mpc").await;
    let part1 = vec![b'a'; 5 * 1024 * 1024];
    let part2 = b"tail".to_vec();
    let mut whole = part1.clone();
    whole.extend_from_slice(&part2);
    for (key, ctype) in [("composite", None), ("full", Some(ChecksumType::FullObject))] {
        let mut create = c.create_multipart_upload().bucket("mpc").key(key).checksum_algorithm(ChecksumAlgorithm::Crc32);
        if let Some(t) = &ctype {
            create = create.checksum_type(t.clone());
        }
        let id = create.send().await.unwrap().upload_id().unwrap().to_string();
        let mut done = Vec::new();
        for (n, body) in [(1, &part1), (2, &part2)] {
            let out = c.upload_part().bucket("mpc").key(key).upload_id(&id).part_number(n).checksum_algorithm(ChecksumAlgorithm::Crc32).body(ByteStream::from(body.clone())).send().await.unwrap();
            assert!(out.checksum_crc32().is_some());
            done.push(CompletedPart::builder().part_number(n).e_tag(out.e_tag().unwrap()).set_checksum_crc32(out.checksum_crc32().map(String::from)).build());
        }
        let out = c
            .complete_multipart_upload()
            .bucket("mpc")
            .key(key)
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(done)).build())
            .send()
            .await
            .unwrap();
        let crc = out.checksum_crc32().unwrap().to_string();
        assert_eq!(crc.ends_with("-2"), ctype.is_none(), "{crc}");
        // the SDK validates whatever full-object checksum comes back (and skips composite ones)
        let got = c.get_object().bucket("mpc").key(key).checksum_mode(ChecksumMode::Enabled).send().await.unwrap();
        assert_eq!(got.checksum_crc32(), Some(crc.as_str()));
        assert_eq!(got.body.collect().await.unwrap().into_bytes().len(), whole.len());
        let attrs = c
            .get_object_attributes()
            .bucket("mpc")
            .key(key)
            .object_attributes(ObjectAttributes::Etag)
            .object_attributes(ObjectAttributes::ObjectSize)
            .object_attributes(ObjectAttributes::ObjectParts)
            .send()
            .await
            .unwrap();
        assert_eq!(attrs.object_size(), Some(whole.len() as i64));
        assert_eq!(attrs.object_parts().and_then(|p| p.total_parts_count()), Some(2));
        assert!(attrs.e_tag().unwrap().ends_with("-2"));
    }
}

#[tokio::test]
async fn abandoned_multipart_uploads_are_cleaned_up() {
    use amplocal_core::ManualClock;
    let clock = std::sync::Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let env = TestEnv::builder().clock(clock.clone()).services(|s| s.s3.multipart_max_age_secs = 600).start().await;
    let c = env.s3();
    bucket(&c, "gcb").await;
    let old = c.create_multipart_upload().bucket("gcb").key("old").send().await.unwrap().upload_id().unwrap().to_string();
    c.upload_part().bucket("gcb").key("old").upload_id(&old).part_number(1).body(ByteStream::from_static(b"part")).send().await.unwrap();
    clock.advance(std::time::Duration::from_secs(500));
    let young = c.create_multipart_upload().bucket("gcb").key("young").send().await.unwrap().upload_id().unwrap().to_string();
    // stays inside the gateway's 15-minute clock-skew window
    clock.advance(std::time::Duration::from_secs(200));
    assert_eq!(env.state.s3.cleanup_uploads().await, 1);
    let left: Vec<String> = c.list_multipart_uploads().bucket("gcb").send().await.unwrap().uploads().iter().map(|u| u.upload_id().unwrap().to_string()).collect();
    assert_eq!(left, vec![young]);
    let e = c.list_parts().bucket("gcb").key("old").upload_id(&old).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));
    // the part's blob is gone too: only the young upload (no parts) remains, so no blobs
    let mut files = Vec::new();
    files_under(&env.dir.path().join("s3/blobs"), &mut files);
    assert!(files.iter().all(|f| f.is_dir()), "{files:?}");
}

#[tokio::test]
async fn upload_part_copy_and_conditional_complete() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "upc").await;
    let src: Vec<u8> = (0..6 * 1024 * 1024).map(|i| (i % 239) as u8).collect();
    put(&c, "upc", "src", &src).await;
    put(&c, "upc", "exists", b"already here").await;
    let id = c.create_multipart_upload().bucket("upc").key("exists").send().await.unwrap().upload_id().unwrap().to_string();
    let p1 = c.upload_part_copy().bucket("upc").key("exists").upload_id(&id).part_number(1).copy_source("upc/src").copy_source_range("bytes=0-5242879").send().await.unwrap();
    let p2 = c.upload_part_copy().bucket("upc").key("exists").upload_id(&id).part_number(2).copy_source("upc/src").copy_source_range("bytes=5242880-6291455").send().await.unwrap();
    let e = c.upload_part_copy().bucket("upc").key("exists").upload_id(&id).part_number(3).copy_source("upc/src").copy_source_range("bytes=0-99999999").send().await.unwrap_err();
    assert_eq!(status_code(&e), (416, "InvalidRange".into()));
    let e = c.upload_part_copy().bucket("upc").key("exists").upload_id(&id).part_number(3).copy_source("upc/src").copy_source_range("0-5").send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidArgument".into()));
    let parts = vec![
        CompletedPart::builder().part_number(1).e_tag(p1.copy_part_result().unwrap().e_tag().unwrap()).build(),
        CompletedPart::builder().part_number(2).e_tag(p2.copy_part_result().unwrap().e_tag().unwrap()).build(),
    ];
    let mpu = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
    // conditional complete: the key exists, so If-None-Match: * fails and the upload survives
    let e = c.complete_multipart_upload().bucket("upc").key("exists").upload_id(&id).if_none_match("*").multipart_upload(mpu.clone()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    assert_eq!(get_bytes(&c, "upc", "exists").await, b"already here");
    c.complete_multipart_upload().bucket("upc").key("exists").upload_id(&id).multipart_upload(mpu).send().await.unwrap();
    assert_eq!(get_bytes(&c, "upc", "exists").await, src);
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
        ("PUT", "/bad/k4", &[("x-amz-tagging", "a=1&a=2")], "hi", 400, "InvalidRequest"),
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
