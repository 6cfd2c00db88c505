//! awsQuery error documents (STS): `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code>
//! <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`, `text/xml`, with
//! `x-amzn-RequestId`. See https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
//! Leaves out: success bodies (the service builds those).

use super::rest_xml::escape;
use super::AMZN_REQUEST_ID;
use crate::AwsError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// STS's XML namespace.
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The `<ErrorResponse>` document for `err` in namespace `xmlns`.
pub fn error_body(xmlns: &str, err: &dyn AwsError, request_id: &str) -> String {
    let fault = if err.sender_fault() { "Sender" } else { "Receiver" };
    format!(
        "<ErrorResponse xmlns=\"{}\">\n  <Error>\n    <Type>{fault}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        escape(xmlns),
        err.code(),
        escape(&err.message()),
        escape(request_id)
    )
}

/// The error response.
pub fn error_response(xmlns: &str, err: &dyn AwsError, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(error_body(xmlns, err, request_id)));
    *resp.status_mut() = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert(AMZN_REQUEST_ID, v);
    }
    resp
}
