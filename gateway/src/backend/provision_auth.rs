//! Provisioning of the manifest's Cognito resources through `amplocal_cognito::provision`
//! (in process): user pools with their policy, attributes, groups and clients; then, side by
//! side, seed users and identity pools. Leaves out: removing what left the manifest.

use super::manifest::{IdentityPoolSpec, Manifest, UserPoolSpec};
use super::spanned::ManifestError;
use amplocal_cognito::{provision as cog, CognitoService};
use amplocal_core::RequestContext;
use serde_json::{json, Value};

/// A provisioned user pool: manifest name, id and its clients (manifest name, id).
#[derive(Debug, Clone)]
pub struct PoolIds {
    /// Manifest name.
    pub name: String,
    /// Pool id.
    pub id: String,
    /// (client name, client id).
    pub clients: Vec<(String, String)>,
}

fn pool_input(p: &UserPoolSpec) -> Value {
    let pp = &p.password_policy;
    let mut policy = serde_json::Map::new();
    for (k, v) in [
        ("MinimumLength", pp.minimum_length.map(Value::from)),
        ("RequireLowercase", pp.require_lowercase.map(Value::from)),
        ("RequireUppercase", pp.require_uppercase.map(Value::from)),
        ("RequireNumbers", pp.require_numbers.map(Value::from)),
        ("RequireSymbols", pp.require_symbols.map(Value::from)),
        ("TemporaryPasswordValidityDays", pp.temporary_password_validity_days.map(Value::from)),
    ] {
        if let Some(v) = v {
            policy.insert(k.into(), v);
        }
    }
    let schema: Vec<Value> = p
        .attributes
        .iter()
        .map(|a| {
            if a.name.starts_with("custom:") {
                json!({"Name": a.name, "AttributeDataType": a.data_type, "Mutable": a.mutable})
            } else {
                json!({"Name": a.name, "Required": a.required})
            }
        })
        .collect();
    json!({
        "PoolName": p.name,
        "Policies": {"PasswordPolicy": policy},
        "UsernameAttributes": p.username_attributes,
        "AutoVerifiedAttributes": p.auto_verified_attributes,
        "MfaConfiguration": p.mfa,
        "Schema": schema,
    })
}

async fn user_pool(svc: &CognitoService, ctx: &RequestContext, m: &Manifest, p: &UserPoolSpec) -> Result<PoolIds, ManifestError> {
    let id = cog::ensure_user_pool(svc, ctx, p.id.as_deref(), pool_input(p)).await.map_err(|e| m.error_at(&p.loc, e))?;
    for g in &p.groups {
        cog::ensure_group(svc, ctx, &id, &g.name, g.description.as_deref(), g.precedence).await.map_err(|e| m.error_at(&g.loc, e))?;
    }
    let mut clients = Vec::new();
    for c in &p.clients {
        let mut input = json!({
            "UserPoolId": id,
            "ClientName": c.name,
            "GenerateSecret": c.secret,
            "PreventUserExistenceErrors": if p.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        });
        if !c.auth_flows.is_empty() {
            input["ExplicitAuthFlows"] = json!(c.auth_flows);
        }
        let client = cog::ensure_client(svc, ctx, &id, c.id.as_deref(), input).await.map_err(|e| m.error_at(&c.loc, e))?;
        clients.push((c.name.clone(), client["ClientId"].as_str().unwrap_or_default().to_string()));
    }
    Ok(PoolIds { name: p.name.clone(), id, clients })
}

async fn identity_pool(svc: &CognitoService, ctx: &RequestContext, m: &Manifest, pools: &[PoolIds], p: &IdentityPoolSpec) -> Result<String, ManifestError> {
    let mut providers = Vec::new();
    for (pool, client, loc) in &p.providers {
        let found = pools.iter().find(|x| &x.name == pool).and_then(|x| x.clients.iter().find(|c| &c.0 == client).map(|c| (x.id.clone(), c.1.clone())));
        let Some((pool_id, client_id)) = found else { return Err(m.error_at(loc, "provider not provisioned")) };
        providers.push(json!({"ProviderName": format!("cognito-idp.{}.amazonaws.com/{pool_id}", m.region), "ClientId": client_id, "ServerSideTokenCheck": false}));
    }
    let input = json!({"IdentityPoolName": p.name, "AllowUnauthenticatedIdentities": p.allow_unauthenticated, "CognitoIdentityProviders": providers});
    let roles = json!({"authenticated": p.authenticated_role, "unauthenticated": p.unauthenticated_role});
    cog::ensure_identity_pool(svc, ctx, p.id.as_deref(), input, roles).await.map_err(|e| m.error_at(&p.loc, e))
}

/// Provision every user pool with its groups and clients (seed users: [`users`]).
pub async fn pools(svc: &CognitoService, ctx: &RequestContext, m: &Manifest) -> Result<Vec<PoolIds>, ManifestError> {
    let mut pools = Vec::new();
    for p in &m.user_pools {
        pools.push(user_pool(svc, ctx, m, p).await?);
    }
    Ok(pools)
}

/// Create the seed users that are absent, all at once (their SRP verifiers overlap).
pub async fn users(svc: &CognitoService, ctx: &RequestContext, m: &Manifest, pools: &[PoolIds]) -> Result<(), ManifestError> {
    let jobs = m.user_pools.iter().zip(pools).flat_map(|(p, ids)| {
        p.users.iter().map(move |u| async move {
            cog::ensure_user(svc, ctx, &ids.id, &u.username, &u.password, u.attributes.clone(), u.groups.clone()).await.map_err(|e| m.error_at(&u.loc, e))
        })
    });
    futures_util::future::try_join_all(jobs).await?;
    Ok(())
}

/// Provision every identity pool (after [`pools`]); returns their ids in manifest order.
pub async fn identity_pools(svc: &CognitoService, ctx: &RequestContext, m: &Manifest, pools: &[PoolIds]) -> Result<Vec<String>, ManifestError> {
    let mut ids = Vec::new();
    for p in &m.identity_pools {
        ids.push(identity_pool(svc, ctx, m, pools, p).await?);
    }
    Ok(ids)
}
