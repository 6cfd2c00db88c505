//! amplocal-cognito: Amazon Cognito user pools (cognito-idp), identity pools
//! (cognito-identity) and the STS calls they need.
//!
//! Layout: [`wire`] turns HTTP into `(operation, JSON input)` and results back into awsJson1_1 /
//! STS XML; [`ops`] holds the AWS semantics; [`store`] the SQLite rows; [`srp`] the SRP math;
//! [`tokens`] key management and JWT minting; [`verify`] the in-process token verifier that
//! AppSync calls.

pub mod error;
pub mod ops;
pub mod provision;
pub mod srp;
pub mod store;
pub mod tokens;
pub mod verify;
pub mod wire;

use amplocal_core::protocol::Protocol;
use amplocal_core::{CoreCtx, InternalError, ServiceState, SqliteDb};
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use error::CognitoError;
pub use verify::Claims;

/// Service configuration, flattened into the gateway's CLI (every flag also an `AMPLOCAL_*`
/// environment variable).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Make every confirmation / reset / verification code this value (CI).
    #[arg(long = "cognito-fixed-code", env = "AMPLOCAL_COGNITO_FIXED_CODE")]
    pub fixed_code: Option<String>,
    /// Issue tokens with `iss = <BASE>/<poolId>` instead of
    /// `https://cognito-idp.<region>.amazonaws.com/<poolId>` (for OIDC-discovery clients).
    /// Tokens of either form verify.
    #[arg(long = "cognito-issuer-base", env = "AMPLOCAL_COGNITO_ISSUER_BASE")]
    pub issuer_base: Option<String>,
    /// Allowed distance between an SRP TIMESTAMP and the server clock, in seconds.
    #[arg(long = "cognito-srp-timestamp-skew", env = "AMPLOCAL_COGNITO_SRP_TIMESTAMP_SKEW", default_value_t = 300)]
    pub srp_timestamp_skew: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self { fixed_code: None, issuer_base: None, srp_timestamp_skew: 300 }
    }
}

/// The cognito service: cheap to clone, built once at startup.
#[derive(Debug, Clone)]
pub struct CognitoService {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) core: CoreCtx,
    pub(crate) config: Config,
    pub(crate) db: SqliteDb,
    pub(crate) keys: tokens::keys::KeyStore,
    pub(crate) pending: Mutex<HashMap<String, ops::session::Pending>>,
    pub(crate) principals: Mutex<HashMap<String, ops::sts::Principal>>,
    pub(crate) code_attempts: Mutex<HashMap<String, u32>>,
    /// Proven password checks, see [`ops::password_matches`].
    pub(crate) password_cache: Mutex<HashMap<[u8; 32], [u8; 32]>>,
    /// Comb tables of verifiers seen more than once, see [`CognitoService::srp_session_key`].
    pub(crate) verifier_combs: Mutex<HashMap<[u8; 32], Option<Arc<srp::monty::Comb>>>>,
    /// Sign-ins signing tokens right now (see `ops::token::sign_pair`).
    pub(crate) signing: std::sync::atomic::AtomicUsize,
    /// App clients and their pools by client id, see [`ops::settings`].
    pub(crate) settings: ops::settings::SettingsCache,
}

impl CognitoService {
    /// Build the service over the shared context; opens `<data_dir>/cognito.db`.
    pub fn new(core: CoreCtx, config: Config) -> Result<Self, InternalError> {
        let db = SqliteDb::open(core.data_dir.join("cognito.db"), store::MIGRATIONS)?;
        Ok(Self {
            inner: Arc::new(Inner { core, config, db, keys: Default::default(), pending: Mutex::new(HashMap::new()), principals: Mutex::new(HashMap::new()), code_attempts: Mutex::new(HashMap::new()), password_cache: Mutex::new(HashMap::new()), verifier_combs: Mutex::new(HashMap::new()), signing: Default::default(), settings: Default::default() }),
        })
    }

    /// The wire protocol, so the gateway renders auth errors the way this service's clients parse them.
    pub fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_1
    }

    /// Health state for the health endpoints.
    pub fn state(&self) -> ServiceState {
        ServiceState::Running
    }

    /// The router the gateway dispatches this service's requests to (awsJson1_1 `POST /`,
    /// STS form posts, `/<poolId>/.well-known/*`, and `GET /_amplocal/cognito/codes`). The
    /// gateway has put a [`amplocal_core::RequestContext`] in the request's extensions.
    pub fn router(&self) -> Router {
        wire::router(self.clone())
    }

    pub(crate) fn core(&self) -> &CoreCtx {
        &self.inner.core
    }

    pub(crate) fn db(&self) -> &SqliteDb {
        &self.inner.db
    }
}
