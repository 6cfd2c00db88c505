//! The table catalog: one row per DynamoDB table with its definition (`TableMeta`, JSON) and
//! live item count / size. See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html>.

use crate::error::DynamoError;
use crate::model::{AttributeDefinition, KeySchemaElement, ProvisionedThroughput, SecondaryIndex, StreamSpecification, Tag};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A table's stored definition.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TableMeta {
    /// Name.
    pub name: String,
    /// Key schema (HASH first).
    pub key_schema: Vec<KeySchemaElement>,
    /// Attribute definitions.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// `PROVISIONED` / `PAY_PER_REQUEST`.
    pub billing_mode: String,
    /// Whether BillingMode was ever given explicitly (AWS then reports BillingModeSummary).
    pub billing_explicit: bool,
    /// Throughput (zeros for on-demand).
    pub throughput: ProvisionedThroughput,
    /// GSIs.
    pub gsis: Vec<SecondaryIndex>,
    /// LSIs.
    pub lsis: Vec<SecondaryIndex>,
    /// Stream specification, when one was ever set.
    pub stream: Option<StreamSpecification>,
    /// Current stream label (ISO timestamp) when enabled.
    pub stream_label: Option<String>,
    /// TTL attribute when TTL is enabled.
    pub ttl_attribute: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Creation time (epoch seconds).
    pub created: f64,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// Stable id (UUID).
    pub table_id: String,
    /// Table class.
    pub table_class: Option<String>,
}

/// A key attribute: name and scalar type (`S`, `N`, `B`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttr {
    /// Attribute name.
    pub name: String,
    /// `S`, `N` or `B`.
    pub ty: String,
}

/// Resolved index definition.
#[derive(Debug, Clone)]
pub struct IndexDef {
    /// Name.
    pub name: String,
    /// Partition key (the first one of a multi-attribute key).
    pub hash: KeyAttr,
    /// Sort key (the first one of a multi-attribute key).
    pub range: Option<KeyAttr>,
    /// All partition-key attributes in order (GSIs may have up to 4).
    pub hashes: Vec<KeyAttr>,
    /// All sort-key attributes in order (GSIs may have up to 4).
    pub ranges: Vec<KeyAttr>,
    /// Projection type (`ALL`, `KEYS_ONLY`, `INCLUDE`).
    pub projection: String,
    /// INCLUDE attributes.
    pub include: Vec<String>,
    /// Global (true) or local.
    pub global: bool,
}

impl IndexDef {
    /// Whether the index has a multi-attribute partition or sort key.
    pub fn is_multi(&self) -> bool {
        self.hashes.len() > 1 || self.ranges.len() > 1
    }

    /// Every key attribute of the index (partition keys, then sort keys).
    pub fn key_attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        self.hashes.iter().chain(self.ranges.iter())
    }
}

impl TableMeta {
    /// Type of an attribute from the definitions.
    pub fn attr_type(&self, name: &str) -> String {
        self.attribute_definitions.iter().find(|d| d.attribute_name == name).map(|d| d.attribute_type.clone()).unwrap_or_else(|| "S".into())
    }

    fn key_of(&self, schema: &[KeySchemaElement], kt: &str) -> Option<KeyAttr> {
        schema.iter().find(|k| k.key_type == kt).map(|k| KeyAttr { name: k.attribute_name.clone(), ty: self.attr_type(&k.attribute_name) })
    }

    fn keys_of(&self, schema: &[KeySchemaElement], kt: &str) -> Vec<KeyAttr> {
        schema.iter().filter(|k| k.key_type == kt).map(|k| KeyAttr { name: k.attribute_name.clone(), ty: self.attr_type(&k.attribute_name) }).collect()
    }

    /// Partition key.
    pub fn hash_key(&self) -> KeyAttr {
        self.key_of(&self.key_schema, "HASH").unwrap_or(KeyAttr { name: String::new(), ty: "S".into() })
    }

    /// Sort key.
    pub fn range_key(&self) -> Option<KeyAttr> {
        self.key_of(&self.key_schema, "RANGE")
    }

    /// Whether `name` is a table key attribute.
    pub fn is_key(&self, name: &str) -> bool {
        self.key_schema.iter().any(|k| k.attribute_name == name)
    }

    /// All secondary indexes.
    pub fn indexes(&self) -> Vec<IndexDef> {
        let mk = |ix: &SecondaryIndex, global: bool| IndexDef {
            name: ix.index_name.clone(),
            hash: self.key_of(&ix.key_schema, "HASH").unwrap_or(KeyAttr { name: String::new(), ty: "S".into() }),
            range: self.key_of(&ix.key_schema, "RANGE"),
            hashes: self.keys_of(&ix.key_schema, "HASH"),
            ranges: self.keys_of(&ix.key_schema, "RANGE"),
            projection: ix.projection.projection_type.clone().unwrap_or_else(|| "ALL".into()),
            include: ix.projection.non_key_attributes.clone().unwrap_or_default(),
            global,
        };
        self.gsis.iter().map(|i| mk(i, true)).chain(self.lsis.iter().map(|i| mk(i, false))).collect()
    }

    /// One index by name.
    pub fn index(&self, name: &str) -> Option<IndexDef> {
        self.indexes().into_iter().find(|i| i.name == name)
    }

    /// Whether a stream is enabled.
    pub fn stream_enabled(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.stream_enabled) && self.stream_label.is_some()
    }
}

/// A catalog row.
#[derive(Debug, Clone)]
pub struct Table {
    /// Row id (unique forever: AUTOINCREMENT).
    pub id: i64,
    /// Definition (shared with the meta cache; `Arc::make_mut` to change it).
    pub meta: Arc<TableMeta>,
    /// Items.
    pub item_count: i64,
    /// Bytes.
    pub size_bytes: i64,
}

/// Accept a table name or a table ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
pub fn name_from_arn(name: &str) -> &str {
    match name.strip_prefix("arn:") {
        Some(rest) => rest.rsplit_once(":table/").map(|(_, n)| n.split('/').next().unwrap_or(n)).unwrap_or(name),
        None => name,
    }
}

/// Load a table (None when absent).
pub fn load(conn: &Connection, account: &str, region: &str, name: &str) -> Result<Option<Table>, DynamoError> {
    let name = name_from_arn(name);
    let row = conn
        .prepare_cached("SELECT id, meta, item_count, size_bytes FROM tables WHERE account = ?1 AND region = ?2 AND name = ?3")?
        .query_row(params![account, region, name], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((id, meta, item_count, size_bytes)) => {
            let meta: TableMeta = serde_json::from_str(&meta).map_err(amplocal_core::InternalError::from)?;
            Ok(Some(Table { id, meta: Arc::new(meta), item_count, size_bytes }))
        }
    }
}

/// Load a table or fail with the data-plane `ResourceNotFoundException`.
pub fn require(conn: &Connection, account: &str, region: &str, name: &str) -> Result<Table, DynamoError> {
    load(conn, account, region, name)?.ok_or_else(DynamoError::not_found)
}

/// Insert a new table row.
pub fn insert(conn: &Connection, account: &str, region: &str, meta: &TableMeta) -> Result<i64, DynamoError> {
    let json = serde_json::to_string(meta).map_err(amplocal_core::InternalError::from)?;
    conn.execute("INSERT INTO tables (account, region, name, meta) VALUES (?1, ?2, ?3, ?4)", params![account, region, meta.name, json])?;
    Ok(conn.last_insert_rowid())
}

/// Replace a table's definition.
pub fn save(conn: &Connection, id: i64, meta: &TableMeta) -> Result<(), DynamoError> {
    let json = serde_json::to_string(meta).map_err(amplocal_core::InternalError::from)?;
    conn.execute("UPDATE tables SET meta = ?1 WHERE id = ?2", params![json, id])?;
    Ok(())
}

/// Remove a table with all its rows.
pub fn delete(conn: &Connection, id: i64) -> Result<(), DynamoError> {
    conn.execute("DELETE FROM items WHERE tid = ?1", [id])?;
    conn.execute("DELETE FROM index_items WHERE tid = ?1", [id])?;
    conn.execute("DELETE FROM stream_records WHERE tid = ?1", [id])?;
    conn.execute("DELETE FROM tables WHERE id = ?1", [id])?;
    Ok(())
}

/// Table names of an account/region in order, after `start`, at most `limit`.
pub fn list(conn: &Connection, account: &str, region: &str, start: Option<&str>, limit: usize) -> Result<Vec<String>, DynamoError> {
    let mut st = conn.prepare_cached("SELECT name FROM tables WHERE account = ?1 AND region = ?2 AND name > ?3 ORDER BY name LIMIT ?4")?;
    let rows = st.query_map(params![account, region, start.unwrap_or(""), limit as i64], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Every table (TTL sweeper): id, meta.
pub fn all_with_ttl(conn: &Connection) -> Result<Vec<(i64, String, String, TableMeta)>, DynamoError> {
    let mut st = conn.prepare_cached("SELECT id, account, region, meta FROM tables")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, a, r, m) = row?;
        let meta: TableMeta = serde_json::from_str(&m).map_err(amplocal_core::InternalError::from)?;
        if meta.ttl_attribute.is_some() {
            out.push((id, a, r, meta));
        }
    }
    Ok(out)
}

/// Load a table by row id with its account and region (background tasks).
pub fn load_by_id(conn: &Connection, id: i64) -> Result<Option<(Table, String, String)>, DynamoError> {
    let row = conn
        .prepare_cached("SELECT meta, item_count, size_bytes, account, region FROM tables WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((meta, item_count, size_bytes, account, region)) => {
            let meta: TableMeta = serde_json::from_str(&meta).map_err(amplocal_core::InternalError::from)?;
            Ok(Some((Table { id, meta: Arc::new(meta), item_count, size_bytes }, account, region)))
        }
    }
}
