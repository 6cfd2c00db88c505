//! InitiateAuth / AdminInitiateAuth / RespondToAuthChallenge / AdminRespondToAuthChallenge /
//! GetTokensFromRefreshToken
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html>).
//! Flows: USER_SRP_AUTH (exact SRP, see [`crate::srp`]), USER_PASSWORD_AUTH,
//! ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH), REFRESH_TOKEN_AUTH / REFRESH_TOKEN,
//! USER_AUTH (PASSWORD, PASSWORD_SRP and EMAIL_OTP via the code inbox, with or without
//! PREFERRED_CHALLENGE);
//! challenges PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, SELECT_CHALLENGE, SOFTWARE_TOKEN_MFA, MFA_SETUP, EMAIL_OTP.
//! Device sign-in (DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER) lives in [`super::device`].
//! Left out: CUSTOM_AUTH (needs Lambda triggers), SMS MFA.

use super::client::allows;
use super::token::{issue, issue_with, read_groups, refresh_flow, Groups, Secret};
use super::session::{Pending, SrpState};
use super::{check_password, check_secret_hash, client_and_pool, find_user, missing_user, now, opt, req, set_password, str_map, user_verifier};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, User};
use crate::store::{self, Pool};
use crate::{srp, CognitoService};
use amplocal_core::RequestContext;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use num_bigint::BigUint;
use serde_json::{json, Map, Value};

type Params = Map<String, Value>;

fn p<'a>(m: &'a Params, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

fn need<'a>(m: &'a Params, k: &str) -> Result<&'a str> {
    p(m, k).ok_or_else(|| CognitoError::param(format!("Missing required parameter {k}")))
}

/// "<FLOW> flow not enabled for this client".
pub fn flow_disabled(flow: &str) -> CognitoError {
    CognitoError::param(format!("{flow} flow not enabled for this client"))
}

/// Whether the client allows SRP (legacy clients with only legacy names always did).
fn allows_srp(client: &Value) -> bool {
    let flows = store::str_list(&client["ExplicitAuthFlows"]);
    allows(client, "ALLOW_USER_SRP_AUTH") || !flows.iter().any(|f| f.starts_with("ALLOW_"))
}

/// Whether the client allows refresh (legacy clients always did).
pub fn allows_refresh(client: &Value) -> bool {
    let flows = store::str_list(&client["ExplicitAuthFlows"]);
    allows(client, "ALLOW_REFRESH_TOKEN_AUTH") || !flows.iter().any(|f| f.starts_with("ALLOW_"))
}

/// InitiateAuth (public).
pub async fn initiate_auth(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let flow = req(&input, "AuthFlow")?.to_string();
    let params = str_map(&input, "AuthParameters")?;
    let (pool, client) = client_and_pool(svc, client_id).await?;
    match flow.as_str() {
        "USER_SRP_AUTH" if allows_srp(&client) => srp_start(svc, ctx, &pool, &client, &params).await,
        "USER_PASSWORD_AUTH" if allows(&client, "ALLOW_USER_PASSWORD_AUTH") => password_flow(svc, ctx, &pool, &client, &params).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" if allows_refresh(&client) => refresh_flow(svc, ctx, &client, need(&params, "REFRESH_TOKEN")?, Secret::Hash(p(&params, "SECRET_HASH"))).await,
        "USER_AUTH" if allows(&client, "ALLOW_USER_AUTH") && opt(&input, "Session").is_some() => {
            sign_up_session(svc, ctx, &pool, &client, opt(&input, "Session").unwrap_or_default(), need(&params, "USERNAME")?).await
        }
        "USER_AUTH" if allows(&client, "ALLOW_USER_AUTH") => user_auth(svc, ctx, &pool, &client, &params).await,
        "USER_SRP_AUTH" | "USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" | "USER_AUTH" => Err(flow_disabled(&flow)),
        "CUSTOM_AUTH" => Err(CognitoError::UnsupportedOperationException("CUSTOM_AUTH needs Lambda triggers, which amplocal does not run.".into())),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => Err(CognitoError::param("Initiate Auth method not supported.")),
        other => Err(CognitoError::param(format!("1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"))),
    }
}

async fn admin_client(svc: &CognitoService, ctx: &RequestContext, input: &Value) -> Result<(Pool, Value)> {
    let pool_id = req(input, "UserPoolId")?;
    let client_id = req(input, "ClientId")?;
    let (pool, client) = client_and_pool(svc, client_id).await?;
    if pool.id != pool_id || pool.account != ctx.account_id {
        return Err(CognitoError::ResourceNotFoundException(format!("User pool client {client_id} does not exist.")));
    }
    Ok((pool, client))
}

/// AdminInitiateAuth (SigV4).
pub async fn admin_initiate_auth(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let flow = req(&input, "AuthFlow")?.to_string();
    let params = str_map(&input, "AuthParameters")?;
    let (pool, client) = admin_client(svc, ctx, &input).await?;
    match flow.as_str() {
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if allows(&client, "ALLOW_ADMIN_USER_PASSWORD_AUTH") => password_flow(svc, ctx, &pool, &client, &params).await,
        "USER_SRP_AUTH" if allows_srp(&client) => srp_start(svc, ctx, &pool, &client, &params).await,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" if allows_refresh(&client) => refresh_flow(svc, ctx, &client, need(&params, "REFRESH_TOKEN")?, Secret::Hash(p(&params, "SECRET_HASH"))).await,
        "USER_AUTH" if allows(&client, "ALLOW_USER_AUTH") => user_auth(svc, ctx, &pool, &client, &params).await,
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" | "USER_SRP_AUTH" | "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" | "USER_AUTH" => Err(flow_disabled(&flow)),
        "CUSTOM_AUTH" => Err(CognitoError::UnsupportedOperationException("CUSTOM_AUTH needs Lambda triggers, which amplocal does not run.".into())),
        "USER_PASSWORD_AUTH" => Err(CognitoError::param("Initiate Auth method not supported.")),
        other => Err(CognitoError::param(format!("1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"))),
    }
}

async fn load_user(svc: &CognitoService, pool: &Pool, name: &str) -> Result<Option<User>> {
    let (p2, n) = (pool.clone(), name.to_string());
    svc.db().read(move |c| find_user(c, &p2, &n)).await
}

/// [`load_user`] plus the user's groups for the tokens, in one store read.
async fn load_user_and_groups(svc: &CognitoService, pool: &Pool, name: &str) -> Result<Option<(User, Groups)>> {
    let (p2, n) = (pool.clone(), name.to_string());
    svc.db()
        .read(move |c| match find_user(c, &p2, &n)? {
            Some(u) => {
                let g = read_groups(c, &p2.id, &u.username)?;
                Ok(Some((u, g)))
            }
            None => Ok(None),
        })
        .await
}

/// USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH.
async fn password_flow(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, params: &Params) -> Result<Value> {
    let typed = need(params, "USERNAME")?;
    let password = need(params, "PASSWORD")?;
    let (user, groups) = load_user_and_groups(svc, pool, typed).await?.ok_or_else(|| missing_user(client))?;
    check_secret_hash(client, &[typed, &user.username], p(params, "SECRET_HASH"))?;
    if user.status == "UNCONFIRMED" {
        return Err(CognitoError::UserNotConfirmedException("User is not confirmed.".into()));
    }
    if !super::password_matches(svc, pool, &user, password) {
        return Err(CognitoError::bad_credentials());
    }
    after_password_with(svc, ctx, pool, client, user, p(params, "DEVICE_KEY"), Some(groups)).await
}

/// Status checks once the password is proven, then the next challenge or the tokens.
async fn after_password(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: User, device: Option<&str>) -> Result<Value> {
    after_password_with(svc, ctx, pool, client, user, device, None).await
}

/// [`after_password`] with the user's groups already read.
async fn after_password_with(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: User, device: Option<&str>, groups: Option<Groups>) -> Result<Value> {
    super::ensure_enabled(&user)?;
    match user.status.as_str() {
        "UNCONFIRMED" => Err(CognitoError::UserNotConfirmedException("User is not confirmed.".into())),
        "RESET_REQUIRED" => Err(CognitoError::PasswordResetRequiredException("Password reset required for the user".into())),
        "FORCE_CHANGE_PASSWORD" => {
            if user.temp_expires.is_some_and(|e| e <= now(ctx)) {
                return Err(CognitoError::NotAuthorizedException("Temporary password has expired and must be reset by an administrator.".into()));
            }
            let session = svc.put_pending(Pending { device_key: device.map(str::to_string), ..pending(pool, client, &user, "NEW_PASSWORD_REQUIRED", now(ctx)) }, 96);
            let mut attrs = user.attrs.clone();
            attrs.remove("sub");
            Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {"USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": Value::Object(attrs).to_string()},
            }))
        }
        _ => match device.filter(|_| super::device::tracking(pool)) {
            Some(key) => super::device::start_device_challenge(svc, ctx, pool, client, &user, key).await,
            None => mfa_or_tokens(svc, ctx, pool, client, user, None, false, groups).await,
        },
    }
}

/// The MFA challenge the user owes (none after a remembered device), else the tokens; `device`
/// is the device the sign-in proved, if any.
#[allow(clippy::too_many_arguments)]
async fn mfa_or_tokens(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: User, device: Option<&str>, remembered: bool, groups: Option<Groups>) -> Result<Value> {
    let with_device = |p: Pending| Pending { device_key: device.map(str::to_string), ..p };
    match () {
        _ if !remembered && super::mfa::totp_enabled(pool, &user) => {
            let session = svc.put_pending(with_device(pending(pool, client, &user, "SOFTWARE_TOKEN_MFA", now(ctx))), 96);
            let mut params = json!({"USER_ID_FOR_SRP": user.username});
            if let Some(d) = user.mfa["device_name"].as_str() {
                params["FRIENDLY_DEVICE_NAME"] = d.into();
            }
            Ok(json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session, "ChallengeParameters": params}))
        }
        _ if !remembered && pool.data["MfaConfiguration"] == "ON" => {
            let session = svc.put_pending(with_device(pending(pool, client, &user, "MFA_SETUP", now(ctx))), 96);
            Ok(json!({"ChallengeName": "MFA_SETUP", "Session": session, "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}))
        }
        _ => Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": issue_with(svc, ctx, pool, client, &user, None, device, groups).await?})),
    }
}

fn pending(pool: &Pool, client: &Value, user: &User, challenge: &str, t: f64) -> Pending {
    Pending {
        pool_id: pool.id.clone(),
        client_id: client["ClientId"].as_str().unwrap_or_default().into(),
        username: user.username.clone(),
        challenge: challenge.into(),
        created: t,
        srp: None,
        real_user: true,
        device_key: None,
    }
}

/// First SRP step: PASSWORD_VERIFIER with SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP.
async fn srp_start(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, params: &Params) -> Result<Value> {
    let typed = need(params, "USERNAME")?;
    let a_pub = srp::parse_hex(need(params, "SRP_A")?).ok_or_else(|| CognitoError::param("SRP_A is not a valid hexadecimal value"))?;
    if (&a_pub % srp::n()) == BigUint::ZERO {
        return Err(CognitoError::param("SRP_A cannot be zero modulo N"));
    }
    let user = load_user(svc, pool, typed).await?;
    let (user_id, salt, v, real) = match &user {
        Some(u) => {
            check_secret_hash(client, &[typed, &u.username], p(params, "SECRET_HASH"))?;
            match user_verifier(u) {
                Some((salt, v)) => (u.username.clone(), salt, v, true),
                None => (u.username.clone(), BigUint::from_bytes_be(&svc.core().ids.bytes(16)), BigUint::from(4u8), false),
            }
        }
        None if client["PreventUserExistenceErrors"] == "ENABLED" => {
            // AWS quirk: a simulated challenge so the failure only shows at the verifier step.
            // Its USER_ID_FOR_SRP and SALT are stable per pool and username (cognito.md §1.5),
            // so two attempts cannot tell a missing user from a real one.
            let (user_id, salt) = simulated_identity(pool, typed);
            (user_id, salt, BigUint::from(4u8), false)
        }
        None => return Err(CognitoError::no_user()),
    };
    let b = BigUint::from_bytes_be(&svc.core().ids.bytes(32));
    let b_pub = srp::server_b(&v, &b);
    let mut exchange = SrpState::new(a_pub, b, b_pub.clone(), v);
    if real {
        svc.start_session_key(&mut exchange);
    }
    let state = Pending {
        pool_id: pool.id.clone(),
        client_id: client["ClientId"].as_str().unwrap_or_default().into(),
        username: user_id.clone(),
        challenge: "PASSWORD_VERIFIER".into(),
        created: now(ctx),
        srp: Some(exchange),
        real_user: real,
        device_key: p(params, "DEVICE_KEY").map(str::to_string),
    };
    let block = svc.put_pending(state, 512);
    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {"SALT": srp::to_hex(&salt), "SECRET_BLOCK": block, "SRP_B": srp::to_hex(&b_pub), "USERNAME": user_id, "USER_ID_FOR_SRP": user_id},
    }))
}

/// The stand-in (USER_ID_FOR_SRP, SALT) of a username that does not exist: derived from the
/// pool and the name, never random, so it repeats across attempts and restarts.
fn simulated_identity(pool: &Pool, typed: &str) -> (String, BigUint) {
    use sha2::{Digest, Sha256};
    let digest = |label: &str| {
        let mut h = Sha256::new();
        for part in [label, &pool.id, &pool.created.to_bits().to_string(), &typed.to_lowercase()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize()
    };
    let id_bytes = digest("user-id");
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&id_bytes[..16]);
    let user_id = uuid::Builder::from_random_bytes(raw).into_uuid().to_string();
    let salt = BigUint::from_bytes_be(&digest("salt")[..16]);
    (user_id, salt)
}

/// USER_AUTH: PREFERRED_CHALLENGE PASSWORD / PASSWORD_SRP, else SELECT_CHALLENGE.
async fn user_auth(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, params: &Params) -> Result<Value> {
    let typed = need(params, "USERNAME")?;
    match p(params, "PREFERRED_CHALLENGE") {
        Some("PASSWORD") if p(params, "PASSWORD").is_some() => password_flow(svc, ctx, pool, client, params).await,
        Some("PASSWORD_SRP") if p(params, "SRP_A").is_some() => srp_start(svc, ctx, pool, client, params).await,
        preferred => {
            let user = load_user(svc, pool, typed).await?.ok_or_else(|| missing_user(client))?;
            check_secret_hash(client, &[typed, &user.username], p(params, "SECRET_HASH"))?;
            if preferred == Some("EMAIL_OTP") && user.attr("email").is_some() {
                return email_otp(svc, ctx, pool, client, &user).await;
            }
            let mut available = vec!["PASSWORD", "PASSWORD_SRP"];
            if user.attr("email").is_some() {
                available.push("EMAIL_OTP");
            }
            let session = svc.put_pending(Pending { device_key: p(params, "DEVICE_KEY").map(str::to_string), ..pending(pool, client, &user, "SELECT_CHALLENGE", now(ctx)) }, 96);
            Ok(json!({"ChallengeName": "SELECT_CHALLENGE", "Session": session, "ChallengeParameters": {}, "AvailableChallenges": available}))
        }
    }
}

/// USER_AUTH with the Session ConfirmSignUp returned: sign in without a password, once.
async fn sign_up_session(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, session: &str, typed: &str) -> Result<Value> {
    let client_id = client["ClientId"].as_str().unwrap_or_default();
    let pend = svc.take_pending(session, now(ctx)).filter(|p| p.challenge == "SIGN_UP_CONFIRMED" && p.client_id == client_id && p.pool_id == pool.id).ok_or_else(invalid_session)?;
    let user = load_user(svc, pool, &pend.username).await?.ok_or_else(|| missing_user(client))?;
    let typed_user = load_user(svc, pool, typed).await?;
    if typed_user.as_ref().map(|u| u.username.as_str()) != Some(user.username.as_str()) {
        return Err(invalid_session());
    }
    after_password(svc, ctx, pool, client, user, None).await
}

/// Send a sign-in code to the user's email (inbox purpose `email_otp`) and ask for it.
async fn email_otp(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: &User) -> Result<Value> {
    if user.status == "UNCONFIRMED" {
        return Err(CognitoError::UserNotConfirmedException("User is not confirmed.".into()));
    }
    super::ensure_enabled(user)?;
    let (p2, u2, svc2, t) = (pool.clone(), user.clone(), svc.clone(), now(ctx));
    let details = svc.db().write(move |c| super::deliver_code(&svc2, c, &p2, &u2, "email_otp", "email", t)).await?;
    let session = svc.put_pending(pending(pool, client, user, "EMAIL_OTP", now(ctx)), 96);
    Ok(json!({
        "ChallengeName": "EMAIL_OTP",
        "Session": session,
        "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": details["Destination"], "USERNAME": user.username},
    }))
}

/// RespondToAuthChallenge (public).
pub async fn respond_to_auth_challenge(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let (pool, client) = client_and_pool(svc, client_id).await?;
    respond(svc, ctx, &pool, &client, &input).await
}

/// AdminRespondToAuthChallenge (SigV4).
pub async fn admin_respond_to_auth_challenge(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (pool, client) = admin_client(svc, ctx, &input).await?;
    respond(svc, ctx, &pool, &client, &input).await
}

fn invalid_session() -> CognitoError {
    CognitoError::NotAuthorizedException("Invalid session for the user, session is expired.".into())
}

async fn respond(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, input: &Value) -> Result<Value> {
    let name = req(input, "ChallengeName")?;
    let r = str_map(input, "ChallengeResponses")?;
    let client_id = client["ClientId"].as_str().unwrap_or_default();
    match name {
        "PASSWORD_VERIFIER" => password_verifier(svc, ctx, pool, client, &r).await,
        "NEW_PASSWORD_REQUIRED" | "SELECT_CHALLENGE" | "SOFTWARE_TOKEN_MFA" | "MFA_SETUP" | "EMAIL_OTP" => {
            let session = opt(input, "Session").ok_or_else(|| CognitoError::param("Missing required parameter Session"))?;
            let pend = svc.take_pending(session, now(ctx)).filter(|s| s.challenge == name && s.client_id == client_id && s.pool_id == pool.id).ok_or_else(invalid_session)?;
            let user = load_user(svc, pool, &pend.username).await?.ok_or_else(|| missing_user(client))?;
            check_secret_hash(client, &[need(&r, "USERNAME").unwrap_or(&user.username), &user.username], p(&r, "SECRET_HASH"))?;
            let dev = pend.device_key.as_deref();
            if name == "NEW_PASSWORD_REQUIRED" {
                new_password(svc, ctx, pool, client, user, &r, dev).await
            } else if name == "SOFTWARE_TOKEN_MFA" {
                let code = need(&r, "SOFTWARE_TOKEN_MFA_CODE")?;
                let secret = user.mfa["totp_secret"].as_str().unwrap_or_default();
                if !super::mfa::totp_ok(secret, code, now(ctx)) {
                    return Err(CognitoError::CodeMismatchException("Invalid code or auth state for the user.".into()));
                }
                Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": issue(svc, ctx, pool, client, &user, None, dev).await?}))
            } else if name == "EMAIL_OTP" {
                let code = need(&r, "EMAIL_OTP_CODE")?.to_string();
                let (p2, u2, t, svc2) = (pool.clone(), user.clone(), now(ctx), svc.clone());
                svc.db()
                    .write(move |c| super::use_code(&svc2, c, &p2, &u2, "email_otp", &code, t))
                    .await
                    .map_err(|e| match e {
                        CognitoError::CodeMismatchException(_) | CognitoError::ExpiredCodeException(_) => CognitoError::CodeMismatchException("Invalid code or auth state for the user.".into()),
                        other => other,
                    })?;
                Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": issue(svc, ctx, pool, client, &user, None, dev).await?}))
            } else if name == "MFA_SETUP" {
                if !user.mfa["totp_secret"].is_string() {
                    return Err(CognitoError::param("MFA setup has not been completed: call AssociateSoftwareToken and VerifySoftwareToken with the Session first."));
                }
                Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": issue(svc, ctx, pool, client, &user, None, dev).await?}))
            } else {
                match need(&r, "ANSWER")? {
                    "PASSWORD" => {
                        if !super::password_matches(svc, pool, &user, need(&r, "PASSWORD")?) {
                            return Err(CognitoError::bad_credentials());
                        }
                        after_password(svc, ctx, pool, client, user, p(&r, "DEVICE_KEY").or(dev)).await
                    }
                    "EMAIL_OTP" if user.attr("email").is_some() => email_otp(svc, ctx, pool, client, &user).await,
                    "PASSWORD_SRP" => {
                        let mut params = r.clone();
                        params.insert("USERNAME".into(), user.username.clone().into());
                        srp_start(svc, ctx, pool, client, &params).await
                    }
                    other => Err(CognitoError::param(format!("The challenge {other} is not available for this user."))),
                }
            }
        }
        "DEVICE_SRP_AUTH" => {
            let session = opt(input, "Session").ok_or_else(|| CognitoError::param("Missing required parameter Session"))?;
            let pend = svc.take_pending(session, now(ctx)).filter(|s| s.challenge == name && s.client_id == client_id && s.pool_id == pool.id).ok_or_else(invalid_session)?;
            super::device::device_srp_auth(svc, ctx, pool, pend, &r).await
        }
        "DEVICE_PASSWORD_VERIFIER" => {
            let (pend, device) = super::device::device_password_verifier(svc, ctx, pool, client_id, &r).await?;
            let user = load_user(svc, pool, &pend.username).await?.ok_or_else(CognitoError::bad_credentials)?;
            check_secret_hash(client, &[need(&r, "USERNAME").unwrap_or(&user.username), &user.username], p(&r, "SECRET_HASH"))?;
            super::ensure_enabled(&user)?;
            mfa_or_tokens(svc, ctx, pool, client, user, Some(&device.key), device.remembered == "remembered", None).await
        }
        "SMS_MFA" | "SMS_OTP" | "SELECT_MFA_TYPE" | "CUSTOM_CHALLENGE" => {
            Err(CognitoError::UnsupportedOperationException(format!("Challenge {name} is not supported by amplocal yet.")))
        }
        other => Err(CognitoError::param(format!("1 validation error detected: Value '{other}' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set"))),
    }
}

async fn password_verifier(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, r: &Params) -> Result<Value> {
    let block_b64 = need(r, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let sig_b64 = need(r, "PASSWORD_CLAIM_SIGNATURE")?;
    let ts = need(r, "TIMESTAMP")?;
    let username = need(r, "USERNAME")?;
    let parsed = srp::parse_timestamp(ts).ok_or_else(|| CognitoError::param("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."))?;
    let block = decode_block(block_b64)?;
    let key = STANDARD.encode(&block);
    let client_id = client["ClientId"].as_str().unwrap_or_default();
    let pend = svc
        .take_pending(&key, now(ctx))
        .filter(|s| s.challenge == "PASSWORD_VERIFIER" && s.client_id == client_id && s.pool_id == pool.id)
        .ok_or_else(CognitoError::bad_credentials)?;
    let st = pend.srp.as_ref().ok_or_else(CognitoError::bad_credentials)?;
    let skew = (amplocal_core::clock::epoch_secs(ctx.now) as i64 - parsed.unix_timestamp()).unsigned_abs();
    if skew > svc.inner.config.srp_timestamp_skew {
        return Err(CognitoError::bad_credentials());
    }
    let canonical = srp::format_timestamp(parsed);
    let sig = STANDARD.decode(sig_b64).map_err(|_| CognitoError::bad_credentials())?;
    let k = svc.session_key(st).await.map_err(|_| CognitoError::bad_credentials())?;
    if !pend.real_user || !srp::verify_signature(&k, pool.srp_name(), &pend.username, &block, &canonical, &sig) {
        return Err(CognitoError::bad_credentials());
    }
    let (user, groups) = load_user_and_groups(svc, pool, &pend.username).await?.ok_or_else(CognitoError::bad_credentials)?;
    check_secret_hash(client, &[username, &user.username], p(r, "SECRET_HASH"))?;
    after_password_with(svc, ctx, pool, client, user, p(r, "DEVICE_KEY").or(pend.device_key.as_deref()), Some(groups)).await
}

/// A SECRET_BLOCK as clients echo it (standard base64, or url-safe without padding).
pub fn decode_block(b64: &str) -> Result<Vec<u8>> {
    STANDARD.decode(b64).or_else(|_| URL_SAFE_NO_PAD.decode(b64.trim_end_matches('='))).map_err(|_| CognitoError::bad_credentials())
}

async fn new_password(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, mut user: User, r: &Params, device: Option<&str>) -> Result<Value> {
    let pw = need(r, "NEW_PASSWORD")?.to_string();
    check_password(pool, &pw)?;
    let attrs: Vec<(String, String)> = r
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|n| (n.to_string(), v.as_str().unwrap_or_default().to_string())))
        .collect();
    set_password(svc, pool, &mut user, &pw);
    user.status = "CONFIRMED".into();
    user.temp_expires = None;
    user.modified = now(ctx);
    let (p2, mut u2) = (pool.clone(), user.clone());
    let user = svc
        .db()
        .write(move |c| {
            super::user::update_attrs(c, &p2, &mut u2, &attrs)?;
            users::put(c, &u2)?;
            Ok::<_, CognitoError>(u2)
        })
        .await?;
    after_password(svc, ctx, pool, client, user, device).await
}

