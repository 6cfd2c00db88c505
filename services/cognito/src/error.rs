//! The cognito error enum: one variant per AWS error code used by cognito-idp,
//! cognito-identity and STS, plus `Internal`. Rendered as awsJson1_1
//! (`{"__type": "<Code>", "message": "..."}`, `x-amzn-ErrorType`) with HTTP 400 for every client
//! error (what the live service sends, see reference cognito.md §1.4) and 500 for `Internal`.

use amplocal_core::{AwsError, InternalError};

/// Every error a cognito operation can answer with. The payload is the message.
#[derive(Debug, thiserror::Error)]
#[allow(clippy::enum_variant_names)]
pub enum CognitoError {
    /// Wrong credentials, bad/revoked/expired tokens, disabled user, flow not allowed.
    #[error("{0}")]
    NotAuthorizedException(String),
    /// No such user (LEGACY user-existence errors).
    #[error("{0}")]
    UserNotFoundException(String),
    /// SignUp / AdminCreateUser with a taken username.
    #[error("{0}")]
    UsernameExistsException(String),
    /// Validation failures.
    #[error("{0}")]
    InvalidParameterException(String),
    /// Password policy violated.
    #[error("{0}")]
    InvalidPasswordException(String),
    /// Wrong code.
    #[error("{0}")]
    CodeMismatchException(String),
    /// Code expired or already used.
    #[error("{0}")]
    ExpiredCodeException(String),
    /// Correct credentials but the user is UNCONFIRMED.
    #[error("{0}")]
    UserNotConfirmedException(String),
    /// The user is in RESET_REQUIRED.
    #[error("{0}")]
    PasswordResetRequiredException(String),
    /// Unknown pool, client, group, identity pool, identity.
    #[error("{0}")]
    ResourceNotFoundException(String),
    /// Too many attempts.
    #[error("{0}")]
    LimitExceededException(String),
    /// Throttling.
    #[error("{0}")]
    TooManyRequestsException(String),
    /// An alias (email/phone) already belongs to another user.
    #[error("{0}")]
    AliasExistsException(String),
    /// The pool is configured in a way the operation cannot use.
    #[error("{0}")]
    InvalidUserPoolConfigurationException(String),
    /// Feature we (or AWS) do not support.
    #[error("{0}")]
    UnsupportedOperationException(String),
    /// RevokeToken with something that is not a refresh token.
    #[error("{0}")]
    UnsupportedTokenTypeException(String),
    /// A rotated refresh token used after its grace period.
    #[error("{0}")]
    RefreshTokenReuseException(String),
    /// A group that already exists.
    #[error("{0}")]
    GroupExistsException(String),
    /// Invalid TOTP setup.
    #[error("{0}")]
    EnableSoftwareTokenMFAException(String),
    /// Identity pool: unknown / missing role.
    #[error("{0}")]
    InvalidIdentityPoolConfigurationException(String),
    /// Identity pool / resource conflicts.
    #[error("{0}")]
    ResourceConflictException(String),
    /// Unknown `X-Amz-Target` operation.
    #[error("{0}")]
    UnknownOperationException(String),
    /// Body is not JSON / wrong member types.
    #[error("{0}")]
    SerializationException(String),
    /// STS: the web identity token was rejected.
    #[error("{0}")]
    InvalidIdentityToken(String),
    /// STS: the web identity token expired.
    #[error("{0}")]
    ExpiredTokenException(String),
    /// Unexpected failure inside amplocal.
    #[error("{0}")]
    Internal(#[from] InternalError),
}

impl AwsError for CognitoError {
    fn code(&self) -> &'static str {
        use CognitoError::*;
        match self {
            NotAuthorizedException(_) => "NotAuthorizedException",
            UserNotFoundException(_) => "UserNotFoundException",
            UsernameExistsException(_) => "UsernameExistsException",
            InvalidParameterException(_) => "InvalidParameterException",
            InvalidPasswordException(_) => "InvalidPasswordException",
            CodeMismatchException(_) => "CodeMismatchException",
            ExpiredCodeException(_) => "ExpiredCodeException",
            UserNotConfirmedException(_) => "UserNotConfirmedException",
            PasswordResetRequiredException(_) => "PasswordResetRequiredException",
            ResourceNotFoundException(_) => "ResourceNotFoundException",
            LimitExceededException(_) => "LimitExceededException",
            TooManyRequestsException(_) => "TooManyRequestsException",
            AliasExistsException(_) => "AliasExistsException",
            InvalidUserPoolConfigurationException(_) => "InvalidUserPoolConfigurationException",
            UnsupportedOperationException(_) => "UnsupportedOperationException",
            UnsupportedTokenTypeException(_) => "UnsupportedTokenTypeException",
            GroupExistsException(_) => "GroupExistsException",
            RefreshTokenReuseException(_) => "RefreshTokenReuseException",
            EnableSoftwareTokenMFAException(_) => "EnableSoftwareTokenMFAException",
            InvalidIdentityPoolConfigurationException(_) => "InvalidIdentityPoolConfigurationException",
            ResourceConflictException(_) => "ResourceConflictException",
            UnknownOperationException(_) => "UnknownOperationException",
            SerializationException(_) => "SerializationException",
            InvalidIdentityToken(_) => "InvalidIdentityToken",
            ExpiredTokenException(_) => "ExpiredTokenException",
            Internal(_) => "InternalErrorException",
        }
    }

    fn status(&self) -> u16 {
        match self {
            CognitoError::Internal(_) => 500,
            CognitoError::TooManyRequestsException(_) => 429,
            _ => 400,
        }
    }

    fn message(&self) -> String {
        match self {
            CognitoError::Internal(_) => "Internal server error".into(),
            other => other.to_string(),
        }
    }
}

impl From<rusqlite::Error> for CognitoError {
    #[track_caller]
    fn from(e: rusqlite::Error) -> Self {
        CognitoError::Internal(InternalError::from(e))
    }
}

impl From<serde_json::Error> for CognitoError {
    #[track_caller]
    fn from(e: serde_json::Error) -> Self {
        CognitoError::Internal(InternalError::from(e))
    }
}

/// Shorthands for the messages AWS uses most.
impl CognitoError {
    /// "Incorrect username or password."
    pub fn bad_credentials() -> Self {
        CognitoError::NotAuthorizedException("Incorrect username or password.".into())
    }
    /// "User does not exist."
    pub fn no_user() -> Self {
        CognitoError::UserNotFoundException("User does not exist.".into())
    }
    /// InvalidParameterException with `msg`.
    pub fn param(msg: impl Into<String>) -> Self {
        CognitoError::InvalidParameterException(msg.into())
    }
    /// "Invalid Access Token"
    pub fn bad_access_token() -> Self {
        CognitoError::NotAuthorizedException("Invalid Access Token".into())
    }
}

/// Result alias for cognito operations.
pub type Result<T, E = CognitoError> = std::result::Result<T, E>;
