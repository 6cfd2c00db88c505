//! End-to-end tests of CopyObject beyond the basics in `s3.rs`: the tagging directive, every
//! `x-amz-copy-source-if-*` condition, copying a given source version, across buckets, the
//! storage class (never copied: STANDARD unless the request names one), self-copy changing only
//! the storage class, and Amplify's unencoded `bucket/key` copy source.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html>.

use super::*;
use aws_sdk_s3::types::{StorageClass, TaggingDirective};

#[tokio::test]
async fn copy_object_tags_conditions_versions_and_storage_class() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "cpa").await;
    bucket(&c, "cpb-other").await;
    let src = c
        .put_object()
        .bucket("cpa")
        .key("src")
        .tagging("t=1")
        .storage_class(StorageClass::StandardIa)
        .website_redirect_location("/r")
        .metadata("m", "1")
        .body(ByteStream::from_static(b"source"))
        .send()
        .await
        .unwrap();
    let etag = src.e_tag().unwrap().to_string();

    // COPY (default) keeps tags and metadata; storage class and redirect are not copied
    c.copy_object().bucket("cpb-other").key("dst").copy_source("cpa/src").send().await.unwrap();
    let h = c.head_object().bucket("cpb-other").key("dst").send().await.unwrap();
    assert_eq!(h.metadata().unwrap().get("m").map(String::as_str), Some("1"));
    assert_eq!((h.storage_class(), h.website_redirect_location()), (None, None));
    assert_eq!(c.get_object_tagging().bucket("cpb-other").key("dst").send().await.unwrap().tag_set()[0].key(), "t");
    // REPLACE takes the request's tags
    c.copy_object().bucket("cpa").key("dst2").copy_source("cpa/src").tagging_directive(TaggingDirective::Replace).tagging("n=2").send().await.unwrap();
    let t = c.get_object_tagging().bucket("cpa").key("dst2").send().await.unwrap();
    assert_eq!((t.tag_set()[0].key(), t.tag_set()[0].value()), ("n", "2"));
    assert_eq!(t.tag_set().len(), 1);
    // the request's storage class applies under COPY
    c.copy_object().bucket("cpa").key("dst3").copy_source("cpa/src").storage_class(StorageClass::OnezoneIa).send().await.unwrap();
    let h = c.head_object().bucket("cpa").key("dst3").send().await.unwrap();
    assert_eq!(h.storage_class(), Some(&StorageClass::OnezoneIa));
    assert_eq!(h.metadata().unwrap().get("m").map(String::as_str), Some("1"));
    // self-copy changing only the storage class is allowed and keeps the metadata
    c.copy_object().bucket("cpa").key("src").copy_source("cpa/src").storage_class(StorageClass::Standard).send().await.unwrap();
    let h = c.head_object().bucket("cpa").key("src").send().await.unwrap();
    assert_eq!((h.storage_class(), h.metadata().unwrap().get("m").map(String::as_str)), (None, Some("1")));
    assert_eq!(get_bytes(&c, "cpa", "src").await, b"source");

    // source conditions: each failing one is 412 and writes nothing
    let future = DateTime::from_secs(4_000_000_000);
    let past = DateTime::from_secs(1_000_000_000);
    let cp = || c.copy_object().bucket("cpa").key("cond").copy_source("cpa/src");
    c.copy_object().bucket("cpa").key("cond").copy_source("cpa/src").copy_source_if_match(&etag).copy_source_if_unmodified_since(future).send().await.unwrap();
    let failing = [
        ("if-none-match", cp().copy_source_if_none_match(&etag).send().await),
        ("if-match", cp().copy_source_if_match("\"0000\"").send().await),
        ("if-modified-since", cp().copy_source_if_modified_since(future).send().await),
        ("if-unmodified-since", cp().copy_source_if_unmodified_since(past).send().await),
    ];
    for (what, res) in failing {
        let e = res.unwrap_err();
        assert_eq!(status_code(&e), (412, "PreconditionFailed".into()), "{what}");
    }
    // If-Match true wins over a false If-Unmodified-Since; a false If-None-Match decides alone
    cp().copy_source_if_match(&etag).copy_source_if_unmodified_since(past).send().await.unwrap();
    let e = cp().copy_source_if_none_match(&etag).copy_source_if_modified_since(past).send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));

    // conditions on the destination (If-None-Match: * / If-Match), as on PutObject
    let e = c.copy_object().bucket("cpa").key("cond").copy_source("cpa/src").if_none_match("*").send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let e = c.copy_object().bucket("cpa").key("cond").copy_source("cpa/src").if_match("\"0000\"").send().await.unwrap_err();
    assert_eq!(status_code(&e), (412, "PreconditionFailed".into()));
    let dest = c.head_object().bucket("cpa").key("cond").send().await.unwrap().e_tag().unwrap().to_string();
    c.copy_object().bucket("cpa").key("cond").copy_source("cpa/src").if_match(&dest).send().await.unwrap();
    c.copy_object().bucket("cpa").key("fresh").copy_source("cpa/src").if_none_match("*").send().await.unwrap();

    // a given source version, reported back
    bucket(&c, "cpv").await;
    c.put_bucket_versioning()
        .bucket("cpv")
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .unwrap();
    let v1 = put(&c, "cpv", "k", b"first").await.version_id().unwrap().to_string();
    put(&c, "cpv", "k", b"second").await;
    let out = c.copy_object().bucket("cpv").key("restored").copy_source(format!("cpv/k?versionId={v1}")).send().await.unwrap();
    assert_eq!(out.copy_source_version_id(), Some(v1.as_str()));
    assert!(out.version_id().is_some_and(|v| v != "null"));
    assert_eq!(get_bytes(&c, "cpv", "restored").await, b"first");
    let e = c.copy_object().bucket("cpv").key("x").copy_source("cpv/k?versionId=nope").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);

    // missing buckets on either side
    let e = c.copy_object().bucket("cpa").key("x").copy_source("no-such-src-bkt/src").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));
    let e = c.copy_object().bucket("no-such-dst-bkt").key("x").copy_source("cpa/src").send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchBucket".into()));

    // Amplify Storage's copy: `bucket/key` with no leading slash and no encoding
    put(&c, "cpa", "public/a file.txt", b"amplify").await;
    let r = env
        .http()
        .put(format!("{}/cpa/public/copied.txt", env.endpoint))
        .header("x-amz-copy-source", "cpa/public/a file.txt")
        .header("x-amz-metadata-directive", "COPY")
        .header("x-amz-tagging-directive", "COPY")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<CopyObjectResult"));
    assert_eq!(get_bytes(&c, "cpa", "public/copied.txt").await, b"amplify");
    let r = env.http().put(format!("{}/cpa/x", env.endpoint)).header("x-amz-copy-source", "cpa/src").header("x-amz-storage-class", "FANCY").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>InvalidStorageClass</Code>"));
}

#[tokio::test]
async fn object_tag_set_limits() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "tags").await;
    put(&c, "tags", "k", b"x").await;
    // the tag-set limits: 10 tags (BadRequest), key 128 and value 256 characters, unique keys (InvalidTag)
    let tag = |k: String, v: &str| aws_sdk_s3::types::Tag::builder().key(k).value(v).build().unwrap();
    let bad_sets: Vec<(Vec<aws_sdk_s3::types::Tag>, &str)> = vec![
        ((0..11).map(|i| tag(format!("k{i}"), "v")).collect(), "BadRequest"),
        (vec![tag("k".repeat(129), "v")], "InvalidTag"),
        (vec![tag("k".into(), &"v".repeat(257))], "InvalidTag"),
        (vec![tag("k".into(), "1"), tag("k".into(), "2")], "InvalidTag"),
    ];
    for (set, want) in bad_sets {
        let e = c.put_object_tagging().bucket("tags").key("k").tagging(aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(set)).build().unwrap()).send().await.unwrap_err();
        assert_eq!(status_code(&e), (400, want.into()));
    }
    let max: Vec<_> = (0..10).map(|i| tag(format!("{i}{}", "k".repeat(127)), &"v".repeat(256))).collect();
    c.put_object_tagging().bucket("tags").key("k").tagging(aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(max)).build().unwrap()).send().await.unwrap();
    assert_eq!(c.get_object_tagging().bucket("tags").key("k").send().await.unwrap().tag_set().len(), 10);
}
