//! amplocal's own GraphQL explorer (no AWS counterpart; the AppSync console's "Queries" page
//! is the model): `GET /_amplocal/graphql[?api=<id>]` serves a self-contained page
//! (`graphiql.html`, no CDN, works offline) with an API picker, an API key / signed-in user /
//! pasted token (OIDC) switch, a query and variables editor, results, and subscriptions over
//! the realtime socket.
//!
//! Local-only helpers behind it (public, like every `/_amplocal/` route — never expose
//! amplocal beyond your machine):
//! - `GET /_amplocal/graphql/apis`: the loaded APIs with their ids, auth modes and API keys.
//! - `GET /_amplocal/graphql/users`: user pools and their users (Cognito ListUserPools/ListUsers).
//! - `POST /_amplocal/graphql/token` `{"pool","username","client"?}`: ID and access tokens
//!   for an existing user of a local pool, minted without a password by Cognito's token issuer
//!   (for the pool's first app client unless `client` names one). Unknown pools, users or
//!   clients get 404 `{"message"}`; a body without pool/username 400.
//!
//! `--graphql-no-explorer` turns all of it off (404).
//!
//! Leaves out: IAM on the page, schema-aware autocompletion.

use crate::AppSyncService;
use amplocal_core::RequestContext;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde_json::{json, Value};

/// The page: HTML + JS in one file, embedded at build time.
pub const PAGE: &str = include_str!("graphiql.html");

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn json_reply(status: StatusCode, v: &Value) -> Response {
    respond(status, "application/json", serde_json::to_vec(v).unwrap_or_default())
}

fn message(status: StatusCode, m: &str) -> Response {
    json_reply(status, &json!({ "message": m }))
}

/// Escape text for an HTML attribute / element body.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

impl AppSyncService {
    /// Serve `/_amplocal/graphql…`.
    pub async fn graphiql(&self, ctx: &RequestContext, method: &http::Method, path: &str, query: Option<&str>, body: &[u8]) -> Response {
        if self.inner.config.graphql_no_explorer {
            return message(StatusCode::NOT_FOUND, "The GraphQL explorer is off (--graphql-no-explorer).");
        }
        match (method.as_str(), path.trim_end_matches('/')) {
            ("GET", "/_amplocal/graphql") => {
                let api = crate::wire::query_param(query, "api").unwrap_or_default();
                respond(StatusCode::OK, "text/html; charset=utf-8", PAGE.replace("{{API_ID}}", &html_escape(&api)).into_bytes())
            }
            ("GET", "/_amplocal/graphql/apis") => self.page_apis().await,
            ("GET", "/_amplocal/graphql/users") => self.page_users(ctx).await,
            ("POST", "/_amplocal/graphql/token") => self.page_token(ctx, body).await,
            _ => message(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    async fn page_apis(&self) -> Response {
        if let Err(e) = self.ensure_config_apis().await {
            return message(StatusCode::INTERNAL_SERVER_ERROR, &e);
        }
        let rows = match self.inner.store.all_apis().await {
            Ok(r) => r,
            Err(e) => return message(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let mut apis = Vec::new();
        for row in rows {
            let keys: Vec<String> = self.inner.store.list_keys(&row.api_id).await.unwrap_or_default().into_iter().map(|k| k.id).collect();
            let (default, extra) = crate::control::api_modes(&row.body);
            let modes: Vec<&str> = std::iter::once(default).chain(extra).map(|m| m.as_aws()).collect();
            apis.push(json!({ "apiId": row.api_id, "name": row.name, "modes": modes, "apiKeys": keys }));
        }
        json_reply(StatusCode::OK, &json!({ "apis": apis }))
    }

    fn cognito(&self) -> Option<&amplocal_cognito::CognitoService> {
        self.inner.cognito.get()
    }

    async fn page_users(&self, ctx: &RequestContext) -> Response {
        use amplocal_cognito::ops::{user::list_users, user_pool::list_user_pools};
        let Some(cognito) = self.cognito() else { return json_reply(StatusCode::OK, &json!({ "pools": [] })) };
        let pools = match list_user_pools(cognito, ctx, json!({ "MaxResults": 60 })).await {
            Ok(p) => p,
            Err(e) => return message(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let mut out = Vec::new();
        for p in pools["UserPools"].as_array().into_iter().flatten() {
            let id = p["Id"].as_str().unwrap_or_default().to_string();
            let users = list_users(cognito, ctx, json!({ "UserPoolId": id })).await.unwrap_or(Value::Null);
            let names: Vec<Value> = users["Users"].as_array().into_iter().flatten().map(|u| u["Username"].clone()).collect();
            out.push(json!({ "id": id, "name": p["Name"], "users": names }));
        }
        json_reply(StatusCode::OK, &json!({ "pools": out }))
    }

    async fn page_token(&self, ctx: &RequestContext, body: &[u8]) -> Response {
        let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(body) else { return message(StatusCode::BAD_REQUEST, "Expected a JSON body {\"pool\", \"username\"}.") };
        let (Some(pool), Some(username)) = (input.get("pool").and_then(Value::as_str), input.get("username").and_then(Value::as_str)) else {
            return message(StatusCode::BAD_REQUEST, "pool and username are required.");
        };
        let Some(cognito) = self.cognito() else { return message(StatusCode::NOT_FOUND, "Cognito is not running.") };
        let client = input.get("client").and_then(Value::as_str);
        match crate::mint::mint_tokens(cognito, ctx, pool, username, client).await {
            Ok(tokens) => json_reply(StatusCode::OK, &tokens),
            Err(crate::mint::MintError::NotFound(m)) => message(StatusCode::NOT_FOUND, &m),
            Err(crate::mint::MintError::Failed(m)) => message(StatusCode::INTERNAL_SERVER_ERROR, &m),
        }
    }
}
