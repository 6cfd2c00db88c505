//! Authentication of a classified request: the [`AuthPolicy`] table per service and operation
//! (`auth/policy.rs`), SigV4/SigV2 verification against the `CredentialStore` with the math in
//! `amplocal_core::sigv4`, and failures rendered in the target service's protocol
//! (`auth/failure.rs`). See ARCHITECTURE.md "credentials" for the lenient/strict modes and
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html for SigV4.
//!
//! JSON services (DynamoDB, Cognito, STS, AppSync) have their body buffered (capped) so its
//! SHA-256 can be signed; S3 bodies are never buffered: a literal `x-amz-content-sha256` is
//! checked by the S3 service while it streams the body, and signed aws-chunked bodies get a
//! [`ChunkSigning`] in the caller so S3 can verify each chunk.
//! Leaves out: SigV4a, S3 POST-policy signatures (delegated to S3), IAM policy evaluation.

pub mod failure;
pub mod policy;

use crate::classify::{signing_service, ServiceId};
use crate::state::AppState;
use amplocal_core::credentials::account_for_key;
use amplocal_core::sigv4::canonical::RequestParts;
use amplocal_core::sigv4::parse::QUERY_PARAMS_REQUIRED;
use amplocal_core::sigv4::signing::sha256_hex;
use amplocal_core::sigv4::verify::{candidate_uris, is_signed_streaming, s3_payload_hash};
use amplocal_core::sigv4::{check_header_time, check_presigned_time, parse_request_auth, sigv2, verify_v4};
use amplocal_core::sigv4::{AuthLocation, ParseError, RequestAuth, SigV4Auth, TimeError};
use amplocal_core::{Caller, ChunkSigning, CredentialMode, CredentialStore, RequestContext, DEFAULT_ACCOUNT, DEFAULT_REGION};
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use std::time::{Duration, SystemTime};

pub use failure::{AuthFailure, Flavor};
pub use policy::{policy_for, AuthPolicy};

/// The largest body buffered to check its hash (JSON services); larger requests get a 413.
pub const MAX_BUFFERED_BODY: usize = 16 * 1024 * 1024;

/// Who the request is from, once authentication passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// Account the request's data belongs to.
    pub account_id: String,
    /// Region from the SigV4 scope, else the default.
    pub region: String,
    /// The signer, when the request was signed.
    pub caller: Option<Caller>,
}

/// Everything [`evaluate`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct AuthInput<'a> {
    /// The classified service.
    pub svc: ServiceId,
    /// The policy from the table.
    pub policy: AuthPolicy,
    /// Request head.
    pub parts: &'a Parts,
    /// The buffered body (JSON services), `None` for S3.
    pub body: Option<&'a [u8]>,
}

/// Authenticate `parts` for `svc`. On success returns the request context and the body
/// (buffered for JSON services); on failure a response already rendered in the service's
/// protocol.
pub async fn authenticate(state: &AppState, svc: ServiceId, parts: &Parts, body: Body, request_id: String) -> Result<(RequestContext, Body), Response> {
    let now = state.core.clock.now();
    let (buffered, body) = if buffers_body(svc, parts) {
        match read_capped(parts, body, MAX_BUFFERED_BODY).await {
            Ok(b) => (Some(b.clone()), Body::from(b)),
            Err(f) => return Err(failure::render(&f, flavor_for(state, svc, parts, None), &request_id, now)),
        }
    } else {
        (None, body)
    };
    let policy = policy_for(svc, parts, buffered.as_deref());
    let input = AuthInput { svc, policy, parts, body: buffered.as_deref() };
    match evaluate(&state.core.credentials, &input, now) {
        Ok(a) => {
            let mut ctx = RequestContext::new(request_id, a.account_id, a.region, now);
            ctx.caller = a.caller;
            Ok((ctx, body))
        }
        Err(f) => {
            tracing::debug!(service = svc.name(), failure = ?f, "authentication failed");
            Err(failure::render(&f, flavor_for(state, svc, parts, buffered.as_deref()), &request_id, now))
        }
    }
}

/// Whether the request carries AWS authentication (a SigV4 header or presigned query).
fn carries_aws_auth(parts: &Parts) -> bool {
    let header = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|a| a.trim_start().starts_with("AWS4-"));
    header || parts.uri.query().is_some_and(|q| q.contains("X-Amz-Signature="))
}

/// JSON services' bodies are buffered (their hash is signed); S3 never; AppSync's data plane
/// only when it is SigV4-signed (API key / JWT requests and WebSocket upgrades pass as is).
fn buffers_body(svc: ServiceId, parts: &Parts) -> bool {
    match svc {
        ServiceId::S3 => false,
        ServiceId::DynamoDb | ServiceId::Cognito => true,
        ServiceId::AppSync => parts.uri.path().starts_with("/v1/") || carries_aws_auth(parts),
    }
}

async fn read_capped(parts: &Parts, body: Body, limit: usize) -> Result<Bytes, AuthFailure> {
    let declared = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AuthFailure::TooLarge(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let limit_hit = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if limit_hit {
            AuthFailure::TooLarge(limit)
        } else {
            AuthFailure::BodyUnreadable
        }
    })
}

/// The protocol an auth failure is rendered in: the service's, except STS (awsQuery) behind
/// the Cognito service and AppSync's data plane (`{"errors":[…]}`).
pub fn flavor_for(state: &AppState, svc: ServiceId, parts: &Parts, body: Option<&[u8]>) -> Flavor {
    let head = parts.method == http::Method::HEAD;
    match svc {
        ServiceId::S3 => Flavor::from_protocol(state.s3.protocol(), head),
        ServiceId::DynamoDb => Flavor::from_protocol(state.dynamodb.protocol(), head),
        ServiceId::Cognito if is_sts(parts, body) => Flavor::Query,
        ServiceId::Cognito => Flavor::from_protocol(state.cognito.protocol(), head),
        ServiceId::AppSync if parts.uri.path().starts_with("/v1/") => Flavor::from_protocol(state.appsync.protocol(), head),
        ServiceId::AppSync => Flavor::GraphQl,
    }
}

/// STS requests (awsQuery: no `X-Amz-Target`, scope service `sts` or an `Action`).
fn is_sts(parts: &Parts, body: Option<&[u8]>) -> bool {
    parts.headers.get("x-amz-target").is_none()
        && (signing_service(parts).as_deref() == Some("sts") || policy::sts_action(parts, body).is_some())
}

fn request_parts(parts: &Parts) -> RequestParts<'_> {
    RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        authority: parts.uri.authority().map(|a| a.as_str()),
    }
}

/// Decide, without I/O, whether the request may proceed and as whom.
pub fn evaluate(creds: &CredentialStore, input: &AuthInput<'_>, now: SystemTime) -> Result<Authenticated, AuthFailure> {
    let anonymous = || Authenticated { account_id: DEFAULT_ACCOUNT.into(), region: DEFAULT_REGION.into(), caller: None };
    if input.policy == AuthPolicy::Public {
        return Ok(anonymous());
    }
    let req = request_parts(input.parts);
    let parsed = parse_request_auth(&req).map_err(|e| match e {
        ParseError::HeaderMalformed(m) => AuthFailure::HeaderMalformed(m),
        ParseError::UnsupportedAlgorithm(_) => AuthFailure::HeaderMalformed(e.to_string()),
        ParseError::QueryMalformed(m) => AuthFailure::QueryMalformed(m),
        ParseError::MissingDate => AuthFailure::MissingDate,
    })?;
    // SigV2 is S3's alone.
    let parsed = parsed.filter(|a| input.svc == ServiceId::S3 || matches!(a, RequestAuth::V4(_)));
    let strict = creds.mode() == CredentialMode::Strict;
    let Some(auth) = parsed else {
        return match input.policy {
            AuthPolicy::Required => Err(AuthFailure::Missing),
            AuthPolicy::S3 if strict => Err(AuthFailure::Missing),
            _ => Ok(anonymous()),
        };
    };
    let region = match &auth {
        RequestAuth::V4(a) => a.region.clone(),
        _ => DEFAULT_REGION.to_string(),
    };
    let access_key = auth.access_key().to_string();
    let session_token = auth.session_token().map(str::to_string);
    let Some(cred) = creds.get(&access_key) else {
        if strict {
            return Err(AuthFailure::UnknownKey(access_key));
        }
        let account_id = account_for_key(&access_key);
        return Ok(Authenticated { account_id, region, caller: Some(Caller { access_key, session_token, verified: false, chunk_signing: None }) });
    };
    if cred.is_expired(now) {
        return Err(AuthFailure::ExpiredToken);
    }
    if let Some(expected) = &cred.session_token {
        if session_token.as_deref() != Some(expected.as_str()) {
            return Err(AuthFailure::InvalidToken);
        }
    }
    let chunk_signing = match &auth {
        RequestAuth::V4(a) => verify_sigv4(input, &req, a, &cred.secret, now)?,
        RequestAuth::V2Query { signature, expires, .. } => {
            let exp: u64 = expires.trim().parse().map_err(|_| AuthFailure::QueryMalformed(format!("Invalid date (should be seconds since epoch): {expires}")))?;
            let expired_at = SystemTime::UNIX_EPOCH + Duration::from_secs(exp);
            if now > expired_at {
                return Err(AuthFailure::Time(TimeError::Expired { expired_at, now, expires_secs: 0 }));
            }
            verify_sigv2(input.parts, &req, &access_key, &cred.secret, signature, expires)?;
            None
        }
        RequestAuth::V2Header { signature, .. } => {
            let date = if input.parts.headers.contains_key("x-amz-date") {
                String::new()
            } else {
                input.parts.headers.get(http::header::DATE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
            };
            verify_sigv2(input.parts, &req, &access_key, &cred.secret, signature, &date)?;
            None
        }
    };
    Ok(Authenticated {
        account_id: cred.account_id.clone(),
        region,
        caller: Some(Caller { access_key, session_token, verified: true, chunk_signing }),
    })
}

/// Time checks, payload hash and signature of a SigV4 request from a known key; returns the
/// chunk-signing context for S3 signed aws-chunked bodies.
fn verify_sigv4(input: &AuthInput<'_>, req: &RequestParts<'_>, a: &SigV4Auth, secret: &str, now: SystemTime) -> Result<Option<ChunkSigning>, AuthFailure> {
    let is_s3 = input.svc == ServiceId::S3;
    match a.location {
        AuthLocation::Header => check_header_time(a, now).map_err(AuthFailure::Time)?,
        AuthLocation::Query => {
            if is_s3 && a.expires.is_none() {
                return Err(AuthFailure::QueryMalformed(QUERY_PARAMS_REQUIRED.into()));
            }
            check_presigned_time(a, now).map_err(AuthFailure::Time)?
        }
    };
    let payload_hash = if is_s3 {
        s3_payload_hash(req, a).ok_or(AuthFailure::MissingContentSha256)?
    } else {
        sha256_hex(input.body.unwrap_or_default())
    };
    let v = verify_v4(req, a, secret, &payload_hash, &candidate_uris(req.path, is_s3));
    if !v.matched {
        return Err(AuthFailure::SignatureMismatch {
            access_key: a.access_key.clone(),
            provided: a.signature.clone(),
            canonical_request: v.canonical_request,
            string_to_sign: v.string_to_sign,
        });
    }
    let streaming = is_s3 && a.location == AuthLocation::Header && is_signed_streaming(&payload_hash);
    Ok(streaming.then(|| ChunkSigning { signing_key: v.signing_key, seed_signature: v.expected_signature, amz_date: a.amz_date.clone(), scope: a.scope() }))
}

fn verify_sigv2(parts: &Parts, req: &RequestParts<'_>, access_key: &str, secret: &str, signature: &str, date_or_expires: &str) -> Result<(), AuthFailure> {
    let mut resources = vec![req.path.to_string()];
    if let Some(bucket) = host_bucket(parts) {
        resources.push(format!("/{bucket}{}", req.path));
    }
    let v = sigv2::verify(req, secret, signature, date_or_expires, &resources);
    if v.matched {
        return Ok(());
    }
    Err(AuthFailure::SignatureMismatch {
        access_key: access_key.to_string(),
        provided: signature.to_string(),
        canonical_request: String::new(),
        string_to_sign: v.string_to_sign,
    })
}

/// The bucket of a virtual-hosted S3 request (`bucket.s3.localhost`, `bucket.localhost`,
/// `bucket.s3.<region>.amazonaws.com`, LocalStack's `*.localhost.localstack.cloud`).
fn host_bucket(parts: &Parts) -> Option<String> {
    let host = parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).or_else(|| parts.uri.host())?;
    let host = host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h).to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    for suffix in [".s3.localhost.localstack.cloud", ".localhost.localstack.cloud", ".s3.localhost", ".localhost", ".s3.amazonaws.com"] {
        if let Some(b) = host.strip_suffix(suffix) {
            return (!b.is_empty() && b != "s3").then(|| b.to_string());
        }
    }
    let idx = host.find(".s3.").or_else(|| host.find(".s3-"))?;
    (host.ends_with(".amazonaws.com") && idx > 0).then(|| host[..idx].to_string())
}

#[cfg(test)]
mod tests;
