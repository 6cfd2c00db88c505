//! Per-request context handed to every op, and the process-wide injected context ([`CoreCtx`])
//! every service is built from. The gateway fills a [`RequestContext`] after classify + auth and
//! puts it in the request's extensions; ops take it by reference and never look at HTTP.

use crate::credentials::PoolIdentity;
use crate::{Clock, CredentialStore, IdGen};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// Who signed the request, as established by SigV4 verification in the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The access key id of the signature.
    pub access_key: String,
    /// The session token sent with it, if any.
    pub session_token: Option<String>,
    /// Whether the key is one amplocal knows (configured, or issued by STS / identity pools)
    /// and the signature was verified against its secret.
    pub verified: bool,
    /// For S3 streaming bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD…`): the derived signing key
    /// and the seed signature, so each chunk's signature can be checked.
    pub chunk_signing: Option<ChunkSigning>,
    /// For verified temporary credentials from an identity pool (GetCredentialsForIdentity):
    /// the identity they were issued to, so services can apply the role's policy variables.
    pub identity: Option<PoolIdentity>,
}

/// What an aws-chunked body verifier needs from the header signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSigning {
    /// The SigV4 signing key (HMAC chain result) of the request's scope.
    pub signing_key: Vec<u8>,
    /// The hex signature of the request itself: the first chunk's "previous signature".
    pub seed_signature: String,
    /// `X-Amz-Date` of the request (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// The credential scope `date/region/service/aws4_request`.
    pub scope: String,
}

/// Everything an op may know about the request besides its typed input.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id returned in `x-amzn-RequestId` / `x-amz-request-id` and error bodies.
    pub request_id: String,
    /// 12-digit account id every stored row is keyed by.
    pub account_id: String,
    /// Region from the SigV4 scope, else the default.
    pub region: String,
    /// The signer, when the request was signed.
    pub caller: Option<Caller>,
    /// The time the request was received, taken once from the injected clock.
    pub now: SystemTime,
}

impl RequestContext {
    /// A context for in-process callers and tests.
    pub fn new(request_id: impl Into<String>, account_id: impl Into<String>, region: impl Into<String>, now: SystemTime) -> Self {
        Self {
            request_id: request_id.into(),
            account_id: account_id.into(),
            region: region.into(),
            caller: None,
            now,
        }
    }
}

/// Health state of a service as reported by `/_amplocal/health` and `/_localstack/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    /// Loaded and serving.
    Running,
    /// Compiled in but answering not-implemented for everything.
    Available,
    /// Failed to start.
    Error,
}

impl ServiceState {
    /// LocalStack's spelling of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Running => "running",
            ServiceState::Available => "available",
            ServiceState::Error => "error",
        }
    }
}

/// The injected process-wide context: clock, ids, credentials and the data directory.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct CoreCtx {
    /// Wall clock.
    pub clock: Arc<dyn Clock>,
    /// Id / randomness source.
    pub ids: Arc<dyn IdGen>,
    /// Known access keys (configured and issued).
    pub credentials: CredentialStore,
    /// Root of persistent state; each service keeps `<data_dir>/<service>.db`.
    pub data_dir: PathBuf,
}

impl CoreCtx {
    /// Build a context from its parts.
    pub fn new(clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>, credentials: CredentialStore, data_dir: PathBuf) -> Self {
        Self { clock, ids, credentials, data_dir }
    }

    /// A `RequestContext` for in-process callers (e.g. AppSync calling DynamoDB ops).
    pub fn internal_request(&self, account_id: &str, region: &str) -> RequestContext {
        RequestContext::new(crate::ids::request_id(self.ids.as_ref()), account_id, region, self.clock.now())
    }
}

/// Response extension a service sets so the gateway's request log can name the operation
/// (e.g. `PutItem`, `GetObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationName(pub &'static str);
