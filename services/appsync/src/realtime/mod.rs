//! The real-time endpoint (<https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html>):
//! `GET /graphql/realtime` (also `/graphql/<apiId>/realtime` and the
//! `<apiId>.appsync-realtime-api.*` host) upgraded to a WebSocket with subprotocol
//! `graphql-ws`; handshake auth from `?header=<base64 JSON>` or a `header-<base64url>`
//! subprotocol; `connection_init` → `connection_ack {connectionTimeoutMs}` + `ka`;
//! `start` (per-subscription `extensions.authorization`) → `start_ack` / `error`; `data`;
//! `stop` → `complete`. The connection itself is [`session`]; its bounded queue of outgoing
//! frames is [`outbox`] (a connection that overflows it is closed with an error).
//!
//! IAM handshakes and starts carry SigV4 headers in their header JSON; their signatures are
//! verified (the `/connect` request with `{}`, the endpoint with the `data` string).
//!
//! Leaves out: the 100-subscriptions per connection quota, payload size limits.

use crate::graphql::RequestFailure;
use crate::AppSyncService;
use amplocal_core::sigv4::{authorize_request, AuthError, Payload, RequestParts};
use amplocal_core::{CredentialStore, RequestContext};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use serde_json::{json, Map, Value};

pub mod outbox;
mod session;

pub use outbox::OUTBOX;
pub use session::{CONNECTION_TIMEOUT_MS, KA_INTERVAL};

/// Initial WebSocket read buffer. tungstenite's default (128 KiB) made each idle socket cost
/// ~140 KiB of RSS, 4 KiB still ~4 KiB of the ~12 KiB a connection costs. Client messages are
/// small (`connection_init`, `start` with a token: 1–3 KiB) and the buffer grows to the size of
/// a larger message when one arrives.
pub const READ_BUFFER: usize = 512;

fn decode_header_json(raw: &str) -> Option<Map<String, Value>> {
    let raw = raw.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(raw))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?.as_object().cloned()
}

/// The auth header map of the handshake: `?header=` or a `header-…` subprotocol.
fn handshake_headers(req: &Request) -> Option<Map<String, Value>> {
    if let Some(q) = req.uri().query() {
        for kv in q.split('&') {
            if let Some(v) = kv.strip_prefix("header=") {
                let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned();
                return decode_header_json(&v);
            }
        }
    }
    let protocols = req.headers().get(http::header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    protocols.split(',').map(str::trim).find_map(|p| p.strip_prefix("header-")).and_then(decode_header_json)
}

/// A JSON header map (`{"x-api-key": …, "Authorization": …}`) as HTTP headers.
fn header_map(m: &Map<String, Value>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in m {
        if let (Ok(name), Some(Ok(value))) = (http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()), v.as_str().map(http::HeaderValue::from_str)) {
            h.insert(name, value);
        }
    }
    h
}

/// AWS's message for a SigV4 signature mismatch.
const SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn sigv4_failure(e: AuthError) -> RequestFailure {
    let message = match e {
        AuthError::SignatureMismatch { .. } => SIGNATURE_MESSAGE.to_string(),
        AuthError::UnknownKey(_) | AuthError::InvalidToken => "The security token included in the request is invalid.".into(),
        AuthError::ExpiredToken => "The security token included in the request is expired".into(),
        AuthError::Time(t) => t.json_message(),
        AuthError::MissingDate => "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
        AuthError::HeaderMalformed(m) | AuthError::QueryMalformed(m) => m,
        AuthError::MissingContentSha256 => "Missing required header: x-amz-content-sha256".into(),
    };
    RequestFailure { status: 401, error_type: "UnauthorizedException", message }
}

/// IAM on the socket: the SigV4 headers travel inside the header JSON, signed (amplify-js
/// `authHeaders.ts`) as a `POST` of `body` to the GraphQL endpoint plus `/connect` with `{}`
/// (handshake) or to the endpoint itself with the `data` string (each `start`). The signature
/// is verified as the gateway verifies HTTP requests (unknown keys pass in lenient mode) against
/// each candidate path; the verified caller goes into the context.
fn signed_ctx(ctx: &RequestContext, creds: &CredentialStore, headers: &Map<String, Value>, paths: &[String], body: &[u8]) -> Result<RequestContext, RequestFailure> {
    let map = header_map(headers);
    let sigv4 = map.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|a| a.trim_start().starts_with("AWS4-"));
    if !sigv4 {
        return Ok(ctx.clone());
    }
    let mut failure = AuthError::MissingDate;
    for path in paths {
        let parts = RequestParts { method: "POST", path, query: "", headers: &map, authority: None };
        match authorize_request(creds, &parts, Payload::Body(body), ctx.now) {
            Ok(authorized) => {
                let mut ctx = ctx.clone();
                ctx.caller = authorized.map(|a| a.caller);
                return Ok(ctx);
            }
            Err(e @ AuthError::SignatureMismatch { .. }) => failure = e,
            Err(e) => return Err(sigv4_failure(e)),
        }
    }
    Err(sigv4_failure(failure))
}

/// The GraphQL endpoint path a realtime path belongs to (`/graphql/realtime` → `/graphql`).
fn endpoint_path(realtime_path: &str) -> String {
    let p = realtime_path.strip_suffix("/realtime").unwrap_or(realtime_path);
    if p.is_empty() { "/graphql".into() } else { p.to_string() }
}

impl AppSyncService {
    /// Upgrade a realtime request after authorizing its handshake headers.
    pub async fn realtime(&self, ctx: RequestContext, api_id: Option<String>, req: Request) -> Response {
        let unauthorized = |f: RequestFailure| crate::graphql::json_response(f.status, &json!({"errors": [{"errorType": f.error_type, "message": f.message}]}), &ctx.request_id, Some(f.error_type));
        let Some(headers) = handshake_headers(&req) else {
            return unauthorized(RequestFailure { status: 401, error_type: "UnauthorizedException", message: "Missing authorization header".into() });
        };
        // The cached row is shared by every connection to the API, not copied per connection.
        let row = match self.find_shared(api_id).await {
            Ok(r) => r,
            Err(f) => return unauthorized(f),
        };
        let endpoint = endpoint_path(req.uri().path());
        let connect_paths = [format!("{endpoint}/connect"), "/connect".to_string()];
        let signed = match signed_ctx(&ctx, &self.inner.core.credentials, &headers, &connect_paths, b"{}") {
            Ok(c) => c,
            Err(f) => return unauthorized(f),
        };
        if let Err(f) = self.authorize(&signed, &row, &header_map(&headers)).await {
            return unauthorized(f);
        }
        let (mut parts, _) = req.into_parts();
        let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => ws,
            Err(e) => return axum::response::IntoResponse::into_response(e),
        };
        let svc = self.clone();
        // Boxed: the upgrade's future holds the callback's captures until the connection ends.
        let pending = Box::new(session::Pending { ctx, row, endpoint });
        ws.protocols(["graphql-ws"]).read_buffer_size(READ_BUFFER).on_upgrade(move |socket| svc.start_session(pending, socket))
    }
}
