//! End-to-end tests of DeleteObjects as Amplify and current SDKs send it: bucket-less
//! `POST /?delete` on the bucket's virtual host with `x-amz-checksum-crc32` instead of
//! Content-MD5 (a wrong digest deletes nothing), and per-object `<ETag>` conditional deletes.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html>.

use super::semantics::crc32_b64;
use super::*;

#[tokio::test]
async fn bucketless_delete_on_the_virtual_host_checks_its_crc32() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "amp").await;
    bucket(&c, "other").await; // two buckets: only the Host header can name the right one
    put(&c, "amp", "public/a.txt", b"a").await;
    put(&c, "amp", "public/b.txt", b"b").await;
    let host = format!("amp.s3.localhost:{}", env.addr.port());
    let body = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>public/a.txt</Key></Object><Quiet>true</Quiet></Delete>";
    let post = |crc: String| env.http().post(format!("{}/?delete", env.endpoint)).header("host", &host).header("x-amz-checksum-crc32", crc).header("x-amz-sdk-checksum-algorithm", "CRC32").body(body).send();
    // a wrong CRC32 is BadDigest and deletes nothing
    let r = post(crc32_b64(b"something else")).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<Code>BadDigest</Code>"));
    c.head_object().bucket("amp").key("public/a.txt").send().await.unwrap();
    // the right one (no Content-MD5 at all) deletes; quiet mode lists nothing
    let r = post(crc32_b64(body.as_bytes())).await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("<DeleteResult") && !text.contains("<Deleted>"), "{text}");
    let e = c.head_object().bucket("amp").key("public/a.txt").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    c.head_object().bucket("amp").key("public/b.txt").send().await.unwrap();
    // a wrong Content-MD5 is BadDigest too
    let r = env.http().post(format!("{}/?delete", env.endpoint)).header("host", &host).header("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==").body(body).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn delete_objects_with_an_etag_is_conditional_per_object() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "dce").await;
    let a = put(&c, "dce", "a", b"a").await.e_tag().unwrap().to_string();
    let b = put(&c, "dce", "b", b"b").await.e_tag().unwrap().to_string();
    put(&c, "dce", "c", b"c").await;
    let id = |k: &str, etag: Option<&str>| ObjectIdentifier::builder().key(k).set_e_tag(etag.map(String::from)).build().unwrap();
    let objects = vec![id("a", Some(&a)), id("b", Some(&a)), id("c", None), id("missing", Some(&b))];
    let out = c.delete_objects().bucket("dce").delete(Delete::builder().set_objects(Some(objects)).quiet(true).build().unwrap()).send().await.unwrap();
    // quiet mode still lists the errors
    assert!(out.deleted().is_empty());
    let mut errors: Vec<(&str, &str)> = out.errors().iter().map(|e| (e.key().unwrap(), e.code().unwrap())).collect();
    errors.sort();
    assert_eq!(errors, vec![("b", "PreconditionFailed"), ("missing", "NoSuchKey")]);
    let left: Vec<String> = c.list_objects_v2().bucket("dce").send().await.unwrap().contents().iter().map(|o| o.key().unwrap().to_string()).collect();
    assert_eq!(left, vec!["b"]);
    // the unquoted ETag matches too
    let out = c.delete_objects().bucket("dce").delete(Delete::builder().objects(id("b", Some(b.trim_matches('"')))).build().unwrap()).send().await.unwrap();
    assert_eq!(out.deleted().len(), 1);
    assert_eq!(c.list_objects_v2().bucket("dce").send().await.unwrap().key_count(), Some(0));
}
