//! amplocal-s3: Amazon S3 (restXml) emulation, hand-written on axum and quick-xml.
//!
//! `wire` turns HTTP requests into typed inputs (path-style and virtual-hosted addressing,
//! aws-chunked bodies, checksum headers) and outputs back into S3's headers and XML; `ops`
//! holds the semantics with no HTTP types; `store` keeps metadata in SQLite
//! (`<data_dir>/s3.db`) and bodies in id-named files under `<data_dir>/s3/blobs/` (bodies up to
//! 64 KiB in their metadata row instead).

pub mod access;
pub mod checksum;
pub mod error;
pub mod ops;
pub mod store;
pub mod wire;

use amplocal_core::ids::ALNUM;
use amplocal_core::protocol::Protocol;
use amplocal_core::{CoreCtx, InternalError, ServiceState, SqliteDb};
use axum::extract::Request;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use store::blob::BlobDir;

/// Service configuration, flattened into the gateway's CLI (every flag also an `AMPLOCAL_*`
/// environment variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Config {
    /// Extra base host names for virtual-hosted addressing (`<bucket>.<host>`), besides
    /// `s3.localhost`, `localhost` and `s3.amazonaws.com`-style hosts.
    #[arg(long = "s3-hostname", env = "AMPLOCAL_S3_HOSTNAME", value_delimiter = ',')]
    pub hostnames: Vec<String>,
    /// Abort multipart uploads older than this many seconds (0 = never).
    #[arg(long = "s3-multipart-max-age", env = "AMPLOCAL_S3_MULTIPART_MAX_AGE", default_value_t = 7 * 24 * 3600)]
    pub multipart_max_age_secs: u64,
    /// Skip the fsync of each object body before it is committed (faster; an acknowledged
    /// PUT still survives a process crash, but not an OS crash or power loss).
    #[arg(long = "s3-no-fsync", env = "AMPLOCAL_S3_NO_FSYNC")]
    pub no_fsync: bool,
}

/// The s3 service: cheap to clone, built once at startup.
#[derive(Debug, Clone)]
pub struct S3Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    core: CoreCtx,
    db: SqliteDb,
    blobs: BlobDir,
    hosts: Vec<String>,
    multipart_max_age: Option<Duration>,
    access: access::StorageAccess,
}

impl S3Service {
    /// Build the service over the shared context: opens `<data_dir>/s3.db` and the blob dir.
    pub fn new(core: CoreCtx, config: Config) -> Result<Self, InternalError> {
        let db = SqliteDb::open(core.data_dir.join("s3.db"), store::MIGRATIONS)?;
        let blobs = BlobDir::open(&core.data_dir, core.ids.clone(), !config.no_fsync)?;
        let mut hosts: Vec<String> = config.hostnames.iter().map(|h| h.trim().trim_start_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
        hosts.extend(["s3.localhost", "localhost", "s3.localhost.localstack.cloud", "localhost.localstack.cloud"].map(String::from));
        let multipart_max_age = (config.multipart_max_age_secs > 0).then(|| Duration::from_secs(config.multipart_max_age_secs));
        Ok(Self { inner: Arc::new(Inner { core, db, blobs, hosts, multipart_max_age, access: access::StorageAccess::default() }) })
    }

    /// The wire protocol, so the gateway renders auth errors the way this service's clients parse them.
    pub fn protocol(&self) -> Protocol {
        Protocol::RestXml
    }

    /// Health state for the health endpoints.
    pub fn state(&self) -> ServiceState {
        ServiceState::Running
    }

    /// The router the gateway dispatches this service's requests to. The gateway has put a
    /// [`amplocal_core::RequestContext`] in the request's extensions.
    pub fn router(&self) -> Router {
        self.spawn_cleanup();
        let svc = self.clone();
        Router::new().fallback(move |req: Request| {
            let svc = svc.clone();
            async move { wire::handle(svc, req).await }
        })
    }

    /// The metadata database.
    pub fn db(&self) -> &SqliteDb {
        &self.inner.db
    }

    /// The blob directory.
    pub fn blobs(&self) -> &BlobDir {
        &self.inner.blobs
    }

    /// The shared context.
    pub fn core(&self) -> &CoreCtx {
        &self.inner.core
    }

    /// The buckets under the Amplify Storage access rules (filled by the backend manifest).
    pub fn storage_access(&self) -> &access::StorageAccess {
        &self.inner.access
    }

    /// Base hosts for virtual-hosted addressing.
    pub fn hosts(&self) -> &[String] {
        &self.inner.hosts
    }

    /// A new object version id.
    pub fn new_version_id(&self) -> String {
        self.inner.core.ids.string_from(ALNUM, 32)
    }

    /// A new multipart upload id.
    pub fn new_upload_id(&self) -> String {
        self.inner.core.ids.string_from(ALNUM, 64)
    }

    /// Start the background task aborting abandoned multipart uploads (when an age is
    /// configured and a runtime is running). It holds only a weak reference and ends when the
    /// service is dropped or the runtime shuts down.
    fn spawn_cleanup(&self) {
        let (Some(age), Ok(rt)) = (self.inner.multipart_max_age, tokio::runtime::Handle::try_current()) else { return };
        let weak = Arc::downgrade(&self.inner);
        let period = (age / 4).clamp(Duration::from_secs(1), Duration::from_secs(3600));
        rt.spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                let n = S3Service { inner }.cleanup_uploads().await;
                if n > 0 {
                    tracing::info!(aborted = n, "aborted abandoned multipart uploads");
                }
            }
        });
    }

    /// Abort multipart uploads older than the configured age, once; returns how many.
    pub async fn cleanup_uploads(&self) -> usize {
        let Some(age) = self.inner.multipart_max_age else { return 0 };
        let cutoff = self.inner.core.clock.now().checked_sub(age).map(ops::ms).unwrap_or(0);
        let me = self.clone();
        tokio::task::spawn_blocking(move || ops::multipart::cleanup_blocking(&me, cutoff).unwrap_or(0)).await.unwrap_or(0)
    }
}
#[allow(dead_code)]
fn _assert_send(svc: S3Service, req: Request) {
    fn is_send<T: Send>(_: T) {}
    is_send(wire::handle(svc, req));
}
