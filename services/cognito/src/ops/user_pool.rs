//! CreateUserPool / DescribeUserPool / ListUserPools / UpdateUserPool / DeleteUserPool
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html>).
//! Settings are stored as given (with AWS's defaults filled in) and echoed back; Lambda
//! triggers, SMS/email configuration and advanced security are stored but never acted on.

use super::{new_pool_id, now, opt, req, req_nonempty};
use crate::error::{CognitoError, Result};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Map, Value};

const SETTABLE: &[&str] = &[
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
    "SmsAuthenticationMessage", "MfaConfiguration", "UserAttributeUpdateSettings", "DeviceConfiguration",
    "EmailConfiguration", "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
    "UsernameConfiguration", "AccountRecoverySetting", "UserPoolTier",
];

fn standard_schema() -> Vec<Value> {
    let s = |name: &str, ty: &str, mutable: bool, required: bool| {
        let mut a = json!({"Name": name, "AttributeDataType": ty, "DeveloperOnlyAttribute": false, "Mutable": mutable, "Required": required});
        if ty == "String" {
            a["StringAttributeConstraints"] = json!({"MinLength": "0", "MaxLength": if name == "sub" {"36"} else {"2048"}});
        }
        a
    };
    let mut v = vec![s("sub", "String", false, true)];
    for n in ["name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email"] {
        v.push(s(n, "String", true, false));
    }
    v.push(s("email_verified", "Boolean", true, false));
    for n in ["gender", "birthdate", "zoneinfo", "locale", "phone_number"] {
        v.push(s(n, "String", true, false));
    }
    v.push(s("phone_number_verified", "Boolean", true, false));
    v.push(s("address", "String", true, false));
    v.push(json!({"Name": "updated_at", "AttributeDataType": "Number", "DeveloperOnlyAttribute": false, "Mutable": true, "Required": false, "NumberAttributeConstraints": {"MinValue": "0"}}));
    v
}

fn validate_settings(input: &Value) -> Result<()> {
    let ua = store::str_list(&input["UsernameAttributes"]);
    let aa = store::str_list(&input["AliasAttributes"]);
    if !ua.is_empty() && !aa.is_empty() {
        return Err(CognitoError::param("Only one of the AliasAttributes or UsernameAttributes can be set in a User Pool."));
    }
    for a in &ua {
        if a != "email" && a != "phone_number" {
            return Err(CognitoError::param(format!("1 validation error detected: Value '[{a}]' at 'usernameAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]")));
        }
    }
    let pp = &input["Policies"]["PasswordPolicy"];
    if let Some(m) = pp.get("MinimumLength").and_then(Value::as_i64) {
        if !(6..=99).contains(&m) {
            return Err(CognitoError::param(format!("1 validation error detected: Value '{m}' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99")));
        }
    }
    if let Some(m) = input["MfaConfiguration"].as_str() {
        if !["OFF", "ON", "OPTIONAL"].contains(&m) {
            return Err(CognitoError::param(format!("1 validation error detected: Value '{m}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]")));
        }
    }
    Ok(())
}

fn apply(data: &mut Map<String, Value>, input: &Value) {
    for k in SETTABLE {
        if let Some(v) = input.get(*k).filter(|v| !v.is_null()) {
            data.insert((*k).to_string(), v.clone());
        }
    }
    let pp = data.entry("Policies").or_insert_with(|| json!({})).as_object_mut().map(|p| p.entry("PasswordPolicy").or_insert_with(|| json!({})).clone());
    let mut pp = pp.unwrap_or_else(|| json!({}));
    for (k, d) in [("MinimumLength", json!(8)), ("RequireUppercase", json!(true)), ("RequireLowercase", json!(true)), ("RequireNumbers", json!(true)), ("RequireSymbols", json!(true)), ("TemporaryPasswordValidityDays", json!(7))] {
        if pp.get(k).is_none_or(Value::is_null) {
            pp[k] = d;
        }
    }
    data["Policies"]["PasswordPolicy"] = pp;
    data.entry("MfaConfiguration").or_insert_with(|| json!("OFF"));
    data.entry("AdminCreateUserConfig").or_insert_with(|| json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7}));
    data.entry("DeletionProtection").or_insert_with(|| json!("INACTIVE"));
}

/// The `UserPoolType` of a pool.
pub fn describe(p: &Pool, est_users: i64) -> Value {
    let mut v = p.data.clone();
    v["Id"] = p.id.clone().into();
    v["Name"] = p.name.clone().into();
    v["Arn"] = format!("arn:aws:cognito-idp:{}:{}:userpool/{}", p.region, p.account, p.id).into();
    v["CreationDate"] = p.created.into();
    v["LastModifiedDate"] = p.modified.into();
    v["EstimatedNumberOfUsers"] = est_users.into();
    v
}

/// CreateUserPool.
pub async fn create_user_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let name = req_nonempty(&input, "PoolName")?.to_string();
    if name.len() > 128 {
        return Err(CognitoError::param("1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must have length less than or equal to 128"));
    }
    validate_settings(&input)?;
    let mut data = Map::new();
    apply(&mut data, &input);
    let mut schema = standard_schema();
    if let Some(extra) = input["Schema"].as_array() {
        for a in extra {
            let n = a["Name"].as_str().unwrap_or_default();
            if n.is_empty() {
                continue;
            }
            if let Some(existing) = schema.iter_mut().find(|s| s["Name"] == n) {
                if let Some(r) = a.get("Required") {
                    existing["Required"] = r.clone();
                }
                continue;
            }
            let mut c = a.clone();
            c["Name"] = format!("custom:{}", n.trim_start_matches("custom:")).into();
            c.as_object_mut().map(|o| o.entry("Mutable").or_insert(json!(true)));
            c["DeveloperOnlyAttribute"] = json!(false);
            c["Required"] = json!(false);
            schema.push(c);
        }
    }
    data.insert("SchemaAttributes".into(), Value::Array(schema));
    let t = now(ctx);
    let pool = Pool { id: new_pool_id(svc, &ctx.region), account: ctx.account_id.clone(), region: ctx.region.clone(), name, data: Value::Object(data), created: t, modified: t };
    let p2 = pool.clone();
    svc.settings_db().write(move |c| store::put_pool(c, &p2)).await?;
    Ok(json!({"UserPool": describe(&pool, 0)}))
}

/// DescribeUserPool.
pub async fn describe_user_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "UserPoolId")?.to_string();
    let acct = ctx.account_id.clone();
    let (pool, n) = svc
        .db()
        .read(move |c| {
            let p = store::get_pool(c, &acct, &id)?;
            let n: i64 = c.query_row("SELECT count(*) FROM users WHERE pool_id = ?1", [&p.id], |r| r.get(0))?;
            Ok::<_, CognitoError>((p, n))
        })
        .await?;
    Ok(json!({"UserPool": describe(&pool, n)}))
}

/// ListUserPools (MaxResults 1-60, NextToken).
pub async fn list_user_pools(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let max = input["MaxResults"].as_i64().ok_or_else(|| CognitoError::param("1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"))?;
    if !(1..=60).contains(&max) {
        return Err(CognitoError::param(format!("1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60")));
    }
    let after = match opt(&input, "NextToken") {
        Some(t) => Some(amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))?),
        None => None,
    };
    let (a, r) = (ctx.account_id.clone(), ctx.region.clone());
    let pools = svc.db().read(move |c| store::list_pools(c, &a, &r)).await?;
    let rest: Vec<&Pool> = pools.iter().filter(|p| after.as_ref().is_none_or(|a| &p.id > a)).collect();
    let page: Vec<Value> = rest
        .iter()
        .take(max as usize)
        .map(|p| json!({"Id": p.id, "Name": p.name, "LambdaConfig": p.data.get("LambdaConfig").cloned().unwrap_or(json!({})), "CreationDate": p.created, "LastModifiedDate": p.modified}))
        .collect();
    let mut out = json!({"UserPools": page});
    if rest.len() > max as usize {
        out["NextToken"] = amplocal_core::pagination::encode(&rest[max as usize - 1].id).into();
    }
    Ok(out)
}

/// UpdateUserPool (replaces the settable fields that are present).
pub async fn update_user_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "UserPoolId")?.to_string();
    validate_settings(&input)?;
    let acct = ctx.account_id.clone();
    let t = now(ctx);
    svc.settings_db()
        .write(move |c| {
            let mut p = store::get_pool(c, &acct, &id)?;
            let mut data = p.data.as_object().cloned().unwrap_or_default();
            apply(&mut data, &input);
            p.data = Value::Object(data);
            p.modified = t;
            store::put_pool(c, &p)
        })
        .await?;
    Ok(json!({}))
}

/// DeleteUserPool (refused while DeletionProtection is ACTIVE).
pub async fn delete_user_pool(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "UserPoolId")?.to_string();
    let acct = ctx.account_id.clone();
    let id2 = id.clone();
    svc.settings_db()
        .write(move |c| {
            let p = store::get_pool(c, &acct, &id2)?;
            if p.data["DeletionProtection"] == "ACTIVE" {
                return Err(CognitoError::InvalidParameterException("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.".into()));
            }
            store::delete_pool(c, &p.id)
        })
        .await?;
    svc.inner.keys.evict(&id);
    Ok(json!({}))
}

/// AddCustomAttributes (names get the `custom:` prefix; existing names are refused).
pub async fn add_custom_attributes(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let id = req(&input, "UserPoolId")?.to_string();
    let attrs = input["CustomAttributes"].as_array().cloned().filter(|a| !a.is_empty()).ok_or_else(|| {
        CognitoError::param("1 validation error detected: Value null at 'customAttributes' failed to satisfy constraint: Member must not be null")
    })?;
    let (acct, t) = (ctx.account_id.clone(), now(ctx));
    svc.settings_db()
        .write(move |c| {
            let mut p = store::get_pool(c, &acct, &id)?;
            let mut schema = p.data["SchemaAttributes"].as_array().cloned().unwrap_or_default();
            for a in attrs {
                let n = a["Name"].as_str().unwrap_or_default();
                if n.is_empty() {
                    return Err(CognitoError::param("1 validation error detected: Value null at 'customAttributes.member.name' failed to satisfy constraint: Member must not be null"));
                }
                let name = format!("custom:{}", n.trim_start_matches("custom:"));
                if schema.iter().any(|s| s["Name"] == name.as_str()) {
                    return Err(CognitoError::param(format!("Existing attribute already has name {name}.")));
                }
                let mut s = a.clone();
                s["Name"] = name.into();
                s["DeveloperOnlyAttribute"] = json!(false);
                s["Required"] = json!(false);
                s.as_object_mut().map(|o| o.entry("Mutable").or_insert(json!(true)));
                schema.push(s);
            }
            p.data["SchemaAttributes"] = Value::Array(schema);
            p.modified = t;
            store::put_pool(c, &p)
        })
        .await?;
    Ok(json!({}))
}
