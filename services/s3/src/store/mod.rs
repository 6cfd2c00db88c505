//! S3 metadata in SQLite (`<data_dir>/s3.db`) and bodies in [`blob::BlobDir`]. Keys are TEXT
//! compared with BINARY collation (S3's UTF-8 byte order), unique per bucket/key/version.
//! Bucket names are one namespace (as in AWS); each bucket row records its owner account and
//! region. Functions here take a connection or transaction and run on the blocking pool.

pub mod blob;
pub mod blob_writer;
pub mod objects;
pub mod uploads;

use crate::error::S3Result;
use rusqlite::{params, Connection, OptionalExtension};

/// Schema migrations, applied in order at open. The second adds `objects.body`: bodies up to
/// [`objects::INLINE_MAX`] bytes live in their metadata row instead of a file.
pub const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE buckets (
    name TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    versioning TEXT
);
CREATE TABLE bucket_config (
    bucket TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (bucket, kind)
);
CREATE TABLE objects (
    seq INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL COLLATE BINARY,
    version_id TEXT NOT NULL,
    latest INTEGER NOT NULL,
    dm INTEGER NOT NULL,
    blob TEXT,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    mtime_ms INTEGER NOT NULL,
    meta TEXT NOT NULL,
    checksum TEXT,
    parts TEXT,
    tags TEXT,
    UNIQUE (bucket, key, version_id)
);
CREATE INDEX objects_live ON objects (bucket, key) WHERE latest = 1 AND dm = 0;
CREATE INDEX objects_versions ON objects (bucket, key, seq);
CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL COLLATE BINARY,
    initiated_ms INTEGER NOT NULL,
    meta TEXT NOT NULL,
    checksum_alg TEXT,
    checksum_type TEXT,
    tags TEXT
);
CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated_ms);
CREATE TABLE parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    mtime_ms INTEGER NOT NULL,
    checksum TEXT,
    PRIMARY KEY (upload_id, part_number)
);
"#, r#"
ALTER TABLE objects ADD COLUMN body BLOB;
"#];

/// A bucket row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRow {
    /// Name.
    pub name: String,
    /// Owner account.
    pub account: String,
    /// Region it was created in.
    pub region: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// `Enabled`, `Suspended`, or None (never versioned).
    pub versioning: Option<String>,
}

/// Look a bucket up.
pub fn get_bucket(conn: &Connection, name: &str) -> S3Result<Option<BucketRow>> {
    Ok(conn
        .prepare_cached("SELECT name, account, region, created_ms, versioning FROM buckets WHERE name = ?1")?
        .query_row([name], |r| Ok(BucketRow { name: r.get(0)?, account: r.get(1)?, region: r.get(2)?, created_ms: r.get(3)?, versioning: r.get(4)? }))
        .optional()?)
}

/// Insert a bucket.
pub fn insert_bucket(conn: &Connection, b: &BucketRow) -> S3Result<()> {
    conn.execute(
        "INSERT INTO buckets (name, account, region, created_ms, versioning) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![b.name, b.account, b.region, b.created_ms, b.versioning],
    )?;
    Ok(())
}

/// Buckets of an account, by name.
pub fn list_buckets(conn: &Connection, account: &str) -> S3Result<Vec<BucketRow>> {
    let mut st = conn.prepare_cached("SELECT name, account, region, created_ms, versioning FROM buckets WHERE account = ?1 ORDER BY name")?;
    let rows = st.query_map([account], |r| {
        Ok(BucketRow { name: r.get(0)?, account: r.get(1)?, region: r.get(2)?, created_ms: r.get(3)?, versioning: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Whether the bucket holds any object version or upload.
pub fn bucket_has_content(conn: &Connection, name: &str) -> S3Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1)) + (SELECT count(*) FROM (SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT 1))",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Remove a bucket row and its configuration.
pub fn delete_bucket(conn: &Connection, name: &str) -> S3Result<()> {
    conn.execute("DELETE FROM bucket_config WHERE bucket = ?1", [name])?;
    conn.execute("DELETE FROM buckets WHERE name = ?1", [name])?;
    Ok(())
}

/// Set the versioning state.
pub fn set_versioning(conn: &Connection, name: &str, status: &str) -> S3Result<()> {
    conn.execute("UPDATE buckets SET versioning = ?2 WHERE name = ?1", params![name, status])?;
    Ok(())
}

/// A stored bucket sub-resource (`cors`, `policy`, `lifecycle`, `tagging`).
pub fn get_config(conn: &Connection, bucket: &str, kind: &str) -> S3Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM bucket_config WHERE bucket = ?1 AND kind = ?2", [bucket, kind], |r| r.get(0))
        .optional()?)
}

/// Store (Some) or delete (None) a bucket sub-resource.
pub fn set_config(conn: &Connection, bucket: &str, kind: &str, value: Option<&str>) -> S3Result<()> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO bucket_config (bucket, kind, value) VALUES (?1, ?2, ?3) ON CONFLICT (bucket, kind) DO UPDATE SET value = excluded.value",
            params![bucket, kind, v],
        )?,
        None => conn.execute("DELETE FROM bucket_config WHERE bucket = ?1 AND kind = ?2", params![bucket, kind])?,
    };
    Ok(())
}
