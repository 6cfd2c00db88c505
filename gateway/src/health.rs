//! Internal routes: `GET /_amplocal/health` (amplocal's own shape) and `GET`/`HEAD
//! /_localstack/health` (LocalStack's shape, so existing CI snippets and Testcontainers waits work).

use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The crate version reported by the health endpoints.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn services(state: &AppState) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("s3".into(), state.s3.state().as_str().into());
    m.insert("dynamodb".into(), state.dynamodb.state().as_str().into());
    m.insert("dynamodbstreams".into(), state.dynamodb.state().as_str().into());
    m.insert("cognito-idp".into(), state.cognito.state().as_str().into());
    m.insert("cognito-identity".into(), state.cognito.state().as_str().into());
    m.insert("sts".into(), state.cognito.state().as_str().into());
    m.insert("appsync".into(), state.appsync.state().as_str().into());
    m
}

/// `GET /_amplocal/health`.
pub async fn amplocal_health(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "status": "ok",
        "version": VERSION,
        "services": services(&state),
        "dataDir": state.core.data_dir.display().to_string(),
        "uptimeSeconds": state.started.elapsed().as_secs_f64(),
    }))
    .into_response()
}

/// `GET /_localstack/health`.
pub async fn localstack_health(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({
        "services": services(&state),
        "edition": "community",
        "version": VERSION,
        "features": {},
    }))
    .into_response()
}

/// `HEAD /_localstack/health`: 200 with no body.
pub async fn localstack_health_head() -> Response {
    http::StatusCode::OK.into_response()
}
