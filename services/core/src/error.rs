//! The error contract every service's error enum implements, and the one non-AWS error
//! ([`InternalError`]) that wraps SQLite / IO / bugs and renders as a 500.

/// An error with an AWS error code. Each service's enum implements this with one exhaustive
/// `match`; the protocol renderers in [`crate::protocol`] turn it into bytes.
pub trait AwsError: std::fmt::Display {
    /// The AWS error code, exactly as the service sends it (e.g. `ResourceNotFoundException`).
    fn code(&self) -> &'static str;
    /// HTTP status code.
    fn status(&self) -> u16;
    /// True when the client is at fault (4xx), false for server faults.
    fn sender_fault(&self) -> bool {
        self.status() < 500
    }
    /// The human-readable message (defaults to `Display`).
    fn message(&self) -> String {
        self.to_string()
    }
}

/// An unexpected failure inside amplocal (storage, IO, a bug). Rendered as the service's
/// internal-error code with status 500; the cause is logged, not sent.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InternalError {
    /// What failed, for the log.
    pub message: String,
}

impl InternalError {
    /// Build from anything printable, logging it with the caller's location.
    #[track_caller]
    pub fn new(cause: impl std::fmt::Display) -> Self {
        let loc = std::panic::Location::caller();
        tracing::error!(%cause, file = loc.file(), line = loc.line(), "internal error");
        Self { message: cause.to_string() }
    }
}

impl From<rusqlite::Error> for InternalError {
    #[track_caller]
    fn from(e: rusqlite::Error) -> Self {
        Self::new(e)
    }
}

impl From<std::io::Error> for InternalError {
    #[track_caller]
    fn from(e: std::io::Error) -> Self {
        Self::new(e)
    }
}

impl From<tokio::task::JoinError> for InternalError {
    #[track_caller]
    fn from(e: tokio::task::JoinError) -> Self {
        Self::new(e)
    }
}

impl From<serde_json::Error> for InternalError {
    #[track_caller]
    fn from(e: serde_json::Error) -> Self {
        Self::new(e)
    }
}
