//! restJson1 (AppSync control plane): JSON bodies, errors as `{"message": ...}` with the code in
//! the `x-amzn-ErrorType` header (and `errorType`/`__type` in the body for older parsers).

use super::AMZN_REQUEST_ID;
use crate::AwsError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// A response with a JSON body and the given status.
pub fn json_response(status: u16, body: &serde_json::Value, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert(AMZN_REQUEST_ID, v);
    }
    resp
}

/// An error response.
pub fn error_response(err: &dyn AwsError, request_id: &str) -> Response {
    let body = serde_json::json!({ "__type": err.code(), "message": err.message() });
    let mut resp = json_response(err.status(), &body, request_id);
    if let Ok(v) = HeaderValue::from_str(err.code()) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}
