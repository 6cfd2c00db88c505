//! Token issuance and refresh: minting ID/access/refresh tokens after a sign-in,
//! REFRESH_TOKEN_AUTH (InitiateAuth / AdminInitiateAuth) and GetTokensFromRefreshToken
//! (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetTokensFromRefreshToken.html>).
//! Refresh tokens are opaque, stored and revocable. With `RefreshTokenRotation.Feature =
//! ENABLED`, GetTokensFromRefreshToken returns a new refresh token and the old one fails with
//! RefreshTokenReuseException after `RetryGracePeriodSeconds`.

use super::client::validities;
use super::{check_secret_hash, client_and_pool, now, now_i, opt, req};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, RefreshRow, User};
use crate::store::{self, Pool};
use crate::tokens::jwt::{self, TokenRequest};
use crate::tokens::keys::PoolKeys;
use crate::CognitoService;
use amplocal_core::RequestContext;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How the caller proves it holds the client secret.
pub enum Secret<'a> {
    /// SECRET_HASH in AuthParameters.
    Hash(Option<&'a str>),
    /// ClientSecret of GetTokensFromRefreshToken.
    ClientSecret(Option<&'a str>),
}

/// REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken.
pub async fn refresh_flow(svc: &CognitoService, ctx: &RequestContext, client: &Value, token: &str, secret: Secret<'_>) -> Result<Value> {
    let tok = token.to_string();
    // A token bound to a device that has since been forgotten reads as no token.
    let row = svc
        .db()
        .read(move |c| match users::get_refresh(c, &tok)? {
            Some(r) if r.device_key.as_deref().is_some_and(|d| crate::store::device::get(c, &r.pool_id, &r.username, d).ok().flatten().is_none()) => Ok(None),
            other => Ok::<_, CognitoError>(other),
        })
        .await?;
    let invalid = || CognitoError::NotAuthorizedException("Invalid Refresh Token".into());
    let row = row.filter(|r| !r.revoked && r.client_id == client["ClientId"].as_str().unwrap_or_default()).ok_or_else(invalid)?;
    if row.expires <= now(ctx) {
        return Err(CognitoError::NotAuthorizedException("Refresh Token has expired".into()));
    }
    if let Some(rotated) = row.rotated {
        let grace = client["RefreshTokenRotation"]["RetryGracePeriodSeconds"].as_f64().unwrap_or(0.0);
        if now(ctx) > rotated + grace {
            return Err(CognitoError::RefreshTokenReuseException("Refresh token has been reused.".into()));
        }
    }
    match secret {
        Secret::Hash(h) => check_secret_hash(client, &[&row.username], h)?,
        Secret::ClientSecret(s) => {
            if let Some(want) = client["ClientSecret"].as_str() {
                if s != Some(want) {
                    return Err(CognitoError::NotAuthorizedException(format!("Unable to verify secret hash for client {}", client["ClientId"].as_str().unwrap_or_default())));
                }
            }
        }
    }
    let (pid, un) = (row.pool_id.clone(), row.username.clone());
    let (pool, user) = svc
        .db()
        .read(move |c| Ok::<_, CognitoError>((store::get_pool_any(c, &pid)?, users::get(c, &pid, &un)?)))
        .await?;
    let pool = pool.ok_or_else(invalid)?;
    let user = user.ok_or_else(|| CognitoError::NotAuthorizedException("User does not exist.".into()))?;
    super::ensure_enabled(&user)?;
    let result = issue(svc, ctx, &pool, client, &user, Some(&row), None).await?;
    Ok(json!({"ChallengeParameters": {}, "AuthenticationResult": result}))
}

/// GetTokensFromRefreshToken (public; what Amplify v6 uses to refresh).
pub async fn get_tokens_from_refresh_token(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let client_id = req(&input, "ClientId")?;
    let token = req(&input, "RefreshToken")?;
    let (_, client) = client_and_pool(svc, client_id).await?;
    if !super::auth_flow::allows_refresh(&client) {
        return Err(super::auth_flow::flow_disabled("REFRESH_TOKEN_AUTH"));
    }
    let mut out = refresh_flow(svc, ctx, &client, token, Secret::ClientSecret(opt(&input, "ClientSecret"))).await?;
    let mut result = out["AuthenticationResult"].take();
    if client["RefreshTokenRotation"]["Feature"] == "ENABLED" {
        // Rotation: a new refresh token for the same authentication; the old one lives on
        // for RetryGracePeriodSeconds.
        let tok = token.to_string();
        let row = svc.db().read(move |c| users::get_refresh(c, &tok)).await?.ok_or_else(|| CognitoError::NotAuthorizedException("Invalid Refresh Token".into()))?;
        let new_token = new_refresh_token(svc);
        let (old, nt, t) = (token.to_string(), new_token.clone(), now(ctx));
        let mut fresh = row.clone();
        fresh.rotated = None;
        svc.db()
            .write(move |c| {
                users::mark_rotated(c, &old, t)?;
                users::put_refresh(c, &nt, &fresh)
            })
            .await?;
        result["RefreshToken"] = new_token.into();
    }
    Ok(json!({"AuthenticationResult": result}))
}

/// A JWE-looking refresh token: 5 base64url parts, unguessable; only its row gives it meaning.
fn new_refresh_token(svc: &CognitoService) -> String {
    let ids = &svc.core().ids;
    let header = URL_SAFE_NO_PAD.encode(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    let parts: Vec<String> = [256usize, 12, 384, 16].iter().map(|n| URL_SAFE_NO_PAD.encode(ids.bytes(*n))).collect();
    format!("{header}.{}", parts.join("."))
}

/// Counts the sign-ins signing right now; dropping it leaves.
struct Signing<'a>(&'a AtomicUsize);

impl Drop for Signing<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sign the ID and access tokens. The two RSA signatures are most of a sign-in's CPU. When no
/// other sign-in is signing, the ID token is signed on a pooled blocking thread while this
/// one signs the access token (about half the latency, same work). When others are signing,
/// the cores are busy anyway, so both are signed here and the hand-off is saved.
async fn sign_pair(svc: &CognitoService, keys: &Arc<PoolKeys>, id: Map<String, Value>, access: Map<String, Value>) -> (Result<String>, Result<String>) {
    let busy = &svc.inner.signing;
    let alone = busy.fetch_add(1, Ordering::Relaxed) == 0;
    let _signing = Signing(busy);
    if !alone {
        return (keys.access.sign_jwt(&access), keys.id.sign_jwt(&id));
    }
    let k = keys.clone();
    let id = tokio::task::spawn_blocking(move || k.id.sign_jwt(&id));
    let access = keys.access.sign_jwt(&access);
    let id = id.await.unwrap_or_else(|e| Err(CognitoError::Internal(amplocal_core::InternalError::from(e))));
    (access, id)
}

/// Mint ID + access tokens (and a refresh token for a new sign-in) for `user`. `device` is the
/// remembered device the sign-in proved; a new sign-in without one gets `NewDeviceMetadata`
/// when the pool tracks devices.
pub async fn issue(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: &User, refresh: Option<&RefreshRow>, device: Option<&str>) -> Result<Value> {
    issue_with(svc, ctx, pool, client, user, refresh, device, None).await
}

/// The user's group names and `(RoleArn, Precedence)` of their groups, for the tokens.
pub type Groups = (Vec<String>, Vec<(String, i64)>);

/// [`groups_of`](users::groups_of) and [`group_roles`](users::group_roles) on one connection.
pub fn read_groups(c: &rusqlite::Connection, pool_id: &str, username: &str) -> Result<Groups> {
    Ok((users::groups_of(c, pool_id, username)?, users::group_roles(c, pool_id, username)?))
}

/// [`issue`] with the user's groups when the caller read them with the user (one store
/// read less per sign-in).
#[allow(clippy::too_many_arguments)]
pub async fn issue_with(svc: &CognitoService, ctx: &RequestContext, pool: &Pool, client: &Value, user: &User, refresh: Option<&RefreshRow>, device: Option<&str>, groups: Option<Groups>) -> Result<Value> {
    let keys = svc.inner.keys.get_or_create(svc.db(), &svc.core().ids, &pool.id).await?;
    let (groups, roles) = match groups {
        Some(g) => g,
        None => {
            let (pid, un) = (pool.id.clone(), user.username.clone());
            svc.db().read(move |c| read_groups(c, &pid, &un)).await?
        }
    };
    let (access_v, id_v, refresh_v) = validities(client);
    let ids = &svc.core().ids;
    let t = now_i(ctx);
    let origin = refresh.map(|r| r.origin_jti.clone()).unwrap_or_else(|| ids.uuid().to_string());
    let auth_time = refresh.map(|r| r.auth_time).unwrap_or(t);
    let event_id = ids.uuid().to_string();
    let (id_jti, access_jti) = (ids.uuid().to_string(), ids.uuid().to_string());
    let issuer = svc.issuer(&pool.region, &pool.id);
    let client_id = client["ClientId"].as_str().unwrap_or_default().to_string();
    let new_device = match (refresh, device) {
        (None, None) if super::device::tracking(pool) => Some(super::device::new_device(svc, pool, user, now(ctx))),
        _ => None,
    };
    // A refresh keeps the device its sign-in was bound to.
    let device_key = device.or(new_device.as_ref().map(|(d, _)| d.key.as_str())).or(refresh.and_then(|r| r.device_key.as_deref()));
    let r = TokenRequest {
        issuer: &issuer,
        client_id: &client_id,
        user,
        groups: &groups,
        roles: &roles,
        auth_time,
        origin_jti: &origin,
        event_id: &event_id,
        now: t,
        id_validity: id_v,
        access_validity: access_v,
        id_jti: &id_jti,
        access_jti: &access_jti,
        device_key,
    };
    let (id_claims, access_claims) = (jwt::id_claims(&r), jwt::access_claims(&r));
    // A new sign-in's refresh-token row is written while the tokens are signed (it does not
    // depend on them): the commit overlaps with the RSA work instead of following it.
    let store_refresh = async {
        if refresh.is_some() {
            return Ok::<_, CognitoError>(None);
        }
        let token = new_refresh_token(svc);
        let row = RefreshRow { pool_id: pool.id.clone(), client_id: client_id.clone(), username: user.username.clone(), origin_jti: origin, auth_time, expires: now(ctx) + refresh_v as f64, revoked: false, rotated: None, device_key: device_key.map(str::to_string) };
        let t2 = token.clone();
        let (dev_row, seen) = (new_device.as_ref().map(|(d, _)| d.clone()), device.map(|k| (pool.id.clone(), user.username.clone(), k.to_string(), now(ctx))));
        svc.db()
            .write(move |c| {
                users::put_refresh(c, &t2, &row)?;
                if let Some(d) = dev_row {
                    crate::store::device::put(c, &d)?;
                }
                if let Some((p, u, k, t)) = seen {
                    c.prepare_cached("UPDATE devices SET last_auth = ?1 WHERE pool_id = ?2 AND username = ?3 AND device_key = ?4")?.execute(rusqlite::params![t, p, u, k])?;
                }
                Ok::<_, CognitoError>(())
            })
            .await?;
        Ok(Some(token))
    };
    // `biased`: the write is queued on the writer thread before this thread starts signing.
    let (stored, (access, id)) = tokio::join!(biased; store_refresh, sign_pair(svc, &keys, id_claims, access_claims));
    let mut out = json!({"AccessToken": access?, "ExpiresIn": access_v, "TokenType": "Bearer", "IdToken": id?});
    if let Some(token) = stored? {
        out["RefreshToken"] = token.into();
        if let Some((_, meta)) = new_device {
            out["NewDeviceMetadata"] = meta;
        }
    }
    Ok(out)
}
