//! `/<poolId>/.well-known/jwks.json` and `/.well-known/openid-configuration`
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html>).
//! The hosted-UI endpoints named in the discovery document are not served.

use super::keys::PoolKeys;
use serde_json::{json, Value};

/// The JWKS document of one pool: its ID-token key, then its access-token key.
pub fn jwks(keys: &PoolKeys) -> Value {
    let keys: Vec<Value> = keys.all().iter().map(|k| json!({"alg": "RS256", "e": k.e, "kid": k.kid, "kty": "RSA", "n": k.n, "use": "sig"})).collect();
    json!({ "keys": keys })
}

/// The OpenID discovery document; `issuer` equals the tokens' `iss`.
pub fn openid_configuration(issuer: &str, region: &str, pool_id: &str) -> Value {
    let domain = format!("https://{}.auth.{region}.amazoncognito.com", pool_id.to_ascii_lowercase().replace('_', ""));
    json!({
        "authorization_endpoint": format!("{domain}/oauth2/authorize"),
        "end_session_endpoint": format!("{domain}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{domain}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{domain}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{domain}/oauth2/userInfo"),
    })
}
