//! AWS wire protocols: how a response body and an error are rendered for awsJson1_0 /
//! awsJson1_1 (DynamoDB, Cognito), restXml (S3) and restJson1 (AppSync control plane).
//! Services call these; nothing here knows any service's semantics. awsQuery (STS) errors
//! are rendered by [`aws_query`] directly (no `Protocol` variant: no service speaks only it).

pub mod aws_json;
pub mod aws_query;
pub mod rest_json;
pub mod rest_xml;

use crate::AwsError;
use axum::response::Response;

/// The protocol a service speaks, so the gateway can render auth errors in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `application/x-amz-json-1.0` (DynamoDB, DynamoDB Streams).
    AwsJson1_0,
    /// `application/x-amz-json-1.1` (cognito-idp, cognito-identity).
    AwsJson1_1,
    /// S3's REST + XML.
    RestXml,
    /// REST + JSON (AppSync control plane).
    RestJson1,
}

/// Header carrying the request id for JSON protocols.
pub const AMZN_REQUEST_ID: &str = "x-amzn-requestid";
/// Header carrying the request id for S3.
pub const AMZ_REQUEST_ID: &str = "x-amz-request-id";

/// Render `err` in `protocol` with no service-specific extras (used by the gateway for auth
/// failures and not-implemented answers). `head` suppresses the body (S3 HEAD requests).
pub fn render_error(protocol: Protocol, err: &dyn AwsError, request_id: &str, head: bool) -> Response {
    match protocol {
        Protocol::AwsJson1_0 => aws_json::error_response(aws_json::JsonVersion::V1_0, None, err, request_id),
        Protocol::AwsJson1_1 => aws_json::error_response(aws_json::JsonVersion::V1_1, None, err, request_id),
        Protocol::RestXml => rest_xml::error_response(err, request_id, &[], head),
        Protocol::RestJson1 => rest_json::error_response(err, request_id),
    }
}

/// A generic protocol-level error used by the gateway and the not-implemented stubs.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct GenericError {
    /// AWS error code.
    pub code: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Message.
    pub message: String,
}

impl GenericError {
    /// Build one.
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self { code, status, message: message.into() }
    }
}

impl AwsError for GenericError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn status(&self) -> u16 {
        self.status
    }
}

#[cfg(test)]
mod golden;
