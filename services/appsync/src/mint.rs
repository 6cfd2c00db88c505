//! Token minting for the GraphQL explorer ([`crate::graphiql`]): ID and access tokens for an
//! existing user of a local Cognito pool, without a password — what a sign-in would return
//! (same issuer, keys, claims and groups), produced by Cognito's own token issuer
//! (`amplocal_cognito::ops::token::issue`).
//!
//! The pool, app client and user are read with Cognito's store functions over a read handle
//! on `<data_dir>/cognito.db` (Cognito keeps its database handle crate-private; a
//! `CognitoService::mint_tokens` would make this module a one-line call).
//!
//! Leaves out: choosing scopes, refresh-token rotation (a refresh token is issued as on sign-in).

use amplocal_cognito::error::CognitoError;
use amplocal_cognito::CognitoService;
use amplocal_core::{CoreCtx, RequestContext, SqliteDb};
use serde_json::{json, Value};

/// Why tokens could not be minted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintError {
    /// No such pool, user or app client (message says which).
    NotFound(String),
    /// Anything else.
    Failed(String),
}

impl From<CognitoError> for MintError {
    fn from(e: CognitoError) -> Self {
        MintError::Failed(e.to_string())
    }
}

/// Mint `{"idToken","accessToken","refreshToken","expiresIn","pool","client","username"}` for
/// `username` of `pool_id` (app client `client_id`, or the pool's first).
pub async fn mint_tokens(cognito: &CognitoService, core: &CoreCtx, ctx: &RequestContext, pool_id: &str, username: &str, client_id: Option<&str>) -> Result<Value, MintError> {
    let db = SqliteDb::open(core.data_dir.join("cognito.db"), amplocal_cognito::store::MIGRATIONS).map_err(|e| MintError::Failed(e.to_string()))?;
    let (p, u, c) = (pool_id.to_string(), username.to_string(), client_id.map(String::from));
    let found = db
        .read(move |conn| {
            let Some(pool) = amplocal_cognito::store::get_pool_any(conn, &p)? else { return Ok(Err(format!("User pool {p} does not exist."))) };
            let Some(user) = amplocal_cognito::ops::find_user(conn, &pool, &u)? else { return Ok(Err("User does not exist.".to_string())) };
            let clients = amplocal_cognito::store::list_clients(conn, &pool.id)?;
            let client = match &c {
                Some(id) => clients.into_iter().find(|x| x["ClientId"].as_str() == Some(id.as_str())),
                None => clients.into_iter().next(),
            };
            let Some(client) = client else { return Ok(Err(format!("User pool {p} has no such app client."))) };
            Ok::<_, CognitoError>(Ok((pool, user, client)))
        })
        .await?;
    let (pool, user, client) = found.map_err(MintError::NotFound)?;
    let tokens = amplocal_cognito::ops::token::issue(cognito, ctx, &pool, &client, &user, None, None).await?;
    Ok(json!({
        "idToken": tokens["IdToken"],
        "accessToken": tokens["AccessToken"],
        "refreshToken": tokens["RefreshToken"],
        "expiresIn": tokens["ExpiresIn"],
        "pool": pool.id,
        "client": client["ClientId"],
        "username": user.username,
    }))
}
