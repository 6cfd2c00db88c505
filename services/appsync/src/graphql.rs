//! The GraphQL endpoint (`POST /graphql`, `/graphql/<apiId>`, host `<apiId>.appsync-api.localhost`):
//! request-level auth (<https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html>),
//! body parsing and AppSync's response shape — errors with `errorType`, `errorInfo`, `data`,
//! `path` and `locations[].sourceName` at the top level; 401 `UnauthorizedException` for a
//! missing or bad credential; 400 `MalformedHttpRequestException` for an unusable body.
//!
//! OIDC tokens are verified by [`crate::oidc`].
//!
//! Leaves out: Lambda tokens (401), GET requests. User-pool tokens are verified by
//! amplocal's Cognito (`attach_cognito`); per-field `@aws_*` checks live in `crate::schema`.

use crate::auth_rules::Identity;
use crate::control::api_modes;
use crate::executor::RequestAuth;
use crate::runtime::LoadedApi;
use crate::store::ApiRow;
use crate::transform::auth::AuthMode;
use crate::AppSyncService;
use amplocal_core::RequestContext;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

/// An error answered before execution (status + `errorType` + message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFailure {
    /// HTTP status.
    pub status: u16,
    /// `errorType`.
    pub error_type: &'static str,
    /// Message.
    pub message: String,
}

impl RequestFailure {
    fn unauthorized(message: &str) -> Self {
        Self { status: 401, error_type: "UnauthorizedException", message: message.into() }
    }

    fn malformed(message: &str) -> Self {
        Self { status: 400, error_type: "MalformedHttpRequestException", message: message.into() }
    }
}

/// Render a JSON body with AppSync's headers.
pub fn json_response(status: u16, body: &Value, request_id: &str, error_type: Option<&str>) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(t) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert("x-amzn-errortype", t);
    }
    resp
}

/// A rendered JSON body with AppSync's headers (status 200, no error type).
fn body_response(body: Vec<u8>, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(body));
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

fn failure_response(f: &RequestFailure, request_id: &str) -> Response {
    json_response(f.status, &json!({ "errors": [{ "errorType": f.error_type, "message": f.message }] }), request_id, Some(f.error_type))
}

/// The API id named by a host `<apiId>.appsync-api.<anything>` (or `appsync-realtime-api`).
pub fn api_id_from_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(http::header::HOST)?.to_str().ok()?;
    let (id, rest) = host.split_once('.')?;
    (rest.starts_with("appsync-api.") || rest.starts_with("appsync-realtime-api.")).then(|| id.to_string())
}

impl AppSyncService {
    /// Serve one GraphQL POST.
    pub async fn graphql(&self, ctx: &RequestContext, api_id: Option<String>, headers: &HeaderMap, body: &[u8]) -> Response {
        match self.graphql_inner(ctx, api_id, headers, body).await {
            Ok(v) => body_response(v, &ctx.request_id),
            Err(f) => failure_response(&f, &ctx.request_id),
        }
    }

    /// The API a data-plane request names (its id, or the first API), from the store's cache.
    pub(crate) async fn find_shared(&self, api_id: Option<String>) -> Result<Arc<ApiRow>, RequestFailure> {
        self.ensure_config_apis().await.map_err(|e| RequestFailure { status: 500, error_type: "InternalFailureException", message: e })?;
        let store = &self.inner.store;
        let internal = |e: crate::error::AppSyncError| RequestFailure { status: 500, error_type: "InternalFailureException", message: e.to_string() };
        let row = match &api_id {
            Some(id) => store.api_shared(id).await.map_err(internal)?,
            None => store.first_api().await.map_err(internal)?,
        };
        row.ok_or_else(|| RequestFailure {
            status: 404,
            error_type: "NotFoundException",
            message: match api_id {
                Some(id) => format!("GraphQL API {id} not found."),
                None => "No GraphQL API is loaded (start amplocal with --graphql-schema FILE or create one).".into(),
            },
        })
    }

    pub(crate) async fn authorize(&self, ctx: &RequestContext, row: &ApiRow, headers: &HeaderMap) -> Result<RequestAuth, RequestFailure> {
        let (default, additional) = api_modes(&row.body);
        let enabled = |m: AuthMode| default == m || additional.contains(&m);
        if let Some(key) = headers.get("x-api-key") {
            let key = key.to_str().unwrap_or_default();
            if !enabled(AuthMode::ApiKey) {
                return Err(RequestFailure::unauthorized("You are not authorized to make this call."));
            }
            let now = amplocal_core::clock::epoch_secs(ctx.now) as i64;
            let keys = self.inner.store.keys_shared(&row.api_id).await.map_err(|e| RequestFailure { status: 500, error_type: "InternalFailureException", message: e.to_string() })?;
            return match keys.iter().find(|k| k.id == key) {
                Some(k) if k.expires > now => Ok(RequestAuth::mode(AuthMode::ApiKey)),
                _ => Err(RequestFailure::unauthorized("You are not authorized to make this call.")),
            };
        }
        if let Some(auth) = headers.get(http::header::AUTHORIZATION) {
            let auth = auth.to_str().unwrap_or_default().trim();
            if auth.starts_with("AWS4-") {
                return if enabled(AuthMode::Iam) && ctx.caller.is_some() {
                    Ok(RequestAuth::mode(AuthMode::Iam))
                } else {
                    Err(RequestFailure::unauthorized("You are not authorized to make this call."))
                };
            }
            if enabled(AuthMode::UserPools) {
                if let Some(identity) = self.user_pool_identity(row, auth).await {
                    return Ok(RequestAuth { mode: AuthMode::UserPools, identity: Some(Arc::new(identity)) });
                }
            }
            if enabled(AuthMode::Oidc) {
                if let Some(cfg) = crate::oidc::OidcConfig::of_api(&row.body) {
                    if let Some(identity) = self.local_pool_oidc_identity(&cfg, auth).await {
                        return Ok(RequestAuth { mode: AuthMode::Oidc, identity: Some(Arc::new(identity)) });
                    }
                    if let Some(identity) = self.inner.oidc.verify(&cfg, auth, ctx.now).await {
                        return Ok(RequestAuth { mode: AuthMode::Oidc, identity: Some(Arc::new(identity)) });
                    }
                }
            }
            return Err(RequestFailure::unauthorized("Valid authorization header not provided."));
        }
        Err(RequestFailure::unauthorized("Missing authorization header"))
    }

    /// Verify a raw or `Bearer` ID / access token against amplocal's Cognito: the API's
    /// configured pool, or (none configured) any pool of the API's account.
    async fn user_pool_identity(&self, row: &ApiRow, header: &str) -> Option<Identity> {
        let cognito = self.inner.cognito.get()?;
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        let claims = cognito.verify_token(token).await.ok()?;
        let configured: Vec<&str> = std::iter::once(&row.body)
            .chain(row.body.get("additionalAuthenticationProviders").and_then(Value::as_array).into_iter().flatten())
            .filter_map(|p| p.get("userPoolConfig")?.get("userPoolId")?.as_str())
            .filter(|id| !id.is_empty())
            .collect();
        let pool_ok = if configured.is_empty() { claims.account_id == row.account } else { configured.contains(&claims.pool_id.as_str()) };
        pool_ok.then_some(Identity { sub: claims.sub, username: claims.username, groups: claims.groups, claims: claims.claims })
    }

    /// OIDC whose issuer is an amplocal user pool (its `https://cognito-idp…/<pool>` or local
    /// issuer URL): the token is verified by Cognito in process, no JWKS fetch; `clientId`
    /// checked against `aud` / `client_id`.
    async fn local_pool_oidc_identity(&self, cfg: &crate::oidc::OidcConfig, header: &str) -> Option<Identity> {
        let cognito = self.inner.cognito.get()?;
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        let claims = cognito.verify_token(token).await.ok()?;
        let iss = claims.claims.get("iss").and_then(Value::as_str)?.trim_end_matches('/');
        if iss != cfg.issuer || cfg.client_id.as_ref().is_some_and(|c| *c != claims.client_id) {
            return None;
        }
        Some(Identity { sub: claims.sub, username: claims.username, groups: claims.groups, claims: claims.claims })
    }

    async fn graphql_inner(&self, ctx: &RequestContext, api_id: Option<String>, headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, RequestFailure> {
        let row = self.find_shared(api_id).await?;
        let mode = self.authorize(ctx, &row, headers).await?;
        let loaded = match self.inner.runtime.get(&row).await {
            Ok(Some(l)) => l,
            Ok(None) => return Err(RequestFailure { status: 400, error_type: "BadRequestException", message: "The API has no schema.".into() }),
            Err(e) => return Err(RequestFailure { status: 400, error_type: "BadRequestException", message: e }),
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(RequestFailure::malformed("Request body is empty."));
        }
        let mut request = parse_request(body).ok_or_else(|| RequestFailure::malformed("Unable to parse GraphQL query."))?;
        self.inner.runtime.prepare(&mut request);
        Ok(execute_rendered(&loaded, request.data(mode)).await)
    }
}

/// The usual body, read straight into the request's types (no JSON tree for the variables).
#[derive(serde::Deserialize)]
struct GraphqlBody {
    query: String,
    #[serde(default)]
    variables: Option<async_graphql::Variables>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<Value>,
}

fn parse_request(body: &[u8]) -> Option<async_graphql::Request> {
    // Only an object body (serde would also read a struct from an array); anything the typed
    // read refuses (a duplicate field, a non-string query, variables that are not an object)
    // is decided by the general path below, as before.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        if let Ok(b) = serde_json::from_slice::<GraphqlBody>(body) {
            let mut req = async_graphql::Request::new(b.query);
            if let Some(vars) = b.variables {
                req = req.variables(vars);
            }
            if let Some(op) = b.operation_name.as_ref().and_then(Value::as_str) {
                req = req.operation_name(op);
            }
            return Some(req);
        }
    }
    parse_request_tree(body)
}

fn parse_request_tree(body: &[u8]) -> Option<async_graphql::Request> {
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else { return None };
    // Taken out of the parsed body, not copied.
    let Some(Value::String(query)) = obj.remove("query") else { return None };
    let mut req = async_graphql::Request::new(query);
    match obj.remove("variables") {
        None | Some(Value::Null) => {}
        Some(vars @ Value::Object(_)) => req = req.variables(async_graphql::Variables::from_json(vars)),
        Some(_) => return None,
    }
    if let Some(op) = obj.get("operationName").and_then(Value::as_str) {
        req = req.operation_name(op);
    }
    Some(req)
}

/// Drop async-graphql's "non-null types require a return value" follow-up of a field that
/// already carries an error at the same path (AppSync reports the field error once).
pub fn dedupe_errors(errors: Vec<async_graphql::ServerError>) -> Vec<async_graphql::ServerError> {
    let reported: Vec<_> = errors.iter().filter(|e| e.extensions.is_some()).map(|e| e.path.clone()).collect();
    errors.into_iter().filter(|e| !(e.message.starts_with("internal: non-null types require") && reported.contains(&e.path))).collect()
}

/// Run `request`, publish its mutation results, and return what the response is made of:
/// the data, the (deduplicated) errors, and whether `data` belongs in the response.
async fn run(api: &Arc<LoadedApi>, request: async_graphql::Request) -> (async_graphql::Value, Vec<async_graphql::ServerError>, bool) {
    let log = Arc::new(crate::subscription::hub::MutationLog::default());
    let mut resp = api.schema.execute(request.data(log.clone())).await;
    resp.errors = dedupe_errors(resp.errors);
    let executed: Vec<(String, String)> = std::mem::take(&mut *log.0.lock().unwrap_or_else(|p| p.into_inner()));
    if let async_graphql::Value::Object(fields) = &resp.data {
        for (mutation, key) in executed.into_iter().filter(|_| api.hub.has_subscribers()) {
            if let Some(v) = fields.get(key.as_str()).filter(|v| !matches!(v, async_graphql::Value::Null)) {
                if let Ok(v) = v.clone().into_json() {
                    api.hub.publish(&mutation, v);
                }
            }
        }
    }
    let not_null = !matches!(resp.data, async_graphql::Value::Null);
    let with_data = resp.errors.iter().any(|e| !e.path.is_empty()) || not_null || resp.errors.is_empty();
    (resp.data, resp.errors, with_data)
}

/// Execute and shape the response as AppSync does.
/// Mutation results are published to subscribers as the mutation selected them.
pub async fn execute(api: &Arc<LoadedApi>, request: async_graphql::Request) -> Value {
    let (data, errors, with_data) = run(api, request).await;
    execute_shape(data, &errors, with_data)
}

/// [`execute`] rendered as the response body (the same bytes, written straight from the
/// executor's values instead of through a JSON tree).
pub async fn execute_rendered(api: &Arc<LoadedApi>, request: async_graphql::Request) -> Vec<u8> {
    let (data, errors, with_data) = run(api, request).await;
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    if with_data {
        out.extend_from_slice(b"\"data\":");
        if serde_json::to_writer(&mut out, &data).is_err() {
            // Not reachable for executor output (no non-string keys); keep the tree's answer.
            return serde_json::to_vec(&execute_shape(data, &errors, with_data)).unwrap_or_default();
        }
    }
    if !errors.is_empty() {
        if with_data {
            out.push(b',');
        }
        out.extend_from_slice(b"\"errors\":");
        let shaped: Vec<Value> = errors.iter().map(shape_error).collect();
        if serde_json::to_writer(&mut out, &shaped).is_err() {
            return serde_json::to_vec(&execute_shape(data, &errors, with_data)).unwrap_or_default();
        }
    }
    out.push(b'}');
    out
}

fn execute_shape(data: async_graphql::Value, errors: &[async_graphql::ServerError], with_data: bool) -> Value {
    let mut out = serde_json::Map::new();
    if with_data {
        out.insert("data".into(), data.into_json().unwrap_or(Value::Null));
    }
    if !errors.is_empty() {
        out.insert("errors".into(), Value::Array(errors.iter().map(shape_error).collect()));
    }
    Value::Object(out)
}

fn shape_error(e: &async_graphql::ServerError) -> Value {
    let locations: Vec<Value> = e.locations.iter().map(|l| json!({ "line": l.line, "column": l.column, "sourceName": null })).collect();
    let path = if e.path.is_empty() { Value::Null } else { serde_json::to_value(&e.path).unwrap_or(Value::Null) };
    let error_type = e.extensions.as_ref().and_then(|x| x.get("errorType")).and_then(|v| v.clone().into_json().ok());
    let mut o = serde_json::Map::new();
    o.insert("path".into(), path);
    if let Some(t) = error_type {
        o.insert("data".into(), Value::Null);
        o.insert("errorType".into(), t);
        o.insert("errorInfo".into(), Value::Null);
    }
    o.insert("locations".into(), Value::Array(locations));
    o.insert("message".into(), Value::String(e.message.clone()));
    Value::Object(o)
}

#[cfg(test)]
mod tests;
