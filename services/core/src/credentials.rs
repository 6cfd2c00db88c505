//! Known access keys: the pairs configured with `--credentials KEY:SECRET` (default `test`/`test`)
//! and temporary credentials issued by identity pools / STS, which services register here.
//! See ARCHITECTURE.md "credentials": in `lenient` mode unknown keys are accepted unchecked;
//! in `strict` mode they are rejected.

use crate::DEFAULT_ACCOUNT;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// How unknown access keys are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CredentialMode {
    /// Any access key is accepted; keys amplocal knows must sign correctly.
    #[default]
    Lenient,
    /// Unknown keys are rejected; every signature and presigned expiry is checked.
    Strict,
}

/// One known access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The secret access key.
    pub secret: String,
    /// Session token that must accompany the key (temporary credentials).
    pub session_token: Option<String>,
    /// Account the key belongs to.
    pub account_id: String,
    /// When temporary credentials stop working.
    pub expires: Option<SystemTime>,
    /// The Cognito identity the key was issued to (GetCredentialsForIdentity), if any.
    pub identity: Option<PoolIdentity>,
}

/// The Cognito identity-pool identity behind temporary credentials: what IAM policies see as
/// `${cognito-identity.amazonaws.com:sub}` and the `amr` (authenticated or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolIdentity {
    /// The identity id (`<region>:<uuid>`).
    pub identity_id: String,
    /// The identity pool id.
    pub pool_id: String,
    /// Whether the credentials came with a login (the authenticated role), not as a guest.
    pub authenticated: bool,
}

impl Credential {
    /// Temporary credentials as identity pools / STS issue them: the session token must be sent
    /// with every request signed by the key, and the key stops working at `expires`.
    pub fn temporary(secret: impl Into<String>, session_token: impl Into<String>, account_id: impl Into<String>, expires: SystemTime) -> Self {
        Self { secret: secret.into(), session_token: Some(session_token.into()), account_id: account_id.into(), expires: Some(expires), identity: None }
    }

    /// Whether the credential has expired at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires.is_some_and(|e| now >= e)
    }
}

/// Shared, cheap-to-clone map of access key → credential.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    mode: CredentialMode,
    keys: Arc<RwLock<HashMap<String, Credential>>>,
}

impl CredentialStore {
    /// An empty store in the given mode.
    pub fn new(mode: CredentialMode) -> Self {
        Self { mode, keys: Arc::default() }
    }

    /// The configured mode.
    pub fn mode(&self) -> CredentialMode {
        self.mode
    }

    /// Register (or replace) a key.
    pub fn insert(&self, access_key: impl Into<String>, cred: Credential) {
        self.keys.write().unwrap_or_else(|p| p.into_inner()).insert(access_key.into(), cred);
    }

    /// Register a long-lived configured pair in the account derived from the key.
    pub fn insert_static(&self, access_key: &str, secret: &str) {
        self.insert(
            access_key,
            Credential {
                secret: secret.to_string(),
                session_token: None,
                account_id: account_for_key(access_key),
                expires: None,
                identity: None,
            },
        );
    }

    /// Look a key up.
    pub fn get(&self, access_key: &str) -> Option<Credential> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).get(access_key).cloned()
    }

    /// Record the identity-pool identity a registered key was issued to (no-op for unknown keys).
    pub fn set_identity(&self, access_key: &str, identity: PoolIdentity) {
        if let Some(c) = self.keys.write().unwrap_or_else(|p| p.into_inner()).get_mut(access_key) {
            c.identity = Some(identity);
        }
    }

    /// Forget a key.
    pub fn remove(&self, access_key: &str) {
        self.keys.write().unwrap_or_else(|p| p.into_inner()).remove(access_key);
    }
}

/// The account an access key maps to: the key itself when it is 12 digits (LocalStack's
/// convention), else the default account.
pub fn account_for_key(access_key: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn account_mapping() {
        assert_eq!(account_for_key("123456789012"), "123456789012");
        assert_eq!(account_for_key("12345678901"), DEFAULT_ACCOUNT);
        assert_eq!(account_for_key("AKIAIOSFODNN7EXAMPLE"), DEFAULT_ACCOUNT);
    }

    #[test]
    fn temporary_credentials_register_and_expire() {
        let store = CredentialStore::new(CredentialMode::Strict);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        store.insert("ASIATEMP", Credential::temporary("s3cr3t", "tok", "111122223333", t0 + Duration::from_secs(3600)));
        let c = store.get("ASIATEMP").unwrap();
        assert_eq!(c.session_token.as_deref(), Some("tok"));
        assert_eq!(c.account_id, "111122223333");
        assert!(!c.is_expired(t0));
        assert!(c.is_expired(t0 + Duration::from_secs(3600)));
        store.insert_static("test", "test");
        assert!(!store.get("test").unwrap().is_expired(t0 + Duration::from_secs(10_000_000)));
        assert_eq!(c.identity, None);
        let who = PoolIdentity { identity_id: "us-east-1:x".into(), pool_id: "us-east-1:p".into(), authenticated: true };
        store.set_identity("ASIATEMP", who.clone());
        assert_eq!(store.get("ASIATEMP").unwrap().identity, Some(who.clone()));
        store.set_identity("NOSUCHKEY", who);
        assert!(store.get("NOSUCHKEY").is_none());
        store.remove("ASIATEMP");
        assert!(store.get("ASIATEMP").is_none());
        assert_eq!(store.mode(), CredentialMode::Strict);
    }
}
