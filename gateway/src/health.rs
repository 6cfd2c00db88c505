//! Internal routes: `GET /_amplocal/health` (amplocal's own shape) and `GET`/`HEAD
//! /_localstack/health` (LocalStack's shape, so existing CI snippets and Testcontainers waits work).
//! The bodies are written directly (no `serde_json::Value` tree): the service states are fixed
//! ASCII words, and health is the endpoint load balancers and waits hammer.

use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::HeaderValue;
use std::fmt::Write;
use std::sync::Arc;

/// The crate version reported by the health endpoints.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn write_services(out: &mut String, state: &AppState) {
    let entries = [
        ("s3", state.s3.state().as_str()),
        ("dynamodb", state.dynamodb.state().as_str()),
        ("dynamodbstreams", state.dynamodb.state().as_str()),
        ("cognito-idp", state.cognito.state().as_str()),
        ("cognito-identity", state.cognito.state().as_str()),
        ("sts", state.cognito.state().as_str()),
        ("appsync", state.appsync.state().as_str()),
    ];
    out.push('{');
    for (i, (name, st)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Names and states are fixed lowercase words: nothing to escape.
        let _ = write!(out, "\"{name}\":\"{st}\"");
    }
    out.push('}');
}

fn json(body: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// `GET /_amplocal/health`: `{"status","version","services","dataDir","uptimeSeconds"}`.
pub async fn amplocal_health(State(state): State<Arc<AppState>>) -> Response {
    let mut out = String::with_capacity(320);
    let _ = write!(out, "{{\"status\":\"ok\",\"version\":\"{VERSION}\",\"services\":");
    write_services(&mut out, &state);
    let dir = serde_json::to_string(&state.core.data_dir.display().to_string()).unwrap_or_else(|_| "null".into());
    let _ = write!(out, ",\"dataDir\":{dir},\"uptimeSeconds\":{:.3}}}", state.started.elapsed().as_secs_f64());
    json(out)
}

/// `GET /_localstack/health`.
pub async fn localstack_health(State(state): State<Arc<AppState>>) -> Response {
    let mut out = String::with_capacity(256);
    out.push_str("{\"services\":");
    write_services(&mut out, &state);
    let _ = write!(out, ",\"edition\":\"community\",\"version\":\"{VERSION}\",\"features\":{{}}}}");
    json(out)
}

/// `HEAD /_localstack/health`: 200 with no body.
pub async fn localstack_health_head() -> Response {
    http::StatusCode::OK.into_response()
}
