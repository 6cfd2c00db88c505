//! HTTP for AppSync: the restJson1 control plane under `/v1/apis…` (paths, query strings and
//! JSON bodies to typed calls on [`crate::control::Control`], errors via core's restJson1
//! renderer), the GraphQL data plane and the `/_amplocal/graphql` explorer ([`crate::graphiql`]).
//!
//! Leaves out: every control-plane route not listed in [`crate::control`] (answered
//! `BadRequestException`), the realtime WebSocket.

use crate::control::Endpoint;
use crate::error::AppSyncError;
use crate::graphql::api_id_from_host;
use crate::AppSyncService;
use amplocal_core::protocol::rest_json;
use amplocal_core::{OperationName, RequestContext};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use base64::Engine;
use http::Method;
use serde_json::{Map, Value};

const MAX_BODY: usize = 16 * 1024 * 1024;

pub(crate) fn query_param(req_query: Option<&str>, name: &str) -> Option<String> {
    req_query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

fn endpoint(req: &Request) -> Endpoint {
    let host = req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost:4566");
    Endpoint(format!("http://{host}"))
}

fn with_op(mut resp: Response, op: &'static str) -> Response {
    resp.extensions_mut().insert(OperationName(op));
    resp
}

/// Serve one request routed to AppSync.
pub async fn handle(svc: AppSyncService, req: Request) -> Response {
    let ctx = req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| svc.inner.core.internal_request(amplocal_core::DEFAULT_ACCOUNT, amplocal_core::DEFAULT_REGION));
    let path = req.uri().path().to_string();
    if path.starts_with("/v1/") {
        return control(svc, ctx, req).await;
    }
    if path == "/_amplocal/graphql" || path.starts_with("/_amplocal/graphql/") {
        let (method, query) = (req.method().clone(), req.uri().query().map(String::from));
        let body = axum::body::to_bytes(req.into_body(), 64 * 1024).await.unwrap_or_default();
        return with_op(svc.graphiql(&ctx, &method, &path, query.as_deref(), &body).await, "GraphiQL");
    }
    let host_api = api_id_from_host(req.headers());
    if req.method() == Method::GET {
        let realtime_id = match path.strip_prefix("/graphql").and_then(|r| r.strip_suffix("/realtime")) {
            Some("") => Some(host_api.clone()),
            Some(id) if id.starts_with('/') && !id[1..].contains('/') => Some(Some(id[1..].to_string())),
            _ => (path == "/graphql" && req.headers().contains_key(http::header::UPGRADE)).then(|| host_api.clone()),
        };
        if let Some(api_id) = realtime_id {
            return with_op(svc.realtime(ctx, api_id, req).await, "Realtime");
        }
    }
    let api_id = match path.strip_prefix("/graphql") {
        Some("") | Some("/") => host_api,
        Some(rest) if rest.strip_prefix('/').is_some_and(|id| !id.contains('/')) => Some(rest[1..].to_string()),
        _ => {
            let err = crate::graphql::json_response(404, &serde_json::json!({"errors": [{"errorType": "NotFoundException", "message": "Not found"}]}), &ctx.request_id, Some("NotFoundException"));
            return err;
        }
    };
    if req.method() != Method::POST {
        return crate::graphql::json_response(
            400,
            &serde_json::json!({"errors": [{"errorType": "MalformedHttpRequestException", "message": "Only POST is supported."}]}),
            &ctx.request_id,
            Some("MalformedHttpRequestException"),
        );
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    with_op(svc.graphql(&ctx, api_id, &parts.headers, &body).await, "GraphQL")
}

async fn control(svc: AppSyncService, ctx: RequestContext, req: Request) -> Response {
    if let Err(e) = svc.ensure_config_apis().await {
        return rest_json::error_response(&AppSyncError::Internal(amplocal_core::InternalError::new(e)), &ctx.request_id);
    }
    let ep = endpoint(&req);
    let method = req.method().clone();
    let query = req.uri().query().map(String::from);
    let segs: Vec<String> = req.uri().path().trim_start_matches("/v1/").split('/').map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY).await.unwrap_or_default();
    let json_body = || -> Result<Map<String, Value>, AppSyncError> {
        if body.is_empty() {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(AppSyncError::BadRequestException("Unable to parse the request body as JSON.".into())),
        }
    };
    let c = &svc.inner.control;
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let q = query.as_deref();
    let (op, result): (&'static str, Result<Value, AppSyncError>) = match (&method, s.as_slice()) {
        (&Method::POST, ["apis"]) => ("CreateGraphqlApi", async { c.create_graphql_api(&ctx, json_body()?, &ep).await }.await),
        (&Method::GET, ["apis"]) => {
            let max = query_param(q, "maxResults").map(|m| m.parse::<i64>().unwrap_or(-1));
            ("ListGraphqlApis", c.list_graphql_apis(&ctx, max, query_param(q, "nextToken").as_deref(), &ep).await)
        }
        (&Method::GET, ["apis", id]) => ("GetGraphqlApi", c.get_graphql_api(&ctx, id, &ep).await),
        (&Method::POST, ["apis", id]) => ("UpdateGraphqlApi", async { c.update_graphql_api(&ctx, id, json_body()?, &ep).await }.await),
        (&Method::POST, ["apis", id, "apikeys", key]) => (
            "UpdateApiKey",
            async {
                let b = json_body()?;
                let description = b.get("description").and_then(Value::as_str).map(String::from);
                let expires = match b.get("expires") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(v.as_i64().ok_or_else(|| AppSyncError::BadRequestException("expires must be a number".into()))?),
                };
                c.update_api_key(&ctx, id, key, description, expires).await
            }
            .await,
        ),
        (&Method::DELETE, ["apis", id]) => ("DeleteGraphqlApi", c.delete_graphql_api(&ctx, id).await),
        (&Method::POST, ["apis", id, "apikeys"]) => (
            "CreateApiKey",
            async {
                let b = json_body()?;
                let description = b.get("description").and_then(Value::as_str).map(String::from);
                let expires = match b.get("expires") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(v.as_i64().ok_or_else(|| AppSyncError::BadRequestException("expires must be a number".into()))?),
                };
                c.create_api_key(&ctx, id, description, expires).await
            }
            .await,
        ),
        (&Method::GET, ["apis", id, "apikeys"]) => ("ListApiKeys", c.list_api_keys(&ctx, id).await),
        (&Method::DELETE, ["apis", id, "apikeys", key]) => ("DeleteApiKey", c.delete_api_key(&ctx, id, key).await),
        (&Method::POST, ["apis", id, "schemacreation"]) => (
            "StartSchemaCreation",
            async {
                let b = json_body()?;
                let def = b.get("definition").and_then(Value::as_str).ok_or_else(|| AppSyncError::BadRequestException("definition is required".into()))?;
                let raw = base64::engine::general_purpose::STANDARD.decode(def).map_err(|_| AppSyncError::BadRequestException("definition must be base64".into()))?;
                c.start_schema_creation(&ctx, id, &raw).await
            }
            .await,
        ),
        (&Method::GET, ["apis", id, "schemacreation"]) => ("GetSchemaCreationStatus", c.get_schema_creation_status(&ctx, id).await),
        (&Method::GET, ["apis", id, "schema"]) => {
            let include = query_param(q, "includeDirectives").is_some_and(|v| v == "true");
            let fmt = query_param(q, "format");
            return with_op(
                match c.get_introspection_schema(&ctx, id, fmt.as_deref(), include).await {
                    Ok(bytes) => {
                        let mut r = Response::new(Body::from(bytes));
                        r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                        r
                    }
                    Err(e) => rest_json::error_response(&e, &ctx.request_id),
                },
                "GetIntrospectionSchema",
            );
        }
        _ => ("Unknown", Err(AppSyncError::BadRequestException(format!("Unsupported operation {method} /v1/{}", segs.join("/"))))),
    };
    let resp = match result {
        Ok(v) => rest_json::json_response(200, &v, &ctx.request_id),
        Err(e) => rest_json::error_response(&e, &ctx.request_id),
    };
    with_op(resp, op)
}
