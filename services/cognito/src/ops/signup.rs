//! SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html>).
//! Codes go to the local inbox (`GET /_amplocal/cognito/codes`) and the log. Left out: Lambda
//! triggers (PreSignUp auto-confirm), ValidationData, ClientMetadata, `Session` for USER_AUTH
//! auto sign-in.

use super::{attr_list, check_password, check_secret_hash, client_and_pool, default_medium, deliver_code, find_user, missing_user, now, opt, req, set_password, use_code};
use crate::error::{CognitoError, Result};
use crate::store::user as users;
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

/// SignUp.
pub async fn sign_up(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let typed = super::req_nonempty(&input, "Username")?.to_string();
    if typed.chars().count() > 128 || typed.chars().any(char::is_whitespace) {
        return Err(CognitoError::param("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"));
    }
    let password = req(&input, "Password")?.to_string();
    let attrs = attr_list(&input, "UserAttributes")?;
    let (pool, client) = client_and_pool(svc, client_id).await?;
    check_secret_hash(&client, &[&typed], opt(&input, "SecretHash"))?;
    check_password(&pool, &password)?;
    let (t, svc2) = (now(ctx), svc.clone());
    let (user, details) = svc
        .db()
        .write(move |c| {
            let mut u = super::user::new_user(&svc2, c, &pool, &typed, &attrs, t)?;
            set_password(&svc2, &pool, &mut u, &password);
            users::put(c, &u)?;
            let medium = default_medium(&u);
            let d = deliver_code(&svc2, c, &pool, &u, "signup", medium, t)?;
            Ok::<_, CognitoError>((u, d))
        })
        .await?;
    Ok(json!({"UserConfirmed": false, "UserSub": user.sub, "CodeDeliveryDetails": details}))
}

/// ConfirmSignUp.
pub async fn confirm_sign_up(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let typed = req(&input, "Username")?.to_string();
    let code = req(&input, "ConfirmationCode")?.to_string();
    let (pool, client) = client_and_pool(svc, client_id).await?;
    let hash = opt(&input, "SecretHash").map(str::to_string);
    let (t, svc2) = (now(ctx), svc.clone());
    let user = svc
        .db()
        .write(move |c| {
            let Some(mut u) = find_user(c, &pool, &typed)? else {
                return Err(if client["PreventUserExistenceErrors"] == "ENABLED" { CognitoError::CodeMismatchException("Invalid verification code provided, please try again.".into()) } else { CognitoError::no_user() });
            };
            check_secret_hash(&client, &[&typed, &u.username], hash.as_deref())?;
            if u.status != "UNCONFIRMED" {
                return Err(CognitoError::NotAuthorizedException(format!("User cannot be confirmed. Current status is {}", u.status)));
            }
            use_code(&svc2, c, &pool, &u, "signup", &code, t)?;
            u.status = "CONFIRMED".into();
            let medium = default_medium(&u);
            if u.attr(medium).is_some() {
                u.attrs.insert(format!("{medium}_verified"), "true".into());
            }
            u.modified = t;
            users::put(c, &u)?;
            Ok(u)
        })
        .await?;
    // AWS quirk: ConfirmSignUp returns a Session that InitiateAuth USER_AUTH accepts once for a
    // password-less sign-in (Amplify's autoSignIn).
    let pending = crate::ops::session::Pending {
        pool_id: user.pool_id.clone(),
        client_id: client_id.to_string(),
        username: user.username.clone(),
        challenge: "SIGN_UP_CONFIRMED".into(),
        created: now(ctx),
        srp: None,
        real_user: true,
        device_key: None,
    };
    Ok(json!({"Session": svc.put_pending(pending, 96)}))
}

/// ResendConfirmationCode.
pub async fn resend_confirmation_code(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let typed = req(&input, "Username")?.to_string();
    let (pool, client) = client_and_pool(svc, client_id).await?;
    let hash = opt(&input, "SecretHash").map(str::to_string);
    let (t, svc2) = (now(ctx), svc.clone());
    let details = svc
        .db()
        .write(move |c| {
            let u = find_user(c, &pool, &typed)?.ok_or_else(|| missing_user(&client))?;
            check_secret_hash(&client, &[&typed, &u.username], hash.as_deref())?;
            if u.status != "UNCONFIRMED" {
                return Err(CognitoError::param("User is already confirmed."));
            }
            deliver_code(&svc2, c, &pool, &u, "signup", default_medium(&u), t)
        })
        .await?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

/// ForgotPassword.
pub async fn forgot_password(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let typed = req(&input, "Username")?.to_string();
    let (pool, client) = client_and_pool(svc, client_id).await?;
    let hash = opt(&input, "SecretHash").map(str::to_string);
    let (t, svc2) = (now(ctx), svc.clone());
    let details = svc
        .db()
        .write(move |c| {
            let Some(u) = find_user(c, &pool, &typed)? else {
                if client["PreventUserExistenceErrors"] == "ENABLED" {
                    return Ok(json!({"Destination": "***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}));
                }
                return Err(CognitoError::no_user());
            };
            check_secret_hash(&client, &[&typed, &u.username], hash.as_deref())?;
            super::ensure_enabled(&u)?;
            if u.attr("email").is_none() && u.attr("phone_number").is_none() {
                return Err(CognitoError::param("Cannot reset password for the user as there is no registered/verified email or phone_number"));
            }
            deliver_code(&svc2, c, &pool, &u, "forgot_password", default_medium(&u), t)
        })
        .await?;
    Ok(json!({"CodeDeliveryDetails": details}))
}

/// ConfirmForgotPassword.
pub async fn confirm_forgot_password(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let typed = req(&input, "Username")?.to_string();
    let code = req(&input, "ConfirmationCode")?.to_string();
    let password = req(&input, "Password")?.to_string();
    let (pool, client) = client_and_pool(svc, client_id).await?;
    let hash = opt(&input, "SecretHash").map(str::to_string);
    let (t, svc2) = (now(ctx), svc.clone());
    svc.db()
        .write(move |c| {
            let Some(mut u) = find_user(c, &pool, &typed)? else {
                return Err(if client["PreventUserExistenceErrors"] == "ENABLED" { CognitoError::CodeMismatchException("Invalid verification code provided, please try again.".into()) } else { CognitoError::no_user() });
            };
            check_secret_hash(&client, &[&typed, &u.username], hash.as_deref())?;
            use_code(&svc2, c, &pool, &u, "forgot_password", &code, t)?;
            check_password(&pool, &password)?;
            set_password(&svc2, &pool, &mut u, &password);
            if u.status == "RESET_REQUIRED" || u.status == "FORCE_CHANGE_PASSWORD" {
                u.status = "CONFIRMED".into();
            }
            u.temp_expires = None;
            u.modified = t;
            users::put(c, &u)
        })
        .await?;
    Ok(json!({}))
}
