//! A gateway started over a GIVEN data dir with a backend manifest provisioned the way
//! `amplocal --backend FILE` does it (read + validate, build the services, bind, provision,
//! serve), so the backend suite can stop it and start again over the same data.

use crate::{Clients, KEY, SECRET};
use amplocal::backend::outputs::Provisioned;
use amplocal::backend::Manifest;
use amplocal::{build_app, run_with, AppState, ServeOptions};
use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// A running gateway with its provisioned backend.
pub struct BackendServer {
    /// Bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The services.
    pub state: AppState,
    /// What the manifest provisioned.
    pub provisioned: Provisioned,
    clients: Clients,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl BackendServer {
    /// Load `manifest`, build the services over `data_dir`, bind 127.0.0.1:0, provision and
    /// serve. The error is what `amplocal` would print after `amplocal: `.
    pub async fn start(data_dir: &Path, manifest: &Path) -> Result<Self, String> {
        let m = Manifest::load(manifest).map_err(|e| e.to_string())?;
        let mut services = amplocal::config::ServiceConfigs::default();
        services.appsync.graphql_conflict_detection = m.conflict_detection();
        let creds = CredentialStore::new(CredentialMode::Lenient);
        creds.insert_static(KEY, SECRET);
        let core = CoreCtx::new(Arc::new(SystemClock), Arc::new(RandomIds), creds, data_dir.to_path_buf());
        let state = AppState::new(core, &services).map_err(|e| e.to_string())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let provisioned = amplocal::backend::provision(&state, &m, addr).await.map_err(|e| format!("{e:#}"))?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = build_app(state.clone());
        let handle = tokio::spawn(async move {
            let _ = run_with(listener, app, ServeOptions::default(), async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(Self { addr, endpoint: format!("http://{addr}"), state, provisioned, clients: Clients::new(format!("http://{addr}")), shutdown: Some(tx), handle: Some(handle) })
    }

    /// Stop serving, wait for in-flight requests and release the services (their SQLite files).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }
}

/// The SDK clients (`server.s3()`, `server.cognito_idp()`, ...).
impl std::ops::Deref for BackendServer {
    type Target = Clients;
    fn deref(&self) -> &Clients {
        &self.clients
    }
}

impl Drop for BackendServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
