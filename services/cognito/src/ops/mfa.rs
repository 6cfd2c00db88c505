//! TOTP MFA: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference, and the SOFTWARE_TOKEN_MFA / MFA_SETUP challenge checks
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html>).
//! RFC 6238 (HMAC-SHA1, 30 s steps, 6 digits) with ±1 step accepted. Left out: SMS and email MFA.

use super::session::Pending;
use super::{now, opt, req};
use crate::error::{CognitoError, Result};
use crate::store::user::{self as users, User};
use crate::store::{self, Pool};
use crate::CognitoService;
use amplocal_core::RequestContext;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in bytes {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = B32.iter().position(|x| *x == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

/// The 6-digit TOTP of `secret` (base32) at time step `step`.
pub fn totp(secret: &str, step: u64) -> Option<String> {
    let key = unbase32(secret)?;
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(&key).ok()?;
    m.update(&step.to_be_bytes());
    let h = m.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]) % 1_000_000;
    Some(format!("{n:06}"))
}

/// Whether `code` is valid for `secret` at `t` (±30 s).
pub fn totp_ok(secret: &str, code: &str, t: f64) -> bool {
    let step = (t as u64) / 30;
    [step.saturating_sub(1), step, step + 1].iter().any(|s| totp(secret, *s).as_deref() == Some(code))
}

/// Whether sign-in must answer SOFTWARE_TOKEN_MFA.
pub fn totp_enabled(pool: &Pool, u: &User) -> bool {
    pool.data["MfaConfiguration"] != "OFF" && store::str_list(&u.mfa["enabled"]).iter().any(|m| m == "SOFTWARE_TOKEN_MFA") && u.mfa["totp_secret"].is_string()
}

async fn by_token_or_session(svc: &CognitoService, ctx: &RequestContext, input: &Value) -> Result<(Pool, User, Option<Pending>)> {
    if let Some(t) = opt(input, "AccessToken") {
        let (p, u) = super::self_service::token_user(svc, t).await?;
        return Ok((p, u, None));
    }
    let session = opt(input, "Session").ok_or_else(|| CognitoError::param("Either AccessToken or Session is required"))?;
    let pend = svc.take_pending(session, now(ctx)).filter(|p| p.challenge == "MFA_SETUP").ok_or_else(|| CognitoError::NotAuthorizedException("Invalid session for the user.".into()))?;
    let (pid, un) = (pend.pool_id.clone(), pend.username.clone());
    let (pool, user) = svc.db().read(move |c| Ok::<_, CognitoError>((store::get_pool_any(c, &pid)?, users::get(c, &pid, &un)?))).await?;
    Ok((pool.ok_or_else(CognitoError::no_user)?, user.ok_or_else(CognitoError::no_user)?, Some(pend)))
}

fn renew(svc: &CognitoService, ctx: &RequestContext, p: Option<Pending>) -> Option<String> {
    p.map(|mut p| {
        p.created = now(ctx);
        svc.put_pending(p, 96)
    })
}

/// AssociateSoftwareToken.
pub async fn associate_software_token(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let (_, mut user, pend) = by_token_or_session(svc, ctx, &input).await?;
    let secret = base32(&svc.core().ids.bytes(20));
    user.mfa["totp_pending"] = secret.clone().into();
    svc.db().write(move |c| users::put(c, &user)).await?;
    let mut out = json!({"SecretCode": secret});
    if let Some(s) = renew(svc, ctx, pend) {
        out["Session"] = s.into();
    }
    Ok(out)
}

/// VerifySoftwareToken.
pub async fn verify_software_token(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let code = req(&input, "UserCode")?.to_string();
    let (_, mut user, pend) = by_token_or_session(svc, ctx, &input).await?;
    let Some(secret) = user.mfa["totp_pending"].as_str().map(str::to_string) else {
        return Err(CognitoError::InvalidParameterException("User has not associated a software token.".into()));
    };
    if !totp_ok(&secret, &code, now(ctx)) {
        return Err(CognitoError::EnableSoftwareTokenMFAException("Code mismatch and fail enable Software Token MFA".into()));
    }
    user.mfa["totp_secret"] = secret.into();
    user.mfa.as_object_mut().map(|m| m.remove("totp_pending"));
    if let Some(name) = opt(&input, "FriendlyDeviceName") {
        user.mfa["device_name"] = name.into();
    }
    if pend.is_some() {
        user.mfa["enabled"] = json!(["SOFTWARE_TOKEN_MFA"]);
        user.mfa["preferred"] = "SOFTWARE_TOKEN_MFA".into();
    }
    svc.db().write(move |c| users::put(c, &user)).await?;
    let mut out = json!({"Status": "SUCCESS"});
    if let Some(s) = renew(svc, ctx, pend) {
        out["Session"] = s.into();
    }
    Ok(out)
}

fn apply_pref(u: &mut User, input: &Value) -> Result<()> {
    let s = &input["SoftwareTokenMfaSettings"];
    if s.is_object() {
        let mut enabled = store::str_list(&u.mfa["enabled"]);
        enabled.retain(|m| m != "SOFTWARE_TOKEN_MFA");
        if s["Enabled"] == true {
            if !u.mfa["totp_secret"].is_string() {
                return Err(CognitoError::InvalidParameterException("User has not verified software token mfa".into()));
            }
            enabled.push("SOFTWARE_TOKEN_MFA".into());
        }
        if s["PreferredMfa"] == true {
            u.mfa["preferred"] = "SOFTWARE_TOKEN_MFA".into();
        } else if u.mfa["preferred"] == "SOFTWARE_TOKEN_MFA" && s["Enabled"] != true {
            u.mfa.as_object_mut().map(|m| m.remove("preferred"));
        }
        u.mfa["enabled"] = json!(enabled);
    }
    if input["SMSMfaSettings"]["Enabled"] == true || input["EmailMfaSettings"]["Enabled"] == true {
        return Err(CognitoError::InvalidParameterException("SMS and email MFA are not supported by amplocal.".into()));
    }
    Ok(())
}

/// SetUserMFAPreference.
pub async fn set_user_mfa_preference(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let (_, mut user) = super::self_service::token_user(svc, req(&input, "AccessToken")?).await?;
    apply_pref(&mut user, &input)?;
    svc.db().write(move |c| users::put(c, &user)).await?;
    Ok(json!({}))
}

/// AdminSetUserMFAPreference.
pub async fn admin_set_user_mfa_preference(svc: &CognitoService, ctx: &RequestContext, input: Value) -> Result<Value> {
    let pool_id = req(&input, "UserPoolId")?.to_string();
    let name = req(&input, "Username")?.to_string();
    let acct = ctx.account_id.clone();
    svc.db()
        .write(move |c| {
            let (_, mut u) = super::user::pool_user(c, &acct, &pool_id, &name)?;
            apply_pref(&mut u, &input)?;
            users::put(c, &u)
        })
        .await?;
    Ok(json!({}))
}

/// GetUserAuthFactors: the sign-in factors the user can use.
pub async fn get_user_auth_factors(svc: &CognitoService, _ctx: &RequestContext, input: Value) -> Result<Value> {
    let (_, u) = super::self_service::token_user(svc, req(&input, "AccessToken")?).await?;
    let mut factors = vec!["PASSWORD"];
    if u.attr("email").is_some() {
        factors.push("EMAIL_OTP");
    }
    let mut out = json!({"Username": u.username, "ConfiguredUserAuthFactors": factors});
    super::user::mfa_fields(&mut out, &u);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits) → 287082
        let secret = super::base32(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(super::totp(&secret, 59 / 30).as_deref(), Some("287082"));
        assert_eq!(super::totp(&secret, 1111111109 / 30).as_deref(), Some("081804"));
        assert!(super::totp_ok(&secret, "287082", 59.0));
        assert!(!super::totp_ok(&secret, "287083", 59.0));
    }
}
