//! `AppState`: everything the gateway routes to, built once in `main` (or by tests) and cloned
//! into every request.

use amplocal_appsync::AppSyncService;
use amplocal_cognito::CognitoService;
use amplocal_core::CoreCtx;
use amplocal_dynamodb::DynamoDbService;
use amplocal_s3::S3Service;
use std::time::Instant;

/// Shared application state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Clock, ids, credentials, data dir.
    pub core: CoreCtx,
    /// S3.
    pub s3: S3Service,
    /// DynamoDB (+ Streams).
    pub dynamodb: DynamoDbService,
    /// cognito-idp, cognito-identity, STS.
    pub cognito: CognitoService,
    /// AppSync control and data plane.
    pub appsync: AppSyncService,
    /// When the process started serving (for health uptime).
    pub started: Instant,
    /// Origins allowed to call the non-S3 services from browsers (default: any).
    pub cors: crate::cors::CorsConfig,
}

impl AppState {
    /// Build every service over `core`.
    pub fn new(core: CoreCtx, cfg: &crate::config::ServiceConfigs) -> Result<Self, amplocal_core::InternalError> {
        let dynamodb = DynamoDbService::new(core.clone(), cfg.dynamodb.clone())?;
        let cognito = CognitoService::new(core.clone(), cfg.cognito.clone())?;
        let s3 = S3Service::new(core.clone(), cfg.s3.clone())?;
        let appsync = AppSyncService::new(core.clone(), cfg.appsync.clone())?;
        Ok(Self { core, s3, dynamodb, cognito, appsync, started: Instant::now(), cors: crate::cors::CorsConfig::any() })
    }
}

impl AppState {
    /// Replace the CORS origin policy.
    pub fn with_cors(mut self, cors: crate::cors::CorsConfig) -> Self {
        self.cors = cors;
        self
    }
}
