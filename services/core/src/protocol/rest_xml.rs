//! restXml (S3): the `<Error>` document with Code, Message, any resource fields, RequestId and
//! HostId; no body on HEAD (S3 answers HEAD errors with status and headers only). XML text is
//! escaped here; services build their success bodies with quick-xml.

use super::AMZ_REQUEST_ID;
use crate::AwsError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// The fixed `x-amz-id-2` / `HostId` value amplocal sends.
pub const HOST_ID: &str = "amplocal";

/// Escape text for an XML element body or attribute.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A 200-class XML response.
pub fn xml_response(status: u16, xml: String, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(xml));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    add_request_headers(&mut resp, request_id);
    resp
}

/// Add `x-amz-request-id` and `x-amz-id-2`.
pub fn add_request_headers(resp: &mut Response, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert(AMZ_REQUEST_ID, v);
    }
    resp.headers_mut().insert("x-amz-id-2", HeaderValue::from_static(HOST_ID));
}

/// The `<Error>` document for `err`, with `fields` (e.g. `("BucketName", "b")`,
/// `("StringToSign", …)`) between Message and RequestId.
pub fn error_body(err: &dyn AwsError, request_id: &str, fields: &[(&str, String)]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    s.push_str(&format!("<Code>{}</Code><Message>{}</Message>", err.code(), escape(&err.message())));
    for (name, value) in fields {
        s.push_str(&format!("<{name}>{}</{name}>", escape(value)));
    }
    s.push_str(&format!("<RequestId>{}</RequestId><HostId>{HOST_ID}</HostId></Error>", escape(request_id)));
    s
}

/// The error response; `head` drops the body but keeps status and headers.
pub fn error_response(err: &dyn AwsError, request_id: &str, fields: &[(&str, String)], head: bool) -> Response {
    let body = if head { String::new() } else { error_body(err, request_id, fields) };
    xml_response(err.status(), body, request_id)
}
