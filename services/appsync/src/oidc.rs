//! The `OPENID_CONNECT` auth mode (<https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html#openid-connect-authorization>):
//! `Authorization: <JWT>` (optionally `Bearer `) signed by a key of the issuer's JWKS, `iss`
//! equal to the API's `openIDConnectConfig.issuer`, not expired, `aud` / `client_id` equal to
//! `clientId` when one is configured, `iat` within `iatTTL` and `auth_time` within `authTTL`
//! (milliseconds) when those are set.
//!
//! An issuer that is one of amplocal's own user pools is verified by Cognito in process
//! (`crate::graphql`), so Cognito-as-OIDC-provider setups work offline. Other issuers' keys
//! come from `--graphql-oidc-jwks` for the `--graphql-oidc-issuer` issuer (an `http://`
//! URL or a local file), otherwise from the issuer's discovery document
//! (`<issuer>/.well-known/openid-configuration` → `jwks_uri`). They are cached per source
//! and fetched again when a token names an unknown `kid`.
//!
//! Leaves out: fetching over `https://` (local issuers are plain HTTP; point
//! `--graphql-oidc-jwks` at a file for anything else), algorithms other than RS256/RS384/RS512.

use crate::auth_rules::Identity;
use base64::Engine;
use http_body_util::BodyExt;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Where an API's OIDC tokens are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// `issuer`.
    pub issuer: String,
    /// `clientId` (checked against `aud` / `client_id`).
    pub client_id: Option<String>,
    /// `iatTTL` in milliseconds (0/absent: unchecked).
    pub iat_ttl_ms: i64,
    /// `authTTL` in milliseconds (0/absent: unchecked).
    pub auth_ttl_ms: i64,
}

impl OidcConfig {
    /// The `openIDConnectConfig` of a stored API body (default or additional provider).
    pub fn of_api(body: &Value) -> Option<Self> {
        let c = std::iter::once(body)
            .chain(body.get("additionalAuthenticationProviders").and_then(Value::as_array).into_iter().flatten())
            .find_map(|p| p.get("openIDConnectConfig").filter(|c| c.is_object()))?;
        Some(Self {
            issuer: c.get("issuer")?.as_str()?.trim_end_matches('/').to_string(),
            client_id: c.get("clientId").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from),
            iat_ttl_ms: c.get("iatTTL").and_then(Value::as_i64).unwrap_or(0),
            auth_ttl_ms: c.get("authTTL").and_then(Value::as_i64).unwrap_or(0),
        })
    }
}

/// Verifies OIDC tokens; caches JWKS per source.
#[derive(Debug, Clone, Default)]
pub struct OidcVerifier {
    /// `(issuer, jwks source)` from the CLI flags.
    configured: Option<(String, Option<String>)>,
    cache: Arc<Mutex<HashMap<String, Arc<JwkSet>>>>,
}

fn claim_str(claims: &Map<String, Value>, k: &str) -> Option<String> {
    claims.get(k).and_then(Value::as_str).map(String::from)
}

impl OidcVerifier {
    /// A verifier knowing the `--graphql-oidc-issuer` / `--graphql-oidc-jwks` pair.
    pub fn new(issuer: Option<String>, jwks: Option<String>) -> Self {
        Self { configured: issuer.map(|i| (i.trim_end_matches('/').to_string(), jwks)), cache: Arc::default() }
    }

    async fn source(&self, issuer: &str) -> Result<String, String> {
        if let Some((i, Some(j))) = &self.configured {
            if i == issuer {
                return Ok(j.clone());
            }
        }
        let doc: Value = serde_json::from_slice(&fetch(&format!("{issuer}/.well-known/openid-configuration")).await?).map_err(|e| e.to_string())?;
        doc.get("jwks_uri").and_then(Value::as_str).map(String::from).ok_or_else(|| "no jwks_uri".into())
    }

    async fn keys(&self, issuer: &str, refresh: bool) -> Result<Arc<JwkSet>, String> {
        if !refresh {
            if let Some(k) = self.lock().get(issuer) {
                return Ok(k.clone());
            }
        }
        let source = self.source(issuer).await?;
        let raw = if source.starts_with("http://") || source.starts_with("https://") { fetch(&source).await? } else { tokio::fs::read(&source).await.map_err(|e| e.to_string())? };
        let set: Arc<JwkSet> = Arc::new(serde_json::from_slice(&raw).map_err(|e| format!("JWKS: {e}"))?);
        self.lock().insert(issuer.to_string(), set.clone());
        Ok(set)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<JwkSet>>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Verify `header` (a raw or `Bearer` JWT) for an API configured with `cfg` at `now`; the
    /// caller's identity (claims kept for `identityClaim`s) or `None`.
    pub async fn verify(&self, cfg: &OidcConfig, header: &str, now: SystemTime) -> Option<Identity> {
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        let head = jsonwebtoken::decode_header(token).ok()?;
        if !matches!(head.alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) {
            return None;
        }
        let payload = token.split('.').nth(1)?;
        let raw: Map<String, Value> = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?).ok()?;
        if raw.get("iss").and_then(Value::as_str).map(|i| i.trim_end_matches('/')) != Some(cfg.issuer.as_str()) {
            return None;
        }
        let mut keys = self.keys(&cfg.issuer, false).await.ok()?;
        let find = |set: &JwkSet| match &head.kid {
            Some(kid) => set.find(kid).cloned(),
            None => set.keys.first().cloned(),
        };
        let jwk = match find(&keys) {
            Some(k) => k,
            None => {
                keys = self.keys(&cfg.issuer, true).await.ok()?;
                find(&keys)?
            }
        };
        let key = DecodingKey::from_jwk(&jwk).ok()?;
        let mut v = Validation::new(head.alg);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims = HashSet::new();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &v).ok()?.claims;
        let now_s = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs() as i64;
        if claims.get("exp").and_then(Value::as_i64).is_none_or(|exp| exp <= now_s) {
            return None;
        }
        if let Some(client) = &cfg.client_id {
            let aud_ok = match claims.get("aud") {
                Some(Value::String(a)) => a == client,
                Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(client)),
                _ => false,
            };
            if !aud_ok && claim_str(&claims, "client_id").as_deref() != Some(client) {
                return None;
            }
        }
        let within = |claim: &str, ttl_ms: i64| ttl_ms <= 0 || claims.get(claim).and_then(Value::as_i64).is_some_and(|t| (now_s - t) * 1000 <= ttl_ms);
        if !within("iat", cfg.iat_ttl_ms) || !within("auth_time", cfg.auth_ttl_ms) {
            return None;
        }
        let sub = claim_str(&claims, "sub")?;
        let username = ["username", "cognito:username", "preferred_username"].iter().find_map(|k| claim_str(&claims, k)).unwrap_or_else(|| sub.clone());
        let groups = ["cognito:groups", "groups"]
            .iter()
            .find_map(|k| claims.get(*k).and_then(Value::as_array))
            .map(|g| g.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default();
        Some(Identity { sub, username, groups, claims })
    }
}

/// GET an `http://` URL (discovery documents and JWKS of local issuers), 5 s timeout, 1 MiB.
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    if !url.starts_with("http://") {
        return Err(format!("{url}: only http:// issuers can be fetched (use --graphql-oidc-jwks FILE)"));
    }
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<http_body_util::Empty<bytes::Bytes>>();
    let resp = tokio::time::timeout(Duration::from_secs(5), client.get(uri)).await.map_err(|_| format!("{url}: timeout"))?.map_err(|e| format!("{url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    let body = http_body_util::Limited::new(resp.into_body(), 1 << 20);
    let bytes = tokio::time::timeout(Duration::from_secs(5), body.collect()).await.map_err(|_| format!("{url}: timeout"))?.map_err(|e| format!("{url}: {e}"))?;
    Ok(bytes.to_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_from_the_default_or_an_additional_provider() {
        let default = json!({"authenticationType": "OPENID_CONNECT", "openIDConnectConfig": {"issuer": "http://idp/", "clientId": "app", "iatTTL": 5}});
        assert_eq!(OidcConfig::of_api(&default), Some(OidcConfig { issuer: "http://idp".into(), client_id: Some("app".into()), iat_ttl_ms: 5, auth_ttl_ms: 0 }));
        let extra = json!({"authenticationType": "API_KEY", "additionalAuthenticationProviders": [{"authenticationType": "AWS_IAM"}, {"authenticationType": "OPENID_CONNECT", "openIDConnectConfig": {"issuer": "http://x", "clientId": ""}}]});
        assert_eq!(OidcConfig::of_api(&extra).map(|c| (c.issuer, c.client_id)), Some(("http://x".into(), None)));
        assert_eq!(OidcConfig::of_api(&json!({"authenticationType": "API_KEY"})), None);
    }

    #[tokio::test]
    async fn garbage_and_https_issuers_are_refused_without_panicking() {
        let v = OidcVerifier::new(None, None);
        let cfg = OidcConfig { issuer: "https://login.example.com".into(), client_id: None, iat_ttl_ms: 0, auth_ttl_ms: 0 };
        assert_eq!(v.verify(&cfg, "not.a.jwt", SystemTime::now()).await, None);
        assert!(fetch("https://login.example.com/.well-known/openid-configuration").await.unwrap_err().contains("only http://"));
    }
}
