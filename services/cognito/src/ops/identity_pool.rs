//! cognito-identity: CreateIdentityPool / DescribeIdentityPool / ListIdentityPools /
//! UpdateIdentityPool / DeleteIdentityPool / SetIdentityPoolRoles / GetIdentityPoolRoles /
//! GetId / GetCredentialsForIdentity / GetOpenIdToken
//! (<https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetCredentialsForIdentity.html>).
//! Issued credentials are registered in core's CredentialStore so the gateway verifies their
//! signatures. Role mappings of type `Token` use the ID token's `cognito:preferred_role`;
//! `ServerSideTokenCheck` refuses tokens of signed-out, disabled or deleted users.
//! Left out: developer-authenticated identities, SAML/OIDC/social providers, `Rules` role
//! mappings, UnlinkIdentity.

use super::{now, opt, req, req_nonempty, str_map};
use crate::error::{CognitoError, Result};
use crate::CognitoService;
use amplocal_core::ids::{ALNUM, UPPER_ALNUM};
use amplocal_core::{Credential, PoolIdentity, RequestContext};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::time::Duration;

const FIELDS: &[&str] = &["IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow", "SupportedLoginProviders", "DeveloperProviderName", "OpenIdConnectProviderARNs", "CognitoIdentityProviders", "SamlProviderARNs", "IdentityPoolTags"];

/// An identity pool row: (account, data).
fn load(c: &Connection, id: &str) -> Result<Option<(String, Value)>> {
    let row: Option<(String, String)> = c.query_row("SELECT account, data FROM identity_pools WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    row.map(|(a, d)| Ok((a, serde_json::from_str(&d)?))).transpose()
}

fn not_found(id: &str) -> CognitoError {
    CognitoError::ResourceNotFoundException(format!("IdentityPool '{id}' not found."))
}

fn load_owned(c: &Connection, account: &str, id: &str) -> Result<Value> {
    match load(c, id)? {
        Some((a, d)) if a == account => Ok(d),
        _ => Err(not_found(id)),
    }
}

fn save(c: &Connection, account: &str, region: &str, d: &Value) -> Result<()> {
    c.execute("INSERT OR REPLACE INTO identity_pools (id, account, region, data) VALUES (?1, ?2, ?3, ?4)", params![d["IdentityPoolId"].as_str().unwrap_or_default(), account, region, d.to_string()])?;
    Ok(())
}

fn public(d: &Value) -> Value {
    let mut out = Map::new();
    out.insert("IdentityPoolId".into(), d["IdentityPoolId"].clone());
    for k in FIELDS {
        if let Some(v) = d.get(*k).filter(|v| !v.is_null()) {
            out.insert((*k).into(), v.clone());
        }
    }
    Value::Object(out)
}

fn apply(d: &mut Value, input: &Value) -> Result<()> {
    req_nonempty(input, "IdentityPoolName")?;
    if !input["AllowUnauthenticatedIdentities"].is_boolean() {
        return Err(CognitoError::param("1 validation error detected: Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must not be null"));
    }
    for k in FIELDS {
        if let Some(v) = input.get(*k) {
            d[*k] = v.clone();
        }
    }
    Ok(())
}

/// CreateIdentityPool.
pub async fn create_identity_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let mut d = json!({"IdentityPoolId": format!("{}:{}", ctx.region, svc.core().ids.uuid())});
    apply(&mut d, &input)?;
    let (a, r, d2) = (ctx.account_id.clone(), ctx.region.clone(), d.clone());
    svc.db().write(move |c| save(c, &a, &r, &d2)).await?;
    Ok(public(&d))
}

/// DescribeIdentityPool.
pub async fn describe_identity_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "IdentityPoolId")?.to_string();
    let a = ctx.account_id.clone();
    Ok(public(&svc.db().read(move |c| load_owned(c, &a, &id)).await?))
}

/// UpdateIdentityPool.
pub async fn update_identity_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "IdentityPoolId")?.to_string();
    let (a, r) = (ctx.account_id.clone(), ctx.region.clone());
    let d = svc
        .db()
        .write(move |c| {
            let mut d = load_owned(c, &a, &id)?;
            apply(&mut d, &input)?;
            save(c, &a, &r, &d)?;
            Ok::<_, CognitoError>(d)
        })
        .await?;
    Ok(public(&d))
}

/// DeleteIdentityPool.
pub async fn delete_identity_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "IdentityPoolId")?.to_string();
    let a = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            load_owned(c, &a, &id)?;
            for t in ["identity_pools WHERE id", "identities WHERE pool_id", "identity_logins WHERE pool_id"] {
                c.execute(&format!("DELETE FROM {t} = ?1"), [&id])?;
            }
            Ok::<_, CognitoError>(())
        })
        .await?;
    Ok(json!({}))
}

/// ListIdentityPools.
pub async fn list_identity_pools(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let max = input["MaxResults"].as_i64().ok_or_else(|| CognitoError::param("1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"))?;
    if !(1..=60).contains(&max) {
        return Err(CognitoError::param(format!("1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60")));
    }
    let after = opt(&input, "NextToken").map(|t| amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))).transpose()?;
    let (a, r) = (ctx.account_id.clone(), ctx.region.clone());
    let all: Vec<(String, String)> = svc
        .db()
        .read(move |c| {
            let mut st = c.prepare("SELECT id, data FROM identity_pools WHERE account = ?1 AND region = ?2 ORDER BY id")?;
            let rows = st.query_map([&a, &r], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, CognitoError>(rows)
        })
        .await?;
    let rest: Vec<&(String, String)> = all.iter().filter(|(id, _)| after.as_ref().is_none_or(|a| id > a)).collect();
    let page: Vec<Value> = rest
        .iter()
        .take(max as usize)
        .map(|(id, d)| json!({"IdentityPoolId": id, "IdentityPoolName": serde_json::from_str::<Value>(d).map(|v| v["IdentityPoolName"].clone()).unwrap_or(Value::Null)}))
        .collect();
    let mut out = json!({"IdentityPools": page});
    if rest.len() > max as usize {
        out["NextToken"] = amplocal_core::pagination::encode(&rest[max as usize - 1].0).into();
    }
    Ok(out)
}

/// SetIdentityPoolRoles.
pub async fn set_identity_pool_roles(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "IdentityPoolId")?.to_string();
    let roles = str_map(&input, "Roles")?;
    for k in roles.keys() {
        if k != "authenticated" && k != "unauthenticated" {
            return Err(CognitoError::param(format!("Invalid role key: {k}")));
        }
    }
    let mappings = input.get("RoleMappings").cloned().unwrap_or(Value::Null);
    let (a, r) = (ctx.account_id.clone(), ctx.region.clone());
    svc.db()
        .write(move |c| {
            let mut d = load_owned(c, &a, &id)?;
            d["_Roles"] = Value::Object(roles);
            d["_RoleMappings"] = mappings;
            save(c, &a, &r, &d)
        })
        .await?;
    Ok(json!({}))
}

/// GetIdentityPoolRoles.
pub async fn get_identity_pool_roles(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "IdentityPoolId")?.to_string();
    let a = ctx.account_id.clone();
    let d = svc.db().read(move |c| load_owned(c, &a, &id)).await?;
    let mut out = json!({"IdentityPoolId": d["IdentityPoolId"], "Roles": d.get("_Roles").cloned().unwrap_or(json!({}))});
    if let Some(m) = d.get("_RoleMappings").filter(|m| !m.is_null()) {
        out["RoleMappings"] = m.clone();
    }
    Ok(out)
}

/// Verify each login against the pool's providers; returns the login keys (`provider|sub`).
async fn check_logins(svc: &CognitoService, pool: &Value, logins: &Map<String, Value>) -> Result<Vec<String>> {
    Ok(check_logins_roles(svc, pool, logins).await?.into_iter().map(|(k, _)| k).collect())
}

/// [`check_logins`] plus the role a `Token` role mapping picks for each login
/// (`cognito:preferred_role`).
async fn check_logins_roles(svc: &CognitoService, pool: &Value, logins: &Map<String, Value>) -> Result<Vec<(String, Option<String>)>> {
    if logins.len() > 10 {
        return Err(CognitoError::param("Too many logins: at most 10 are allowed."));
    }
    let providers = pool["CognitoIdentityProviders"].as_array().cloned().unwrap_or_default();
    let mut keys = Vec::new();
    for (provider, token) in logins {
        let token = token.as_str().unwrap_or_default();
        let claims = svc.verify_token(token).await.map_err(|e| match e {
            CognitoError::NotAuthorizedException(m) if m.contains("expired") => CognitoError::NotAuthorizedException("Invalid login token. Token expired.".into()),
            CognitoError::Internal(i) => CognitoError::Internal(i),
            _ => CognitoError::NotAuthorizedException("Invalid login token. Not a valid OpenId Connect identity token.".into()),
        })?;
        let iss = claims.claims.get("iss").and_then(Value::as_str).unwrap_or_default();
        let iss_host = iss.split_once("://").map(|(_, h)| h).unwrap_or(iss);
        let aws_form = format!("cognito-idp.{}.amazonaws.com/{}", claims.region, claims.pool_id);
        if provider != iss_host && *provider != aws_form {
            return Err(CognitoError::NotAuthorizedException("Invalid login token. Issuer doesn't match providerName".into()));
        }
        if claims.token_use != "id" {
            return Err(CognitoError::NotAuthorizedException("Invalid login token. Not a valid OpenId Connect identity token.".into()));
        }
        let configured = providers.iter().find(|p| p["ProviderName"] == aws_form.as_str() || p["ProviderName"] == iss_host);
        let Some(conf) = configured else {
            return Err(CognitoError::NotAuthorizedException("Token is not from a supported provider of this identity pool.".into()));
        };
        if conf["ClientId"].as_str().is_some_and(|c| c != claims.client_id) {
            return Err(CognitoError::NotAuthorizedException("Invalid login token. Incorrect audience.".into()));
        }
        if conf["ServerSideTokenCheck"] == true {
            // The user must still exist and not be signed out.
            let (pid, un, origin) = (claims.pool_id.clone(), claims.username.clone(), claims.claims.get("origin_jti").and_then(Value::as_str).map(str::to_string));
            let alive = svc
                .db()
                .read(move |c| {
                    let exists = crate::store::user::get(c, &pid, &un)?.is_some_and(|u| u.enabled);
                    let revoked = match &origin {
                        Some(o) => crate::store::user::origin_revoked(c, o)?,
                        None => false,
                    };
                    Ok::<_, CognitoError>(exists && !revoked)
                })
                .await?;
            if !alive {
                return Err(CognitoError::NotAuthorizedException("Invalid login token. Token is revoked or the user no longer exists.".into()));
            }
        }
        let mapping = &pool["_RoleMappings"][conf["ProviderName"].as_str().unwrap_or_default()];
        let preferred = if mapping["Type"] == "Token" { claims.claims.get("cognito:preferred_role").and_then(Value::as_str).map(str::to_string) } else { None };
        keys.push((format!("{aws_form}|{}", claims.sub), preferred));
    }
    Ok(keys)
}

async fn pool_any(svc: &CognitoService, id: &str) -> Result<(String, Value)> {
    let id2 = id.to_string();
    svc.db().read(move |c| load(c, &id2)).await?.ok_or_else(|| not_found(id))
}

/// GetId: a new identity for guests, the same identity per user-pool `sub` for logins.
pub async fn get_id(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "IdentityPoolId")?.to_string();
    let logins = str_map(&input, "Logins")?;
    let (_, pool) = pool_any(svc, &pool_id).await?;
    let keys = check_logins(svc, &pool, &logins).await?;
    if keys.is_empty() && pool["AllowUnauthenticatedIdentities"] != true {
        return Err(CognitoError::NotAuthorizedException("Unauthenticated access is not supported for this identity pool.".into()));
    }
    let region = pool_id.split(':').next().unwrap_or_default().to_string();
    let new_id = format!("{region}:{}", svc.core().ids.uuid());
    let t = now(ctx);
    let id = svc
        .db()
        .write(move |c| {
            for k in &keys {
                let existing: Option<String> = c.query_row("SELECT identity_id FROM identity_logins WHERE pool_id = ?1 AND login = ?2", [&pool_id, k], |r| r.get(0)).optional()?;
                if let Some(e) = existing {
                    return Ok(e);
                }
            }
            c.execute("INSERT INTO identities (id, pool_id, logins, created, modified) VALUES (?1, ?2, ?3, ?4, ?4)", params![new_id, pool_id, json!(keys).to_string(), t])?;
            for k in &keys {
                c.execute("INSERT OR IGNORE INTO identity_logins (pool_id, login, identity_id) VALUES (?1, ?2, ?3)", [&pool_id, k, &new_id])?;
            }
            Ok::<_, CognitoError>(new_id)
        })
        .await?;
    Ok(json!({"IdentityId": id}))
}

/// Resolve (and link) the identity a credentials / OpenID token call is for; returns
/// (identity id, pool data, pool account, authenticated?, login keys).
async fn resolve(svc: &CognitoService, ctx: &RequestContext, input: &Value) -> Result<(String, Value, String, Vec<String>)> {
    let identity_id = req(input, "IdentityId")?.to_string();
    let logins = str_map(input, "Logins")?;
    let iid = identity_id.clone();
    let row: Option<(String, String)> = svc.db().read(move |c| Ok::<_, CognitoError>(c.query_row("SELECT pool_id, logins FROM identities WHERE id = ?1", [&iid], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)).await?;
    let (pool_id, linked) = row.ok_or_else(|| CognitoError::ResourceNotFoundException(format!("Identity '{identity_id}' not found.")))?;
    let (account, pool) = pool_any(svc, &pool_id).await?;
    let keys = check_logins(svc, &pool, &logins).await?;
    let linked: Vec<String> = serde_json::from_str(&linked).unwrap_or_default();
    if keys.is_empty() {
        if !linked.is_empty() {
            return Err(CognitoError::NotAuthorizedException("Logins don't match. Please include at least one valid login for this identity or identity pool.".into()));
        }
        if pool["AllowUnauthenticatedIdentities"] != true {
            return Err(CognitoError::NotAuthorizedException("Unauthenticated access is not supported for this identity pool.".into()));
        }
        return Ok((identity_id, pool, account, keys));
    }
    let t = now(ctx);
    let (pid, k2, iid) = (pool_id.clone(), keys.clone(), identity_id.clone());
    let id = svc
        .db()
        .write(move |c| {
            for k in &k2 {
                let existing: Option<String> = c.query_row("SELECT identity_id FROM identity_logins WHERE pool_id = ?1 AND login = ?2", [&pid, k], |r| r.get(0)).optional()?;
                if let Some(e) = existing {
                    return Ok(e);
                }
            }
            // AWS links the login to the (guest) identity the client already holds.
            let mut all = linked.clone();
            all.extend(k2.iter().cloned());
            c.execute("UPDATE identities SET logins = ?1, modified = ?2 WHERE id = ?3", params![json!(all).to_string(), t, iid])?;
            for k in &k2 {
                c.execute("INSERT OR IGNORE INTO identity_logins (pool_id, login, identity_id) VALUES (?1, ?2, ?3)", [&pid, k, &iid])?;
            }
            Ok::<_, CognitoError>(iid)
        })
        .await?;
    Ok((id, pool, account, keys))
}

/// Temporary credentials registered with the gateway: (key, secret, token, expires epoch secs).
pub fn mint_credentials(svc: &CognitoService, ctx: &RequestContext, account: &str, lifetime: u64) -> (String, String, String, u64) {
    let ids = &svc.core().ids;
    let key = format!("ASIA{}", ids.string_from(UPPER_ALNUM, 16));
    let secret = ids.string_from(ALNUM, 40);
    let token = STANDARD.encode(ids.bytes(96));
    let expires = ctx.now + Duration::from_secs(lifetime);
    svc.core().credentials.insert(key.clone(), Credential::temporary(secret.clone(), token.clone(), account, expires));
    (key, secret, token, amplocal_core::clock::epoch_secs(expires))
}

/// GetCredentialsForIdentity.
pub async fn get_credentials_for_identity(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (id, pool, account, keys) = resolve(svc, ctx, &input).await?;
    let role_key = if keys.is_empty() { "unauthenticated" } else { "authenticated" };
    let token_role = check_logins_roles(svc, &pool, &str_map(&input, "Logins")?).await?.into_iter().find_map(|(_, r)| r);
    let role = opt(&input, "CustomRoleArn").map(str::to_string).or(token_role).or_else(|| pool["_Roles"][role_key].as_str().map(str::to_string));
    let Some(role) = role else {
        return Err(CognitoError::InvalidIdentityPoolConfigurationException("Invalid identity pool configuration. Check assigned IAM roles for this pool.".into()));
    };
    let (key, secret, token, exp) = mint_credentials(svc, ctx, &account, 3600);
    svc.remember_principal(&key, &account, &role, &id);
    // the role's policy variables (`${cognito-identity.amazonaws.com:sub}`) for services' checks
    let who = PoolIdentity { identity_id: id.clone(), pool_id: pool["IdentityPoolId"].as_str().unwrap_or_default().to_string(), authenticated: !keys.is_empty() };
    svc.core().credentials.set_identity(&key, who);
    Ok(json!({"IdentityId": id, "Credentials": {"AccessKeyId": key, "SecretKey": secret, "SessionToken": token, "Expiration": exp}}))
}

/// GetOpenIdToken: an RS256 token from `https://cognito-identity.amazonaws.com` (STS
/// AssumeRoleWithWebIdentity accepts it).
pub async fn get_open_id_token(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (id, pool, _, keys) = resolve(svc, ctx, &input).await?;
    let token = super::sts::identity_token(svc, ctx, &id, pool["IdentityPoolId"].as_str().unwrap_or_default(), &keys).await?;
    Ok(json!({"IdentityId": id, "Token": token}))
}
