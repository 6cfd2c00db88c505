//! Authentication of a classified request: the `AuthPolicy` table per service and operation,
//! SigV4 verification against the `CredentialStore`, and the `RequestContext` it produces.
//!
//! (Skeleton: reads the scope's region and the access key but does not verify yet.)

use crate::classify::ServiceId;
use crate::state::AppState;
use amplocal_core::credentials::account_for_key;
use amplocal_core::{Caller, RequestContext, DEFAULT_REGION};
use axum::body::Body;
use axum::response::Response;
use http::request::Parts;

/// Authenticate `parts` for `svc`. On success returns the request context and the body
/// (which may have been buffered to check its hash); on failure a response already rendered
/// in the service's protocol.
pub async fn authenticate(
    state: &AppState,
    _svc: ServiceId,
    parts: &Parts,
    body: Body,
    request_id: String,
) -> Result<(RequestContext, Body), Response> {
    let (access_key, region) = scope(parts).unwrap_or_default();
    let region = if region.is_empty() { DEFAULT_REGION.to_string() } else { region };
    let account = if access_key.is_empty() { amplocal_core::DEFAULT_ACCOUNT.to_string() } else { account_for_key(&access_key) };
    let mut ctx = RequestContext::new(request_id, account, region, state.core.clock.now());
    if !access_key.is_empty() {
        ctx.caller = Some(Caller { access_key, session_token: None, verified: false, chunk_signing: None });
    }
    Ok((ctx, body))
}

/// (access key, region) from the Authorization header or presigned query.
fn scope(parts: &Parts) -> Option<(String, String)> {
    let cred = if let Some(auth) = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let idx = auth.find("Credential=")?;
        auth[idx + "Credential=".len()..].split([',', ' ']).next()?.to_string()
    } else {
        let q = parts.uri.query()?;
        let raw = q.split('&').find_map(|kv| kv.strip_prefix("X-Amz-Credential="))?;
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
    };
    let fields: Vec<&str> = cred.split('/').collect();
    if fields.len() < 5 {
        return None;
    }
    Some((fields[0].to_string(), fields[2].to_string()))
}
