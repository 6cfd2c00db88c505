//! CreateApiKey / UpdateApiKey / ListApiKeys / DeleteApiKey (<https://docs.aws.amazon.com/appsync/latest/APIReference/API_CreateApiKey.html>):
//! `da2-` ids, `expires` in epoch seconds rounded down to the hour, default 7 days, allowed
//! 1–365 days ahead (`ApiKeyValidityOutOfBoundsException` otherwise), `deletes` 60 days after
//! expiry.
//!
//! Leaves out: the 50-keys-per-API limit.

use super::{epoch, Control};
use crate::error::{AppSyncError, api_not_found};
use crate::store::KeyRow;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

fn key_json(k: &KeyRow) -> Value {
    json!({ "id": k.id, "description": k.description, "expires": k.expires, "deletes": k.deletes })
}

impl Control {
    /// CreateApiKey.
    pub async fn create_api_key(&self, ctx: &RequestContext, api_id: &str, description: Option<String>, expires: Option<i64>) -> Result<Value, AppSyncError> {
        self.store.get_api(&ctx.account_id, &ctx.region, api_id).await?.ok_or_else(|| api_not_found(api_id))?;
        let now = epoch(self.clock.as_ref());
        let expires = expires.unwrap_or(now + 7 * DAY);
        let expires = expires - expires.rem_euclid(HOUR);
        if expires < now + DAY - HOUR || expires > now + 365 * DAY {
            return Err(AppSyncError::ApiKeyValidityOutOfBoundsException("API key must be valid for a minimum of 1 day and a maximum of 365 days.".into()));
        }
        let id = format!("da2-{}", self.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26));
        let k = KeyRow { api_id: api_id.to_string(), id, description, expires, deletes: expires + 60 * DAY };
        self.store.put_key(k.clone()).await?;
        Ok(json!({ "apiKey": key_json(&k) }))
    }

    /// UpdateApiKey: new description and/or expiry (same bounds as create).
    pub async fn update_api_key(&self, ctx: &RequestContext, api_id: &str, key_id: &str, description: Option<String>, expires: Option<i64>) -> Result<Value, AppSyncError> {
        self.store.get_api(&ctx.account_id, &ctx.region, api_id).await?.ok_or_else(|| api_not_found(api_id))?;
        let mut k = self
            .store
            .list_keys(api_id)
            .await?
            .into_iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| AppSyncError::NotFoundException(format!("API key {key_id} not found.")))?;
        if let Some(d) = description {
            k.description = Some(d);
        }
        if let Some(e) = expires {
            let now = epoch(self.clock.as_ref());
            let e = e - e.rem_euclid(HOUR);
            if e < now + DAY - HOUR || e > now + 365 * DAY {
                return Err(AppSyncError::ApiKeyValidityOutOfBoundsException("API key must be valid for a minimum of 1 day and a maximum of 365 days.".into()));
            }
            k.expires = e;
            k.deletes = e + 60 * DAY;
        }
        self.store.put_key(k.clone()).await?;
        Ok(json!({ "apiKey": key_json(&k) }))
    }

    /// ListApiKeys (expired keys are listed until deleted).
    pub async fn list_api_keys(&self, ctx: &RequestContext, api_id: &str) -> Result<Value, AppSyncError> {
        self.store.get_api(&ctx.account_id, &ctx.region, api_id).await?.ok_or_else(|| api_not_found(api_id))?;
        let keys: Vec<Value> = self.store.list_keys(api_id).await?.iter().map(key_json).collect();
        Ok(json!({ "apiKeys": keys, "nextToken": null }))
    }

    /// DeleteApiKey.
    pub async fn delete_api_key(&self, ctx: &RequestContext, api_id: &str, key_id: &str) -> Result<Value, AppSyncError> {
        self.store.get_api(&ctx.account_id, &ctx.region, api_id).await?.ok_or_else(|| api_not_found(api_id))?;
        if !self.store.delete_key(api_id, key_id).await? {
            return Err(AppSyncError::NotFoundException(format!("API key {key_id} not found.")));
        }
        Ok(json!({}))
    }
}
