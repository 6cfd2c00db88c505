//! Multipart upload and part rows.

use crate::error::S3Result;
use crate::store::objects::{ObjectMeta, StoredChecksum};
use rusqlite::{params, Connection, OptionalExtension};

/// An in-progress multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// Upload id.
    pub upload_id: String,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Initiated, ms since the epoch.
    pub initiated_ms: i64,
    /// Headers for the final object.
    pub meta: ObjectMeta,
    /// Checksum algorithm declared at create.
    pub checksum_alg: Option<String>,
    /// Checksum type declared at create.
    pub checksum_type: Option<String>,
    /// Tags for the final object.
    pub tags: Vec<(String, String)>,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRow {
    /// Part number (1–10000).
    pub part_number: u32,
    /// Blob id.
    pub blob: String,
    /// Size.
    pub size: u64,
    /// Quoted ETag.
    pub etag: String,
    /// Upload time, ms.
    pub mtime_ms: i64,
    /// Part checksum.
    pub checksum: Option<StoredChecksum>,
}

fn upload_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    let meta: String = r.get(4)?;
    let tags: Option<String> = r.get(7)?;
    Ok(UploadRow {
        upload_id: r.get(0)?,
        bucket: r.get(1)?,
        key: r.get(2)?,
        initiated_ms: r.get(3)?,
        meta: serde_json::from_str(&meta).unwrap_or_default(),
        checksum_alg: r.get(5)?,
        checksum_type: r.get(6)?,
        tags: tags.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default(),
    })
}

const UCOLS: &str = "upload_id, bucket, key, initiated_ms, meta, checksum_alg, checksum_type, tags";

/// Insert an upload.
pub fn insert(conn: &Connection, u: &UploadRow) -> S3Result<()> {
    conn.execute(
        &format!("INSERT INTO uploads ({UCOLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            u.upload_id,
            u.bucket,
            u.key,
            u.initiated_ms,
            serde_json::to_string(&u.meta).unwrap_or_else(|_| "{}".into()),
            u.checksum_alg,
            u.checksum_type,
            if u.tags.is_empty() { None } else { serde_json::to_string(&u.tags).ok() }
        ],
    )?;
    Ok(())
}

/// Look up an upload of bucket/key.
pub fn get(conn: &Connection, bucket: &str, key: &str, upload_id: &str) -> S3Result<Option<UploadRow>> {
    Ok(conn
        .query_row(&format!("SELECT {UCOLS} FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3"), params![upload_id, bucket, key], upload_from)
        .optional()?)
}

/// Uploads of a bucket in (key, initiated) order, after the markers, up to `max + 1`.
pub fn list(conn: &Connection, bucket: &str, prefix: &str, key_marker: &str, upload_id_marker: Option<&str>, max: usize) -> S3Result<Vec<UploadRow>> {
    // Uploads of one key are ordered by initiation (then id); with an upload-id-marker, the
    // marker key's uploads after that upload come first (a marker naming no upload of that key
    // matches none of them).
    let mut st = conn.prepare_cached(&format!(
        "SELECT {UCOLS} FROM uploads AS u WHERE bucket = ?1 AND substr(key, 1, length(?3)) = ?3 \
         AND (key > ?2 OR (key = ?2 AND ?5 IS NOT NULL AND (initiated_ms, upload_id) > \
             (SELECT m.initiated_ms, m.upload_id FROM uploads AS m WHERE m.upload_id = ?5 AND m.bucket = ?1 AND m.key = ?2))) \
         ORDER BY key, initiated_ms, upload_id LIMIT ?4"
    ))?;
    let rows = st.query_map(params![bucket, key_marker, prefix, (max + 1) as i64, upload_id_marker], upload_from)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Uploads initiated before `cutoff_ms` (for cleanup).
pub fn older_than(conn: &Connection, cutoff_ms: i64) -> S3Result<Vec<UploadRow>> {
    let mut st = conn.prepare_cached(&format!("SELECT {UCOLS} FROM uploads WHERE initiated_ms < ?1"))?;
    let rows = st.query_map([cutoff_ms], upload_from)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Delete an upload and its parts; returns the part blob ids.
pub fn delete(conn: &Connection, upload_id: &str) -> S3Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT blob FROM parts WHERE upload_id = ?1")?;
    let blobs = st.query_map([upload_id], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    conn.execute("DELETE FROM parts WHERE upload_id = ?1", [upload_id])?;
    conn.execute("DELETE FROM uploads WHERE upload_id = ?1", [upload_id])?;
    Ok(blobs)
}

/// Insert or replace a part; returns the replaced blob id.
pub fn put_part(conn: &Connection, upload_id: &str, p: &PartRow) -> S3Result<Option<String>> {
    let old: Option<String> = conn
        .query_row("SELECT blob FROM parts WHERE upload_id = ?1 AND part_number = ?2", params![upload_id, p.part_number], |r| r.get(0))
        .optional()?;
    conn.execute(
        "INSERT INTO parts (upload_id, part_number, blob, size, etag, mtime_ms, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (upload_id, part_number) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag, \
         mtime_ms = excluded.mtime_ms, checksum = excluded.checksum",
        params![
            upload_id,
            p.part_number,
            p.blob,
            p.size as i64,
            p.etag,
            p.mtime_ms,
            p.checksum.as_ref().and_then(|c| serde_json::to_string(c).ok())
        ],
    )?;
    Ok(old)
}

/// Parts of an upload with number > `after`, ascending, up to `max + 1`.
pub fn parts(conn: &Connection, upload_id: &str, after: u32, max: usize) -> S3Result<Vec<PartRow>> {
    let mut st = conn.prepare_cached(
        "SELECT part_number, blob, size, etag, mtime_ms, checksum FROM parts WHERE upload_id = ?1 AND part_number > ?2 ORDER BY part_number LIMIT ?3",
    )?;
    let rows = st.query_map(params![upload_id, after, (max + 1) as i64], |r| {
        let checksum: Option<String> = r.get(5)?;
        Ok(PartRow {
            part_number: r.get(0)?,
            blob: r.get(1)?,
            size: r.get::<_, i64>(2)? as u64,
            etag: r.get(3)?,
            mtime_ms: r.get(4)?,
            checksum: checksum.and_then(|c| serde_json::from_str(&c).ok()),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
