//! awsJson1_0 / awsJson1_1: `POST /` with `X-Amz-Target: <Prefix>.<Operation>`, JSON bodies.
//! Errors are `{"__type": "...", "message": "..."}` with the `x-amzn-ErrorType` header; the
//! `__type` may carry a namespace prefix (DynamoDB sends `com.amazonaws.dynamodb.v20120810#Code`).
//! Successful bodies carry `x-amz-crc32` (DynamoDB's SDKs check it when present).

use super::AMZN_REQUEST_ID;
use crate::AwsError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// Which JSON content type to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonVersion {
    /// `application/x-amz-json-1.0`
    V1_0,
    /// `application/x-amz-json-1.1`
    V1_1,
}

impl JsonVersion {
    /// The content type.
    pub fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// Split `X-Amz-Target: Prefix.Operation` into its two halves.
pub fn split_target(target: &str) -> Option<(&str, &str)> {
    let (prefix, op) = target.rsplit_once('.')?;
    if prefix.is_empty() || op.is_empty() {
        return None;
    }
    Some((prefix, op))
}

fn with_common(status: u16, version: JsonVersion, body: Vec<u8>, request_id: &str) -> Response {
    let crc = crc32fast::hash(&body);
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(version.content_type()));
    h.insert("x-amz-crc32", HeaderValue::from(crc));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(AMZN_REQUEST_ID, v);
    }
    resp
}

/// A 200 response with a JSON body.
pub fn ok_response(version: JsonVersion, body: &serde_json::Value, request_id: &str) -> Response {
    // Serializing a Value cannot fail.
    with_common(200, version, serde_json::to_vec(body).unwrap_or_default(), request_id)
}

/// An error response; `type_prefix` (e.g. `com.amazonaws.dynamodb.v20120810#`) is prepended to
/// the code in `__type`. `extra` fields are merged into the body (e.g. `CancellationReasons`).
pub fn error_response_with(
    version: JsonVersion,
    type_prefix: Option<&str>,
    err: &dyn AwsError,
    request_id: &str,
    extra: Option<serde_json::Map<String, serde_json::Value>>,
) -> Response {
    let code = err.code();
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), format!("{}{}", type_prefix.unwrap_or(""), code).into());
    body.insert("message".into(), err.message().into());
    if let Some(extra) = extra {
        body.extend(extra);
    }
    let mut resp = with_common(err.status(), version, serde_json::to_vec(&body).unwrap_or_default(), request_id);
    if let Ok(v) = HeaderValue::from_str(code) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

/// [`error_response_with`] without extra fields.
pub fn error_response(version: JsonVersion, type_prefix: Option<&str>, err: &dyn AwsError, request_id: &str) -> Response {
    error_response_with(version, type_prefix, err, request_id, None)
}
