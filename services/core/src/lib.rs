//! amplocal-core: the shared kernel every service and the gateway build on.
//!
//! Holds no service logic and no gateway router: request context, injected clock and id
//! generator, the credential store, SigV4 math, the AWS protocol renderers (awsJson1_0/1_1,
//! restXml, restJson1), the SQLite wrapper and pagination tokens.

pub mod clock;
pub mod context;
pub mod credentials;
pub mod db;
pub mod error;
pub mod ids;
pub mod pagination;
pub mod protocol;
pub mod sigv4;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{Caller, ChunkSigning, CoreCtx, OperationName, RequestContext, ServiceState};
pub use credentials::{Credential, CredentialMode, CredentialStore, PoolIdentity};
pub use db::SqliteDb;
pub use error::{AwsError, InternalError};
pub use ids::{IdGen, RandomIds, SeededIds};

/// The account every request belongs to unless its access key is itself 12 digits.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The region used when a request carries no SigV4 scope.
pub const DEFAULT_REGION: &str = "us-east-1";
