//! End-to-end tests of signed aws-chunked bodies with a signed trailer
//! (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`, what the Rust SDK sends over http), built by
//! hand so that each signature can be tampered with: a changed chunk, a changed final-chunk
//! signature, a trailer whose value differs from what its signature covers, and a missing trailer
//! signature must each fail with SignatureDoesNotMatch and store nothing; a correctly signed
//! trailer carrying a wrong CRC32 is BadDigest.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html>.

use super::*;
use amplocal_core::sigv4::chunk::{chunk_signature, trailer_signature};
use amplocal_core::sigv4::signing::{format_amz_date, sha256_hex, signature, signing_key, string_to_sign};

/// What to send, and what the signatures cover (a difference is a tampering).
struct Upload<'a> {
    key: &'a str,
    /// Payload sent in the one data chunk.
    sent: &'a [u8],
    /// Payload the data chunk's signature covers.
    signed: &'a [u8],
    /// `x-amz-checksum-crc32` trailer value sent.
    trailer_sent: &'a str,
    /// Trailer value the trailer signature covers.
    trailer_signed: &'a str,
    /// Sign the final zero-length chunk over a wrong previous signature.
    bad_final: bool,
    /// Leave the `x-amz-trailer-signature` line out.
    no_trailer_sig: bool,
}

impl<'a> Upload<'a> {
    /// An untampered upload of `data` with the trailer value `crc`.
    fn good(key: &'a str, data: &'a [u8], crc: &'a str) -> Self {
        Self { key, sent: data, signed: data, trailer_sent: crc, trailer_signed: crc, bad_final: false, no_trailer_sig: false }
    }
}

async fn send(env: &TestEnv, u: &Upload<'_>) -> reqwest::Response {
    let amz_date = format_amz_date(std::time::SystemTime::now());
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/s3/aws4_request");
    let host = format!("127.0.0.1:{}", env.addr.port());
    let path = format!("/trl/{}", u.key);
    let mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    let signed_headers = "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-trailer";
    let canonical = format!(
        "PUT\n{path}\n\ncontent-encoding:aws-chunked\nhost:{host}\nx-amz-content-sha256:{mode}\nx-amz-date:{amz_date}\nx-amz-decoded-content-length:{}\nx-amz-trailer:x-amz-checksum-crc32\n\n{signed_headers}\n{mode}",
        u.sent.len()
    );
    let key_bytes = signing_key(amplocal_tests::SECRET, date, "us-east-1", "s3");
    let seed = signature(&key_bytes, &string_to_sign(&amz_date, &scope, &canonical));
    let cs = amplocal_core::ChunkSigning { signing_key: key_bytes, seed_signature: seed.clone(), amz_date: amz_date.clone(), scope: scope.clone() };
    let sig1 = chunk_signature(&cs, &seed, &sha256_hex(u.signed));
    let sig2 = chunk_signature(&cs, if u.bad_final { &seed } else { &sig1 }, &sha256_hex(b""));
    let tsig = trailer_signature(&cs, &sig2, &format!("x-amz-checksum-crc32:{}\n", u.trailer_signed));
    let mut body = format!("{:x};chunk-signature={sig1}\r\n", u.sent.len()).into_bytes();
    body.extend_from_slice(u.sent);
    body.extend_from_slice(format!("\r\n0;chunk-signature={sig2}\r\nx-amz-checksum-crc32:{}\r\n", u.trailer_sent).as_bytes());
    if !u.no_trailer_sig {
        body.extend_from_slice(format!("x-amz-trailer-signature:{tsig}\r\n").as_bytes());
    }
    body.extend_from_slice(b"\r\n");
    let auth = format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={seed}", amplocal_tests::KEY);
    env.http()
        .put(format!("{}{path}", env.endpoint))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-content-sha256", mode)
        .header("x-amz-date", &amz_date)
        .header("x-amz-decoded-content-length", u.sent.len().to_string())
        .header("x-amz-trailer", "x-amz-checksum-crc32")
        .header("authorization", auth)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// (status, body) of a response.
async fn outcome(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn signed_trailer_is_verified_and_every_tampering_fails() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "trl").await;
    // CRC32 of "hello"
    let crc = "NhCmhg==";
    let (status, text) = outcome(send(&env, &Upload::good("good", b"hello", crc)).await).await;
    assert_eq!(status, 200, "{text}");
    let got = c.get_object().bucket("trl").key("good").checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled).send().await.unwrap();
    assert_eq!(got.checksum_crc32(), Some(crc));
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), b"hello");

    let tampered: [(&str, Upload); 4] = [
        ("chunk", Upload { sent: b"hellO", ..Upload::good("t-chunk", b"hello", crc) }),
        ("final chunk", Upload { bad_final: true, ..Upload::good("t-final", b"hello", crc) }),
        // the sent checksum is right for the data: only the trailer signature can catch this
        ("trailer value", Upload { trailer_signed: "AAAAAA==", ..Upload::good("t-trailer", b"hello", crc) }),
        ("no trailer signature", Upload { no_trailer_sig: true, ..Upload::good("t-nosig", b"hello", crc) }),
    ];
    for (what, u) in &tampered {
        let (status, text) = outcome(send(&env, u).await).await;
        assert_eq!(status, 403, "{what}: {text}");
        assert!(text.contains("<Code>SignatureDoesNotMatch</Code>"), "{what}: {text}");
        let e = c.head_object().bucket("trl").key(u.key).send().await.unwrap_err();
        assert_eq!(status_code(&e).0, 404, "{what} stored an object");
    }

    // a correctly signed trailer whose checksum does not match the data
    let (status, text) = outcome(send(&env, &Upload::good("t-crc", b"hello", "AAAAAA==")).await).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("<Code>BadDigest</Code>"), "{text}");
    let listed = c.list_objects_v2().bucket("trl").send().await.unwrap();
    assert_eq!(listed.contents().iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(), vec!["good"]);
}

#[tokio::test]
async fn unsigned_chunked_keeps_other_content_codings_and_checks_the_decoded_length() {
    let env = TestEnv::start().await;
    let c = env.s3();
    bucket(&c, "trl").await;
    let body = "a\r\nchunk-one \r\n9\r\nchunk-two\r\n0\r\nx-amz-checksum-crc32:s4R9Pg==\r\n\r\n";
    let put = |key: &str, encoding: &'static str, decoded: &'static str| {
        env.http()
            .put(format!("{}/trl/{key}", env.endpoint))
            .header("content-encoding", encoding)
            .header("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            .header("x-amz-decoded-content-length", decoded)
            .header("x-amz-trailer", "x-amz-checksum-crc32")
            .body(body)
            .send()
    };
    // `aws-chunked, gzip` is stored as `gzip` (the body is kept as sent, never decompressed)
    assert_eq!(put("gz", "aws-chunked, gzip", "19").await.unwrap().status(), 200);
    let h = c.head_object().bucket("trl").key("gz").send().await.unwrap();
    assert_eq!(h.content_encoding(), Some("gzip"));
    assert_eq!(get_bytes(&c, "trl", "gz").await, b"chunk-one chunk-two");
    // a decoded length that disagrees with the chunks is refused and stores nothing
    for (key, n) in [("short", "18"), ("long", "20")] {
        let r = put(key, "aws-chunked", n).await.unwrap();
        assert_eq!(r.status(), 400, "{key}");
        let e = c.head_object().bucket("trl").key(key).send().await.unwrap_err();
        assert_eq!(status_code(&e).0, 404, "{key}");
    }
}
