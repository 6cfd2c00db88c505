//! Table-driven classification test: real request shapes (method, host, path+query, headers)
//! as boto3, the JS v3 SDK, aws-sdk-rust, Amplify JS v6 and browsers send them (captured in
//! `shared/reference/{s3,cognito,amplify-js,appsync}.md`), each with the service it must reach.

use super::{classify, signing_service, ServiceId};
use ServiceId::{AppSync, Cognito, DynamoDb, S3};

const SIG: &str = "SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

fn auth(service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential=test/20261126/us-east-1/{service}/aws4_request, {SIG}")
}

struct Shape {
    who: &'static str,
    method: &'static str,
    host: &'static str,
    uri: &'static str,
    headers: Vec<(&'static str, String)>,
    want: ServiceId,
}

fn s(who: &'static str, method: &'static str, host: &'static str, uri: &'static str, headers: &[(&'static str, &str)], want: ServiceId) -> Shape {
    Shape { who, method, host, uri, headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(), want }
}

fn shapes() -> Vec<Shape> {
    let ddb = auth("dynamodb");
    let idp = auth("cognito-idp");
    let ident = auth("cognito-identity");
    let sts = auth("sts");
    let s3 = auth("s3");
    let appsync = auth("appsync");
    let json10 = ("content-type", "application/x-amz-json-1.0");
    let json11 = ("content-type", "application/x-amz-json-1.1");
    let form = ("content-type", "application/x-www-form-urlencoded; charset=utf-8");
    vec![
        // DynamoDB
        s("boto3 ListTables", "POST", "127.0.0.1:4566", "/", &[json10, ("x-amz-target", "DynamoDB_20120810.ListTables"), ("authorization", &ddb)], DynamoDb),
        s("JS v3 PutItem", "POST", "localhost:4566", "/", &[json10, ("x-amz-target", "DynamoDB_20120810.PutItem"), ("authorization", &ddb), ("amz-sdk-request", "attempt=1; max=3")], DynamoDb),
        s("aws-sdk-rust Query", "POST", "127.0.0.1:4566", "/", &[json10, ("x-amz-target", "DynamoDB_20120810.Query"), ("authorization", &ddb)], DynamoDb),
        s("boto3 dynamodbstreams GetRecords", "POST", "127.0.0.1:4566", "/", &[json10, ("x-amz-target", "DynamoDBStreams_20120810.GetRecords"), ("authorization", &ddb)], DynamoDb),
        s("streams DescribeStream, scope only", "POST", "127.0.0.1:4566", "/", &[json10, ("authorization", &ddb)], DynamoDb),
        s("unsigned DynamoDB (fails auth later)", "POST", "127.0.0.1:4566", "/", &[json10, ("x-amz-target", "DynamoDB_20120810.DescribeTable")], DynamoDb),
        s("dynamodb host", "POST", "dynamodb.us-east-1.localhost:4566", "/", &[json10], DynamoDb),
        // cognito-idp
        s("boto3 AdminCreateUser (signed)", "POST", "127.0.0.1:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.AdminCreateUser"), ("authorization", &idp)], Cognito),
        s("aws-sdk-rust CreateUserPool", "POST", "127.0.0.1:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.CreateUserPool"), ("authorization", &idp)], Cognito),
        s("Amplify InitiateAuth (unsigned)", "POST", "localhost:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth"), ("cache-control", "no-store"), ("x-amz-user-agent", "aws-amplify/6.22.1 auth/1")], Cognito),
        s("Amplify RespondToAuthChallenge", "POST", "localhost:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.RespondToAuthChallenge")], Cognito),
        s("cognito-identity-js SignUp", "POST", "127.0.0.1:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")], Cognito),
        s("boto3 GetUser (unsigned by authtype none)", "POST", "127.0.0.1:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")], Cognito),
        // cognito-identity
        s("Amplify GetId", "POST", "localhost:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityService.GetId"), ("cache-control", "no-store")], Cognito),
        s("Amplify GetCredentialsForIdentity", "POST", "localhost:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityService.GetCredentialsForIdentity")], Cognito),
        s("boto3 CreateIdentityPool (signed)", "POST", "127.0.0.1:4566", "/", &[json11, ("x-amz-target", "AWSCognitoIdentityService.CreateIdentityPool"), ("authorization", &ident)], Cognito),
        // STS (awsQuery)
        s("boto3 GetCallerIdentity", "POST", "127.0.0.1:4566", "/", &[form, ("authorization", &sts)], Cognito),
        s("aws-sdk-rust AssumeRoleWithWebIdentity, signed scope sts", "POST", "127.0.0.1:4566", "/", &[form, ("authorization", &sts)], Cognito),
        s("botocore AssumeRoleWithWebIdentity, unsigned form post", "POST", "127.0.0.1:4566", "/", &[form], Cognito),
        s("STS query GET", "GET", "127.0.0.1:4566", "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x", &[], Cognito),
        s("sts host", "POST", "sts.localhost:4566", "/", &[form], Cognito),
        // Cognito discovery (public)
        s("aws-jwt-verify JWKS", "GET", "localhost:4566", "/us-east-1_AbCdEf123/.well-known/jwks.json", &[], Cognito),
        s("OIDC discovery", "GET", "localhost:4566", "/us-east-1_AbCdEf123/.well-known/openid-configuration", &[], Cognito),
        s("JWKS preflight", "OPTIONS", "localhost:4566", "/us-east-1_AbCdEf123/.well-known/jwks.json", &[("origin", "http://localhost:5173"), ("access-control-request-method", "GET")], Cognito),
        // S3
        s("boto3 ListBuckets", "GET", "127.0.0.1:4566", "/", &[("authorization", &s3), ("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")], S3),
        s("boto3 path-style PutObject", "PUT", "127.0.0.1:4566", "/py-bkt/bytes.txt", &[("authorization", &s3), ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), ("content-encoding", "aws-chunked")], S3),
        s("JS v3 path-style PutObject", "PUT", "127.0.0.1:4566", "/js-bkt/readable.bin?x-id=PutObject", &[("authorization", &s3)], S3),
        s("aws-sdk-rust PutObject, signed chunks", "PUT", "127.0.0.1:4566", "/rust-bkt/file.bin?x-id=PutObject", &[("authorization", &s3), ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")], S3),
        s("JS v3 virtual-host bucket.localhost", "PUT", "js-bkt.localhost:4566", "/key.txt?x-id=PutObject", &[("authorization", &s3)], S3),
        s("virtual-host bucket.s3.localhost", "GET", "mybucket.s3.localhost:4566", "/", &[("authorization", &s3)], S3),
        s("Amplify Storage virtual host, key under graphql/", "GET", "amplify-bkt.localhost:4566", "/graphql/notes.txt?x-id=GetObject", &[], S3),
        s("LocalStack-style host", "GET", "b.s3.localhost.localstack.cloud:4566", "/k", &[], S3),
        s("Amplify DeleteObjects bug (POST /?delete=)", "POST", "localhost:4566", "/?delete=", &[("content-type", "application/xml"), ("authorization", &s3)], S3),
        s("ListObjectsV2", "GET", "127.0.0.1:4566", "/bkt?list-type=2&prefix=a&encoding-type=url", &[("authorization", &s3)], S3),
        s("signed S3 object named graphql", "PUT", "127.0.0.1:4566", "/graphql/key", &[("authorization", &s3)], S3),
        s("JS v3 presigned SigV4 GET", "GET", "127.0.0.1:4566", "/bkt/k.txt?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=test%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261126T120000Z&X-Amz-Expires=900&X-Amz-Signature=00&X-Amz-SignedHeaders=host", &[], S3),
        s("boto3 presigned SigV2 GET", "GET", "127.0.0.1:4566", "/bkt/k.txt?AWSAccessKeyId=test&Signature=abc%3D&Expires=1800000000", &[], S3),
        s("browser POST-policy upload", "POST", "127.0.0.1:4566", "/bkt", &[("content-type", "multipart/form-data; boundary=----x")], S3),
        s("S3 bucket CORS preflight", "OPTIONS", "127.0.0.1:4566", "/bkt/k.txt", &[("origin", "http://localhost:5173"), ("access-control-request-method", "PUT")], S3),
        s("anonymous GET object", "GET", "127.0.0.1:4566", "/public-bkt/index.html", &[], S3),
        // AppSync
        s("Amplify apiKey query", "POST", "localhost:4566", "/graphql", &[("content-type", "application/json; charset=UTF-8"), ("x-api-key", "da2-abc")], AppSync),
        s("Amplify userPool (raw JWT)", "POST", "localhost:4566", "/graphql", &[("content-type", "application/json; charset=UTF-8"), ("authorization", "eyJraWQiOiJ4In0.eyJzdWIiOiJ4In0.sig")], AppSync),
        s("Amplify iam (SigV4 appsync)", "POST", "localhost:4566", "/graphql", &[("content-type", "application/json; charset=UTF-8"), ("authorization", &appsync)], AppSync),
        s("per-API path /graphql/<id>", "POST", "127.0.0.1:4566", "/graphql/abcdefghijklmnopqrstuvwxyz", &[("x-api-key", "da2-abc")], AppSync),
        s("AppSync host", "POST", "abcdefghijklmnopqrstuvwxyz.appsync-api.localhost:4566", "/graphql", &[("x-api-key", "da2-abc")], AppSync),
        s("realtime path", "GET", "localhost:4566", "/graphql/realtime?header=eyJ9&payload=e30=", &[("upgrade", "websocket"), ("connection", "Upgrade"), ("sec-websocket-protocol", "graphql-ws")], AppSync),
        s("realtime host", "GET", "abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.localhost:4566", "/graphql?header=eyJ9&payload=e30=", &[("upgrade", "websocket")], AppSync),
        s("aws-sdk-rust ListGraphqlApis", "GET", "127.0.0.1:4566", "/v1/apis", &[("authorization", &appsync)], AppSync),
        s("boto3 StartSchemaCreation", "POST", "127.0.0.1:4566", "/v1/apis/abc/schemacreation", &[("content-type", "application/json"), ("authorization", &appsync)], AppSync),
        // amplocal's own per-service endpoints
        s("Cognito code inbox", "GET", "127.0.0.1:4566", "/_amplocal/cognito/codes?pool=us-east-1_x&username=carl", &[], Cognito),
        s("the GraphQL explorer", "GET", "127.0.0.1:4566", "/_amplocal/graphql?api=todoapi", &[], AppSync),
        s("a service's internal route wins over the scope", "GET", "127.0.0.1:4566", "/_amplocal/dynamodb/tables", &[("authorization", &s3)], DynamoDb),
        s("GraphQL preflight", "OPTIONS", "localhost:4566", "/graphql", &[("origin", "http://localhost:5173"), ("access-control-request-headers", "content-type,x-api-key")], AppSync),
    ]
}

#[test]
fn real_request_shapes_reach_their_service() {
    let shapes = shapes();
    assert!(shapes.len() >= 30, "{} shapes", shapes.len());
    let mut failures = Vec::new();
    for sh in &shapes {
        let mut b = http::Request::builder().method(sh.method).uri(sh.uri).header("host", sh.host);
        for (k, v) in &sh.headers {
            b = b.header(*k, v.as_str());
        }
        let (parts, ()) = b.body(()).unwrap().into_parts();
        let got = classify(&parts);
        if got != sh.want {
            failures.push(format!("{}: {} {} {} → {:?}, want {:?}", sh.who, sh.method, sh.host, sh.uri, got, sh.want));
        }
    }
    assert!(failures.is_empty(), "misclassified:\n{}", failures.join("\n"));
}

#[test]
fn scope_service_from_header_and_presigned_query() {
    let p = |uri: &str, auth: Option<&str>| {
        let mut b = http::Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    };
    assert_eq!(signing_service(&p("/", Some(&auth("cognito-idp")))).as_deref(), Some("cognito-idp"));
    assert_eq!(signing_service(&p("/b/k?X-Amz-Credential=test%2F20261126%2Fus-east-1%2Fs3%2Faws4_request", None)).as_deref(), Some("s3"));
    assert_eq!(signing_service(&p("/", None)), None);
}
