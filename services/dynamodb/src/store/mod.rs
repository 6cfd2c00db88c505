//! SQLite storage for DynamoDB: one database file (`<data_dir>/dynamodb.db`) holding the table
//! catalog, every table's items, secondary-index entries, stream records and transaction
//! idempotency tokens. Every row is keyed by a table id, and table ids by account + region +
//! name. Keys are order-preserving byte strings (see `value::key`), so a Query is a range scan
//! on `(tid, pk, sk)` and an index Query a range scan on `(tid, idx, ipk, isk, pk, sk)`.
//! Scan order is by a hash of the partition key, which also splits parallel-scan segments.

pub mod catalog;
pub mod item_cache;
pub mod items;
pub mod meta_cache;
pub mod stream_record;

pub use catalog::{KeyAttr, Table, TableMeta};

/// How `dynamodb.db` is opened: 8 KiB pages, so that an item row of up to ~2 KB stays inside
/// its B-tree leaf. With SQLite's default 4 KiB pages a `WITHOUT ROWID` row over ~1 KB spills
/// the rest into an overflow page of its own: a 1 KB item then took a whole 4 KiB overflow
/// page (10,000 items: 46 MB, 85 % of it unused), a Query page of 100 items read ~113 pages
/// instead of ~15, and each overwrite freed and allocated an overflow page (4 WAL frames per
/// commit instead of 1). Files created before keep their page size.
pub const OPEN_OPTIONS: amplocal_core::db::OpenOptions = amplocal_core::db::OpenOptions { synchronous_full: false, page_size: Some(8192) };

/// Schema migrations (append only).
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    meta TEXT NOT NULL,
    item_count INTEGER NOT NULL DEFAULT 0,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, region, name)
);
CREATE TABLE items (
    tid INTEGER NOT NULL,
    pk BLOB NOT NULL,
    sk BLOB NOT NULL,
    hash INTEGER NOT NULL,
    size INTEGER NOT NULL,
    ttl INTEGER,
    item BLOB NOT NULL,
    PRIMARY KEY (tid, pk, sk)
) WITHOUT ROWID;
CREATE INDEX items_scan ON items (tid, hash, pk, sk);
CREATE INDEX items_ttl ON items (ttl, tid) WHERE ttl IS NOT NULL;
CREATE TABLE index_items (
    tid INTEGER NOT NULL,
    idx TEXT NOT NULL,
    ipk BLOB NOT NULL,
    isk BLOB NOT NULL,
    pk BLOB NOT NULL,
    sk BLOB NOT NULL,
    hash INTEGER NOT NULL,
    PRIMARY KEY (tid, idx, ipk, isk, pk, sk)
) WITHOUT ROWID;
CREATE INDEX index_items_scan ON index_items (tid, idx, hash, ipk, isk, pk, sk);
CREATE TABLE tx_tokens (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    token TEXT NOT NULL,
    digest TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (account, region, token)
);
CREATE TABLE stream_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tid INTEGER NOT NULL,
    label TEXT NOT NULL,
    created INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX stream_records_tid ON stream_records (tid, label, seq);
", STREAM_RECORDS_V2];

/// Migration 2: stream records keyed by `(tid, label, seq)` in one `WITHOUT ROWID` B-tree (was
/// a rowid table with `AUTOINCREMENT` plus an index on those columns), numbered per table by
/// `tables.stream_seq`, which the write that records a change bumps in the same statement as
/// the table's item count. Appending a record thus touches one B-tree page instead of three
/// (the row, its index entry, the `sqlite_sequence` row) and runs one statement fewer: every
/// write to a table with a stream, i.e. every AppSync mutation, pays for each page it touches
/// in its savepoint's journal, the WAL frame and its checksum, and the checkpoint.
/// Sequence numbers stay unique and increasing per stream (what GetRecords and shard
/// iterators rely on): every table continues after the highest number handed out so far.
const STREAM_RECORDS_V2: &str = "
ALTER TABLE tables ADD COLUMN stream_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tables SET stream_seq = coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'stream_records'), 0);
ALTER TABLE stream_records RENAME TO stream_records_v1;
CREATE TABLE stream_records (
    tid INTEGER NOT NULL,
    label TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (tid, label, seq)
) WITHOUT ROWID;
INSERT INTO stream_records (tid, label, seq, created, record) SELECT tid, label, seq, created, record FROM stream_records_v1;
DROP TABLE stream_records_v1;
";

/// Scan-order hash of an encoded partition key: the first four bytes of its MD5.
pub fn scan_hash(pk: &[u8]) -> i64 {
    use md5::{Digest, Md5};
    let d = Md5::digest(pk);
    i64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}
