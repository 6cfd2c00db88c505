//! In-process "ensure" entry points for the gateway's backend manifest: a GraphQL API with an
//! optional FIXED id and API key, its schema compiled (Amplify transform) and its model tables
//! created before the gateway reports ready, and seed items written through the same
//! `createX` request the generated resolver builds (so `id`, `createdAt`, `updatedAt`,
//! `__typename` and DataStore fields look like a real create), through the same data source
//! stack: with conflict detection on, each seed also gets its delta-sync change record
//! ([`crate::resolver::versioned::delta`]), exactly as a `createX` mutation does.
//!
//! Leaves out: deleting APIs that left the manifest; updating seed items that exist (a seed
//! item is written only when its key is absent, so edits survive restarts).

use crate::control::api_modes;
use crate::error::AppSyncError;
use crate::executor::iso8601_millis;
use crate::resolver::dynamodb::DynamoDataSource;
use crate::resolver::{requests, versioned, DataSource};
use crate::runtime::LoadedApi;
use crate::store::{ApiRow, KeyRow};
use crate::AppSyncService;
use amplocal_dynamodb::DynamoDbService;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// What the manifest asks for.
#[derive(Debug, Clone)]
pub struct ApiSpec {
    /// Manifest name (the API's name; `backend:<name>` identifies it across restarts).
    pub name: String,
    /// Fixed API id.
    pub fixed_id: Option<String>,
    /// Schema text.
    pub definition: String,
    /// Default authorization type (AWS name).
    pub default_auth: String,
    /// Additional authorization types (AWS names).
    pub additional_auth: Vec<String>,
    /// User pool for `AMAZON_COGNITO_USER_POOLS` (None: any pool of the account).
    pub user_pool_id: Option<String>,
    /// Fixed API key (`da2-…`).
    pub api_key: Option<String>,
}

/// A provisioned API.
#[derive(Debug, Clone)]
pub struct EnsuredApi {
    /// API id.
    pub api_id: String,
    /// The API key, when API_KEY is enabled.
    pub api_key: Option<String>,
    /// The compiled API (transform output included).
    pub loaded: Arc<LoadedApi>,
}

/// A seed item that could not be written: its position and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// Index in the seed list (None: the whole seed, e.g. unknown model).
    pub index: Option<usize>,
    /// Message.
    pub message: String,
}

fn internal(e: impl std::fmt::Display) -> AppSyncError {
    AppSyncError::Internal(amplocal_core::InternalError::new(e.to_string()))
}

/// FNV-1a, 64 bit: a stable hash for seed ids (std's hasher may change between releases).
fn fnv(seed: u64, parts: &[&str]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The id a seed item without `id` gets: a UUID (v4 layout) derived from (api, model, position).
pub fn seed_id(api_id: &str, model: &str, index: usize) -> String {
    let i = index.to_string();
    let parts = [api_id, model, i.as_str()];
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&fnv(1, &parts).to_be_bytes());
    b[8..].copy_from_slice(&fnv(2, &parts).to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

impl AppSyncService {
    /// Ensure the API of `spec` exists in `region` of the default account with its schema
    /// compiled, tables created and key installed. Errors are messages (a schema error is the
    /// transform's message).
    pub async fn ensure_api(&self, region: &str, spec: &ApiSpec) -> Result<EnsuredApi, String> {
        self.ensure_api_inner(region, spec).await.map_err(|e| match e {
            AppSyncError::Internal(i) => i.to_string(),
            other => other.to_string(),
        })
    }

    async fn ensure_api_inner(&self, region: &str, spec: &ApiSpec) -> Result<EnsuredApi, AppSyncError> {
        let account = amplocal_core::DEFAULT_ACCOUNT;
        let store = &self.inner.store;
        let config_name = format!("backend:{}", spec.name);
        let now = amplocal_core::clock::epoch_secs(self.inner.core.clock.now()) as i64;
        let by_name = store.api_by_config_name(account, region, &config_name).await?;
        let by_id = match &spec.fixed_id {
            Some(id) => store.find_api(id).await?,
            None => None,
        };
        if let Some(row) = by_id.as_ref().filter(|r| r.account != account || r.region != region) {
            return Err(AppSyncError::BadRequestException(format!("API id {} is already used in {}/{}.", row.api_id, row.account, row.region)));
        }
        if let (Some(old), Some(fixed)) = (&by_name, &spec.fixed_id) {
            if &old.api_id != fixed {
                store.delete_api(account, region, &old.api_id).await?;
            }
        }
        let existing = by_id.or(by_name);
        let api_id = spec
            .fixed_id
            .clone()
            .or_else(|| existing.as_ref().map(|e| e.api_id.clone()))
            .unwrap_or_else(|| self.inner.core.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26));
        let pool_config = |top: bool| {
            let mut c = json!({"userPoolId": spec.user_pool_id.clone().unwrap_or_default(), "awsRegion": region});
            if top {
                c["defaultAction"] = "ALLOW".into();
            }
            c
        };
        let mut body = json!({
            "authenticationType": spec.default_auth,
            "additionalAuthenticationProviders": spec.additional_auth.iter().map(|m| if m == "AMAZON_COGNITO_USER_POOLS" {
                json!({"authenticationType": m, "userPoolConfig": pool_config(false)})
            } else {
                json!({"authenticationType": m})
            }).collect::<Vec<_>>(),
        });
        if spec.default_auth == "AMAZON_COGNITO_USER_POOLS" {
            body["userPoolConfig"] = pool_config(true);
        }
        let unchanged = existing.as_ref().is_some_and(|e| e.api_id == api_id && e.body == body && e.definition.as_deref() == Some(spec.definition.as_str()) && e.schema_status.as_deref() == Some("SUCCESS"));
        let row = ApiRow {
            account: account.into(),
            region: region.into(),
            api_id: api_id.clone(),
            name: spec.name.clone(),
            body,
            created: existing.as_ref().map(|e| e.created).unwrap_or(now),
            definition: Some(spec.definition.clone()),
            schema_status: Some("SUCCESS".into()),
            schema_details: Some("Loaded from the backend manifest.".into()),
            schema_version: existing.as_ref().map(|e| e.schema_version + i64::from(!unchanged)).unwrap_or(1),
            config_name: Some(config_name),
        };
        let (default, additional) = api_modes(&row.body);
        let loaded = self.inner.runtime.compile((account, region), &api_id, &spec.definition, default, additional).map_err(AppSyncError::BadRequestException)?;
        self.inner.runtime.provision(account, region, &loaded).await.map_err(internal)?;
        if !unchanged || existing.as_ref().map(|e| &e.config_name) != Some(&row.config_name) {
            store.put_api(row.clone()).await?;
        }
        self.inner.runtime.install(&api_id, row.schema_version, loaded);
        let loaded = self.inner.runtime.get(&row).await.map_err(internal)?.ok_or_else(|| internal("the compiled API vanished"))?;
        let key_enabled = loaded.allows(crate::transform::auth::AuthMode::ApiKey);
        let keys = store.list_keys(&api_id).await?;
        let key = match (&spec.api_key, key_enabled) {
            (Some(k), _) => Some(k.clone()),
            (None, true) => Some(keys.iter().find(|k| k.expires > now).map(|k| k.id.clone()).unwrap_or_else(|| format!("da2-{}", self.inner.core.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26)))),
            (None, false) => None,
        };
        if let Some(k) = &key {
            let current = keys.iter().find(|r| &r.id == k);
            if current.is_none_or(|r| r.expires < now + 30 * 24 * 3600) {
                let expires = now + 365 * 24 * 3600;
                store.put_key(KeyRow { api_id: api_id.clone(), id: k.clone(), description: Some("amplocal backend manifest".into()), expires, deletes: expires + 60 * 24 * 3600 }).await?;
            }
        }
        tracing::debug!(api = %spec.name, api_id = %api_id, "GraphQL API provisioned from the backend manifest");
        Ok(EnsuredApi { api_id, api_key: key, loaded })
    }

    /// Write the seed `items` of `model` that are absent (by primary key); returns how many were
    /// created. Items without `id` get [`seed_id`].
    pub async fn seed_items(&self, ddb: &DynamoDbService, region: &str, api: &EnsuredApi, model: &str, items: &[Map<String, Value>]) -> Result<usize, SeedError> {
        let whole = |message: String| SeedError { index: None, message };
        let transformed = api.loaded.transformed.as_ref().ok_or_else(|| whole("the schema has no @model types".into()))?;
        let m = transformed.models.iter().find(|m| m.name == model).ok_or_else(|| whole(format!("no @model type named {model} in the schema")))?;
        let table = transformed.tables.iter().find(|t| t.model.as_deref() == Some(model)).map(|t| t.name.clone()).ok_or_else(|| whole(format!("model {model} has no table")))?;
        let source: Arc<dyn DataSource> = Arc::new(DynamoDataSource::new(ddb.clone(), self.inner.core.clone(), amplocal_core::DEFAULT_ACCOUNT, region));
        // Versioned models: the data source of a create mutation, which also puts the item's
        // change record into the delta-sync table (so `syncX` with a recent `lastSync` sees seeds).
        let source = versioned::delta::DeltaSync::wrap(source, Some(transformed).filter(|_| m.versioned));
        let t = self.inner.core.clock.now();
        let now = iso8601_millis(t);
        let now_ms = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let mut created = 0;
        for (i, item) in items.iter().enumerate() {
            let fail = |message: String| SeedError { index: Some(i), message };
            let id = item.get("id").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| seed_id(&api.api_id, model, i));
            let req = if m.versioned {
                versioned::create(m, &table, item, None, &now, now_ms, &id)
            } else {
                requests::create(m, &table, item, None, &now, &id)
            }
            .map_err(|e| fail(e.message))?;
            match source.call(req).await {
                Ok(_) => created += 1,
                Err(e) if e.error_type.ends_with("ConditionalCheckFailedException") => {}
                Err(e) => return Err(fail(e.message)),
            }
        }
        Ok(created)
    }
}
