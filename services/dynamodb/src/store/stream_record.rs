//! The DynamoDB Streams record written for an item change, inside the same transaction as the
//! change (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html>,
//! `StreamRecord`). The stored text is what GetRecords returns, minus `eventID` and
//! `SequenceNumber`, which it adds from the row's sequence number.
//! Left out: nothing of the record's fields; shard and sequence bookkeeping is in `ops/streams.rs`.
//!
//! Serialized straight from borrowed items with serde (no `Value` tree and no copy of the item),
//! and numbered by the table row's `stream_seq`, bumped in the update that also applies the
//! write's item-count change (see `STREAM_RECORDS_V2` in `store/mod.rs`): this runs on the
//! single SQLite writer thread for every write to a table with a stream, which every Amplify
//! @model table has.

use super::catalog::Table;
use super::items::{key_item, Actor, ChangeCtx};
use crate::error::DynamoError;
use crate::value::json::ItemJson;
use crate::value::{item_size, Item};
use rusqlite::{params, Connection};
use serde::Serialize;

/// One stream record as stored (field order as AWS writes it).
#[derive(Serialize)]
struct Record<'a> {
    #[serde(rename = "eventName")]
    event_name: &'a str,
    #[serde(rename = "eventVersion")]
    event_version: &'a str,
    #[serde(rename = "eventSource")]
    event_source: &'a str,
    #[serde(rename = "awsRegion")]
    aws_region: &'a str,
    dynamodb: Change<'a>,
    #[serde(rename = "userIdentity", skip_serializing_if = "Option::is_none")]
    user_identity: Option<Identity>,
}

/// The record's `dynamodb` member (`StreamRecord` in the API reference).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Change<'a> {
    approximate_creation_date_time: f64,
    keys: ItemJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_image: Option<ItemJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_image: Option<ItemJson<'a>>,
    size_bytes: usize,
    stream_view_type: &'a str,
}

/// `userIdentity` of a service deletion (TTL).
#[derive(Serialize)]
struct Identity {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "principalId")]
    principal_id: &'static str,
}

/// The record text for a change from `old` to `new` (at least one present).
pub(super) fn record_json(table: &Table, old: Option<&Item>, new: Option<&Item>, cx: &ChangeCtx) -> Result<String, DynamoError> {
    let meta = &table.meta;
    let view = meta.stream.as_ref().and_then(|s| s.stream_view_type.as_deref()).unwrap_or("NEW_AND_OLD_IMAGES");
    let event = match (old, new) {
        (None, Some(_)) => "INSERT",
        (Some(_), Some(_)) => "MODIFY",
        _ => "REMOVE",
    };
    let empty = Item::default();
    let keys = key_item(meta, new.or(old).unwrap_or(&empty));
    let new_image = new.filter(|_| view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES");
    let old_image = old.filter(|_| view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES");
    let size = item_size(&keys) + new_image.map_or(0, item_size) + old_image.map_or(0, item_size);
    let record = Record {
        event_name: event,
        event_version: "1.1",
        event_source: "aws:dynamodb",
        aws_region: &cx.region,
        dynamodb: Change {
            approximate_creation_date_time: cx.now.floor(),
            keys: ItemJson(&keys),
            new_image: new_image.map(ItemJson),
            old_image: old_image.map(ItemJson),
            size_bytes: size,
            stream_view_type: view,
        },
        user_identity: (cx.actor == Actor::TtlService).then_some(Identity { kind: "Service", principal_id: "dynamodb.amazonaws.com" }),
    };
    serde_json::to_string(&record).map_err(|e| DynamoError::from(amplocal_core::InternalError::from(e)))
}

/// Append the stream record of a change to the table's current stream, and add `dcount`
/// items and `dsize` bytes to the table's counts (what [`super::items::bump_counts`] does for
/// a table without a stream) in the statement that numbers the record: the table row's
/// `stream_seq` is bumped and the record takes the new value (see `STREAM_RECORDS_V2`).
pub(super) fn record_change(conn: &Connection, table: &Table, old: Option<&Item>, new: Option<&Item>, cx: &ChangeCtx, dcount: i64, dsize: i64) -> Result<(), DynamoError> {
    let text = record_json(table, old, new, cx)?;
    conn.prepare_cached("UPDATE tables SET item_count = item_count + ?1, size_bytes = size_bytes + ?2, stream_seq = stream_seq + 1 WHERE id = ?3")?
        .execute(params![dcount, dsize, table.id])?;
    let added = conn
        .prepare_cached("INSERT INTO stream_records (tid, label, seq, created, record) SELECT id, ?2, stream_seq, ?3, ?4 FROM tables WHERE id = ?1")?
        .execute(params![table.id, table.meta.stream_label.as_deref().unwrap_or_default(), cx.now as i64, text])?;
    if added != 1 {
        return Err(amplocal_core::InternalError::new(format!("table {} has no catalog row for its stream record", table.id)).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeySchemaElement, StreamSpecification};
    use crate::store::catalog::TableMeta;
    use crate::value::{item_to_json, AttributeValue};
    use serde_json::{json, Value};
    use std::sync::Arc;

    /// The record as the previous code built it (a `serde_json::Value` tree): the new
    /// serialization must store exactly the same text.
    fn via_value(table: &Table, old: Option<&Item>, new: Option<&Item>, cx: &ChangeCtx) -> String {
        let meta = &table.meta;
        let view = meta.stream.as_ref().and_then(|s| s.stream_view_type.clone()).unwrap_or_else(|| "NEW_AND_OLD_IMAGES".into());
        let event = match (old, new) {
            (None, Some(_)) => "INSERT",
            (Some(_), Some(_)) => "MODIFY",
            _ => "REMOVE",
        };
        let any = new.or(old).cloned().unwrap_or_default();
        let keys = key_item(meta, &any);
        let mut d = serde_json::Map::new();
        d.insert("ApproximateCreationDateTime".into(), json!(cx.now.floor()));
        d.insert("Keys".into(), item_to_json(&keys));
        let mut size = item_size(&keys);
        if let (Some(n), true) = (new, view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES") {
            d.insert("NewImage".into(), item_to_json(n));
            size += item_size(n);
        }
        if let (Some(o), true) = (old, view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES") {
            d.insert("OldImage".into(), item_to_json(o));
            size += item_size(o);
        }
        d.insert("SizeBytes".into(), json!(size));
        d.insert("StreamViewType".into(), json!(view));
        let mut rec = json!({"eventName": event, "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": cx.region, "dynamodb": Value::Object(d)});
        if cx.actor == Actor::TtlService {
            rec["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
        }
        rec.to_string()
    }

    fn table(view: Option<&str>) -> Table {
        let key = |n: &str, t: &str| KeySchemaElement { attribute_name: n.into(), key_type: t.into() };
        let meta = TableMeta {
            name: "t".into(),
            key_schema: vec![key("pk", "HASH"), key("sk", "RANGE")],
            stream: Some(StreamSpecification { stream_enabled: true, stream_view_type: view.map(str::to_string) }),
            stream_label: Some("2026-11-27T00:00:00.000".into()),
            ..Default::default()
        };
        Table { id: 1, meta: Arc::new(meta), item_count: 0, size_bytes: 0 }
    }

    fn item(v: &str) -> Item {
        let mut m = Item::default();
        m.insert("x".into(), AttributeValue::S("nested \"q\"\n\u{1}é".into()));
        let mut i = Item::default();
        i.insert("pk".into(), AttributeValue::S("p\u{7f}".into()));
        i.insert("sk".into(), AttributeValue::N(crate::value::Number::parse("1.5").expect("valid number literal")));
        i.insert("v".into(), AttributeValue::S(v.into()));
        i.insert("b".into(), AttributeValue::B(vec![0, 255, 7]));
        i.insert("l".into(), AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(true), AttributeValue::M(m)]));
        i.insert("ss".into(), AttributeValue::Ss(vec!["a".into(), "b".into()]));
        i
    }

    #[test]
    fn stored_text_is_unchanged_for_every_view_event_and_actor() {
        let (a, b) = (item("old"), item("new"));
        for view in [None, Some("KEYS_ONLY"), Some("NEW_IMAGE"), Some("OLD_IMAGE"), Some("NEW_AND_OLD_IMAGES")] {
            let t = table(view);
            for actor in [Actor::User, Actor::TtlService] {
                let cx = ChangeCtx { region: "eu-west-1".into(), now: 1_795_000_000.75, actor };
                for (old, new) in [(None, Some(&b)), (Some(&a), Some(&b)), (Some(&a), None)] {
                    let got = record_json(&t, old, new, &cx).expect("serializes");
                    assert_eq!(got, via_value(&t, old, new, &cx), "view {view:?} actor {actor:?} old {} new {}", old.is_some(), new.is_some());
                }
            }
        }
    }
}
