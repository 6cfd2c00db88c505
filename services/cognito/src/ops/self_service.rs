//! Operations a signed-in user calls with their access token, plus sign-out and revocation:
//! GetUser, UpdateUserAttributes, DeleteUserAttributes, DeleteUser, ChangePassword,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, GlobalSignOut, AdminUserGlobalSignOut,
//! RevokeToken (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUser.html>).

use super::{attr_list, check_password, client_and_pool, deliver_code, now, opt, password_matches, req, set_password, use_code};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, User};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

/// The pool and user behind an access token (must be an unrevoked, unexpired access token).
pub async fn token_user(svc: &CognitoService, token: &str) -> Result<(Pool, User)> {
    let claims = svc.verify_token(token).await?;
    if claims.token_use != "access" {
        return Err(CognitoError::bad_access_token());
    }
    let (pid, un) = (claims.pool_id.clone(), claims.username.clone());
    let (pool, user) = svc.db().read(move |c| Ok::<_, CognitoError>((store::get_pool_any(c, &pid)?, users::get(c, &pid, &un)?))).await?;
    let pool = pool.ok_or_else(CognitoError::bad_access_token)?;
    let user = user.ok_or_else(CognitoError::no_user)?;
    super::ensure_enabled(&user)?;
    Ok((pool, user))
}

/// GetUser.
pub async fn get_user(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let (_, u) = token_user(svc, req(&input, "AccessToken")?).await?;
    let mut out = json!({"Username": u.username, "UserAttributes": u.attributes_json()});
    super::user::mfa_fields(&mut out, &u);
    Ok(out)
}

async fn save(svc: &CognitoService, u: User) -> Result<()> {
    svc.db().write(move |c| users::put(c, &u)).await
}

/// UpdateUserAttributes: a changed email/phone becomes unverified and gets a verification code.
pub async fn update_user_attributes(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, mut u) = token_user(svc, req(&input, "AccessToken")?).await?;
    let attrs = attr_list(&input, "UserAttributes")?;
    let (t, svc2) = (now(ctx), svc.clone());
    let details = svc
        .db()
        .write(move |c| {
            let changed = super::user::update_attrs(c, &pool, &mut u, &attrs)?;
            u.modified = t;
            users::put(c, &u)?;
            let mut out = Vec::new();
            for attr in changed {
                out.push(deliver_code(&svc2, c, &pool, &u, &format!("verify_{attr}"), &attr, t)?);
            }
            Ok::<_, CognitoError>(out)
        })
        .await?;
    Ok(json!({"CodeDeliveryDetailsList": details}))
}

/// DeleteUserAttributes.
pub async fn delete_user_attributes(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (_, mut u) = token_user(svc, req(&input, "AccessToken")?).await?;
    for n in store::str_list(&input["UserAttributeNames"]) {
        if n == "sub" {
            return Err(CognitoError::param("Cannot modify an unmodifiable attribute: sub"));
        }
        u.attrs.remove(&n);
    }
    u.modified = now(ctx);
    save(svc, u).await?;
    Ok(json!({}))
}

/// DeleteUser.
pub async fn delete_user(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, u) = token_user(svc, req(&input, "AccessToken")?).await?;
    svc.db().write(move |c| users::delete(c, &pool.id, &u.username)).await?;
    Ok(json!({}))
}

/// ChangePassword.
pub async fn change_password(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, mut u) = token_user(svc, req(&input, "AccessToken")?).await?;
    let prev = req(&input, "PreviousPassword")?;
    let next = req(&input, "ProposedPassword")?;
    if !password_matches(svc, &pool, &u, prev) {
        return Err(CognitoError::bad_credentials());
    }
    check_password(&pool, next)?;
    set_password(svc, &pool, &mut u, next);
    u.modified = now(ctx);
    save(svc, u).await?;
    Ok(json!({}))
}

/// GetUserAttributeVerificationCode.
pub async fn get_user_attribute_verification_code(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, u) = token_user(svc, req(&input, "AccessToken")?).await?;
    let attr = req(&input, "AttributeName")?.to_string();
    if attr != "email" && attr != "phone_number" {
        return Err(CognitoError::param(format!("Invalid attribute name: {attr}")));
    }
    if u.attr(&attr).is_none() {
        return Err(CognitoError::param(format!("Cannot send a code: the user has no {attr}")));
    }
    let (t, svc2) = (now(ctx), svc.clone());
    let details = svc.db().write(move |c| deliver_code(&svc2, c, &pool, &u, &format!("verify_{attr}"), &attr, t)).await?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

/// VerifyUserAttribute.
pub async fn verify_user_attribute(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, mut u) = token_user(svc, req(&input, "AccessToken")?).await?;
    let attr = req(&input, "AttributeName")?.to_string();
    let code = req(&input, "Code")?.to_string();
    let (t, svc2) = (now(ctx), svc.clone());
    svc.db()
        .write(move |c| {
            use_code(&svc2, c, &pool, &u, &format!("verify_{attr}"), &code, t)?;
            u.attrs.insert(format!("{attr}_verified"), "true".into());
            u.modified = t;
            users::put(c, &u)
        })
        .await?;
    Ok(json!({}))
}

/// GlobalSignOut: revokes every refresh token and the access tokens minted from them.
pub async fn global_sign_out(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, u) = token_user(svc, req(&input, "AccessToken")?).await?;
    svc.db().write(move |c| users::revoke_user(c, &pool.id, &u.username)).await?;
    Ok(json!({}))
}

/// AdminUserGlobalSignOut.
pub async fn admin_user_global_sign_out(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "Username")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            let (pool, u) = super::user::pool_user(c, &acct, &pool_id, &name)?;
            users::revoke_user(c, &pool.id, &u.username)
        })
        .await?;
    Ok(json!({}))
}

/// RevokeToken: revokes a refresh token and the access tokens minted from it.
pub async fn revoke_token(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let token = req(&input, "Token")?.to_string();
    let client_id = req(&input, "ClientId")?;
    let (_, client) = client_and_pool(svc, client_id).await?;
    if let Some(secret) = client["ClientSecret"].as_str() {
        if opt(&input, "ClientSecret") != Some(secret) {
            return Err(CognitoError::NotAuthorizedException(format!("Unable to verify secret hash for client {client_id}")));
        }
    }
    if token.split('.').count() == 3 {
        return Err(CognitoError::UnsupportedTokenTypeException("Unsupported token type".into()));
    }
    let cid = client_id.to_string();
    svc.db()
        .write(move |c| {
            match users::get_refresh(c, &token)? {
                Some(r) if r.client_id != cid => return Err(CognitoError::NotAuthorizedException("Invalid token".into())),
                Some(r) => users::revoke_origin(c, &r.origin_jti)?,
                None => {}
            }
            Ok::<_, CognitoError>(())
        })
        .await?;
    Ok(json!({}))
}
