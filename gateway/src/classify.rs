//! Which service a request is for, decided from headers, host and path only (never the body),
//! in ARCHITECTURE.md's order: `X-Amz-Target` prefix, then the SigV4 scope's service, then the
//! host (service hosts, S3 virtual hosts), then the path, else S3. The gateway's own
//! `/_amplocal/health` and `/_localstack/*` never get here (the internal router answers them
//! first, `lib.rs`); a service's internal endpoints `/_amplocal/<service>/…` go to that service.

use http::header::HeaderName;
use http::request::Parts;

/// `X-Amz-Target` as a ready header name (a `&str` lookup parses and checks the name each time).
pub static X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");

/// The services behind the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceId {
    /// Amazon S3.
    S3,
    /// DynamoDB and DynamoDB Streams.
    DynamoDb,
    /// cognito-idp, cognito-identity and STS.
    Cognito,
    /// AppSync control plane and data plane.
    AppSync,
}

impl ServiceId {
    /// Lowercase name used in logs and health output.
    pub fn name(self) -> &'static str {
        match self {
            ServiceId::S3 => "s3",
            ServiceId::DynamoDb => "dynamodb",
            ServiceId::Cognito => "cognito",
            ServiceId::AppSync => "appsync",
        }
    }
}

fn service_from_target(target: &str) -> Option<ServiceId> {
    let prefix = target.split('.').next()?;
    match prefix {
        "DynamoDB_20120810" | "DynamoDBStreams_20120810" => Some(ServiceId::DynamoDb),
        "AWSCognitoIdentityProviderService" | "AWSCognitoIdentityService" | "AWSSecurityTokenServiceV20110615" => {
            Some(ServiceId::Cognito)
        }
        _ => None,
    }
}

fn service_from_signing_name(name: &str) -> Option<ServiceId> {
    match name {
        "s3" => Some(ServiceId::S3),
        "dynamodb" => Some(ServiceId::DynamoDb),
        "cognito-idp" | "cognito-identity" | "sts" => Some(ServiceId::Cognito),
        "appsync" => Some(ServiceId::AppSync),
        _ => None,
    }
}

/// The SigV4 scope's service name from `Authorization` or `X-Amz-Credential`.
pub fn signing_service(parts: &Parts) -> Option<String> {
    let cred = if let Some(auth) = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let idx = auth.find("Credential=")?;
        auth[idx + "Credential=".len()..].split([',', ' ']).next()?.to_string()
    } else {
        let q = parts.uri.query()?;
        let raw = q.split('&').find_map(|kv| kv.strip_prefix("X-Amz-Credential="))?;
        percent_decode(raw)
    };
    // KEY/DATE/REGION/SERVICE/aws4_request
    let mut it = cred.rsplit('/');
    let _terminator = it.next()?;
    it.next().map(str::to_string)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn host_of(parts: &Parts) -> Option<&str> {
    let h = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.host())?;
    Some(h.rsplit_once(':').filter(|(_, p)| p.bytes().all(|c| c.is_ascii_digit())).map_or(h, |(h, _)| h))
}

/// `/_amplocal/<service>/…`: a service's own internal endpoint (e.g. Cognito's code inbox).
/// No bucket can be named `_amplocal`, so this shadows no S3 path.
fn internal_service(path: &str) -> Option<ServiceId> {
    let rest = path.strip_prefix("/_amplocal/")?;
    match rest.split('/').next()? {
        "s3" => Some(ServiceId::S3),
        "dynamodb" => Some(ServiceId::DynamoDb),
        "cognito" => Some(ServiceId::Cognito),
        "appsync" | "graphql" => Some(ServiceId::AppSync),
        _ => None,
    }
}

/// Classify a request.
pub fn classify(parts: &Parts) -> ServiceId {
    if let Some(svc) = internal_service(parts.uri.path()) {
        return svc;
    }
    if let Some(svc) = parts.headers.get(&X_AMZ_TARGET).and_then(|v| v.to_str().ok()).and_then(service_from_target) {
        return svc;
    }
    if let Some(svc) = signing_service(parts).as_deref().and_then(service_from_signing_name) {
        return svc;
    }
    if let Some(host) = host_of(parts) {
        // Hosts arrive lower-case almost always: copy only when one is not.
        let lower;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        if host.contains(".appsync-api.") || host.contains(".appsync-realtime-api.") {
            return ServiceId::AppSync;
        }
        if host.starts_with("cognito-idp.") || host.starts_with("cognito-identity.") || host.starts_with("sts.") {
            return ServiceId::Cognito;
        }
        if host.starts_with("dynamodb.") || host.starts_with("streams.dynamodb.") {
            return ServiceId::DynamoDb;
        }
        if is_s3_virtual_host(host) {
            return ServiceId::S3;
        }
    }
    let path = parts.uri.path();
    if path == "/graphql" || path.starts_with("/graphql/") || path.starts_with("/v1/apis") {
        return ServiceId::AppSync;
    }
    if is_cognito_well_known(path) || is_unsigned_sts(parts) {
        return ServiceId::Cognito;
    }
    ServiceId::S3
}

/// `bucket.s3.localhost`, `bucket.localhost` (JS v3 / Amplify virtual-hosted addressing) and
/// LocalStack's `bucket.s3.localhost.localstack.cloud`: the bucket is in the host, so the path
/// (which may well be `/graphql`) belongs to S3.
fn is_s3_virtual_host(host: &str) -> bool {
    [".s3.localhost", ".s3.localhost.localstack.cloud", ".localhost"]
        .iter()
        .any(|suffix| host.strip_suffix(suffix).is_some_and(|bucket| !bucket.is_empty() && bucket != "s3"))
}

/// STS calls botocore sends unsigned (`AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`):
/// awsQuery on `/` with the `Action` in the query or in a form body. S3 never takes a
/// form-urlencoded POST on `/` nor an `Action` parameter.
fn is_unsigned_sts(parts: &Parts) -> bool {
    if parts.uri.path() != "/" {
        return false;
    }
    let action_in_query = parts.uri.query().is_some_and(|q| q.split('&').any(|kv| kv.starts_with("Action=")));
    let form_post = parts.method == http::Method::POST
        && parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    action_in_query || form_post
}

/// `/{region}_{id}/.well-known/jwks.json` and `/openid-configuration`.
fn is_cognito_well_known(path: &str) -> bool {
    let mut segs = path.trim_start_matches('/').splitn(2, '/');
    let (Some(pool), Some(rest)) = (segs.next(), segs.next()) else { return false };
    pool.contains('_') && (rest == ".well-known/jwks.json" || rest == ".well-known/openid-configuration")
}

#[cfg(test)]
mod tests;
