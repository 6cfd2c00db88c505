//! Token signing: per-pool RSA keys ([`keys`]), ID/access token claims ([`jwt`]) and the JWKS /
//! OpenID discovery documents ([`jwks`]).

pub mod jwks;
pub mod jwt;
pub mod keys;
