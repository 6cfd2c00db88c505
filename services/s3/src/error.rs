//! The S3 error codes amplocal answers with (one variant per AWS code), their HTTP statuses and
//! messages, and the resource fields (`BucketName`, `Key`, `UploadId`, `Condition`) S3 puts in
//! the `<Error>` body. See <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>.
//! Leaves out codes for features amplocal does not emulate (object lock, replication, …).

use amplocal_core::{AwsError, InternalError};

/// Every error an S3 operation can produce.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// 404: bucket missing.
    #[error("The specified bucket does not exist")]
    NoSuchBucket { bucket: String },
    /// 404: key missing.
    #[error("The specified key does not exist.")]
    NoSuchKey { key: String },
    /// 404: the latest version is a delete marker (adds `x-amz-delete-marker`).
    #[error("The specified key does not exist.")]
    DeleteMarker { key: String, version: String },
    /// 404: version missing.
    #[error("The specified version does not exist.")]
    NoSuchVersion { key: String, version: String },
    /// 404: multipart upload missing.
    #[error("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")]
    NoSuchUpload { upload_id: String },
    /// 404: no CORS rules.
    #[error("The CORS configuration does not exist")]
    NoSuchCORSConfiguration { bucket: String },
    /// 404: no tag set.
    #[error("The TagSet does not exist")]
    NoSuchTagSet { bucket: String },
    /// 404: no lifecycle configuration.
    #[error("The lifecycle configuration does not exist")]
    NoSuchLifecycleConfiguration { bucket: String },
    /// 404: no bucket policy.
    #[error("The bucket policy does not exist")]
    NoSuchBucketPolicy { bucket: String },
    /// 409: own bucket re-created outside us-east-1.
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketAlreadyOwnedByYou { bucket: String },
    /// 409: bucket owned by another account.
    #[error("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")]
    BucketAlreadyExists { bucket: String },
    /// 409: bucket still holds objects.
    #[error("The bucket you tried to delete is not empty")]
    BucketNotEmpty { bucket: String },
    /// 400: bucket name breaks the naming rules.
    #[error("The specified bucket is not valid.")]
    InvalidBucketName { bucket: String },
    /// 400: an argument is invalid.
    #[error("{0}")]
    InvalidArgument(String),
    /// 400: the request is invalid.
    #[error("{0}")]
    InvalidRequest(String),
    /// 416.
    #[error("The requested range is not satisfiable")]
    InvalidRange { range: String, size: u64 },
    /// 412.
    #[error("At least one of the pre-conditions you specified did not hold")]
    PreconditionFailed { condition: &'static str },
    /// 304 (no body).
    #[error("Not Modified")]
    NotModified { etag: String, last_modified: String },
    /// 400: a non-final part is below 5 MiB.
    #[error("Your proposed upload is smaller than the minimum allowed size")]
    EntityTooSmall,
    /// 400: larger than allowed.
    #[error("Your proposed upload exceeds the maximum allowed size")]
    EntityTooLarge,
    /// 400: a listed part is missing or its ETag differs.
    #[error("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")]
    InvalidPart,
    /// 400: parts not in ascending order.
    #[error("The list of parts was not in ascending order. Parts must be ordered by part number.")]
    InvalidPartOrder,
    /// 400: a checksum or Content-MD5 does not match the body.
    #[error("{0}")]
    BadDigest(String),
    /// 400: Content-MD5 or a checksum header is malformed.
    #[error("{0}")]
    InvalidDigest(String),
    /// 400: the body does not hash to `x-amz-content-sha256`.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    XAmzContentSHA256Mismatch,
    /// 400: body ended early.
    #[error("You did not provide the number of bytes specified by the Content-Length HTTP header.")]
    IncompleteBody,
    /// 403: a chunk or trailer signature does not match.
    #[error("The request signature we calculated does not match the signature you provided. Check your key and signing method.")]
    SignatureDoesNotMatch,
    /// 400: a POST Object form is not valid multipart/form-data.
    #[error("The body of your POST request is not well-formed multipart/form-data.")]
    MalformedPOSTRequest,
    /// 400: a POST policy is not valid.
    #[error("{0}")]
    InvalidPolicyDocument(String),
    /// 400: the bucket policy is not valid JSON.
    #[error("Policies must be valid JSON and the first byte must be '{{'")]
    MalformedPolicy,
    /// 400: the XML body is not what the operation expects.
    #[error("The XML you provided was not well-formed or did not validate against our published schema")]
    MalformedXML,
    /// 405.
    #[error("The specified method is not allowed against this resource.")]
    MethodNotAllowed { method: String, resource: &'static str },
    /// 501.
    #[error("{0}")]
    NotImplemented(String),
    /// 400: key longer than 1024 bytes.
    #[error("Your key is too long")]
    KeyTooLongError,
    /// 400: `x-amz-storage-class` names no storage class.
    #[error("The storage class you specified is not valid")]
    InvalidStorageClass,
    /// 400: a tag key or value is empty, too long or repeated.
    #[error("{0}")]
    InvalidTag(String),
    /// 400: S3's generic `BadRequest` (more than 10 object tags).
    #[error("{0}")]
    BadRequest(String),
    /// 403.
    #[error("{0}")]
    AccessDenied(String),
    /// 409: a concurrent conditional write won.
    #[error("The conditional request cannot succeed due to a conflicting operation against this resource.")]
    ConditionalRequestConflict,
    /// 411.
    #[error("You must provide the Content-Length HTTP header.")]
    MissingContentLength,
    /// 403: CORS preflight refused.
    #[error("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")]
    CorsForbidden,
    /// 500.
    #[error("We encountered an internal error. Please try again.")]
    Internal(#[from] InternalError),
}

impl From<rusqlite::Error> for S3Error {
    #[track_caller]
    fn from(e: rusqlite::Error) -> Self {
        S3Error::Internal(InternalError::new(e))
    }
}

impl From<std::io::Error> for S3Error {
    #[track_caller]
    fn from(e: std::io::Error) -> Self {
        S3Error::Internal(InternalError::new(e))
    }
}

impl AwsError for S3Error {
    fn code(&self) -> &'static str {
        use S3Error::*;
        match self {
            NoSuchBucket { .. } => "NoSuchBucket",
            NoSuchKey { .. } | DeleteMarker { .. } => "NoSuchKey",
            NoSuchVersion { .. } => "NoSuchVersion",
            NoSuchUpload { .. } => "NoSuchUpload",
            NoSuchCORSConfiguration { .. } => "NoSuchCORSConfiguration",
            NoSuchTagSet { .. } => "NoSuchTagSet",
            NoSuchLifecycleConfiguration { .. } => "NoSuchLifecycleConfiguration",
            NoSuchBucketPolicy { .. } => "NoSuchBucketPolicy",
            BucketAlreadyOwnedByYou { .. } => "BucketAlreadyOwnedByYou",
            BucketAlreadyExists { .. } => "BucketAlreadyExists",
            BucketNotEmpty { .. } => "BucketNotEmpty",
            InvalidBucketName { .. } => "InvalidBucketName",
            InvalidArgument(_) => "InvalidArgument",
            InvalidRequest(_) => "InvalidRequest",
            InvalidRange { .. } => "InvalidRange",
            PreconditionFailed { .. } => "PreconditionFailed",
            NotModified { .. } => "NotModified",
            EntityTooSmall => "EntityTooSmall",
            EntityTooLarge => "EntityTooLarge",
            InvalidPart => "InvalidPart",
            InvalidPartOrder => "InvalidPartOrder",
            BadDigest(_) => "BadDigest",
            InvalidDigest(_) => "InvalidDigest",
            XAmzContentSHA256Mismatch => "XAmzContentSHA256Mismatch",
            IncompleteBody => "IncompleteBody",
            SignatureDoesNotMatch => "SignatureDoesNotMatch",
            MalformedXML => "MalformedXML",
            MalformedPolicy => "MalformedPolicy",
            MalformedPOSTRequest => "MalformedPOSTRequest",
            InvalidPolicyDocument(_) => "InvalidPolicyDocument",
            MethodNotAllowed { .. } => "MethodNotAllowed",
            NotImplemented(_) => "NotImplemented",
            KeyTooLongError => "KeyTooLongError",
            InvalidStorageClass => "InvalidStorageClass",
            InvalidTag(_) => "InvalidTag",
            BadRequest(_) => "BadRequest",
            AccessDenied(_) | CorsForbidden => "AccessDenied",
            ConditionalRequestConflict => "ConditionalRequestConflict",
            MissingContentLength => "MissingContentLength",
            Internal(_) => "InternalError",
        }
    }

    fn status(&self) -> u16 {
        use S3Error::*;
        match self {
            NoSuchBucket { .. }
            | NoSuchKey { .. }
            | DeleteMarker { .. }
            | NoSuchVersion { .. }
            | NoSuchUpload { .. }
            | NoSuchCORSConfiguration { .. }
            | NoSuchTagSet { .. }
            | NoSuchLifecycleConfiguration { .. }
            | NoSuchBucketPolicy { .. } => 404,
            BucketAlreadyOwnedByYou { .. } | BucketAlreadyExists { .. } | BucketNotEmpty { .. } | ConditionalRequestConflict => 409,
            InvalidBucketName { .. }
            | InvalidArgument(_)
            | InvalidRequest(_)
            | EntityTooSmall
            | EntityTooLarge
            | InvalidPart
            | InvalidPartOrder
            | BadDigest(_)
            | InvalidDigest(_)
            | XAmzContentSHA256Mismatch
            | IncompleteBody
            | MalformedXML
            | MalformedPolicy
            | MalformedPOSTRequest
            | InvalidPolicyDocument(_)
            | KeyTooLongError
            | InvalidStorageClass
            | InvalidTag(_)
            | BadRequest(_) => 400,
            InvalidRange { .. } => 416,
            PreconditionFailed { .. } => 412,
            NotModified { .. } => 304,
            SignatureDoesNotMatch | AccessDenied(_) | CorsForbidden => 403,
            MethodNotAllowed { .. } => 405,
            MissingContentLength => 411,
            NotImplemented(_) => 501,
            Internal(_) => 500,
        }
    }
}

impl S3Error {
    /// The resource fields S3 adds to this error's `<Error>` document.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        use S3Error::*;
        match self {
            NoSuchBucket { bucket }
            | NoSuchCORSConfiguration { bucket }
            | NoSuchTagSet { bucket }
            | NoSuchLifecycleConfiguration { bucket }
            | NoSuchBucketPolicy { bucket }
            | BucketAlreadyOwnedByYou { bucket }
            | BucketAlreadyExists { bucket }
            | BucketNotEmpty { bucket }
            | InvalidBucketName { bucket } => vec![("BucketName", bucket.clone())],
            NoSuchKey { key } | DeleteMarker { key, .. } => vec![("Key", key.clone())],
            NoSuchVersion { key, version } => vec![("Key", key.clone()), ("VersionId", version.clone())],
            NoSuchUpload { upload_id } => vec![("UploadId", upload_id.clone())],
            InvalidRange { range, size } => vec![("RangeRequested", range.clone()), ("ActualObjectSize", size.to_string())],
            PreconditionFailed { condition } => vec![("Condition", condition.to_string())],
            MethodNotAllowed { method, resource } => vec![("Method", method.clone()), ("ResourceType", resource.to_string())],
            _ => Vec::new(),
        }
    }
}

/// Result alias for S3 operations.
pub type S3Result<T> = Result<T, S3Error>;
