//! Authentication failures and how each renders in the protocol its client parses: S3's XML
//! (`SignatureDoesNotMatch` with `StringToSign`/`CanonicalRequest`, `RequestTimeTooSkewed`,
//! `AccessDenied` "Request has expired"), the JSON services' coral exceptions
//! (`InvalidSignatureException`, `UnrecognizedClientException`, …), STS's awsQuery XML and
//! AppSync's data-plane 401 (`UnauthorizedException`).
//! See https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html and
//! https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html

use amplocal_core::protocol::aws_json::{self, JsonVersion};
use amplocal_core::protocol::{aws_query, rest_json, rest_xml, GenericError, Protocol};
use amplocal_core::sigv4::signing::format_iso8601;
use amplocal_core::sigv4::verify::MAX_SKEW;
use amplocal_core::sigv4::{AuthError, TimeError};
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode};

/// Why a request was refused: a signature problem found by `core::sigv4`, or one of the
/// gateway's own checks (no signature at all, the body cap, an unreadable body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No signature where one is required.
    Missing,
    /// The buffered body is over the cap.
    TooLarge(usize),
    /// The body could not be read (client went away mid-body).
    BodyUnreadable,
    /// The signature, its key, token or time is wrong.
    Signature(AuthError),
}

impl From<AuthError> for AuthFailure {
    fn from(e: AuthError) -> Self {
        AuthFailure::Signature(e)
    }
}

/// The shape an error must take for the request's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// S3 XML; `head` drops the body.
    S3 {
        /// HEAD request.
        head: bool,
    },
    /// awsJson 1.0 / 1.1 with an optional `__type` prefix.
    Json(JsonVersion, Option<&'static str>),
    /// restJson1 (AppSync control plane).
    RestJson,
    /// awsQuery (STS).
    Query,
    /// AppSync data plane (`{"errors":[…]}`, 401).
    GraphQl,
}

impl Flavor {
    /// The flavor of a service protocol; DynamoDB's coral-level errors carry the
    /// `com.amazon.coral.service#` prefix real DynamoDB sends.
    pub fn from_protocol(p: Protocol, head: bool) -> Flavor {
        match p {
            Protocol::RestXml => Flavor::S3 { head },
            Protocol::AwsJson1_0 => Flavor::Json(JsonVersion::V1_0, Some("com.amazon.coral.service#")),
            Protocol::AwsJson1_1 => Flavor::Json(JsonVersion::V1_1, None),
            Protocol::RestJson1 => Flavor::RestJson,
        }
    }
}

/// AWS's message for a signature mismatch on the JSON and query services.
pub const JSON_SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/// S3's message for a signature mismatch.
pub const S3_SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
/// The message for unknown keys and foreign session tokens.
pub const INVALID_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";

/// Space-separated hex bytes, as S3's `*Bytes` fields show them.
fn hex_bytes(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// (code, status, message) for the non-S3 flavors.
fn coral(f: &AuthFailure) -> (&'static str, u16, String) {
    match f {
        AuthFailure::Missing => ("MissingAuthenticationTokenException", 400, "Request is missing Authentication Token".into()),
        AuthFailure::Signature(AuthError::HeaderMalformed(m)) | AuthFailure::Signature(AuthError::QueryMalformed(m)) => ("IncompleteSignatureException", 400, m.clone()),
        AuthFailure::Signature(AuthError::MissingDate) => (
            "IncompleteSignatureException",
            400,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
        ),
        AuthFailure::Signature(AuthError::UnknownKey(_)) | AuthFailure::Signature(AuthError::InvalidToken) => ("UnrecognizedClientException", 400, INVALID_TOKEN_MESSAGE.into()),
        AuthFailure::Signature(AuthError::ExpiredToken) => ("ExpiredTokenException", 400, "The security token included in the request is expired".into()),
        AuthFailure::Signature(AuthError::SignatureMismatch { canonical_request, string_to_sign, .. }) => (
            "InvalidSignatureException",
            400,
            if canonical_request.is_empty() {
                JSON_SIGNATURE_MESSAGE.to_string()
            } else {
                format!(
                    "{JSON_SIGNATURE_MESSAGE}\n\nThe Canonical String for this request should have been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
                )
            },
        ),
        AuthFailure::Signature(AuthError::Time(t)) => ("InvalidSignatureException", 400, t.json_message()),
        AuthFailure::Signature(AuthError::MissingContentSha256) => ("IncompleteSignatureException", 400, "Missing required header: x-amz-content-sha256".into()),
        AuthFailure::TooLarge(limit) => ("RequestEntityTooLarge", 413, format!("Request must be smaller than {limit} bytes")),
        AuthFailure::BodyUnreadable => ("SerializationException", 400, "Could not read the request body".into()),
    }
}

/// STS (awsQuery) codes: the same conditions under IAM-style names, 403 for auth.
fn query_code(f: &AuthFailure) -> (&'static str, u16, String) {
    let (code, status, msg) = coral(f);
    let mapped = match code {
        "MissingAuthenticationTokenException" => ("MissingAuthenticationToken", 403),
        "IncompleteSignatureException" => ("IncompleteSignature", 400),
        "UnrecognizedClientException" => ("InvalidClientTokenId", 403),
        "ExpiredTokenException" => ("ExpiredToken", 400),
        "InvalidSignatureException" => ("SignatureDoesNotMatch", 403),
        other => (other, status),
    };
    (mapped.0, mapped.1, msg)
}

/// S3's code, status, message and extra `<Error>` fields.
fn s3(f: &AuthFailure, now: std::time::SystemTime) -> (&'static str, u16, String, Vec<(&'static str, String)>) {
    match f {
        AuthFailure::Missing => ("AccessDenied", 403, "Access Denied".into(), vec![]),
        AuthFailure::Signature(AuthError::HeaderMalformed(m)) => ("AuthorizationHeaderMalformed", 400, m.clone(), vec![]),
        AuthFailure::Signature(AuthError::QueryMalformed(m)) => ("AuthorizationQueryParametersError", 400, m.clone(), vec![]),
        AuthFailure::Signature(AuthError::MissingDate) => ("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header".into(), vec![]),
        AuthFailure::Signature(AuthError::UnknownKey(k)) => (
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.".into(),
            vec![("AWSAccessKeyId", k.clone())],
        ),
        AuthFailure::Signature(AuthError::InvalidToken) => ("InvalidToken", 400, "The provided token is malformed or otherwise invalid.".into(), vec![]),
        AuthFailure::Signature(AuthError::ExpiredToken) => ("ExpiredToken", 400, "The provided token has expired.".into(), vec![]),
        AuthFailure::Signature(AuthError::SignatureMismatch { access_key, provided, canonical_request, string_to_sign }) => {
            let mut fields = vec![
                ("AWSAccessKeyId", access_key.clone()),
                ("StringToSign", string_to_sign.clone()),
                ("SignatureProvided", provided.clone()),
                ("StringToSignBytes", hex_bytes(string_to_sign)),
            ];
            if !canonical_request.is_empty() {
                fields.push(("CanonicalRequest", canonical_request.clone()));
                fields.push(("CanonicalRequestBytes", hex_bytes(canonical_request)));
            }
            ("SignatureDoesNotMatch", 403, S3_SIGNATURE_MESSAGE.into(), fields)
        }
        AuthFailure::Signature(AuthError::Time(TimeError::Skewed { request, now })) => (
            "RequestTimeTooSkewed",
            403,
            "The difference between the request time and the current time is too large.".into(),
            vec![
                ("RequestTime", format_iso8601(*request)),
                ("ServerTime", format_iso8601(*now)),
                ("MaxAllowedSkewMilliseconds", MAX_SKEW.as_millis().to_string()),
            ],
        ),
        AuthFailure::Signature(AuthError::Time(TimeError::Expired { expired_at, now, expires_secs })) => {
            let mut fields = Vec::new();
            if *expires_secs > 0 {
                fields.push(("X-Amz-Expires", expires_secs.to_string()));
            }
            fields.push(("Expires", format_iso8601(*expired_at)));
            fields.push(("ServerTime", format_iso8601(*now)));
            ("AccessDenied", 403, "Request has expired".into(), fields)
        }
        AuthFailure::Signature(AuthError::Time(TimeError::ExpiresOutOfRange(m))) => ("AuthorizationQueryParametersError", 400, m.clone(), vec![]),
        AuthFailure::Signature(AuthError::Time(TimeError::NotYetValid)) => ("AccessDenied", 403, "Request is not valid yet".into(), vec![("ServerTime", format_iso8601(now))]),
        AuthFailure::Signature(AuthError::Time(TimeError::BadDate(_))) => {
            ("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header".into(), vec![])
        }
        AuthFailure::Signature(AuthError::MissingContentSha256) => ("InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256".into(), vec![]),
        AuthFailure::TooLarge(limit) => ("EntityTooLarge", 400, format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes"), vec![]),
        AuthFailure::BodyUnreadable => ("IncompleteBody", 400, "The request body terminated unexpectedly".into(), vec![]),
    }
}

/// Render `f` for `flavor`.
pub fn render(f: &AuthFailure, flavor: Flavor, request_id: &str, now: std::time::SystemTime) -> Response {
    match flavor {
        Flavor::S3 { head } => {
            let (code, status, msg, fields) = s3(f, now);
            let fields: Vec<(&str, String)> = fields.into_iter().collect();
            rest_xml::error_response(&GenericError::new(code, status, msg), request_id, &fields, head)
        }
        Flavor::Json(version, prefix) => {
            let (code, status, msg) = coral(f);
            aws_json::error_response(version, prefix, &GenericError::new(code, status, msg), request_id)
        }
        Flavor::RestJson => {
            let (code, status, msg) = coral(f);
            let status = if status == 400 { 403 } else { status };
            rest_json::error_response(&GenericError::new(code, status, msg), request_id)
        }
        Flavor::Query => {
            let (code, status, msg) = query_code(f);
            aws_query::error_response(aws_query::STS_XMLNS, &GenericError::new(code, status, msg), request_id)
        }
        Flavor::GraphQl => {
            let (_, status, msg) = coral(f);
            let (status, error_type) = if status == 413 { (413, "RequestEntityTooLarge") } else { (401, "UnauthorizedException") };
            let body = serde_json::json!({"errors": [{"errorType": error_type, "message": msg}]});
            let mut resp = Response::new(Body::from(serde_json::to_vec(&body).unwrap_or_default()));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
            let h = resp.headers_mut();
            h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
            h.insert("x-amzn-errortype", HeaderValue::from_static(error_type));
            if let Ok(v) = HeaderValue::from_str(request_id) {
                h.insert(amplocal_core::protocol::AMZN_REQUEST_ID, v);
            }
            resp
        }
    }
}
