//! Object version rows: read, write (with versioning semantics), delete (delete markers), and
//! byte-ordered range listing for ListObjects(V2) and ListObjectVersions. Unversioned objects
//! carry version id `null` as in AWS.

use crate::checksum::ChecksumAlg;
use crate::error::S3Result;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};
use serde::{Deserialize, Serialize};

/// Stored headers of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Content-Type.
    pub content_type: Option<String>,
    /// Cache-Control.
    pub cache_control: Option<String>,
    /// Content-Disposition.
    pub content_disposition: Option<String>,
    /// Content-Encoding (without `aws-chunked`).
    pub content_encoding: Option<String>,
    /// Content-Language.
    pub content_language: Option<String>,
    /// Expires (as sent).
    pub expires: Option<String>,
    /// x-amz-website-redirect-location.
    pub website_redirect: Option<String>,
    /// x-amz-storage-class.
    pub storage_class: Option<String>,
    /// `x-amz-meta-*` (lower-cased names without the prefix, values as sent).
    pub user: Vec<(String, String)>,
}

/// The full-object checksum stored with a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    /// Algorithm.
    pub alg: ChecksumAlg,
    /// Base64 value (composite values end in `-N`).
    pub value: String,
    /// `FULL_OBJECT` or `COMPOSITE`.
    pub kind: String,
}

/// One object version (or delete marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Version id (`null` when unversioned).
    pub version_id: String,
    /// Latest version of its key.
    pub latest: bool,
    /// A delete marker.
    pub delete_marker: bool,
    /// Blob id (None for delete markers and inline bodies).
    pub blob: Option<String>,
    /// The body itself when it is small enough to live in the row (see [`INLINE_MAX`]).
    pub inline: Option<Vec<u8>>,
    /// Size.
    pub size: u64,
    /// Quoted ETag.
    pub etag: String,
    /// Last-Modified, ms since the epoch.
    pub mtime_ms: i64,
    /// Headers.
    pub meta: ObjectMeta,
    /// Full-object checksum.
    pub checksum: Option<StoredChecksum>,
    /// Part sizes for multipart objects.
    pub parts: Vec<u64>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Row sequence (orders versions).
    pub seq: i64,
}

/// Bodies up to this many bytes are stored in their metadata row (one SQLite transaction, no
/// file, no per-object fsync: as durable as the row itself, and atomic with it).
pub const INLINE_MAX: u64 = 64 * 1024;

const COLS: &str = "bucket, key, version_id, latest, dm, blob, size, etag, mtime_ms, meta, checksum, parts, tags, seq, body";
/// Listings need only the storage class of the metadata: no JSON parsing per row.
const LIST_COLS: &str = "bucket, key, version_id, latest, dm, blob, size, etag, mtime_ms, json_extract(meta, '$.storage_class'), checksum, NULL, NULL, seq, NULL";

/// A listing row: columns 0–8, 10 and 13 as in [`from_row`], but column 9 is only the storage
/// class and parts and tags are not read.
fn from_list_row(r: &Row<'_>) -> rusqlite::Result<ObjectRow> {
    let meta = ObjectMeta { storage_class: r.get(9)?, ..Default::default() };
    base_row(r, meta, Vec::new(), Vec::new())
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<ObjectRow> {
    let meta: String = r.get(9)?;
    let parts: Option<String> = r.get(11)?;
    let tags: Option<String> = r.get(12)?;
    base_row(
        r,
        serde_json::from_str(&meta).unwrap_or_default(),
        parts.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
        tags.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
    )
}

/// The columns both row shapes share.
fn base_row(r: &Row<'_>, meta: ObjectMeta, parts: Vec<u64>, tags: Vec<(String, String)>) -> rusqlite::Result<ObjectRow> {
    let checksum: Option<String> = r.get(10)?;
    Ok(ObjectRow {
        bucket: r.get(0)?,
        key: r.get(1)?,
        version_id: r.get(2)?,
        latest: r.get(3)?,
        delete_marker: r.get(4)?,
        blob: r.get(5)?,
        size: r.get::<_, i64>(6)? as u64,
        etag: r.get(7)?,
        mtime_ms: r.get(8)?,
        meta,
        checksum: checksum.and_then(|c| serde_json::from_str(&c).ok()),
        parts,
        tags,
        seq: r.get(13)?,
        inline: r.get(14)?,
    })
}

/// The latest version (possibly a delete marker) or a given version.
pub fn get(conn: &Connection, bucket: &str, key: &str, version: Option<&str>) -> S3Result<Option<ObjectRow>> {
    let row = match version {
        None => conn
            .prepare_cached(&format!("SELECT {COLS} FROM objects WHERE bucket = ?1 AND key = ?2 AND latest = 1"))?
            .query_row(params![bucket, key], from_row)
            .optional()?,
        Some(v) => conn
            .prepare_cached(&format!("SELECT {COLS} FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = ?3"))?
            .query_row(params![bucket, key, v], from_row)
            .optional()?,
    };
    Ok(row)
}

fn json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// A row's content columns as both writers store them (`blob, size, etag, mtime_ms, meta,
/// checksum, parts, tags, body`, in that order): [`put`] adds a new version row with them,
/// [`put_unversioned`] rewrites the `null` row in place. The two statements differ (a new `seq`
/// vs the same one, a version id and delete marker vs a fixed `null` live version), what they
/// store for the content does not.
struct Content<'a> {
    row: &'a ObjectRow,
    size: i64,
    meta: String,
    checksum: Option<String>,
    parts: Option<String>,
    tags: Option<String>,
}

impl<'a> Content<'a> {
    fn of(row: &'a ObjectRow) -> Self {
        Self {
            row,
            size: row.size as i64,
            meta: json(&row.meta).unwrap_or_else(|| "{}".into()),
            checksum: row.checksum.as_ref().and_then(json),
            parts: if row.parts.is_empty() { None } else { json(&row.parts) },
            tags: if row.tags.is_empty() { None } else { json(&row.tags) },
        }
    }

    /// `identity`'s values followed by the content columns: the parameters of a statement
    /// whose placeholders bind the identity first.
    fn after<'p>(&'p self, identity: &[&'p dyn ToSql]) -> Vec<&'p dyn ToSql> {
        let mut p = identity.to_vec();
        let r = self.row;
        p.extend([&r.blob as &dyn ToSql, &self.size, &r.etag, &r.mtime_ms, &self.meta, &self.checksum, &self.parts, &self.tags, &r.inline]);
        p
    }
}

/// Insert `row` as the new latest version of its key. A row with version `null` replaces an
/// existing `null` version. Returns blob ids no longer referenced.
pub fn put(conn: &Connection, row: &ObjectRow) -> S3Result<Vec<String>> {
    let mut orphans = Vec::new();
    if row.version_id == "null" {
        // one statement finds and removes the replaced `null` version (and names its blob)
        let old: Option<Option<String>> = conn
            .prepare_cached("DELETE FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = 'null' RETURNING blob")?
            .query_row(params![row.bucket, row.key], |r| r.get(0))
            .optional()?;
        orphans.extend(old.flatten());
    }
    conn.prepare_cached("UPDATE objects SET latest = 0 WHERE bucket = ?1 AND key = ?2 AND latest = 1")?.execute(params![row.bucket, row.key])?;
    let content = Content::of(row);
    conn.prepare_cached(
        "INSERT INTO objects (bucket, key, version_id, latest, dm, blob, size, etag, mtime_ms, meta, checksum, parts, tags, body) \
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(&*content.after(&[&row.bucket, &row.key, &row.version_id, &row.delete_marker]))?;
    Ok(orphans)
}

/// [`put`] for a bucket that was never versioned, where every row is a latest `null` version:
/// the row is rewritten in place (one upsert; the indexes, whose columns do not change, are
/// left alone, so far fewer pages change per PUT than with a delete and an insert). Returns the
/// replaced blob, if any.
pub fn put_unversioned(conn: &Connection, row: &ObjectRow) -> S3Result<Vec<String>> {
    let old: Option<Option<String>> = conn
        .prepare_cached("SELECT blob FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = 'null'")?
        .query_row(params![row.bucket, row.key], |r| r.get(0))
        .optional()?;
    conn.prepare_cached(
        "INSERT INTO objects (bucket, key, version_id, latest, dm, blob, size, etag, mtime_ms, meta, checksum, parts, tags, body) \
         VALUES (?1, ?2, 'null', 1, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (bucket, key, version_id) DO UPDATE SET latest = 1, dm = 0, blob = excluded.blob, size = excluded.size, \
         etag = excluded.etag, mtime_ms = excluded.mtime_ms, meta = excluded.meta, checksum = excluded.checksum, \
         parts = excluded.parts, tags = excluded.tags, body = excluded.body",
    )?
    .execute(&*Content::of(row).after(&[&row.bucket, &row.key]))?;
    Ok(old.flatten().into_iter().collect())
}

/// Delete one version; when it was the latest, the newest remaining version becomes latest.
/// Returns the deleted row.
pub fn delete_version(conn: &Connection, bucket: &str, key: &str, version: &str) -> S3Result<Option<ObjectRow>> {
    let Some(row) = get(conn, bucket, key, Some(version))? else { return Ok(None) };
    conn.execute("DELETE FROM objects WHERE seq = ?1", [row.seq])?;
    if row.latest {
        conn.execute(
            "UPDATE objects SET latest = 1 WHERE seq = (SELECT max(seq) FROM objects WHERE bucket = ?1 AND key = ?2)",
            params![bucket, key],
        )?;
    }
    Ok(Some(row))
}

/// Replace the tag set of a version.
pub fn set_tags(conn: &Connection, seq: i64, tags: &[(String, String)]) -> S3Result<()> {
    let v = if tags.is_empty() { None } else { json(&tags) };
    conn.execute("UPDATE objects SET tags = ?2 WHERE seq = ?1", params![seq, v])?;
    Ok(())
}

/// The smallest byte string greater than every string that starts with `p` (None for "").
pub fn successor(p: &[u8]) -> Option<Vec<u8>> {
    let mut v = p.to_vec();
    while let Some(last) = v.pop() {
        if last < 0xFF {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

/// A listing entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An object version.
    Object(Box<ObjectRow>),
    /// A common prefix.
    Prefix(String),
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Entries in key order.
    pub entries: Vec<Entry>,
    /// More entries follow.
    pub truncated: bool,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListSpec<'a> {
    /// Bucket.
    pub bucket: &'a str,
    /// Prefix.
    pub prefix: &'a str,
    /// Delimiter (empty = none).
    pub delimiter: &'a str,
    /// Exclusive start key (marker / start-after / continuation).
    pub after: Option<&'a str>,
    /// Page size.
    pub max: usize,
    /// List every version (ListObjectVersions) instead of live latest versions.
    pub versions: bool,
    /// With `versions`: skip versions of `after` up to and including this seq.
    pub after_seq: Option<i64>,
}

/// List one page.
pub fn list(conn: &Connection, spec: &ListSpec<'_>) -> S3Result<Page> {
    let mut page = Page::default();
    if spec.max == 0 {
        return Ok(page);
    }
    let upper = successor(spec.prefix.as_bytes());
    // cursor = (bytes, inclusive, seq bound for the first key)
    let mut cursor: Vec<u8> = spec.prefix.as_bytes().to_vec();
    let mut inclusive = true;
    let mut seq_bound: Option<i64> = None;
    if let Some(a) = spec.after {
        if a.as_bytes() >= spec.prefix.as_bytes() {
            cursor = a.as_bytes().to_vec();
            inclusive = spec.after_seq.is_some();
            seq_bound = spec.after_seq;
        }
    }
    let full_batch = (spec.max + 1).min(1001);
    // With a delimiter most of a batch may fall into one common prefix and be skipped, so
    // start small and grow while no prefix jump happens.
    const SMALL_BATCH: usize = 32;
    let mut batch = if spec.delimiter.is_empty() { full_batch } else { SMALL_BATCH.min(full_batch) };
    let filter = if spec.versions { "" } else { "AND latest = 1 AND dm = 0" };
    let order = if spec.versions { "ORDER BY key, seq DESC" } else { "ORDER BY key" };
    let upper_sql = if upper.is_some() { "AND key < CAST(?3 AS TEXT)" } else { "AND ?3 IS NULL" };
    let sql_gt = format!("SELECT {LIST_COLS} FROM objects WHERE bucket = ?1 AND key > CAST(?2 AS TEXT) {upper_sql} {filter} AND ?5 IS NULL {order} LIMIT ?4");
    let sql_ge = format!("SELECT {LIST_COLS} FROM objects WHERE bucket = ?1 AND key >= CAST(?2 AS TEXT) {upper_sql} {filter} AND ?5 IS NULL {order} LIMIT ?4");
    // versions: the rest of the cursor key's versions (older than `seq`), then later keys
    let sql_seq = format!(
        "SELECT {LIST_COLS} FROM objects WHERE bucket = ?1 AND (key > CAST(?2 AS TEXT) OR (key = CAST(?2 AS TEXT) AND seq < ?5)) {upper_sql} {filter} {order} LIMIT ?4"
    );
    'outer: loop {
        let batch_start = (cursor.clone(), seq_bound, inclusive);
        let sql = match (seq_bound, inclusive) {
            (Some(_), _) => &sql_seq,
            (None, true) => &sql_ge,
            (None, false) => &sql_gt,
        };
        let mut st = conn.prepare_cached(sql)?;
        let rows: Vec<ObjectRow> = st.query_map(params![spec.bucket, cursor, upper, batch as i64, seq_bound], from_list_row)?.collect::<Result<_, _>>()?;
        let n = rows.len();
        if n == 0 {
            break;
        }
        for row in rows {
            if !row.key.starts_with(spec.prefix) {
                continue;
            }
            if !spec.delimiter.is_empty() {
                if let Some(i) = row.key[spec.prefix.len()..].find(spec.delimiter) {
                    let cp = &row.key[..spec.prefix.len() + i + spec.delimiter.len()];
                    let seen = spec.after.is_some_and(|a| a.starts_with(cp));
                    if !seen {
                        if page.entries.len() == spec.max {
                            page.truncated = true;
                            break 'outer;
                        }
                        page.entries.push(Entry::Prefix(cp.to_string()));
                    }
                    match successor(cp.as_bytes()) {
                        Some(next) => {
                            cursor = next;
                            inclusive = true;
                            seq_bound = None;
                            batch = SMALL_BATCH.min(full_batch);
                            continue 'outer;
                        }
                        None => break 'outer,
                    }
                }
            }
            if page.entries.len() == spec.max {
                page.truncated = true;
                break 'outer;
            }
            cursor = row.key.as_bytes().to_vec();
            if spec.versions {
                // continue within the same key after this version
                inclusive = true;
                seq_bound = Some(row.seq);
            } else {
                inclusive = false;
                seq_bound = None;
            }
            page.entries.push(Entry::Object(Box::new(row)));
        }
        // a full batch that did not move the cursor would be fetched again forever
        if n < batch || batch_start == (cursor.clone(), seq_bound, inclusive) {
            break;
        }
        batch = (batch * 2).min(full_batch);
    }
    Ok(page)
}

/// The seq of a version, for version-id-marker.
pub fn version_seq(conn: &Connection, bucket: &str, key: &str, version: &str) -> S3Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT seq FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = ?3", params![bucket, key, version], |r| r.get(0))
        .optional()?)
}
