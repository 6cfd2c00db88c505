//! A gateway started over a GIVEN data dir with a backend manifest provisioned the way
//! `amplocal --backend FILE` does it (read + validate, build the services, bind, provision,
//! serve), so the backend suite can stop it and start again over the same data.

use crate::{KEY, REGION, SECRET};
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
        Ok(Self { addr, endpoint: format!("http://{addr}"), state, provisioned, shutdown: Some(tx), handle: Some(handle) })
    }

    /// SDK config with `test`/`test`, pointing at this gateway.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        let creds = aws_credential_types::Credentials::from_keys(KEY, SECRET, None);
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .build()
    }

    /// An S3 client (path-style addressing).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&self.sdk_config()).force_path_style(true).build())
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// A cognito-idp client.
    pub fn cognito_idp(&self) -> aws_sdk_cognitoidentityprovider::Client {
        aws_sdk_cognitoidentityprovider::Client::new(&self.sdk_config())
    }

    /// A cognito-identity client.
    pub fn cognito_identity(&self) -> aws_sdk_cognitoidentity::Client {
        aws_sdk_cognitoidentity::Client::new(&self.sdk_config())
    }

    /// An AppSync control-plane client.
    pub fn appsync(&self) -> aws_sdk_appsync::Client {
        aws_sdk_appsync::Client::new(&self.sdk_config())
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

impl Drop for BackendServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
