//! Authentication of a classified request: the [`AuthPolicy`] table per service and operation
//! (`auth/policy.rs`), SigV4/SigV2 verification against the `CredentialStore` by
//! `amplocal_core::sigv4::authorize`, and failures rendered in the target service's protocol
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
use amplocal_core::sigv4::authorize::virtual_host_bucket;
use amplocal_core::sigv4::canonical::RequestParts;
use amplocal_core::sigv4::{authorize_request, Payload};
use amplocal_core::{Caller, CredentialMode, CredentialStore, RequestContext, DEFAULT_ACCOUNT, DEFAULT_REGION};
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use std::time::SystemTime;

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
/// protocol. [`buffers_body`], [`read_body`] and [`decide`] are its steps, for callers that
/// keep their own future small (the gateway's dispatcher).
pub async fn authenticate(state: &AppState, svc: ServiceId, parts: &Parts, body: Body, request_id: String) -> Result<(RequestContext, Body), Response> {
    let body = if buffers_body(svc, parts) {
        match read_body(parts, body).await {
            Ok(b) => RequestBody::Buffered(b),
            Err(f) => return Err(render_unreadable(state, svc, parts, &f, &request_id)),
        }
    } else {
        RequestBody::Streamed(body)
    };
    match decide(state, svc, parts, body, request_id) {
        Decision::Pass(ctx, body) => Ok((ctx, body)),
        Decision::Fail(resp) => Err(resp),
    }
}

/// The body as authentication leaves it.
#[derive(Debug)]
pub enum RequestBody {
    /// Read in full (JSON services, signed AppSync): its hash can be checked.
    Buffered(Bytes),
    /// Left to the service (S3, unsigned AppSync data plane).
    Streamed(Body),
}

/// Read a body [`buffers_body`] says must be buffered (at most [`MAX_BUFFERED_BODY`]).
pub async fn read_body(parts: &Parts, body: Body) -> Result<Bytes, AuthFailure> {
    read_result(body_reader(parts, body)?.await)
}

/// The future reading a body [`buffers_body`] says must be buffered, as a named type (the
/// gateway's dispatcher holds it in its own future); `Err` when the declared length is already
/// over [`MAX_BUFFERED_BODY`]. Finish with [`read_result`].
pub fn body_reader(parts: &Parts, body: Body) -> Result<BodyReader, AuthFailure> {
    if declared_length(parts).is_some_and(|n| n > MAX_BUFFERED_BODY as u64) {
        return Err(AuthFailure::TooLarge(MAX_BUFFERED_BODY));
    }
    Ok(http_body_util::BodyExt::collect(http_body_util::Limited::new(body, MAX_BUFFERED_BODY)))
}

/// See [`body_reader`].
pub type BodyReader = http_body_util::combinators::Collect<http_body_util::Limited<Body>>;

/// What [`body_reader`]'s future produced, as [`read_body`] reports it.
pub fn read_result(r: Result<http_body_util::Collected<Bytes>, Box<dyn std::error::Error + Send + Sync>>) -> Result<Bytes, AuthFailure> {
    match r {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(AuthFailure::TooLarge(MAX_BUFFERED_BODY)),
        Err(_) => Err(AuthFailure::BodyUnreadable),
    }
}

fn declared_length(parts: &Parts) -> Option<u64> {
    parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok())
}

/// The response to a body [`read_body`] could not read.
pub fn render_unreadable(state: &AppState, svc: ServiceId, parts: &Parts, failure: &AuthFailure, request_id: &str) -> Response {
    failure::render(failure, flavor_for(state, svc, parts, None), request_id, state.core.clock.now())
}

/// What [`decide`] concluded.
#[derive(Debug)]
pub enum Decision {
    /// The request may proceed as `RequestContext`, with this body.
    Pass(RequestContext, Body),
    /// The failure, rendered in the service's protocol.
    Fail(Response),
}

/// Authenticate once the body is read (or left streaming): the request context and the body
/// for the service, or the failure rendered in the service's protocol.
pub fn decide(state: &AppState, svc: ServiceId, parts: &Parts, body: RequestBody, request_id: String) -> Decision {
    let now = state.core.clock.now();
    let (buffered, body) = match body {
        RequestBody::Buffered(b) => (Some(b.clone()), Body::from(b)),
        RequestBody::Streamed(b) => (None, b),
    };
    let policy = policy_for(svc, parts, buffered.as_deref());
    let input = AuthInput { svc, policy, parts, body: buffered.as_deref() };
    match evaluate(&state.core.credentials, &input, now) {
        Ok(a) => {
            let mut ctx = RequestContext::new(request_id, a.account_id, a.region, now);
            ctx.caller = a.caller;
            Decision::Pass(ctx, body)
        }
        Err(f) => {
            tracing::debug!(service = svc.name(), failure = ?f, "authentication failed");
            Decision::Fail(failure::render(&f, flavor_for(state, svc, parts, buffered.as_deref()), &request_id, now))
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
pub fn buffers_body(svc: ServiceId, parts: &Parts) -> bool {
    match svc {
        ServiceId::S3 => false,
        ServiceId::DynamoDb | ServiceId::Cognito => true,
        ServiceId::AppSync => parts.uri.path().starts_with("/v1/") || carries_aws_auth(parts),
    }
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
    parts.headers.get(&crate::classify::X_AMZ_TARGET).is_none()
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

/// Decide, without I/O, whether the request may proceed and as whom: the policy decides
/// what an unsigned request gets; a signed one goes through `amplocal_core::sigv4::authorize`.
pub fn evaluate(creds: &CredentialStore, input: &AuthInput<'_>, now: SystemTime) -> Result<Authenticated, AuthFailure> {
    let anonymous = || Authenticated { account_id: DEFAULT_ACCOUNT.into(), region: DEFAULT_REGION.into(), caller: None };
    if input.policy == AuthPolicy::Public {
        return Ok(anonymous());
    }
    let req = request_parts(input.parts);
    // Only S3 has virtual-hosted buckets: other services skip the host parsing.
    let host_bucket = if input.svc == ServiceId::S3 { host_bucket(input.parts) } else { None };
    let payload = match input.svc {
        ServiceId::S3 => Payload::S3 { host_bucket: host_bucket.as_deref() },
        _ => Payload::Body(input.body.unwrap_or_default()),
    };
    match authorize_request(creds, &req, payload, now)? {
        Some(a) => Ok(Authenticated { account_id: a.account_id, region: a.region, caller: Some(a.caller) }),
        None => match input.policy {
            AuthPolicy::Required => Err(AuthFailure::Missing),
            AuthPolicy::S3 if creds.mode() == CredentialMode::Strict => Err(AuthFailure::Missing),
            _ => Ok(anonymous()),
        },
    }
}

/// The bucket of a virtual-hosted S3 request, from `Host` (or the HTTP/2 authority).
fn host_bucket(parts: &Parts) -> Option<String> {
    let host = parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).or_else(|| parts.uri.host())?;
    virtual_host_bucket(host)
}

#[cfg(test)]
mod tests;
