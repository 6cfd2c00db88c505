//! AppSync control-plane operations (<https://docs.aws.amazon.com/appsync/latest/APIReference/API_Operations.html>):
//! CreateGraphqlApi / GetGraphqlApi / ListGraphqlApis / DeleteGraphqlApi, CreateApiKey /
//! ListApiKeys / DeleteApiKey, StartSchemaCreation / GetSchemaCreationStatus,
//! GetIntrospectionSchema. Typed inputs, no HTTP. An Amplify schema (one using `@model`)
//! given to StartSchemaCreation is run through the Amplify transform first.
//!
//! Leaves out: data sources, resolvers, functions, types,
//! merged APIs, caching, domain names, tags operations.

pub mod api_key;

use crate::error::{api_not_found, AppSyncError};
use crate::runtime::Runtime;
use crate::store::{ApiRow, Store};
use crate::transform::auth::AuthMode;
use amplocal_core::{Clock, IdGen, RequestContext};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// What the control-plane ops need.
#[derive(Debug, Clone)]
pub struct Control {
    /// Storage.
    pub store: Store,
    /// Loaded schemas.
    pub runtime: Runtime,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Ids.
    pub ids: Arc<dyn IdGen>,
}

/// `http://host:port` the API is reached at (for `uris`).
#[derive(Debug, Clone)]
pub struct Endpoint(pub String);

fn epoch(clock: &dyn Clock) -> i64 {
    amplocal_core::clock::epoch_secs(clock.now()) as i64
}

/// The `GraphqlApi` shape of a stored API.
pub fn api_json(row: &ApiRow, endpoint: &Endpoint) -> Value {
    let mut body = row.body.as_object().cloned().unwrap_or_default();
    let host = endpoint.0.split("://").nth(1).unwrap_or("localhost:4566").to_string();
    let ws = if endpoint.0.starts_with("https") { "wss" } else { "ws" };
    body.insert("apiId".into(), json!(row.api_id));
    body.insert("name".into(), json!(row.name));
    body.insert("arn".into(), json!(format!("arn:aws:appsync:{}:{}:apis/{}", row.region, row.account, row.api_id)));
    body.insert("uris".into(), json!({
        "GRAPHQL": format!("{}/graphql/{}", endpoint.0, row.api_id),
        "REALTIME": format!("{ws}://{host}/graphql/{}/realtime", row.api_id),
    }));
    body.insert("dns".into(), json!({
        "GRAPHQL": format!("{}.appsync-api.localhost", row.api_id),
        "REALTIME": format!("{}.appsync-realtime-api.localhost", row.api_id),
    }));
    body.entry("tags").or_insert(json!({}));
    body.entry("xrayEnabled").or_insert(json!(false));
    body.entry("apiType").or_insert(json!("GRAPHQL"));
    body.entry("visibility").or_insert(json!("GLOBAL"));
    body.entry("introspectionConfig").or_insert(json!("ENABLED"));
    body.entry("owner").or_insert(json!(row.account));
    Value::Object(body)
}

/// The auth modes of a stored API (default first).
pub fn api_modes(body: &Value) -> (AuthMode, Vec<AuthMode>) {
    let default = body.get("authenticationType").and_then(Value::as_str).and_then(AuthMode::from_aws).unwrap_or(AuthMode::ApiKey);
    let additional = body
        .get("additionalAuthenticationProviders")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|p| p.get("authenticationType").and_then(Value::as_str).and_then(AuthMode::from_aws)).collect())
        .unwrap_or_default();
    (default, additional)
}

fn bad(msg: impl Into<String>) -> AppSyncError {
    AppSyncError::BadRequestException(msg.into())
}

/// Validate a CreateGraphqlApi body; returns the descriptor to store.
fn validate_create(input: &Map<String, Value>) -> Result<(String, Value), AppSyncError> {
    let name = match input.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.len() <= 65536 => n.clone(),
        _ => return Err(bad("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must not be null")),
    };
    let check_mode = |v: Option<&Value>, what: &str| -> Result<AuthMode, AppSyncError> {
        v.and_then(Value::as_str)
            .and_then(AuthMode::from_aws)
            .ok_or_else(|| bad(format!("Invalid {what}: must be one of API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS, OPENID_CONNECT, AWS_LAMBDA")))
    };
    let default = check_mode(input.get("authenticationType"), "authenticationType")?;
    let mut modes = vec![(default, Value::Object(input.clone()))];
    if let Some(extra) = input.get("additionalAuthenticationProviders") {
        let Value::Array(list) = extra else { return Err(bad("additionalAuthenticationProviders must be a list")) };
        for p in list {
            modes.push((check_mode(p.get("authenticationType"), "additionalAuthenticationProviders.authenticationType")?, p.clone()));
        }
    }
    for (mode, holder) in &modes {
        let need = match mode {
            AuthMode::UserPools => Some("userPoolConfig"),
            AuthMode::Oidc => Some("openIDConnectConfig"),
            AuthMode::Lambda => Some("lambdaAuthorizerConfig"),
            _ => None,
        };
        if let Some(field) = need {
            if holder.get(field).is_none_or(Value::is_null) {
                return Err(bad(format!("{field} is required for authentication type {}.", mode.as_aws())));
            }
        }
    }
    let mut body = input.clone();
    body.remove("name");
    Ok((name, Value::Object(body)))
}

impl Control {
    /// CreateGraphqlApi.
    pub async fn create_graphql_api(&self, ctx: &RequestContext, input: Map<String, Value>, endpoint: &Endpoint) -> Result<Value, AppSyncError> {
        let (name, body) = validate_create(&input)?;
        let row = ApiRow {
            account: ctx.account_id.clone(),
            region: ctx.region.clone(),
            api_id: self.ids.string_from(amplocal_core::ids::LOWER_ALNUM, 26),
            name,
            body,
            created: epoch(self.clock.as_ref()),
            definition: None,
            schema_status: None,
            schema_details: None,
            schema_version: 0,
            config_name: None,
        };
        self.store.put_api(row.clone()).await?;
        Ok(json!({ "graphqlApi": api_json(&row, endpoint) }))
    }

    async fn api(&self, ctx: &RequestContext, api_id: &str) -> Result<ApiRow, AppSyncError> {
        self.store.get_api(&ctx.account_id, &ctx.region, api_id).await?.ok_or_else(|| api_not_found(api_id))
    }

    /// GetGraphqlApi.
    pub async fn get_graphql_api(&self, ctx: &RequestContext, api_id: &str, endpoint: &Endpoint) -> Result<Value, AppSyncError> {
        Ok(json!({ "graphqlApi": api_json(&self.api(ctx, api_id).await?, endpoint) }))
    }

    /// ListGraphqlApis (`maxResults` 0–25, opaque `nextToken`).
    pub async fn list_graphql_apis(&self, ctx: &RequestContext, max_results: Option<i64>, next_token: Option<&str>, endpoint: &Endpoint) -> Result<Value, AppSyncError> {
        let limit = match max_results {
            None | Some(0) => 25,
            Some(n @ 1..=25) => n as usize,
            Some(_) => return Err(bad("maxResults must be between 0 and 25")),
        };
        let after = match next_token {
            None => None,
            Some(t) => Some(amplocal_core::pagination::decode::<String>(t).ok_or_else(|| bad("Invalid pagination token"))?),
        };
        let mut rows = self.store.list_apis(&ctx.account_id, &ctx.region, after, limit + 1).await?;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            amplocal_core::pagination::encode(&rows.last().map(|r| r.api_id.clone()).unwrap_or_default())
        });
        let apis: Vec<Value> = rows.iter().map(|r| api_json(r, endpoint)).collect();
        Ok(json!({ "graphqlApis": apis, "nextToken": next }))
    }

    /// UpdateGraphqlApi: replaces the settings given (name and auth modes are validated as on
    /// create; a schema already loaded is recompiled with the new modes).
    pub async fn update_graphql_api(&self, ctx: &RequestContext, api_id: &str, input: Map<String, Value>, endpoint: &Endpoint) -> Result<Value, AppSyncError> {
        let mut row = self.api(ctx, api_id).await?;
        let mut merged = row.body.as_object().cloned().unwrap_or_default();
        merged.insert("name".into(), json!(row.name));
        for (k, v) in input {
            merged.insert(k, v);
        }
        let (name, body) = validate_create(&merged)?;
        row.name = name;
        row.body = body;
        row.schema_version += 1;
        self.store.put_api(row.clone()).await?;
        self.runtime.evict(api_id);
        Ok(json!({ "graphqlApi": api_json(&row, endpoint) }))
    }

    /// DeleteGraphqlApi.
    pub async fn delete_graphql_api(&self, ctx: &RequestContext, api_id: &str) -> Result<Value, AppSyncError> {
        if !self.store.delete_api(&ctx.account_id, &ctx.region, api_id).await? {
            return Err(api_not_found(api_id));
        }
        self.runtime.evict(api_id);
        Ok(json!({}))
    }

    /// StartSchemaCreation: validates and loads the schema now; the status is then SUCCESS or
    /// FAILED (the response still says PROCESSING, as AWS's does).
    pub async fn start_schema_creation(&self, ctx: &RequestContext, api_id: &str, definition: &[u8]) -> Result<Value, AppSyncError> {
        let mut row = self.api(ctx, api_id).await?;
        if definition.is_empty() {
            return Err(bad("Schema definition is empty."));
        }
        let text = String::from_utf8(definition.to_vec()).map_err(|_| bad("Schema definition is not valid UTF-8."))?;
        let (default, additional) = api_modes(&row.body);
        let compiled = match self.runtime.compile((&row.account, &row.region), &row.api_id, &text, default, additional) {
            Ok(loaded) => self.runtime.provision(&row.account, &row.region, &loaded).await.map(|_| loaded),
            Err(e) => Err(e),
        };
        match compiled {
            Ok(loaded) => {
                row.schema_status = Some("SUCCESS".into());
                row.schema_details = Some(format!("Successfully created schema with {} types.", loaded.type_count));
                row.schema_version += 1;
                row.definition = Some(text);
                self.runtime.install(&row.api_id, row.schema_version, loaded);
            }
            Err(e) => {
                row.schema_status = Some("FAILED".into());
                row.schema_details = Some(e);
            }
        }
        self.store.put_api(row).await?;
        Ok(json!({ "status": "PROCESSING" }))
    }

    /// GetSchemaCreationStatus.
    pub async fn get_schema_creation_status(&self, ctx: &RequestContext, api_id: &str) -> Result<Value, AppSyncError> {
        let row = self.api(ctx, api_id).await?;
        let status = row.schema_status.unwrap_or_else(|| "NOT_APPLICABLE".into());
        Ok(json!({ "status": status, "details": row.schema_details }))
    }

    /// GetIntrospectionSchema: the SDL (`format=SDL`) or introspection JSON (`format=JSON`).
    pub async fn get_introspection_schema(&self, ctx: &RequestContext, api_id: &str, format: Option<&str>, include_directives: bool) -> Result<Vec<u8>, AppSyncError> {
        let row = self.api(ctx, api_id).await?;
        let loaded = self.runtime.get(&row).await.map_err(|_| AppSyncError::NotFoundException("The schema is not available.".into()))?;
        let Some(loaded) = loaded else { return Err(AppSyncError::NotFoundException("No schema exists for this API.".into())) };
        match format {
            Some("SDL") => Ok(loaded.sdl(include_directives).into_bytes()),
            Some("JSON") => {
                let r = loaded.schema.execute(crate::runtime::INTROSPECTION_QUERY).await;
                let data = r.data.into_json().map_err(|e| AppSyncError::Internal(amplocal_core::InternalError::new(e)))?;
                Ok(serde_json::to_vec(&data)?)
            }
            _ => Err(bad("format must be SDL or JSON")),
        }
    }
}
