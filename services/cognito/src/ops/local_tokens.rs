//! Tokens for an existing user of a local pool without a password, for amplocal's own local
//! tools (the GraphQL explorer's "sign in as" switch). Not an AWS operation: the tokens are what
//! a sign-in would return (same issuer, keys, claims and groups), from the same issuer code.
//!
//! Leaves out: choosing scopes, device keys (a refresh token is issued as on sign-in).

use crate::error::CognitoError;
use crate::ops::token::issue;
use crate::CognitoService;
use amplocal_core::RequestContext;
use serde_json::Value;

/// Why tokens could not be minted.
#[derive(Debug)]
pub enum MintFailure {
    /// No such pool, user or app client (the message says which).
    NotFound(String),
    /// Anything else.
    Failed(CognitoError),
}

impl From<CognitoError> for MintFailure {
    fn from(e: CognitoError) -> Self {
        MintFailure::Failed(e)
    }
}

/// Minted tokens and whom they are for.
#[derive(Debug, Clone)]
pub struct Minted {
    /// `IdToken`, `AccessToken`, `RefreshToken`, `ExpiresIn`, `TokenType` as a sign-in returns them.
    pub tokens: Value,
    /// The pool id.
    pub pool_id: String,
    /// The app client id the tokens are for.
    pub client_id: String,
    /// The user's username.
    pub username: String,
}

impl CognitoService {
    /// Tokens for `username` of `pool_id` (any local pool of any account), for app client
    /// `client_id` or the pool's first client.
    pub async fn mint_tokens(&self, ctx: &RequestContext, pool_id: &str, username: &str, client_id: Option<&str>) -> Result<Minted, MintFailure> {
        let (p, u, c) = (pool_id.to_string(), username.to_string(), client_id.map(String::from));
        let found = self
            .db()
            .read(move |conn| {
                let Some(pool) = crate::store::get_pool_any(conn, &p)? else { return Ok(Err(format!("User pool {p} does not exist."))) };
                let Some(user) = crate::ops::find_user(conn, &pool, &u)? else { return Ok(Err("User does not exist.".to_string())) };
                let clients = crate::store::list_clients(conn, &pool.id)?;
                let client = match &c {
                    Some(id) => clients.into_iter().find(|x| x["ClientId"].as_str() == Some(id.as_str())),
                    None => clients.into_iter().next(),
                };
                let Some(client) = client else { return Ok(Err(format!("User pool {p} has no such app client."))) };
                Ok::<_, CognitoError>(Ok((pool, user, client)))
            })
            .await?;
        let (pool, user, client) = found.map_err(MintFailure::NotFound)?;
        let tokens = issue(self, ctx, &pool, &client, &user, None, None).await?;
        let client_id = client["ClientId"].as_str().unwrap_or_default().to_string();
        Ok(Minted { tokens, pool_id: pool.id, client_id, username: user.username })
    }
}
