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
    /// Build every service over `core`, then connect the ones that call each other in process
    /// (AppSync → DynamoDB for model resolvers, AppSync → Cognito for user-pool tokens).
    ///
    /// The services open their SQLite files on parallel threads: each open mostly waits on the
    /// disk (journal-mode switch, migrations), so this keeps cold start short. The threads enter
    /// the caller's tokio runtime, if any, so services may spawn their background tasks.
    pub fn new(core: CoreCtx, cfg: &crate::config::ServiceConfigs) -> Result<Self, amplocal_core::InternalError> {
        let rt = tokio::runtime::Handle::try_current().ok();
        let enter = || rt.as_ref().map(|h| h.enter());
        let (dynamodb, cognito, s3, appsync) = std::thread::scope(|scope| {
            let ddb = scope.spawn(|| {
                let _rt = enter();
                DynamoDbService::new(core.clone(), cfg.dynamodb.clone())
            });
            let cognito = scope.spawn(|| {
                let _rt = enter();
                CognitoService::new(core.clone(), cfg.cognito.clone())
            });
            let s3 = scope.spawn(|| {
                let _rt = enter();
                S3Service::new(core.clone(), cfg.s3.clone())
            });
            let appsync = AppSyncService::new(core.clone(), cfg.appsync.clone());
            let join = |name: &str| amplocal_core::InternalError::new(format!("{name} failed to start (panicked)"));
            (
                ddb.join().map_err(|_| join("dynamodb")),
                cognito.join().map_err(|_| join("cognito")),
                s3.join().map_err(|_| join("s3")),
                appsync,
            )
        });
        let (dynamodb, cognito, s3, appsync) = (dynamodb??, cognito??, s3??, appsync?);
        appsync.attach_dynamodb(dynamodb.clone());
        appsync.attach_cognito(cognito.clone());
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
