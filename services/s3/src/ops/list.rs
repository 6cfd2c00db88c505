//! ListObjectsV2, ListObjects and ListObjectVersions over the byte-ordered key index.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>. Continuation tokens
//! are opaque (base64 of the last key or common prefix returned).

use super::require_bucket;
use crate::checksum::b64engine;
use crate::error::{S3Error, S3Result};
use crate::store::objects::{self, ListSpec, Page};
use crate::S3Service;
use base64::Engine as _;

/// A listing request (V1, V2 or versions).
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    /// Bucket.
    pub bucket: String,
    /// Prefix.
    pub prefix: String,
    /// Delimiter.
    pub delimiter: String,
    /// Exclusive start (marker, start-after, key-marker or decoded continuation token).
    pub after: Option<String>,
    /// version-id-marker (ListObjectVersions).
    pub version_marker: Option<String>,
    /// Page size (already capped at 1000).
    pub max: usize,
    /// ListObjectVersions.
    pub versions: bool,
}

/// Encode a continuation token.
pub fn encode_token(last: &str) -> String {
    b64engine().encode(last.as_bytes())
}

/// Decode a continuation token (`InvalidArgument` when it is not one of ours).
pub fn decode_token(token: &str) -> S3Result<String> {
    b64engine()
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| S3Error::InvalidArgument("The continuation token provided is incorrect".into()))
}

/// List one page.
pub async fn list(svc: &S3Service, input: ListInput) -> S3Result<Page> {
    svc.db()
        .read(move |c| {
            require_bucket(c, &input.bucket)?;
            let after_seq = match (&input.after, &input.version_marker) {
                (Some(k), Some(v)) if input.versions && !v.is_empty() => objects::version_seq(c, &input.bucket, k, v)?,
                _ => None,
            };
            let spec = ListSpec {
                bucket: &input.bucket,
                prefix: &input.prefix,
                delimiter: &input.delimiter,
                after: input.after.as_deref().filter(|a| !a.is_empty()),
                max: input.max,
                versions: input.versions,
                after_seq,
            };
            objects::list(c, &spec)
        })
        .await
}
