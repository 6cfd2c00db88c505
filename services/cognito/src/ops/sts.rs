//! STS: AssumeRoleWithWebIdentity (tokens from GetOpenIdToken or user-pool ID tokens),
//! AssumeRole and GetCallerIdentity (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>).
//! Inputs are the query-protocol form fields; outputs are (element, value) trees the wire
//! layer renders as XML. Role trust policies are not evaluated.

use super::identity_pool::mint_credentials;
use super::now_i;
use crate::error::{CognitoError, Result};
use crate::CognitoService;
use amplocal_core::RequestContext;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Key id under which the cognito-identity OpenID signing key is stored.
const IDENTITY_KEY: &str = "__cognito_identity__";
/// Issuer of GetOpenIdToken tokens.
pub const IDENTITY_ISSUER: &str = "https://cognito-identity.amazonaws.com";

/// An XML result tree: element name → text or children.
#[derive(Debug, Clone)]
pub enum Xml {
    /// Text content.
    Text(String),
    /// Child elements in order.
    Node(Vec<(&'static str, Xml)>),
}

/// Who an issued access key stands for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Account.
    pub account: String,
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `AROA…:<session>`.
    pub user_id: String,
}

impl CognitoService {
    /// Remember the role an issued key assumed (for GetCallerIdentity).
    pub(crate) fn remember_principal(&self, key: &str, account: &str, role_arn: &str, session: &str) {
        let role = role_arn.rsplit('/').next().unwrap_or("role");
        let p = Principal {
            account: account.to_string(),
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
            user_id: format!("AROA{}:{session}", &hex::encode(sha2_16(role_arn)).to_uppercase()[..17]),
        };
        self.inner.principals.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), p);
    }
}

fn sha2_16(s: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())[..16].to_vec()
}

/// The signed OpenID token of an identity.
pub async fn identity_token(svc: &CognitoService, ctx: &RequestContext, identity_id: &str, pool_id: &str, logins: &[String]) -> Result<String> {
    let keys = svc.inner.keys.get_or_create(svc.db(), &svc.core().ids, IDENTITY_KEY).await?;
    let key = &keys.id;
    let t = now_i(ctx);
    let mut amr = vec![if logins.is_empty() { "unauthenticated".to_string() } else { "authenticated".to_string() }];
    amr.extend(logins.iter().filter_map(|l| l.split('|').next().map(str::to_string)));
    let claims = json!({"sub": identity_id, "aud": pool_id, "amr": amr, "iss": IDENTITY_ISSUER, "https://cognito-identity.amazonaws.com/identity-pool-arn": pool_id, "exp": t + 600, "iat": t});
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(|e| CognitoError::Internal(amplocal_core::InternalError::new(e)))
}

fn field<'a>(f: &'a [(String, String)], k: &str) -> Result<&'a str> {
    f.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str()).ok_or_else(|| CognitoError::param(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", k[..1].to_lowercase() + &k[1..])))
}

fn duration(f: &[(String, String)]) -> Result<u64> {
    match f.iter().find(|(a, _)| a == "DurationSeconds") {
        None => Ok(3600),
        Some((_, v)) => match v.parse::<u64>() {
            Ok(d) if (900..=43200).contains(&d) => Ok(d),
            _ => Err(CognitoError::param(format!("1 validation error detected: Value '{v}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"))),
        },
    }
}

fn creds_xml(key: String, secret: String, token: String, exp: u64) -> Xml {
    let iso = time::OffsetDateTime::from_unix_timestamp(exp as i64).ok().and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()).unwrap_or_default();
    Xml::Node(vec![("AccessKeyId", Xml::Text(key)), ("SecretAccessKey", Xml::Text(secret)), ("SessionToken", Xml::Text(token)), ("Expiration", Xml::Text(iso))])
}

async fn verify_web_identity(svc: &CognitoService, ctx: &RequestContext, token: &str) -> Result<Map<String, Value>> {
    let bad = || CognitoError::InvalidIdentityToken("Couldn't verify the web identity token.".into());
    let payload = token.split('.').nth(1).ok_or_else(bad)?;
    use base64::Engine;
    let raw: Map<String, Value> = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(bad)?;
    if raw.get("iss").and_then(Value::as_str) == Some(IDENTITY_ISSUER) {
        let keys = svc.inner.keys.existing(svc.db(), &svc.core().ids, IDENTITY_KEY).await?.ok_or_else(bad)?;
        let key = &keys.id;
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims = HashSet::new();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &v).map_err(|_| bad())?.claims;
        if claims.get("exp").and_then(Value::as_i64).unwrap_or(0) <= now_i(ctx) {
            return Err(CognitoError::ExpiredTokenException("Token expired".into()));
        }
        return Ok(claims);
    }
    match svc.verify_token(token).await {
        Ok(c) if c.token_use == "id" => Ok(c.claims),
        Err(CognitoError::NotAuthorizedException(m)) if m.contains("expired") => Err(CognitoError::ExpiredTokenException("Token expired".into())),
        Err(CognitoError::Internal(e)) => Err(CognitoError::Internal(e)),
        _ => Err(bad()),
    }
}

/// AssumeRoleWithWebIdentity.
pub async fn assume_role_with_web_identity(svc: &CognitoService, ctx: &RequestContext, f: &[(String, String)]) -> Result<Xml> {
    let role = field(f, "RoleArn")?.to_string();
    let session = field(f, "RoleSessionName")?.to_string();
    let token = field(f, "WebIdentityToken")?;
    let dur = duration(f)?;
    let claims = verify_web_identity(svc, ctx, token).await?;
    let account = role.split(':').nth(4).filter(|a| a.len() == 12).unwrap_or(&ctx.account_id).to_string();
    let (key, secret, tok, exp) = mint_credentials(svc, ctx, &account, dur);
    svc.remember_principal(&key, &account, &role, &session);
    let p = svc.inner.principals.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
    let (arn, uid) = p.map(|p| (p.arn, p.user_id)).unwrap_or_default();
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let aud = claims.get("aud").map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string())).unwrap_or_default();
    Ok(Xml::Node(vec![
        ("SubjectFromWebIdentityToken", Xml::Text(s("sub"))),
        ("Audience", Xml::Text(aud)),
        ("AssumedRoleUser", Xml::Node(vec![("Arn", Xml::Text(arn)), ("AssumedRoleId", Xml::Text(uid))])),
        ("Credentials", creds_xml(key, secret, tok, exp)),
        ("Provider", Xml::Text(s("iss").split_once("://").map(|(_, h)| h.to_string()).unwrap_or_default())),
    ]))
}

/// AssumeRole (trust policy not evaluated).
pub async fn assume_role(svc: &CognitoService, ctx: &RequestContext, f: &[(String, String)]) -> Result<Xml> {
    let role = field(f, "RoleArn")?.to_string();
    let session = field(f, "RoleSessionName")?.to_string();
    let dur = duration(f)?;
    let account = role.split(':').nth(4).filter(|a| a.len() == 12).unwrap_or(&ctx.account_id).to_string();
    let (key, secret, tok, exp) = mint_credentials(svc, ctx, &account, dur);
    svc.remember_principal(&key, &account, &role, &session);
    let p = svc.inner.principals.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
    let (arn, uid) = p.map(|p| (p.arn, p.user_id)).unwrap_or_default();
    Ok(Xml::Node(vec![("Credentials", creds_xml(key, secret, tok, exp)), ("AssumedRoleUser", Xml::Node(vec![("AssumedRoleId", Xml::Text(uid)), ("Arn", Xml::Text(arn))]))]))
}

/// GetCallerIdentity: the role an issued key assumed, else the account root.
pub async fn get_caller_identity(svc: &CognitoService, ctx: &RequestContext, _f: &[(String, String)]) -> Result<Xml> {
    let key = ctx.caller.as_ref().map(|c| c.access_key.clone()).unwrap_or_default();
    let p = svc.inner.principals.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
    let (arn, uid, acct) = match p {
        Some(p) => (p.arn, p.user_id, p.account),
        None => (format!("arn:aws:iam::{}:root", ctx.account_id), ctx.account_id.clone(), ctx.account_id.clone()),
    };
    Ok(Xml::Node(vec![("UserId", Xml::Text(uid)), ("Account", Xml::Text(acct)), ("Arn", Xml::Text(arn))]))
}
