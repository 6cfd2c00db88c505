//! Golden tests: the exact bytes and headers each protocol renderer produces.

use super::{aws_json, aws_query, render_error, rest_json, rest_xml, GenericError, Protocol};
use axum::response::Response;

async fn bytes(resp: Response) -> (u16, http::HeaderMap, String) {
    let (parts, body) = resp.into_parts();
    let b = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status.as_u16(), parts.headers, String::from_utf8(b.to_vec()).unwrap())
}

fn h<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn aws_json_1_0_dynamodb_error() {
    let err = GenericError::new("ResourceNotFoundException", 400, "Requested resource not found");
    let resp = aws_json::error_response(aws_json::JsonVersion::V1_0, Some("com.amazonaws.dynamodb.v20120810#"), &err, "RID1");
    let (status, headers, body) = bytes(resp).await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#);
    assert_eq!(h(&headers, "content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(h(&headers, "x-amzn-errortype"), Some("ResourceNotFoundException"));
    assert_eq!(h(&headers, "x-amzn-requestid"), Some("RID1"));
    assert_eq!(h(&headers, "x-amz-crc32"), Some(crc32fast::hash(body.as_bytes()).to_string().as_str()));
}

#[tokio::test]
async fn aws_json_1_0_ok_and_extra_fields() {
    let resp = aws_json::ok_response(aws_json::JsonVersion::V1_0, &serde_json::json!({"TableNames": []}), "RID2");
    let (status, headers, body) = bytes(resp).await;
    assert_eq!((status, body.as_str()), (200, r#"{"TableNames":[]}"#));
    assert_eq!(h(&headers, "x-amz-crc32").unwrap(), crc32fast::hash(br#"{"TableNames":[]}"#).to_string());
    let mut extra = serde_json::Map::new();
    extra.insert("CancellationReasons".into(), serde_json::json!([{"Code": "None"}]));
    let err = GenericError::new("TransactionCanceledException", 400, "Transaction cancelled");
    let (_, _, body) = bytes(aws_json::error_response_with(aws_json::JsonVersion::V1_0, Some("com.amazonaws.dynamodb.v20120810#"), &err, "r", Some(extra))).await;
    assert_eq!(
        body,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled","CancellationReasons":[{"Code":"None"}]}"#
    );
}

#[tokio::test]
async fn aws_json_1_1_cognito_error() {
    let err = GenericError::new("NotAuthorizedException", 400, "Incorrect username or password.");
    let (status, headers, body) = bytes(render_error(Protocol::AwsJson1_1, &err, "RID3", false)).await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#);
    assert_eq!(h(&headers, "content-type"), Some("application/x-amz-json-1.1"));
    assert_eq!(h(&headers, "x-amzn-errortype"), Some("NotAuthorizedException"));
    assert_eq!(h(&headers, "x-amzn-requestid"), Some("RID3"));
}

#[tokio::test]
async fn rest_xml_error_with_fields_and_escaping() {
    let err = GenericError::new("NoSuchKey", 404, "The specified key does not exist.");
    let resp = rest_xml::error_response(&err, "RID4", &[("Key", "a&b<c>".to_string())], false);
    let (status, headers, body) = bytes(resp).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b&lt;c&gt;</Key><RequestId>RID4</RequestId><HostId>amplocal</HostId></Error>"
    );
    assert_eq!(h(&headers, "content-type"), Some("application/xml"));
    assert_eq!(h(&headers, "x-amz-request-id"), Some("RID4"));
    assert_eq!(h(&headers, "x-amz-id-2"), Some("amplocal"));
}

#[tokio::test]
async fn rest_xml_head_has_no_body() {
    let err = GenericError::new("NoSuchBucket", 404, "The specified bucket does not exist");
    let (status, headers, body) = bytes(render_error(Protocol::RestXml, &err, "RID5", true)).await;
    assert_eq!((status, body.as_str()), (404, ""));
    assert_eq!(h(&headers, "x-amz-request-id"), Some("RID5"));
    let (_, _, body) = bytes(render_error(Protocol::RestXml, &err, "RID5", false)).await;
    assert!(body.contains("<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>RID5</RequestId>"));
}

#[tokio::test]
async fn rest_json_error() {
    let err = GenericError::new("NotFoundException", 404, "GraphQL API abc not found.");
    let (status, headers, body) = bytes(render_error(Protocol::RestJson1, &err, "RID6", false)).await;
    assert_eq!(status, 404);
    assert_eq!(body, r#"{"__type":"NotFoundException","message":"GraphQL API abc not found."}"#);
    assert_eq!(h(&headers, "content-type"), Some("application/json"));
    assert_eq!(h(&headers, "x-amzn-errortype"), Some("NotFoundException"));
    assert_eq!(h(&headers, "x-amzn-requestid"), Some("RID6"));
    let (status, _, body) = bytes(rest_json::json_response(201, &serde_json::json!({"a": 1}), "r")).await;
    assert_eq!((status, body.as_str()), (201, r#"{"a":1}"#));
}

#[tokio::test]
async fn aws_query_sts_error() {
    let err = GenericError::new("InvalidClientTokenId", 403, "The security token included in the request is invalid.");
    let (status, headers, body) = bytes(aws_query::error_response(aws_query::STS_XMLNS, &err, "RID7")).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidClientTokenId</Code>\n    <Message>The security token included in the request is invalid.</Message>\n  </Error>\n  <RequestId>RID7</RequestId>\n</ErrorResponse>\n"
    );
    assert_eq!(h(&headers, "content-type"), Some("text/xml"));
    assert_eq!(h(&headers, "x-amzn-requestid"), Some("RID7"));
    let server = GenericError::new("InternalFailure", 500, "x");
    assert!(aws_query::error_body(aws_query::STS_XMLNS, &server, "r").contains("<Type>Receiver</Type>"));
}

#[test]
fn split_target_rules() {
    assert_eq!(aws_json::split_target("DynamoDB_20120810.PutItem"), Some(("DynamoDB_20120810", "PutItem")));
    assert_eq!(aws_json::split_target("AWSCognitoIdentityProviderService.InitiateAuth"), Some(("AWSCognitoIdentityProviderService", "InitiateAuth")));
    assert_eq!(aws_json::split_target("NoDot"), None);
    assert_eq!(aws_json::split_target(".Op"), None);
    assert_eq!(aws_json::split_target("Prefix."), None);
}
