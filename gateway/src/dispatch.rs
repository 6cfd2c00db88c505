//! The gateway's one fallback handler: classify → auth → the service's router. One line per
//! service, no logic beyond that, plus the request id header and the request log line.

use crate::auth;
use crate::classify::{classify, ServiceId};
use crate::state::AppState;
use amplocal_core::protocol::{AMZN_REQUEST_ID, AMZ_REQUEST_ID};
use amplocal_core::OperationName;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use http::HeaderValue;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

/// Each service's router, built once.
#[derive(Debug, Clone)]
pub struct Routers {
    s3: Router,
    dynamodb: Router,
    cognito: Router,
    appsync: Router,
}

impl Routers {
    /// Build from the state's services.
    pub fn new(state: &AppState) -> Self {
        Self {
            s3: state.s3.router(),
            dynamodb: state.dynamodb.router(),
            cognito: state.cognito.router(),
            appsync: state.appsync.router(),
        }
    }

    fn get(&self, svc: ServiceId) -> Router {
        match svc {
            ServiceId::S3 => self.s3.clone(),
            ServiceId::DynamoDb => self.dynamodb.clone(),
            ServiceId::Cognito => self.cognito.clone(),
            ServiceId::AppSync => self.appsync.clone(),
        }
    }
}

/// Route one AWS request.
pub async fn dispatch(State(shared): State<Arc<(AppState, Routers)>>, req: Request) -> Response {
    let (state, routers) = &*shared;
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let svc = classify(&parts);
    let request_id = amplocal_core::ids::request_id(state.core.ids.as_ref());
    let method = parts.method.clone();
    let target_op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit_once('.'))
        .map(|(_, op)| op.to_string());
    let mut resp = match auth::authenticate(state, svc, &parts, body, request_id.clone()).await {
        Ok((ctx, body)) => {
            let mut req = Request::from_parts(parts, body);
            req.extensions_mut().insert(ctx);
            match routers.get(svc).oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
        Err(resp) => resp,
    };
    let header = if svc == ServiceId::S3 { AMZ_REQUEST_ID } else { AMZN_REQUEST_ID };
    if !resp.headers().contains_key(header) {
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert(header, v);
        }
    }
    let op = resp.extensions().get::<OperationName>().map(|o| o.0.to_string()).or(target_op).unwrap_or_else(|| method.to_string());
    tracing::info!(
        service = svc.name(),
        operation = %op,
        status = resp.status().as_u16(),
        duration_ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        request_id = %request_id,
        "request"
    );
    resp
}
