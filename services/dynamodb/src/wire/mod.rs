//! The awsJson1_0 wire layer: `X-Amz-Target` dispatch for `DynamoDB_20120810.*` and
//! `DynamoDBStreams_20120810.*`, JSON body → typed input (malformed JSON and wrongly typed
//! members → `SerializationException`; invalid attribute values → `ValidationException`),
//! typed output → JSON (absent members omitted), errors rendered with their `__type` namespace.
//! Holds no DynamoDB semantics. See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html>.

use crate::error::DynamoError;
use crate::value::json::VALIDATION_MARKER;
use crate::DynamoDbService;
use amplocal_core::protocol::aws_json::{error_response_with, ok_response, JsonVersion};
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

async fn handle(svc: DynamoDbService, req: Request) -> Response {
    let ctx = match req.extensions().get::<RequestContext>() {
        Some(c) => c.clone(),
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
            let mut r = ok_response(JsonVersion::V1_0, &v, &ctx.request_id);
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
        to_json($svc.$m($ctx, parse($body)?).await?)
    };
}

async fn dispatch(svc: &DynamoDbService, ctx: &RequestContext, prefix: &str, op: &str, body: &[u8]) -> Result<(&'static str, Value), DynamoError> {
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
        "GetItem" => ("GetItem", call!(svc, ctx, body, get_item)?),
        "UpdateItem" => ("UpdateItem", call!(svc, ctx, body, update_item)?),
        "DeleteItem" => ("DeleteItem", call!(svc, ctx, body, delete_item)?),
        "Query" => ("Query", call!(svc, ctx, body, query)?),
        "Scan" => ("Scan", call!(svc, ctx, body, scan)?),
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
        "DescribeEndpoints" => ("DescribeEndpoints", svc.describe_endpoints(ctx).await?),
        "DescribeLimits" => ("DescribeLimits", svc.describe_limits(ctx).await?),
        _ => return Err(DynamoError::UnknownOperationException(String::new())),
    })
}
