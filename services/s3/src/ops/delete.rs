//! DeleteObject and DeleteObjects, with versioning (delete markers, `null` versions) and
//! conditional `If-Match` (DeleteObject) and per-object `<ETag>` (DeleteObjects).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html>.
//! Leaves out the LastModifiedTime/Size conditions (directory buckets only on AWS).

use super::object::etag_matches;
use super::{ms, require_bucket};
use crate::error::{S3Error, S3Result};
use crate::store::objects::{self, ObjectMeta, ObjectRow};
use crate::S3Service;
use amplocal_core::RequestContext;

/// DeleteObject result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteOutput {
    /// Version id deleted or of the created marker.
    pub version_id: Option<String>,
    /// Whether a delete marker was created or deleted.
    pub delete_marker: bool,
}

fn delete_in_tx(tx: &rusqlite::Connection, svc: &S3Service, now_ms: i64, bucket: &str, key: &str, version: Option<&str>, orphans: &mut Vec<String>) -> S3Result<DeleteOutput> {
    let b = require_bucket(tx, bucket)?;
    if let Some(v) = version {
        let removed = objects::delete_version(tx, bucket, key, v)?;
        let dm = removed.as_ref().is_some_and(|r| r.delete_marker);
        if let Some(r) = removed {
            orphans.extend(r.blob);
        }
        return Ok(DeleteOutput { version_id: Some(v.to_string()), delete_marker: dm });
    }
    match b.versioning.as_deref() {
        None => {
            if let Some(r) = objects::delete_version(tx, bucket, key, "null")? {
                orphans.extend(r.blob);
            }
            Ok(DeleteOutput::default())
        }
        Some(state) => {
            let vid = if state == "Enabled" { svc.new_version_id() } else { "null".to_string() };
            let marker = ObjectRow {
                bucket: bucket.to_string(),
                key: key.to_string(),
                version_id: vid.clone(),
                latest: true,
                delete_marker: true,
                blob: None,
                size: 0,
                etag: String::new(),
                mtime_ms: now_ms,
                meta: ObjectMeta::default(),
                checksum: None,
                parts: Vec::new(),
                tags: Vec::new(),
                seq: 0,
                inline: None,
            };
            orphans.extend(objects::put(tx, &marker)?);
            Ok(DeleteOutput { version_id: Some(vid), delete_marker: true })
        }
    }
}

/// DeleteObject (missing keys are not an error, unless `If-Match` is given).
pub async fn delete_object(svc: &S3Service, ctx: &RequestContext, bucket: String, key: String, version: Option<String>, if_match: Option<String>) -> S3Result<DeleteOutput> {
    let svc2 = svc.clone();
    let now = ms(ctx.now);
    let (out, orphans) = svc
        .db()
        .write(move |tx| {
            if let Some(m) = &if_match {
                require_bucket(tx, &bucket)?;
                match objects::get(tx, &bucket, &key, version.as_deref())?.filter(|r| !r.delete_marker) {
                    None => return Err(S3Error::NoSuchKey { key }),
                    Some(r) if !etag_matches(m, &r.etag) => return Err(S3Error::PreconditionFailed { condition: "If-Match" }),
                    Some(_) => {}
                }
            }
            let mut orphans = Vec::new();
            let out = delete_in_tx(tx, &svc2, now, &bucket, &key, version.as_deref(), &mut orphans)?;
            Ok::<_, S3Error>((out, orphans))
        })
        .await?;
    svc.blobs().remove_async(orphans).await;
    Ok(out)
}

/// One DeleteObjects result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteResult {
    /// Deleted (key, requested version, outcome).
    Deleted(String, Option<String>, DeleteOutput),
    /// Failed (key, version, code, message).
    Error(String, Option<String>, &'static str, String),
}

/// One `<Object>` of a DeleteObjects request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteTarget {
    /// Key.
    pub key: String,
    /// `<VersionId>`.
    pub version: Option<String>,
    /// `<ETag>`: delete only if the current version has this ETag (conditional delete).
    pub etag: Option<String>,
}

/// DeleteObjects: ≤ 1000 keys, one result each; an `<ETag>` makes that key's delete
/// conditional on the current version (PreconditionFailed / NoSuchKey in its `<Error>`).
pub async fn delete_objects(svc: &S3Service, ctx: &RequestContext, bucket: String, objects_in: Vec<DeleteTarget>) -> S3Result<Vec<DeleteResult>> {
    if objects_in.len() > 1000 || objects_in.is_empty() {
        return Err(S3Error::MalformedXML);
    }
    let svc2 = svc.clone();
    let now = ms(ctx.now);
    let (results, orphans) = svc
        .db()
        .write(move |tx| {
            require_bucket(tx, &bucket)?;
            let mut orphans = Vec::new();
            let mut results = Vec::new();
            for DeleteTarget { key, version, etag } in objects_in {
                if key.len() > 1024 || key.is_empty() {
                    results.push(DeleteResult::Error(key, version, "KeyTooLongError", "Your key is too long".into()));
                    continue;
                }
                let outcome = match &etag {
                    Some(m) => match objects::get(tx, &bucket, &key, version.as_deref())?.filter(|r| !r.delete_marker) {
                        None => Err(S3Error::NoSuchKey { key: key.clone() }),
                        Some(r) if !etag_matches(m, &r.etag) => Err(S3Error::PreconditionFailed { condition: "ETag" }),
                        Some(_) => delete_in_tx(tx, &svc2, now, &bucket, &key, version.as_deref(), &mut orphans),
                    },
                    None => delete_in_tx(tx, &svc2, now, &bucket, &key, version.as_deref(), &mut orphans),
                };
                match outcome {
                    Ok(out) => results.push(DeleteResult::Deleted(key, version, out)),
                    Err(S3Error::Internal(e)) => return Err(S3Error::Internal(e)),
                    Err(e) => {
                        use amplocal_core::AwsError;
                        results.push(DeleteResult::Error(key, version, e.code(), e.to_string()))
                    }
                }
            }
            Ok::<_, S3Error>((results, orphans))
        })
        .await?;
    svc.blobs().remove_async(orphans).await;
    Ok(results)
}
