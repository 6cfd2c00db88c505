//! The amplocal gateway: builds the axum app (internal routes + the AWS dispatcher) and serves
//! it on one listener. `main.rs` is a thin shell over [`run`]; tests call [`build_app`] and
//! [`run`] with a listener bound to port 0.

pub mod auth;
pub mod classify;
pub mod config;
pub mod dispatch;
pub mod health;
pub mod state;

use axum::routing::get;
use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

pub use state::AppState;

/// The full application router.
pub fn build_app(state: AppState) -> Router {
    let routers = dispatch::Routers::new(&state);
    let internal = Router::new()
        .route("/_amplocal/health", get(health::amplocal_health))
        .route("/_localstack/health", get(health::localstack_health).head(health::localstack_health_head))
        .with_state(state.clone());
    internal.fallback_service(Router::new().fallback(dispatch::dispatch).with_state((state, routers)))
}

/// Serve `app` on `listener` until `shutdown` resolves, then finish in-flight requests.
pub async fn run(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
