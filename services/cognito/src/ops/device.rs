//! Remembered devices
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-device-tracking.html>):
//! ConfirmDevice / GetDevice / ListDevices / UpdateDeviceStatus / ForgetDevice and their Admin*
//! twins, `NewDeviceMetadata` on sign-in when the pool has a `DeviceConfiguration`, and the
//! device sign-in: DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER, the SRP math of [`crate::srp`]
//! with the DeviceGroupKey as "pool name", the DeviceKey as identity and the verifier that
//! ConfirmDevice stored. A remembered device skips MFA. A sign-in naming a device the user
//! does not have answers `ResourceNotFoundException` "Device does not exist." (clients then
//! retry without it). A sign-in's refresh token is bound to its device (the remembered one it
//! proved, or the new one it was given): once the device is forgotten the refresh token
//! answers "Invalid Refresh Token", as AWS answers for a refresh naming a device it does not
//! know. The sign-in's access tokens stay valid until they expire. Left out: `ChallengeRequiredOnNewDevice` (it would need
//! SMS/TOTP MFA on every new device), `last_ip_used`, and requiring `DEVICE_KEY` on refresh.

use super::session::{Pending, SrpState};
use super::{now, opt, req, req_nonempty};
use crate::error::{CognitoError, Result};
use crate::store::device::{self as devices, Device};
use crate::store::user::User;
use crate::store::Pool;
use crate::{srp, CognitoService};
use amplocal_core::ids::ALNUM;
use amplocal_core::RequestContext;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use num_bigint::BigUint;
use serde_json::{json, Map, Value};

/// `ResourceNotFoundException` "Device does not exist.".
pub fn no_device() -> CognitoError {
    CognitoError::ResourceNotFoundException("Device does not exist.".into())
}

/// Whether the pool tracks devices (it has a `DeviceConfiguration`).
pub fn tracking(pool: &Pool) -> bool {
    pool.data["DeviceConfiguration"].is_object()
}

fn opt_in(pool: &Pool) -> bool {
    pool.data["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"].as_bool().unwrap_or(false)
}

/// `DeviceType` as AWS returns it.
pub fn device_json(d: &Device) -> Value {
    let mut attrs = vec![json!({"Name": "device_status", "Value": "valid"})];
    if let Some(n) = &d.name {
        attrs.push(json!({"Name": "device_name", "Value": n}));
    }
    attrs.push(json!({"Name": "dev:device_remembered_status", "Value": d.remembered}));
    json!({
        "DeviceKey": d.key,
        "DeviceAttributes": attrs,
        "DeviceCreateDate": d.created,
        "DeviceLastModifiedDate": d.modified,
        "DeviceLastAuthenticatedDate": d.last_auth,
    })
}

/// A new (unconfirmed) device for a sign-in: its row is written inside `c`'s transaction by the
/// caller; returns the row and the `NewDeviceMetadata` value.
pub fn new_device(svc: &CognitoService, pool: &Pool, user: &User, t: f64) -> (Device, Value) {
    let ids = &svc.core().ids;
    let d = Device {
        pool_id: pool.id.clone(),
        username: user.username.clone(),
        key: format!("{}_{}", pool.region, ids.uuid()),
        group_key: format!("-{}", ids.string_from(ALNUM, 9)),
        salt: None,
        verifier: None,
        name: None,
        remembered: if opt_in(pool) { "not_remembered" } else { "remembered" }.into(),
        confirmed: false,
        created: t,
        modified: t,
        last_auth: t,
    };
    let meta = json!({"DeviceKey": d.key, "DeviceGroupKey": d.group_key});
    (d, meta)
}

async fn load(svc: &CognitoService, pool_id: &str, username: &str, key: &str) -> Result<Device> {
    let (p, u, k) = (pool_id.to_string(), username.to_string(), key.to_string());
    svc.db().read(move |c| devices::get(c, &p, &u, &k)).await?.ok_or_else(no_device)
}

/// The user behind an access token, or behind `UserPoolId` + `Username` (admin).
async fn owner(svc: &CognitoService, ctx: &RequestContext, input: &Value, admin: bool) -> Result<(Pool, User)> {
    if admin {
        let pool_id = req(input, "UserPoolId")?.to_string();
        let name = req(input, "Username")?.to_string();
        let acct = ctx.account_id.clone();
        svc.db().read(move |c| super::user::pool_user(c, &acct, &pool_id, &name)).await
    } else {
        super::self_service::token_user(svc, req(input, "AccessToken")?).await
    }
}

fn page_limit(input: &Value) -> Result<usize> {
    match input.get("Limit").filter(|v| !v.is_null()) {
        None => Ok(60),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=60).contains(&n) => Ok(n.max(1) as usize),
            _ => Err(CognitoError::param(format!("1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"))),
        },
    }
}

async fn list(svc: &CognitoService, ctx: &RequestContext, input: Value, admin: bool) -> Result<Value> {
    let limit = page_limit(&input)?;
    let (pool, user) = owner(svc, ctx, &input, admin).await?;
    let after = match opt(&input, "PaginationToken") {
        Some(t) => Some(amplocal_core::pagination::decode::<String>(t).ok_or_else(|| CognitoError::param("Invalid pagination token"))?),
        None => None,
    };
    let (p, u) = (pool.id.clone(), user.username.clone());
    let all = svc.db().read(move |c| devices::list(c, &p, &u)).await?;
    let rest: Vec<&Device> = all.iter().filter(|d| after.as_ref().is_none_or(|a| &d.key > a)).collect();
    let mut out = json!({"Devices": rest.iter().take(limit).map(|d| device_json(d)).collect::<Vec<_>>()});
    if rest.len() > limit {
        out["PaginationToken"] = amplocal_core::pagination::encode(&rest[limit - 1].key).into();
    }
    Ok(out)
}

/// ListDevices (access token; confirmed devices, ordered by key, `Limit` ≤ 60).
pub async fn list_devices(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    list(svc, ctx, input, false).await
}

/// AdminListDevices.
pub async fn admin_list_devices(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    list(svc, ctx, input, true).await
}

async fn get(svc: &CognitoService, ctx: &RequestContext, input: Value, admin: bool) -> Result<Value> {
    let key = req(&input, "DeviceKey")?.to_string();
    let (pool, user) = owner(svc, ctx, &input, admin).await?;
    let d = load(svc, &pool.id, &user.username, &key).await?;
    if !d.confirmed {
        return Err(no_device());
    }
    Ok(json!({"Device": device_json(&d)}))
}

/// GetDevice.
pub async fn get_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    get(svc, ctx, input, false).await
}

/// AdminGetDevice.
pub async fn admin_get_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    get(svc, ctx, input, true).await
}

async fn forget(svc: &CognitoService, ctx: &RequestContext, input: Value, admin: bool) -> Result<Value> {
    let key = req(&input, "DeviceKey")?.to_string();
    let (pool, user) = owner(svc, ctx, &input, admin).await?;
    let (p, u) = (pool.id, user.username);
    if !svc.db().write(move |c| devices::delete(c, &p, &u, &key)).await? {
        return Err(no_device());
    }
    Ok(json!({}))
}

/// ForgetDevice.
pub async fn forget_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    forget(svc, ctx, input, false).await
}

/// AdminForgetDevice.
pub async fn admin_forget_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    forget(svc, ctx, input, true).await
}

async fn update_status(svc: &CognitoService, ctx: &RequestContext, input: Value, admin: bool) -> Result<Value> {
    let key = req(&input, "DeviceKey")?.to_string();
    let status = match opt(&input, "DeviceRememberedStatus") {
        None => None,
        Some(s @ ("remembered" | "not_remembered")) => Some(s.to_string()),
        Some(other) => {
            return Err(CognitoError::param(format!(
                "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
            )))
        }
    };
    let (pool, user) = owner(svc, ctx, &input, admin).await?;
    let (p, u, t) = (pool.id, user.username, now(ctx));
    svc.db()
        .write(move |c| {
            let mut d = devices::get(c, &p, &u, &key)?.filter(|d| d.confirmed).ok_or_else(no_device)?;
            if let Some(s) = status {
                d.remembered = s;
            }
            d.modified = t;
            devices::put(c, &d)
        })
        .await?;
    Ok(json!({}))
}

/// UpdateDeviceStatus.
pub async fn update_device_status(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    update_status(svc, ctx, input, false).await
}

/// AdminUpdateDeviceStatus.
pub async fn admin_update_device_status(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    update_status(svc, ctx, input, true).await
}

fn b64_int(cfg: &Value, k: &str) -> Result<BigUint> {
    let s = cfg[k].as_str().ok_or_else(|| CognitoError::param(format!("Missing required parameter DeviceSecretVerifierConfig.{k}")))?;
    let bytes = STANDARD.decode(s).map_err(|_| CognitoError::param(format!("DeviceSecretVerifierConfig.{k} is not valid base64")))?;
    if bytes.is_empty() || bytes.len() > srp::MAX_SRP_A_HEX / 2 {
        return Err(CognitoError::param(format!("DeviceSecretVerifierConfig.{k} has an invalid length")));
    }
    Ok(BigUint::from_bytes_be(&bytes))
}

/// ConfirmDevice: store the device SRP verifier; `UserConfirmationNecessary` when the pool
/// only remembers devices on the user's prompt.
pub async fn confirm_device(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let key = req_nonempty(&input, "DeviceKey")?.to_string();
    let cfg = &input["DeviceSecretVerifierConfig"];
    let (salt, verifier) = if cfg.is_object() { (Some(b64_int(cfg, "Salt")?), Some(b64_int(cfg, "PasswordVerifier")?)) } else { (None, None) };
    let name = opt(&input, "DeviceName").map(str::to_string);
    if name.as_ref().is_some_and(|n| n.is_empty() || n.chars().count() > 1024) {
        return Err(CognitoError::param("1 validation error detected: Value at 'deviceName' failed to satisfy constraint: Member must have length between 1 and 1024"));
    }
    let (pool, user) = super::self_service::token_user(svc, req(&input, "AccessToken")?).await?;
    let needs_prompt = opt_in(&pool);
    let (p, u, t) = (pool.id, user.username, now(ctx));
    svc.db()
        .write(move |c| {
            let mut d = devices::get(c, &p, &u, &key)?.ok_or_else(no_device)?;
            d.salt = salt.as_ref().map(srp::to_hex);
            d.verifier = verifier.as_ref().map(srp::to_hex);
            d.name = name;
            d.confirmed = true;
            d.modified = t;
            devices::put(c, &d)
        })
        .await?;
    Ok(json!({"UserConfirmationNecessary": needs_prompt}))
}

/// After the password was proven with a `DEVICE_KEY`: the DEVICE_SRP_AUTH challenge, or
/// "Device does not exist." when the user has no such confirmed device.
pub async fn start_device_challenge(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: &User, key: &str) -> Result<Value> {
    let d = load(svc, &pool.id, &user.username, key).await?;
    if !d.confirmed || d.verifier.is_none() {
        return Err(no_device());
    }
    let mut p = pending(pool, client, user, "DEVICE_SRP_AUTH", now(ctx));
    p.device_key = Some(d.key.clone());
    let session = svc.put_pending(p, 96);
    Ok(json!({"ChallengeName": "DEVICE_SRP_AUTH", "Session": session, "ChallengeParameters": {}}))
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

fn need<'a>(m: &'a Map<String, Value>, k: &str) -> Result<&'a str> {
    m.get(k).and_then(Value::as_str).ok_or_else(|| CognitoError::param(format!("Missing required parameter {k}")))
}

/// RespondToAuthChallenge DEVICE_SRP_AUTH {USERNAME, SRP_A, DEVICE_KEY}: answers
/// DEVICE_PASSWORD_VERIFIER with SRP_B, SALT, SECRET_BLOCK (also sent as the Session).
pub async fn device_srp_auth(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, pend: Pending, r: &Map<String, Value>) -> Result<Value> {
    let key = need(r, "DEVICE_KEY")?;
    let a_pub = srp::parse_hex(need(r, "SRP_A")?).ok_or_else(|| CognitoError::param("SRP_A is not a valid hexadecimal value"))?;
    if (&a_pub % srp::n()) == BigUint::ZERO {
        return Err(CognitoError::param("SRP_A cannot be zero modulo N"));
    }
    if pend.device_key.as_deref() != Some(key) {
        return Err(no_device());
    }
    let d = load(svc, &pool.id, &pend.username, key).await?;
    let (Some(salt), Some(v)) = (d.salt.as_deref().and_then(srp::parse_hex_any), d.verifier.as_deref().and_then(srp::parse_hex_any)) else { return Err(no_device()) };
    let b = BigUint::from_bytes_be(&svc.core().ids.bytes(32));
    let b_pub = srp::server_b(&v, &b);
    let state = Pending { challenge: "DEVICE_PASSWORD_VERIFIER".into(), created: now(ctx), srp: Some(SrpState::new(a_pub, b, b_pub.clone(), v)), ..pend };
    let block = svc.put_pending(state, 512);
    Ok(json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "Session": block,
        "ChallengeParameters": {"SALT": srp::to_hex(&salt), "SECRET_BLOCK": block, "SRP_B": srp::to_hex(&b_pub), "USERNAME": d.username, "DEVICE_KEY": d.key},
    }))
}

/// Check a DEVICE_PASSWORD_VERIFIER answer; returns the proven (pending state, device).
pub async fn device_password_verifier(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client_id: &str, r: &Map<String, Value>) -> Result<(Pending, Device)> {
    let bad = CognitoError::bad_credentials;
    let key = need(r, "DEVICE_KEY")?;
    let ts = need(r, "TIMESTAMP")?;
    let sig = STANDARD.decode(need(r, "PASSWORD_CLAIM_SIGNATURE")?).map_err(|_| bad())?;
    let parsed = srp::parse_timestamp(ts).ok_or_else(|| CognitoError::param("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."))?;
    let block = super::auth_flow::decode_block(need(r, "PASSWORD_CLAIM_SECRET_BLOCK")?)?;
    let pend = svc
        .take_pending(&STANDARD.encode(&block), now(ctx))
        .filter(|s| s.challenge == "DEVICE_PASSWORD_VERIFIER" && s.client_id == client_id && s.pool_id == pool.id)
        .ok_or_else(bad)?;
    if pend.device_key.as_deref() != Some(key) {
        return Err(no_device());
    }
    let st = pend.srp.as_ref().ok_or_else(bad)?;
    let skew = (amplocal_core::clock::epoch_secs(ctx.now) as i64 - parsed.unix_timestamp()).unsigned_abs();
    if skew > svc.inner.config.srp_timestamp_skew {
        return Err(bad());
    }
    let d = load(svc, &pool.id, &pend.username, key).await?;
    let k = svc.session_key(st).await.map_err(|_| bad())?;
    if !srp::verify_signature(&k, &d.group_key, &d.key, &block, &srp::format_timestamp(parsed), &sig) {
        return Err(bad());
    }
    Ok((pend, d))
}
