//! Reading through tables and secondary indexes: index selection with AWS's errors, index
//! projections (KEYS_ONLY / INCLUDE / ALL), LastEvaluatedKey construction and ExclusiveStartKey
//! decoding (index keys plus table keys, composite GSI keys included).
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/SecondaryIndexes.html>.

use crate::error::DynamoError;
use crate::store::catalog::{IndexDef, KeyAttr, Table};
use crate::store::items;
use crate::value::{key, Item};

/// The index to read, if any, with AWS's errors.
pub(super) fn pick_index(table: &Table, name: &Option<String>, consistent: bool, select: &Option<String>) -> Result<Option<IndexDef>, DynamoError> {
    let Some(n) = name else { return Ok(None) };
    let ix = table.meta.index(n).ok_or_else(|| DynamoError::validation(format!("The table does not have the specified index: {n}")))?;
    if ix.global && consistent {
        return Err(DynamoError::validation("Consistent reads are not supported on global secondary indexes"));
    }
    if ix.global && select.as_deref() == Some("ALL_ATTRIBUTES") && ix.projection != "ALL" {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {n} because its projection type is not ALL"
        )));
    }
    Ok(Some(ix))
}

/// Attributes an index holds for an item.
pub(super) fn index_projection(table: &Table, ix: &IndexDef, item: Item) -> Item {
    if ix.projection == "ALL" {
        return item;
    }
    let mut keep: Vec<&str> = table.meta.key_schema.iter().map(|k| k.attribute_name.as_str()).collect();
    keep.extend(ix.key_attrs().map(|k| k.name.as_str()));
    keep.extend(ix.include.iter().map(String::as_str));
    item.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect()
}

pub(super) fn lek(table: &Table, ix: Option<&IndexDef>, item: &Item) -> Item {
    let mut k = items::key_item(&table.meta, item);
    if let Some(ix) = ix {
        for ka in ix.key_attrs() {
            if let Some(v) = item.get(&ka.name) {
                k.insert(ka.name.clone(), v.clone());
            }
        }
    }
    k
}

/// Encoded (ipk, isk, pk, sk) of an ExclusiveStartKey.
/// Encoded keys of an ExclusiveStartKey: (index pk, index sk, table pk, table sk).
pub(super) struct StartKey(pub(super) Vec<u8>, pub(super) Vec<u8>, pub(super) Vec<u8>, pub(super) Vec<u8>);

pub(super) fn start_key(table: &Table, ix: Option<&IndexDef>, esk: &Item) -> Result<StartKey, DynamoError> {
    let bad = |m: &str| DynamoError::validation(format!("The provided starting key is invalid: {m}"));
    let mut attrs: Vec<KeyAttr> = std::iter::once(table.meta.hash_key()).chain(table.meta.range_key()).collect();
    if let Some(ix) = ix {
        for ka in ix.key_attrs() {
            if !attrs.iter().any(|a| a.name == ka.name) {
                attrs.push(ka.clone());
            }
        }
    }
    if esk.len() != attrs.len() {
        return Err(bad("The provided key element does not match the schema"));
    }
    let enc = |ka: &KeyAttr| -> Result<Vec<u8>, DynamoError> {
        let v = esk.get(&ka.name).ok_or_else(|| bad("The provided key element does not match the schema"))?;
        if v.type_name() != ka.ty {
            return Err(bad("The provided key element does not match the schema"));
        }
        Ok(key::encode(v).unwrap_or_default())
    };
    let pk = enc(&table.meta.hash_key())?;
    let sk = match table.meta.range_key() {
        Some(r) => enc(&r)?,
        None => Vec::new(),
    };
    let (ipk, isk) = match ix {
        Some(ix) if ix.is_multi() => {
            let mut ipk = Vec::new();
            for h in &ix.hashes {
                ipk.extend(key::component(&enc(h)?));
            }
            let mut isk = Vec::new();
            for r in &ix.ranges {
                isk.extend(key::component(&enc(r)?));
            }
            (ipk, isk)
        }
        Some(ix) => (enc(&ix.hash)?, match &ix.range {
            Some(r) => enc(r)?,
            None => Vec::new(),
        }),
        None => (Vec::new(), Vec::new()),
    };
    Ok(StartKey(ipk, isk, pk, sk))
}

