//! amplocal-dynamodb: Amazon DynamoDB and DynamoDB Streams (awsJson1_0) emulation on SQLite.
//!
//! Layout: `value/` (AttributeValue, numbers, key codec), `model/` (typed inputs/outputs),
//! `expr/` (expression lexer, parser, evaluator), `store/` (SQLite schema and rows), `ops/`
//! (the operations, no HTTP), `wire/` (X-Amz-Target dispatch and JSON). In-process callers
//! (AppSync) use the typed `pub async fn`s on [`DynamoDbService`] directly.

pub mod error;
pub mod expr;
pub mod model;
pub mod ops;
pub mod partiql;
pub mod store;
pub mod value;
mod wire;

pub use error::{CancellationReason, DynamoError};
pub use value::{AttributeValue, Item, Number};

use amplocal_core::protocol::Protocol;
use amplocal_core::{CoreCtx, InternalError, ServiceState, SqliteDb};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

/// Service configuration, flattened into the gateway's CLI (every flag also an `AMPLOCAL_*`
/// environment variable).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Seconds between TTL expiry sweeps (0 disables the background deleter).
    #[arg(long = "dynamodb-ttl-interval", env = "AMPLOCAL_DYNAMODB_TTL_INTERVAL", default_value_t = 5)]
    pub ttl_interval_secs: u64,
    /// Maximum expired items deleted per sweep.
    #[arg(long = "dynamodb-ttl-batch", env = "AMPLOCAL_DYNAMODB_TTL_BATCH", default_value_t = 1000)]
    pub ttl_batch: usize,
    /// Milliseconds a new table reports CREATING before ACTIVE (0 = ACTIVE at once, like
    /// DynamoDB Local; AWS takes seconds).
    #[arg(long = "dynamodb-create-delay-ms", env = "AMPLOCAL_DYNAMODB_CREATE_DELAY_MS", default_value_t = 0)]
    pub create_delay_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self { ttl_interval_secs: 5, ttl_batch: 1000, create_delay_ms: 0 }
    }
}

/// The DynamoDB service: cheap to clone, built once at startup.
#[derive(Debug, Clone)]
pub struct DynamoDbService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    core: CoreCtx,
    db: SqliteDb,
    config: Config,
    meta_cache: Arc<store::meta_cache::MetaCache>,
    item_cache: Arc<store::item_cache::ItemCache>,
}

impl DynamoDbService {
    /// Build the service over the shared context: opens `<data_dir>/dynamodb.db` and, inside a
    /// tokio runtime, starts the TTL sweeper (it stops when the last clone is dropped).
    pub fn new(core: CoreCtx, config: Config) -> Result<Self, InternalError> {
        let db = SqliteDb::open_with_options(core.data_dir.join("dynamodb.db"), store::MIGRATIONS, store::OPEN_OPTIONS)?;
        let svc = Self { inner: Arc::new(Inner { core, db, config, meta_cache: Arc::default(), item_cache: Arc::default() }) };
        if svc.inner.config.ttl_interval_secs > 0 {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                let weak = Arc::downgrade(&svc.inner);
                let every = Duration::from_secs(svc.inner.config.ttl_interval_secs);
                handle.spawn(async move {
                    loop {
                        tokio::time::sleep(every).await;
                        let Some(inner) = weak.upgrade() else { break };
                        let svc = DynamoDbService { inner };
                        if let Err(e) = svc.sweep_expired().await {
                            tracing::warn!(error = %e, "TTL sweep failed");
                        }
                    }
                });
            }
        }
        Ok(svc)
    }

    /// The wire protocol, so the gateway renders auth errors the way this service's clients parse them.
    pub fn protocol(&self) -> Protocol {
        Protocol::AwsJson1_0
    }

    /// Health state for the health endpoints.
    pub fn state(&self) -> ServiceState {
        ServiceState::Running
    }

    /// The router the gateway dispatches this service's requests to (DynamoDB and Streams).
    pub fn router(&self) -> Router {
        wire::router(self.clone())
    }

    pub(crate) fn db(&self) -> &SqliteDb {
        &self.inner.db
    }

    /// The table-definition cache (data-plane lookups go through it).
    pub(crate) fn meta_cache(&self) -> &Arc<store::meta_cache::MetaCache> {
        &self.inner.meta_cache
    }

    /// The GetItem cache of committed items (see `store::item_cache`).
    pub(crate) fn item_cache(&self) -> &Arc<store::item_cache::ItemCache> {
        &self.inner.item_cache
    }

    /// Run `f` in one write transaction that may change table definitions: the meta cache is
    /// bypassed and cleared from before `f` runs until after the commit or rollback (the guard
    /// travels out with the result, so it drops after the commit even if this future is
    /// cancelled while the blocking task still runs).
    pub(crate) async fn write_catalog<T, F>(&self, f: F) -> Result<T, DynamoError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, DynamoError> + Send + 'static,
    {
        let cache = self.inner.meta_cache.clone();
        let (out, guard) = self
            .db()
            .write(move |tx| -> Result<_, DynamoError> {
                let guard = cache.begin_change();
                let out = f(tx)?;
                Ok((out, guard))
            })
            .await?;
        drop(guard);
        Ok(out)
    }

    pub(crate) fn core(&self) -> &CoreCtx {
        &self.inner.core
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }
}
