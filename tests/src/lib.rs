//! Test harness: an in-process amplocal gateway on 127.0.0.1:0 over a temp data dir, and
//! aws-sdk-rust configuration pointing at it. Each test gets its own [`TestEnv`].

pub mod backend;
mod clients;

pub use clients::Clients;

use amplocal::config::ServiceConfigs;
use amplocal::deps::axum::Router;
use amplocal::{build_app, run_with, AppState, ServeOptions};
use amplocal_core::{Clock, CoreCtx, CredentialMode, CredentialStore, IdGen, RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Access key / secret the harness registers and signs with.
pub const KEY: &str = "test";
/// Secret of [`KEY`].
pub const SECRET: &str = "test";
/// Region the SDK clients use.
pub const REGION: &str = "us-east-1";

/// How to build a [`TestEnv`].
pub struct TestEnvBuilder {
    mode: CredentialMode,
    credentials: Vec<(String, String)>,
    services: ServiceConfigs,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    serve: ServeOptions,
    cors: Option<String>,
    #[allow(clippy::type_complexity)]
    app: Option<Box<dyn FnOnce(Router) -> Router + Send>>,
}

impl Default for TestEnvBuilder {
    fn default() -> Self {
        Self {
            mode: CredentialMode::Lenient,
            credentials: vec![(KEY.into(), SECRET.into())],
            services: ServiceConfigs::default(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
            serve: ServeOptions::default(),
            cors: None,
            app: None,
        }
    }
}

impl TestEnvBuilder {
    /// Strict or lenient credentials.
    pub fn mode(mut self, mode: CredentialMode) -> Self {
        self.mode = mode;
        self
    }
    /// Add a known key pair.
    pub fn credential(mut self, key: &str, secret: &str) -> Self {
        self.credentials.push((key.into(), secret.into()));
        self
    }
    /// Change service options.
    pub fn services(mut self, f: impl FnOnce(&mut ServiceConfigs)) -> Self {
        f(&mut self.services);
        self
    }
    /// Inject a clock (e.g. `ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Inject an id generator (e.g. `SeededIds`).
    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    /// Change listener options (timeouts, grace period). TLS is always on.
    pub fn serve_options(mut self, f: impl FnOnce(&mut ServeOptions)) -> Self {
        f(&mut self.serve);
        self
    }
    /// Restrict browser origins for the non-S3 services (as `--cors-origins`).
    pub fn cors(mut self, origins: &str) -> Self {
        self.cors = Some(origins.into());
        self
    }
    /// Transform the application router before serving (e.g. merge a test-only route).
    pub fn app(mut self, f: impl FnOnce(Router) -> Router + Send + 'static) -> Self {
        self.app = Some(Box::new(f));
        self
    }

    /// Start the gateway.
    pub async fn start(self) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let tls_paths = amplocal::tls::ensure(dir.path()).expect("tls files");
        let mut serve = self.serve;
        serve.tls = Some(amplocal::tls::server_config_for(&tls_paths, &self.services.s3.hostnames).expect("tls config"));
        let creds = CredentialStore::new(self.mode);
        for (k, s) in &self.credentials {
            creds.insert_static(k, s);
        }
        let core = CoreCtx::new(self.clock, self.ids, creds, dir.path().to_path_buf());
        let mut state = AppState::new(core, &self.services).expect("build state");
        if let Some(list) = &self.cors {
            state = state.with_cors(amplocal::cors::CorsConfig::from_list(list));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut app = build_app(state.clone());
        if let Some(f) = self.app {
            app = f(app);
        }
        let handle = tokio::spawn(async move {
            let _ = run_with(listener, app, serve, async {
                let _ = rx.await;
            })
            .await;
        });
        TestEnv {
            addr,
            endpoint: format!("http://{addr}"),
            clients: Clients::new(format!("http://{addr}")),
            https_endpoint: format!("https://localhost:{}", addr.port()),
            ca_pem: tls_paths.ca_cert,
            state,
            dir,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }
}

/// A running in-process gateway.
pub struct TestEnv {
    /// Bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// `https://localhost:PORT` (same port; use [`TestEnv::https`] or trust [`TestEnv::ca_pem`]).
    pub https_endpoint: String,
    /// The generated CA certificate (PEM file) that signs the gateway's leaf.
    pub ca_pem: PathBuf,
    /// The services (for in-process calls in tests).
    pub state: AppState,
    /// Temp data dir (removed on drop).
    pub dir: tempfile::TempDir,
    clients: Clients,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

/// The SDK clients (`env.s3()`, `env.dynamodb()`, `env.sdk_config_with(k, s)`, ...).
impl std::ops::Deref for TestEnv {
    type Target = Clients;
    fn deref(&self) -> &Clients {
        &self.clients
    }
}

impl TestEnv {
    /// A builder.
    pub fn builder() -> TestEnvBuilder {
        TestEnvBuilder::default()
    }

    /// Start with defaults (lenient, `test`/`test`).
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A plain HTTP client for raw requests.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// An HTTPS client trusting the generated CA, with `localhost`, `s3.localhost` and each
    /// of `extra_hosts` resolved to this gateway.
    pub fn https_with(&self, extra_hosts: &[&str]) -> reqwest::Client {
        let pem = std::fs::read(&self.ca_pem).expect("read CA");
        let ca = reqwest::Certificate::from_pem(&pem).expect("CA pem");
        let mut b = reqwest::Client::builder().add_root_certificate(ca).https_only(true);
        for h in ["localhost", "s3.localhost"].iter().chain(extra_hosts) {
            b = b.resolve(h, self.addr);
        }
        b.build().expect("https client")
    }

    /// [`TestEnv::https_with`] without extra names.
    pub fn https(&self) -> reqwest::Client {
        self.https_with(&[])
    }

    /// Stop the gateway and wait for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
