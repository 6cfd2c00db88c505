//! AppSync's control-plane errors (<https://docs.aws.amazon.com/appsync/latest/APIReference/CommonErrors.html>
//! and each operation's Errors section), one variant per AWS error code.
//!
//! Leaves out: `AccessDeniedException` (no IAM policy evaluation).

use amplocal_core::{AwsError, InternalError};

/// Every error the AppSync control plane returns.
#[derive(Debug, thiserror::Error)]
pub enum AppSyncError {
    /// 400: invalid request.
    #[error("{0}")]
    BadRequestException(String),
    /// 404: the API, key or schema does not exist.
    #[error("{0}")]
    NotFoundException(String),
    /// 401: not authorized.
    #[error("{0}")]
    UnauthorizedException(String),
    /// 409: another operation is modifying the resource.
    #[error("{0}")]
    ConcurrentModificationException(String),
    /// 400: `expires` outside 1–365 days.
    #[error("{0}")]
    ApiKeyValidityOutOfBoundsException(String),
    /// 400: API key limit reached.
    #[error("{0}")]
    ApiKeyLimitExceededException(String),
    /// 500.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl AwsError for AppSyncError {
    fn code(&self) -> &'static str {
        match self {
            AppSyncError::BadRequestException(_) => "BadRequestException",
            AppSyncError::NotFoundException(_) => "NotFoundException",
            AppSyncError::UnauthorizedException(_) => "UnauthorizedException",
            AppSyncError::ConcurrentModificationException(_) => "ConcurrentModificationException",
            AppSyncError::ApiKeyValidityOutOfBoundsException(_) => "ApiKeyValidityOutOfBoundsException",
            AppSyncError::ApiKeyLimitExceededException(_) => "ApiKeyLimitExceededException",
            AppSyncError::Internal(_) => "InternalFailureException",
        }
    }

    fn status(&self) -> u16 {
        match self {
            AppSyncError::BadRequestException(_) | AppSyncError::ApiKeyValidityOutOfBoundsException(_) | AppSyncError::ApiKeyLimitExceededException(_) => 400,
            AppSyncError::NotFoundException(_) => 404,
            AppSyncError::UnauthorizedException(_) => 401,
            AppSyncError::ConcurrentModificationException(_) => 409,
            AppSyncError::Internal(_) => 500,
        }
    }
}

impl From<rusqlite::Error> for AppSyncError {
    #[track_caller]
    fn from(e: rusqlite::Error) -> Self {
        AppSyncError::Internal(InternalError::new(e))
    }
}

impl From<serde_json::Error> for AppSyncError {
    #[track_caller]
    fn from(e: serde_json::Error) -> Self {
        AppSyncError::Internal(InternalError::new(e))
    }
}

/// `GraphQL API <id> not found.`
pub fn api_not_found(api_id: &str) -> AppSyncError {
    AppSyncError::NotFoundException(format!("GraphQL API {api_id} not found."))
}
