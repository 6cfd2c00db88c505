//! AWS Signature Version 4: header auth, presigned query auth, aws-chunked chunk signatures
//! and S3's legacy SigV2, as pure functions over request parts (no axum, no credential
//! lookup). The gateway's `auth` module decides which secret applies and how failures render.
//! See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
//! Leaves out: SigV4a (ECDSA), SigV2 POST policies.

pub mod authorize;
pub mod canonical;
pub mod chunk;
pub mod parse;
pub mod signing;
pub mod sigv2;
pub mod verify;

#[cfg(test)]
mod crosscheck;
#[cfg(test)]
mod vectors;

pub use authorize::{authorize, authorize_request, AuthError, Authorized, Payload};
pub use canonical::{PathMode, RequestParts};
pub use parse::{parse_request_auth, AuthLocation, ParseError, RequestAuth, SigV4Auth};
pub use verify::{check_header_time, check_presigned_time, verify_v4, TimeError, Verification};
