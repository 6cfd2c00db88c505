//! End-to-end tests of completed multipart objects, which are stored as their parts' blobs (no
//! byte is copied at CompleteMultipartUpload): reads across part boundaries (ranges, suffixes,
//! partNumber), CopyObject and UploadPartCopy from such an object, and that exactly the right
//! blob files exist after complete, overwrite and delete. Also: a multi-range GET answers the
//! whole object, as S3 (which does not support multiple ranges) does. Bodies up to 64 KiB live
//! in their metadata row: same reads, ranges and copies, no file.

use super::*;

/// Body files in the blob directory (temp files excluded).
fn blob_files(env: &TestEnv) -> usize {
    let mut all = Vec::new();
    files_under(&env.dir.path().join("s3").join("blobs"), &mut all);
    all.iter().filter(|p| p.is_file() && !p.parent().is_some_and(|d| d.ends_with("tmp"))).count()
}

async fn range(c: &Client, b: &str, k: &str, r: &str) -> (Vec<u8>, Option<String>) {
    let out = c.get_object().bucket(b).key(k).range(r).send().await.unwrap();
    let cr = out.content_range().map(str::to_string);
    (out.body.collect().await.unwrap().into_bytes().to_vec(), cr)
}

#[tokio::test]
async fn completed_upload_is_its_parts_and_reads_across_boundaries() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "parts").await;
    let p1: Vec<u8> = (0..5 * 1024 * 1024 + 1).map(|i| (i % 251) as u8).collect();
    let p2: Vec<u8> = vec![b'x'; 5 * 1024 * 1024 + 2];
    let p3: Vec<u8> = b"0123456789".to_vec();
    let id = c.create_multipart_upload().bucket("parts").key("obj").send().await.unwrap().upload_id().unwrap().to_string();
    let mut etags = Vec::new();
    for (n, p) in [&p1, &p2, &p3].iter().enumerate() {
        let out = c.upload_part().bucket("parts").key("obj").upload_id(&id).part_number(n as i32 + 1).body(ByteStream::from(p.to_vec())).send().await.unwrap();
        etags.push(out.e_tag().unwrap().to_string());
    }
    assert_eq!(blob_files(&env), 3);
    // complete with parts 1 and 3 only: the object is those two files, part 2's file is gone
    let parts = vec![CompletedPart::builder().part_number(1).e_tag(&etags[0]).build(), CompletedPart::builder().part_number(3).e_tag(&etags[2]).build()];
    c.complete_multipart_upload().bucket("parts").key("obj").upload_id(&id).multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build()).send().await.unwrap();
    assert_eq!(blob_files(&env), 2, "complete must reference the parts, not copy them");
    let mut all = p1.clone();
    all.extend_from_slice(&p3);
    let n = all.len() as u64;
    assert_eq!(get_bytes(&c, "parts", "obj").await, all);
    let b = p1.len() as u64;
    for (a, z) in [(b - 3, b + 2), (b - 1, b), (b, b), (0, n - 1), (b + 5, n - 1), (7, 9)] {
        let (got, cr) = range(&c, "parts", "obj", &format!("bytes={a}-{z}")).await;
        assert_eq!(got, all[a as usize..=z as usize], "range {a}-{z}");
        assert_eq!(cr.as_deref(), Some(format!("bytes {a}-{z}/{n}").as_str()));
    }
    let (got, _) = range(&c, "parts", "obj", "bytes=-12").await;
    assert_eq!(got, all[all.len() - 12..]);
    let (got, _) = range(&c, "parts", "obj", &format!("bytes={}-", b - 4)).await;
    assert_eq!(got, all[b as usize - 4..]);
    let second = c.get_object().bucket("parts").key("obj").part_number(2).send().await.unwrap();
    assert_eq!(second.parts_count(), Some(2));
    assert_eq!(second.body.collect().await.unwrap().into_bytes().as_ref(), p3.as_slice());
    // S3 does not do multiple ranges: the whole object, 200
    let multi = env.http().get(format!("{}/parts/obj", env.endpoint)).header("range", "bytes=0-1,5-6").send().await.unwrap();
    assert_eq!(multi.status(), 200);
    assert_eq!(multi.bytes().await.unwrap().len() as u64, n);

    // CopyObject from a part-list object makes one new body
    c.copy_object().bucket("parts").key("copy").copy_source("parts/obj").send().await.unwrap();
    assert_eq!(get_bytes(&c, "parts", "copy").await, all);
    assert_eq!(blob_files(&env), 3);
    // UploadPartCopy of a range spanning the boundary
    let id2 = c.create_multipart_upload().bucket("parts").key("pc").send().await.unwrap().upload_id().unwrap().to_string();
    let pc = c
        .upload_part_copy()
        .bucket("parts")
        .key("pc")
        .upload_id(&id2)
        .part_number(1)
        .copy_source("parts/obj")
        .copy_source_range(format!("bytes={}-{}", b - 6, b + 3))
        .send()
        .await
        .unwrap();
    let etag = pc.copy_part_result().and_then(|r| r.e_tag()).unwrap().to_string();
    let parts = vec![CompletedPart::builder().part_number(1).e_tag(etag).build()];
    c.complete_multipart_upload().bucket("parts").key("pc").upload_id(&id2).multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build()).send().await.unwrap();
    assert_eq!(get_bytes(&c, "parts", "pc").await, all[b as usize - 6..=b as usize + 3]);
    assert_eq!(blob_files(&env), 4);

    // overwriting (with a small body, stored in its row) and deleting release every part file
    put(&c, "parts", "obj", b"small now").await;
    assert_eq!(get_bytes(&c, "parts", "obj").await, b"small now");
    assert_eq!(blob_files(&env), 2);
    for k in ["obj", "copy", "pc"] {
        c.delete_object().bucket("parts").key(k).send().await.unwrap();
    }
    assert_eq!(blob_files(&env), 0);
}

#[tokio::test]
async fn small_bodies_live_in_their_row_and_read_copy_and_range_like_files() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "inl").await;
    let at: Vec<u8> = (0..64 * 1024).map(|i| (i % 249) as u8).collect();
    let over: Vec<u8> = (0..64 * 1024 + 1).map(|i| (i % 247) as u8).collect();
    put(&c, "inl", "at-limit", &at).await;
    put(&c, "inl", "empty", b"").await;
    assert_eq!(blob_files(&env), 0, "bodies up to 64 KiB are stored in their row");
    put(&c, "inl", "over-limit", &over).await;
    assert_eq!(blob_files(&env), 1);
    assert_eq!(get_bytes(&c, "inl", "at-limit").await, at);
    assert_eq!(get_bytes(&c, "inl", "over-limit").await, over);
    assert!(get_bytes(&c, "inl", "empty").await.is_empty());
    let h = c.head_object().bucket("inl").key("at-limit").send().await.unwrap();
    assert_eq!(h.content_length(), Some(at.len() as i64));
    let (got, cr) = range(&c, "inl", "at-limit", "bytes=100-199").await;
    assert_eq!(got, at[100..200]);
    assert_eq!(cr.as_deref(), Some("bytes 100-199/65536"));
    let (got, _) = range(&c, "inl", "at-limit", "bytes=-5").await;
    assert_eq!(got, at[at.len() - 5..]);
    let e = c.get_object().bucket("inl").key("at-limit").range("bytes=70000-").send().await.unwrap_err();
    assert_eq!(status_code(&e), (416, "InvalidRange".into()));
    // copy inline → inline, and an inline range into a multipart part (which is a file)
    c.copy_object().bucket("inl").key("copy").copy_source("inl/at-limit").send().await.unwrap();
    assert_eq!(get_bytes(&c, "inl", "copy").await, at);
    assert_eq!(blob_files(&env), 1);
    let id = c.create_multipart_upload().bucket("inl").key("mp").send().await.unwrap().upload_id().unwrap().to_string();
    let pc = c.upload_part_copy().bucket("inl").key("mp").upload_id(&id).part_number(1).copy_source("inl/at-limit").copy_source_range("bytes=10-19").send().await.unwrap();
    let etag = pc.copy_part_result().and_then(|r| r.e_tag()).unwrap().to_string();
    let parts = vec![CompletedPart::builder().part_number(1).e_tag(etag).build()];
    c.complete_multipart_upload().bucket("inl").key("mp").upload_id(&id).multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build()).send().await.unwrap();
    assert_eq!(get_bytes(&c, "inl", "mp").await, at[10..20]);
    assert_eq!(blob_files(&env), 2);
    // a large object overwritten by a small one leaves no file behind
    put(&c, "inl", "over-limit", b"tiny").await;
    assert_eq!(blob_files(&env), 1);
    assert_eq!(get_bytes(&c, "inl", "over-limit").await, b"tiny");
}
