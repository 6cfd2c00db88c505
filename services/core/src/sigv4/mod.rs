//! AWS Signature Version 4: header auth, presigned query auth and aws-chunked chunk signatures,
//! as pure functions over request parts (no axum). See
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
//!
//! (Skeleton: the verifier lands with the foundation issue.)
