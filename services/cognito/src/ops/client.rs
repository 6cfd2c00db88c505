//! CreateUserPoolClient / DescribeUserPoolClient / ListUserPoolClients / UpdateUserPoolClient /
//! DeleteUserPoolClient (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html>).
//! OAuth settings are stored and echoed; the hosted UI is not served.

use super::{new_client_id, new_client_secret, now, opt, req, req_nonempty};
use crate::error::{CognitoError, Result};
use crate::store;
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

const FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
];
const SETTABLE: &[&str] = &[
    "ClientName", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "ReadAttributes",
    "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI",
    "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "AnalyticsConfiguration",
    "PreventUserExistenceErrors", "EnableTokenRevocation", "EnablePropagateAdditionalUserContextData", "AuthSessionValidity",
    "RefreshTokenRotation",
];

fn validate(input: &Value) -> Result<()> {
    for f in store::str_list(&input["ExplicitAuthFlows"]) {
        if !FLOWS.contains(&f.as_str()) {
            return Err(CognitoError::param(format!("1 validation error detected: Value '[{f}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{}]]", FLOWS.join(", "))));
        }
    }
    if let Some(p) = opt(input, "PreventUserExistenceErrors") {
        if p != "ENABLED" && p != "LEGACY" {
            return Err(CognitoError::param(format!("1 validation error detected: Value '{p}' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]")));
        }
    }
    for (k, max) in [("AccessTokenValidity", 86400), ("IdTokenValidity", 86400), ("RefreshTokenValidity", 315_360_000)] {
        if let Some(v) = input.get(k).and_then(Value::as_i64) {
            if v < 0 || v > max {
                return Err(CognitoError::param(format!("1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must have value between 0 and {max}", k[..1].to_lowercase() + &k[1..])));
            }
        }
    }
    Ok(())
}

fn apply(client: &mut Value, input: &Value) {
    for k in SETTABLE {
        if let Some(v) = input.get(*k).filter(|v| !v.is_null()) {
            client[*k] = v.clone();
        }
    }
    if client["ExplicitAuthFlows"].as_array().is_none_or(|a| a.is_empty()) {
        client["ExplicitAuthFlows"] = json!(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]);
    }
    for (k, d) in [("RefreshTokenValidity", json!(30)), ("PreventUserExistenceErrors", json!("LEGACY")), ("EnableTokenRevocation", json!(true)), ("AllowedOAuthFlowsUserPoolClient", json!(false)), ("AuthSessionValidity", json!(3))] {
        if client.get(k).is_none_or(Value::is_null) {
            client[k] = d;
        }
    }
    if client["RefreshTokenValidity"] == 0 {
        client["RefreshTokenValidity"] = json!(30);
    }
}

/// Token lifetimes of a client in seconds: (access, id, refresh).
pub fn validities(client: &Value) -> (i64, i64, i64) {
    let units = &client["TokenValidityUnits"];
    let secs = |k: &str, unit_key: &str, default_unit: &str, default: i64| {
        let v = client[k].as_i64().filter(|v| *v > 0).unwrap_or(default);
        let mult = match units[unit_key].as_str().unwrap_or(default_unit) {
            "seconds" => 1,
            "minutes" => 60,
            "hours" => 3600,
            _ => 86400,
        };
        v * mult
    };
    (secs("AccessTokenValidity", "AccessToken", "hours", 1), secs("IdTokenValidity", "IdToken", "hours", 1), secs("RefreshTokenValidity", "RefreshToken", "days", 30))
}

/// Whether the client allows `flow` (new `ALLOW_*` names and the legacy ones).
pub fn allows(client: &Value, flow: &str) -> bool {
    let flows = store::str_list(&client["ExplicitAuthFlows"]);
    let legacy = match flow {
        "ALLOW_USER_PASSWORD_AUTH" => Some("USER_PASSWORD_AUTH"),
        "ALLOW_ADMIN_USER_PASSWORD_AUTH" => Some("ADMIN_NO_SRP_AUTH"),
        _ => None,
    };
    flows.iter().any(|f| f == flow || Some(f.as_str()) == legacy)
}

/// CreateUserPoolClient.
pub async fn create_user_pool_client(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    req_nonempty(&input, "ClientName")?;
    validate(&input)?;
    let t = now(ctx);
    let mut client = json!({"UserPoolId": pool_id, "ClientId": new_client_id(svc), "CreationDate": t, "LastModifiedDate": t});
    if input["GenerateSecret"].as_bool() == Some(true) {
        client["ClientSecret"] = new_client_secret(svc).into();
    }
    apply(&mut client, &input);
    let (acct, c2) = (ctx.account_id.clone(), client.clone());
    svc.settings_db()
        .write(move |c| {
            store::get_pool(c, &acct, &pool_id)?;
            store::put_client(c, &c2)
        })
        .await?;
    Ok(json!({"UserPoolClient": client}))
}

async fn load(svc: &CognitoService, ctx: &RequestContext, input: &Value) -> Result<Value> {
    let pool_id = req(input, "UserPoolId")?.to_string();
    let client_id = req(input, "ClientId")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db()
        .read(move |c| {
            store::get_pool(c, &acct, &pool_id)?;
            match store::get_client(c, &client_id)? {
                Some(cl) if cl["UserPoolId"] == pool_id.as_str() => Ok(cl),
                _ => Err(CognitoError::ResourceNotFoundException(format!("User pool client {client_id} does not exist."))),
            }
        })
        .await
}

/// DescribeUserPoolClient.
pub async fn describe_user_pool_client(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    Ok(json!({"UserPoolClient": load(svc, ctx, &input).await?}))
}

/// UpdateUserPoolClient.
pub async fn update_user_pool_client(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    validate(&input)?;
    let mut client = load(svc, ctx, &input).await?;
    client["ExplicitAuthFlows"] = Value::Null;
    apply(&mut client, &input);
    client["LastModifiedDate"] = now(ctx).into();
    let c2 = client.clone();
    svc.settings_db().write(move |c| store::put_client(c, &c2)).await?;
    Ok(json!({"UserPoolClient": client}))
}

/// DeleteUserPoolClient.
pub async fn delete_user_pool_client(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client = load(svc, ctx, &input).await?;
    let id = client["ClientId"].as_str().unwrap_or_default().to_string();
    svc.settings_db().write(move |c| store::delete_client(c, &id)).await?;
    Ok(json!({}))
}

/// ListUserPoolClients.
pub async fn list_user_pool_clients(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let max = input["MaxResults"].as_i64().unwrap_or(60).clamp(1, 60) as usize;
    let after = opt(&input, "NextToken").map(|t| amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))).transpose()?;
    let acct = ctx.account_id.clone();
    let all = svc
        .db()
        .read(move |c| {
            store::get_pool(c, &acct, &pool_id)?;
            store::list_clients(c, &pool_id)
        })
        .await?;
    let rest: Vec<&Value> = all.iter().filter(|c| after.as_ref().is_none_or(|a| c["ClientId"].as_str().unwrap_or_default() > a.as_str())).collect();
    let page: Vec<Value> = rest.iter().take(max).map(|c| json!({"ClientId": c["ClientId"], "UserPoolId": c["UserPoolId"], "ClientName": c["ClientName"]})).collect();
    let mut out = json!({"UserPoolClients": page});
    if rest.len() > max {
        out["NextToken"] = amplocal_core::pagination::encode(&rest[max - 1]["ClientId"].as_str().unwrap_or_default()).into();
    }
    Ok(out)
}
