//! End-to-end tests of SigV4 authentication with aws-sdk-rust.
