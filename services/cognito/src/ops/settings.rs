//! An in-memory cache of app clients and their pools, by client id: every public call
//! (InitiateAuth, RespondToAuthChallenge, SignUp, …) starts by looking its `ClientId` up, and
//! the settings rarely change. Pool and client rows are written only through
//! [`CognitoService::settings_db`], whose writes empty the cache once they have committed; a
//! lookup that raced such a write does not fill the cache (generation check under the lock).

use crate::error::{CognitoError, Result};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::InternalError;
use rusqlite::Transaction;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// Entries kept before the cache is emptied.
const MAX: usize = 4096;

/// The generation (bumped by every settings write) and `(pool, client)` by client id.
type Entries = (u64, HashMap<String, (Pool, Value)>);

/// Cached `(pool, client)` pairs by client id, plus a generation bumped by every settings write.
#[derive(Debug, Default)]
pub struct SettingsCache(Mutex<Entries>);

impl SettingsCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forget everything (after a pool or client write committed).
    pub fn changed(&self) {
        let mut g = self.lock();
        g.0 += 1;
        g.1.clear();
    }
}

/// Writes of pool and client rows (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct SettingsDb<'a>(&'a CognitoService);

impl SettingsDb<'_> {
    /// [`amplocal_core::SqliteDb::write`], then the cache forgets what it held.
    pub async fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<InternalError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> std::result::Result<T, E> + Send + 'static,
    {
        let out = self.0.db().write(f).await;
        self.0.inner.settings.changed();
        out
    }
}

impl CognitoService {
    /// The database handle for writes of pool and client rows (keeps [`SettingsCache`] honest).
    pub(crate) fn settings_db(&self) -> SettingsDb<'_> {
        SettingsDb(self)
    }

    /// The pool + client of `client_id`, from the cache or the store.
    pub(crate) async fn cached_client_and_pool(&self, client_id: &str) -> Result<Option<(Pool, Value)>> {
        let cache = &self.inner.settings;
        let gen = {
            let g = cache.lock();
            if let Some(hit) = g.1.get(client_id) {
                return Ok(Some(hit.clone()));
            }
            g.0
        };
        let cid = client_id.to_string();
        let found = self
            .db()
            .read(move |c| {
                let Some(client) = store::get_client(c, &cid)? else { return Ok(None) };
                let pool = store::get_pool_any(c, client["UserPoolId"].as_str().unwrap_or_default())?;
                Ok::<_, CognitoError>(pool.map(|p| (p, client)))
            })
            .await?;
        if let Some(pair) = &found {
            let mut g = cache.lock();
            if g.0 == gen {
                if g.1.len() >= MAX {
                    g.1.clear();
                }
                g.1.insert(client_id.to_string(), pair.clone());
            }
        }
        Ok(found)
    }
}
