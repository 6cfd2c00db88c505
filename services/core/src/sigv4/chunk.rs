//! aws-chunked chunk and trailer signatures (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`),
//! for the S3 service to verify each chunk of a streaming upload with the [`ChunkSigning`] the
//! gateway put into the request's `Caller`.
//! See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
//! https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
//! Leaves out: decoding the framing (the S3 service owns the body).

use super::signing::{hmac_sha256, sha256_hex, signatures_equal};
use crate::ChunkSigning;

/// Hex SHA-256 of the empty string (the fourth line of every chunk string to sign).
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The string to sign of one chunk whose data hashes to `chunk_sha256_hex`.
pub fn chunk_string_to_sign(cs: &ChunkSigning, previous_signature: &str, chunk_sha256_hex: &str) -> String {
    format!("AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{previous_signature}\n{EMPTY_SHA256}\n{chunk_sha256_hex}", cs.amz_date, cs.scope)
}

/// The signature of one chunk (the zero-length final chunk is signed too).
pub fn chunk_signature(cs: &ChunkSigning, previous_signature: &str, chunk_sha256_hex: &str) -> String {
    hex::encode(hmac_sha256(&cs.signing_key, chunk_string_to_sign(cs, previous_signature, chunk_sha256_hex).as_bytes()))
}

/// The signature of the trailer: `canonical_trailers` is each trailer as `name:value\n`
/// (lower-case name, `\n` not `\r\n`), without `x-amz-trailer-signature`.
pub fn trailer_signature(cs: &ChunkSigning, previous_signature: &str, canonical_trailers: &str) -> String {
    let sts = format!(
        "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{previous_signature}\n{}",
        cs.amz_date,
        cs.scope,
        sha256_hex(canonical_trailers.as_bytes())
    );
    hex::encode(hmac_sha256(&cs.signing_key, sts.as_bytes()))
}

/// The running chain of an aws-chunked body: each verified chunk's signature becomes the
/// "previous signature" of the next, starting from the seed (the request signature).
#[derive(Debug, Clone)]
pub struct ChunkChain {
    signing: ChunkSigning,
    previous: String,
}

impl ChunkChain {
    /// Start at the seed signature.
    pub fn new(signing: ChunkSigning) -> Self {
        let previous = signing.seed_signature.clone();
        Self { signing, previous }
    }

    /// Check the next chunk (data hash hex, `chunk-signature` value) and advance on success.
    pub fn verify_chunk(&mut self, chunk_sha256_hex: &str, provided: &str) -> bool {
        let expected = chunk_signature(&self.signing, &self.previous, chunk_sha256_hex);
        if signatures_equal(&expected, &provided.to_ascii_lowercase()) {
            self.previous = expected;
            true
        } else {
            false
        }
    }

    /// Check the trailer signature after the final chunk.
    pub fn verify_trailer(&self, canonical_trailers: &str, provided: &str) -> bool {
        signatures_equal(&trailer_signature(&self.signing, &self.previous, canonical_trailers), &provided.to_ascii_lowercase())
    }

    /// The signature the next chunk chains from.
    pub fn previous(&self) -> &str {
        &self.previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::signing::signing_key;

    /// The example of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html:
    /// 66560 bytes of `a` in chunks of 65536, 1024 and 0 bytes.
    #[test]
    fn aws_doc_streaming_example() {
        let cs = ChunkSigning {
            signing_key: signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3"),
            seed_signature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9".into(),
            amz_date: "20130524T000000Z".into(),
            scope: "20130524/us-east-1/s3/aws4_request".into(),
        };
        let mut chain = ChunkChain::new(cs);
        assert!(chain.verify_chunk(&sha256_hex(&[b'a'; 65536]), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"));
        assert!(!chain.verify_chunk(&sha256_hex(&[b'a'; 1024]), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"));
        assert!(chain.verify_chunk(&sha256_hex(&[b'a'; 1024]), "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"));
        assert!(chain.verify_chunk(EMPTY_SHA256, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"));
    }
}
