//! `appsync.db`: GraphQL APIs (their descriptor JSON, schema definition and creation status)
//! and API keys, keyed by account and region. A config-loaded API remembers the file name it
//! came from so its id and key stay stable across restarts.
//!
//! The data plane reads the API and its keys on every request, so those reads go through an
//! in-memory cache ([`Store::api_shared`], [`Store::first_api`], [`Store::keys_shared`]);
//! every write through this store drops it (a generation counter keeps a read that raced a
//! write from re-filling it with the old row). Key expiry is not cached: callers compare
//! `expires` with their clock on each request.
//!
//! Leaves out: data sources, resolvers, functions, types (not stored: the Amplify transform
//! derives them).

use crate::error::AppSyncError;
use amplocal_core::SqliteDb;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const MIGRATIONS: &[&str] = &["
CREATE TABLE apis (
  account TEXT NOT NULL, region TEXT NOT NULL, api_id TEXT NOT NULL, name TEXT NOT NULL,
  body TEXT NOT NULL, created INTEGER NOT NULL,
  definition TEXT, schema_status TEXT, schema_details TEXT, schema_version INTEGER NOT NULL DEFAULT 0,
  config_name TEXT,
  PRIMARY KEY (account, region, api_id)
);
CREATE UNIQUE INDEX apis_by_id ON apis(api_id);
CREATE TABLE api_keys (
  api_id TEXT NOT NULL, key_id TEXT NOT NULL, description TEXT, expires INTEGER NOT NULL, deletes INTEGER NOT NULL,
  PRIMARY KEY (api_id, key_id)
);
"];

/// One stored API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRow {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// API id.
    pub api_id: String,
    /// Name.
    pub name: String,
    /// The `GraphqlApi` descriptor without computed fields (`uris`, `arn`).
    pub body: Value,
    /// Creation time (epoch seconds).
    pub created: i64,
    /// Last schema definition submitted.
    pub definition: Option<String>,
    /// `PROCESSING` / `SUCCESS` / `FAILED` / …
    pub schema_status: Option<String>,
    /// Details of the last schema creation.
    pub schema_details: Option<String>,
    /// Increments on each successful schema change.
    pub schema_version: i64,
    /// Config file name the API came from.
    pub config_name: Option<String>,
}

/// One stored API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// API id.
    pub api_id: String,
    /// `da2-…`
    pub id: String,
    /// Description.
    pub description: Option<String>,
    /// Expiry (epoch seconds).
    pub expires: i64,
    /// Deletion time (epoch seconds).
    pub deletes: i64,
}

/// What the data plane reads per request, as last read from SQLite.
#[derive(Debug, Default)]
struct Cache {
    /// Bumped by every write; a read fills the cache only if no write happened meanwhile.
    generation: u64,
    apis: HashMap<String, Arc<ApiRow>>,
    first: Option<Option<Arc<ApiRow>>>,
    keys: HashMap<String, Arc<Vec<KeyRow>>>,
}

/// The AppSync store.
#[derive(Debug, Clone)]
pub struct Store {
    db: SqliteDb,
    cache: Arc<Mutex<Cache>>,
}

const API_COLS: &str = "account, region, api_id, name, body, created, definition, schema_status, schema_details, schema_version, config_name";

fn api_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiRow> {
    let body: String = r.get(4)?;
    Ok(ApiRow {
        account: r.get(0)?,
        region: r.get(1)?,
        api_id: r.get(2)?,
        name: r.get(3)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        created: r.get(5)?,
        definition: r.get(6)?,
        schema_status: r.get(7)?,
        schema_details: r.get(8)?,
        schema_version: r.get(9)?,
        config_name: r.get(10)?,
    })
}

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow { api_id: r.get(0)?, id: r.get(1)?, description: r.get(2)?, expires: r.get(3)?, deletes: r.get(4)? })
}

impl Store {
    /// Open `<data_dir>/appsync.db`.
    pub fn open(path: &std::path::Path) -> Result<Self, amplocal_core::InternalError> {
        Ok(Self { db: SqliteDb::open(path, MIGRATIONS)?, cache: Arc::default() })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drop everything cached (after any write, whether it committed or not).
    fn invalidate(&self) {
        let mut c = self.cache();
        c.generation += 1;
        c.apis.clear();
        c.first = None;
        c.keys.clear();
    }

    /// Run a write and invalidate the cache once it is over. The write runs on its own task so
    /// that a caller dropping this future (a client hanging up) cannot skip the invalidation of
    /// a write that still commits.
    async fn write<T: Send + 'static>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, AppSyncError> + Send + 'static) -> Result<T, AppSyncError> {
        let this = self.clone();
        let task = tokio::spawn(async move {
            let out = this.db.write(f).await;
            this.invalidate();
            out
        });
        match task.await {
            Ok(out) => out,
            Err(e) => {
                self.invalidate();
                Err(AppSyncError::Internal(amplocal_core::InternalError::new(format!("appsync.db write task failed: {e}"))))
            }
        }
    }

    /// [`Store::find_api`] through the cache (data plane).
    pub async fn api_shared(&self, api_id: &str) -> Result<Option<Arc<ApiRow>>, AppSyncError> {
        let generation = {
            let c = self.cache();
            if let Some(row) = c.apis.get(api_id) {
                return Ok(Some(row.clone()));
            }
            c.generation
        };
        let Some(row) = self.find_api(api_id).await?.map(Arc::new) else { return Ok(None) };
        let mut c = self.cache();
        if c.generation == generation {
            c.apis.insert(api_id.to_string(), row.clone());
        }
        Ok(Some(row))
    }

    /// The first of [`Store::all_apis`] through the cache (data plane without an API id).
    pub async fn first_api(&self) -> Result<Option<Arc<ApiRow>>, AppSyncError> {
        let generation = {
            let c = self.cache();
            if let Some(first) = &c.first {
                return Ok(first.clone());
            }
            c.generation
        };
        let first = self.all_apis().await?.into_iter().next().map(Arc::new);
        let mut c = self.cache();
        if c.generation == generation {
            c.first = Some(first.clone());
        }
        Ok(first)
    }

    /// [`Store::list_keys`] through the cache (data plane).
    pub async fn keys_shared(&self, api_id: &str) -> Result<Arc<Vec<KeyRow>>, AppSyncError> {
        let generation = {
            let c = self.cache();
            if let Some(keys) = c.keys.get(api_id) {
                return Ok(keys.clone());
            }
            c.generation
        };
        let keys = Arc::new(self.list_keys(api_id).await?);
        let mut c = self.cache();
        if c.generation == generation {
            c.keys.insert(api_id.to_string(), keys.clone());
        }
        Ok(keys)
    }

    /// Insert or replace an API.
    pub async fn put_api(&self, row: ApiRow) -> Result<(), AppSyncError> {
        self
            .write(move |tx| {
                tx.execute(
                    &format!("INSERT OR REPLACE INTO apis ({API_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                    params![row.account, row.region, row.api_id, row.name, row.body.to_string(), row.created, row.definition, row.schema_status, row.schema_details, row.schema_version, row.config_name],
                )?;
                Ok(())
            })
            .await
    }

    /// The API `api_id` of an account/region.
    pub async fn get_api(&self, account: &str, region: &str, api_id: &str) -> Result<Option<ApiRow>, AppSyncError> {
        let (a, r, i) = (account.to_string(), region.to_string(), api_id.to_string());
        self.db
            .read(move |c| {
                Ok(c.query_row(&format!("SELECT {API_COLS} FROM apis WHERE account = ?1 AND region = ?2 AND api_id = ?3"), params![a, r, i], api_row).optional()?)
            })
            .await
    }

    /// The API `api_id` in any account (data plane: the id alone names it).
    pub async fn find_api(&self, api_id: &str) -> Result<Option<ApiRow>, AppSyncError> {
        let i = api_id.to_string();
        self.db.read(move |c| Ok(c.prepare_cached(&format!("SELECT {API_COLS} FROM apis WHERE api_id = ?1"))?.query_row(params![i], api_row).optional()?)).await
    }

    /// Every API (data plane `/graphql` without an id picks among them).
    pub async fn all_apis(&self) -> Result<Vec<ApiRow>, AppSyncError> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!("SELECT {API_COLS} FROM apis ORDER BY config_name IS NULL, created, api_id"))?;
                let rows = st.query_map([], api_row)?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// APIs of an account/region ordered by id, starting after `after`.
    pub async fn list_apis(&self, account: &str, region: &str, after: Option<String>, limit: usize) -> Result<Vec<ApiRow>, AppSyncError> {
        let (a, r) = (account.to_string(), region.to_string());
        self.db
            .read(move |c| {
                let mut st = c.prepare(&format!("SELECT {API_COLS} FROM apis WHERE account = ?1 AND region = ?2 AND api_id > ?3 ORDER BY api_id LIMIT ?4"))?;
                let rows = st.query_map(params![a, r, after.unwrap_or_default(), limit as i64], api_row)?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// The API loaded from config file `name` in an account/region.
    pub async fn api_by_config_name(&self, account: &str, region: &str, name: &str) -> Result<Option<ApiRow>, AppSyncError> {
        let (a, r, n) = (account.to_string(), region.to_string(), name.to_string());
        self.db
            .read(move |c| {
                Ok(c.query_row(&format!("SELECT {API_COLS} FROM apis WHERE account = ?1 AND region = ?2 AND config_name = ?3"), params![a, r, n], api_row).optional()?)
            })
            .await
    }

    /// Delete an API and its keys; false when it did not exist.
    pub async fn delete_api(&self, account: &str, region: &str, api_id: &str) -> Result<bool, AppSyncError> {
        let (a, r, i) = (account.to_string(), region.to_string(), api_id.to_string());
        self
            .write(move |tx| {
                let n = tx.execute("DELETE FROM apis WHERE account = ?1 AND region = ?2 AND api_id = ?3", params![a, r, i])?;
                if n > 0 {
                    tx.execute("DELETE FROM api_keys WHERE api_id = ?1", params![i])?;
                }
                Ok(n > 0)
            })
            .await
    }

    /// Insert or replace a key.
    pub async fn put_key(&self, k: KeyRow) -> Result<(), AppSyncError> {
        self
            .write(move |tx| {
                tx.execute("INSERT OR REPLACE INTO api_keys (api_id, key_id, description, expires, deletes) VALUES (?1, ?2, ?3, ?4, ?5)", params![k.api_id, k.id, k.description, k.expires, k.deletes])?;
                Ok(())
            })
            .await
    }

    /// Keys of an API ordered by id.
    pub async fn list_keys(&self, api_id: &str) -> Result<Vec<KeyRow>, AppSyncError> {
        let i = api_id.to_string();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached("SELECT api_id, key_id, description, expires, deletes FROM api_keys WHERE api_id = ?1 ORDER BY key_id")?;
                let rows = st.query_map(params![i], key_row)?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// Delete a key; false when it did not exist.
    pub async fn delete_key(&self, api_id: &str, key_id: &str) -> Result<bool, AppSyncError> {
        let (i, k) = (api_id.to_string(), key_id.to_string());
        self.write(move |tx| Ok(tx.execute("DELETE FROM api_keys WHERE api_id = ?1 AND key_id = ?2", params![i, k])? > 0)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(id: &str, name: &str) -> ApiRow {
        ApiRow {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            api_id: id.into(),
            name: name.into(),
            body: serde_json::json!({ "name": name }),
            created: 1,
            definition: None,
            schema_status: None,
            schema_details: None,
            schema_version: 0,
            config_name: None,
        }
    }

    /// The cached reads see every write made through the store (fails if a write forgets to
    /// invalidate: the second read of each pair would return the cached old value).
    #[tokio::test]
    async fn cached_reads_follow_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("appsync.db")).unwrap();
        assert!(store.api_shared("a1").await.unwrap().is_none());
        assert!(store.first_api().await.unwrap().is_none());
        store.put_api(api("a1", "one")).await.unwrap();
        assert_eq!(store.api_shared("a1").await.unwrap().unwrap().name, "one");
        assert_eq!(store.first_api().await.unwrap().unwrap().name, "one");
        store.put_api(api("a1", "renamed")).await.unwrap();
        assert_eq!(store.api_shared("a1").await.unwrap().unwrap().name, "renamed");
        assert_eq!(store.first_api().await.unwrap().unwrap().name, "renamed");

        assert!(store.keys_shared("a1").await.unwrap().is_empty());
        store.put_key(KeyRow { api_id: "a1".into(), id: "da2-k".into(), description: None, expires: 10, deletes: 20 }).await.unwrap();
        assert_eq!(store.keys_shared("a1").await.unwrap()[0].expires, 10);
        store.put_key(KeyRow { api_id: "a1".into(), id: "da2-k".into(), description: None, expires: 99, deletes: 20 }).await.unwrap();
        assert_eq!(store.keys_shared("a1").await.unwrap()[0].expires, 99);
        assert!(store.delete_key("a1", "da2-k").await.unwrap());
        assert!(store.keys_shared("a1").await.unwrap().is_empty());

        store.put_key(KeyRow { api_id: "a1".into(), id: "da2-k2".into(), description: None, expires: 10, deletes: 20 }).await.unwrap();
        assert_eq!(store.keys_shared("a1").await.unwrap().len(), 1);
        assert!(store.delete_api("000000000000", "us-east-1", "a1").await.unwrap());
        assert!(store.api_shared("a1").await.unwrap().is_none());
        assert!(store.first_api().await.unwrap().is_none());
        assert!(store.keys_shared("a1").await.unwrap().is_empty(), "deleting the API deletes its keys");
    }
}
