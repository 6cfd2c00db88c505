//! Admin user operations and ListUsers: AdminCreateUser, AdminGetUser, AdminSetUserPassword,
//! AdminConfirmSignUp, AdminDeleteUser, AdminDisable/EnableUser, AdminUpdate/DeleteUserAttributes,
//! AdminResetUserPassword, ListUsers (`=` / `^=` filters, pagination)
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html>).
//! Left out: welcome messages (the temporary password goes to the code inbox instead),
//! ClientMetadata / Lambda triggers, MFAOptions.

use super::{attr_list, check_password, deliver_code, now, opt, req, set_password};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, User};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::RequestContext;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

const NON_WRITABLE: &[&str] = &["sub"];

/// Check attribute names against the pool's schema.
pub fn validate_attrs(pool: &Pool, attrs: &[(String, String)]) -> Result<()> {
    let schema = pool.data["SchemaAttributes"].as_array().cloned().unwrap_or_default();
    for (name, _) in attrs {
        if NON_WRITABLE.contains(&name.as_str()) {
            return Err(CognitoError::param(format!("Cannot modify an unmodifiable attribute: {name}")));
        }
        if !schema.iter().any(|s| s["Name"] == name.as_str()) {
            return Err(CognitoError::param(format!("Attribute does not exist in the schema.\n{name}")));
        }
    }
    Ok(())
}

/// Build a new user (not stored): internal name, sub, attributes; refuses taken names.
pub fn new_user(svc: &CognitoService, c: &Connection, pool: &Pool, typed: &str, attrs: &[(String, String)], t: f64) -> Result<User> {
    validate_attrs(pool, attrs)?;
    let sub = svc.core().ids.uuid().to_string();
    let ua = pool.username_attributes();
    let mut map = Map::new();
    map.insert("sub".into(), sub.clone().into());
    for (k, v) in attrs {
        map.insert(k.clone(), v.clone().into());
    }
    let username = if ua.is_empty() {
        if users::get(c, &pool.id, typed)?.is_some() {
            return Err(CognitoError::UsernameExistsException("User already exists".into()));
        }
        typed.to_string()
    } else {
        let attr = if typed.contains('@') && ua.iter().any(|a| a == "email") {
            "email"
        } else if typed.starts_with('+') && ua.iter().any(|a| a == "phone_number") {
            "phone_number"
        } else if ua.iter().any(|a| a == "email") {
            return Err(CognitoError::param("Username should be an email."));
        } else {
            return Err(CognitoError::param("Username should be a phone number."));
        };
        if !users::find_by_attr(c, &pool.id, attr, typed)?.is_empty() {
            let what = if attr == "email" { "email" } else { "phone_number" };
            return Err(CognitoError::UsernameExistsException(format!("An account with the given {what} already exists.")));
        }
        map.insert(attr.into(), typed.to_string().into());
        sub.clone()
    };
    Ok(User { pool_id: pool.id.clone(), username, sub, status: "UNCONFIRMED".into(), enabled: true, attrs: map, salt: None, verifier: None, created: t, modified: t, temp_expires: None, mfa: json!({}) })
}

/// `UserType` as ListUsers / AdminCreateUser return it.
pub fn user_type(u: &User) -> Value {
    json!({"Username": u.username, "Attributes": u.attributes_json(), "UserCreateDate": u.created, "UserLastModifiedDate": u.modified, "Enabled": u.enabled, "UserStatus": u.status})
}

/// MFA fields of GetUser / AdminGetUser.
pub fn mfa_fields(out: &mut Value, u: &User) {
    let list = store::str_list(&u.mfa["enabled"]);
    if !list.is_empty() {
        out["UserMFASettingList"] = json!(list);
    }
    if let Some(p) = u.mfa["preferred"].as_str() {
        out["PreferredMfaSetting"] = p.into();
    }
}

/// Load pool (by account) and user (by any accepted name) or fail with AWS's errors.
pub fn pool_user(c: &Connection, account: &str, pool_id: &str, name: &str) -> Result<(Pool, User)> {
    let pool = store::get_pool(c, account, pool_id)?;
    let user = super::find_user(c, &pool, name)?.ok_or_else(CognitoError::no_user)?;
    Ok((pool, user))
}

fn ids(input: &Value) -> Result<(String, String)> {
    Ok((req(input, "UserPoolId")?.to_string(), req(input, "Username")?.to_string()))
}

fn temp_password(svc: &CognitoService) -> String {
    let core = svc.core().ids.string_from(amplocal_core::ids::ALNUM, 10);
    format!("Tmp{core}9a!")
}

/// AdminCreateUser.
pub async fn admin_create_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool_id, typed) = ids(&input)?;
    super::req_nonempty(&input, "Username")?;
    if typed.chars().count() > 128 || typed.chars().any(char::is_whitespace) {
        return Err(CognitoError::param("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"));
    }
    let attrs = attr_list(&input, "UserAttributes")?;
    let temp = opt(&input, "TemporaryPassword").map(str::to_string).unwrap_or_else(|| temp_password(svc));
    let action = opt(&input, "MessageAction").map(str::to_string);
    let (acct, t, svc2) = (ctx.account_id.clone(), now(ctx), svc.clone());
    let user = svc
        .db()
        .write(move |c| {
            let pool = store::get_pool(c, &acct, &pool_id)?;
            if action.as_deref() == Some("RESEND") {
                let mut u = super::find_user(c, &pool, &typed)?.ok_or_else(CognitoError::no_user)?;
                if u.status != "FORCE_CHANGE_PASSWORD" {
                    return Err(CognitoError::UnsupportedOperationException("Resend not possible. User is not in FORCE_CHANGE_PASSWORD state.".into()));
                }
                check_password(&pool, &temp)?;
                set_password(&svc2, &pool, &mut u, &temp);
                u.temp_expires = Some(t + temp_days(&pool) * 86400.0);
                users::put(c, &u)?;
                store_temp_password(c, &pool, &u, &temp, t)?;
                return Ok(u);
            }
            check_password(&pool, &temp)?;
            let mut u = new_user(&svc2, c, &pool, &typed, &attrs, t)?;
            u.status = "FORCE_CHANGE_PASSWORD".into();
            set_password(&svc2, &pool, &mut u, &temp);
            u.temp_expires = Some(t + temp_days(&pool) * 86400.0);
            users::put(c, &u)?;
            if action.as_deref() != Some("SUPPRESS") {
                store_temp_password(c, &pool, &u, &temp, t)?;
            }
            Ok(u)
        })
        .await?;
    Ok(json!({"User": user_type(&user)}))
}

/// The temporary password goes to the inbox (purpose `temporary_password`) instead of an email.
fn store_temp_password(c: &Connection, pool: &Pool, u: &User, temp: &str, t: f64) -> Result<()> {
    let row = store::CodeRow {
        pool_id: pool.id.clone(),
        username: u.username.clone(),
        purpose: "temporary_password".into(),
        code: temp.to_string(),
        destination: u.attr("email").map(str::to_string),
        created: t,
        expires: t + temp_days(pool) * 86400.0,
        used: false,
    };
    store::put_code(c, &row)?;
    tracing::info!(pool = %pool.id, username = %u.username, "cognito temporary password delivered to the inbox");
    Ok(())
}

fn temp_days(pool: &Pool) -> f64 {
    pool.data["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"].as_f64().unwrap_or(7.0)
}

/// AdminGetUser.
pub async fn admin_get_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool_id, name) = ids(&input)?;
    let acct = ctx.account_id.clone();
    let (_, u) = svc.db().read(move |c| pool_user(c, &acct, &pool_id, &name)).await?;
    let mut out = json!({"Username": u.username, "UserAttributes": u.attributes_json(), "UserCreateDate": u.created, "UserLastModifiedDate": u.modified, "Enabled": u.enabled, "UserStatus": u.status});
    mfa_fields(&mut out, &u);
    Ok(out)
}

async fn modify<F>(svc: &CognitoService, ctx: &RequestContext, input: &Value, f: F) -> Result<()>
where
    F: FnOnce(&CognitoService, &Connection, &Pool, &mut User, f64) -> Result<()> + Send + 'static,
{
    let (pool_id, name) = ids(input)?;
    let (acct, t, svc2) = (ctx.account_id.clone(), now(ctx), svc.clone());
    svc.db()
        .write(move |c| {
            let (pool, mut u) = pool_user(c, &acct, &pool_id, &name)?;
            f(&svc2, c, &pool, &mut u, t)?;
            u.modified = t;
            users::put(c, &u)
        })
        .await
}

/// AdminSetUserPassword (`Permanent` → CONFIRMED, else FORCE_CHANGE_PASSWORD).
pub async fn admin_set_user_password(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pw = req(&input, "Password")?.to_string();
    let permanent = input["Permanent"].as_bool().unwrap_or(false);
    modify(svc, ctx, &input, move |svc, _, pool, u, t| {
        check_password(pool, &pw)?;
        set_password(svc, pool, u, &pw);
        if permanent {
            u.status = "CONFIRMED".into();
            u.temp_expires = None;
        } else {
            u.status = "FORCE_CHANGE_PASSWORD".into();
            u.temp_expires = Some(t + temp_days(pool) * 86400.0);
        }
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// AdminConfirmSignUp.
pub async fn admin_confirm_sign_up(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    modify(svc, ctx, &input, |_, c, pool, u, _| {
        if u.status != "UNCONFIRMED" {
            return Err(CognitoError::NotAuthorizedException(format!("User cannot be confirmed. Current status is {}", u.status)));
        }
        u.status = "CONFIRMED".into();
        store::consume_codes(c, &pool.id, &u.username, "signup")
    })
    .await?;
    Ok(json!({}))
}

/// AdminDeleteUser.
pub async fn admin_delete_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool_id, name) = ids(&input)?;
    let acct = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            let (pool, u) = pool_user(c, &acct, &pool_id, &name)?;
            users::delete(c, &pool.id, &u.username)
        })
        .await?;
    Ok(json!({}))
}

/// AdminDisableUser (also revokes the user's tokens).
pub async fn admin_disable_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    modify(svc, ctx, &input, |_, c, pool, u, _| {
        u.enabled = false;
        users::revoke_user(c, &pool.id, &u.username)
    })
    .await?;
    Ok(json!({}))
}

/// AdminEnableUser.
pub async fn admin_enable_user(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    modify(svc, ctx, &input, |_, _, _, u, _| {
        u.enabled = true;
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// Apply attribute updates; changing email/phone un-verifies it (unless the update sets the
/// `*_verified` flag itself). Refuses an alias value another user holds.
pub fn update_attrs(c: &Connection, pool: &Pool, u: &mut User, attrs: &[(String, String)]) -> Result<Vec<String>> {
    validate_attrs(pool, attrs)?;
    let mut changed = Vec::new();
    for (k, v) in attrs {
        let is_alias = (k == "email" || k == "phone_number") && (pool.username_attributes().contains(k) || pool.alias_attributes().contains(k));
        if is_alias && users::find_by_attr(c, &pool.id, k, v)?.iter().any(|o| o.username != u.username) {
            return Err(CognitoError::AliasExistsException(format!("An account with the {} already exists.", if k == "email" { "email" } else { "phone number" })));
        }
        if u.attr(k) != Some(v.as_str()) && (k == "email" || k == "phone_number") {
            let flag = format!("{k}_verified");
            if !attrs.iter().any(|(n, _)| *n == flag) {
                u.attrs.insert(flag, "false".into());
            }
            changed.push(k.clone());
        }
        u.attrs.insert(k.clone(), v.clone().into());
    }
    Ok(changed)
}

/// AdminUpdateUserAttributes.
pub async fn admin_update_user_attributes(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let attrs = attr_list(&input, "UserAttributes")?;
    modify(svc, ctx, &input, move |_, c, pool, u, _| update_attrs(c, pool, u, &attrs).map(|_| ())).await?;
    Ok(json!({}))
}

/// AdminDeleteUserAttributes.
pub async fn admin_delete_user_attributes(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let names = store::str_list(&input["UserAttributeNames"]);
    modify(svc, ctx, &input, move |_, _, _, u, _| {
        for n in &names {
            if n == "sub" {
                return Err(CognitoError::param("Cannot modify an unmodifiable attribute: sub"));
            }
            u.attrs.remove(n);
        }
        Ok(())
    })
    .await?;
    Ok(json!({}))
}

/// AdminResetUserPassword: RESET_REQUIRED and a reset code in the inbox.
pub async fn admin_reset_user_password(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    modify(svc, ctx, &input, |svc, c, pool, u, t| {
        u.status = "RESET_REQUIRED".into();
        let medium = super::default_medium(u);
        deliver_code(svc, c, pool, u, "forgot_password", medium, t).map(|_| ())
    })
    .await?;
    Ok(json!({}))
}

const FILTERABLE: &[&str] = &["username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub"];

/// Parse `attr = "value"` / `attr ^= "value"`.
fn parse_filter(f: &str) -> Result<Option<(String, bool, String)>> {
    let f = f.trim();
    if f.is_empty() {
        return Ok(None);
    }
    let bad = || CognitoError::param("Error while parsing filter.");
    let (name, rest, prefix) = if let Some((n, r)) = f.split_once("^=") { (n, r, true) } else { f.split_once('=').map(|(n, r)| (n, r, false)).ok_or_else(bad)? };
    let name = name.trim().trim_matches('"').to_string();
    let rest = rest.trim();
    if rest.len() < 2 || !rest.starts_with('"') || !rest.ends_with('"') {
        return Err(bad());
    }
    let val = rest[1..rest.len() - 1].replace("\\\"", "\"");
    if !FILTERABLE.contains(&name.as_str()) {
        return Err(CognitoError::param(format!("Invalid search attribute: {name}")));
    }
    Ok(Some((name, prefix, val)))
}

fn matches(u: &User, (name, prefix, val): &(String, bool, String)) -> bool {
    let (have, ci): (Option<String>, bool) = match name.as_str() {
        "username" => (Some(u.username.clone()), false),
        "cognito:user_status" => (Some(u.status.clone()), true),
        "status" => (Some(if u.enabled { "Enabled" } else { "Disabled" }.into()), false),
        other => (u.attr(other).map(str::to_string), false),
    };
    let Some(have) = have else { return false };
    let (h, v) = if ci { (have.to_lowercase(), val.to_lowercase()) } else { (have, val.clone()) };
    if *prefix {
        h.starts_with(&v)
    } else {
        h == v
    }
}

/// ListUsers.
pub async fn list_users(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let limit = input["Limit"].as_i64().unwrap_or(60);
    if !(0..=60).contains(&limit) {
        return Err(CognitoError::param(format!("1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60")));
    }
    let limit = if limit == 0 { 60 } else { limit as usize };
    let filter = parse_filter(opt(&input, "Filter").unwrap_or(""))?;
    let after = opt(&input, "PaginationToken").map(|t| amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))).transpose()?;
    let to_get = input.get("AttributesToGet").map(store::str_list);
    let acct = ctx.account_id.clone();
    let all = svc
        .db()
        .read(move |c| {
            store::get_pool(c, &acct, &pool_id)?;
            users::list(c, &pool_id)
        })
        .await?;
    let rest: Vec<&User> = all.iter().filter(|u| filter.as_ref().is_none_or(|f| matches(u, f)) && after.as_ref().is_none_or(|a| &u.username > a)).collect();
    let page: Vec<Value> = rest
        .iter()
        .take(limit)
        .map(|u| {
            let mut v = user_type(u);
            if let Some(names) = &to_get {
                v["Attributes"] = Value::Array(u.attrs.iter().filter(|(k, _)| names.contains(k)).map(|(k, v)| json!({"Name": k, "Value": v})).collect());
            }
            v
        })
        .collect();
    let mut out = json!({"Users": page});
    if rest.len() > limit {
        out["PaginationToken"] = amplocal_core::pagination::encode(&rest[limit - 1].username).into();
    }
    Ok(out)
}
