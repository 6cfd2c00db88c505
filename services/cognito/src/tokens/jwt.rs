//! ID and access tokens with Cognito's claims (reference cognito.md §2.2/§2.3):
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html>.
//! Left out: `identities`, `nonce`, `at_hash`.

use crate::store::user::User;
use serde_json::{json, Map, Value};

/// What one sign-in (or refresh) needs to mint a token pair.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// App client id (`aud` / `client_id`).
    pub client_id: &'a str,
    /// The user.
    pub user: &'a User,
    /// Group names for `cognito:groups`.
    pub groups: &'a [String],
    /// `(RoleArn, Precedence)` of the user's groups, for `cognito:roles` / `cognito:preferred_role`.
    pub roles: &'a [(String, i64)],
    /// `auth_time` of the original sign-in.
    pub auth_time: i64,
    /// Stable id of the authentication.
    pub origin_jti: &'a str,
    /// Auth event id.
    pub event_id: &'a str,
    /// Issue time, epoch seconds.
    pub now: i64,
    /// ID token lifetime, seconds.
    pub id_validity: i64,
    /// Access token lifetime, seconds.
    pub access_validity: i64,
    /// `jti` of the ID token.
    pub id_jti: &'a str,
    /// `jti` of the access token.
    pub access_jti: &'a str,
    /// The remembered device of the sign-in (`device_key` claim of the access token).
    pub device_key: Option<&'a str>,
}

/// Attribute values as the ID token carries them (`*_verified` as booleans, the rest strings).
fn claim_value(name: &str, v: &Value) -> Value {
    match (name, v.as_str()) {
        ("email_verified" | "phone_number_verified", Some(s)) => Value::Bool(s == "true"),
        _ => v.clone(),
    }
}

/// The ID token's claims (signed with the pool's ID-token key).
pub fn id_claims(r: &TokenRequest<'_>) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), r.user.sub.clone().into());
    if !r.groups.is_empty() {
        c.insert("cognito:groups".into(), json!(r.groups));
    }
    if !r.roles.is_empty() {
        let arns: Vec<&str> = r.roles.iter().map(|(a, _)| a.as_str()).collect();
        c.insert("cognito:roles".into(), json!(arns));
        if let Some((best, _)) = r.roles.iter().min_by_key(|(_, p)| *p) {
            c.insert("cognito:preferred_role".into(), best.clone().into());
        }
    }
    for (k, v) in &r.user.attrs {
        if k != "sub" {
            c.insert(k.clone(), claim_value(k, v));
        }
    }
    c.insert("iss".into(), r.issuer.into());
    c.insert("cognito:username".into(), r.user.username.clone().into());
    c.insert("origin_jti".into(), r.origin_jti.into());
    c.insert("aud".into(), r.client_id.into());
    c.insert("event_id".into(), r.event_id.into());
    c.insert("token_use".into(), "id".into());
    c.insert("auth_time".into(), r.auth_time.into());
    c.insert("exp".into(), (r.now + r.id_validity).into());
    c.insert("iat".into(), r.now.into());
    c.insert("jti".into(), r.id_jti.into());
    c
}

/// The access token's claims (signed with the pool's access-token key).
pub fn access_claims(r: &TokenRequest<'_>) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), r.user.sub.clone().into());
    if !r.groups.is_empty() {
        c.insert("cognito:groups".into(), json!(r.groups));
    }
    c.insert("iss".into(), r.issuer.into());
    c.insert("client_id".into(), r.client_id.into());
    if let Some(d) = r.device_key {
        c.insert("device_key".into(), d.into());
    }
    c.insert("origin_jti".into(), r.origin_jti.into());
    c.insert("event_id".into(), r.event_id.into());
    c.insert("token_use".into(), "access".into());
    c.insert("scope".into(), "aws.cognito.signin.user.admin".into());
    c.insert("auth_time".into(), r.auth_time.into());
    c.insert("exp".into(), (r.now + r.access_validity).into());
    c.insert("iat".into(), r.now.into());
    c.insert("jti".into(), r.access_jti.into());
    c.insert("username".into(), r.user.username.clone().into());
    c
}
