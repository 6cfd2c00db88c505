//! Object tagging: GetObjectTagging, PutObjectTagging, DeleteObjectTagging and the tag-set
//! limits. <https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html>.

use super::require_bucket;
use crate::error::{S3Error, S3Result};
use crate::store::objects::{self, ObjectRow};
use crate::S3Service;

/// The version a tagging request addresses.
async fn locate(svc: &S3Service, bucket: String, key: String, version: Option<String>) -> S3Result<ObjectRow> {
    svc.db()
        .read(move |c| {
            require_bucket(c, &bucket)?;
            match objects::get(c, &bucket, &key, version.as_deref())? {
                Some(r) if !r.delete_marker => Ok(r),
                _ => match version {
                    Some(v) => Err(S3Error::NoSuchVersion { key, version: v }),
                    None => Err(S3Error::NoSuchKey { key }),
                },
            }
        })
        .await
}

/// Validate a tag set (10 tags, key ≤ 128, value ≤ 256, unique keys).
pub fn check_tags(tags: &[(String, String)]) -> S3Result<()> {
    if tags.len() > 10 {
        return Err(S3Error::BadRequest("Object tags cannot be greater than 10".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(S3Error::InvalidTag("The TagKey you have provided is invalid".into()));
        }
        if v.chars().count() > 256 {
            return Err(S3Error::InvalidTag("The TagValue you have provided is too long, max 256".into()));
        }
        if !seen.insert(k) {
            return Err(S3Error::InvalidTag("Cannot provide multiple Tags with the same key".into()));
        }
    }
    Ok(())
}

/// GetObjectTagging.
pub async fn get_tagging(svc: &S3Service, bucket: String, key: String, version: Option<String>) -> S3Result<ObjectRow> {
    locate(svc, bucket, key, version).await
}

/// PutObjectTagging / DeleteObjectTagging (empty set).
pub async fn put_tagging(svc: &S3Service, bucket: String, key: String, version: Option<String>, tags: Vec<(String, String)>) -> S3Result<ObjectRow> {
    check_tags(&tags)?;
    let row = locate(svc, bucket, key, version).await?;
    let seq = row.seq;
    svc.db().write(move |tx| objects::set_tags(tx, seq, &tags)).await?;
    Ok(row)
}
