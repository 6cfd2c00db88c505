//! The one end-to-end test binary: real aws-sdk-rust clients against the in-process gateway.

mod appsync;
mod appsync_delta_sync;
mod appsync_field_only_auth;
mod appsync_seed_delta;
mod appsync_served_sdl;
mod auth;
mod backend;
mod cognito;
mod cognito_srp;
mod dynamodb;
mod dynamodb_atomic;
mod gateway;
mod http2_early;
mod s3;
mod storage_access;
mod tls_names;
