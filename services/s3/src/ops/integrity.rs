//! Upload integrity: Content-MD5, `x-amz-content-sha256` and flexible checksums compared with
//! what was computed from the received bytes. See
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html>.

use crate::checksum::{b64engine, ChecksumAlg, DigestValues};
use crate::error::{S3Error, S3Result};
use base64::Engine as _;

/// What the client declared about the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    /// Content-MD5 (base64).
    pub content_md5: Option<String>,
    /// `x-amz-content-sha256` when it is a hex digest.
    pub sha256_hex: Option<String>,
    /// Flexible checksums from headers or the aws-chunked trailer.
    pub checksums: Vec<(ChecksumAlg, String)>,
    /// `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm`.
    pub algorithm: Option<ChecksumAlg>,
}

impl Declared {
    /// Algorithms the wire layer must compute for this body.
    pub fn algorithms(&self) -> Vec<ChecksumAlg> {
        let mut v: Vec<ChecksumAlg> = self.checksums.iter().map(|(a, _)| *a).collect();
        v.extend(self.algorithm);
        v
    }
}

/// Check every declared digest against the computed ones. Returns the checksum to store: the
/// declared (verified) one, else whatever default was computed.
pub fn verify(declared: &Declared, got: &DigestValues) -> S3Result<Option<(ChecksumAlg, String)>> {
    if let Some(md5) = &declared.content_md5 {
        let raw = b64engine().decode(md5.trim()).map_err(|_| S3Error::InvalidDigest("The Content-MD5 you specified was invalid.".into()))?;
        if raw.len() != 16 {
            return Err(S3Error::InvalidDigest("The Content-MD5 you specified was invalid.".into()));
        }
        if raw != got.md5 {
            return Err(S3Error::BadDigest("The Content-MD5 you specified did not match what we received.".into()));
        }
    }
    if let (Some(want), Some(have)) = (&declared.sha256_hex, &got.sha256_hex) {
        if !want.eq_ignore_ascii_case(have) {
            return Err(S3Error::XAmzContentSHA256Mismatch);
        }
    }
    for (alg, value) in &declared.checksums {
        if !alg.valid_value(value) {
            return Err(S3Error::InvalidRequest(format!("Value for {} header is invalid.", alg.header())));
        }
        match got.checksum(*alg) {
            Some(v) if v == value => {}
            Some(_) => {
                let mut msg = format!("The {} you specified did not match the calculated checksum.", alg.name());
                if *alg == ChecksumAlg::Crc32 && value == "AAAAAA==" {
                    // AWS quirk: @aws-sdk/s3-request-presigner bakes the CRC32 of an empty body
                    // into presigned PUT URLs (aws-sdk-js-v3#6994); real S3 rejects the upload too.
                    msg.push_str(" (AAAAAA== is the CRC32 of an empty body: JS SDK presigned PUT URLs carry it unless the client is created with requestChecksumCalculation: \"WHEN_REQUIRED\")");
                }
                return Err(S3Error::BadDigest(msg));
            }
            None => return Err(S3Error::Internal(amplocal_core::InternalError::new("checksum not computed"))),
        }
    }
    if let Some((alg, v)) = declared.checksums.first() {
        return Ok(Some((*alg, v.clone())));
    }
    if let Some(alg) = declared.algorithm {
        if let Some(v) = got.checksum(alg) {
            return Ok(Some((alg, v.to_string())));
        }
    }
    Ok(got.checksums.first().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::Digests;

    fn digests(data: &[u8], algs: &[ChecksumAlg]) -> DigestValues {
        let mut d = Digests::new(true, algs);
        d.update(data);
        d.finish()
    }

    #[test]
    fn md5_and_checksums() {
        let got = digests(b"hello", &[ChecksumAlg::Crc32]);
        let ok = Declared { content_md5: Some("XUFAKrxLKna5cZ2REBfFkg==".into()), ..Default::default() };
        assert!(verify(&ok, &got).is_ok());
        let bad = Declared { content_md5: Some("AAAAAAAAAAAAAAAAAAAAAA==".into()), ..Default::default() };
        assert!(matches!(verify(&bad, &got), Err(S3Error::BadDigest(_))));
        let malformed = Declared { content_md5: Some("zz".into()), ..Default::default() };
        assert!(matches!(verify(&malformed, &got), Err(S3Error::InvalidDigest(_))));
        let crc = crate::checksum::checksum_b64(ChecksumAlg::Crc32, b"hello");
        let c = Declared { checksums: vec![(ChecksumAlg::Crc32, crc.clone())], ..Default::default() };
        assert_eq!(verify(&c, &got).unwrap(), Some((ChecksumAlg::Crc32, crc)));
        let c = Declared { checksums: vec![(ChecksumAlg::Crc32, "AAAAAA==".into())], ..Default::default() };
        assert!(matches!(verify(&c, &got), Err(S3Error::BadDigest(_))));
        let s = Declared { sha256_hex: Some("00".repeat(32)), ..Default::default() };
        assert!(matches!(verify(&s, &got), Err(S3Error::XAmzContentSHA256Mismatch)));
    }
}
