//! CopyObject (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html>) and the
//! byte-copy helper shared with UploadPartCopy and CompleteMultipartUpload. Leaves out SSE-C
//! source keys and ACL grants.

use super::object::{check_read, commit, PutOutput, ReadConditions, WriteConditions};
use super::{check_key, ms, require_bucket};
use crate::checksum::{ChecksumAlg, Digests};
use crate::error::{S3Error, S3Result};
use crate::store::blob::{slice, StagedBlob};
use crate::store::objects::{self, ObjectMeta, ObjectRow, StoredChecksum};
use crate::S3Service;
use amplocal_core::{InternalError, RequestContext};
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Copy byte ranges of existing blobs (inclusive ranges; None = whole file) into a new blob.
pub async fn assemble(svc: &S3Service, sources: Vec<(PathBuf, Option<(u64, u64)>)>, digests: Digests) -> S3Result<StagedBlob> {
    let mut w = svc.blobs().writer(digests, None).await?;
    let mut buf = vec![0u8; 1 << 20];
    for (path, range) in sources {
        let mut f = tokio::fs::File::open(&path).await?;
        let mut remaining = match range {
            Some((a, b)) => {
                f.seek(std::io::SeekFrom::Start(a)).await?;
                b - a + 1
            }
            None => u64::MAX,
        };
        while remaining > 0 {
            let want = buf.len().min(remaining.min(usize::MAX as u64) as usize);
            let n = f.read(&mut buf[..want]).await?;
            if n == 0 {
                break;
            }
            w.write(&buf[..n]).await?;
            remaining = remaining.saturating_sub(n as u64);
        }
    }
    w.finish().await
}

/// The body (or the inclusive `range` of it) of copy source `src` into a new staged blob.
pub async fn copy_body(svc: &S3Service, src: &ObjectRow, segments: &[(PathBuf, u64)], range: Option<(u64, u64)>, digests: Digests) -> S3Result<StagedBlob> {
    match &src.inline {
        Some(body) => {
            let bytes = match range {
                Some((a, b)) => body.get(a as usize..=b as usize).ok_or_else(|| InternalError::new("inline body shorter than its size"))?,
                None => &body[..],
            };
            let mut w = svc.blobs().writer(digests, None).await?;
            w.write(bytes).await?;
            w.finish().await
        }
        None => assemble(svc, slice(segments, range), digests).await,
    }
}

/// CopyObject input.
#[derive(Debug, Clone, Default)]
pub struct CopyObjectInput {
    /// Source bucket.
    pub src_bucket: String,
    /// Source key.
    pub src_key: String,
    /// Source version.
    pub src_version: Option<String>,
    /// Destination bucket.
    pub bucket: String,
    /// Destination key.
    pub key: String,
    /// `x-amz-metadata-directive: REPLACE`.
    pub replace_metadata: bool,
    /// Headers for REPLACE.
    pub meta: ObjectMeta,
    /// `x-amz-tagging-directive: REPLACE`.
    pub replace_tags: bool,
    /// Tags for REPLACE.
    pub tags: Vec<(String, String)>,
    /// `x-amz-copy-source-if-*`.
    pub source_cond: ReadConditions,
    /// Destination write conditions.
    pub cond: WriteConditions,
    /// `x-amz-checksum-algorithm` for the copy.
    pub checksum_alg: Option<ChecksumAlg>,
    /// Something else changes (storage class, redirect, encryption).
    pub other_change: bool,
}

/// CopyObject result.
#[derive(Debug, Clone)]
pub struct CopyOutput {
    /// The new version.
    pub put: PutOutput,
    /// Source version id when the source bucket is versioned.
    pub src_version_id: Option<String>,
}

/// Resolve a copy source version (live) and its body files with their sizes.
pub async fn source(svc: &S3Service, bucket: String, key: String, version: Option<String>) -> S3Result<(ObjectRow, Vec<(PathBuf, u64)>, bool)> {
    let (row, versioned) = svc
        .db()
        .read(move |c| {
            let b = require_bucket(c, &bucket)?;
            match objects::get(c, &bucket, &key, version.as_deref())? {
                Some(r) if !r.delete_marker => Ok((r, b.versioning.is_some())),
                Some(_) if version.is_some() => Err(S3Error::InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.".into())),
                _ => match version {
                    Some(v) => Err(S3Error::NoSuchVersion { key, version: v }),
                    None => Err(S3Error::NoSuchKey { key }),
                },
            }
        })
        .await?;
    let segments = match &row.inline {
        Some(_) => Vec::new(),
        None => row.blob.as_deref().and_then(|id| svc.blobs().segments(id, &row.parts, row.size)).ok_or_else(|| InternalError::new("object without blob"))?,
    };
    Ok((row, segments, versioned))
}

/// Copy-source conditions: a failed `if-none-match`/`if-modified-since` is 412 here, not 304.
pub fn check_source(cond: &ReadConditions, row: &ObjectRow) -> S3Result<()> {
    match check_read(cond, row) {
        Err(S3Error::NotModified { .. }) => Err(S3Error::PreconditionFailed { condition: "x-amz-copy-source-If-None-Match" }),
        other => other,
    }
}

/// CopyObject.
pub async fn copy_object(svc: &S3Service, ctx: &RequestContext, input: CopyObjectInput) -> S3Result<CopyOutput> {
    check_key(&input.key)?;
    let (src, segments, src_versioned) = source(svc, input.src_bucket.clone(), input.src_key.clone(), input.src_version.clone()).await?;
    check_source(&input.source_cond, &src)?;
    let same = input.src_bucket == input.bucket && input.src_key == input.key && input.src_version.as_deref().is_none_or(|v| v == src.version_id);
    if same && !input.replace_metadata && !input.other_change && input.checksum_alg.is_none() {
        return Err(S3Error::InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.".into(),
        ));
    }
    let alg = input.checksum_alg.or(src.checksum.as_ref().map(|c| c.alg)).unwrap_or(ChecksumAlg::Crc64Nvme);
    let staged = copy_body(svc, &src, &segments, None, Digests::new(false, &[alg])).await?;
    let checksum = staged.digests.checksum(alg).map(|v| StoredChecksum { alg, value: v.to_string(), kind: "FULL_OBJECT".into() });
    let row = ObjectRow {
        bucket: input.bucket,
        key: input.key,
        version_id: String::new(),
        latest: true,
        delete_marker: false,
        blob: None,
        size: staged.size,
        etag: format!("\"{}\"", hex::encode(staged.digests.md5)),
        mtime_ms: ms(ctx.now),
        // storage class and website redirect are never copied: they come from this request
        // (STANDARD / none when absent), whatever the metadata directive
        meta: if input.replace_metadata {
            input.meta
        } else {
            ObjectMeta { storage_class: input.meta.storage_class, website_redirect: input.meta.website_redirect, ..src.meta.clone() }
        },
        checksum,
        parts: Vec::new(),
        tags: if input.replace_tags { input.tags } else { src.tags.clone() },
        seq: 0,
        inline: None,
    };
    let put = commit(svc, row, staged, input.cond, None).await?;
    Ok(CopyOutput { put, src_version_id: src_versioned.then(|| src.version_id.clone()) })
}
