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
    /// The session key, being computed since the challenge went out (see
    /// [`CognitoService::start_session_key`]).
    pub early: Option<EarlyKey>,
}

/// A session key computed on a blocking thread while the client does its half of the math.
pub type EarlyKey = Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<Result<[u8; 16], srp::SrpError>>>>>;

impl SrpState {
    /// The state of a new exchange.
    pub fn new(a_pub: BigUint, b: BigUint, b_pub: BigUint, v: BigUint) -> Self {
        Self { a_pub, b, b_pub, v, early: None }
    }
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

    /// Start computing the session key of `st` on a blocking thread, right after the
    /// challenge is answered: A, b, B and v are all known then, so `S = (A·v^u)^b` (the one
    /// expensive step of RespondToAuthChallenge) overlaps with the client's own SRP math
    /// instead of adding to the response time. Same work, done once; [`Self::session_key`]
    /// waits for it (or computes it inline when it was never started).
    pub(crate) fn start_session_key(&self, st: &mut SrpState) {
        let (svc, job) = (self.clone(), SrpState { early: None, ..st.clone() });
        let handle = tokio::task::spawn_blocking(move || svc.srp_session_key(&job));
        st.early = Some(Arc::new(std::sync::Mutex::new(Some(handle))));
    }

    /// The session key of `st`: the early computation's result, else computed now.
    pub(crate) async fn session_key(&self, st: &SrpState) -> Result<[u8; 16], srp::SrpError> {
        let handle = st.early.as_ref().and_then(|e| e.lock().unwrap_or_else(|p| p.into_inner()).take());
        match handle {
            Some(h) => match h.await {
                Ok(k) => k,
                Err(_) => self.srp_session_key(st),
            },
            None => self.srp_session_key(st),
        }
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
