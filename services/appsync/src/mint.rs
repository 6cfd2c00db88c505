//! Token minting for the GraphQL explorer ([`crate::graphiql`]): ID and access tokens for an
//! existing user of a local Cognito pool, without a password — what a sign-in would return
//! (same issuer, keys, claims and groups), produced by Cognito's own token issuer
//! (`amplocal_cognito::ops::token::issue`).
//!
//! The lookup and the tokens are Cognito's ([`CognitoService::mint_tokens`]); this module only
//! shapes the explorer's answer.
//!
//! Leaves out: choosing scopes, refresh-token rotation (a refresh token is issued as on sign-in).

use amplocal_cognito::ops::local_tokens::MintFailure;
use amplocal_cognito::CognitoService;
use amplocal_core::RequestContext;
use serde_json::{json, Value};

/// Why tokens could not be minted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintError {
    /// No such pool, user or app client (message says which).
    NotFound(String),
    /// Anything else.
    Failed(String),
}

impl From<MintFailure> for MintError {
    fn from(e: MintFailure) -> Self {
        match e {
            MintFailure::NotFound(m) => MintError::NotFound(m),
            MintFailure::Failed(e) => MintError::Failed(e.to_string()),
        }
    }
}

/// Mint `{"idToken","accessToken","refreshToken","expiresIn","pool","client","username"}` for
/// `username` of `pool_id` (app client `client_id`, or the pool's first).
pub async fn mint_tokens(cognito: &CognitoService, ctx: &RequestContext, pool_id: &str, username: &str, client_id: Option<&str>) -> Result<Value, MintError> {
    let minted = cognito.mint_tokens(ctx, pool_id, username, client_id).await?;
    let tokens = &minted.tokens;
    Ok(json!({
        "idToken": tokens["IdToken"],
        "accessToken": tokens["AccessToken"],
        "refreshToken": tokens["RefreshToken"],
        "expiresIn": tokens["ExpiresIn"],
        "pool": minted.pool_id,
        "client": minted.client_id,
        "username": minted.username,
    }))
}
