//! amplocal-appsync: AWS AppSync: Amplify GraphQL APIs served locally.
//!
//! [`transform`] turns an Amplify schema into AppSync SDL and tables; [`schema`] builds the
//! executable schema; [`executor`] + [`resolver`] implement the generated resolvers over the
//! DynamoDB data source ([`resolver::dynamodb`]), with [`auth_rules`] for `@auth`; [`control`]
//! is the restJson1 control plane stored in `appsync.db`; [`graphql`] is the `/graphql`
//! endpoint (API key, user pools, IAM and OIDC via [`oidc`]); [`realtime`] + [`subscription`]
//! serve `graphql-ws` subscriptions (IAM handshakes signature-checked). Field-level `@auth` is
//! [`field_auth`]; DataStore conflict handlers are [`resolver::versioned`]; the explorer page at
//! `/_amplocal/graphql` is [`graphiql`] (tokens from [`mint`]).
//!
//! Leaves out (for now): Lambda auth, `@function` / `@http` execution, LAMBDA conflict handlers.

pub mod auth_rules;
pub mod control;
pub mod error;
pub mod executor;
pub mod field_auth;
pub mod graphiql;
pub mod graphql;
pub mod mint;
pub mod oidc;
pub mod provision;
pub mod introspection;
pub mod realtime;
pub mod resolver;
pub mod runtime;
pub mod schema;
pub mod store;
pub mod subscription;
pub mod transform;
pub mod validated;
pub mod wire;

use amplocal_core::{CoreCtx, InternalError, ServiceState};
use amplocal_core::protocol::Protocol;
use axum::extract::Request;
use axum::Router;
use control::Control;
use runtime::Runtime;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use store::{ApiRow, KeyRow, Store};
use transform::auth::AuthMode;

/// Service configuration, flattened into the gateway's CLI (every flag also an `AMPLOCAL_*`
/// environment variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Config {
    /// An Amplify (or plain AppSync) GraphQL schema to serve; repeatable. The API is named after
    /// the file (`schema.graphql` → `schema`).
    #[arg(long = "graphql-schema", env = "AMPLOCAL_GRAPHQL_SCHEMA", value_name = "FILE", value_delimiter = ',')]
    pub graphql_schema: Vec<PathBuf>,
    /// A fixed API key (`da2-…` or any string) for the APIs loaded with --graphql-schema.
    #[arg(long = "graphql-api-key", env = "AMPLOCAL_GRAPHQL_API_KEY", value_name = "KEY")]
    pub graphql_api_key: Option<String>,
    /// Fixed API ids for the --graphql-schema APIs, in the same order.
    #[arg(long = "graphql-api-id", env = "AMPLOCAL_GRAPHQL_API_ID", value_name = "ID", value_delimiter = ',')]
    pub graphql_api_id: Vec<String>,
    /// The Cognito user pool whose tokens the --graphql-schema APIs accept (default: any
    /// amplocal pool of the same account, so tests can create pools after start).
    #[arg(long = "graphql-user-pool", env = "AMPLOCAL_GRAPHQL_USER_POOL", value_name = "POOL_ID")]
    pub graphql_user_pool: Option<String>,
    /// Allow public API-key access to models without @auth (Amplify's sandbox mode).
    #[arg(long = "graphql-sandbox", env = "AMPLOCAL_GRAPHQL_SANDBOX")]
    pub graphql_sandbox: bool,
    /// DataStore conflict detection (VERSION) for Amplify schemas: `_version`/`_deleted`/
    /// `_lastChangedAt`, `syncX` queries, tombstone deletes, stale `_version`s resolved by
    /// --graphql-conflict-handler.
    #[arg(long = "graphql-conflict-detection", env = "AMPLOCAL_GRAPHQL_CONFLICT_DETECTION")]
    pub graphql_conflict_detection: bool,
    /// How stale writes are resolved with --graphql-conflict-detection: AUTOMERGE (Amplify's
    /// default: merge into the stored item) or OPTIMISTIC_CONCURRENCY (`ConflictUnhandled`).
    #[arg(long = "graphql-conflict-handler", env = "AMPLOCAL_GRAPHQL_CONFLICT_HANDLER", value_enum, default_value_t, value_name = "HANDLER")]
    pub graphql_conflict_handler: resolver::versioned::ConflictHandler,
    /// Enable OPENID_CONNECT on the --graphql-schema APIs: tokens whose `iss` is this issuer
    /// (an `http://` URL serving `/.well-known/openid-configuration`, unless
    /// --graphql-oidc-jwks names the keys).
    #[arg(long = "graphql-oidc-issuer", env = "AMPLOCAL_GRAPHQL_OIDC_ISSUER", value_name = "URL")]
    pub graphql_oidc_issuer: Option<String>,
    /// The JWKS of --graphql-oidc-issuer: an `http://` URL or a local JSON file.
    #[arg(long = "graphql-oidc-jwks", env = "AMPLOCAL_GRAPHQL_OIDC_JWKS", value_name = "URL_OR_FILE")]
    pub graphql_oidc_jwks: Option<String>,
    /// The OIDC client id the tokens must carry (`aud` or `client_id`); unchecked if absent.
    #[arg(long = "graphql-oidc-client-id", env = "AMPLOCAL_GRAPHQL_OIDC_CLIENT_ID", value_name = "ID")]
    pub graphql_oidc_client_id: Option<String>,
    /// Turn off the GraphQL explorer at /_amplocal/graphql and its token minter (which hands
    /// out tokens for any local pool user without a password).
    #[arg(long = "graphql-no-explorer", env = "AMPLOCAL_GRAPHQL_NO_EXPLORER")]
    pub graphql_no_explorer: bool,
}

impl Config {
    /// Auth modes of the --graphql-schema APIs: API key by default, user pools and IAM, and
    /// OIDC when an issuer is configured.
    fn modes(&self) -> (AuthMode, Vec<AuthMode>) {
        let mut extra = vec![AuthMode::UserPools, AuthMode::Iam];
        if self.graphql_oidc_issuer.is_some() {
            extra.push(AuthMode::Oidc);
        }
        (AuthMode::ApiKey, extra)
    }
}

/// A schema file read and compiled at startup.
#[derive(Debug, Clone)]
struct ConfigApi {
    name: String,
    definition: String,
    fixed_id: Option<String>,
}

#[derive(Debug)]
struct Inner {
    core: CoreCtx,
    config: Config,
    store: Store,
    runtime: Runtime,
    control: Control,
    config_apis: Vec<ConfigApi>,
    registered: tokio::sync::OnceCell<Result<(), String>>,
    cognito: std::sync::OnceLock<amplocal_cognito::CognitoService>,
    oidc: oidc::OidcVerifier,
}

/// The appsync service: cheap to clone, built once at startup.
#[derive(Debug, Clone)]
pub struct AppSyncService {
    inner: Arc<Inner>,
}

impl AppSyncService {
    /// Build the service over the shared context; fails when a --graphql-schema file cannot
    /// be read or compiled.
    pub fn new(core: CoreCtx, config: Config) -> Result<Self, InternalError> {
        let store = Store::open(&core.data_dir.join("appsync.db"))?;
        let runtime = Runtime::new(core.clone(), config.graphql_sandbox).with_conflict_detection(config.graphql_conflict_detection).with_conflict_handler(config.graphql_conflict_handler);
        let mut config_apis = Vec::new();
        for (i, path) in config.graphql_schema.iter().enumerate() {
            let definition = std::fs::read_to_string(path).map_err(|e| InternalError::new(format!("--graphql-schema {}: {e}", path.display())))?;
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_string();
            runtime
                .compile((amplocal_core::DEFAULT_ACCOUNT, amplocal_core::DEFAULT_REGION), "validate", &definition, config.modes().0, config.modes().1)
                .map_err(|e| InternalError::new(format!("--graphql-schema {}: {e}", path.display())))?;
            config_apis.push(ConfigApi { name, definition, fixed_id: config.graphql_api_id.get(i).cloned() });
        }
        let control = Control { store: store.clone(), runtime: runtime.clone(), clock: core.clock.clone(), ids: core.ids.clone() };
        let oidc = oidc::OidcVerifier::new(config.graphql_oidc_issuer.clone(), config.graphql_oidc_jwks.clone());
        Ok(Self { inner: Arc::new(Inner { core, config, store, runtime, control, config_apis, registered: Default::default(), cognito: Default::default(), oidc }) })
    }

    /// Serve model operations from amplocal's DynamoDB (in process). The gateway calls this
    /// once both services exist; until then model resolvers answer with an error.
    pub fn attach_dynamodb(&self, ddb: amplocal_dynamodb::DynamoDbService) {
        self.inner.runtime.attach_dynamodb(ddb);
    }

    /// Verify `AMAZON_COGNITO_USER_POOLS` tokens with amplocal's Cognito (in process). The
    /// gateway calls this once both services exist; until then such tokens get 401.
    pub fn attach_cognito(&self, cognito: amplocal_cognito::CognitoService) {
        let _ = self.inner.cognito.set(cognito);
    }

    /// The control plane.
    pub fn control(&self) -> &Control {
        &self.inner.control
    }

    /// Register the --graphql-schema APIs (once per process): reuse the stored id of an API
    /// loaded from the same file name, install the schema and the fixed (or a generated) key.
    pub async fn ensure_config_apis(&self) -> Result<(), String> {
        let inner = self.inner.clone();
        self.inner.registered.get_or_init(|| async move { register_config_apis(&inner).await.map_err(|e| e.to_string()) }).await.clone()
    }

    /// The wire protocol, so the gateway renders auth errors the way this service's clients parse them.
    pub fn protocol(&self) -> Protocol {
        Protocol::RestJson1
    }

    /// Health state for the health endpoints.
    pub fn state(&self) -> ServiceState {
        ServiceState::Running
    }

    /// The router the gateway dispatches this service's requests to.
    pub fn router(&self) -> Router {
        let svc = self.clone();
        Router::new().fallback(move |req: Request| wire::handle(svc.clone(), req))
    }
}

async fn register_config_apis(inner: &Inner) -> Result<(), error::AppSyncError> {
    let (account, region) = (amplocal_core::DEFAULT_ACCOUNT, amplocal_core::DEFAULT_REGION);
    let now = amplocal_core::clock::epoch_secs(inner.core.clock.now()) as i64;
    for c in &inner.config_apis {
        let existing = inner.store.api_by_config_name(account, region, &c.name).await?;
        let api_id = c
            .fixed_id
            .clone()
            .or_else(|| existing.as_ref().map(|e| e.api_id.clone()))
            .unwrap_or_else(|| inner.core.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26));
        if let Some(old) = existing.as_ref().filter(|e| e.api_id != api_id) {
            inner.store.delete_api(account, region, &old.api_id).await?;
        }
        let (default, extra) = inner.config.modes();
        let body = json!({
            "authenticationType": default.as_aws(),
            "additionalAuthenticationProviders": extra.iter().map(|m| match m {
                AuthMode::UserPools => json!({"authenticationType": m.as_aws(), "userPoolConfig": {"userPoolId": inner.config.graphql_user_pool.clone().unwrap_or_default(), "awsRegion": region}}),
                AuthMode::Oidc => json!({"authenticationType": m.as_aws(), "openIDConnectConfig": {
                    "issuer": inner.config.graphql_oidc_issuer.clone().unwrap_or_default(),
                    "clientId": inner.config.graphql_oidc_client_id.clone(),
                }}),
                _ => json!({"authenticationType": m.as_aws()}),
            }).collect::<Vec<_>>(),
        });
        let version = existing.as_ref().map(|e| e.schema_version + 1).unwrap_or(1);
        let row = ApiRow {
            account: account.into(),
            region: region.into(),
            api_id: api_id.clone(),
            name: c.name.clone(),
            body,
            created: existing.as_ref().map(|e| e.created).unwrap_or(now),
            definition: Some(c.definition.clone()),
            schema_status: Some("SUCCESS".into()),
            schema_details: Some("Loaded from --graphql-schema.".into()),
            schema_version: version,
            config_name: Some(c.name.clone()),
        };
        inner.store.put_api(row.clone()).await?;
        inner.runtime.get(&row).await.map_err(|e| error::AppSyncError::Internal(InternalError::new(e)))?;
        let key = match &inner.config.graphql_api_key {
            Some(k) => k.clone(),
            None => match inner.store.list_keys(&api_id).await?.into_iter().next() {
                Some(k) => k.id,
                None => format!("da2-{}", inner.core.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26)),
            },
        };
        let expires = now + 365 * 24 * 3600;
        inner.store.put_key(KeyRow { api_id: api_id.clone(), id: key.clone(), description: Some("amplocal --graphql-api-key".into()), expires, deletes: expires + 60 * 24 * 3600 }).await?;
        tracing::info!(api = %c.name, api_id = %api_id, api_key = %key, "GraphQL API loaded");
    }
    Ok(())
}
