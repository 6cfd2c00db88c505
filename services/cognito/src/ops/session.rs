//! In-flight sign-in state between InitiateAuth and RespondToAuthChallenge: the SRP exchange
//! (keyed by SECRET_BLOCK) and challenge `Session` values (NEW_PASSWORD_REQUIRED,
//! SELECT_CHALLENGE, …). Kept in memory, single use, valid 3 minutes as on AWS; a restart
//! drops them (clients then sign in again).

use crate::{srp, CognitoService};
use std::sync::Arc;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use num_bigint::BigUint;

/// Lifetime of a Session / SECRET_BLOCK, seconds.
pub const TTL: f64 = 180.0;

/// One pending step of a sign-in.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Pool id.
    pub pool_id: String,
    /// App client id.
    pub client_id: String,
    /// Internal username.
    pub username: String,
    /// Challenge it answers (`PASSWORD_VERIFIER`, `NEW_PASSWORD_REQUIRED`, `SELECT_CHALLENGE`, …).
    pub challenge: String,
    /// Created, epoch seconds.
    pub created: f64,
    /// SRP server state for PASSWORD_VERIFIER.
    pub srp: Option<SrpState>,
    /// Whether the user exists (PreventUserExistenceErrors simulated challenges).
    pub real_user: bool,
    /// The remembered device this sign-in names (`DEVICE_KEY`), if any.
    pub device_key: Option<String>,
}

/// The server half of one SRP exchange.
#[derive(Debug, Clone)]
pub struct SrpState {
    /// Client public value A.
    pub a_pub: BigUint,
    /// Server secret b.
    pub b: BigUint,
    /// Server public value B.
    pub b_pub: BigUint,
    /// The user's verifier v.
    pub v: BigUint,
}

/// Verifiers whose comb table is kept (each 384 KiB) before the cache is emptied.
const COMB_CACHE_MAX: usize = 8;

impl CognitoService {
    /// The SRP session key of `st`. A verifier seen a second time gets a comb table kept in
    /// memory, which turns its `v^u` into ~64 multiplications instead of ~330.
    pub(crate) fn srp_session_key(&self, st: &SrpState) -> Result<[u8; 16], srp::SrpError> {
        use sha2::{Digest, Sha256};
        let id: [u8; 32] = Sha256::digest(st.v.to_bytes_be()).into();
        let cached = {
            let mut cache = self.inner.verifier_combs.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= COMB_CACHE_MAX && !cache.contains_key(&id) {
                cache.clear();
            }
            match cache.get(&id) {
                Some(Some(c)) => Some(c.clone()),
                Some(None) => None,
                None => {
                    cache.insert(id, None);
                    return srp::server_session_key(&st.a_pub, &st.b_pub, &st.b, &st.v);
                }
            }
        };
        let comb = match cached {
            Some(c) => c,
            None => {
                let c = Arc::new(srp::comb(&st.v));
                self.inner.verifier_combs.lock().unwrap_or_else(|e| e.into_inner()).insert(id, Some(c.clone()));
                c
            }
        };
        srp::server_session_key_with(&st.a_pub, &st.b_pub, &st.b, &st.v, Some(&comb))
    }

    /// Store `p` under a new opaque key and return it.
    pub(crate) fn put_pending(&self, p: Pending, key_len: usize) -> String {
        let key = STANDARD.encode(self.core().ids.bytes(key_len));
        let mut map = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        let now = p.created;
        map.retain(|_, v| now - v.created < TTL);
        map.insert(key.clone(), p);
        key
    }

    /// Take (single use) the pending state under `key` if still valid.
    pub(crate) fn take_pending(&self, key: &str, now: f64) -> Option<Pending> {
        let mut map = self.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        let p = map.remove(key)?;
        (now - p.created < TTL).then_some(p)
    }
}
