//! Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
//! ListMultipartUploads. <https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html>.
//! The completed object references its parts' blobs in order (no byte is copied); the ETag is the MD5 of the parts' MD5s
//! plus `-N`; checksums are COMPOSITE (checksum of the part checksums, `-N`) or FULL_OBJECT
//! (computed over the assembled bytes); an upload created without an algorithm gets none
//! (AWS would add CRC64NVME; omitting it is safe for clients).

use super::copy::{check_source, copy_body, source};
use super::integrity::{verify, Declared};
use super::object::{commit, commit_body, PutOutput, ReadConditions, WriteConditions};
use super::{check_key, ms, require_bucket};
use crate::checksum::{b64engine, ChecksumAlg, Digests, Hasher};
use crate::error::{S3Error, S3Result};
use crate::store::blob::StagedBlob;
use crate::store::objects::{ObjectMeta, ObjectRow, StoredChecksum};
use crate::store::uploads::{self, PartRow, UploadRow};
use crate::S3Service;
use amplocal_core::RequestContext;
use base64::Engine as _;
use md5::{Digest as _, Md5};

/// Minimum size of every part but the last.
pub const MIN_PART: u64 = 5 * 1024 * 1024;

/// CreateMultipartUpload input.
#[derive(Debug, Clone, Default)]
pub struct CreateInput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Headers for the final object.
    pub meta: ObjectMeta,
    /// Tags for the final object.
    pub tags: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm`.
    pub checksum_alg: Option<ChecksumAlg>,
    /// `x-amz-checksum-type`.
    pub checksum_type: Option<String>,
}

/// CreateMultipartUpload; returns the upload row.
pub async fn create(svc: &S3Service, ctx: &RequestContext, input: CreateInput) -> S3Result<UploadRow> {
    check_key(&input.key)?;
    let ctype = match (&input.checksum_type, input.checksum_alg) {
        (Some(t), _) if t != "FULL_OBJECT" && t != "COMPOSITE" => return Err(S3Error::InvalidRequest("Value for x-amz-checksum-type header is invalid.".into())),
        (Some(t), Some(a)) if t == "COMPOSITE" && a == ChecksumAlg::Crc64Nvme => {
            return Err(S3Error::InvalidRequest("The COMPOSITE checksum type is not supported for the CRC64NVME checksum algorithm.".into()))
        }
        (Some(t), Some(a)) if t == "FULL_OBJECT" && matches!(a, ChecksumAlg::Sha1 | ChecksumAlg::Sha256) => {
            return Err(S3Error::InvalidRequest(format!("The FULL_OBJECT checksum type is not supported for the {} checksum algorithm.", a.name())))
        }
        (Some(t), _) => Some(t.clone()),
        (None, Some(ChecksumAlg::Crc64Nvme)) => Some("FULL_OBJECT".to_string()),
        (None, Some(_)) => Some("COMPOSITE".to_string()),
        (None, None) => None,
    };
    let row = UploadRow {
        upload_id: svc.new_upload_id(),
        bucket: input.bucket,
        key: input.key,
        initiated_ms: ms(ctx.now),
        meta: input.meta,
        checksum_alg: input.checksum_alg.map(|a| a.name().to_string()),
        checksum_type: ctype,
        tags: input.tags,
    };
    let r = row.clone();
    svc.db()
        .write(move |tx| {
            require_bucket(tx, &r.bucket)?;
            uploads::insert(tx, &r)
        })
        .await?;
    Ok(row)
}

async fn require_upload(svc: &S3Service, bucket: String, key: String, upload_id: String) -> S3Result<UploadRow> {
    svc.db()
        .read(move |c| {
            require_bucket(c, &bucket)?;
            uploads::get(c, &bucket, &key, &upload_id)?.ok_or(S3Error::NoSuchUpload { upload_id })
        })
        .await
}

fn check_part_number(n: u32) -> S3Result<()> {
    if !(1..=10000).contains(&n) {
        return Err(S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()));
    }
    Ok(())
}

/// UploadPart / UploadPartCopy result.
#[derive(Debug, Clone)]
pub struct PartOutput {
    /// Quoted ETag.
    pub etag: String,
    /// Part checksum.
    pub checksum: Option<StoredChecksum>,
    /// Last-Modified ms.
    pub mtime_ms: i64,
}

async fn store_part(svc: &S3Service, ctx: &RequestContext, upload: UploadRow, number: u32, body: StagedBlob, checksum: Option<(ChecksumAlg, String)>) -> S3Result<PartOutput> {
    let part = PartRow {
        part_number: number,
        blob: body.id.clone(),
        size: body.size,
        etag: format!("\"{}\"", hex::encode(body.digests.md5)),
        mtime_ms: ms(ctx.now),
        checksum: checksum.map(|(alg, value)| StoredChecksum { alg, value, kind: "FULL_OBJECT".into() }),
    };
    let p = part.clone();
    commit_body(svc, body, move |tx| {
        if uploads::get(tx, &upload.bucket, &upload.key, &upload.upload_id)?.is_none() {
            return Err(S3Error::NoSuchUpload { upload_id: upload.upload_id });
        }
        Ok(((), uploads::put_part(tx, &upload.upload_id, &p)?.into_iter().collect()))
    })
    .await?;
    Ok(PartOutput { etag: part.etag, checksum: part.checksum, mtime_ms: part.mtime_ms })
}

/// UploadPart input.
#[derive(Debug)]
pub struct UploadPartInput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Part number.
    pub number: u32,
    /// The received part.
    pub body: StagedBlob,
    /// Declared digests.
    pub declared: Declared,
}

/// UploadPart.
pub async fn upload_part(svc: &S3Service, ctx: &RequestContext, input: UploadPartInput) -> S3Result<PartOutput> {
    let UploadPartInput { bucket, key, upload_id, number, body, declared } = input;
    check_part_number(number)?;
    let upload = require_upload(svc, bucket, key, upload_id).await?;
    let checksum = verify(&declared, &body.digests)?;
    let wanted = upload.checksum_alg.as_deref().and_then(ChecksumAlg::parse);
    let checksum = match (wanted, checksum) {
        (Some(w), Some((a, v))) if a == w => Some((a, v)),
        (Some(w), _) => body.digests.checksum(w).map(|v| (w, v.to_string())),
        (None, c) => c,
    };
    store_part(svc, ctx, upload, number, body, checksum).await
}

/// UploadPartCopy input.
#[derive(Debug, Clone, Default)]
pub struct PartCopyInput {
    /// Destination bucket / key / upload / part.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Part number.
    pub number: u32,
    /// Source bucket.
    pub src_bucket: String,
    /// Source key.
    pub src_key: String,
    /// Source version.
    pub src_version: Option<String>,
    /// `x-amz-copy-source-range` (inclusive), already parsed.
    pub range: Option<(u64, u64)>,
    /// Source conditions.
    pub source_cond: ReadConditions,
}

/// UploadPartCopy.
pub async fn upload_part_copy(svc: &S3Service, ctx: &RequestContext, input: PartCopyInput) -> S3Result<PartOutput> {
    check_part_number(input.number)?;
    let upload = require_upload(svc, input.bucket.clone(), input.key.clone(), input.upload_id.clone()).await?;
    let (src, segments, _) = source(svc, input.src_bucket, input.src_key, input.src_version).await?;
    check_source(&input.source_cond, &src)?;
    if let Some((a, b)) = input.range {
        if a > b || b >= src.size {
            return Err(S3Error::InvalidRange { range: format!("bytes={a}-{b}"), size: src.size });
        }
    }
    let alg = upload.checksum_alg.as_deref().and_then(ChecksumAlg::parse);
    let staged = copy_body(svc, &src, &segments, input.range, Digests::new(false, &alg.into_iter().collect::<Vec<_>>())).await?;
    let checksum = alg.and_then(|a| staged.digests.checksum(a).map(|v| (a, v.to_string())));
    store_part(svc, ctx, upload, input.number, staged, checksum).await
}

/// One `<Part>` of a CompleteMultipartUpload body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletedPart {
    /// PartNumber.
    pub number: u32,
    /// ETag (quotes optional).
    pub etag: String,
    /// Part checksums sent with it.
    pub checksums: Vec<(ChecksumAlg, String)>,
}

/// CompleteMultipartUpload input.
#[derive(Debug, Clone, Default)]
pub struct CompleteInput {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Parts.
    pub parts: Vec<CompletedPart>,
    /// Conditions.
    pub cond: WriteConditions,
    /// Whole-object checksum headers (FULL_OBJECT).
    pub checksums: Vec<(ChecksumAlg, String)>,
}

/// CompleteMultipartUpload.
pub async fn complete(svc: &S3Service, ctx: &RequestContext, input: CompleteInput) -> S3Result<PutOutput> {
    let upload = require_upload(svc, input.bucket.clone(), input.key.clone(), input.upload_id.clone()).await?;
    if input.parts.is_empty() {
        return Err(S3Error::MalformedXML);
    }
    for w in input.parts.windows(2) {
        if w[1].number <= w[0].number {
            return Err(S3Error::InvalidPartOrder);
        }
    }
    let id = upload.upload_id.clone();
    let stored = svc.db().read(move |c| uploads::parts(c, &id, 0, 10_000)).await?;
    let mut chosen: Vec<PartRow> = Vec::with_capacity(input.parts.len());
    for p in &input.parts {
        let Some(s) = stored.iter().find(|s| s.part_number == p.number) else { return Err(S3Error::InvalidPart) };
        if s.etag.trim_matches('"') != p.etag.trim().trim_matches('"') {
            return Err(S3Error::InvalidPart);
        }
        for (alg, v) in &p.checksums {
            if let Some(c) = &s.checksum {
                if c.alg == *alg && &c.value != v {
                    return Err(S3Error::InvalidPart);
                }
            }
        }
        chosen.push(s.clone());
    }
    let last = chosen.len() - 1;
    if chosen.iter().enumerate().any(|(i, p)| i < last && p.size < MIN_PART) {
        return Err(S3Error::EntityTooSmall);
    }
    let mut md5s = Md5::new();
    for p in &chosen {
        md5s.update(hex::decode(p.etag.trim_matches('"')).unwrap_or_default());
    }
    let etag = format!("\"{}-{}\"", hex::encode(md5s.finalize()), chosen.len());
    let alg = upload.checksum_alg.as_deref().and_then(ChecksumAlg::parse);
    let full = upload.checksum_type.as_deref() == Some("FULL_OBJECT");
    // The object is its parts, in order: nothing is copied. A FULL_OBJECT checksum reads the
    // parts once (no write) to compute it.
    let full_alg = alg.filter(|_| full);
    let ids: Vec<String> = chosen.iter().map(|p| p.blob.clone()).collect();
    let size: u64 = chosen.iter().map(|p| p.size).sum();
    let staged = match full_alg {
        Some(a) => {
            let mut sources = Vec::with_capacity(chosen.len());
            for p in &chosen {
                sources.push((svc.blobs().path(&p.blob).ok_or_else(|| amplocal_core::InternalError::new("part without blob"))?, None));
            }
            let (digests, read) = svc.blobs().hash(sources, Digests::new(false, &[a])).await?;
            if read != size {
                return Err(S3Error::Internal(amplocal_core::InternalError::new("part file shorter than recorded")));
            }
            StagedBlob::existing(&ids, size, digests)
        }
        None => StagedBlob::existing(&ids, size, Default::default()),
    };
    let checksum = if let Some(a) = full_alg {
        let v = staged.digests.checksum(a).unwrap_or_default().to_string();
        for (ha, hv) in &input.checksums {
            if *ha == a && hv != &v {
                return Err(S3Error::BadDigest(format!("The {} you specified did not match the calculated checksum.", a.name())));
            }
        }
        Some(StoredChecksum { alg: a, value: v, kind: "FULL_OBJECT".into() })
    } else {
        alg.and_then(|a| composite(a, &chosen))
    };
    let row = ObjectRow {
        bucket: upload.bucket,
        key: upload.key,
        version_id: String::new(),
        latest: true,
        delete_marker: false,
        blob: None,
        size: staged.size,
        etag,
        mtime_ms: ms(ctx.now),
        meta: upload.meta,
        checksum,
        parts: chosen.iter().map(|p| p.size).collect(),
        tags: upload.tags,
        seq: 0,
        inline: None,
    };
    commit(svc, row, staged, input.cond, Some(upload.upload_id)).await
}

/// COMPOSITE checksum: the checksum of the concatenated raw part checksums, `-N`.
fn composite(alg: ChecksumAlg, parts: &[PartRow]) -> Option<StoredChecksum> {
    let mut h = Hasher::new(alg);
    for p in parts {
        let c = p.checksum.as_ref().filter(|c| c.alg == alg)?;
        h.update(&b64engine().decode(&c.value).ok()?);
    }
    Some(StoredChecksum { alg, value: format!("{}-{}", b64engine().encode(h.finish()), parts.len()), kind: "COMPOSITE".into() })
}

/// AbortMultipartUpload.
pub async fn abort(svc: &S3Service, bucket: String, key: String, upload_id: String) -> S3Result<()> {
    let blobs = svc
        .db()
        .write(move |tx| {
            require_bucket(tx, &bucket)?;
            if uploads::get(tx, &bucket, &key, &upload_id)?.is_none() {
                return Err(S3Error::NoSuchUpload { upload_id });
            }
            uploads::delete(tx, &upload_id)
        })
        .await?;
    svc.blobs().remove_async(blobs).await;
    Ok(())
}

/// ListParts: (upload, parts after `marker`, truncated).
pub async fn list_parts(svc: &S3Service, bucket: String, key: String, upload_id: String, marker: u32, max: usize) -> S3Result<(UploadRow, Vec<PartRow>, bool)> {
    let upload = require_upload(svc, bucket, key, upload_id.clone()).await?;
    let mut parts = svc.db().read(move |c| uploads::parts(c, &upload_id, marker, max)).await?;
    let truncated = parts.len() > max;
    parts.truncate(max);
    Ok((upload, parts, truncated))
}

/// ListMultipartUploads: (uploads, truncated).
pub async fn list_uploads(svc: &S3Service, bucket: String, prefix: String, key_marker: String, upload_id_marker: Option<String>, max: usize) -> S3Result<(Vec<UploadRow>, bool)> {
    let mut rows = svc
        .db()
        .read(move |c| {
            require_bucket(c, &bucket)?;
            uploads::list(c, &bucket, &prefix, &key_marker, upload_id_marker.as_deref(), max)
        })
        .await?;
    let truncated = rows.len() > max;
    rows.truncate(max);
    Ok((rows, truncated))
}

/// Abort uploads initiated before `cutoff_ms` (background cleanup); returns how many.
pub fn cleanup_blocking(svc: &S3Service, cutoff_ms: i64) -> S3Result<usize> {
    let blobs = svc.db().write_blocking(move |tx| {
        let old = uploads::older_than(tx, cutoff_ms)?;
        let mut blobs = Vec::new();
        for u in &old {
            blobs.extend(uploads::delete(tx, &u.upload_id)?);
        }
        Ok::<_, S3Error>((old.len(), blobs))
    })?;
    svc.blobs().remove(&blobs.1);
    Ok(blobs.0)
}
