//! Cognito operations (AWS semantics, no HTTP). Inputs arrive as the request's JSON object and
//! are read with the accessors below; outputs are AWS-shaped JSON values. This module holds the
//! helpers every operation shares: field access with AWS validation messages, client/user
//! lookup (aliases, username attributes), SECRET_HASH, password policy, codes, id formats.

pub mod auth_flow;
pub mod client;
pub mod device;
pub mod group;
pub mod identity_pool;
pub mod local_tokens;
pub mod mfa;
pub mod self_service;
pub mod session;
pub mod settings;
pub mod signup;
pub mod sts;
pub mod token;
pub mod user;
pub mod user_pool;

use crate::error::{CognitoError, Result};
use crate::store::user::User;
use crate::store::{self, CodeRow, Pool};
use crate::{srp, CognitoService};
use amplocal_core::ids::{ALNUM, LOWER_ALNUM};
use amplocal_core::RequestContext;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rusqlite::Connection;
use serde_json::{json, Value};

/// Epoch seconds (with fraction) of the request.
pub fn now(ctx: &RequestContext) -> f64 {
    amplocal_core::clock::epoch_secs_f64(ctx.now)
}

/// Whole epoch seconds of the request.
pub fn now_i(ctx: &RequestContext) -> i64 {
    amplocal_core::clock::epoch_secs(ctx.now) as i64
}

fn lower_first(k: &str) -> String {
    let mut c = k.chars();
    c.next().map(|f| f.to_lowercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// An optional string member.
pub fn opt<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// A required string member; missing → AWS's validation message.
pub fn req<'a>(v: &'a Value, k: &str) -> Result<&'a str> {
    match v.get(k) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Err(CognitoError::param(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(k)
        ))),
        Some(_) => Err(CognitoError::SerializationException(format!("Unexpected type for {k}"))),
    }
}

/// A required, non-empty string.
pub fn req_nonempty<'a>(v: &'a Value, k: &str) -> Result<&'a str> {
    let s = req(v, k)?;
    if s.is_empty() {
        return Err(CognitoError::param(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length greater than or equal to 1",
            lower_first(k)
        )));
    }
    Ok(s)
}

/// A map<string,string> member (AuthParameters, ChallengeResponses, Logins).
pub fn str_map(v: &Value, k: &str) -> Result<serde_json::Map<String, Value>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(serde_json::Map::new()),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
        Some(_) => Err(CognitoError::SerializationException(format!("Unexpected type for {k}"))),
    }
}

/// `[{Name, Value}]` → pairs.
pub fn attr_list(v: &Value, k: &str) -> Result<Vec<(String, String)>> {
    let Some(arr) = v.get(k).filter(|x| !x.is_null()) else { return Ok(Vec::new()) };
    let arr = arr.as_array().ok_or_else(|| CognitoError::SerializationException(format!("Unexpected type for {k}")))?;
    arr.iter()
        .map(|a| {
            let name = a.get("Name").and_then(Value::as_str).ok_or_else(|| CognitoError::param(format!("1 validation error detected: Value null at '{}.member.name' failed to satisfy constraint: Member must not be null", lower_first(k))))?;
            let val = a.get("Value").and_then(Value::as_str).unwrap_or_default();
            Ok((name.to_string(), val.to_string()))
        })
        .collect()
}

/// The pool + client of an unsigned call, by `ClientId` (ids are global).
pub async fn client_and_pool(svc: &CognitoService, client_id: &str) -> Result<(Pool, Value)> {
    let found = svc.cached_client_and_pool(client_id).await?;
    found.ok_or_else(|| CognitoError::ResourceNotFoundException(format!("User pool client {client_id} does not exist.")))
}

/// A user by what a client typed: the internal username, or a username attribute / verified
/// alias (email, phone_number, preferred_username).
pub fn find_user(c: &Connection, pool: &Pool, name: &str) -> Result<Option<User>> {
    if let Some(u) = store::user::get(c, &pool.id, name)? {
        return Ok(Some(u));
    }
    for attr in pool.username_attributes() {
        if let Some(u) = store::user::find_by_attr(c, &pool.id, &attr, name)?.into_iter().next() {
            return Ok(Some(u));
        }
    }
    for attr in pool.alias_attributes() {
        let verified = format!("{attr}_verified");
        let hit = store::user::find_by_attr(c, &pool.id, &attr, name)?
            .into_iter()
            .find(|u| attr == "preferred_username" || u.attr(&verified) == Some("true"));
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(None)
}

/// The "no such user" error as the client's `PreventUserExistenceErrors` wants it.
pub fn missing_user(client: &Value) -> CognitoError {
    if client["PreventUserExistenceErrors"] == "ENABLED" {
        CognitoError::bad_credentials()
    } else {
        CognitoError::no_user()
    }
}

/// `Base64(HMAC-SHA256(secret, username ‖ clientId))`.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length.
    let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    m.update(username.as_bytes());
    m.update(client_id.as_bytes());
    STANDARD.encode(m.finalize().into_bytes())
}

/// Require a correct SECRET_HASH when the client has a secret. `names` are the usernames the
/// hash may have been computed over (what was typed, the internal name).
pub fn check_secret_hash(client: &Value, names: &[&str], provided: Option<&str>) -> Result<()> {
    let Some(secret) = client["ClientSecret"].as_str() else { return Ok(()) };
    let cid = client["ClientId"].as_str().unwrap_or_default();
    let Some(p) = provided else {
        return Err(CognitoError::NotAuthorizedException(format!("Client {cid} is configured with secret but SECRET_HASH was not received")));
    };
    if names.iter().any(|n| secret_hash(secret, n, cid) == p) {
        Ok(())
    } else {
        Err(CognitoError::NotAuthorizedException(format!("Unable to verify secret hash for client {cid}")))
    }
}

const SYMBOLS: &str = "^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+= ";

/// Check `pw` against the pool's password policy (one violation reported, as AWS does).
pub fn check_password(pool: &Pool, pw: &str) -> Result<()> {
    let p = &pool.data["Policies"]["PasswordPolicy"];
    let min = p["MinimumLength"].as_u64().unwrap_or(8) as usize;
    let need = |k: &str| p[k].as_bool().unwrap_or(true);
    let fail = |m: &str| Err(CognitoError::InvalidPasswordException(format!("Password did not conform with policy: {m}")));
    if pw.chars().count() < min {
        return fail("Password not long enough");
    }
    if need("RequireNumbers") && !pw.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if need("RequireLowercase") && !pw.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if need("RequireUppercase") && !pw.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if need("RequireSymbols") && !pw.chars().any(|c| SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// Give `user` a new password: fresh salt, SRP verifier over the internal username.
pub fn set_password(svc: &CognitoService, pool: &Pool, user: &mut User, pw: &str) {
    let salt = BigUint::from_bytes_be(&svc.core().ids.bytes(16));
    let v = srp::verifier(pool.srp_name(), &user.username, pw, &salt);
    user.salt = Some(srp::to_hex(&salt));
    user.verifier = Some(srp::to_hex(&v));
}

/// The stored (salt, verifier) of a user, if they have a password.
pub fn user_verifier(user: &User) -> Option<(BigUint, BigUint)> {
    Some((srp::parse_hex_any(user.salt.as_deref()?)?, srp::parse_hex_any(user.verifier.as_deref()?)?))
}

/// Whether `pw` is the user's password: recomputes `x` and compares `g^x` with the verifier.
/// A match is remembered in memory as `H(x)` under `H(pool, user, verifier)`, so the next
/// check of the same password costs two hashes instead of a 3072-bit modpow; a new password
/// (new verifier) misses the cache. Nothing derived from the password is written to disk.
pub fn password_matches(svc: &CognitoService, pool: &Pool, user: &User, pw: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (Some(salt_hex), Some(v_hex)) = (user.salt.as_deref(), user.verifier.as_deref()) else { return false };
    let Some(salt) = srp::parse_hex_any(salt_hex) else { return false };
    let x = srp::compute_x(pool.srp_name(), &user.username, pw, &salt);
    let key: [u8; 32] = Sha256::new()
        .chain_update(pool.id.as_bytes())
        .chain_update([0])
        .chain_update(user.username.as_bytes())
        .chain_update([0])
        .chain_update(salt_hex.as_bytes())
        .chain_update([0])
        .chain_update(v_hex.as_bytes())
        .finalize()
        .into();
    let proof: [u8; 32] = Sha256::digest(x.to_bytes_be()).into();
    let cache = &svc.inner.password_cache;
    if cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) == Some(&proof) {
        return true;
    }
    // The 3072-bit verifier is parsed only when the cache cannot answer.
    let Some(v) = srp::parse_hex_any(v_hex) else { return false };
    let ok = srp::pow_g(&x) == v;
    if ok {
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.len() >= PASSWORD_CACHE_MAX {
            c.clear();
        }
        c.insert(key, proof);
    }
    ok
}

/// Entries of the in-memory password-check cache before it is emptied.
const PASSWORD_CACHE_MAX: usize = 65_536;

/// A new 6-digit code (or the configured fixed one).
pub fn new_code(svc: &CognitoService) -> String {
    if let Some(c) = &svc.inner.config.fixed_code {
        return c.clone();
    }
    let b = svc.core().ids.bytes(4);
    format!("{:06}", u32::from_be_bytes([b[0], b[1], b[2], b[3]]) % 1_000_000)
}

fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((l, d)) => format!("{}***@{}***", l.chars().next().unwrap_or('*'), d.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

fn mask_phone(p: &str) -> String {
    let tail: String = p.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("+*******{tail}")
}

/// `CodeDeliveryDetails` for `attr` (`email` / `phone_number`) of a user.
pub fn delivery_details(user: &User, attr: &str) -> Value {
    match (attr, user.attr(attr)) {
        ("phone_number", Some(p)) => json!({"Destination": mask_phone(p), "DeliveryMedium": "SMS", "AttributeName": "phone_number"}),
        ("email", Some(e)) => json!({"Destination": mask_email(e), "DeliveryMedium": "EMAIL", "AttributeName": "email"}),
        _ => json!({"Destination": "***", "DeliveryMedium": "EMAIL", "AttributeName": attr}),
    }
}

/// Where account codes go: email if the user has one, else phone.
pub fn default_medium(user: &User) -> &'static str {
    if user.attr("email").is_some() || user.attr("phone_number").is_none() {
        "email"
    } else {
        "phone_number"
    }
}

/// Create a code for `purpose`, store it in the inbox and log it; returns the delivery details.
pub fn deliver_code(svc: &CognitoService, c: &Connection, pool: &Pool, user: &User, purpose: &str, attr: &str, now: f64) -> Result<Value> {
    let code = new_code(svc);
    svc.inner.code_attempts.lock().unwrap_or_else(|e| e.into_inner()).remove(&attempts_key(pool, user, purpose));
    let details = delivery_details(user, attr);
    store::put_code(
        c,
        &CodeRow {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            purpose: purpose.into(),
            code: code.clone(),
            destination: user.attr(attr).map(str::to_string),
            created: now,
            expires: now + 24.0 * 3600.0,
            used: false,
        },
    )?;
    tracing::info!(pool = %pool.id, username = %user.username, purpose, code = %code, "cognito code delivered");
    Ok(details)
}

/// Wrong guesses allowed on one code before `LimitExceededException`.
pub const MAX_CODE_ATTEMPTS: u32 = 5;

fn attempts_key(pool: &Pool, user: &User, purpose: &str) -> String {
    format!("{}|{}|{purpose}", pool.id, user.username)
}

/// Check a code of `purpose` and consume it. After [`MAX_CODE_ATTEMPTS`] wrong guesses the
/// code is locked (`LimitExceededException`) until a new one is sent.
pub fn use_code(svc: &CognitoService, c: &Connection, pool: &Pool, user: &User, purpose: &str, code: &str, now: f64) -> Result<()> {
    let key = attempts_key(pool, user, purpose);
    let failed = svc.inner.code_attempts.lock().unwrap_or_else(|e| e.into_inner()).get(&key).copied().unwrap_or(0);
    if failed >= MAX_CODE_ATTEMPTS {
        return Err(CognitoError::LimitExceededException("Attempt limit exceeded, please try after some time.".into()));
    }
    match store::live_code(c, &pool.id, &user.username, purpose)? {
        None => Err(CognitoError::ExpiredCodeException("Invalid code provided, please request a code again.".into())),
        Some((_, exp)) if exp <= now => Err(CognitoError::ExpiredCodeException("Invalid code provided, please request a code again.".into())),
        Some((want, _)) if want != code => {
            *svc.inner.code_attempts.lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_insert(0) += 1;
            Err(CognitoError::CodeMismatchException("Invalid verification code provided, please try again.".into()))
        }
        Some(_) => {
            svc.inner.code_attempts.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
            store::consume_codes(c, &pool.id, &user.username, purpose)
        }
    }
}

/// `<region>_<9 alnum>`.
pub fn new_pool_id(svc: &CognitoService, region: &str) -> String {
    format!("{region}_{}", svc.core().ids.string_from(ALNUM, 9))
}

/// 26 lowercase alphanumerics.
pub fn new_client_id(svc: &CognitoService) -> String {
    svc.core().ids.string_from(LOWER_ALNUM, 26)
}

/// A 52-char client secret.
pub fn new_client_secret(svc: &CognitoService) -> String {
    svc.core().ids.string_from(LOWER_ALNUM, 52)
}

/// Reject the operation when `user` is disabled.
pub fn ensure_enabled(user: &User) -> Result<()> {
    if user.enabled {
        Ok(())
    } else {
        Err(CognitoError::NotAuthorizedException("User is disabled.".into()))
    }
}
