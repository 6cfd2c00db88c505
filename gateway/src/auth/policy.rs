//! The `AuthPolicy` table: what each service and operation demands before its router sees the
//! request. One table, first match wins; no scattered conditions.
//! Sources: botocore `authtype` per operation (cognito-idp 2016-04-18: 34 unsigned operations;
//! cognito-identity: `GetId`, `GetCredentialsForIdentity`, `GetOpenIdToken`, `UnlinkIdentity`;
//! STS: `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`), AppSync's data-plane auth modes
//! (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html).

use crate::classify::ServiceId;
use amplocal_core::protocol::aws_json::split_target;
use amplocal_core::sigv4::canonical::query_pairs;
use http::request::Parts;

/// What the gateway requires of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPolicy {
    /// A SigV4 signature must be present and (for known keys) valid.
    Required,
    /// Unsigned requests pass; a signature that is present is checked.
    Optional,
    /// Only an AWS signature is checked; anything else (API key, JWT, POST-policy form) is the
    /// service's to judge.
    Delegated,
    /// No authentication at all.
    Public,
    /// S3: anonymous allowed in lenient mode, signed otherwise; SigV2 accepted.
    S3,
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy)]
enum Match {
    /// Every request of the service.
    Any,
    /// The HTTP method.
    Method(&'static str),
    /// `X-Amz-Target: <prefix>.<op>` with `op` in the list.
    Target(&'static str, &'static [&'static str]),
    /// STS `Action=` (query or form body) in the list.
    StsAction(&'static [&'static str]),
    /// The path starts with this.
    PathPrefix(&'static str),
    /// The path ends with this.
    PathSuffix(&'static str),
    /// `POST` with `multipart/form-data` (S3 browser POST-policy upload).
    FormPost,
}

/// cognito-idp operations botocore marks `authtype: none` (called without credentials).
pub const COGNITO_IDP_PUBLIC: &[&str] = &[
    "SignUp", "ConfirmSignUp", "ResendConfirmationCode", "ForgotPassword", "ConfirmForgotPassword",
    "InitiateAuth", "RespondToAuthChallenge",
    "GetTokensFromRefreshToken", "RevokeToken", "GlobalSignOut", "ListUserSessions", "RevokeUserSession",
    "GetUser", "UpdateUserAttributes", "DeleteUserAttributes", "DeleteUser", "ChangePassword", "VerifyUserAttribute",
    "GetUserAttributeVerificationCode",
    "AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference", "SetUserSettings", "GetUserAuthFactors",
    "ConfirmDevice", "ForgetDevice", "GetDevice", "ListDevices", "UpdateDeviceStatus",
    "StartWebAuthnRegistration", "CompleteWebAuthnRegistration", "ListWebAuthnCredentials", "DeleteWebAuthnCredential",
    "UpdateAuthEventFeedback",
];

/// cognito-identity operations called without credentials.
pub const COGNITO_IDENTITY_PUBLIC: &[&str] = &["GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "UnlinkIdentity"];

/// STS actions called without credentials.
pub const STS_PUBLIC: &[&str] = &["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"];

/// The table. `None` as service means every service.
const TABLE: &[(Option<ServiceId>, Match, AuthPolicy)] = &[
    (None, Match::Method("OPTIONS"), AuthPolicy::Public),
    (None, Match::PathPrefix("/_amplocal/"), AuthPolicy::Public),
    (Some(ServiceId::Cognito), Match::PathSuffix("/.well-known/jwks.json"), AuthPolicy::Public),
    (Some(ServiceId::Cognito), Match::PathSuffix("/.well-known/openid-configuration"), AuthPolicy::Public),
    (Some(ServiceId::Cognito), Match::Target("AWSCognitoIdentityProviderService", COGNITO_IDP_PUBLIC), AuthPolicy::Optional),
    (Some(ServiceId::Cognito), Match::Target("AWSCognitoIdentityService", COGNITO_IDENTITY_PUBLIC), AuthPolicy::Optional),
    (Some(ServiceId::Cognito), Match::StsAction(STS_PUBLIC), AuthPolicy::Optional),
    (Some(ServiceId::Cognito), Match::Any, AuthPolicy::Required),
    (Some(ServiceId::DynamoDb), Match::Any, AuthPolicy::Required),
    (Some(ServiceId::AppSync), Match::PathPrefix("/v1/"), AuthPolicy::Required),
    (Some(ServiceId::AppSync), Match::Any, AuthPolicy::Delegated),
    (Some(ServiceId::S3), Match::FormPost, AuthPolicy::Delegated),
    (Some(ServiceId::S3), Match::Any, AuthPolicy::S3),
];

/// The STS `Action` of a request: the query's, else a form body's.
pub fn sts_action(parts: &Parts, body: Option<&[u8]>) -> Option<String> {
    let from_query = parts.uri.query().and_then(|q| query_pairs(q).into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v));
    from_query.or_else(|| {
        let ct = parts.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return None;
        }
        query_pairs(&String::from_utf8_lossy(body?)).into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v)
    })
}

fn matches(m: Match, parts: &Parts, body: Option<&[u8]>) -> bool {
    let path = parts.uri.path();
    match m {
        Match::Any => true,
        Match::Method(method) => parts.method.as_str() == method,
        Match::Target(prefix, ops) => parts
            .headers
            .get(&crate::classify::X_AMZ_TARGET)
            .and_then(|v| v.to_str().ok())
            .and_then(split_target)
            .is_some_and(|(p, op)| p == prefix && ops.contains(&op)),
        Match::StsAction(actions) => {
            parts.headers.get(&crate::classify::X_AMZ_TARGET).is_none() && sts_action(parts, body).is_some_and(|a| actions.contains(&a.as_str()))
        }
        Match::PathPrefix(p) => path.starts_with(p),
        Match::PathSuffix(s) => path.ends_with(s),
        Match::FormPost => {
            parts.method == http::Method::POST
                && parts
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"))
        }
    }
}

/// The policy of a request (`body` is the buffered body when the service's bodies are
/// buffered; only STS form posts need it).
pub fn policy_for(svc: ServiceId, parts: &Parts, body: Option<&[u8]>) -> AuthPolicy {
    TABLE
        .iter()
        .find(|(s, m, _)| s.is_none_or(|s| s == svc) && matches(*m, parts, body))
        .map_or(AuthPolicy::Required, |(_, _, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn table() {
        let idp = |op: &str| req("POST", "/", &[("x-amz-target", &format!("AWSCognitoIdentityProviderService.{op}"))]);
        assert_eq!(COGNITO_IDP_PUBLIC.len(), 34);
        for op in COGNITO_IDP_PUBLIC {
            assert_eq!(policy_for(ServiceId::Cognito, &idp(op), None), AuthPolicy::Optional, "{op}");
        }
        for op in ["AdminInitiateAuth", "AdminRespondToAuthChallenge", "ListUserPools", "CreateUserPool", "AdminGetUser", "ListUsers"] {
            assert_eq!(policy_for(ServiceId::Cognito, &idp(op), None), AuthPolicy::Required, "{op}");
        }
        let ident = |op: &str| req("POST", "/", &[("x-amz-target", &format!("AWSCognitoIdentityService.{op}"))]);
        assert_eq!(policy_for(ServiceId::Cognito, &ident("GetId"), None), AuthPolicy::Optional);
        assert_eq!(policy_for(ServiceId::Cognito, &ident("GetCredentialsForIdentity"), None), AuthPolicy::Optional);
        assert_eq!(policy_for(ServiceId::Cognito, &ident("CreateIdentityPool"), None), AuthPolicy::Required);
        let sts = req("POST", "/", &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")]);
        assert_eq!(policy_for(ServiceId::Cognito, &sts, Some(b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15")), AuthPolicy::Optional);
        assert_eq!(policy_for(ServiceId::Cognito, &sts, Some(b"Action=GetCallerIdentity&Version=2011-06-15")), AuthPolicy::Required);
        let sts_get = req("GET", "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15", &[]);
        assert_eq!(policy_for(ServiceId::Cognito, &sts_get, None), AuthPolicy::Optional);
        assert_eq!(policy_for(ServiceId::Cognito, &req("GET", "/us-east-1_abc/.well-known/jwks.json", &[]), None), AuthPolicy::Public);
        assert_eq!(policy_for(ServiceId::Cognito, &req("GET", "/us-east-1_abc/.well-known/openid-configuration", &[]), None), AuthPolicy::Public);
        let ddb = req("POST", "/", &[("x-amz-target", "DynamoDB_20120810.ListTables")]);
        assert_eq!(policy_for(ServiceId::DynamoDb, &ddb, None), AuthPolicy::Required);
        assert_eq!(policy_for(ServiceId::DynamoDb, &req("OPTIONS", "/", &[]), None), AuthPolicy::Public);
        assert_eq!(policy_for(ServiceId::AppSync, &req("GET", "/v1/apis", &[]), None), AuthPolicy::Required);
        assert_eq!(policy_for(ServiceId::AppSync, &req("POST", "/graphql", &[]), None), AuthPolicy::Delegated);
        assert_eq!(policy_for(ServiceId::AppSync, &req("GET", "/graphql/realtime", &[]), None), AuthPolicy::Delegated);
        assert_eq!(policy_for(ServiceId::S3, &req("GET", "/bucket/key", &[]), None), AuthPolicy::S3);
        assert_eq!(policy_for(ServiceId::S3, &req("POST", "/bucket", &[("content-type", "multipart/form-data; boundary=x")]), None), AuthPolicy::Delegated);
        assert_eq!(policy_for(ServiceId::S3, &req("OPTIONS", "/bucket/key", &[]), None), AuthPolicy::Public);
        assert_eq!(policy_for(ServiceId::Cognito, &req("GET", "/_amplocal/cognito/codes", &[]), None), AuthPolicy::Public);
    }
}
