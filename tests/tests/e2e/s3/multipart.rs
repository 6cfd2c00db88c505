//! End-to-end tests of S3 multipart uploads (Create/UploadPart/UploadPartCopy/Complete/Abort,
//! COMPOSITE and FULL_OBJECT checksums, abandoned-upload cleanup) with aws-sdk-rust.

use super::*;

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
async fn list_multipart_uploads_and_list_parts_paginate_without_gaps() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "mpl").await;
    // several uploads of one key: a page boundary inside them needs the upload-id-marker
    let mut created = Vec::new();
    for key in ["a", "a", "a", "b", "b", "c", "other/x"] {
        let id = c.create_multipart_upload().bucket("mpl").key(key).send().await.unwrap().upload_id().unwrap().to_string();
        created.push((key.to_string(), id));
    }
    let full = c.list_multipart_uploads().bucket("mpl").send().await.unwrap();
    let all: Vec<(String, String)> = full.uploads().iter().map(|u| (u.key().unwrap().to_string(), u.upload_id().unwrap().to_string())).collect();
    assert_eq!(all.len(), 7);
    let mut sorted = created.clone();
    sorted.sort();
    let mut listed_sorted = all.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, sorted);
    assert_eq!(all.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec!["a", "a", "a", "b", "b", "c", "other/x"]);
    let mut paged = Vec::new();
    let (mut km, mut um): (Option<String>, Option<String>) = (None, None);
    loop {
        let page = c.list_multipart_uploads().bucket("mpl").max_uploads(2).set_key_marker(km.clone()).set_upload_id_marker(um.clone()).send().await.unwrap();
        assert!(page.uploads().len() <= 2);
        paged.extend(page.uploads().iter().map(|u| (u.key().unwrap().to_string(), u.upload_id().unwrap().to_string())));
        if page.is_truncated() != Some(true) {
            break;
        }
        km = page.next_key_marker().map(String::from);
        um = page.next_upload_id_marker().map(String::from);
        assert!(km.is_some() && um.is_some());
    }
    assert_eq!(paged, all);
    // a key-marker alone skips every upload of that key
    let after_a = c.list_multipart_uploads().bucket("mpl").key_marker("a").send().await.unwrap();
    assert_eq!(after_a.uploads().len(), 4);
    let pre = c.list_multipart_uploads().bucket("mpl").prefix("other/").send().await.unwrap();
    assert_eq!(pre.uploads().iter().map(|u| u.key().unwrap()).collect::<Vec<_>>(), vec!["other/x"]);

    // ListParts pages by part-number-marker
    let id = &created[5].1;
    for n in 1..=5 {
        c.upload_part().bucket("mpl").key("c").upload_id(id).part_number(n).body(ByteStream::from(vec![n as u8; 10])).send().await.unwrap();
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c.list_parts().bucket("mpl").key("c").upload_id(id).max_parts(2).set_part_number_marker(marker.clone()).send().await.unwrap();
        seen.push(page.parts().iter().map(|p| p.part_number().unwrap()).collect::<Vec<_>>());
        assert!(page.parts().iter().all(|p| p.size() == Some(10) && p.e_tag().is_some()));
        if page.is_truncated() != Some(true) {
            break;
        }
        marker = page.next_part_number_marker().map(String::from);
    }
    assert_eq!(seen, vec![vec![1, 2], vec![3, 4], vec![5]]);
    let e = c.list_parts().bucket("mpl").key("b").upload_id(id).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));
}

#[tokio::test]
async fn multipart_checksum_values_and_full_object_mismatch() {
    use super::semantics::crc32_b64;
    use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumType};
    use base64::Engine;
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "mpv").await;
    let part1 = vec![b'x'; 5 * 1024 * 1024];
    let part2 = b"end".to_vec();
    let whole = [part1.as_slice(), part2.as_slice()].concat();
    let start = |key: &'static str, kind: Option<ChecksumType>| {
        let c = c.clone();
        let (part1, part2) = (part1.clone(), part2.clone());
        async move {
            let id = c.create_multipart_upload().bucket("mpv").key(key).checksum_algorithm(ChecksumAlgorithm::Crc32).set_checksum_type(kind).send().await.unwrap().upload_id().unwrap().to_string();
            let mut parts = Vec::new();
            for (n, body) in [(1, part1), (2, part2)] {
                let out = c.upload_part().bucket("mpv").key(key).upload_id(&id).part_number(n).checksum_algorithm(ChecksumAlgorithm::Crc32).body(ByteStream::from(body)).send().await.unwrap();
                parts.push(CompletedPart::builder().part_number(n).e_tag(out.e_tag().unwrap()).set_checksum_crc32(out.checksum_crc32().map(String::from)).build());
            }
            (id, CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        }
    };
    // COMPOSITE: CRC32 over the parts' raw CRC32s, then -N
    let (id, mpu) = start("comp", None).await;
    let out = c.complete_multipart_upload().bucket("mpv").key("comp").upload_id(&id).multipart_upload(mpu).send().await.unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw: Vec<u8> = [crc32_b64(&part1), crc32_b64(&part2)].iter().flat_map(|p| b64.decode(p).unwrap()).collect();
    assert_eq!(out.checksum_crc32(), Some(format!("{}-2", crc32_b64(&raw)).as_str()));
    assert_eq!(out.checksum_type(), Some(&ChecksumType::Composite));

    // FULL_OBJECT: the CRC32 of the whole object; a wrong whole-object header is BadDigest and
    // leaves the upload to be completed again
    let (id, mpu) = start("full", Some(ChecksumType::FullObject)).await;
    let e = c
        .complete_multipart_upload()
        .bucket("mpv")
        .key("full")
        .upload_id(&id)
        .checksum_crc32(crc32_b64(b"not the object"))
        .checksum_type(ChecksumType::FullObject)
        .multipart_upload(mpu.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_code(&e), (400, "BadDigest".into()));
    let e = c.head_object().bucket("mpv").key("full").send().await.unwrap_err();
    assert_eq!(status_code(&e).0, 404);
    let out = c
        .complete_multipart_upload()
        .bucket("mpv")
        .key("full")
        .upload_id(&id)
        .checksum_crc32(crc32_b64(&whole))
        .checksum_type(ChecksumType::FullObject)
        .multipart_upload(mpu)
        .send()
        .await
        .unwrap();
    assert_eq!(out.checksum_crc32(), Some(crc32_b64(&whole).as_str()));
    assert_eq!(out.checksum_type(), Some(&ChecksumType::FullObject));

    // a part checksum in the Complete body that differs from the stored one is InvalidPart
    let (id, mpu) = start("badpart", None).await;
    let mut parts = mpu.parts().to_vec();
    parts[1] = CompletedPart::builder().part_number(2).e_tag(parts[1].e_tag().unwrap()).checksum_crc32(crc32_b64(b"other")).build();
    let e = c.complete_multipart_upload().bucket("mpv").key("badpart").upload_id(&id).multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build()).send().await.unwrap_err();
    assert_eq!(status_code(&e), (400, "InvalidPart".into()));

    // unsupported combinations are refused at CreateMultipartUpload
    for (alg, kind) in [(ChecksumAlgorithm::Crc64Nvme, ChecksumType::Composite), (ChecksumAlgorithm::Sha256, ChecksumType::FullObject)] {
        let e = c.create_multipart_upload().bucket("mpv").key("x").checksum_algorithm(alg).checksum_type(kind).send().await.unwrap_err();
        assert_eq!(status_code(&e), (400, "InvalidRequest".into()));
    }
}

#[tokio::test]
async fn the_background_task_aborts_abandoned_uploads_on_its_own() {
    // a 2 s age: the task started with the router runs every second (real clock)
    let env = TestEnv::builder().services(|s| s.s3.multipart_max_age_secs = 2).start().await;
    let c = env.s3();
    bucket(&c, "gca").await;
    let id = c.create_multipart_upload().bucket("gca").key("k").send().await.unwrap().upload_id().unwrap().to_string();
    c.upload_part().bucket("gca").key("k").upload_id(&id).part_number(1).body(ByteStream::from(vec![7u8; 100_000])).send().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if c.list_multipart_uploads().bucket("gca").send().await.unwrap().uploads().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "upload not cleaned up within 15 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let e = c.upload_part().bucket("gca").key("k").upload_id(&id).part_number(2).body(ByteStream::from_static(b"late")).send().await.unwrap_err();
    assert_eq!(status_code(&e), (404, "NoSuchUpload".into()));
    let mut files = Vec::new();
    files_under(&env.dir.path().join("s3/blobs"), &mut files);
    assert!(files.iter().all(|f| f.is_dir()), "{files:?}");
}
