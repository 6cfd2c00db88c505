//! DynamoDB Streams: ListStreams, DescribeStream, GetShardIterator (TRIM_HORIZON, LATEST,
//! AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER) and GetRecords over the `stream_records` rows
//! written in the same transaction as each item change. One shard per stream.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html>.
//! Leaves out: the 24-hour retention trim and shard rollover.

use crate::error::DynamoError;
use crate::model::*;
use crate::store::catalog::{self, Table};
use crate::DynamoDbService;
use amplocal_core::RequestContext;
use base64::Engine;
use rusqlite::Connection;
use serde_json::{json, Value};

fn seq_str(n: i64) -> String {
    format!("{n:021}")
}

fn shard_id(label: &str) -> String {
    let digits: String = label.chars().filter(char::is_ascii_digit).collect();
    format!("shardId-{digits}-00000001")
}

/// Split `…:table/<name>/stream/<label>`.
fn parse_arn(arn: &str) -> Option<(String, String)> {
    let (_, rest) = arn.rsplit_once(":table/")?;
    let (name, label) = rest.split_once("/stream/")?;
    Some((name.to_string(), label.to_string()))
}

fn load_stream(c: &Connection, ctx: &RequestContext, arn: &str) -> Result<(Table, String), DynamoError> {
    let nf = || DynamoError::ResourceNotFoundException(format!("Requested resource not found: Stream: {arn} not found"));
    let (name, label) = parse_arn(arn).ok_or_else(nf)?;
    let t = catalog::load(c, &ctx.account_id, &ctx.region, &name)?.ok_or_else(nf)?;
    let exists: bool = c.query_row("SELECT EXISTS (SELECT 1 FROM stream_records WHERE tid = ?1 AND label = ?2)", rusqlite::params![t.id, label], |r| r.get(0))?;
    if t.meta.stream_label.as_deref() != Some(label.as_str()) && !exists {
        return Err(nf());
    }
    Ok((t, label))
}

fn arn_of(ctx: &RequestContext, name: &str, label: &str) -> String {
    format!("{}/stream/{label}", super::table::table_arn(ctx, name))
}

impl DynamoDbService {
    /// ListStreams.
    pub async fn list_streams(&self, ctx: &RequestContext, input: ListStreamsInput) -> Result<Value, DynamoError> {
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let names = catalog::list(c, &ctx.account_id, &ctx.region, None, 10_000)?;
                let mut streams = Vec::new();
                for n in names {
                    if input.table_name.as_ref().is_some_and(|t| catalog::name_from_arn(t) != n) {
                        continue;
                    }
                    if let Some(t) = catalog::load(c, &ctx.account_id, &ctx.region, &n)? {
                        if let Some(l) = &t.meta.stream_label {
                            streams.push(json!({"StreamArn": arn_of(&ctx, &n, l), "TableName": n, "StreamLabel": l}));
                        }
                    }
                }
                Ok(json!({"Streams": streams}))
            })
            .await
    }

    /// DescribeStream.
    pub async fn describe_stream(&self, ctx: &RequestContext, input: DescribeStreamInput) -> Result<Value, DynamoError> {
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let (t, label) = load_stream(c, &ctx, &input.stream_arn)?;
                let first: Option<i64> = c.query_row("SELECT min(seq) FROM stream_records WHERE tid = ?1 AND label = ?2", rusqlite::params![t.id, label], |r| r.get(0))?;
                let enabled = t.meta.stream_label.as_deref() == Some(label.as_str()) && t.meta.stream_enabled();
                let mut range = json!({"StartingSequenceNumber": seq_str(first.unwrap_or(1))});
                if !enabled {
                    let last: Option<i64> = c.query_row("SELECT max(seq) FROM stream_records WHERE tid = ?1 AND label = ?2", rusqlite::params![t.id, label], |r| r.get(0))?;
                    range["EndingSequenceNumber"] = json!(seq_str(last.unwrap_or(0)));
                }
                Ok(json!({"StreamDescription": {
                    "StreamArn": input.stream_arn,
                    "StreamLabel": label,
                    "StreamStatus": if enabled { "ENABLED" } else { "DISABLED" },
                    "StreamViewType": t.meta.stream.as_ref().and_then(|s| s.stream_view_type.clone()),
                    "CreationRequestDateTime": t.meta.created,
                    "TableName": t.meta.name,
                    "KeySchema": t.meta.key_schema,
                    "Shards": [{"ShardId": shard_id(&label), "SequenceNumberRange": range}],
                }}))
            })
            .await
    }

    /// GetShardIterator.
    pub async fn get_shard_iterator(&self, ctx: &RequestContext, input: GetShardIteratorInput) -> Result<Value, DynamoError> {
        super::check_enum(
            &Some(input.shard_iterator_type.clone()),
            "shardIteratorType",
            &["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"],
        )?;
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let (t, label) = load_stream(c, &ctx, &input.stream_arn)?;
                if input.shard_id != shard_id(&label) {
                    return Err(DynamoError::ResourceNotFoundException(format!("Requested resource not found: Shard: {} in Stream: {} not found", input.shard_id, input.stream_arn)));
                }
                let seq = || -> Result<i64, DynamoError> {
                    input
                        .sequence_number
                        .as_deref()
                        .and_then(|s| s.parse::<i64>().ok())
                        .ok_or_else(|| DynamoError::validation("Invalid SequenceNumber"))
                };
                let after = match input.shard_iterator_type.as_str() {
                    "TRIM_HORIZON" => 0,
                    "LATEST" => c.query_row("SELECT coalesce(max(seq), 0) FROM stream_records WHERE tid = ?1 AND label = ?2", rusqlite::params![t.id, label], |r| r.get(0))?,
                    "AT_SEQUENCE_NUMBER" => seq()? - 1,
                    _ => seq()?,
                };
                Ok(json!({"ShardIterator": encode_iterator(&input.stream_arn, after)}))
            })
            .await
    }

    /// GetRecords.
    pub async fn get_records(&self, ctx: &RequestContext, input: GetRecordsInput) -> Result<Value, DynamoError> {
        let limit = input.limit.unwrap_or(1000).clamp(1, 1000);
        let (arn, after) = decode_iterator(&input.shard_iterator).ok_or_else(|| DynamoError::validation("Invalid ShardIterator"))?;
        let ctx = ctx.clone();
        self.db()
            .read(move |c| {
                let (t, label) = load_stream(c, &ctx, &arn)?;
                let mut st = c.prepare_cached("SELECT seq, record FROM stream_records WHERE tid = ?1 AND label = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4")?;
                let rows = st.query_map(rusqlite::params![t.id, label, after, limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
                let mut records = Vec::new();
                let mut last = after;
                for row in rows {
                    let (seq, rec) = row?;
                    let mut v: Value = serde_json::from_str(&rec).map_err(amplocal_core::InternalError::from)?;
                    v["eventID"] = json!(format!("{:032x}", (t.id as u128) << 64 | seq as u128));
                    v["dynamodb"]["SequenceNumber"] = json!(seq_str(seq));
                    records.push(v);
                    last = seq;
                }
                Ok(json!({"Records": records, "NextShardIterator": encode_iterator(&arn, last)}))
            })
            .await
    }
}

fn encode_iterator(arn: &str, after: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{after}|{arn}"))
}

fn decode_iterator(it: &str) -> Option<(String, i64)> {
    let raw = base64::engine::general_purpose::STANDARD.decode(it).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (n, arn) = s.split_once('|')?;
    Some((arn.to_string(), n.parse().ok()?))
}
