//! In-process verification of the ID and access tokens this emulator issued, for any pool of
//! any account: RS256 signature against the pool's key, `iss` (AWS form or the configured
//! emulator base), `exp` against the injected clock, and revocation of access tokens
//! (RevokeToken / GlobalSignOut). AppSync's `AMAZON_COGNITO_USER_POOLS` mode calls
//! [`CognitoService::verify_token`].

use crate::error::{CognitoError, Result};
use crate::store;
use crate::CognitoService;
use amplocal_core::clock::epoch_secs;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The verified claims of a token.
#[derive(Debug, Clone)]
pub struct Claims {
    /// Pool that issued it.
    pub pool_id: String,
    /// Account owning the pool.
    pub account_id: String,
    /// Region of the pool.
    pub region: String,
    /// `id` or `access`.
    pub token_use: String,
    /// `sub`.
    pub sub: String,
    /// `cognito:username` (ID token) or `username` (access token).
    pub username: String,
    /// `aud` (ID token) or `client_id` (access token).
    pub client_id: String,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// Every claim as issued.
    pub claims: Map<String, Value>,
}

impl CognitoService {
    /// The `iss` this emulator puts in tokens of `pool_id` (in `region`).
    pub fn issuer(&self, region: &str, pool_id: &str) -> String {
        match &self.inner.config.issuer_base {
            Some(base) => format!("{}/{pool_id}", base.trim_end_matches('/')),
            None => format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        }
    }

    fn issuer_accepted(&self, iss: &str, region: &str, pool_id: &str) -> bool {
        iss == format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}") || iss == self.issuer(region, pool_id)
    }

    /// Verify an ID or access token issued by any pool of this emulator. Errors are
    /// `NotAuthorizedException` with Cognito's messages ("Invalid Access Token",
    /// "Access Token has expired", "Access Token has been revoked").
    pub async fn verify_token(&self, token: &str) -> Result<Claims> {
        let bad = || CognitoError::bad_access_token();
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad())?;
        if header.alg != Algorithm::RS256 {
            return Err(bad());
        }
        let payload = token.split('.').nth(1).ok_or_else(bad)?;
        let raw: Map<String, Value> = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(bad)?;
        let iss = raw.get("iss").and_then(Value::as_str).ok_or_else(bad)?;
        let pool_id = iss.rsplit('/').next().unwrap_or_default().to_string();
        let pid = pool_id.clone();
        let pool = self.db().read(move |c| store::get_pool_any(c, &pid)).await?.ok_or_else(bad)?;
        if !self.issuer_accepted(iss, &pool.region, &pool.id) {
            return Err(bad());
        }
        // Either of the pool's keys: access tokens minted before the pool had its second key
        // were signed with the ID-token key.
        let keys = self.inner.keys.existing(self.db(), &self.core().ids, &pool.id).await?.ok_or_else(bad)?;
        let key = keys.by_kid(header.kid.as_deref().unwrap_or_default()).ok_or_else(bad)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims = HashSet::new();
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &v).map_err(|_| bad())?;
        let claims = data.claims;
        let token_use = claims.get("token_use").and_then(Value::as_str).unwrap_or_default().to_string();
        let exp = claims.get("exp").and_then(Value::as_i64).ok_or_else(bad)?;
        let now = epoch_secs(self.core().clock.now()) as i64;
        if exp <= now {
            return Err(CognitoError::NotAuthorizedException(if token_use == "id" { "Token has expired.".into() } else { "Access Token has expired".into() }));
        }
        if token_use == "access" {
            if let Some(origin) = claims.get("origin_jti").and_then(Value::as_str) {
                let o = origin.to_string();
                if self.db().read(move |c| store::user::origin_revoked(c, &o)).await? {
                    return Err(CognitoError::NotAuthorizedException("Access Token has been revoked".into()));
                }
            }
        }
        let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let (username, client_id) = if token_use == "id" { (s("cognito:username"), s("aud")) } else { (s("username"), s("client_id")) };
        let groups = store::str_list(claims.get("cognito:groups").unwrap_or(&Value::Null));
        Ok(Claims { pool_id: pool.id, account_id: pool.account, region: pool.region, token_use, sub: s("sub"), username, client_id, groups, claims })
    }

    /// A user's attributes (`sub` included) by pool and internal username, for in-process
    /// callers (AppSync resolvers). `None` when the user does not exist.
    pub async fn user_attributes(&self, pool_id: &str, username: &str) -> Result<Option<Map<String, Value>>> {
        let (p, u) = (pool_id.to_string(), username.to_string());
        Ok(self.db().read(move |c| store::user::get(c, &p, &u)).await?.map(|u| u.attrs))
    }
}
