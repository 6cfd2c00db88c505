//! Objects: PutObject, GetObject/HeadObject (ranges, part numbers, conditional reads),
//! DeleteObject(s), CopyObject, object tagging.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html>. Leaves out SSE, object
//! lock, ACL grants and storage-class transitions.

use super::integrity::{verify, Declared};
use super::{check_key, ms, require_bucket};
use crate::error::{S3Error, S3Result};
use crate::store::blob::{read_sources, slice, StagedBlob};
use crate::store::objects::{self, ObjectMeta, ObjectRow, StoredChecksum};
use crate::S3Service;
use amplocal_core::{InternalError, RequestContext};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Conditions on a write (`If-None-Match: *`, `If-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteConditions {
    /// `If-Match`.
    pub if_match: Option<String>,
    /// `If-None-Match` (only `*` is meaningful).
    pub if_none_match: Option<String>,
}

/// Conditions on a read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadConditions {
    /// `If-Match`.
    pub if_match: Option<String>,
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// `If-Modified-Since`.
    pub if_modified_since: Option<SystemTime>,
    /// `If-Unmodified-Since`.
    pub if_unmodified_since: Option<SystemTime>,
}

/// PutObject input.
#[derive(Debug)]
pub struct PutObjectInput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Headers to store.
    pub meta: ObjectMeta,
    /// Tags (`x-amz-tagging`).
    pub tags: Vec<(String, String)>,
    /// The received body.
    pub body: StagedBlob,
    /// Declared digests.
    pub declared: Declared,
    /// Conditions.
    pub cond: WriteConditions,
}

/// PutObject / CopyObject / CompleteMultipartUpload result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutput {
    /// Quoted ETag.
    pub etag: String,
    /// Version id when the bucket is versioned.
    pub version_id: Option<String>,
    /// Stored checksum.
    pub checksum: Option<StoredChecksum>,
    /// Last-Modified ms.
    pub mtime_ms: i64,
}

/// Does an `If-Match`/`If-None-Match` list match `etag`?
pub fn etag_matches(list: &str, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    list.split(',').map(|s| s.trim()).any(|c| c == "*" || c.trim_start_matches("W/").trim_matches('"') == bare)
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Evaluate read conditions against a version.
pub fn check_read(cond: &ReadConditions, row: &ObjectRow) -> S3Result<()> {
    let mtime = (row.mtime_ms / 1000) as u64;
    let not_modified = || S3Error::NotModified { etag: row.etag.clone(), last_modified: http_date(row.mtime_ms) };
    if let Some(m) = &cond.if_match {
        if !etag_matches(m, &row.etag) {
            return Err(S3Error::PreconditionFailed { condition: "If-Match" });
        }
    } else if let Some(t) = cond.if_unmodified_since {
        if mtime > secs(t) {
            return Err(S3Error::PreconditionFailed { condition: "If-Unmodified-Since" });
        }
    }
    if let Some(m) = &cond.if_none_match {
        if etag_matches(m, &row.etag) {
            return Err(not_modified());
        }
    } else if let Some(t) = cond.if_modified_since {
        if mtime <= secs(t) {
            return Err(not_modified());
        }
    }
    Ok(())
}

/// RFC 7231 date of a ms timestamp.
pub fn http_date(ms: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64))
}

fn version_for(versioning: &Option<String>, svc: &S3Service) -> String {
    if versioning.as_deref() == Some("Enabled") {
        svc.new_version_id()
    } else {
        "null".to_string()
    }
}

/// Commit a new version row built from a staged body; applies write conditions inside the
/// transaction. Shared by PutObject, CopyObject and CompleteMultipartUpload.
pub async fn commit(svc: &S3Service, mut row: ObjectRow, mut body: StagedBlob, cond: WriteConditions, upload: Option<String>) -> S3Result<PutOutput> {
    let svc2 = svc.clone();
    row.inline = body.take_inline(objects::INLINE_MAX);
    row.blob = row.inline.is_none().then(|| body.id.clone());
    let inline = row.inline.is_some();
    let write = move |tx: &rusqlite::Transaction<'_>| {
        let b = require_bucket(tx, &row.bucket)?;
        let mut orphans = Vec::new();
        if let Some(id) = &upload {
            if crate::store::uploads::get(tx, &row.bucket, &row.key, id)?.is_none() {
                return Err(S3Error::NoSuchUpload { upload_id: id.clone() });
            }
        }
        // the current version is only needed to evaluate a condition
        let current = if cond.if_match.is_some() || cond.if_none_match.is_some() {
            objects::get(tx, &row.bucket, &row.key, None)?.filter(|r| !r.delete_marker)
        } else {
            None
        };
        if let Some(m) = &cond.if_match {
            match &current {
                None => return Err(S3Error::NoSuchKey { key: row.key.clone() }),
                Some(c) if !etag_matches(m, &c.etag) => return Err(S3Error::PreconditionFailed { condition: "If-Match" }),
                _ => {}
            }
        }
        if cond.if_none_match.as_deref().map(str::trim) == Some("*") && current.is_some() {
            return Err(S3Error::PreconditionFailed { condition: "If-None-Match" });
        }
        row.version_id = version_for(&b.versioning, &svc2);
        if b.versioning.is_none() && !row.delete_marker {
            orphans.extend(objects::put_unversioned(tx, &row)?);
        } else {
            orphans.extend(objects::put(tx, &row)?);
        }
        if let Some(id) = &upload {
            // the object now owns the parts it is made of; only the others are garbage
            let owned: std::collections::HashSet<&str> = row.blob.as_deref().map(|b| b.split(',').collect()).unwrap_or_default();
            let parts = crate::store::uploads::delete(tx, id)?;
            // a part re-uploaded since Complete read the list: its old blob is gone
            let current: std::collections::HashSet<&str> = parts.iter().map(String::as_str).collect();
            if owned.iter().any(|o| !current.contains(o)) {
                return Err(S3Error::InvalidPart);
            }
            orphans.extend(parts.into_iter().filter(|b| !owned.contains(&b.as_str())));
        }
        let out = PutOutput {
            etag: row.etag.clone(),
            version_id: b.versioning.is_some().then(|| row.version_id.clone()),
            checksum: row.checksum.clone(),
            mtime_ms: row.mtime_ms,
        };
        Ok((out, orphans))
    };
    if inline {
        // The body lives in the row and never was a file: nothing to persist before the
        // transaction or to remove if it fails, so the write goes straight to the writer thread
        // (no blocking-pool hop; two thread hand-offs fewer per small PUT).
        let (out, orphans) = svc.db().write(write).await?;
        svc.blobs().retire_async(orphans).await;
        body.keep();
        return Ok(out);
    }
    commit_body(svc, body, write).await
}

/// Persist `body` (when still in memory) and run the metadata transaction `f` in ONE blocking
/// task, then retire the blobs `f` reports as no longer referenced (out of the blob directory
/// before the answer, unlinked after it: [`crate::store::blob::BlobDir::retire`]). The body is removed again
/// when anything fails; it is kept once the transaction committed.
pub async fn commit_body<T, F>(svc: &S3Service, mut body: StagedBlob, f: F) -> S3Result<T>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Transaction<'_>) -> S3Result<(T, Vec<String>)> + Send + 'static,
{
    let svc2 = svc.clone();
    let (res, body) = tokio::task::spawn_blocking(move || {
        if let Err(e) = body.persist_blocking() {
            return (Err(S3Error::from(e)), body);
        }
        let res = svc2.db().write_blocking(f).map(|(out, orphans)| {
            svc2.blobs().retire(&orphans);
            out
        });
        (res, body)
    })
    .await
    .map_err(amplocal_core::InternalError::from)?;
    let out = res?;
    body.keep();
    Ok(out)
}

/// PutObject.
pub async fn put_object(svc: &S3Service, ctx: &RequestContext, input: PutObjectInput) -> S3Result<PutOutput> {
    check_key(&input.key)?;
    let checksum = verify(&input.declared, &input.body.digests)?;
    let row = ObjectRow {
        bucket: input.bucket,
        key: input.key,
        version_id: String::new(),
        latest: true,
        delete_marker: false,
        blob: None,
        size: input.body.size,
        etag: format!("\"{}\"", hex::encode(input.body.digests.md5)),
        mtime_ms: ms(ctx.now),
        meta: input.meta,
        checksum: checksum.map(|(alg, value)| StoredChecksum { alg, value, kind: "FULL_OBJECT".into() }),
        parts: Vec::new(),
        tags: input.tags,
        seq: 0,
        inline: None,
    };
    commit(svc, row, input.body, input.cond, None).await
}

/// A byte range request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=a-b` / `bytes=a-`.
    FromTo(u64, Option<u64>),
    /// `bytes=-n`.
    Suffix(u64),
}

/// GetObject / HeadObject input.
#[derive(Debug, Clone, Default)]
pub struct GetObjectInput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `versionId`.
    pub version_id: Option<String>,
    /// Conditions.
    pub cond: ReadConditions,
    /// Range.
    pub range: Option<RangeSpec>,
    /// The raw Range header (for the error).
    pub range_header: String,
    /// `partNumber`.
    pub part_number: Option<u32>,
    /// Bodies (or ranges) up to this many bytes are read along with the metadata (0 = never).
    pub inline_max: u64,
}

/// What to send back.
#[derive(Debug, Clone)]
pub struct GetObjectOutput {
    /// The version.
    pub row: ObjectRow,
    /// Body files with their sizes, in order (one, or one per part of a multipart object).
    pub segments: Vec<(PathBuf, u64)>,
    /// Inclusive byte range served (None = whole object).
    pub range: Option<(u64, u64)>,
    /// `x-amz-mp-parts-count` when a part was asked for.
    pub parts_count: Option<usize>,
    /// Whether the bucket is versioned (version id header).
    pub versioned: bool,
    /// The served bytes, when they were small enough to read at once (see `inline_max`).
    pub data: Option<Vec<u8>>,
}

/// GetObject / HeadObject.
pub async fn get_object(svc: &S3Service, input: GetObjectInput) -> S3Result<GetObjectOutput> {
    let GetObjectInput { bucket, key, version_id, cond, range, range_header, part_number, inline_max } = input;
    let blobs = svc.blobs().clone();
    // one blocking task: metadata, conditions and (for small bodies) the bytes themselves
    svc.db()
        .read(move |c| {
            let b = require_bucket(c, &bucket)?;
            let row = objects::get(c, &bucket, &key, version_id.as_deref())?;
            let row = match (row, version_id) {
                (None, Some(v)) => return Err(S3Error::NoSuchVersion { key, version: v }),
                (None, None) => return Err(S3Error::NoSuchKey { key }),
                (Some(r), None) if r.delete_marker => return Err(S3Error::DeleteMarker { key, version: r.version_id }),
                (Some(r), Some(_)) if r.delete_marker => return Err(S3Error::MethodNotAllowed { method: "GET".into(), resource: "DeleteMarker" }),
                (Some(r), _) => r,
            };
            check_read(&cond, &row)?;
            let size = row.size;
            let mut parts_count = None;
            let mut served = None;
            if let Some(pn) = part_number {
                let count = row.parts.len().max(1);
                if pn == 0 || pn as usize > count {
                    return Err(S3Error::InvalidRange { range: format!("part {pn}"), size });
                }
                parts_count = Some(count);
                if row.parts.is_empty() {
                    served = if size == 0 { None } else { Some((0, size - 1)) };
                } else {
                    let start: u64 = row.parts[..pn as usize - 1].iter().sum();
                    let len = row.parts[pn as usize - 1];
                    served = if len == 0 { None } else { Some((start, start + len - 1)) };
                }
            } else if let Some(r) = range {
                served = Some(resolve_range(r, size).ok_or(S3Error::InvalidRange { range: range_header, size })?);
            }
            let segments = row.blob.as_deref().and_then(|id| blobs.segments(id, &row.parts, row.size)).unwrap_or_default();
            let len = served.map_or(size, |(a, b)| b - a + 1);
            let data = if let (Some(body), true) = (&row.inline, inline_max > 0) {
                let (a, z) = served.unwrap_or((0, size.saturating_sub(1)));
                Some(if len == 0 { Vec::new() } else { body.get(a as usize..=z as usize).ok_or_else(|| InternalError::new("inline body shorter than its size"))?.to_vec() })
            } else if len > 0 && len <= inline_max && !segments.is_empty() {
                let range = served.unwrap_or((0, size - 1));
                let mut out = Vec::with_capacity(len as usize);
                read_sources(slice(&segments, Some(range)), len as usize, |b| {
                    out.extend_from_slice(&b);
                    true
                })?;
                Some(out)
            } else {
                None
            };
            Ok(GetObjectOutput { row, segments, range: served, parts_count, versioned: b.versioning.is_some(), data })
        })
        .await
}

/// Resolve a range against a size: inclusive bounds, None when unsatisfiable.
pub fn resolve_range(r: RangeSpec, size: u64) -> Option<(u64, u64)> {
    if size == 0 {
        return None;
    }
    match r {
        RangeSpec::FromTo(a, b) => {
            if a >= size {
                return None;
            }
            let end = b.map_or(size - 1, |b| b.min(size - 1));
            (end >= a).then_some((a, end))
        }
        RangeSpec::Suffix(n) => {
            if n == 0 {
                return None;
            }
            Some((size.saturating_sub(n), size - 1))
        }
    }
}
