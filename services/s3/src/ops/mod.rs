//! S3 operation semantics over typed inputs: no HTTP types here. Each submodule is one AWS
//! resource group; the wire layer decodes requests into these inputs and encodes the outputs.

pub mod bucket;
pub mod copy;
pub mod cors;
pub mod delete;
pub mod integrity;
pub mod list;
pub mod multipart;
pub mod object;
pub mod post_object;
pub mod tagging;

use crate::error::{S3Error, S3Result};
use crate::store::{self, BucketRow};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch.
pub fn ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The bucket row or `NoSuchBucket`.
pub fn require_bucket(conn: &rusqlite::Connection, name: &str) -> S3Result<BucketRow> {
    store::get_bucket(conn, name)?.ok_or_else(|| S3Error::NoSuchBucket { bucket: name.to_string() })
}

/// Reject keys S3 rejects: empty or longer than 1024 bytes.
pub fn check_key(key: &str) -> S3Result<()> {
    if key.len() > 1024 {
        return Err(S3Error::KeyTooLongError);
    }
    if key.is_empty() {
        return Err(S3Error::InvalidArgument("Object key must not be empty".into()));
    }
    Ok(())
}
