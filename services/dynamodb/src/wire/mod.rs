//! The awsJson1_0 wire layer: `X-Amz-Target` dispatch for `DynamoDB_20120810.*` and
//! `DynamoDBStreams_20120810.*`, JSON body → typed input (malformed JSON and wrongly typed
//! members → `SerializationException`; invalid attribute values → `ValidationException`),
//! typed output → JSON (absent members omitted), errors rendered with their `__type` namespace.
//! Holds no DynamoDB semantics. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html>.

use crate::error::DynamoError;
use crate::value::json::VALIDATION_MARKER;
use crate::DynamoDbService;
use crate::model::{GetItemPage, QueryPage, ReadItem};
use crate::value::json::ItemJson;
use amplocal_core::protocol::aws_json::{error_response_with, JsonVersion};
use amplocal_core::{OperationName, RequestContext};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

const MAX_BODY: usize = 16 * 1024 * 1024;
const DDB: &str = "DynamoDB_20120810";
const STREAMS: &str = "DynamoDBStreams_20120810";

/// The router the gateway mounts.
pub(crate) fn router(svc: DynamoDbService) -> Router {
    Router::new().fallback(move |req: Request| {
        let svc = svc.clone();
        async move { handle(svc, req).await }
    })
}

async fn handle(svc: DynamoDbService, mut req: Request) -> Response {
    let ctx = match req.extensions_mut().remove::<RequestContext>() {
        Some(c) => c,
        None => svc.core().internal_request(amplocal_core::DEFAULT_ACCOUNT, amplocal_core::DEFAULT_REGION),
    };
    if req.method() == http::Method::GET {
        let mut r = Response::new(Body::from(format!("healthy: dynamodb.{}.amazonaws.com ", ctx.region)));
        r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
        return r;
    }
    let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
            return r;
        }
    };
    let (prefix, op) = target.rsplit_once('.').unwrap_or(("", ""));
    match dispatch(&svc, &ctx, prefix, op, &body).await {
        Ok((name, v)) => {
            let mut r = ok_bytes(v, &ctx.request_id);
            r.extensions_mut().insert(OperationName(name));
            r
        }
        Err(e) => {
            if let DynamoError::Internal(cause) = &e {
                tracing::error!(error = %cause, operation = op, "DynamoDB internal error");
            }
            error_response_with(JsonVersion::V1_0, Some(e.type_prefix()), &e, &ctx.request_id, e.extra())
        }
    }
}

/// A 200 response over an already rendered JSON body (`x-amz-crc32` over the final bytes).
fn ok_bytes(body: Vec<u8>, request_id: &str) -> Response {
    let crc = crc32fast::hash(&body);
    let mut resp = Response::new(Body::from(body));
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(JsonVersion::V1_0.content_type()));
    h.insert("x-amz-crc32", http::HeaderValue::from(crc));
    if let Ok(v) = http::HeaderValue::from_str(request_id) {
        h.insert(amplocal_core::protocol::AMZN_REQUEST_ID, v);
    }
    resp
}

fn to_bytes(v: Value) -> Vec<u8> {
    // Serializing a Value cannot fail.
    serde_json::to_vec(&v).unwrap_or_default()
}

/// Append `,"Name":<json>` (or without the comma right after `{`).
fn field<T: Serialize + ?Sized>(out: &mut Vec<u8>, name: &str, v: &T) -> Result<(), DynamoError> {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *out, v).map_err(amplocal_core::InternalError::from)?;
    Ok(())
}

fn read_item(out: &mut Vec<u8>, it: &ReadItem) -> Result<(), DynamoError> {
    match it {
        ReadItem::Stored(b) => out.extend_from_slice(b),
        ReadItem::Decoded(i) => serde_json::to_writer(&mut *out, &ItemJson(i)).map_err(amplocal_core::InternalError::from)?,
    }
    Ok(())
}

fn render_get(p: GetItemPage) -> Result<Vec<u8>, DynamoError> {
    let mut out = Vec::with_capacity(64 + match &p.item {
        Some(ReadItem::Stored(b)) => b.len(),
        _ => 256,
    });
    out.push(b'{');
    if let Some(it) = &p.item {
        out.extend_from_slice(b"\"Item\":");
        read_item(&mut out, it)?;
    }
    if let Some(c) = p.consumed_capacity {
        field(&mut out, "ConsumedCapacity", &to_json(c)?)?;
    }
    out.push(b'}');
    Ok(out)
}

fn render_page(p: QueryPage) -> Result<Vec<u8>, DynamoError> {
    let stored: usize = p.items.iter().flatten().map(|i| if let ReadItem::Stored(b) = i { b.len() + 1 } else { 256 }).sum();
    let mut out = Vec::with_capacity(128 + stored);
    out.push(b'{');
    if let Some(items) = &p.items {
        out.extend_from_slice(b"\"Items\":[");
        for (n, it) in items.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            read_item(&mut out, it)?;
        }
        out.push(b']');
    }
    field(&mut out, "Count", &p.count)?;
    field(&mut out, "ScannedCount", &p.scanned_count)?;
    if let Some(k) = &p.last_evaluated_key {
        field(&mut out, "LastEvaluatedKey", &ItemJson(k))?;
    }
    if let Some(c) = p.consumed_capacity {
        field(&mut out, "ConsumedCapacity", &to_json(c)?)?;
    }
    out.push(b'}');
    Ok(out)
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k, strip_nulls(x))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn to_json<T: Serialize>(t: T) -> Result<Value, DynamoError> {
    Ok(strip_nulls(serde_json::to_value(t).map_err(amplocal_core::InternalError::from)?))
}

fn serde_message(msg: &str) -> String {
    let target = if msg.contains("expected i64") || msg.contains("expected i32") || msg.contains("expected u") {
        "Integer"
    } else if msg.contains("expected a boolean") {
        "Boolean"
    } else if msg.contains("expected a string") {
        "String"
    } else if msg.contains("expected f64") {
        "Double"
    } else {
        ""
    };
    let got = ["string", "integer", "floating point", "boolean", "map", "sequence", "null"].iter().find(|g| msg.starts_with(&format!("invalid type: {g}")));
    match (got, target) {
        (Some(&"map"), _) => "Start of structure or map found where not expected.".into(),
        (Some(&"sequence"), _) => "Start of list found where not expected".into(),
        (Some(&"string"), t) if !t.is_empty() => format!("STRING_VALUE cannot be converted to {t}"),
        (Some(&("integer" | "floating point")), t) if !t.is_empty() => format!("NUMBER_VALUE cannot be converted to {t}"),
        (Some(&"boolean"), t) if !t.is_empty() => format!("TRUE_VALUE cannot be converted to {t}"),
        _ => msg.to_string(),
    }
}

/// Decode a request body into a typed input.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, DynamoError> {
    // Fast path: an object decodes straight into the typed input. Any failure (or a body that
    // is not an object) takes the path below, which yields AWS's exact error.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        if let Ok(t) = serde_json::from_slice(body) {
            return Ok(t);
        }
    }
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|_| DynamoError::SerializationException("Could not parse request body into json".into()))?
    };
    if !v.is_object() {
        return Err(DynamoError::SerializationException("Start of list found where not expected".into()));
    }
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        match msg.find(VALIDATION_MARKER) {
            Some(i) => DynamoError::ValidationException(msg[i + VALIDATION_MARKER.len()..].to_string()),
            None => DynamoError::SerializationException(serde_message(&msg)),
        }
    })
}

macro_rules! call {
    ($svc:expr, $ctx:expr, $body:expr, $m:ident) => {
        to_json($svc.$m($ctx, parse($body)?).await?).map(to_bytes)
    };
}

async fn dispatch(svc: &DynamoDbService, ctx: &RequestContext, prefix: &str, op: &str, body: &[u8]) -> Result<(&'static str, Vec<u8>), DynamoError> {
    if prefix == STREAMS {
        return Ok(match op {
            "ListStreams" => ("ListStreams", call!(svc, ctx, body, list_streams)?),
            "DescribeStream" => ("DescribeStream", call!(svc, ctx, body, describe_stream)?),
            "GetShardIterator" => ("GetShardIterator", call!(svc, ctx, body, get_shard_iterator)?),
            "GetRecords" => ("GetRecords", call!(svc, ctx, body, get_records)?),
            _ => return Err(DynamoError::UnknownOperationException(String::new())),
        });
    }
    if prefix != DDB {
        return Err(DynamoError::UnknownOperationException(String::new()));
    }
    Ok(match op {
        "CreateTable" => ("CreateTable", call!(svc, ctx, body, create_table)?),
        "DescribeTable" => ("DescribeTable", call!(svc, ctx, body, describe_table)?),
        "ListTables" => ("ListTables", call!(svc, ctx, body, list_tables)?),
        "DeleteTable" => ("DeleteTable", call!(svc, ctx, body, delete_table)?),
        "UpdateTable" => ("UpdateTable", call!(svc, ctx, body, update_table)?),
        "PutItem" => ("PutItem", call!(svc, ctx, body, put_item)?),
        "GetItem" => ("GetItem", render_get(svc.get_item_page(ctx, parse(body)?).await?)?),
        "UpdateItem" => ("UpdateItem", call!(svc, ctx, body, update_item)?),
        "DeleteItem" => ("DeleteItem", call!(svc, ctx, body, delete_item)?),
        "Query" => ("Query", render_page(svc.query_page(ctx, parse(body)?).await?)?),
        "Scan" => ("Scan", render_page(svc.scan_page(ctx, parse(body)?).await?)?),
        "BatchGetItem" => ("BatchGetItem", call!(svc, ctx, body, batch_get_item)?),
        "BatchWriteItem" => ("BatchWriteItem", call!(svc, ctx, body, batch_write_item)?),
        "TransactWriteItems" => ("TransactWriteItems", call!(svc, ctx, body, transact_write_items)?),
        "TransactGetItems" => ("TransactGetItems", call!(svc, ctx, body, transact_get_items)?),
        "UpdateTimeToLive" => ("UpdateTimeToLive", call!(svc, ctx, body, update_time_to_live)?),
        "DescribeTimeToLive" => ("DescribeTimeToLive", call!(svc, ctx, body, describe_time_to_live)?),
        "TagResource" => ("TagResource", call!(svc, ctx, body, tag_resource)?),
        "UntagResource" => ("UntagResource", call!(svc, ctx, body, untag_resource)?),
        "ListTagsOfResource" => ("ListTagsOfResource", call!(svc, ctx, body, list_tags_of_resource)?),
        "ExecuteStatement" => ("ExecuteStatement", call!(svc, ctx, body, execute_statement)?),
        "BatchExecuteStatement" => ("BatchExecuteStatement", call!(svc, ctx, body, batch_execute_statement)?),
        "ExecuteTransaction" => ("ExecuteTransaction", call!(svc, ctx, body, execute_transaction)?),
        "DescribeEndpoints" => ("DescribeEndpoints", to_bytes(svc.describe_endpoints(ctx).await?)),
        "DescribeLimits" => ("DescribeLimits", to_bytes(svc.describe_limits(ctx).await?)),
        _ => return Err(DynamoError::UnknownOperationException(String::new())),
    })
}
