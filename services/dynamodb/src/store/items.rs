//! Item rows: key extraction and validation against the key schema (AWS's exact messages),
//! reads, and the single write path that keeps the item row, its secondary-index entries, the
//! table's item count / size, the TTL column and the stream record consistent inside the
//! caller's transaction. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html>.

use super::catalog::{IndexDef, KeyAttr, Table, TableMeta};
use super::scan_hash;
use crate::error::DynamoError;
use crate::value::{item_from_json, item_size, key, AttributeValue, Item, MAX_ITEM_SIZE};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// Encoded primary key of an item (`sk` empty for hash-only tables).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyBytes {
    /// Partition key encoding.
    pub pk: Vec<u8>,
    /// Sort key encoding.
    pub sk: Vec<u8>,
}

fn empty_key_error(name: &str) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}"
    ))
}

fn is_empty_scalar(v: &AttributeValue) -> bool {
    matches!(v, AttributeValue::S(s) if s.is_empty()) || matches!(v, AttributeValue::B(b) if b.is_empty())
}

fn check_sizes(hash: &[u8], range: &[u8]) -> Result<(), DynamoError> {
    if hash.len() > 2048 {
        return Err(DynamoError::validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"));
    }
    if range.len() > 1024 {
        return Err(DynamoError::validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"));
    }
    Ok(())
}

/// The key of a full item (PutItem): missing or mistyped key attributes are errors.
pub fn key_from_item(meta: &TableMeta, item: &Item) -> Result<KeyBytes, DynamoError> {
    let mut out = Vec::with_capacity(2);
    for ka in std::iter::once(meta.hash_key()).chain(meta.range_key()) {
        let v = item
            .get(&ka.name)
            .ok_or_else(|| DynamoError::validation(format!("One or more parameter values were invalid: Missing the key {} in the item", ka.name)))?;
        if v.type_name() != ka.ty {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                ka.name,
                ka.ty,
                v.type_name()
            )));
        }
        if is_empty_scalar(v) {
            return Err(empty_key_error(&ka.name));
        }
        out.push(key::encode(v).unwrap_or_default());
    }
    let sk = out.get(1).cloned().unwrap_or_default();
    let pk = out.into_iter().next().unwrap_or_default();
    check_sizes(&pk, &sk)?;
    Ok(KeyBytes { pk, sk })
}

/// The key given as a `Key` parameter: exactly the key attributes, with the right types.
pub fn key_from_key(meta: &TableMeta, k: &Item) -> Result<KeyBytes, DynamoError> {
    let mismatch = || DynamoError::validation("The provided key element does not match the schema");
    let attrs: Vec<KeyAttr> = std::iter::once(meta.hash_key()).chain(meta.range_key()).collect();
    if k.len() != attrs.len() {
        return Err(mismatch());
    }
    let mut enc = Vec::with_capacity(2);
    for ka in &attrs {
        let v = k.get(&ka.name).ok_or_else(mismatch)?;
        if v.type_name() != ka.ty {
            return Err(mismatch());
        }
        if is_empty_scalar(v) {
            return Err(empty_key_error(&ka.name));
        }
        enc.push(key::encode(v).unwrap_or_default());
    }
    let sk = enc.get(1).cloned().unwrap_or_default();
    let pk = enc.into_iter().next().unwrap_or_default();
    check_sizes(&pk, &sk)?;
    Ok(KeyBytes { pk, sk })
}

/// The key attributes of an item as an item.
pub fn key_item(meta: &TableMeta, item: &Item) -> Item {
    meta.key_schema.iter().filter_map(|k| item.get(&k.attribute_name).map(|v| (k.attribute_name.clone(), v.clone()))).collect()
}

/// Index entries `(index, ipk, isk)` of an item; items missing an index key are not indexed
/// (sparse indexes); a present index key of the wrong type is an error.
/// One index entry of an item: (index name, encoded index partition key, encoded index sort key).
pub type IndexEntry = (String, Vec<u8>, Vec<u8>);

/// Index entries `(index, ipk, isk)` of an item.
pub fn index_entries(meta: &TableMeta, item: &Item) -> Result<Vec<IndexEntry>, DynamoError> {
    let mut out = Vec::new();
    for ix in meta.indexes() {
        if let Some(e) = index_entry(&ix, item)? {
            out.push(e);
        }
    }
    Ok(out)
}

fn index_entry(ix: &IndexDef, item: &Item) -> Result<Option<IndexEntry>, DynamoError> {
    let mut enc = Vec::with_capacity(2);
    let mut missing = false;
    // Every present index key attribute is type-checked, even when another one is missing
    // and the item stays out of the (sparse) index.
    for ka in ix.key_attrs() {
        let Some(v) = item.get(&ka.name) else {
            missing = true;
            continue;
        };
        if v.type_name() != ka.ty {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                ka.name,
                ka.ty,
                v.type_name(),
                ix.name
            )));
        }
        if is_empty_scalar(v) {
            return Err(DynamoError::validation(format!(
                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: {}, IndexKey: {}",
                ix.name, ka.name
            )));
        }
        enc.push(key::encode(v).unwrap_or_default());
    }
    if missing {
        return Ok(None);
    }
    if ix.is_multi() {
        let (h, r) = enc.split_at(ix.hashes.len());
        let ipk = h.iter().flat_map(|c| key::component(c)).collect();
        let isk = r.iter().flat_map(|c| key::component(c)).collect();
        return Ok(Some((ix.name.clone(), ipk, isk)));
    }
    let isk = enc.get(1).cloned().unwrap_or_default();
    let ipk = enc.into_iter().next().unwrap_or_default();
    Ok(Some((ix.name.clone(), ipk, isk)))
}

/// Validate a full item before writing: size limit and index key types.
pub fn validate_item(meta: &TableMeta, item: &Item, update: bool) -> Result<(), DynamoError> {
    if item_size(item) > MAX_ITEM_SIZE {
        return Err(DynamoError::validation(if update {
            "Item size to update has exceeded the maximum allowed size"
        } else {
            "Item size has exceeded the maximum allowed size"
        }));
    }
    index_entries(meta, item)?;
    Ok(())
}

/// Decode a stored item blob.
pub fn decode(blob: &[u8]) -> Result<Item, DynamoError> {
    let v: Value = serde_json::from_slice(blob).map_err(amplocal_core::InternalError::from)?;
    item_from_json(&v).map_err(|e| DynamoError::Internal(amplocal_core::InternalError::new(format!("{e:?}"))))
}

/// Read one item.
pub fn get(conn: &Connection, tid: i64, k: &KeyBytes) -> Result<Option<Item>, DynamoError> {
    let blob: Option<Vec<u8>> = conn
        .prepare_cached("SELECT item FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3")?
        .query_row(params![tid, k.pk, k.sk], |r| r.get(0))
        .optional()?;
    blob.map(|b| decode(&b)).transpose()
}

/// Read one item's stored bytes and its size, without decoding.
pub fn get_raw(conn: &Connection, tid: i64, k: &KeyBytes) -> Result<Option<(Vec<u8>, i64)>, DynamoError> {
    Ok(conn
        .prepare_cached("SELECT item, size FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3")?
        .query_row(params![tid, k.pk, k.sk], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The stored size of one item, if present (no decode).
pub fn get_size(conn: &Connection, tid: i64, k: &KeyBytes) -> Result<Option<i64>, DynamoError> {
    Ok(conn.prepare_cached("SELECT size FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3")?.query_row(params![tid, k.pk, k.sk], |r| r.get(0)).optional()?)
}

/// Whether a write to this table may skip decoding the item it replaces: no secondary index
/// entries to remove and no stream image to record, so the old item's stored size is all
/// [`put_blind`] needs.
pub fn blind_put_ok(meta: &TableMeta) -> bool {
    !meta.stream_enabled() && meta.gsis.is_empty() && meta.lsis.is_empty()
}

/// Store `new` at `k` over an item of stored size `old_size` (absent: none), for tables where
/// [`blind_put_ok`] holds (otherwise use [`write`], which keeps indexes and the stream).
/// Returns the (item count, size) change, which the caller MUST apply with [`bump_counts`] in
/// the same transaction (a batch applies the sum of its puts once).
#[must_use = "the table's item count and size change must be applied with bump_counts"]
pub fn put_blind(conn: &Connection, table: &Table, k: &KeyBytes, old_size: Option<i64>, new: &Item) -> Result<(i64, i64), DynamoError> {
    let new_size = item_size(new) as i64;
    store_row(conn, table, k, new, new_size)?;
    Ok((1 - i64::from(old_size.is_some()), new_size - old_size.unwrap_or(0)))
}

fn store_row(conn: &Connection, table: &Table, k: &KeyBytes, n: &Item, size: i64) -> Result<(), DynamoError> {
    let blob = crate::value::json::item_json_bytes(n);
    // An upsert rather than INSERT OR REPLACE: replacing an item rewrites only its row (the
    // scan index holds key columns only, which an overwrite leaves as they are), where REPLACE
    // deleted and re-inserted the scan-index entry too.
    conn.prepare_cached(
        "INSERT INTO items (tid, pk, sk, hash, size, ttl, item) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (tid, pk, sk) DO UPDATE SET size = excluded.size, ttl = excluded.ttl, item = excluded.item",
    )?
    .execute(params![table.id, k.pk, k.sk, scan_hash(&k.pk), size, ttl_value(&table.meta, n), blob])?;
    Ok(())
}

/// Add `dcount` items and `dsize` bytes to table `tid`'s item count and size.
pub fn bump_counts(conn: &Connection, tid: i64, dcount: i64, dsize: i64) -> Result<(), DynamoError> {
    if dcount != 0 || dsize != 0 {
        conn.prepare_cached("UPDATE tables SET item_count = item_count + ?1, size_bytes = size_bytes + ?2 WHERE id = ?3")?.execute(params![dcount, dsize, tid])?;
    }
    Ok(())
}

/// Who caused a change (stream `userIdentity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A client request.
    User,
    /// The TTL sweeper.
    TtlService,
}

/// What the stream record needs beyond the change itself.
#[derive(Debug, Clone)]
pub struct ChangeCtx {
    /// Region (`awsRegion`).
    pub region: String,
    /// Epoch seconds.
    pub now: f64,
    /// Who.
    pub actor: Actor,
}

fn ttl_value(meta: &TableMeta, item: &Item) -> Option<i64> {
    let attr = meta.ttl_attribute.as_ref()?;
    match item.get(attr)? {
        AttributeValue::N(n) => Some(n.to_f64().floor() as i64),
        _ => None,
    }
}

/// Write the change `old → new` of the item at `k` (either side may be absent).
pub fn write(conn: &Connection, table: &Table, k: &KeyBytes, old: Option<&Item>, new: Option<&Item>, cx: &ChangeCtx) -> Result<(), DynamoError> {
    let meta = &table.meta;
    let old_entries = match old {
        Some(o) => index_entries(meta, o).unwrap_or_default(),
        None => Vec::new(),
    };
    let new_entries = match new {
        Some(n) => index_entries(meta, n)?,
        None => Vec::new(),
    };
    let old_size = old.map(item_size).unwrap_or(0) as i64;
    let new_size = new.map(item_size).unwrap_or(0) as i64;
    match new {
        Some(n) => store_row(conn, table, k, n, new_size)?,
        None => {
            conn.prepare_cached("DELETE FROM items WHERE tid = ?1 AND pk = ?2 AND sk = ?3")?.execute(params![table.id, k.pk, k.sk])?;
        }
    }
    for e in old_entries.iter().filter(|e| !new_entries.contains(e)) {
        conn.prepare_cached("DELETE FROM index_items WHERE tid = ?1 AND idx = ?2 AND ipk = ?3 AND isk = ?4 AND pk = ?5 AND sk = ?6")?
            .execute(params![table.id, e.0, e.1, e.2, k.pk, k.sk])?;
    }
    for e in new_entries.iter().filter(|e| !old_entries.contains(e)) {
        conn.prepare_cached("INSERT OR REPLACE INTO index_items (tid, idx, ipk, isk, pk, sk, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
            .execute(params![table.id, e.0, e.1, e.2, k.pk, k.sk, scan_hash(&e.1)])?;
    }
    let dcount = i64::from(new.is_some()) - i64::from(old.is_some());
    if meta.stream_enabled() && old != new {
        // Counts and the record's sequence number in one update of the table row.
        super::stream_record::record_change(conn, table, old, new, cx, dcount, new_size - old_size)
    } else {
        bump_counts(conn, table.id, dcount, new_size - old_size)
    }
}

/// Rebuild the entries of one index from all items (UpdateTable adding a GSI).
pub fn backfill_index(conn: &Connection, table: &Table, ix: &IndexDef) -> Result<(), DynamoError> {
    let mut st = conn.prepare("SELECT pk, sk, item FROM items WHERE tid = ?1")?;
    let rows = st.query_map([table.id], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?)))?;
    let mut ins = conn.prepare("INSERT OR REPLACE INTO index_items (tid, idx, ipk, isk, pk, sk, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for row in rows {
        let (pk, sk, blob) = row?;
        let item = decode(&blob)?;
        // Items whose attribute has the wrong type for the new index key are left out of it.
        if let Ok(Some((name, ipk, isk))) = index_entry(ix, &item) {
            ins.execute(params![table.id, name, ipk, isk, pk, sk, scan_hash(&ipk)])?;
        }
    }
    Ok(())
}

/// Recompute the TTL column of every item (UpdateTimeToLive).
pub fn refresh_ttl(conn: &Connection, table: &Table) -> Result<(), DynamoError> {
    if table.meta.ttl_attribute.is_none() {
        conn.execute("UPDATE items SET ttl = NULL WHERE tid = ?1 AND ttl IS NOT NULL", [table.id])?;
        return Ok(());
    }
    let mut st = conn.prepare("SELECT pk, sk, item FROM items WHERE tid = ?1")?;
    let rows = st
        .query_map([table.id], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut up = conn.prepare("UPDATE items SET ttl = ?1 WHERE tid = ?2 AND pk = ?3 AND sk = ?4")?;
    for (pk, sk, blob) in rows {
        let item = decode(&blob)?;
        up.execute(params![ttl_value(&table.meta, &item), table.id, pk, sk])?;
    }
    Ok(())
}
