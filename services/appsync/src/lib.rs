//! amplocal-appsync: AWS AppSync: Amplify GraphQL APIs, auth modes and real-time subscriptions.
//!
//! Skeleton: every request is answered with the protocol's not-implemented error until the
//! service's issue lands.

pub mod executor;
pub mod resolver;
pub mod schema;
pub mod transform;

use amplocal_core::protocol::{render_error, GenericError, Protocol};
use amplocal_core::{CoreCtx, InternalError, RequestContext, ServiceState};
use axum::extract::Request;
use axum::response::Response;
use axum::Router;

/// Service configuration, flattened into the gateway's CLI (every flag also an `AMPLOCAL_*`
/// environment variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Config {}

/// The appsync service: cheap to clone, built once at startup.
#[derive(Debug, Clone)]
pub struct AppSyncService {
    #[allow(dead_code)]
    core: CoreCtx,
}

impl AppSyncService {
    /// Build the service over the shared context.
    pub fn new(core: CoreCtx, _config: Config) -> Result<Self, InternalError> {
        Ok(Self { core })
    }

    /// The wire protocol, so the gateway renders auth errors the way this service's clients parse them.
    pub fn protocol(&self) -> Protocol {
        Protocol::RestJson1
    }

    /// Health state for the health endpoints.
    pub fn state(&self) -> ServiceState {
        ServiceState::Available
    }

    /// The router the gateway dispatches this service's requests to. The gateway has put a
    /// [`RequestContext`] in the request's extensions.
    pub fn router(&self) -> Router {
        let protocol = self.protocol();
        Router::new().fallback(move |req: Request| async move { not_implemented(protocol, &req) })
    }
}

fn not_implemented(protocol: Protocol, req: &Request) -> Response {
    let rid = req.extensions().get::<RequestContext>().map(|c| c.request_id.clone()).unwrap_or_default();
    let err = GenericError::new("UnknownOperationException", 400, "Unknown operation");
    render_error(protocol, &err, &rid, req.method() == http::Method::HEAD)
}
