//! The amplocal gateway: builds the axum app (internal routes + the AWS dispatcher, behind the
//! CORS layer) and serves it on one port for HTTP and HTTPS. `main.rs` is a thin shell over
//! [`run_with`]; tests call [`build_app`] and [`run`]/[`run_with`] with a listener on port 0.

pub mod auth;
pub mod backend;
pub mod ca_install;
pub mod classify;
pub mod config;
pub mod cors;
pub mod deadline;
pub mod dispatch;
pub mod health;
pub mod healthcheck;
pub mod listener;
pub mod logfmt;
pub mod state;
pub mod tls;

use axum::routing::get;
use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

pub use listener::ServeOptions;
pub use state::AppState;

/// Crates the test harness and the bench need at the same versions as the gateway (so they do
/// not have to pin them separately).
#[doc(hidden)]
pub mod deps {
    pub use axum;
    pub use http_body_util;
    pub use hyper;
    pub use hyper_util;
    pub use rustls;
    pub use tokio_rustls;
}

/// The full application router: one router level whose fallback is the [`dispatch::Gateway`]
/// (the internal health routes, else the AWS dispatcher) behind the CORS layer. Routes added to
/// the returned router (tests do) are matched before the gateway.
pub fn build_app(state: AppState) -> Router {
    let cors = cors::CorsLayer(state.cors.clone());
    let internal = Router::new()
        .route("/_amplocal/health", get(health::amplocal_health))
        .route("/_localstack/health", get(health::localstack_health).head(health::localstack_health_head))
        .with_state(std::sync::Arc::new(state.clone()));
    Router::new().fallback_service(tower::Layer::layer(&cors, dispatch::Gateway::new(state, internal)))
}

/// Serve `app` over plain HTTP (HTTP/1.1, h2c) on `listener` until `shutdown` resolves, then
/// finish in-flight requests (bounded). See [`run_with`] for TLS and timeouts.
pub async fn run(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    listener::serve(listener, app, ServeOptions::default(), shutdown).await
}

/// Serve `app` on `listener` with `opts` (TLS on the same port when `opts.tls` is set).
pub async fn run_with(
    listener: TcpListener,
    app: Router,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener::serve(listener, app, opts, shutdown).await
}
