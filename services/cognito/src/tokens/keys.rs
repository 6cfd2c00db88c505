//! Per-pool RS256 signing keys: RSA-2048, generated lazily the first time a pool signs a token
//! (key generation is slow in debug builds), persisted in `signing_keys` and cached in memory.
//! One key signs both the ID and the access token (AWS uses two; nothing depends on it).
//! The parsed signing key (ring's `RsaKeyPair`, with its CRT and Montgomery precomputation) is
//! kept with the cached key, so minting a token costs one RSA signature and no key parsing.

use crate::error::{CognitoError, Result};
use amplocal_core::{IdGen, InternalError, SqliteDb};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::SeedableRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A pool's signing key, ready to sign and verify.
pub struct PoolKey {
    /// JWK `kid`.
    pub kid: String,
    /// JWK modulus, base64url.
    pub n: String,
    /// JWK exponent, base64url.
    pub e: String,
    /// Signing key (jsonwebtoken form, kept for callers that want it).
    pub encoding: EncodingKey,
    /// The parsed signing key tokens are minted with.
    pub signer: ring::signature::RsaKeyPair,
    /// Verification key.
    pub decoding: DecodingKey,
}

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Cache of loaded keys plus a lock so one pool's key is generated once.
#[derive(Debug, Default)]
pub struct KeyStore {
    cache: Mutex<HashMap<String, Arc<PoolKey>>>,
    gen: tokio::sync::Mutex<()>,
}

fn load(kid: String, der: &[u8]) -> Result<PoolKey> {
    let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| CognitoError::Internal(InternalError::new(e)))?;
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let encoding = EncodingKey::from_rsa_der(der);
    let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(|e| CognitoError::Internal(InternalError::new(e)))?;
    let signer = ring::signature::RsaKeyPair::from_der(der).map_err(|e| CognitoError::Internal(InternalError::new(e.to_string())))?;
    Ok(PoolKey { kid, n, e, encoding, decoding, signer })
}

impl PoolKey {
    /// `base64url(header).base64url(claims).base64url(RS256 signature)` with Cognito's header
    /// `{"kid":…,"alg":"RS256"}` (no `typ`).
    pub fn sign_jwt(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Result<String> {
        let header = serde_json::json!({"kid": self.kid, "alg": "RS256"});
        let mut out = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut out);
        let mut sig = vec![0u8; self.signer.public().modulus_len()];
        self.signer
            .sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), out.as_bytes(), &mut sig)
            .map_err(|e| CognitoError::Internal(InternalError::new(e.to_string())))?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&sig, &mut out);
        Ok(out)
    }
}

impl KeyStore {
    /// The key of `pool_id` if it exists (verification never creates keys).
    pub async fn existing(&self, db: &SqliteDb, pool_id: &str) -> Result<Option<Arc<PoolKey>>> {
        if let Some(k) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(pool_id) {
            return Ok(Some(k.clone()));
        }
        let pid = pool_id.to_string();
        let row: Option<(String, Vec<u8>)> = db
            .read(move |c| {
                c.query_row("SELECT kid, der FROM signing_keys WHERE pool_id = ?1", [&pid], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(CognitoError::from)
            })
            .await?;
        let Some((kid, der)) = row else { return Ok(None) };
        let key = Arc::new(load(kid, &der)?);
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(pool_id.to_string(), key.clone());
        Ok(Some(key))
    }

    /// The key of `pool_id`, generating and persisting it on first use.
    pub async fn get_or_create(&self, db: &SqliteDb, ids: &Arc<dyn IdGen>, pool_id: &str) -> Result<Arc<PoolKey>> {
        if let Some(k) = self.existing(db, pool_id).await? {
            return Ok(k);
        }
        let _guard = self.gen.lock().await;
        if let Some(k) = self.existing(db, pool_id).await? {
            return Ok(k);
        }
        let mut seed = [0u8; 32];
        ids.fill(&mut seed);
        let der = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
            let mut rng = rand::rngs::StdRng::from_seed(seed);
            let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| CognitoError::Internal(InternalError::new(e)))?;
            let der = key.to_pkcs1_der().map_err(|e| CognitoError::Internal(InternalError::new(e)))?;
            Ok(der.as_bytes().to_vec())
        })
        .await
        .map_err(|e| CognitoError::Internal(InternalError::from(e)))??;
        let kid = STANDARD.encode(Sha256::digest(&der));
        let pid = pool_id.to_string();
        let (kid2, der2) = (kid.clone(), der.clone());
        db.write(move |tx| {
            tx.execute("INSERT OR IGNORE INTO signing_keys (pool_id, kid, der) VALUES (?1, ?2, ?3)", rusqlite::params![pid, kid2, der2])?;
            Ok::<_, CognitoError>(())
        })
        .await?;
        self.existing(db, pool_id).await?.ok_or_else(|| CognitoError::Internal(InternalError::new("signing key vanished")))
    }

    /// Forget a pool's cached key (pool deleted).
    pub fn evict(&self, pool_id: &str) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).remove(pool_id);
    }
}
