//! Per-pool RS256 signing keys. As on AWS, a pool has two RSA-2048 keys: one signs ID tokens,
//! the other access tokens, and the JWKS lists both (ID key first). They are generated lazily
//! the first time a pool signs a token (key generation is slow in debug builds), persisted in
//! `signing_keys` and cached in memory. A pool from an older data dir has only its ID key
//! (which also signed its access tokens then); its access key is added the first time the
//! pool's keys are loaded, and the old key stays in the JWKS, so tokens signed before verify.
//!
//! Signing goes through aws-lc-rs: on CPUs with AVX-512 IFMA its RSA-2048 private-key
//! operation is ~1.8× faster than ring's (measured here: 1349 vs 742 signatures/s on one
//! core under load), and two signatures are most of a sign-in's CPU. PKCS#1 v1.5 signatures
//! are deterministic, so the tokens are byte-identical to what any other RSA library makes.

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

/// One signing key, ready to sign and verify.
pub struct PoolKey {
    /// JWK `kid`.
    pub kid: String,
    /// JWK modulus, base64url.
    pub n: String,
    /// JWK exponent, base64url.
    pub e: String,
    /// Signing key (jsonwebtoken form, kept for callers that want it).
    pub encoding: EncodingKey,
    /// The parsed signing key tokens are minted with (CRT and Montgomery precomputation done once).
    pub signer: aws_lc_rs::signature::RsaKeyPair,
    /// Verification key.
    pub decoding: DecodingKey,
}

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// A pool's two keys.
#[derive(Debug)]
pub struct PoolKeys {
    /// Signs ID tokens (and, in data dirs from before the second key, signed access tokens too).
    pub id: PoolKey,
    /// Signs access tokens.
    pub access: PoolKey,
}

impl PoolKeys {
    /// The key a token's header names, if it is one of this pool's.
    pub fn by_kid(&self, kid: &str) -> Option<&PoolKey> {
        [&self.id, &self.access].into_iter().find(|k| k.kid == kid)
    }

    /// Both keys, ID key first (the JWKS order).
    pub fn all(&self) -> [&PoolKey; 2] {
        [&self.id, &self.access]
    }
}

/// Cache of loaded keys plus a lock so one pool's keys are generated once.
#[derive(Debug, Default)]
pub struct KeyStore {
    cache: Mutex<HashMap<String, Arc<PoolKeys>>>,
    gen: tokio::sync::Mutex<()>,
}

fn internal(e: impl std::fmt::Display) -> CognitoError {
    CognitoError::Internal(InternalError::new(e.to_string()))
}

fn load(kid: String, der: &[u8]) -> Result<PoolKey> {
    let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(internal)?;
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let encoding = EncodingKey::from_rsa_der(der);
    let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(internal)?;
    let signer = aws_lc_rs::signature::RsaKeyPair::from_der(der).map_err(internal)?;
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
        let mut sig = vec![0u8; self.signer.public_modulus_len()];
        self.signer.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), out.as_bytes(), &mut sig).map_err(internal)?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&sig, &mut out);
        Ok(out)
    }
}

/// A stored row: the ID key, and the access key when the row has one.
type Row = (String, Vec<u8>, Option<String>, Option<Vec<u8>>);

/// A new RSA-2048 key as `(kid, PKCS#1 DER)`, from a seed the injected id generator drew.
fn generate(seed: [u8; 32]) -> Result<(String, Vec<u8>)> {
    let mut rng = rand::rngs::StdRng::from_seed(seed);
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(internal)?;
    let der = key.to_pkcs1_der().map_err(internal)?.as_bytes().to_vec();
    Ok((STANDARD.encode(Sha256::digest(&der)), der))
}

/// `n` new keys, generated side by side (one blocking thread each).
async fn generate_keys(ids: &Arc<dyn IdGen>, n: usize) -> Result<Vec<(String, Vec<u8>)>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let mut seed = [0u8; 32];
            ids.fill(&mut seed);
            tokio::task::spawn_blocking(move || generate(seed))
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.map_err(|e| CognitoError::Internal(InternalError::from(e)))??);
    }
    Ok(out)
}

impl KeyStore {
    fn cached(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(pool_id).cloned()
    }

    async fn row(db: &SqliteDb, pool_id: &str) -> Result<Option<Row>> {
        let pid = pool_id.to_string();
        db.read(move |c| {
            c.query_row("SELECT kid, der, access_kid, access_der FROM signing_keys WHERE pool_id = ?1", [&pid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
                .map_err(CognitoError::from)
        })
        .await
    }

    /// The keys of `pool_id` if the pool has signed before (verification never creates a
    /// pool's keys; it does add the access key to a pool from an older data dir).
    pub async fn existing(&self, db: &SqliteDb, ids: &Arc<dyn IdGen>, pool_id: &str) -> Result<Option<Arc<PoolKeys>>> {
        if let Some(k) = self.cached(pool_id) {
            return Ok(Some(k));
        }
        match Self::row(db, pool_id).await? {
            None => Ok(None),
            Some(_) => self.get_or_create(db, ids, pool_id).await.map(Some),
        }
    }

    /// The keys of `pool_id`, generating and persisting what is missing on first use.
    pub async fn get_or_create(&self, db: &SqliteDb, ids: &Arc<dyn IdGen>, pool_id: &str) -> Result<Arc<PoolKeys>> {
        if let Some(k) = self.cached(pool_id) {
            return Ok(k);
        }
        let _guard = self.gen.lock().await;
        if let Some(k) = self.cached(pool_id) {
            return Ok(k);
        }
        match Self::row(db, pool_id).await? {
            Some((_, _, Some(_), Some(_))) => {}
            Some(_) => {
                // A pool from before the second key: keep its key for ID tokens, add one for access tokens.
                let (akid, ader) = generate_keys(ids, 1).await?.pop().ok_or_else(|| internal("no key generated"))?;
                let pid = pool_id.to_string();
                db.write(move |tx| {
                    tx.execute("UPDATE signing_keys SET access_kid = ?2, access_der = ?3 WHERE pool_id = ?1 AND access_der IS NULL", rusqlite::params![pid, akid, ader])?;
                    Ok::<_, CognitoError>(())
                })
                .await?;
            }
            None => {
                let mut new = generate_keys(ids, 2).await?.into_iter();
                let ((kid, der), (akid, ader)) = new.next().zip(new.next()).ok_or_else(|| internal("no key generated"))?;
                let pid = pool_id.to_string();
                db.write(move |tx| {
                    tx.execute("INSERT OR IGNORE INTO signing_keys (pool_id, kid, der, access_kid, access_der) VALUES (?1, ?2, ?3, ?4, ?5)", rusqlite::params![pid, kid, der, akid, ader])?;
                    Ok::<_, CognitoError>(())
                })
                .await?;
            }
        }
        // What is stored wins (a row written meanwhile by another handle of the same file).
        let Some((kid, der, Some(access_kid), Some(access_der))) = Self::row(db, pool_id).await? else {
            return Err(internal("signing keys vanished"));
        };
        let keys = Arc::new(PoolKeys { id: load(kid, &der)?, access: load(access_kid, &access_der)? });
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(pool_id.to_string(), keys.clone());
        Ok(keys)
    }

    /// Forget a pool's cached keys (pool deleted).
    pub fn evict(&self, pool_id: &str) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).remove(pool_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amplocal_core::ids::SeededIds;

    fn ids() -> Arc<dyn IdGen> {
        Arc::new(SeededIds::new(7))
    }

    #[tokio::test]
    async fn a_pool_gets_two_keys_and_an_old_data_dir_gets_its_access_key_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(dir.path().join("cognito.db"), crate::store::MIGRATIONS).unwrap();
        let ids = ids();

        // A new pool: two distinct keys, persisted, the same after a restart (fresh cache).
        let fresh = KeyStore::default().get_or_create(&db, &ids, "us-east-1_new").await.unwrap();
        assert_ne!(fresh.id.kid, fresh.access.kid);
        assert_ne!(fresh.id.n, fresh.access.n);
        let again = KeyStore::default().existing(&db, &ids, "us-east-1_new").await.unwrap().unwrap();
        assert_eq!((again.id.kid.as_str(), again.access.kid.as_str()), (fresh.id.kid.as_str(), fresh.access.kid.as_str()));

        // Verification never creates the keys of a pool that never signed.
        assert!(KeyStore::default().existing(&db, &ids, "us-east-1_none").await.unwrap().is_none());

        // A row as older versions wrote it (one key, no access columns): that key stays the
        // ID key, an access key is added and persisted once.
        let (old_kid, old_der) = generate([3; 32]).unwrap();
        let (k, d) = (old_kid.clone(), old_der.clone());
        db.write(move |tx| {
            tx.execute("INSERT INTO signing_keys (pool_id, kid, der) VALUES ('us-east-1_old', ?1, ?2)", rusqlite::params![k, d])?;
            Ok::<_, CognitoError>(())
        })
        .await
        .unwrap();
        let upgraded = KeyStore::default().existing(&db, &ids, "us-east-1_old").await.unwrap().unwrap();
        assert_eq!(upgraded.id.kid, old_kid);
        assert_ne!(upgraded.access.kid, old_kid);
        assert!(upgraded.by_kid(&old_kid).is_some() && upgraded.by_kid(&upgraded.access.kid).is_some() && upgraded.by_kid("other").is_none());
        let reloaded = KeyStore::default().get_or_create(&db, &ids, "us-east-1_old").await.unwrap();
        assert_eq!(reloaded.access.kid, upgraded.access.kid);

        // Both keys sign tokens that verify under their own JWK only.
        let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r#"{"sub":"s","exp":4102444800}"#).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_aud = false;
        for (signer, other) in [(&upgraded.id, &upgraded.access), (&upgraded.access, &upgraded.id)] {
            let token = signer.sign_jwt(&claims).unwrap();
            assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &signer.decoding, &v).is_ok());
            assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &other.decoding, &v).is_err());
            assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some(signer.kid.as_str()));
        }
    }
}
